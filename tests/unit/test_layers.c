/* test_layers.c - src/ is layered: a file includes headers of its own or lower layers only.
 * The order below is the one src/README.md draws; a test checks they agree. */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

/* make -C tests/unit runs the tests from tests/unit. */
#ifndef WEIR_SRC_DIR
#define WEIR_SRC_DIR	"../../src"
#endif

/* Lowest first; files directly in src/ (weir.c) sit above them all. */
static const char *const layers[] = {
	"base", "event", "pipeline", "amqp", "store", "processor", "api",
	"http"
};
#define N_LAYERS	(int)(sizeof(layers) / sizeof(layers[0]))
#define LAYER_TOP	N_LAYERS
#define LAYER_UNKNOWN	(-1)
#define LAYER_NONE	(-2)	/* no include to check */

/* Findings go to stderr, except while the self-test plants its own. */
static int	quiet;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int
layer_of(const char *folder, size_t len)
{
	for (int i = 0; i < N_LAYERS; i++) {
		if (strlen(layers[i]) == len &&
		    strncmp(layers[i], folder, len) == 0)
			return (i);
	}
	return (LAYER_UNKNOWN);
}

/* The layer of an `#include "..."` line, or LAYER_NONE: not an include,
 * or a bare name (same folder, or kodev's generated assets.h). */
static int
include_layer(const char *line, const char **path)
{
	const char	*p = line, *slash;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '#')
		return (LAYER_NONE);
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "include \"", 9) != 0)
		return (LAYER_NONE);
	*path = p + 9;
	if ((slash = strchr(*path, '/')) == NULL ||
	    strchr(*path, '"') < slash)
		return (LAYER_NONE);
	return (layer_of(*path, (size_t)(slash - *path)));
}

/* Counts the includes of `file` (in a folder of layer `own`) that reach up
 * or into a folder outside the order, printing each. */
static int
check_file(const char *file, int own)
{
	FILE		*fp;
	char		line[512];
	const char	*path = NULL;
	int		bad = 0, lyr;

	ck_assert_msg((fp = fopen(file, "r")) != NULL, "cannot read %s", file);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((lyr = include_layer(line, &path)) == LAYER_NONE)
			continue;
		if (lyr == LAYER_UNKNOWN || lyr > own) {
			say("layers: %s includes %.*s (a higher layer or no "
			    "layer)\n", file, (int)strcspn(path, "\"\n"), path);
			bad++;
		}
	}
	fclose(fp);
	return (bad);
}

static int
is_source(const char *name)
{
	size_t	len = strlen(name);

	return (len > 2 && name[len - 2] == '.' &&
	    (name[len - 1] == 'c' || name[len - 1] == 'h'));
}

/* Checks every .c and .h of one folder; folders below it must not exist
 * (kodev would compile them, but no layer would name them). */
static int
check_dir(const char *dir, int own, int top)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	st;
	char		path[PATH_MAX];
	int		bad = 0;

	ck_assert_msg((d = opendir(dir)) != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ck_assert_int_eq(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode) && top) {
			if (layer_of(e->d_name, strlen(e->d_name)) ==
			    LAYER_UNKNOWN) {
				say("layers: %s is no layer\n", path);
				bad++;
				continue;
			}
			bad += check_dir(path, layer_of(e->d_name,
			    strlen(e->d_name)), 0);
		} else if (S_ISDIR(st.st_mode)) {
			say("layers: %s nests a folder\n", path);
			bad++;
		} else if (is_source(e->d_name)) {
			bad += check_file(path, own);
		}
	}
	closedir(d);
	return (bad);
}

START_TEST(test_layers_src)
{
	ck_assert_int_eq(check_dir(WEIR_SRC_DIR, LAYER_TOP, 1), 0);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* The check can fail: a tree with one upward include and one unknown
 * folder gives two findings; includes going down or sideways none. */
START_TEST(test_layers_catch_upward)
{
	char	root[PATH_MAX], path[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/weir-layers-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/store", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/misc", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/store/store.c", root);
	write_file(path, "#include \"store/store.h\"\n#include \"base/log.h\"\n"
	    "#include \"assets.h\"\n# include \"api/api_query.h\"\n");
	snprintf(path, sizeof(path), "%s/weir.c", root);
	write_file(path, "#include \"http/http_api.h\"\n");
	quiet = 1;
	ck_assert_int_eq(check_dir(root, LAYER_TOP, 1), 2);
	quiet = 0;
	snprintf(path, sizeof(path), "%s/store/store.c", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/weir.c", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/misc", root);
	rmdir(path);
	rmdir(root);
}
END_TEST

/* src/README.md states the same order, lowest first. */
START_TEST(test_layers_readme)
{
	char	order[256] = "", *text;
	FILE	*fp;
	long	len;

	for (int i = 0; i < N_LAYERS; i++) {
		strcat(order, layers[i]);
		strcat(order, " < ");
	}
	strcat(order, "weir.c");
	ck_assert_ptr_nonnull(fp = fopen(WEIR_SRC_DIR "/README.md", "r"));
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	ck_assert_ptr_nonnull(text = calloc(1, (size_t)len + 1));
	ck_assert_uint_eq(fread(text, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	ck_assert_msg(strstr(text, order) != NULL,
	    "src/README.md does not say the order: %s", order);
	free(text);
}
END_TEST

Suite *
layers_suite(void)
{
	Suite	*s = suite_create("layers");
	TCase	*tc = tcase_create("includes");

	tcase_add_test(tc, test_layers_src);
	tcase_add_test(tc, test_layers_catch_upward);
	tcase_add_test(tc, test_layers_readme);
	suite_add_tcase(s, tc);
	return (s);
}
