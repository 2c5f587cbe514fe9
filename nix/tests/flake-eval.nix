# nix/tests/flake-eval.nix - evaluates flake.nix's outputs against stub nixpkgs (nix/tests/stub-nixpkgs) for both systems.
# scripts/test-nix checks the summary: the attribute tree, callPackage arguments, and every build script's interpolations.
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
  perSystem = system: {
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
    vmTestNodes = {
      pipeline = self.checks.${system}.pipeline.nodeNames;
      k3s-scaling = self.checks.${system}.k3s-scaling.nodeNames;
    };
  };
in {
  systems = builtins.attrNames self.packages;
  nixosModules = builtins.attrNames self.nixosModules;
  overlay = builtins.isFunction self.overlays.default;
  x86_64-linux = perSystem "x86_64-linux";
  aarch64-linux = perSystem "aarch64-linux";
}
