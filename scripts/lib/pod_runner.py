#!/usr/bin/env python3
"""scripts/lib/pod_runner.py - the kubelet of scripts/cluster for weir's pods.

KWOK nodes have no container runtime, so this runs the real weir binary for
every pod labelled app.kubernetes.io/name=weir that the scheduler bound to a
node: the container's command and args, its env and envFrom (ConfigMaps and
Secrets read from the API server), its secret, configMap and emptyDir volumes
mounted at their paths in a private mount namespace, as the pod's user. It
reports the pod's status (Running, Ready from the readiness probe, restarts),
stops the process with SIGTERM when the pod is deleted (SIGKILL after the
grace period), and serves metrics.k8s.io with the processes' real CPU and
memory for the HPA. What differs from a node with a container runtime:
  - pods share the host's network: each gets its own port for the container
    port (WEIR_HTTP_ADDR), and the broker's Service name resolves to the
    cluster's RabbitMQ through a hosts file in the pod's mount namespace;
  - the store is the cluster's MongoDB-wire server (MONGODB_URI), since the
    manifests' three mongod pods are KWOK pods that run nothing;
  - an image is a binary loaded with `scripts/cluster load-image`.
  - the cluster's broker and store speak plain AMQP and MongoDB, so weir's
    TLS settings (RABBITMQ_TLS, _PORT 5671, the CA files) give way to the
    broker's plain port 5672, as MONGODB_URI does to the store's address.
It also loads the rabbitmq pods' definitions.json (users with password
hashes, permissions) into the cluster's RabbitMQ, as the broker's own
container does at boot.
"""
import argparse
import base64
import contextlib
import glob
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEIR = "app.kubernetes.io/name=weir"
BROKER = "app.kubernetes.io/name=rabbitmq"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def log(msg):
    print(f"{now()} pod-runner: {msg}", flush=True)


