"""weir over TLS only: a RabbitMQ and a FerretDB of this module's own, each
with its plain listener closed and a TLS listener that wants a client
certificate, signed by a private CA made at run time (tls_stack.py).

The pipeline runs over TLS (events stored, a bad one dead-lettered, POST
/v1/events published), and each way a certificate check can fail (wrong
CA, expired certificate, wrong host name, on either link) gives one clear
log line naming the link and the reason, /readyz 503 naming the
dependency, no crash, no busy loop, and recovery once the fault is gone.
"""
import json
import os
import secrets
import time
import types

import pika
import pymongo
import pytest
import requests

from checks import wait_until
from eventgen import invalid_msgs, make_events, make_invalid
from tls_stack import Certs, TlsFerret, TlsRabbit

TOKEN = "weir-tls-token-0123456789abcdef"
# Idle weir (ASan build) with a link that keeps failing: CPU seconds per
# wall second. A reconnect loop without backoff uses a whole core.
MAX_IDLE_CPU = 0.15


@pytest.fixture(scope="module")
def tls(stack_env):
    state = os.path.join(stack_env["WEIR_TEST_STATE_DIR"],
                         f"tls-{secrets.token_hex(3)}")
    certs = Certs(os.path.join(state, "certs"))
    rabbit = TlsRabbit(state, certs).start()
    ferret = None
    try:
        ferret = TlsFerret(state, certs).start()
        yield types.SimpleNamespace(certs=certs, rabbit=rabbit, ferret=ferret)
    finally:
        if ferret is not None:
            ferret.stop()
        rabbit.stop()


def tls_env(world, tls, **overrides):
    """weir's settings for the TLS servers, client certificates on both
    links (MongoDB's key in a file of its own, joined by weir)."""
    c = tls.certs
    tokens = world.state_dir / "api-tokens"
    tokens.write_text(TOKEN + "\n")
    env = {
        "RABBITMQ_URL": tls.rabbit.url(),
        "RABBITMQ_CA_FILE": c.ca, "RABBITMQ_CERT_FILE": c.client_crt,
        "RABBITMQ_KEY_FILE": c.client_key,
        "MONGODB_URI": tls.ferret.uri(),
        "MONGODB_CA_FILE": c.ca, "MONGODB_CERT_FILE": c.client_crt,
        "MONGODB_KEY_FILE": c.client_key,
        "WEIR_API_TOKENS_FILE": tokens,
    }
    env.update(overrides)
    return env


