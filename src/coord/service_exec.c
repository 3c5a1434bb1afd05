/*
 * execute_plan and rollback_plan: confirmation, then the executor (exec*.c).
 *
 * Only plans this server made run, and only once a person has confirmed the very plan
 * they saw: `confirm` must equal the plan's hash, or the user accepts an MCP elicitation
 * (elicitation/create in 2025-06-18/2025-11-25, an input_required round trip in
 * 2026-07-28).  With neither, nothing runs (fallback deny).  A dry run changes nothing
 * and needs no confirmation.  --read-only refuses every run that is not a dry run.
 *
 * Cancellation by the client (notifications/cancelled) stops the run at a safe point and
 * rolls back what was done.  A server shutdown (stdin closed, SIGTERM) does not start a
 * rollback it could not finish in the seconds a client grants: the run is aborted and
 * journalled `interrupted`, and rollback_plan restores it from the journal later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"
#include "strata/coord_exec.h"
#include "strata/coord_plan.h"

enum exec_kind {
	EXEC_RUN,
	EXEC_ROLLBACK
};

struct exec_op {
	struct coord_service	*svc;
	struct mcp_call		*call;
	enum exec_kind		 kind;
	json_t			*args;		/* kept: the tool's arguments */
	json_t			*plan;		/* the plan (run) or the execution's plan */
	char			*target_id;	/* plan_id (run) or execution_id (rollback) */
	bool			 dry_run;
	struct coord_run	*run;
	double			 progress;	/* last value sent: must increase */
	bool			 cancelled;	/* before the run started */
};

static void
exec_op_free(struct exec_op *op)
{
	json_decref(op->args);
	json_decref(op->plan);
	free(op->target_id);
	free(op);
}

static const char *
tool_name(const struct exec_op *op)
{
	return op->kind == EXEC_RUN ? "execute_plan" : "rollback_plan";
}

/* ---- the executor's callbacks ------------------------------------------------------ */

static void
exec_on_progress(struct coord_run *run, size_t step, size_t total, const char *message,
    void *arg)
{
	struct exec_op *op = arg;
	double p = (double)step;

	/* Heartbeats repeat the step count; progress must still increase. */
	if (p <= op->progress)
		p = op->progress + 0.001;
	op->progress = p;
	(void)mcp_call_progress(op->call, p, (double)total, message);
	log_info(SVC_LOG, "%s %s: %s", tool_name(op), coord_run_execution_id(run), message);
}

static char *
exec_text(const struct exec_op *op, const json_t *res)
{
	struct sbuf b = SBUF_INIT(32768);
	const json_t *s;
	size_t i;

	sbuf_printf(&b, "%s %s: %s", tool_name(op),
	    svc_str(json_string_value(json_object_get(res, "execution_id")), "?"),
	    svc_str(json_string_value(json_object_get(res, "status")), "?"));
	if (json_string_value(json_object_get(res, "message")) != NULL)
		sbuf_printf(&b, ". %s", json_string_value(json_object_get(res, "message")));
	sbuf_appends(&b, "\n");
	json_array_foreach(json_object_get(res, "steps"), i, s) {
		if (i >= 40)
			break;
		sbuf_printf(&b, "  step %lld %s: %s%s%s\n",
		    (long long)json_integer_value(json_object_get(s, "index")),
		    svc_str(json_string_value(json_object_get(s, "action")), ""),
		    svc_str(json_string_value(json_object_get(s, "status")), "?"),
		    json_string_value(json_object_get(s, "error")) != NULL ? " — " : "",
		    svc_str(json_string_value(json_object_get(s, "error")), ""));
	}
	json_array_foreach(json_object_get(res, "checkpoints"), i, s)
		sbuf_printf(&b, "  checkpoint %s after step %lld: %s\n",
		    svc_str(json_string_value(json_object_get(s, "layer")), "?"),
		    (long long)json_integer_value(json_object_get(s, "after_step")),
		    json_is_true(json_object_get(s, "healthy")) ? "healthy" : "NOT healthy");
	if (json_is_object(json_object_get(res, "rollback")))
		sbuf_printf(&b, "  rollback: %s\n", svc_str(json_string_value(json_object_get(
		    json_object_get(res, "rollback"), "status")), "?"));
	sbuf_printf(&b, "The journal is readable as strata://executions/%s",
	    svc_str(json_string_value(json_object_get(res, "execution_id")), "?"));
	return sbuf_detach(&b, NULL);
}

