/*
 * Lifecycle: revisions and their negotiation (initialize for 2024-11-05 … 2025-11-25,
 * server/discover and per-request _meta for 2026-07-28), ping, and logging (legacy
 * logging/setLevel, 2026 per-request logLevel) with the forwarding of log records as
 * notifications/message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mcp_int.h"

#define LOGGER	"mcp"

/* Log forwarding: at most this many records per second; the rest are counted. */
#define LOG_RATE_PER_SEC	50

static const char *const revision_names[] = {
	[MCP_REV_NONE]		= "none",
	[MCP_REV_2024_11_05]	= "2024-11-05",
	[MCP_REV_2025_03_26]	= "2025-03-26",
	[MCP_REV_2025_06_18]	= "2025-06-18",
	[MCP_REV_2025_11_25]	= "2025-11-25",
	[MCP_REV_2026_07_28]	= "2026-07-28",
};

static const char instructions[] =
    "Strata repairs incidents that span the layers of an OpenShift/Kubernetes cluster "
    "(infrastructure: nodes, machine configs; platform: cluster operators; application: "
    "workloads). Work in this order: (1) detect_layers - describe the symptom and/or name "
    "the namespace or resources; it returns an issue_id, the affected layers, the root-cause "
    "layer with evidence and confidence. (2) plan_remediation with that issue_id - it changes "
    "nothing and returns a plan_id, ordered steps (infrastructure, then platform, then "
    "application, with a health checkpoint after each layer), risks, and the plan's hash. "
    "Show the plan to the user. (3) execute_plan with the plan_id and confirm set to the "
    "plan's hash, only after the user agreed (dry_run: true shows what would change); it "
    "reports progress and can be cancelled. (4) rollback_plan with the execution_id undoes "
    "what an execution changed, in reverse order. Plans and executions can be read as "
    "resources strata://plans/{id} and strata://executions/{id}.";

const char *
mcp_revision_name(enum mcp_revision rev)
{
	if ((size_t)rev >= STRATA_ARRAY_LEN(revision_names))
		return "unknown";
	return revision_names[rev];
}

int
mcp_revision_parse(const char *s, enum mcp_revision *out)
{
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = MCP_REV_2024_11_05; i < STRATA_ARRAY_LEN(revision_names); i++) {
		if (strcmp(s, revision_names[i]) == 0) {
			*out = (enum mcp_revision)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Implementation: title arrived with 2025-06-18, description with 2025-11-25. */
static json_t *
server_info(enum mcp_revision rev)
{
	json_t *info;

	info = json_pack("{s:s, s:s}", "name", "strata-mcp", "version", STRATA_VERSION);
	if (info == NULL)
		return NULL;
	if (rev >= MCP_REV_2025_06_18)
		json_object_set_new(info, "title", json_string("Strata multi-layer remediation"));
	if (rev >= MCP_REV_2025_11_25)
		json_object_set_new(info, "description", json_string("Detects, plans, executes "
		    "and rolls back repairs of incidents that span infrastructure, platform and "
		    "application layers of OpenShift/Kubernetes"));
	return info;
}

static json_t *
server_capabilities(void)
{
	return json_pack("{s:{s:b}, s:{}, s:{s:b, s:b}}",
	    "tools", "listChanged", 0,
	    "logging",
	    "resources", "subscribe", 0, "listChanged", 0);
}

/* ---- legacy ----------------------------------------------------------------------- */

void
mcp_handle_initialize(struct mcp_server *srv, const struct mcp_request *req)
{
	json_t *version, *caps, *info, *result;
	enum mcp_revision rev;

	version = json_object_get(req->params, "protocolVersion");
	caps = json_object_get(req->params, "capabilities");
	info = json_object_get(req->params, "clientInfo");
	if (!json_is_string(version)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: initialize needs protocolVersion (a string)");
		return;
	}
	if ((caps != NULL && !json_is_object(caps)) || (info != NULL && !json_is_object(info))) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: capabilities and clientInfo must be objects");
		return;
	}
	/* The spec: echo a version we support, else answer with our latest (legacy) one. */
	if (mcp_revision_parse(json_string_value(version), &rev) != 0 ||
	    rev == MCP_REV_2026_07_28)
		rev = MCP_REV_LATEST_LEGACY;

	result = json_pack("{s:s, s:o, s:o, s:s}",
	    "protocolVersion", mcp_revision_name(rev),
	    "capabilities", server_capabilities(),
	    "serverInfo", server_info(rev),
	    "instructions", instructions);
	if (result == NULL) {
		mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "out of memory");
		return;
	}
	srv->mode = MCP_MODE_LEGACY;
	srv->rev = rev;
	json_decref(srv->client_caps);
	srv->client_caps = caps != NULL ? json_deep_copy(caps) : json_object();
	mcp_req_result(srv, req, result);
	log_info(LOGGER, "initialized: protocol %s (client asked for %s), client %s",
	    mcp_revision_name(rev), json_string_value(version),
	    json_is_string(json_object_get(info, "name")) ?
	    json_string_value(json_object_get(info, "name")) : "unnamed");
}

