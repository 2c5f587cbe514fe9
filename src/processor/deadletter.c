/* deadletter.c - republishes a rejected message with its reason, through
 * the confirm-mode publisher (amqp/confirm.c) on a connection of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "processor/deadletter.h"

int
weir_deadletter_open(struct weir_deadletter *d, const struct weir_config *cfg,
    const char *name, char *err, size_t len)
{
	d->cfg = cfg;
	return (weir_confirm_open(&d->pub, cfg, name, 0, err, len));
}

void
weir_deadletter_close(struct weir_deadletter *d)
{
	weir_confirm_close(&d->pub);
}

static void
set_header(amqp_table_entry_t *e, const char *key, const char *value)
{
	e->key = amqp_cstring_bytes(key);
	e->value.kind = AMQP_FIELD_KIND_UTF8;
	e->value.value.bytes = amqp_cstring_bytes(value);
}

int
weir_deadletter_publish(struct weir_deadletter *d, amqp_bytes_t routing_key,
    const amqp_basic_properties_t *orig, amqp_bytes_t body, const char *reason,
    const char *detail)
{
	amqp_basic_properties_t	props;
	amqp_table_entry_t	*e;
	int			n = 0, kept = 0, rc;

	if (!weir_confirm_usable(&d->pub))
		return (-1);
	props = *orig;
	if (props._flags & AMQP_BASIC_HEADERS_FLAG)
		n = props.headers.num_entries;
	if ((e = calloc((size_t)n + 2, sizeof(*e))) == NULL)
		return (-1);
	/* Earlier x-weir-* headers (a message dead-lettered twice) are replaced. */
	for (int i = 0; i < n; i++) {
		amqp_bytes_t k = props.headers.entries[i].key;
		if (k.len >= 7 && memcmp(k.bytes, "x-weir-", 7) == 0)
			continue;
		e[kept++] = props.headers.entries[i];
	}
	set_header(&e[kept++], "x-weir-error", reason);
	set_header(&e[kept++], "x-weir-detail", detail);
	props.headers.num_entries = kept;
	props.headers.entries = e;
	props._flags |= AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	props.delivery_mode = 2;
	rc = weir_confirm_publish(&d->pub, d->cfg->dlx, routing_key, 0, &props,
	    body);
	free(e);
	return (rc);
}

int
weir_deadletter_wait(struct weir_deadletter *d, int timeout_ms)
{
	char	err[256];

	/* Sent without mandatory: the broker never returns a dead letter. */
	return (weir_confirm_wait(&d->pub, timeout_ms, err, sizeof(err)) ==
	    WEIR_CONFIRM_FAILED ? -1 : 0);
}
