"""Checks the JSON summary of nix/tests/flake-eval.nix (tests/nix/eval.bats): flake.nix's attribute
tree for both systems, each output's kind, the modules, the VM test nodes and the build scripts."""
import json
import sys

r, version = json.loads(sys.argv[1]), sys.argv[2]
assert r["systems"] == ["aarch64-linux", "x86_64-linux"], r["systems"]
assert r["nixosModules"] == ["default", "weir"] and r["overlay"], "nixosModules / overlay"
for system in r["systems"]:
    s = r[system]
    assert set(s["packages"]) == {"default", "weir", "weir-static", "weir-image", "weir-image-oci",
                                  "manifests", "kore", "keda", "ferretdb"}, s["packages"].keys()
    assert set(s["checks"]) == {"weir", "weir-static", "weir-image", "manifests", "nix-lint",
                                "pipeline", "k3s-scaling"}, s["checks"].keys()
    assert set(s["devShells"]) == {"default"} and "shellHook" in s["devShells"]["default"]["scripts"]
    assert set(s["apps"]) == {"default", "weir", "push-image"}, s["apps"].keys()
    assert all(a["type"] == "app" for a in s["apps"].values())
    assert s["apps"]["weir"]["program"].endswith(f"-weir-{version}/bin/weir"), s["apps"]["weir"]
    assert s["formatter"] == "alejandra"
    assert s["packages"]["kore"]["name"] == "kore-4.1.0"
    assert s["packages"]["weir-static"]["name"] == f"weir-static-{version}"
    assert s["imageRef"] == f"weir:{version}-0123abc", s["imageRef"]
    assert sorted(s["kedaImages"].values()) == sorted(f"ghcr.io/kedacore/{n}:2.18.1" for n in
                                                      ("keda", "keda-admission-webhooks", "keda-metrics-apiserver"))
    kinds = {o: set(s["kinds"][o].values()) for o in ("packages", "checks", "devShells", "apps")}
    assert kinds == {"packages": {"derivation"}, "checks": {"derivation"}, "devShells": {"derivation"},
                     "apps": {"app"}} and s["kinds"]["formatter"] == "derivation", s["kinds"]
    assert set(s["nixosModules"].values()) == {s["apps"]["weir"]["program"]}, s["nixosModules"]
    nodes = s["vmTestNodes"]
    assert sorted(nodes["pipeline"]) == ["mongo1", "mongo2", "mongo3", "rabbitmq", "weir"]
    assert list(nodes["k3s-scaling"]) == ["machine"]
    assert not [n for t in nodes.values() for n in t.values() if n["failedAssertions"]], nodes
    weir = nodes["pipeline"]["weir"]["units"]["weir"]
    assert weir["wantedBy"] == [] and weir["environment"]["RABBITMQ_HOST"] == "rabbitmq", weir
    assert s["staticPatch"] == "1" and s["dynamicPatch"] == "", "the Kore patch goes to the static build only"
    assert "gen-static-symbols" in s["staticBuild"] and "--static" in s["staticBuild"] and " -static" in s["staticBuild"]
    assert "gen-static-symbols" not in s["dynamicBuild"] and "--static" not in s["dynamicBuild"]
print("flake outputs evaluate for both systems: attribute tree, kinds, modules, VM test nodes")
