/*
 * Resources: plans and executions readable as strata://plans/{id} and
 * strata://executions/{id}.  The templates are listed from the start; the stores of issue
 * #6 register providers that list and read them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"

#define LOGGER		"mcp"
#define URI_SCHEME	"strata://"
#define KIND_MAX	8
#define RES_CURSOR_PREFIX	"after:"

struct mcp_resource_kind {
	char			 name[32];
	const char		*title;
	const char		*description;
	mcp_resource_list_fn	 list;
	mcp_resource_read_fn	 read;
	void			*arg;
};

static const struct {
	const char *name, *title, *description;
} builtin_kinds[] = {
	{ "plans", "Remediation plan",
	  "A plan made by plan_remediation: its steps, checkpoints, risks and hash (JSON)" },
	{ "executions", "Plan execution",
	  "An execution of a plan: the status of each step and checkpoint, and its rollback, "
	  "readable while it runs (JSON)" },
};

int
mcp_resources_init(struct mcp_server *srv)
{
	size_t i;

	if ((srv->kinds = calloc(KIND_MAX, sizeof(*srv->kinds))) == NULL)
		return -ENOMEM;
	for (i = 0; i < STRATA_ARRAY_LEN(builtin_kinds); i++) {
		snprintf(srv->kinds[i].name, sizeof(srv->kinds[i].name), "%s",
		    builtin_kinds[i].name);
		srv->kinds[i].title = builtin_kinds[i].title;
		srv->kinds[i].description = builtin_kinds[i].description;
	}
	srv->nkinds = i;
	return 0;
}

void
mcp_resources_release(struct mcp_server *srv)
{
	free(srv->kinds);
	srv->kinds = NULL;
	srv->nkinds = 0;
}

static struct mcp_resource_kind *
kind_find(struct mcp_server *srv, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < srv->nkinds; i++)
		if (strlen(srv->kinds[i].name) == len &&
		    memcmp(srv->kinds[i].name, name, len) == 0)
			return &srv->kinds[i];
	return NULL;
}

int
mcp_resource_set_provider(struct mcp_server *srv, const char *kind, mcp_resource_list_fn list,
    mcp_resource_read_fn read, void *arg)
{
	struct mcp_resource_kind *k;
	size_t len = strlen(kind);

	if (len == 0 || len >= sizeof(k->name) || strchr(kind, '/') != NULL)
		return -EINVAL;
	if ((k = kind_find(srv, kind, len)) == NULL) {
		if (srv->nkinds == KIND_MAX)
			return -ENOSPC;
		k = &srv->kinds[srv->nkinds++];
		memcpy(k->name, kind, len + 1);
		k->title = k->name;
		k->description = "";
	}
	k->list = list;
	k->read = read;
	k->arg = arg;
	return 0;
}

static bool
cursor_given(const struct mcp_request *req)
{
	const json_t *c = json_object_get(req->params, "cursor");

	return c != NULL && !json_is_null(c);
}

static int
uri_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "uri")),
	    json_string_value(json_object_get(y, "uri")));
}

/*
 * Pages follow the URIs in order: the cursor names the last URI sent, so plans and
 * executions that appear or go between two pages shift nothing.
 */
static int
resources_cursor(const struct mcp_request *req, const char **after)
{
	const json_t *c = json_object_get(req->params, "cursor");
	const char *s;

	*after = NULL;
	if (c == NULL || json_is_null(c))
		return 0;
	s = json_string_value(c);
	if (s == NULL || strncmp(s, RES_CURSOR_PREFIX URI_SCHEME,
	    strlen(RES_CURSOR_PREFIX URI_SCHEME)) != 0)
		return -EINVAL;
	*after = s + strlen(RES_CURSOR_PREFIX);
	return 0;
}

