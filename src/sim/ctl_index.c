/*
 * The pod/node index shared by the scheduler and node pressure: per node its allocatable
 * resources, taints and what the non-terminal pods bound to it request; per pod where it
 * is counted.  Built by one pass over the store on first use (parsing each pod once), then
 * kept current from the change feed, so no controller rescans 150,000 pods per decision.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

static void
node_free(void *p)
{
	struct ctl_node *n = p;

	if (n == NULL)
		return;
	free(n->name);
	json_decref(n->taints);
	free(n);
}

static void
pod_free(void *p)
{
	struct ctl_pod_rec *r = p;

	if (r == NULL)
		return;
	free(r->node);
	free(r);
}

static int64_t
alloc_of(const json_t *node, const char *res, bool cpu)
{
	const char *q = ctl_jstr(ctl_jget(node, "status.allocatable"), res);
	int64_t v;

	if (q == NULL)
		q = ctl_jstr(ctl_jget(node, "status.capacity"), res);
	if (q == NULL)
		return -1;		/* unknown: no limit */
	if (strcmp(res, "pods") == 0)
		return atoll(q);
	v = cpu ? strata_quantity_milli(q) : strata_quantity_bytes(q);
	return v;
}

static struct ctl_node *
node_get(struct ctl_ctx *c, const char *name)
{
	struct ctl_node *n = ctl_map_get(&c->nodes, name);

	if (n)
		return n;
	if ((n = calloc(1, sizeof(*n))) == NULL || (n->name = strdup(name)) == NULL ||
	    ctl_map_put(&c->nodes, name, n, NULL) < 0) {
		node_free(n);
		return NULL;
	}
	n->cpu_alloc = n->mem_alloc = n->pods_alloc = -1;
	return n;
}

static void
node_load(struct ctl_node *n, const json_t *node)
{
	const char *ready = ctl_cond_status(node, "status.conditions", "Ready");
	json_t *taints = ctl_jget(node, "spec.taints");

	n->cpu_alloc = alloc_of(node, "cpu", true);
	n->mem_alloc = alloc_of(node, "memory", false);
	n->pods_alloc = alloc_of(node, "pods", false);
	n->unschedulable = json_is_true(ctl_jget(node, "spec.unschedulable"));
	n->ready = ready == NULL || strcmp(ready, "True") == 0;
	json_decref(n->taints);
	n->taints = json_is_array(taints) && json_array_size(taints) ? json_incref(taints) : NULL;
}

/* Accounts the pod's new state; returns the nodes whose usage changed. */
static void
pod_account(struct ctl_ctx *c, const char *key, const json_t *pod, bool deleted,
    const char **n1, const char **n2)
{
	struct ctl_pod_rec *r = ctl_map_get(&c->pods, key);
	const char *node = deleted ? NULL : ctl_jstr(pod, "spec.nodeName");
	const char *phase = ctl_jstr(pod, "status.phase");
	bool counted = !deleted && node && node[0] && !ctl_pod_terminal(phase);
	int64_t cpu = 0, mem = 0;
	struct ctl_node *n;

	if (counted)
		ctl_pod_requests(pod, &cpu, &mem);
	if (r && r->counted && counted && strcmp(r->node, node) == 0 && r->cpu_m == cpu &&
	    r->mem_b == mem)
		return;
	if (r && r->counted && (n = ctl_map_get(&c->nodes, r->node)) != NULL) {
		n->cpu_used -= r->cpu_m;
		n->mem_used -= r->mem_b;
		n->pods_used--;
		if (n1)
			*n1 = n->name;
	}
	if (!counted) {
		pod_free(ctl_map_del(&c->pods, key));
		return;
	}
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL || ctl_map_put(&c->pods, key, r, NULL) < 0) {
			free(r);
			return;
		}
	}
	free(r->node);
	r->node = strdup(node);
	r->cpu_m = cpu;
	r->mem_b = mem;
	r->counted = r->node != NULL;
	if (r->counted && (n = node_get(c, node)) != NULL) {
		n->cpu_used += cpu;
		n->mem_used += mem;
		n->pods_used++;
		if (n2)
			*n2 = n->name;
	}
}

/*
 * Requests straight from the compact JSON text, without parsing the pod: every
 * "requests":{...} object (containers; init containers count too, a small overestimate).
 * Values are strings or numbers; anything odd is skipped.
 */
