"""events.py - publishes weir test events and reads dead letters; run inside the NixOS test VMs.

  python3 events.py publish --first N --count C [--invalid] [--resend]
  python3 events.py dead --expect K      (prints the dead letters' reasons as JSON)

Connection: --host, --port, --user and --password-file (no default password);
--exchange and --dead-queue name weir's topology (default events, events.dead).
"""
import argparse
import json
import sys
import time

import pika

# Each invalid body and the reason weir must dead-letter it with (src/base/reason.c).
INVALID = [
    (b"{not json", "invalid_json"),
    (b"[1, 2, 3]", "not_object"),
    (json.dumps({"id": "bad-1", "type": "t", "ts": 1700000000000}).encode(), "missing_field:source"),
    (json.dumps({"id": "bad-2", "source": "s", "ts": 1700000000000}).encode(), "missing_field:type"),
    (json.dumps({"id": "bad-3", "source": "s", "type": "t", "ts": "yesterday"}).encode(), "bad_timestamp"),
]


def event(i):
    return {
        "id": f"ev-{i:06d}",
        "source": f"sensor-{i % 5}",
        "type": "temperature",
        "ts": int(time.time() * 1000),
        "value": i * 0.5,
    }


def connect(args):
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().strip()
    params = pika.ConnectionParameters(
        host=args.host, port=args.port,
        credentials=pika.PlainCredentials(args.user, password),
        heartbeat=30, blocked_connection_timeout=60)
    return pika.BlockingConnection(params)


def publish(args):
    conn = connect(args)
    ch = conn.channel()
    # Publisher confirms: a message counts as sent only once the broker has it.
    ch.confirm_delivery()
    props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    bodies = [json.dumps(event(i)).encode() for i in range(args.first, args.first + args.count)]
    if args.resend:
        # The first ten again: at-least-once delivery must not store them twice.
        bodies += bodies[:10]
    if args.invalid:
        bodies += [b for b, _ in INVALID]
    for body in bodies:
        ch.basic_publish(args.exchange, "sensor.temperature", body, props, mandatory=True)
    conn.close()
    print(json.dumps({"published": len(bodies)}))


def dead(args):
    conn = connect(args)
    ch = conn.channel()
    got = []
    deadline = time.time() + 120
    while len(got) < args.expect and time.time() < deadline:
        method, props, body = ch.basic_get(args.dead_queue, auto_ack=True)
        if method is None:
            time.sleep(0.5)
            continue
        headers = props.headers or {}
        got.append({
            "reason": str(headers.get("x-weir-error", "")),
            "detail": str(headers.get("x-weir-detail", "")),
            "body": body.decode("utf-8", "replace"),
        })
    conn.close()
    print(json.dumps(got))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["publish", "dead", "reasons"])
    p.add_argument("--host", default="rabbitmq")
    p.add_argument("--port", type=int, default=5672)
    p.add_argument("--user", default="weir")
    p.add_argument("--password-file", default="/run/secrets/rabbitmq-password")
    p.add_argument("--exchange", default="events")
    p.add_argument("--dead-queue", default="events.dead")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--invalid", action="store_true")
    p.add_argument("--resend", action="store_true")
    p.add_argument("--expect", type=int, default=len(INVALID))
    args = p.parse_args()
    if args.command == "publish":
        publish(args)
    elif args.command == "dead":
        dead(args)
    else:
        print(json.dumps(sorted(r for _, r in INVALID)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
