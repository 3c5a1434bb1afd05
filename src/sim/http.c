/*
 * The HTTP front of strata-sim on libmicrohttpd: one thread per connection (keep-alive,
 * blocking watch streams), TLS through GnuTLS, bearer-token or client-certificate auth,
 * fault injection, the /sim/ admin endpoints, and response helpers for the handlers.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include "mhd_dl.h"
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_priv.h"
#include "strata/util.h"

struct conn_ctx {
	struct sbuf	 body;
	bool		 too_large;
};

const char *
sim_req_arg(struct sim_req *r, const char *key)
{
	return smhd.lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

static struct MHD_Response *
make_resp(char *buf, size_t len, const char *ctype)
{
	struct MHD_Response *resp;

	resp = smhd.create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(buf);
		return NULL;
	}
	smhd.add_response_header(resp, "Content-Type", ctype);
	smhd.add_response_header(resp, "Cache-Control", "no-cache, private");
	return resp;
}

void
sim_reply_buf(struct sim_req *r, int code, char *buf, size_t len)
{
	if (r->resp != NULL)
		smhd.destroy_response(r->resp);
	r->code = code;
	r->resp = make_resp(buf, len, "application/json");
}

void
sim_reply_json(struct sim_req *r, int code, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (text == NULL) {
		text = strdup("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
		    "\"status\":\"Failure\",\"message\":\"out of memory\","
		    "\"reason\":\"InternalError\",\"code\":500}");
		code = 500;
		if (text == NULL)
			return;
	}
	sim_reply_buf(r, code, text, strlen(text));
}

static json_t *
status_json(int code, const char *reason, const char *message)
{
	return json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:i}", "kind", "Status", "apiVersion", "v1",
	    "metadata", "status", code < 400 ? "Success" : "Failure", "message", message,
	    "reason", reason ? reason : "", "code", code);
}

void
sim_reply_err(struct sim_req *r, const struct sim_err *e, const struct sim_rtype *rt,
    const char *name)
{
	json_t *st = status_json(e->code, e->reason, e->message), *details = json_object();
	char ra[16];

	if (name != NULL)
		json_object_set_new(details, "name", json_string(name));
	if (rt != NULL) {
		json_object_set_new(details, "group", json_string(rt->group));
		json_object_set_new(details, "kind", json_string(rt->plural));
	}
	if (e->cause_reason[0] != '\0')
		json_object_set_new(details, "causes", json_pack("[{s:s,s:s}]", "reason",
		    e->cause_reason, "message", e->cause_message));
	if (e->retry_after_s > 0)
		json_object_set_new(details, "retryAfterSeconds", json_integer(e->retry_after_s));
	if (json_object_size(details) > 0)
		json_object_set_new(st, "details", details);
	else
		json_decref(details);
	sim_reply_json(r, e->code, st);
	if (e->retry_after_s > 0 && r->resp != NULL) {
		snprintf(ra, sizeof(ra), "%d", e->retry_after_s);
		smhd.add_response_header(r->resp, "Retry-After", ra);
	}
}

void
sim_reply_status(struct sim_req *r, int code, const char *reason, const char *fmt, ...)
{
	struct sim_err e;
	va_list ap;

	memset(&e, 0, sizeof(e));
	e.code = code;
	e.reason = reason;
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	sim_reply_err(r, &e, NULL, NULL);
}

static const char *
reason_for(int code)
{
	switch (code) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 409: return "Conflict";
	case 410: return "Expired";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	case 504: return "Timeout";
	default: return "";
	}
}

/* ---- auth ------------------------------------------------------------------------------- */

static bool
token_ok(const struct sim *s, const char *hdr)
{
	size_t tl = strlen(s->token), hl, i;
	unsigned char d = 0;

	if (hdr == NULL || strncmp(hdr, "Bearer ", 7) != 0)
		return false;
	hdr += 7;
	hl = strlen(hdr);
	if (hl != tl)
		return false;
	for (i = 0; i < tl; i++)
		d |= (unsigned char)(hdr[i] ^ s->token[i]);
	return d == 0;
}

/*
 * A client certificate verified against --client-ca.  libmicrohttpd hands out the GnuTLS
 * session; GnuTLS is already loaded by libmicrohttpd, so its verifier is looked up at run
 * time (the build links only the packages in the top-level Makefile).
 */
typedef int (*verify_fn)(void *session, unsigned int *status);
typedef const void *(*peers_fn)(void *session, unsigned int *n);

static bool
client_cert_ok(const struct sim *s, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	verify_fn verify;
	peers_fn peers;
	unsigned int st = 1, n = 0;

	if (!s->tls || s->client_ca_pem == NULL)
		return false;
	ci = smhd.get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return false;
	*(void **)&verify = dlsym(RTLD_DEFAULT, "gnutls_certificate_verify_peers2");
	*(void **)&peers = dlsym(RTLD_DEFAULT, "gnutls_certificate_get_peers");
	if (verify == NULL || peers == NULL)
		return false;
	if (peers(ci->tls_session, &n) == NULL || n == 0)
		return false;
	return verify(ci->tls_session, &st) == 0 && st == 0;
}

/* ---- admin: /sim/ ------------------------------------------------------------------------ */

