/*
 * Tools: listing with pagination, argument validation per revision, calls of handlers
 * (finish, fail, progress, cancellation, elicitation), output schemas, logging, resources.
 */
#include <errno.h>

#include "test_mcp_common.h"

static const char *const tool_names[] = {
	"detect_layers", "plan_remediation", "execute_plan", "rollback_plan"
};

/* Lists every tool by following nextCursor; returns the array (new). */
static json_t *
list_all(struct mcp_server *srv, struct collector *c, size_t page, int *pages)
{
	json_t *all = json_array(), *r, *next;
	char cursor[64] = "";
	long long id = 100;

	*pages = 0;
	for (;;) {
		if (cursor[0] == '\0')
			feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"tools/list\"}", id);
		else
			feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"tools/list\","
			    "\"params\":{\"cursor\":\"%s\"}}", id, cursor);
		r = expect_result(c, id++);
		(*pages)++;
		ck_assert(json_array_size(json_object_get(r, "tools")) <= (page ? page : 99));
		json_array_extend(all, json_object_get(r, "tools"));
		next = json_object_get(r, "nextCursor");
		if (next == NULL) {
			json_decref(r);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		json_decref(r);
		ck_assert(*pages < 10);
	}
	return all;
}

START_TEST(list_pages_and_cursors)
{
	static const size_t pages_of[] = { 0, 1, 2, 3, 4 };
	static const int expect_pages[] = { 1, 4, 2, 2, 1 };
	static const char *const bad[] = {
		"\"tools-page-0\"", "\"tools-page-4\"", "\"tools-page-01\"", "\"x\"", "5", "{}"
	};
	struct collector c;
	struct mcp_server *srv;
	json_t *all, *t, *ann;
	size_t i, k;
	int pages;

	for (i = 0; i < STRATA_ARRAY_LEN(pages_of); i++) {
		srv = test_server(&c, 0, pages_of[i]);
		legacy_init(srv, &c, "2025-11-25", NULL);
		all = list_all(srv, &c, pages_of[i], &pages);
		ck_assert_int_eq(pages, expect_pages[i]);
		ck_assert_uint_eq(json_array_size(all), 4);
		json_array_foreach(all, k, t) {
			ck_assert_str_eq(json_string_value(json_object_get(t, "name")),
			    tool_names[k]);
			ck_assert(json_string_length(json_object_get(t, "title")) > 0);
			ck_assert(json_string_length(json_object_get(t, "description")) > 40);
			ck_assert_str_eq(json_string_value(json_object_get(json_object_get(t,
			    "inputSchema"), "type")), "object");
			ck_assert_str_eq(json_string_value(json_object_get(json_object_get(t,
			    "outputSchema"), "type")), "object");
			ann = json_object_get(t, "annotations");
			ck_assert(json_is_true(json_object_get(ann, "openWorldHint")));
			ck_assert(json_is_boolean(json_object_get(ann, "idempotentHint")));
		}
		/* Hints true to each tool. */
		ann = json_object_get(json_array_get(all, 0), "annotations");
		ck_assert(json_is_true(json_object_get(ann, "readOnlyHint")));
		ann = json_object_get(json_array_get(all, 1), "annotations");
		ck_assert(json_is_true(json_object_get(ann, "readOnlyHint")));
		ann = json_object_get(json_array_get(all, 2), "annotations");
		ck_assert(json_is_false(json_object_get(ann, "readOnlyHint")));
		ck_assert(json_is_true(json_object_get(ann, "destructiveHint")));
		ck_assert(json_is_false(json_object_get(ann, "idempotentHint")));
		ann = json_object_get(json_array_get(all, 3), "annotations");
		ck_assert(json_is_true(json_object_get(ann, "destructiveHint")));
		ck_assert(json_is_true(json_object_get(ann, "idempotentHint")));
		json_decref(all);
		for (k = 0; k < STRATA_ARRAY_LEN(bad); k++) {
			feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\","
			    "\"params\":{\"cursor\":%s}}", bad[k]);
			expect_error(&c, 1, -32602);
		}
		test_server_free(srv, &c);
	}
}
END_TEST

