# scripts/lib/ferretdb.sh - start, stop and query FerretDB (SQLite backend) under a state dir.
# Needs scripts/lib/common.sh. FerretDB speaks the MongoDB wire protocol; it stands in for mongod.
# shellcheck shell=bash

# Layout of <dir>: data/ (SQLite files, kept across restarts), ferretdb.log,
# ferretdb.pid, ferretdb.port, and FerretDB's own state.json.

# shellcheck disable=SC2034 # read by scripts/install-deps
FERRETDB_VERSION=v1.24.2
FERRETDB_START_TIMEOUT=${FERRETDB_START_TIMEOUT:-30}

# ferretdb_bin: prints the FerretDB binary to use: $WEIR_FERRETDB, then the
# one scripts/install-deps builds into <repo>/.weir/bin, then PATH.
ferretdb_bin() {
	local c
	for c in "${WEIR_FERRETDB:-}" "$WEIR_REPO/.weir/bin/ferretdb"; do
		if [[ -n $c && -x $c ]]; then
			printf '%s\n' "$c"
			return 0
		fi
	done
	command -v ferretdb
}

# _ferret_comm: the process name (/proc/PID/comm) FerretDB runs under.
_ferret_comm() {
	local bin
	bin=$(ferretdb_bin) || bin=ferretdb
	printf '%s\n' "${bin##*/}"
}

# mongo_ping PORT: succeeds when a MongoDB-wire server on 127.0.0.1:PORT
# answers {ping: 1}.
mongo_ping() {
	"$WEIR_PYTHON" - "$1" <<'PY' >/dev/null 2>&1
import sys
import pymongo
client = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]), directConnection=True,
                             serverSelectionTimeoutMS=2000, connectTimeoutMS=2000)
client.admin.command("ping")
PY
}

# ferretdb_status DIR: succeeds when the FerretDB of DIR runs and answers.
ferretdb_status() {
	local dir=$1 port
	pid_alive "$dir/ferretdb.pid" "$(_ferret_comm)" || return 1
	read -r port <"$dir/ferretdb.port" || return 1
	mongo_ping "$port"
}

# ferretdb_start DIR PORT [POSTGRESQL_URL]: starts FerretDB (on SQLite, or
# on the PostgreSQL at that URL) and waits until it answers ping.
ferretdb_start() {
	local dir=$1 port=$2 bin pid started deadline backend
	require_port port "$port"
	bin=$(ferretdb_bin) || die "ferretdb not found (run scripts/install-deps)"
	dir=$(abs_dir "$dir")
	if ferretdb_status "$dir"; then
		if [[ $(<"$dir/ferretdb.port") == "$port" ]]; then
			log "FerretDB is already running on port $port (pid $(<"$dir/ferretdb.pid"))"
			return 0
		fi
		die "a FerretDB on another port ($(<"$dir/ferretdb.port")) runs from $dir"
	fi
	require_port_free FerretDB "$port"
	mkdir -p "$dir/data"
	printf '%s\n' "$port" >"$dir/ferretdb.port"

	backend=(--handler=sqlite --sqlite-url="file:$dir/data/")
	[[ -z ${3:-} ]] || backend=(--handler=postgresql --postgresql-url="$3")
	started=$SECONDS
	# --debug-addr=- : no debug/metrics HTTP listener (its default port 8088
	# would clash between several instances). Telemetry off: no network here.
	(cd "$dir" && exec setsid "$bin" \
		"${backend[@]}" \
		--listen-addr="127.0.0.1:$port" \
		--state-dir="$dir" \
		--repl-set-name=rs0 \
		--telemetry=disable \
		--debug-addr=- \
		--log-level=warn \
		--log-format=text) >>"$dir/ferretdb.log" 2>&1 </dev/null &
	pid=$!
	printf '%s\n' "$pid" >"$dir/ferretdb.pid"

	deadline=$((SECONDS + FERRETDB_START_TIMEOUT))
	if wait_for_port FerretDB "$port" "$FERRETDB_START_TIMEOUT" "$dir/ferretdb.pid"; then
		until mongo_ping "$port"; do
			if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
				break
			fi
			sleep 0.2
		done
	fi
	if ! mongo_ping "$port"; then
		show_log_tail "$dir/ferretdb.log" 30
		ferretdb_stop "$dir" >/dev/null 2>&1 || true
		die "FerretDB did not answer ping on 127.0.0.1:$port within ${FERRETDB_START_TIMEOUT} s (log: $dir/ferretdb.log)"
	fi
	log "FerretDB up in $((SECONDS - started)) s: mongodb://127.0.0.1:$port/ (data $dir/data)"
}

# ferretdb_stop DIR: SIGTERM (FerretDB shuts down cleanly), SIGKILL after 10 s.
ferretdb_stop() {
	local dir=$1 pid
	if pid=$(pid_from_file "$dir/ferretdb.pid" "$(_ferret_comm)"); then
		stop_pid FerretDB "$pid" 10
		log "FerretDB in $dir stopped"
	fi
	rm -f "$dir/ferretdb.pid"
}
