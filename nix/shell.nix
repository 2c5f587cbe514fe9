# nix/shell.nix - `nix develop`: the compiler, kodev, the C libraries, Check, the servers and the k8s/Nix tools.
# `scripts/dev up` works inside it: it finds RabbitMQ, FerretDB and Kore here instead of Debian's paths.
{
  mkShell,
  lib,
  stdenv,
  pkg-config,
  gnumake,
  kore,
  rabbitmq-c,
  mongoc,
  jansson,
  openssl,
  check,
  rabbitmq-server,
  ferretdb,
  prometheus,
  kustomize,
  kubeconform,
  shellcheck,
  yamllint,
  jq,
  curl,
  util-linux,
  python3,
  alejandra,
  deadnix,
}:
mkShell {
  packages = [
    pkg-config
    gnumake
    kore
    rabbitmq-c
    mongoc
    jansson
    openssl
    check
    rabbitmq-server
    ferretdb
    prometheus
    kustomize
    kubeconform
    shellcheck
    yamllint
    jq
    curl
    # flock, setsid, setpriv: scripts/install-deps and scripts/lib use them.
    util-linux
    (python3.withPackages (ps: [
      ps.pika
      ps.pymongo
      ps.pytest
      ps.requests
    ]))
    alejandra
    deadnix
  ];

  # See nix/weir.nix. Off, not just non-fatal: scripts/build fails on any
  # warning it sees, and Kore 4.1 meets a newer compiler and OpenSSL here.
  env.NIX_CFLAGS_COMPILE = toString (
    ["-Wno-deprecated-declarations" "-Wno-cpp"]
    ++ lib.optionals stdenv.cc.isGNU ["-Wno-pointer-compare" "-Wno-discarded-qualifiers"]
  );

  # What scripts/ would otherwise take from Debian (see docs/nix.md):
  #   KORE_SOURCE          Kore's sources for kodev's single-binary build
  #   WEIR_RABBITMQ_SBIN   rabbitmq-server and rabbitmqctl
  #   WEIR_FERRETDB        the FerretDB binary
  #   WEIR_PYTHON          an interpreter with pika and pymongo
  #   WEIR_MONGOC_PC       mongoc's pkg-config module (renamed in 2.x)
  #   WEIR_SKIP_APT        scripts/install-deps installs nothing with apt
  shellHook = ''
    export KORE_SOURCE=${kore}/share/kore
    export WEIR_RABBITMQ_SBIN=${rabbitmq-server}/sbin
    export WEIR_RABBITMQ_PATH=${lib.makeBinPath [util-linux]}
    export WEIR_FERRETDB=${lib.getExe ferretdb}
    export WEIR_PYTHON=$(command -v python3)
    export WEIR_MONGOC_PC=${
      if lib.versionAtLeast mongoc.version "2"
      then "mongoc2"
      else "libmongoc-1.0"
    }
    export WEIR_SKIP_APT=1
  '';
}
