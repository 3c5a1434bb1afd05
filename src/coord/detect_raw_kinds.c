/*
 * detect_layers from JSON text, the kinds other than pods and events: ReplicaSets,
 * Deployments, StatefulSets, DaemonSets (every owner kind detect_ingest_owner() takes),
 * Services, Endpoints and Nodes.  Each item is walked once with jscan; exactly the fields
 * the tree path reads are picked up, decoded, and stored the way detect_ingest_owner(),
 * detect_ingest_service(), detect_ingest_endpoints() (detect_ingest2.c) and
 * detect_ingest_node() (detect_ingest.c) store them.
 *
 * The rules that keep the two paths equal:
 *   - the item is validated to its end before anything is stored, so a malformed item
 *     changes nothing here and the caller's json_loadb() reports it;
 *   - where the walk descends (the item, metadata, spec, status, spec.template…), a
 *     member it reads that appears twice makes it unsure (jansson keeps the last one; we
 *     would have acted on the first) — the item then takes the tree path;
 *   - inside values looked up without descending (labels, annotations, ownerReferences,
 *     conditions, addresses) the last member of a name wins, as in jansson;
 *   - a value of an unexpected type reads as jansson's accessors read it (absent, or the
 *     default of detect_jint());
 *   - a string too long for the fixed buffers, or a missing name (an error on the tree
 *     path), declines before anything is stored.
 * Every function here returns 1 (stored, as the tree path would), 0 (declined: feed the
 * tree instead; nothing was changed), or -ENOMEM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/jscan.h"
#include "strata/util.h"
#include "detect_int.h"

#define RK_STR_MAX	512	/* names, labels, images; longer: the tree path */
#define RK_MSG_MAX	4096	/* a condition message (stored truncated, as detect_strdup) */

typedef int (*rk_member_fn)(void *ctx, size_t i, struct jscan_iter *it);

/*
 * Walks the members of the object `it` iterates: for a member named keys[i], fn(ctx, i,
 * it) is called with its value waiting (fn skips it, or enters and leaves it); other
 * members are skipped.  1 at the end, 0 when unsure or malformed.
 */
static int
rk_walk(struct jscan_iter *it, const char *const *keys, size_t n, rk_member_fn fn,
    void *ctx)
{
	struct jscan_val k;
	unsigned seen = 0;
	size_t i;
	int rc;

	while ((rc = jscan_next_key(it, &k)) > 0) {
		for (i = 0; i < n; i++)
			if (jscan_str_eq(&k, keys[i]))
				break;
		if (i == n)
			continue;
		if (seen & (1u << i))
			return 0;	/* duplicated: jansson keeps the last */
		seen |= 1u << i;
		if (!fn(ctx, i, it))
			return 0;
	}
	return rc == 0;
}

/* The waiting value: walked with keys/fn when it is an object, else skipped (absent). */
static int
rk_into(struct jscan_iter *it, const char *const *keys, size_t n, rk_member_fn fn,
    void *ctx)
{
	struct jscan_iter sub;
	struct jscan_val v;
	int rc = jscan_enter(it, &sub);

	if (rc < 0)
		return 0;
	if (rc == 0)
		return jscan_skip(it, &v) == 0;
	if (sub.type == JSCAN_OBJECT && !rk_walk(&sub, keys, n, fn, ctx))
		return 0;
	return jscan_leave(it, &sub) == 0;
}

/* Opens the item and walks its top-level object; then validates the rest. */
static int
rk_item(const char *json, size_t len, const char *const *keys, size_t n, rk_member_fn fn,
    void *ctx)
{
	struct jscan_iter top;

	if (jscan_open(&top, json, len) < 0 || top.type != JSCAN_OBJECT)
		return 0;
	return rk_walk(&top, keys, n, fn, ctx) && jscan_close(&top) == 0;
}

/* A string value decoded into buf: 1 with *out (NULL when v is not a string), 0 if long. */
static int
rk_str(const struct jscan_val *v, char *buf, size_t cap, const char **out)
{
	*out = NULL;
	if (v->type != JSCAN_STRING)
		return 1;
	if (jscan_str_copy(v, buf, cap) < 0)
		return 0;
	*out = buf;
	return 1;
}

