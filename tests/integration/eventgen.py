"""Test events: valid ones with their expected stored form, and a catalogue
of invalid messages, each breaking exactly one rule of docs/design.md, with the
reason code weir must dead-letter it with."""
import datetime
import json
import random
import time
from typing import NamedTuple, Optional

import pika

from publisher import Msg

MINUTE_MS = 60_000


def now_ms():
    return int(time.time() * 1000)


def rfc3339(ms, offset_min=0, micro_extra=None, fraction=True):
    """`ms` (UTC epoch milliseconds) as RFC 3339 in the given offset.
    micro_extra (0..499) appends three more fraction digits, which weir must
    drop (they never round the millisecond up)."""
    tz = datetime.timezone(datetime.timedelta(minutes=offset_min))
    dt = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    dt = dt.astimezone(tz)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        s += ".%03d" % (ms % 1000)
        if micro_extra is not None:
            s += "%03d" % micro_extra
    if offset_min == 0:
        return s + "Z"
    sign = "+" if offset_min > 0 else "-"
    h, m = divmod(abs(offset_min), 60)
    return s + "%s%02d:%02d" % (sign, h, m)


class Ev(NamedTuple):
    id: str
    doc: dict              # what is published (JSON)
    ts_ms: int             # what ts must be stored as
    value: Optional[float]

    @property
    def body(self):
        return json.dumps(self.doc, separators=(",", ":"),
                          ensure_ascii=False).encode()


def nested(depth, leaf):
    """An object `depth` levels deep: {"a": {"a": ... leaf}}."""
    v = leaf
    for _ in range(depth):
        v = {"a": v}
    return v


