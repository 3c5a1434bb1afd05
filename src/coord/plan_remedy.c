/*
 * From the detection to remedies: which findings are root causes, what each calls for
 * (family), which deployment method owns a workload, and what the symptoms still need
 * once the root causes are fixed (verification, and optional restarts).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan_int.h"

#define PLAN_MAX_ROOTS	16	/* remedies per plan: more is a storm, not an incident */

bool
plan_contains_ci(const char *hay, const char *needle)
{
	size_t n, i;

	if (hay == NULL || needle == NULL)
		return false;
	n = strlen(needle);
	for (; *hay; hay++) {
		for (i = 0; i < n; i++)
			if (hay[i] == '\0' || tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return true;
	}
	return false;
}

static bool
ids_equal(const json_t *a, const json_t *b)
{
	return a && b && json_equal((json_t *)a, (json_t *)b);
}

static const json_t *
finding_by_id(const json_t *det, const json_t *id)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(det, "findings"), i, f)
		if (ids_equal(json_object_get(f, "id"), id))
			return f;
	return NULL;
}

static const json_t *
hint_for(const json_t *det, const json_t *id)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(det, "remediation_hints"), i, h)
		if (ids_equal(json_object_get(h, "finding"), id))
			return h;
	return NULL;
}

bool
plan_target_seen(struct plan_ctx *c, const char *kind, const char *ns, const char *name)
{
	char key[800];

	snprintf(key, sizeof(key), "%s/%s/%s", kind ? kind : "", ns ? ns : "",
	    name ? name : "");
	if (json_object_get(c->done_targets, key))
		return true;
	json_object_set_new(c->done_targets, key, json_true());
	return false;
}

json_t *
plan_addr(const struct plan_root *r)
{
	return r->id ? json_pack("[O]", r->id) : json_array();
}

