#!/usr/bin/env bats
# tests/nix/lint.bats - the Nix files parse, are formatted and deadnix-clean; the lock, the pinned hashes
# (FerretDB's vendorHash recomputed), the files the flake names, the Kore patch, the shell scripts.

# shellcheck source=tests/nix/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

@test "every .nix file parses (nix-instantiate --parse)" {
	local f rc=0
	for f in "${NIX_FILES[@]}"; do
		nix-instantiate --parse "$f" >/dev/null || {
			echo "$f does not parse"
			rc=1
		}
	done
	((rc == 0))
}

@test "alejandra 3.1.0: every .nix file is formatted" { "${ALEJANDRA:?}" --check "${NIX_FILES[@]}"; }
@test "deadnix 1.3.1: no unused bindings" { "${DEADNIX:?}" --fail "${NIX_FILES[@]}"; }

# The nixpkgs node of flake.lock against inputs.nixpkgs.url, read by Nix itself.
@test "flake.lock is valid and its nixpkgs node matches the input" {
	local url
	url=$(nix-instantiate --eval --strict -E '(import ./flake.nix).inputs.nixpkgs.url' | tr -d '"')
	"$WEIR_PYTHON" "$BATS_TEST_DIRNAME/lock_check.py" "$url"
}

@test "no placeholder hashes" {
	if grep -n -E 'fakeHash|fakeSha256|lib\.fake|sha256-A{20,}|0{52}' "${NIX_FILES[@]}"; then return 1; fi
}

# Every hash written in a .nix file (and flake.lock's narHash) appears in
# docs/nix.md, where the way it was obtained is recorded.
@test "every pinned hash is recorded in docs/nix.md" {
	local h rc=0
	while IFS= read -r h; do
		grep -qF -- "$h" docs/nix.md || {
			echo "$h is not recorded in docs/nix.md"
			rc=1
		}
	done < <(grep -ohE 'sha256-[A-Za-z0-9+/]{43}=' "${NIX_FILES[@]}" flake.lock | sort -u)
	((rc == 0))
}

# nix/ferretdb.nix's vendorHash, recomputed the way buildGoModule does it:
# `go mod vendor` of the module's go.mod/go.sum, nix-hash of vendor/.
@test "FerretDB vendorHash recomputed from the Go module proxy" {
	local go want version dir got
	go=$(find_go) && command -v jq >/dev/null || skip "no Go or jq on this machine"
	want=$(sed -n 's/^ *vendorHash = "\(sha256-[^"]*\)";/\1/p' nix/ferretdb.nix)
	version=$(sed -n 's/^ *version = "\([^"]*\)";/\1/p' nix/ferretdb.nix)
	[[ -n $want && -n $version ]]
	dir=$(cd "$BATS_TEST_TMPDIR" && GOFLAGS=-mod=mod "$go" mod download -json "github.com/FerretDB/FerretDB@v$version" | jq -r .Dir)
	cp -r "$dir" "$BATS_TEST_TMPDIR/src"
	chmod -R u+w "$BATS_TEST_TMPDIR/src"
	(cd "$BATS_TEST_TMPDIR/src" && GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go" mod vendor)
	got="sha256-$(nix-hash --type sha256 "$BATS_TEST_TMPDIR/src/vendor" | xxd -r -p | base64)"
	echo "vendorHash in nix/ferretdb.nix: $want; recomputed: $got"
	[[ $got == "$want" ]]
}

@test "files the flake names exist" {
	local f rc=0
	for f in nix/render-manifests.sh nix/unit-tests.sh nixos-tests/events.py VERSION conf/build.conf \
		tests/unit/Makefile nix/tools/alejandra-check/Cargo.lock; do
		[[ -e $f ]] || {
			echo "$f is missing"
			rc=1
		}
	done
	((rc == 0))
}

@test "the Kore static-symbols patch applies to Kore 4.1 sources" {
	[[ -d /usr/share/kore/src ]] || skip "no Kore 4.1 sources in /usr/share/kore (Debian kore)"
	patch --dry-run -p1 -d /usr/share/kore -i "$WEIR_REPO/nix/patches/kore-static-symbols.patch"
}

@test "shellcheck nix/*.sh scripts/test-nix tests/nix" {
	shellcheck -x nix/render-manifests.sh nix/unit-tests.sh scripts/test-nix tests/nix/*.bats tests/nix/common.sh
}
