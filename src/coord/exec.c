/*
 * The executor's run: start, the step loop (capture → journal → act → verify → journal),
 * checkpoints after each layer, then rollback (exec_rollback.c) on failure or
 * cancellation, Lease release, the result, and the deferred `done` and free.
 *
 * One task at a time per run (r->task); the run's own handles (Lease renewal, progress
 * heartbeat, deferred kicks) are freed in their close callbacks, and the run itself once
 * the last one closed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_int.h"
#include "strata/coord_plan.h"
#include "strata/util.h"

uint64_t
exec_scaled_ms(const struct coord_run *r, double seconds)
{
	double ms = seconds * 1000.0 / r->o.time_scale;
	double floor_ms = r->o.poll_ms_min ? r->o.poll_ms_min : 50;

	return (uint64_t)(ms < floor_ms ? floor_ms : ms);
}

void
exec_progress(struct coord_run *r, size_t step, size_t total, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->last_progress_ms = strata_now_ms();
	log_info("exec", "%s: %s", r->exec_id, msg);
	/* after an abort the caller is tearing down: no more callbacks but `done` */
	if (r->o.progress != NULL && !r->aborted)
		r->o.progress(r, step, total, msg, r->o.arg);
}

/* ---- handles and freeing ------------------------------------------------------------ */

static void
run_free(struct coord_run *r)
{
	free(r->holder);
	free(r->lease_ns);
	free(r->reboot_ns);
	free(r->reboot_image);
	free(r->cancel_reason);
	free(r->leases);
	json_decref(r->results);
	json_decref(r->cps);
	json_decref(r->rb_steps);
	json_decref(r->comp_list);
	json_decref(r->cp_state);
	json_decref(r->plan_ref);
	free(r);
}

static void
handle_closed(uv_handle_t *h)
{
	struct coord_run *r = h->data;

	free(h);
	if (--r->handles_open == 0 && r->freeing)
		run_free(r);
}

static uv_timer_t *
run_timer(struct coord_run *r)
{
	uv_timer_t *t = malloc(sizeof(*t));

	if (t == NULL || uv_timer_init(r->o.loop, t) != 0) {
		free(t);
		return NULL;
	}
	t->data = r;
	r->handles_open++;
	return t;
}

static void
run_close_handles(struct coord_run *r)
{
	uv_timer_t **hs[] = { &r->renew, &r->beat, &r->defer };
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(hs); i++) {
		if (*hs[i] == NULL)
			continue;
		uv_timer_stop(*hs[i]);
		uv_close((uv_handle_t *)*hs[i], handle_closed);
		*hs[i] = NULL;
	}
}

/* ---- heartbeat ------------------------------------------------------------------------ */

static void
beat_cb(uv_timer_t *h)
{
	struct coord_run *r = h->data;
	uint64_t now = strata_now_ms();
	unsigned iv = r->o.progress_interval_ms ? r->o.progress_interval_ms : 15000;

	if (r->task == NULL || now - r->last_progress_ms + 50 < iv)
		return;
	exec_progress(r, r->cur, r->nsteps, "still %s (%llu s so far)",
	    r->task->what[0] ? r->task->what : "working",
	    (unsigned long long)((now - r->task->started_ms) / 1000));
}

/* ---- the result ----------------------------------------------------------------------- */

