# nix/tests/stub-nixpkgs/default.nix - a stand-in for `import nixpkgs { ... }` that builds nothing: every package is a stub.
# It keeps what can go wrong in our Nix code: callPackage arguments, overlays, attribute names, interpolated strings.
{
  system,
  overlays ? [],
  config ? {},
  isStatic ? false,
}: let
  # nixpkgs' real lib/, from scripts/test-nix (not vendored here).
  lib = import (builtins.getEnv "WEIR_NIXPKGS_LIB");

  storePath = name: "/nix/store/00000000000000000000000000000000-${name}";

  # A derivation-shaped attribute set; `passthru` is merged in, as in nixpkgs.
  drv = name: attrs:
    attrs
    // (attrs.passthru or {})
    // {
      type = "derivation";
      inherit name;
      outPath = storePath name;
      drvPath = storePath "${name}.drv";
      meta = attrs.meta or {};
    };

  mkDerivation = f: let
    attrs =
      if builtins.isFunction f
      then lib.fix f
      else f;
    name = attrs.name or "${attrs.pname}-${attrs.version}";
  in
    drv name attrs
    // {
      overrideAttrs = g:
        mkDerivation (
          attrs
          // (
            if builtins.isFunction g
            then g attrs
            else g
          )
        );
    };

  # A nixpkgs package we only depend on. `override` is callPackage's.
  pkg = pname: extra:
    lib.fix (self:
      drv pname ({
          inherit pname;
          version = "0";
          meta.mainProgram = pname;
          override = _: self;
          overrideAttrs = _: self;
        }
        // extra));

  # nixpkgs' callPackage: arguments from the package set, then the given
  # ones; a missing one is an error, an unexpected one fails the call.
  callPackageWith = autoArgs: fn: args: let
    f =
      if builtins.isFunction fn
      then fn
      else import fn;
    formals = builtins.functionArgs f;
    missing = lib.filter (n: !formals.${n} && !(autoArgs ? ${n}) && !(args ? ${n})) (builtins.attrNames formals);
  in
    if missing != []
    then throw "callPackage ${toString fn}: no value for ${toString missing}"
    else f (builtins.intersectAttrs formals autoArgs // args);

  # runNixOSTest: the test module called with lib and pkgs; each node's
  # modules evaluated by lib.evalModules against stub NixOS options (only
  # services.weir is the real module), and its script with those configs.
  runNixOSTest = pkgs: test: let
    t = test {inherit lib pkgs;};
    evalNode = node:
      removeAttrs
      (lib.evalModules {
        modules = [node ../stub-nixos.nix {_module.args.pkgs = pkgs;}];
      })
      .config ["_module"];
    nodes = lib.mapAttrs (_: evalNode) t.nodes;
  in
    drv "vm-test-run-${t.name}" {
      testScript =
        if builtins.isFunction t.testScript
        then t.testScript {inherit nodes;}
        else t.testScript;
      nodeNames = builtins.attrNames t.nodes;
      inherit nodes;
    };

  base = self: {
    inherit lib system config;
    runtimeShell = "${storePath "bash"}/bin/bash";
    stdenv = {
      hostPlatform = {
        inherit system isStatic;
        isLinux = true;
      };
      cc = {
        isGNU = true;
        isClang = false;
      };
      inherit mkDerivation;
    };
    callPackage = callPackageWith self;
    buildPackages = self;
    pkgsStatic =
      if isStatic
      then self
      else
        import ./. {
          inherit system overlays config;
          isStatic = true;
        };

    fetchFromGitHub = args:
      assert args ? hash && args ? owner && args ? repo && (args ? tag || args ? rev);
        drv "source" args;
    fetchgit = args:
      assert args ? hash && args ? url && args ? rev;
        drv "source" args;
    fetchurl = args:
      assert args ? hash && args ? url;
        drv (lib.last (lib.splitString "/" args.url)) args;
    buildGoModule = f: let
      d = mkDerivation f;
    in
      assert d ? vendorHash; d;
    dockerTools = let
      image = args:
        drv "${lib.last (lib.splitString "/" args.name)}.tar.gz" (args
          // {
            imageName = args.name;
            imageTag = args.tag;
          });
    in {
      buildLayeredImage = image;
      buildImage = image;
    };
    runCommand = name: env: buildCommand: drv name (env // {inherit buildCommand;});
    writeShellApplication = args:
      drv args.name (args // {meta.mainProgram = args.name;});
    mkShell = args: drv "nix-shell" args;
    buildEnv = args: drv args.name args;
    testers.runNixOSTest = runNixOSTest self;

    python3 =
      pkg "python3" {}
      // {
        withPackages = f:
          builtins.seq (f {
            pika = pkg "pika" {};
            pymongo = pkg "pymongo" {};
            pytest = pkg "pytest" {};
            pyyaml = pkg "pyyaml" {};
            requests = pkg "requests" {};
          }) (pkg "python3-env" {});
      };
    mongoc = pkg "mongoc" {version = "1.30.5";};
    ferretdb = pkg "ferretdb" {version = "1.24.0";};
    k3s = pkg "k3s" {airgap-images = pkg "k3s-airgap-images" {};};

    openssl = pkg "openssl" {};
    pkg-config = pkg "pkg-config" {};
    rabbitmq-c = pkg "rabbitmq-c" {};
    jansson = pkg "jansson" {};
    check = pkg "check" {};
    gnumake = pkg "gnumake" {};
    cacert = pkg "cacert" {};
    skopeo = pkg "skopeo" {};
    gzip = pkg "gzip" {};
    kustomize = pkg "kustomize" {};
    yq-go = pkg "yq-go" {};
    rabbitmq-server = pkg "rabbitmq-server" {};
    prometheus = pkg "prometheus" {};
    kubeconform = pkg "kubeconform" {};
    shellcheck = pkg "shellcheck" {};
    yamllint = pkg "yamllint" {};
    jq = pkg "jq" {};
    curl = pkg "curl" {};
    util-linux = pkg "util-linux" {};
    alejandra = pkg "alejandra" {};
    deadnix = pkg "deadnix" {};
    findutils = pkg "findutils" {};
    tini = pkg "tini" {};
    coreutils = pkg "coreutils" {};
    busybox = pkg "busybox" {};
    mongosh = pkg "mongosh" {};
    mongodb-ce = pkg "mongodb-ce" {};
  };
in
  lib.fix (lib.foldl' (lib.flip lib.extends) base overlays)
