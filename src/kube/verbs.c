/*
 * The typed API on top of the request core: paths from (group, version, resource,
 * namespace, name, subresource), query options, the verbs, paged lists (page by page,
 * restart on 410 Expired) and API-group discovery.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_int.h"

#define PATH_MAX_LEN	2048
#define LIST_MAX_RESTARTS 3

static int
seg_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strchr(s, '/') == NULL && strchr(s, '?') == NULL &&
	    strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int
kube_ref_path(const struct kube_ref *r, char *out, size_t outlen)
{
	int n;

	if (r == NULL || !seg_ok(r->version) || !seg_ok(r->resource))
		return -EINVAL;
	if (r->group != NULL && r->group[0] != '\0' && !seg_ok(r->group))
		return -EINVAL;
	if (r->namespace != NULL && r->namespace[0] != '\0' && !seg_ok(r->namespace))
		return -EINVAL;
	if (r->name != NULL && r->name[0] != '\0' && !seg_ok(r->name))
		return -EINVAL;
	if (r->subresource != NULL && (r->name == NULL || r->name[0] == '\0' ||
	    !seg_ok(r->subresource)))
		return -EINVAL;
	if (r->group == NULL || r->group[0] == '\0')
		n = snprintf(out, outlen, "/api/%s", r->version);
	else
		n = snprintf(out, outlen, "/apis/%s/%s", r->group, r->version);
	if (n >= 0 && (size_t)n < outlen && r->namespace != NULL && r->namespace[0] != '\0')
		n += snprintf(out + n, outlen - (size_t)n, "/namespaces/%s", r->namespace);
	if (n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "/%s", r->resource);
	if (n >= 0 && (size_t)n < outlen && r->name != NULL && r->name[0] != '\0')
		n += snprintf(out + n, outlen - (size_t)n, "/%s", r->name);
	if (n >= 0 && (size_t)n < outlen && r->subresource != NULL)
		n += snprintf(out + n, outlen - (size_t)n, "/%s", r->subresource);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

static int
query_add(char *out, size_t outlen, const char *key, const char *val)
{
	size_t n = strlen(out);
	char *esc;
	int w;

	if (val == NULL || val[0] == '\0')
		return 0;
	if ((esc = kcurl.easy_escape(NULL, val, 0)) == NULL)
		return -ENOMEM;
	w = snprintf(out + n, outlen - n, "%s%s=%s", strchr(out, '?') ? "&" : "?", key, esc);
	kcurl.free(esc);
	return w < 0 || (size_t)w >= outlen - n ? -ENAMETOOLONG : 0;
}

/* Path of ref plus the query options that apply to `method`. */
static int
build_path(const struct kube_ref *ref, const char *method, const struct kube_opts *o,
    int list, char *out, size_t outlen, char *err, size_t errlen)
{
	char lim[16];
	int rc, mutating = strcmp(method, "GET") != 0;

	if ((rc = kube_ref_path(ref, out, outlen)) != 0) {
		kube_err_set(err, errlen, "invalid resource reference (%s/%s %s, namespace %s, "
		    "name %s)", ref && ref->group ? ref->group : "", ref && ref->version ?
		    ref->version : "?", ref && ref->resource ? ref->resource : "?",
		    ref && ref->namespace ? ref->namespace : "-",
		    ref && ref->name ? ref->name : "-");
		return rc;
	}
	if (o == NULL) {
		static const struct kube_opts none;

		o = &none;
	}
	rc = 0;
	if (mutating && o->dry_run)
		rc = query_add(out, outlen, "dryRun", "All");
	if (rc == 0 && mutating)
		rc = query_add(out, outlen, "fieldManager", o->field_manager);
	if (rc == 0 && !mutating)
		rc = query_add(out, outlen, "labelSelector", o->label_selector);
	if (rc == 0 && !mutating)
		rc = query_add(out, outlen, "fieldSelector", o->field_selector);
	if (rc == 0 && list) {
		snprintf(lim, sizeof(lim), "%u", o->limit != 0 ? o->limit : 500u);
		rc = query_add(out, outlen, "limit", lim);
	}
	if (rc != 0)
		kube_err_set(err, errlen, "request path too long");
	return rc;
}

