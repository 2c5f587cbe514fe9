/* metrics.c - allocation of the shared block and histogram updates.
 * The block is MAP_SHARED|MAP_ANONYMOUS so Kore's workers inherit it. */
#include <sys/mman.h>

#include <string.h>

#include "base/metrics.h"
#include "base/timestamp.h"

struct weir_metrics	*weir_metrics;

static const double	bounds_seconds[WEIR_HIST_BUCKETS - 1] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	2.5, 10
};
static const double	bounds_lag[WEIR_HIST_BUCKETS - 1] = {
	0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 3600
};
static const double	bounds_count[WEIR_HIST_BUCKETS - 1] = {
	1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000
};
static const int	http_codes[WEIR_HTTP_CODES] = {
	200, 202, 204, 304, 400, 401, 404, 405, 413, 429, 500, 503
};

int
weir_metrics_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct weir_metrics), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	memset(p, 0, sizeof(struct weir_metrics));
	weir_metrics = p;
	weir_metrics->start_time_ms = weir_now_ms();
	return (0);
}

double
weir_hist_bound(enum weir_hist_kind kind, int bucket)
{
	if (bucket >= WEIR_HIST_BUCKETS - 1)
		return (-1);	/* +Inf */
	switch (kind) {
	case WEIR_HIST_LAG:
		return (bounds_lag[bucket]);
	case WEIR_HIST_COUNT:
		return (bounds_count[bucket]);
	default:
		return (bounds_seconds[bucket]);
	}
}

void
weir_hist_observe(struct weir_histogram *h, enum weir_hist_kind kind,
    double value)
{
	int	b = 0;

	while (b < WEIR_HIST_BUCKETS - 1 && value > weir_hist_bound(kind, b))
		b++;
	WEIR_INC(h->buckets[b], 1);
	WEIR_INC(h->count, 1);
	if (value > 0)
		WEIR_INC(h->sum_micro, (uint64_t)(value * 1e6));
}

int
weir_http_code_index(int code)
{
	for (int i = 0; i < WEIR_HTTP_CODES; i++) {
		if (http_codes[i] == code)
			return (i);
	}
	return (code >= 500 ? 10 : 4);	/* fold the rest into 500 or 400 */
}

int
weir_http_code_at(int index)
{
	return (http_codes[index]);
}
