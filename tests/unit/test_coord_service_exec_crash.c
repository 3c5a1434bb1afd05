/*
 * kill -9 of strata-mcp in the middle of a run, then a restart on the same state
 * directory: the execution reads as `interrupted` (strata://executions/{id}) and
 * rollback_plan restores the pre-plan state.
 *
 * The cluster must outlive the server, so strata-sim runs in this test process and the
 * real binary (build/bin/strata-mcp next to this test's directory) is spawned twice over
 * pipes with --kubeconfig, --state-dir and --time-scale.
 */
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <jansson.h>

#include "svctest_exec.h"
#include "testutil.h"

#define SC2		"examples/scenarios/02-mco-rollout-app-degradation.json"
#define SCALE		"120"
#define LINE_MAX_BYTES	(16u << 20)
#define WAIT_MS		120000u

#define MC_PATH	"/apis/machineconfiguration.openshift.io/v1/machineconfigs/" \
		"99-worker-kernel-rt-tuning"
#define POOL_PATH "/apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker"

/* One strata-mcp child: its stdin and stdout, and what was read but not yet framed. */
struct child {
	pid_t	 pid;
	int	 in, out;
	char	*buf;
	size_t	 len;
	json_t	*progress;	/* every notifications/progress params seen (owned) */
};

/* build/bin/strata-mcp of the build this test belongs to (build/ or build-asan/). */
static void
server_path(char out[512])
{
	char self[512], *d;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	d = dirname(dirname(self));
	snprintf(out, 512, "%s/bin/strata-mcp", d);
	ck_assert_msg(access(out, X_OK) == 0, "no server binary at %s", out);
}

static void
child_start(struct child *c, const char *kubeconfig, const char *state, const char *log)
{
	char bin[512];
	int pin[2], pout[2], fd;

	server_path(bin);
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(pipe(pin), 0);
	ck_assert_int_eq(pipe(pout), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0)
			dup2(fd, 2);
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		execl(bin, bin, "--kubeconfig", kubeconfig, "--state-dir", state,
		    "--time-scale", SCALE, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	c->in = pin[1];
	c->out = pout[0];
	c->progress = json_array();
}

static void
child_send(struct child *c, json_t *msg)
{
	char *line = json_dumps(msg, JSON_COMPACT);
	size_t n = strlen(line), off = 0;
	ssize_t w;

	json_decref(msg);
	while (off < n) {
		w = write(c->in, line + off, n - off);
		ck_assert_msg(w > 0, "write to the server: %s", strerror(errno));
		off += (size_t)w;
	}
	ck_assert_int_eq(write(c->in, "\n", 1), 1);
	free(line);
}

/* The next message from the server (new reference), or NULL at EOF / after ms. */
static json_t *
child_read(struct child *c, unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;
	struct pollfd pfd;
	char *nl;
	json_t *m;
	ssize_t r;

	for (;;) {
		if (c->buf != NULL && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			m = json_loadb(c->buf, (size_t)(nl - c->buf), 0, NULL);
			ck_assert_msg(m != NULL, "the server wrote a non-JSON line: %.*s",
			    (int)(nl - c->buf), c->buf);
			c->len -= (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len);
			return m;
		}
		if (strata_now_ms() >= end)
			return NULL;
		pfd.fd = c->out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(end - strata_now_ms())) <= 0)
			continue;
		ck_assert_msg(c->len < LINE_MAX_BYTES, "a line over %u bytes", LINE_MAX_BYTES);
		c->buf = realloc(c->buf, c->len + 65536);
		ck_assert_ptr_nonnull(c->buf);
		r = read(c->out, c->buf + c->len, 65536);
		if (r <= 0)
			return NULL;
		c->len += (size_t)r;
	}
}

/*
 * Reads until the response to `id` (new reference), keeping progress; with `stop_on`,
 * returns NULL as soon as a progress message contains it.
 */