static void
exec_on_done(struct coord_run *run, int status, json_t *result, void *arg)
{
	struct exec_op *op = arg;
	char *text = exec_text(op, result);
	const char *st = json_string_value(json_object_get(result, "status"));

	log_info(SVC_LOG, "%s %s finished: %s", tool_name(op), coord_run_execution_id(run),
	    svc_str(st, "?"));
	/*
	 * A run that could not start its work (a Lease held elsewhere) is a tool error the
	 * model can act on; a run that ran is a result, whatever its outcome.
	 */
	if (status != 0)
		mcp_call_fail(op->call, "%s", text);
	else
		mcp_call_finish(op->call, json_deep_copy(result), text);
	free(text);
	exec_op_free(op);
}

/* A cancel while waiting for the user's answer: end the call out of the canceller's way. */
static void
exec_cancelled_before_start(void *arg)
{
	struct exec_op *op = arg;

	mcp_call_fail(op->call, "%s was cancelled before it started; nothing was changed",
	    tool_name(op));
	exec_op_free(op);
}

static void
exec_on_cancel(struct mcp_call *call, const char *reason, void *arg)
{
	struct exec_op *op = arg;

	if (op->run == NULL) {
		if (!op->cancelled) {
			op->cancelled = true;
			if (svc_defer(op->svc, exec_cancelled_before_start, op) != 0)
				log_error(SVC_LOG, "out of memory cancelling %s", tool_name(op));
		}
		return;
	}
	if (op->svc->closing || mcp_server_shutting_down(op->svc->srv)) {
		log_warn(SVC_LOG, "%s %s: the server is shutting down; stopping without "
		    "rollback (journalled interrupted; rollback_plan restores it)",
		    tool_name(op), coord_run_execution_id(op->run));
		coord_run_abort(op->run);
	} else
		coord_run_cancel(op->run, reason);
}

/* ---- starting ------------------------------------------------------------------------ */

