"""Failure behaviour under load: kill -9, store outage, broker restart,
SIGTERM. After each, every confirmed event is stored exactly once and the
aggregates equal a recomputation."""
import os
import signal
import time

import pytest
import requests

from checks import readyz_json, wait_until
from eventgen import event_msgs, make_events


def bulk_events(world, n, seed):
    # 5 sources x 2 types x 6 minutes: about 60 windows per batch. (Batches
    # that touch 100+ windows are test_many_windows_per_batch's business.)
    events = make_events(n, world.prefix, seed=seed, sources=5, types=2,
                         span_min=6, rich=False)
    return [e.id for e in events], event_msgs(events)


def readyz_503(weir):
    """[the /readyz body] when it answers 503, else None."""
    try:
        code, body = readyz_json(weir)
    except requests.RequestException:
        return None
    return [body] if code == 503 else None


def test_kill9_midstream(world):
    n = 50_000
    weir = world.weir()
    ids, msgs = bulk_events(world, n, seed=44)
    t0 = time.monotonic()
    pub = world.publisher(msgs, window=3000)

    world.wait_progress(weir, 0.35 * n, 240, interval=0.05)
    weir.kill9()
    stored_at_kill = world.count()
    print(f"kill -9 at {stored_at_kill}/{n} stored, "
          f"{time.monotonic() - t0:.1f}s after the first publish")
    assert stored_at_kill < n, \
        "every event was stored before the kill: nothing was tested"

    pub.wait(180)
    world.weir()
    world.wait_drained(n, timeout=240)
    world.assert_exactly(ids)
    assert world.ready_count(world.dead_queue) == 0, "events were dead-lettered"
    world.wait_aggregates(timeout=30)


def test_store_outage(world, stack):
    n = 20_000
    weir = world.weir()
    ids, msgs = bulk_events(world, n, seed=55)
    pub = world.publisher(msgs, rate=1000)
    world.wait_progress(weir, 2000, 60)

    stack.ferretdb("stop")
    stopped = time.monotonic()
    try:
        body, = wait_until(lambda: readyz_503(weir), 20,
                           "/readyz 503 while MongoDB is down", interval=0.2)
        print(f"/readyz 503 {time.monotonic() - stopped:.1f}s into the outage")
        assert isinstance(body, dict), f"/readyz 503 body is not JSON: {body!r}"
        checks = body.get("checks", {})
        assert checks.get("mongodb") == "down", body
        assert checks.get("amqp") == "up", body
        assert weir.get("/healthz").status_code == 200
        remaining = 10 - (time.monotonic() - stopped)
        if remaining > 0:
            time.sleep(remaining)
        assert weir.alive(), "weir died during the store outage"
        assert readyz_503(weir) is not None, "/readyz not 503 at end of outage"
    finally:
        stack.ferretdb("start")

    weir.wait_ready(60)
    pub.wait(120)
    world.wait_drained(n, timeout=180)
    world.assert_exactly(ids)
    assert world.ready_count(world.dead_queue) == 0, \
        "events were dead-lettered during the outage"
    world.wait_aggregates(timeout=30)
    assert weir.alive()


def test_broker_restart(world, stack):
    n = 20_000
    weir = world.weir()
    ids, msgs = bulk_events(world, n, seed=66)
    pub = world.publisher(msgs, rate=1500, reconnect=True, give_up_s=150)
    world.wait_progress(weir, 2000, 60)

    stack.rabbitmq("stop")
    stopped = time.monotonic()
    restarted = False
    try:
        body, = wait_until(lambda: readyz_503(weir), 30,
                           "/readyz 503 while RabbitMQ is down", interval=0.2)
        assert isinstance(body, dict), f"/readyz 503 body is not JSON: {body!r}"
        assert body.get("checks", {}).get("amqp") == "down", body
        assert weir.get("/healthz").status_code == 200
        assert weir.alive(), "weir died when the broker went away"
        stack.rabbitmq("start")
        restarted = True
    finally:
        if not restarted:
            stack.rabbitmq("start")
    print(f"broker back after {time.monotonic() - stopped:.1f}s")

    weir.wait_ready(90)
    pub.wait(180)
    assert pub.connections >= 2, "the publisher never reconnected"
    world.wait_drained(n, timeout=240)
    world.assert_exactly(ids)
    assert world.ready_count(world.dead_queue) == 0
    world.wait_aggregates(timeout=30)
    assert weir.alive()


def test_sigterm_under_load(world):
    n = 30_000
    weir = world.weir()
    ids, msgs = bulk_events(world, n, seed=77)
    pub = world.publisher(msgs)
    world.wait_progress(weir, 3000, 60, interval=0.05)

    rc, secs = weir.terminate(10)
    if rc is None:
        pytest.fail("weir did not exit within 10 s of SIGTERM", pytrace=False)
    assert rc == 0, f"exit code {rc} after SIGTERM"
    print(f"SIGTERM -> exit 0 in {secs:.2f}s")
    wait_until(lambda: not weir.group_alive(), 5,
               "every weir process gone after the parent exited")
    stored = world.count()
    assert stored < n, "not under load: everything was stored before SIGTERM"

    def no_unacked():
        q = world.mgmt_queue(world.queue)
        return q.get("messages_unacknowledged") == 0 and \
            q.get("consumers") == 0
    wait_until(no_unacked, 20, "0 unacked messages and 0 consumers "
               "(management API)", interval=0.5)

    pub.wait(120)
    weir2 = world.weir()
    world.wait_drained(n, timeout=180)
    world.assert_exactly(ids)
    world.wait_aggregates(timeout=30)
    dups = weir2.metric("weir_duplicates_skipped_total")
    assert dups == 0, (
        f"{dups} events stored by the stopped process came back: it stored "
        f"them but did not ack them before exiting")


def test_sigterm_while_store_hangs(world, stack):
    """The store stops answering (FerretDB frozen with SIGSTOP, sockets
    open) under load, then weir gets SIGTERM: it still exits 0 within 10 s,
    unacked events go back to the queue, and a new weir stores every event
    exactly once once the store answers again."""
    n = 20_000
    weir = world.weir()
    ids, msgs = bulk_events(world, n, seed=88)
    pub = world.publisher(msgs, rate=2000)
    world.wait_progress(weir, 2000, 60)

    pid_file = os.path.join(stack.env["WEIR_TEST_FERRET_DIR"], "ferretdb.pid")
    with open(pid_file, encoding="ascii") as f:
        ferret = int(f.read().strip())
    os.kill(ferret, signal.SIGSTOP)
    try:
        # Let writes pile up behind the frozen store first.
        time.sleep(1.5)
        rc, secs = weir.terminate(10)
    finally:
        os.kill(ferret, signal.SIGCONT)
    if rc is None:
        pytest.fail("weir did not exit within 10 s of SIGTERM while the "
                    "store hung", pytrace=False)
    assert rc == 0, f"exit code {rc} after SIGTERM"
    print(f"SIGTERM with the store frozen -> exit 0 in {secs:.2f}s")
    wait_until(lambda: not weir.group_alive(), 5,
               "every weir process gone after the parent exited")

    pub.wait(120)
    world.weir()
    world.wait_drained(n, timeout=180)
    world.assert_exactly(ids)
    assert world.ready_count(world.dead_queue) == 0
    world.wait_aggregates(timeout=30)
