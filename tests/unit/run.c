/* run.c - the unit-test runner: one suite per pure src/ module.
 * Fork mode by default (CK_FORK=no to debug); CK_RUN_SUITE/CK_RUN_CASE
 * select a subset. Exit status is non-zero when any check fails. */
#include <stdlib.h>

#include "unit.h"

int
main(void)
{
	SRunner	*sr;
	int	failed;

	sr = srunner_create(reason_suite());
	srunner_add_suite(sr, timestamp_suite());
	srunner_add_suite(sr, event_id_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, pipeline_suite());
	srunner_add_suite(sr, window_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, metrics_render_suite());
	srunner_add_suite(sr, textbuf_suite());
	srunner_add_suite(sr, event_bson_suite());
	srunner_add_suite(sr, event_scan_suite());
	srunner_add_suite(sr, claimed_set_suite());
	srunner_add_suite(sr, batch_suite());
	srunner_add_suite(sr, http_negotiate_suite());
	srunner_add_suite(sr, api_suite());
	srunner_add_suite(sr, api_render_suite());
	srunner_add_suite(sr, layers_suite());
	srunner_add_suite(sr, store_errors_suite());
	srunner_add_suite(sr, config_tls_suite());
	srunner_add_suite(sr, amqp_refusal_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
