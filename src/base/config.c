/* config.c - weir's settings: one table of variables, flags and defaults,
 * the --help text made from it, and URIs made fit for logs. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "base/config_priv.h"

const struct weir_option_def weir_config_options[O_COUNT] = {
	[O_ROLE] = { "WEIR_ROLE", "role", "all", 0,
	    "all | processor | api" },
	[O_HTTP_ADDR] = { "WEIR_HTTP_ADDR", "http-addr", "0.0.0.0:8080", 0,
	    "HTTP listen address host:port" },
	[O_WORKERS] = { "WEIR_WORKERS", "workers", "1", 0,
	    "Kore worker processes (1..16)" },
	[O_RMQ_URL] = { "RABBITMQ_URL", "rabbitmq-url", NULL, 1,
	    "amqp[s]://user:pass@host:port/vhost; wins over the parts" },
	[O_RMQ_HOST] = { "RABBITMQ_HOST", "rabbitmq-host", "localhost", 0,
	    "RabbitMQ host" },
	[O_RMQ_PORT] = { "RABBITMQ_PORT", "rabbitmq-port", "5672", 0,
	    "RabbitMQ port" },
	[O_RMQ_USER] = { "RABBITMQ_USERNAME", "rabbitmq-username", NULL, 1,
	    "RabbitMQ user (required without RABBITMQ_URL)" },
	[O_RMQ_PASSWORD] = { "RABBITMQ_PASSWORD", "rabbitmq-password", NULL, 1,
	    "RabbitMQ password (required without RABBITMQ_URL)" },
	[O_RMQ_VHOST] = { "RABBITMQ_VHOST", "rabbitmq-vhost", "/", 0,
	    "RabbitMQ virtual host" },
	[O_RMQ_TLS] = { "RABBITMQ_TLS", "rabbitmq-tls", "auto", 0,
	    "auto (on for amqps:// URLs) | on | off" },
	[O_RMQ_CA] = { "RABBITMQ_CA_FILE", "rabbitmq-ca-file", NULL, 0,
	    "PEM CA certificates to trust (default: the system's)" },
	[O_RMQ_CERT] = { "RABBITMQ_CERT_FILE", "rabbitmq-cert-file", NULL, 0,
	    "PEM client certificate (with RABBITMQ_KEY_FILE)" },
	[O_RMQ_KEY] = { "RABBITMQ_KEY_FILE", "rabbitmq-key-file", NULL, 0,
	    "PEM private key of the client certificate" },
	[O_RMQ_VERIFY_HOST] = { "RABBITMQ_TLS_VERIFY_HOSTNAME",
	    "rabbitmq-tls-verify-hostname", "on", 0,
	    "on | off: the certificate must name RABBITMQ_HOST" },
	[O_HEARTBEAT] = { "WEIR_AMQP_HEARTBEAT_S", "amqp-heartbeat-s", "30", 0,
	    "AMQP heartbeat in seconds (0 disables)" },
	[O_EXCHANGE] = { "WEIR_AMQP_EXCHANGE", "amqp-exchange", "events", 0,
	    "topic exchange events are published to" },
	[O_QUEUE] = { "WEIR_AMQP_QUEUE", "amqp-queue", "events.process", 0,
	    "queue the processors consume" },
	[O_DLX] = { "WEIR_AMQP_DLX", "amqp-dlx", "events.dlx", 0,
	    "dead-letter exchange" },
	[O_DEAD_QUEUE] = { "WEIR_AMQP_DEAD_QUEUE", "amqp-dead-queue",
	    "events.dead", 0, "dead-letter queue" },
	[O_QUEUE_TYPE] = { "WEIR_AMQP_QUEUE_TYPE", "amqp-queue-type", "quorum",
	    0, "quorum | classic" },
	[O_DELIVERY_LIMIT] = { "WEIR_AMQP_DELIVERY_LIMIT",
	    "amqp-delivery-limit", "20", 0,
	    "quorum queue x-delivery-limit (0 = unlimited)" },
	[O_CONSUMERS] = { "WEIR_CONSUMERS", "consumers", "2", 0,
	    "consumer threads per worker (1..64)" },
	[O_PREFETCH] = { "WEIR_PREFETCH", "prefetch", "6000", 0,
	    "unacked messages per consumer (1..65535, >= batch size)" },
	[O_BATCH_SIZE] = { "WEIR_BATCH_SIZE", "batch-size", "500", 0,
	    "events per MongoDB bulk write (1..10000)" },
	[O_BATCH_TIMEOUT] = { "WEIR_BATCH_TIMEOUT_MS", "batch-timeout-ms",
	    "50", 0, "flush a partial batch after this many ms (1..60000)" },
	[O_MONGO_URI] = { "MONGODB_URI", "mongodb-uri", NULL, 1,
	    "mongodb://...; wins over the parts" },
	[O_MONGO_HOST] = { "MONGODB_HOST", "mongodb-host", "localhost:27017",
	    0, "host[:port][,host[:port]...]" },
	[O_MONGO_USER] = { "MONGODB_USERNAME", "mongodb-username", NULL, 1,
	    "MongoDB user (optional)" },
	[O_MONGO_PASSWORD] = { "MONGODB_PASSWORD", "mongodb-password", NULL, 1,
	    "MongoDB password (required with MONGODB_USERNAME)" },
	[O_MONGO_RS] = { "MONGODB_REPLICA_SET", "mongodb-replica-set", NULL,
	    0, "replica set name (optional)" },
	[O_MONGO_TLS] = { "MONGODB_TLS", "mongodb-tls", "auto", 0,
	    "auto (as the URI's tls= says) | on | off" },
	[O_MONGO_CA] = { "MONGODB_CA_FILE", "mongodb-ca-file", NULL, 0,
	    "PEM CA certificates to trust (default: the system's)" },
	[O_MONGO_CERT] = { "MONGODB_CERT_FILE", "mongodb-cert-file", NULL, 0,
	    "PEM client certificate (its key inside or in MONGODB_KEY_FILE)" },
	[O_MONGO_KEY] = { "MONGODB_KEY_FILE", "mongodb-key-file", NULL, 0,
	    "PEM private key of the client certificate" },
	[O_MONGO_DB] = { "WEIR_MONGODB_DATABASE", "mongodb-database", "weir",
	    0, "database name" },
	[O_WRITE_CONCERN] = { "WEIR_MONGODB_WRITE_CONCERN",
	    "mongodb-write-concern", "auto", 0,
	    "auto (majority on a replica set) | majority | 1" },
	[O_TTL] = { "WEIR_EVENTS_TTL_SECONDS", "events-ttl-seconds", "0", 0,
	    "expire events after this many seconds (0 = keep)" },
	[O_AGG_INTERVAL] = { "WEIR_AGGREGATE_INTERVAL_MS",
	    "aggregate-interval-ms", "1000", 0,
	    "how often touched windows are recomputed (50..60000)" },
	[O_MAX_BYTES] = { "WEIR_MAX_MESSAGE_BYTES", "max-message-bytes",
	    "65536", 0, "largest accepted message body (64..16777216)" },
	[O_SKEW] = { "WEIR_MAX_FUTURE_SKEW_S", "max-future-skew-s", "86400", 0,
	    "how far ahead an event time may be, in seconds" },
	[O_PROCESSOR] = { "WEIR_PROCESSOR_NAME", "processor-name", NULL, 0,
	    "name stored in each event's `processor` (default: hostname)" },
	[O_DRAIN] = { "WEIR_DRAIN_TIMEOUT_S", "drain-timeout-s", "8", 0,
	    "seconds to finish the batch in flight on SIGTERM (1..60)" },
	[O_LOG_LEVEL] = { "WEIR_LOG_LEVEL", "log-level", "info", 0,
	    "debug | info | warn | error" },
	[O_API_TOKENS] = { "WEIR_API_TOKENS_FILE", "api-tokens-file", NULL, 0,
	    "file of API bearer tokens, one a line (none: POST is refused)" },
	[O_API_READ_AUTH] = { "WEIR_API_READ_AUTH", "api-read-auth", "none", 0,
	    "none | token: whether GET /v1/* and /data need a token" },
	[O_API_QUERY_TIMEOUT] = { "WEIR_API_QUERY_TIMEOUT_MS",
	    "api-query-timeout-ms", "5000", 0,
	    "maxTimeMS of API queries (100..60000)" },
};

void
weir_config_usage(void *out)
{
	FILE	*fp = out;

	fprintf(fp, "usage: weir [check-config] [--flag value ...]\n\n"
	    "Every setting is an environment variable and a flag; flags win.\n"
	    "Variables marked * may instead name a file in <VARIABLE>_FILE.\n\n");
	for (int i = 0; i < O_COUNT; i++) {
		const struct weir_option_def *o = &weir_config_options[i];

		fprintf(fp, "  %-27s --%-22s %s%s\n      default: %s\n",
		    o->env, o->flag, o->help, o->secret ? " *" : "",
		    o->def ? o->def : "(none)");
	}
	fprintf(fp, "\n  --help, --version, check-config (validate and exit)\n");
}

const char *
weir_role_name(enum weir_role role)
{
	static const char *const names[] = { "all", "processor", "api" };

	return (names[role]);
}

/* 1 if the query key s[0..n) contains "password", any case. */
static int
strcasestr_n(const char *s, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		if (strncasecmp(s + i, "password", 8) == 0)
			return (1);
	}
	return (0);
}

