/* config_priv.h - the settings table and their raw text, shared by config.c,
 * config_read.c (flags, variables, files) and config_parse.c (checks). */
#ifndef WEIR_CONFIG_PRIV_H
#define WEIR_CONFIG_PRIV_H

#include "base/config.h"

enum opt {
	O_ROLE, O_HTTP_ADDR, O_WORKERS,
	O_RMQ_URL, O_RMQ_HOST, O_RMQ_PORT, O_RMQ_USER, O_RMQ_PASSWORD,
	O_RMQ_VHOST, O_RMQ_TLS, O_RMQ_CA, O_RMQ_CERT, O_RMQ_KEY,
	O_RMQ_VERIFY_HOST, O_HEARTBEAT, O_EXCHANGE, O_QUEUE, O_DLX, O_DEAD_QUEUE,
	O_QUEUE_TYPE, O_DELIVERY_LIMIT, O_CONSUMERS, O_PREFETCH, O_BATCH_SIZE,
	O_BATCH_TIMEOUT,
	O_MONGO_URI, O_MONGO_HOST, O_MONGO_USER, O_MONGO_PASSWORD,
	O_MONGO_RS, O_MONGO_TLS, O_MONGO_CA, O_MONGO_CERT, O_MONGO_KEY,
	O_MONGO_DB, O_WRITE_CONCERN, O_TTL, O_AGG_INTERVAL,
	O_MAX_BYTES, O_SKEW, O_PROCESSOR, O_DRAIN, O_LOG_LEVEL,
	O_API_TOKENS, O_API_READ_AUTH, O_API_QUERY_TIMEOUT,
	O_COUNT
};

struct weir_option_def {
	const char	*env;
	const char	*flag;
	const char	*def;
	int		secret;		/* also read from <env>_FILE */
	const char	*help;
};

extern const struct weir_option_def	weir_config_options[O_COUNT];

struct raw {
	const char	*value[O_COUNT];
	char		*owned[O_COUNT];	/* values read from files */
};

/* Checks every raw value (already defaulted) into cfg; -1 with err naming
 * the first variable at fault. */
int	weir_config_parse(struct weir_config *, const struct raw *, char *err,
	    size_t errlen);
/* The TLS settings of both links (config_tls.c); runs after the URL and
 * URI are parsed, since they may turn TLS on. */
int	weir_config_parse_tls(struct weir_config *, const struct raw *,
	    char *err, size_t errlen);
/* Shared by config_parse.c and config_tls.c: an error line (returns -1),
 * the variable that names setting o, the pick-one-of check. */
int	weir_config_fail(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
const char	*weir_config_env(enum opt);
#define fail	weir_config_fail
#define env_of	weir_config_env
int	weir_config_pick(const struct raw *, enum opt, const char *const *names,
	    int *out, char *err, size_t errlen);

#endif
