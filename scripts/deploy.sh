#!/usr/bin/env bash
# scripts/deploy.sh - first deployment (and re-deployment) of the whole
# stack: checks, secrets, KEDA and monitoring if missing, apply, wait, URLs.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/k8s.sh
. "$WEIR_REPO/scripts/lib/k8s.sh"

usage() {
	cat <<'USAGE'
usage: scripts/deploy.sh [--host FQDN] [--image REPOSITORY] [--tag TAG]
                         [--no-keda] [--no-monitoring] [--timeout SECONDS] [OVERLAY]

Deploys k8s/overlays/OVERLAY (dev or production; default dev) into
namespace data-processing, in this order:
  1. site settings (production: Ingress host and weir image, kept in the
     git-ignored k8s/overlays/production/site/): --host, --image and --tag
     write them with scripts/site (first deployment: --host, --image and
     --tag, the full git SHA CI pushed; --image alone later keeps the tag);
     without them the ones written before are used, and with none at all
     it stops before touching the cluster and prints the command to run;
  2. checks: kubectl, kustomize ($KUSTOMIZE, else on PATH, else kubectl's
     own), helm when something must be installed, a reachable cluster;
  3. with site settings and no --image/--tag: when both weir Deployments
     already run one image of the site settings' repository
     (scripts/update.sh, rollback.sh or CI set it), the site settings take
     that image, so a re-deployment does not roll weir back or forward
     (another repository's image, e.g. dev's localhost/weir:dev, is
     replaced by the site settings' one, saying so);
  4. scripts/gen-secrets OVERLAY when its secrets do not exist yet;
  5. scripts/install-monitoring when the Prometheus Operator's CRDs are
     missing (--no-monitoring skips); scripts/install-keda when KEDA's CRDs
     are missing (--no-keda skips);
  6. kubectl apply of the rendered overlay (the finished mongodb-init Job is
     deleted first: Jobs cannot be changed, and it is safe to run again);
  7. waits for RabbitMQ, MongoDB, the replica-set Job and both weir
     Deployments (--timeout, default 900 s in all);
  8. prints the URLs and the commands to reach Grafana, Prometheus and
     RabbitMQ's management UI.
Every command that changes the cluster is printed before it runs.
Examples:
  scripts/deploy.sh dev
  scripts/deploy.sh --host weir.acme.com --image ghcr.io/acme/weir --tag 3f2c1e9... production
  scripts/deploy.sh production           # again, with the site settings above
USAGE
}

OVERLAY=dev
HOST="" IMAGE="" TAG=""
NO_KEDA=""
NO_MONITORING=""
TIMEOUT=900
DEADLINE=0

# remaining: seconds left before the overall timeout, at least 1.
remaining() {
	local left=$((DEADLINE - SECONDS))
	((left > 0)) || left=1
	printf '%ss\n' "$left"
}

crd_exists() {
	"$KUBECTL" get crd "$1" >/dev/null 2>&1
}

# site_settings: writes the site settings from --host/--image/--tag, then
# requires them when the overlay takes them; no kubectl call so far.
site_settings() {
	local dir=$WEIR_REPO/k8s/overlays/$OVERLAY
	[[ -d $dir ]] || die "no overlay k8s/overlays/$OVERLAY"
	if [[ -n $HOST$IMAGE$TAG ]]; then
		"$WEIR_REPO/scripts/site" ${HOST:+--host "$HOST"} ${IMAGE:+--image "$IMAGE"} ${TAG:+--tag "$TAG"} "$OVERLAY"
	fi
	takes_site "$dir" || return 0
	has_site "$dir" ||
		die "k8s/overlays/$OVERLAY has no site settings (Ingress host, image): run scripts/site $OVERLAY --host <public DNS name> --image <repository> --tag <tag CI pushed>, or give deploy.sh those options"
	log "site settings: host $(site_host "$dir/site"), image $(site_image "$dir/site")"
}

check_prerequisites() {
	require_tool "$KUBECTL" "https://kubernetes.io/docs/tasks/tools/"
	"$KUBECTL" version >/dev/null 2>&1 ||
		die "kubectl cannot reach a cluster (context: $("$KUBECTL" config current-context 2>/dev/null || echo none))"
	log "cluster: context $("$KUBECTL" config current-context), overlay $OVERLAY"
}

# follow_running_image: without --image/--tag, the site settings take the
# image both weir Deployments run now, if they exist, run one image, and it
# is from the site settings' repository (not, say, dev's localhost/weir:dev
# in the same namespace).
follow_running_image() {
	local site=$WEIR_REPO/k8s/overlays/$OVERLAY/site running repo version ours
	[[ -z $IMAGE$TAG ]] && has_site "$WEIR_REPO/k8s/overlays/$OVERLAY" || return 0
	running=$(weir_images) || die "cannot read the weir Deployments' images"
	running=$(sort -u <<<"$running")
	[[ -n $running ]] || return 0
	if [[ $running == *$'\n'* ]]; then
		die "weir-processor and weir-api run different images (${running//$'\n'/, }): give --tag (or --image) for the one to deploy to both"
	fi
	ours=$(site_image "$site")
	repo=$(repository_of "$running")
	version=$(version_of "$running")
	if [[ $repo != "$(repository_of "$ours")" ]]; then
		log "weir runs $running, not from the site settings' repository: deploying their $ours (--image/--tag to change it)"
		return 0
	fi
	[[ $(image_ref "$repo" "$version") != "$ours" ]] || return 0
	log "weir runs $running (set by scripts/update.sh, rollback.sh or CI): the site settings follow"
	"$WEIR_REPO/scripts/site" --image "$repo" --tag "$version" "$OVERLAY"
}

# install_addons: monitoring first, so that KEDA's install finds the
# Prometheus Operator and adds a ServiceMonitor for KEDA's own metrics.
install_addons() {
	if ! crd_exists servicemonitors.monitoring.coreos.com; then
		[[ -z $NO_MONITORING ]] || die "the Prometheus Operator is not installed and --no-monitoring was given: ServiceMonitors cannot be applied"
		"$WEIR_REPO/scripts/install-monitoring"
	else
		log "the Prometheus Operator is installed"
	fi
	if ! crd_exists scaledobjects.keda.sh; then
		[[ -z $NO_KEDA ]] || die "KEDA is not installed and --no-keda was given: the ScaledObject cannot be applied"
		"$WEIR_REPO/scripts/install-keda"
	else
		log "KEDA is installed"
	fi
}

apply() {
	local rendered
	rendered=$(mktemp)
	# shellcheck disable=SC2064 # expand now: the path is local.
	trap "rm -f '$rendered'" RETURN
	kustomize_build "$WEIR_REPO/k8s/overlays/$OVERLAY" >"$rendered" || die "kustomize build k8s/overlays/$OVERLAY failed"
	if "$KUBECTL" --namespace "$WEIR_NAMESPACE" get job mongodb-init >/dev/null 2>&1; then
		kc delete job mongodb-init --wait=true
	fi
	run "$KUBECTL" apply -f "$rendered"
}

wait_ready() {
	kc rollout status statefulset/rabbitmq --timeout="$(remaining)"
	kc rollout status statefulset/mongodb --timeout="$(remaining)"
	kc wait --for=condition=complete job/mongodb-init --timeout="$(remaining)" ||
		die "the replica set was not initiated: kubectl -n $WEIR_NAMESPACE logs job/mongodb-init"
	kc rollout status deployment/weir-processor --timeout="$(remaining)"
	kc rollout status deployment/weir-api --timeout="$(remaining)"
}

print_urls() {
	local host
	host=$("$KUBECTL" --namespace "$WEIR_NAMESPACE" get ingress weir-api \
		-o 'jsonpath={.spec.rules[0].host}' 2>/dev/null || true)
	cat <<URLS

weir is deployed in namespace $WEIR_NAMESPACE.
  API:         https://${host:-<ingress host>}/   (/docs, /openapi.json, /v1/..., /readyz, /metrics)
  API locally: kubectl -n $WEIR_NAMESPACE port-forward svc/weir-api 8080:80  ->  http://localhost:8080/
  Grafana:     kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80  ->  http://localhost:3000/
               (user admin; password: kubectl -n monitoring get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d)
  Prometheus:  kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090:9090  ->  http://localhost:9090/
  RabbitMQ UI: kubectl -n $WEIR_NAMESPACE port-forward svc/rabbitmq 15672:15672  ->  http://localhost:15672/
               (credentials: k8s/overlays/$OVERLAY/secrets/rabbitmq.env)
  Scaling:     kubectl -n $WEIR_NAMESPACE get scaledobject,hpa
URLS
}

main() {
	parse_options '--host=HOST --image=IMAGE --tag=TAG --no-keda:NO_KEDA --no-monitoring:NO_MONITORING --timeout=TIMEOUT' "$@"
	[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout wants seconds, not '$TIMEOUT'"
	((${#OPERANDS[@]} == 0)) || OVERLAY=${OPERANDS[-1]}
	site_settings
	check_prerequisites
	follow_running_image
	if [[ ! -f $WEIR_REPO/k8s/overlays/$OVERLAY/secrets/mongodb.env ]]; then
		"$WEIR_REPO/scripts/gen-secrets" "$OVERLAY"
	fi
	install_addons
	DEADLINE=$((SECONDS + TIMEOUT))
	apply
	wait_ready
	print_urls
}

main "$@"
