/*
 * Asking the user for a confirmation, in both generations: legacy elicitation/create and
 * the 2026-07-28 input_required round trip (inputRequests, requestState, the client's
 * retry with inputResponses).  The handler here is written the way mcp.h documents: if
 * there is an answer use it, else ask — and a plan "runs" only when the user accepted.
 */
#include <errno.h>
#include <time.h>

#include "test_mcp_common.h"

#define CAPS_FORM	"{\"elicitation\":{}}"
#define ARGS		"{\"plan_id\":\"p1\",\"dry_run\":false}"

/* ---- the handler -------------------------------------------------------------------- */

struct flow {
	const char	*keys[3];	/* the questions, asked in this order */
	int		 invoked;	/* handler invocations */
	int		 ran;		/* every question accepted: the "plan" ran */
	int		 denied;
	int		 answers;	/* legacy callbacks */
	int		 cb_status;
	int		 last_rc;	/* of the last mcp_call_elicit_key() */
	struct mcp_call	*waiting;	/* a legacy call waiting for its answer */
	json_t		*seen;		/* copy of every answer at the last decision */
};

static json_t *
confirm_schema(void)
{
	return json_pack("{s:s, s:{s:{s:s, s:s}}, s:[s]}", "type", "object", "properties",
	    "ok", "type", "boolean", "title", "Proceed", "required", "ok");
}

static void	flow_on_answer(struct mcp_call *call, int status, json_t *result, void *arg);

static void
flow_decide(struct mcp_call *call, struct flow *f)
{
	const json_t *r;
	json_t *schema;
	size_t i;
	char msg[64];

	json_decref(f->seen);
	f->seen = json_object();
	for (i = 0; i < STRATA_ARRAY_LEN(f->keys) && f->keys[i] != NULL; i++) {
		if ((r = mcp_call_input_response(call, f->keys[i])) == NULL) {
			snprintf(msg, sizeof(msg), "Question %s: run plan p1?", f->keys[i]);
			schema = confirm_schema();
			f->last_rc = mcp_call_elicit_key(call, f->keys[i], msg, schema,
			    flow_on_answer, f);
			json_decref(schema);
			if (f->last_rc == 0) {
				f->waiting = call;
				return;
			}
			if (f->last_rc == MCP_ELICIT_INPUT_REQUIRED)
				return;		/* released: the retry comes back here */
			f->denied++;
			mcp_call_fail(call, "confirmation needed (%s): pass confirm, the plan's "
			    "hash", strerror(-f->last_rc));
			return;
		}
		json_object_set_new(f->seen, f->keys[i], json_deep_copy(r));
		if (strcmp(json_string_value(json_object_get(r, "action")), "accept") != 0 ||
		    !json_is_true(json_object_get(json_object_get(r, "content"), "ok"))) {
			f->denied++;
			mcp_call_fail(call, "not confirmed: plan p1 was not run");
			return;
		}
	}
	f->ran++;
	mcp_call_finish(call, json_pack("{s:s, s:s, s:s, s:[], s:[]}", "execution_id", "e1",
	    "plan_id", "p1", "status", "succeeded", "steps", "checkpoints"), "plan p1 ran");
}

static void
flow_on_answer(struct mcp_call *call, int status, json_t *result, void *arg)
{
	struct flow *f = arg;

	f->answers++;
	f->cb_status = status;
	f->waiting = NULL;
	if (status != 0) {
		f->denied++;
		mcp_call_fail(call, "no valid confirmation: plan p1 was not run");
		return;
	}
	flow_decide(call, f);
}

static void
flow_handler(struct mcp_call *call, json_t *args, void *arg)
{
	struct flow *f = arg;

	f->invoked++;
	flow_decide(call, f);
}

