/* deadletter.c - a confirm-mode channel on its own connection, so waiting
 * for confirms never swallows deliveries meant for the consumer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "processor/deadletter.h"

int
weir_deadletter_open(struct weir_deadletter *d, const struct weir_config *cfg,
    const char *name, char *err, size_t len)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	if (weir_amqp_open(&d->amqp, cfg, name, err, len) == -1)
		return (-1);
	amqp_confirm_select(d->amqp.conn, 1);
	if (weir_amqp_reply_ok(amqp_get_rpc_reply(d->amqp.conn),
	    "confirm.select", err, len) == -1) {
		weir_amqp_close(&d->amqp);
		return (-1);
	}
	return (0);
}

void
weir_deadletter_close(struct weir_deadletter *d)
{
	weir_amqp_close(&d->amqp);
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

	if (d->failed || d->amqp.conn == NULL)
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
	rc = amqp_basic_publish(d->amqp.conn, 1,
	    amqp_cstring_bytes(d->cfg->dlx), routing_key, 0, 0, &props, body);
	free(e);
	if (rc != AMQP_STATUS_OK) {
		d->failed = 1;
		return (-1);
	}
	d->published++;
	return (0);
}

static int
handle_confirm(struct weir_deadletter *d, const amqp_frame_t *f)
{
	const amqp_basic_ack_t	*ack;

	if (f->frame_type != AMQP_FRAME_METHOD)
		return (0);
	switch (f->payload.method.id) {
	case AMQP_BASIC_ACK_METHOD:
		ack = f->payload.method.decoded;
		if (ack->delivery_tag > d->confirmed)
			d->confirmed = ack->delivery_tag;
		return (0);
	case AMQP_BASIC_NACK_METHOD:
		return (-1);
	default:
		/* channel.close, connection.close, basic.return: give up. */
		return (-1);
	}
}

int
weir_deadletter_wait(struct weir_deadletter *d, int timeout_ms)
{
	struct timeval	tv;
	amqp_frame_t	f;
	int		rc;

	while (!d->failed && d->confirmed < d->published) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		rc = amqp_simple_wait_frame_noblock(d->amqp.conn, &f, &tv);
		if (rc != AMQP_STATUS_OK || handle_confirm(d, &f) == -1)
			d->failed = 1;
	}
	return (d->failed ? -1 : 0);
}