START_TEST(invalid_arguments_per_revision)
{
	static const struct {
		const char *rev;
		bool tool_error;
	} revs[] = {
		{ "2025-11-25", true }, { "2025-06-18", false }, { "2025-03-26", false },
		{ "2024-11-05", false },
	};
	struct collector c;
	struct mcp_server *srv;
	json_t *m, *r;
	const char *text;
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(revs); i++) {
		srv = test_server(&c, 0, 0);
		legacy_init(srv, &c, revs[i].rev, NULL);
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"detect_layers\",\"arguments\":{\"resources\":[{\"kind\":7,"
		    "\"name\":\"x\"}]}}}");
		m = take(&c);
		if (revs[i].tool_error) {
			r = json_object_get(m, "result");
			ck_assert(json_is_true(json_object_get(r, "isError")));
			text = json_string_value(json_object_get(json_array_get(json_object_get(r,
			    "content"), 0), "text"));
		} else {
			ck_assert_int_eq(error_code(m), -32602);
			text = json_string_value(json_object_get(json_object_get(m, "error"),
			    "message"));
		}
		ck_assert_ptr_nonnull(text);
		ck_assert_msg(strstr(text, "arguments.resources[0].kind: expected string") !=
		    NULL, "%s: %s", revs[i].rev, text);
		json_decref(m);
		/* Arguments that are not an object at all. */
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"execute_plan\",\"arguments\":[1]}}");
		m = take(&c);
		ck_assert(revs[i].tool_error ? json_is_true(json_object_get(json_object_get(m,
		    "result"), "isError")) : error_code(m) == -32602);
		json_decref(m);
		test_server_free(srv, &c);
	}
}
END_TEST

START_TEST(calls_without_engine_say_what_is_missing)
{
	static const char *const args[] = {
		"{}", "{\"issue_id\":\"i1\"}", "{\"plan_id\":\"p1\"}", "{\"execution_id\":\"e1\"}"
	};
	static const char *const issue[] = { "issue #5", "issue #5", "issue #6", "issue #6" };
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	const char *text;
	json_t *r;
	size_t i;

	legacy_init(srv, &c, "2025-11-25", NULL);
	for (i = 0; i < 4; i++) {
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"%s\",\"arguments\":%s}}", i, tool_names[i], args[i]);
		r = expect_result(&c, (long long)i);
		ck_assert(json_is_true(json_object_get(r, "isError")));
		text = json_string_value(json_object_get(json_array_get(json_object_get(r,
		    "content"), 0), "text"));
		ck_assert_ptr_nonnull(strstr(text, tool_names[i]));
		ck_assert_ptr_nonnull(strstr(text, issue[i]));
		ck_assert_ptr_null(json_object_get(r, "structuredContent"));
		json_decref(r);
	}
	test_server_free(srv, &c);
}
END_TEST

/* ---- a handler the tests drive by hand ---------------------------------------------- */

struct held {
	struct mcp_call	*call;
	int		 calls;
	int		 cancels;
	char		 reason[64];
	int		 elicit_status;
	json_t		*elicit_result;
};

static void
on_cancel(struct mcp_call *call, const char *reason, void *arg)
{
	struct held *h = arg;

	h->cancels++;
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
}

static void
hold_handler(struct mcp_call *call, json_t *args, void *arg)
{
	struct held *h = arg;

	h->call = call;
	h->calls++;
	mcp_call_on_cancel(call, on_cancel, h);
}

static json_t *
rollback_result(void)
{
	return json_pack("{s:s, s:s, s:[{s:i, s:s, s:s}]}", "execution_id", "e1",
	    "status", "rolled_back", "steps", "index", 0, "action", "uncordon",
	    "status", "succeeded");
}

