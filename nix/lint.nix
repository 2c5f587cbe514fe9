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
  files=$(find . -name '*.nix' -not -path './.weir/*' -not -path './build/*' | sort)
  echo "$files"
  alejandra --check $files
  deadnix --fail $files
  touch $out
''