int
plan_unaddressed(struct plan_ctx *c, const struct plan_root *r, const char *fmt, ...)
{
	char msg[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_array_append_new(c->unaddressed, json_pack("{s:O?, s:s, s:s?, s:s}",
	    "finding", r->id, "kind", r->kind ? r->kind : "", "name", r->name,
	    "reason", msg)) < 0 ? -ENOMEM : 0;
}

/* ---- deployment method ---------------------------------------------------------------- */

static const char *
method_from_impacted(const json_t *det, const char *kind, const char *ns,
    const char *name)
{
	json_t *imp = json_object_get(det, "impacted_resources"), *arr, *r;
	const char *layer;
	size_t i;

	json_object_foreach(imp, layer, arr) {
		json_array_foreach(arr, i, r) {
			const char *k = json_string_value(json_object_get(r, "kind"));
			const char *s = json_string_value(json_object_get(r, "namespace"));
			const char *n = json_string_value(json_object_get(r, "name"));

			if (k && n && kind && name && strcmp(k, kind) == 0 &&
			    strcmp(n, name) == 0 && (ns == NULL || s == NULL ||
			    strcmp(s, ns) == 0))
				return json_string_value(json_object_get(r,
				    "deployment_method"));
		}
	}
	return NULL;
}

const char *
plan_method_of(struct plan_ctx *c, const char *kind, const char *ns, const char *name,
    const json_t *hint)
{
	const char *m = json_string_value(json_object_get(hint, "deployment_method"));
	const json_t *obj = NULL, *ref;
	json_t *ann, *labels;

	if (m && strcmp(m, "unknown") != 0)
		return m;
	m = method_from_impacted(c->det, kind, ns, name);
	if (m && strcmp(m, "unknown") != 0)
		return m;
	if (kind && strcmp(kind, "Deployment") == 0)
		obj = plan_find(c->live.deployments, ns, name);
	if (obj == NULL)
		return m ? m : "unknown";
	ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	if (json_object_get(ann, "argocd.argoproj.io/tracking-id") ||
	    json_object_get(labels, "argocd.argoproj.io/instance") ||
	    plan_app_for(&c->live, kind, ns, name))
		return "argocd";
	if (json_object_get(ann, "meta.helm.sh/release-name") ||
	    plan_contains_ci(json_string_value(json_object_get(labels,
	    "app.kubernetes.io/managed-by")), "helm"))
		return "helm";
	ref = plan_controller_ref(obj);
	if (json_object_get(labels, "olm.owner") || (ref && !plan_contains_ci(
	    json_string_value(json_object_get(ref, "apiVersion")), "apps/")))
		return "operator";
	return "manual";
}

/* ---- classification ------------------------------------------------------------------- */

static bool
any_ci(const char *a, const char *b, const char *const *needles)
{
	for (; *needles; needles++)
		if (plan_contains_ci(a, *needles) || plan_contains_ci(b, *needles))
			return true;
	return false;
}

static const char *const W_PRESSURE[] = { "pressure", NULL };
static const char *const W_MCO[] = { "machineconfig", "mco", "unreconcilable",
	"rendered-", NULL };
static const char *const W_NOTREADY[] = { "notready", "not ready", "not_ready",
	"unknown", "unreachable", "networkunavailable", "kubelet", "down", NULL };
static const char *const W_OOM[] = { "oom", NULL };
static const char *const W_CONFIG[] = { "createcontainerconfig", "configerror",
	"config_error", "configmap", "secret", NULL };
static const char *const W_ROLLOUT[] = { "imagepull", "errimage", "invalidimage",
	"image_pull", "rollout", "progressdeadline", "createcontainer", NULL };
static const char *const W_CAPACITY[] = { "insufficient", "failedscheduling",
	"unschedulable", "capacity", NULL };
static const char *const W_CRASH[] = { "crash", "error", "readiness", "failed",
	"unavailable", "degraded", "restart", NULL };

/*
 * The detection's hint families (detect_report.c) first, exactly; then loose words so
 * that other producers of hints still map.
 */
static enum plan_family
family_from_hint(const char *f, const char *symptom, const json_t *params)
{
	static const struct { const char *w; enum plan_family fam; } exact[] = {
		{ "relieve_node_pressure", F_NODE_PRESSURE },
		{ "recover_node", F_NODE_NOTREADY },
		{ "rollback_machineconfig", F_MCO_CONFIG },
		{ "replace_machine", F_MACHINE },
		{ "uncordon_nodes", F_NODE_CORDONED },
		{ "add_capacity", F_CAPACITY },
		{ "restore_cluster_operator", F_OPERATOR },
		{ "wait_cluster_version", F_UPGRADE },
		{ "fix_volume_claim", F_PVC },
		{ "fix_service_selector", F_SERVICE },
		{ "argocd_sync", F_ARGO },
		{ "restart_workload", F_APP_CRASH },
		{ "raise_memory_limit", F_APP_OOM },
		{ "fix_missing_config", F_APP_CONFIG },
		{ "rollback_workload", F_APP_ROLLOUT },
		{ "fix_image", F_APP_ROLLOUT },
		{ "restart_or_rollback_workload", F_APP_CRASH },
	};
	static const struct { const char *w; enum plan_family fam; } loose[] = {
		{ "pressure", F_NODE_PRESSURE }, { "not_ready", F_NODE_NOTREADY },
		{ "notready", F_NODE_NOTREADY }, { "node_down", F_NODE_NOTREADY },
		{ "mco_rollout", F_MCO_ROLLOUT }, { "machineconfig", F_MCO_CONFIG },
		{ "machine", F_MACHINE }, { "capacity", F_CAPACITY },
		{ "operator", F_OPERATOR }, { "upgrade", F_UPGRADE },
		{ "oom", F_APP_OOM }, { "memory_limit", F_APP_OOM },
		{ "config", F_APP_CONFIG }, { "image", F_APP_ROLLOUT },
		{ "rollout", F_APP_ROLLOUT }, { "crash", F_APP_CRASH },
		{ "argo", F_ARGO }, { "pvc", F_PVC }, { "volume", F_PVC },
		{ "endpoint", F_SERVICE }, { "service", F_SERVICE },
	};
	size_t i;

	if (f == NULL)
		return F_UNKNOWN;
	if (strcmp(f, "stabilize_mco") == 0)
		return plan_contains_ci(symptom, "degraded") ? F_MCO_CONFIG : F_MCO_ROLLOUT;
	if (strcmp(f, "adjust_scheduling_constraints") == 0)
		return json_object_get(params, "bad_revision") ? F_APP_ROLLOUT : F_UNKNOWN;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(f, exact[i].w) == 0)
			return exact[i].fam;
	for (i = 0; i < sizeof(loose) / sizeof(loose[0]); i++)
		if (plan_contains_ci(f, loose[i].w))
			return loose[i].fam;
	return F_UNKNOWN;
}

