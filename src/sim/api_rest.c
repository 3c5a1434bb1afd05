/*
 * Resource paths: routing of /api/v1/... and /apis/<g>/<v>/... to get, list, watch,
 * create, replace, patch, delete, deletecollection and the status, scale and eviction
 * subresources.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

#define MAX_SEGS	8

struct route {
	const struct sim_rtype *rt;
	const char	*ns;		/* NULL: none in the path */
	const char	*name;		/* NULL: the collection */
	const char	*sub;		/* NULL, "status", "scale", "eviction" */
};

/* Splits `path` (copied into buf) and resolves the resource type; false = 404. */
static bool
route_parse(const char *path, char *buf, size_t buflen, struct route *rt_out)
{
	char *segs[MAX_SEGS], *p, *save = NULL, *group = "", *version;
	size_t n = 0, i = 0;

	memset(rt_out, 0, sizeof(*rt_out));
	if (strlen(path) >= buflen)
		return false;
	snprintf(buf, buflen, "%s", path);
	/* strtok_r: requests are served on several connection threads at once. */
	for (p = strtok_r(buf, "/", &save); p && n < MAX_SEGS; p = strtok_r(NULL, "/", &save))
		segs[n++] = p;
	if (p != NULL)
		return false;
	if (n >= 3 && strcmp(segs[0], "api") == 0 && strcmp(segs[1], "v1") == 0) {
		version = segs[1];
		i = 2;
	} else if (n >= 4 && strcmp(segs[0], "apis") == 0) {
		group = segs[1];
		version = segs[2];
		i = 3;
	} else {
		return false;
	}
	n -= i;
	if (n >= 3 && strcmp(segs[i], "namespaces") == 0) {
		const struct sim_rtype *t = sim_rt_find(group, version, segs[i + 2]);

		if (t != NULL && t->namespaced) {
			rt_out->rt = t;
			rt_out->ns = segs[i + 1];
			rt_out->name = n >= 4 ? segs[i + 3] : NULL;
			rt_out->sub = n >= 5 ? segs[i + 4] : NULL;
			return n <= 5;
		}
		if (n != 3 || group[0] != '\0')
			return false;
		/* /api/v1/namespaces/NAME/status|finalize */
	}
	rt_out->rt = sim_rt_find(group, version, segs[i]);
	if (rt_out->rt == NULL)
		return false;
	rt_out->name = n >= 2 ? segs[i + 1] : NULL;
	rt_out->sub = n >= 3 ? segs[i + 2] : NULL;
	return n <= 3;
}

/* dryRun=All → SIM_WRITE_DRY_RUN; other values → 400. */
static int
dry_run_flag(struct sim_req *r, unsigned *flags)
{
	const char *d = sim_req_arg(r, "dryRun");

	if (d == NULL || d[0] == '\0')
		return 0;
	if (strcmp(d, "All") != 0) {
		sim_reply_status(r, 400, "BadRequest", "Invalid value: \"%s\": supported values: "
		    "\"All\"", d);
		return -EINVAL;
	}
	*flags |= SIM_WRITE_DRY_RUN;
	return 0;
}

static json_t *
parse_body(struct sim_req *r)
{
	json_error_t je;
	json_t *b;

	if (r->body_len == 0) {
		sim_reply_status(r, 400, "BadRequest", "the request body is empty");
		return NULL;
	}
	b = json_loadb(r->body, r->body_len, 0, &je);
	if (b == NULL)
		sim_reply_status(r, 400, "BadRequest", "the request body is not JSON: %s "
		    "(line %d)", je.text, je.line);
	return b;
}

static void
reply_obj(struct sim_req *r, int code, json_t *obj, const struct sim_rtype *rt)
{
	(void)rt;
	sim_reply_json(r, code, obj);
}

/* ---- get ----------------------------------------------------------------------------- */

