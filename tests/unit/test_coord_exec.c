/*
 * The executor against strata-sim: execute, checkpoint failure → rollback restoring the
 * recorded template exactly, rollback twice, dry run changing nothing, in-process and
 * Lease conflicts, cancellation, MCO rollback scenario.
 */
#include "test_coord_exec_util.h"
#include "testutil.h"

#define SC_CRASH	"examples/scenarios/05-app-only-crashloop.json"
#define SC_OK		"examples/scenarios/04-healthy-cluster.json"

static json_t *
deploy(struct xt *x, const char *ns, const char *name)
{
	json_t *d = xt_get(x, &KUBE_REF_DEPLOYMENT(ns, name), NULL);

	ck_assert_ptr_nonnull(d);
	return d;
}

/*
 * The planner's plan for a crash-looping app restarts it; the restart cannot make the
 * pods healthy, the rollout exceeds its deadline, and the rollback puts the recorded pod
 * template back exactly.  A second rollback has nothing to do.
 */
START_TEST(test_failed_restart_rolled_back_exactly)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512], exec_id[COORD_STORE_ID_MAX];
	char *plan = NULL;
	json_t *before, *after;

	xt_start(&x, SC_CRASH);
	plan = xt_plan(&x, SC_CRASH, NULL);
	before = deploy(&x, "tickets", "tickets-api");
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	snprintf(exec_id, sizeof(exec_id), "%s", coord_run_execution_id(run));
	xt_wait(&x, 60000);
	ck_assert_int_eq(x.status, 0);
	ck_assert_int_gt(x.progress, 2);
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "steps"), 0),
	    "status", NULL, NULL), "failed");
	ck_assert_ptr_nonnull(json_object_get(coord_exec_step(coord_store_exec_get(x.store,
	    exec_id), 1), "before_state"));
	ck_assert_msg(strcmp(xt_status(&x), "rolled_back") == 0, "status %s: %s",
	    xt_status(&x), json_string_value(json_object_get(x.result, "message")));
	after = deploy(&x, "tickets", "tickets-api");
	ck_assert_msg(json_equal(json_object_get(json_object_get(before, "spec"), "template"),
	    json_object_get(json_object_get(after, "spec"), "template")),
	    "template not restored exactly");
	json_decref(after);
	ck_assert_int_eq(coord_run_rollback(&o, exec_id, &run, err, sizeof(err)), 0);
	xt_wait(&x, 30000);
	ck_assert_str_eq(xt_status(&x), "nothing_to_roll_back");
	json_decref(before);
	free(plan);
	xt_stop(&x);
}
END_TEST

/*
 * Every object of every kind the simulator serves ("res/ns/name") → what a mutation of
 * ours would change: spec, labels, annotations, deletionTimestamp, and existence.  Status
 * is left out: the simulator's kubelet keeps rewriting crash-looping pods' status on its
 * own back-off schedule, which says nothing about the dry run.
 */
static json_t *
rv_map(struct xt *x)
{
	static const struct kube_ref refs[] = {
		{ "", "v1", "nodes", NULL, NULL, NULL },
		{ "", "v1", "pods", NULL, NULL, NULL },
		{ "", "v1", "services", NULL, NULL, NULL },
		{ "", "v1", "endpoints", NULL, NULL, NULL },
		{ "", "v1", "namespaces", NULL, NULL, NULL },
		{ "", "v1", "persistentvolumeclaims", NULL, NULL, NULL },
		{ "apps", "v1", "deployments", NULL, NULL, NULL },
		{ "apps", "v1", "replicasets", NULL, NULL, NULL },
		{ "apps", "v1", "daemonsets", NULL, NULL, NULL },
		{ "apps", "v1", "statefulsets", NULL, NULL, NULL },
		{ "policy", "v1", "poddisruptionbudgets", NULL, NULL, NULL },
		{ "coordination.k8s.io", "v1", "leases", NULL, NULL, NULL },
		{ "machineconfiguration.openshift.io", "v1", "machineconfigs", NULL, NULL,
		    NULL },
		{ "machineconfiguration.openshift.io", "v1", "machineconfigpools", NULL, NULL,
		    NULL },
		{ "machine.openshift.io", "v1beta1", "machines", NULL, NULL, NULL },
		{ "machine.openshift.io", "v1beta1", "machinesets", NULL, NULL, NULL },
		{ "config.openshift.io", "v1", "clusteroperators", NULL, NULL, NULL },
		{ "argoproj.io", "v1alpha1", "applications", NULL, NULL, NULL },
	};
	json_t *m = json_object(), *l, *it;
	size_t i, j;
	char k[512];

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		l = xt_get(x, &refs[i], NULL);
		ck_assert_ptr_nonnull(l);
		json_array_foreach(json_object_get(l, "items"), j, it) {
			snprintf(k, sizeof(k), "%s/%s/%s", refs[i].resource,
			    xt_str(it, "metadata", "namespace", NULL) ?
			    xt_str(it, "metadata", "namespace", NULL) : "",
			    xt_str(it, "metadata", "name", NULL));
			{
				json_t *md = json_object_get(it, "metadata");
				json_t *v = json_pack("{s:O?, s:O?, s:O?, s:O?}", "spec",
				    json_object_get(it, "spec"), "labels",
				    json_object_get(md, "labels"), "annotations",
				    json_object_get(md, "annotations"), "deleting",
				    json_object_get(md, "deletionTimestamp"));
				char *txt = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

				json_object_set_new(m, k, json_string(txt ? txt : ""));
				free(txt);
				json_decref(v);
			}
		}
		json_decref(l);
	}
	return m;
}

