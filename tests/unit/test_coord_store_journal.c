/*
 * The execution journal: step records with before-states, checkpoints and rollback
 * records, the audit trail, interrupted marking after a restart, latest-execution
 * lookup, execution caps, and atomicity when the writer is killed with SIGKILL.
 */
#include "test_coord_store_util.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static json_t *
node_state(const char *name, bool unschedulable)
{
	return json_pack("{s:s, s:s, s:{s:s, s:[{}]}, s:{s:b}}", "apiVersion", "v1",
	    "kind", "Node", "metadata", "name", name, "managedFields", "spec",
	    "unschedulable", unschedulable);
}

START_TEST(steps_checkpoints_rollback_persist)
{
	char pl[COORD_STORE_ID_MAX], id[COORD_STORE_ID_MAX], err[256];
	struct coord_store *st = open_store(NULL, NULL);
	struct coord_exec *ex;
	json_t *before = node_state("worker-1", false), *cp, *v, *steps;
	const json_t *rec;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(id, sizeof(id), "%s", coord_exec_id(ex));
	ck_assert(coord_store_id_valid(COORD_STORE_EXEC, id));
	ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_RUNNING);
	ck_assert_str_eq(json_string_value(json_object_get(coord_exec_plan(ex), "plan_id")),
	    pl);

	ck_assert_int_eq(coord_exec_step_begin(ex, 0, before, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_audit(ex, "PATCH", "/api/v1/nodes/worker-1", 200, false,
	    0, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_step_end(ex, 0, "succeeded", NULL, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_step_end(ex, 1, "failed", "drain blocked by PDB web",
	    NULL, err, sizeof(err)), 0);
	cp = json_pack("{s:s, s:i, s:b, s:[s]}", "layer", "infrastructure", "after_step", 0,
	    "healthy", 0, "failed_checks", "node_ready");
	ck_assert_int_eq(coord_exec_checkpoint_add(ex, cp, err, sizeof(err)), 0);
	json_decref(cp);
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_ROLLING_BACK, err, sizeof(err)),
	    0);
	ck_assert_int_eq(coord_exec_rollback_step(ex, 0, "uncordon", "succeeded", NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_ROLLED_BACK, err, sizeof(err)),
	    0);
	ck_assert_int_eq(coord_exec_step_begin(ex, 10000, NULL, err, sizeof(err)), -ERANGE);
	ck_assert_int_eq(coord_exec_step_end(ex, 2, "Bad Status", NULL, NULL, err,
	    sizeof(err)), -EINVAL);
	coord_store_close(st);

	/* Everything is read back after a restart, and a finished run stays as it was. */
	st = open_store(NULL, NULL);
	ex = coord_store_exec_get(st, id);
	ck_assert_ptr_nonnull(ex);
	ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_ROLLED_BACK);
	ck_assert_uint_eq(coord_exec_step_count(ex), 2);
	rec = coord_exec_step(ex, 0);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "status")), "succeeded");
	ck_assert(json_is_string(json_object_get(rec, "started_at")));
	ck_assert(json_is_string(json_object_get(rec, "ended_at")));
	/* The before-state was stored sanitized: managedFields dropped, the rest intact. */
	v = json_object_get(rec, "before_state");
	ck_assert(json_is_false(json_object_get(json_object_get(v, "spec"), "unschedulable")));
	ck_assert_ptr_null(json_object_get(json_object_get(v, "metadata"), "managedFields"));
	ck_assert_str_eq(json_string_value(json_object_get(coord_exec_step(ex, 1), "error")),
	    "drain blocked by PDB web");

	v = coord_exec_to_json(ex, false);
	ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "rolled_back");
	ck_assert(json_is_string(json_object_get(v, "ended_at")));
	ck_assert_ptr_null(json_object_get(v, "seq"));
	ck_assert_str_eq(json_string_value(json_object_get(v, "plan_hash")), "0123abcd");
	steps = json_object_get(v, "steps");
	ck_assert_uint_eq(json_array_size(steps), 2);
	ck_assert_ptr_null(json_object_get(json_array_get(steps, 0), "before_state"));
	cp = json_array_get(json_object_get(v, "checkpoints"), 0);
	ck_assert(json_is_false(json_object_get(cp, "healthy")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "rollback"),
	    "status")), "rolled_back");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_object_get(v, "rollback"), "steps"), 0), "action")), "uncordon");
	json_decref(v);
	v = coord_exec_to_json(ex, true);
	ck_assert_ptr_nonnull(json_object_get(json_array_get(json_object_get(v, "steps"), 0),
	    "before_state"));
	json_decref(v);
	json_decref(before);
	coord_store_close(st);
}
END_TEST

