#ifndef STRATA_EXEC_ACT_H
#define STRATA_EXEC_ACT_H

/*
 * Action task functions (act_*.c; declared here).  Each is a task_fn (exec_int.h): t->spec is the plan
 * step, t->params its params (for a compensation: the resolved compensation params),
 * t->before the recorded before-state.  Forward actions verify their done_condition by
 * polling until t->deadline_ms; in a dry run they send their mutations with dryRun=All
 * and return at once.  Compensations re-read and retry on 409.
 */

#include "exec_int.h"

#define ACT_MAX_CONFLICTS	5

uint64_t act_poll_ms(const struct exec_task *t);
/* Waits one poll interval then resumes at `phase` (dry run: DONE; timeout: FAIL). */
int	act_poll_again(struct exec_task *t, int phase, const char *what);
json_t	*act_ptr_get(const json_t *obj, const char *ptr);
/* The captured object of the step's own target (borrowed) or NULL. */
const json_t *act_before_object(const json_t *before, const json_t *step, bool *found);
/* The step target as a kube_ref (false: unknown kind). */
bool	act_target_ref(const struct exec_task *t, struct kube_ref *ref);
/* A 409 on a compensation: resume at `phase` (re-read) unless retried too often. */
int	act_conflict_retry(struct exec_task *t, int phase, const char *what);

int	act_cordon(struct exec_task *t);
int	act_uncordon(struct exec_task *t);
int	act_drain(struct exec_task *t);
int	act_reboot_node(struct exec_task *t);
int	act_wait_node(struct exec_task *t);
int	act_restore_unschedulable(struct exec_task *t);

int	act_replace_machine(struct exec_task *t);
int	act_scale_machineset(struct exec_task *t);
int	act_restore_ms_replicas(struct exec_task *t);
int	act_pause_mcp(struct exec_task *t);
int	act_unpause_mcp(struct exec_task *t);
int	act_restore_paused(struct exec_task *t);
int	act_rollback_mc(struct exec_task *t);
int	act_restore_mc(struct exec_task *t);
int	act_wait_mco(struct exec_task *t);
int	act_wait_co(struct exec_task *t);

int	act_wait_workload(struct exec_task *t);
int	act_restart(struct exec_task *t);
int	act_undo(struct exec_task *t);
int	act_scale_deploy(struct exec_task *t);
int	act_memory(struct exec_task *t);
int	act_restore_template(struct exec_task *t);
int	act_restore_replicas(struct exec_task *t);

int	act_argo_sync(struct exec_task *t);
int	act_argo_rollback(struct exec_task *t);
int	act_argo_restore(struct exec_task *t);

#endif
