#ifndef STRATA_EXEC_INT_H
#define STRATA_EXEC_INT_H

/*
 * Executor internals shared by exec*.c, act_*.c, check*.c and lease*.c.
 *
 * A task is one unit of asynchronous work (an action, a compensation, one check
 * evaluation, a before-state capture, a Lease acquisition) written as a resumable
 * function: the driver calls t->fn(t) repeatedly; each call either starts exactly one
 * request or timer and returns TASK_WAIT (the driver calls fn again when it completes,
 * with t->resp / t->kerr set), or finishes with TASK_DONE / TASK_FAIL (t->msg says why).
 * t->phase is the function's own program counter.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "strata/coord_exec.h"
#include "strata/coord_store.h"
#include "strata/kube.h"

enum task_rc { TASK_WAIT = 0, TASK_DONE = 1, TASK_FAIL = -1 };

struct exec_task;
typedef int (*task_fn)(struct exec_task *t);
typedef void (*task_end_fn)(struct exec_task *t, int rc);

#define TASK_MSG_MAX	1024
#define TASK_LIST_MAX	20000	/* items kept from one list */

struct exec_task {
	struct coord_run	*run;
	task_fn			 fn;
	task_end_fn		 end;		/* called once with TASK_DONE / TASK_FAIL */
	void			*arg;		/* for `end` */
	int			 phase;
	long			 step;		/* plan step index (audit), -1 none */
	const json_t		*spec;		/* the plan step or check (borrowed) */
	json_t			*params;	/* resolved params (owned) */
	json_t			*before;	/* recorded before-state (owned ref) */
	json_t			*resp;		/* last response (owned), NULL on error */
	struct kube_error	 kerr;		/* last error (code 0: none) */
	json_t			*scratch;	/* action's own state (owned object) */
	json_t			*detail;	/* what changed / would change (owned object) */
	bool			 mutated;	/* a mutation was (or may have been) applied */
	bool			 dry_run;
	bool			 skipped;	/* done, nothing needed doing */
	bool			 irreversible;
	bool			 cancellable;	/* a forward step: stops on cancel */
	bool			 compensating;	/* a rollback compensation */
	uint64_t		 started_ms;
	uint64_t		 deadline_ms;	/* real time; 0: none */
	unsigned		 conflicts;	/* 409 retries so far */
	struct kube_request	*req;		/* in flight, or NULL */
	void			*ticket;	/* its completion ticket */
	uv_timer_t		*timer;		/* owned, closed in task_free */
	bool			 timer_on;
	bool			 finished;
	char			 msg[TASK_MSG_MAX];
	char			 what[160];	/* current activity, for heartbeats */
	/* list accumulation */
	json_t			*items;
	bool			 list_capped;
};

/* ---- the run (exec.c) ------------------------------------------------------------- */

struct coord_run {
	struct coord_run_options o;
	char			*holder;
	char			*lease_ns;
	char			*reboot_ns;
	char			*reboot_image;
	struct coord_exec	*ex;
	char			 exec_id[COORD_STORE_ID_MAX];
	char			 plan_id[COORD_STORE_ID_MAX];
	const json_t		*plan;		/* coord_exec_plan (borrowed) */
	json_t			*steps;		/* plan steps (borrowed from plan) */
	size_t			 nsteps;
	bool			 rollback_only;	/* coord_run_rollback */
	bool			 dry_run;
	bool			 cancel;	/* cancellation requested */
	char			*cancel_reason;
	bool			 aborted;
	bool			 failed;	/* a required step or checkpoint failed */
	bool			 locked;	/* in-process locks held */
	size_t			 cur;		/* 0-based position in steps */
	size_t			 cp_next;	/* next checkpoint index */
	struct exec_task	*task;		/* current task */
	json_t			*results;	/* per step result objects, by position */
	json_t			*cps;		/* checkpoint results */
	json_t			*rb_steps;	/* rollback step results */
	json_t			*comp_list;	/* positions to compensate, in order */
	size_t			 comp_i;
	bool			 comp_failed;
	json_t			*cp_state;	/* checkpoint in progress */
	struct exec_lease	*leases;
	size_t			 nleases;
	size_t			 lease_i;
	uv_timer_t		*renew;		/* Lease renewal */
	uv_timer_t		*beat;		/* progress heartbeat */
	uv_timer_t		*defer;		/* next-iteration kicks */
	json_t			*plan_ref;	/* execute: the stored plan (own ref) */
	const char		*final_status;	/* static string once finished */
	const char		*rb_status;	/* static: the rollback's outcome */
	const char		*pending_status;	/* while Leases are released */
	int			 pending_done;
	int			 done_status;
	char			 message[1024];
	size_t			 handles_open;
	bool			 done_called;
	bool			 freeing;
	uint64_t		 last_progress_ms;
	uint64_t		 started_ms;
	uint64_t		 req_count;	/* requests made by tasks */
	uint64_t		 req_ms;	/* summed time they took */
};