START_TEST(test_dry_run_changes_nothing)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512];
	char *plan;
	json_t *a, *b;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	xt_sleep(&x, 1500);	/* let the controllers settle the scenario */
	a = rv_map(&x);
	o = xt_opts(&x, true);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 20000);
	b = rv_map(&x);
	ck_assert_str_eq(xt_status(&x), "dry_run");
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "steps"), 0),
	    "status", NULL, NULL), "would_succeed");
	ck_assert_int_eq(json_array_size(json_object_get(x.result, "checkpoints")), 0);
	/* no object the plan touches changed, and no Lease was left behind */
	ck_assert_ptr_eq(json_object_get(b, "leases//"), NULL);
	{
		const char *k;
		json_t *v;
		size_t nl = 0;

		json_object_foreach(b, k, v)
			if (strncmp(k, "leases/", 7) == 0)
				nl++;
		ck_assert_int_eq(nl, 0);
	}
	ck_assert_msg(json_equal(json_object_get(a, "deployments/api/api"),
	    json_object_get(b, "deployments/api/api")), "deployment changed");
	/* a dry run the server refuses says which step and why, and still changes nothing */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=PATCH,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api*,status=403", err, sizeof(err)), 0);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 20000);
	sim_fault_clear(x.sim);
	ck_assert_str_eq(xt_status(&x), "dry_run");
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "steps"), 0),
	    "status", NULL, NULL), "failed");
	ck_assert_ptr_nonnull(strstr(xt_str(json_array_get(json_object_get(x.result,
	    "steps"), 0), "error", NULL, NULL), "403"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(x.result, "message")),
	    "1 would be refused"));
	json_decref(a);
	json_decref(b);
	free(plan);
	xt_stop(&x);
}
END_TEST

START_TEST(test_conflicts_and_cancel)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run, *run2;
	char err[512];
	char *plan;
	json_t *before, *after;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	before = deploy(&x, "api", "api");
	o = xt_opts(&x, false);
	/* cancelled right after the restart went through: the checkpoint does not run and
	 * the restart is undone */
	x.cancel_on = "restart_deployment api: succeeded";
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	/* same targets while the first holds them: refused in-process */
	ck_assert_int_eq(coord_run_execute(&o, plan, &run2, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "api/api"));
	xt_wait(&x, 60000);
	ck_assert_int_eq(x.cancelled, 1);
	ck_assert_int_eq(json_array_size(json_object_get(x.result, "checkpoints")), 0);
	ck_assert_str_eq(xt_str(x.result, "rollback", "status", NULL), "rolled_back");
	ck_assert_msg(strcmp(xt_status(&x), "cancelled") == 0, "status %s",
	    xt_status(&x));
	after = deploy(&x, "api", "api");
	ck_assert(json_equal(json_object_get(json_object_get(before, "spec"), "template"),
	    json_object_get(json_object_get(after, "spec"), "template")));
	json_decref(after);
	json_decref(before);
	free(plan);
	xt_stop(&x);
}
END_TEST