static struct mcp_server *
flow_server(struct collector *c, struct flow *f, uint64_t ttl_ms)
{
	struct mcp_server_options o;
	struct mcp_server *srv;

	strata_log_set_level(STRATA_LOG_CRITICAL);
	memset(&o, 0, sizeof(o));
	o.validate_output = 1;
	o.input_ttl_ms = ttl_ms;
	c->msgs = json_array();
	c->total = 0;
	ck_assert_ptr_nonnull(srv = mcp_server_new(NULL, &o, collect, c));
	ck_assert_int_eq(mcp_tool_set_handler(srv, "execute_plan", flow_handler, f), 0);
	return srv;
}

static void
flow_free(struct mcp_server *srv, struct collector *c, struct flow *f)
{
	test_server_free(srv, c);
	json_decref(f->seen);
	f->seen = NULL;
}

/*
 * Sends a 2026-07-28 tools/call.  `args` and `caps` are JSON texts; `state` and
 * `responses` (a JSON text) are left out when NULL.
 */
static void
call_modern(struct mcp_server *srv, long long id, const char *tool, const char *args,
    const char *caps, const char *state, const char *responses)
{
	json_t *msg, *params;
	char *line;

	params = json_pack("{s:s, s:o, s:{s:s, s:o}}", "name", tool,
	    "arguments", json_loads(args, 0, NULL),
	    "_meta", "io.modelcontextprotocol/protocolVersion", "2026-07-28",
	    "io.modelcontextprotocol/clientCapabilities", json_loads(caps, 0, NULL));
	ck_assert_ptr_nonnull(params);
	if (state != NULL)
		json_object_set_new(params, "requestState", json_string(state));
	if (responses != NULL)
		json_object_set_new(params, "inputResponses", json_loads(responses, 0, NULL));
	msg = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id,
	    "method", "tools/call", "params", params);
	line = json_dumps(msg, JSON_COMPACT);
	mcp_server_feed(srv, line, strlen(line));
	mcp_server_feed(srv, "\n", 1);
	free(line);
	json_decref(msg);
}

/* Takes an input_required result for `id` asking `key`; returns its requestState (new). */
static char *
expect_input_required(struct collector *c, long long id, const char *key)
{
	json_t *r, *req, *params;
	char *state;

	r = expect_result(c, id);
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")), "input_required");
	ck_assert_ptr_null(json_object_get(r, "content"));
	ck_assert_uint_eq(json_object_size(json_object_get(r, "inputRequests")), 1);
	req = json_object_get(json_object_get(r, "inputRequests"), key);
	ck_assert_msg(req != NULL, "no input request %s", key);
	ck_assert_str_eq(json_string_value(json_object_get(req, "method")), "elicitation/create");
	params = json_object_get(req, "params");
	ck_assert_str_eq(json_string_value(json_object_get(params, "mode")), "form");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(params, "message")),
	    "run plan p1?"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
	    json_object_get(params, "requestedSchema"), "properties"), "ok"), "type")),
	    "boolean");
	ck_assert(json_string_length(json_object_get(r, "requestState")) > 40);
	state = strdup(json_string_value(json_object_get(r, "requestState")));
	json_decref(r);
	return state;
}

/* Takes a complete tool result for `id`; returns whether it is an error. */
static bool
expect_tool_result_in(struct collector *c, long long id, const char *text_part, bool modern)
{
	json_t *r = expect_result(c, id);
	const char *text;
	bool is_error;

	/* resultType is a 2026-07-28 member: "complete" there, absent before. */
	ck_assert(json_object_get(r, "resultType") == NULL ||
	    strcmp(json_string_value(json_object_get(r, "resultType")), "complete") == 0);
	ck_assert_int_eq(json_object_get(r, "resultType") != NULL, modern);
	text = json_string_value(json_object_get(json_array_get(json_object_get(r, "content"),
	    0), "text"));
	ck_assert_msg(text != NULL && strstr(text, text_part) != NULL, "expected \"%s\" in %s",
	    text_part, text);
	is_error = json_is_true(json_object_get(r, "isError"));
	json_decref(r);
	return is_error;
}

