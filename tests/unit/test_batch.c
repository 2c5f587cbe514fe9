/* test_batch.c - a consumer's batch: window bookkeeping and per-window sums.
 * The sums become the deltas added to stored windows, so they must be exact. */
#include <stdio.h>
#include <string.h>

#include "event/window.h"
#include "processor/batch.h"
#include "processor/window_acc.h"
#include "unit.h"

/* Adds one event through the real pipeline; ts is an offset from now. */
static void
add(struct weir_batch *b, const char *id, const char *source, int64_t ts_off,
    const char *value)
{
	struct weir_event	ev;
	char			body[512], detail[WEIR_DETAIL_MAX];

	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"source\":\"%s\","
	    "\"type\":\"t\",\"ts\":%lld%s%s}", id, source,
	    (long long)(UNIT_NOW_MS + ts_off), value ? ",\"value\":" : "",
	    value ? value : "");
	ck_assert_int_eq(unit_run(body, &ev, detail), WEIR_OK);
	ck_assert_int_eq(weir_batch_add(b, &ev, body, strlen(body), "k", 1,
	    NULL, 0), 0);
}

static const struct weir_agg *
delta_of(const struct weir_batch *b, const char *source, int64_t start)
{
	char	id[WEIR_WINDOW_ID_MAX];
	size_t	len = weir_window_id(id, sizeof(id), start, source,
		    strlen(source), "t", 1);

	for (size_t i = 0; i < b->n_windows; i++) {
		if (b->windows[i].id_len == len &&
		    memcmp(b->windows[i].id, id, len) == 0)
			return (&b->window_deltas[i]);
	}
	ck_abort_msg("window %s not in the batch", id);
	return (NULL);
}

START_TEST(test_batch_sums_per_window)
{
	struct weir_batch	b;
	const struct weir_agg	*a;
	int64_t			w0 = weir_window_start(UNIT_NOW_MS,
				    WEIR_WINDOW_MS);
	int64_t			off = w0 - UNIT_NOW_MS;

	ck_assert_int_eq(weir_batch_init(&b, 8), 0);
	add(&b, "e1", "a", off + 1000, "2.5");
	add(&b, "e2", "a", off + 5000, "-1");
	add(&b, "e3", "b", off + 2000, NULL);
	add(&b, "e4", "a", off - 1000, "7");	/* the window before */
	add(&b, "e5", "a", off + 9000, "100");	/* rejected below */
	ck_assert_uint_eq(b.n, 5);
	ck_assert_uint_eq(b.n_windows, 3);
	ck_assert_uint_eq(b.event_window[0], b.event_window[1]);
	ck_assert_uint_ne(b.event_window[0], b.event_window[2]);
	ck_assert_uint_ne(b.event_window[0], b.event_window[3]);
	memset(b.rejected_at, 0, b.n);
	b.rejected_at[4] = 1;
	ck_assert_uint_eq(weir_batch_sum_windows(&b), 3);
	a = delta_of(&b, "a", w0);
	ck_assert_uint_eq(a->count, 2);
	ck_assert_uint_eq(a->values, 2);
	ck_assert_double_eq(a->sum, 1.5);
	ck_assert_double_eq(a->min, -1);
	ck_assert_double_eq(a->max, 2.5);
	ck_assert_int_eq(a->first_ts_ms, w0 + 1000);
	ck_assert_int_eq(a->last_ts_ms, w0 + 5000);
	a = delta_of(&b, "b", w0);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_uint_eq(a->values, 0);
	a = delta_of(&b, "a", w0 - WEIR_WINDOW_MS);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_double_eq(a->sum, 7);
	weir_batch_free(&b);
}
END_TEST

/* A window whose only events were rejected gets an empty delta, and a
 * reset batch starts its windows afresh. */
START_TEST(test_batch_rejected_only_and_reset)
{
	struct weir_batch	b;

	ck_assert_int_eq(weir_batch_init(&b, 4), 0);
	add(&b, "e1", "a", 0, "1");
	add(&b, "e2", "b", 0, "1");
	memset(b.rejected_at, 0, b.n);
	b.rejected_at[1] = 1;
	ck_assert_uint_eq(weir_batch_sum_windows(&b), 1);
	ck_assert_uint_eq(b.window_deltas[b.event_window[1]].count, 0);
	weir_batch_reset(&b);
	ck_assert_uint_eq(b.n_windows, 0);
	add(&b, "e3", "b", 0, "3");
	ck_assert_uint_eq(b.event_window[0], 0);
	memset(b.rejected_at, 0, b.n);
	ck_assert_uint_eq(weir_batch_sum_windows(&b), 1);
	ck_assert_double_eq(b.window_deltas[0].sum, 3);
	weir_batch_free(&b);
}
END_TEST

