/*
 * strata-sim controllers: Argo CD sync/rollback through the `operation` field, health
 * following the app's Deployments, ClusterOperator conditions following their pods, and
 * Lease mutual exclusion by resourceVersion.  Fixture tests/sim-fixtures/ctl-apps.json:
 * app argocd/shop deployed at d4e5f6a whose image crashes (hint), history 1=a1b2c3d.
 */
#include <errno.h>
#include <stdlib.h>

#include "testutil.h"
#include "test_sim_ctl_util.h"

#define FIXTURE	"tests/sim-fixtures/ctl-apps.json"

static bool
app_health(struct sim *s, const void *arg)
{
	json_t *a = ctl_test_get(s, SIM_RT_APPLICATION, "argocd", "shop");
	const char *h = ctl_test_str(a, "status.health.status");
	bool ok = h && strcmp(h, arg) == 0 && json_object_get(a, "operation") == NULL;

	json_decref(a);
	return ok;
}

static bool
op_phase(struct sim *s, const void *arg)
{
	json_t *a = ctl_test_get(s, SIM_RT_APPLICATION, "argocd", "shop");
	const char *p = ctl_test_str(a, "status.operationState.phase");
	bool ok = p && strcmp(p, arg) == 0 && json_object_get(a, "operation") == NULL;

	json_decref(a);
	return ok;
}

START_TEST(test_argo_rollback_heals)
{
	struct sim *s = ctl_test_start(FIXTURE);
	json_t *a, *d, *h;

	/* the synced revision crashes: the Deployment misses its deadline → Degraded */
	ck_assert(ctl_test_wait(s, app_health, "Degraded"));

	/* rollback = a sync operation to history id 1's revision */
	ctl_test_patch(s, SIM_RT_APPLICATION, "argocd", "shop", SIM_PATCH_MERGE,
	    "{\"operation\":{\"initiatedBy\":{\"username\":\"strata\"},\"sync\":{\"revision\":"
	    "\"a1b2c3d\",\"syncStrategy\":{\"apply\":{}}}}}");
	a = ctl_test_get(s, SIM_RT_APPLICATION, "argocd", "shop");
	ck_assert_ptr_nonnull(json_object_get(a, "operation"));	/* not instantaneous */
	json_decref(a);
	ck_assert(ctl_test_wait(s, op_phase, "Succeeded"));
	ck_assert(ctl_test_wait(s, app_health, "Healthy"));
	a = ctl_test_get(s, SIM_RT_APPLICATION, "argocd", "shop");
	ck_assert_str_eq(ctl_test_str(a, "status.sync.status"), "Synced");
	ck_assert_str_eq(ctl_test_str(a, "status.sync.revision"), "a1b2c3d");
	h = json_object_get(json_object_get(a, "status"), "history");
	ck_assert_uint_eq(json_array_size(h), 3);
	ck_assert_int_eq(ctl_test_int(a, "status.history.2.id"), 3);
	ck_assert_str_eq(ctl_test_str(a, "status.history.2.revision"), "a1b2c3d");
	ck_assert_str_eq(ctl_test_str(a, "status.history.2.initiatedBy.username"), "strata");
	ck_assert_str_eq(ctl_test_str(a, "status.operationState.syncResult.revision"), "a1b2c3d");
	json_decref(a);
	d = ctl_test_get(s, SIM_RT_DEPLOYMENT, "shop", "web");
	ck_assert_str_eq(ctl_test_str(d, "spec.template.spec.containers.0.image"),
	    "registry.example/web:1.9");
	json_decref(d);

	/* a direct edit drifts from the synced revision → OutOfSync */
	ctl_test_patch(s, SIM_RT_DEPLOYMENT, "shop", "web", SIM_PATCH_STRATEGIC,
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
	    "\"image\":\"registry.example/web:hotfix\"}]}}}}");
	{
		bool out = false;
		size_t i;

		for (i = 0; i < 400 && !out; i++) {
			ctl_test_sleep(10);
			a = ctl_test_get(s, SIM_RT_APPLICATION, "argocd", "shop");
			out = strcmp(ctl_test_str(a, "status.sync.status"), "OutOfSync") == 0;
			json_decref(a);
		}
		ck_assert(out);
	}

	/* an unknown revision fails the operation as Argo CD does */
	ctl_test_patch(s, SIM_RT_APPLICATION, "argocd", "shop", SIM_PATCH_MERGE,
	    "{\"operation\":{\"sync\":{\"revision\":\"0000000\"}}}");
	ck_assert(ctl_test_wait(s, op_phase, "Failed"));
	a = ctl_test_get(s, SIM_RT_APPLICATION, "argocd", "shop");
	ck_assert_ptr_nonnull(strstr(ctl_test_str(a, "status.operationState.message"),
	    "unable to resolve '0000000'"));
	json_decref(a);
	sim_stop(s);
}
END_TEST