#define expect_tool_result(c, id, text)		expect_tool_result_in(c, id, text, true)
#define expect_legacy_tool_result(c, id, text)	expect_tool_result_in(c, id, text, false)

#define ACCEPT		"{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}"
#define DECLINE		"{\"confirm\":{\"action\":\"decline\"}}"

/* ---- 2026-07-28 ------------------------------------------------------------------------ */

START_TEST(input_required_then_accept_runs)
{
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 0);
	char *state;

	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	ck_assert_int_eq(f.last_rc, MCP_ELICIT_INPUT_REQUIRED);
	state = expect_input_required(&c, 1, "confirm");
	ck_assert(mcp_server_idle(srv));	/* the first request is over */
	ck_assert_int_eq(f.ran + f.denied, 0);
	ck_assert_uint_eq(pending(&c), 0);

	/* The retry: new id, same arguments (members in another order), the answer. */
	call_modern(srv, 2, "execute_plan", "{\"dry_run\":false,\"plan_id\":\"p1\"}", CAPS_FORM,
	    state, ACCEPT);
	ck_assert_int_eq(f.invoked, 2);
	ck_assert_int_eq(f.ran, 1);
	ck_assert(!expect_tool_result(&c, 2, "plan p1 ran"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f.seen, "confirm"),
	    "action")), "accept");

	/* The same state again: a confirmation is good for one run. */
	call_modern(srv, 3, "execute_plan", ARGS, CAPS_FORM, state, ACCEPT);
	expect_error(&c, 3, -32602);
	ck_assert_int_eq(f.invoked, 2);
	ck_assert_int_eq(f.ran, 1);
	free(state);
	flow_free(srv, &c, &f);
}
END_TEST

START_TEST(input_required_then_decline_or_cancel_denies)
{
	static const char *const answers[] = {
		DECLINE,
		"{\"confirm\":{\"action\":\"cancel\"}}",
		"{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":false}}}",
	};
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 0);
	char *state;
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(answers); i++) {
		call_modern(srv, 10 * (long long)i + 1, "execute_plan", ARGS, CAPS_FORM, NULL,
		    NULL);
		state = expect_input_required(&c, 10 * (long long)i + 1, "confirm");
		call_modern(srv, 10 * (long long)i + 2, "execute_plan", ARGS, CAPS_FORM, state,
		    answers[i]);
		ck_assert(expect_tool_result(&c, 10 * (long long)i + 2, "not confirmed"));
		free(state);
	}
	ck_assert_int_eq(f.ran, 0);
	ck_assert_int_eq(f.denied, 3);
	flow_free(srv, &c, &f);
}
END_TEST

START_TEST(no_elicitation_capability_denies)
{
	static const char *const caps[] = {
		"{}", "{\"elicitation\":{\"url\":{}}}", "{\"elicitation\":true}",
	};
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 0);
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(caps); i++) {
		call_modern(srv, (long long)i, "execute_plan", ARGS, caps[i], NULL, NULL);
		ck_assert_int_eq(f.last_rc, -ENOTSUP);
		ck_assert(expect_tool_result(&c, (long long)i, "confirmation needed"));
	}
	/* Declared form mode explicitly: asked. */
	call_modern(srv, 9, "execute_plan", ARGS, "{\"elicitation\":{\"form\":{}}}", NULL,
	    NULL);
	free(expect_input_required(&c, 9, "confirm"));
	ck_assert_int_eq(f.ran, 0);
	flow_free(srv, &c, &f);
}
END_TEST

