"""Shared fixtures for weir's integration tests.

The servers come from scripts/test (or the same variables set by hand):
WEIR_TEST_AMQP_PORT, WEIR_TEST_MGMT_PORT, WEIR_TEST_PROM_PORT,
WEIR_TEST_DIST_PORT, WEIR_TEST_RABBITMQ_DIR, WEIR_TEST_MONGO_PORT,
WEIR_TEST_FERRET_DIR, WEIR_TEST_STATE_DIR, WEIR_TEST_RABBITMQ_SECRETS (the
passwords of the broker's users weir and monitoring, scripts/lib/rabbitmq.sh
rabbitmq_app_users) and WEIR_BIN. A missing variable
fails the test that needs it; nothing is skipped.

Every test gets a `world`: its own exchange/queue names and database, a
factory for weir processes (WeirProcess: start/terminate/kill9/logs) and
helpers for AMQP, MongoDB and aggregate checks.
"""
import datetime
import logging
import math
import os
import pathlib
import secrets
import signal
import subprocess
import time
import urllib.parse

import pika
import pymongo
import pytest
import requests

from checks import free_port, parse_metrics, to_ms, wait_until
from publisher import AsyncPublisher, connection_parameters, publish_sync

# pika logs every refused connection at ERROR while the broker restarts.
logging.getLogger("pika").setLevel(logging.CRITICAL)

REPO = pathlib.Path(__file__).resolve().parents[2]
STACK = pathlib.Path(os.environ.get("WEIR_STACK") or REPO / "scripts" / "stack")

STACK_VARS = ("WEIR_TEST_AMQP_PORT", "WEIR_TEST_MGMT_PORT",
              "WEIR_TEST_PROM_PORT", "WEIR_TEST_DIST_PORT",
              "WEIR_TEST_RABBITMQ_DIR", "WEIR_TEST_MONGO_PORT",
              "WEIR_TEST_FERRET_DIR", "WEIR_TEST_STATE_DIR",
              "WEIR_TEST_RABBITMQ_SECRETS", "WEIR_BIN")

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "WARNING: ThreadSanitizer",
                     "SUMMARY: UndefinedBehaviorSanitizer")


def _require(names):
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.fail("integration tests need these environment variables "
                    "(scripts/test sets them): " + ", ".join(missing),
                    pytrace=False)
    return {n: os.environ[n] for n in names}


# ---- the weir process -----------------------------------------------------