START_TEST(running_and_rolling_back_become_interrupted)
{
	char pl[COORD_STORE_ID_MAX], a[COORD_STORE_ID_MAX], b[COORD_STORE_ID_MAX],
	    c[COORD_STORE_ID_MAX], err[256];
	struct coord_store_stats stats;
	struct coord_store *st = open_store(NULL, NULL);
	struct coord_exec *ex;
	json_t *before = node_state("worker-2", false);
	const json_t *rec;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(a, sizeof(a), "%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_exec_step_begin(ex, 0, before, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_step_end(ex, 0, "succeeded", NULL, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_step_begin(ex, 1, before, err, sizeof(err)), 0);

	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(b, sizeof(b), "%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_ROLLING_BACK, err, sizeof(err)),
	    0);

	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(c, sizeof(c), "%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_SUCCEEDED, err, sizeof(err)), 0);
	coord_store_close(st);		/* as if the process had died */

	st = open_store(NULL, &stats);
	ck_assert_uint_eq(stats.execs, 3);
	ck_assert_uint_eq(stats.interrupted, 2);
	ex = coord_store_exec_get(st, a);
	ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_INTERRUPTED);
	ck_assert_int_eq(coord_exec_interrupted_from(ex), COORD_EXEC_RUNNING);
	ck_assert_str_eq(json_string_value(json_object_get(coord_exec_step(ex, 0), "status")),
	    "succeeded");
	rec = coord_exec_step(ex, 1);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "status")), "interrupted");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rec, "error")),
	    "may or may not"));
	ck_assert_ptr_nonnull(json_object_get(rec, "before_state"));
	ex = coord_store_exec_get(st, b);
	ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_INTERRUPTED);
	ck_assert_int_eq(coord_exec_interrupted_from(ex), COORD_EXEC_ROLLING_BACK);
	ck_assert_int_eq(coord_exec_status(coord_store_exec_get(st, c)), COORD_EXEC_SUCCEEDED);
	coord_store_close(st);

	/* The marking was persisted: nothing new to mark the next time. */
	st = open_store(NULL, &stats);
	ck_assert_uint_eq(stats.interrupted, 0);
	ex = coord_store_exec_get(st, a);
	ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_INTERRUPTED);
	ck_assert_int_eq(coord_exec_interrupted_from(ex), COORD_EXEC_RUNNING);
	/* rollback_plan can take it from here. */
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_ROLLING_BACK, err, sizeof(err)),
	    0);
	ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_ROLLED_BACK, err, sizeof(err)),
	    0);
	json_decref(before);
	coord_store_close(st);
}
END_TEST

START_TEST(latest_execution_of_a_plan)
{
	char p1[COORD_STORE_ID_MAX], p2[COORD_STORE_ID_MAX], last[COORD_STORE_ID_MAX],
	    err[256];
	struct coord_store *st = open_store(NULL, NULL);
	struct coord_exec *ex, *e2;
	json_t *lst;
	int i;

	put_plan(st, p1, NULL);
	put_plan(st, p2, NULL);
	ck_assert_ptr_null(coord_store_exec_latest(st, p1));
	/* Several in the same millisecond: order of creation still decides. */
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(coord_exec_begin(st, p1, true, &ex, err, sizeof(err)), 0);
		ck_assert_int_eq(coord_exec_set_status(ex, COORD_EXEC_DRY_RUN, err, sizeof(err)),
		    0);
	}
	snprintf(last, sizeof(last), "%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_exec_begin(st, p2, true, &e2, err, sizeof(err)), 0);
	ck_assert_ptr_eq(coord_store_exec_latest(st, p1), ex);
	ck_assert_ptr_eq(coord_store_exec_latest(st, p2), e2);
	lst = coord_store_exec_list(st);
	ck_assert_uint_eq(json_array_size(lst), 6);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lst, 0),
	    "execution_id")), coord_exec_id(e2));
	json_decref(lst);
	ck_assert_int_eq(coord_exec_begin(st, "plan-unknown", false, &ex, err, sizeof(err)),
	    -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "plan-unknown"));
	coord_store_close(st);

	st = open_store(NULL, NULL);
	ck_assert_str_eq(coord_exec_id(coord_store_exec_latest(st, p1)), last);
	coord_store_close(st);
}
END_TEST

