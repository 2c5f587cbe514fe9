# nixos-tests/k3s-scaling.nix - k3s with the weir image and KEDA preloaded, the generated manifests applied:
# a flooded queue scales weir-processor above one replica, the backlog drains, and it scales back to one.
{self}: {
  lib,
  pkgs,
  ...
}: let
  inherit (pkgs.stdenv.hostPlatform) system;
  weirImage = self.packages.${system}.weir-image;
  keda = self.packages.${system}.keda;
  manifests = self.packages.${system}.manifests;
  namespace = "data-processing";
  python = pkgs.python3.withPackages (ps: [ps.pika]);
  events = "${python}/bin/python3 ${./events.py}";

  # As nixpkgs' k3s tests do: a local pause image, so no sandbox needs a
  # registry (the VM has no network).
  pauseImage = pkgs.dockerTools.buildImage {
    name = "test.local/pause";
    tag = "local";
    copyToRoot = pkgs.buildEnv {
      name = "k3s-pause-image-env";
      paths = [
        pkgs.tini
        (lib.hiPrio pkgs.coreutils)
        pkgs.busybox
      ];
    };
    config.Entrypoint = ["/bin/tini" "--" "/bin/sleep" "inf"];
  };

  # The weir part of the dev overlay. RabbitMQ and MongoDB run as NixOS
  # services on the node instead of the overlay's StatefulSets (their
  # images are not in the VM); NetworkPolicies, quotas and monitoring CRDs
  # are left out, since nothing here enforces or installs them. Images
  # are preloaded, so nothing may be pulled.
  weirManifests = pkgs.runCommand "weir-k3s-test.yaml" {nativeBuildInputs = [pkgs.yq-go];} ''
    yq ea 'select(
      .kind == "Namespace" or .kind == "ServiceAccount" or .kind == "ConfigMap" or
      .kind == "Role" or .kind == "RoleBinding" or
      .kind == "ScaledObject" or .kind == "TriggerAuthentication" or
      (.kind == "Deployment" and .metadata.name == "weir-processor")
    )' ${manifests}/dev.yaml | sed 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/' > $out
    grep -q 'kind: ScaledObject' $out
    grep -q 'name: weir-processor' $out
  '';
