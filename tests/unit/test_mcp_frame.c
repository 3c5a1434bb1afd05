/* Framing of the client's byte stream: what the server answers for each way bytes arrive. */
#include <errno.h>

#include "test_mcp_common.h"
#include "../../src/mcp/mcp_int.h"

#define PING(id)	"{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"ping\"}"

/* Feeds `s` in pieces of `step` bytes. */
static void
feed_in_steps(struct mcp_server *srv, const char *s, size_t step)
{
	size_t n = strlen(s), at, k;

	for (at = 0; at < n; at += k) {
		k = n - at < step ? n - at : step;
		mcp_server_feed(srv, s + at, k);
	}
}

START_TEST(lines_split_across_reads)
{
	static const char input[] = PING(1) "\n" PING(2) "\n" PING(3) "\n";
	static const size_t steps[] = { 1, 2, 3, 7, 40, 41 };
	struct collector c;
	struct mcp_server *srv;
	json_t *r;
	size_t i;
	long long id;

	for (i = 0; i < STRATA_ARRAY_LEN(steps); i++) {
		srv = test_server(&c, 0, 0);
		feed_in_steps(srv, input, steps[i]);
		for (id = 1; id <= 3; id++) {
			r = expect_result(&c, id);
			ck_assert_uint_eq(json_object_size(r), 0);
			json_decref(r);
		}
		ck_assert_uint_eq(pending(&c), 0);
		test_server_free(srv, &c);
	}
}
END_TEST

START_TEST(many_messages_in_one_read)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	struct sbuf b = SBUF_INIT(1 << 20);
	long long id;
	json_t *r;

	for (id = 1; id <= 500; id++)
		ck_assert_int_eq(sbuf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%lld,"
		    "\"method\":\"ping\"}\n", id), 0);
	mcp_server_feed(srv, b.data, b.len);
	ck_assert_uint_eq(pending(&c), 500);
	for (id = 1; id <= 500; id++) {	/* answered in order */
		r = expect_result(&c, id);
		json_decref(r);
	}
	sbuf_release(&b);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(crlf_and_empty_lines)
{
	static const char input[] = "\n\r\n" PING(1) "\r\n\n\n" PING(2) "\r\n\r\n";
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r;

	mcp_server_feed(srv, input, strlen(input));
	r = expect_result(&c, 1);
	json_decref(r);
	r = expect_result(&c, 2);
	json_decref(r);
	ck_assert_uint_eq(pending(&c), 0);	/* empty lines are not messages */
	test_server_free(srv, &c);
}
END_TEST

/* A ping padded with spaces to exactly `size` bytes (whitespace is valid JSON). */
static char *
padded_ping(size_t size, int id)
{
	char head[64];
	char *p;
	int n;

	n = snprintf(head, sizeof(head), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"", id);
	ck_assert((size_t)n + 2 <= size);
	p = malloc(size + 2);
	ck_assert_ptr_nonnull(p);
	memcpy(p, head, (size_t)n);
	memset(p + n, ' ', size - (size_t)n - 1);
	p[size - 1] = '}';
	p[size] = '\n';
	p[size + 1] = '\0';
	return p;
}

START_TEST(exactly_the_cap_is_accepted_one_more_is_not)
{
	const size_t cap = MCP_DEFAULT_MAX_MESSAGE;
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);	/* default cap: 16 MiB */
	char *at_cap = padded_ping(cap, 1), *over = padded_ping(cap + 1, 2);
	json_t *r;

	/* Delivered in 64 KiB reads like the stdio transport does. */
	feed_in_steps(srv, at_cap, 65536);
	r = expect_result(&c, 1);
	json_decref(r);
	feed_in_steps(srv, over, 65536);
	expect_error(&c, -1, -32700);
	feedf(srv, PING(3));	/* and the server keeps serving */
	r = expect_result(&c, 3);
	json_decref(r);
	/* A CRLF line of exactly the cap is still within it. */
	at_cap[cap] = '\r';
	mcp_server_feed(srv, at_cap, cap + 1);
	mcp_server_feed(srv, "\n", 1);
	r = expect_result(&c, 1);
	json_decref(r);
	ck_assert_uint_eq(pending(&c), 0);
	free(at_cap);
	free(over);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(oversize_line_is_skipped_to_the_next_newline)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 256, 0);
	char big[1000];
	json_t *r;

	memset(big, 'x', sizeof(big));
	/* The oversize line arrives in pieces, its end together with a good message. */
	mcp_server_feed(srv, big, 300);
	ck_assert_uint_eq(pending(&c), 1);	/* answered as soon as it is too long */
	expect_error(&c, -1, -32700);
	mcp_server_feed(srv, big, sizeof(big));
	mcp_server_feed(srv, "xx\n" PING(5) "\n", strlen("xx\n" PING(5) "\n"));
	r = expect_result(&c, 5);
	json_decref(r);
	ck_assert_uint_eq(pending(&c), 0);	/* one error per oversize line */
	test_server_free(srv, &c);
}
END_TEST

