/*
 * The client against a libmicrohttpd stand-in whose behaviour the test controls
 * exactly (tests/kube/fakeapi.h): request building for every verb, 401 handling,
 * paging with an expired continue token, retries and deadlines under injected faults
 * while a concurrent timer keeps its schedule, cancellation, caps, exec plugins, token
 * file rotation, 200 concurrent requests and no fd/handle leaks after 10,000 requests.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "../kube/fakeapi.h"
#include "../kube/kubetest.h"

#define TOKEN	"tok-1-sEcReT"
#define NPODS	2500

static struct fakeapi *fa;
static char *dir;
static char *kcpath;
static uv_loop_t loop;
static struct kube_client *client;
static char err[1024];

static char *
write_kubeconfig(const char *user_yaml)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
	    "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
	    "clusters:\n- name: fake\n  cluster: {server: 'http://127.0.0.1:%u'}\n"
	    "users:\n- name: u\n  user:\n%s\n"
	    "contexts:\n- name: fake\n  context: {cluster: fake, user: u, namespace: ns1}\n",
	    fa->port, user_yaml);
	return kt_write(dir, "kubeconfig", buf);
}

static struct kube_client *
client_with(const char *user_yaml, const struct kube_client_options *co)
{
	struct kube_config_options o = { NULL, NULL, 0 };
	struct kube_config *cfg;
	struct kube_client *c;

	free(kcpath);
	kcpath = write_kubeconfig(user_yaml);
	o.kubeconfig = kcpath;
	ck_assert_msg(kube_config_load(&o, &cfg, err, sizeof(err)) == 0, "%s", err);
	c = kube_client_new(&loop, cfg, co, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

static void
setup(void)
{
	unsetenv("KUBECONFIG");
	dir = kt_tmpdir();
	fa = fakeapi_start(TOKEN, NPODS);
	ck_assert_ptr_nonnull(fa);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	kcpath = NULL;
	client = NULL;
}

static void
teardown(void)
{
	fakeapi_stop(fa);
	kt_rmrf(dir);
	free(dir);
	free(kcpath);
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

/* ---- request building ---- */

