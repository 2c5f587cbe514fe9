/* helpers.c - small fixtures shared by the unit tests.
 * Every helper aborts the test (ck_assert) instead of returning errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

	return (weir_pipeline_run(&in, ev, ctx, detail, NULL));
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
