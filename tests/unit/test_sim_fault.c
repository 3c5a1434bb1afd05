/*
 * Fault injection in strata-sim as a client sees it: status codes, Retry-After, added
 * latency, dropped connections, forced conflicts; set at start, through the embedding API
 * and through the /sim/faults admin endpoint.
 */
#include <errno.h>

#include "testutil.h"
#include "test_sim_http.h"

static struct simt_resp R;

START_TEST(test_status_at_start)
{
	struct sim *s = simt_start("method=GET,path=/api/v1/nodes*,status=503,count=1", 0);

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 503);
	ck_assert_str_eq(simt_str(R.json, "kind"), "Status");
	ck_assert_str_eq(simt_str(R.json, "reason"), "ServiceUnavailable");
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 200);
	simt_free(&R);
	sim_stop(s);
}
END_TEST

START_TEST(test_retry_after_admin)
{
	struct sim *s = simt_start(NULL, 0);

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(simt_req(s, "POST", "/sim/faults", SIMT_TOKEN, "text/plain",
	    "method=GET,path=/api/v1/nodes*,status=429,retry_after=2,count=2", NULL, &R), 201);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/pods", &R), 200);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 429);
	ck_assert_str_eq(R.retry_after, "2");
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "details.retryAfterSeconds")),
	    2);
	ck_assert_str_eq(simt_str(R.json, "reason"), "TooManyRequests");
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes/worker-0", &R), 429);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 200);
	ck_assert_str_eq(R.retry_after, "");
	/* Bad specs are refused whole; the admin endpoint needs the token. */
	ck_assert_int_eq(simt_req(s, "POST", "/sim/faults", SIMT_TOKEN, "text/plain",
	    "path=/x,status=200", NULL, &R), 400);
	ck_assert_int_eq(simt_req(s, "POST", "/sim/faults", NULL, "text/plain",
	    "status=500", NULL, &R), 401);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 200);
	simt_free(&R);
	sim_stop(s);
}
END_TEST

START_TEST(test_latency)
{
	struct sim *s = simt_start(NULL, 0);
	char err[128];

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(sim_fault_add(s, "path=/api/v1/namespaces/shop/*,latency_ms=400,count=1",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/namespaces/shop/pods", &R), 200);
	ck_assert_msg(R.secs >= 0.35, "latency %.3f s", R.secs);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/namespaces/shop/pods", &R), 200);
	ck_assert_int_eq(sim_fault_add(s, "latency_ms=abc", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sim_fault_add(s, "status=500,reset", err, sizeof(err)), -EINVAL);
	simt_free(&R);
	sim_stop(s);
}
END_TEST

START_TEST(test_reset)
{
	struct sim *s = simt_start(NULL, 0);
	char err[128];

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(sim_fault_add(s, "method=GET,path=/api/v1/pods,reset,count=1", err,
	    sizeof(err)), 0);
	simt_req(s, "GET", "/api/v1/pods", SIMT_TOKEN, NULL, NULL, NULL, &R);
	ck_assert_int_ne(R.cc, CURLE_OK);
	ck_assert_int_eq(R.code, 0);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/pods", &R), 200);
	simt_free(&R);
	sim_stop(s);
}
END_TEST

START_TEST(test_conflict_and_clear)
{
	struct sim *s = simt_start(NULL, 0);
	char err[128];

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(sim_fault_add(s, "path=/api/v1/namespaces/shop/configmaps/*,conflict",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/namespaces/shop/configmaps/settings", &R), 200);
	ck_assert_int_eq(simt_req(s, "PATCH", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}", NULL, &R),
	    409);
	ck_assert_str_eq(simt_str(R.json, "reason"), "Conflict");
	ck_assert_int_eq(simt_req(s, "PATCH", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}", NULL, &R),
	    409);
	ck_assert_int_eq(simt_req(s, "DELETE", "/sim/faults", SIMT_TOKEN, NULL, NULL, NULL, &R),
	    200);
	ck_assert_int_eq((int)json_array_size(simt_get(R.json, "faults")), 0);
	ck_assert_int_eq(simt_req(s, "PATCH", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}", NULL, &R),
	    200);
	ck_assert_str_eq(simt_str(R.json, "data.x"), "1");
	/* rate=0 never fires; sim_fault_clear removes everything. */
	ck_assert_int_eq(sim_fault_add(s, "status=500,rate=0", err, sizeof(err)), 0);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 200);
	ck_assert_int_eq(sim_fault_add(s, "status=500", err, sizeof(err)), 0);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 500);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 500);
	sim_fault_clear(s);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 200);
	simt_free(&R);
	sim_stop(s);
}
END_TEST

static Suite *
sim_fault_suite(void)
{
	Suite *s = suite_create("sim_fault");
	TCase *tc = tcase_create("fault");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_status_at_start);
	tcase_add_test(tc, test_retry_after_admin);
	tcase_add_test(tc, test_latency);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_conflict_and_clear);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(sim_fault_suite)
