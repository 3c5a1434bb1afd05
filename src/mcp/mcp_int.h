#ifndef STRATA_MCP_INT_H
#define STRATA_MCP_INT_H

/*
 * Private to src/mcp/: the server's state shared by its files (server.c: framing of
 * requests and JSON-RPC; lifecycle.c: versions, initialize, discover, logging;
 * tools.c: the tool registry and calls; resources.c; frame.c; schema.c).
 */

#include "strata/mcp.h"

/* JSON-RPC and MCP error codes. */
#define RPC_PARSE_ERROR		(-32700)
#define RPC_INVALID_REQUEST	(-32600)
#define RPC_METHOD_NOT_FOUND	(-32601)
#define RPC_INVALID_PARAMS	(-32602)
#define RPC_INTERNAL_ERROR	(-32603)
#define MCP_RESOURCE_NOT_FOUND	(-32002)
#define MCP_UNSUPPORTED_VERSION	(-32022)

#define META_PROTOCOL_VERSION	"io.modelcontextprotocol/protocolVersion"
#define META_CLIENT_CAPS	"io.modelcontextprotocol/clientCapabilities"
#define META_CLIENT_INFO	"io.modelcontextprotocol/clientInfo"
#define META_LOG_LEVEL		"io.modelcontextprotocol/logLevel"
#define META_SERVER_INFO	"io.modelcontextprotocol/serverInfo"

/* ---- frame.c: newline framing with a cap ------------------------------------------- */

/*
 * `line` is borrowed for the call; status 0: a complete line (CR stripped, never empty);
 * status -E2BIG: a line longer than the cap was skipped (line NULL, len = its size up to
 * the point where it was given up).
 */
typedef void	(*mcp_frame_fn)(void *arg, const char *line, size_t len, int status);

struct mcp_frame {
	struct sbuf	 buf;		/* the partial line; holds at most max + 1 bytes */
	size_t		 max;		/* longest accepted line, without CR LF */
	size_t		 skipped;	/* bytes of the oversize line being discarded */
	bool		 discarding;	/* inside an oversize line: drop up to the next LF */
	bool		 stop;		/* set by the callback to stop feeding (shutdown) */
};

void	mcp_frame_init(struct mcp_frame *f, size_t max);
void	mcp_frame_release(struct mcp_frame *f);
void	mcp_frame_feed(struct mcp_frame *f, const char *data, size_t n, mcp_frame_fn fn,
	    void *arg);
/* End of input: a non-empty unterminated line is delivered as a last line. */
void	mcp_frame_finish(struct mcp_frame *f, mcp_frame_fn fn, void *arg);

/* ---- server.c ------------------------------------------------------------------------ */

enum mcp_mode {
	MCP_MODE_NONE = 0,	/* nothing negotiated yet */
	MCP_MODE_LEGACY,	/* initialize was answered */
	MCP_MODE_MODERN		/* 2026-07-28: per-request _meta */
};

/*
 * A batch of requests (2025-03-26 only): the responses are collected into one array that
 * is sent when the last request of the batch (including asynchronous tool calls) is done.
 */
struct mcp_batch {
	json_t		*responses;	/* new: array of response objects */
	unsigned	 pending;	/* asynchronous calls still running */
	unsigned	 refs;
	bool		 dispatching;	/* still walking the array */
};

/* Where a response goes: its id (owned reference) and batch (one ref), if any. */
struct mcp_reply_to {
	json_t		*id;
	struct mcp_batch *batch;
	bool		 modern;	/* add resultType to results */
};

/* One request being dispatched (all fields borrowed). */
struct mcp_request {
	const char	*method;
	json_t		*id;		/* NULL for notifications */
	json_t		*params;	/* object, maybe empty */
	struct mcp_batch *batch;
	enum mcp_revision rev;		/* the revision that applies to this request */
	const json_t	*client_caps;	/* never NULL */
	int		 log_level;	/* 2026 per-request level, or -1 */
	bool		 modern;
};

struct mcp_tool;
struct mcp_resource_kind;
struct mcp_pending;

/* A requestState this process accepted, remembered until it expires (single use). */
struct mcp_state_used {
	unsigned char	 mac[32];
	uint64_t	 expires_ms;
};

#define MCP_STATE_USED_MAX	256

