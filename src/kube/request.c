/*
 * The request core: one request = one or more transfers (retries, 401 refresh, list
 * pages), each a fresh easy handle on the client's multi.  Completion runs the user's
 * callback exactly once, then the request is freed in its timer's close callback.
 *
 * Retry policy (documented in kube.h): transport errors before anything was sent
 * (connection refused) are retried for every method; 5xx, resets and timeouts only for
 * idempotent requests; 429/503 with Retry-After for every method (the server says it
 * did not process the request).  Delays: jittered exponential backoff (200 ms · 2^n,
 * capped at 5 s, drawn from [d/2, d]) or Retry-After (capped at 60 s), never past the
 * request's deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_int.h"

#define BACKOFF_BASE_MS	200
#define BACKOFF_MAX_MS	5000
#define RETRY_AFTER_MAX_MS 60000

static void req_attempt(struct kube_request *req);

static void
req_close_cb(uv_handle_t *h)
{
	struct kube_request *req = h->data;

	free(req->path);
	if (req->body != NULL)
		strata_wipe(req->body, req->body_len);	/* may hold a Secret */
	free(req->body);
	free(req->cont);
	free(req->disc_group);
	free(req->disc_version);
	sbuf_release(&req->resp);
	free(req);
}

static void
req_headers_free(struct kube_request *req)
{
	struct curl_slist *h;

	for (h = req->headers; h != NULL; h = h->next)
		strata_wipe(h->data, strlen(h->data));
	kcurl.slist_free_all(req->headers);
	req->headers = NULL;
}

static void
req_easy_release(struct kube_request *req)
{
	if (req->easy != NULL) {
		kube_http_remove(req->client, req->easy);
		kcurl.easy_cleanup(req->easy);
		req->easy = NULL;
	}
	req_headers_free(req);
}

void
kube_request_complete(struct kube_request *req, json_t *result, const struct kube_error *err)
{
	struct kube_client *c = req->client;
	struct kube_error e;

	if (req->done)
		return;
	req->done = 1;
	if (req->waiting_exec && c->exec != NULL)
		kube_exec_forget(c->exec, req);
	req->waiting_exec = 0;
	req_easy_release(req);
	uv_timer_stop(&req->timer);
	/* Off the client's list first: the callback may close the client. */
	TAILQ_REMOVE(&c->reqs, req, entry);
	c->npending--;
	if (err != NULL) {
		e = *err;
		e.attempts = req->attempts;
		req->cb(req, NULL, &e, req->arg);
	} else {
		req->cb(req, result, NULL, req->arg);
	}
	uv_close((uv_handle_t *)&req->timer, req_close_cb);
}

static void
req_failv(struct kube_request *req, int code, long status, const char *reason, int curl_code,
    const char *fmt, va_list ap)
{
	struct kube_error e;

	memset(&e, 0, sizeof(e));
	e.code = code;
	e.http_status = status;
	e.curl_code = curl_code;
	if (reason != NULL)
		snprintf(e.reason, sizeof(e.reason), "%s", reason);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	kube_request_complete(req, NULL, &e);
}

void
kube_request_fail(struct kube_request *req, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	req_failv(req, code, 0, NULL, 0, fmt, ap);
	va_end(ap);
}

static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct kube_request *req = arg;

	if (sbuf_append(&req->resp, p, size * n) != 0) {
		req->too_big = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	return size * n;
}

/* Token bytes without trailing whitespace (files end with a newline). */
static size_t
token_len(const struct kube_blob *t)
{
	size_t n = t->len;

	while (n > 0 && (t->data[n - 1] == '\n' || t->data[n - 1] == '\r' ||
	    t->data[n - 1] == ' ' || t->data[n - 1] == '\t'))
		n--;
	return n;
}

