/* bench/lib/publish.c - fast AMQP load tool for bench/e2e: publish weir events
 * with publisher confirms (many in flight), or consume-and-ack a queue. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#define BENCH_AMQP
#include "bench.h"

static const char *usage_text =
"usage: publish publish|consume|wait|route [options]\n"
"\n"
"  publish   publish -n N persistent events (JSON, --size bytes each) with\n"
"            publisher confirms, --inflight unconfirmed at most\n"
"  consume   consume -n N messages from --queue with --prefetch, acking\n"
"            with 'multiple' every --ack-every deliveries\n"
"  wait      wait until --queue exists and has a consumer (--timeout s)\n"
"  route     declare --exchange (topic, durable) and --queue (durable\n"
"            quorum) and bind the queue with '#': weir's topology\n"
"\n"
"  --host H --port P --user U --password W   broker (127.0.0.1:5672 guest)\n"
"  --exchange X     publish to X (routing key <type>.<source>); empty: the\n"
"                   default exchange with routing key --queue\n"
"  --queue Q        queue name (declared durable quorum with --declare)\n"
"  --declare        declare --queue as a durable quorum queue first\n"
"  -n N             messages (default 1000)\n"
"  --size B         body size in bytes (default 256)\n"
"  --inflight K     unconfirmed publishes at most (default 5000)\n"
"  --prefetch K     consumer prefetch (default 2000)\n"
"  --ack-every K    ack (multiple) every K deliveries (default 500)\n"
"  --sources S      number of sensor-<k> sources (default 10)\n"
"  --id-prefix P    event id prefix (default: bench-<pid>)\n"
"  --timeout S      for wait (default 60)\n"
"\n"
"Prints key=value lines: start_ms, end_ms (epoch ms), seconds, rate;\n"
"publish also body_bytes and cpu_s (its own user + system CPU seconds).\n";

static struct {
	const char	*host, *user, *password, *exchange, *queue, *id_prefix;
	int		 port, declare, size, inflight, prefetch, ack_every;
	int		 sources, timeout;
	long		 n;
} opt = {
	"127.0.0.1", "guest", "guest", "", "", NULL,
	5672, 0, 256, 5000, 2000, 500, 10, 60, 1000
};

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "publish: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* User + system CPU seconds this process used so far. */
static double
cpu_s(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static void
check_rpc(amqp_connection_state_t c, const char *what)
{
	amqp_rpc_reply_t	r = amqp_get_rpc_reply(c);

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		die("%s: %s", what, amqp_error_string2(r.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			amqp_channel_close_t *m = r.reply.decoded;
			die("%s: channel closed: %d %.*s", what, m->reply_code,
			    (int)m->reply_text.len, (char *)m->reply_text.bytes);
		}
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *m = r.reply.decoded;
			die("%s: connection closed: %d %.*s", what,
			    m->reply_code, (int)m->reply_text.len,
			    (char *)m->reply_text.bytes);
		}
		die("%s: server exception 0x%08x", what, r.reply.id);
		break;
	default:
		die("%s: no reply", what);
	}
}

static amqp_connection_state_t
connect_broker(void)
{
	amqp_connection_state_t	 c;
	const char		*err;

	err = bench_amqp_open(&c, opt.host, opt.port, opt.user, opt.password,
	    1 << 20);
	if (err != NULL)
		die("%s", err);
	return (c);
}

static void
close_broker(amqp_connection_state_t c)
{
	amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
}

static void
declare_quorum(amqp_connection_state_t c)
{
	amqp_table_entry_t	e[1];
	amqp_table_t		args;

	e[0].key = amqp_cstring_bytes("x-queue-type");
	e[0].value.kind = AMQP_FIELD_KIND_UTF8;
	e[0].value.value.bytes = amqp_cstring_bytes("quorum");
	args.num_entries = 1;
	args.entries = e;
	amqp_queue_declare(c, 1, amqp_cstring_bytes(opt.queue), 0, 1, 0, 0,
	    args);
	check_rpc(c, "queue.declare");
}