struct mcp_server {
	uv_loop_t		*loop;
	struct mcp_server_options opt;
	mcp_send_fn		 send;
	void			*send_arg;
	struct mcp_frame	 frame;

	enum mcp_mode		 mode;
	enum mcp_revision	 rev;		/* negotiated legacy revision */
	bool			 initialized;	/* notifications/initialized received */
	json_t			*client_caps;	/* legacy: from initialize (owned) */
	json_t			*empty_caps;	/* owned: {} for requests without any */

	/* logging */
	bool			 log_level_set;
	enum strata_log_level	 log_level;	/* legacy: set by logging/setLevel */
	unsigned		 modern_levels[8]; /* 2026: requests in flight per level */
	uint64_t		 log_window_ms;
	unsigned		 log_window_count;
	unsigned		 log_dropped;

	/* tools */
	struct mcp_tool		*tools;		/* array of MCP_TOOL_COUNT */
	struct mcp_call		*calls;		/* running calls (list) */
	unsigned		 ncalls;

	/* server-to-client requests */
	struct mcp_pending	*pending;
	unsigned long		 next_request_id;

	/* 2026-07-28 input_required rounds (state.c) */
	unsigned char		 state_key[32];	/* per-process HMAC key; wiped on free */
	struct mcp_state_used	 state_used[MCP_STATE_USED_MAX];
	size_t			 nstate_used;
	bool			 state_disabled; /* no random key: 2026 asking refused */
	uint64_t		 state_seq;	/* states issued */

	/* resources */
	struct mcp_resource_kind *kinds;
	size_t			 nkinds;

	bool			 shutting_down;
	bool			 idle_notified;
	void			(*on_idle)(void *arg);
	void			*on_idle_arg;
};