static json_t *
child_wait(struct child *c, json_int_t id, const char *stop_on, unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;
	json_t *m;

	while (strata_now_ms() < end) {
		if ((m = child_read(c, (unsigned)(end - strata_now_ms()))) == NULL)
			break;
		if (svx_str(m, "method") != NULL &&
		    strcmp(svx_str(m, "method"), "notifications/progress") == 0) {
			const char *msg = svx_str(m, "params.message");

			json_array_append(c->progress, json_object_get(m, "params"));
			if (stop_on != NULL && msg != NULL && strstr(msg, stop_on) != NULL) {
				json_decref(m);
				return NULL;
			}
		} else if (json_integer_value(json_object_get(m, "id")) == id &&
		    svx_str(m, "method") == NULL)
			return m;
		json_decref(m);
	}
	ck_assert_msg(0, "no answer to request %lld%s%s within %u ms", (long long)id,
	    stop_on ? " nor progress with " : "", stop_on ? stop_on : "", ms);
	return NULL;
}

/* tools/call; returns the result (new reference), failing on a protocol error. */
static json_t *
child_call(struct child *c, json_int_t id, const char *tool, json_t *args)
{
	json_t *m, *r;

	child_send(c, json_pack("{s:s, s:I, s:s, s:{s:s, s:o}}", "jsonrpc", "2.0", "id", id,
	    "method", "tools/call", "params", "name", tool, "arguments", args));
	m = child_wait(c, id, NULL, WAIT_MS);
	r = json_incref(json_object_get(m, "result"));
	ck_assert_msg(r != NULL, "%s: %s", tool, json_dumps(m, JSON_COMPACT));
	json_decref(m);
	return r;
}

static void
child_initialize(struct child *c)
{
	json_t *m;

	child_send(c, json_pack("{s:s, s:i, s:s, s:{s:s, s:{}, s:{s:s, s:s}}}", "jsonrpc",
	    "2.0", "id", 1, "method", "initialize", "params", "protocolVersion", "2025-11-25",
	    "capabilities", "clientInfo", "name", "crash-test", "version", "1"));
	m = child_wait(c, 1, NULL, 20000);
	ck_assert_ptr_nonnull(json_object_get(m, "result"));
	json_decref(m);
	child_send(c, json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method",
	    "notifications/initialized"));
}

/* resources/read of uri: the resource's JSON (new reference). */
static json_t *
child_resource(struct child *c, json_int_t id, const char *uri)
{
	json_t *m, *j;

	child_send(c, json_pack("{s:s, s:I, s:s, s:{s:s}}", "jsonrpc", "2.0", "id", id,
	    "method", "resources/read", "params", "uri", uri));
	m = child_wait(c, id, NULL, 20000);
	j = json_loads(svx_str(json_array_get(svx_at(m, "result.contents"), 0), "text") ?
	    svx_str(json_array_get(svx_at(m, "result.contents"), 0), "text") : "", 0, NULL);
	ck_assert_msg(j != NULL, "resources/read %s: %s", uri, json_dumps(m, JSON_COMPACT));
	json_decref(m);
	return j;
}

/* Closes stdin and waits for the exit; returns the wait status. */
static int
child_finish(struct child *c, bool kill9)
{
	int st = 0;

	if (kill9)
		ck_assert_int_eq(kill(c->pid, SIGKILL), 0);
	close(c->in);
	ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
	close(c->out);
	free(c->buf);
	json_decref(c->progress);
	return st;
}

