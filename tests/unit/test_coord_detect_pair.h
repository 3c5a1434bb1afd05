#ifndef TEST_COORD_DETECT_PAIR_H
#define TEST_COORD_DETECT_PAIR_H

/*
 * Two detect analyzers fed the same objects, one as trees (coord_detect_feed), one as
 * text (coord_detect_feed_raw).  pair_check() asserts that they hold the same summaries
 * (every field of every node, owner, service, endpoints, kept pod and event, and every
 * counter — so a field the report happens not to show is still compared) and then that
 * finish() gives json_equal results.  Used by test_coord_detect_raw*.c.
 *
 * The summaries are the engine's internals (src/coord/detect_int.h): comparing them is
 * what proves that a fast path stores exactly what the tree path stores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/coord.h"
#include "../../src/coord/detect_int.h"

#define NOW	1773480600	/* 2026-03-14T09:30:00Z, when the scenarios were captured */

struct pair {
	struct coord_detect	*tree, *raw;
	struct coord_resource_ref *refs;
	size_t			 fast, slow;
};

static void
pair_new(struct pair *p, json_t *request)
{
	struct coord_detect_request req;
	char err[256];

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(coord_detect_request_from_json(request, &req, &p->refs, err,
	    sizeof(err)), 0);
	req.now = NOW;
	p->tree = coord_detect_new(&req);
	p->raw = coord_detect_new(&req);
	ck_assert_ptr_nonnull(p->tree);
	ck_assert_ptr_nonnull(p->raw);
}

/* One object both ways: as a tree, and as the text `s` (n bytes, not terminated). */
static void
pair_feed(struct pair *p, const char *kind, json_t *obj, const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	int a, b;

	memcpy(copy, s, n);	/* exactly n bytes: ASan sees any read past them */
	a = coord_detect_feed(p->tree, kind, obj);
	b = coord_detect_feed_raw(p->raw, kind, copy, n);
	free(copy);
	ck_assert_int_ge(b, a < 0 ? a : 0);
	ck_assert_msg(b == 1 ? a == 0 : a == b, "feed %d, feed_raw %d: %.*s", a, b,
	    (int)(n < 300 ? n : 300), s);
	if (b == 1)
		p->fast++;
	else
		p->slow++;
}

/* The same object fed as its compact dump. */
static void
pair_feed_tree(struct pair *p, const char *kind, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(s);
	pair_feed(p, kind, obj, s, strlen(s));
	free(s);
}

static void
same_str(const char *what, size_t i, const char *field, const char *a, const char *b)
{
	if (a == NULL && b == NULL)
		return;
	ck_assert_msg(a != NULL && b != NULL && strcmp(a, b) == 0,
	    "%s: %s #%zu .%s: tree \"%s\", raw \"%s\"", what, "summary", i, field,
	    a ? a : "(null)", b ? b : "(null)");
}

#define SAME_S(f)	same_str(what, i, #f, x->f, y->f)
#define SAME_I(f)	ck_assert_msg(x->f == y->f, "%s: #%zu .%s: tree %lld, raw %lld", \
			    what, i, #f, (long long)x->f, (long long)y->f)

static void
pair_same_owners(const struct coord_detect *a, const struct coord_detect *b,
    const char *what)
{
	size_t i;

	ck_assert_uint_eq(a->owners.len, b->owners.len);
	for (i = 0; i < a->owners.len; i++) {
		const struct detect_owner *x = VEC_AT(&a->owners, struct detect_owner, i);
		const struct detect_owner *y = VEC_AT(&b->owners, struct detect_owner, i);

		SAME_S(kind); SAME_S(ns); SAME_S(name);
		SAME_S(parent_kind); SAME_S(parent_name); SAME_S(parent_api);
		SAME_I(flags);
		SAME_S(argo_tracking); SAME_S(argo_label); SAME_S(instance);
		SAME_S(helm_release); SAME_S(olm_owner); SAME_S(revision); SAME_S(images);
		SAME_S(msg);
		SAME_I(replicas); SAME_I(ready); SAME_I(available); SAME_I(created);
		SAME_I(pods); SAME_I(failing);
	}
}

static void
pair_same_nodes(const struct coord_detect *a, const struct coord_detect *b,
    const char *what)
{
	size_t i;

	ck_assert_uint_eq(a->nodes.len, b->nodes.len);
	for (i = 0; i < a->nodes.len; i++) {
		const struct detect_node *x = VEC_AT(&a->nodes, struct detect_node, i);
		const struct detect_node *y = VEC_AT(&b->nodes, struct detect_node, i);

		SAME_S(name); SAME_I(flags); SAME_S(pool); SAME_S(roles); SAME_S(machine);
		SAME_S(mco_current); SAME_S(mco_desired); SAME_S(mco_state);
		SAME_S(mco_reason); SAME_S(msg_ready); SAME_S(msg_mem); SAME_S(msg_disk);
		SAME_S(msg_pid); SAME_S(msg_net); SAME_S(taints);
		SAME_I(alloc_cpu_m); SAME_I(alloc_mem); SAME_I(pods); SAME_I(failing);
	}
}

