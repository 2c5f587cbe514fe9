#!/usr/bin/env bash
# nix/render-manifests.sh - renders every k8s/overlays/* with the weir image set to one reference, Secrets left out.
# Used by the flake's `manifests` package and by scripts/test-nix; the rendering itself is scripts/render-manifests.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: nix/render-manifests.sh REPO_DIR IMAGE_REF OUT_DIR

Copies REPO_DIR's k8s/ and the scripts that render it
(scripts/render-manifests, scripts/gen-secrets, scripts/lib/k8s.sh and
scripts/lib/rabbitmq.sh; the
flake's k8sSrc holds these) to a scratch dir, sets the
image named first in each overlay's `images:` to IMAGE_REF (kustomize edit
set image), and writes OUT_DIR/<overlay>.yaml with scripts/render-manifests:
every object but the Secrets, whose values must not land in a
world-readable store (create them on the cluster: docs/operations.md).
An overlay whose `images:` is in its site settings (production: Ingress
host and image of one installation, scripts/site, git-ignored) is rendered
only where REPO_DIR has them, which a flake's git source never does; it is
skipped, saying so, otherwise.
Fails if a rendered overlay has no container running IMAGE_REF.
Needs kustomize on PATH.
USAGE
}

case ${1:-} in
-h | --help)
	usage
	exit 0
	;;
esac
if (($# != 3)); then
	usage >&2
	exit 2
fi
repo=$1 ref=$2 out=$3

die() {
	printf 'render-manifests: %s\n' "$*" >&2
	exit 1
}

[[ -d $repo/k8s/overlays ]] || die "$repo/k8s/overlays does not exist"
for f in scripts/render-manifests scripts/gen-secrets scripts/lib/k8s.sh scripts/lib/rabbitmq.sh; do
	[[ -f $repo/$f ]] || die "$repo/$f is missing"
done
# takes_site: the same test of "this overlay lists the site Component" as
# scripts/render-manifests and scripts/site make.
# shellcheck source=scripts/lib/k8s.sh
. "$repo/scripts/lib/k8s.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/scripts/lib" "$out"
cp -r "$repo/k8s" "$work/k8s"
cp "$repo/scripts/render-manifests" "$repo/scripts/gen-secrets" "$work/scripts/"
cp "$repo/scripts/lib/k8s.sh" "$repo/scripts/lib/rabbitmq.sh" "$work/scripts/lib/"
chmod -R u+w "$work"
# Run through bash: in a Nix build there is no /usr/bin/env for their #!.
sed -i '1s|^#!.*|#!'"$(command -v bash)"'|' "$work/scripts/render-manifests" "$work/scripts/gen-secrets"
n=0
for dir in "$work"/k8s/overlays/*/; do
	overlay=$(basename "$dir")
	dir=${dir%/}
	name=$(images_name "$dir")
	if [[ -z $name ]] && takes_site "$dir"; then
		has_site "$dir" || {
			printf 'render-manifests: skipped k8s/overlays/%s: its host and image are site settings (scripts/site), not in this tree\n' \
				"$overlay" >&2
			continue
		}
		dir=$dir/site
		name=$(images_name "$dir")
	fi
	[[ -n $name ]] || die "k8s/overlays/$overlay has no images: entry"
	(cd "$dir" && kustomize edit set image "$name=$ref") ||
		die "kustomize edit set image failed in k8s/overlays/$overlay"
	"$work/scripts/render-manifests" "$overlay" >"$out/$overlay.yaml" ||
		die "scripts/render-manifests $overlay failed"
	# Every weir container must now run this build's image.
	grep -q "image: $ref\$" "$out/$overlay.yaml" ||
		die "k8s/overlays/$overlay: no container uses $ref after set image $name"
	n=$((n + 1))
done
((n > 0)) || die "no overlays under k8s/overlays"
printf 'render-manifests: %d overlays rendered with image %s into %s\n' "$n" "$ref" "$out" >&2
