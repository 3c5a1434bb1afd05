/*
 * Application-layer remedies, chosen by how the workload is deployed: Argo CD ones are
 * fixed through Argo CD (a direct patch would be reverted), operator-managed ones are left
 * to their operator and verified, Helm and manual ones are acted on directly.  Then what
 * the symptoms of every layer still need: checks scoped to them, and optional restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

struct workload {
	const char	*kind, *ns, *name;
	json_t		*obj;		/* live Deployment, or NULL */
};

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Resolves a Pod or ReplicaSet to its top workload through the live owner chain. */
static void
workload_resolve(struct plan_ctx *c, const char *kind, const char *ns, const char *name,
    const json_t *hint, struct workload *w)
{
	const json_t *ref;
	json_t *t, *o;
	size_t i;

	w->kind = kind;
	w->ns = ns;
	w->name = name;
	json_array_foreach(json_object_get(hint, "targets"), i, t) {
		const char *k = json_string_value(json_object_get(t, "kind"));

		if (streq(k, "Deployment") || streq(k, "StatefulSet")) {
			w->kind = k;
			w->ns = json_string_value(json_object_get(t, "namespace"));
			w->name = json_string_value(json_object_get(t, "name"));
			break;
		}
	}
	if (streq(w->kind, "Pod") && (o = plan_find(c->live.pods, ns, name)) != NULL &&
	    (ref = plan_controller_ref(o)) != NULL) {
		w->kind = json_string_value(json_object_get(ref, "kind"));
		w->name = json_string_value(json_object_get(ref, "name"));
	}
	if (streq(w->kind, "ReplicaSet") &&
	    (o = plan_find(c->live.replicasets, w->ns, w->name)) != NULL &&
	    (ref = plan_controller_ref(o)) != NULL) {
		w->kind = json_string_value(json_object_get(ref, "kind"));
		w->name = json_string_value(json_object_get(ref, "name"));
	}
	w->obj = streq(w->kind, "Deployment") ?
	    plan_find(c->live.deployments, w->ns, w->name) : NULL;
}

static json_t *
app_of(struct plan_ctx *c, const struct workload *w, const json_t *hint, char *buf,
    size_t bufsz)
{
	json_t *t, *md;
	const char *n = NULL, *tid;
	size_t i;

	json_array_foreach(json_object_get(hint, "targets"), i, t)
		if (streq(json_string_value(json_object_get(t, "kind")), "Application"))
			n = json_string_value(json_object_get(t, "name"));
	if (n == NULL && (t = plan_app_for(&c->live, w->kind, w->ns, w->name)))
		return t;
	md = json_object_get(w->obj, "metadata");
	if (n == NULL && (tid = json_string_value(json_object_get(json_object_get(md,
	    "annotations"), "argocd.argoproj.io/tracking-id"))) != NULL) {
		const char *colon = strchr(tid, ':');
		size_t len = colon ? (size_t)(colon - tid) : strlen(tid);

		if (len < bufsz) {
			memcpy(buf, tid, len);
			buf[len] = '\0';
			n = buf;
		}
	}
	if (n == NULL)
		n = json_string_value(json_object_get(json_object_get(md, "labels"),
		    "argocd.argoproj.io/instance"));
	return n ? plan_find(c->live.apps, NULL, n) : NULL;
}

static int
add(struct plan_ctx *c, const struct plan_root *r, const char *action,
    const char *kind, const char *ns, const char *name, json_t *params, bool required)
{
	return plan_step_add(c, PL_APP, plan_step_new(c, action, kind, ns, name, params),
	    required, r ? plan_addr(r) : json_array());
}

static int
workload_checks(struct plan_ctx *c, const struct workload *w)
{
	int64_t pd = plan_int(w->obj, "spec.progressDeadlineSeconds", 600);
	int rc = 0;

	if (streq(w->kind, "Deployment"))
		rc = plan_check_add(c, PL_APP, "deployment_available", w->kind, w->ns,
		    w->name, plan_timeout(c, "deployment_available", (int)pd + 60),
		    "rollout complete and every replica available");
	if (rc == 0)
		rc = plan_check_add(c, PL_APP, "pods_running", w->kind, w->ns, w->name,
		    plan_timeout(c, "pods_running", 300), "the workload's pods are "
		    "Running and Ready");
	return rc;
}