static bool
is_workload(const char *k)
{
	return k && (strcmp(k, "Deployment") == 0 || strcmp(k, "StatefulSet") == 0 ||
	    strcmp(k, "DaemonSet") == 0 || strcmp(k, "ReplicaSet") == 0 ||
	    strcmp(k, "Pod") == 0);
}

static enum plan_family
family_of(struct plan_ctx *c, const struct plan_root *r)
{
	const char *k = r->kind, *s = r->symptom, *d = r->detail;
	enum plan_family f;
	json_t *node;

	f = family_from_hint(json_string_value(json_object_get(r->hint, "family")), s,
	    json_object_get(r->hint, "params"));
	if (f != F_UNKNOWN || json_object_get(r->hint, "family"))
		return f;
	if (k == NULL)
		return F_UNKNOWN;
	if (strcmp(k, "Node") == 0) {
		if (any_ci(s, NULL, (const char *const[]){ "cordon", NULL }))
			return F_NODE_CORDONED;
		if (any_ci(s, NULL, W_PRESSURE))
			return F_NODE_PRESSURE;
		if (any_ci(s, NULL, W_MCO))
			return F_NODE_MCO;
		if (any_ci(s, NULL, W_NOTREADY))
			return F_NODE_NOTREADY;
		if (any_ci(d, NULL, W_PRESSURE))
			return F_NODE_PRESSURE;
		if (any_ci(d, NULL, W_MCO))
			return F_NODE_MCO;
		node = plan_find(c->live.nodes, NULL, r->name);
		if (node && !plan_node_ready(node))
			return F_NODE_NOTREADY;
		if (node && plan_node_pressure(node))
			return F_NODE_PRESSURE;
		return any_ci(d, NULL, W_NOTREADY) ? F_NODE_NOTREADY : F_UNKNOWN;
	}
	if (strcmp(k, "MachineConfigPool") == 0 || strcmp(k, "MachineConfig") == 0)
		return any_ci(s, d, (const char *const[]){ "degraded", "fail", "broke",
		    "error", NULL }) || strcmp(k, "MachineConfig") == 0 ? F_MCO_CONFIG :
		    F_MCO_ROLLOUT;
	if (strcmp(k, "Machine") == 0)
		return F_MACHINE;
	if (strcmp(k, "MachineSet") == 0)
		return F_CAPACITY;
	if (strcmp(k, "ClusterOperator") == 0)
		return F_OPERATOR;
	if (strcmp(k, "ClusterVersion") == 0)
		return F_UPGRADE;
	if (strcmp(k, "Application") == 0)
		return F_ARGO;
	if (strcmp(k, "PersistentVolumeClaim") == 0)
		return F_PVC;
	if (strcmp(k, "Service") == 0 || strcmp(k, "Endpoints") == 0)
		return F_SERVICE;
	if (is_workload(k)) {
		if (any_ci(s, d, W_OOM))
			return F_APP_OOM;
		if (any_ci(s, d, W_CONFIG))
			return F_APP_CONFIG;
		if (any_ci(s, d, W_ROLLOUT))
			return F_APP_ROLLOUT;
		if (any_ci(s, d, W_CAPACITY))
			return F_CAPACITY;
		if (any_ci(s, d, W_CRASH))
			return F_APP_CRASH;
	}
	return F_UNKNOWN;
}

/* ---- roots ---------------------------------------------------------------------------- */

