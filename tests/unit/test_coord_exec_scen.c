/*
 * The seed's three scenarios end to end against strata-sim: detect → plan (live context:
 * the scenario) → execute, then the simulator's final state asserted object by object;
 * and one of them again with a checkpoint that cannot turn healthy, to see the rollback
 * restore the recorded state.
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

static const char *
cond(const json_t *obj, const char *type)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(obj, "status"), "conditions"), i,
	    c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			return json_string_value(json_object_get(c, "status"));
	return NULL;
}

static long long
num(const json_t *o, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(o, a), b));
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

static void
assert_succeeded(struct xt *x)
{
	ck_assert_msg(strcmp(xt_status(x), "succeeded") == 0, "status %s: %s",
	    xt_status(x), json_string_value(json_object_get(x->result, "message")));
	ck_assert(json_is_null(json_object_get(x->result, "rollback")));
}

/* Every replica of the Deployment available, rollout complete. */
static void
assert_available(struct xt *x, const char *ns, const char *name)
{
	json_t *d = xt_get(x, &KUBE_REF_DEPLOYMENT(ns, name), NULL);

	ck_assert_ptr_nonnull(d);
	ck_assert_msg(num(d, "status", "availableReplicas") == num(d, "spec", "replicas") &&
	    num(d, "status", "updatedReplicas") == num(d, "spec", "replicas"),
	    "%s/%s not available", ns, name);
	ck_assert_str_eq(cond(d, "Available"), "True");
	json_decref(d);
}

START_TEST(test_scenario_01_node_pressure_argocd)
{
	struct xt x;
	json_t *n, *app;

	xt_start(&x, SC1);
	/* the PDB allows no disruption now: the plan is risky and the user accepts it */
	run_plan(&x, SC1, "{\"allow_risk\":true}");
	assert_succeeded(&x);
	n = xt_get(&x, &KUBE_REF_NODE("worker-2"), NULL);
	ck_assert_int_eq(unschedulable(n), 0);
	ck_assert_str_eq(cond(n, "Ready"), "True");
	ck_assert_str_eq(cond(n, "MemoryPressure"), "False");
	assert_available(&x, "payments", "payments");
	app = xt_get(&x, &KUBE_REF_ARGO_APP("openshift-gitops", "payments"), NULL);
	ck_assert_str_eq(xt_str(app, "status", "sync", "status"), "Synced");
	ck_assert_str_eq(xt_str(app, "status", "health", "status"), "Healthy");
	json_decref(app);
	json_decref(n);
	xt_stop(&x);
}
END_TEST

START_TEST(test_scenario_02_mco_rollback)
{
	struct xt x;
	json_t *pool, *nodes, *nd;
	long http = 0;
	size_t i;

	xt_start(&x, SC2);
	run_plan(&x, SC2, NULL);
	assert_succeeded(&x);
	json_decref(get(&x, "machineconfiguration.openshift.io", "v1", "machineconfigs", NULL,
	    "99-worker-kernel-rt-tuning", &http));
	ck_assert_int_eq(http, 404);
	pool = xt_get(&x, &KUBE_REF_MCP("worker"), NULL);
	ck_assert_str_eq(xt_str(json_object_get(pool, "spec"), "configuration", "name",
	    NULL), xt_str(json_object_get(pool, "status"), "configuration", "name", NULL));
	ck_assert_str_eq(cond(pool, "Updated"), "True");
	ck_assert_int_eq(num(pool, "status", "updatedMachineCount"),
	    num(pool, "status", "machineCount"));
	ck_assert(!json_is_true(json_object_get(json_object_get(pool, "spec"), "paused")));
	nodes = xt_get(&x, &KUBE_REF_NODE(NULL), NULL);
	json_array_foreach(json_object_get(nodes, "items"), i, nd) {
		ck_assert_int_eq(unschedulable(nd), 0);
		ck_assert_str_eq(cond(nd, "Ready"), "True");
	}
	assert_available(&x, "orders", "orders");
	json_decref(nodes);
	json_decref(pool);
	xt_stop(&x);
}
END_TEST

