#ifndef TEST_COORD_EXEC_UTIL_H
#define TEST_COORD_EXEC_UTIL_H

/*
 * Rig for the executor suites: strata-sim in-process on a scenario, a kube client on a uv
 * loop, a state store in a temp dir; detect over the scenario, plan, then runs of the
 * executor waited for on the loop.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "strata/coord.h"
#include "strata/coord_exec.h"
#include "strata/coord_plan.h"
#include "strata/coord_store.h"
#include "strata/kube.h"
#include "strata/sim.h"
#include "strata/util.h"

/*
 * Simulated time runs this many times faster.  Under valgrind (tests/run-unit.sh sets
 * STRATA_TEST_SLOW) the simulator's threads crawl, so time runs slower too: the plan's
 * timeouts, scaled by the same factor, then leave the controllers room to keep up.
 */
#define XT_SCALE	(getenv("STRATA_TEST_SLOW") != NULL ? 40.0 : 200.0)

struct xt {
	uv_loop_t		 loop;
	struct sim		*sim;
	struct kube_client	*client;
	struct coord_store	*store;
	char			 dir[64], kubeconfig[128], state[128];
	json_t			*result;
	int			 status;
	int			 done;
	int			 progress;
	char			 last_msg[600];
	struct coord_run	*run;
	const char		*cancel_on;	/* cancel when a progress message has it */
	int			 cancelled;
};

static inline void
xt_store_open(struct xt *x)
{
	struct coord_store_options so;
	char err[512];

	memset(&so, 0, sizeof(so));
	so.state_dir = x->state;
	so.no_fsync = true;
	ck_assert_msg(coord_store_open(&so, &x->store, NULL, err, sizeof(err)) == 0, "%s",
	    err);
}

static inline void
xt_start(struct xt *x, const char *scenario)
{
	struct sim_options o;
	struct kube_config_options ko;
	struct kube_config *cfg;
	char err[512];

	memset(x, 0, sizeof(*x));
	snprintf(x->dir, sizeof(x->dir), "/tmp/strata-xt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(x->dir));
	snprintf(x->kubeconfig, sizeof(x->kubeconfig), "%s/kubeconfig", x->dir);
	snprintf(x->state, sizeof(x->state), "%s/state", x->dir);
	memset(&o, 0, sizeof(o));
	o.scenario_path = scenario;
	o.time_scale = XT_SCALE;
	x->sim = sim_start(&o, err, sizeof(err));
	ck_assert_msg(x->sim != NULL, "sim_start: %s", err);
	ck_assert_int_eq(sim_write_kubeconfig(x->sim, x->kubeconfig, err, sizeof(err)), 0);
	ck_assert_int_eq(uv_loop_init(&x->loop), 0);
	memset(&ko, 0, sizeof(ko));
	ko.kubeconfig = x->kubeconfig;
	ck_assert_msg(kube_config_load(&ko, &cfg, err, sizeof(err)) == 0, "%s", err);
	x->client = kube_client_new(&x->loop, cfg, NULL, err, sizeof(err));
	ck_assert_msg(x->client != NULL, "%s", err);
	xt_store_open(x);
}

static inline void
xt_stop(struct xt *x)
{
	char cmd[200];

	json_decref(x->result);
	coord_store_close(x->store);
	kube_client_close(x->client);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&x->loop), 0);
	sim_stop(x->sim);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Detect over the scenario file, then plan with it as the live context; stores both. */
