# nix/tests/flake-eval.nix - evaluates flake.nix's outputs against stub nixpkgs (nix/tests/stub-nixpkgs) for both systems.
# scripts/test-nix checks the summary: the attribute tree and each output's kind, callPackage arguments, every build script's
# interpolations, the NixOS modules and VM test nodes evaluated, and the test scripts (nix/tests/test-scripts.py).
{lib}: let
  flake = import ../../flake.nix;
  nixpkgs = {
    # lib.fileset needs builtins.readFileType (Nix >= 2.14); Debian's Nix is
    # 2.8, so the flake's two source filters are replaced by their root here.
    lib =
      lib
      // {
        fileset = {
          toSource = {root, ...}: {outPath = toString root;};
          unions = lib.id;
          maybeMissing = lib.id;
        };
      };
    outPath = toString ./stub-nixpkgs;
  };
  self =
    flake.outputs {inherit self nixpkgs;}
    // {
      shortRev = "0123abc";
      outPath = toString ../..;
    };

  # The strings a build runs, forced so that every interpolation in them is
  # evaluated (`--readonly-mode` computes store paths without copying).
  scripts = [
    "configurePhase"
    "buildPhase"
    "checkPhase"
    "installPhase"
    "installCheckPhase"
    "postInstall"
    "postPatch"
    "buildCommand"
    "shellHook"
    "text"
    "extraCommands"
    "testScript"
  ];
  summary = d:
    builtins.deepSeq (map (n: d.${n} or null) scripts) {
      inherit (d) name;
      scripts = builtins.filter (n: d ? ${n}) scripts;
    };
  # What `nix flake check` asks of each output: a derivation, an app whose
  # program is in the store; anything else is reported by its type.
  kind = v:
    if lib.isDerivation v && v ? drvPath && v ? name
    then "derivation"
    else if v.type or null == "app" && lib.hasPrefix "${builtins.storeDir}/" v.program
    then "app"
    else builtins.typeOf v;
  # A NixOS module as a system evaluates it: stub NixOS options and this
  # system's pkgs; the flake's own module brings the package.
  moduleExecStart = system: module:
    (lib.evalModules {
      modules = [
        module
        ./stub-nixos.nix
        {
          _module.args.pkgs = import nixpkgs {inherit system;};
          services.weir = {
            enable = true;
            settings.rabbitmq.urlFile = "/run/secrets/url";
          };
        }
      ];
    })
    .config
    .systemd
    .services
    .weir
    .serviceConfig
    .ExecStart;
  # Each VM test node's configuration, forced whole (a bad definition
  # fails here), with its units and failed assertions.
  node = n:
    builtins.deepSeq n {
      units = lib.mapAttrs (_: u: {inherit (u) environment wantedBy;}) n.systemd.services;
      failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) n.assertions);
    };
  perSystem = system: {
    kinds =
      lib.genAttrs ["packages" "checks" "devShells" "apps"] (o: lib.mapAttrs (_: kind) self.${o}.${system})
      // {formatter = kind self.formatter.${system};};
    nixosModules = lib.mapAttrs (_: moduleExecStart system) self.nixosModules;
    packages = lib.mapAttrs (_: summary) self.packages.${system};
    checks = lib.mapAttrs (_: summary) self.checks.${system};
    devShells = lib.mapAttrs (_: summary) self.devShells.${system};
    apps = lib.mapAttrs (_: a: {inherit (a) type program;}) self.apps.${system};
    formatter = self.formatter.${system}.name;
    kedaImages = lib.mapAttrs (_: i: "${i.imageName}:${i.imageTag}") self.packages.${system}.keda.images;
    kedaManifests = summary self.packages.${system}.keda.manifests;
    staticPatch = toString (self.packages.${system}.weir-static.koreStaticPatch != "");
    dynamicPatch = self.packages.${system}.weir.koreStaticPatch;
    staticBuild = self.packages.${system}.weir-static.buildPhase;
    dynamicBuild = self.packages.${system}.weir.buildPhase;
    imageRef = self.packages.${system}.manifests.imageRef;
    vmTestNodes = lib.mapAttrs (_: t: lib.mapAttrs (_: node) t.nodes) {
      inherit (self.checks.${system}) pipeline k3s-scaling;
    };
  };
in {
  # The VM tests (checks made by runNixOSTest) of one system, for
  # nix/tests/test-scripts.py.
  testScripts = lib.mapAttrs (_: t: {inherit (t) testScript nodeNames;}) (
    lib.filterAttrs (_: c: c ? nodeNames) self.checks.x86_64-linux
  );
  systems = builtins.attrNames self.packages;
  nixosModules = builtins.attrNames self.nixosModules;
  overlay = builtins.isFunction self.overlays.default;
  x86_64-linux = perSystem "x86_64-linux";
  aarch64-linux = perSystem "aarch64-linux";
}
