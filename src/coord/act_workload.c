/*
 * Workload actions on Deployments: rollout restart, rollout undo (kubectl's algorithm),
 * scale, memory limit, and their compensations (restore the recorded template exactly,
 * restore replicas).  Done means kubectl's rollout-status rules hold: observedGeneration
 * caught up, updated == replicas, no old replicas left, available == updated, and not
 * ProgressDeadlineExceeded.  Writes of whole objects use PUT with the resourceVersion
 * read, so a concurrent change answers 409 and the action re-reads and retries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_act.h"
#include "strata/util.h"

#define RESTARTED_AT	"kubectl.kubernetes.io/restartedAt"

bool
act_target_ref(const struct exec_task *t, struct kube_ref *ref)
{
	return exec_kind_ref(exec_jstr(t->spec, "target.kind"), exec_jstr(t->spec,
	    "target.namespace"), exec_jstr(t->spec, "target.name"), ref);
}

int
act_conflict_retry(struct exec_task *t, int phase, const char *what)
{
	if (++t->conflicts > ACT_MAX_CONFLICTS)
		return task_fail(t, "%s: still conflicting after %d re-reads", what,
		    ACT_MAX_CONFLICTS);
	t->phase = phase;
	return task_later(t, 0);
}

/* 1 complete, 0 in progress (why says what), -1 failed. */
int
act_rollout_status(struct exec_task *t, const json_t *d, char *why, size_t whylen)
{
	long long gen = exec_jint(d, "metadata.generation", 0);
	long long obs = exec_jint(d, "status.observedGeneration", 0);
	long long want = exec_jint(d, "spec.replicas", 1);
	long long upd = exec_jint(d, "status.updatedReplicas", 0);
	long long rep = exec_jint(d, "status.replicas", 0);
	long long av = exec_jint(d, "status.availableReplicas", 0);
	const char *pr = exec_cond_reason(d, "Progressing");

	(void)t;
	if (gen > obs) {
		snprintf(why, whylen, "waiting for the rollout to be observed");
		return 0;
	}
	if (pr && strcmp(pr, "ProgressDeadlineExceeded") == 0) {
		snprintf(why, whylen, "rollout exceeded its progress deadline");
		return -1;
	}
	if (upd < want) {
		snprintf(why, whylen, "%lld of %lld new replicas updated", upd, want);
		return 0;
	}
	if (rep > upd) {
		snprintf(why, whylen, "%lld old replicas pending termination", rep - upd);
		return 0;
	}
	if (av < upd) {
		snprintf(why, whylen, "%lld of %lld updated replicas available", av, upd);
		return 0;
	}
	return 1;
}

/* Shared tail: poll the Deployment until its rollout completes (phase P, P+1). */
static int
rollout_wait(struct exec_task *t, int p)
{
	struct kube_ref ref;
	char why[200];
	int v;

	act_target_ref(t, &ref);
	if (t->dry_run)
		return TASK_DONE;
	if (t->phase == p) {
		t->phase = p + 1;
		return task_get(t, &ref);
	}
	if (t->kerr.code != 0)
		return act_poll_again(t, p, "the Deployment to be readable");
	v = act_rollout_status(t, t->resp, why, sizeof(why));
	if (v > 0)
		return TASK_DONE;
	if (v < 0)
		return task_fail(t, "%s", why);
	json_object_set_new(t->scratch, "why", json_string(why));
	task_set_what(t, "waiting for the rollout of %s: %s", exec_jstr(t->spec,
	    "target.name"), why);
	return act_poll_again(t, p, why);
}

/*
 * A compensation's verification: the Deployment's template is the one written and the
 * controller has observed it.  Not "available": the recorded state being restored was
 * often the broken one, and a restore that demanded health would never verify.
 */
