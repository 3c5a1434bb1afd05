/*
 * coord_plan_build: detection + live context + options → a plan (strata/coord_plan.h).
 * Order of work: cluster gates, remedies per root cause then the symptoms, per-step
 * policy, risk refusals, numbering, checkpoints, preflight, hash, diagram.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "strata/coord_plan.h"
#include "strata/util.h"
#include "plan_int.h"

const char *const plan_layer_names[PL_NLAYERS] = {
	"infrastructure", "platform", "application"
};

int
plan_layer_parse(const char *s)
{
	int i;

	for (i = 0; s && i < PL_NLAYERS; i++)
		if (strcmp(s, plan_layer_names[i]) == 0)
			return i;
	return -1;
}

static int
ctx_init(struct plan_ctx *c, const json_t *det)
{
	int l;

	memset(c, 0, sizeof(*c));
	c->det = det;
	for (l = 0; l < PL_NLAYERS; l++)
		if ((c->steps[l] = json_array()) == NULL ||
		    (c->checks[l] = json_array()) == NULL)
			return -ENOMEM;
	c->risks = json_array();
	c->applied = json_array();
	c->refused = json_array();
	c->skipped = json_array();
	c->refusal_reasons = json_array();
	c->unaddressed = json_array();
	c->drains = json_array();
	c->notes = json_array();
	c->node_plans = json_array();
	c->done_targets = json_object();
	if (!c->risks || !c->applied || !c->refused || !c->skipped ||
	    !c->refusal_reasons || !c->unaddressed || !c->drains || !c->notes ||
	    !c->node_plans || !c->done_targets)
		return -ENOMEM;
	return 0;
}

static void
ctx_free(struct plan_ctx *c)
{
	int l;

	for (l = 0; l < PL_NLAYERS; l++) {
		json_decref(c->steps[l]);
		json_decref(c->checks[l]);
	}
	json_decref(c->risks);
	json_decref(c->applied);
	json_decref(c->refused);
	json_decref(c->skipped);
	json_decref(c->refusal_reasons);
	json_decref(c->unaddressed);
	json_decref(c->drains);
	json_decref(c->notes);
	json_decref(c->node_plans);
	json_decref(c->done_targets);
	plan_opts_free(&c->opt);
	plan_live_free(&c->live);
}

/* Risks that predict an outage or a stuck drain refuse the plan unless accepted. */
static int
risk_gate(struct plan_ctx *c)
{
	json_t *r;
	size_t i;
	int rc = 0;

	json_array_foreach(c->risks, i, r) {
		const char *sev = json_string_value(json_object_get(r, "severity"));
		const char *msg = json_string_value(json_object_get(r, "message"));

		if (strcmp(sev, "outage") != 0 && strcmp(sev, "blocker") != 0)
			continue;
		if (c->opt.allow_risk)
			rc = plan_applied(c, "allow_risk", "accepted by options.allow_risk: "
			    "%s", msg);
		else
			rc = plan_refuse(c, "preflight", json_object_get(r, "step"),
			    "%s (set options.allow_risk to accept this risk)", msg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static json_t *
steps_number(struct plan_ctx *c)
{
	json_t *all = json_array(), *s;
	size_t l, i, idx = 0;

	if (all == NULL)
		return NULL;
	for (l = 0; l < PL_NLAYERS; l++)
		json_array_foreach(c->steps[l], i, s) {
			if (json_object_set_new(s, "index", json_integer((json_int_t)++idx)) < 0 ||
			    json_array_append(all, s) < 0) {
				json_decref(all);
				return NULL;
			}
		}
	return all;
}

static json_t *
preflight_build(struct plan_ctx *c)
{
	bool feasible = true;
	json_t *r;
	size_t i;

	json_array_foreach(c->risks, i, r) {
		const char *sev = json_string_value(json_object_get(r, "severity"));

		if (strcmp(sev, "outage") == 0 || strcmp(sev, "blocker") == 0)
			feasible = false;
	}
	json_array_foreach(c->refused, i, r) {
		const char *rule = json_string_value(json_object_get(r, "rule"));

		if (strncmp(rule, "drain_", 6) == 0)
			feasible = false;
	}
	return json_pack("{s:b, s:O, s:{s:I, s:I, s:b, s:b}, s:O}", "feasible", feasible,
	    "drains", c->drains, "cluster", "nodes", (json_int_t)c->nnodes,
	    "unhealthy_nodes", (json_int_t)c->unhealthy_nodes, "upgrading", c->upgrading,
	    "nodes_known", c->live.have_nodes, "notes", c->notes);
}

static int
plan_id_new(char out[32])
{
	unsigned char rnd[8];
	int i;

	if (strata_random_bytes(rnd, sizeof(rnd)) != 0)
		return -EIO;
	memcpy(out, "plan-", 5);
	for (i = 0; i < 8; i++)
		snprintf(out + 5 + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

static char *
summary_text(const json_t *plan)
{
	char buf[600];
	json_t *l = json_object_get(plan, "layers");

	snprintf(buf, sizeof(buf), "%s%zu step(s) over %zu layer(s), %zu checkpoint(s), "
	    "%zu risk(s), %zu root cause(s) left to a human",
	    json_is_true(json_object_get(plan, "refused")) ? "REFUSED: " : "",
	    json_array_size(json_object_get(plan, "steps")), json_array_size(l),
	    json_array_size(json_object_get(plan, "checkpoints")),
	    json_array_size(json_object_get(plan, "risks")),
	    json_array_size(json_object_get(plan, "unaddressed")));
	return strdup(buf);
}

json_t *
coord_plan_build(const json_t *detection, const json_t *live, const json_t *options,
    char *err, size_t errlen)
{
	struct plan_ctx c;
	json_t *plan = NULL, *steps = NULL, *cps = NULL, *layers = NULL, *pf = NULL;
	char id[32], hash[65], *diagram = NULL, *summary = NULL;
	int rc, l;

	if (!json_is_object(detection)) {
		snprintf(err, errlen, "the detection must be a detect_layers result object");
		return NULL;
	}
	if (ctx_init(&c, detection) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (plan_opts_parse(&c.opt, options, err, errlen) < 0 ||
	    plan_live_init(&c.live, live, err, errlen) < 0)
		goto fail;
	if (plan_policy_cluster(&c) < 0 || plan_remedy_build(&c, err, errlen) < 0 ||
	    plan_policy_steps(&c) < 0 || risk_gate(&c) < 0) {
		snprintf(err, errlen, "out of memory while planning");
		goto fail;
	}
	if ((steps = steps_number(&c)) == NULL ||
	    (cps = plan_checkpoints_build(&c, steps)) == NULL ||
	    (layers = json_array()) == NULL || (pf = preflight_build(&c)) == NULL)
		goto nomem;
	for (l = 0; l < PL_NLAYERS; l++)
		if (c.layer_on[l] && json_array_append_new(layers,
		    json_string(plan_layer_names[l])) < 0)
			goto nomem;
	if ((rc = plan_id_new(id)) < 0) {
		snprintf(err, errlen, "no randomness for the plan id");
		goto fail;
	}
	plan = json_pack("{s:s, s:O?, s:O, s:O, s:O, s:O, s:O, s:{s:{s:b, s:i, s:f, s:O, "
	    "s:s, s:b, s:b, s:b, s:b, s:i, s:i}, s:O, s:O, s:O}, s:O, s:b, s:O}",
	    "plan_id", id, "issue_id", json_object_get(detection, "issue_id"),
	    "layers", layers, "steps", steps, "checkpoints", cps, "preflight", pf,
	    "risks", c.risks, "policy", "settings",
	    "allow_risk", c.opt.allow_risk,
	    "max_unavailable_nodes", c.opt.max_unavailable_nodes,
	    "max_unhealthy_node_ratio", c.opt.max_unhealthy_node_ratio,
	    "protected_namespaces", c.opt.protected_ns,
	    "node_remediation", c.opt.node_remediation == NR_AUTO ? "auto" :
	    c.opt.node_remediation == NR_DRAIN ? "drain" :
	    c.opt.node_remediation == NR_REBOOT ? "reboot" : "replace",
	    "symptom_restarts", c.opt.symptom_restarts,
	    "delete_emptydir_data", c.opt.delete_emptydir_data,
	    "force_unmanaged", c.opt.force_unmanaged,
	    "delete_unready_pods", c.opt.delete_unready_pods,
	    "poll_seconds", c.opt.poll_seconds,
	    "mco_seconds_per_node", c.opt.mco_seconds_per_node,
	    "applied", c.applied, "refused", c.refused, "skipped", c.skipped,
	    "unaddressed", c.unaddressed,
	    "refused", json_array_size(c.refusal_reasons) > 0,
	    "refusal_reasons", c.refusal_reasons);
	if (plan == NULL)
		goto nomem;
	if (coord_plan_hash(plan, hash, err, errlen) < 0)
		goto fail;
	if ((diagram = plan_diagram_build(plan)) == NULL ||
	    (summary = summary_text(plan)) == NULL ||
	    json_object_set_new(plan, "hash", json_string(hash)) < 0 ||
	    json_object_set_new(plan, "diagram", json_string(diagram)) < 0 ||
	    json_object_set_new(plan, "summary", json_string(summary)) < 0)
		goto nomem;
	free(diagram);
	free(summary);
	json_decref(steps);
	json_decref(cps);
	json_decref(layers);
	json_decref(pf);
	ctx_free(&c);
	log_info("coord.plan", "plan %s: %zu steps, refused=%s, hash %.12s", id,
	    json_array_size(json_object_get(plan, "steps")),
	    json_is_true(json_object_get(plan, "refused")) ? "yes" : "no", hash);
	return plan;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(diagram);
	free(summary);
	json_decref(plan);
	json_decref(steps);
	json_decref(cps);
	json_decref(layers);
	json_decref(pf);
	ctx_free(&c);
	return NULL;
}
