"""Publishes 200 events from five sources and 3 broken messages (1.5 % dead letters) to exchange
`events` of the RabbitMQ on 127.0.0.1:PORT, vhost VHOST (tests/k8s/monitoring.bats)."""
import json
import sys
import time

import pika

params = pika.ConnectionParameters("127.0.0.1", int(sys.argv[1]), sys.argv[2],
                                   pika.PlainCredentials("guest", "guest"))
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.confirm_delivery()
now = int(time.time() * 1000)
for i in range(200):
    body = json.dumps({"source": f"sensor-{i % 5}", "type": "temperature",
                       "ts": now - 1000 + i, "value": 20 + i / 10})
    ch.basic_publish("events", f"temperature.sensor-{i % 5}", body,
                     pika.BasicProperties(delivery_mode=2, message_id=f"k8s-{now}-{i}"))
for i in range(3):
    ch.basic_publish("events", "temperature.broken", b"not json",
                     pika.BasicProperties(delivery_mode=2))
conn.close()
