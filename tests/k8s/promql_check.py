#!/usr/bin/env python3
"""promql_check.py - evaluates every PromQL expression of weir's alert rules
and Grafana dashboard against a real Prometheus that scrapes a running weir
(jobs weir-processor, weir-api) and RabbitMQ (job rabbitmq), as
scripts/test-k8s sets it up.

usage: promql_check.py PROMETHEUS_URL PROMETHEUSRULE_YAML DASHBOARD_JSON

Prints one line per check, "ok: ...", "FAIL: ..." or "skip: ..."; exits 1
if any check failed. Checks:
  - every rule group was loaded and every rule evaluated with health "ok";
  - every expression (rule or panel target) evaluates without error;
  - every metric selector on weir's or RabbitMQ's metrics matches series
    here: the metric exists, each label it filters on exists on it, and an
    equality matcher's value occurs (so a typo in a name or label fails);
  - dashboard targets built only from those metrics return a finite value;
  - on this healthy pipeline, alerts built only from those metrics are quiet.
Selectors on metrics that only a cluster has (kube-state-metrics, kubelet,
the MongoDB exporter, KEDA) cannot match here: their data checks are
reported as "skip" with the reason, never as passed.
"""
import json
import math
import re
import sys
import urllib.parse
import urllib.request

import yaml

LOCAL = ("weir_", "rabbitmq_", "process_")
EXTERNAL = ("kube_", "kubelet_", "mongodb_", "keda_")
SELECTOR = re.compile(
    r'(?<![\w"])((?:weir|rabbitmq|process|kube|kubelet|mongodb|keda)_\w+|up)'
    r'\s*(\{[^}]*\})?')
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')

failed = 0


def report(status, text):
    global failed
    if status == "FAIL":
        failed += 1
    print(f"{status}: {text}", flush=True)


def api(base, path, **params):
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def selectors(expr):
    """(metric, [(label, op, value)]) for each metric selector in expr."""
    out = []
    for m in SELECTOR.finditer(expr):
        name, body = m.group(1), m.group(2) or ""
        # `up` only as a metric: not followed by "(" and not a label name.
        if name == "up" and not body:
            continue
        out.append((name, MATCHER.findall(body)))
    return out


def is_local(name):
    return name == "up" or name.startswith(LOCAL)


def check_selector(base, where, name, matchers):
    res = api(base, "series", **{"match[]": name})
    series = res.get("data") or []
    if not series:
        report("FAIL", f"{where}: no series named {name}")
        return
    for label, op, value in matchers:
        if not any(label in s for s in series):
            report("FAIL", f"{where}: {name} has no label {label!r}")
            return
        if op == "=" and not any(s.get(label) == value for s in series):
            seen = sorted({s.get(label) for s in series if label in s})[:8]
            report("FAIL", f"{where}: no {name} with {label}={value!r} (seen: {seen})")
            return
    report("ok", f"{where}: {name}{{{', '.join(l + o + repr(v) for l, o, v in matchers)}}} matches series")


def evaluate(base, where, expr, want_data, want_empty):
    res = api(base, "query", query=expr)
    if res.get("status") != "success":
        report("FAIL", f"{where}: {res.get('errorType')}: {res.get('error')} in {expr!r}")
        return
    report("ok", f"{where}: evaluates")
    names = [n for n, _ in selectors(expr)]
    local_only = names and all(is_local(n) for n in names)
    external = sorted({n for n in names if n.startswith(EXTERNAL)})
    for name, matchers in selectors(expr):
        if is_local(name):
            check_selector(base, where, name, matchers)
    result = res["data"]["result"]
    n = len(result)
    # histogram_quantile over buckets that did not move gives NaN: a
    # series, but no data.
    finite = [r for r in result if math.isfinite(float(r["value"][1]))]
    if want_data:
        if local_only:
            report("ok" if finite else "FAIL",
                   f"{where}: returns {len(finite)} series with a value" if finite
                   else f"{where}: returns no value ({n} series, none finite): {expr!r}")
        else:
            report("skip", f"{where}: data check needs {', '.join(external)} (a cluster's exporters; none here)")
    if want_empty:
        if local_only:
            report("ok" if n == 0 else "FAIL",
                   f"{where}: quiet on a healthy pipeline" if n == 0
                   else f"{where}: fires on a healthy pipeline: {res['data']['result']}")
        else:
            report("skip", f"{where}: quiet check needs {', '.join(external)}")


def check_rules_loaded(base, groups):
    res = api(base, "rules")
    loaded = {g["name"]: g for g in res.get("data", {}).get("groups", [])}
    for group in groups:
        g = loaded.get(group["name"])
        if g is None:
            report("FAIL", f"rule group {group['name']} not loaded by Prometheus")
            continue
        for rule in g["rules"]:
            where = f"rule {rule['name']} (Prometheus evaluation)"
            if rule.get("health") == "ok" and not rule.get("lastError"):
                report("ok", f"{where}: health ok")
            else:
                report("FAIL", f"{where}: health {rule.get('health')}: {rule.get('lastError')}")
        if len(g["rules"]) != len(group["rules"]):
            report("FAIL", f"rule group {group['name']}: {len(g['rules'])} rules loaded, {len(group['rules'])} defined")


def main():
    base, rules_path, dash_path = sys.argv[1:4]
    with open(rules_path) as f:
        groups = yaml.safe_load(f)["spec"]["groups"]
    with open(dash_path) as f:
        dash = json.load(f)
    check_rules_loaded(base, groups)
    for group in groups:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            evaluate(base, f"rule {name}", rule["expr"], want_data=False,
                     want_empty="alert" in rule)
    panels = dash["panels"]
    if not panels:
        report("FAIL", "dashboard has no panels")
    for panel in panels:
        targets = panel.get("targets") or []
        if not targets:
            report("FAIL", f"panel {panel.get('title')!r} has no queries")
        for t in targets:
            evaluate(base, f"panel {panel['title']!r} {t['refId']}", t["expr"],
                     want_data=True, want_empty=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