START_TEST(test_scenario_03_network_reboot)
{
	struct xt x;
	json_t *n0[2], *n, *pods, *p, *co;
	const char *names[2] = { "worker-1", "worker-2" };
	size_t i;

	xt_start(&x, SC3);
	for (i = 0; i < 2; i++)
		n0[i] = xt_get(&x, &KUBE_REF_NODE(names[i]), NULL);
	run_plan(&x, SC3, NULL);
	assert_succeeded(&x);
	for (i = 0; i < 2; i++) {
		n = xt_get(&x, &KUBE_REF_NODE(names[i]), NULL);
		ck_assert_int_eq(unschedulable(n), 0);
		ck_assert_str_eq(cond(n, "Ready"), "True");
		/* really rebooted: a (new) boot id */
		{
			const char *b1 = xt_str(json_object_get(n, "status"), "nodeInfo",
			    "bootID", NULL);
			const char *b0 = xt_str(json_object_get(n0[i], "status"), "nodeInfo",
			    "bootID", NULL);

			ck_assert_ptr_nonnull(b1);
			ck_assert(b0 == NULL || strcmp(b0, b1) != 0);
		}
		json_decref(n);
		json_decref(n0[i]);
	}
	co = xt_get(&x, &KUBE_REF_CLUSTEROPERATOR("network"), NULL);
	ck_assert_str_eq(cond(co, "Available"), "True");
	ck_assert_str_ne(cond(co, "Degraded"), "True");
	json_decref(co);
	assert_available(&x, "storefront", "frontend");
	assert_available(&x, "checkout", "checkout");
	/* no privileged reboot pod is left behind */
	pods = xt_get(&x, &KUBE_REF_POD("kube-system", NULL), NULL);
	json_array_foreach(json_object_get(pods, "items"), i, p)
		ck_assert_msg(strncmp(xt_str(p, "metadata", "name", NULL), "strata-reboot-",
		    14) != 0 || xt_str(p, "metadata", "deletionTimestamp", NULL) != NULL,
		    "reboot pod left behind");
	json_decref(pods);
	xt_stop(&x);
}
END_TEST

/*
 * Scenario 1 again, but the Argo CD Application cannot be read (every GET answers 500):
 * the application checkpoint never turns healthy, and the rollback undoes cordon, drain
 * and uncordon in reverse order from the recorded before-states — the node ends exactly
 * as schedulable as it was before the plan.
 */
START_TEST(test_scenario_01_checkpoint_fails_rolls_back)
{
	struct xt x;
	json_t *n0, *n, *rb, *s;
	char err[256];
	size_t i;

	xt_start(&x, SC1);
	n0 = xt_get(&x, &KUBE_REF_NODE("worker-2"), NULL);
	ck_assert_int_eq(sim_fault_add(x.sim, "method=GET,path=/apis/argoproj.io/v1alpha1/"
	    "namespaces/openshift-gitops/applications/payments,status=500", err,
	    sizeof(err)), 0);
	run_plan(&x, SC1, "{\"allow_risk\":true}");
	sim_fault_clear(x.sim);
	ck_assert_str_eq(xt_status(&x), "rolled_back");
	ck_assert(json_is_false(json_object_get(json_array_get(json_object_get(x.result,
	    "checkpoints"), 1), "healthy")));
	rb = json_object_get(json_object_get(x.result, "rollback"), "steps");
	/* steps 4 (uncordon), 2 (drain), 1 (cordon); 3 changed nothing */
	ck_assert_int_eq(json_array_size(rb), 3);
	json_array_foreach(rb, i, s)
		ck_assert_str_eq(xt_str(s, "status", NULL, NULL), "succeeded");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rb, 0), "index")),
	    4);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rb, 2), "index")),
	    1);
	n = xt_get(&x, &KUBE_REF_NODE("worker-2"), NULL);
	ck_assert_int_eq(unschedulable(n), unschedulable(n0));
	json_decref(n);
	json_decref(n0);
	xt_stop(&x);
}
END_TEST