START_TEST(test_verbs_build_requests)
{
	struct kt_result r = { 0 };
	struct kube_opts o = { 0 };
	struct kube_ref pod = KUBE_REF_POD("ns1", "p1");
	struct kube_ref dep = KUBE_REF_DEPLOYMENT("ns1", "web");
	json_t *body, *q;

	client = client_with("    token: " TOKEN, NULL);
	/* GET with selectors. */
	o.label_selector = "app=web,tier!=db";
	o.field_selector = "spec.nodeName=node-1";
	ck_assert_ptr_nonnull(kube_get(client, &pod, &o, kt_done, &r, err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "method")), "GET");
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "path")),
	    "/api/v1/namespaces/ns1/pods/p1");
	q = json_object_get(r.res, "query");
	ck_assert_str_eq(json_string_value(json_object_get(q, "labelSelector")),
	    "app=web,tier!=db");
	ck_assert_str_eq(json_string_value(json_object_get(q, "fieldSelector")),
	    "spec.nodeName=node-1");
	ck_assert_str_eq(fa->last_auth, "Bearer " TOKEN);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r.res,
	    "acceptEncoding")), "gzip"));
	kt_result_clear(&r);

	/* POST with dryRun=All; 201 is success. */
	memset(&o, 0, sizeof(o));
	o.dry_run = 1;
	o.field_manager = "strata";
	body = json_pack("{s:s, s:{s:s}}", "kind", "Pod", "metadata", "name", "p2");
	pod.name = NULL;
	ck_assert_ptr_nonnull(kube_create(client, &pod, body, &o, kt_done, &r, err,
	    sizeof(err)));
	json_decref(body);
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "method")), "POST");
	q = json_object_get(r.res, "query");
	ck_assert_str_eq(json_string_value(json_object_get(q, "dryRun")), "All");
	ck_assert_str_eq(json_string_value(json_object_get(q, "fieldManager")), "strata");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
	    r.res, "body"), "metadata"), "name")), "p2");
	kt_result_clear(&r);

	/* The three patch content types. */
	{
		static const struct { enum kube_patch_type t; const char *ct; } pt[] = {
			{ KUBE_PATCH_MERGE, "application/merge-patch+json" },
			{ KUBE_PATCH_STRATEGIC, "application/strategic-merge-patch+json" },
			{ KUBE_PATCH_JSON, "application/json-patch+json" },
		};
		size_t i;

		for (i = 0; i < 3; i++) {
			body = pt[i].t == KUBE_PATCH_JSON ?
			    json_pack("[{s:s, s:s, s:i}]", "op", "replace", "path",
			    "/spec/replicas", "value", 3) :
			    json_pack("{s:{s:i}}", "spec", "replicas", 3);
			ck_assert_ptr_nonnull(kube_patch(client, &dep, pt[i].t, body, NULL,
			    kt_done, &r, err, sizeof(err)));
			json_decref(body);
			wait_for(&r, 5000);
			ck_assert_int_eq(r.code, 0);
			ck_assert_str_eq(json_string_value(json_object_get(r.res, "method")),
			    "PATCH");
			ck_assert_str_eq(json_string_value(json_object_get(r.res,
			    "contentType")), pt[i].ct);
			kt_result_clear(&r);
		}
		/* A JSON patch must be an array: refused before any I/O. */
		body = json_object();
		ck_assert_ptr_null(kube_patch(client, &dep, KUBE_PATCH_JSON, body, NULL,
		    kt_done, &r, err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, "array"));
		json_decref(body);
	}

	/* DELETE with preconditions carries DeleteOptions. */
	body = json_pack("{s:s}", "uid", "u-123");
	pod.name = "p1";
	ck_assert_ptr_nonnull(kube_delete(client, &pod, body, NULL, kt_done, &r, err,
	    sizeof(err)));
	json_decref(body);
	wait_for(&r, 5000);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "method")), "DELETE");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
	    r.res, "body"), "preconditions"), "uid")), "u-123");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r.res, "body"),
	    "kind")), "DeleteOptions");
	kt_result_clear(&r);

	/* Eviction (dry run inside deleteOptions) and scale. */
	memset(&o, 0, sizeof(o));
	o.dry_run = 1;
	ck_assert_ptr_nonnull(kube_evict(client, "ns1", "p1", &o, kt_done, &r, err,
	    sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "path")),
	    "/api/v1/namespaces/ns1/pods/p1/eviction");
	body = json_object_get(r.res, "body");
	ck_assert_str_eq(json_string_value(json_object_get(body, "kind")), "Eviction");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(
	    body, "deleteOptions"), "dryRun"), 0)), "All");
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_scale(client, &dep, 5, NULL, kt_done, &r, err,
	    sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "path")),
	    "/apis/apps/v1/namespaces/ns1/deployments/web/scale");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(
	    r.res, "body"), "spec"), "replicas")), 5);
	kt_result_clear(&r);

	/* Invalid reference: refused synchronously, callback never called. */
	pod.name = "a/b";
	ck_assert_ptr_null(kube_get(client, &pod, NULL, kt_done, &r, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "invalid resource reference"));
	ck_assert_int_eq(r.done, 0);
	finish();
}
END_TEST

