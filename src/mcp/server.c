/*
 * The server core: lines in, JSON-RPC 2.0 validation, routing to the method handlers,
 * responses out (single or, for 2025-03-26, batched).
 *
 * Which requests are allowed depends on the mode of the process: before anything is
 * negotiated only initialize, ping and server/discover are served (and unknown methods get
 * -32601 at once, so dual-generation clients probing with server/discover fail fast); a
 * process whose first real request is initialize speaks the negotiated legacy revision; one
 * whose requests carry the 2026-07-28 per-request _meta is stateless ("modern").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"

#define LOGGER	"mcp"

enum {
	M_LEGACY	= 1 << 0,	/* served in legacy mode */
	M_MODERN	= 1 << 1,	/* served in 2026-07-28 mode */
	M_BEFORE_INIT	= 1 << 2,	/* served before anything is negotiated */
	M_INIT		= 1 << 3	/* the initialize request itself */
};

struct method {
	const char	*name;
	unsigned	 flags;
	void		(*fn)(struct mcp_server *, const struct mcp_request *);
};

static const struct method methods[] = {
	{ "initialize",			M_INIT,					mcp_handle_initialize },
	{ "ping",			M_LEGACY | M_BEFORE_INIT,		mcp_handle_ping },
	{ "server/discover",		M_LEGACY | M_MODERN | M_BEFORE_INIT,	mcp_handle_discover },
	{ "tools/list",			M_LEGACY | M_MODERN,			mcp_handle_tools_list },
	{ "tools/call",			M_LEGACY | M_MODERN,			mcp_handle_tools_call },
	{ "resources/list",		M_LEGACY | M_MODERN,			mcp_handle_resources_list },
	{ "resources/read",		M_LEGACY | M_MODERN,			mcp_handle_resources_read },
	{ "resources/templates/list",	M_LEGACY | M_MODERN,			mcp_handle_templates_list },
	{ "logging/setLevel",		M_LEGACY,				mcp_handle_set_level },
};

static void	server_line(void *arg, const char *line, size_t len, int status);

struct mcp_server *
mcp_server_new(uv_loop_t *loop, const struct mcp_server_options *opt, mcp_send_fn send,
    void *send_arg)
{
	struct mcp_server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->loop = loop;
	if (opt != NULL)
		srv->opt = *opt;
	else {
		srv->opt.tools_page_size = MCP_DEFAULT_TOOLS_PAGE;
		srv->opt.validate_output = -1;
	}
	if (srv->opt.max_message_bytes == 0)
		srv->opt.max_message_bytes = MCP_DEFAULT_MAX_MESSAGE;
	if (srv->opt.resources_page_size == 0)
		srv->opt.resources_page_size = MCP_DEFAULT_RESOURCES_PAGE;
	if (srv->opt.input_ttl_ms == 0)
		srv->opt.input_ttl_ms = MCP_DEFAULT_INPUT_TTL_MS;
	if (srv->opt.validate_output < 0) {
#ifdef NDEBUG
		srv->opt.validate_output = 0;
#else
		srv->opt.validate_output = 1;
#endif
	}
	srv->send = send;
	srv->send_arg = send_arg;
	mcp_frame_init(&srv->frame, srv->opt.max_message_bytes);
	mcp_state_init(srv);
	if ((srv->empty_caps = json_object()) == NULL)
		goto fail;
	if (mcp_tools_init(srv) != 0 || mcp_resources_init(srv) != 0)
		goto fail;
	strata_log_set_hook(mcp_log_hook, srv);
	return srv;
fail:
	mcp_server_free(srv);
	return NULL;
}

void
mcp_server_free(struct mcp_server *srv)
{
	if (srv == NULL)
		return;
	strata_log_set_hook(NULL, NULL);
	srv->send = NULL;	/* nothing goes out while tearing down */
	srv->on_idle = NULL;
	if (srv->ncalls > 0)
		log_warn(LOGGER, "freeing the server with %u calls still running", srv->ncalls);
	mcp_calls_free_all(srv);
	mcp_tools_release(srv);
	mcp_resources_release(srv);
	mcp_frame_release(&srv->frame);
	mcp_state_release(srv);
	json_decref(srv->client_caps);
	json_decref(srv->empty_caps);
	free(srv);
}

void
mcp_server_feed(struct mcp_server *srv, const char *data, size_t len)
{
	if (srv->shutting_down)
		return;
	mcp_frame_feed(&srv->frame, data, len, server_line, srv);
}

