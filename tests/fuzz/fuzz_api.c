/* fuzz_api.c - libFuzzer target over what the API parses from clients:
 * query strings, cursors, event ids in paths, POST bodies and auth headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_auth.h"
#include "api/api_ingest.h"
#include "api/api_params.h"
#include "api/problem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
query(enum weir_api_op op, const char *s)
{
	struct weir_api_query	q;
	struct weir_api_error	e;
	char			cur[WEIR_CURSOR_MAX];
	char			*p;
	size_t			len;

	if (weir_api_parse_query(op, s, &q, &e) == 0) {
		/* A cursor that parsed must encode back to an equal cursor. */
		if (q.has_cursor && weir_cursor_encode(q.cursor_ts_ms,
		    q.cursor_id, cur, sizeof(cur)) == 0)
			abort();
		return;
	}
	if (e.field[0] == '\0' || e.rule[0] == '\0')
		abort();
	if ((p = weir_problem_render(400, "x", e.field, e.rule, NULL,
	    &len)) == NULL)
		abort();
	free(p);
}

static void
body(const char *s, size_t len)
{
	struct weir_stage_ctx	ctx = { 65536, 86400000LL, 1700000000000LL,
				    "fuzz" };
	struct weir_ingest	in;
	struct weir_api_error	e;
	enum weir_ingest_result	r;

	r = weir_ingest_parse(s, len, &ctx, &in, &e);
	if (r == WEIR_INGEST_OK) {
		for (size_t i = 0; i < in.n; i++) {
			if (in.items[i].id[0] == '\0' || in.items[i].len == 0)
				abort();
		}
	}
	if (r == WEIR_INGEST_REJECTED && in.n_rejected == 0)
		abort();
	weir_ingest_free(&in);
}

static void
cursor_and_id(const char *s, size_t len)
{
	char	id[WEIR_ID_MAX + 1], out[WEIR_CURSOR_MAX], dec[WEIR_ID_MAX + 1];
	int64_t	ts;
	size_t	n;

	if (weir_cursor_decode(s, len, &ts, id) == 0) {
		weir_cursor_encode(ts, id, out, sizeof(out));
		if (strlen(out) != len || memcmp(out, s, len) != 0)
			abort();	/* one cursor, one spelling */
	}
	if (weir_api_url_decode(s, len, len % 2, dec, sizeof(dec), &n) == 0 &&
	    n != strlen(dec))
		abort();
}

static void
auth(const char *s)
{
	static struct weir_tokens	t;
	static int			ready;
	char				err[256];

	if (!ready) {
		ready = weir_tokens_parse(&t, "0123456789abcdef\n", 17, err,
		    sizeof(err)) == 0;
		if (!ready)
			abort();
	}
	if (weir_tokens_check(&t, s) && strstr(s, "0123456789abcdef") == NULL)
		abort();
	(void)weir_tokens_parse(&t, s, strlen(s), err, sizeof(err));
	ready = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1)
		return (0);
	/* NUL-terminated copy: Kore hands handlers C strings. */
	if ((s = malloc(size)) == NULL)
		return (0);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		query(WEIR_API_OP_EVENTS, s);
		break;
	case 1:
		query(WEIR_API_OP_AGGREGATES, s);
		break;
	case 2:
		query(WEIR_API_OP_NONE, s);
		break;
	case 3:
		body((const char *)data + 1, size - 1);
		break;
	case 4:
		cursor_and_id(s, strlen(s));
		break;
	default:
		auth(s);
		break;
	}
	free(s);
	return (0);
}
