"""weir's manifests and deploy scripts on a real control plane (scripts/cluster):
server-side apply of both overlays, deploy, update, rollback, and KEDA + the
HPA scaling real weir processes on a real queue's depth, exactly once.

The tests run in file order and build on each other (deploy, then update,
then scale), as an operator would.
"""
import copy
import csv
import json
import math
import pathlib
import threading
import time
import urllib.parse

import pymongo
import pytest
import requests
import yaml
from checks import to_ms, wait_until
from eventgen import event_msgs, make_events
from publisher import AsyncPublisher

from conftest import NAMESPACE, REPO, it

# The run's record; docs/images/cluster-scaling.svg is a copy of one run's plot.
RECORD = REPO / ".weir" / "cluster-scaling"
# Published at a steady rate for 40 s, so that the queue holds thousands of
# ready and unacknowledged messages through several HPA syncs (15 s each).
# A burst drains between two syncs: one processor stores ~6 000 events/s.
# More events make FerretDB the test's subject: it pushes no filter down, so
# each window rebuild reads the whole events collection.
FLOOD = 40000
RATE = 1000
# Then a trickle, during which the HPA removes processors that are busy.
TRICKLE = 2700
TRICKLE_RATE = 30
# The manifests shed half the processors a minute after 60 s of lower demand
# (test_deploy_dev checks those values): 10 -> 1 takes four minutes. Here
# the same policy runs on 15 s, so the test shows the same steps sooner.
FAST_SCALE_DOWN = {"stabilizationWindowSeconds": 15, "selectPolicy": "Max",
                   "policies": [{"type": "Percent", "value": 50, "periodSeconds": 15}]}


def docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


def find(objs, kind, name):
    return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name)


def apply(cluster, objs, *flags, check=False):
    return cluster.kubectl("apply", "--server-side", "--field-manager=weir-test", *flags, "-f", "-",
                           input=yaml.safe_dump_all(objs), check=check, namespace=None)


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_overlay_accepted_by_the_api_server(cluster, rendered, overlay):
    """Every object of the overlay passes the API server's schema, strict field
    validation and admission (KEDA's webhooks included), as a dry run."""
    objs = docs(rendered[overlay])
    apply(cluster, [o for o in objs if o["kind"] == "Namespace"], check=True)
    r = apply(cluster, objs, "--dry-run=server", "--validate=strict", "--force-conflicts")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("serverside-applied") == len(objs), r.stdout


def test_broken_manifests_are_rejected(cluster, rendered):
    """The check above can fail: an unknown field, a wrong type and a bad
    ScaledObject are each refused by the API server."""
    objs = docs(rendered["dev"])
    deploy = find(objs, "Deployment", "weir-processor")
    unknown = copy.deepcopy(deploy)
    unknown["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    wrong_type = copy.deepcopy(deploy)
    wrong_type["spec"]["replicas"] = "two"
    scaled = copy.deepcopy(find(objs, "ScaledObject", "weir-processor"))
    scaled["spec"]["minReplicaCount"] = "one"
    for bad, why in ((unknown, 'imagePullPolicyy: field not declared in schema'),
                     (wrong_type, "spec.replicas"), (scaled, "spec.minReplicaCount")):
        r = apply(cluster, [bad], "--dry-run=server", "--validate=strict")
        assert r.returncode != 0 and why in r.stderr, (why, r.stderr)


def test_deploy_dev(cluster):
    """scripts/deploy.sh dev: every Deployment Available, the ScaledObject
    Ready, and KEDA's HPA with the manifest's bounds and behaviour."""
    r = cluster.script("deploy.sh", "--timeout", "600", "dev")
    assert r.returncode == 0, r.stdout + r.stderr
    deployments = cluster.get("deployments")["items"]
    assert {d["metadata"]["name"] for d in deployments} == {"weir-api", "weir-processor"}
    for d in deployments:
        cond = {c["type"]: c["status"] for c in d["status"]["conditions"]}
        assert cond.get("Available") == "True", d["metadata"]["name"]
    so = cluster.get("scaledobject", "weir-processor")
    cond = {c["type"]: c["status"] for c in so["status"]["conditions"]}
    assert cond.get("Ready") == "True", so["status"]
    hpa = cluster.get("hpa", "weir-processor")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 10)
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 60
    metrics = {m.get("external", m.get("resource", {})).get("metric", {}).get("name")
               or m["resource"]["name"] for m in hpa["spec"]["metrics"]}
    assert metrics == {"s0-rabbitmq-events-process", "cpu", "memory"}, metrics


