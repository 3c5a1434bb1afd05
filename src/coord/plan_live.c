/*
 * The live plan context: grouping by kind and the small readers of Kubernetes objects
 * the planner needs (conditions, quantities, selectors, owners, revisions).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "plan_int.h"

struct kind_key {
	const char	*key;		/* key in the grouped context */
	const char	*kind;		/* object kind in a List */
	size_t		 off;		/* offset of the json_t * in struct plan_live */
};

#define OFF(f)	offsetof(struct plan_live, f)

static const struct kind_key kinds[] = {
	{ "nodes", "Node", OFF(nodes) },
	{ "pods", "Pod", OFF(pods) },
	{ "poddisruptionbudgets", "PodDisruptionBudget", OFF(pdbs) },
	{ "clusterversions", "ClusterVersion", OFF(cvs) },
	{ "machineconfigpools", "MachineConfigPool", OFF(mcps) },
	{ "machineconfigs", "MachineConfig", OFF(mcs) },
	{ "machines", "Machine", OFF(machines) },
	{ "machinesets", "MachineSet", OFF(machinesets) },
	{ "clusteroperators", "ClusterOperator", OFF(cos) },
	{ "applications", "Application", OFF(apps) },
	{ "deployments", "Deployment", OFF(deployments) },
	{ "replicasets", "ReplicaSet", OFF(replicasets) },
};

static json_t **
slot(struct plan_live *l, size_t i)
{
	return (json_t **)(void *)((char *)l + kinds[i].off);
}

int
plan_live_init(struct plan_live *l, const json_t *live, char *err, size_t n)
{
	json_t *empty, *items, *it, *arr;
	size_t i, j;

	memset(l, 0, sizeof(*l));
	if ((l->owned = json_object()) == NULL || (empty = json_array()) == NULL ||
	    json_object_set_new(l->owned, "", empty) < 0)
		goto nomem;
	for (i = 0; i < STRATA_ARRAY_LEN(kinds); i++)
		*slot(l, i) = empty;
	if (live == NULL || json_is_null(live))
		return 0;
	if (!json_is_object(live)) {
		snprintf(err, n, "the plan context must be an object of arrays by kind or a "
		    "Kubernetes List");
		return -EINVAL;
	}
	items = json_object_get(live, "items");
	if (json_is_array(items)) {
		/* A List: regroup by each item's kind. */
		json_array_foreach(items, j, it) {
			const char *k = json_string_value(json_object_get(it, "kind"));

			for (i = 0; k && i < STRATA_ARRAY_LEN(kinds); i++) {
				if (strcmp(k, kinds[i].kind) != 0)
					continue;
				arr = json_object_get(l->owned, kinds[i].key);
				if (arr == NULL) {
					if ((arr = json_array()) == NULL ||
					    json_object_set_new(l->owned, kinds[i].key,
					    arr) < 0)
						goto nomem;
					*slot(l, i) = arr;
				}
				if (json_array_append(arr, it) < 0)
					goto nomem;
			}
		}
	} else {
		for (i = 0; i < STRATA_ARRAY_LEN(kinds); i++) {
			arr = json_object_get(live, kinds[i].key);
			if (arr == NULL || json_is_null(arr))
				continue;
			if (!json_is_array(arr)) {
				snprintf(err, n, "plan context \"%s\" must be an array of %s "
				    "objects", kinds[i].key, kinds[i].kind);
				return -EINVAL;
			}
			*slot(l, i) = arr;
		}
	}
	l->have_nodes = l->nodes != empty;
	l->have_pods = l->pods != empty;
	l->have_pdbs = l->pdbs != empty;
	l->have_cvs = l->cvs != empty;
	return 0;
nomem:
	snprintf(err, n, "out of memory");
	return -ENOMEM;
}

void
plan_live_free(struct plan_live *l)
{
	json_decref(l->owned);
	memset(l, 0, sizeof(*l));
}

/* ---- readers ------------------------------------------------------------------------ */

static json_t *
jpath(const json_t *o, const char *path)
{
	char key[128];
	const char *p = path, *dot;
	size_t len;

	while (o && *p) {
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		o = json_object_get(o, key);
		p = dot ? dot + 1 : p + len;
	}
	return (json_t *)o;
}

