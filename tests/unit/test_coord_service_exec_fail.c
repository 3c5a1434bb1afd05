/*
 * When things go wrong, through the MCP server against strata-sim (in process): a
 * checkpoint that never turns healthy rolls back to the recorded before-state (compared
 * object by object with what the test read before the plan ran), faults mid-run are
 * retried or rolled back but never leave a half-applied plan, a cancelled run stops and
 * rolls back, and a second plan on the same targets is refused while the first runs.
 */
#include "svctest_exec.h"
#include "testutil.h"

#define SC1	"examples/scenarios/01-node-memory-pressure-argocd.json"
#define SC2	"examples/scenarios/02-mco-rollout-app-degradation.json"
#define SC5	"examples/scenarios/05-app-only-crashloop.json"
#define RUN_MS	120000u

#define MC_PATH	"/apis/machineconfiguration.openshift.io/v1/machineconfigs/" \
		"99-worker-kernel-rt-tuning"
#define POOL_PATH "/apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker"
#define NODE2	"/api/v1/nodes/worker-2"
#define TICKETS	"/apis/apps/v1/namespaces/tickets/deployments/tickets-api"

/*
 * A variant of a scenario: the object `kind`/`name` gets annotation `key`=`value`.
 * Written to a new temp file whose path is returned in `path`.
 */
static void
scenario_variant(const char *scenario, const char *kind, const char *name,
    const char *key, const char *value, char path[64])
{
	json_t *l = json_load_file(scenario, 0, NULL), *it;
	size_t i;
	int fd, found = 0;

	ck_assert_ptr_nonnull(l);
	json_array_foreach(json_object_get(l, "items"), i, it) {
		json_t *md = json_object_get(it, "metadata"), *ann;

		if (strcmp(svx_str(it, "kind"), kind) != 0 ||
		    strcmp(svx_str(it, "metadata.name"), name) != 0)
			continue;
		if ((ann = json_object_get(md, "annotations")) == NULL) {
			ann = json_object();
			json_object_set_new(md, "annotations", ann);
		}
		json_object_set_new(ann, key, json_string(value));
		found++;
	}
	ck_assert_int_eq(found, 1);
	snprintf(path, 64, "/tmp/strata-variant-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(json_dump_file(l, path, JSON_COMPACT), 0);
	json_decref(l);
}

/* Fails unless the objects hold the same value at each dotted path. */
static void
assert_same(const json_t *before, const json_t *after, const char *what,
    const char *const *paths)
{
	for (; *paths != NULL; paths++) {
		const json_t *a = svx_at(before, *paths), *b = svx_at(after, *paths);
		char *ta = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		char *tb = b ? json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		ck_assert_msg((a == NULL && b == NULL) || (a != NULL && b != NULL &&
		    json_equal(a, b)), "%s %s: before %.300s, after %.300s", what, *paths,
		    ta ? ta : "(absent)", tb ? tb : "(absent)");
		free(ta);
		free(tb);
	}
}

/* rollback_plan by plan_id confirmed by hash: result structuredContent (borrowed). */
static json_t *
rollback(struct svctest *t, json_int_t id, const json_t *plan)
{
	json_t *args = json_pack("{s:s, s:s}", "plan_id", svx_str(plan, "plan_id"),
	    "confirm", svx_str(plan, "hash")), *r, *sc;

	svx_call_start(t, id, "rollback_plan", args, NULL);
	json_decref(args);
	r = svx_result(t, id, RUN_MS);
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "rollback_plan: %s",
	    svx_text(r));
	sc = json_object_get(r, "structuredContent");
	svctest_assert_schema("rollback_plan.output", sc);
	return sc;
}

/* The execution's journal agrees with the result: same status, readable while it ran. */
static void
assert_journal(struct svctest *t, json_int_t id, const json_t *res)
{
	char uri[128];
	json_t *ex;

	snprintf(uri, sizeof(uri), "strata://executions/%s", svx_str(res, "execution_id"));
	ex = svx_resource(t, id, uri);
	ck_assert_str_eq(svx_str(ex, "status"), svx_str(res, "status"));
	json_decref(ex);
}

