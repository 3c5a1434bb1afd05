#ifndef STRATA_TEST_FAKEAPI_H
#define STRATA_TEST_FAKEAPI_H

/*
 * A tiny kube-apiserver stand-in on libmicrohttpd for the kube client tests that need
 * exact control of the server side (which token is accepted, which request fails how).
 * Integration with the real simulator lives in test_kube_sim.c.
 *
 * Routes: /version, /api, /apis, /apis/apps/v1; GET /api/v1/pods (paged with limit and
 * continue over `npods` generated pods; tokens of an older generation answer 410
 * Expired); everything else echoes {method, path, query, contentType, body}.  Bearer
 * token checked when fa->token[0] != 0.  Faults: status (with Retry-After), latency,
 * reset (connection closed without an answer), each for `count` requests on a path
 * prefix.
 */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

struct fake_fault {
	char	prefix[128];
	char	method[8];
	int	count;		/* requests left to fail; -1 forever */
	int	status;
	int	retry_after;
	int	latency_ms;
	int	reset;
};

struct fakeapi {
	struct MHD_Daemon	*d;
	unsigned short		 port;
	pthread_mutex_t		 mu;
	char			 token[256];
	char			 token2[256];	/* a second accepted token, or "" */
	int			 npods;
	int			 cont_gen;
	struct fake_fault	 faults[4];
	int			 nfaults;
	int			 requests;	/* total */
	int			 unauthorized;	/* 401 answers */
	char			 last_auth[300];
	int			 max_inflight, inflight;
};

struct fake_conn {
	char	*body;
	size_t	 len;
};

static enum MHD_Result
fake_reply(struct MHD_Connection *conn, int status, json_t *j, int retry_after)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *s = json_dumps(j, JSON_COMPACT);
	char ra[16];

	json_decref(j);
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	ret = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static json_t *
fake_status(int code, const char *reason, const char *msg)
{
	return json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status",
	    "apiVersion", "v1", "metadata", "status", "Failure", "message", msg, "reason",
	    reason, "code", code);
}

static json_t *
fake_pods(struct fakeapi *fa, struct MHD_Connection *conn, int *status)
{
	const char *l = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	const char *c = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "continue");
	int limit = l != NULL ? atoi(l) : 0, off = 0, gen = -1, i, end;
	json_t *items, *list;
	char name[32], ns[16], node[16], next[64];

	if (c != NULL && sscanf(c, "g%d:%d", &gen, &off) != 2) {
		*status = 400;
		return fake_status(400, "BadRequest", "bad continue token");
	}
	pthread_mutex_lock(&fa->mu);
	if (c != NULL && gen != fa->cont_gen) {
		pthread_mutex_unlock(&fa->mu);
		*status = 410;
		return fake_status(410, "Expired", "The provided continue parameter is too old "
		    "to display a consistent list result.");
	}
	gen = fa->cont_gen;
	end = limit > 0 && off + limit < fa->npods ? off + limit : fa->npods;
	pthread_mutex_unlock(&fa->mu);
	items = json_array();
	for (i = off; i < end; i++) {
		snprintf(name, sizeof(name), "pod-%06d", i);
		snprintf(ns, sizeof(ns), "ns%d", i % 7);
		snprintf(node, sizeof(node), "node-%d", i % 13);
		json_array_append_new(items, json_pack("{s:{s:s, s:s, s:s}, s:{s:s}, s:{s:s}}",
		    "metadata", "name", name, "namespace", ns, "resourceVersion", "7",
		    "spec", "nodeName", node, "status", "phase", "Running"));
	}
	list = json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", "PodList", "apiVersion", "v1",
	    "metadata", "resourceVersion", "7", "items", items);
	if (end < fa->npods) {
		snprintf(next, sizeof(next), "g%d:%d", gen, end);
		json_object_set_new(json_object_get(list, "metadata"), "continue",
		    json_string(next));
	}
	*status = 200;
	return list;
}

static int
fake_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	json_object_set_new((json_t *)cls, key, value != NULL ? json_string(value) :
	    json_null());
	return MHD_YES;
}

