/*
 * kubeconfig matrix: file selection and merge rules, contexts, relative paths, -data vs
 * path, exec stanzas, in-cluster, oc-login files, YAML/JSON and their failure messages.
 * No server needed; the resolved configuration is inspected through the module's
 * private header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../kube/kubetest.h"
#include "../../src/kube/kube_int.h"

#define SECRET	"s3cr3t-T0KEN-value"

static char *dir;
static char err[1024];

static void
setup(void)
{
	dir = kt_tmpdir();
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	unsetenv("STRATA_SA_ROOT");
	setenv("HOME", dir, 1);
	err[0] = '\0';
}

static void
teardown(void)
{
	kt_rmrf(dir);
	free(dir);
}

static struct kube_config *
load(const char *kubeconfig, const char *context, int expect_rc)
{
	struct kube_config_options o = { kubeconfig, context, 0 };
	struct kube_config *cfg = NULL;
	int rc = kube_config_load(&o, &cfg, err, sizeof(err));

	ck_assert_msg(rc == expect_rc, "rc %d (want %d): %s", rc, expect_rc, err);
	ck_assert_msg(strstr(err, SECRET) == NULL, "secret leaked into: %s", err);
	return cfg;
}

static const char *basic_yaml =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: dev\n"
	"clusters:\n"
	"- name: c1\n"
	"  cluster:\n"
	"    server: https://api.one.example:6443\n"
	"    insecure-skip-tls-verify: true\n"
	"- name: c2\n"
	"  cluster: {server: \"http://127.0.0.1:8080/\"}\n"
	"users:\n"
	"- name: u1\n"
	"  user:\n"
	"    token: " SECRET "\n"
	"contexts:\n"
	"- name: dev\n"
	"  context: {cluster: c1, user: u1, namespace: team-a}\n"
	"- name: other\n"
	"  context:\n"
	"    cluster: c2\n"
	"    user: u1\n";

START_TEST(test_basic_current_context)
{
	char *p = kt_write(dir, "kc.yaml", basic_yaml);
	struct kube_config *cfg = load(p, NULL, 0);

	ck_assert_str_eq(kube_config_server(cfg), "https://api.one.example:6443");
	ck_assert_str_eq(kube_config_context(cfg), "dev");
	ck_assert_str_eq(kube_config_namespace(cfg), "team-a");
	ck_assert_str_eq(kube_config_user(cfg), "u1");
	ck_assert_int_eq(cfg->insecure, 1);
	ck_assert_int_eq(cfg->auth, KUBE_AUTH_TOKEN);
	ck_assert_str_eq((char *)cfg->token.data, SECRET);
	kube_config_free(cfg);
	free(p);
}
END_TEST

START_TEST(test_context_override_and_default_namespace)
{
	char *p = kt_write(dir, "kc.yaml", basic_yaml);
	struct kube_config *cfg = load(p, "other", 0);

	ck_assert_str_eq(kube_config_server(cfg), "http://127.0.0.1:8080/");
	ck_assert_str_eq(kube_config_namespace(cfg), "default");
	ck_assert_int_eq(cfg->insecure, 0);
	kube_config_free(cfg);
	load(p, "nope", -ENOENT);
	ck_assert_msg(strstr(err, "context \"nope\" not found") && strstr(err, p), "%s", err);
	free(p);
}
END_TEST

START_TEST(test_home_default_and_nothing)
{
	char *p;
	struct kube_config *cfg;

	load(NULL, NULL, -ENOENT);
	ck_assert_msg(strstr(err, ".kube/config missing") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "KUBERNETES_SERVICE_HOST") != NULL, "%s", err);
	p = kt_write(dir, ".kube/config", basic_yaml);
	cfg = load(NULL, NULL, 0);
	ck_assert_str_eq(kube_config_context(cfg), "dev");
	ck_assert_ptr_nonnull(strstr(kube_config_source(cfg), ".kube/config"));
	kube_config_free(cfg);
	free(p);
}
END_TEST

START_TEST(test_kubeconfig_env_merge)
{
	char env[4096];
	char *a = kt_write(dir, "a.yaml",
	    "current-context: ctx-a\n"
	    "clusters:\n"
	    "- name: shared\n"
	    "  cluster: {server: 'https://first.example:6443'}\n"
	    "contexts:\n"
	    "- name: ctx-a\n"
	    "  context: {cluster: shared, user: ub}\n");
	char *b = kt_write(dir, "b.yaml",
	    "current-context: ctx-b\n"
	    "clusters:\n"
	    "- name: shared\n"
	    "  cluster: {server: 'https://second.example:6443', insecure-skip-tls-verify: true}\n"
	    "- name: only-b\n"
	    "  cluster: {server: 'https://b.example'}\n"
	    "users:\n"
	    "- name: ub\n"
	    "  user: {token: " SECRET "}\n"
	    "contexts:\n"
	    "- name: ctx-a\n"
	    "  context: {cluster: only-b}\n"
	    "- name: ctx-b\n"
	    "  context: {cluster: only-b, namespace: nb}\n");
	struct kube_config *cfg;

	/* A missing file in the middle is skipped; the first definition of a name wins
	 * whole (no field merge: insecure from b's "shared" must not leak in). */
	snprintf(env, sizeof(env), "%s:%s/missing.yaml:%s", a, dir, b);
	setenv("KUBECONFIG", env, 1);
	cfg = load(NULL, NULL, 0);
	ck_assert_str_eq(kube_config_context(cfg), "ctx-a");
	ck_assert_str_eq(kube_config_server(cfg), "https://first.example:6443");
	ck_assert_int_eq(cfg->insecure, 0);
	ck_assert_str_eq((char *)cfg->token.data, SECRET);	/* user from b */
	kube_config_free(cfg);
	cfg = load(NULL, "ctx-b", 0);
	ck_assert_str_eq(kube_config_server(cfg), "https://b.example");
	ck_assert_str_eq(kube_config_namespace(cfg), "nb");
	kube_config_free(cfg);
	/* --kubeconfig beats $KUBECONFIG and does not merge. */
	cfg = load(b, NULL, 0);
	ck_assert_str_eq(kube_config_context(cfg), "ctx-b");
	kube_config_free(cfg);
	/* All missing. */
	snprintf(env, sizeof(env), "%s/x.yaml:%s/y.yaml", dir, dir);
	setenv("KUBECONFIG", env, 1);
	load(NULL, NULL, -ENOENT);
	ck_assert_msg(strstr(err, "none of the files") != NULL, "%s", err);
	free(a);
	free(b);
}
END_TEST

