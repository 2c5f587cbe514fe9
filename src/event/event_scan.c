/* event_scan.c - reads an event body straight into the batch's BSON, without a tree.
 * Strict: anything it is not sure jansson reads the same way, it declines (-1). */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "event/bson_write.h"
#include "event/event_lex.h"
#include "event/event_scan.h"

struct scan {
	struct weir_lex		lex;
	struct weir_scan_buf	*buf;
	struct weir_decoded	*dec;
	size_t			nkeys;
};

static int	scan_value(struct scan *, struct weir_bsonw *, const char *,
		    size_t, int, struct weir_json_field *);

int
weir_scan_buf_init(struct weir_scan_buf *buf)
{
	memset(buf, 0, sizeof(*buf));
	buf->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (buf->c_locale == (locale_t)0)
		return (-1);
	if ((buf->tree_rest = bson_new()) == NULL) {
		freelocale(buf->c_locale);
		buf->c_locale = (locale_t)0;
		return (-1);
	}
	return (0);
}

/* Also for a zeroed buffer that init never reached or that failed. */
void
weir_scan_buf_free(struct weir_scan_buf *buf)
{
	if (buf->c_locale == (locale_t)0)
		return;
	weir_bsonw_free(&buf->rest);
	bson_destroy(buf->tree_rest);
	free(buf->text);
	freelocale(buf->c_locale);
	memset(buf, 0, sizeof(*buf));
}

/* Decoded strings are never longer than their JSON text, so a text
 * buffer as long as the body holds all of them. */
static int
reserve_text(struct weir_scan_buf *buf, size_t len)
{
	char	*p;

	if ((p = weir_grow(buf->text, &buf->text_cap, len, 4096)) == NULL)
		return (-1);
	buf->text = p;
	return (0);
}

/* Records the first key check_tree (stage_validate) would refuse. */
static void
note_key(struct weir_decoded *dec, const char *k, size_t len)
{
	if (dec->tree_error != WEIR_OK || (len > 0 && k[0] != '$'))
		return;
	if (len > WEIR_KEY_QUOTE_MAX)
		len = WEIR_KEY_QUOTE_MAX;
	memcpy(dec->bad_key, k, len);
	dec->bad_key[len] = '\0';
	dec->tree_error = WEIR_ERR_INVALID_KEY;
}

/* Keeps the keys of the objects being read; -1 on a duplicate in the
 * object whose keys start at `base` (jansson refuses those). */
static int
add_key(struct scan *s, size_t base, const char *k, size_t len)
{
	struct weir_scan_key	*keys = s->buf->keys;

	for (size_t i = base; i < s->nkeys; i++) {
		if (keys[i].len == len && memcmp(keys[i].s, k, len) == 0)
			return (-1);
	}
	if (s->nkeys == WEIR_SCAN_KEYS_MAX)
		return (-1);
	keys[s->nkeys].s = k;
	keys[s->nkeys].len = len;
	s->nkeys++;
	return (0);
}

/* Where a top-level field goes: its facts into dec->top, and into `rest`
 * unless it is one of the document's fixed fields. */
static struct weir_bsonw *
route_top(struct scan *s, const char *k, size_t len,
    struct weir_json_field **f)
{
	int	top = weir_top_field(k, len);
	int	r = weir_reserved_field(k, len);

	if (r >= 0)
		s->dec->reserved |= 1u << r;
	*f = top >= 0 ? &s->dec->top[top] : NULL;
	return (top >= 0 && top < WEIR_TOP_DATA ? NULL : &s->buf->rest);
}

/* One "key": value pair of an object at `depth` (0: the top level). */
static int
scan_member(struct scan *s, struct weir_bsonw *out, int depth, size_t base)
{
	struct weir_json_field	*f = NULL;
	const char		*k;
	size_t			len;

	if (weir_lex_peek(&s->lex) != '"' ||
	    weir_lex_string(&s->lex, &k, &len) == -1 ||
	    add_key(s, base, k, len) == -1)
		return (-1);
	note_key(s->dec, k, len);
	if (weir_lex_peek(&s->lex) != ':')
		return (-1);
	s->lex.p++;
	if (depth == 0)
		out = route_top(s, k, len, &f);
	return (scan_value(s, out, k, len, depth + 1, f));
}

/* The members of an object, '{' already read; appends them to out
 * unless it is NULL (a field that is only checked). */
static int
scan_members(struct scan *s, struct weir_bsonw *out, int depth)
{
	size_t	base = s->nkeys;
	int	c;

	if (weir_lex_peek(&s->lex) == '}') {
		s->lex.p++;
		return (0);
	}
	for (;;) {
		if (scan_member(s, out, depth, base) == -1)
			return (-1);
		c = weir_lex_peek(&s->lex);
		s->lex.p++;
		if (c == '}')
			break;
		if (c != ',')
			return (-1);
	}
	s->nkeys = base;
	return (0);
}

