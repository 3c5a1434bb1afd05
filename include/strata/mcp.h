#ifndef STRATA_MCP_H
#define STRATA_MCP_H

/*
 * The MCP server of strata-mcp: line framing, JSON-RPC 2.0, the lifecycle of the legacy
 * revisions (2024-11-05 … 2025-11-25) and the stateless 2026-07-28 revision, tools with
 * schema-checked arguments, resources, logging, progress and cancellation.
 *
 * The server core does no I/O of its own.  Bytes go in with mcp_server_feed(); every
 * outgoing message (one JSON text, no newline) comes out through the `send` callback given
 * to mcp_server_new().  mcp_stdio_* (below) connects the two to fds 0/1 on a libuv loop;
 * tests feed bytes and collect messages without a process.
 *
 * Everything here runs on the loop thread.  Nothing in this API blocks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "strata/util.h"

/* ---- revisions --------------------------------------------------------------------- */

enum mcp_revision {
	MCP_REV_NONE = 0,		/* not negotiated yet */
	MCP_REV_2024_11_05,
	MCP_REV_2025_03_26,
	MCP_REV_2025_06_18,
	MCP_REV_2025_11_25,
	MCP_REV_2026_07_28		/* stateless: per-request _meta, no initialize */
};

#define MCP_REV_LATEST_LEGACY	MCP_REV_2025_11_25
#define MCP_REV_LATEST		MCP_REV_2026_07_28

/* "2025-11-25" etc.; "none" for MCP_REV_NONE. */
const char	*mcp_revision_name(enum mcp_revision rev);
/* Returns 0 and sets *out for a known revision string, else -EINVAL. */
int		 mcp_revision_parse(const char *s, enum mcp_revision *out);

/* ---- the server ---------------------------------------------------------------------- */

struct mcp_server;
struct mcp_call;

/*
 * Receives one outgoing message: `line` is a malloc'd JSON text of `len` bytes without a
 * newline, NUL-terminated; the callee owns it (free() it when written).
 */
typedef void	(*mcp_send_fn)(char *line, size_t len, void *arg);

struct mcp_server_options {
	size_t	 max_message_bytes;	/* framing cap; 0 = MCP_DEFAULT_MAX_MESSAGE */
	size_t	 tools_page_size;	/* tools per tools/list page; 0 = all */
	int	 validate_output;	/* check structured results against outputSchema:
					   1 on, 0 off, -1 default (on unless NDEBUG) */
	size_t	 resources_page_size;	/* resources per resources/list page; 0 = default */
	uint64_t input_ttl_ms;		/* life of a 2026 requestState; 0 = default */
};

#define MCP_DEFAULT_MAX_MESSAGE	(16u * 1024 * 1024)
#define MCP_DEFAULT_TOOLS_PAGE	2
#define MCP_DEFAULT_RESOURCES_PAGE 100
#define MCP_DEFAULT_INPUT_TTL_MS (10u * 60 * 1000)	/* a human has 10 minutes to answer */

/*
 * Creates a server.  `loop` is borrowed and may be NULL (unit tests); handlers reach it
 * with mcp_call_loop().  `opt` is copied; NULL means defaults.  Installs the log hook of
 * strata/util.h so log records can be forwarded as notifications/message.
 * Returns NULL on allocation failure.
 */
struct mcp_server *mcp_server_new(uv_loop_t *loop, const struct mcp_server_options *opt,
		    mcp_send_fn send, void *send_arg);
/*
 * Frees the server.  Calls still running are released without further callbacks (a
 * warning is logged); call mcp_server_shutdown() first and wait for mcp_server_idle().
 */
void		 mcp_server_free(struct mcp_server *srv);

/* Feeds bytes read from the client.  Complete lines are processed at once. */
void		 mcp_server_feed(struct mcp_server *srv, const char *data, size_t len);
/* The client closed its side: processes an unterminated last line, then shuts down. */
void		 mcp_server_feed_eof(struct mcp_server *srv);
/*
 * Stops taking requests and cancels every running call (their cancel callbacks run with
 * `reason`).  Calls still finish through mcp_call_finish()/mcp_call_fail(); nothing more
 * is sent for them.
 */
