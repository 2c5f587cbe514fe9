/* api_json.c - BSON documents to the API's JSON, and window rollups.
 * Dates become RFC 3339 strings; avg is sum / (events carrying a value). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "base/textbuf.h"
#include "base/timestamp.h"

static json_t	*value_json(const bson_iter_t *, int depth);

static json_t *
date_json(int64_t ms)
{
	char	buf[25];

	weir_ts_format(ms, buf);
	return (json_string(buf));
}

static json_t *
container_json(const bson_iter_t *it, int is_array, int depth)
{
	bson_iter_t	child;
	json_t		*out, *v;

	out = is_array ? json_array() : json_object();
	if (out == NULL || !bson_iter_recurse(it, &child))
		return (out);
	while (bson_iter_next(&child)) {
		if ((v = value_json(&child, depth + 1)) == NULL)
			v = json_null();
		if (is_array)
			json_array_append_new(out, v);
		else
			json_object_set_new_nocheck(out, bson_iter_key(&child), v);
	}
	return (out);
}

static json_t *
value_json(const bson_iter_t *it, int depth)
{
	uint32_t	len;
	const char	*s;
	char		oid[25];

	/* Stored data is at most 32 deep; a deeper document is not ours. */
	if (depth > 64)
		return (json_null());
	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8:
		s = bson_iter_utf8(it, &len);
		return (json_stringn(s, len));
	case BSON_TYPE_INT32:
		return (json_integer(bson_iter_int32(it)));
	case BSON_TYPE_INT64:
		return (json_integer(bson_iter_int64(it)));
	case BSON_TYPE_DOUBLE:
		return (json_real(bson_iter_double(it)));
	case BSON_TYPE_BOOL:
		return (json_boolean(bson_iter_bool(it)));
	case BSON_TYPE_DATE_TIME:
		return (date_json(bson_iter_date_time(it)));
	case BSON_TYPE_DOCUMENT:
		return (container_json(it, 0, depth));
	case BSON_TYPE_ARRAY:
		return (container_json(it, 1, depth));
	case BSON_TYPE_OID:
		bson_oid_to_string(bson_iter_oid(it), oid);
		return (json_string(oid));
	default:
		return (json_null());
	}
}

json_t *
weir_event_doc_json(const bson_t *doc)
{
	bson_iter_t	it;
	json_t		*out = json_object(), *v;

	if (out == NULL || !bson_iter_init(&it, doc))
		return (out);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if ((v = value_json(&it, 0)) == NULL)
			v = json_null();
		json_object_set_new_nocheck(out, strcmp(k, "_id") == 0 ? "id" :
		    k, v);
	}
	return (out);
}

json_t *
weir_agg_row(const char *source, const char *type, int64_t start_ms,
    int64_t width_ms, const struct weir_agg *a)
{
	json_t	*o = json_object();
	int	v = a->values > 0;

	if (o == NULL)
		return (NULL);
	json_object_set_new(o, "source", json_string(source));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "window_start", date_json(start_ms));
	json_object_set_new(o, "window_end", date_json(start_ms + width_ms));
	json_object_set_new(o, "count", json_integer((json_int_t)a->count));
	json_object_set_new(o, "values", json_integer((json_int_t)a->values));
	json_object_set_new(o, "sum", json_real(a->sum));
	json_object_set_new(o, "min", v ? json_real(a->min) : json_null());
	json_object_set_new(o, "max", v ? json_real(a->max) : json_null());
	json_object_set_new(o, "avg", v ? json_real(a->sum /
	    (double)a->values) : json_null());
	json_object_set_new(o, "first_ts", a->count > 0 ?
	    date_json(a->first_ts_ms) : json_null());
	json_object_set_new(o, "last_ts", a->count > 0 ?
	    date_json(a->last_ts_ms) : json_null());
	return (o);
}

int
weir_rollup_init(struct weir_rollup *r, int64_t width_ms, size_t max_rows)
{
	memset(r, 0, sizeof(*r));
	r->width_ms = width_ms;
	r->max_rows = max_rows;
	r->rows = json_array();
	return (r->rows != NULL ? 0 : -1);
}

static int
emit(struct weir_rollup *r)
{
	if (!r->have || r->agg.count == 0)
		return (0);
	if (json_array_size(r->rows) >= r->max_rows)
		return (-1);
	return (json_array_append_new(r->rows, weir_agg_row(r->source, r->type,
	    r->start_ms, r->width_ms, &r->agg)));
}

int
weir_rollup_add(struct weir_rollup *r, const char *source, const char *type,
    int64_t start_ms, const struct weir_agg *a)
{
	int64_t	bucket = weir_window_start(start_ms, r->width_ms);
	size_t	slen = strlen(source), tlen = strlen(type);

	if (slen >= sizeof(r->source) || tlen >= sizeof(r->type))
		return (0);	/* not a window weir wrote */
	if (r->have && bucket == r->start_ms && strcmp(source, r->source) == 0 &&
	    strcmp(type, r->type) == 0) {
		weir_agg_merge(&r->agg, a);
		return (0);
	}
	if (emit(r) == -1)
		return (-1);
	r->have = 1;
	r->start_ms = bucket;
	memcpy(r->source, source, slen + 1);
	memcpy(r->type, type, tlen + 1);
	weir_agg_init(&r->agg);
	weir_agg_merge(&r->agg, a);
	return (0);
}

json_t *
weir_rollup_finish(struct weir_rollup *r)
{
	json_t	*rows;

	if (emit(r) == -1)
		return (NULL);
	rows = r->rows;
	r->rows = NULL;
	r->have = 0;
	return (rows);
}

