/*
 * Checkpoint checks: one evaluation each (the checkpoint runner in exec_steps.c polls
 * them until healthy or timed out), scoped to the check's target.  TASK_DONE = healthy;
 * TASK_FAIL = not healthy, with the reason in t->msg.
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

static const char *
tkind(const struct exec_task *t)
{
	return exec_jstr(t->spec, "target.kind") ? exec_jstr(t->spec, "target.kind") : "";
}

static bool
tref(const struct exec_task *t, struct kube_ref *ref)
{
	return exec_kind_ref(exec_jstr(t->spec, "target.kind"), exec_jstr(t->spec,
	    "target.namespace"), exec_jstr(t->spec, "target.name"), ref);
}

static int
get_target(struct exec_task *t)
{
	struct kube_ref ref;

	if (!tref(t, &ref))
		return task_fail(t, "cannot check a %s", tkind(t));
	t->phase = 1;
	return task_get(t, &ref);
}

static const char *
pressure(const json_t *n)
{
	if (is(exec_cond(n, "MemoryPressure"), "True"))
		return "MemoryPressure";
	if (is(exec_cond(n, "DiskPressure"), "True"))
		return "DiskPressure";
	if (is(exec_cond(n, "PIDPressure"), "True"))
		return "PIDPressure";
	return NULL;
}

/* Nodes of the target: a Node, the nodes a pool's nodeSelector picks, or a MachineSet. */
static int
nodes_check(struct exec_task *t, bool want_no_pressure)
{
	char sel[512];
	json_t *n;
	size_t i, bad = 0;

	if (t->phase == 0) {
		if (is(tkind(t), "Node") || is(tkind(t), "MachineSet"))
			return get_target(t);
		if (!is(tkind(t), "MachineConfigPool"))
			return task_fail(t, "cannot check the nodes of a %s", tkind(t));
		return get_target(t);
	}
	if (t->phase == 1) {
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the target");
		if (is(tkind(t), "Node")) {
			if (!act_node_ready(t->resp))
				return task_fail(t, "node %s is not Ready", exec_jstr(t->spec,
				    "target.name"));
			if (want_no_pressure && pressure(t->resp))
				return task_fail(t, "node %s reports %s", exec_jstr(t->spec,
				    "target.name"), pressure(t->resp));
			return TASK_DONE;
		}
		if (is(tkind(t), "MachineSet")) {
			if (exec_jint(t->resp, "status.readyReplicas", 0) <
			    exec_jint(t->resp, "spec.replicas", 1))
				return task_fail(t, "MachineSet %s: %lld of %lld machines "
				    "ready", exec_jstr(t->spec, "target.name"),
				    exec_jint(t->resp, "status.readyReplicas", 0),
				    exec_jint(t->resp, "spec.replicas", 1));
			return TASK_DONE;
		}
		if (!exec_selector_string(exec_jget(t->resp, "spec.nodeSelector"), sel,
		    sizeof(sel)))
			return task_fail(t, "cannot express the pool's node selector");
		t->phase = 2;
		return task_list(t, &KUBE_REF_NODE(NULL), sel, NULL);
	}
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "listing the pool's nodes");
	json_array_foreach(exec_jget(t->resp, "items"), i, n)
		if (!act_node_ready(n) || (want_no_pressure && pressure(n)))
			bad++;
	if (bad > 0)
		return task_fail(t, "%zu of %zu nodes of pool %s are not Ready%s", bad,
		    json_array_size(exec_jget(t->resp, "items")), exec_jstr(t->spec,
		    "target.name"), want_no_pressure ? " or under pressure" : "");
	return TASK_DONE;
}

static int
chk_node_ready(struct exec_task *t)
{
	return nodes_check(t, false);
}

static int
chk_node_no_pressure(struct exec_task *t)
{
	return nodes_check(t, true);
}

static int
chk_mco_stable(struct exec_task *t)
{
	char why[200];

	if (t->phase == 0)
		return get_target(t);
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "reading the pool");
	if (!act_pool_done(t->resp, why, sizeof(why)))
		return task_fail(t, "pool %s: %s", exec_jstr(t->spec, "target.name"), why);
	return TASK_DONE;
}

