#ifndef STRATA_TEST_COORD_PLAN_UTIL_H
#define STRATA_TEST_COORD_PLAN_UTIL_H

/*
 * Helpers shared by the planner suites (test_coord_plan*.c): fixture loading, small
 * edits of Kubernetes objects in a List, the real detection engine, and plan queries.
 * Header-only (static) because each suite is its own program.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FX_UNUSED	__attribute__((unused))

#include <jansson.h>

#include "strata/coord.h"
#include "strata/coord_plan.h"

#define FIXTURES	"tests/plan-fixtures/"

FX_UNUSED static json_t *
fx_load(const char *name)
{
	char path[256];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	j = json_load_file(path, 0, &je);
	ck_assert_msg(j != NULL, "fixture %s: %s (line %d)", path, je.text, je.line);
	return j;
}

/* The object of a List by kind and name (namespace ignored when NULL). */
FX_UNUSED static json_t *
fx_obj(json_t *list, const char *kind, const char *ns, const char *name)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(list, "items"), i, it) {
		json_t *md = json_object_get(it, "metadata");

		if (strcmp(json_string_value(json_object_get(it, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(md, "name")), name) == 0 &&
		    (ns == NULL || (json_object_get(md, "namespace") &&
		    strcmp(json_string_value(json_object_get(md, "namespace")), ns) == 0)))
			return it;
	}
	ck_abort_msg("no %s %s in fixture", kind, name);
	return NULL;
}

/* Sets "a.b.c" to v (stolen), creating objects on the way. */
FX_UNUSED static void
fx_set(json_t *o, const char *path, json_t *v)
{
	char key[128];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		json_t *next;

		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		if ((next = json_object_get(o, key)) == NULL) {
			next = json_object();
			json_object_set_new(o, key, next);
		}
		o = next;
		path = dot + 1;
	}
	json_object_set_new(o, path, v);
}

FX_UNUSED static void
fx_cond(json_t *o, const char *type, const char *status)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			json_object_set_new(c, "status", json_string(status));
}

FX_UNUSED static void
fx_remove(json_t *list, const char *kind, const char *name)
{
	json_t *items = json_object_get(list, "items");
	size_t i;

	for (i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);

		if (strcmp(json_string_value(json_object_get(it, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(json_object_get(it, "metadata"),
		    "name")), name) == 0) {
			json_array_remove(items, i);
			return;
		}
	}
}

/* Runs the detection engine (src/coord/detect*.c) over a List, as detect_layers does. */
FX_UNUSED static json_t *
fx_detect(json_t *list)
{
	struct coord_detect_request req;
	struct coord_detect *d;
	char err[256];
	json_t *det;

	memset(&req, 0, sizeof(req));
	d = coord_detect_new(&req);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_ge(coord_detect_feed_list(d, list, err, sizeof(err)), 1);
	det = coord_detect_finish(d, err, sizeof(err));
	coord_detect_free(d);
	ck_assert_msg(det != NULL, "detect: %s", err);
	json_object_set_new(det, "issue_id", json_string("issue-test"));
	return det;
}

/* A hand-written detection with one root cause finding (f1), and its impacted entry. */
FX_UNUSED static json_t *
fx_det1(const char *layer, const char *symptom, const char *kind, const char *ns,
    const char *name, const char *method)
{
	json_t *det = json_pack("{s:s, s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:s, s:s*, s:s}, "
	    "s:s, s:s}], s:[], s:{s:[], s:[], s:[]}}", "issue_id", "issue-hand",
	    "affected_layers", layer, "root_cause_layer", layer, "findings", "id", "f1",
	    "layer", layer, "symptom", symptom, "resource", "kind", kind, "namespace", ns,
	    "name", name, "detail", symptom, "role", "root_cause", "causal_links",
	    "impacted_resources", "infrastructure", "platform", "application");

	ck_assert_ptr_nonnull(det);
	json_array_append_new(json_object_get(json_object_get(det, "impacted_resources"),
	    layer), json_pack("{s:s, s:s*, s:s, s:s, s:s}", "kind", kind, "namespace", ns,
	    "name", name, "status", symptom, "deployment_method", method));
	return det;
}

FX_UNUSED static json_t *
fx_plan(const json_t *det, const json_t *live, const char *opts)
{
	json_t *o = opts ? json_loads(opts, 0, NULL) : NULL, *plan;
	char err[512] = "";

	ck_assert_msg(opts == NULL || o != NULL, "bad options text in test");
	plan = coord_plan_build(det, live, o, err, sizeof(err));
	json_decref(o);
	ck_assert_msg(plan != NULL, "plan failed: %s", err);
	return plan;
}

FX_UNUSED static json_t *
fx_step(const json_t *plan, size_t i)
{
	return json_array_get(json_object_get(plan, "steps"), i);
}

FX_UNUSED static const char *
fx_action(const json_t *plan, size_t i)
{
	return json_string_value(json_object_get(fx_step(plan, i), "action"));
}

FX_UNUSED static size_t
fx_nsteps(const json_t *plan)
{
	return json_array_size(json_object_get(plan, "steps"));
}

FX_UNUSED static int
fx_count_action(const json_t *plan, const char *action)
{
	size_t i;
	int n = 0;

	for (i = 0; i < fx_nsteps(plan); i++)
		if (strcmp(fx_action(plan, i), action) == 0)
			n++;
	return n;
}

FX_UNUSED static json_t *
fx_find_action(const json_t *plan, const char *action)
{
	size_t i;

	for (i = 0; i < fx_nsteps(plan); i++)
		if (strcmp(fx_action(plan, i), action) == 0)
			return fx_step(plan, i);
	return NULL;
}

FX_UNUSED static bool
fx_refused(const json_t *plan)
{
	return json_is_true(json_object_get(plan, "refused"));
}

/* True if some refusal reason contains `needle`. */
FX_UNUSED static bool
fx_reason_has(const json_t *plan, const char *needle)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(plan, "refusal_reasons"), i, r)
		if (strstr(json_string_value(r), needle))
			return true;
	return false;
}

FX_UNUSED static bool
fx_refused_rule(const json_t *plan, const char *rule)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(plan, "policy"), "refused"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "rule")), rule) == 0)
			return true;
	return false;
}

FX_UNUSED static bool
fx_risk(const json_t *plan, const char *code)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(plan, "risks"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "code")), code) == 0)
			return true;
	return false;
}

FX_UNUSED static json_t *
fx_checkpoint(const json_t *plan, const char *layer)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(plan, "checkpoints"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "layer")), layer) == 0)
			return c;
	return NULL;
}

FX_UNUSED static bool
fx_has_check(const json_t *cp, const char *type, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(cp, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0 &&
		    (name == NULL || strcmp(json_string_value(json_object_get(json_object_get(
		    c, "target"), "name")), name) == 0))
			return true;
	return false;
}

#endif