static void
get_item(struct sim_req *r, const struct route *ro)
{
	struct sim *s = r->s;
	const struct sim_obj *o;
	char *buf;

	sim_lock(s);
	o = sim_store_find(s, ro->rt, ro->ns, ro->name);
	if (o == NULL) {
		struct sim_err e;
		char q[96];

		sim_unlock(s);
		sim_rt_qualified(ro->rt, q, sizeof(q));
		sim_err_set(&e, 404, "NotFound", "%s \"%s\" not found", q, ro->name);
		sim_reply_err(r, &e, ro->rt, ro->name);
		return;
	}
	if (sim_table_wanted(r->accept)) {
		json_t *tb = sim_table_build(s, ro->rt, &o, 1, false);

		sim_unlock(s);
		sim_reply_json(r, 200, tb);
		return;
	}
	buf = malloc(o->len + 1);
	if (buf == NULL) {
		sim_unlock(s);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	memcpy(buf, o->json, o->len);
	sim_reply_buf(r, 200, buf, o->len);
	sim_unlock(s);
}

/* ---- scale ----------------------------------------------------------------------------- */

static json_t *
scale_of(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata"), *ml, *v;
	json_t *sel = json_object_get(json_object_get(obj, "spec"), "selector");
	struct sbuf b = SBUF_INIT(4096);
	const char *k;
	json_t *sc;

	ml = json_object_get(sel, "matchLabels");
	if (ml == NULL && json_is_object(sel) && json_object_get(sel, "matchExpressions") == NULL)
		ml = sel;	/* MachineSet-style plain map */
	json_object_foreach(ml, k, v)
		if (json_is_string(v))
			sbuf_printf(&b, "%s%s=%s", b.len ? "," : "", k, json_string_value(v));
	sc = json_pack("{s:s,s:s,s:{s:O,s:O*,s:O,s:O,s:O},s:{s:I},s:{s:I,s:s}}",
	    "kind", "Scale", "apiVersion", "autoscaling/v1",
	    "metadata", "name", json_object_get(md, "name"), "namespace",
	    json_object_get(md, "namespace"), "uid", json_object_get(md, "uid"),
	    "resourceVersion", json_object_get(md, "resourceVersion"), "creationTimestamp",
	    json_object_get(md, "creationTimestamp"),
	    "spec", "replicas", json_integer_value(json_object_get(json_object_get(obj, "spec"),
	    "replicas")),
	    "status", "replicas", json_integer_value(json_object_get(json_object_get(obj,
	    "status"), "replicas")), "selector", b.data ? b.data : "");
	sbuf_release(&b);
	return sc;
}

static void
scale(struct sim_req *r, const struct route *ro, unsigned flags)
{
	struct sim *s = r->s;
	json_t *obj, *sc, *body = NULL, *nsc = NULL, *patch;
	struct sim_err e;
	const char *rvs;
	json_int_t replicas;
	int rc;

	if (!(ro->rt->subresources & SIM_SUB_SCALE)) {
		sim_reply_status(r, 404, "NotFound", "the server could not find the requested "
		    "resource");
		return;
	}
	if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0) {
		if ((body = parse_body(r)) == NULL)
			return;
	} else if (strcmp(r->method, "GET") != 0) {
		sim_reply_status(r, 405, "MethodNotAllowed", "%s is not supported on scale",
		    r->method);
		return;
	}
	sim_lock(s);
	obj = sim_store_get(s, ro->rt, ro->ns, ro->name);
	if (obj == NULL) {
		char q[96];

		sim_unlock(s);
		json_decref(body);
		sim_rt_qualified(ro->rt, q, sizeof(q));
		sim_err_set(&e, 404, "NotFound", "%s \"%s\" not found", q, ro->name);
		sim_reply_err(r, &e, ro->rt, ro->name);
		return;
	}
	sc = scale_of(obj);
	json_decref(obj);
	if (body == NULL) {
		sim_unlock(s);
		sim_reply_json(r, 200, sc);
		return;
	}
	if (strcmp(r->method, "PUT") == 0) {
		nsc = json_incref(body);
	} else {
		char err[256] = "";

		if (strstr(r->content_type, "json-patch"))
			nsc = sim_patch_json(sc, body, err, sizeof(err));
		else
			nsc = sim_patch_merge(sc, body);
		if (nsc == NULL) {
			sim_unlock(s);
			json_decref(sc);
			json_decref(body);
			sim_reply_status(r, 422, "Invalid", "%s", err[0] ? err : "bad patch");
			return;
		}
	}
	replicas = json_integer_value(json_object_get(json_object_get(nsc, "spec"), "replicas"));
	rvs = json_string_value(json_object_get(json_object_get(nsc, "metadata"),
	    "resourceVersion"));
	if (!json_is_integer(json_object_get(json_object_get(nsc, "spec"), "replicas")) ||
	    replicas < 0) {
		sim_unlock(s);
		sim_reply_status(r, 422, "Invalid", "Scale.autoscaling \"%s\" is invalid: "
		    "spec.replicas: Invalid value: must be greater than or equal to 0", ro->name);
		goto out;
	}
	patch = json_pack("{s:{s:s*},s:{s:I}}", "metadata", "resourceVersion",
	    strcmp(r->method, "PUT") == 0 ? rvs : NULL, "spec", "replicas", replicas);
	if (json_is_null(json_object_get(json_object_get(patch, "metadata"), "resourceVersion")))
		json_object_del(patch, "metadata");
	obj = NULL;
	rc = sim_store_patch(s, ro->rt, ro->ns, ro->name, SIM_PATCH_MERGE, patch,
	    flags | SIM_WRITE_INTERNAL, &obj, &e);
	json_decref(patch);
	if (rc < 0) {
		sim_unlock(s);
		sim_reply_err(r, &e, ro->rt, ro->name);
		goto out;
	}
	json_decref(sc);
	sc = scale_of(obj);
	json_decref(obj);
	sim_unlock(s);
	sim_reply_json(r, 200, sc);
	sc = NULL;
out:
	json_decref(sc);
	json_decref(nsc);
	json_decref(body);
}