static int
req_headers(struct kube_request *req, const struct kube_creds *cr)
{
	struct curl_slist *l = NULL, *t;
	char *auth = NULL, ct[128];
	size_t n;

	if ((t = kcurl.slist_append(l, "Accept: application/json")) == NULL)
		goto fail;
	l = t;
	if (req->body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", req->content_type);
		if ((t = kcurl.slist_append(l, ct)) == NULL)
			goto fail;
		l = t;
	}
	if (cr->token != NULL && (n = token_len(cr->token)) > 0) {
		if ((auth = malloc(n + 32)) == NULL)
			goto fail;
		memcpy(auth, "Authorization: Bearer ", 22);
		memcpy(auth + 22, cr->token->data, n);
		auth[22 + n] = '\0';
		t = kcurl.slist_append(l, auth);
		strata_wipe(auth, n + 22);
		free(auth);
		if (t == NULL)
			goto fail;
		l = t;
	}
	req->headers = l;
	return 0;
fail:
	req->headers = l;
	req_headers_free(req);
	return -ENOMEM;
}

static int
blob_opt(CURL *e, CURLoption opt, const struct kube_blob *b)
{
	struct curl_blob cb;

	cb.data = b->data;
	cb.len = b->len;
	cb.flags = CURL_BLOB_COPY;
	return kcurl.easy_setopt(e, opt, &cb);
}

#define SETOPT(o, v) do {						\
	if ((res = kcurl.easy_setopt(e, (o), (v))) != CURLE_OK) {	\
		what = #o;						\
		goto fail;						\
	}								\
} while (0)

static int
req_easy_setup(struct kube_request *req, const struct kube_creds *cr, char *url,
    uint64_t remaining)
{
	struct kube_client *c = req->client;
	const struct kube_config *cfg = c->cfg;
	const char *what = "";
	CURLcode res = CURLE_OK;
	CURL *e;

	if ((e = kcurl.easy_init()) == NULL)
		return -ENOMEM;
	req->easy = e;
	req->curl_err[0] = '\0';
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_PRIVATE, (void *)req);
	SETOPT(CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(CURLOPT_WRITEDATA, (void *)req);
	SETOPT(CURLOPT_ERRORBUFFER, req->curl_err);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	/*
	 * Waiting for a multiplexable connection pays off only where ALPN answers at the
	 * handshake (https); over plain HTTP/1.1 it would queue requests behind a slow one.
	 */
	if (strncmp(c->base_url, "https:", 6) == 0)
		SETOPT(CURLOPT_PIPEWAIT, 1L);
	SETOPT(CURLOPT_TIMEOUT_MS, (long)remaining);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)(remaining < 10000 ? remaining : 10000));
	SETOPT(CURLOPT_USERAGENT, "strata/" STRATA_VERSION);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body != NULL) {
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(CURLOPT_POSTFIELDS, req->body);
	}
	if (cfg->ca.len > 0 && (res = blob_opt(e, CURLOPT_CAINFO_BLOB, &cfg->ca)) != CURLE_OK) {
		what = "CURLOPT_CAINFO_BLOB";
		goto fail;
	}
	if (cfg->insecure) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cr->cert != NULL && cr->cert->len > 0 && cr->key != NULL && cr->key->len > 0) {
		SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
		SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
		if ((res = blob_opt(e, CURLOPT_SSLCERT_BLOB, cr->cert)) != CURLE_OK) {
			what = "CURLOPT_SSLCERT_BLOB";
			goto fail;
		}
		if ((res = blob_opt(e, CURLOPT_SSLKEY_BLOB, cr->key)) != CURLE_OK) {
			what = "CURLOPT_SSLKEY_BLOB";
			goto fail;
		}
	}
	if (c->connect_to_list != NULL)
		SETOPT(CURLOPT_CONNECT_TO, c->connect_to_list);
	if (cfg->proxy_url != NULL)
		SETOPT(CURLOPT_PROXY, cfg->proxy_url);
	if (cfg->basic_user != NULL && cr->token == NULL) {
		SETOPT(CURLOPT_USERNAME, cfg->basic_user);
		SETOPT(CURLOPT_PASSWORD, (char *)cfg->basic_pass.data);
	}
	if (req_headers(req, cr) != 0)
		return -ENOMEM;
	SETOPT(CURLOPT_HTTPHEADER, req->headers);
	return 0;