/* The elements of an array, '[' already read. */
static int
scan_elements(struct scan *s, struct weir_bsonw *out, int depth)
{
	char		idx[16];
	const char	*k = NULL;
	size_t		len = 0;
	int		c;

	if (weir_lex_peek(&s->lex) == ']') {
		s->lex.p++;
		return (0);
	}
	for (uint32_t i = 0;; i++) {
		if (out != NULL)
			len = bson_uint32_to_string(i, &k, idx, sizeof(idx));
		if (scan_value(s, out, k, len, depth + 1, NULL) == -1)
			return (-1);
		c = weir_lex_peek(&s->lex);
		s->lex.p++;
		if (c == ']')
			return (0);
		if (c != ',')
			return (-1);
	}
}

/* An object or array at `depth`. */
static int
scan_container(struct scan *s, struct weir_bsonw *out, const char *k,
    size_t len, int depth, int is_object)
{
	size_t	at = 0;
	int	rc;

	if (depth > WEIR_DATA_DEPTH_MAX)
		return (-1);
	s->lex.p++;
	if (out != NULL) {
		weir_bsonw_key(out, is_object ? WEIR_BSON_DOCUMENT :
		    WEIR_BSON_ARRAY, k, len);
		at = weir_bsonw_open(out);
	}
	rc = is_object ? scan_members(s, out, depth) :
	    scan_elements(s, out, depth);
	if (out != NULL)
		weir_bsonw_close(out, at);
	return (rc);
}

/* A scalar's payload: what it adds after its key. */
static size_t
payload(const struct weir_json_field *f, uint8_t *type)
{
	switch (f->kind) {
	case WEIR_JSON_STRING:
		*type = WEIR_BSON_UTF8;
		return (WEIR_BSON_STR(f->len));
	case WEIR_JSON_INTEGER:
		if (f->i >= INT32_MIN && f->i <= INT32_MAX) {
			*type = WEIR_BSON_INT32;
			return (4);
		}
		*type = WEIR_BSON_INT64;
		return (8);
	case WEIR_JSON_REAL:
		*type = WEIR_BSON_DOUBLE;
		return (8);
	case WEIR_JSON_BOOL:
		*type = WEIR_BSON_BOOL;
		return (1);
	default:
		*type = WEIR_BSON_NULL;
		return (0);
	}
}

/* A scalar, appended under k unless out is NULL: the types libbson's
 * appends gave them (event_bson.c: weir_json_to_bson). */
static void
append_scalar(struct weir_bsonw *out, const char *k, size_t len,
    const struct weir_json_field *f)
{
	uint8_t	type, *p;
	size_t	n = payload(f, &type);

	if (out == NULL ||
	    (p = weir_bsonw_room(out, WEIR_BSON_ELEM(len) + n)) == NULL)
		return;
	p = weir_bson_put_key(p, type, k, len);
	if (type == WEIR_BSON_UTF8)
		p = weir_bson_put_str(p, f->s, f->len);
	else if (type == WEIR_BSON_INT32)
		p = weir_bson_put_u32(p, (uint32_t)(int32_t)f->i);
	else if (type == WEIR_BSON_INT64)
		p = weir_bson_put_u64(p, (uint64_t)f->i);
	else if (type == WEIR_BSON_DOUBLE)
		p = weir_bson_put_double(p, f->d);
	else if (type == WEIR_BSON_BOOL)
		*p++ = f->i != 0;
	out->len = (size_t)(p - out->p);
}

static int
scan_value(struct scan *s, struct weir_bsonw *out, const char *k, size_t len, int depth,
    struct weir_json_field *f)
{
	struct weir_json_field	tmp;
	int			c = weir_lex_peek(&s->lex);

	if (f == NULL)
		f = &tmp;
	if (c == '{' || c == '[') {
		f->kind = c == '{' ? WEIR_JSON_OBJECT : WEIR_JSON_ARRAY;
		return (scan_container(s, out, k, len, depth, c == '{'));
	}
	if (weir_lex_scalar(&s->lex, f, s->buf->c_locale) == -1)
		return (-1);
	append_scalar(out, k, len, f);
	return (0);
}

int
weir_event_scan(const char *body, size_t len, struct weir_decoded *dec,
    struct weir_scan_buf *buf)
{
	struct scan	s;
	size_t		at;

	memset(dec, 0, sizeof(*dec));
	if (reserve_text(buf, len) == -1)
		return (-1);
	buf->rest.len = 0;
	buf->rest.failed = 0;
	at = weir_bsonw_open(&buf->rest);
	memset(&s, 0, sizeof(s));
	weir_lex_init(&s.lex, body, len, buf->text);
	s.buf = buf;
	s.dec = dec;
	if (weir_lex_peek(&s.lex) != '{')
		return (-1);
	s.lex.p++;
	if (scan_members(&s, NULL, 0) == -1 || weir_lex_peek(&s.lex) != -1)
		return (-1);
	weir_bsonw_close(&buf->rest, at);
	/* Too large for BSON: jansson's path reports it the same way. */
	if (buf->rest.failed)
		return (-1);
	dec->rest = buf->rest.p;
	dec->rest_len = buf->rest.len;
	return (0);
}