class Api:
    """The few API server calls a kubelet makes, over the admin client cert."""

    def __init__(self, kubeconfig):
        cfg = json.loads(subprocess.check_output(
            [ARGS.kubectl, "--kubeconfig", kubeconfig, "config", "view", "--raw", "-o", "json"]))
        cluster, user = cfg["clusters"][0]["cluster"], cfg["users"][0]["user"]
        self.server = cluster["server"]
        d = os.path.join(ARGS.state, "run")
        for name, key in (("ca.crt", cluster["certificate-authority-data"]),
                          ("client.crt", user["client-certificate-data"]),
                          ("client.key", user["client-key-data"])):
            with open(os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                f.write(base64.b64decode(key))
        self.ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
        self.ctx.load_cert_chain(os.path.join(d, "client.crt"), os.path.join(d, "client.key"))

    def call(self, method, path, body=None, ctype="application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method,
                                     headers={"Content-Type": ctype})
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def pods(self, selector):
        q = urllib.parse.urlencode({"labelSelector": selector})
        return self.call("GET", f"/api/v1/pods?{q}")["items"]

    def get(self, ns, kind, name):
        return self.call("GET", f"/api/v1/namespaces/{ns}/{kind}/{name}")

    def patch_status(self, pod, status):
        m = pod["metadata"]
        self.call("PATCH", f"/api/v1/namespaces/{m['namespace']}/pods/{m['name']}/status",
                  {"status": status}, "application/merge-patch+json")

    def delete_now(self, pod):
        m = pod["metadata"]
        self.call("DELETE", f"/api/v1/namespaces/{m['namespace']}/pods/{m['name']}",
                  {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                   "preconditions": {"uid": m["uid"]}})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def images():
    """image reference -> binary, from `scripts/cluster load-image`."""
    found = {"localhost/weir:dev": os.path.join(ARGS.repo, "build", "weir")}
    try:
        with open(os.path.join(ARGS.state, "images", "index")) as f:
            for line in f:
                image, _, binary = line.rstrip("\n").partition("\t")
                found[image] = binary
    except FileNotFoundError:
        pass
    return found


class Pod:
    """One weir pod's process, volumes and last reported status."""

    def __init__(self, api, pod):
        self.api, self.pod = api, pod
        m = pod["metadata"]
        self.key = f"{m['namespace']}/{m['name']}"
        self.dir = os.path.join(ARGS.state, "pods", f"{m['namespace']}_{m['name']}_{m['uid'][:8]}")
        self.spec = pod["spec"]
        self.container = self.spec["containers"][0]
        self.proc = None
        self.port = free_port()
        self.restarts = 0
        self.next_start = 0.0
        self.reported = None
        self.waiting = None
        self.started_at = None
        self.ready = False
        self.failures, self.next_probe = 0, 0.0
        self.cpu = Cpu()

    def user(self):
        ctx = dict(self.spec.get("securityContext") or {})
        ctx.update(self.container.get("securityContext") or {})
        return ctx.get("runAsUser"), ctx.get("runAsGroup"), (self.spec.get("securityContext") or {}).get("fsGroup")

    def _source(self, kind, name):
        obj = self.api.get(self.pod["metadata"]["namespace"], kind, name)
        data = obj.get("data") or {}
        if kind == "secrets":
            return {k: base64.b64decode(v) for k, v in data.items()}
        return {k: v.encode() for k, v in data.items()}

    def env(self):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": self.pod["metadata"]["name"]}
        for ref in self.container.get("envFrom") or []:
            if "configMapRef" in ref:
                src = self._source("configmaps", ref["configMapRef"]["name"])
            else:
                src = self._source("secrets", ref["secretRef"]["name"])
            env.update({ref.get("prefix", "") + k: v.decode() for k, v in src.items()})
        for e in self.container.get("env") or []:
            if "value" in e:
                env[e["name"]] = e["value"]
            elif "configMapKeyRef" in e.get("valueFrom", {}):
                r = e["valueFrom"]["configMapKeyRef"]
                env[e["name"]] = self._source("configmaps", r["name"])[r["key"]].decode()
            elif "secretKeyRef" in e.get("valueFrom", {}):
                r = e["valueFrom"]["secretKeyRef"]
                env[e["name"]] = self._source("secrets", r["name"])[r["key"]].decode()
        # The two mapped addresses (see the module's docstring).
        env["WEIR_HTTP_ADDR"] = f"127.0.0.1:{self.port}"
        env["MONGODB_URI"] = ARGS.store
        for k in ("RABBITMQ_CA_FILE", "MONGODB_TLS", "MONGODB_CA_FILE"):
            env.pop(k, None)
        env.update(RABBITMQ_TLS="off", RABBITMQ_PORT="5672")
        return env

    def volumes(self, gid):
        """Writes each volume under the pod's dir; returns (path, mountPath) pairs."""
        mounts, by_name = [], {v["name"]: v for v in self.spec.get("volumes") or []}
        for vm in self.container.get("volumeMounts") or []:
            vol = by_name[vm["name"]]
            path = os.path.join(self.dir, "volumes", vm["name"])
            os.makedirs(path, exist_ok=True)
            for kind, key in (("secret", "secretName"), ("configMap", "name")):
                if kind in vol:
                    src = self._source(kind.lower() + "s", vol[kind][key])
                    items = vol[kind].get("items") or [{"key": k, "path": k} for k in src]
                    for it in items:
                        f = os.path.join(path, it["path"])
                        with open(f, "wb") as out:
                            out.write(src[it["key"]])
                        os.chmod(f, it.get("mode", vol[kind].get("defaultMode", 0o644)))
                        if gid is not None:
                            os.chown(f, 0, gid)
            if gid is not None:
                os.chown(path, 0, gid)
                os.chmod(path, 0o3777 if "emptyDir" in vol else 0o750)
            mounts.append((path, vm["mountPath"]))
        return mounts

    def start(self, binary):
        uid, gid, fs_group = self.user()
        env = self.env()
        mounts = self.volumes(fs_group)
        q = shlex.quote
        # The image (a binary, or a directory holding `weir` and what it
        # runs) is bound under /run so that the pod's user need not reach the
        # repository, which the pod's own /tmp may hide; /run is the pod's tmpfs.
        image = "/run/weir-image" if os.path.isdir(binary) else "/run/weir-image/weir"
        script = [f"mount --bind {q(ARGS.hosts)} /etc/hosts", "mount -t tmpfs -o mode=0755 tmpfs /run",
                  "mkdir -p /run/weir-image && touch /run/weir-image/weir",
                  f"mount --bind {q(binary)} {image}"]
        ro = {m["mountPath"] for m in self.container.get("volumeMounts") or [] if m.get("readOnly")}
        for src, dst in mounts:
            script.append(f"mkdir -p {q(dst)} && mount --bind {q(src)} {q(dst)}")
            if dst in ro:
                script.append(f"mount -o remount,bind,ro {q(dst)}")
        cmd = (self.container.get("command") or ["weir"]) + (self.container.get("args") or [])
        if os.path.basename(cmd[0]) == "weir":
            cmd[0] = "/run/weir-image/weir"
        if uid is not None:
            groups = f"--groups={fs_group}" if fs_group is not None else "--clear-groups"
            cmd = ["setpriv", f"--reuid={uid}", f"--regid={gid if gid is not None else uid}", groups,
                   "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"] + cmd
        # A container starts in its image's working directory, not in the
        # runner's (which the pod's /tmp may hide): weir's image has /.
        script.append("cd / && exec " + " ".join(q(c) for c in cmd))
        logf = open(os.path.join(self.dir, "weir.log"), "ab")
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)],
                                     env=env, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        with open(os.path.join(self.dir, "pid"), "w") as f:
            f.write(f"{self.proc.pid}\n")
        self.started_at, self.ready, self.waiting = now(), False, None
        self.failures, self.next_probe = 0, time.monotonic()
        log(f"{self.key}: started {' '.join(cmd)} (pid {self.proc.pid}, port {self.port})")

    def probe(self):
        """The readiness probe as the kubelet runs it: every periodSeconds,
        unready after failureThreshold failures in a row, ready on a success."""
        spec = self.container.get("readinessProbe") or {}
        http = spec.get("httpGet")
        if not http:
            return True
        if time.monotonic() < self.next_probe:
            return self.ready
        self.next_probe = time.monotonic() + spec.get("periodSeconds", 10)
        try:
            url = f"http://127.0.0.1:{self.port}{http.get('path', '/')}"
            with urllib.request.urlopen(url, timeout=spec.get("timeoutSeconds", 1)) as r:
                ok = 200 <= r.status < 400
        except (urllib.error.URLError, OSError):
            ok = False
        self.failures = 0 if ok else self.failures + 1
        return ok or (self.ready and self.failures < spec.get("failureThreshold", 3))

    def status(self):
        c = self.container
        if self.waiting:
            state, phase = {"waiting": self.waiting}, "Pending"
        elif self.proc and self.proc.poll() is None:
            state, phase = {"running": {"startedAt": self.started_at}}, "Running"
        else:
            state, phase = {"waiting": {"reason": "CrashLoopBackOff",
                                        "message": f"weir exited {self.proc.returncode if self.proc else ''}"}}, "Running"
        ready = "True" if self.ready else "False"
        conds = [{"type": t, "status": s, "lastTransitionTime": now()} for t, s in (
            ("PodScheduled", "True"), ("Initialized", "True"), ("ContainersReady", ready), ("Ready", ready))]
        return {"phase": phase, "hostIP": "127.0.0.1", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}],
                "startTime": self.started_at or now(), "conditions": conds,
                "containerStatuses": [{"name": c["name"], "image": c["image"], "imageID": "", "ready": self.ready,
                                       "started": self.proc is not None and self.proc.poll() is None,
                                       "restartCount": self.restarts, "state": state}]}

    def report(self):
        st = self.status()
        summary = (st["phase"], st["containerStatuses"][0]["ready"], self.restarts, json.dumps(self.waiting))
        if summary != self.reported:
            self.api.patch_status(self.pod, st)
            self.reported = summary

    def sync(self):
        """One kubelet loop turn for a live pod."""
        binary = images().get(self.container["image"])
        if self.proc is None or self.proc.poll() is not None:
            if binary is None:
                self.waiting = {"reason": "ErrImagePull",
                                "message": f"image {self.container['image']} is not loaded (scripts/cluster load-image)"}
            elif time.monotonic() >= self.next_start:
                if self.proc is not None:
                    self.restarts += 1
                    log(f"{self.key}: weir exited with {self.proc.returncode}; restart {self.restarts}")
                self.start(binary)
                self.next_start = time.monotonic() + min(300, 10 * 2 ** self.restarts)
            self.ready = False
        else:
            self.ready = self.probe()
        self.report()

    def stop(self, grace):
        if self.proc and self.proc.poll() is None:
            log(f"{self.key}: SIGTERM (grace {grace} s)")
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                log(f"{self.key}: SIGKILL after {grace} s")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            log(f"{self.key}: exited with {self.proc.returncode}")
        # The copies of the pod's Secrets go with it.
        shutil.rmtree(os.path.join(self.dir, "volumes"), ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.dir, "pid"))

    def pids(self):
        """The process and its descendants (Kore's parent and workers)."""
        if not self.proc or self.proc.poll() is not None:
            return []
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    todo += [int(p) for p in f.read().split()]
            except OSError:
                pass
        return out


