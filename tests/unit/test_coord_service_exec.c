/*
 * Issue #6's acceptance tests, through the MCP server against strata-sim (in process,
 * svctest.h): the seed's three scenarios end to end with the simulator's final state
 * asserted as an SRE would look at it, progress notifications, and a dry run that leaves
 * every object of every kind as it was.
 *
 * Rollback, faults, cancellation and conflicts: test_coord_service_exec_fail.c;
 * confirmation: test_coord_service_exec_confirm.c; kill -9 and restart:
 * test_coord_service_exec_crash.c.
 */
#include "svctest_exec.h"
#include "testutil.h"

#define SC1	"examples/scenarios/01-node-memory-pressure-argocd.json"
#define SC2	"examples/scenarios/02-mco-rollout-app-degradation.json"
#define SC3	"examples/scenarios/03-network-outage-platform-infra.json"
#define SCALE	120.0
#define RUN_MS	120000u		/* generous: a loaded 2-core machine under ASan */

/*
 * Progress of one run: every notification before the response, values strictly
 * increasing, each with a message a person can read, and one at least per step.
 */
static void
assert_progress(struct svctest *t, const char *token, json_int_t id, size_t nsteps)
{
	json_t *m, *p = svx_progress(t, token), *e;
	size_t i, resp = SIZE_MAX, last_note = 0, steps_seen = 0;
	double last = -1;

	json_array_foreach(t->out, i, m) {
		if (json_integer_value(json_object_get(m, "id")) == id &&
		    json_object_get(m, "method") == NULL)
			resp = i;
		if (svx_str(m, "method") != NULL &&
		    strcmp(svx_str(m, "method"), "notifications/progress") == 0 &&
		    svx_str(m, "params.progressToken") != NULL &&
		    strcmp(svx_str(m, "params.progressToken"), token) == 0)
			last_note = i;
	}
	ck_assert_msg(resp != SIZE_MAX, "no response to %lld", (long long)id);
	ck_assert_msg(json_array_size(p) > 0, "no progress for token %s", token);
	ck_assert_msg(last_note < resp, "progress sent after the response");
	json_array_foreach(p, i, e) {
		double v = json_number_value(json_object_get(e, "progress"));
		const char *msg = svx_str(e, "message");

		ck_assert_msg(v > last, "progress %g after %g", v, last);
		last = v;
		ck_assert_msg(msg != NULL && strlen(msg) > 8, "progress without a readable "
		    "message");
		if (strstr(msg, "step ") != NULL)
			steps_seen++;
	}
	ck_assert_msg(steps_seen >= nsteps, "%zu step messages for %zu steps", steps_seen,
	    nsteps);
	json_decref(p);
}

/* Every step of the result succeeded or was skipped (an only_if that did not apply). */
static void
assert_steps_done(const json_t *res)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(res, "steps"), i, s) {
		const char *st = svx_str(s, "status");

		ck_assert_msg(st != NULL && (strcmp(st, "succeeded") == 0 ||
		    strcmp(st, "skipped") == 0), "step %zu: %s %s", i + 1, st ? st : "?",
		    svx_str(s, "error") ? svx_str(s, "error") : "");
	}
	json_array_foreach(json_object_get(res, "checkpoints"), i, s)
		ck_assert_msg(json_is_true(json_object_get(s, "healthy")), "checkpoint %s "
		    "not healthy", svx_str(s, "layer"));
}

static void
assert_node_fixed(struct sim *s, const char *name)
{
	char path[256];
	json_t *n;
	const json_t *tt;
	size_t i;

	snprintf(path, sizeof(path), "/api/v1/nodes/%s", name);
	n = svx_get_ok(s, path);
	ck_assert_msg(!json_is_true(svx_at(n, "spec.unschedulable")), "%s cordoned", name);
	ck_assert_str_eq(svx_cond(n, "Ready"), "True");
	ck_assert_msg(svx_cond(n, "MemoryPressure") == NULL ||
	    strcmp(svx_cond(n, "MemoryPressure"), "False") == 0, "%s under pressure", name);
	ck_assert_msg(svx_cond(n, "NetworkUnavailable") == NULL ||
	    strcmp(svx_cond(n, "NetworkUnavailable"), "False") == 0,
	    "%s network unavailable", name);
	json_array_foreach(svx_at(n, "spec.taints"), i, tt) {
		const char *k = svx_str(tt, "key");

		ck_assert_msg(k == NULL || (strcmp(k, "node.kubernetes.io/unschedulable") != 0 &&
		    strcmp(k, "node.kubernetes.io/memory-pressure") != 0 &&
		    strcmp(k, "node.kubernetes.io/not-ready") != 0), "%s still tainted %s",
		    name, k);
	}
	json_decref(n);
}

