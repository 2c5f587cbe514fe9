/* problem.h - RFC 9457 problem details (application/problem+json).
 * Every API error names the field and the rule it broke. */
#ifndef WEIR_PROBLEM_H
#define WEIR_PROBLEM_H

#include <stddef.h>

#include <jansson.h>

#define WEIR_PROBLEM_TYPE	"application/problem+json"

/* The standard title of an HTTP status code. */
const char	*weir_problem_title(int status);

/* Renders {"type","title","status","detail"[,"field","rule"][,"errors"]}.
 * `field` and `rule` may be NULL; `errors` (may be NULL) is stolen.
 * Returns malloc'd text (length in *len) or NULL when out of memory. */
char		*weir_problem_render(int status, const char *detail,
		    const char *field, const char *rule, json_t *errors,
		    size_t *len);

#endif