def make_events(n, prefix, seed=1, sources=3, types=2, span_min=8,
                rich=True):
    """n valid events with ids prefix+'e<i>', ts spread over the last
    span_min minutes. rich=True varies ts formats, values, data and extra
    fields; rich=False makes small uniform events (for bulk tests)."""
    rng = random.Random(seed)
    base = now_ms() - (span_min + 1) * MINUTE_MS
    srcs = ["sensor-%d" % i for i in range(sources)]
    typs = ["temperature", "humidity", "pressure", "co2"][:types]
    out = []
    for i in range(n):
        ts_ms = base + rng.randrange(span_min * MINUTE_MS)
        ev_id = "%se%d" % (prefix, i)
        doc = {"id": ev_id, "source": srcs[i % len(srcs)],
               "type": typs[(i // len(srcs)) % len(typs)]}
        value = None
        if not rich:
            doc["ts"] = ts_ms
            value = float(rng.randrange(-4000, 4000)) / 4
            doc["value"] = value
            out.append(Ev(ev_id, doc, ts_ms, value))
            continue
        k = i % 8
        if k == 0:
            doc["ts"] = ts_ms
        elif k == 1:
            doc["ts"] = rfc3339(ts_ms)
        elif k == 2:
            doc["ts"] = rfc3339(ts_ms, offset_min=330)
        elif k == 3:
            doc["ts"] = rfc3339(ts_ms, offset_min=-480, micro_extra=rng.randrange(500))
        elif k == 4:
            ts_ms -= ts_ms % 1000
            doc["ts"] = rfc3339(ts_ms, offset_min=60, fraction=False)
        elif k == 5:
            # Within the allowed future skew (default 24 h).
            ts_ms = now_ms() + 3600_000 + rng.randrange(MINUTE_MS)
            doc["ts"] = rfc3339(ts_ms)
        else:
            doc["ts"] = ts_ms
        j = i % 7
        if j == 0:
            pass                                  # no value
        elif j == 1:
            value = rng.randrange(-50, 50)        # JSON integer
            doc["value"] = value
        elif j == 2:
            value = rng.randrange(-10**6, 10**6) / 8
            doc["value"] = value
        else:
            value = round(rng.uniform(-100, 100), 3)
            doc["value"] = value
        m = i % 5
        if m == 1:
            doc["data"] = {"unit": "°C", "ok": True, "none": None,
                           "list": [1, 2.5, "x", {"k": [True]}],
                           "big": 2**40 + i}
        elif m == 2:
            doc["data"] = nested(28, {"leaf": i})
        elif m == 3:
            doc["data"] = {}
        if i % 3 == 0:
            doc["unit"] = "celsius"
            doc["tags"] = ["a", "b", i]
            doc["meta"] = {"fw": "1.2.%d" % (i % 10), "ünïcode": "✓"}
        out.append(Ev(ev_id, doc, ts_ms,
                      None if value is None else float(value)))
    return out


def event_msgs(events, routing_key="temperature.sensor-1"):
    return [Msg(e.body, routing_key) for e in events]


# ---- invalid messages -----------------------------------------------------

def _valid_base(n):
    return {"n": n, "source": "sensor-bad", "type": "temperature",
            "ts": now_ms() - 5000, "value": 1.5}


def _j(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


def _with(n, **kw):
    d = _valid_base(n)
    for k, v in kw.items():
        if v is _DROP:
            d.pop(k, None)
        else:
            d[k] = v
    return _j(d)


_DROP = object()


def _with_key(n, key, value):
    d = _valid_base(n)
    d[key] = value
    return _j(d)


INVALID_CASES = [
    # (name, reason, body builder taking a nonce n)
    ("too_large", "too_large",
     lambda n: _with(n, data={"pad": "x" * 70000})),
    ("truncated_json", "invalid_json",
     lambda n: b'{"n":%d,"source":"s","type":"t","ts":1' % n),
    ("bad_utf8", "invalid_json",
     lambda n: b'{"n":%d,"source":"\xff\xfe","type":"t","ts":1700000000000}' % n),
    ("not_json", "invalid_json", lambda n: b"not json %d" % n),
    ("array", "not_object", lambda n: b"[%d,1,2]" % n),
    ("string", "not_object", lambda n: b'"just a string %d"' % n),
    ("id_number", "invalid_field:id", lambda n: _with(n, id=12345 + n)),
    ("id_empty", "invalid_field:id", lambda n: _with(n, id="")),
    ("id_too_long", "invalid_field:id", lambda n: _with(n, id="x" * 129)),
    ("id_control", "invalid_field:id", lambda n: _with(n, id="a\u0001b")),
    ("no_source", "missing_field:source", lambda n: _with(n, source=_DROP)),
    ("source_number", "invalid_field:source", lambda n: _with(n, source=17)),
    ("source_too_long", "invalid_field:source",
     lambda n: _with(n, source="s" * 129)),
    ("no_type", "missing_field:type", lambda n: _with(n, type=_DROP)),
    ("type_empty", "invalid_field:type", lambda n: _with(n, type="")),
    ("type_too_long", "invalid_field:type", lambda n: _with(n, type="t" * 65)),
    ("no_ts", "missing_field:ts", lambda n: _with(n, ts=_DROP)),
    ("ts_word", "bad_timestamp", lambda n: _with(n, ts="yesterday")),
    ("ts_no_offset", "bad_timestamp",
     lambda n: _with(n, ts="2024-01-01T00:00:00")),
    ("ts_float", "bad_timestamp",
     lambda n: b'{"n":%d,"source":"s","type":"t","ts":1700000000000.5}' % n),
    ("ts_bad_date", "bad_timestamp",
     lambda n: _with(n, ts="2024-02-30T00:00:00Z")),
    ("ts_negative", "timestamp_out_of_range", lambda n: _with(n, ts=-1000)),
    ("ts_far_future", "timestamp_out_of_range",
     lambda n: _with(n, ts=now_ms() + 3 * 86400_000)),
    ("ts_before_1970", "timestamp_out_of_range",
     lambda n: _with(n, ts="1969-12-31T23:59:59Z")),
    ("value_string", "invalid_field:value", lambda n: _with(n, value="12.5")),
    ("value_bool", "invalid_field:value", lambda n: _with(n, value=True)),
    ("data_array", "invalid_field:data", lambda n: _with(n, data=[1, 2])),
    ("data_string", "invalid_field:data", lambda n: _with(n, data="text")),
    ("too_deep", "too_deep", lambda n: _with(n, data=nested(40, 1))),
    ("key_dollar", "invalid_key", lambda n: _with(n, data={"$where": 1})),
    ("key_empty_nested", "invalid_key",
     lambda n: _with(n, data={"a": {"": 1}})),
    ("key_dollar_top", "invalid_key", lambda n: _with_key(n, "$bad", 1)),
    ("reserved_id", "reserved_field", lambda n: _with_key(n, "_id", "x")),
    ("reserved_received_at", "reserved_field",
     lambda n: _with_key(n, "received_at", "2024-01-01T00:00:00Z")),
    ("reserved_processor", "reserved_field",
     lambda n: _with_key(n, "processor", "me")),
]


class Bad(NamedTuple):
    name: str
    reason: str
    body: bytes
    message_id: str
    headers: dict


def make_invalid(m, prefix):
    """m invalid messages cycling through INVALID_CASES; each body unique,
    each with a message_id and custom headers to check they are kept."""
    out = []
    for n in range(m):
        name, reason, build = INVALID_CASES[n % len(INVALID_CASES)]
        out.append(Bad(name, reason, build(n),
                       "%sbad-%d" % (prefix, n),
                       {"x-test-case": name, "x-test-n": n}))
    return out


def invalid_msgs(bads):
    return [Msg(b.body, "bad.%s" % b.name,
                pika.BasicProperties(delivery_mode=2,
                                     content_type="application/json",
                                     message_id=b.message_id,
                                     headers=dict(b.headers)))
            for b in bads]
