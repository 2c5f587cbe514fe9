# scripts/lib/cluster-build.sh - builds the Kubernetes control plane, KEDA and
# KWOK from their Go module sources once, cached by pinned version.
# shellcheck shell=bash

# Every version is pinned; the module proxy serves only some versions.
K8S_VERSION=v1.33.13
K8S_STAGING_VERSION=v0.33.13
KEDA_VERSION=v2.18.3
KWOK_VERSION=v0.8.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# Modules KEDA's go.mod names at versions the proxy refuses, with the nearest
# served version.
KEDA_REPLACES=(
	github.com/newrelic/newrelic-client-go/v2=github.com/newrelic/newrelic-client-go/v2@v2.74.1
	github.com/solarwinds/swo-sdk-go/swov1=github.com/solarwinds/swo-sdk-go/swov1@v0.13.1
)
K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
KEDA_COMMANDS=(operator adapter webhooks)

CLUSTER_CACHE=${WEIR_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/weir/cluster}
CLUSTER_BIN=$CLUSTER_CACHE/bin-k8s-$K8S_VERSION-keda-$KEDA_VERSION-kwok-$KWOK_VERSION-promop-$PROMETHEUS_OPERATOR_VERSION

# module_dir MODULE@VERSION: downloads a module into Go's module cache and
# prints its directory; names the module when the proxy refuses it.
module_dir() {
	local out
	if ! out=$(GOFLAGS=-mod=mod go mod download -json "$1" 2>&1); then
		die "the Go module proxy refused $1 (pinned in scripts/lib/cluster-build.sh): $(printf '%s' "$out" | grep -m1 -E 'Error|error|not available' || printf '%s' "$out" | tail -n1)"
	fi
	printf '%s' "$out" | "$WEIR_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'
}

# writable_copy MODULE@VERSION DEST: a writable copy of a module's source.
writable_copy() {
	local dir
	dir=$(module_dir "$1")
	rm -rf "$2"
	cp -r "$dir" "$2"
	chmod -R u+w "$2"
}

# go_build_all SRCDIR OUTDIR LDFLAGS PKG...: one `go build` for several
# commands, so their shared packages compile once.
go_build_all() {
	local src=$1 out=$2 ldflags=$3
	shift 3
	(cd "$src" && GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 \
		go build -p "$(nproc)" -trimpath -ldflags "$ldflags" -o "$out/" "$@") ||
		die "go build in $src failed (a module the proxy refuses is named above)"
}

build_kubernetes() {
	local work=$1 ld="-s -w" p cmd pkgs=()
	writable_copy "k8s.io/kubernetes@$K8S_VERSION" "$work/kubernetes"
	rm -rf "$work/kubernetes/go.work" "$work/kubernetes/go.work.sum" "$work/kubernetes/vendor"
	# The staging modules are published as k8s.io/X v0.N; use them.
	sed -i -E "s#^(\s*k8s.io/[a-z0-9-]+) => ./staging/src/k8s.io/[a-z0-9-]+#\1 => \1 $K8S_STAGING_VERSION#" \
		"$work/kubernetes/go.mod"
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=33 -X $p.gitTreeState=clean"
	done
	for cmd in "${K8S_COMMANDS[@]}"; do pkgs+=("./cmd/$cmd"); done
	go_build_all "$work/kubernetes" "$work/bin" "$ld" "${pkgs[@]}"
}

build_keda() {
	local work=$1 r cmd pkgs=()
	writable_copy "github.com/kedacore/keda/v2@$KEDA_VERSION" "$work/keda"
	for r in "${KEDA_REPLACES[@]}"; do
		(cd "$work/keda" && go mod edit -replace "$r")
	done
	for cmd in "${KEDA_COMMANDS[@]}"; do pkgs+=("./cmd/$cmd"); done
	mkdir -p "$work/keda-bin"
	# The checksum database knows nothing of the replacements' versions.
	GONOSUMDB=$(printf '%s,' "${KEDA_REPLACES[@]%%=*}") \
		go_build_all "$work/keda" "$work/keda-bin" "-s -w" "${pkgs[@]}"
	for cmd in "${KEDA_COMMANDS[@]}"; do
		mv "$work/keda-bin/$cmd" "$work/bin/keda-$cmd"
	done
	mkdir -p "$work/share/keda-crds"
	cp "$work/keda/config/crd/bases/"*.yaml "$work/share/keda-crds/"
	cp "$work/keda/config/webhooks/validation_webhooks.yaml" "$work/share/keda-webhooks.yaml"
}

build_kwok() {
	local work=$1 dir stage
	GOBIN="$work/bin" GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 \
		go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ||
		die "go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION failed"
	dir=$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")
	# kwok needs stages: nodes that become Ready and keep a heartbeat, pods
	# that go Running. Joined from the module's own stage files.
	mkdir -p "$work/share"
	for stage in "$dir"/kustomize/stage/{node/fast,node/heartbeat,pod/fast}/*.yaml; do
		[[ ${stage##*/} == kustomization.yaml ]] && continue
		printf -- '---\n'
		cat "$stage"
	done >"$work/share/kwok-stages.yaml"
}

copy_prometheus_operator_crds() {
	local work=$1 dir
	dir=$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")
	mkdir -p "$work/share/prometheus-operator-crds"
	cp "$dir/example/prometheus-operator-crd/"*.yaml "$work/share/prometheus-operator-crds/"
}

# have_all DIR NAME...: succeeds when DIR has every NAME, executable.
have_all() {
	local dir=$1 name
	shift
	for name; do
		[[ -x $dir/$name ]] || return 1
	done
}

# cluster_build: makes $CLUSTER_BIN (bin/ and share/) unless it is there.
cluster_build() {
	[[ -f $CLUSTER_BIN/.complete ]] && return 0
	command -v go >/dev/null || die "go is not installed (scripts/install-deps installs it)"
	# An interrupted build resumes: each step is skipped once its output is there.
	local work=$CLUSTER_CACHE/work-${CLUSTER_BIN##*/bin-} lock
	mkdir -p "$work/bin"
	# One build at a time: worktrees and CI share this cache.
	exec {lock}>"$CLUSTER_CACHE/build.lock"
	flock "$lock"
	if [[ -f $CLUSTER_BIN/.complete ]]; then
		exec {lock}>&-
		return 0
	fi
	log "building Kubernetes $K8S_VERSION, KEDA $KEDA_VERSION and KWOK $KWOK_VERSION from their module sources (once; 10-40 min cold on 2 cores)"
	[[ -d $work/share/prometheus-operator-crds ]] || copy_prometheus_operator_crds "$work"
	have_all "$work/bin" "${K8S_COMMANDS[@]}" || build_kubernetes "$work"
	[[ -x $work/bin/keda-webhooks ]] || build_keda "$work"
	[[ -x $work/bin/kwok ]] || build_kwok "$work"
	rm -rf "$CLUSTER_BIN"
	mkdir -p "$CLUSTER_BIN"
	mv "$work/bin" "$work/share" "$CLUSTER_BIN/"
	rm -rf "$work"
	touch "$CLUSTER_BIN/.complete"
	exec {lock}>&-
	log "cluster binaries in $CLUSTER_BIN/bin"
}
