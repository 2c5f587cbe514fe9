"""Hostile AMQP messages for test_hostile.py: 10 000 malformed messages of
nine kinds (random bytes, invalid UTF-8, deep nesting, 1 MiB bodies, huge
numbers, duplicate keys, NUL bytes, non-JSON content types, 1 000
headers), each with the reason code weir must dead-letter it with, and a
sampler of weir's progress and memory."""
import json
import os
import random
import time
from typing import NamedTuple, Optional

import pika

from eventgen import nested, now_ms
from publisher import Msg


class Hostile(NamedTuple):
    kind: str
    reason: str
    body: bytes
    message_id: str
    content_type: Optional[str]
    headers: dict


def _event(**kw):
    d = {"source": "sensor-hostile", "type": "temperature",
         "ts": now_ms() - 5000, "value": 1.5}
    d.update(kw)
    return d


def _j(d):
    return json.dumps(d, separators=(",", ":")).encode()


def _random_bytes(rng, n):
    # A control character (not JSON white space) first: never JSON.
    lead = bytes([rng.choice([0x00, 0x01, 0x02, 0x07, 0x08, 0x7f, 0xff])])
    return "invalid_json", lead + rng.randbytes(rng.randrange(0, 4096))


_BAD_UTF8 = (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82",
             b"\xf8\x88\x80\x80\x80", b"\x80", b"\xf4\x90\x80\x80")


def _invalid_utf8(rng, n):
    bad = rng.choice(_BAD_UTF8)
    where = n % 3
    if where == 0:
        body = b'{"source":"s' + bad + b'","type":"t","ts":%d}' % now_ms()
    elif where == 1:
        body = b'{"source":"s","type":"t","ts":%d,"k' % now_ms() + bad + \
            b'":1}'
    else:
        body = b'{"source":"s","type":"t","ts":%d,"data":{"u":"' % now_ms() \
            + bad + b'"}}'
    return "invalid_json", body


def _deep(rng, n):
    k = n % 4
    if k == 0:      # past weir's 32 levels
        return "too_deep", _j(_event(data=nested(rng.randrange(33, 400), 1)))
    if k == 1:      # arrays count as levels too
        v = 1
        for _ in range(rng.randrange(40, 300)):
            v = [v]
        return "too_deep", _j(_event(data={"a": v}))
    if k == 2:      # past the JSON parser's own depth limit (2048)
        d = rng.randrange(2100, 6000)
        return "invalid_json", b'{"a":' * d + b"1" + b"}" * d
    d = rng.randrange(50, 1500)
    return "not_object", b"[" * d + b"]" * d


def _huge_body(rng, n):
    pad = "x" * (1024 * 1024 + rng.randrange(0, 1024))
    return "too_large", _j(_event(data={"pad": pad}))


def _huge_number(rng, n):
    k = n % 6
    if k == 0:
        return "invalid_json", b'{"source":"s","type":"t","ts":%d,' \
            b'"value":1e%d}' % (now_ms(), rng.randrange(309, 100000))
    if k == 1:
        return "invalid_json", b'{"source":"s","type":"t","ts":%d,' \
            b'"value":%d}' % (now_ms(), 10 ** rng.randrange(19, 400))
    if k == 2:
        return "timestamp_out_of_range", _j(_event(ts=2 ** 63 - 1))
    if k == 3:
        return "timestamp_out_of_range", _j(_event(ts=-(2 ** 63)))
    if k == 4:
        return "bad_timestamp", b'{"source":"s","type":"t","ts":1e%d}' % \
            rng.randrange(13, 300)
    return "invalid_json", _j(_event()).replace(
        b"}", b',"data":{"big":-%d}}' % (10 ** rng.randrange(19, 200)))


def _duplicate_keys(rng, n):
    k = n % 3
    if k == 0:
        return "invalid_json", b'{"source":"a","source":"b","type":"t",' \
            b'"ts":%d}' % now_ms()
    if k == 1:
        return "invalid_json", b'{"source":"s","type":"t","ts":%d,' \
            b'"data":{"k":1,"k":1}}' % now_ms()
    return "invalid_json", b'{"source":"s","type":"t","ts":%d,"ts":%d}' % (
        now_ms(), now_ms())


def _nul(rng, n):
    k = n % 4
    good = _j(_event())
    if k == 0:
        i = rng.randrange(1, len(good) - 1)
        return "invalid_json", good[:i] + b"\x00" + good[i:]
    if k == 1:
        return "invalid_json", b'{"source":"s\\u0000x","type":"t","ts":%d}' \
            % now_ms()
    if k == 2:
        return "invalid_json", b'{"source":"s","type":"t","ts":%d,' \
            b'"a\\u0000":1}' % now_ms()
    return "invalid_json", good + b"\x00"


