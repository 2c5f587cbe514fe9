/* store_tls.c - MongoDB TLS settings put into the URI before the pool is
 * made, so mongoc applies them to every connection it opens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/store_priv.h"

/* Copies the file at `path` onto fd; -1 on any failure. */
static int
append_file(int fd, const char *path)
{
	FILE	*fp;
	char	buf[4096];
	size_t	n;
	int	rc = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (write(fd, buf, n) != (ssize_t)n)
			rc = -1;
	}
	if (ferror(fp))
		rc = -1;
	fclose(fp);
	return (rc);
}

/*
 * mongoc wants the client certificate and its key in one PEM file, while
 * Kubernetes (cert-manager, kubectl create secret tls) keeps them apart.
 * They are joined in a memory file: nothing written to a read-only root,
 * nothing left behind, and /proc/self/fd/N reopens it from the start for
 * each connection (mongoc reads the file on every TLS handshake).
 */
static int
joined_pem(const struct weir_config *cfg, char *path, size_t size, int *fdp,
    char *err, size_t len)
{
	int	fd;

	if ((fd = memfd_create("weir-mongodb-client.pem", MFD_CLOEXEC)) == -1) {
		snprintf(err, len, "MONGODB_KEY_FILE: cannot create a memory "
		    "file to join certificate and key");
		return (-1);
	}
	if (append_file(fd, cfg->mongodb_cert_file) == -1 ||
	    write(fd, "\n", 1) != 1 ||
	    append_file(fd, cfg->mongodb_key_file) == -1) {
		snprintf(err, len, "MONGODB_KEY_FILE: cannot read %s or %s",
		    cfg->mongodb_cert_file, cfg->mongodb_key_file);
		close(fd);
		return (-1);
	}
	snprintf(path, size, "/proc/self/fd/%d", fd);
	*fdp = fd;
	return (0);
}

int
weir_store_tls_apply(mongoc_uri_t *uri, const struct weir_config *cfg,
    int *pem_fd, char *err, size_t len)
{
	char		joined[64];
	const char	*pem = cfg->mongodb_cert_file;

	*pem_fd = -1;
	if (!cfg->mongodb_tls)
		return (0);
	mongoc_uri_set_option_as_bool(uri, MONGOC_URI_TLS, true);
	if (cfg->mongodb_ca_file[0] != '\0')
		mongoc_uri_set_option_as_utf8(uri, MONGOC_URI_TLSCAFILE,
		    cfg->mongodb_ca_file);
	if (cfg->mongodb_key_file[0] != '\0') {
		if (joined_pem(cfg, joined, sizeof(joined), pem_fd, err,
		    len) == -1)
			return (-1);
		pem = joined;
	}
	if (pem[0] != '\0')
		mongoc_uri_set_option_as_utf8(uri,
		    MONGOC_URI_TLSCERTIFICATEKEYFILE, pem);
	return (0);
}
