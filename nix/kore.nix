# nix/kore.nix - Kore 4.1.0 (Debian 12's version, the one CI builds and tests), slim: tasks only, OpenSSL TLS.
# nixpkgs ships 4.2.x, whose route syntax differs; kodev and share/kore (the sources weir's single binary compiles) come from here.
{
  lib,
  stdenv,
  fetchFromGitHub,
  openssl,
}:
stdenv.mkDerivation (finalAttrs: {
  pname = "kore";
  version = "4.1.0";

  # Hash: `git archive 4.1.0` of jorisvink/kore, unpacked, `nix-hash --type sha256`
  # (the same method reproduces nixpkgs' hash of 4.2.3); see docs/nix.md.
  src = fetchFromGitHub {
    owner = "jorisvink";
    repo = "kore";
    tag = finalAttrs.version;
    hash = "sha256-w5H1USQ2aladwSFdfYsX925pjCt3QWoXK4HqyEL7rH0=";
  };

  buildInputs = [openssl];

  # Slim flavour: TASKS only (no PGSQL, CURL/ACME, JSONRPC, PYTHON), as
  # conf/build.conf's kore_flavor; Debian's build adds PGSQL, weir needs none.
  makeFlags = [
    "PREFIX=${placeholder "out"}"
    "TASKS=1"
  ];

  # Kore builds with -Werror; newer compilers and OpenSSL 3 warn where 4.1
  # did not. Same flags as nixpkgs' kore package.
  env.NIX_CFLAGS_COMPILE = toString (
    ["-Wno-error=deprecated-declarations"]
    ++ lib.optionals stdenv.cc.isGNU [
      "-Wno-error=pointer-compare"
      "-Wno-error=discarded-qualifiers"
    ]
    ++ lib.optionals stdenv.cc.isClang [
      "-Wno-error=incompatible-pointer-types-discards-qualifiers"
    ]
  );

  enableParallelBuilding = true;

  # `make install` also runs install-sources: share/kore gets Makefile, src/,
  # include/, misc/ and RELEASE, which kodev's single-binary builds compile.
  postInstall = ''
    test -f $out/share/kore/Makefile
    test -x $out/bin/kodev
  '';

  meta = {
    description = "Web application framework for C (4.1 series, slim build)";
    homepage = "https://kore.io";
    license = lib.licenses.isc;
    platforms = lib.platforms.linux;
    mainProgram = "kodev";
  };
})
