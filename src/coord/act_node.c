/*
 * Node actions: cordon / uncordon (and their compensation, restoring the recorded
 * spec.unschedulable), drain exactly as kubectl does it (cordon, list the node's pods,
 * filter DaemonSet/mirror/emptyDir/unmanaged pods, evict through the Eviction API, retry
 * 429s after 5 s until the step timeout, done when no evictable pod remains), reboot
 * (a privileged one-shot pod running `chroot /host systemctl reboot`, as `oc debug node`
 * would; done when the node went NotReady or changed bootID and is Ready again), and
 * wait for a node to be healthy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec_act.h"
#include "strata/util.h"

bool
act_node_ready(const json_t *node)
{
	const char *r = exec_cond(node, "Ready");

	return r != NULL && strcmp(r, "True") == 0;
}

static const char *
node_pressure(const json_t *node)
{
	static const char *types[] = { "MemoryPressure", "DiskPressure", "PIDPressure" };
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(types); i++) {
		const char *s = exec_cond(node, types[i]);

		if (s && strcmp(s, "True") == 0)
			return types[i];
	}
	return NULL;
}

static const char *
node_name(const struct exec_task *t)
{
	const char *n = exec_jstr(t->spec, "params.node");

	return n ? n : exec_jstr(t->spec, "target.name");
}

/* phase 0: patch; 1: check the answer. */
static int
set_unschedulable(struct exec_task *t, bool want)
{
	struct kube_ref ref = KUBE_REF_NODE(node_name(t));

	if (t->phase == 0) {
		t->phase = 1;
		return task_patch(t, &ref, KUBE_PATCH_STRATEGIC, json_pack("{s:{s:O}}", "spec",
		    "unschedulable", want ? json_true() : json_null()));
	}
	if (t->kerr.code != 0)
		return task_fail_kerr(t, want ? "cordoning the node" : "uncordoning the node");
	json_object_set_new(t->detail, "unschedulable", json_boolean(want));
	if (json_is_true(exec_jget(t->resp, "spec.unschedulable")) != want)
		return task_fail(t, "the API answered but spec.unschedulable is not %s",
		    want ? "true" : "unset");
	return TASK_DONE;
}

int
act_cordon(struct exec_task *t)
{
	return set_unschedulable(t, true);
}

int
act_uncordon(struct exec_task *t)
{
	return set_unschedulable(t, false);
}

/* Compensation: spec.unschedulable back to the recorded value (uncordon only if it was
 * schedulable before). */
int
act_restore_unschedulable(struct exec_task *t)
{
	bool found = false;

	if (t->phase == 0 && act_before_object(t->before, t->spec, &found) == NULL && !found)
		return task_fail(t, "no recorded before-state of node %s", node_name(t));
	return set_unschedulable(t, json_is_true(json_object_get(t->params,
	    "unschedulable")));
}

/* ---- drain ----------------------------------------------------------------------------- */

static const json_t *
controller_ref(const json_t *pod)
{
	json_t *r;
	size_t i;

	json_array_foreach(exec_jget(pod, "metadata.ownerReferences"), i, r)
		if (json_is_true(json_object_get(r, "controller")))
			return r;
	return NULL;
}

static bool
terminal(const json_t *pod)
{
	const char *ph = exec_jstr(pod, "status.phase");

	return ph && (strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0);
}

static bool
has_emptydir(const json_t *pod)
{
	json_t *v;
	size_t i;

	json_array_foreach(exec_jget(pod, "spec.volumes"), i, v)
		if (json_object_get(v, "emptyDir"))
			return true;
	return false;
}

/*
 * kubectl's filters, in its order.  Returns 1 evict, 0 skip, -1 error (reason in why).
 */
