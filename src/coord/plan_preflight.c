/*
 * Drain preflight from the live context, the way kubectl drain and the eviction API
 * would see it: which pods are evicted (DaemonSet, mirror and terminal pods skipped;
 * emptyDir and controller-less pods flagged), which PodDisruptionBudgets block, and
 * whether the remaining schedulable nodes can take the evicted pods (requests against
 * free allocatable, taints, nodeSelector), first-fit by decreasing memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

#define PREFLIGHT_MAX_LISTED	50	/* pods listed per category; counts are exact */

struct req {
	int64_t	 cpu_m, mem;
};

struct cand {
	const json_t	*node;
	int64_t		 cpu_m, mem, pods;	/* free */
};

struct moving {
	const json_t	*pod;
	struct req	 r;
	bool		 placed;
};

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static struct req
pod_requests(const json_t *pod)
{
	struct req r = { 0, 0 }, ir;
	json_t *spec = json_object_get(pod, "spec"), *ct;
	size_t i;

	json_array_foreach(json_object_get(spec, "containers"), i, ct) {
		int64_t c = strata_quantity_milli(plan_str(ct, "resources.requests.cpu"));
		int64_t m = strata_quantity_bytes(plan_str(ct, "resources.requests.memory"));

		r.cpu_m += c > 0 ? c : 0;
		r.mem += m > 0 ? m : 0;
	}
	json_array_foreach(json_object_get(spec, "initContainers"), i, ct) {
		ir.cpu_m = strata_quantity_milli(plan_str(ct, "resources.requests.cpu"));
		ir.mem = strata_quantity_bytes(plan_str(ct, "resources.requests.memory"));
		if (ir.cpu_m > r.cpu_m)
			r.cpu_m = ir.cpu_m;
		if (ir.mem > r.mem)
			r.mem = ir.mem;
	}
	return r;
}

static bool
pod_terminal(const json_t *pod)
{
	const char *ph = plan_str(pod, "status.phase");

	return streq(ph, "Succeeded") || streq(ph, "Failed");
}

static bool
pod_has_emptydir(const json_t *pod)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), i, v)
		if (json_object_get(v, "emptyDir"))
			return true;
	return false;
}

static bool
tolerates(const json_t *pod, const json_t *taint)
{
	const char *tk = json_string_value(json_object_get(taint, "key"));
	const char *tv = json_string_value(json_object_get(taint, "value"));
	const char *te = json_string_value(json_object_get(taint, "effect"));
	json_t *tol;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(pod, "spec"), "tolerations"), i,
	    tol) {
		const char *k = json_string_value(json_object_get(tol, "key"));
		const char *op = json_string_value(json_object_get(tol, "operator"));
		const char *v = json_string_value(json_object_get(tol, "value"));
		const char *e = json_string_value(json_object_get(tol, "effect"));

		if (e && *e && !streq(e, te))
			continue;
		if (streq(op, "Exists")) {
			if (k == NULL || *k == '\0' || streq(k, tk))
				return true;
		} else if (streq(k, tk) && (streq(v, tv) || ((v == NULL || *v == '\0') &&
		    (tv == NULL || *tv == '\0'))))
			return true;
	}
	return false;
}

static bool
fits_node(const json_t *pod, const json_t *node)
{
	json_t *sel = json_object_get(json_object_get(pod, "spec"), "nodeSelector"), *t, *v;
	json_t *labels = json_object_get(json_object_get(node, "metadata"), "labels");
	const char *k;
	size_t i;

	json_object_foreach(sel, k, v)
		if (!streq(json_string_value(json_object_get(labels, k)),
		    json_string_value(v)))
			return false;
	json_array_foreach(json_object_get(json_object_get(node, "spec"), "taints"), i, t) {
		const char *e = json_string_value(json_object_get(t, "effect"));

		if ((streq(e, "NoSchedule") || streq(e, "NoExecute")) && !tolerates(pod, t))
			return false;
	}
	return true;
}

static bool
in_array(const json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (streq(json_string_value(v), s))
			return true;
	return false;
}

static int
cmp_moving(const void *a, const void *b)
{
	const struct moving *x = a, *y = b;

	if (x->r.mem != y->r.mem)
		return x->r.mem > y->r.mem ? -1 : 1;
	if (x->r.cpu_m != y->r.cpu_m)
		return x->r.cpu_m > y->r.cpu_m ? -1 : 1;
	return 0;
}

