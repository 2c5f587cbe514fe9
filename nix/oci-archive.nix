# nix/oci-archive.nix - the weir image as an OCI archive (oci-archive:), converted by skopeo from dockerTools' archive.
# For registries and runtimes that take OCI layouts rather than docker-archive tarballs.
{
  runCommand,
  skopeo,
  image,
}:
runCommand "weir-image-oci-${image.imageTag}.tar" {
  nativeBuildInputs = [skopeo];
  passthru = {inherit (image) imageName imageTag;};
} ''
  export HOME=$TMPDIR
  # dockerTools' archive is gzipped; skopeo's docker-archive: reader takes a
  # plain tar (Debian's skopeo 1.9 refuses the .tar.gz, checked), so unpack.
  gzip -dc ${image} > image.tar
  # No registry is contacted: both ends are local files, so no signature
  # policy applies (the sandbox has no /etc/containers/policy.json).
  skopeo --insecure-policy --tmpdir "$TMPDIR" copy \
    docker-archive:image.tar \
    oci-archive:$out:${image.imageName}:${image.imageTag}
''
