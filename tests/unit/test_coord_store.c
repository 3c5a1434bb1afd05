/*
 * The state store: where the state directory is and how it is protected, the lock file
 * against a second server, records surviving restarts, corrupt and torn files, caps and
 * eviction, listings and resources, the secret sanitizer.
 */
#include "test_coord_store_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

START_TEST(default_dir_follows_xdg_then_home)
{
	char out[256], err[128];

	setenv("XDG_STATE_HOME", "/x/state", 1);
	setenv("HOME", "/home/u", 1);
	ck_assert_int_eq(coord_store_default_dir(out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_str_eq(out, "/x/state/strata");
	setenv("XDG_STATE_HOME", "relative/ignored", 1);
	ck_assert_int_eq(coord_store_default_dir(out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_str_eq(out, "/home/u/.local/state/strata");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	ck_assert_int_eq(coord_store_default_dir(out, sizeof(out), err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "--state-dir"));
}
END_TEST

START_TEST(state_dir_created_private_with_parents)
{
	struct coord_store_options o = { 0 };
	struct coord_store *st;
	char deep[512];
	struct stat sb;

	snprintf(deep, sizeof(deep), "%s/a/b/strata", tdir);
	o.state_dir = deep;
	st = open_store(&o, NULL);
	ck_assert_str_eq(coord_store_dir(st), deep);
	ck_assert_int_eq(stat(deep, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0700);
	ck_assert(path_exists("%s/%s", deep, "lock"));
	ck_assert(path_exists("%s/%s", deep, "executions"));
	coord_store_close(st);

	/* An existing directory open to others is made private. */
	ck_assert_int_eq(chmod(deep, 0755), 0);
	st = open_store(&o, NULL);
	ck_assert_int_eq(stat(deep, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0700);
	coord_store_close(st);
}
END_TEST

START_TEST(state_dir_errors_name_the_path)
{
	struct coord_store_options o = { 0 };
	struct coord_store *st = NULL;
	char file[300], bad[400], err[512];
	int rc;

	/* A path through a regular file cannot be created. */
	snprintf(file, sizeof(file), "%s/plainfile", tdir);
	spit(file, "x");
	snprintf(bad, sizeof(bad), "%s/state", file);
	o.state_dir = bad;
	rc = coord_store_open(&o, &st, NULL, err, sizeof(err));
	ck_assert_int_eq(rc, -ENOTDIR);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, bad) != NULL && strstr(err, "cannot create") != NULL,
	    "message: %s", err);
}
END_TEST

/*
 * Run as an unprivileged user (nobody when we are root, since root ignores modes): a
 * state directory that cannot be created, and one that exists but cannot be written.
 */
START_TEST(state_dir_permission_denied_is_clear)
{
	char ro[300], want[400], exist[400];
	int fds[2], status;
	pid_t pid;

	snprintf(ro, sizeof(ro), "%s/ro", tdir);
	ck_assert_int_eq(mkdir(ro, 0555), 0);
	ck_assert_int_eq(chmod(tdir, 0755), 0);
	snprintf(want, sizeof(want), "%s/state", ro);
	snprintf(exist, sizeof(exist), "%s/existing", tdir);
	ck_assert_int_eq(mkdir(exist, 0500), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(exist, 65534, 65534), 0);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct coord_store_options o = { 0 };
		struct coord_store *st = NULL;
		char err[512], msg[1100];
		int rc1, rc2;

		close(fds[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		o.state_dir = want;
		rc1 = coord_store_open(&o, &st, NULL, err, sizeof(err));
		snprintf(msg, sizeof(msg), "%s\n", err);
		o.state_dir = exist;
		rc2 = coord_store_open(&o, &st, NULL, err, sizeof(err));
		strncat(msg, err, sizeof(msg) - strlen(msg) - 1);
		if (write(fds[1], msg, strlen(msg) + 1) < 0)
			_exit(4);
		_exit(rc1 == -EACCES && rc2 == -EACCES ? 0 : 1);
	}
	close(fds[1]);
	{
		char msg[1100] = "", *second;
		ssize_t n = read(fds[0], msg, sizeof(msg) - 1);

		msg[n > 0 ? n : 0] = '\0';
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child status %d, messages: %s", status, msg);
		second = strchr(msg, '\n');
		ck_assert_ptr_nonnull(second);
		*second++ = '\0';
		ck_assert_msg(strstr(msg, want) != NULL && strstr(msg, "cannot create") &&
		    strstr(msg, "Permission denied"), "message: %s", msg);
		ck_assert_msg(strstr(second, exist) != NULL && strstr(second, "not writable") &&
		    strstr(second, "Permission denied"), "message: %s", second);
	}
	close(fds[0]);
}
END_TEST

START_TEST(second_process_is_refused_by_the_lock_file)
{
	struct coord_store *st = open_store(NULL, NULL), *st2 = NULL;
	char err[512], want[64];
	int fds[2], status;
	pid_t pid;

	/* In this process too: a second open of the same directory is refused. */
	ck_assert_int_eq(coord_store_open(&(struct coord_store_options){ .state_dir = tstate },
	    &st2, NULL, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_null(st2);

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct coord_store_options o = { .state_dir = tstate };
		struct coord_store *c = NULL;
		int rc;

		close(fds[0]);
		rc = coord_store_open(&o, &c, NULL, err, sizeof(err));
		if (write(fds[1], err, strlen(err) + 1) < 0)
			_exit(4);
		_exit(rc == -EBUSY && c == NULL ? 0 : 1);
	}
	close(fds[1]);
	{
		char msg[512] = "";
		ssize_t n = read(fds[0], msg, sizeof(msg) - 1);

		msg[n > 0 ? n : 0] = '\0';
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		snprintf(want, sizeof(want), "pid %ld", (long)getpid());
		ck_assert_msg(strstr(msg, tstate) && strstr(msg, "in use") && strstr(msg, want),
		    "message: %s", msg);
	}
	close(fds[0]);

	/* Once the first closes, the directory is free again. */
	coord_store_close(st);
	st = open_store(NULL, NULL);
	coord_store_close(st);
}
END_TEST

START_TEST(ids_are_random_url_safe_and_checked)
{
	char a[COORD_STORE_ID_MAX], b[COORD_STORE_ID_MAX];

	ck_assert_int_eq(coord_store_id_new(COORD_STORE_EXEC, a), 0);
	ck_assert_int_eq(coord_store_id_new(COORD_STORE_EXEC, b), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(strncmp(a, "exec-", 5), 0);
	ck_assert_uint_eq(strlen(a), 25);
	ck_assert(coord_store_id_valid(COORD_STORE_EXEC, a));
	ck_assert(!coord_store_id_valid(COORD_STORE_PLAN, a));
	ck_assert(!coord_store_id_valid(COORD_STORE_PLAN, "plan-../../etc"));
	ck_assert(!coord_store_id_valid(COORD_STORE_PLAN, "plan-"));
	ck_assert(!coord_store_id_valid(COORD_STORE_ISSUE, NULL));
	ck_assert(coord_store_id_valid(COORD_STORE_ISSUE, "iss-Ab_9-z"));
}
END_TEST

START_TEST(plans_and_issues_survive_restart)
{
	char iid[COORD_STORE_ID_MAX], pid1[COORD_STORE_ID_MAX], pid2[COORD_STORE_ID_MAX];
	struct coord_store_stats stats;
	struct coord_store *st = open_store(NULL, NULL);
	json_t *p, *orig, *lst;
	char err[256];

	put_issue(st, iid);
	orig = make_plan(pid1, iid);
	ck_assert_int_eq(coord_store_plan_put(st, orig, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_store_plan_put(st, orig, err, sizeof(err)), -EEXIST);
	put_plan(st, pid2, NULL);
	coord_store_close(st);

	st = open_store(NULL, &stats);
	ck_assert_uint_eq(stats.issues, 1);
	ck_assert_uint_eq(stats.plans, 2);
	ck_assert_uint_eq(stats.corrupt, 0);
	p = coord_store_plan_get(st, pid1);
	ck_assert_ptr_nonnull(p);
	ck_assert(json_equal(p, orig));
	json_decref(p);
	p = coord_store_issue_get(st, iid);
	ck_assert_str_eq(json_string_value(json_object_get(p, "summary")), "node NotReady");
	json_decref(p);
	/* Listing is newest first, with the plan's hash. */
	lst = coord_store_plan_list(st);
	ck_assert_uint_eq(json_array_size(lst), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lst, 0), "plan_id")),
	    pid2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lst, 1), "hash")),
	    "0123abcd");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lst, 1),
	    "issue_id")), iid);
	json_decref(lst);
	json_decref(orig);
	ck_assert_ptr_null(coord_store_plan_get(st, "plan-nope"));
	coord_store_close(st);
}
END_TEST

