/*
 * Infrastructure and platform actions: MachineConfigPool pause/unpause (and restoring the
 * recorded spec.paused), MachineConfig rollback by deletion (and recreation from the
 * recorded object), waiting for an MCO rollout (oc get mcp's "done": Updated, not
 * Updating, not Degraded, updated == ready == machineCount, status.configuration ==
 * spec.configuration), waiting for a ClusterOperator, replacing a Machine (irreversible)
 * and scaling a MachineSet (and scaling it back).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_act.h"
#include "strata/util.h"

static bool
is(const char *v, const char *want)
{
	return v != NULL && strcmp(v, want) == 0;
}

bool
act_pool_done(const json_t *p, char *why, size_t whylen)
{
	long long mc = exec_jint(p, "status.machineCount", -1);
	long long up = exec_jint(p, "status.updatedMachineCount", -2);
	long long rd = exec_jint(p, "status.readyMachineCount", -3);
	long long dg = exec_jint(p, "status.degradedMachineCount", 0);
	const char *sc = exec_jstr(p, "spec.configuration.name");
	const char *cc = exec_jstr(p, "status.configuration.name");

	if (!is(exec_cond(p, "Degraded"), "False") && exec_cond(p, "Degraded") != NULL) {
		snprintf(why, whylen, "pool is Degraded");
		return false;
	}
	if (dg > 0) {
		snprintf(why, whylen, "%lld machine(s) degraded", dg);
		return false;
	}
	if (!is(exec_cond(p, "Updated"), "True") || is(exec_cond(p, "Updating"), "True")) {
		snprintf(why, whylen, "pool is updating: %lld of %lld machines updated, %lld "
		    "ready", up < 0 ? 0 : up, mc < 0 ? 0 : mc, rd < 0 ? 0 : rd);
		return false;
	}
	if (mc != up || mc != rd) {
		snprintf(why, whylen, "%lld of %lld machines updated, %lld ready", up, mc, rd);
		return false;
	}
	if (sc && cc && strcmp(sc, cc) != 0) {
		snprintf(why, whylen, "pool runs %s, target is %s", cc, sc);
		return false;
	}
	return true;
}

/* Merge-patch one field of the target then check it in the answer. */
static int
patch_field(struct exec_task *t, const char *section, const char *field, json_t *value,
    const char *what)
{
	struct kube_ref ref;

	if (!act_target_ref(t, &ref)) {
		json_decref(value);
		return task_fail(t, "unknown target kind");
	}
	if (t->phase == 0) {
		t->phase = 1;
		json_object_set(t->detail, field, value);
		return task_patch(t, &ref, KUBE_PATCH_MERGE, json_pack("{s:{s:o}}", section,
		    field, value));
	}
	json_decref(value);
	if (t->kerr.code != 0)
		return task_fail_kerr(t, what);
	return TASK_DONE;
}

int
act_pause_mcp(struct exec_task *t)
{
	return patch_field(t, "spec", "paused", json_true(), "pausing the pool");
}

int
act_unpause_mcp(struct exec_task *t)
{
	return patch_field(t, "spec", "paused", json_false(), "unpausing the pool");
}

int
act_restore_paused(struct exec_task *t)
{
	return patch_field(t, "spec", "paused", json_boolean(json_is_true(
	    json_object_get(t->params, "paused"))), "restoring the pool's paused flag");
}

/* Delete the MachineConfig; done once it is gone and the pool no longer lists it. */
enum { MC_DEL, MC_DELETED, MC_POLL, MC_POLLED, MC_POOL, MC_POOLED };

