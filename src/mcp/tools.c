/*
 * The tools of the contract (ARCHITECTURE.md): their registry and listing, tools/call with
 * argument validation, and the life of one call — finish or fail, progress and
 * cancellation.  Asking the user (elicitation, input_required) is in elicit.c.
 *
 * A call lives from the moment its handler is invoked until the handler completes it with
 * mcp_call_finish()/mcp_call_fail().  A cancelled call stays alive until then too, so a
 * handler never holds a dangling pointer; it only stops sending anything.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/embed.h"
#include "mcp_int.h"

#define LOGGER		"mcp"
#define CURSOR_PREFIX	"tools-page-"

struct tool_def {
	const char	*name;
	const char	*title;
	const char	*description;
	bool		 read_only, destructive, idempotent, open_world;
	const char	*missing;	/* what a build without the handler lacks */
};

static const struct tool_def tool_defs[MCP_TOOL_COUNT] = {
	{ "detect_layers", "Detect affected layers",
	  "Read-only diagnosis of an incident. Gathers nodes, machine config pools, cluster "
	  "operators, workloads, events and Argo CD applications (the focused namespace or "
	  "resources, else the whole cluster) and returns an issue_id, the affected layers "
	  "(infrastructure, platform, application), the root-cause layer with the findings and "
	  "causal links that support it, a confidence, and the impacted resources with how each "
	  "is deployed. Changes nothing. Next step: plan_remediation with the issue_id.",
	  true, false, true, true,
	  "the detection engine (issue #5)" },
	{ "plan_remediation", "Plan a remediation",
	  "Computes, without changing anything, an ordered multi-layer remediation plan for an "
	  "issue_id from detect_layers: steps in the order infrastructure, platform, application, "
	  "a health checkpoint after each layer, the compensation that undoes each step, "
	  "preflight checks (disruption budgets, capacity), risks, a Mermaid diagram and the "
	  "plan's hash. Show the plan to the user; execute_plan needs its plan_id and hash.",
	  true, false, true, true,
	  "the remediation planner (issue #5)" },
	{ "execute_plan", "Execute a remediation plan",
	  "Runs a plan made by plan_remediation against the cluster, step by step, verifying "
	  "each layer before the next; a failed required step rolls back what was done. Needs "
	  "confirm set to the plan's hash (or the user's confirmation when the client supports "
	  "elicitation); dry_run: true only shows what would change. Reports progress and "
	  "honours cancellation. Returns an execution_id for rollback_plan.",
	  false, true, false, true,
	  "the plan executor (issue #6)" },
	{ "rollback_plan", "Roll back an execution",
	  "Undoes what an execution changed: the compensations of its completed steps, in "
	  "reverse order, each verified. Takes an execution_id (or a plan_id for its latest "
	  "execution) and the same confirm/dry_run rules as execute_plan. A second call finds "
	  "nothing to roll back.",
	  false, true, true, true,
	  "the rollback engine (issue #6)" },
};

struct mcp_tool {
	const struct tool_def	*def;
	json_t			*schema[2];	/* input, output: parsed on first use */
	mcp_tool_fn		 fn;
	void			*arg;
};

int
mcp_tools_init(struct mcp_server *srv)
{
	size_t i;

	if ((srv->tools = calloc(MCP_TOOL_COUNT, sizeof(*srv->tools))) == NULL)
		return -ENOMEM;
	for (i = 0; i < MCP_TOOL_COUNT; i++)
		srv->tools[i].def = &tool_defs[i];
	return 0;
}

void
mcp_tools_release(struct mcp_server *srv)
{
	size_t i;

	if (srv->tools == NULL)
		return;
	for (i = 0; i < MCP_TOOL_COUNT; i++) {
		json_decref(srv->tools[i].schema[0]);
		json_decref(srv->tools[i].schema[1]);
	}
	free(srv->tools);
	srv->tools = NULL;
}

static struct mcp_tool *
tool_find(struct mcp_server *srv, const char *name)
{
	size_t i;

	for (i = 0; i < MCP_TOOL_COUNT; i++)
		if (strcmp(srv->tools[i].def->name, name) == 0)
			return &srv->tools[i];
	return NULL;
}

int
mcp_tool_set_handler(struct mcp_server *srv, const char *tool, mcp_tool_fn fn, void *arg)
{
	struct mcp_tool *t;

	if ((t = tool_find(srv, tool)) == NULL)
		return -ENOENT;
	t->fn = fn;
	t->arg = arg;
	return 0;
}

