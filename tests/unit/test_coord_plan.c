/*
 * The planner: order, checkpoints, compensations, method-driven actions, timeouts, hash,
 * diagram and options.  Detections come from the real detection engine run over the
 * fixture clusters (tests/plan-fixtures/), or are hand-written where a case needs one
 * precise root cause.  Preflight and policy refusals: test_coord_plan_policy.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "testutil.h"
#include "test_coord_plan_util.h"

static int
layer_rank(const char *l)
{
	return strcmp(l, "infrastructure") == 0 ? 0 : strcmp(l, "platform") == 0 ? 1 : 2;
}

/* Seed example 1: memory pressure on worker-1 evicted pods of two Deployments. */
START_TEST(t_pressure_order_and_checkpoints)
{
	json_t *list = fx_load("pressure.json"), *det = fx_detect(list), *plan, *cp, *d;

	plan = fx_plan(det, list, NULL);
	ck_assert(!fx_refused(plan));
	ck_assert_uint_eq(fx_nsteps(plan), 4);
	ck_assert_str_eq(fx_action(plan, 0), "cordon");
	ck_assert_str_eq(fx_action(plan, 1), "drain");
	ck_assert_str_eq(fx_action(plan, 2), "wait_node_healthy");
	ck_assert_str_eq(fx_action(plan, 3), "uncordon");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(fx_step(plan, 1),
	    "target"), "name")), "worker-1");
	/* Evicted pods need no action: their ReplicaSets already replaced them. */
	ck_assert_int_eq(fx_count_action(plan, "restart_deployment"), 0);
	cp = fx_checkpoint(plan, "infrastructure");
	ck_assert_ptr_nonnull(cp);
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "after_step")), 4);
	ck_assert(fx_has_check(cp, "node_ready", "worker-1"));
	ck_assert(fx_has_check(cp, "node_no_pressure", "worker-1"));
	/* Scoped to the incident: no check on the healthy nodes. */
	ck_assert(!fx_has_check(cp, "node_ready", "worker-0"));
	cp = fx_checkpoint(plan, "application");
	ck_assert_ptr_nonnull(cp);
	ck_assert(fx_has_check(cp, "deployment_available", "web"));
	ck_assert(fx_has_check(cp, "deployment_available", "cart"));
	ck_assert(!fx_has_check(cp, "deployment_available", "catalog"));
	/* The drain evicts the 4 app pods, skips DaemonSet and terminal pods. */
	d = json_array_get(json_object_get(json_object_get(plan, "preflight"), "drains"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "evict_count")), 4);
	ck_assert_uint_eq(json_array_size(json_object_get(d, "skipped")), 3);
	ck_assert(json_is_true(json_object_get(json_object_get(d, "capacity"), "fits")));
	/* Drain timeout derived from the work: 120 s + 30 s per evicted pod. */
	ck_assert_int_eq(json_integer_value(json_object_get(fx_step(plan, 1),
	    "timeout_seconds")), 240);
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