/* ---- delete ---------------------------------------------------------------------------- */

static void
delete_item(struct sim_req *r, const struct route *ro, unsigned flags)
{
	struct sim *s = r->s;
	json_t *opts = NULL, *out = NULL, *dr;
	const char *pre_uid = NULL, *pre_rv = NULL, *pp;
	struct sim_err e;
	bool orphan;
	size_t i;
	int rc;

	if (r->body_len > 0) {
		if ((opts = parse_body(r)) == NULL)
			return;
		pre_uid = json_string_value(json_object_get(json_object_get(opts,
		    "preconditions"), "uid"));
		pre_rv = json_string_value(json_object_get(json_object_get(opts,
		    "preconditions"), "resourceVersion"));
		json_array_foreach(json_object_get(opts, "dryRun"), i, dr) {
			if (json_is_string(dr) && strcmp(json_string_value(dr), "All") == 0)
				flags |= SIM_WRITE_DRY_RUN;
		}
	}
	pp = sim_req_arg(r, "propagationPolicy");
	if (pp == NULL)
		pp = json_string_value(json_object_get(opts, "propagationPolicy"));
	orphan = (pp != NULL && strcmp(pp, "Orphan") == 0) ||
	    json_is_true(json_object_get(opts, "orphanDependents"));
	sim_lock(s);
	rc = sim_store_delete(s, ro->rt, ro->ns, ro->name, pre_uid, pre_rv, flags, &out, &e);
	if (rc == 0 && !orphan && !(flags & SIM_WRITE_DRY_RUN) &&
	    sim_store_find(s, ro->rt, ro->ns, ro->name) == NULL)
		sim_api_gc(s, ro->rt, ro->ns, ro->name, json_string_value(json_object_get(
		    json_object_get(out, "metadata"), "uid")));
	sim_unlock(s);
	json_decref(opts);
	if (rc < 0) {
		sim_reply_err(r, &e, ro->rt, ro->name);
		return;
	}
	reply_obj(r, 200, out, ro->rt);
}

struct collect {
	char	**names;
	size_t	  n, cap;
};

