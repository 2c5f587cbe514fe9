/* amqp_conn.c - AMQP connection lifecycle and the topology of docs/design.md.
 * Declarations are idempotent, so every (re)connect declares again. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <amqp_tcp_socket.h>

#include "amqp/amqp_conn.h"

#define CONNECT_TIMEOUT_S	5
#define RPC_TIMEOUT_S		3

/* Which permission an operation needs on which kind of object (RabbitMQ's
 * access control table). RabbitMQ 3.x does not say which one it missed:
 * "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'u'";
 * newer ones put the kind first ("write access to ..."), which wins. */
static const struct {
	const char	*op;		/* prefix of `what` */
	const char	*object;	/* "exchange" or "queue" */
	const char	*kind;
} needs[] = {
	{ "declare exchange", "exchange", "configure" },
	{ "declare queue", "queue", "configure" },
	{ "declare queue", "exchange", "write" },	/* its dead-letter exchange */
	{ "bind queue", "queue", "write" },
	{ "bind queue", "exchange", "read" },
	{ "basic.consume", "queue", "read" },
	{ "publish", "exchange", "write" },
};

static const char *
needed_kind(const char *text, const char *access, const char *what)
{
	static const char *const kinds[] = { "configure", "write", "read" };
	const char	*object = access + 11;	/* after " access to " */

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		if ((size_t)(access - text) == strlen(kinds[i]) &&
		    strncmp(text, kinds[i], strlen(kinds[i])) == 0)
			return (kinds[i]);
	}
	for (size_t i = 0; i < sizeof(needs) / sizeof(*needs); i++) {
		if (strncmp(what, needs[i].op, strlen(needs[i].op)) == 0 &&
		    strncmp(object, needs[i].object,
		    strlen(needs[i].object)) == 0)
			return (needs[i].kind);
	}
	return (NULL);
}

static int
describe_refusal(const char *text, const char *what, char *err, size_t len)
{
	const char	*access, *end, *kind;

	if (strncmp(text, "ACCESS_REFUSED - ", 17) != 0)
		return (-1);
	text += 17;
	/* "access to" at the start: the kind is missing, so step back one. */
	access = strncmp(text, "access to ", 10) == 0 ? text - 1 :
	    strstr(text, " access to ");
	end = strstr(text, " refused for user ");
	if (access == NULL || end == NULL || end < access + 11 ||
	    (kind = needed_kind(text, access, what)) == NULL)
		return (-1);
	snprintf(err, len, "%s: permission missing: user %s has no %s "
	    "permission on %.*s (rabbitmqctl set_permissions; "
	    "docs/security.md)", what, end + 18, kind,
	    (int)(end - access - 11), access + 11);
	return (0);
}

void
weir_amqp_describe_close(unsigned code, amqp_bytes_t text, const char *what,
    char *err, size_t len)
{
	char	t[512];

	snprintf(t, sizeof(t), "%.*s", (int)text.len, (const char *)text.bytes);
	if (code == AMQP_ACCESS_REFUSED && describe_refusal(t, what, err,
	    len) == 0)
		return;
	snprintf(err, len, "%s: closed by the broker: %u %s", what, code, t);
}

int
weir_amqp_reply_ok(amqp_rpc_reply_t r, const char *what, char *err,
    size_t len)
{
	amqp_channel_close_t		*ch;
	amqp_connection_close_t		*cn;

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return (0);
	case AMQP_RESPONSE_NONE:
		snprintf(err, len, "%s: missing RPC reply", what);
		break;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		snprintf(err, len, "%s: %s", what,
		    amqp_error_string2(r.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			ch = r.reply.decoded;
			weir_amqp_describe_close(ch->reply_code, ch->reply_text,
			    what, err, len);
		} else if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cn = r.reply.decoded;
			weir_amqp_describe_close(cn->reply_code, cn->reply_text,
			    what, err, len);
		} else {
			snprintf(err, len, "%s: server exception 0x%08x", what,
			    r.reply.id);
		}
		break;
	}
	return (-1);
}

static amqp_socket_t *
make_socket(struct weir_amqp *a, const struct weir_config *cfg, char *err,
    size_t len)
{
	amqp_socket_t	*sock;

	if (cfg->amqp_tls)
		return (weir_amqp_tls_socket(a->conn, cfg, a->tls_why, err,
		    len));
	if ((sock = amqp_tcp_socket_new(a->conn)) == NULL)
		snprintf(err, len, "cannot create TCP socket");
	return (sock);
}

static int
login(struct weir_amqp *a, const struct weir_config *cfg, const char *name,
    char *err, size_t len)
{
	amqp_table_entry_t	prop;
	amqp_table_t		props;
	amqp_rpc_reply_t	r;

	prop.key = amqp_cstring_bytes("connection_name");
	prop.value.kind = AMQP_FIELD_KIND_UTF8;
	prop.value.value.bytes = amqp_cstring_bytes(name);
	props.num_entries = 1;
	props.entries = &prop;
	r = amqp_login_with_properties(a->conn, cfg->amqp_vhost, 0, 131072,
	    cfg->amqp_heartbeat_s, &props, AMQP_SASL_METHOD_PLAIN,
	    cfg->amqp_user, cfg->amqp_password);
	if (weir_amqp_reply_ok(r, "login", err, len) == -1)
		return (-1);
	amqp_channel_open(a->conn, 1);
	return (weir_amqp_reply_ok(amqp_get_rpc_reply(a->conn), "channel.open",
	    err, len));
}

