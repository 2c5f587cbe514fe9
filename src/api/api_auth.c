/* api_auth.c - bearer-token checks that leak neither a token nor its length.
 * Tokens are hashed, and the digests compared with CRYPTO_memcmp. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "api/api_auth.h"

static int
line_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return (0);
	}
	return (1);
}

int
weir_tokens_parse(struct weir_tokens *t, const char *text, size_t len,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl;
	size_t		n;
	int		line = 0;

	memset(t, 0, sizeof(*t));
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0 && p[0] != '#') {
			if (n < WEIR_TOKEN_MIN || n > WEIR_TOKEN_MAX ||
			    !line_ok(p, n)) {
				snprintf(err, errlen, "line %d: a token is %d..%d "
				    "printable ASCII characters without spaces",
				    line, WEIR_TOKEN_MIN, WEIR_TOKEN_MAX);
				return (-1);
			}
			if (t->n == WEIR_TOKENS_MAX) {
				snprintf(err, errlen, "more than %d tokens",
				    WEIR_TOKENS_MAX);
				return (-1);
			}
			SHA256((const unsigned char *)p, n, t->digest[t->n++]);
		}
		p += (nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p));
	}
	if (t->n == 0) {
		snprintf(err, errlen, "no token in the file");
		return (-1);
	}
	return (0);
}

int
weir_tokens_load(struct weir_tokens *t, const char *path, char *err,
    size_t errlen)
{
	char	buf[WEIR_TOKENS_MAX * (WEIR_TOKEN_MAX + 2) + 4096];
	FILE	*fp;
	size_t	n;
	int	rc;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	n = fread(buf, 1, sizeof(buf), fp);
	rc = ferror(fp) || n == sizeof(buf);
	fclose(fp);
	if (rc) {
		snprintf(err, errlen, "%s: unreadable or larger than %zu bytes",
		    path, sizeof(buf) - 1);
		return (-1);
	}
	rc = weir_tokens_parse(t, buf, n, err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return (rc);
}

int
weir_token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char	da[32], db[32];

	SHA256((const unsigned char *)a, alen, da);
	SHA256((const unsigned char *)b, blen, db);
	return (CRYPTO_memcmp(da, db, sizeof(da)) == 0);
}

int
weir_tokens_check(const struct weir_tokens *t, const char *header)
{
	unsigned char	d[32];
	const char	*tok;
	size_t		len;
	int		hit = 0;

	if (header == NULL || t == NULL || t->n == 0 ||
	    strncasecmp(header, "Bearer ", 7) != 0)
		return (0);
	tok = header + 7;
	while (*tok == ' ')
		tok++;
	len = strlen(tok);
	while (len > 0 && tok[len - 1] == ' ')
		len--;
	if (len == 0 || len > WEIR_TOKEN_MAX)
		return (0);
	SHA256((const unsigned char *)tok, len, d);
	for (size_t i = 0; i < t->n; i++)
		hit |= CRYPTO_memcmp(d, t->digest[i], sizeof(d)) == 0;
	return (hit);
}