START_TEST(test_lease_held_elsewhere)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512], name[64], now[40];
	char *plan;
	json_t *lease, *dep;
	time_t t = time(NULL);
	struct tm tm;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	/* another Strata server holds Deployment tickets/tickets-api */
	{
		struct coord_target tg = { "Deployment", "api", "api" };
		char key[300];
		struct xt_get g = { NULL, 0, 0 };
		extern int lease_name_for(const char *key, char out[64]);

		coord_lock_key(&tg, key, sizeof(key));
		lease_name_for(key, name);
		gmtime_r(&t, &tm);
		strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
		lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s}}", "apiVersion",
		    "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", name,
		    "namespace", "kube-system", "spec", "holderIdentity", "xt-holder-b",
		    "leaseDurationSeconds", 300, "renewTime", now);
		ck_assert_ptr_nonnull(kube_create(x.client, &KUBE_REF_LEASE("kube-system",
		    NULL), lease, NULL, xt_get_cb, &g, err, sizeof(err)));
		while (!g.done)
			uv_run(&x.loop, UV_RUN_ONCE);
		ck_assert_int_eq(g.http, 200);
		json_decref(g.obj);
		json_decref(lease);
	}
	dep = deploy(&x, "api", "api");
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 20000);
	ck_assert_int_eq(x.status, -EBUSY);
	ck_assert_str_eq(xt_status(&x), "failed");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(x.result, "message")),
	    "xt-holder-b"));
	{	/* nothing was changed */
		json_t *d2 = deploy(&x, "api", "api");

		ck_assert(json_equal(json_object_get(dep, "metadata"),
		    json_object_get(d2, "metadata")));
		json_decref(d2);
	}
	json_decref(dep);
	free(plan);
	xt_stop(&x);
}
END_TEST

/* Aborts the run from its progress callback once the restart's PATCH is audited. */
static void
abort_progress(struct coord_run *run, size_t step, size_t total, const char *msg,
    void *arg)
{
	struct xt *x = arg;

	(void)step;
	(void)total;
	x->progress++;
	if (!x->cancelled && strstr(msg, "still running step 1") != NULL) {
		struct coord_exec *ex = coord_store_exec_get(x->store,
		    coord_run_execution_id(run));
		json_t *audit = coord_exec_audit_load(ex, NULL, 0), *a;
		size_t i;

		json_array_foreach(audit, i, a)
			if (strcmp(json_string_value(json_object_get(a, "method")), "PATCH") ==
			    0 && !x->cancelled) {
				/* the restart is in the cluster: stop dead, as a crash would */
				x->cancelled = 1;
				coord_run_abort(run);
			}
		json_decref(audit);
	}
}

START_TEST(test_interrupted_then_rolled_back_after_reopen)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	struct coord_exec *ex;
	char err[512], exec_id[COORD_STORE_ID_MAX];
	char *plan;
	json_t *before, *after;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	before = deploy(&x, "api", "api");
	/* make the rollout slow so the run is caught in its wait */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=GET,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api,latency_ms=150", err, sizeof(err)), 0);
	o = xt_opts(&x, false);
	o.progress = abort_progress;
	o.progress_interval_ms = 20;
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	snprintf(exec_id, sizeof(exec_id), "%s", coord_run_execution_id(run));
	xt_wait(&x, 60000);
	sim_fault_clear(x.sim);
	ck_assert_int_eq(x.cancelled, 1);
	ck_assert_str_eq(xt_status(&x), "interrupted");
	/* the process "restarts": the journal is all that is left */
	coord_store_close(x.store);
	xt_store_open(&x);
	ex = coord_store_exec_get(x.store, exec_id);
	ck_assert_ptr_nonnull(ex);
	ck_assert_int_eq(coord_exec_status(ex), COORD_EXEC_INTERRUPTED);
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_rollback(&o, exec_id, &run, err, sizeof(err)) == 0, "%s",
	    err);
	xt_wait(&x, 60000);
	ck_assert_str_eq(xt_status(&x), "rolled_back");
	after = deploy(&x, "api", "api");
	ck_assert(json_equal(json_object_get(json_object_get(before, "spec"), "template"),
	    json_object_get(json_object_get(after, "spec"), "template")));
	json_decref(after);
	json_decref(before);
	free(plan);
	xt_stop(&x);
}
END_TEST

