# nix/manifests.nix - the rendered kustomize overlays (k8s/overlays/*) with this build's image reference.
# $out/<overlay>.yaml is what `kubectl apply -f` takes; Secrets are created on the cluster (scripts/gen-secrets).
{
  runCommand,
  kustomize,
  openssl,
  src,
  image,
}:
runCommand "weir-manifests-${image.imageTag}" {
  nativeBuildInputs = [kustomize openssl];
  passthru.imageRef = "${image.imageName}:${image.imageTag}";
} ''
  bash ${src}/nix/render-manifests.sh ${src} ${image.imageName}:${image.imageTag} $out
''