START_TEST(progress_then_result_in_order)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };
	json_t *m, *p, *r;

	ck_assert_int_eq(mcp_tool_set_handler(srv, "rollback_plan", hold_handler, &h), 0);
	ck_assert_int_eq(mcp_tool_set_handler(srv, "nope", hold_handler, &h), -ENOENT);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"rollback_plan\",\"arguments\":{\"execution_id\":\"e1\"},\"_meta\":"
	    "{\"progressToken\":\"tok\"}}}");
	ck_assert_int_eq(h.calls, 1);
	ck_assert_uint_eq(pending(&c), 0);	/* the handler has not finished */
	ck_assert(!mcp_server_idle(srv));
	ck_assert_str_eq(mcp_call_tool(h.call), "rollback_plan");
	ck_assert_int_eq(mcp_call_revision(h.call), MCP_REV_2025_11_25);

	/* A ping is answered while the call runs. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}");
	m = expect_result(&c, 8);
	json_decref(m);

	ck_assert_int_eq(mcp_call_progress(h.call, 1, 4, "step 1 of 4"), 0);
	ck_assert_int_eq(mcp_call_progress(h.call, 1, 4, "again"), -EINVAL);
	ck_assert_int_eq(mcp_call_progress(h.call, 0.5, 4, "backwards"), -EINVAL);
	ck_assert_int_eq(mcp_call_progress(h.call, 2.5, 0, NULL), 0);
	mcp_call_finish(h.call, rollback_result(), "rolled back 1 step");

	m = take(&c);
	ck_assert_str_eq(json_string_value(json_object_get(m, "method")),
	    "notifications/progress");
	p = json_object_get(m, "params");
	ck_assert_str_eq(json_string_value(json_object_get(p, "progressToken")), "tok");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "progress")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "total")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(p, "message")), "step 1 of 4");
	json_decref(m);
	m = take(&c);
	p = json_object_get(m, "params");
	ck_assert(json_real_value(json_object_get(p, "progress")) == 2.5);
	ck_assert_ptr_null(json_object_get(p, "total"));
	json_decref(m);
	r = expect_result(&c, 7);
	ck_assert(json_is_false(json_object_get(r, "isError")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r,
	    "structuredContent"), "status")), "rolled_back");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "content"), 0), "text")), "rolled back 1 step");
	json_decref(r);
	ck_assert(mcp_server_idle(srv));
	test_server_free(srv, &c);
}
END_TEST

START_TEST(cancel_stops_everything_for_the_request)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };

	mcp_tool_set_handler(srv, "execute_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":{\"plan_id\":\"p1\"},\"_meta\":"
	    "{\"progressToken\":3}}}");
	ck_assert_int_eq(mcp_call_progress(h.call, 1, 10, "draining"), 0);
	json_decref(take(&c));
	/* A cancel for another id changes nothing. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
	    "{\"requestId\":\"3\"}}");
	ck_assert_int_eq(h.cancels, 0);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
	    "{\"requestId\":3,\"reason\":\"user pressed stop\"}}");
	ck_assert_int_eq(h.cancels, 1);
	ck_assert_str_eq(h.reason, "user pressed stop");
	ck_assert(mcp_call_cancelled(h.call));
	ck_assert_int_eq(mcp_call_progress(h.call, 2, 10, "late"), -ECANCELED);
	ck_assert_int_eq(mcp_call_elicit(h.call, "x", NULL, NULL, NULL), -ECANCELED);
	mcp_call_fail(h.call, "stopped at a safe point");
	ck_assert_uint_eq(pending(&c), 0);	/* nothing after a cancel */
	ck_assert(mcp_server_idle(srv));
	test_server_free(srv, &c);
}
END_TEST