START_TEST(test_faults_never_half_applied)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512], exec_id[COORD_STORE_ID_MAX];
	char *plan;
	json_t *before, *after;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	before = deploy(&x, "api", "api");
	o = xt_opts(&x, false);
	/* 1. reads fail with 500 twice and a connection is dropped: the client retries
	 *    GETs, the run succeeds */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=GET,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api,status=500,count=2;method=GET,path=/apis/apps/v1/"
	    "namespaces/api/deployments/api,reset,count=1", err, sizeof(err)), 0);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	snprintf(exec_id, sizeof(exec_id), "%s", coord_run_execution_id(run));
	xt_wait(&x, 60000);
	ck_assert_msg(strcmp(xt_status(&x), "succeeded") == 0, "%s", xt_status(&x));
	/* 2. the compensation's PUT meets a 409: re-read and retried */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=PUT,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api,conflict,count=2", err, sizeof(err)), 0);
	ck_assert_int_eq(coord_run_rollback(&o, exec_id, &run, err, sizeof(err)), 0);
	xt_wait(&x, 60000);
	ck_assert_str_eq(xt_status(&x), "rolled_back");
	after = deploy(&x, "api", "api");
	ck_assert(json_equal(json_object_get(json_object_get(before, "spec"), "template"),
	    json_object_get(json_object_get(after, "spec"), "template")));
	json_decref(after);
	/* 3. the mutation itself fails with 500 (a PATCH is not retried): the step fails;
	 *    a 5xx does not say whether the write landed, so the step is compensated from
	 *    its before-state (harmless here) and the template is exactly as before */
	sim_fault_clear(x.sim);
	ck_assert_int_eq(sim_fault_add(x.sim, "method=PATCH,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api*,status=500", err, sizeof(err)), 0);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 60000);
	sim_fault_clear(x.sim);
	ck_assert_str_eq(xt_status(&x), "rolled_back");
	ck_assert_ptr_nonnull(json_object_get(json_array_get(json_object_get(x.result,
	    "steps"), 0), "error"));
	after = deploy(&x, "api", "api");
	ck_assert(json_equal(json_object_get(json_object_get(before, "spec"), "template"),
	    json_object_get(json_object_get(after, "spec"), "template")));
	json_decref(after);
	json_decref(before);
	free(plan);
	xt_stop(&x);
}
END_TEST

/* A second server (its own state directory and holder identity) on the same cluster. */
START_TEST(test_lease_excludes_second_server)
{
	struct xt x;
	struct coord_run_options o, o2;
	struct coord_run *run, *run2;
	struct coord_store *st2;
	struct coord_store_options so;
	char err[512], dir2[160];
	char *plan, *plan2;
	json_t *leases;
	int first_done;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	snprintf(dir2, sizeof(dir2), "%s/state2", x.dir);
	memset(&so, 0, sizeof(so));
	so.state_dir = dir2;
	so.no_fsync = true;
	ck_assert_int_eq(coord_store_open(&so, &st2, NULL, err, sizeof(err)), 0);
	plan2 = xt_plan_restart_in(st2, "api", "api");
	/* server A runs slowly (every read of the Deployment takes 100 ms) */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=GET,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api,latency_ms=100", err, sizeof(err)), 0);
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	for (int i = 0; i < 1000; i++) {	/* until A holds its Lease */
		json_t *l = xt_get(&x, &KUBE_REF_LEASE("kube-system", NULL), NULL);
		size_t n = json_array_size(json_object_get(l, "items"));

		json_decref(l);
		if (n > 0)
			break;
		xt_sleep(&x, 10);
	}
	/* server B: same target, other holder → refused, naming A */
	o2 = xt_opts(&x, false);
	o2.store = st2;
	o2.holder = "xt-holder-b";
	first_done = x.done;
	ck_assert_msg(coord_run_execute(&o2, plan2, &run2, err, sizeof(err)) == 0, "%s",
	    err);
	xt_wait(&x, 30000);
	if (x.done == first_done + 1 && x.status == -EBUSY) {
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(x.result,
		    "message")), "xt-holder-a"));
		xt_wait(&x, 60000);	/* A finishes */
	} else
		ck_abort_msg("server B was not refused: %s", json_dumps(x.result, 0));
	sim_fault_clear(x.sim);
	ck_assert_str_eq(xt_status(&x), "succeeded");
	/* A released its Lease at the end */
	leases = xt_get(&x, &KUBE_REF_LEASE("kube-system", NULL), NULL);
	ck_assert_int_eq(json_array_size(json_object_get(leases, "items")), 0);
	json_decref(leases);
	/* now B may run */
	ck_assert_msg(coord_run_execute(&o2, plan2, &run2, err, sizeof(err)) == 0, "%s",
	    err);
	xt_wait(&x, 60000);
	ck_assert_str_eq(xt_status(&x), "succeeded");
	coord_store_close(st2);
	free(plan);
	free(plan2);
	xt_stop(&x);
}
END_TEST

/*
 * Leases are renewed while the run lives: with a 1 s Lease, a second server asking 2.6 s
 * into a run (which cannot finish in under 3.5 s) is still refused.  Without renewal the
 * Lease would have expired and been taken over.
 */
