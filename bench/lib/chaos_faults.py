"""bench/lib/chaos_faults.py - bench/chaos's faults, their seeded schedule, and
the monitor that sees from weir's counters when weir stores again after each."""
import os
import random
import threading
import time

# What each kind costs in time beyond its own duration (restarts, waits),
# for planning a schedule that fits the publishing time; and whether the
# kind lasts --fault-seconds.
KINDS = {
    "kill9": (3, False),
    "broker_restart": (35, False),
    "store_restart": (6, False),
    "store_partition": (3, True),
    "broker_partition": (3, True),
    "slow_store": (3, True),
    "disk_full": (3, True),
}
GAP_S = 5           # least quiet time between two faults
SLOW_STORE_S = 0.2  # what the relay holds each request to the store


def plan(seed, kills, restarts, fault_s):
    """The faults in a seeded random order: (kinds, costs, weights). A
    cost is the least time a fault needs (with the gap after it); the
    weights share the spare publishing time out among the gaps."""
    rng = random.Random(seed)
    kinds = (["kill9"] * kills + ["broker_restart"] * restarts +
             ["store_restart"] * restarts +
             ["store_partition", "broker_partition", "slow_store", "disk_full"])
    rng.shuffle(kinds)
    costs = [KINDS[k][0] + (fault_s if KINDS[k][1] else 0) + GAP_S for k in kinds]
    return kinds, costs, [rng.random() for _ in kinds]


def schedule(kinds, costs, weights, lead_s, active_s):
    """Planned starts (seconds after publishing began) within active_s
    seconds from lead_s, the spare time shared out by weight."""
    spare = max(0.0, active_s - sum(costs))
    total = sum(weights) or 1.0
    at, out = lead_s, []
    for kind, cost, w in zip(kinds, costs, weights):
        at += spare * w / total
        out.append({"kind": kind, "at": round(at, 1)})
        at += cost
    return out


class Monitor(threading.Thread):
    """Polls the current weir's /metrics every `interval` seconds.
    Counters start at 0 in each new process, so the totals add what the
    earlier processes were last seen to have done. `stored` counts new
    events; `progress` adds the duplicates skipped (redelivered events
    already stored): either means batches are being written. `published`
    is a callable giving the events confirmed by the broker so far."""

    def __init__(self, t0, published, interval=0.25):
        super().__init__(name="monitor", daemon=True)
        self.t0, self.published, self.interval = t0, published, interval
        # (seconds since t0, stored, progress, published)
        self.samples = []
        self.lock = threading.Lock()
        self.weir = None
        self.base = (0, 0)
        self.last = (0, 0)
        self.halt = threading.Event()

    def attach(self, weir):
        with self.lock:
            self.base = (self.base[0] + self.last[0], self.base[1] + self.last[1])
            self.last = (0, 0)
            self.weir = weir

    def run(self):
        while not self.halt.wait(self.interval):
            weir = self.weir
            try:
                m = weir.metrics()
            except Exception:  # noqa: BLE001 - a dead or restarting weir
                continue
            stored = sum(v for (n, _), v in m.items() if n == "weir_events_stored_total")
            dups = sum(v for (n, _), v in m.items() if n == "weir_duplicates_skipped_total")
            with self.lock:
                if weir is not self.weir:
                    continue
                self.last = (int(stored), int(stored + dups))
                self.samples.append((time.monotonic() - self.t0,
                                     self.base[0] + self.last[0],
                                     self.base[1] + self.last[1],
                                     self.published()))

    def now(self):
        with self.lock:
            return self.samples[-1] if self.samples else (0.0, 0, 0, 0)

    def stored_between(self, t_from, t_to):
        inside = [s[1] for s in self.samples if t_from <= s[0] <= t_to]
        return inside[-1] - inside[0] if inside else 0

    def wait_progress(self, since_t, timeout):
        """Seconds from since_t (relative to t0) until progress rose above
        its value at since_t; None if it did not within timeout."""
        deadline = time.monotonic() + timeout
        base = None
        while time.monotonic() < deadline:
            with self.lock:
                before = [s for s in self.samples if s[0] <= since_t]
                after = [s for s in self.samples if s[0] > since_t]
            if base is None and before:
                base = before[-1][2]
            if base is not None:
                for s in after:
                    if s[2] > base:
                        return s[0] - since_t
            time.sleep(self.interval)
        return None


class Faults:
    """The fault kinds, each run to its end: start, hold, undo. `ctx` is
    bench/chaos's run (servers, namespace, relay, the current weir)."""

    def __init__(self, ctx, fault_s):
        self.ctx, self.fault_s = ctx, fault_s

    def run(self, kind):
        """Runs one fault; returns (start, end) in monotonic seconds, end
        being when the fault was undone."""
        start = time.monotonic()
        getattr(self, kind)()
        return start, time.monotonic()

    def kill9(self):
        # What a supervisor does: a new process at once.
        self.ctx.weir.kill9()
        self.ctx.start_weir()

    def broker_restart(self):
        self.ctx.stack("rabbitmq", "stop")
        self.ctx.stack("rabbitmq", "start")

    def store_restart(self):
        self.ctx.stack("ferretdb", "stop")
        self.ctx.stack("ferretdb", "start")

    def store_partition(self):
        self._partition(self.ctx.relay_port)

    def broker_partition(self):
        self._partition(self.ctx.amqp_port)

    def _partition(self, port):
        self.ctx.netns.partition(port)
        try:
            time.sleep(self.fault_s)
        finally:
            self.ctx.netns.heal()

    def slow_store(self):
        self.ctx.relay.delay = SLOW_STORE_S
        try:
            time.sleep(self.fault_s)
        finally:
            self.ctx.relay.delay = 0.0

    def disk_full(self):
        filler = os.path.join(self.ctx.store_data, "filler")
        try:
            fill(filler)
            time.sleep(self.fault_s)
        finally:
            if os.path.exists(filler):
                os.unlink(filler)


def fill(path):
    """Takes every free block of path's file system: reserved at once
    (posix_fallocate; writing zeros took tens of seconds on a busy
    machine), then what is left written out until ENOSPC."""
    st = os.statvfs(os.path.dirname(path))
    with open(path, "wb", buffering=0) as f:
        try:
            os.posix_fallocate(f.fileno(), 0, st.f_bavail * st.f_frsize)
        except OSError:
            pass
        f.seek(0, os.SEEK_END)
        try:
            while True:
                f.write(bytes(4096))
        except OSError:
            pass
