/* Lifecycle and version negotiation: the four legacy revisions and stateless 2026-07-28. */
#include "test_mcp_common.h"

struct negotiation {
	const char	*asked;
	const char	*answered;
};

static const struct negotiation negotiations[] = {
	{ "2025-11-25", "2025-11-25" },
	{ "2025-06-18", "2025-06-18" },
	{ "2025-03-26", "2025-03-26" },
	{ "2024-11-05", "2024-11-05" },
	{ "2024-10-07", "2025-11-25" },		/* unknown: our latest legacy revision */
	{ "2026-07-28", "2025-11-25" },		/* not an initialize revision */
	{ "banana", "2025-11-25" },
};

START_TEST(initialize_negotiates)
{
	const struct negotiation *n = &negotiations[_i];
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r, *info, *caps;
	const char *instr;

	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":"
	    "{\"name\":\"t\",\"version\":\"1\"}}}", n->asked);
	r = expect_result(&c, 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "protocolVersion")), n->answered);
	info = json_object_get(r, "serverInfo");
	ck_assert_str_eq(json_string_value(json_object_get(info, "name")), "strata-mcp");
	ck_assert_str_eq(json_string_value(json_object_get(info, "version")), STRATA_VERSION);
	/* Implementation.title exists from 2025-06-18, description from 2025-11-25. */
	if (strcmp(n->answered, "2025-06-18") >= 0)
		ck_assert(json_string_length(json_object_get(info, "title")) > 0);
	else
		ck_assert_ptr_null(json_object_get(info, "title"));
	if (strcmp(n->answered, "2025-11-25") >= 0)
		ck_assert(json_string_length(json_object_get(info, "description")) > 0);
	else
		ck_assert_ptr_null(json_object_get(info, "description"));
	caps = json_object_get(r, "capabilities");
	ck_assert(json_is_object(json_object_get(caps, "tools")));
	ck_assert(json_is_object(json_object_get(caps, "logging")));
	ck_assert(json_is_false(json_object_get(json_object_get(caps, "resources"),
	    "subscribe")));
	ck_assert_ptr_null(json_object_get(caps, "prompts"));	/* only what exists */
	instr = json_string_value(json_object_get(r, "instructions"));
	ck_assert_ptr_nonnull(instr);
	ck_assert(strstr(instr, "detect_layers") < strstr(instr, "plan_remediation"));
	ck_assert(strstr(instr, "plan_remediation") < strstr(instr, "execute_plan"));
	ck_assert(strstr(instr, "execute_plan") < strstr(instr, "rollback_plan"));
	ck_assert_ptr_nonnull(strstr(instr, "hash"));
	json_decref(r);
	ck_assert_int_eq(mcp_server_revision(srv) != MCP_REV_NONE, 1);
	ck_assert_str_eq(mcp_revision_name(mcp_server_revision(srv)), n->answered);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(before_initialize)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r;

	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	expect_error(&c, 1, -32600);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"detect_layers\",\"arguments\":{}}}");
	expect_error(&c, 2, -32600);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"logging/setLevel\","
	    "\"params\":{\"level\":\"debug\"}}");
	expect_error(&c, 3, -32600);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"nope\"}");
	expect_error(&c, 4, -32601);	/* unknown methods fail fast, even now */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
	r = expect_result(&c, 5);
	json_decref(r);
	/* A dual-generation probe gets an immediate answer and commits to nothing. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"server/discover\"}");
	r = expect_result(&c, 6);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r,
	    "supportedVersions"), 0)), "2026-07-28");
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")), "complete");
	json_decref(r);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"server/discover\",\"params\":{"
	    MODERN_META "}}");
	r = expect_result(&c, 7);
	json_decref(r);
	/* A bad initialize leaves the server uninitialized. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"initialize\",\"params\":{}}");
	expect_error(&c, 8, -32602);
	ck_assert_int_eq(mcp_server_revision(srv), MCP_REV_NONE);
	legacy_init(srv, &c, "2025-06-18", NULL);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}}}");
	expect_error(&c, 9, -32600);		/* a second initialize */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"server/discover\"}");
	r = expect_result(&c, 10);		/* still answered */
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(modern_requests)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 2);
	json_t *r, *m, *data;

	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{"
	    MODERN_META "}}");
	r = expect_result(&c, 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")), "complete");
	ck_assert(json_integer_value(json_object_get(r, "ttlMs")) > 0);
	ck_assert(json_is_string(json_object_get(r, "cacheScope")));
	ck_assert_uint_eq(json_array_size(json_object_get(r, "tools")), 2);
	json_decref(r);
	ck_assert_int_eq(mcp_server_revision(srv), MCP_REV_2026_07_28);

	/* Unknown version: -32022 with what we support and what was asked. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"_meta\":"
	    "{\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\","
	    "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
	m = take(&c);
	ck_assert_int_eq(error_code(m), -32022);
	data = json_object_get(json_object_get(m, "error"), "data");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(data, "supported"),
	    0)), "2026-07-28");
	ck_assert_str_eq(json_string_value(json_object_get(data, "requested")), "2099-01-01");
	json_decref(m);

	/* Required _meta fields. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":"
	    "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}");
	expect_error(&c, 3, -32602);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}");
	expect_error(&c, 4, -32602);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\",\"params\":{\"_meta\":"
	    "{\"io.modelcontextprotocol/protocolVersion\":2026,"
	    "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
	expect_error(&c, 5, -32602);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":{\"_meta\":"
	    "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
	    "\"io.modelcontextprotocol/clientCapabilities\":{},"
	    "\"io.modelcontextprotocol/logLevel\":\"loud\"}}}");
	expect_error(&c, 6, -32602);

	/* Not part of 2026-07-28. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{" MODERN_META
	    "}}");
	expect_error(&c, 7, -32601);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"logging/setLevel\",\"params\":{"
	    "\"level\":\"info\"," MODERN_META "}}");
	expect_error(&c, 8, -32601);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}");
	expect_error(&c, 9, -32600);

	/* Resources: not found is -32602 in 2026-07-28; lists carry cache hints. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"resources/read\",\"params\":{"
	    "\"uri\":\"strata://plans/p\"," MODERN_META "}}");
	expect_error(&c, 10, -32602);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"resources/templates/list\","
	    "\"params\":{" MODERN_META "}}");
	r = expect_result(&c, 11);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "resourceTemplates")), 2);
	ck_assert_ptr_nonnull(json_object_get(r, "ttlMs"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")), "complete");
	json_decref(r);

	/* Invalid arguments are a tool error in 2026-07-28 too. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\",\"params\":{"
	    "\"name\":\"execute_plan\",\"arguments\":{}," MODERN_META "}}");
	r = expect_result(&c, 12);
	ck_assert(json_is_true(json_object_get(r, "isError")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")), "complete");
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(discover_probe_then_legacy)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r;

	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{"
	    MODERN_META "}}");
	r = expect_result(&c, 1);
	ck_assert(json_is_object(json_object_get(json_object_get(r, "_meta"),
	    "io.modelcontextprotocol/serverInfo")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "cacheScope")), "public");
	json_decref(r);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{"
	    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2025-11-25\","
	    "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
	expect_error(&c, 2, -32022);
	legacy_init(srv, &c, "2025-11-25", NULL);
	ck_assert_int_eq(mcp_server_revision(srv), MCP_REV_2025_11_25);
	/* In a legacy session, per-request _meta is just metadata. */
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{" MODERN_META
	    "}}");
	r = expect_result(&c, 3);
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(revision_names_round_trip)
{
	enum mcp_revision r;
	int i;

	for (i = MCP_REV_2024_11_05; i <= MCP_REV_2026_07_28; i++) {
		ck_assert_int_eq(mcp_revision_parse(mcp_revision_name((enum mcp_revision)i), &r),
		    0);
		ck_assert_int_eq(r, i);
	}
	ck_assert_int_ne(mcp_revision_parse("none", &r), 0);
	ck_assert_int_ne(mcp_revision_parse("2025-11-26", &r), 0);
}
END_TEST

static Suite *
version_suite(void)
{
	Suite *s = suite_create("mcp_version");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_loop_test(tc, initialize_negotiates, 0, (int)STRATA_ARRAY_LEN(negotiations));
	tcase_add_test(tc, before_initialize);
	tcase_add_test(tc, modern_requests);
	tcase_add_test(tc, discover_probe_then_legacy);
	tcase_add_test(tc, revision_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(version_suite)