/* detect_jint() of a value: 1 with *out, 0 if unsure. */
static int
rk_int(const struct jscan_val *v, int64_t dflt, int64_t *out)
{
	char buf[128];
	int rc;

	*out = dflt;
	if (v->type == JSCAN_NUMBER) {
		rc = jscan_int(v, out);
		if (rc == -EINVAL)
			*out = dflt;	/* a real: not json_is_integer */
		return rc != -ERANGE;
	}
	if (v->type == JSCAN_STRING) {
		if (jscan_str_copy(v, buf, sizeof(buf)) < 0)
			return 0;
		*out = strtoll(buf, NULL, 10);
	}
	return 1;
}

/* Key k (a member name) starts with prefix, decoded: 1/0, or -1 if it is too long. */
static int
rk_key_prefix(const struct jscan_val *k, const char *prefix)
{
	size_t n = strlen(prefix);
	char buf[RK_STR_MAX];

	if (memchr(k->p, '\\', k->len) == NULL)
		return k->len >= n + 2 && memcmp(k->p + 1, prefix, n) == 0;
	if (jscan_str_copy(k, buf, sizeof(buf)) < 0)
		return -1;
	return strncmp(buf, prefix, n) == 0;
}

/* Generic capture: ctx is an array of jscan_val, member i is skipped into ctx[i]. */
static int
rk_capture(void *ctx, size_t i, struct jscan_iter *it)
{
	return jscan_skip(it, &((struct jscan_val *)ctx)[i]) == 0;
}

/*
 * The controller reference as detect_ingest_owner() picks it: the last element with
 * controller: true, else the first; *ref has type JSCAN_NONE when there is none.
 */
static int
rk_controller_ref(const struct jscan_val *refs, struct jscan_val *ref)
{
	struct jscan_iter it;
	struct jscan_val e, c;
	int rc, have = 0;

	ref->type = JSCAN_NONE;
	jscan_iter_init(&it, refs);	/* not an array: no references, as in jansson */
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
		if (!have || (e.type == JSCAN_OBJECT && jscan_get(&e, "controller", &c) == 1 &&
		    c.type == JSCAN_TRUE))
			*ref = e;
		have = 1;
	}
	return rc == 0;
}

/* ---- owners (ReplicaSet, Deployment, StatefulSet, DaemonSet, …) ---------------------- */

enum { OM_NAME, OM_NS, OM_REFS, OM_ANN, OM_LABELS, OM_CREATED, OM_N };
enum { OS_REPLICAS, OS_TEMPLATE, OS_N };
enum { OT_READY, OT_AVAIL, OT_DESIRED, OT_NREADY, OT_NAVAIL, OT_CONDS, OT_N };

struct rk_owner_vals {
	struct jscan_val meta[OM_N], spec[OS_N], status[OT_N], containers;
};

static int
rk_owner_tspec(void *ctx, size_t i, struct jscan_iter *it)
{
	(void)i;
	return jscan_skip(it, &((struct rk_owner_vals *)ctx)->containers) == 0;
}

static int
rk_owner_template(void *ctx, size_t i, struct jscan_iter *it)
{
	static const char *const tk[] = { "containers" };

	(void)i;
	return rk_into(it, tk, 1, rk_owner_tspec, ctx);
}

static int
rk_owner_spec(void *ctx, size_t i, struct jscan_iter *it)
{
	static const char *const tk[] = { "spec" };
	struct rk_owner_vals *ov = ctx;

	if (i == OS_TEMPLATE)
		return rk_into(it, tk, 1, rk_owner_template, ctx);
	return jscan_skip(it, &ov->spec[i]) == 0;
}

static int
rk_owner_top(void *ctx, size_t i, struct jscan_iter *it)
{
	static const char *const mk[OM_N] = { "name", "namespace", "ownerReferences",
	    "annotations", "labels", "creationTimestamp" };
	static const char *const sk[OS_N] = { "replicas", "template" };
	static const char *const tk[OT_N] = { "readyReplicas", "availableReplicas",
	    "desiredNumberScheduled", "numberReady", "numberAvailable", "conditions" };
	struct rk_owner_vals *ov = ctx;

	switch (i) {
	case 0:
		return rk_into(it, mk, OM_N, rk_capture, ov->meta);
	case 1:
		return rk_into(it, sk, OS_N, rk_owner_spec, ov);
	default:
		return rk_into(it, tk, OT_N, rk_capture, ov->status);
	}
}

