/* bench/lib/pipeline.c - bench/pipeline's driver: weir's consumer hot path without broker or store
 * (decode .. window, batch BSON encode, window sums) over N bench-shaped events in one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "pipeline.h"
#include "window_acc.h"

/* Every allocation call the process makes, wherever it comes from: these
 * definitions interpose on libc's for jansson, libbson and weir alike. */
extern void	*__libc_malloc(size_t);
extern void	*__libc_calloc(size_t, size_t);
extern void	*__libc_realloc(void *, size_t);
static uint64_t	 allocs;

void *
malloc(size_t n)
{
	allocs++;
	return (__libc_malloc(n));
}

void *
calloc(size_t n, size_t size)
{
	allocs++;
	return (__libc_calloc(n, size));
}

void *
realloc(void *p, size_t n)
{
	allocs++;
	return (__libc_realloc(p, n));
}

#define RING	10000

static uint64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static double
cpu_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The body bench/lib/publish.c sends for event i: 256 bytes by default. */
static size_t
make_body(char *buf, size_t cap, long i, int64_t ts, size_t size)
{
	int	hl;
	size_t	pad;

	hl = snprintf(buf, cap, "{\"id\":\"pipe-%ld\",\"source\":\"sensor-%ld\","
	    "\"type\":\"temperature\",\"ts\":%lld,\"value\":%.2f,\"data\":"
	    "{\"unit\":\"celsius\",\"seq\":%ld,\"pad\":\"", i, i % 10,
	    (long long)ts, 20.0 + (double)(i % 1000) / 100.0, i);
	pad = size > (size_t)hl + 3 ? size - (size_t)hl - 3 : 0;
	if ((size_t)hl + pad + 4 > cap) {
		fprintf(stderr, "pipeline: body too large\n");
		exit(2);
	}
	memset(buf + hl, 'x', pad);
	memcpy(buf + hl + pad, "\"}}", 4);
	return ((size_t)hl + pad + 3);
}

int
main(int argc, char **argv)
{
	long			 n = 1000000, batch = 500, acks = 11, i;
	size_t			 size = 256, stages, s;
	int64_t			 now = 1700000000000LL;
	struct weir_stage_ctx	 ctx = {
		.max_message_bytes = 1 << 20,
		.max_future_skew_ms = 300000,
		.processor = "bench-pipeline",
	};
	struct weir_batch	 b;
	struct weir_window_acc	 acc;
	struct weir_scan_buf	 scan;
	struct weir_event	 ev;
	struct weir_input	 in;
	char			*bodies, body[4096], detail[WEIR_DETAIL_MAX];
	size_t			*lens;
	char			 key[64];
	uint64_t		 stage_ns[WEIR_STAGE_MAX] = { 0 };
	uint64_t		 t0, t1, a0, a1;
	double			 c0, c1;
	long			 bad = 0, timed = 0;

	if (argc > 1)
		n = atol(argv[1]);
	if (argc > 2)
		size = (size_t)atol(argv[2]);
	if (n < 1 || size < 64 || size > sizeof(body) - 1) {
		fprintf(stderr, "usage: pipeline [N [BODY_BYTES]]\n");
		return (2);
	}
	/* The consumer's stage context has a scan buffer of its own. */
	ctx.scan = &scan;
	if (weir_batch_init(&b, (size_t)batch) == -1 ||
	    weir_window_acc_init(&acc, (size_t)batch) == -1 ||
	    weir_scan_buf_init(&scan) == -1) {
		fprintf(stderr, "pipeline: out of memory\n");
		return (1);
	}
	/* A ring of RING distinct bodies made beforehand, so that only what
	 * weir does is timed. */
	if ((bodies = malloc((size_t)RING * (size + 256))) == NULL ||
	    (lens = malloc(RING * sizeof(*lens))) == NULL) {
		fprintf(stderr, "pipeline: out of memory\n");
		return (1);
	}
	for (i = 0; i < RING; i++) {
		lens[i] = make_body(body, sizeof(body), i, now + i, size);
		memcpy(bodies + (size_t)i * (size + 256), body, lens[i]);
	}
	memset(&ev, 0, sizeof(ev));
	snprintf(key, sizeof(key), "temperature.sensor");

	a0 = allocs;
	t0 = mono_ns();
	c0 = cpu_s();
	for (i = 0; i < n; i++) {
		memset(&in, 0, sizeof(in));
		in.body = bodies + (size_t)(i % RING) * (size + 256);
		in.len = lens[i % RING];
		ctx.now_ms = in.received_at_ms = now + i % RING;
		if (b.deliveries == 0)
			b.started_ms = in.received_at_ms;
		b.deliveries++;
		/* Timed as the consumer times them: one delivery in
		 * WEIR_STAGE_SAMPLE, the first of each batch included. */
		if ((b.deliveries - 1) % WEIR_STAGE_SAMPLE == 0)
			timed++;
		if (weir_pipeline_run(&in, &ev, &ctx, detail,
		    (b.deliveries - 1) % WEIR_STAGE_SAMPLE == 0 ? stage_ns :
		    NULL) !=
		    WEIR_OK || weir_batch_add(&b, &ev, in.body, in.len, key,
		    strlen(key), NULL, 0) != 0) {
			weir_event_clear(&ev);
			bad++;
		}
		if ((long)b.deliveries < batch && i + 1 < n)
			continue;
		/* The store kept all of them: sum windows, fold them into
		 * what the next ack applies (every `acks` batches). */
		memset(b.rejected_at, 0, b.n);
		weir_batch_sum_windows(&b);
		if (weir_window_acc_add(&acc, &b) == -1) {
			weir_window_acc_reset(&acc);
			(void)weir_window_acc_add(&acc, &b);
		}
		if ((i + 1) % (batch * acks) == 0)
			weir_window_acc_reset(&acc);
		weir_batch_reset(&b);
	}
	c1 = cpu_s();
	t1 = mono_ns();
	a1 = allocs;

	stages = weir_pipeline_stage_count();
	printf("events=%ld rejected=%ld body_bytes=%zu batch=%ld\n", n, bad,
	    size, batch);
	printf("wall_s=%.3f cpu_s=%.3f wall_ns_per_event=%.0f "
	    "events_per_s_per_core=%.0f\n", (double)(t1 - t0) / 1e9, c1 - c0,
	    (double)(t1 - t0) / (double)n, (double)n / (c1 - c0));
	/* Per stage: monotonic clock around each stage, as weir's consumer
	 * times them (so it includes time the thread was preempted). */
	printf("stage_ns_per_event");
	for (s = 0; s < stages; s++)
		printf(" %s=%.0f", weir_pipeline_stages[s].name,
		    (double)stage_ns[s] / (double)timed);
	printf("\n");
	/* CPU time, not wall: the figure must not count other processes. */
	printf("pipeline_ns_per_event=%.0f allocs_per_event=%.2f\n",
	    (c1 - c0) * 1e9 / (double)n, (double)(a1 - a0) / (double)n);
	free(bodies);
	free(lens);
	weir_window_acc_free(&acc);
	weir_batch_free(&b);
	weir_scan_buf_free(&scan);
	return (bad > 0);
}
