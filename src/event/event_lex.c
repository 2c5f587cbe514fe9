/* event_lex.c - JSON tokens for event_scan.c, checked as strictly as jansson 2.14 checks them.
 * UTF-8 as RFC 3629, escapes with surrogate pairs, no \u0000, int64 integers, finite reals. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_lex.h"

/* Longest number text handed to strtod; longer ones go to jansson. */
#define NUMBER_TEXT_MAX	64
/* Integers up to 2^53 convert to double exactly. */
#define EXACT_INT_MAX	(UINT64_C(1) << 53)

static const double	pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

void
weir_lex_init(struct weir_lex *lx, const char *body, size_t len, char *text)
{
	lx->p = (const unsigned char *)body;
	lx->end = lx->p + len;
	lx->t = text;
}

int
weir_lex_peek(struct weir_lex *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\n' ||
	    *lx->p == '\r' || *lx->p == '\t'))
		lx->p++;
	return (lx->p < lx->end ? *lx->p : -1);
}

/* Length of the valid UTF-8 sequence of 2..4 bytes at p, or 0. */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	uint32_t	cp;
	size_t		n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return (0);
	if ((size_t)(end - p) < n)
		return (0);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

static int
hex4(const unsigned char *p, const unsigned char *end, uint32_t *v)
{
	if (end - p < 4)
		return (-1);
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char	c = p[i];
		uint32_t	d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return (-1);
		*v = *v << 4 | d;
	}
	return (0);
}

static char *
put_utf8(char *t, uint32_t cp)
{
	if (cp < 0x80) {
		*t++ = (char)cp;
	} else if (cp < 0x800) {
		*t++ = (char)(0xc0 | cp >> 6);
		*t++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*t++ = (char)(0xe0 | cp >> 12);
		*t++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*t++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*t++ = (char)(0xf0 | cp >> 18);
		*t++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*t++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*t++ = (char)(0x80 | (cp & 0x3f));
	}
	return (t);
}

/* \uXXXX at p (on the 'u'), with its low surrogate if it is a high one.
 * jansson refuses \u0000 and unpaired surrogates. */
static const unsigned char *
unicode_escape(const unsigned char *p, const unsigned char *end, char **t)
{
	uint32_t	cp, lo;

	if (hex4(p + 1, end, &cp) == -1 || cp == 0 ||
	    (cp >= 0xdc00 && cp <= 0xdfff))
		return (NULL);
	p += 5;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    hex4(p + 2, end, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return (NULL);
		cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
		p += 6;
	}
	*t = put_utf8(*t, cp);
	return (p);
}

/* The escape at p (on the backslash); returns what follows it. */
static const unsigned char *
escape(const unsigned char *p, const unsigned char *end, char **t)
{
	static const char	from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*hit;

	if (++p >= end)
		return (NULL);
	if (*p == 'u')
		return (unicode_escape(p, end, t));
	if (*p == '\0' || (hit = strchr(from, *p)) == NULL)
		return (NULL);
	*(*t)++ = to[hit - from];
	return (p + 1);
}

/* A string with escapes, decoded into the text buffer: start..p holds
 * no escape and is valid already. */
static int
string_escaped(struct weir_lex *lx, const unsigned char *start,
    const unsigned char *p, const char **s, size_t *len)
{
	char	*t0 = lx->t, *t = lx->t + (p - start);
	size_t	n;

	memcpy(t0, start, (size_t)(p - start));

	for (;;) {
		if (p >= lx->end)
			return (-1);
		if (*p == '"')
			break;
		if (*p == '\\') {
			if ((p = escape(p, lx->end, &t)) == NULL)
				return (-1);
		} else if (*p < 0x20) {
			return (-1);
		} else if (*p < 0x80) {
			*t++ = (char)*p++;
		} else {
			if ((n = utf8_seq(p, lx->end)) == 0)
				return (-1);
			memcpy(t, p, n);
			t += n;
			p += n;
		}
	}
	*s = t0;
	*len = (size_t)(t - t0);
	lx->t = t;
	lx->p = p + 1;
	return (0);
}

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

/* 1 when the 8 bytes at p are printable ASCII other than '"' and '\\':
 * the usual run of a string, taken 8 bytes a step ("has a byte less
 * than n" and "has a zero byte" of Bit Twiddling Hacks). */