static void
assert_pods_ready(struct sim *s, const char *ns, const char *key, const char *value)
{
	int total = 0, ready = svx_pods_ready(s, ns, key, value, &total);

	ck_assert_msg(total > 0, "no pods in %s", ns);
	ck_assert_msg(ready == total, "%s: %d of %d pods Running and Ready", ns, ready, total);
}

/* Runs the whole seed flow and returns the execution result (new reference). */
static json_t *
seed_run(struct svctest *t, const char *scenario, const char *options)
{
	json_t *plan, *res;

	svctest_start(t, scenario, SCALE);
	svx_initialize(t, "{}");
	plan = svx_detect_plan(t, 2, options);
	res = svx_execute(t, 10, plan, "seed", RUN_MS);
	ck_assert_msg(strcmp(svx_str(res, "status"), "succeeded") == 0, "%s: %s — %s",
	    scenario, svx_str(res, "status"), json_dumps(res, JSON_COMPACT));
	assert_steps_done(res);
	assert_progress(t, "seed", 10, json_array_size(json_object_get(plan, "steps")));
	json_decref(plan);
	return json_incref(res);
}

/* 01: drain the pressured node; it is schedulable again, payments serves, Argo CD green. */
START_TEST(seed_01_node_pressure)
{
	struct svctest t;
	json_t *res, *app;

	res = seed_run(&t, SC1, "{\"delete_unready_pods\": true}");
	assert_node_fixed(t.sim, "worker-2");
	assert_pods_ready(t.sim, "payments", "app", "payments");
	app = svx_get_ok(t.sim, "/apis/argoproj.io/v1alpha1/namespaces/openshift-gitops/"
	    "applications/payments");
	ck_assert_str_eq(svx_str(app, "status.sync.status"), "Synced");
	ck_assert_str_eq(svx_str(app, "status.health.status"), "Healthy");
	json_decref(app);
	json_decref(res);
	svctest_stop(&t);
}
END_TEST

/*
 * 02: the MachineConfig that broke orders is removed, the pool rolls back to the config
 * it had (same content, same rendered name) on every machine, orders runs again.
 */
START_TEST(seed_02_mco_rollout)
{
	struct svctest t;
	json_t *res, *mc, *pool, *nodes, *n;
	long http = 0;
	const char *target;
	size_t i;
	int workers = 0;

	res = seed_run(&t, SC2, NULL);
	mc = svx_get(t.sim, "/apis/machineconfiguration.openshift.io/v1/machineconfigs/"
	    "99-worker-kernel-rt-tuning", &http);
	ck_assert_int_eq(http, 404);
	json_decref(mc);
	pool = svx_get_ok(t.sim, "/apis/machineconfiguration.openshift.io/v1/"
	    "machineconfigpools/worker");
	target = svx_str(pool, "spec.configuration.name");
	ck_assert_str_eq(target, "rendered-worker-0a1b2c");
	ck_assert_str_eq(svx_str(pool, "status.configuration.name"), target);
	ck_assert(!json_is_true(svx_at(pool, "spec.paused")));
	ck_assert_str_eq(svx_cond(pool, "Updated"), "True");
	ck_assert_str_eq(svx_cond(pool, "Degraded"), "False");
	ck_assert_int_eq(json_integer_value(svx_at(pool, "status.machineCount")), 4);
	ck_assert_int_eq(json_integer_value(svx_at(pool, "status.updatedMachineCount")), 4);
	ck_assert_int_eq(json_integer_value(svx_at(pool, "status.readyMachineCount")), 4);
	nodes = svx_get_ok(t.sim, "/api/v1/nodes?labelSelector=node-role.kubernetes.io%2F"
	    "worker");
	json_array_foreach(json_object_get(nodes, "items"), i, n) {
		const json_t *ann = svx_at(n, "metadata.annotations");

		workers++;
		ck_assert_str_eq(json_string_value(json_object_get(ann,
		    "machineconfiguration.openshift.io/currentConfig")), target);
		ck_assert_str_eq(json_string_value(json_object_get(ann,
		    "machineconfiguration.openshift.io/desiredConfig")), target);
		ck_assert_str_eq(json_string_value(json_object_get(ann,
		    "machineconfiguration.openshift.io/state")), "Done");
		assert_node_fixed(t.sim, svx_str(n, "metadata.name"));
	}
	ck_assert_int_eq(workers, 4);
	assert_pods_ready(t.sim, "orders", "app", "orders");
	json_decref(nodes);
	json_decref(pool);
	json_decref(res);
	svctest_stop(&t);
}
END_TEST

