/*
 * strata-demo: the scripted MCP session behind `make demo`.
 *
 *   strata-demo STRATA_MCP SCENARIO [SECOND_SCENARIO]
 *
 * Plays a client against `strata-mcp --simulate SCENARIO` over stdio and prints a
 * transcript a person can follow: detect_layers → plan_remediation → a dry run →
 * execute_plan confirmed through an MCP elicitation, with the server's progress
 * notifications as they arrive.  With a second scenario, a second server runs an
 * incident whose fix does not hold: its checkpoint fails, the run rolls back, and
 * rollback_plan then finds nothing left to undo.
 *
 * It is a plain client of the protocol (newline-delimited JSON-RPC on the child's
 * stdin/stdout); the server's logs go to a file, not to the transcript.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define DEMO_TIMEOUT_MS	180000
#define DEMO_LINE_MAX	(16u << 20)

extern char **environ;

struct server {
	pid_t	 pid;
	int	 in, out;
	char	*buf;
	size_t	 len, cap;
	int	 next_id;
};

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static int
server_start(struct server *s, const char *mcp, const char *scenario, const char *log)
{
	posix_spawn_file_actions_t fa;
	int in[2], out[2], rc;
	char *argv[] = { (char *)mcp, "--simulate", (char *)scenario, "--time-scale", "120",
	    "--log-level", "info", NULL };

	memset(s, 0, sizeof(*s));
	if (pipe(in) != 0 || pipe(out) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	rc = posix_spawn(&s->pid, mcp, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc != 0)
		return -rc;
	s->in = in[1];
	s->out = out[0];
	s->next_id = 1;
	return 0;
}

static void
server_send(struct server *s, json_t *msg)
{
	char *line = json_dumps(msg, JSON_COMPACT);
	size_t n = strlen(line), off = 0;
	ssize_t w;

	while (off < n && (w = write(s->in, line + off, n - off)) > 0)
		off += (size_t)w;
	if (write(s->in, "\n", 1) != 1)
		say("  (the server closed its input)\n");
	free(line);
}

/* The next message from the server (new reference), or NULL at EOF / timeout. */
static json_t *
server_read(struct server *s)
{
	struct pollfd pfd = { s->out, POLLIN, 0 };
	json_error_t e;
	char *nl;
	ssize_t r;
	json_t *m;

	for (;;) {
		if (s->buf != NULL && (nl = memchr(s->buf, '\n', s->len)) != NULL) {
			size_t n = (size_t)(nl - s->buf);

			m = json_loadb(s->buf, n, 0, &e);
			memmove(s->buf, nl + 1, s->len - n - 1);
			s->len -= n + 1;
			if (m == NULL) {
				say("  !! the server wrote a line that is not JSON: %s\n", e.text);
				continue;
			}
			return m;
		}
		if (poll(&pfd, 1, DEMO_TIMEOUT_MS) <= 0)
			return NULL;
		if (s->cap - s->len < 65536) {
			if (s->cap >= DEMO_LINE_MAX)
				return NULL;
			s->cap = s->cap != 0 ? s->cap * 2 : 131072;
			if ((s->buf = realloc(s->buf, s->cap)) == NULL)
				return NULL;
		}
		if ((r = read(s->out, s->buf + s->len, s->cap - s->len)) <= 0)
			return NULL;
		s->len += (size_t)r;
	}
}

/* The answer to an elicitation: the demo's "user" reads the question and agrees. */
static void
answer_elicitation(struct server *s, json_t *req)
{
	json_t *params = json_object_get(req, "params"), *resp;

	say("\n  ? the server asks the user: %s\n", str(params, "message"));
	say("  > the user answers: yes, proceed\n\n");
	resp = json_pack("{s:s,s:O,s:{s:s,s:{s:b}}}", "jsonrpc", "2.0", "id",
	    json_object_get(req, "id"), "result", "action", "accept", "content", "confirm", 1);
	server_send(s, resp);
	json_decref(resp);
}

/*
 * Sends a request and returns its response (new reference), printing progress and
 * answering elicitations on the way.
 */