/* Everything detect_ingest_owner() keeps, decoded (strings owned by this struct). */
struct rk_owner {
	char		 name[RK_STR_MAX], ns[RK_STR_MAX], created[RK_STR_MAX];
	char		 pkind[RK_STR_MAX], pname[RK_STR_MAX], papi[RK_STR_MAX];
	char		 tracking[RK_STR_MAX], argo[RK_STR_MAX], instance[RK_STR_MAX];
	char		 helm[RK_STR_MAX], managed[RK_STR_MAX], olm[RK_STR_MAX];
	char		 revision[RK_STR_MAX], msg[RK_MSG_MAX];
	const char	*s_ns, *s_created, *s_pkind, *s_pname, *s_papi, *s_tracking;
	const char	*s_argo, *s_instance, *s_helm, *s_managed, *s_olm, *s_revision;
	const char	*s_msg;
	int		 have_ref, has_msg;
	unsigned	 flags;
	char		*images;	/* malloc'd list, as detect_list_add builds it */
	int64_t		 replicas, ready, available;
};

/* Labels and annotations: the named ones (last wins) and the prefix flags. */
static int
rk_owner_marks(struct rk_owner *o, const struct jscan_val *labels,
    const struct jscan_val *ann)
{
	static const char *const lk[] = { "argocd.argoproj.io/instance",
	    "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "olm.owner" };
	static const char *const ak[] = { "argocd.argoproj.io/tracking-id",
	    "meta.helm.sh/release-name", "deployment.kubernetes.io/revision" };
	struct jscan_val l[4], a[3], k, v;
	struct jscan_iter it;
	size_t i;
	int rc, pre;

	memset(l, 0, sizeof(l));
	memset(a, 0, sizeof(a));
	jscan_iter_init(&it, labels);
	while ((rc = jscan_next_member(&it, &k, &v)) > 0) {
		for (i = 0; i < 4; i++)
			if (jscan_str_eq(&k, lk[i]))
				l[i] = v;
		if ((pre = rk_key_prefix(&k, "operators.coreos.com/")) < 0)
			return 0;
		if (pre)
			o->flags |= OF_OLM;
	}
	if (rc < 0)
		return 0;
	jscan_iter_init(&it, ann);
	while ((rc = jscan_next_member(&it, &k, &v)) > 0) {
		for (i = 0; i < 3; i++)
			if (jscan_str_eq(&k, ak[i]))
				a[i] = v;
		if ((pre = rk_key_prefix(&k, "include.release.openshift.io/")) < 0)
			return 0;
		if (pre)
			o->flags |= OF_RELEASE;
	}
	if (rc < 0)
		return 0;
	return rk_str(&l[0], o->argo, RK_STR_MAX, &o->s_argo) &&
	    rk_str(&l[1], o->instance, RK_STR_MAX, &o->s_instance) &&
	    rk_str(&l[2], o->managed, RK_STR_MAX, &o->s_managed) &&
	    rk_str(&l[3], o->olm, RK_STR_MAX, &o->s_olm) &&
	    rk_str(&a[0], o->tracking, RK_STR_MAX, &o->s_tracking) &&
	    rk_str(&a[1], o->helm, RK_STR_MAX, &o->s_helm) &&
	    rk_str(&a[2], o->revision, RK_STR_MAX, &o->s_revision);
}

/* The Progressing / Available verdict of detect_ingest_owner(). */
static int
rk_owner_conds(struct rk_owner *o, const struct jscan_val *conds)
{
	static const char *const ck[] = { "type", "status", "reason", "message" };
	struct jscan_val e, c[4], prog[4], avail[4];
	struct jscan_iter it;
	int rc, have_p = 0, have_a = 0;

	jscan_iter_init(&it, conds);
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
		if (e.type != JSCAN_OBJECT || jscan_get_many(&e, ck, 4, c) < 0)
			continue;
		if (!have_p && jscan_str_eq(&c[0], "Progressing")) {
			memcpy(prog, c, sizeof(c));
			have_p = 1;
		} else if (!have_a && jscan_str_eq(&c[0], "Available")) {
			memcpy(avail, c, sizeof(c));
			have_a = 1;
		}
	}
	if (rc < 0)
		return 0;
	if (have_p && !jscan_str_eq(&prog[1], "True") &&
	    jscan_str_eq(&prog[2], "ProgressDeadlineExceeded")) {
		o->flags |= OF_PROGRESS_DEADLINE;
		o->has_msg = 1;
		return rk_str(&prog[3], o->msg, RK_MSG_MAX, &o->s_msg);
	}
	if (have_a && !jscan_str_eq(&avail[1], "True")) {
		o->has_msg = 1;
		return rk_str(&avail[3], o->msg, RK_MSG_MAX, &o->s_msg);
	}
	return 1;
}

