/*
 * Ingest of the low-volume kinds: workload owners, services and endpoints, PVCs,
 * MachineConfigPools and MachineConfigs, ClusterOperators, ClusterVersion, Argo CD
 * Applications, Machines and MachineSets.  Also the final free of every summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

/* API groups whose kinds are built in: an owner outside them is a custom resource. */
static int
api_is_builtin(const char *api)
{
	static const char *const groups[] = { "apps/", "batch/", "v1", "extensions/",
	    "policy/", "autoscaling/" };
	size_t i;

	if (api == NULL)
		return 1;
	for (i = 0; i < STRATA_ARRAY_LEN(groups); i++)
		if (strncmp(api, groups[i], strlen(groups[i])) == 0)
			return 1;
	return 0;
}

int
detect_ingest_owner(struct coord_detect *d, const char *kind, json_t *o)
{
	json_t *meta = json_object_get(o, "metadata"), *ann, *labels, *r, *ref = NULL, *c;
	const char *ns = detect_jstr(meta, "namespace"), *name = detect_jstr(meta, "name");
	const char *s, *key;
	struct detect_owner *w;
	json_t *v;
	size_t i;

	if (name == NULL)
		return -EINVAL;
	if ((i = detect_owner_get(d, kind, ns ? ns : "default", name)) == NOIDX)
		return -ENOMEM;
	w = VEC_AT(&d->owners, struct detect_owner, i);
	if (w->flags & OF_SEEN)
		return 0;
	w->flags |= OF_SEEN;
	json_array_foreach(json_object_get(meta, "ownerReferences"), i, r)
		if (ref == NULL || json_is_true(json_object_get(r, "controller")))
			ref = r;
	if (ref) {
		w->parent_kind = detect_strdup(detect_jstr(ref, "kind"));
		w->parent_name = detect_strdup(detect_jstr(ref, "name"));
		w->parent_api = detect_strdup(detect_jstr(ref, "apiVersion"));
		if (!api_is_builtin(w->parent_api))
			w->flags |= OF_CR_OWNER;
	}
	ann = json_object_get(meta, "annotations");
	labels = json_object_get(meta, "labels");
	if ((s = json_string_value(json_object_get(ann, "argocd.argoproj.io/tracking-id")))) {
		const char *colon = strchr(s, ':');

		w->argo_tracking = colon ? strndup(s, (size_t)(colon - s)) : strdup(s);
	}
	w->argo_label = detect_strdup(json_string_value(json_object_get(labels,
	    "argocd.argoproj.io/instance")));
	w->instance = detect_strdup(json_string_value(json_object_get(labels,
	    "app.kubernetes.io/instance")));
	w->helm_release = detect_strdup(json_string_value(json_object_get(ann,
	    "meta.helm.sh/release-name")));
	if ((s = json_string_value(json_object_get(labels, "app.kubernetes.io/managed-by"))) &&
	    strcmp(s, "Helm") == 0)
		w->flags |= OF_HELM;
	w->olm_owner = detect_strdup(json_string_value(json_object_get(labels, "olm.owner")));
	json_object_foreach(labels, key, v)
		if (strncmp(key, "operators.coreos.com/", 21) == 0)
			w->flags |= OF_OLM;
	json_object_foreach(ann, key, v)
		if (strncmp(key, "include.release.openshift.io/", 29) == 0)
			w->flags |= OF_RELEASE;
	w->revision = detect_strdup(json_string_value(json_object_get(ann,
	    "deployment.kubernetes.io/revision")));
	json_array_foreach(json_object_get(json_object_get(json_object_get(json_object_get(o,
	    "spec"), "template"), "spec"), "containers"), i, c)
		if ((s = detect_jstr(c, "image")) && detect_list_add(&w->images, s, 300) < 0)
			return -ENOMEM;
	w->replicas = detect_jint(o, "spec.replicas", -1);
	if (strcmp(kind, "DaemonSet") == 0) {
		w->replicas = detect_jint(o, "status.desiredNumberScheduled", -1);
		w->ready = detect_jint(o, "status.numberReady", 0);
		w->available = detect_jint(o, "status.numberAvailable", 0);
	} else {
		w->ready = detect_jint(o, "status.readyReplicas", 0);
		w->available = detect_jint(o, "status.availableReplicas", 0);
	}
	(void)detect_parse_time(detect_jstr(meta, "creationTimestamp"), &w->created);
	if ((c = detect_condition(o, "Progressing")) && !detect_cond_true(c) &&
	    (s = detect_jstr(c, "reason")) && strcmp(s, "ProgressDeadlineExceeded") == 0) {
		w->flags |= OF_PROGRESS_DEADLINE;
		w->msg = detect_strdup(detect_jstr(c, "message"));
	} else if ((c = detect_condition(o, "Available")) && !detect_cond_true(c))
		w->msg = detect_strdup(detect_jstr(c, "message"));
	return 0;
}

