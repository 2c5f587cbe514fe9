/* problem.c - renders problem+json bodies with jansson.
 * `type` is about:blank: the status and title say what happened. */
#include <stdio.h>
#include <string.h>

#include "api/problem.h"

const char *
weir_problem_title(int status)
{
	switch (status) {
	case 400:
		return ("Bad Request");
	case 401:
		return ("Unauthorized");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 408:
		return ("Request Timeout");
	case 411:
		return ("Length Required");
	case 413:
		return ("Content Too Large");
	case 414:
		return ("URI Too Long");
	case 503:
		return ("Service Unavailable");
	case 504:
		return ("Gateway Timeout");
	case 505:
		return ("HTTP Version Not Supported");
	default:
		return (status >= 500 ? "Internal Server Error" : "Bad Request");
	}
}

/* Quoted input may be cut inside a UTF-8 sequence: then keep ASCII only. */
static json_t *
text(const char *s)
{
	json_t	*j;
	char	buf[512];
	size_t	n = 0;

	if ((j = json_string(s)) != NULL)
		return (j);
	for (; *s != '\0' && n + 1 < sizeof(buf); s++)
		buf[n++] = (unsigned char)*s < 0x80 ? *s : '?';
	buf[n] = '\0';
	return (json_string(buf));
}

char *
weir_problem_render(int status, const char *detail, const char *field,
    const char *rule, json_t *errors, size_t *len)
{
	json_t	*o;
	char	*s;

	if ((o = json_object()) == NULL) {
		json_decref(errors);
		return (NULL);
	}
	json_object_set_new(o, "type", json_string("about:blank"));
	json_object_set_new(o, "title", json_string(weir_problem_title(status)));
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "detail", text(detail));
	if (field != NULL)
		json_object_set_new(o, "field", text(field));
	if (rule != NULL)
		json_object_set_new(o, "rule", text(rule));
	if (errors != NULL)
		json_object_set_new(o, "errors", errors);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s != NULL)
		*len = strlen(s);
	return (s);
}
