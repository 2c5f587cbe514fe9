/* weir.c - Kore hooks: configuration, the HTTP listener, worker threads.
 * The parent parses config and maps metrics; each worker runs its threads. */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include <sys/syscall.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "base/config.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/timestamp.h"
#include "base/version.h"
#include "http/http_api.h"
#include "http/http_ops.h"
#include "processor/consumer.h"
#include "processor/threads.h"
#include "processor/worker_ctx.h"

#define EXIT_CONFIG	2

/* Connections and requests in flight per worker. API requests beyond 256
 * in flight get weir's problem+json 503 before Kore's plain 503 at 1000. */
#define WEIR_API_MAX_CONNECTIONS	1024
#define WEIR_API_REQUEST_LIMIT		1000
#define WEIR_PROCESSOR_MAX_CONNECTIONS	64

/* The one configuration, immutable once the parent has parsed it; the
 * worker's threads and handlers reach it through self.ctx.cfg. */
static struct weir_config	weir_cfg;

/* Threads of this worker process; set up in kore_worker_configure. */
static struct {
	struct weir_worker_ctx	ctx;
	struct weir_consumer	*consumers[64];
	int			n_consumers;
	pthread_t		aggregator, probe;
	int			has_aggregator, has_probe;
} self;

void	kore_seccomp_hook(void);

KORE_SECCOMP_FILTER("weir",
	KORE_SYSCALL_ALLOW(clone),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(set_robust_list),
	KORE_SYSCALL_ALLOW(membarrier),
	KORE_SYSCALL_ALLOW(restart_syscall),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(socket),
	KORE_SYSCALL_ALLOW(connect),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(shutdown),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(recvmsg),
	KORE_SYSCALL_ALLOW(sendmsg),
	KORE_SYSCALL_ALLOW(bind),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(prlimit64),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(clock_nanosleep),
	KORE_SYSCALL_ALLOW(nanosleep),
	KORE_SYSCALL_ALLOW(pipe2),
	KORE_SYSCALL_ALLOW(eventfd2),
	KORE_SYSCALL_ALLOW(getrusage),
	KORE_SYSCALL_ALLOW(madvise),
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(tgkill),
	KORE_SYSCALL_ALLOW(getpid),
	KORE_SYSCALL_ALLOW(setsockopt),
	KORE_SYSCALL_ALLOW(poll),
	KORE_SYSCALL_ALLOW(ppoll),
	KORE_SYSCALL_ALLOW(sysinfo),
	KORE_SYSCALL_ALLOW(statx),
	KORE_SYSCALL_ALLOW(fstatfs),
	KORE_SYSCALL_ALLOW(readlink),
	KORE_SYSCALL_ALLOW(getrandom),
	/* MONGODB_KEY_FILE: certificate and key joined (store_tls.c). */
	KORE_SYSCALL_ALLOW(memfd_create)
);

void	kore_parent_configure(int, char **);
void	kore_parent_teardown(void);
void	kore_worker_configure(void);
void	kore_worker_teardown(void);

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return (getenv(name));
}

static void
print_summary(void)
{
	char	redacted[WEIR_URI_MAX];

	weir_config_redact_uri(weir_cfg.mongodb_uri, redacted, sizeof(redacted));
	printf("configuration OK: role=%s http=%s:%s amqp=%s:%d vhost=%s "
	    "queue=%s mongodb=%s database=%s workers=%d consumers=%d "
	    "batch=%d prefetch=%d\n", weir_role_name(weir_cfg.role),
	    weir_cfg.http_host, weir_cfg.http_port, weir_cfg.amqp_host,
	    weir_cfg.amqp_port, weir_cfg.amqp_vhost, weir_cfg.queue, redacted,
	    weir_cfg.mongodb_database, weir_cfg.workers, weir_cfg.consumers,
	    weir_cfg.batch_size, weir_cfg.prefetch);
}

/*
 * Kore sizes its connection, netbuf and request pools from these two and
 * touches every page of them at worker start (about 1 MiB of PSS at 1024).
 * A processor serves only probes and scrapes. weir.conf leaves both out:
 * Kore parses it after this hook and would overwrite them.
 */
static void
size_kore_pools(void)
{
	if (weir_cfg.role == WEIR_ROLE_PROCESSOR) {
		worker_max_connections = WEIR_PROCESSOR_MAX_CONNECTIONS;
		http_request_limit = WEIR_PROCESSOR_MAX_CONNECTIONS;
	} else {
		worker_max_connections = WEIR_API_MAX_CONNECTIONS;
		http_request_limit = WEIR_API_REQUEST_LIMIT;
	}
}

static void
load_config(int argc, char **argv)
{
	char	err[512];

	switch (weir_config_load(&weir_cfg, argc, argv, env_get, NULL, err,
	    sizeof(err))) {
	case WEIR_CONFIG_HELP:
		weir_config_usage(stdout);
		exit(0);
	case WEIR_CONFIG_VERSION:
		printf("weir %s (%s)\n", WEIR_VERSION, WEIR_COMMIT);
		exit(0);
	case WEIR_CONFIG_ERROR:
		fprintf(stderr, "weir: %s\n", err);
		exit(EXIT_CONFIG);
	case WEIR_CONFIG_OK:
		break;
	}
	if (weir_api_load_tokens(&weir_cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "weir: %s\n", err);
		exit(EXIT_CONFIG);
	}
	if (weir_cfg.check_only) {
		print_summary();
		exit(0);
	}
}