START_TEST(test_lease_renewed_while_running)
{
	struct xt x;
	struct coord_run_options o, o2;
	struct coord_run *run, *run2;
	struct coord_store *st2;
	struct coord_store_options so;
	char err[512], dir2[160];
	char *plan, *plan2;
	uint64_t t0;
	int before;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	snprintf(dir2, sizeof(dir2), "%s/state2", x.dir);
	memset(&so, 0, sizeof(so));
	so.state_dir = dir2;
	so.no_fsync = true;
	ck_assert_int_eq(coord_store_open(&so, &st2, NULL, err, sizeof(err)), 0);
	plan2 = xt_plan_restart_in(st2, "api", "api");
	/* five sequential reads of the Deployment at least: >= 3.5 s */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=GET,path=/apis/apps/v1/namespaces/"
	    "api/deployments/api,latency_ms=700", err, sizeof(err)), 0);
	o = xt_opts(&x, false);
	o.lease_duration_s = 1;
	t0 = strata_now_ms();
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_sleep(&x, 2600);
	ck_assert_int_eq(x.done, 0);
	o2 = xt_opts(&x, false);
	o2.store = st2;
	o2.holder = "xt-holder-b";
	before = x.done;
	ck_assert_msg(coord_run_execute(&o2, plan2, &run2, err, sizeof(err)) == 0, "%s",
	    err);
	xt_wait(&x, 30000);
	ck_assert_msg(x.status == -EBUSY, "B was not refused after %llu ms: %s",
	    (unsigned long long)(strata_now_ms() - t0), json_string_value(json_object_get(
	    x.result, "message")));
	(void)before;
	xt_wait(&x, 60000);
	sim_fault_clear(x.sim);
	ck_assert_str_eq(xt_status(&x), "succeeded");
	coord_store_close(st2);
	free(plan);
	free(plan2);
	xt_stop(&x);
}
END_TEST

/* A Lease left by a dead server expires and is taken over. */
START_TEST(test_expired_lease_taken_over)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512], name[64], key[300];
	char *plan;
	json_t *lease;
	struct xt_get g = { NULL, 0, 0 };
	struct coord_target tg = { "Deployment", "api", "api" };
	extern int lease_name_for(const char *key, char out[64]);

	xt_start(&x, SC_OK);
	plan = xt_plan_restart(&x, "api", "api");
	coord_lock_key(&tg, key, sizeof(key));
	lease_name_for(key, name);
	lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:i}}", "apiVersion",
	    "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", name, "namespace",
	    "kube-system", "spec", "holderIdentity", "dead-server", "leaseDurationSeconds", 15,
	    "renewTime", "2020-01-01T00:00:00.000000Z", "leaseTransitions", 3);
	ck_assert_ptr_nonnull(kube_create(x.client, &KUBE_REF_LEASE("kube-system", NULL),
	    lease, NULL, xt_get_cb, &g, err, sizeof(err)));
	while (!g.done)
		uv_run(&x.loop, UV_RUN_ONCE);
	json_decref(g.obj);
	json_decref(lease);
	/* A dry run does not wait out the watch: it reports the takeover it would make. */
	o = xt_opts(&x, true);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 60000);
	ck_assert_int_eq(x.status, 0);
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "leases"), 0),
	    "status", NULL, NULL), "would_take");
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "leases"), 0),
	    "taken_over_from", NULL, NULL), "dead-server");
	lease = xt_get(&x, &KUBE_REF_LEASE("kube-system", name), NULL);
	ck_assert_str_eq(xt_str(lease, "spec", "holderIdentity", NULL), "dead-server");
	json_decref(lease);
	/* and its release meets a 409 once: re-read, still ours, deleted */
	ck_assert_int_eq(sim_fault_add(x.sim, "method=DELETE,path=/apis/coordination.k8s.io/"
	    "v1/namespaces/kube-system/leases/*,conflict,count=1", err, sizeof(err)), 0);
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 60000);
	ck_assert_int_eq(x.status, 0);
	ck_assert_str_eq(xt_status(&x), "succeeded");
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "leases"), 0),
	    "status", NULL, NULL), "released");
	/* taken over only after a lease duration of watching it unrenewed */
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "leases"), 0),
	    "taken_over_from", NULL, NULL), "dead-server");
	lease = xt_get(&x, &KUBE_REF_LEASE("kube-system", NULL), NULL);
	ck_assert_int_eq(json_array_size(json_object_get(lease, "items")), 0);
	json_decref(lease);
	free(plan);
	xt_stop(&x);
}
END_TEST

/* A live holder with a slow clock: renews its Lease, but with renewTimes in our past. */
struct skewed {
	struct xt	*x;
	uv_timer_t	 t;
	char		 name[64];
	int		 renewals, inflight;
	struct xt_get	 g;
};

