#!/usr/bin/python3
"""bench/lib/watch.py - bench/e2e's observer: waits until weir has stored N
events, sampling weir's RSS and PSS, with one process and one kept-alive
connection (forking curl ten times a second cost the measured machine ~10 %
of a core).

Prints done_ms=<epoch ms> when weir_events_stored_total reached N. Exit 3 when
the counter did not move for --stall seconds, 4 when weir's parent died.
Without --addr it only samples the process tree of --pid until it exits
(exit 0), for a consumer that says itself when it is done."""
import argparse
import http.client
import os
import sys
import time


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[1] == str(pid):
            out.append(int(entry))
    return out


def proc_kib(pids, name, field):
    """The sum of one "Field: N kB" line of /proc/PID/NAME over pids:
    status VmRSS:, or smaps_rollup Pss: (shared pages split between
    their users)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(field):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def alive(pid):
    """True while pid exists and is not a zombie (bench/e2e waits for it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


class Metrics:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None

    def stored(self):
        for _ in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.host, self.port, timeout=2)
                self.conn.request("GET", "/metrics")
                body = self.conn.getresponse().read().decode()
                for line in body.splitlines():
                    if line.startswith("weir_events_stored_total "):
                        return int(float(line.split()[1]))
                return 0
            except (OSError, http.client.HTTPException):
                self.conn = None
        return None


def poll_interval(a, stored, elapsed):
    """0.1 s; with --sparse, half the time the rate so far says is left,
    between 0.1 and 1 s."""
    if not a.sparse or stored <= 0:
        return 0.0 if not a.sparse else 1.0
    left = (a.n - stored) / (stored / elapsed)
    return min(1.0, max(0.0, left / 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", help="weir's HOST:PORT")
    ap.add_argument("-n", type=int, default=0)
    ap.add_argument("--pid", type=int, required=True, help="weir's parent")
    ap.add_argument("--samples", required=True,
                    help="file for 'epoch_ms rss_kib stored pss_kib' every "
                    "0.5 s")
    ap.add_argument("--stall", type=float, default=60)
    ap.add_argument("--sparse", action="store_true",
                    help="scrape /metrics at most once a second, and ten "
                    "times a second only as the end nears (by the rate "
                    "so far): each scrape costs weir CPU, which the cost "
                    "step would count as weir's")
    a = ap.parse_args()
    m = None
    if a.addr is not None:
        host, port = a.addr.rsplit(":", 1)
        m = Metrics(host, int(port))
    stored, last, last_change, next_sample = 0, -1, time.monotonic(), 0.0
    start, next_poll = time.monotonic(), 0.0
    with open(a.samples, "w") as samples:
        while m is None or stored < a.n:
            time.sleep(0.1)
            if m is None and not alive(a.pid):
                return 0
            now = time.monotonic()
            got = None
            if m is not None and now >= next_poll:
                got = m.stored()
                next_poll = now + poll_interval(a, stored, now - start)
            stored = got if got is not None else stored
            if stored != last:
                last, last_change = stored, now
            if now >= next_sample:
                pids = [a.pid] + children(a.pid)
                samples.write(f"{int(time.time() * 1000)} "
                              f"{proc_kib(pids, 'status', 'VmRSS:')} "
                              f"{stored} "
                              f"{proc_kib(pids, 'smaps_rollup', 'Pss:')}\n")
                samples.flush()
                next_sample = now + 0.5
            if not alive(a.pid):
                print(f"stored={stored}")
                return 4
            if m is not None and now - last_change > a.stall:
                print(f"stored={stored}")
                return 3
    print(f"done_ms={int(time.time() * 1000)}")
    print(f"stored={stored}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
