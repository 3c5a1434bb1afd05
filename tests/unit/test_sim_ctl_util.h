#ifndef STRATA_TEST_SIM_CTL_UTIL_H
#define STRATA_TEST_SIM_CTL_UTIL_H

/*
 * Helpers for the controller suites (tests/unit/test_sim_ctl_*.c): start an embedded
 * simulator on a fixture at a high time scale, write objects through the store the way a
 * client's request would, and wait (bounded) for what the controllers should do.
 */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strata/sim.h"
#include "strata/util.h"
#include "../../src/sim/sim_internal.h"

#define CTL_TIME_SCALE	200.0
#define CTL_WAIT_MS	8000u		/* real ms; generous for slow CI under ASan */

static inline struct sim *
ctl_test_start(const char *fixture)
{
	struct sim_options opt = { .scenario_path = fixture, .time_scale = CTL_TIME_SCALE,
	    .listen = "127.0.0.1:0" };
	char err[256] = "";
	struct sim *s = sim_start(&opt, err, sizeof(err));

	ck_assert_msg(s != NULL, "sim_start: %s", err);
	return s;
}

static inline void
ctl_test_sleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A parsed copy of an object (new reference) or NULL. */
static inline json_t *
ctl_test_get(struct sim *s, enum sim_rt_id id, const char *ns, const char *name)
{
	json_t *o;

	sim_lock(s);
	o = sim_store_get(s, sim_rt(id), ns, name);
	sim_unlock(s);
	return o;
}

static inline int
ctl_test_create(struct sim *s, enum sim_rt_id id, const char *ns, const char *json_text)
{
	json_error_t jerr;
	json_t *o = json_loads(json_text, 0, &jerr);
	struct sim_err e = { 0 };
	int rc;

	ck_assert_msg(o != NULL, "fixture JSON: %s", jerr.text);
	sim_lock(s);
	rc = sim_store_create(s, sim_rt(id), ns, o, 0, NULL, &e);
	sim_unlock(s);
	json_decref(o);
	ck_assert_msg(rc == 0, "create: %s", e.message);
	return rc;
}

static inline int
ctl_test_patch(struct sim *s, enum sim_rt_id id, const char *ns, const char *name,
    enum sim_patch_type type, const char *patch_text)
{
	json_error_t jerr;
	json_t *p = json_loads(patch_text, JSON_DECODE_ANY, &jerr);
	struct sim_err e = { 0 };
	int rc;

	ck_assert_msg(p != NULL, "patch JSON: %s", jerr.text);
	sim_lock(s);
	rc = sim_store_patch(s, sim_rt(id), ns, name, type, p, 0, NULL, &e);
	sim_unlock(s);
	json_decref(p);
	ck_assert_msg(rc == 0, "patch %s: %s", name, e.message);
	return rc;
}

static inline int
ctl_test_delete(struct sim *s, enum sim_rt_id id, const char *ns, const char *name)
{
	struct sim_err e = { 0 };
	int rc;

	sim_lock(s);
	rc = sim_store_delete(s, sim_rt(id), ns, name, NULL, NULL, 0, NULL, &e);
	sim_unlock(s);
	return rc;
}

/* Dotted-path string lookup in a parsed object. */
static inline const char *
ctl_test_str(const json_t *o, const char *path)
{
	char part[128];
	const char *p = path;
	const json_t *cur = o;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		if (json_is_array(cur))
			cur = json_array_get(cur, (size_t)atoi(part));
		else
			cur = json_object_get(cur, part);
		p = dot ? dot + 1 : p + n;
	}
	return json_string_value(cur);
}

static inline long long
ctl_test_int(const json_t *o, const char *path)
{
	char part[128];
	const char *p = path;
	const json_t *cur = o;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		if (json_is_array(cur))
			cur = json_array_get(cur, (size_t)atoi(part));
		else
			cur = json_object_get(cur, part);
		p = dot ? dot + 1 : p + n;
	}
	return json_is_integer(cur) ? (long long)json_integer_value(cur) : -1;
}

/* Status of condition `type` in status.conditions, or NULL. */
static inline const char *
ctl_test_cond(const json_t *o, const char *type, const char **reason)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, c) {
		if (json_string_value(json_object_get(c, "type")) &&
		    strcmp(json_string_value(json_object_get(c, "type")), type) == 0) {
			if (reason)
				*reason = json_string_value(json_object_get(c, "reason"));
			return json_string_value(json_object_get(c, "status"));
		}
	}
	return NULL;
}

/* Polls pred(s, arg) every 10 ms until true or CTL_WAIT_MS pass. */
typedef bool (*ctl_test_pred)(struct sim *s, const void *arg);

static inline bool
ctl_test_wait(struct sim *s, ctl_test_pred pred, const void *arg)
{
	uint64_t end = strata_now_ms() + CTL_WAIT_MS;

	while (strata_now_ms() < end) {
		if (pred(s, arg))
			return true;
		ctl_test_sleep(10);
	}
	return pred(s, arg);
}

/* Counts pods in ns matching a label selector string and (optionally) Ready. */
struct ctl_test_count {
	size_t	total, ready, running;
};

static inline int
ctl_test_count_fn(const struct sim_obj *o, void *arg)
{
	struct ctl_test_count *c = arg;
	json_t *pod = sim_obj_json(o), *cond;
	size_t i;

	if (pod == NULL)
		return 0;
	c->total++;
	if (o->phase && strcmp(o->phase, "Running") == 0)
		c->running++;
	json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i,
	    cond) {
		if (strcmp(json_string_value(json_object_get(cond, "type")) ?
		    json_string_value(json_object_get(cond, "type")) : "", "Ready") == 0 &&
		    strcmp(json_string_value(json_object_get(cond, "status")) ?
		    json_string_value(json_object_get(cond, "status")) : "", "True") == 0)
			c->ready++;
	}
	json_decref(pod);
	return 0;
}

static inline struct ctl_test_count
ctl_test_pods(struct sim *s, const char *ns, const char *labels, const char *fields)
{
	struct ctl_test_count c = { 0, 0, 0 };
	struct sim_selector *sel = NULL;
	char err[128];

	sim_lock(s);
	if (sim_selector_parse(sim_rt(SIM_RT_POD), labels, fields, &sel, err, sizeof(err)) == 0)
		sim_store_foreach(s, sim_rt(SIM_RT_POD), ns, sel, ctl_test_count_fn, &c);
	sim_selector_free(sel);
	sim_unlock(s);
	return c;
}

#endif