in {
  name = "weir-k3s-scaling";

  nodes.machine = {
    config,
    pkgs,
    ...
  }: {
    # k3s' own kubectl and crictl read /etc/rancher/k3s/k3s.yaml.
    environment.systemPackages = [config.services.k3s.package pkgs.jq pkgs.mongosh python];

    virtualisation = {
      memorySize = 6144;
      diskSize = 8192;
      cores = 4;
    };

    services.k3s = {
      enable = true;
      role = "server";
      extraFlags = [
        "--disable coredns"
        "--disable local-storage"
        "--disable servicelb"
        "--disable traefik"
        "--pause-image test.local/pause:local"
      ];
      # metrics-server stays: the ScaledObject's CPU and memory triggers
      # need it, and without every metric the HPA never scales down. Its
      # image comes from k3s' own airgap archive.
      images = [
        pauseImage
        config.services.k3s.package.airgap-images
        weirImage
        keda.images.keda
        keda.images.metrics-apiserver
        keda.images.admission-webhooks
      ];
    };

    services.rabbitmq = {
      enable = true;
      listenAddress = "";
      managementPlugin.enable = true;
    };
    services.mongodb = {
      enable = true;
      package = pkgs.mongodb-ce;
      bind_ip = "0.0.0.0";
    };
    # Pods reach the node's RabbitMQ and MongoDB through the CNI bridge.
    networking.firewall = {
      allowedTCPPorts = [5672 6443 15672 27017];
      trustedInterfaces = ["cni0" "flannel.1"];
    };
  };

  testScript = {nodes, ...}: let
    nodeIP = nodes.machine.networking.primaryIPAddress;
  in ''
    import json

    NS = "${namespace}"

    def kubectl(args):
        return machine.succeed(f"kubectl {args}")

    def replicas():
        return int(kubectl(f"-n {NS} get deployment weir-processor -o jsonpath='{{.spec.replicas}}'") or "0")

    def rabbitmqctl(args):
        # As the rabbitmq user, which holds the node's Erlang cookie.
        return machine.succeed(f"su -s ${pkgs.runtimeShell} rabbitmq -c \"rabbitmqctl {args}\"")

    def backlog():
        out = rabbitmqctl("list_queues -q --no-table-headers name messages")
        for line in out.splitlines():
            name, _, count = line.partition("\t")
            if name.strip() == "events.process":
                return int(count)
        return -1

    start_all()
    machine.wait_for_unit("k3s")
    machine.wait_for_unit("rabbitmq.service")
    machine.wait_for_unit("mongodb.service")
    machine.wait_until_succeeds("kubectl get serviceaccount default")

    with subtest("images are preloaded"):
        for image in ["test.local/pause", "${weirImage.imageName}", "ghcr.io/kedacore/keda", "ghcr.io/kedacore/keda-metrics-apiserver", "ghcr.io/kedacore/keda-admission-webhooks"]:
            machine.wait_until_succeeds(f"crictl img | grep -F '{image}'", timeout=300)

    with subtest("RabbitMQ user with a generated password"):
        password = machine.succeed("head -c 24 /dev/urandom | base64 | tr -d '/+=\n'").strip()
        rabbitmqctl(f"add_user weir '{password}'")
        rabbitmqctl("set_permissions -p / weir '.*' '.*' '.*'")
        rabbitmqctl("set_user_tags weir monitoring")
        machine.succeed(
            "install -d -m 0700 /run/secrets",
            f"printf %s '{password}' > /run/secrets/rabbitmq-password",
        )
        amqp_url = f"amqp://weir:{password}@${nodeIP}:5672/"
        http_url = f"http://weir:{password}@${nodeIP}:15672/"
        mongo_uri = "mongodb://${nodeIP}:27017/"

    with subtest("KEDA is up"):
        kubectl("apply --server-side -f ${keda.manifests}")
        for deployment in ["keda-operator", "keda-metrics-apiserver", "keda-admission"]:
            machine.wait_until_succeeds(f"kubectl -n keda rollout status deployment/{deployment} --timeout=20s", timeout=600)
        machine.wait_until_succeeds(
            "kubectl get apiservice v1beta1.external.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status}' | grep -qx True",
            timeout=300,
        )

    with subtest("the generated manifests deploy weir-processor"):
        # Retried: KEDA's admission webhook serves only once the operator
        # has issued its certificate.
        machine.wait_until_succeeds("kubectl apply -f ${weirManifests}", timeout=300)
        # Secrets are not part of the rendered manifests (scripts/gen-secrets
        # makes them on a cluster); here each one the Deployment and the
        # TriggerAuthentication name is created with this test's values.
        deploy = json.loads(kubectl(f"-n {NS} get deployment weir-processor -o json"))
        scaled = json.loads(kubectl(f"-n {NS} get scaledobjects -o json"))["items"]
        auths = json.loads(kubectl(f"-n {NS} get triggerauthentications -o json"))["items"]
        protocol = "amqp"
        for so in scaled:
            for trigger in so["spec"]["triggers"]:
                if trigger["type"] == "rabbitmq":
                    protocol = trigger.get("metadata", {}).get("protocol", "amqp")

        def value_for(key):
            k = key.lower()
            if "mongo" in k:
                return mongo_uri
            if "password" in k:
                return password
            if "user" in k:
                return "weir"
            if "host" in k or "url" in k or "uri" in k or "rabbit" in k or "amqp" in k:
                return http_url if protocol == "http" else amqp_url
            return password

        wanted: dict[str, set[str]] = {}
        pod = deploy["spec"]["template"]["spec"]
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    wanted.setdefault(ref["name"], set()).add(ref["key"])
            for e in c.get("envFrom", []):
                if "secretRef" in e:
                    wanted.setdefault(e["secretRef"]["name"], set()).update(["RABBITMQ_URL", "MONGODB_URI"])
        for v in pod.get("volumes", []):
            if "secret" in v:
                items = [i["key"] for i in v["secret"].get("items", [])] or ["rabbitmq-password"]
                wanted.setdefault(v["secret"]["secretName"], set()).update(items)
        for a in auths:
            for ref in a["spec"].get("secretTargetRef", []):
                wanted.setdefault(ref["name"], set()).add(ref["key"])
        for name, keys in wanted.items():
            literals = " ".join(f"--from-literal='{k}={value_for(k)}'" for k in sorted(keys))
            kubectl(f"-n {NS} create secret generic {name} {literals}")
        # Whatever the overlay sets, weir reaches the node's services: full
        # URLs win over the parts and over *_FILE (docs/design.md). The node's
        # MongoDB is a standalone server: write concern auto (= 1).
        kubectl(
            f"-n {NS} set env deployment/weir-processor RABBITMQ_URL='{amqp_url}' "
            f"MONGODB_URI='{mongo_uri}' WEIR_MONGODB_WRITE_CONCERN=auto"
        )
        # The RabbitMQ trigger names the in-cluster Service, which needs the
        # DNS this cluster does not run: point it at the node, same scheme
        # and port, credentials still from the TriggerAuthentication.
        from urllib.parse import urlsplit, urlunsplit
        for so in scaled:
            for i, trigger in enumerate(so["spec"]["triggers"]):
                host = trigger.get("metadata", {}).get("host")
                if trigger["type"] == "rabbitmq" and host:
                    u = urlsplit(host)
                    port = u.port or (15672 if u.scheme == "http" else 5672)
                    new = urlunsplit((u.scheme, f"${nodeIP}:{port}", u.path, u.query, u.fragment))
                    patch = json.dumps([{"op": "replace", "path": f"/spec/triggers/{i}/metadata/host", "value": new}])
                    kubectl(f"-n {NS} patch scaledobject {so['metadata']['name']} --type=json -p '{patch}'")
        machine.wait_until_succeeds(f"kubectl -n {NS} rollout status deployment/weir-processor --timeout=20s", timeout=600)
        machine.wait_until_succeeds(f"kubectl -n {NS} get scaledobject -o jsonpath='{{.items[0].status.conditions[?(@.type==\"Ready\")].status}}' | grep -qx True", timeout=300)
        assert replicas() == 1, f"weir-processor starts with {replicas()} replicas"

    with subtest("a flooded queue scales weir-processor above one replica"):
        # With MongoDB stopped weir acknowledges nothing, so the backlog
        # stays while KEDA and the HPA react, however fast weir is.
        machine.succeed("systemctl stop mongodb.service")
        machine.succeed("${events} publish --host 127.0.0.1 --first 0 --count 20000")
        assert backlog() > 10000, f"backlog is only {backlog()}"
        machine.wait_until_succeeds(
            f"test $(kubectl -n {NS} get deployment weir-processor -o jsonpath='{{.spec.replicas}}') -gt 1", timeout=300
        )
        peak = replicas()
        print(f"weir-processor scaled to {peak} replicas with {backlog()} messages queued")

    with subtest("the backlog drains into MongoDB, every event once"):
        machine.succeed("systemctl start mongodb.service")
        retry(lambda _: backlog() == 0, timeout=900)
        machine.wait_until_succeeds(
            "test \"$(mongosh --quiet mongodb://127.0.0.1:27017/weir --eval 'db.events.countDocuments({})')\" = 20000",
            timeout=300,
        )

    with subtest("replicas return to one"):
        machine.wait_until_succeeds(
            f"test $(kubectl -n {NS} get deployment weir-processor -o jsonpath='{{.spec.replicas}}') -eq 1", timeout=900
        )
  '';
}