static void
admin(struct sim_req *r)
{
	char err[256] = "";

	if (strcmp(r->path, "/sim/faults") == 0) {
		if (strcmp(r->method, "POST") == 0) {
			if (sim_faults_add(r->s, r->body, err, sizeof(err)) < 0) {
				sim_reply_status(r, 400, "BadRequest", "%s", err);
				return;
			}
			sim_reply_json(r, 201, sim_faults_json(r->s));
			return;
		}
		if (strcmp(r->method, "DELETE") == 0) {
			sim_faults_clear(r->s);
			sim_reply_json(r, 200, sim_faults_json(r->s));
			return;
		}
		if (strcmp(r->method, "GET") == 0) {
			sim_reply_json(r, 200, sim_faults_json(r->s));
			return;
		}
		sim_reply_status(r, 405, "MethodNotAllowed", "use GET, POST or DELETE");
		return;
	}
	sim_reply_status(r, 404, "NotFound", "no such admin endpoint: %s", r->path);
}

/* ---- the request handler ---------------------------------------------------------------- */

static bool
is_write(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static enum MHD_Result
serve(struct sim *s, struct MHD_Connection *c, const char *url, const char *method,
    struct conn_ctx *ctx)
{
	struct sim_req r;
	struct fault_hit lat = { 0 }, other = { 0 };
	enum MHD_Result ret;
	const char *h;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.conn = c;
	r.method = method;
	r.path = url;
	r.body = ctx->body.data ? ctx->body.data : "";
	r.body_len = ctx->body.len;
	h = smhd.lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	r.accept = h ? h : "";
	h = smhd.lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	r.content_type = h ? h : "";

	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/livez") == 0 ||
	    strcmp(url, "/readyz") == 0) {
		char *ok = strdup("ok");

		if (ok == NULL)
			return MHD_NO;
		r.resp = make_resp(ok, 2, "text/plain; charset=utf-8");
		r.code = 200;
		goto send;
	}
	if (!token_ok(s, smhd.lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")) &&
	    !client_cert_ok(s, c)) {
		sim_reply_status(&r, 401, "Unauthorized", "Unauthorized");
		goto send;
	}
	if (ctx->too_large) {
		sim_reply_status(&r, 413, "RequestEntityTooLarge", "the request body is larger "
		    "than %u bytes", SIM_BODY_MAX);
		goto send;
	}
	if (strncmp(url, "/sim/", 5) == 0) {
		admin(&r);
		goto send;
	}
	sim_faults_match(s, method, url, &lat, &other);
	if (lat.effect == FAULT_LATENCY && lat.latency_ms > 0)
		usleep(lat.latency_ms * 1000u);
	switch (other.effect) {
	case FAULT_RESET:
		log_debug("sim", "fault: reset %s %s", method, url);
		return MHD_NO;
	case FAULT_STATUS: {
		struct sim_err e;

		memset(&e, 0, sizeof(e));
		e.code = other.status;
		e.reason = reason_for(other.status);
		e.retry_after_s = other.retry_after_s;
		snprintf(e.message, sizeof(e.message), "injected fault: HTTP %d", other.status);
		sim_reply_err(&r, &e, NULL, NULL);
		goto send;
	}
	case FAULT_CONFLICT:
		if (is_write(method)) {
			sim_reply_status(&r, 409, "Conflict", "Operation cannot be fulfilled: the "
			    "object has been modified; please apply your changes to the latest "
			    "version and try again (injected fault)");
			goto send;
		}
		break;
	default:
		break;
	}
	if (!sim_api_discovery(&r))
		sim_api_resource(&r);
send:
	if (r.resp == NULL)
		return MHD_NO;
	smhd.add_response_header(r.resp, "Audit-Id", "strata-sim");
	ret = smhd.queue_response(c, (unsigned)r.code, r.resp);
	smhd.destroy_response(r.resp);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct sim *s = cls;
	struct conn_ctx *ctx = *con_cls;

	(void)version;
	if (ctx == NULL) {
		ctx = calloc(1, sizeof(*ctx));
		if (ctx == NULL)
			return MHD_NO;
		sbuf_init(&ctx->body, SIM_BODY_MAX);
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!ctx->too_large && sbuf_append(&ctx->body, upload_data, *upload_size) < 0)
			ctx->too_large = true;
		*upload_size = 0;
		return MHD_YES;
	}
	return serve(s, c, url, method, ctx);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_ctx *ctx = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (ctx == NULL)
		return;
	sbuf_release(&ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("sim.http", "%s", buf);
}

int
sim_http_start(struct sim *s, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	char host[64];
	const char *colon = strrchr(listen, ':');
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_ERROR_LOG;
	long port;
	char *end;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - listen)) >= sizeof(host)) {
		snprintf(err, errlen, "--listen %s: expected HOST:PORT", listen);
		return -EINVAL;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535) {
		snprintf(err, errlen, "--listen %s: bad port", listen);
		return -EINVAL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) {
		snprintf(err, errlen, "--listen %s: not an IPv4 address", listen);
		return -EINVAL;
	}
	if (s->tls)
		flags |= MHD_USE_TLS;
	if (sim_mhd_load(err, errlen) != 0)
		return -ENOENT;
	s->mhd = smhd.start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
	    s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, s->tls_key_pem,
	    s->client_ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, s->client_ca_pem,
	    MHD_OPTION_END);
	if (s->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s (in use, or bad TLS key/certificate)",
		    listen);
		return -EADDRINUSE;
	}
	di = smhd.get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : (uint16_t)port;
	s->url = malloc(96);
	if (s->url != NULL)
		snprintf(s->url, 96, "%s://%s:%u", s->tls ? "https" : "http",
		    strcmp(host, "0.0.0.0") == 0 || host[0] == '\0' ? "127.0.0.1" : host,
		    (unsigned)s->port);
	if (s->url == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void
sim_http_stop(struct sim *s)
{
	if (s->mhd != NULL) {
		smhd.stop_daemon(s->mhd);
		s->mhd = NULL;
	}
}
