#!/usr/bin/python3
# scripts/demo-publisher.py - publish a steady synthetic event stream to weir's RabbitMQ exchange.
# Persistent messages with publisher confirms; about 5 % are deliberately invalid (see --help).
"""Publish synthetic sensor events to the `events` topic exchange.

Valid events look like
  {"id": "demo-...", "source": "sensor-3", "type": "temperature",
   "ts": "2026-01-01T12:00:00.000+00:00", "value": 21.4, "data": {...}}
and are routed with key "<type>.<source>". A share of the messages breaks one
of weir's rules (missing source, bad ts, not JSON, ...) so the dead-letter path
has something to show. One status line per second; stops on Ctrl-C or after
--duration seconds. Uses Debian's python3-pika.
"""

import argparse
import json
import math
import os
import random
import ssl
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import pika
from pika.exceptions import (AMQPChannelError, AMQPConnectionError,
                             ChannelClosedByBroker, NackError, UnroutableError)

SOURCES = ["sensor-%d" % i for i in range(1, 6)]
TYPES = {
    # type: (unit, start value, random-walk step, lower, upper)
    "temperature": ("celsius", 21.0, 0.3, -20.0, 45.0),
    "humidity": ("percent", 45.0, 1.0, 0.0, 100.0),
    "pressure": ("hPa", 1013.0, 0.5, 950.0, 1060.0),
}


def rfc3339_now(offset=timedelta(0)):
    return (datetime.now(timezone.utc) + offset).isoformat(timespec="milliseconds")


class Stream:
    """Makes message bodies: mostly valid events, some invalid ones."""

    def __init__(self, invalid_ratio, seed):
        self.rng = random.Random(seed)
        self.invalid_ratio = invalid_ratio
        self.run = uuid.uuid4().hex[:8]
        self.seq = 0
        self.values = {(s, t): spec[1] for s in SOURCES for t, spec in TYPES.items()}

    def valid(self):
        self.seq += 1
        source = self.rng.choice(SOURCES)
        kind = self.rng.choice(list(TYPES))
        unit, _, step, low, high = TYPES[kind]
        value = self.values[(source, kind)] + self.rng.uniform(-step, step)
        value = min(max(value, low), high)
        self.values[(source, kind)] = value
        event = {
            "id": "demo-%s-%d" % (self.run, self.seq),
            "source": source,
            "type": kind,
            "ts": rfc3339_now(),
            "value": round(value, 2),
            "data": {
                "unit": unit,
                "seq": self.seq,
                "battery": round(self.rng.uniform(0.2, 1.0), 2),
                "location": {"site": "lab", "rack": SOURCES.index(source) + 1},
            },
        }
        return event

    def invalid(self):
        """Returns (reason, routing key, body bytes) for a message weir must reject."""
        event = self.valid()
        key = "%s.%s" % (event["type"], event["source"])
        reason = self.rng.choice([
            "missing-source", "missing-type", "bad-ts", "future-ts", "not-json",
            "not-object", "nan-value", "deep-data", "long-source", "empty",
        ])
        if reason == "missing-source":
            del event["source"]
        elif reason == "missing-type":
            del event["type"]
        elif reason == "bad-ts":
            event["ts"] = "yesterday at noon"
        elif reason == "future-ts":
            event["ts"] = rfc3339_now(timedelta(days=30))
        elif reason == "nan-value":
            event["value"] = math.nan  # json.dumps writes the non-JSON NaN
        elif reason == "deep-data":
            nested = {"leaf": 1}
            for _ in range(40):
                nested = {"n": nested}
            event["data"] = nested
        elif reason == "long-source":
            event["source"] = "s" * 200
        if reason == "not-json":
            body = b'{"source": "sensor-1", "type": "temperature", "ts": '
        elif reason == "not-object":
            body = json.dumps([event]).encode()
        elif reason == "empty":
            body = b""
        else:
            body = json.dumps(event).encode()
        return reason, key, body

    def next(self):
        """Returns (valid?, routing key, body bytes, message id or None)."""
        if self.rng.random() < self.invalid_ratio:
            _, key, body = self.invalid()
            return False, key, body, None
        event = self.valid()
        key = "%s.%s" % (event["type"], event["source"])
        return True, key, json.dumps(event).encode(), event["id"]


class Counts:
    def __init__(self):
        self.sent = self.valid = self.invalid = 0
        self.confirmed = self.nacked = self.unroutable = self.failed = 0

    def line(self, elapsed, rate):
        return ("[%5.0fs] sent %d (valid %d, invalid %d)  confirmed %d  nacked %d  "
                "unroutable %d  failed %d  | %.1f msg/s"
                % (elapsed, self.sent, self.valid, self.invalid, self.confirmed,
                   self.nacked, self.unroutable, self.failed, rate))


def read_password(args):
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            return f.read().strip()
    password = os.environ.get("RABBITMQ_PASSWORD")
    if password is None:
        sys.exit("demo-publisher: give --password-file or set RABBITMQ_PASSWORD")
    return password


