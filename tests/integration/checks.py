"""Pure helpers shared by the integration tests and conftest.py: waiting,
time conversion, Prometheus text parsing, JSON-log checking."""
import datetime
import json
import re
import socket
import time

import pytest


def wait_until(fn, timeout, what, interval=0.1):
    """Calls fn() until it returns something truthy; fails after `timeout`
    seconds saying `what` and the last value (or exception) seen."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - reported below
            last = e
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; "
                        f"last: {last!r}"[:4000], pytrace=False)
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def to_ms(dt):
    """A BSON date as pymongo returns it (naive UTC datetime) in epoch ms."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (dt - epoch) // datetime.timedelta(milliseconds=1)


_SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(?:\{(?P<labels>(?:\s*[a-zA-Z_][a-zA-Z0-9_]*\s*=\s*"(?:\\.|[^"\\])*"\s*,?)*)\s*\})?'
    r'\s+(?P<value>[-+]?(?:NaN|Inf|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?))'
    r'(?:\s+-?[0-9]+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:\\.|[^"\\])*)"')


def parse_metrics(text):
    """Prometheus text format -> {(name, frozenset(labels.items())): value}.
    Raises ValueError naming the first line that is not a valid sample."""
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"/metrics line {n} is not `name{{labels}} "
                             f"value`: {line!r}")
        labels = frozenset(_LABEL.findall(m.group("labels") or ""))
        out[(m.group("name"), labels)] = float(m.group("value"))
    return out


def json_lines(text):
    """Non-JSON lines of a log text (empty list when all lines are JSON
    objects)."""
    bad = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            if not isinstance(json.loads(line), dict):
                bad.append(line)
        except ValueError:
            bad.append(line)
    return bad


def readyz_json(weir):
    """(status code, parsed JSON body or the raw text) of GET /readyz."""
    r = weir.get("/readyz", timeout=5)
    try:
        return r.status_code, r.json()
    except ValueError:
        return r.status_code, r.text
