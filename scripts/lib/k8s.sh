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

# parse_options SPEC ARGS...: the option loop of deploy.sh, update.sh and
# rollback.sh. SPEC names the options the script takes, space-separated:
# --name=VAR puts the option's value (not empty) in VAR, --name:VAR sets
# VAR=1. -h/--help prints the usage; any other option is refused. OPERANDS
# gets the other arguments, wherever they stand.
parse_options() {
	local spec=" $1 "
	shift
	OPERANDS=()
	while (($#)); do
		case $1 in
		-h | --help) usage_exit 0 ;;
		-*)
			if [[ $spec =~ \ "$1":([A-Z_]+)\  ]]; then
				printf -v "${BASH_REMATCH[1]}" 1
			elif [[ $spec =~ \ "$1"=([A-Z_]+)\  ]]; then
				[[ -n ${2:-} ]] || die "$1 needs a value (see --help)"
				printf -v "${BASH_REMATCH[1]}" '%s' "$2"
				shift
			else
				die "unknown option $1 (see --help)"
			fi
			;;
		*) OPERANDS+=("$1") ;;
		esac
		shift
	done
}

# require_tool NAME HINT: fails with HINT when NAME is not on PATH.
require_tool() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"
}

# is_image_version VERSION: an image tag or a sha256 digest.
is_image_version() {
	[[ $1 =~ ^(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$ ]]
}

# repository_of IMAGE: IMAGE without its tag or digest.
repository_of() {
	local ref=${1%@*}
	# A tag is what follows the last ':' unless that ':' is in a host:port.
	if [[ ${ref##*/} == *:* ]]; then
		ref=${ref%:*}
	fi
	printf '%s\n' "$ref"
}

# version_of IMAGE: IMAGE's digest (sha256:...) if it has one, even after a
# tag (REPOSITORY:TAG@DIGEST: the digest is what runs), else its tag; empty
# if it has neither.
version_of() {
	if [[ $1 == *@* ]]; then
		printf '%s\n' "${1##*@}"
	else
		local rest=${1#"$(repository_of "$1")"}
		printf '%s\n' "${rest#:}"
	fi
}

# image_ref REPOSITORY VERSION: REPOSITORY@VERSION for a digest, else REPOSITORY:VERSION.
image_ref() {
	if [[ $2 == sha256:* ]]; then
		printf '%s@%s\n' "$1" "$2"
	else
		printf '%s:%s\n' "$1" "$2"
	fi
}

# kustomize_build DIR: $KUSTOMIZE, else kustomize on PATH, else kubectl's own.
kustomize_build() {
	if [[ -n ${KUSTOMIZE:-} ]] || command -v kustomize >/dev/null 2>&1; then
		"${KUSTOMIZE:-kustomize}" build "$1"
	else
		"$KUBECTL" kustomize "$1"
	fi
}

# ---- site settings ---------------------------------------------------------
# An overlay that lists the Component `site` (k8s/overlays/production) takes
# its Ingress host and weir image from k8s/overlays/OVERLAY/site/: written
# by scripts/site, git-ignored, one installation's own values.

# takes_site OVERLAY_DIR: succeeds when the overlay includes the site
# Component, listed as a block (`components:` then `- site`, indented or
# not) or in flow form (`components: [site]`); `./site` and `site/` too.
takes_site() {
	awk '
		function unq(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); gsub(/^["\047]|["\047]$/, "", s)
			sub(/^\.\//, "", s); sub(/\/$/, "", s); return s }
		{ sub(/[ \t]+#.*/, "") }
		/^components:/ {
			s = 1; rest = $0; sub(/^components:[ \t]*/, "", rest)
			if (rest ~ /^\[/) {
				gsub(/^\[|\][ \t]*$/, "", rest); n = split(rest, c, ",")
				for (i = 1; i <= n; i++) if (unq(c[i]) == "site") f = 1
			}
			next
		}
		s && /^[^ \t#-]/ { s = 0 }
		s && /^[ \t]*-[ \t]/ { item = $0; sub(/^[ \t]*-/, "", item); if (unq(item) == "site") f = 1 }
		END { exit !f }' "$1/kustomization.yaml"
}

# has_site OVERLAY_DIR: succeeds when scripts/site has written the
# overlay's site settings.
has_site() {
	[[ -f $1/site/kustomization.yaml ]]
}

# images_name DIR: the name of the first `images:` entry in
# DIR/kustomization.yaml (list items indented or, as kustomize edit writes
# them, not); nothing when there is none.
images_name() {
	[[ -f $1/kustomization.yaml ]] || return 0
	awk '/^images:/ { s = 1; next } s && /^[^ -]/ { exit } s && /- name:/ { print $NF; exit }' \
		"$1/kustomization.yaml"
}

# site_image SITE_DIR: the weir image the site settings name
# (REPOSITORY:TAG or REPOSITORY@DIGEST; kustomize's own `images:` layout,
# where `kustomize edit` quotes a number-like tag: newTag: "1.2").
site_image() {
	awk '/^images:/ { s = 1; next } s && /^[^ -]/ { s = 0 }
		s { sub(/^[ -]+/, ""); gsub(/^["\047]|["\047]$/, "", $2) }
		s && $1 == "newName:" { n = $2 } s && $1 == "newTag:" { v = ":" $2 } s && $1 == "digest:" { v = "@" $2 }
		END { if (n != "") print n v }' "$1/kustomization.yaml"
}

# site_host SITE_DIR: the Ingress host the site settings name.
site_host() {
	awk '$1 == "value:" { gsub(/^["\047]|["\047]$/, "", $2); print $2; exit }' "$1/ingress-host.yaml"
}

# weir_images: the images weir-processor and weir-api run, one a line;
# nothing for a Deployment that does not exist (yet).
weir_images() {
	"$KUBECTL" --namespace "$WEIR_NAMESPACE" get deployment weir-processor weir-api --ignore-not-found \
		-o 'jsonpath={range .items[*]}{.spec.template.spec.containers[?(@.name=="weir")].image}{"\n"}{end}'
}