int
act_rollback_mc(struct exec_task *t)
{
	struct kube_ref ref;
	const char *pool = exec_jstr(t->params, "pool"), *mc = exec_jstr(t->spec,
	    "target.name");
	json_t *s;
	size_t i;

	act_target_ref(t, &ref);
	switch (t->phase) {
	case MC_DEL:
		t->phase = MC_DELETED;
		return task_delete(t, &ref, NULL);
	case MC_DELETED:
		if (t->kerr.code != 0 && t->kerr.http_status != 404)
			return task_fail_kerr(t, "deleting the MachineConfig");
		json_object_set_new(t->detail, "deleted", json_string(mc));
		if (t->dry_run)
			return TASK_DONE;
		/* FALLTHROUGH */
	case MC_POLL:
		t->phase = MC_POLLED;
		return task_get(t, &ref);
	case MC_POLLED:
		if (t->kerr.http_status != 404)
			return act_poll_again(t, MC_POLL, "the MachineConfig to be gone");
		if (pool == NULL)
			return TASK_DONE;
		/* FALLTHROUGH */
	case MC_POOL:
		t->phase = MC_POOLED;
		return task_get(t, &KUBE_REF_MCP(pool));
	case MC_POOLED:
		if (t->kerr.code != 0)
			return act_poll_again(t, MC_POOL, "the pool to be readable");
		json_array_foreach(exec_jget(t->resp, "spec.configuration.source"), i, s)
			if (is(exec_jstr(s, "name"), mc))
				return act_poll_again(t, MC_POOL, "the pool to re-render "
				    "without the MachineConfig");
		json_object_set_new(t->detail, "rendered", json_string(exec_jstr(t->resp,
		    "spec.configuration.name") ? exec_jstr(t->resp,
		    "spec.configuration.name") : ""));
		return TASK_DONE;
	default:
		return task_fail(t, "rollback_machineconfig: bad state");
	}
}

/* Compensation: recreate the recorded MachineConfig (AlreadyExists with the same spec is
 * fine). */
int
act_restore_mc(struct exec_task *t)
{
	struct kube_ref ref;
	json_t *obj = json_object_get(t->params, "object"), *body, *md;
	static const char *drop[] = { "resourceVersion", "uid", "creationTimestamp",
	    "generation", "managedFields", "selfLink", "deletionTimestamp" };
	size_t i;
	int rc;

	act_target_ref(t, &ref);
	if (t->phase == 0) {
		if (!json_is_object(obj))
			return task_fail(t, "no recorded MachineConfig to recreate");
		body = json_deep_copy(obj);
		md = json_object_get(body, "metadata");
		for (i = 0; i < STRATA_ARRAY_LEN(drop); i++)
			json_object_del(md, drop[i]);
		json_object_del(body, "status");
		ref.name = NULL;
		t->phase = 1;
		rc = task_create(t, &ref, body);
		json_decref(body);
		return rc;
	}
	if (t->phase == 1) {
		if (t->kerr.code != 0 && t->kerr.http_status != 409)
			return task_fail_kerr(t, "recreating the MachineConfig");
		if (t->kerr.code == 0)
			return TASK_DONE;
		t->phase = 2;
		return task_get(t, &ref);
	}
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "reading the MachineConfig");
	if (!json_equal(exec_jget(t->resp, "spec"), exec_jget(obj, "spec")))
		return task_fail(t, "a different MachineConfig %s exists now; not replaced",
		    exec_jstr(t->spec, "target.name"));
	t->skipped = true;
	return TASK_DONE;
}

int
act_wait_mco(struct exec_task *t)
{
	struct kube_ref ref;
	char why[600];

	if (t->dry_run)
		return TASK_DONE;
	act_target_ref(t, &ref);
	if (t->phase == 0) {
		t->phase = 1;
		return task_get(t, &ref);
	}
	if (t->kerr.code == 0 && act_pool_done(t->resp, why, sizeof(why)))
		return TASK_DONE;
	if (t->kerr.code != 0)
		snprintf(why, sizeof(why), "%s", t->kerr.message);
	task_set_what(t, "waiting for pool %s: %s", exec_jstr(t->spec, "target.name"), why);
	return act_poll_again(t, 0, why);
}

int
act_wait_co(struct exec_task *t)
{
	struct kube_ref ref;

	if (t->dry_run)
		return TASK_DONE;
	act_target_ref(t, &ref);
	if (t->phase == 0) {
		t->phase = 1;
		return task_get(t, &ref);
	}
	if (t->kerr.code == 0 && is(exec_cond(t->resp, "Available"), "True") &&
	    !is(exec_cond(t->resp, "Degraded"), "True") &&
	    !is(exec_cond(t->resp, "Progressing"), "True"))
		return TASK_DONE;
	return act_poll_again(t, 0, "the ClusterOperator to be Available, not Progressing, "
	    "not Degraded");
}