static enum MHD_Result
fake_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct fakeapi *fa = cls;
	struct fake_conn *fc = *con_cls;
	struct fake_fault fault;
	const char *auth, *ct;
	json_t *j, *q, *body;
	int status = 200, i, hit = 0, ok;
	char want[300], want2[300];

	if (fc == NULL) {
		fc = calloc(1, sizeof(*fc));
		*con_cls = fc;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		fc->body = realloc(fc->body, fc->len + *upload_size + 1);
		memcpy(fc->body + fc->len, upload, *upload_size);
		fc->len += *upload_size;
		fc->body[fc->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	pthread_mutex_lock(&fa->mu);
	fa->requests++;
	fa->inflight++;
	if (fa->inflight > fa->max_inflight)
		fa->max_inflight = fa->inflight;
	snprintf(fa->last_auth, sizeof(fa->last_auth), "%s", auth != NULL ? auth : "");
	snprintf(want, sizeof(want), "Bearer %s", fa->token);
	snprintf(want2, sizeof(want2), "Bearer %s", fa->token2);
	ok = fa->token[0] == '\0' || (auth != NULL && (strcmp(auth, want) == 0 ||
	    (fa->token2[0] != '\0' && strcmp(auth, want2) == 0)));
	if (!ok)
		fa->unauthorized++;
	memset(&fault, 0, sizeof(fault));
	for (i = 0; i < fa->nfaults && ok; i++) {
		if (fa->faults[i].count == 0 ||
		    strncmp(url, fa->faults[i].prefix, strlen(fa->faults[i].prefix)) != 0 ||
		    (fa->faults[i].method[0] != '\0' &&
		    strcmp(method, fa->faults[i].method) != 0))
			continue;
		fault = fa->faults[i];
		if (fa->faults[i].count > 0)
			fa->faults[i].count--;
		hit = 1;
		break;
	}
	pthread_mutex_unlock(&fa->mu);
	if (hit && fault.latency_ms > 0)
		usleep((useconds_t)fault.latency_ms * 1000);
	pthread_mutex_lock(&fa->mu);
	fa->inflight--;
	pthread_mutex_unlock(&fa->mu);
	if (!ok)
		return fake_reply(conn, 401, fake_status(401, "Unauthorized", "Unauthorized"), 0);
	if (hit && fault.reset)
		return MHD_NO;	/* closes the connection without an answer */
	if (hit && fault.status != 0)
		return fake_reply(conn, fault.status, fake_status(fault.status,
		    fault.status == 429 ? "TooManyRequests" : "InternalError",
		    "injected fault"), fault.retry_after);
	if (strcmp(url, "/version") == 0)
		return fake_reply(conn, 200, json_pack("{s:s, s:s, s:s}", "major", "1",
		    "minor", "30", "gitVersion", "v1.30.0-fake"), 0);
	if (strcmp(url, "/api") == 0)
		return fake_reply(conn, 200, json_pack("{s:s, s:[s]}", "kind", "APIVersions",
		    "versions", "v1"), 0);
	if (strcmp(url, "/apis") == 0)
		return fake_reply(conn, 200, json_pack("{s:s, s:s, s:[{s:s, s:[{s:s, s:s}], "
		    "s:{s:s, s:s}}]}", "kind", "APIGroupList", "apiVersion", "v1", "groups",
		    "name", "apps", "versions", "groupVersion", "apps/v1", "version", "v1",
		    "preferredVersion", "groupVersion", "apps/v1", "version", "v1"), 0);
	if (strcmp(url, "/apis/apps/v1") == 0)
		return fake_reply(conn, 200, json_pack("{s:s, s:s, s:[{s:s}, {s:s}]}", "kind",
		    "APIResourceList", "groupVersion", "apps/v1", "resources", "name",
		    "deployments", "name", "deployments/scale"), 0);
	if (strcmp(url, "/api/v1/pods") == 0 && strcmp(method, "GET") == 0) {
		j = fake_pods(fa, conn, &status);
		return fake_reply(conn, status, j, 0);
	}
	if (strcmp(url, "/big") == 0) {
		q = json_array();
		for (i = 0; i < 20000; i++)
			json_array_append_new(q, json_string("0123456789abcdef0123456789"));
		return fake_reply(conn, 200, json_pack("{s:o}", "items", q), 0);
	}
	if (strcmp(url, "/notjson") == 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(5, (void *)"hello",
		    MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ret = MHD_queue_response(conn, 200, r);

		MHD_destroy_response(r);
		return ret;
	}
	q = json_object();
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND,
	    (MHD_KeyValueIterator)fake_collect_arg, q);
	ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	body = fc->body != NULL ? json_loads(fc->body, 0, NULL) : NULL;
	j = json_pack("{s:s, s:s, s:o, s:s?, s:o?, s:s?, s:s?}", "method", method, "path",
	    url, "query", q, "contentType", ct, "body", body, "acceptEncoding",
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"), "host",
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"));
	return fake_reply(conn, strcmp(method, "POST") == 0 ? 201 : 200, j, 0);
}

static void
fake_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct fake_conn *fc = *con_cls;

	if (fc != NULL) {
		free(fc->body);
		free(fc);
	}
	*con_cls = NULL;
}

static struct fakeapi *
fakeapi_start(const char *token, int npods)
{
	struct fakeapi *fa = calloc(1, sizeof(*fa));
	const union MHD_DaemonInfo *info;

	pthread_mutex_init(&fa->mu, NULL);
	snprintf(fa->token, sizeof(fa->token), "%s", token != NULL ? token : "");
	fa->npods = npods;
	fa->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, fake_handler, fa,
	    MHD_OPTION_NOTIFY_COMPLETED, fake_completed, fa,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
	    MHD_OPTION_END);
	if (fa->d == NULL) {
		free(fa);
		return NULL;
	}
	info = MHD_get_daemon_info(fa->d, MHD_DAEMON_INFO_BIND_PORT);
	fa->port = info->port;
	return fa;
}

static void
fakeapi_fault(struct fakeapi *fa, const char *method, const char *prefix, int count,
    int status, int retry_after, int latency_ms, int reset)
{
	struct fake_fault *f;

	pthread_mutex_lock(&fa->mu);
	f = &fa->faults[fa->nfaults++ % 4];
	memset(f, 0, sizeof(*f));
	snprintf(f->method, sizeof(f->method), "%s", method != NULL ? method : "");
	snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
	f->count = count;
	f->status = status;
	f->retry_after = retry_after;
	f->latency_ms = latency_ms;
	f->reset = reset;
	pthread_mutex_unlock(&fa->mu);
}

static void
fakeapi_set_token(struct fakeapi *fa, const char *token)
{
	pthread_mutex_lock(&fa->mu);
	snprintf(fa->token, sizeof(fa->token), "%s", token);
	pthread_mutex_unlock(&fa->mu);
}

static int
fakeapi_get(struct fakeapi *fa, int *field)
{
	int v;

	pthread_mutex_lock(&fa->mu);
	v = *field;
	pthread_mutex_unlock(&fa->mu);
	return v;
}

static void
fakeapi_stop(struct fakeapi *fa)
{
	if (fa == NULL)
		return;
	MHD_stop_daemon(fa->d);
	pthread_mutex_destroy(&fa->mu);
	free(fa);
}

#endif
