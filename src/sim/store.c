/*
 * The object store: per resource type a sorted array of object versions (struct sobj),
 * one resourceVersion counter, the watch history ring and the controllers' change feed.
 * Every function here runs with the store lock held (see sim_internal.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

static int
keycmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c != 0 ? c : strcmp(n1, n2);
}

/* Index of the first element >= (ns, name); *found set when equal. */
static size_t
lower(const struct stable *t, const char *ns, const char *name, bool *found)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = keycmp(t->v[mid]->pub.ns, t->v[mid]->pub.name, ns, name);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (found)
		*found = lo < t->n && keycmp(t->v[lo]->pub.ns, t->v[lo]->pub.name, ns, name) == 0;
	return lo;
}

size_t
sim_store_upper(const struct stable *t, const char *ns, const char *name)
{
	bool found;
	size_t i = lower(t, ns, name, &found);

	return found ? i + 1 : i;
}

size_t
sim_store_lower_ns(const struct stable *t, const char *ns)
{
	return lower(t, ns, "", NULL);
}

void
sim_store_init(struct sim *s)
{
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->changed, NULL);
	pthread_cond_init(&s->ctl_wake, NULL);
	s->rv = 1000;
}

void
sim_store_fini(struct sim *s)
{
	size_t i, j;

	for (i = 0; i < SIM_RT_COUNT; i++) {
		for (j = 0; j < s->tables[i].n; j++)
			sobj_unref(s->tables[i].v[j]);
		free(s->tables[i].v);
		s->tables[i].v = NULL;
		s->tables[i].n = s->tables[i].cap = 0;
	}
	for (i = 0; i < s->hist_len; i++)
		sobj_unref(s->hist[(s->hist_head + i) % SIM_HIST_N].o);
	s->hist_len = 0;
	for (i = 0; i < s->feed_n; i++)
		sobj_unref(s->feed[i].o);
	free(s->feed);
	s->feed = NULL;
	s->feed_n = s->feed_cap = 0;
	pthread_cond_destroy(&s->ctl_wake);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->mu);
}

uint64_t
sim_store_rv(struct sim *s)
{
	return s->rv;
}

uint64_t
sim_store_next_rv(struct sim *s)
{
	return ++s->rv;
}

uint64_t
sim_hist_oldest(const struct sim *s)
{
	if (s->hist_len == 0)
		return s->rv;
	return s->hist[s->hist_head].o->pub.rv;
}

static int
table_reserve(struct stable *t)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct sobj **nv = realloc(t->v, nc * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		t->v = nv;
		t->cap = nc;
	}
	return 0;
}

/* Records a write in the watch history and the change feed (takes its own references). */
static void
record(struct sim *s, enum sim_change_type type, struct sobj *o, unsigned flags)
{
	struct hist_ent *h;

	if (s->loading || (flags & SIM_WRITE_NO_FEED))
		return;
	if (s->hist_len == SIM_HIST_N) {
		sobj_unref(s->hist[s->hist_head].o);
		s->hist_head = (s->hist_head + 1) % SIM_HIST_N;
		s->hist_len--;
	}
	h = &s->hist[(s->hist_head + s->hist_len) % SIM_HIST_N];
	h->type = type;
	h->o = o;
	sobj_ref(o);
	s->hist_len++;
	pthread_cond_broadcast(&s->changed);

	if (s->nctls == 0)
		return;
	if (s->feed_n >= SIM_FEED_MAX) {
		s->feed_overflow = true;
	} else {
		if (s->feed_n == s->feed_cap) {
			size_t nc = s->feed_cap ? s->feed_cap * 2 : 256;
			struct hist_ent *nf = realloc(s->feed, nc * sizeof(*nf));

			if (nf == NULL) {
				s->feed_overflow = true;
				goto wake;
			}
			s->feed = nf;
			s->feed_cap = nc;
		}
		s->feed[s->feed_n].type = type;
		s->feed[s->feed_n].o = o;
		sobj_ref(o);
		s->feed_n++;
	}
wake:
	pthread_cond_signal(&s->ctl_wake);
}

int
sim_store_load(struct sim *s, struct sobj *o)
{
	struct stable *t = &s->tables[o->pub.rt->id];
	bool found;
	size_t i = lower(t, o->pub.ns, o->pub.name, &found);

	if (found)
		return -EEXIST;
	if (table_reserve(t) < 0)
		return -ENOMEM;
	memmove(t->v + i + 1, t->v + i, (t->n - i) * sizeof(*t->v));
	t->v[i] = o;
	t->n++;
	return 0;
}