START_TEST(test_bearer_401)
{
	struct kt_result r = { 0 };

	client = client_with("    token: wrong-" TOKEN, NULL);
	ck_assert_ptr_nonnull(kube_request_raw(client, "GET", "/api", NULL, NULL, NULL,
	    kt_done, &r, err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, -EACCES);
	ck_assert_int_eq(r.http, 401);
	ck_assert_str_eq(r.reason, "Unauthorized");
	ck_assert_ptr_null(strstr(r.msg, TOKEN));
	ck_assert_int_eq(r.attempts, 1);	/* a static token cannot be refreshed */
	finish();
}
END_TEST

/* ---- paging ---- */

struct pager {
	int	 pages, max_items_per_page, restarts, stop_after, expire_at;
	size_t	 total;
	char	 first[32], last[32];
	struct kt_result r;
};

static int
on_page(struct kube_request *req, const struct kube_page *p, void *arg)
{
	struct pager *pg = arg;
	json_t *items = json_object_get(p->list, "items");
	int n = (int)json_array_size(items);

	pg->pages++;
	if (p->restarted)
		pg->restarts++;
	if (n > pg->max_items_per_page)
		pg->max_items_per_page = n;
	pg->total = p->items_total;
	if (p->index == 0 && n > 0)
		snprintf(pg->first, sizeof(pg->first), "%s", json_string_value(json_object_get(
		    json_object_get(json_array_get(items, 0), "metadata"), "name")));
	if (n > 0)
		snprintf(pg->last, sizeof(pg->last), "%s", json_string_value(json_object_get(
		    json_object_get(json_array_get(items, (size_t)n - 1), "metadata"), "name")));
	if (pg->expire_at != 0 && pg->pages == pg->expire_at) {
		pthread_mutex_lock(&fa->mu);
		fa->cont_gen++;		/* every outstanding continue token is now too old */
		pthread_mutex_unlock(&fa->mu);
	}
	return pg->stop_after != 0 && pg->pages >= pg->stop_after;
}

static void
pager_done(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	kt_done(req, res, e, &((struct pager *)arg)->r);
}

START_TEST(test_list_paging)
{
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct kube_opts o = { 0 };
	struct pager pg;

	client = client_with("    token: " TOKEN, NULL);
	o.limit = 100;
	memset(&pg, 0, sizeof(pg));
	ck_assert_ptr_nonnull(kube_list(client, &pods, &o, on_page, pager_done, &pg, err,
	    sizeof(err)));
	wait_for(&pg.r, 20000);
	ck_assert_msg(pg.r.code == 0, "%s", pg.r.msg);
	ck_assert_int_eq(pg.pages, NPODS / 100);
	ck_assert_int_eq((int)pg.total, NPODS);
	ck_assert_int_eq(pg.max_items_per_page, 100);
	ck_assert_str_eq(pg.first, "pod-000000");
	ck_assert_str_eq(pg.last, "pod-002499");
	ck_assert_ptr_null(pg.r.res);

	/* The page callback can stop the list. */
	memset(&pg, 0, sizeof(pg));
	pg.stop_after = 3;
	ck_assert_ptr_nonnull(kube_list(client, &pods, &o, on_page, pager_done, &pg, err,
	    sizeof(err)));
	wait_for(&pg.r, 20000);
	ck_assert_int_eq(pg.r.code, 0);
	ck_assert_int_eq(pg.pages, 3);

	/* An expired continue (410) restarts from the first page, flagged. */
	memset(&pg, 0, sizeof(pg));
	pg.expire_at = 5;
	o.limit = 250;
	ck_assert_ptr_nonnull(kube_list(client, &pods, &o, on_page, pager_done, &pg, err,
	    sizeof(err)));
	wait_for(&pg.r, 20000);
	ck_assert_msg(pg.r.code == 0, "%s", pg.r.msg);
	ck_assert_int_eq(pg.restarts, 1);
	ck_assert_int_eq(pg.pages, 5 + NPODS / 250);
	ck_assert_int_eq((int)pg.total, NPODS);	/* counted again from the restart */
	ck_assert_str_eq(pg.last, "pod-002499");
	finish();
}
END_TEST

/* ---- faults, deadlines, a responsive loop ---- */

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
ticker_start(struct ticker *tk)
{
	memset(tk, 0, sizeof(*tk));
	uv_timer_init(&loop, &tk->t);
	tk->t.data = tk;
	uv_timer_start(&tk->t, on_tick, 20, 20);
}

static void
ticker_stop(struct ticker *tk)
{
	uv_timer_stop(&tk->t);
	uv_close((uv_handle_t *)&tk->t, NULL);
}

static void
raw_get(const char *path, const struct kube_opts *o, struct kt_result *r)
{
	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(kube_request_raw(client, "GET", path, NULL, NULL, o, kt_done, r,
	    err, sizeof(err)));
}

START_TEST(test_faults_retry_and_deadline)
{
	struct kt_result r;
	struct kube_opts o = { 0 };
	struct ticker tk;
	uint64_t t0;

	client = client_with("    token: " TOKEN, NULL);
	ticker_start(&tk);
	/* Two 500s, then success. */
	fakeapi_fault(fa, "GET", "/version", 2, 500, 0, 0, 0);
	raw_get("/version", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "gitVersion")),
	    "v1.30.0-fake");
	kt_result_clear(&r);
	/* Two connection resets, then success. */
	fakeapi_fault(fa, "GET", "/version", 2, 0, 0, 0, 1);
	raw_get("/version", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	kt_result_clear(&r);
	/* 429 with Retry-After: 1 is honoured (the answer comes after ~1 s). */
	fakeapi_fault(fa, "GET", "/api", 1, 429, 1, 0, 0);
	t0 = strata_now_ms();
	raw_get("/api", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_uint_ge(r.at_ms - t0, 950);
	kt_result_clear(&r);
	/* A persistent 500 ends with a clear error within the deadline. */
	fakeapi_fault(fa, "GET", "/apis", -1, 500, 0, 0, 0);
	o.timeout_ms = 1500;
	t0 = strata_now_ms();
	raw_get("/apis", &o, &r);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.code, -EIO);
	ck_assert_int_eq(r.http, 500);
	ck_assert_msg(strstr(r.msg, "HTTP 500") && strstr(r.msg, "injected fault"), "%s",
	    r.msg);
	ck_assert_uint_le(r.at_ms - t0, 1500 + 500 * kt_slow());
	ck_assert_int_ge(r.attempts, 2);
	kt_result_clear(&r);
	/* POST is not idempotent: a 500 is reported at once. */
	fakeapi_fault(fa, "POST", "/api/v1/namespaces/x/configmaps", -1, 500, 0, 0, 0);
	{
		json_t *cm = json_pack("{s:s}", "kind", "ConfigMap");
		struct kube_ref ref = { "", "v1", "configmaps", "x", NULL, NULL };

		memset(&r, 0, sizeof(r));
		ck_assert_ptr_nonnull(kube_create(client, &ref, cm, NULL, kt_done, &r, err,
		    sizeof(err)));
		json_decref(cm);
		wait_for(&r, 10000);
		ck_assert_int_eq(r.http, 500);
		ck_assert_int_eq(r.attempts, 1);
	}
	/* Latency beyond the deadline: -ETIMEDOUT on time, loop stays responsive. */
	fakeapi_fault(fa, "GET", "/slow", -1, 0, 0, 3000, 0);
	o.timeout_ms = 1000;
	o.max_retries = -1;
	t0 = strata_now_ms();
	tk.max_gap = 0;
	raw_get("/slow", &o, &r);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.code, -ETIMEDOUT);
	ck_assert_uint_ge(r.at_ms - t0, 900);
	ck_assert_uint_le(r.at_ms - t0, 2500 * kt_slow());
	/*
	 * A loop blocked on the slow request would show a gap of the whole 1000 ms deadline;
	 * 500 ms leaves room for a busy CI machine's scheduling without hiding that.
	 */
	ck_assert_msg(tk.max_gap < 500 * kt_slow(), "timer starved: gap %llu ms",
	    (unsigned long long)tk.max_gap);
	ck_assert_int_gt(tk.ticks, 20);
	ticker_stop(&tk);
	finish();
}
END_TEST

