/* test_metrics_render.c - the Prometheus text exposition, line by line,
 * and (when promtool is installed) promtool's own parser over it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/reason.h"
#include "http/metrics_render.h"
#include "unit.h"

static const char *const stage_names[] = {
	"decode", "validate", "normalise", "enrich", "window", NULL
};

static const struct weir_process_stats proc = {
	.cpu_seconds = 12.34,
	.resident_bytes = 1048576,
	.virtual_bytes = 2.5e9,
	.open_fds = 9,
	.max_fds = 1024,
	.start_time_seconds = 1700000000.5,
};

static const struct weir_build_info info = {
	.version = "1.2.3", .commit = "abc123", .role = "all"
};

static struct weir_metrics *
sample_block(void)
{
	struct weir_metrics	*m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	WEIR_SET(m->messages_received, 42);
	WEIR_SET(m->events_stored, 40);
	WEIR_SET(m->duplicates_skipped, 1);
	WEIR_SET(m->dead_letters[WEIR_ERR_INVALID_JSON], 2);
	WEIR_SET(m->dead_letters[WEIR_ERR_TOO_DEEP], 1);
	WEIR_SET(m->store_errors, 3);
	WEIR_SET(m->amqp_reconnects, 4);
	WEIR_SET(m->windows_recomputed, 5);
	weir_hist_observe(&m->batch_size, WEIR_HIST_COUNT, 1);
	weir_hist_observe(&m->batch_size, WEIR_HIST_COUNT, 3);
	weir_hist_observe(&m->batch_size, WEIR_HIST_COUNT, 3);
	weir_hist_observe(&m->batch_size, WEIR_HIST_COUNT, 500);
	weir_hist_observe(&m->batch_size, WEIR_HIST_COUNT, 20000);
	weir_hist_observe(&m->stage_duration[0], WEIR_HIST_SECONDS, 0.25);
	weir_hist_observe(&m->stage_duration[0], WEIR_HIST_SECONDS, 0.125);
	weir_hist_observe(&m->event_lag, WEIR_HIST_LAG, 3600);
	weir_hist_observe(&m->event_lag, WEIR_HIST_LAG, 4000);
	WEIR_SET(m->http_requests[WEIR_ROUTE_HEALTHZ][WEIR_METHOD_GET]
	    [weir_http_code_index(200)], 7);
	WEIR_SET(m->http_requests[WEIR_ROUTE_OTHER][WEIR_METHOD_POST]
	    [weir_http_code_index(404)], 2);
	weir_hist_observe(&m->http_duration[WEIR_ROUTE_METRICS],
	    WEIR_HIST_SECONDS, 0.0005);
	WEIR_SET(m->workers[0].amqp_connected, 1);
	WEIR_SET(m->workers[0].consumers_wanted, 1);
	WEIR_SET(m->workers[0].mongodb_connected, 1);
	WEIR_SET(m->workers[0].queue_depth, 10);
	WEIR_SET(m->workers[0].queue_consumers, 2);
	WEIR_SET(m->workers[0].dirty_windows, 3);
	WEIR_SET(m->workers[1].amqp_connected, 1);
	WEIR_SET(m->workers[1].consumers_wanted, 1);
	WEIR_SET(m->workers[1].mongodb_connected, 1);
	WEIR_SET(m->workers[1].queue_depth, 12);
	WEIR_SET(m->workers[1].queue_consumers, 1);
	WEIR_SET(m->workers[1].dirty_windows, 4);
	/* A slot beyond `workers` must be ignored. */
	WEIR_SET(m->workers[2].queue_depth, 999);
	WEIR_SET(m->workers[2].dirty_windows, 100);
	WEIR_SET(m->workers[2].mongodb_connected, 0);
	return (m);
}

static char *
render(const struct weir_metrics *m, int workers)
{
	struct weir_textbuf	b = { 0 };
	char			*out;

	weir_metrics_render(&b, m, workers, &proc, &info, stage_names);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(strlen(b.data), b.len);
	out = strdup(b.data);
	weir_textbuf_free(&b);
	return (out);
}

/* Number of lines equal to `line`. */
static int
count_line(const char *text, const char *line)
{
	size_t	n = strlen(line);
	int	hits = 0;

	for (const char *p = text; *p != '\0';) {
		const char	*eol = strchr(p, '\n');
		size_t		len = eol ? (size_t)(eol - p) : strlen(p);

		if (len == n && memcmp(p, line, n) == 0)
			hits++;
		p += len + (eol != NULL);
	}
	return (hits);
}

