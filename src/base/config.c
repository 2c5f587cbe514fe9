/* config.c - reads settings from flags, the environment and *_FILE secrets.
 * Precedence: --flag, then VARIABLE, then VARIABLE_FILE, then the default. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <amqp.h>
#include <mongoc/mongoc.h>

#include "base/config.h"

enum opt {
	O_ROLE, O_HTTP_ADDR, O_WORKERS,
	O_RMQ_URL, O_RMQ_HOST, O_RMQ_PORT, O_RMQ_USER, O_RMQ_PASSWORD,
	O_RMQ_VHOST, O_HEARTBEAT, O_EXCHANGE, O_QUEUE, O_DLX, O_DEAD_QUEUE,
	O_QUEUE_TYPE, O_DELIVERY_LIMIT, O_CONSUMERS, O_PREFETCH, O_BATCH_SIZE,
	O_BATCH_TIMEOUT,
	O_MONGO_URI, O_MONGO_HOST, O_MONGO_USER, O_MONGO_PASSWORD,
	O_MONGO_RS, O_MONGO_DB, O_WRITE_CONCERN, O_TTL, O_AGG_INTERVAL,
	O_MAX_BYTES, O_SKEW, O_PROCESSOR, O_DRAIN, O_LOG_LEVEL,
	O_API_TOKENS, O_API_READ_AUTH, O_API_QUERY_TIMEOUT,
	O_COUNT
};

struct option_def {
	const char	*env;
	const char	*flag;
	const char	*def;
	int		secret;		/* also read from <env>_FILE */
	const char	*help;
};

static const struct option_def options[O_COUNT] = {
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

struct raw {
	const char	*value[O_COUNT];
	char		*owned[O_COUNT];	/* values read from files */
};

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

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return (-1);
}

/* Reads a secret file, dropping one trailing newline. */
static char *
read_secret(const char *path)
{
	FILE	*fp;
	char	buf[4096];
	size_t	n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (strdup(buf));
}

static int
flag_index(const char *name, size_t len)
{
	for (int i = 0; i < O_COUNT; i++) {
		if (strlen(options[i].flag) == len &&
		    strncmp(options[i].flag, name, len) == 0)
			return (i);
	}
	return (-1);
}

static int
read_flags(struct raw *raw, struct weir_config *cfg, int argc, char **argv,
    char *err, size_t len)
{
	const char	*arg, *eq;
	int		idx;

	for (int i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "check-config") == 0) {
			cfg->check_only = 1;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return (WEIR_CONFIG_HELP);
		if (strcmp(arg, "--version") == 0)
			return (WEIR_CONFIG_VERSION);
		if (strncmp(arg, "--", 2) != 0)
			return (fail(err, len, "%s: unknown argument", arg));
		arg += 2;
		eq = strchr(arg, '=');
		idx = flag_index(arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (idx < 0)
			return (fail(err, len, "--%s: unknown flag (see --help)",
			    arg));
		if (eq != NULL)
			raw->value[idx] = eq + 1;
		else if (i + 1 < argc)
			raw->value[idx] = argv[++i];
		else
			return (fail(err, len, "--%s: missing value", arg));
	}
	return (0);
}

static int
read_env(struct raw *raw, weir_getenv_fn get, void *arg, char *err,
    size_t len)
{
	char		name[128];
	const char	*v, *path;

	for (int i = 0; i < O_COUNT; i++) {
		if (raw->value[i] != NULL)
			continue;
		if ((v = get(options[i].env, arg)) != NULL && v[0] != '\0') {
			raw->value[i] = v;
			continue;
		}
		if (!options[i].secret)
			continue;
		snprintf(name, sizeof(name), "%s_FILE", options[i].env);
		if ((path = get(name, arg)) == NULL || path[0] == '\0')
			continue;
		if ((raw->owned[i] = read_secret(path)) == NULL)
			return (fail(err, len, "%s: cannot read %s: %s", name,
			    path, strerror(errno)));
		raw->value[i] = raw->owned[i];
	}
	for (int i = 0; i < O_COUNT; i++) {
		if (raw->value[i] == NULL)
			raw->value[i] = options[i].def;
	}
	return (0);
}

static int
parse_int(const struct raw *raw, enum opt o, long min, long max, int *out,
    char *err, size_t len)
{
	const char	*s = raw->value[o];
	char		*end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return (fail(err, len, "%s: '%s' is not an integer in %ld..%ld",
		    options[o].env, s, min, max));
	*out = (int)v;
	return (0);
}