static inline char *
xt_plan(struct xt *x, const char *scenario, const char *options_json)
{
	struct coord_detect_request rq;
	struct coord_detect *d;
	json_t *list, *det, *plan, *opts = NULL;
	char err[512], id[COORD_STORE_ID_MAX];
	char *pid;

	list = json_load_file(scenario, 0, NULL);
	ck_assert_ptr_nonnull(list);
	memset(&rq, 0, sizeof(rq));
	d = coord_detect_new(&rq);
	ck_assert_int_ge(coord_detect_feed_list(d, list, err, sizeof(err)), 0);
	det = coord_detect_finish(d, err, sizeof(err));
	ck_assert_msg(det != NULL, "%s", err);
	coord_detect_free(d);
	coord_store_id_new(COORD_STORE_ISSUE, id);
	json_object_set_new(det, "issue_id", json_string(id));
	ck_assert_int_eq(coord_store_issue_put(x->store, det, err, sizeof(err)), 0);
	if (options_json)
		opts = json_loads(options_json, 0, NULL);
	plan = coord_plan_build(det, list, opts, err, sizeof(err));
	ck_assert_msg(plan != NULL, "%s", err);
	ck_assert_int_eq(coord_store_plan_put(x->store, plan, err, sizeof(err)), 0);
	pid = strdup(json_string_value(json_object_get(plan, "plan_id")));
	json_decref(plan);
	json_decref(det);
	json_decref(list);
	json_decref(opts);
	return pid;
}

/*
 * A one-step plan written the way the planner writes it (plan_actions.c): rollout restart
 * of a Deployment, then an application checkpoint.  For a healthy Deployment it
 * succeeds, so runs can be cancelled, interrupted or faulted mid-way.
 */
static inline char *
xt_plan_restart_check(struct coord_store *st, const char *ns, const char *name,
    const char *extra_check)
{
	json_t *plan;
	char id[COORD_STORE_ID_MAX], hash[65], err[256];

	coord_store_id_new(COORD_STORE_PLAN, id);
	plan = json_pack("{s:s, s:n, s:[s], s:[{s:i, s:s, s:s, s:{s:s, s:s, s:s}, s:{}, "
	    "s:s, s:b, s:b, s:b, s:{s:s, s:{s:s, s:{s:s}}}, s:i, s:{s:s, s:s}, "
	    "s:[{s:s, s:s, s:s, s:[s]}]}], s:[{s:s, s:i, s:[{s:s, s:{s:s, s:s, s:s}, s:i, "
	    "s:i}, {s:s, s:{s:s, s:s, s:s}, s:i, s:i}]}], s:b}",
	    "plan_id", id, "issue_id", "layers", "application", "steps", "index", 1,
	    "layer", "application", "action", "restart_deployment", "target", "kind",
	    "Deployment", "namespace", ns, "name", name, "params", "description",
	    "Restart the Deployment", "required", 1, "reversible", 1, "mutating", 1,
	    "compensation", "action", "restore_template_annotation", "params", "annotation",
	    "kubectl.kubernetes.io/restartedAt", "value", "$capture",
	    "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt",
	    "timeout_seconds", 660, "done_condition", "type", "rollout_complete",
	    "description", "rollout complete", "before_state_capture", "kind", "Deployment",
	    "namespace", ns, "name", name, "fields", "/spec/template/metadata/annotations",
	    "checkpoints", "layer", "application", "after_step", 1, "checks", "type",
	    "deployment_available", "target", "kind", "Deployment", "namespace", ns, "name",
	    name, "timeout_seconds", 660, "poll_seconds", 10, "type", "pods_running",
	    "target", "kind", "Deployment", "namespace", ns, "name", name,
	    "timeout_seconds", 300, "poll_seconds", 10, "refused", 0);
	ck_assert_ptr_nonnull(plan);
	if (extra_check != NULL)
		json_array_append_new(json_object_get(json_array_get(json_object_get(plan,
		    "checkpoints"), 0), "checks"), json_loads(extra_check, 0, NULL));
	ck_assert_int_eq(coord_plan_hash(plan, hash, err, sizeof(err)), 0);
	json_object_set_new(plan, "hash", json_string(hash));
	ck_assert_int_eq(coord_store_plan_put(st, plan, err, sizeof(err)), 0);
	json_decref(plan);
	return strdup(id);
}

static inline char *
xt_plan_restart_in(struct coord_store *st, const char *ns, const char *name)
{
	return xt_plan_restart_check(st, ns, name, NULL);
}