/* Number of lines that start with `prefix`. */
static int
count_prefix(const char *text, const char *prefix)
{
	size_t	n = strlen(prefix);
	int	hits = 0;

	for (const char *p = text; *p != '\0';) {
		const char	*eol = strchr(p, '\n');
		size_t		len = eol ? (size_t)(eol - p) : strlen(p);

		if (len >= n && memcmp(p, prefix, n) == 0)
			hits++;
		p += len + (eol != NULL);
	}
	return (hits);
}

#define HAS(text, line)	ck_assert_msg(count_line(text, line) == 1,	\
	"expected exactly one line '%s'", line)

/* An unlabelled series may be written `name v` or `name{} v`. */
static void
has_plain(const char *text, const char *name, const char *value)
{
	char	*a = unit_strf("%s %s", name, value);
	char	*b = unit_strf("%s{} %s", name, value);

	ck_assert_msg(count_line(text, a) + count_line(text, b) == 1,
	    "expected one line '%s' (or '%s')", a, b);
	free(a);
	free(b);
}

START_TEST(test_render_counters)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_messages_received_total counter");
	HAS(t, "weir_messages_received_total 42");
	HAS(t, "# TYPE weir_events_stored_total counter");
	HAS(t, "weir_events_stored_total 40");
	HAS(t, "weir_duplicates_skipped_total 1");
	HAS(t, "weir_store_errors_total 3");
	HAS(t, "weir_amqp_reconnects_total 4");
	HAS(t, "weir_aggregate_windows_recomputed_total 5");
	ck_assert_int_eq(count_prefix(t,
	    "# HELP weir_messages_received_total "), 1);
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_dead_letters)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_dead_letters_total counter");
	HAS(t, "weir_dead_letters_total{reason=\"invalid_json\"} 2");
	HAS(t, "weir_dead_letters_total{reason=\"too_deep\"} 1");
	HAS(t, "weir_dead_letters_total{reason=\"too_large\"} 0");
	HAS(t, "weir_dead_letters_total{reason=\"invalid_field:source\"} 0");
	HAS(t, "weir_dead_letters_total{reason=\"store_rejected\"} 0");
	/* One series per reason, never "ok". */
	ck_assert_int_eq(count_prefix(t, "weir_dead_letters_total{"),
	    WEIR_REASON_COUNT - 1);
	ck_assert_int_eq(count_prefix(t,
	    "weir_dead_letters_total{reason=\"ok\"}"), 0);
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_histogram_cumulative)
{
	static const char *const want[] = {
		"weir_batch_size_bucket{le=\"1\"} 1",
		"weir_batch_size_bucket{le=\"2\"} 1",
		"weir_batch_size_bucket{le=\"5\"} 3",
		"weir_batch_size_bucket{le=\"10\"} 3",
		"weir_batch_size_bucket{le=\"25\"} 3",
		"weir_batch_size_bucket{le=\"50\"} 3",
		"weir_batch_size_bucket{le=\"100\"} 3",
		"weir_batch_size_bucket{le=\"250\"} 3",
		"weir_batch_size_bucket{le=\"500\"} 4",
		"weir_batch_size_bucket{le=\"1000\"} 4",
		"weir_batch_size_bucket{le=\"2000\"} 4",
		"weir_batch_size_bucket{le=\"5000\"} 4",
		"weir_batch_size_bucket{le=\"10000\"} 4",
		"weir_batch_size_bucket{le=\"+Inf\"} 5",
	};
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_batch_size histogram");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		HAS(t, want[i]);
	ck_assert_int_eq(count_prefix(t, "weir_batch_size_bucket{"),
	    WEIR_HIST_BUCKETS);
	has_plain(t, "weir_batch_size_sum", "20507.000000");
	has_plain(t, "weir_batch_size_count", "5");
	/* An empty histogram: all zero. */
	HAS(t, "weir_batch_duration_seconds_bucket{le=\"+Inf\"} 0");
	HAS(t, "weir_batch_duration_seconds_bucket{le=\"0.0005\"} 0");
	has_plain(t, "weir_batch_duration_seconds_sum", "0.000000");
	has_plain(t, "weir_batch_duration_seconds_count", "0");
	/* Lag: 3600 s is inside the last finite bucket, 4000 s is not. */
	HAS(t, "weir_event_lag_seconds_bucket{le=\"60\"} 0");
	HAS(t, "weir_event_lag_seconds_bucket{le=\"3600\"} 1");
	HAS(t, "weir_event_lag_seconds_bucket{le=\"+Inf\"} 2");
	has_plain(t, "weir_event_lag_seconds_sum", "7600.000000");
	has_plain(t, "weir_event_lag_seconds_count", "2");
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_stage_histograms)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_stage_duration_seconds histogram");
	HAS(t, "weir_stage_duration_seconds_bucket{stage=\"decode\","
	    "le=\"0.1\"} 0");
	HAS(t, "weir_stage_duration_seconds_bucket{stage=\"decode\","
	    "le=\"0.25\"} 2");
	HAS(t, "weir_stage_duration_seconds_bucket{stage=\"decode\","
	    "le=\"+Inf\"} 2");
	HAS(t, "weir_stage_duration_seconds_sum{stage=\"decode\"} 0.375000");
	HAS(t, "weir_stage_duration_seconds_count{stage=\"decode\"} 2");
	HAS(t, "weir_stage_duration_seconds_count{stage=\"window\"} 0");
	ck_assert_int_eq(count_prefix(t, "weir_stage_duration_seconds_bucket{"),
	    5 * WEIR_HIST_BUCKETS);
	ck_assert_int_eq(count_prefix(t, "weir_stage_duration_seconds_count{"),
	    5);
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_http)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_http_requests_total counter");
	HAS(t, "weir_http_requests_total{route=\"/healthz\",method=\"GET\","
	    "code=\"200\"} 7");
	HAS(t, "weir_http_requests_total{route=\"other\",method=\"POST\","
	    "code=\"404\"} 2");
	/* Zero series are left out. */
	ck_assert_int_eq(count_prefix(t, "weir_http_requests_total{"), 2);
	HAS(t, "# TYPE weir_http_request_duration_seconds histogram");
	HAS(t, "weir_http_request_duration_seconds_bucket{route=\"/metrics\","
	    "le=\"0.0005\"} 1");
	HAS(t, "weir_http_request_duration_seconds_count{"
	    "route=\"/metrics\"} 1");
	HAS(t, "weir_http_request_duration_seconds_count{"
	    "route=\"/healthz\"} 0");
	ck_assert_int_eq(count_prefix(t,
	    "weir_http_request_duration_seconds_count{"), WEIR_ROUTE_COUNT);
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_gauges)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_amqp_connected gauge");
	HAS(t, "weir_amqp_connected 1");
	HAS(t, "weir_amqp_consumer_connections 2");
	HAS(t, "weir_mongodb_connected 1");
	HAS(t, "weir_queue_depth 12");
	HAS(t, "weir_queue_consumers 2");
	/* Every worker counts the same collection: the largest count wins. */
	HAS(t, "weir_aggregate_windows_dirty 4");
	free(t);
	/* One worker's consumer and MongoDB link down. */
	WEIR_SET(m->workers[1].amqp_connected, 0);
	WEIR_SET(m->workers[1].mongodb_connected, 0);
	t = render(m, 2);
	HAS(t, "weir_amqp_connected 0");
	HAS(t, "weir_amqp_consumer_connections 1");
	HAS(t, "weir_mongodb_connected 0");
	free(t);
	/* One aggregator could not count: the other's count stands. */
	WEIR_SET(m->workers[1].dirty_windows, -1);
	t = render(m, 2);
	HAS(t, "weir_aggregate_windows_dirty 3");
	free(t);
	/* None could: unknown, never a reassuring 0. */
	WEIR_SET(m->workers[0].dirty_windows, -1);
	t = render(m, 2);
	HAS(t, "weir_aggregate_windows_dirty -1");
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_gauges_api_role)
{
	/* No consumers wanted (role=api): the probe result is reported. */
	struct weir_metrics	*m = calloc(1, sizeof(*m));
	char			*t;

	ck_assert_ptr_nonnull(m);
	WEIR_SET(m->workers[0].mongodb_connected, 1);
	WEIR_SET(m->workers[0].queue_depth, -1);
	t = render(m, 1);
	HAS(t, "weir_amqp_connected 0");
	HAS(t, "weir_queue_depth -1");
	free(t);
	WEIR_SET(m->workers[0].probe_amqp_ok, 1);
	t = render(m, 1);
	HAS(t, "weir_amqp_connected 1");
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_build_info_and_process)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	HAS(t, "# TYPE weir_build_info gauge");
	HAS(t, "weir_build_info{version=\"1.2.3\",commit=\"abc123\","
	    "role=\"all\"} 1");
	HAS(t, "# TYPE process_cpu_seconds_total counter");
	HAS(t, "process_cpu_seconds_total 12.34");
	HAS(t, "# TYPE process_resident_memory_bytes gauge");
	HAS(t, "process_resident_memory_bytes 1048576");
	HAS(t, "process_virtual_memory_bytes 2500000000");
	HAS(t, "process_open_fds 9");
	HAS(t, "process_max_fds 1024");
	HAS(t, "process_start_time_seconds 1700000000.5");
	free(t);
	free(m);
}
END_TEST

