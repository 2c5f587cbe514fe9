"""Twin of nixos-tests/k3s-scaling.nix, with real processes on this machine.

The NixOS test runs k3s with KEDA and the weir image, floods the queue and
asserts that `weir-processor` scales above one replica, that the backlog
drains and that replicas return to one. There is no Kubernetes here, so
this twin keeps the parts that decide the outcome and replaces the rest:

* the scaling rule is the ScaledObject's, read from
  k8s/base/weir/scaledobject.yaml when that file exists (else the copy in
  DEFAULT_POLICY, and the test says so): target `value` messages per
  replica of the queue's ready + unacknowledged messages (KEDA's rabbitmq
  trigger with protocol http, mode QueueLength), min/max replicas, and the
  HPA behaviour (scale-up and scale-down policies, stabilisation window);
* the HPA loop is the Horizontal Pod Autoscaler's algorithm, computed here
  every sync period from the RabbitMQ management API, with every period and
  window divided by TIME_DIVISOR (15 s becomes 1 s) so the test is short;
* replicas are `weir` processes with WEIR_ROLE=processor; scaling down
  sends SIGTERM to the newest, as the kubelet does, and each must exit 0
  after draining.

What differs from the VM test (and so is not proven here): no k3s,
Deployment, pods or image pull; no KEDA operator or metrics adapter; the
cpu and memory triggers are ignored; and the queue-depth numbers are read
by this test, not by KEDA.
"""
import math
import pathlib
import time

import yaml

from checks import wait_until
from eventgen import event_msgs, make_events

TIME_DIVISOR = 15.0
# Large enough that one processor (two consumers, 2 x 6000 prefetched)
# cannot drain it before the first autoscaler sync after the burst.
FLOOD = 40000
# The manifest allows 10 replicas. Here one FerretDB (about 5 000 events/s,
# docs/performance.md) is the ceiling whatever the replica count, and more
# than three writers make its updates time out on 2 shared cores, so the
# twin caps the replicas it starts (and prints that).
MAX_REPLICAS_HERE = 3

DEFAULT_POLICY = {
    "min": 1, "max": 10, "value": 10.0,
    "up": {"window": 0, "select": "Max",
           "policies": [("Pods", 4, 15), ("Percent", 100, 15)]},
    "down": {"window": 60, "select": "Max",
             "policies": [("Percent", 50, 60)]},
}

SCALEDOBJECT = (pathlib.Path(__file__).resolve().parents[2] / "k8s" / "base" /
                "weir" / "scaledobject.yaml")


def load_policy():
    """The scaling rule from the ScaledObject manifest, or the default."""
    if not SCALEDOBJECT.exists():
        print(f"{SCALEDOBJECT} not found: using the built-in copy of its rule")
        return DEFAULT_POLICY
    docs = [d for d in yaml.safe_load_all(SCALEDOBJECT.read_text()) if d]
    so = next(d for d in docs if d.get("kind") == "ScaledObject")
    spec = so["spec"]
    trig = next(t for t in spec["triggers"] if t["type"] == "rabbitmq")
    meta = trig["metadata"]
    assert meta.get("mode", "QueueLength") == "QueueLength", meta
    beh = (spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {})
           .get("behavior", {}))

    def rules(name, default):
        b = beh.get(name)
        if not b:
            return default
        return {"window": b.get("stabilizationWindowSeconds",
                                default["window"]),
                "select": b.get("selectPolicy", "Max"),
                "policies": [(p["type"], p["value"], p["periodSeconds"])
                             for p in b.get("policies", [])]}
    policy = {"min": spec.get("minReplicaCount", 1),
              "max": spec.get("maxReplicaCount", 100),
              "value": float(meta["value"]),
              "up": rules("scaleUp", DEFAULT_POLICY["up"]),
              "down": rules("scaleDown", DEFAULT_POLICY["down"])}
    print(f"scaling rule from {SCALEDOBJECT}: {policy}")
    return policy


