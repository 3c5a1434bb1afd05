/*
 * Parallel paged gathering of cluster state (see gather.h).
 *
 * Every spec becomes one kube_list.  Pages stream through the item callback; nothing is
 * kept here but counters and the report.  A 404 on a whole collection means the API
 * group is not served by this cluster (plain Kubernetes has no MachineConfigPools, many
 * clusters have no Argo CD): that kind is reported as missing and the gather goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gather.h"
#include "strata/util.h"

#define GATHER_LOG	"gather"

struct gather_list {
	struct coord_gather		*g;
	const struct coord_gather_spec	*spec;
	struct kube_request		*req;	/* NULL once done */
	size_t				 raw_items;	/* consumed raw since the last page */
};

struct coord_gather {
	struct coord_gather_callbacks	 cb;
	struct gather_list		*lists;
	size_t				 nlists;
	size_t				 running;
	size_t				 finished;
	int				 status;
	int				 starting;	/* callbacks deferred while starting */
	char				 message[512];
	json_t				*report;
};

const struct coord_gather_spec coord_gather_detect_specs[] = {
	{ "Node", "", "v1", "nodes", false, true, NULL },
	{ "Pod", "", "v1", "pods", true, true, NULL },
	{ "ReplicaSet", "apps", "v1", "replicasets", true, false, NULL },
	{ "Deployment", "apps", "v1", "deployments", true, false, NULL },
	{ "StatefulSet", "apps", "v1", "statefulsets", true, false, NULL },
	{ "DaemonSet", "apps", "v1", "daemonsets", true, false, NULL },
	{ "Event", "", "v1", "events", true, false, NULL },
	{ "Service", "", "v1", "services", true, false, NULL },
	{ "Endpoints", "", "v1", "endpoints", true, false, NULL },
	{ "PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", true, false, NULL },
	{ "PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", true, false, NULL },
	{ "MachineConfigPool", "machineconfiguration.openshift.io", "v1",
	    "machineconfigpools", false, false, NULL },
	{ "ClusterOperator", "config.openshift.io", "v1", "clusteroperators", false, false,
	    NULL },
	{ "ClusterVersion", "config.openshift.io", "v1", "clusterversions", false, false,
	    NULL },
	{ "Application", "argoproj.io", "v1alpha1", "applications", false, false, NULL },
	{ "Machine", "machine.openshift.io", "v1beta1", "machines", false, false, NULL },
	{ "MachineSet", "machine.openshift.io", "v1beta1", "machinesets", false, false,
	    NULL },
};
const size_t coord_gather_detect_nspecs = STRATA_ARRAY_LEN(coord_gather_detect_specs);

static void
gather_report_add(struct coord_gather *g, const char *key, json_t *v)
{
	json_t *a = json_object_get(g->report, key);

	if (a != NULL)
		json_array_append_new(a, v);
	else
		json_decref(v);
}

static void
gather_report_count(struct coord_gather *g, const char *key, size_t n)
{
	json_t *v = json_object_get(g->report, key);

	json_object_set_new(g->report, key,
	    json_integer(json_integer_value(v) + (json_int_t)n));
}

static void
gather_free(struct coord_gather *g)
{
	json_decref(g->report);
	free(g->lists);
	free(g);
}

/* Runs the done callback once every list has finished (and start has returned). */
static void
gather_maybe_done(struct coord_gather *g)
{
	if (g->running > 0 || g->starting)
		return;
	g->cb.done(g->status, g->message[0] != '\0' ? g->message : NULL, g->report,
	    g->cb.arg);
	gather_free(g);
}

static int
gather_on_page(struct kube_request *req, const struct kube_page *page, void *arg)
{
	struct gather_list *l = arg;
	struct coord_gather *g = l->g;
	json_t *items, *item;
	size_t i;

	if (g->status == -ECANCELED)
		return 1;
	if (page->restarted)
		log_warn(GATHER_LOG, "list of %s restarted after an expired continue token; "
		    "items may be seen twice", l->spec->kind);
	items = json_object_get(page->list, "items");
	gather_report_count(g, "pages", 1);
	if (!json_is_array(items))
		return 0;
	json_array_foreach(items, i, item) {
		if (json_is_object(item))
			g->cb.item(l->spec->kind, item, g->cb.arg);
	}
	gather_report_count(g, "items", json_array_size(items) + l->raw_items);
	l->raw_items = 0;
	return 0;
}

/* kube's raw item hook: the item's text goes to cb.raw before any tree is built. */
static int
gather_on_raw_item(struct kube_request *req, const char *item, size_t len, void *arg)
{
	struct gather_list *l = arg;
	struct coord_gather *g = l->g;
	int rc;

	if (g->status == -ECANCELED)
		return 0;	/* dropped; the page callback ends the list */
	if ((rc = g->cb.raw(l->spec->kind, item, len, g->cb.arg)) == 0)
		l->raw_items++;
	return rc;
}

