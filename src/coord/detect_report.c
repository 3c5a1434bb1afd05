/*
 * The detect_layers result: bounded, ranked, self-contained.  Root causes first, then
 * the causes between them and the symptoms, then the symptoms, then unrelated facts;
 * what does not fit in max_findings is counted by symptom under `omitted`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

#define FINDING(d, i)	VEC_AT(&(d)->findings, struct detect_finding, (i))

static const char *const layer_names[] = { "infrastructure", "platform", "application" };

struct rank {
	double	 key;
	size_t	 idx;
};

static int
rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

static json_t *
resource_json(const char *kind, const char *ns, const char *name)
{
	json_t *r = json_object();

	if (r == NULL)
		return NULL;
	json_object_set_new(r, "kind", json_string(kind));
	if (ns && *ns)
		json_object_set_new(r, "namespace", json_string(ns));
	json_object_set_new(r, "name", json_string(name));
	return r;
}

static const char *
role_name(enum finding_role r)
{
	switch (r) {
	case R_ROOT:		return "root_cause";
	case R_CAUSE:		return "cause";
	case R_SYMPTOM:		return "symptom";
	default:		return "unrelated";
	}
}

static struct rank *
rank_findings(struct coord_detect *d, const struct detect_verdict *v)
{
	size_t n = d->findings.len, i, k;
	struct rank *rk = malloc((n ? n : 1) * sizeof(*rk));
	uint32_t *per_owner = calloc(d->owners.len ? d->owners.len : 1, sizeof(uint32_t));

	if (rk == NULL || per_owner == NULL) {
		free(rk);
		free(per_owner);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		struct detect_finding *f = FINDING(d, i);
		double g, podrank = 0;

		switch (f->role) {
		case R_ROOT:
			g = 1;
			for (k = 0; k < v->nroots; k++)
				if (v->roots[k] == i)
					g = k == 0 ? 0 : 1 + (double)k / (double)(v->nroots + 1);
			break;
		case R_CAUSE:	g = 2; break;
		case R_SYMPTOM:	g = 3; break;
		default:	g = 4; break;
		}
		if (f->pod != NOIDX) {	/* spread the listed pods over their workloads */
			size_t o = f->owner != NOIDX ? VEC_AT(&d->owners, struct detect_owner,
			    f->owner)->top : NOIDX;

			podrank = 1 + (o != NOIDX ? per_owner[o]++ : 0);
		}
		rk[i].idx = i;
		rk[i].key = ((g * 1048576.0 + podrank) * 4 + f->layer) * 2048 +
		    (1000 - f->strength * 1000);
	}
	free(per_owner);
	qsort(rk, n, sizeof(*rk), rank_cmp);
	return rk;
}

/* ---- remediation hints ---------------------------------------------------------------- */

static void
hint_target(json_t *targets, const char *kind, const char *ns, const char *name,
    const char *role)
{
	json_t *t = resource_json(kind, ns, name);

	if (t == NULL)
		return;
	json_object_set_new(t, "role", json_string(role));
	json_array_append_new(targets, t);
}

static json_t *
actions(const char *a, const char *b, const char *c, const char *e)
{
	json_t *arr = json_array();
	const char *v[] = { a, b, c, e };
	size_t i;

	for (i = 0; i < 4; i++)
		if (v[i])
			json_array_append_new(arr, json_string(v[i]));
	return arr;
}

static const char *
app_action(enum owner_method m)
{
	switch (m) {
	case M_ARGOCD:		return "argocd_sync";
	case M_OPERATOR:	return "wait_operator_reconcile";
	default:		return "restart_workload";
	}
}

/* Extracts the quoted object a CreateContainerConfigError names: configmap "x" not found. */
static void
missing_object(const char *msg, json_t *params)
{
	static const char *const kinds[] = { "configmap", "secret" };
	char name[256];
	const char *p, *q;
	size_t i, n;

	for (i = 0; msg && i < 2; i++) {
		if ((p = strstr(msg, kinds[i])) == NULL || (p = strchr(p, '"')) == NULL ||
		    (q = strchr(p + 1, '"')) == NULL || (n = (size_t)(q - p - 1)) >= sizeof(name))
			continue;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		json_object_set_new(params, "missing_kind", json_string(i == 0 ? "ConfigMap" :
		    "Secret"));
		json_object_set_new(params, "missing_name", json_string(name));
		return;
	}
}

