/* api_post.c - the answer of POST /v1/events: check every event, publish
 * them all with confirms or none, and say which ids were accepted. */
#include <stdio.h>

#include "api/api_post.h"
#include "api/problem.h"
#include "base/timestamp.h"

static void
reply_accepted(struct weir_api_reply *r, const struct weir_ingest *in)
{
	json_t	*o = json_object(), *ids = json_array();

	for (size_t i = 0; i < in->n; i++)
		json_array_append_new(ids, json_string(in->items[i].id));
	json_object_set_new(o, "accepted", json_integer((json_int_t)in->n));
	json_object_set_new(o, "ids", ids);
	weir_api_reply_json(r, 202, o);
}

static void
reply_rejected(struct weir_api_reply *r, struct weir_ingest *in)
{
	json_t		*first = json_array_get(in->rejected, 0);
	char		detail[128], field[64];

	snprintf(detail, sizeof(detail), "%zu of %zu events are invalid; "
	    "nothing was published", in->n_rejected, in->n);
	snprintf(field, sizeof(field), "body[%d].%s",
	    (int)json_integer_value(json_object_get(first, "index")),
	    json_string_value(json_object_get(first, "field")));
	r->status = 400;
	r->type = WEIR_PROBLEM_TYPE;
	r->body = weir_problem_render(400, detail, field,
	    json_string_value(json_object_get(first, "detail")),
	    json_incref(in->rejected), &r->len);
	if (r->body == NULL)
		weir_api_reply_problem(r, 503, "out of memory", NULL, NULL);
}

void
weir_api_post_events(struct weir_publisher *pub,
    const struct weir_config *cfg, const char *body, size_t len,
    struct weir_api_reply *r)
{
	struct weir_stage_ctx	sc;
	struct weir_ingest	in;
	struct weir_api_error	err;
	char			why[256];

	weir_stage_ctx_init(&sc, cfg);
	sc.now_ms = weir_now_ms();
	switch (weir_ingest_parse(body, len, &sc, &in, &err)) {
	case WEIR_INGEST_OK:
		if (weir_publisher_send(pub, in.items, in.n, why,
		    sizeof(why)) == 0)
			reply_accepted(r, &in);
		else
			weir_api_reply_problem(r, 503, why, NULL, NULL);
		break;
	case WEIR_INGEST_REJECTED:
		reply_rejected(r, &in);
		break;
	case WEIR_INGEST_BAD_BODY:
		weir_api_reply_problem(r, 400, "the body is not "
		    "events", err.field, err.rule);
		break;
	case WEIR_INGEST_TOO_LARGE:
		weir_api_reply_problem(r, 413, "the body is too large",
		    err.field, err.rule);
		break;
	case WEIR_INGEST_NOMEM:
		weir_api_reply_problem(r, 503, "out of memory", NULL,
		    NULL);
		break;
	}
	weir_ingest_free(&in);
}
