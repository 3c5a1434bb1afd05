/*
 * plan_remediation: read the stored issue, gather the live state its preflight needs
 * (nodes, the pods on them, PDBs, upgrade state, pools, machines, Argo CD apps, the
 * workloads of the incident), build the plan (plan*.c), store it, answer.
 *
 * Pods are the one kind that can be huge.  They are reduced to what drain preflight and
 * capacity need as they stream in; past POD_KEEP_MAX only the pods on the nodes and in
 * the namespaces the incident touches are kept, and the plan says its capacity figures
 * are partial.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gather.h"
#include "service_int.h"
#include "strata/coord_plan.h"

#define POD_KEEP_MAX	20000

static const struct coord_gather_spec plan_specs[] = {
	{ "Node", "", "v1", "nodes", false, true, NULL },
	{ "Pod", "", "v1", "pods", false, true, NULL },
	{ "PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", false, true, NULL },
	{ "Deployment", "apps", "v1", "deployments", false, false, NULL },
	{ "ReplicaSet", "apps", "v1", "replicasets", false, false, NULL },
	{ "ClusterVersion", "config.openshift.io", "v1", "clusterversions", false, false,
	    NULL },
	{ "ClusterOperator", "config.openshift.io", "v1", "clusteroperators", false, false,
	    NULL },
	{ "MachineConfigPool", "machineconfiguration.openshift.io", "v1",
	    "machineconfigpools", false, false, NULL },
	{ "MachineConfig", "machineconfiguration.openshift.io", "v1", "machineconfigs",
	    false, false, NULL },
	{ "Machine", "machine.openshift.io", "v1beta1", "machines", false, false, NULL },
	{ "MachineSet", "machine.openshift.io", "v1beta1", "machinesets", false, false,
	    NULL },
	{ "Application", "argoproj.io", "v1alpha1", "applications", false, false, NULL },
};

/* Kind → key of the plan context (coord_plan.h). */
static const struct {
	const char *kind, *key;
} plan_keys[] = {
	{ "Node", "nodes" }, { "Pod", "pods" }, { "PodDisruptionBudget", "poddisruptionbudgets" },
	{ "Deployment", "deployments" }, { "ReplicaSet", "replicasets" },
	{ "ClusterVersion", "clusterversions" }, { "ClusterOperator", "clusteroperators" },
	{ "MachineConfigPool", "machineconfigpools" }, { "MachineConfig", "machineconfigs" },
	{ "Machine", "machines" }, { "MachineSet", "machinesets" },
	{ "Application", "applications" },
};

struct plan_op {
	struct coord_service	*svc;
	struct mcp_call		*call;
	struct coord_gather	*g;
	json_t			*issue;
	json_t			*options;
	json_t			*live;		/* the plan context being built */
	json_t			*nodes;		/* set: node names the incident touches */
	json_t			*namespaces;	/* set: namespaces the incident touches */
	size_t			 pods_seen;
	size_t			 pods_other;	/* kept although not on a target */
	bool			 pods_partial;
	uint64_t		 started_ms;
};

static void
plan_op_free(struct plan_op *op)
{
	json_decref(op->issue);
	json_decref(op->options);
	json_decref(op->live);
	json_decref(op->nodes);
	json_decref(op->namespaces);
	free(op);
}

static void
plan_note_target(struct plan_op *op, const json_t *t)
{
	const char *kind = json_string_value(json_object_get(t, "kind"));
	const char *ns = json_string_value(json_object_get(t, "namespace"));
	const char *name = json_string_value(json_object_get(t, "name"));

	if (kind != NULL && name != NULL && strcmp(kind, "Node") == 0)
		json_object_set_new(op->nodes, name, json_true());
	if (ns != NULL && ns[0] != '\0')
		json_object_set_new(op->namespaces, ns, json_true());
}