START_TEST(shutdown_cancels_running_calls)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };

	mcp_tool_set_handler(srv, "execute_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":{\"plan_id\":\"p1\"}}}");
	ck_assert_int_eq(mcp_call_progress(h.call, 1, 0, NULL), -ENOENT);	/* no token */
	mcp_server_feed_eof(srv);
	ck_assert_int_eq(h.cancels, 1);
	ck_assert(!mcp_server_idle(srv));
	mcp_call_finish(h.call, json_object(), NULL);
	ck_assert(mcp_server_idle(srv));
	ck_assert_uint_eq(pending(&c), 0);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(finish_without_text_sends_the_json)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };
	json_t *r, *parsed;

	mcp_tool_set_handler(srv, "rollback_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"rollback_plan\",\"arguments\":{\"plan_id\":\"p1\"}}}");
	mcp_call_finish(h.call, rollback_result(), NULL);
	r = expect_result(&c, 1);
	parsed = json_loads(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "content"), 0), "text")), 0, NULL);
	ck_assert(json_equal(parsed, json_object_get(r, "structuredContent")));
	json_decref(parsed);
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(nonconforming_result_is_logged)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };
	json_t *m, *p, *r;

	mcp_tool_set_handler(srv, "rollback_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/setLevel\","
	    "\"params\":{\"level\":\"error\"}}");
	json_decref(expect_result(&c, 1));
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"rollback_plan\",\"arguments\":{\"plan_id\":\"p1\"}}}");
	mcp_call_finish(h.call, json_pack("{s:s}", "status", "done"), NULL);
	m = take(&c);	/* the error log record, forwarded */
	ck_assert_str_eq(json_string_value(json_object_get(m, "method")),
	    "notifications/message");
	p = json_object_get(m, "params");
	ck_assert_str_eq(json_string_value(json_object_get(p, "level")), "error");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(p, "data")),
	    "structuredContent.execution_id: required property is missing"));
	json_decref(m);
	r = expect_result(&c, 2);
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

/* ---- output schemas accept what the contract describes ---------------------------------- */

static const char *const examples[] = {
	/* detect_layers */
	"{\"issue_id\":\"iss-1\",\"affected_layers\":[\"infrastructure\",\"application\"],"
	"\"root_cause_layer\":\"infrastructure\",\"confidence\":0.9,"
	"\"findings\":[{\"id\":\"f1\",\"layer\":\"infrastructure\",\"symptom\":\"MemoryPressure\","
	"\"resource\":{\"kind\":\"Node\",\"name\":\"worker-1\"},\"detail\":\"kubelet has "
	"memory pressure\"},{\"id\":\"f2\",\"layer\":\"application\",\"symptom\":\"Evicted\","
	"\"resource\":{\"kind\":\"Pod\",\"namespace\":\"shop\",\"name\":\"web-1\"},"
	"\"detail\":\"The node was low on resource: memory\"}],"
	"\"causal_links\":[{\"cause\":\"f1\",\"effect\":\"f2\",\"reason\":\"pod ran on the node\"}],"
	"\"impacted_resources\":{\"infrastructure\":[{\"kind\":\"Node\",\"namespace\":\"\","
	"\"name\":\"worker-1\",\"status\":\"MemoryPressure\",\"deployment_method\":\"unknown\"}],"
	"\"application\":[{\"kind\":\"Deployment\",\"namespace\":\"shop\",\"name\":\"web\","
	"\"status\":\"Degraded\",\"deployment_method\":\"argocd\"}]},"
	"\"summary\":\"worker-1 is out of memory\"}",
	/* plan_remediation */
	"{\"plan_id\":\"plan-1\",\"issue_id\":\"iss-1\",\"hash\":\"0123abcd\","
	"\"layers\":[\"infrastructure\",\"application\"],"
	"\"steps\":[{\"index\":0,\"layer\":\"infrastructure\",\"action\":\"cordon\","
	"\"target\":{\"kind\":\"Node\",\"name\":\"worker-1\"},\"params\":{},"
	"\"description\":\"Cordon worker-1\",\"required\":true,\"reversible\":true,"
	"\"compensation\":{\"action\":\"uncordon\"},\"timeout_seconds\":60},"
	"{\"index\":1,\"layer\":\"application\",\"action\":\"argocd_sync\","
	"\"target\":{\"kind\":\"Application\",\"namespace\":\"argocd\",\"name\":\"shop\"},"
	"\"params\":{},\"description\":\"Sync\",\"required\":false,\"reversible\":false,"
	"\"compensation\":null,\"timeout_seconds\":300}],"
	"\"checkpoints\":[{\"layer\":\"infrastructure\",\"after_step\":0,\"checks\":"
	"[{\"type\":\"node_ready\",\"timeout_seconds\":120}]}],"
	"\"preflight\":{\"feasible\":true},\"risks\":[\"web loses one replica\"],"
	"\"diagram\":\"flowchart TD\\n  A-->B\"}",
	/* execute_plan */
	"{\"execution_id\":\"ex-1\",\"plan_id\":\"plan-1\",\"status\":\"rolled_back\","
	"\"steps\":[{\"index\":0,\"status\":\"rolled_back\",\"started_at\":"
	"\"2026-11-30T10:00:00.000Z\",\"ended_at\":\"2026-11-30T10:00:05.000Z\"},"
	"{\"index\":1,\"status\":\"failed\",\"started_at\":\"2026-11-30T10:00:05.000Z\","
	"\"ended_at\":null,\"error\":\"timed out\"}],"
	"\"checkpoints\":[{\"layer\":\"infrastructure\",\"after_step\":0,\"healthy\":false,"
	"\"failed_checks\":[\"node_ready\"]}],\"rollback\":{\"status\":\"rolled_back\"}}",
	/* rollback_plan */
	"{\"execution_id\":\"ex-1\",\"status\":\"nothing_to_roll_back\",\"steps\":[]}",
};

