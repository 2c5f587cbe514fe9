#!/usr/bin/env bats
# tests/k8s/lint.bats - the deploy scripts, manifests and workflow pass shellcheck, yamllint and actionlint,
# and every deploy script answers --help with its usage.

# shellcheck source=tests/k8s/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

@test "shellcheck" {
	cd "$WEIR_REPO"
	shellcheck -x scripts/deploy.sh scripts/update.sh scripts/rollback.sh \
		scripts/gen-secrets scripts/site scripts/install-keda scripts/install-monitoring \
		scripts/render-manifests scripts/test-k8s scripts/lib/k8s.sh k8s/schemas/regenerate \
		scripts/cluster scripts/test-cluster scripts/lib/cluster-build.sh tests/k8s/*.sh
}

# Also the site settings scripts/site wrote (tests/k8s/manifests.bats).
@test "yamllint" {
	cd "$WEIR_REPO"
	yamllint -s -c tests/k8s/yamllint.yaml k8s tests/k8s .github/workflows \
		"$WORK/k8s/overlays/production/site"
}

@test "actionlint .github/workflows/deploy.yml" {
	cd "$WEIR_REPO"
	"${ACTIONLINT:?}" -shellcheck "$(command -v shellcheck)" .github/workflows/deploy.yml
}

@test "--help of the deploy scripts" {
	for s in deploy.sh update.sh rollback.sh gen-secrets site install-keda install-monitoring \
		render-manifests test-k8s; do
		"$WEIR_REPO/scripts/$s" --help | grep -q '^usage: scripts/' || {
			echo "scripts/$s --help printed no usage"
			return 1
		}
	done
}
