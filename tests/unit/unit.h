/* unit.h - shared declarations of the unit-test runner.
 * One Suite per src/ module; run.c adds them all to one SRunner. */
#ifndef WEIR_UNIT_H
#define WEIR_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "event/event.h"
#include "pipeline/pipeline.h"

/* A fixed clock for every pipeline test: 2023-11-14T22:13:20.000Z. */
#define UNIT_NOW_MS		1700000000000LL
#define UNIT_SKEW_MS		86400000LL
#define UNIT_MAX_BYTES		65536
#define UNIT_PROCESSOR		"unit-proc"

Suite	*reason_suite(void);
Suite	*timestamp_suite(void);
Suite	*event_id_suite(void);
Suite	*validate_suite(void);
Suite	*pipeline_suite(void);
Suite	*window_suite(void);
Suite	*config_suite(void);
Suite	*metrics_suite(void);
Suite	*metrics_render_suite(void);
Suite	*textbuf_suite(void);
Suite	*event_bson_suite(void);
Suite	*event_scan_suite(void);
Suite	*claimed_set_suite(void);
Suite	*batch_suite(void);
Suite	*http_negotiate_suite(void);
Suite	*api_suite(void);
Suite	*api_render_suite(void);
Suite	*layers_suite(void);
Suite	*store_errors_suite(void);
Suite	*config_tls_suite(void);
Suite	*amqp_refusal_suite(void);

/* The stage context the tests use unless they need another one. */
struct weir_stage_ctx	unit_ctx(void);

/* Runs the whole pipeline over a NUL-terminated body with unit_ctx(),
 * and again with a scan buffer: both must agree (or the test fails).
 * The caller must weir_event_clear(ev). */
enum weir_reason	unit_run(const char *body, struct weir_event *ev,
			    char detail[WEIR_DETAIL_MAX]);
enum weir_reason	unit_run_len(const char *body, size_t len,
			    const struct weir_stage_ctx *, struct weir_event *,
			    char detail[WEIR_DETAIL_MAX]);

/* Both events hold the same values and make byte-identical documents. */
void	unit_same_event(const struct weir_event *, const struct weir_event *);
void	unit_same_document(const struct weir_event *,
	    const struct weir_event *);

/* `n` copies of `unit` concatenated; the caller frees. */
char	*unit_repeat(const char *unit, size_t n);
/* printf into a new string; the caller frees. */
char	*unit_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes `len` bytes to a new file under $TMPDIR (or /tmp); returns its
 * malloc'd path. */
char	*unit_temp_file(const char *content, size_t len);

/* A weir_getenv_fn over a NULL-terminated list of "NAME=value". */
const char	*unit_getenv(const char *name, void *arg);

#endif
