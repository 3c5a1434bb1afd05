/*
 * strata-sim controllers: scheduler, kubelet, ReplicaSet, Deployment rollouts and undo,
 * crash hints, PDB status, node pressure.  Each test starts an embedded simulator on
 * tests/sim-fixtures/ctl-basic.json (3 workers, 4 cpu / 16Gi each) at time scale 200.
 */
#include <stdlib.h>

#include "testutil.h"
#include "test_sim_ctl_util.h"

#define FIXTURE	"tests/sim-fixtures/ctl-basic.json"

static const char *DEPLOY_WEB =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
    " \"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"%s},"
    " \"spec\":{\"replicas\":%d,\"progressDeadlineSeconds\":60,"
    "  \"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
    "  \"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
    "   \"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"%s\","
    "    \"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}]}}}}";

static void
create_web(struct sim *s, int replicas, const char *image, const char *extra_md)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), DEPLOY_WEB, extra_md ? extra_md : "", replicas, image);
	ctl_test_create(s, SIM_RT_DEPLOYMENT, "shop", buf);
}

/* ---- predicates ------------------------------------------------------------------------ */

static bool
pod_running_ready(struct sim *s, const void *arg)
{
	json_t *p = ctl_test_get(s, SIM_RT_POD, "default", arg);
	const char *ready = p ? ctl_test_cond(p, "Ready", NULL) : NULL;
	bool ok = p && ctl_test_str(p, "spec.nodeName") && ready && strcmp(ready, "True") == 0 &&
	    strcmp(ctl_test_str(p, "status.phase"), "Running") == 0;

	json_decref(p);
	return ok;
}

static bool
pod_unschedulable(struct sim *s, const void *arg)
{
	json_t *p = ctl_test_get(s, SIM_RT_POD, "default", arg);
	const char *reason = NULL, *st = p ? ctl_test_cond(p, "PodScheduled", &reason) : NULL;
	bool ok = st && strcmp(st, "False") == 0 && reason && strcmp(reason, "Unschedulable") == 0;

	json_decref(p);
	return ok;
}

/* Deployment "shop/web" rolled out: kubectl's rule plus NewReplicaSetAvailable. */
static bool
web_complete(struct sim *s, const void *arg)
{
	json_t *d = ctl_test_get(s, SIM_RT_DEPLOYMENT, "shop", "web");
	const char *reason = NULL;
	long long want = (long long)(intptr_t)arg;
	bool ok;

	if (d == NULL)
		return false;
	ctl_test_cond(d, "Progressing", &reason);
	ok = ctl_test_int(d, "status.observedGeneration") >= ctl_test_int(d, "metadata.generation") &&
	    ctl_test_int(d, "status.updatedReplicas") == want &&
	    ctl_test_int(d, "status.replicas") == want &&
	    ctl_test_int(d, "status.availableReplicas") == want &&
	    reason && strcmp(reason, "NewReplicaSetAvailable") == 0;
	json_decref(d);
	return ok;
}

struct event_q {
	const char *reason;
	const char *substr;
};

static int
event_fn(const struct sim_obj *o, void *arg)
{
	const struct event_q *q = arg;
	json_t *e = sim_obj_json(o);
	int hit = 0;

	if (e && ctl_test_str(e, "reason") && strcmp(ctl_test_str(e, "reason"), q->reason) == 0 &&
	    (q->substr == NULL || (ctl_test_str(e, "message") &&
	    strstr(ctl_test_str(e, "message"), q->substr))))
		hit = 1;
	json_decref(e);
	return hit;
}

static bool
has_event(struct sim *s, const void *arg)
{
	int rc;

	sim_lock(s);
	rc = sim_store_foreach(s, sim_rt(SIM_RT_EVENT), NULL, NULL, event_fn, (void *)arg);
	sim_unlock(s);
	return rc == 1;
}

/* ---- scheduler --------------------------------------------------------------------------- */

START_TEST(test_schedule_and_start)
{
	struct sim *s = ctl_test_start(FIXTURE);
	struct event_q scheduled = { "Scheduled", "Successfully assigned default/solo to worker-" };
	struct event_q started = { "Started", "Started container c" };

	ctl_test_create(s, SIM_RT_POD, "default", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"solo\"},\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"busybox\"}]}}");
	ck_assert(ctl_test_wait(s, pod_running_ready, "solo"));
	ck_assert(has_event(s, &scheduled));
	ck_assert(has_event(s, &started));
	sim_stop(s);
}
END_TEST

