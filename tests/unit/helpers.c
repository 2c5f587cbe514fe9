/* helpers.c - small fixtures shared by the unit tests.
 * Every helper aborts the test (ck_assert) instead of returning errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/event_bson.h"
#include "unit.h"

struct weir_stage_ctx
unit_ctx(void)
{
	struct weir_stage_ctx	ctx = {
		.max_message_bytes = UNIT_MAX_BYTES,
		.max_future_skew_ms = UNIT_SKEW_MS,
		.now_ms = UNIT_NOW_MS,
		.processor = UNIT_PROCESSOR,
	};

	return (ctx);
}

void
unit_same_document(const struct weir_event *a, const struct weir_event *b)
{
	bson_t	da, db;

	bson_init(&da);
	bson_init(&db);
	ck_assert_int_eq(weir_event_to_bson(a, &da), weir_event_to_bson(b, &db));
	ck_assert_uint_eq(da.len, db.len);
	ck_assert_msg(memcmp(bson_get_data(&da), bson_get_data(&db), da.len) ==
	    0, "the two decoders made different documents");
	bson_destroy(&da);
	bson_destroy(&db);
}

void
unit_same_event(const struct weir_event *a, const struct weir_event *b)
{
	ck_assert_str_eq(a->id, b->id);
	ck_assert_uint_eq(a->source_len, b->source_len);
	ck_assert_int_eq(memcmp(a->source, b->source, a->source_len), 0);
	ck_assert_uint_eq(a->type_len, b->type_len);
	ck_assert_int_eq(memcmp(a->type, b->type, a->type_len), 0);
	ck_assert_int_eq(a->ts_ms, b->ts_ms);
	ck_assert_int_eq(a->has_value, b->has_value);
	ck_assert_int_eq(memcmp(&a->value, &b->value, sizeof(a->value)), 0);
	ck_assert_int_eq(a->received_at_ms, b->received_at_ms);
	ck_assert_int_eq(a->processed_at_ms, b->processed_at_ms);
	ck_assert_int_eq(a->window_start_ms, b->window_start_ms);
	unit_same_document(a, b);
}

/* The consumer decodes with a scan buffer (event_scan.c, jansson for what
 * it declines); the tests' context has none (jansson only). Every body a
 * test runs goes through both, which must agree on everything. */
static void
same_with_scanner(const struct weir_input *in,
    const struct weir_stage_ctx *ctx, enum weir_reason want,
    const struct weir_event *ev, const char *detail)
{
	struct weir_scan_buf	buf;
	struct weir_stage_ctx	sc = *ctx;
	struct weir_event	ev2;
	char			detail2[WEIR_DETAIL_MAX];

	ck_assert_int_eq(weir_scan_buf_init(&buf), 0);
	sc.scan = &buf;
	ck_assert_int_eq(weir_pipeline_run(in, &ev2, &sc, detail2, NULL), want);
	ck_assert_str_eq(detail2, detail);
	if (want == WEIR_OK)
		unit_same_event(ev, &ev2);
	weir_event_clear(&ev2);
	weir_scan_buf_free(&buf);
}

enum weir_reason
unit_run_len(const char *body, size_t len, const struct weir_stage_ctx *ctx,
    struct weir_event *ev, char detail[WEIR_DETAIL_MAX])
{
	struct weir_input	in = {
		.body = body,
		.len = len,
		.message_id = NULL,
		.message_id_len = 0,
		.received_at_ms = UNIT_NOW_MS - 5,
	};
	enum weir_reason	r;

	r = weir_pipeline_run(&in, ev, ctx, detail, NULL);
	if (ctx->scan == NULL)
		same_with_scanner(&in, ctx, r, ev, detail);
	return (r);
}

enum weir_reason
unit_run(const char *body, struct weir_event *ev, char detail[WEIR_DETAIL_MAX])
{
	struct weir_stage_ctx	ctx = unit_ctx();

	return (unit_run_len(body, strlen(body), &ctx, ev, detail));
}

char *
unit_repeat(const char *unit, size_t n)
{
	size_t	ul = strlen(unit);
	char	*s = malloc(ul * n + 1);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return (s);
}

char *
unit_strf(const char *fmt, ...)
{
	va_list	ap;
	char	*s = NULL;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	return (s);
}

char *
unit_temp_file(const char *content, size_t len)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;
	int		fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	path = unit_strf("%s/weir-unit-XXXXXX", dir);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
	return (path);
}

const char *
unit_getenv(const char *name, void *arg)
{
	const char *const	*env = arg;
	size_t			n = strlen(name);

	for (size_t i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return (env[i] + n + 1);
	}
	return (NULL);
}
