/*
 * strata-sim building blocks without HTTP: merge patch (RFC 7386), strategic merge patch
 * (what kubectl sends for cordon/uncordon, rollout restart, list merge by key, $patch
 * directives), JSON patch (RFC 6902 incl. test), and label/field selectors.
 */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "../../src/sim/sim_internal.h"

static json_t *
J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	ck_assert_msg(j != NULL, "bad JSON in test: %s", e.text);
	return j;
}

static void
assert_json(json_t *got, const char *want)
{
	json_t *w = J(want);
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);

	ck_assert_msg(json_equal(got, w), "got %s, want %s", g, want);
	free(g);
	json_decref(w);
}

START_TEST(test_merge_patch)
{
	json_t *doc = J("{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"l\":[1,2]}");
	json_t *p = J("{\"a\":null,\"b\":{\"c\":5,\"e\":6},\"l\":[3]}");
	json_t *r = sim_patch_merge(doc, p);

	assert_json(r, "{\"b\":{\"c\":5,\"d\":3,\"e\":6},\"l\":[3]}");
	json_decref(r);
	json_decref(p);
	json_decref(doc);
}
END_TEST

START_TEST(test_strategic_cordon)
{
	json_t *node = J("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"podCIDR\":\"x\"}}");
	json_t *cordon = J("{\"spec\":{\"unschedulable\":true}}");
	json_t *uncordon = J("{\"spec\":{\"unschedulable\":null}}");
	json_t *a = sim_patch_strategic(node, cordon, NULL, 0), *b;
	char err[128];

	assert_json(a, "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"podCIDR\":\"x\","
	    "\"unschedulable\":true}}");
	b = sim_patch_strategic(a, uncordon, err, sizeof(err));
	assert_json(b, "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"podCIDR\":\"x\"}}");
	json_decref(a);
	json_decref(b);
	json_decref(node);
	json_decref(cordon);
	json_decref(uncordon);
}
END_TEST

START_TEST(test_strategic_lists)
{
	char err[128];
	json_t *pod = J("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\",\"env\":"
	    "[{\"name\":\"X\",\"value\":\"1\"},{\"name\":\"Y\",\"value\":\"2\"}]},"
	    "{\"name\":\"b\",\"image\":\"b:1\"}],\"tolerations\":[{\"key\":\"t1\"}]},"
	    "\"metadata\":{\"finalizers\":[\"f1\"]}}");
	json_t *p = J("{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},"
	    "{\"name\":\"b\"}],\"containers\":[{\"name\":\"b\",\"image\":\"b:2\"},"
	    "{\"name\":\"a\",\"env\":[{\"name\":\"Y\",\"$patch\":\"delete\"},{\"name\":\"Z\","
	    "\"value\":\"3\"}]}],\"tolerations\":[{\"key\":\"t2\"}]},"
	    "\"metadata\":{\"finalizers\":[\"f2\"]}}");
	json_t *r = sim_patch_strategic(pod, p, err, sizeof(err));

	ck_assert_ptr_nonnull(r);
	/* containers merge by name, env by name with $patch delete; tolerations replace;
	 * finalizers merge as a set. */
	assert_json(r, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\",\"env\":"
	    "[{\"name\":\"X\",\"value\":\"1\"},{\"name\":\"Z\",\"value\":\"3\"}]},"
	    "{\"name\":\"b\",\"image\":\"b:2\"}],\"tolerations\":[{\"key\":\"t2\"}]},"
	    "\"metadata\":{\"finalizers\":[\"f1\",\"f2\"]}}");
	json_decref(r);
	json_decref(p);
	/* $patch: replace on a map, rollout restart's annotation patch. */
	p = J("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{"
	    "\"kubectl.kubernetes.io/restartedAt\":\"2026-11-30T10:00:00Z\"}}}},"
	    "\"metadata\":{\"$patch\":\"replace\",\"name\":\"p\"}}");
	r = sim_patch_strategic(pod, p, err, sizeof(err));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
	    json_object_get(json_object_get(r, "spec"), "template"), "metadata"), "annotations"),
	    "kubectl.kubernetes.io/restartedAt")), "2026-11-30T10:00:00Z");
	assert_json(json_object_get(r, "metadata"), "{\"name\":\"p\"}");
	json_decref(r);
	json_decref(p);
	json_decref(pod);
}
END_TEST

START_TEST(test_json_patch)
{
	char err[256] = "";
	json_t *doc = J("{\"metadata\":{\"annotations\":{\"a/b\":\"1\"}},\"spec\":{\"l\":[1,2,3]}}");
	json_t *ops = J("[{\"op\":\"test\",\"path\":\"/metadata/annotations/a~1b\",\"value\":\"1\"},"
	    "{\"op\":\"replace\",\"path\":\"/spec/l/0\",\"value\":9},"
	    "{\"op\":\"add\",\"path\":\"/spec/l/-\",\"value\":4},"
	    "{\"op\":\"remove\",\"path\":\"/spec/l/1\"},"
	    "{\"op\":\"copy\",\"from\":\"/spec/l\",\"path\":\"/spec/m\"},"
	    "{\"op\":\"move\",\"from\":\"/metadata/annotations\",\"path\":\"/spec/ann\"}]");
	json_t *r = sim_patch_json(doc, ops, err, sizeof(err));

	ck_assert_msg(r != NULL, "%s", err);
	assert_json(r, "{\"metadata\":{},\"spec\":{\"l\":[9,3,4],\"m\":[9,3,4],"
	    "\"ann\":{\"a/b\":\"1\"}}}");
	json_decref(r);
	json_decref(ops);
	ops = J("[{\"op\":\"test\",\"path\":\"/spec/l/0\",\"value\":7}]");
	ck_assert_ptr_null(sim_patch_json(doc, ops, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "test"));
	json_decref(ops);
	ops = J("[{\"op\":\"replace\",\"path\":\"/spec/missing\",\"value\":1}]");
	ck_assert_ptr_null(sim_patch_json(doc, ops, err, sizeof(err)));
	json_decref(ops);
	ops = J("[{\"op\":\"remove\",\"path\":\"/spec/l/7\"}]");
	ck_assert_ptr_null(sim_patch_json(doc, ops, err, sizeof(err)));
	json_decref(ops);
	json_decref(doc);
}
END_TEST