/* Test PEM-ish payloads: the loader only moves bytes, curl checks them later. */
#define CA_TEXT		"-----BEGIN CERTIFICATE-----\nCA-FROM-FILE\n-----END CERTIFICATE-----\n"
#define CA_DATA_TEXT	"DATA-WINS"
#define CA_DATA_B64	"REFUQS1XSU5T"

START_TEST(test_relative_paths_and_data)
{
	char *kc, *ca;
	struct kube_config *cfg;

	ca = kt_write(dir, "conf/certs/ca.crt", CA_TEXT);
	kt_put(dir, "conf/certs/client.crt", "CLIENT-CERT");
	kt_put(dir, "conf/certs/client.key", "CLIENT-KEY");
	kt_put(dir, "conf/tok", SECRET "\n");
	kc = kt_write(dir, "conf/kc.yaml",
	    "current-context: x\n"
	    "clusters:\n"
	    "- name: c\n"
	    "  cluster:\n"
	    "    server: https://h:1\n"
	    "    certificate-authority: certs/ca.crt\n"
	    "- name: d\n"
	    "  cluster:\n"
	    "    server: https://h:1\n"
	    "    certificate-authority: certs/ca.crt\n"
	    "    certificate-authority-data: " CA_DATA_B64 "\n"
	    "users:\n"
	    "- name: u\n"
	    "  user:\n"
	    "    client-certificate: certs/client.crt\n"
	    "    client-key: certs/client.key\n"
	    "    tokenFile: tok\n"
	    "contexts:\n"
	    "- {name: x, context: {cluster: c, user: u}}\n"
	    "- {name: y, context: {cluster: d, user: u}}\n");
	ck_assert_int_eq(chdir("/"), 0);	/* paths are relative to the file, not cwd */
	cfg = load(kc, NULL, 0);
	ck_assert_str_eq((char *)cfg->ca.data, CA_TEXT);
	ck_assert_str_eq((char *)cfg->client_cert.data, "CLIENT-CERT");
	ck_assert_str_eq((char *)cfg->client_key.data, "CLIENT-KEY");
	ck_assert_int_eq(cfg->auth, KUBE_AUTH_TOKEN_FILE);
	ck_assert_ptr_nonnull(strstr(cfg->token_file, "/conf/tok"));
	kube_config_free(cfg);
	cfg = load(kc, "y", 0);
	ck_assert_str_eq((char *)cfg->ca.data, CA_DATA_TEXT);	/* -data overrides path */
	kube_config_free(cfg);
	unlink(ca);
	load(kc, "x", -ENOENT);
	ck_assert_msg(strstr(err, "cluster \"c\"") && strstr(err, "certificate-authority") &&
	    strstr(err, "certs/ca.crt") && strstr(err, "No such file"), "%s", err);
	free(ca);
	free(kc);
}
END_TEST