class WeirProcess:
    """One weir process (Kore parent + workers) in its own process group, so
    kill -9 can take all of it down at once like a container kill."""

    # The address weir's HTTP listener binds and the tests reach it on.
    host = "127.0.0.1"

    def __init__(self, binary, env, log_dir, label, args=()):
        self.binary = binary
        self.env = dict(env)
        self.log_dir = pathlib.Path(log_dir)
        self.label = label
        self.args = list(args)
        self.proc = None
        self.http_port = None
        self.stdout_path = self.log_dir / f"{label}.stdout"
        self.stderr_path = self.log_dir / f"{label}.stderr"

    # lifecycle
    def start(self, wait_ready=True, ready_timeout=30):
        self.http_port = free_port()
        self.env["WEIR_HTTP_ADDR"] = f"{self.host}:{self.http_port}"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.stdout_path, "ab") as out, \
                open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(
                [self.binary] + self.args, env=self.env, stdout=out,
                stderr=err, stdin=subprocess.DEVNULL, cwd=self.log_dir,
                start_new_session=True)
        if wait_ready:
            self.wait_ready(ready_timeout)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def group_alive(self):
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                pytest.fail(f"weir ({self.label}) exited with "
                            f"{self.proc.returncode} before /readyz was 200",
                            pytrace=False)
            try:
                r = requests.get(self.url("/readyz"), timeout=2)
                if r.status_code == 200:
                    return r
                last = f"{r.status_code} {r.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.2)
        pytest.fail(f"weir ({self.label}) not ready after {timeout}s; "
                    f"last /readyz: {last}", pytrace=False)

    def terminate(self, timeout=10):
        """SIGTERM to the parent (as a container runtime does). Returns
        (exit code or None if still running after timeout, seconds)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            rc = None
        return rc, time.monotonic() - t0

    def kill9(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self._reap_group()

    def _reap_group(self, grace=5):
        deadline = time.monotonic() + grace
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.group_alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return False
        return True

    def cleanup(self):
        """Stops whatever is left of this process group. Returns a problem
        (str) when weir broke the SIGTERM contract (exit 0 within 10 s) or
        left processes behind, else None."""
        if self.proc is None:
            return None
        problem = None
        if self.alive():
            rc, secs = self.terminate(15)
            if rc is None:
                self.kill9()
                problem = (f"{self.label} still running 15 s after SIGTERM "
                           f"(killed)")
            elif rc != 0 or secs > 10:
                problem = (f"{self.label} exited with {rc} {secs:.1f} s "
                           f"after SIGTERM")
        if not self._reap_group(5):
            problem = problem or f"{self.label} left processes behind"
        return problem

    # http
    def url(self, path):
        return f"http://{self.host}:{self.http_port}{path}"

    def get(self, path, timeout=5):
        return requests.get(self.url(path), timeout=timeout)

    def metrics(self):
        r = self.get("/metrics")
        assert r.status_code == 200, f"/metrics: {r.status_code} {r.text[:300]}"
        return parse_metrics(r.text)

    def metric(self, name, **labels):
        """Sum of the samples of `name` whose labels include `labels`."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items()
                   if n == name and want <= set(ls))

    # logs
    def tail(self, which="stdout", max_bytes=6000):
        path = self.stdout_path if which == "stdout" else self.stderr_path
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - max_bytes))
                data = f.read()
        except FileNotFoundError:
            return "(no file)"
        return data.decode("utf-8", "replace")

    def sanitizer_findings(self):
        found = []
        for path in (self.stderr_path, self.stdout_path):
            try:
                text = path.read_text("utf-8", "replace")
            except FileNotFoundError:
                continue
            for line in text.splitlines():
                if any(m in line for m in SANITIZER_MARKERS):
                    found.append(f"{path.name}: {line.strip()}")
        return found


# ---- aggregates -----------------------------------------------------------

AGG_FIELDS = ("count", "values", "sum", "min", "max", "first_ts", "last_ts")