class Cpu:
    """CPU seconds of a process tree, sampled; rate over the last ~15 s."""

    def __init__(self):
        self.samples = []

    def sample(self, pids):
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError):
                pass
        self.samples = (self.samples + [(time.monotonic(), total / CLK_TCK)])[-16:]

    def nanocores(self):
        if len(self.samples) < 2:
            return 0
        (t0, c0), (t1, c1) = self.samples[0], self.samples[-1]
        return int(max(0.0, c1 - c0) / max(t1 - t0, 1e-3) * 1e9)


def pss_bytes(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class Runner:
    def __init__(self):
        self.api = Api(ARGS.kubeconfig)
        self.pods = {}
        self.stopping = []
        self.lock = threading.Lock()
        self.broker_definitions = None

    def sync(self):
        listed = {p["metadata"]["uid"]: p for p in self.api.pods(WEIR) if p["spec"].get("nodeName")}
        for uid, pod in listed.items():
            if pod["metadata"].get("deletionTimestamp"):
                if uid not in self.pods:
                    # Deleted before it ever ran here (or while we were down).
                    self.finish(pod)
                continue
            with self.lock:
                if uid not in self.pods:
                    self.pods[uid] = Pod(self.api, pod)
            try:
                self.pods[uid].sync()
            except Exception as e:  # noqa: BLE001 - one pod's trouble must not stop the others
                log(f"{self.pods[uid].key}: {e}")
        for uid, p in list(self.pods.items()):
            pod = listed.get(uid)
            if pod is None or pod["metadata"].get("deletionTimestamp"):
                with self.lock:
                    del self.pods[uid]
                t = threading.Thread(target=self.terminate, args=(p, pod))
                t.start()
                self.stopping.append(t)
        self.stopping = [t for t in self.stopping if t.is_alive()]

    def terminate(self, p, pod):
        grace = (pod or p.pod)["spec"].get("terminationGracePeriodSeconds", 30)
        p.stop(grace)
        if pod is not None:
            self.finish(pod)

    def finish(self, pod):
        """Deletes a pod whose process is gone, as the kubelet does last."""
        try:
            self.api.delete_now(pod)
        except urllib.error.HTTPError as e:
            if e.code not in (404, 409):
                log(f"{pod['metadata']['name']}: delete: {e}")

    def broker_user(self):
        """The rabbitmq pods' definitions.json, imported into the cluster's broker."""
        for pod in self.api.pods(BROKER):
            ns = pod["metadata"]["namespace"]
            for vol in pod["spec"].get("volumes") or []:
                for src in (vol.get("projected") or {}).get("sources") or [{"secret": vol.get("secret")}]:
                    secret = (src or {}).get("secret")
                    if not secret:
                        continue
                    name = secret.get("name") or secret.get("secretName")
                    try:
                        data = self.api.get(ns, "secrets", name).get("data") or {}
                    except urllib.error.HTTPError:
                        continue
                    defs = base64.b64decode(data.get("definitions.json", ""))
                    if defs and defs != self.broker_definitions:
                        self.load_broker_definitions(defs)

    def load_broker_definitions(self, defs):
        auth = base64.b64encode(b"guest:guest").decode()
        req = urllib.request.Request(ARGS.broker + "/api/definitions", data=defs, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Basic " + auth})
        urllib.request.urlopen(req, timeout=10).close()
        self.broker_definitions = defs
        users = [u["name"] for u in json.loads(defs).get("users", [])]
        log(f"broker: definitions from the rabbitmq pods' Secret loaded (users {', '.join(users)})")

    def sample(self):
        while True:
            with self.lock:
                pods = list(self.pods.values())
            for p in pods:
                p.cpu.sample(p.pids())
            time.sleep(1)

    def metrics(self, ns, selector):
        want = dict(kv.split("=", 1) for kv in selector.replace("==", "=").split(",") if "=" in kv)
        with self.lock:
            pods = [p for p in self.pods.values() if p.pod["metadata"]["namespace"] == ns]
        items = []
        for p in pods:
            labels = p.pod["metadata"].get("labels") or {}
            pids = p.pids()
            if not pids or any(labels.get(k) != v for k, v in want.items()):
                continue
            items.append({"metadata": {"name": p.pod["metadata"]["name"], "namespace": ns, "labels": labels},
                          "timestamp": now(), "window": "15s",
                          "containers": [{"name": p.container["name"],
                                          "usage": {"cpu": f"{p.cpu.nanocores()}n",
                                                    "memory": f"{pss_bytes(pids) // 1024}Ki"}}]})
        return items


RESOURCES = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "metrics.k8s.io/v1beta1",
             "resources": [{"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics",
                            "verbs": ["get", "list"]}]}


def metrics_handler(runner):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            url = urllib.parse.urlparse(self.path)
            parts = url.path.strip("/").split("/")
            q = urllib.parse.parse_qs(url.query)
            body, code = None, 200
            if parts == ["apis", "metrics.k8s.io", "v1beta1"]:
                body = RESOURCES
            elif parts[:3] == ["apis", "metrics.k8s.io", "v1beta1"] and len(parts) in (6, 7) and parts[5] == "pods":
                items = runner.metrics(parts[4], q.get("labelSelector", [""])[0])
                if len(parts) == 7:
                    items = [i for i in items if i["metadata"]["name"] == parts[6]]
                    body = dict(items[0], kind="PodMetrics", apiVersion="metrics.k8s.io/v1beta1") if items else None
                    code = 200 if items else 404
                else:
                    body = {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                            "metadata": {}, "items": items}
            else:
                code = 404
            data = json.dumps(body or {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                       "reason": "NotFound", "code": 404}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


def serve_metrics(runner):
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.metrics_port), metrics_handler(runner))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def register_metrics_api(api):
    """metrics.k8s.io served by this process, through an ExternalName Service."""
    with open(ARGS.ca, "rb") as f:
        ca = base64.b64encode(f.read()).decode()
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "weir-pod-runner", "namespace": "kube-system"},
           "spec": {"type": "ExternalName", "externalName": "localhost",
                    "ports": [{"name": "https", "port": ARGS.metrics_port}]}}
    aps = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
           "metadata": {"name": "v1beta1.metrics.k8s.io"},
           "spec": {"service": {"name": "weir-pod-runner", "namespace": "kube-system", "port": ARGS.metrics_port},
                    "group": "metrics.k8s.io", "version": "v1beta1", "caBundle": ca,
                    "groupPriorityMinimum": 100, "versionPriority": 100}}
    for obj in (svc, aps):
        subprocess.run([ARGS.kubectl, "--kubeconfig", ARGS.kubeconfig, "apply", "-f", "-"],
                       input=json.dumps(obj).encode(), check=True, stdout=subprocess.DEVNULL)


