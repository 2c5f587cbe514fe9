/* hello.c - Kore's minimal hello-world handler: the ceiling bench/api measures weir's /healthz against.
 * Built and configured like weir (kodev single binary, Debian's Kore 4.1, one worker, same HTTP settings). */
#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>

int	hello(struct http_request *);
void	kore_parent_configure(int, char **);

/* The port comes from HELLO_PORT: the config is embedded at build time. */
void
kore_parent_configure(int argc, char **argv)
{
	struct kore_server	*srv;
	const char		*port = getenv("HELLO_PORT");

	(void)argc;
	(void)argv;
	kore_foreground = 1;
	skip_chroot = 1;
	skip_runas = 1;
	worker_count = 1;
	srv = kore_server_create("hello");
	srv->tls = 0;
	if (port == NULL || !kore_server_bind(srv, "127.0.0.1", port, NULL)) {
		fprintf(stderr, "hello: set HELLO_PORT to a free port\n");
		exit(2);
	}
}

int
hello(struct http_request *req)
{
	http_response(req, HTTP_STATUS_OK, "hello world", 11);
	return (KORE_RESULT_OK);
}