/* ---- a checkpoint that never turns healthy ------------------------------------------ */

/*
 * 05: every pod of tickets-api crashes whatever the template, so the restart's rollout
 * never completes: the run rolls back and the Deployment's template and replicas are
 * exactly as before; a second rollback finds nothing to do.
 */
START_TEST(rollback_restores_deployment)
{
	static const char *const fields[] = { "spec.template", "spec.replicas",
	    "spec.paused", "spec.strategy", NULL };
	struct svctest t;
	json_t *plan, *before, *after, *res, *rb;

	svctest_start(&t, SC5, 400.0);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, NULL);
	before = svx_get_ok(t.sim, TICKETS);
	res = svx_execute(&t, 10, plan, NULL, RUN_MS);
	ck_assert_msg(strcmp(svx_str(res, "status"), "rolled_back") == 0, "status %s: %s",
	    svx_str(res, "status"), json_dumps(res, JSON_COMPACT));
	ck_assert_str_eq(svx_str(res, "rollback.status"), "rolled_back");
	assert_journal(&t, 11, res);
	after = svx_get_ok(t.sim, TICKETS);
	assert_same(before, after, "Deployment tickets/tickets-api", fields);
	rb = rollback(&t, 12, plan);
	ck_assert_str_eq(svx_str(rb, "status"), "nothing_to_roll_back");
	json_decref(after);
	after = svx_get_ok(t.sim, TICKETS);
	assert_same(before, after, "Deployment tickets/tickets-api", fields);
	json_decref(after);
	json_decref(before);
	json_decref(plan);
	svctest_stop(&t);
}
END_TEST

/*
 * 01, but worker-2 stays under memory pressure while its DaemonSet pods run: the drain
 * cannot relieve it, wait_node_healthy times out, and the node is schedulable again as
 * it was (cordon and drain compensated).
 */
START_TEST(rollback_restores_node)
{
	static const char *const fields[] = { "spec.unschedulable", NULL };
	struct svctest t;
	char path[64];
	json_t *plan, *before, *after, *res;
	const json_t *s;
	size_t i;

	scenario_variant(SC1, "Node", "worker-2", "sim.strata.dev/memory-pressure-above", "1",
	    path);
	svctest_start(&t, path, 400.0);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, "{\"delete_unready_pods\": true}");
	before = svx_get_ok(t.sim, NODE2);
	res = svx_execute(&t, 10, plan, NULL, RUN_MS);
	ck_assert_msg(strcmp(svx_str(res, "status"), "rolled_back") == 0, "status %s: %s",
	    svx_str(res, "status"), json_dumps(res, JSON_COMPACT));
	json_array_foreach(svx_at(res, "rollback.steps"), i, s)
		ck_assert_msg(strcmp(svx_str(s, "status"), "succeeded") == 0, "compensation "
		    "%s: %s", svx_str(s, "action"), svx_str(s, "status"));
	after = svx_get_ok(t.sim, NODE2);
	assert_same(before, after, "Node worker-2", fields);
	ck_assert(!json_is_true(svx_at(after, "spec.unschedulable")));
	json_decref(after);
	json_decref(before);
	json_decref(plan);
	svctest_stop(&t);
	unlink(path);
}
END_TEST

/* The MachineConfig and the pool as the MCO plan changes them, read now. */
static void
read_mco(struct sim *s, json_t **mc, json_t **pool, long *mc_http)
{
	*mc = svx_get(s, MC_PATH, mc_http);
	*pool = svx_get_ok(s, POOL_PATH);
}