static int
rk_owner_images(struct rk_owner *o, const struct jscan_val *containers)
{
	struct jscan_val e, img;
	struct jscan_iter it;
	char buf[RK_STR_MAX];
	const char *s;
	int rc;

	jscan_iter_init(&it, containers);
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
		if (jscan_get(&e, "image", &img) < 0 || !rk_str(&img, buf, sizeof(buf), &s))
			return 0;
		if (s != NULL && detect_list_add(&o->images, s, 300) < 0)
			return -ENOMEM;
	}
	return rc == 0;
}

/* Decodes what the walk found; 1, 0 (declined) or -ENOMEM. */
static int
rk_owner_decode(struct rk_owner *o, const char *kind, const struct rk_owner_vals *ov)
{
	static const char *const rk3[] = { "kind", "name", "apiVersion" };
	struct jscan_val ref, r[3];
	const char *name;
	int ds = strcmp(kind, "DaemonSet") == 0, rc;

	if (!rk_str(&ov->meta[OM_NAME], o->name, RK_STR_MAX, &name) || name == NULL ||
	    !rk_str(&ov->meta[OM_NS], o->ns, RK_STR_MAX, &o->s_ns) ||
	    !rk_str(&ov->meta[OM_CREATED], o->created, RK_STR_MAX, &o->s_created) ||
	    !rk_controller_ref(&ov->meta[OM_REFS], &ref))
		return 0;
	if (ref.type != JSCAN_NONE) {
		o->have_ref = 1;
		if (jscan_get_many(&ref, rk3, 3, r) < 0 ||
		    !rk_str(&r[0], o->pkind, RK_STR_MAX, &o->s_pkind) ||
		    !rk_str(&r[1], o->pname, RK_STR_MAX, &o->s_pname) ||
		    !rk_str(&r[2], o->papi, RK_STR_MAX, &o->s_papi))
			return 0;
	}
	if (!rk_owner_marks(o, &ov->meta[OM_LABELS], &ov->meta[OM_ANN]) ||
	    !rk_owner_conds(o, &ov->status[OT_CONDS]))
		return 0;
	if ((rc = rk_owner_images(o, &ov->containers)) <= 0)
		return rc;
	if (!rk_int(&ov->spec[OS_REPLICAS], -1, &o->replicas))
		return 0;
	if (ds)
		return rk_int(&ov->status[OT_DESIRED], -1, &o->replicas) &&
		    rk_int(&ov->status[OT_NREADY], 0, &o->ready) &&
		    rk_int(&ov->status[OT_NAVAIL], 0, &o->available);
	return rk_int(&ov->status[OT_READY], 0, &o->ready) &&
	    rk_int(&ov->status[OT_AVAIL], 0, &o->available);
}

/* API groups whose kinds are built in (api_is_builtin() of detect_ingest2.c). */
static int
rk_api_builtin(const char *api)
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

/* Stores o as detect_ingest_owner() does; takes o->images. */
static int
rk_owner_store(struct coord_detect *d, const char *kind, struct rk_owner *o)
{
	struct detect_owner *w;
	const char *colon;
	size_t i;

	if ((i = detect_owner_get(d, kind, o->s_ns ? o->s_ns : "default", o->name)) == NOIDX)
		return -ENOMEM;
	w = VEC_AT(&d->owners, struct detect_owner, i);
	if (w->flags & OF_SEEN)
		return 1;
	w->flags |= OF_SEEN | o->flags;
	if (o->have_ref) {
		w->parent_kind = detect_strdup(o->s_pkind);
		w->parent_name = detect_strdup(o->s_pname);
		w->parent_api = detect_strdup(o->s_papi);
		if (!rk_api_builtin(w->parent_api))
			w->flags |= OF_CR_OWNER;
	}
	if (o->s_tracking != NULL) {
		colon = strchr(o->s_tracking, ':');
		w->argo_tracking = colon ? strndup(o->s_tracking,
		    (size_t)(colon - o->s_tracking)) : strdup(o->s_tracking);
	}
	w->argo_label = detect_strdup(o->s_argo);
	w->instance = detect_strdup(o->s_instance);
	w->helm_release = detect_strdup(o->s_helm);
	if (o->s_managed != NULL && strcmp(o->s_managed, "Helm") == 0)
		w->flags |= OF_HELM;
	w->olm_owner = detect_strdup(o->s_olm);
	w->revision = detect_strdup(o->s_revision);
	w->images = o->images;
	o->images = NULL;
	w->replicas = o->replicas;
	w->ready = o->ready;
	w->available = o->available;
	(void)detect_parse_time(o->s_created, &w->created);
	if (o->has_msg)
		w->msg = detect_strdup(o->s_msg);
	return 1;
}