static void
hint_workload(struct coord_detect *d, struct detect_finding *f, json_t *h, json_t *params)
{
	struct detect_owner *w = VEC_AT(&d->owners, struct detect_owner, f->owner);
	struct detect_rollout ro;
	const char *fam, *undo;
	size_t i;

	detect_rollout_info(d, f->owner, &ro);
	undo = w->method == M_ARGOCD ? "argocd_rollback" : w->method == M_OPERATOR ?
	    "wait_operator_reconcile" : "rollout_undo";
	if (ro.bad) {
		json_object_set_new(params, "bad_revision", json_string(ro.new_rev));
		json_object_set_new(params, "good_revision", json_string(ro.old_rev));
		if (ro.old_images)
			json_object_set_new(params, "good_images", json_string(ro.old_images));
	}
	if (strcmp(f->symptom, "OOMKilled") == 0) {
		fam = "raise_memory_limit";
		for (i = 0; i < d->pods.len; i++) {
			struct detect_pod *p = VEC_AT(&d->pods, struct detect_pod, i);
			char lim[32];

			if (p->sym != PS_OOM || p->owner == NOIDX ||
			    VEC_AT(&d->owners, struct detect_owner, p->owner)->top != f->owner)
				continue;
			detect_fmt_bytes(p->mem_limit, lim, sizeof(lim));
			json_object_set_new(params, "container", json_string(p->container ?
			    p->container : ""));
			json_object_set_new(params, "current_limit", json_string(lim));
			break;
		}
		json_object_set_new(h, "actions", actions(w->method == M_ARGOCD ?
		    "change_in_git_then_argocd_sync" : "patch_resources", ro.bad ? undo : NULL,
		    NULL, NULL));
	} else if (strcmp(f->symptom, "CreateContainerConfigError") == 0) {
		fam = "fix_missing_config";
		for (i = 0; i < d->pods.len; i++) {
			struct detect_pod *p = VEC_AT(&d->pods, struct detect_pod, i);

			if (p->sym == PS_CONFIG && p->owner != NOIDX && VEC_AT(&d->owners,
			    struct detect_owner, p->owner)->top == f->owner) {
				missing_object(p->msg, params);
				break;
			}
		}
		json_object_set_new(h, "actions", actions(ro.bad ? undo : "create_missing_object",
		    app_action(w->method), NULL, NULL));
	} else if (strcmp(f->symptom, "FailedScheduling") == 0) {
		fam = "adjust_scheduling_constraints";
		json_object_set_new(h, "actions", actions(ro.bad ? undo : "patch_pod_template",
		    NULL, NULL, NULL));
	} else if (strcmp(f->symptom, "FailedCreate") == 0) {
		fam = "fix_quota_or_admission";
		json_object_set_new(h, "actions", actions("inspect_quota", NULL, NULL, NULL));
	} else {
		fam = ro.bad ? "rollback_workload" : strcmp(f->symptom, "ImagePullBackOff") == 0 ?
		    "fix_image" : "restart_or_rollback_workload";
		json_object_set_new(h, "actions", ro.bad ? actions(undo, NULL, NULL, NULL) :
		    actions(w->method == M_ARGOCD ? "argocd_sync" : "restart_workload",
		    w->method == M_OPERATOR ? NULL : undo, NULL, NULL));
	}
	json_object_set_new(h, "family", json_string(fam));
	json_object_set_new(h, "deployment_method", json_string(detect_method_name(w->method)));
	if (w->method_ref)
		json_object_set_new(params, w->method == M_ARGOCD ? "argocd_application" :
		    w->method == M_HELM ? "helm_release" : "managed_by", json_string(w->method_ref));
	hint_target(json_object_get(h, "targets"), w->kind, w->ns, w->name, "primary");
}

