"""scripts/deploy.sh, update.sh and rollback.sh, and the deploy workflow's
host check, on the real control plane of scripts/cluster: what they ask the
API server (kubectl calls noted by a recorder that lets the cluster's kubectl
answer), what they refuse before touching the cluster, and what the cluster
runs afterwards. test_cluster.py covers the plain deploy, update, failed
update and rollback; this file the rest of what the scripts promise.

The tests run in file order and build on each other: dev first, then
production from a fresh copy without secrets or site settings.
"""
import base64
import json
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import NAMESPACE, REPO, SITE_HOST, SITE_IMAGE, SITE_TAG, copy_work

N = f"--namespace {NAMESPACE}"
DIGEST = "sha256:" + "0123456789abcdef" * 4
GET_IMAGES = (f"{N} get deployment weir-processor weir-api --ignore-not-found -o "
              'jsonpath={range .items[*]}{.spec.template.spec.containers[?(@.name=="weir")].image}{"\\n"}{end}')
# What deploy.sh asks after its cluster checks (and, for production, the
# read of the images weir runs): add-ons there, apply, then the waits.
DEPLOY_CALLS = ["get crd servicemonitors.monitoring.coreos.com", "get crd scaledobjects.keda.sh",
                f"{N} get job mongodb-init", f"{N} delete job mongodb-init --wait=true", "apply -f RENDERED",
                f"{N} rollout status statefulset/rabbitmq --timeout=Ns",
                f"{N} rollout status statefulset/mongodb --timeout=Ns",
                f"{N} wait --for=condition=complete job/mongodb-init --timeout=Ns",
                f"{N} rollout status deployment/weir-processor --timeout=Ns",
                f"{N} rollout status deployment/weir-api --timeout=Ns",
                f"{N} get ingress weir-api -o jsonpath={{.spec.rules[0].host}}"]
