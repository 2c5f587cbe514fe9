/* no_sasl.c - Cyrus SASL entry points for the static weir: no SASL mechanisms.
 * Debian's libsasl2.a drags in Kerberos, LDAP, SQL and Berkeley DB plugins. */
#include <sasl/sasl.h>

#include <stddef.h>

/*
 * libmongoc uses Cyrus SASL only for GSSAPI (Kerberos) authentication;
 * SCRAM and PLAIN are its own code. The flake's weir-static builds mongoc
 * with ENABLE_SASL=OFF; these stubs give the Debian static build the same
 * behaviour: mongoc_init() succeeds and a GSSAPI login fails with a clear
 * error instead of linking a Kerberos stack. The stubs ignore their
 * arguments (built with -Wno-unused-parameter).
 */
#define NO_SASL_MSG	"SASL (GSSAPI) is not built into weir-static"

void
sasl_set_mutex(sasl_mutex_alloc_t *a, sasl_mutex_lock_t *l,
    sasl_mutex_unlock_t *u, sasl_mutex_free_t *f)
{
}

int
sasl_client_init(const sasl_callback_t *callbacks)
{
	return (SASL_OK);
}

int
sasl_client_done(void)
{
	return (SASL_OK);
}

int
sasl_client_new(const char *service, const char *fqdn, const char *local,
    const char *remote, const sasl_callback_t *cb, unsigned flags,
    sasl_conn_t **pconn)
{
	*pconn = NULL;
	return (SASL_NOMECH);
}

int
sasl_client_start(sasl_conn_t *conn, const char *mechlist,
    sasl_interact_t **need, const char **out, unsigned *outlen,
    const char **mech)
{
	return (SASL_NOMECH);
}

int
sasl_client_step(sasl_conn_t *conn, const char *in, unsigned inlen,
    sasl_interact_t **need, const char **out, unsigned *outlen)
{
	return (SASL_NOMECH);
}

void
sasl_dispose(sasl_conn_t **pconn)
{
	if (pconn != NULL)
		*pconn = NULL;
}

const char *
sasl_errstring(int err, const char *langlist, const char **outlang)
{
	if (outlang != NULL)
		*outlang = "en-us";
	return (NO_SASL_MSG);
}

const char *
sasl_errdetail(sasl_conn_t *conn)
{
	return (NO_SASL_MSG);
}

const char **
sasl_global_listmech(void)
{
	static const char	*none[] = { NULL };

	return (none);
}