START_TEST(test_schedule_respects_cordon_and_selector)
{
	struct sim *s = ctl_test_start(FIXTURE);
	json_t *p;

	ctl_test_patch(s, SIM_RT_NODE, "", "worker-0", SIM_PATCH_MERGE,
	    "{\"spec\":{\"unschedulable\":true}}");
	ctl_test_create(s, SIM_RT_POD, "default", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"picky\"},\"spec\":{\"nodeSelector\":{\"zone\":\"c\"},"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
	ck_assert(ctl_test_wait(s, pod_running_ready, "picky"));
	p = ctl_test_get(s, SIM_RT_POD, "default", "picky");
	ck_assert_str_eq(ctl_test_str(p, "spec.nodeName"), "worker-2");
	json_decref(p);

	/* the node-lifecycle taint mirrors the cordon */
	p = ctl_test_get(s, SIM_RT_NODE, "", "worker-0");
	ck_assert_ptr_nonnull(ctl_test_str(p, "spec.taints.0.key"));
	ck_assert_str_eq(ctl_test_str(p, "spec.taints.0.key"), "node.kubernetes.io/unschedulable");
	json_decref(p);

	/* zone a is cordoned: unschedulable, with the scheduler's message */
	ctl_test_create(s, SIM_RT_POD, "default", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"stuck\"},\"spec\":{\"nodeSelector\":{\"zone\":\"a\"},"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
	ck_assert(ctl_test_wait(s, pod_unschedulable, "stuck"));
	{
		struct event_q q = { "FailedScheduling", "0/3 nodes are available: 2 node(s) "
		    "didn't match Pod's node affinity/selector, 1 node(s) were unschedulable." };

		ck_assert(ctl_test_wait(s, has_event, &q));
	}
	/* uncordon: the pending pod is retried and lands */
	ctl_test_patch(s, SIM_RT_NODE, "", "worker-0", SIM_PATCH_MERGE,
	    "{\"spec\":{\"unschedulable\":null}}");
	ck_assert(ctl_test_wait(s, pod_running_ready, "stuck"));
	p = ctl_test_get(s, SIM_RT_NODE, "", "worker-0");
	ck_assert_ptr_null(json_object_get(json_object_get(p, "spec"), "taints"));
	json_decref(p);
	sim_stop(s);
}
END_TEST

START_TEST(test_schedule_insufficient_cpu)
{
	struct sim *s = ctl_test_start(FIXTURE);
	struct event_q q = { "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu." };

	ctl_test_create(s, SIM_RT_POD, "default", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"huge\"},\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"5\"}}}]}}");
	ck_assert(ctl_test_wait(s, pod_unschedulable, "huge"));
	ck_assert(ctl_test_wait(s, has_event, &q));
	sim_stop(s);
}
END_TEST

/* ---- Deployment / ReplicaSet ------------------------------------------------------------ */

struct rs_find {
	char	 name[256];
	long	 rev;
	int	 replicas;
	const char *image;
	char	 hist[64];
};

static int
rs_fn(const struct sim_obj *o, void *arg)
{
	struct rs_find *f = arg;
	json_t *rs = sim_obj_json(o);
	const char *img = ctl_test_str(rs, "spec.template.spec.containers.0.image");

	if (img && strcmp(img, f->image) == 0) {
		json_t *ann = json_object_get(json_object_get(rs, "metadata"), "annotations");
		const char *rev = json_string_value(json_object_get(ann,
		    "deployment.kubernetes.io/revision"));
		const char *h = json_string_value(json_object_get(ann,
		    "deployment.kubernetes.io/revision-history"));

		snprintf(f->name, sizeof(f->name), "%s", o->name);
		f->rev = rev ? atol(rev) : 0;
		f->replicas = (int)ctl_test_int(rs, "spec.replicas");
		snprintf(f->hist, sizeof(f->hist), "%s", h ? h : "");
	}
	json_decref(rs);
	return 0;
}

static struct rs_find
find_rs(struct sim *s, const char *image)
{
	struct rs_find f = { .image = image };

	sim_lock(s);
	sim_store_foreach(s, sim_rt(SIM_RT_REPLICASET), "shop", NULL, rs_fn, &f);
	sim_unlock(s);
	return f;
}

START_TEST(test_deployment_rollout_and_undo)
{
	struct sim *s = ctl_test_start(FIXTURE);
	struct rs_find v1, v2, back;
	struct ctl_test_count c;
	json_t *d;

	create_web(s, 3, "web:v1", NULL);
	ck_assert(ctl_test_wait(s, web_complete, (void *)(intptr_t)3));
	v1 = find_rs(s, "web:v1");
	ck_assert_int_eq(v1.rev, 1);
	ck_assert_int_eq(v1.replicas, 3);
	c = ctl_test_pods(s, "shop", "app=web", NULL);
	ck_assert_uint_eq(c.ready, 3);
	d = ctl_test_get(s, SIM_RT_DEPLOYMENT, "shop", "web");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(d,
	    "metadata"), "annotations"), "deployment.kubernetes.io/revision")), "1");
	json_decref(d);

	/* a template change rolls out a new RS, revision 2; the old one ends at 0 */
	ctl_test_patch(s, SIM_RT_DEPLOYMENT, "shop", "web", SIM_PATCH_STRATEGIC,
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
	    "\"image\":\"web:v2\"}]}}}}");
	ck_assert(ctl_test_wait(s, web_complete, (void *)(intptr_t)3));
	v2 = find_rs(s, "web:v2");
	ck_assert_int_eq(v2.rev, 2);
	ck_assert_int_eq(v2.replicas, 3);
	ck_assert_int_eq(find_rs(s, "web:v1").replicas, 0);
	c = ctl_test_pods(s, "shop", "app=web", NULL);
	ck_assert_uint_eq(c.total, 3);

	/* undo: the v1 template again → the old RS is re-adopted as revision 3 */
	ctl_test_patch(s, SIM_RT_DEPLOYMENT, "shop", "web", SIM_PATCH_STRATEGIC,
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
	    "\"image\":\"web:v1\"}]}}}}");
	ck_assert(ctl_test_wait(s, web_complete, (void *)(intptr_t)3));
	back = find_rs(s, "web:v1");
	ck_assert_str_eq(back.name, v1.name);
	ck_assert_int_eq(back.rev, 3);
	ck_assert_str_eq(back.hist, "1");
	ck_assert_int_eq(find_rs(s, "web:v2").replicas, 0);
	sim_stop(s);
}
END_TEST

