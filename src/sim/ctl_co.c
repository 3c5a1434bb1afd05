/*
 * ClusterOperator health that follows its component pods.  A ClusterOperator with the
 * hint sim.strata.dev/operands: "ns1,ns2" has its conditions derived from the pods in
 * those namespaces whenever they change: Available (some pod ready), Degraded (pods not
 * ready, named in the message with their waiting reason), Progressing (pods starting).
 * Operators without the hint are left exactly as the scenario has them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"


struct ctl_co {
	struct ctl_queue q;
	struct ctl_map	 by_ns;		/* namespace → "co1\nco2\n" (strdup) */
};

struct co_walk {
	int	 total, ready, starting;
	char	 bad[600];
	size_t	 off;
	int	 nbad;
};

static int
co_pod(const struct sim_obj *o, void *arg)
{
	struct co_walk *w = arg;
	json_t *pod;

	if (o->deleting || ctl_pod_terminal(o->phase))
		return 0;
	if ((pod = sim_obj_json(o)) == NULL)
		return 0;
	w->total++;
	if (ctl_pod_ready(pod)) {
		w->ready++;
	} else {
		json_t *cs = json_array_get(ctl_jget(pod, "status.containerStatuses"), 0);
		const char *why = ctl_jstr(cs, "state.waiting.reason");

		if (cs == NULL)
			w->starting++;
		if (w->nbad++ < 3 && w->off < sizeof(w->bad))
			w->off += (size_t)snprintf(w->bad + w->off, sizeof(w->bad) - w->off,
			    "%s%s/%s (%s)", w->off ? ", " : "", o->ns, o->name,
			    why ? why : (o->phase ? o->phase : "NotReady"));
	}
	json_decref(pod);
	return 0;
}

static void
co_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *co = sim_store_get(c->s, sim_rt(SIM_RT_CLUSTEROPERATOR), "", name), *orig;
	const char *list;
	struct co_walk w = { 0 };
	char buf[512], *save = NULL, *tok, msg[900];

	(void)ns;
	if (co == NULL || (list = ctl_hint(co, "operands")) == NULL) {
		json_decref(co);
		return;
	}
	orig = json_deep_copy(co);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		sim_store_foreach(c->s, sim_rt(SIM_RT_POD), tok, NULL, co_pod, &w);
	if (w.total == 0) {
		snprintf(msg, sizeof(msg), "no operand pods found in %s", list);
		ctl_cond_set(c->s, co, "status.conditions", "Available", "False",
		    "NoOperandPods", msg, false);
	} else if (w.ready == 0) {
		snprintf(msg, sizeof(msg), "no operand pods are ready: %s", w.bad);
		ctl_cond_set(c->s, co, "status.conditions", "Available", "False",
		    "NoPodsAvailable", msg, false);
	} else {
		ctl_cond_set(c->s, co, "status.conditions", "Available", "True", "AsExpected",
		    "All is well", false);
	}
	if (w.total > w.ready) {
		snprintf(msg, sizeof(msg), "%d of %d pods are not ready: %s%s", w.total - w.ready,
		    w.total, w.bad, w.nbad > 3 ? ", ..." : "");
		ctl_cond_set(c->s, co, "status.conditions", "Degraded", "True", "PodsNotReady",
		    msg, false);
	} else {
		ctl_cond_set(c->s, co, "status.conditions", "Degraded", "False", "AsExpected", "",
		    false);
	}
	if (w.starting > 0) {
		snprintf(msg, sizeof(msg), "%d pods are starting", w.starting);
		ctl_cond_set(c->s, co, "status.conditions", "Progressing", "True", "Deploying",
		    msg, false);
	} else {
		ctl_cond_set(c->s, co, "status.conditions", "Progressing", "False", "AsExpected",
		    "Desired and current number of pods are equal", false);
	}
	ctl_update_if_changed(c, sim_rt(SIM_RT_CLUSTEROPERATOR), orig, co);
	json_decref(orig);
	json_decref(co);
}

static void
index_co(struct ctl_ctx *c, const char *name, const char *list)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		const char *have = ctl_map_get(&c->co->by_ns, tok);
		char line[600], *nv;
		void *old = NULL;

		snprintf(line, sizeof(line), "%s\n", name);
		if (have && strstr(have, line))
			continue;
		if ((nv = malloc(strlen(have ? have : "") + strlen(line) + 1)) == NULL)
			continue;
		strcpy(nv, have ? have : "");
		strcat(nv, line);
		if (ctl_map_put(&c->co->by_ns, tok, nv, &old) < 0)
			free(nv);
		free(old);
	}
}

static int
startup_co(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;
	json_t *co;

	if (strstr(o->json, SIM_HINT_PREFIX "operands") == NULL || (co = sim_obj_json(o)) == NULL)
		return 0;
	if (ctl_hint(co, "operands"))
		index_co(c, o->name, ctl_hint(co, "operands"));
	json_decref(co);
	return 0;
}

int
ctl_co_init(struct ctl_ctx *c)
{
	if ((c->co = calloc(1, sizeof(*c->co))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->co->q, c, co_reconcile);
	ctl_map_init(&c->co->by_ns);
	sim_store_foreach(c->s, sim_rt(SIM_RT_CLUSTEROPERATOR), NULL, NULL, startup_co, c);
	return 0;
}

void
ctl_co_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	const char *list;

	if (ch->rt->id == SIM_RT_CLUSTEROPERATOR) {
		if (ch->type != SIM_CHANGE_DELETED && (list = ctl_hint(obj, "operands")) != NULL) {
			index_co(c, ch->name, list);
			ctl_queue_add(&c->co->q, "", ch->name);
		}
		return;
	}
	if (ch->rt->id == SIM_RT_POD && (list = ctl_map_get(&c->co->by_ns, ch->ns)) != NULL) {
		char buf[600], *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", list);
		for (tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
			ctl_queue_add(&c->co->q, "", tok);
	}
}

void
ctl_co_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_co_fini(struct ctl_ctx *c)
{
	if (c->co == NULL)
		return;
	ctl_queue_fini(&c->co->q);
	ctl_map_fini(&c->co->by_ns, free);
	free(c->co);
	c->co = NULL;
}
