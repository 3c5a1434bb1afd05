#ifndef STRATA_COORD_EXEC_H
#define STRATA_COORD_EXEC_H

/*
 * The executor: runs a stored plan (coord_plan.h) against the cluster and rolls back an
 * execution, on the caller's libuv loop.  execute_plan and rollback_plan (issue #6) are
 * thin MCP handlers over coord_run_execute() / coord_run_rollback() / coord_run_cancel();
 * confirmation (hash or elicitation) is the caller's business, before calling here.
 *
 * A run is a state machine driven by kube callbacks and uv timers; nothing blocks.
 *
 *   execute:  locks (in-process, all targets, all-or-none) → one coordination.k8s.io
 *             Lease per target (renewed on a timer) → for each step: GET the objects the
 *             step declares in before_state_capture, journal them (coord_exec_step_begin)
 *             BEFORE mutating → the action (every mutating request audited) → poll its
 *             done_condition until true or the step timeout → coord_exec_step_end → after
 *             the last step of a layer, that layer's checkpoint polls its checks until all
 *             are healthy or time out (coord_exec_checkpoint_add).  A required step or a
 *             checkpoint that fails, or a cancellation, starts the rollback.
 *   rollback: the compensations of the steps journalled `succeeded` or `interrupted`, in
 *             reverse order, each computed from the RECORDED before-state and verified;
 *             irreversible steps are reported as such; a 409 re-reads and retries.  A
 *             second rollback of the same execution finds nothing_to_roll_back.
 *   dry run:  every mutation carries dryRun=All (Lease creation included), no waits, no
 *             Lease renewal; the result says what would change and which request the
 *             server refused.  The cluster is left exactly as it was.
 *
 * Time: every wait and timeout of the plan is divided by time_scale (>= 1), so a
 * simulated cluster running 60x faster is waited for 60x shorter.  Lease durations and
 * the progress heartbeat are real time and not scaled.
 *
 * Ownership: a run is owned by the executor.  It lives from a successful coord_run_*()
 * call until its `done` callback has returned; the pointer must not be used after that.
 * Everything in coord_run_options is borrowed for the life of the run (loop, client and
 * store must outlive it); strings are copied.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <uv.h>

#include "strata/coord_store.h"
#include "strata/kube.h"

struct coord_run;

/*
 * Progress: called at each step start and end, each checkpoint, each compensation, and at
 * least every progress_interval_ms (real time) during a long wait.  `step` is the number
 * of steps finished so far (or compensations, during a rollback) and `total` the number
 * of steps (compensations); `message` (borrowed) is one line a human can read.
 */
typedef void (*coord_run_progress_fn)(struct coord_run *run, size_t step, size_t total,
    const char *message, void *arg);

/*
 * Completion: exactly once per run, never from inside coord_run_execute/rollback/cancel.
 * `result` is BORROWED (json_incref it to keep it) and is the tool's structuredContent:
 *
 * execute:  {execution_id, plan_id, status, dry_run, steps[{index, action, layer, target,
 *            status, started_at?, ended_at?, error?, detail?}], checkpoints[{layer,
 *            after_step, healthy, failed_checks[{type, target, reason}]}], rollback?
 *            {status, steps[{index, action, status, error?, detail?}]} or null,
 *            leases[{target, name, namespace, status: released | left_to_expire |
 *            would_take | not_taken}], stats{requests, request_ms, elapsed_ms},
 *            message}
 *            step status ∈ pending | running | succeeded | skipped (nothing needed
 *            doing, e.g. an only_if restart) | failed | failed_optional (reported, run
 *            continued) | cancelled | would_succeed (dry run).
 *            status ∈ succeeded | failed (a required step/checkpoint failed and the
 *            rollback had nothing to undo) | rolled_back | rollback_failed | cancelled |
 *            interrupted (coord_run_abort) | dry_run.  In a dry run each step's `detail`
 *            says what would change, and a step whose request the server refused is
 *            `failed` with the server's message.
 * rollback: {execution_id, plan_id, status, dry_run, steps[{index, action, status,
 *            error?, detail?}], message}; status ∈ rolled_back | rollback_failed |
 *            nothing_to_roll_back | dry_run; step status ∈ succeeded | failed |
 *            irreversible (error says why) | would_run (dry run) | not_needed (already
 *            as recorded).  A compensation is verified by reading back what it
 *            restored (not by health: the recorded state was often the broken one).
 *
 * `status` is 0 when the run ran (whatever its outcome), else a negative errno for a run
 * that could not start its work (e.g. -EBUSY: a Lease held elsewhere) — result is still
 * a complete result then, with `message` saying why.
 */
