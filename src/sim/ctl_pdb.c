/*
 * The disruption controller: keeps each PodDisruptionBudget's status current
 * (expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed, observedGeneration,
 * disruptedPods, condition DisruptionAllowed) from the pods its selector matches, so the
 * eviction API answers 429 while a budget is exhausted and 201 once it is relaxed or the
 * replacements are ready.  Also the eviction the simulated node agents (MCO drain,
 * Machine deletion) perform, with the same PDB rules as the API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata/util.h"
#include "ctl_util.h"

#define DISRUPTED_TTL_S	120	/* upstream DeletionTimeout: 2 minutes */

struct ctl_pdb {
	struct ctl_queue q;
	struct ctl_map	 per_ns;	/* namespace → (uintptr_t) number of PDBs */
};

struct pdb_walk {
	struct ctl_ctx	*c;
	const json_t	*disrupted;
	int		 pods, healthy;
	struct ctl_map	 owners;	/* controller uid → marker */
	int		 scale;		/* sum of the controllers' replicas */
	json_t		*keep;		/* disruptedPods still pending */
};

static int
owner_scale(struct ctl_ctx *c, const char *ns, const json_t *ref)
{
	const char *kind = ctl_jstr(ref, "kind"), *name = ctl_jstr(ref, "name");
	json_t *o = NULL, *up;
	int n = 1;

	if (kind == NULL || name == NULL)
		return 1;
	if (strcmp(kind, "ReplicaSet") == 0) {
		o = sim_store_get(c->s, sim_rt(SIM_RT_REPLICASET), ns, name);
		up = ctl_controller_ref(o);
		if (up && ctl_jstr(up, "kind") && strcmp(ctl_jstr(up, "kind"), "Deployment") == 0) {
			json_t *d = sim_store_get(c->s, sim_rt(SIM_RT_DEPLOYMENT), ns,
			    ctl_jstr(up, "name"));

			if (d) {
				json_decref(o);
				o = d;
			}
		}
	} else if (strcmp(kind, "StatefulSet") == 0) {
		o = sim_store_get(c->s, sim_rt(SIM_RT_STATEFULSET), ns, name);
	}
	if (o)
		n = (int)ctl_jint(o, "spec.replicas", 1);
	json_decref(o);
	return n;
}

static int
pdb_pod(const struct sim_obj *o, void *arg)
{
	struct pdb_walk *w = arg;
	json_t *pod, *ref, *ts;

	if (o->deleting || ctl_pod_terminal(o->phase))
		return 0;
	if ((pod = sim_obj_json(o)) == NULL)
		return 0;
	w->pods++;
	ts = json_object_get(w->disrupted, o->name);
	if (ts != NULL) {
		time_t t = 0;

		if (strata_time_parse_rfc3339(json_string_value(ts) ? json_string_value(ts) : "",
		    &t) == 0 && sim_wall_ms(w->c->s) / 1000 - (int64_t)t < DISRUPTED_TTL_S)
			json_object_set(w->keep, o->name, ts);
		else
			ts = NULL;
	}
	if (ts == NULL && ctl_pod_ready(pod))
		w->healthy++;
	ref = ctl_controller_ref(pod);
	if (ref == NULL) {
		w->scale++;
	} else if (ctl_jstr(ref, "uid") && ctl_map_get(&w->owners, ctl_jstr(ref, "uid")) == NULL) {
		ctl_map_put(&w->owners, ctl_jstr(ref, "uid"), w, NULL);
		w->scale += owner_scale(w->c, o->ns, ref);
	}
	json_decref(pod);
	return 0;
}