/* Sends `msg` (steals). */
void	mcp_send_json(struct mcp_server *srv, json_t *msg);
/* Replies to a request with a result (steals) or an error (data steals, may be NULL). */
void	mcp_reply_result(struct mcp_server *srv, const struct mcp_reply_to *to, json_t *result);
void	mcp_reply_error(struct mcp_server *srv, const struct mcp_reply_to *to, int code,
	    json_t *data, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Convenience for a request being dispatched. */
void	mcp_req_result(struct mcp_server *srv, const struct mcp_request *req, json_t *result);
void	mcp_req_error(struct mcp_server *srv, const struct mcp_request *req, int code,
	    json_t *data, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Copies the reply address of `req` (takes its own references). */
void	mcp_reply_to_init(struct mcp_reply_to *to, const struct mcp_request *req);
/* After the response (or, cancelled, none): the last call of a batch sends it. */
void	mcp_reply_to_release(struct mcp_server *srv, struct mcp_reply_to *to);
void	mcp_server_check_idle(struct mcp_server *srv);

/* ---- lifecycle.c ------------------------------------------------------------------------ */

void	mcp_handle_initialize(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_discover(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_ping(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_set_level(struct mcp_server *srv, const struct mcp_request *req);
/*
 * Reads the 2026 per-request _meta into req.  Returns 0, or sends the error (-32022 or
 * -32602) and returns -EINVAL.
 */
int	mcp_modern_meta_parse(struct mcp_server *srv, struct mcp_request *req,
	    const json_t *meta);
bool	mcp_params_are_modern(const json_t *params);
void	mcp_log_hook(enum strata_log_level level, const char *logger, const char *msg,
	    void *arg);
void	mcp_modern_level_hold(struct mcp_server *srv, int level);
void	mcp_modern_level_drop(struct mcp_server *srv, int level);

/* ---- tools.c ----------------------------------------------------------------------------- */

#define MCP_TOOL_COUNT	4

/* One tools/call from the handler's invocation until it completes (see mcp.h). */
struct mcp_call {
	struct mcp_call		*next;
	struct mcp_server	*srv;
	struct mcp_tool		*tool;
	struct mcp_reply_to	 to;
	enum mcp_revision	 rev;
	json_t			*caps;		/* owned reference */
	json_t			*args;		/* owned: the validated arguments */
	json_t			*responses;	/* owned object key -> elicitation result, or
						   NULL: answers the handler can read */
	json_t			*progress_token; /* owned, or NULL */
	double			 last_progress;
	bool			 sent_progress;
	bool			 cancelled;
	int			 log_level;	/* 2026 per-request level, or -1 */
	mcp_cancel_fn		 cancel_fn;
	void			*cancel_arg;
};

/* A server-to-client elicitation/create awaiting its response (legacy revisions). */
struct mcp_pending {
	struct mcp_pending	*next;
	char			 id[32];
	char			 key[MCP_INPUT_KEY_MAX + 1];
	json_t			*schema;	/* owned: the requested schema */
	struct mcp_call		*call;
	mcp_elicit_fn		 cb;
	void			*arg;
};

int	mcp_tools_init(struct mcp_server *srv);
void	mcp_tools_release(struct mcp_server *srv);
void	mcp_handle_tools_list(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_tools_call(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_cancelled(struct mcp_server *srv, const json_t *params);
void	mcp_calls_cancel_all(struct mcp_server *srv, const char *reason);
/* Unlinks and frees a call (after its response, or none); drops its pending requests. */
void	mcp_call_release(struct mcp_call *call);
void	mcp_calls_free_all(struct mcp_server *srv);
/* The schema named by embedded file `name` (borrowed; parsed once), or NULL. */
json_t	*mcp_tool_schema(struct mcp_server *srv, const char *tool, bool output);

/* ---- elicit.c: elicitation (legacy requests, 2026-07-28 input_required rounds) ---------- */

/* A response from the client to one of our requests. */
void	mcp_handle_response(struct mcp_server *srv, json_t *msg);
void	mcp_pending_free(struct mcp_pending *p);
/*
 * 2026-07-28 tools/call: reads requestState and inputResponses.  Without a requestState
 * *responses is NULL (inputResponses alone are not trusted and ignored).  With one, it
 * must verify (state.c) and every answer to a key it asked must be a valid elicitation
 * result; then *responses is a new object of the answers so far and mac/expires identify
 * the state for mcp_state_consume().  Returns 0, or sends -32602 and returns -EINVAL.
 */
int	mcp_input_parse(struct mcp_server *srv, const struct mcp_request *req,
	    const char *tool, const json_t *args, json_t **responses, unsigned char mac[32],
	    uint64_t *expires_ms);
/*
 * Checks an elicitation result ({action, content?}) against the schema that was asked
 * (borrowed; NULL skips the content check).  Returns 0 or -EINVAL with err.
 */
int	mcp_elicit_result_check(const json_t *result, const json_t *schema, const char *path,
	    char *err, size_t errlen);

/* ---- state.c: the sealed requestState of input_required rounds -------------------------- */

void	mcp_state_init(struct mcp_server *srv);
void	mcp_state_release(struct mcp_server *srv);
/*
 * Seals what a retry needs: the tool, a digest of its arguments, the keys asked with their
 * schemas (`ask`, borrowed object key -> schema) and the answers so far (`answers`,
 * borrowed object or NULL).  *out is a new malloc'd string.  Returns 0, -ENOMEM, or
 * -EMSGSIZE when it would exceed MCP_STATE_MAX.
 */
int	mcp_state_seal(struct mcp_server *srv, const char *tool, const json_t *args,
	    const json_t *ask, const json_t *answers, char **out);
/*
 * Verifies a requestState from a retry: its MAC, that it was made for `tool` with the same
 * `args`, that it has not expired and was not used before.  Sets *ask and *answers (new
 * references) and mac/expires.  Returns 0 or -EINVAL with a message in err.
 */
int	mcp_state_open(struct mcp_server *srv, const char *state, const char *tool,
	    const json_t *args, json_t **ask, json_t **answers, unsigned char mac[32],
	    uint64_t *expires_ms, char *err, size_t errlen);
/* Remembers a verified state as used, so it cannot be presented again. */
void	mcp_state_consume(struct mcp_server *srv, const unsigned char mac[32],
	    uint64_t expires_ms);

#define MCP_STATE_MAX		(64u * 1024)	/* longest requestState accepted */

/* ---- resources.c --------------------------------------------------------------------------- */

int	mcp_resources_init(struct mcp_server *srv);
void	mcp_resources_release(struct mcp_server *srv);
void	mcp_handle_resources_list(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_resources_read(struct mcp_server *srv, const struct mcp_request *req);
void	mcp_handle_templates_list(struct mcp_server *srv, const struct mcp_request *req);

/* List results of 2026-07-28 carry cache hints. */
void	mcp_add_cache_hints(json_t *result, const struct mcp_request *req, long ttl_ms,
	    const char *scope);

#endif
