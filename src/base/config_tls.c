/* config_tls.c - TLS settings of the AMQP and MongoDB links: on or off, and
 * the CA, certificate and key files, checked at start so a typo exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "base/config.h"
#include "base/config_priv.h"

/* PEM files are small; a larger one is not what the setting meant. */
#define PEM_MAX		(1024 * 1024)

enum tls_mode { TLS_AUTO, TLS_ON, TLS_OFF };

/* 1 when the file holds a PEM block whose label contains `label`. */
static int
pem_has(const char *text, const char *label)
{
	const char	*p = text, *end;

	while ((p = strstr(p, "-----BEGIN ")) != NULL) {
		p += 11;
		end = strstr(p, "-----");
		if (end == NULL)
			return (0);
		for (const char *q = p; q + strlen(label) <= end; q++) {
			if (strncmp(q, label, strlen(label)) == 0)
				return (1);
		}
	}
	return (0);
}

/* Reads a PEM file into buf (NUL-terminated); -1 with err naming the
 * variable when it cannot be read. */
static int
read_pem(enum opt o, const char *path, char *buf, size_t size, char *err,
    size_t len)
{
	FILE	*fp;
	size_t	n;

	if ((fp = fopen(path, "r")) == NULL)
		return (fail(err, len, "%s: cannot read %s: %s",
		    env_of(o), path, strerror(errno)));
	n = fread(buf, 1, size - 1, fp);
	if (ferror(fp)) {
		fclose(fp);
		return (fail(err, len, "%s: cannot read %s: %s",
		    env_of(o), path, strerror(errno)));
	}
	fclose(fp);
	buf[n] = '\0';
	return (0);
}

/* Checks that the file holds a PEM block labelled `want` (and `also`,
 * when not NULL). */
static int
pem_check(enum opt o, const char *path, const char *want, const char *also,
    char *err, size_t len)
{
	char	*buf;
	int	rc = -1;

	if ((buf = malloc(PEM_MAX)) == NULL)
		return (fail(err, len, "%s: out of memory", env_of(o)));
	if (read_pem(o, path, buf, PEM_MAX, err, len) == -1)
		goto done;
	if (!pem_has(buf, want))
		fail(err, len, "%s: %s holds no PEM %s",
		    env_of(o), path, want);
	else if (also != NULL && !pem_has(buf, also))
		fail(err, len, "%s: %s holds no PEM %s (put it "
		    "there too, or name it in %s)", env_of(o), path,
		    also, env_of(O_MONGO_KEY));
	else
		rc = 0;
done:
	free(buf);
	return (rc);
}

/* Copies the path of file setting o into dst once the file checks out. */
static int
pem_setting(const struct raw *raw, enum opt o, const char *want,
    const char *also, char *dst, size_t size, char *err, size_t len)
{
	const char	*path = raw->value[o];

	dst[0] = '\0';
	if (path == NULL)
		return (0);
	if (strlen(path) >= size)
		return (fail(err, len, "%s: longer than %zu bytes",
		    env_of(o), size - 1));
	if (pem_check(o, path, want, also, err, len) == -1)
		return (-1);
	memcpy(dst, path, strlen(path) + 1);
	return (0);
}

/* A certificate and a key go together; a file without TLS is a mistake
 * worth stopping for, since the operator believes the link is secured. */
static int
check_pairing(const struct raw *raw, enum opt ca, enum opt cert,
    enum opt key, int tls, const char *how, char *err, size_t len)
{
	enum opt	set[3] = { ca, cert, key };

	if (raw->value[key] != NULL && raw->value[cert] == NULL)
		return (fail(err, len, "%s: required with %s",
		    env_of(cert), env_of(key)));
	for (int i = 0; i < 3 && !tls; i++) {
		if (raw->value[set[i]] != NULL)
			return (fail(err, len, "%s: set, but TLS is off (%s)",
			    env_of(set[i]), how));
	}
	return (0);
}