static void
pdb_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *pdb = sim_store_get(c->s, sim_rt(SIM_RT_PDB), ns, name), *orig = NULL, *st;
	json_t *min, *max;
	struct sim_selector *sel = NULL;
	struct pdb_walk w = { 0 };
	int expected, desired, allowed;
	char err[256];

	if (pdb == NULL ||
	    sim_selector_from_json(ctl_jget(pdb, "spec.selector"), &sel, err, sizeof(err)) < 0)
		goto done;
	orig = json_deep_copy(pdb);
	w.c = c;
	w.disrupted = ctl_jget(pdb, "status.disruptedPods");
	w.keep = json_object();
	ctl_map_init(&w.owners);
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), ns, sel, pdb_pod, &w);
	ctl_map_fini(&w.owners, NULL);
	min = ctl_jget(pdb, "spec.minAvailable");
	max = ctl_jget(pdb, "spec.maxUnavailable");
	if (json_is_integer(min)) {
		expected = w.pods;
		desired = (int)json_integer_value(min);
	} else if (min != NULL) {
		expected = w.scale;
		desired = ctl_int_or_pct(min, expected, true, 0);
	} else if (max != NULL) {
		expected = w.scale;
		desired = expected - ctl_int_or_pct(max, expected, true, 0);
		if (desired < 0)
			desired = 0;
	} else {
		expected = w.pods;
		desired = 0;
	}
	allowed = w.healthy - desired;
	if (allowed < 0)
		allowed = 0;
	st = ctl_jobj(pdb, "status");
	json_object_set_new(st, "expectedPods", json_integer(expected));
	json_object_set_new(st, "currentHealthy", json_integer(w.healthy));
	json_object_set_new(st, "desiredHealthy", json_integer(desired));
	json_object_set_new(st, "disruptionsAllowed", json_integer(allowed));
	json_object_set_new(st, "observedGeneration",
	    json_integer(ctl_jint(pdb, "metadata.generation", 1)));
	if (json_object_size(w.keep) > 0)
		json_object_set(st, "disruptedPods", w.keep);
	else
		json_object_del(st, "disruptedPods");
	if (allowed > 0)
		ctl_cond_set(c->s, pdb, "status.conditions", "DisruptionAllowed", "True",
		    "SufficientPods", "", false);
	else
		ctl_cond_set(c->s, pdb, "status.conditions", "DisruptionAllowed", "False",
		    "InsufficientPods", "", false);
	ctl_update_if_changed(c, sim_rt(SIM_RT_PDB), orig, pdb);
done:
	json_decref(w.keep);
	sim_selector_free(sel);
	json_decref(orig);
	json_decref(pdb);
}

static int
enqueue_pdb(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;

	ctl_queue_add(&c->pdb->q, o->ns, o->name);
	return 0;
}

static void
ns_count(struct ctl_ctx *c, const char *ns, int delta)
{
	uintptr_t n = (uintptr_t)ctl_map_get(&c->pdb->per_ns, ns);

	if (delta < 0 && n <= 1)
		ctl_map_del(&c->pdb->per_ns, ns);
	else
		ctl_map_put(&c->pdb->per_ns, ns, (void *)(n + (uintptr_t)(delta > 0 ? 1 : -1)),
		    NULL);
}

static int
count_pdb(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;

	ns_count(c, o->ns, 1);
	ctl_queue_add(&c->pdb->q, o->ns, o->name);
	return 0;
}

int
ctl_pdb_init(struct ctl_ctx *c)
{
	if ((c->pdb = calloc(1, sizeof(*c->pdb))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->pdb->q, c, pdb_reconcile);
	ctl_map_init(&c->pdb->per_ns);
	sim_store_foreach(c->s, sim_rt(SIM_RT_PDB), NULL, NULL, count_pdb, c);
	return 0;
}

void
ctl_pdb_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	(void)obj;
	if (ch->rt->id == SIM_RT_PDB) {
		if (ch->type == SIM_CHANGE_ADDED)
			ns_count(c, ch->ns, 1);
		else if (ch->type == SIM_CHANGE_DELETED)
			ns_count(c, ch->ns, -1);
		if (ch->type != SIM_CHANGE_DELETED)
			ctl_queue_add(&c->pdb->q, ch->ns, ch->name);
		return;
	}
	if (ch->rt->id == SIM_RT_POD && ctl_map_get(&c->pdb->per_ns, ch->ns) != NULL)
		sim_store_foreach(c->s, sim_rt(SIM_RT_PDB), ch->ns, NULL, enqueue_pdb, c);
}

void
ctl_pdb_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_pdb_fini(struct ctl_ctx *c)
{
	if (c->pdb == NULL)
		return;
	ctl_queue_fini(&c->pdb->q);
	ctl_map_fini(&c->pdb->per_ns, NULL);
	free(c->pdb);
	c->pdb = NULL;
}

/* ---- eviction by the simulated agents ------------------------------------------------- */

struct match_walk {
	const struct sim_obj *pod;
	char	 name[256];
	int	 n;
};