void
sim_store_append_unsorted(struct sim *s, struct sobj *o)
{
	struct stable *t = &s->tables[o->pub.rt->id];

	if (table_reserve(t) < 0) {
		sobj_unref(o);
		return;
	}
	t->v[t->n++] = o;
}

static int
sobj_cmp(const void *a, const void *b)
{
	const struct sobj *x = *(struct sobj *const *)a, *y = *(struct sobj *const *)b;

	return keycmp(x->pub.ns, x->pub.name, y->pub.ns, y->pub.name);
}

void
sim_store_sort(struct sim *s)
{
	size_t i;

	for (i = 0; i < SIM_RT_COUNT; i++)
		if (s->tables[i].n > 1)
			qsort(s->tables[i].v, s->tables[i].n, sizeof(struct sobj *), sobj_cmp);
}

const struct sim_obj *
sim_store_find(struct sim *s, const struct sim_rtype *rt, const char *ns, const char *name)
{
	struct stable *t = &s->tables[rt->id];
	bool found;
	size_t i;

	if (!rt->namespaced || ns == NULL)
		ns = "";
	i = lower(t, ns, name, &found);
	return found ? &t->v[i]->pub : NULL;
}

json_t *
sim_store_get(struct sim *s, const struct sim_rtype *rt, const char *ns, const char *name)
{
	const struct sim_obj *o = sim_store_find(s, rt, ns, name);

	return o ? sim_obj_json(o) : NULL;
}

int
sim_store_foreach(struct sim *s, const struct sim_rtype *rt, const char *ns,
    const struct sim_selector *sel, sim_obj_fn fn, void *arg)
{
	struct stable *t = &s->tables[rt->id];
	size_t i = 0;
	int rc;

	if (ns != NULL && rt->namespaced)
		i = sim_store_lower_ns(t, ns);
	for (; i < t->n; i++) {
		const struct sim_obj *o = &t->v[i]->pub;

		if (ns != NULL && rt->namespaced && strcmp(o->ns, ns) != 0)
			break;
		if (sel != NULL && !sim_selector_match(sel, o))
			continue;
		if ((rc = fn(o, arg)) != 0)
			return rc;
	}
	return 0;
}

size_t
sim_store_count(struct sim *s, const struct sim_rtype *rt, const char *ns)
{
	struct stable *t = &s->tables[rt->id];
	size_t i, n = 0;

	if (ns == NULL || !rt->namespaced)
		return t->n;
	for (i = sim_store_lower_ns(t, ns); i < t->n && strcmp(t->v[i]->pub.ns, ns) == 0; i++)
		n++;
	return n;
}

/* ---- writes ---------------------------------------------------------------------------- */

static json_t *
md_of(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");

	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(obj, "metadata", md);
	}
	return md;
}

static void
set_rv(json_t *obj, uint64_t rv)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)rv);
	json_object_set_new(md_of(obj), "resourceVersion", json_string(b));
}

/* True when obj and old differ outside metadata and status (a new generation). */
static bool
spec_changed(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	size_t na = 0, nb = 0;

	json_object_foreach((json_t *)a, k, v) {
		if (strcmp(k, "metadata") == 0 || strcmp(k, "status") == 0)
			continue;
		na++;
		if (!json_equal(v, json_object_get(b, k)))
			return true;
	}
	json_object_foreach((json_t *)b, k, v) {
		if (strcmp(k, "metadata") != 0 && strcmp(k, "status") != 0)
			nb++;
	}
	return na != nb;
}