static struct kube_request *
verb_start(struct kube_client *c, const char *method, const struct kube_ref *ref, json_t *body,
    const char *ctype, const struct kube_opts *o, kube_done_fn cb, void *arg, char *err,
    size_t errlen)
{
	struct kube_request *req;
	char path[PATH_MAX_LEN];

	if (build_path(ref, method, o, 0, path, sizeof(path), err, errlen) != 0)
		return NULL;
	if ((req = kube_request_new(c, method, path, body, ctype, o, cb, arg, err,
	    errlen)) == NULL)
		return NULL;
	kube_request_start(req);
	return req;
}

struct kube_request *
kube_get(struct kube_client *c, const struct kube_ref *ref, const struct kube_opts *o,
    kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	return verb_start(c, "GET", ref, NULL, NULL, o, cb, arg, err, errlen);
}

struct kube_request *
kube_create(struct kube_client *c, const struct kube_ref *ref, json_t *body,
    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	if (!json_is_object(body)) {
		kube_err_set(err, errlen, "create: body must be an object");
		return NULL;
	}
	return verb_start(c, "POST", ref, body, NULL, o, cb, arg, err, errlen);
}

struct kube_request *
kube_replace(struct kube_client *c, const struct kube_ref *ref, json_t *body,
    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	struct kube_opts oo;
	json_t *rv;

	if (!json_is_object(body)) {
		kube_err_set(err, errlen, "replace: body must be an object");
		return NULL;
	}
	/* A PUT with a resourceVersion is conditional, hence safe to retry. */
	memset(&oo, 0, sizeof(oo));
	if (o != NULL)
		oo = *o;
	rv = json_object_get(json_object_get(body, "metadata"), "resourceVersion");
	if (json_is_string(rv) && json_string_length(rv) > 0)
		oo.idempotent = 1;
	return verb_start(c, "PUT", ref, body, NULL, &oo, cb, arg, err, errlen);
}

struct kube_request *
kube_patch(struct kube_client *c, const struct kube_ref *ref, enum kube_patch_type type,
    json_t *patch, const struct kube_opts *o, kube_done_fn cb, void *arg, char *err,
    size_t errlen)
{
	const char *ct;

	switch (type) {
	case KUBE_PATCH_MERGE:
		ct = "application/merge-patch+json";
		break;
	case KUBE_PATCH_STRATEGIC:
		ct = "application/strategic-merge-patch+json";
		break;
	case KUBE_PATCH_JSON:
		ct = "application/json-patch+json";
		break;
	default:
		kube_err_set(err, errlen, "patch: unknown patch type");
		return NULL;
	}
	if (patch == NULL || (type == KUBE_PATCH_JSON ? !json_is_array(patch) :
	    !json_is_object(patch))) {
		kube_err_set(err, errlen, "patch: body must be %s",
		    type == KUBE_PATCH_JSON ? "an array of operations" : "an object");
		return NULL;
	}
	return verb_start(c, "PATCH", ref, patch, ct, o, cb, arg, err, errlen);
}

struct kube_request *
kube_delete(struct kube_client *c, const struct kube_ref *ref, json_t *preconditions,
    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	struct kube_request *req;
	struct kube_opts oo;
	json_t *body;

	memset(&oo, 0, sizeof(oo));
	if (o != NULL)
		oo = *o;
	body = json_pack("{s:s, s:s}", "kind", "DeleteOptions", "apiVersion", "v1");
	if (body == NULL) {
		kube_err_set(err, errlen, "out of memory");
		return NULL;
	}
	if (oo.dry_run)
		json_object_set_new(body, "dryRun", json_pack("[s]", "All"));
	if (json_is_object(preconditions) && json_object_size(preconditions) > 0) {
		json_object_set(body, "preconditions", preconditions);
		oo.idempotent = 1;	/* a second DELETE fails 404/409, never harms */
	}
	req = verb_start(c, "DELETE", ref, body, NULL, &oo, cb, arg, err, errlen);
	json_decref(body);
	return req;
}