static int
plain8(const unsigned char *p)
{
	uint64_t	v, q, b;

	memcpy(&v, p, sizeof(v));
	q = v ^ (ONES * '"');
	b = v ^ (ONES * '\\');
	return ((((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) |
	    ((b - ONES) & ~b) | v) & HIGHS) == 0;
}

int
weir_lex_string(struct weir_lex *lx, const char **s, size_t *len)
{
	const unsigned char	*start = lx->p + 1, *p = start;
	size_t			n;

	for (;;) {
		while (lx->end - p >= 8 && plain8(p))
			p += 8;
		if (p >= lx->end)
			return (-1);
		if (*p == '"') {
			*s = (const char *)start;
			*len = (size_t)(p - start);
			lx->p = p + 1;
			return (0);
		}
		if (*p == '\\')
			break;
		if (*p < 0x20)
			return (-1);
		if (*p < 0x80) {
			p++;
		} else {
			if ((n = utf8_seq(p, lx->end)) == 0)
				return (-1);
			p += n;
		}
	}
	return (string_escaped(lx, start, p, s, len));
}

/* The digits of a number, as jansson's lexer delimits them. */
struct number {
	const unsigned char	*start;
	int			neg;
	int			is_real;
	uint64_t		mant;		/* first 19 significant digits */
	int			digits;		/* digits seen, all of them */
	int			exp10;		/* value = mant * 10^exp10 */
};

static const unsigned char *
digits(const unsigned char *p, const unsigned char *end, struct number *n,
    int fraction)
{
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (n->digits++ < 19)
			n->mant = n->mant * 10 + (uint64_t)(*p - '0');
		else if (!fraction)
			n->exp10++;
		if (fraction && n->digits <= 19)
			n->exp10--;
	}
	return (p);
}

static const unsigned char *
exponent(const unsigned char *p, const unsigned char *end, struct number *n)
{
	int	neg = 0, e = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p >= end || *p < '0' || *p > '9')
		return (NULL);
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (e < 100000)
			e = e * 10 + (*p - '0');
	}
	n->exp10 += neg ? -e : e;
	return (p);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const unsigned char *
number_text(const unsigned char *p, const unsigned char *end, struct number *n)
{
	if (p < end && *p == '-')
		n->neg = 1, p++;
	if (p >= end || *p < '0' || *p > '9')
		return (NULL);
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return (NULL);
	} else {
		p = digits(p, end, n, 0);
	}
	if (p < end && *p == '.') {
		n->is_real = 1;
		if (++p >= end || *p < '0' || *p > '9')
			return (NULL);
		p = digits(p, end, n, 1);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		n->is_real = 1;
		p = exponent(p + 1, end, n);
	}
	return (p);
}

/* An integer as strtoll reads it; -1 where jansson reports an overflow. */
static int
to_integer(const struct number *n, struct weir_json_field *f)
{
	if (n->digits > 19 || n->exp10 != 0 ||
	    n->mant > (uint64_t)INT64_MAX + (uint64_t)n->neg)
		return (-1);
	f->kind = WEIR_JSON_INTEGER;
	f->i = n->neg ? (int64_t)(0 - n->mant) : (int64_t)n->mant;
	f->d = (double)f->i;
	return (0);
}

/* A real as strtod reads it (correctly rounded): small mantissas and
 * powers of ten are exact doubles, so one operation rounds once; the
 * rest goes to strtod. -1 on overflow, as jansson. */
static int
to_real(const struct number *n, const unsigned char *end,
    struct weir_json_field *f, locale_t c_locale)
{
	char	text[NUMBER_TEXT_MAX + 1];
	size_t	len = (size_t)(end - n->start);
	double	d;

	if (n->digits <= 19 && n->mant <= EXACT_INT_MAX &&
	    n->exp10 >= -22 && n->exp10 <= 22) {
		d = (double)n->mant;
		d = n->exp10 < 0 ? d / pow10_exact[-n->exp10] :
		    d * pow10_exact[n->exp10];
		d = n->neg ? -d : d;
	} else {
		if (len > NUMBER_TEXT_MAX)
			return (-1);
		memcpy(text, n->start, len);
		text[len] = '\0';
		d = strtod_l(text, NULL, c_locale);
		if (isinf(d))
			return (-1);
	}
	f->kind = WEIR_JSON_REAL;
	f->d = d;
	return (0);
}

static int
number(struct weir_lex *lx, struct weir_json_field *f, locale_t c_locale)
{
	struct number		n;
	const unsigned char	*end;

	memset(&n, 0, sizeof(n));
	n.start = lx->p;
	if ((end = number_text(lx->p, lx->end, &n)) == NULL)
		return (-1);
	if ((n.is_real ? to_real(&n, end, f, c_locale) : to_integer(&n, f)) ==
	    -1)
		return (-1);
	lx->p = end;
	return (0);
}

static int
literal(struct weir_lex *lx, const char *word, size_t len)
{
	if ((size_t)(lx->end - lx->p) < len || memcmp(lx->p, word, len) != 0)
		return (-1);
	lx->p += len;
	return (0);
}

int
weir_lex_scalar(struct weir_lex *lx, struct weir_json_field *f,
    locale_t c_locale)
{
	switch (weir_lex_peek(lx)) {
	case '"':
		f->kind = WEIR_JSON_STRING;
		return (weir_lex_string(lx, &f->s, &f->len));
	case 't':
		f->kind = WEIR_JSON_BOOL;
		f->i = 1;
		return (literal(lx, "true", 4));
	case 'f':
		f->kind = WEIR_JSON_BOOL;
		f->i = 0;
		return (literal(lx, "false", 5));
	case 'n':
		f->kind = WEIR_JSON_NULL;
		return (literal(lx, "null", 4));
	default:
		return (number(lx, f, c_locale));
	}
}
