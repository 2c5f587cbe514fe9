/* bench/lib/bench.h - what bench/e2e's load tools share: the clock, and with
 * BENCH_AMQP / BENCH_MONGOC defined first their broker and store set-up. */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

/* Epoch milliseconds, as the reports print them. */
static inline double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

#ifdef BENCH_AMQP
#include <stdio.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

/* Connects, logs in (no heartbeats) and opens channel 1. Returns NULL, or
 * what failed (in a static buffer); *out is then unusable. */
static inline const char *
bench_amqp_open(amqp_connection_state_t *out, const char *host, int port,
    const char *user, const char *password, int frame_max)
{
	static char		 why[160];
	amqp_connection_state_t	 c = amqp_new_connection();
	amqp_socket_t		*s = amqp_tcp_socket_new(c);
	int			 rc;

	*out = c;
	if (s == NULL)
		return ("cannot create a socket");
	if ((rc = amqp_socket_open(s, host, port)) != AMQP_STATUS_OK) {
		snprintf(why, sizeof(why), "connect %s:%d: %s", host, port,
		    amqp_error_string2(rc));
		return (why);
	}
	if (amqp_login(c, "/", 0, frame_max, 0, AMQP_SASL_METHOD_PLAIN, user,
	    password).reply_type != AMQP_RESPONSE_NORMAL)
		return ("login failed");
	amqp_channel_open(c, 1);
	if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
		return ("channel.open failed");
	return (NULL);
}
#endif

#ifdef BENCH_MONGOC
#include <mongoc/mongoc.h>

/* Insert options as weir sets them: unordered, w majority when the server
 * says it is a replica set (else 1), wtimeout 10 s. Returns 1 for majority,
 * 0 for w 1, -1 when the server did not answer hello. */
static inline int
bench_insert_opts(mongoc_client_t *c, bson_t *opts)
{
	mongoc_write_concern_t	*wc;
	bson_t			 cmd = BSON_INITIALIZER, reply;
	int			 majority;

	BSON_APPEND_INT32(&cmd, "hello", 1);
	if (!mongoc_client_command_simple(c, "admin", &cmd, NULL, &reply,
	    NULL))
		majority = -1;
	else
		majority = bson_has_field(&reply, "setName");
	bson_destroy(&reply);
	bson_destroy(&cmd);
	if (majority == -1)
		return (-1);
	wc = mongoc_write_concern_new();
	mongoc_write_concern_set_w(wc, majority ?
	    MONGOC_WRITE_CONCERN_W_MAJORITY : 1);
	mongoc_write_concern_set_wtimeout_int64(wc, 10000);
	BSON_APPEND_BOOL(opts, "ordered", false);
	mongoc_write_concern_append(wc, opts);
	mongoc_write_concern_destroy(wc);
	return (majority);
}

/* FerretDB has no endSessions; mongoc warns about it when a client is
 * destroyed. Set as the log handler before that. */
static inline void
bench_quiet_log(mongoc_log_level_t level, const char *domain,
    const char *msg, void *data)
{
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		mongoc_log_default_handler(level, domain, msg, data);
}
#endif

#endif