int
detect_raw_owner(struct coord_detect *d, const char *kind, const char *json, size_t len)
{
	static const char *const top[] = { "metadata", "spec", "status" };
	struct rk_owner_vals ov;
	struct rk_owner *o;
	int rc;

	memset(&ov, 0, sizeof(ov));
	if (!rk_item(json, len, top, 3, rk_owner_top, &ov))
		return 0;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -ENOMEM;
	if ((rc = rk_owner_decode(o, kind, &ov)) > 0)
		rc = rk_owner_store(d, kind, o);
	free(o->images);
	free(o);
	return rc;
}

/* ---- services ----------------------------------------------------------------------- */

enum { SV_NAME, SV_NS, SV_SELECTOR, SV_TYPE, SV_N };

static int
rk_svc_top(void *ctx, size_t i, struct jscan_iter *it)
{
	static const char *const mk[] = { "name", "namespace" };
	static const char *const sk[] = { "selector", "type" };
	struct jscan_val *v = ctx;

	if (i == 0)
		return rk_into(it, mk, 2, rk_capture, &v[SV_NAME]);
	return rk_into(it, sk, 2, rk_capture, &v[SV_SELECTOR]);
}

int
detect_raw_service(struct coord_detect *d, const char *json, size_t len)
{
	static const char *const top[] = { "metadata", "spec" };
	struct jscan_val v[SV_N];
	char name[RK_STR_MAX], ns[RK_STR_MAX];
	const char *s_name, *s_ns;
	struct detect_service *s;
	json_t *sel;
	size_t i;

	memset(v, 0, sizeof(v));
	if (!rk_item(json, len, top, 2, rk_svc_top, v) ||
	    !rk_str(&v[SV_NAME], name, sizeof(name), &s_name) ||
	    !rk_str(&v[SV_NS], ns, sizeof(ns), &s_ns))
		return 0;
	if (v[SV_SELECTOR].type != JSCAN_OBJECT || jscan_str_eq(&v[SV_TYPE], "ExternalName"))
		return 1;	/* not a service with pods behind it: nothing kept */
	if (s_name == NULL)
		return 0;	/* the tree path fails on it */
	if ((sel = json_loadb(v[SV_SELECTOR].p, v[SV_SELECTOR].len, 0, NULL)) == NULL)
		return -ENOMEM;	/* validated text: only memory */
	if (json_object_size(sel) == 0) {
		json_decref(sel);
		return 1;
	}
	if ((i = detect_vec_push(&d->services)) == NOIDX) {
		json_decref(sel);
		return -ENOMEM;
	}
	s = VEC_AT(&d->services, struct detect_service, i);
	s->finding = NOIDX;
	s->ns = strdup(s_ns ? s_ns : "default");
	s->name = detect_strdup(s_name);
	s->selector = sel;
	return s->ns && s->name ? 1 : -ENOMEM;
}

/* ---- endpoints ---------------------------------------------------------------------- */

enum { EP_NAME, EP_NS, EP_SUBSETS, EP_N };

static int
rk_ep_top(void *ctx, size_t i, struct jscan_iter *it)
{
	static const char *const mk[] = { "name", "namespace" };
	struct jscan_val *v = ctx;

	if (i == 0)
		return rk_into(it, mk, 2, rk_capture, &v[EP_NAME]);
	return jscan_skip(it, &v[EP_SUBSETS]) == 0;
}

