/* test_event_id.c - the idempotency key: body `id`, message-id, SHA-256.
 * A wrong key would turn redeliveries into duplicates. */
#include <stdlib.h>
#include <string.h>

#include "event/event_id.h"
#include "unit.h"

#define SHA_ABC	\
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

START_TEST(test_id_valid_lengths)
{
	char	*s128 = unit_repeat("a", 128);
	char	*s129 = unit_repeat("a", 129);

	ck_assert_int_eq(weir_id_is_valid("a", 0), 0);
	ck_assert_int_eq(weir_id_is_valid("a", 1), 1);
	ck_assert_int_eq(weir_id_is_valid(s128, 128), 1);
	ck_assert_int_eq(weir_id_is_valid(s129, 129), 0);
	free(s128);
	free(s129);
}
END_TEST

START_TEST(test_id_valid_printable)
{
	char	c[1];

	for (int i = 0; i < 256; i++) {
		c[0] = (char)i;
		ck_assert_msg(weir_id_is_valid(c, 1) ==
		    (i >= 0x20 && i <= 0x7e), "byte 0x%02x misclassified", i);
	}
	ck_assert_int_eq(weir_id_is_valid("order 17/\"x\"~", 13), 1);
	ck_assert_int_eq(weir_id_is_valid("ab\tc", 4), 0);
	ck_assert_int_eq(weir_id_is_valid("caf\xc3\xa9", 5), 0);
	ck_assert_int_eq(weir_id_is_valid("a\0b", 3), 0);
}
END_TEST

START_TEST(test_id_sha256)
{
	char	out[65];

	memset(out, 'x', sizeof(out));
	weir_id_from_body("abc", 3, out);
	ck_assert_str_eq(out, SHA_ABC);
	weir_id_from_body("", 0, out);
	ck_assert_str_eq(out, SHA_EMPTY);
	/* Only `len` bytes are hashed. */
	weir_id_from_body("abcdef", 3, out);
	ck_assert_str_eq(out, SHA_ABC);
}
END_TEST

START_TEST(test_id_field_wins)
{
	struct weir_input	in = { .body = "abc", .len = 3,
	    .message_id = "amqp-1", .message_id_len = 6 };
	json_t			*f = json_string("body-1");
	char			out[WEIR_ID_MAX + 1];

	ck_assert_int_eq(weir_id_derive(f, &in, out), 0);
	ck_assert_str_eq(out, "body-1");
	json_decref(f);
}
END_TEST

START_TEST(test_id_field_invalid)
{
	struct weir_input	in = { .body = "abc", .len = 3,
	    .message_id = "amqp-1", .message_id_len = 6 };
	char			out[WEIR_ID_MAX + 1];
	char			*long_id = unit_repeat("x", 129);
	json_t			*bad[] = { json_integer(5), json_string(""),
	    json_string(long_id), json_string("tab\there"),
	    json_string("caf\xc3\xa9"), json_null(), json_true(),
	    json_object() };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_ptr_nonnull(bad[i]);
		ck_assert_msg(weir_id_derive(bad[i], &in, out) == -1,
		    "bad id #%zu accepted", i);
		json_decref(bad[i]);
	}
	free(long_id);
}
END_TEST

START_TEST(test_id_field_128)
{
	struct weir_input	in = { .body = "abc", .len = 3 };
	char			out[WEIR_ID_MAX + 1];
	char			*id = unit_repeat("~", 128);
	json_t			*f = json_string(id);

	ck_assert_int_eq(weir_id_derive(f, &in, out), 0);
	ck_assert_str_eq(out, id);
	json_decref(f);
	free(id);
}
END_TEST

START_TEST(test_id_message_id_fallback)
{
	/* The message-id is not NUL-terminated at its length. */
	struct weir_input	in = { .body = "abc", .len = 3,
	    .message_id = "amqp-1XYZ", .message_id_len = 6 };
	char			out[WEIR_ID_MAX + 1];

	ck_assert_int_eq(weir_id_derive(NULL, &in, out), 0);
	ck_assert_str_eq(out, "amqp-1");
}
END_TEST

START_TEST(test_id_body_hash_fallback)
{
	char			*long_mid = unit_repeat("m", 129);
	struct weir_input	in = { .body = "abc", .len = 3 };
	char			out[WEIR_ID_MAX + 1];

	ck_assert_int_eq(weir_id_derive(NULL, &in, out), 0);
	ck_assert_str_eq(out, SHA_ABC);
	/* An unusable message-id falls through to the hash, not an error. */
	in.message_id = long_mid;
	in.message_id_len = 129;
	ck_assert_int_eq(weir_id_derive(NULL, &in, out), 0);
	ck_assert_str_eq(out, SHA_ABC);
	in.message_id = "";
	in.message_id_len = 0;
	ck_assert_int_eq(weir_id_derive(NULL, &in, out), 0);
	ck_assert_str_eq(out, SHA_ABC);
	in.message_id = "a\nb";
	in.message_id_len = 3;
	ck_assert_int_eq(weir_id_derive(NULL, &in, out), 0);
	ck_assert_str_eq(out, SHA_ABC);
	free(long_mid);
}
END_TEST

Suite *
event_id_suite(void)
{
	Suite	*s = suite_create("event_id");
	TCase	*tc = tcase_create("derive");

	tcase_add_test(tc, test_id_valid_lengths);
	tcase_add_test(tc, test_id_valid_printable);
	tcase_add_test(tc, test_id_sha256);
	tcase_add_test(tc, test_id_field_wins);
	tcase_add_test(tc, test_id_field_invalid);
	tcase_add_test(tc, test_id_field_128);
	tcase_add_test(tc, test_id_message_id_fallback);
	tcase_add_test(tc, test_id_body_hash_fallback);
	suite_add_tcase(s, tc);
	return (s);
}
