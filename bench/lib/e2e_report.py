#!/usr/bin/python3
"""bench/lib/e2e_report.py - bench/e2e's result maths and report: rates, CPU shares, RSS and PSS,
ratios, the e2e step's rate while the publisher ran and after, from the files bench/e2e leaves in its
state dir (the load tools' key=value outputs, watch.py's samples, weir's /metrics and log) and its
marks (CPU ticks and clock at each step's edges). Writes the report (or, --e2e-only, one line) to
--out and prints the report path's problems; exit 1 when --e2e-only and something was wrong."""
import argparse
import datetime
import os
import re
import subprocess
import sys

import pymongo

HZ = os.sysconf("SC_CLK_TCK")


def kv(path):
    """The key=value lines of a file, as a dict of strings ({} if absent)."""
    try:
        with open(path) as f:
            return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    except OSError:
        return {}


def samples(path):
    """watch.py's samples: epoch ms, RSS KiB, events stored[, PSS KiB] a line."""
    with open(path) as f:
        return [[float(x) for x in line.split()] for line in f if line.strip()]


def cpu_pct(a, b, ms):
    """CPU use in % of one core from clock ticks a to b over ms."""
    return round((b - a) / HZ * 100000 / ms) if ms > 0 else 0


def metric(text, name):
    """The last value of series NAME (with its labels, if any) in weir's /metrics; None if absent."""
    vals = [float(line.split()[1]) for line in text.splitlines() if line.split(" ")[0] == name]
    return vals[-1] if vals else None


def number(v):
    try:
        return float(v)
    except ValueError:
        return None


