#!/usr/bin/env bats
# tests/nix/contract.bats - what the Nix files promise about weir, checked against weir itself: the VM
# test's events and reasons, the checkPhase, the dev shell's variables, the manifests package's renderer.

# shellcheck source=tests/nix/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

@test "nixos-tests/events.py expects reason codes weir has" {
	local reasons r rc=0
	reasons=$("$WEIR_PYTHON" nixos-tests/events.py reasons | jq -r '.[]')
	[[ -n $reasons ]]
	while IFS= read -r r; do
		grep -qF "\"$r\"" src/base/reason.c || {
			echo "reason '$r' is not in src/base/reason.c"
			rc=1
		}
	done <<<"$reasons"
	((rc == 0))
}

# The VM tests' first steps against the real weir (build/weir, not the
# ASan one scripts/test may export as WEIR_BIN), with nixos-tests/events.py
# itself: valid events stored once (re-sent ones too), the invalid ones
# dead-lettered with the reasons the VM test expects. On the test RabbitMQ
# and FerretDB that scripts/test starts, under names of its own.
@test "events.py against the real weir: stored once, dead letters with the expected reasons" {
	local bin=$WEIR_REPO/build/weir tmp=$BATS_TEST_TMPDIR http tag=nixchk$$ expected dead
	[[ -x $bin ]] || bin=${WEIR_BIN:-$bin}
	[[ -n ${WEIR_TEST_AMQP_PORT:-} && -n ${WEIR_TEST_MONGO_PORT:-} && -x $bin ]] ||
		skip "needs the test servers and build/weir: run inside scripts/test"
	http=$(free_port)
	printf guest >"$tmp/rabbitmq-password"
	(cd "$tmp" && exec env RABBITMQ_HOST=127.0.0.1 RABBITMQ_PORT="$WEIR_TEST_AMQP_PORT" \
		RABBITMQ_USERNAME=guest RABBITMQ_PASSWORD_FILE="$tmp/rabbitmq-password" \
		MONGODB_URI="mongodb://127.0.0.1:$WEIR_TEST_MONGO_PORT/" WEIR_MONGODB_DATABASE="$tag" \
		WEIR_HTTP_ADDR="127.0.0.1:$http" WEIR_AMQP_EXCHANGE="$tag" WEIR_AMQP_QUEUE="$tag.process" \
		WEIR_AMQP_DLX="$tag.dlx" WEIR_AMQP_DEAD_QUEUE="$tag.dead" WEIR_BATCH_TIMEOUT_MS=20 \
		"$bin") >"$tmp/weir.log" 2>&1 </dev/null &
	# shellcheck disable=SC2030,SC2031 # read by teardown, in the test's process
	WEIR_PID=$! WEIR_DB=$tag
	local -a conn=(--host 127.0.0.1 --port "$WEIR_TEST_AMQP_PORT" --user guest
		--password-file "$tmp/rabbitmq-password")
	wait_http "http://127.0.0.1:$http/readyz" 30 "$WEIR_PID" || {
		tail -n 20 "$tmp/weir.log"
		return 1
	}
	"$WEIR_PYTHON" nixos-tests/events.py publish "${conn[@]}" --exchange "$tag" \
		--first 0 --count 50 --resend --invalid
	"$WEIR_PYTHON" "$BATS_TEST_DIRNAME/stored_once.py" "$WEIR_TEST_MONGO_PORT" "$tag"
	expected=$("$WEIR_PYTHON" nixos-tests/events.py reasons | jq -c .)
	dead=$("$WEIR_PYTHON" nixos-tests/events.py dead "${conn[@]}" --dead-queue "$tag.dead" --expect 5 |
		jq -c '[.[] | select(.detail != "") | .reason] | sort')
	echo "dead letters with details: $dead; the VM test expects $expected"
	[[ $dead == "$expected" ]]
}

# shellcheck disable=SC2031 # WEIR_PID and WEIR_DB are the test's own
teardown() {
	[[ -n ${WEIR_PID:-} ]] || return 0
	kill -TERM "$WEIR_PID" 2>/dev/null || true
	wait "$WEIR_PID" 2>/dev/null || true
	"$WEIR_PYTHON" -c "import pymongo,sys; pymongo.MongoClient('127.0.0.1', int(sys.argv[1]), directConnection=True).drop_database(sys.argv[2])" \
		"$WEIR_TEST_MONGO_PORT" "$WEIR_DB" 2>/dev/null || true
}

# What nix/shell.nix exports, honoured by scripts/: checked by running the
# scripts' own code with those variables set.
@test "the dev shell's variables are honoured by scripts/" {
	local out v
	out=$(WEIR_RABBITMQ_SBIN=/nix/store/x-rabbitmq/sbin WEIR_RABBITMQ_PATH=/nix/store/x-util-linux/bin bash -c \
		'. scripts/lib/common.sh; . scripts/lib/rabbitmq.sh; printf "%s\n" "$RABBITMQ_SBIN"; _rmq_env /d n 1 | grep ^PATH=')
	[[ $out == $'/nix/store/x-rabbitmq/sbin\nPATH='*':/nix/store/x-util-linux/bin' ]] || {
		echo "scripts/lib/rabbitmq.sh ignores WEIR_RABBITMQ_SBIN or WEIR_RABBITMQ_PATH ($out)"
		return 1
	}
	out=$(WEIR_SKIP_APT=1 WEIR_FERRETDB=/bin/true scripts/install-deps 2>&1) || {
		echo "scripts/install-deps failed in dev-shell mode: $out"
		return 1
	}
	echo "$out"
	grep -q 'skipped (WEIR_SKIP_APT is set)' <<<"$out"
	grep -q 'using WEIR_FERRETDB=/bin/true' <<<"$out"
	grep -q 'WEIR_MONGOC_PC:-libmongoc-1.0' scripts/build
	for v in KORE_SOURCE WEIR_RABBITMQ_SBIN WEIR_RABBITMQ_PATH WEIR_FERRETDB WEIR_PYTHON WEIR_MONGOC_PC WEIR_SKIP_APT; do
		grep -q "export $v=" nix/shell.nix || {
			echo "nix/shell.nix does not export $v"
			return 1
		}
	done
}

# The command weir's checkPhase runs, here with Debian's libraries.
@test "nix/unit-tests.sh (weir's checkPhase) passes with pkg-config's flags" {
	pkg-config --exists libmongoc-1.0 librabbitmq jansson check 2>/dev/null ||
		skip "the C libraries are not installed (scripts/install-deps)"
	UNIT_BUILD=$BATS_TEST_TMPDIR nix/unit-tests.sh libmongoc-1.0 librabbitmq jansson
}

@test "nix/render-manifests.sh renders every overlay without Secrets" {
	local bin=${NIX_TOOLS:?}/go-bin out=$BATS_TEST_TMPDIR/out go
	go=$(find_go) || skip "no Go to install kustomize"
	[[ -x $bin/kustomize ]] || GOBIN=$bin "$go" install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1
	PATH=$bin:$PATH bash nix/render-manifests.sh "$WEIR_REPO" weir:0.0.0-test "$out"
	ls "$out"
	if grep -l '^kind: Secret' "$out"/*.yaml; then
		echo "a rendered overlay still holds a Secret"
		return 1
	fi
}