static int
copy_str(const struct raw *raw, enum opt o, char *dst, size_t size,
    char *err, size_t len)
{
	const char	*s = raw->value[o];

	if (s == NULL || s[0] == '\0')
		return (fail(err, len, "%s: must not be empty", options[o].env));
	if (strlen(s) >= size)
		return (fail(err, len, "%s: longer than %zu bytes",
		    options[o].env, size - 1));
	memcpy(dst, s, strlen(s) + 1);
	return (0);
}

static int
pick(const struct raw *raw, enum opt o, const char *const *names, int *out,
    char *err, size_t len)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(raw->value[o], names[i]) == 0) {
			*out = i;
			return (0);
		}
	}
	return (fail(err, len, "%s: '%s' is not one of the allowed values "
	    "(see --help)", options[o].env, raw->value[o]));
}

static int
parse_http_addr(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	const char	*s = raw->value[O_HTTP_ADDR];
	const char	*colon = strrchr(s, ':');
	struct raw	port = { .value = { [O_HTTP_ADDR] = colon ? colon + 1 : "" } };
	int		p;
	size_t		hlen;

	if (colon == NULL || colon == s)
		return (fail(err, len, "WEIR_HTTP_ADDR: '%s' is not host:port",
		    s));
	if (parse_int(&port, O_HTTP_ADDR, 1, 65535, &p, err, len) == -1)
		return (-1);
	hlen = (size_t)(colon - s);
	if (s[0] == '[' && colon[-1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen >= sizeof(cfg->http_host))
		return (fail(err, len, "WEIR_HTTP_ADDR: host too long"));
	memcpy(cfg->http_host, s, hlen);
	cfg->http_host[hlen] = '\0';
	snprintf(cfg->http_port, sizeof(cfg->http_port), "%d", p);
	return (0);
}

static int
parse_amqp_url(struct weir_config *cfg, const char *url, char *err,
    size_t len)
{
	struct amqp_connection_info	info;
	char				*copy;
	int				rc;

	if ((copy = strdup(url)) == NULL)
		return (fail(err, len, "RABBITMQ_URL: out of memory"));
	amqp_default_connection_info(&info);
	rc = amqp_parse_url(copy, &info);
	if (rc != AMQP_STATUS_OK) {
		free(copy);
		return (fail(err, len, "RABBITMQ_URL: not an amqp:// or amqps:// "
		    "URL (%s)", amqp_error_string2(rc)));
	}
	if (strlen(info.host) >= sizeof(cfg->amqp_host) ||
	    strlen(info.user) >= sizeof(cfg->amqp_user) ||
	    strlen(info.password) >= sizeof(cfg->amqp_password) ||
	    strlen(info.vhost) >= sizeof(cfg->amqp_vhost)) {
		free(copy);
		return (fail(err, len, "RABBITMQ_URL: a part is longer than %zu "
		    "bytes", sizeof(cfg->amqp_host) - 1));
	}
	memcpy(cfg->amqp_host, info.host, strlen(info.host) + 1);
	memcpy(cfg->amqp_user, info.user, strlen(info.user) + 1);
	memcpy(cfg->amqp_password, info.password, strlen(info.password) + 1);
	/* "amqp://host/" names the empty vhost, which nobody means. */
	memcpy(cfg->amqp_vhost, info.vhost[0] ? info.vhost : "/",
	    strlen(info.vhost[0] ? info.vhost : "/") + 1);
	cfg->amqp_port = info.port;
	cfg->amqp_tls = info.ssl;
	free(copy);
	return (0);
}

static int
parse_amqp(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	if (raw->value[O_RMQ_URL] != NULL)
		return (parse_amqp_url(cfg, raw->value[O_RMQ_URL], err, len));
	if (raw->value[O_RMQ_USER] == NULL)
		return (fail(err, len, "RABBITMQ_USERNAME: required (or set "
		    "RABBITMQ_URL)"));
	if (raw->value[O_RMQ_PASSWORD] == NULL)
		return (fail(err, len, "RABBITMQ_PASSWORD: required (or set "
		    "RABBITMQ_PASSWORD_FILE or RABBITMQ_URL)"));
	if (copy_str(raw, O_RMQ_HOST, cfg->amqp_host, sizeof(cfg->amqp_host),
	    err, len) || copy_str(raw, O_RMQ_USER, cfg->amqp_user,
	    sizeof(cfg->amqp_user), err, len) || copy_str(raw, O_RMQ_PASSWORD,
	    cfg->amqp_password, sizeof(cfg->amqp_password), err, len) ||
	    copy_str(raw, O_RMQ_VHOST, cfg->amqp_vhost, sizeof(cfg->amqp_vhost),
	    err, len))
		return (-1);
	return (parse_int(raw, O_RMQ_PORT, 1, 65535, &cfg->amqp_port, err, len));
}

/* Percent-encodes a URI part (RFC 3986 unreserved kept); -1 if it
 * does not fit. */
static int
uri_escape(const char *s, char *out, size_t size)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			o = 0;

	for (; *s != '\0'; s++) {
		if (o + 4 > size)
			return (-1);
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return (0);
}

static int
build_mongodb_uri(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	char	user[WEIR_NAME_MAX * 3 + 1], pass[WEIR_NAME_MAX * 3 + 1];
	char	auth[sizeof(user) + sizeof(pass) + 2];
	char	rs[sizeof(user) + 16] = "";

	auth[0] = '\0';
	if (raw->value[O_MONGO_USER] != NULL) {
		if (raw->value[O_MONGO_PASSWORD] == NULL)
			return (fail(err, len, "MONGODB_PASSWORD: required with "
			    "MONGODB_USERNAME (or set MONGODB_PASSWORD_FILE)"));
		if (uri_escape(raw->value[O_MONGO_USER], user, sizeof(user)) ||
		    uri_escape(raw->value[O_MONGO_PASSWORD], pass, sizeof(pass)))
			return (fail(err, len, "MONGODB_PASSWORD: user or "
			    "password too long"));
		snprintf(auth, sizeof(auth), "%s:%s@", user, pass);
	}
	if (raw->value[O_MONGO_RS] != NULL) {
		if (uri_escape(raw->value[O_MONGO_RS], user, sizeof(user)))
			return (fail(err, len, "MONGODB_REPLICA_SET: too long"));
		snprintf(rs, sizeof(rs), "&replicaSet=%s", user);
	}
	if ((size_t)snprintf(cfg->mongodb_uri, sizeof(cfg->mongodb_uri),
	    "mongodb://%s%s/?authSource=admin%s", auth,
	    raw->value[O_MONGO_HOST], rs) >= sizeof(cfg->mongodb_uri))
		return (fail(err, len, "MONGODB_HOST: URI too long"));
	return (0);
}

static int
parse_mongodb(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const wc[] = { "auto", "majority", "1", NULL };
	const char	*var = "MONGODB_URI";
	bson_error_t	berr;
	mongoc_uri_t	*uri;
	int		w = 0;

	if (raw->value[O_MONGO_URI] != NULL) {
		if (copy_str(raw, O_MONGO_URI, cfg->mongodb_uri,
		    sizeof(cfg->mongodb_uri), err, len) == -1)
			return (-1);
	} else {
		var = "MONGODB_HOST";
		if (build_mongodb_uri(cfg, raw, err, len) == -1)
			return (-1);
	}
	if ((uri = mongoc_uri_new_with_error(cfg->mongodb_uri, &berr)) == NULL)
		return (fail(err, len, "%s: invalid MongoDB URI (%s)", var,
		    berr.message));
	mongoc_uri_destroy(uri);
	if (copy_str(raw, O_MONGO_DB, cfg->mongodb_database,
	    sizeof(cfg->mongodb_database), err, len) == -1 ||
	    pick(raw, O_WRITE_CONCERN, wc, &w, err, len) == -1)
		return (-1);
	if (strpbrk(cfg->mongodb_database, "/\\. \"$") != NULL)
		return (fail(err, len, "WEIR_MONGODB_DATABASE: '%s' has a "
		    "character MongoDB forbids", cfg->mongodb_database));
	cfg->write_concern = (enum weir_write_concern)w;
	return (0);
}

static int
parse_names(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	char	host[WEIR_NAME_MAX];

	if (copy_str(raw, O_EXCHANGE, cfg->exchange, sizeof(cfg->exchange),
	    err, len) || copy_str(raw, O_QUEUE, cfg->queue, sizeof(cfg->queue),
	    err, len) || copy_str(raw, O_DLX, cfg->dlx, sizeof(cfg->dlx), err,
	    len) || copy_str(raw, O_DEAD_QUEUE, cfg->dead_queue,
	    sizeof(cfg->dead_queue), err, len))
		return (-1);
	if (raw->value[O_PROCESSOR] != NULL)
		return (copy_str(raw, O_PROCESSOR, cfg->processor_name,
		    sizeof(cfg->processor_name), err, len));
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "weir");
	host[sizeof(host) - 1] = '\0';
	snprintf(cfg->processor_name, sizeof(cfg->processor_name), "%s", host);
	return (0);
}