int
weir_amqp_open(struct weir_amqp *a, const struct weir_config *cfg,
    const char *name, char *err, size_t len)
{
	struct timeval	tv = { CONNECT_TIMEOUT_S, 0 };
	struct timeval	rpc = { RPC_TIMEOUT_S, 0 };
	amqp_socket_t	*sock;
	int		rc;

	memset(a, 0, sizeof(*a));
	if ((a->conn = amqp_new_connection()) == NULL) {
		snprintf(err, len, "out of memory");
		return (-1);
	}
	if ((sock = make_socket(a, cfg, err, len)) == NULL) {
		weir_amqp_close(a);
		return (-1);
	}
	amqp_set_handshake_timeout(a->conn, &tv);
	amqp_set_rpc_timeout(a->conn, &rpc);
	rc = amqp_socket_open_noblock(sock, cfg->amqp_host, cfg->amqp_port, &tv);
	if (rc != AMQP_STATUS_OK) {
		snprintf(err, len, "connect %s:%d: %s%s", cfg->amqp_host,
		    cfg->amqp_port, a->tls_why[0] ? "TLS " : "",
		    a->tls_why[0] ? a->tls_why : amqp_error_string2(rc));
		/* Through close, which forgets the handle: the caller closes
		 * again on any failure, and a second destroy is a double free. */
		weir_amqp_close(a);
		return (-1);
	}
	a->open = 1;
	if (login(a, cfg, name, err, len) == -1) {
		weir_amqp_close(a);
		return (-1);
	}
	return (0);
}

/* Closing politely can block on a dead peer; the RPC timeout bounds it. */
void
weir_amqp_close(struct weir_amqp *a)
{
	if (a->conn == NULL)
		return;
	if (a->open)
		amqp_connection_close(a->conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(a->conn);
	a->conn = NULL;
	a->open = 0;
}

static void
table_add(amqp_table_entry_t *e, int *n, const char *key, const char *s,
    int64_t i)
{
	e[*n].key = amqp_cstring_bytes(key);
	if (s != NULL) {
		e[*n].value.kind = AMQP_FIELD_KIND_UTF8;
		e[*n].value.value.bytes = amqp_cstring_bytes(s);
	} else {
		e[*n].value.kind = AMQP_FIELD_KIND_I64;
		e[*n].value.value.i64 = i;
	}
	(*n)++;
}

static int
declare_queue(struct weir_amqp *a, const struct weir_config *cfg,
    const char *name, const char *dlx, char *err, size_t len)
{
	amqp_table_entry_t	e[6];
	amqp_table_t		args;
	char			what[WEIR_NAME_MAX + 32];
	int			n = 0;

	table_add(e, &n, "x-queue-type", cfg->queue_quorum ? "quorum" :
	    "classic", 0);
	if (dlx != NULL) {
		table_add(e, &n, "x-dead-letter-exchange", dlx, 0);
		if (cfg->queue_quorum && cfg->delivery_limit > 0)
			table_add(e, &n, "x-delivery-limit", NULL,
			    cfg->delivery_limit);
	}
	args.num_entries = n;
	args.entries = e;
	amqp_queue_declare(a->conn, 1, amqp_cstring_bytes(name), 0, 1, 0, 0,
	    args);
	snprintf(what, sizeof(what), "declare queue %s", name);
	return (weir_amqp_reply_ok(amqp_get_rpc_reply(a->conn), what, err,
	    len));
}

static int
declare_exchange(struct weir_amqp *a, const char *name, const char *type,
    char *err, size_t len)
{
	char	what[WEIR_NAME_MAX + 32];

	amqp_exchange_declare(a->conn, 1, amqp_cstring_bytes(name),
	    amqp_cstring_bytes(type), 0, 1, 0, 0, amqp_empty_table);
	snprintf(what, sizeof(what), "declare exchange %s", name);
	return (weir_amqp_reply_ok(amqp_get_rpc_reply(a->conn), what, err,
	    len));
}

static int
bind_queue(struct weir_amqp *a, const char *queue, const char *exchange,
    char *err, size_t len)
{
	char	what[2 * WEIR_NAME_MAX + 32];

	amqp_queue_bind(a->conn, 1, amqp_cstring_bytes(queue),
	    amqp_cstring_bytes(exchange), amqp_cstring_bytes("#"),
	    amqp_empty_table);
	snprintf(what, sizeof(what), "bind queue %s to exchange %s", queue,
	    exchange);
	return (weir_amqp_reply_ok(amqp_get_rpc_reply(a->conn), what, err,
	    len));
}

int
weir_amqp_declare_topology(struct weir_amqp *a, const struct weir_config *cfg,
    char *err, size_t len)
{
	if (declare_exchange(a, cfg->exchange, "topic", err, len) == -1 ||
	    declare_exchange(a, cfg->dlx, "topic", err, len) == -1 ||
	    declare_queue(a, cfg, cfg->dead_queue, NULL, err, len) == -1 ||
	    bind_queue(a, cfg->dead_queue, cfg->dlx, err, len) == -1 ||
	    declare_queue(a, cfg, cfg->queue, cfg->dlx, err, len) == -1 ||
	    bind_queue(a, cfg->queue, cfg->exchange, err, len) == -1)
		return (-1);
	return (0);
}

int
weir_amqp_send_heartbeat(struct weir_amqp *a)
{
	amqp_frame_t	f;

	memset(&f, 0, sizeof(f));
	f.frame_type = AMQP_FRAME_HEARTBEAT;
	f.channel = 0;
	return (amqp_send_frame(a->conn, &f) == AMQP_STATUS_OK ? 0 : -1);
}
