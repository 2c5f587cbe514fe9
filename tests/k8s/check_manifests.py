#!/usr/bin/env python3
"""check_manifests.py - the project's own rules for a rendered overlay
(kustomize build output), beyond what the schemas check.

usage: check_manifests.py OVERLAY RENDERED_YAML

Prints every violation and exits 1 if there is one. The rules (scripts/
test-k8s greps for placeholders): everything in namespace data-processing;
images pinned (no :latest, weir's from the overlay); every pod non-root with seccomp
RuntimeDefault and no service-account token; every container with requests
and limits, read-only root, no privilege escalation, all capabilities
dropped; long-running containers with startup, liveness and readiness
probes; weir's grace period covers its drain; every Secret, ConfigMap,
Service port and ServiceMonitor reference resolves; the KEDA settings the
seed promised; MongoDB and RabbitMQ shapes; default-deny NetworkPolicy; the
ResourceQuota holds everything at full scale; TLS on both links (RabbitMQ
only on 5671, mongod requireTLS, weir pointed at them with only the CA
mounted) and the broker's least-privilege users (no default user; weir's
permissions are scripts/lib/rabbitmq.sh's expression, KEDA's user looks
only)."""
import base64
import json
import pathlib
import re
import sys

import yaml

NAMESPACE = "data-processing"
errors = []


def err(msg):
    errors.append(msg)


def pod_specs(docs):
    """(kind/name, pod spec, pod labels, long_running) for each workload."""
    for d in docs:
        kind, name = d["kind"], d["metadata"]["name"]
        if kind in ("Deployment", "StatefulSet"):
            t = d["spec"]["template"]
            yield f"{kind}/{name}", t["spec"], t["metadata"].get("labels", {}), True
        elif kind == "Job":
            t = d["spec"]["template"]
            yield f"{kind}/{name}", t["spec"], t["metadata"].get("labels", {}), False
        elif kind == "CronJob":
            t = d["spec"]["jobTemplate"]["spec"]["template"]
            yield f"{kind}/{name}", t["spec"], t["metadata"].get("labels", {}), False


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def check_namespaces(docs):
    for d in docs:
        if d["kind"] == "Namespace":
            if d["metadata"]["name"] != NAMESPACE:
                err(f"unexpected Namespace {d['metadata']['name']}")
        elif d["metadata"].get("namespace") != NAMESPACE:
            err(f"{d['kind']}/{d['metadata']['name']} is not in {NAMESPACE}")


def check_container(where, c, long_running):
    sc = c.get("securityContext", {})
    if sc.get("readOnlyRootFilesystem") is not True:
        err(f"{where}: readOnlyRootFilesystem is not true")
    if sc.get("allowPrivilegeEscalation") is not False:
        err(f"{where}: allowPrivilegeEscalation is not false")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []):
        err(f"{where}: capabilities are not all dropped")
    res = c.get("resources", {})
    for part in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in res.get(part, {}):
                err(f"{where}: no {part}.{r}")
    image = c["image"]
    if ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
        err(f"{where}: image {image} has no tag")
    if image.endswith(":latest"):
        err(f"{where}: image {image} uses :latest")
    if long_running:
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if probe not in c:
                err(f"{where}: no {probe}")


