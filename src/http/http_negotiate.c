/* http_negotiate.c - Accept-Encoding and If-None-Match parsing.
 * Pure string work, no Kore, so the unit tests can reach every corner. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_negotiate.h"

/* Skips optional white space (OWS) from p. */
static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return (p);
}

/* Length of the list member at p: up to the next comma or the end. */
static size_t
member_len(const char *p)
{
	return (strcspn(p, ","));
}

/* Trims trailing OWS from a member [p, p+len). */
static size_t
trim_len(const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return (len);
}

/* The q of a member's parameters ("gzip;q=0.5" -> 0.5); 1 when absent. */
static double
member_q(const char *params, size_t len)
{
	char		buf[16];
	const char	*q;
	size_t		n;

	for (q = params; q < params + len; q++) {
		if (*q != ';')
			continue;
		q = skip_ows(q + 1);
		if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
			n = strcspn(q + 2, ";,");
			if (n == 0 || n >= sizeof(buf))
				return (0);
			memcpy(buf, q + 2, n);
			buf[n] = '\0';
			return (strtod(buf, NULL));
		}
	}
	return (1);
}

int
weir_accepts_gzip(const char *value)
{
	const char	*p;
	size_t		len, tok;
	double		gzip_q = -1, star_q = -1;

	if (value == NULL)
		return (0);
	for (p = value; *p != '\0'; p += len + (p[len] == ',')) {
		p = skip_ows(p);
		len = member_len(p);
		tok = strcspn(p, ";,");
		tok = trim_len(p, tok);
		if (tok == 4 && strncasecmp(p, "gzip", 4) == 0)
			gzip_q = member_q(p + tok, len - tok);
		else if (tok == 6 && strncasecmp(p, "x-gzip", 6) == 0)
			gzip_q = member_q(p + tok, len - tok);
		else if (tok == 1 && *p == '*')
			star_q = member_q(p + tok, len - tok);
	}
	/* An explicit gzip entry wins over the wildcard. */
	if (gzip_q >= 0)
		return (gzip_q > 0);
	return (star_q > 0);
}

int
weir_etag_matches(const char *value, const char *etag)
{
	const char	*p;
	size_t		len, elen;

	if (value == NULL || etag == NULL)
		return (0);
	elen = strlen(etag);
	for (p = value; *p != '\0'; p += len + (p[len] == ',')) {
		p = skip_ows(p);
		len = member_len(p);
		if (trim_len(p, len) == 1 && *p == '*')
			return (1);
		/* Weak comparison: W/"x" matches "x" for If-None-Match. */
		if (len >= 2 && p[0] == 'W' && p[1] == '/') {
			if (trim_len(p + 2, len - 2) == elen &&
			    memcmp(p + 2, etag, elen) == 0)
				return (1);
		} else if (trim_len(p, len) == elen && memcmp(p, etag, elen) == 0)
			return (1);
	}
	return (0);
}