fail:
	kube_request_fail(req, -EINVAL, "kcurl.easy_setopt(%s): %s", what,
	    kcurl.easy_strerror(res));
	return -EINVAL;
}

static char *
req_url(struct kube_request *req)
{
	struct kube_client *c = req->client;
	const char *sep = strchr(req->path, '?') != NULL ? "&" : "?";
	char *esc, *url;

	if (req->kind != KUBE_REQ_LIST || req->cont == NULL)
		return kube_strprintf("%s%s", c->base_url, req->path);
	if ((esc = kcurl.easy_escape(NULL, req->cont, 0)) == NULL)
		return NULL;
	url = kube_strprintf("%s%s%scontinue=%s", c->base_url, req->path, sep, esc);
	kcurl.free(esc);
	return url;
}

static void
req_attempt(struct kube_request *req)
{
	struct kube_client *c = req->client;
	struct kube_creds cr = { NULL, NULL, NULL };
	struct kube_error e;
	uint64_t now = strata_now_ms();
	char *url;
	int rc;

	if (req->cancelled) {
		kube_request_fail(req, -ECANCELED, "cancelled");
		return;
	}
	if (now >= req->deadline_ms) {
		kube_request_fail(req, -ETIMEDOUT, "%s %s: deadline exceeded after %d "
		    "attempt(s)", req->method, req->path, req->attempts);
		return;
	}
	memset(&e, 0, sizeof(e));
	rc = kube_auth_get(c, req, &cr, &e);
	if (rc < 0) {
		kube_request_complete(req, NULL, &e);
		return;
	}
	if (rc == 0)
		return;		/* resumed when the exec plugin is done */
	if ((url = req_url(req)) == NULL) {
		kube_request_fail(req, -ENOMEM, "out of memory");
		return;
	}
	sbuf_reset(&req->resp);
	req->too_big = 0;
	rc = req_easy_setup(req, &cr, url, req->deadline_ms - now);
	free(url);
	if (rc == -ENOMEM)
		kube_request_fail(req, -ENOMEM, "out of memory");
	if (rc != 0)
		return;
	req->attempts++;
	if (kube_http_add(c, req->easy) != 0) {
		kcurl.easy_cleanup(req->easy);
		req->easy = NULL;
		kube_request_fail(req, -EIO, "cannot add the transfer to the curl multi");
	}
}

void
kube_request_resume(struct kube_request *req, const struct kube_error *err)
{
	req->waiting_exec = 0;
	if (err != NULL)
		kube_request_complete(req, NULL, err);
	else
		req_attempt(req);
}

static void
on_retry_timer(uv_timer_t *t)
{
	struct kube_request *req = t->data;

	req_attempt(req);
}

static void
on_cancel_timer(uv_timer_t *t)
{
	struct kube_request *req = t->data;

	kube_request_fail(req, -ECANCELED, "%s %s: cancelled", req->method, req->path);
}

int
kube_request_attempts(const struct kube_request *req)
{
	return req->attempts;
}

void
kube_request_cancel(struct kube_request *req)
{
	if (req == NULL || req->done || req->cancelled)
		return;
	req->cancelled = 1;
	/* Removal happens from a timer callback: never inside a curl callback. */
	uv_timer_start(&req->timer, on_cancel_timer, 0, 0);
}

