/* store_errors.h - whether a server that answered failed by itself (retry
 * later) or refused what it was sent (give up on that document). */
#ifndef WEIR_STORE_ERRORS_H
#define WEIR_STORE_ERRORS_H

#include <stdint.h>

/* 1 when an error from a server that answered is the server's own
 * trouble: a code MongoDB's drivers retry (elections, shutdown, network,
 * timeouts), or a message saying its storage failed (disk full, I/O error,
 * locked or read-only files: FerretDB passes SQLite's and PostgreSQL's
 * words on under code 1, InternalError). 0: a refusal of the request. */
int	weir_store_server_fault(uint32_t code, const char *msg);

#endif