static void
assert_mco_before(struct sim *s, const json_t *mc0, const json_t *pool0)
{
	static const char *const mc_fields[] = { "spec", "metadata.labels",
	    "metadata.annotations", NULL };
	static const char *const pool_fields[] = { "spec.paused", "spec.configuration.name",
	    "spec.machineConfigSelector", "spec.maxUnavailable", NULL };
	json_t *mc, *pool;
	long http = 0;

	read_mco(s, &mc, &pool, &http);
	ck_assert_msg(http == 200, "MachineConfig not restored (HTTP %ld)", http);
	assert_same(mc0, mc, "MachineConfig 99-worker-kernel-rt-tuning", mc_fields);
	assert_same(pool0, pool, "MachineConfigPool worker", pool_fields);
	json_decref(mc);
	json_decref(pool);
}

/* The plan's outcome on the MCO objects: fixed (true) or exactly as before (false). */
static bool
assert_mco_fixed_or_before(struct sim *s, const json_t *mc0, const json_t *pool0,
    const char *status)
{
	json_t *mc, *pool;
	long http = 0;

	if (strcmp(status, "succeeded") != 0) {
		ck_assert_msg(strcmp(status, "rolled_back") == 0 || strcmp(status, "failed") == 0,
		    "status %s", status);
		assert_mco_before(s, mc0, pool0);
		return false;
	}
	read_mco(s, &mc, &pool, &http);
	ck_assert_int_eq(http, 404);
	ck_assert(!json_is_true(svx_at(pool, "spec.paused")));
	ck_assert_str_eq(svx_str(pool, "spec.configuration.name"), "rendered-worker-0a1b2c");
	ck_assert_str_eq(svx_str(pool, "status.configuration.name"), "rendered-worker-0a1b2c");
	ck_assert_str_eq(svx_cond(pool, "Updated"), "True");
	json_decref(mc);
	json_decref(pool);
	return true;
}

/*
 * 02, but worker-0 never comes back from its reboot: the MCO rollout cannot finish,
 * wait_mco_rollout times out, and the rollback recreates the MachineConfig exactly and
 * leaves the pool unpaused on the configuration it had.
 */
START_TEST(rollback_restores_machineconfig)
{
	struct svctest t;
	char path[64];
	json_t *plan, *mc0, *pool0, *res;
	long http = 0;

	scenario_variant(SC2, "Node", "worker-0", "sim.strata.dev/reboot-duration", "1000h",
	    path);
	svctest_start(&t, path, 1000.0);
	svx_initialize(&t, "{}");
	svx_run_for(&t, 1500);		/* worker-2's update, caught mid-way, finishes */
	plan = svx_detect_plan(&t, 2, NULL);
	read_mco(t.sim, &mc0, &pool0, &http);
	ck_assert_int_eq(http, 200);
	res = svx_execute(&t, 10, plan, NULL, RUN_MS);
	ck_assert_msg(strcmp(svx_str(res, "status"), "rolled_back") == 0, "status %s: %s",
	    svx_str(res, "status"), json_dumps(res, JSON_COMPACT));
	assert_mco_before(t.sim, mc0, pool0);
	json_decref(mc0);
	json_decref(pool0);
	json_decref(plan);
	svctest_stop(&t);
	unlink(path);
}
END_TEST

/* ---- faults mid-run ---------------------------------------------------------------- */

/*
 * 02 with faults on the paths its steps use: `fault` from the start and, once a progress
 * message contains `needle`, `later`.  Whatever the faults, the plan either completes
 * (the client or the executor retried) or is rolled back to the before-state: never a
 * deleted MachineConfig with a paused pool, or a pool left half-way.
 */
