/*
 * Remedies for infrastructure and platform root causes: a broken node (cordon, drain,
 * reboot or replace, wait, uncordon), a bad MachineConfig (pause, roll back, unpause,
 * wait for the MCO), missing capacity (scale a MachineSet), a degraded ClusterOperator
 * (wait and verify).  Nodes are handled one after the other; each node's group ends
 * with its uncordon, so the plan itself never holds more than one node out at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan_int.h"

enum node_mode { NM_DRAIN, NM_REBOOT, NM_REPLACE };

static const char *
hint_target(const json_t *hint, const char *kind)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(hint, "targets"), i, t) {
		const char *k = json_string_value(json_object_get(t, "kind"));

		if (k && strcmp(k, kind) == 0)
			return json_string_value(json_object_get(t, "name"));
	}
	return NULL;
}

static const char *
hint_param(const json_t *hint, const char *key)
{
	return json_string_value(json_object_get(json_object_get(hint, "params"), key));
}

static int
add(struct plan_ctx *c, enum plan_layer layer, const struct plan_root *r,
    const char *action, const char *kind, const char *ns, const char *name,
    json_t *params, bool required, json_t **out)
{
	json_t *s = plan_step_new(c, action, kind, ns, name, params);
	int rc;

	if (out)
		*out = s;
	rc = plan_step_add(c, layer, s, required, plan_addr(r));
	return rc;
}

static int
node_remedy(struct plan_ctx *c, const struct plan_root *r, const char *node,
    enum node_mode mode)
{
	json_t *n = plan_find(c->live.nodes, NULL, node), *m = NULL, *ms = NULL, *drain;
	const char *mns = NULL, *mname = NULL;
	bool notready = n ? !plan_node_ready(n) : r->family == F_NODE_NOTREADY;
	int rc;

	if (plan_target_seen(c, "Node", NULL, node))
		return 0;
	if (json_array_append_new(c->node_plans, json_string(node)) < 0)
		return -ENOMEM;
	if (mode == NM_REPLACE) {
		m = n ? plan_machine_for_node(&c->live, n) : NULL;
		if (m == NULL) {
			mode = NM_REBOOT;
			plan_applied(c, "node_remediation", "node %s has no Machine in the "
			    "plan context, so it is rebooted instead of replaced", node);
		} else {
			mns = plan_str(m, "metadata.namespace");
			mname = plan_str(m, "metadata.name");
			ms = plan_machineset_for_machine(&c->live, m);
		}
	}
	if ((rc = add(c, PL_INFRA, r, "cordon", "Node", NULL, node,
	    json_pack("{s:s}", "node", node), true, NULL)) < 0)
		return rc;
	if ((rc = add(c, PL_INFRA, r, "drain", "Node", NULL, node,
	    json_pack("{s:s, s:b, s:b, s:b, s:i, s:b, s:i}", "node", node,
	    "ignore_daemonsets", 1, "delete_emptydir_data", c->opt.delete_emptydir_data,
	    "force", c->opt.force_unmanaged, "grace_period_seconds", -1,
	    "disable_eviction", 0, "skip_wait_for_delete_timeout", notready ? 60 : 0),
	    true, &drain)) < 0)
		return rc;
	if ((rc = plan_preflight_drain(c, node, drain)) < 0)
		return rc;
	if (mode == NM_REPLACE) {
		if ((rc = add(c, PL_INFRA, r, "replace_machine", "Machine", mns, mname,
		    json_pack("{s:s, s:s?}", "node", node, "machineset",
		    ms ? plan_str(ms, "metadata.name") : NULL), true, NULL)) < 0)
			return rc;
		plan_risk(c, "warning", "irreversible_step", NULL, "Machine %s/%s will be "
		    "deleted and replaced; this cannot be rolled back", mns, mname);
		return plan_check_add(c, PL_INFRA, "node_ready", ms ? "MachineSet" :
		    "Node", ms ? plan_str(ms, "metadata.namespace") : NULL, ms ?
		    plan_str(ms, "metadata.name") : node, plan_timeout(c, "node_ready",
		    1800), "the replacement node is Ready");
	}
	if (mode == NM_REBOOT && (rc = add(c, PL_INFRA, r, "reboot_node", "Node", NULL,
	    node, json_pack("{s:s}", "node", node), true, NULL)) < 0)
		return rc;
	if ((rc = add(c, PL_INFRA, r, "wait_node_healthy", "Node", NULL, node,
	    json_pack("{s:s}", "node", node), true, NULL)) < 0)
		return rc;
	if ((rc = add(c, PL_INFRA, r, "uncordon", "Node", NULL, node,
	    json_pack("{s:s}", "node", node), true, NULL)) < 0)
		return rc;
	if ((rc = plan_check_add(c, PL_INFRA, "node_ready", "Node", NULL, node,
	    plan_timeout(c, "node_ready", mode == NM_REBOOT ? 900 : 300),
	    "the node is Ready")) < 0)
		return rc;
	if (r->family == F_NODE_PRESSURE)
		rc = plan_check_add(c, PL_INFRA, "node_no_pressure", "Node", NULL, node,
		    plan_timeout(c, "node_no_pressure", 600), "the node reports no "
		    "memory, disk or PID pressure");
	return rc;
}

static enum node_mode
node_mode(const struct plan_ctx *c, const struct plan_root *r, const json_t *node)
{
	json_t *m;

	switch (c->opt.node_remediation) {
	case NR_DRAIN: return NM_DRAIN;
	case NR_REBOOT: return NM_REBOOT;
	case NR_REPLACE: return NM_REPLACE;
	default: break;
	}
	if (r->family == F_NODE_PRESSURE)
		return NM_DRAIN;
	m = node ? plan_machine_for_node((struct plan_live *)&c->live, node) : NULL;
	if (m && plan_contains_ci(plan_str(m, "status.phase"), "failed"))
		return NM_REPLACE;
	return NM_REBOOT;
}

/* ---- MachineConfig ----------------------------------------------------------------- */

