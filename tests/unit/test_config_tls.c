/* test_config_tls.c - the TLS settings of both links: modes, files, pairs,
 * and the one-line errors naming the variable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "base/config.h"
#include "unit.h"

#define ENV_MAX	24
#define ENV(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* Only the PEM armour matters to weir's check: the bodies are not keys,
 * and no key material is kept in the tree. */
#define PEM(label, body)	"-----BEGIN " label "-----\n" body "\n" \
				"-----END " label "-----\n"
#define KEY_LABEL(kind)		kind "PRIVATE KEY"

static const char	PEM_CERT[] = PEM("CERTIFICATE", "MIIB");
static const char	PEM_KEY[] = PEM(KEY_LABEL(""), "MIIE");
static const char	PEM_BOTH[] = PEM("CERTIFICATE", "MIIB")
    PEM(KEY_LABEL("EC "), "MHc");

/* Temp files of one test; removed in teardown. */
static char	*cert, *key, *both, *junk;

static void
setup(void)
{
	cert = unit_temp_file(PEM_CERT, strlen(PEM_CERT));
	key = unit_temp_file(PEM_KEY, strlen(PEM_KEY));
	both = unit_temp_file(PEM_BOTH, strlen(PEM_BOTH));
	junk = unit_temp_file("not a pem\n", 10);
}

static void
teardown(void)
{
	char	*all[] = { cert, key, both, junk };

	for (size_t i = 0; i < 4; i++) {
		unlink(all[i]);
		free(all[i]);
	}
}

/* Loads with the RabbitMQ credentials plus `env`, whose "%C", "%K", "%B"
 * and "%J" stand for the certificate, key, both-in-one and junk files. */
static enum weir_config_result
load(struct weir_config *cfg, const char *const *env, char *err, size_t len)
{
	const char	*all[ENV_MAX];
	char		*owned[ENV_MAX];
	char		*argv[] = { "weir", NULL };
	size_t		n = 0;
	enum weir_config_result rc;

	mongoc_log_set_handler(NULL, NULL);
	all[n++] = "RABBITMQ_USERNAME=u";
	all[n++] = "RABBITMQ_PASSWORD=p";
	for (size_t i = 0; env[i] != NULL; i++, n++) {
		const char	*pct = strchr(env[i], '%');
		const char	*path = NULL;

		ck_assert_uint_lt(n, ENV_MAX - 1);
		owned[i] = NULL;
		if (pct != NULL) {
			path = pct[1] == 'C' ? cert : pct[1] == 'K' ? key :
			    pct[1] == 'B' ? both : junk;
			owned[i] = unit_strf("%.*s%s", (int)(pct - env[i]),
			    env[i], path);
		}
		all[n] = owned[i] ? owned[i] : env[i];
	}
	all[n] = NULL;
	rc = weir_config_load(cfg, 1, argv, unit_getenv, all, err, len);
	for (size_t i = 0; env[i] != NULL; i++)
		free(owned[i]);
	return (rc);
}

static void
load_ok(struct weir_config *cfg, const char *const *env)
{
	char	err[512];

	ck_assert_msg(load(cfg, env, err, sizeof(err)) == WEIR_CONFIG_OK,
	    "error: %s", err);
}

