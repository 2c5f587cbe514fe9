/* config_parse.c - checks the raw settings and fills struct weir_config.
 * Each message names the variable and the rule it broke. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <mongoc/mongoc.h>

#include "base/config.h"
#include "base/config_priv.h"

int
weir_config_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return (-1);
}
const char *
weir_config_env(enum opt o)
{
	return (weir_config_options[o].env);
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
		    env_of(o), s, min, max));
	*out = (int)v;
	return (0);
}

static int
copy_str(const struct raw *raw, enum opt o, char *dst, size_t size,
    char *err, size_t len)
{
	const char	*s = raw->value[o];

	if (s == NULL || s[0] == '\0')
		return (fail(err, len, "%s: must not be empty", env_of(o)));
	if (strlen(s) >= size)
		return (fail(err, len, "%s: longer than %zu bytes",
		    env_of(o), size - 1));
	memcpy(dst, s, strlen(s) + 1);
	return (0);
}

/* Where a text setting goes; it must fit with its NUL. */
struct str_setting {
	enum opt	o;
	size_t		off;		/* in struct weir_config */
	size_t		size;
};

#define STR_SETTING(o, field)						\
	{ o, offsetof(struct weir_config, field),			\
	    sizeof(((struct weir_config *)0)->field) }
#define N_STRS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct str_setting amqp_parts[] = {
	STR_SETTING(O_RMQ_HOST, amqp_host),
	STR_SETTING(O_RMQ_USER, amqp_user),
	STR_SETTING(O_RMQ_PASSWORD, amqp_password),
	STR_SETTING(O_RMQ_VHOST, amqp_vhost),
};

static const struct str_setting amqp_names[] = {
	STR_SETTING(O_EXCHANGE, exchange),
	STR_SETTING(O_QUEUE, queue),
	STR_SETTING(O_DLX, dlx),
	STR_SETTING(O_DEAD_QUEUE, dead_queue),
};

static int
copy_strs(struct weir_config *cfg, const struct raw *raw,
    const struct str_setting *t, size_t n, char *err, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (copy_str(raw, t[i].o, (char *)cfg + t[i].off, t[i].size,
		    err, len) == -1)
			return (-1);
	}
	return (0);
}

int
weir_config_pick(const struct raw *raw, enum opt o, const char *const *names,
    int *out, char *err, size_t len)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(raw->value[o], names[i]) == 0) {
			*out = i;
			return (0);
		}
	}
	return (fail(err, len, "%s: '%s' is not one of the allowed values "
	    "(see --help)", env_of(o), raw->value[o]));
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
	/* amqp_parse_url takes "amqp://:0" as host "" and port 0. */
	if (info.host[0] == '\0' || info.port < 1 || info.port > 65535) {
		free(copy);
		return (fail(err, len, "RABBITMQ_URL: needs a host and a port "
		    "in 1..65535"));
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
	if (copy_strs(cfg, raw, amqp_parts, N_STRS(amqp_parts), err, len) == -1)
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
	    weir_config_pick(raw, O_WRITE_CONCERN, wc, &w, err, len) == -1)
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

	if (copy_strs(cfg, raw, amqp_names, N_STRS(amqp_names), err, len) == -1)
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

/* Where an integer setting goes, and the range it must be in. */
struct int_setting {
	enum opt	o;
	long		min, max;
	size_t		off;		/* in struct weir_config */
	enum { AS_INT, AS_SIZE, AS_INT64 } type;
};

#define INT_SETTING(o, min, max, field, type)				\
	{ o, min, max, offsetof(struct weir_config, field), type }

/* In the order their errors are reported. */
static const struct int_setting int_settings[] = {
	INT_SETTING(O_WORKERS, 1, 16, workers, AS_INT),
	INT_SETTING(O_HEARTBEAT, 0, 600, amqp_heartbeat_s, AS_INT),
	INT_SETTING(O_DELIVERY_LIMIT, 0, 1000000, delivery_limit, AS_INT),
	INT_SETTING(O_CONSUMERS, 1, 64, consumers, AS_INT),
	INT_SETTING(O_PREFETCH, 1, 65535, prefetch, AS_INT),
	INT_SETTING(O_BATCH_SIZE, 1, 10000, batch_size, AS_INT),
	INT_SETTING(O_BATCH_TIMEOUT, 1, 60000, batch_timeout_ms, AS_INT),
	INT_SETTING(O_TTL, 0, INT_MAX, events_ttl_s, AS_INT),
	INT_SETTING(O_AGG_INTERVAL, 50, 60000, aggregate_interval_ms, AS_INT),
	INT_SETTING(O_MAX_BYTES, 64, 16777216, max_message_bytes, AS_SIZE),
	INT_SETTING(O_SKEW, 0, 315360000, max_future_skew_s, AS_INT64),
	INT_SETTING(O_DRAIN, 1, 60, drain_timeout_s, AS_INT),
};

static int
parse_tuning(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	const struct int_setting	*t;
	char				*field;
	int				v;

	for (size_t i = 0; i < sizeof(int_settings) / sizeof(*t); i++) {
		t = &int_settings[i];
		if (parse_int(raw, t->o, t->min, t->max, &v, err, len) == -1)
			return (-1);
		field = (char *)cfg + t->off;
		if (t->type == AS_SIZE)
			*(size_t *)(void *)field = (size_t)v;
		else if (t->type == AS_INT64)
			*(int64_t *)(void *)field = v;
		else
			*(int *)(void *)field = v;
	}
	if (cfg->prefetch < cfg->batch_size)
		return (fail(err, len, "WEIR_PREFETCH: %d is below "
		    "WEIR_BATCH_SIZE (%d); a batch could never fill",
		    cfg->prefetch, cfg->batch_size));
	return (0);
}

static int
parse_api(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const auth[] = { "none", "token", NULL };

	if (weir_config_pick(raw, O_API_READ_AUTH, auth, &cfg->api_read_auth,
	    err, len) == -1)
		return (-1);
	if (parse_int(raw, O_API_QUERY_TIMEOUT, 100, 60000,
	    &cfg->api_query_timeout_ms, err, len) == -1)
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
parse_choices(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const roles[] = { "all", "processor", "api", NULL };
	static const char *const qtypes[] = { "classic", "quorum", NULL };
	static const char *const levels[] = { "debug", "info", "warn", "error",
	    NULL };
	int	role = 0;

	if (weir_config_pick(raw, O_ROLE, roles, &role, err, len) == -1 ||
	    weir_config_pick(raw, O_QUEUE_TYPE, qtypes, &cfg->queue_quorum,
	    err, len) == -1 ||
	    weir_config_pick(raw, O_LOG_LEVEL, levels, &cfg->log_level, err,
	    len) == -1)
		return (-1);
	cfg->role = (enum weir_role)role;
	return (0);
}

/* In the order their errors are reported: the first failure wins. */
static int (*const parse_steps[])(struct weir_config *, const struct raw *,
    char *, size_t) = {
	parse_choices, parse_http_addr, parse_tuning, parse_names, parse_amqp,
	parse_mongodb, weir_config_parse_tls, parse_api
};

int
weir_config_parse(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	for (size_t i = 0; i < sizeof(parse_steps) / sizeof(*parse_steps); i++) {
		if (parse_steps[i](cfg, raw, err, len) == -1)
			return (-1);
	}
	return (0);
}