/* Collects the nodes and namespaces the issue touches from its findings and hints. */
static void
plan_collect_targets(struct plan_op *op)
{
	const json_t *a, *v, *t, *layer;
	const char *key;
	size_t i, j;

	json_array_foreach(json_object_get(op->issue, "findings"), i, v)
		plan_note_target(op, json_object_get(v, "resource"));
	json_array_foreach(json_object_get(op->issue, "remediation_hints"), i, v) {
		json_array_foreach(json_object_get(v, "targets"), j, t)
			plan_note_target(op, t);
	}
	a = json_object_get(op->issue, "impacted_resources");
	json_object_foreach((json_t *)a, key, layer) {
		json_array_foreach(layer, i, t)
			plan_note_target(op, t);
	}
}

/* Copies `key` of `src` into `dst` when present. */
static void
keep(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);

	if (v != NULL)
		json_object_set(dst, key, v);
}

/* Containers reduced to their names and resources (requests drive capacity). */
static json_t *
containers_reduce(const json_t *list)
{
	json_t *cs = json_array(), *c;
	size_t i;

	json_array_foreach(list, i, c) {
		json_t *cc = json_object();

		keep(cc, c, "name");
		keep(cc, c, "resources");
		json_array_append_new(cs, cc);
	}
	return cs;
}

/* What drain preflight, capacity and the crash-loop checks read of a pod
 * (coord_plan.h, "pods"). */
static json_t *
pod_reduce(json_t *pod)
{
	json_t *out, *md, *spec, *st, *m, *s, *vols, *vol, *ann;
	const char *mirror;
	size_t i;

	md = json_object_get(pod, "metadata");
	spec = json_object_get(pod, "spec");
	st = json_object_get(pod, "status");
	if ((out = json_pack("{s:s,s:s}", "apiVersion", "v1", "kind", "Pod")) == NULL)
		return NULL;
	m = json_object();
	keep(m, md, "name");
	keep(m, md, "namespace");
	keep(m, md, "uid");
	keep(m, md, "labels");
	keep(m, md, "ownerReferences");
	keep(m, md, "deletionTimestamp");
	mirror = json_string_value(json_object_get(json_object_get(md, "annotations"),
	    "kubernetes.io/config.mirror"));
	if (mirror != NULL && (ann = json_object()) != NULL) {
		json_object_set_new(ann, "kubernetes.io/config.mirror", json_string(mirror));
		json_object_set_new(m, "annotations", ann);
	}
	json_object_set_new(out, "metadata", m);
	s = json_object();
	keep(s, spec, "nodeName");
	keep(s, spec, "nodeSelector");
	keep(s, spec, "tolerations");
	keep(s, spec, "priorityClassName");
	json_object_set_new(s, "containers",
	    containers_reduce(json_object_get(spec, "containers")));
	if (json_object_get(spec, "initContainers") != NULL)
		json_object_set_new(s, "initContainers",
		    containers_reduce(json_object_get(spec, "initContainers")));
	vols = json_array();
	json_array_foreach(json_object_get(spec, "volumes"), i, vol) {
		if (json_object_get(vol, "emptyDir") == NULL)
			continue;
		json_array_append_new(vols, json_pack("{s:O?,s:O}", "name",
		    json_object_get(vol, "name"), "emptyDir",
		    json_object_get(vol, "emptyDir")));
	}
	json_object_set_new(s, "volumes", vols);
	json_object_set_new(out, "spec", s);
	if (st != NULL) {
		json_t *so = json_object();

		keep(so, st, "phase");
		keep(so, st, "reason");
		keep(so, st, "conditions");
		keep(so, st, "containerStatuses");
		keep(so, st, "initContainerStatuses");
		json_object_set_new(out, "status", so);
	}
	return out;
}

static json_t *
plan_live_array(struct plan_op *op, const char *kind)
{
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(plan_keys); i++)
		if (strcmp(plan_keys[i].kind, kind) == 0)
			return json_object_get(op->live, plan_keys[i].key);
	return NULL;
}