/* The subsets' counts and not-ready pod names; 1, 0 (declined) or -ENOMEM. */
static int
rk_ep_subsets(const struct jscan_val *subsets, int64_t *ready, int64_t *notready,
    char **pods)
{
	static const char *const ak[] = { "addresses", "notReadyAddresses" };
	struct jscan_val sub, a[2], e, ref, pn;
	struct jscan_iter it, ai;
	char buf[RK_STR_MAX];
	const char *s;
	int rc, rc2;

	jscan_iter_init(&it, subsets);
	while ((rc = jscan_next_elem(&it, &sub)) > 0) {
		if (jscan_get_many(&sub, ak, 2, a) < 0)
			return 0;
		jscan_iter_init(&ai, &a[0]);
		if (a[0].type == JSCAN_ARRAY)
			while ((rc2 = jscan_next_elem(&ai, &e)) > 0)
				(*ready)++;
		jscan_iter_init(&ai, &a[1]);
		if (a[1].type != JSCAN_ARRAY)
			continue;
		while ((rc2 = jscan_next_elem(&ai, &e)) > 0) {
			(*notready)++;
			if (jscan_get(&e, "targetRef", &ref) < 0 ||
			    jscan_get(&ref, "name", &pn) < 0 ||
			    !rk_str(&pn, buf, sizeof(buf), &s))
				return 0;
			if (s != NULL && detect_list_add(pods, s, 1024) < 0)
				return -ENOMEM;
		}
	}
	return rc == 0;
}

int
detect_raw_endpoints(struct coord_detect *d, const char *json, size_t len)
{
	static const char *const top[] = { "metadata", "subsets" };
	struct jscan_val v[EP_N];
	char name[RK_STR_MAX], ns[RK_STR_MAX], key[512], *pods = NULL;
	const char *s_name, *s_ns;
	struct detect_endpoints *e;
	int64_t ready = 0, notready = 0;
	size_t i;
	int rc;

	memset(v, 0, sizeof(v));
	if (!rk_item(json, len, top, 2, rk_ep_top, v) ||
	    !rk_str(&v[EP_NAME], name, sizeof(name), &s_name) || s_name == NULL ||
	    !rk_str(&v[EP_NS], ns, sizeof(ns), &s_ns))
		return 0;
	if (s_ns == NULL)
		s_ns = "default";
	d->saw_endpoints = 1;
	detect_key3(key, sizeof(key), s_ns, s_name, "");
	if (detect_map_get(&d->ep_ix, key) != NOIDX)
		return 1;
	if ((rc = rk_ep_subsets(&v[EP_SUBSETS], &ready, &notready, &pods)) <= 0) {
		free(pods);
		return rc;
	}
	if ((i = detect_vec_push(&d->endpoints)) == NOIDX ||
	    detect_map_put(&d->ep_ix, key, i) < 0) {
		free(pods);
		return -ENOMEM;
	}
	e = VEC_AT(&d->endpoints, struct detect_endpoints, i);
	e->ns = strdup(s_ns);
	e->name = strdup(s_name);
	e->ready = ready;
	e->notready = notready;
	e->notready_pods = pods;
	return e->ns && e->name ? 1 : -ENOMEM;
}

/* ---- nodes -------------------------------------------------------------------------- */

enum { NM_NAME, NM_LABELS, NM_ANN, NS_UNSCHED, NS_TAINTS, NT_CONDS, NT_ALLOC, NV_N };

static int
rk_node_top(void *ctx, size_t i, struct jscan_iter *it)
{
	static const char *const mk[] = { "name", "labels", "annotations" };
	static const char *const sk[] = { "unschedulable", "taints" };
	static const char *const tk[] = { "conditions", "allocatable" };
	struct jscan_val *v = ctx;

	if (i == 0)
		return rk_into(it, mk, 3, rk_capture, &v[NM_NAME]);
	if (i == 1)
		return rk_into(it, sk, 2, rk_capture, &v[NS_UNSCHED]);
	return rk_into(it, tk, 2, rk_capture, &v[NT_CONDS]);
}

/* "rendered-worker-5f3a…" → "worker" (pool_from_rendered() of detect_ingest.c). */
static char *
rk_pool(const char *rendered)
{
	const char *p, *dash;

	if (rendered == NULL || strncmp(rendered, "rendered-", 9) != 0)
		return NULL;
	p = rendered + 9;
	if ((dash = strrchr(p, '-')) == NULL || dash == p)
		return NULL;
	return strndup(p, (size_t)(dash - p));
}

/* A decoded condition or taint: up to four strings (NULL when absent or not strings). */
struct rk_quad {
	char		 b[4][RK_STR_MAX];
	const char	*s[4];
};

static int
rk_quad_get(const struct jscan_val *obj, const char *const *keys, struct rk_quad *q)
{
	struct jscan_val v[4];
	size_t i;

	if (jscan_get_many(obj, keys, 4, v) < 0)
		return 0;
	for (i = 0; i < 4; i++)
		if (!rk_str(&v[i], q->b[i], RK_STR_MAX, &q->s[i]))
			return 0;
	return 1;
}

