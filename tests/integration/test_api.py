"""The HTTP API against real RabbitMQ and FerretDB: every route, with data
that went through the pipeline (AMQP -> weir -> MongoDB), pagination while
events keep arriving, rollups against a recomputation, POST -> stored,
errors as problem+json, auth, roles and route metrics."""
import concurrent.futures
import datetime
import math
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests

from checks import to_ms, wait_until
from conftest import recompute_aggregates
from eventgen import event_msgs, make_events, now_ms

PROBLEM = "application/problem+json"
WINDOWS = {"1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000}


def api_weir(world, token="weir-test-token-0123456789", **env):
    """A weir with an API token file; returns (weir, token)."""
    path = world.state_dir / "api-tokens"
    path.write_text("# test tokens\n" + token + "\n")
    path.chmod(0o600)
    return world.weir(WEIR_API_TOKENS_FILE=str(path), **env), token


def get(weir, path, params=None, token=None, method="GET"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, weir.url(path), params=params,
                            headers=headers, timeout=30)


def post(weir, body, token, raw=None):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if raw is not None:
        return requests.post(weir.url("/v1/events"), data=raw,
                             headers=headers, timeout=30)
    return requests.post(weir.url("/v1/events"), json=body, headers=headers,
                         timeout=30)


def problem(r, status, field=None):
    """Asserts r is a problem+json answer with `status` naming `field`."""
    assert r.status_code == status, f"{r.status_code} {r.text[:500]}"
    assert r.headers["Content-Type"].startswith(PROBLEM), r.headers
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    if field is not None:
        assert body.get("field") == field, body
        assert body.get("rule"), body
    return body


def all_pages(weir, params, token=None, on_page=None):
    """Follows next_cursor to the end; returns the items in order."""
    items, cursor, pages = [], None, 0
    while True:
        p = dict(params)
        if cursor:
            p["cursor"] = cursor
        r = get(weir, "/v1/events", p, token)
        assert r.status_code == 200, r.text[:500]
        body = r.json()
        assert body["count"] == len(body["items"]) <= body["limit"]
        items += body["items"]
        pages += 1
        if on_page:
            on_page(pages)
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 10_000, "pagination does not end"


def order_key(item):
    return (item["ts"], item["id"])


def ts_ms(s):
    """'2026-01-02T03:04:05.678Z' -> epoch ms."""
    return to_ms(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ"))


def rollup(events, width):
    """Expected API rows {(source, type, bucket): (count, values, sum, min,
    max)} from stored event documents."""
    out = {}
    for (src, typ, start), g in recompute_aggregates(events).items():
        key = (src, typ, start // width * width)
        o = out.setdefault(key, [0, 0, 0.0, None, None])
        o[0] += g["count"]
        o[1] += g["values"]
        o[2] += g["sum"]
        if g["values"]:
            o[3] = g["min"] if o[3] is None else min(o[3], g["min"])
            o[4] = g["max"] if o[4] is None else max(o[4], g["max"])
    return out


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


@pytest.fixture
def seeded(world):
    """weir (role all, API token) with 240 events stored via AMQP."""
    weir, token = api_weir(world)
    events = make_events(240, world.prefix, seed=7, sources=3, types=2)
    world.publish_sync(event_msgs(events))
    world.wait_drained(len(events))
    return weir, token, events


def test_events_filters_and_get(world, seeded):
    weir, token, events = seeded
    stored = {e.id: e for e in events}

    everything = all_pages(weir, {"limit": 1000})
    assert [i["id"] for i in everything] == \
        [i["id"] for i in sorted(everything, key=order_key, reverse=True)]
    assert {i["id"] for i in everything} == set(stored)

    src, typ = "sensor-1", "humidity"
    cut = sorted(e.ts_ms for e in events)[len(events) // 2]
    params = {"source": src, "type": typ, "from": cut - 120_000, "to": cut,
              "limit": 7}
    got = all_pages(weir, params)
    want = {e.id for e in events if e.doc["source"] == src and
            e.doc["type"] == typ and cut - 120_000 <= e.ts_ms < cut}
    assert [i["id"] for i in got] and {i["id"] for i in got} == want
    for i in got:
        assert (i["source"], i["type"]) == (src, typ)
    # RFC 3339 bounds with an offset select the same events.
    iso = {"source": src, "type": typ, "limit": 7,
           "from": _rfc3339(cut - 120_000, 90), "to": _rfc3339(cut, -300)}
    assert [i["id"] for i in all_pages(weir, iso)] == [i["id"] for i in got]
    # /data is the same query.
    r = get(weir, "/data", {"source": src, "type": typ, "limit": 1000})
    assert r.status_code == 200
    assert {i["id"] for i in r.json()["items"]} == {
        e.id for e in events if e.doc["source"] == src and
        e.doc["type"] == typ}

    one = events[3]
    r = get(weir, "/v1/events/" + urllib.parse.quote(one.id, safe=""))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["id"] == one.id and doc["source"] == one.doc["source"]
    assert doc["type"] == one.doc["type"] and doc["processor"]
    assert ts_ms(doc["ts"]) == one.ts_ms
    if one.value is not None:
        assert close(doc["value"], one.value)
    for k in ("received_at", "processed_at"):
        assert doc[k].endswith("Z"), doc
    problem(get(weir, "/v1/events/no-such-" + world.prefix), 404, "id")


def _rfc3339(ms, offset_min):
    tz = datetime.timezone(datetime.timedelta(minutes=offset_min))
    dt = datetime.datetime.fromtimestamp(ms / 1000, tz)
    return dt.isoformat(timespec="milliseconds")


def test_pagination_with_concurrent_inserts(world):
    weir, _ = api_weir(world)
    first = make_events(600, world.prefix + "a", seed=3, rich=False)
    world.publish_sync(event_msgs(first))
    world.wait_drained(len(first))
    # Newer and older events arrive while we page: keyset pagination must
    # still return every event that was there, once, in order.
    later = make_events(400, world.prefix + "b", seed=4, rich=False)
    pub = world.publisher(event_msgs(later), start=False, rate=400)
    pages = all_pages(weir, {"limit": 37},
                      on_page=lambda n: n == 2 and pub.start())
    pub.wait(60)
    ids = [i["id"] for i in pages]
    assert len(ids) == len(set(ids)), "an event appeared on two pages"
    keys = [order_key(i) for i in pages]
    assert keys == sorted(keys, reverse=True), "pages are not newest first"
    missing = {e.id for e in first} - set(ids)
    assert not missing, f"{len(missing)} stored events skipped: " \
        f"{sorted(missing)[:5]}"
    world.wait_drained(len(first) + len(later))
    assert len(all_pages(weir, {"limit": 1000})) == len(first) + len(later)


def test_aggregates_equal_recomputation(world, seeded):
    weir, _, _ = seeded
    world.wait_aggregates()
    docs = list(world.db.events.find({}, {"source": 1, "type": 1, "ts": 1,
                                          "value": 1}))
    for name, width in WINDOWS.items():
        r = get(weir, "/v1/aggregates", {"window": name, "from": 0,
                                         "to": now_ms() + 7_200_000})
        assert r.status_code == 200, r.text[:500]
        body = r.json()
        assert body["window"] == name
        rows = {(i["source"], i["type"], ts_ms(i["window_start"])): i
                for i in body["items"]}
        want = rollup(docs, width)
        assert set(rows) == set(want), name
        for key, (count, values, total, lo, hi) in want.items():
            row = rows[key]
            assert ts_ms(row["window_end"]) - key[2] == width
            assert (row["count"], row["values"]) == (count, values), key
            assert close(row["sum"], total), (key, row)
            if values:
                assert close(row["min"], lo) and close(row["max"], hi)
                assert close(row["avg"], total / values)
            else:
                assert row["min"] is None and row["avg"] is None
    r = get(weir, "/v1/aggregates", {"window": "5m", "source": "sensor-2",
                                     "type": "temperature", "from": 0})
    assert r.status_code == 200
    assert r.json()["items"] and all(
        (i["source"], i["type"]) == ("sensor-2", "temperature")
        for i in r.json()["items"])


def test_post_stored_and_rejections(world):
    weir, token = api_weir(world)
    ts = now_ms() - 5_000
    one = {"id": world.prefix + "p/1 %?#", "source": "api", "type": "t",
           "ts": ts, "value": 1.25, "data": {"k": [1, "x"]}, "extra": True}
    r = post(weir, one, token)
    assert r.status_code == 202, r.text
    assert r.json() == {"accepted": 1, "ids": [one["id"]]}
    batch = [{"source": "api", "type": "u", "ts": ts + i, "value": i}
             for i in range(50)]
    r = post(weir, batch, token)
    assert r.status_code == 202, r.text
    ids = r.json()["ids"]
    assert len(ids) == 50 and len(set(ids)) == 50
    world.wait_drained(51)
    doc = world.db.events.find_one({"_id": one["id"]})
    assert doc["value"] == 1.25 and doc["extra"] is True and doc["data"] == {
        "k": [1, "x"]}
    assert set(world.event_ids()) == set(ids) | {one["id"]}
    r = get(weir, "/v1/events/" + urllib.parse.quote(one["id"], safe=""))
    assert r.status_code == 200 and r.json()["id"] == one["id"], r.text
    # In a path '+' is itself, not a space.
    plus = {"id": world.prefix + "a+b", "source": "api", "type": "t",
            "ts": ts}
    assert post(weir, plus, token).status_code == 202
    world.wait_drained(52)
    r = get(weir, "/v1/events/" + plus["id"])
    assert r.status_code == 200 and r.json()["id"] == plus["id"], r.text
    # Reposting the same events stores nothing new.
    assert post(weir, batch, token).json()["ids"] == ids
    world.wait_drained(52)

    # One bad event rejects the batch: every problem listed, nothing queued.
    bad = [{"source": "api", "type": "t", "ts": ts, "id": world.prefix + "ok"},
           {"type": "t", "ts": ts},
           {"source": "api", "type": "t", "ts": "yesterday"},
           {"source": "api", "type": "t", "ts": ts, "$set": 1}]
    body = problem(post(weir, bad, token), 400, "body[1].source")
    assert [(e["index"], e["reason"], e["field"]) for e in body["errors"]] == [
        (1, "missing_field:source", "source"), (2, "bad_timestamp", "ts"),
        (3, "invalid_key", "data")]
    problem(post(weir, None, token, raw=b'{"source": '), 400, "body")
    problem(post(weir, None, token, raw=b"[]"), 400, "body")
    problem(post(weir, None, token, raw=b"42"), 400, "body")
    problem(post(weir, [{"source": "a", "type": "t", "ts": 1}] * 1001, token),
            413, "body")
    problem(post(weir, None, token, raw=b" " * (1024 * 1024 + 1)), 413, "body")
    problem(post(weir, one, None), 401, "authorization")
    problem(post(weir, one, "wrong-token-0123456789"), 401, "authorization")
    world.wait_drained(52)
    assert world.db.events.find_one({"_id": world.prefix + "ok"}) is None


class SilentBroker(threading.Thread):
    """A TCP port that accepts connections and never answers, as a hung
    broker does."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []

    def run(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_post_503_without_broker(world):
    """The broker does not answer: POST says 503 (never 202), reads work."""
    broker = SilentBroker()
    broker.start()
    path = world.state_dir / "api-tokens"
    path.write_text("weir-test-token-0123456789\n")
    try:
        weir = world.weir(wait_ready=False, WEIR_ROLE="api",
                          RABBITMQ_PORT=broker.port,
                          WEIR_API_TOKENS_FILE=str(path))
        wait_until(lambda: get(weir, "/healthz").status_code == 200, 30,
                   "weir /healthz")
        t0 = time.monotonic()
        r = post(weir, {"source": "a", "type": "t", "ts": now_ms()},
                 "weir-test-token-0123456789")
        body = problem(r, 503)
        assert time.monotonic() - t0 < 20
        assert r.headers.get("Retry-After") == "1", r.headers
        assert "login" in body["detail"] or "connect" in body["detail"], body
        assert get(weir, "/v1/events").status_code == 200
    finally:
        broker.close()


def test_roles_auth_stats_errors_metrics(world):
    # role=api: serves the API, consumes nothing; a POST waits in the queue.
    weir, token = api_weir(world, WEIR_ROLE="api",
                           WEIR_API_READ_AUTH="token")
    r = post(weir, {"source": "a", "type": "t", "ts": now_ms()}, token)
    assert r.status_code == 202, r.text
    wait_until(lambda: world.ready_count(world.queue) == 1, 10,
               "the POSTed event in the queue")
    assert world.count() == 0
    # Reads need the token here; the ops routes do not.
    problem(get(weir, "/v1/events"), 401, "authorization")
    problem(get(weir, "/data", token="nope-nope-nope-nope"), 401)
    assert get(weir, "/v1/events", token=token).status_code == 200
    assert get(weir, "/healthz").status_code == 200
    assert get(weir, "/health").json() == {"status": "ok"}
    spec = get(weir, "/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.1")

    stats = get(weir, "/v1/stats", token=token).json()
    assert stats["role"] == "api" and stats["events"]["stored"] == 0
    assert stats["consumers"] == {"connected": 0, "wanted": 0}
    assert stats["uptime_seconds"] > 0 and stats["version"]
    assert set(stats["totals"]["dead_letters_by_reason"]) >= {
        "invalid_json", "missing_field:source"}

    # Bad input: 400 naming the field, 404, 405 with Allow, never 5xx.
    for path, params, field in [
            ("/v1/events", {"limit": 0}, "limit"),
            ("/v1/events", {"limit": "x"}, "limit"),
            ("/v1/events", {"from": "tomorrow"}, "from"),
            ("/v1/events", {"from": 5, "to": 5}, "from"),
            ("/v1/events", {"cursor": "not-a-cursor"}, "cursor"),
            ("/v1/events", {"colour": "red"}, "colour"),
            ("/v1/events", {"source": "x" * 129}, "source"),
            ("/v1/aggregates", {"window": "2m"}, "window"),
            ("/v1/stats", {"x": 1}, "x")]:
        problem(get(weir, path, params, token), 400, field)
    problem(get(weir, "/v1/events/" + "x" * 129, token=token), 400, "id")
    problem(get(weir, "/no/such/route"), 404)
    for path, allow in [("/v1/events", "GET, HEAD, POST"),
                        ("/v1/events/x", "GET, HEAD"),
                        ("/v1/aggregates", "GET, HEAD"),
                        ("/v1/stats", "GET, HEAD"), ("/data", "GET, HEAD"),
                        ("/health", "GET, HEAD"),
                        ("/openapi.json", "GET, HEAD")]:
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            r = get(weir, path, token=token, method=method)
            problem(r, 405, "method")
            assert r.headers["Allow"] == allow
    # Kore itself answers methods it does not parse (TRACE) with 400.
    assert get(weir, "/v1/events", method="TRACE").status_code == 400

    text = get(weir, "/metrics").text
    for route in ("/v1/events", "/v1/events/{id}", "/v1/aggregates",
                  "/v1/stats", "/data", "/health", "/openapi.json"):
        assert f'weir_http_requests_total{{route="{route}"' in text, route
        assert f'weir_http_request_duration_seconds_count{{route="{route}"}}' \
            in text, route
    assert 'route="/v1/events",method="POST",code="202"' in text
    assert 'route="/v1/events",method="GET",code="401"' in text

    # role=processor serves no API routes.
    proc = world.weir(WEIR_ROLE="processor")
    problem(get(proc, "/v1/events"), 404)
    assert get(proc, "/healthz").status_code == 200


def test_slow_queries_do_not_stall_the_event_loop(world, seeded):
    """Aggregates over every window run in tasks; /healthz still answers
    at once while they are in flight."""
    weir, _, _ = seeded
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futs = [pool.submit(get, weir, "/v1/aggregates",
                            {"window": "1m", "from": 0}) for _ in range(16)]
        time.sleep(0.05)
        worst = 0.0
        for _ in range(10):
            t0 = time.monotonic()
            assert get(weir, "/healthz").status_code == 200
            worst = max(worst, time.monotonic() - t0)
        codes = [f.result().status_code for f in futs]
    assert set(codes) == {200}, codes
    assert worst < 0.5, f"/healthz took {worst:.3f}s beside 16 queries"


@pytest.mark.parametrize("content", [None, "short\n", "# only a comment\n",
                                     "has a space in it 0123\n"],
                         ids=["missing", "short", "empty", "space"])
def test_bad_tokens_file(world, weir_bin, content):
    """A tokens file weir cannot use stops it at start: exit 2, one stderr
    line naming WEIR_API_TOKENS_FILE (also for check-config)."""
    path = world.state_dir / "tokens"
    if content is not None:
        path.write_text(content)
    env = world.weir_env(WEIR_API_TOKENS_FILE=str(path))
    for args in ([], ["check-config"]):
        r = subprocess.run([weir_bin] + args, env=env, capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2, (r.returncode, r.stderr[-500:])
        assert len(lines) == 1 and "WEIR_API_TOKENS_FILE" in lines[0], lines
