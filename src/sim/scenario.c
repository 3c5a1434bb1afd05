/*
 * Scenario loading: a Kubernetes List (what `kubectl get ... -A -o json` prints; nested
 * Lists and a single object also load).  Objects keep their uid and creationTimestamp when
 * they have them and get fresh ones otherwise; every object gets a new resourceVersion
 * from the simulator's counter.  Unknown kinds are skipped with a warning.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

#define SCENARIO_MAX_BYTES	(1024u * 1024 * 1024)
#define SCENARIO_MAX_DEPTH	4

int
sim_store_load_json(struct sim *s, const struct sim_rtype *rt, json_t *obj, char *err,
    size_t errlen)
{
	struct sim_err e;
	int rc;

	rc = sim_store_create(s, rt, NULL, obj, SIM_WRITE_INTERNAL, NULL, &e);
	if (rc < 0)
		snprintf(err, errlen, "%.*s", (int)(errlen > 1 ? errlen - 1 : 0), e.message);
	return rc;
}

static int
load_item(struct sim *s, json_t *item, int depth, size_t *loaded, size_t *skipped,
    char *err, size_t errlen)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const char *av = json_string_value(json_object_get(item, "apiVersion"));
	const struct sim_rtype *rt;
	json_t *sub;
	size_t i;
	int rc;

	if (kind == NULL || av == NULL) {
		snprintf(err, errlen, "an item without kind/apiVersion");
		return -EINVAL;
	}
	if (strcmp(kind, "List") == 0 || (strlen(kind) > 4 &&
	    strcmp(kind + strlen(kind) - 4, "List") == 0 && json_is_array(json_object_get(item,
	    "items")))) {
		if (depth >= SCENARIO_MAX_DEPTH) {
			snprintf(err, errlen, "Lists nested too deeply");
			return -EINVAL;
		}
		json_array_foreach(json_object_get(item, "items"), i, sub) {
			json_t *it = sub;

			/* Typed lists (PodList) omit kind/apiVersion on their items. */
			if (strcmp(kind, "List") != 0 && json_object_get(sub, "kind") == NULL) {
				char k[128];

				snprintf(k, sizeof(k), "%.*s", (int)(strlen(kind) - 4), kind);
				json_object_set_new(sub, "kind", json_string(k));
				json_object_set_new(sub, "apiVersion", json_string(av));
			}
			if ((rc = load_item(s, it, depth + 1, loaded, skipped, err, errlen)) < 0)
				return rc;
		}
		return 0;
	}
	rt = sim_rt_find_kind(av, kind);
	if (rt == NULL) {
		log_warn("sim", "scenario: skipping %s %s (not served by strata-sim)", av, kind);
		(*skipped)++;
		return 0;
	}
	rc = sim_store_load_json(s, rt, item, err, errlen);
	if (rc == -EEXIST) {
		log_warn("sim", "scenario: duplicate %s: %s", kind, err);
		(*skipped)++;
		return 0;
	}
	if (rc < 0)
		return rc;
	(*loaded)++;
	return 0;
}

int
sim_scenario_load(struct sim *s, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc;
	size_t loaded = 0, skipped = 0;
	char sub[256];
	int rc;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		snprintf(err, errlen, "%s: not a Kubernetes List (a JSON object)", path);
		return -EINVAL;
	}
	sub[0] = '\0';
	rc = load_item(s, doc, 0, &loaded, &skipped, sub, sizeof(sub));
	json_decref(doc);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, sub);
		return rc;
	}
	log_info("sim", "scenario %s: %zu objects loaded, %zu skipped", path, loaded, skipped);
	return 0;
}