static json_t *
hint_build(struct coord_detect *d, size_t fi, const char *id)
{
	struct detect_finding *f = FINDING(d, fi);
	json_t *h = json_object(), *targets = json_array(), *params = json_object();
	const char *s = f->symptom, *fam = NULL;
	size_t i;

	if (h == NULL || targets == NULL || params == NULL) {
		json_decref(h); json_decref(targets); json_decref(params);
		return NULL;
	}
	json_object_set_new(h, "finding", json_string(id));
	json_object_set_new(h, "layer", json_string(layer_names[f->layer]));
	json_object_set_new(h, "targets", targets);
	json_object_set_new(h, "params", params);
	json_object_set_new(h, "deployment_method", json_string("unknown"));
	if ((f->flags & FF_AGG) && f->owner != NOIDX) {
		hint_workload(d, f, h, params);
		return h;
	}
	hint_target(targets, f->kind, f->ns, f->name, "primary");
	if (strcmp(s, "NodeMemoryPressure") == 0 || strcmp(s, "NodeDiskPressure") == 0 ||
	    strcmp(s, "NodePIDPressure") == 0) {
		fam = "relieve_node_pressure";
		json_object_set_new(h, "actions", actions("cordon", "drain", "uncordon", NULL));
	} else if (strcmp(s, "NodeNotReady") == 0 || strcmp(s, "NodeNetworkUnavailable") == 0) {
		fam = "recover_node";
		json_object_set_new(h, "actions", actions("cordon", "drain", "reboot_node",
		    "replace_machine"));
		if (f->node != NOIDX && VEC_AT(&d->nodes, struct detect_node, f->node)->machine) {
			const char *m = VEC_AT(&d->nodes, struct detect_node, f->node)->machine;
			const char *slash = strchr(m, '/');
			char ns[128];

			if (slash && (size_t)(slash - m) < sizeof(ns)) {
				memcpy(ns, m, (size_t)(slash - m));
				ns[slash - m] = '\0';
				hint_target(targets, "Machine", ns, slash + 1, "backing_machine");
			}
		}
	} else if (strcmp(s, "MachineConfigChange") == 0) {
		fam = "rollback_machineconfig";
		json_object_set_new(h, "actions", actions("pause_mcp", "rollback_machineconfig",
		    "unpause_mcp", "wait_mco_rollout"));
		for (i = 0; i < d->mcps.len; i++) {
			struct detect_mcp *p = VEC_AT(&d->mcps, struct detect_mcp, i);

			if (p->f_mc == fi) {
				hint_target(targets, "MachineConfigPool", NULL, p->name, "pool");
				if (p->status_config)
					json_object_set_new(params, "previous_rendered_config",
					    json_string(p->status_config));
			}
		}
	} else if (strcmp(s, "MCPDegraded") == 0 || strcmp(s, "MCPUpdating") == 0 ||
	    strcmp(s, "NodeMCODegraded") == 0 || strcmp(s, "NodeMCOUpdating") == 0) {
		fam = "stabilize_mco";
		json_object_set_new(h, "actions", actions("pause_mcp", "wait_mco_rollout", NULL,
		    NULL));
	} else if (strcmp(s, "MachineFailed") == 0) {
		fam = "replace_machine";
		json_object_set_new(h, "actions", actions("replace_machine", NULL, NULL, NULL));
	} else if (strcmp(s, "NodeTainted") == 0) {
		fam = "remove_taint";
		json_object_set_new(h, "actions", actions("remove_taint", NULL, NULL, NULL));
	} else if (strcmp(s, "NodeCordoned") == 0) {
		fam = "uncordon_nodes";
		json_object_set_new(h, "actions", actions("uncordon", NULL, NULL, NULL));
	} else if (strcmp(s, "InsufficientCapacity") == 0) {
		fam = "add_capacity";
		json_object_set_new(params, "add_replicas", json_integer(1));
		json_object_set_new(h, "actions", actions("scale_machineset", NULL, NULL, NULL));
	} else if (strncmp(s, "Operator", 8) == 0) {
		fam = "restore_cluster_operator";
		json_object_set_new(h, "deployment_method", json_string("operator"));
		json_object_set_new(h, "actions", actions("wait_cluster_operator",
		    "restart_platform_component", NULL, NULL));
	} else if (strncmp(s, "ClusterVersion", 14) == 0 || strcmp(s, "ClusterUpgrading") == 0) {
		fam = "wait_cluster_version";
		json_object_set_new(h, "actions", actions("wait_cluster_version", NULL, NULL, NULL));
	} else if (strcmp(s, "PVCPending") == 0 || strcmp(s, "PVCLost") == 0) {
		fam = "fix_volume_claim";
		json_object_set_new(h, "actions", actions("fix_storage_class", NULL, NULL, NULL));
	} else if (strcmp(s, "ServiceNoEndpoints") == 0) {
		fam = "fix_service_selector";
		json_object_set_new(h, "actions", actions("patch_service_selector", NULL, NULL,
		    NULL));
	} else if (strncmp(s, "Argo", 4) == 0) {
		fam = "argocd_sync";
		json_object_set_new(h, "deployment_method", json_string("argocd"));
		json_object_set_new(h, "actions", actions("argocd_sync", "argocd_rollback", NULL,
		    NULL));
	} else {
		fam = "restart_workload";
		json_object_set_new(h, "actions", actions("restart_workload", NULL, NULL, NULL));
	}
	json_object_set_new(h, "family", json_string(fam));
	return h;
}

