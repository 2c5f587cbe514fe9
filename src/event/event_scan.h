/* event_scan.h - a strict JSON reader for event bodies that writes BSON as it reads.
 * It vouches only for bodies jansson reads the same way; for any other it declines. */
#ifndef WEIR_EVENT_SCAN_H
#define WEIR_EVENT_SCAN_H

#include <locale.h>
#include <stddef.h>

#include <bson/bson.h>

#include "event/bson_write.h"
#include "event/event.h"

/* Keys of the objects open at once that duplicate checks can hold. */
#define WEIR_SCAN_KEYS_MAX	256

struct weir_scan_key {
	const char	*s;
	size_t		len;
};

/* What one thread reuses from one body to the next, so that reading a
 * body allocates nothing once warm. */
struct weir_scan_buf {
	struct weir_bsonw	rest;		/* the scanner's `rest` */
	bson_t			*tree_rest;	/* jansson's, when it declines */
	char			*text;		/* decoded strings with escapes */
	size_t			text_cap;
	locale_t		c_locale;	/* numbers parse as in "C" */
	struct weir_scan_key	keys[WEIR_SCAN_KEYS_MAX];
};

int	weir_scan_buf_init(struct weir_scan_buf *);
void	weir_scan_buf_free(struct weir_scan_buf *);

/*
 * Reads body[0..len) as a JSON object into `dec` (its top-level facts) and
 * buf->rest (every other top-level field as BSON). Returns 0, or -1 when it
 * does not vouch for the body: not JSON, or something it leaves to jansson
 * (duplicate keys, \u0000, nesting past WEIR_DATA_DEPTH_MAX, a number out
 * of range, more keys open than WEIR_SCAN_KEYS_MAX, ...). On 0, jansson
 * would have read the same values in the same order.
 */
int	weir_event_scan(const char *body, size_t len, struct weir_decoded *dec,
	    struct weir_scan_buf *buf);

#endif
