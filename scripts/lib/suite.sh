# scripts/lib/suite.sh - the counts of a scripts/test-* suite, from pytest, bats and other suites, and its
# closing line "tests: N passed, N failed, N skipped", which scripts/test adds up. Needs common.sh.
# shellcheck shell=bash

SUITE_PASSED=0 SUITE_FAILED=0 SUITE_SKIPPED=0
SUITE_LINE='^tests: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'

# suite_count PASSED FAILED SKIPPED: adds to the suite's counts.
suite_count() {
	SUITE_PASSED=$((SUITE_PASSED + $1))
	SUITE_FAILED=$((SUITE_FAILED + $2))
	SUITE_SKIPPED=$((SUITE_SKIPPED + $3))
}

# suite_counts: the closing line.
suite_counts() {
	printf 'tests: %d passed, %d failed, %d skipped\n' "$SUITE_PASSED" "$SUITE_FAILED" "$SUITE_SKIPPED"
}

# suite_add_counts FILE: adds the counts of the last closing line in FILE
# (another suite's output); fails when it has none.
suite_add_counts() {
	local last
	last=$(grep -E "$SUITE_LINE" "$1" | tail -n 1) || true
	[[ $last =~ $SUITE_LINE ]] || return 1
	suite_count "${BASH_REMATCH[@]:1:3}"
}

# suite_run COMMAND...: runs another suite, its output shown, and adds the
# counts of its closing line; without one, that suite counts as one failure.
suite_run() {
	local out rc=0
	out=$(mktemp)
	"$@" 2>&1 | tee "$out" || rc=$?
	if ! suite_add_counts "$out"; then
		suite_count 0 1 0
		log "$1 printed no 'tests: N passed, N failed, N skipped' line"
		rc=1
	fi
	rm -f "$out"
	return "$rc"
}

# suite_pytest NAME ARGS...: pytest ARGS (files, options) from the repository
# with a JUnit report, whose counts it adds; prints skip reasons. Returns
# pytest's status; "no tests collected" (5) is a failure too.
suite_pytest() {
	local name=$1 xml rc=0 p f s
	shift
	xml=$(mktemp --suffix=.xml)
	(cd "$WEIR_REPO" && "$WEIR_PYTHON" -m pytest -q -rs -p no:cacheprovider \
		--junitxml="$xml" "$@") || rc=$?
	if [[ -s $xml ]]; then
		read -r p f s < <("$WEIR_PYTHON" "$WEIR_REPO/scripts/lib/junit_counts.py" "$xml")
		suite_count "$p" "$f" "$s"
		log "$name: $p passed, $f failed, $s skipped"
	else
		suite_count 0 1 0
		log "$name: pytest wrote no report (exit $rc)"
	fi
	rm -f "$xml"
	((rc != 5)) || log "$name: no tests collected"
	return "$rc"
}

# suite_bats FILE...: bats with TAP on stdout; adds its counts: "ok N ...
# # skip" is skipped, and a test of the plan that never reported (bats or
# a setup_file stopped) failed. Returns non-zero on any failure.
suite_bats() {
	local tap rc=0 plan ok skipped
	tap=$(mktemp)
	bats --tap "$@" | tee "$tap" || rc=$?
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
	ok=$(grep -c '^ok ' "$tap") || true
	skipped=$(grep -cE '^ok [0-9]+ .* # skip' "$tap") || true
	rm -f "$tap"
	suite_count $((ok - skipped)) $((${plan:-0} - ok)) "$skipped"
	((${plan:-0} == ok)) || rc=1
	if ((${plan:-0} == 0)); then
		log "bats ran no test"
		suite_count 0 1 0
		rc=1
	fi
	return "$rc"
}