/* Workloads to restart/sync/verify once the root cause is fixed, by method. */
static json_t *
follow_ups(struct coord_detect *d, size_t max)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < d->findings.len && json_array_size(arr) < max; i++) {
		struct detect_finding *f = FINDING(d, i);
		struct detect_owner *w;
		json_t *t;

		if (!(f->flags & FF_AGG) || f->owner == NOIDX || f->role == R_ROOT ||
		    f->role == R_UNRELATED)
			continue;
		w = VEC_AT(&d->owners, struct detect_owner, f->owner);
		if ((t = resource_json(w->kind, w->ns, w->name)) == NULL)
			continue;
		json_object_set_new(t, "deployment_method",
		    json_string(detect_method_name(w->method)));
		json_object_set_new(t, "action", json_string(app_action(w->method)));
		if (w->method_ref)
			json_object_set_new(t, "managed_by", json_string(w->method_ref));
		json_array_append_new(arr, t);
	}
	return arr;
}

/* ---- impacted resources --------------------------------------------------------------- */

static const char *
resource_method(struct coord_detect *d, struct detect_finding *f)
{
	char key[512];

	if (f->flags & FF_AGG && f->owner != NOIDX)
		return detect_method_name(VEC_AT(&d->owners, struct detect_owner, f->owner)->method);
	if (strcmp(f->kind, "Application") == 0)
		return "argocd";
	if (strcmp(f->kind, "ClusterOperator") == 0 || strcmp(f->kind, "MachineConfigPool") == 0 ||
	    strcmp(f->kind, "MachineConfig") == 0 || strcmp(f->kind, "ClusterVersion") == 0)
		return "operator";
	if (f->pod != NOIDX)
		return VEC_AT(&d->pods, struct detect_pod, f->pod)->owner == NOIDX ? "manual" :
		    "unknown";
	if (detect_map_get(&d->app_res_ix, detect_key3(key, sizeof(key), f->kind, f->ns,
	    f->name)) != NOIDX)
		return "argocd";
	return "unknown";
}

static json_t *
impacted_build(struct coord_detect *d, const struct rank *rk, json_t *omitted_imp)
{
	json_t *out = json_object(), *lists[3];
	struct detect_map seen = { 0 };
	char key[600];
	size_t i, l, skipped[3] = { 0, 0, 0 };

	if (out == NULL)
		return NULL;
	for (l = 0; l < 3; l++) {
		lists[l] = json_array();
		json_object_set_new(out, layer_names[l], lists[l]);
	}
	for (i = 0; i < d->findings.len; i++) {
		struct detect_finding *f = FINDING(d, rk[i].idx);
		json_t *e;

		if (!f->related || f->layer >= L_NONE)
			continue;
		if (f->pod != NOIDX && f->owner != NOIDX && VEC_AT(&d->owners,
		    struct detect_owner, VEC_AT(&d->owners, struct detect_owner,
		    f->owner)->top)->finding != NOIDX)
			continue;	/* listed through its workload */
		snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", f->kind, f->ns, f->name);
		if (detect_map_get(&seen, key) != NOIDX)
			continue;
		(void)detect_map_put(&seen, key, i);
		if (json_array_size(lists[f->layer]) >= d->max_impacted) {
			skipped[f->layer]++;
			continue;
		}
		if ((e = resource_json(f->kind, f->ns, f->name)) == NULL)
			continue;
		json_object_set_new(e, "status", json_string(f->symptom));
		json_object_set_new(e, "deployment_method", json_string(resource_method(d, f)));
		json_array_append_new(lists[f->layer], e);
	}
	for (l = 0; l < 3; l++)
		if (skipped[l])
			json_object_set_new(omitted_imp, layer_names[l], json_integer((json_int_t)
			    skipped[l]));
	detect_map_free(&seen);
	return out;
}