START_TEST(state_is_bound_to_tool_and_arguments)
{
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 0);
	struct flow g = { .keys = { "confirm" } };
	char *state;
	json_t *m;

	ck_assert_int_eq(mcp_tool_set_handler(srv, "rollback_plan", flow_handler, &g), 0);
	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	state = expect_input_required(&c, 1, "confirm");

	/* A confirmation for plan p1 does not run plan p2 ... */
	call_modern(srv, 2, "execute_plan", "{\"plan_id\":\"p2\",\"dry_run\":false}", CAPS_FORM,
	    state, ACCEPT);
	m = take(&c);
	ck_assert_int_eq(error_code(m), -32602);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(m,
	    "error"), "message")), "other arguments"));
	json_decref(m);
	/* ... nor p1 with another option ... */
	call_modern(srv, 3, "execute_plan", "{\"plan_id\":\"p1\",\"dry_run\":true}", CAPS_FORM,
	    state, ACCEPT);
	expect_error(&c, 3, -32602);
	/* ... nor another tool with the same arguments. */
	call_modern(srv, 4, "rollback_plan", "{\"plan_id\":\"p1\",\"dry_run\":false}",
	    CAPS_FORM, state, ACCEPT);
	expect_error(&c, 4, -32602);
	ck_assert_int_eq(f.invoked + g.invoked, 1);

	/* The refusals did not spend it: the right retry still runs. */
	call_modern(srv, 5, "execute_plan", ARGS, CAPS_FORM, state, ACCEPT);
	ck_assert(!expect_tool_result(&c, 5, "plan p1 ran"));
	ck_assert_int_eq(f.ran, 1);
	free(state);
	flow_free(srv, &c, &f);
	json_decref(g.seen);
}
END_TEST

/* Presents `state` with its character at `at` changed: must be -32602. */
static void
refused_when_altered(struct mcp_server *srv, struct collector *c, const char *state, size_t at)
{
	char *bad;
	json_t *m;

	if (state[at] == '.')
		return;
	bad = strdup(state);
	bad[at] = bad[at] == 'A' ? 'B' : 'A';
	call_modern(srv, 2, "execute_plan", ARGS, CAPS_FORM, bad, ACCEPT);
	m = take(c);
	ck_assert_msg(error_code(m) == -32602, "altered at %zu accepted", at);
	json_decref(m);
	free(bad);
}

START_TEST(tampered_or_foreign_state_is_refused)
{
	struct collector c, c2;
	struct flow f = { .keys = { "confirm" } }, f2 = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 0), *other;
	char *state, *bad, *dot, *other_state;
	size_t i;

	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	state = expect_input_required(&c, 1, "confirm");
	dot = strchr(state, '.');
	ck_assert_ptr_nonnull(dot);

	/* One character changed anywhere — payload or MAC — fails verification. */
	for (i = 0; i < strlen(state); i += 7)
		refused_when_altered(srv, &c, state, i);
	refused_when_altered(srv, &c, state, strlen(state) - 1);
	/* Cut short, not a string, garbage. */
	bad = strndup(state, (size_t)(dot - state));
	call_modern(srv, 3, "execute_plan", ARGS, CAPS_FORM, bad, ACCEPT);
	expect_error(&c, 3, -32602);
	free(bad);
	call_modern(srv, 4, "execute_plan", ARGS, CAPS_FORM, "x.y", ACCEPT);
	expect_error(&c, 4, -32602);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":" ARGS ",\"requestState\":7,\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
	    "\"io.modelcontextprotocol/clientCapabilities\":" CAPS_FORM "}}}");
	expect_error(&c, 5, -32602);

	/* A state issued by another server process (another key) is refused here. */
	other = flow_server(&c2, &f2, 0);
	call_modern(other, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	other_state = expect_input_required(&c2, 1, "confirm");
	call_modern(srv, 6, "execute_plan", ARGS, CAPS_FORM, other_state, ACCEPT);
	expect_error(&c, 6, -32602);
	free(other_state);
	flow_free(other, &c2, &f2);

	ck_assert_int_eq(f.invoked, 1);
	ck_assert_int_eq(f.ran, 0);
	free(state);
	flow_free(srv, &c, &f);
}
END_TEST

