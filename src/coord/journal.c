/*
 * The execution journal: one directory per execution, a small header rewritten when the
 * status, a checkpoint or a rollback record changes, one file per step rewritten at that
 * step's boundaries, and an append-only audit trail.  Every write is atomic (store_fs.c)
 * and happens before the call returns, so what the executor was told is on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/util.h"
#include "store_int.h"

static const char *const status_names[] = {
	[COORD_EXEC_RUNNING] = "running",
	[COORD_EXEC_ROLLING_BACK] = "rolling_back",
	[COORD_EXEC_SUCCEEDED] = "succeeded",
	[COORD_EXEC_FAILED] = "failed",
	[COORD_EXEC_ROLLED_BACK] = "rolled_back",
	[COORD_EXEC_ROLLBACK_FAILED] = "rollback_failed",
	[COORD_EXEC_CANCELLED] = "cancelled",
	[COORD_EXEC_INTERRUPTED] = "interrupted",
	[COORD_EXEC_DRY_RUN] = "dry_run",
};

const char *
coord_exec_status_name(enum coord_exec_status s)
{
	if ((unsigned)s >= STRATA_ARRAY_LEN(status_names))
		return "unknown";
	return status_names[s];
}

int
coord_exec_status_parse(const char *name, enum coord_exec_status *out)
{
	size_t i;

	for (i = 0; name != NULL && i < STRATA_ARRAY_LEN(status_names); i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum coord_exec_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool
coord_exec_status_active(enum coord_exec_status s)
{
	return s == COORD_EXEC_RUNNING || s == COORD_EXEC_ROLLING_BACK;
}

void
journal_exec_free(struct coord_exec *ex)
{
	size_t i;

	if (ex == NULL)
		return;
	if (ex->audit_fd != -1)
		close(ex->audit_fd);
	for (i = 0; i < ex->nsteps; i++)
		json_decref(ex->steps[i]);
	free(ex->steps);
	json_decref(ex->hdr);
	json_decref(ex->plan);
	free(ex);
}

/* ---- persistence -------------------------------------------------------------------- */

static int
exec_dirfd(const struct coord_exec *ex, char *err, size_t errlen)
{
	int fd = openat(ex->st->execs_fd, ex->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);

	if (fd == -1) {
		int e = errno;

		store_err(err, errlen, "cannot open %s/executions/%s: %s", ex->st->dir, ex->id,
		    strerror(e));
		return -e;
	}
	return fd;
}

static int
exec_write(struct coord_exec *ex, const char *name, const json_t *v, char *err,
    size_t errlen)
{
	char where[160];
	int fd, rc;

	if ((fd = exec_dirfd(ex, err, errlen)) < 0)
		return fd;
	snprintf(where, sizeof(where), "%s/executions/%s", ex->st->dir, ex->id);
	rc = store_fs_write_json(fd, where, name, v, ex->st->opt.max_record,
	    store_durable(ex->st, ex->dry_run), err, errlen);
	close(fd);
	return rc;
}

static void
touch(struct coord_exec *ex, char now[32])
{
	strata_time_rfc3339(now);
	json_object_set_new(ex->hdr, "updated_at", json_string(now));
}

int
journal_save_header(struct coord_exec *ex, char *err, size_t errlen)
{
	return exec_write(ex, "execution.json", ex->hdr, err, errlen);
}

static int
save_step(struct coord_exec *ex, size_t index, char *err, size_t errlen)
{
	char name[32];

	snprintf(name, sizeof(name), "step-%06zu.json", index);
	return exec_write(ex, name, ex->steps[index], err, errlen);
}

/* Makes the audit lines written so far durable (a step boundary). */
static int
audit_sync(struct coord_exec *ex, char *err, size_t errlen)
{
	if (ex->audit_fd == -1 || !ex->audit_dirty)
		return 0;
	if (store_durable(ex->st, ex->dry_run) && fdatasync(ex->audit_fd) == -1) {
		int e = errno;

		store_err(err, errlen, "cannot fsync the audit trail of %s: %s", ex->id,
		    strerror(e));
		return -e;
	}
	ex->audit_dirty = false;
	return 0;
}