static json_t *
result_build(struct coord_run *r, const char *status)
{
	json_t *res, *steps = json_array(), *s;
	size_t i;

	json_array_foreach(r->results, i, s)
		json_array_append_new(steps, json_deep_copy(s));
	if (r->rollback_only) {
		res = json_pack("{s:s, s:s, s:s, s:o, s:s, s:b}", "execution_id", r->exec_id,
		    "plan_id", r->plan_id, "status", status, "steps",
		    json_deep_copy(r->rb_steps), "message", r->message, "dry_run",
		    r->dry_run);
		json_decref(steps);
		return res;
	}
	res = json_pack("{s:s, s:s, s:s, s:b, s:o, s:O, s:s}", "execution_id", r->exec_id,
	    "plan_id", r->plan_id, "status", status, "dry_run", r->dry_run, "steps", steps,
	    "checkpoints", r->cps, "message", r->message);
	if (res == NULL)
		return NULL;
	json_object_set_new(res, "stats", json_pack("{s:I, s:I, s:I}", "requests",
	    (json_int_t)r->req_count, "request_ms", (json_int_t)r->req_ms, "elapsed_ms",
	    (json_int_t)(strata_now_ms() - r->started_ms)));
	if (json_array_size(r->rb_steps) > 0 || r->rb_status != NULL)
		json_object_set_new(res, "rollback", json_pack("{s:s, s:O}", "status",
		    r->rb_status ? r->rb_status : status, "steps", r->rb_steps));
	else
		json_object_set_new(res, "rollback", json_null());
	{
		json_t *ls = json_array();

		for (i = 0; i < r->nleases; i++) {
			json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "target",
			    r->leases[i].key, "name", r->leases[i].name, "namespace",
			    r->lease_ns, "status", r->leases[i].taken ? (r->dry_run ?
			    "would_take" : r->leases[i].held ? "left_to_expire" :
			    "released") : "not_taken");

			if (e != NULL && r->leases[i].taken_from[0] != '\0')
				json_object_set_new(e, "taken_over_from",
				    json_string(r->leases[i].taken_from));
			json_array_append_new(ls, e);
		}
		json_object_set_new(res, "leases", ls);
	}
	return res;
}

static void
done_cb(uv_timer_t *h)
{
	struct coord_run *r = h->data;
	json_t *res = result_build(r, r->final_status);

	if (!r->done_called) {
		r->done_called = true;
		r->o.done(r, r->done_status, res ? res : json_null(), r->o.arg);
	}
	json_decref(res);
	r->freeing = true;
	run_close_handles(r);
}

/* Final: status journalled, locks released, `done` deferred to the next iteration. */
void
exec_finish(struct coord_run *r, const char *status, int done_status)
{
	char e[256];
	enum coord_exec_status st;

	if (r->final_status != NULL)
		return;		/* already finishing (an abort from a callback) */
	task_free(r->task);
	r->task = NULL;
	lease_renew_stop(r);
	r->final_status = status;
	r->done_status = done_status;
	if (r->locked) {
		coord_locks_release(coord_store_locks(r->o.store), r->exec_id);
		r->locked = false;
	}
	if (!(r->rollback_only && (r->dry_run || strcmp(status,
	    "nothing_to_roll_back") == 0)) && coord_exec_status_parse(status, &st) == 0 &&
	    coord_exec_status(r->ex) != st &&
	    coord_exec_set_status(r->ex, st, e, sizeof(e)) != 0)
		log_error("exec", "%s: journal: %s", r->exec_id, e);
	exec_progress(r, r->nsteps, r->nsteps, "%s %s: %s", r->rollback_only ?
	    "rollback" : "execution", status, r->message);
	uv_timer_start(r->defer, done_cb, 0, 0);
}