START_TEST(execution_cap_keeps_unfinished_runs)
{
	struct coord_store_options o = { .max_execs = 2 };
	char pl[COORD_STORE_ID_MAX], first[COORD_STORE_ID_MAX], err[256];
	struct coord_store *st = open_store(&o, NULL);
	struct coord_exec *e1, *e2, *e3;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &e1, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &e2, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &e3, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "in progress"));
	snprintf(first, sizeof(first), "%s", coord_exec_id(e1));
	ck_assert_int_eq(coord_exec_set_status(e1, COORD_EXEC_SUCCEEDED, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &e3, err, sizeof(err)), 0);
	ck_assert_ptr_null(coord_store_exec_get(st, first));
	ck_assert(!path_exists("%s/executions/%s", tstate, first));
	ck_assert_ptr_eq(coord_store_exec_get(st, coord_exec_id(e2)), e2);
	coord_store_close(st);
}
END_TEST

START_TEST(audit_trail_records_mutations)
{
	struct coord_store_options o = { .max_audit = 600 };
	char pl[COORD_STORE_ID_MAX], id[COORD_STORE_ID_MAX], path[600], err[256];
	struct coord_store *st = open_store(&o, NULL);
	struct coord_exec *ex;
	json_t *a, *line;
	FILE *f;
	int rc, i;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(id, sizeof(id), "%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_exec_audit(ex, "PATCH", "/api/v1/nodes/w1", 200, false, 0, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_audit(ex, "POST",
	    "/api/v1/namespaces/a/pods/p/eviction", 429, true, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_audit(ex, "", "/x", 200, false, -1, err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(coord_exec_step_end(ex, 1, "failed", "429", NULL, err, sizeof(err)),
	    0);
	coord_store_close(st);

	/* A torn last line (power loss mid-append) is skipped, the rest is read. */
	snprintf(path, sizeof(path), "%s/executions/%s/audit.jsonl", tstate, id);
	f = fopen(path, "a");
	fputs("{\"time\":\"2026-", f);
	fclose(f);
	st = open_store(&o, NULL);
	ex = coord_store_exec_get(st, id);
	a = coord_exec_audit_load(ex, err, sizeof(err));
	ck_assert_uint_eq(json_array_size(a), 2);
	line = json_array_get(a, 1);
	ck_assert_str_eq(json_string_value(json_object_get(line, "method")), "POST");
	ck_assert_int_eq(json_integer_value(json_object_get(line, "status")), 429);
	ck_assert(json_is_true(json_object_get(line, "dry_run")));
	ck_assert_int_eq(json_integer_value(json_object_get(line, "step")), 1);
	ck_assert(json_is_string(json_object_get(line, "time")));
	json_decref(a);

	/* The cap (600 bytes here) holds across the restart and is reported. */
	for (i = 0, rc = 0; i < 20 && rc == 0; i++)
		rc = coord_exec_audit(ex, "DELETE", "/api/v1/namespaces/a/pods/p", 200, false, 2,
		    err, sizeof(err));
	ck_assert_int_eq(rc, -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "full"));
	a = coord_exec_to_json(ex, false);
	ck_assert(json_is_true(json_object_get(a, "audit_truncated")));
	json_decref(a);
	coord_store_close(st);
}
END_TEST

START_TEST(secrets_never_reach_the_disk)
{
	char pl[COORD_STORE_ID_MAX], path[600], err[256];
	struct coord_store *st = open_store(NULL, NULL);
	struct coord_exec *ex;
	json_t *secret = json_pack("{s:s, s:{s:s}, s:{s:s}}", "kind", "Secret", "metadata",
	    "name", "db", "data", "password", "c3VwZXJzZWNyZXQ=");
	char *text;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_exec_step_begin(ex, 3, secret, err, sizeof(err)), 0);
	/* The caller's object is not changed; the journal's copy is. */
	ck_assert_ptr_nonnull(json_object_get(secret, "data"));
	snprintf(path, sizeof(path), "%s/executions/%s/step-000003.json", tstate,
	    coord_exec_id(ex));
	text = slurp(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "c3VwZXJzZWNyZXQ="));
	ck_assert_ptr_nonnull(strstr(text, "\"db\""));
	free(text);
	json_decref(secret);
	coord_store_close(st);
}
END_TEST