static int
parse_amqp_tls(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const modes[] = { "auto", "on", "off", NULL };
	static const char *const onoff[] = { "off", "on", NULL };
	int	mode = TLS_AUTO;
	int	url = raw->value[O_RMQ_URL] != NULL;

	if (weir_config_pick(raw, O_RMQ_TLS, modes, &mode, err, len) == -1 ||
	    weir_config_pick(raw, O_RMQ_VERIFY_HOST, onoff,
	    &cfg->amqp_verify_hostname, err, len) == -1)
		return (-1);
	if (mode == TLS_ON && url && !cfg->amqp_tls)
		return (fail(err, len, "RABBITMQ_TLS: 'on', but RABBITMQ_URL "
		    "is amqp:// (use amqps://)"));
	if (mode == TLS_OFF && cfg->amqp_tls)
		return (fail(err, len, "RABBITMQ_TLS: 'off', but RABBITMQ_URL "
		    "is amqps://"));
	if (mode == TLS_ON)
		cfg->amqp_tls = 1;
	if (raw->value[O_RMQ_CERT] != NULL && raw->value[O_RMQ_KEY] == NULL)
		return (fail(err, len, "RABBITMQ_KEY_FILE: required with "
		    "RABBITMQ_CERT_FILE"));
	if (check_pairing(raw, O_RMQ_CA, O_RMQ_CERT, O_RMQ_KEY, cfg->amqp_tls,
	    "use amqps:// or RABBITMQ_TLS=on", err, len) == -1)
		return (-1);
	return (pem_setting(raw, O_RMQ_CA, "CERTIFICATE", NULL,
	    cfg->amqp_ca_file, sizeof(cfg->amqp_ca_file), err, len) == -1 ||
	    pem_setting(raw, O_RMQ_CERT, "CERTIFICATE", NULL,
	    cfg->amqp_cert_file, sizeof(cfg->amqp_cert_file), err, len) == -1 ||
	    pem_setting(raw, O_RMQ_KEY, "PRIVATE KEY", NULL, cfg->amqp_key_file,
	    sizeof(cfg->amqp_key_file), err, len) == -1 ? -1 : 0);
}

/* A file given twice, by variable and in the URI, would leave one unused. */
static int
uri_conflicts(const mongoc_uri_t *uri, const struct raw *raw, char *err,
    size_t len)
{
	if (raw->value[O_MONGO_CA] != NULL &&
	    mongoc_uri_has_option(uri, MONGOC_URI_TLSCAFILE))
		return (fail(err, len, "MONGODB_CA_FILE: MONGODB_URI sets "
		    "tlsCAFile too; keep one"));
	if (raw->value[O_MONGO_CERT] != NULL &&
	    mongoc_uri_has_option(uri, MONGOC_URI_TLSCERTIFICATEKEYFILE))
		return (fail(err, len, "MONGODB_CERT_FILE: MONGODB_URI sets "
		    "tlsCertificateKeyFile too; keep one"));
	return (0);
}

static int
parse_mongodb_tls(struct weir_config *cfg, const struct raw *raw, char *err,
    size_t len)
{
	static const char *const modes[] = { "auto", "on", "off", NULL };
	mongoc_uri_t	*uri;
	int		mode = TLS_AUTO, uri_tls, rc;

	if (weir_config_pick(raw, O_MONGO_TLS, modes, &mode, err, len) == -1)
		return (-1);
	/* Parsed once already by parse_mongodb: it is valid. */
	if ((uri = mongoc_uri_new(cfg->mongodb_uri)) == NULL)
		return (fail(err, len, "MONGODB_URI: invalid MongoDB URI"));
	uri_tls = mongoc_uri_get_tls(uri);
	rc = uri_conflicts(uri, raw, err, len);
	mongoc_uri_destroy(uri);
	if (rc == -1)
		return (-1);
	if (mode == TLS_OFF && uri_tls)
		return (fail(err, len, "MONGODB_TLS: 'off', but MONGODB_URI "
		    "asks for TLS"));
	cfg->mongodb_tls = mode == TLS_ON || uri_tls;
	if (check_pairing(raw, O_MONGO_CA, O_MONGO_CERT, O_MONGO_KEY,
	    cfg->mongodb_tls, "add tls=true to MONGODB_URI or set "
	    "MONGODB_TLS=on", err, len) == -1)
		return (-1);
	return (pem_setting(raw, O_MONGO_CA, "CERTIFICATE", NULL,
	    cfg->mongodb_ca_file, sizeof(cfg->mongodb_ca_file), err,
	    len) == -1 ||
	    pem_setting(raw, O_MONGO_CERT, "CERTIFICATE",
	    raw->value[O_MONGO_KEY] == NULL ? "PRIVATE KEY" : NULL,
	    cfg->mongodb_cert_file, sizeof(cfg->mongodb_cert_file), err,
	    len) == -1 ||
	    pem_setting(raw, O_MONGO_KEY, "PRIVATE KEY", NULL,
	    cfg->mongodb_key_file, sizeof(cfg->mongodb_key_file), err,
	    len) == -1 ? -1 : 0);
}

int
weir_config_parse_tls(struct weir_config *cfg, const struct raw *raw,
    char *err, size_t len)
{
	if (parse_amqp_tls(cfg, raw, err, len) == -1)
		return (-1);
	return (parse_mongodb_tls(cfg, raw, err, len));
}