void
mcp_server_feed_eof(struct mcp_server *srv)
{
	if (!srv->shutting_down)
		mcp_frame_finish(&srv->frame, server_line, srv);
	mcp_server_shutdown(srv, "the client closed the connection");
}

void
mcp_server_shutdown(struct mcp_server *srv, const char *reason)
{
	if (!srv->shutting_down) {
		srv->shutting_down = true;
		srv->frame.stop = true;
		mcp_calls_cancel_all(srv, reason);
	}
	mcp_server_check_idle(srv);
}

bool
mcp_server_shutting_down(const struct mcp_server *srv)
{
	return srv->shutting_down;
}

bool
mcp_server_idle(const struct mcp_server *srv)
{
	return srv->ncalls == 0;
}

void
mcp_server_on_idle(struct mcp_server *srv, void (*fn)(void *arg), void *arg)
{
	srv->on_idle = fn;
	srv->on_idle_arg = arg;
}

void
mcp_server_check_idle(struct mcp_server *srv)
{
	if (!srv->shutting_down || srv->ncalls > 0 || srv->idle_notified)
		return;
	srv->idle_notified = true;
	if (srv->on_idle != NULL)
		srv->on_idle(srv->on_idle_arg);
}

uv_loop_t *
mcp_server_loop(const struct mcp_server *srv)
{
	return srv->loop;
}

enum mcp_revision
mcp_server_revision(const struct mcp_server *srv)
{
	switch (srv->mode) {
	case MCP_MODE_LEGACY:
		return srv->rev;
	case MCP_MODE_MODERN:
		return MCP_REV_2026_07_28;
	default:
		return MCP_REV_NONE;
	}
}

/* ---- output ------------------------------------------------------------------------ */

void
mcp_send_json(struct mcp_server *srv, json_t *msg)
{
	char *line;

	if (msg == NULL) {
		log_error(LOGGER, "out of memory building a message");
		return;
	}
	if (srv->send == NULL) {
		json_decref(msg);
		return;
	}
	/* Compact output never holds a raw newline; 15 digits print 0.1 as 0.1. */
	line = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(msg);
	if (line == NULL) {
		log_error(LOGGER, "cannot encode a message (invalid UTF-8 in a string?)");
		return;
	}
	srv->send(line, strlen(line), srv->send_arg);
}

static void
batch_unref(struct mcp_batch *b)
{
	if (--b->refs > 0)
		return;
	json_decref(b->responses);
	free(b);
}

static void
batch_flush(struct mcp_server *srv, struct mcp_batch *b)
{
	if (b->dispatching || b->pending > 0)
		return;
	if (json_array_size(b->responses) > 0) {
		mcp_send_json(srv, b->responses);
		b->responses = json_array();
	}
}

static void
reply_send(struct mcp_server *srv, const struct mcp_reply_to *to, json_t *msg)
{
	if (to->batch == NULL) {
		mcp_send_json(srv, msg);
		return;
	}
	if (msg != NULL)
		json_array_append_new(to->batch->responses, msg);
}

void
mcp_reply_result(struct mcp_server *srv, const struct mcp_reply_to *to, json_t *result)
{
	json_t *msg;

	if (result == NULL) {
		mcp_reply_error(srv, to, RPC_INTERNAL_ERROR, NULL, "out of memory");
		return;
	}
	if (to->modern && json_object_get(result, "resultType") == NULL)
		json_object_set_new(result, "resultType", json_string("complete"));
	msg = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", to->id, "result", result);
	reply_send(srv, to, msg);
}

static void
reply_verror(struct mcp_server *srv, const struct mcp_reply_to *to, int code, json_t *data,
    const char *fmt, va_list ap)
{
	char text[1024];
	json_t *err, *msg;

	vsnprintf(text, sizeof(text), fmt, ap);
	err = json_pack("{s:i, s:s}", "code", code, "message", text);
	if (err != NULL && data != NULL)
		json_object_set(err, "data", data);
	json_decref(data);
	msg = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0",
	    "id", to->id != NULL ? to->id : json_null(), "error", err);
	reply_send(srv, to, msg);
}

void
mcp_reply_error(struct mcp_server *srv, const struct mcp_reply_to *to, int code, json_t *data,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(srv, to, code, data, fmt, ap);
	va_end(ap);
}

static void
req_reply_to(const struct mcp_request *req, struct mcp_reply_to *to)
{
	to->id = req->id;
	to->batch = req->batch;
	to->modern = req->modern;
}

void
mcp_req_result(struct mcp_server *srv, const struct mcp_request *req, json_t *result)
{
	struct mcp_reply_to to;

	req_reply_to(req, &to);
	mcp_reply_result(srv, &to, result);
}