/* One valid weir event of exactly opt.size bytes (padding in data.pad). */
static size_t
make_body(char *buf, size_t cap, long i)
{
	char	head[256];
	int	hl, pad;
	double	value = 20.0 + (double)(i % 1000) / 100.0;

	hl = snprintf(head, sizeof(head), "{\"id\":\"%s-%ld\",\"source\":"
	    "\"sensor-%ld\",\"type\":\"temperature\",\"ts\":%.0f,\"value\":"
	    "%.2f,\"data\":{\"unit\":\"celsius\",\"seq\":%ld,\"pad\":\"",
	    opt.id_prefix, i, i % opt.sources, now_ms(), value, i);
	pad = opt.size - hl - 3;	/* closing "}} */
	if (pad < 0)
		pad = 0;
	if ((size_t)(hl + pad + 3) >= cap)
		die("body too large");
	memcpy(buf, head, (size_t)hl);
	memset(buf + hl, 'x', (size_t)pad);
	memcpy(buf + hl + pad, "\"}}", 3);
	return ((size_t)(hl + pad + 3));
}

struct confirms {
	unsigned char	*acked;		/* by delivery tag, 1..n */
	long		 low;		/* every tag below is acked */
	long		 count, nacks;
};

static void
mark(struct confirms *cf, uint64_t tag, int multiple, int nack)
{
	long	t = (long)tag;

	if (t < 1 || t > opt.n)
		die("confirm for unknown delivery tag %" PRIu64, tag);
	if (multiple) {
		for (long k = cf->low; k <= t; k++) {
			if (!cf->acked[k]) {
				cf->acked[k] = 1;
				cf->count++;
				cf->nacks += nack;
			}
		}
	} else if (!cf->acked[t]) {
		cf->acked[t] = 1;
		cf->count++;
		cf->nacks += nack;
	}
	while (cf->low <= opt.n && cf->acked[cf->low])
		cf->low++;
}

/* Reads one frame (blocking when tv is NULL); 0 when none was there. */
static int
read_confirm(amqp_connection_state_t c, struct confirms *cf,
    struct timeval *tv)
{
	amqp_frame_t	f;
	int		rc;

	rc = amqp_simple_wait_frame_noblock(c, &f, tv);
	if (rc == AMQP_STATUS_TIMEOUT)
		return (0);
	if (rc != AMQP_STATUS_OK)
		die("reading confirms: %s", amqp_error_string2(rc));
	if (f.frame_type != AMQP_FRAME_METHOD)
		return (1);
	switch (f.payload.method.id) {
	case AMQP_BASIC_ACK_METHOD: {
		amqp_basic_ack_t *a = f.payload.method.decoded;
		mark(cf, a->delivery_tag, a->multiple, 0);
		break;
	}
	case AMQP_BASIC_NACK_METHOD: {
		amqp_basic_nack_t *a = f.payload.method.decoded;
		mark(cf, a->delivery_tag, a->multiple, 1);
		break;
	}
	case AMQP_BASIC_RETURN_METHOD:
		die("message returned (unroutable)");
		break;
	case AMQP_CHANNEL_CLOSE_METHOD: {
		amqp_channel_close_t *m = f.payload.method.decoded;
		die("channel closed: %d %.*s", m->reply_code,
		    (int)m->reply_text.len, (char *)m->reply_text.bytes);
		break;
	}
	case AMQP_CONNECTION_CLOSE_METHOD:
		die("connection closed by broker");
		break;
	default:
		break;
	}
	amqp_maybe_release_buffers(c);
	return (1);
}