START_TEST(damaged_execution_files_are_reported)
{
	char pl[COORD_STORE_ID_MAX], a[COORD_STORE_ID_MAX], b[COORD_STORE_ID_MAX],
	    path[700], err[256];
	struct coord_store_stats stats;
	struct coord_store *st = open_store(NULL, NULL);
	struct coord_exec *ex;
	json_t *v;

	put_plan(st, pl, NULL);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(a, sizeof(a), "%s", coord_exec_id(ex));
	ck_assert_int_eq(coord_exec_step_end(ex, 0, "succeeded", NULL, NULL, err, sizeof(err)),
	    0);
	ck_assert_int_eq(coord_exec_step_end(ex, 1, "succeeded", NULL, NULL, err, sizeof(err)),
	    0);
	ck_assert_int_eq(coord_exec_begin(st, pl, false, &ex, err, sizeof(err)), 0);
	snprintf(b, sizeof(b), "%s", coord_exec_id(ex));
	coord_store_close(st);

	snprintf(path, sizeof(path), "%s/executions/%s/step-000001.json", tstate, a);
	spit(path, "{\"index\":1,\"sta");
	snprintf(path, sizeof(path), "%s/executions/%s/execution.json", tstate, b);
	spit(path, "");

	st = open_store(NULL, &stats);
	ck_assert_uint_eq(stats.corrupt, 2);
	ck_assert_uint_eq(stats.execs, 1);
	ck_assert_uint_eq(stats.interrupted, 1);
	ck_assert_ptr_null(coord_store_exec_get(st, b));
	ck_assert(path_exists("%s/executions/%s.corrupt", tstate, b));
	ex = coord_store_exec_get(st, a);
	ck_assert_ptr_nonnull(coord_exec_step(ex, 0));
	ck_assert_ptr_null(coord_exec_step(ex, 1));
	v = coord_exec_to_json(ex, false);
	ck_assert_uint_eq(json_array_size(json_object_get(v, "journal_errors")), 1);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(json_object_get(v,
	    "journal_errors"), 0)), "step-000001.json"));
	json_decref(v);
	coord_store_close(st);
	ck_assert(path_exists("%s/executions/%s/step-000001.json.corrupt", tstate, a));
}
END_TEST

/*
 * Atomicity: a child rewrites step files, the header and new issues as fast as it can
 * and is killed with SIGKILL at a random moment.  Every record found afterwards must be
 * a whole version: no corrupt file, rounds consistent across steps.
 */
#define CRASH_STEPS	8
#define PAD_UNIT	97

static void
crash_writer(int wfd)
{
	struct coord_store_options o = { .state_dir = tstate, .no_fsync = true };
	struct coord_store *st;
	struct coord_exec *ex;
	char pl[COORD_STORE_ID_MAX], iid[COORD_STORE_ID_MAX], err[256], pad[PAD_UNIT * 40 + 1];
	long round;
	size_t i;

	if (coord_store_open(&o, &st, NULL, err, sizeof(err)) != 0)
		_exit(2);
	put_plan(st, pl, NULL);
	if (coord_exec_begin(st, pl, false, &ex, err, sizeof(err)) != 0)
		_exit(3);
	if (write(wfd, coord_exec_id(ex), strlen(coord_exec_id(ex)) + 1) < 0)
		_exit(4);
	close(wfd);
	for (round = 1; ; round++) {
		/* The pad's length and letter depend on the round: a file mixing two
		 * versions, or cut short, cannot pass the check. */
		size_t n = (size_t)(round % 40 + 1) * PAD_UNIT;

		memset(pad, 'a' + (int)(round % 26), n);
		pad[n] = '\0';
		for (i = 0; i < CRASH_STEPS; i++) {
			json_t *b = json_pack("{s:s, s:I, s:s}", "kind", "Node", "round",
			    (json_int_t)round, "pad", pad);

			coord_exec_step_begin(ex, i, b, err, sizeof(err));
			json_decref(b);
			coord_exec_step_end(ex, i, "succeeded", NULL, NULL, err, sizeof(err));
		}
		coord_exec_set_status(ex, COORD_EXEC_RUNNING, err, sizeof(err));
		if (round % 8 == 0) {
			json_t *is;

			coord_store_id_new(COORD_STORE_ISSUE, iid);
			is = json_pack("{s:s, s:s}", "issue_id", iid, "pad", pad);
			coord_store_issue_put(st, is, err, sizeof(err));
			json_decref(is);
		}
	}
}

