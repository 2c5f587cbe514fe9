/* procstat.c - reads /proc/<pid>/stat and /proc/<pid>/fd for each process.
 * Sums let one scrape show the whole appliance, not one Kore worker. */
#include <sys/resource.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/procstat.h"

static void
add_stat(int pid, struct weir_process_stats *p)
{
	char			path[64], buf[1024], *s;
	unsigned long		utime, stime, vsize;
	long			rss;
	FILE			*fp;
	size_t			n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces; fields resume after ")". */
	if ((s = strrchr(buf, ')')) == NULL)
		return;
	if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu "
	    "%*d %*d %*d %*d %*d %*d %*u %lu %ld", &utime, &stime, &vsize,
	    &rss) != 4)
		return;
	p->cpu_seconds += (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	p->virtual_bytes += (double)vsize;
	p->resident_bytes += (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static void
add_fds(int pid, struct weir_process_stats *p)
{
	char		path[64];
	DIR		*d;
	struct dirent	*e;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			p->open_fds += 1;
	}
	closedir(d);
}

void
weir_procstat_collect(const struct weir_metrics *m, int workers,
    struct weir_process_stats *p)
{
	struct rlimit	rl;
	int		pid;

	memset(p, 0, sizeof(*p));
	if ((pid = WEIR_GET(m->parent_pid)) > 0) {
		add_stat(pid, p);
		add_fds(pid, p);
	}
	for (int i = 0; i < workers && i < WEIR_WORKERS_MAX; i++) {
		if ((pid = WEIR_GET(m->workers[i].pid)) <= 0)
			continue;
		add_stat(pid, p);
		add_fds(pid, p);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		p->max_fds = (double)rl.rlim_cur;
	p->start_time_seconds = (double)m->start_time_ms / 1000.0;
}