/* stdout carries our JSON lines only; Kore's plain lines go to stderr. */
static void
split_output(void)
{
	int	fd;

	fflush(stdout);
	if ((fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
		fprintf(stderr, "weir: cannot split stdout: %s\n", errno_s);
		exit(1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	weir_log_init(fd, weir_cfg.log_level);
}

static void
listen_http(void)
{
	struct kore_server	*srv;

	srv = kore_server_create("weir");
	srv->tls = 0;
	if (!kore_server_bind(srv, weir_cfg.http_host, weir_cfg.http_port,
	    NULL)) {
		fprintf(stderr, "weir: WEIR_HTTP_ADDR: cannot listen on %s:%s\n",
		    weir_cfg.http_host, weir_cfg.http_port);
		exit(EXIT_CONFIG);
	}
}

void
kore_parent_configure(int argc, char **argv)
{
	static char	pidfile[64];
	char		redacted[WEIR_URI_MAX], port[8];

	load_config(argc, argv);
	split_output();
	/* Containers run us non-root, in the foreground, without chroot. */
	kore_foreground = 1;
	skip_chroot = 1;
	skip_runas = 1;
	worker_count = (u_int8_t)weir_cfg.workers;
	size_kore_pools();
	/* Kore writes kore.pid into the working directory by default, which
	 * is read-only in our containers; keep it in /tmp, unique per run. */
	snprintf(pidfile, sizeof(pidfile), "/tmp/weir-%d.pid", (int)getpid());
	kore_pidfile = pidfile;
	mongoc_init();
	if (weir_metrics_init() == -1) {
		fprintf(stderr, "weir: cannot map the metrics block\n");
		exit(1);
	}
	WEIR_SET(weir_metrics->parent_pid, (int)getpid());
	listen_http();
	weir_config_redact_uri(weir_cfg.mongodb_uri, redacted, sizeof(redacted));
	snprintf(port, sizeof(port), "%d", weir_cfg.amqp_port);
	weir_log(WEIR_LOG_INFO, "weir starting", "version", WEIR_VERSION,
	    "role", weir_role_name(weir_cfg.role), "http", weir_cfg.http_port,
	    "amqp_host", weir_cfg.amqp_host, "amqp_port", port, "queue",
	    weir_cfg.queue, "mongodb", redacted, "database",
	    weir_cfg.mongodb_database, NULL);
	if (getuid() == 0)
		weir_log(WEIR_LOG_WARN, "running as root; run as an unprivileged "
		    "user in production", NULL);
}

void
kore_parent_teardown(void)
{
	weir_log(WEIR_LOG_INFO, "weir stopped", NULL);
	mongoc_cleanup();
}

static void
start_threads(void)
{
	struct weir_worker_ctx	*ctx = &self.ctx;

	if (weir_thread_start(&self.probe, weir_probe_main, ctx) == 0)
		self.has_probe = 1;
	if (weir_cfg.role == WEIR_ROLE_API)
		return;
	if (weir_thread_start(&self.aggregator, weir_aggregator_main, ctx) == 0)
		self.has_aggregator = 1;
	for (int i = 0; i < weir_cfg.consumers; i++) {
		if ((self.consumers[i] = weir_consumer_start(ctx, i)) == NULL)
			fatal("cannot start consumer %d", i);
		self.n_consumers++;
	}
	WEIR_SET(ctx->slot->consumers_wanted, self.n_consumers);
}

void
kore_worker_configure(void)
{
	char	err[512];
	/* Kore 4.1 numbers its HTTP workers from 1. */
	int	idx = worker->id - 1;

	if (idx < 0 || idx >= WEIR_WORKERS_MAX)
		fatal("worker id %d out of range", worker->id);
	memset(&self, 0, sizeof(self));
	if (weir_ctx_init(&self.ctx) == -1)
		fatal("cannot make the worker's wake-up condition");
	self.ctx.cfg = &weir_cfg;
	self.ctx.worker_id = idx;
	self.ctx.slot = &weir_metrics->workers[idx];
	WEIR_SET(self.ctx.slot->pid, (int)getpid());
	WEIR_SET(self.ctx.slot->amqp_connected, 0);
	if ((self.ctx.store = weir_store_open(&weir_cfg, err, sizeof(err))) ==
	    NULL)
		fatal("mongodb: %s", err);
	weir_http_ops_init(&self.ctx);
	weir_api_worker_init(&self.ctx);
	start_threads();
	weir_log(WEIR_LOG_INFO, "worker ready", "role",
	    weir_role_name(weir_cfg.role), NULL);
}

void
kore_worker_teardown(void)
{
	atomic_store(&self.ctx.drain_deadline_ms, weir_now_ms() +
	    weir_cfg.drain_timeout_s * 1000);
	weir_ctx_stop(&self.ctx);
	for (int i = 0; i < self.n_consumers; i++)
		weir_consumer_join(self.consumers[i]);
	if (self.has_aggregator)
		pthread_join(self.aggregator, NULL);
	if (self.has_probe)
		pthread_join(self.probe, NULL);
	weir_api_worker_teardown();
	weir_store_close(self.ctx.store);
	WEIR_SET(self.ctx.slot->consumers_wanted, 0);
	weir_log(WEIR_LOG_INFO, "worker drained", NULL);
}
