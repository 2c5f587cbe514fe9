/* fuzz_http.c - libFuzzer target over the request headers weir parses itself:
 * Accept-Encoding (gzip or not) and If-None-Match (is the client's copy fresh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_negotiate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ETAG	"\"0123456789abcdef\""

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;
	int	gz;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	gz = weir_accepts_gzip(s);
	if (gz != 0 && gz != 1)
		abort();
	/* gzip can only be allowed by a header that names it (or "*"). */
	if (gz && strcasestr(s, "gzip") == NULL && strchr(s, '*') == NULL)
		abort();
	if (weir_etag_matches(s, ETAG) && strstr(s, "0123456789abcdef") ==
	    NULL && strchr(s, '*') == NULL)
		abort();
	free(s);
	return (0);
}
