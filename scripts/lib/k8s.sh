# scripts/lib/k8s.sh - what deploy.sh, update.sh and rollback.sh share: the
# namespace, component names, and kubectl calls that are printed before
# they run. Source it after lib/common.sh.
# shellcheck shell=bash

WEIR_NAMESPACE=${WEIR_NAMESPACE:-data-processing}
KUBECTL=${KUBECTL:-kubectl}

# run COMMAND...: prints the command (so every change to the cluster is in
# the output, for people and CI logs), then runs it.
run() {
	printf '+ %s\n' "$*" >&2
	"$@"
}

# kc ARGS...: kubectl in weir's namespace, printed first.
kc() {
	run "$KUBECTL" --namespace "$WEIR_NAMESPACE" "$@"
}

# component_deployments NAME: the Deployments a component name means.
# `spark` is the earlier design's name for the processor; it still works.
component_deployments() {
	case $1 in
	processor) echo weir-processor ;;
	spark)
		warn "'spark' is the earlier design's name; it means 'processor' (weir-processor)"
		echo weir-processor
		;;
	api) echo weir-api ;;
	all) echo weir-processor weir-api ;;
	*) return 1 ;;
	esac
}

# require_tool NAME HINT: fails with HINT when NAME is not on PATH.
require_tool() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"
}
