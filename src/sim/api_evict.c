/*
 * POST .../pods/NAME/eviction (policy/v1 or v1beta1 Eviction), as kube-apiserver's
 * eviction REST does it: terminal, pending or terminating pods go at once; otherwise the
 * one PodDisruptionBudget whose selector matches decides.  Its status is recomputed from
 * the pods on every eviction (expectedPods, currentHealthy, desiredHealthy,
 * disruptionsAllowed, disruptedPods) and written back; a blocked eviction is 429
 * TooManyRequests with cause DisruptionBudget and no Retry-After, like the real server.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

static bool
pod_ready(json_t *pod)
{
	json_t *conds = json_object_get(json_object_get(pod, "status"), "conditions"), *c;
	const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"),
	    "phase"));
	size_t i;

	if (phase == NULL || strcmp(phase, "Running") != 0)
		return false;
	if (json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp"))
		return false;
	if (!json_is_array(conds))
		return true;
	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && strcmp(t, "Ready") == 0)
			return strcmp(json_string_value(json_object_get(c, "status")) ?
			    json_string_value(json_object_get(c, "status")) : "", "True") == 0;
	}
	return true;
}

struct pdb_count {
	int	 expected, healthy;
};

static int
count_pod(const struct sim_obj *o, void *arg)
{
	struct pdb_count *c = arg;
	json_t *pod;

	if (o->deleting || (o->phase && (strcmp(o->phase, "Succeeded") == 0 ||
	    strcmp(o->phase, "Failed") == 0)))
		return 0;
	c->expected++;
	if (o->phase == NULL || strcmp(o->phase, "Running") != 0)
		return 0;
	pod = sim_obj_json(o);
	if (pod == NULL)
		return -ENOMEM;
	c->healthy += pod_ready(pod);
	json_decref(pod);
	return 0;
}

/* An int-or-percent field scaled against `total` (percent rounds up, as the controller). */
static int
int_or_pct(json_t *v, int total, bool *set)
{
	*set = true;
	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		double pct = strtod(s, &end);

		if (*end == '%')
			return (int)ceil(pct * total / 100.0);
		return atoi(s);
	}
	*set = false;
	return 0;
}

struct pdb_match {
	const struct sim_obj *pod;
	char	 name[256];
	int	 n;
};

static int
match_pdb(const struct sim_obj *o, void *arg)
{
	struct pdb_match *m = arg;
	struct sim_selector *sel = NULL;
	json_t *pdb = sim_obj_json(o), *ls;
	char err[128] = "";

	if (pdb == NULL)
		return -ENOMEM;
	ls = json_object_get(json_object_get(pdb, "spec"), "selector");
	if (json_object_size(json_object_get(ls, "matchLabels")) > 0 ||
	    json_array_size(json_object_get(ls, "matchExpressions")) > 0) {
		if (sim_selector_from_json(ls, &sel, err, sizeof(err)) == 0 &&
		    sim_selector_match(sel, m->pod)) {
			if (m->n++ == 0)
				snprintf(m->name, sizeof(m->name), "%s", o->name);
		}
		sim_selector_free(sel);
	}
	json_decref(pdb);
	return 0;
}

static void
reply_success(struct sim_req *r)
{
	sim_reply_json(r, 201, json_pack("{s:s,s:s,s:{},s:s,s:i}", "kind", "Status",
	    "apiVersion", "v1", "metadata", "status", "Success", "code", 201));
}

