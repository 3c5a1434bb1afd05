/*
 * coord_detect_feed_raw() against coord_detect_feed(): the fast path must never change
 * what detect_layers answers.  Every scenario of tests/scenarios and examples/scenarios
 * is fed both ways (trees; text slices of the file) and every summary the two hold
 * (test_coord_detect_pair.h) and the finish() outputs must be equal; every pod of the
 * corpus is also fed alone in dozens of variants (each symptom the engine knows,
 * duplicated and escaped keys, odd types, odd owners) both ways; and a synthetic 10,000-pod cluster with a planted incident gives equal results
 * with nearly every pod taking the fast path.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/coord.h"
#include "strata/jscan.h"
#include "strata/util.h"
#include "testutil.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"	/* synth_cluster_feed, pair helpers */
#include "test_coord_detect_synth.h"
#include "test_coord_detect_pair.h"
#pragma GCC diagnostic pop

/* ---- pods in variants --------------------------------------------------------------- */

static void
set_path(json_t *o, const char *a, const char *b, json_t *v)
{
	json_t *x = json_object_get(o, a);

	if (!json_is_object(x)) {
		x = json_object();
		json_object_set_new(o, a, x);
	}
	json_object_set_new(x, b, v);
}

/* The variant number i of pod p (new reference), or NULL past the last one. */
static json_t *
pod_variant(json_t *p, int i)
{
	json_t *v = json_deep_copy(p), *st = json_object_get(v, "status"), *cs, *c;
	json_t *meta = json_object_get(v, "metadata"), *conds;
	size_t k;

	cs = json_object_get(st, "containerStatuses");
	conds = json_object_get(st, "conditions");
	switch (i) {
	case 0:
		break;	/* as captured */
	case 1:
		set_path(v, "metadata", "deletionTimestamp", json_string("2026-03-14T09:00:00Z"));
		break;
	case 2:
		set_path(v, "metadata", "deletionTimestamp", json_null());
		break;
	case 3:
		set_path(v, "status", "phase", json_string("Pending"));
		break;
	case 4:
		set_path(v, "status", "phase", json_string("Succeeded"));
		break;
	case 5:
		set_path(v, "status", "phase", json_string("Failed"));
		break;
	case 6:
		set_path(v, "status", "phase", json_string("Unknown"));
		break;
	case 7:
		json_object_del(st, "phase");
		break;
	case 8:
		set_path(v, "status", "reason", json_string("Evicted"));
		set_path(v, "status", "message", json_string("The node was low on memory."));
		break;
	case 9:
		set_path(v, "status", "reason", json_string("NodeLost"));
		break;
	case 10:
		json_array_foreach(conds, k, c)
			if (strcmp(json_string_value(json_object_get(c, "type")) ?
			    json_string_value(json_object_get(c, "type")) : "", "Ready") == 0)
				json_object_set_new(c, "status", json_string("False"));
		break;
	case 11:
		json_array_insert_new(conds, 0, json_pack("{s:s,s:s}", "type", "Ready",
		    "status", "True"));
		json_array_append_new(conds, json_pack("{s:s,s:s}", "type", "Ready",
		    "status", "False"));
		break;
	case 12:
		json_array_foreach(cs, k, c)
			json_object_set_new(c, "ready", json_false());
		break;
	case 13:
		json_array_foreach(cs, k, c)
			json_object_set_new(c, "state", json_pack("{s:{s:s,s:s}}", "waiting",
			    "reason", "CrashLoopBackOff", "message", "back-off 5m0s"));
		break;
	case 14:
		json_array_foreach(cs, k, c)
			json_object_set_new(c, "state", json_pack("{s:{s:s,s:i}}", "terminated",
			    "reason", "Error", "exitCode", 1));
		break;
	case 15:
		json_array_foreach(cs, k, c)
			json_object_set_new(c, "state", json_pack("{s:{s:s,s:i}}", "terminated",
			    "reason", "Completed", "exitCode", 0));
		break;
	case 16:
		json_array_foreach(cs, k, c)
			json_object_set_new(c, "state", json_pack("{s:{s:s},s:{}}", "terminated",
			    "reason", "OOMKilled", "running"));
		break;
	case 17:
		json_array_foreach(cs, k, c)
			json_object_del(c, "state");
		break;
	case 18:
		set_path(v, "status", "initContainerStatuses", json_pack("[{s:s,s:b,s:{s:{s:s,s:i}}}]",
		    "name", "init", "ready", 0, "state", "terminated", "reason", "Completed",
		    "exitCode", 0));
		break;
	case 19:
		set_path(v, "status", "initContainerStatuses", json_pack("[{s:s,s:b,s:{s:{}}}]",
		    "name", "init", "ready", 0, "state", "running"));
		break;
	case 20:
		set_path(v, "status", "initContainerStatuses", json_pack("[{s:s,s:b,s:{s:{}}}]",
		    "name", "sidecar", "ready", 1, "state", "running"));
		break;
	case 21:
		json_object_set_new(meta, "ownerReferences", json_pack("[{s:s,s:s},{s:s,s:s,s:b}]",
		    "kind", "ReplicaSet", "name", "first", "kind", "StatefulSet", "name", "db",
		    "controller", 1));
		break;
	case 22:
		json_object_set_new(meta, "ownerReferences", json_pack("[s,{s:s,s:s}]", "x",
		    "kind", "Job", "name", "j"));
		break;
	case 23:
		json_object_set_new(meta, "ownerReferences", json_pack("{s:s}", "kind", "Job"));
		break;
	case 24:
		json_object_del(meta, "namespace");
		break;
	case 25:
		json_object_set_new(meta, "namespace", json_integer(5));
		break;
	case 26:
		json_object_del(meta, "name");
		break;
	case 27:
		set_path(v, "spec", "nodeName", json_string(""));
		break;
	case 28:
		json_object_set_new(v, "spec", json_string("odd"));
		break;
	case 29:
		json_object_set_new(v, "status", json_array());
		break;
	case 30:
		set_path(v, "status", "containerStatuses", json_object());
		break;
	case 31:
		set_path(v, "status", "conditions", json_null());
		break;
	case 32:
		json_object_del(st, "conditions");
		json_object_del(st, "containerStatuses");
		break;
	case 33:
		set_path(v, "status", "phase", json_string("Running"));
		break;
	default:
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Text edits on a compact dump: a duplicated or an escaped key. */
static char *
text_variant(const char *s, int i)
{
	static const char *const from[] = { "\"phase\":", "\"metadata\":", "\"nodeName\":",
	    "\"ready\":", "\"type\":\"Ready\"" };
	static const char *const to[] = { "\"ph\\u0061se\":", "\"metadata\":{},\"metadata\":",
	    "\"nodeName\":\"other-node\",\"nodeName\":", "\"ready\":false,\"ready\":",
	    "\"type\":\"Re\\u0061dy\"" };
	const char *at;
	char *out;
	size_t n;

	if (i >= (int)STRATA_ARRAY_LEN(from))
		return NULL;
	if ((at = strstr(s, from[i])) == NULL)
		return strdup(s);
	n = strlen(s) + strlen(to[i]) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to[i], at + strlen(from[i]));
	return out;
}

static void
variant_check(json_t *v, const char *text, size_t *fast, size_t *total)
{
	struct pair p;
	json_t *tree = json_loads(text, 0, NULL);

	ck_assert_ptr_nonnull(tree);
	pair_new(&p, NULL);
	pair_feed(&p, "Pod", tree, text, strlen(text));
	*fast += p.fast;
	(*total)++;
	pair_check(&p, text);
	json_decref(tree);
	(void)v;
}

START_TEST(pod_variants_agree)
{
	json_t *pods_seen = json_array(), *pod, *v;
	size_t i, fast = 0, total = 0, npods;
	char *s, *t;
	int k;

	items_collect("tests/scenarios", "Pod", pods_seen);
	items_collect("examples/scenarios", "Pod", pods_seen);
	npods = json_array_size(pods_seen);
	ck_assert_uint_ge(npods, 50);
	json_array_foreach(pods_seen, i, pod) {
		if (i % 4 != 0 && npods > 200)
			continue;	/* a quarter of a big corpus is plenty */
		for (k = 0; (v = pod_variant(pod, k)) != NULL; k++) {
			s = json_dumps(v, JSON_COMPACT);
			variant_check(v, s, &fast, &total);
			free(s);
			json_decref(v);
		}
		s = json_dumps(pod, JSON_COMPACT);
		for (k = 0; (t = text_variant(s, k)) != NULL; k++) {
			variant_check(NULL, t, &fast, &total);
			free(t);
		}
		free(s);
	}
	fprintf(stderr, "detect_raw: %zu pod variants, %zu counted from the text\n", total,
	    fast);
	ck_assert_uint_gt(fast, total / 10);	/* the fast path is really exercised */
	ck_assert_uint_lt(fast, total / 2);	/* and really declines */
	json_decref(pods_seen);
}
END_TEST

/* ---- the corpus --------------------------------------------------------------------- */

static size_t
corpus_dir(const char *dir, size_t *fast, size_t *slow)
{
	struct dirent *de;
	size_t count = 0;
	DIR *dp = opendir(dir);

	ck_assert_ptr_nonnull(dp);
	while ((de = readdir(dp)) != NULL) {
		char path[512], epath[512], kind[128];
		struct jscan_iter top, items;
		struct jscan_val k, e;
		json_t *list, *exp, *it;
		struct pair p;
		size_t len, n = strlen(de->d_name), idx = 0;
		char *buf;
		int rc;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    (n > 12 && strcmp(de->d_name + n - 12, ".expect.json") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(epath, sizeof(epath), "%s/%.*s.expect.json", dir, (int)(n - 5),
		    de->d_name);
		exp = json_load_file(epath, 0, NULL);	/* examples/ have none: {} */
		buf = file_read(path, &len);
		list = json_loadb(buf, len, 0, NULL);
		ck_assert_ptr_nonnull(list);
		pair_new(&p, json_object_get(exp, "request"));
		ck_assert_int_eq(jscan_open(&top, buf, len), 0);
		while ((rc = jscan_next_key(&top, &k)) > 0) {
			if (!jscan_str_eq(&k, "items"))
				continue;
			ck_assert_int_eq(jscan_enter(&top, &items), 1);
			while ((rc = jscan_next_elem(&items, &e)) > 0) {
				it = json_array_get(json_object_get(list, "items"), idx++);
				item_kind(list, it, kind, sizeof(kind));
				pair_feed(&p, kind, it, e.p, e.len);
			}
			ck_assert_int_eq(rc, 0);
			ck_assert_int_eq(jscan_leave(&top, &items), 0);
		}
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(jscan_close(&top), 0);
		ck_assert_uint_eq(idx, json_array_size(json_object_get(list, "items")));
		*fast += p.fast;
		*slow += p.slow;
		pair_check(&p, path);
		json_decref(list);
		json_decref(exp);
		free(buf);
		count++;
	}
	closedir(dp);
	return count;
}

START_TEST(corpus_agrees)
{
	size_t fast = 0, slow = 0;

	ck_assert_uint_ge(corpus_dir("tests/scenarios", &fast, &slow), 24);
	ck_assert_uint_ge(corpus_dir("examples/scenarios", &fast, &slow), 6);
	fprintf(stderr, "detect_raw: corpus objects %zu counted from the text, %zu parsed\n",
	    fast, slow);
	ck_assert_uint_gt(fast, 100);
	ck_assert_uint_gt(slow, 100);
}
END_TEST

/* ---- a synthetic cluster ------------------------------------------------------------ */

static void
synth_both(struct pair *p, const char *kind, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	pair_feed(p, kind, o, s, strlen(s));
	free(s);
	json_decref(o);
}

START_TEST(synthetic_cluster_agrees)
{
	struct pair p;
	char name[64], ns[64], dep[64];
	int i, nodes = 200, ndeps = 1000;
	size_t fast;

	pair_new(&p, NULL);
	for (i = 0; i < nodes; i++) {
		snprintf(name, sizeof(name), "node-%d", i);
		synth_both(&p, "Node", synth_node(name, i == 7 ? "MemoryPressure" :
		    i == 3 ? "DiskPressure" : NULL));
	}
	for (i = 0; i < ndeps; i++) {
		snprintf(ns, sizeof(ns), "team-%d", i % 50);
		snprintf(dep, sizeof(dep), "svc-%d", i);
		ck_assert_int_eq(synth_owners(p.tree, ns, dep, 10), 0);
		ck_assert_int_eq(synth_owners(p.raw, ns, dep, 10), 0);
	}
	for (i = 0; i < ndeps * 10; i++) {
		snprintf(ns, sizeof(ns), "team-%d", (i / 10) % 50);
		snprintf(dep, sizeof(dep), "svc-%d", i / 10);
		snprintf(name, sizeof(name), "node-%d", (i * 7 + i / 10) % nodes == 7 ? 8 :
		    (i * 7 + i / 10) % nodes);
		synth_both(&p, "Pod", synth_pod(ns, dep, i, name, NULL));
	}
	fast = p.fast;
	ck_assert_int_eq(synth_owners(p.tree, "shop", "cart", 6), 0);
	ck_assert_int_eq(synth_owners(p.raw, "shop", "cart", 6), 0);
	for (i = 0; i < 6; i++)
		synth_both(&p, "Pod", synth_pod("shop", "cart", i, i < 5 ? "node-7" : "node-1",
		    i < 5 ? "evicted" : NULL));
	ck_assert_int_eq(synth_owners(p.tree, "shop", "billing", 3), 0);
	ck_assert_int_eq(synth_owners(p.raw, "shop", "billing", 3), 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "node-%d", 10 + i);
		synth_both(&p, "Pod", synth_pod("shop", "billing", i, name, "config"));
	}
	ck_assert_uint_eq(fast, (size_t)ndeps * 10 + nodes);	/* every node, healthy pod */
	ck_assert_uint_eq(p.fast, fast + 1);		/* + the healthy cart pod */
	pair_check(&p, "synthetic cluster");
}
END_TEST

START_TEST(raw_refuses_what_is_not_json)
{
	struct coord_detect *d = coord_detect_new(NULL);
	char err[128];
	json_t *out;

	ck_assert_int_eq(coord_detect_feed_raw(d, "Pod", "{\"metadata\":", 12), -EBADMSG);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Pod", "[1]", 3), -EINVAL);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Event", "{\"type\":\"Normal\"} x", 19),
	    -EBADMSG);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Event", "{\"type\":\"Normal\"}", 17), 1);
	out = coord_detect_finish(d, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Pod", "{}", 2), -EALREADY);
	json_decref(out);
	coord_detect_free(d);
}
END_TEST

static Suite *
detect_raw_suite(void)
{
	Suite *s = suite_create("coord_detect_raw");
	TCase *tc = tcase_create("raw");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, corpus_agrees);
	tcase_add_test(tc, pod_variants_agree);
	tcase_add_test(tc, synthetic_cluster_agrees);
	tcase_add_test(tc, raw_refuses_what_is_not_json);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(detect_raw_suite)
