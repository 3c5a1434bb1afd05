/*
 * Node lifecycle: the taints the node-lifecycle controller and kubelet derive from a node's
 * state (node.kubernetes.io/unschedulable while cordoned, not-ready while Ready is not
 * True, memory-pressure/disk-pressure while those conditions are True), and node pressure
 * driven by load: with the hint sim.strata.dev/memory-pressure-above (or
 * disk-pressure-above) the condition is True while the node carries more than N pods (or
 * more than P% of its allocatable memory in requests) and clears once the load is drained
 * away.  Ready transitions are passed on to the kubelet and the scheduler.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

struct ctl_nodes {
	struct ctl_queue q;
	struct ctl_map	 ready;		/* name → (uintptr_t) 1 not ready, 2 ready */
};

static bool
has_taint(const json_t *node, const char *key, const char *effect)
{
	json_t *t;
	size_t i;

	json_array_foreach(ctl_jget(node, "spec.taints"), i, t) {
		if (ctl_jstr(t, "key") && strcmp(ctl_jstr(t, "key"), key) == 0 &&
		    ctl_jstr(t, "effect") && strcmp(ctl_jstr(t, "effect"), effect) == 0)
			return true;
	}
	return false;
}

static void
taint_set(struct sim *s, json_t *node, const char *key, const char *effect, bool on)
{
	json_t *arr, *t;
	size_t i;

	if (on == has_taint(node, key, effect))
		return;
	if (on) {
		char ts[32];

		sim_time_rfc3339(s, ts);
		arr = json_object_get(ctl_jobj(node, "spec"), "taints");
		if (!json_is_array(arr)) {
			arr = json_array();
			json_object_set_new(ctl_jobj(node, "spec"), "taints", arr);
		}
		t = json_pack("{s:s, s:s}", "key", key, "effect", effect);
		if (strcmp(effect, "NoExecute") == 0 || strcmp(key,
		    "node.kubernetes.io/unschedulable") == 0)
			json_object_set_new(t, "timeAdded", json_string(ts));
		json_array_append_new(arr, t);
		return;
	}
	arr = ctl_jget(node, "spec.taints");
	for (i = 0; i < json_array_size(arr); i++) {
		t = json_array_get(arr, i);
		if (ctl_jstr(t, "key") && strcmp(ctl_jstr(t, "key"), key) == 0 &&
		    ctl_jstr(t, "effect") && strcmp(ctl_jstr(t, "effect"), effect) == 0) {
			json_array_remove(arr, i);
			break;
		}
	}
	if (json_array_size(arr) == 0)
		json_object_del(ctl_jget(node, "spec"), "taints");
}

/*
 * Evaluates a pressure hint: "N" = more than N pods; "P%" = memory requests above P% of
 * allocatable.  Returns -1 without a hint, else 0/1.
 */
static int
pressure(struct ctl_ctx *c, const json_t *node, const char *hint)
{
	const char *v = ctl_hint(node, hint);
	struct ctl_node *n;
	char *end;
	double lim;

	if (v == NULL)
		return -1;
	lim = strtod(v, &end);
	if (end == v)
		return -1;
	if ((n = ctl_index_node(c, ctl_jstr(node, "metadata.name"))) == NULL)
		return -1;
	if (*end == '%') {
		if (n->mem_alloc <= 0)
			return 0;
		return (double)n->mem_used * 100.0 / (double)n->mem_alloc > lim;
	}
	return (double)n->pods_used > lim;
}

static void
pressure_apply(struct ctl_ctx *c, json_t *node, int on, const char *type,
    const char *reason_on, const char *msg_on, const char *reason_off, const char *msg_off,
    const char *ev_on, const char *ev_off)
{
	if (on < 0)
		return;
	if (ctl_cond_set(c->s, node, "status.conditions", type, on ? "True" : "False",
	    on ? reason_on : reason_off, on ? msg_on : msg_off, false))
		ctl_event(c, sim_rt(SIM_RT_NODE), node, on ? "Warning" : "Normal",
		    on ? ev_on : ev_off, "kubelet", "Node %s status is now: %s",
		    ctl_jstr(node, "metadata.name"), on ? ev_on : ev_off);
}

