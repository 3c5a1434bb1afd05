/*
 * What each revision may be told: tool and serverInfo titles, outputSchema and
 * structuredContent from 2025-06-18; annotations and progress messages from 2025-03-26;
 * Implementation.description from 2025-11-25.  Older clients get the structured result as
 * JSON text.  Also resources/list paging.
 */
#include <errno.h>

#include "test_mcp_common.h"

struct rev_case {
	const char	*rev;		/* NULL: 2026-07-28 (per-request _meta) */
	bool		 titles;	/* title, outputSchema, structuredContent */
	bool		 annotations;	/* annotations, progress message */
	bool		 description;	/* serverInfo.description */
};

static const struct rev_case revs[] = {
	{ "2024-11-05", false, false, false },
	{ "2025-03-26", false, true, false },
	{ "2025-06-18", true, true, false },
	{ "2025-11-25", true, true, true },
	{ NULL, true, true, true },
};

#define META_2026 \
	",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
	"\"io.modelcontextprotocol/clientCapabilities\":{}}"

/* A server in revision `rc` (legacy: initialized). */
static struct mcp_server *
rev_server(struct collector *c, const struct rev_case *rc)
{
	struct mcp_server *srv = test_server(c, 0, 0);

	if (rc->rev != NULL)
		legacy_init(srv, c, rc->rev, NULL);
	return srv;
}

/* Sends a request whose params (an object's members, maybe none) get _meta in 2026. */
static void
request(struct mcp_server *srv, const struct rev_case *rc, long long id, const char *method,
    const char *members)
{
	if (rc->rev == NULL)
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"%s\",\"params\":{%s%s}}",
		    id, method, members, members[0] != '\0' ? META_2026 : META_2026 + 1);
	else
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"%s\",\"params\":{%s}}",
		    id, method, members);
}

START_TEST(tools_list_per_revision)
{
	const struct rev_case *rc = &revs[_i];
	struct collector c;
	struct mcp_server *srv = rev_server(&c, rc);
	json_t *r, *t, *ann;
	size_t i;

	request(srv, rc, 1, "tools/list", "");
	r = expect_result(&c, 1);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "tools")), 4);
	json_array_foreach(json_object_get(r, "tools"), i, t) {
		ck_assert(json_string_length(json_object_get(t, "name")) > 0);
		ck_assert(json_string_length(json_object_get(t, "description")) > 40);
		ck_assert(json_is_object(json_object_get(t, "inputSchema")));
		ck_assert_int_eq(json_is_string(json_object_get(t, "title")), rc->titles);
		ck_assert_int_eq(json_is_object(json_object_get(t, "outputSchema")), rc->titles);
		ck_assert_int_eq(json_object_get(t, "title") != NULL, rc->titles);
		ck_assert_int_eq(json_object_get(t, "outputSchema") != NULL, rc->titles);
		ann = json_object_get(t, "annotations");
		ck_assert_int_eq(ann != NULL, rc->annotations);
		if (ann != NULL)
			ck_assert(json_is_boolean(json_object_get(ann, "destructiveHint")));
	}
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(server_info_per_revision)
{
	const struct rev_case *rc = &revs[_i];
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r, *info;

	if (rc->rev != NULL) {
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
		    "{\"protocolVersion\":\"%s\",\"capabilities\":{}}}", rc->rev);
		r = expect_result(&c, 1);
		info = json_object_get(r, "serverInfo");
	} else {
		request(srv, rc, 1, "server/discover", "");
		r = expect_result(&c, 1);
		info = json_object_get(json_object_get(r, "_meta"),
		    "io.modelcontextprotocol/serverInfo");
	}
	ck_assert_str_eq(json_string_value(json_object_get(info, "name")), "strata-mcp");
	ck_assert_int_eq(json_string_length(json_object_get(info, "title")) > 0, rc->titles);
	ck_assert_int_eq(json_object_get(info, "title") != NULL, rc->titles);
	ck_assert_int_eq(json_object_get(info, "description") != NULL, rc->description);
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

/* ---- results and progress of a call -------------------------------------------------- */

static void
keep_handler(struct mcp_call *call, json_t *args, void *arg)
{
	*(struct mcp_call **)arg = call;
}