const char *
plan_str(const json_t *o, const char *path)
{
	return json_string_value(jpath(o, path));
}

int64_t
plan_int(const json_t *o, const char *path, int64_t dflt)
{
	json_t *v = jpath(o, path);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		char *end;
		long long x = strtoll(json_string_value(v), &end, 10);

		if (*json_string_value(v) != '\0' && *end == '\0')
			return x;
	}
	return dflt;
}

json_t *
plan_find(json_t *arr, const char *ns, const char *name)
{
	size_t i;
	json_t *o;

	if (name == NULL)
		return NULL;
	json_array_foreach(arr, i, o) {
		const char *n = plan_str(o, "metadata.name");
		const char *s = plan_str(o, "metadata.namespace");

		if (n == NULL || strcmp(n, name) != 0)
			continue;
		if (ns && *ns && (s == NULL || strcmp(s, ns) != 0))
			continue;
		return o;
	}
	return NULL;
}

const char *
plan_cond_status(const json_t *obj, const char *type)
{
	json_t *conds = jpath(obj, "status.conditions"), *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && strcmp(t, type) == 0)
			return json_string_value(json_object_get(c, "status"));
	}
	return NULL;
}

bool
plan_node_ready(const json_t *node)
{
	const char *s = plan_cond_status(node, "Ready");

	return s && strcmp(s, "True") == 0;
}

bool
plan_node_pressure(const json_t *node)
{
	static const char *const types[] = { "MemoryPressure", "DiskPressure",
	    "PIDPressure" };
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *s = plan_cond_status(node, types[i]);

		if (s && strcmp(s, "True") == 0)
			return true;
	}
	return false;
}

bool
plan_node_unschedulable(const json_t *node)
{
	return json_is_true(jpath(node, "spec.unschedulable"));
}

bool
plan_node_control_plane(const json_t *node)
{
	json_t *labels = jpath(node, "metadata.labels");

	return json_object_get(labels, "node-role.kubernetes.io/control-plane") != NULL ||
	    json_object_get(labels, "node-role.kubernetes.io/master") != NULL;
}



static bool
expr_matches(const json_t *e, const json_t *labels)
{
	const char *key = json_string_value(json_object_get(e, "key"));
	const char *op = json_string_value(json_object_get(e, "operator"));
	json_t *vals = json_object_get(e, "values"), *v;
	const char *have;
	bool in = false;
	size_t i;

	if (key == NULL || op == NULL)
		return false;
	have = json_string_value(json_object_get(labels, key));
	if (strcmp(op, "Exists") == 0)
		return have != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return have == NULL;
	json_array_foreach(vals, i, v)
		if (have && json_string_value(v) && strcmp(have, json_string_value(v)) == 0)
			in = true;
	if (strcmp(op, "In") == 0)
		return in;
	if (strcmp(op, "NotIn") == 0)
		return !in;
	return false;
}

/*
 * A metav1.LabelSelector.  As in the eviction code, an empty or absent selector matches
 * nothing (a PDB with an empty selector selects no pod in policy/v1 semantics we use).
 */