void
mcp_handle_ping(struct mcp_server *srv, const struct mcp_request *req)
{
	mcp_req_result(srv, req, json_object());
}

void
mcp_handle_set_level(struct mcp_server *srv, const struct mcp_request *req)
{
	enum strata_log_level level;
	json_t *l;

	l = json_object_get(req->params, "level");
	if (strata_log_level_parse(json_string_value(l), &level) != 0) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Invalid params: level must be "
		    "one of debug, info, notice, warning, error, critical, alert, emergency");
		return;
	}
	srv->log_level = level;
	srv->log_level_set = true;
	mcp_req_result(srv, req, json_object());
}

/* ---- 2026-07-28 ------------------------------------------------------------------- */

bool
mcp_params_are_modern(const json_t *params)
{
	const json_t *meta = json_object_get(params, "_meta");

	return json_is_object(meta) && json_object_get(meta, META_PROTOCOL_VERSION) != NULL;
}

int
mcp_modern_meta_parse(struct mcp_server *srv, struct mcp_request *req, const json_t *meta)
{
	enum strata_log_level level;
	const json_t *v, *caps, *info, *lvl;
	json_t *data;

	if (!json_is_object(meta)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Invalid params: protocol "
		    "2026-07-28 requests carry _meta with " META_PROTOCOL_VERSION " and "
		    META_CLIENT_CAPS);
		return -EINVAL;
	}
	v = json_object_get(meta, META_PROTOCOL_VERSION);
	if (!json_is_string(v)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: _meta." META_PROTOCOL_VERSION " must be a string");
		return -EINVAL;
	}
	if (strcmp(json_string_value(v), mcp_revision_name(MCP_REV_2026_07_28)) != 0) {
		data = json_pack("{s:[s], s:O}", "supported",
		    mcp_revision_name(MCP_REV_2026_07_28), "requested", v);
		mcp_req_error(srv, req, MCP_UNSUPPORTED_VERSION, data,
		    "Unsupported protocol version: %s", json_string_value(v));
		return -EINVAL;
	}
	caps = json_object_get(meta, META_CLIENT_CAPS);
	if (!json_is_object(caps)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: _meta." META_CLIENT_CAPS " (an object) is required");
		return -EINVAL;
	}
	info = json_object_get(meta, META_CLIENT_INFO);
	if (info != NULL && !json_is_object(info)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: _meta." META_CLIENT_INFO " must be an object");
		return -EINVAL;
	}
	lvl = json_object_get(meta, META_LOG_LEVEL);
	if (lvl != NULL) {
		if (strata_log_level_parse(json_string_value(lvl), &level) != 0) {
			mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
			    "Invalid params: _meta." META_LOG_LEVEL " must be one of debug, info, "
			    "notice, warning, error, critical, alert, emergency");
			return -EINVAL;
		}
		req->log_level = (int)level;
	}
	req->rev = MCP_REV_2026_07_28;
	req->client_caps = caps;
	return 0;
}