/* Free capacity of every node that can take pods during this drain. */
static struct cand *
candidates(struct plan_ctx *c, const char *drained, size_t *ncand)
{
	struct cand *v;
	json_t *n, *p;
	size_t i, j, k = 0;

	*ncand = 0;
	v = calloc(json_array_size(c->live.nodes) + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	json_array_foreach(c->live.nodes, i, n) {
		const char *name = plan_str(n, "metadata.name");

		if (streq(name, drained) || in_array(c->node_plans, name) ||
		    !plan_node_ready(n) || plan_node_unschedulable(n) ||
		    plan_node_pressure(n))
			continue;
		v[k].node = n;
		v[k].cpu_m = strata_quantity_milli(plan_str(n, "status.allocatable.cpu"));
		v[k].mem = strata_quantity_bytes(plan_str(n, "status.allocatable.memory"));
		v[k].pods = plan_int(n, "status.allocatable.pods", 110);
		json_array_foreach(c->live.pods, j, p) {
			struct req r;

			if (!streq(plan_str(p, "spec.nodeName"), name) || pod_terminal(p))
				continue;
			r = pod_requests(p);
			v[k].cpu_m -= r.cpu_m;
			v[k].mem -= r.mem;
			v[k].pods--;
		}
		k++;
	}
	*ncand = k;
	return v;
}

static json_t *
pod_ref(const json_t *pod, const char *reason)
{
	const json_t *ref = plan_controller_ref(pod);

	return json_pack("{s:s*, s:s*, s:s*, s:s*, s:s*}", "namespace",
	    plan_str(pod, "metadata.namespace"), "name", plan_str(pod, "metadata.name"),
	    "owner_kind", json_string_value(json_object_get(ref, "kind")), "owner_name",
	    json_string_value(json_object_get(ref, "name")), "reason", reason);
}

static int
append_capped(json_t *arr, json_t *item)
{
	if (item == NULL)
		return -ENOMEM;
	if (json_array_size(arr) >= PREFLIGHT_MAX_LISTED) {
		json_decref(item);
		return 0;
	}
	return json_array_append_new(arr, item) < 0 ? -ENOMEM : 0;
}

/* Other running replicas of the same owner elsewhere (0 = the workload goes down). */
static size_t
replicas_elsewhere(struct plan_ctx *c, const json_t *pod, const char *node)
{
	const json_t *ref = plan_controller_ref(pod), *r2;
	const char *ns = plan_str(pod, "metadata.namespace");
	json_t *p;
	size_t i, n = 0;

	json_array_foreach(c->live.pods, i, p) {
		if (streq(plan_str(p, "spec.nodeName"), node) ||
		    !streq(plan_str(p, "metadata.namespace"), ns) ||
		    !streq(plan_str(p, "status.phase"), "Running"))
			continue;
		r2 = plan_controller_ref(p);
		if (r2 && streq(json_string_value(json_object_get(r2, "name")),
		    json_string_value(json_object_get(ref, "name"))) &&
		    streq(json_string_value(json_object_get(r2, "kind")),
		    json_string_value(json_object_get(ref, "kind"))))
			n++;
	}
	return n;
}

static int
pdb_account(struct plan_ctx *c, const json_t *pod, json_t *tally, json_t *d,
    const char *node)
{
	const char *ns = plan_str(pod, "metadata.namespace");
	json_t *labels = json_object_get(json_object_get(pod, "metadata"), "labels");
	json_t *pdb, *t, *match = NULL;
	size_t i, nmatch = 0;
	const char *ready;
	bool unready;
	char key[600];

	if (!streq(plan_str(pod, "status.phase"), "Running"))
		return 0;	/* pending pods are deleted without consulting PDBs */
	json_array_foreach(c->live.pdbs, i, pdb) {
		if (!streq(plan_str(pdb, "metadata.namespace"), ns) ||
		    !plan_selector_matches(json_object_get(json_object_get(pdb, "spec"),
		    "selector"), labels))
			continue;
		nmatch++;
		match = pdb;
	}
	if (nmatch > 1)
		return plan_risk(c, "blocker", "pdb_multiple", NULL, "pod %s/%s on node %s "
		    "is selected by %zu PodDisruptionBudgets: the API server refuses to "
		    "evict it; fix the overlapping budgets", ns,
		    plan_str(pod, "metadata.name"), node, nmatch);
	if (match == NULL)
		return 0;
	ready = plan_cond_status(pod, "Ready");
	unready = ready == NULL || strcmp(ready, "True") != 0;
	/* policy/v1 unhealthyPodEvictionPolicy AlwaysAllow: unready pods always go. */
	if (unready && streq(plan_str(match, "spec.unhealthyPodEvictionPolicy"),
	    "AlwaysAllow"))
		return 0;
	snprintf(key, sizeof(key), "%s/%s", ns, plan_str(match, "metadata.name"));
	if ((t = json_object_get(tally, key)) == NULL) {
		t = json_pack("{s:s, s:s?, s:I, s:I, s:I, s:i, s:i}", "namespace", ns, "name",
		    plan_str(match, "metadata.name"), "disruptions_allowed",
		    (json_int_t)plan_int(match, "status.disruptionsAllowed", 0),
		    "current_healthy", (json_int_t)plan_int(match,
		    "status.currentHealthy", 0), "desired_healthy", (json_int_t)plan_int(
		    match, "status.desiredHealthy", 0), "pods_to_evict", 0,
		    "unready_pods", 0);
		if (t == NULL || json_object_set_new(tally, key, t) < 0)
			return -ENOMEM;
	}
	(void)d;
	if (unready && json_object_set_new(t, "unready_pods", json_integer(
	    json_integer_value(json_object_get(t, "unready_pods")) + 1)) < 0)
		return -ENOMEM;
	return json_object_set_new(t, "pods_to_evict", json_integer(
	    json_integer_value(json_object_get(t, "pods_to_evict")) + 1)) < 0 ?
	    -ENOMEM : 0;
}

static int
pdb_verdicts(struct plan_ctx *c, json_t *tally, json_t *d, const char *node,
    int *extra_s, bool *bypassed)
{
	const char *k;
	json_t *t;

	json_object_foreach(tally, k, t) {
		json_int_t allowed = json_integer_value(json_object_get(t,
		    "disruptions_allowed"));
		json_int_t want = json_integer_value(json_object_get(t, "pods_to_evict"));
		json_int_t unready = json_integer_value(json_object_get(t, "unready_pods"));
		/*
		 * The API refuses to evict even a pod that is not Ready once the budget is
		 * spent (IfHealthyBudget).  Such a pod serves nothing, so deleting it costs
		 * no availability: with options.delete_unready_pods the drain deletes it.
		 */
		bool bypass = allowed <= 0 && unready == want && c->opt.delete_unready_pods;
		const char *verdict = bypass ? "bypassed_unready" : allowed <= 0 ?
		    "blocking" : allowed < want ? "serialized" : "ok";

		if (json_object_set_new(t, "verdict", json_string(verdict)) < 0 ||
		    json_array_append(json_object_get(d, "pdbs"), t) < 0)
			return -ENOMEM;
		if (bypass) {
			*bypassed = true;
			plan_risk(c, "warning", "pdb_bypassed_unready", NULL,
			    "PodDisruptionBudget %s allows no disruption; its %lld pod(s) on "
			    "node %s are not Ready and will be deleted instead of evicted "
			    "(options.delete_unready_pods)", k, (long long)want, node);
		} else if (allowed <= 0)
			plan_risk(c, "blocker", "pdb_blocks_drain", NULL,
			    "PodDisruptionBudget %s allows no disruption now (%lld healthy, "
			    "%lld needed) but draining node %s must evict %lld of its pods: "
			    "the drain would wait until it times out. Make the workload "
			    "healthy or scale it up first%s", k, (long long)json_integer_value(
			    json_object_get(t, "current_healthy")), (long long)
			    json_integer_value(json_object_get(t, "desired_healthy")), node,
			    (long long)want, unready == want ? "; those pods are not Ready "
			    "and serve nothing, so options.delete_unready_pods may delete "
			    "them instead" : "");
		else if (allowed < want) {
			*extra_s += (int)(want - allowed) * 60;
			plan_risk(c, "info", "pdb_serializes", NULL, "PodDisruptionBudget %s "
			    "allows %lld disruption(s) for %lld evictions from node %s: "
			    "evictions wait for replacements to become healthy", k,
			    (long long)allowed, (long long)want, node);
		}
	}
	return 0;
}

static int
capacity(struct plan_ctx *c, struct moving *mv, size_t nmv, json_t *d, const char *node)
{
	struct req need = { 0, 0 }, free_ = { 0, 0 };
	struct cand *cv;
	size_t ncand, i, j, unplaced = 0;
	json_t *cap, *un, *down;
	int rc = 0;

	if ((cv = candidates(c, node, &ncand)) == NULL)
		return -ENOMEM;
	qsort(mv, nmv, sizeof(*mv), cmp_moving);
	for (i = 0; i < ncand; i++) {
		if (json_array_size(json_object_get(json_object_get(cv[i].node, "spec"),
		    "taints")) > 0)
			continue;	/* reported free space: untainted nodes only */
		free_.cpu_m += cv[i].cpu_m > 0 ? cv[i].cpu_m : 0;
		free_.mem += cv[i].mem > 0 ? cv[i].mem : 0;
	}
	for (i = 0; i < nmv; i++) {
		need.cpu_m += mv[i].r.cpu_m;
		need.mem += mv[i].r.mem;
		for (j = 0; j < ncand && !mv[i].placed; j++) {
			if (cv[j].pods < 1 || cv[j].cpu_m < mv[i].r.cpu_m ||
			    cv[j].mem < mv[i].r.mem || !fits_node(mv[i].pod, cv[j].node))
				continue;
			cv[j].pods--;
			cv[j].cpu_m -= mv[i].r.cpu_m;
			cv[j].mem -= mv[i].r.mem;
			mv[i].placed = true;
		}
	}
	un = json_array();
	down = json_array();
	cap = json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:o, s:o}", "needed",
	    "cpu_m", (json_int_t)need.cpu_m, "memory_bytes", (json_int_t)need.mem, "pods",
	    (json_int_t)nmv, "free_on_schedulable_nodes", "cpu_m", (json_int_t)free_.cpu_m,
	    "memory_bytes", (json_int_t)free_.mem, "nodes", (json_int_t)ncand,
	    "unplaced", un, "workloads_down", down);
	if (cap == NULL || json_object_set_new(d, "capacity", cap) < 0) {
		free(cv);
		return -ENOMEM;
	}
	for (i = 0; i < nmv && rc == 0; i++) {
		if (mv[i].placed)
			continue;
		unplaced++;
		rc = append_capped(un, pod_ref(mv[i].pod, "no schedulable node has room"));
		if (rc == 0 && replicas_elsewhere(c, mv[i].pod, node) == 0) {
			const json_t *ref = plan_controller_ref(mv[i].pod);
			char w[600];

			snprintf(w, sizeof(w), "%s %s/%s", json_string_value(json_object_get(
			    ref, "kind")), plan_str(mv[i].pod, "metadata.namespace"),
			    json_string_value(json_object_get(ref, "name")));
			if (!in_array(down, w))
				rc = append_capped(down, json_string(w));
		}
	}
	free(cv);
	if (rc < 0)
		return rc;
	json_object_set_new(cap, "fits", json_boolean(unplaced == 0));
	if (unplaced > 0)
		return plan_risk(c, "outage", "no_capacity", NULL, "%zu of the %zu pods "
		    "evicted from node %s would not fit on the %zu remaining schedulable "
		    "node(s) (needed %lld mCPU / %lld MiB, free %lld mCPU / %lld MiB)%s%s: "
		    "add capacity first", unplaced, nmv, node, ncand, (long long)need.cpu_m,
		    (long long)(need.mem >> 20), (long long)free_.cpu_m,
		    (long long)(free_.mem >> 20), json_array_size(down) ? "; these "
		    "workloads would have no running replica: " : "",
		    json_array_size(down) ? json_string_value(json_array_get(down, 0)) :
		    "");
	return 0;
}