static json_t *
request(struct server *s, const char *method, json_t *params /* steals */)
{
	json_t *req, *m;
	int id = s->next_id++;

	req = json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id", id, "method", method,
	    "params", params);
	server_send(s, req);
	json_decref(req);
	while ((m = server_read(s)) != NULL) {
		const char *meth = json_string_value(json_object_get(m, "method"));

		if (meth != NULL && strcmp(meth, "notifications/progress") == 0)
			say("    · %s\n", str(json_object_get(m, "params"), "message"));
		else if (meth != NULL && strcmp(meth, "elicitation/create") == 0)
			answer_elicitation(s, m);
		else if (meth == NULL && json_integer_value(json_object_get(m, "id")) == id)
			return m;
		json_decref(m);
	}
	say("  !! no answer from the server to %s\n", method);
	return NULL;
}

/* tools/call; prints the text block indented; returns structuredContent (new) or NULL. */
static json_t *
call(struct server *s, const char *tool, json_t *args /* steals */, int progress)
{
	json_t *params, *resp, *res, *sc;
	const json_t *c;
	size_t i;

	params = json_pack("{s:s,s:o}", "name", tool, "arguments", args);
	if (progress)
		json_object_set_new(params, "_meta", json_pack("{s:s}", "progressToken",
		    tool));
	say("\n→ %s %s\n", tool, "");
	if ((resp = request(s, "tools/call", params)) == NULL)
		return NULL;
	res = json_object_get(resp, "result");
	if (res == NULL) {
		say("  !! protocol error: %s\n", str(json_object_get(resp, "error"), "message"));
		json_decref(resp);
		return NULL;
	}
	json_array_foreach(json_object_get(res, "content"), i, c) {
		const char *t = str(c, "text"), *p = t, *nl;

		while (*p != '\0') {
			nl = strchr(p, '\n');
			say("  %.*s\n", nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
			p = nl != NULL ? nl + 1 : p + strlen(p);
		}
	}
	if (json_is_true(json_object_get(res, "isError"))) {
		json_decref(resp);
		return NULL;
	}
	sc = json_incref(json_object_get(res, "structuredContent"));
	json_decref(resp);
	return sc;
}

static void
print_findings(const json_t *det)
{
	const json_t *f, *l;
	size_t i;

	say("  findings:\n");
	json_array_foreach(json_object_get(det, "findings"), i, f) {
		if (i >= 8)
			break;
		say("    %-3s %-14s %-22s %s/%s%s%s\n", str(f, "id"), str(f, "layer"),
		    str(f, "symptom"), str(json_object_get(f, "resource"), "kind"),
		    str(json_object_get(f, "resource"), "namespace"),
		    *str(json_object_get(f, "resource"), "namespace") ? "/" : "",
		    str(json_object_get(f, "resource"), "name"));
	}
	say("  causal links:\n");
	json_array_foreach(json_object_get(det, "causal_links"), i, l) {
		if (i >= 8)
			break;
		say("    %s → %s: %s\n", str(l, "cause"), str(l, "effect"), str(l, "reason"));
	}
}

static int
session_start(struct server *s, const char *mcp, const char *scenario, const char *log)
{
	json_t *resp;

	if (server_start(s, mcp, scenario, log) != 0) {
		say("cannot start %s\n", mcp);
		return -1;
	}
	resp = request(s, "initialize", json_pack("{s:s,s:{s:{s:{}}},s:{s:s,s:s}}",
	    "protocolVersion", "2025-11-25", "capabilities", "elicitation", "form",
	    "clientInfo", "name", "strata-demo", "version", "1"));
	if (resp == NULL)
		return -1;
	say("connected to %s %s (MCP %s)\n",
	    str(json_object_get(json_object_get(resp, "result"), "serverInfo"), "name"),
	    str(json_object_get(json_object_get(resp, "result"), "serverInfo"), "version"),
	    str(json_object_get(resp, "result"), "protocolVersion"));
	json_decref(resp);
	server_send(s, json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method",
	    "notifications/initialized"));
	return 0;
}