def steady_rss(rows, n, done):
    """Max, median (MiB) and count of the RSS samples after 10 % of the events were stored."""
    v = sorted(r[1] for r in rows if r[2] >= n / 10 and r[0] <= done)
    if not v:
        return 0, 0, 0
    k = len(v)
    med = v[(k - 1) // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2
    return round(v[-1] / 1024), round(med / 1024), k


def split_rate(rows, start, end, done, n):
    """Events/s stored while the publisher ran (start..end) and after it (end..done); the count at
    end is interpolated between the two samples around it."""
    end = min(end, done)
    pt, pv, at = start, 0, None
    for t, _, stored, *_ in rows:
        if at is None and t >= end:
            at = pv + (stored - pv) * (end - pt) / (t - pt) if t > pt else stored
        pt, pv = t, stored
    at = n if at is None else at
    during = at * 1000 / (end - start) if end > start else 0
    after = (n - at) * 1000 / (done - end) if done > end else 0
    return round(during), round(after)


class Run:
    def __init__(self, args):
        self.a, self.d, self.n = args, args.dir, args.n
        self.note = kv(os.path.join(self.d, "marks"))
        self.marks = {k: number(v) for k, v in self.note.items() if number(v) is not None}

    def out(self, name):
        return kv(os.path.join(self.d, name + ".out"))

    def mark(self, name):
        return self.marks.get(name, 0)

    def between(self, step, what, ms):
        return cpu_pct(self.mark(f"{step}0_{what}"), self.mark(f"{step}1_{what}"), ms)

    def cost_us(self, step, what):
        return "%.1f" % ((self.mark(f"{step}1_{what}") - self.mark(f"{step}0_{what}")) / HZ * 1e6 / self.n)

    def e2e(self):
        pub, n = self.out("e2e-publish"), self.n
        self.start = int(float(pub["start_ms"]))
        self.done = int(self.out("watch")["done_ms"])
        ms = self.done - self.start
        self.e2e_ms, self.e2e_rate = ms, round(n * 1000 / ms)
        self.pub_rate, self.pub_s = pub["rate"], pub["seconds"]
        self.cpu = {w: self.between("e2e", w, ms) for w in ("proc", "rmq", "ferret", "busy")}
        self.cpu["pub"] = round(float(pub["cpu_s"]) * 100000 / ms)
        self.cpu["other"] = self.cpu["busy"] - sum(self.cpu[w] for w in ("proc", "rmq", "ferret", "pub"))
        rows = samples(os.path.join(self.d, "samples.txt"))
        self.rss = steady_rss(rows, n, self.done)
        self.rss_all = round(max(r[1] for r in rows) / 1024)
        self.during, self.after = split_rate(rows, self.start, int(float(pub["end_ms"])), self.done, n)
        with open(os.path.join(self.d, "metrics.txt")) as f:
            m = f.read()
        self.dead = int(sum(float(line.split()[1]) for line in m.splitlines() if line.startswith("weir_dead_letters_total")))
        self.counters = ["%d" % v if v is not None else "" for v in (
            metric(m, "weir_duplicates_skipped_total"), metric(m, "weir_store_errors_total"),
            metric(m, "weir_aggregate_windows_recomputed_total"),
            metric(m, "weir_batch_duration_seconds_count{}"))]
        count, total = metric(m, "weir_batch_duration_seconds_count{}"), metric(m, "weir_batch_duration_seconds_sum{}")
        self.batch_ms = round(total * 1000 / count) if count else 0
        db = pymongo.MongoClient(self.a.mongo_uri, directConnection=True, serverSelectionTimeoutMS=5000)["bench_e2e"]
        self.docs = db.events.estimated_document_count()
        self.agg = sum(d.get("count", 0) for d in db.aggregates.find({}, {"count": 1}))
        self.warnings = self.weir_warnings()
        killed = self.note.get("shutdown_killed", "")
        self.shutdown = self.note.get("shutdown_s", "") + " s" + (
            f", still running after 30 s: SIGKILLed pids {killed} (WEIR_DRAIN_TIMEOUT_S is 8 s by default)" if killed else "")
        self.problems = "".join(f" {k}={v}" for k, v, ok in (
            ("dead_letters", self.dead, self.dead == 0), ("documents", self.docs, self.docs == n),
            ("aggregated_events", self.agg, self.agg == n), ("killed_after_sigterm", killed, not killed)) if not ok)

    def weir_warnings(self):
        seen = {}
        with open(os.path.join(self.d, "weir-e2e.log"), errors="replace") as f:
            for line in f:
                if re.search(r'"level":"(warn|error)"', line) and "running as root" not in line:
                    msg = re.sub(r'.*"msg":"([^"]*)".*', r"\1", line.rstrip("\n"))
                    seen[msg] = seen.get(msg, 0) + 1
        return ";".join(f" {m} x{c}" for m, c in sorted(seen.items()))

    def e2e_line(self):
        return ("e2e_per_s=%s during_publish=%s after_publish=%s rss_mib=%s batches=%s batch_ms=%s weir_cpu=%s "
                "ferretdb_cpu=%s rabbitmq_cpu=%s shutdown_s=%s problems=%s" % (
                    self.e2e_rate, self.during, self.after, self.rss[0], self.counters[3], self.batch_ms,
                    self.cpu["proc"], self.cpu["ferret"], self.cpu["rmq"], self.note.get("shutdown_s", ""),
                    self.problems or " none"))

    def cost(self, step, done_ms, samples_file):
        ms = done_ms - self.mark(f"{step}0_ms")
        rows = samples(os.path.join(self.d, samples_file))
        servers = "RabbitMQ %s, FerretDB %s" % (self.cost_us(step, "rmq"), self.cost_us(step, "ferret"))
        return (round(self.n * 1000 / ms), self.cost_us(step, "proc"), "%.1f" % (max(r[3] for r in rows) / 1024),
                "%.1f" % (max(r[1] for r in rows) / 1024), servers)

    def cost_line(self):
        weir, py = self.cost("cost", int(self.out("cost-weir-watch")["done_ms"]), "cost-weir-samples.txt"), \
            self.cost("pycost", int(self.out("python")["end_ms"]), "cost-python-samples.txt")
        ratio = "%.1f" % (float(py[1]) / float(weir[1]) if float(weir[1]) > 0 else 0)
        return ("weir_cpu_us=%s python_cpu_us=%s cpu_ratio=%s pss_mib=%s weir_per_s=%s python_per_s=%s "
                "python_pss_mib=%s" % (weir[1], py[1], ratio, weir[2], weir[0], py[0], py[2]))

    def report(self):
        n, o = self.n, self.out
        bc, sink, marks_, con, rp = o("broker-consume"), o("sink"), o("sink-marks"), o("sink-contended"), o("relay-publish")
        wq = o("window-query")
        broker, sink_rate = int(bc["rate"]), int(sink["rate"])
        relay_ms = round(float(o("relay")["end_ms"]) - float(rp["start_ms"]))
        relay = round(n * 1000 / relay_ms)
        weir, py = self.cost("cost", int(o("cost-weir-watch")["done_ms"]), "cost-weir-samples.txt"), \
            self.cost("pycost", int(o("python")["end_ms"]), "cost-python-samples.txt")
        cpu_ratio = "%.1f" % (float(py[1]) / float(weir[1]) if float(weir[1]) > 0 else 0)
        low = min(broker, sink_rate)
        ratio, c, p = "%.2f" % (self.e2e_rate / low), int(con["rate"]), float(self.pub_s)
        busy = round(self.between("idle", "busy", self.mark("idle1_ms") - self.mark("idle0_ms")) / os.cpu_count())
        t = n / c if c * p >= n else p + (n - c * p) / sink_rate
        bin_ = self.a.weir_bin
        version = subprocess.run([bin_, "--version"], capture_output=True, text=True)
        version = (version.stdout + version.stderr).splitlines()[0] if version.stdout + version.stderr else ""
        rev = subprocess.run(["git", "-C", self.a.repo, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
        cpuinfo = open("/proc/cpuinfo").read()
        model = re.search(r"^model name\s*: (.*)$", cpuinfo, re.M)
        mem = int(re.search(r"^MemTotal:\s+(\d+)", open("/proc/meminfo").read(), re.M)[1]) // 1024
        row = "%-8s %12s %9s  %s"
        lines = [
            "weir bench/e2e  %s  N=%s" % (utc(), n),
            "machine: %s, %s CPUs, %s MiB RAM, kernel %s" % (model[1] if model else "", os.cpu_count(), mem, os.uname().release),
            "weir: %s, build/weir built %s; checkout at %s" % (
                version, utc(os.path.getmtime(bin_)), rev.stdout.strip() or "unknown"),
            "body %s B JSON, persistent, quorum queues, FerretDB (SQLite), write concern %s" % (
                o("e2e-publish")["body_bytes"], sink["write_concern"]),
            "",
            row % ("measure", "per second", "seconds", "notes"),
            row % ("broker", bc["rate"], bc["seconds"], "consume+ack, prefetch 2000, ack multiple/500; RabbitMQ CPU %s%%; "
                   "publish with confirms alone: %s/s" % (self.between("broker", "rmq", float(bc["seconds"]) * 1000),
                                                         o("broker-publish")["rate"])),
            row % ("sink", sink["rate"], sink["seconds"], "insert_many unordered x500, 3 indexes; FerretDB CPU %s%%" %
                   self.between("sink", "ferret", float(sink["seconds"]) * 1000)),
            row % ("+deltas", marks_["rate"], marks_["seconds"],
                   "(analysis) sink + one bulk of window delta upserts every 11 batches, as weir does"),
            row % ("+publish", con["rate"], con["seconds"], "(analysis) sink of %s while %s events were published through a "
                   "topic exchange (no consumer; the publisher ran %s s)" % (max(n // 4, 1), n, o("contention-publish")["seconds"])),
            row % ("relay", relay, "%.3f" % (relay_ms / 1000), "(analysis) the e2e path with bench/lib/relay in weir's place "
                   "(parse, insert x500, ack; nothing else); publisher %s s" % rp["seconds"]),
            row % ("e2e", self.e2e_rate, "%.3f" % (self.e2e_ms / 1000), "first publish -> last event stored; publisher "
                   "finished after %s s (%s/s)" % (self.pub_s, self.pub_rate)),
            "",
            "ratio e2e / min(broker, sink) = %s" % ratio,
            "ratio relay / min(broker, sink) = %.2f (a consumer that only stores); weir / relay = %.2f" % (
                relay / low, self.e2e_rate / relay),
            "weir stored %s/s while the publisher ran and %s/s after it had finished" % (self.during, self.after),
            # A consumer costing nothing that kept FerretDB busy at every moment would store at the
            # +publish rate while the e2e publisher ran and at the sink rate after it.
            "bound: a consumer costing nothing, FerretDB never idle (+publish rate for the %s s the e2e publisher ran, "
            "sink rate after): %.0f/s, ratio %.2f" % (self.pub_s, n / t, n / t / low),
            "one window rebuild's find (1 minute of ts; only after duplicates or failures) among the sink's %s documents: "
            "%s docs in %s s" % (n, wq["window_query_docs"], wq["window_query_seconds"]),
            "CPU during e2e (%% of one core): weir %s, RabbitMQ %s, FerretDB %s, publisher %s, everything else %s; "
            "whole machine %s of %s" % (self.cpu["proc"], self.cpu["rmq"], self.cpu["ferret"], self.cpu["pub"],
                                        self.cpu["other"], self.cpu["busy"], os.cpu_count() * 100),
            "machine busy before the run: %s%% (other processes)" % busy,
            "weir RSS (parent + workers): idle %d MiB; steady state max %s MiB, median %s MiB (%s samples); max of all "
            "samples %s MiB" % (self.mark("idle_rss") // 1024, *self.rss, self.rss_all),
            "weir counters: stored %s, dead letters %s, duplicates %s, store errors %s; documents in bench_e2e.events: %s" % (
                self.out("watch").get("stored", "0"), self.dead, self.counters[0], self.counters[1], self.docs),
            "weir batches: %s, mean %s ms" % (self.counters[3], self.batch_ms),
            "aggregates: when the last event was stored %s windows dirty, %s rebuilt; %s (%s rebuilt by then); the "
            "windows count %s events" % (self.note.get("dirty_at_done"), self.note.get("recomputed_at_done"),
                                         self.note.get("settle"), self.counters[2], self.agg),
            "weir settings: defaults, WEIR_ROLE=processor, own database and queue names%s" % (
                ", " + self.a.weir_env if self.a.weir_env else ""),
            "weir shutdown after SIGTERM: %s" % self.shutdown,
            "weir warnings/errors logged:%s" % (self.warnings or " none"),
            "",
            "cost: each consumer alone on a queue pre-loaded with %s events, from SIGCONT to its last event stored" % n,
            "%-8s %12s %12s %10s  %s" % ("consumer", "per second", "CPU us/ev", "PSS MiB", "notes"),
            "%-8s %12s %12s %10s  %s" % ("weir", *weir[:3], "parent + workers, all threads; RSS max %s MiB; servers' CPU "
                                         "us/ev: %s" % weir[3:]),
            "%-8s %12s %12s %10s  %s" % ("python", *py[:3], "bench/python/consumer.py (pika + pymongo, insert_many x500, "
                                         "ack multiple); servers' CPU us/ev: %s" % py[4]),
            "CPU per event python / weir = %s" % cpu_ratio,
        ]
        if self.problems:
            lines.append("WARNING: expected %s stored and aggregated events and no dead letters:%s" % (n, self.problems))
        if busy > 20:
            print(f"bench/e2e: warning: the machine was {busy}% busy before the run; numbers are low", file=sys.stderr)
        lines += ["", "e2e_per_s=%s broker_per_s=%s sink_per_s=%s ratio=%s rss_mib=%s" % (
            self.e2e_rate, broker, sink_rate, ratio, self.rss[0]),
            "e2e_per_s=%s relay_per_s=%s sink_per_s=%s weir_cpu_us=%s python_cpu_us=%s cpu_ratio=%s pss_mib=%s" % (
            self.e2e_rate, relay, sink_rate, weir[1], py[1], cpu_ratio, weir[2])]
        return lines


def utc(t=None):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc) if t else datetime.datetime.now(datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("-n", type=int, required=True)
    p.add_argument("--mongo-uri", required=True)
    p.add_argument("--weir-bin", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--weir-env", default="")
    p.add_argument("--e2e-only", action="store_true")
    p.add_argument("--cost-only", action="store_true")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    run = Run(a)
    if a.cost_only:
        lines = [run.cost_line()]
    else:
        run.e2e()
        lines = [run.e2e_line()] if a.e2e_only else run.report()
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    return 1 if a.e2e_only and run.problems else 0


if __name__ == "__main__":
    sys.exit(main())
