/* api_publish.c - confirm-mode publishing for POST /v1/events.
 * A broken or idle-dropped connection is reopened once per request; the
 * whole batch is then sent again (ids make redelivery harmless). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp/confirm.h"
#include "api/api_publish.h"

#define CONFIRM_TIMEOUT_MS	5000

struct weir_publisher {
	struct weir_config	cfg;		/* copy: heartbeat off */
	pthread_mutex_t		lock;
	struct weir_confirm	conn;
	int			up;
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
		weir_confirm_close(&p->conn);
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

/* Declares the topology too: an API-only deployment may be the first to
 * reach the broker. */
static int
connect_broker(struct weir_publisher *p, char *err, size_t len)
{
	if (p->up)
		return (0);
	if (weir_confirm_open(&p->conn, &p->cfg, "weir-api-publisher", 1, err,
	    len) == -1)
		return (-1);
	p->up = 1;
	return (0);
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
	/* Mandatory: an event no queue takes is an error, not a 202. */
	return (weir_confirm_publish(&p->conn, p->cfg.exchange,
	    amqp_cstring_bytes(it->routing_key), 1, &props, body));
}

/* A basic.return (mandatory, unroutable) or a nack fails the batch:
 * those events are not queued. */
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
	rc = weir_confirm_wait(&p->conn, CONFIRM_TIMEOUT_MS, err, len);
	if (rc == WEIR_CONFIRM_FAILED)
		drop(p);
	else if (rc == WEIR_CONFIRM_RETURNED)
		snprintf(err, len, "exchange '%s' routes the events to no "
		    "queue", p->cfg.exchange);
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