void
mcp_req_error(struct mcp_server *srv, const struct mcp_request *req, int code, json_t *data,
    const char *fmt, ...)
{
	struct mcp_reply_to to;
	va_list ap;

	req_reply_to(req, &to);
	va_start(ap, fmt);
	reply_verror(srv, &to, code, data, fmt, ap);
	va_end(ap);
}

void
mcp_reply_to_init(struct mcp_reply_to *to, const struct mcp_request *req)
{
	to->id = json_incref(req->id);
	to->batch = req->batch;
	to->modern = req->modern;
	if (to->batch != NULL) {
		to->batch->refs++;
		to->batch->pending++;
	}
}

/*
 * Called after an asynchronous call's response went into its batch (or, cancelled, did
 * not): the last one sends the batch.
 */
void
mcp_reply_to_release(struct mcp_server *srv, struct mcp_reply_to *to)
{
	json_decref(to->id);
	to->id = NULL;
	if (to->batch != NULL) {
		to->batch->pending--;
		batch_flush(srv, to->batch);
		batch_unref(to->batch);
		to->batch = NULL;
	}
}

/* ---- input ------------------------------------------------------------------------- */

static void
error_id_null(struct mcp_server *srv, struct mcp_batch *batch, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
error_id_null(struct mcp_server *srv, struct mcp_batch *batch, int code, const char *fmt, ...)
{
	struct mcp_reply_to to = { NULL, batch, false };
	va_list ap;

	va_start(ap, fmt);
	reply_verror(srv, &to, code, NULL, fmt, ap);
	va_end(ap);
}

static const struct method *
method_find(const char *name)
{
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(methods); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

static void
handle_notification(struct mcp_server *srv, const char *method, json_t *params)
{
	if (strcmp(method, "notifications/initialized") == 0) {
		if (srv->mode == MCP_MODE_LEGACY)
			srv->initialized = true;
		else
			log_debug(LOGGER, "notifications/initialized before initialize: ignored");
	} else if (strcmp(method, "notifications/cancelled") == 0)
		mcp_handle_cancelled(srv, params);
	else
		log_debug(LOGGER, "notification %s ignored", method);
}

/* A request in the current mode: decides which rules apply, then runs the method. */
static void
handle_request(struct mcp_server *srv, struct mcp_request *req)
{
	const struct method *m;
	const json_t *meta;

	if ((m = method_find(req->method)) == NULL) {
		mcp_req_error(srv, req, RPC_METHOD_NOT_FOUND, NULL, "Method not found: %s",
		    req->method);
		return;
	}
	if (m->flags & M_INIT) {
		if (srv->mode == MCP_MODE_MODERN)
			mcp_req_error(srv, req, RPC_INVALID_REQUEST, NULL, "this process already "
			    "serves 2026-07-28 requests, which have no initialize");
		else if (srv->mode == MCP_MODE_LEGACY)
			mcp_req_error(srv, req, RPC_INVALID_REQUEST, NULL,
			    "already initialized (protocol %s)", mcp_revision_name(srv->rev));
		else
			m->fn(srv, req);
		return;
	}

	if (srv->mode == MCP_MODE_LEGACY) {
		req->rev = srv->rev;
		req->client_caps = srv->client_caps != NULL ? srv->client_caps : srv->empty_caps;
		if (!(m->flags & M_LEGACY)) {
			mcp_req_error(srv, req, RPC_METHOD_NOT_FOUND, NULL, "Method not found: %s",
			    req->method);
			return;
		}
		m->fn(srv, req);
		return;
	}

	if (srv->mode == MCP_MODE_MODERN || mcp_params_are_modern(req->params)) {
		meta = json_object_get(req->params, "_meta");
		if (!(m->flags & M_MODERN)) {
			mcp_req_error(srv, req, RPC_METHOD_NOT_FOUND, NULL,
			    "Method not found: %s is not part of protocol 2026-07-28", req->method);
			return;
		}
		req->modern = true;
		if (mcp_modern_meta_parse(srv, req, meta) != 0)
			return;
		/* A discover probe does not commit the process to either generation. */
		if (srv->mode == MCP_MODE_NONE && strcmp(req->method, "server/discover") != 0) {
			srv->mode = MCP_MODE_MODERN;
			log_info(LOGGER, "serving protocol 2026-07-28 (stateless)");
		}
		mcp_modern_level_hold(srv, req->log_level);
		m->fn(srv, req);
		mcp_modern_level_drop(srv, req->log_level);
		return;
	}

	/* Nothing negotiated and no per-request _meta. */
	if (!(m->flags & M_BEFORE_INIT)) {
		mcp_req_error(srv, req, RPC_INVALID_REQUEST, NULL, "server not initialized: send "
		    "initialize first (or per-request _meta for protocol 2026-07-28)");
		return;
	}
	m->fn(srv, req);
}

/* One JSON-RPC message (an element of a batch or a whole line). */
static void
handle_message(struct mcp_server *srv, json_t *msg, struct mcp_batch *batch)
{
	struct mcp_request req;
	json_t *id, *method, *params, *version;
	bool has_id;

	if (!json_is_object(msg)) {
		error_id_null(srv, batch, RPC_INVALID_REQUEST,
		    "Invalid Request: a message must be a JSON object");
		return;
	}
	id = json_object_get(msg, "id");
	has_id = id != NULL;
	if (has_id && !json_is_string(id) && !json_is_integer(id)) {
		error_id_null(srv, batch, RPC_INVALID_REQUEST,
		    "Invalid Request: id must be a string or an integer");
		return;
	}
	memset(&req, 0, sizeof(req));
	req.id = id;
	req.batch = batch;
	req.log_level = -1;
	req.client_caps = srv->empty_caps;

	version = json_object_get(msg, "jsonrpc");
	if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0) {
		mcp_req_error(srv, &req, RPC_INVALID_REQUEST, NULL,
		    "Invalid Request: \"jsonrpc\" must be \"2.0\"");
		return;
	}
	method = json_object_get(msg, "method");
	if (method == NULL && has_id &&
	    (json_object_get(msg, "result") != NULL || json_object_get(msg, "error") != NULL)) {
		mcp_handle_response(srv, msg);
		return;
	}
	if (!json_is_string(method)) {
		mcp_req_error(srv, &req, RPC_INVALID_REQUEST, NULL,
		    "Invalid Request: \"method\" must be a string");
		return;
	}
	req.method = json_string_value(method);
	params = json_object_get(msg, "params");
	if (params != NULL && !json_is_object(params) && !json_is_array(params)) {
		mcp_req_error(srv, &req, RPC_INVALID_REQUEST, NULL,
		    "Invalid Request: \"params\" must be an object");
		return;
	}
	if (!has_id) {
		handle_notification(srv, req.method, json_is_object(params) ? params : NULL);
		return;
	}
	if (json_is_array(params)) {
		mcp_req_error(srv, &req, RPC_INVALID_PARAMS,
		    NULL, "Invalid params: MCP params are an object, not an array");
		return;
	}
	req.params = params != NULL ? params : srv->empty_caps;
	handle_request(srv, &req);
}

static void
handle_batch(struct mcp_server *srv, json_t *arr)
{
	struct mcp_batch *b;
	size_t i;

	if (srv->mode != MCP_MODE_LEGACY || srv->rev != MCP_REV_2025_03_26) {
		error_id_null(srv, NULL, RPC_INVALID_REQUEST, "Invalid Request: batches are "
		    "only part of protocol 2025-03-26 (this session: %s)",
		    mcp_revision_name(mcp_server_revision(srv)));
		return;
	}
	if (json_array_size(arr) == 0) {
		error_id_null(srv, NULL, RPC_INVALID_REQUEST, "Invalid Request: empty batch");
		return;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->responses = json_array()) == NULL) {
		free(b);
		error_id_null(srv, NULL, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	b->refs = 1;
	b->dispatching = true;
	for (i = 0; i < json_array_size(arr); i++)
		handle_message(srv, json_array_get(arr, i), b);
	b->dispatching = false;
	batch_flush(srv, b);
	batch_unref(b);
}

static void
server_line(void *arg, const char *line, size_t len, int status)
{
	struct mcp_server *srv = arg;
	json_error_t jerr;
	json_t *msg;

	if (status == -E2BIG) {
		error_id_null(srv, NULL, RPC_PARSE_ERROR, "Parse error: message longer than "
		    "%zu bytes skipped", srv->opt.max_message_bytes);
		log_warn(LOGGER, "skipped a message of more than %zu bytes",
		    srv->opt.max_message_bytes);
		return;
	}
	msg = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (msg == NULL) {
		error_id_null(srv, NULL, RPC_PARSE_ERROR, "Parse error: %s (at byte %d)",
		    jerr.text, jerr.position);
		return;
	}
	if (json_is_array(msg))
		handle_batch(srv, msg);
	else
		handle_message(srv, msg, NULL);
	json_decref(msg);
}