void
sim_api_evict(struct sim_req *r, const struct sim_rtype *rt, const char *ns, const char *name,
    unsigned flags)
{
	struct sim *s = r->s;
	const struct sim_rtype *prt = sim_rt(SIM_RT_PDB);
	const struct sim_obj *po;
	struct pdb_match m;
	struct pdb_count cnt = { 0, 0 };
	struct sim_selector *sel = NULL;
	json_t *body = NULL, *pod = NULL, *pdb = NULL, *status = NULL, *disrupted, *dr, *v;
	struct sim_err e;
	const char *phase, *k, *policy;
	char err[128] = "", now[32];
	int desired, allowed, rc;
	bool set, healthy;
	size_t i;
	void *tmp;

	if (r->body_len > 0) {
		body = json_loadb(r->body, r->body_len, 0, NULL);
		if (!json_is_object(body)) {
			json_decref(body);
			sim_reply_status(r, 400, "BadRequest", "the body must be an Eviction");
			return;
		}
		json_array_foreach(json_object_get(json_object_get(body, "deleteOptions"),
		    "dryRun"), i, dr)
			if (json_is_string(dr) && strcmp(json_string_value(dr), "All") == 0)
				flags |= SIM_WRITE_DRY_RUN;
		json_decref(body);
	}
	sim_lock(s);
	po = sim_store_find(s, rt, ns, name);
	if (po == NULL) {
		sim_unlock(s);
		sim_err_set(&e, 404, "NotFound", "pods \"%s\" not found", name);
		sim_reply_err(r, &e, rt, name);
		return;
	}
	pod = sim_obj_json(po);
	phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
	if (po->deleting || phase == NULL || strcmp(phase, "Succeeded") == 0 ||
	    strcmp(phase, "Failed") == 0 || strcmp(phase, "Pending") == 0)
		goto delete;
	memset(&m, 0, sizeof(m));
	m.pod = po;
	if (sim_store_foreach(s, prt, ns, NULL, match_pdb, &m) < 0) {
		sim_unlock(s);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		goto out;
	}
	if (m.n > 1) {
		sim_unlock(s);
		sim_reply_status(r, 500, "InternalError", "This pod has more than one "
		    "PodDisruptionBudget, which the eviction subresource does not support.");
		goto out;
	}
	if (m.n == 0)
		goto delete;

	pdb = sim_store_get(s, prt, ns, m.name);
	if (pdb == NULL || sim_selector_from_json(json_object_get(json_object_get(pdb, "spec"),
	    "selector"), &sel, err, sizeof(err)) < 0 ||
	    sim_store_foreach(s, sim_rt(SIM_RT_POD), ns, sel, count_pod, &cnt) < 0) {
		sim_unlock(s);
		sim_reply_status(r, 500, "InternalError", "cannot evaluate the disruption budget");
		goto out;
	}
	desired = int_or_pct(json_object_get(json_object_get(pdb, "spec"), "minAvailable"),
	    cnt.expected, &set);
	if (!set) {
		int mu = int_or_pct(json_object_get(json_object_get(pdb, "spec"),
		    "maxUnavailable"), cnt.expected, &set);

		desired = set ? cnt.expected - mu : 1;
	}
	if (desired < 0)
		desired = 0;
	allowed = cnt.healthy - desired > 0 ? cnt.healthy - desired : 0;
	healthy = pod_ready(pod);

	/* The recomputed status, written whatever the verdict. */
	sim_time_rfc3339(s, now);
	disrupted = json_object();
	json_object_foreach_safe(json_object_get(json_object_get(pdb, "status"),
	    "disruptedPods"), tmp, k, v) {
		if (sim_store_find(s, sim_rt(SIM_RT_POD), ns, k) != NULL && strcmp(k, name) != 0)
			json_object_set(disrupted, k, v);
	}
	if (healthy && allowed > 0)
		json_object_set_new(disrupted, name, json_string(now));
	status = json_pack("{s:O,s:i,s:i,s:i,s:i,s:o}", "observedGeneration",
	    json_object_get(json_object_get(pdb, "metadata"), "generation"),
	    "expectedPods", cnt.expected, "currentHealthy", cnt.healthy,
	    "desiredHealthy", desired,
	    "disruptionsAllowed", healthy && allowed > 0 ? allowed - 1 : allowed,
	    "disruptedPods", disrupted);
	if (status != NULL && !(flags & SIM_WRITE_DRY_RUN)) {
		json_t *p = json_pack("{s:O}", "status", status);

		if (sim_store_patch(s, prt, ns, m.name, SIM_PATCH_MERGE, p,
		    SIM_WRITE_STATUS | SIM_WRITE_INTERNAL, NULL, &e) < 0)
			log_warn("sim", "pdb %s/%s status: %s", ns, m.name, e.message);
		json_decref(p);
	}
	policy = json_string_value(json_object_get(json_object_get(pdb, "spec"),
	    "unhealthyPodEvictionPolicy"));
	if ((healthy && allowed == 0) || (!healthy && !(cnt.healthy >= desired && desired > 0) &&
	    !(policy != NULL && strcmp(policy, "AlwaysAllow") == 0))) {
		sim_unlock(s);
		memset(&e, 0, sizeof(e));
		e.code = 429;
		e.reason = "TooManyRequests";
		snprintf(e.message, sizeof(e.message), "Cannot evict pod as it would violate the "
		    "pod's disruption budget.");
		snprintf(e.cause_reason, sizeof(e.cause_reason), "DisruptionBudget");
		snprintf(e.cause_message, sizeof(e.cause_message), "The disruption budget %.*s "
		    "needs %d healthy pods and has %d currently", (int)(sizeof(e.cause_message) - 80), m.name, desired, cnt.healthy);
		sim_reply_err(r, &e, NULL, NULL);
		goto out;
	}
delete:
	rc = sim_store_delete(s, rt, ns, name, NULL, NULL, flags, NULL, &e);
	sim_unlock(s);
	if (rc < 0) {
		sim_reply_err(r, &e, rt, name);
		goto out;
	}
	reply_success(r);
out:
	sim_selector_free(sel);
	json_decref(status);
	json_decref(pdb);
	json_decref(pod);
}
