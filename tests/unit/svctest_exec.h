#ifndef STRATA_SVCTEST_EXEC_H
#define STRATA_SVCTEST_EXEC_H

/*
 * Additions to svctest.h for the execute_plan/rollback_plan acceptance suites: the
 * simulator's objects read over its HTTP API (plain GETs with the bearer token, the way
 * an SRE would look with kubectl), every listable kind found through discovery, snapshots
 * compared object by object, and the MCP conversation pieces those suites need (progress
 * tokens, cancellation, elicitation answers, the execution resource).
 *
 * The HTTP reads are synchronous (libcurl easy): the simulator serves from threads of its
 * own, so the test thread may block; the rig's loop simply does not run meanwhile.
 */

#include <curl/curl.h>

#include "svctest.h"

/* Not every suite uses all of svctest.h (its helpers are plain static): keep them
 * referenced. */
static void (*svx_keep_initialize)(struct svctest *) __attribute__((unused)) =
    svctest_initialize;
static void (*svx_keep_start)(struct svctest *, const char *, double)
    __attribute__((unused)) = svctest_start;
static void (*svx_keep_stop)(struct svctest *) __attribute__((unused)) = svctest_stop;

#define SVX_BODY_MAX	(64u << 20)	/* cap of one response body */

struct svx_body {
	char	*p;
	size_t	 n;
};

static inline size_t
svx_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct svx_body *b = arg;
	size_t len = size * nmemb;
	char *np;

	if (b->n + len > SVX_BODY_MAX)
		return 0;		/* curl fails the transfer: over the cap */
	if ((np = realloc(b->p, b->n + len + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->n, data, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

/*
 * GET `path` (e.g. "/api/v1/nodes/worker-2") from the simulator.  Returns the parsed body
 * (new reference; a Status object for errors) and sets *http; fails the test on a
 * transport error.
 */
static inline json_t *
svx_get(struct sim *s, const char *path, long *http)
{
	struct svx_body b = { NULL, 0 };
	struct curl_slist *hdr = NULL;
	char url[1024], auth[256];
	json_t *j;
	CURL *c;
	CURLcode rc;
	long code = 0;

	snprintf(url, sizeof(url), "%s%s", sim_url(s), path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", sim_token(s));
	c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	ck_assert_int_eq(curl_easy_setopt(c, CURLOPT_URL, url), CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr), CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, svx_write_cb), CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(c, CURLOPT_WRITEDATA, &b), CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L), CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
	rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "GET %s: %s", path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	j = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
	ck_assert_msg(j != NULL, "GET %s: HTTP %ld, not JSON: %.200s", path, code,
	    b.p != NULL ? b.p : "");
	free(b.p);
	if (http != NULL)
		*http = code;
	return j;
}

/* GET that must answer 200 (new reference). */
static inline json_t *
svx_get_ok(struct sim *s, const char *path)
{
	long http = 0;
	json_t *j = svx_get(s, path, &http);

	ck_assert_msg(http == 200, "GET %s: HTTP %ld", path, http);
	return j;
}

/* The value at a dotted path ("spec.unschedulable"), borrowed, or NULL. */
static inline const json_t *
svx_at(const json_t *o, const char *path)
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p != NULL && o != NULL;
	    p = strtok_r(NULL, ".", &save))
		o = json_object_get(o, p);
	return o;
}

static inline const char *
svx_str(const json_t *o, const char *path)
{
	return json_string_value(svx_at(o, path));
}

/* A condition's status ("True", …) in status.conditions, or NULL. */
static inline const char *
svx_cond(const json_t *o, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach(svx_at(o, "status.conditions"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")) ?
		    json_string_value(json_object_get(c, "type")) : "", type) == 0)
			return json_string_value(json_object_get(c, "status"));
	return NULL;
}

/*
 * Pods of namespace `ns` whose labels include `key`=`value` (NULL: every pod), not being
 * deleted: sets *total and returns how many are Running with Ready=True.
 */
static inline int
svx_pods_ready(struct sim *s, const char *ns, const char *key, const char *value,
    int *total)
{
	char path[512];
	json_t *l, *p;
	size_t i;
	int ready = 0;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", ns);
	l = svx_get_ok(s, path);
	*total = 0;
	json_array_foreach(json_object_get(l, "items"), i, p) {
		const char *v;

		if (svx_at(p, "metadata.deletionTimestamp") != NULL)
			continue;
		if (key != NULL && ((v = json_string_value(json_object_get(svx_at(p,
		    "metadata.labels"), key))) == NULL || strcmp(v, value) != 0))
			continue;
		(*total)++;
		if (svx_str(p, "status.phase") != NULL &&
		    strcmp(svx_str(p, "status.phase"), "Running") == 0 &&
		    svx_cond(p, "Ready") != NULL && strcmp(svx_cond(p, "Ready"), "True") == 0)
			ready++;
	}
	json_decref(l);
	return ready;
}