static void
plan_on_item(const char *kind, json_t *item, void *arg)
{
	struct plan_op *op = arg;
	json_t *arr = plan_live_array(op, kind), *md;
	const char *ns, *node;

	if (arr == NULL)
		return;
	md = json_object_get(item, "metadata");
	ns = json_string_value(json_object_get(md, "namespace"));
	if (strcmp(kind, "Pod") == 0) {
		bool target;

		op->pods_seen++;
		node = json_string_value(json_object_get(json_object_get(item, "spec"),
		    "nodeName"));
		target = (node != NULL && json_object_get(op->nodes, node) != NULL) ||
		    (ns != NULL && json_object_get(op->namespaces, ns) != NULL);
		if (!target) {
			if (op->pods_other >= POD_KEEP_MAX) {
				op->pods_partial = true;
				return;
			}
			op->pods_other++;
		}
		json_array_append_new(arr, pod_reduce(item));
		return;
	}
	if ((strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0) &&
	    (ns == NULL || json_object_get(op->namespaces, ns) == NULL))
		return;		/* only the workloads of the incident */
	if (json_object_get(item, "kind") == NULL) {
		json_t *copy = json_copy(item);	/* typed lists omit kind on items */

		json_object_set_new(copy, "kind", json_string(kind));
		json_array_append_new(arr, copy);
	} else
		json_array_append(arr, item);
}

static void
plan_on_progress(size_t done, size_t total, const char *kind, void *arg)
{
	struct plan_op *op = arg;

	svc_progress(op->call, (double)done, (double)total + 1,
	    "read %s for the preflight (%zu of %zu kinds)", kind, done, total);
}

static void
plan_on_cancel(struct mcp_call *call, const char *reason, void *arg)
{
	struct plan_op *op = arg;

	if (op->g != NULL)
		coord_gather_cancel(op->g);
}

static char *
plan_text(const json_t *plan)
{
	struct sbuf b = SBUF_INIT(32768);
	const json_t *s, *r;
	size_t i;

	if (json_is_true(json_object_get(plan, "refused"))) {
		sbuf_printf(&b, "Plan %s is REFUSED:\n",
		    svc_str(json_string_value(json_object_get(plan, "plan_id")), "?"));
		json_array_foreach(json_object_get(plan, "refusal_reasons"), i, r)
			sbuf_printf(&b, "  - %s\n", svc_str(json_string_value(r), ""));
	} else
		sbuf_printf(&b, "Plan %s, %zu steps:\n",
		    svc_str(json_string_value(json_object_get(plan, "plan_id")), "?"),
		    json_array_size(json_object_get(plan, "steps")));
	json_array_foreach(json_object_get(plan, "steps"), i, s) {
		if (i >= 40) {
			sbuf_printf(&b, "  … %zu more steps\n",
			    json_array_size(json_object_get(plan, "steps")) - i);
			break;
		}
		sbuf_printf(&b, "  %lld. [%s] %s%s\n",
		    (long long)json_integer_value(json_object_get(s, "index")),
		    svc_str(json_string_value(json_object_get(s, "layer")), "?"),
		    svc_str(json_string_value(json_object_get(s, "description")), ""),
		    json_is_false(json_object_get(s, "reversible")) ? " (irreversible)" : "");
	}
	json_array_foreach(json_object_get(plan, "risks"), i, r)
		sbuf_printf(&b, "risk (%s): %s\n",
		    svc_str(json_string_value(json_object_get(r, "severity")), "?"),
		    svc_str(json_string_value(json_object_get(r, "message")), ""));
	if (!json_is_true(json_object_get(plan, "refused")))
		sbuf_printf(&b, "hash: %s. To run it: execute_plan with this plan_id and "
		    "confirm set to the hash (dry_run: true first shows what would change).",
		    svc_str(json_string_value(json_object_get(plan, "hash")), "?"));
	return sbuf_detach(&b, NULL);
}

