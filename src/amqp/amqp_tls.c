/* amqp_tls.c - TLS for AMQP: OpenSSL checks the chain and the host name
 * during the handshake and a callback keeps the first failure's reason. */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <amqp_ssl_socket.h>

#include "amqp/amqp_tls.h"

#define CA_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"

/* What an operator should look at for the commonest failures. */
static const char *
hint(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return ("not signed by a CA in RABBITMQ_CA_FILE");
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return ("the certificate does not name RABBITMQ_HOST");
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return ("outside its validity period");
	default:
		return (NULL);
	}
}

/* Runs for every certificate of the chain; the first failure wins. The
 * reason buffer hangs off the SSL_CTX, which each socket has for itself. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL		*ssl;
	X509		*cert;
	char		*why, subject[128] = "?";
	const char	*h;
	int		e;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ok || ssl == NULL)
		return (ok);
	why = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (why == NULL || why[0] != '\0')
		return (ok);
	e = X509_STORE_CTX_get_error(xs);
	if ((cert = X509_STORE_CTX_get_current_cert(xs)) != NULL)
		X509_NAME_oneline(X509_get_subject_name(cert), subject,
		    sizeof(subject));
	h = hint(e);
	snprintf(why, WEIR_TLS_WHY_MAX, "certificate rejected: %s%s%s "
	    "(subject %s)", X509_verify_cert_error_string(e), h ? ": " : "",
	    h ? h : "", subject);
	return (ok);
}

/* OpenSSL's check knows IP addresses and wildcards; rabbitmq-c's own
 * knows DNS names only, so it is turned off in favour of this one. */
static int
expect_host(SSL_CTX *ctx, const char *host)
{
	X509_VERIFY_PARAM	*p = SSL_CTX_get0_param(ctx);
	unsigned char		addr[16];

	X509_VERIFY_PARAM_set_hostflags(p,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1)
		return (X509_VERIFY_PARAM_set1_ip_asc(p, host) == 1 ? 0 : -1);
	return (X509_VERIFY_PARAM_set1_host(p, host, 0) == 1 ? 0 : -1);
}

static int
load_files(amqp_socket_t *sock, const struct weir_config *cfg, char *err,
    size_t len)
{
	const char	*ca = cfg->amqp_ca_file[0] ? cfg->amqp_ca_file :
			    CA_BUNDLE;

	if (amqp_ssl_socket_set_cacert(sock, ca) != AMQP_STATUS_OK) {
		snprintf(err, len, "TLS: cannot load CA certificates from %s",
		    ca);
		return (-1);
	}
	if (cfg->amqp_cert_file[0] != '\0' && amqp_ssl_socket_set_key(sock,
	    cfg->amqp_cert_file, cfg->amqp_key_file) != AMQP_STATUS_OK) {
		snprintf(err, len, "TLS: cannot load the client certificate %s "
		    "with key %s (do they match?)", cfg->amqp_cert_file,
		    cfg->amqp_key_file);
		return (-1);
	}
	return (0);
}

amqp_socket_t *
weir_amqp_tls_socket(amqp_connection_state_t conn,
    const struct weir_config *cfg, char *why, char *err, size_t len)
{
	amqp_socket_t	*sock;
	SSL_CTX		*ctx;

	why[0] = '\0';
	if ((sock = amqp_ssl_socket_new(conn)) == NULL) {
		snprintf(err, len, "cannot create TLS socket");
		return (NULL);
	}
	ctx = amqp_ssl_socket_get_context(sock);
	/* The handshake itself fails on a bad peer, before any AMQP byte. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_app_data(ctx, why);
	amqp_ssl_socket_set_verify_peer(sock, 1);
	amqp_ssl_socket_set_verify_hostname(sock, 0);
	if (amqp_ssl_socket_set_ssl_versions(sock, AMQP_TLSv1_2,
	    AMQP_TLSvLATEST) != AMQP_STATUS_OK) {
		snprintf(err, len, "TLS: cannot require TLS 1.2 or later");
		return (NULL);
	}
	if (cfg->amqp_verify_hostname &&
	    expect_host(ctx, cfg->amqp_host) == -1) {
		snprintf(err, len, "TLS: cannot check host name %s",
		    cfg->amqp_host);
		return (NULL);
	}
	if (load_files(sock, cfg, err, len) == -1)
		return (NULL);
	return (sock);
}
