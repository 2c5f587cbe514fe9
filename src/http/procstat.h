/* procstat.h - process_* figures summed over weir's parent and workers.
 * Read from /proc on each scrape. */
#ifndef WEIR_PROCSTAT_H
#define WEIR_PROCSTAT_H

#include "http/metrics_render.h"

void	weir_procstat_collect(const struct weir_metrics *, int workers,
	    struct weir_process_stats *);

#endif
