/* JSON-RPC 2.0 validation: every error code, ids echoed as sent, notifications unanswered. */
#include <errno.h>

#include "test_mcp_common.h"

#define NO_RESPONSE	1

struct rpc_case {
	const char	*line;
	int		 code;	/* expected error code, 0 for a result, NO_RESPONSE */
	long long	 id;	/* expected id; -1 for null */
};

static const struct rpc_case cases[] = {
	/* requests that are fine */
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 0, 1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\",\"params\":{}}", 0, 0 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":-7,\"method\":\"ping\",\"extra\":1}", 0, -7 },
	/* -32700 parse error, id null */
	{ "{", -32700, -1 },
	{ "not json", -32700, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}", -32700, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999,\"method\":\"ping\"}", -32700, -1 },
	/* -32600 invalid request */
	{ "{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"ping\"}", -32600, 2 },
	{ "{\"id\":3,\"method\":\"ping\"}", -32600, 3 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":4}", -32600, 4 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":5}", -32600, 5 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\",\"params\":\"x\"}", -32600, 6 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -32600, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"ping\"}", -32600, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", -32600, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", -32600, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", -32600, -1 },
	{ "\"hello\"", -32600, -1 },
	{ "42", -32600, -1 },
	{ "[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}]", -32600, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\",\"params\":1}", -32600, -1 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"initialize\",\"params\":"
	  "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}", -32600, 8 },
	/* -32601 method not found */
	{ "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"nope\"}", -32601, 9 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"prompts/list\"}", -32601, 10 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"resources/subscribe\","
	  "\"params\":{\"uri\":\"strata://plans/x\"}}", -32601, 11 },
	/* -32602 invalid params */
	{ "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\",\"params\":[1]}", -32602, 12 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"logging/setLevel\","
	  "\"params\":{\"level\":\"loud\"}}", -32602, 13 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"logging/setLevel\"}", -32602, 14 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"tools/call\","
	  "\"params\":{\"name\":\"nope\"}}", -32602, 15 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"tools/call\",\"params\":{}}", -32602, 16 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":17,\"method\":\"tools/list\","
	  "\"params\":{\"cursor\":\"bogus\"}}", -32602, 17 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"resources/read\",\"params\":{}}",
	  -32602, 18 },
	/* -32002 resource not found (legacy) */
	{ "{\"jsonrpc\":\"2.0\",\"id\":19,\"method\":\"resources/read\","
	  "\"params\":{\"uri\":\"strata://plans/none\"}}", -32002, 19 },
	/* notifications and stray responses: never answered */
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}", NO_RESPONSE, 0 },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}", NO_RESPONSE, 0 },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	  "\"params\":{\"requestId\":99}}", NO_RESPONSE, 0 },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NO_RESPONSE, 0 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"strata-77\",\"result\":{}}", NO_RESPONSE, 0 },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"strata-78\",\"error\":{\"code\":1,\"message\":\"x\"}}",
	  NO_RESPONSE, 0 },
};

START_TEST(rpc_table)
{
	const struct rpc_case *tc = &cases[_i];
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *m;
	char *s;

	legacy_init(srv, &c, "2025-11-25", NULL);
	feedf(srv, "%s", tc->line);
	if (tc->code == NO_RESPONSE) {
		ck_assert_msg(pending(&c) == 0, "answered a notification: %s", tc->line);
	} else if (tc->code == 0) {
		m = expect_result(&c, tc->id);
		json_decref(m);
	} else {
		ck_assert_msg(pending(&c) == 1, "no single answer to %s", tc->line);
		m = json_array_get(c.msgs, 0);
		s = json_dumps(m, JSON_COMPACT);
		ck_assert_msg(json_is_string(json_object_get(json_object_get(m, "error"),
		    "message")), "error without message: %s", s);
		free(s);
		expect_error(&c, tc->id, tc->code);
	}
	ck_assert_uint_eq(pending(&c), 0);
	/* Whatever came before, the server still answers. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"ping\"}");
	m = expect_result(&c, 100);
	json_decref(m);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(ids_are_echoed_as_sent)
{
	static const char *const ids[] = {
		"\"abc\"", "\"\"", "\"1\"", "9007199254740993", "-1", "\"\\u00e9t\\u00e9\""
	};
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *m, *want;
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(ids); i++) {
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
		m = take(&c);
		want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
		ck_assert_msg(json_equal(json_object_get(m, "id"), want), "id %s", ids[i]);
		ck_assert(json_is_object(json_object_get(m, "result")));
		ck_assert_str_eq(json_string_value(json_object_get(m, "jsonrpc")), "2.0");
		json_decref(want);
		json_decref(m);
	}
	test_server_free(srv, &c);
}
END_TEST

static int
failing_read(const char *id, json_t **contents, char *err, size_t errlen, void *arg)
{
	snprintf(err, errlen, "journal unreadable");
	return -EIO;
}

START_TEST(internal_error_from_a_failing_provider)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);

	legacy_init(srv, &c, "2025-11-25", NULL);
	ck_assert_int_eq(mcp_resource_set_provider(srv, "plans", NULL, failing_read, NULL), 0);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\","
	    "\"params\":{\"uri\":\"strata://plans/p1\"}}");
	expect_error(&c, 1, -32603);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(batches_only_in_2025_03_26)
{
	static const char *const revs[] = { "2024-11-05", "2025-06-18", "2025-11-25" };
	struct collector c;
	struct mcp_server *srv;
	json_t *m, *e;
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(revs); i++) {
		srv = test_server(&c, 0, 0);
		legacy_init(srv, &c, revs[i], NULL);
		feedf(srv, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
		expect_error(&c, -1, -32600);
		test_server_free(srv, &c);
	}

	srv = test_server(&c, 0, 0);
	legacy_init(srv, &c, "2025-03-26", NULL);
	feedf(srv, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"nope\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}, 5]");
	ck_assert_uint_eq(pending(&c), 1);
	m = take(&c);
	ck_assert(json_is_array(m));
	ck_assert_uint_eq(json_array_size(m), 4);	/* the notification has no answer */
	e = json_array_get(m, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "id")), 1);
	e = json_array_get(m, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "id")), "b");
	ck_assert_int_eq(error_code(e), -32601);
	e = json_array_get(m, 2);
	ck_assert(json_is_array(json_object_get(json_object_get(e, "result"), "tools")));
	e = json_array_get(m, 3);
	ck_assert_int_eq(error_code(e), -32600);
	json_decref(m);
	/* Only notifications: nothing at all comes back. */
	feedf(srv, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}]");
	ck_assert_uint_eq(pending(&c), 0);
	feedf(srv, "[]");
	expect_error(&c, -1, -32600);
	test_server_free(srv, &c);
}
END_TEST

static Suite *
jsonrpc_suite(void)
{
	Suite *s = suite_create("mcp_jsonrpc");
	TCase *tc = tcase_create("validation");

	tcase_add_loop_test(tc, rpc_table, 0, (int)STRATA_ARRAY_LEN(cases));
	tcase_add_test(tc, ids_are_echoed_as_sent);
	tcase_add_test(tc, internal_error_from_a_failing_provider);
	tcase_add_test(tc, batches_only_in_2025_03_26);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(jsonrpc_suite)