static int
first_name(const struct sim_obj *o, void *arg)
{
	snprintf(arg, 256, "%s", o->name);
	return 1;
}

struct replaced {
	const char *victim;
};

static bool
web_replaced(struct sim *s, const void *arg)
{
	const struct replaced *r = arg;
	struct ctl_test_count c = ctl_test_pods(s, "shop", "app=web", NULL);
	json_t *gone = ctl_test_get(s, SIM_RT_POD, "shop", r->victim);
	bool ok = gone == NULL && c.total == 2 && c.ready == 2;

	json_decref(gone);
	return ok;
}

START_TEST(test_replicaset_replaces_deleted_pod)
{
	struct sim *s = ctl_test_start(FIXTURE);
	struct sim_selector *sel = NULL;
	struct replaced r;
	char victim[256] = "", err[128];
	struct event_q q = { "SuccessfulCreate", "Created pod: web-" };

	create_web(s, 2, "web:v1", NULL);
	ck_assert(ctl_test_wait(s, web_complete, (void *)(intptr_t)2));
	sim_lock(s);
	ck_assert_int_eq(sim_selector_parse(sim_rt(SIM_RT_POD), "app=web", NULL, &sel, err,
	    sizeof(err)), 0);
	sim_store_foreach(s, sim_rt(SIM_RT_POD), "shop", sel, first_name, victim);
	sim_unlock(s);
	sim_selector_free(sel);
	ck_assert(victim[0] != '\0');
	ck_assert_int_eq(ctl_test_delete(s, SIM_RT_POD, "shop", victim), 0);
	r.victim = victim;
	ck_assert(ctl_test_wait(s, web_replaced, &r));
	ck_assert(has_event(s, &q));
	sim_stop(s);
}
END_TEST