static int
restored_wait(struct exec_task *t, int p)
{
	struct kube_ref ref;

	act_target_ref(t, &ref);
	if (t->dry_run)
		return TASK_DONE;
	if (t->phase == p) {
		t->phase = p + 1;
		return task_get(t, &ref);
	}
	if (t->kerr.code == 0 && exec_jint(t->resp, "status.observedGeneration", 0) >=
	    exec_jint(t->resp, "metadata.generation", 0)) {
		if (!json_equal(exec_jget(t->resp, "spec.template"),
		    json_object_get(t->scratch, "written")))
			return task_fail(t, "the Deployment's template changed again after "
			    "the restore (someone else is writing it)");
		return TASK_DONE;
	}
	return act_poll_again(t, p, "the Deployment controller to observe the restored "
	    "template");
}

static bool
crashlooping(const json_t *pods)
{
	json_t *p, *cs;
	size_t i, j;

	json_array_foreach(pods, i, p)
		json_array_foreach(exec_jget(p, "status.containerStatuses"), j, cs) {
			const char *r = exec_jstr(cs, "state.waiting.reason");

			if (r && strcmp(r, "CrashLoopBackOff") == 0)
				return true;
		}
	return false;
}

enum { RS_GET, RS_GOT, RS_PODS, RS_PATCHED, RS_WAIT };

int
act_restart(struct exec_task *t)
{
	struct kube_ref ref;
	char sel[512], now[40];
	const char *only_if = json_string_value(json_object_get(t->params, "only_if"));

	if (!act_target_ref(t, &ref))
		return task_fail(t, "unknown target kind");
	switch (t->phase) {
	case RS_GET:
		t->phase = RS_GOT;
		return task_get(t, &ref);
	case RS_GOT:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the Deployment");
		if (json_is_true(exec_jget(t->resp, "spec.paused")))
			return task_fail(t, "deployment %s is paused; resume it first",
			    exec_jstr(t->spec, "target.name"));
		if (only_if && strcmp(only_if, "pods_crashlooping") == 0) {
			if (!exec_selector_string(exec_jget(t->resp, "spec.selector"), sel,
			    sizeof(sel)))
				return task_fail(t, "cannot express the Deployment's selector");
			t->phase = RS_PODS;
			return task_list(t, &KUBE_REF_POD(ref.namespace, NULL), sel, NULL);
		}
		goto restart;
	case RS_PODS:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "listing the Deployment's pods");
		if (!crashlooping(exec_jget(t->resp, "items"))) {
			t->skipped = true;
			json_object_set_new(t->detail, "skipped", json_string("no pod is "
			    "crash-looping any more: no restart needed"));
			return TASK_DONE;
		}
restart:
		exec_now_rfc3339(now);
		t->phase = RS_PATCHED;
		json_object_set_new(t->detail, "restartedAt", json_string(now));
		return task_patch(t, &ref, KUBE_PATCH_STRATEGIC, json_pack("{s:{s:{s:{s:{s:s}}}}}",
		    "spec", "template", "metadata", "annotations", RESTARTED_AT, now));
	case RS_PATCHED:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "restarting the Deployment");
		t->phase = RS_WAIT;
		/* FALLTHROUGH */
	default:
		return rollout_wait(t, RS_WAIT);
	}
}

/* kubectl rollout undo: the RS of the wanted revision, template without the hash. */
enum { UN_GET, UN_GOT, UN_RS, UN_PATCHED, UN_WAIT };

