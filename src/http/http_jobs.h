/* http_jobs.h - the API's blocking work on threads of the worker, each job
 * bound to its request as a Kore task is, woken through one channel. */
#ifndef WEIR_HTTP_JOBS_H
#define WEIR_HTTP_JOBS_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

/* Starts `threads` job threads and the worker's wake-up channel; fatal
 * when it cannot. Called once per worker, before any job. */
void	weir_jobs_init(int threads);

/* Runs entry(t) on a job thread. `t` is bound to req as
 * kore_task_bind_request binds a task: req sleeps until the job is done
 * (then kore_task_state(t) is KORE_TASK_STATE_FINISHED), and Kore keeps a
 * freed request until then. Release t with kore_task_destroy. */
void	weir_jobs_run(struct kore_task *t, struct http_request *req,
	    int (*entry)(struct kore_task *));

#endif
