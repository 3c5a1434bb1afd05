/*
 * Confirmation of execute_plan through the MCP server against strata-sim (in process):
 * a wrong hash is refused and changes nothing; a legacy client with elicitation is
 * asked (elicitation/create) and its accept runs the plan while a decline runs nothing;
 * a client that cannot be asked and sends no hash is refused with a message saying how
 * to confirm; the 2026-07-28 input_required round trip (requestState, inputResponses)
 * runs the plan on the retry.
 */
#include "svctest_exec.h"
#include "testutil.h"

#define SC1	"examples/scenarios/01-node-memory-pressure-argocd.json"
#define SCALE	120.0
#define RUN_MS	120000u
#define META26	"{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
		"\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{}}," \
		"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"svctest-exec\"," \
		"\"version\":\"1\"}}"

/* Fails unless no object of any kind changed since `before` (the cluster holds still). */
static void
assert_unchanged(struct svctest *t, const json_t *before, const char *what)
{
	json_t *after;
	char *d;

	svx_run_for(t, 500);	/* anything a run had started would show by now */
	after = svx_snapshot(t->sim);
	d = svx_snapshot_diff(before, after);
	ck_assert_msg(d[0] == '\0', "%s changed the cluster: %s", what, d);
	free(d);
	json_decref(after);
}

/* The refusal of an execute_plan call: isError, no structured result, its text. */
static const char *
refused(struct svctest *t, json_int_t id)
{
	json_t *r = svx_result(t, id, RUN_MS);

	ck_assert_msg(json_is_true(json_object_get(r, "isError")), "not refused: %s",
	    json_dumps(r, JSON_COMPACT));
	return svx_text(r);
}

static void
assert_node_fixed(struct svctest *t)
{
	json_t *n = svx_get_ok(t->sim, "/api/v1/nodes/worker-2");

	ck_assert(!json_is_true(svx_at(n, "spec.unschedulable")));
	ck_assert_str_eq(svx_cond(n, "MemoryPressure"), "False");
	json_decref(n);
}

/* A confirm that is not the plan's hash: refused, saying why, and nothing changes. */
START_TEST(wrong_hash_refused)
{
	struct svctest t;
	json_t *plan, *before, *args;
	const char *msg;

	svctest_start(&t, SC1, SCALE);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, "{\"delete_unready_pods\": true}");
	before = svx_settled(&t, 60000);
	args = json_pack("{s:s, s:s}", "plan_id", svx_str(plan, "plan_id"), "confirm",
	    "0000000000000000000000000000000000000000000000000000000000000000");
	svx_call_start(&t, 10, "execute_plan", args, NULL);
	json_decref(args);
	msg = refused(&t, 10);
	ck_assert_msg(strstr(msg, "hash") != NULL && strstr(msg, svx_str(plan, "plan_id")),
	    "refusal does not say why: %s", msg);
	assert_unchanged(&t, before, "a wrongly confirmed execute_plan");
	json_decref(before);
	json_decref(plan);
	svctest_stop(&t);
}
END_TEST

/*
 * A legacy client that can elicit: execute_plan without confirm asks the user through
 * elicitation/create (form mode, a boolean "confirm"); `answer` is the client's reply.
 */
static void
elicit_and_answer(struct svctest *t, const json_t *plan, json_int_t id, const char *answer)
{
	json_t *args = json_pack("{s:s}", "plan_id", svx_str(plan, "plan_id")), *req, *m;
	size_t from = json_array_size(t->out);
	char *line;

	svx_call_start(t, id, "execute_plan", args, NULL);
	json_decref(args);
	req = svx_wait_request(t, from, "elicitation/create", 10000);
	ck_assert_str_eq(svx_str(req, "params.mode"), "form");
	ck_assert_msg(strstr(svx_str(req, "params.message"), svx_str(plan, "plan_id")) !=
	    NULL, "the question does not name the plan: %s", svx_str(req, "params.message"));
	ck_assert_str_eq(svx_str(req, "params.requestedSchema.properties.confirm.type"),
	    "boolean");
	m = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", json_object_get(req, "id"),
	    "result", json_loads(answer, 0, NULL));
	line = json_dumps(m, JSON_COMPACT);
	svctest_feed(t, line);
	free(line);
	json_decref(m);
}