json_t *
mcp_tool_schema(struct mcp_server *srv, const char *tool, bool output)
{
	const struct strata_embedded *e;
	struct mcp_tool *t;
	json_error_t jerr;
	char name[96];

	if ((t = tool_find(srv, tool)) == NULL)
		return NULL;
	if (t->schema[output] != NULL)
		return t->schema[output];
	snprintf(name, sizeof(name), "%s.%s", tool, output ? "output" : "input");
	if ((e = strata_embedded_find(name)) == NULL) {
		log_error(LOGGER, "schema %s is not compiled into this binary", name);
		return NULL;
	}
	t->schema[output] = json_loadb(e->data, e->len, JSON_REJECT_DUPLICATES, &jerr);
	if (t->schema[output] == NULL)
		log_error(LOGGER, "schema %s: %s (line %d)", name, jerr.text, jerr.line);
	return t->schema[output];
}

/* ---- tools/list ---------------------------------------------------------------------- */

/*
 * A tool as the revision knows it: annotations arrived with 2025-03-26; title and
 * outputSchema with 2025-06-18 (older clients are told nothing they cannot read).
 */
static json_t *
tool_json(struct mcp_server *srv, struct mcp_tool *t, enum mcp_revision rev)
{
	const struct tool_def *d = t->def;
	json_t *in, *out, *j;

	in = mcp_tool_schema(srv, d->name, false);
	out = mcp_tool_schema(srv, d->name, true);
	if (in == NULL || out == NULL)
		return NULL;
	j = json_pack("{s:s, s:s, s:O}", "name", d->name, "description", d->description,
	    "inputSchema", in);
	if (j == NULL)
		return NULL;
	if (rev >= MCP_REV_2025_06_18) {
		json_object_set_new(j, "title", json_string(d->title));
		json_object_set(j, "outputSchema", out);
	}
	if (rev >= MCP_REV_2025_03_26)
		json_object_set_new(j, "annotations", json_pack("{s:s, s:b, s:b, s:b, s:b}",
		    "title", d->title, "readOnlyHint", d->read_only,
		    "destructiveHint", d->destructive, "idempotentHint", d->idempotent,
		    "openWorldHint", d->open_world));
	return j;
}

static int
cursor_parse(const json_t *cursor, size_t *offset)
{
	const char *s, *p;
	char *end;
	unsigned long v;

	if (!json_is_string(cursor))
		return -EINVAL;
	s = json_string_value(cursor);
	if (strncmp(s, CURSOR_PREFIX, strlen(CURSOR_PREFIX)) != 0)
		return -EINVAL;
	p = s + strlen(CURSOR_PREFIX);
	if (*p < '1' || *p > '9')
		return -EINVAL;
	v = strtoul(p, &end, 10);
	if (*end != '\0' || v >= MCP_TOOL_COUNT)
		return -EINVAL;
	*offset = (size_t)v;
	return 0;
}

void
mcp_handle_tools_list(struct mcp_server *srv, const struct mcp_request *req)
{
	json_t *cursor, *tools, *result, *t;
	size_t offset = 0, page, i;
	char next[48];

	cursor = json_object_get(req->params, "cursor");
	if (cursor != NULL && !json_is_null(cursor) && cursor_parse(cursor, &offset) != 0) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: unknown cursor (use nextCursor from a previous tools/list)");
		return;
	}
	page = srv->opt.tools_page_size != 0 ? srv->opt.tools_page_size : MCP_TOOL_COUNT;
	if ((tools = json_array()) == NULL)
		goto oom;
	for (i = offset; i < MCP_TOOL_COUNT && i < offset + page; i++) {
		if ((t = tool_json(srv, &srv->tools[i], req->rev)) == NULL) {
			json_decref(tools);
			mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL,
			    "the schemas of %s cannot be loaded", srv->tools[i].def->name);
			return;
		}
		json_array_append_new(tools, t);
	}
	if ((result = json_pack("{s:o}", "tools", tools)) == NULL)
		goto oom;
	if (i < MCP_TOOL_COUNT) {
		snprintf(next, sizeof(next), CURSOR_PREFIX "%zu", i);
		json_object_set_new(result, "nextCursor", json_string(next));
	}
	mcp_add_cache_hints(result, req, 3600000, "public");
	mcp_req_result(srv, req, result);
	return;
oom:
	mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "out of memory");
}

/* ---- tools/call ----------------------------------------------------------------------- */

static json_t *
text_result(const char *text, bool is_error)
{
	return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
	    "isError", is_error);
}

