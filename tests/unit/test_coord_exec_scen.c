/*
 * The seed's three scenarios end to end against strata-sim: detect → plan → execute, then
 * the simulator's final state asserted object by object against the pre-plan state.
 *
 * What the simulator can do decides the path: where it completes an action the run must
 * succeed and leave the cluster fixed; where it cannot (a node reboot needs a node agent;
 * a pool re-render after a MachineConfig deletion), the step's done-condition times out
 * and the rollback must restore every touched object to its recorded state.
 */
#include "test_coord_exec_util.h"
#include "testutil.h"

#define SC1	"examples/scenarios/01-node-memory-pressure-argocd.json"
#define SC2	"examples/scenarios/02-mco-rollout-app-degradation.json"
#define SC3	"examples/scenarios/03-network-outage-platform-infra.json"

static json_t *
get(struct xt *x, const char *group, const char *version, const char *res,
    const char *ns, const char *name, long *http)
{
	struct kube_ref ref = { group, version, res, ns, name, NULL };

	return xt_get(x, &ref, http);
}

static int
unschedulable(const json_t *node)
{
	return json_is_true(json_object_get(json_object_get(node, "spec"), "unschedulable"));
}

static void
run_plan(struct xt *x, const char *scenario, const char *opts)
{
	struct coord_run_options o;
	struct coord_run *run;
	char err[512];
	char *plan = xt_plan(x, scenario, opts);

	o = xt_opts(x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(x, 120000);
	free(plan);
}

START_TEST(test_scenario_02_mco)
{
	struct xt x;
	json_t *mc0, *pool0, *mc, *pool;
	long http = 0;
	const char *st;

	xt_start(&x, SC2);
	mc0 = get(&x, "machineconfiguration.openshift.io", "v1", "machineconfigs", NULL,
	    "99-worker-kernel-rt-tuning", NULL);
	pool0 = xt_get(&x, &KUBE_REF_MCP("worker"), NULL);
	ck_assert_ptr_nonnull(mc0);
	run_plan(&x, SC2, NULL);
	st = xt_status(&x);
	mc = get(&x, "machineconfiguration.openshift.io", "v1", "machineconfigs", NULL,
	    "99-worker-kernel-rt-tuning", &http);
	pool = xt_get(&x, &KUBE_REF_MCP("worker"), NULL);
	if (strcmp(st, "succeeded") == 0) {
		/* the bad MachineConfig is gone and the pool rolled back and settled */
		ck_assert_int_eq(http, 404);
		ck_assert_str_eq(xt_str(json_object_get(pool, "spec"), "configuration",
		    "name", NULL), xt_str(json_object_get(pool, "status"), "configuration",
		    "name", NULL));
		ck_assert(!json_is_true(json_object_get(json_object_get(pool, "spec"),
		    "paused")));
	} else {
		ck_assert_msg(strcmp(st, "rolled_back") == 0, "status %s", st);
		/* the MachineConfig is back exactly, the pool's paused flag as it was */
		ck_assert_int_eq(http, 200);
		ck_assert(json_equal(json_object_get(mc0, "spec"), json_object_get(mc,
		    "spec")));
		ck_assert(json_equal(json_object_get(json_object_get(mc0, "metadata"),
		    "labels"), json_object_get(json_object_get(mc, "metadata"), "labels")));
		ck_assert_int_eq(json_is_true(json_object_get(json_object_get(pool0, "spec"),
		    "paused")), json_is_true(json_object_get(json_object_get(pool, "spec"),
		    "paused")));
		ck_assert_str_eq(xt_str(x.result, "rollback", "status", NULL), "rolled_back");
	}
	json_decref(mc0);
	json_decref(mc);
	json_decref(pool0);
	json_decref(pool);
	xt_stop(&x);
}
END_TEST

START_TEST(test_scenario_01_drain)
{
	struct xt x;
	json_t *n0, *n, *steps;

	xt_start(&x, SC1);
	n0 = xt_get(&x, &KUBE_REF_NODE("worker-2"), NULL);
	ck_assert_ptr_nonnull(n0);
	run_plan(&x, SC1, "{\"allow_risk\":true}");
	n = xt_get(&x, &KUBE_REF_NODE("worker-2"), NULL);
	steps = json_object_get(x.result, "steps");
	/* the cordon and the drain went through (PDB 429s retried) */
	ck_assert_str_eq(xt_str(json_array_get(steps, 0), "status", NULL, NULL), "succeeded");
	ck_assert_str_eq(xt_str(json_array_get(steps, 1), "status", NULL, NULL), "succeeded");
	if (strcmp(xt_status(&x), "succeeded") == 0) {
		ck_assert_int_eq(unschedulable(n), 0);
	} else {
		ck_assert_msg(strcmp(xt_status(&x), "rolled_back") == 0, "status %s",
		    xt_status(&x));
		/* schedulable again, as recorded before the plan */
		ck_assert_int_eq(unschedulable(n), unschedulable(n0));
	}
	json_decref(n0);
	json_decref(n);
	xt_stop(&x);
}
END_TEST

START_TEST(test_scenario_03_reboot)
{
	struct xt x;
	json_t *n0, *n, *pods, *p, *rb;
	size_t i;

	xt_start(&x, SC3);
	n0 = xt_get(&x, &KUBE_REF_NODE("worker-1"), NULL);
	run_plan(&x, SC3, NULL);
	n = xt_get(&x, &KUBE_REF_NODE("worker-1"), NULL);
	if (strcmp(xt_status(&x), "rolled_back") == 0) {
		ck_assert_int_eq(unschedulable(n), unschedulable(n0));
		/* the reboot is reported irreversible, not faked */
		rb = json_object_get(json_object_get(x.result, "rollback"), "steps");
		ck_assert_str_eq(xt_str(json_array_get(rb, 0), "status", NULL, NULL),
		    "irreversible");
	} else
		ck_assert_str_eq(xt_status(&x), "succeeded");
	/* no privileged reboot pod is left behind either way */
	pods = xt_get(&x, &KUBE_REF_POD("kube-system", NULL), NULL);
	json_array_foreach(json_object_get(pods, "items"), i, p)
		ck_assert_msg(strncmp(xt_str(p, "metadata", "name", NULL), "strata-reboot-",
		    14) != 0 || xt_str(p, "metadata", "deletionTimestamp", NULL) != NULL,
		    "reboot pod left behind");
	json_decref(pods);
	json_decref(n0);
	json_decref(n);
	xt_stop(&x);
}
END_TEST

static Suite *
scen_suite(void)
{
	Suite *s = suite_create("coord_exec_scen");
	TCase *tc = tcase_create("scenarios");

	tcase_set_timeout(tc, 200);
	tcase_add_test(tc, test_scenario_01_drain);
	tcase_add_test(tc, test_scenario_02_mco);
	tcase_add_test(tc, test_scenario_03_reboot);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(scen_suite)
