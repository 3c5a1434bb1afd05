/*
 * Discovery: /version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v> in the legacy
 * (unaggregated) form, which every kubectl from 1.27 to 1.33 accepts when the response
 * Content-Type is plain application/json.  /openapi/v2 and /openapi/v3 answer 404, which
 * kubectl tolerates for get/patch/cordon/drain/rollout (only explain and client-side
 * validation of create/apply need them).
 */
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

static json_t *
verbs_all(void)
{
	return json_pack("[s,s,s,s,s,s,s,s]", "create", "delete", "deletecollection", "get",
	    "list", "patch", "update", "watch");
}

static json_t *
str_list(const char *const *l, size_t max)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < max && l[i] != NULL; i++)
		json_array_append_new(a, json_string(l[i]));
	return a;
}

static void
add_resources(json_t *arr, const struct sim_rtype *rt)
{
	json_t *r;
	char sub[96];

	r = json_pack("{s:s,s:s,s:b,s:s,s:o}", "name", rt->plural, "singularName", rt->singular,
	    "namespaced", rt->namespaced, "kind", rt->kind, "verbs", verbs_all());
	if (rt->short_names[0])
		json_object_set_new(r, "shortNames", str_list(rt->short_names, 4));
	if (rt->categories[0])
		json_object_set_new(r, "categories", str_list(rt->categories, 2));
	json_array_append_new(arr, r);
	if (rt->subresources & SIM_SUB_EVICTION) {
		snprintf(sub, sizeof(sub), "%s/eviction", rt->plural);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b,s:s,s:s,s:s,s:[s]}", "name",
		    sub, "singularName", "", "namespaced", rt->namespaced, "group", "policy",
		    "version", "v1", "kind", "Eviction", "verbs", "create"));
	}
	if (rt->subresources & SIM_SUB_SCALE) {
		snprintf(sub, sizeof(sub), "%s/scale", rt->plural);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b,s:s,s:s,s:s,s:[s,s,s]}",
		    "name", sub, "singularName", "", "namespaced", rt->namespaced, "group",
		    "autoscaling", "version", "v1", "kind", "Scale", "verbs", "get", "patch",
		    "update"));
	}
	if (rt->subresources & SIM_SUB_STATUS) {
		snprintf(sub, sizeof(sub), "%s/status", rt->plural);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b,s:s,s:[s,s,s]}", "name", sub,
		    "singularName", "", "namespaced", rt->namespaced, "kind", rt->kind, "verbs",
		    "get", "patch", "update"));
	}
}

static json_t *
resource_list(const char *group, const char *version)
{
	json_t *arr = json_array();
	const char *gv = NULL;
	size_t i;

	for (i = 0; i < SIM_RT_COUNT; i++) {
		const struct sim_rtype *rt = sim_rt((enum sim_rt_id)i);

		if (strcmp(rt->group, group) != 0 || strcmp(rt->version, version) != 0)
			continue;
		gv = rt->api_version;
		add_resources(arr, rt);
	}
	if (gv == NULL) {
		json_decref(arr);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:s,s:o}", "kind", "APIResourceList", "apiVersion", "v1",
	    "groupVersion", gv, "resources", arr);
}

static json_t *
group_json(const char *group)
{
	json_t *versions = json_array(), *pref = NULL;
	size_t i;

	for (i = 0; i < SIM_RT_COUNT; i++) {
		const struct sim_rtype *rt = sim_rt((enum sim_rt_id)i);
		json_t *v;
		size_t j;
		bool have = false;

		if (strcmp(rt->group, group) != 0)
			continue;
		json_array_foreach(versions, j, v)
			if (strcmp(json_string_value(json_object_get(v, "version")), rt->version) == 0)
				have = true;
		if (have)
			continue;
		json_array_append_new(versions, json_pack("{s:s,s:s}", "groupVersion",
		    rt->api_version, "version", rt->version));
		if (pref == NULL)
			pref = json_pack("{s:s,s:s}", "groupVersion", rt->api_version, "version",
			    rt->version);
	}
	if (pref == NULL) {
		json_decref(versions);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "kind", "APIGroup", "apiVersion", "v1", "name",
	    group, "versions", versions, "preferredVersion", pref);
}