static void
do_publish(void)
{
	amqp_connection_state_t	 c = connect_broker();
	amqp_basic_properties_t	 props;
	struct confirms		 cf = { NULL, 1, 0, 0 };
	struct timeval		 zero = { 0, 0 };
	char			 body[65536], rk[128];
	double			 t0, t1;
	long			 sent = 0;
	size_t			 len;
	int			 rc;

	if (opt.declare)
		declare_quorum(c);
	amqp_confirm_select(c, 1);
	check_rpc(c, "confirm.select");
	if ((cf.acked = calloc((size_t)opt.n + 2, 1)) == NULL)
		die("out of memory");
	memset(&props, 0, sizeof(props));
	props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG |
	    AMQP_BASIC_DELIVERY_MODE_FLAG;
	props.content_type = amqp_cstring_bytes("application/json");
	props.delivery_mode = 2;

	t0 = now_ms();
	while (cf.count < opt.n) {
		while (sent < opt.n && sent - cf.count < opt.inflight) {
			len = make_body(body, sizeof(body), sent);
			if (opt.exchange[0] != '\0')
				snprintf(rk, sizeof(rk), "temperature.sensor-%ld",
				    sent % opt.sources);
			else
				snprintf(rk, sizeof(rk), "%s", opt.queue);
			rc = amqp_basic_publish(c, 1,
			    amqp_cstring_bytes(opt.exchange),
			    amqp_cstring_bytes(rk), 0, 0, &props,
			    (amqp_bytes_t){ len, body });
			if (rc != AMQP_STATUS_OK)
				die("basic.publish: %s", amqp_error_string2(rc));
			sent++;
			/* Take in whatever confirms have arrived already. */
			if ((sent & 255) == 0)
				while (read_confirm(c, &cf, &zero))
					;
		}
		/* Window full or all sent: wait for at least one frame. */
		read_confirm(c, &cf, NULL);
		while (read_confirm(c, &cf, &zero))
			;
	}
	t1 = now_ms();
	printf("body_bytes=%zu\ncpu_s=%.2f\n", make_body(body, sizeof(body),
	    opt.n - 1), cpu_s());
	printf("published=%ld\nnacked=%ld\nstart_ms=%.3f\nend_ms=%.3f\n"
	    "seconds=%.3f\nrate=%.0f\n", sent, cf.nacks, t0, t1,
	    (t1 - t0) / 1e3, (double)sent / ((t1 - t0) / 1e3));
	free(cf.acked);
	close_broker(c);
	if (cf.nacks > 0)
		die("%ld publishes were nacked", cf.nacks);
}