void
weir_rollup_free(struct weir_rollup *r)
{
	json_decref(r->rows);
	r->rows = NULL;
}

/* The digits of v when it is m / 10^k with |m| < 10^15 and 1e-4 <= |v|:
 * then %.15g prints m's digits in fixed notation, and reads back as v
 * because the division, like strtod, rounds m / 10^k to the nearest
 * double. 0 when v is not such a number; the smallest k wins, as %g drops
 * trailing zeros. */
static size_t
short_decimal(double v, char *buf)
{
	static const double	p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	    1e18 };
	double			a = v < 0 ? -v : v, x, m = 0;
	char			digits[24], *p = buf;
	int			k, n = 0, i;
	long long		im;

	if (!(a >= 1e-4 && a < 1e15))
		return (0);
	for (k = 0; k <= 18; k++) {
		/* x < 2^50, so x + 0.5 is exact: m is x rounded. */
		if ((x = a * p10[k]) >= 1e15 ||
		    (m = (double)(long long)(x + 0.5)) >= 1e15)
			return (0);
		if (m / p10[k] == a)
			break;
	}
	if (k > 18)
		return (0);
	for (im = (long long)m; im > 0 || n <= k; im /= 10)
		digits[n++] = (char)('0' + im % 10);
	if (v < 0)
		*p++ = '-';
	for (i = n - 1; i >= k; i--)
		*p++ = digits[i];
	if (k > 0) {
		*p++ = '.';
		for (i = k - 1; i >= 0; i--)
			*p++ = digits[i];
	}
	*p = '\0';
	return ((size_t)(p - buf));
}

size_t
weir_json_double(double v, char *buf)
{
	int	p, n;

	if ((n = (int)short_decimal(v, buf)) == 0) {
		/* %.15g is shortest for any normal double whose shortest form
		 * has at most 15 digits (%g drops trailing zeros); subnormals
		 * carry fewer digits, so try every precision there. %.17g
		 * always reads back. */
		for (p = fpclassify(v) == FP_SUBNORMAL ? 1 : 15; p <= 17;
		    p++) {
			n = snprintf(buf, WEIR_JSON_DOUBLE_MAX, "%.*g", p, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	if (isfinite(v) && strpbrk(buf, ".e") == NULL) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return ((size_t)n);
}

/* The escape of c, or NULL when it stands as it is. */
static const char *
escape(unsigned char c, char esc[7])
{
	static const char	hex[] = "0123456789ABCDEF";

	switch (c) {
	case '"': return ("\\\"");
	case '\\': return ("\\\\");
	case '\b': return ("\\b");
	case '\f': return ("\\f");
	case '\n': return ("\\n");
	case '\r': return ("\\r");
	case '\t': return ("\\t");
	default:
		if (c >= 0x20)
			return (NULL);
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		esc[6] = '\0';
		return (esc);
	}
}

void
weir_json_string(struct weir_textbuf *b, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			i, out = len + 2;
	char			esc[7], *p;
	const char		*e;

	/* Sized first, so the text is written in one go. */
	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == '"' || u[i] == '\\')
			out += strlen(escape(u[i], esc)) - 1;
	}
	if ((p = weir_textbuf_room(b, out)) == NULL)
		return;
	*p++ = '"';
	if (out == len + 2) {
		memcpy(p, s, len);
		p += len;
	} else {
		for (i = 0; i < len; i++) {
			if ((e = escape(u[i], esc)) == NULL) {
				*p++ = s[i];
				continue;
			}
			memcpy(p, e, strlen(e));
			p += strlen(e);
		}
	}
	*p = '"';
	weir_textbuf_wrote(b, out);
}

static void
dump(struct weir_textbuf *b, const json_t *o, int depth)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 num[WEIR_JSON_DOUBLE_MAX];

	if (depth > 2048) {
		b->oom = 1;	/* jansson's own limit: not a tree we built */
		return;
	}
	switch (json_typeof(o)) {
	case JSON_OBJECT:
		weir_textbuf_append(b, "{", 1);
		i = 0;
		json_object_foreach((json_t *)o, k, v) {
			if (i++ > 0)
				weir_textbuf_append(b, ",", 1);
			weir_json_string(b, k, strlen(k));
			weir_textbuf_append(b, ":", 1);
			dump(b, v, depth + 1);
		}
		weir_textbuf_append(b, "}", 1);
		break;
	case JSON_ARRAY:
		weir_textbuf_append(b, "[", 1);
		json_array_foreach(o, i, v) {
			if (i > 0)
				weir_textbuf_append(b, ",", 1);
			dump(b, v, depth + 1);
		}
		weir_textbuf_append(b, "]", 1);
		break;
	case JSON_STRING:
		weir_json_string(b, json_string_value(o), json_string_length(o));
		break;
	case JSON_INTEGER:
		weir_textbuf_printf(b, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(o));
		break;
	case JSON_REAL:
		weir_textbuf_append(b, num, weir_json_double(json_real_value(o),
		    num));
		break;
	case JSON_TRUE:
		weir_textbuf_append(b, "true", 4);
		break;
	case JSON_FALSE:
		weir_textbuf_append(b, "false", 5);
		break;
	case JSON_NULL:
		weir_textbuf_append(b, "null", 4);
		break;
	}
}

char *
weir_json_dumps(const json_t *o)
{
	struct weir_textbuf	b = { 0 };

	dump(&b, o, 0);
	if (b.oom || b.data == NULL) {
		weir_textbuf_free(&b);
		return (NULL);
	}
	return (b.data);
}
