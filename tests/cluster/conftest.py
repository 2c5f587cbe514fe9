"""Fixtures for the real-cluster tests (scripts/test-cluster): the cluster that
`scripts/cluster up` started, kubectl on it, and a throw-away copy of
scripts/ and k8s/ with its own secrets and site settings.

The integration tests' helpers (event catalogue, confirming publisher,
aggregate recount) are loaded from tests/integration, so there is one copy.
"""
import importlib.util
import itertools
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
_IT = REPO / "tests" / "integration"
if str(_IT) not in sys.path:
    sys.path.insert(0, str(_IT))
_spec = importlib.util.spec_from_file_location("weir_it_conftest", _IT / "conftest.py")
it = importlib.util.module_from_spec(_spec)
sys.modules["weir_it_conftest"] = it
_spec.loader.exec_module(it)

NAMESPACE = "data-processing"
SITE_HOST = "weir.k8s-test.internal"
SITE_IMAGE = "registry.k8s-test.internal:5000/weir"
SITE_TAG = "0.0.0-k8s-test"
# Numbers the recorded kubectl call logs of a session.
_calls = itertools.count()


class Cluster:
    """The cluster of `scripts/cluster env`, and the scripts run against it."""

    def __init__(self, work):
        line = subprocess.check_output([str(REPO / "scripts" / "cluster"), "env"], text=True)
        self.env = dict(kv.split("=", 1) for kv in shlex.split(line.strip().splitlines()[-1]))
        self.kubectl_bin = self.env["KUBECTL"]
        self.work = work

    def kubectl(self, *args, check=True, input=None, namespace=NAMESPACE):
        cmd = [self.kubectl_bin, "--kubeconfig", self.env["KUBECONFIG"]]
        if namespace:
            cmd += ["--namespace", namespace]
        r = subprocess.run(cmd + list(args), input=input, capture_output=True, text=True, timeout=300)
        if check and r.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} failed ({r.returncode}): {r.stderr}", pytrace=False)
        return r

    def get(self, *args, namespace=NAMESPACE):
        return json.loads(self.kubectl("get", *args, "-o", "json", namespace=namespace).stdout)

    def script(self, name, *args, repo=None, env=None, timeout=900):
        """Runs scripts/NAME of the copy `repo` (default: the `work` copy)
        against the cluster, with `env` added; returns the result."""
        env = {**os.environ, "KUBECTL": self.kubectl_bin, "KUBECONFIG": self.env["KUBECONFIG"], **(env or {})}
        return subprocess.run([str((repo or self.work) / "scripts" / name), *args], env=env,
                              capture_output=True, text=True, timeout=timeout)

    def recorded(self, name, *args, **kw):
        """script() with KUBECTL a wrapper that notes each call's arguments,
        one line a call, and lets the cluster's kubectl answer it; returns
        the result and the calls."""
        log = self.work.parent / f"kubectl-calls-{next(_calls)}"
        wrapper = self.work.parent / "kubectl-recorder"
        if not wrapper.exists():
            wrapper.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "$*" >>"$KUBECTL_CALLS"\n'
                               f'exec {shlex.quote(self.kubectl_bin)} "$@"\n')
            wrapper.chmod(0o755)
        log.touch()
        r = self.script(name, *args, env=dict(kw.pop("env", None) or {}, KUBECTL=str(wrapper),
                                              KUBECTL_CALLS=str(log)), **kw)
        return r, log.read_text().splitlines()

    def load_image(self, image, binary=REPO / "build" / "weir"):
        subprocess.run([str(REPO / "scripts" / "cluster"), "load-image", image, str(binary)],
                       check=True, capture_output=True)

    def reset_namespace(self):
        """Deletes weir's namespace and makes Released volumes available
        again: StatefulSet volume claims are immutable, so dev and
        production cannot be applied over each other."""
        self.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--timeout=180s", namespace=None)
        for pv in self.get("pv", namespace=None)["items"]:
            if pv["status"].get("phase") == "Released":
                self.kubectl("patch", "pv", pv["metadata"]["name"], "--type=json",
                             "-p", '[{"op": "remove", "path": "/spec/claimRef"}]', namespace=None)

    def image_of(self, deployment):
        d = self.get("deployment", deployment)
        return next(c["image"] for c in d["spec"]["template"]["spec"]["containers"] if c["name"] == "weir")

    def pod_images(self, component):
        pods = self.get("pods", "-l", f"app.kubernetes.io/component={component},app.kubernetes.io/name=weir")
        return sorted({p["spec"]["containers"][0]["image"] for p in pods["items"]
                       if not p["metadata"].get("deletionTimestamp")})


def copy_work(w):
    """A copy of scripts/ and k8s/ in `w` without secrets or site settings,
    as in a fresh clone; deploy.sh writes its own there."""
    for d in ("scripts", "k8s"):
        shutil.copytree(REPO / d, w / d, symlinks=True)
    for o in ("dev", "production"):
        shutil.rmtree(w / "k8s" / "overlays" / o / "secrets", ignore_errors=True)
        shutil.rmtree(w / "k8s" / "overlays" / o / "site", ignore_errors=True)
    subprocess.run(["git", "init", "-q", str(w)], check=True)
    return w


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return copy_work(tmp_path_factory.mktemp("cluster-work"))


@pytest.fixture(scope="session")
def cluster(work):
    """The cluster, without weir's namespace from an earlier run."""
    c = Cluster(work)
    c.reset_namespace()
    return c


@pytest.fixture(scope="session")
def rendered(cluster, work):
    """Both overlays rendered with their own secrets (production with the
    test's site settings), by the kustomize in the cluster's kubectl."""
    out = {}
    for overlay in ("dev", "production"):
        subprocess.run([str(work / "scripts" / "gen-secrets"), overlay], check=True, capture_output=True)
        if overlay == "production":
            subprocess.run([str(work / "scripts" / "site"), "--host", SITE_HOST, "--image", SITE_IMAGE,
                            "--tag", SITE_TAG, overlay], check=True, capture_output=True)
        r = cluster.kubectl("kustomize", str(work / "k8s" / "overlays" / overlay), namespace=None)
        out[overlay] = r.stdout
    return out