/* An MCO change that broke networking across all three layers. */
START_TEST(t_mco_rollback_three_layers)
{
	json_t *list = fx_load("mco.json"), *det = fx_detect(list), *plan, *s, *cp, *l;
	size_t i;
	int last = -1;

	plan = fx_plan(det, list, NULL);
	ck_assert(!fx_refused(plan));
	ck_assert_str_eq(fx_action(plan, 0), "pause_mcp");
	ck_assert_str_eq(fx_action(plan, 1), "rollback_machineconfig");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(fx_step(plan, 1),
	    "target"), "name")), "99-worker-mtu");
	ck_assert_str_eq(fx_action(plan, 2), "unpause_mcp");
	ck_assert_str_eq(fx_action(plan, 3), "wait_mco_rollout");
	/* 3 nodes, maxUnavailable 1, 600 s per node + 300 s. */
	ck_assert_int_eq(json_integer_value(json_object_get(fx_step(plan, 3),
	    "timeout_seconds")), 2100);
	/* Layers in order, indices 1..n, never going back down a layer. */
	for (i = 0; i < fx_nsteps(plan); i++) {
		s = fx_step(plan, i);
		ck_assert_int_eq(json_integer_value(json_object_get(s, "index")), (int)i + 1);
		ck_assert_int_ge(layer_rank(json_string_value(json_object_get(s, "layer"))),
		    last);
		last = layer_rank(json_string_value(json_object_get(s, "layer")));
	}
	l = json_object_get(plan, "layers");
	ck_assert_uint_eq(json_array_size(l), 3);
	ck_assert_str_eq(json_string_value(json_array_get(l, 0)), "infrastructure");
	ck_assert_str_eq(json_string_value(json_array_get(l, 2)), "application");
	/* A checkpoint after each layer, after that layer's last step. */
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "checkpoints")), 3);
	cp = fx_checkpoint(plan, "infrastructure");
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "after_step")), 4);
	ck_assert(fx_has_check(cp, "mco_stable", "worker"));
	cp = fx_checkpoint(plan, "platform");
	ck_assert(fx_has_check(cp, "cluster_operators_ready", "network"));
	ck_assert(fx_has_check(cp, "networking_functional", NULL));
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "after_step")), 5);
	cp = fx_checkpoint(plan, "application");
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "after_step")),
	    (int)fx_nsteps(plan));
	ck_assert(fx_has_check(cp, "deployment_available", "web"));
	json_array_foreach(json_object_get(cp, "checks"), i, s)
		ck_assert_int_eq(json_integer_value(json_object_get(s, "poll_seconds")), 10);
	/* Crash-looping manual/Helm workloads get an optional, conditional restart. */
	s = fx_find_action(plan, "restart_deployment");
	ck_assert_ptr_nonnull(s);
	ck_assert(json_is_false(json_object_get(s, "required")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "params"),
	    "only_if")), "pods_crashlooping");
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_timeouts_scale_and_override)
{
	json_t *list = fx_load("mco.json"), *det = fx_detect(list), *plan;

	plan = fx_plan(det, list, "{\"mco_seconds_per_node\": 100}");
	ck_assert_int_eq(json_integer_value(json_object_get(fx_find_action(plan,
	    "wait_mco_rollout"), "timeout_seconds")), 600);
	json_decref(plan);
	fx_set(fx_obj(list, "MachineConfigPool", NULL, "worker"), "spec.maxUnavailable",
	    json_integer(3));
	plan = fx_plan(det, list, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(fx_find_action(plan,
	    "wait_mco_rollout"), "timeout_seconds")), 900);
	json_decref(plan);
	plan = fx_plan(det, list, "{\"timeouts\": {\"wait_mco_rollout\": 42, "
	    "\"mco_stable\": 77}, \"poll_seconds\": 3}");
	ck_assert_int_eq(json_integer_value(json_object_get(fx_find_action(plan,
	    "wait_mco_rollout"), "timeout_seconds")), 42);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(
	    fx_checkpoint(plan, "infrastructure"), "checks"), 0), "timeout_seconds")), 77);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(
	    fx_checkpoint(plan, "infrastructure"), "checks"), 0), "poll_seconds")), 3);
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

static void
check_step_contract(const json_t *s)
{
	json_t *comp = json_object_get(s, "compensation");
	const char *a = json_string_value(json_object_get(s, "action"));

	ck_assert_msg(json_integer_value(json_object_get(s, "timeout_seconds")) > 0, "%s", a);
	ck_assert_msg(json_is_boolean(json_object_get(s, "required")), "%s", a);
	ck_assert_msg(json_is_string(json_object_get(json_object_get(s, "done_condition"),
	    "description")), "%s has no done_condition", a);
	ck_assert_msg(json_is_array(json_object_get(s, "before_state_capture")), "%s", a);
	ck_assert_msg(json_is_string(json_object_get(s, "description")), "%s", a);
	if (!json_is_true(json_object_get(s, "reversible"))) {
		ck_assert_msg(json_is_null(comp), "%s irreversible with compensation", a);
		ck_assert_msg(strlen(json_string_value(json_object_get(s,
		    "irreversible_reason"))) > 10, "%s: no irreversible_reason", a);
	} else if (json_is_true(json_object_get(s, "mutating"))) {
		ck_assert_msg(json_is_string(json_object_get(comp, "action")),
		    "%s mutates but has no compensation", a);
		ck_assert_msg(json_array_size(json_object_get(s, "before_state_capture")) > 0,
		    "%s records no before-state", a);
	}
}

