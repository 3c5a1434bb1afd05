/*
 * plan_remediation options: parsing with defaults, and the lookups the planner makes
 * (timeout overrides, protected namespaces).  The schema is in strata/coord_plan.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan_int.h"

#define PLAN_TIMEOUT_MAX	(7 * 24 * 3600)	/* a week: larger is a typo */

static int
opt_bool(const json_t *v, const char *key, bool *out, char *err, size_t n)
{
	if (!json_is_boolean(v)) {
		snprintf(err, n, "options.%s must be true or false", key);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

static int
opt_int(const json_t *v, const char *key, int lo, int hi, int *out, char *err, size_t n)
{
	json_int_t i;

	if (!json_is_integer(v)) {
		snprintf(err, n, "options.%s must be an integer", key);
		return -EINVAL;
	}
	i = json_integer_value(v);
	if (i < lo || i > hi) {
		snprintf(err, n, "options.%s must be between %d and %d (got %lld)", key, lo,
		    hi, (long long)i);
		return -EINVAL;
	}
	*out = (int)i;
	return 0;
}

static int
opt_timeouts(struct plan_opts *o, const json_t *v, char *err, size_t n)
{
	const char *k;
	json_t *t;

	if (!json_is_object(v)) {
		snprintf(err, n, "options.timeouts must be an object of seconds by action or "
		    "check type");
		return -EINVAL;
	}
	json_object_foreach((json_t *)v, k, t) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > PLAN_TIMEOUT_MAX) {
			snprintf(err, n, "options.timeouts.%s must be an integer of seconds "
			    "between 1 and %d", k, PLAN_TIMEOUT_MAX);
			return -EINVAL;
		}
	}
	json_decref(o->timeouts);
	o->timeouts = json_deep_copy(v);
	return o->timeouts ? 0 : -ENOMEM;
}

static int
opt_protected(struct plan_opts *o, const json_t *v, char *err, size_t n)
{
	size_t i;
	json_t *s;

	if (!json_is_array(v) || json_array_size(v) > 256) {
		snprintf(err, n, "options.protected_namespaces must be an array of at most "
		    "256 namespace names (a trailing * matches a prefix)");
		return -EINVAL;
	}
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || json_string_length(s) == 0 ||
		    json_string_length(s) > 253) {
			snprintf(err, n, "options.protected_namespaces[%zu] must be a "
			    "namespace name", i);
			return -EINVAL;
		}
	}
	json_decref(o->protected_ns);
	o->protected_ns = json_deep_copy(v);
	return o->protected_ns ? 0 : -ENOMEM;
}

int
plan_opts_parse(struct plan_opts *o, const json_t *options, char *err, size_t n)
{
	const char *k;
	json_t *v;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->max_unavailable_nodes = 1;
	o->max_unhealthy_node_ratio = 0.3;
	o->symptom_restarts = true;
	o->poll_seconds = 10;
	o->mco_seconds_per_node = 600;
	o->protected_ns = json_pack("[ss]", "kube-system", "openshift-*");
	o->timeouts = json_object();
	if (o->protected_ns == NULL || o->timeouts == NULL) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	if (options == NULL || json_is_null(options))
		return 0;
	if (!json_is_object(options)) {
		snprintf(err, n, "options must be an object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)options, k, v) {
		if (strcmp(k, "allow_risk") == 0)
			rc = opt_bool(v, k, &o->allow_risk, err, n);
		else if (strcmp(k, "symptom_restarts") == 0)
			rc = opt_bool(v, k, &o->symptom_restarts, err, n);
		else if (strcmp(k, "delete_emptydir_data") == 0)
			rc = opt_bool(v, k, &o->delete_emptydir_data, err, n);
		else if (strcmp(k, "force_unmanaged") == 0)
			rc = opt_bool(v, k, &o->force_unmanaged, err, n);
		else if (strcmp(k, "delete_unready_pods") == 0)
			rc = opt_bool(v, k, &o->delete_unready_pods, err, n);
		else if (strcmp(k, "max_unavailable_nodes") == 0)
			rc = opt_int(v, k, 1, 1000, &o->max_unavailable_nodes, err, n);
		else if (strcmp(k, "poll_seconds") == 0)
			rc = opt_int(v, k, 1, 600, &o->poll_seconds, err, n);
		else if (strcmp(k, "mco_seconds_per_node") == 0)
			rc = opt_int(v, k, 1, 86400, &o->mco_seconds_per_node, err, n);
		else if (strcmp(k, "timeouts") == 0)
			rc = opt_timeouts(o, v, err, n);
		else if (strcmp(k, "protected_namespaces") == 0)
			rc = opt_protected(o, v, err, n);
		else if (strcmp(k, "max_unhealthy_node_ratio") == 0) {
			double r = json_number_value(v);

			if (!json_is_number(v) || !(r > 0.0 && r <= 1.0)) {
				snprintf(err, n, "options.max_unhealthy_node_ratio must be a "
				    "number in (0, 1]");
				rc = -EINVAL;
			} else
				o->max_unhealthy_node_ratio = r;
		} else if (strcmp(k, "node_remediation") == 0) {
			const char *s = json_string_value(v);

			if (s && strcmp(s, "auto") == 0)
				o->node_remediation = NR_AUTO;
			else if (s && strcmp(s, "drain") == 0)
				o->node_remediation = NR_DRAIN;
			else if (s && strcmp(s, "reboot") == 0)
				o->node_remediation = NR_REBOOT;
			else if (s && strcmp(s, "replace") == 0)
				o->node_remediation = NR_REPLACE;
			else {
				snprintf(err, n, "options.node_remediation must be one of auto, "
				    "drain, reboot, replace");
				rc = -EINVAL;
			}
		} else {
			snprintf(err, n, "unknown option \"%.64s\" (known: allow_risk, "
			    "max_unavailable_nodes, max_unhealthy_node_ratio, "
			    "protected_namespaces, node_remediation, symptom_restarts, "
			    "delete_emptydir_data, force_unmanaged, delete_unready_pods, "
			    "poll_seconds, "
			    "mco_seconds_per_node, timeouts)", k);
			rc = -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

void
plan_opts_free(struct plan_opts *o)
{
	json_decref(o->protected_ns);
	json_decref(o->timeouts);
	o->protected_ns = o->timeouts = NULL;
}

int
plan_timeout(const struct plan_ctx *c, const char *what, int dflt)
{
	json_t *v = json_object_get(c->opt.timeouts, what);

	return v ? (int)json_integer_value(v) : dflt;
}

bool
plan_ns_protected(const struct plan_ctx *c, const char *ns)
{
	size_t i, len;
	json_t *p;

	if (ns == NULL || *ns == '\0')
		return false;
	json_array_foreach(c->opt.protected_ns, i, p) {
		const char *s = json_string_value(p);

		len = strlen(s);
		if (len > 0 && s[len - 1] == '*') {
			if (strncmp(ns, s, len - 1) == 0)
				return true;
		} else if (strcmp(ns, s) == 0)
			return true;
	}
	return false;
}
