/* api_auth.h - bearer tokens for the API: loading and constant-time checks.
 * Only SHA-256 digests of the tokens are kept in memory. */
#ifndef WEIR_API_AUTH_H
#define WEIR_API_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define WEIR_TOKEN_MIN		16
#define WEIR_TOKEN_MAX		512
#define WEIR_TOKENS_MAX		64

struct weir_tokens {
	size_t		n;
	uint8_t		digest[WEIR_TOKENS_MAX][32];
};

/* Parses a tokens file's text: one token a line; blank lines and lines
 * starting with '#' are skipped. Returns 0 or -1 with `err` naming the line. */
int	weir_tokens_parse(struct weir_tokens *, const char *text, size_t len,
	    char *err, size_t errlen);
/* Reads and parses the file at `path`. */
int	weir_tokens_load(struct weir_tokens *, const char *path, char *err,
	    size_t errlen);

/* 1 when `header` (the Authorization value, may be NULL) is "Bearer <t>"
 * with a known token. Every token is compared, in constant time. */
int	weir_tokens_check(const struct weir_tokens *, const char *header);

/* Constant-time equality of a and b, whatever their lengths. */
int	weir_token_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
