#ifndef STRATA_COORD_STORE_H
#define STRATA_COORD_STORE_H

/*
 * The coordination state store: issues, plans and executions kept in memory and in a
 * state directory on disk, so that plans survive a restart and an execution that was
 * running when the process died is found again, marked `interrupted`, with every step's
 * before-state, ready for rollback_plan.
 *
 * Layout of the state directory (mode 0700; it holds cluster object snapshots):
 *
 *   lock                      flock(2)ed by the one process that owns the directory
 *   issues/iss-….json         one detect result per file (written once)
 *   plans/plan-….json         one plan per file (written once; plans are immutable)
 *   executions/exec-…/
 *       execution.json        header: status, checkpoints, rollback, journal errors
 *       plan.json             the plan as it was when the run began (written once), so
 *                             that a rollback never depends on the plan still being kept
 *       step-NNNNNN.json      one file per step: status, times, error, before_state,
 *                             result — rewritten at that step's boundaries only, so a
 *                             1,000-step run never rewrites more than one small file
 *       audit.jsonl           every mutating request, one JSON line each, appended with
 *                             write(2) and fsync'd at step boundaries
 *
 * Every JSON file is written atomically: a temp file `.NAME.tmp.*` in the same directory,
 * fsync, rename over NAME, fsync the directory.  A crash leaves either the old or the
 * new version; temp files left by a crash are removed on open and never read.  A record
 * that cannot be parsed or does not match its name is renamed to `NAME.corrupt` (kept as
 * evidence, never read again) and reported.
 *
 * Executions of dry runs change nothing in the cluster, so their files are renamed into
 * place (never torn) but not fsync'd: a dry run of 1,000 steps costs no 2,000 fsyncs.
 *
 * Threading: none.  Everything runs on the caller's (libuv loop) thread; calls block
 * only for the small file writes of one record.
 *
 * Errors: functions return 0 or a negative errno value and write a human message naming
 * the file or id into `err` (which may be NULL when errlen is 0).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Room for an id such as "exec-0123456789abcdef0123" plus NUL; ids are at most 63 chars. */
#define COORD_STORE_ID_MAX	64

enum coord_store_kind {
	COORD_STORE_ISSUE = 0,	/* "iss-…"  */
	COORD_STORE_PLAN,	/* "plan-…" */
	COORD_STORE_EXEC	/* "exec-…" */
};

/*
 * Options for coord_store_open().  Zero values mean the defaults in brackets.
 */
struct coord_store_options {
	const char	*state_dir;	/* borrowed; NULL = coord_store_default_dir() */
	size_t		 max_issues;	/* [256] issues kept (memory and disk) */
	size_t		 max_plans;	/* [256] plans kept */
	size_t		 max_execs;	/* [1024] executions kept; unfinished ones are never
					 * dropped, finished ones go oldest first */
	size_t		 max_steps;	/* [10000] step index limit of one execution */
	size_t		 max_record;	/* [32 MiB] largest JSON file read or written */
	size_t		 max_audit;	/* [64 MiB] audit trail size of one execution */
	bool		 no_fsync;	/* skip every fsync (tests and benchmarks only) */
};

struct coord_store;
struct coord_exec;
struct coord_locks;

/* What coord_store_open() found on disk. */
struct coord_store_stats {
	size_t	issues;		/* loaded */
	size_t	plans;
	size_t	execs;
	size_t	interrupted;	/* executions found running/rolling_back, now interrupted */
	size_t	corrupt;	/* files or directories set aside as *.corrupt */
	size_t	temp_removed;	/* torn temp files removed */
};

/* ---- the store -------------------------------------------------------------------- */

/*
 * The default state directory: $XDG_STATE_HOME/strata when XDG_STATE_HOME is set and
 * absolute, else $HOME/.local/state/strata.  Returns 0, -ENOENT (neither variable is
 * usable) or -ENAMETOOLONG.
 */
int	coord_store_default_dir(char *out, size_t outlen, char *err, size_t errlen);

/*
 * Opens (creating it with mode 0700, parents included) the state directory, takes its
 * lock file, loads every record, marks executions found `running` or `rolling_back` as
 * `interrupted` (persisted) and logs how many.  A second process opening the same
 * directory fails with -EBUSY and a message naming the directory and the pid that holds
 * it: two servers writing one journal would mark each other's live runs interrupted.
 * `stats` may be NULL.  On success *out is new; free it with coord_store_close().
 */
int	coord_store_open(const struct coord_store_options *opt, struct coord_store **out,
	    struct coord_store_stats *stats, char *err, size_t errlen);
/* Closes files, releases the lock and frees everything (NULL is a no-op).  Executions
 * still running stay `running` on disk, so the next open marks them interrupted. */
void	coord_store_close(struct coord_store *st);
/* The directory in use (borrowed). */
const char *coord_store_dir(const struct coord_store *st);
/* The store's in-process target locks (borrowed; see below). */
struct coord_locks *coord_store_locks(struct coord_store *st);