static json_t *
group_list(void)
{
	json_t *groups = json_array();
	size_t i;

	for (i = 0; i < SIM_RT_COUNT; i++) {
		const struct sim_rtype *rt = sim_rt((enum sim_rt_id)i);
		json_t *g;
		size_t j;
		bool have = false;

		if (rt->group[0] == '\0')
			continue;
		json_array_foreach(groups, j, g)
			if (strcmp(json_string_value(json_object_get(g, "name")), rt->group) == 0)
				have = true;
		if (have)
			continue;
		g = group_json(rt->group);
		json_object_del(g, "kind");
		json_object_del(g, "apiVersion");
		json_array_append_new(groups, g);
	}
	return json_pack("{s:s,s:s,s:o}", "kind", "APIGroupList", "apiVersion", "v1", "groups",
	    groups);
}

bool
sim_api_discovery(struct sim_req *r)
{
	const char *p = r->path;
	char group[128], version[32];
	json_t *doc;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		return false;
	if (strcmp(p, "/version") == 0 || strcmp(p, "/version/") == 0) {
		sim_reply_json(r, 200, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
		    "major", "1", "minor", "30", "gitVersion", "v1.30.0-strata-sim+" STRATA_VERSION,
		    "gitCommit", "0000000000000000000000000000000000000000", "gitTreeState",
		    "clean", "buildDate", "2026-01-01T00:00:00Z", "goVersion", "go1.22.0",
		    "compiler", "gc", "platform", "linux/amd64"));
		return true;
	}
	if (strcmp(p, "/api") == 0 || strcmp(p, "/api/") == 0) {
		sim_reply_json(r, 200, json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "kind",
		    "APIVersions", "versions", "v1", "serverAddressByClientCIDRs", "clientCIDR",
		    "0.0.0.0/0", "serverAddress", strchr(r->s->url, '/') + 2));
		return true;
	}
	if (strcmp(p, "/api/v1") == 0 || strcmp(p, "/api/v1/") == 0) {
		sim_reply_json(r, 200, resource_list("", "v1"));
		return true;
	}
	if (strcmp(p, "/apis") == 0 || strcmp(p, "/apis/") == 0) {
		sim_reply_json(r, 200, group_list());
		return true;
	}
	if (strncmp(p, "/openapi/", 9) == 0) {
		sim_reply_status(r, 404, "NotFound", "the server could not find the requested "
		    "resource (strata-sim serves no OpenAPI documents)");
		return true;
	}
	if (strncmp(p, "/apis/", 6) == 0) {
		const char *g = p + 6, *slash = strchr(g, '/'), *v, *vend;
		size_t gl = slash ? (size_t)(slash - g) : strlen(g), vl;

		if (gl == 0 || gl >= sizeof(group))
			return false;
		memcpy(group, g, gl);
		group[gl] = '\0';
		if (slash == NULL || slash[1] == '\0') {
			doc = group_json(group);
			if (doc == NULL)
				sim_reply_status(r, 404, "NotFound", "the server could not find the "
				    "requested resource");
			else
				sim_reply_json(r, 200, doc);
			return true;
		}
		v = slash + 1;
		vend = strchr(v, '/');
		if (vend != NULL && vend[1] != '\0')
			return false;		/* a resource path */
		vl = vend ? (size_t)(vend - v) : strlen(v);
		if (vl >= sizeof(version))
			return false;
		memcpy(version, v, vl);
		version[vl] = '\0';
		doc = resource_list(group, version);
		if (doc == NULL)
			sim_reply_status(r, 404, "NotFound", "the server could not find the "
			    "requested resource");
		else
			sim_reply_json(r, 200, doc);
		return true;
	}
	return false;
}