START_TEST(expired_state_is_refused)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 1);	/* 1 ms to answer */
	char *state;
	json_t *m;

	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	state = expect_input_required(&c, 1, "confirm");
	nanosleep(&ts, NULL);
	call_modern(srv, 2, "execute_plan", ARGS, CAPS_FORM, state, ACCEPT);
	m = take(&c);
	ck_assert_int_eq(error_code(m), -32602);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(m,
	    "error"), "message")), "expired"));
	json_decref(m);
	ck_assert_int_eq(f.ran, 0);
	free(state);
	flow_free(srv, &c, &f);
}
END_TEST

START_TEST(malformed_answers_are_invalid_params)
{
	static const struct {
		const char *responses, *names;
	} bad[] = {
		{ "{\"confirm\":{\"action\":\"maybe\"}}", "inputResponses.confirm.action" },
		{ "{\"confirm\":\"yes\"}", "inputResponses.confirm" },
		{ "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":\"yes\"}}}",
		  "inputResponses.confirm.content.ok: expected boolean" },
		{ "{\"confirm\":{\"action\":\"accept\"}}",
		  "inputResponses.confirm.content.ok: required" },
		{ "{\"confirm\":{\"action\":\"decline\",\"content\":[]}}",
		  "inputResponses.confirm.content" },
		{ "[1]", "inputResponses must be an object" },
	};
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv = flow_server(&c, &f, 0);
	const char *msg;
	char *state;
	json_t *m;
	size_t i;

	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	state = expect_input_required(&c, 1, "confirm");
	for (i = 0; i < STRATA_ARRAY_LEN(bad); i++) {
		call_modern(srv, 2, "execute_plan", ARGS, CAPS_FORM, state, bad[i].responses);
		m = take(&c);
		ck_assert_int_eq(error_code(m), -32602);
		msg = json_string_value(json_object_get(json_object_get(m, "error"), "message"));
		ck_assert_msg(strstr(msg, bad[i].names) != NULL, "%s: %s", bad[i].responses, msg);
		json_decref(m);
	}
	ck_assert_int_eq(f.invoked, 1);
	/* Answers to questions not asked are ignored; a missing answer is asked again. */
	call_modern(srv, 3, "execute_plan", ARGS, CAPS_FORM, state,
	    "{\"other\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}");
	free(state);
	state = expect_input_required(&c, 3, "confirm");
	ck_assert_int_eq(f.ran, 0);
	/* inputResponses without a requestState are not trusted: asked again. */
	call_modern(srv, 4, "execute_plan", ARGS, CAPS_FORM, NULL, ACCEPT);
	free(expect_input_required(&c, 4, "confirm"));
	ck_assert_int_eq(f.ran, 0);
	/* And the valid answer still works after all that. */
	call_modern(srv, 5, "execute_plan", ARGS, CAPS_FORM, state, ACCEPT);
	ck_assert(!expect_tool_result(&c, 5, "plan p1 ran"));
	free(state);
	flow_free(srv, &c, &f);
}
END_TEST

