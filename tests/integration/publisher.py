"""Publishing test messages to RabbitMQ with publisher confirms.

Two ways:

* publish_sync(): a BlockingConnection, one confirm per message. Slow
  (a round trip each) but simple; for a few hundred messages with
  hand-made properties.
* AsyncPublisher: a SelectConnection in its own thread that keeps up to
  `window` messages unconfirmed, optionally at a steady rate, and can
  reconnect (re-publishing whatever was not confirmed). A message counts
  only once the broker has confirmed it (basic.ack); nacked and
  unconfirmed-at-disconnect messages are published again, which is safe
  because every test message carries a deterministic event id.
"""
import collections
import threading
import time
from typing import NamedTuple, Optional

import pika
import pika.spec

DEFAULT_PROPERTIES = pika.BasicProperties(delivery_mode=2,
                                          content_type="application/json")


class Msg(NamedTuple):
    body: bytes
    routing_key: str = "temperature.sensor-1"
    properties: Optional[pika.BasicProperties] = None


def connection_parameters(port, host="127.0.0.1", credentials=None, **kw):
    return pika.ConnectionParameters(
        host=host, port=int(port),
        credentials=credentials or pika.PlainCredentials("guest", "guest"),
        connection_attempts=1, socket_timeout=5,
        blocked_connection_timeout=30, **kw)


def publish_sync(port, exchange, messages):
    """Publishes `messages` (Msg) one by one, each confirmed; mandatory, so
    a message the exchange cannot route raises instead of vanishing."""
    conn = pika.BlockingConnection(connection_parameters(port))
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        for m in messages:
            ch.basic_publish(exchange, m.routing_key, m.body,
                             m.properties or DEFAULT_PROPERTIES,
                             mandatory=True)
    finally:
        conn.close()