void
mcp_add_cache_hints(json_t *result, const struct mcp_request *req, long ttl_ms,
    const char *scope)
{
	if (result == NULL || !req->modern)
		return;
	json_object_set_new(result, "ttlMs", json_integer(ttl_ms));
	json_object_set_new(result, "cacheScope", json_string(scope));
}

void
mcp_handle_discover(struct mcp_server *srv, const struct mcp_request *req)
{
	json_t *result;

	result = json_pack("{s:[s], s:o, s:{s:o}, s:s}",
	    "supportedVersions", mcp_revision_name(MCP_REV_2026_07_28),
	    "capabilities", server_capabilities(),
	    "_meta", META_SERVER_INFO, server_info(MCP_REV_2026_07_28),
	    "instructions", instructions);
	if (result != NULL) {
		json_object_set_new(result, "resultType", json_string("complete"));
		json_object_set_new(result, "ttlMs", json_integer(3600000));
		json_object_set_new(result, "cacheScope", json_string("public"));
	}
	mcp_req_result(srv, req, result);
}

void
mcp_modern_level_hold(struct mcp_server *srv, int level)
{
	if (level >= 0 && (size_t)level < STRATA_ARRAY_LEN(srv->modern_levels))
		srv->modern_levels[level]++;
}

void
mcp_modern_level_drop(struct mcp_server *srv, int level)
{
	if (level >= 0 && (size_t)level < STRATA_ARRAY_LEN(srv->modern_levels) &&
	    srv->modern_levels[level] > 0)
		srv->modern_levels[level]--;
}

/* ---- log forwarding --------------------------------------------------------------- */

static bool
log_wanted(const struct mcp_server *srv, enum strata_log_level level)
{
	size_t i;

	if (srv->shutting_down)
		return false;
	if (srv->mode == MCP_MODE_LEGACY)
		return srv->log_level_set && level >= srv->log_level;
	if (srv->mode == MCP_MODE_MODERN) {
		for (i = 0; i <= (size_t)level && i < STRATA_ARRAY_LEN(srv->modern_levels); i++)
			if (srv->modern_levels[i] > 0)
				return true;
	}
	return false;	/* never before initialize */
}

static void
log_send(struct mcp_server *srv, enum strata_log_level level, const char *logger,
    const char *msg)
{
	json_t *n;

	n = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "jsonrpc", "2.0",
	    "method", "notifications/message", "params",
	    "level", strata_log_level_name(level), "logger", logger != NULL ? logger : "strata",
	    "data", msg);
	if (n != NULL)	/* a message that is not UTF-8 is not forwarded */
		mcp_send_json(srv, n);
}

void
mcp_log_hook(enum strata_log_level level, const char *logger, const char *msg, void *arg)
{
	struct mcp_server *srv = arg;
	char note[96];
	uint64_t now;

	if (!log_wanted(srv, level))
		return;
	now = strata_now_ms();
	if (now - srv->log_window_ms >= 1000) {
		srv->log_window_ms = now;
		srv->log_window_count = 0;
		if (srv->log_dropped > 0) {
			snprintf(note, sizeof(note), "%u log records were not forwarded "
			    "(more than %d per second)", srv->log_dropped, LOG_RATE_PER_SEC);
			srv->log_dropped = 0;
			log_send(srv, STRATA_LOG_WARNING, LOGGER, note);
		}
	}
	if (srv->log_window_count >= LOG_RATE_PER_SEC) {
		srv->log_dropped++;
		return;
	}
	srv->log_window_count++;
	log_send(srv, level, logger, msg);
}