void
mcp_handle_resources_list(struct mcp_server *srv, const struct mcp_request *req)
{
	json_t *list = NULL, *page = NULL, *result, *r, **v = NULL;
	const char *after, *uri;
	char *next = NULL;
	size_t i, n = 0;
	int rc;

	if (resources_cursor(req, &after) != 0) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Invalid params: unknown "
		    "cursor (use nextCursor from a previous resources/list)");
		return;
	}
	if ((list = json_array()) == NULL || (page = json_array()) == NULL)
		goto oom;
	for (i = 0; i < srv->nkinds; i++) {
		if (srv->kinds[i].list == NULL)
			continue;
		if ((rc = srv->kinds[i].list(list, srv->kinds[i].arg)) != 0) {
			log_warn(LOGGER, "listing %s failed: %s", srv->kinds[i].name,
			    strerror(-rc));
			mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "cannot list %s: %s",
			    srv->kinds[i].name, strerror(-rc));
			goto done;
		}
	}
	if (json_array_size(list) > 0 &&
	    (v = calloc(json_array_size(list), sizeof(*v))) == NULL)
		goto oom;
	json_array_foreach(list, i, r) {
		if (!json_is_string(json_object_get(r, "uri"))) {
			log_warn(LOGGER, "a resource provider listed an entry without uri: "
			    "skipped");
			continue;
		}
		v[n++] = r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), uri_cmp);
	for (i = 0; i < n; i++) {
		uri = json_string_value(json_object_get(v[i], "uri"));
		if (after != NULL && strcmp(uri, after) <= 0)
			continue;
		if (json_array_size(page) == srv->opt.resources_page_size) {
			uri = json_string_value(json_object_get(json_array_get(page,
			    json_array_size(page) - 1), "uri"));
			if ((next = malloc(strlen(RES_CURSOR_PREFIX) + strlen(uri) + 1)) == NULL)
				goto oom;
			strcpy(next, RES_CURSOR_PREFIX);
			strcat(next, uri);
			break;
		}
		if (req->rev < MCP_REV_2025_06_18)
			json_object_del(v[i], "title");	/* no titles before 2025-06-18 */
		json_array_append(page, v[i]);
	}
	if ((result = json_pack("{s:O}", "resources", page)) == NULL)
		goto oom;
	if (next != NULL)
		json_object_set_new(result, "nextCursor", json_string(next));
	/* Plans and executions come and go: clients should not cache the list. */
	mcp_add_cache_hints(result, req, 0, "private");
	mcp_req_result(srv, req, result);
	goto done;
oom:
	mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "out of memory");
done:
	free(next);
	free(v);
	json_decref(page);
	json_decref(list);
}

void
mcp_handle_templates_list(struct mcp_server *srv, const struct mcp_request *req)
{
	json_t *list, *result, *t;
	char uri[64];
	size_t i;

	if (cursor_given(req)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL, "Invalid params: unknown "
		    "cursor (resources/templates/list has a single page)");
		return;
	}
	if ((list = json_array()) == NULL)
		goto oom;
	for (i = 0; i < srv->nkinds; i++) {
		snprintf(uri, sizeof(uri), URI_SCHEME "%s/{id}", srv->kinds[i].name);
		t = json_pack("{s:s, s:s, s:s, s:s}", "uriTemplate", uri,
		    "name", srv->kinds[i].name, "description", srv->kinds[i].description,
		    "mimeType", "application/json");
		if (t != NULL && req->rev >= MCP_REV_2025_06_18)
			json_object_set_new(t, "title", json_string(srv->kinds[i].title));
		json_array_append_new(list, t);
	}
	if ((result = json_pack("{s:o}", "resourceTemplates", list)) == NULL)
		goto oom;
	mcp_add_cache_hints(result, req, 3600000, "public");
	mcp_req_result(srv, req, result);
	return;
oom:
	mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "out of memory");
}

static void
not_found(struct mcp_server *srv, const struct mcp_request *req, const char *uri)
{
	/* -32002 until 2025-11-25; 2026-07-28 folds it into invalid params. */
	mcp_req_error(srv, req, req->modern ? RPC_INVALID_PARAMS : MCP_RESOURCE_NOT_FOUND,
	    json_pack("{s:s}", "uri", uri), "Resource not found: %s", uri);
}

void
mcp_handle_resources_read(struct mcp_server *srv, const struct mcp_request *req)
{
	struct mcp_resource_kind *k;
	const char *uri, *kind, *slash;
	json_t *u, *contents = NULL;
	char err[256];
	int rc;

	u = json_object_get(req->params, "uri");
	if (!json_is_string(u)) {
		mcp_req_error(srv, req, RPC_INVALID_PARAMS, NULL,
		    "Invalid params: resources/read needs uri (a string)");
		return;
	}
	uri = json_string_value(u);
	if (strncmp(uri, URI_SCHEME, strlen(URI_SCHEME)) != 0) {
		not_found(srv, req, uri);
		return;
	}
	kind = uri + strlen(URI_SCHEME);
	if ((slash = strchr(kind, '/')) == NULL || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL ||
	    (k = kind_find(srv, kind, (size_t)(slash - kind))) == NULL || k->read == NULL) {
		not_found(srv, req, uri);
		return;
	}
	err[0] = '\0';
	rc = k->read(slash + 1, &contents, err, sizeof(err), k->arg);
	if (rc == -ENOENT) {
		json_decref(contents);
		not_found(srv, req, uri);
		return;
	}
	if (rc != 0 || !json_is_array(contents)) {
		json_decref(contents);
		mcp_req_error(srv, req, RPC_INTERNAL_ERROR, NULL, "cannot read %s: %s", uri,
		    err[0] != '\0' ? err : strerror(rc < 0 ? -rc : EIO));
		return;
	}
	mcp_req_result(srv, req, json_pack("{s:o}", "contents", contents));
}
