/* http_negotiate.h - the request-header parsing static files need:
 * Accept-Encoding (may we send gzip?) and If-None-Match (is the copy fresh?). */
#ifndef WEIR_HTTP_NEGOTIATE_H
#define WEIR_HTTP_NEGOTIATE_H

/* 1 when an Accept-Encoding value allows gzip (RFC 9110 12.5.3), else 0.
 * NULL (no header) means identity only: browsers always send one. */
int	weir_accepts_gzip(const char *accept_encoding);

/* 1 when an If-None-Match value names `etag` (a quoted strong tag) or is
 * "*", comparing weakly as RFC 9110 13.1.2 asks; else 0. */
int	weir_etag_matches(const char *if_none_match, const char *etag);

#endif