/* Masks the userinfo password and every query parameter whose name
 * contains "password" (e.g. tlsCertificateKeyFilePassword). */
void
weir_config_redact_uri(const char *uri, char *out, size_t len)
{
	size_t		o;
	const char	*scheme = strstr(uri, "://");
	const char	*host, *end, *at, *colon, *q, *key, *eq;
	size_t		klen;

	snprintf(out, len, "%s", uri);
	if (scheme == NULL)
		return;
	host = scheme + 3;
	end = host + strcspn(host, "/?");
	at = memchr(host, '@', (size_t)(end - host));
	colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
	if (colon != NULL)
		o = (size_t)snprintf(out, len, "%.*s:***%.*s",
		    (int)(colon - uri), uri, (int)(end - at), at);
	else
		o = (size_t)snprintf(out, len, "%.*s", (int)(end - uri), uri);
	for (q = end; *q != '\0' && o < len; q = key + klen) {
		/* q points at a separator ('/', '?' or '&') or a key. */
		key = q + strspn(q, "/?&");
		o += (size_t)snprintf(out + o, len - o, "%.*s",
		    (int)(key - q), q);
		klen = strcspn(key, "&");
		eq = memchr(key, '=', klen);
		if (eq != NULL && strcasestr_n(key, (size_t)(eq - key)))
			o += (size_t)snprintf(out + o, len - o, "%.*s=***",
			    (int)(eq - key), key);
		else if (o < len)
			o += (size_t)snprintf(out + o, len - o, "%.*s",
			    (int)klen, key);
		if (klen == 0 && key[0] == '\0')
			break;
	}
}