static int
match_pdb(const struct sim_obj *o, void *arg)
{
	struct match_walk *m = arg;
	struct sim_selector *sel = NULL;
	json_t *pdb = sim_obj_json(o), *ls;
	char err[128];

	if (pdb == NULL)
		return 0;
	ls = ctl_jget(pdb, "spec.selector");
	if (json_object_size(ls) > 0 &&
	    sim_selector_from_json(ls, &sel, err, sizeof(err)) == 0 &&
	    sim_selector_match(sel, m->pod)) {
		if (m->n++ == 0)
			snprintf(m->name, sizeof(m->name), "%s", o->name);
	}
	sim_selector_free(sel);
	json_decref(pdb);
	return 0;
}

int
ctl_pdb_evict(struct ctl_ctx *c, const char *ns, const char *name)
{
	const struct sim_obj *pod = sim_store_find(c->s, sim_rt(SIM_RT_POD), ns, name);
	struct match_walk m = { 0 };
	json_t *pdb;
	char ts[32];
	int rc;

	if (pod == NULL)
		return -ENOENT;
	if (pod->deleting || ctl_pod_terminal(pod->phase) ||
	    (pod->phase && strcmp(pod->phase, "Pending") == 0))
		return ctl_delete(c, sim_rt(SIM_RT_POD), ns, name);
	m.pod = pod;
	sim_store_foreach(c->s, sim_rt(SIM_RT_PDB), ns, NULL, match_pdb, &m);
	if (m.n == 0)
		return ctl_delete(c, sim_rt(SIM_RT_POD), ns, name);
	if (m.n > 1)
		return -EBUSY;
	pdb = sim_store_get(c->s, sim_rt(SIM_RT_PDB), ns, m.name);
	if (pdb == NULL || ctl_jint(pdb, "status.disruptionsAllowed", 0) <= 0 ||
	    ctl_jint(pdb, "status.observedGeneration", 0) < ctl_jint(pdb, "metadata.generation", 1)) {
		json_decref(pdb);
		return -EBUSY;
	}
	json_object_set_new(ctl_jobj(pdb, "status"), "disruptionsAllowed",
	    json_integer(ctl_jint(pdb, "status.disruptionsAllowed", 1) - 1));
	sim_time_rfc3339(c->s, ts);
	json_object_set_new(ctl_jobj(pdb, "status.disruptedPods"), name, json_string(ts));
	rc = ctl_update(c, sim_rt(SIM_RT_PDB), pdb);
	json_decref(pdb);
	if (rc < 0)
		return rc;
	return ctl_delete(c, sim_rt(SIM_RT_POD), ns, name);
}

/* ---- draining a node (MCO daemon, Machine deletion) ---------------------------------- */

struct drain_walk {
	struct ctl_ctx	*c;
	int		 left;
	char		 (*names)[2][256];
	size_t		 n, cap;
};

static int
drain_pod(const struct sim_obj *o, void *arg)
{
	struct drain_walk *w = arg;
	json_t *pod, *ref;
	const char *kind;

	if (o->deleting || ctl_pod_terminal(o->phase))
		return 0;
	if ((pod = sim_obj_json(o)) == NULL)
		return 0;
	ref = ctl_controller_ref(pod);
	kind = ctl_jstr(ref, "kind");
	/* as kubectl drain --ignore-daemonsets --delete-emptydir-data --force: DaemonSet
	 * and mirror pods stay */
	if ((kind && strcmp(kind, "DaemonSet") == 0) ||
	    ctl_annotation(pod, "kubernetes.io/config.mirror") != NULL) {
		json_decref(pod);
		return 0;
	}
	json_decref(pod);
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 16;
		void *nv = realloc(w->names, nc * sizeof(*w->names));

		if (nv == NULL)
			return 1;
		w->names = nv;
		w->cap = nc;
	}
	snprintf(w->names[w->n][0], 256, "%s", o->ns);
	snprintf(w->names[w->n][1], 256, "%s", o->name);
	w->n++;
	return 0;
}

int
ctl_drain_node(struct ctl_ctx *c, const char *node)
{
	struct sim_selector *sel = NULL;
	struct drain_walk w = { .c = c };
	char fs[320], err[128];
	size_t i;

	snprintf(fs, sizeof(fs), "spec.nodeName=%s", node);
	if (sim_selector_parse(sim_rt(SIM_RT_POD), NULL, fs, &sel, err, sizeof(err)) < 0)
		return -EINVAL;
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), NULL, sel, drain_pod, &w);
	sim_selector_free(sel);
	for (i = 0; i < w.n; i++) {
		int rc = ctl_pdb_evict(c, w.names[i][0], w.names[i][1]);

		if (rc < 0 && rc != -ENOENT)
			w.left++;
	}
	free(w.names);
	return w.left;
}