static int
parse_tuning(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	int	max_bytes, skew;

	if (parse_int(raw, O_WORKERS, 1, 16, &cfg->workers, err, len) ||
	    parse_int(raw, O_HEARTBEAT, 0, 600, &cfg->amqp_heartbeat_s, err,
	    len) || parse_int(raw, O_DELIVERY_LIMIT, 0, 1000000,
	    &cfg->delivery_limit, err, len) || parse_int(raw, O_CONSUMERS, 1,
	    64, &cfg->consumers, err, len) || parse_int(raw, O_PREFETCH, 1,
	    65535, &cfg->prefetch, err, len) || parse_int(raw, O_BATCH_SIZE, 1,
	    10000, &cfg->batch_size, err, len) || parse_int(raw,
	    O_BATCH_TIMEOUT, 1, 60000, &cfg->batch_timeout_ms, err, len) ||
	    parse_int(raw, O_TTL, 0, INT_MAX, &cfg->events_ttl_s, err, len) ||
	    parse_int(raw, O_AGG_INTERVAL, 50, 60000,
	    &cfg->aggregate_interval_ms, err, len) || parse_int(raw,
	    O_MAX_BYTES, 64, 16777216, &max_bytes, err, len) ||
	    parse_int(raw, O_SKEW, 0, 315360000, &skew, err, len) ||
	    parse_int(raw, O_DRAIN, 1, 60, &cfg->drain_timeout_s, err, len))
		return (-1);
	if (cfg->prefetch < cfg->batch_size)
		return (fail(err, len, "WEIR_PREFETCH: %d is below "
		    "WEIR_BATCH_SIZE (%d); a batch could never fill",
		    cfg->prefetch, cfg->batch_size));
	cfg->max_message_bytes = (size_t)max_bytes;
	cfg->max_future_skew_s = skew;
	return (0);
}