static int
drain_filter(const struct exec_task *t, const json_t *pod, char *why, size_t whylen)
{
	const json_t *ref = controller_ref(pod);
	const char *ns = exec_jstr(pod, "metadata.namespace"), *n = exec_jstr(pod,
	    "metadata.name");
	long long skip = exec_jint(t->params, "skip_wait_for_delete_timeout", 0);
	const char *del = exec_jstr(pod, "metadata.deletionTimestamp");
	time_t dt;

	if (del != NULL && skip > 0 && strata_time_parse_rfc3339(del, &dt) == 0 &&
	    (long long)(time(NULL) - dt) > skip)
		return 0;
	if (ref && !terminal(pod) && exec_jstr(ref, "kind") &&
	    strcmp(exec_jstr(ref, "kind"), "DaemonSet") == 0) {
		if (json_is_false(json_object_get(t->params, "ignore_daemonsets"))) {
			snprintf(why, whylen, "cannot delete DaemonSet-managed Pods (use "
			    "--ignore-daemonsets to ignore): %s/%s", ns, n);
			return -1;
		}
		return 0;
	}
	if (json_object_get(exec_jget(pod, "metadata.annotations"),
	    "kubernetes.io/config.mirror"))
		return 0;
	if (!terminal(pod) && has_emptydir(pod) &&
	    !json_is_true(json_object_get(t->params, "delete_emptydir_data"))) {
		snprintf(why, whylen, "cannot delete Pods with local storage (use "
		    "--delete-emptydir-data to override): %s/%s", ns, n);
		return -1;
	}
	if (!terminal(pod) && ref == NULL &&
	    !json_is_true(json_object_get(t->params, "force"))) {
		snprintf(why, whylen, "cannot delete Pods that declare no controller (use "
		    "--force to override): %s/%s", ns, n);
		return -1;
	}
	return 1;
}

enum { DR_CORDON, DR_CORDONED, DR_LIST, DR_LISTED, DR_EVICT, DR_EVICTED };