static int
argo_remedy(struct plan_ctx *c, const struct plan_root *r, const struct workload *w)
{
	char buf[256];
	json_t *app = app_of(c, w, r->hint, buf, sizeof(buf));
	const char *an, *ans;
	int64_t prev;
	bool automated;
	int rc;

	if (app == NULL)
		return plan_unaddressed(c, r, "%s %s/%s is managed by Argo CD but its "
		    "Application is not in the plan context; a direct change would be "
		    "reverted, so nothing is planned", w->kind, w->ns, w->name);
	an = plan_str(app, "metadata.name");
	ans = plan_str(app, "metadata.namespace");
	if (plan_target_seen(c, "Application", ans, an))
		return 0;
	if (r->family == F_APP_OOM)
		return plan_unaddressed(c, r, "the memory limit of %s/%s lives in Argo CD "
		    "Application %s's source: raise it in Git, then sync", w->ns, w->name,
		    an);
	prev = plan_app_prev_history(app);
	automated = json_object_get(json_object_get(json_object_get(app, "spec"),
	    "syncPolicy"), "automated") != NULL;
	if (prev >= 0 && r->family != F_ARGO)
		rc = add(c, r, "argocd_rollback", "Application", ans, an,
		    json_pack("{s:I, s:b, s:b, s:s*}", "id", (json_int_t)prev,
		    "disable_auto_sync", automated, "prune", 0,
		    "destination_namespace", w->ns), true);
	else if (r->family == F_APP_CONFIG && prev < 0)
		return plan_unaddressed(c, r, "%s/%s lacks configuration and Argo CD "
		    "Application %s has no earlier revision to return to: fix the source",
		    w->ns, w->name, an);
	else
		rc = add(c, r, "argocd_sync", "Application", ans, an,
		    json_pack("{s:s, s:b, s:s*}", "revision", "HEAD", "prune", 0,
		    "destination_namespace", w->ns), true);
	if (rc == 0 && automated && prev >= 0 && r->family != F_ARGO)
		plan_risk(c, "info", "auto_sync_disabled", NULL, "Argo CD automated sync "
		    "of %s is turned off for the rollback (Argo CD refuses a rollback "
		    "otherwise); re-enable it once Git holds the fix", an);
	if (rc == 0)
		rc = plan_check_add(c, PL_APP, "argocd_app_healthy", "Application", ans,
		    an, plan_timeout(c, "argocd_app_healthy", 600), "the Application is "
		    "Synced and Healthy");
	return rc;
}

static int
oom_remedy(struct plan_ctx *c, const struct plan_root *r, const struct workload *w)
{
	json_t *ctrs = json_object_get(json_object_get(json_object_get(json_object_get(
	    w->obj, "spec"), "template"), "spec"), "containers"), *ct, *pick = NULL;
	const char *want = json_string_value(json_object_get(json_object_get(r->hint,
	    "params"), "container"));
	int64_t lim = -1;
	char buf[32];
	size_t i;

	json_array_foreach(ctrs, i, ct) {
		const char *cn = json_string_value(json_object_get(ct, "name"));
		const char *l = plan_str(ct, "resources.limits.memory");

		if ((want && streq(cn, want)) || (want == NULL && l && pick == NULL)) {
			pick = ct;
			lim = strata_quantity_bytes(l);
		}
	}
	if (pick == NULL && want && (lim = strata_quantity_bytes(json_string_value(
	    json_object_get(json_object_get(r->hint, "params"), "current_limit")))) > 0) {
		/* Not in the live context: the detection saw the limit on the pods. */
		snprintf(buf, sizeof(buf), "%lldMi", (long long)((lim * 2 + 1048575) /
		    1048576));
		return add(c, r, "set_memory_limit", w->kind, w->ns, w->name,
		    json_pack("{s:s, s:s, s:O?}", "container", want, "memory_limit", buf,
		    "previous", json_object_get(json_object_get(r->hint, "params"),
		    "current_limit")), true);
	}
	if (pick == NULL || lim <= 0)
		return plan_unaddressed(c, r, "%s/%s is OOMKilled but its container memory "
		    "limit is not in the plan context; raise the limit by hand", w->ns,
		    w->name);
	snprintf(buf, sizeof(buf), "%lldMi", (long long)((lim * 2 + 1048575) / 1048576));
	return add(c, r, "set_memory_limit", w->kind, w->ns, w->name,
	    json_pack("{s:s, s:s, s:s?}", "container", plan_str(pick, "name"),
	    "memory_limit", buf, "previous", plan_str(pick, "resources.limits.memory")),
	    true);
}

