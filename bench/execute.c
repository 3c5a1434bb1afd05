/*
 * bench/execute: the executor's own overhead against strata-sim.
 *
 *   1. a 1,000-step plan (cordon / drain / uncordon over generated workers) as a dry run:
 *      every mutation is sent with dryRun=All, so the time is the executor's and the
 *      API round trips', with no cluster delays;
 *   2. 100 small plans (cordon + uncordon of a distinct node each) executed for real and
 *      concurrently on one loop, with in-process locks and one Lease per target.
 *
 * Prints seconds and peak RSS.  Not a test: `make bench-execute` (BENCH_EXECUTE_DIR=/dev/shm
 * puts the journal on tmpfs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "strata/coord_exec.h"
#include "strata/coord_plan.h"
#include "strata/coord_store.h"
#include "strata/kube.h"
#include "strata/sim.h"
#include "strata/util.h"

#define WORKERS		400
#define BIG_STEPS	1000
#define SMALL_PLANS	100

static int done_count;
static int bad_count;
static json_t *last_stats;

static json_t *
step(int index, const char *action, const char *node)
{
	const char *comp = strcmp(action, "uncordon") == 0 ? "cordon" : "uncordon";

	return json_pack("{s:i, s:s, s:s, s:{s:s, s:n, s:s}, s:{s:s, s:b, s:b, s:b, s:i}, "
	    "s:s, s:b, s:b, s:b, s:{s:s, s:{s:{s:s}}}, s:i, s:[{s:s, s:s, s:[s]}]}",
	    "index", index, "layer", "infrastructure", "action", action, "target", "kind",
	    "Node", "namespace", "name", node, "params", "node", node, "ignore_daemonsets", 1,
	    "delete_emptydir_data", 1, "force", 1, "skip_wait_for_delete_timeout", 0,
	    "description", action, "required", 1, "reversible", 1, "mutating", 1,
	    "compensation", "action", comp, "params", "unschedulable", "$capture",
	    "/spec/unschedulable", "timeout_seconds", 600, "before_state_capture", "kind",
	    "Node", "name", node, "fields", "/spec/unschedulable");
}

static char *
plan_put(struct coord_store *st, json_t *steps)
{
	json_t *plan;
	char id[COORD_STORE_ID_MAX], hash[65], err[256];
	char *out;

	coord_store_id_new(COORD_STORE_PLAN, id);
	plan = json_pack("{s:s, s:n, s:[s], s:o, s:[], s:b}", "plan_id", id, "issue_id",
	    "layers", "infrastructure", "steps", steps, "checkpoints", "refused", 0);
	if (plan == NULL || coord_plan_hash(plan, hash, err, sizeof(err)) != 0) {
		fprintf(stderr, "plan: %s\n", err);
		exit(1);
	}
	json_object_set_new(plan, "hash", json_string(hash));
	if (coord_store_plan_put(st, plan, err, sizeof(err)) != 0) {
		fprintf(stderr, "plan_put: %s\n", err);
		exit(1);
	}
	out = strdup(id);
	json_decref(plan);
	return out;
}

static void
on_done(struct coord_run *run, int status, json_t *result, void *arg)
{
	const char *want = arg;
	const char *got = json_string_value(json_object_get(result, "status"));

	(void)run;
	done_count++;
	json_decref(last_stats);
	last_stats = json_incref(json_object_get(result, "stats"));
	if (status != 0 || got == NULL || strcmp(got, want) != 0) {
		bad_count++;
		fprintf(stderr, "run ended %s (%d): %s\n", got ? got : "?", status,
		    json_string_value(json_object_get(result, "message")));
	}
}

static long
rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int
main(int argc, char **argv)
{
	struct sim_options so;
	struct sim *sim;
	struct kube_config_options ko;
	struct kube_config *cfg;
	struct kube_client *client;
	struct coord_store_options sto;
	struct coord_store *st;
	struct coord_run_options o;
	struct coord_run *run;
	uv_loop_t loop;
	char dir[200], kc[300], state[300], err[512];
	char node[64], cmd[300];
	char *big, *small[SMALL_PLANS];
	json_t *steps;
	uint64_t t0;
	int i;

	strata_log_set_level(STRATA_LOG_WARNING);
	/* argv[1]: where the state directory goes (default /tmp; try /dev/shm to see the
	 * journal's file-system share of the overhead) */
	snprintf(dir, sizeof(dir), "%s/strata-bench-exec-XXXXXX", argc > 1 ? argv[1] :
	    "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	memset(&so, 0, sizeof(so));
	so.generate = "nodes=403,pods=4000,namespaces=20";
	so.time_scale = 1;
	if ((sim = sim_start(&so, err, sizeof(err))) == NULL ||
	    sim_write_kubeconfig(sim, kc, err, sizeof(err)) != 0) {
		fprintf(stderr, "sim: %s\n", err);
		return 1;
	}
	uv_loop_init(&loop);
	memset(&ko, 0, sizeof(ko));
	ko.kubeconfig = kc;
	if (kube_config_load(&ko, &cfg, err, sizeof(err)) != 0 ||
	    (client = kube_client_new(&loop, cfg, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "client: %s\n", err);
		return 1;
	}
	memset(&sto, 0, sizeof(sto));
	sto.state_dir = state;
	if (coord_store_open(&sto, &st, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "store: %s\n", err);
		return 1;
	}
	steps = json_array();
	for (i = 0; i < BIG_STEPS; i++) {
		snprintf(node, sizeof(node), "worker-%05d", (i / 3) % WORKERS);
		json_array_append_new(steps, step(i + 1, i % 3 == 0 ? "cordon" : i % 3 == 1 ?
		    "drain" : "uncordon", node));
	}
	big = plan_put(st, steps);
	for (i = 0; i < SMALL_PLANS; i++) {
		snprintf(node, sizeof(node), "worker-%05d", i);
		small[i] = plan_put(st, json_pack("[o, o]", step(1, "cordon", node),
		    step(2, "uncordon", node)));
	}
	memset(&o, 0, sizeof(o));
	o.loop = &loop;
	o.client = client;
	o.store = st;
	o.time_scale = 1;
	o.holder = "bench-execute";
	o.done = on_done;

	o.dry_run = true;
	o.arg = "dry_run";
	t0 = strata_now_ms();
	if (coord_run_execute(&o, big, &run, err, sizeof(err)) != 0) {
		fprintf(stderr, "execute: %s\n", err);
		return 1;
	}
	while (done_count < 1)
		uv_run(&loop, UV_RUN_ONCE);
	{
		double wall = (double)(strata_now_ms() - t0) / 1000.0;
		double req = (double)json_integer_value(json_object_get(last_stats,
		    "request_ms")) / 1000.0;

		printf("dry run, %d steps (cordon/drain/uncordon, 4000 pods in the cluster): "
		    "%.3f s, of which %.3f s waiting on %lld API requests; executor overhead "
		    "%.3f s; peak RSS %ld MB\n", BIG_STEPS, wall, req, (long long)
		    json_integer_value(json_object_get(last_stats, "requests")), wall - req,
		    rss_kb() / 1024);
	}

	o.dry_run = false;
	o.arg = "succeeded";
	done_count = 0;
	t0 = strata_now_ms();
	for (i = 0; i < SMALL_PLANS; i++)
		if (coord_run_execute(&o, small[i], &run, err, sizeof(err)) != 0) {
			fprintf(stderr, "execute %d: %s\n", i, err);
			return 1;
		}
	while (done_count < SMALL_PLANS)
		uv_run(&loop, UV_RUN_ONCE);
	printf("%d concurrent 2-step plans executed (with Leases): %.3f s, peak RSS %ld "
	    "MB, %d not succeeded\n", SMALL_PLANS, (double)(strata_now_ms() - t0) / 1000.0,
	    rss_kb() / 1024, bad_count);
	coord_store_close(st);
	kube_client_close(client);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	sim_stop(sim);
	for (i = 0; i < SMALL_PLANS; i++)
		free(small[i]);
	json_decref(last_stats);
	free(big);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return bad_count ? 1 : 0;
}
