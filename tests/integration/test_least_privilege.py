"""Least privilege on the broker: weir needs configure, write and read on
its own exchanges and queues and nothing else; without one of the three it
says at start which permission it lacks, on which exchange or queue; the
monitoring user (KEDA, Prometheus) can look at queues and do nothing else.

The test stack's weir user (scripts/lib/rabbitmq.sh rabbitmq_app_users)
already runs every other integration test; here each test makes a user
whose permissions match one world's names exactly.
"""
import json
import re
import secrets
import urllib.parse

import pika
import pytest
import requests

from checks import wait_until
from eventgen import event_msgs, invalid_msgs, make_events, make_invalid
from publisher import connection_parameters

KINDS = ("configure", "write", "read")
TOKEN = "weir-lp-token-0123456789abcdef"


def _mgmt(world, method, path, body=None, auth=("guest", "guest")):
    r = requests.request(method, f"http://127.0.0.1:{world.mgmt_port}/api"
                         f"{path}", json=body, auth=auth, timeout=10)
    return r


def names_re(world):
    """Exactly this world's two exchanges and two queues."""
    return "^" + re.escape(world.prefix) + r"events(\.process|\.dlx|\.dead)?$"


@pytest.fixture
def lp_user(world):
    """A user of its own: (name, password, grant(configure, write, read))."""
    name = f"lp-{secrets.token_hex(4)}"
    password = secrets.token_hex(16)
    r = _mgmt(world, "PUT", f"/users/{name}",
              {"password": password, "tags": ""})
    assert r.status_code in (201, 204), r.text

    def grant(**perms):
        r = _mgmt(world, "PUT", f"/permissions/%2F/{name}", perms)
        assert r.status_code in (201, 204), r.text
    yield name, password, grant
    _mgmt(world, "DELETE", f"/users/{name}")


def _weir(world, user, password, **env):
    tokens = world.state_dir / "api-tokens"
    tokens.write_text(TOKEN + "\n")
    return world.weir(RABBITMQ_USERNAME=user, RABBITMQ_PASSWORD=password,
                      WEIR_API_TOKENS_FILE=str(tokens), **env)


def test_weir_runs_with_exactly_its_permissions(world, lp_user):
    user, password, grant = lp_user
    exact = names_re(world)
    grant(configure=exact, write=exact, read=exact)
    weir = _weir(world, user, password)
    events = make_events(30, "lp-")
    bad = make_invalid(1, "lp-")
    world.publish_sync(event_msgs(events) + invalid_msgs(bad))
    r = requests.post(weir.url("/v1/events"), timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"},
                      json={"id": "lp-post", "source": "api", "type": "t",
                            "ts": 1700000000000})
    assert r.status_code == 202, r.text
    world.wait_drained(len(events) + 1)
    world.assert_exactly([e.id for e in events] + ["lp-post"])
    dead = world.get_all(world.dead_queue, expect=1)
    assert [p.headers["x-weir-error"] for p, _ in dead] == [bad[0].reason]
    perms = _mgmt(world, "GET", f"/users/{user}/permissions").json()
    assert [(p["configure"], p["write"], p["read"]) for p in perms] == \
        [(exact, exact, exact)]


@pytest.mark.parametrize("kind", KINDS)
def test_missing_permission_is_named(world, lp_user, kind):
    """Each of the three is needed, and its absence is one line naming the
    permission, the exchange or queue, and the user."""
    user, password, grant = lp_user
    perms = {k: names_re(world) for k in KINDS}
    perms[kind] = "^$"
    grant(**perms)
    weir = _weir(world, user, password, wait_ready=False)
    want = f"permission missing: user '{user}' has no {kind} permission on "

    def refused():
        for line in weir.stdout_path.read_text().splitlines():
            doc = json.loads(line) if line.startswith("{") else {}
            if doc.get("msg") == "amqp connect failed" and \
                    want in doc.get("error", ""):
                return doc["error"]
        return None
    error = wait_until(refused, 20, f"a log line with '{want}'")
    assert re.search(r"(exchange|queue) '" + re.escape(world.prefix) +
                     r"events[a-z.]*' in vhost '/'", error), error
    r = weir.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["amqp"] == "down", \
        r.text


def test_monitoring_user_only_looks(world):
    """What KEDA does (queue length over the management API) works; taking,
    publishing or declaring does not."""
    password = world.rabbitmq_password("monitoring")
    conn = world.amqp()
    conn.channel().queue_declare(world.queue, durable=True, arguments={
        "x-queue-type": "quorum"})
    conn.close()
    q = urllib.parse.quote(world.queue, safe="")
    r = _mgmt(world, "GET", f"/queues/%2F/{q}", auth=("monitoring", password))
    assert r.status_code == 200 and r.json()["name"] == world.queue, r.text
    params = connection_parameters(world.amqp_port)
    params.credentials = pika.PlainCredentials("monitoring", password)
    attempts = {
        "get": lambda ch: ch.basic_get(world.queue),
        "publish": lambda ch: (ch.confirm_delivery(), ch.basic_publish(
            "amq.topic", "x", b"{}", mandatory=False)),
        "declare": lambda ch: ch.queue_declare(world.prefix + "mine"),
    }
    for what, attempt in attempts.items():
        conn = pika.BlockingConnection(params)
        try:
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
                attempt(conn.channel())
            assert e.value.reply_code == 403, (what, e.value)
        finally:
            if conn.is_open:
                conn.close()
    r = _mgmt(world, "GET", "/whoami", auth=("weir",
                                             world.rabbitmq_password("weir")))
    assert r.status_code == 401, "weir's user must have no management access"
