/*
 * The planner's refusals: preflight (PodDisruptionBudget blocking, no capacity, emptyDir
 * and controller-less pods) with the allow_risk opt-in, and policy (protected namespaces,
 * control-plane nodes, max_unavailable_nodes, upgrade in progress, node storm).  Every
 * refusal must say why in words a human can act on.
 */
#include "testutil.h"
#include "test_coord_plan_util.h"

/* The seed's memory-pressure incident on worker-1, through the real detection. */
static json_t *
pressure_det(json_t **list)
{
	*list = fx_load("pressure.json");
	return fx_detect(*list);
}

START_TEST(t_pdb_blocks_drain)
{
	json_t *list, *det = pressure_det(&list), *plan, *d, *pdb;

	fx_set(fx_obj(list, "PodDisruptionBudget", "shop", "web-pdb"),
	    "status.disruptionsAllowed", json_integer(0));
	fx_set(fx_obj(list, "PodDisruptionBudget", "shop", "web-pdb"),
	    "status.currentHealthy", json_integer(2));
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "preflight"));
	ck_assert(fx_reason_has(plan, "PodDisruptionBudget shop/web-pdb"));
	ck_assert(fx_reason_has(plan, "allow_risk"));
	ck_assert(fx_risk(plan, "pdb_blocks_drain"));
	d = json_array_get(json_object_get(json_object_get(plan, "preflight"), "drains"), 0);
	pdb = json_array_get(json_object_get(d, "pdbs"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(pdb, "verdict")), "blocking");
	ck_assert(json_is_false(json_object_get(json_object_get(plan, "preflight"),
	    "feasible")));
	/* The steps stay visible, and the refused plan still has a verifiable hash. */
	ck_assert_int_eq(fx_count_action(plan, "drain"), 1);
	json_decref(plan);

	plan = fx_plan(det, list, "{\"allow_risk\": true}");
	ck_assert(!fx_refused(plan));
	ck_assert(fx_risk(plan, "pdb_blocks_drain"));
	json_decref(plan);

	/* A budget that allows fewer disruptions than evictions only serializes them. */
	fx_set(fx_obj(list, "PodDisruptionBudget", "shop", "web-pdb"),
	    "status.disruptionsAllowed", json_integer(1));
	fx_set(fx_obj(list, "PodDisruptionBudget", "shop", "web-pdb"), "spec.selector",
	    json_pack("{s:{s:s}}", "matchLabels", "pod-template-hash", "r2"));
	plan = fx_plan(det, list, NULL);
	ck_assert(!fx_refused(plan));
	ck_assert(fx_risk(plan, "pdb_serializes"));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