START_TEST(test_bad_base64_and_field_errors)
{
	char *kc = kt_write(dir, "kc.yaml",
	    "current-context: x\n"
	    "clusters:\n"
	    "- {name: c, cluster: {server: 'https://h:1', certificate-authority-data: '!!notb64'}}\n"
	    "- {name: noserver, cluster: {insecure-skip-tls-verify: true}}\n"
	    "- {name: badbool, cluster: {server: 'https://h', insecure-skip-tls-verify: maybe}}\n"
	    "users:\n"
	    "- {name: u, user: {token: " SECRET ", client-certificate-data: QQ==}}\n"
	    "- {name: ap, user: {auth-provider: {name: oidc}}}\n"
	    "contexts:\n"
	    "- {name: x, context: {cluster: c, user: u}}\n"
	    "- {name: y, context: {cluster: noserver}}\n"
	    "- {name: z, context: {cluster: badbool}}\n"
	    "- {name: w, context: {cluster: badcluster}}\n"
	    "- {name: v, context: {cluster: badbool2, user: u}}\n"
	    "- {name: cert, context: {cluster: noserver2, user: u}}\n"
	    "- {name: provider, context: {cluster: ok, user: ap}}\n"
	    "- {name: nouser, context: {cluster: ok, user: ghost}}\n"
	    "- {name: halfcert, context: {cluster: ok, user: u}}\n");
	char *kc2 = kt_write(dir, "ok.yaml",
	    "clusters: [{name: ok, cluster: {server: 'https://ok'}}]\n");
	char env[2048];

	load(kc, "x", -EINVAL);
	ck_assert_msg(strstr(err, "certificate-authority-data is not valid base64") &&
	    strstr(err, "cluster \"c\"") && strstr(err, kc), "%s", err);
	load(kc, "y", -EINVAL);
	ck_assert_msg(strstr(err, "server is missing") && strstr(err, "noserver"), "%s", err);
	load(kc, "z", -EINVAL);
	ck_assert_msg(strstr(err, "insecure-skip-tls-verify is not a boolean"), "%s", err);
	load(kc, "w", -ENOENT);
	ck_assert_msg(strstr(err, "cluster \"badcluster\"") && strstr(err, "context \"w\""),
	    "%s", err);
	snprintf(env, sizeof(env), "%s:%s", kc, kc2);
	setenv("KUBECONFIG", env, 1);
	load(NULL, "provider", -ENOTSUP);
	ck_assert_msg(strstr(err, "auth-provider") && strstr(err, "user \"ap\""), "%s", err);
	load(NULL, "nouser", -ENOENT);
	ck_assert_msg(strstr(err, "user \"ghost\""), "%s", err);
	load(NULL, "halfcert", -EINVAL);
	ck_assert_msg(strstr(err, "client-certificate and client-key"), "%s", err);
	free(kc);
	free(kc2);
}
END_TEST

