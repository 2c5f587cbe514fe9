#!/usr/bin/python3
"""bench/lib/watch.py - bench/e2e's observer: waits until weir has stored N
events, sampling weir's RSS, with one process and one kept-alive connection
(forking curl ten times a second cost the measured machine ~10 % of a core).

Prints done_ms=<epoch ms> when weir_events_stored_total reached N. Exit 3 when
the counter did not move for --stall seconds, 4 when weir's parent died."""
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


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True, help="weir's HOST:PORT")
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="weir's parent")
    ap.add_argument("--samples", required=True,
                    help="file for 'epoch_ms rss_kib stored' every 0.5 s")
    ap.add_argument("--stall", type=float, default=60)
    a = ap.parse_args()
    host, port = a.addr.rsplit(":", 1)
    m = Metrics(host, int(port))
    stored, last, last_change, next_sample = 0, -1, time.monotonic(), 0.0
    with open(a.samples, "w") as samples:
        while stored < a.n:
            time.sleep(0.1)
            got = m.stored()
            stored = got if got is not None else stored
            now = time.monotonic()
            if stored != last:
                last, last_change = stored, now
            if now >= next_sample:
                pids = [a.pid] + children(a.pid)
                samples.write(f"{int(time.time() * 1000)} {rss_kib(pids)} "
                              f"{stored}\n")
                samples.flush()
                next_sample = now + 0.5
            if not alive(a.pid):
                print(f"stored={stored}")
                return 4
            if now - last_change > a.stall:
                print(f"stored={stored}")
                return 3
    print(f"done_ms={int(time.time() * 1000)}")
    print(f"stored={stored}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