START_TEST(test_render_structure)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);
	char			*copy = strdup(t), *save = NULL, *line;
	char			*types[128];
	int			ntypes = 0;

	/* Every family is typed once, before its samples; no blank lines. */
	ck_assert_int_eq(t[strlen(t) - 1], '\n');
	ck_assert_ptr_null(strstr(t, "\n\n"));
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char	*name = line + 7, *sp = strchr(name, ' ');

			ck_assert_ptr_nonnull(sp);
			*sp = '\0';
			for (int i = 0; i < ntypes; i++)
				ck_assert_str_ne(types[i], name);
			ck_assert_int_lt(ntypes, 128);
			types[ntypes++] = name;
		} else if (line[0] != '#') {
			int	found = 0;

			for (int i = 0; i < ntypes && !found; i++)
				found = strncmp(line, types[i],
				    strlen(types[i])) == 0;
			ck_assert_msg(found, "sample before its TYPE: %s",
			    line);
		}
	}
	ck_assert_int_ge(ntypes, 20);
	free(copy);
	free(t);
	free(m);
}
END_TEST

/* ---- promtool ------------------------------------------------------ */

static char *
find_on_path(const char *prog)
{
	const char	*path = getenv("PATH");
	char		*copy, *dir, *save = NULL, *found = NULL;

	if (path == NULL)
		return (NULL);
	if ((copy = strdup(path)) == NULL)
		return (NULL);
	for (dir = strtok_r(copy, ":", &save); dir != NULL && found == NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		char	*cand = NULL;

		/* Also called outside a test: no ck_assert here. */
		if (asprintf(&cand, "%s/%s", dir, prog) == -1)
			break;
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return (found);
}

/* Runs `promtool check metrics < file`; fails on anything but success or
 * lint hints (exit 3), which are printed for the reader. */
static void
promtool_check(const char *text)
{
	char	*promtool = find_on_path("promtool");
	char	*path = unit_temp_file(text, strlen(text));
	char	*cmd, out[8192];
	size_t	n = 0, r;
	FILE	*fp;
	int	status, rc;

	ck_assert_ptr_nonnull(promtool);
	cmd = unit_strf("'%s' check metrics < '%s' 2>&1", promtool, path);
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	while (n < sizeof(out) - 1 &&
	    (r = fread(out + n, 1, sizeof(out) - 1 - n, fp)) > 0)
		n += r;
	out[n] = '\0';
	status = pclose(fp);
	unlink(path);
	ck_assert_msg(WIFEXITED(status), "promtool did not exit normally");
	rc = WEXITSTATUS(status);
	if (rc == 3)
		fprintf(stderr, "promtool lint hints (not errors):\n%s", out);
	ck_assert_msg(rc == 0 || rc == 3, "promtool check metrics exit %d:\n%s",
	    rc, out);
	ck_assert_msg(strstr(out, "error") == NULL, "promtool: %s", out);
	free(promtool);
	free(path);
	free(cmd);
}

START_TEST(test_promtool_sample)
{
	struct weir_metrics	*m = sample_block();
	char			*t = render(m, 2);

	promtool_check(t);
	free(t);
	free(m);
}
END_TEST

START_TEST(test_promtool_empty_block)
{
	struct weir_metrics	*m = calloc(1, sizeof(*m));
	char			*t;

	ck_assert_ptr_nonnull(m);
	t = render(m, 0);
	promtool_check(t);
	free(t);
	free(m);
}
END_TEST

Suite *
metrics_render_suite(void)
{
	Suite	*s = suite_create("metrics_render");
	TCase	*tc = tcase_create("lines");
	char	*promtool;

	tcase_add_test(tc, test_render_counters);
	tcase_add_test(tc, test_render_dead_letters);
	tcase_add_test(tc, test_render_histogram_cumulative);
	tcase_add_test(tc, test_render_stage_histograms);
	tcase_add_test(tc, test_render_http);
	tcase_add_test(tc, test_render_gauges);
	tcase_add_test(tc, test_render_gauges_api_role);
	tcase_add_test(tc, test_render_build_info_and_process);
	tcase_add_test(tc, test_render_structure);
	suite_add_tcase(s, tc);

	/* Not run (and not counted) without promtool: say so loudly. */
	if ((promtool = find_on_path("promtool")) != NULL) {
		tc = tcase_create("promtool");
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, test_promtool_sample);
		tcase_add_test(tc, test_promtool_empty_block);
		suite_add_tcase(s, tc);
		free(promtool);
	} else {
		fprintf(stderr, "NOTE: promtool not on PATH: the 2 promtool "
		    "checks are NOT run (install Debian package "
		    "'prometheus')\n");
	}
	return (s);
}