struct kube_request *
kube_evict(struct kube_client *c, const char *ns, const char *pod, const struct kube_opts *o,
    kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	struct kube_ref ref = { "", "v1", "pods", ns, pod, "eviction" };
	struct kube_request *req;
	struct kube_opts oo;
	json_t *body;

	memset(&oo, 0, sizeof(oo));
	if (o != NULL)
		oo = *o;
	body = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}}", "apiVersion", "policy/v1",
	    "kind", "Eviction", "metadata", "name", pod ? pod : "", "namespace", ns ? ns : "",
	    "deleteOptions");
	if (body == NULL) {
		kube_err_set(err, errlen, "eviction: invalid pod or namespace name");
		return NULL;
	}
	if (oo.dry_run) {
		json_object_set_new(json_object_get(body, "deleteOptions"), "dryRun",
		    json_pack("[s]", "All"));
		oo.dry_run = 0;	/* carried in the body, as kubectl does */
	}
	req = verb_start(c, "POST", &ref, body, NULL, &oo, cb, arg, err, errlen);
	json_decref(body);
	return req;
}

struct kube_request *
kube_scale(struct kube_client *c, const struct kube_ref *ref, long replicas,
    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	struct kube_request *req;
	struct kube_ref r;
	json_t *patch;

	if (ref == NULL) {
		kube_err_set(err, errlen, "scale: no resource");
		return NULL;
	}
	r = *ref;
	r.subresource = "scale";
	if ((patch = json_pack("{s:{s:I}}", "spec", "replicas", (json_int_t)replicas)) == NULL) {
		kube_err_set(err, errlen, "out of memory");
		return NULL;
	}
	req = kube_patch(c, &r, KUBE_PATCH_MERGE, patch, o, cb, arg, err, errlen);
	json_decref(patch);
	return req;
}

struct kube_request *
kube_request_raw(struct kube_client *c, const char *method, const char *path, json_t *body,
    const char *content_type, const struct kube_opts *o, kube_done_fn cb, void *arg,
    char *err, size_t errlen)
{
	struct kube_request *req;

	if ((req = kube_request_new(c, method, path, body, content_type, o, cb, arg, err,
	    errlen)) == NULL)
		return NULL;
	kube_request_start(req);
	return req;
}

/* ---- lists ---- */

struct kube_request *
kube_list(struct kube_client *c, const struct kube_ref *ref, const struct kube_opts *o,
    kube_page_fn page_cb, kube_done_fn done_cb, void *arg, char *err, size_t errlen)
{
	struct kube_request *req;
	char path[PATH_MAX_LEN];
	struct kube_ref r;

	if (ref == NULL || page_cb == NULL) {
		kube_err_set(err, errlen, "list: no resource or page callback");
		return NULL;
	}
	r = *ref;
	if (r.name != NULL && r.name[0] != '\0') {
		kube_err_set(err, errlen, "list: a name was given (use kube_get)");
		return NULL;
	}
	r.subresource = NULL;
	if (build_path(&r, "GET", o, 1, path, sizeof(path), err, errlen) != 0)
		return NULL;
	if ((req = kube_request_new(c, "GET", path, NULL, NULL, o, done_cb, arg, err,
	    errlen)) == NULL)
		return NULL;
	req->kind = KUBE_REQ_LIST;
	req->page_cb = page_cb;
	req->item_fn = o != NULL ? o->item_fn : NULL;
	kube_request_start(req);
	return req;
}

void
kube_list_page(struct kube_request *req, json_t *v)
{
	struct kube_page page;
	const char *cont;

	if (!json_is_array(json_object_get(v, "items"))) {
		kube_request_fail(req, -EBADMSG, "GET %s: the answer is not a list (no items)",
		    req->path);
		return;
	}
	req->items_total += json_array_size(json_object_get(v, "items"));
	page.list = v;
	page.index = req->page_index;
	page.items_total = req->items_total;
	page.restarted = req->restarted;
	page.bytes = req->page_bytes;
	req->restarted = 0;
	if (req->page_cb(req, &page, req->arg) != 0) {
		kube_request_complete(req, NULL, NULL);
		return;
	}
	if (req->done || req->cancelled)
		return;		/* the cancel timer completes it */
	cont = json_string_value(json_object_get(json_object_get(v, "metadata"), "continue"));
	if (cont == NULL || cont[0] == '\0') {
		kube_request_complete(req, NULL, NULL);
		return;
	}
	free(req->cont);
	if ((req->cont = strdup(cont)) == NULL) {
		kube_request_fail(req, -ENOMEM, "out of memory");
		return;
	}
	/* The deadline and the retries apply to each page. */
	req->page_index++;
	req->retries = 0;
	req->deadline_ms = strata_now_ms() + req->timeout_ms;
	kube_request_again(req);
}