static bool
crashlooping(struct sim *s, const void *arg)
{
	json_t *p = ctl_test_get(s, SIM_RT_POD, "default", "bad");
	const char *w = ctl_test_str(p, "status.containerStatuses.0.state.waiting.reason");
	const char *last = ctl_test_str(p, "status.containerStatuses.0.lastState.terminated.reason");
	bool ok = w && strcmp(w, "CrashLoopBackOff") == 0 && last && strcmp(last, arg) == 0 &&
	    ctl_test_int(p, "status.containerStatuses.0.restartCount") >= 2;

	json_decref(p);
	return ok;
}

START_TEST(test_crash_hint_restarts_grow)
{
	struct sim *s = ctl_test_start(FIXTURE);
	json_t *p;

	ctl_test_create(s, SIM_RT_POD, "default", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"bad\",\"annotations\":{\"sim.strata.dev/fail\":\"OOMKilled\"}},"
	    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
	ck_assert(ctl_test_wait(s, crashlooping, "OOMKilled"));
	p = ctl_test_get(s, SIM_RT_POD, "default", "bad");
	ck_assert_str_eq(ctl_test_cond(p, "Ready", NULL), "False");
	ck_assert_int_eq(ctl_test_int(p, "status.containerStatuses.0.lastState.terminated.exitCode"),
	    137);
	json_decref(p);
	sim_stop(s);
}
END_TEST

static bool
pressure_is(struct sim *s, const void *arg)
{
	json_t *n = ctl_test_get(s, SIM_RT_NODE, "", "worker-0");
	const char *st = ctl_test_cond(n, "MemoryPressure", NULL);
	const char *key = ctl_test_str(n, "spec.taints.0.key");
	bool on = strcmp(arg, "True") == 0;
	bool ok = st && strcmp(st, arg) == 0 &&
	    (on ? key && strcmp(key, "node.kubernetes.io/memory-pressure") == 0 : key == NULL);

	json_decref(n);
	return ok;
}

START_TEST(test_node_pressure_follows_load)
{
	struct sim *s = ctl_test_start(FIXTURE);
	char buf[512];
	int i;

	ctl_test_patch(s, SIM_RT_NODE, "", "worker-0", SIM_PATCH_MERGE,
	    "{\"metadata\":{\"annotations\":{\"sim.strata.dev/memory-pressure-above\":\"50%\"}}}");
	for (i = 0; i < 3; i++) {	/* 3 × 3Gi requests on a 16Gi node = 56% */
		snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
		    "{\"name\":\"hog-%d\"},\"spec\":{\"nodeName\":\"worker-0\",\"containers\":"
		    "[{\"name\":\"c\",\"image\":\"hog\",\"resources\":{\"requests\":{\"memory\":"
		    "\"3Gi\"}}}]}}", i);
		ctl_test_create(s, SIM_RT_POD, "default", buf);
	}
	ck_assert(ctl_test_wait(s, pressure_is, "True"));
	{
		struct event_q q = { "NodeHasInsufficientMemory", NULL };

		ck_assert(has_event(s, &q));
	}
	/* draining load away clears it */
	ck_assert_int_eq(ctl_test_delete(s, SIM_RT_POD, "default", "hog-0"), 0);
	ck_assert(ctl_test_wait(s, pressure_is, "False"));
	sim_stop(s);
}
END_TEST

static Suite *
sim_ctl_workload_suite(void)
{
	Suite *su = suite_create("sim_ctl_workload");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_schedule_and_start);
	tcase_add_test(tc, test_schedule_respects_cordon_and_selector);
	tcase_add_test(tc, test_schedule_insufficient_cpu);
	tcase_add_test(tc, test_deployment_rollout_and_undo);
	tcase_add_test(tc, test_replicaset_replaces_deleted_pod);
	tcase_add_test(tc, test_crash_hint_restarts_grow);
	tcase_add_test(tc, test_node_pressure_follows_load);
	suite_add_tcase(su, tc);
	return su;
}

STRATA_TEST_MAIN(sim_ctl_workload_suite)