static void
pair_same_services(const struct coord_detect *a, const struct coord_detect *b,
    const char *what)
{
	size_t i;

	ck_assert_uint_eq(a->services.len, b->services.len);
	for (i = 0; i < a->services.len; i++) {
		const struct detect_service *x = VEC_AT(&a->services, struct detect_service, i);
		const struct detect_service *y = VEC_AT(&b->services, struct detect_service, i);

		SAME_S(ns); SAME_S(name);
		ck_assert_msg(json_equal(x->selector, y->selector), "%s: service #%zu selector",
		    what, i);
	}
	ck_assert_uint_eq(a->endpoints.len, b->endpoints.len);
	for (i = 0; i < a->endpoints.len; i++) {
		const struct detect_endpoints *x = VEC_AT(&a->endpoints,
		    struct detect_endpoints, i);
		const struct detect_endpoints *y = VEC_AT(&b->endpoints,
		    struct detect_endpoints, i);

		SAME_S(ns); SAME_S(name); SAME_I(ready); SAME_I(notready);
		SAME_S(notready_pods);
	}
}

static void
pair_same_rest(const struct coord_detect *a, const struct coord_detect *b,
    const char *what)
{
	size_t i;

	ck_assert_uint_eq(a->pods.len, b->pods.len);
	for (i = 0; i < a->pods.len; i++) {
		const struct detect_pod *x = VEC_AT(&a->pods, struct detect_pod, i);
		const struct detect_pod *y = VEC_AT(&b->pods, struct detect_pod, i);

		SAME_S(ns); SAME_S(name); SAME_S(node); SAME_S(owner_kind);
		SAME_S(owner_name); SAME_I(owner); SAME_I(sym); SAME_I(flags);
		SAME_S(msg); SAME_S(claims); SAME_S(volrefs);
	}
	ck_assert_uint_eq(a->events.len, b->events.len);
	{
		const struct coord_detect *x = a, *y = b;

		i = 0;
		SAME_I(n_pods); SAME_I(n_pods_healthy); SAME_I(n_pods_dropped);
		SAME_I(n_events); SAME_I(n_events_kept); SAME_I(n_pdbs);
		SAME_I(n_namespaces); SAME_I(n_ignored); SAME_I(saw_endpoints);
		SAME_I(saw_apps); SAME_I(newest_event);
	}
}

#undef SAME_S
#undef SAME_I

/* Compares the summaries, finishes both; they must say the same thing. */
static void
pair_check(struct pair *p, const char *what)
{
	char err[256];
	json_t *a, *b;
	char *sa, *sb;

	pair_same_owners(p->tree, p->raw, what);
	pair_same_nodes(p->tree, p->raw, what);
	pair_same_services(p->tree, p->raw, what);
	pair_same_rest(p->tree, p->raw, what);
	a = coord_detect_finish(p->tree, err, sizeof(err));
	b = coord_detect_finish(p->raw, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	if (!json_equal(a, b)) {
		sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		ck_abort_msg("%s: the fast path changed the result\ntree: %.1500s\nraw:  %.1500s",
		    what, sa, sb);
	}
	json_decref(a);
	json_decref(b);
	coord_detect_free(p->tree);
	coord_detect_free(p->raw);
	free(p->refs);
	p->tree = p->raw = NULL;
	p->refs = NULL;
}

static char *
file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* The kind coord_detect_feed_list() would use for an item. */
static void
item_kind(json_t *list, json_t *item, char *out, size_t n)
{
	const char *k = json_string_value(json_object_get(item, "kind"));
	const char *lk = json_string_value(json_object_get(list, "kind"));
	size_t l;

	if (k != NULL) {
		snprintf(out, n, "%s", k);
		return;
	}
	out[0] = '\0';
	if (lk != NULL && (l = strlen(lk)) > 4 && strcmp(lk + l - 4, "List") == 0)
		snprintf(out, n, "%.*s", (int)(l - 4), lk);
}

/* Every item of kind `kind` (NULL: any) in the scenario files of dir, appended to out. */
static void
items_collect(const char *dir, const char *kind, json_t *out)
{
	struct dirent *de;
	DIR *dp = opendir(dir);
	char path[512], k[128];
	json_t *list, *it;
	size_t i, n;

	ck_assert_ptr_nonnull(dp);
	while ((de = readdir(dp)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    (n > 12 && strcmp(de->d_name + n - 12, ".expect.json") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		list = json_load_file(path, 0, NULL);
		ck_assert_ptr_nonnull(list);
		json_array_foreach(json_object_get(list, "items"), i, it) {
			item_kind(list, it, k, sizeof(k));
			if (kind == NULL || strcmp(k, kind) == 0)
				json_array_append(out, it);
		}
		json_decref(list);
	}
	closedir(dp);
}

#endif
