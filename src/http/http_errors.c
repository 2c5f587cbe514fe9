/* http_errors.c - the answers Kore writes itself (400, 408, 411, 413, 414, 503,
 * 505 ...) sent as application/problem+json, like every answer of weir's own. */
#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/problem.h"
#include "base/metrics.h"

/*
 * Kore 4.1 answers a request it cannot take (bad request line, long URI,
 * large body, unsupported version, ...) from static functions with no
 * hook: a status line, its own headers and "content-length: 0". Its one
 * way out is net_send_queue(), so conf/build.conf links weir with
 * -Wl,--wrap=net_send_queue and Kore's calls land here. A header block
 * with a 4xx/5xx status and an empty body is always Kore's: weir's own
 * errors carry a problem body (and HEAD answers keep its length).
 */
void	__real_net_send_queue(struct connection *, const void *, size_t);
void	__wrap_net_send_queue(struct connection *, const void *, size_t);

/* `rule` may hold one %lld: the limit (limit_of) the request broke. The
 * title is weir_problem_title()'s, as for weir's own answers. */
struct kore_error {
	int		status;
	const char	*detail, *field, *rule;
};

static const struct kore_error	kore_errors[] = {
	{ 400, "the request is not well-formed HTTP/1.1", "request",
	    "must be a request line (a known method, a path, the version), a "
	    "Host header and well-formed headers" },
	{ 405, "HTTP/1.0 requests may not use this method", "method",
	    "must be GET, HEAD or POST over HTTP/1.0" },
	{ 408, "the request did not arrive in time", "request",
	    "must arrive in full within the server's timeout" },
	{ 411, "a request with a body needs a Content-Length",
	    "content-length", "must be a decimal byte count (chunked bodies "
	    "are not accepted)" },
	{ 413, "the request body is larger than the server takes", "body",
	    "must be at most %lld bytes" },
	{ 414, "the request target is too long", "path",
	    "must be shorter than %lld bytes, query string included" },
	{ 503, "too many requests in flight", "request", "retry later" },
	{ 505, "this HTTP version is not served", "version",
	    "must be HTTP/1.1 or HTTP/1.0" },
};

static const char	empty_tail[] = "content-length: 0\r\n\r\n";
#define TAIL_LEN	(sizeof(empty_tail) - 1)
#define STATUS_AT	9	/* "HTTP/1.1 " */

/* The status of a header block Kore wrote for its own error, else 0. */
static int
kore_error_status(const char *p, size_t len)
{
	if (len < STATUS_AT + 4 + TAIL_LEN || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[STATUS_AT] != '4' && p[STATUS_AT] != '5') ||
	    p[STATUS_AT + 1] < '0' || p[STATUS_AT + 1] > '9' ||
	    p[STATUS_AT + 2] < '0' || p[STATUS_AT + 2] > '9' ||
	    memcmp(p + len - TAIL_LEN, empty_tail, TAIL_LEN) != 0)
		return (0);
	return ((p[STATUS_AT] - '0') * 100 + (p[STATUS_AT + 1] - '0') * 10 +
	    (p[STATUS_AT + 2] - '0'));
}

static long long
limit_of(int status)
{
	if (status == 413)
		return ((long long)http_body_max);
	return (status == 414 ? HTTP_URI_LEN - 1 : 0);
}

/* The problem body for `status` (malloc'd, length in *len), or NULL. */
static char *
render(int status, size_t *len)
{
	const struct kore_error	*e = NULL;
	char			rule[256];

	for (size_t i = 0; i < sizeof(kore_errors) / sizeof(*e); i++) {
		if (kore_errors[i].status == status)
			e = &kore_errors[i];
	}
	if (e == NULL)
		return (weir_problem_render(status, "the server could not "
		    "take this request", NULL, NULL, NULL, len));
	snprintf(rule, sizeof(rule), e->rule, limit_of(status));
	return (weir_problem_render(status, e->detail, e->field, rule, NULL,
	    len));
}

/* A HEAD request gets the headers only, as RFC 9110 asks. Kore answers
 * before it takes the buffer, whose request line it split at spaces. */
static int
is_head(const struct connection *c)
{
	const char	*b;

	if (c->rnb == NULL || c->rnb->buf == NULL || c->rnb->s_off < 5)
		return (0);
	b = (const char *)c->rnb->buf;
	return (strncasecmp(b, "HEAD", 4) == 0 && (b[4] == ' ' || b[4] == '\0'));
}

/* Kore's status line, with the title as its reason phrase ("URI Too
 * Long", not Kore's "Request-URI Too Large"), and its other headers. */
static size_t
status_line(char *out, size_t size, const char *p, size_t len, int status)
{
	const char	*eol = memchr(p, '\n', len);
	int		n;

	n = snprintf(out, size, "%.8s %d %s\r\n", p, status,
	    weir_problem_title(status));
	if (n <= 0 || (size_t)n >= size || eol == NULL ||
	    (size_t)n + len > size)
		return (0);
	memcpy(out + n, eol + 1, len - (size_t)(eol + 1 - p));
	return ((size_t)n + len - (size_t)(eol + 1 - p));
}

void
__wrap_net_send_queue(struct connection *c, const void *data, size_t len)
{
	char	out[2048], *body = NULL;
	size_t	head, blen;
	int	status, n;

	if ((status = kore_error_status(data, len)) == 0 ||
	    (body = render(status, &blen)) == NULL ||
	    len + blen + 256 > sizeof(out) ||
	    (head = status_line(out, sizeof(out), data, len - TAIL_LEN,
	    status)) == 0)
		goto fail;
	n = snprintf(out + head, sizeof(out) - head, "content-type: "
	    "application/problem+json\r\ncache-control: no-store\r\n"
	    "content-length: %zu\r\n\r\n%s", blen, is_head(c) ? "" : body);
	if (n <= 0 || (size_t)n >= sizeof(out) - head)
		goto fail;
	free(body);
	if (weir_metrics != NULL)
		WEIR_INC(weir_metrics->http_requests[WEIR_ROUTE_OTHER]
		    [WEIR_METHOD_OTHER][weir_http_code_index(status)], 1);
	__real_net_send_queue(c, out, head + (size_t)n);
	return;

fail:
	free(body);
	__real_net_send_queue(c, data, len);
}
