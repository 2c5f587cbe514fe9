#!/usr/bin/env bats
# tests/k8s/monitoring.bats - the alert rules under promtool, then every rule and dashboard query on a real
# Prometheus scraping two running weirs (processor, api) and RabbitMQ's prometheus plugin.

# shellcheck source=tests/k8s/common.sh
. "$BATS_TEST_DIRNAME/common.sh"

# mgmt METHOD PATH [JSON]: RabbitMQ's management API as guest (loopback).
mgmt() {
	curl -fsS -u guest:guest -X "$1" -H 'content-type: application/json' \
		${3:+--data "$3"} "http://127.0.0.1:$WEIR_TEST_MGMT_PORT/api$2" >/dev/null
}

# start_weir ROLE PORT: one weir in the test vhost, default queue names.
start_weir() {
	local -a env
	mapfile -t env < <(stack_weir_env "k8s_test_$$")
	env -i PATH="$PATH" HOME="${HOME:-/root}" "${env[@]}" RABBITMQ_VHOST="$VHOST" WEIR_ROLE="$1" \
		WEIR_HTTP_ADDR="127.0.0.1:$2" WEIR_AGGREGATE_INTERVAL_MS=500 \
		"$WEIR_BIN" >"$WORK/weir-$1.log" 2>&1 &
	PIDS+=($!)
}

# A vhost of its own, a processor and an API weir, Prometheus with the
# rules; events and requests for the metrics, then time for rate() and
# the rules' rounds.
setup_file() {
	. "$WEIR_REPO/scripts/lib/stack.sh"
	local proc api prom
	PIDS=()
	mkdir -p "$WORK/rules"
	"$WEIR_PYTHON" -c 'import sys, yaml; yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"), sort_keys=False)' \
		"$WEIR_REPO/k8s/base/monitoring/prometheusrule.yaml" "$WORK/rules/rules.yaml"
	cp "$WEIR_REPO/tests/k8s/rules-test.yaml" "$WORK/rules/"
	export VHOST=k8s-test-$$
	mgmt PUT "/vhosts/$VHOST"
	mgmt PUT "/permissions/$VHOST/guest" '{"configure":".*","write":".*","read":".*"}'
	proc=$(free_port) api=$(free_port) prom=$(free_port)
	start_weir processor "$proc"
	start_weir api "$api"
	wait_http "http://127.0.0.1:$proc/readyz" 60 || { show_log_tail "$WORK/weir-processor.log"; false; }
	wait_http "http://127.0.0.1:$api/healthz" 60 || { show_log_tail "$WORK/weir-api.log"; false; }
	# Per-queue metrics appear once the processor declared the queue;
	# Prometheus starts after that.
	sed -e "s/@PROC@/$proc/; s/@API@/$api/; s/@RMQ@/$WEIR_TEST_PROM_PORT/g; s/@VHOST@/$VHOST/" \
		"$WEIR_REPO/tests/k8s/prometheus.yaml" >"$WORK/prometheus.yml"
	cp "$WORK/rules/rules.yaml" "$WORK/prometheus-rules.yml"
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
		--web.listen-address="127.0.0.1:$prom" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
	PIDS+=($!)
	export PROM=http://127.0.0.1:$prom PIDS_LIST="${PIDS[*]}"
	wait_http "$PROM/-/ready" 60 || { show_log_tail "$WORK/prometheus.log"; false; }
	"$WEIR_PYTHON" "$BATS_TEST_DIRNAME/publish_events.py" "$WEIR_TEST_AMQP_PORT" "$VHOST"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		curl -fsS -o /dev/null "http://127.0.0.1:$api/healthz" || true
		curl -sS -o /dev/null "http://127.0.0.1:$api/no-such-route" || true
		sleep 0.5
	done
	"$WEIR_PYTHON" "$BATS_TEST_DIRNAME/publish_events.py" "$WEIR_TEST_AMQP_PORT" "$VHOST"
	sleep 8
	curl -fsS "http://127.0.0.1:$proc/metrics" >"$WORK/weir-processor.metrics"
	"$WEIR_PYTHON" "$WEIR_REPO/tests/k8s/promql_check.py" "$PROM" \
		"$WEIR_REPO/k8s/base/monitoring/prometheusrule.yaml" \
		"$WEIR_REPO/k8s/base/monitoring/dashboard.json" >"$WORK/promql.txt" 2>&1 || true
}

teardown_file() {
	local pid
	for pid in ${PIDS_LIST:-}; do
		stop_pid "test-k8s child" "$pid" 10 || true
	done
	[[ -z ${VHOST:-} ]] || mgmt DELETE "/vhosts/$VHOST" || warn "could not delete RabbitMQ vhost $VHOST"
}

# promql KIND: promql_check.py's lines about KIND (rule, panel) hold no
# FAIL and at least one ok.
promql() {
	grep -E "^(FAIL|skip): $1" "$WORK/promql.txt" || true
	! grep -qE "^FAIL: $1" "$WORK/promql.txt" && grep -qE "^ok: $1" "$WORK/promql.txt"
}

@test "promtool check rules" { promtool check rules "$WORK/rules/rules.yaml"; }
@test "promtool test rules" { promtool test rules "$WORK/rules/rules-test.yaml"; }

@test "weir stored events and counted dead letters" {
	grep -Eq '^weir_events_stored_total [1-9]' "$WORK/weir-processor.metrics"
	grep -Eq '^weir_dead_letters_total\{reason="[a-z_]+"\} [1-9]' "$WORK/weir-processor.metrics"
}

@test "promql: every alert rule is loaded, healthy, evaluates and is quiet or firing as expected" { promql rule; }
@test "promql: every dashboard query evaluates with data" { promql '(panel|dashboard)'; }

# promql_check.py said nothing the two tests above do not count (no
# traceback); what needs a cluster's exporters (kube-state-metrics,
# kubelet, KEDA, mongodb_exporter) cannot be checked here: skipped.
@test "promql: nothing unaccounted for; checks that need a cluster's exporters" {
	local skipped
	if grep -vE '^(ok|FAIL|skip): (rule|panel|dashboard)' "$WORK/promql.txt"; then return 1; fi
	skipped=$(sed -n 's/^skip: //p' "$WORK/promql.txt")
	[[ -z $skipped ]] || skip "$(wc -l <<<"$skipped") checks: $(paste -sd ';' <<<"$skipped")"
}
