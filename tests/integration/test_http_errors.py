"""Every error answer in one form: the requests Kore refuses itself (long
request line, large body, malformed request, unsupported version, ...) get
application/problem+json like weir's own errors (src/http/http_errors.c).
Each request goes over a raw socket, as a client that breaks the rules
would send it."""
import json
import socket

import pytest

PROBLEM = "application/problem+json"


def raw(port, request, timeout=10):
    """Sends `request` and reads until the server closes (or stops
    talking); returns (status, headers dict, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if _complete(data):
                    break
        except (ConnectionResetError, socket.timeout):
            pass
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, f"no complete answer to {request[:80]!r}: {data[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def _complete(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return len(body) >= int(v)
    return False


BIG_PATH = b"/v1/events?source=" + b"s" * 3000

# (name, request, status, field): one case per answer Kore writes itself.
KORE_CASES = [
    ("uri_too_long", b"GET " + BIG_PATH + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     414, "path"),
    ("body_too_large", b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n{",
     413, "body"),
    ("garbage", b"GARBAGE\r\n\r\n", 400, "request"),
    ("no_host", b"GET /v1/events HTTP/1.1\r\nAccept: */*\r\n\r\n", 400,
     "request"),
    ("unknown_method", b"BREW /v1/events HTTP/1.1\r\nHost: x\r\n\r\n", 400,
     "request"),
    ("header_without_colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
     b"Broken Header\r\n\r\n", 400, "request"),
    ("empty_header_value", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
     b"X-Empty:\r\n\r\n", 400, "request"),
    ("http_2_0", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505,
     "version"),
    ("http_0_9_style", b"GET /healthz FOO/1.1\r\nHost: x\r\n\r\n", 505,
     "version"),
    ("put_over_http_1_0", b"PUT /v1/events HTTP/1.0\r\nHost: x\r\n"
     b"Content-Length: 2\r\n\r\n{}", 405, "method"),
    ("chunked_body", b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 411,
     "content-length"),
    ("bad_content_length", b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: -5\r\n\r\n", 411, "content-length"),
]


def check_problem(name, status, headers, body, want_status, want_field):
    assert status == want_status, f"{name}: status {status}, body {body!r}"
    assert headers.get("content-type") == PROBLEM, \
        f"{name}: content-type {headers.get('content-type')!r}"
    assert int(headers.get("content-length", -1)) == len(body), \
        f"{name}: content-length {headers.get('content-length')} for " \
        f"{len(body)} bytes"
    doc = json.loads(body)
    assert doc["status"] == want_status, f"{name}: {doc}"
    assert doc["type"] == "about:blank" and doc["title"] and doc["detail"], \
        f"{name}: {doc}"
    if want_field is not None:
        assert doc.get("field") == want_field and doc.get("rule"), \
            f"{name}: field {doc.get('field')!r} (want {want_field!r}), " \
            f"rule {doc.get('rule')!r}"
    return doc


@pytest.fixture
def weir_port(world):
    return world.weir().http_port


@pytest.mark.parametrize("name,request_bytes,status,field", KORE_CASES,
                         ids=[c[0] for c in KORE_CASES])
def test_kore_errors_are_problems(weir_port, name, request_bytes, status,
                                  field):
    got = raw(weir_port, request_bytes)
    doc = check_problem(name, *got, status, field)
    # The reason phrase is the problem's title, not Kore's older wording.
    assert doc["title"] != "", doc


def test_limits_are_named(weir_port):
    """The rules quote the limits Kore applies: a path just under the
    limit reaches weir (its own 400 names the parameter), one byte more
    gets Kore's 414."""
    _, _, body = raw(weir_port, b"GET " + BIG_PATH + b" HTTP/1.1\r\n"
                     b"Host: x\r\n\r\n")
    rule = json.loads(body)["rule"]
    limit = int(rule.split()[4])          # "must be shorter than N bytes"
    base = b"/v1/events?source="
    ok = base + b"s" * (limit - 1 - len(base))
    status, headers, body = raw(weir_port, b"GET " + ok + b" HTTP/1.1\r\n"
                                b"Host: x\r\nConnection: close\r\n\r\n")
    check_problem("path at the limit", status, headers, body, 400, "source")
    status, headers, body = raw(weir_port, b"GET " + ok + b"s HTTP/1.1\r\n"
                                b"Host: x\r\n\r\n")
    check_problem("path over the limit", status, headers, body, 414, "path")


def test_head_gets_no_body(weir_port):
    status, headers, body = raw(weir_port, b"HEAD /healthz HTTP/2.0\r\n"
                                b"Host: x\r\n\r\n", timeout=5)
    assert status == 505 and headers.get("content-type") == PROBLEM, headers
    assert int(headers["content-length"]) > 0 and body == b"", (headers, body)


def test_weir_errors_same_form(weir_port):
    """weir's own answers, for comparison: the same type, the same keys."""
    cases = [
        (b"GET /no/such/route HTTP/1.1\r\nHost: x\r\nConnection: close"
         b"\r\n\r\n", 404, None),
        (b"DELETE /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close"
         b"\r\n\r\n", 405, "method"),
        (b"GET /v1/events?limit=0 HTTP/1.1\r\nHost: x\r\nConnection: close"
         b"\r\n\r\n", 400, "limit"),
        (b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
         b"Connection: close\r\n\r\n{}", 401, None),
    ]
    for req, status, field in cases:
        check_problem(req[:20], *raw(weir_port, req), status, field)


def test_kore_errors_counted(world):
    weir = world.weir()
    before = weir.metric("weir_http_requests_total", route="other",
                         method="OTHER")
    for _name, req, _status, _field in KORE_CASES[:4]:
        raw(weir.http_port, req)
    after = weir.metric("weir_http_requests_total", route="other",
                        method="OTHER")
    assert after - before == 4, (before, after)
