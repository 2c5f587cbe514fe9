/* api_publish.c - confirm-mode publishing for POST /v1/events.
 * A broken or idle-dropped connection is reopened once per request; the
 * whole batch is then sent again (ids make redelivery harmless). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "amqp/amqp_conn.h"
#include "api/api_publish.h"

#define CONFIRM_TIMEOUT_MS	5000

struct weir_publisher {
	struct weir_config	cfg;		/* copy: heartbeat off */
	pthread_mutex_t		lock;
	struct weir_amqp	amqp;
	int			up;
	uint64_t		published;
	uint64_t		confirmed;
};

struct weir_publisher *
weir_publisher_new(const struct weir_config *cfg)
{
	struct weir_publisher	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->cfg = *cfg;
	/* Nobody services heartbeats between requests; a dead connection
	 * is found by the next publish and reopened. */
	p->cfg.amqp_heartbeat_s = 0;
	pthread_mutex_init(&p->lock, NULL);
	return (p);
}

static void
drop(struct weir_publisher *p)
{
	if (p->up)
		weir_amqp_close(&p->amqp);
	p->up = 0;
}

void
weir_publisher_close(struct weir_publisher *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	drop(p);
	pthread_mutex_unlock(&p->lock);
}

static int
connect_broker(struct weir_publisher *p, char *err, size_t len)
{
	if (p->up)
		return (0);
	if (weir_amqp_open(&p->amqp, &p->cfg, "weir-api-publisher", err,
	    len) == -1)
		return (-1);
	p->up = 1;
	p->published = p->confirmed = 0;
	if (weir_amqp_declare_topology(&p->amqp, &p->cfg, err, len) == -1)
		goto fail;
	amqp_confirm_select(p->amqp.conn, 1);
	if (weir_amqp_reply_ok(amqp_get_rpc_reply(p->amqp.conn),
	    "confirm.select", err, len) == -1)
		goto fail;
	return (0);
fail:
	drop(p);
	return (-1);
}

int
weir_publisher_connect(struct weir_publisher *p, char *err, size_t len)
{
	int	rc;

	pthread_mutex_lock(&p->lock);
	rc = connect_broker(p, err, len);
	pthread_mutex_unlock(&p->lock);
	return (rc);
}

static int
publish_one(struct weir_publisher *p, const struct weir_ingest_item *it)
{
	amqp_basic_properties_t	props;
	amqp_bytes_t		body;

	memset(&props, 0, sizeof(props));
	props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG |
	    AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
	    AMQP_BASIC_APP_ID_FLAG;
	props.delivery_mode = 2;
	props.content_type = amqp_cstring_bytes("application/json");
	props.message_id = amqp_cstring_bytes(it->id);
	props.app_id = amqp_cstring_bytes("weir-api");
	body.bytes = it->body;
	body.len = it->len;
	if (amqp_basic_publish(p->amqp.conn, 1,
	    amqp_cstring_bytes(p->cfg.exchange),
	    amqp_cstring_bytes(it->routing_key), 1, 0, &props, body) !=
	    AMQP_STATUS_OK)
		return (-1);
	p->published++;
	return (0);
}

/* Reads frames until every publish is acked. A basic.return (mandatory,
 * unroutable) or a nack fails the batch: those events are not queued. */
static int
wait_confirms(struct weir_publisher *p, char *err, size_t len)
{
	const amqp_basic_ack_t	*ack;
	struct timeval		tv;
	amqp_frame_t		f;
	int			rc, returned = 0;

	while (p->confirmed < p->published) {
		tv.tv_sec = CONFIRM_TIMEOUT_MS / 1000;
		tv.tv_usec = (CONFIRM_TIMEOUT_MS % 1000) * 1000;
		rc = amqp_simple_wait_frame_noblock(p->amqp.conn, &f, &tv);
		if (rc != AMQP_STATUS_OK) {
			snprintf(err, len, "waiting for confirms: %s",
			    amqp_error_string2(rc));
			return (-1);
		}
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;	/* the body of a basic.return */
		switch (f.payload.method.id) {
		case AMQP_BASIC_ACK_METHOD:
			ack = f.payload.method.decoded;
			if (ack->delivery_tag > p->confirmed)
				p->confirmed = ack->delivery_tag;
			break;
		case AMQP_BASIC_RETURN_METHOD:
			returned = 1;
			break;
		case AMQP_BASIC_NACK_METHOD:
			snprintf(err, len, "the broker refused the events "
			    "(basic.nack)");
			return (-1);
		default:
			snprintf(err, len, "the broker closed the channel");
			return (-1);
		}
	}
	if (returned) {
		snprintf(err, len, "exchange '%s' routes the events to no "
		    "queue", p->cfg.exchange);
		return (-2);
	}
	return (0);
}

static int
attempt(struct weir_publisher *p, const struct weir_ingest_item *items,
    size_t n, char *err, size_t len)
{
	int	rc;

	if (connect_broker(p, err, len) == -1)
		return (-1);
	for (size_t i = 0; i < n; i++) {
		if (publish_one(p, &items[i]) == -1) {
			snprintf(err, len, "publish failed: connection lost");
			drop(p);
			return (-1);
		}
	}
	if ((rc = wait_confirms(p, err, len)) == -1)
		drop(p);
	return (rc);
}

int
weir_publisher_send(struct weir_publisher *p,
    const struct weir_ingest_item *items, size_t n, char *err, size_t len)
{
	int	rc, was_up;

	pthread_mutex_lock(&p->lock);
	/* A connection idle since the last request may be dead: one retry,
	 * unless there was no connection to begin with. */
	was_up = p->up;
	if ((rc = attempt(p, items, n, err, len)) == -1 && was_up)
		rc = attempt(p, items, n, err, len);
	pthread_mutex_unlock(&p->lock);
	return (rc == 0 ? 0 : -1);
}
