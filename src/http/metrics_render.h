/* metrics_render.h - the Prometheus text exposition of the metrics block.
 * Pure: takes a block and process figures, writes text. */
#ifndef WEIR_METRICS_RENDER_H
#define WEIR_METRICS_RENDER_H

#include "base/metrics.h"
#include "base/textbuf.h"

struct weir_process_stats {
	double		cpu_seconds;
	double		resident_bytes;
	double		virtual_bytes;
	double		open_fds;
	double		max_fds;
	double		start_time_seconds;
};

struct weir_build_info {
	const char	*version;
	const char	*commit;
	const char	*role;
};

void	weir_metrics_render(struct weir_textbuf *, const struct weir_metrics *,
	    int workers, const struct weir_process_stats *,
	    const struct weir_build_info *, const char *const *stage_names);

#endif
