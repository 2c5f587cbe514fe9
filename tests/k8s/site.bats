#!/usr/bin/env bats
# tests/k8s/site.bats - site settings: production needs them, scripts/site refuses bad ones and writes good
# ones (with and without kustomize), takes_site, render-manifests and nix/render-manifests.sh follow.

# shellcheck source=tests/k8s/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

# site_refuses OPTION ARGS...: scripts/site ARGS exits 2 with one line that
# names OPTION, and writes nothing.
site_refuses() {
	local option=$1 dir=$WORK/site-refused rc=0 err
	shift
	err=$("$WORK/scripts/site" --dir "$dir" "$@" 2>&1 >/dev/null) || rc=$?
	if ((rc != 2)) || [[ $err == *$'\n'* || $err != *"$option"* ]] || [[ -e $dir ]]; then
		printf 'scripts/site %s: exit %s, wrote %s, said:\n%s\n' "$*" "$rc" \
			"$([[ -e $dir ]] && echo something || echo nothing)" "$err"
		return 1
	fi
}

# expect_site DIR HOST IMAGE: what scripts/site --show prints for DIR.
expect_site() {
	local got
	got=$("$WORK/scripts/site" --show --dir "$1" production)
	[[ $got == "host=$2"$'\n'"image=$3" ]] || {
		printf 'site settings in %s:\n%s\nexpected host %s, image %s\n' "$1" "$got" "$2" "$3"
		return 1
	}
}

# flow_form_copy: a deploy_copy whose production lists its site Component
# in flow form, `components: [site]`.
flow_form_copy() {
	local repo
	repo=$(deploy_copy)
	sed -i -e '/^components:$/{N;s/^components:\n  - site$/components: [site]/}' \
		"$repo/k8s/overlays/production/kustomization.yaml"
	grep -qx 'components: \[site\]' "$repo/k8s/overlays/production/kustomization.yaml" || return 1
	printf '%s\n' "$repo"
}

# nix_render SRC OUT: nix/render-manifests.sh of SRC with the test's kustomize.
nix_render() {
	PATH=$(dirname "$KUSTOMIZE"):$PATH bash "$1/nix/render-manifests.sh" "$1" weir:0.0.0-test "$2" 2>"$1/err" || {
		cat "$1/err"
		return 1
	}
}

# Without site settings, kustomize build fails and scripts/render-manifests
# says what to run.
@test "production does not render without site settings" {
	local repo
	repo=$(deploy_copy)
	"$repo/scripts/gen-secrets" production 2>/dev/null
	if "$KUSTOMIZE" build "$repo/k8s/overlays/production" >/dev/null 2>&1; then
		echo "production rendered without site settings"
		return 1
	fi
	render_refused "$repo"
}

@test "scripts/site: example hosts, bad images and tags refused (exit 2, one line)" {
	local h i
	for h in weir.example.com api.example.net example.org weir.example weir.invalid weir.test \
		weir.your-domain.com localhost weir.localhost weir.localtest.me Weir.acme.com '*.acme.com' \
		10.0.0.1 'weir.acme.com;id' ''; do
		site_refuses --host --host "$h" --image "$SITE_IMAGE" --tag "$SITE_TAG" production
	done
	# Production pulls from a registry: no local image, none without one.
	for i in your-registry/weir registry.example.com/weir registry.example:5000/weir example/weir \
		weir ghcr.io/Acme/weir ghcr.io/acme/weir:1.0 'ghcr.io/acme/weir;id' '' \
		localhost/weir localhost:5000/weir registry.localhost/weir 127.0.0.1:5000/weir acme/weir; do
		site_refuses --image --host "$SITE_HOST" --image "$i" --tag "$SITE_TAG" production
	done
	# No tag yet and none given: refused, not this checkout's commit.
	site_refuses --tag --host "$SITE_HOST" --image "$SITE_IMAGE" production
	site_refuses --tag --host "$SITE_HOST" --image "$SITE_IMAGE" --tag 'v1;id' production
	site_refuses --host --image "$SITE_IMAGE" --tag "$SITE_TAG" production
	site_refuses OVERLAY "${SITE[@]}" dev
}

# A later run keeps what it is not given; --image alone keeps the tag; a
# digest; the same data without kustomize.
@test "scripts/site: writes, keeps what it is not given, same data without kustomize" {
	local dir=$WORK/site-writes tag
	local site=("$WORK/scripts/site" --dir "$dir")
	local digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	"${site[@]}" "${SITE[@]}" production 2>/dev/null
	expect_site "$dir" "$SITE_HOST" "$SITE_IMAGE:$SITE_TAG"
	"${site[@]}" --tag 1.2.0 production 2>/dev/null
	expect_site "$dir" "$SITE_HOST" "$SITE_IMAGE:1.2.0"
	"${site[@]}" --host api.k8s-test.internal production 2>/dev/null
	expect_site "$dir" api.k8s-test.internal "$SITE_IMAGE:1.2.0"
	"${site[@]}" --tag "$digest" production 2>/dev/null
	expect_site "$dir" api.k8s-test.internal "$SITE_IMAGE@$digest"
	for tag in "$digest" 1.2.0; do
		"${site[@]}" --tag "$tag" production 2>/dev/null
		cp "$dir/kustomization.yaml" "$WORK/site-kustomize.yaml"
		KUSTOMIZE=/nonexistent "${site[@]}" --tag "$tag" production 2>/dev/null
		"$WEIR_PYTHON" -c 'import sys, yaml; sys.exit(yaml.safe_load(open(sys.argv[1])) != yaml.safe_load(open(sys.argv[2])))' \
			"$WORK/site-kustomize.yaml" "$dir/kustomization.yaml" || {
			diff "$WORK/site-kustomize.yaml" "$dir/kustomization.yaml"
			echo "without kustomize, scripts/site --tag $tag wrote other data into kustomization.yaml"
			return 1
		}
	done
	"${site[@]}" --image ghcr.io/acme/weir production 2>/dev/null
	expect_site "$dir" api.k8s-test.internal ghcr.io/acme/weir:1.2.0
}

