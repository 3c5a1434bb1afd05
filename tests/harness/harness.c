/*
 * The scripted JSON-RPC harness (issue #2).
 *
 *   harness [-v] --server PATH SCRIPT.json…
 *
 * Runs each script against a fresh server process and prints "ok NAME" or
 * "FAIL NAME: step K: expected … got …", then "N passed, N failed"; exits 1 if any
 * failed, 2 on bad usage.  STRATA_WRAP (e.g. "valgrind -q --error-exitcode=99") is put
 * before the server command, and then every deadline is multiplied by 10 (or by
 * STRATA_HARNESS_SCALE when set).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define HARNESS_WRAP_WORDS	64

static void
harness_usage(FILE *f)
{
	fprintf(f, "usage: harness [-v] --server PATH SCRIPT.json...\n");
}

/* Splits STRATA_WRAP on blanks into `words` (which point into `buf`). */
static char **
harness_wrap(char *buf, char **words, size_t max)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(buf, " \t", &save); tok != NULL && n + 1 < max;
	    tok = strtok_r(NULL, " \t", &save))
		words[n++] = tok;
	words[n] = NULL;
	return n > 0 ? words : NULL;
}

static void
harness_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	snprintf(out, len, "%.*s", (int)n, base);
}

int
main(int argc, char **argv)
{
	struct harness_opts o = { .scale = 1.0 };
	char *wrap_words[HARNESS_WRAP_WORDS], *wrap_buf = NULL;
	char why[HARNESS_WHY_MAX], name[256];
	const char *env;
	int i, passed = 0, failed = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
			o.server = argv[++i];
		else if (strcmp(argv[i], "-v") == 0)
			o.verbose = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			harness_usage(stdout);
			return 0;
		} else {
			harness_usage(stderr);
			return 2;
		}
	}
	if (o.server == NULL || i >= argc) {
		harness_usage(stderr);
		return 2;
	}
	/* The server may die while we write to it; that is a finding, not our death. */
	signal(SIGPIPE, SIG_IGN);
	if ((env = getenv("STRATA_WRAP")) != NULL && *env != '\0') {
		if ((wrap_buf = strdup(env)) == NULL)
			return 1;
		o.wrap = harness_wrap(wrap_buf, wrap_words, HARNESS_WRAP_WORDS);
		if (o.wrap != NULL)
			o.scale = 10.0;
	}
	if ((env = getenv("STRATA_HARNESS_SCALE")) != NULL && atof(env) > 0)
		o.scale = atof(env);
	if (getenv("STRATA_HARNESS_VERBOSE") != NULL)
		o.verbose = 1;

	for (; i < argc; i++) {
		harness_name(argv[i], name, sizeof(name));
		if (script_run(&o, argv[i], why, sizeof(why)) == 0) {
			printf("ok %s\n", name);
			passed++;
		} else {
			printf("FAIL %s: %s\n", name, why);
			failed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	free(wrap_buf);
	return failed > 0 ? 1 : 0;
}