static const struct weir_agg *
acc_of(const struct weir_window_acc *a, const char *source, int64_t start)
{
	char	id[WEIR_WINDOW_ID_MAX];
	size_t	len = weir_window_id(id, sizeof(id), start, source,
		    strlen(source), "t", 1);

	for (size_t i = 0; i < a->n; i++) {
		if (a->refs[i].id_len == len &&
		    memcmp(a->refs[i].id, id, len) == 0) {
			ck_assert_int_eq(a->refs[i].start_ms, start);
			ck_assert_uint_eq(a->refs[i].source_len, strlen(source));
			ck_assert(memcmp(a->refs[i].source, source,
			    strlen(source)) == 0);
			ck_assert(memcmp(a->refs[i].type, "t", 1) == 0);
			return (&a->aggs[i]);
		}
	}
	ck_abort_msg("window %s not accumulated", id);
	return (NULL);
}

/* Two batches fold into one set of windows, whose names outlive the
 * batches; a batch that might not fit is refused whole. */
START_TEST(test_window_acc_merges_batches)
{
	struct weir_batch	b;
	struct weir_window_acc	acc;
	const struct weir_agg	*a;
	int64_t			w0 = weir_window_start(UNIT_NOW_MS,
				    WEIR_WINDOW_MS);
	int64_t			off = w0 - UNIT_NOW_MS;

	ck_assert_int_eq(weir_batch_init(&b, 4), 0);
	ck_assert_int_eq(weir_window_acc_init(&acc, 3), 0);
	add(&b, "e1", "a", off + 1000, "1");
	add(&b, "e2", "b", off + 2000, "2");
	memset(b.rejected_at, 0, b.n);
	weir_batch_sum_windows(&b);
	ck_assert_int_eq(weir_window_acc_add(&acc, &b), 0);
	weir_batch_reset(&b);
	add(&b, "e3", "a", off + 500, "-4");
	add(&b, "e4", "a", off + 3000, NULL);
	memset(b.rejected_at, 0, b.n);
	weir_batch_sum_windows(&b);
	ck_assert_int_eq(weir_window_acc_add(&acc, &b), 0);
	weir_batch_reset(&b);
	ck_assert_uint_eq(acc.n, 2);
	a = acc_of(&acc, "a", w0);
	ck_assert_uint_eq(a->count, 3);
	ck_assert_uint_eq(a->values, 2);
	ck_assert_double_eq(a->sum, -3);
	ck_assert_double_eq(a->min, -4);
	ck_assert_double_eq(a->max, 1);
	ck_assert_int_eq(a->first_ts_ms, w0 + 500);
	ck_assert_int_eq(a->last_ts_ms, w0 + 3000);
	a = acc_of(&acc, "b", w0);
	ck_assert_uint_eq(a->count, 1);
	/* Two more windows might not fit in 3: refused, nothing changed. */
	add(&b, "e5", "c", 0, "1");
	add(&b, "e6", "d", 0, "1");
	memset(b.rejected_at, 0, b.n);
	weir_batch_sum_windows(&b);
	ck_assert_int_eq(weir_window_acc_add(&acc, &b), -1);
	ck_assert_uint_eq(acc.n, 2);
	weir_window_acc_reset(&acc);
	ck_assert_int_eq(weir_window_acc_add(&acc, &b), 0);
	ck_assert_uint_eq(acc.n, 2);
	ck_assert_uint_eq(acc_of(&acc, "c", w0)->count, 1);
	weir_window_acc_free(&acc);
	weir_batch_free(&b);
}
END_TEST

Suite *
batch_suite(void)
{
	Suite	*s = suite_create("batch");
	TCase	*tc = tcase_create("windows");

	tcase_add_test(tc, test_batch_sums_per_window);
	tcase_add_test(tc, test_batch_rejected_only_and_reset);
	tcase_add_test(tc, test_window_acc_merges_batches);
	suite_add_tcase(s, tc);
	return (s);
}