int
act_undo(struct exec_task *t)
{
	struct kube_ref ref;
	char sel[512];
	json_t *rs, *tpl;
	size_t i;
	long long want = exec_jint(t->params, "to_revision", 0);

	if (!act_target_ref(t, &ref))
		return task_fail(t, "unknown target kind");
	switch (t->phase) {
	case UN_GET:
		t->phase = UN_GOT;
		return task_get(t, &ref);
	case UN_GOT:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the Deployment");
		json_object_set(t->scratch, "dep", t->resp);
		if (!exec_selector_string(exec_jget(t->resp, "spec.selector"), sel, sizeof(sel)))
			return task_fail(t, "cannot express the Deployment's selector");
		t->phase = UN_RS;
		return task_list(t, &KUBE_REF_REPLICASET(ref.namespace, NULL), sel, NULL);
	case UN_RS: {
		const char *uid = exec_jstr(json_object_get(t->scratch, "dep"),
		    "metadata.uid");

		if (t->kerr.code != 0)
			return task_fail_kerr(t, "listing the ReplicaSets");
		tpl = NULL;
		json_array_foreach(exec_jget(t->resp, "items"), i, rs) {
			json_t *o;
			size_t j;
			bool owned = false;
			const char *rv = json_string_value(json_object_get(exec_jget(rs,
			    "metadata.annotations"), "deployment.kubernetes.io/revision"));

			json_array_foreach(exec_jget(rs, "metadata.ownerReferences"), j, o)
				if (json_is_true(json_object_get(o, "controller")) && uid &&
				    exec_jstr(o, "uid") && strcmp(exec_jstr(o, "uid"), uid) == 0)
					owned = true;
			if (owned && rv && atoll(rv) == want)
				tpl = json_deep_copy(exec_jget(rs, "spec.template"));
		}
		if (tpl == NULL)
			return task_fail(t, "unable to find specified revision %lld in history",
			    want);
		json_object_del(exec_jget(tpl, "metadata.labels"), "pod-template-hash");
		t->phase = UN_PATCHED;
		json_object_set_new(t->detail, "to_revision", json_integer(want));
		return task_patch(t, &ref, KUBE_PATCH_JSON, json_pack("[{s:s, s:s, s:o}]", "op",
		    "replace", "path", "/spec/template", "value", tpl));
	}
	case UN_PATCHED:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "rolling the Deployment back");
		t->phase = UN_WAIT;
		/* FALLTHROUGH */
	default:
		return rollout_wait(t, UN_WAIT);
	}
}

/* Scale (forward: params.replicas; compensation: the recorded replicas). */
static int
scale_to(struct exec_task *t, json_t *replicas)
{
	struct kube_ref ref;

	if (!act_target_ref(t, &ref))
		return task_fail(t, "unknown target kind");
	if (t->phase == 0) {
		if (!json_is_integer(replicas))
			return task_fail(t, "no replica count to scale to");
		t->phase = 1;
		json_object_set(t->detail, "replicas", replicas);
		return task_patch(t, &ref, KUBE_PATCH_MERGE, json_pack("{s:{s:O}}", "spec",
		    "replicas", replicas));
	}
	if (t->phase == 1) {
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "scaling");
		t->phase = 2;
		if (t->compensating) {
			json_t *w = json_deep_copy(exec_jget(t->resp, "spec.template"));

			json_object_set_new(t->scratch, "written", w ? w : json_null());
		}
	}
	return t->compensating ? restored_wait(t, 2) : rollout_wait(t, 2);
}

int
act_scale_deploy(struct exec_task *t)
{
	return scale_to(t, json_object_get(t->params, "replicas"));
}

int
act_restore_replicas(struct exec_task *t)
{
	return scale_to(t, json_object_get(t->params, "replicas"));
}

/*
 * GET, change, PUT with the resourceVersion read (409 → re-read), then wait for the
 * rollout.  Used by set_memory_limit and by the template compensations.
 */
enum { PT_GET, PT_GOT, PT_PUT, PT_WAIT };

