/* sbuf caps, logfmt quoting, RFC 3339 parsing. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "strata/util.h"
#include "testutil.h"

START_TEST(sbuf_caps_at_max)
{
	struct sbuf b = SBUF_INIT(8);

	ck_assert_int_eq(sbuf_append(&b, "12345678", 8), 0);
	ck_assert_int_eq(sbuf_append(&b, "9", 1), -E2BIG);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "12345678");
	sbuf_consume(&b, 3);
	ck_assert_str_eq(b.data, "45678");
	ck_assert_int_eq(sbuf_printf(&b, "%d", 123), 0);
	ck_assert_str_eq(b.data, "45678123");
	ck_assert_int_eq(sbuf_printf(&b, "x"), -E2BIG);
	sbuf_release(&b);
}
END_TEST

START_TEST(sbuf_detach_gives_ownership)
{
	struct sbuf b = SBUF_INIT(1024);
	size_t n;
	char *p;

	ck_assert_int_eq(sbuf_appends(&b, "hello"), 0);
	p = sbuf_detach(&b, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(p, "hello");
	ck_assert_ptr_null(b.data);
	free(p);
	p = sbuf_detach(&b, &n);	/* empty buffer still yields a string */
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "");
	free(p);
}
END_TEST

START_TEST(rfc3339_parses_offsets)
{
	time_t t;

	ck_assert_int_eq(strata_time_parse_rfc3339("2026-11-30T10:00:00Z", &t), 0);
	ck_assert_int_eq((long long)t, 1796032800LL);
	ck_assert_int_eq(strata_time_parse_rfc3339("2026-11-30T11:00:00.5+01:00", &t), 0);
	ck_assert_int_eq((long long)t, 1796032800LL);
	ck_assert_int_eq(strata_time_parse_rfc3339("2026-11-30 10:00", &t), -EINVAL);
	ck_assert_int_eq(strata_time_parse_rfc3339("2026-13-30T10:00:00Z", &t), -EINVAL);
}
END_TEST

START_TEST(log_levels_parse)
{
	enum strata_log_level l;

	ck_assert_int_eq(strata_log_level_parse("warning", &l), 0);
	ck_assert_int_eq(l, STRATA_LOG_WARNING);
	ck_assert_int_eq(strata_log_level_parse("warn", &l), -EINVAL);
	ck_assert_str_eq(strata_log_level_name(STRATA_LOG_EMERGENCY), "emergency");
}
END_TEST

static int hook_calls;
static char hook_msg[64];

static void
hook(enum strata_log_level level, const char *logger, const char *msg, void *arg)
{
	hook_calls++;
	snprintf(hook_msg, sizeof(hook_msg), "%s:%s", logger, msg);
	log_error("inner", "a hook that logs must not recurse");
}

START_TEST(log_hook_sees_records_once)
{
	strata_log_set_hook(hook, NULL);
	log_debug("t", "value=%d", 7);
	strata_log_set_hook(NULL, NULL);
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_str_eq(hook_msg, "t:value=7");
}
END_TEST

static void *
log_from_thread(void *arg)
{
	log_warn("other", "from another thread %d", 1);
	return arg;
}

/* The hook runs on the thread that set it only: the MCP server's hook talks to libuv. */
START_TEST(log_hook_only_on_its_thread)
{
	pthread_t t;

	hook_calls = 0;
	strata_log_set_hook(hook, NULL);
	ck_assert_int_eq(pthread_create(&t, NULL, log_from_thread, NULL), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(hook_calls, 0);
	log_warn("t", "same thread");
	strata_log_set_hook(NULL, NULL);
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_str_eq(hook_msg, "t:same thread");
}
END_TEST

START_TEST(quantities_round_up_like_the_api_server)
{
	ck_assert_int_eq(strata_quantity_milli("250m"), 250);
	ck_assert_int_eq(strata_quantity_milli("2"), 2000);
	ck_assert_int_eq(strata_quantity_milli("0.1"), 100);
	ck_assert_int_eq(strata_quantity_milli("1.5"), 1500);
	ck_assert_int_eq(strata_quantity_milli("0.0001"), 1);	/* rounded up, never 0 */
	ck_assert_int_eq(strata_quantity_bytes("64Mi"), 67108864);
	ck_assert_int_eq(strata_quantity_bytes("1G"), 1000000000);
	ck_assert_int_eq(strata_quantity_bytes("129e6"), 129000000);
	ck_assert_int_eq(strata_quantity_bytes("1.5Gi"), 1610612736);
	ck_assert_int_eq(strata_quantity_bytes("1Ei"), 1152921504606846976LL);
	ck_assert_int_eq(strata_quantity_bytes("128974848"), 128974848);
	ck_assert_int_eq(strata_quantity_bytes("-1Mi"), -1);
	ck_assert_int_eq(strata_quantity_bytes("12Qi"), -1);
	ck_assert_int_eq(strata_quantity_bytes(""), -1);
	ck_assert_int_eq(strata_quantity_bytes(NULL), -1);
	ck_assert_int_eq(strata_quantity_milli("1x"), -1);
	ck_assert_int_eq(strata_quantity_bytes("100Ei"), -1);	/* does not fit */
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sbuf_caps_at_max);
	tcase_add_test(tc, sbuf_detach_gives_ownership);
	tcase_add_test(tc, rfc3339_parses_offsets);
	tcase_add_test(tc, log_levels_parse);
	tcase_add_test(tc, log_hook_sees_records_once);
	tcase_add_test(tc, log_hook_only_on_its_thread);
	tcase_add_test(tc, quantities_round_up_like_the_api_server);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(util_suite)
