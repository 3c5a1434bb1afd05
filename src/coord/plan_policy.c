/*
 * Policy: the gates a plan must pass before anyone may run it.
 *   cluster  no infrastructure action while ClusterVersion is Progressing, or while more
 *            than max_unhealthy_node_ratio of the nodes are not Ready (storm protection)
 *   nodes    at most max_unavailable_nodes unschedulable/NotReady at any point of the
 *            plan (nodes already out count); control-plane nodes one at a time, never
 *            the last one
 *   ns       no application-level mutation in a protected namespace
 * A refused required step refuses the plan; a refused optional step is dropped and
 * recorded under policy.skipped.  Every reason names what a human can do about it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan_int.h"

static json_t *
step_ref(const json_t *step)
{
	if (step == NULL)
		return NULL;
	return json_pack("{s:O?, s:O?}", "action", json_object_get(step, "action"),
	    "target", json_object_get(step, "target"));
}

int
plan_refuse(struct plan_ctx *c, const char *rule, const json_t *step, const char *fmt,
    ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_array_append_new(c->refused, json_pack("{s:s, s:o*, s:s}", "rule", rule,
	    "step", step_ref(step), "reason", msg)) < 0 ||
	    json_array_append_new(c->refusal_reasons, json_string(msg)) < 0)
		return -ENOMEM;
	return 0;
}

int
plan_risk(struct plan_ctx *c, const char *severity, const char *code,
    const json_t *step, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_array_append_new(c->risks, json_pack("{s:s, s:s, s:s, s:o*}",
	    "severity", severity, "code", code, "message", msg, "step",
	    step_ref(step))) < 0 ? -ENOMEM : 0;
}

int
plan_applied(struct plan_ctx *c, const char *rule, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_array_append_new(c->applied, json_pack("{s:s, s:s}", "rule", rule,
	    "detail", msg)) < 0 ? -ENOMEM : 0;
}

int
plan_policy_cluster(struct plan_ctx *c)
{
	json_t *n, *cv;
	size_t i;

	c->nnodes = json_array_size(c->live.nodes);
	c->unhealthy_nodes = 0;
	json_array_foreach(c->live.nodes, i, n)
		if (!plan_node_ready(n))
			c->unhealthy_nodes++;
	json_array_foreach(c->live.cvs, i, cv) {
		const char *s = plan_cond_status(cv, "Progressing");

		if (s && strcmp(s, "True") == 0)
			c->upgrading = true;
	}
	if (c->upgrading) {
		c->infra_blocked = true;
		return plan_applied(c, "upgrade_in_progress", "ClusterVersion is "
		    "Progressing: infrastructure actions are refused until the upgrade "
		    "completes");
	}
	if (!c->live.have_cvs)
		plan_applied(c, "upgrade_in_progress", "no ClusterVersion in the plan "
		    "context (plain Kubernetes, or not gathered): upgrade gate not "
		    "evaluated");
	if (!c->live.have_nodes)
		return plan_applied(c, "node_storm", "no nodes in the plan context: storm "
		    "protection not evaluated");
	if (c->nnodes > 0 && (double)c->unhealthy_nodes / (double)c->nnodes >
	    c->opt.max_unhealthy_node_ratio) {
		c->infra_blocked = true;
		return plan_applied(c, "node_storm", "%zu of %zu nodes are not Ready "
		    "(more than %.0f%%): infrastructure actions are refused", c->unhealthy_nodes,
		    c->nnodes, c->opt.max_unhealthy_node_ratio * 100.0);
	}
	return plan_applied(c, "node_storm", "%zu of %zu nodes not Ready (limit %.0f%%)",
	    c->unhealthy_nodes, c->nnodes, c->opt.max_unhealthy_node_ratio * 100.0);
}

/* ---- per step ------------------------------------------------------------------------- */

static bool
takes_node_out(const char *a)
{
	return strcmp(a, "cordon") == 0 || strcmp(a, "drain") == 0 ||
	    strcmp(a, "reboot_node") == 0 || strcmp(a, "replace_machine") == 0;
}

static const char *
step_node(const json_t *s)
{
	const char *n = json_string_value(json_object_get(json_object_get(s, "params"),
	    "node"));
	const json_t *t = json_object_get(s, "target");

	if (n == NULL && json_is_string(json_object_get(t, "kind")) &&
	    strcmp(json_string_value(json_object_get(t, "kind")), "Node") == 0)
		n = json_string_value(json_object_get(t, "name"));
	return n;
}

static void
list_names(const json_t *set, char *buf, size_t n)
{
	const char *k;
	json_t *v;
	size_t off = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)set, k, v) {
		int w = snprintf(buf + off, n - off, "%s%s", off ? ", " : "", k);

		if (w < 0 || (size_t)w >= n - off)
			break;
		off += (size_t)w;
	}
}