bool
plan_selector_matches(const json_t *selector, const json_t *labels)
{
	json_t *ml = json_object_get(selector, "matchLabels");
	json_t *me = json_object_get(selector, "matchExpressions"), *v;
	const char *k;
	size_t i, terms = 0;

	json_object_foreach(ml, k, v) {
		const char *have = json_string_value(json_object_get(labels, k));

		terms++;
		if (have == NULL || !json_is_string(v) ||
		    strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	json_array_foreach(me, i, v) {
		terms++;
		if (!expr_matches(v, labels))
			return false;
	}
	return terms > 0;
}

const json_t *
plan_controller_ref(const json_t *obj)
{
	json_t *refs = jpath(obj, "metadata.ownerReferences"), *r;
	size_t i;

	json_array_foreach(refs, i, r)
		if (json_is_true(json_object_get(r, "controller")))
			return r;
	return NULL;
}

json_t *
plan_machine_for_node(struct plan_live *l, const json_t *node)
{
	const char *ref, *slash, *name;
	json_t *m;
	size_t i;

	ref = json_string_value(json_object_get(jpath(node, "metadata.annotations"),
	    "machine.openshift.io/machine"));
	if (ref) {
		slash = strchr(ref, '/');
		name = slash ? slash + 1 : ref;
		if ((m = plan_find(l->machines, NULL, name)) != NULL)
			return m;
	}
	name = plan_str(node, "metadata.name");
	json_array_foreach(l->machines, i, m) {
		const char *nr = plan_str(m, "status.nodeRef.name");

		if (nr && name && strcmp(nr, name) == 0)
			return m;
	}
	return NULL;
}

json_t *
plan_machineset_for_machine(struct plan_live *l, const json_t *machine)
{
	const json_t *ref = plan_controller_ref(machine);
	const char *k = json_string_value(json_object_get(ref, "kind"));
	json_t *ms;
	size_t i;

	if (k && strcmp(k, "MachineSet") == 0)
		return plan_find(l->machinesets, plan_str(machine, "metadata.namespace"),
		    json_string_value(json_object_get(ref, "name")));
	json_array_foreach(l->machinesets, i, ms)
		if (plan_selector_matches(jpath(ms, "spec.selector"),
		    jpath(machine, "metadata.labels")))
			return ms;
	return NULL;
}

json_t *
plan_pool_for_node(struct plan_live *l, const json_t *node)
{
	json_t *labels = jpath(node, "metadata.labels"), *p, *best = NULL;
	size_t i;

	/* A node in a custom pool matches both it and "worker"; prefer the custom pool,
	 * as the MCO does. */
	json_array_foreach(l->mcps, i, p) {
		if (!plan_selector_matches(jpath(p, "spec.nodeSelector"), labels))
			continue;
		if (best == NULL || strcmp(plan_str(best, "metadata.name") ?
		    plan_str(best, "metadata.name") : "", "worker") == 0)
			best = p;
	}
	return best;
}

json_t *
plan_app_for(struct plan_live *l, const char *kind, const char *ns, const char *name)
{
	json_t *a, *r;
	size_t i, j;

	json_array_foreach(l->apps, i, a) {
		json_t *res = jpath(a, "status.resources");

		json_array_foreach(res, j, r) {
			const char *rk = json_string_value(json_object_get(r, "kind"));
			const char *rn = json_string_value(json_object_get(r, "name"));
			const char *rs = json_string_value(json_object_get(r, "namespace"));

			if (rk && rn && kind && name && strcmp(rk, kind) == 0 &&
			    strcmp(rn, name) == 0 &&
			    (ns == NULL || (rs && strcmp(rs, ns) == 0)))
				return a;
		}
	}
	return NULL;
}

int64_t
plan_deploy_prev_revision(struct plan_live *l, const json_t *deploy)
{
	const char *uid = plan_str(deploy, "metadata.uid");
	const char *name = plan_str(deploy, "metadata.name");
	const char *ns = plan_str(deploy, "metadata.namespace");
	int64_t best = -1, rev, maxrev = -1;
	json_t *rs;
	size_t i;

	json_array_foreach(l->replicasets, i, rs) {
		const json_t *ref = plan_controller_ref(rs);
		const char *rk = json_string_value(json_object_get(ref, "kind"));
		const char *rn = json_string_value(json_object_get(ref, "name"));
		const char *ru = json_string_value(json_object_get(ref, "uid"));
		const char *rsn = plan_str(rs, "metadata.namespace");
		json_t *ann = jpath(rs, "metadata.annotations");

		if (rk == NULL || strcmp(rk, "Deployment") != 0)
			continue;
		if (uid && ru ? strcmp(uid, ru) != 0 :
		    (rn == NULL || name == NULL || strcmp(rn, name) != 0))
			continue;
		if (ns && rsn && strcmp(ns, rsn) != 0)
			continue;
		rev = -1;
		if (json_is_string(json_object_get(ann, "deployment.kubernetes.io/revision")))
			rev = strtoll(json_string_value(json_object_get(ann,
			    "deployment.kubernetes.io/revision")), NULL, 10);
		if (rev > maxrev) {
			best = maxrev;
			maxrev = rev;
		} else if (rev > best)
			best = rev;
	}
	return best > 0 ? best : -1;
}

int64_t
plan_app_prev_history(const json_t *app)
{
	json_t *h = jpath(app, "status.history");
	size_t n = json_array_size(h);

	if (n < 2)
		return -1;
	return plan_int(json_array_get(h, n - 2), "id", -1);
}