static void
gather_on_done(struct kube_request *req, json_t *result, const struct kube_error *err,
    void *arg)
{
	struct gather_list *l = arg;
	struct coord_gather *g = l->g;
	const char *kind = l->spec->kind;

	l->req = NULL;
	g->running--;
	g->finished++;
	if (err != NULL && err->code == -ECANCELED) {
		/* status already says so */
	} else if (err != NULL && err->http_status == 404) {
		gather_report_add(g, "missing", json_string(kind));
		log_debug(GATHER_LOG, "%s: API not served by this cluster", kind);
	} else if (err != NULL && err->http_status == 403) {
		gather_report_add(g, "forbidden", json_string(kind));
		log_warn(GATHER_LOG, "%s: forbidden (%s); detection goes on without them",
		    kind, err->message);
		if (l->spec->required && g->status == 0) {
			g->status = -EACCES;
			snprintf(g->message, sizeof(g->message),
			    "listing %s is forbidden for these credentials: %.400s", kind,
			    err->message);
		}
	} else if (err != NULL) {
		gather_report_add(g, "errors", json_pack("{s:s,s:s}", "kind", kind,
		    "message", err->message));
		if (l->spec->required && g->status == 0) {
			g->status = err->code != 0 ? err->code : -EIO;
			snprintf(g->message, sizeof(g->message), "listing %s failed: %.400s", kind,
			    err->message);
		} else
			log_warn(GATHER_LOG, "listing %s failed: %.400s", kind, err->message);
	}
	if (g->cb.progress != NULL && g->status != -ECANCELED)
		g->cb.progress(g->finished, g->nlists, kind, g->cb.arg);
	gather_maybe_done(g);
}

struct coord_gather *
coord_gather_start(struct kube_client *client, const struct coord_gather_spec *specs,
    size_t nspecs, const char *namespace, unsigned page_size,
    const struct coord_gather_callbacks *cb, char *err, size_t errlen)
{
	struct coord_gather *g;
	struct kube_opts o;
	struct kube_ref ref;
	size_t i;

	if (client == NULL || cb == NULL || cb->item == NULL || cb->done == NULL ||
	    nspecs == 0) {
		snprintf(err, errlen, "gather: nothing to list");
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->lists = calloc(nspecs, sizeof(*g->lists))) == NULL ||
	    (g->report = json_pack("{s:i,s:i,s:i,s:[],s:[],s:[]}", "lists", (int)nspecs,
	    "items", 0, "pages", 0, "missing", "forbidden", "errors")) == NULL) {
		if (g != NULL)
			gather_free(g);
		snprintf(err, errlen, "gather: out of memory");
		return NULL;
	}
	g->cb = *cb;
	g->nlists = nspecs;
	g->starting = 1;
	for (i = 0; i < nspecs; i++) {
		char lerr[256];

		memset(&o, 0, sizeof(o));
		o.limit = page_size != 0 ? page_size : 500;
		o.field_selector = specs[i].field_selector;
		o.item_fn = cb->raw != NULL ? gather_on_raw_item : NULL;
		ref = (struct kube_ref){ specs[i].group, specs[i].version, specs[i].resource,
		    specs[i].namespaced ? namespace : NULL, NULL, NULL };
		g->lists[i].g = g;
		g->lists[i].spec = &specs[i];
		g->running++;
		g->lists[i].req = kube_list(client, &ref, &o, gather_on_page, gather_on_done,
		    &g->lists[i], lerr, sizeof(lerr));
		if (g->lists[i].req == NULL) {
			/* Could not even start: treat like a failed list. */
			struct kube_error ke;

			memset(&ke, 0, sizeof(ke));
			ke.code = -EINVAL;
			snprintf(ke.message, sizeof(ke.message), "%s", lerr);
			gather_on_done(NULL, NULL, &ke, &g->lists[i]);
		}
	}
	g->starting = 0;
	if (g->running == 0) {
		/* Nothing could even be started: no callback, the caller gets the error. */
		snprintf(err, errlen, "%s", g->message[0] != '\0' ? g->message :
		    "gather: no list could be started");
		gather_free(g);
		return NULL;
	}
	return g;
}

void
coord_gather_cancel(struct coord_gather *g)
{
	size_t i;

	if (g == NULL || g->status == -ECANCELED)
		return;
	g->status = -ECANCELED;
	snprintf(g->message, sizeof(g->message), "cancelled");
	for (i = 0; i < g->nlists; i++)
		if (g->lists[i].req != NULL)
			kube_request_cancel(g->lists[i].req);
}