static void
skewed_renew(uv_timer_t *h)
{
	struct skewed *sk = h->data;
	char err[256], when[40];
	json_t *patch;

	if (sk->inflight && !sk->g.done)
		return;
	json_decref(sk->g.obj);
	memset(&sk->g, 0, sizeof(sk->g));
	snprintf(when, sizeof(when), "2020-01-01T00:%02d:%02d.000000Z",
	    (sk->renewals / 60) % 60, sk->renewals % 60);
	patch = json_pack("{s:{s:s}}", "spec", "renewTime", when);
	ck_assert_ptr_nonnull(kube_patch(sk->x->client, &KUBE_REF_LEASE("kube-system",
	    sk->name), KUBE_PATCH_MERGE, patch, NULL, xt_get_cb, &sk->g, err, sizeof(err)));
	json_decref(patch);
	sk->inflight = 1;
	sk->renewals++;
}

/*
 * A Lease whose renewTime + duration lies in our past, but whose holder is alive and
 * renewing it (its clock is years behind ours): judged by the clocks it would be taken
 * over; watched, it moves, so the target is refused and nothing is changed.
 */
START_TEST(test_skewed_live_lease_refused)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	struct skewed sk;
	char err[512], key[300];
	char *plan;
	json_t *lease, *dep, *d2;
	struct coord_target tg = { "Deployment", "api", "api" };
	extern int lease_name_for(const char *key, char out[64]);

	memset(&sk, 0, sizeof(sk));
	xt_start(&x, SC_OK);
	sk.x = &x;
	plan = xt_plan_restart(&x, "api", "api");
	coord_lock_key(&tg, key, sizeof(key));
	lease_name_for(key, sk.name);
	lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:i}}", "apiVersion",
	    "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", sk.name,
	    "namespace", "kube-system", "spec", "holderIdentity", "skewed-server",
	    "leaseDurationSeconds", 15, "renewTime", "2020-01-01T00:00:00.000000Z",
	    "leaseTransitions", 1);
	ck_assert_ptr_nonnull(kube_create(x.client, &KUBE_REF_LEASE("kube-system", NULL),
	    lease, NULL, xt_get_cb, &sk.g, err, sizeof(err)));
	while (!sk.g.done)
		uv_run(&x.loop, UV_RUN_ONCE);
	ck_assert_int_eq(sk.g.http, 200);
	json_decref(lease);
	dep = deploy(&x, "api", "api");
	/* it renews far more often than once per watch (15 s scaled) */
	uv_timer_init(&x.loop, &sk.t);
	sk.t.data = &sk;
	uv_timer_start(&sk.t, skewed_renew, 5, 5);
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 20000);
	uv_timer_stop(&sk.t);
	uv_close((uv_handle_t *)&sk.t, NULL);
	while (sk.inflight && !sk.g.done)
		uv_run(&x.loop, UV_RUN_ONCE);
	json_decref(sk.g.obj);
	ck_assert_int_gt(sk.renewals, 1);
	ck_assert_int_eq(x.status, -EBUSY);
	ck_assert_str_eq(xt_status(&x), "failed");
	ck_assert_msg(strstr(json_string_value(json_object_get(x.result, "message")),
	    "renewed while we watched") != NULL, "%s",
	    json_string_value(json_object_get(x.result, "message")));
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "leases"), 0),
	    "status", NULL, NULL), "not_taken");
	lease = xt_get(&x, &KUBE_REF_LEASE("kube-system", sk.name), NULL);
	ck_assert_str_eq(xt_str(lease, "spec", "holderIdentity", NULL), "skewed-server");
	json_decref(lease);
	d2 = deploy(&x, "api", "api");
	ck_assert(json_equal(json_object_get(dep, "metadata"), json_object_get(d2,
	    "metadata")));
	json_decref(d2);
	json_decref(dep);
	free(plan);
	xt_stop(&x);
}
END_TEST

/* The keys whose resourceVersion differs between two rv maps (new string list). */
static char *
rv_diff(const json_t *a, const json_t *b)
{
	char *out = calloc(1, 4096);
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)a, k, v)
		if (!json_equal(v, json_object_get(b, k)) && n < 3900)
			n += (size_t)snprintf(out + n, 4096 - n, "%s ", k);
	json_object_foreach((json_t *)b, k, v)
		if (json_object_get(a, k) == NULL && n < 3900)
			n += (size_t)snprintf(out + n, 4096 - n, "+%s ", k);
	return out;
}

/*
 * Dry runs of the planner's plans for the MCO and the network scenarios (pause, delete a
 * MachineConfig, cordon, drain by eviction, the reboot pod, uncordon): the whole cluster
 * is unchanged, object by object, and every mutation was audited as a dry run.
 */