void		 mcp_server_shutdown(struct mcp_server *srv, const char *reason);
bool		 mcp_server_idle(const struct mcp_server *srv);
/* True once mcp_server_shutdown() ran (the client closed stdin, or a signal). */
bool		 mcp_server_shutting_down(const struct mcp_server *srv);
/* Called (once per transition) when the server is shut down and no call is running. */
void		 mcp_server_on_idle(struct mcp_server *srv, void (*fn)(void *arg), void *arg);
uv_loop_t	*mcp_server_loop(const struct mcp_server *srv);
/* The revision of this process: a negotiated legacy one, 2026-07-28, or NONE. */
enum mcp_revision mcp_server_revision(const struct mcp_server *srv);

/* ---- tools --------------------------------------------------------------------------- */

/*
 * A tool handler.  `args` is borrowed for the duration of the handler call (incref it to
 * keep it); it has already been validated against the tool's inputSchema.  The handler
 * (now or later, on the loop) calls exactly one of mcp_call_finish() or mcp_call_fail();
 * that call releases `call`, which must not be used afterwards.
 */
typedef void	(*mcp_tool_fn)(struct mcp_call *call, json_t *args, void *arg);

/*
 * Registers the handler of one of the contract's tools ("detect_layers", …).  Until a
 * tool has a handler, calls to it return an isError result naming the capability this
 * build lacks.  Returns 0, or -ENOENT for a tool that is not in the contract.
 */
int		 mcp_tool_set_handler(struct mcp_server *srv, const char *tool, mcp_tool_fn fn,
		    void *arg);

/*
 * Completes a call successfully.  `structured` (steals; must be an object valid against
 * the tool's outputSchema) becomes structuredContent; `text` (borrowed, may be NULL) is
 * the human-readable text block — NULL sends the compact JSON of `structured`.
 * Revisions before 2025-06-18 have no structuredContent: their clients get `text` (if
 * any) followed by a second text block with the compact JSON.
 * Releases `call`.  After a cancellation it sends nothing and only releases.
 */
void		 mcp_call_finish(struct mcp_call *call, json_t *structured, const char *text);
/* Completes a call as a tool error (isError: true) with a printf-style message.  Releases
 * `call`. */