/* Retry after delay_ms, or complete with *last if retries or the deadline run out. */
static void
req_retry(struct kube_request *req, uint64_t delay_ms, struct kube_error *last)
{
	size_t n = strlen(last->message);

	if (req->retries >= req->max_retries) {
		snprintf(last->message + n, sizeof(last->message) - n, " (gave up after %d "
		    "attempts)", req->attempts);
		kube_request_complete(req, NULL, last);
		return;
	}
	if (strata_now_ms() + delay_ms >= req->deadline_ms) {
		snprintf(last->message + n, sizeof(last->message) - n, " (deadline reached "
		    "after %d attempts)", req->attempts);
		kube_request_complete(req, NULL, last);
		return;
	}
	req->retries++;
	log_debug(KUBE_LOG, "retry method=%s path=%s attempt=%d delay_ms=%llu why=\"%s\"",
	    req->method, req->path, req->attempts, (unsigned long long)delay_ms,
	    last->message);
	uv_timer_start(&req->timer, on_retry_timer, delay_ms, 0);
}

static uint64_t
backoff_ms(int retry)
{
	uint64_t d = BACKOFF_BASE_MS;
	int i;

	for (i = 0; i < retry && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	return d / 2 + (uint64_t)(rand() % (int)(d / 2 + 1));
}

static int
curl_errno(CURLcode r)
{
	switch (r) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return -EPROTO;
	default:
		return -ECONNRESET;
	}
}