static int
direct_remedy(struct plan_ctx *c, const struct plan_root *r, const struct workload *w,
    const char *method)
{
	int64_t prev;
	int rc;

	if (!streq(w->kind, "Deployment"))
		return plan_unaddressed(c, r, "%s %s/%s: only Deployments are rolled back "
		    "or restarted automatically", w->kind, w->ns, w->name);
	if (streq(method, "helm"))
		plan_risk(c, "warning", "helm_drift", NULL, "Deployment %s/%s belongs to "
		    "a Helm release: the next helm upgrade re-applies the chart; fix its "
		    "values too", w->ns, w->name);
	else if (!streq(method, "manual"))
		plan_risk(c, "warning", "method_unknown", NULL, "how Deployment %s/%s is "
		    "deployed is unknown; if a GitOps tool or an operator manages it, the "
		    "change may be reverted", w->ns, w->name);
	if (r->family == F_APP_OOM)
		return oom_remedy(c, r, w);
	prev = plan_deploy_prev_revision(&c->live, w->obj);
	if (prev <= 0 && json_is_string(json_object_get(json_object_get(r->hint, "params"),
	    "good_revision")))
		prev = strtoll(json_string_value(json_object_get(json_object_get(r->hint,
		    "params"), "good_revision")), NULL, 10);
	if (prev > 0)
		rc = add(c, r, "rollout_undo", w->kind, w->ns, w->name,
		    json_pack("{s:I}", "to_revision", (json_int_t)prev), true);
	else if (r->family == F_APP_CRASH)
		rc = add(c, r, "restart_deployment", w->kind, w->ns, w->name,
		    json_object(), true);
	else
		return plan_unaddressed(c, r, "%s/%s has no earlier revision to roll back "
		    "to: %s", w->ns, w->name, r->family == F_APP_CONFIG ? "create the "
		    "missing ConfigMap/Secret or fix the reference" : "fix its image or "
		    "spec");
	return rc;
}

static int
workload_remedy(struct plan_ctx *c, const struct plan_root *r)
{
	struct workload w;
	const char *method;
	int rc;

	workload_resolve(c, r->kind, r->ns, r->name, r->hint, &w);
	if (w.kind == NULL || w.name == NULL)
		return plan_unaddressed(c, r, "cannot tell which workload owns %s",
		    r->name ? r->name : "the finding");
	if (plan_target_seen(c, w.kind, w.ns, w.name))
		return 0;
	method = plan_method_of(c, w.kind, w.ns, w.name, r->hint);
	plan_applied(c, "deployment_method", "%s %s/%s is deployed by %s", w.kind, w.ns,
	    w.name, method);
	if (streq(method, "argocd"))
		rc = argo_remedy(c, r, &w);
	else if (streq(method, "operator")) {
		rc = add(c, r, "wait_workload", w.kind, w.ns, w.name,
		    json_pack("{s:s}", "managed_by", "operator"), true);
		if (rc == 0)
			rc = plan_risk(c, "info", "operator_managed", NULL, "%s %s/%s is "
			    "managed by an operator: it is left to the operator and "
			    "verified; if it stays broken, fix the operator's custom "
			    "resource", w.kind, w.ns, w.name);
	} else
		rc = direct_remedy(c, r, &w, method);
	return rc < 0 ? rc : workload_checks(c, &w);
}