START_TEST(answers_of_earlier_rounds_are_kept)
{
	struct collector c;
	struct flow f = { .keys = { "confirm", "drain" } };
	struct mcp_server *srv = flow_server(&c, &f, 0);
	char *s1, *s2;

	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	s1 = expect_input_required(&c, 1, "confirm");
	call_modern(srv, 2, "execute_plan", ARGS, CAPS_FORM, s1, ACCEPT);
	s2 = expect_input_required(&c, 2, "drain");
	ck_assert_int_eq(f.ran, 0);
	/* Only the second answer is sent; the first comes back from the state. */
	call_modern(srv, 3, "execute_plan", ARGS, CAPS_FORM, s2,
	    "{\"drain\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}");
	ck_assert(!expect_tool_result(&c, 3, "plan p1 ran"));
	ck_assert_uint_eq(json_object_size(f.seen), 2);
	ck_assert_int_eq(f.invoked, 3);
	/* A declined second question stops it even with the first accepted. */
	call_modern(srv, 4, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	free(s1);
	s1 = expect_input_required(&c, 4, "confirm");
	call_modern(srv, 5, "execute_plan", ARGS, CAPS_FORM, s1, ACCEPT);
	free(s2);
	s2 = expect_input_required(&c, 5, "drain");
	call_modern(srv, 6, "execute_plan", ARGS, CAPS_FORM, s2,
	    "{\"drain\":{\"action\":\"decline\"}}");
	ck_assert(expect_tool_result(&c, 6, "not confirmed"));
	ck_assert_int_eq(f.ran, 1);
	free(s1);
	free(s2);
	flow_free(srv, &c, &f);
}
END_TEST

static void
keep_handler(struct mcp_call *call, json_t *args, void *arg)
{
	*(struct mcp_call **)arg = call;
}

START_TEST(bad_keys_and_schemas_are_refused)
{
	static const char *const keys[] = {
		"", "two words", "quote\"", "k/k",
		"a123456789b123456789c123456789d123456789e123456789f123456789g1234",
	};
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct mcp_call *call = NULL;
	json_t *schema = confirm_schema();
	size_t i;

	ck_assert_int_eq(mcp_tool_set_handler(srv, "execute_plan", keep_handler, &call), 0);
	call_modern(srv, 1, "execute_plan", ARGS, CAPS_FORM, NULL, NULL);
	ck_assert_ptr_nonnull(call);
	ck_assert(mcp_call_can_elicit(call));
	for (i = 0; i < STRATA_ARRAY_LEN(keys); i++)
		ck_assert_int_eq(mcp_call_elicit_key(call, keys[i], "Run?", schema, NULL, NULL),
		    -EINVAL);
	ck_assert_int_eq(mcp_call_elicit_key(call, "ok", "Run?", NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(mcp_call_elicit_key(call, "ok", NULL, schema, NULL, NULL), -EINVAL);
	ck_assert_ptr_null(mcp_call_input_response(call, "confirm"));
	ck_assert_uint_eq(pending(&c), 0);	/* nothing was sent for them */
	/* A 64-character key is fine, and no callback is needed in 2026-07-28. */
	ck_assert_int_eq(mcp_call_elicit_key(call, "a123456789b123456789c123456789d123456789"
	    "e123456789f123456789g123", "Run?", schema, NULL, NULL), MCP_ELICIT_INPUT_REQUIRED);
	json_decref(expect_result(&c, 1));
	ck_assert(mcp_server_idle(srv));
	json_decref(schema);
	test_server_free(srv, &c);
}
END_TEST

/* ---- legacy revisions: the same handler over elicitation/create --------------------------- */

static void
legacy_call(struct mcp_server *srv, long long id)
{
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"execute_plan\",\"arguments\":" ARGS "}}", id);
}

/* Takes the elicitation/create request; returns its id (new string). */
static char *
expect_elicit_request(struct collector *c, const char *rev)
{
	json_t *m = take(c), *params;
	char *id;

	ck_assert_str_eq(json_string_value(json_object_get(m, "method")), "elicitation/create");
	params = json_object_get(m, "params");
	ck_assert(json_is_object(json_object_get(params, "requestedSchema")));
	/* mode exists from 2025-11-25 on. */
	if (strcmp(rev, "2025-11-25") >= 0)
		ck_assert_str_eq(json_string_value(json_object_get(params, "mode")), "form");
	else
		ck_assert_ptr_null(json_object_get(params, "mode"));
	id = strdup(json_string_value(json_object_get(m, "id")));
	json_decref(m);
	return id;
}

START_TEST(legacy_elicitation_uses_the_same_handler)
{
	static const char *const revs[] = { "2025-06-18", "2025-11-25" };
	struct collector c;
	struct flow f = { .keys = { "confirm" } };
	struct mcp_server *srv;
	char *id;
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(revs); i++) {
		memset(&f, 0, sizeof(f));
		f.keys[0] = "confirm";
		srv = flow_server(&c, &f, 0);
		legacy_init(srv, &c, revs[i], CAPS_FORM);
		legacy_call(srv, 1);
		ck_assert_int_eq(f.last_rc, 0);
		id = expect_elicit_request(&c, revs[i]);
		ck_assert(!mcp_server_idle(srv));
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":" "{\"action\":"
		    "\"accept\",\"content\":{\"ok\":true}}}", id);
		free(id);
		ck_assert_int_eq(f.cb_status, 0);
		ck_assert(!expect_legacy_tool_result(&c, 1, "plan p1 ran"));
		ck_assert_int_eq(f.invoked, 1);		/* one call, answered in place */

		legacy_call(srv, 2);
		id = expect_elicit_request(&c, revs[i]);
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":{\"action\":"
		    "\"decline\"}}", id);
		free(id);
		ck_assert(expect_legacy_tool_result(&c, 2, "not confirmed"));

		/* A malformed answer is not a confirmation. */
		legacy_call(srv, 3);
		id = expect_elicit_request(&c, revs[i]);
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":{\"action\":"
		    "\"accept\",\"content\":{\"ok\":\"sure\"}}}", id);
		free(id);
		ck_assert_int_eq(f.cb_status, -EPROTO);
		ck_assert(expect_legacy_tool_result(&c, 3, "no valid confirmation"));

		/* Nor is an error. */
		legacy_call(srv, 4);
		id = expect_elicit_request(&c, revs[i]);
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"error\":{\"code\":-32601,"
		    "\"message\":\"no\"}}", id);
		free(id);
		ck_assert_int_eq(f.cb_status, -EPROTO);
		ck_assert(expect_legacy_tool_result(&c, 4, "no valid confirmation"));
		ck_assert_int_eq(f.ran, 1);
		ck_assert_int_eq(f.denied, 3);
		flow_free(srv, &c, &f);
	}
}
END_TEST

