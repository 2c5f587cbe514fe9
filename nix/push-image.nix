# nix/push-image.nix - `nix run .#push-image -- DEST`: copies the built image with skopeo to a registry or local store.
# DEST is any skopeo destination, e.g. docker://registry.example/weir:tag or containers-storage:weir:tag.
{
  writeShellApplication,
  skopeo,
  image,
}:
writeShellApplication {
  name = "weir-push-image";
  runtimeInputs = [skopeo];
  text = ''
    if [ $# -lt 1 ] || [ "$1" = --help ] || [ "$1" = -h ]; then
      echo "usage: nix run .#push-image -- DESTINATION [skopeo copy options]" >&2
      echo "  copies ${image.imageName}:${image.imageTag} (${image}) with skopeo, e.g. to" >&2
      echo "  docker://REGISTRY/weir:${image.imageTag} or docker-daemon:weir:${image.imageTag}" >&2
      exit 2
    fi
    dest=$1
    shift
    exec skopeo copy "$@" "docker-archive:${image}" "$dest"
  '';
}