/* Serialises `obj` (rv already set) and puts it at index i (replacing when `replace`). */
static int
commit(struct sim *s, const struct sim_rtype *rt, json_t *obj, enum sim_change_type type,
    unsigned flags, struct sim_err *e)
{
	struct stable *t = &s->tables[rt->id];
	struct sobj *o;
	bool found;
	size_t i;

	o = sobj_from_json(rt, obj, NULL, 0);
	if (o == NULL) {
		sim_err_set(e, 500, "InternalError", "out of memory storing the object");
		return -ENOMEM;
	}
	i = lower(t, o->pub.ns, o->pub.name, &found);
	if (type == SIM_CHANGE_DELETED) {
		if (found) {
			sobj_unref(t->v[i]);
			memmove(t->v + i, t->v + i + 1, (t->n - i - 1) * sizeof(*t->v));
			t->n--;
		}
	} else if (found) {
		sobj_unref(t->v[i]);
		t->v[i] = o;
		sobj_ref(o);
	} else {
		if (table_reserve(t) < 0) {
			sobj_unref(o);
			sim_err_set(e, 500, "InternalError", "out of memory storing the object");
			return -ENOMEM;
		}
		memmove(t->v + i + 1, t->v + i, (t->n - i) * sizeof(*t->v));
		t->v[i] = o;
		t->n++;
		sobj_ref(o);
	}
	record(s, type, o, flags);
	sobj_unref(o);
	return 0;
}

static void
gen_suffix(char out[6])
{
	static const char al[] = "bcdfghjklmnpqrstvwxz2456789";
	char uid[37];
	int i;

	sim_uid_new(uid);
	for (i = 0; i < 5; i++)
		out[i] = al[(unsigned char)uid[i * 2 + (i > 3)] % (sizeof(al) - 1)];
	out[5] = '\0';
}

static bool
name_valid(const char *n)
{
	size_t i, l = strlen(n);

	if (l == 0 || l > 253)
		return false;
	for (i = 0; i < l; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == ':' || (c >= 'A' && c <= 'Z') || c == '_' || c == '~'))
			return false;
	}
	return true;
}

/* Checks kind/apiVersion of a body against the type; fills them when absent. */
static int
check_kind(const struct sim_rtype *rt, json_t *obj, struct sim_err *e)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));

	if (kind != NULL && strcmp(kind, rt->kind) != 0) {
		sim_err_set(e, 400, "BadRequest", "the kind \"%s\" does not match the resource "
		    "\"%s\" (kind %s)", kind, rt->plural, rt->kind);
		return -EINVAL;
	}
	if (av != NULL && strcmp(av, rt->api_version) != 0 &&
	    !(rt->id == SIM_RT_PDB && strcmp(av, "policy/v1beta1") == 0)) {
		sim_err_set(e, 400, "BadRequest", "the apiVersion \"%s\" does not match %s",
		    av, rt->api_version);
		return -EINVAL;
	}
	json_object_set_new(obj, "kind", json_string(rt->kind));
	json_object_set_new(obj, "apiVersion", json_string(rt->api_version));
	return 0;
}

static void
not_found(struct sim_err *e, const struct sim_rtype *rt, const char *name)
{
	char q[96];

	sim_rt_qualified(rt, q, sizeof(q));
	sim_err_set(e, 404, "NotFound", "%s \"%s\" not found", q, name);
}

static void
conflict(struct sim_err *e, const struct sim_rtype *rt, const char *name)
{
	char q[96];

	sim_rt_qualified(rt, q, sizeof(q));
	sim_err_set(e, 409, "Conflict", "Operation cannot be fulfilled on %s \"%s\": the "
	    "object has been modified; please apply your changes to the latest version and try "
	    "again", q, name);
}