/* ---- every listable kind, through discovery ------------------------------------------ */

static inline void
svx_kinds_of(struct sim *s, const char *gv_path, json_t *out)
{
	json_t *rl = svx_get_ok(s, gv_path), *r, *v;
	size_t i, j;

	json_array_foreach(json_object_get(rl, "resources"), i, r) {
		const char *name = json_string_value(json_object_get(r, "name"));
		bool list = false;

		if (name == NULL || strchr(name, '/') != NULL)
			continue;	/* subresources */
		json_array_foreach(json_object_get(r, "verbs"), j, v)
			if (json_string_value(v) && strcmp(json_string_value(v), "list") == 0)
				list = true;
		if (list)
			json_array_append_new(out, json_sprintf("%s/%s", gv_path, name));
	}
	json_decref(rl);
}

/* The collection paths of every kind the server lists (new array of strings). */
static inline json_t *
svx_kinds(struct sim *s)
{
	json_t *out = json_array(), *groups, *g;
	size_t i;
	char path[512];

	svx_kinds_of(s, "/api/v1", out);
	groups = svx_get_ok(s, "/apis");
	json_array_foreach(json_object_get(groups, "groups"), i, g) {
		const char *gv = svx_str(g, "preferredVersion.groupVersion");

		if (gv == NULL)
			continue;
		snprintf(path, sizeof(path), "/apis/%s", gv);
		svx_kinds_of(s, path, out);
	}
	json_decref(groups);
	ck_assert_int_gt(json_array_size(out), 10);
	return out;
}

/*
 * Every object of every kind: "collection-path ns/name" → the object (new reference).
 * Events are left out: they are the cluster's diary, not its state.
 */
static inline json_t *
svx_snapshot(struct sim *s)
{
	json_t *kinds = svx_kinds(s), *snap = json_object(), *k, *l, *it;
	size_t i, j;
	char key[1024];

	json_array_foreach(kinds, i, k) {
		const char *p = json_string_value(k);
		size_t n = strlen(p);

		if (n >= 7 && strcmp(p + n - 7, "/events") == 0)
			continue;
		l = svx_get_ok(s, p);
		json_array_foreach(json_object_get(l, "items"), j, it) {
			snprintf(key, sizeof(key), "%s %s/%s", p,
			    svx_str(it, "metadata.namespace") ? svx_str(it,
			    "metadata.namespace") : "", svx_str(it, "metadata.name") ?
			    svx_str(it, "metadata.name") : "?");
			json_object_set(snap, key, it);
		}
		json_decref(l);
	}
	json_decref(kinds);
	return snap;
}

/*
 * What differs between two snapshots: objects added, removed, or with another
 * resourceVersion (new string, "" when identical).
 */
static inline char *
svx_snapshot_diff(const json_t *a, const json_t *b)
{
	struct sbuf d = SBUF_INIT(16384);
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) {
		json_t *w = json_object_get(b, k);

		if (w == NULL)
			sbuf_printf(&d, "-%s ", k);
		else if (!json_equal(svx_at(v, "metadata.resourceVersion"),
		    svx_at(w, "metadata.resourceVersion")))
			sbuf_printf(&d, "~%s ", k);
	}
	json_object_foreach((json_t *)b, k, v)
		if (json_object_get(a, k) == NULL)
			sbuf_printf(&d, "+%s ", k);
	if (d.data == NULL)
		return strdup("");
	return sbuf_detach(&d, NULL);
}

/* ---- the loop ----------------------------------------------------------------------- */

/* Runs the rig's loop (server, executor) for `ms`. */
static inline void
svx_run_for(struct svctest *t, unsigned ms)
{
	uv_timer_t tm;
	int expired = 0;

	uv_timer_init(&t->loop, &tm);
	tm.data = &expired;
	uv_timer_start(&tm, svctest_timeout_cb, ms, 0);
	while (!expired)
		uv_run(&t->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tm, NULL);
	uv_run(&t->loop, UV_RUN_NOWAIT);
}

/*
 * Waits (up to `ms`, polling every 100 ms with the loop running) until the cluster holds
 * still: two snapshots a poll apart with the same resourceVersions.  Returns the last
 * snapshot (new reference).
 */
static inline json_t *
svx_settled(struct svctest *t, unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;
	json_t *a = svx_snapshot(t->sim), *b;
	char *d;

	for (;;) {
		svx_run_for(t, 300);
		b = svx_snapshot(t->sim);
		d = svx_snapshot_diff(a, b);
		json_decref(a);
		a = b;
		if (d[0] == '\0') {
			free(d);
			return a;
		}
		ck_assert_msg(strata_now_ms() < end, "the simulator never settled: %.600s", d);
		free(d);
	}
}

