/*
 * The step loop: for each plan step capture its before-state, journal it (before any
 * mutation), run the action with its done-condition, journal the outcome; after the last
 * step of a layer, run that layer's checkpoint.  A required step or a checkpoint that
 * fails, or a cancellation, hands over to the rollback.  A dry run never stops at a
 * failure (it reports every step the server would refuse) and runs no checkpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "strata/util.h"

static void next_step(struct coord_run *r);
static void checkpoints_after(struct coord_run *r, long after);

static json_t *
cur_step(struct coord_run *r)
{
	return json_array_get(r->steps, r->cur);
}

static long
step_index(const json_t *s)
{
	return (long)json_integer_value(json_object_get(s, "index"));
}

static void
result_set(struct coord_run *r, size_t pos, const char *key, json_t *v)
{
	json_object_set_new(json_array_get(r->results, pos), key, v);
}

static void
result_times(struct coord_run *r, size_t pos)
{
	const json_t *rec = coord_exec_step(r->ex, (size_t)step_index(json_array_get(
	    r->steps, pos)));

	if (rec == NULL)
		return;
	result_set(r, pos, "started_at", json_incref(json_object_get(rec, "started_at")));
	result_set(r, pos, "ended_at", json_incref(json_object_get(rec, "ended_at")));
}

/* A required failure or a cancellation: roll back, or finish when in a dry run. */
static void
run_failed(struct coord_run *r)
{
	r->failed = true;
	exec_rollback_start(r);
}

static void
action_end(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;
	json_t *s = cur_step(r), *res;
	long idx = step_index(s);
	bool required = json_is_true(json_object_get(s, "required"));
	bool cancelled = rc != TASK_DONE && r->cancel;
	const char *status;
	char e[256];

	r->task = NULL;
	if (rc == TASK_DONE)
		status = t->skipped ? "skipped" : r->dry_run ? "would_succeed" : "succeeded";
	else if (cancelled)
		status = "cancelled";
	else
		status = required || r->dry_run ? "failed" : "failed_optional";
	res = json_pack("{s:b, s:O}", "mutated", t->mutated, "detail", t->detail);
	if (coord_exec_step_end(r->ex, (size_t)idx, status, rc == TASK_DONE ? NULL : t->msg,
	    res, e, sizeof(e)) != 0)
		log_error("exec", "%s: journal: %s", r->exec_id, e);
	json_decref(res);
	result_set(r, r->cur, "status", json_string(status));
	result_times(r, r->cur);
	if (json_object_size(t->detail) > 0)
		result_set(r, r->cur, "detail", json_deep_copy(t->detail));
	if (rc != TASK_DONE)
		result_set(r, r->cur, "error", json_string(t->msg));
	exec_progress(r, r->cur + 1, r->nsteps, "step %ld/%zu %s %s: %s%s%s", idx,
	    r->nsteps, json_string_value(json_object_get(s, "action")),
	    exec_jstr(s, "target.name"), status, rc == TASK_DONE ? "" : " — ",
	    rc == TASK_DONE ? "" : t->msg);
	task_free(t);
	if (rc != TASK_DONE && !r->dry_run && (required || cancelled)) {
		exec_set_message(r, "step %ld (%s) %s", idx, json_string_value(
		    json_object_get(s, "action")), cancelled ? "was cancelled" : "failed");
		run_failed(r);
		return;
	}
	r->cur++;
	checkpoints_after(r, idx);
}

