/* store_errors.c - tells a server's own failures from refusals of a write,
 * so that a full disk holds the batch instead of dead-lettering it. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "store/store_errors.h"

static const uint32_t	retried_codes[] = { 6, 7, 50, 63, 64, 89, 91, 189,
			    262, 9001, 10107, 11600, 11602, 13435, 13436 };

/* Lower-case words of storage failures: SQLite's result texts (FULL,
 * IOERR, BUSY, READONLY, CANTOPEN) and PostgreSQL's and the kernel's for
 * a full or failing disk. FerretDB reports them all as InternalError, the
 * same code as its refusal of a document it cannot store. */
static const char	*const storage_words[] = {
	"disk is full", "no space left", "disk full", "disk i/o error",
	"database is locked", "readonly database", "unable to open database",
	"could not extend file", "could not write",
};

static int
contains_word(const char *msg, const char *word)
{
	size_t	n = strlen(word);

	for (; *msg != '\0'; msg++) {
		if (strncasecmp(msg, word, n) == 0)
			return (1);
	}
	return (0);
}

int
weir_store_server_fault(uint32_t code, const char *msg)
{
	for (size_t i = 0; i < sizeof(retried_codes) / sizeof(retried_codes[0]);
	    i++) {
		if (code == retried_codes[i])
			return (1);
	}
	for (size_t i = 0; msg != NULL &&
	    i < sizeof(storage_words) / sizeof(storage_words[0]); i++) {
		if (contains_word(msg, storage_words[i]))
			return (1);
	}
	return (0);
}
