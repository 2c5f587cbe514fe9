/* http_jobs.c - job threads for the API, in place of Kore's per-task
 * socketpair, epoll registration and two closes: one channel per worker. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_jobs.h"
#include "processor/worker_ctx.h"

/* A job waiting for a thread, or done and waiting for the event loop. */
struct queue {
	struct kore_task	*head, **tail;
};

/* Set up once per worker by weir_jobs_init; the queues are guarded by
 * `lock`, the rest is the event loop's. */
static struct {
	struct kore_event	evt;		/* first: the event loop's handle */
	int			fds[2];		/* [0] event loop, [1] threads */
	pthread_mutex_t		lock;
	pthread_cond_t		more;
	struct queue		todo;
	struct queue		done;
} jobs;

/* The queue link: a job is on one queue at a time, and Kore's own
 * task thread list is unused for these. */
#define NEXT(t)	((t)->list.tqe_next)

static void
push(struct queue *q, struct kore_task *t)
{
	NEXT(t) = NULL;
	*q->tail = t;
	q->tail = &NEXT(t);
}

static struct kore_task *
take_all(struct queue *q)
{
	struct kore_task	*all = q->head;

	q->head = NULL;
	q->tail = &q->head;
	return (all);
}

static struct kore_task *
pop(struct queue *q)
{
	struct kore_task	*t = q->head;

	if (t != NULL && (q->head = NEXT(t)) == NULL)
		q->tail = &q->head;
	return (t);
}

/* One byte says "look at the done queue": written only when it was empty,
 * so a burst of finished jobs wakes the event loop once. */
static void *
job_thread(void *arg)
{
	struct kore_task	*t;
	int			was_empty;
	char			one = 1;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&jobs.lock);
		while ((t = pop(&jobs.todo)) == NULL)
			pthread_cond_wait(&jobs.more, &jobs.lock);
		pthread_mutex_unlock(&jobs.lock);
		kore_task_set_state(t, KORE_TASK_STATE_RUNNING);
		kore_task_set_result(t, t->entry(t));
		pthread_mutex_lock(&jobs.lock);
		was_empty = jobs.done.head == NULL;
		push(&jobs.done, t);
		pthread_mutex_unlock(&jobs.lock);
		while (was_empty && write(jobs.fds[1], &one, 1) == -1 &&
		    errno == EINTR)
			;
	}
	return (NULL);
}

/* What kore_task_handle does for a finished task bound to a request. */
static void
finish(struct kore_task *t)
{
	struct http_request	*req = t->req;

	kore_task_set_state(t, KORE_TASK_STATE_FINISHED);
	if (req == NULL)
		return;
	http_request_wakeup(req);
	if (req->flags & HTTP_REQUEST_DELETE)
		kore_task_destroy(t);
}

static void
channel_readable(void *arg, int error)
{
	struct kore_task	*t, *next;
	char			buf[64];

	(void)arg;
	if (error)
		fatal("the API job channel failed");
	/* Edge-triggered: drain it, then take every finished job. */
	while (read(jobs.fds[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&jobs.lock);
	t = take_all(&jobs.done);
	pthread_mutex_unlock(&jobs.lock);
	for (; t != NULL; t = next) {
		next = NEXT(t);
		finish(t);
	}
}

void
weir_jobs_init(int threads)
{
	pthread_t	tid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, jobs.fds) == -1)
		fatal("API job channel: socketpair: %s", strerror(errno));
	pthread_mutex_init(&jobs.lock, NULL);
	pthread_cond_init(&jobs.more, NULL);
	jobs.todo.tail = &jobs.todo.head;
	jobs.done.tail = &jobs.done.head;
	jobs.evt.type = KORE_TYPE_TASK;
	jobs.evt.handle = channel_readable;
	kore_platform_schedule_read(jobs.fds[0], &jobs);
	for (int i = 0; i < threads; i++) {
		if (weir_thread_start(&tid, job_thread, NULL) == -1)
			fatal("cannot start the API job threads");
		pthread_detach(tid);
	}
}

void
weir_jobs_run(struct kore_task *t, struct http_request *req,
    int (*entry)(struct kore_task *))
{
	memset(t, 0, sizeof(*t));
	t->entry = entry;
	t->state = KORE_TASK_STATE_CREATED;
	t->fds[0] = t->fds[1] = -1;	/* kore_task_destroy closes none */
	pthread_rwlock_init(&t->lock, NULL);
	kore_task_bind_request(t, req);
	pthread_mutex_lock(&jobs.lock);
	push(&jobs.todo, t);
	pthread_mutex_unlock(&jobs.lock);
	pthread_cond_signal(&jobs.more);
}
