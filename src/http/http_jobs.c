/* http_jobs.c - the worker's API job threads: made once, each with its own
 * MongoDB client, in place of a Kore task (socketpair, epoll_ctl, closes). */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/http_jobs.h"
#include "processor/worker_ctx.h"

/* A FIFO linked through weir_job.next. */
struct queue {
	struct weir_job		*head, **tail;
};

/* Set up once per worker by weir_jobs_init. The queues, `running`, `quit`
 * and `threads` are guarded by `lock`; `live`, `req` and `seen` are the
 * event loop's. */
static struct {
	struct kore_event		evt;	/* first: the event loop's handle */
	int				fd;	/* eventfd: "look at `done`" */
	struct weir_store		*store;
	pthread_mutex_t			lock;
	pthread_cond_t			more;	/* todo grew, or quit */
	pthread_cond_t			gone;	/* a thread exited */
	struct queue			todo;
	struct queue			done;
	LIST_HEAD(, weir_job)		live;	/* every job not released */
	int				threads;
	int				quit;
} jobs;

static void
push(struct queue *q, struct weir_job *j)
{
	j->next = NULL;
	*q->tail = j;
	q->tail = &j->next;
}

static struct weir_job *
pop(struct queue *q)
{
	struct weir_job	*j = q->head;

	if (j != NULL && (q->head = j->next) == NULL)
		q->tail = &q->head;
	return (j);
}

static void
release(struct weir_job *j)
{
	LIST_REMOVE(j, live);
	j->release(j);
}

/* One write says "look at the done queue", only when it was empty: a
 * burst of finished jobs wakes the event loop once. */
static void
finish(struct weir_job *j)
{
	uint64_t	one = 1;
	int		was_empty;

	pthread_mutex_lock(&jobs.lock);
	j->running = 0;
	was_empty = jobs.done.head == NULL;
	push(&jobs.done, j);
	pthread_mutex_unlock(&jobs.lock);
	while (was_empty && write(jobs.fd, &one, sizeof(one)) == -1 &&
	    errno == EINTR)
		;
}

/* The next job, or NULL once quitting. */
static struct weir_job *
next_job(void)
{
	struct weir_job	*j;

	pthread_mutex_lock(&jobs.lock);
	while (!jobs.quit && (j = pop(&jobs.todo)) == NULL)
		pthread_cond_wait(&jobs.more, &jobs.lock);
	if (jobs.quit)
		j = NULL;
	else
		j->running = 1;
	pthread_mutex_unlock(&jobs.lock);
	return (j);
}

/* The client is taken at the first job and kept until the thread ends. */
static void *
job_thread(void *arg)
{
	struct weir_job	*j;
	mongoc_client_t	*client = NULL;

	(void)arg;
	while ((j = next_job()) != NULL) {
		if (client == NULL)
			client = weir_store_client(jobs.store);
		j->run(j, client);
		finish(j);
	}
	weir_store_release(jobs.store, client);
	pthread_mutex_lock(&jobs.lock);
	jobs.threads--;
	pthread_cond_signal(&jobs.gone);
	pthread_mutex_unlock(&jobs.lock);
	return (NULL);
}

/* The eventfd is edge-triggered: read it, then take every finished job. */
static void
wake(void *arg, int error)
{
	struct weir_job	*j, *next;
	uint64_t	n;

	(void)arg;
	if (error)
		fatal("the API job eventfd failed");
	(void)read(jobs.fd, &n, sizeof(n));
	pthread_mutex_lock(&jobs.lock);
	j = jobs.done.head;
	jobs.done.head = NULL;
	jobs.done.tail = &jobs.done.head;
	pthread_mutex_unlock(&jobs.lock);
	for (; j != NULL; j = next) {
		next = j->next;
		j->seen = 1;
		if (j->req != NULL)
			http_request_wakeup(j->req);
		else
			release(j);
	}
}

void
weir_jobs_init(int threads, struct weir_store *store)
{
	pthread_condattr_t	mono;
	pthread_t		tid;

	if ((jobs.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("API jobs: eventfd: %s", strerror(errno));
	jobs.store = store;
	pthread_mutex_init(&jobs.lock, NULL);
	pthread_cond_init(&jobs.more, NULL);
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&jobs.gone, &mono);
	pthread_condattr_destroy(&mono);
	jobs.todo.tail = &jobs.todo.head;
	jobs.done.tail = &jobs.done.head;
	LIST_INIT(&jobs.live);
	jobs.evt.type = KORE_TYPE_TASK;
	jobs.evt.handle = wake;
	kore_platform_schedule_read(jobs.fd, &jobs);
	for (int i = 0; i < threads; i++) {
		if (weir_thread_start(&tid, job_thread, NULL) == -1)
			fatal("cannot start the API job threads");
		pthread_detach(tid);
		jobs.threads++;
	}
}

void
weir_jobs_run(struct weir_job *j, struct http_request *req, weir_job_fn run,
    weir_job_free_fn rel)
{
	j->req = req;
	j->run = run;
	j->release = rel;
	j->running = 0;
	j->seen = 0;
	LIST_INSERT_HEAD(&jobs.live, j, live);
	http_request_sleep(req);
	pthread_mutex_lock(&jobs.lock);
	push(&jobs.todo, j);
	pthread_mutex_unlock(&jobs.lock);
	pthread_cond_signal(&jobs.more);
}

int
weir_job_done(const struct weir_job *j)
{
	return (j->seen);
}

void
weir_job_detach(struct weir_job *j)
{
	j->req = NULL;
	if (j->seen)
		release(j);
}

/* Waits until no thread is left or wait_ms have passed. */
static void
wait_threads(uint32_t wait_ms)
{
	struct timespec	until;

	weir_deadline_in(&until, wait_ms);
	while (jobs.threads > 0 &&
	    pthread_cond_timedwait(&jobs.gone, &jobs.lock, &until) == 0)
		;
}

void
weir_jobs_stop(uint32_t wait_ms)
{
	struct weir_job	*j, *next;

	pthread_mutex_lock(&jobs.lock);
	jobs.quit = 1;
	pthread_cond_broadcast(&jobs.more);
	wait_threads(wait_ms);
	/* A job still running belongs to its thread until the process ends. */
	for (j = LIST_FIRST(&jobs.live); j != NULL; j = next) {
		next = LIST_NEXT(j, live);
		if (!j->running)
			release(j);
	}
	/* A job that ends after this waits on `done` for the process's end. */
	jobs.todo.head = jobs.done.head = NULL;
	jobs.todo.tail = &jobs.todo.head;
	jobs.done.tail = &jobs.done.head;
	pthread_mutex_unlock(&jobs.lock);
}