class Autoscaler:
    """The HPA algorithm for one external AverageValue metric, on a
    compressed clock (every period and window / TIME_DIVISOR)."""

    def __init__(self, policy, replicas):
        self.p = policy
        self.history = [(time.monotonic(), replicas)]   # (t, replicas)
        self.recommendations = []                       # (t, desired)

    def _replicas_at(self, t):
        r = self.history[0][1]
        for ht, hr in self.history:
            if ht > t:
                break
            r = hr
        return r

    def _limit(self, rules, now, up):
        proposals = []
        for kind, value, period in rules["policies"]:
            start = self._replicas_at(now - period / TIME_DIVISOR)
            if kind == "Pods":
                proposals.append(start + value if up else start - value)
            elif up:
                proposals.append(math.ceil(start * (1 + value / 100)))
            else:
                proposals.append(math.ceil(start * (1 - value / 100)))
        if not proposals:
            return None
        pick_most = rules["select"] == "Max"
        if up:
            return max(proposals) if pick_most else min(proposals)
        return min(proposals) if pick_most else max(proposals)

    def desired(self, current, metric):
        now = time.monotonic()
        raw = math.ceil(metric / self.p["value"]) if metric > 0 else 0
        raw = max(self.p["min"], min(self.p["max"], raw))
        self.recommendations.append((now, raw))
        # Stabilisation: scale up to the lowest and down to the highest
        # recommendation seen within the window.
        up_w = self.p["up"]["window"] / TIME_DIVISOR
        down_w = self.p["down"]["window"] / TIME_DIVISOR
        up_rec = min(r for t, r in self.recommendations if t >= now - up_w)
        down_rec = max(r for t, r in self.recommendations if t >= now - down_w)
        want = current
        if up_rec > current:
            want = up_rec
            limit = self._limit(self.p["up"], now, up=True)
            if limit is not None:
                want = min(want, limit)
        elif down_rec < current:
            want = down_rec
            limit = self._limit(self.p["down"], now, up=False)
            if limit is not None:
                want = max(want, limit)
        want = max(self.p["min"], min(self.p["max"], want))
        return want

    def record(self, replicas):
        self.history.append((time.monotonic(), replicas))


def queue_length(world):
    """KEDA's QueueLength with protocol http: ready + unacknowledged
    messages. The management API reports a new queue's counts only after a
    few seconds, so the ready count comes from a passive declare (exact, at
    once) and the unacknowledged one from the management API. Returns
    None while the API has no count yet (a scaler error: KEDA reports
    none, and the HPA keeps the replica count)."""
    ready = world.ready_count(world.queue)
    unacked = world.mgmt_queue(world.queue).get("messages_unacknowledged")
    if unacked is None:
        return None
    return ready + unacked


def test_flood_scales_out_drains_and_scales_back(world):
    policy = load_policy()
    assert policy["max"] > 1, "the ScaledObject allows only one replica"
    if policy["max"] > MAX_REPLICAS_HERE:
        print(f"maxReplicaCount {policy['max']} capped to {MAX_REPLICAS_HERE} "
              f"on this machine")
        policy = dict(policy, max=MAX_REPLICAS_HERE)
    env = {"WEIR_ROLE": "processor"}
    replicas = [world.weir(**env)]
    hpa = Autoscaler(policy, len(replicas))
    # As in the VM test, the processor runs (and its queue is known to the
    # management API) before the flood.
    wait_until(lambda: queue_length(world) is not None, 30,
               "the management API to report the queue")
    # Few windows (2 sources, 1 type, 2 minutes): fewer aggregate updates.
    events = make_events(FLOOD, world.prefix + "fl-", seed=3, sources=2,
                         types=1, span_min=2, rich=False)
    # The flood lands first (~1 s), as a burst does before KEDA's next poll.
    pub = world.publisher(event_msgs(events))
    pub.wait(60)
    sync = 15 / TIME_DIVISOR
    seen_max, trace, drained_at, exits = 1, [], None, []
    start = time.monotonic()
    deadline = start + 240
    while time.monotonic() < deadline:
        depth = queue_length(world)
        if depth is None:
            time.sleep(sync)
            continue
        want = hpa.desired(len(replicas), depth)
        while len(replicas) < want:
            replicas.append(world.weir(wait_ready=False, **env))
        while len(replicas) > want:
            p = replicas.pop()
            rc, secs = p.terminate(15)
            exits.append((p.label, rc, round(secs, 1)))
        if len(replicas) != hpa.history[-1][1]:
            hpa.record(len(replicas))
            trace.append((round(time.monotonic() - start, 1), depth,
                          len(replicas)))
        seen_max = max(seen_max, len(replicas))
        if depth == 0 and drained_at is None:
            drained_at = time.monotonic()
        if drained_at is not None and len(replicas) == policy["min"]:
            break
        time.sleep(sync)
    print(f"scaling trace (t, queue length, replicas): {trace}")
    print(f"terminated replicas (label, exit code, seconds): {exits}")
    assert seen_max > 1, f"never scaled above one replica: {trace}"
    assert drained_at is not None, "the backlog did not drain within 240 s"
    assert len(replicas) == policy["min"], (
        f"{len(replicas)} replicas left, expected {policy['min']}: {trace}")
    bad = [e for e in exits if e[1] != 0 or e[2] > 10]
    assert not bad, f"replicas that did not drain and exit 0 within 10 s: {bad}"
    pub.wait(30)
    world.wait_drained(FLOOD)
    world.assert_exactly([e.id for e in events])
