/* bson_write.h - writes BSON bytes directly, for the hot path's documents.
 * libbson's append calls cost ~200 instructions each; these cost a few. */
#ifndef WEIR_BSON_WRITE_H
#define WEIR_BSON_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WEIR_BSON_DOUBLE	0x01
#define WEIR_BSON_UTF8		0x02
#define WEIR_BSON_DOCUMENT	0x03
#define WEIR_BSON_ARRAY		0x04
#define WEIR_BSON_BOOL		0x08
#define WEIR_BSON_DATE_TIME	0x09
#define WEIR_BSON_NULL		0x0a
#define WEIR_BSON_INT32		0x10
#define WEIR_BSON_INT64		0x12

/* Bytes an element takes beside its payload: type, key, NUL. */
#define WEIR_BSON_ELEM(klen)	(1 + (klen) + 1)
/* Bytes a string payload takes: length, bytes, NUL. */
#define WEIR_BSON_STR(n)	(4 + (n) + 1)

/* BSON is little-endian whatever the host; compilers make these one store. */
static inline uint8_t *
weir_bson_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return (p + 4);
}

static inline uint8_t *
weir_bson_put_u64(uint8_t *p, uint64_t v)
{
	p = weir_bson_put_u32(p, (uint32_t)v);
	return (weir_bson_put_u32(p, (uint32_t)(v >> 32)));
}

static inline uint8_t *
weir_bson_put_double(uint8_t *p, double d)
{
	uint64_t	v;

	memcpy(&v, &d, sizeof(v));
	return (weir_bson_put_u64(p, v));
}

/* Type byte and key; the key must hold no NUL. */
static inline uint8_t *
weir_bson_put_key(uint8_t *p, uint8_t type, const char *k, size_t klen)
{
	*p++ = type;
	memcpy(p, k, klen);
	p[klen] = 0;
	return (p + klen + 1);
}

static inline uint8_t *
weir_bson_put_str(uint8_t *p, const char *s, size_t n)
{
	p = weir_bson_put_u32(p, (uint32_t)(n + 1));
	memcpy(p, s, n);
	p[n] = 0;
	return (p + n + 1);
}

/* A growing buffer of BSON; a failed growth sets `failed` and later
 * writes do nothing, so callers check once at the end. */
struct weir_bsonw {
	uint8_t		*p;
	size_t		len;
	size_t		cap;
	int		failed;
};

void	weir_bsonw_free(struct weir_bsonw *);
/* Room for n more bytes at p + len; NULL once failed. */
uint8_t	*weir_bsonw_room(struct weir_bsonw *, size_t n);
/* Opens a document or array: returns where its length goes. */
size_t	weir_bsonw_open(struct weir_bsonw *);
/* Closes what weir_bsonw_open opened at `at`. */
void	weir_bsonw_close(struct weir_bsonw *, size_t at);
/* Element header (type, key) of a container about to be opened. */
void	weir_bsonw_key(struct weir_bsonw *, uint8_t type, const char *k,
	    size_t klen);

#endif
