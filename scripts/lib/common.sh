# scripts/lib/common.sh - logging, ports, pid files and waiting, shared by weir's scripts.
# Source it from a bash script that runs with `set -euo pipefail`.
# shellcheck shell=bash

# Where the repository is, whichever script sourced this file.
WEIR_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export WEIR_REPO

# Debian's interpreter, which has python3-pika and python3-pymongo; a pyenv or
# virtualenv python3 earlier on PATH would not.
WEIR_PYTHON=${WEIR_PYTHON:-/usr/bin/python3}

WEIR_LOG_PREFIX=${WEIR_LOG_PREFIX:-$(basename "$0")}

log() {
	printf '%s: %s\n' "$WEIR_LOG_PREFIX" "$*" >&2
}

warn() {
	printf '%s: warning: %s\n' "$WEIR_LOG_PREFIX" "$*" >&2
}

die() {
	printf '%s: error: %s\n' "$WEIR_LOG_PREFIX" "$*" >&2
	exit 1
}

# usage_exit STATUS: the script's usage() and exit STATUS: 0 for --help
# (on stdout), 2 for words it does not take (on stderr, which the caller
# sees while its stdout may be going to a file or a pipe).
usage_exit() {
	if (($1 == 0)); then
		usage
	else
		usage >&2
	fi
	exit "$1"
}

# apt_ensure PACKAGE...: installs those of the Debian packages that are
# missing (as root, else with sudo).
apt_ensure() {
	local -a missing=() sudo=()
	local p
	for p in "$@"; do
		[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true) == ii* ]] || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	(($(id -u) == 0)) || sudo=(sudo)
	log "installing Debian packages: ${missing[*]}"
	"${sudo[@]}" apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}

# find_go: prints the Go toolchain to use, the official one first.
find_go() {
	if [[ -x /usr/local/go/bin/go ]]; then
		printf '%s\n' /usr/local/go/bin/go
	else
		command -v go
	fi
}

# is_port NUMBER: succeeds for a TCP port number 1..65535.
is_port() {
	[[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 65535))
}

require_port() {
	is_port "$2" || die "$1: '$2' is not a TCP port number"
}

# free_port: prints a TCP port that nothing listens on at 127.0.0.1 now.
free_port() {
	"$WEIR_PYTHON" - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# distinct_ports N: prints N different free ports, one a line.
distinct_ports() {
	local -A seen=()
	local n=0 p
	while ((n < $1)); do
		p=$(free_port)
		[[ -n ${seen[$p]:-} ]] && continue
		seen[$p]=1
		printf '%s\n' "$p"
		n=$((n + 1))
	done
}

# port_open PORT [HOST]: succeeds when something accepts TCP connections there.
port_open() {
	local port=$1 host=${2:-127.0.0.1}
	# shellcheck disable=SC2016 # $1 and $2 expand in the inner bash.
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
}

# require_port_free NAME PORT: fails when something already listens on PORT.
require_port_free() {
	if port_open "$2"; then
		die "$1 port $2 on 127.0.0.1 is already in use"
	fi
}

# pid_from_file FILE [COMM]: prints the pid stored in FILE if that process is
# alive (and, given COMM, if its /proc/PID/comm is COMM: a pid file left by a
# crash must not make us signal an unrelated process that reused the pid).
pid_from_file() {
	local file=$1 comm=${2:-} pid actual
	[[ -r $file ]] || return 1
	read -r pid <"$file" || true
	[[ ${pid:-} =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -n $comm ]]; then
		read -r actual <"/proc/$pid/comm" 2>/dev/null || return 1
		[[ $actual == "${comm:0:15}" ]] || return 1
	fi
	printf '%s\n' "$pid"
}

# pid_alive FILE [COMM]: succeeds when the process named in FILE is alive.
pid_alive() {
	pid_from_file "$@" >/dev/null
}

# wait_pid_exit PID SECONDS: succeeds once PID is gone, fails on timeout.
wait_pid_exit() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# running PID: PID exists and is not a zombie (a child of ours stays one
# until it is waited for, and kill -0 still reaches it).
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# wait_http URL SECONDS [PID]: waits until URL answers with a 2xx; fails
# after SECONDS, or as soon as PID no longer runs.
wait_http() {
	local deadline=$((SECONDS + $2))
	until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
		[[ -z ${3:-} ]] || running "$3" || return 1
		((SECONDS < deadline)) || return 1
		sleep 0.3
	done
}

# stop_pid NAME PID [GRACE]: SIGTERM, then SIGKILL after GRACE seconds (10).
stop_pid() {
	local name=$1 pid=$2 grace=${3:-10}
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! wait_pid_exit "$pid" "$grace"; then
		warn "$name (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_pid_exit "$pid" 5 || die "$name (pid $pid) survived SIGKILL"
	fi
}

# stop_pidfile NAME FILE [GRACE] [COMM]: stops the process in FILE (see
# pid_from_file for COMM), removes FILE.
stop_pidfile() {
	local name=$1 file=$2 grace=${3:-10} comm=${4:-} pid
	if pid=$(pid_from_file "$file" "$comm"); then
		stop_pid "$name" "$pid" "$grace"
	fi
	rm -f "$file"
}

# wait_for_port NAME PORT SECONDS [PIDFILE]: waits until PORT accepts
# connections; fails early when the process in PIDFILE has died.
wait_for_port() {
	local name=$1 port=$2 deadline=$((SECONDS + $3)) pidfile=${4:-}
	until port_open "$port"; do
		if [[ -n $pidfile ]] && ! pid_alive "$pidfile"; then
			log "$name exited before it listened on port $port"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			log "$name did not listen on port $port within $3 s"
			return 1
		fi
		sleep 0.2
	done
}

# show_log_tail FILE [LINES]: prints the end of a log to stderr, for errors.
show_log_tail() {
	local file=$1 lines=${2:-30}
	if [[ -s $file ]]; then
		printf -- '--- last %s lines of %s ---\n' "$lines" "$file" >&2
		tail -n "$lines" "$file" >&2
		printf -- '---\n' >&2
	else
		printf -- '(%s is empty or missing)\n' "$file" >&2
	fi
}

# abs_dir DIR: creates DIR if needed and prints its absolute path.
abs_dir() {
	mkdir -p "$1"
	(cd "$1" && pwd)
}
