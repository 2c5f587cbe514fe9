/* http_api.c - the /v1 routes, their aliases and /openapi.json on Kore.
 * Checks run on the event loop; MongoDB and AMQP work runs in API jobs. */
#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_auth.h"
#include "api/api_ingest.h"
#include "api/api_params.h"
#include "api/api_post.h"
#include "api/api_publish.h"
#include "api/api_query.h"
#include "api/api_stats.h"
#include "api/problem.h"
#include "base/timestamp.h"
#include "base/version.h"
#include "event/event_id.h"
#include "http/http_api.h"
#include "http/http_jobs.h"
#include "http/http_ops.h"

/* Jobs waiting or running per worker; beyond this, 503 at once. */
#define JOBS_MAX	256
/* Threads per worker for the API's MongoDB reads and AMQP publishes: a
 * few slow queries do not hold up the rest. */
#define JOB_THREADS	4
/* At teardown, how long running jobs may take to end. */
#define JOBS_STOP_MS	1000

int	api_events(struct http_request *);
int	api_data(struct http_request *);
int	api_event(struct http_request *);
int	api_aggregates(struct http_request *);
int	api_stats(struct http_request *);
int	openapi_json(struct http_request *);

/* Embedded by kodev from assets/openapi.json (scripts/build writes it). */
extern const u_int8_t	asset_openapi_json[];
extern const u_int32_t	asset_len_openapi_json;

enum job_kind { JOB_LIST, JOB_GET, JOB_AGGREGATES, JOB_STATS, JOB_POST };

struct api_job {
	struct weir_job		job;		/* first: the callbacks cast back */
	enum job_kind		kind;
	enum weir_http_route	route;
	double			t0;
	struct weir_api_query	q;
	char			id[WEIR_ID_MAX + 1];
	const char		*body;		/* POST: a copy, after the job */
	size_t			body_len;
	struct weir_api_reply	reply;
};

static struct weir_tokens	tokens;
static struct {
	struct weir_worker_ctx	*ctx;
	struct weir_publisher	*publisher;
	pthread_t		warm;
	int			has_warm;
	int			has_jobs;
	int			jobs;
} api;

int
weir_api_load_tokens(const struct weir_config *cfg, char *err, size_t len)
{
	char	why[256];

	if (cfg->api_tokens_file[0] == '\0')
		return (0);
	if (weir_tokens_load(&tokens, cfg->api_tokens_file, why,
	    sizeof(why)) == -1) {
		snprintf(err, len, "WEIR_API_TOKENS_FILE: %s", why);
		return (-1);
	}
	return (0);
}

/* Connects the publisher early: its topology declaration creates the queue
 * an API-only deployment's readiness probe looks for. */
static void *
warm_main(void *arg)
{
	struct weir_worker_ctx	*ctx = arg;
	char			err[256];
	uint32_t		wait_ms = 250;

	while (weir_publisher_connect(api.publisher, err, sizeof(err)) == -1) {
		if (weir_ctx_sleep(ctx, wait_ms))
			break;
		if (wait_ms < 4000)
			wait_ms *= 2;
	}
	return (NULL);
}

void
weir_api_worker_init(struct weir_worker_ctx *ctx)
{
	api.ctx = ctx;
	if (ctx->cfg->role == WEIR_ROLE_PROCESSOR)
		return;
	if ((api.publisher = weir_publisher_new(ctx->cfg)) == NULL)
		fatal("cannot allocate the API publisher");
	weir_jobs_init(JOB_THREADS, ctx->store);
	api.has_jobs = 1;
	if (weir_thread_start(&api.warm, warm_main, ctx) == 0)
		api.has_warm = 1;
}

void
weir_api_worker_teardown(void)
{
	if (api.has_warm)
		pthread_join(api.warm, NULL);
	api.has_warm = 0;
	if (api.has_jobs)
		weir_jobs_stop(JOBS_STOP_MS);
	api.has_jobs = 0;
	/* Not freed: a job may still be publishing; the process exits. */
	weir_publisher_close(api.publisher);
}