static int
collect_name(const struct sim_obj *o, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		char **nn = realloc(c->names, nc * sizeof(*nn));

		if (nn == NULL)
			return -ENOMEM;
		c->names = nn;
		c->cap = nc;
	}
	if ((c->names[c->n] = strdup(o->name)) == NULL)
		return -ENOMEM;
	c->n++;
	return 0;
}

static void
delete_collection(struct sim_req *r, const struct route *ro, unsigned flags)
{
	struct sim *s = r->s;
	struct sim_selector *sel = NULL;
	struct collect c = { NULL, 0, 0 };
	struct sim_err e;
	size_t i;
	int rc;

	if (sim_api_selector(r, ro->rt, &sel) < 0)
		return;
	sim_lock(s);
	rc = sim_store_foreach(s, ro->rt, ro->rt->namespaced ? ro->ns : NULL, sel, collect_name,
	    &c);
	for (i = 0; rc == 0 && i < c.n; i++)
		sim_store_delete(s, ro->rt, ro->ns, c.names[i], NULL, NULL, flags, NULL, &e);
	sim_unlock(s);
	for (i = 0; i < c.n; i++)
		free(c.names[i]);
	free(c.names);
	sim_selector_free(sel);
	if (rc < 0) {
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	sim_reply_json(r, 200, json_pack("{s:s,s:s,s:{},s:s,s:i}", "kind", "Status",
	    "apiVersion", "v1", "metadata", "status", "Success", "code", 200));
}

/* ---- create / replace / patch ---------------------------------------------------------- */

static void
create(struct sim_req *r, const struct route *ro, unsigned flags)
{
	struct sim *s = r->s;
	json_t *body, *out = NULL;
	struct sim_err e;
	int rc;

	if ((body = parse_body(r)) == NULL)
		return;
	sim_lock(s);
	rc = sim_store_create(s, ro->rt, ro->ns, body, flags, &out, &e);
	sim_unlock(s);
	if (rc < 0) {
		sim_reply_err(r, &e, ro->rt, json_string_value(json_object_get(
		    json_object_get(body, "metadata"), "name")));
		json_decref(body);
		return;
	}
	json_decref(body);
	reply_obj(r, 201, out, ro->rt);
}

static void
replace(struct sim_req *r, const struct route *ro, unsigned flags)
{
	struct sim *s = r->s;
	json_t *body, *out = NULL, *md;
	const char *bname;
	struct sim_err e;
	int rc;

	if ((body = parse_body(r)) == NULL)
		return;
	md = json_object_get(body, "metadata");
	bname = json_string_value(json_object_get(md, "name"));
	if (!json_is_object(body) || (bname != NULL && strcmp(bname, ro->name) != 0)) {
		json_decref(body);
		sim_reply_status(r, 400, "BadRequest", "the name of the object (%s) does not "
		    "match the name on the URL (%s)", bname ? bname : "", ro->name);
		return;
	}
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(body, "metadata", md);
	}
	if (bname == NULL)
		json_object_set_new(md, "name", json_string(ro->name));
	sim_lock(s);
	rc = sim_store_update(s, ro->rt, ro->ns, body, flags, &out, &e);
	sim_unlock(s);
	json_decref(body);
	if (rc < 0) {
		sim_reply_err(r, &e, ro->rt, ro->name);
		return;
	}
	reply_obj(r, 200, out, ro->rt);
}

static void
patch(struct sim_req *r, const struct route *ro, unsigned flags)
{
	struct sim *s = r->s;
	enum sim_patch_type type;
	json_t *body, *out = NULL;
	struct sim_err e;
	int rc;

	if (strstr(r->content_type, "application/merge-patch+json"))
		type = SIM_PATCH_MERGE;
	else if (strstr(r->content_type, "application/strategic-merge-patch+json"))
		type = SIM_PATCH_STRATEGIC;
	else if (strstr(r->content_type, "application/json-patch+json"))
		type = SIM_PATCH_JSON;
	else {
		sim_reply_status(r, 415, "UnsupportedMediaType", "the body of the request was "
		    "in an unknown format - accepted media types include: "
		    "application/json-patch+json, application/merge-patch+json%s",
		    ro->rt->builtin ? ", application/strategic-merge-patch+json" : "");
		return;
	}
	if ((body = parse_body(r)) == NULL)
		return;
	sim_lock(s);
	rc = sim_store_patch(s, ro->rt, ro->ns, ro->name, type, body, flags, &out, &e);
	sim_unlock(s);
	json_decref(body);
	if (rc < 0) {
		sim_reply_err(r, &e, ro->rt, ro->name);
		return;
	}
	reply_obj(r, 200, out, ro->rt);
}

