/*
 * Actions: the table from plan action / compensation names to their task functions,
 * the before-state capture every step runs first, and the resolution of a
 * compensation's {"$capture": REF} params against the recorded before-state.
 *
 * The before-state journalled for a step:
 *   {"objects": [{kind, namespace, name, found, object}],   object = the captured
 *                fields only (plus metadata name/namespace/uid/resourceVersion), or the
 *                whole object when the plan asks for "" (a MachineConfig to recreate)
 *    "values":  {"last_history_id": N, "pods_on_node": ["ns/name", …]}}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_act.h"
#include "strata/util.h"

static const struct {
	const char *name;
	task_fn fn;
} actions[] = {
	{ "cordon", act_cordon }, { "uncordon", act_uncordon }, { "drain", act_drain },
	{ "reboot_node", act_reboot_node }, { "wait_node_healthy", act_wait_node },
	{ "replace_machine", act_replace_machine },
	{ "scale_machineset", act_scale_machineset },
	{ "pause_mcp", act_pause_mcp }, { "unpause_mcp", act_unpause_mcp },
	{ "rollback_machineconfig", act_rollback_mc },
	{ "wait_mco_rollout", act_wait_mco }, { "wait_cluster_operator", act_wait_co },
	{ "wait_workload", act_wait_workload },
	{ "restart_deployment", act_restart }, { "rollout_undo", act_undo },
	{ "scale_deployment", act_scale_deploy }, { "set_memory_limit", act_memory },
	{ "argocd_sync", act_argo_sync }, { "argocd_rollback", act_argo_rollback },
};

static const struct {
	const char *name;
	task_fn fn;
} comps[] = {
	{ "uncordon", act_restore_unschedulable }, { "cordon", act_restore_unschedulable },
	{ "scale_machineset", act_restore_ms_replicas },
	{ "unpause_mcp", act_restore_paused }, { "pause_mcp", act_restore_paused },
	{ "restore_machineconfig", act_restore_mc },
	{ "restore_template_annotation", act_restore_template },
	{ "restore_template", act_restore_template },
	{ "scale_deployment", act_restore_replicas },
	{ "argocd_rollback", act_argo_restore },
};

task_fn
act_lookup(const char *action)
{
	size_t i;

	for (i = 0; action && i < STRATA_ARRAY_LEN(actions); i++)
		if (strcmp(actions[i].name, action) == 0)
			return actions[i].fn;
	return NULL;
}

task_fn
act_comp_lookup(const char *comp)
{
	size_t i;

	for (i = 0; comp && i < STRATA_ARRAY_LEN(comps); i++)
		if (strcmp(comps[i].name, comp) == 0)
			return comps[i].fn;
	return NULL;
}

uint64_t
act_poll_ms(const struct exec_task *t)
{
	return exec_scaled_ms(t->run, 2.0);
}

int
act_poll_again(struct exec_task *t, int phase, const char *what)
{
	if (t->dry_run)
		return TASK_DONE;	/* a dry run never waits */
	if (t->cancellable && t->run->cancel)
		return task_fail(t, "cancelled while waiting: %s", what);
	if (task_timed_out(t))
		return task_fail(t, "timed out waiting: %s", what);
	t->phase = phase;
	return task_later(t, act_poll_ms(t));
}

/* ---- JSON pointers ---------------------------------------------------------------- */

