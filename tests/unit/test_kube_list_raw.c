/*
 * Lists with a raw item hook (kube_opts.item_fn): against strata-sim, every pod arrives
 * exactly once whether the hook consumes it or has it parsed, pages and totals are
 * those of a parsed list, text with escapes and non-ASCII arrives intact; a hook error
 * or a cancel from inside the hook ends the list; a malformed or non-list body fails
 * with -EBADMSG and never reaches the page callback (a tiny server serves those bodies).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "testutil.h"
#include "../kube/kubetest.h"
#include "strata/jscan.h"
#include "strata/sim.h"

#define NPODS	1200

static struct sim *sim;
static char *dir;
static uv_loop_t loop;
static struct kube_client *client;
static char err[1024];

/* The cluster: NPODS pods, one with escapes and non-ASCII in its labels. */
static char *
scenario_write(void)
{
	json_t *items = json_array(), *list;
	char name[64], ns[32], path[PATH_MAX];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(ns, sizeof(ns), "team-%d", i);
		json_array_append_new(items, json_pack("{s:s, s:s, s:{s:s}}", "apiVersion",
		    "v1", "kind", "Namespace", "metadata", "name", ns));
	}
	for (i = 0; i < NPODS; i++) {
		snprintf(name, sizeof(name), "pod-%05d", i);
		snprintf(ns, sizeof(ns), "team-%d", i % 3);
		json_array_append_new(items, json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, "
		    "s:{s:s, s:[{s:s, s:s}]}, s:{s:s}}", "apiVersion", "v1", "kind", "Pod",
		    "metadata", "name", name, "namespace", ns, "labels", "note",
		    i == 7 ? "caf\xc3\xa9 \"quoted\" \\ tab\t \xf0\x9f\x98\x80" : "plain",
		    "spec", "nodeName", "worker-0", "containers", "name", "c", "image", "busybox",
		    "status", "phase", "Running"));
	}
	list = json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind", "List", "items",
	    items);
	snprintf(path, sizeof(path), "%s/scenario.json", dir);
	ck_assert_int_eq(json_dump_file(list, path, JSON_COMPACT), 0);
	json_decref(list);
	return strdup(path);
}

