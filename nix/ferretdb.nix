# nix/ferretdb.nix - FerretDB 1.24.2 (SQLite backend), the MongoDB-wire server the dev stack and CI use.
# Only used when the pinned nixpkgs' ferretdb is 2.x, which needs PostgreSQL with DocumentDB instead.
{
  lib,
  buildGoModule,
  fetchgit,
}:
buildGoModule (finalAttrs: {
  pname = "ferretdb";
  version = "1.24.2";

  # fetchgit, not fetchFromGitHub: GitHub's tarballs of FerretDB carry its
  # Git LFS images, so their hash cannot be computed from the repository.
  # Hash: `git archive v1.24.2` unpacked, `nix-hash --type sha256` (no
  # submodules, no export attributes; LFS files stay pointers both ways).
  src = fetchgit {
    url = "https://github.com/FerretDB/FerretDB.git";
    rev = "refs/tags/v${finalAttrs.version}";
    hash = "sha256-r1scQPKMI2YU+g5V/SgLWn2xTFaPTlsGE1xpdYRaZpA=";
    fetchSubmodules = false;
  };

  # Hash: `go mod vendor` of this source's go.mod/go.sum, `nix-hash --type
  # sha256` of vendor/. The same steps give nixpkgs' vendorHash of 2.4.0.
  vendorHash = "sha256-DNqQXvVFbvOf15V+a+1Y2flvEXbr7vb/35v4yirrT8U=";

  # The binary panics at start unless version.txt holds v<semver>.
  postPatch = ''
    echo v${finalAttrs.version} > build/version/version.txt
    echo weir > build/version/package.txt
  '';

  env.CGO_ENABLED = 0;
  subPackages = ["cmd/ferretdb"];
  doCheck = false;

  meta = {
    description = "MongoDB-compatible server on SQLite or PostgreSQL (1.x series)";
    homepage = "https://www.ferretdb.com/";
    license = lib.licenses.asl20;
    mainProgram = "ferretdb";
  };
})
