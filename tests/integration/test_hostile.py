"""Hostile input at volume (issue 14, item 4): 10 000 malformed messages
(hostile.py: random bytes, invalid UTF-8, deep nesting, 1 MiB bodies, huge
numbers, duplicate keys, NUL bytes, non-JSON content types, 1 000 headers)
mixed into 12 000 valid events. Every malformed message must be
dead-lettered with the reason its kind calls for (its x-weir-error), body
and headers kept; every valid event stored exactly once; weir's RSS flat
(peak of the second half of a run at most 10 % + 16 MiB over the first).

Throughput, each as valid events a second between 10 % and 90 % stored
(start-up and tail left out), from runs of the same size in this test:
- capacity: the queue loaded first, then weir started on it. The clean
  one sets the stream's rate; the hostile one (WEIR_HOSTILE_CAPACITY=1,
  not asserted) is recorded in docs/hostile-input.md: a hostile queue holds
  more messages (and 50 MiB of 1 MiB bodies), which a 2-core machine
  running the broker, the store and weir pays for in valid events a
  second.
- stream: valid events offered at a fifth of the clean capacity, alone and
  with the malformed ones mixed in at the same proportion. Asserted: the valid
  events of the hostile stream are stored within 10 % of the clean
  stream's rate. When they are not, the whole attempt (capacity, streams)
  is repeated once with fresh events and databases and the second one
  decides; the report (hostile-report.json, printed with -s) says so."""
import json
import os

from eventgen import event_msgs, make_events
from hostile import (KINDS, hostile_msgs, make_hostile, mix, rss_halves,
                     sample_run, valid_rate)

N_VALID = 12_000
N_BAD = sum(count for _build, count in KINDS.values())
# ASan keeps freed memory in quarantine (256 MiB by default), which would
# show as growth; a small one keeps RSS meaningful and still catches reuse.
ASAN_SMALL_QUARANTINE = os.environ.get(
    "ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1") + ":quarantine_size_mb=8"
RSS_SLACK_KIB = 16 * 1024


def one_run(world, label, msgs, n_valid, n_bad, rate_per_s=None):
    """weir into a database of its own, on a queue loaded beforehand
    (rate_per_s None: weir's capacity) or fed at rate_per_s messages a
    second while it runs (a stream). Returns (valid events/s, samples,
    database name)."""
    dbname = f"{world.dbname}_{label}"
    env = {"WEIR_MONGODB_DATABASE": dbname,
           "ASAN_OPTIONS": ASAN_SMALL_QUARANTINE}
    p = world.publisher(msgs, window=2000, rate=rate_per_s,
                        start=rate_per_s is None)
    if rate_per_s is None:
        p.wait(300)
        assert world.ready_count(world.queue) == len(msgs)
    weir = world.weir(**env)
    if rate_per_s is not None:
        p.start()
    samples = sample_run(weir, n_valid, n_bad, timeout=600)
    p.wait(60)
    rc, secs = weir.terminate(15)
    assert rc == 0, f"{label}: weir exited {rc} after SIGTERM ({secs:.1f} s)"
    return valid_rate(samples, n_valid), samples, dbname


def check_dead_letters(world, bads):
    want = {b.message_id: b for b in bads}
    got = world.get_all(world.dead_queue, expect=len(bads), timeout=120)
    assert len(got) == len(bads), f"{len(got)} dead letters for {len(bads)}"
    wrong, extra = [], set()
    for props, body in got:
        b = want.pop(props.message_id, None)
        if b is None:
            wrong.append(f"unexpected dead letter {props.message_id!r}")
            continue
        h = props.headers or {}
        reason = h.get("x-weir-error")
        if isinstance(reason, bytes):
            reason = reason.decode()
        if reason != b.reason:
            wrong.append(f"{b.kind} {b.message_id}: x-weir-error {reason!r}, "
                         f"want {b.reason!r} ({h.get('x-weir-detail')!r})")
        if body != b.body:
            wrong.append(f"{b.kind} {b.message_id}: body changed")
        if h.get("x-test-kind") != b.kind:
            wrong.append(f"{b.kind} {b.message_id}: own headers lost")
        lost = [k for k, v in b.headers.items()
                if h.get(k) not in (v, v.encode() if isinstance(v, str)
                                    else v)]
        if lost:
            wrong.append(f"{b.kind} {b.message_id}: {len(lost)} of its "
                         f"{len(b.headers)} headers lost, e.g. {lost[:3]}")
        extra.update(set(h) - set(b.headers))
    wrong += [f"never dead-lettered: {m}" for m in list(want)[:5]]
    assert not wrong, f"{len(wrong)} problems, e.g.:\n  " + \
        "\n  ".join(wrong[:15])
    # weir adds its two; the broker may add its own (x-delivery-count).
    assert {"x-weir-error", "x-weir-detail"} <= extra, extra
    return sorted(extra)