int
sim_store_create(struct sim *s, const struct sim_rtype *rt, const char *ns, const json_t *in,
    unsigned flags, json_t **out, struct sim_err *e)
{
	json_t *obj = NULL, *md;
	const char *name, *bns, *gen;
	char namebuf[300], uid[37], ts[32];
	int rc;

	if (!json_is_object(in)) {
		sim_err_set(e, 400, "BadRequest", "the body of the request must be a JSON object");
		return -EINVAL;
	}
	obj = json_deep_copy(in);
	if (obj == NULL)
		goto nomem;
	if ((rc = check_kind(rt, obj, e)) < 0)
		goto fail;
	md = md_of(obj);
	bns = json_string_value(json_object_get(md, "namespace"));
	if (rt->namespaced) {
		if (ns != NULL && ns[0] != '\0' && bns != NULL && strcmp(ns, bns) != 0) {
			sim_err_set(e, 400, "BadRequest", "the namespace of the provided object "
			    "does not match the namespace sent on the request");
			rc = -EINVAL;
			goto fail;
		}
		if (ns == NULL || ns[0] == '\0')
			ns = bns ? bns : "default";
		if (ns != bns)
			json_object_set_new(md, "namespace", json_string(ns));
		if (!s->loading && !sim_store_find(s, sim_rt(SIM_RT_NAMESPACE), "", ns) &&
		    !(flags & SIM_WRITE_INTERNAL)) {
			sim_err_set(e, 404, "NotFound", "namespaces \"%s\" not found", ns);
			rc = -ENOENT;
			goto fail;
		}
	} else {
		json_object_del(md, "namespace");
		ns = "";
	}
	name = json_string_value(json_object_get(md, "name"));
	gen = json_string_value(json_object_get(md, "generateName"));
	if ((name == NULL || name[0] == '\0') && gen != NULL) {
		char suf[6];

		do {
			gen_suffix(suf);
			snprintf(namebuf, sizeof(namebuf), "%.240s%s", gen, suf);
		} while (sim_store_find(s, rt, ns, namebuf) != NULL);
		json_object_set_new(md, "name", json_string(namebuf));
		name = json_string_value(json_object_get(md, "name"));
	}
	if (name == NULL || !name_valid(name)) {
		sim_err_set(e, 422, "Invalid", "%s \"%s\" is invalid: metadata.name: Invalid "
		    "value: a valid name is required", rt->kind, name ? name : "");
		rc = -EINVAL;
		goto fail;
	}
	if (sim_store_find(s, rt, ns, name) != NULL) {
		char q[96];

		sim_rt_qualified(rt, q, sizeof(q));
		sim_err_set(e, 409, "AlreadyExists", "%s \"%s\" already exists", q, name);
		rc = -EEXIST;
		goto fail;
	}
	sim_uid_new(uid);
	if (!json_is_string(json_object_get(md, "uid")) || !s->loading)
		json_object_set_new(md, "uid", json_string(uid));
	if (!s->loading || json_object_get(md, "creationTimestamp") == NULL ||
	    json_is_null(json_object_get(md, "creationTimestamp"))) {
		sim_time_rfc3339(s, ts);
		json_object_set_new(md, "creationTimestamp", json_string(ts));
	}
	if (!s->loading) {
		json_object_del(md, "deletionTimestamp");
		json_object_del(md, "deletionGracePeriodSeconds");
	}
	if (!json_is_integer(json_object_get(md, "generation")))
		json_object_set_new(md, "generation", json_integer(1));
	if (flags & SIM_WRITE_DRY_RUN) {
		set_rv(obj, s->rv);
	} else {
		set_rv(obj, sim_store_next_rv(s));
		if ((rc = commit(s, rt, obj, SIM_CHANGE_ADDED, flags, e)) < 0)
			goto fail;
	}
	if (out)
		*out = obj;
	else
		json_decref(obj);
	return 0;
nomem:
	sim_err_set(e, 500, "InternalError", "out of memory");
	rc = -ENOMEM;
fail:
	json_decref(obj);
	return rc;
}

/*
 * The update path shared by PUT, PATCH and finalizer-driven removal.  `obj` is owned and
 * already holds the desired state; `old` is the stored version.
 */