static bool
cond_true(const json_t *node, const char *type)
{
	const char *st = ctl_cond_status(node, "status.conditions", type);

	return st && strcmp(st, "True") == 0;
}

static void
nodes_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *node = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", name), *orig;
	const char *rs;
	bool ready;
	uintptr_t was;

	(void)ns;
	if (node == NULL) {
		ctl_map_del(&c->nodectl->ready, name);
		return;
	}
	orig = json_deep_copy(node);
	pressure_apply(c, node, pressure(c, node, "memory-pressure-above"), "MemoryPressure",
	    "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
	    "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
	    "NodeHasInsufficientMemory", "NodeHasSufficientMemory");
	pressure_apply(c, node, pressure(c, node, "disk-pressure-above"), "DiskPressure",
	    "KubeletHasDiskPressure", "kubelet has disk pressure",
	    "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
	    "NodeHasDiskPressure", "NodeHasNoDiskPressure");
	rs = ctl_cond_status(node, "status.conditions", "Ready");
	ready = rs == NULL || strcmp(rs, "True") == 0;
	taint_set(c->s, node, "node.kubernetes.io/unschedulable", "NoSchedule",
	    json_is_true(ctl_jget(node, "spec.unschedulable")));
	taint_set(c->s, node, "node.kubernetes.io/not-ready", "NoSchedule", !ready);
	taint_set(c->s, node, "node.kubernetes.io/not-ready", "NoExecute", !ready);
	taint_set(c->s, node, "node.kubernetes.io/memory-pressure", "NoSchedule",
	    cond_true(node, "MemoryPressure"));
	taint_set(c->s, node, "node.kubernetes.io/disk-pressure", "NoSchedule",
	    cond_true(node, "DiskPressure"));
	ctl_update_if_changed(c, sim_rt(SIM_RT_NODE), orig, node);

	was = (uintptr_t)ctl_map_get(&c->nodectl->ready, name);
	ctl_map_put(&c->nodectl->ready, name, (void *)(uintptr_t)(ready ? 2 : 1), NULL);
	if (was != 0 && (was == 2) != ready) {
		ctl_kubelet_node_ready(c, name, ready);
		if (ready)
			ctl_sched_kick(c);
	}
	json_decref(orig);
	json_decref(node);
}

void
ctl_nodes_enqueue(struct ctl_ctx *c, const char *name)
{
	ctl_queue_add(&c->nodectl->q, "", name);
}

static int
startup_node(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;
	const char *rdy = strstr(o->json, "\"type\":\"Ready\"");
	bool ready = true;

	/* cheap look at the Ready condition without parsing: status follows or precedes */
	if (rdy) {
		const char *obj_start = rdy, *obj_end = strchr(rdy, '}');

		while (obj_start > o->json && *obj_start != '{')
			obj_start--;
		if (obj_end) {
			const char *f = strstr(obj_start, "\"status\":\"");

			if (f && f < obj_end)
				ready = strncmp(f + 10, "True", 4) == 0;
		}
	}
	ctl_map_put(&c->nodectl->ready, o->name, (void *)(uintptr_t)(ready ? 2 : 1), NULL);
	if (strstr(o->json, SIM_HINT_PREFIX) != NULL)
		ctl_nodes_enqueue(c, o->name);
	return 0;
}

int
ctl_nodes_init(struct ctl_ctx *c)
{
	if ((c->nodectl = calloc(1, sizeof(*c->nodectl))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->nodectl->q, c, nodes_reconcile);
	ctl_map_init(&c->nodectl->ready);
	sim_store_foreach(c->s, sim_rt(SIM_RT_NODE), NULL, NULL, startup_node, c);
	return 0;
}

void
ctl_nodes_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	(void)obj;
	if (ch->rt->id != SIM_RT_NODE)
		return;
	if (ch->type == SIM_CHANGE_DELETED)
		ctl_map_del(&c->nodectl->ready, ch->name);
	else
		ctl_nodes_enqueue(c, ch->name);
}

void
ctl_nodes_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_nodes_fini(struct ctl_ctx *c)
{
	if (c->nodectl == NULL)
		return;
	ctl_queue_fini(&c->nodectl->q);
	ctl_map_fini(&c->nodectl->ready, NULL);
	free(c->nodectl);
	c->nodectl = NULL;
}