static void
check_step(const json_t *rec, size_t i, long *prev_round)
{
	const json_t *b = json_object_get(rec, "before_state");
	const char *pad = json_string_value(json_object_get(b, "pad"));
	long round = (long)json_integer_value(json_object_get(b, "round"));
	size_t k;

	ck_assert_msg(pad != NULL && round > 0, "step %zu lost its before_state", i);
	ck_assert_uint_eq(strlen(pad), (size_t)(round % 40 + 1) * PAD_UNIT);
	for (k = 0; pad[k] != '\0'; k++)
		ck_assert_int_eq(pad[k], 'a' + (int)(round % 26));
	/* Steps are written in order: later steps are at most one round behind. */
	if (*prev_round > 0)
		ck_assert_msg(round == *prev_round || round == *prev_round - 1,
		    "step %zu round %ld after %ld", i, round, *prev_round);
	*prev_round = round;
}

START_TEST(sigkill_never_leaves_a_torn_record)
{
	int iter;

	for (iter = 0; iter < 4; iter++) {
		struct coord_store_stats stats;
		char id[COORD_STORE_ID_MAX] = "", dir[700];
		struct timespec ts;
		struct coord_store *st;
		struct coord_exec *ex;
		struct dirent *de;
		int fds[2], status;
		long prev = 0;
		ssize_t n;
		size_t i;
		pid_t pid;
		DIR *d;

		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ne(pid, -1);
		if (pid == 0) {
			close(fds[0]);
			crash_writer(fds[1]);
			_exit(0);
		}
		close(fds[1]);
		n = read(fds[0], id, sizeof(id) - 1);
		close(fds[0]);
		ck_assert_msg(n > 0, "writer did not start");
		id[n] = '\0';
		/* Let it write for 30..130 ms, then kill it wherever it is. */
		ts.tv_sec = 0;
		ts.tv_nsec = (30 + (long)(strata_now_ms() % 100)) * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));

		st = open_store(NULL, &stats);
		ck_assert_uint_eq(stats.corrupt, 0);
		ck_assert_uint_eq(stats.interrupted, 1);
		ex = coord_store_exec_get(st, id);
		ck_assert_ptr_nonnull(ex);
		ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_INTERRUPTED);
		for (i = 0; i < coord_exec_step_count(ex); i++) {
			const json_t *rec = coord_exec_step(ex, i);
			const char *s = json_string_value(json_object_get(rec, "status"));

			ck_assert_ptr_nonnull(rec);
			ck_assert(strcmp(s, "succeeded") == 0 || strcmp(s, "interrupted") == 0);
			check_step(rec, i, &prev);
		}
		/* No temp file survives the reopen. */
		snprintf(dir, sizeof(dir), "%s/executions/%s", tstate, id);
		d = opendir(dir);
		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)) != NULL)
			ck_assert_msg(strstr(de->d_name, ".tmp.") == NULL, "left %s",
			    de->d_name);
		closedir(d);
		coord_store_close(st);
	}
}
END_TEST

static Suite *
coord_store_journal_suite(void)
{
	Suite *s = suite_create("coord_store_journal");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, steps_checkpoints_rollback_persist);
	tcase_add_test(tc, running_and_rolling_back_become_interrupted);
	tcase_add_test(tc, latest_execution_of_a_plan);
	tcase_add_test(tc, execution_cap_keeps_unfinished_runs);
	tcase_add_test(tc, audit_trail_records_mutations);
	tcase_add_test(tc, secrets_never_reach_the_disk);
	tcase_add_test(tc, damaged_execution_files_are_reported);
	tcase_add_test(tc, sigkill_never_leaves_a_torn_record);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_store_journal_suite)