void
exec_set_message(struct coord_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

/* ---- starting ------------------------------------------------------------------------- */

static int
run_new(const struct coord_run_options *o, struct coord_run **out, char *err,
    size_t errlen)
{
	struct coord_run *r;
	char host[128] = "localhost", buf[300];

	if (o == NULL || o->loop == NULL || o->client == NULL || o->store == NULL ||
	    o->done == NULL) {
		snprintf(err, errlen, "executor: loop, client, store and done are required");
		return -EINVAL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->o = *o;
	if (r->o.time_scale < 1)
		r->o.time_scale = 1;
	if (r->o.lease_duration_s == 0)
		r->o.lease_duration_s = 60;
	r->dry_run = o->dry_run;
	r->started_ms = strata_now_ms();
	gethostname(host, sizeof(host) - 1);
	snprintf(buf, sizeof(buf), "strata-mcp/%s/%ld", host, (long)getpid());
	r->holder = strdup(o->holder ? o->holder : buf);
	r->lease_ns = strdup(o->lease_namespace ? o->lease_namespace : "kube-system");
	r->reboot_ns = strdup(o->reboot_namespace ? o->reboot_namespace : r->lease_ns ?
	    r->lease_ns : "kube-system");
	r->reboot_image = strdup(o->reboot_image ? o->reboot_image :
	    "registry.redhat.io/rhel9/support-tools");
	r->results = json_array();
	r->cps = json_array();
	r->rb_steps = json_array();
	r->comp_list = json_array();
	if (r->holder == NULL || r->lease_ns == NULL || r->reboot_ns == NULL ||
	    r->reboot_image == NULL || r->results == NULL || r->cps == NULL ||
	    r->rb_steps == NULL || r->comp_list == NULL ||
	    (r->renew = run_timer(r)) == NULL || (r->beat = run_timer(r)) == NULL ||
	    (r->defer = run_timer(r)) == NULL) {
		if (r != NULL) {
			r->freeing = true;
			if (r->handles_open == 0) {
				run_free(r);
			} else
				run_close_handles(r);
		}
		goto nomem;
	}
	*out = r;
	return 0;
nomem:
	snprintf(err, errlen, "executor: out of memory");
	return -ENOMEM;
}

/* Discards a run that never started its work (no done callback). */
static void
run_discard(struct coord_run *r)
{
	if (r->locked)
		coord_locks_release(coord_store_locks(r->o.store), r->exec_id);
	r->freeing = true;
	run_close_handles(r);
}

/* The distinct targets of every step, as lock targets and Lease entries. */
static int
run_targets(struct coord_run *r, struct coord_target **out, size_t *nout, char *err,
    size_t errlen)
{
	struct coord_target *tg = calloc(r->nsteps + 1, sizeof(*tg));
	json_t *s;
	size_t i, j, n = 0;

	if (tg == NULL || (r->leases = calloc(r->nsteps + 1, sizeof(*r->leases))) == NULL) {
		free(tg);
		snprintf(err, errlen, "executor: out of memory");
		return -ENOMEM;
	}
	json_array_foreach(r->steps, i, s) {
		struct coord_target t;
		char key[600];

		t.kind = exec_jstr(s, "target.kind");
		t.namespace = exec_jstr(s, "target.namespace");
		t.name = exec_jstr(s, "target.name");
		if (coord_lock_key(&t, key, sizeof(key)) != 0) {
			snprintf(err, errlen, "step %zu has no usable target", i + 1);
			free(tg);
			return -EINVAL;
		}
		for (j = 0; j < n; j++)
			if (strcmp(r->leases[j].key, key) == 0)
				break;
		if (j < n)
			continue;
		tg[n] = t;
		snprintf(r->leases[n].key, sizeof(r->leases[n].key), "%s", key);
		lease_name_for(key, r->leases[n].name);
		n++;
	}
	r->nleases = n;
	*out = tg;
	*nout = n;
	return 0;
}

/* Locks the plan's targets for this execution (all or none). */
static int
run_lock(struct coord_run *r, char *err, size_t errlen)
{
	struct coord_target *tg = NULL;
	size_t n = 0;
	int rc;

	if ((rc = run_targets(r, &tg, &n, err, errlen)) != 0)
		return rc;
	if (!r->dry_run && n > 0) {
		rc = coord_locks_acquire(coord_store_locks(r->o.store), r->exec_id, tg, n, err,
		    errlen);
		r->locked = rc == 0;
	}
	free(tg);
	return rc;
}

static int
pre_check_locks(struct coord_run *r, char *err, size_t errlen)
{
	json_t *s;
	size_t i;

	if (r->dry_run)
		return 0;
	json_array_foreach(r->steps, i, s) {
		struct coord_target t;
		const char *h;

		t.kind = exec_jstr(s, "target.kind");
		t.namespace = exec_jstr(s, "target.namespace");
		t.name = exec_jstr(s, "target.name");
		if (t.kind == NULL || t.name == NULL)
			continue;
		h = coord_locks_holder(coord_store_locks(r->o.store), &t);
		if (h != NULL && strcmp(h, r->exec_id) != 0) {
			snprintf(err, errlen, "%s %s%s%s is being changed by execution %s; "
			    "wait for it to finish or cancel it", t.kind, t.namespace ?
			    t.namespace : "", t.namespace ? "/" : "", t.name, h);
			return -EBUSY;
		}
	}
	return 0;
}

static void
results_init(struct coord_run *r)
{
	json_t *s;
	size_t i;

	json_array_foreach(r->steps, i, s)
		json_array_append_new(r->results, json_pack("{s:O, s:O, s:O, s:O, s:s, s:n, "
		    "s:n}", "index", json_object_get(s, "index"), "action",
		    json_object_get(s, "action"), "layer", json_object_get(s, "layer"),
		    "target", json_object_get(s, "target"), "status", "pending",
		    "started_at", "ended_at"));
}

static void
run_proceed(struct coord_run *r)
{
	if (r->rollback_only)
		exec_rollback_start(r);
	else
		exec_steps_start(r);
}

static void
leases_acquired(struct exec_task *t, int rc)
{
	struct coord_run *r = t->run;

	r->task = NULL;
	if (rc != TASK_DONE) {
		exec_set_message(r, "%s", t->msg);
		task_free(t);
		exec_release_leases(r, r->rollback_only ? "rollback_failed" : "failed",
		    -EBUSY);
		return;
	}
	task_free(t);
	if (!r->dry_run)
		lease_renew_start(r);
	run_proceed(r);
}

static int
run_common(struct coord_run *r, char *err, size_t errlen)
{
	r->plan = coord_exec_plan(r->ex);
	r->steps = json_object_get(r->plan, "steps");
	r->nsteps = json_array_size(r->steps);
	snprintf(r->plan_id, sizeof(r->plan_id), "%s", coord_exec_plan_id(r->ex));
	results_init(r);
	return run_lock(r, err, errlen);
}

static void
kick_cb(uv_timer_t *h)
{
	struct coord_run *r = h->data;
	unsigned iv = r->o.progress_interval_ms ? r->o.progress_interval_ms : 15000;

	uv_timer_start(r->beat, beat_cb, iv / 4 + 1, iv / 4 + 1);
	r->last_progress_ms = strata_now_ms();
	if (r->o.no_leases || r->nleases == 0) {
		run_proceed(r);
		return;
	}
	r->lease_i = 0;
	if ((r->task = task_new(r, lease_acquire_fn, leases_acquired, NULL, -1)) == NULL) {
		exec_set_message(r, "out of memory");
		exec_finish(r, r->rollback_only ? "rollback_failed" : "failed", -ENOMEM);
		return;
	}
	task_set_what(r->task, "taking the Leases of the plan's targets");
	task_start(r->task);
}

static void
run_kick(struct coord_run *r)
{
	uv_timer_start(r->defer, kick_cb, 0, 0);
}

int
coord_run_execute(const struct coord_run_options *o, const char *plan_id,
    struct coord_run **out, char *err, size_t errlen)
{
	struct coord_run *r = NULL;
	json_t *plan;
	char e[512];
	int rc;

	if ((rc = run_new(o, &r, err, errlen)) != 0)
		return rc;
	if (plan_id == NULL || (plan = coord_store_plan_get(o->store, plan_id)) == NULL) {
		snprintf(err, errlen, "unknown plan %s", plan_id ? plan_id : "(null)");
		rc = -ENOENT;
		goto fail;
	}
	r->plan_ref = plan;
	if (json_is_true(json_object_get(plan, "refused"))) {
		json_t *why = json_object_get(plan, "refusal_reasons");

		snprintf(err, errlen, "plan %s was refused by the planner and cannot run: %s",
		    plan_id, json_is_array(why) && json_array_size(why) > 0 ?
		    json_string_value(json_array_get(why, 0)) : "see its refusal_reasons");
		rc = -EPERM;
		goto fail;
	}
	if ((rc = coord_plan_verify_hash(plan, e, sizeof(e))) != 0) {
		snprintf(err, errlen, "plan %s does not match its hash, it will not run: %s",
		    plan_id, e);
		rc = -EBADMSG;
		goto fail;
	}
	r->steps = json_object_get(plan, "steps");
	r->nsteps = json_array_size(r->steps);
	if ((rc = pre_check_locks(r, err, errlen)) != 0)
		goto fail;
	if ((rc = coord_exec_begin(o->store, plan_id, o->dry_run, &r->ex, err, errlen)) != 0)
		goto fail;
	snprintf(r->exec_id, sizeof(r->exec_id), "%s", coord_exec_id(r->ex));
	if ((rc = run_common(r, err, errlen)) != 0) {
		coord_exec_set_status(r->ex, COORD_EXEC_FAILED, e, sizeof(e));
		goto fail;
	}
	log_info("exec", "%s: %s plan %s (%zu steps)%s", r->exec_id, r->dry_run ?
	    "dry run of" : "executing", plan_id, r->nsteps, r->dry_run ? "" : "");
	run_kick(r);
	*out = r;
	return 0;
fail:
	run_discard(r);
	return rc;
}

int
coord_run_rollback(const struct coord_run_options *o, const char *execution_id,
    struct coord_run **out, char *err, size_t errlen)
{
	struct coord_run *r = NULL;
	struct coord_exec *ex;
	int rc;

	if ((rc = run_new(o, &r, err, errlen)) != 0)
		return rc;
	r->rollback_only = true;
	if (execution_id == NULL ||
	    (ex = coord_store_exec_get(o->store, execution_id)) == NULL) {
		snprintf(err, errlen, "unknown execution %s", execution_id ? execution_id :
		    "(null)");
		rc = -ENOENT;
		goto fail;
	}
	if (coord_exec_status_active(coord_exec_status(ex))) {
		snprintf(err, errlen, "execution %s is still %s: cancel it instead (its "
		    "cancellation rolls it back)", execution_id,
		    coord_exec_status_name(coord_exec_status(ex)));
		rc = -EBUSY;
		goto fail;
	}
	if (coord_exec_dry_run(ex)) {
		snprintf(err, errlen, "execution %s was a dry run: it changed nothing, there "
		    "is nothing to roll back", execution_id);
		rc = -EINVAL;
		goto fail;
	}
	r->ex = ex;
	snprintf(r->exec_id, sizeof(r->exec_id), "%s", execution_id);
	r->steps = json_object_get(coord_exec_plan(ex), "steps");
	r->nsteps = json_array_size(r->steps);
	if ((rc = pre_check_locks(r, err, errlen)) != 0 ||
	    (rc = run_common(r, err, errlen)) != 0)
		goto fail;
	run_kick(r);
	*out = r;
	return 0;
fail:
	run_discard(r);
	return rc;
}

void
coord_run_cancel(struct coord_run *r, const char *reason)
{
	if (r == NULL || r->cancel || r->final_status != NULL)
		return;
	r->cancel = true;
	r->cancel_reason = strdup(reason ? reason : "cancelled by the client");
	log_info("exec", "%s: cancellation requested: %s", r->exec_id,
	    r->cancel_reason ? r->cancel_reason : "");
}

void
coord_run_abort(struct coord_run *r)
{
	if (r == NULL || r->final_status != NULL)
		return;
	r->aborted = true;
	exec_set_message(r, "stopped by the server before the run finished; roll it back "
	    "with rollback_plan");
	exec_finish(r, r->rollback_only ? "rollback_failed" : "interrupted", 0);
}

const char *
coord_run_execution_id(const struct coord_run *r)
{
	return r->exec_id;
}

const char *
coord_run_plan_id(const struct coord_run *r)
{
	return r->plan_id;
}

bool
coord_run_is_rollback(const struct coord_run *r)
{
	return r->rollback_only;
}