/* 03: both workers rebooted back onto the network; the operator and OVN are healthy. */
START_TEST(seed_03_network)
{
	struct svctest t;
	json_t *res, *co;

	res = seed_run(&t, SC3, NULL);
	assert_node_fixed(t.sim, "worker-1");
	assert_node_fixed(t.sim, "worker-2");
	co = svx_get_ok(t.sim, "/apis/config.openshift.io/v1/clusteroperators/network");
	ck_assert_str_eq(svx_cond(co, "Available"), "True");
	ck_assert_str_eq(svx_cond(co, "Degraded"), "False");
	json_decref(co);
	assert_pods_ready(t.sim, "openshift-ovn-kubernetes", NULL, NULL);
	json_decref(res);
	svctest_stop(&t);
}
END_TEST

/*
 * A dry run of a real plan changes nothing: every object of every kind the server lists
 * (discovery) has the resourceVersion it had, none appeared or vanished; the result says
 * what each step would do.
 */
static void
dry_run_changes_nothing(const char *scenario, const char *options)
{
	struct svctest t;
	json_t *plan, *before, *after, *args, *r, *sc, *s;
	char *d;
	size_t i;

	svctest_start(&t, scenario, SCALE);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, options);
	before = svx_settled(&t, 60000);
	ck_assert_int_gt(json_object_size(before), 50);
	args = json_pack("{s:s, s:b}", "plan_id", svx_str(plan, "plan_id"), "dry_run", 1);
	svx_call_start(&t, 10, "execute_plan", args, NULL);
	json_decref(args);
	r = svx_result(&t, 10, RUN_MS);
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "%s", svx_text(r));
	sc = json_object_get(r, "structuredContent");
	svctest_assert_schema("execute_plan.output", sc);
	ck_assert_str_eq(svx_str(sc, "status"), "dry_run");
	ck_assert_int_eq(json_array_size(json_object_get(sc, "steps")),
	    json_array_size(json_object_get(plan, "steps")));
	json_array_foreach(json_object_get(sc, "steps"), i, s)
		ck_assert_msg(svx_str(s, "status") != NULL && strncmp(svx_str(s, "status"),
		    "would_", 6) == 0, "dry-run step %zu: %s", i + 1, svx_str(s, "status"));
	after = svx_snapshot(t.sim);
	d = svx_snapshot_diff(before, after);
	ck_assert_msg(d[0] == '\0', "%s: the dry run changed %s", scenario, d);
	free(d);
	json_decref(before);
	json_decref(after);
	json_decref(plan);
	svctest_stop(&t);
}

START_TEST(dry_run_01)
{
	dry_run_changes_nothing(SC1, "{\"delete_unready_pods\": true}");
}
END_TEST

START_TEST(dry_run_03)
{
	dry_run_changes_nothing(SC3, NULL);
}
END_TEST

static Suite *
service_exec_suite(void)
{
	Suite *s = suite_create("coord_service_exec");
	TCase *tc = tcase_create("seeds");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, seed_01_node_pressure);
	tcase_add_test(tc, seed_02_mco_rollout);
	tcase_add_test(tc, seed_03_network);
	suite_add_tcase(s, tc);
	tc = tcase_create("dry_run");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, dry_run_01);
	tcase_add_test(tc, dry_run_03);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(service_exec_suite)