static bool
str_in_sources(const json_t *pool, const char *path, const char *mc)
{
	json_t *cfg = json_object_get(json_object_get(pool, path), "configuration"), *s;
	size_t i;

	json_array_foreach(json_object_get(cfg, "source"), i, s) {
		const char *n = json_string_value(json_object_get(s, "name"));

		if (n && strcmp(n, mc) == 0)
			return true;
	}
	return false;
}

/* The user MachineConfig the pool is rolling out that its nodes do not run yet. */
static const char *
mc_new_in_pool(struct plan_ctx *c, const json_t *pool)
{
	json_t *cfg = json_object_get(json_object_get(pool, "spec"), "configuration"), *s;
	const char *best = NULL, *bestts = NULL;
	size_t i;

	json_array_foreach(json_object_get(cfg, "source"), i, s) {
		const char *n = json_string_value(json_object_get(s, "name"));
		json_t *mc;
		const char *ts;

		if (n == NULL || strncmp(n, "rendered-", 9) == 0 ||
		    str_in_sources(pool, "status", n))
			continue;
		mc = plan_find(c->live.mcs, NULL, n);
		ts = mc ? plan_str(mc, "metadata.creationTimestamp") : NULL;
		if (best == NULL || (ts && (bestts == NULL || strcmp(ts, bestts) > 0))) {
			best = n;
			bestts = ts;
		}
	}
	return best;
}

static int64_t
pool_nodes(struct plan_ctx *c, const json_t *pool)
{
	int64_t n = plan_int(pool, "status.machineCount", -1);
	json_t *node;
	size_t i;

	if (n >= 0)
		return n;
	n = 0;
	json_array_foreach(c->live.nodes, i, node)
		if (plan_selector_matches(json_object_get(json_object_get(pool, "spec"),
		    "nodeSelector"), json_object_get(json_object_get(node, "metadata"),
		    "labels")))
			n++;
	return n > 0 ? n : 1;
}

