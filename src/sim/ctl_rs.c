/*
 * The ReplicaSet controller: keeps spec.replicas pods of the template alive (replacing
 * deleted and evicted ones, removing extras — unscheduled, pending and unready first,
 * newest first) and writes status (replicas, fullyLabeledReplicas, readyReplicas,
 * availableReplicas, observedGeneration).  Pods belong to the RS when its selector matches
 * and their controller ownerReference carries the RS uid.  Events: SuccessfulCreate,
 * SuccessfulDelete (component replicaset-controller).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

#define BURST_MAX	500		/* pods created or deleted per reconcile */

struct ctl_rs {
	struct ctl_queue q;
};

struct member {
	char	name[256];
	char	created[32];
	int	rank;		/* lower = deleted first */
	bool	ready;
};

struct walk {
	const char	*uid;
	struct member	*v;
	size_t		 n, cap;
	int		 ready;
	int		 err;
};

static int
member_rank(const json_t *pod, bool ready)
{
	const char *node = ctl_jstr(pod, "spec.nodeName"), *phase = ctl_jstr(pod, "status.phase");
	int r = 0;

	if (node && node[0])
		r += 4;
	if (phase && strcmp(phase, "Running") == 0)
		r += 2;
	if (ready)
		r += 1;
	return r;
}

static int
walk_pod(const struct sim_obj *o, void *arg)
{
	struct walk *w = arg;
	struct member *m;
	json_t *pod;

	if (o->deleting || ctl_pod_terminal(o->phase) || strstr(o->json, w->uid) == NULL)
		return 0;
	if ((pod = sim_obj_json(o)) == NULL) {
		w->err = -ENOMEM;
		return 1;
	}
	if (!ctl_controlled_by(pod, w->uid))
		goto out;
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 16;
		struct member *nv = realloc(w->v, nc * sizeof(*nv));

		if (nv == NULL) {
			w->err = -ENOMEM;
			json_decref(pod);
			return 1;
		}
		w->v = nv;
		w->cap = nc;
	}
	m = &w->v[w->n++];
	snprintf(m->name, sizeof(m->name), "%s", o->name);
	snprintf(m->created, sizeof(m->created), "%s",
	    ctl_jstr(pod, "metadata.creationTimestamp") ?
	    ctl_jstr(pod, "metadata.creationTimestamp") : "");
	m->ready = ctl_pod_ready(pod);
	m->rank = member_rank(pod, m->ready);
	if (m->ready)
		w->ready++;
out:
	json_decref(pod);
	return 0;
}

/* Deletion order: lowest rank first, then newest first. */
static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(y->created, x->created);
}

static void
create_pods(struct ctl_ctx *c, const json_t *rs, int n)
{
	const char *ns = ctl_jstr(rs, "metadata.namespace"), *name = ctl_jstr(rs, "metadata.name");
	json_t *tmpl = ctl_jget(rs, "spec.template");
	char gen[300];
	int i;

	snprintf(gen, sizeof(gen), "%s-", name);
	for (i = 0; i < n && i < BURST_MAX; i++) {
		json_t *pod = json_object(), *md = json_object(), *out = NULL, *v;

		json_object_set_new(pod, "apiVersion", json_string("v1"));
		json_object_set_new(pod, "kind", json_string("Pod"));
		json_object_set_new(md, "generateName", json_string(gen));
		json_object_set_new(md, "namespace", json_string(ns));
		if ((v = ctl_jget(tmpl, "metadata.labels")) != NULL)
			json_object_set_new(md, "labels", json_deep_copy(v));
		if ((v = ctl_jget(tmpl, "metadata.annotations")) != NULL)
			json_object_set_new(md, "annotations", json_deep_copy(v));
		json_object_set_new(md, "ownerReferences",
		    json_pack("[o]", ctl_owner_ref(sim_rt(SIM_RT_REPLICASET), rs)));
		json_object_set_new(pod, "metadata", md);
		v = ctl_jget(tmpl, "spec");
		json_object_set_new(pod, "spec", v ? json_deep_copy(v) : json_object());
		json_object_set_new(pod, "status", json_pack("{s:s}", "phase", "Pending"));
		if (ctl_create(c, sim_rt(SIM_RT_POD), ns, pod, &out) == 0) {
			ctl_event(c, sim_rt(SIM_RT_REPLICASET), rs, "Normal", "SuccessfulCreate",
			    "replicaset-controller", "Created pod: %s",
			    ctl_jstr(out, "metadata.name"));
			json_decref(out);
		}
		json_decref(pod);
	}
}

