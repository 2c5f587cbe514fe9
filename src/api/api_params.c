/* api_params.c - query-string parsing for GET /v1/events and /v1/aggregates.
 * Every error names the parameter and the rule, for a problem+json answer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api_params.h"
#include "base/timestamp.h"
#include "base/utf8.h"
#include "event/event_id.h"

/* 9999-12-31T23:59:59.999Z, as in stage_normalise. */
#define TS_MAX_MS	253402300799999LL
#define PARAM_MAX	WEIR_SOURCE_BUF

struct window_name {
	const char	*name;
	int64_t		ms;
};

static const struct window_name windows[] = {
	{ "1m", 60000LL }, { "5m", 300000LL }, { "1h", 3600000LL },
	{ "1d", 86400000LL }, { NULL, 0 }
};

static int
fail(struct weir_api_error *err, const char *field, const char *fmt, ...)
{
	va_list	ap;

	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->rule, sizeof(err->rule), fmt, ap);
	va_end(ap);
	return (-1);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
weir_api_url_decode(const char *s, size_t len, int plus_is_space, char *out,
    size_t size, size_t *out_len)
{
	size_t	o = 0;
	int	hi, lo;
	char	c;

	for (size_t i = 0; i < len; i++) {
		c = s[i];
		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return (-1);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= size)
			return (-1);
		out[o++] = c;
	}
	out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	return (0);
}

int
weir_api_utf8_ok(const char *s, size_t len, size_t *code_points)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			i = 0, k;
	uint32_t		cp;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return (0);
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			k = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			k = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			k = 3;
			cp = p[i] & 0x07;
		} else {
			return (0);
		}
		if (i + k >= len)
			return (0);
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		/* Overlong forms, surrogates and beyond U+10FFFF. */
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
		    (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += k + 1;
	}
	if (code_points != NULL)
		*code_points = weir_utf8_length(s, len);
	return (1);
}

int
weir_api_parse_time(const char *s, size_t len, int64_t *out)
{
	int64_t	v = 0;

	if (len == 0)
		return (-1);
	if (strspn(s, "0123456789") >= len) {
		if (len > 15)
			return (-1);
		for (size_t i = 0; i < len; i++)
			v = v * 10 + (s[i] - '0');
	} else if (weir_ts_parse_rfc3339(s, len, &v) == -1) {
		return (-1);
	}
	if (v < 0 || v > TS_MAX_MS)
		return (-1);
	*out = v;
	return (0);
}

static const char	b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
weir_cursor_encode(int64_t ts_ms, const char *id, char *out, size_t size)
{
	char		raw[24 + WEIR_ID_MAX];
	size_t		n, o = 0;
	uint32_t	v;
	int		bits;

	n = (size_t)snprintf(raw, sizeof(raw), "%lld:%s", (long long)ts_ms, id);
	if (n >= sizeof(raw) || (n * 4 + 2) / 3 + 1 > size)
		return (0);
	for (size_t i = 0; i < n; i += 3) {
		v = (uint32_t)(unsigned char)raw[i] << 16;
		bits = 8;
		if (i + 1 < n) {
			v |= (uint32_t)(unsigned char)raw[i + 1] << 8;
			bits += 8;
		}
		if (i + 2 < n) {
			v |= (unsigned char)raw[i + 2];
			bits += 8;
		}
		for (int j = 0; j < (bits + 5) / 6; j++)
			out[o++] = b64url[(v >> (18 - 6 * j)) & 63];
	}
	out[o] = '\0';
	return (o);
}

static int
b64val(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64url, c)) == NULL)
		return (-1);
	return ((int)(p - b64url));
}