static void
capture_end(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;
	json_t *s = cur_step(r);
	long idx = step_index(s);
	struct exec_task *a;
	task_fn fn;
	char e[512];
	double timeout;

	r->task = NULL;
	if (rc != TASK_DONE) {
		/* nothing was changed: record the step as begun (no before-state) and failed */
		if (coord_exec_step_begin(r->ex, (size_t)idx, NULL, e, sizeof(e)) != 0)
			log_error("exec", "%s: journal: %s", r->exec_id, e);
		r->task = t;
		action_end(t, TASK_FAIL);
		return;
	}
	if (coord_exec_step_begin(r->ex, (size_t)idx, t->before, e, sizeof(e)) != 0) {
		snprintf(t->msg, sizeof(t->msg), "the journal could not record the step, so "
		    "nothing was changed: %s", e);
		r->task = t;
		action_end(t, TASK_FAIL);
		return;
	}
	fn = act_lookup(json_string_value(json_object_get(s, "action")));
	a = fn ? task_new(r, fn, action_end, NULL, idx) : NULL;
	if (a == NULL) {
		snprintf(t->msg, sizeof(t->msg), "%s: %s", fn ? "out of memory" :
		    "the executor does not know this action",
		    json_string_value(json_object_get(s, "action")));
		r->task = t;
		action_end(t, TASK_FAIL);
		return;
	}
	a->spec = s;
	a->cancellable = true;
	a->before = json_incref(t->before);
	a->params = json_deep_copy(json_object_get(s, "params"));
	if (a->params == NULL)
		a->params = json_object();
	timeout = (double)exec_jint(s, "timeout_seconds", 600);
	a->deadline_ms = strata_now_ms() + exec_scaled_ms(r, timeout);
	task_set_what(a, "running step %ld (%s %s)", idx, json_string_value(
	    json_object_get(s, "action")), exec_jstr(s, "target.name"));
	task_free(t);
	r->task = a;
	task_start(a);
}

static void
next_step(struct coord_run *r)
{
	json_t *s;
	struct exec_task *t;

	if (r->final_status != NULL)
		return;		/* aborted from a callback */
	if (r->cancel && r->dry_run) {
		exec_set_message(r, "dry run cancelled before step %zu: %s", r->cur + 1,
		    r->cancel_reason ? r->cancel_reason : "");
		exec_finish(r, "cancelled", 0);
		return;
	}
	if (r->cancel && !r->dry_run) {
		exec_set_message(r, "cancelled before step %zu: %s", r->cur + 1,
		    r->cancel_reason ? r->cancel_reason : "");
		run_failed(r);
		return;
	}
	if (r->cur >= r->nsteps) {
		size_t i, bad = 0;

		for (i = 0; i < r->nsteps; i++) {
			const char *st = exec_jstr(json_array_get(r->results, i), "status");

			if (st && strcmp(st, "failed") == 0)
				bad++;
		}
		if (r->dry_run)
			exec_set_message(r, "dry run of %zu steps: %zu would be refused by the "
			    "server; nothing was changed", r->nsteps, bad);
		else
			exec_set_message(r, "every step done and every checkpoint healthy");
		exec_release_leases(r, r->dry_run ? "dry_run" : "succeeded", 0);
		return;
	}
	s = cur_step(r);
	exec_progress(r, r->cur, r->nsteps, "step %ld/%zu: %s", step_index(s), r->nsteps,
	    json_string_value(json_object_get(s, "description")) ?
	    json_string_value(json_object_get(s, "description")) :
	    json_string_value(json_object_get(s, "action")));
	if (r->final_status != NULL)
		return;		/* aborted from the progress callback */
	result_set(r, r->cur, "status", json_string("running"));
	if ((t = task_new(r, act_capture, capture_end, NULL, step_index(s))) == NULL) {
		exec_set_message(r, "out of memory");
		run_failed(r);
		return;
	}
	t->spec = s;
	task_set_what(t, "recording the before-state of step %ld", step_index(s));
	r->task = t;
	task_start(t);
}

/* ---- checkpoints ---------------------------------------------------------------------- */

static void cp_round(struct coord_run *r);

static void
cp_check_end(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;
	json_t *st = json_array_get(json_object_get(r->cp_state, "checks"),
	    (size_t)json_integer_value(json_object_get(r->cp_state, "i")));

	r->task = NULL;
	json_object_set_new(st, "healthy", json_boolean(rc == TASK_DONE));
	json_object_set_new(st, "reason", json_string(rc == TASK_DONE ? "" : t->msg));
	task_free(t);
	json_object_set_new(r->cp_state, "i", json_integer(json_integer_value(
	    json_object_get(r->cp_state, "i")) + 1));
	cp_round(r);
}