static inline char *
xt_plan_restart(struct xt *x, const char *ns, const char *name)
{
	return xt_plan_restart_in(x->store, ns, name);
}

static inline void
xt_progress(struct coord_run *run, size_t step, size_t total, const char *msg, void *arg)
{
	struct xt *x = arg;

	(void)step;
	(void)total;
	x->progress++;
	snprintf(x->last_msg, sizeof(x->last_msg), "%s", msg);
	if (x->cancel_on != NULL && !x->cancelled && strstr(msg, x->cancel_on) != NULL) {
		x->cancelled = 1;
		coord_run_cancel(run, "the test cancels");
	}
}

static inline void
xt_done(struct coord_run *run, int status, json_t *result, void *arg)
{
	struct xt *x = arg;

	(void)run;
	json_decref(x->result);
	x->result = json_incref(result);
	x->status = status;
	x->done++;
	x->run = NULL;
}

static inline struct coord_run_options
xt_opts(struct xt *x, bool dry_run)
{
	struct coord_run_options o;

	memset(&o, 0, sizeof(o));
	o.loop = &x->loop;
	o.client = x->client;
	o.store = x->store;
	o.time_scale = XT_SCALE;
	o.dry_run = dry_run;
	o.holder = "xt-holder-a";
	o.lease_duration_s = 30;
	o.progress_interval_ms = 200;
	o.progress = xt_progress;
	o.done = xt_done;
	o.arg = x;
	return o;
}

static inline void
xt_timeout_cb(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

/* Runs the loop until the current run is done (or ms pass). */
static inline void
xt_wait(struct xt *x, unsigned ms)
{
	uv_timer_t tm;
	int expired = 0;
	int before = x->done;

	uv_timer_init(&x->loop, &tm);
	tm.data = &expired;
	uv_timer_start(&tm, xt_timeout_cb, ms, 0);
	while (x->done == before && !expired)
		uv_run(&x->loop, UV_RUN_ONCE);
	uv_timer_stop(&tm);
	uv_close((uv_handle_t *)&tm, NULL);
	uv_run(&x->loop, UV_RUN_NOWAIT);
	ck_assert_msg(x->done > before, "run not done within %u ms (last: %s)", ms,
	    x->last_msg);
}

static inline const char *
xt_status(const struct xt *x)
{
	return json_string_value(json_object_get(x->result, "status"));
}

struct xt_get {
	json_t	*obj;
	int	 done;
	long	 http;
};

static inline void
xt_get_cb(struct kube_request *r, json_t *res, const struct kube_error *e, void *arg)
{
	struct xt_get *g = arg;

	(void)r;
	g->obj = res ? json_incref(res) : NULL;
	g->http = e ? e->http_status : 200;
	g->done = 1;
}

/* GET an object or list through the client (new reference, NULL on error). */
static inline json_t *
xt_get(struct xt *x, const struct kube_ref *ref, long *http)
{
	struct xt_get g = { NULL, 0, 0 };
	char err[256];

	ck_assert_ptr_nonnull(kube_get(x->client, ref, NULL, xt_get_cb, &g, err,
	    sizeof(err)));
	while (!g.done)
		uv_run(&x->loop, UV_RUN_ONCE);
	if (http)
		*http = g.http;
	return g.obj;
}

static inline const char *
xt_str(const json_t *o, const char *k1, const char *k2, const char *k3)
{
	json_t *v = json_object_get(o, k1);

	if (k2)
		v = json_object_get(v, k2);
	if (k3)
		v = json_object_get(v, k3);
	return json_string_value(v);
}

/* Advance the loop (and the simulator) for ms. */
static inline void
xt_sleep(struct xt *x, unsigned ms)
{
	uv_timer_t tm;
	int expired = 0;

	uv_timer_init(&x->loop, &tm);
	tm.data = &expired;
	uv_timer_start(&tm, xt_timeout_cb, ms, 0);
	while (!expired)
		uv_run(&x->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tm, NULL);
	uv_run(&x->loop, UV_RUN_NOWAIT);
}

#endif