static void
root_fill(struct plan_ctx *c, struct plan_root *r, const json_t *f, json_t *id)
{
	const json_t *res = json_object_get(f, "resource");

	memset(r, 0, sizeof(*r));
	r->finding = f;
	r->id = id;
	r->hint = hint_for(c->det, id);
	r->kind = json_string_value(json_object_get(res ? res : f, "kind"));
	r->ns = json_string_value(json_object_get(res ? res : f, "namespace"));
	r->name = json_string_value(json_object_get(res ? res : f, "name"));
	r->symptom = json_string_value(json_object_get(f, "symptom"));
	r->detail = json_string_value(json_object_get(f, "detail"));
	r->family = family_of(c, r);
}

static bool
is_effect(const json_t *det, const json_t *id)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(det, "causal_links"), i, l)
		if (ids_equal(json_object_get(l, "effect"), id))
			return true;
	return false;
}

/* Collects the roots into r[]; returns their count. */
static size_t
roots_collect(struct plan_ctx *c, struct plan_root *r, size_t max)
{
	json_t *rc = json_object_get(c->det, "root_causes"), *x, *fs;
	const char *rcl = json_string_value(json_object_get(c->det, "root_cause_layer"));
	size_t i, n = 0;

	json_array_foreach(rc, i, x) {
		json_t *id = json_object_get(x, "finding");
		const json_t *f = finding_by_id(c->det, id);

		if (n < max)
			root_fill(c, &r[n++], f ? f : x, id);
	}
	if (n > 0)
		return n;
	fs = json_object_get(c->det, "findings");
	json_array_foreach(fs, i, x) {
		const char *role = json_string_value(json_object_get(x, "role"));

		if (role && strcmp(role, "root_cause") == 0 && n < max)
			root_fill(c, &r[n++], x, json_object_get(x, "id"));
	}
	if (n > 0 || rcl == NULL || plan_layer_parse(rcl) < 0)
		return n;
	/* No roles: the findings of the root-cause layer that nothing else causes. */
	json_array_foreach(fs, i, x) {
		const char *l = json_string_value(json_object_get(x, "layer"));
		const char *role = json_string_value(json_object_get(x, "role"));

		if (l && strcmp(l, rcl) == 0 && !is_effect(c->det, json_object_get(x, "id")) &&
		    !(role && strcmp(role, "unrelated") == 0) && n < max)
			root_fill(c, &r[n++], x, json_object_get(x, "id"));
	}
	return n;
}

int
plan_remedy_build(struct plan_ctx *c, char *err, size_t errlen)
{
	struct plan_root roots[PLAN_MAX_ROOTS];
	size_t n, i;
	int rc;

	n = roots_collect(c, roots, PLAN_MAX_ROOTS);
	if (n == 0)
		plan_applied(c, "no_root_cause", "the detection names no root cause: the "
		    "plan only verifies the impacted resources");
	for (i = 0; i < n; i++) {
		switch (roots[i].family) {
		case F_NODE_PRESSURE: case F_NODE_NOTREADY: case F_NODE_MCO:
		case F_NODE_CORDONED:
		case F_MCO_CONFIG: case F_MCO_ROLLOUT: case F_MACHINE: case F_CAPACITY:
		case F_OPERATOR: case F_UPGRADE:
			rc = plan_remedy_infra(c, &roots[i]);
			break;
		case F_APP_ROLLOUT: case F_APP_CRASH: case F_APP_OOM: case F_APP_CONFIG:
		case F_ARGO: case F_PVC: case F_SERVICE:
			rc = plan_remedy_app(c, &roots[i]);
			break;
		default:
			rc = plan_unaddressed(c, &roots[i], "no safe automated remedy is "
			    "known for %s \"%s\" on %s %s; investigate by hand",
			    roots[i].symptom ? roots[i].symptom : "this finding",
			    roots[i].detail ? roots[i].detail : "",
			    roots[i].kind ? roots[i].kind : "?",
			    roots[i].name ? roots[i].name : "?");
		}
		if (rc < 0) {
			snprintf(err, errlen, "out of memory while planning");
			return rc;
		}
	}
	if ((rc = plan_remedy_symptoms(c)) < 0)
		snprintf(err, errlen, "out of memory while planning");
	return rc;
}
