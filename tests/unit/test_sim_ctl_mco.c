/*
 * strata-sim controllers: MachineConfigPool rollout and rollback through the node
 * daemon (cordon, drain, reboot, uncordon), one node at a time, spec.paused honoured,
 * fail-apply → Degraded.  Fixture tests/sim-fixtures/ctl-mco.json: three workers on
 * rendered-worker-5f0c…, a pool with maxUnavailable 1, a 2-replica Deployment with a PDB.
 */
#include <stdlib.h>

#include "testutil.h"
#include "test_sim_ctl_util.h"

#define FIXTURE	"tests/sim-fixtures/ctl-mco.json"
#define BASE	"rendered-worker-5f0c3b1d7a2e4c69b8d1e0f2a3b4c5d6"
#define ANN	"machineconfiguration.openshift.io/"

static const char *
ann(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(o, "metadata"),
	    "annotations"), key));
}

/* Pool converged on a config other than (arg == NULL) or equal to arg. */
static bool
pool_done(struct sim *s, const void *arg)
{
	json_t *p = ctl_test_get(s, SIM_RT_MACHINECONFIGPOOL, "", "worker");
	const char *target = ctl_test_str(p, "spec.configuration.name");
	const char *upd = ctl_test_cond(p, "Updated", NULL);
	bool ok = target && upd && strcmp(upd, "True") == 0 &&
	    ctl_test_int(p, "status.updatedMachineCount") == 3 &&
	    ctl_test_int(p, "status.readyMachineCount") == 3 &&
	    ctl_test_str(p, "status.configuration.name") &&
	    strcmp(ctl_test_str(p, "status.configuration.name"), target) == 0 &&
	    (arg ? strcmp(target, arg) == 0 : strcmp(target, BASE) != 0);

	json_decref(p);
	return ok;
}

static int unsched_max;

static bool
pool_done_watch(struct sim *s, const void *arg)
{
	static const char *names[] = { "worker-a", "worker-b", "worker-c" };
	int n = 0;
	size_t i;

	json_t *node[3];

	/* One snapshot of the three nodes (one lock): read one at a time, a hand-off
	 * between two nodes could be counted twice. */
	sim_lock(s);
	for (i = 0; i < 3; i++)
		node[i] = sim_store_get(s, sim_rt(SIM_RT_NODE), "", names[i]);
	sim_unlock(s);
	for (i = 0; i < 3; i++) {
		const char *r = ctl_test_cond(node[i], "Ready", NULL);

		if (json_is_true(json_object_get(json_object_get(node[i], "spec"),
		    "unschedulable")) || (r && strcmp(r, "True") != 0))
			n++;
		json_decref(node[i]);
	}
	if (n > unsched_max)
		unsched_max = n;
	return pool_done(s, arg);
}

static bool
api_ready(struct sim *s, const void *arg)
{
	struct ctl_test_count c = ctl_test_pods(s, "shop", "app=api", NULL);

	(void)arg;
	return c.total == 2 && c.ready == 2;
}

