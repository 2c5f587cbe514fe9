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
	const char	*s;
	size_t		len;

	if (field != NULL) {
		if (!json_is_string(field))
			return (-1);
		s = json_string_value(field);
		len = json_string_length(field);
		if (!weir_id_is_valid(s, len))
			return (-1);
		memcpy(out, s, len);
		out[len] = '\0';
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