static int
co_verdict(struct exec_task *t, const json_t *co, bool strict)
{
	const char *n = exec_jstr(co, "metadata.name");

	if (!is(exec_cond(co, "Available"), "True"))
		return task_fail(t, "ClusterOperator %s is not Available", n);
	if (is(exec_cond(co, "Degraded"), "True"))
		return task_fail(t, "ClusterOperator %s is Degraded: %s", n,
		    exec_cond_reason(co, "Degraded") ? exec_cond_reason(co, "Degraded") : "");
	if (strict && is(exec_cond(co, "Progressing"), "True"))
		return task_fail(t, "ClusterOperator %s is still Progressing", n);
	return TASK_DONE;
}

static int
chk_co_ready(struct exec_task *t)
{
	if (t->phase == 0)
		return get_target(t);
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "reading the ClusterOperator");
	return co_verdict(t, t->resp, true);
}

/*
 * Networking: the target operator plus `network` and `dns` Available and not Degraded
 * (operators absent from a plain Kubernetes cluster are not counted).
 */
static int
chk_networking(struct exec_task *t)
{
	static const char *names[] = { NULL, "network", "dns" };
	size_t k = (size_t)t->phase / 2;
	const char *n;

	if (k >= STRATA_ARRAY_LEN(names))
		return TASK_DONE;
	n = k == 0 ? exec_jstr(t->spec, "target.name") : names[k];
	if (t->phase % 2 == 0) {
		if (n == NULL || (k > 0 && is(n, exec_jstr(t->spec, "target.name")))) {
			t->phase += 2;
			return chk_networking(t);
		}
		t->phase++;
		return task_get(t, &KUBE_REF_CLUSTEROPERATOR(n));
	}
	if (t->kerr.code != 0 && !(k > 0 && t->kerr.http_status == 404))
		return task_fail_kerr(t, "reading a ClusterOperator");
	if (t->kerr.code == 0 && co_verdict(t, t->resp, false) != TASK_DONE)
		return TASK_FAIL;
	t->phase++;
	return chk_networking(t);
}

/* Pods of the target workload: Running and Ready, at least the desired count. */
static int
chk_pods_running(struct exec_task *t)
{
	char sel[512];
	json_t *p;
	size_t i, ready = 0, total = 0;
	long long want;

	if (t->phase == 0)
		return get_target(t);
	if (t->phase == 1) {
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the workload");
		if (is(tkind(t), "DaemonSet")) {
			long long d = exec_jint(t->resp, "status.desiredNumberScheduled", 0);
			long long r = exec_jint(t->resp, "status.numberReady", 0);

			if (r < d)
				return task_fail(t, "DaemonSet %s: %lld of %lld pods ready",
				    exec_jstr(t->spec, "target.name"), r, d);
			return TASK_DONE;
		}
		json_object_set_new(t->scratch, "want", json_integer(exec_jint(t->resp,
		    "spec.replicas", 1)));
		if (!exec_selector_string(exec_jget(t->resp, "spec.selector"), sel,
		    sizeof(sel)))
			return task_fail(t, "cannot express the workload's selector");
		t->phase = 2;
		return task_list(t, &KUBE_REF_POD(exec_jstr(t->spec, "target.namespace"),
		    NULL), sel, NULL);
	}
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "listing the workload's pods");
	want = json_integer_value(json_object_get(t->scratch, "want"));
	json_array_foreach(exec_jget(t->resp, "items"), i, p) {
		if (exec_jstr(p, "metadata.deletionTimestamp"))
			continue;
		total++;
		if (is(exec_jstr(p, "status.phase"), "Running") &&
		    is(exec_cond(p, "Ready"), "True"))
			ready++;
	}
	if ((long long)ready < want || ready < total)
		return task_fail(t, "%s %s: %zu of %zu pods Running and Ready (%lld wanted)",
		    tkind(t), exec_jstr(t->spec, "target.name"), ready, total, want);
	return TASK_DONE;
}