_NOT_JSON = ("text/plain", "application/octet-stream",
             "application/x-protobuf", "application/xml", "text/csv",
             "application/json-seq", "text/json", "image/png")


def _content_type(rng, n):
    return "unsupported_content_type", _j(_event())


def _many_headers(rng, n):
    # The body is wrong in an ordinary way; the 1 000 headers must survive
    # the trip to the dead-letter queue.
    return "missing_field:source", _j({"type": "t", "ts": now_ms()})


# kind -> (builder, how many); 10 000 in all.
KINDS = {
    "random_bytes": (_random_bytes, 2000),
    "invalid_utf8": (_invalid_utf8, 1500),
    "deep_nesting": (_deep, 1500),
    "huge_body": (_huge_body, 50),
    "huge_number": (_huge_number, 1500),
    "duplicate_keys": (_duplicate_keys, 1500),
    "nul_bytes": (_nul, 1000),
    "content_type": (_content_type, 750),
    "many_headers": (_many_headers, 200),
}
HEADERS_PER_MESSAGE = 1000


def make_hostile(prefix, seed):
    rng = random.Random(seed)
    out = []
    for kind, (build, count) in KINDS.items():
        for n in range(count):
            reason, body = build(rng, n)
            ctype = "application/json"
            headers = {"x-test-kind": kind}
            if kind == "content_type":
                ctype = _NOT_JSON[n % len(_NOT_JSON)]
            elif kind == "random_bytes" and n % 2:
                ctype = None
            if kind == "many_headers":
                headers.update({"x-h-%d" % i: "v%d" % i
                                for i in range(HEADERS_PER_MESSAGE - 1)})
            out.append(Hostile(kind, reason, body, "%sbad-%s-%d" % (
                prefix, kind, n), ctype, headers))
    return out


def hostile_msgs(bads):
    return [Msg(b.body, "bad.%s" % b.kind,
                pika.BasicProperties(delivery_mode=2,
                                     content_type=b.content_type,
                                     message_id=b.message_id,
                                     headers=dict(b.headers)))
            for b in bads]


def mix(valid, bad, seed):
    """The valid messages in order, the bad ones spread among them."""
    rng = random.Random(seed)
    slots = sorted(rng.randrange(len(valid) + 1) for _ in bad)
    out, j = [], 0
    for i, v in enumerate(valid):
        while j < len(slots) and slots[j] == i:
            out.append(bad[j])
            j += 1
        out.append(v)
    out.extend(bad[j:])
    return out


def group_rss_kib(pgid):
    """Resident memory of every process in weir's process group (parent
    and workers), in KiB."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            if int(stat.rsplit(b")", 1)[1].split()[2]) != pgid:
                continue
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def sample_run(weir, stored_target, dead_target, timeout):
    """Polls weir until it stored `stored_target` events and dead-lettered
    `dead_target` messages. Returns [(t, stored, dead, rss_kib, ready)],
    ready being the queue's depth as weir last saw it."""
    samples = []
    deadline = time.monotonic() + timeout
    while True:
        m = weir.metrics()
        stored = sum(v for (n, _), v in m.items()
                     if n == "weir_events_stored_total")
        dead = sum(v for (n, _), v in m.items()
                   if n == "weir_dead_letters_total")
        ready = sum(v for (n, _), v in m.items()
                    if n == "weir_queue_depth")
        samples.append((time.monotonic(), stored, dead,
                        group_rss_kib(weir.pid), ready))
        if stored >= stored_target and dead >= dead_target:
            return samples
        if time.monotonic() > deadline:
            raise AssertionError(
                f"after {timeout}s weir stored {stored}/{stored_target} and "
                f"dead-lettered {dead}/{dead_target}")
        time.sleep(0.1)


def valid_rate(samples, total, lo=0.1, hi=0.9):
    """Events per second between lo*total and hi*total stored, the times
    interpolated between samples: start-up and the tail do not count."""
    def when(x):
        prev = samples[0]
        for s in samples[1:]:
            if s[1] >= x:
                if s[1] == prev[1]:
                    return s[0]
                return prev[0] + (s[0] - prev[0]) * (x - prev[1]) / (
                    s[1] - prev[1])
            prev = s
        raise AssertionError(f"never reached {x} stored")
    t0, t1 = when(lo * total), when(hi * total)
    return (hi - lo) * total / (t1 - t0)


def rss_halves(samples):
    """Peak RSS (KiB) in the first and second half of the run's time."""
    t0, t1 = samples[0][0], samples[-1][0]
    mid = (t0 + t1) / 2
    first = max(s[3] for s in samples if s[0] <= mid)
    second = max((s[3] for s in samples if s[0] > mid), default=first)
    return first, second
