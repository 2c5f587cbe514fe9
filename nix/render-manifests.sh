#!/usr/bin/env bash
# nix/render-manifests.sh - renders every k8s/overlays/* with kustomize, the weir image set to one reference.
# Used by the flake's `manifests` package and by scripts/test-nix, so the same steps run here and in Nix.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: nix/render-manifests.sh REPO_DIR IMAGE_REF OUT_DIR

Copies REPO_DIR/k8s to a scratch dir, runs REPO_DIR/scripts/gen-secrets
OVERLAY there for each overlay when it exists (the secretGenerators read
the files it writes), sets the image named first in each overlay's `images:` to
IMAGE_REF (kustomize edit set image), and writes OUT_DIR/<overlay>.yaml.
Secret objects are left out of the output: their values are generated
per build and must not land in a world-readable store; create them on the
cluster with scripts/gen-secrets (see docs/operations.md).
Needs kustomize and yq (mikefarah's yq-go) on PATH.
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
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$repo/k8s" "$work/k8s"
chmod -R u+w "$work/k8s"
if [[ -f $repo/scripts/gen-secrets ]]; then
	mkdir -p "$work/scripts"
	cp "$repo/scripts/gen-secrets" "$work/scripts/gen-secrets"
fi
mkdir -p "$out"
n=0
for dir in "$work"/k8s/overlays/*/; do
	overlay=$(basename "$dir")
	if [[ -f $work/scripts/gen-secrets ]]; then
		if ! msg=$(cd "$work" && bash scripts/gen-secrets "$overlay" 2>&1); then
			printf '%s\n' "$msg" >&2
			die "scripts/gen-secrets $overlay failed"
		fi
	fi
	name=$(yq '.images[0].name // ""' "$dir/kustomization.yaml")
	[[ -n $name ]] || die "k8s/overlays/$overlay/kustomization.yaml has no images: entry"
	(cd "$dir" && kustomize edit set image "$name=$ref")
	kustomize build "$dir" >"$work/$overlay.yaml" ||
		die "kustomize build k8s/overlays/$overlay failed"
	# Every weir container must now run this build's image.
	grep -q "image: $ref\$" "$work/$overlay.yaml" ||
		die "k8s/overlays/$overlay: no container uses $ref after set image $name"
	yq ea 'select(.kind != "Secret")' "$work/$overlay.yaml" >"$out/$overlay.yaml"
	n=$((n + 1))
done
((n > 0)) || die "no overlays under k8s/overlays"
printf 'render-manifests: %d overlays rendered with image %s into %s\n' "$n" "$ref" "$out" >&2
