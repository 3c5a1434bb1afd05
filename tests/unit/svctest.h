#ifndef STRATA_SVCTEST_H
#define STRATA_SVCTEST_H

/*
 * An in-process rig for the coordination service: a simulated cluster (strata-sim
 * embedded) loaded with a scenario, the MCP server with the service's tools, and a
 * client that feeds JSON-RPC lines and waits on the loop for answers.  Everything that
 * strata-mcp --simulate does, minus stdio, so the whole path runs under ASan/valgrind.
 */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "strata/coord_service.h"
#include "strata/embed.h"
#include "strata/mcp.h"
#include "strata/sim.h"

struct svctest {
	uv_loop_t		 loop;
	struct sim		*sim;
	struct mcp_server	*srv;
	struct coord_service	*svc;
	json_t			*out;		/* every message the server sent, in order */
	char			 dir[64];	/* temp dir: kubeconfig, state */
	char			 kubeconfig[128];
	char			 state[128];
};

static void
svctest_send(char *line, size_t len, void *arg)
{
	struct svctest *t = arg;
	json_error_t e;
	json_t *m = json_loadb(line, len, 0, &e);

	ck_assert_msg(m != NULL, "server sent invalid JSON: %s", line);
	json_array_append_new(t->out, m);
	free(line);
}

/*
 * Starts the rig on `scenario` (a List file); time_scale speeds the controllers.  A
 * `frozen` cluster serves the API without controllers: the scenario stays exactly the
 * snapshot it was dumped as (a labelled corpus describes that moment, and a controller
 * resuming, say, an MCO rollout would change the answer while the test reads it).
 */
static void
svctest_start_opt(struct svctest *t, const char *scenario, double time_scale, bool frozen)
{
	struct sim_options so;
	struct coord_service_options co;
	char err[512];

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/strata-svctest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->kubeconfig, sizeof(t->kubeconfig), "%s/kubeconfig", t->dir);
	snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
	memset(&so, 0, sizeof(so));
	/* Under valgrind (STRATA_TEST_SLOW, set by tests/run-unit.sh) the simulator's
	 * threads crawl: run simulated time slower so that controllers keep pace with the
	 * plans' timeouts, which scale by the same factor. */
	if (getenv("STRATA_TEST_SLOW") != NULL && time_scale > 5.0)
		time_scale /= 5.0;
	so.scenario_path = scenario;
	so.time_scale = time_scale;
	so.api_only = frozen;
	t->sim = sim_start(&so, err, sizeof(err));
	ck_assert_msg(t->sim != NULL, "sim_start(%s): %s", scenario, err);
	ck_assert_int_eq(sim_write_kubeconfig(t->sim, t->kubeconfig, err, sizeof(err)), 0);
	ck_assert_int_eq(uv_loop_init(&t->loop), 0);
	t->out = json_array();
	t->srv = mcp_server_new(&t->loop, NULL, svctest_send, t);
	ck_assert_ptr_nonnull(t->srv);
	memset(&co, 0, sizeof(co));
	co.kubeconfig = t->kubeconfig;
	co.state_dir = t->state;
	co.no_fsync = true;
	co.time_scale = time_scale;
	ck_assert_int_eq(coord_service_new(&t->loop, t->srv, &co, &t->svc, err, sizeof(err)),
	    0);
}

static void
svctest_start(struct svctest *t, const char *scenario, double time_scale)
{
	svctest_start_opt(t, scenario, time_scale, false);
}

static void
svctest_feed(struct svctest *t, const char *line)
{
	mcp_server_feed(t->srv, line, strlen(line));
	mcp_server_feed(t->srv, "\n", 1);
}

static void
svctest_timeout_cb(uv_timer_t *tm)
{
	*(int *)tm->data = 1;
}

/* The response to request `id` (borrowed from t->out), waiting up to `ms` on the loop. */
static json_t *
svctest_wait(struct svctest *t, json_int_t id, unsigned ms)
{
	uv_timer_t tm;
	int expired = 0;
	json_t *m, *found = NULL;
	size_t i;

	uv_timer_init(&t->loop, &tm);
	tm.data = &expired;
	uv_timer_start(&tm, svctest_timeout_cb, ms, 0);
	while (found == NULL && !expired) {
		json_array_foreach(t->out, i, m) {
			if (json_integer_value(json_object_get(m, "id")) == id &&
			    json_object_get(m, "method") == NULL) {
				found = m;
				break;
			}
		}
		if (found == NULL)
			uv_run(&t->loop, UV_RUN_ONCE);
	}
	uv_timer_stop(&tm);
	uv_close((uv_handle_t *)&tm, NULL);
	uv_run(&t->loop, UV_RUN_NOWAIT);
	ck_assert_msg(found != NULL, "no answer to request %lld within %u ms",
	    (long long)id, ms);
	return found;
}

static void
svctest_initialize(struct svctest *t)
{
	svctest_feed(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":"
	    "{\"name\":\"svctest\",\"version\":\"1\"}}}");
	svctest_wait(t, 1, 2000);
	svctest_feed(t, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

/* Calls a tool and returns its result object (borrowed), failing on a protocol error. */
static json_t *
svctest_call(struct svctest *t, json_int_t id, const char *tool, json_t *args,
    unsigned ms)
{
	json_t *req = json_pack("{s:s,s:I,s:s,s:{s:s,s:O}}", "jsonrpc", "2.0", "id", id,
	    "method", "tools/call", "params", "name", tool, "arguments", args);
	char *line = json_dumps(req, JSON_COMPACT);
	json_t *res, *r;

	svctest_feed(t, line);
	free(line);
	json_decref(req);
	res = svctest_wait(t, id, ms);
	r = json_object_get(res, "result");
	ck_assert_msg(r != NULL, "tools/call %s: protocol error %s", tool,
	    json_dumps(res, JSON_COMPACT));
	return r;
}

/* Fails unless `v` is valid against the embedded schema `name` ("x.output"). */
static void
svctest_assert_schema(const char *name, const json_t *v)
{
	const struct strata_embedded *e = strata_embedded_find(name);
	json_error_t je;
	json_t *schema;
	char err[512];

	ck_assert_msg(e != NULL, "no embedded schema %s", name);
	schema = json_loadb(e->data, e->len, 0, &je);
	ck_assert_ptr_nonnull(schema);
	ck_assert_msg(mcp_schema_validate(schema, v, "structuredContent", err,
	    sizeof(err)) == 0, "%s: %s", name, err);
	json_decref(schema);
}

static void
svctest_stop(struct svctest *t)
{
	char cmd[256];

	mcp_server_shutdown(t->srv, "test over");
	coord_service_close(t->svc, NULL, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	mcp_server_free(t->srv);
	coord_service_free(t->svc);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&t->loop), 0);
	json_decref(t->out);
	sim_stop(t->sim);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
