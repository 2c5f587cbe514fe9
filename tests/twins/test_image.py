"""The OCI image from scripts/build-image, run under podman as production
would run it: non-root, read-only root filesystem, no capabilities,
no-new-privileges, the default seccomp profile, secrets from a file.

Needs WEIR_IMAGE (the reference scripts/build-image printed); podman runs
with --runtime runc and lowered ulimits (the only way it runs on this
machine, see ENVIRONMENT.md) and the host network, so the container reaches
the test RabbitMQ and FerretDB on 127.0.0.1.
"""
import json
import os
import secrets
import subprocess
import time

import pytest
import requests

from checks import free_port, wait_until
from eventgen import event_msgs, make_events
from weir_it_conftest import STACK

UID = 65532
MAX_MB = 40
PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"]


def podman(*args, check=True, timeout=120):
    r = subprocess.run(PODMAN + list(args), capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        pytest.fail(f"podman {' '.join(args[:3])}... failed ({r.returncode}): "
                    f"{r.stderr[-1500:]}", pytrace=False)
    return r


@pytest.fixture(scope="module")
def image():
    ref = os.environ.get("WEIR_IMAGE")
    if not ref:
        pytest.fail("WEIR_IMAGE is not set (scripts/test-twins sets it from "
                    "scripts/build-image)", pytrace=False)
    return ref


def inspect_image(ref):
    return json.loads(podman("image", "inspect", ref).stdout)[0]


def test_image_config(image):
    info = inspect_image(image)
    cfg = info["Config"]
    size_mb = info["Size"] / 1048576
    assert size_mb < MAX_MB, f"image is {size_mb:.1f} MB, limit {MAX_MB}"
    assert cfg.get("User") == f"{UID}:{UID}", f"user {cfg.get('User')!r}"
    assert cfg.get("Entrypoint") == ["/usr/local/bin/weir"], cfg.get("Entrypoint")
    labels = cfg.get("Labels") or {}
    for key in ("title", "version", "revision", "created", "description"):
        assert labels.get(f"org.opencontainers.image.{key}"), f"label {key} missing"
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in cfg.get("Env", [])


def test_image_has_no_shell_and_carries_ca_certificates(image):
    for sh in ("/bin/sh", "/bin/bash", "/usr/bin/env"):
        r = podman("run", "--rm", *LIMITS, "--entrypoint", sh, image, "-c",
                   "true", check=False)
        assert r.returncode != 0, f"{sh} ran inside the image"
    # The only executable is weir: list the image's files through a mount.
    r = podman("image", "mount", image)
    root = r.stdout.strip()
    try:
        files = sorted(os.path.relpath(os.path.join(d, f), root)
                       for d, _, fs in os.walk(root) for f in fs)
    finally:
        podman("image", "unmount", image, check=False)
    assert files == ["etc/group", "etc/passwd",
                     "etc/ssl/certs/ca-certificates.crt",
                     "usr/local/bin/weir"], files


class Container:
    """One weir container on the host network, with its own RabbitMQ user
    whose generated password reaches weir as a file."""

    def __init__(self, world, image):
        self.world = world
        self.name = f"weir-twins-{world.prefix.strip('.')}"
        self.port = free_port()
        self.user = f"weir-{world.prefix.strip('.')}"
        password = secrets.token_urlsafe(24)
        self.secret = world.state_dir / "rabbitmq-password"
        self.secret.write_text(password)
        self.secret.chmod(0o444)
        self._ctl("add_user", self.user, password)
        self._ctl("set_permissions", "-p", "/", self.user, ".*", ".*", ".*")
        e = world.weir_env()
        env = {"RABBITMQ_HOST": "127.0.0.1",
               "RABBITMQ_PORT": e["RABBITMQ_PORT"],
               "RABBITMQ_USERNAME": self.user,
               "RABBITMQ_PASSWORD_FILE": "/run/secrets/rabbitmq-password",
               "MONGODB_URI": e["MONGODB_URI"],
               "WEIR_HTTP_ADDR": f"127.0.0.1:{self.port}"}
        for k in ("WEIR_MONGODB_DATABASE", "WEIR_AMQP_EXCHANGE",
                  "WEIR_AMQP_QUEUE", "WEIR_AMQP_DLX", "WEIR_AMQP_DEAD_QUEUE",
                  "WEIR_AGGREGATE_INTERVAL_MS"):
            env[k] = e[k]
        args = ["run", "-d", "--name", self.name, "--network", "host",
                "--user", f"{UID}:{UID}", "--read-only",
                "--read-only-tmpfs=false",
                "--tmpfs", "/tmp:rw,noexec,nosuid,size=1m,mode=1777",
                "--cap-drop=ALL", "--security-opt", "no-new-privileges",
                *LIMITS, "--stop-timeout", "15",
                "-v", f"{self.secret}:/run/secrets/rabbitmq-password:ro"]
        for k, v in env.items():
            args += ["-e", f"{k}={v}"]
        podman("rm", "-f", self.name, check=False)
        podman(*args, image)

    def _ctl(self, *args):
        r = subprocess.run([str(STACK), "rabbitmq", "ctl",
                            self.world.env["WEIR_TEST_RABBITMQ_DIR"], *args],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            pytest.fail(f"rabbitmqctl {args[0]}: {r.stderr[-800:]}",
                        pytrace=False)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def inspect(self):
        return json.loads(podman("inspect", self.name).stdout)[0]

    def logs(self):
        r = podman("logs", self.name, check=False)
        return r.stdout + r.stderr

    def wait_ready(self, timeout=60):
        def ready():
            state = self.inspect()["State"]
            if not state.get("Running"):
                pytest.fail(f"container exited ({state.get('ExitCode')}):\n"
                            f"{self.logs()[-3000:]}", pytrace=False)
            try:
                return requests.get(self.url("/readyz"), timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_until(ready, timeout, "/readyz 200 from the container")

    def stop(self):
        """podman stop (SIGTERM, as Kubernetes does); returns the exit code
        and the seconds it took."""
        t0 = time.monotonic()
        podman("stop", "-t", "15", self.name, timeout=60)
        return self.inspect()["State"]["ExitCode"], time.monotonic() - t0

    def remove(self):
        podman("rm", "-f", self.name, check=False)
        self._ctl("delete_user", self.user)


@pytest.fixture
def container(world, image):
    c = Container(world, image)
    yield c
    logs = c.logs()
    c.remove()
    print(logs[-2000:])


def test_container_ready_and_stores_one_event(world, container):
    container.wait_ready()
    ev = make_events(1, world.prefix + "img-", seed=2)[0]
    world.publish_sync(event_msgs([ev]))
    doc = wait_until(lambda: world.db.events.find_one({"_id": ev.id}), 30,
                     f"event {ev.id} in MongoDB")
    assert doc["source"] == ev.doc["source"] and doc["type"] == ev.doc["type"]
    code, secs = container.stop()
    assert code == 0 and secs <= 10, (
        f"weir exited {code} {secs:.1f} s after SIGTERM:\n{container.logs()[-2000:]}")
    logs = container.logs()
    assert "couldn't write pid" not in logs, "the /tmp tmpfs was not writable"


def _status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def test_container_runs_hardened(world, container):
    container.wait_ready()
    info = container.inspect()
    assert info["HostConfig"]["ReadonlyRootfs"] is True
    parent = info["State"]["Pid"]
    # Kore's parent and its worker: every process of the container.
    pids = [parent] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(parent)], capture_output=True,
        text=True).stdout.split()]
    assert len(pids) >= 2, f"expected Kore's parent and a worker, got {pids}"
    for pid in pids:
        st = _status(pid)
        assert st["Uid"].split() == [str(UID)] * 4, f"pid {pid}: Uid {st['Uid']}"
        assert st["Gid"].split() == [str(UID)] * 4, f"pid {pid}: Gid {st['Gid']}"
        assert int(st["CapEff"], 16) == 0 and int(st["CapBnd"], 16) == 0, (
            f"pid {pid}: capabilities {st['CapEff']}/{st['CapBnd']}")
        assert st["NoNewPrivs"] == "1", f"pid {pid}: NoNewPrivs {st['NoNewPrivs']}"
        # 2 = a seccomp filter: podman's profile (Kore adds its own in the
        # worker); the runtime's default profile was not switched off.
        assert st["Seccomp"] == "2", f"pid {pid}: Seccomp {st['Seccomp']}"