int
plan_remedy_app(struct plan_ctx *c, const struct plan_root *r)
{
	struct workload w = { r->kind, r->ns, r->name, NULL };
	json_t *app;
	int rc;

	switch (r->family) {
	case F_ARGO:
		if ((app = plan_find(c->live.apps, r->ns, r->name)) == NULL)
			return plan_unaddressed(c, r, "Argo CD Application %s is not in the "
			    "plan context", r->name);
		if (plan_target_seen(c, "Application", r->ns, r->name))
			return 0;
		if (plan_app_prev_history(app) >= 0 && plan_contains_ci(plan_str(app,
		    "status.health.status"), "degraded") &&
		    !plan_contains_ci(plan_str(app, "status.sync.status"), "outofsync"))
			rc = add(c, r, "argocd_rollback", "Application", r->ns, r->name,
			    json_pack("{s:I, s:b, s:b, s:s*}", "id",
			    (json_int_t)plan_app_prev_history(app), "disable_auto_sync",
			    json_object_get(json_object_get(json_object_get(app, "spec"),
			    "syncPolicy"), "automated") != NULL, "prune", 0,
			    "destination_namespace", plan_str(app,
			    "spec.destination.namespace")), true);
		else
			rc = add(c, r, "argocd_sync", "Application", r->ns, r->name,
			    json_pack("{s:s, s:b, s:s*}", "revision", "HEAD", "prune", 0,
			    "destination_namespace", plan_str(app,
			    "spec.destination.namespace")), true);
		return rc < 0 ? rc : plan_check_add(c, PL_APP, "argocd_app_healthy",
		    "Application", r->ns, r->name, plan_timeout(c, "argocd_app_healthy",
		    600), "the Application is Synced and Healthy");
	case F_PVC:
		if ((rc = plan_unaddressed(c, r, "PersistentVolumeClaim %s/%s is not "
		    "bound: check its StorageClass and provisioner", r->ns, r->name)) < 0)
			return rc;
		return plan_check_add(c, PL_APP, "pvc_bound", "PersistentVolumeClaim",
		    r->ns, r->name, plan_timeout(c, "pvc_bound", 300), "the claim is Bound");
	case F_SERVICE:
		if ((rc = plan_unaddressed(c, r, "Service %s/%s has no ready endpoints "
		    "and nothing behind it is known to be broken", r->ns, r->name)) < 0)
			return rc;
		return plan_check_add(c, PL_APP, "endpoints_healthy", "Service", r->ns,
		    r->name, plan_timeout(c, "endpoints_healthy", 180), "the Service has "
		    "ready endpoints");
	default:
		(void)w;
		return workload_remedy(c, r);
	}
}

/* ---- symptoms ------------------------------------------------------------------------- */

/* Any live pod of the Deployment waiting in CrashLoopBackOff. */
static bool
workload_crashlooping(struct plan_ctx *c, const struct workload *w)
{
	json_t *p, *cs;
	size_t i, j;

	json_array_foreach(c->live.pods, i, p) {
		const json_t *ref = plan_controller_ref(p);
		json_t *rs;

		if (!streq(plan_str(p, "metadata.namespace"), w->ns) || ref == NULL ||
		    !streq(json_string_value(json_object_get(ref, "kind")), "ReplicaSet"))
			continue;
		rs = plan_find(c->live.replicasets, w->ns,
		    json_string_value(json_object_get(ref, "name")));
		ref = rs ? plan_controller_ref(rs) : NULL;
		if (ref == NULL || !streq(json_string_value(json_object_get(ref, "name")),
		    w->name))
			continue;
		json_array_foreach(json_object_get(json_object_get(p, "status"),
		    "containerStatuses"), j, cs)
			if (streq(plan_str(cs, "state.waiting.reason"), "CrashLoopBackOff"))
				return true;
	}
	return false;
}

static bool
lower_layers_fixed(const struct plan_ctx *c)
{
	return json_array_size(c->steps[PL_INFRA]) + json_array_size(c->steps[PL_PLATFORM])
	    > 0;
}

