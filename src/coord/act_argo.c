/*
 * Argo CD through the Kubernetes API only (reference k8s-api.md §8): a sync or a rollback
 * is an `operation` set on the Application with a merge patch carrying the
 * resourceVersion read (409 → re-read), refused while another operation is pending.
 * Rollback = a sync to the history entry's revision/source with automated sync turned off
 * first (Argo CD would sync straight back otherwise).  Done when the controller removed
 * `operation`, operationState.phase is Succeeded and the app is Synced and Healthy.
 * The compensation rolls back to the history id recorded before the step, then puts the
 * recorded spec.syncPolicy back exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_act.h"
#include "strata/util.h"

enum { AG_GET, AG_GOT, AG_PATCHED, AG_POLL, AG_POLLED, AG_POLICY, AG_POLICY_DONE };
enum argo_mode { ARGO_SYNC, ARGO_ROLLBACK, ARGO_RESTORE };

static bool
is(const char *v, const char *want)
{
	return v != NULL && strcmp(v, want) == 0;
}

static json_t *
history_entry(const json_t *app, long long id)
{
	json_t *h;
	size_t i;

	json_array_foreach(exec_jget(app, "status.history"), i, h)
		if (json_integer_value(json_object_get(h, "id")) == id)
			return h;
	return NULL;
}

static int
argo_run(struct exec_task *t, enum argo_mode mode)
{
	struct kube_ref ref;
	json_t *patch, *op, *h;
	long long id = exec_jint(t->params, "id", -1);
	const char *ph;

	act_target_ref(t, &ref);
	switch (t->phase) {
	case AG_GET:
		t->phase = AG_GOT;
		return task_get(t, &ref);
	case AG_GOT:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the Argo CD Application");
		if (json_object_get(t->resp, "operation") != NULL)
			return task_fail(t, "another operation is already in progress on "
			    "Application %s", exec_jstr(t->spec, "target.name"));
		if (mode == ARGO_SYNC)
			op = json_pack("{s:{s:s}, s:{s:s, s:b}}", "initiatedBy", "username",
			    "strata", "sync", "revision", exec_jstr(t->params, "revision") ?
			    exec_jstr(t->params, "revision") : "HEAD", "prune",
			    json_is_true(json_object_get(t->params, "prune")));
		else {
			if ((h = history_entry(t->resp, id)) == NULL)
				return task_fail(t, "Application %s has no history id %lld",
				    exec_jstr(t->spec, "target.name"), id);
			op = json_pack("{s:{s:s}, s:{s:O?, s:O?, s:O?, s:O?, s:b, s:{s:{}}}}",
			    "initiatedBy", "username", "strata", "sync", "revision",
			    json_object_get(h, "revision"), "revisions",
			    json_object_get(h, "revisions"), "source",
			    json_object_get(h, "source"), "sources",
			    json_object_get(h, "sources"), "prune",
			    json_is_true(json_object_get(t->params, "prune")), "syncStrategy",
			    "apply");
			json_object_set_new(t->detail, "history_id", json_integer(id));
		}
		patch = json_pack("{s:{s:O}, s:o}", "metadata", "resourceVersion",
		    exec_jget(t->resp, "metadata.resourceVersion"), "operation", op);
		/* Argo CD refuses a rollback while automated sync is on */
		if (mode != ARGO_SYNC && exec_jget(t->resp, "spec.syncPolicy.automated"))
			json_object_set_new(patch, "spec", json_pack("{s:{s:n}}", "syncPolicy",
			    "automated"));
		t->phase = AG_PATCHED;
		return task_patch(t, &ref, KUBE_PATCH_MERGE, patch);
	case AG_PATCHED:
		if (t->kerr.code != 0 && t->kerr.http_status == 409)
			return act_conflict_retry(t, AG_GET, "setting the Argo CD operation");
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "setting the Argo CD operation");
		if (t->dry_run)
			return TASK_DONE;
		/* FALLTHROUGH */
	case AG_POLL:
		t->phase = AG_POLLED;
		return task_get(t, &ref);
	case AG_POLLED:
		if (t->kerr.code != 0)
			return act_poll_again(t, AG_POLL, "the Application to be readable");
		ph = exec_jstr(t->resp, "status.operationState.phase");
		if (json_object_get(t->resp, "operation") == NULL &&
		    (is(ph, "Failed") || is(ph, "Error")))
			return task_fail(t, "Argo CD operation %s: %s", ph,
			    exec_jstr(t->resp, "status.operationState.message") ?
			    exec_jstr(t->resp, "status.operationState.message") : "");
		if (json_object_get(t->resp, "operation") != NULL || !is(ph, "Succeeded") ||
		    !is(exec_jstr(t->resp, "status.health.status"), "Healthy") ||
		    (mode == ARGO_SYNC && !is(exec_jstr(t->resp, "status.sync.status"),
		    "Synced")))
			return act_poll_again(t, AG_POLL, "the Argo CD operation to finish "
			    "with the app Synced and Healthy");
		if (mode != ARGO_RESTORE)
			return TASK_DONE;
		/* FALLTHROUGH */
	case AG_POLICY: {
		json_t *sp = json_object_get(t->params, "sync_policy");

		t->phase = AG_POLICY_DONE;
		if (json_is_object(sp))
			patch = json_pack("[{s:s, s:s, s:O}]", "op", "add", "path",
			    "/spec/syncPolicy", "value", sp);
		else if (exec_jget(t->resp, "spec.syncPolicy") != NULL)
			patch = json_pack("[{s:s, s:s}]", "op", "remove", "path",
			    "/spec/syncPolicy");
		else
			return TASK_DONE;
		return task_patch(t, &ref, KUBE_PATCH_JSON, patch);
	}
	case AG_POLICY_DONE:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "restoring the Application's sync policy");
		return TASK_DONE;
	default:
		return task_fail(t, "argo: bad state");
	}
}

int
act_argo_sync(struct exec_task *t)
{
	return argo_run(t, ARGO_SYNC);
}

int
act_argo_rollback(struct exec_task *t)
{
	return argo_run(t, ARGO_ROLLBACK);
}

int
act_argo_restore(struct exec_task *t)
{
	return argo_run(t, ARGO_RESTORE);
}
