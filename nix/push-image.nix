# nix/push-image.nix - `nix run .#push-image -- DEST`: copies the built image with skopeo to a registry or local store.
# DEST is any skopeo destination, e.g. docker://registry.example/weir:tag or containers-storage:weir:tag.
{
  writeShellApplication,
  skopeo,
  gzip,
  image,
}:
writeShellApplication {
  name = "weir-push-image";
  runtimeInputs = [skopeo gzip];
  text = ''
    usage() {
      echo "usage: nix run .#push-image -- DESTINATION [skopeo copy options]"
      echo "  copies ${image.imageName}:${image.imageTag} (${image}) with skopeo, e.g. to"
      echo "  docker://REGISTRY/weir:${image.imageTag} or docker-daemon:weir:${image.imageTag}"
    }
    case "''${1:-}" in
    -h | --help)
      usage
      exit 0
      ;;
    "")
      usage >&2
      exit 2
      ;;
    esac
    dest=$1
    shift
    # skopeo's docker-archive: reader takes a plain tar, not dockerTools' .tar.gz.
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    gzip -dc ${image} > "$tmp/image.tar"
    skopeo copy "$@" "docker-archive:$tmp/image.tar" "$dest"
  '';
}
