/* textbuf.c - append-only text buffer with printf.
 * Grows by doubling; on allocation failure it stops growing and says so. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/textbuf.h"

static int
reserve(struct weir_textbuf *b, size_t extra)
{
	char	*p;

	if (b->oom)
		return (-1);
	if ((p = weir_grow(b->data, &b->cap, b->len + extra + 1, 1024)) == NULL) {
		b->oom = 1;
		return (-1);
	}
	b->data = p;
	return (0);
}

void
weir_textbuf_reset(struct weir_textbuf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
weir_textbuf_free(struct weir_textbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
weir_textbuf_append(struct weir_textbuf *b, const char *s, size_t n)
{
	if ((b->oom || b->len + n + 1 > b->cap) && reserve(b, n) == -1)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

char *
weir_textbuf_room(struct weir_textbuf *b, size_t n)
{
	if ((b->oom || b->len + n + 1 > b->cap) && reserve(b, n) == -1)
		return (NULL);
	return (b->data + b->len);
}

void
weir_textbuf_wrote(struct weir_textbuf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}

void
weir_textbuf_printf(struct weir_textbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