static int
curl_retryable(CURLcode r)
{
	switch (r) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Fills reason/message from a Status body when there is one. */
static void
status_fill(struct kube_request *req, long code, struct kube_error *e)
{
	json_t *st;
	const char *reason = NULL, *msg = NULL;

	e->code = code == 401 || code == 403 ? -EACCES : -EIO;
	e->http_status = code;
	st = json_loadb(req->resp.data != NULL ? req->resp.data : "", req->resp.len, 0, NULL);
	if (json_is_object(st)) {
		reason = json_string_value(json_object_get(st, "reason"));
		msg = json_string_value(json_object_get(st, "message"));
	}
	snprintf(e->reason, sizeof(e->reason), "%s", reason != NULL ? reason : "");
	snprintf(e->message, sizeof(e->message), "%s %s: HTTP %ld%s%s", req->method, req->path,
	    code, msg != NULL ? ": " : "", msg != NULL ? msg : "");
	json_decref(st);
}


static void
req_success(struct kube_request *req)
{
	json_error_t jerr;
	json_t *v;

	if (req->kind == KUBE_REQ_LIST && req->item_fn != NULL) {
		kube_list_raw_page(req);	/* scanned item by item, not parsed whole */
		return;
	}
	if (req->resp.len == 0)
		v = json_object();
	else
		v = json_loadb(req->resp.data, req->resp.len, 0, &jerr);
	if (v == NULL) {
		kube_request_fail(req, -EBADMSG, "%s %s: response is not JSON (%s at byte %d)",
		    req->method, req->path, jerr.text, jerr.position);
		return;
	}
	req->page_bytes = req->resp.len;
	sbuf_release(&req->resp);	/* a page's bytes are not kept across pages */
	sbuf_init(&req->resp, req->client->max_body);
	if (req->kind == KUBE_REQ_LIST)
		kube_list_page(req, v);
	else if (req->disc_group != NULL)
		kube_discover_step(req, v);
	else
		kube_request_complete(req, v, NULL);
	json_decref(v);
}

void
kube_request_transfer_done(struct kube_request *req, CURLcode result)
{
	struct kube_error e;
	curl_off_t retry_after = 0;
	long code = 0;
	uint64_t delay;

	kcurl.easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
	kcurl.easy_getinfo(req->easy, CURLINFO_RETRY_AFTER, &retry_after);
	memset(&e, 0, sizeof(e));
	if (req->curl_err[0] != '\0')
		snprintf(e.message, sizeof(e.message), "%s %s: %s", req->method, req->path,
		    req->curl_err);
	req_easy_release(req);
	if (req->cancelled) {
		kube_request_fail(req, -ECANCELED, "%s %s: cancelled", req->method, req->path);
		return;
	}
	if (req->too_big) {
		kube_request_fail(req, -E2BIG, "%s %s: response larger than the cap of %zu "
		    "bytes", req->method, req->path, req->client->max_body);
		return;
	}
	if (result != CURLE_OK) {
		e.code = curl_errno(result);
		e.curl_code = (int)result;
		if (e.message[0] == '\0')
			snprintf(e.message, sizeof(e.message), "%s %s: %s", req->method,
			    req->path, kcurl.easy_strerror(result));
		if (result == CURLE_COULDNT_CONNECT ||
		    (req->idempotent && curl_retryable(result)))
			req_retry(req, backoff_ms(req->retries), &e);
		else
			kube_request_complete(req, NULL, &e);
		return;
	}
	if (code >= 200 && code < 300) {
		req_success(req);
		return;
	}
	status_fill(req, code, &e);
	if (code == 401 && !req->auth_retried && kube_auth_invalidate(req->client, req)) {
		req->auth_retried = 1;
		log_info(KUBE_LOG, "credentials rejected (401), refreshing and retrying once "
		    "path=%s", req->path);
		req_attempt(req);
		return;
	}
	if (code == 410 && req->kind == KUBE_REQ_LIST && req->cont != NULL &&
	    kube_list_expired(req))
		return;
	if ((code == 429 || code == 503) && retry_after > 0) {
		delay = (uint64_t)retry_after * 1000u;
		req_retry(req, delay < RETRY_AFTER_MAX_MS ? delay : RETRY_AFTER_MAX_MS, &e);
		return;
	}
	if (code >= 500 && req->idempotent) {
		req_retry(req, backoff_ms(req->retries), &e);
		return;
	}
	kube_request_complete(req, NULL, &e);
}

struct kube_request *
kube_request_new(struct kube_client *c, const char *method, const char *path, json_t *body,
    const char *content_type, const struct kube_opts *o, kube_done_fn cb, void *arg,
    char *err, size_t errlen)
{
	static const struct kube_opts none;
	struct kube_request *req;
	int rc;

	if (o == NULL)
		o = &none;
	if (c == NULL || c->closing) {
		kube_err_set(err, errlen, "client is closed");
		return NULL;
	}
	if (cb == NULL || path == NULL || path[0] != '/' || strlen(method) >= 8) {
		kube_err_set(err, errlen, "invalid request (method, path or callback)");
		return NULL;
	}
	if ((req = calloc(1, sizeof(*req))) == NULL)
		goto nomem;
	if ((req->path = strdup(path)) == NULL)
		goto nomem_req;
	if (body != NULL) {
		if ((req->body = json_dumps(body, JSON_COMPACT)) == NULL)
			goto nomem_req;
		req->body_len = strlen(req->body);
	}
	if ((rc = uv_timer_init(c->loop, &req->timer)) != 0) {
		kube_err_set(err, errlen, "uv_timer_init: %s", uv_strerror(rc));
		free(req->body);
		free(req->path);
		free(req);
		return NULL;
	}
	req->timer.data = req;
	req->client = c;
	req->kind = KUBE_REQ_SINGLE;
	snprintf(req->method, sizeof(req->method), "%s", method);
	req->content_type = content_type != NULL ? content_type : "application/json";
	req->idempotent = o->idempotent || strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0;
	req->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms : c->timeout_ms;
	req->deadline_ms = strata_now_ms() + req->timeout_ms;
	req->max_retries = o->max_retries < 0 ? 0 : o->max_retries > 0 ? o->max_retries :
	    c->max_retries;
	req->cb = cb;
	req->arg = arg;
	sbuf_init(&req->resp, c->max_body);
	TAILQ_INSERT_TAIL(&c->reqs, req, entry);
	c->npending++;
	return req;
nomem_req:
	free(req->path);
	free(req);
nomem:
	kube_err_set(err, errlen, "out of memory");
	return NULL;
}

void
kube_request_again(struct kube_request *req)
{
	req_attempt(req);
}

void
kube_request_start(struct kube_request *req)
{
	/* Start from a timer so that no callback runs inside the caller's call. */
	uv_timer_start(&req->timer, on_retry_timer, 0, 0);
}