def log_lines(weir):
    out = []
    for line in weir.stdout_path.read_text("utf-8", "replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def group_cpu_seconds(pgid):
    """User + system CPU of every process in the group (threads included)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def test_plain_listeners_closed(tls):
    out = tls.rabbit.ctl("eval", "[P || {listener, _, P, _, _, _, _} <- "
                         "rabbit_networking:active_listeners()].")
    assert "'amqp/ssl'" in out and "[amqp" not in out and ",amqp" not in out, out
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(pika.ConnectionParameters(
            host="localhost", port=tls.rabbit.port, connection_attempts=1,
            socket_timeout=3, credentials=pika.PlainCredentials(
                "guest", "guest")))
    plain = pymongo.MongoClient("localhost", tls.ferret.port,
                                directConnection=True,
                                serverSelectionTimeoutMS=2000)
    with pytest.raises(pymongo.errors.PyMongoError):
        plain.admin.command("ping")
    plain.close()


def test_pipeline_over_tls_only(world, tls):
    weir = world.weir(**tls_env(world, tls))
    events = make_events(40, "tls-", rich=True)
    bad = make_invalid(1, "tls-")
    conn = tls.rabbit.connection()
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        for e in events:
            ch.basic_publish(world.exchange, "temperature.s", e.body,
                             pika.BasicProperties(delivery_mode=2),
                             mandatory=True)
        for m in invalid_msgs(bad):
            ch.basic_publish(world.exchange, m.routing_key, m.body,
                             m.properties, mandatory=True)
    finally:
        conn.close()
    r = requests.post(weir.url("/v1/events"), timeout=30, json=[
        {"id": "tls-post-1", "source": "api", "type": "t", "ts": 1700000000000},
        {"id": "tls-post-2", "source": "api", "type": "t", "ts": 1700000000001}],
        headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 202, r.text
    want = {e.id for e in events} | {"tls-post-1", "tls-post-2"}
    with tls.ferret.client() as db:
        events_coll = db[world.dbname].events
        wait_until(lambda: events_coll.count_documents({}) >= len(want), 60,
                   f"{len(want)} events stored over TLS")
        ids = [d["_id"] for d in events_coll.find({}, {"_id": 1})]
    assert sorted(ids) == sorted(want)

    def dead():
        conn = tls.rabbit.connection()
        try:
            return conn.channel().basic_get(world.dead_queue, auto_ack=True)
        finally:
            conn.close()
    method, props, _ = wait_until(lambda: (lambda g: g[0] and g)(dead()), 20,
                                  "a dead letter")
    assert props.headers["x-weir-error"] == bad[0].reason
    assert weir.metric("weir_events_stored_total") == len(want)


def _down_with(weir, link, needle, timeout=20):
    """Waits for the log line naming the link and the reason; returns it."""
    msg = {"amqp": "amqp connect failed", "mongodb": "mongodb unreachable"}
    line = wait_until(
        lambda: next((ln for ln in log_lines(weir)
                      if ln.get("msg") == msg[link]
                      and needle in ln.get("error", "")), None),
        timeout, f"a '{msg[link]}' log line with '{needle}'")
    r = weir.get("/readyz")
    assert r.status_code == 503, r.text
    assert r.json()["checks"][link] == "down", r.text
    return line


def _quiet_and_alive(weir, link, seconds=6):
    """No busy loop: little CPU while the link keeps failing, attempts
    spaced by the backoff; the process is still there."""
    before_cpu = group_cpu_seconds(weir.pid)
    before_n = sum(1 for ln in log_lines(weir)
                   if ln.get("msg") == "amqp connect failed")
    time.sleep(seconds)
    cpu = (group_cpu_seconds(weir.pid) - before_cpu) / seconds
    attempts = sum(1 for ln in log_lines(weir)
                   if ln.get("msg") == "amqp connect failed") - before_n
    assert weir.alive(), "weir exited"
    assert cpu < MAX_IDLE_CPU, f"{cpu:.2f} CPU s/s while {link} is down"
    # Two consumers, backoff doubling from 100 ms: a handful each.
    assert attempts <= 2 * 8, f"{attempts} AMQP attempts in {seconds} s"
    assert weir.get("/readyz").status_code == 503


# (link, case): the reason weir must log, the CA weir is given instead of
# the right one, the host it connects to instead of "localhost".
REFUSALS = {
    ("amqp", "wrong_ca"): ("not signed by a CA in RABBITMQ_CA_FILE",
                           "other_ca", None),
    ("amqp", "wrong_host"): ("does not name RABBITMQ_HOST", None,
                             "127.0.0.1"),
    ("mongodb", "wrong_ca"): ("unable to get local issuer certificate",
                              "other_ca", None),
    ("mongodb", "wrong_host"): ("IP address mismatch", None, "127.0.0.1"),
}


@pytest.mark.parametrize("link,case", sorted(REFUSALS))
def test_certificate_refused(world, tls, link, case):
    needle, ca, host = REFUSALS[(link, case)]
    env = tls_env(world, tls)
    if link == "amqp":
        ca_var, url_var, url = "RABBITMQ_CA_FILE", "RABBITMQ_URL", tls.rabbit.url
    else:
        ca_var, url_var, url = "MONGODB_CA_FILE", "MONGODB_URI", tls.ferret.uri
    if ca:
        env[ca_var] = getattr(tls.certs, ca)
    if host:
        env[url_var] = url(host)
    weir = world.weir(wait_ready=False, **env)
    line = _down_with(weir, link, needle)
    assert ("TLS certificate rejected" if link == "amqp" else
            "TLS handshake failed") in line["error"], line
    _quiet_and_alive(weir, link)


def test_expired_certificates_then_renewed(world, tls):
    """The servers present an expired certificate: weir says so and keeps
    trying with backoff; once renewed certificates are back it recovers
    without a restart."""
    try:
        tls.rabbit.serve_certificate(tls.certs.expired_crt)
        tls.ferret.restart(tls.certs.expired_crt)
        weir = world.weir(wait_ready=False, **tls_env(world, tls))
        _down_with(weir, "amqp", "certificate has expired")
        _down_with(weir, "mongodb", "certificate has expired")
        _quiet_and_alive(weir, "amqp and mongodb")
    finally:
        tls.rabbit.serve_certificate(tls.certs.server_crt)
        tls.ferret.restart()
    weir.wait_ready(30)
