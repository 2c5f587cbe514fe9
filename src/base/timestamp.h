/* timestamp.h - RFC 3339 and epoch-millisecond timestamps.
 * Pure functions: every time is int64 milliseconds since 1970-01-01T00:00:00Z. */
#ifndef WEIR_TIMESTAMP_H
#define WEIR_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"; 0 on success. */
int	weir_ts_parse_rfc3339(const char *s, size_t len, int64_t *out_ms);

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 chars + NUL) into buf[25];
 * times before year 0 or after 9999 are clamped to those years. */
void	weir_ts_format(int64_t ms, char buf[25]);

/* Nanoseconds from the monotonic clock, for durations. */
uint64_t	weir_mono_ns(void);

/* Milliseconds since the epoch from the realtime clock. */
int64_t	weir_now_ms(void);

#endif