CHECKS = ["version", "config current-context"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A copy of scripts/ and k8s/ without secrets or site settings, for the
    runs that must find none (the session's `work` may have both)."""
    return copy_work(tmp_path_factory.mktemp("fresh"))


def normalised(calls):
    """The calls with the waits' timeouts (what is left of deploy.sh's
    overall one) and the rendered file's temporary name made constant."""
    return [re.sub(r"^apply -f .*", "apply -f RENDERED", re.sub(r"--timeout=[0-9]+s", "--timeout=Ns", c))
            for c in calls]


def ok(r):
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def snapshot(cluster):
    """The weir namespace's workloads and Ingress with their generations:
    a change to any spec changes it (status updates do not)."""
    return cluster.kubectl("get", "deployments,statefulsets,ingresses", "-o",
                           "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.generation} {end}").stdout


def images(cluster):
    return cluster.image_of("weir-processor"), cluster.image_of("weir-api")


def never_ready(cluster, tmp_path_factory, role):
    """An image whose pods of `role` run but never answer /readyz; the other
    role runs weir, so one Deployment's rollout succeeds and the other's not."""
    image = f"localhost/weir:{role}-never-ready"
    # An image directory: the pod sees it at /run/weir-image, not the
    # repository, which its /tmp emptyDir hides when the clone is under /tmp.
    directory = tmp_path_factory.mktemp(f"{role}-never-ready")
    directory.chmod(0o755)
    shutil.copy2(REPO / "build" / "weir", directory / "weir-real")
    wrapper = directory / "weir"
    wrapper.write_text(f'#!/bin/sh\n[ "$WEIR_ROLE" = {role} ] && exec sleep 3600\nexec /run/weir-image/weir-real "$@"\n')
    wrapper.chmod(0o755)
    cluster.load_image(image, directory)
    return image


def ensure_dev(cluster):
    """dev deployed (test_cluster.py leaves it so; run alone, this file
    deploys it), both weir Deployments on localhost/weir:dev."""
    if cluster.kubectl("get", "deployment", "weir-processor", check=False).returncode != 0:
        ok(cluster.script("deploy.sh", "--timeout", "600", "dev"))
    if images(cluster) != ("localhost/weir:dev",) * 2:
        ok(cluster.script("update.sh", "--image", "localhost/weir", "--timeout", "120s", "all", "dev"))


# ---- deploy.sh dev -----------------------------------------------------------

def test_deploy_dev_renders_with_kustomize_and_generates_secrets(cluster, fresh, tmp_path):
    """deploy.sh dev from a copy without secrets: renders with $KUSTOMIZE,
    generates the secrets and applies them, deletes the finished
    mongodb-init Job before the apply, then waits in order."""
    ensure_dev(cluster)
    used = tmp_path / "kustomize-used"
    kustomize = tmp_path / "kustomize"
    # $KUSTOMIZE build DIR, answered by the kustomize in the cluster's kubectl.
    kustomize.write_text(f'#!/bin/sh\necho "$*" >>{used}\n[ "$1" = build ] && shift\n'
                         f'exec {cluster.kubectl_bin} kustomize "$@"\n')
    kustomize.chmod(0o755)
    r, calls = cluster.recorded("deploy.sh", "--timeout", "600", "dev", repo=fresh,
                                env={"KUSTOMIZE": str(kustomize)})
    ok(r)
    assert used.read_text().startswith(f"build {fresh}/k8s/overlays/dev"), used.read_text()
    assert normalised(calls) == CHECKS + DEPLOY_CALLS, calls
    secrets = fresh / "k8s" / "overlays" / "dev" / "secrets"
    assert (secrets / "mongodb.env").stat().st_size > 0, "deploy.sh did not generate the dev secrets"
    # What runs is this copy's overlay with its new secrets: every object
    # exists, and the RabbitMQ password is the generated one.
    rendered = tmp_path / "dev.yaml"
    rendered.write_text(cluster.kubectl("kustomize", str(fresh / "k8s" / "overlays" / "dev"), namespace=None).stdout)
    objs = [d for d in yaml.safe_load_all(rendered.read_text()) if d]
    live = cluster.kubectl("get", "-f", str(rendered), "-o", "name", namespace=None).stdout.split()
    assert len(live) == len(objs), live
    generated = dict(line.split("=", 1) for line in (secrets / "rabbitmq.env").read_text().splitlines() if "=" in line)
    secret = next(o for o in objs if o["kind"] == "Secret" and o["metadata"]["name"] == "rabbitmq")
    data = cluster.get("secret", secret["metadata"]["name"])["data"]
    assert generated and {k: base64.b64decode(v).decode() for k, v in data.items() if k in generated} == generated


def test_deploy_refuses_production_without_usable_site_settings(cluster, fresh):
    """Production without site settings, with an example host, or without a
    first --tag: refused before any kubectl call, nothing written."""
    before = snapshot(cluster)
    r, calls = cluster.recorded("deploy.sh", "production", repo=fresh)
    assert (r.returncode, calls) == (1, []), (r.returncode, calls, r.stderr)
    assert "run scripts/site production --host" in r.stderr, r.stderr
    r, calls = cluster.recorded("deploy.sh", "--host", "weir.example.com", "--image", SITE_IMAGE, "production",
                                repo=fresh)
    assert (r.returncode, calls) == (2, []) and "--host" in r.stderr, (r.returncode, calls, r.stderr)
    r, calls = cluster.recorded("deploy.sh", "--host", SITE_HOST, "--image", SITE_IMAGE, "production", repo=fresh)
    assert (r.returncode, calls) == (2, []) and "--tag" in r.stderr, (r.returncode, calls, r.stderr)
    assert not (fresh / "k8s" / "overlays" / "production" / "site").exists(), "site settings written"
    assert snapshot(cluster) == before


def test_deploy_no_monitoring_without_the_operator_applies_nothing(cluster):
    """Without the Prometheus Operator's CRD (deleted for the test, then
    created again) and with --no-monitoring, deploy.sh stops before applying."""
    name = "servicemonitors.monitoring.coreos.com"
    crd = cluster.get("crd", name, namespace=None)
    again = {"apiVersion": crd["apiVersion"], "kind": crd["kind"], "spec": crd["spec"],
             "metadata": {k: v for k, v in crd["metadata"].items() if k in ("name", "labels", "annotations")}}
    before = snapshot(cluster)
    cluster.kubectl("delete", "crd", name, "--timeout=120s", namespace=None)
    try:
        r, calls = cluster.recorded("deploy.sh", "--no-monitoring", "dev")
    finally:
        cluster.kubectl("create", "-f", "-", input=json.dumps(again), namespace=None)
        cluster.kubectl("wait", "--for=condition=Established", f"crd/{name}", "--timeout=60s", namespace=None)
    assert r.returncode == 1 and "--no-monitoring" in r.stderr, r.stdout + r.stderr
    assert calls == CHECKS + [f"get crd {name}"], calls
    assert snapshot(cluster) == before


# ---- update.sh and rollback.sh on dev ----------------------------------------

def test_update_sets_image_and_change_cause(cluster):
    """update.sh processor v3: the repository the Deployment runs, the
    change cause in the rollout history, the default timeout of 300s."""
    cluster.load_image("localhost/weir:v3")
    r, calls = cluster.recorded("update.sh", "processor", "v3")
    ok(r)
    assert calls == [
        f'{N} get deployment weir-processor -o jsonpath={{.spec.template.spec.containers[?(@.name=="weir")].image}}',
        f"{N} set image deployment/weir-processor weir=localhost/weir:v3",
        f"{N} annotate --overwrite deployment/weir-processor kubernetes.io/change-cause=scripts/update.sh processor v3",
        f"{N} rollout status deployment/weir-processor --timeout=300s"], calls
    assert cluster.image_of("weir-processor") == "localhost/weir:v3"
    history = cluster.kubectl("rollout", "history", "deployment/weir-processor").stdout
    assert "scripts/update.sh processor v3" in history, history


def test_rollback_spark_means_processor(cluster):
    """The earlier design's name 'spark' rolls weir-processor back, saying so."""
    r, calls = cluster.recorded("rollback.sh", "spark")
    ok(r)
    assert "'spark' is the earlier design's name" in r.stderr, r.stderr
    assert calls == [f"{N} rollout history deployment/weir-processor", f"{N} rollout undo deployment/weir-processor",
                     f"{N} rollout status deployment/weir-processor --timeout=300s"], calls
    assert cluster.image_of("weir-processor") == "localhost/weir:dev"


def test_update_digest_and_registry_with_a_port(cluster):
    """A registry with a port is kept as the repository, and a digest
    becomes REPOSITORY@DIGEST."""
    repo = "localhost:5000/team/weir"
    cluster.load_image(f"{repo}:old")
    cluster.load_image(f"{repo}@{DIGEST}")
    ok(cluster.script("update.sh", "--image", repo, "--timeout", "120s", "api", "old"))
    r, calls = cluster.recorded("update.sh", "--timeout", "120s", "api", DIGEST)
    ok(r)
    assert f"{N} set image deployment/weir-api weir={repo}@{DIGEST}" in calls, calls
    assert cluster.image_of("weir-api") == f"{repo}@{DIGEST}"
    assert cluster.pod_images("api") == [f"{repo}@{DIGEST}"]


def test_rollback_all_goes_on_after_a_failure(cluster, tmp_path_factory):
    """rollback.sh all: weir-processor's previous revision never gets Ready,
    so it exits 1, but only after rolling weir-api back as well."""
    broken = never_ready(cluster, tmp_path_factory, "processor")
    # A processor revision that never gets Ready, then dev again.
    cluster.kubectl("set", "image", "deployment/weir-processor", f"weir={broken}")
    cluster.kubectl("set", "image", "deployment/weir-processor", "weir=localhost/weir:dev")
    cluster.kubectl("rollout", "status", "deployment/weir-processor", "--timeout=120s")
    r, calls = cluster.recorded("rollback.sh", "--timeout", "45s", "all")
    assert r.returncode == 1 and "rollback of all did not finish" in r.stderr, r.stdout + r.stderr
    assert calls == [f"{N} rollout {verb} deployment/{d}{extra}"
                     for d in ("weir-processor", "weir-api")
                     for verb, extra in (("history", ""), ("undo", ""), ("status", " --timeout=45s"))], calls
    assert images(cluster) == (broken, "localhost:5000/team/weir:old")
    ok(cluster.script("update.sh", "--image", "localhost/weir", "--timeout", "120s", "all", "dev"))


def test_failed_update_of_all_undoes_every_changed_deployment(cluster, tmp_path_factory):
    """update.sh all: weir-processor rolls out, weir-api never gets Ready:
    both are undone, in order, and it exits 1."""
    broken = never_ready(cluster, tmp_path_factory, "api")
    tag = broken.rsplit(":", 1)[1]
    r, calls = cluster.recorded("update.sh", "--image", "localhost/weir", "--timeout", "45s", "all", tag)
    assert r.returncode == 1 and "rolled back weir-processor weir-api" in r.stderr, r.stdout + r.stderr
    cause = f"kubernetes.io/change-cause=scripts/update.sh all {tag}"
    assert calls == [
        f"{N} set image deployment/weir-processor weir={broken}",
        f"{N} annotate --overwrite deployment/weir-processor {cause}",
        f"{N} rollout status deployment/weir-processor --timeout=45s",
        f"{N} set image deployment/weir-api weir={broken}",
        f"{N} annotate --overwrite deployment/weir-api {cause}",
        f"{N} rollout status deployment/weir-api --timeout=45s",
        f"{N} rollout undo deployment/weir-processor",
        f"{N} rollout status deployment/weir-processor --timeout=45s",
        f"{N} rollout undo deployment/weir-api",
        f"{N} rollout status deployment/weir-api --timeout=45s"], calls
    assert images(cluster) == ("localhost/weir:dev",) * 2
    assert cluster.pod_images("api") == ["localhost/weir:dev"]


@pytest.mark.parametrize("script,args,status", [
    ("update.sh", ["database", "1.0"], 1), ("update.sh", ["processor", "v1;rm -rf /"], 1),
    ("update.sh", ["processor"], 2), ("rollback.sh", ["all", "2"], 1), ("rollback.sh", ["api", "zero"], 1)])
def test_bad_input_refused_before_any_kubectl_call(cluster, script, args, status):
    before = snapshot(cluster)
    r, calls = cluster.recorded(script, *args)
    assert (r.returncode, calls) == (status, []), (r.returncode, calls, r.stderr)
    assert snapshot(cluster) == before


# ---- deploy.sh production ----------------------------------------------------

def site(repo):
    r = subprocess.run([str(repo / "scripts" / "site"), "--show", "production"], capture_output=True, text=True)
    return dict(line.split("=", 1) for line in r.stdout.split())


def deploy_production(cluster, fresh, *args, status=0):
    r, calls = cluster.recorded("deploy.sh", "--timeout", "600", *args, "production", repo=fresh)
    assert r.returncode == status, r.stdout + r.stderr
    return r, normalised(calls)


def production_calls(fresh, first=False):
    """DEPLOY_CALLS of deploy.sh production with neither $KUSTOMIZE nor
    kustomize on PATH: it renders with kubectl's own. The first run finds
    no mongodb-init Job to delete."""
    calls = DEPLOY_CALLS[:2] + [f"kustomize {fresh}/k8s/overlays/production"] + DEPLOY_CALLS[2:]
    return [c for c in calls if not (first and "delete job" in c)]


def expect_production(cluster, fresh, image):
    """Production runs `image` in both Deployments behind the test's host,
    and its site settings name them."""
    assert images(cluster) == (image, image)
    assert cluster.get("ingress", "weir-api")["spec"]["rules"][0]["host"] == SITE_HOST
    assert cluster.get("statefulset", "mongodb")["spec"]["replicas"] == 3
    assert site(fresh) == {"host": SITE_HOST, "image": image}


def test_production_first_deploy_writes_and_applies_site_settings(cluster, fresh):
    """--host/--image/--tag write the site settings and the first
    deployment applies them; a second run without them uses them."""
    # StatefulSet volume claims are immutable: production cannot be applied over dev.
    cluster.reset_namespace()
    cluster.load_image(f"{SITE_IMAGE}:{SITE_TAG}")
    _, calls = deploy_production(cluster, fresh, "--host", SITE_HOST, "--image", SITE_IMAGE, "--tag", SITE_TAG)
    assert calls == CHECKS + production_calls(fresh, first=True), calls
    expect_production(cluster, fresh, f"{SITE_IMAGE}:{SITE_TAG}")
    r, calls = deploy_production(cluster, fresh)
    assert calls == CHECKS + [GET_IMAGES] + production_calls(fresh), calls
    assert "site settings follow" not in r.stderr, r.stderr
    expect_production(cluster, fresh, f"{SITE_IMAGE}:{SITE_TAG}")


def test_production_follows_update_and_rollback(cluster, fresh):
    """After update.sh or rollback.sh changed the image weir runs, deploy.sh
    production applies that one, not the older one of its site settings."""
    cluster.load_image(f"{SITE_IMAGE}:1.2.0")
    ok(cluster.script("update.sh", "--timeout", "120s", "all", "1.2.0", repo=fresh))
    r, _ = deploy_production(cluster, fresh)
    assert "site settings follow" in r.stderr, r.stderr
    expect_production(cluster, fresh, f"{SITE_IMAGE}:1.2.0")
    ok(cluster.script("rollback.sh", "--timeout", "120s", "all", repo=fresh))
    deploy_production(cluster, fresh)
    expect_production(cluster, fresh, f"{SITE_IMAGE}:{SITE_TAG}")


def test_production_tag_wins_and_two_images_are_refused(cluster, fresh):
    """--tag wins over what runs; when the two Deployments run different
    images, deploy.sh asks which one and applies nothing."""
    for tag in ("1.3.0", "1.4.0"):
        cluster.load_image(f"{SITE_IMAGE}:{tag}")
    deploy_production(cluster, fresh, "--tag", "1.3.0")
    expect_production(cluster, fresh, f"{SITE_IMAGE}:1.3.0")
    ok(cluster.script("update.sh", "--timeout", "120s", "processor", "1.4.0", repo=fresh))
    r, calls = deploy_production(cluster, fresh, status=1)
    assert "run different images" in r.stderr, r.stderr
    assert calls == CHECKS + [GET_IMAGES], calls
    assert images(cluster) == (f"{SITE_IMAGE}:1.4.0", f"{SITE_IMAGE}:1.3.0")
    assert site(fresh)["image"] == f"{SITE_IMAGE}:1.3.0"


def test_production_other_repository_not_followed_digest_followed(cluster, fresh):
    """Another repository's image (dev's localhost/weir:dev) is replaced by
    the site settings' one, which stay; a running REPOSITORY:TAG@DIGEST of
    their repository is followed by its digest, once."""
    ok(cluster.script("update.sh", "--image", "localhost/weir", "--timeout", "120s", "all", "dev", repo=fresh))
    r, _ = deploy_production(cluster, fresh)
    assert "not from the site settings' repository" in r.stderr, r.stderr
    expect_production(cluster, fresh, f"{SITE_IMAGE}:1.3.0")
    pinned = f"{SITE_IMAGE}:1.2.0@{DIGEST}"
    cluster.load_image(pinned)
    cluster.load_image(f"{SITE_IMAGE}@{DIGEST}")
    for d in ("weir-processor", "weir-api"):
        cluster.kubectl("set", "image", f"deployment/{d}", f"weir={pinned}")
    for d in ("weir-processor", "weir-api"):
        cluster.kubectl("rollout", "status", f"deployment/{d}", "--timeout=120s")
    r, _ = deploy_production(cluster, fresh)
    assert "site settings follow" in r.stderr, r.stderr
    expect_production(cluster, fresh, f"{SITE_IMAGE}@{DIGEST}")
    r, _ = deploy_production(cluster, fresh)
    assert "site settings follow" not in r.stderr, r.stderr
    expect_production(cluster, fresh, f"{SITE_IMAGE}@{DIGEST}")


# ---- the deploy workflow's host check ----------------------------------------

def host_check_step():
    """The run of .github/workflows/deploy.yml's step that reads the Ingress
    host, which must come after the credentials and before the rollout."""
    steps = yaml.safe_load((REPO / ".github" / "workflows" / "deploy.yml").read_text())["jobs"]["deploy"]["steps"]
    found = [i for i, s in enumerate(steps) if "get ingress weir-api" in s.get("run", "")]
    assert found, "no step of job deploy reads the Ingress host"
    creds = next(i for i, s in enumerate(steps) if s.get("name") == "Cluster credentials")
    rollout = next(i for i, s in enumerate(steps) if "scripts/update.sh" in s.get("run", ""))
    assert creds < found[0] < rollout, (creds, found[0], rollout)
    return steps[found[0]]["run"]


def test_ci_host_check_as_the_deployer(cluster, tmp_path):
    """The workflow's step, run as the weir-deployer ServiceAccount (whose
    Role must let it read the Ingress): passes on production's host, fails
    saying so on another WEIR_HOST, without the Role, and without an Ingress."""
    step = host_check_step()

    def run(weir_host, account="weir-deployer"):
        bin_dir = tmp_path / account
        bin_dir.mkdir(exist_ok=True)
        kubectl = bin_dir / "kubectl"
        kubectl.write_text(f'#!/bin/sh\nexec {cluster.kubectl_bin} --kubeconfig {cluster.env["KUBECONFIG"]} '
                           f'--as=system:serviceaccount:{NAMESPACE}:{account} "$@"\n')
        kubectl.chmod(0o755)
        # HOME: kubectl's cache goes there, else into the working directory.
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "WEIR_HOST": weir_host}
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step], env=env,
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout + r.stderr

    assert run(SITE_HOST) == (0, "")
    rc, out = run("api.k8s-test.internal")
    assert rc == 1 and (f"::error::variable WEIR_HOST is api.k8s-test.internal but the cluster's Ingress "
                        f"weir-api serves {SITE_HOST}") in out, out
    rc, out = run(SITE_HOST, account="default")
    assert rc == 1 and "cannot read Ingress weir-api" in out, out
    cluster.kubectl("delete", "ingress", "weir-api")
    rc, out = run(SITE_HOST)
    assert rc == 1 and "run scripts/deploy.sh production" in out, out