/*
 * Replacing a Machine (irreversible): the old one is deleted, the MachineSet provisions a
 * replacement that runs a Ready node; rollback_plan reports the step irreversible
 * instead of pretending, and a second rollback has nothing left.
 */
START_TEST(test_replace_machine_irreversible)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	json_t *plan, *rb;
	char pid[COORD_STORE_ID_MAX], hash[65], err[512], exec_id[COORD_STORE_ID_MAX];
	long http = 0;
	const char *ns = "openshift-machine-api", *old = "ocp-prod-7xk2p-worker-us-east-1a-2x2";

	xt_start(&x, SC1);
	coord_store_id_new(COORD_STORE_PLAN, pid);
	plan = json_pack("{s:s, s:n, s:[s], s:[{s:i, s:s, s:s, s:{s:s, s:s, s:s}, "
	    "s:{s:s, s:s}, s:s, s:b, s:b, s:b, s:n, s:s, s:i, s:[{s:s, s:s, s:s, s:[s]}]}], "
	    "s:[], s:b}", "plan_id", pid, "issue_id", "layers", "infrastructure", "steps",
	    "index", 1, "layer", "infrastructure", "action", "replace_machine", "target",
	    "kind", "Machine", "namespace", ns, "name", old, "params", "node", "worker-2",
	    "machineset", "ocp-prod-7xk2p-worker-us-east-1a", "description", "Replace",
	    "required", 1, "reversible", 0, "mutating", 1, "compensation",
	    "irreversible_reason", "deleting a Machine destroys its instance",
	    "timeout_seconds", 1800, "before_state_capture", "kind", "Machine", "namespace",
	    ns, "name", old, "fields", "", "checkpoints", "refused", 0);
	ck_assert_int_eq(coord_plan_hash(plan, hash, err, sizeof(err)), 0);
	json_object_set_new(plan, "hash", json_string(hash));
	ck_assert_int_eq(coord_store_plan_put(x.store, plan, err, sizeof(err)), 0);
	json_decref(plan);
	o = xt_opts(&x, false);
	o.no_leases = true;
	ck_assert_msg(coord_run_execute(&o, pid, &run, err, sizeof(err)) == 0, "%s", err);
	snprintf(exec_id, sizeof(exec_id), "%s", coord_run_execution_id(run));
	xt_wait(&x, 120000);
	ck_assert_msg(strcmp(xt_status(&x), "succeeded") == 0, "%s: %s", xt_status(&x),
	    json_string_value(json_object_get(x.result, "message")));
	json_decref(get(&x, "machine.openshift.io", "v1beta1", "machines", ns, old, &http));
	ck_assert_int_eq(http, 404);
	ck_assert_int_eq(coord_run_rollback(&o, exec_id, &run, err, sizeof(err)), 0);
	xt_wait(&x, 30000);
	rb = json_array_get(json_object_get(x.result, "steps"), 0);
	ck_assert_str_eq(xt_str(rb, "status", NULL, NULL), "irreversible");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(x.result, "message")),
	    "irreversible"));
	ck_assert_int_eq(coord_run_rollback(&o, exec_id, &run, err, sizeof(err)), 0);
	xt_wait(&x, 30000);
	ck_assert_str_eq(xt_status(&x), "nothing_to_roll_back");
	xt_stop(&x);
}
END_TEST

static Suite *
scen_suite(void)
{
	Suite *s = suite_create("coord_exec_scen");
	TCase *tc = tcase_create("scenarios");

	tcase_set_timeout(tc, 200);
	tcase_add_test(tc, test_scenario_01_node_pressure_argocd);
	tcase_add_test(tc, test_scenario_02_mco_rollback);
	tcase_add_test(tc, test_scenario_03_network_reboot);
	tcase_add_test(tc, test_scenario_01_checkpoint_fails_rolls_back);
	tcase_add_test(tc, test_replace_machine_irreversible);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(scen_suite)
