# nix/lint.nix - the Nix lints as a flake check: alejandra --check (formatting) and deadnix --fail (unused code).
# scripts/test-nix runs the same two tools (plus nix-instantiate --parse) outside Nix.
{
  runCommand,
  alejandra,
  deadnix,
  findutils,
  src,
}:
runCommand "weir-nix-lint" {
  nativeBuildInputs = [
    alejandra
    deadnix
    findutils
  ];
} ''
  cd ${src}
  # nix/tests/nixpkgs-lib is nixpkgs' lib, vendored unchanged.
  files=$(find . -name '*.nix' -not -path './.weir/*' -not -path './build/*' \
    -not -path './nix/tests/nixpkgs-lib/*' | sort)
  echo "$files"
  alejandra --check $files
  deadnix --fail $files
  touch $out
''
