/*
 * Rollback: the compensations of the steps the journal recorded as done (succeeded, or
 * interrupted by a crash, or failed/cancelled after a mutation was accepted), in reverse
 * order, each computed from the RECORDED before-state, each verified.  Steps already
 * compensated by an earlier rollback are skipped, so a second rollback finds nothing to
 * do.  Irreversible steps are reported as such.  A failed compensation does not stop the
 * others: the rest of the cluster is still restored as far as possible, and the outcome
 * is rollback_failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "strata/util.h"

static void comp_next(struct coord_run *r);

static bool
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The status an earlier rollback recorded for step `idx`, or NULL. */
static const char *
earlier_comp(const json_t *hdr_rb, long idx)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(hdr_rb, "steps"), i, s)
		if (json_integer_value(json_object_get(s, "index")) == idx)
			return json_string_value(json_object_get(s, "status"));
	return NULL;
}

static bool
needs_comp(const json_t *step, const json_t *rec, const json_t *hdr_rb)
{
	const char *st = json_string_value(json_object_get(rec, "status"));
	const char *was;
	long idx = (long)json_integer_value(json_object_get(step, "index"));

	if (rec == NULL || json_is_null(json_object_get(rec, "started_at")) ||
	    json_is_false(json_object_get(step, "mutating")))
		return false;
	was = earlier_comp(hdr_rb, idx);
	if (streq(was, "succeeded") || streq(was, "irreversible") ||
	    streq(was, "not_needed"))
		return false;
	if (streq(st, "succeeded") || streq(st, "interrupted") || streq(st, "running"))
		return true;
	return json_is_true(exec_jget(rec, "result.mutated"));
}

static void
rb_finish(struct coord_run *r)
{
	const char *status;

	if (r->rollback_only)
		status = r->dry_run ? "dry_run" : r->comp_failed ? "rollback_failed" :
		    "rolled_back";
	else
		status = r->comp_failed ? "rollback_failed" : r->cancel ? "cancelled" :
		    "rolled_back";
	r->rb_status = r->dry_run ? "dry_run" : r->comp_failed ? "rollback_failed" :
	    "rolled_back";
	{
		json_t *s;
		size_t i, irr = 0, n;
		char tail[160] = "";

		json_array_foreach(r->rb_steps, i, s)
			if (strcmp(exec_jstr(s, "status"), "irreversible") == 0)
				irr++;
		if (irr > 0)
			snprintf(tail, sizeof(tail), "; %zu irreversible step(s) could not be "
			    "undone (see steps)", irr);
		if (r->rollback_only)
			exec_set_message(r, "%s: %zu compensation(s)%s%s", status,
			    json_array_size(r->rb_steps), r->comp_failed ? ", some failed "
			    "(see steps)" : "", tail);
		else {
			n = strlen(r->message);
			snprintf(r->message + n, sizeof(r->message) - n, "; rollback %s (%zu "
			    "compensation(s))%s", r->rb_status, json_array_size(r->rb_steps),
			    tail);
		}
	}
	exec_release_leases(r, status, 0);
}

static void
comp_end(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;
	json_t *step = (json_t *)t->spec, *o;
	long idx = (long)json_integer_value(json_object_get(step, "index"));
	const char *action = exec_jstr(step, "compensation.action");
	const char *status;
	char e[256];

	r->task = NULL;
	if (rc == TASK_DONE)
		status = r->dry_run ? "would_run" : t->skipped ? "not_needed" : "succeeded";
	else {
		status = "failed";
		r->comp_failed = true;
	}
	if (!r->dry_run && coord_exec_rollback_step(r->ex, (size_t)idx, action, status,
	    rc == TASK_DONE ? NULL : t->msg, e, sizeof(e)) != 0)
		log_error("exec", "%s: journal: %s", r->exec_id, e);
	o = json_pack("{s:I, s:s, s:s}", "index", (json_int_t)idx, "action", action,
	    "status", status);
	if (rc != TASK_DONE)
		json_object_set_new(o, "error", json_string(t->msg));
	if (json_object_size(t->detail) > 0)
		json_object_set_new(o, "detail", json_deep_copy(t->detail));
	json_array_append_new(r->rb_steps, o);
	exec_progress(r, json_array_size(r->rb_steps), json_array_size(r->comp_list),
	    "rollback of step %ld (%s): %s%s%s", idx, action, status,
	    rc == TASK_DONE ? "" : " — ", rc == TASK_DONE ? "" : t->msg);
	task_free(t);
	comp_next(r);
}