int
plan_preflight_drain(struct plan_ctx *c, const char *node, json_t *drain_step)
{
	json_t *d, *tally = NULL, *p, *ev, *sk, *fl;
	struct moving *mv = NULL;
	size_t i, nmv = 0, nev = 0, nempty = 0, nunmanaged = 0;
	int rc = -ENOMEM, extra = 0;
	bool bypassed = false;
	json_t *nobj = plan_find(c->live.nodes, NULL, node);

	d = json_pack("{s:s, s:b, s:b, s:[], s:[], s:[], s:[]}", "node", node,
	    "control_plane", nobj && plan_node_control_plane(nobj), "pods_known",
	    c->live.have_pods, "evict", "skipped", "flagged", "pdbs");
	if (d == NULL || json_array_append_new(c->drains, d) < 0)
		return -ENOMEM;
	if (!c->live.have_pods)
		return plan_risk(c, "warning", "preflight_incomplete", drain_step, "the "
		    "pods on node %s are not in the plan context: evictions, budgets and "
		    "capacity were not checked", node);
	ev = json_object_get(d, "evict");
	sk = json_object_get(d, "skipped");
	fl = json_object_get(d, "flagged");
	if ((tally = json_object()) == NULL ||
	    (mv = calloc(json_array_size(c->live.pods) + 1, sizeof(*mv))) == NULL)
		goto fail;
	json_array_foreach(c->live.pods, i, p) {
		const json_t *ref = plan_controller_ref(p);
		const char *ok = json_string_value(json_object_get(ref, "kind"));
		json_t *ann = json_object_get(json_object_get(p, "metadata"),
		    "annotations");

		if (!streq(plan_str(p, "spec.nodeName"), node))
			continue;
		if (json_object_get(json_object_get(p, "metadata"), "deletionTimestamp"))
			rc = append_capped(sk, pod_ref(p, "already terminating"));
		else if (json_object_get(ann, "kubernetes.io/config.mirror"))
			rc = append_capped(sk, pod_ref(p, "mirror (static) pod"));
		else if (streq(ok, "DaemonSet") && !pod_terminal(p))
			rc = append_capped(sk, pod_ref(p, "DaemonSet-managed"));
		else if (pod_terminal(p))
			rc = append_capped(sk, pod_ref(p, "terminal: deleted without "
			    "eviction"));
		else {
			nev++;
			rc = append_capped(ev, pod_ref(p, NULL));
			if (rc == 0 && pod_has_emptydir(p)) {
				nempty++;
				rc = append_capped(fl, pod_ref(p, "emptyDir data is lost"));
			}
			if (rc == 0 && ref == NULL) {
				nunmanaged++;
				rc = append_capped(fl, pod_ref(p, "no controller: deleted and "
				    "not recreated"));
			}
			if (rc == 0)
				rc = pdb_account(c, p, tally, d, node);
			if (ref) {
				mv[nmv].pod = p;
				mv[nmv].r = pod_requests(p);
				nmv++;
			}
		}
		if (rc < 0)
			goto fail;
	}
	json_object_set_new(d, "evict_count", json_integer((json_int_t)nev));
	if ((rc = pdb_verdicts(c, tally, d, node, &extra, &bypassed)) < 0 ||
	    (rc = capacity(c, mv, nmv, d, node)) < 0)
		goto fail;
	if (nempty && !c->opt.delete_emptydir_data)
		plan_refuse(c, "drain_local_storage", drain_step, "%zu pod(s) on node %s "
		    "use emptyDir volumes whose data a drain deletes; kubectl refuses this "
		    "too. Set options.delete_emptydir_data to accept losing it", nempty,
		    node);
	else if (nempty)
		plan_risk(c, "warning", "emptydir_data_lost", drain_step, "emptyDir data "
		    "of %zu pod(s) on node %s will be lost", nempty, node);
	if (nunmanaged && !c->opt.force_unmanaged)
		plan_refuse(c, "drain_unmanaged_pods", drain_step, "%zu pod(s) on node %s "
		    "have no controller: a drain deletes them for good. Recreate them "
		    "under a controller, or set options.force_unmanaged to accept", nunmanaged,
		    node);
	else if (nunmanaged)
		plan_risk(c, "outage", "unmanaged_pods_deleted", drain_step, "%zu pod(s) "
		    "without a controller on node %s will be deleted and not recreated",
		    nunmanaged, node);
	if (bypassed)
		json_object_set_new(json_object_get(drain_step, "params"),
		    "delete_unready_pods", json_true());
	if (!json_object_get(c->opt.timeouts, "drain"))
		json_object_set_new(drain_step, "timeout_seconds", json_integer(
		    120 + 30 * (json_int_t)nev + extra));
	rc = 0;
fail:
	free(mv);
	json_decref(tally);
	return rc;
}
