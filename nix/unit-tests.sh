#!/usr/bin/env bash
# nix/unit-tests.sh - runs the Check unit tests with headers and libraries found by pkg-config, not Debian's paths.
# weir's checkPhase (nix/weir.nix) runs it; scripts/test-nix runs it with Debian's libraries.
set -euo pipefail

case ${1:-} in
-h | --help | "")
	cat <<'USAGE'
usage: nix/unit-tests.sh PKG_CONFIG_MODULE...

Runs `make -C tests/unit check` with CFLAGS and LDLIBS from pkg-config for
the given modules plus check (tests/unit/Makefile names Debian's include
directories and library names; command-line variables override them).
E.g. nix/unit-tests.sh libmongoc-1.0 librabbitmq jansson, or mongoc2 ... for
mongoc 2.x. UNIT_BUILD sets the build directory (default: tests/unit/build).
USAGE
	[[ -n ${1:-} ]] && exit 0
	exit 2
	;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modules=("$@" check)
pkg_config=${PKG_CONFIG:-pkg-config}
make -C "$root/tests/unit" check \
	BUILD="${UNIT_BUILD:-build}" \
	CC="${CC:-cc}" \
	CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -I../../src $("$pkg_config" --cflags "${modules[@]}")" \
	LDLIBS="$("$pkg_config" --libs "${modules[@]}") -lm -lpthread -lssl -lcrypto"