/* Applies node rules to one step; returns 1 if refused, 0 if fine, <0 on ENOMEM. */
static int
node_rules(struct plan_ctx *c, json_t *out, const json_t *s)
{
	const char *a = json_string_value(json_object_get(s, "action"));
	const char *node = step_node(s);
	json_t *nobj, *v;
	char names[600];
	size_t cp_total = 0, cp_out = 0, i;
	const char *k;

	if (a == NULL || node == NULL)
		return 0;
	if (strcmp(a, "uncordon") == 0) {
		json_object_del(out, node);
		return 0;
	}
	if (!takes_node_out(a) || json_object_get(out, node))
		return 0;
	list_names(out, names, sizeof(names));
	if (json_object_set_new(out, node, json_true()) < 0)
		return -ENOMEM;
	if (json_object_size(out) > (size_t)c->opt.max_unavailable_nodes) {
		plan_refuse(c, "max_unavailable_nodes", s, "taking node %s out would make "
		    "%zu nodes unavailable at once (already out: %s); max_unavailable_nodes "
		    "is %d. Wait for those nodes to recover, or raise "
		    "options.max_unavailable_nodes", node, json_object_size(out), names,
		    c->opt.max_unavailable_nodes);
		return 1;
	}
	nobj = plan_find(c->live.nodes, NULL, node);
	if (nobj == NULL || !plan_node_control_plane(nobj))
		return 0;
	json_array_foreach(c->live.nodes, i, v)
		if (plan_node_control_plane(v))
			cp_total++;
	json_object_foreach(out, k, v) {
		json_t *o = plan_find(c->live.nodes, NULL, k);

		if (o && plan_node_control_plane(o))
			cp_out++;
	}
	if (cp_total <= 1) {
		plan_refuse(c, "control_plane", s, "node %s is the only control-plane node: "
		    "it is never drained or rebooted by a plan; repair it by hand", node);
		return 1;
	}
	if (cp_out > 1 || cp_out >= cp_total) {
		plan_refuse(c, "control_plane", s, "node %s is a control-plane node and "
		    "another control-plane node is already unavailable (%s): never two at "
		    "once (etcd quorum). Recover that one first", node, names);
		return 1;
	}
	return 0;
}

int
plan_policy_steps(struct plan_ctx *c)
{
	json_t *out, *n, *s;
	size_t i, l;
	bool infra_said = false;
	int rc = 0;

	if ((out = json_object()) == NULL)
		return -ENOMEM;
	json_array_foreach(c->live.nodes, i, n)
		if (plan_node_unschedulable(n) || !plan_node_ready(n))
			json_object_set_new(out, plan_str(n, "metadata.name") ?
			    plan_str(n, "metadata.name") : "?", json_true());
	for (l = 0; l < PL_NLAYERS && rc >= 0; l++) {
		for (i = 0; i < json_array_size(c->steps[l]) && rc >= 0; i++) {
			const char *ns;
			bool mutating, required, refused = false;

			s = json_array_get(c->steps[l], i);
			mutating = json_is_true(json_object_get(s, "mutating"));
			required = json_is_true(json_object_get(s, "required"));
			ns = json_string_value(json_object_get(json_object_get(s, "target"),
			    "namespace"));
			/* An Argo CD Application lives in Argo CD's namespace; what it
			 * changes lives in its destination. */
			if (json_is_string(json_object_get(json_object_get(s, "params"),
			    "destination_namespace")))
				ns = json_string_value(json_object_get(json_object_get(s,
				    "params"), "destination_namespace"));
			if (l == PL_INFRA && mutating && c->infra_blocked && !infra_said) {
				infra_said = true;
				rc = plan_refuse(c, c->upgrading ? "upgrade_in_progress" :
				    "node_storm", s, c->upgrading ? "the cluster is upgrading "
				    "(ClusterVersion Progressing=True): no infrastructure action "
				    "until it completes; plan again afterwards" : "%zu of %zu "
				    "nodes are not Ready, above max_unhealthy_node_ratio %.2f: "
				    "infrastructure actions now could make things worse. "
				    "Investigate the node storm first (or raise the ratio if it "
				    "is expected)", c->unhealthy_nodes, c->nnodes,
				    c->opt.max_unhealthy_node_ratio);
			}
			if (l == PL_INFRA && (rc = node_rules(c, out, s)) > 0) {
				refused = true;
				rc = 0;
			}
			if (l == PL_APP && mutating && plan_ns_protected(c, ns)) {
				if (!required) {
					json_array_append_new(c->skipped, json_pack(
					    "{s:s, s:O?, s:O?, s:s}", "rule",
					    "protected_namespace", "step_action",
					    json_object_get(s, "action"), "target",
					    json_object_get(s, "target"), "reason",
					    "optional step in a protected namespace dropped"));
					json_array_remove(c->steps[l], i);
					i--;
					continue;
				}
				refused = true;
				rc = plan_refuse(c, "protected_namespace", s, "namespace %s is "
				    "protected: application-level changes there are refused. "
				    "Remove it from options.protected_namespaces if you mean it",
				    ns);
			}
			(void)refused;
		}
	}
	json_decref(out);
	return rc < 0 ? rc : 0;
}