START_TEST(t_compensations)
{
	json_t *list = fx_load("pressure.json"), *det = fx_detect(list), *plan, *s, *c;
	json_t *mlist = fx_load("mco.json"), *mdet = fx_detect(mlist), *mplan;
	size_t i;

	plan = fx_plan(det, list, NULL);
	mplan = fx_plan(mdet, mlist, NULL);
	for (i = 0; i < fx_nsteps(plan); i++)
		check_step_contract(fx_step(plan, i));
	for (i = 0; i < fx_nsteps(mplan); i++)
		check_step_contract(fx_step(mplan, i));
	s = fx_find_action(plan, "cordon");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "compensation"), "action")), "uncordon");
	/* Rollback restores the recorded value, so a node cordoned before stays so. */
	c = json_object_get(json_object_get(json_object_get(s, "compensation"), "params"),
	    "unschedulable");
	ck_assert_str_eq(json_string_value(json_object_get(c, "$capture")),
	    "/spec/unschedulable");
	s = fx_find_action(plan, "drain");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "compensation"), "action")), "uncordon");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(s,
	    "compensation_note")), "not restored"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(s,
	    "done_condition"), "description")), "no evictable pods remain on Node worker-1"));
	s = fx_find_action(plan, "uncordon");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "compensation"), "action")), "cordon");
	s = fx_find_action(mplan, "pause_mcp");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "compensation"), "action")), "unpause_mcp");
	s = fx_find_action(mplan, "rollback_machineconfig");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "compensation"), "action")), "restore_machineconfig");
	/* The whole MachineConfig object is recorded (JSON Pointer ""). */
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_array_get(
	    json_object_get(s, "before_state_capture"), 0), "fields"), 0)), "");
	s = fx_find_action(mplan, "restart_deployment");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "compensation"), "action")), "restore_template_annotation");
	s = fx_find_action(mplan, "wait_mco_rollout");
	ck_assert(json_is_false(json_object_get(s, "mutating")));
	json_decref(plan);
	json_decref(mplan);
	json_decref(det);
	json_decref(mdet);
	json_decref(list);
	json_decref(mlist);
}
END_TEST

