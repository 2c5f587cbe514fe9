/* http_ops.c - the response path (counts, 405) and the operational routes.
 * They read shared state only, so they answer instantly from the event loop. */
#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api/problem.h"

#include "base/config.h"
#include "base/timestamp.h"
#include "base/version.h"
#include "http/http_ops.h"
#include "http/metrics_render.h"
#include "http/procstat.h"
#include "pipeline/pipeline.h"

int	healthz(struct http_request *);
int	api_health(struct http_request *);
int	readyz(struct http_request *);
int	metrics(struct http_request *);
int	not_found(struct http_request *);

/* Set once per worker before it serves requests. */
static struct {
	const struct weir_worker_ctx	*ctx;
} ops;

static enum weir_http_method
method_of(const struct http_request *req)
{
	switch (req->method) {
	case HTTP_METHOD_GET:
		return (WEIR_METHOD_GET);
	case HTTP_METHOD_HEAD:
		return (WEIR_METHOD_HEAD);
	case HTTP_METHOD_POST:
		return (WEIR_METHOD_POST);
	default:
		return (WEIR_METHOD_OTHER);
	}
}

void
weir_http_count(struct http_request *req, enum weir_http_route route,
    double started, int code)
{
	WEIR_INC(weir_metrics->http_requests[route][method_of(req)]
	    [weir_http_code_index(code)], 1);
	weir_hist_observe(&weir_metrics->http_duration[route], WEIR_HIST_SECONDS,
	    (double)weir_mono_ns() / 1e9 - started);
}

void
weir_http_respond(struct http_request *req, enum weir_http_route route,
    double started, int code, const char *type, const void *body, size_t len)
{
	http_response_header(req, "content-type", type);
	http_response_header(req, "cache-control", "no-store");
	http_response(req, code, body, len);
	weir_http_count(req, route, started, code);
}

void
weir_http_ops_init(const struct weir_worker_ctx *ctx)
{
	ops.ctx = ctx;
}

int
weir_http_method_not_allowed(struct http_request *req,
    enum weir_http_route route, double t0, const char *allow)
{
	static const char	oom[] = "{\"title\":\"out of memory\"}";
	char			rule[64], *body;
	size_t			len;

	snprintf(rule, sizeof(rule), "must be one of %s", allow);
	body = weir_problem_render(405, "this route does not take this method",
	    "method", rule, NULL, &len);
	http_response_header(req, "allow", allow);
	weir_http_respond(req, route, t0, 405, WEIR_PROBLEM_TYPE,
	    body != NULL ? body : oom, body != NULL ? len : sizeof(oom) - 1);
	free(body);
	return (KORE_RESULT_OK);
}

int
weir_http_only_get(struct http_request *req, enum weir_http_route route,
    double t0)
{
	if (req->method == HTTP_METHOD_GET || req->method == HTTP_METHOD_HEAD)
		return (1);
	weir_http_method_not_allowed(req, route, t0, "GET, HEAD");
	return (0);
}

/* /healthz (the ops port's probe) and /health (the API's) say the same. */
static int
health(struct http_request *req, enum weir_http_route route)
{
	static const char	body[] = "{\"status\":\"ok\"}";
	double			t0 = (double)weir_mono_ns() / 1e9;

	if (weir_http_only_get(req, route, t0))
		weir_http_respond(req, route, t0, 200, "application/json", body,
		    sizeof(body) - 1);
	return (KORE_RESULT_OK);
}

int
healthz(struct http_request *req)
{
	return (health(req, WEIR_ROUTE_HEALTHZ));
}

int
api_health(struct http_request *req)
{
	return (health(req, WEIR_ROUTE_HEALTH));
}

static const struct weir_worker_slot *
my_slot(void)
{
	int	i = worker != NULL ? worker->id - 1 : 0;

	if (i < 0 || i >= WEIR_WORKERS_MAX)
		i = 0;
	return (&weir_metrics->workers[i]);
}

int
readyz(struct http_request *req)
{
	const struct weir_worker_slot	*s = my_slot();
	struct kore_buf			buf;
	double				t0 = (double)weir_mono_ns() / 1e9;
	int				amqp, mongo;

	if (!weir_http_only_get(req, WEIR_ROUTE_READYZ, t0))
		return (KORE_RESULT_OK);
	if (ops.ctx->cfg->role == WEIR_ROLE_API)
		amqp = WEIR_GET(s->probe_amqp_ok);
	else
		amqp = WEIR_GET(s->consumers_wanted) > 0 &&
		    WEIR_GET(s->amqp_connected) >= WEIR_GET(s->consumers_wanted);
	mongo = WEIR_GET(s->mongodb_connected);
	kore_buf_init(&buf, 256);
	kore_buf_appendf(&buf, "{\"status\":\"%s\",\"role\":\"%s\",\"checks\":"
	    "{\"amqp\":\"%s\",\"mongodb\":\"%s\"}}", amqp && mongo ? "ready" :
	    "unavailable", weir_role_name(ops.ctx->cfg->role), amqp ? "up" : "down",
	    mongo ? "up" : "down");
	weir_http_respond(req, WEIR_ROUTE_READYZ, t0, amqp && mongo ? 200 : 503,
	    "application/json", buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (KORE_RESULT_OK);
}

int
metrics(struct http_request *req)
{
	static const char *stage_names[WEIR_STAGES_MAX + 1];
	struct weir_build_info		info = { WEIR_VERSION, WEIR_COMMIT,
					    NULL };
	struct weir_process_stats	ps;
	struct weir_textbuf		text = { NULL, 0, 0, 0 };
	double				t0 = (double)weir_mono_ns() / 1e9;

	if (!weir_http_only_get(req, WEIR_ROUTE_METRICS, t0))
		return (KORE_RESULT_OK);
	for (size_t i = 0; i < WEIR_STAGES_MAX &&
	    weir_pipeline_stages[i].name != NULL; i++)
		stage_names[i] = weir_pipeline_stages[i].name;
	info.role = weir_role_name(ops.ctx->cfg->role);
	weir_procstat_collect(weir_metrics, ops.ctx->cfg->workers, &ps);
	weir_metrics_render(&text, weir_metrics, ops.ctx->cfg->workers, &ps, &info,
	    stage_names);
	weir_http_respond(req, WEIR_ROUTE_METRICS, t0, text.oom ? 500 : 200,
	    "text/plain; version=0.0.4; charset=utf-8", text.data, text.len);
	weir_textbuf_free(&text);
	return (KORE_RESULT_OK);
}

int
not_found(struct http_request *req)
{
	static const char	body[] = "{\"type\":\"about:blank\",\"title\":"
	    "\"Not Found\",\"status\":404,\"detail\":\"no such route\"}";

	weir_http_respond(req, WEIR_ROUTE_OTHER, (double)weir_mono_ns() / 1e9, 404,
	    "application/problem+json", body, sizeof(body) - 1);
	return (KORE_RESULT_OK);
}