static struct sim_obj
pod_obj(const char *ns, const char *name, const char *labels, const char *node,
    const char *phase)
{
	struct sim_obj o;

	memset(&o, 0, sizeof(o));
	o.rt = sim_rt(SIM_RT_POD);
	o.ns = ns;
	o.name = name;
	o.uid = "u";
	o.labels = labels;
	o.node_name = node;
	o.phase = phase;
	o.json = "{}";
	o.len = 2;
	return o;
}

static bool
sel_match(const char *ls, const char *fs, const struct sim_obj *o)
{
	struct sim_selector *sel;
	char err[128];
	bool m;

	ck_assert_int_eq(sim_selector_parse(o->rt, ls, fs, &sel, err, sizeof(err)), 0);
	m = sim_selector_match(sel, o);
	sim_selector_free(sel);
	return m;
}

START_TEST(test_selectors)
{
	struct sim_obj a = pod_obj("shop", "web-1", "app=web\0tier=front\0", "n1", "Running");
	struct sim_obj b = pod_obj("shop", "db-1", "app=db\0", NULL, "Pending");
	struct sim_selector *sel;
	char err[128];
	json_t *ls;

	ck_assert(sel_match("app=web", NULL, &a));
	ck_assert(!sel_match("app=web", NULL, &b));
	ck_assert(sel_match("app==web,tier", NULL, &a));
	ck_assert(!sel_match("tier", NULL, &b));
	ck_assert(sel_match("!tier", NULL, &b));
	ck_assert(sel_match("app in (db, cache)", NULL, &b));
	ck_assert(!sel_match("app notin (db,cache)", NULL, &b));
	ck_assert(sel_match("app!=db", NULL, &a));
	ck_assert(sel_match(NULL, "spec.nodeName=n1,status.phase=Running", &a));
	ck_assert(sel_match(NULL, "spec.nodeName=", &b));
	ck_assert(sel_match(NULL, "metadata.name!=web-1,metadata.namespace==shop", &b));
	ck_assert(!sel_match("app=web", "spec.nodeName=n2", &a));
	ck_assert_int_eq(sim_selector_parse(a.rt, NULL, "spec.nope=1", &sel, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "field label not supported"));
	ck_assert_int_eq(sim_selector_parse(a.rt, "app in (web", NULL, &sel, err, sizeof(err)),
	    -EINVAL);
	/* LabelSelector JSON as in Deployments and PDBs. */
	ls = J("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"tier\","
	    "\"operator\":\"In\",\"values\":[\"front\",\"back\"]}]}");
	ck_assert_int_eq(sim_selector_from_json(ls, &sel, err, sizeof(err)), 0);
	ck_assert(sim_selector_match(sel, &a));
	ck_assert(!sim_selector_match(sel, &b));
	sim_selector_free(sel);
	json_decref(ls);
	ls = J("{\"matchExpressions\":[{\"key\":\"x\",\"operator\":\"Maybe\"}]}");
	ck_assert_int_eq(sim_selector_from_json(ls, &sel, err, sizeof(err)), -EINVAL);
	json_decref(ls);
}
END_TEST

START_TEST(test_rtypes)
{
	ck_assert_ptr_eq(sim_rt_find("", "v1", "pods"), sim_rt(SIM_RT_POD));
	ck_assert_ptr_eq(sim_rt_find_kind("apps/v1", "Deployment"), sim_rt(SIM_RT_DEPLOYMENT));
	ck_assert_ptr_eq(sim_rt_find_kind("policy/v1beta1", "PodDisruptionBudget"),
	    sim_rt(SIM_RT_PDB));
	ck_assert_ptr_null(sim_rt_find("apps", "v1", "pods"));
	ck_assert(!sim_rt(SIM_RT_APPLICATION)->builtin);
	ck_assert(!sim_rt(SIM_RT_NODE)->namespaced);
}
END_TEST

static Suite *
sim_patch_suite(void)
{
	Suite *s = suite_create("sim_patch");
	TCase *tc = tcase_create("patch");

	tcase_add_test(tc, test_merge_patch);
	tcase_add_test(tc, test_strategic_cordon);
	tcase_add_test(tc, test_strategic_lists);
	tcase_add_test(tc, test_json_patch);
	tcase_add_test(tc, test_selectors);
	tcase_add_test(tc, test_rtypes);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(sim_patch_suite)
