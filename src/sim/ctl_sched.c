/*
 * The scheduler: binds pods without spec.nodeName to a node.  Filters as kube-scheduler's
 * default plugins do for what a scenario can express (NodeUnschedulable, TaintToleration
 * for NoSchedule/NoExecute, NodeResourcesFit on cpu/memory/pods, NodeAffinity via
 * nodeSelector and required node affinity), scores by least allocated, and on failure
 * records the condition and the FailedScheduling event with the real message shape
 * ("0/N nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.
 * preemption: ...").  Unschedulable pods are retried when nodes or pods change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

struct ctl_sched {
	struct ctl_queue q;		/* pods to try now */
	struct ctl_map	 pending;	/* "ns/name" → marker: unschedulable, retry later */
};

#define MAX_REASONS	16

struct reason {
	char	 msg[160];		/* first member: reason_cmp sorts by it */
	unsigned count;
};

struct reasons {
	struct reason r[MAX_REASONS];
	size_t	 n;
};

static void
reason_add(struct reasons *r, const char *msg)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->r[i].msg, msg) == 0) {
			r->r[i].count++;
			return;
		}
	}
	if (r->n == MAX_REASONS)
		return;
	snprintf(r->r[r->n].msg, sizeof(r->r[0].msg), "%s", msg);
	r->r[r->n++].count = 1;
}

static int
reason_cmp(const void *a, const void *b)
{
	return strcmp(((const struct reason *)a)->msg, ((const struct reason *)b)->msg);
}

static bool
tolerates(const json_t *tols, const json_t *taint)
{
	const char *key = ctl_jstr(taint, "key"), *val = ctl_jstr(taint, "value");
	const char *eff = ctl_jstr(taint, "effect");
	json_t *t;
	size_t i;

	json_array_foreach(tols, i, t) {
		const char *tk = ctl_jstr(t, "key"), *op = ctl_jstr(t, "operator");
		const char *tv = ctl_jstr(t, "value"), *te = ctl_jstr(t, "effect");
		bool exists = op && strcmp(op, "Exists") == 0;

		if (te && te[0] && eff && strcmp(te, eff) != 0)
			continue;
		if ((tk == NULL || tk[0] == '\0') && exists)
			return true;
		if (tk == NULL || key == NULL || strcmp(tk, key) != 0)
			continue;
		if (exists || strcmp(tv ? tv : "", val ? val : "") == 0)
			return true;
	}
	return false;
}

/* The first NoSchedule/NoExecute taint the pod does not tolerate, or NULL. */
static const json_t *
untolerated(const struct ctl_node *n, const json_t *tols)
{
	json_t *t;
	size_t i;

	json_array_foreach(n->taints, i, t) {
		const char *eff = ctl_jstr(t, "effect");

		if (eff && strcmp(eff, "PreferNoSchedule") == 0)
			continue;
		if (!tolerates(tols, t))
			return t;
	}
	return NULL;
}

static bool
expr_match(const struct sim_obj *node, const json_t *e)
{
	const char *key = ctl_jstr(e, "key"), *op = ctl_jstr(e, "operator");
	const char *have = key ? sim_obj_label(node, key) : NULL;
	json_t *vals = json_object_get(e, "values"), *v;
	bool in = false;
	size_t i;

	if (key == NULL || op == NULL)
		return false;
	if (strcmp(op, "Exists") == 0)
		return have != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return have == NULL;
	json_array_foreach(vals, i, v) {
		if (have && json_string_value(v) && strcmp(have, json_string_value(v)) == 0)
			in = true;
	}
	if (strcmp(op, "In") == 0)
		return in;
	if (strcmp(op, "NotIn") == 0)
		return !in;
	return false;		/* Gt/Lt: not modelled */
}

