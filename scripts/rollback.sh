#!/usr/bin/env bash
# scripts/rollback.sh - puts weir-processor and/or weir-api back on their
# previous revision, or on a given one.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/k8s.sh
. "$WEIR_REPO/scripts/lib/k8s.sh"

usage() {
	cat <<'USAGE'
usage: scripts/rollback.sh [--timeout DURATION] <processor|api|all> [revision]

Shows the rollout history, runs `kubectl rollout undo` (to the previous
revision, or --to-revision=REVISION) and waits until the rollout is done
(--timeout, default 300s). Exits 1 when the rolled-back version does not
become ready either. A revision number belongs to one Deployment, so
`all` takes no revision.

Examples:
  scripts/rollback.sh processor        # the version before the current one
  scripts/rollback.sh api 3            # revision 3 of weir-api
  kubectl -n data-processing rollout history deployment/weir-api
USAGE
}

TIMEOUT=300s

main() {
	parse_options --timeout=TIMEOUT "$@"
	set -- "${OPERANDS[@]}"
	(($# == 1 || $# == 2)) || usage_exit 2
	local component=$1 revision=${2:-} deployments deploy rc=0
	deployments=$(component_deployments "$component") ||
		die "unknown component '$component': processor, api or all"
	if [[ -n $revision ]]; then
		[[ $revision =~ ^[1-9][0-9]*$ ]] || die "revision '$revision' is not a positive number"
		[[ $component != all ]] || die "'all' takes no revision: revisions differ per Deployment"
	fi
	require_tool "$KUBECTL" "see docs/operations.md, Prerequisites"

	for deploy in $deployments; do
		kc rollout history "deployment/$deploy"
		if [[ -n $revision ]]; then
			log "rolling deployment/$deploy back to revision $revision"
			kc rollout undo "deployment/$deploy" --to-revision="$revision"
		else
			log "rolling deployment/$deploy back to its previous revision"
			kc rollout undo "deployment/$deploy"
		fi
		if ! kc rollout status "deployment/$deploy" --timeout="$TIMEOUT"; then
			warn "deployment/$deploy did not become ready within $TIMEOUT after the rollback"
			rc=1
		fi
	done
	((rc == 0)) || die "rollback of $component did not finish; see docs/operations.md, Troubleshooting"
	log "done: $deployments rolled back"
}

main "$@"