int
detect_ingest_service(struct coord_detect *d, json_t *o)
{
	json_t *sel = json_object_get(json_object_get(o, "spec"), "selector");
	const char *type = detect_jstr(o, "spec.type");
	struct detect_service *s;
	size_t i;

	if (!json_is_object(sel) || json_object_size(sel) == 0 ||
	    (type && strcmp(type, "ExternalName") == 0))
		return 0;
	if ((i = detect_vec_push(&d->services)) == NOIDX)
		return -ENOMEM;
	s = VEC_AT(&d->services, struct detect_service, i);
	s->finding = NOIDX;
	s->ns = strdup(detect_jstr(o, "metadata.namespace") ? detect_jstr(o,
	    "metadata.namespace") : "default");
	s->name = detect_strdup(detect_jstr(o, "metadata.name"));
	s->selector = json_deep_copy(sel);
	return s->ns && s->name && s->selector ? 0 : -ENOMEM;
}

int
detect_ingest_endpoints(struct coord_detect *d, json_t *o)
{
	const char *ns = detect_jstr(o, "metadata.namespace"), *name = detect_jstr(o,
	    "metadata.name"), *pn;
	struct detect_endpoints *e;
	json_t *sub, *a;
	size_t i, j;
	char key[512];

	d->saw_endpoints = 1;
	if (name == NULL)
		return -EINVAL;
	detect_key3(key, sizeof(key), ns ? ns : "default", name, "");
	if (detect_map_get(&d->ep_ix, key) != NOIDX)
		return 0;
	if ((i = detect_vec_push(&d->endpoints)) == NOIDX || detect_map_put(&d->ep_ix, key, i) < 0)
		return -ENOMEM;
	e = VEC_AT(&d->endpoints, struct detect_endpoints, i);
	e->ns = strdup(ns ? ns : "default");
	e->name = strdup(name);
	json_array_foreach(json_object_get(o, "subsets"), i, sub) {
		e->ready += (int64_t)json_array_size(json_object_get(sub, "addresses"));
		json_array_foreach(json_object_get(sub, "notReadyAddresses"), j, a) {
			e->notready++;
			if ((pn = detect_jstr(a, "targetRef.name")) &&
			    detect_list_add(&e->notready_pods, pn, 1024) < 0)
				return -ENOMEM;
		}
	}
	return e->ns && e->name ? 0 : -ENOMEM;
}

int
detect_ingest_pvc(struct coord_detect *d, json_t *o)
{
	const char *phase = detect_jstr(o, "status.phase");
	const char *ns = detect_jstr(o, "metadata.namespace");
	struct detect_pvc *p;
	char key[512];
	size_t i;

	if (phase != NULL && strcmp(phase, "Bound") == 0)
		return 0;
	if ((i = detect_vec_push(&d->pvcs)) == NOIDX)
		return -ENOMEM;
	p = VEC_AT(&d->pvcs, struct detect_pvc, i);
	p->finding = NOIDX;
	p->ns = strdup(ns ? ns : "default");
	p->name = detect_strdup(detect_jstr(o, "metadata.name"));
	p->phase = strdup(phase ? phase : "Pending");
	p->sclass = detect_strdup(detect_jstr(o, "spec.storageClassName"));
	if (p->ns == NULL || p->name == NULL || p->phase == NULL)
		return -ENOMEM;
	return detect_map_put(&d->pvc_ix, detect_key3(key, sizeof(key), p->ns, p->name, ""), i);
}