/* 410 on a continued list: start again from the first page.  1 if restarted. */
int
kube_list_expired(struct kube_request *req)
{
	if (req->restarts >= LIST_MAX_RESTARTS)
		return 0;
	req->restarts++;
	log_info(KUBE_LOG, "list continue token expired, restarting path=%s restart=%d",
	    req->path, req->restarts);
	free(req->cont);
	req->cont = NULL;
	req->page_index = 0;
	req->items_total = 0;
	req->restarted = 1;
	req->retries = 0;
	req->deadline_ms = strata_now_ms() + req->timeout_ms;
	kube_request_again(req);
	return 1;
}

/* ---- discovery ---- */

static void
disc_finish(struct kube_request *req, int present, const char *preferred, json_t *resources)
{
	json_t *r;

	r = json_pack("{s:s, s:s?, s:b, s:s?}", "group", req->disc_group, "version",
	    req->disc_version, "present", present, "preferredVersion", preferred);
	if (r == NULL) {
		kube_request_fail(req, -ENOMEM, "out of memory");
		return;
	}
	if (resources != NULL)
		json_object_set(r, "resources", resources);
	kube_request_complete(req, r, NULL);
	json_decref(r);
}

void
kube_discover_step(struct kube_request *req, json_t *v)
{
	json_t *groups, *g, *vers, *ver, *names, *res, *it;
	const char *pref = NULL, *name;
	char *path;
	size_t i, j;
	int found_version = 0;

	if (req->disc_stage == 1) {
		names = json_array();
		res = json_object_get(v, "resources");
		json_array_foreach(res, i, it)
			if ((name = json_string_value(json_object_get(it, "name"))) != NULL)
				json_array_append_new(names, json_string(name));
		disc_finish(req, 1, NULL, names);
		json_decref(names);
		return;
	}
	groups = json_object_get(v, "groups");
	if (!json_is_array(groups)) {
		kube_request_fail(req, -EBADMSG, "GET /apis: not an APIGroupList");
		return;
	}
	json_array_foreach(groups, i, g) {
		name = json_string_value(json_object_get(g, "name"));
		if (name == NULL || strcmp(name, req->disc_group) != 0)
			continue;
		pref = json_string_value(json_object_get(json_object_get(g,
		    "preferredVersion"), "version"));
		if (req->disc_version == NULL) {
			disc_finish(req, 1, pref, NULL);
			return;
		}
		vers = json_object_get(g, "versions");
		json_array_foreach(vers, j, ver) {
			name = json_string_value(json_object_get(ver, "version"));
			if (name != NULL && strcmp(name, req->disc_version) == 0)
				found_version = 1;
		}
		if (!found_version) {
			disc_finish(req, 0, pref, NULL);
			return;
		}
		path = kube_strprintf("/apis/%s/%s", req->disc_group, req->disc_version);
		if (path == NULL) {
			kube_request_fail(req, -ENOMEM, "out of memory");
			return;
		}
		free(req->path);
		req->path = path;
		req->disc_stage = 1;
		req->retries = 0;
		kube_request_again(req);
		return;
	}
	disc_finish(req, 0, NULL, NULL);
}

struct kube_request *
kube_discover_group(struct kube_client *c, const char *group, const char *version,
    kube_done_fn cb, void *arg, char *err, size_t errlen)
{
	struct kube_request *req;
	char *g, *v;

	if (!seg_ok(group) || (version != NULL && !seg_ok(version))) {
		kube_err_set(err, errlen, "discovery: invalid group or version");
		return NULL;
	}
	g = strdup(group);
	v = version != NULL ? strdup(version) : NULL;

	if (g == NULL || (version != NULL && v == NULL) ||
	    (req = kube_request_new(c, "GET", "/apis", NULL, NULL, NULL, cb, arg, err,
	    errlen)) == NULL) {
		if (g == NULL || (version != NULL && v == NULL))
			kube_err_set(err, errlen, "out of memory");
		free(g);
		free(v);
		return NULL;
	}
	req->disc_group = g;
	req->disc_version = v;
	kube_request_start(req);
	return req;
}