def kill_leftovers():
    """weir processes a runner that died left behind: this one does not adopt
    them, so they must go before it starts the pods' processes anew."""
    for pidfile in glob.glob(os.path.join(ARGS.state, "pods", "*", "pid")):
        try:
            with open(pidfile) as f:
                pid = int(f.read())
            with open(f"/proc/{pid}/comm") as f:
                if f.read().startswith("weir"):  # not a reused pid
                    os.killpg(pid, signal.SIGKILL)
                    log(f"killed a leftover weir ({pidfile})")
        except (OSError, ValueError):
            pass
        os.unlink(pidfile)


def main():
    kill_leftovers()
    runner = Runner()
    serve_metrics(runner)
    register_metrics_api(runner.api)
    threading.Thread(target=runner.sample, daemon=True).start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    log("running weir pods")
    while not stopping.is_set():
        for step in (runner.sync, runner.broker_user):
            try:
                step()
            except (urllib.error.URLError, OSError, ValueError) as e:
                log(f"{step.__name__}: {e}")
        stopping.wait(1)
    # As a node shutting down: every pod is told at once, then waited for.
    stops = [threading.Thread(target=p.stop, args=(p.spec.get("terminationGracePeriodSeconds", 30),))
             for p in runner.pods.values()]
    for t in stops:
        t.start()
    for t in stops + runner.stopping:
        t.join()
    log("stopped")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--broker", required=True, help="the cluster's RabbitMQ management URL")
    ap.add_argument("--store", required=True, help="the cluster's MongoDB-wire URI")
    ap.add_argument("--metrics-port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True, help="the CA that signed --cert, for the APIService")
    ARGS = ap.parse_args()
    main()
