/* event_id.c - derives the idempotency key of an event.
 * A deterministic key is what turns at-least-once delivery into exactly-once storage. */
#include <string.h>

#include <openssl/sha.h>

#include "event/event_id.h"

int
weir_id_is_valid(const char *s, size_t len)
{
	if (len < 1 || len > WEIR_ID_MAX)
		return (0);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return (0);
	}
	return (1);
}

void
weir_id_from_body(const char *body, size_t len, char out[65])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)body, len, md);
	for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[i * 2] = hex[md[i] >> 4];
		out[i * 2 + 1] = hex[md[i] & 0x0f];
	}
	out[64] = '\0';
}

int
weir_id_derive(const json_t *field, const struct weir_input *in,
    char out[WEIR_ID_MAX + 1])
{
	struct weir_json_field	f;

	memset(&f, 0, sizeof(f));
	if (field != NULL) {
		/* Any kind but a string is refused alike. */
		f.kind = json_is_string(field) ? WEIR_JSON_STRING :
		    WEIR_JSON_NULL;
		f.s = json_string_value(field);
		f.len = json_string_length(field);
	}
	return (weir_id_pick(&f, in, out));
}

int
weir_id_pick(const struct weir_json_field *f, const struct weir_input *in,
    char out[WEIR_ID_MAX + 1])
{
	if (f->kind != WEIR_JSON_ABSENT) {
		if (f->kind != WEIR_JSON_STRING ||
		    !weir_id_is_valid(f->s, f->len))
			return (-1);
		memcpy(out, f->s, f->len);
		out[f->len] = '\0';
		return (0);
	}
	if (in->message_id != NULL &&
	    weir_id_is_valid(in->message_id, in->message_id_len)) {
		memcpy(out, in->message_id, in->message_id_len);
		out[in->message_id_len] = '\0';
		return (0);
	}
	weir_id_from_body(in->body, in->len, out);
	return (0);
}
