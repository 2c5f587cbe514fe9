#!/usr/bin/env bats
# tests/k8s/manifests.bats - every overlay renders, validates against k8s/schemas (which can fail), holds no
# placeholder (which the check catches), keeps the manifest rules; no secret tracked. scripts/test-k8s runs it.

# shellcheck source=tests/k8s/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

# render OVERLAY: in the work dir's copy, gives the overlay throw-away
# secrets and, if it takes them, the test's site settings (the user's own
# are neither needed nor touched) and renders it to $WORK/<overlay>.yaml.
render() {
	"$WORK/scripts/gen-secrets" "$1" 2>/dev/null
	if takes_site "$WORK/k8s/overlays/$1"; then
		"$WORK/scripts/site" "${SITE[@]}" "$1" 2>/dev/null
	fi
	"$KUSTOMIZE" build "$WORK/k8s/overlays/$1" >"$WORK/$1.yaml"
	[[ -s $WORK/$1.yaml ]]
}

# What must not be left in a rendered overlay (grep -E, any case).
PLACEHOLDERS='example\.(com|net|org)|your-(registry|domain)|change_?me|todo|fixme|placeholder|<[a-z-]+>'

no_placeholders() {
	rendered "$1"
	if grep -Ein "$PLACEHOLDERS" "$WORK/$1.yaml"; then
		echo "placeholders left in $WORK/$1.yaml"
		return 1
	fi
}

# render_manifests_clean OVERLAY: scripts/render-manifests (the flake's
# `manifests` output) leaves out exactly the Secrets and still validates.
render_manifests_clean() {
	local o=$1 out=$WORK/$1.public.yaml want got
	rendered "$o"
	"$WORK/scripts/render-manifests" "$o" >"$out"
	if grep -q '^kind: Secret$' "$out"; then
		echo "render-manifests $o printed a Secret"
		return 1
	fi
	want=$(($(grep -c '^kind: ' "$WORK/$o.yaml") - $(grep -c '^kind: Secret$' "$WORK/$o.yaml")))
	got=$(grep -c '^kind: ' "$out")
	((want == got)) || {
		echo "render-manifests $o printed $got objects, the overlay has $want besides its Secrets"
		return 1
	}
	kubeconform_strict "$out"
}

@test "kustomize build k8s/overlays/dev (throw-away secrets and site settings)" { render dev; }
@test "no placeholder in rendered dev" { no_placeholders dev; }
@test "kubeconform -strict dev (Kubernetes 1.33.13 + CRD schemas)" { rendered dev && kubeconform_strict "$WORK/dev.yaml"; }
@test "manifest rules dev" { rendered dev && "$WEIR_PYTHON" "$WEIR_REPO/tests/k8s/check_manifests.py" dev "$WORK/dev.yaml"; }
@test "render-manifests dev: no Secret, still valid" { render_manifests_clean dev; }

@test "kustomize build k8s/overlays/production (throw-away secrets and site settings)" { render production; }
@test "no placeholder in rendered production" { no_placeholders production; }
@test "kubeconform -strict production (Kubernetes 1.33.13 + CRD schemas)" { rendered production && kubeconform_strict "$WORK/production.yaml"; }
@test "manifest rules production" { rendered production && "$WEIR_PYTHON" "$WEIR_REPO/tests/k8s/check_manifests.py" production "$WORK/production.yaml"; }
@test "render-manifests production: no Secret, still valid" { render_manifests_clean production; }

# The same validation must fail on a manifest with an unknown field in a
# Deployment and in a ScaledObject, and on a kind without a schema;
# otherwise "0 errors" would prove nothing.
@test "kubeconform rejects unknown fields and kinds" {
	rendered production
	mkdir -p "$WORK/bad"
	"$WEIR_PYTHON" "$BATS_TEST_DIRNAME/break_manifests.py" "$WORK/production.yaml" "$WORK/bad"
	for f in deployment scaledobject unknown; do
		if kubeconform_strict "$WORK/bad/$f.yaml"; then
			echo "kubeconform accepted the broken $f.yaml"
			return 1
		fi
	done
}