START_TEST(records_without_valid_id_are_refused)
{
	struct coord_store *st = open_store(NULL, NULL);
	json_t *bad = json_pack("{s:s}", "plan_id", "plan-../../x");
	char err[256];

	ck_assert_int_eq(coord_store_plan_put(st, bad, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "plan_id"));
	json_decref(bad);
	bad = json_pack("{s:s}", "summary", "no id");
	ck_assert_int_eq(coord_store_issue_put(st, bad, err, sizeof(err)), -EINVAL);
	json_decref(bad);
	coord_store_close(st);
}
END_TEST

START_TEST(corrupt_and_torn_files_are_set_aside)
{
	char good[COORD_STORE_ID_MAX], p[600], tmpname[600];
	struct coord_store_stats stats;
	struct coord_store *st = open_store(NULL, NULL);
	json_t *lst;
	char *text;

	put_plan(st, good, NULL);
	coord_store_close(st);

	/* A truncated plan, garbage in an issue, a record whose id does not match its
	 * name, and a complete-looking temp file left by a crash mid-write. */
	snprintf(p, sizeof(p), "%s/plans/%s.json", tstate, good);
	text = slurp(p);
	ck_assert_ptr_nonnull(text);
	snprintf(p, sizeof(p), "%s/plans/plan-torn.json", tstate);
	text[strlen(text) / 2] = '\0';
	spit(p, text);
	snprintf(p, sizeof(p), "%s/issues/iss-garbage.json", tstate);
	spit(p, "\x01\x02 not json");
	snprintf(p, sizeof(p), "%s/plans/plan-renamed.json", tstate);
	snprintf(tmpname, sizeof(tmpname), "%s/plans/%s.json", tstate, good);
	free(text);
	text = slurp(tmpname);
	spit(p, text);
	snprintf(tmpname, sizeof(tmpname), "%s/plans/.plan-tmp.json.tmp.99.1", tstate);
	spit(tmpname, text);
	free(text);

	st = open_store(NULL, &stats);
	ck_assert_uint_eq(stats.plans, 1);
	ck_assert_uint_eq(stats.issues, 0);
	ck_assert_uint_eq(stats.corrupt, 3);
	ck_assert_uint_eq(stats.temp_removed, 1);
	ck_assert(path_exists("%s/plans/%s", tstate, "plan-torn.json.corrupt"));
	ck_assert(path_exists("%s/issues/%s", tstate, "iss-garbage.json.corrupt"));
	ck_assert(path_exists("%s/plans/%s", tstate, "plan-renamed.json.corrupt"));
	ck_assert(!path_exists("%s/plans/%s", tstate, "plan-torn.json"));
	ck_assert(!path_exists("%s", tmpname, ""));
	lst = coord_store_plan_list(st);
	ck_assert_uint_eq(json_array_size(lst), 1);
	json_decref(lst);
	coord_store_close(st);

	/* Set-aside files are evidence, never read again nor counted twice. */
	st = open_store(NULL, &stats);
	ck_assert_uint_eq(stats.corrupt, 0);
	ck_assert_uint_eq(stats.plans, 1);
	coord_store_close(st);
}
END_TEST