def test_keda_webhook_rejects_a_second_scaledobject(cluster):
    """KEDA's admission webhook is registered: a second ScaledObject for the
    same Deployment is refused."""
    so = cluster.get("scaledobject", "weir-processor")
    dup = {"apiVersion": so["apiVersion"], "kind": "ScaledObject",
           "metadata": {"name": "weir-processor-again", "namespace": NAMESPACE},
           "spec": {"scaleTargetRef": so["spec"]["scaleTargetRef"],
                    "triggers": [{"type": "cpu", "metricType": "Utilization", "metadata": {"value": "50"}}]}}

    # The webhook sees ScaledObjects through its informer cache, which may
    # not hold the one deploy.sh has just made.
    def refused():
        r = apply(cluster, [dup], "--dry-run=server")
        return r.returncode != 0 and "already managed by the ScaledObject" in r.stderr
    wait_until(refused, 60, "KEDA's webhook to refuse a second ScaledObject", interval=2)


def test_servicemonitors_select_named_ports(cluster):
    """Every ServiceMonitor endpoint names a port of each Service it selects,
    and selects at least one Service."""
    services = cluster.get("services")["items"]
    monitors = cluster.get("servicemonitors")["items"]
    assert {"weir", "rabbitmq"} <= {sm["metadata"]["name"] for sm in monitors}
    for sm in monitors:
        sel = sm["spec"]["selector"]["matchLabels"]
        chosen = [s for s in services
                  if all(s["metadata"].get("labels", {}).get(k) == v for k, v in sel.items())]
        assert chosen, f"ServiceMonitor {sm['metadata']['name']} selects no Service"
        for s in chosen:
            names = {p.get("name") for p in s["spec"]["ports"]}
            for ep in sm["spec"]["endpoints"]:
                assert ep["port"] in names, (sm["metadata"]["name"], s["metadata"]["name"], ep["port"], names)


def ready_pods(cluster, component):
    pods = cluster.get("pods", "-l", f"app.kubernetes.io/component={component},app.kubernetes.io/name=weir")
    return [p for p in pods["items"] if not p["metadata"].get("deletionTimestamp") and
            any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))]


