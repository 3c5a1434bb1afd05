/*
 * Checkpoints: after each layer, checks scoped to the incident's targets that the
 * executor polls (every poll_seconds) until healthy or timed out.  A check is added once
 * per (type, target); a second request keeps the longer timeout.
 */
#include <errno.h>
#include <string.h>

#include "plan_int.h"

static bool
same_target(const json_t *a, const json_t *b)
{
	return json_equal(json_object_get(a, "target"), json_object_get(b, "target")) &&
	    json_equal(json_object_get(a, "type"), json_object_get(b, "type"));
}

int
plan_check_add(struct plan_ctx *c, enum plan_layer layer, const char *type,
    const char *kind, const char *ns, const char *name, int timeout_s,
    const char *description)
{
	json_t *chk, *x;
	size_t i;

	chk = json_pack("{s:s, s:{s:s?, s:s?, s:s?}, s:i, s:i, s:s}", "type", type,
	    "target", "kind", kind, "namespace", ns && *ns ? ns : NULL, "name", name,
	    "timeout_seconds", timeout_s, "poll_seconds", c->opt.poll_seconds,
	    "description", description);
	if (chk == NULL)
		return -ENOMEM;
	json_array_foreach(c->checks[layer], i, x) {
		if (!same_target(x, chk))
			continue;
		if (json_integer_value(json_object_get(x, "timeout_seconds")) < timeout_s)
			json_object_set_new(x, "timeout_seconds", json_integer(timeout_s));
		json_decref(chk);
		return 0;
	}
	c->layer_on[layer] = true;
	return json_array_append_new(c->checks[layer], chk) < 0 ? -ENOMEM : 0;
}

json_t *
plan_checkpoints_build(struct plan_ctx *c, json_t *steps)
{
	json_t *cps = json_array(), *cp;
	size_t l, after = 0;

	(void)steps;
	if (cps == NULL)
		return NULL;
	for (l = 0; l < PL_NLAYERS; l++) {
		after += json_array_size(c->steps[l]);
		if (!c->layer_on[l] || json_array_size(c->checks[l]) == 0)
			continue;
		cp = json_pack("{s:s, s:I, s:O}", "layer", plan_layer_names[l], "after_step",
		    (json_int_t)after, "checks", c->checks[l]);
		if (cp == NULL || json_array_append_new(cps, cp) < 0) {
			json_decref(cps);
			return NULL;
		}
	}
	return cps;
}