START_TEST(kill9_then_rollback)
{
	struct sim_options so;
	struct sim *sim;
	struct child c;
	char dir[64], kubeconfig[128], state[128], log[128], err[512], uri[128], cmd[256];
	json_t *r, *plan, *mc0, *pool0, *mc, *pool, *ex, *m;
	const char *exec_id = NULL;
	long http = 0;
	size_t i;
	int st;

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/strata-crash-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(log, sizeof(log), "%s/server.log", dir);
	memset(&so, 0, sizeof(so));
	so.scenario_path = SC2;
	so.time_scale = atof(SCALE);
	sim = sim_start(&so, err, sizeof(err));
	ck_assert_msg(sim != NULL, "%s", err);
	ck_assert_int_eq(sim_write_kubeconfig(sim, kubeconfig, err, sizeof(err)), 0);

	/* first server: detect, plan, run; killed once the MCO rollout is under way */
	child_start(&c, kubeconfig, state, log);
	child_initialize(&c);
	r = child_call(&c, 2, "detect_layers", json_object());
	ck_assert_ptr_nonnull(svx_str(r, "structuredContent.issue_id"));
	m = json_pack("{s:s}", "issue_id", svx_str(r, "structuredContent.issue_id"));
	json_decref(r);
	r = child_call(&c, 3, "plan_remediation", m);
	plan = json_incref(json_object_get(r, "structuredContent"));
	json_decref(r);
	ck_assert_ptr_nonnull(svx_str(plan, "hash"));
	mc0 = svx_get(sim, MC_PATH, &http);
	ck_assert_int_eq(http, 200);
	pool0 = svx_get_ok(sim, POOL_PATH);
	child_send(&c, json_pack("{s:s, s:i, s:s, s:{s:s, s:{s:s, s:s}, s:{s:s}}}",
	    "jsonrpc", "2.0", "id", 4, "method", "tools/call", "params", "name",
	    "execute_plan", "arguments", "plan_id", svx_str(plan, "plan_id"), "confirm",
	    svx_str(plan, "hash"), "_meta", "progressToken", "run"));
	ck_assert_ptr_null(child_wait(&c, 4, "step 4/", WAIT_MS));
	ck_assert_int_ge(json_array_size(c.progress), 6);	/* steps 1-3 began and ended */
	st = child_finish(&c, true);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* the MachineConfig is gone: the run was stopped half-way */
	json_decref(svx_get(sim, MC_PATH, &http));
	ck_assert_int_eq(http, 404);

	/* second server, same state directory */
	child_start(&c, kubeconfig, state, log);
	child_initialize(&c);
	child_send(&c, json_pack("{s:s, s:i, s:s, s:{}}", "jsonrpc", "2.0", "id", 5,
	    "method", "resources/list", "params"));
	m = child_wait(&c, 5, NULL, 20000);
	json_array_foreach(svx_at(m, "result.resources"), i, r) {
		if (svx_str(r, "uri") == NULL || strncmp(svx_str(r, "uri"),
		    "strata://executions/", 20) != 0)
			continue;
		snprintf(uri, sizeof(uri), "%s", svx_str(r, "uri"));
		exec_id = uri + 20;
	}
	ck_assert_msg(exec_id != NULL, "no execution after the restart: %s",
	    json_dumps(m, JSON_COMPACT));
	json_decref(m);
	ex = child_resource(&c, 6, uri);
	ck_assert_msg(strcmp(svx_str(ex, "status"), "interrupted") == 0, "status %s",
	    svx_str(ex, "status"));
	ck_assert_str_eq(svx_str(ex, "plan_id"), svx_str(plan, "plan_id"));
	json_decref(ex);
	r = child_call(&c, 7, "rollback_plan", json_pack("{s:s, s:s}", "execution_id",
	    exec_id, "confirm", svx_str(plan, "hash")));
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "%s",
	    json_dumps(r, JSON_COMPACT));
	ck_assert_msg(strcmp(svx_str(r, "structuredContent.status"), "rolled_back") == 0,
	    "rollback: %s", json_dumps(r, JSON_COMPACT));
	json_decref(r);
	/* the pre-plan state: the MachineConfig exactly, the pool unpaused on its config */
	mc = svx_get(sim, MC_PATH, &http);
	ck_assert_int_eq(http, 200);
	ck_assert(json_equal(json_object_get(mc0, "spec"), json_object_get(mc, "spec")));
	ck_assert(json_equal(svx_at(mc0, "metadata.labels"), svx_at(mc, "metadata.labels")));
	ck_assert(json_equal(svx_at(mc0, "metadata.annotations"),
	    svx_at(mc, "metadata.annotations")));
	pool = svx_get_ok(sim, POOL_PATH);
	ck_assert_int_eq(json_is_true(svx_at(pool, "spec.paused")),
	    json_is_true(svx_at(pool0, "spec.paused")));
	ck_assert_str_eq(svx_str(pool, "spec.configuration.name"),
	    svx_str(pool0, "spec.configuration.name"));
	/* and a second rollback finds nothing left to do */
	r = child_call(&c, 8, "rollback_plan", json_pack("{s:s, s:s}", "execution_id",
	    exec_id, "confirm", svx_str(plan, "hash")));
	ck_assert_str_eq(svx_str(r, "structuredContent.status"), "nothing_to_roll_back");
	json_decref(r);
	st = child_finish(&c, false);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "second server exit %d", st);
	json_decref(mc);
	json_decref(pool);
	json_decref(mc0);
	json_decref(pool0);
	json_decref(plan);
	sim_stop(sim);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *
service_exec_crash_suite(void)
{
	Suite *s = suite_create("coord_service_exec_crash");
	TCase *tc = tcase_create("kill9");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, kill9_then_rollback);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(service_exec_crash_suite)