static struct kube_client *
client_from(const char *kubeconfig)
{
	struct kube_config_options o = { kubeconfig, NULL, 0 };
	struct kube_config *cfg;
	struct kube_client *c;

	ck_assert_msg(kube_config_load(&o, &cfg, err, sizeof(err)) == 0, "%s", err);
	c = kube_client_new(&loop, cfg, NULL, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

static void
sim_client(void)
{
	struct sim_options o;
	char path[PATH_MAX], *scenario = scenario_write();

	memset(&o, 0, sizeof(o));
	o.scenario_path = scenario;
	o.api_only = 1;
	sim = sim_start(&o, err, sizeof(err));
	free(scenario);
	ck_assert_msg(sim != NULL, "sim_start: %s", err);
	snprintf(path, sizeof(path), "%s/sim.kubeconfig", dir);
	ck_assert_msg(sim_write_kubeconfig(sim, path, err, sizeof(err)) == 0, "%s", err);
	client = client_from(path);
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

/* What a list saw. */
struct rawlist {
	int		 pages, hooked, parsed, fail_at, cancel_at;
	int		 hooked_after_stop;
	size_t		 total;
	json_t		*names;		/* "ns/name" → true */
	json_t		*note7;		/* pod-00007's label as read from the raw text */
	struct kt_result r;
};

static void
seen(struct rawlist *rl, const char *ns, const char *name)
{
	char key[256];

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	ck_assert_msg(json_object_get(rl->names, key) == NULL, "%s seen twice", key);
	json_object_set_new(rl->names, key, json_true());
}

static int
on_item(struct kube_request *req, const char *item, size_t len, void *arg)
{
	static const char *const mk[] = { "name", "namespace", "labels" };
	struct rawlist *rl = arg;
	struct jscan_val v, meta, m[3], note;
	char ns[64], name[64], buf[128];
	size_t pos = 0;

	if (rl->fail_at < 0 || rl->cancel_at < 0) {
		rl->hooked_after_stop++;
		return 0;
	}
	rl->hooked++;
	if (rl->fail_at != 0 && rl->hooked == rl->fail_at) {
		rl->fail_at = -1;
		return -ENOSPC;
	}
	if (rl->cancel_at != 0 && rl->hooked == rl->cancel_at) {
		rl->cancel_at = -1;
		kube_request_cancel(req);
		return 0;
	}
	ck_assert_int_eq(jscan_value(item, len, &pos, &v), 0);
	ck_assert_uint_eq(pos, len);		/* exactly one object, nothing around it */
	ck_assert_int_eq(v.type, JSCAN_OBJECT);
	if (rl->hooked % 2 == 0)
		return 1;			/* every other one: parse it for me */
	if (jscan_get(&v, "metadata", &meta) != 1)
		return 0;			/* not a pod (the odd bodies below) */
	ck_assert_int_eq(jscan_get_many(&meta, mk, 3, m), 3);
	ck_assert_int_ge(jscan_str_copy(&m[0], name, sizeof(name)), 0);
	ck_assert_int_ge(jscan_str_copy(&m[1], ns, sizeof(ns)), 0);
	seen(rl, ns, name);
	if (strcmp(name, "pod-00007") == 0) {
		ck_assert_int_eq(jscan_get(&m[2], "note", &note), 1);
		ck_assert_int_ge(jscan_str_copy(&note, buf, sizeof(buf)), 0);
		rl->note7 = json_string(buf);
	}
	return 0;
}

static int
on_page(struct kube_request *req, const struct kube_page *p, void *arg)
{
	struct rawlist *rl = arg;
	json_t *it, *meta;
	size_t i;

	rl->pages++;
	rl->total = p->items_total;
	ck_assert_str_eq(json_string_value(json_object_get(p->list, "kind")), "PodList");
	json_array_foreach(json_object_get(p->list, "items"), i, it) {
		meta = json_object_get(it, "metadata");
		rl->parsed++;
		seen(rl, json_string_value(json_object_get(meta, "namespace")),
		    json_string_value(json_object_get(meta, "name")));
		if (strcmp(json_string_value(json_object_get(meta, "name")), "pod-00007") == 0)
			rl->note7 = json_incref(json_object_get(json_object_get(meta, "labels"),
			    "note"));
	}
	return 0;
}

static void
on_done(struct kube_request *req, json_t *res, const struct kube_error *e, void *arg)
{
	kt_done(req, res, e, &((struct rawlist *)arg)->r);
}

static void
list_run(struct rawlist *rl, const struct kube_ref *ref, unsigned limit)
{
	struct kube_opts o = { 0 };

	o.limit = limit;
	o.item_fn = on_item;
	ck_assert_ptr_nonnull(kube_list(client, ref, &o, on_page, on_done, rl, err,
	    sizeof(err)));
	ck_assert_msg(kt_run_until(&loop, &rl->r.done, 30000), "list did not complete");
	ck_assert_int_eq(rl->r.done, 1);
}

START_TEST(every_item_once_consumed_or_parsed)
{
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct rawlist rl;

	sim_client();
	memset(&rl, 0, sizeof(rl));
	rl.names = json_object();
	list_run(&rl, &pods, 100);
	ck_assert_msg(rl.r.code == 0, "%s", rl.r.msg);
	ck_assert_int_eq(rl.pages, NPODS / 100);
	ck_assert_int_eq(rl.hooked, NPODS);
	ck_assert_int_eq(rl.parsed, NPODS / 2);
	ck_assert_uint_eq(rl.total, NPODS);
	ck_assert_uint_eq(json_object_size(rl.names), NPODS);
	ck_assert_ptr_nonnull(rl.note7);
	ck_assert_str_eq(json_string_value(rl.note7),
	    "caf\xc3\xa9 \"quoted\" \\ tab\t \xf0\x9f\x98\x80");
	json_decref(rl.note7);
	json_decref(rl.names);
	finish();
}
END_TEST

START_TEST(hook_error_fails_the_list)
{
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct rawlist rl;

	sim_client();
	memset(&rl, 0, sizeof(rl));
	rl.names = json_object();
	rl.fail_at = 150;
	list_run(&rl, &pods, 100);
	ck_assert_int_eq(rl.r.code, -ENOSPC);
	ck_assert_int_eq(rl.pages, 1);		/* the second page was never delivered */
	ck_assert_int_eq(rl.hooked_after_stop, 0);
	json_decref(rl.note7);
	json_decref(rl.names);
	finish();
}
END_TEST

START_TEST(cancel_from_the_hook)
{
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct rawlist rl;

	sim_client();
	memset(&rl, 0, sizeof(rl));
	rl.names = json_object();
	rl.cancel_at = 250;
	list_run(&rl, &pods, 100);
	ck_assert_int_eq(rl.r.code, -ECANCELED);
	ck_assert_int_eq(rl.pages, 2);
	ck_assert_int_eq(rl.hooked_after_stop, 0);
	json_decref(rl.note7);
	json_decref(rl.names);
	finish();
}
END_TEST

/* ---- bodies no apiserver sends, from a server of our own ---- */

/* Items before the fault have been handed over (the walk is single-pass). */
static const struct {
	const char	*ns;
	const char	*body;
	int		 hooked;
} bodies[] = {
	{ "truncated", "{\"kind\":\"PodList\",\"metadata\":{},\"items\":[{\"a\":1},{\"b\":", 1 },
	{ "badutf8", "{\"kind\":\"PodList\",\"items\":[{\"a\":1},{\"b\":\"\xc3\x28\"}]}", 1 },
	{ "trailing", "{\"kind\":\"PodList\",\"items\":[{\"a\":1}]} x", 1 },
	{ "badmeta", "{\"kind\":\"PodList\",\"metadata\":{\"continue\":tru},\"items\":[]}", 0 },
	{ "noitems", "{\"kind\":\"PodList\",\"metadata\":{}}", 0 },
	{ "nullitems", "{\"kind\":\"PodList\",\"items\":null}", 0 },
	{ "objitems", "{\"kind\":\"PodList\",\"items\":{\"a\":[1]}}", 0 },
	{ "array", "[{\"a\":1}]", 0 },
	{ "empty", "", 0 },
	{ "dupitems", "{\"items\":[{\"x\":1},{\"x\":2}],\"kind\":\"PodList\",\"items\":[{\"y\":3}]}", 2 },
};

static enum MHD_Result
fixed_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *body = "{}";
	char prefix[128];
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(bodies); i++) {
		snprintf(prefix, sizeof(prefix), "/api/v1/namespaces/%s/pods", bodies[i].ns);
		if (strcmp(url, prefix) == 0)
			body = bodies[i].body;
	}
	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

START_TEST(bad_bodies_fail_the_list)
{
	struct MHD_Daemon *d;
	struct rawlist rl;
	char kc[512], *path;
	size_t i;

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, fixed_handler,
	    NULL, MHD_OPTION_END);
	ck_assert_ptr_nonnull(d);
	snprintf(kc, sizeof(kc), "apiVersion: v1\nkind: Config\ncurrent-context: f\n"
	    "clusters:\n- name: f\n  cluster: {server: 'http://127.0.0.1:%u'}\n"
	    "users:\n- name: u\n  user: {}\n"
	    "contexts:\n- name: f\n  context: {cluster: f, user: u}\n",
	    MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	path = kt_write(dir, "kubeconfig", kc);
	client = client_from(path);
	for (i = 0; i < STRATA_ARRAY_LEN(bodies); i++) {
		struct kube_ref ref = KUBE_REF_POD(bodies[i].ns, NULL);
		memset(&rl, 0, sizeof(rl));
		rl.names = json_object();
		list_run(&rl, &ref, 0);
		ck_assert_msg(rl.r.code == -EBADMSG, "%s: code %d (%s)", bodies[i].ns,
		    rl.r.code, rl.r.msg);
		ck_assert_int_eq(rl.pages, 0);		/* no page callback, ever */
		ck_assert_int_eq(rl.hooked, bodies[i].hooked);
		json_decref(rl.note7);
		json_decref(rl.names);
	}
	finish();
	MHD_stop_daemon(d);
	free(path);
}
END_TEST

static Suite *
kube_list_raw_suite(void)
{
	Suite *s = suite_create("kube_list_raw");
	TCase *tc = tcase_create("raw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_item_once_consumed_or_parsed);
	tcase_add_test(tc, hook_error_fails_the_list);
	tcase_add_test(tc, cancel_from_the_hook);
	tcase_add_test(tc, bad_bodies_fail_the_list);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(kube_list_raw_suite)
