/*
 * detect_layers and plan_remediation through the MCP server against strata-sim, in
 * process: the labelled corpus in tests/scenarios/ (every NAME.json with its
 * NAME.expect.json), then planning on the seed scenarios.
 */
#include <dirent.h>

#include "svctest.h"
#include "testutil.h"

#define CORPUS_DIR	"tests/scenarios"

static json_t *
load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	ck_assert_msg(j != NULL, "%s: %s (line %d)", path, e.text, e.line);
	return j;
}

static bool
layers_equal(const json_t *a, const json_t *b)
{
	size_t i;

	if (json_array_size(a) != json_array_size(b))
		return false;
	for (i = 0; i < json_array_size(a); i++)
		if (!json_equal(json_array_get(a, i), json_array_get(b, i)))
			return false;
	return true;
}

/* True when one of the result's root causes is the expected object. */
static bool
root_cause_found(const json_t *res, const json_t *want)
{
	const json_t *rc;
	const char *wk = json_string_value(json_object_get(want, "kind"));
	const char *wn = json_string_value(json_object_get(want, "name"));
	const char *wns = json_string_value(json_object_get(want, "namespace"));
	size_t i;

	if (want == NULL || json_is_null(want))
		return json_array_size(json_object_get(res, "root_causes")) == 0;
	json_array_foreach(json_object_get(res, "root_causes"), i, rc) {
		const char *k = json_string_value(json_object_get(rc, "kind"));
		const char *n = json_string_value(json_object_get(rc, "name"));
		const char *ns = json_string_value(json_object_get(rc, "namespace"));

		if (k == NULL || n == NULL || wk == NULL || wn == NULL)
			continue;
		if (strcmp(k, wk) == 0 && strcmp(n, wn) == 0 &&
		    (wns == NULL || (ns != NULL && strcmp(ns, wns) == 0)))
			return true;
	}
	return false;
}

/*
 * Runs detect_layers over every scenario of the corpus through the MCP server and
 * reports the accuracy; every scenario must match its labels.
 */
START_TEST(corpus_through_mcp)
{
	const char *dir = getenv("STRATA_CORPUS") != NULL ? getenv("STRATA_CORPUS") :
	    CORPUS_DIR;
	DIR *d = opendir(dir);
	struct dirent *de;
	int total = 0, layers_ok = 0, root_ok = 0, failed = 0;
	char failures[4096] = "";

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		char path[512], epath[512], name[256];
		struct svctest t;
		json_t *expect, *r, *sc, *args;
		size_t n = strlen(de->d_name);
		bool lok, rok;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    strstr(de->d_name, ".expect.json") != NULL)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 5), de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(epath, sizeof(epath), "%s/%s.expect.json", dir, name);
		if (access(epath, R_OK) != 0)
			continue;
		expect = load_json(epath);
		svctest_start_opt(&t, path, 1.0, true);
		svctest_initialize(&t);
		args = json_object_get(expect, "request");
		args = args != NULL ? json_incref(args) : json_object();
		r = svctest_call(&t, 2, "detect_layers", args, 20000);
		json_decref(args);
		ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "%s: %s", name,
		    json_dumps(r, JSON_COMPACT));
		sc = json_object_get(r, "structuredContent");
		ck_assert_ptr_nonnull(json_object_get(sc, "issue_id"));
		svctest_assert_schema("detect_layers.output", sc);
		lok = layers_equal(json_object_get(sc, "affected_layers"),
		    json_object_get(expect, "affected_layers")) &&
		    json_equal(json_object_get(sc, "root_cause_layer"),
		    json_object_get(expect, "root_cause_layer"));
		rok = root_cause_found(sc, json_object_get(expect, "root_cause"));
		total++;
		layers_ok += lok;
		root_ok += rok;
		if (!lok || !rok) {
			failed++;
			snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures),
			    "\n  %s: layers %s root_cause_layer %s (want %s) root cause %s: %.300s",
			    name, lok ? "ok" : "WRONG",
			    json_string_value(json_object_get(sc, "root_cause_layer")),
			    json_string_value(json_object_get(expect, "root_cause_layer")),
			    rok ? "ok" : "WRONG", json_dumps(json_object_get(sc, "root_causes"),
			    JSON_COMPACT));
		}
		json_decref(expect);
		svctest_stop(&t);
	}
	closedir(d);
	fprintf(stderr, "corpus through MCP: %d scenarios, layers+root layer %d/%d, "
	    "root cause object %d/%d%s\n", total, layers_ok, total, root_ok, total,
	    failures);
	ck_assert_msg(total >= 1, "no labelled scenarios in " CORPUS_DIR);
	ck_assert_msg(failed == 0, "%d of %d scenarios mislabelled:%s", failed, total,
	    failures);
}
END_TEST