START_TEST(test_connection_refused)
{
	struct kt_result r;
	struct kube_opts o = { 0 };

	client = client_with("    token: " TOKEN, NULL);
	fakeapi_stop(fa);	/* nobody listens on the port any more */
	o.timeout_ms = 1200;
	raw_get("/version", &o, &r);
	fa = fakeapi_start(TOKEN, 0);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.code, -ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(r.msg, "/version"));
	ck_assert_int_ge(r.attempts, 2);
	finish();
}
END_TEST

/* ---- cancel ---- */

struct canceller {
	struct kube_request	*victim;
	struct kt_result	 r;
};

static void
cancel_other(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	struct canceller *cc = arg;

	kube_request_cancel(cc->victim);	/* from inside a completion callback */
	kt_done(req, res, e, &cc->r);
}

static void
cancel_timer_cb(uv_timer_t *t)
{
	kube_request_cancel(t->data);
}

START_TEST(test_cancel)
{
	struct kt_result slow1, slow2;
	struct canceller cc;
	uv_timer_t t;
	uint64_t t0;

	client = client_with("    token: " TOKEN, NULL);
	fakeapi_fault(fa, "GET", "/slow", -1, 0, 0, 2500, 0);
	memset(&slow1, 0, sizeof(slow1));
	memset(&slow2, 0, sizeof(slow2));
	memset(&cc, 0, sizeof(cc));
	t0 = strata_now_ms();
	uv_timer_init(&loop, &t);
	t.data = kube_request_raw(client, "GET", "/slow", NULL, NULL, NULL, kt_done, &slow1,
	    err, sizeof(err));
	uv_timer_start(&t, cancel_timer_cb, 100, 0);
	cc.victim = kube_request_raw(client, "GET", "/slow", NULL, NULL, NULL, kt_done,
	    &slow2, err, sizeof(err));
	ck_assert_ptr_nonnull(kube_request_raw(client, "GET", "/version", NULL, NULL, NULL,
	    cancel_other, &cc, err, sizeof(err)));
	ck_assert_int_eq((int)kube_client_pending(client), 3);
	ck_assert(kt_run_until(&loop, &slow1.done, 5000));
	ck_assert(kt_run_until(&loop, &slow2.done, 5000));
	ck_assert_int_eq(slow1.code, -ECANCELED);
	ck_assert_msg(slow2.code == -ECANCELED, "code %d done %d at %llu msg %s", slow2.code,
	    slow2.done, (unsigned long long)(slow2.at_ms - t0), slow2.msg);
	ck_assert_int_eq(cc.r.code, 0);
	ck_assert_uint_lt(slow1.at_ms - t0, 1500 * kt_slow());
	ck_assert_uint_lt(slow2.at_ms - t0, 1500 * kt_slow());
	kt_result_clear(&cc.r);
	ck_assert_int_eq((int)kube_client_pending(client), 0);
	uv_close((uv_handle_t *)&t, NULL);
	/* Closing the client completes what is still pending with -ECANCELED. */
	memset(&slow1, 0, sizeof(slow1));
	raw_get("/slow", NULL, &slow1);
	kube_client_close(client);
	client = NULL;
	ck_assert_int_eq(slow1.done, 1);
	ck_assert_int_eq(slow1.code, -ECANCELED);
	finish();
}
END_TEST

