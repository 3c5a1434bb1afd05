/*
 * DaemonSet status: desiredNumberScheduled, currentNumberScheduled, numberReady,
 * numberAvailable, numberUnavailable, updatedNumberScheduled and observedGeneration follow
 * the DaemonSet's pods, as the daemon-set controller keeps them.  Creating the per-node
 * pods is not simulated (scenarios and the generator bring them); what clients read —
 * `kubectl rollout status ds`, a checkpoint counting ready daemons after a node reboot —
 * is kept true.  Pods belong to the DaemonSet by their controller ownerReference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

struct ctl_ds {
	struct ctl_queue q;
};

struct ds_walk {
	const char	*uid;
	const char	*name;
	json_int_t	 scheduled, ready;
};

static int
ds_pod(const struct sim_obj *o, void *arg)
{
	struct ds_walk *w = arg;
	json_t *pod, *ref;

	if (o->deleting || ctl_pod_terminal(o->phase) || o->node_name == NULL ||
	    strstr(o->json, w->name) == NULL)
		return 0;		/* cheap filter before parsing */
	if ((pod = sim_obj_json(o)) == NULL)
		return 0;
	ref = ctl_controller_ref(pod);
	if (ref != NULL && ctl_jstr(ref, "kind") != NULL &&
	    strcmp(ctl_jstr(ref, "kind"), "DaemonSet") == 0 && ctl_jstr(ref, "uid") != NULL &&
	    strcmp(ctl_jstr(ref, "uid"), w->uid) == 0) {
		w->scheduled++;
		if (ctl_pod_ready(pod))
			w->ready++;
	}
	json_decref(pod);
	return 0;
}

static void
ds_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *ds = sim_store_get(c->s, sim_rt(SIM_RT_DAEMONSET), ns, name), *orig, *st;
	struct ds_walk w;
	json_int_t desired;

	if (ds == NULL || ctl_jstr(ds, "metadata.uid") == NULL) {
		json_decref(ds);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.uid = ctl_jstr(ds, "metadata.uid");
	w.name = name;
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), ns, NULL, ds_pod, &w);
	orig = json_deep_copy(ds);
	st = ctl_jobj(ds, "status");
	/* Which nodes should run a daemon is the scheduler's business, not simulated: keep
	 * the recorded desire, never below what runs. */
	desired = ctl_jint(ds, "status.desiredNumberScheduled", 0);
	if (desired < w.scheduled)
		desired = w.scheduled;
	json_object_set_new(st, "desiredNumberScheduled", json_integer(desired));
	json_object_set_new(st, "currentNumberScheduled", json_integer(w.scheduled));
	json_object_set_new(st, "updatedNumberScheduled", json_integer(w.scheduled));
	json_object_set_new(st, "numberReady", json_integer(w.ready));
	json_object_set_new(st, "numberAvailable", json_integer(w.ready));
	json_object_set_new(st, "numberUnavailable", json_integer(desired - w.ready));
	json_object_set_new(st, "observedGeneration",
	    json_integer(ctl_jint(ds, "metadata.generation", 1)));
	ctl_update_if_changed(c, sim_rt(SIM_RT_DAEMONSET), orig, ds);
	json_decref(orig);
	json_decref(ds);
}

int
ctl_ds_init(struct ctl_ctx *c)
{
	if ((c->ds = calloc(1, sizeof(*c->ds))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->ds->q, c, ds_reconcile);
	return 0;
}

void
ctl_ds_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	json_t *ref;

	if (ch->rt->id != SIM_RT_POD || obj == NULL ||
	    (ref = ctl_controller_ref(obj)) == NULL)
		return;
	if (ctl_jstr(ref, "kind") != NULL && strcmp(ctl_jstr(ref, "kind"), "DaemonSet") == 0 &&
	    ctl_jstr(ref, "name") != NULL)
		ctl_queue_add(&c->ds->q, ch->ns, ctl_jstr(ref, "name"));
}

void
ctl_ds_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_ds_fini(struct ctl_ctx *c)
{
	if (c->ds == NULL)
		return;
	ctl_queue_fini(&c->ds->q);
	free(c->ds);
	c->ds = NULL;
}
