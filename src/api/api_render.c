/* api_render.c - stored event documents straight from BSON to the API's JSON
 * text; the rules are api_json.c's tree path, which stays the reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "api/api_render.h"
#include "base/timestamp.h"

/* The tree path turns anything nested deeper than this into null. */
#define DEPTH_MAX	64

struct render {
	struct weir_textbuf	*b;
	int			 redo;	/* a repeated key: only the tree path
					 * keeps jansson's first-place, last-value */
};

static void	value(struct render *, const bson_iter_t *, int depth);

static void
put(struct render *r, const char *s, size_t n)
{
	weir_textbuf_append(r->b, s, n);
}

/* jansson's json_stringn check: what it refuses the tree path shows as null. */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] < 0xc2 || s[i] > 0xf4)
			return (0);
		n = s[i] < 0xe0 ? 2 : s[i] < 0xf0 ? 3 : 4;
		if (n > len - i)
			return (0);
		cp = s[i] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
			return (0);
		i += n;
	}
	return (1);
}

static void
integer(struct render *r, int64_t v)
{
	char		buf[21], *p = buf + sizeof(buf);
	uint64_t	u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	put(r, p, (size_t)(buf + sizeof(buf) - p));
}

static void
two(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* 1000-01-01 and 10000-01-01 UTC: strftime's %Y has four digits between. */
#define DATE_MIN_MS	(-30610224000000LL)
#define DATE_END_MS	253402300800000LL

size_t
weir_render_date(int64_t ms, char buf[25])
{
	int64_t		rem, secs, z, era, doe, yoe, doy, mp, y;
	int		month;

	if (ms < DATE_MIN_MS || ms >= DATE_END_MS) {
		weir_ts_format(ms, buf);
		return (strlen(buf));
	}
	/* Days to civil date: H. Hinnant's days_from_civil, inverted. */
	rem = ((ms % 86400000) + 86400000) % 86400000;
	z = (ms - rem) / 86400000 + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	month = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = yoe + era * 400 + (month <= 2);
	secs = rem / 1000;
	two(buf, (int)(y / 100));
	two(buf + 2, (int)(y % 100));
	buf[4] = '-';
	two(buf + 5, month);
	buf[7] = '-';
	two(buf + 8, (int)(doy - (153 * mp + 2) / 5 + 1));
	buf[10] = 'T';
	two(buf + 11, (int)(secs / 3600));
	buf[13] = ':';
	two(buf + 14, (int)(secs / 60 % 60));
	buf[16] = ':';
	two(buf + 17, (int)(secs % 60));
	buf[19] = '.';
	buf[20] = (char)('0' + rem % 1000 / 100);
	two(buf + 21, (int)(rem % 100));
	buf[23] = 'Z';
	buf[24] = '\0';
	return (24);
}

/* Bytes below 0x20 or from 0x80, '"' or '\\' in the 8 bytes of w (SWAR). */
static uint64_t
special8(uint64_t w)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	uint64_t	q = w ^ (ones * '"'), bs = w ^ (ones * '\\');

	return ((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
	    ((bs - ones) & ~bs)) & high);
}

static void
string(struct render *r, const char *s, uint32_t len)
{
	uint32_t	i = 0;
	uint64_t	w;
	char		*p;

	/* Most stored text is plain ASCII: copied as it is. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if (special8(w) != 0)
			break;
	}
	while (i < len && (unsigned char)s[i] >= 0x20 &&
	    (unsigned char)s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	if (i == len && (p = weir_textbuf_room(r->b, (size_t)len + 2)) !=
	    NULL) {
		p[0] = '"';
		memcpy(p + 1, s, len);
		p[len + 1] = '"';
		weir_textbuf_wrote(r->b, (size_t)len + 2);
	} else if (i < len && utf8_valid((const unsigned char *)s, len))
		weir_json_string(r->b, s, len);
	else if (i < len)
		put(r, "null", 4);
}

static void
scalar(struct render *r, const bson_iter_t *it)
{
	char		num[WEIR_JSON_DOUBLE_MAX];
	const char	*s;
	uint32_t	len;
	double		d;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8:
		s = bson_iter_utf8(it, &len);
		string(r, s, len);
		break;
	case BSON_TYPE_INT32:
		integer(r, bson_iter_int32(it));
		break;
	case BSON_TYPE_INT64:
		integer(r, bson_iter_int64(it));
		break;
	case BSON_TYPE_DOUBLE:
		/* json_real refuses NaN and infinities. */
		if (isfinite(d = bson_iter_double(it)))
			put(r, num, weir_json_double(d, num));
		else
			put(r, "null", 4);
		break;
	case BSON_TYPE_BOOL:
		if (bson_iter_bool(it))
			put(r, "true", 4);
		else
			put(r, "false", 5);
		break;
	case BSON_TYPE_DATE_TIME:
		/* The fallback's strftime may leave bytes json_string refuses. */
		len = (uint32_t)weir_render_date(bson_iter_date_time(it), num);
		string(r, num, len);
		break;
	case BSON_TYPE_OID:
		bson_oid_to_string(bson_iter_oid(it), num);
		put(r, "\"", 1);
		put(r, num, 24);
		put(r, "\"", 1);
		break;
	default:
		put(r, "null", 4);
		break;
	}
}