static void
do_consume(void)
{
	amqp_connection_state_t	 c = connect_broker();
	amqp_envelope_t		 env;
	amqp_rpc_reply_t	 r;
	double			 t0, t1;
	long			 got = 0, unacked = 0;
	uint64_t		 last = 0;

	amqp_basic_qos(c, 1, 0, (uint16_t)opt.prefetch, 0);
	check_rpc(c, "basic.qos");
	t0 = now_ms();
	amqp_basic_consume(c, 1, amqp_cstring_bytes(opt.queue),
	    amqp_cstring_bytes("bench-consumer"), 0, 0, 0, amqp_empty_table);
	check_rpc(c, "basic.consume");
	while (got < opt.n) {
		amqp_maybe_release_buffers(c);
		r = amqp_consume_message(c, &env, NULL, 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			die("consume: %s", r.reply_type ==
			    AMQP_RESPONSE_LIBRARY_EXCEPTION ?
			    amqp_error_string2(r.library_error) :
			    "server exception");
		last = env.delivery_tag;
		amqp_destroy_envelope(&env);
		got++;
		if (++unacked >= opt.ack_every || got == opt.n) {
			if (amqp_basic_ack(c, 1, last, 1) != AMQP_STATUS_OK)
				die("basic.ack failed");
			unacked = 0;
		}
	}
	/* A synchronous round trip: the broker has handled the last ack. */
	amqp_basic_qos(c, 1, 0, (uint16_t)opt.prefetch, 0);
	check_rpc(c, "basic.qos");
	t1 = now_ms();
	printf("consumed=%ld\nstart_ms=%.3f\nend_ms=%.3f\nseconds=%.3f\n"
	    "rate=%.0f\n", got, t0, t1, (t1 - t0) / 1e3,
	    (double)got / ((t1 - t0) / 1e3));
	close_broker(c);
}

/* weir's topology for a consumer that does not declare one itself. */
static void
do_route(void)
{
	amqp_connection_state_t	c = connect_broker();

	amqp_exchange_declare(c, 1, amqp_cstring_bytes(opt.exchange),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	check_rpc(c, "exchange.declare");
	declare_quorum(c);
	amqp_queue_bind(c, 1, amqp_cstring_bytes(opt.queue),
	    amqp_cstring_bytes(opt.exchange), amqp_cstring_bytes("#"),
	    amqp_empty_table);
	check_rpc(c, "queue.bind");
	close_broker(c);
}

/* Passive declares until the queue exists with a consumer: a failed passive
 * declare closes the channel, so each attempt uses a fresh connection. */
static void
do_wait(void)
{
	double	deadline = now_ms() + opt.timeout * 1e3;

	for (;;) {
		amqp_connection_state_t	 c = connect_broker();
		amqp_queue_declare_ok_t	*ok;

		ok = amqp_queue_declare(c, 1, amqp_cstring_bytes(opt.queue), 1,
		    0, 0, 0, amqp_empty_table);
		if (ok != NULL && ok->consumer_count > 0) {
			printf("consumers=%u\n", ok->consumer_count);
			close_broker(c);
			return;
		}
		amqp_connection_close(c, AMQP_REPLY_SUCCESS);
		amqp_destroy_connection(c);
		if (now_ms() > deadline)
			die("queue %s has no consumer after %d s", opt.queue,
			    opt.timeout);
		usleep(100000);
	}
}

int
main(int argc, char **argv)
{
	static char		 prefix[64];
	static struct option	 longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'w' },
		{ "exchange", required_argument, NULL, 'x' },
		{ "queue", required_argument, NULL, 'q' },
		{ "declare", no_argument, NULL, 'D' },
		{ "size", required_argument, NULL, 's' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "prefetch", required_argument, NULL, 'p' },
		{ "ack-every", required_argument, NULL, 'a' },
		{ "sources", required_argument, NULL, 'S' },
		{ "id-prefix", required_argument, NULL, 'I' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*mode;
	int		 ch;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return (argc < 2 ? 2 : 0);
	}
	mode = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': opt.host = optarg; break;
		case 'P': opt.port = atoi(optarg); break;
		case 'u': opt.user = optarg; break;
		case 'w': opt.password = optarg; break;
		case 'x': opt.exchange = optarg; break;
		case 'q': opt.queue = optarg; break;
		case 'D': opt.declare = 1; break;
		case 's': opt.size = atoi(optarg); break;
		case 'i': opt.inflight = atoi(optarg); break;
		case 'p': opt.prefetch = atoi(optarg); break;
		case 'a': opt.ack_every = atoi(optarg); break;
		case 'S': opt.sources = atoi(optarg); break;
		case 'I': opt.id_prefix = optarg; break;
		case 't': opt.timeout = atoi(optarg); break;
		case 'n': opt.n = atol(optarg); break;
		case 'h': fputs(usage_text, stdout); return (0);
		default: fputs(usage_text, stderr); return (2);
		}
	}
	if (opt.n < 1 || opt.inflight < 1 || opt.prefetch < 1 ||
	    opt.prefetch > 65535 || opt.ack_every < 1 || opt.sources < 1 ||
	    opt.size < 64 || opt.size > 65000)
		die("bad option value (see --help)");
	if (opt.id_prefix == NULL) {
		snprintf(prefix, sizeof(prefix), "bench-%ld", (long)getpid());
		opt.id_prefix = prefix;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "publish") == 0) {
		if (opt.exchange[0] == '\0' && opt.queue[0] == '\0')
			die("publish needs --exchange or --queue");
		do_publish();
	} else if (strcmp(mode, "consume") == 0) {
		if (opt.queue[0] == '\0')
			die("consume needs --queue");
		do_consume();
	} else if (strcmp(mode, "wait") == 0) {
		if (opt.queue[0] == '\0')
			die("wait needs --queue");
		do_wait();
	} else if (strcmp(mode, "route") == 0) {
		if (opt.exchange[0] == '\0' || opt.queue[0] == '\0')
			die("route needs --exchange and --queue");
		do_route();
	} else {
		fputs(usage_text, stderr);
		return (2);
	}
	return (0);
}
