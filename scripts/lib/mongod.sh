# scripts/lib/mongod.sh - a 3-node MongoDB replica set (rs0) of real mongod processes on loopback.
# Needs scripts/lib/common.sh and a `mongod` on PATH; used instead of FerretDB where one exists.
# shellcheck shell=bash

# Layout of <dir>: node<N>/db, node<N>/mongod.log, node<N>/mongod.pid,
# mongod-rs.ports ("P1 P2 P3").

MONGOD_START_TIMEOUT=${MONGOD_START_TIMEOUT:-90}

# mongod_rs_uri P1 P2 P3: the connection string of the replica set on those
# ports.
mongod_rs_uri() {
	printf 'mongodb://127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s/?replicaSet=rs0\n' "$1" "$2" "$3"
}

# mongod_rs_status DIR: succeeds when all three mongod processes are alive.
mongod_rs_status() {
	local dir=$1 i
	[[ -r $dir/mongod-rs.ports ]] || return 1
	for i in 1 2 3; do
		pid_alive "$dir/node$i/mongod.pid" mongod || return 1
	done
}

# mongod_rs_start DIR P1 P2 P3: starts the nodes, initiates rs0 once, waits
# for a primary.
mongod_rs_start() {
	local dir=$1 i port pid started
	local -a ports=("$2" "$3" "$4")
	command -v mongod >/dev/null || die "mongod is not on PATH"
	for port in "${ports[@]}"; do
		require_port "mongod" "$port"
	done
	dir=$(abs_dir "$dir")
	if mongod_rs_status "$dir"; then
		log "mongod replica set already running ($(<"$dir/mongod-rs.ports"))"
		return 0
	fi
	printf '%s %s %s\n' "${ports[@]}" >"$dir/mongod-rs.ports"
	started=$SECONDS
	for i in 1 2 3; do
		port=${ports[i - 1]}
		pid_alive "$dir/node$i/mongod.pid" mongod && continue
		require_port_free "mongod node$i" "$port"
		mkdir -p "$dir/node$i/db"
		(exec setsid mongod --replSet rs0 --bind_ip 127.0.0.1 --port "$port" \
			--dbpath "$dir/node$i/db" --logpath "$dir/node$i/mongod.log" \
			--logappend --wiredTigerCacheSizeGB 0.25) >>"$dir/node$i/mongod.out" 2>&1 </dev/null &
		pid=$!
		printf '%s\n' "$pid" >"$dir/node$i/mongod.pid"
	done
	for i in 1 2 3; do
		if ! wait_for_port "mongod node$i" "${ports[i - 1]}" "$MONGOD_START_TIMEOUT" \
			"$dir/node$i/mongod.pid"; then
			show_log_tail "$dir/node$i/mongod.log" 20
			mongod_rs_stop "$dir"
			die "mongod node$i did not start"
		fi
	done
	# replSetInitiate is refused (AlreadyInitialized, code 23) after the
	# first start; the data dirs remember the configuration.
	if ! "$WEIR_PYTHON" - "$MONGOD_START_TIMEOUT" "${ports[@]}" <<'PY'; then
import sys
import time
import pymongo
from pymongo.errors import OperationFailure, PyMongoError

timeout, ports = int(sys.argv[1]), sys.argv[2:]
first = pymongo.MongoClient("127.0.0.1", int(ports[0]), directConnection=True,
                            serverSelectionTimeoutMS=5000)
config = {"_id": "rs0", "members": [
    {"_id": i, "host": "127.0.0.1:%s" % p} for i, p in enumerate(ports)]}
try:
    first.admin.command("replSetInitiate", config)
except OperationFailure as e:
    if e.code != 23:
        sys.exit("replSetInitiate failed: %s" % e)
except PyMongoError as e:
    sys.exit("replSetInitiate failed: %s" % e)
deadline = time.time() + timeout
while time.time() < deadline:
    for p in ports:
        try:
            c = pymongo.MongoClient("127.0.0.1", int(p), directConnection=True,
                                    serverSelectionTimeoutMS=1000)
            if c.admin.command("isMaster").get("ismaster"):
                sys.exit(0)
        except PyMongoError:
            pass
    time.sleep(0.5)
sys.exit("no primary elected within %d s" % timeout)
PY
		mongod_rs_stop "$dir"
		die "replica set rs0 did not get a primary (logs: $dir/node*/mongod.log)"
	fi
	log "mongod replica set rs0 up in $((SECONDS - started)) s: $(mongod_rs_uri "${ports[@]}")"
}

# mongod_rs_stop DIR: SIGTERM each node (mongod shuts down cleanly on it).
mongod_rs_stop() {
	local dir=$1 i
	for i in 1 2 3; do
		stop_pidfile "mongod node$i" "$dir/node$i/mongod.pid" 30 mongod
	done
}