static bool
co_cond(struct sim *s, const void *arg)
{
	const char *const *want = arg;		/* {type, status} */
	json_t *co = ctl_test_get(s, SIM_RT_CLUSTEROPERATOR, "", "dns");
	const char *st = ctl_test_cond(co, want[0], NULL);
	bool ok = st && strcmp(st, want[1]) == 0;

	json_decref(co);
	return ok;
}

static bool
dns_ready(struct sim *s, const void *arg)
{
	struct ctl_test_count c = ctl_test_pods(s, "openshift-dns", NULL, NULL);

	(void)arg;
	return c.total == 2 && c.ready == 2;
}

START_TEST(test_clusteroperator_follows_pods)
{
	struct sim *s = ctl_test_start(FIXTURE);
	static const char *degraded[] = { "Degraded", "True" };
	static const char *healthy[] = { "Degraded", "False" };
	static const char *available[] = { "Available", "True" };
	json_t *co;
	const char *reason = NULL;

	/* pods get created and started: the operator ends healthy */
	ck_assert(ctl_test_wait(s, dns_ready, NULL));
	ck_assert(ctl_test_wait(s, co_cond, available));
	ck_assert(ctl_test_wait(s, co_cond, healthy));
	/* a crashing operand image: Degraded with the pods named */
	ctl_test_patch(s, SIM_RT_DEPLOYMENT, "openshift-dns", "dns-default", SIM_PATCH_MERGE,
	    "{\"metadata\":{\"annotations\":{\"sim.strata.dev/crash-images\":\"quay.example/"
	    "coredns:bad\"}}}");
	ctl_test_patch(s, SIM_RT_DEPLOYMENT, "openshift-dns", "dns-default", SIM_PATCH_STRATEGIC,
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"dns-default\","
	    "\"image\":\"quay.example/coredns:bad\"}]}}}}");
	ck_assert(ctl_test_wait(s, co_cond, degraded));
	co = ctl_test_get(s, SIM_RT_CLUSTEROPERATOR, "", "dns");
	ck_assert_str_eq(ctl_test_cond(co, "Degraded", &reason), "True");
	ck_assert_str_eq(reason, "PodsNotReady");
	ck_assert_str_eq(ctl_test_cond(co, "Available", NULL), "True");	/* old pods serve */
	json_decref(co);
	sim_stop(s);
}
END_TEST

START_TEST(test_lease_writers_exclude_each_other)
{
	struct sim *s = ctl_test_start(FIXTURE);
	struct sim_err e = { 0 };
	json_t *a, *b, *out = NULL;
	int rc;

	a = ctl_test_get(s, SIM_RT_LEASE, "kube-system", "strata-plan-lock");
	b = json_deep_copy(a);		/* both writers read the same resourceVersion */
	json_object_set_new(json_object_get(a, "spec"), "holderIdentity", json_string("strata-a"));
	json_object_set_new(json_object_get(b, "spec"), "holderIdentity", json_string("strata-b"));
	sim_lock(s);
	rc = sim_store_update(s, sim_rt(SIM_RT_LEASE), "kube-system", a, 0, &out, &e);
	sim_unlock(s);
	ck_assert_int_eq(rc, 0);
	sim_lock(s);
	rc = sim_store_update(s, sim_rt(SIM_RT_LEASE), "kube-system", b, 0, NULL, &e);
	sim_unlock(s);
	ck_assert_int_eq(rc, -ESTALE);
	ck_assert_int_eq(e.code, 409);
	json_decref(a);
	json_decref(b);
	/* the winner renews with its own (latest) resourceVersion */
	json_object_set_new(json_object_get(out, "spec"), "renewTime",
	    json_string("2026-11-30T10:00:05.000000Z"));
	sim_lock(s);
	rc = sim_store_update(s, sim_rt(SIM_RT_LEASE), "kube-system", out, 0, NULL, &e);
	sim_unlock(s);
	ck_assert_int_eq(rc, 0);
	json_decref(out);
	a = ctl_test_get(s, SIM_RT_LEASE, "kube-system", "strata-plan-lock");
	ck_assert_str_eq(ctl_test_str(a, "spec.holderIdentity"), "strata-a");
	json_decref(a);
	sim_stop(s);
}
END_TEST

static Suite *
sim_ctl_apps_suite(void)
{
	Suite *su = suite_create("sim_ctl_apps");
	TCase *tc = tcase_create("apps");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_argo_rollback_heals);
	tcase_add_test(tc, test_clusteroperator_follows_pods);
	tcase_add_test(tc, test_lease_writers_exclude_each_other);
	suite_add_tcase(su, tc);
	return su;
}

STRATA_TEST_MAIN(sim_ctl_apps_suite)