/* ---- ids ---------------------------------------------------------------------------- */

/* Writes a new random id ("iss-", "plan-" or "exec-" + 20 lowercase hex digits). */
int	coord_store_id_new(enum coord_store_kind kind, char out[COORD_STORE_ID_MAX]);
/* True when `id` has the kind's prefix followed by 1..58 of [A-Za-z0-9_-]: safe as a
 * file name and in a URI.  Every lookup checks this first. */
bool	coord_store_id_valid(enum coord_store_kind kind, const char *id);

/* ---- issues (detect results) and plans ---------------------------------------------- */

/*
 * Stores a detect result under its `issue_id` member (required; make one with
 * coord_store_id_new()).  The store keeps a deep copy; `issue` stays the caller's.  When
 * max_issues is reached the oldest issue none of whose plans has an unfinished execution
 * is dropped from memory and disk.  -EEXIST if the id is taken, -EBUSY if nothing can be
 * dropped, -EIO (message) if the file cannot be written.
 */
int	coord_store_issue_put(struct coord_store *st, const json_t *issue, char *err,
	    size_t errlen);
/* New reference to the stored issue, or NULL when unknown.  Do not modify it. */
json_t	*coord_store_issue_get(struct coord_store *st, const char *issue_id);

/*
 * Stores a plan under its `plan_id` member (required); `issue_id` and `hash` members are
 * recorded when present.  Plans are immutable: -EEXIST if the id is taken.  Eviction as
 * for issues, except that a plan with an unfinished execution is never dropped.
 */
int	coord_store_plan_put(struct coord_store *st, const json_t *plan, char *err,
	    size_t errlen);
/* New reference to the stored plan, or NULL.  Do not modify it. */
json_t	*coord_store_plan_get(struct coord_store *st, const char *plan_id);

/* New arrays, newest first: [{issue_id, created_at, summary?}], [{plan_id, issue_id,
 * hash, created_at}], [{execution_id, plan_id, status, dry_run, created_at, updated_at}]. */
json_t	*coord_store_issue_list(struct coord_store *st);
json_t	*coord_store_plan_list(struct coord_store *st);
json_t	*coord_store_exec_list(struct coord_store *st);

/*
 * MCP resources.  resource_list returns a new array of {uri, name, mimeType,
 * description} for every plan (strata://plans/{id}) and execution
 * (strata://executions/{id}).  resource_read writes the resource as JSON text (new,
 * free() it) into *text; -ENOENT with a message for an unknown or malformed URI.
 */
json_t	*coord_store_resource_list(struct coord_store *st);
int	coord_store_resource_read(struct coord_store *st, const char *uri, char **text,
	    char *err, size_t errlen);

/* ---- executions --------------------------------------------------------------------- */

enum coord_exec_status {
	COORD_EXEC_RUNNING = 0,
	COORD_EXEC_ROLLING_BACK,
	COORD_EXEC_SUCCEEDED,
	COORD_EXEC_FAILED,
	COORD_EXEC_ROLLED_BACK,
	COORD_EXEC_ROLLBACK_FAILED,
	COORD_EXEC_CANCELLED,
	COORD_EXEC_INTERRUPTED,
	COORD_EXEC_DRY_RUN
};

const char *coord_exec_status_name(enum coord_exec_status s);
int	coord_exec_status_parse(const char *name, enum coord_exec_status *out);
/* Running or rolling back: the run may still change the cluster. */
bool	coord_exec_status_active(enum coord_exec_status s);

/*
 * Starts the journal of a new execution of a stored plan: status `running`, the plan
 * snapshot, a new execution_id.  The record is on disk (fsync'd unless dry_run) before
 * this returns.  *out is owned by the store and stays valid while the execution is
 * active; once finished it stays valid until the next coord_exec_begin() (which may
 * drop the oldest finished executions) or coord_store_close().  -ENOENT for an unknown
 * plan, -EBUSY when max_execs executions are all active.
 */
int	coord_exec_begin(struct coord_store *st, const char *plan_id, bool dry_run,
	    struct coord_exec **out, char *err, size_t errlen);
/* Borrowed pointer or NULL. */
struct coord_exec *coord_store_exec_get(struct coord_store *st, const char *exec_id);
/* The most recently begun execution of a plan, or NULL. */
struct coord_exec *coord_store_exec_latest(struct coord_store *st, const char *plan_id);

const char *coord_exec_id(const struct coord_exec *ex);
const char *coord_exec_plan_id(const struct coord_exec *ex);
enum coord_exec_status coord_exec_status(const struct coord_exec *ex);
bool	coord_exec_dry_run(const struct coord_exec *ex);
/* The plan as it was when the run began (borrowed). */
const json_t *coord_exec_plan(const struct coord_exec *ex);
/* Status the execution had when it was found interrupted (or -1). */
int	coord_exec_interrupted_from(const struct coord_exec *ex);

/*
 * Sets the status and persists the header.  Moving to rolling_back records
 * rollback.started_at; moving to a final status records ended_at.  Also fsyncs the
 * audit trail.
 */
