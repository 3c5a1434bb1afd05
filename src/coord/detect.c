/*
 * detect_layers: the public face of the analyzer — request, feed, finish, free.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/coord.h"
#include "strata/util.h"
#include "detect_int.h"

#define DETECT_MAX_RESOURCES	64

struct coord_detect *
coord_detect_new(const struct coord_detect_request *req)
{
	struct coord_detect *d = calloc(1, sizeof(*d));
	size_t i, n;

	if (d == NULL)
		return NULL;
	d->nodes.elem = sizeof(struct detect_node);
	d->pods.elem = sizeof(struct detect_pod);
	d->owners.elem = sizeof(struct detect_owner);
	d->events.elem = sizeof(struct detect_event);
	d->services.elem = sizeof(struct detect_service);
	d->endpoints.elem = sizeof(struct detect_endpoints);
	d->pvcs.elem = sizeof(struct detect_pvc);
	d->mcps.elem = sizeof(struct detect_mcp);
	d->mcs.elem = sizeof(struct detect_mc);
	d->cos.elem = sizeof(struct detect_co);
	d->apps.elem = sizeof(struct detect_app);
	d->machines.elem = sizeof(struct detect_machine);
	d->machinesets.elem = sizeof(struct detect_machineset);
	d->findings.elem = sizeof(struct detect_finding);
	d->links.elem = sizeof(struct detect_link);
	d->now = req && req->now ? req->now : time(NULL);
	d->window = req && req->event_window_s ? req->event_window_s : 3600;
	d->max_findings = req && req->max_findings ? req->max_findings : 30;
	d->max_impacted = req && req->max_impacted ? req->max_impacted : 25;
	d->max_pods = req && req->max_pods ? req->max_pods : 50000;
	if (req == NULL)
		return d;
	if (req->description && (d->description = strdup(req->description)) == NULL)
		goto fail;
	if (req->namespace && *req->namespace && (d->namespace = strdup(req->namespace)) == NULL)
		goto fail;
	n = req->resources ? req->nresources : 0;
	if (n > DETECT_MAX_RESOURCES)
		n = DETECT_MAX_RESOURCES;
	if (n > 0 && (d->res = calloc(n, sizeof(*d->res))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		const struct coord_resource_ref *r = &req->resources[i];

		if (r->kind == NULL || r->name == NULL)
			continue;
		d->res[d->nres].kind = strdup(r->kind);
		d->res[d->nres].name = strdup(r->name);
		d->res[d->nres].namespace = r->namespace && *r->namespace ? strdup(r->namespace) :
		    NULL;
		if (d->res[d->nres].kind == NULL || d->res[d->nres].name == NULL ||
		    (r->namespace && *r->namespace && d->res[d->nres].namespace == NULL)) {
			d->nres++;
			goto fail;
		}
		d->nres++;
	}
	return d;
fail:
	coord_detect_free(d);
	return NULL;
}

int
coord_detect_feed(struct coord_detect *d, const char *kind, json_t *obj)
{
	static const char *const owners[] = { "ReplicaSet", "Deployment", "StatefulSet",
	    "DaemonSet", "Job", "CronJob", "ReplicationController" };
	size_t i;

	if (d->finished)
		return -EALREADY;
	if (!json_is_object(obj))
		return -EINVAL;
	if (kind == NULL)
		kind = json_string_value(json_object_get(obj, "kind"));
	if (kind == NULL)
		return -EINVAL;
	if (strcmp(kind, "Pod") == 0)
		return detect_ingest_pod(d, obj);
	if (strcmp(kind, "Event") == 0)
		return detect_ingest_event(d, obj);
	if (strcmp(kind, "Node") == 0)
		return detect_ingest_node(d, obj);
	for (i = 0; i < STRATA_ARRAY_LEN(owners); i++)
		if (strcmp(kind, owners[i]) == 0)
			return detect_ingest_owner(d, kind, obj);
	if (strcmp(kind, "Service") == 0)
		return detect_ingest_service(d, obj);
	if (strcmp(kind, "Endpoints") == 0)
		return detect_ingest_endpoints(d, obj);
	if (strcmp(kind, "PersistentVolumeClaim") == 0)
		return detect_ingest_pvc(d, obj);
	if (strcmp(kind, "MachineConfigPool") == 0)
		return detect_ingest_mcp(d, obj);
	if (strcmp(kind, "MachineConfig") == 0)
		return detect_ingest_mc(d, obj);
	if (strcmp(kind, "ClusterOperator") == 0)
		return detect_ingest_co(d, obj);
	if (strcmp(kind, "ClusterVersion") == 0)
		return detect_ingest_cv(d, obj);
	if (strcmp(kind, "Application") == 0)
		return detect_ingest_app(d, obj);
	if (strcmp(kind, "Machine") == 0)
		return detect_ingest_machine(d, obj);
	if (strcmp(kind, "MachineSet") == 0)
		return detect_ingest_machineset(d, obj);
	if (strcmp(kind, "PodDisruptionBudget") == 0) {
		d->n_pdbs++;
		return 0;
	}
	if (strcmp(kind, "Namespace") == 0) {
		d->n_namespaces++;
		return 0;
	}
	d->n_ignored++;
	return 0;
}

int
coord_detect_feed_list(struct coord_detect *d, json_t *list, char *err, size_t errlen)
{
	const char *lkind = json_string_value(json_object_get(list, "kind"));
	char item_kind[128] = "";
	json_t *items = json_object_get(list, "items"), *it;
	size_t i, n;
	int rc;

	if (!json_is_array(items)) {
		snprintf(err, errlen, "not a Kubernetes List: no items array");
		return -EINVAL;
	}
	if (lkind && (n = strlen(lkind)) > 4 && strcmp(lkind + n - 4, "List") == 0 &&
	    n - 4 < sizeof(item_kind)) {
		memcpy(item_kind, lkind, n - 4);
		item_kind[n - 4] = '\0';
	}
	json_array_foreach(items, i, it) {
		const char *k = json_string_value(json_object_get(it, "kind"));

		if (k == NULL && item_kind[0])
			k = item_kind;
		if (k == NULL) {
			snprintf(err, errlen, "item %zu has no kind", i);
			return -EINVAL;
		}
		if ((rc = coord_detect_feed(d, k, it)) < 0) {
			snprintf(err, errlen, "item %zu (%s): %s", i, k, strerror(-rc));
			return rc;
		}
	}
	return (int)i;
}

json_t *
coord_detect_finish(struct coord_detect *d, char *err, size_t errlen)
{
	struct detect_verdict v;
	json_t *out = NULL;
	uint64_t t0 = strata_now_ms();

	memset(&v, 0, sizeof(v));
	if (d->finished) {
		snprintf(err, errlen, "detect: finish called twice");
		return NULL;
	}
	d->finished = 1;
	detect_owners_resolve(d);
	if (detect_findings_build(d) < 0 || detect_causal_link(d) < 0 ||
	    detect_roots_choose(d, &v) < 0) {
		snprintf(err, errlen, "detect: out of memory during analysis");
		goto fail;
	}
	if ((out = detect_report_build(d, &v)) == NULL) {
		snprintf(err, errlen, "detect: out of memory building the result");
		goto fail;
	}
	log_debug("coord.detect", "analysed pods=%llu unhealthy=%zu findings=%zu links=%zu ms=%llu",
	    (unsigned long long)d->n_pods, d->pods.len, d->findings.len, d->links.len,
	    (unsigned long long)(strata_now_ms() - t0));
fail:
	free(v.roots);
	return out;
}

void
coord_detect_free(struct coord_detect *d)
{
	size_t i;

	if (d == NULL)
		return;
	detect_summaries_free(d);
	for (i = 0; i < d->findings.len; i++) {
		struct detect_finding *f = VEC_AT(&d->findings, struct detect_finding, i);

		free(f->kind);
		free(f->ns);
		free(f->name);
		free(f->detail);
	}
	for (i = 0; i < d->links.len; i++)
		free(VEC_AT(&d->links, struct detect_link, i)->reason);
	free(d->findings.data);
	free(d->links.data);
	for (i = 0; i < d->nres; i++) {
		free((char *)d->res[i].kind);
		free((char *)d->res[i].namespace);
		free((char *)d->res[i].name);
	}
	free(d->res);
	free(d->description);
	free(d->namespace);
	free(d);
}

int
coord_detect_request_from_json(json_t *args, struct coord_detect_request *req,
    struct coord_resource_ref **refs_out, char *err, size_t errlen)
{
	json_t *res, *r;
	struct coord_resource_ref *refs = NULL;
	size_t i, n;

	memset(req, 0, sizeof(*req));
	*refs_out = NULL;
	if (args != NULL && !json_is_object(args)) {
		snprintf(err, errlen, "arguments must be an object");
		return -EINVAL;
	}
	req->description = json_string_value(json_object_get(args, "description"));
	req->namespace = json_string_value(json_object_get(args, "namespace"));
	res = json_object_get(args, "resources");
	if (res == NULL)
		return 0;
	if (!json_is_array(res) || (n = json_array_size(res)) > DETECT_MAX_RESOURCES) {
		snprintf(err, errlen, "resources must be an array of at most %d items",
		    DETECT_MAX_RESOURCES);
		return -EINVAL;
	}
	if (n > 0 && (refs = calloc(n, sizeof(*refs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_array_foreach(res, i, r) {
		refs[i].kind = json_string_value(json_object_get(r, "kind"));
		refs[i].name = json_string_value(json_object_get(r, "name"));
		refs[i].namespace = json_string_value(json_object_get(r, "namespace"));
		if (refs[i].kind == NULL || refs[i].name == NULL) {
			snprintf(err, errlen, "resources[%zu] needs kind and name", i);
			free(refs);
			return -EINVAL;
		}
	}
	req->resources = refs;
	req->nresources = n;
	*refs_out = refs;
	return 0;
}