/* The key as the tree path names it: the top level's `_id` is `id`. */
static const char *
key_name(const bson_iter_t *it, int top)
{
	const char	*k = bson_iter_key(it);

	return (top && k[0] == '_' && strcmp(k, "_id") == 0 ? "id" : k);
}

/* 1 when key k (at `it`) was seen before in its document. A 64-bit mask
 * of (length, first and last byte) keeps the look-back for the rare
 * candidate; it is exact for the fields weir writes. */
static int
repeated(const bson_iter_t *start, const bson_iter_t *it, const char *k,
    size_t len, int top, uint64_t *seen)
{
	unsigned char	last = len > 0 ? (unsigned char)k[len - 1] : 0;
	uint64_t	bit = 1ULL << ((len + (unsigned char)k[0] + last) & 63);
	bson_iter_t	prev = *start;

	if ((*seen & bit) == 0) {
		*seen |= bit;
		return (0);
	}
	while (bson_iter_next(&prev) && bson_iter_key(&prev) !=
	    bson_iter_key(it)) {
		if (strcmp(key_name(&prev, top), k) == 0)
			return (1);
	}
	return (0);
}

static void
object(struct render *r, const bson_iter_t *start, int depth)
{
	bson_iter_t	it = *start;
	uint64_t	seen = 0;
	const char	*k;
	size_t		len;
	int		n = 0;

	put(r, "{", 1);
	while (!r->redo && bson_iter_next(&it)) {
		k = key_name(&it, depth == 0);
		len = strlen(k);
		if (repeated(start, &it, k, len, depth == 0, &seen)) {
			r->redo = 1;
			return;
		}
		if (n++ > 0)
			put(r, ",", 1);
		weir_json_string(r->b, k, len);
		put(r, ":", 1);
		value(r, &it, depth);
	}
	put(r, "}", 1);
}

static void
array(struct render *r, const bson_iter_t *start, int depth)
{
	bson_iter_t	it = *start;
	int		n = 0;

	put(r, "[", 1);
	while (!r->redo && bson_iter_next(&it)) {
		if (n++ > 0)
			put(r, ",", 1);
		value(r, &it, depth);
	}
	put(r, "]", 1);
}

/* `depth` counts as value_json's does: top-level fields are at 0. */
static void
value(struct render *r, const bson_iter_t *it, int depth)
{
	bson_iter_t	child;
	bson_type_t	t = bson_iter_type(it);

	if (depth > DEPTH_MAX) {
		put(r, "null", 4);
		return;
	}
	if (t != BSON_TYPE_DOCUMENT && t != BSON_TYPE_ARRAY) {
		scalar(r, it);
		return;
	}
	if (!bson_iter_recurse(it, &child))
		put(r, t == BSON_TYPE_ARRAY ? "[]" : "{}", 2);
	else if (t == BSON_TYPE_ARRAY)
		array(r, &child, depth + 1);
	else
		object(r, &child, depth + 1);
}

/* The tree path, for the documents it alone renders right. */
static void
render_tree(struct weir_textbuf *b, const bson_t *doc)
{
	json_t	*o = weir_event_doc_json(doc);
	char	*s = o != NULL ? weir_json_dumps(o) : NULL;

	json_decref(o);
	if (s == NULL) {
		b->oom = 1;
		return;
	}
	weir_textbuf_append(b, s, strlen(s));
	free(s);
}

void
weir_event_doc_render(struct weir_textbuf *b, const bson_t *doc)
{
	struct render	r = { b, 0 };
	bson_iter_t	it;
	size_t		start = b->len;

	if (!bson_iter_init(&it, doc)) {
		put(&r, "{}", 2);
		return;
	}
	object(&r, &it, 0);
	if (!r.redo)
		return;
	b->len = start;
	if (b->data != NULL)
		b->data[start] = '\0';
	render_tree(b, doc);
}
