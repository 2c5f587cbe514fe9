#!/usr/bin/env bats
# tests/nix/eval.bats - services.weir against src/base/config.c and nixpkgs' module system, flake.nix's
# outputs against stub nixpkgs, the VM tests' testScripts; and that each check fails on a planted mistake.

# shellcheck source=tests/nix/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

module_eval() {
	local out
	out=$(eval_json module-eval.nix) || return 1
	"$WEIR_PYTHON" "$WEIR_REPO/tests/nix/module_eval.py" "$out"
}

flake_eval() {
	local out
	out=$(eval_json flake-eval.nix) || return 1
	"$WEIR_PYTHON" "$WEIR_REPO/tests/nix/flake_eval.py" "$out" "$(cat VERSION)"
}

# test_scripts: the VM tests' testScripts, extracted from the flake, checked
# by nix/tests/test-scripts.py (py_compile, pyflakes, mypy against the
# driver's API).
test_scripts() {
	local out dir rc=0
	out=$(eval_json flake-eval.nix testScripts) || return 1
	dir=$(mktemp -d)
	"$WEIR_PYTHON" nix/tests/test-scripts.py nix/tests/nixos_test_driver.pyi "$dir" <<<"$out" || rc=$?
	rm -rf "$dir"
	return "$rc"
}

# must_fail FILE SED PATTERN COMMAND...: COMMAND, run in a copy of the Nix
# tree with FILE edited by SED, fails with output matching PATTERN, so the
# check it stands for can fail.
must_fail() {
	local file=$1 edit=$2 want=$3 tmp=$BATS_TEST_TMPDIR/tree out rc=0
	shift 3
	need_lib
	mkdir -p "$tmp"
	cp -r flake.nix VERSION nix nixos-tests "$tmp/"
	sed -i "$edit" "$tmp/$file"
	if cmp -s "$file" "$tmp/$file"; then
		echo "'$edit' changes nothing in $file"
		return 1
	fi
	out=$(cd "$tmp" && "$@" 2>&1) || rc=$?
	grep -E -- "error:|$want" <<<"$out" | head -n 2
	((rc != 0)) && grep -qE -- "$want" <<<"$out"
}

# Every variable the module sets is one weir reads, and every one weir reads
# has an option (secrets as *File).
@test "services.weir maps every setting src/base/config.c reads" {
	local module config missing extra
	module=$(grep -oE '"(WEIR|RABBITMQ|MONGODB)_[A-Z0-9_]+"' nix/module.nix | tr -d '"' | sort -u)
	config=$(grep -oE '\{ "(WEIR|RABBITMQ|MONGODB)_[A-Z0-9_]+"' src/base/config.c | tr -d '{" ' | sort -u)
	# The role is its own option (services.weir.role); the tokens file is a
	# secret, passed as <VAR>_FILE like the passwords, and so are the TLS keys.
	module=$(printf '%s\nWEIR_ROLE\n' "$module" | sed -E 's/^(WEIR_API_TOKENS|RABBITMQ_KEY|MONGODB_KEY)$/\1_FILE/' | sort -u)
	missing=$(comm -13 <(printf '%s\n' "$module") <(printf '%s\n' "$config"))
	extra=$(comm -23 <(printf '%s\n' "$module") <(printf '%s\n' "$config"))
	[[ -z $missing ]] || echo "weir reads, the module cannot set: $missing"
	[[ -z $extra ]] || echo "the module sets, weir does not read: $extra"
	[[ -z $missing && -z $extra ]]
	echo "$(wc -l <<<"$config") settings mapped"
}

@test "services.weir evaluates with nixpkgs' module system (stub NixOS)" { need_lib; module_eval; }
@test "flake.nix's outputs evaluate against stub nixpkgs (both systems)" { need_lib; flake_eval; }

@test "a misspelt unit option in nix/module.nix fails the module evaluation" {
	must_fail nix/module.nix 's/wantedBy = \["multi-user.target"\]/wantedby = ["multi-user.target"]/' \
		"option .systemd\.services\.weir\.wantedby' does not exist" module_eval
}

@test "a misspelt services.weir setting in a VM test node fails the flake evaluation" {
	must_fail nixos-tests/pipeline.nix 's/batchTimeoutMs = 20/batchTimeoutMS = 20/' \
		"option .services\.weir\.settings\.batchTimeoutMS' does not exist" flake_eval
}

@test "a wrong callPackage argument name in nix/weir.nix fails the flake evaluation" {
	must_fail nix/weir.nix 's/^  jansson,$/  janson,/; s/^      jansson$/      janson/' \
		"callPackage .*weir\.nix: no value for janson" flake_eval
}

@test "the VM tests' testScripts compile, and pyflakes and mypy find no error against the driver's API" {
	need_lib
	test_scripts
}

@test "a misspelt node name in a testScript fails the testScript check" {
	must_fail nixos-tests/pipeline.nix 's/mongosh(mongo1\(, f.rs\.initiate\)/mongosh(mongo4\1/' \
		"undefined name 'mongo4'" test_scripts
}

@test "a misspelt Machine method in a testScript fails the testScript check" {
	must_fail nixos-tests/k3s-scaling.nix 's/machine.wait_for_unit("k3s")/machine.wait_for_units("k3s")/' \
		'has no attribute "wait_for_units"' test_scripts
}