/* Splits pointer segment i ("~1" → "/", "~0" → "~"); returns false past the end. */
static bool
ptr_seg(const char *ptr, size_t i, char *out, size_t outlen)
{
	const char *p = ptr;
	size_t n = 0;

	while (i-- > 0) {
		p = strchr(p + 1, '/');
		if (p == NULL)
			return false;
	}
	if (*p != '/')
		return false;
	for (p++; *p && *p != '/' && n + 1 < outlen; p++) {
		if (*p == '~' && (p[1] == '1' || p[1] == '0')) {
			out[n++] = p[1] == '1' ? '/' : '~';
			p++;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

json_t *
act_ptr_get(const json_t *obj, const char *ptr)
{
	char seg[256];
	size_t i;

	if (ptr == NULL || *ptr == '\0')
		return (json_t *)obj;
	for (i = 0; obj != NULL && ptr_seg(ptr, i, seg, sizeof(seg)); i++)
		obj = json_object_get(obj, seg);
	return (json_t *)obj;
}

/* Copies the value at ptr from src into dst, creating the objects on the way. */
static void
ptr_copy(json_t *dst, const json_t *src, const char *ptr)
{
	char seg[256], next[256];
	size_t i;
	json_t *v = act_ptr_get(src, ptr);

	if (v == NULL)
		return;
	for (i = 0; ptr_seg(ptr, i, seg, sizeof(seg)); i++) {
		if (!ptr_seg(ptr, i + 1, next, sizeof(next))) {
			json_object_set(dst, seg, v);
			return;
		}
		if (!json_is_object(json_object_get(dst, seg)))
			json_object_set_new(dst, seg, json_object());
		dst = json_object_get(dst, seg);
	}
}

static json_t *
reduce(const json_t *obj, const json_t *fields)
{
	json_t *out, *md, *f;
	size_t i;
	static const char *keep[] = { "name", "namespace", "uid", "resourceVersion",
	    "generation" };

	json_array_foreach(fields, i, f)
		if (json_is_string(f) && json_string_length(f) == 0)
			return json_deep_copy(obj);
	out = json_pack("{s:O?, s:O?, s:{}}", "apiVersion", json_object_get(obj,
	    "apiVersion"), "kind", json_object_get(obj, "kind"), "metadata");
	md = json_object_get(out, "metadata");
	for (i = 0; i < STRATA_ARRAY_LEN(keep); i++)
		if (exec_jget(obj, "metadata") && json_object_get(json_object_get(obj,
		    "metadata"), keep[i]))
			json_object_set(md, keep[i], json_object_get(json_object_get(obj,
			    "metadata"), keep[i]));
	json_array_foreach(fields, i, f)
		ptr_copy(out, obj, json_string_value(f));
	return out;
}

/* ---- capture ------------------------------------------------------------------------ */

static long long
last_history_id(const json_t *app)
{
	long long best = -1;
	json_t *h;
	size_t i;

	json_array_foreach(exec_jget(app, "status.history"), i, h)
		if (json_is_integer(json_object_get(h, "id")) &&
		    json_integer_value(json_object_get(h, "id")) > best)
			best = json_integer_value(json_object_get(h, "id"));
	return best;
}

/*
 * Phase 2k: GET capture entry k; 2k+1: record it.  Then pods_on_node when asked (a
 * list), then DONE with t->before set.
 */
int
act_capture(struct exec_task *t)
{
	json_t *caps = json_object_get(t->spec, "before_state_capture"), *c, *vals;
	size_t k = (size_t)t->phase / 2;
	struct kube_ref ref;

	if (t->before == NULL)
		t->before = json_pack("{s:[], s:{}}", "objects", "values");
	if (t->before == NULL)
		return task_fail(t, "out of memory");
	vals = json_object_get(t->before, "values");
	if (t->phase == 1000) {		/* pods_on_node listed */
		json_t *names = json_array(), *p;
		size_t i;

		if (t->kerr.code != 0)
			return task_fail_kerr(t, "listing the node's pods");
		json_array_foreach(exec_jget(t->resp, "items"), i, p) {
			char b[512];

			snprintf(b, sizeof(b), "%s/%s", exec_jstr(p, "metadata.namespace"),
			    exec_jstr(p, "metadata.name"));
			json_array_append_new(names, json_string(b));
		}
		json_object_set_new(vals, "pods_on_node", names);
		return TASK_DONE;
	}
	c = json_array_get(caps, k);
	if (c == NULL) {
		json_t *v;
		size_t i;

		json_array_foreach(json_object_get(json_array_get(caps, 0), "values"), i,
		    v) {
			if (json_is_string(v) && strcmp(json_string_value(v),
			    "pods_on_node") == 0) {
				char fs[300];

				snprintf(fs, sizeof(fs), "spec.nodeName=%s",
				    exec_jstr(t->spec, "target.name"));
				t->phase = 1000;
				return task_list(t, &KUBE_REF_POD(NULL, NULL), NULL, fs);
			}
		}
		return TASK_DONE;
	}
	if (!exec_kind_ref(exec_jstr(c, "kind"), exec_jstr(c, "namespace"),
	    exec_jstr(c, "name"), &ref))
		return task_fail(t, "cannot capture the state of a %s: unknown kind",
		    exec_jstr(c, "kind"));
	if (t->phase % 2 == 0) {
		t->phase++;
		return task_get(t, &ref);
	}
	if (t->kerr.code != 0 && t->kerr.http_status != 404)
		return task_fail_kerr(t, "recording the before-state");
	{
		json_t *rec = json_pack("{s:O?, s:O?, s:O?, s:b}", "kind",
		    json_object_get(c, "kind"), "namespace", json_object_get(c, "namespace"),
		    "name", json_object_get(c, "name"), "found", t->kerr.code == 0);
		json_t *vs = json_object_get(c, "values"), *v;
		size_t i;

		if (t->kerr.code == 0)
			json_object_set_new(rec, "object", reduce(t->resp,
			    json_object_get(c, "fields")));
		json_array_append_new(json_object_get(t->before, "objects"), rec);
		json_array_foreach(vs, i, v)
			if (t->kerr.code == 0 && json_is_string(v) &&
			    strcmp(json_string_value(v), "last_history_id") == 0)
				json_object_set_new(vals, "last_history_id",
				    json_integer(last_history_id(t->resp)));
	}
	t->phase++;
	return act_capture(t);
}

/* ---- params ------------------------------------------------------------------------- */

const json_t *
act_before_object(const json_t *before, const json_t *step, bool *found)
{
	json_t *o;
	size_t i;
	const char *kind = exec_jstr(step, "target.kind"), *name = exec_jstr(step,
	    "target.name");

	json_array_foreach(json_object_get(before, "objects"), i, o) {
		const char *k = exec_jstr(o, "kind"), *n = exec_jstr(o, "name");

		if (k && n && kind && name && strcmp(k, kind) == 0 && strcmp(n, name) == 0) {
			if (found)
				*found = json_is_true(json_object_get(o, "found"));
			return json_object_get(o, "object");
		}
	}
	if (found)
		*found = false;
	return NULL;
}

json_t *
act_resolve_params(const json_t *params, const json_t *before, const json_t *step)
{
	json_t *out, *v;
	const char *k;
	size_t i;

	if (json_is_object(params) && json_is_string(json_object_get(params, "$capture")) &&
	    json_object_size(params) == 1) {
		const char *ref = json_string_value(json_object_get(params, "$capture"));
		json_t *val;

		if (*ref == '\0' || *ref == '/')
			val = act_ptr_get(act_before_object(before, step, NULL), ref);
		else
			val = json_object_get(json_object_get(before, "values"), ref);
		return val ? json_deep_copy(val) : json_null();
	}
	if (json_is_object(params)) {
		out = json_object();
		json_object_foreach((json_t *)params, k, v)
			json_object_set_new(out, k, act_resolve_params(v, before, step));
		return out;
	}
	if (json_is_array(params)) {
		out = json_array();
		json_array_foreach(params, i, v)
			json_array_append_new(out, act_resolve_params(v, before, step));
		return out;
	}
	return params ? json_deep_copy(params) : json_null();
}