/* ---- MCP conversation ---------------------------------------------------------------- */

/* initialize with the client capabilities given as JSON text (2025-11-25). */
static inline void
svx_initialize(struct svctest *t, const char *caps)
{
	char line[1024];

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s,"
	    "\"clientInfo\":{\"name\":\"svctest-exec\",\"version\":\"1\"}}}", caps);
	svctest_feed(t, line);
	ck_assert_ptr_nonnull(json_object_get(svctest_wait(t, 1, 5000), "result"));
	svctest_feed(t, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

static inline void
svx_send(struct svctest *t, json_t *msg)
{
	char *line = json_dumps(msg, JSON_COMPACT);

	ck_assert_ptr_nonnull(line);
	svctest_feed(t, line);
	free(line);
	json_decref(msg);
}

/*
 * Sends tools/call without waiting.  `args` is borrowed; `token` (may be NULL) becomes
 * _meta.progressToken.
 */
static inline void
svx_call_start(struct svctest *t, json_int_t id, const char *tool, json_t *args,
    const char *token)
{
	json_t *params = json_pack("{s:s, s:O}", "name", tool, "arguments", args);

	if (token != NULL)
		json_object_set_new(params, "_meta", json_pack("{s:s}", "progressToken",
		    token));
	svx_send(t, json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method",
	    "tools/call", "params", params));
}

/* The result of a finished tools/call (borrowed), failing on a protocol error. */
static inline json_t *
svx_result(struct svctest *t, json_int_t id, unsigned ms)
{
	json_t *res = svctest_wait(t, id, ms), *r = json_object_get(res, "result");

	ck_assert_msg(r != NULL, "request %lld: protocol error %s", (long long)id,
	    json_dumps(res, JSON_COMPACT));
	return r;
}

static inline const char *
svx_text(const json_t *result)
{
	const char *s = json_string_value(json_object_get(json_array_get(json_object_get(
	    result, "content"), 0), "text"));

	return s != NULL ? s : "";
}

/* detect_layers (whole cluster), then plan_remediation with `options` (JSON text or
 * NULL); returns the plan (new reference), checked against its schema. */
static inline json_t *
svx_detect_plan(struct svctest *t, json_int_t id, const char *options)
{
	json_t *args = json_object(), *r, *sc;
	const char *issue;

	r = svctest_call(t, id, "detect_layers", args, 30000);
	json_decref(args);
	issue = svx_str(r, "structuredContent.issue_id");
	ck_assert_msg(issue != NULL, "detect failed: %s", svx_text(r));
	args = json_pack("{s:s}", "issue_id", issue);
	if (options != NULL)
		json_object_set_new(args, "options", json_loads(options, 0, NULL));
	r = svctest_call(t, id + 1, "plan_remediation", args, 30000);
	json_decref(args);
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "plan: %s", svx_text(r));
	sc = json_object_get(r, "structuredContent");
	svctest_assert_schema("plan_remediation.output", sc);
	ck_assert_msg(!json_is_true(json_object_get(sc, "refused")), "plan refused: %s",
	    svx_text(r));
	ck_assert_int_gt(json_array_size(json_object_get(sc, "steps")), 0);
	return json_incref(sc);
}

/* execute_plan arguments confirming `plan` by its hash (new reference). */
static inline json_t *
svx_confirmed(const json_t *plan)
{
	return json_pack("{s:s, s:s}", "plan_id", svx_str(plan, "plan_id"), "confirm",
	    svx_str(plan, "hash"));
}

/*
 * Runs `plan` confirmed by hash, waits for the result (up to ms), checks it against the
 * output schema and returns structuredContent (borrowed).
 */
static inline json_t *
svx_execute(struct svctest *t, json_int_t id, const json_t *plan, const char *token,
    unsigned ms)
{
	json_t *args = svx_confirmed(plan), *r, *sc;

	svx_call_start(t, id, "execute_plan", args, token);
	json_decref(args);
	r = svx_result(t, id, ms);
	ck_assert_msg(!json_is_true(json_object_get(r, "isError")), "execute_plan: %s",
	    svx_text(r));
	sc = json_object_get(r, "structuredContent");
	svctest_assert_schema("execute_plan.output", sc);
	return sc;
}

/* resources/read of a strata:// URI: the resource's JSON text parsed (new reference). */
static inline json_t *
svx_resource(struct svctest *t, json_int_t id, const char *uri)
{
	json_t *res, *j;
	const char *text;

	svx_send(t, json_pack("{s:s, s:I, s:s, s:{s:s}}", "jsonrpc", "2.0", "id", id,
	    "method", "resources/read", "params", "uri", uri));
	res = svctest_wait(t, id, 10000);
	text = svx_str(json_array_get(svx_at(res, "result.contents"), 0), "text");
	ck_assert_msg(text != NULL, "resources/read %s: %s", uri, json_dumps(res,
	    JSON_COMPACT));
	j = json_loads(text, 0, NULL);
	ck_assert_msg(j != NULL, "%s is not JSON", uri);
	return j;
}