static void
load_err(const char *const *env, const char *want)
{
	struct weir_config	c;
	char			err[512];

	ck_assert_int_eq(load(&c, env, err, sizeof(err)), WEIR_CONFIG_ERROR);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(test_tls_defaults_off)
{
	struct weir_config	c;

	load_ok(&c, ENV("WEIR_ROLE=all"));
	ck_assert_int_eq(c.amqp_tls, 0);
	ck_assert_int_eq(c.amqp_verify_hostname, 1);
	ck_assert_str_eq(c.amqp_ca_file, "");
	ck_assert_str_eq(c.amqp_cert_file, "");
	ck_assert_int_eq(c.mongodb_tls, 0);
	ck_assert_str_eq(c.mongodb_ca_file, "");
}
END_TEST

START_TEST(test_amqps_with_files)
{
	struct weir_config	c;

	load_ok(&c, ENV("RABBITMQ_URL=amqps://u:p@mq.example/",
	    "RABBITMQ_CA_FILE=%C", "RABBITMQ_CERT_FILE=%C",
	    "RABBITMQ_KEY_FILE=%K"));
	ck_assert_int_eq(c.amqp_tls, 1);
	ck_assert_int_eq(c.amqp_port, 5671);
	ck_assert_str_eq(c.amqp_ca_file, cert);
	ck_assert_str_eq(c.amqp_cert_file, cert);
	ck_assert_str_eq(c.amqp_key_file, key);
}
END_TEST

START_TEST(test_amqp_tls_on_with_parts)
{
	struct weir_config	c;

	load_ok(&c, ENV("RABBITMQ_TLS=on", "RABBITMQ_PORT=5671",
	    "RABBITMQ_CA_FILE=%C", "RABBITMQ_TLS_VERIFY_HOSTNAME=off"));
	ck_assert_int_eq(c.amqp_tls, 1);
	ck_assert_int_eq(c.amqp_verify_hostname, 0);
}
END_TEST

START_TEST(test_mongodb_tls_from_uri_and_var)
{
	struct weir_config	c;

	load_ok(&c, ENV("MONGODB_URI=mongodb://db/?tls=true",
	    "MONGODB_CA_FILE=%C", "MONGODB_CERT_FILE=%B"));
	ck_assert_int_eq(c.mongodb_tls, 1);
	ck_assert_str_eq(c.mongodb_cert_file, both);
	ck_assert_str_eq(c.mongodb_key_file, "");
	load_ok(&c, ENV("MONGODB_TLS=on", "MONGODB_CERT_FILE=%C",
	    "MONGODB_KEY_FILE=%K"));
	ck_assert_int_eq(c.mongodb_tls, 1);
	ck_assert_str_eq(c.mongodb_key_file, key);
	load_ok(&c, ENV("MONGODB_URI=mongodb://db/?tlsCAFile=/x.pem"));
	ck_assert_int_eq(c.mongodb_tls, 1);
}
END_TEST

/* Each mistake: one line naming the variable at fault. */
START_TEST(test_tls_errors)
{
	load_err(ENV("RABBITMQ_TLS=maybe"), "RABBITMQ_TLS: 'maybe'");
	load_err(ENV("RABBITMQ_TLS_VERIFY_HOSTNAME=no"),
	    "RABBITMQ_TLS_VERIFY_HOSTNAME: 'no'");
	load_err(ENV("RABBITMQ_CA_FILE=%C"), "RABBITMQ_CA_FILE: set, but TLS "
	    "is off");
	load_err(ENV("RABBITMQ_URL=amqp://u:p@h/", "RABBITMQ_TLS=on"),
	    "RABBITMQ_TLS: 'on', but RABBITMQ_URL is amqp://");
	load_err(ENV("RABBITMQ_URL=amqps://u:p@h/", "RABBITMQ_TLS=off"),
	    "RABBITMQ_TLS: 'off', but RABBITMQ_URL is amqps://");
	load_err(ENV("RABBITMQ_TLS=on", "RABBITMQ_CA_FILE=/nonexistent.pem"),
	    "RABBITMQ_CA_FILE: cannot read /nonexistent.pem: No such file");
	load_err(ENV("RABBITMQ_TLS=on", "RABBITMQ_CA_FILE=%J"),
	    "RABBITMQ_CA_FILE: ");
	load_err(ENV("RABBITMQ_TLS=on", "RABBITMQ_CERT_FILE=%C"),
	    "RABBITMQ_KEY_FILE: required with RABBITMQ_CERT_FILE");
	load_err(ENV("RABBITMQ_TLS=on", "RABBITMQ_KEY_FILE=%K"),
	    "RABBITMQ_CERT_FILE: required with RABBITMQ_KEY_FILE");
	load_err(ENV("RABBITMQ_TLS=on", "RABBITMQ_CERT_FILE=%C",
	    "RABBITMQ_KEY_FILE=%C"), "RABBITMQ_KEY_FILE: ");
	load_err(ENV("MONGODB_TLS=sometimes"), "MONGODB_TLS: 'sometimes'");
	load_err(ENV("MONGODB_KEY_FILE=%K", "MONGODB_TLS=on"),
	    "MONGODB_CERT_FILE: required with MONGODB_KEY_FILE");
	load_err(ENV("MONGODB_CA_FILE=%C"), "MONGODB_CA_FILE: set, but TLS is "
	    "off");
	load_err(ENV("MONGODB_URI=mongodb://db/?tls=true", "MONGODB_TLS=off"),
	    "MONGODB_TLS: 'off', but MONGODB_URI asks for TLS");
	load_err(ENV("MONGODB_TLS=on", "MONGODB_CERT_FILE=%C"),
	    "MONGODB_CERT_FILE: ");
	load_err(ENV("MONGODB_URI=mongodb://db/?tlsCAFile=/x.pem",
	    "MONGODB_CA_FILE=%C"), "MONGODB_CA_FILE: MONGODB_URI sets "
	    "tlsCAFile too");
}
END_TEST

Suite *
config_tls_suite(void)
{
	Suite	*s = suite_create("config_tls");
	TCase	*tc = tcase_create("tls");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tls_defaults_off);
	tcase_add_test(tc, test_amqps_with_files);
	tcase_add_test(tc, test_amqp_tls_on_with_parts);
	tcase_add_test(tc, test_mongodb_tls_from_uri_and_var);
	tcase_add_test(tc, test_tls_errors);
	suite_add_tcase(s, tc);
	return (s);
}
