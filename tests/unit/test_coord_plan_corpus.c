/*
 * The planner over the detection corpus (tests/scenarios/, examples/scenarios/): for
 * every incident, detection then plan must give a well-formed plan — layers in order,
 * 1-based indices, a checkpoint after every layer with steps, every mutating reversible
 * step with a compensation and a recorded before-state, every irreversible one saying
 * why, a verifiable hash stable across two builds, one diagram node per step.
 */
#include <dirent.h>
#include <stdlib.h>

#include "testutil.h"
#include "test_coord_plan_util.h"

static int
rank(const char *l)
{
	return strcmp(l, "infrastructure") == 0 ? 0 : strcmp(l, "platform") == 0 ? 1 :
	    strcmp(l, "application") == 0 ? 2 : 9;
}

static void
check_plan(const char *path, const json_t *p, const json_t *p2)
{
	json_t *s, *cp;
	size_t i, j;
	int last = 0, lastcp = -1;
	char err[256], node[32];
	const char *dg = json_string_value(json_object_get(p, "diagram"));

	ck_assert_msg(coord_plan_verify_hash(p, err, sizeof(err)) == 0, "%s: %s", path, err);
	ck_assert_msg(strcmp(json_string_value(json_object_get(p, "hash")),
	    json_string_value(json_object_get(p2, "hash"))) == 0, "%s: hash unstable", path);
	ck_assert_msg(dg && strncmp(dg, "flowchart TD\n", 13) == 0, "%s: diagram", path);
	json_array_foreach(json_object_get(p, "steps"), i, s) {
		const char *a = json_string_value(json_object_get(s, "action"));
		int r = rank(json_string_value(json_object_get(s, "layer")));

		ck_assert_msg(json_integer_value(json_object_get(s, "index")) == (int)i + 1,
		    "%s: index", path);
		ck_assert_msg(r >= last && r < 9, "%s: step %zu out of layer order", path, i);
		last = r;
		if (json_is_true(json_object_get(s, "reversible")) &&
		    json_is_true(json_object_get(s, "mutating")))
			ck_assert_msg(json_is_string(json_object_get(json_object_get(s,
			    "compensation"), "action")) && json_array_size(json_object_get(s,
			    "before_state_capture")) > 0, "%s: %s has no compensation", path, a);
		if (!json_is_true(json_object_get(s, "reversible")))
			ck_assert_msg(json_is_string(json_object_get(s, "irreversible_reason")),
			    "%s: %s", path, a);
		ck_assert_msg(json_integer_value(json_object_get(s, "timeout_seconds")) > 0,
		    "%s: %s timeout", path, a);
		snprintf(node, sizeof(node), "S%zu[\"", i + 1);
		ck_assert_msg(strstr(dg, node) != NULL, "%s: diagram lacks %s", path, node);
	}
	for (i = 0; i < 3; i++) {
		static const char *const ln[] = { "infrastructure", "platform", "application" };
		bool has = false;

		json_array_foreach(json_object_get(p, "steps"), j, s)
			if (strcmp(json_string_value(json_object_get(s, "layer")), ln[i]) == 0)
				has = true;
		cp = fx_checkpoint(p, ln[i]);
		ck_assert_msg(!has || (cp && json_array_size(json_object_get(cp, "checks")) > 0),
		    "%s: no checkpoint after the %s steps", path, ln[i]);
	}
	json_array_foreach(json_object_get(p, "checkpoints"), i, cp) {
		int a = (int)json_integer_value(json_object_get(cp, "after_step"));

		ck_assert_msg(a >= lastcp && a <= (int)fx_nsteps(p), "%s: after_step", path);
		lastcp = a;
	}
	ck_assert_msg(!fx_refused(p) || json_array_size(json_object_get(p,
	    "refusal_reasons")) > 0, "%s: refused without a reason", path);
}

static size_t
run_dir(const char *dir)
{
	char path[512];
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		json_t *list, *det, *p, *p2;
		json_error_t je;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
		    strstr(e->d_name, ".expect.") != NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		list = json_load_file(path, 0, &je);
		ck_assert_msg(list != NULL, "%s: %s", path, je.text);
		det = fx_detect(list);
		p = fx_plan(det, list, NULL);
		p2 = fx_plan(det, list, NULL);
		check_plan(path, p, p2);
		json_decref(p);
		json_decref(p2);
		/* And with everything opted in, still well-formed. */
		p = fx_plan(det, list, "{\"allow_risk\": true, \"delete_unready_pods\": true, "
		    "\"max_unavailable_nodes\": 3}");
		p2 = fx_plan(det, list, "{\"allow_risk\": true, \"delete_unready_pods\": true, "
		    "\"max_unavailable_nodes\": 3}");
		check_plan(path, p, p2);
		json_decref(p);
		json_decref(p2);
		json_decref(det);
		json_decref(list);
		n++;
	}
	closedir(d);
	return n;
}

START_TEST(t_corpus_plans_well_formed)
{
	size_t n = run_dir("tests/scenarios") + run_dir("examples/scenarios") +
	    run_dir("tests/plan-fixtures");

	ck_assert_msg(n >= 3, "no scenarios found (run from the repository root)");
}
END_TEST

static Suite *
coord_plan_corpus_suite(void)
{
	Suite *s = suite_create("coord_plan_corpus");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_corpus_plans_well_formed);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_plan_corpus_suite)