/*
 * Irreversible: delete the Machine; its MachineSet provisions a replacement.  Done when
 * the old Machine is gone and the set has spec.replicas Machines Running with a Node —
 * counted from the Machines themselves, not from the set's status counters, which lag
 * the deletion.
 */
int
act_replace_machine(struct exec_task *t)
{
	struct kube_ref ref, ms;
	const char *msn = exec_jstr(t->params, "machineset");
	const char *old = exec_jstr(t->spec, "target.name");
	char sel[400];
	json_t *m;
	size_t i;
	long long running = 0;

	act_target_ref(t, &ref);
	switch (t->phase) {
	case 0:
		t->phase = 1;
		return task_delete(t, &ref, NULL);
	case 1:
		if (t->kerr.code != 0 && t->kerr.http_status != 404)
			return task_fail_kerr(t, "deleting the Machine");
		if (t->dry_run)
			return TASK_DONE;
		/* FALLTHROUGH */
	case 2:
		t->phase = 3;
		return task_get(t, &ref);
	case 3:
		if (t->kerr.http_status != 404)
			return act_poll_again(t, 2, "the old Machine to be deleted");
		if (msn == NULL)
			return TASK_DONE;
		/* FALLTHROUGH */
	case 4:
		exec_kind_ref("MachineSet", ref.namespace, msn, &ms);
		t->phase = 5;
		return task_get(t, &ms);
	case 5:
		if (t->kerr.code != 0)
			return act_poll_again(t, 4, "the MachineSet to be readable");
		json_object_set_new(t->scratch, "want", json_integer(exec_jint(t->resp,
		    "spec.replicas", 1)));
		if (!exec_selector_string(exec_jget(t->resp, "spec.selector"), sel,
		    sizeof(sel)))
			return task_fail(t, "cannot express the MachineSet's selector");
		exec_kind_ref("Machine", ref.namespace, NULL, &ms);
		t->phase = 6;
		return task_list(t, &ms, sel, NULL);
	case 6:
		if (t->kerr.code != 0)
			return act_poll_again(t, 4, "the MachineSet's Machines to be listed");
		json_array_foreach(exec_jget(t->resp, "items"), i, m) {
			const char *n = exec_jstr(m, "metadata.name"), *ph = exec_jstr(m,
			    "status.phase");

			if (n && old && strcmp(n, old) != 0 && ph && strcmp(ph, "Running") ==
			    0 && exec_jstr(m, "status.nodeRef.name") != NULL &&
			    exec_jstr(m, "metadata.deletionTimestamp") == NULL)
				running++;
		}
		if (running >= json_integer_value(json_object_get(t->scratch, "want")))
			return TASK_DONE;
		task_set_what(t, "waiting for the replacement Machine: %lld of %lld Running",
		    running, (long long)json_integer_value(json_object_get(t->scratch,
		    "want")));
		return act_poll_again(t, 4, "the MachineSet's replacement to be Running");
	default:
		return task_fail(t, "replace_machine: bad state");
	}
}

static int
ms_scale(struct exec_task *t, json_t *replicas)
{
	struct kube_ref ref;

	act_target_ref(t, &ref);
	switch (t->phase) {
	case 0:
		if (!json_is_integer(replicas))
			return task_fail(t, "no replica count to scale to");
		json_object_set(t->scratch, "want", replicas);
		t->phase = 1;
		return task_patch(t, &ref, KUBE_PATCH_MERGE, json_pack("{s:{s:O}}", "spec",
		    "replicas", replicas));
	case 1:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "scaling the MachineSet");
		if (t->dry_run)
			return TASK_DONE;
		/* FALLTHROUGH */
	case 2:
		t->phase = 3;
		return task_get(t, &ref);
	default:
		if (t->kerr.code == 0 && exec_jint(t->resp, "status.readyReplicas", 0) ==
		    json_integer_value(json_object_get(t->scratch, "want")))
			return TASK_DONE;
		return act_poll_again(t, 2, "the MachineSet's machines to be ready");
	}
}

int
act_scale_machineset(struct exec_task *t)
{
	return ms_scale(t, json_object_get(t->params, "replicas"));
}

int
act_restore_ms_replicas(struct exec_task *t)
{
	return ms_scale(t, json_object_get(t->params, "replicas"));
}
