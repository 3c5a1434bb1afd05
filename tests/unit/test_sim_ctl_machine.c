/*
 * strata-sim controllers: deleting a Machine drains and removes its Node, and the
 * MachineSet replaces it with a new Machine and a new Node.  Fixture
 * tests/sim-fixtures/ctl-machine.json (MachineSet ocp-worker-a, 2 machines with nodes).
 */
#include <stdlib.h>

#include "testutil.h"
#include "test_sim_ctl_util.h"

#define FIXTURE	"tests/sim-fixtures/ctl-machine.json"
#define NS	"openshift-machine-api"

static bool
cart_ready(struct sim *s, const void *arg)
{
	struct ctl_test_count c = ctl_test_pods(s, "shop", "app=cart", NULL);

	(void)arg;
	return c.total == 2 && c.ready == 2;
}

static bool
old_gone(struct sim *s, const void *arg)
{
	json_t *m = ctl_test_get(s, SIM_RT_MACHINE, NS, "ocp-worker-a-1");
	json_t *n = ctl_test_get(s, SIM_RT_NODE, "", "ocp-worker-a-1");
	bool ok = m == NULL && n == NULL;

	(void)arg;
	json_decref(m);
	json_decref(n);
	return ok;
}

static int
new_machine(const struct sim_obj *o, void *arg)
{
	if (strcmp(o->name, "ocp-worker-a-1") != 0 && strcmp(o->name, "ocp-worker-a-2") != 0) {
		snprintf(arg, 256, "%s", o->name);
		return 1;
	}
	return 0;
}

static bool
replaced(struct sim *s, const void *arg)
{
	char name[256] = "";
	json_t *m, *n = NULL, *ms;
	bool ok;

	(void)arg;
	sim_lock(s);
	sim_store_foreach(s, sim_rt(SIM_RT_MACHINE), NS, NULL, new_machine, name);
	sim_unlock(s);
	if (name[0] == '\0')
		return false;
	m = ctl_test_get(s, SIM_RT_MACHINE, NS, name);
	if (ctl_test_str(m, "status.nodeRef.name"))
		n = ctl_test_get(s, SIM_RT_NODE, "", ctl_test_str(m, "status.nodeRef.name"));
	ms = ctl_test_get(s, SIM_RT_MACHINESET, NS, "ocp-worker-a");
	ok = m && n && strcmp(ctl_test_str(m, "status.phase"), "Running") == 0 &&
	    json_string_value(json_object_get(json_object_get(json_object_get(n, "metadata"),
	    "labels"), "topology.kubernetes.io/zone")) != NULL &&
	    ctl_test_int(ms, "status.readyReplicas") == 2 &&
	    ctl_test_int(ms, "status.replicas") == 2;
	json_decref(m);
	json_decref(n);
	json_decref(ms);
	return ok;
}

START_TEST(test_machine_delete_is_replaced)
{
	struct sim *s = ctl_test_start(FIXTURE);
	json_t *m;

	ck_assert(ctl_test_wait(s, cart_ready, NULL));
	ck_assert_int_eq(ctl_test_delete(s, SIM_RT_MACHINE, NS, "ocp-worker-a-1"), 0);
	/* the finalizer holds it while the node drains */
	m = ctl_test_get(s, SIM_RT_MACHINE, NS, "ocp-worker-a-1");
	if (m != NULL)
		ck_assert_ptr_nonnull(json_object_get(json_object_get(m, "metadata"),
		    "deletionTimestamp"));
	json_decref(m);
	ck_assert(ctl_test_wait(s, old_gone, NULL));
	ck_assert(ctl_test_wait(s, replaced, NULL));
	ck_assert(ctl_test_wait(s, cart_ready, NULL));
	{
		struct ctl_test_count c = ctl_test_pods(s, "shop", "app=cart",
		    "spec.nodeName=ocp-worker-a-1");

		ck_assert_uint_eq(c.total, 0);
	}
	sim_stop(s);
}
END_TEST

static Suite *
sim_ctl_machine_suite(void)
{
	Suite *su = suite_create("sim_ctl_machine");
	TCase *tc = tcase_create("machine");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_machine_delete_is_replaced);
	suite_add_tcase(su, tc);
	return su;
}

STRATA_TEST_MAIN(sim_ctl_machine_suite)