def test_update_rolls_out(cluster):
    cluster.load_image("localhost/weir:v2")
    r = cluster.script("update.sh", "--timeout", "120s", "processor", "v2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert cluster.image_of("weir-processor") == "localhost/weir:v2"
    wait_until(lambda: cluster.pod_images("processor") == ["localhost/weir:v2"], 60, "only v2 pods")
    assert ready_pods(cluster, "processor")


def test_update_that_never_gets_ready_is_rolled_back(cluster):
    """An image that cannot be pulled never gets Ready: update.sh undoes the
    rollout itself and exits 1; the previous ReplicaSet keeps serving."""
    r = cluster.script("update.sh", "--timeout", "30s", "processor", "not-loaded")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "rolled back weir-processor" in r.stderr, r.stderr
    assert cluster.image_of("weir-processor") == "localhost/weir:v2"
    wait_until(lambda: cluster.pod_images("processor") == ["localhost/weir:v2"], 60, "only v2 pods")
    assert ready_pods(cluster, "processor")


def test_rollback_returns_to_the_previous_revision(cluster):
    r = cluster.script("update.sh", "--timeout", "120s", "api", "v2")
    assert r.returncode == 0, r.stdout + r.stderr
    r = cluster.script("rollback.sh", "--timeout", "120s", "api")
    assert r.returncode == 0, r.stdout + r.stderr
    assert cluster.image_of("weir-api") == "localhost/weir:dev"
    r = cluster.script("rollback.sh", "--timeout", "120s", "processor", revision_of(cluster, "processor", "localhost/weir:dev"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert cluster.image_of("weir-processor") == "localhost/weir:dev"
    wait_until(lambda: cluster.pod_images("processor") == ["localhost/weir:dev"], 60, "only dev pods")


def revision_of(cluster, component, image):
    """The Deployment revision whose pods run `image`, from its ReplicaSets."""
    sets = cluster.get("replicasets", "-l", f"app.kubernetes.io/component={component},app.kubernetes.io/name=weir")
    return next(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in sets["items"]
                if rs["spec"]["template"]["spec"]["containers"][0]["image"] == image)


def quantity(q):
    """A Kubernetes quantity as the HPA writes metric values ("609", "4812100m")."""
    q = str(q)
    return float(q[:-1]) / 1000 if q.endswith("m") else float(q.rstrip("k")) * (1000 if q.endswith("k") else 1)


class Recorder:
    """Queue depth (ready + unacked, as KEDA reads it), replicas and the HPA's
    view of the queue metric (messages per replica), over time."""

    def __init__(self, cluster):
        self.cluster, self.rows, self.t0 = cluster, [], time.monotonic()
        broker = urllib.parse.urlparse(cluster.env["RABBITMQ_URL"]).hostname
        self.mgmt = f"http://{broker}:15672/api/queues/%2F/events.process"

    def sample(self):
        q = requests.get(self.mgmt, auth=("guest", "guest"), timeout=5).json()
        d = self.cluster.get("deployment", "weir-processor")
        hpa = self.cluster.get("hpa", "weir-processor")
        per_replica = next((quantity(m["external"]["current"]["averageValue"])
                            for m in hpa["status"].get("currentMetrics") or []
                            if m["type"] == "External" and "averageValue" in m["external"]["current"]), 0.0)
        row = (round(time.monotonic() - self.t0, 1), q.get("messages_ready", 0) + q.get("messages_unacknowledged", 0),
               d["spec"].get("replicas", 0), d["status"].get("readyReplicas", 0), per_replica)
        self.rows.append(row)
        return row

    def until(self, what, cond, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.sample()
            if cond(row):
                return row
            time.sleep(2)
        pytest.fail(f"timed out after {timeout}s waiting for {what}; last (t, depth, replicas, ready, "
                    f"per replica): {self.rows[-3:]}", pytrace=False)


def exits(cluster):
    """How the pod runner saw each weir process end: 'exited with N' lines."""
    log = pathlib.Path(cluster.env["KUBECONFIG"]).parent / "log" / "pod-runner.log"
    return [line for line in log.read_text().splitlines() if "exited with" in line or "SIGKILL" in line]


def test_keda_scales_processors_on_queue_depth_exactly_once(cluster):
    """A flood on the cluster's broker: KEDA and the HPA raise weir-processor
    above one replica with the manifests' own thresholds, on the queue metric;
    the weir processes drain it; while a trickle of events still arrives the
    HPA scales down, each processor it removes draining and exiting 0; after
    the cooldown one replica is left. Every event is stored once (the
    aggregates are the next test's)."""
    store = pymongo.MongoClient(cluster.env["MONGODB_URI"], directConnection=True)
    db = store["weir"]
    before = db.events.estimated_document_count()
    exits_before = len(exits(cluster))
    run = f"cluster-{int(time.time())}-"
    flood = make_events(FLOOD, run + "f", seed=11, sources=3, types=2, rich=False)
    trickle = make_events(TRICKLE, run + "t", seed=12, sources=3, types=2, rich=False)
    url = urllib.parse.urlparse(cluster.env["RABBITMQ_URL"])
    patch = {"spec": {"advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": FAST_SCALE_DOWN}}}}}
    cluster.kubectl("patch", "scaledobject", "weir-processor", "--type=merge", "-p", json.dumps(patch))
    wait_until(lambda: cluster.get("hpa", "weir-processor")["spec"]["behavior"]["scaleDown"]
               ["stabilizationWindowSeconds"] == 15, 60, "KEDA to pass the faster scale-down to the HPA")
    rec = Recorder(cluster)
    rec.sample()
    pub = AsyncPublisher(url.port, "events", event_msgs(flood), rate=RATE, host=url.hostname)
    pub.start()
    try:
        rec.until("more than one replica", lambda r: r[2] > 1, 180)
        pub.wait(600)
        late = AsyncPublisher(url.port, "events", event_msgs(trickle), rate=TRICKLE_RATE, host=url.hostname)
        late.start()
        peak = max(r[2] for r in rec.rows)
        rec.until("a scale-down while events still arrive", lambda r: r[2] < peak or late.done, 400)
        assert not late.done, "the HPA scaled down only after the trickle ended"
        late.wait(400)
        rec.until("one replica again", lambda r: r[2] == 1 and r[3] == 1 and r[1] == 0, 600)
    finally:
        write_csv(rec.rows)
    first_up = next(i for i, r in enumerate(rec.rows) if r[2] > 1)
    assert max(r[4] for r in rec.rows[:first_up + 1]) > 10, \
        f"the queue metric never exceeded its target (10 per replica) before the scale-up: {rec.rows[:first_up + 1]}"
    assert max(r[3] for r in rec.rows) > 1, "never more than one ready replica"
    ended = exits(cluster)[exits_before:]
    assert ended and all(line.endswith("exited with 0") for line in ended), ended
    ids = [e.id for e in flood + trickle]
    stored = db.events.count_documents({"_id": {"$in": ids}})
    assert stored == len(ids), f"{stored} of {len(ids)} events stored"
    assert db.events.estimated_document_count() == before + len(ids), "duplicates or strays"
    SCALED["ids"] = ids


# What the scaling test stored, for the aggregate check below.
SCALED = {}


def lost_increments(uri, writers=8, each=200):
    """How many of writers x each concurrent $inc on one document the store
    loses. MongoDB loses none; FerretDB 1.24 reads, changes and writes the
    document back, so concurrent increments overwrite each other."""
    probe = pymongo.MongoClient(uri, directConnection=True)["weir_cluster_probe"]["counter"]
    probe.delete_many({})
    probe.insert_one({"_id": "n", "count": 0})

    def inc():
        c = pymongo.MongoClient(uri, directConnection=True)["weir_cluster_probe"]["counter"]
        for _ in range(each):
            c.update_one({"_id": "n"}, {"$inc": {"count": 1}})
    threads = [threading.Thread(target=inc) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return writers * each - probe.find_one({"_id": "n"})["count"]


def test_aggregates_equal_a_recount_after_scaling(cluster):
    """The 1-minute aggregates of the scaling test's events equal a recount,
    once every window is settled. Up to ten processors add to the same
    window documents with $inc, which is exact only on a store whose $inc is
    atomic; the test measures that first and, on a store that loses
    concurrent increments, reports itself skipped with the numbers."""
    if "ids" not in SCALED:
        pytest.skip("the scaling test stored nothing")
    lost = lost_increments(cluster.env["MONGODB_URI"])
    if lost:
        pytest.skip(f"the store lost {lost} of 1600 concurrent $inc on one document (FerretDB 1.24 "
                    "updates by read-then-write): aggregates of several processors cannot add up here")
    db = pymongo.MongoClient(cluster.env["MONGODB_URI"], directConnection=True)["weir"]
    mine = list(db.events.find({"_id": {"$in": SCALED["ids"]}}, {"source": 1, "type": 1, "ts": 1, "value": 1}))
    expected = it.recompute_aggregates(mine)

    def problems():
        docs = [a for a in db.aggregates.find({"source": {"$in": [k[0] for k in expected]}})
                if (a["source"], a["type"], to_ms(a["window_start"])) in expected]
        return it.aggregate_problems(expected, docs)
    # Windows a stopped processor left marked are rebuilt by the aggregator.
    deadline = time.monotonic() + 300
    while (left := problems()) and time.monotonic() < deadline:
        time.sleep(5)
    assert not left, f"aggregates differ from a recount: {left[:10]}"


def write_csv(rows):
    """.weir/cluster-scaling.{csv,svg}: what the run saw, kept on failure too."""
    RECORD.parent.mkdir(exist_ok=True)
    with open(RECORD.with_suffix(".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_s", "queue_depth", "replicas", "ready_replicas", "queue_per_replica_hpa"])
        w.writerows(rows)
    RECORD.with_suffix(".svg").write_text(svg(rows))


def svg(rows):
    W, H, L, B = 720, 300, 60, 40
    tmax = max(r[0] for r in rows) or 1
    dmax = max(r[1] for r in rows) or 1
    rmax = max(10, max(r[2] for r in rows))

    def x(t):
        return L + (W - L - 60) * t / tmax

    def y(v, top):
        return H - B - (H - B - 20) * v / top

    depth = " ".join(f"{x(r[0]):.1f},{y(r[1], dmax):.1f}" for r in rows)
    reps = " ".join(f"{x(r[0]):.1f},{y(r[2], rmax):.1f}" for r in rows)
    ticks = "".join(f'<text x="{x(t):.0f}" y="{H - B + 16}" text-anchor="middle">{t:.0f}</text>'
                    for t in range(0, int(tmax) + 1, max(30, int(math.ceil(tmax / 8 / 30)) * 30)))
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">
<rect width="{W}" height="{H}" fill="white"/>
<text x="{L}" y="14" font-size="13">weir-processor on a real control plane: queue depth and replicas (scripts/test-cluster)</text>
<line x1="{L}" y1="{H - B}" x2="{W - 60}" y2="{H - B}" stroke="black"/>
<line x1="{L}" y1="20" x2="{L}" y2="{H - B}" stroke="black"/>
<line x1="{W - 60}" y1="20" x2="{W - 60}" y2="{H - B}" stroke="black"/>
{ticks}<text x="{(W - 60 + L) / 2}" y="{H - 6}" text-anchor="middle">seconds since the flood began</text>
<text x="{L - 6}" y="24" text-anchor="end">{dmax}</text><text x="{L - 6}" y="{H - B}" text-anchor="end">0</text>
<text x="{W - 54}" y="24">{rmax}</text><text x="{W - 54}" y="{H - B}">0</text>
<polyline points="{depth}" fill="none" stroke="#2f6fb0" stroke-width="2"/>
<polyline points="{reps}" fill="none" stroke="#c0392b" stroke-width="2"/>
<text x="{x(tmax * 0.45):.0f}" y="{H - B - 100}" fill="#2f6fb0">queue depth (ready + unacked, left axis)</text>
<text x="{x(tmax * 0.45):.0f}" y="{H - B - 84}" fill="#c0392b">replicas (right axis)</text>
</svg>
"""