static int
session_end(struct server *s)
{
	int st = 0;

	close(s->in);
	waitpid(s->pid, &st, 0);
	close(s->out);
	free(s->buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
main(int argc, char **argv)
{
	const char *log = "build/demo-server.log";
	struct server s;
	json_t *det, *plan, *ex, *rb;
	char issue[128], plan_id[128], hash[80], exec_id[128];
	int failures = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: strata-demo STRATA_MCP SCENARIO [SECOND_SCENARIO]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	say("== Incident 1: %s\n", argv[2]);
	say("   (strata-mcp hosts a simulated cluster loaded from it; server log: %s)\n", log);
	if (session_start(&s, argv[1], argv[2], log) != 0)
		return 1;
	if ((det = call(&s, "detect_layers", json_object(), 0)) == NULL)
		return 1;
	print_findings(det);
	snprintf(issue, sizeof(issue), "%s", str(det, "issue_id"));
	json_decref(det);
	plan = call(&s, "plan_remediation", json_pack("{s:s,s:{s:b}}", "issue_id", issue,
	    "options", "delete_unready_pods", 1), 0);
	if (plan == NULL)
		return 1;
	snprintf(plan_id, sizeof(plan_id), "%s", str(plan, "plan_id"));
	snprintf(hash, sizeof(hash), "%s", str(plan, "hash"));
	say("  diagram (Mermaid):\n");
	{
		const char *p = str(plan, "diagram"), *nl;

		while (*p != '\0') {
			nl = strchr(p, '\n');
			say("    %.*s\n", nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
			p = nl != NULL ? nl + 1 : p + strlen(p);
		}
	}
	json_decref(plan);
	ex = call(&s, "execute_plan", json_pack("{s:s,s:b}", "plan_id", plan_id, "dry_run", 1),
	    1);
	json_decref(ex);
	say("\n  (no confirm given: the server asks the user through the client)\n");
	ex = call(&s, "execute_plan", json_pack("{s:s}", "plan_id", plan_id), 1);
	if (ex == NULL || strcmp(str(ex, "status"), "succeeded") != 0)
		failures++;
	json_decref(ex);
	if (session_end(&s) != 0)
		failures++;

	if (argc > 3) {
		say("\n== Incident 2: %s — a fix that does not hold\n", argv[3]);
		if (session_start(&s, argv[1], argv[3], log) != 0)
			return 1;
		if ((det = call(&s, "detect_layers", json_object(), 0)) == NULL)
			return 1;
		snprintf(issue, sizeof(issue), "%s", str(det, "issue_id"));
		json_decref(det);
		plan = call(&s, "plan_remediation", json_pack("{s:s,s:{s:i}}", "issue_id", issue,
		    "options", "poll_seconds", 5), 0);
		if (plan == NULL)
			return 1;
		snprintf(plan_id, sizeof(plan_id), "%s", str(plan, "plan_id"));
		snprintf(hash, sizeof(hash), "%s", str(plan, "hash"));
		json_decref(plan);
		say("\n  (confirmed with the plan's hash this time)\n");
		ex = call(&s, "execute_plan", json_pack("{s:s,s:s}", "plan_id", plan_id,
		    "confirm", hash), 1);
		if (ex == NULL || strcmp(str(ex, "status"), "rolled_back") != 0)
			failures++;
		snprintf(exec_id, sizeof(exec_id), "%s", ex != NULL ? str(ex, "execution_id") :
		    "");
		json_decref(ex);
		rb = call(&s, "rollback_plan", json_pack("{s:s,s:s}", "execution_id", exec_id,
		    "confirm", hash), 1);
		if (rb == NULL || strcmp(str(rb, "status"), "nothing_to_roll_back") != 0)
			failures++;
		json_decref(rb);
		if (session_end(&s) != 0)
			failures++;
	}
	say("\n== demo %s\n", failures == 0 ? "finished: every outcome as expected" :
	    "finished with unexpected outcomes (see above)");
	return failures == 0 ? 0 : 1;
}