/* A budget already spent, whose only pod on the node is not Ready anyway. */
START_TEST(t_pdb_unready_pod)
{
	json_t *list, *det = pressure_det(&list), *plan, *pod;

	fx_set(fx_obj(list, "PodDisruptionBudget", "shop", "web-pdb"),
	    "status.disruptionsAllowed", json_integer(0));
	pod = fx_obj(list, "Pod", "shop", "web-r2-1");
	fx_cond(pod, "Ready", "False");
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_reason_has(plan, "delete_unready_pods"));
	json_decref(plan);
	plan = fx_plan(det, list, "{\"delete_unready_pods\": true}");
	ck_assert(!fx_refused(plan));
	ck_assert(fx_risk(plan, "pdb_bypassed_unready"));
	ck_assert(json_is_true(json_object_get(json_object_get(fx_find_action(plan, "drain"),
	    "params"), "delete_unready_pods")));
	json_decref(plan);
	/* The PDB's own AlwaysAllow policy lets the API evict it: nothing blocks. */
	fx_set(fx_obj(list, "PodDisruptionBudget", "shop", "web-pdb"),
	    "spec.unhealthyPodEvictionPolicy", json_string("AlwaysAllow"));
	plan = fx_plan(det, list, NULL);
	ck_assert(!fx_refused(plan));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_no_capacity)
{
	json_t *list, *det = pressure_det(&list), *plan, *cap;

	/* worker-0 and worker-2 are full: 4 pods of 1 Gi on 4 Gi each. */
	fx_set(fx_obj(list, "Node", NULL, "worker-0"), "status.allocatable.memory",
	    json_string("4Gi"));
	fx_set(fx_obj(list, "Node", NULL, "worker-2"), "status.allocatable.memory",
	    json_string("4Gi"));
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_risk(plan, "no_capacity"));
	ck_assert(fx_reason_has(plan, "would not fit"));
	cap = json_object_get(json_array_get(json_object_get(json_object_get(plan,
	    "preflight"), "drains"), 0), "capacity");
	ck_assert(json_is_false(json_object_get(cap, "fits")));
	ck_assert_uint_eq(json_array_size(json_object_get(cap, "unplaced")), 4);
	/* Control-plane nodes are tainted: the app pods may not go there. */
	json_decref(plan);
	plan = fx_plan(det, list, "{\"allow_risk\": true}");
	ck_assert(!fx_refused(plan));
	json_decref(plan);

	/* Memory back on worker-0 only: its CPU (1950 m free) takes 3 of the 4 pods. */
	fx_set(fx_obj(list, "Node", NULL, "worker-0"), "status.allocatable.memory",
	    json_string("16Gi"));
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	cap = json_object_get(json_array_get(json_object_get(json_object_get(plan,
	    "preflight"), "drains"), 0), "capacity");
	ck_assert_uint_eq(json_array_size(json_object_get(cap, "unplaced")), 1);
	json_decref(plan);
	/* Both back: feasible. */
	fx_set(fx_obj(list, "Node", NULL, "worker-2"), "status.allocatable.memory",
	    json_string("16Gi"));
	plan = fx_plan(det, list, NULL);
	ck_assert(!fx_refused(plan));
	ck_assert(json_is_true(json_object_get(json_object_get(plan, "preflight"),
	    "feasible")));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_local_storage_and_unmanaged)
{
	json_t *list, *det = pressure_det(&list), *plan, *p;

	p = json_deep_copy(fx_obj(list, "Pod", "shop", "web-r2-1"));
	fx_set(p, "metadata.name", json_string("scratch"));
	json_object_del(json_object_get(p, "metadata"), "ownerReferences");
	fx_set(p, "spec.volumes", json_pack("[{s:s, s:{}}]", "name", "tmp", "emptyDir"));
	json_array_append_new(json_object_get(list, "items"), p);
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "drain_local_storage"));
	ck_assert(fx_refused_rule(plan, "drain_unmanaged_pods"));
	ck_assert(fx_reason_has(plan, "delete_emptydir_data"));
	json_decref(plan);
	/* allow_risk alone does not make kubectl's drain accept them */
	plan = fx_plan(det, list, "{\"allow_risk\": true}");
	ck_assert(fx_refused(plan));
	json_decref(plan);
	plan = fx_plan(det, list, "{\"delete_emptydir_data\": true, \"force_unmanaged\": "
	    "true}");
	ck_assert(fx_risk(plan, "unmanaged_pods_deleted"));
	ck_assert(fx_refused(plan));	/* deleting a pod for good is an outage risk */
	ck_assert(json_is_true(json_object_get(json_object_get(fx_find_action(plan, "drain"),
	    "params"), "delete_emptydir_data")));
	json_decref(plan);
	plan = fx_plan(det, list, "{\"delete_emptydir_data\": true, \"force_unmanaged\": "
	    "true, \"allow_risk\": true}");
	ck_assert(!fx_refused(plan));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_protected_namespace)
{
	json_t *list = fx_load("cluster.json"), *det, *plan;

	det = fx_det1("application", "CrashLoopBackOff", "Deployment",
	    "openshift-monitoring", "prometheus-adapter", "manual");
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "protected_namespace"));
	ck_assert(fx_reason_has(plan, "openshift-monitoring"));
	json_decref(plan);
	plan = fx_plan(det, list, "{\"protected_namespaces\": [\"kube-system\"]}");
	ck_assert(!fx_refused(plan));
	ck_assert_str_eq(fx_action(plan, 0), "restart_deployment");
	json_decref(plan);
	json_decref(det);
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "web",
	    "manual");
	plan = fx_plan(det, list, "{\"protected_namespaces\": [\"sh*\"]}");
	ck_assert(fx_refused(plan));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

