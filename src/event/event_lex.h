/* event_lex.h - the tokens of event_scan.c: strings, numbers, literals.
 * Each accepts exactly what jansson 2.14 reads to the same value, or fails. */
#ifndef WEIR_EVENT_LEX_H
#define WEIR_EVENT_LEX_H

#include <locale.h>
#include <stddef.h>

#include "event/event.h"

struct weir_lex {
	const unsigned char	*p;
	const unsigned char	*end;
	char			*t;	/* where the next decoded string goes */
};

void	weir_lex_init(struct weir_lex *, const char *body, size_t len,
	    char *text);
/* Skips JSON white space; the next byte, or -1 at the end. */
int	weir_lex_peek(struct weir_lex *);
/* The string at p (on its '"'), decoded: in place when it has no escape,
 * else copied into the text buffer. -1 on anything jansson refuses. */
int	weir_lex_string(struct weir_lex *, const char **s, size_t *len);
/* A string, number, true, false or null at p into f. */
int	weir_lex_scalar(struct weir_lex *, struct weir_json_field *f,
	    locale_t c_locale);

#endif