def connect(args, password):
    params = pika.ConnectionParameters(
        host=args.host, port=args.port, virtual_host=args.vhost,
        credentials=pika.PlainCredentials(args.username, password),
        heartbeat=30, blocked_connection_timeout=30, connection_attempts=1,
        client_properties={"connection_name": "weir-demo-publisher"},
        ssl_options=args.ca_file and pika.SSLOptions(ssl.create_default_context(cafile=args.ca_file), args.host))
    conn = pika.BlockingConnection(params)
    ch = conn.channel()
    try:
        ch.exchange_declare(args.exchange, passive=True)
    except ChannelClosedByBroker as e:
        if e.reply_code != 404:
            raise
        # weir declares it the same way on start; create it if weir has not run.
        ch = conn.channel()
        ch.exchange_declare(args.exchange, exchange_type="topic", durable=True)
        print("demo-publisher: declared topic exchange %r" % args.exchange, flush=True)
    ch.confirm_delivery()
    return conn, ch


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default=os.environ.get("RABBITMQ_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("RABBITMQ_PORT", "5672")))
    p.add_argument("--vhost", default="/")
    p.add_argument("--username", default=os.environ.get("RABBITMQ_USERNAME", "guest"))
    p.add_argument("--password-file", help="file holding the password "
                   "(else $RABBITMQ_PASSWORD)")
    p.add_argument("--ca-file", help="TLS with this CA (PEM), the certificate must name --host "
                   "(the manifests' broker: its secrets/ca.crt, through a port-forward of 5671)")
    p.add_argument("--exchange", default="events")
    p.add_argument("--rate", type=float, default=20.0, help="messages per second (default 20)")
    p.add_argument("--duration", type=float, default=0.0,
                   help="stop after this many seconds (default: until Ctrl-C)")
    p.add_argument("--invalid-ratio", type=float, default=0.05,
                   help="share of invalid messages (default 0.05)")
    p.add_argument("--seed", type=int, default=None, help="random seed, for repeatable streams")
    args = p.parse_args(argv)
    if args.rate <= 0:
        p.error("--rate must be positive")
    if not 0 <= args.invalid_ratio <= 1:
        p.error("--invalid-ratio must be within 0..1")
    return args


def main(argv):
    args = parse_args(argv)
    password = read_password(args)
    stream = Stream(args.invalid_ratio, args.seed)
    counts = Counts()
    conn = ch = None
    start = time.monotonic()
    next_report = start + 1.0
    last_sent, last_report = 0, start
    warned_unroutable = False
    interval = 1.0 / args.rate
    due = start
    try:
        while not args.duration or time.monotonic() - start < args.duration:
            now = time.monotonic()
            if now >= next_report:
                rate = (counts.sent - last_sent) / (now - last_report)
                print(counts.line(now - start, rate), flush=True)
                last_sent, last_report = counts.sent, now
                next_report += 1.0
            if conn is None:
                try:
                    conn, ch = connect(args, password)
                except (AMQPConnectionError, AMQPChannelError) as e:
                    print("demo-publisher: cannot connect to %s:%d (%s); retrying"
                          % (args.host, args.port, e.__class__.__name__), flush=True)
                    time.sleep(1.0)
                    due = time.monotonic()
                    continue
            if now - due > 1.0:
                due = now  # fell behind (slow broker): do not burst to catch up
            if now < due:
                conn.sleep(min(due - now, next_report - now))
                continue
            due += interval
            ok, key, body, msg_id = stream.next()
            props = pika.BasicProperties(
                content_type="application/json", delivery_mode=2, message_id=msg_id,
                timestamp=int(time.time()), app_id="weir-demo")
            counts.sent += 1
            if ok:
                counts.valid += 1
            else:
                counts.invalid += 1
            try:
                ch.basic_publish(args.exchange, key, body, props, mandatory=True)
                counts.confirmed += 1
            except UnroutableError:
                counts.unroutable += 1
                if not warned_unroutable:
                    warned_unroutable = True
                    print("demo-publisher: no queue is bound to exchange %r; messages are "
                          "dropped (is weir running?)" % args.exchange, flush=True)
            except NackError:
                counts.nacked += 1
            except (AMQPConnectionError, AMQPChannelError) as e:
                counts.failed += 1
                print("demo-publisher: connection lost (%s); reconnecting"
                      % e.__class__.__name__, flush=True)
                conn = ch = None
    except KeyboardInterrupt:
        pass
    finally:
        elapsed = time.monotonic() - start
        print("demo-publisher: done: " + counts.line(elapsed, counts.sent / max(elapsed, 1e-9)),
              flush=True)
        if conn is not None and conn.is_open:
            try:
                conn.close()
            except (AMQPConnectionError, AMQPChannelError):
                pass
    # Failure only when the broker took nothing at all.
    return 1 if counts.sent and not (counts.confirmed or counts.unroutable) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
