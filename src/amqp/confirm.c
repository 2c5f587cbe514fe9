/* confirm.c - publisher confirms on a connection of its own: publish, then
 * read frames until the broker has acked every delivery tag handed out. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "amqp/confirm.h"

int
weir_confirm_open(struct weir_confirm *c, const struct weir_config *cfg,
    const char *name, int declare, char *err, size_t len)
{
	memset(c, 0, sizeof(*c));
	if (weir_amqp_open(&c->amqp, cfg, name, err, len) == -1)
		goto fail;
	if (declare &&
	    weir_amqp_declare_topology(&c->amqp, cfg, err, len) == -1)
		goto fail;
	amqp_confirm_select(c->amqp.conn, 1);
	if (weir_amqp_reply_ok(amqp_get_rpc_reply(c->amqp.conn),
	    "confirm.select", err, len) == -1)
		goto fail;
	return (0);
fail:
	weir_confirm_close(c);
	return (-1);
}

void
weir_confirm_close(struct weir_confirm *c)
{
	weir_amqp_close(&c->amqp);
}

int
weir_confirm_usable(const struct weir_confirm *c)
{
	return (c->amqp.conn != NULL && !c->failed);
}

int
weir_confirm_publish(struct weir_confirm *c, const char *exchange,
    amqp_bytes_t routing_key, int mandatory,
    const amqp_basic_properties_t *props, amqp_bytes_t body)
{
	if (!weir_confirm_usable(c))
		return (-1);
	if (amqp_basic_publish(c->amqp.conn, 1, amqp_cstring_bytes(exchange),
	    routing_key, mandatory, 0, props, body) != AMQP_STATUS_OK) {
		c->failed = 1;
		return (-1);
	}
	c->published++;
	return (0);
}

/* One frame while waiting: an ack moves `confirmed`, a basic.return
 * (its header and body frames follow) marks the batch; a nack or any
 * other method (channel.close, connection.close) fails it. */
static int
on_frame(struct weir_confirm *c, const amqp_frame_t *f, char *err,
    size_t len)
{
	const amqp_basic_ack_t		*ack;
	const amqp_channel_close_t	*ch;

	if (f->frame_type != AMQP_FRAME_METHOD)
		return (0);
	switch (f->payload.method.id) {
	case AMQP_BASIC_ACK_METHOD:
		ack = f->payload.method.decoded;
		if (ack->delivery_tag > c->confirmed)
			c->confirmed = ack->delivery_tag;
		return (0);
	case AMQP_BASIC_RETURN_METHOD:
		c->returned = 1;
		return (0);
	case AMQP_BASIC_NACK_METHOD:
		snprintf(err, len, "the broker refused the events "
		    "(basic.nack)");
		return (-1);
	case AMQP_CHANNEL_CLOSE_METHOD:
		ch = f->payload.method.decoded;
		weir_amqp_describe_close(ch->reply_code, ch->reply_text,
		    "publish", err, len);
		return (-1);
	default:
		snprintf(err, len, "the broker closed the channel");
		return (-1);
	}
}

int
weir_confirm_wait(struct weir_confirm *c, int timeout_ms, char *err,
    size_t len)
{
	struct timeval	tv;
	amqp_frame_t	f;
	int		rc, returned;

	if (c->failed)
		snprintf(err, len, "the connection failed earlier");
	while (!c->failed && c->confirmed < c->published) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		rc = amqp_simple_wait_frame_noblock(c->amqp.conn, &f, &tv);
		if (rc != AMQP_STATUS_OK) {
			snprintf(err, len, "waiting for confirms: %s",
			    amqp_error_string2(rc));
			c->failed = 1;
		} else if (on_frame(c, &f, err, len) == -1) {
			c->failed = 1;
		}
	}
	returned = c->returned;
	c->returned = 0;
	if (c->failed)
		return (WEIR_CONFIRM_FAILED);
	return (returned ? WEIR_CONFIRM_RETURNED : 0);
}
