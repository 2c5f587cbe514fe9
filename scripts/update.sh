#!/usr/bin/env bash
# scripts/update.sh - rolls weir-processor and/or weir-api to a new image
# version; undoes the rollout by itself when it does not become healthy.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/k8s.sh
. "$WEIR_REPO/scripts/lib/k8s.sh"

usage() {
	cat <<'USAGE'
usage: scripts/update.sh [--image REPOSITORY] [--timeout DURATION] <processor|api|all> <version>

Sets the weir container of weir-processor, weir-api or both to
REPOSITORY:<version>, waits for each rollout (kubectl rollout status,
--timeout, default 300s) and, if one does not finish, runs `kubectl rollout
undo` on every Deployment this run changed, waits for that, and exits 1.

  <version>          image tag (e.g. a git SHA, 1.2.0) or a digest (sha256:...)
  --image REPO       image repository; default: $WEIR_IMAGE, else the
                     repository the Deployment runs now
  --timeout D        per-rollout timeout (kubectl duration, e.g. 5m)
Environment: WEIR_NAMESPACE (data-processing), KUBECTL (kubectl),
KUBECONFIG as kubectl reads it.
A later `scripts/deploy.sh production` keeps the version this (or
scripts/rollback.sh) set: its site settings follow the image weir runs.
The dev overlay's image is committed: `deploy.sh dev` sets it again.

Examples:
  scripts/update.sh processor 1.2.0
  scripts/update.sh --image ghcr.io/acme/weir all 3f2c1e9
USAGE
}

IMAGE=${WEIR_IMAGE:-}
TIMEOUT=300s

current_image() {
	"$KUBECTL" --namespace "$WEIR_NAMESPACE" get deployment "$1" \
		-o 'jsonpath={.spec.template.spec.containers[?(@.name=="weir")].image}'
}

main() {
	parse_options '--image=IMAGE --timeout=TIMEOUT' "$@"
	set -- "${OPERANDS[@]}"
	(($# == 2)) || usage_exit 2
	local component=$1 version=$2 deployments deploy repo ref
	deployments=$(component_deployments "$component") ||
		die "unknown component '$component': processor, api or all"
	is_image_version "$version" ||
		die "'$version' is neither an image tag nor a sha256 digest"
	require_tool "$KUBECTL" "see docs/operations.md, Prerequisites"

	local -a changed=()
	local failed=""
	for deploy in $deployments; do
		repo=$IMAGE
		if [[ -z $repo ]]; then
			repo=$(repository_of "$(current_image "$deploy")") ||
				die "cannot read the image of deployment/$deploy"
			[[ -n $repo ]] || die "deployment/$deploy has no container named weir"
		fi
		ref=$(image_ref "$repo" "$version")
		log "updating deployment/$deploy to $ref"
		kc set image "deployment/$deploy" "weir=$ref"
		kc annotate --overwrite "deployment/$deploy" \
			"kubernetes.io/change-cause=scripts/update.sh $component $version"
		changed+=("$deploy")
		if ! kc rollout status "deployment/$deploy" --timeout="$TIMEOUT"; then
			warn "deployment/$deploy did not become ready within $TIMEOUT"
			failed=$deploy
			break
		fi
	done

	if [[ -n $failed ]]; then
		for deploy in "${changed[@]}"; do
			log "rolling back deployment/$deploy"
			kc rollout undo "deployment/$deploy" ||
				warn "rollout undo of deployment/$deploy failed"
			kc rollout status "deployment/$deploy" --timeout="$TIMEOUT" ||
				warn "deployment/$deploy is not healthy after the undo either; see docs/operations.md, Troubleshooting"
		done
		die "update of $component to $version failed (deployment/$failed); rolled back ${changed[*]}"
	fi
	log "done: ${changed[*]} run version $version"
}

main "$@"