/* A NotReady node: reboot when its Machine runs, replace (irreversible) when it failed. */
START_TEST(t_node_reboot_or_replace)
{
	json_t *list = fx_load("cluster.json"), *det, *plan, *s;

	fx_cond(fx_obj(list, "Node", NULL, "worker-1"), "Ready", "Unknown");
	det = fx_det1("infrastructure", "NodeNotReady", "Node", NULL, "worker-1",
	    "unknown");
	plan = fx_plan(det, list, NULL);
	ck_assert(!fx_refused(plan));
	ck_assert_str_eq(fx_action(plan, 0), "cordon");
	ck_assert_str_eq(fx_action(plan, 1), "drain");
	ck_assert_str_eq(fx_action(plan, 2), "reboot_node");
	ck_assert_str_eq(fx_action(plan, 4), "uncordon");
	/* Pods on an unreachable node never confirm deletion: do not wait for ever. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(fx_step(plan, 1),
	    "params"), "skip_wait_for_delete_timeout")), 60);
	ck_assert(json_is_false(json_object_get(fx_step(plan, 2), "reversible")));
	check_step_contract(fx_step(plan, 2));
	json_decref(plan);

	fx_set(fx_obj(list, "Machine", NULL, "worker-1-m"), "status.phase",
	    json_string("Failed"));
	plan = fx_plan(det, list, NULL);
	s = fx_find_action(plan, "replace_machine");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "target"),
	    "name")), "worker-1-m");
	ck_assert(json_is_false(json_object_get(s, "reversible")));
	ck_assert(json_is_null(json_object_get(s, "compensation")));
	ck_assert(fx_risk(plan, "irreversible_step"));
	ck_assert_int_eq(fx_count_action(plan, "uncordon"), 0);
	ck_assert(fx_has_check(fx_checkpoint(plan, "infrastructure"), "node_ready",
	    "worker-a"));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

/* The deployment method decides the application action. */
START_TEST(t_method_driven_actions)
{
	json_t *list = fx_load("cluster.json"), *det, *plan, *s;
	size_t i;

	/* manual: rollout undo to the previous ReplicaSet revision */
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "web",
	    "manual");
	plan = fx_plan(det, list, NULL);
	ck_assert_uint_eq(fx_nsteps(plan), 1);
	ck_assert_str_eq(fx_action(plan, 0), "rollout_undo");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(fx_step(plan, 0),
	    "params"), "to_revision")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(fx_step(plan, 0),
	    "compensation"), "action")), "restore_template");
	ck_assert(fx_has_check(fx_checkpoint(plan, "application"), "deployment_available",
	    "web"));
	json_decref(plan);
	json_decref(det);

	/* helm: same direct action, with the drift warning */
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "cart",
	    "helm");
	plan = fx_plan(det, list, NULL);
	ck_assert_str_eq(fx_action(plan, 0), "rollout_undo");
	ck_assert(fx_risk(plan, "helm_drift"));
	json_decref(plan);
	json_decref(det);

	/* argocd: through Argo CD only; a direct restart would be reverted */
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "catalog",
	    "argocd");
	plan = fx_plan(det, list, NULL);
	ck_assert_uint_eq(fx_nsteps(plan), 1);
	s = fx_step(plan, 0);
	ck_assert_str_eq(fx_action(plan, 0), "argocd_rollback");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "target"),
	    "kind")), "Application");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "target"),
	    "namespace")), "argocd");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(s, "params"),
	    "id")), 1);
	ck_assert(json_is_true(json_object_get(json_object_get(s, "params"),
	    "disable_auto_sync")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
	    json_object_get(s, "compensation"), "params"), "id"), "$capture")),
	    "last_history_id");
	ck_assert(fx_has_check(fx_checkpoint(plan, "application"), "argocd_app_healthy",
	    "catalog"));
	json_decref(plan);
	json_decref(det);

	/* the method comes from live markers when the detection does not know it */
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "catalog",
	    "unknown");
	plan = fx_plan(det, list, NULL);
	ck_assert_str_eq(fx_action(plan, 0), "argocd_rollback");
	json_decref(plan);
	json_decref(det);

	/* operator: left to the operator, verified; nothing mutated */
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "search",
	    "operator");
	plan = fx_plan(det, list, NULL);
	ck_assert_uint_eq(fx_nsteps(plan), 1);
	ck_assert_str_eq(fx_action(plan, 0), "wait_workload");
	for (i = 0; i < fx_nsteps(plan); i++)
		ck_assert(json_is_false(json_object_get(fx_step(plan, i), "mutating")));
	ck_assert(fx_risk(plan, "operator_managed"));
	json_decref(plan);
	json_decref(det);

	/* manual without an earlier revision: restart */
	fx_remove(list, "ReplicaSet", "web-r1");
	det = fx_det1("application", "CrashLoopBackOff", "Deployment", "shop", "web",
	    "manual");
	plan = fx_plan(det, list, NULL);
	ck_assert_str_eq(fx_action(plan, 0), "restart_deployment");
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_oom_raises_limit_or_defers_to_git)
{
	json_t *list = fx_load("cluster.json"), *det, *plan, *s;

	det = fx_det1("application", "OOMKilled", "Deployment", "shop", "web", "manual");
	plan = fx_plan(det, list, NULL);
	s = fx_find_action(plan, "set_memory_limit");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "params"),
	    "memory_limit")), "4096Mi");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "params"),
	    "previous")), "2Gi");
	json_decref(plan);
	json_decref(det);
	det = fx_det1("application", "OOMKilled", "Deployment", "shop", "catalog",
	    "argocd");
	plan = fx_plan(det, list, NULL);
	ck_assert_uint_eq(fx_nsteps(plan), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "unaddressed")), 1);
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_hash_stable_and_verified)
{
	json_t *list = fx_load("pressure.json"), *det = fx_detect(list), *a, *b, *c, *p;
	char err[256];
	char h[65];

	a = fx_plan(det, list, NULL);
	b = fx_plan(det, list, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(a, "hash")),
	    json_string_value(json_object_get(b, "hash")));
	ck_assert_str_ne(json_string_value(json_object_get(a, "plan_id")),
	    json_string_value(json_object_get(b, "plan_id")));
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(a, "hash"))), 64);
	ck_assert_int_eq(coord_plan_verify_hash(a, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_plan_hash(a, h, err, sizeof(err)), 0);
	ck_assert_str_eq(h, json_string_value(json_object_get(a, "hash")));
	/* plan_id is not part of it */
	json_object_set_new(a, "plan_id", json_string("plan-0000000000000000"));
	ck_assert_int_eq(coord_plan_verify_hash(a, err, sizeof(err)), 0);
	/* a changed step is detected */
	p = json_object_get(fx_step(b, 1), "params");
	json_object_set_new(p, "force", json_true());
	ck_assert_int_eq(coord_plan_verify_hash(b, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "modified"));
	/* a different input gives a different hash */
	c = fx_plan(det, list, "{\"timeouts\": {\"drain\": 999}}");
	ck_assert_str_ne(json_string_value(json_object_get(a, "hash")),
	    json_string_value(json_object_get(c, "hash")));
	json_object_del(c, "hash");
	ck_assert_int_eq(coord_plan_verify_hash(c, err, sizeof(err)), -EBADMSG);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(det);
	json_decref(list);
}
END_TEST