static json_t *
result_json(void)
{
	return json_pack("{s:s, s:s, s:[{s:i, s:s, s:s}]}", "execution_id", "e1",
	    "status", "rolled_back", "steps", "index", 0, "action", "uncordon",
	    "status", "succeeded");
}

START_TEST(structured_content_per_revision)
{
	const struct rev_case *rc = &revs[_i];
	struct collector c;
	struct mcp_server *srv = rev_server(&c, rc);
	struct mcp_call *call = NULL;
	json_t *r, *content, *want, *parsed;
	int pass;

	want = result_json();
	mcp_tool_set_handler(srv, "rollback_plan", keep_handler, &call);
	for (pass = 0; pass < 2; pass++) {	/* with a human text, then without */
		request(srv, rc, 1, "tools/call", "\"name\":\"rollback_plan\","
		    "\"arguments\":{\"execution_id\":\"e1\"}");
		ck_assert_ptr_nonnull(call);
		mcp_call_finish(call, result_json(), pass == 0 ? "rolled back 1 step" : NULL);
		r = expect_result(&c, 1);
		content = json_object_get(r, "content");
		ck_assert(json_is_false(json_object_get(r, "isError")));
		if (pass == 0)
			ck_assert_str_eq(json_string_value(json_object_get(json_array_get(content,
			    0), "text")), "rolled back 1 step");
		if (rc->titles) {
			ck_assert(json_equal(json_object_get(r, "structuredContent"), want));
			ck_assert_uint_eq(json_array_size(content), 1);
		} else {
			/* The same data, as the JSON text an older client can read. */
			ck_assert_ptr_null(json_object_get(r, "structuredContent"));
			ck_assert_uint_eq(json_array_size(content), pass == 0 ? 2 : 1);
		}
		if (!rc->titles || pass == 1) {
			parsed = json_loads(json_string_value(json_object_get(json_array_get(content,
			    json_array_size(content) - 1), "text")), 0, NULL);
			ck_assert(json_equal(parsed, want));
			json_decref(parsed);
		}
		json_decref(r);
		call = NULL;
	}
	json_decref(want);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(progress_message_per_revision)
{
	const struct rev_case *rc = &revs[_i];
	struct collector c;
	struct mcp_server *srv = rev_server(&c, rc);
	struct mcp_call *call = NULL;
	json_t *m, *p;

	mcp_tool_set_handler(srv, "rollback_plan", keep_handler, &call);
	if (rc->rev == NULL)
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
		    "\"name\":\"rollback_plan\",\"arguments\":{\"execution_id\":\"e1\"},"
		    "\"_meta\":{\"progressToken\":\"t\",\"io.modelcontextprotocol/protocolVersion\":"
		    "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
	else
		feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
		    "\"name\":\"rollback_plan\",\"arguments\":{\"execution_id\":\"e1\"},"
		    "\"_meta\":{\"progressToken\":\"t\"}}}");
	ck_assert_ptr_nonnull(call);
	ck_assert_int_eq(mcp_call_progress(call, 1, 3, "uncordoning worker-1"), 0);
	m = take(&c);
	p = json_object_get(m, "params");
	ck_assert_str_eq(json_string_value(json_object_get(p, "progressToken")), "t");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "progress")), 1);
	ck_assert_int_eq(json_object_get(p, "message") != NULL, rc->annotations);
	json_decref(m);
	mcp_call_finish(call, result_json(), NULL);
	json_decref(expect_result(&c, 1));
	test_server_free(srv, &c);
}
END_TEST

/* ---- resources ------------------------------------------------------------------------- */

struct store {
	int	 n;		/* resources: strata://plans/p<i> for i < n, listed backwards */
};

static int
store_list(json_t *out, void *arg)
{
	struct store *st = arg;
	char uri[64], name[16];
	int i;

	for (i = st->n - 1; i >= 0; i--) {
		snprintf(uri, sizeof(uri), "strata://plans/p%d", i);
		snprintf(name, sizeof(name), "p%d", i);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "uri", uri,
		    "name", name, "title", "Plan", "mimeType", "application/json"));
	}
	return 0;
}