START_TEST(elicitation_accepted)
{
	struct svctest t;
	json_t *plan, *r;

	svctest_start(&t, SC1, SCALE);
	svx_initialize(&t, "{\"elicitation\":{\"form\":{}}}");
	plan = svx_detect_plan(&t, 2, "{\"delete_unready_pods\": true}");
	elicit_and_answer(&t, plan, 10, "{\"action\":\"accept\",\"content\":{\"confirm\":true}}");
	r = svx_result(&t, 10, RUN_MS);
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "%s", svx_text(r));
	svctest_assert_schema("execute_plan.output", json_object_get(r,
	    "structuredContent"));
	ck_assert_str_eq(svx_str(r, "structuredContent.status"), "succeeded");
	assert_node_fixed(&t);
	json_decref(plan);
	svctest_stop(&t);
}
END_TEST

/* Declined, or accepted with confirm false: nothing runs. */
START_TEST(elicitation_declined)
{
	struct svctest t;
	json_t *plan, *before;
	const char *msg;

	svctest_start(&t, SC1, SCALE);
	svx_initialize(&t, "{\"elicitation\":{}}");
	plan = svx_detect_plan(&t, 2, "{\"delete_unready_pods\": true}");
	before = svx_settled(&t, 60000);
	elicit_and_answer(&t, plan, 10, "{\"action\":\"decline\"}");
	msg = refused(&t, 10);
	ck_assert_msg(strstr(msg, "not") != NULL, "%s", msg);
	elicit_and_answer(&t, plan, 11, "{\"action\":\"accept\",\"content\":"
	    "{\"confirm\":false}}");
	(void)refused(&t, 11);
	elicit_and_answer(&t, plan, 12, "{\"action\":\"cancel\"}");
	(void)refused(&t, 12);
	assert_unchanged(&t, before, "a declined execute_plan");
	json_decref(before);
	json_decref(plan);
	svctest_stop(&t);
}
END_TEST

/* No elicitation and no confirm: refused (fallback deny), saying how to confirm. */
START_TEST(elicitation_unsupported)
{
	struct svctest t;
	json_t *plan, *before, *args;
	const char *msg;
	size_t i;
	json_t *m;

	svctest_start(&t, SC1, SCALE);
	svx_initialize(&t, "{}");
	plan = svx_detect_plan(&t, 2, "{\"delete_unready_pods\": true}");
	before = svx_settled(&t, 60000);
	args = json_pack("{s:s}", "plan_id", svx_str(plan, "plan_id"));
	svx_call_start(&t, 10, "execute_plan", args, NULL);
	json_decref(args);
	msg = refused(&t, 10);
	ck_assert_msg(strstr(msg, "confirm") != NULL && strstr(msg, svx_str(plan, "hash")) !=
	    NULL, "the refusal does not say how to confirm: %s", msg);
	json_array_foreach(t.out, i, m)
		ck_assert_msg(svx_str(m, "method") == NULL || strcmp(svx_str(m, "method"),
		    "elicitation/create") != 0, "asked a client that cannot answer");
	assert_unchanged(&t, before, "an unconfirmed execute_plan");
	json_decref(before);
	json_decref(plan);
	svctest_stop(&t);
}
END_TEST

/* A 2026-07-28 tools/call (no session): `extra` (may be NULL) merged into params. */
static json_t *
call26(struct svctest *t, json_int_t id, const char *tool, json_t *args, json_t *extra)
{
	json_t *params = json_pack("{s:s, s:O, s:o}", "name", tool, "arguments", args,
	    "_meta", json_loads(META26, 0, NULL));

	if (extra != NULL)
		json_object_update(params, extra);
	svx_send(t, json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method",
	    "tools/call", "params", params));
	return svx_result(t, id, RUN_MS);
}