/* The notifications/progress for `token`, in order (new array). */
static inline json_t *
svx_progress(struct svctest *t, const char *token)
{
	json_t *out = json_array(), *m;
	size_t i;

	json_array_foreach(t->out, i, m) {
		const char *meth = json_string_value(json_object_get(m, "method"));

		if (meth != NULL && strcmp(meth, "notifications/progress") == 0 &&
		    svx_str(m, "params.progressToken") != NULL &&
		    strcmp(svx_str(m, "params.progressToken"), token) == 0)
			json_array_append(out, json_object_get(m, "params"));
	}
	return out;
}

/*
 * Runs the loop until a progress message for `token` contains `needle` (or ms pass);
 * fails at once if request `id` was answered first (the run ended without it).
 */
static inline void
svx_wait_progress(struct svctest *t, json_int_t id, const char *token, const char *needle,
    unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;
	json_t *p, *e, *m;
	size_t i;
	bool seen = false;

	while (!seen) {
		p = svx_progress(t, token);
		json_array_foreach(p, i, e)
			if (svx_str(e, "message") != NULL && strstr(svx_str(e, "message"),
			    needle) != NULL)
				seen = true;
		json_decref(p);
		if (seen)
			break;
		json_array_foreach(t->out, i, m)
			ck_assert_msg(!(json_integer_value(json_object_get(m, "id")) == id &&
			    json_object_get(m, "method") == NULL), "request %lld ended before "
			    "a progress message with \"%s\": %s", (long long)id, needle,
			    json_dumps(m, JSON_COMPACT));
		ck_assert_msg(strata_now_ms() < end, "no progress message with \"%s\" within "
		    "%u ms", needle, ms);
		svx_run_for(t, 20);
	}
}

/* notifications/cancelled for request `id`. */
static inline void
svx_cancel(struct svctest *t, json_int_t id, const char *reason)
{
	svx_send(t, json_pack("{s:s, s:s, s:{s:I, s:s}}", "jsonrpc", "2.0", "method",
	    "notifications/cancelled", "params", "requestId", id, "reason", reason));
}

/* The first message the server sent with `method` at index `from` or later (borrowed). */
static inline json_t *
svx_wait_request(struct svctest *t, size_t from, const char *method, unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;
	json_t *m;
	size_t i;

	for (;;) {
		json_array_foreach(t->out, i, m)
			if (i >= from && json_string_value(json_object_get(m, "method")) != NULL &&
			    strcmp(json_string_value(json_object_get(m, "method")), method) == 0)
				return m;
		ck_assert_msg(strata_now_ms() < end, "the server sent no %s within %u ms",
		    method, ms);
		svx_run_for(t, 20);
	}
}

/* True for the statuses an execution ends in (not running, not rolling back). */
static inline bool
svx_status_final(const char *st)
{
	static const char *const final[] = { "succeeded", "failed", "rolled_back",
	    "rollback_failed", "cancelled", "interrupted", "dry_run" };
	size_t i;

	for (i = 0; st != NULL && i < sizeof(final) / sizeof(final[0]); i++)
		if (strcmp(st, final[i]) == 0)
			return true;
	return false;
}

/*
 * The executions in the journal (resources/list strata://executions/…), read one by one:
 * the one of `plan_id` whose status is final (svx_status_final), or NULL after `ms`.
 * New reference.
 */
static inline json_t *
svx_execution_of(struct svctest *t, json_int_t *id, const char *plan_id, unsigned ms)
{
	uint64_t end = strata_now_ms() + ms;
	json_t *res, *r, *ex;
	size_t i;

	for (;;) {
		svx_send(t, json_pack("{s:s, s:I, s:s, s:{}}", "jsonrpc", "2.0", "id", *id,
		    "method", "resources/list", "params"));
		res = svctest_wait(t, (*id)++, 10000);
		json_array_foreach(svx_at(res, "result.resources"), i, r) {
			const char *uri = svx_str(r, "uri");

			if (uri == NULL || strncmp(uri, "strata://executions/", 20) != 0)
				continue;
			ex = svx_resource(t, (*id)++, uri);
			if (svx_str(ex, "plan_id") != NULL &&
			    strcmp(svx_str(ex, "plan_id"), plan_id) == 0 &&
			    svx_status_final(svx_str(ex, "status")))
				return ex;
			json_decref(ex);
		}
		if (strata_now_ms() >= end)
			return NULL;
		svx_run_for(t, 100);
	}
}

#endif
