# scripts/lib/stack.sh - stack_up / stack_down: a private RabbitMQ and MongoDB-wire server under one state dir.
# Needs scripts/lib/common.sh. Used by scripts/test, test-*, dev, stack and the benches.
# shellcheck shell=bash

# shellcheck source=scripts/lib/rabbitmq.sh
. "$WEIR_REPO/scripts/lib/rabbitmq.sh"
# shellcheck source=scripts/lib/ferretdb.sh
. "$WEIR_REPO/scripts/lib/ferretdb.sh"
# shellcheck source=scripts/lib/mongod.sh
. "$WEIR_REPO/scripts/lib/mongod.sh"

STACK_OWN="" # the state dir whose servers this process started (stack_down's default)

# stack_up [DIR [AMQP MGMT PROM DIST MONGO MONGO2 MONGO3]]: starts, side by
# side, RabbitMQ in DIR/rabbitmq and the MongoDB-wire server: with
# STACK_MONGOD=1 and `mongod` on PATH three mongod as rs0 in DIR/mongod-rs
# (MONGO, MONGO2, MONGO3), else FerretDB in DIR/ferretdb (MONGO). Without
# ports, free ones; without DIR, a new /tmp/weir-<script>.XXXXXX (the
# rabbitmq user must reach it: a clone under a 0700 home cannot be used).
# Starting what already runs from DIR is a no-op. Exports the addresses as
# WEIR_TEST_* (tests/integration/README.md) and WEIR_TEST_MONGO_URI.
stack_up() {
	local dir=${1:-} rmq
	local -a p=("${@:2}")
	((${#p[@]})) || mapfile -t p < <(distinct_ports 7)
	[[ -n $dir ]] || dir=$(mktemp -d "/tmp/weir-${WEIR_LOG_PREFIX##*/}.XXXXXX")
	dir=$(abs_dir "$dir")
	chmod 0755 "$dir"
	rabbitmq_dir_reachable "$dir" ||
		die "user $RABBITMQ_USER cannot reach $dir; use a world-searchable dir (e.g. under /tmp)"
	STACK_OWN=$dir
	export WEIR_STACK=$WEIR_REPO/scripts/stack WEIR_TEST_STATE_DIR=$dir
	export WEIR_TEST_RABBITMQ_DIR=$dir/rabbitmq WEIR_TEST_FERRET_DIR=$dir/ferretdb
	export WEIR_TEST_AMQP_PORT=${p[0]} WEIR_TEST_MGMT_PORT=${p[1]} WEIR_TEST_PROM_PORT=${p[2]}
	export WEIR_TEST_DIST_PORT=${p[3]} WEIR_TEST_MONGO_PORT=${p[4]}
	rabbitmq_start "$dir/rabbitmq" "${p[@]:0:4}" &
	rmq=$!
	# Both die on failure; the broker's subshell only exits, so wait on it.
	if [[ ${STACK_MONGOD:-} == 1 ]] && command -v mongod >/dev/null; then
		mongod_rs_start "$dir/mongod-rs" "${p[@]:4:3}"
	else
		ferretdb_start "$dir/ferretdb" "${p[4]}"
	fi
	wait "$rmq" || die "RabbitMQ did not start"
	WEIR_TEST_MONGO_URI=$(stack_mongo_uri "$dir")
	export WEIR_TEST_MONGO_URI
}

# stack_ensure: the servers the caller exported (scripts/test's), else
# stack_up's own with the test users.
stack_ensure() {
	if [[ -n ${WEIR_TEST_AMQP_PORT:-} && -n ${WEIR_TEST_MONGO_PORT:-} && -n ${WEIR_TEST_STATE_DIR:-} ]]; then
		: "${WEIR_TEST_MONGO_URI:=mongodb://127.0.0.1:$WEIR_TEST_MONGO_PORT/}"
		export WEIR_TEST_MONGO_URI
		log "servers: amqp 127.0.0.1:$WEIR_TEST_AMQP_PORT, $WEIR_TEST_MONGO_URI"
	else
		stack_up ""
		stack_test_users
	fi
}

# stack_test_users: weir runs as a user limited to the tests' exchanges and
# queues (t<8 hex>.events...); tests/integration/conftest.py reads the
# passwords from WEIR_TEST_RABBITMQ_SECRETS.
stack_test_users() {
	export WEIR_TEST_RABBITMQ_SECRETS=$WEIR_TEST_STATE_DIR/secrets
	rabbitmq_app_users "$WEIR_TEST_RABBITMQ_DIR" "$WEIR_TEST_RABBITMQ_SECRETS" \
		"^(t[0-9a-f]{8}\\.)?${RABBITMQ_WEIR_NAMES_RE#^}"
}

# stack_down [KEEP]: stops the servers of $STACK_OWN (none when it is
# empty) and removes it, unless KEEP is non-empty. Idempotent.
stack_down() {
	local dir=$STACK_OWN
	[[ -n $dir && -d $dir ]] || return 0
	rabbitmq_stop "$dir/rabbitmq" || warn "could not stop RabbitMQ in $dir/rabbitmq"
	ferretdb_stop "$dir/ferretdb" || warn "could not stop FerretDB in $dir/ferretdb"
	[[ ! -d $dir/mongod-rs ]] || mongod_rs_stop "$dir/mongod-rs"
	if [[ -n ${1:-} ]]; then
		log "logs and data kept in $dir"
	else
		rm -rf "$dir"
		STACK_OWN=""
	fi
}

# stack_mongo_uri DIR: the URI of the MongoDB-wire server started in DIR.
stack_mongo_uri() {
	local -a ports
	if [[ -r $1/mongod-rs/mongod-rs.ports ]]; then
		read -r -a ports <"$1/mongod-rs/mongod-rs.ports"
		mongod_rs_uri "${ports[@]}"
	elif [[ -r $1/ferretdb/ferretdb.port ]]; then
		printf 'mongodb://127.0.0.1:%s/\n' "$(<"$1/ferretdb/ferretdb.port")"
	else
		return 1
	fi
}

# stack_weir_env DATABASE [PREFIX]: the environment (NAME=VALUE a line) of a
# weir on the stack as guest (loopback only), in DATABASE, and with PREFIX
# its own exchange PREFIX and queues PREFIX.process, PREFIX.dlx, PREFIX.dead.
stack_weir_env() {
	printf '%s\n' RABBITMQ_HOST=127.0.0.1 "RABBITMQ_PORT=$WEIR_TEST_AMQP_PORT" RABBITMQ_USERNAME=guest \
		RABBITMQ_PASSWORD=guest "MONGODB_URI=$WEIR_TEST_MONGO_URI" "WEIR_MONGODB_DATABASE=$1"
	[[ -z ${2:-} ]] || printf '%s\n' "WEIR_AMQP_EXCHANGE=$2" "WEIR_AMQP_QUEUE=$2.process" \
		"WEIR_AMQP_DLX=$2.dlx" "WEIR_AMQP_DEAD_QUEUE=$2.dead"
}