static int64_t
pool_max_unavailable(const json_t *pool, int64_t nodes)
{
	json_t *v = json_object_get(json_object_get(pool, "spec"), "maxUnavailable");
	int64_t m = 1;

	if (json_is_integer(v))
		m = json_integer_value(v);
	else if (json_is_string(v)) {
		int pct = 0;

		if (sscanf(json_string_value(v), "%d%%", &pct) == 1)
			m = nodes * pct / 100;
	}
	return m >= 1 ? m : 1;
}

static int
mco_remedy(struct plan_ctx *c, const struct plan_root *r, const char *poolname,
    const char *mc)
{
	json_t *pool = plan_find(c->live.mcps, NULL, poolname);
	int64_t nodes, maxu, wait;
	bool paused;
	int rc;

	if (plan_target_seen(c, "MachineConfigPool", NULL, poolname))
		return 0;
	/* Only a broken rollout is rolled back; one merely in progress is waited for. */
	if (mc == NULL && pool && r->family != F_MCO_ROLLOUT)
		mc = mc_new_in_pool(c, pool);
	nodes = pool ? pool_nodes(c, pool) : 1;
	maxu = pool ? pool_max_unavailable(pool, nodes) : 1;
	wait = (int64_t)c->opt.mco_seconds_per_node * ((nodes + maxu - 1) / maxu) + 300;
	paused = pool && json_is_true(json_object_get(json_object_get(pool, "spec"),
	    "paused"));
	if (mc && strncmp(mc, "rendered-", 9) == 0)
		mc = NULL;	/* never edit rendered configs */
	if (mc == NULL && r->family != F_MCO_ROLLOUT) {
		if ((rc = plan_unaddressed(c, r, "cannot tell which MachineConfig broke "
		    "pool %s (its spec.configuration lists no user MachineConfig its "
		    "nodes do not already run); roll it back by hand", poolname)) < 0)
			return rc;
	} else if (mc) {
		if (!paused && (rc = add(c, PL_INFRA, r, "pause_mcp", "MachineConfigPool",
		    NULL, poolname, json_pack("{s:s}", "pool", poolname), true,
		    NULL)) < 0)
			return rc;
		if ((rc = add(c, PL_INFRA, r, "rollback_machineconfig", "MachineConfig",
		    NULL, mc, json_pack("{s:s, s:s, s:s, s:s?}", "machineconfig", mc,
		    "pool", poolname, "method", "delete", "expected_rendered",
		    pool ? plan_str(pool, "status.configuration.name") : NULL), true,
		    NULL)) < 0)
			return rc;
		if (paused)
			plan_risk(c, "warning", "pool_was_paused", NULL, "pool %s was "
			    "paused before the plan; it is unpaused so the rollback can "
			    "roll out", poolname);
		if ((rc = add(c, PL_INFRA, r, "unpause_mcp", "MachineConfigPool", NULL,
		    poolname, json_pack("{s:s}", "pool", poolname), true, NULL)) < 0)
			return rc;
		plan_risk(c, "info", "rolling_reboot", NULL, "rolling MachineConfig %s "
		    "back reboots the %lld node(s) of pool %s, %lld at a time", mc,
		    (long long)nodes, poolname, (long long)maxu);
	}
	if (mc || r->family == F_MCO_ROLLOUT) {
		json_t *s = plan_step_new(c, "wait_mco_rollout", "MachineConfigPool", NULL,
		    poolname, json_pack("{s:s, s:I, s:I}", "pool", poolname, "nodes",
		    (json_int_t)nodes, "max_unavailable", (json_int_t)maxu));

		if (s && !json_object_get(c->opt.timeouts, "wait_mco_rollout"))
			json_object_set_new(s, "timeout_seconds", json_integer(wait));
		if ((rc = plan_step_add(c, PL_INFRA, s, true, plan_addr(r))) < 0)
			return rc;
	}
	if ((rc = plan_check_add(c, PL_INFRA, "mco_stable", "MachineConfigPool", NULL,
	    poolname, plan_timeout(c, "mco_stable", (int)(mc ? 600 : wait)),
	    "the pool is Updated, not Degraded, every machine updated and ready")) < 0)
		return rc;
	return plan_check_add(c, PL_INFRA, "node_ready", "MachineConfigPool", NULL,
	    poolname, plan_timeout(c, "node_ready", 600), "every node of the pool is "
	    "Ready");
}