static double
now_s(void)
{
	return ((double)weir_mono_ns() / 1e9);
}

static void
respond_reply(struct http_request *req, enum weir_http_route route, double t0,
    const struct weir_api_reply *r)
{
	if (r->status == 503)
		http_response_header(req, "retry-after", "1");
	if (r->status == 401)
		http_response_header(req, "www-authenticate",
		    "Bearer realm=\"weir\"");
	weir_http_respond(req, route, t0, r->status, r->type, r->body, r->len);
}

static void
problem(struct http_request *req, enum weir_http_route route, double t0,
    int status, const char *detail, const char *field, const char *rule)
{
	struct weir_api_reply	r;

	memset(&r, 0, sizeof(r));
	weir_api_reply_problem(&r, status, detail, field, rule);
	if (r.body == NULL) {
		r.type = WEIR_PROBLEM_TYPE;
		r.body = strdup("{\"title\":\"out of memory\"}");
		r.len = r.body != NULL ? strlen(r.body) : 0;
	}
	respond_reply(req, route, t0, &r);
	free(r.body);
}

/* 1 when the request may go on; otherwise a 401 was sent. */
static int
authorized(struct http_request *req, enum weir_http_route route, double t0,
    int needed)
{
	const char	*h = NULL;

	if (!needed)
		return (1);
	if (tokens.n == 0) {
		problem(req, route, t0, 401, "no API tokens are configured "
		    "(WEIR_API_TOKENS_FILE), so writes are refused",
		    "authorization", "must be 'Bearer <token>' with a token "
		    "from WEIR_API_TOKENS_FILE");
		return (0);
	}
	(void)http_request_header(req, "authorization", &h);
	if (weir_tokens_check(&tokens, h))
		return (1);
	problem(req, route, t0, 401, h == NULL ? "missing bearer token" :
	    "unknown bearer token", "authorization", "must be 'Bearer <token>' "
	    "with a token from WEIR_API_TOKENS_FILE");
	return (0);
}

/* The API routes do not exist on a processor: it serves ops routes only. */
static int
api_served(struct http_request *req, enum weir_http_route route, double t0)
{
	if (api.ctx->cfg->role != WEIR_ROLE_PROCESSOR)
		return (1);
	problem(req, route, t0, 404, "this process runs with WEIR_ROLE="
	    "processor and serves no API routes", NULL, NULL);
	return (0);
}

static void
stats_run(struct api_job *job, const struct weir_api_env *env)
{
	struct weir_stats_input	in;

	memset(&in, 0, sizeof(in));
	in.m = weir_metrics;
	in.workers = api.ctx->cfg->workers;
	in.now_ms = env->now_ms;
	in.version = WEIR_VERSION;
	in.commit = WEIR_COMMIT;
	in.role = weir_role_name(api.ctx->cfg->role);
	in.queue = api.ctx->cfg->queue;
	if (weir_store_count_events(&env->read, env->now_ms, &in.stored,
	    &in.last_minute) == -1)
		in.stored = in.last_minute = -1;
	weir_api_reply_json(&job->reply, 200, weir_stats_json(&in));
}

static void
query_run(struct api_job *job, const struct weir_api_env *env)
{
	switch (job->kind) {
	case JOB_LIST:
		weir_api_events_list(env, &job->q, &job->reply);
		break;
	case JOB_GET:
		weir_api_event_get(env, job->id, &job->reply);
		break;
	case JOB_AGGREGATES:
		weir_api_aggregates(env, &job->q, &job->reply);
		break;
	default:
		stats_run(job, env);
		break;
	}
}

