# nix/keda.nix - KEDA 2.18.1 built from source (nixpkgs has no keda), its three images and its rendered manifests.
# For the offline k3s VM test: images are preloaded, so nothing is pulled. passthru.images / passthru.manifests.
{
  lib,
  buildGoModule,
  fetchFromGitHub,
  dockerTools,
  runCommand,
  kustomize,
}: let
  version = "2.18.1";
  imageTag = version;

  # One image per binary, laid out as upstream's Dockerfiles do (binary at
  # /, user 65532), so the Deployments' `command:` lines work unchanged.
  mkImage = keda: name: bin: extraArgs:
    dockerTools.buildLayeredImage {
      name = "ghcr.io/kedacore/${name}";
      tag = imageTag;
      extraCommands = ''
        cp ${keda}/bin/${bin} ./${bin}
      '';
      config = {
        Entrypoint = ["/${bin}"] ++ extraArgs;
        User = "65532:65532";
      };
    };

  keda = buildGoModule rec {
    pname = "keda";
    inherit version;

    # Hash: `git archive v2.18.1` of kedacore/keda, unpacked,
    # `nix-hash --type sha256` (method in docs/nix.md).
    src = fetchFromGitHub {
      owner = "kedacore";
      repo = "keda";
      tag = "v${version}";
      hash = "sha256-pfIzNyph6re2I0Cv9bganIEVVveEjDQOCsBiJFMesQo=";
    };

    # KEDA commits its vendor/ directory (its Makefile builds with
    # -mod=vendor), so there is no vendorHash to compute: null means "use
    # the source's vendor/".
    vendorHash = null;

    subPackages = [
      "cmd/operator"
      "cmd/adapter"
      "cmd/webhooks"
    ];
    env.CGO_ENABLED = 0;
    ldflags = [
      "-s"
      "-w"
      "-X=github.com/kedacore/keda/v2/version.Version=${version}"
      "-X=github.com/kedacore/keda/v2/version.GitCommit=v${version}"
    ];
    # Upstream's tests need envtest (a kube-apiserver and etcd).
    doCheck = false;

    # The names upstream's images use.
    postInstall = ''
      mv $out/bin/operator $out/bin/keda
      mv $out/bin/adapter $out/bin/keda-adapter
      mv $out/bin/webhooks $out/bin/keda-admission-webhooks
    '';

    passthru = {
      images = {
        keda = mkImage keda "keda" "keda" [];
        metrics-apiserver = mkImage keda "keda-metrics-apiserver" "keda-adapter" [
          "--secure-port=6443"
          "--zap-log-level=info"
          "--zap-encoder=console"
        ];
        admission-webhooks = mkImage keda "keda-admission-webhooks" "keda-admission-webhooks" [];
      };
      # Upstream's release YAML is `kustomize build config/default` with the
      # images set; pulls are turned off since the test VM has no network.
      manifests = runCommand "keda-${version}.yaml" {nativeBuildInputs = [kustomize];} ''
        cp -r ${src}/config config
        chmod -R u+w config
        cd config/default
        kustomize edit set image \
          ghcr.io/kedacore/keda=ghcr.io/kedacore/keda:${imageTag} \
          ghcr.io/kedacore/keda-metrics-apiserver=ghcr.io/kedacore/keda-metrics-apiserver:${imageTag} \
          ghcr.io/kedacore/keda-admission-webhooks=ghcr.io/kedacore/keda-admission-webhooks:${imageTag}
        kustomize build . | sed 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/' > $out
        grep -q 'ghcr.io/kedacore/keda:${imageTag}' $out
      '';
    };

    meta = {
      description = "Kubernetes event-driven autoscaling (operator, metrics API server, admission webhooks)";
      homepage = "https://keda.sh";
      license = lib.licenses.asl20;
      platforms = lib.platforms.linux;
      mainProgram = "keda";
    };
  };
in
  keda