/* The first round of a 2026 execute_plan: input_required; returns requestState (new). */
static char *
ask26(struct svctest *t, json_int_t id, json_t *args)
{
	json_t *r = call26(t, id, "execute_plan", args, NULL);

	ck_assert_msg(strcmp(svx_str(r, "resultType"), "input_required") == 0, "%s",
	    json_dumps(r, JSON_COMPACT));
	ck_assert_str_eq(svx_str(r, "inputRequests.confirm.method"), "elicitation/create");
	ck_assert_str_eq(svx_str(r, "inputRequests.confirm.params.requestedSchema."
	    "properties.confirm.type"), "boolean");
	ck_assert_ptr_nonnull(svx_str(r, "requestState"));
	return strdup(svx_str(r, "requestState"));
}

/*
 * 2026-07-28: the first execute_plan completes with input_required (the question and a
 * requestState); the retry carrying the user's answer runs the plan; a retry that
 * declines runs nothing.
 */
START_TEST(input_required_round_trip)
{
	struct svctest t;
	json_t *args, *r, *plan, *extra;
	char *state, *plan_id;

	svctest_start(&t, SC1, SCALE);
	args = json_object();
	r = call26(&t, 2, "detect_layers", args, NULL);
	json_decref(args);
	ck_assert_str_eq(svx_str(r, "resultType"), "complete");
	args = json_pack("{s:s, s:{s:b}}", "issue_id", svx_str(r,
	    "structuredContent.issue_id"), "options", "delete_unready_pods", 1);
	r = call26(&t, 3, "plan_remediation", args, NULL);
	json_decref(args);
	plan = json_object_get(r, "structuredContent");
	ck_assert_ptr_nonnull(svx_str(plan, "plan_id"));
	plan_id = strdup(svx_str(plan, "plan_id"));
	args = json_pack("{s:s}", "plan_id", plan_id);
	/* declined: nothing runs */
	state = ask26(&t, 4, args);
	extra = json_pack("{s:s, s:{s:{s:s}}}", "requestState", state, "inputResponses",
	    "confirm", "action", "decline");
	r = call26(&t, 5, "execute_plan", args, extra);
	json_decref(extra);
	ck_assert_msg(json_is_true(json_object_get(r, "isError")), "declined but ran: %s",
	    json_dumps(r, JSON_COMPACT));
	free(state);
	/* accepted: it runs */
	state = ask26(&t, 6, args);
	extra = json_pack("{s:s, s:{s:{s:s, s:{s:b}}}}", "requestState", state,
	    "inputResponses", "confirm", "action", "accept", "content", "confirm", 1);
	r = call26(&t, 7, "execute_plan", args, extra);
	ck_assert_msg(strcmp(svx_str(r, "resultType"), "complete") == 0 &&
	    !json_is_true(json_object_get(r, "isError")), "%s", json_dumps(r, JSON_COMPACT));
	svctest_assert_schema("execute_plan.output", json_object_get(r,
	    "structuredContent"));
	ck_assert_str_eq(svx_str(r, "structuredContent.status"), "succeeded");
	ck_assert_str_eq(svx_str(r, "structuredContent.plan_id"), plan_id);
	assert_node_fixed(&t);
	/* the answer cannot be replayed to run the plan a second time */
	svx_send(&t, json_pack("{s:s, s:i, s:s, s:{s:s, s:O, s:o, s:O}}", "jsonrpc", "2.0",
	    "id", 8, "method", "tools/call", "params", "name", "execute_plan", "arguments",
	    args, "_meta", json_loads(META26, 0, NULL), "requestState",
	    json_object_get(extra, "requestState")));
	ck_assert_ptr_nonnull(json_object_get(svctest_wait(&t, 8, RUN_MS), "error"));
	json_decref(extra);
	json_decref(args);
	free(state);
	free(plan_id);
	svctest_stop(&t);
}
END_TEST

static Suite *
service_exec_confirm_suite(void)
{
	Suite *s = suite_create("coord_service_exec_confirm");
	TCase *tc = tcase_create("confirm");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, wrong_hash_refused);
	tcase_add_test(tc, elicitation_accepted);
	tcase_add_test(tc, elicitation_declined);
	tcase_add_test(tc, elicitation_unsupported);
	tcase_add_test(tc, input_required_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(service_exec_confirm_suite)
