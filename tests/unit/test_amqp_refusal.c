/* test_amqp_refusal.c - the words weir finds for a broker's channel.close,
 * above all an ACCESS_REFUSED: which permission, on what, for whom. */
#include <string.h>

#include "amqp/amqp_conn.h"
#include "unit.h"

static void
describe(unsigned code, const char *text, const char *what, char *err,
    size_t len)
{
	weir_amqp_describe_close(code, amqp_cstring_bytes(text), what, err,
	    len);
}

START_TEST(test_refusal_names_permission)
{
	static const char *const kinds[] = { "configure", "write", "read" };
	char	text[256], want[256], err[512];

	for (size_t i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "ACCESS_REFUSED - %s access to "
		    "queue 'events.dead' in vhost '/' refused for user 'weir'",
		    kinds[i]);
		describe(403, text, "bind queue events.dead", err, sizeof(err));
		snprintf(want, sizeof(want), "bind queue events.dead: "
		    "permission missing: user 'weir' has no %s permission on "
		    "queue 'events.dead' in vhost '/'", kinds[i]);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "'%s' does not start with '%s'", err, want);
	}
}
END_TEST

/* RabbitMQ 3.x leaves the kind out; the operation and object tell it. */
START_TEST(test_refusal_kind_from_operation)
{
	static const struct {
		const char	*what, *object, *kind;
	} cases[] = {
		{ "declare exchange x", "exchange 'x'", "configure" },
		{ "declare queue q", "queue 'q'", "configure" },
		{ "declare queue q", "exchange 'dlx'", "write" },
		{ "bind queue q to exchange x", "queue 'q'", "write" },
		{ "bind queue q to exchange x", "exchange 'x'", "read" },
		{ "basic.consume", "queue 'q'", "read" },
		{ "publish", "exchange 'x'", "write" },
	};
	char	text[256], want[256], err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(text, sizeof(text), "ACCESS_REFUSED - access to %s in "
		    "vhost '/' refused for user 'u'", cases[i].object);
		describe(403, text, cases[i].what, err, sizeof(err));
		snprintf(want, sizeof(want), "%s: permission missing: user 'u' "
		    "has no %s permission on %s in vhost '/' (", cases[i].what,
		    cases[i].kind, cases[i].object);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "'%s' does not start with '%s'", err, want);
	}
	/* An operation weir cannot map is reported as the broker said it. */
	describe(403, "ACCESS_REFUSED - access to queue 'q' in vhost '/' "
	    "refused for user 'u'", "basic.qos", err, sizeof(err));
	ck_assert_str_eq(err, "basic.qos: closed by the broker: 403 "
	    "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for "
	    "user 'u'");
}
END_TEST

START_TEST(test_other_closes_verbatim)
{
	char	err[512];

	describe(403, "ACCESS_REFUSED - Login was refused using authentication "
	    "mechanism PLAIN", "login", err, sizeof(err));
	ck_assert_str_eq(err, "login: closed by the broker: 403 ACCESS_REFUSED "
	    "- Login was refused using authentication mechanism PLAIN");
	describe(404, "NOT_FOUND - no queue 'q' in vhost '/'", "consume", err,
	    sizeof(err));
	ck_assert_str_eq(err, "consume: closed by the broker: 404 NOT_FOUND - "
	    "no queue 'q' in vhost '/'");
	describe(403, "ACCESS_REFUSED - delete access to queue 'q' refused "
	    "for user 'u'", "x", err, 16);
	ck_assert_uint_eq(strlen(err), 15);
}
END_TEST

Suite *
amqp_refusal_suite(void)
{
	Suite	*s = suite_create("amqp_refusal");
	TCase	*tc = tcase_create("describe");

	tcase_add_test(tc, test_refusal_names_permission);
	tcase_add_test(tc, test_refusal_kind_from_operation);
	tcase_add_test(tc, test_other_closes_verbatim);
	suite_add_tcase(s, tc);
	return (s);
}