void
mcp_call_release(struct mcp_call *call)
{
	struct mcp_server *srv = call->srv;
	struct mcp_pending **pp, *p;
	struct mcp_call **cp;

	for (cp = &srv->calls; *cp != NULL; cp = &(*cp)->next) {
		if (*cp == call) {
			*cp = call->next;
			break;
		}
	}
	for (pp = &srv->pending; (p = *pp) != NULL; ) {
		if (p->call == call) {
			*pp = p->next;
			mcp_pending_free(p);
		} else
			pp = &p->next;
	}
	mcp_modern_level_drop(srv, call->log_level);
	mcp_reply_to_release(srv, &call->to);
	json_decref(call->caps);
	json_decref(call->args);
	json_decref(call->responses);
	json_decref(call->progress_token);
	free(call);
	srv->ncalls--;
	mcp_server_check_idle(srv);
}

void
mcp_handle_tools_call(struct mcp_server *srv, const struct mcp_request *req)
{
	struct mcp_call *call;
	struct mcp_tool *t;
	json_t *name, *args, *schema, *meta, *token, *responses = NULL;
	unsigned char mac[32];
	uint64_t expires = 0;
	char err[512], text[700];
	bool own_args = false;

	name = json_object_get(req->params, "name");
	if (!json_is_string(name)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: tools/call needs the tool's name");
		return;
	}
	if ((t = tool_find(srv, json_string_value(name))) == NULL) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Unknown tool: %s",
		    json_string_value(name));
		return;
	}
	args = json_object_get(req->params, "arguments");
	if (args == NULL || json_is_null(args)) {
		args = json_object();
		own_args = true;
	}
	if ((schema = mcp_tool_schema(srv, t->def->name, false)) == NULL) {
		mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL,
		    "the input schema of %s cannot be loaded", t->def->name);
		goto out;
	}
	if (mcp_schema_validate(schema, args, "arguments", err, sizeof(err)) != 0) {
		/* 2025-11-25 (SEP-1303): a tool error the model can correct; before: -32602. */
		if (req->rev >= MCP_REV_2025_11_25) {
			snprintf(text, sizeof(text), "Invalid arguments for tool %s: %s",
			    t->def->name, err);
			mcp_req_result(srv, req, text_result(text, true));
		} else
			mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
			    "Invalid arguments for tool %s: %s", t->def->name, err);
		goto out;
	}
	/* 2026-07-28: a retry after input_required brings the answers (elicit.c). */
	if (req->modern && mcp_input_parse(srv, req, t->def->name, args, &responses, mac,
	    &expires) != 0)
		goto out;
	if (t->fn == NULL) {
		snprintf(text, sizeof(text), "%s needs %s, which this build does not include "
		    "yet", t->def->name, t->def->missing);
		mcp_req_result(srv, req, text_result(text, true));
		goto out;
	}
	if ((call = calloc(1, sizeof(*call))) == NULL) {
		mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "out of memory");
		goto out;
	}
	if (responses != NULL)		/* the state is spent once its answers are used */
		mcp_state_consume(srv, mac, expires);
	call->srv = srv;
	call->tool = t;
	call->rev = req->rev;
	call->caps = json_incref((json_t *)req->client_caps);
	call->args = json_incref(args);
	call->responses = responses;
	responses = NULL;
	call->log_level = req->log_level;
	meta = json_object_get(req->params, "_meta");
	token = json_object_get(meta, "progressToken");
	if (json_is_string(token) || json_is_integer(token))
		call->progress_token = json_incref(token);
	mcp_reply_to_init(&call->to, req);
	mcp_modern_level_hold(srv, call->log_level);
	call->next = srv->calls;
	srv->calls = call;
	srv->ncalls++;
	t->fn(call, args, t->arg);	/* may complete (and free) the call at once */
out:
	json_decref(responses);
	if (own_args)
		json_decref(args);
}

void
mcp_call_finish(struct mcp_call *call, json_t *structured, const char *text)
{
	struct mcp_server *srv = call->srv;
	json_t *schema, *result;
	char err[512], *dump = NULL;

	if (call->cancelled) {
		json_decref(structured);
		mcp_call_release(call);
		return;
	}
	if (!json_is_object(structured)) {
		json_decref(structured);
		log_error(LOGGER, "%s returned no structured result", call->tool->def->name);
		mcp_call_fail(call, "%s produced no result (internal error)",
		    call->tool->def->name);
		return;
	}
	if (srv->opt.validate_output &&
	    (schema = mcp_tool_schema(srv, call->tool->def->name, true)) != NULL &&
	    mcp_schema_validate(schema, structured, "structuredContent", err, sizeof(err)) != 0)
		log_error(LOGGER, "%s result does not match its outputSchema: %s",
		    call->tool->def->name, err);
	dump = json_dumps(structured, JSON_COMPACT | JSON_REAL_PRECISION(15));
	result = text_result(text != NULL ? text : dump != NULL ? dump : "", false);
	if (result != NULL && call->rev >= MCP_REV_2025_06_18)
		json_object_set(result, "structuredContent", structured);
	else if (result != NULL && text != NULL && dump != NULL)
		/* No structuredContent before 2025-06-18: the JSON follows as text. */
		json_array_append_new(json_object_get(result, "content"), json_pack(
		    "{s:s, s:s}", "type", "text", "text", dump));
	json_decref(structured);
	free(dump);
	mcp_reply_result(srv, &call->to, result);
	mcp_call_release(call);
}

