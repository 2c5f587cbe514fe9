/* http_jobs.h - the API's blocking work on the worker's own job threads, each
 * keeping one MongoDB client; one eventfd wakes the event loop per burst. */
#ifndef WEIR_HTTP_JOBS_H
#define WEIR_HTTP_JOBS_H

#include <sys/queue.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "store/store.h"

struct weir_job;

/* Runs on a job thread with that thread's client (NULL when the pool gave
 * none); must not touch the request. */
typedef void	(*weir_job_fn)(struct weir_job *, mongoc_client_t *);
/* Frees a job; runs on the event loop (or at teardown, the loop stopped). */
typedef void	(*weir_job_free_fn)(struct weir_job *);

/* Embedded first in the caller's job; the fields are this module's. */
struct weir_job {
	LIST_ENTRY(weir_job)	live;
	struct weir_job		*next;
	struct http_request	*req;
	weir_job_fn		run;
	weir_job_free_fn	release;
	int			running;	/* under the module's lock */
	int			seen;		/* the event loop's */
};

/* Starts `threads` job threads that take clients from `store`, and the
 * wake-up eventfd; fatal when it cannot. Once per worker, before any job. */
void	weir_jobs_init(int threads, struct weir_store *store);

/* Queues job for a thread and puts req to sleep until it is done. */
void	weir_jobs_run(struct weir_job *job, struct http_request *req,
	    weir_job_fn run, weir_job_free_fn release);

/* 1 once the job has run and the event loop has seen it. */
int	weir_job_done(const struct weir_job *job);

/* The request is going away (its onfree): a done job is released now, a
 * queued or running one once it is done. */
void	weir_job_detach(struct weir_job *job);

/* Worker teardown: idle threads return their clients and exit; waits up to
 * wait_ms for running jobs, then releases every job no thread holds. */
void	weir_jobs_stop(uint32_t wait_ms);

#endif
