"""The manifests' RabbitMQ settings on a real broker.

scripts/gen-secrets makes an overlay's users (a definitions file with
password hashes) and certificates; k8s/base/rabbitmq/rabbitmq.conf turns
the plain listener off, opens a TLS one and loads the definitions. Here a
private RabbitMQ (scripts/stack) runs with exactly those lines of the conf
(listeners, ssl_options, load_definitions; paths moved to its state dir,
the TLS listener on a free port of 127.0.0.1) and the generated files, and
the test checks what the manifests promise: weir's user may declare,
publish and consume only weir's names; the monitoring user reads queue
depths through the management API and cannot publish; no guest user; a
TLS handshake with the generated CA succeeds for the Service's names and
fails for another name.
"""
import pathlib
import re
import shutil
import socket
import ssl
import subprocess
from secrets import token_hex as secrets_hex

import pika
import pytest
import requests

from checks import free_port, wait_until
from tls_stack import REPO, _stack

CONF = REPO / "k8s" / "base" / "rabbitmq" / "rabbitmq.conf"
NAMES = ("events", "events.process", "events.dlx", "events.dead")


def _env(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="module")
def broker(stack_env):
    # Under the test stack's state dir: the broker may run as user rabbitmq.
    base = pathlib.Path(stack_env["WEIR_TEST_STATE_DIR"]) / f"k8s-rabbitmq-{secrets_hex(3)}"
    secrets = base / "secrets"
    subprocess.run([str(REPO / "scripts" / "gen-secrets"), "--dir", str(secrets), "dev"],
                   check=True, capture_output=True)
    d = base / "rabbitmq"
    (d / "tls").mkdir(parents=True)
    (d / "definitions").mkdir()
    for src, dst in (("ca.crt", "tls/ca.crt"), ("rabbitmq-tls.crt", "tls/tls.crt"),
                     ("rabbitmq-tls.key", "tls/tls.key"),
                     ("rabbitmq-definitions.json", "definitions/definitions.json")):
        shutil.copyfile(secrets / src, d / dst)
    ports = [free_port() for _ in range(4)]
    lines = [re.sub(r"/etc/rabbitmq/", f"{d}/", line) for line in CONF.read_text().splitlines()
             if re.match(r"(listeners|ssl_options|load_definitions)\b", line)]
    lines = [f"listeners.ssl.default = 127.0.0.1:{ports[0]}" if line.startswith("listeners.ssl.default")
             else line for line in lines]
    assert "listeners.tcp = none" in lines and any(line.startswith("load_definitions") for line in lines), lines
    (d / "extra.conf").write_text("\n".join(lines) + "\n")
    _stack("rabbitmq", "start", d, *ports)
    env = _env(secrets / "rabbitmq.env")
    yield {"dir": d, "port": ports[0], "mgmt": f"http://127.0.0.1:{ports[1]}/api", "ca": str(secrets / "ca.crt"),
           "weir": (env["username"], env["password"]),
           "monitoring": (env["monitoring-username"], env["monitoring-password"]),
           "admin": tuple(_env(secrets / "rabbitmq-admin.env").values())}
    _stack("rabbitmq", "stop", d)


def _connect(b, user, host="rabbitmq"):
    ctx = ssl.create_default_context(cafile=b["ca"])
    return pika.BlockingConnection(pika.ConnectionParameters(
        "127.0.0.1", b["port"], credentials=pika.PlainCredentials(*b[user]),
        ssl_options=pika.SSLOptions(ctx, host), connection_attempts=1, socket_timeout=5))


def _refused(conn, action):
    ch = conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        action(ch)
    assert e.value.reply_code == 403, e.value


@pytest.mark.parametrize("host", ["rabbitmq", "rabbitmq.data-processing.svc",
                                  "rabbitmq-2.rabbitmq-headless.data-processing.svc.cluster.local"])
def test_tls_handshake_with_the_generated_ca(broker, host):
    ctx = ssl.create_default_context(cafile=broker["ca"])
    with socket.create_connection(("127.0.0.1", broker["port"]), 5) as s, \
            ctx.wrap_socket(s, server_hostname=host) as t:
        assert t.version() in ("TLSv1.2", "TLSv1.3")