static void
job_run(struct weir_job *j, mongoc_client_t *client)
{
	struct api_job		*job = (struct api_job *)j;
	struct weir_api_env	env;

	memset(&env, 0, sizeof(env));
	env.read.store = api.ctx->store;
	env.read.max_time_ms = api.ctx->cfg->api_query_timeout_ms;
	env.now_ms = weir_now_ms();
	if (job->kind == JOB_POST) {
		weir_api_post_events(api.publisher, api.ctx->cfg, job->body,
		    job->body_len, &job->reply);
	} else {
		env.read.client = client;
		query_run(job, &env);
	}
}

static void
job_free(struct weir_job *j)
{
	struct api_job	*job = (struct api_job *)j;

	free(job->reply.body);
	free(job);
	api.jobs--;
}

/* The job outlives its request when it is still running; the jobs module
 * frees it once it is done. */
static void
job_onfree(struct http_request *req)
{
	struct api_job	*job = req->hdlr_extra;

	if (job == NULL)
		return;
	req->hdlr_extra = NULL;
	weir_job_detach(&job->job);
}

static int
start_job(struct http_request *req, struct api_job *tmpl)
{
	struct api_job	*job;

	if (api.jobs >= JOBS_MAX) {
		problem(req, tmpl->route, tmpl->t0, 503, "too many API requests "
		    "in flight; retry shortly", NULL, NULL);
		return (KORE_RESULT_OK);
	}
	/* The body is copied: a job may outlive its request. */
	if ((job = malloc(sizeof(*job) + tmpl->body_len)) == NULL) {
		problem(req, tmpl->route, tmpl->t0, 503, "out of memory", NULL,
		    NULL);
		return (KORE_RESULT_OK);
	}
	memcpy(job, tmpl, sizeof(*job));
	if (tmpl->body_len > 0) {
		memcpy(job + 1, tmpl->body, tmpl->body_len);
		job->body = (const char *)(job + 1);
	}
	req->hdlr_extra = job;
	req->onfree = job_onfree;
	api.jobs++;
	weir_jobs_run(&job->job, req, job_run, job_free);
	return (KORE_RESULT_RETRY);
}

/* The second and later calls of a handler whose job was started. */
static int
resume(struct http_request *req)
{
	struct api_job	*job = req->hdlr_extra;

	if (!weir_job_done(&job->job)) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	if (job->reply.body == NULL)
		weir_api_reply_problem(&job->reply, 503, "out of memory", NULL,
		    NULL);
	respond_reply(req, job->route, job->t0, &job->reply);
	return (KORE_RESULT_OK);
}

static int
is_read(const struct http_request *req)
{
	return (req->method == HTTP_METHOD_GET ||
	    req->method == HTTP_METHOD_HEAD);
}

/* GET with query parameters, handed to a job once they check out. */
static int
read_route(struct http_request *req, enum weir_http_route route,
    enum job_kind kind, enum weir_api_op op)
{
	struct api_job		tmpl;
	struct weir_api_error	err;

	if (req->hdlr_extra != NULL)
		return (resume(req));
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.t0 = now_s();
	tmpl.route = route;
	tmpl.kind = kind;
	if (!api_served(req, route, tmpl.t0))
		return (KORE_RESULT_OK);
	if (!weir_http_only_get(req, route, tmpl.t0))
		return (KORE_RESULT_OK);
	if (!authorized(req, route, tmpl.t0, api.ctx->cfg->api_read_auth))
		return (KORE_RESULT_OK);
	if (weir_api_parse_query(op, req->query_string, &tmpl.q, &err) == -1) {
		problem(req, route, tmpl.t0, 400, "invalid query parameter",
		    err.field, err.rule);
		return (KORE_RESULT_OK);
	}
	return (start_job(req, &tmpl));
}