int
act_drain(struct exec_task *t)
{
	struct kube_ref node = KUBE_REF_NODE(node_name(t));
	json_t *q = json_object_get(t->scratch, "queue"), *p;
	char fs[600], why[1200];
	size_t i;

	switch (t->phase) {
	case DR_CORDON:
		t->phase = DR_CORDONED;
		return task_patch(t, &node, KUBE_PATCH_STRATEGIC, json_pack("{s:{s:b}}", "spec",
		    "unschedulable", 1));
	case DR_CORDONED:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "cordoning the node before the drain");
		/* FALLTHROUGH */
	case DR_LIST:
		snprintf(fs, sizeof(fs), "spec.nodeName=%s", node_name(t));
		t->phase = DR_LISTED;
		task_set_what(t, "draining node %s", node_name(t));
		return task_list(t, &KUBE_REF_POD(NULL, NULL), NULL, fs);
	case DR_LISTED: {
		json_t *queue = json_array(), *remaining = json_array();

		if (t->kerr.code != 0)
			return task_fail_kerr(t, "listing the node's pods");
		json_array_foreach(exec_jget(t->resp, "items"), i, p) {
			int v = drain_filter(t, p, why, sizeof(why));

			if (v < 0) {
				json_decref(queue);
				json_decref(remaining);
				return task_fail(t, "%s", why);
			}
			if (v == 0)
				continue;
			snprintf(fs, sizeof(fs), "%s/%s", exec_jstr(p, "metadata.namespace"),
			    exec_jstr(p, "metadata.name"));
			json_array_append_new(remaining, json_string(fs));
			if (exec_jstr(p, "metadata.deletionTimestamp") == NULL || t->dry_run)
				json_array_append_new(queue, json_pack("{s:O, s:O}", "ns",
				    exec_jget(p, "metadata.namespace"), "name",
				    exec_jget(p, "metadata.name")));
		}
		if (!json_is_array(json_object_get(t->detail, "pods")))
			json_object_set(t->detail, "pods", remaining);
		json_object_set_new(t->scratch, "remaining", remaining);
		json_object_set_new(t->scratch, "queue", queue);
		json_object_set_new(t->scratch, "blocked", json_false());
		if (json_array_size(remaining) == 0) {
			json_object_set_new(t->detail, "drained", json_true());
			return TASK_DONE;
		}
		t->phase = DR_EVICT;
		return act_drain(t);
	}
	case DR_EVICT:
		if (json_array_size(q) == 0) {
			uint64_t ms;
			char list[400];

			if (t->dry_run)
				return TASK_DONE;
			ms = json_is_true(json_object_get(t->scratch, "blocked")) ?
			    exec_scaled_ms(t->run, 5.0) : act_poll_ms(t);
			if (task_timed_out(t)) {
				char *s = json_dumps(json_object_get(t->scratch, "remaining"),
				    JSON_COMPACT);

				snprintf(list, sizeof(list), "%s", s ? s : "?");
				free(s);
				return task_fail(t, "timed out draining %s: pods still on it: %s%s%s",
				    node_name(t), list, exec_jstr(t->scratch, "last_block") ?
				    "; last eviction refusal: " : "",
				    exec_jstr(t->scratch, "last_block") ?
				    exec_jstr(t->scratch, "last_block") : "");
			}
			if (t->cancellable && t->run->cancel)
				return task_fail(t, "cancelled while draining %s", node_name(t));
			t->phase = DR_LIST;
			return task_later(t, ms);
		}
		p = json_array_get(q, 0);
		json_object_set(t->scratch, "cur", p);
		json_array_remove(q, 0);
		t->phase = DR_EVICTED;
		if (json_is_true(json_object_get(t->params, "disable_eviction")))
			/* kubectl drain --disable-eviction: plain DELETE, PDBs bypassed */
			return task_delete(t, &KUBE_REF_POD(exec_jstr(t->scratch, "cur.ns"),
			    exec_jstr(t->scratch, "cur.name")), NULL);
		return task_evict(t, exec_jstr(t->scratch, "cur.ns"),
		    exec_jstr(t->scratch, "cur.name"));
	case DR_EVICTED:
		snprintf(fs, sizeof(fs), "%s/%s", exec_jstr(t->scratch, "cur.ns"),
		    exec_jstr(t->scratch, "cur.name"));
		if (t->kerr.code == 0 || t->kerr.http_status == 404) {
			if (!json_is_array(json_object_get(t->detail, "evicted")))
				json_object_set_new(t->detail, "evicted", json_array());
			json_array_append_new(json_object_get(t->detail, "evicted"),
			    json_string(fs));
		} else if (t->kerr.http_status == 429) {
			json_object_set_new(t->scratch, "blocked", json_true());
			snprintf(why, sizeof(why), "%s: %s", fs, t->kerr.message);
			json_object_set_new(t->scratch, "last_block", json_string(why));
			if (t->dry_run) {
				if (!json_is_array(json_object_get(t->detail, "would_block")))
					json_object_set_new(t->detail, "would_block",
					    json_array());
				json_array_append_new(json_object_get(t->detail,
				    "would_block"), json_string(why));
			} else
				log_info("exec", "error when evicting pods/%s (will retry "
				    "after 5s): %s", fs, t->kerr.message);
		} else
			return task_fail_kerr(t, "evicting a pod");
		t->phase = DR_EVICT;
		return act_drain(t);
	default:
		return task_fail(t, "drain: bad state");
	}
}

/* ---- reboot ---------------------------------------------------------------------------- */

enum { RB_GET, RB_GOT, RB_CREATED, RB_POLL, RB_POLLED, RB_CLEANED, RB_FAILED };

static json_t *
reboot_pod(const struct exec_task *t, const char *name)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}, s:{s:s}}, s:{s:s, s:b, "
	    "s:b, s:s, s:[{s:s}], s:[{s:s, s:s, s:[s,s,s,s], s:{s:b}, s:[{s:s, s:s}]}], "
	    "s:[{s:s, s:{s:s}}]}}",
	    "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace",
	    t->run->reboot_ns, "labels", "app.kubernetes.io/managed-by", "strata",
	    "strata.dev/action", "reboot-node", "annotations", "strata.dev/execution",
	    t->run->exec_id, "spec", "nodeName", node_name(t), "hostPID", 1, "hostNetwork", 1,
	    "restartPolicy", "Never", "tolerations", "operator", "Exists", "containers",
	    "name", "reboot", "image", t->run->reboot_image, "command", "chroot", "/host",
	    "systemctl", "reboot", "securityContext", "privileged", 1, "volumeMounts",
	    "name", "host", "mountPath", "/host", "volumes", "name", "host", "hostPath",
	    "path", "/");
}

