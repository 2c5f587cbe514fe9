#!/usr/bin/python3
# bench/python/consumer.py - the batched pika + pymongo consumer bench/e2e measures beside weir:
# insert_many of 500 weir-shaped documents, then one 'multiple' ack; nothing else (issue 13).
"""Consumes --queue until -n events are stored in --database.events.

Creates weir's three `events` indexes first, then prints `ready` and
consumes with prefetch --prefetch (weir's default 6000): each body is
parsed as JSON and becomes the document weir stores (_id from id, source,
type, ts as a date, value as a double, the other fields as they are,
received_at, processed_at, processor); every --batch documents (and when
the queue has been idle for 0.2 s) one unordered insert_many, then one
basic.ack with multiple=True for the last delivery tag. Prints
end_ms=<epoch ms of the last insert> and stored=<n>; with --linger it then
waits for SIGTERM, so that its CPU time can still be read from /proc.

Debian's python3-pika and python3-pymongo.
"""
import argparse
import datetime
import json
import signal
import socket
import sys
import time

import pika
import pymongo

UTC = datetime.timezone.utc
KNOWN = ("id", "source", "type", "ts", "value")


def document(body, processor):
    ev = json.loads(body)
    now = datetime.datetime.now(UTC)
    doc = {
        "_id": ev["id"],
        "source": ev["source"],
        "type": ev["type"],
        "ts": datetime.datetime.fromtimestamp(ev["ts"] / 1000, UTC),
    }
    if "value" in ev:
        doc["value"] = float(ev["value"])
    for k, v in ev.items():
        if k not in KNOWN:
            doc[k] = v
    doc["received_at"] = now
    doc["processed_at"] = now
    doc["processor"] = processor
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5672)
    ap.add_argument("--user", default="guest")
    ap.add_argument("--password", default="guest")
    ap.add_argument("--queue", required=True)
    ap.add_argument("--uri", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--prefetch", type=int, default=6000)
    ap.add_argument("--linger", action="store_true")
    a = ap.parse_args()

    direct = "," not in a.uri and "replicaSet=" not in a.uri
    client = pymongo.MongoClient(a.uri, directConnection=direct,
                                 serverSelectionTimeoutMS=5000)
    events = client[a.database]["events"]
    events.create_indexes([
        pymongo.IndexModel([("source", 1), ("type", 1), ("ts", -1)],
                           name="source_type_ts"),
        pymongo.IndexModel([("type", 1), ("ts", -1)], name="type_ts"),
        pymongo.IndexModel([("ts", -1), ("_id", -1)], name="ts"),
    ])
    conn = pika.BlockingConnection(pika.ConnectionParameters(
        host=a.host, port=a.port,
        credentials=pika.PlainCredentials(a.user, a.password)))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=a.prefetch)
    processor = socket.gethostname()
    print("ready", flush=True)

    docs, last_tag, stored = [], None, 0
    for method, _props, body in ch.consume(a.queue, inactivity_timeout=0.2):
        if method is not None:
            docs.append(document(body, processor))
            last_tag = method.delivery_tag
        if docs and (len(docs) >= a.batch or method is None or
                     stored + len(docs) >= a.n):
            events.insert_many(docs, ordered=False)
            ch.basic_ack(delivery_tag=last_tag, multiple=True)
            stored += len(docs)
            docs = []
            if stored >= a.n:
                break
    print(f"end_ms={int(time.time() * 1000)}\nstored={stored}", flush=True)
    if a.linger:
        signal.pause()
    ch.cancel()
    conn.close()
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