def test_tls_handshake_fails_for_a_wrong_host_name_and_plain_amqp(broker):
    ctx = ssl.create_default_context(cafile=broker["ca"])
    with socket.create_connection(("127.0.0.1", broker["port"]), 5) as s:
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            ctx.wrap_socket(s, server_hostname="mongodb.data-processing.svc")
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", broker["port"], credentials=pika.PlainCredentials(*broker["weir"]),
            connection_attempts=1, socket_timeout=3, blocked_connection_timeout=3))


def test_amqp_listens_over_tls_only(broker):
    r = requests.get(f"{broker['mgmt']}/overview", auth=broker["admin"], timeout=10)
    amqp = {li["protocol"] for li in r.json()["listeners"] if li["protocol"].startswith("amqp")}
    assert amqp == {"amqp/ssl"}, r.json()["listeners"]


def test_users_are_the_definitions_and_no_guest(broker):
    users = requests.get(f"{broker['mgmt']}/users", auth=broker["admin"], timeout=10)
    assert users.status_code == 200, users.text
    tags = {u["name"]: u["tags"] for u in users.json()}
    assert {k: sorted(v) if isinstance(v, list) else sorted(filter(None, v.split(",")))
            for k, v in tags.items()} == {"weir": [], "monitoring": ["monitoring"], "admin": ["administrator"]}


def test_weir_declares_publishes_and_consumes_its_names_only(broker):
    conn = _connect(broker, "weir")
    ch = conn.channel()
    ch.exchange_declare("events", "topic", durable=True)
    ch.exchange_declare("events.dlx", "topic", durable=True)
    ch.queue_declare("events.dead", durable=True)
    ch.queue_declare("events.process", durable=True, arguments={"x-dead-letter-exchange": "events.dlx"})
    ch.queue_bind("events.process", "events", "#")
    ch.queue_bind("events.dead", "events.dlx", "#")
    ch.confirm_delivery()
    ch.basic_publish("events", "k8s.test", b'{"n": 1}')
    method, _, body = wait_until(lambda: (lambda got: got[0] and got)(ch.basic_get("events.process")), 10,
                                 "the event in events.process")
    assert body == b'{"n": 1}'
    ch.basic_ack(method.delivery_tag)
    _refused(conn, lambda c: c.queue_declare("other.queue"))
    _refused(conn, lambda c: c.exchange_declare("other", "topic"))
    _refused(conn, lambda c: c.queue_bind("events.process", "amq.topic", "#"))
    ch = conn.channel()
    ch.confirm_delivery()
    with pytest.raises((pika.exceptions.ChannelClosedByBroker, pika.exceptions.UnroutableError)):
        ch.basic_publish("amq.topic", "x", b"not weir's")
    conn.close()
    r = requests.get(f"{broker['mgmt']}/queues", auth=broker["weir"], timeout=10)
    assert r.status_code == 401, "weir's user has no management access"


def test_monitoring_reads_queue_depth_and_cannot_publish(broker):
    conn = _connect(broker, "weir")
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("events.process", durable=True, passive=True)
    ch.basic_publish("events", "depth", b"{}")
    conn.close()
    q = f"{broker['mgmt']}/queues/%2F/events.process"
    depth = wait_until(lambda: requests.get(q, auth=broker["monitoring"], timeout=10).json().get("messages"),
                       15, "the management API's queue depth")
    assert depth >= 1
    mon = _connect(broker, "monitoring")
    _refused(mon, lambda c: (c.confirm_delivery(), c.basic_publish("events", "x", b"{}")))
    _refused(mon, lambda c: c.basic_get("events.process"))
    _refused(mon, lambda c: c.queue_declare(NAMES[1], durable=True))
    r = requests.post(f"{broker['mgmt']}/exchanges/%2F/events/publish", auth=broker["monitoring"], timeout=10,
                      json={"properties": {}, "routing_key": "x", "payload": "{}", "payload_encoding": "string"})
    # RabbitMQ 3.10 answers 400 with the broker's ACCESS_REFUSED.
    assert r.status_code in (401, 403) or "ACCESS_REFUSED" in r.text, r.text
