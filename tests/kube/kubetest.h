#ifndef STRATA_TEST_KUBETEST_H
#define STRATA_TEST_KUBETEST_H

/* Helpers shared by the tests/unit/test_kube_*.c suites (header-only, static). */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <uv.h>

#include "strata/kube.h"
#include "strata/util.h"

static char *
kt_tmpdir(void)
{
	char tmpl[] = "/tmp/strata-kube-XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

static void
kt_rmrf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	if (dir != NULL && strncmp(dir, "/tmp/strata-kube-", 17) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
}

/* Writes dir/name (creating one level of subdirectory if name has a '/'). */
static char *
kt_write(const char *dir, const char *name, const char *content)
{
	char path[PATH_MAX], sub[PATH_MAX], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(sub, sizeof(sub), "%s", path);
	for (slash = strchr(sub + strlen(dir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(sub, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return strdup(path);
}

static void
kt_put(const char *dir, const char *name, const char *content)
{
	free(kt_write(dir, name, content));
}

/* CK_TIMEOUT_MULTIPLIER (set for valgrind runs) also stretches our waits and margins. */
static unsigned
kt_slow(void)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	int v = m != NULL ? atoi(m) : 1;

	return v > 1 ? (unsigned)v : 1u;
}

static void
kt_guard_cb(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

/* Runs the loop until *flag != 0 or timeout_ms passed; returns *flag. */
static int
kt_run_until(uv_loop_t *loop, volatile int *flag, unsigned timeout_ms)
{
	uv_timer_t guard;
	int expired = 0;

	uv_timer_init(loop, &guard);
	guard.data = &expired;
	uv_timer_start(&guard, kt_guard_cb, (uint64_t)timeout_ms * kt_slow(), 0);
	while (!*flag && !expired)
		uv_run(loop, UV_RUN_ONCE);
	uv_timer_stop(&guard);
	uv_close((uv_handle_t *)&guard, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return *flag;
}

static int
kt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory itself */
}

static void
kt_walk_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		(*(int *)arg)++;
}

static int
kt_count_handles(uv_loop_t *loop)
{
	int n = 0;

	uv_walk(loop, kt_walk_cb, &n);
	return n;
}

/* The outcome of one request, for assertions. */
struct kt_result {
	int	 done;
	int	 code;
	long	 http;
	int	 attempts;
	int	 curl_code;
	char	 reason[64];
	char	 msg[512];
	json_t	*res;		/* new reference or NULL */
	uint64_t at_ms;
};

static void
kt_done(struct kube_request *req, json_t *res, const struct kube_error *err, void *arg)
{
	struct kt_result *r = arg;

	r->done++;
	r->at_ms = strata_now_ms();
	r->attempts = kube_request_attempts(req);
	if (err != NULL) {
		r->code = err->code;
		r->http = err->http_status;
		r->curl_code = err->curl_code;
		snprintf(r->reason, sizeof(r->reason), "%s", err->reason);
		snprintf(r->msg, sizeof(r->msg), "%s", err->message);
	} else {
		r->code = 0;
		r->res = json_incref(res);
	}
}

static void
kt_result_clear(struct kt_result *r)
{
	json_decref(r->res);
	memset(r, 0, sizeof(*r));
}

/* Closes the client, runs the loop dry, and checks that nothing of ours is left. */
static void
kt_client_close(uv_loop_t *loop, struct kube_client *c)
{
	if (c != NULL)
		kube_client_close(c);
	uv_run(loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(kt_count_handles(loop), 0);
	ck_assert_int_eq(uv_loop_close(loop), 0);
}

#endif