static int
cp_sleep_fn(struct exec_task *t)
{
	if (t->phase++ == 0)
		return task_later(t, (uint64_t)json_integer_value(json_object_get(t->scratch,
		    "ms")));
	return TASK_DONE;
}

static void
cp_sleep_end(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;

	(void)rc;
	r->task = NULL;
	task_free(t);
	json_object_set_new(r->cp_state, "i", json_integer(0));
	cp_round(r);
}

static void
cp_record(struct coord_run *r, bool healthy)
{
	json_t *cp = json_object_get(r->cp_state, "cp"), *failed = json_array(), *c, *rec;
	size_t i;
	char e[256];

	json_array_foreach(json_object_get(r->cp_state, "checks"), i, c) {
		if (json_is_true(json_object_get(c, "healthy")))
			continue;
		json_array_append_new(failed, json_pack("{s:O, s:O, s:O}", "type",
		    json_object_get(c, "type"), "target", json_object_get(c, "target"),
		    "reason", json_object_get(c, "reason")));
	}
	rec = json_pack("{s:O, s:O, s:b, s:o, s:I}", "layer", json_object_get(cp, "layer"),
	    "after_step", json_object_get(cp, "after_step"), "healthy", healthy,
	    "failed_checks", failed, "elapsed_ms", (json_int_t)(strata_now_ms() -
	    (uint64_t)json_integer_value(json_object_get(r->cp_state, "t0"))));
	if (coord_exec_checkpoint_add(r->ex, rec, e, sizeof(e)) != 0)
		log_error("exec", "%s: journal: %s", r->exec_id, e);
	json_array_append(r->cps, rec);
	exec_progress(r, r->cur, r->nsteps, "checkpoint %s after step %lld: %s",
	    json_string_value(json_object_get(cp, "layer")),
	    (long long)json_integer_value(json_object_get(cp, "after_step")),
	    healthy ? "healthy" : "NOT healthy");
	json_decref(rec);
}

/* One round: evaluate each check not yet healthy; then finish, fail or wait. */
static void
cp_round(struct coord_run *r)
{
	json_t *checks = json_object_get(r->cp_state, "checks"), *c;
	size_t i = (size_t)json_integer_value(json_object_get(r->cp_state, "i"));
	uint64_t now = strata_now_ms(), wait = 0;
	bool all_ok = true, all_over = true;
	struct exec_task *t;

	if (r->final_status != NULL)
		return;
	for (; i < json_array_size(checks); i++) {
		c = json_array_get(checks, i);
		if (json_is_true(json_object_get(c, "healthy")))
			continue;
		json_object_set_new(r->cp_state, "i", json_integer((json_int_t)i));
		t = task_new(r, check_lookup(json_string_value(json_object_get(c, "type"))),
		    cp_check_end, NULL, -1);
		if (t == NULL || t->fn == NULL) {
			if (t != NULL)
				task_free(t);
			json_object_set_new(c, "reason", json_string("the executor does not "
			    "know this check type"));
			json_object_set_new(c, "healthy", json_false());
			json_object_set_new(c, "unknown", json_true());
			continue;
		}
		t->spec = c;
		task_set_what(t, "checking %s of %s", json_string_value(json_object_get(c,
		    "type")), exec_jstr(c, "target.name"));
		r->task = t;
		task_start(t);
		return;
	}
	json_array_foreach(checks, i, c) {
		uint64_t dl = (uint64_t)json_integer_value(json_object_get(c, "deadline"));

		if (json_is_true(json_object_get(c, "healthy")))
			continue;
		all_ok = false;
		if (now < dl && !json_is_true(json_object_get(c, "unknown")))
			all_over = false;
	}
	if (all_ok || all_over || r->cancel) {
		cp_record(r, all_ok);
		if (!all_ok) {
			exec_set_message(r, "the %s checkpoint after step %lld %s",
			    exec_jstr(json_object_get(r->cp_state, "cp"), "layer"),
			    (long long)exec_jint(json_object_get(r->cp_state, "cp"),
			    "after_step", 0), r->cancel ? "was cancelled" :
			    "did not become healthy in time");
			json_decref(r->cp_state);
			r->cp_state = NULL;
			run_failed(r);
			return;
		}
		json_object_set_new(r->cp_state, "done", json_true());
		checkpoints_after(r, (long)json_integer_value(json_object_get(r->cp_state,
		    "after")));
		return;
	}
	wait = (uint64_t)json_integer_value(json_object_get(r->cp_state, "poll"));
	if ((t = task_new(r, cp_sleep_fn, cp_sleep_end, NULL, -1)) == NULL) {
		cp_record(r, false);
		run_failed(r);
		return;
	}
	json_object_set_new(t->scratch, "ms", json_integer((json_int_t)wait));
	task_set_what(t, "waiting for the %s checkpoint to become healthy",
	    exec_jstr(json_object_get(r->cp_state, "cp"), "layer"));
	r->task = t;
	task_start(t);
}