void
mcp_call_fail(struct mcp_call *call, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (!call->cancelled) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		mcp_reply_result(call->srv, &call->to, text_result(text, true));
	}
	mcp_call_release(call);
}

/* ---- progress, cancellation ----------------------------------------------------------- */

static json_t *
number(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

int
mcp_call_progress(struct mcp_call *call, double progress, double total, const char *message)
{
	json_t *params, *n;

	if (call->cancelled)
		return -ECANCELED;
	if (call->progress_token == NULL)
		return -ENOENT;
	if (!isfinite(progress) || (call->sent_progress && progress <= call->last_progress))
		return -EINVAL;
	params = json_pack("{s:O, s:o}", "progressToken", call->progress_token,
	    "progress", number(progress));
	if (params == NULL)
		return -ENOMEM;
	if (total > 0 && isfinite(total))
		json_object_set_new(params, "total", number(total));
	if (message != NULL && call->rev >= MCP_REV_2025_03_26)
		json_object_set_new(params, "message", json_string(message));
	n = json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", "notifications/progress",
	    "params", params);
	if (n == NULL)
		return -ENOMEM;
	call->last_progress = progress;
	call->sent_progress = true;
	mcp_send_json(call->srv, n);
	return 0;
}

void
mcp_call_on_cancel(struct mcp_call *call, mcp_cancel_fn fn, void *arg)
{
	call->cancel_fn = fn;
	call->cancel_arg = arg;
}

bool
mcp_call_cancelled(const struct mcp_call *call)
{
	return call->cancelled;
}

static void
call_cancel(struct mcp_call *call, const char *reason)
{
	call->cancelled = true;
	log_info(LOGGER, "%s cancelled: %s", call->tool->def->name, reason);
	if (call->cancel_fn != NULL)
		call->cancel_fn(call, reason, call->cancel_arg);
}

void
mcp_handle_cancelled(struct mcp_server *srv, const json_t *params)
{
	const json_t *id, *reason;
	struct mcp_call *call;

	id = json_object_get(params, "requestId");
	reason = json_object_get(params, "reason");
	if (id == NULL)
		return;
	for (call = srv->calls; call != NULL; call = call->next) {
		if (!call->cancelled && json_equal(call->to.id, (json_t *)id)) {
			call_cancel(call, json_is_string(reason) ? json_string_value(reason) :
			    "cancelled by the client");
			return;
		}
	}
	log_debug(LOGGER, "notifications/cancelled for a request that is not running: ignored");
}

void
mcp_calls_cancel_all(struct mcp_server *srv, const char *reason)
{
	struct mcp_call *call;

	/* A cancel callback may complete its call (or others): rescan from the head. */
	for (;;) {
		for (call = srv->calls; call != NULL && call->cancelled; call = call->next)
			;
		if (call == NULL)
			break;
		call_cancel(call, reason);
	}
}

void
mcp_calls_free_all(struct mcp_server *srv)
{
	struct mcp_pending *p;

	while (srv->calls != NULL) {
		srv->calls->cancelled = true;
		mcp_call_release(srv->calls);
	}
	while ((p = srv->pending) != NULL) {
		srv->pending = p->next;
		mcp_pending_free(p);
	}
}

/* ---- accessors ------------------------------------------------------------------------- */

const char *
mcp_call_tool(const struct mcp_call *call)
{
	return call->tool->def->name;
}

struct mcp_server *
mcp_call_server(const struct mcp_call *call)
{
	return call->srv;
}

uv_loop_t *
mcp_call_loop(const struct mcp_call *call)
{
	return call->srv->loop;
}

enum mcp_revision
mcp_call_revision(const struct mcp_call *call)
{
	return call->rev;
}

const json_t *
mcp_call_client_capabilities(const struct mcp_call *call)
{
	return call->caps;
}