/* Closing the client from inside a completion callback and from a page callback. */
struct closer {
	int			 done, others_cancelled;
	struct kube_client	*c;
};

static void
close_in_cb(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	struct closer *cl = arg;

	cl->done++;
	if (cl->c != NULL) {
		kube_client_close(cl->c);	/* others complete now, with -ECANCELED */
		cl->c = NULL;
	}
}

static void
count_cancel(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	struct closer *cl = arg;

	if (e != NULL && e->code == -ECANCELED)
		cl->others_cancelled++;
}

static int
close_in_page(struct kube_request *req, const struct kube_page *p, void *arg)
{
	struct closer *cl = arg;

	if (cl->c != NULL) {
		kube_client_close(cl->c);
		cl->c = NULL;
	}
	return 0;
}

static void
list_closed_done(struct kube_request *req, json_t *res, const struct kube_error *e,
    void *arg)
{
	struct closer *cl = arg;

	cl->done++;
	if (e != NULL && e->code == -ECANCELED)
		cl->others_cancelled++;
}

START_TEST(test_close_from_callbacks)
{
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct kube_opts o = { 0 };
	struct closer cl;
	int i;

	client = client_with("    token: " TOKEN, NULL);
	fakeapi_fault(fa, "GET", "/slow", -1, 0, 0, 1500, 0);
	memset(&cl, 0, sizeof(cl));
	cl.c = client;
	for (i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(kube_request_raw(client, "GET", "/slow", NULL, NULL, NULL,
		    count_cancel, &cl, err, sizeof(err)));
	ck_assert_ptr_nonnull(kube_request_raw(client, "GET", "/version", NULL, NULL, NULL,
	    close_in_cb, &cl, err, sizeof(err)));
	ck_assert(kt_run_until(&loop, &cl.done, 5000));
	ck_assert_int_eq(cl.others_cancelled, 5);
	client = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(kt_count_handles(&loop), 0);

	/* From a page callback: the list itself completes with -ECANCELED. */
	client = client_with("    token: " TOKEN, NULL);
	memset(&cl, 0, sizeof(cl));
	cl.c = client;
	o.limit = 10;
	ck_assert_ptr_nonnull(kube_list(client, &pods, &o, close_in_page, list_closed_done,
	    &cl, err, sizeof(err)));
	ck_assert(kt_run_until(&loop, &cl.done, 5000));
	ck_assert_int_eq(cl.others_cancelled, 1);
	client = NULL;
	finish();
}
END_TEST

/* ---- caps and bad bodies ---- */

START_TEST(test_caps_and_bad_json)
{
	struct kube_client_options co = { 0 };
	struct kt_result r;

	co.max_body = 100 * 1024;
	client = client_with("    token: " TOKEN, &co);
	raw_get("/big", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, -E2BIG);
	ck_assert_ptr_nonnull(strstr(r.msg, "cap"));
	raw_get("/notjson", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, -EBADMSG);
	finish();
}
END_TEST

/* proxy-url: the request goes to the proxy, in absolute form, for the real server. */
START_TEST(test_proxy_url)
{
	struct kube_config_options o = { NULL, NULL, 0 };
	struct kube_config *cfg;
	struct kt_result r;
	char buf[1024];

	snprintf(buf, sizeof(buf),
	    "current-context: p\n"
	    "clusters: [{name: p, cluster: {server: 'http://kube.strata.invalid:6443', "
	    "proxy-url: 'http://127.0.0.1:%u'}}]\n"
	    "users: [{name: u, user: {token: " TOKEN "}}]\n"
	    "contexts: [{name: p, context: {cluster: p, user: u}}]\n", fa->port);
	kcpath = kt_write(dir, "kc-proxy", buf);
	o.kubeconfig = kcpath;
	ck_assert_msg(kube_config_load(&o, &cfg, err, sizeof(err)) == 0, "%s", err);
	client = kube_client_new(&loop, cfg, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(client);
	raw_get("/apis/x/v1", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "host")),
	    "kube.strata.invalid:6443");
	finish();
	kt_result_clear(&r);
}
END_TEST