static void
fault_run(const char *fault, const char *needle, const char *later, bool must_succeed)
{
	struct svctest t;
	json_t *plan, *mc0, *pool0, *res, *args, *r;
	long http = 0;
	char err[256];

	svctest_start(&t, SC2, 400.0);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, NULL);
	read_mco(t.sim, &mc0, &pool0, &http);
	ck_assert_int_eq(sim_fault_add(t.sim, fault, err, sizeof(err)), 0);
	args = svx_confirmed(plan);
	svx_call_start(&t, 10, "execute_plan", args, "f");
	json_decref(args);
	if (needle != NULL) {
		svx_wait_progress(&t, 10, "f", needle, RUN_MS);
		ck_assert_int_eq(sim_fault_add(t.sim, later, err, sizeof(err)), 0);
	}
	r = svx_result(&t, 10, RUN_MS);
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "%s", svx_text(r));
	res = json_object_get(r, "structuredContent");
	svctest_assert_schema("execute_plan.output", res);
	{
		/* every fault was hit: the run met them */
		json_t *f = svx_get_ok(t.sim, "/sim/faults");

		ck_assert_msg(json_array_size(json_object_get(f, "faults")) == 0,
		    "faults not met: %s", json_dumps(f, JSON_COMPACT));
		json_decref(f);
	}
	sim_fault_clear(t.sim);
	if (!assert_mco_fixed_or_before(t.sim, mc0, pool0, svx_str(res, "status")))
		ck_assert_msg(!must_succeed, "%s: not retried: %s", fault,
		    json_dumps(res, JSON_COMPACT));
	assert_journal(&t, 11, res);
	json_decref(mc0);
	json_decref(pool0);
	json_decref(plan);
	svctest_stop(&t);
}

/* Reads fail with 500 three times: GETs are retried, the plan completes. */
START_TEST(fault_500_on_reads)
{
	fault_run("method=GET,path=" POOL_PATH ",status=500,count=3", NULL, NULL, true);
}
END_TEST

/* The MachineConfig's DELETE fails with 500: rolled back (pool unpaused) or retried. */
START_TEST(fault_500_on_delete)
{
	fault_run("method=DELETE,path=" MC_PATH ",status=500,count=1", NULL, NULL, false);
}
END_TEST

/* The connection drops on the DELETE: no half-applied plan. */
START_TEST(fault_reset_on_delete)
{
	fault_run("method=DELETE,path=" MC_PATH ",reset,count=1", NULL, NULL, false);
}
END_TEST

/* The pause conflicts (409): no half-applied plan. */
START_TEST(fault_409_on_pool)
{
	fault_run("path=" POOL_PATH ",conflict,count=1", NULL, NULL, false);
}
END_TEST

/* The unpause conflicts (409) after the deletion: retried, or the MachineConfig is back. */
START_TEST(fault_409_after_delete)
{
	fault_run("method=DELETE,path=" MC_PATH ",latency_ms=1500,count=1", "step 2/",
	    "path=" POOL_PATH ",conflict,count=1", false);
}
END_TEST

/*
 * The unpause is refused (500) after the MachineConfig was deleted: the slow DELETE
 * leaves time to arm the fault once step 2 has begun.  The MachineConfig must come back
 * and the pool must not stay paused.
 */
START_TEST(fault_500_after_delete)
{
	fault_run("method=DELETE,path=" MC_PATH ",latency_ms=1500,count=1", "step 2/",
	    "method=PATCH,path=" POOL_PATH ",status=500,count=1", false);
}
END_TEST

/* The connection drops on the unpause, after the deletion: the same. */
START_TEST(fault_reset_after_delete)
{
	fault_run("method=DELETE,path=" MC_PATH ",latency_ms=1500,count=1", "step 2/",
	    "method=PATCH,path=" POOL_PATH ",reset,count=1", false);
}
END_TEST

/* ---- cancellation and conflicts ---------------------------------------------------- */

/*
 * 02, cancelled (notifications/cancelled) while the MCO rolls the corrected config out:
 * the run stops at a safe point and rolls back; the call gets no response (the client
 * abandoned it); the journal says cancelled and the MCO objects are as before.
 */