static void
rs_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *rs = sim_store_get(c->s, sim_rt(SIM_RT_REPLICASET), ns, name), *orig = NULL;
	struct sim_selector *sel = NULL;
	struct walk w = { 0 };
	json_t *st;
	char err[256];
	int desired, diff, i;

	if (rs == NULL || json_object_get(ctl_jget(rs, "metadata"), "deletionTimestamp"))
		goto done;
	w.uid = ctl_jstr(rs, "metadata.uid");
	if (w.uid == NULL ||
	    sim_selector_from_json(ctl_jget(rs, "spec.selector"), &sel, err, sizeof(err)) < 0)
		goto done;
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), ns, sel, walk_pod, &w);
	if (w.err < 0)
		goto done;
	desired = (int)ctl_jint(rs, "spec.replicas", 1);
	diff = (int)w.n - desired;
	if (diff < 0) {
		create_pods(c, rs, -diff);
	} else if (diff > 0) {
		qsort(w.v, w.n, sizeof(*w.v), member_cmp);
		for (i = 0; i < diff && i < BURST_MAX; i++) {
			if (ctl_delete(c, sim_rt(SIM_RT_POD), ns, w.v[i].name) == 0)
				ctl_event(c, sim_rt(SIM_RT_REPLICASET), rs, "Normal",
				    "SuccessfulDelete", "replicaset-controller", "Deleted pod: %s",
				    w.v[i].name);
		}
	}
	orig = json_deep_copy(rs);
	st = ctl_jobj(rs, "status");
	json_object_set_new(st, "replicas", json_integer((json_int_t)w.n));
	json_object_set_new(st, "fullyLabeledReplicas", json_integer((json_int_t)w.n));
	json_object_set_new(st, "readyReplicas", json_integer(w.ready));
	json_object_set_new(st, "availableReplicas", json_integer(w.ready));
	json_object_set_new(st, "observedGeneration",
	    json_integer(ctl_jint(rs, "metadata.generation", 1)));
	ctl_update_if_changed(c, sim_rt(SIM_RT_REPLICASET), orig, rs);
done:
	sim_selector_free(sel);
	free(w.v);
	json_decref(orig);
	json_decref(rs);
}

void
ctl_rs_enqueue(struct ctl_ctx *c, const char *ns, const char *name)
{
	ctl_queue_add(&c->rs->q, ns, name);
}

/* As for Deployments: only ReplicaSets nobody has observed yet are reconciled at start. */
static int
startup_rs(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;

	if (strstr(o->json, "\"observedGeneration\"") == NULL)
		ctl_rs_enqueue(c, o->ns, o->name);
	return 0;
}

int
ctl_rs_init(struct ctl_ctx *c)
{
	if ((c->rs = calloc(1, sizeof(*c->rs))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->rs->q, c, rs_reconcile);
	sim_store_foreach(c->s, sim_rt(SIM_RT_REPLICASET), NULL, NULL, startup_rs, c);
	return 0;
}

void
ctl_rs_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	json_t *ref;
	const char *kind;

	if (ch->rt->id == SIM_RT_REPLICASET) {
		if (ch->type != SIM_CHANGE_DELETED)
			ctl_rs_enqueue(c, ch->ns, ch->name);
		return;
	}
	if (ch->rt->id != SIM_RT_POD || (ref = ctl_controller_ref(obj)) == NULL)
		return;
	kind = ctl_jstr(ref, "kind");
	if (kind && strcmp(kind, "ReplicaSet") == 0 && ctl_jstr(ref, "name"))
		ctl_rs_enqueue(c, ch->ns, ctl_jstr(ref, "name"));
}

void
ctl_rs_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_rs_fini(struct ctl_ctx *c)
{
	if (c->rs == NULL)
		return;
	ctl_queue_fini(&c->rs->q);
	free(c->rs);
	c->rs = NULL;
}