START_TEST(test_malformed_and_missing_files)
{
	char *bad = kt_write(dir, "bad.yaml", "clusters:\n  - name: [unclosed\n");
	char *list = kt_write(dir, "list.yaml", "- a\n- b\n");
	char *cyc = kt_write(dir, "cyc.yaml", "clusters: &a [ *a ]\n");
	char *bomb = kt_write(dir, "bomb.yaml",
	    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n");
	char missing[1024];

	load(bad, NULL, -EINVAL);
	ck_assert_msg(strstr(err, bad) && strstr(err, "YAML syntax error at line"), "%s", err);
	load(list, NULL, -EINVAL);
	ck_assert_msg(strstr(err, "not a mapping"), "%s", err);
	load(cyc, NULL, -EINVAL);
	ck_assert_msg(strstr(err, "deeper than"), "%s", err);
	load(bomb, NULL, -EINVAL);
	ck_assert_msg(strstr(err, "alias expansion"), "%s", err);
	snprintf(missing, sizeof(missing), "%s/nope.yaml", dir);
	load(missing, NULL, -ENOENT);
	ck_assert_msg(strstr(err, missing) && strstr(err, "No such file"), "%s", err);
	free(bad);
	bad = kt_write(dir, "empty.yaml", "");
	load(bad, NULL, -ENOENT);
	ck_assert_msg(strstr(err, "current-context is not set"), "%s", err);
	free(bad);
	free(list);
	free(cyc);
	free(bomb);
}
END_TEST

START_TEST(test_json_kubeconfig)
{
	char *kc = kt_write(dir, "kc.json",
	    "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"current-context\":\"j\",\n"
	    "\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://j:6443\","
	    "\"insecure-skip-tls-verify\":true}}],\n"
	    "\"users\":[{\"name\":\"u\",\"user\":{\"token\":\"" SECRET "\"}}],\n"
	    "\"contexts\":[{\"name\":\"j\",\"context\":{\"cluster\":\"c\",\"user\":\"u\","
	    "\"namespace\":\"jn\"}}]}\n");
	struct kube_config *cfg = load(kc, NULL, 0);

	ck_assert_str_eq(kube_config_server(cfg), "https://j:6443");
	ck_assert_str_eq(kube_config_namespace(cfg), "jn");
	ck_assert_int_eq(cfg->insecure, 1);
	kube_config_free(cfg);
	free(kc);
}
END_TEST

START_TEST(test_oc_login_kubeconfig)
{
	/* What `oc login` writes: cluster host-port, user name/cluster, context ns/cluster/user. */
	char *kc = kt_write(dir, "config",
	    "apiVersion: v1\n"
	    "clusters:\n"
	    "- cluster:\n"
	    "    server: https://api.ocp.example.com:6443\n"
	    "  name: api-ocp-example-com:6443\n"
	    "contexts:\n"
	    "- context:\n"
	    "    cluster: api-ocp-example-com:6443\n"
	    "    namespace: openshift-monitoring\n"
	    "    user: kube:admin/api-ocp-example-com:6443\n"
	    "  name: openshift-monitoring/api-ocp-example-com:6443/kube:admin\n"
	    "current-context: openshift-monitoring/api-ocp-example-com:6443/kube:admin\n"
	    "kind: Config\n"
	    "preferences: {}\n"
	    "users:\n"
	    "- name: kube:admin/api-ocp-example-com:6443\n"
	    "  user:\n"
	    "    token: sha256~" SECRET "\n");
	struct kube_config *cfg = load(kc, NULL, 0);

	ck_assert_str_eq(kube_config_context(cfg),
	    "openshift-monitoring/api-ocp-example-com:6443/kube:admin");
	ck_assert_str_eq(kube_config_namespace(cfg), "openshift-monitoring");
	ck_assert_str_eq((char *)cfg->token.data, "sha256~" SECRET);
	kube_config_free(cfg);
	free(kc);
}
END_TEST

START_TEST(test_exec_stanza)
{
	char *kc = kt_write(dir, "kc.yaml",
	    "current-context: e\n"
	    "clusters: [{name: c, cluster: {server: 'https://e', certificate-authority-data: "
	    CA_DATA_B64 "}}]\n"
	    "users:\n"
	    "- name: v1\n"
	    "  user:\n"
	    "    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: ./bin/get-token\n"
	    "      args: [--cluster, c1]\n"
	    "      env: [{name: FOO, value: bar}]\n"
	    "      interactiveMode: Never\n"
	    "      provideClusterInfo: true\n"
	    "- name: v1-nomode\n"
	    "  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}\n"
	    "- name: beta\n"
	    "  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: gt}}\n"
	    "- name: alpha\n"
	    "  user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: gt}}\n"
	    "contexts:\n"
	    "- {name: e, context: {cluster: c, user: v1}}\n"
	    "- {name: nomode, context: {cluster: c, user: v1-nomode}}\n"
	    "- {name: beta, context: {cluster: c, user: beta}}\n"
	    "- {name: alpha, context: {cluster: c, user: alpha}}\n");
	struct kube_config *cfg = load(kc, NULL, 0);
	char want[1024];

	ck_assert_int_eq(cfg->auth, KUBE_AUTH_EXEC);
	snprintf(want, sizeof(want), "%s/./bin/get-token", dir);
	ck_assert_str_eq(cfg->exec->command, want);	/* relative to the file */
	ck_assert_str_eq(cfg->exec->args[0], "--cluster");
	ck_assert_str_eq(cfg->exec->args[1], "c1");
	ck_assert_ptr_null(cfg->exec->args[2]);
	ck_assert_str_eq(cfg->exec->env[0].name, "FOO");
	ck_assert_ptr_nonnull(strstr(cfg->exec->cluster_info, "\"server\":\"https://e\""));
	ck_assert_ptr_nonnull(strstr(cfg->exec->cluster_info, CA_DATA_B64));
	kube_config_free(cfg);
	load(kc, "nomode", -EINVAL);
	ck_assert_msg(strstr(err, "interactiveMode must be set"), "%s", err);
	cfg = load(kc, "beta", 0);
	ck_assert_str_eq(cfg->exec->command, "gt");	/* bare names use $PATH */
	kube_config_free(cfg);
	load(kc, "alpha", -EINVAL);
	ck_assert_msg(strstr(err, "v1alpha1") && strstr(err, "not supported"), "%s", err);
	free(kc);
}
END_TEST

START_TEST(test_in_cluster)
{
	struct kube_config *cfg;
	struct kube_config_options o = { NULL, NULL, 1 };

	kt_put(dir, "var/run/secrets/kubernetes.io/serviceaccount/x", "");
	setenv("STRATA_SA_ROOT", dir, 1);
	/* Not in a cluster. */
	ck_assert_int_eq(kube_config_load(&o, &cfg, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "KUBERNETES_SERVICE_HOST"), "%s", err);
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(kube_config_load(&o, &cfg, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "service-account token") && strstr(err, dir), "%s", err);
	{
		char p[PATH_MAX];
		FILE *f;

		snprintf(p, sizeof(p), "%s/var/run/secrets/kubernetes.io/serviceaccount/token",
		    dir);
		f = fopen(p, "w");
		fputs(SECRET "\n", f);
		fclose(f);
		snprintf(p, sizeof(p), "%s/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
		    dir);
		f = fopen(p, "w");
		fputs(CA_TEXT, f);
		fclose(f);
		snprintf(p, sizeof(p),
		    "%s/var/run/secrets/kubernetes.io/serviceaccount/namespace", dir);
		f = fopen(p, "w");
		fputs("strata-system\n", f);
		fclose(f);
	}
	/* No kubeconfig at all: in-cluster is the fallback. */
	cfg = load(NULL, NULL, 0);
	ck_assert_str_eq(kube_config_server(cfg), "https://10.0.0.1:443");
	ck_assert_str_eq(kube_config_namespace(cfg), "strata-system");
	ck_assert_str_eq(kube_config_source(cfg), "in-cluster");
	ck_assert_int_eq(cfg->auth, KUBE_AUTH_TOKEN_FILE);
	ck_assert_str_eq((char *)cfg->ca.data, CA_TEXT);
	kube_config_free(cfg);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("POD_NAMESPACE", "from-env", 1);
	ck_assert_int_eq(kube_config_load(&o, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(kube_config_server(cfg), "https://[fd00::1]:443");
	ck_assert_str_eq(kube_config_namespace(cfg), "from-env");
	kube_config_free(cfg);
}
END_TEST

START_TEST(test_ref_paths)
{
	char p[256];
	struct kube_ref r = KUBE_REF_POD("ns", "p");

	r.subresource = "eviction";
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/api/v1/namespaces/ns/pods/p/eviction");
	r = KUBE_REF_NODE("n1");
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/api/v1/nodes/n1");
	r = KUBE_REF_DEPLOYMENT(NULL, NULL);
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/apis/apps/v1/deployments");
	r = KUBE_REF_MCP("worker");
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker");
	r = KUBE_REF_ARGO_APP("argocd", "app");
	r.subresource = "status";
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/app/status");
	r = KUBE_REF_POD("ns", "../etc");
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), -EINVAL);
	r = KUBE_REF_POD("ns", NULL);
	r.subresource = "status";	/* a subresource needs a name */
	ck_assert_int_eq(kube_ref_path(&r, p, sizeof(p)), -EINVAL);
	r = KUBE_REF_POD("a-rather-long-namespace", "name");
	ck_assert_int_eq(kube_ref_path(&r, p, 20), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_base64)
{
	struct kube_blob b = { NULL, 0 };

	ck_assert_int_eq(kube_base64_decode("aGVs\nbG8=", &b), 0);
	ck_assert_int_eq((int)b.len, 5);
	ck_assert_mem_eq(b.data, "hello", 5);
	ck_assert_int_eq(kube_base64_decode("aGVsbG8", &b), 0);	/* unpadded */
	ck_assert_mem_eq(b.data, "hello", 5);
	ck_assert_int_eq(kube_base64_decode("a$==", &b), -EINVAL);
	ck_assert_int_eq(kube_base64_decode("aGVs=bG8", &b), -EINVAL);
	kube_blob_free(&b);
}
END_TEST

static Suite *
kube_config_suite(void)
{
	Suite *s = suite_create("kube_config");
	TCase *tc = tcase_create("kubeconfig");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_basic_current_context);
	tcase_add_test(tc, test_context_override_and_default_namespace);
	tcase_add_test(tc, test_home_default_and_nothing);
	tcase_add_test(tc, test_kubeconfig_env_merge);
	tcase_add_test(tc, test_relative_paths_and_data);
	tcase_add_test(tc, test_bad_base64_and_field_errors);
	tcase_add_test(tc, test_malformed_and_missing_files);
	tcase_add_test(tc, test_json_kubeconfig);
	tcase_add_test(tc, test_oc_login_kubeconfig);
	tcase_add_test(tc, test_exec_stanza);
	tcase_add_test(tc, test_in_cluster);
	tcase_add_test(tc, test_ref_paths);
	tcase_add_test(tc, test_base64);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(kube_config_suite)