int	coord_exec_set_status(struct coord_exec *ex, enum coord_exec_status status,
	    char *err, size_t errlen);

/*
 * Step boundaries.  step_begin records {index, status:"running", started_at,
 * before_state} — `before_state` (borrowed, may be NULL) is deep-copied and passed
 * through coord_store_sanitize() first — and persists it before the caller mutates
 * anything.  step_end records the final `status` (the executor's word: "succeeded",
 * "failed", "skipped", …), ended_at, `error` (may be NULL) and `result` (borrowed, may be
 * NULL, copied).  Each persists only that step's file and fsyncs the audit trail.
 * -ERANGE when index >= max_steps.
 */
int	coord_exec_step_begin(struct coord_exec *ex, size_t index, const json_t *before_state,
	    char *err, size_t errlen);
int	coord_exec_step_end(struct coord_exec *ex, size_t index, const char *status,
	    const char *error, const json_t *result, char *err, size_t errlen);
/* The step record (borrowed, do not modify) or NULL. */
const json_t *coord_exec_step(const struct coord_exec *ex, size_t index);
/* One past the highest step index recorded. */
size_t	coord_exec_step_count(const struct coord_exec *ex);

/* Appends a checkpoint result {layer, after_step, healthy, failed_checks, …} (borrowed,
 * copied, `at` added) and persists the header. */
int	coord_exec_checkpoint_add(struct coord_exec *ex, const json_t *checkpoint, char *err,
	    size_t errlen);
/* Records the outcome of one compensation {index, action, status, error?, at} in
 * rollback.steps (replacing an earlier record of the same index) and persists it. */
int	coord_exec_rollback_step(struct coord_exec *ex, size_t index, const char *action,
	    const char *status, const char *error, char *err, size_t errlen);

/*
 * Appends one mutating request to the audit trail: {time, method, path, status,
 * dry_run, step}.  `step` is the step index or -1.  The line reaches the file at once
 * (write(2)); it is fsync'd at the next step boundary or status change.  Past max_audit
 * bytes the trail stops growing and the header says `audit_truncated`.
 */
int	coord_exec_audit(struct coord_exec *ex, const char *method, const char *path,
	    int http_status, bool dry_run, long step, char *err, size_t errlen);
/* Reads the audit trail back as a new array (a torn last line is skipped). */
json_t	*coord_exec_audit_load(struct coord_exec *ex, char *err, size_t errlen);

/* The execution as JSON (new): execution_id, plan_id, status, dry_run, times, steps,
 * checkpoints, rollback, journal_errors.  With `full`, steps include before_state. */
json_t	*coord_exec_to_json(const struct coord_exec *ex, bool full);

/* ---- secrets ------------------------------------------------------------------------ */

/*
 * Removes what must never be journalled, in place, anywhere in `v` (objects, Lists,
 * nested items): for objects of kind Secret the members `data` and `stringData` and the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation; for every object
 * `metadata.managedFields`.  Returns how many members were removed.  step_begin calls it
 * on its copy; call it yourself on anything else you store.
 */
size_t	coord_store_sanitize(json_t *v);

/* ---- in-process target locks ------------------------------------------------------ */

/*
 * A target is what a plan step changes: kind/namespace/name (namespace NULL or "" for
 * cluster-scoped objects).  A lock set belongs to a holder (an execution id).  Acquiring
 * is all-or-none: if any target is held by another holder nothing is taken, -EBUSY is
 * returned and the message names the first conflicting target and its holder.  A holder
 * may re-acquire targets it already holds (rollback reuses the run's locks).
 *
 * A cross-process layer (a coordination.k8s.io Lease per target) sits on top: take the
 * in-process locks first (cheap, synchronous, fails fast), then the Leases; if a Lease
 * cannot be had, coord_locks_release() the holder.  The key string of a target
 * (coord_lock_key) is a stable name to derive Lease names from.
 */
struct coord_target {
	const char	*kind;
	const char	*namespace;
	const char	*name;
};

struct coord_locks *coord_locks_new(size_t max_targets);	/* 0 = 65536 */
void	coord_locks_free(struct coord_locks *lk);
int	coord_locks_acquire(struct coord_locks *lk, const char *holder,
	    const struct coord_target *targets, size_t n, char *err, size_t errlen);
/* Releases every target of `holder`; returns how many were released. */
size_t	coord_locks_release(struct coord_locks *lk, const char *holder);
/* The holder of a target (borrowed) or NULL. */
const char *coord_locks_holder(const struct coord_locks *lk, const struct coord_target *t);
/* Number of targets held in total. */
size_t	coord_locks_count(const struct coord_locks *lk);
/* "kind/namespace/name" ("kind//name" when cluster-scoped); -ENAMETOOLONG if it does
 * not fit, -EINVAL when kind or name is empty. */
int	coord_lock_key(const struct coord_target *t, char *out, size_t outlen);

#endif