static int
update_owned(struct sim *s, const struct sim_rtype *rt, const struct sim_obj *old,
    json_t *obj, unsigned flags, json_t **out, struct sim_err *e)
{
	json_t *prev = NULL, *md, *pmd, *fin;
	json_int_t gen;
	int rc;

	prev = sim_obj_json(old);
	if (prev == NULL) {
		sim_err_set(e, 500, "InternalError", "stored object unreadable");
		rc = -ENOMEM;
		goto fail;
	}
	pmd = md_of(prev);
	if ((rc = check_kind(rt, obj, e)) < 0)
		goto fail;
	if (flags & SIM_WRITE_STATUS) {
		/* Only status changes through /status. */
		json_t *st = json_object_get(obj, "status");
		json_t *n = json_deep_copy(prev);

		if (n == NULL)
			goto nomem;
		if (st)
			json_object_set(n, "status", st);
		else
			json_object_del(n, "status");
		json_decref(obj);
		obj = n;
	} else if ((rt->subresources & SIM_SUB_STATUS) && !(flags & SIM_WRITE_INTERNAL)) {
		/* The main resource cannot change status when a status subresource exists. */
		json_t *st = json_object_get(prev, "status");

		if (st)
			json_object_set(obj, "status", st);
		else
			json_object_del(obj, "status");
	}
	md = md_of(obj);
	/* Identity and server-owned fields come from the stored object. */
	json_object_set(md, "name", json_object_get(pmd, "name"));
	if (rt->namespaced)
		json_object_set(md, "namespace", json_object_get(pmd, "namespace"));
	else
		json_object_del(md, "namespace");
	json_object_set(md, "uid", json_object_get(pmd, "uid"));
	json_object_set(md, "creationTimestamp", json_object_get(pmd, "creationTimestamp"));
	if (json_object_get(pmd, "deletionTimestamp")) {
		json_object_set(md, "deletionTimestamp", json_object_get(pmd, "deletionTimestamp"));
		json_object_set(md, "deletionGracePeriodSeconds",
		    json_object_get(pmd, "deletionGracePeriodSeconds"));
	} else {
		json_object_del(md, "deletionTimestamp");
		json_object_del(md, "deletionGracePeriodSeconds");
	}
	gen = json_integer_value(json_object_get(pmd, "generation"));
	if (gen <= 0)
		gen = 1;
	if (spec_changed(obj, prev))
		gen++;
	json_object_set_new(md, "generation", json_integer(gen));

	if (flags & SIM_WRITE_DRY_RUN) {
		set_rv(obj, old->rv);
	} else {
		fin = json_object_get(md, "finalizers");
		set_rv(obj, sim_store_next_rv(s));
		if (old->deleting && json_array_size(fin) == 0) {
			rc = commit(s, rt, obj, SIM_CHANGE_DELETED, flags, e);
		} else {
			rc = commit(s, rt, obj, SIM_CHANGE_MODIFIED, flags, e);
		}
		if (rc < 0)
			goto fail;
	}
	json_decref(prev);
	if (out)
		*out = obj;
	else
		json_decref(obj);
	return 0;
nomem:
	sim_err_set(e, 500, "InternalError", "out of memory");
	rc = -ENOMEM;
fail:
	json_decref(prev);
	json_decref(obj);
	return rc;
}

int
sim_store_update(struct sim *s, const struct sim_rtype *rt, const char *ns, const json_t *in,
    unsigned flags, json_t **out, struct sim_err *e)
{
	const struct sim_obj *old;
	const json_t *md;
	const char *name, *rvs, *bns;
	json_t *obj;

	if (!json_is_object(in)) {
		sim_err_set(e, 400, "BadRequest", "the body of the request must be a JSON object");
		return -EINVAL;
	}
	md = json_object_get(in, "metadata");
	name = json_string_value(json_object_get(md, "name"));
	bns = json_string_value(json_object_get(md, "namespace"));
	if (rt->namespaced && (ns == NULL || ns[0] == '\0'))
		ns = bns;
	if (rt->namespaced && ns != NULL && bns != NULL && strcmp(ns, bns) != 0) {
		sim_err_set(e, 400, "BadRequest", "the namespace of the provided object does "
		    "not match the namespace sent on the request");
		return -EINVAL;
	}
	if (name == NULL) {
		sim_err_set(e, 422, "Invalid", "%s is invalid: metadata.name: Required value: "
		    "name is required", rt->kind);
		return -EINVAL;
	}
	old = sim_store_find(s, rt, ns, name);
	if (old == NULL) {
		not_found(e, rt, name);
		return -ENOENT;
	}
	rvs = json_string_value(json_object_get(md, "resourceVersion"));
	if (rvs != NULL && rvs[0] != '\0') {
		if (strtoull(rvs, NULL, 10) != old->rv) {
			conflict(e, rt, name);
			return -ESTALE;
		}
	} else if (!(flags & SIM_WRITE_INTERNAL)) {
		sim_err_set(e, 422, "Invalid", "%s \"%s\" is invalid: metadata.resourceVersion: "
		    "Invalid value: 0x0: must be specified for an update", rt->kind, name);
		return -EINVAL;
	}
	obj = json_deep_copy(in);
	if (obj == NULL) {
		sim_err_set(e, 500, "InternalError", "out of memory");
		return -ENOMEM;
	}
	return update_owned(s, rt, old, obj, flags, out, e);
}

int
sim_store_patch(struct sim *s, const struct sim_rtype *rt, const char *ns, const char *name,
    enum sim_patch_type type, const json_t *patch, unsigned flags, json_t **out,
    struct sim_err *e)
{
	const struct sim_obj *old;
	json_t *doc = NULL, *res = NULL;
	const char *rvs;
	char msg[256] = "";

