/* fuzz_config.c - libFuzzer target over weir's settings: flags and variables,
 * as weir_config_load reads them, against the one-line-error contract. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "base/config.h"
#include "base/config_priv.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_LINES	64

/* The input's NUL-separated strings (an environment and a command line
 * can hold any other byte): "NAME=VALUE" are variables, the rest
 * arguments. */
struct env {
	char	*name[MAX_LINES], *value[MAX_LINES];
	int	n;
	char	*argv[MAX_LINES + 1];
	int	argc;
};

static const char *
get(const char *name, void *arg)
{
	const struct env	*e = arg;
	size_t			len = strlen(name);

	/* A fuzzer must not choose files to read. */
	if (len > 5 && strcmp(name + len - 5, "_FILE") == 0)
		return (NULL);
	for (int i = e->n - 1; i >= 0; i--) {
		if (strcmp(e->name[i], name) == 0)
			return (e->value[i]);
	}
	return (NULL);
}

static void
split(char *s, size_t len, struct env *e)
{
	char	*line, *next, *eq;

	e->argv[e->argc++] = "weir";
	for (line = s; line < s + len && e->n < MAX_LINES &&
	    e->argc < MAX_LINES; line = next) {
		next = line + strlen(line) + 1;
		if ((eq = strchr(line, '=')) != NULL && line[0] != '-') {
			*eq = '\0';
			e->name[e->n] = line;
			e->value[e->n++] = eq + 1;
		} else
			e->argv[e->argc++] = line;
	}
	e->argv[e->argc] = NULL;
}

/* One line (no control character) naming a variable or a flag; a
 * message cut at the buffer's end quoted a long argument first. */
static void
check_error(const char *err, size_t size)
{
	int	named = strncmp(err, "--", 2) == 0 ||
		    strstr(err, ": unknown argument") != NULL ||
		    strlen(err) == size - 1;

	if (err[0] == '\0')
		abort();
	for (const char *p = err; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	}
	for (int o = 0; o < O_COUNT && !named; o++)
		named = strstr(err, weir_config_options[o].env) != NULL;
	if (!named)
		abort();
}

static void
check_config(const struct weir_config *c)
{
	if (c->workers < 1 || c->workers > 16 || c->consumers < 1 ||
	    c->consumers > 64 || c->batch_size < 1 ||
	    c->prefetch < c->batch_size || c->max_message_bytes < 64 ||
	    c->amqp_port < 1 || c->amqp_port > 65535 || c->amqp_host[0] == '\0' ||
	    c->http_port[0] == '\0' || c->mongodb_uri[0] == '\0' ||
	    c->mongodb_database[0] == '\0' || c->processor_name[0] == '\0' ||
	    c->queue[0] == '\0' || c->amqp_vhost[0] == '\0')
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mongoc_log_set_handler(NULL, NULL);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_config	*cfg;
	struct env		e;
	char			*s, err[512];

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	if ((cfg = malloc(sizeof(*cfg))) == NULL) {
		free(s);
		return (0);
	}
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&e, 0, sizeof(e));
	split(s, size, &e);
	switch (weir_config_load(cfg, e.argc, e.argv, get, &e, err,
	    sizeof(err))) {
	case WEIR_CONFIG_OK:
		check_config(cfg);
		break;
	case WEIR_CONFIG_ERROR:
		check_error(err, sizeof(err));
		break;
	default:
		break;
	}
	free(cfg);
	free(s);
	return (0);
}