static int
chk_deployment(struct exec_task *t)
{
	char why[200];
	int v;

	if (t->phase == 0)
		return get_target(t);
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "reading the Deployment");
	v = act_rollout_status(t, t->resp, why, sizeof(why));
	if (v <= 0)
		return task_fail(t, "Deployment %s: %s", exec_jstr(t->spec, "target.name"),
		    why);
	if (!is(exec_cond(t->resp, "Available"), "True"))
		return task_fail(t, "Deployment %s is not Available", exec_jstr(t->spec,
		    "target.name"));
	return TASK_DONE;
}

/*
 * Endpoints with at least one ready address; without an Endpoints object (or with none
 * ready) the pods the Service selects are looked at: ready ones are what the endpoints
 * controller publishes next.
 */
static int
chk_endpoints(struct exec_task *t)
{
	const char *ns = exec_jstr(t->spec, "target.namespace"), *n = exec_jstr(t->spec,
	    "target.name");
	json_t *s, *p;
	size_t i;
	char sel[512];

	switch (t->phase) {
	case 0:
		t->phase = 1;
		return task_get(t, &(struct kube_ref){ "", "v1", "endpoints", ns, n, NULL });
	case 1:
		if (t->kerr.code == 0)
			json_array_foreach(exec_jget(t->resp, "subsets"), i, s)
				if (json_array_size(json_object_get(s, "addresses")) > 0)
					return TASK_DONE;
		t->phase = 2;
		return task_get(t, &(struct kube_ref){ "", "v1", "services", ns, n, NULL });
	case 2:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the Service");
		{
			json_t *w = json_pack("{s:O?}", "matchLabels", exec_jget(t->resp,
			    "spec.selector"));
			bool ok = exec_selector_string(w, sel, sizeof(sel));

			json_decref(w);
			if (!ok)
				return task_fail(t, "Service %s/%s has no ready endpoints", ns,
				    n);
		}
		t->phase = 3;
		return task_list(t, &KUBE_REF_POD(ns, NULL), sel, NULL);
	default:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "listing the Service's pods");
		json_array_foreach(exec_jget(t->resp, "items"), i, p)
			if (is(exec_cond(p, "Ready"), "True") &&
			    !exec_jstr(p, "metadata.deletionTimestamp"))
				return TASK_DONE;
		return task_fail(t, "Service %s/%s has no ready endpoints", ns, n);
	}
}

static int
chk_argo(struct exec_task *t)
{
	if (t->phase == 0)
		return get_target(t);
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "reading the Application");
	if (!is(exec_jstr(t->resp, "status.sync.status"), "Synced") ||
	    !is(exec_jstr(t->resp, "status.health.status"), "Healthy"))
		return task_fail(t, "Application %s is %s and %s", exec_jstr(t->spec,
		    "target.name"), exec_jstr(t->resp, "status.sync.status") ?
		    exec_jstr(t->resp, "status.sync.status") : "?",
		    exec_jstr(t->resp, "status.health.status") ?
		    exec_jstr(t->resp, "status.health.status") : "?");
	return TASK_DONE;
}

static int
chk_pvc(struct exec_task *t)
{
	if (t->phase == 0)
		return get_target(t);
	if (t->kerr.code != 0)
		return task_fail_kerr(t, "reading the claim");
	if (!is(exec_jstr(t->resp, "status.phase"), "Bound"))
		return task_fail(t, "claim %s is %s", exec_jstr(t->spec, "target.name"),
		    exec_jstr(t->resp, "status.phase") ? exec_jstr(t->resp, "status.phase") :
		    "not Bound");
	return TASK_DONE;
}

static const struct {
	const char *type;
	task_fn fn;
} checks[] = {
	{ "node_ready", chk_node_ready }, { "node_no_pressure", chk_node_no_pressure },
	{ "mco_stable", chk_mco_stable }, { "cluster_operators_ready", chk_co_ready },
	{ "networking_functional", chk_networking }, { "pods_running", chk_pods_running },
	{ "deployment_available", chk_deployment }, { "endpoints_healthy", chk_endpoints },
	{ "argocd_app_healthy", chk_argo }, { "pvc_bound", chk_pvc },
};

task_fn
check_lookup(const char *type)
{
	size_t i;

	for (i = 0; type && i < STRATA_ARRAY_LEN(checks); i++)
		if (strcmp(checks[i].type, type) == 0)
			return checks[i].fn;
	return NULL;
}
