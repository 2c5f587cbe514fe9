/* http_static.c - the embedded web files: the status page at / and Swagger UI at /docs.
 * kodev compiles every file under assets/ into the binary; this maps URLs to them. */
#include <kore/kore.h>
#include <kore/http.h>

#include <string.h>

#include "assets.h"
#include "base/metrics.h"
#include "base/timestamp.h"
#include "http/http_negotiate.h"
#include "http/http_ops.h"

int	web_asset(struct http_request *);
int	not_found(struct http_request *);

/* One representation of a file: bytes, length and kodev's quoted SHA-256. */
struct web_blob {
	const u_int8_t	*data;
	const u_int32_t	*len;
	const char	**etag;
};

struct web_file {
	const char		*path;
	enum weir_http_route	route;
	const char		*type;
	struct web_blob		plain;
	struct web_blob		gzip;	/* data NULL: no gzip copy */
};

#define BLOB(n)		{ asset_##n, &asset_len_##n, &asset_sha256_##n }
#define NO_GZIP		{ NULL, NULL, NULL }

#define T_HTML		"text/html; charset=utf-8"
#define T_JS		"text/javascript; charset=utf-8"
#define T_CSS		"text/css; charset=utf-8"
#define T_PNG		"image/png"
#define T_TEXT		"text/plain; charset=utf-8"

/*
 * The pages load nothing from elsewhere: scripts, styles and fetches all
 * stay on this origin. Swagger UI sets style attributes from JavaScript,
 * hence 'unsafe-inline' for styles only; its icons are data: URIs.
 */
#define CSP	"default-src 'none'; script-src 'self'; " \
		"style-src 'self' 'unsafe-inline'; img-src 'self' data:; " \
		"connect-src 'self'; font-src 'self' data:; base-uri 'none'; " \
		"form-action 'none'; frame-ancestors 'none'"

static const struct web_file files[] = {
	{ "/", WEIR_ROUTE_INDEX, T_HTML, BLOB(index_html), NO_GZIP },
	{ "/status.js", WEIR_ROUTE_ASSET, T_JS, BLOB(status_js), NO_GZIP },
	{ "/status.css", WEIR_ROUTE_ASSET, T_CSS, BLOB(status_css), NO_GZIP },
	{ "/favicon.ico", WEIR_ROUTE_ASSET, T_PNG, BLOB(favicon_32x32_png),
	    NO_GZIP },
	{ "/docs", WEIR_ROUTE_DOCS, T_HTML, BLOB(docs_html), NO_GZIP },
	{ "/docs/", WEIR_ROUTE_DOCS, T_HTML, BLOB(docs_html), NO_GZIP },
	{ "/docs/docs.js", WEIR_ROUTE_ASSET, T_JS, BLOB(docs_js), NO_GZIP },
	{ "/docs/swagger-ui-bundle.js", WEIR_ROUTE_ASSET, T_JS,
	    BLOB(swagger_ui_bundle_js), BLOB(swagger_ui_bundle_js_gz) },
	{ "/docs/swagger-ui.css", WEIR_ROUTE_ASSET, T_CSS,
	    BLOB(swagger_ui_css), BLOB(swagger_ui_css_gz) },
	{ "/docs/favicon-32x32.png", WEIR_ROUTE_ASSET, T_PNG,
	    BLOB(favicon_32x32_png), NO_GZIP },
	{ "/docs/LICENSE.txt", WEIR_ROUTE_ASSET, T_TEXT,
	    BLOB(swagger_ui_LICENSE_txt), NO_GZIP },
	{ "/docs/NOTICE.txt", WEIR_ROUTE_ASSET, T_TEXT,
	    BLOB(swagger_ui_NOTICE_txt), NO_GZIP },
	{ "/docs/swagger-ui-bundle.js.LICENSE.txt", WEIR_ROUTE_ASSET, T_TEXT,
	    BLOB(swagger_ui_bundle_licenses_txt), NO_GZIP },
};

static const struct web_file *
find_file(const char *path)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].path, path) == 0)
			return (&files[i]);
	}
	return (NULL);
}

/* The gzip copy when there is one and the client takes it. */
static const struct web_blob *
pick_blob(struct http_request *req, const struct web_file *f)
{
	const char	*ae = NULL;

	if (f->gzip.data == NULL)
		return (&f->plain);
	if (!http_request_header(req, "accept-encoding", &ae))
		ae = NULL;
	if (!weir_accepts_gzip(ae))
		return (&f->plain);
	http_response_header(req, "content-encoding", "gzip");
	return (&f->gzip);
}

static void
common_headers(struct http_request *req, const struct web_file *f,
    const struct web_blob *b)
{
	/* Revalidate every time: one cheap 304 per file, never a stale script
	 * beside a newer page after an upgrade. */
	http_response_header(req, "cache-control", "no-cache");
	http_response_header(req, "etag", *b->etag);
	http_response_header(req, "x-content-type-options", "nosniff");
	if (f->gzip.data != NULL)
		http_response_header(req, "vary", "accept-encoding");
	if (strncmp(f->type, "text/html", 9) == 0) {
		http_response_header(req, "content-security-policy", CSP);
		http_response_header(req, "referrer-policy", "no-referrer");
	}
}

static void
send_file(struct http_request *req, const struct web_file *f, double t0)
{
	const struct web_blob	*b = pick_blob(req, f);
	const char		*inm = NULL;

	common_headers(req, f, b);
	if (http_request_header(req, "if-none-match", &inm) &&
	    weir_etag_matches(inm, *b->etag)) {
		/* A 304 has no body; Kore would otherwise say length 0. */
		req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
		http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		weir_http_count(req, f->route, t0, HTTP_STATUS_NOT_MODIFIED);
		return;
	}
	http_response_header(req, "content-type", f->type);
	http_response(req, HTTP_STATUS_OK, b->data, *b->len);
	weir_http_count(req, f->route, t0, HTTP_STATUS_OK);
}

int
web_asset(struct http_request *req)
{
	const struct web_file	*f;
	double			t0 = (double)weir_mono_ns() / 1e9;

	if ((f = find_file(req->path)) == NULL)
		return (not_found(req));
	if (weir_http_only_get(req, f->route, t0))
		send_file(req, f, t0);
	return (KORE_RESULT_OK);
}