class AsyncPublisher(threading.Thread):
    """Publishes messages[i] for every i until each has been confirmed.

    rate: new messages per second (None: as fast as the window allows).
    reconnect: on a lost connection, retry every 0.5 s for up to
    `give_up_s` seconds and publish the unconfirmed messages again.
    """

    def __init__(self, port, exchange, messages, rate=None, window=2000,
                 reconnect=False, give_up_s=120.0, host="127.0.0.1",
                 credentials=None):
        super().__init__(name="publisher", daemon=True)
        self.params = connection_parameters(port, host=host, heartbeat=30,
                                            credentials=credentials)
        self.exchange = exchange
        self.messages = messages
        self.rate = rate
        self.window = window
        self.reconnect = reconnect
        self.give_up_s = give_up_s

        self.confirmed = bytearray(len(messages))
        self.confirmed_count = 0
        self.first_sends = 0        # messages published at least once
        self.publishes = 0          # basic.publish calls, retries included
        self.nacks = 0
        self.connections = 0        # successful channel opens
        self.errors = []            # why connections ended, for reports

        self._next = 0
        self._retry = collections.deque()
        self._outstanding = {}      # delivery tag -> message index
        self._low_tag = 1
        self._tag = 0
        self._stop_requested = threading.Event()
        self._connection = None
        self._channel = None
        self._t0 = None

    # ---- public ----------------------------------------------------------

    @property
    def done(self):
        return self.confirmed_count == len(self.messages)

    def stop(self):
        self._stop_requested.set()
        conn = self._connection
        if conn is not None:
            try:
                conn.ioloop.add_callback_threadsafe(self._close)
            except Exception:
                pass

    def wait(self, timeout):
        """Waits until every message is confirmed; raises AssertionError
        with the publisher's state if that does not happen in time."""
        self.join(timeout)
        if not self.done:
            self.stop()
            self.join(5)
            raise AssertionError(
                f"publisher: {self.confirmed_count}/{len(self.messages)} "
                f"confirmed after {timeout}s (first sends {self.first_sends}, "
                f"publishes {self.publishes}, nacks {self.nacks}, "
                f"connections {self.connections}, errors {self.errors[-5:]})")

    def confirmed_indices(self):
        return [i for i, c in enumerate(self.confirmed) if c]

    # ---- thread ----------------------------------------------------------

    def run(self):
        last_ok = time.monotonic()
        self._t0 = time.monotonic()
        while not self._stop_requested.is_set() and not self.done:
            self._connection = pika.SelectConnection(
                self.params, on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_closed)
            try:
                self._connection.ioloop.start()
            except Exception as e:   # pragma: no cover - diagnostics only
                self.errors.append(f"ioloop: {e!r}")
            self._channel = None
            # Whatever was not confirmed may or may not have arrived: send
            # it again (ids are deterministic, so duplicates are harmless).
            if self._outstanding:
                self._retry.extend(sorted(self._outstanding.values()))
                self._outstanding.clear()
            self._tag = 0
            self._low_tag = 1
            if self.done or self._stop_requested.is_set():
                break
            if self.connections > 0 and self._last_open is not None:
                last_ok = max(last_ok, self._last_open)
            if not self.reconnect:
                break
            if time.monotonic() - last_ok > self.give_up_s:
                self.errors.append("gave up reconnecting")
                break
            time.sleep(0.5)

    _last_open = None

    def _close(self):
        conn = self._connection
        if conn is not None and conn.is_open:
            conn.close()
        elif conn is not None and conn.is_closed:
            conn.ioloop.stop()

    def _on_open(self, conn):
        conn.channel(on_open_callback=self._on_channel_open)

    def _on_open_error(self, conn, err):
        self.errors.append(f"connect: {err!r}")
        conn.ioloop.stop()

    def _on_closed(self, conn, reason):
        if not self.done:
            self.errors.append(f"closed: {reason!r}")
        conn.ioloop.stop()

    def _on_channel_open(self, ch):
        self._channel = ch
        ch.add_on_close_callback(self._on_channel_closed)
        ch.confirm_delivery(self._on_confirm, callback=self._on_confirm_ok)

    def _on_confirm_ok(self, _frame):
        self.connections += 1
        self._last_open = time.monotonic()
        self._pump()

    def _on_channel_closed(self, ch, reason):
        self._channel = None
        if not self.done:
            self.errors.append(f"channel closed: {reason!r}")
        conn = self._connection
        if conn is not None and conn.is_open:
            conn.close()

    def _on_confirm(self, frame):
        m = frame.method
        ack = isinstance(m, pika.spec.Basic.Ack)
        if m.multiple:
            tags = range(self._low_tag, m.delivery_tag + 1)
        else:
            tags = (m.delivery_tag,)
        for t in tags:
            idx = self._outstanding.pop(t, None)
            if idx is None:
                continue
            if ack:
                if not self.confirmed[idx]:
                    self.confirmed[idx] = 1
                    self.confirmed_count += 1
            else:
                self.nacks += 1
                self._retry.append(idx)
        while self._low_tag <= self._tag and \
                self._low_tag not in self._outstanding:
            self._low_tag += 1
        if self.done:
            self._close()

    def _pump(self):
        ch = self._channel
        if ch is None or not ch.is_open:
            return
        if self._stop_requested.is_set():
            self._close()
            return
        budget = self.window - len(self._outstanding)
        allowed = len(self.messages)
        if self.rate is not None:
            allowed = int(self.rate * (time.monotonic() - self._t0)) + 1
        sent = 0
        while budget > 0 and sent < 500:
            if self._retry:
                idx = self._retry.popleft()
                if self.confirmed[idx]:
                    continue
            elif self._next < len(self.messages) and self.first_sends < allowed:
                idx = self._next
                self._next += 1
                self.first_sends += 1
            else:
                break
            m = self.messages[idx]
            try:
                ch.basic_publish(self.exchange, m.routing_key, m.body,
                                 m.properties or DEFAULT_PROPERTIES)
            except Exception as e:
                self.errors.append(f"publish: {e!r}")
                self._retry.appendleft(idx)
                return
            self._tag += 1
            self._outstanding[self._tag] = idx
            self.publishes += 1
            budget -= 1
            sent += 1
        if self.done:
            self._close()
            return
        self._connection.ioloop.call_later(0.0 if sent >= 500 else 0.01,
                                           self._pump)
