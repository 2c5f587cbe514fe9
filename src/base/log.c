/* log.c - JSON-lines logger with no allocation.
 * Kore's own plain-text lines go to stderr; see weir.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timestamp.h"

static int	log_fd = 1;
static int	log_min = WEIR_LOG_INFO;

void
weir_log_init(int fd, int min_level)
{
	log_fd = fd;
	log_min = min_level;
}

/* Appends s as a JSON string body (without quotes). */
static size_t
escape(char *out, size_t pos, size_t cap, const char *s)
{
	static const char	hex[] = "0123456789abcdef";

	for (; *s != '\0' && pos + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)c;
		} else if (c < 0x20) {
			memcpy(out + pos, "\\u00", 4);
			out[pos + 4] = hex[c >> 4];
			out[pos + 5] = hex[c & 15];
			pos += 6;
		} else {
			out[pos++] = (char)c;
		}
	}
	return (pos);
}

static size_t
append_raw(char *out, size_t pos, size_t cap, const char *s)
{
	size_t	n = strlen(s);

	if (pos + n >= cap)
		n = cap - pos - 1;
	memcpy(out + pos, s, n);
	return (pos + n);
}

void
weir_log(enum weir_log_level level, const char *msg, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char		line[4096], ts[25];
	const char	*k, *v;
	size_t		pos = 0, cap = sizeof(line) - 2;
	va_list		ap;

	if ((int)level < log_min)
		return;
	weir_ts_format(weir_now_ms(), ts);
	pos = (size_t)snprintf(line, cap, "{\"ts\":\"%s\",\"level\":\"%s\","
	    "\"pid\":%d,\"msg\":\"", ts, names[level], (int)getpid());
	pos = escape(line, pos, cap, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		pos = append_raw(line, pos, cap, "\",\"");
		pos = escape(line, pos, cap, k);
		pos = append_raw(line, pos, cap, "\":\"");
		pos = escape(line, pos, cap, v != NULL ? v : "");
	}
	va_end(ap);
	pos = append_raw(line, pos, cap, "\"}");
	line[pos++] = '\n';
	(void)write(log_fd, line, pos);
}