static void
comp_next(struct coord_run *r)
{
	json_t *step, *rec, *before;
	struct exec_task *t;
	const char *action;
	task_fn fn;
	long idx;
	size_t pos;

	if (r->final_status != NULL)
		return;		/* aborted from a callback */
	if (r->comp_i >= json_array_size(r->comp_list)) {
		rb_finish(r);
		return;
	}
	pos = (size_t)json_integer_value(json_array_get(r->comp_list, r->comp_i++));
	step = json_array_get(r->steps, pos);
	idx = (long)json_integer_value(json_object_get(step, "index"));
	rec = (json_t *)coord_exec_step(r->ex, (size_t)idx);
	before = json_object_get(rec, "before_state");
	action = exec_jstr(step, "compensation.action");
	if (json_is_false(json_object_get(step, "reversible")) || action == NULL) {
		char e[256];
		const char *why = exec_jstr(step, "irreversible_reason");

		if (!r->dry_run && coord_exec_rollback_step(r->ex, (size_t)idx,
		    json_string_value(json_object_get(step, "action")), "irreversible", why,
		    e, sizeof(e)) != 0)
			log_error("exec", "%s: journal: %s", r->exec_id, e);
		json_array_append_new(r->rb_steps, json_pack("{s:I, s:O, s:s, s:s}", "index",
		    (json_int_t)idx, "action", json_object_get(step, "action"), "status",
		    "irreversible", "error", why ? why : "this step cannot be undone"));
		exec_progress(r, json_array_size(r->rb_steps), json_array_size(r->comp_list),
		    "step %ld (%s) is irreversible: %s", idx, exec_jstr(step, "action"),
		    why ? why : "it cannot be undone");
		comp_next(r);
		return;
	}
	fn = act_comp_lookup(action);
	if (fn == NULL || (t = task_new(r, fn, comp_end, NULL, idx)) == NULL) {
		r->comp_failed = true;
		json_array_append_new(r->rb_steps, json_pack("{s:I, s:s, s:s, s:s}", "index",
		    (json_int_t)idx, "action", action, "status", "failed", "error", fn ?
		    "out of memory" : "the executor does not know this compensation"));
		comp_next(r);
		return;
	}
	t->spec = step;
	t->compensating = true;
	t->before = json_incref(before);
	t->params = act_resolve_params(exec_jget(step, "compensation.params"), before, step);
	if (t->params == NULL)
		t->params = json_object();
	t->deadline_ms = strata_now_ms() + exec_scaled_ms(r,
	    (double)exec_jint(step, "timeout_seconds", 600));
	task_set_what(t, "rolling back step %ld (%s of %s)", idx, action,
	    exec_jstr(step, "target.name"));
	exec_progress(r, json_array_size(r->rb_steps), json_array_size(r->comp_list),
	    "rolling back step %ld: %s %s", idx, action, exec_jstr(step, "target.name"));
	if (r->final_status != NULL) {
		task_free(t);
		return;
	}
	r->task = t;
	task_start(t);
}

void
exec_rollback_start(struct coord_run *r)
{
	json_t *view = coord_exec_to_json(r->ex, false);
	json_t *hdr_rb = json_object_get(view, "rollback");
	size_t pos;
	char e[256];

	if (r->final_status != NULL) {
		json_decref(view);
		return;
	}
	json_array_clear(r->comp_list);
	for (pos = r->nsteps; pos-- > 0;) {
		json_t *step = json_array_get(r->steps, pos);
		const json_t *rec = coord_exec_step(r->ex,
		    (size_t)json_integer_value(json_object_get(step, "index")));

		if (needs_comp(step, rec, hdr_rb))
			json_array_append_new(r->comp_list, json_integer((json_int_t)pos));
	}
	json_decref(view);
	r->comp_i = 0;
	if (json_array_size(r->comp_list) == 0) {
		if (r->rollback_only) {
			exec_set_message(r, "nothing to roll back: no step of %s is left to "
			    "undo", r->exec_id);
			exec_release_leases(r, r->dry_run ? "dry_run" : "nothing_to_roll_back",
			    0);
		} else {
			size_t n = strlen(r->message);

			snprintf(r->message + n, sizeof(r->message) - n, "; nothing had been "
			    "changed, so nothing was rolled back");
			exec_release_leases(r, r->cancel ? "cancelled" : "failed", 0);
		}
		return;
	}
	if (!r->dry_run && coord_exec_set_status(r->ex, COORD_EXEC_ROLLING_BACK, e,
	    sizeof(e)) != 0)
		log_error("exec", "%s: journal: %s", r->exec_id, e);
	exec_progress(r, 0, json_array_size(r->comp_list), "rolling back %zu step(s) in "
	    "reverse order", json_array_size(r->comp_list));
	comp_next(r);
}

/* ---- Lease release, then the end ------------------------------------------------------ */

static void
released(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;

	if (rc != TASK_DONE)
		log_warn("exec", "%s: releasing Leases: %s (they expire on their own)",
		    r->exec_id, t->msg);
	r->task = NULL;
	task_free(t);
	exec_finish(r, r->pending_status, r->pending_done);
}

void
exec_release_leases(struct coord_run *r, const char *status, int done_status)
{
	struct exec_task *t;
	size_t i, held = 0;

	if (r->final_status != NULL)
		return;
	for (i = 0; i < r->nleases; i++)
		held += r->leases[i].held;
	lease_renew_stop(r);
	if (r->dry_run || held == 0 || r->aborted ||
	    (t = task_new(r, lease_release_fn, released, NULL, -1)) == NULL) {
		exec_finish(r, status, done_status);
		return;
	}
	r->pending_status = status;
	r->pending_done = done_status;
	r->lease_i = 0;
	task_set_what(t, "releasing the Leases");
	r->task = t;
	task_start(t);
}
