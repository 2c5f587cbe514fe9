# bench/lib/proc.sh - what the benchmarks read from /proc, the clock and perf: CPU time of
# processes and of the tree under a pid, epoch ms, a profile's top lines. Source it with `set -euo pipefail`.
# shellcheck shell=bash

# now_ms: epoch milliseconds.
now_ms() {
	local t=$EPOCHREALTIME
	printf '%s\n' "${t/./}" | cut -c1-13
}

# cpu_ticks PID...: the sum of their user + system clock ticks (every
# thread of each; pids that are gone count 0).
cpu_ticks() {
	local pid sum=0 v stat
	for pid in "$@"; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		# After "pid (comm) ": state is field 1, utime 12, stime 13.
		v=$(awk '{ print $12 + $13 }' <<<"$stat")
		sum=$((sum + v))
	done
	printf '%s\n' "$sum"
}

# tree_pids PID: PID and all its descendants, one a line.
tree_pids() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			keep[root] = 1
			print root
			do {
				added = 0
				for (c in parent)
					if (!(c in keep) && (parent[c] in keep)) {
						keep[c] = 1
						print c
						added = 1
					}
			} while (added)
		}'
}

# tree_cpu_ns PID: CPU nanoseconds (user + system) of the threads alive now
# in PID's process tree, from /proc/*/task/*/schedstat: finer than clock
# ticks, for short runs of long-lived servers (a thread that has exited no
# longer counts).
tree_cpu_ns() {
	local -a pids files=()
	local pid
	mapfile -t pids < <(tree_pids "$1")
	for pid in "${pids[@]}"; do
		files+=("/proc/$pid/task/"*/schedstat)
	done
	{ cat "${files[@]}" 2>/dev/null || true; } | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# tree_idle PID SECONDS: waits until PID's process tree uses less than 1 %
# of a core over 0.5 s (at most SECONDS); fails if it never does.
tree_idle() {
	local deadline=$((SECONDS + $2)) a b
	b=$(tree_cpu_ns "$1")
	while ((SECONDS < deadline)); do
		sleep 0.5
		a=$b
		b=$(tree_cpu_ns "$1")
		((b - a < 5000000)) && return 0
	done
	return 1
}

# perf_top DATA LINES REPORT_ARGS...: the first LINES entries of
# `perf report -i DATA REPORT_ARGS --stdio`, without its comments.
perf_top() {
	local data=$1 lines=$2
	shift 2
	{ perf report -i "$data" "$@" --stdio 2>/dev/null || true; } |
		grep -v -e '^#' -e '^$' | head -n "$lines" || true
}