/* One mistake per tool, as a handler might make it. */
static const char *const wrong[] = {
	"{\"issue_id\":\"i\",\"affected_layers\":[\"network\"],\"root_cause_layer\":\"unknown\","
	"\"confidence\":0,\"findings\":[],\"causal_links\":[],\"impacted_resources\":{},"
	"\"summary\":\"\"}",
	"{\"plan_id\":\"p\",\"issue_id\":\"i\",\"hash\":\"h\",\"layers\":[],\"steps\":[],"
	"\"checkpoints\":[],\"preflight\":{},\"risks\":[]}",
	"{\"execution_id\":\"e\",\"plan_id\":\"p\",\"status\":\"done\",\"steps\":[],"
	"\"checkpoints\":[]}",
	"{\"execution_id\":\"e\",\"status\":\"rolled_back\",\"steps\":[{\"index\":\"0\","
	"\"action\":\"uncordon\",\"status\":\"succeeded\"}]}",
};

START_TEST(output_schemas_match_the_contract)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *all, *schema, *inst;
	char err[512];
	int pages;
	size_t i;

	legacy_init(srv, &c, "2025-11-25", NULL);
	all = list_all(srv, &c, 0, &pages);
	for (i = 0; i < 4; i++) {
		schema = json_object_get(json_array_get(all, i), "outputSchema");
		inst = json_loads(examples[i], 0, NULL);
		ck_assert_ptr_nonnull(inst);
		ck_assert_msg(mcp_schema_validate(schema, inst, "structuredContent", err,
		    sizeof(err)) == 0, "%s: %s", tool_names[i], err);
		json_decref(inst);
		inst = json_loads(wrong[i], 0, NULL);
		ck_assert_ptr_nonnull(inst);
		ck_assert_msg(mcp_schema_validate(schema, inst, "structuredContent", err,
		    sizeof(err)) != 0, "%s accepted a wrong result", tool_names[i]);
		json_decref(inst);
	}
	json_decref(all);
	test_server_free(srv, &c);
}
END_TEST

/* ---- elicitation ------------------------------------------------------------------------ */

static void
on_elicit(struct mcp_call *call, int status, json_t *result, void *arg)
{
	struct held *h = arg;

	h->elicit_status = status;
	h->elicit_result = json_incref(result);
}