static int
source_names(json_t *cfg, char **out)
{
	json_t *src;
	size_t i;

	json_array_foreach(json_object_get(cfg, "source"), i, src) {
		const char *n = detect_jstr(src, "name");

		if (n && detect_list_add(out, n, 4096) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
detect_ingest_mcp(struct coord_detect *d, json_t *o)
{
	static const char *const degr[] = { "Degraded", "NodeDegraded", "RenderDegraded" };
	json_t *spec = json_object_get(o, "spec"), *status = json_object_get(o, "status");
	json_t *c, *ml, *v;
	struct detect_mcp *p;
	const char *key;
	size_t i, k;

	if ((i = detect_vec_push(&d->mcps)) == NOIDX)
		return -ENOMEM;
	p = VEC_AT(&d->mcps, struct detect_mcp, i);
	p->finding = p->f_mc = NOIDX;
	if ((p->name = detect_strdup(detect_jstr(o, "metadata.name"))) == NULL)
		return -EINVAL;
	for (k = 0; k < STRATA_ARRAY_LEN(degr); k++)
		if ((c = detect_condition(o, degr[k])) && detect_cond_true(c)) {
			p->flags |= CF_DEGRADED;
			if (p->msg == NULL)
				p->msg = detect_strdup(detect_jstr(c, "message"));
		}
	if ((c = detect_condition(o, "Updating")) && detect_cond_true(c)) {
		p->flags |= CF_UPDATING;
		if (p->msg == NULL)
			p->msg = detect_strdup(detect_jstr(c, "message"));
	}
	if (json_is_true(json_object_get(spec, "paused")))
		p->flags |= CF_PAUSED;
	p->spec_config = detect_strdup(detect_jstr(spec, "configuration.name"));
	p->status_config = detect_strdup(detect_jstr(status, "configuration.name"));
	if (source_names(json_object_get(spec, "configuration"), &p->spec_sources) < 0 ||
	    source_names(json_object_get(status, "configuration"), &p->status_sources) < 0)
		return -ENOMEM;
	p->machines = detect_jint(status, "machineCount", 0);
	p->updated = detect_jint(status, "updatedMachineCount", 0);
	p->degraded = detect_jint(status, "degradedMachineCount", 0);
	ml = json_object_get(json_object_get(spec, "nodeSelector"), "matchLabels");
	json_object_foreach(ml, key, v)
		if (strncmp(key, "node-role.kubernetes.io/", 24) == 0 && p->role == NULL)
			p->role = strdup(key + 24);
	if (p->role == NULL)
		p->role = strdup(p->name);
	return p->role ? 0 : -ENOMEM;
}

int
detect_ingest_mc(struct coord_detect *d, json_t *o)
{
	json_t *meta = json_object_get(o, "metadata");
	struct detect_mc *m;
	size_t i;

	if ((i = detect_vec_push(&d->mcs)) == NOIDX)
		return -ENOMEM;
	m = VEC_AT(&d->mcs, struct detect_mc, i);
	if ((m->name = detect_strdup(detect_jstr(meta, "name"))) == NULL)
		return -EINVAL;
	m->role = detect_strdup(json_string_value(json_object_get(json_object_get(meta,
	    "labels"), "machineconfiguration.openshift.io/role")));
	(void)detect_parse_time(detect_jstr(meta, "creationTimestamp"), &m->created);
	return 0;
}

/* Namespaces an operator's operands live in when relatedObjects is not populated. */
static const char *
co_default_namespaces(const char *name)
{
	static const struct { const char *co, *ns; } map[] = {
		{ "dns", "openshift-dns, openshift-dns-operator" },
		{ "network", "openshift-ovn-kubernetes, openshift-sdn, openshift-multus, "
		    "openshift-network-operator, openshift-network-diagnostics" },
		{ "ingress", "openshift-ingress, openshift-ingress-operator" },
		{ "storage", "openshift-cluster-storage-operator, openshift-cluster-csi-drivers" },
		{ "machine-config", "openshift-machine-config-operator" },
		{ "image-registry", "openshift-image-registry" },
		{ "monitoring", "openshift-monitoring" },
		{ "authentication", "openshift-authentication, openshift-oauth-apiserver" },
		{ "kube-apiserver", "openshift-kube-apiserver" },
		{ "etcd", "openshift-etcd" },
		{ "console", "openshift-console" },
	};
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(map); i++)
		if (strcmp(map[i].co, name) == 0)
			return map[i].ns;
	return NULL;
}

int
detect_ingest_co(struct coord_detect *d, json_t *o)
{
	struct detect_co *c;
	json_t *cond, *r;
	const char *s;
	char buf[DETECT_MSG_MAX + 1];
	size_t i;

	if ((i = detect_vec_push(&d->cos)) == NOIDX)
		return -ENOMEM;
	c = VEC_AT(&d->cos, struct detect_co, i);
	c->finding = NOIDX;
	if ((c->name = detect_strdup(detect_jstr(o, "metadata.name"))) == NULL)
		return -EINVAL;
	buf[0] = '\0';
	if ((cond = detect_condition(o, "Degraded")) && detect_cond_true(cond)) {
		c->flags |= CF_DEGRADED;
		snprintf(buf, sizeof(buf), "Degraded: %s", (s = detect_jstr(cond, "message")) ?
		    s : (detect_jstr(cond, "reason") ? detect_jstr(cond, "reason") : ""));
	}
	if ((cond = detect_condition(o, "Available")) && !detect_cond_true(cond)) {
		c->flags |= CF_UNAVAILABLE;
		if (buf[0] == '\0')
			snprintf(buf, sizeof(buf), "Unavailable: %s", (s = detect_jstr(cond,
			    "message")) ? s : "");
	}
	if ((cond = detect_condition(o, "Progressing")) && detect_cond_true(cond)) {
		c->flags |= CF_PROGRESSING;
		if (buf[0] == '\0')
			snprintf(buf, sizeof(buf), "Progressing: %s", (s = detect_jstr(cond,
			    "message")) ? s : "");
	}
	c->msg = detect_strdup(buf);
	json_array_foreach(json_object_get(json_object_get(o, "status"), "relatedObjects"), i,
	    r) {
		const char *res = detect_jstr(r, "resource"), *ns = detect_jstr(r, "namespace");

		if (res && strcmp(res, "namespaces") == 0)
			ns = detect_jstr(r, "name");
		if (ns && *ns && detect_list_add(&c->namespaces, ns, 1024) < 0)
			return -ENOMEM;
	}
	if (c->namespaces == NULL && (s = co_default_namespaces(c->name)) != NULL)
		c->namespaces = strdup(s);
	return 0;
}

int
detect_ingest_cv(struct coord_detect *d, json_t *o)
{
	json_t *c;

	d->have_cv = 1;
	if ((c = detect_condition(o, "Progressing")) && detect_cond_true(c)) {
		d->cv_progressing = 1;
		free(d->cv_msg);
		d->cv_msg = detect_strdup(detect_jstr(c, "message"));
	}
	if ((c = detect_condition(o, "Failing")) && detect_cond_true(c)) {
		d->cv_failing = 1;
		free(d->cv_msg);
		d->cv_msg = detect_strdup(detect_jstr(c, "message"));
	}
	free(d->cv_version);
	d->cv_version = detect_strdup(detect_jstr(o, "status.desired.version"));
	return 0;
}

int
detect_ingest_app(struct coord_detect *d, json_t *o)
{
	json_t *status = json_object_get(o, "status"), *r;
	struct detect_app *a;
	const char *s, *ph;
	char key[512], item[512];
	size_t i, k;

	d->saw_apps = 1;
	if ((i = detect_vec_push(&d->apps)) == NOIDX)
		return -ENOMEM;
	a = VEC_AT(&d->apps, struct detect_app, i);
	a->finding = NOIDX;
	a->ns = strdup(detect_jstr(o, "metadata.namespace") ? detect_jstr(o,
	    "metadata.namespace") : "argocd");
	if ((a->name = detect_strdup(detect_jstr(o, "metadata.name"))) == NULL || !a->ns)
		return -EINVAL;
	a->sync = detect_strdup(detect_jstr(status, "sync.status"));
	a->health = detect_strdup(detect_jstr(status, "health.status"));
	a->msg = detect_strdup(detect_jstr(status, "health.message"));
	a->revision = detect_strdup(detect_jstr(status, "sync.revision"));
	a->dest_ns = detect_strdup(detect_jstr(o, "spec.destination.namespace"));
	a->history = (int64_t)json_array_size(json_object_get(status, "history"));
	if (a->sync && strcmp(a->sync, "OutOfSync") == 0)
		a->flags |= CF_OUTOFSYNC;
	if (a->health && strcmp(a->health, "Degraded") == 0)
		a->flags |= CF_DEGRADED;
	if (a->health && (strcmp(a->health, "Missing") == 0 || strcmp(a->health, "Unknown") == 0))
		a->flags |= CF_UNAVAILABLE;
	if ((ph = detect_jstr(status, "operationState.phase")) &&
	    (strcmp(ph, "Failed") == 0 || strcmp(ph, "Error") == 0)) {
		a->flags |= CF_SYNCFAILED;
		if (a->msg == NULL)
			a->msg = detect_strdup(detect_jstr(status, "operationState.message"));
	}
	if (json_object_get(json_object_get(json_object_get(o, "spec"), "syncPolicy"),
	    "automated"))
		a->flags |= CF_AUTOSYNC;
	if (detect_map_put(&d->app_ix, a->name, i) < 0)
		return -ENOMEM;
	k = 0;
	json_array_foreach(json_object_get(status, "resources"), k, r) {
		const char *kind = detect_jstr(r, "kind"), *rn = detect_jstr(r, "name");

		if (kind == NULL || rn == NULL)
			continue;
		s = detect_jstr(r, "namespace");
		if (s == NULL)
			s = a->dest_ns;
		if (detect_map_put(&d->app_res_ix, detect_key3(key, sizeof(key), kind,
		    s ? s : "", rn), i) < 0)
			return -ENOMEM;
		snprintf(item, sizeof(item), "%s/%s/%s", kind, s ? s : "", rn);
		if (detect_list_add(&a->resources, item, 2048) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
detect_ingest_machine(struct coord_detect *d, json_t *o)
{
	struct detect_machine *m;
	const char *msg;
	size_t i;

	if ((i = detect_vec_push(&d->machines)) == NOIDX)
		return -ENOMEM;
	m = VEC_AT(&d->machines, struct detect_machine, i);
	m->finding = NOIDX;
	m->ns = strdup(detect_jstr(o, "metadata.namespace") ? detect_jstr(o,
	    "metadata.namespace") : "openshift-machine-api");
	if ((m->name = detect_strdup(detect_jstr(o, "metadata.name"))) == NULL || !m->ns)
		return -EINVAL;
	m->phase = detect_strdup(detect_jstr(o, "status.phase"));
	if ((msg = detect_jstr(o, "status.errorMessage")) == NULL)
		msg = detect_jstr(o, "status.errorReason");
	m->msg = detect_strdup(msg);
	m->node = detect_strdup(detect_jstr(o, "status.nodeRef.name"));
	return 0;
}

int
detect_ingest_machineset(struct coord_detect *d, json_t *o)
{
	struct detect_machineset *m;
	json_t *labels;
	size_t i;

	if ((i = detect_vec_push(&d->machinesets)) == NOIDX)
		return -ENOMEM;
	m = VEC_AT(&d->machinesets, struct detect_machineset, i);
	m->ns = strdup(detect_jstr(o, "metadata.namespace") ? detect_jstr(o,
	    "metadata.namespace") : "openshift-machine-api");
	if ((m->name = detect_strdup(detect_jstr(o, "metadata.name"))) == NULL || !m->ns)
		return -EINVAL;
	labels = json_object_get(json_object_get(o, "metadata"), "labels");
	m->role = detect_strdup(json_string_value(json_object_get(labels,
	    "machine.openshift.io/cluster-api-machine-role")));
	if (m->role == NULL) {
		json_t *tl = json_object_get(json_object_get(json_object_get(json_object_get(
		    json_object_get(o, "spec"), "template"), "metadata"), "labels"),
		    "machine.openshift.io/cluster-api-machine-role");

		m->role = detect_strdup(json_string_value(tl));
	}
	m->replicas = detect_jint(o, "spec.replicas", 0);
	m->ready = detect_jint(o, "status.readyReplicas", 0);
	return 0;
}

/* ---- free --------------------------------------------------------------------------- */

void
detect_summaries_free(struct coord_detect *d)
{
	size_t i;

	for (i = 0; i < d->nodes.len; i++) {
		struct detect_node *n = VEC_AT(&d->nodes, struct detect_node, i);

		free(n->name); free(n->pool); free(n->roles); free(n->machine);
		free(n->mco_current); free(n->mco_desired); free(n->mco_state);
		free(n->mco_reason); free(n->msg_ready); free(n->msg_mem); free(n->msg_disk);
		free(n->msg_pid); free(n->msg_net); free(n->taints);
	}
	for (i = 0; i < d->pods.len; i++) {
		struct detect_pod *p = VEC_AT(&d->pods, struct detect_pod, i);

		free(p->ns); free(p->name); free(p->node); free(p->owner_kind);
		free(p->owner_name); free(p->container); free(p->msg); free(p->claims);
		free(p->volrefs); free(p->image);
		json_decref(p->labels);
	}
	for (i = 0; i < d->owners.len; i++) {
		struct detect_owner *w = VEC_AT(&d->owners, struct detect_owner, i);

		free(w->kind); free(w->ns); free(w->name); free(w->parent_kind);
		free(w->parent_name); free(w->parent_api); free(w->argo_tracking);
		free(w->argo_label); free(w->instance); free(w->helm_release);
		free(w->olm_owner); free(w->revision); free(w->images); free(w->msg);
		free(w->method_ref);
	}
	for (i = 0; i < d->events.len; i++) {
		struct detect_event *e = VEC_AT(&d->events, struct detect_event, i);

		free(e->kind); free(e->ns); free(e->name); free(e->reason); free(e->msg);
	}
	for (i = 0; i < d->services.len; i++) {
		struct detect_service *s = VEC_AT(&d->services, struct detect_service, i);

		free(s->ns); free(s->name); json_decref(s->selector);
	}
	for (i = 0; i < d->endpoints.len; i++) {
		struct detect_endpoints *e = VEC_AT(&d->endpoints, struct detect_endpoints, i);

		free(e->ns); free(e->name); free(e->notready_pods);
	}
	for (i = 0; i < d->pvcs.len; i++) {
		struct detect_pvc *p = VEC_AT(&d->pvcs, struct detect_pvc, i);

		free(p->ns); free(p->name); free(p->phase); free(p->sclass);
	}
	for (i = 0; i < d->mcps.len; i++) {
		struct detect_mcp *p = VEC_AT(&d->mcps, struct detect_mcp, i);

		free(p->name); free(p->msg); free(p->spec_config); free(p->status_config);
		free(p->spec_sources); free(p->status_sources); free(p->role); free(p->new_mc);
	}
	for (i = 0; i < d->mcs.len; i++) {
		struct detect_mc *m = VEC_AT(&d->mcs, struct detect_mc, i);

		free(m->name); free(m->role);
	}
	for (i = 0; i < d->cos.len; i++) {
		struct detect_co *c = VEC_AT(&d->cos, struct detect_co, i);

		free(c->name); free(c->msg); free(c->namespaces);
	}
	for (i = 0; i < d->apps.len; i++) {
		struct detect_app *a = VEC_AT(&d->apps, struct detect_app, i);

		free(a->ns); free(a->name); free(a->sync); free(a->health); free(a->msg);
		free(a->dest_ns); free(a->revision); free(a->resources);
	}
	for (i = 0; i < d->machines.len; i++) {
		struct detect_machine *m = VEC_AT(&d->machines, struct detect_machine, i);

		free(m->ns); free(m->name); free(m->phase); free(m->msg); free(m->node);
	}
	for (i = 0; i < d->machinesets.len; i++) {
		struct detect_machineset *m = VEC_AT(&d->machinesets, struct detect_machineset, i);

		free(m->ns); free(m->name); free(m->role);
	}
	free(d->nodes.data); free(d->pods.data); free(d->owners.data); free(d->events.data);
	free(d->services.data); free(d->endpoints.data); free(d->pvcs.data);
	free(d->mcps.data); free(d->mcs.data); free(d->cos.data); free(d->apps.data);
	free(d->machines.data); free(d->machinesets.data);
	detect_map_free(&d->node_ix); detect_map_free(&d->owner_ix);
	detect_map_free(&d->event_ix); detect_map_free(&d->ep_ix);
	detect_map_free(&d->pod_ix); detect_map_free(&d->pvc_ix);
	detect_map_free(&d->app_ix); detect_map_free(&d->app_res_ix);
	detect_map_free(&d->synth_ix);
	free(d->pod_next); free(d->top_head);
	free(d->cv_msg); free(d->cv_version);
}
