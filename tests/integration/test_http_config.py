"""Operations surface: health/readiness/metrics endpoints, JSON logs, and
the command line (bad configuration, check-config, --help, --version)."""
import re
import subprocess
import time

import pytest

from checks import free_port, json_lines, parse_metrics, readyz_json, wait_until

REQUIRED_METRICS = ("weir_events_stored_total", "weir_duplicates_skipped_total",
                    "weir_dead_letters_total", "weir_messages_received_total")


def test_http_ops(world):
    weir = world.weir()

    r = weir.get("/healthz")
    assert r.status_code == 200, r.text

    code, body = readyz_json(weir)
    assert code == 200, body
    assert isinstance(body, dict), f"/readyz body is not JSON: {body!r}"
    checks = body.get("checks")
    assert checks == {"amqp": "up", "mongodb": "up"} or (
        isinstance(checks, dict) and checks.get("amqp") == "up"
        and checks.get("mongodb") == "up"), body

    r = weir.get("/metrics")
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("text/plain"), \
        r.headers.get("Content-Type")
    samples = parse_metrics(r.text)      # raises on any malformed line
    assert samples, "no samples in /metrics"
    names_in_text = set(re.findall(r"^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)",
                                   r.text, re.M))
    missing = [n for n in REQUIRED_METRICS if n not in names_in_text]
    assert not missing, f"/metrics lacks {missing}"
    for (name, _labels), v in samples.items():
        if name.endswith("_total"):
            assert v >= 0, name

    r = weir.get("/no/such/route-" + world.prefix)
    assert r.status_code == 404, f"unknown route gave {r.status_code}"

    # stdout carries JSON log lines only.
    rc, secs = weir.terminate(10)
    assert rc == 0, f"exit code {rc} after SIGTERM ({secs:.1f}s)"
    out = weir.stdout_path.read_text("utf-8", "replace")
    assert out.strip(), "weir wrote no log lines on stdout"
    bad = json_lines(out)
    assert not bad, f"{len(bad)} stdout lines are not JSON objects, e.g. " \
        f"{bad[:3]}"


def test_broker_refuses_connections(world):
    """Nothing listens on the AMQP port: weir keeps retrying (each attempt
    is a refused connect), stays up, answers /readyz 503 naming amqp, and
    exits cleanly. A double free on this path once crashed the worker."""
    weir = world.weir(wait_ready=False, RABBITMQ_PORT=free_port())
    code, body = wait_until(
        lambda: (lambda r: r if r[0] == 503 else None)(readyz_json(weir)),
        20, "/readyz 503")
    assert body["checks"]["amqp"] == "down", body
    # Backoff starts at 100 ms: several refused attempts in 3 s.
    time.sleep(3)
    assert weir.group_alive(), "weir died while the broker refused it"
    assert "exited with status" not in weir.tail("stderr"), \
        weir.tail("stderr")
    assert readyz_json(weir)[0] == 503
    rc, secs = weir.terminate(10)
    assert rc == 0, f"exit code {rc} after SIGTERM ({secs:.1f}s)"


def run_bin(binary, args, env, timeout=30):
    return subprocess.run([binary] + list(args), env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


BAD_CONFIGS = [
    ("WEIR_BATCH_SIZE", {"WEIR_BATCH_SIZE": "abc"}),
    ("WEIR_ROLE", {"WEIR_ROLE": "nope"}),
    ("RABBITMQ_URL", {"RABBITMQ_URL": "http://x"}),
    ("RABBITMQ_PASSWORD", {"RABBITMQ_PASSWORD": None}),
    ("WEIR_HTTP_ADDR", {"WEIR_HTTP_ADDR": "no-port-here"}),
    ("WEIR_PREFETCH", {"WEIR_PREFETCH": "-5"}),
]


@pytest.mark.parametrize("variable,override", [
    pytest.param(v, o, id=v) for v, o in BAD_CONFIGS])
def test_bad_config(world, weir_bin, variable, override):
    env = world.weir_env(**override)
    r = run_bin(weir_bin, [], env)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 2, (
        f"{override}: exit code {r.returncode}, expected 2\nstderr: "
        f"{r.stderr[-1500:]}\nstdout: {r.stdout[-500:]}")
    assert len(lines) == 1, f"{override}: expected one stderr line, got " \
        f"{len(lines)}: {lines[:10]}"
    assert variable in lines[0], f"{override}: {lines[0]!r} does not name " \
        f"{variable}"

    # The same through check-config.
    r = run_bin(weir_bin, ["check-config"], env)
    assert r.returncode == 2, f"check-config with {override}: {r.returncode}"
    assert variable in r.stderr, r.stderr


def test_check_config_help_version(world, weir_bin):
    r = run_bin(weir_bin, ["check-config"], world.weir_env())
    assert r.returncode == 0, f"check-config: {r.returncode}\n{r.stderr}"

    r = run_bin(weir_bin, ["--help"], world.weir_env())
    text = r.stdout + r.stderr
    assert r.returncode == 0, f"--help exit {r.returncode}"
    for name in ("RABBITMQ_HOST", "MONGODB_URI", "WEIR_ROLE", "WEIR_HTTP_ADDR"):
        assert name in text, f"--help does not list {name}"

    r = run_bin(weir_bin, ["--version"], world.weir_env())
    assert r.returncode == 0, f"--version exit {r.returncode}"
    assert re.search(r"\d+\.\d+(\.\d+)?", r.stdout + r.stderr), \
        f"--version printed {r.stdout!r} {r.stderr!r}"
