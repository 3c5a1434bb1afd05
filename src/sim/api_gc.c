/*
 * Garbage collection on delete, as kube-apiserver's garbage collector does for the
 * default Background propagation: objects whose metadata.ownerReferences name a deleted
 * object's uid are deleted too (recursively: Deployment → ReplicaSets → Pods), and
 * deleting a Namespace deletes everything in it.  Runs with the store lock held, right
 * after the owner is gone; propagationPolicy=Orphan skips it.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

#define GC_MAX_DEPTH	4

struct victims {
	char	**names;
	char	**uids;
	size_t	  n, cap;
	const char *uid;	/* owner uid to look for; NULL = everything */
};

static bool
owned_by(const struct sim_obj *o, const char *uid)
{
	json_t *doc, *refs, *r;
	bool yes = false;
	size_t i;

	/* Cheap filter on the bytes before parsing. */
	if (memmem(o->json, o->len, uid, strlen(uid)) == NULL)
		return false;
	doc = sim_obj_json(o);
	refs = json_object_get(json_object_get(doc, "metadata"), "ownerReferences");
	json_array_foreach(refs, i, r) {
		const char *u = json_string_value(json_object_get(r, "uid"));

		if (u != NULL && strcmp(u, uid) == 0)
			yes = true;
	}
	json_decref(doc);
	return yes;
}

static int
collect(const struct sim_obj *o, void *arg)
{
	struct victims *v = arg;

	if (v->uid != NULL && !owned_by(o, v->uid))
		return 0;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 16;
		char **nn = realloc(v->names, nc * sizeof(*nn));
		char **nu;

		if (nn == NULL)
			return -ENOMEM;
		v->names = nn;
		nu = realloc(v->uids, nc * sizeof(*nu));
		if (nu == NULL)
			return -ENOMEM;
		v->uids = nu;
		v->cap = nc;
	}
	v->names[v->n] = strdup(o->name);
	v->uids[v->n] = strdup(o->uid);
	if (v->names[v->n] == NULL || v->uids[v->n] == NULL) {
		free(v->names[v->n]);
		free(v->uids[v->n]);
		return -ENOMEM;
	}
	v->n++;
	return 0;
}

static void
victims_free(struct victims *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->uids[i]);
	}
	free(v->names);
	free(v->uids);
	memset(v, 0, sizeof(*v));
}

static void
cascade(struct sim *s, const char *ns, const char *uid, bool whole_ns, int depth)
{
	size_t t, i;

	for (t = 0; t < SIM_RT_COUNT; t++) {
		const struct sim_rtype *rt = sim_rt((enum sim_rt_id)t);
		struct victims v;
		struct sim_err e;

		if (rt->id == SIM_RT_NAMESPACE || (whole_ns && !rt->namespaced))
			continue;
		memset(&v, 0, sizeof(v));
		v.uid = whole_ns ? NULL : uid;
		/* Dependents of a namespaced owner live in its namespace. */
		if (sim_store_foreach(s, rt, rt->namespaced ? ns : NULL, NULL, collect, &v) < 0)
			log_warn("sim", "garbage collection: out of memory");
		for (i = 0; i < v.n; i++) {
			if (sim_store_delete(s, rt, ns, v.names[i], NULL, NULL, 0, NULL, &e) == 0 &&
			    !whole_ns && depth < GC_MAX_DEPTH)
				cascade(s, ns, v.uids[i], false, depth + 1);
		}
		victims_free(&v);
	}
}

void
sim_api_gc(struct sim *s, const struct sim_rtype *rt, const char *ns, const char *name,
    const char *uid)
{
	if (rt->id == SIM_RT_NAMESPACE) {
		cascade(s, name, NULL, true, 0);
		return;
	}
	/* Only workload kinds own other objects here; pods, events, ... never do. */
	switch (rt->id) {
	case SIM_RT_DEPLOYMENT: case SIM_RT_REPLICASET: case SIM_RT_DAEMONSET:
	case SIM_RT_STATEFULSET: case SIM_RT_MACHINESET: case SIM_RT_SERVICE:
	case SIM_RT_APPLICATION: case SIM_RT_NODE:
		break;
	default:
		return;
	}
	if (uid == NULL || uid[0] == '\0')
		return;
	cascade(s, rt->namespaced ? ns : "", uid, false, 0);
}
