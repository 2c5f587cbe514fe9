# tests/k8s/common.sh - what the tests/k8s/*.bats files share: the work dir scripts/test-k8s
# prepared, the test's site settings, kubeconform against k8s/schemas, throw-away copies of the repository.
# shellcheck shell=bash

WEIR_LOG_PREFIX=test-k8s
# shellcheck source=scripts/lib/common.sh
. "$BATS_TEST_DIRNAME/../../scripts/lib/common.sh"
# shellcheck source=scripts/lib/k8s.sh
. "$WEIR_REPO/scripts/lib/k8s.sh"

# scripts/test-k8s's work dir: a copy of scripts/ and k8s/ without secrets
# and site settings, in a git checkout with a commit, as a clone is.
WORK=${WEIR_K8S_WORK:?run tests/k8s through scripts/test-k8s}
: "${KUSTOMIZE:?}" "${KUBECONFORM:?}"
K8S_VERSION=1.33.13

# The test's own site settings (scripts/site), not placeholders: .internal
# is never a public name, and nothing is pulled from the registry.
SITE_HOST=weir.k8s-test.internal
SITE_IMAGE=registry.k8s-test.internal:5000/weir
SITE_TAG=0.0.0-k8s-test
# shellcheck disable=SC2034 # used by the .bats files
SITE=("--host" "$SITE_HOST" "--image" "$SITE_IMAGE" "--tag" "$SITE_TAG")
export KUSTOMIZE

kubeconform_strict() {
	"$KUBECONFORM" -strict -summary -kubernetes-version "$K8S_VERSION" \
		-schema-location "$WEIR_REPO/k8s/schemas/kubernetes/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
		-schema-location "$WEIR_REPO/k8s/schemas/crds/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
		"$@"
}

# rendered OVERLAY: skips the test when OVERLAY did not render.
rendered() {
	[[ -s $WORK/$1.yaml ]] || skip "k8s/overlays/$1 did not render"
}

# deploy_copy: a copy of the repository's scripts and manifests without
# secrets and site settings, as a fresh clone has.
deploy_copy() {
	local repo=$WORK/deploy-$RANDOM
	mkdir -p "$repo"
	cp -r "$WEIR_REPO/scripts" "$WEIR_REPO/k8s" "$repo/"
	rm -rf "$repo"/k8s/overlays/*/secrets "$repo"/k8s/overlays/*/site
	printf '%s\n' "$repo"
}

# render_refused REPO: scripts/render-manifests production exits 2 and says
# which scripts/site command to run.
render_refused() {
	local rc=0
	"$1/scripts/render-manifests" production >/dev/null 2>"$1/err" || rc=$?
	if ((rc != 2)) || ! grep -q 'scripts/site production --host' "$1/err"; then
		echo "render-manifests production without site settings: exit $rc, $(cat "$1/err")"
		return 1
	fi
}