static void
requests_scan(const char *json, int64_t *cpu_m, int64_t *mem_b)
{
	const char *p = json;

	*cpu_m = *mem_b = 0;
	while ((p = strstr(p, "\"requests\":{")) != NULL) {
		const char *end = strchr(p, '}');

		p += 12;
		while (end && p < end) {
			char key[16], val[48];
			const char *k, *ke, *v, *ve;
			int64_t q;

			if ((k = strchr(p, '"')) == NULL || k >= end)
				break;
			if ((ke = strchr(k + 1, '"')) == NULL || ke >= end)
				break;
			v = ke + 2;			/* skip ": */
			if (*v == '"')
				v++;
			for (ve = v; ve < end && *ve != '"' && *ve != ','; ve++)
				;
			snprintf(key, sizeof(key), "%.*s", (int)(ke - k - 1), k + 1);
			snprintf(val, sizeof(val), "%.*s", (int)(ve - v), v);
			if (strcmp(key, "cpu") == 0 && (q = strata_quantity_milli(val)) > 0)
				*cpu_m += q;
			else if (strcmp(key, "memory") == 0 && (q = strata_quantity_bytes(val)) > 0)
				*mem_b += q;
			p = ve + (*ve == '"');
			if (*p == ',')
				p++;
		}
		p = end ? end : p;
	}
}

struct build_arg {
	struct ctl_ctx *c;
	int rc;
};

static int
build_node(const struct sim_obj *o, void *arg)
{
	struct build_arg *b = arg;
	struct ctl_node *n = node_get(b->c, o->name);
	json_t *j;

	if (n == NULL || (j = sim_obj_json(o)) == NULL) {
		b->rc = -ENOMEM;
		return 1;
	}
	node_load(n, j);
	json_decref(j);
	return 0;
}

static int
build_pod(const struct sim_obj *o, void *arg)
{
	struct build_arg *b = arg;
	struct ctl_pod_rec *r;
	struct ctl_node *n;
	char key[512];

	if (o->node_name == NULL || o->node_name[0] == '\0' || ctl_pod_terminal(o->phase))
		return 0;
	if (!ctl_key(key, sizeof(key), o->ns, o->name) || ctl_map_get(&b->c->pods, key))
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->node = strdup(o->node_name)) == NULL ||
	    (n = node_get(b->c, o->node_name)) == NULL ||
	    ctl_map_put(&b->c->pods, key, r, NULL) < 0) {
		pod_free(r);
		b->rc = -ENOMEM;
		return 1;
	}
	requests_scan(o->json, &r->cpu_m, &r->mem_b);
	r->counted = true;
	n->cpu_used += r->cpu_m;
	n->mem_used += r->mem_b;
	n->pods_used++;
	return 0;
}

int
ctl_index_build(struct ctl_ctx *c)
{
	struct build_arg b = { c, 0 };
	uint64_t t0 = strata_now_ms();

	if (c->indexed)
		return 0;
	sim_store_foreach(c->s, sim_rt(SIM_RT_NODE), NULL, NULL, build_node, &b);
	if (b.rc == 0)
		sim_store_foreach(c->s, sim_rt(SIM_RT_POD), NULL, NULL, build_pod, &b);
	if (b.rc < 0) {
		ctl_index_fini(c);
		return b.rc;
	}
	c->indexed = true;
	log_info("sim.ctl", "index built nodes=%zu pods=%zu ms=%llu", c->nodes.n,
	    c->pods.n, (unsigned long long)(strata_now_ms() - t0));
	return 0;
}

struct ctl_node *
ctl_index_node(struct ctl_ctx *c, const char *name)
{
	if (!c->indexed && ctl_index_build(c) < 0)
		return NULL;
	return ctl_map_get(&c->nodes, name);
}

void
ctl_index_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj,
    const char **n1, const char **n2)
{
	char key[512];

	*n1 = *n2 = NULL;
	if (ch->rt->id == SIM_RT_NODE) {
		struct ctl_node *n;

		if (ch->type == SIM_CHANGE_DELETED) {
			node_free(ctl_map_del(&c->nodes, ch->name));
			return;
		}
		if ((n = node_get(c, ch->name)) != NULL)
			node_load(n, obj);
		return;
	}
	if (ch->rt->id != SIM_RT_POD || !ctl_key(key, sizeof(key), ch->ns, ch->name))
		return;
	pod_account(c, key, obj, ch->type == SIM_CHANGE_DELETED, n1, n2);
}

void
ctl_index_fini(struct ctl_ctx *c)
{
	ctl_map_fini(&c->nodes, node_free);
	ctl_map_fini(&c->pods, pod_free);
	c->indexed = false;
}
