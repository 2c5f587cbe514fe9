/* fuzz_timestamp.c - libFuzzer target over the RFC 3339 parser of `ts` and
 * the API's `from`/`to`: whatever parses must format and parse back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/timestamp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 0000-01-01 and 10000-01-01: the four-digit years weir_ts_format writes. */
#define YEAR_0_MS	(-62167219200000LL)
#define YEAR_10000_MS	253402300800000LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, buf[25];
	int64_t	ms, again;

	/* An exact-length copy: the parser must not read past len. */
	if ((s = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	if (weir_ts_parse_rfc3339(s, size, &ms) == 0 && ms >= YEAR_0_MS &&
	    ms < YEAR_10000_MS) {
		weir_ts_format(ms, buf);
		if (strlen(buf) != 24 || weir_ts_parse_rfc3339(buf, 24,
		    &again) != 0 || again != ms)
			abort();
	}
	free(s);
	return (0);
}