START_TEST(caps_evict_oldest_issue_and_plan)
{
	struct coord_store_options o = { .max_issues = 3, .max_plans = 2 };
	char iss[4][COORD_STORE_ID_MAX], pl[3][COORD_STORE_ID_MAX];
	struct coord_store_stats stats;
	struct coord_store *st = open_store(&o, NULL);
	struct coord_exec *ex;
	json_t *v;
	char err[256];
	int i;

	for (i = 0; i < 4; i++)
		put_issue(st, iss[i]);
	v = coord_store_issue_get(st, iss[0]);
	ck_assert_ptr_null(v);
	ck_assert(!path_exists("%s/issues/%s.json", tstate, iss[0]));
	for (i = 1; i < 4; i++) {
		v = coord_store_issue_get(st, iss[i]);
		ck_assert_ptr_nonnull(v);
		json_decref(v);
	}

	/* The oldest plan has a running execution: the next oldest goes instead. */
	put_plan(st, pl[0], iss[1]);
	ck_assert_int_eq(coord_exec_begin(st, pl[0], false, &ex, err, sizeof(err)), 0);
	put_plan(st, pl[1], NULL);
	put_plan(st, pl[2], NULL);
	v = coord_store_plan_get(st, pl[0]);
	ck_assert_ptr_nonnull(v);
	json_decref(v);
	ck_assert_ptr_null(coord_store_plan_get(st, pl[1]));
	ck_assert(!path_exists("%s/plans/%s.json", tstate, pl[1]));

	/* The issue of that plan is pinned too: iss[2] (next oldest) is dropped. */
	put_issue(st, iss[0]);
	v = coord_store_issue_get(st, iss[1]);
	ck_assert_ptr_nonnull(v);
	json_decref(v);
	ck_assert_ptr_null(coord_store_issue_get(st, iss[2]));
	coord_store_close(st);

	/* A lower cap on reopen trims the oldest unpinned records (the run is now
	 * interrupted, so it pins nothing). */
	o.max_plans = 1;
	st = open_store(&o, &stats);
	ck_assert_uint_eq(stats.plans, 1);
	v = coord_store_plan_get(st, pl[2]);
	ck_assert_ptr_nonnull(v);
	json_decref(v);
	coord_store_close(st);
}
END_TEST

