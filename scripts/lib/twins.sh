# scripts/lib/twins.sh - servers and pytest counting shared by scripts/test-twins and scripts/vm-test-twin.
# Needs scripts/lib/common.sh, rabbitmq.sh and ferretdb.sh sourced first.
# shellcheck shell=bash

TWINS_STATE=""          # set when this script started the servers itself
TWINS_PASSED=0 TWINS_FAILED=0 TWINS_SKIPPED=0

# twins_servers_up: uses the servers scripts/test exported (WEIR_TEST_*),
# or starts a private RabbitMQ and FerretDB on free ports under /tmp and
# exports the same variables. twins_servers_down stops only those.
twins_servers_up() {
	local -a ports
	if [[ -n ${WEIR_TEST_AMQP_PORT:-} && -n ${WEIR_TEST_MONGO_PORT:-} ]]; then
		log "servers: amqp 127.0.0.1:$WEIR_TEST_AMQP_PORT, mongodb 127.0.0.1:$WEIR_TEST_MONGO_PORT"
		return 0
	fi
	mapfile -t ports < <(distinct_ports 5)
	# /tmp, not the repository: the rabbitmq user must reach the directory.
	TWINS_STATE=$(mktemp -d /tmp/weir-twins-XXXXXX)
	chmod 0755 "$TWINS_STATE"
	export WEIR_STACK=$WEIR_REPO/scripts/stack
	export WEIR_TEST_STATE_DIR=$TWINS_STATE
	export WEIR_TEST_RABBITMQ_DIR=$TWINS_STATE/rabbitmq
	export WEIR_TEST_AMQP_PORT=${ports[0]} WEIR_TEST_MGMT_PORT=${ports[1]}
	export WEIR_TEST_PROM_PORT=${ports[2]} WEIR_TEST_DIST_PORT=${ports[3]}
	export WEIR_TEST_FERRET_DIR=$TWINS_STATE/ferretdb
	export WEIR_TEST_MONGO_PORT=${ports[4]}
	rabbitmq_start "$WEIR_TEST_RABBITMQ_DIR" "$WEIR_TEST_AMQP_PORT" \
		"$WEIR_TEST_MGMT_PORT" "$WEIR_TEST_PROM_PORT" "$WEIR_TEST_DIST_PORT"
	ferretdb_start "$WEIR_TEST_FERRET_DIR" "$WEIR_TEST_MONGO_PORT"
}

# twins_servers_down [KEEP]: stops what twins_servers_up started; removes
# its state unless KEEP is non-empty.
twins_servers_down() {
	[[ -n $TWINS_STATE && -d $TWINS_STATE ]] || return 0
	rabbitmq_stop "$WEIR_TEST_RABBITMQ_DIR" || warn "could not stop RabbitMQ in $WEIR_TEST_RABBITMQ_DIR"
	ferretdb_stop "$WEIR_TEST_FERRET_DIR" || warn "could not stop FerretDB in $WEIR_TEST_FERRET_DIR"
	if [[ -n ${1:-} ]]; then
		log "logs and data kept in $TWINS_STATE"
	else
		rm -rf "$TWINS_STATE"
	fi
	TWINS_STATE=""
}

# twins_count PASSED FAILED SKIPPED: adds to the suite's counts.
twins_count() {
	TWINS_PASSED=$((TWINS_PASSED + $1))
	TWINS_FAILED=$((TWINS_FAILED + $2))
	TWINS_SKIPPED=$((TWINS_SKIPPED + $3))
}

# twins_pytest NAME ARGS...: runs pytest (ARGS: files and options) from the
# repository with a JUnit report, adds its counts, prints skip reasons.
# Returns pytest's status; "no tests collected" counts as a failure.
twins_pytest() {
	local name=$1 xml rc=0 p f s
	shift
	xml=$(mktemp --suffix=.xml)
	(cd "$WEIR_REPO" && "$WEIR_PYTHON" -m pytest -q -rs -p no:cacheprovider \
		--junitxml="$xml" "$@") || rc=$?
	if [[ -s $xml ]]; then
		read -r p f s < <("$WEIR_PYTHON" "$WEIR_REPO/tests/twins/junit_counts.py" "$xml")
		twins_count "$p" "$f" "$s"
		log "$name: $p passed, $f failed, $s skipped"
	else
		twins_count 0 1 0
		log "$name: pytest wrote no report (exit $rc)"
	fi
	rm -f "$xml"
	((rc != 5)) || log "$name: no tests collected"
	return "$rc"
}

twins_print_counts() {
	printf 'tests: %d passed, %d failed, %d skipped\n' \
		"$TWINS_PASSED" "$TWINS_FAILED" "$TWINS_SKIPPED"
}