typedef void (*coord_run_done_fn)(struct coord_run *run, int status, json_t *result,
    void *arg);

struct coord_run_options {
	uv_loop_t		*loop;		/* borrowed */
	struct kube_client	*client;	/* borrowed */
	struct coord_store	*store;		/* borrowed: plans, journal, in-process locks */
	double			 time_scale;	/* divides waits and timeouts; < 1 → 1 */
	bool			 dry_run;
	/*
	 * Lease holder identity: must differ between processes.  NULL →
	 * "strata-mcp/<hostname>/<pid>".
	 */
	const char		*holder;
	/*
	 * Namespace of the Leases.  NULL → "kube-system": it exists on every cluster and
	 * already holds the leader-election Leases of the control plane, so RBAC for
	 * `leases` there is a familiar grant.  The executor never creates namespaces: on a
	 * cluster without it the run is refused with a message naming it.
	 */
	const char		*lease_namespace;
	unsigned		 lease_duration_s;	/* 0 → 60; renewed every third of it */
	bool			 no_leases;	/* in-process locks only (tests, one server) */
	/*
	 * Namespace and image of the privileged one-shot pod reboot_node creates on the
	 * node (`chroot /host systemctl reboot`, what `oc debug node/N` runs).  NULL →
	 * lease_namespace and "registry.redhat.io/rhel9/support-tools".
	 */
	const char		*reboot_namespace;
	const char		*reboot_image;
	unsigned		 progress_interval_ms;	/* 0 → 15000 (real time) */
	unsigned		 poll_ms_min;	/* floor of every poll interval; 0 → 50 */
	coord_run_progress_fn	 progress;	/* may be NULL */
	coord_run_done_fn	 done;		/* required */
	void			*arg;
};

/*
 * Starts executing stored plan `plan_id`.  Refuses (-EPERM, message) a plan whose
 * `refused` is true, (-EBADMSG) one whose hash does not verify, (-ENOENT) an unknown
 * plan, (-EBUSY) when another run holds one of its targets in this process.  On success
 * *out is the run (also reachable through callbacks), the execution is journalled
 * (coord_exec_begin) and its id is coord_run_execution_id(*out); the rest happens on the
 * loop.  On failure nothing was started and `done` will not run.
 */
int	coord_run_execute(const struct coord_run_options *o, const char *plan_id,
	    struct coord_run **out, char *err, size_t errlen);

/*
 * Starts rolling back execution `execution_id` (finished, failed, cancelled or
 * interrupted).  -ENOENT unknown id, -EBUSY it is still active (cancel it instead) or its
 * targets are locked by another run.  An execution with nothing left to compensate
 * completes (asynchronously) with status nothing_to_roll_back.
 */
int	coord_run_rollback(const struct coord_run_options *o, const char *execution_id,
	    struct coord_run **out, char *err, size_t errlen);

/*
 * Asks the run to stop at the next safe point (never in the middle of a request: the one
 * in flight completes first) and roll back what it did; the final status is `cancelled`
 * (or rollback_failed).  `reason` (copied, may be NULL) is recorded.  A cancel during a
 * rollback lets the rollback finish.  Idempotent.
 */
void	coord_run_cancel(struct coord_run *run, const char *reason);

/*
 * Stops the run at once without rollback (server shutdown): requests in flight are
 * cancelled, timers stopped, Leases left to expire, the execution journalled
 * `interrupted` so rollback_plan can restore it later.  `done` runs (status interrupted)
 * on the next loop iteration, like every completion.
 */
void	coord_run_abort(struct coord_run *run);

/* Borrowed, valid for the life of the run. */
const char *coord_run_execution_id(const struct coord_run *run);
const char *coord_run_plan_id(const struct coord_run *run);
bool	coord_run_is_rollback(const struct coord_run *run);

#endif
