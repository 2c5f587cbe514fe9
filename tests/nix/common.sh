# tests/nix/common.sh - what the tests/nix/*.bats files share: the repository as working directory,
# its Nix files, the tools scripts/test-nix installed, nixpkgs' lib/.
# shellcheck shell=bash

WEIR_LOG_PREFIX=test-nix
# shellcheck source=scripts/lib/common.sh
. "$BATS_TEST_DIRNAME/../../scripts/lib/common.sh"
cd "$WEIR_REPO" || exit 1
# shellcheck disable=SC2034 # used by the .bats files
mapfile -t NIX_FILES < <(git ls-files --cached --others --exclude-standard -- '*.nix' | sort)
# nixpkgs' lib/ as scripts/test-nix found it (WEIR_NIXPKGS_LIB or <nixpkgs>).
NIXPKGS_LIB=${WEIR_NIXPKGS_LIB:-}

# need_lib: skips the test when there is no nixpkgs lib/, saying where it
# was looked for.
need_lib() {
	[[ -n $NIXPKGS_LIB ]] || skip "no nixpkgs lib/: WEIR_NIXPKGS_LIB unset, no <nixpkgs> on NIX_PATH"
}

# eval_json FILE [ATTR]: nix/tests/FILE (or its ATTR) evaluated with nixpkgs'
# lib, as JSON; `--readonly-mode` computes store paths without copying.
eval_json() {
	nix-instantiate --readonly-mode --eval --strict --json \
		-E "(import ./nix/tests/$1 { lib = import $NIXPKGS_LIB; })${2:+.$2}"
}