/* Labels (roles) and annotations (MCO state, machine) as detect_ingest_node() reads them. */
static int
rk_node_meta(struct detect_node *n, const struct jscan_val *labels,
    const struct jscan_val *ann)
{
	static const char *const ak[] = { "machineconfiguration.openshift.io/currentConfig",
	    "machineconfiguration.openshift.io/desiredConfig",
	    "machineconfiguration.openshift.io/state",
	    "machineconfiguration.openshift.io/reason", "machine.openshift.io/machine" };
	char **out[] = { &n->mco_current, &n->mco_desired, &n->mco_state,
	    &n->mco_reason, &n->machine };
	struct jscan_val k, v, a[5];
	struct jscan_iter it;
	char key[RK_STR_MAX], buf[RK_STR_MAX];
	const char *s;
	size_t i;
	int rc;

	jscan_iter_init(&it, labels);
	while ((rc = jscan_next_member(&it, &k, &v)) > 0) {
		if (jscan_str_copy(&k, key, sizeof(key)) < 0)
			return -EAGAIN;
		if (strncmp(key, "node-role.kubernetes.io/", 24) != 0 || key[24] == '\0')
			continue;
		if (detect_list_add(&n->roles, key + 24, 128) < 0)
			return -ENOMEM;
		if (strcmp(key + 24, "master") == 0 || strcmp(key + 24, "control-plane") == 0)
			n->flags |= NF_CONTROLPLANE;
	}
	if (rc < 0)
		return -EAGAIN;
	memset(a, 0, sizeof(a));
	jscan_iter_init(&it, ann);
	while ((rc = jscan_next_member(&it, &k, &v)) > 0)
		for (i = 0; i < 5; i++)
			if (jscan_str_eq(&k, ak[i]))
				a[i] = v;
	for (i = 0; i < 5; i++) {
		if (!rk_str(&a[i], buf, sizeof(buf), &s))
			return -EAGAIN;
		*out[i] = detect_strdup(s);
	}
	return 0;
}