int
journal_step_slot(struct coord_exec *ex, size_t index, json_t *rec)
{
	if (index >= ex->steps_cap) {
		size_t cap = ex->steps_cap ? ex->steps_cap : 16, i;
		json_t **nv;

		while (cap <= index)
			cap *= 2;
		nv = realloc(ex->steps, cap * sizeof(*nv));
		if (nv == NULL) {
			json_decref(rec);
			return -ENOMEM;
		}
		for (i = ex->steps_cap; i < cap; i++)
			nv[i] = NULL;
		ex->steps = nv;
		ex->steps_cap = cap;
	}
	if (ex->steps[index] != rec) {
		json_decref(ex->steps[index]);
		ex->steps[index] = rec;
	}
	if (index >= ex->nsteps)
		ex->nsteps = index + 1;
	return 0;
}

/* ---- begin, accessors, status ---------------------------------------------------------- */

int
coord_exec_begin(struct coord_store *st, const char *plan_id, bool dry_run,
    struct coord_exec **out, char *err, size_t errlen)
{
	struct coord_exec *ex = NULL;
	bool made_dir = false;
	char now[32];
	json_t *plan;
	int rc;

	*out = NULL;
	plan = coord_store_plan_get(st, plan_id);
	if (plan == NULL) {
		store_err(err, errlen, "unknown plan %s", plan_id ? plan_id : "(null)");
		return -ENOENT;
	}
	if (st->nexecs >= st->opt.max_execs && store_exec_evict(st) != 0) {
		store_err(err, errlen, "too many executions in progress (limit %zu)",
		    st->opt.max_execs);
		json_decref(plan);
		return -EBUSY;
	}
	ex = calloc(1, sizeof(*ex));
	if (ex == NULL) {
		json_decref(plan);
		return -ENOMEM;
	}
	ex->st = st;
	ex->plan = plan;
	ex->audit_fd = -1;
	ex->interrupted_from = -1;
	ex->dry_run = dry_run;
	ex->status = COORD_EXEC_RUNNING;
	snprintf(ex->plan_id, sizeof(ex->plan_id), "%s", plan_id);
	if ((rc = coord_store_id_new(COORD_STORE_EXEC, ex->id)) != 0) {
		store_err(err, errlen, "cannot make an execution id: %s", strerror(-rc));
		goto fail;
	}
	strata_time_rfc3339(now);
	ex->seq = st->seq + 1;
	ex->hdr = json_pack("{s:s, s:I, s:s, s:s, s:O?, s:O?, s:s, s:b, s:s, s:s, s:[], s:n, "
	    "s:[]}", "kind", "execution", "seq", (json_int_t)ex->seq,
	    "execution_id", ex->id, "plan_id", ex->plan_id,
	    "plan_hash", json_object_get(plan, "hash"),
	    "issue_id", json_object_get(plan, "issue_id"),
	    "status", coord_exec_status_name(ex->status), "dry_run", dry_run,
	    "created_at", now, "updated_at", now, "checkpoints", "rollback",
	    "journal_errors");
	if (ex->hdr == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (mkdirat(st->execs_fd, ex->id, 0700) == -1) {
		rc = -errno;
		store_err(err, errlen, "cannot create %s/executions/%s: %s", st->dir, ex->id,
		    strerror(-rc));
		goto fail;
	}
	made_dir = true;
	if (store_durable(st, dry_run) && (rc = store_fs_sync(st->execs_fd)) != 0) {
		store_err(err, errlen, "cannot fsync %s/executions: %s", st->dir, strerror(-rc));
		goto fail;
	}
	/* The plan first: a header on disk always has its plan beside it. */
	if ((rc = exec_write(ex, "plan.json", plan, err, errlen)) != 0 ||
	    (rc = journal_save_header(ex, err, errlen)) != 0)
		goto fail;
	if ((rc = store_exec_push(st, ex)) != 0)
		goto fail;
	st->seq = ex->seq;
	log_info(STORE_LOG, "execution %s of plan %s begun%s", ex->id, plan_id,
	    dry_run ? " (dry run)" : "");
	*out = ex;
	return 0;
fail:
	if (made_dir)
		store_fs_remove(st->execs_fd, ex->id);
	journal_exec_free(ex);
	return rc;
}

const char *
coord_exec_id(const struct coord_exec *ex)
{
	return ex->id;
}

const char *
coord_exec_plan_id(const struct coord_exec *ex)
{
	return ex->plan_id;
}

enum coord_exec_status
coord_exec_status(const struct coord_exec *ex)
{
	return ex->status;
}

bool
coord_exec_dry_run(const struct coord_exec *ex)
{
	return ex->dry_run;
}

const json_t *
coord_exec_plan(const struct coord_exec *ex)
{
	return ex->plan;
}

int
coord_exec_interrupted_from(const struct coord_exec *ex)
{
	return ex->interrupted_from;
}

int
coord_exec_set_status(struct coord_exec *ex, enum coord_exec_status status, char *err,
    size_t errlen)
{
	json_t *rb = json_object_get(ex->hdr, "rollback");
	char now[32];
	int rc;

	if ((unsigned)status >= STRATA_ARRAY_LEN(status_names)) {
		store_err(err, errlen, "invalid execution status %d", (int)status);
		return -EINVAL;
	}
	if ((rc = audit_sync(ex, err, errlen)) != 0)
		return rc;
	touch(ex, now);
	json_object_set_new(ex->hdr, "status", json_string(status_names[status]));
	if (status == COORD_EXEC_ROLLING_BACK) {
		if (!json_is_object(rb)) {
			rb = json_pack("{s:s, s:n, s:n, s:[]}", "started_at", now, "ended_at",
			    "status", "steps");
			json_object_set_new(ex->hdr, "rollback", rb);
		} else {
			json_object_set_new(rb, "started_at", json_string(now));
			json_object_set_new(rb, "ended_at", json_null());
		}
		json_object_set_new(ex->hdr, "ended_at", json_null());
	} else if (!coord_exec_status_active(status)) {
		json_object_set_new(ex->hdr, "ended_at", json_string(now));
		if (json_is_object(rb) && ex->status == COORD_EXEC_ROLLING_BACK) {
			json_object_set_new(rb, "ended_at", json_string(now));
			json_object_set_new(rb, "status", json_string(status_names[status]));
		}
	}
	ex->status = status;
	rc = journal_save_header(ex, err, errlen);
	if (!coord_exec_status_active(status) && ex->audit_fd != -1) {
		close(ex->audit_fd);	/* reopened if a rollback appends later */
		ex->audit_fd = -1;
	}
	return rc;
}

/* ---- steps ------------------------------------------------------------------------------ */

static bool
step_status_ok(const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0'; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return n > 0 && n <= 32;
}

static json_t *
step_record(struct coord_exec *ex, size_t index)
{
	json_t *rec;

	if (index < ex->nsteps && ex->steps[index] != NULL)
		return ex->steps[index];
	rec = json_pack("{s:I, s:s, s:n, s:n, s:n, s:n, s:n}", "index", (json_int_t)index,
	    "status", "pending", "started_at", "ended_at", "error", "before_state", "result");
	if (rec == NULL || journal_step_slot(ex, index, rec) != 0)
		return NULL;
	return rec;
}

int
coord_exec_step_begin(struct coord_exec *ex, size_t index, const json_t *before_state,
    char *err, size_t errlen)
{
	json_t *rec, *copy = NULL;
	char now[32];
	int rc;

	if (index >= ex->st->opt.max_steps) {
		store_err(err, errlen, "step index %zu is past the limit of %zu steps", index,
		    ex->st->opt.max_steps);
		return -ERANGE;
	}
	if (before_state != NULL) {
		if ((copy = json_deep_copy(before_state)) == NULL)
			return -ENOMEM;
		coord_store_sanitize(copy);
	}
	if ((rec = step_record(ex, index)) == NULL) {
		json_decref(copy);
		return -ENOMEM;
	}
	if ((rc = audit_sync(ex, err, errlen)) != 0) {
		json_decref(copy);
		return rc;
	}
	touch(ex, now);
	json_object_set_new(rec, "status", json_string("running"));
	json_object_set_new(rec, "started_at", json_string(now));
	json_object_set_new(rec, "ended_at", json_null());
	json_object_set_new(rec, "error", json_null());
	json_object_set_new(rec, "before_state", copy ? copy : json_null());
	return save_step(ex, index, err, errlen);
}

int
coord_exec_step_end(struct coord_exec *ex, size_t index, const char *status,
    const char *error, const json_t *result, char *err, size_t errlen)
{
	json_t *rec, *copy = NULL;
	char now[32];
	int rc;

	if (index >= ex->st->opt.max_steps) {
		store_err(err, errlen, "step index %zu is past the limit of %zu steps", index,
		    ex->st->opt.max_steps);
		return -ERANGE;
	}
	if (!step_status_ok(status)) {
		store_err(err, errlen, "invalid step status");
		return -EINVAL;
	}
	if (result != NULL && (copy = json_deep_copy(result)) == NULL)
		return -ENOMEM;
	if ((rec = step_record(ex, index)) == NULL) {
		json_decref(copy);
		return -ENOMEM;
	}
	if ((rc = audit_sync(ex, err, errlen)) != 0) {
		json_decref(copy);
		return rc;
	}
	touch(ex, now);
	if (!json_is_string(json_object_get(rec, "started_at")))
		json_object_set_new(rec, "started_at", json_string(now));
	json_object_set_new(rec, "status", json_string(status));
	json_object_set_new(rec, "ended_at", json_string(now));
	json_object_set_new(rec, "error", error ? json_string(error) : json_null());
	if (copy != NULL)
		json_object_set_new(rec, "result", copy);
	return save_step(ex, index, err, errlen);
}

const json_t *
coord_exec_step(const struct coord_exec *ex, size_t index)
{
	return index < ex->nsteps ? ex->steps[index] : NULL;
}

size_t
coord_exec_step_count(const struct coord_exec *ex)
{
	return ex->nsteps;
}

/* ---- checkpoints and rollback records ------------------------------------------------ */

int
coord_exec_checkpoint_add(struct coord_exec *ex, const json_t *checkpoint, char *err,
    size_t errlen)
{
	json_t *cps = json_object_get(ex->hdr, "checkpoints"), *copy;
	char now[32];

	if (!json_is_object(checkpoint)) {
		store_err(err, errlen, "a checkpoint result must be an object");
		return -EINVAL;
	}
	if (!json_is_array(cps)) {
		cps = json_array();
		json_object_set_new(ex->hdr, "checkpoints", cps);
	}
	if ((copy = json_deep_copy(checkpoint)) == NULL)
		return -ENOMEM;
	touch(ex, now);
	json_object_set_new(copy, "at", json_string(now));
	json_array_append_new(cps, copy);
	return journal_save_header(ex, err, errlen);
}

int
coord_exec_rollback_step(struct coord_exec *ex, size_t index, const char *action,
    const char *status, const char *error, char *err, size_t errlen)
{
	json_t *rb = json_object_get(ex->hdr, "rollback"), *steps, *rec, *v;
	char now[32];
	size_t i;
	int rc;

	if (!step_status_ok(status) || action == NULL) {
		store_err(err, errlen, "a rollback record needs an action and a status");
		return -EINVAL;
	}
	if (!json_is_object(rb)) {
		rb = json_pack("{s:n, s:n, s:n, s:[]}", "started_at", "ended_at", "status",
		    "steps");
		json_object_set_new(ex->hdr, "rollback", rb);
	}
	steps = json_object_get(rb, "steps");
	if (!json_is_array(steps)) {
		steps = json_array();
		json_object_set_new(rb, "steps", steps);
	}
	if ((rc = audit_sync(ex, err, errlen)) != 0)
		return rc;
	touch(ex, now);
	rec = json_pack("{s:I, s:s, s:s, s:s?, s:s}", "index", (json_int_t)index, "action",
	    action, "status", status, "error", error, "at", now);
	if (rec == NULL)
		return -ENOMEM;
	json_array_foreach(steps, i, v) {
		if (json_integer_value(json_object_get(v, "index")) == (json_int_t)index) {
			json_array_set_new(steps, i, rec);
			rec = NULL;
			break;
		}
	}
	if (rec != NULL)
		json_array_append_new(steps, rec);
	return journal_save_header(ex, err, errlen);
}

/* ---- the execution as JSON ---------------------------------------------------------- */

json_t *
coord_exec_to_json(const struct coord_exec *ex, bool full)
{
	json_t *o = json_deep_copy(ex->hdr), *steps = json_array();
	size_t i;

	if (o == NULL || steps == NULL) {
		json_decref(o);
		json_decref(steps);
		return NULL;
	}
	json_object_del(o, "kind");
	json_object_del(o, "seq");	/* internal ordering, not part of the view */
	for (i = 0; i < ex->nsteps; i++) {
		json_t *s, *d;

		if (ex->steps[i] == NULL)
			continue;
		/* Shallow copy to drop before_state cheaply, then a deep copy: the caller
		 * owns the result and may change it without touching the journal. */
		s = json_copy(ex->steps[i]);
		if (s != NULL && !full)
			json_object_del(s, "before_state");
		d = json_deep_copy(s);
		json_decref(s);
		json_array_append_new(steps, d);
	}
	json_object_set_new(o, "steps", steps);
	return o;
}