def check_stored(world, dbname, events):
    coll = world.mongo[dbname].events
    ids = [d["_id"] for d in coll.find({}, {"_id": 1})]
    assert len(ids) == len(set(ids)), f"{dbname}: duplicate _id values"
    got, want = set(ids), {e.id for e in events}
    assert got == want, (f"{dbname}: stored {len(got)}, want {len(want)}; "
                         f"missing {len(want - got)}, extra {len(got - want)}")


def clean_run(world, label, seed, rate_per_s=None):
    clean = make_events(N_VALID, f"{world.prefix}{label}c-", seed=seed,
                        rich=False)
    got, _, db = one_run(world, f"{label}c", event_msgs(clean), N_VALID, 0,
                         rate_per_s)
    check_stored(world, db, clean)
    world.mongo.drop_database(db)
    return got


def hostile_run(world, label, seed, rate_per_s=None):
    """Valid events at rate_per_s a second (None: a loaded queue) with the
    malformed ones spread among them; returns the valid events a second
    and the samples."""
    valid = make_events(N_VALID, f"{world.prefix}{label}h-", seed=seed,
                        rich=False)
    bads = make_hostile(f"{world.prefix}{label}h-", seed=seed + 1)
    msgs = mix(event_msgs(valid), hostile_msgs(bads), seed=seed + 2)
    got, samples, db = one_run(
        world, f"{label}h", msgs, N_VALID, len(bads),
        None if rate_per_s is None else rate_per_s * len(msgs) / N_VALID)
    check_stored(world, db, valid)
    added = check_dead_letters(world, bads)
    print("hostile: headers added on the way to the dead-letter queue:",
          added)
    world.mongo.drop_database(db)
    return got, samples


def check_rss(samples, label, report):
    rss1, rss2 = rss_halves(samples)
    report[f"{label}_rss_first_half_kib"] = rss1
    report[f"{label}_rss_second_half_kib"] = rss2
    # Checked on every run: growth is a leak, not noise.
    assert rss2 <= rss1 * 1.10 + RSS_SLACK_KIB, (
        f"{label}: weir's RSS grew from {rss1} KiB (first half) to {rss2} "
        f"KiB (second half): {report}")


def attempt(world, n):
    """The clean capacity (a loaded queue), then a clean and a hostile
    stream offered a fifth of it; with WEIR_HOSTILE_CAPACITY=1 also the
    hostile capacity (not asserted, and long: for docs/hostile-input.md)."""
    r = {"attempt": n + 1}
    cap = clean_run(world, f"a{n}cap", 10 * n + 100)
    r["capacity_clean"] = round(cap)
    if os.environ.get("WEIR_HOSTILE_CAPACITY") == "1":
        got, samples = hostile_run(world, f"a{n}cap", 10 * n + 110)
        r.update(capacity_hostile_valid=round(got),
                 capacity_hostile_messages=round(
                     got * (N_VALID + N_BAD) / N_VALID),
                 capacity_ratio=round(got / cap, 3))
        check_rss(samples, "capacity", r)
    offered = round(cap / 5)
    clean = clean_run(world, f"a{n}st", 10 * n + 120, offered)
    hostile, samples = hostile_run(world, f"a{n}st", 10 * n + 130, offered)
    # A deep queue says weir (or the broker) fell behind the stream, a
    # shallow one that the publisher did.
    r.update(stream_offered=offered, stream_clean=round(clean),
             stream_hostile_valid=round(hostile),
             stream_ratio=round(hostile / clean, 3),
             stream_hostile_max_queue=max(s[4] for s in samples))
    check_rss(samples, "stream", r)
    print("hostile:", json.dumps(r))
    return r


def test_hostile_input_at_volume(world):
    assert N_BAD == 10_000
    # The first weir declares the queues the loaded run starts on.
    world.weir().terminate(15)
    report = []
    for n in range(2):
        report.append(attempt(world, n))
        if report[-1]["stream_ratio"] >= 0.9:
            break
    (world.state_dir / "hostile-report.json").write_text(
        json.dumps(report, indent=1))
    last = report[-1]
    assert last["stream_ratio"] >= 0.9, (
        f"valid events of a stream under hostile input at "
        f"{last['stream_ratio']:.0%} of a clean stream's rate in "
        f"{len(report)} attempts (measurement retried once): {report}")
