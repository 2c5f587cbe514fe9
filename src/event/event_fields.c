/* event_fields.c - the top-level field names the stages treat specially.
 * Both decoders look them up here, so they sort fields the same way. */
#include <string.h>

#include "event/event.h"

const char *const weir_reserved_fields[] = {
	"_id", "received_at", "processed_at", "processor", NULL
};

static int
is(const char *key, size_t len, const char *name, size_t n)
{
	return (len == n && memcmp(key, name, n) == 0);
}

/* Looked up for every top-level key of every event: one switch on the
 * first byte, one comparison. */
int
weir_top_field(const char *k, size_t len)
{
	switch (len > 0 ? k[0] : 0) {
	case 'i':
		return (is(k, len, "id", 2) ? WEIR_TOP_ID : -1);
	case 's':
		return (is(k, len, "source", 6) ? WEIR_TOP_SOURCE : -1);
	case 't':
		if (is(k, len, "type", 4))
			return (WEIR_TOP_TYPE);
		return (is(k, len, "ts", 2) ? WEIR_TOP_TS : -1);
	case 'v':
		return (is(k, len, "value", 5) ? WEIR_TOP_VALUE : -1);
	case 'd':
		return (is(k, len, "data", 4) ? WEIR_TOP_DATA : -1);
	default:
		return (-1);
	}
}

/* Indexes into weir_reserved_fields. */
int
weir_reserved_field(const char *k, size_t len)
{
	switch (len > 0 ? k[0] : 0) {
	case '_':
		return (is(k, len, "_id", 3) ? 0 : -1);
	case 'r':
		return (is(k, len, "received_at", 11) ? 1 : -1);
	case 'p':
		if (is(k, len, "processed_at", 12))
			return (2);
		return (is(k, len, "processor", 9) ? 3 : -1);
	default:
		return (-1);
	}
}