/* ---- summary -------------------------------------------------------------------------- */

static json_t *
summary_build(struct coord_detect *d, const struct detect_verdict *v, size_t nunrelated)
{
	char buf[1200], lay[80] = "";
	struct detect_finding *p;
	size_t l;

	for (l = 0; l < 3; l++)
		if (v->layers[l])
			snprintf(lay + strlen(lay), sizeof(lay) - strlen(lay), "%s%s",
			    lay[0] ? " → " : "", layer_names[l]);
	if (d->findings.len == 0) {
		snprintf(buf, sizeof(buf), "Healthy: no unhealthy objects among %zu node(s) and "
		    "%llu pod(s) scanned.", d->nodes.len, (unsigned long long)d->n_pods);
	} else if (v->nsymptoms == 0) {
		snprintf(buf, sizeof(buf), "Nothing in scope%s%s%s is failing; %zu finding(s) "
		    "elsewhere in the cluster are unrelated.", d->namespace ? " (namespace " : "",
		    d->namespace ? d->namespace : "", d->namespace ? ")" : "", nunrelated);
	} else if (v->primary == NOIDX) {
		snprintf(buf, sizeof(buf), "%u symptom(s) (%s) but no finding explains them; "
		    "root cause unknown.", v->nsymptoms, lay);
	} else {
		size_t k, kin = 0;

		p = VEC_AT(&d->findings, struct detect_finding, v->primary);
		for (k = 1; k < v->nroots; k++) {
			struct detect_finding *o = VEC_AT(&d->findings, struct detect_finding,
			    v->roots[k]);

			kin += strcmp(o->symptom, p->symptom) == 0 && strcmp(o->kind, p->kind) == 0;
		}
		snprintf(buf, sizeof(buf), "Root cause (%s): %s on %s %s%s%s — explains %u of %u "
		    "symptom(s) across %s.%s%s%s", layer_names[p->layer], p->symptom, p->kind,
		    p->ns[0] ? p->ns : "", p->ns[0] ? "/" : "", p->name, v->explained,
		    v->nsymptoms, lay, kin ? " The same fault is on other objects too." : "",
		    v->nroots > 1 + kin ? " Other independent causes: see root_causes." : "",
		    nunrelated ?
		    " Unrelated findings elsewhere were not blamed." : "");
	}
	return json_string(buf);
}

/* ---- the result ----------------------------------------------------------------------- */