int
weir_cursor_decode(const char *s, size_t len, int64_t *ts_ms,
    char id[WEIR_ID_MAX + 1])
{
	char		raw[WEIR_CURSOR_MAX];
	const char	*colon;
	size_t		n = 0;
	uint32_t	acc = 0;
	int		bits = 0, v;

	if (len == 0 || len > WEIR_CURSOR_MAX - 8 || len % 4 == 1)
		return (-1);
	for (size_t i = 0; i < len; i++) {
		if ((v = b64val(s[i])) < 0)
			return (-1);
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			raw[n++] = (char)(acc >> bits & 0xff);
		}
	}
	/* Leftover bits must be zero: one cursor, one spelling. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return (-1);
	raw[n] = '\0';
	if ((colon = memchr(raw, ':', n)) == NULL || strlen(raw) != n)
		return (-1);
	if (weir_api_parse_time(raw, (size_t)(colon - raw), ts_ms) == -1 ||
	    strspn(raw, "0123456789") != (size_t)(colon - raw) ||
	    (colon - raw > 1 && raw[0] == '0'))
		return (-1);
	n -= (size_t)(colon - raw) + 1;
	if (!weir_id_is_valid(colon + 1, n))
		return (-1);
	memcpy(id, colon + 1, n + 1);
	return (0);
}

static int
set_label(const char *name, const char *v, size_t len, size_t max, char *dst,
    int *has, struct weir_api_error *err)
{
	size_t	cps = 0;

	if (!weir_api_utf8_ok(v, len, &cps))
		return (fail(err, name, "must be UTF-8 text without control "
		    "characters"));
	if (cps < 1 || cps > max)
		return (fail(err, name, "must be 1..%zu characters, got %zu",
		    max, cps));
	memcpy(dst, v, len + 1);
	*has = 1;
	return (0);
}

static int
set_time(const char *name, const char *v, size_t len, int64_t *dst, int *has,
    struct weir_api_error *err)
{
	if (weir_api_parse_time(v, len, dst) == -1)
		return (fail(err, name, "must be an RFC 3339 date-time with "
		    "offset or integer epoch milliseconds in 0..%lld",
		    (long long)TS_MAX_MS));
	*has = 1;
	return (0);
}

static int
set_limit(const char *v, size_t len, int *dst, struct weir_api_error *err)
{
	int	n = 0;

	if (len == 0 || len > 4 || strspn(v, "0123456789") != len)
		goto bad;
	for (size_t i = 0; i < len; i++)
		n = n * 10 + (v[i] - '0');
	if (n < 1 || n > WEIR_API_LIMIT_MAX)
		goto bad;
	*dst = n;
	return (0);
bad:
	return (fail(err, "limit", "must be an integer in 1..%d",
	    WEIR_API_LIMIT_MAX));
}

static int
set_window(const char *v, struct weir_api_query *q, struct weir_api_error *err)
{
	for (int i = 0; windows[i].name != NULL; i++) {
		if (strcmp(v, windows[i].name) == 0) {
			q->window_ms = windows[i].ms;
			memcpy(q->window, windows[i].name, strlen(v) + 1);
			return (0);
		}
	}
	return (fail(err, "window", "must be one of 1m, 5m, 1h, 1d"));
}

/* The query parameters; `seen` in weir_api_parse_query has a bit each. */
enum param {
	P_SOURCE, P_TYPE, P_FROM, P_TO, P_LIMIT, P_CURSOR, P_WINDOW, P_COUNT
};

#define ON_EVENTS	(1u << WEIR_API_OP_EVENTS)
#define ON_AGGREGATES	(1u << WEIR_API_OP_AGGREGATES)

/* Each parameter's name and the operations that take it. */
static const struct {
	const char	*name;
	unsigned	ops;
} params[P_COUNT] = {
	[P_SOURCE] = { "source", ON_EVENTS | ON_AGGREGATES },
	[P_TYPE] = { "type", ON_EVENTS | ON_AGGREGATES },
	[P_FROM] = { "from", ON_EVENTS | ON_AGGREGATES },
	[P_TO] = { "to", ON_EVENTS | ON_AGGREGATES },
	[P_LIMIT] = { "limit", ON_EVENTS },
	[P_CURSOR] = { "cursor", ON_EVENTS },
	[P_WINDOW] = { "window", ON_AGGREGATES },
};