static void
dry_run_scenario(const char *scenario, const char *opts)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512], exec_id[COORD_STORE_ID_MAX];
	char *plan, *d;
	json_t *a, *a2, *b, *audit, *e;
	size_t i;

	xt_start(&x, scenario);
	plan = xt_plan(&x, scenario, opts);
	/*
	 * Let the controllers finish what the scenario left in flight (a rollout caught
	 * mid-way resumes): wait until two reads 300 ms apart agree, however long a slow
	 * machine (or valgrind) takes, up to a minute.
	 */
	a = rv_map(&x);
	for (i = 0; ; i++) {
		xt_sleep(&x, 300);
		a2 = rv_map(&x);
		d = rv_diff(a, a2);
		if (d[0] == '\0' || i >= 200)
			break;
		free(d);
		json_decref(a);
		a = a2;
	}
	ck_assert_msg(d[0] == '\0', "the simulator is not quiescent: %s", d);
	free(d);
	o = xt_opts(&x, true);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	snprintf(exec_id, sizeof(exec_id), "%s", coord_run_execution_id(run));
	xt_wait(&x, 30000);
	ck_assert_str_eq(xt_status(&x), "dry_run");
	b = rv_map(&x);
	d = rv_diff(a, b);
	ck_assert_msg(d[0] == '\0', "the dry run changed: %s", d);
	free(d);
	audit = coord_exec_audit_load(coord_store_exec_get(x.store, exec_id), err,
	    sizeof(err));
	ck_assert_int_gt(json_array_size(audit), 2);
	json_array_foreach(audit, i, e)
		ck_assert(json_is_true(json_object_get(e, "dry_run")));
	json_decref(audit);
	json_decref(a);
	json_decref(a2);
	json_decref(b);
	free(plan);
	xt_stop(&x);
}

START_TEST(test_dry_run_scenarios_change_nothing)
{
	dry_run_scenario("examples/scenarios/02-mco-rollout-app-degradation.json", NULL);
	dry_run_scenario("examples/scenarios/03-network-outage-platform-infra.json", NULL);
}
END_TEST

/*
 * Every step succeeds but the checkpoint never becomes healthy (its Service does not
 * exist): the checkpoint times out, is recorded unhealthy with the failed check and why,
 * and the rollback restores the template exactly.
 */
START_TEST(test_checkpoint_never_healthy_rolls_back)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512];
	char *plan;
	json_t *before, *after, *cp, *fc;

	xt_start(&x, SC_OK);
	plan = xt_plan_restart_check(x.store, "api", "api", "{\"type\":\"endpoints_healthy\","
	    "\"target\":{\"kind\":\"Service\",\"namespace\":\"api\",\"name\":\"no-such-"
	    "service\"},\"timeout_seconds\":120,\"poll_seconds\":10}");
	before = deploy(&x, "api", "api");
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	xt_wait(&x, 60000);
	ck_assert_str_eq(xt_str(json_array_get(json_object_get(x.result, "steps"), 0),
	    "status", NULL, NULL), "succeeded");
	cp = json_array_get(json_object_get(x.result, "checkpoints"), 0);
	ck_assert(json_is_false(json_object_get(cp, "healthy")));
	fc = json_object_get(cp, "failed_checks");
	ck_assert_int_eq(json_array_size(fc), 1);
	ck_assert_str_eq(xt_str(json_array_get(fc, 0), "type", NULL, NULL),
	    "endpoints_healthy");
	ck_assert_ptr_nonnull(strstr(xt_str(json_array_get(fc, 0), "reason", NULL, NULL),
	    "no-such-service"));
	ck_assert_str_eq(xt_status(&x), "rolled_back");
	after = deploy(&x, "api", "api");
	ck_assert(json_equal(json_object_get(json_object_get(before, "spec"), "template"),
	    json_object_get(json_object_get(after, "spec"), "template")));
	json_decref(after);
	json_decref(before);
	free(plan);
	xt_stop(&x);
}
END_TEST

/* A one-step Argo CD rollback plan, written as the planner writes it. */
static char *
plan_argo_rollback(struct xt *x, const char *ns, const char *app, long long id)
{
	json_t *plan;
	char pid[COORD_STORE_ID_MAX], hash[65], err[256];

	coord_store_id_new(COORD_STORE_PLAN, pid);
	plan = json_pack("{s:s, s:n, s:[s], s:[{s:i, s:s, s:s, s:{s:s, s:s, s:s}, "
	    "s:{s:I, s:b, s:b}, s:s, s:b, s:b, s:b, s:{s:s, s:{s:{s:s}, s:{s:s}}}, s:i, "
	    "s:[{s:s, s:s, s:s, s:[s, s], s:[s]}]}], s:[], s:b}",
	    "plan_id", pid, "issue_id", "layers", "application", "steps", "index", 1,
	    "layer", "application", "action", "argocd_rollback", "target", "kind",
	    "Application", "namespace", ns, "name", app, "params", "id", (json_int_t)id,
	    "disable_auto_sync", 1, "prune", 0, "description", "Argo CD rollback",
	    "required", 1, "reversible", 1, "mutating", 1, "compensation", "action",
	    "argocd_rollback", "params", "id", "$capture", "last_history_id",
	    "sync_policy", "$capture", "/spec/syncPolicy", "timeout_seconds", 600,
	    "before_state_capture", "kind", "Application", "namespace", ns, "name", app,
	    "fields", "/spec/syncPolicy", "/status/sync/revision", "values",
	    "last_history_id", "checkpoints", "refused", 0);
	ck_assert_ptr_nonnull(plan);
	ck_assert_int_eq(coord_plan_hash(plan, hash, err, sizeof(err)), 0);
	json_object_set_new(plan, "hash", json_string(hash));
	ck_assert_int_eq(coord_store_plan_put(x->store, plan, err, sizeof(err)), 0);
	json_decref(plan);
	return strdup(pid);
}