static int
parse_api(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const auth[] = { "none", "token", NULL };

	if (pick(raw, O_API_READ_AUTH, auth, &cfg->api_read_auth, err, len) ||
	    parse_int(raw, O_API_QUERY_TIMEOUT, 100, 60000,
	    &cfg->api_query_timeout_ms, err, len))
		return (-1);
	if (raw->value[O_API_TOKENS] != NULL && copy_str(raw, O_API_TOKENS,
	    cfg->api_tokens_file, sizeof(cfg->api_tokens_file), err, len))
		return (-1);
	if (cfg->api_read_auth && cfg->api_tokens_file[0] == '\0')
		return (fail(err, len, "WEIR_API_READ_AUTH: 'token' needs "
		    "WEIR_API_TOKENS_FILE"));
	return (0);
}

static int
parse_all(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const roles[] = { "all", "processor", "api", NULL };
	static const char *const qtypes[] = { "classic", "quorum", NULL };
	static const char *const levels[] = { "debug", "info", "warn", "error",
	    NULL };
	int	role = 0;

	if (pick(raw, O_ROLE, roles, &role, err, len) ||
	    pick(raw, O_QUEUE_TYPE, qtypes, &cfg->queue_quorum, err, len) ||
	    pick(raw, O_LOG_LEVEL, levels, &cfg->log_level, err, len) ||
	    parse_http_addr(cfg, raw, err, len) ||
	    parse_tuning(cfg, raw, err, len) || parse_names(cfg, raw, err, len) ||
	    parse_amqp(cfg, raw, err, len) || parse_mongodb(cfg, raw, err, len) ||
	    parse_api(cfg, raw, err, len))
		return (-1);
	cfg->role = (enum weir_role)role;
	return (0);
}

enum weir_config_result
weir_config_load(struct weir_config *cfg, int argc, char **argv,
    weir_getenv_fn get, void *arg, char *err, size_t len)
{
	struct raw	raw;
	int		rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&raw, 0, sizeof(raw));
	err[0] = '\0';
	rc = read_flags(&raw, cfg, argc, argv, err, len);
	if (rc == WEIR_CONFIG_HELP || rc == WEIR_CONFIG_VERSION)
		return ((enum weir_config_result)rc);
	if (rc == 0)
		rc = read_env(&raw, get, arg, err, len);
	if (rc == 0)
		rc = parse_all(cfg, &raw, err, len);
	for (int i = 0; i < O_COUNT; i++)
		free(raw.owned[i]);
	return (rc == 0 ? WEIR_CONFIG_OK : WEIR_CONFIG_ERROR);
}

void
weir_config_usage(void *out)
{
	FILE	*fp = out;

	fprintf(fp, "usage: weir [check-config] [--flag value ...]\n\n"
	    "Every setting is an environment variable and a flag; flags win.\n"
	    "Variables marked * may instead name a file in <VARIABLE>_FILE.\n\n");
	for (int i = 0; i < O_COUNT; i++) {
		fprintf(fp, "  %-27s --%-22s %s%s\n      default: %s\n",
		    options[i].env, options[i].flag, options[i].help,
		    options[i].secret ? " *" : "",
		    options[i].def ? options[i].def : "(none)");
	}
	fprintf(fp, "\n  --help, --version, check-config (validate and exit)\n");
}

const char *
weir_role_name(enum weir_role role)
{
	static const char *const names[] = { "all", "processor", "api" };

	return (names[role]);
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