/* Optional follow-up restarts in a protected namespace are dropped, not refused. */
START_TEST(t_protected_optional_dropped)
{
	json_t *list = fx_load("mco.json"), *det = fx_detect(list), *plan;

	plan = fx_plan(det, list, "{\"protected_namespaces\": [\"shop\"]}");
	ck_assert(!fx_refused(plan));
	ck_assert_int_eq(fx_count_action(plan, "restart_deployment"), 0);
	ck_assert_uint_ge(json_array_size(json_object_get(json_object_get(plan, "policy"),
	    "skipped")), 1);
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_control_plane)
{
	json_t *list = fx_load("cluster.json"), *det, *plan;

	det = fx_det1("infrastructure", "NodeMemoryPressure", "Node", NULL, "master-0",
	    "unknown");
	fx_cond(fx_obj(list, "Node", NULL, "master-0"), "MemoryPressure", "True");
	plan = fx_plan(det, list, NULL);
	ck_assert_msg(!fx_refused(plan), "one control-plane node of three is fine");
	json_decref(plan);
	/* another control-plane node already down: never two at once */
	fx_cond(fx_obj(list, "Node", NULL, "master-1"), "Ready", "False");
	plan = fx_plan(det, list, "{\"max_unavailable_nodes\": 3}");
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "control_plane"));
	ck_assert(fx_reason_has(plan, "master-1"));
	json_decref(plan);
	/* the only control-plane node: never */
	fx_remove(list, "Node", "master-1");
	fx_remove(list, "Node", "master-2");
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_reason_has(plan, "only control-plane node"));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_max_unavailable_nodes)
{
	json_t *list, *det = pressure_det(&list), *plan;

	fx_set(fx_obj(list, "Node", NULL, "worker-0"), "spec.unschedulable", json_true());
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "max_unavailable_nodes"));
	ck_assert(fx_reason_has(plan, "worker-0"));
	json_decref(plan);
	/* Allowed now, but worker-2 alone lacks the CPU for all four pods. */
	plan = fx_plan(det, list, "{\"max_unavailable_nodes\": 2}");
	ck_assert(!fx_refused_rule(plan, "max_unavailable_nodes"));
	ck_assert(fx_risk(plan, "no_capacity"));
	json_decref(plan);
	plan = fx_plan(det, list, "{\"max_unavailable_nodes\": 2, \"allow_risk\": true}");
	ck_assert(!fx_refused(plan));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_upgrade_in_progress)
{
	json_t *list, *det = pressure_det(&list), *plan, *adet;

	fx_cond(fx_obj(list, "ClusterVersion", NULL, "version"), "Progressing", "True");
	plan = fx_plan(det, list, NULL);
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "upgrade_in_progress"));
	ck_assert(fx_reason_has(plan, "upgrading"));
	json_decref(plan);
	/* application-only fixes are not infrastructure actions */
	adet = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "web",
	    "manual");
	plan = fx_plan(adet, list, NULL);
	ck_assert(!fx_refused(plan));
	json_decref(plan);
	json_decref(adet);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_node_storm)
{
	json_t *list, *det = pressure_det(&list), *plan;

	fx_cond(fx_obj(list, "Node", NULL, "worker-0"), "Ready", "False");
	fx_cond(fx_obj(list, "Node", NULL, "worker-2"), "Ready", "Unknown");
	plan = fx_plan(det, list, "{\"max_unavailable_nodes\": 5}");
	ck_assert(fx_refused(plan));
	ck_assert(fx_refused_rule(plan, "node_storm"));
	ck_assert(fx_reason_has(plan, "2 of 6 nodes are not Ready"));
	json_decref(plan);
	plan = fx_plan(det, list, "{\"max_unavailable_nodes\": 5, "
	    "\"max_unhealthy_node_ratio\": 0.5}");
	ck_assert(!fx_refused_rule(plan, "node_storm"));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

static Suite *
coord_plan_policy_suite(void)
{
	Suite *s = suite_create("coord_plan_policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, t_pdb_blocks_drain);
	tcase_add_test(tc, t_pdb_unready_pod);
	tcase_add_test(tc, t_no_capacity);
	tcase_add_test(tc, t_local_storage_and_unmanaged);
	tcase_add_test(tc, t_protected_namespace);
	tcase_add_test(tc, t_protected_optional_dropped);
	tcase_add_test(tc, t_control_plane);
	tcase_add_test(tc, t_max_unavailable_nodes);
	tcase_add_test(tc, t_upgrade_in_progress);
	tcase_add_test(tc, t_node_storm);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_plan_policy_suite)
