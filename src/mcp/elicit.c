/*
 * Elicitation: asking the user through the client, for a handler's call.
 *
 * Legacy revisions (2025-06-18 on) send elicitation/create and route the client's
 * response back to the handler.  2026-07-28 has no server-to-client requests: the call is
 * completed with an input_required result carrying the question and a sealed requestState
 * (state.c); the client's retry of tools/call brings the answers, which are checked here
 * before the handler runs again and reads them with mcp_call_input_response().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"

#define LOGGER	"mcp"

static bool
key_valid(const char *key)
{
	size_t n = key != NULL ? strlen(key) : 0;

	if (n == 0 || n > MCP_INPUT_KEY_MAX)
		return false;
	return strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") == n;
}

bool
mcp_call_can_elicit(const struct mcp_call *call)
{
	const struct mcp_server *srv = call->srv;
	const json_t *el;

	if (call->cancelled)
		return false;
	if (call->rev == MCP_REV_2026_07_28) {
		if (srv->state_disabled)
			return false;
	} else if (srv->mode != MCP_MODE_LEGACY || !srv->initialized ||
	    call->rev < MCP_REV_2025_06_18)
		return false;
	/* The capabilities of this request (2026) or of the session (legacy). */
	el = json_object_get(call->caps, "elicitation");
	if (!json_is_object(el))
		return false;
	/* {} means form mode only; from 2025-11-25 modes are listed explicitly. */
	return json_object_size(el) == 0 || json_object_get(el, "form") != NULL;
}

int
mcp_elicit_result_check(const json_t *result, const json_t *schema, const char *path,
    char *err, size_t errlen)
{
	const json_t *action, *content;
	const char *a;
	char cpath[128];
	json_t *empty;
	int rc;

	if (!json_is_object(result)) {
		snprintf(err, errlen, "%s: expected an elicitation result object", path);
		return -EINVAL;
	}
	action = json_object_get(result, "action");
	a = json_string_value(action);
	if (a == NULL || (strcmp(a, "accept") != 0 && strcmp(a, "decline") != 0 &&
	    strcmp(a, "cancel") != 0)) {
		snprintf(err, errlen, "%s.action: expected \"accept\", \"decline\" or "
		    "\"cancel\"", path);
		return -EINVAL;
	}
	content = json_object_get(result, "content");
	if (content != NULL && !json_is_object(content)) {
		snprintf(err, errlen, "%s.content: expected object", path);
		return -EINVAL;
	}
	if (strcmp(a, "accept") != 0 || schema == NULL)
		return 0;
	snprintf(cpath, sizeof(cpath), "%s.content", path);
	if (content != NULL)
		return mcp_schema_validate(schema, content, cpath, err, errlen);
	if ((empty = json_object()) == NULL)
		return -ENOMEM;
	rc = mcp_schema_validate(schema, empty, cpath, err, errlen);
	json_decref(empty);
	return rc;
}

/* ---- 2026-07-28: input_required --------------------------------------------------------- */

static int
elicit_input_required(struct mcp_call *call, const char *key, const char *message,
    json_t *schema)
{
	struct mcp_server *srv = call->srv;
	json_t *ask, *answers = NULL, *result;
	char *state = NULL;
	int rc;

	if ((ask = json_pack("{s:O}", key, schema)) == NULL)
		return -ENOMEM;
	/* Earlier rounds' answers ride along; the one asked again is replaced. */
	if (call->responses != NULL) {
		if ((answers = json_copy(call->responses)) == NULL) {
			json_decref(ask);
			return -ENOMEM;
		}
		json_object_del(answers, key);
	}
	rc = mcp_state_seal(srv, mcp_call_tool(call), call->args, ask,
	    answers, &state);
	json_decref(ask);
	json_decref(answers);
	if (rc != 0)
		return rc;
	result = json_pack("{s:s, s:{s:{s:s, s:{s:s, s:s, s:O}}}, s:s}",
	    "resultType", "input_required",
	    "inputRequests", key, "method", "elicitation/create", "params", "mode", "form",
	    "message", message, "requestedSchema", schema,
	    "requestState", state);
	free(state);
	if (result == NULL)
		return -ENOMEM;
	log_info(LOGGER, "%s asks the client for input (%s): input_required",
	    mcp_call_tool(call), key);
	mcp_reply_result(srv, &call->to, result);
	mcp_call_release(call);
	return MCP_ELICIT_INPUT_REQUIRED;
}