START_TEST(cancel_rolls_back)
{
	struct svctest t;
	json_t *plan, *mc0, *pool0, *args, *ex, *m;
	json_int_t id = 100;
	long http = 0;
	size_t i;

	svctest_start(&t, SC2, 120.0);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, NULL);
	read_mco(t.sim, &mc0, &pool0, &http);
	args = svx_confirmed(plan);
	svx_call_start(&t, 10, "execute_plan", args, "c");
	json_decref(args);
	svx_wait_progress(&t, 10, "c", "step 4/", RUN_MS);
	svx_cancel(&t, 10, "the user changed their mind");
	ex = svx_execution_of(&t, &id, svx_str(plan, "plan_id"), RUN_MS);
	ck_assert_msg(ex != NULL, "the cancelled execution never finished");
	ck_assert_msg(strcmp(svx_str(ex, "status"), "cancelled") == 0, "status %s: %s",
	    svx_str(ex, "status"), json_dumps(ex, JSON_COMPACT));
	assert_mco_before(t.sim, mc0, pool0);
	svx_run_for(&t, 200);
	json_array_foreach(t.out, i, m)
		ck_assert_msg(!(json_integer_value(json_object_get(m, "id")) == 10 &&
		    json_object_get(m, "method") == NULL), "a response to the cancelled call");
	json_decref(ex);
	json_decref(mc0);
	json_decref(pool0);
	json_decref(plan);
	svctest_stop(&t);
}
END_TEST

/* True when `msg` names the kind and name of one of the plan's step targets. */
static bool
names_a_target(const json_t *plan, const char *msg)
{
	const json_t *st;
	size_t i;

	json_array_foreach(json_object_get(plan, "steps"), i, st) {
		const char *k = svx_str(st, "target.kind"), *n = svx_str(st, "target.name");

		if (k != NULL && n != NULL && strstr(msg, k) != NULL && strstr(msg, n) != NULL)
			return true;
	}
	return false;
}

/*
 * Two plans for the same incident (same targets): while the first runs, the second is
 * refused with a message naming the target and the execution that holds it; the first
 * completes undisturbed.
 */
START_TEST(conflicting_plans_refused)
{
	struct svctest t;
	json_t *a, *b, *args, *r, *res;
	const char *msg;

	svctest_start(&t, SC2, 120.0);
	svx_initialize(&t, "{}");
	a = svx_detect_plan(&t, 2, NULL);
	b = svx_detect_plan(&t, 4, NULL);
	ck_assert_str_ne(svx_str(a, "plan_id"), svx_str(b, "plan_id"));
	args = svx_confirmed(a);
	svx_call_start(&t, 10, "execute_plan", args, "a");
	json_decref(args);
	svx_wait_progress(&t, 10, "a", "step 1/", RUN_MS);
	args = svx_confirmed(b);
	r = svctest_call(&t, 20, "execute_plan", args, RUN_MS);
	json_decref(args);
	ck_assert_msg(json_is_true(json_object_get(r, "isError")), "second plan ran: %s",
	    json_dumps(r, JSON_COMPACT));
	msg = svx_text(r);
	res = svx_result(&t, 10, RUN_MS);
	ck_assert_str_eq(svx_str(res, "structuredContent.status"), "succeeded");
	ck_assert_msg(strstr(msg, svx_str(res, "structuredContent.execution_id")) != NULL,
	    "the refusal does not name the running execution: %s", msg);
	ck_assert_msg(names_a_target(b, msg), "the refusal does not name the contended "
	    "target: %s", msg);
	json_decref(a);
	json_decref(b);
	svctest_stop(&t);
}
END_TEST

static Suite *
service_exec_fail_suite(void)
{
	Suite *s = suite_create("coord_service_exec_fail");
	TCase *tc = tcase_create("rollback");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, rollback_restores_deployment);
	tcase_add_test(tc, rollback_restores_node);
	tcase_add_test(tc, rollback_restores_machineconfig);
	suite_add_tcase(s, tc);
	tc = tcase_create("faults");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, fault_500_on_reads);
	tcase_add_test(tc, fault_500_on_delete);
	tcase_add_test(tc, fault_reset_on_delete);
	tcase_add_test(tc, fault_409_on_pool);
	tcase_add_test(tc, fault_409_after_delete);
	tcase_add_test(tc, fault_500_after_delete);
	tcase_add_test(tc, fault_reset_after_delete);
	suite_add_tcase(s, tc);
	tc = tcase_create("cancel_conflict");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, cancel_rolls_back);
	tcase_add_test(tc, conflicting_plans_refused);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(service_exec_fail_suite)