/* ---- discovery and the cluster check ---- */

START_TEST(test_discovery)
{
	struct kt_result r;

	client = client_with("    token: " TOKEN, NULL);
	memset(&r, 0, sizeof(r));
	ck_assert_ptr_nonnull(kube_discover_group(client, "apps", "v1", kt_done, &r, err,
	    sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, 0);
	ck_assert(json_is_true(json_object_get(r.res, "present")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.res,
	    "resources"), 0)), "deployments");
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_discover_group(client, "argoproj.io", NULL, kt_done, &r,
	    err, sizeof(err)));
	wait_for(&r, 5000);
	ck_assert_int_eq(r.code, 0);
	ck_assert(json_is_false(json_object_get(r.res, "present")));
	kt_result_clear(&r);
	ck_assert_ptr_nonnull(kube_discover_group(client, "apps", "v2", kt_done, &r, err,
	    sizeof(err)));
	wait_for(&r, 5000);
	ck_assert(json_is_false(json_object_get(r.res, "present")));
	ck_assert_str_eq(json_string_value(json_object_get(r.res, "preferredVersion")), "v1");
	kt_result_clear(&r);
	finish();
}
END_TEST

START_TEST(test_check_cluster)
{
	struct kube_config_options o = { NULL, NULL, 0 };

	kcpath = write_kubeconfig("    token: " TOKEN);
	o.kubeconfig = kcpath;
	ck_assert_int_eq(kube_check_cluster(&o, 5000), 0);
	free(kcpath);
	kcpath = write_kubeconfig("    token: not-the-token");
	o.kubeconfig = kcpath;
	ck_assert_int_eq(kube_check_cluster(&o, 5000), 1);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* ---- exec plugin and token rotation ---- */

static char *
exec_user(const char *extra_env)
{
	char cwd[1024], buf[8192];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	kt_put(dir, "plugin-token", TOKEN);
	snprintf(buf, sizeof(buf),
	    "    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: %s/tests/kube/exec-plugin.sh\n"
	    "      args: [--flag, value]\n"
	    "      interactiveMode: Never\n"
	    "      provideClusterInfo: true\n"
	    "      env:\n"
	    "      - {name: COUNT_FILE, value: '%s/count'}\n"
	    "      - {name: TOKEN_SRC, value: '%s/plugin-token'}\n"
	    "%s",
	    cwd, dir, dir, extra_env != NULL ? extra_env : "");
	return strdup(buf);
}

static int
plugin_runs(void)
{
	char p[PATH_MAX];
	FILE *f;
	int n = 0;

	snprintf(p, sizeof(p), "%s/count", dir);
	if ((f = fopen(p, "r")) != NULL) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static char *
slurp(const char *name)
{
	char p[PATH_MAX];
	static char buf[4096];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	buf[0] = '\0';
	if ((f = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

START_TEST(test_exec_plugin_cache_expiry_401)
{
	struct kt_result r[3];
	char *user = exec_user("      - {name: EXPIRE_IN, value: '2'}\n");
	int i;

	client = client_with(user, NULL);
	free(user);
	/* Three concurrent requests share one plugin run. */
	for (i = 0; i < 3; i++)
		raw_get("/api", NULL, &r[i]);
	for (i = 0; i < 3; i++) {
		wait_for(&r[i], 10000);
		ck_assert_msg(r[i].code == 0, "%s", r[i].msg);
		kt_result_clear(&r[i]);
	}
	ck_assert_int_eq(plugin_runs(), 1);
	ck_assert_ptr_nonnull(strstr(slurp("count.info"), "\"interactive\":false"));
	ck_assert_ptr_nonnull(strstr(slurp("count.info"), "client.authentication.k8s.io/v1"));
	ck_assert_ptr_nonnull(strstr(slurp("count.info"), "\"server\":\"http://127.0.0.1:"));
	ck_assert_str_eq(slurp("count.stdin"), "/dev/null\n");	/* stdin not inherited */
	ck_assert_str_eq(slurp("count.args"), "--flag value\n");
	/* Cached: another request, no new run. */
	raw_get("/api", NULL, &r[0]);
	wait_for(&r[0], 10000);
	ck_assert_int_eq(r[0].code, 0);
	kt_result_clear(&r[0]);
	ck_assert_int_eq(plugin_runs(), 1);
	/* Expired (2 s): re-run. */
	sleep(3);
	raw_get("/api", NULL, &r[0]);
	wait_for(&r[0], 10000);
	ck_assert_int_eq(r[0].code, 0);
	kt_result_clear(&r[0]);
	ck_assert_int_eq(plugin_runs(), 2);
	/* The server rotates: 401 → plugin re-run once → the request succeeds. */
	fakeapi_set_token(fa, "tok-2");
	kt_put(dir, "plugin-token", "tok-2");
	raw_get("/api", NULL, &r[0]);
	wait_for(&r[0], 10000);
	ck_assert_msg(r[0].code == 0, "%s", r[0].msg);
	ck_assert_int_eq(r[0].attempts, 2);
	kt_result_clear(&r[0]);
	ck_assert_int_eq(plugin_runs(), 3);
	/* A plugin that keeps producing a rejected token: one re-run, then the 401. */
	kt_put(dir, "plugin-token", "tok-bad");
	fakeapi_set_token(fa, "tok-3");
	raw_get("/api", NULL, &r[0]);
	wait_for(&r[0], 10000);
	ck_assert_int_eq(r[0].http, 401);
	ck_assert_int_eq(plugin_runs(), 4);
	finish();
}
END_TEST

START_TEST(test_exec_plugin_failures)
{
	struct kube_client_options co = { 0 };
	struct kt_result r;
	char *user;
	uint64_t t0;

	user = exec_user("      - {name: MODE, value: fail}\n");
	client = client_with(user, NULL);
	free(user);
	raw_get("/api", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.code, -EACCES);
	ck_assert_msg(strstr(r.msg, "exited with status 3"), "%s", r.msg);
	finish();

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	user = exec_user("      - {name: MODE, value: garbage}\n");
	client = client_with(user, NULL);
	free(user);
	raw_get("/api", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(strstr(r.msg, "not an ExecCredential"), "%s", r.msg);
	finish();

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	user = exec_user("      - {name: API_VERSION, value: client.authentication.k8s.io/v1beta1}\n");
	client = client_with(user, NULL);
	free(user);
	raw_get("/api", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(strstr(r.msg, "does not match"), "%s", r.msg);
	finish();

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	client = client_with(
	    "    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: /nonexistent/get-token\n"
	    "      interactiveMode: IfAvailable\n"
	    "      installHint: 'install get-token from the vendor'\n", NULL);
	raw_get("/api", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_int_eq(r.code, -EACCES);
	ck_assert_msg(strstr(r.msg, "cannot start") && strstr(r.msg, "/nonexistent/get-token") &&
	    strstr(r.msg, "install get-token from the vendor"), "%s", r.msg);
	finish();

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	user = exec_user("      - {name: MODE, value: hang}\n");
	co.exec_timeout_ms = 500;
	client = client_with(user, &co);
	free(user);
	t0 = strata_now_ms();
	raw_get("/api", NULL, &r);
	wait_for(&r, 10000);
	ck_assert_msg(strstr(r.msg, "no answer within 500 ms"), "%s", r.msg);
	ck_assert_uint_lt(r.at_ms - t0, 3000 * kt_slow());
	finish();
}
END_TEST

START_TEST(test_token_file_rotation)
{
	struct kt_result r;
	char user[PATH_MAX + 64];

	kt_put(dir, "token", TOKEN "\n");
	snprintf(user, sizeof(user), "    tokenFile: %s/token", dir);
	client = client_with(user, NULL);
	raw_get("/api", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	kt_result_clear(&r);
	/* Rotation: the file changes, the server only accepts the new token. */
	kt_put(dir, "token", "rotated-token\n");
	fakeapi_set_token(fa, "rotated-token");
	raw_get("/api", NULL, &r);
	wait_for(&r, 5000);
	ck_assert_msg(r.code == 0, "%s", r.msg);
	ck_assert_int_eq(r.attempts, 2);	/* 401, re-read, success */
	ck_assert_str_eq(fa->last_auth, "Bearer rotated-token");
	kt_result_clear(&r);
	finish();
}
END_TEST

/* ---- scale: concurrency and leaks ---- */

struct fleet {
	int	started, done, failed, target, inflight_max, inflight;
	char	first_err[512];
};

static void fleet_next(struct fleet *f);

static void
fleet_done(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	struct fleet *f = arg;

	f->done++;
	f->inflight--;
	if (e != NULL && f->failed++ == 0)
		snprintf(f->first_err, sizeof(f->first_err), "%s", e->message);
	if (f->started < f->target)
		fleet_next(f);
}

static void
fleet_next(struct fleet *f)
{
	char e[256];

	f->started++;
	f->inflight++;
	if (f->inflight > f->inflight_max)
		f->inflight_max = f->inflight;
	ck_assert_ptr_nonnull(kube_request_raw(client, "GET", "/version", NULL, NULL, NULL,
	    fleet_done, f, e, sizeof(e)));
}

/* Runs the loop until `total` requests of the fleet completed or ms passed. */
static void
fleet_wait(struct fleet *f, int total, unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;

	while (f->done < total && strata_now_ms() < end)
		uv_run(&loop, UV_RUN_ONCE);
}

START_TEST(test_200_concurrent)
{
	struct fleet f;
	int i;

	client = client_with("    token: " TOKEN, NULL);
	memset(&f, 0, sizeof(f));
	f.target = 200;
	for (i = 0; i < 200; i++)
		fleet_next(&f);
	ck_assert_int_eq((int)kube_client_pending(client), 200);
	fleet_wait(&f, 200, 20000);
	ck_assert_int_eq(f.done, 200);
	ck_assert_msg(f.failed == 0, "%s", f.first_err);
	ck_assert_int_eq((int)kube_client_pending(client), 0);
	ck_assert_int_eq(f.inflight_max, 200);
	finish();
}
END_TEST

START_TEST(test_no_leaks_10000)
{
	struct fleet f;
	int fds0, i;
	uint64_t t0;

	fds0 = kt_count_fds();
	t0 = strata_now_ms();
	client = client_with("    token: " TOKEN, NULL);
	memset(&f, 0, sizeof(f));
	f.target = 10000;
	for (i = 0; i < 50; i++)
		fleet_next(&f);
	fleet_wait(&f, 10000, 60000);
	ck_assert_int_eq(f.done, 10000);
	fprintf(stderr, "kube_client: 10000 requests, 50 in flight: %llu ms\n",
	    (unsigned long long)(strata_now_ms() - t0));
	ck_assert_msg(f.failed == 0, "%s", f.first_err);
	kube_client_close(client);
	client = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(kt_count_handles(&loop), 0);
	/* Every connection closed (the server threads close their ends a bit later). */
	for (i = 0; i < 100 && kt_count_fds() != fds0; i++)
		usleep(20000);
	ck_assert_int_eq(kt_count_fds(), fds0);
	finish();
}
END_TEST

static Suite *
kube_client_suite(void)
{
	Suite *s = suite_create("kube_client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_verbs_build_requests);
	tcase_add_test(tc, test_bearer_401);
	tcase_add_test(tc, test_list_paging);
	tcase_add_test(tc, test_faults_retry_and_deadline);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_close_from_callbacks);
	tcase_add_test(tc, test_caps_and_bad_json);
	tcase_add_test(tc, test_proxy_url);
	tcase_add_test(tc, test_discovery);
	tcase_add_test(tc, test_check_cluster);
	tcase_add_test(tc, test_exec_plugin_cache_expiry_401);
	tcase_add_test(tc, test_exec_plugin_failures);
	tcase_add_test(tc, test_token_file_rotation);
	tcase_add_test(tc, test_200_concurrent);
	tcase_add_test(tc, test_no_leaks_10000);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(kube_client_suite)
