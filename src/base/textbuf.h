/* textbuf.h - a growable text buffer for rendering responses.
 * Reused between renders so a scrape allocates only when it grows. */
#ifndef WEIR_TEXTBUF_H
#define WEIR_TEXTBUF_H

#include <stddef.h>

struct weir_textbuf {
	char	*data;
	size_t	len;
	size_t	cap;
	int	oom;		/* an append failed; contents are truncated */
};

void	weir_textbuf_reset(struct weir_textbuf *);
void	weir_textbuf_free(struct weir_textbuf *);
void	weir_textbuf_append(struct weir_textbuf *, const char *, size_t);
/* Room for n more bytes at data + len, or NULL (oom set); the caller
 * writes them and counts what it wrote with weir_textbuf_wrote. */
char	*weir_textbuf_room(struct weir_textbuf *, size_t n);
void	weir_textbuf_wrote(struct weir_textbuf *, size_t n);
void	weir_textbuf_printf(struct weir_textbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