static void
cp_start(struct coord_run *r, size_t k, long after)
{
	json_t *cp = json_array_get(json_object_get(r->plan, "checkpoints"), k), *c;
	json_t *checks = json_array();
	uint64_t now = strata_now_ms(), poll = 0;
	size_t i;

	json_array_foreach(json_object_get(cp, "checks"), i, c) {
		uint64_t p = exec_scaled_ms(r, (double)exec_jint(c, "poll_seconds", 10));

		json_array_append_new(checks, json_pack("{s:O, s:O, s:b, s:s, s:I}", "type",
		    json_object_get(c, "type"), "target", json_object_get(c, "target"),
		    "healthy", 0, "reason", "not checked yet", "deadline",
		    (json_int_t)(now + exec_scaled_ms(r, (double)exec_jint(c,
		    "timeout_seconds", 300)))));
		if (poll == 0 || p < poll)
			poll = p;
	}
	json_decref(r->cp_state);
	r->cp_state = json_pack("{s:O, s:o, s:i, s:I, s:I, s:I, s:I}", "cp", cp, "checks",
	    checks, "i", 0, "t0", (json_int_t)now, "poll", (json_int_t)(poll ? poll : 1000),
	    "k", (json_int_t)k, "after", (json_int_t)after);
	exec_progress(r, r->cur, r->nsteps, "checkpoint %s after step %ld: polling %zu "
	    "check(s)", exec_jstr(cp, "layer"), after, json_array_size(checks));
	cp_round(r);
}

/*
 * Runs, in plan order, the checkpoints placed after step `after` that have not run yet,
 * then continues with the next step.  Dry runs skip checkpoints: nothing was changed, so
 * there is nothing to verify and no wait is allowed.
 */
static void
checkpoints_after(struct coord_run *r, long after)
{
	json_t *cps = json_object_get(r->plan, "checkpoints");
	size_t k = r->cp_next;

	if (r->final_status != NULL)
		return;
	if (r->dry_run || r->cancel) {
		next_step(r);
		return;
	}
	for (; k < json_array_size(cps); k++) {
		long a = (long)exec_jint(json_array_get(cps, k), "after_step", -1);

		if (a > after)
			break;
		r->cp_next = k + 1;
		cp_start(r, k, after);
		return;
	}
	next_step(r);
}

void
exec_steps_start(struct coord_run *r)
{
	exec_progress(r, 0, r->nsteps, "%s plan %s: %zu steps", r->dry_run ? "dry run of" :
	    "executing", r->plan_id, r->nsteps);
	r->cur = 0;
	r->cp_next = 0;
	checkpoints_after(r, 0);
}