START_TEST(legacy_without_elicitation_denies)
{
	static const struct {
		const char *rev, *caps;
	} cases[] = {
		{ "2025-11-25", "{}" }, { "2025-03-26", CAPS_FORM }, { "2024-11-05", CAPS_FORM },
	};
	struct collector c;
	struct flow f;
	struct mcp_server *srv;
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(cases); i++) {
		memset(&f, 0, sizeof(f));
		f.keys[0] = "confirm";
		srv = flow_server(&c, &f, 0);
		legacy_init(srv, &c, cases[i].rev, cases[i].caps);
		legacy_call(srv, 1);
		ck_assert_int_eq(f.last_rc, -ENOTSUP);
		ck_assert(expect_legacy_tool_result(&c, 1, "confirmation needed"));
		/* A legacy client's requestState/inputResponses mean nothing: asked anyway. */
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"execute_plan\",\"arguments\":" ARGS ",\"requestState\":\"x\","
		    "\"inputResponses\":" ACCEPT "}}");
		ck_assert(expect_legacy_tool_result(&c, 2, "confirmation needed"));
		ck_assert_int_eq(f.ran, 0);
		flow_free(srv, &c, &f);
	}
}
END_TEST

static Suite *
input_suite(void)
{
	Suite *s = suite_create("mcp_input");
	TCase *tc = tcase_create("input");

	tcase_add_test(tc, input_required_then_accept_runs);
	tcase_add_test(tc, input_required_then_decline_or_cancel_denies);
	tcase_add_test(tc, no_elicitation_capability_denies);
	tcase_add_test(tc, state_is_bound_to_tool_and_arguments);
	tcase_add_test(tc, tampered_or_foreign_state_is_refused);
	tcase_add_test(tc, expired_state_is_refused);
	tcase_add_test(tc, malformed_answers_are_invalid_params);
	tcase_add_test(tc, answers_of_earlier_rounds_are_kept);
	tcase_add_test(tc, bad_keys_and_schemas_are_refused);
	tcase_add_test(tc, legacy_elicitation_uses_the_same_handler);
	tcase_add_test(tc, legacy_without_elicitation_denies);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(input_suite)
