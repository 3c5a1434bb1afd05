/*
 * strata-sim over TLS: bearer token or a client certificate signed by --client-ca, 401
 * for anything else; the kubeconfig written for the simulator trusts its certificate.
 * Certificates are made with the openssl command line in a temporary directory.
 */
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"
#include "test_sim_http.h"

static char dir[64];

static void
sh(const char *fmt, const char *arg)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void
make_certs(void)
{
	snprintf(dir, sizeof(dir), "/tmp/simtls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
	    "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
	    dir);
	sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
	    "-days 1 -subj /CN=test-ca >/dev/null 2>&1 && openssl req -newkey rsa:2048 -nodes "
	    "-keyout client.key -out client.csr -subj /CN=alice >/dev/null 2>&1 && "
	    "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	    "-out client.pem -days 1 >/dev/null 2>&1 && openssl req -x509 -newkey rsa:2048 "
	    "-nodes -keyout other.key -out other.pem -days 1 -subj /CN=other >/dev/null 2>&1",
	    dir);
}

static long
get_tls(struct sim *s, const char *cert, const char *key, const char *token)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[512], ca[128], cp[128], kp[128], hdr[256];
	long code = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s/api/v1/nodes", sim_url(s));
	snprintf(ca, sizeof(ca), "%s/cert.pem", dir);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, simt_write);
	{
		static struct simt_resp sink;

		curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	}
	if (cert) {
		snprintf(cp, sizeof(cp), "%s/%s", dir, cert);
		snprintf(kp, sizeof(kp), "%s/%s", dir, key);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cp);
		curl_easy_setopt(c, CURLOPT_SSLKEY, kp);
	}
	if (token) {
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, hdr);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	cc = curl_easy_perform(c);
	ck_assert_msg(cc == CURLE_OK, "curl: %s", curl_easy_strerror(cc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return code;
}

START_TEST(test_tls_auth)
{
	struct sim_options o;
	char err[256], cert[128], key[128], ca[128], kc[128];
	struct sim *s;
	json_t *k;
	const char *ca_data;

	make_certs();
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	strata_log_set_level(STRATA_LOG_ERROR);
	memset(&o, 0, sizeof(o));
	o.scenario_path = SIMT_FIXTURE;
	o.tls_cert = cert;
	o.tls_key = key;
	o.client_ca = ca;
	o.api_only = 1;
	s = sim_start(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(strncmp(sim_url(s), "https://127.0.0.1:", 18), 0);
	/* A random token was made. */
	ck_assert_int_ge((int)strlen(sim_token(s)), 32);
	ck_assert_int_eq(get_tls(s, NULL, NULL, sim_token(s)), 200);
	ck_assert_int_eq(get_tls(s, NULL, NULL, NULL), 401);
	ck_assert_int_eq(get_tls(s, NULL, NULL, "nope"), 401);
	ck_assert_int_eq(get_tls(s, "client.pem", "client.key", NULL), 200);
	ck_assert_int_eq(get_tls(s, "other.pem", "other.key", NULL), 401);

	snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
	ck_assert_int_eq(sim_write_kubeconfig(s, kc, err, sizeof(err)), 0);
	k = json_load_file(kc, 0, NULL);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(k, "clusters"), 0), "cluster"), "server")), sim_url(s));
	ca_data = json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(k, "clusters"), 0), "cluster"), "certificate-authority-data"));
	ck_assert_ptr_nonnull(ca_data);
	ck_assert_int_eq(strncmp(ca_data, "LS0tLS1CRUdJTi", 14), 0);	/* "-----BEGIN" */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(k, "users"), 0), "user"), "token")), sim_token(s));
	json_decref(k);
	sim_stop(s);
	sh("rm -rf %s", dir);
}
END_TEST

START_TEST(test_bad_options)
{
	struct sim_options o;
	char err[256];

	strata_log_set_level(STRATA_LOG_ERROR);
	memset(&o, 0, sizeof(o));
	o.tls_cert = "/nonexistent/cert.pem";
	o.tls_key = "/nonexistent/key.pem";
	ck_assert_ptr_null(sim_start(&o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/cert.pem"));
	memset(&o, 0, sizeof(o));
	o.scenario_path = "/nonexistent/scenario.json";
	ck_assert_ptr_null(sim_start(&o, err, sizeof(err)));
	memset(&o, 0, sizeof(o));
	o.generate = "nodes=abc";
	ck_assert_ptr_null(sim_start(&o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "--generate"));
	memset(&o, 0, sizeof(o));
	o.faults = "status=200";
	ck_assert_ptr_null(sim_start(&o, err, sizeof(err)));
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:notaport";
	ck_assert_ptr_null(sim_start(&o, err, sizeof(err)));
}
END_TEST

static Suite *
sim_tls_suite(void)
{
	Suite *s = suite_create("sim_tls");
	TCase *tc = tcase_create("tls");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tls_auth);
	tcase_add_test(tc, test_bad_options);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(sim_tls_suite)
