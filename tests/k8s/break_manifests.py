"""Writes three manifests kubeconform -strict must reject (tests/k8s/manifests.bats): the rendered
production Deployment with an unknown field, its ScaledObject with one, and a kind without a schema."""
import sys

import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
dep["spec"]["template"]["spec"]["containers"][0]["readinessProbee"] = {}
so = next(d for d in docs if d["kind"] == "ScaledObject")
so["spec"]["maxReplicas"] = 10
unknown = {"apiVersion": "example.invalid/v1", "kind": "Unknown", "metadata": {"name": "x"}}
for name, doc in (("deployment", dep), ("scaledobject", so), ("unknown", unknown)):
    with open(f"{sys.argv[2]}/{name}.yaml", "w") as f:
        yaml.safe_dump(doc, f)
