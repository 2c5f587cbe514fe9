/* utf8.h - counting the characters of UTF-8 text.
 * Limits on sources, types and query parameters are in code points. */
#ifndef WEIR_UTF8_H
#define WEIR_UTF8_H

#include <stddef.h>

/* Code points in s[0..len), which must already be valid UTF-8. */
size_t	weir_utf8_length(const char *s, size_t len);

#endif