/*
 * Argo CD rollback to history id 11 (automated sync turned off first, as Argo CD
 * requires), then rollback_plan: back to the history id recorded before (12) and the
 * recorded syncPolicy (automated prune/selfHeal) restored exactly.
 */
START_TEST(test_argocd_rollback_and_back)
{
	struct xt x;
	struct coord_run_options o;
	struct coord_run *run;
	char err[512], exec_id[COORD_STORE_ID_MAX];
	char *plan;
	json_t *app0, *app;
	const char *rev11 = "1d0d43b03b000000000000000000000000000000";

	xt_start(&x, SC_OK);
	app0 = xt_get(&x, &KUBE_REF_ARGO_APP("openshift-gitops", "web"), NULL);
	ck_assert_ptr_nonnull(app0);
	plan = plan_argo_rollback(&x, "openshift-gitops", "web", 11);
	o = xt_opts(&x, false);
	ck_assert_msg(coord_run_execute(&o, plan, &run, err, sizeof(err)) == 0, "%s", err);
	snprintf(exec_id, sizeof(exec_id), "%s", coord_run_execution_id(run));
	xt_wait(&x, 60000);
	ck_assert_msg(strcmp(xt_status(&x), "succeeded") == 0, "%s: %s", xt_status(&x),
	    json_string_value(json_object_get(x.result, "message")));
	app = xt_get(&x, &KUBE_REF_ARGO_APP("openshift-gitops", "web"), NULL);
	ck_assert_str_eq(xt_str(app, "status", "sync", "revision"), rev11);
	ck_assert_ptr_eq(json_object_get(json_object_get(json_object_get(app, "spec"),
	    "syncPolicy"), "automated"), NULL);
	ck_assert_ptr_eq(json_object_get(app, "operation"), NULL);
	json_decref(app);
	ck_assert_int_eq(coord_run_rollback(&o, exec_id, &run, err, sizeof(err)), 0);
	xt_wait(&x, 60000);
	ck_assert_msg(strcmp(xt_status(&x), "rolled_back") == 0, "%s: %s", xt_status(&x),
	    json_dumps(x.result, JSON_COMPACT));
	app = xt_get(&x, &KUBE_REF_ARGO_APP("openshift-gitops", "web"), NULL);
	ck_assert_str_eq(xt_str(app, "status", "sync", "revision"),
	    xt_str(app0, "status", "sync", "revision"));
	ck_assert(json_equal(json_object_get(json_object_get(app0, "spec"), "syncPolicy"),
	    json_object_get(json_object_get(app, "spec"), "syncPolicy")));
	ck_assert_str_eq(xt_str(app, "status", "health", "status"), "Healthy");
	json_decref(app);
	json_decref(app0);
	free(plan);
	xt_stop(&x);
}
END_TEST

static Suite *
exec_suite(void)
{
	Suite *s = suite_create("coord_exec");
	TCase *tc = tcase_create("exec");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_failed_restart_rolled_back_exactly);
	tcase_add_test(tc, test_dry_run_changes_nothing);
	tcase_add_test(tc, test_conflicts_and_cancel);
	tcase_add_test(tc, test_lease_held_elsewhere);
	tcase_add_test(tc, test_interrupted_then_rolled_back_after_reopen);
	tcase_add_test(tc, test_faults_never_half_applied);
	tcase_add_test(tc, test_lease_excludes_second_server);
	tcase_add_test(tc, test_expired_lease_taken_over);
	tcase_add_test(tc, test_skewed_live_lease_refused);
	tcase_add_test(tc, test_lease_renewed_while_running);
	tcase_add_test(tc, test_argocd_rollback_and_back);
	tcase_add_test(tc, test_dry_run_scenarios_change_nothing);
	tcase_add_test(tc, test_checkpoint_never_healthy_rolls_back);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(exec_suite)
