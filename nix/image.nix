# nix/image.nix - the weir OCI image: the static binary, CA certificates and an empty /tmp; no shell, non-root.
# The Debian twin is scripts/build-image (buildah from scratch); both run as uid 65532.
{
  lib,
  dockerTools,
  cacert,
  weir,
  tag,
  revision ? "unknown",
}:
dockerTools.buildLayeredImage {
  name = "weir";
  inherit tag;

  # cacert only: no shell, no coreutils. A static weir needs nothing else.
  contents = [cacert];

  # Kore writes its pid file to /tmp (src/weir.c); Kubernetes mounts an
  # emptyDir there since the root filesystem is read-only. The passwd and
  # group entries name uid 65532, as scripts/build-image's image does.
  extraCommands = ''
    mkdir -p tmp etc
    chmod 1777 tmp
    echo 'weir:x:65532:65532:weir:/tmp:/sbin/nologin' > etc/passwd
    echo 'weir:x:65532:' > etc/group
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
      "org.opencontainers.image.revision" = revision;
      "org.opencontainers.image.base.name" = "scratch";
      "org.opencontainers.image.licenses" = "ISC";
    };
  };
}