static int
layer_rank(const char *l)
{
	if (l == NULL)
		return -1;
	if (strcmp(l, "infrastructure") == 0)
		return 0;
	if (strcmp(l, "platform") == 0)
		return 1;
	if (strcmp(l, "application") == 0)
		return 2;
	return -1;
}

/*
 * detect → plan on every shipped example scenario: the plan is stored, its steps run
 * infrastructure → platform → application, every step says how it is undone (or why it
 * cannot be), a checkpoint follows each layer, and the hash is a SHA-256.
 */
START_TEST(plan_examples_through_mcp)
{
	const char *dir = getenv("STRATA_EXAMPLES") != NULL ? getenv("STRATA_EXAMPLES") :
	    "examples/scenarios";
	DIR *d = opendir(dir);
	struct dirent *de;
	int planned = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		char path[512];
		struct svctest t;
		json_t *r, *sc, *plan, *args, *step, *cp;
		const char *issue, *hash, *h;
		size_t n = strlen(de->d_name), i;
		int last = -1, rank;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    strstr(de->d_name, ".expect.json") != NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		svctest_start(&t, path, 1.0);
		svctest_initialize(&t);
		args = json_object();
		r = svctest_call(&t, 2, "detect_layers", args, 20000);
		json_decref(args);
		sc = json_object_get(r, "structuredContent");
		issue = json_string_value(json_object_get(sc, "issue_id"));
		ck_assert_msg(issue != NULL, "%s: detect failed: %s", de->d_name,
		    json_dumps(r, JSON_COMPACT));
		args = json_pack("{s:s}", "issue_id", issue);
		r = svctest_call(&t, 3, "plan_remediation", args, 20000);
		json_decref(args);
		ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "%s: %s",
		    de->d_name, json_dumps(r, JSON_COMPACT));
		plan = json_object_get(r, "structuredContent");
		svctest_assert_schema("plan_remediation.output", plan);
		ck_assert_str_eq(json_string_value(json_object_get(plan, "issue_id")), issue);
		hash = json_string_value(json_object_get(plan, "hash"));
		ck_assert_msg(hash != NULL && strlen(hash) == 64, "%s: hash", de->d_name);
		for (h = hash; *h != '\0'; h++)
			ck_assert_msg((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'),
			    "hash is not hex");
		json_array_foreach(json_object_get(plan, "steps"), i, step) {
			rank = layer_rank(json_string_value(json_object_get(step, "layer")));
			ck_assert_msg(rank >= last, "%s: step %zu runs %s after a higher layer",
			    de->d_name, i + 1,
			    json_string_value(json_object_get(step, "layer")));
			last = rank;
			ck_assert_msg(json_is_boolean(json_object_get(step, "reversible")),
			    "%s: step %zu has no reversible flag", de->d_name, i + 1);
			/* A wait changes nothing: only mutations need an undo. */
			if (json_is_true(json_object_get(step, "reversible")) &&
			    !json_is_false(json_object_get(step, "mutating")))
				ck_assert_msg(json_is_object(json_object_get(step,
				    "compensation")), "%s: reversible step %zu has no "
				    "compensation", de->d_name, i + 1);
		}
		if (json_array_size(json_object_get(plan, "steps")) > 0)
			ck_assert_msg(json_array_size(json_object_get(plan, "checkpoints")) > 0,
			    "%s: steps without checkpoints", de->d_name);
		json_array_foreach(json_object_get(plan, "checkpoints"), i, cp)
			ck_assert_msg(json_array_size(json_object_get(cp, "checks")) > 0,
			    "%s: empty checkpoint", de->d_name);
		/* The plan is readable as a resource. */
		{
			char line[512];
			json_t *rr;

			snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":4,"
			    "\"method\":\"resources/read\",\"params\":{\"uri\":"
			    "\"strata://plans/%s\"}}",
			    json_string_value(json_object_get(plan, "plan_id")));
			svctest_feed(&t, line);
			rr = svctest_wait(&t, 4, 5000);
			ck_assert_msg(json_object_get(rr, "result") != NULL, "%s: plan resource: %s",
			    de->d_name, json_dumps(rr, JSON_COMPACT));
		}
		planned++;
		svctest_stop(&t);
	}
	closedir(d);
	ck_assert_msg(planned >= 1, "no example scenarios in %s", dir);
}
END_TEST

static Suite *
coord_service_suite(void)
{
	Suite *s = suite_create("coord_service");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, corpus_through_mcp);
	suite_add_tcase(s, tc);
	tc = tcase_create("plan");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, plan_examples_through_mcp);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_service_suite)
