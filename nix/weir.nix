# nix/weir.nix - weir as a Kore single binary built by kodev; fully static under pkgsStatic (musl).
# The Check unit tests (tests/unit) run in checkPhase of the dynamic build.
{
  lib,
  stdenv,
  pkg-config,
  kore,
  rabbitmq-c,
  mongoc,
  jansson,
  openssl,
  check,
  fetchurl,
  python3,
  src,
  version,
  commit ? "unknown",
}: let
  static = stdenv.hostPlatform.isStatic;

  # Swagger UI for /docs: the tarball web/package-lock.json pins, with the
  # lock file's own sha512 (scripts/web-assets does the same with npm ci).
  swaggerUiDist = fetchurl {
    url = "https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-5.35.0.tgz";
    hash = "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==";
  };
  # openapi/weir.yaml becomes the /openapi.json asset, as in scripts/build.
  pythonWithYaml = python3.withPackages (ps: [ps.pyyaml]);

  # A slim client for the static build: no SASL (cyrus_sasl breaks under
  # pkgsStatic), no ICU (SASLprep only), no client-side encryption.
  mongocFor =
    if static
    then
      (mongoc.override {
        cyrus_sasl = null;
        icu = null;
      })
      .overrideAttrs (old: {
        cmakeFlags =
          old.cmakeFlags
          ++ [
            "-DENABLE_SASL=OFF"
            "-DENABLE_ICU=OFF"
            "-DENABLE_CLIENT_SIDE_ENCRYPTION=OFF"
            "-DENABLE_SNAPPY=OFF"
            "-DENABLE_SHARED=OFF"
            "-DENABLE_STATIC=ON"
            "-DENABLE_TESTS=OFF"
            "-DENABLE_EXAMPLES=OFF"
          ];
      })
    else mongoc;

  # mongoc 2.x renamed its pkg-config modules (libmongoc-1.0 -> mongoc2);
  # the C code builds against either (every call it makes exists in both).
  mongoc2 = lib.versionAtLeast mongoc.version "2";
  pcMongoc =
    if mongoc2
    then
      (
        if static
        then "mongoc2-static"
        else "mongoc2"
      )
    else
      (
        if static
        then "libmongoc-static-1.0"
        else "libmongoc-1.0"
      );
  pcModules = "${pcMongoc} librabbitmq jansson";
  pcStatic = lib.optionalString static "--static";