def check_pods(docs):
    for where, spec, _, long_running in pod_specs(docs):
        psc = spec.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True:
            err(f"{where}: runAsNonRoot is not true")
        if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            err(f"{where}: seccompProfile is not RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            err(f"{where}: mounts a service account token")
        for c in spec.get("initContainers", []):
            check_container(f"{where} init {c['name']}", c, False)
        for c in spec["containers"]:
            check_container(f"{where} {c['name']}", c, long_running)


def check_references(docs):
    secrets = by_kind(docs, "Secret")
    configmaps = by_kind(docs, "ConfigMap")

    def secret_keys(name):
        s = secrets.get(name)
        return None if s is None else set(s.get("data", {})) | set(s.get("stringData", {}))

    def need_secret(where, name, keys):
        have = secret_keys(name)
        if have is None:
            err(f"{where}: Secret {name} does not exist")
            return
        for k in keys:
            if k not in have:
                err(f"{where}: Secret {name} has no key {k}")

    def need_configmap(where, name, keys=()):
        cm = configmaps.get(name)
        if cm is None:
            err(f"{where}: ConfigMap {name} does not exist")
            return
        for k in keys:
            if k not in cm.get("data", {}):
                err(f"{where}: ConfigMap {name} has no key {k}")

    for where, spec, _, _ in pod_specs(docs):
        for v in spec.get("volumes", []):
            if "secret" in v:
                need_secret(where, v["secret"]["secretName"], [i["key"] for i in v["secret"].get("items", [])])
            if "configMap" in v:
                need_configmap(where, v["configMap"]["name"], [i["key"] for i in v["configMap"].get("items", [])])
            for src in v.get("projected", {}).get("sources", []):
                if "secret" in src:
                    need_secret(where, src["secret"]["name"], [i["key"] for i in src["secret"].get("items", [])])
                if "configMap" in src:
                    need_configmap(where, src["configMap"]["name"], [i["key"] for i in src["configMap"].get("items", [])])
        for c in spec.get("initContainers", []) + spec["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    need_secret(f"{where} {c['name']}", ref["name"], [ref["key"]])
            for ef in c.get("envFrom", []):
                if "configMapRef" in ef:
                    need_configmap(f"{where} {c['name']}", ef["configMapRef"]["name"])
    for name, ta in by_kind(docs, "TriggerAuthentication").items():
        for ref in ta["spec"].get("secretTargetRef", []):
            need_secret(f"TriggerAuthentication/{name}", ref["name"], [ref["key"]])


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def check_services(docs):
    pods = list(pod_specs(docs))
    services = by_kind(docs, "Service")
    for name, svc in services.items():
        sel = svc["spec"].get("selector", {})
        matched = [(w, s) for w, s, labels, _ in pods if selects(sel, labels)]
        if not matched:
            err(f"Service/{name} selects no pod")
            continue
        ports = {p["name"] for _, s in matched for c in s["containers"] for p in c.get("ports", [])}
        for p in svc["spec"]["ports"]:
            tp = p.get("targetPort")
            if isinstance(tp, str) and tp not in ports:
                err(f"Service/{name}: targetPort {tp} is no container port of its pods")
    for name, sm in by_kind(docs, "ServiceMonitor").items():
        sel = sm["spec"]["selector"]["matchLabels"]
        hits = [s for s in services.values() if selects(sel, s["metadata"].get("labels", {}))]
        if not hits:
            err(f"ServiceMonitor/{name} selects no Service")
        for ep in sm["spec"]["endpoints"]:
            for s in hits:
                if ep["port"] not in {p["name"] for p in s["spec"]["ports"]}:
                    err(f"ServiceMonitor/{name}: Service {s['metadata']['name']} has no port {ep['port']}")
    for name, pdb in by_kind(docs, "PodDisruptionBudget").items():
        if not any(selects(pdb["spec"]["selector"]["matchLabels"], labels) for _, _, labels, _ in pods):
            err(f"PodDisruptionBudget/{name} selects no pod")
    for name, ing in by_kind(docs, "Ingress").items():
        hosts = [r["host"] for r in ing["spec"]["rules"]]
        tls = [h for t in ing["spec"].get("tls", []) for h in t["hosts"]]
        if sorted(hosts) != sorted(tls):
            err(f"Ingress/{name}: TLS hosts {tls} differ from rule hosts {hosts}")
        if not any(k.startswith("cert-manager.io/") for k in ing["metadata"].get("annotations", {})):
            err(f"Ingress/{name}: no cert-manager annotation")
        for r in ing["spec"]["rules"]:
            for p in r["http"]["paths"]:
                b = p["backend"]["service"]
                s = services.get(b["name"])
                if s is None or b["port"].get("name") not in {x["name"] for x in s["spec"]["ports"]}:
                    err(f"Ingress/{name}: backend {b} does not exist")


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def check_weir(docs, overlay):
    deps = by_kind(docs, "Deployment")
    config = next((c for n, c in by_kind(docs, "ConfigMap").items() if n.startswith("weir-config")), None)
    if config is None:
        err("no weir-config ConfigMap")
        return
    drain = int(config["data"].get("WEIR_DRAIN_TIMEOUT_S", "8"))
    images = set()
    for name, role in (("weir-processor", "processor"), ("weir-api", "api")):
        d = deps.get(name)
        if d is None:
            err(f"Deployment/{name} is missing")
            continue
        spec = d["spec"]["template"]["spec"]
        c = next(c for c in spec["containers"] if c["name"] == "weir")
        images.add(c["image"])
        if env_of(c).get("WEIR_ROLE") != role:
            err(f"Deployment/{name}: WEIR_ROLE is not {role}")
        pre = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if grace < drain + pre:
            err(f"Deployment/{name}: grace {grace}s < drain {drain}s + preStop {pre}s")
    if len(images) != 1:
        err(f"the two weir Deployments run different images: {images}")
    elif "/" not in next(iter(images)):
        err(f"weir's image {images} was not set by the overlay (images:)")


def check_keda(docs, overlay):
    so = by_kind(docs, "ScaledObject").get("weir-processor")
    if so is None:
        err("no ScaledObject weir-processor")
        return
    s = so["spec"]
    if s["scaleTargetRef"]["name"] != "weir-processor":
        err("ScaledObject does not target weir-processor")
    if (s.get("minReplicaCount"), s.get("maxReplicaCount")) != (1, 10):
        err("ScaledObject is not 1..10 replicas")
    trig = {t["type"]: t for t in s["triggers"]}
    want_value = {"dev": "10", "production": "12000"}[overlay]
    q = trig.get("rabbitmq", {}).get("metadata", {})
    if (q.get("protocol"), q.get("queueName"), q.get("mode"), q.get("value")) != ("http", "events.process", "QueueLength", want_value):
        err(f"rabbitmq trigger is not http/events.process/QueueLength/{want_value}: {q}")
    if trig.get("rabbitmq", {}).get("authenticationRef", {}).get("name") not in by_kind(docs, "TriggerAuthentication"):
        err("rabbitmq trigger's authenticationRef does not exist")
    for kind, value in (("cpu", "70"), ("memory", "80")):
        t = trig.get(kind, {})
        if t.get("metricType") != "Utilization" or t.get("metadata", {}).get("value") != value:
            err(f"{kind} trigger is not Utilization {value}")
    beh = s.get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("behavior", {})
    up, down = beh.get("scaleUp", {}), beh.get("scaleDown", {})
    if up.get("stabilizationWindowSeconds") != 0 or not any(p["periodSeconds"] == 15 for p in up.get("policies", [])):
        err("scale-up is not immediate with a 15 s policy period")
    if down.get("stabilizationWindowSeconds") != 60:
        err("scale-down stabilisation is not 60 s")
    # Every weir-processor container needs requests for the cpu/memory triggers.
    d = by_kind(docs, "Deployment").get("weir-processor")
    if d and any("requests" not in c.get("resources", {}) for c in d["spec"]["template"]["spec"]["containers"]):
        err("weir-processor has a container without requests (KEDA cpu/memory triggers need them)")


def check_stateful(docs, overlay):
    sts = by_kind(docs, "StatefulSet")
    want_rmq = {"dev": 1, "production": 3}[overlay]
    if sts.get("rabbitmq", {}).get("spec", {}).get("replicas") != want_rmq:
        err(f"RabbitMQ does not run {want_rmq} replicas")
    m = sts.get("mongodb", {}).get("spec", {})
    if m.get("replicas") != 3:
        err("MongoDB does not run 3 members")
    if not m.get("volumeClaimTemplates") or not sts.get("rabbitmq", {}).get("spec", {}).get("volumeClaimTemplates"):
        err("a StatefulSet has no volumeClaimTemplates")
    svcs = by_kind(docs, "Service")
    for name in ("mongodb-headless", "rabbitmq-headless"):
        s = svcs.get(name, {}).get("spec", {})
        if s.get("clusterIP") != "None" or s.get("publishNotReadyAddresses") is not True:
            err(f"Service/{name} is not headless with publishNotReadyAddresses")
    for n, s in sts.items():
        if s["spec"].get("serviceName") not in svcs:
            err(f"StatefulSet/{n}: serviceName does not exist")
    aff = m.get("template", {}).get("spec", {}).get("affinity", {}).get("podAntiAffinity", {})
    if overlay == "production" and not aff.get("requiredDuringSchedulingIgnoredDuringExecution"):
        err("production MongoDB members may share a node")
    if "mongodb-backup" not in by_kind(docs, "CronJob"):
        err("no mongodb-backup CronJob")
    if "mongodb-init" not in by_kind(docs, "Job"):
        err("no mongodb-init Job")


def check_security(docs):
    nps = by_kind(docs, "NetworkPolicy")
    dd = nps.get("default-deny", {}).get("spec", {})
    if dd.get("podSelector") != {} or sorted(dd.get("policyTypes", [])) != ["Egress", "Ingress"]:
        err("no default-deny NetworkPolicy for every pod in both directions")
    if not any(k in by_kind(docs, "ResourceQuota") for k in (NAMESPACE,)):
        err("no ResourceQuota")
    if not by_kind(docs, "LimitRange"):
        err("no LimitRange")
    for name, sa in by_kind(docs, "ServiceAccount").items():
        if sa.get("automountServiceAccountToken") is not False:
            err(f"ServiceAccount/{name} automounts its token")


UNITS = {"m": 1e-3, "": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
         "k": 1e3, "M": 1e6, "G": 1e9}


def quantity(q):
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(q))
    return float(m.group(1)) * UNITS[m.group(2)]


def pod_resources(spec, part, res):
    """A pod's effective request or limit: the larger of its biggest init
    container and the sum of its containers (how the quota counts it)."""
    def get(c):
        return quantity(c.get("resources", {}).get(part, {}).get(res, 0))
    return max([sum(get(c) for c in spec["containers"])] +
               [get(c) for c in spec.get("initContainers", [])])


def check_quota(docs):
    """Everything at once must fit the ResourceQuota: KEDA's maximum of
    processors, every StatefulSet, the Jobs, and one rolling update's surge
    of each Deployment."""
    quota = by_kind(docs, "ResourceQuota").get(NAMESPACE)
    if quota is None:
        return
    hard = quota["spec"]["hard"]
    scaled = {so["spec"]["scaleTargetRef"]["name"]: so["spec"]["maxReplicaCount"]
              for so in by_kind(docs, "ScaledObject").values()}
    pods = []
    for d in docs:
        kind, name = d["kind"], d["metadata"]["name"]
        if kind == "Deployment":
            n = scaled.get(name, d["spec"].get("replicas", 1))
            surge = d["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", "25%")
            n += -(-n * int(str(surge).rstrip("%")) // 100) if str(surge).endswith("%") else int(surge)
            pods += [d["spec"]["template"]["spec"]] * n
        elif kind == "StatefulSet":
            pods += [d["spec"]["template"]["spec"]] * d["spec"].get("replicas", 1)
        elif kind == "Job":
            pods.append(d["spec"]["template"]["spec"])
        elif kind == "CronJob":
            pods.append(d["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    for key in ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory"):
        if key not in hard:
            continue
        part, res = key.split(".")
        need = sum(pod_resources(p, part, res) for p in pods)
        if need > quantity(hard[key]):
            err(f"ResourceQuota {key} {hard[key]} < {need:g} needed at full scale")
    if "pods" in hard and len(pods) > int(hard["pods"]):
        err(f"ResourceQuota pods {hard['pods']} < {len(pods)} at full scale")
    claims = [c for d in docs if d["kind"] == "StatefulSet"
              for c in d["spec"].get("volumeClaimTemplates", []) * d["spec"].get("replicas", 1)]
    claims += [c for c in by_kind(docs, "PersistentVolumeClaim").values()]
    storage = sum(quantity(c["spec"]["resources"]["requests"]["storage"]) for c in claims)
    if "requests.storage" in hard and storage > quantity(hard["requests.storage"]):
        err(f"ResourceQuota requests.storage {hard['requests.storage']} < {storage:g} claimed")


LIB = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "lib" / "rabbitmq.sh"
WEIR_RE = re.search(r"^RABBITMQ_WEIR_NAMES_RE='(.*)'$", LIB.read_text(), re.M).group(1)
MONGOD_TLS = ["--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "/keyfile/mongodb.pem",
              "--tlsCAFile", "/run/secrets/mongodb-tls/ca.crt", "--tlsAllowConnectionsWithoutCertificates"]


def check_tls(docs):
    conf = by_kind(docs, "ConfigMap")
    rmq = next((v["data"]["rabbitmq.conf"] for k, v in conf.items() if k.startswith("rabbitmq-config")), "")
    for line in ("listeners.tcp = none", "listeners.ssl.default = 5671",
                 "ssl_options.certfile = /etc/rabbitmq/tls/tls.crt", "ssl_options.keyfile = /etc/rabbitmq/tls/tls.key",
                 "load_definitions = /etc/rabbitmq/definitions/definitions.json"):
        if line not in rmq.splitlines():
            err(f"rabbitmq.conf lacks '{line}'")
    if "default_user" in rmq or "default_pass" in rmq:
        err("rabbitmq.conf names a default user")
    sts = by_kind(docs, "StatefulSet")
    mounts = {m["mountPath"]: m["name"] for m in sts["rabbitmq"]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    vols = {v["name"]: v for v in sts["rabbitmq"]["spec"]["template"]["spec"]["volumes"]}
    if vols.get(mounts.get("/etc/rabbitmq/tls"), {}).get("secret", {}).get("secretName") != "rabbitmq-tls":
        err("RabbitMQ does not mount Secret rabbitmq-tls at /etc/rabbitmq/tls")
    args = sts["mongodb"]["spec"]["template"]["spec"]["containers"][0]["args"]
    if not any(args[i:i + len(MONGOD_TLS)] == MONGOD_TLS for i in range(len(args))):
        err(f"mongod args lack {' '.join(MONGOD_TLS)}: {args}")
    for kind in ("Service", "NetworkPolicy"):
        for name, d in by_kind(docs, kind).items():
            if re.search(r"(?<!\d)5672(?!\d)", json.dumps(d["spec"])):
                err(f"{kind}/{name} still has plain AMQP 5672")
    cfg = next((v["data"] for k, v in conf.items() if k.startswith("weir-config")), {})
    want = {"RABBITMQ_PORT": "5671", "RABBITMQ_TLS": "on", "MONGODB_TLS": "on",
            "RABBITMQ_CA_FILE": "/run/secrets/tls/rabbitmq-ca.crt", "MONGODB_CA_FILE": "/run/secrets/tls/mongodb-ca.crt"}
    if {k: cfg.get(k) for k in want} != want:
        err(f"weir-config's TLS settings are not {want}")
    for name, d in by_kind(docs, "Deployment").items():
        spec = d["spec"]["template"]["spec"]
        keys = [i["key"] for v in spec["volumes"] for src in (v.get("projected") or {}).get("sources", [v])
                if src.get("secret", {}).get("name", src.get("secret", {}).get("secretName", "")).endswith("-tls")
                for i in src["secret"].get("items", [{"key": "*"}])]
        if sorted(keys) != ["ca.crt", "ca.crt"]:
            err(f"Deployment/{name} mounts {keys} of the -tls Secrets, not the two CA certificates alone")


def check_broker_users(docs):
    secret = by_kind(docs, "Secret").get("rabbitmq", {})
    data = secret.get("data") or {}
    if "default-user.conf" in data or "definitions.json" not in data:
        err(f"Secret rabbitmq has keys {sorted(data)}: want definitions.json, no default-user.conf")
        return
    defs = json.loads(base64.b64decode(data["definitions.json"]))
    users = {u["name"]: sorted(u["tags"]) for u in defs["users"]}
    perms = {p["user"]: (p["configure"], p["write"], p["read"]) for p in defs["permissions"]}
    if users != {"weir": [], "monitoring": ["monitoring"], "admin": ["administrator"]}:
        err(f"broker users are {users}")
    if perms.get("weir") != (WEIR_RE,) * 3 or perms.get("monitoring") != ("^$",) * 3:
        err(f"broker permissions are {perms}; weir's must be {WEIR_RE} (scripts/lib/rabbitmq.sh)")
    if any("password" in u for u in defs["users"]):
        err("definitions.json holds a clear-text password")
    ta = by_kind(docs, "TriggerAuthentication").get("weir-rabbitmq", {})
    keys = {r["parameter"]: r["key"] for r in ta.get("spec", {}).get("secretTargetRef", [])}
    if keys != {"username": "monitoring-username", "password": "monitoring-password"}:
        err(f"KEDA's TriggerAuthentication uses {keys}, not the monitoring user")


def main():
    overlay, path = sys.argv[1], sys.argv[2]
    text = open(path).read()
    docs = [d for d in yaml.safe_load_all(text) if d]
    check_namespaces(docs)
    check_pods(docs)
    check_references(docs)
    check_services(docs)
    check_weir(docs, overlay)
    check_keda(docs, overlay)
    check_stateful(docs, overlay)
    check_security(docs)
    check_quota(docs)
    check_tls(docs)
    check_broker_users(docs)
    for e in errors:
        print(e)
    print(f"{overlay}: {len(docs)} objects, {len(errors)} rule violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