static void
plan_on_done(int status, const char *message, json_t *report, void *arg)
{
	struct plan_op *op = arg;
	struct coord_store *st;
	json_t *plan = NULL;
	char err[512], *text;

	op->g = NULL;
	if (status == -ECANCELED) {
		mcp_call_fail(op->call, "plan_remediation was cancelled");
		goto done;
	}
	if (status != 0) {
		mcp_call_fail(op->call, "could not read the live state the preflight needs: %s",
		    message != NULL ? message : "unknown error");
		goto done;
	}
	json_object_set_new(op->live, "pods_complete", json_boolean(!op->pods_partial));
	plan = coord_plan_build(op->issue, op->live, op->options, err, sizeof(err));
	if (plan == NULL) {
		mcp_call_fail(op->call, "cannot plan: %s", err);
		goto done;
	}
	if (op->pods_partial)
		json_array_append_new(json_object_get(plan, "risks"), json_pack(
		    "{s:s,s:s,s:s}", "severity", "warning", "code", "partial_capacity_data",
		    "message", "the cluster has too many pods to hold them all for the "
		    "capacity check: only the pods on the incident's nodes and namespaces "
		    "(and the first 20000 others) were counted"));
	json_object_set(plan, "sources", report);
	if ((st = svc_store(op->svc, err, sizeof(err))) == NULL ||
	    coord_store_plan_put(st, plan, err, sizeof(err)) != 0) {
		mcp_call_fail(op->call, "the plan was built but cannot be stored: %s", err);
		goto done;
	}
	log_info(SVC_LOG, "plan_remediation: plan %s for %s, %zu steps%s, %lld ms",
	    json_string_value(json_object_get(plan, "plan_id")),
	    json_string_value(json_object_get(op->issue, "issue_id")),
	    json_array_size(json_object_get(plan, "steps")),
	    json_is_true(json_object_get(plan, "refused")) ? " (refused)" : "",
	    (long long)(strata_now_ms() - op->started_ms));
	text = plan_text(plan);
	mcp_call_finish(op->call, plan, text);
	plan = NULL;
	free(text);
done:
	json_decref(plan);
	plan_op_free(op);
}

void
svc_plan_remediation(struct mcp_call *call, json_t *args, void *arg)
{
	struct coord_service *svc = arg;
	struct coord_gather_callbacks cb;
	struct kube_client *client;
	struct coord_store *st;
	struct plan_op *op;
	const char *issue_id, *context;
	char err[768];
	size_t i;

	issue_id = json_string_value(json_object_get(args, "issue_id"));
	if ((st = svc_store(svc, err, sizeof(err))) == NULL) {
		mcp_call_fail(call, "%s", err);
		return;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		mcp_call_fail(call, "out of memory");
		return;
	}
	op->svc = svc;
	op->call = call;
	op->started_ms = strata_now_ms();
	if (issue_id == NULL || (op->issue = coord_store_issue_get(st, issue_id)) == NULL) {
		mcp_call_fail(call, "unknown issue_id %s: call detect_layers first and use the "
		    "issue_id it returns", issue_id != NULL ? issue_id : "(none)");
		plan_op_free(op);
		return;
	}
	op->options = json_incref(json_object_get(args, "options"));
	op->live = json_object();
	op->nodes = json_object();
	op->namespaces = json_object();
	for (i = 0; i < STRATA_ARRAY_LEN(plan_keys); i++)
		json_object_set_new(op->live, plan_keys[i].key, json_array());
	plan_collect_targets(op);
	context = json_string_value(json_object_get(op->issue, "context"));
	if ((client = svc_client_get(svc, context != NULL && context[0] != '\0' ?
	    context : NULL, err, sizeof(err))) == NULL) {
		mcp_call_fail(call, "%s", err);
		plan_op_free(op);
		return;
	}
	memset(&cb, 0, sizeof(cb));
	cb.item = plan_on_item;
	cb.done = plan_on_done;
	cb.progress = plan_on_progress;
	cb.arg = op;
	mcp_call_on_cancel(call, plan_on_cancel, op);
	op->g = coord_gather_start(client, plan_specs, STRATA_ARRAY_LEN(plan_specs), NULL,
	    svc->opt.page_size, &cb, err, sizeof(err));
	if (op->g == NULL) {
		mcp_call_fail(call, "could not read the cluster: %s", err);
		plan_op_free(op);
	}
}
