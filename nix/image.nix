# nix/image.nix - the weir OCI image: the static binary, CA certificates and an empty /tmp; no shell, non-root.
# The Debian twin is scripts/build-image (buildah from scratch); both run as uid 65532.
{
  lib,
  dockerTools,
  cacert,
  weir,
  tag,
}:
dockerTools.buildLayeredImage {
  name = "weir";
  inherit tag;

  # cacert only: no shell, no coreutils. A static weir needs nothing else.
  contents = [cacert];

  # Kore writes its pid file to /tmp (src/weir.c); Kubernetes mounts an
  # emptyDir there since the root filesystem is read-only.
  extraCommands = ''
    mkdir -p tmp
    chmod 1777 tmp
  '';

  config = {
    Entrypoint = [(lib.getExe weir)];
    User = "65532:65532";
    WorkingDir = "/tmp";
    Env = [
      "SSL_CERT_FILE=${cacert}/etc/ssl/certs/ca-bundle.crt"
      "WEIR_HTTP_ADDR=0.0.0.0:8080"
    ];
    ExposedPorts."8080/tcp" = {};
    Volumes."/tmp" = {};
    Labels = {
      "org.opencontainers.image.title" = "weir";
      "org.opencontainers.image.description" = weir.meta.description;
      "org.opencontainers.image.version" = tag;
      "org.opencontainers.image.licenses" = "ISC";
    };
  };
}