static int
symptom_app(struct plan_ctx *c, const json_t *res)
{
	const char *kind = json_string_value(json_object_get(res, "kind"));
	const char *ns = json_string_value(json_object_get(res, "namespace"));
	const char *name = json_string_value(json_object_get(res, "name"));
	const char *status = json_string_value(json_object_get(res, "status"));
	const char *method;
	struct workload w;
	char key[600];
	int rc;

	if (streq(kind, "Application"))
		return plan_check_add(c, PL_APP, "argocd_app_healthy", kind, ns, name,
		    plan_timeout(c, "argocd_app_healthy", 600), "the Application is Synced "
		    "and Healthy");
	if (streq(kind, "PersistentVolumeClaim"))
		return plan_check_add(c, PL_APP, "pvc_bound", kind, ns, name,
		    plan_timeout(c, "pvc_bound", 300), "the claim is Bound");
	if (streq(kind, "Service") || streq(kind, "Endpoints"))
		return plan_check_add(c, PL_APP, "endpoints_healthy", "Service", ns, name,
		    plan_timeout(c, "endpoints_healthy", 180), "the Service has ready "
		    "endpoints");
	workload_resolve(c, kind, ns, name, NULL, &w);
	if (w.kind == NULL || w.name == NULL)
		return 0;
	if ((rc = workload_checks(c, &w)) < 0)
		return rc;
	snprintf(key, sizeof(key), "%s/%s/%s", w.kind, w.ns ? w.ns : "", w.name);
	if (json_object_get(c->done_targets, key))
		return 0;	/* remedied as a root cause */
	method = json_string_value(json_object_get(res, "deployment_method"));
	if (method == NULL || streq(method, "unknown"))
		method = plan_method_of(c, w.kind, w.ns, w.name, NULL);
	/*
	 * A crash-looping pod backs off for up to five minutes after its cause is gone; a
	 * restart of a Helm/manual Deployment brings it back at once.  Argo CD and operator
	 * workloads are only verified: a direct restart would be reverted.  Evicted pods
	 * need nothing: their controller already replaced them.
	 */
	if (!c->opt.symptom_restarts || !lower_layers_fixed(c) ||
	    !streq(w.kind, "Deployment") ||
	    !(plan_contains_ci(status, "crash") || workload_crashlooping(c, &w)) ||
	    !(streq(method, "helm") || streq(method, "manual")))
		return 0;
	plan_target_seen(c, w.kind, w.ns, w.name);
	return add(c, NULL, "restart_deployment", w.kind, w.ns, w.name,
	    json_pack("{s:s, s:s}", "only_if", "pods_crashlooping", "reason", "pods may "
	    "still back off after the lower layers were fixed; skip when they run"),
	    false);
}

int
plan_remedy_symptoms(struct plan_ctx *c)
{
	json_t *imp = json_object_get(c->det, "impacted_resources"), *arr, *res;
	const char *layer;
	size_t i;
	int rc = 0;

	json_object_foreach(imp, layer, arr) {
		int l = plan_layer_parse(layer);

		json_array_foreach(arr, i, res) {
			const char *kind = json_string_value(json_object_get(res, "kind"));
			const char *ns = json_string_value(json_object_get(res, "namespace"));
			const char *name = json_string_value(json_object_get(res, "name"));

			if (kind == NULL || name == NULL)
				continue;
			if (l == PL_APP)
				rc = symptom_app(c, res);
			else if (streq(kind, "Node"))
				rc = plan_check_add(c, PL_INFRA, "node_ready", kind, NULL,
				    name, plan_timeout(c, "node_ready", 300),
				    "the node is Ready");
			else if (streq(kind, "MachineConfigPool"))
				rc = plan_check_add(c, PL_INFRA, "mco_stable", kind, NULL,
				    name, plan_timeout(c, "mco_stable", 600),
				    "the pool is Updated and not Degraded");
			else if (streq(kind, "ClusterOperator")) {
				rc = plan_check_add(c, PL_PLATFORM,
				    "cluster_operators_ready", kind, NULL, name,
				    plan_timeout(c, "cluster_operators_ready", 600),
				    "the operator is Available and not Degraded");
				if (rc == 0 && (streq(name, "network") || streq(name, "dns")))
					rc = plan_check_add(c, PL_PLATFORM,
					    "networking_functional", kind, NULL, name,
					    plan_timeout(c, "networking_functional", 300),
					    "pod and service networking work");
			} else if (l == PL_PLATFORM && ns)
				rc = plan_check_add(c, PL_PLATFORM, "pods_running", kind, ns,
				    name, plan_timeout(c, "pods_running", 300),
				    "the platform component's pods are Running");
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