static int
rk_node_taints(struct detect_node *n, const struct jscan_val *taints)
{
	static const char *const tk[] = { "key", "value", "effect", "-" };
	struct jscan_iter it;
	struct jscan_val e;
	struct rk_quad q;
	char buf[512];
	int rc;

	jscan_iter_init(&it, taints);
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
		const char *k, *val, *eff;

		if (!rk_quad_get(&e, tk, &q))
			return -EAGAIN;
		k = q.s[0], val = q.s[1], eff = q.s[2];
		if (k == NULL || eff == NULL || strcmp(eff, "PreferNoSchedule") == 0)
			continue;
		snprintf(buf, sizeof(buf), "%s%s%s:%s", k, val && *val ? "=" : "",
		    val ? val : "", eff);
		if (detect_list_add(&n->taints, buf, 512) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int
rk_node_conds(struct detect_node *n, const struct jscan_val *conds)
{
	static const char *const ck[] = { "type", "status", "message", "reason" };
	struct jscan_iter it;
	struct jscan_val e;
	struct rk_quad *q;
	char buf[512];
	int rc = 0;

	if ((q = malloc(sizeof(*q))) == NULL)
		return -ENOMEM;
	jscan_iter_init(&it, conds);
	while (jscan_next_elem(&it, &e) > 0) {
		const char *type, *st, *msg, *rsn;

		if (!rk_quad_get(&e, ck, q)) {
			rc = -EAGAIN;
			break;
		}
		type = q->s[0], st = q->s[1], msg = q->s[2], rsn = q->s[3];
		if (type == NULL || st == NULL)
			continue;
		if (msg == NULL || *msg == '\0')
			msg = rsn;
		if (strcmp(type, "Ready") == 0 && strcmp(st, "True") != 0) {
			n->flags |= NF_NOTREADY | (strcmp(st, "Unknown") == 0 ? NF_UNKNOWN : 0);
			snprintf(buf, sizeof(buf), "%s%s%s", rsn ? rsn : "", rsn && msg &&
			    msg != rsn ? ": " : "", msg && msg != rsn ? msg : "");
			free(n->msg_ready);
			n->msg_ready = detect_strdup(buf);
		} else if (strcmp(st, "True") != 0) {
			continue;
		} else if (strcmp(type, "MemoryPressure") == 0) {
			n->flags |= NF_MEMP;
			free(n->msg_mem);
			n->msg_mem = detect_strdup(msg);
		} else if (strcmp(type, "DiskPressure") == 0) {
			n->flags |= NF_DISKP;
			free(n->msg_disk);
			n->msg_disk = detect_strdup(msg);
		} else if (strcmp(type, "PIDPressure") == 0) {
			n->flags |= NF_PIDP;
			free(n->msg_pid);
			n->msg_pid = detect_strdup(msg);
		} else if (strcmp(type, "NetworkUnavailable") == 0) {
			n->flags |= NF_NETUNAVAIL;
			free(n->msg_net);
			n->msg_net = detect_strdup(msg);
		}
	}
	free(q);
	return rc;
}

static void
rk_node_free(struct detect_node *n)
{
	free(n->pool);
	free(n->roles);
	free(n->machine);
	free(n->mco_current);
	free(n->mco_desired);
	free(n->mco_state);
	free(n->mco_reason);
	free(n->msg_ready);
	free(n->msg_mem);
	free(n->msg_disk);
	free(n->msg_pid);
	free(n->msg_net);
	free(n->taints);
}

/* Everything detect_ingest_node() keeps, into a scratch node; 0, -EAGAIN or -ENOMEM. */
static int
rk_node_build(struct detect_node *n, const struct jscan_val *v)
{
	static const char *const ak[] = { "cpu", "memory" };
	struct jscan_val al[2];
	char cpu[RK_STR_MAX], mem[RK_STR_MAX];
	const char *s;
	int rc;

	if ((rc = rk_node_meta(n, &v[NM_LABELS], &v[NM_ANN])) < 0)
		return rc;
	n->pool = rk_pool(n->mco_desired ? n->mco_desired : n->mco_current);
	if ((s = n->mco_state) != NULL) {
		if (strcmp(s, "Degraded") == 0 || strcmp(s, "Unreconcilable") == 0)
			n->flags |= NF_MCO_DEGRADED;
		else if (strcmp(s, "Working") == 0 || strcmp(s, "Rebooting") == 0)
			n->flags |= NF_MCO_WORKING;
	}
	if (n->mco_current && n->mco_desired && strcmp(n->mco_current, n->mco_desired) != 0 &&
	    !(n->flags & NF_MCO_DEGRADED))
		n->flags |= NF_MCO_WORKING;
	if (v[NS_UNSCHED].type == JSCAN_TRUE)
		n->flags |= NF_UNSCHED;
	if ((rc = rk_node_taints(n, &v[NS_TAINTS])) < 0 ||
	    (rc = rk_node_conds(n, &v[NT_CONDS])) < 0)
		return rc;
	if (jscan_get_many(&v[NT_ALLOC], ak, 2, al) < 0 ||
	    !rk_str(&al[0], cpu, sizeof(cpu), &s))
		return -EAGAIN;
	n->alloc_cpu_m = strata_quantity_milli(s);
	if (!rk_str(&al[1], mem, sizeof(mem), &s))
		return -EAGAIN;
	n->alloc_mem = strata_quantity_bytes(s);
	return 0;
}

int
detect_raw_node(struct coord_detect *d, const char *json, size_t len)
{
	static const char *const top[] = { "metadata", "spec", "status" };
	struct jscan_val v[NV_N];
	struct detect_node scratch, *n;
	char name[RK_STR_MAX];
	const char *s_name;
	size_t i;
	int rc;

	memset(v, 0, sizeof(v));
	if (!rk_item(json, len, top, 3, rk_node_top, v) ||
	    !rk_str(&v[NM_NAME], name, sizeof(name), &s_name) || s_name == NULL)
		return 0;
	i = detect_map_get(&d->node_ix, s_name);
	if (i != NOIDX && (VEC_AT(&d->nodes, struct detect_node, i)->flags & NF_SEEN))
		return 1;	/* duplicate item: first wins */
	memset(&scratch, 0, sizeof(scratch));
	if ((rc = rk_node_build(&scratch, v)) < 0) {
		rk_node_free(&scratch);
		return rc == -EAGAIN ? 0 : rc;
	}
	if ((i = detect_node_get(d, s_name)) == NOIDX) {
		rk_node_free(&scratch);
		return -ENOMEM;
	}
	n = VEC_AT(&d->nodes, struct detect_node, i);
	scratch.name = n->name;
	scratch.pods = n->pods;
	scratch.failing = n->failing;
	scratch.f_first = n->f_first;
	scratch.flags |= n->flags | NF_SEEN;
	*n = scratch;
	return 1;
}