START_TEST(plan_cap_refuses_when_all_are_running)
{
	struct coord_store_options o = { .max_plans = 1 };
	char pl[COORD_STORE_ID_MAX], other[COORD_STORE_ID_MAX];
	struct coord_store *st = open_store(&o, NULL);
	struct coord_exec *ex;
	json_t *p;
	char err[256];

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	p = make_plan(other, NULL);
	ck_assert_int_eq(coord_store_plan_put(st, p, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "in use"));
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_SUCCEEDED, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_store_plan_put(st, p, err, sizeof(err)), 0);
	json_decref(p);
	coord_store_close(st);
}
END_TEST

START_TEST(resources_list_and_read)
{
	char pl[COORD_STORE_ID_MAX], uri[128], err[256];
	struct coord_store *st = open_store(NULL, NULL);
	struct coord_exec *ex;
	json_t *lst, *v;
	char *text;
	size_t i;
	int seen = 0;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, true, &ex, err, sizeof(err)), 0);
	lst = coord_store_resource_list(st);
	json_array_foreach(lst, i, v) {
		const char *u = json_string_value(json_object_get(v, "uri"));

		ck_assert_str_eq(json_string_value(json_object_get(v, "mimeType")),
		    "application/json");
		if (strstr(u, pl) != NULL && strncmp(u, "strata://plans/", 15) == 0)
			seen |= 1;
		if (strstr(u, coord_exec_id(ex)) && strncmp(u, "strata://executions/", 20) == 0)
			seen |= 2;
	}
	ck_assert_int_eq(seen, 3);
	json_decref(lst);

	snprintf(uri, sizeof(uri), "strata://executions/%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_store_resource_read(st, uri, &text, err, sizeof(err)), 0);
	v = json_loads(text, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(v, "plan_id")), pl);
	ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "running");
	ck_assert(json_is_true(json_object_get(v, "dry_run")));
	json_decref(v);
	free(text);

	snprintf(uri, sizeof(uri), "strata://plans/%s", pl);
	ck_assert_int_eq(coord_store_resource_read(st, uri, &text, err, sizeof(err)), 0);
	v = json_loads(text, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(v, "hash")), "0123abcd");
	json_decref(v);
	free(text);

	ck_assert_int_eq(coord_store_resource_read(st, "strata://plans/plan-../../lock", &text,
	    err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(text);
	ck_assert_ptr_nonnull(strstr(err, "no such resource"));
	coord_store_close(st);
}
END_TEST

START_TEST(sanitizer_drops_secrets_and_managed_fields)
{
	json_t *v = json_loads("{\"kind\":\"List\",\"items\":["
	    "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"managedFields\":[{}],"
	    "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"pw\","
	    "\"keep\":\"1\"}},\"data\":{\"pw\":\"aHVudGVyMg==\"},\"stringData\":{\"a\":\"b\"},"
	    "\"type\":\"Opaque\"},"
	    "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"managedFields\":[{}]},"
	    "\"data\":{\"k\":\"v\"}}]}", 0, NULL);
	json_t *s, *c;

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(coord_store_sanitize(v), 5);
	s = json_array_get(json_object_get(v, "items"), 0);
	c = json_array_get(json_object_get(v, "items"), 1);
	ck_assert_ptr_null(json_object_get(s, "data"));
	ck_assert_ptr_null(json_object_get(s, "stringData"));
	ck_assert_ptr_null(json_object_get(json_object_get(s, "metadata"), "managedFields"));
	ck_assert_ptr_null(json_object_get(json_object_get(json_object_get(s, "metadata"),
	    "annotations"), "kubectl.kubernetes.io/last-applied-configuration"));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(json_object_get(s, "metadata"),
	    "annotations"), "keep"));
	ck_assert_str_eq(json_string_value(json_object_get(s, "type")), "Opaque");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(c, "data"), "k"));
	ck_assert_ptr_null(json_object_get(json_object_get(c, "metadata"), "managedFields"));
	json_decref(v);
}
END_TEST

static Suite *
coord_store_suite(void)
{
	Suite *s = suite_create("coord_store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, default_dir_follows_xdg_then_home);
	tcase_add_test(tc, state_dir_created_private_with_parents);
	tcase_add_test(tc, state_dir_errors_name_the_path);
	tcase_add_test(tc, state_dir_permission_denied_is_clear);
	tcase_add_test(tc, second_process_is_refused_by_the_lock_file);
	tcase_add_test(tc, ids_are_random_url_safe_and_checked);
	tcase_add_test(tc, plans_and_issues_survive_restart);
	tcase_add_test(tc, records_without_valid_id_are_refused);
	tcase_add_test(tc, corrupt_and_torn_files_are_set_aside);
	tcase_add_test(tc, caps_evict_oldest_issue_and_plan);
	tcase_add_test(tc, plan_cap_refuses_when_all_are_running);
	tcase_add_test(tc, resources_list_and_read);
	tcase_add_test(tc, sanitizer_drops_secrets_and_managed_fields);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_store_suite)