static int
post_events(struct http_request *req)
{
	struct api_job	tmpl;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.t0 = now_s();
	tmpl.route = WEIR_ROUTE_EVENTS;
	tmpl.kind = JOB_POST;
	if (!authorized(req, tmpl.route, tmpl.t0, 1))
		return (KORE_RESULT_OK);
	if (req->query_string != NULL && req->query_string[0] != '\0') {
		problem(req, tmpl.route, tmpl.t0, 400, "POST takes no query "
		    "parameters", "(query)", "must be empty");
		return (KORE_RESULT_OK);
	}
	if (req->http_body != NULL) {
		tmpl.body = (const char *)req->http_body->data;
		tmpl.body_len = req->http_body_length;
	}
	if (tmpl.body_len > WEIR_INGEST_MAX_BYTES) {
		problem(req, tmpl.route, tmpl.t0, 413, "the body is too large",
		    "body", "must be at most 1048576 bytes");
		return (KORE_RESULT_OK);
	}
	return (start_job(req, &tmpl));
}

int
api_events(struct http_request *req)
{
	if (req->hdlr_extra != NULL)
		return (resume(req));
	if (req->method == HTTP_METHOD_POST) {
		if (!api_served(req, WEIR_ROUTE_EVENTS, now_s()))
			return (KORE_RESULT_OK);
		return (post_events(req));
	}
	if (!is_read(req)) {
		if (!api_served(req, WEIR_ROUTE_EVENTS, now_s()))
			return (KORE_RESULT_OK);
		return (weir_http_method_not_allowed(req, WEIR_ROUTE_EVENTS,
		    now_s(), "GET, HEAD, POST"));
	}
	return (read_route(req, WEIR_ROUTE_EVENTS, JOB_LIST,
	    WEIR_API_OP_EVENTS));
}

int
api_data(struct http_request *req)
{
	return (read_route(req, WEIR_ROUTE_DATA, JOB_LIST, WEIR_API_OP_EVENTS));
}

int
api_aggregates(struct http_request *req)
{
	return (read_route(req, WEIR_ROUTE_AGGREGATES, JOB_AGGREGATES,
	    WEIR_API_OP_AGGREGATES));
}

int
api_stats(struct http_request *req)
{
	return (read_route(req, WEIR_ROUTE_STATS, JOB_STATS, WEIR_API_OP_NONE));
}

/* The id is the rest of the path after /v1/events/, percent-decoded. */
int
api_event(struct http_request *req)
{
	struct api_job		tmpl;
	struct weir_api_error	err;
	const char		*enc = req->path + strlen("/v1/events/");
	size_t			n;

	if (req->hdlr_extra != NULL)
		return (resume(req));
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.t0 = now_s();
	tmpl.route = WEIR_ROUTE_EVENT;
	tmpl.kind = JOB_GET;
	if (!api_served(req, tmpl.route, tmpl.t0))
		return (KORE_RESULT_OK);
	if (!weir_http_only_get(req, tmpl.route, tmpl.t0))
		return (KORE_RESULT_OK);
	if (!authorized(req, tmpl.route, tmpl.t0, api.ctx->cfg->api_read_auth))
		return (KORE_RESULT_OK);
	if (weir_api_url_decode(enc, strlen(enc), 0, tmpl.id,
	    sizeof(tmpl.id), &n) == -1 || !weir_id_is_valid(tmpl.id, n)) {
		problem(req, tmpl.route, tmpl.t0, 400, "invalid event id", "id",
		    "must be 1..128 printable ASCII characters, percent-encoded "
		    "in the path");
		return (KORE_RESULT_OK);
	}
	if (weir_api_parse_query(WEIR_API_OP_NONE, req->query_string, &tmpl.q,
	    &err) == -1) {
		problem(req, tmpl.route, tmpl.t0, 400, "invalid query parameter",
		    err.field, err.rule);
		return (KORE_RESULT_OK);
	}
	return (start_job(req, &tmpl));
}

int
openapi_json(struct http_request *req)
{
	double	t0 = now_s();

	if (!weir_http_only_get(req, WEIR_ROUTE_OPENAPI, t0))
		return (KORE_RESULT_OK);
	weir_http_respond(req, WEIR_ROUTE_OPENAPI, t0, 200, "application/json",
	    asset_openapi_json, asset_len_openapi_json);
	return (KORE_RESULT_OK);
}
