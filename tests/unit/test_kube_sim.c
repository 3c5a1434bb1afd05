/*
 * The client against strata-sim hosted in-process (sim_start): typed verbs on real
 * objects, paging through a generated cluster (with an expired continue), injected
 * faults (500, reset, latency, 429 + Retry-After) with a timer that must keep its
 * schedule, bearer-token 401, TLS (CA, wrong CA, insecure, tls-server-name, client
 * certificate) with material made by tests/kube/mk-tls.sh, an exec plugin, and 200
 * concurrent requests.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "../kube/kubetest.h"
#include "strata/sim.h"

#define NPODS	3000

static struct sim *sim;
static char *dir;
static uv_loop_t loop;
static struct kube_client *client;
static char err[1024];

/*
 * The cluster: a scenario List written by the test (6 nodes, 5 namespaces + default,
 * NPODS pods), served with api_only so no controller changes it under the test.
 */
static char *
scenario_write(int npods)
{
	json_t *items = json_array(), *list;
	char name[64], ns[32], node[32], path[PATH_MAX];
	int i;

	json_array_append_new(items, json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1",
	    "kind", "Namespace", "metadata", "name", "default"));
	for (i = 0; i < 5; i++) {
		snprintf(ns, sizeof(ns), "team-%d", i);
		json_array_append_new(items, json_pack("{s:s, s:s, s:{s:s}}", "apiVersion",
		    "v1", "kind", "Namespace", "metadata", "name", ns));
	}
	for (i = 0; i < 6; i++) {
		snprintf(node, sizeof(node), "worker-%d", i);
		json_array_append_new(items, json_pack("{s:s, s:s, s:{s:s}, s:{}, s:{s:[{s:s, "
		    "s:s}]}}", "apiVersion", "v1", "kind", "Node", "metadata", "name", node,
		    "spec", "status", "conditions", "type", "Ready", "status", "True"));
	}
	for (i = 0; i < npods; i++) {
		snprintf(name, sizeof(name), "pod-%05d", i);
		snprintf(ns, sizeof(ns), "team-%d", i % 5);
		snprintf(node, sizeof(node), "worker-%d", i % 6);
		json_array_append_new(items, json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, "
		    "s:{s:s, s:[{s:s, s:s}]}, s:{s:s}}", "apiVersion", "v1", "kind", "Pod",
		    "metadata", "name", name, "namespace", ns, "labels", "app", "bench",
		    "spec", "nodeName", node, "containers", "name", "c", "image", "busybox",
		    "status", "phase", "Running"));
	}
	list = json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind", "List", "items",
	    items);
	snprintf(path, sizeof(path), "%s/scenario.json", dir);
	ck_assert_int_eq(json_dump_file(list, path, JSON_COMPACT), 0);
	json_decref(list);
	return strdup(path);
}

static void
sim_up(const struct sim_options *extra)
{
	struct sim_options o;
	char *scenario = NULL;

	memset(&o, 0, sizeof(o));
	if (extra != NULL)
		o = *extra;
	if (o.scenario_path == NULL && o.generate == NULL)
		o.scenario_path = scenario = scenario_write(NPODS);
	o.api_only = 1;
	sim = sim_start(&o, err, sizeof(err));
	free(scenario);
	ck_assert_msg(sim != NULL, "sim_start: %s", err);
}