static const char *
pool_of(struct plan_ctx *c, const struct plan_root *r)
{
	const char *p = hint_target(r->hint, "MachineConfigPool");
	json_t *o;

	if (p)
		return p;
	p = hint_param(r->hint, "pool");
	if (p)
		return p;
	if (r->kind && strcmp(r->kind, "MachineConfigPool") == 0)
		return r->name;
	if (r->kind && strcmp(r->kind, "Node") == 0 &&
	    (o = plan_find(c->live.nodes, NULL, r->name)) != NULL &&
	    (o = plan_pool_for_node(&c->live, o)) != NULL)
		return plan_str(o, "metadata.name");
	if (r->kind && strcmp(r->kind, "MachineConfig") == 0 &&
	    (o = plan_find(c->live.mcs, NULL, r->name)) != NULL) {
		const char *role = json_string_value(json_object_get(json_object_get(
		    json_object_get(o, "metadata"), "labels"),
		    "machineconfiguration.openshift.io/role"));
		if (role)
			return role;
	}
	return NULL;
}

static const char *
mc_of(const struct plan_root *r)
{
	const char *m = hint_target(r->hint, "MachineConfig");

	if (m == NULL)
		m = hint_param(r->hint, "machineconfig");
	if (m == NULL)
		m = hint_param(r->hint, "new_mc");
	if (m == NULL && r->kind && strcmp(r->kind, "MachineConfig") == 0)
		m = r->name;
	return m;
}

/* ---- capacity, cordoned nodes, operators --------------------------------------------- */

/* Someone left the node cordoned and pods cannot schedule: uncordon it, if it is healthy. */
static int
cordoned_remedy(struct plan_ctx *c, const struct plan_root *r)
{
	json_t *n = plan_find(c->live.nodes, NULL, r->name);
	int rc;

	if (r->name == NULL)
		return plan_unaddressed(c, r, "the finding names no node");
	if (n && (!plan_node_ready(n) || plan_node_pressure(n)))
		return plan_unaddressed(c, r, "node %s is cordoned but not healthy: "
		    "uncordoning it would schedule pods onto a broken node", r->name);
	if (plan_target_seen(c, "Node", NULL, r->name))
		return 0;
	if ((rc = add(c, PL_INFRA, r, "uncordon", "Node", NULL, r->name,
	    json_pack("{s:s}", "node", r->name), true, NULL)) < 0)
		return rc;
	return plan_check_add(c, PL_INFRA, "node_ready", "Node", NULL, r->name,
	    plan_timeout(c, "node_ready", 300), "the node is Ready and schedulable");
}

static int
capacity_remedy(struct plan_ctx *c, const struct plan_root *r)
{
	const char *name = hint_target(r->hint, "MachineSet");
	json_t *ms = NULL, *x;
	int64_t cur, more;
	size_t i;

	if (name == NULL && r->kind && strcmp(r->kind, "MachineSet") == 0)
		name = r->name;
	if (name)
		ms = plan_find(c->live.machinesets, NULL, name);
	json_array_foreach(c->live.machinesets, i, x) {
		if (ms)
			break;
		if (plan_contains_ci(json_string_value(json_object_get(json_object_get(
		    json_object_get(json_object_get(json_object_get(x, "spec"),
		    "template"), "metadata"), "labels"),
		    "machine.openshift.io/cluster-api-machine-role")), "worker"))
			ms = x;
	}
	if (ms == NULL)
		return plan_unaddressed(c, r, "pods cannot be scheduled for lack of "
		    "capacity and no worker MachineSet is known: add nodes or lower the "
		    "workload's requests");
	name = plan_str(ms, "metadata.name");
	if (plan_target_seen(c, "MachineSet", plan_str(ms, "metadata.namespace"), name))
		return 0;
	cur = plan_int(ms, "spec.replicas", 0);
	more = json_integer_value(json_object_get(json_object_get(r->hint, "params"),
	    "add_replicas"));
	if (more < 1 || more > 10)
		more = 1;
	if (add(c, PL_INFRA, r, "scale_machineset", "MachineSet",
	    plan_str(ms, "metadata.namespace"), name, json_pack("{s:I, s:I}",
	    "replicas", (json_int_t)(cur + more), "from_replicas", (json_int_t)cur), true,
	    NULL) < 0)
		return -ENOMEM;
	return plan_check_add(c, PL_INFRA, "node_ready", "MachineSet",
	    plan_str(ms, "metadata.namespace"), name, plan_timeout(c, "node_ready",
	    1200), "the MachineSet's nodes, the new one included, are Ready");
}

