/*
 * Deployment method of a workload, decided from the owning workload (pod → ReplicaSet →
 * Deployment, or StatefulSet/DaemonSet), never from the pod:
 *   argocd   — argocd.argoproj.io/tracking-id annotation, argocd.argoproj.io/instance
 *              label, an app.kubernetes.io/instance label naming a seen Application, or
 *              listed in an Application's status.resources
 *   operator — controller owner that is a custom resource, OLM labels, or OpenShift
 *              release payload annotations (managed by the cluster-version operator)
 *   helm     — meta.helm.sh/release-name, app.kubernetes.io/managed-by: Helm
 *   manual   — the owning workload was seen and carries none of these
 *   unknown  — the owner chain could not be followed (owner not gathered)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

const char *
detect_method_name(enum owner_method m)
{
	switch (m) {
	case M_MANUAL:		return "manual";
	case M_HELM:		return "helm";
	case M_ARGOCD:		return "argocd";
	case M_OPERATOR:	return "operator";
	default:		return "unknown";
	}
}

static int
is_workload_kind(const char *k)
{
	return k && (strcmp(k, "ReplicaSet") == 0 || strcmp(k, "Deployment") == 0 ||
	    strcmp(k, "StatefulSet") == 0 || strcmp(k, "DaemonSet") == 0 ||
	    strcmp(k, "Job") == 0 || strcmp(k, "CronJob") == 0 ||
	    strcmp(k, "ReplicationController") == 0);
}

/* Method markers on one object; returns the method or M_UNKNOWN, *ref set (static/owned). */
static enum owner_method
owner_markers(struct coord_detect *d, struct detect_owner *w, const char **ref)
{
	char key[512];
	size_t ai;

	if (w->argo_tracking) {
		*ref = w->argo_tracking;
		return M_ARGOCD;
	}
	if (w->flags & OF_CR_OWNER) {
		*ref = w->parent_name;
		return M_OPERATOR;
	}
	if (w->argo_label) {
		*ref = w->argo_label;
		return M_ARGOCD;
	}
	ai = detect_map_get(&d->app_res_ix, detect_key3(key, sizeof(key), w->kind, w->ns,
	    w->name));
	if (ai != NOIDX) {
		*ref = VEC_AT(&d->apps, struct detect_app, ai)->name;
		return M_ARGOCD;
	}
	if (w->instance && detect_map_get(&d->app_ix, w->instance) != NOIDX) {
		*ref = w->instance;
		return M_ARGOCD;
	}
	if (w->helm_release || (w->flags & OF_HELM)) {
		*ref = w->helm_release ? w->helm_release : w->instance;
		return M_HELM;
	}
	if (w->olm_owner || (w->flags & (OF_OLM | OF_RELEASE))) {
		*ref = w->olm_owner ? w->olm_owner : "cluster-version-operator";
		return M_OPERATOR;
	}
	return M_UNKNOWN;
}

static void
owner_resolve_one(struct coord_detect *d, size_t i)
{
	struct detect_owner *w = VEC_AT(&d->owners, struct detect_owner, i), *cur, *up;
	size_t chain[8], n = 0, ci, k;
	enum owner_method m = M_UNKNOWN;
	const char *ref = NULL;
	int broken = 0;
	char key[512];

	ci = i;
	while (n < STRATA_ARRAY_LEN(chain)) {
		chain[n++] = ci;
		cur = VEC_AT(&d->owners, struct detect_owner, ci);
		if (!(cur->flags & OF_SEEN)) {
			broken = 1;	/* referenced by a pod/owner but never gathered */
			break;
		}
		if (cur->parent_kind == NULL || !is_workload_kind(cur->parent_kind) ||
		    (cur->flags & OF_CR_OWNER))
			break;
		k = detect_map_get(&d->owner_ix, detect_key3(key, sizeof(key),
		    cur->parent_kind, cur->ns, cur->parent_name));
		if (k == NOIDX) {
			broken = 1;
			break;
		}
		ci = k;
	}
	w->top = chain[n - 1];
	/* Markers from the top down: the owning workload decides. */
	for (k = n; k-- > 0 && m == M_UNKNOWN;) {
		up = VEC_AT(&d->owners, struct detect_owner, chain[k]);
		if (up->flags & OF_SEEN)
			m = owner_markers(d, up, &ref);
	}
	if (m == M_UNKNOWN && !broken)
		m = M_MANUAL;
	w->method = m;
	free(w->method_ref);
	w->method_ref = ref ? strdup(ref) : NULL;
}

void
detect_owners_resolve(struct coord_detect *d)
{
	size_t i;

	for (i = 0; i < d->owners.len; i++)
		owner_resolve_one(d, i);
}
