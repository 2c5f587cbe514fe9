/* test_store_errors.c - a server's own failure holds the batch; only a refusal
 * of the request may get a document dead-lettered as store_rejected. */
#include "store/store_errors.h"
#include "unit.h"

/* What FerretDB 1.24 answered, word for word, under code 1. */
#define FERRET_FULL	"[msg_insert.go:168 handler.(*Handler).MsgInsert] " \
	"[db.go:167 fsql.(*DB).InTransaction] database or disk is full (13)"
#define FERRET_BAD_KEY	"[msg_insert.go:168 handler.(*Handler).MsgInsert] " \
	"[collection.go:135 sqlite.(*collection).InsertAll.func1] SQL logic " \
	"error: malformed JSON (1)"

START_TEST(test_full_disk_is_the_servers_fault)
{
	ck_assert_int_eq(weir_store_server_fault(1, FERRET_FULL), 1);
	ck_assert_int_eq(weir_store_server_fault(1, "could not extend file "
	    "\"base/16384/16385\": No space left on device"), 1);
	ck_assert_int_eq(weir_store_server_fault(1, "Disk I/O error"), 1);
	ck_assert_int_eq(weir_store_server_fault(1, "attempt to write a "
	    "readonly database (8)"), 1);
}
END_TEST

START_TEST(test_retried_codes_are_the_servers_fault)
{
	/* NotWritablePrimary, ShutdownInProgress, MaxTimeMSExpired */
	ck_assert_int_eq(weir_store_server_fault(10107, ""), 1);
	ck_assert_int_eq(weir_store_server_fault(91, NULL), 1);
	ck_assert_int_eq(weir_store_server_fault(50, "operation exceeded time "
	    "limit"), 1);
}
END_TEST

START_TEST(test_refusals_stay_refusals)
{
	ck_assert_int_eq(weir_store_server_fault(1, FERRET_BAD_KEY), 0);
	ck_assert_int_eq(weir_store_server_fault(2, "BadValue"), 0);
	ck_assert_int_eq(weir_store_server_fault(17419, "document too large"), 0);
	ck_assert_int_eq(weir_store_server_fault(1, NULL), 0);
	ck_assert_int_eq(weir_store_server_fault(1, ""), 0);
}
END_TEST

Suite *
store_errors_suite(void)
{
	Suite	*s = suite_create("store_errors");
	TCase	*tc = tcase_create("classify");

	tcase_add_test(tc, test_full_disk_is_the_servers_fault);
	tcase_add_test(tc, test_retried_codes_are_the_servers_fault);
	tcase_add_test(tc, test_refusals_stay_refusals);
	suite_add_tcase(s, tc);
	return (s);
}
