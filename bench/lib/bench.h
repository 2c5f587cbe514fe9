/* bench/lib/bench.h - what bench/e2e's load tools share: the clock and (with
 * BENCH_AMQP defined first) an AMQP connection with channel 1 open. */
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

#endif