/* ---- dispatch -------------------------------------------------------------------------- */

void
sim_api_resource(struct sim_req *r)
{
	char buf[2048];
	struct route ro;
	unsigned flags = 0;
	const char *m = r->method, *w;

	if (!route_parse(r->path, buf, sizeof(buf), &ro) ||
	    (ro.ns != NULL && !ro.rt->namespaced)) {
		sim_reply_status(r, 404, "NotFound", "the server could not find the requested "
		    "resource");
		return;
	}
	if (ro.name != NULL && ro.rt->namespaced && ro.ns == NULL) {
		sim_reply_status(r, 404, "NotFound", "the server could not find the requested "
		    "resource");
		return;
	}
	if (ro.sub != NULL && !((strcmp(ro.sub, "status") == 0 &&
	    (ro.rt->subresources & SIM_SUB_STATUS)) ||
	    (strcmp(ro.sub, "scale") == 0 && (ro.rt->subresources & SIM_SUB_SCALE)) ||
	    (strcmp(ro.sub, "eviction") == 0 && (ro.rt->subresources & SIM_SUB_EVICTION)))) {
		sim_reply_status(r, 404, "NotFound", "the server could not find the requested "
		    "resource");
		return;
	}
	if (dry_run_flag(r, &flags) < 0)
		return;
	/* Bodies are JSON only.  kubectl 1.33's typed clients send protobuf first and fall
	 * back to JSON on 415, as against a server without protobuf. */
	if ((strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) && r->content_type[0] != '\0' &&
	    strstr(r->content_type, "json") == NULL) {
		sim_reply_status(r, 415, "UnsupportedMediaType", "the body of the request was in "
		    "an unknown format - accepted media types include: application/json");
		return;
	}
	if (ro.name == NULL) {
		if (strcmp(m, "GET") == 0) {
			w = sim_req_arg(r, "watch");
			if (w != NULL && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0)) {
				struct sim_selector *sel;

				if (sim_api_selector(r, ro.rt, &sel) == 0)
					sim_api_watch(r, ro.rt, ro.rt->namespaced ? ro.ns : NULL,
					    sel);
				return;
			}
			sim_api_list(r, ro.rt, ro.ns);
		} else if (strcmp(m, "POST") == 0) {
			create(r, &ro, flags);
		} else if (strcmp(m, "DELETE") == 0) {
			delete_collection(r, &ro, flags);
		} else {
			sim_reply_status(r, 405, "MethodNotAllowed", "%s is not allowed on a "
			    "collection", m);
		}
		return;
	}
	if (ro.sub != NULL && strcmp(ro.sub, "scale") == 0) {
		scale(r, &ro, flags);
		return;
	}
	if (ro.sub != NULL && strcmp(ro.sub, "eviction") == 0) {
		if (strcmp(m, "POST") != 0) {
			sim_reply_status(r, 405, "MethodNotAllowed", "eviction accepts POST only");
			return;
		}
		sim_api_evict(r, ro.rt, ro.ns, ro.name, flags);
		return;
	}
	if (ro.sub != NULL)
		flags |= SIM_WRITE_STATUS;
	if (strcmp(m, "GET") == 0)
		get_item(r, &ro);
	else if (strcmp(m, "PUT") == 0)
		replace(r, &ro, flags);
	else if (strcmp(m, "PATCH") == 0)
		patch(r, &ro, flags);
	else if (strcmp(m, "DELETE") == 0 && ro.sub == NULL)
		delete_item(r, &ro, flags);
	else
		sim_reply_status(r, 405, "MethodNotAllowed", "%s is not allowed here", m);
}