# no_placeholders fails on a rendered overlay with one placeholder line
# added, for each kind; otherwise its "ok" would prove nothing.
@test "the placeholder check catches each kind of placeholder" {
	rendered production
	for sample in "  - host: weir.data-processing.example.net" "    image: your-registry/weir:1.0" \
		"  password: CHANGEME" "# TODO: set the host" "  value: placeholder" "  host: <your-host>"; do
		printf '%s\n' "$sample" | cat "$WORK/production.yaml" - >"$WORK/placeholder.yaml"
		if no_placeholders placeholder >/dev/null; then
			echo "no_placeholders missed: $sample"
			return 1
		fi
	done
}

@test "no secret or site settings file tracked by git" {
	local tracked f
	tracked=$(git -C "$WEIR_REPO" ls-files 'k8s/overlays/*/secrets/*' 'k8s/overlays/*/site/*')
	[[ -z $tracked ]] || {
		echo "tracked secret or site settings files: $tracked"
		return 1
	}
	for f in secrets/rabbitmq.env secrets/rabbitmq-definitions.json secrets/ca.key secrets/rabbitmq-tls.key secrets/mongodb.env \
		secrets/mongodb-keyfile site/kustomization.yaml site/ingress-host.yaml; do
		git -C "$WEIR_REPO" check-ignore -q "k8s/overlays/production/$f" || {
			echo "k8s/overlays/production/$f is not git-ignored"
			return 1
		}
	done
}

# cert_sans FILE: a certificate's DNS names, one a line, sorted.
cert_sans() {
	openssl x509 -in "$1" -noout -ext subjectAltName | grep -o 'DNS:[^,]*' | cut -d: -f2 | sort
}

@test "gen-secrets: certificates signed by its CA for the Services' and pods' names, CA kept by --certs" {
	local d=$WORK/certs-$RANDOM ca
	"$WORK/scripts/gen-secrets" --dir "$d" dev 2>/dev/null
	ca=$(openssl x509 -in "$d/ca.crt" -noout -fingerprint)
	openssl verify -CAfile "$d/ca.crt" "$d/rabbitmq-tls.crt" "$d/mongodb-tls.crt"
	cert_sans "$d/mongodb-tls.crt" | grep -qx 'mongodb-2.mongodb-headless.data-processing.svc.cluster.local'
	cert_sans "$d/rabbitmq-tls.crt" | grep -qx 'rabbitmq'
	cp "$d/rabbitmq-tls.crt" "$d/old.crt"
	"$WORK/scripts/gen-secrets" --certs --dir "$d" dev 2>/dev/null
	[[ $(openssl x509 -in "$d/ca.crt" -noout -fingerprint) == "$ca" ]]
	if cmp -s "$d/old.crt" "$d/rabbitmq-tls.crt"; then return 1; fi
	openssl verify -CAfile "$d/ca.crt" "$d/rabbitmq-tls.crt"
}

@test "components/cert-manager: the same Secrets and names as gen-secrets' certificates" {
	rendered dev
	local o=$WORK/k8s/overlays/cm svc
	cp -r "$WORK/k8s/overlays/dev" "$o"
	# The edit docs/operations.md describes: no generated -tls Secrets, the Component instead.
	"$WEIR_PYTHON" - "$o/kustomization.yaml" <<-'PY'
		import sys, yaml
		k = yaml.safe_load(open(sys.argv[1]))
		k["secretGenerator"] = [g for g in k["secretGenerator"] if not g["name"].endswith("-tls")]
		k["components"] = ["../../components/cert-manager"]
		yaml.safe_dump(k, open(sys.argv[1], "w"))
	PY
	"$KUSTOMIZE" build "$o" >"$WORK/cm.yaml"
	kubeconform_strict -skip Certificate,Issuer "$WORK/cm.yaml"
	for svc in rabbitmq mongodb; do
		if grep -A3 '^kind: Secret' "$WORK/cm.yaml" | grep -q "name: $svc-tls"; then return 1; fi
		diff <("$WEIR_PYTHON" -c 'import sys, yaml
c = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Certificate" and d["spec"]["secretName"] == sys.argv[2]]
print("\n".join(sorted(c[0]["spec"]["dnsNames"])))' "$WORK/cm.yaml" "$svc-tls") \
			<(cert_sans "$WORK/k8s/overlays/dev/secrets/$svc-tls.crt")
	done
}
