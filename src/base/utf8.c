/* utf8.c - code points of valid UTF-8: every byte but a continuation byte
 * (10xxxxxx) starts one. */
#include "base/utf8.h"

size_t
weir_utf8_length(const char *s, size_t len)
{
	size_t	n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return (n);
}
