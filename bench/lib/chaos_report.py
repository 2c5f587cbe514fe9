"""bench/lib/chaos_report.py - bench/chaos's verdict: the stored events against
what was published, the dead letters, the aggregates against a recount, the plot."""
import collections
import time

import pika

from conftest import aggregate_problems, recompute_aggregates

COLOURS = {"kill9": "#c0392b", "broker_restart": "#8e44ad",
           "store_restart": "#d35400", "store_partition": "#2980b9",
           "broker_partition": "#16a085", "slow_store": "#7f8c8d",
           "disk_full": "#b7950b"}


def check_events(db, valid_ids):
    """Every stored event (_id is the event id, the unique index) against
    the valid ids published: (docs, stored, lost, duplicated). A document
    beyond the published ids counts as duplicated: the same event stored
    under another id."""
    docs = list(db.events.find({}, {"source": 1, "type": 1, "ts": 1, "value": 1}))
    stored = sum(1 for d in docs if d["_id"] in valid_ids)
    return docs, stored, len(valid_ids) - stored, len(docs) - stored


def check_dead_letters(params, queue, expected):
    """Reads the dead-letter queue without taking anything from it.
    expected: {message id: reason} of the invalid messages published.
    Returns (distinct messages, copies, problems)."""
    seen = collections.Counter()
    problems = []
    conn = pika.BlockingConnection(params)
    try:
        ch = conn.channel()
        while True:
            method, props, body = ch.basic_get(queue, auto_ack=False)
            if method is None:
                break
            key = props.message_id or body[:120]
            seen[key] += 1
            reason = (props.headers or {}).get("x-weir-error")
            if seen[key] > 1:
                continue
            if key not in expected:
                problems.append(f"dead letter of a message not published "
                                f"invalid: {key!r} ({reason})")
            elif reason != expected[key]:
                problems.append(f"{key}: dead-lettered as {reason!r}, "
                                f"expected {expected[key]!r}")
    finally:
        conn.close()
    missing = [k for k in expected if k not in seen]
    if missing:
        problems.append(f"{len(missing)} invalid messages not dead-lettered, "
                        f"e.g. {missing[:3]}")
    return len(seen), sum(seen.values()) - len(seen), problems


def check_aggregates(db, docs, timeout):
    """Polls `aggregates` until it equals a recount of docs; returns the
    differences left after timeout (empty: equal)."""
    expected = recompute_aggregates(docs)
    deadline = time.monotonic() + timeout
    while True:
        problems = aggregate_problems(expected, list(db.aggregates.find({})))
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(2)


def fault_table(faults):
    """Per fault: what, when (seconds after the first publish), how long,
    and the seconds from its end until weir stored again."""
    lines = ["fault              start_s  held_s  storing_again_s  "
             "stored_during"]
    for f in faults:
        rec = "-" if f["recovery"] is None else f"{f['recovery']:.1f}"
        lines.append(f"{f['kind']:<18} {f['start']:7.1f} {f['end'] - f['start']:7.1f}"
                     f" {rec:>16} {f['stored_during']:14d}")
    return lines


def svg(samples, faults, title):
    """Stored and published events over time, each fault a band (or a
    line when it is instant), coloured by kind, with a legend."""
    W, H, L, R, T, B = 860, 380, 80, 180, 30, 40
    tmax = max([s[0] for s in samples] + [f["end"] for f in faults] + [1])
    vmax = max([s[3] for s in samples] + [s[1] for s in samples] + [1])

    def x(t):
        return L + (W - L - R) * t / tmax

    def y(v):
        return H - B - (H - B - T) * v / vmax

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           'font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="16" font-size="13">{title}</text>']
    for f in faults:
        c = COLOURS[f["kind"]]
        width = max(1.5, x(f["end"]) - x(f["start"]))
        out.append(f'<rect x="{x(f["start"]):.1f}" y="{T}" width="{width:.1f}" '
                   f'height="{H - B - T}" fill="{c}" fill-opacity="0.35"/>')
    for i, (name, fn) in enumerate((("published (confirmed)", lambda s: s[3]),
                                    ("stored", lambda s: s[1]))):
        pts = " ".join(f"{x(s[0]):.1f},{y(fn(s)):.1f}" for s in samples)
        colour = ("#9aa5b1", "#2f6fb0")[i]
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                   f'stroke-width="{1 + i}"/>')
        out.append(f'<text x="{W - R + 12}" y="{T + 12 + 16 * i}" fill="{colour}">'
                   f'{name}</text>')
    for i, kind in enumerate(COLOURS):
        yy = T + 52 + 16 * i
        out.append(f'<rect x="{W - R + 12}" y="{yy - 9}" width="10" height="10" '
                   f'fill="{COLOURS[kind]}" fill-opacity="0.6"/>'
                   f'<text x="{W - R + 27}" y="{yy}">{kind.replace("_", " ")}</text>')
    step = max(10, round(tmax / 8 / 10) * 10)
    for t in range(0, int(tmax) + 1, step):
        out.append(f'<text x="{x(t):.0f}" y="{H - B + 14}" text-anchor="middle">{t}</text>')
    out += [f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
            f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
            f'<text x="{L - 6}" y="{T + 4}" text-anchor="end">{vmax:,}</text>',
            f'<text x="{L - 6}" y="{H - B}" text-anchor="end">0</text>',
            f'<text x="{(L + W - R) / 2}" y="{H - 8}" text-anchor="middle">'
            'seconds since the first publish</text>', "</svg>"]
    return "\n".join(out) + "\n"