int
act_reboot_node(struct exec_task *t)
{
	struct kube_ref node = KUBE_REF_NODE(node_name(t));
	char name[128];
	const char *boot0 = exec_jstr(t->scratch, "boot0"), *boot;
	json_t *body;
	int rc;

	snprintf(name, sizeof(name), "strata-reboot-%.40s-%.8s", node_name(t),
	    t->run->exec_id + 5);
	switch (t->phase) {
	case RB_GET:
		t->phase = RB_GOT;
		return task_get(t, &node);
	case RB_GOT:
		if (t->kerr.code != 0)
			return task_fail_kerr(t, "reading the node");
		json_object_set_new(t->scratch, "boot0", json_string(exec_jstr(t->resp,
		    "status.nodeInfo.bootID") ? exec_jstr(t->resp, "status.nodeInfo.bootID") :
		    ""));
		body = reboot_pod(t, name);
		t->phase = RB_CREATED;
		rc = task_create(t, &KUBE_REF_POD(t->run->reboot_ns, NULL), body);
		json_decref(body);
		return rc;
	case RB_CREATED:
		if (t->kerr.code != 0 && t->kerr.http_status != 409)
			return task_fail_kerr(t, "creating the reboot pod");
		json_object_set_new(t->detail, "reboot_pod", json_pack("{s:s, s:s}",
		    "namespace", t->run->reboot_ns, "name", name));
		if (t->dry_run)
			return TASK_DONE;
		task_set_what(t, "waiting for node %s to reboot", node_name(t));
		/* FALLTHROUGH */
	case RB_POLL:
		t->phase = RB_POLLED;
		return task_get(t, &node);
	case RB_POLLED:
		if (t->kerr.code == 0) {
			boot = exec_jstr(t->resp, "status.nodeInfo.bootID");
			if (!act_node_ready(t->resp))
				json_object_set_new(t->scratch, "went_down", json_true());
			if (act_node_ready(t->resp) && ((boot && boot0 && *boot0 &&
			    strcmp(boot, boot0) != 0) ||
			    json_is_true(json_object_get(t->scratch, "went_down")))) {
				json_object_set_new(t->detail, "boot_id", json_string(boot ?
				    boot : ""));
				t->phase = RB_CLEANED;
				return task_delete(t, &KUBE_REF_POD(t->run->reboot_ns, name),
				    NULL);
			}
		}
		if (act_poll_again(t, RB_POLL, "the node to go down and come back Ready") ==
		    TASK_WAIT)
			return TASK_WAIT;
		/* timed out or cancelled: never leave the privileged pod behind */
		json_object_set_new(t->scratch, "failure", json_string(t->msg));
		t->phase = RB_FAILED;
		return task_delete(t, &KUBE_REF_POD(t->run->reboot_ns, name), NULL);
	case RB_CLEANED:
		return TASK_DONE;	/* the reboot pod is gone or will be collected */
	case RB_FAILED:
		if (t->kerr.code != 0 && t->kerr.http_status != 404)
			return task_fail(t, "%s; the reboot pod %s/%s could not be deleted: %s",
			    exec_jstr(t->scratch, "failure"), t->run->reboot_ns, name,
			    t->kerr.message);
		return task_fail(t, "%s", exec_jstr(t->scratch, "failure"));
	default:
		return task_fail(t, "reboot: bad state");
	}
}

int
act_wait_node(struct exec_task *t)
{
	struct kube_ref node = KUBE_REF_NODE(node_name(t));
	const char *pr;

	if (t->phase == 0 || t->dry_run) {
		if (t->dry_run)
			return TASK_DONE;
		t->phase = 1;
		return task_get(t, &node);
	}
	if (t->kerr.code == 0 && act_node_ready(t->resp) &&
	    (pr = node_pressure(t->resp)) == NULL)
		return TASK_DONE;
	return act_poll_again(t, 0, "the node to be Ready without pressure");
}
