/* config_read.c - the raw text of each setting: flag, variable or *_FILE.
 * Precedence: --flag, then VARIABLE, then VARIABLE_FILE, then the default. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/config_priv.h"

/* Reads a secret file, dropping one trailing newline. */
static char *
read_secret(const char *path)
{
	FILE	*fp;
	char	buf[4096];
	size_t	n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (strdup(buf));
}
static int
flag_index(const char *name, size_t len)
{
	for (int i = 0; i < O_COUNT; i++) {
		if (strlen(weir_config_options[i].flag) == len &&
		    strncmp(weir_config_options[i].flag, name, len) == 0)
			return (i);
	}
	return (-1);
}

static int
read_flags(struct raw *raw, struct weir_config *cfg, int argc, char **argv,
    char *err, size_t len)
{
	const char	*arg, *eq;
	int		idx;

	for (int i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "check-config") == 0) {
			cfg->check_only = 1;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return (WEIR_CONFIG_HELP);
		if (strcmp(arg, "--version") == 0)
			return (WEIR_CONFIG_VERSION);
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, len, "%s: unknown argument", arg);
			return (-1);
		}
		arg += 2;
		eq = strchr(arg, '=');
		idx = flag_index(arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (idx < 0) {
			snprintf(err, len, "--%s: unknown flag (see --help)",
			    arg);
			return (-1);
		}
		if (eq != NULL)
			raw->value[idx] = eq + 1;
		else if (i + 1 < argc)
			raw->value[idx] = argv[++i];
		else {
			snprintf(err, len, "--%s: missing value", arg);
			return (-1);
		}
	}
	return (0);
}

static int
read_env(struct raw *raw, weir_getenv_fn get, void *arg, char *err,
    size_t len)
{
	char		name[128];
	const char	*v, *path;

	for (int i = 0; i < O_COUNT; i++) {
		if (raw->value[i] != NULL)
			continue;
		if ((v = get(weir_config_options[i].env, arg)) != NULL &&
		    v[0] != '\0') {
			raw->value[i] = v;
			continue;
		}
		if (!weir_config_options[i].secret)
			continue;
		snprintf(name, sizeof(name), "%s_FILE",
		    weir_config_options[i].env);
		if ((path = get(name, arg)) == NULL || path[0] == '\0')
			continue;
		if ((raw->owned[i] = read_secret(path)) == NULL) {
			snprintf(err, len, "%s: cannot read %s: %s", name, path,
			    strerror(errno));
			return (-1);
		}
		raw->value[i] = raw->owned[i];
	}
	for (int i = 0; i < O_COUNT; i++) {
		if (raw->value[i] == NULL)
			raw->value[i] = weir_config_options[i].def;
	}
	return (0);
}
/* The message quotes what it refuses, and a value may hold any byte: a
 * newline or an escape sequence would break the one-line contract. */
static void
one_line(char *err)
{
	for (; *err != '\0'; err++) {
		if ((unsigned char)*err < 0x20 || *err == 0x7f)
			*err = '?';
	}
}

enum weir_config_result
weir_config_load(struct weir_config *cfg, int argc, char **argv,
    weir_getenv_fn get, void *arg, char *err, size_t len)
{
	struct raw	raw;
	int		rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&raw, 0, sizeof(raw));
	err[0] = '\0';
	rc = read_flags(&raw, cfg, argc, argv, err, len);
	if (rc == WEIR_CONFIG_HELP || rc == WEIR_CONFIG_VERSION)
		return ((enum weir_config_result)rc);
	if (rc == 0)
		rc = read_env(&raw, get, arg, err, len);
	if (rc == 0)
		rc = weir_config_parse(cfg, &raw, err, len);
	for (int i = 0; i < O_COUNT; i++)
		free(raw.owned[i]);
	one_line(err);
	return (rc == 0 ? WEIR_CONFIG_OK : WEIR_CONFIG_ERROR);
}