START_TEST(test_mco_rollout_and_rollback)
{
	struct sim *s = ctl_test_start(FIXTURE);
	json_t *p, *n;
	char target[128];

	ck_assert(ctl_test_wait(s, api_ready, NULL));
	unsched_max = 0;
	ctl_test_create(s, SIM_RT_MACHINECONFIG, "", "{\"apiVersion\":"
	    "\"machineconfiguration.openshift.io/v1\",\"kind\":\"MachineConfig\","
	    "\"metadata\":{\"name\":\"50-kargs\",\"labels\":{\"machineconfiguration.openshift.io/"
	    "role\":\"worker\"}},\"spec\":{\"kernelArguments\":[\"audit=0\"]}}");
	ck_assert(ctl_test_wait(s, pool_done_watch, NULL));
	ck_assert_int_eq(unsched_max, 1);		/* maxUnavailable 1: one node at a time */
	p = ctl_test_get(s, SIM_RT_MACHINECONFIGPOOL, "", "worker");
	snprintf(target, sizeof(target), "%s", ctl_test_str(p, "spec.configuration.name"));
	json_decref(p);
	ck_assert(strncmp(target, "rendered-worker-", 16) == 0);
	p = ctl_test_get(s, SIM_RT_MACHINECONFIG, "", target);
	ck_assert_ptr_nonnull(p);			/* the rendered config exists */
	json_decref(p);
	n = ctl_test_get(s, SIM_RT_NODE, "", "worker-b");
	ck_assert_str_eq(ann(n, ANN "currentConfig"), target);
	ck_assert_str_eq(ann(n, ANN "state"), "Done");
	ck_assert_str_ne(ctl_test_str(n, "status.nodeInfo.bootID"), "boot-worker-b");
	ck_assert_str_eq(ctl_test_cond(n, "MemoryPressure", NULL), "False");	/* cleared */
	ck_assert_ptr_null(json_object_get(json_object_get(n, "spec"), "unschedulable"));
	json_decref(n);
	ck_assert(ctl_test_wait(s, api_ready, NULL));	/* drained pods came back */

	/* rollback: delete the MachineConfig → the original rendered name, rolled again */
	ck_assert_int_eq(ctl_test_delete(s, SIM_RT_MACHINECONFIG, "", "50-kargs"), 0);
	ck_assert(ctl_test_wait(s, pool_done, BASE));
	n = ctl_test_get(s, SIM_RT_NODE, "", "worker-a");
	ck_assert_str_eq(ann(n, ANN "currentConfig"), BASE);
	json_decref(n);
	sim_stop(s);
}
END_TEST

static bool
node_degraded(struct sim *s, const void *arg)
{
	json_t *p = ctl_test_get(s, SIM_RT_MACHINECONFIGPOOL, "", "worker");
	const char *d = ctl_test_cond(p, "Degraded", NULL);
	bool ok = d && strcmp(d, "True") == 0 && ctl_test_int(p, "status.degradedMachineCount") == 1;

	(void)arg;
	json_decref(p);
	return ok;
}

START_TEST(test_mco_paused_and_degraded)
{
	struct sim *s = ctl_test_start(FIXTURE);
	json_t *n;
	size_t i;

	ctl_test_patch(s, SIM_RT_MACHINECONFIGPOOL, "", "worker", SIM_PATCH_MERGE,
	    "{\"spec\":{\"paused\":true}}");
	ctl_test_create(s, SIM_RT_MACHINECONFIG, "", "{\"apiVersion\":"
	    "\"machineconfiguration.openshift.io/v1\",\"kind\":\"MachineConfig\","
	    "\"metadata\":{\"name\":\"60-broken\",\"labels\":{\"machineconfiguration.openshift.io/"
	    "role\":\"worker\"},\"annotations\":{\"sim.strata.dev/fail-apply\":"
	    "\"failed to update OS: rpm-ostree exited 1\"}},\"spec\":{}}");
	for (i = 0; i < 30; i++) {	/* 30 × 20 ms × 200 = 2 simulated minutes */
		ctl_test_sleep(20);
		n = ctl_test_get(s, SIM_RT_NODE, "", "worker-a");
		ck_assert_str_eq(ann(n, ANN "desiredConfig"), BASE);
		json_decref(n);
	}
	n = ctl_test_get(s, SIM_RT_MACHINECONFIGPOOL, "", "worker");
	ck_assert_str_eq(ctl_test_cond(n, "Updated", NULL), "False");
	ck_assert_str_eq(ctl_test_cond(n, "Updating", NULL), "False");
	json_decref(n);

	ctl_test_patch(s, SIM_RT_MACHINECONFIGPOOL, "", "worker", SIM_PATCH_MERGE,
	    "{\"spec\":{\"paused\":false}}");
	ck_assert(ctl_test_wait(s, node_degraded, NULL));
	/* deleting the broken config rolls the degraded node back to what it runs */
	ck_assert_int_eq(ctl_test_delete(s, SIM_RT_MACHINECONFIG, "", "60-broken"), 0);
	ck_assert(ctl_test_wait(s, pool_done, BASE));
	sim_stop(s);
}
END_TEST

static Suite *
sim_ctl_mco_suite(void)
{
	Suite *su = suite_create("sim_ctl_mco");
	TCase *tc = tcase_create("mco");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mco_rollout_and_rollback);
	tcase_add_test(tc, test_mco_paused_and_degraded);
	suite_add_tcase(su, tc);
	return su;
}

STRATA_TEST_MAIN(sim_ctl_mco_suite)