START_TEST(elicitation_round_trip)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };
	json_t *m, *schema;

	schema = json_pack("{s:s, s:{s:{s:s}}, s:[s]}", "type", "object", "properties",
	    "confirm", "type", "boolean", "required", "confirm");
	mcp_tool_set_handler(srv, "execute_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-11-25", "{\"elicitation\":{\"form\":{}}}");
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":{\"plan_id\":\"p1\"}}}");
	ck_assert(mcp_call_can_elicit(h.call));
	ck_assert(json_is_object(json_object_get(mcp_call_client_capabilities(h.call),
	    "elicitation")));
	ck_assert_int_eq(mcp_call_elicit(h.call, "Run plan p1?", schema, on_elicit, &h), 0);
	m = take(&c);
	ck_assert_str_eq(json_string_value(json_object_get(m, "method")), "elicitation/create");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "params"),
	    "mode")), "form");
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":{\"action\":\"accept\","
	    "\"content\":{\"confirm\":true}}}", json_string_value(json_object_get(m, "id")));
	json_decref(m);
	ck_assert_int_eq(h.elicit_status, 0);
	ck_assert_str_eq(json_string_value(json_object_get(h.elicit_result, "action")),
	    "accept");
	json_decref(h.elicit_result);
	mcp_call_fail(h.call, "declined");
	json_decref(expect_result(&c, 1));
	test_server_free(srv, &c);

	/* Without the capability there is no elicitation (2026-07-28: test_mcp_input). */
	srv = test_server(&c, 0, 0);
	mcp_tool_set_handler(srv, "execute_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":{\"plan_id\":\"p1\"}}}");
	ck_assert(!mcp_call_can_elicit(h.call));
	ck_assert_int_eq(mcp_call_elicit(h.call, "Run?", schema, on_elicit, &h), -ENOTSUP);
	mcp_call_fail(h.call, "no confirmation: refused");
	json_decref(expect_result(&c, 1));
	test_server_free(srv, &c);

	srv = test_server(&c, 0, 0);
	mcp_tool_set_handler(srv, "execute_plan", hold_handler, &h);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":{\"plan_id\":\"p1\"},\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
	    "\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{\"url\":{}}}}}}");
	ck_assert_int_eq(mcp_call_revision(h.call), MCP_REV_2026_07_28);
	ck_assert(!mcp_call_can_elicit(h.call));	/* URL mode only: no form */
	ck_assert_int_eq(mcp_call_elicit(h.call, "Run?", schema, on_elicit, &h), -ENOTSUP);
	mcp_call_fail(h.call, "no confirmation: refused");
	json_decref(expect_result(&c, 1));
	test_server_free(srv, &c);
	json_decref(schema);
}
END_TEST

/* ---- logging ------------------------------------------------------------------------------ */

START_TEST(log_records_are_forwarded_at_the_clients_level)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *m, *p;
	int i;

	log_warn("test", "before initialize");
	ck_assert_uint_eq(pending(&c), 0);
	legacy_init(srv, &c, "2025-11-25", NULL);
	log_warn("test", "no level set yet");
	ck_assert_uint_eq(pending(&c), 0);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/setLevel\","
	    "\"params\":{\"level\":\"warning\"}}");
	json_decref(expect_result(&c, 1));
	log_info("test", "below the level");
	ck_assert_uint_eq(pending(&c), 0);
	log_error("kube", "cluster unreachable: %s", "connection refused");
	m = take(&c);
	p = json_object_get(m, "params");
	ck_assert_str_eq(json_string_value(json_object_get(m, "method")),
	    "notifications/message");
	ck_assert_str_eq(json_string_value(json_object_get(p, "level")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(p, "logger")), "kube");
	ck_assert_str_eq(json_string_value(json_object_get(p, "data")),
	    "cluster unreachable: connection refused");
	json_decref(m);
	/* A flood is rate-limited. */
	for (i = 0; i < 200; i++)
		log_warn("test", "flood %d", i);
	ck_assert(pending(&c) <= 50);
	ck_assert(pending(&c) >= 40);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(modern_log_level_applies_while_its_request_runs)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };
	json_t *m;

	mcp_tool_set_handler(srv, "execute_plan", hold_handler, &h);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"execute_plan\",\"arguments\":{\"plan_id\":\"p1\"},\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
	    "\"io.modelcontextprotocol/clientCapabilities\":{},"
	    "\"io.modelcontextprotocol/logLevel\":\"info\"}}}");
	log_debug("exec", "below the request's level");
	ck_assert_uint_eq(pending(&c), 0);
	log_info("exec", "step 1 started");
	m = take(&c);
	ck_assert_str_eq(json_string_value(json_object_get(m, "method")),
	    "notifications/message");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "params"),
	    "data")), "step 1 started");
	json_decref(m);
	mcp_call_finish(h.call, json_pack("{s:s, s:s, s:s, s:[], s:[]}", "execution_id", "e1",
	    "plan_id", "p1", "status", "dry_run", "steps", "checkpoints"), NULL);
	m = expect_result(&c, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "resultType")), "complete");
	json_decref(m);
	log_warn("exec", "after the request");
	ck_assert_uint_eq(pending(&c), 0);
	test_server_free(srv, &c);
}
END_TEST