json_t *
detect_report_build(struct coord_detect *d, const struct detect_verdict *v)
{
	json_t *out = json_object(), *layers = json_array(), *findings = json_array();
	json_t *links = json_array(), *omitted = json_object(), *roots = json_array();
	json_t *unrelated = json_array(), *hints = json_array(), *stats = json_object();
	json_t *omitted_imp = json_object(), *imp, *f_j;
	struct rank *rk = NULL;
	char id[32];
	size_t i, k, shown = 0, nunrelated = 0, max_links = d->max_findings * 3;
	double conf;

	if (!out || !layers || !findings || !links || !omitted || !roots || !unrelated ||
	    !hints || !stats || !omitted_imp)
		goto fail;
	if ((rk = rank_findings(d, v)) == NULL)
		goto fail;
	for (i = 0; i < d->findings.len; i++) {
		struct detect_finding *f = FINDING(d, rk[i].idx);

		if (f->role == R_UNRELATED)
			nunrelated++;
		if (shown >= d->max_findings) {
			json_t *c = json_object_get(omitted, f->symptom);

			json_object_set_new(omitted, f->symptom, json_integer(c ?
			    json_integer_value(c) + 1 : 1));
			continue;
		}
		f->out_id = ++shown;
		snprintf(id, sizeof(id), "f%zu", f->out_id);
		f_j = json_object();
		json_object_set_new(f_j, "id", json_string(id));
		json_object_set_new(f_j, "layer", json_string(layer_names[f->layer]));
		json_object_set_new(f_j, "symptom", json_string(f->symptom));
		json_object_set_new(f_j, "resource", resource_json(f->kind, f->ns, f->name));
		json_object_set_new(f_j, "detail", json_string(f->detail));
		json_object_set_new(f_j, "role", json_string(role_name(f->role)));
		json_object_set_new(f_j, "related", json_boolean(f->related));
		json_array_append_new(findings, f_j);
		if (f->role == R_UNRELATED)
			json_array_append_new(unrelated, json_string(id));
	}
	for (i = 0; i < d->links.len && json_array_size(links) < max_links; i++) {
		struct detect_link *l = VEC_AT(&d->links, struct detect_link, i);
		struct detect_finding *c = FINDING(d, l->cause), *e = FINDING(d, l->effect);
		json_t *lj;
		char eid[32];

		if (!c->out_id || !e->out_id)
			continue;
		snprintf(id, sizeof(id), "f%zu", c->out_id);
		snprintf(eid, sizeof(eid), "f%zu", e->out_id);
		lj = json_object();
		json_object_set_new(lj, "cause", json_string(id));
		json_object_set_new(lj, "effect", json_string(eid));
		json_object_set_new(lj, "reason", json_string(l->reason));
		json_object_set_new(lj, "strength", json_real(l->strength));
		json_array_append_new(links, lj);
	}
	for (k = 0; k < v->nroots; k++) {
		struct detect_finding *f = FINDING(d, v->roots[k]);
		json_t *r = resource_json(f->kind, f->ns, f->name), *h;

		snprintf(id, sizeof(id), "f%zu", f->out_id);
		json_object_set_new(r, "finding", f->out_id ? json_string(id) : json_null());
		json_object_set_new(r, "layer", json_string(layer_names[f->layer]));
		json_object_set_new(r, "symptom", json_string(f->symptom));
		json_object_set_new(r, "explains", json_integer(f->explains));
		json_object_set_new(r, "primary", json_boolean(k == 0));
		json_array_append_new(roots, r);
		if ((h = hint_build(d, v->roots[k], f->out_id ? id : "")) != NULL) {
			json_object_set_new(h, "follow_up", follow_ups(d, d->max_impacted));
			json_array_append_new(hints, h);
		}
	}
	for (i = 0; i < 3; i++)
		if (v->layers[i])
			json_array_append_new(layers, json_string(layer_names[i]));
	if ((imp = impacted_build(d, rk, omitted_imp)) == NULL)
		goto fail;
	conf = (double)(long)(v->confidence * 100.0 + 0.5) / 100.0;
	json_object_set_new(out, "affected_layers", layers);
	json_object_set_new(out, "root_cause_layer", json_string(v->primary == NOIDX ?
	    "unknown" : layer_names[FINDING(d, v->primary)->layer]));
	json_object_set_new(out, "confidence", json_real(conf));
	json_object_set_new(out, "findings", findings);
	json_object_set_new(out, "causal_links", links);
	json_object_set_new(out, "impacted_resources", imp);
	json_object_set_new(out, "summary", summary_build(d, v, nunrelated));
	json_object_set_new(out, "root_causes", roots);
	json_object_set_new(out, "unrelated", unrelated);
	json_object_set_new(out, "remediation_hints", hints);
	json_object_set_new(out, "omitted", omitted);
	json_object_set_new(out, "impacted_omitted", omitted_imp);
	json_object_set_new(stats, "nodes", json_integer((json_int_t)d->nodes.len));
	json_object_set_new(stats, "pods", json_integer((json_int_t)d->n_pods));
	json_object_set_new(stats, "pods_unhealthy", json_integer((json_int_t)(d->n_pods -
	    d->n_pods_healthy)));
	json_object_set_new(stats, "pods_not_summarised", json_integer((json_int_t)
	    d->n_pods_dropped));
	json_object_set_new(stats, "events", json_integer((json_int_t)d->n_events));
	json_object_set_new(stats, "warning_events_kept", json_integer((json_int_t)
	    d->n_events_kept));
	json_object_set_new(stats, "findings", json_integer((json_int_t)d->findings.len));
	json_object_set_new(stats, "causal_links", json_integer((json_int_t)d->links.len));
	json_object_set_new(stats, "symptoms", json_integer(v->nsymptoms));
	json_object_set_new(stats, "explained_by_primary", json_integer(v->explained));
	json_object_set_new(out, "stats", stats);
	free(rk);
	return out;
fail:
	free(rk);
	json_decref(out); json_decref(layers); json_decref(findings); json_decref(links);
	json_decref(omitted); json_decref(roots); json_decref(unrelated); json_decref(hints);
	json_decref(stats); json_decref(omitted_imp);
	return NULL;
}