# Number-like tags (1.2, 20261126) stay strings with kustomize edit (which
# quotes them) and without it: --show prints them bare, a later run
# without --tag keeps them, the overlay renders them.
@test "scripts/site: number-like tags (1.2, 20261126) with and without kustomize" {
	local repo site k tag got
	repo=$(deploy_copy)
	site=$repo/k8s/overlays/production/site
	"$repo/scripts/gen-secrets" production 2>/dev/null
	for k in "$KUSTOMIZE" /nonexistent; do
		for tag in 1.2 20261126; do
			rm -rf "$site"
			KUSTOMIZE=$k "$repo/scripts/site" "${SITE[@]::4}" --tag "$tag" production 2>/dev/null
			KUSTOMIZE=$k "$repo/scripts/site" --host api.k8s-test.internal production 2>/dev/null
			got=$("$repo/scripts/site" --show production)
			[[ $got == "host=api.k8s-test.internal"$'\n'"image=$SITE_IMAGE:$tag" ]] || {
				printf 'tag %s (KUSTOMIZE=%s): --show printed\n%s\n' "$tag" "$k" "$got"
				return 1
			}
			"$KUSTOMIZE" build "$repo/k8s/overlays/production" >"$repo/out.yaml"
			[[ $(grep -cxF "        image: $SITE_IMAGE:$tag" "$repo/out.yaml") == 2 ]] || {
				echo "tag $tag (KUSTOMIZE=$k): production did not render with image $SITE_IMAGE:$tag"
				cat "$site/kustomization.yaml"
				return 1
			}
		done
	done
}

# takes_site (lib/k8s.sh) knows the site Component in block and flow form,
# and nothing else; scripts/render-manifests, which uses it, asks for the
# site settings of an overlay in flow form too.
@test "takes_site: components: block and [site] flow form; render-manifests asks for site settings" {
	local d=$WORK/takes-site want text got repo
	mkdir -p "$d"
	while IFS='|' read -r want text; do
		printf '%b\n' "$text" >"$d/kustomization.yaml"
		if takes_site "$d"; then got=yes; else got=no; fi
		[[ $got == "$want" ]] || {
			printf 'takes_site said %s on:\n%b\n' "$got" "$text"
			return 1
		}
	done <<'CASES'
yes|resources:\n  - ../../base\ncomponents:\n  - site\n\nimages: []
yes|components:\n- site
yes|components: [site]
yes|components: [ ../common, "site" ]  # the site settings
yes|components:\n  - ./site/
no|resources:\n  - site
no|components:\n  - ../site-common
no|components: [sites]
no|components:\n  - other\nresources:\n  - site
no|# components: [site]
CASES
	repo=$(flow_form_copy)
	takes_site "$repo/k8s/overlays/production" || {
		echo "takes_site: production with components: [site] takes none"
		return 1
	}
	render_refused "$repo"
}

# nix/render-manifests.sh in a tree of exactly the flake's k8sSrc files (the
# Nix sandbox's view) skips production in flow form without site settings
# and renders it with them.
@test "nix/render-manifests.sh (k8sSrc files only): production in flow form skipped, then rendered" {
	local repo sb=$WORK/nix-src-$RANDOM f
	repo=$(flow_form_copy)
	mkdir -p "$sb"
	# The paths k8sSrc names, from the flow-form copy where it has them.
	while read -r f; do
		mkdir -p "$sb/$(dirname "$f")"
		if [[ -e $repo/$f ]]; then cp -r "$repo/$f" "$sb/$f"; else cp -r "$WEIR_REPO/$f" "$sb/$f"; fi
	done < <(awk '/k8sSrc = /{s = 1} s && /\];/{exit} s' "$WEIR_REPO/flake.nix" | grep -oE '\./[a-z][^ );]*')
	nix_render "$sb" "$WORK/nix-out-1"
	grep -q 'skipped k8s/overlays/production' "$sb/err"
	[[ -s $WORK/nix-out-1/dev.yaml && ! -e $WORK/nix-out-1/production.yaml ]]
	"$repo/scripts/site" --dir "$sb/k8s/overlays/production/site" "${SITE[@]}" production 2>/dev/null
	nix_render "$sb" "$WORK/nix-out-2"
	grep -q 'image: weir:0.0.0-test$' "$WORK/nix-out-2/production.yaml"
}