/* ---- batches with asynchronous calls ------------------------------------------------------ */

START_TEST(batch_waits_for_its_calls)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct held h = { 0 };
	json_t *m;

	mcp_tool_set_handler(srv, "rollback_plan", hold_handler, &h);
	legacy_init(srv, &c, "2025-03-26", NULL);
	feedf(srv, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"rollback_plan\",\"arguments\":{\"plan_id\":\"p1\"}}},"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]");
	ck_assert_uint_eq(pending(&c), 0);
	mcp_call_finish(h.call, rollback_result(), NULL);
	m = take(&c);
	ck_assert_uint_eq(json_array_size(m), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(m, 0), "id")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(m, 1), "id")), 1);
	json_decref(m);
	test_server_free(srv, &c);
}
END_TEST

/* ---- resources ---------------------------------------------------------------------------- */

static int
plans_list(json_t *out, void *arg)
{
	json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "uri", "strata://plans/p1",
	    "name", "p1", "mimeType", "application/json"));
	return 0;
}

static int
plans_read(const char *id, json_t **contents, char *err, size_t errlen, void *arg)
{
	if (strcmp(id, "p1") != 0)
		return -ENOENT;
	*contents = json_pack("[{s:s, s:s, s:s}]", "uri", "strata://plans/p1",
	    "mimeType", "application/json", "text", "{\"plan_id\":\"p1\"}");
	return 0;
}

START_TEST(resources_from_a_provider)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r;

	ck_assert_int_eq(mcp_resource_set_provider(srv, "plans", plans_list, plans_read, NULL),
	    0);
	ck_assert_int_eq(mcp_resource_set_provider(srv, "a/b", NULL, NULL, NULL), -EINVAL);
	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/templates/list\"}");
	r = expect_result(&c, 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "resourceTemplates"), 0), "uriTemplate")), "strata://plans/{id}");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "resourceTemplates"), 1), "uriTemplate")), "strata://executions/{id}");
	json_decref(r);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
	r = expect_result(&c, 2);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "resources")), 1);
	json_decref(r);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\","
	    "\"params\":{\"uri\":\"strata://plans/p1\"}}");
	r = expect_result(&c, 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "contents"), 0), "text")), "{\"plan_id\":\"p1\"}");
	json_decref(r);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\","
	    "\"params\":{\"uri\":\"strata://plans/p2\"}}");
	expect_error(&c, 4, -32002);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\","
	    "\"params\":{\"uri\":\"strata://executions/e1\"}}");
	expect_error(&c, 5, -32002);	/* no provider yet */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\","
	    "\"params\":{\"uri\":\"file:///etc/passwd\"}}");
	expect_error(&c, 6, -32002);
	test_server_free(srv, &c);
}
END_TEST

static Suite *
tools_suite(void)
{
	Suite *s = suite_create("mcp_tools");
	TCase *tc = tcase_create("tools");

	tcase_add_test(tc, list_pages_and_cursors);
	tcase_add_test(tc, invalid_arguments_per_revision);
	tcase_add_test(tc, calls_without_engine_say_what_is_missing);
	tcase_add_test(tc, progress_then_result_in_order);
	tcase_add_test(tc, cancel_stops_everything_for_the_request);
	tcase_add_test(tc, shutdown_cancels_running_calls);
	tcase_add_test(tc, finish_without_text_sends_the_json);
	tcase_add_test(tc, nonconforming_result_is_logged);
	tcase_add_test(tc, output_schemas_match_the_contract);
	tcase_add_test(tc, elicitation_round_trip);
	tcase_add_test(tc, log_records_are_forwarded_at_the_clients_level);
	tcase_add_test(tc, modern_log_level_applies_while_its_request_runs);
	tcase_add_test(tc, batch_waits_for_its_calls);
	tcase_add_test(tc, resources_from_a_provider);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(tools_suite)