static void
exec_start(struct exec_op *op)
{
	struct coord_run_options ro;
	struct kube_client *client;
	struct coord_store *st;
	const char *context;
	char err[768];
	json_t *issue = NULL;
	int rc;

	if ((st = svc_store(op->svc, err, sizeof(err))) == NULL) {
		mcp_call_fail(op->call, "%s", err);
		exec_op_free(op);
		return;
	}
	/* The cluster the plan was made for: the issue's context. */
	context = NULL;
	if (json_string_value(json_object_get(op->plan, "issue_id")) != NULL &&
	    (issue = coord_store_issue_get(st, json_string_value(json_object_get(op->plan,
	    "issue_id")))) != NULL)
		context = json_string_value(json_object_get(issue, "context"));
	client = svc_client_get(op->svc, context, err, sizeof(err));
	json_decref(issue);
	if (client == NULL) {
		mcp_call_fail(op->call, "%s", err);
		exec_op_free(op);
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.loop = op->svc->loop;
	ro.client = client;
	ro.store = st;
	ro.time_scale = op->svc->opt.time_scale;
	ro.dry_run = op->dry_run;
	ro.no_leases = op->svc->opt.no_leases;
	ro.lease_namespace = op->svc->opt.lease_namespace;
	ro.progress = exec_on_progress;
	ro.done = exec_on_done;
	ro.arg = op;
	if (op->kind == EXEC_RUN)
		rc = coord_run_execute(&ro, op->target_id, &op->run, err, sizeof(err));
	else
		rc = coord_run_rollback(&ro, op->target_id, &op->run, err, sizeof(err));
	if (rc != 0) {
		mcp_call_fail(op->call, "%s refused: %s", tool_name(op), err);
		exec_op_free(op);
		return;
	}
	mcp_call_on_cancel(op->call, exec_on_cancel, op);
	log_info(SVC_LOG, "%s %s started for %s%s", tool_name(op),
	    coord_run_execution_id(op->run), op->target_id, op->dry_run ? " (dry run)" : "");
}

static void	exec_confirm(struct mcp_call *call, struct exec_op *op);

static void
exec_on_answer(struct mcp_call *call, int status, json_t *result, void *arg)
{
	struct exec_op *op = arg;

	if (op->cancelled)
		return;		/* the deferred cancel completes the call */
	if (status != 0) {
		mcp_call_fail(call, "%s was not run: the confirmation failed (%s)",
		    tool_name(op), status == -EPROTO ? "the client answered with an error" :
		    strerror(-status));
		exec_op_free(op);
		return;
	}
	exec_confirm(call, op);
}

/* Runs once the user confirmed; asks when they have not yet; denies otherwise. */
static void
exec_confirm(struct mcp_call *call, struct exec_op *op)
{
	const char *hash = json_string_value(json_object_get(op->plan, "hash"));
	const char *confirm = json_string_value(json_object_get(op->args, "confirm"));
	const json_t *answer, *content;
	json_t *schema;
	char msg[1024];
	int rc;

	if (op->dry_run) {
		exec_start(op);
		return;
	}
	if (confirm != NULL) {
		if (hash == NULL || strcmp(confirm, hash) != 0) {
			mcp_call_fail(call, "%s was not run: confirm does not match the hash of "
			    "plan %s — the user must confirm the plan as it is (its hash is in "
			    "plan_remediation's result and in strata://plans/%s)", tool_name(op),
			    svc_str(json_string_value(json_object_get(op->plan, "plan_id")), "?"),
			    svc_str(json_string_value(json_object_get(op->plan, "plan_id")), "?"));
			exec_op_free(op);
			return;
		}
		exec_start(op);
		return;
	}
	if ((answer = mcp_call_input_response(call, MCP_ELICIT_DEFAULT_KEY)) != NULL) {
		content = json_object_get(answer, "content");
		if (strcmp(svc_str(json_string_value(json_object_get(answer, "action")), ""),
		    "accept") == 0 && json_is_true(json_object_get(content, "confirm"))) {
			exec_start(op);
			return;
		}
		mcp_call_fail(call, "%s was not run: the user did not confirm it",
		    tool_name(op));
		exec_op_free(op);
		return;
	}
	snprintf(msg, sizeof(msg), "%s %s: %zu step(s) will change the cluster%s. Plan hash "
	    "%.16s…. Proceed?", op->kind == EXEC_RUN ? "Run plan" : "Roll back execution",
	    op->target_id, json_array_size(json_object_get(op->plan, "steps")),
	    op->kind == EXEC_RUN ? " (each step is verified; a failure rolls back)" : "",
	    svc_str(hash, "?"));
	schema = json_pack("{s:s,s:{s:{s:s,s:s,s:s,s:b}},s:[s]}", "type", "object",
	    "properties", "confirm", "type", "boolean", "title", "Proceed",
	    "description", "Change the cluster as the plan says", "default", 0,
	    "required", "confirm");
	rc = mcp_call_elicit(call, msg, schema, exec_on_answer, op);
	json_decref(schema);
	if (rc == 0) {
		/* legacy: exec_on_answer runs later, unless the client cancels first */
		mcp_call_on_cancel(call, exec_on_cancel, op);
		return;
	}
	if (rc == MCP_ELICIT_INPUT_REQUIRED) {
		exec_op_free(op);	/* 2026: answered; the retry calls us again */
		return;
	}
	mcp_call_fail(call, "%s was not run: it needs the user's confirmation, and this "
	    "client cannot ask (no elicitation). Show the plan to the user and call again "
	    "with confirm set to the plan's hash (%s).", tool_name(op), svc_str(hash, "?"));
	exec_op_free(op);
}

static struct exec_op *
exec_op_new(struct coord_service *svc, struct mcp_call *call, json_t *args,
    enum exec_kind kind)
{
	struct exec_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->svc = svc;
	op->call = call;
	op->kind = kind;
	op->args = json_incref(args);
	op->dry_run = json_is_true(json_object_get(args, "dry_run"));
	op->progress = -1;
	return op;
}

void
svc_execute_plan(struct mcp_call *call, json_t *args, void *arg)
{
	struct coord_service *svc = arg;
	struct coord_store *st;
	struct exec_op *op;
	const char *plan_id = json_string_value(json_object_get(args, "plan_id"));
	char err[768];

	if ((st = svc_store(svc, err, sizeof(err))) == NULL) {
		mcp_call_fail(call, "%s", err);
		return;
	}
	if ((op = exec_op_new(svc, call, args, EXEC_RUN)) == NULL) {
		mcp_call_fail(call, "out of memory");
		return;
	}
	if (svc->opt.read_only && !op->dry_run) {
		mcp_call_fail(call, "execute_plan was not run: this server is --read-only; "
		    "only dry runs (dry_run: true) are allowed");
		exec_op_free(op);
		return;
	}
	if (plan_id == NULL || (op->plan = coord_store_plan_get(st, plan_id)) == NULL) {
		mcp_call_fail(call, "unknown plan_id %s: call plan_remediation and use the "
		    "plan_id it returns", svc_str(plan_id, "(none)"));
		exec_op_free(op);
		return;
	}
	if (json_is_true(json_object_get(op->plan, "refused"))) {
		mcp_call_fail(call, "plan %s was refused when it was made and cannot run; see "
		    "its refusal_reasons and plan again with the options they name", plan_id);
		exec_op_free(op);
		return;
	}
	if ((op->target_id = strdup(plan_id)) == NULL) {
		mcp_call_fail(call, "out of memory");
		exec_op_free(op);
		return;
	}
	exec_confirm(call, op);
}

void
svc_rollback_plan(struct mcp_call *call, json_t *args, void *arg)
{
	struct coord_service *svc = arg;
	struct coord_store *st;
	struct coord_exec *ex = NULL;
	struct exec_op *op;
	const char *exec_id = json_string_value(json_object_get(args, "execution_id"));
	const char *plan_id = json_string_value(json_object_get(args, "plan_id"));
	char err[768];

	if ((st = svc_store(svc, err, sizeof(err))) == NULL) {
		mcp_call_fail(call, "%s", err);
		return;
	}
	if (exec_id != NULL)
		ex = coord_store_exec_get(st, exec_id);
	else if (plan_id != NULL)
		ex = coord_store_exec_latest(st, plan_id);
	if (ex == NULL) {
		mcp_call_fail(call, "rollback_plan: %s %s has no execution to roll back",
		    exec_id != NULL ? "execution" : "plan",
		    svc_str(exec_id != NULL ? exec_id : plan_id, "(none given)"));
		return;
	}
	if ((op = exec_op_new(svc, call, args, EXEC_ROLLBACK)) == NULL ||
	    (op->target_id = strdup(coord_exec_id(ex))) == NULL) {
		if (op != NULL)
			exec_op_free(op);
		mcp_call_fail(call, "out of memory");
		return;
	}
	if (svc->opt.read_only && !op->dry_run) {
		mcp_call_fail(call, "rollback_plan was not run: this server is --read-only; "
		    "only dry runs (dry_run: true) are allowed");
		exec_op_free(op);
		return;
	}
	op->plan = json_deep_copy(coord_exec_plan(ex));
	if (op->plan == NULL) {
		mcp_call_fail(call, "rollback_plan: the journal of %s has no plan",
		    coord_exec_id(ex));
		exec_op_free(op);
		return;
	}
	exec_confirm(call, op);
}