/* Lists every page; returns the URIs in order (new array) and the page count. */
static json_t *
list_pages(struct mcp_server *srv, struct collector *c, const struct rev_case *rc,
    int *pages, struct store *grow)
{
	json_t *uris = json_array(), *r, *res, *next;
	char members[128] = "";
	size_t i;

	for (*pages = 0; ; ) {
		request(srv, rc, 1, "resources/list", members);
		r = expect_result(c, 1);
		(*pages)++;
		ck_assert(json_array_size(json_object_get(r, "resources")) <= 2);
		json_array_foreach(json_object_get(r, "resources"), i, res) {
			json_array_append(uris, json_object_get(res, "uri"));
			ck_assert_int_eq(json_object_get(res, "title") != NULL, rc->titles);
		}
		next = json_object_get(r, "nextCursor");
		if (next == NULL) {
			json_decref(r);
			break;
		}
		snprintf(members, sizeof(members), "\"cursor\":\"%s\"", json_string_value(next));
		json_decref(r);
		if (grow != NULL)
			grow->n++;	/* a new plan between two pages */
		ck_assert(*pages < 20);
	}
	return uris;
}

START_TEST(resources_pages_and_titles)
{
	const struct rev_case *rc = &revs[_i];
	struct mcp_server_options o;
	struct collector c;
	struct mcp_server *srv;
	struct store st = { 5 };
	json_t *uris, *r, *t;
	char want[64];
	size_t i;
	int pages;

	strata_log_set_level(STRATA_LOG_CRITICAL);
	memset(&o, 0, sizeof(o));
	o.resources_page_size = 2;
	c.msgs = json_array();
	c.total = 0;
	srv = mcp_server_new(NULL, &o, collect, &c);
	if (rc->rev != NULL)
		legacy_init(srv, &c, rc->rev, NULL);
	ck_assert_int_eq(mcp_resource_set_provider(srv, "plans", store_list, NULL, &st), 0);

	uris = list_pages(srv, &c, rc, &pages, NULL);
	ck_assert_int_eq(pages, 3);
	ck_assert_uint_eq(json_array_size(uris), 5);
	for (i = 0; i < 5; i++) {	/* sorted by URI, each once */
		snprintf(want, sizeof(want), "strata://plans/p%zu", i);
		ck_assert_str_eq(json_string_value(json_array_get(uris, i)), want);
	}
	json_decref(uris);

	/* Plans added while paging shift nothing already seen: no repeats, no gaps. */
	uris = list_pages(srv, &c, rc, &pages, &st);
	for (i = 0; i < json_array_size(uris); i++) {
		snprintf(want, sizeof(want), "strata://plans/p%zu", i);
		ck_assert_str_eq(json_string_value(json_array_get(uris, i)), want);
	}
	ck_assert_uint_ge(json_array_size(uris), 6);
	json_decref(uris);

	/* Nothing to list: one empty page. */
	st.n = 0;
	uris = list_pages(srv, &c, rc, &pages, NULL);
	ck_assert_int_eq(pages, 1);
	ck_assert_uint_eq(json_array_size(uris), 0);
	json_decref(uris);

	request(srv, rc, 2, "resources/list", "\"cursor\":\"tools-page-2\"");
	expect_error(&c, 2, -32602);
	request(srv, rc, 3, "resources/list", "\"cursor\":7");
	expect_error(&c, 3, -32602);

	/* Templates: titled from 2025-06-18. */
	request(srv, rc, 4, "resources/templates/list", "");
	r = expect_result(&c, 4);
	json_array_foreach(json_object_get(r, "resourceTemplates"), i, t)
		ck_assert_int_eq(json_object_get(t, "title") != NULL, rc->titles);
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

static Suite *
gates_suite(void)
{
	Suite *s = suite_create("mcp_gates");
	TCase *tc = tcase_create("gates");
	int n = (int)STRATA_ARRAY_LEN(revs);

	tcase_add_loop_test(tc, tools_list_per_revision, 0, n);
	tcase_add_loop_test(tc, server_info_per_revision, 0, n);
	tcase_add_loop_test(tc, structured_content_per_revision, 0, n);
	tcase_add_loop_test(tc, progress_message_per_revision, 0, n);
	tcase_add_loop_test(tc, resources_pages_and_titles, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(gates_suite)
