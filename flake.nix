# flake.nix - weir as a Nix flake: packages, dev shell, NixOS module, checks and apps for two Linux systems.
# The attribute tree and how every pinned hash was computed are in docs/nix.md.
{
  description = "weir: a Kore (C) stream processor from RabbitMQ to MongoDB, with a static build, an OCI image, a NixOS module and NixOS VM tests";

  # Must match flake.lock's "original" node, or Nix wants to re-lock.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs = {
    self,
    nixpkgs,
  }: let
    inherit (nixpkgs) lib;
    systems = ["x86_64-linux" "aarch64-linux"];

    # mongodb-ce (SSPL) is the one unfree package; only the pipeline VM
    # test's three-node replica set uses it.
    pkgsFor = system:
      import nixpkgs {
        inherit system;
        overlays = [self.overlays.default];
        config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) ["mongodb-ce"];
      };
    forAllSystems = f: lib.genAttrs systems (system: f (pkgsFor system));

    version = lib.fileContents ./VERSION;
    commit = self.shortRev or self.dirtyShortRev or "unknown";

    # Only what the C build and its unit tests read, so editing docs or
    # scripts does not rebuild weir.
    weirSrc = lib.fileset.toSource {
      root = ./.;
      fileset = lib.fileset.unions [
        ./src
        ./conf
        ./assets
        ./openapi
        ./tests/unit
        ./VERSION
        ./nix/unit-tests.sh
        # The static build's symbol table generator (scripts/build-static uses it too).
        (lib.fileset.maybeMissing ./scripts/gen-static-symbols)
      ];
    };
    # The kustomize tree and the scripts that render it without Secrets
    # (from the k8s branch; render-manifests sources lib/k8s.sh).
    k8sSrc = lib.fileset.toSource {
      root = ./.;
      fileset = lib.fileset.unions [
        (lib.fileset.maybeMissing ./k8s)
        (lib.fileset.maybeMissing ./scripts/gen-secrets)
        (lib.fileset.maybeMissing ./scripts/render-manifests)
        (lib.fileset.maybeMissing ./scripts/lib/k8s.sh)
        (lib.fileset.maybeMissing ./scripts/lib/rabbitmq.sh)
        ./nix/render-manifests.sh
      ];
    };
  in {
    overlays.default = final: prev: {
      kore_4_1 = final.callPackage ./nix/kore.nix {};
      # The dev stack needs FerretDB 1.x (SQLite backend); 2.x needs
      # PostgreSQL with DocumentDB.
      ferretdb_1 =
        if lib.versionOlder prev.ferretdb.version "2"
        then prev.ferretdb
        else final.callPackage ./nix/ferretdb.nix {};
      weir = final.callPackage ./nix/weir.nix {
        kore = final.kore_4_1;
        src = weirSrc;
        inherit version commit;
      };
    };

    packages = forAllSystems (pkgs: let
      weir-static = pkgs.pkgsStatic.weir;
      weir-image = pkgs.callPackage ./nix/image.nix {
        weir = weir-static;
        tag = "${version}-${commit}";
        revision = commit;
      };
    in {
      default = pkgs.weir;
      inherit (pkgs) weir;
      kore = pkgs.kore_4_1;
      inherit weir-static weir-image;
      weir-image-oci = pkgs.callPackage ./nix/oci-archive.nix {image = weir-image;};
      manifests = pkgs.callPackage ./nix/manifests.nix {
        src = k8sSrc;
        image = weir-image;
      };
      keda = pkgs.callPackage ./nix/keda.nix {};
      ferretdb = pkgs.ferretdb_1;
    });

    devShells = forAllSystems (pkgs: {
      default = pkgs.callPackage ./nix/shell.nix {
        kore = pkgs.kore_4_1;
        ferretdb = pkgs.ferretdb_1;
      };
    });

    nixosModules = {
      weir = {pkgs, ...}: {
        imports = [./nix/module.nix];
        services.weir.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.weir;
      };
      default = self.nixosModules.weir;
    };

    checks = forAllSystems (pkgs: let
      pkgsSelf = self.packages.${pkgs.stdenv.hostPlatform.system};
    in {
      # doCheck: the Check unit tests run in weir's checkPhase.
      inherit (pkgsSelf) weir weir-static weir-image manifests;
      nix-lint = pkgs.callPackage ./nix/lint.nix {src = ./.;};
      pipeline = pkgs.testers.runNixOSTest (import ./nixos-tests/pipeline.nix {inherit self;});
      k3s-scaling = pkgs.testers.runNixOSTest (import ./nixos-tests/k3s-scaling.nix {inherit self;});
    });

    apps = forAllSystems (pkgs: let
      pkgsSelf = self.packages.${pkgs.stdenv.hostPlatform.system};
      app = drv: description: {
        type = "app";
        program = lib.getExe drv;
        meta.description = description;
      };
    in {
      default = self.apps.${pkgs.stdenv.hostPlatform.system}.weir;
      weir = app pkgsSelf.weir "run weir (settings from the environment; see weir --help)";
      push-image = app (pkgs.callPackage ./nix/push-image.nix {image = pkgsSelf.weir-image;}) "copy the weir image to a registry or a container store with skopeo";
    });

    formatter = forAllSystems (pkgs: pkgs.alejandra);
  };
}
