/* pipeline.c - the ordered list of stages and the loop that runs them.
 * To add a stage: write stage_<name>.c, declare it in pipeline.h, list it here. */
#include <string.h>
#include <time.h>

#include "base/config.h"
#include "base/timestamp.h"
#include "pipeline/pipeline.h"

const struct weir_stage weir_pipeline_stages[] = {
	{ "decode", weir_stage_decode },
	{ "validate", weir_stage_validate },
	{ "normalise", weir_stage_normalise },
	{ "enrich", weir_stage_enrich },
	{ "window", weir_stage_window },
	{ NULL, NULL }
};

void
weir_stage_ctx_init(struct weir_stage_ctx *sc, const struct weir_config *cfg)
{
	memset(sc, 0, sizeof(*sc));
	sc->max_message_bytes = cfg->max_message_bytes;
	sc->max_future_skew_ms = cfg->max_future_skew_s * 1000;
	sc->processor = cfg->processor_name;
}

size_t
weir_pipeline_stage_count(void)
{
	size_t	n = 0;

	while (weir_pipeline_stages[n].run != NULL)
		n++;
	return (n);
}

enum weir_reason
weir_pipeline_run(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail, uint64_t *stage_ns)
{
	enum weir_reason	r = WEIR_OK;
	uint64_t		t0, t1;

	memset(ev, 0, sizeof(*ev));
	detail[0] = '\0';
	t0 = stage_ns != NULL ? weir_mono_ns() : 0;
	for (size_t i = 0; weir_pipeline_stages[i].run != NULL; i++) {
		r = weir_pipeline_stages[i].run(in, ev, ctx, detail);
		if (stage_ns != NULL) {
			t1 = weir_mono_ns();
			stage_ns[i] += t1 - t0;
			t0 = t1;
		}
		if (r != WEIR_OK)
			break;
	}
	return (r);
}

void
weir_event_clear(struct weir_event *ev)
{
	if (ev->root != NULL)
		json_decref(ev->root);
	ev->root = NULL;
}