static struct kube_client *
client_from(const char *kubeconfig, const char *context)
{
	struct kube_config_options o = { kubeconfig, context, 0 };
	struct kube_config *cfg;
	struct kube_client *c;

	ck_assert_msg(kube_config_load(&o, &cfg, err, sizeof(err)) == 0, "%s", err);
	c = kube_client_new(&loop, cfg, NULL, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

/* A client through sim_write_kubeconfig(), i.e. what a user would get. */
static struct kube_client *
client_sim(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sim.kubeconfig", dir);
	ck_assert_msg(sim_write_kubeconfig(sim, path, err, sizeof(err)) == 0, "%s", err);
	return client_from(path, NULL);
}

static void
setup(void)
{
	unsetenv("KUBECONFIG");
	dir = kt_tmpdir();
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	sim = NULL;
	client = NULL;
}

static void
teardown(void)
{
	sim_stop(sim);
	kt_rmrf(dir);
	free(dir);
}

static void
finish(void)
{
	kt_client_close(&loop, client);
	client = NULL;
}

static void
wait_for(struct kt_result *r, unsigned ms)
{
	ck_assert_msg(kt_run_until(&loop, &r->done, ms), "request did not complete in %u ms",
	    ms);
	ck_assert_int_eq(r->done, 1);
}

static void
raw_get(const char *path, const struct kube_opts *o, struct kt_result *r)
{
	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(kube_request_raw(client, "GET", path, NULL, NULL, o, kt_done, r,
	    err, sizeof(err)));
}

/* ---- verbs on real objects ---- */

START_TEST(test_sim_verbs)
{
	struct kt_result r = { 0 };
	struct kube_opts o = { 0 };
	struct kube_ref cms = { "", "v1", "configmaps", "default", NULL, NULL };
	struct kube_ref node;
	json_t *body, *pre;
	char nodename[128], uid[128];

	sim_up(NULL);
	client = client_sim();
	raw_get("/version", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r.res, "gitVersion")));
	kt_result_clear(&r);

	/* Discovery: apps is there, a made-up group is not. */
	ck_assert_ptr_nonnull(kube_discover_group(client, "apps", "v1", kt_done, &r, err,
	    sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert(json_is_true(json_object_get(r.res, "present")));
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_discover_group(client, "nothing.strata.test", NULL,
	    kt_done, &r, err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert(json_is_false(json_object_get(r.res, "present")));
	kt_result_clear(&r);

	/* Take the first node, cordon it with a dry run (nothing changes), then for real. */
	{
		struct kube_ref nodes = KUBE_REF_NODE(NULL);

		o.limit = 1;
		ck_assert_ptr_nonnull(kube_get(client, &nodes, &o, kt_done, &r, err,
		    sizeof(err)));
		wait_for(&r, 5000);
		ck_assert_msg(r.code == 0, "%s", r.msg);
		snprintf(nodename, sizeof(nodename), "%s", json_string_value(json_object_get(
		    json_object_get(json_array_get(json_object_get(r.res, "items"), 0),
		    "metadata"), "name")));
		kt_result_clear(&r);
	}
	node = KUBE_REF_NODE(nodename);
	body = json_pack("{s:{s:b}}", "spec", "unschedulable", 1);
	memset(&o, 0, sizeof(o));
	o.dry_run = 1;
	ck_assert_ptr_nonnull(kube_patch(client, &node, KUBE_PATCH_STRATEGIC, body, &o,
	    kt_done, &r, err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert(json_is_true(json_object_get(json_object_get(r.res, "spec"),
	    "unschedulable")));
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_get(client, &node, NULL, kt_done, &r, err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert(!json_is_true(json_object_get(json_object_get(r.res, "spec"),
	    "unschedulable")));
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_patch(client, &node, KUBE_PATCH_MERGE, body, NULL, kt_done,
	    &r, err, sizeof(err)));
	json_decref(body);
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert(json_is_true(json_object_get(json_object_get(r.res, "spec"),
	    "unschedulable")));
	kt_result_clear(&r);

	/* Create, conflict on create, delete with a wrong then the right precondition. */
	body = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", "v1", "kind",
	    "ConfigMap", "metadata", "name", "strata-test", "data", "k", "v");
	ck_assert_ptr_nonnull(kube_create(client, &cms, body, NULL, kt_done, &r, err,
	    sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	snprintf(uid, sizeof(uid), "%s", json_string_value(json_object_get(json_object_get(
	    r.res, "metadata"), "uid")));
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_create(client, &cms, body, NULL, kt_done, &r, err,
	    sizeof(err)));
	json_decref(body);
	wait_for(&r, 5000);
	ck_assert_int_eq(r.http, 409);
	ck_assert_str_eq(r.reason, "AlreadyExists");
	kt_result_clear(&r);
	cms.name = "strata-test";
	pre = json_pack("{s:s}", "uid", "not-the-uid");
	ck_assert_ptr_nonnull(kube_delete(client, &cms, pre, NULL, kt_done, &r, err,
	    sizeof(err)));
	json_decref(pre);
	wait_for(&r, 5000);
	ck_assert_int_eq(r.http, 409);
	kt_result_clear(&r);
	pre = json_pack("{s:s}", "uid", uid);
	ck_assert_ptr_nonnull(kube_delete(client, &cms, pre, NULL, kt_done, &r, err,
	    sizeof(err)));
	json_decref(pre);
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_get(client, &cms, NULL, kt_done, &r, err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_int_eq(r.http, 404);
	ck_assert_str_eq(r.reason, "NotFound");
	finish();
}
END_TEST

/* ---- paging ---- */

struct pager {
	int		 pages, restarts, sleep_at_page;
	unsigned	 sleep_ms;
	size_t		 total;
	json_t		*names;		/* set of names seen since the last restart */
	int		 dups;
	struct kt_result r;
};

static int
on_page(struct kube_request *req, const struct kube_page *p, void *arg)
{
	struct pager *pg = arg;
	json_t *it;
	const char *ns, *name;
	char key[512];
	size_t i;

	pg->pages++;
	if (p->restarted) {
		pg->restarts++;
		json_object_clear(pg->names);
	}
	json_array_foreach(json_object_get(p->list, "items"), i, it) {
		ns = json_string_value(json_object_get(json_object_get(it, "metadata"),
		    "namespace"));
		name = json_string_value(json_object_get(json_object_get(it, "metadata"),
		    "name"));
		snprintf(key, sizeof(key), "%s/%s", ns ? ns : "", name ? name : "");
		if (json_object_get(pg->names, key) != NULL)
			pg->dups++;
		json_object_set_new(pg->names, key, json_true());
	}
	pg->total = p->items_total;
	if (pg->sleep_at_page != 0 && pg->pages == pg->sleep_at_page)
		usleep(pg->sleep_ms * 1000);	/* let the continue token expire */
	return 0;
}

static void
pager_done(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	kt_done(req, res, e, &((struct pager *)arg)->r);
}

static size_t
count_unpaged(const char *path)
{
	struct kt_result r;
	size_t n;

	raw_get(path, NULL, &r);
	wait_for(&r, 20000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	n = json_array_size(json_object_get(r.res, "items"));
	kt_result_clear(&r);
	return n;
}

START_TEST(test_sim_paging)
{
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct kube_opts o = { 0 };
	struct pager pg;
	size_t all;

	sim_up(NULL);
	client = client_sim();
	all = count_unpaged("/api/v1/pods");
	ck_assert_uint_ge(all, NPODS);
	memset(&pg, 0, sizeof(pg));
	pg.names = json_object();
	o.limit = 150;
	ck_assert_ptr_nonnull(kube_list(client, &pods, &o, on_page, pager_done, &pg, err,
	    sizeof(err)));
	wait_for(&pg.r, 30000);
	ck_assert_msg(pg.r.code == 0, "%s", pg.r.msg);
	ck_assert_uint_eq(pg.total, all);
	ck_assert_uint_eq(json_object_size(pg.names), all);	/* every pod exactly once */
	ck_assert_int_eq(pg.dups, 0);
	ck_assert_int_eq(pg.pages, (int)((all + 149) / 150));
	json_decref(pg.names);
	finish();
}
END_TEST

START_TEST(test_sim_expired_continue)
{
	struct sim_options so;
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct kube_opts o = { 0 };
	struct pager pg;
	size_t all;

	memset(&so, 0, sizeof(so));
	so.continue_ttl_s = kt_slow();
	sim_up(&so);
	client = client_sim();
	all = count_unpaged("/api/v1/pods");
	memset(&pg, 0, sizeof(pg));
	pg.names = json_object();
	pg.sleep_at_page = 3;
	pg.sleep_ms = kt_slow() * 1000 + 1100;
	o.limit = 500;
	ck_assert_ptr_nonnull(kube_list(client, &pods, &o, on_page, pager_done, &pg, err,
	    sizeof(err)));
	wait_for(&pg.r, 30000);
	ck_assert_msg(pg.r.code == 0, "%s", pg.r.msg);
	ck_assert_int_eq(pg.restarts, 1);
	ck_assert_uint_eq(pg.total, all);
	ck_assert_uint_eq(json_object_size(pg.names), all);
	ck_assert_int_eq(pg.dups, 0);
	json_decref(pg.names);
	finish();
}
END_TEST

/* ---- faults while a timer must keep its schedule ---- */

struct ticker {
	uv_timer_t	t;
	uint64_t	last, max_gap;
	int		ticks;
};

static void
on_tick(uv_timer_t *t)
{
	struct ticker *tk = t->data;
	uint64_t now = strata_now_ms();

	if (tk->last != 0 && now - tk->last > tk->max_gap)
		tk->max_gap = now - tk->last;
	tk->last = now;
	tk->ticks++;
}

static void
fault(const char *spec)
{
	ck_assert_msg(sim_fault_add(sim, spec, err, sizeof(err)) == 0, "%s: %s", spec, err);
}

START_TEST(test_sim_faults)
{
	struct kt_result r;
	struct kube_opts o = { 0 };
	struct ticker tk;
	uint64_t t0;

	sim_up(NULL);
	client = client_sim();
	memset(&tk, 0, sizeof(tk));
	uv_timer_init(&loop, &tk.t);
	tk.t.data = &tk;
	uv_timer_start(&tk.t, on_tick, 20, 20);

	fault("method=GET,path=/api/v1/nodes*,status=500,count=2");
	raw_get("/api/v1/nodes", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_int_eq(r.attempts, 3);
	kt_result_clear(&r);

	/* curl itself may re-send once on a reused connection that died: >= 2. */
	fault("method=GET,path=/api/v1/namespaces*,reset,count=2");
	raw_get("/api/v1/namespaces", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_int_ge(r.attempts, 2);
	kt_result_clear(&r);

	fault("path=/apis/apps/v1/deployments*,status=429,retry_after=1,count=1");
	t0 = strata_now_ms();
	raw_get("/apis/apps/v1/deployments", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_uint_ge(r.at_ms - t0, 950);
	ck_assert_int_eq(r.attempts, 2);
	kt_result_clear(&r);

	/* Persistent 503 without Retry-After: a clear error within the deadline. */
	fault("path=/apis/apps/v1/replicasets*,status=503");
	o.timeout_ms = 1500;
	t0 = strata_now_ms();
	raw_get("/apis/apps/v1/replicasets", &o, &r);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.http, 503);
	ck_assert_ptr_nonnull(strstr(r.msg, "HTTP 503"));
	ck_assert_uint_le(r.at_ms - t0, 1500 + 500 * kt_slow());
	kt_result_clear(&r);

	/* Latency past the deadline: -ETIMEDOUT, and the loop kept ticking. */
	fault("path=/api/v1/services*,latency_ms=3000");
	o.timeout_ms = 800;
	o.max_retries = -1;
	tk.max_gap = 0;
	t0 = strata_now_ms();
	raw_get("/api/v1/services", &o, &r);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.code, -ETIMEDOUT);
	ck_assert_uint_le(r.at_ms - t0, 2500 * kt_slow());
	kt_result_clear(&r);
	/* Latency within the deadline: the answer arrives. */
	sim_fault_clear(sim);
	fault("path=/api/v1/services*,latency_ms=300,count=1");
	o.timeout_ms = 5000;
	raw_get("/api/v1/services", &o, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_uint_ge(r.at_ms - t0, 300);
	kt_result_clear(&r);
	/*
	 * A loop blocked on the slow request would show a gap of the whole 800 ms deadline;
	 * 500 ms leaves room for a busy CI machine's scheduling without hiding that.
	 */
	ck_assert_msg(tk.max_gap < 500 * kt_slow(), "timer starved: gap %llu ms",
	    (unsigned long long)tk.max_gap);
	uv_timer_stop(&tk.t);
	uv_close((uv_handle_t *)&tk.t, NULL);
	finish();
}
END_TEST

START_TEST(test_sim_401)
{
	struct sim_options so;
	struct kt_result r;
	char *kc, buf[2048];

	memset(&so, 0, sizeof(so));
	so.token = "the-right-token";
	sim_up(&so);
	snprintf(buf, sizeof(buf),
	    "current-context: s\nclusters: [{name: s, cluster: {server: '%s'}}]\n"
	    "users: [{name: u, user: {token: not-the-right-token}}]\n"
	    "contexts: [{name: s, context: {cluster: s, user: u}}]\n", sim_url(sim));
	kc = kt_write(dir, "kc", buf);
	client = client_from(kc, NULL);
	raw_get("/api/v1/pods?limit=1", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, -EACCES);
	ck_assert_int_eq(r.http, 401);
	ck_assert_ptr_null(strstr(r.msg, "not-the-right-token"));
	finish();
	free(kc);
}
END_TEST

/* ---- TLS ---- */

static char *
tls_kubeconfig(const char *name, const char *cluster_extra, const char *user)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
	    "current-context: t\n"
	    "clusters: [{name: t, cluster: {server: '%s'%s}}]\n"
	    "users: [{name: u, user: {%s}}]\n"
	    "contexts: [{name: t, context: {cluster: t, user: u}}]\n",
	    sim_url(sim), cluster_extra, user);
	return kt_write(dir, name, buf);
}

static int
tls_try(const char *cluster_extra, const char *user, struct kt_result *r)
{
	static int n;
	char name[32], *kc;

	snprintf(name, sizeof(name), "kc-%d", n++);
	kc = tls_kubeconfig(name, cluster_extra, user);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	client = client_from(kc, NULL);
	raw_get("/api/v1/namespaces", NULL, r);
	wait_for(r, 10000);
	finish();
	free(kc);
	return r->code;
}

START_TEST(test_sim_tls)
{
	struct sim_options so;
	struct kt_result r;
	char cmd[PATH_MAX + 64], cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], tok[512];
	char extra[8192 + 128];

	snprintf(cmd, sizeof(cmd), "sh tests/kube/mk-tls.sh %s/tls", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cert, sizeof(cert), "%s/tls/server.crt", dir);
	snprintf(key, sizeof(key), "%s/tls/server.key", dir);
	snprintf(ca, sizeof(ca), "%s/tls/ca.crt", dir);
	memset(&so, 0, sizeof(so));
	so.tls_cert = cert;
	so.tls_key = key;
	so.client_ca = ca;
	sim_up(&so);
	ck_assert_int_eq(strncmp(sim_url(sim), "https://", 8), 0);
	snprintf(tok, sizeof(tok), "token: %s", sim_token(sim));
	uv_loop_close(&loop);	/* tls_try makes one loop per attempt */

	/* The right CA (path relative to the kubeconfig) + tls-server-name: accepted. */
	ck_assert_msg(tls_try(", certificate-authority: tls/ca.crt, "
	    "tls-server-name: sim.strata.test", tok, &r) == 0, "%s", r.msg);
	kt_result_clear(&r);
	/* The same without tls-server-name: the certificate names only sim.strata.test. */
	ck_assert_int_eq(tls_try(", certificate-authority: tls/ca.crt", tok, &r), -EPROTO);
	ck_assert_ptr_nonnull(strstr(r.msg, "/api/v1/namespaces"));
	/* A wrong CA: verification fails with a TLS error. */
	ck_assert_int_eq(tls_try(", certificate-authority: tls/wrong-ca.crt, "
	    "tls-server-name: sim.strata.test", tok, &r), -EPROTO);
	ck_assert_int_ne(r.curl_code, 0);
	/* insecure-skip-tls-verify: accepted whatever the certificate. */
	ck_assert_msg(tls_try(", insecure-skip-tls-verify: true", tok, &r) == 0, "%s", r.msg);
	kt_result_clear(&r);
	/* Client certificate, no token: authenticated by the certificate. */
	ck_assert_msg(tls_try(", certificate-authority: tls/ca.crt, "
	    "tls-server-name: sim.strata.test",
	    "client-certificate: tls/client.crt, client-key: tls/client.key", &r) == 0,
	    "%s", r.msg);
	kt_result_clear(&r);
	/* Neither token nor certificate: 401. */
	ck_assert_int_eq(tls_try(", insecure-skip-tls-verify: true", "", &r), -EACCES);
	ck_assert_int_eq(r.http, 401);
	/* CA as -data (base64 of the PEM) works like the path. */
	{
		FILE *p;
		char line[4096];
		size_t n;

		snprintf(cmd, sizeof(cmd), "base64 -w0 %s", ca);
		p = popen(cmd, "r");
		ck_assert_ptr_nonnull(p);
		n = fread(line, 1, sizeof(line) - 1, p);
		line[n] = '\0';
		pclose(p);
		snprintf(extra, sizeof(extra), ", certificate-authority-data: %s, "
		    "tls-server-name: sim.strata.test", line);
		ck_assert_msg(tls_try(extra, tok, &r) == 0, "%s", r.msg);
		kt_result_clear(&r);
	}
	ck_assert_int_eq(uv_loop_init(&loop), 0);	/* for the fixture's symmetry */
	uv_loop_close(&loop);
}
END_TEST

/* In-cluster: service-account files under STRATA_SA_ROOT, https to SERVICE_HOST:PORT. */
START_TEST(test_sim_in_cluster)
{
	struct sim_options so;
	struct kube_config_options co = { NULL, NULL, 0 };
	struct kube_config *cfg;
	struct kt_result r;
	char cmd[PATH_MAX + 64], cert[PATH_MAX], key[PATH_MAX], port[16];
	char sa[1024], cpcmd[2600];
	const char *colon;

	snprintf(cmd, sizeof(cmd), "sh tests/kube/mk-tls.sh %s/tls", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cert, sizeof(cert), "%s/tls/server-ip.crt", dir);
	snprintf(key, sizeof(key), "%s/tls/server-ip.key", dir);
	memset(&so, 0, sizeof(so));
	so.tls_cert = cert;
	so.tls_key = key;
	sim_up(&so);
	colon = strrchr(sim_url(sim), ':');
	snprintf(port, sizeof(port), "%s", colon + 1);
	snprintf(sa, sizeof(sa), "%s/sa", dir);
	ck_assert_int_eq(mkdir(sa, 0700), 0);
	kt_put(sa, "var/run/secrets/kubernetes.io/serviceaccount/token", sim_token(sim));
	kt_put(sa, "var/run/secrets/kubernetes.io/serviceaccount/namespace", "team-3\n");
	snprintf(cpcmd, sizeof(cpcmd), "cp %s/tls/ca.crt %s/var/run/secrets/kubernetes.io/"
	    "serviceaccount/ca.crt", dir, sa);
	ck_assert_int_eq(system(cpcmd), 0);
	setenv("STRATA_SA_ROOT", sa, 1);
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	setenv("HOME", dir, 1);		/* no ~/.kube/config: in-cluster is chosen */
	ck_assert_msg(kube_config_load(&co, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(kube_config_source(cfg), "in-cluster");
	ck_assert_str_eq(kube_config_namespace(cfg), "team-3");
	client = kube_client_new(&loop, cfg, NULL, err, sizeof(err));
	ck_assert_msg(client != NULL, "%s", err);
	raw_get("/api/v1/namespaces/team-3/pods?limit=2", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_int_eq((int)json_array_size(json_object_get(r.res, "items")), 2);
	kt_result_clear(&r);
	finish();
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("STRATA_SA_ROOT");
}
END_TEST

/* ---- exec plugin and concurrency ---- */

START_TEST(test_sim_exec_plugin)
{
	struct kt_result r;
	char cwd[1024], buf[8192], *kc;

	sim_up(NULL);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	kt_put(dir, "plugin-token", sim_token(sim));
	snprintf(buf, sizeof(buf),
	    "current-context: e\n"
	    "clusters: [{name: s, cluster: {server: '%s'}}]\n"
	    "users:\n"
	    "- name: x\n"
	    "  user:\n"
	    "    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1beta1\n"
	    "      command: %s/tests/kube/exec-plugin.sh\n"
	    "      env:\n"
	    "      - {name: COUNT_FILE, value: '%s/count'}\n"
	    "      - {name: TOKEN_SRC, value: '%s/plugin-token'}\n"
	    "      - {name: API_VERSION, value: client.authentication.k8s.io/v1beta1}\n"
	    "contexts: [{name: e, context: {cluster: s, user: x}}]\n",
	    sim_url(sim), cwd, dir, dir);
	kc = kt_write(dir, "kc", buf);
	client = client_from(kc, NULL);
	raw_get("/api/v1/namespaces", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	kt_result_clear(&r);
	finish();
	free(kc);
}
END_TEST

struct fleet {
	int	done, failed, wrong;
	char	first_err[512];
};

struct fleet_req {
	struct fleet	*f;
	char		 want[64];	/* the name the answer must carry */
};

static void
fleet_done(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	struct fleet_req *fr = arg;
	struct fleet *f = fr->f;
	const char *got;

	f->done++;
	if (e != NULL) {
		if (f->failed++ == 0 && f->wrong == 0)
			snprintf(f->first_err, sizeof(f->first_err), "%s", e->message);
		return;
	}
	got = json_string_value(json_object_get(json_object_get(res, "metadata"), "name"));
	if (got == NULL || strcmp(got, fr->want) != 0) {
		if (f->wrong++ == 0 && f->failed == 0)
			snprintf(f->first_err, sizeof(f->first_err), "asked for %s, got %s",
			    fr->want, got ? got : "(no name)");
	}
}

/*
 * 200 GETs in flight at once, of paths of different shapes (namespaces, nodes,
 * namespaced pods), each answer checked against the name asked for: the simulator
 * serves connections on several threads, and anything they share without a lock
 * (it once split paths with strtok) shows up here as a 404 or a wrong object.
 */
START_TEST(test_sim_200_concurrent)
{
	static struct fleet_req reqs[200];
	struct kube_ref ref;
	struct fleet f;
	char ns[32];
	uint64_t end, t0;
	int i;

	sim_up(NULL);
	client = client_sim();
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 200; i++) {
		reqs[i].f = &f;
		switch (i % 3) {
		case 0:
			if (i % 2 == 0)
				snprintf(reqs[i].want, sizeof(reqs[i].want), "default");
			else
				snprintf(reqs[i].want, sizeof(reqs[i].want), "team-%d", i % 5);
			ref = KUBE_REF_NAMESPACE(reqs[i].want);
			break;
		case 1:
			snprintf(reqs[i].want, sizeof(reqs[i].want), "worker-%d", i % 6);
			ref = KUBE_REF_NODE(reqs[i].want);
			break;
		default:
			snprintf(reqs[i].want, sizeof(reqs[i].want), "pod-%05d", i % NPODS);
			snprintf(ns, sizeof(ns), "team-%d", (i % NPODS) % 5);
			ref = KUBE_REF_POD(ns, reqs[i].want);
			break;
		}
		ck_assert_ptr_nonnull(kube_get(client, &ref, NULL, fleet_done, &reqs[i], err,
		    sizeof(err)));
	}
	ck_assert_int_eq((int)kube_client_pending(client), 200);
	t0 = strata_now_ms();
	end = t0 + 30000 * kt_slow();
	while (f.done < 200 && strata_now_ms() < end)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(f.done, 200);
	fprintf(stderr, "kube_sim: 200 concurrent GETs: %llu ms\n",
	    (unsigned long long)(strata_now_ms() - t0));
	ck_assert_msg(f.failed == 0 && f.wrong == 0, "%d failed, %d wrong: %s", f.failed,
	    f.wrong, f.first_err);
	finish();
}
END_TEST

static Suite *
kube_sim_suite(void)
{
	Suite *s = suite_create("kube_sim");
	TCase *tc = tcase_create("sim");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sim_verbs);
	tcase_add_test(tc, test_sim_paging);
	tcase_add_test(tc, test_sim_expired_continue);
	tcase_add_test(tc, test_sim_faults);
	tcase_add_test(tc, test_sim_401);
	tcase_add_test(tc, test_sim_tls);
	tcase_add_test(tc, test_sim_in_cluster);
	tcase_add_test(tc, test_sim_exec_plugin);
	tcase_add_test(tc, test_sim_200_concurrent);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(kube_sim_suite)