void		 mcp_call_fail(struct mcp_call *call, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Sends notifications/progress for the call if its request carried a progressToken.
 * `progress` must exceed the previous value; `total` <= 0 means unknown; `message` may be
 * NULL (2024-11-05 has no progress message: it is left out).  Returns 0 when sent, -ENOENT without a token, -EINVAL when progress does not
 * increase, -ECANCELED after a cancellation.
 */
int		 mcp_call_progress(struct mcp_call *call, double progress, double total,
		    const char *message);

/*
 * Called once when the client cancels the request (notifications/cancelled) or the server
 * shuts down.  `reason` is borrowed.  The handler should stop at a safe point and still
 * complete the call with mcp_call_finish()/mcp_call_fail() (which then send nothing).
 */
typedef void	(*mcp_cancel_fn)(struct mcp_call *call, const char *reason, void *arg);
void		 mcp_call_on_cancel(struct mcp_call *call, mcp_cancel_fn fn, void *arg);
bool		 mcp_call_cancelled(const struct mcp_call *call);

const char	*mcp_call_tool(const struct mcp_call *call);
struct mcp_server *mcp_call_server(const struct mcp_call *call);
uv_loop_t	*mcp_call_loop(const struct mcp_call *call);
/* The revision this request speaks (legacy: the negotiated one; 2026-07-28 per request). */
enum mcp_revision mcp_call_revision(const struct mcp_call *call);
/* The client's capabilities object (borrowed; never NULL, maybe empty). */
const json_t	*mcp_call_client_capabilities(const struct mcp_call *call);
/* ---- elicitation: asking the user (a confirmation) ----------------------------------------
 *
 * Legacy revisions (2025-06-18, 2025-11-25) send elicitation/create to the client and call
 * back with its answer.  2026-07-28 has no server-to-client requests: asking completes the
 * tools/call at once with
 *
 *   {"resultType":"input_required",
 *    "inputRequests":{KEY:{"method":"elicitation/create","params":{"mode":"form",
 *                     "message":…,"requestedSchema":…}}},
 *    "requestState":"…"}
 *
 * and the client retries tools/call (new id, same name and arguments) with
 * "inputResponses":{KEY:{action, content?}} and the requestState echoed.  The server
 * verifies the state — HMAC-SHA256 under a random per-process key, bound to the tool name
 * and a digest of the arguments, valid for input_ttl_ms, usable once; anything else is a
 * -32602 error — checks each answer against the schema that was asked, and runs the
 * handler again as a fresh call on which mcp_call_input_response() returns the answer.
 * Answers of earlier rounds travel inside the state, so a handler may ask several keys,
 * one round each.  inputResponses without a requestState are ignored.  A restart of the
 * server invalidates outstanding states (the retry gets -32602; calling again without
 * one asks again).
 *
 * So a handler is written once for both generations:
 *
 *	static void
 *	confirm(struct mcp_call *call, struct op *op)
 *	{
 *		const json_t *r = mcp_call_input_response(call, "confirm");
 *
 *		if (r != NULL) {			// answered (either generation)
 *			if (accepted_with_confirm_true(r))
 *				run(op);
 *			else
 *				fail(op, "not confirmed: the plan was not run");
 *			return;
 *		}
 *		switch (mcp_call_elicit_key(call, "confirm", msg, schema, on_answer, op)) {
 *		case 0:				// legacy: on_answer runs later
 *			return;
 *		case MCP_ELICIT_INPUT_REQUIRED:	// 2026: the call is answered and
 *			op_free(op);		// released; the retry runs the
 *			return;			// handler again
 *		default:			// -ENOTSUP …: no way to ask: deny
 *			fail(op, "pass confirm: the plan's hash");
 *		}
 *	}
 *
 *	static void
 *	on_answer(struct mcp_call *call, int status, json_t *result, void *arg)
 *	{
 *		if (status != 0)
 *			fail(arg, "no confirmation: the plan was not run");
 *		else
 *			confirm(call, arg);	// the answer is now an input response
 *	}
 */

/* Keys name the questions of one call: 1..MCP_INPUT_KEY_MAX of [A-Za-z0-9_.-]. */
#define MCP_INPUT_KEY_MAX		64
#define MCP_ELICIT_DEFAULT_KEY		"confirm"	/* the key of mcp_call_elicit() */
/* mcp_call_elicit*() in 2026-07-28: the call was completed with input_required and
 * released; the callback never runs. */
#define MCP_ELICIT_INPUT_REQUIRED	1

/* True when mcp_call_elicit() can reach the user: the client declared elicitation (form
 * mode) and the revision has it (2025-06-18 and later, 2026-07-28 included). */
bool		 mcp_call_can_elicit(const struct mcp_call *call);

/*
 * The answer to a legacy elicitation.  status 0: `result` (borrowed) is the client's
 * result, checked: {action: "accept"|"decline"|"cancel", content?} where an accepted
 * content is valid against the requested schema; it is also stored as the call's input
 * response for the key.  status -EPROTO: the client answered with an error or with a
 * malformed result (`result` is the error object or that result).  Pending elicitations
 * are dropped with their call: the callback never runs after the call is released.
 */
typedef void	(*mcp_elicit_fn)(struct mcp_call *call, int status, json_t *result, void *arg);

/*
 * Asks the user through a form.  `message` and `requested_schema` are borrowed (the
 * schema must be a flat object of primitives); `key` names the question (see above).
 * Returns 0 when the legacy request was sent (cb runs later); MCP_ELICIT_INPUT_REQUIRED
 * in 2026-07-28, where the call was completed and released (cb never runs); -ENOTSUP
 * when the revision or the client's capabilities do not allow asking (the caller falls
 * back to denying); -EINVAL for a bad key or schema; -ECANCELED after a cancellation;
 * -EMSGSIZE when the schema is too large to carry in a requestState; -ENOMEM.
 */
int		 mcp_call_elicit_key(struct mcp_call *call, const char *key, const char *message,
		    json_t *requested_schema, mcp_elicit_fn cb, void *arg);
/* mcp_call_elicit_key() with MCP_ELICIT_DEFAULT_KEY. */
int		 mcp_call_elicit(struct mcp_call *call, const char *message,
		    json_t *requested_schema, mcp_elicit_fn cb, void *arg);
/*
 * The user's answer to question `key` ({action, content?}, borrowed, valid until the call
 * is released), or NULL when there is none: in 2026-07-28 from the verified retry (this
 * round's inputResponses and the earlier rounds' answers), in legacy revisions once the
 * elicitation response has arrived.
 */
const json_t	*mcp_call_input_response(const struct mcp_call *call, const char *key);

/* ---- resources ----------------------------------------------------------------------- */

/*
 * A provider serves one kind of resource: URIs "strata://<kind>/<id>".  The server lists
 * the templates for "plans" and "executions" from the start; providers fill them in.
 *
 * list: appends resource objects ({uri, name, title?, description?, mimeType?}, new
 *   references) to `out` (borrowed array); returns 0 or a negative errno.
 * read: for `id` (borrowed), sets *contents to a new array of contents objects
 *   ({uri, mimeType, text}); returns 0, -ENOENT if there is no such resource, or another
 *   negative errno with a message in err[errlen].
 */
typedef int	(*mcp_resource_list_fn)(json_t *out, void *arg);
typedef int	(*mcp_resource_read_fn)(const char *id, json_t **contents, char *err,
		    size_t errlen, void *arg);

int		 mcp_resource_set_provider(struct mcp_server *srv, const char *kind,
		    mcp_resource_list_fn list, mcp_resource_read_fn read, void *arg);

/* ---- JSON Schema (the common subset of 2020-12 and draft-07) -------------------------- */

/*
 * Validates `instance` against `schema` (both borrowed).  Keywords: type, properties,
 * required, additionalProperties, enum, const, items, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength, pattern (POSIX ERE), minItems, maxItems,
 * uniqueItems, anyOf; others are annotations and ignored.  `path` names the root
 * ("arguments").  Returns 0, or -EINVAL with the first problem in err, e.g.
 * "arguments.resources[0].kind: expected string".
 */
int		 mcp_schema_validate(const json_t *schema, const json_t *instance,
		    const char *path, char *err, size_t errlen);

/* ---- stdio transport ------------------------------------------------------------------- */

struct mcp_stdio;

struct mcp_stdio_options {
	int	 in_fd;			/* usually 0 */
	int	 out_fd;		/* the private protocol fd (a dup of 1) */
	size_t	 high_water;		/* pause reading above this many queued bytes */
	size_t	 low_water;		/* resume below this */
};

/*
 * Connects a server to fds: create the stdio first, then the server with mcp_stdio_send
 * as its send function and the stdio as its argument, then mcp_stdio_start().
 * mcp_stdio_new picks the input handle by uv_guess_handle (pipe, tty, or file reads on
 * the threadpool).  Returns 0 or a negative libuv error; unless it is UV_ENOMEM, *out is
 * set even on failure, owned by the caller and freed by mcp_stdio_close()
 * (asynchronously: `done` runs when every handle is closed, then the memory goes).
 */
int		 mcp_stdio_new(uv_loop_t *loop, const struct mcp_stdio_options *opt,
		    struct mcp_stdio **out);
void		 mcp_stdio_send(char *line, size_t len, void *stdio);
int		 mcp_stdio_start(struct mcp_stdio *io, struct mcp_server *srv);
/* Stops reading input (signals); queued output still drains. */
void		 mcp_stdio_stop_reading(struct mcp_stdio *io);
/* True when input ended and every queued write completed (or output failed). */
bool		 mcp_stdio_drained(const struct mcp_stdio *io);
void		 mcp_stdio_on_drained(struct mcp_stdio *io, void (*fn)(void *arg), void *arg);
void		 mcp_stdio_close(struct mcp_stdio *io, void (*done)(void *arg), void *arg);

#endif