static int
modify_template(struct exec_task *t, bool (*change)(struct exec_task *t, json_t *dep))
{
	struct kube_ref ref;
	json_t *dep;

	if (!act_target_ref(t, &ref))
		return task_fail(t, "unknown target kind");
	switch (t->phase) {
	case PT_GET:
		t->phase = PT_GOT;
		return task_get(t, &ref);
	case PT_GOT:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the Deployment");
		dep = json_deep_copy(t->resp);
		if (dep == NULL)
			return task_fail(t, "out of memory");
		if (!change(t, dep)) {
			json_decref(dep);
			return TASK_FAIL;
		}
		json_object_del(dep, "status");
		json_object_set(t->scratch, "written", exec_jget(dep, "spec.template"));
		t->phase = PT_PUT;
		{
			int rc = task_replace(t, &ref, dep);

			json_decref(dep);
			return rc;
		}
	case PT_PUT:
		if (t->kerr.code != 0 && t->kerr.http_status == 409)
			return act_conflict_retry(t, PT_GET, "writing the Deployment");
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "writing the Deployment");
		t->phase = PT_WAIT;
		/* FALLTHROUGH */
	default:
		return t->compensating ? restored_wait(t, PT_WAIT) :
		    rollout_wait(t, PT_WAIT);
	}
}

static bool
change_memory(struct exec_task *t, json_t *dep)
{
	const char *cn = json_string_value(json_object_get(t->params, "container"));
	const char *lim = json_string_value(json_object_get(t->params, "memory_limit"));
	json_t *c;
	size_t i;

	json_array_foreach(exec_jget(dep, "spec.template.spec.containers"), i, c) {
		json_t *res, *l;

		if (cn == NULL || lim == NULL || !exec_jstr(c, "name") ||
		    strcmp(exec_jstr(c, "name"), cn) != 0)
			continue;
		if (!json_is_object(res = json_object_get(c, "resources")))
			json_object_set_new(c, "resources", res = json_object());
		if (!json_is_object(l = json_object_get(res, "limits")))
			json_object_set_new(res, "limits", l = json_object());
		json_object_set_new(l, "memory", json_string(lim));
		json_object_set_new(t->detail, "memory_limit", json_string(lim));
		return true;
	}
	task_fail(t, "container %s not found in the Deployment", cn ? cn : "(none)");
	return false;
}

int
act_memory(struct exec_task *t)
{
	return modify_template(t, change_memory);
}

/*
 * Compensation: the pod template back to what was recorded.  restore_template carries the
 * whole recorded template; restore_template_annotation one annotation's value (null:
 * absent).  When the before-state holds the template's annotations map, that whole map is
 * restored, so the template equals the recorded one exactly.
 */
static bool
change_restore(struct exec_task *t, json_t *dep)
{
	json_t *tpl = json_object_get(t->params, "template");
	const char *ann = json_string_value(json_object_get(t->params, "annotation"));
	const json_t *obj = act_before_object(t->before, t->spec, NULL);
	json_t *rec_ann = act_ptr_get(obj, "/spec/template/metadata/annotations");
	json_t *md;

	if (json_is_object(tpl)) {
		json_object_set(json_object_get(dep, "spec"), "template", tpl);
		return true;
	}
	if (ann == NULL) {
		task_fail(t, "no recorded template to restore");
		return false;
	}
	md = exec_jget(dep, "spec.template.metadata");
	if (!json_is_object(md)) {
		task_fail(t, "the Deployment has no pod template metadata");
		return false;
	}
	if (json_is_object(rec_ann))
		json_object_set_new(md, "annotations", json_deep_copy(rec_ann));
	else if (obj != NULL && json_is_object(json_object_get(md, "annotations")))
		json_object_del(json_object_get(md, "annotations"), ann);
	if (obj == NULL) {
		json_t *v = json_object_get(t->params, "value");

		if (!json_is_object(json_object_get(md, "annotations")))
			json_object_set_new(md, "annotations", json_object());
		if (json_is_string(v))
			json_object_set(json_object_get(md, "annotations"), ann, v);
		else
			json_object_del(json_object_get(md, "annotations"), ann);
	}
	if (json_object_size(json_object_get(md, "annotations")) == 0)
		json_object_del(md, "annotations");
	return true;
}

int
act_restore_template(struct exec_task *t)
{
	return modify_template(t, change_restore);
}

int
act_wait_workload(struct exec_task *t)
{
	if (t->phase == 0)
		t->phase = 10;
	return rollout_wait(t, 10);
}
