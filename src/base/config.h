/* config.h - weir's configuration: every setting, its variable and its flag.
 * Parsed once at start into one immutable struct; see config.c for the table. */
#ifndef WEIR_CONFIG_H
#define WEIR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum weir_role {
	WEIR_ROLE_ALL,
	WEIR_ROLE_PROCESSOR,
	WEIR_ROLE_API
};

enum weir_write_concern {
	WEIR_WC_AUTO,		/* majority on a replica set, else 1 */
	WEIR_WC_MAJORITY,
	WEIR_WC_ONE
};

#define WEIR_NAME_MAX	256
#define WEIR_URI_MAX	2048

struct weir_config {
	enum weir_role		role;
	char			http_host[WEIR_NAME_MAX];
	char			http_port[8];
	int			workers;

	/* AMQP, from RABBITMQ_URL or the parts. */
	char			amqp_host[WEIR_NAME_MAX];
	int			amqp_port;
	char			amqp_user[WEIR_NAME_MAX];
	char			amqp_password[WEIR_NAME_MAX];
	char			amqp_vhost[WEIR_NAME_MAX];
	int			amqp_tls;
	int			amqp_verify_hostname;
	char			amqp_ca_file[WEIR_URI_MAX];	/* "" = system */
	char			amqp_cert_file[WEIR_URI_MAX];	/* "" = none */
	char			amqp_key_file[WEIR_URI_MAX];
	int			amqp_heartbeat_s;
	char			exchange[WEIR_NAME_MAX];
	char			queue[WEIR_NAME_MAX];
	char			dlx[WEIR_NAME_MAX];
	char			dead_queue[WEIR_NAME_MAX];
	int			queue_quorum;
	int			delivery_limit;
	int			consumers;
	int			prefetch;
	int			batch_size;
	int			batch_timeout_ms;

	/* MongoDB, from MONGODB_URI or the parts. */
	char			mongodb_uri[WEIR_URI_MAX];
	char			mongodb_database[WEIR_NAME_MAX];
	int			mongodb_tls;	/* the URI's tls, or MONGODB_TLS */
	char			mongodb_ca_file[WEIR_URI_MAX];	/* "" = system */
	char			mongodb_cert_file[WEIR_URI_MAX]; /* "" = none */
	char			mongodb_key_file[WEIR_URI_MAX];	/* "" = in cert */
	enum weir_write_concern	write_concern;
	int			events_ttl_s;
	int			aggregate_interval_ms;

	/* Pipeline. */
	size_t			max_message_bytes;
	int64_t			max_future_skew_s;
	char			processor_name[WEIR_NAME_MAX];

	/* HTTP API. */
	char			api_tokens_file[WEIR_URI_MAX];	/* "" = none */
	int			api_read_auth;	/* 1: reads need a token */
	int			api_query_timeout_ms;

	int			drain_timeout_s;
	int			log_level;	/* 0 debug .. 3 error */
	int			check_only;	/* `weir check-config` */
};

/* How the config reads the environment; tests pass their own. */
typedef const char *(*weir_getenv_fn)(const char *name, void *arg);

enum weir_config_result {
	WEIR_CONFIG_OK,
	WEIR_CONFIG_ERROR,	/* err holds one line naming the variable */
	WEIR_CONFIG_HELP,	/* --help: print weir_config_usage() */
	WEIR_CONFIG_VERSION	/* --version */
};

enum weir_config_result	weir_config_load(struct weir_config *, int argc,
			    char **argv, weir_getenv_fn, void *arg, char *err,
			    size_t errlen);
/* Writes the --help text (every variable, flag and default) to `fp`. */
void			weir_config_usage(void *fp);
const char		*weir_role_name(enum weir_role);
/* The MongoDB URI with any password replaced by "***", for logs. */
void			weir_config_redact_uri(const char *uri, char *out,
			    size_t len);

#endif