/* The parameter named k that `op` takes, or P_COUNT. */
static enum param
param_of(enum weir_api_op op, const char *k)
{
	for (int i = 0; i < P_COUNT; i++) {
		if (strcmp(params[i].name, k) == 0)
			return ((params[i].ops & (1u << op)) ? (enum param)i :
			    P_COUNT);
	}
	return (P_COUNT);
}

/* Applies one decoded key=value; `seen` flags catch repeated keys. */
static int
apply(enum weir_api_op op, const char *k, const char *v, size_t vlen,
    struct weir_api_query *q, unsigned *seen, struct weir_api_error *err)
{
	enum param	i = param_of(op, k);

	if (i == P_COUNT)
		return (fail(err, k[0] != '\0' ? k : "(empty)",
		    "unknown query parameter"));
	if (*seen & (1u << i))
		return (fail(err, k, "must appear at most once"));
	*seen |= 1u << i;
	switch (i) {
	case P_SOURCE:
		return (set_label("source", v, vlen, WEIR_SOURCE_MAX, q->source,
		    &q->has_source, err));
	case P_TYPE:
		return (set_label("type", v, vlen, WEIR_TYPE_MAX, q->type,
		    &q->has_type, err));
	case P_FROM:
		return (set_time("from", v, vlen, &q->from_ms, &q->has_from, err));
	case P_TO:
		return (set_time("to", v, vlen, &q->to_ms, &q->has_to, err));
	case P_LIMIT:
		return (set_limit(v, vlen, &q->limit, err));
	case P_CURSOR:
		if (weir_cursor_decode(v, vlen, &q->cursor_ts_ms,
		    q->cursor_id) == -1)
			return (fail(err, "cursor", "must be a next_cursor "
			    "value returned by this API"));
		q->has_cursor = 1;
		return (0);
	case P_WINDOW:
	default:
		return (set_window(v, q, err));
	}
}

static int
parse_pair(enum weir_api_op op, const char *p, size_t len,
    struct weir_api_query *q, unsigned *seen, struct weir_api_error *err)
{
	char		key[WEIR_API_FIELD_MAX], val[PARAM_MAX];
	const char	*eq = memchr(p, '=', len);
	size_t		klen = eq != NULL ? (size_t)(eq - p) : len, vlen = 0;

	if (weir_api_url_decode(p, klen, 1, key, sizeof(key), NULL) == -1)
		return (fail(err, "(query)", "a parameter name is not a known "
		    "parameter or is badly percent-encoded"));
	if (eq == NULL)
		vlen = 0, val[0] = '\0';
	else if (weir_api_url_decode(eq + 1, len - klen - 1, 1, val,
	    sizeof(val), &vlen) == -1)
		return (fail(err, key[0] != '\0' ? key : "(empty)",
		    "is badly percent-encoded, contains "
		    "NUL or is longer than %d bytes", PARAM_MAX - 1));
	return (apply(op, key, val, vlen, q, seen, err));
}

int
weir_api_parse_query(enum weir_api_op op, const char *qs,
    struct weir_api_query *q, struct weir_api_error *err)
{
	const char	*p, *amp;
	unsigned	seen = 0;
	size_t		len;

	memset(q, 0, sizeof(*q));
	memset(err, 0, sizeof(*err));
	q->limit = WEIR_API_LIMIT_DEFAULT;
	q->window_ms = windows[0].ms;
	memcpy(q->window, "1m", 3);
	for (p = qs; p != NULL && *p != '\0'; p = amp != NULL ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (len == 0)
			continue;
		if (parse_pair(op, p, len, q, &seen, err) == -1)
			return (-1);
	}
	if (q->has_from && q->has_to && q->from_ms >= q->to_ms)
		return (fail(err, "from", "must be before 'to'"));
	return (0);
}