static size_t
count_sub(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

START_TEST(t_diagram_well_formed)
{
	json_t *list = fx_load("mco.json"), *det = fx_detect(list), *plan;
	const char *dg;
	char node[32];
	size_t i;

	plan = fx_plan(det, list, NULL);
	dg = json_string_value(json_object_get(plan, "diagram"));
	ck_assert_ptr_nonnull(dg);
	ck_assert_int_eq(strncmp(dg, "flowchart TD\n", 13), 0);
	for (i = 1; i <= fx_nsteps(plan); i++) {
		snprintf(node, sizeof(node), "    S%zu[\"", i);
		ck_assert_uint_eq(count_sub(dg, node), 1);
		if (i > 1) {
			snprintf(node, sizeof(node), "--> S%zu\n", i);
			ck_assert_uint_eq(count_sub(dg, node), 1);
		}
	}
	ck_assert_uint_eq(count_sub(dg, "{{\"checkpoint "),
	    json_array_size(json_object_get(plan, "checkpoints")));
	ck_assert_uint_eq(count_sub(dg, "subgraph "), 3);
	ck_assert_uint_eq(count_sub(dg, "  end\n"), 3);
	ck_assert_ptr_nonnull(strstr(dg, ":::optional"));	/* the conditional restart */
	ck_assert_ptr_null(strchr(strstr(dg, "S1[\""), '\'' ));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

START_TEST(t_options_refused)
{
	static const char *const bad[] = {
		"{\"bogus\": 1}", "{\"max_unavailable_nodes\": 0}",
		"{\"max_unhealthy_node_ratio\": 2}", "{\"protected_namespaces\": \"x\"}",
		"{\"allow_risk\": \"yes\"}", "{\"timeouts\": {\"drain\": -5}}",
		"{\"node_remediation\": \"nuke\"}", "[]",
	};
	json_t *list = fx_load("pressure.json"), *det = fx_detect(list), *o, *plan;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_loads(bad[i], 0, NULL);
		err[0] = '\0';
		plan = coord_plan_build(det, list, o, err, sizeof(err));
		ck_assert_msg(plan == NULL, "accepted %s", bad[i]);
		ck_assert_msg(strlen(err) > 10, "no message for %s", bad[i]);
		json_decref(o);
	}
	o = json_loads("{\"bogus\": 1}", 0, NULL);
	ck_assert_ptr_null(coord_plan_build(det, list, o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "bogus"));
	json_decref(o);
	ck_assert_ptr_null(coord_plan_build(NULL, list, NULL, err, sizeof(err)));
	json_decref(det);
	json_decref(list);
}
END_TEST

/* Without a live context the plan is still made, and says what it could not check. */
START_TEST(t_no_live_context)
{
	json_t *list = fx_load("pressure.json"), *det = fx_detect(list), *plan, *d;

	plan = fx_plan(det, NULL, NULL);
	ck_assert_str_eq(fx_action(plan, 1), "drain");
	ck_assert(fx_risk(plan, "preflight_incomplete"));
	d = json_array_get(json_object_get(json_object_get(plan, "preflight"), "drains"), 0);
	ck_assert(json_is_false(json_object_get(d, "pods_known")));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
}
END_TEST

static Suite *
coord_plan_suite(void)
{
	Suite *s = suite_create("coord_plan");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, t_pressure_order_and_checkpoints);
	tcase_add_test(tc, t_mco_rollback_three_layers);
	tcase_add_test(tc, t_timeouts_scale_and_override);
	tcase_add_test(tc, t_compensations);
	tcase_add_test(tc, t_node_reboot_or_replace);
	tcase_add_test(tc, t_method_driven_actions);
	tcase_add_test(tc, t_oom_raises_limit_or_defers_to_git);
	tcase_add_test(tc, t_hash_stable_and_verified);
	tcase_add_test(tc, t_diagram_well_formed);
	tcase_add_test(tc, t_options_refused);
	tcase_add_test(tc, t_no_live_context);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_plan_suite)
