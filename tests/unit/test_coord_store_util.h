#ifndef STRATA_TEST_COORD_STORE_UTIL_H
#define STRATA_TEST_COORD_STORE_UTIL_H

/*
 * Helpers shared by the test_coord_store*.c suites: a private temp directory per test,
 * removed afterwards, and small record builders.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "strata/coord_store.h"
#include "strata/util.h"
#include "testutil.h"

#define TU_UNUSED __attribute__((unused))

static char tdir[256];		/* the current test's temp directory */
static char tstate[300];	/* tdir/state */

TU_UNUSED static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

TU_UNUSED static void
tmp_setup(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/strata-store-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	snprintf(tstate, sizeof(tstate), "%s/state", tdir);
	strata_log_set_level(STRATA_LOG_CRITICAL);	/* expected warnings stay quiet */
}

TU_UNUSED static void
tmp_teardown(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tdir[0] = '\0';
}

TU_UNUSED static struct coord_store *
open_store(const struct coord_store_options *o, struct coord_store_stats *stats)
{
	struct coord_store_options opt = { 0 };
	struct coord_store *st = NULL;
	char err[512];
	int rc;

	if (o != NULL)
		opt = *o;
	if (opt.state_dir == NULL)
		opt.state_dir = tstate;
	rc = coord_store_open(&opt, &st, stats, err, sizeof(err));
	ck_assert_msg(rc == 0, "open failed: %d %s", rc, err);
	return st;
}

/* A plan with a fresh id (written into id) for `issue_id` (may be NULL). */
TU_UNUSED static json_t *
make_plan(char id[COORD_STORE_ID_MAX], const char *issue_id)
{
	json_t *p;

	ck_assert_int_eq(coord_store_id_new(COORD_STORE_PLAN, id), 0);
	p = json_pack("{s:s, s:s?, s:s, s:[{s:i, s:s, s:{s:s, s:s}}]}", "plan_id", id,
	    "issue_id", issue_id, "hash", "0123abcd", "steps", "index", 0, "action", "cordon",
	    "target", "kind", "Node", "name", "worker-1");
	ck_assert_ptr_nonnull(p);
	return p;
}

TU_UNUSED static void
put_plan(struct coord_store *st, char id[COORD_STORE_ID_MAX], const char *issue_id)
{
	json_t *p = make_plan(id, issue_id);
	char err[256];

	ck_assert_int_eq(coord_store_plan_put(st, p, err, sizeof(err)), 0);
	json_decref(p);
}

TU_UNUSED static void
put_issue(struct coord_store *st, char id[COORD_STORE_ID_MAX])
{
	json_t *i;
	char err[256];

	ck_assert_int_eq(coord_store_id_new(COORD_STORE_ISSUE, id), 0);
	i = json_pack("{s:s, s:s, s:[s]}", "issue_id", id, "summary", "node NotReady",
	    "affected_layers", "infrastructure");
	ck_assert_int_eq(coord_store_issue_put(st, i, err, sizeof(err)), 0);
	json_decref(i);
}

TU_UNUSED static bool
path_exists(const char *fmt, const char *a, const char *b)
{
	char p[1024];
	struct stat sb;

	snprintf(p, sizeof(p), fmt, a, b);
	return lstat(p, &sb) == 0;
}

/* Reads a whole small file into a new string (or NULL). */
TU_UNUSED static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

TU_UNUSED static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

#endif