START_TEST(invalid_utf8_and_nul_are_parse_errors)
{
	static const char bad_utf8[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\xfe\"}\n";
	static const char raw_nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\0ing\"}\n";
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r;

	mcp_server_feed(srv, bad_utf8, strlen(bad_utf8));
	expect_error(&c, -1, -32700);
	mcp_server_feed(srv, raw_nul, sizeof(raw_nul) - 1);
	expect_error(&c, -1, -32700);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\\u0000ing\"}");
	expect_error(&c, -1, -32700);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing");
	expect_error(&c, -1, -32700);
	feedf(srv, PING(2));
	r = expect_result(&c, 2);
	json_decref(r);
	test_server_free(srv, &c);
}
END_TEST

START_TEST(unterminated_last_line_is_processed_at_eof)
{
	struct collector c;
	struct mcp_server *srv = test_server(&c, 0, 0);
	json_t *r;

	mcp_server_feed(srv, PING(1) "\n" PING(2), strlen(PING(1) "\n" PING(2)));
	r = expect_result(&c, 1);
	json_decref(r);
	ck_assert_uint_eq(pending(&c), 0);
	mcp_server_feed_eof(srv);
	r = expect_result(&c, 2);
	json_decref(r);
	/* After EOF nothing more is taken. */
	mcp_server_feed(srv, PING(3) "\n", strlen(PING(3) "\n"));
	ck_assert_uint_eq(pending(&c), 0);
	ck_assert(mcp_server_idle(srv));
	test_server_free(srv, &c);
}
END_TEST

struct lines {
	int	n, oversize;
	char	last[64];
	size_t	oversize_len;
};

static void
on_line(void *arg, const char *line, size_t len, int status)
{
	struct lines *l = arg;

	if (status == -E2BIG) {
		l->oversize++;
		l->oversize_len = len;
		return;
	}
	l->n++;
	snprintf(l->last, sizeof(l->last), "%.*s", (int)len, line);
}

START_TEST(frame_reports_lines_without_cr)
{
	struct mcp_frame f;
	struct lines l = { 0, 0, "", 0 };

	mcp_frame_init(&f, 8);
	mcp_frame_feed(&f, "ab\r\ncd", 6, on_line, &l);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.last, "ab");
	mcp_frame_feed(&f, "efgh\r", 5, on_line, &l);	/* "cdefgh\r" buffered */
	mcp_frame_feed(&f, "\n", 1, on_line, &l);
	ck_assert_str_eq(l.last, "cdefgh");
	mcp_frame_feed(&f, "123456789\n", 10, on_line, &l);	/* 9 > 8 */
	ck_assert_int_eq(l.oversize, 1);
	ck_assert_uint_eq(l.oversize_len, 9);
	mcp_frame_feed(&f, "12345678\r\n", 10, on_line, &l);	/* 8 + CR is fine */
	ck_assert_str_eq(l.last, "12345678");
	ck_assert_int_eq(l.n, 3);
	mcp_frame_feed(&f, "tail", 4, on_line, &l);
	mcp_frame_finish(&f, on_line, &l);
	ck_assert_str_eq(l.last, "tail");
	mcp_frame_release(&f);
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite *s = suite_create("mcp_frame");
	TCase *tc = tcase_create("framing");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lines_split_across_reads);
	tcase_add_test(tc, many_messages_in_one_read);
	tcase_add_test(tc, crlf_and_empty_lines);
	tcase_add_test(tc, exactly_the_cap_is_accepted_one_more_is_not);
	tcase_add_test(tc, oversize_line_is_skipped_to_the_next_newline);
	tcase_add_test(tc, invalid_utf8_and_nul_are_parse_errors);
	tcase_add_test(tc, unterminated_last_line_is_processed_at_eof);
	tcase_add_test(tc, frame_reports_lines_without_cr);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(frame_suite)
