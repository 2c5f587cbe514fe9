/* api_stats.h - the body of GET /v1/stats from the metrics block and
 * MongoDB counts. Rates come from samples this process took earlier. */
#ifndef WEIR_API_STATS_H
#define WEIR_API_STATS_H

#include <stdint.h>

#include <jansson.h>

#include "base/metrics.h"

struct weir_stats_input {
	const struct weir_metrics	*m;
	int				workers;
	int64_t				now_ms;
	const char			*version;
	const char			*commit;
	const char			*role;
	const char			*queue;
	int64_t				stored;		/* -1 unknown */
	int64_t				last_minute;	/* -1 unknown */
};

json_t	*weir_stats_json(const struct weir_stats_input *);

/* Counter rates per second from a ring of samples; thread-safe. */
struct weir_rate {
	double	stored_per_s;
	double	received_per_s;
	double	window_s;		/* 0: no earlier sample yet */
};

void	weir_stats_rate(const struct weir_metrics *, int64_t now_ms,
	    struct weir_rate *);

#endif