def recompute_aggregates(events):
    """From stored event docs (source, type, ts, value): the expected
    1-minute windows {(source, type, window_start_ms): fields}."""
    out = {}
    for d in events:
        ms = to_ms(d["ts"])
        key = (d["source"], d["type"], ms // 60000 * 60000)
        g = out.get(key)
        if g is None:
            g = out[key] = {"count": 0, "values": 0, "sum": 0.0,
                            "min": None, "max": None,
                            "first_ts": ms, "last_ts": ms}
        g["count"] += 1
        g["first_ts"] = min(g["first_ts"], ms)
        g["last_ts"] = max(g["last_ts"], ms)
        v = d.get("value")
        if v is not None:
            g["values"] += 1
            g["sum"] += v
            g["min"] = v if g["min"] is None else min(g["min"], v)
            g["max"] = v if g["max"] is None else max(g["max"], v)
    return out


def aggregate_snapshot(docs):
    """Aggregate docs -> {(source, type, window_start_ms): fields}, with
    dates as ms. Duplicated windows are returned under ('DUP', key)."""
    out = {}
    for d in docs:
        key = (d.get("source"), d.get("type"),
               to_ms(d["window_start"]) if "window_start" in d else None)
        row = {}
        for f in AGG_FIELDS:
            v = d.get(f)
            if f in ("first_ts", "last_ts") and isinstance(v, datetime.datetime):
                v = to_ms(v)
            row[f] = v
        row["dirty"] = d.get("dirty")
        if key in out:
            out[("DUP", key)] = row
        else:
            out[key] = row
    return out


def aggregate_problems(expected, docs):
    """Differences between the expected windows and the aggregate docs."""
    problems = []
    actual = aggregate_snapshot(docs)
    for key, row in actual.items():
        if key[0] == "DUP":
            problems.append(f"two aggregate docs for window {key[1]}")
            continue
        if row["dirty"] is not False:
            problems.append(f"{key}: not settled (dirty is {row['dirty']!r})")
        if key not in expected:
            problems.append(f"{key}: aggregate doc for a window without "
                            f"events: {row}")
    for key, exp in expected.items():
        row = actual.get(key)
        if row is None:
            problems.append(f"{key}: window has {exp['count']} events but no "
                            f"aggregate doc")
            continue
        for f in ("count", "values", "first_ts", "last_ts"):
            if row[f] != exp[f]:
                problems.append(f"{key}: {f} is {row[f]!r}, expected {exp[f]!r}")
        if not _close(row["sum"], exp["sum"]):
            problems.append(f"{key}: sum is {row['sum']!r}, expected {exp['sum']!r}")
        for f in ("min", "max"):
            if exp["values"] == 0:
                if row[f] is not None:
                    problems.append(f"{key}: {f} is {row[f]!r} though no "
                                    f"event has a value")
            elif not _close(row[f], exp[f]):
                problems.append(f"{key}: {f} is {row[f]!r}, expected {exp[f]!r}")
    return problems


def _close(a, b):
    if not isinstance(a, (int, float)) or isinstance(a, bool):
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# ---- the per-test world ---------------------------------------------------

class World:
    def __init__(self, env, request):
        self.env = env
        self.request = request
        tag = secrets.token_hex(4)
        self.prefix = f"t{tag}."
        self.exchange = self.prefix + "events"
        self.queue = self.prefix + "events.process"
        self.dlx = self.prefix + "events.dlx"
        self.dead_queue = self.prefix + "events.dead"
        self.dbname = f"weir_t{tag}"
        self.amqp_port = int(env["WEIR_TEST_AMQP_PORT"])
        self.mgmt_port = int(env["WEIR_TEST_MGMT_PORT"])
        self.mongo_port = int(env["WEIR_TEST_MONGO_PORT"])
        self.mongo = pymongo.MongoClient(
            f"mongodb://127.0.0.1:{self.mongo_port}/",
            directConnection=True,
            serverSelectionTimeoutMS=5000, connectTimeoutMS=3000,
            socketTimeoutMS=60000)
        self.db = self.mongo[self.dbname]
        self.state_dir = (pathlib.Path(env["WEIR_TEST_STATE_DIR"]) / "tests" /
                          f"{request.node.name}-{tag}")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.procs = []
        request.node._weir_procs = self.procs
        self.publishers = []

    # weir
    def weir_env(self, **overrides):
        env = {k: v for k, v in os.environ.items()
               if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
               or k.startswith(("ASAN_", "LSAN_", "UBSAN_", "MSAN_"))}
        env.update({
            "RABBITMQ_HOST": "127.0.0.1",
            "RABBITMQ_PORT": str(self.amqp_port),
            # Least privilege: weir's user may touch only t<hex>.events*.
            "RABBITMQ_USERNAME": "weir",
            "RABBITMQ_PASSWORD": self.rabbitmq_password("weir"),
            "MONGODB_URI": f"mongodb://127.0.0.1:{self.mongo_port}/",
            "WEIR_MONGODB_DATABASE": self.dbname,
            "WEIR_AMQP_EXCHANGE": self.exchange,
            "WEIR_AMQP_QUEUE": self.queue,
            "WEIR_AMQP_DLX": self.dlx,
            "WEIR_AMQP_DEAD_QUEUE": self.dead_queue,
            "WEIR_ROLE": "all",
            "WEIR_AGGREGATE_INTERVAL_MS": "200",
            "WEIR_HTTP_ADDR": f"127.0.0.1:{free_port()}",
        })
        for k, v in overrides.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        return env

    def weir(self, wait_ready=True, **env_overrides):
        """Starts a weir process for this test (ready unless told not to
        wait)."""
        p = WeirProcess(self.env["WEIR_BIN"], self.weir_env(**env_overrides),
                        self.state_dir, f"weir-{len(self.procs) + 1}")
        self.procs.append(p)
        return p.start(wait_ready=wait_ready)

    def rabbitmq_password(self, user):
        """The password scripts/test generated for the broker's `user`."""
        path = pathlib.Path(self.env["WEIR_TEST_RABBITMQ_SECRETS"])
        return (path / f"rabbitmq-{user}-password").read_text().strip()

    # amqp
    def amqp(self):
        return pika.BlockingConnection(connection_parameters(self.amqp_port))

    def ready_count(self, queue):
        """Ready messages in `queue` right now (passive declare)."""
        conn = self.amqp()
        try:
            return conn.channel().queue_declare(
                queue, passive=True).method.message_count
        finally:
            conn.close()

    def mgmt(self, path):
        r = requests.get(f"http://127.0.0.1:{self.mgmt_port}/api{path}",
                         auth=("guest", "guest"), timeout=5)
        r.raise_for_status()
        return r.json()

    def mgmt_queue(self, queue):
        return self.mgmt("/queues/%2F/" + urllib.parse.quote(queue, safe=""))

    def get_all(self, queue, expect=None, timeout=20):
        """Takes every message from `queue` (basic.get, auto-ack). With
        `expect`, first waits until that many are ready."""
        if expect is not None:
            wait_until(lambda: self.ready_count(queue) >= expect, timeout,
                       f"{expect} messages in {queue}")
        out = []
        conn = self.amqp()
        try:
            ch = conn.channel()
            while True:
                method, props, body = ch.basic_get(queue, auto_ack=True)
                if method is None:
                    break
                out.append((props, body))
        finally:
            conn.close()
        return out

    def publish_sync(self, msgs):
        publish_sync(self.amqp_port, self.exchange, msgs)

    def publisher(self, msgs, start=True, **kw):
        p = AsyncPublisher(self.amqp_port, self.exchange, msgs, **kw)
        self.publishers.append(p)
        if start:
            p.start()
        return p

    # mongo
    def count(self):
        return self.db.events.estimated_document_count()

    def event_ids(self):
        return [d["_id"] for d in self.db.events.find({}, {"_id": 1})]

    def wait_drained(self, expected_count, timeout=120, stable_s=1.5):
        """Waits until the work queue has no ready or unacked messages and
        `events` holds expected_count docs, twice in a row at least
        stable_s apart. (Counting is slow on FerretDB, so it is only done
        once the queue looks empty.) Fails with what it saw otherwise."""
        deadline = time.monotonic() + timeout
        stable_since = None
        state = None
        while True:
            try:
                ready = self.ready_count(self.queue)
                if ready:
                    state = ("ready", ready)
                else:
                    unacked = self.mgmt_queue(self.queue).get(
                        "messages_unacknowledged")
                    if unacked != 0:
                        state = ("unacked", unacked)
                    else:
                        state = ("events", self.count())
            except Exception as e:  # noqa: BLE001
                state = ("error", repr(e))
            if state == ("events", expected_count):
                if stable_since is None:
                    stable_since = time.monotonic()
                elif time.monotonic() - stable_since >= stable_s:
                    return
            else:
                stable_since = None
            if time.monotonic() > deadline:
                pytest.fail(
                    f"not drained after {timeout}s: expected 0 ready, 0 "
                    f"unacked, {expected_count} events; last saw {state}",
                    pytrace=False)
            time.sleep(0.3)

    def wait_metric(self, weir, name, expected, timeout=15, **labels):
        """Waits until weir's metric `name` (summed over the samples whose
        labels include `labels`) equals `expected`: counters trail the data
        a little. Fails with the last value seen."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                v = weir.metric(name, **labels)
            except Exception as e:  # noqa: BLE001
                v = repr(e)
            if v == expected:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"{name}{labels or ''} is {v}, expected "
                            f"{expected} (waited {timeout}s)", pytrace=False)
            time.sleep(0.2)

    def wait_progress(self, weir, at_least, timeout, interval=0.1):
        """Waits until weir's weir_events_stored_total >= at_least (cheap,
        unlike counting the collection); returns the value seen."""
        return wait_until(
            lambda: (lambda v: v >= at_least and v)(
                weir.metric("weir_events_stored_total")),
            timeout, f"weir_events_stored_total >= {at_least}",
            interval=interval)

    def assert_exactly(self, expected_ids):
        ids = self.event_ids()
        assert len(ids) == len(set(ids)), "duplicate _id values in events"
        got, want = set(ids), set(expected_ids)
        missing, extra = want - got, got - want
        assert not missing and not extra, (
            f"stored {len(got)} events, expected {len(want)}; missing "
            f"{len(missing)} (e.g. {sorted(missing)[:5]}), unexpected "
            f"{len(extra)} (e.g. {sorted(extra)[:5]})")

    def wait_aggregates(self, timeout=20):
        """Recomputes the windows from `events` once, then polls
        `aggregates` until every doc is settled and equal to it."""
        events = list(self.db.events.find(
            {}, {"source": 1, "type": 1, "ts": 1, "value": 1}))
        expected = recompute_aggregates(events)
        deadline = time.monotonic() + timeout
        while True:
            docs = list(self.db.aggregates.find({}))
            problems = aggregate_problems(expected, docs)
            if not problems:
                return aggregate_snapshot(docs)
            if time.monotonic() > deadline:
                pytest.fail(
                    f"aggregates differ from a recomputation of "
                    f"{len(events)} events after {timeout}s "
                    f"({len(problems)} problems, {len(docs)} docs, "
                    f"{len(expected)} windows expected):\n  " +
                    "\n  ".join(problems[:15]), pytrace=False)
            time.sleep(0.25)

    # teardown
    def close(self, passed):
        for p in self.publishers:
            p.stop()
        for p in self.publishers:
            p.join(5)
        findings = [f"shutdown: {msg}" for msg in
                    (p.cleanup() for p in self.procs) if msg]
        findings += [f for p in self.procs for f in p.sanitizer_findings()]
        try:
            conn = self.amqp()
            ch = conn.channel()
            for q in (self.queue, self.dead_queue):
                ch.queue_delete(q)
            for x in (self.exchange, self.dlx):
                ch.exchange_delete(x)
            conn.close()
        except Exception:  # noqa: BLE001 - broker may be down after a failure
            pass
        if passed:
            try:
                self.mongo.drop_database(self.dbname)
            except Exception:  # noqa: BLE001
                pass
        self.mongo.close()
        return findings


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
    if rep.failed:
        for p in getattr(item, "_weir_procs", []):
            rep.sections.append((f"{p.label} stdout tail ({p.stdout_path})",
                                 p.tail("stdout")))
            rep.sections.append((f"{p.label} stderr tail ({p.stderr_path})",
                                 p.tail("stderr")))


@pytest.fixture(scope="session")
def stack_env():
    return _require(STACK_VARS)


@pytest.fixture
def world(stack_env, request):
    w = World(stack_env, request)
    yield w
    rep = getattr(request.node, "rep_call", None)
    passed = rep is not None and rep.passed
    findings = w.close(passed)
    if findings:
        pytest.fail("at teardown (weir must exit 0 within 10 s of SIGTERM; "
                    "no sanitizer reports):\n  " + "\n  ".join(findings[:20]),
                    pytrace=False)


class Stack:
    """scripts/stack, to stop and start the test servers."""

    def __init__(self, env):
        self.env = env

    def _run(self, *args, timeout=180):
        if not os.access(STACK, os.X_OK):
            pytest.fail(f"{STACK} is missing or not executable", pytrace=False)
        r = subprocess.run([str(STACK)] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            pytest.fail(f"scripts/stack {' '.join(map(str, args))} failed "
                        f"({r.returncode}):\n{r.stdout[-2000:]}\n"
                        f"{r.stderr[-2000:]}", pytrace=False)
        return r

    def rabbitmq(self, action):
        """scripts/stack rabbitmq start DIR PORTS... | stop DIR"""
        e = self.env
        if action == "start":
            return self._run("rabbitmq", "start", e["WEIR_TEST_RABBITMQ_DIR"],
                             e["WEIR_TEST_AMQP_PORT"], e["WEIR_TEST_MGMT_PORT"],
                             e["WEIR_TEST_PROM_PORT"], e["WEIR_TEST_DIST_PORT"])
        return self._run("rabbitmq", action, e["WEIR_TEST_RABBITMQ_DIR"])

    def ferretdb(self, action):
        """scripts/stack ferretdb start DIR PORT | stop DIR"""
        e = self.env
        if action == "start":
            return self._run("ferretdb", "start", e["WEIR_TEST_FERRET_DIR"],
                             e["WEIR_TEST_MONGO_PORT"])
        return self._run("ferretdb", action, e["WEIR_TEST_FERRET_DIR"])


@pytest.fixture
def stack(stack_env):
    return Stack(stack_env)


@pytest.fixture
def weir_bin():
    env = _require(("WEIR_BIN", "WEIR_TEST_STATE_DIR"))
    return env["WEIR_BIN"]