static bool
is_network_operator(const char *co)
{
	return co && (strcmp(co, "network") == 0 || strcmp(co, "dns") == 0 ||
	    strcmp(co, "ingress") == 0);
}

static int
operator_remedy(struct plan_ctx *c, const struct plan_root *r)
{
	int rc;

	if (plan_target_seen(c, "ClusterOperator", NULL, r->name))
		return 0;
	if ((rc = add(c, PL_PLATFORM, r, "wait_cluster_operator", "ClusterOperator",
	    NULL, r->name, json_pack("{s:s}", "operator", r->name), true, NULL)) < 0)
		return rc;
	plan_risk(c, "info", "wait_only", NULL, "ClusterOperator %s is only waited for "
	    "(restarting platform components is not planned automatically); if it does "
	    "not recover the checkpoint fails and nothing else runs", r->name);
	if ((rc = plan_check_add(c, PL_PLATFORM, "cluster_operators_ready",
	    "ClusterOperator", NULL, r->name, plan_timeout(c, "cluster_operators_ready",
	    600), "the operator is Available, not Progressing, not Degraded")) < 0)
		return rc;
	if (is_network_operator(r->name))
		rc = plan_check_add(c, PL_PLATFORM, "networking_functional",
		    "ClusterOperator", NULL, r->name, plan_timeout(c,
		    "networking_functional", 300), "pod and service networking work");
	return rc;
}

int
plan_remedy_infra(struct plan_ctx *c, const struct plan_root *r)
{
	const char *node = r->name, *pool;
	json_t *n, *m;

	switch (r->family) {
	case F_NODE_PRESSURE:
	case F_NODE_NOTREADY:
		if (hint_target(r->hint, "Node"))
			node = hint_target(r->hint, "Node");
		if (node == NULL)
			return plan_unaddressed(c, r, "the finding names no node");
		n = plan_find(c->live.nodes, NULL, node);
		return node_remedy(c, r, node, node_mode(c, r, n));
	case F_NODE_MCO:
	case F_MCO_CONFIG:
	case F_MCO_ROLLOUT:
		if ((pool = pool_of(c, r)) == NULL)
			return plan_unaddressed(c, r, "cannot tell which MachineConfigPool "
			    "%s belongs to (no pool in the plan context matches)", r->name);
		return mco_remedy(c, r, pool, mc_of(r));
	case F_MACHINE:
		m = plan_find(c->live.machines, r->ns, r->name);
		node = m ? plan_str(m, "status.nodeRef.name") : NULL;
		if (node)
			return node_remedy(c, r, node, NM_REPLACE);
		if (plan_target_seen(c, "Machine", r->ns, r->name))
			return 0;
		plan_risk(c, "warning", "irreversible_step", NULL, "Machine %s/%s will be "
		    "deleted and replaced; this cannot be rolled back", r->ns, r->name);
		return add(c, PL_INFRA, r, "replace_machine", "Machine", r->ns, r->name,
		    json_object(), true, NULL);
	case F_CAPACITY:
		return capacity_remedy(c, r);
	case F_NODE_CORDONED:
		return cordoned_remedy(c, r);
	case F_OPERATOR:
		return operator_remedy(c, r);
	case F_UPGRADE:
		return plan_unaddressed(c, r, "the cluster upgrade itself is the cause: "
		    "follow ClusterVersion and its failing operators; no infrastructure "
		    "action is planned during an upgrade");
	default:
		return plan_unaddressed(c, r, "no infrastructure remedy for this finding");
	}
}