in
  stdenv.mkDerivation {
    pname =
      if static
      then "weir-static"
      else "weir";
    inherit version src;

    strictDeps = true;
    # kodev runs on the build machine; it compiles Kore's own sources
    # (share/kore) into the single binary with the host compiler.
    nativeBuildInputs = [
      pkg-config
      kore
      pythonWithYaml
    ];
    buildInputs = [
      rabbitmq-c
      mongocFor
      jansson
      openssl
    ];
    checkInputs = [check];

    env = {
      WEIR_COMMIT = commit;
      # Kore's -Werror meets a newer compiler and OpenSSL 3 (flags as in
      # nixpkgs' kore); -Wno-cpp: rabbitmq-c >= 0.12 marks <amqp.h>, which
      # Debian's 0.11 needs, deprecated with #warning.
      NIX_CFLAGS_COMPILE = toString (
        [
          "-Wno-error=deprecated-declarations"
          "-Wno-cpp"
        ]
        ++ lib.optionals stdenv.cc.isGNU [
          "-Wno-error=pointer-compare"
          "-Wno-error=discarded-qualifiers"
        ]
      );
    };

    # Kore 4.1 resolves handlers with dlsym(), which a static executable
    # cannot do; the in-tree patch gives native_getsym() a symbol table.
    koreStaticPatch = lib.optionalString static ./patches/kore-static-symbols.patch;

    configurePhase = ''
      runHook preConfigure
      # A writable copy of Kore's sources: kodev's `make objects` writes into
      # the tree, and the static build patches it.
      export KORE_SOURCE=$NIX_BUILD_TOP/kore-src
      cp -r "$(dirname "$(command -v kodev)")/../share/kore" "$KORE_SOURCE"
      chmod -R u+w "$KORE_SOURCE"
      if [ -n "$koreStaticPatch" ]; then
        patch -p1 -d "$KORE_SOURCE" < "$koreStaticPatch"
      fi
      # kodev names the binary after the directory it builds in.
      mkdir -p $NIX_BUILD_TOP/app/weir/assets
      cp -r src conf $NIX_BUILD_TOP/app/weir/
      # The embedded web files, staged as scripts/build and
      # scripts/web-assets stage them (kodev names assets by basename).
      pages=$NIX_BUILD_TOP/app/weir/assets/pages
      swagger=$NIX_BUILD_TOP/app/weir/assets/swagger-ui
      mkdir -p "$pages" "$swagger" $NIX_BUILD_TOP/swagger
      cp -r assets/. "$pages/"
      python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"), separators=(",", ":"))' \
        openapi/weir.yaml "$pages/openapi.json"
      tar -xzf ${swaggerUiDist} -C $NIX_BUILD_TOP/swagger
      dist=$NIX_BUILD_TOP/swagger/package
      cp "$dist/swagger-ui-bundle.js" "$dist/swagger-ui.css" "$dist/favicon-32x32.png" "$swagger/"
      cp "$dist/LICENSE" "$swagger/swagger-ui-LICENSE.txt"
      cp "$dist/NOTICE" "$swagger/swagger-ui-NOTICE.txt"
      cp "$dist/swagger-ui-bundle.js.LICENSE.txt" "$swagger/swagger-ui-bundle-licenses.txt"
      gzip -9 -n -k "$swagger/swagger-ui-bundle.js" "$swagger/swagger-ui.css"
      runHook postConfigure
    '';

    buildPhase = ''
      runHook preBuild
      # $PKG_CONFIG, $NM, $READELF: pkgsStatic is a cross build (musl), where
      # the tools carry the target's prefix.
      cflags="$($PKG_CONFIG ${pcStatic} --cflags-only-other ${pcModules})"
      cflags+=" $($PKG_CONFIG ${pcStatic} --cflags-only-I ${pcModules} | sed 's/-I/-isystem /g')"
      cflags+=" -DWEIR_VERSION=\"$version\" -DWEIR_COMMIT=\"$WEIR_COMMIT\""
      ldflags="$($PKG_CONFIG ${pcStatic} --libs ${pcModules}) -lssl -lcrypto -lpthread${lib.optionalString static " -static"}"
      kodevBuild() {
        (cd $NIX_BUILD_TOP/app/weir &&
          CFLAGS="$cflags" LDFLAGS="$ldflags" KORE_BUILD_FLAVOR=prod kodev build)
      }
      ${
        if static
        then ''
          # Two passes, as scripts/build-static: the first (empty table)
          # compiles every object, the second links the table of the
          # application's functions that the patched Kore resolves from.
          printf '%s\n' \
            'struct kore_static_symbol { const char *name; void *addr; };' \
            'extern const struct kore_static_symbol kore_static_symbols[];' \
            'const struct kore_static_symbol kore_static_symbols[] = { { 0, 0 } };' \
            > $NIX_BUILD_TOP/app/weir/src/static_symbols.c
          kodevBuild
          objs=$(find $NIX_BUILD_TOP/app/weir/.objs -maxdepth 1 -name '*.c.o' ! -name static_symbols.c.o | sort)
          bash scripts/gen-static-symbols $NIX_BUILD_TOP/app/weir/src/static_symbols.c $objs
          kodevBuild
        ''
        else ''
          kodevBuild
        ''
      }
      runHook postBuild
    '';

    doCheck = !static;
    checkPhase = ''
      runHook preCheck
      # tests/unit/Makefile names Debian's paths; this script passes
      # pkg-config's instead (scripts/test-nix runs it with Debian's).
      bash nix/unit-tests.sh ${pcModules}
      runHook postCheck
    '';

    installPhase = ''
      runHook preInstall
      install -Dm755 $NIX_BUILD_TOP/app/weir/weir $out/bin/weir
      runHook postInstall
    '';

    # A static binary must have no interpreter; a dynamic one must say --version.
    doInstallCheck = true;
    installCheckPhase = ''
      runHook preInstallCheck
      ${
        if static
        then ''
          if $READELF -l $out/bin/weir | grep -q INTERP; then
            echo "weir-static has a program interpreter: it is not static" >&2
            exit 1
          fi
        ''
        else ''
          $out/bin/weir --version | grep -F "$version"
        ''
      }
      runHook postInstallCheck
    '';

    passthru.mongoc = mongocFor;

    meta = {
      description = "Stream processor on Kore: RabbitMQ events validated, enriched and stored once in MongoDB";
      license = lib.licenses.isc;
      platforms = lib.platforms.linux;
      mainProgram = "weir";
    };
  }