	if (type == SIM_PATCH_STRATEGIC && !rt->builtin) {
		sim_err_set(e, 415, "UnsupportedMediaType", "the body of the request was in an "
		    "unknown format - accepted media types include: application/json-patch+json, "
		    "application/merge-patch+json, application/apply-patch+yaml");
		return -ENOTSUP;
	}
	old = sim_store_find(s, rt, ns, name);
	if (old == NULL) {
		not_found(e, rt, name);
		return -ENOENT;
	}
	doc = sim_obj_json(old);
	if (doc == NULL) {
		sim_err_set(e, 500, "InternalError", "stored object unreadable");
		return -ENOMEM;
	}
	switch (type) {
	case SIM_PATCH_MERGE:
		if (!json_is_object(patch)) {
			snprintf(msg, sizeof(msg), "a merge patch must be a JSON object");
			break;
		}
		res = sim_patch_merge(doc, patch);
		break;
	case SIM_PATCH_STRATEGIC:
		res = sim_patch_strategic(doc, patch, msg, sizeof(msg));
		break;
	case SIM_PATCH_JSON:
		res = sim_patch_json(doc, patch, msg, sizeof(msg));
		break;
	}
	json_decref(doc);
	if (res == NULL || !json_is_object(res)) {
		json_decref(res);
		if (type == SIM_PATCH_JSON && strncmp(msg, "test", 4) == 0) {
			sim_err_set(e, 422, "Invalid", "the server rejected our request due to an "
			    "error in our request: %s", msg);
			return -EINVAL;
		}
		sim_err_set(e, type == SIM_PATCH_JSON ? 422 : 400,
		    type == SIM_PATCH_JSON ? "Invalid" : "BadRequest", "%s",
		    msg[0] ? msg : "the patch could not be applied");
		return -EINVAL;
	}
	rvs = json_string_value(json_object_get(json_object_get(res, "metadata"),
	    "resourceVersion"));
	if (rvs != NULL && rvs[0] != '\0' && strtoull(rvs, NULL, 10) != old->rv) {
		json_decref(res);
		conflict(e, rt, name);
		return -ESTALE;
	}
	return update_owned(s, rt, old, res, flags, out, e);
}

int
sim_store_delete(struct sim *s, const struct sim_rtype *rt, const char *ns, const char *name,
    const char *pre_uid, const char *pre_rv, unsigned flags, json_t **out, struct sim_err *e)
{
	const struct sim_obj *old = sim_store_find(s, rt, ns, name);
	json_t *obj, *md;
	char ts[32];
	int rc;

	if (old == NULL) {
		not_found(e, rt, name);
		return -ENOENT;
	}
	if (pre_uid != NULL && pre_uid[0] != '\0' && strcmp(pre_uid, old->uid) != 0) {
		sim_err_set(e, 409, "Conflict", "Precondition failed: UID in precondition: %s, "
		    "UID in object meta: %s", pre_uid, old->uid);
		return -ESTALE;
	}
	if (pre_rv != NULL && pre_rv[0] != '\0' && strtoull(pre_rv, NULL, 10) != old->rv) {
		sim_err_set(e, 409, "Conflict", "Precondition failed: ResourceVersion in "
		    "precondition: %s, ResourceVersion in meta: %llu", pre_rv,
		    (unsigned long long)old->rv);
		return -ESTALE;
	}
	obj = sim_obj_json(old);
	if (obj == NULL) {
		sim_err_set(e, 500, "InternalError", "stored object unreadable");
		return -ENOMEM;
	}
	md = md_of(obj);
	if (flags & SIM_WRITE_DRY_RUN) {
		rc = 0;
	} else if (json_array_size(json_object_get(md, "finalizers")) > 0) {
		if (!old->deleting) {
			sim_time_rfc3339(s, ts);
			json_object_set_new(md, "deletionTimestamp", json_string(ts));
			json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(0));
			set_rv(obj, sim_store_next_rv(s));
			rc = commit(s, rt, obj, SIM_CHANGE_MODIFIED, flags, e);
		} else {
			rc = 0;
		}
	} else {
		set_rv(obj, sim_store_next_rv(s));
		rc = commit(s, rt, obj, SIM_CHANGE_DELETED, flags, e);
	}
	if (rc < 0 || out == NULL)
		json_decref(obj);
	else
		*out = obj;
	return rc;
}