/* nodeSelector and requiredDuringScheduling node affinity (terms OR-ed, exprs AND-ed). */
static bool
affinity_match(struct sim *s, const char *node_name, const json_t *pod)
{
	json_t *sel = ctl_jget(pod, "spec.nodeSelector");
	json_t *terms = ctl_jget(pod, "spec.affinity.nodeAffinity."
	    "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	const struct sim_obj *node;
	const char *k;
	json_t *v, *term;
	size_t i;
	bool any = false;

	if (json_object_size(sel) == 0 && json_array_size(terms) == 0)
		return true;
	if ((node = sim_store_find(s, sim_rt(SIM_RT_NODE), "", node_name)) == NULL)
		return false;
	json_object_foreach(sel, k, v) {
		const char *have = sim_obj_label(node, k);

		if (have == NULL || !json_is_string(v) || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	if (json_array_size(terms) == 0)
		return true;
	json_array_foreach(terms, i, term) {
		json_t *exprs = json_object_get(term, "matchExpressions"), *e;
		json_t *fields = json_object_get(term, "matchFields");
		bool ok = true;
		size_t j;

		json_array_foreach(exprs, j, e)
			ok = ok && expr_match(node, e);
		json_array_foreach(fields, j, e) {	/* DaemonSet pods: metadata.name In */
			json_t *vv = json_object_get(e, "values");

			ok = ok && json_array_size(vv) > 0 &&
			    strcmp(json_string_value(json_array_get(vv, 0)) ?
			    json_string_value(json_array_get(vv, 0)) : "", node_name) == 0;
		}
		any = any || ok;
	}
	return any;
}

static void
bind(struct ctl_ctx *c, json_t *pod, const char *node)
{
	const char *n1, *n2;
	struct sim_change ch = { 0 };

	json_object_set_new(ctl_jobj(pod, "spec"), "nodeName", json_string(node));
	ctl_cond_set(c->s, pod, "status.conditions", "PodScheduled", "True", NULL, NULL, false);
	if (ctl_update(c, sim_rt(SIM_RT_POD), pod) == 0) {
		ch.type = SIM_CHANGE_MODIFIED;
		ch.rt = sim_rt(SIM_RT_POD);
		ch.ns = ctl_jstr(pod, "metadata.namespace");
		ch.name = ctl_jstr(pod, "metadata.name");
		/* account at once so the next pod of this round sees the usage */
		ctl_index_change(c, &ch, pod, &n1, &n2);
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Normal", "Scheduled", "default-scheduler",
		    "Successfully assigned %s/%s to %s", ch.ns, ch.name, node);
		if (n2)
			ctl_nodes_enqueue(c, n2);
	}
}

static void
unschedulable(struct ctl_ctx *c, json_t *pod, const char *key, size_t nnodes,
    struct reasons *r)
{
	char msg[1024];
	size_t i, off;

	qsort(r->r, r->n, sizeof(r->r[0]), reason_cmp);
	off = (size_t)snprintf(msg, sizeof(msg), "0/%zu nodes are available", nnodes);
	for (i = 0; i < r->n && off < sizeof(msg); i++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s %u %s",
		    i ? "," : ":", r->r[i].count, r->r[i].msg);
	if (off < sizeof(msg))
		snprintf(msg + off, sizeof(msg) - off, ". preemption: 0/%zu nodes are available: "
		    "%zu Preemption is not helpful for scheduling.", nnodes, nnodes);
	if (ctl_cond_set(c->s, pod, "status.conditions", "PodScheduled", "False",
	    "Unschedulable", msg, false))
		ctl_update(c, sim_rt(SIM_RT_POD), pod);
	ctl_event(c, sim_rt(SIM_RT_POD), pod, "Warning", "FailedScheduling", "default-scheduler",
	    "%s", msg);
	ctl_map_put(&c->sched->pending, key, c->sched, NULL);
}

static bool
wants_scheduling(const json_t *pod)
{
	const char *node = ctl_jstr(pod, "spec.nodeName");
	const char *sched = ctl_jstr(pod, "spec.schedulerName");

	return (node == NULL || node[0] == '\0') &&
	    json_object_get(ctl_jget(pod, "metadata"), "deletionTimestamp") == NULL &&
	    !ctl_pod_terminal(ctl_jstr(pod, "status.phase")) &&
	    (sched == NULL || strcmp(sched, "default-scheduler") == 0);
}

static void
schedule_one(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *pod = sim_store_get(c->s, sim_rt(SIM_RT_POD), ns, name);
	json_t *tols;
	struct reasons r = { .n = 0 };
	struct ctl_node *best = NULL;
	double best_score = -1e18;
	int64_t cpu, mem;
	const char *k;
	void *v;
	size_t i = 0, nnodes = 0;
	char key[512];

	ctl_key(key, sizeof(key), ns, name);
	ctl_map_del(&c->sched->pending, key);
	if (pod == NULL || !wants_scheduling(pod))
		goto done;
	if (!c->indexed && ctl_index_build(c) < 0)
		goto done;
	tols = ctl_jget(pod, "spec.tolerations");
	ctl_pod_requests(pod, &cpu, &mem);
	while (ctl_map_next(&c->nodes, &i, &k, &v)) {
		struct ctl_node *n = v;
		const json_t *t;
		double score;
		char m[160];

		nnodes++;
		if (n->unschedulable) {
			reason_add(&r, "node(s) were unschedulable");
			continue;
		}
		if ((t = untolerated(n, tols)) != NULL) {
			snprintf(m, sizeof(m), "node(s) had untolerated taint {%s: %s}",
			    ctl_jstr(t, "key") ? ctl_jstr(t, "key") : "",
			    ctl_jstr(t, "value") ? ctl_jstr(t, "value") : "");
			reason_add(&r, m);
			continue;
		}
		if (!n->ready) {
			reason_add(&r, "node(s) had untolerated taint {node.kubernetes.io/not-ready: }");
			continue;
		}
		if (!affinity_match(c->s, n->name, pod)) {
			reason_add(&r, "node(s) didn't match Pod's node affinity/selector");
			continue;
		}
		if (n->pods_alloc >= 0 && n->pods_used + 1 > n->pods_alloc) {
			reason_add(&r, "Too many pods");
			continue;
		}
		if (n->cpu_alloc >= 0 && n->cpu_used + cpu > n->cpu_alloc) {
			reason_add(&r, "Insufficient cpu");
			continue;
		}
		if (n->mem_alloc >= 0 && n->mem_used + mem > n->mem_alloc) {
			reason_add(&r, "Insufficient memory");
			continue;
		}
		score = 0;
		if (n->cpu_alloc > 0)
			score += (double)(n->cpu_alloc - n->cpu_used - cpu) / (double)n->cpu_alloc;
		if (n->mem_alloc > 0)
			score += (double)(n->mem_alloc - n->mem_used - mem) / (double)n->mem_alloc;
		score -= (double)n->pods_used * 1e-6;
		if (score > best_score || (score == best_score && best &&
		    strcmp(n->name, best->name) < 0)) {
			best = n;
			best_score = score;
		}
	}
	if (best)
		bind(c, pod, best->name);
	else
		unschedulable(c, pod, key, nnodes, &r);
done:
	json_decref(pod);
}

static void
sched_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	schedule_one(c, ns, name);
}

void
ctl_sched_kick(struct ctl_ctx *c)
{
	const char *k;
	size_t i = 0;

	if (c->sched == NULL)
		return;
	while (ctl_map_next(&c->sched->pending, &i, &k, NULL)) {
		char buf[512];
		const char *ns, *name;

		snprintf(buf, sizeof(buf), "%s", k);
		ctl_key_split(buf, &ns, &name);
		ctl_queue_add(&c->sched->q, ns, name);
	}
}

static int
startup_pod(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;

	if ((o->node_name == NULL || o->node_name[0] == '\0') && !o->deleting &&
	    !ctl_pod_terminal(o->phase))
		ctl_queue_add(&c->sched->q, o->ns, o->name);
	return 0;
}

int
ctl_sched_init(struct ctl_ctx *c)
{
	if ((c->sched = calloc(1, sizeof(*c->sched))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->sched->q, c, sched_reconcile);
	ctl_map_init(&c->sched->pending);
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), NULL, NULL, startup_pod, c);
	return 0;
}

void
ctl_sched_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	if (ch->rt->id == SIM_RT_POD) {
		if (ch->type != SIM_CHANGE_DELETED && wants_scheduling(obj))
			ctl_queue_add(&c->sched->q, ch->ns, ch->name);
		else if (ch->type == SIM_CHANGE_DELETED && c->sched->pending.n > 0)
			ctl_sched_kick(c);	/* resources were freed */
	} else if (ch->rt->id == SIM_RT_NODE && c->sched->pending.n > 0) {
		ctl_sched_kick(c);
	}
}

void
ctl_sched_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)now_ms;
	if (c->sched->pending.n > 0)
		ctl_sched_kick(c);
}

void
ctl_sched_fini(struct ctl_ctx *c)
{
	if (c->sched == NULL)
		return;
	ctl_queue_fini(&c->sched->q);
	ctl_map_fini(&c->sched->pending, NULL);
	free(c->sched);
	c->sched = NULL;
}