/* exec.c */
void	exec_finish(struct coord_run *r, const char *status, int done_status);
void	exec_set_message(struct coord_run *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* exec_steps.c: the step loop and checkpoints */
void	exec_steps_start(struct coord_run *r);
/* exec_rollback.c */
void	exec_rollback_start(struct coord_run *r);
/* Releases held Leases (not in a dry run), then exec_finish(status). */
void	exec_release_leases(struct coord_run *r, const char *status, int done_status);

/* Time: plan seconds → real milliseconds, scaled, floored at poll_ms_min. */
uint64_t exec_scaled_ms(const struct coord_run *r, double seconds);
void	exec_progress(struct coord_run *r, size_t step, size_t total, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* ---- tasks (exec_task.c) ---------------------------------------------------------- */

struct exec_task *task_new(struct coord_run *r, task_fn fn, task_end_fn end, void *arg,
	    long step);
void	task_start(struct exec_task *t);
void	task_free(struct exec_task *t);	/* cancels what is in flight */
int	task_fail(struct exec_task *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Reports the last request's error as the task's failure. */
int	task_fail_kerr(struct exec_task *t, const char *what);
void	task_set_what(struct exec_task *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
bool	task_timed_out(const struct exec_task *t);

/* Each starts one request (or timer) and returns TASK_WAIT, or fails the task. */
int	task_get(struct exec_task *t, const struct kube_ref *ref);
int	task_list(struct exec_task *t, const struct kube_ref *ref, const char *label_sel,
	    const char *field_sel);
int	task_patch(struct exec_task *t, const struct kube_ref *ref, enum kube_patch_type ty,
	    json_t *body);	/* body stolen */
int	task_create(struct exec_task *t, const struct kube_ref *ref, json_t *body);
int	task_replace(struct exec_task *t, const struct kube_ref *ref, json_t *body);
int	task_delete(struct exec_task *t, const struct kube_ref *ref, json_t *precond);
int	task_evict(struct exec_task *t, const char *ns, const char *pod);
int	task_later(struct exec_task *t, uint64_t ms);

/* ---- kinds and JSON helpers (exec_util.c) ----------------------------------------- */

/* Fills ref for a kind ("Node", "Deployment", …).  Returns false for an unknown kind. */
bool	exec_kind_ref(const char *kind, const char *ns, const char *name,
	    struct kube_ref *ref);
const char *exec_jstr(const json_t *o, const char *dotted);
json_t	*exec_jget(const json_t *o, const char *dotted);
long long exec_jint(const json_t *o, const char *dotted, long long dflt);
/* Status of condition `type` ("True"/"False"/"Unknown") or NULL. */
const char *exec_cond(const json_t *obj, const char *type);
const char *exec_cond_reason(const json_t *obj, const char *type);
/* A selector object ({matchLabels}) as a labelSelector string; false if unsupported. */
bool	exec_selector_string(const json_t *sel, char *out, size_t outlen);
void	exec_now_rfc3339(char out[40]);

/* ---- actions (act_*.c) and checks (check.c) ---------------------------------------- */

/* The action function for a step action or compensation name, or NULL. */
task_fn	act_lookup(const char *action);
task_fn	act_comp_lookup(const char *comp_action);
/* Before-state capture of a step (act_capture.c). */
int	act_capture(struct exec_task *t);
/* Resolves {"$capture": REF} in a compensation's params against the before-state. */
json_t	*act_resolve_params(const json_t *params, const json_t *before, const json_t *step);
/* Shared pollers. */
int	act_rollout_status(struct exec_task *t, const json_t *dep, char *why, size_t whylen);
bool	act_node_ready(const json_t *node);
bool	act_pool_done(const json_t *pool, char *why, size_t whylen);

/* One evaluation of a checkpoint check: TASK_DONE healthy, TASK_FAIL not (t->msg). */
task_fn	check_lookup(const char *type);

/* ---- Leases (lease.c) -------------------------------------------------------------- */

struct exec_lease {
	char	key[600];	/* coord_lock_key */
	char	name[64];	/* strata-<sha256 prefix> */
	char	rv[64];		/* resourceVersion of our last write */
	bool	held;
	bool	taken;	/* was acquired during this run */
	char	taken_from[128];	/* a dead holder whose stale Lease we took over */
	void	*renewing;	/* ticket of a renewal in flight */
};

int	lease_name_for(const char *key, char out[64]);
/* Task that acquires r->leases[r->lease_i …] one by one (rollback and execute). */
int	lease_acquire_fn(struct exec_task *t);
/* Task that releases every held Lease (deletes with a resourceVersion precondition). */
int	lease_release_fn(struct exec_task *t);
void	lease_renew_start(struct coord_run *r);
void	lease_renew_stop(struct coord_run *r);

#endif