int
mcp_input_parse(struct mcp_server *srv, const struct mcp_request *req, const char *tool,
    const json_t *args, json_t **responses, unsigned char mac[32], uint64_t *expires_ms)
{
	const json_t *rs, *ir, *r, *schema;
	json_t *ask = NULL, *answers = NULL;
	const char *key;
	char err[512], path[MCP_INPUT_KEY_MAX + 32];

	*responses = NULL;
	rs = json_object_get(req->params, "requestState");
	ir = json_object_get(req->params, "inputResponses");
	if (rs == NULL || json_is_null(rs)) {
		if (ir != NULL)
			log_info(LOGGER, "%s: inputResponses without a requestState ignored",
			    tool);
		return 0;
	}
	if (!json_is_string(rs)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: requestState must be the string the server issued");
		return -EINVAL;
	}
	if (ir != NULL && !json_is_null(ir) && !json_is_object(ir)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: inputResponses must be an object");
		return -EINVAL;
	}
	if (mcp_state_open(srv, json_string_value(rs), tool, args, &ask, &answers, mac,
	    expires_ms, err, sizeof(err)) != 0) {
		log_warn(LOGGER, "%s: retry refused: %s", tool, err);
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Invalid params: %s", err);
		return -EINVAL;
	}
	/* Only answers to what was asked count; anything else is ignored (MRTR). */
	json_object_foreach((json_t *)ask, key, schema) {
		if ((r = json_object_get(ir, key)) == NULL)
			continue;
		snprintf(path, sizeof(path), "inputResponses.%s", key);
		if (mcp_elicit_result_check(r, json_is_object(schema) ? schema : NULL, path,
		    err, sizeof(err)) != 0) {
			mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Invalid params: %s",
			    err);
			json_decref(ask);
			json_decref(answers);
			return -EINVAL;
		}
		json_object_set(answers, key, (json_t *)r);
	}
	json_decref(ask);
	*responses = answers;
	return 0;
}

const json_t *
mcp_call_input_response(const struct mcp_call *call, const char *key)
{
	if (call->responses == NULL || key == NULL)
		return NULL;
	return json_object_get(call->responses, key);
}

/* ---- legacy: elicitation/create ---------------------------------------------------------- */

void
mcp_pending_free(struct mcp_pending *p)
{
	json_decref(p->schema);
	free(p);
}

int
mcp_call_elicit_key(struct mcp_call *call, const char *key, const char *message,
    json_t *requested_schema, mcp_elicit_fn cb, void *arg)
{
	struct mcp_server *srv = call->srv;
	struct mcp_pending *p;
	json_t *params, *req;

	if (call->cancelled)
		return -ECANCELED;
	if (!key_valid(key) || message == NULL || !json_is_object(requested_schema))
		return -EINVAL;
	if (!mcp_call_can_elicit(call))
		return -ENOTSUP;
	if (call->rev == MCP_REV_2026_07_28)
		return elicit_input_required(call, key, message, requested_schema);
	if (cb == NULL)
		return -EINVAL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	snprintf(p->id, sizeof(p->id), "strata-%lu", ++srv->next_request_id);
	snprintf(p->key, sizeof(p->key), "%s", key);
	params = json_pack("{s:s, s:O}", "message", message, "requestedSchema",
	    requested_schema);
	if (params != NULL && call->rev >= MCP_REV_2025_11_25)
		json_object_set_new(params, "mode", json_string("form"));
	req = json_pack("{s:s, s:s, s:s, s:o}", "jsonrpc", "2.0", "id", p->id,
	    "method", "elicitation/create", "params", params);
	if (req == NULL || (p->schema = json_deep_copy(requested_schema)) == NULL) {
		json_decref(req);
		free(p);
		return -ENOMEM;
	}
	p->call = call;
	p->cb = cb;
	p->arg = arg;
	p->next = srv->pending;
	srv->pending = p;
	mcp_send_json(srv, req);
	return 0;
}

int
mcp_call_elicit(struct mcp_call *call, const char *message, json_t *requested_schema,
    mcp_elicit_fn cb, void *arg)
{
	return mcp_call_elicit_key(call, MCP_ELICIT_DEFAULT_KEY, message, requested_schema,
	    cb, arg);
}

void
mcp_handle_response(struct mcp_server *srv, json_t *msg)
{
	struct mcp_pending **pp, *p;
	struct mcp_call *call;
	const json_t *id;
	json_t *result;
	char err[512];

	id = json_object_get(msg, "id");
	for (pp = &srv->pending; (p = *pp) != NULL; pp = &p->next) {
		if (json_is_string(id) && strcmp(json_string_value(id), p->id) == 0)
			break;
	}
	if (p == NULL) {
		log_debug(LOGGER, "a response to no request of ours: ignored");
		return;
	}
	*pp = p->next;		/* unlinked: releasing the call in cb cannot free it */
	call = p->call;
	result = json_object_get(msg, "result");
	if (result == NULL) {
		p->cb(call, -EPROTO, json_object_get(msg, "error"), p->arg);
	} else if (mcp_elicit_result_check(result, p->schema, "result", err,
	    sizeof(err)) != 0) {
		log_warn(LOGGER, "%s: malformed elicitation answer: %s", mcp_call_tool(call),
		    err);
		p->cb(call, -EPROTO, result, p->arg);
	} else {
		if (call->responses == NULL)
			call->responses = json_object();
		if (call->responses == NULL ||
		    json_object_set(call->responses, p->key, result) != 0)
			p->cb(call, -ENOMEM, result, p->arg);
		else
			p->cb(call, 0, result, p->arg);
	}
	mcp_pending_free(p);
}
