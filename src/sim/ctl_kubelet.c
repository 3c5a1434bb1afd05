/*
 * The kubelet stand-in: pods bound to a Ready node start after a (simulated) delay and
 * become Running/Ready — unless a hint says they fail, in which case they show what a real
 * kubelet reports (CrashLoopBackOff with restartCount growing on the back-off schedule,
 * OOMKilled, ImagePullBackOff, CreateContainerConfigError, or running but not ready).
 * Failure hints are re-evaluated at every restart, so removing the cause heals the pod.
 * A node going NotReady makes its pods unready; coming back restarts their containers.
 *
 * A privileged pod whose command reboots its host — `chroot /host systemctl reboot`, what
 * `oc debug node/N -- chroot /host systemctl reboot` runs — reboots the node when it
 * starts: the pod completes, the node goes NotReady ("node is rebooting") and comes back
 * Ready after sim.strata.dev/reboot-duration (default 60 s) with a new boot id and its
 * transient conditions (memory/disk/PID pressure, NetworkUnavailable) cleared, as a fresh
 * boot would leave them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

#define START_DELAY_MS	2000u		/* pull + create + start, simulated */
#define BACKOFF_MS	10000u		/* kubelet: 10 s doubling to 5 min */
#define BACKOFF_MAX_MS	300000u
#define REBOOT_MS	60000u		/* default reboot-duration */

struct ctl_kubelet {
	struct ctl_map	 starting;	/* "ns/name" → marker: a start timer is pending */
};

enum fail_mode {
	FAIL_NONE = 0,
	FAIL_CRASH,		/* CrashLoopBackOff, last state Error exit 1 */
	FAIL_OOM,		/* CrashLoopBackOff, last state OOMKilled exit 137 */
	FAIL_IMAGE,		/* ImagePullBackOff */
	FAIL_CONFIG,		/* CreateContainerConfigError */
	FAIL_UNREADY		/* running, readiness probe failing */
};

static enum fail_mode
mode_parse(const char *v)
{
	if (v == NULL)
		return FAIL_NONE;
	if (strcmp(v, "CrashLoopBackOff") == 0 || strcmp(v, "Error") == 0)
		return FAIL_CRASH;
	if (strcmp(v, "OOMKilled") == 0)
		return FAIL_OOM;
	if (strcmp(v, "ImagePullBackOff") == 0 || strcmp(v, "ErrImagePull") == 0)
		return FAIL_IMAGE;
	if (strcmp(v, "CreateContainerConfigError") == 0)
		return FAIL_CONFIG;
	if (strcmp(v, "NotReady") == 0 || strcmp(v, "Unready") == 0)
		return FAIL_UNREADY;
	return FAIL_NONE;
}

/* True when `image` is in the comma-separated `list`. */
static bool
in_list(const char *list, const char *image)
{
	size_t il = strlen(image);
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n;

		while (*p == ' ')
			p++;
		n = e ? (size_t)(e - p) : strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == il && strncmp(p, image, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Image hints on one object: bad-images (pull fails), crash-images, oom-images. */
static enum fail_mode
image_mode(const json_t *holder, const char *image)
{
	const char *v;

	if (holder == NULL || image == NULL)
		return FAIL_NONE;
	if ((v = ctl_hint(holder, "bad-images")) && in_list(v, image))
		return FAIL_IMAGE;
	if ((v = ctl_hint(holder, "crash-images")) && in_list(v, image))
		return FAIL_CRASH;
	if ((v = ctl_hint(holder, "oom-images")) && in_list(v, image))
		return FAIL_OOM;
	return FAIL_NONE;
}

/* "k=v,k2==v2,k3" against the pod's labels (equality terms only). */
static bool
labels_match(const json_t *pod, const char *sel)
{
	json_t *labels = ctl_jget(pod, "metadata.labels");
	char buf[512], *save = NULL, *term;
	bool ok = true;

	if (sel == NULL || sel[0] == '\0')
		return true;
	snprintf(buf, sizeof(buf), "%s", sel);
	for (term = strtok_r(buf, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(term, '=');
		const char *have;

		if (eq == NULL) {
			ok = ok && json_object_get(labels, term) != NULL;
			continue;
		}
		*eq = '\0';
		have = json_string_value(json_object_get(labels, term));
		ok = ok && have && strcmp(have, eq + 1 + (eq[1] == '=')) == 0;
	}
	return ok;
}

/* Decides how the pod's containers fare; *bad_image gets the culprit for messages. */
static enum fail_mode
failure_of(struct ctl_ctx *c, const json_t *pod, const json_t *node, const char **bad_image)
{
	const char *ns = ctl_jstr(pod, "metadata.namespace");
	json_t *rs = NULL, *dep = NULL, *ref, *cts, *ct;
	enum fail_mode m = mode_parse(ctl_hint(pod, "fail"));
	size_t i;

	*bad_image = NULL;
	if (m != FAIL_NONE)
		return m;
	if (node && (m = mode_parse(ctl_hint(node, "pod-failure"))) != FAIL_NONE &&
	    labels_match(pod, ctl_hint(node, "pod-failure-selector")))
		return m;
	ref = ctl_controller_ref(pod);
	if (ref && ctl_jstr(ref, "kind") && strcmp(ctl_jstr(ref, "kind"), "ReplicaSet") == 0) {
		rs = sim_store_get(c->s, sim_rt(SIM_RT_REPLICASET), ns, ctl_jstr(ref, "name"));
		ref = ctl_controller_ref(rs);
		if (ref && ctl_jstr(ref, "kind") && strcmp(ctl_jstr(ref, "kind"), "Deployment") == 0)
			dep = sim_store_get(c->s, sim_rt(SIM_RT_DEPLOYMENT), ns,
			    ctl_jstr(ref, "name"));
	}
	m = FAIL_NONE;
	cts = ctl_jget(pod, "spec.containers");
	json_array_foreach(cts, i, ct) {
		const char *img = ctl_jstr(ct, "image");

		if ((m = image_mode(pod, img)) != FAIL_NONE ||
		    (m = image_mode(rs, img)) != FAIL_NONE ||
		    (m = image_mode(dep, img)) != FAIL_NONE) {
			*bad_image = img;
			break;
		}
	}
	json_decref(rs);
	json_decref(dep);
	return m;
}

static void
fake_id(const char *seed, const char *prefix, char *out, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	const char *p;

	for (p = seed; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	snprintf(out, n, "%s%016llx%016llx", prefix, (unsigned long long)h,
	    (unsigned long long)(h * 31 + 7));
}

/*
 * Writes the pod's status for `m`.  restarts = new restartCount.  Returns the write's rc.
 */
static int
write_status(struct ctl_ctx *c, json_t *pod, enum fail_mode m, const char *bad_image,
    json_int_t restarts, bool node_ready)
{
	json_t *st = ctl_jobj(pod, "status"), *css = json_array(), *ct, *cts;
	const char *name = ctl_jstr(pod, "metadata.name"), *node = ctl_jstr(pod, "spec.nodeName");
	const char *uid = ctl_jstr(pod, "metadata.uid");
	bool ready = node_ready && (m == FAIL_NONE);
	bool running = node_ready && (m == FAIL_NONE || m == FAIL_UNREADY || m == FAIL_CRASH ||
	    m == FAIL_OOM);
	char ts[32], notready[512] = "";
	size_t i, off = 0;

	sim_time_rfc3339(c->s, ts);
	cts = ctl_jget(pod, "spec.containers");
	json_array_foreach(cts, i, ct) {
		const char *cn = ctl_jstr(ct, "name"), *img = ctl_jstr(ct, "image");
		json_t *cs, *state;
		char cid[80], seed[300];

		snprintf(seed, sizeof(seed), "%s/%s/%lld", uid ? uid : "", cn ? cn : "",
		    (long long)restarts);
		fake_id(seed, "cri-o://", cid, sizeof(cid));
		if (!node_ready)
			state = json_pack("{s:{s:s}}", "waiting", "reason", "ContainerCreating");
		else if (m == FAIL_IMAGE)
			state = json_pack("{s:{s:s,s:s+}}", "waiting", "reason", "ImagePullBackOff",
			    "message", "Back-off pulling image \"", img ? img : "", "\"");
		else if (m == FAIL_CONFIG)
			state = json_pack("{s:{s:s,s:s}}", "waiting", "reason",
			    "CreateContainerConfigError", "message",
			    "couldn't find key in ConfigMap or Secret referenced by the container");
		else if (m == FAIL_CRASH || m == FAIL_OOM) {
			char msg[400];

			snprintf(msg, sizeof(msg), "back-off %llus restarting failed container=%s "
			    "pod=%s_%s(%s)", (unsigned long long)(BACKOFF_MS / 1000),
			    cn ? cn : "", name, ctl_jstr(pod, "metadata.namespace"), uid ? uid : "");
			state = json_pack("{s:{s:s,s:s}}", "waiting", "reason", "CrashLoopBackOff",
			    "message", msg);
		} else
			state = json_pack("{s:{s:s}}", "running", "startedAt", ts);
		cs = json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:o}", "name", cn ? cn : "",
		    "image", img ? img : "", "imageID", img ? img : "", "ready", ready,
		    "started", running && (m == FAIL_NONE || m == FAIL_UNREADY),
		    "restartCount", (json_int_t)restarts, "state", state);
		if (m != FAIL_IMAGE && m != FAIL_CONFIG && node_ready)
			json_object_set_new(cs, "containerID", json_string(cid));
		if ((m == FAIL_CRASH || m == FAIL_OOM) && node_ready && restarts > 0)
			json_object_set_new(cs, "lastState", json_pack("{s:{s:i,s:s,s:s,s:s,s:s}}",
			    "terminated", "exitCode", m == FAIL_OOM ? 137 : 1, "reason",
			    m == FAIL_OOM ? "OOMKilled" : "Error", "startedAt", ts, "finishedAt", ts,
			    "containerID", cid));
		json_array_append_new(css, cs);
		if (!ready && off < sizeof(notready))
			off += (size_t)snprintf(notready + off, sizeof(notready) - off, "%s%s",
			    off ? " " : "", cn ? cn : "");
	}
	json_object_set_new(st, "containerStatuses", css);
	json_object_set_new(st, "phase", json_string(running ? "Running" : "Pending"));
	if (json_object_get(st, "startTime") == NULL)
		json_object_set_new(st, "startTime", json_string(ts));
	if (json_object_get(st, "qosClass") == NULL)
		json_object_set_new(st, "qosClass", json_string("Burstable"));
	if (json_object_get(st, "podIP") == NULL && node_ready) {
		uint64_t h = 0;
		char ip[32];
		const char *p;

		for (p = uid ? uid : name; *p; p++)
			h = h * 131 + (unsigned char)*p;
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", 128 + (unsigned)(h % 16),
		    (unsigned)((h >> 8) % 256), 2 + (unsigned)((h >> 16) % 250));
		json_object_set_new(st, "podIP", json_string(ip));
		json_object_set_new(st, "podIPs", json_pack("[{s:s}]", "ip", ip));
	}
	(void)node;
	ctl_cond_set(c->s, pod, "status.conditions", "Initialized", "True", NULL, NULL, false);
	ctl_cond_set(c->s, pod, "status.conditions", "PodScheduled", "True", NULL, NULL, false);
	if (ready) {
		ctl_cond_set(c->s, pod, "status.conditions", "ContainersReady", "True", NULL, NULL,
		    false);
		ctl_cond_set(c->s, pod, "status.conditions", "Ready", "True", NULL, NULL, false);
	} else {
		char msg[600];

		snprintf(msg, sizeof(msg), "containers with unready status: [%s]", notready);
		ctl_cond_set(c->s, pod, "status.conditions", "ContainersReady", "False",
		    "ContainersNotReady", msg, false);
		ctl_cond_set(c->s, pod, "status.conditions", "Ready", "False",
		    "ContainersNotReady", msg, false);
	}
	(void)bad_image;
	return ctl_update(c, sim_rt(SIM_RT_POD), pod);
}

static void pod_start(struct ctl_ctx *c, const char *ns, const char *name, const char *arg);

static void
schedule_start(struct ctl_ctx *c, const json_t *pod, uint64_t delay, json_int_t restarts)
{
	char key[512], arg[32];

	if (!ctl_key(key, sizeof(key), ctl_jstr(pod, "metadata.namespace"),
	    ctl_jstr(pod, "metadata.name")))
		return;
	if (ctl_map_get(&c->kubelet->starting, key))
		return;
	snprintf(arg, sizeof(arg), "%lld", (long long)restarts);
	if (ctl_later(c, delay, pod_start, sim_rt(SIM_RT_POD), ctl_jstr(pod, "metadata.namespace"),
	    ctl_jstr(pod, "metadata.name"), ctl_jstr(pod, "metadata.uid"), arg) == 0)
		ctl_map_put(&c->kubelet->starting, key, c->kubelet, NULL);
}

/* True for a privileged pod whose command or args ask its host to reboot. */
static bool
is_reboot_pod(const json_t *pod)
{
	const json_t *ct, *v;
	bool reboot = false;
	size_t i, j;

	json_array_foreach(ctl_jget(pod, "spec.containers"), i, ct) {
		if (!json_is_true(ctl_jget(ct, "securityContext.privileged")))
			continue;
		json_array_foreach(json_object_get(ct, "command"), j, v)
			if (json_is_string(v) && strstr(json_string_value(v), "reboot") != NULL)
				reboot = true;
		json_array_foreach(json_object_get(ct, "args"), j, v)
			if (json_is_string(v) && strstr(json_string_value(v), "reboot") != NULL)
				reboot = true;
	}
	return reboot;
}

static void
node_rebooted(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	json_t *node = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", name);
	char boot[40];

	(void)ns;
	(void)arg;
	if (node == NULL)
		return;
	ctl_cond_set(c->s, node, "status.conditions", "Ready", "True", "KubeletReady",
	    "kubelet is posting ready status", false);
	ctl_cond_set(c->s, node, "status.conditions", "MemoryPressure", "False",
	    "KubeletHasSufficientMemory", "kubelet has sufficient memory available", false);
	ctl_cond_set(c->s, node, "status.conditions", "DiskPressure", "False",
	    "KubeletHasNoDiskPressure", "kubelet has no disk pressure", false);
	ctl_cond_set(c->s, node, "status.conditions", "PIDPressure", "False",
	    "KubeletHasSufficientPID", "kubelet has sufficient PID available", false);
	if (ctl_cond_get(node, "status.conditions", "NetworkUnavailable") != NULL)
		ctl_cond_set(c->s, node, "status.conditions", "NetworkUnavailable", "False",
		    "RouteCreated", "the network plugin set up the node's network after boot",
		    false);
	sim_uid_new(boot);
	json_object_set_new(ctl_jobj(node, "status.nodeInfo"), "bootID", json_string(boot));
	if (ctl_update(c, sim_rt(SIM_RT_NODE), node) == 0) {
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Warning", "Rebooted", "kubelet",
		    "Node %s has been rebooted, boot id: %s", name, boot);
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "NodeReady", "kubelet",
		    "Node %s status is now: NodeReady", name);
	}
	json_decref(node);
}

/* The reboot pod ran: it completes, and its node goes down for the reboot. */
static void
host_reboot(struct ctl_ctx *c, json_t *pod, json_t *node)
{
	json_t *orig = json_deep_copy(pod);
	const char *nn = ctl_jstr(node, "metadata.name");
	char ts[32];

	sim_time_rfc3339(c->s, ts);
	json_object_set_new(ctl_jobj(pod, "status"), "phase", json_string("Succeeded"));
	json_object_set_new(ctl_jobj(pod, "status"), "containerStatuses", json_pack(
	    "[{s:s,s:b,s:i,s:{s:{s:i,s:s,s:s,s:s}}}]", "name",
	    ctl_jstr(json_array_get(ctl_jget(pod, "spec.containers"), 0), "name") ?
	    ctl_jstr(json_array_get(ctl_jget(pod, "spec.containers"), 0), "name") : "",
	    "ready", 0, "restartCount", 0, "state", "terminated", "exitCode", 0,
	    "reason", "Completed", "startedAt", ts, "finishedAt", ts));
	ctl_update_if_changed(c, sim_rt(SIM_RT_POD), orig, pod);
	json_decref(orig);
	ctl_cond_set(c->s, node, "status.conditions", "Ready", "False", "KubeletNotReady",
	    "node is rebooting", false);
	if (ctl_update(c, sim_rt(SIM_RT_NODE), node) == 0) {
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "Reboot", "kubelet",
		    "Node %s is rebooting (requested by pod %s/%s)", nn ? nn : "",
		    ctl_jstr(pod, "metadata.namespace"), ctl_jstr(pod, "metadata.name"));
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "NodeNotReady",
		    "node-controller", "Node %s status is now: NodeNotReady", nn ? nn : "");
		(void)ctl_later(c, ctl_hint_delay(node, "reboot-duration", REBOOT_MS),
		    node_rebooted, sim_rt(SIM_RT_NODE), "", nn, NULL, NULL);
	}
}

/* Starts (or restarts) the containers of a bound pod. */
static void
pod_start(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	json_t *pod = sim_store_get(c->s, sim_rt(SIM_RT_POD), ns, name), *node = NULL;
	json_int_t restarts = arg ? atoll(arg) : 0;
	const char *nn, *bad = NULL, *cn;
	enum fail_mode m;
	bool node_ready;
	char key[512];

	if (ctl_key(key, sizeof(key), ns, name))
		ctl_map_del(&c->kubelet->starting, key);
	if (pod == NULL || (nn = ctl_jstr(pod, "spec.nodeName")) == NULL ||
	    json_object_get(ctl_jget(pod, "metadata"), "deletionTimestamp") ||
	    ctl_pod_terminal(ctl_jstr(pod, "status.phase")))
		goto done;
	node = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", nn);
	node_ready = node && (ctl_cond_status(node, "status.conditions", "Ready") == NULL ||
	    strcmp(ctl_cond_status(node, "status.conditions", "Ready"), "True") == 0);
	if (!node_ready)
		goto done;		/* ctl_kubelet_node_ready() restarts it later */
	if (is_reboot_pod(pod)) {
		host_reboot(c, pod, node);
		goto done;
	}
	m = failure_of(c, pod, node, &bad);
	cn = ctl_jstr(json_array_get(ctl_jget(pod, "spec.containers"), 0), "name");
	if (write_status(c, pod, m, bad, restarts, true) < 0)
		goto done;
	switch (m) {
	case FAIL_NONE:
	case FAIL_UNREADY:
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Normal", "Pulled", "kubelet",
		    "Container image \"%s\" already present on machine",
		    ctl_jstr(json_array_get(ctl_jget(pod, "spec.containers"), 0), "image") ?
		    ctl_jstr(json_array_get(ctl_jget(pod, "spec.containers"), 0), "image") : "");
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Normal", "Started", "kubelet",
		    "Started container %s", cn ? cn : "");
		if (m == FAIL_UNREADY)
			ctl_event(c, sim_rt(SIM_RT_POD), pod, "Warning", "Unhealthy", "kubelet",
			    "Readiness probe failed: HTTP probe failed with statuscode: 503");
		break;
	case FAIL_CRASH:
	case FAIL_OOM: {
		uint64_t backoff = BACKOFF_MS;
		json_int_t i;

		for (i = 0; i < restarts && backoff < BACKOFF_MAX_MS; i++)
			backoff *= 2;
		if (backoff > BACKOFF_MAX_MS)
			backoff = BACKOFF_MAX_MS;
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Warning", "BackOff", "kubelet",
		    "Back-off restarting failed container %s in pod %s_%s(%s)", cn ? cn : "",
		    name, ns, ctl_jstr(pod, "metadata.uid"));
		schedule_start(c, pod, backoff, restarts + 1);
		break;
	}
	case FAIL_IMAGE:
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Warning", "Failed", "kubelet",
		    "Failed to pull image \"%s\": rpc error: code = Unknown desc = reading manifest "
		    "in registry: manifest unknown", bad ? bad : "");
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Normal", "BackOff", "kubelet",
		    "Back-off pulling image \"%s\"", bad ? bad : "");
		schedule_start(c, pod, BACKOFF_MAX_MS, restarts);	/* re-evaluate later */
		break;
	case FAIL_CONFIG:
		ctl_event(c, sim_rt(SIM_RT_POD), pod, "Warning", "Failed", "kubelet",
		    "Error: couldn't find key in ConfigMap or Secret referenced by the container");
		schedule_start(c, pod, BACKOFF_MAX_MS, restarts);
		break;
	}
done:
	json_decref(node);
	json_decref(pod);
}

/* A bound pod that has not been started by us (or a scenario) yet. */
static bool
needs_start(const json_t *pod)
{
	const char *node = ctl_jstr(pod, "spec.nodeName"), *phase = ctl_jstr(pod, "status.phase");

	if (node == NULL || node[0] == '\0' ||
	    json_object_get(ctl_jget(pod, "metadata"), "deletionTimestamp"))
		return false;
	if (phase != NULL && strcmp(phase, "Pending") != 0)
		return false;
	return json_array_size(ctl_jget(pod, "status.containerStatuses")) == 0;
}

struct node_walk {
	struct ctl_ctx	*c;
	bool		 ready;
};

static int
node_pod(const struct sim_obj *o, void *arg)
{
	struct node_walk *w = arg;
	json_t *pod;

	if (o->deleting || ctl_pod_terminal(o->phase))
		return 0;
	if ((pod = sim_obj_json(o)) == NULL)
		return 0;
	if (!w->ready) {
		json_t *orig = json_deep_copy(pod);
		json_t *cs;
		size_t i;

		ctl_cond_set(w->c->s, pod, "status.conditions", "Ready", "False",
		    "NodeNotReady", "Node is not ready", false);
		ctl_cond_set(w->c->s, pod, "status.conditions", "ContainersReady", "False",
		    "NodeNotReady", "Node is not ready", false);
		json_array_foreach(ctl_jget(pod, "status.containerStatuses"), i, cs)
			json_object_set(cs, "ready", json_false());
		ctl_update_if_changed(w->c, sim_rt(SIM_RT_POD), orig, pod);
		json_decref(orig);
	} else {
		json_t *cs = json_array_get(ctl_jget(pod, "status.containerStatuses"), 0);

		/* containers come back after the reboot: restartCount + 1 */
		schedule_start(w->c, pod, ctl_hint_delay(pod, "start-delay", START_DELAY_MS),
		    ctl_jint(cs, "restartCount", 0) + (cs ? 1 : 0));
	}
	json_decref(pod);
	return 0;
}

void
ctl_kubelet_node_ready(struct ctl_ctx *c, const char *node, bool ready)
{
	struct sim_selector *sel = NULL;
	struct node_walk w = { c, ready };
	char fs[320], err[128];

	snprintf(fs, sizeof(fs), "spec.nodeName=%s", node);
	if (sim_selector_parse(sim_rt(SIM_RT_POD), NULL, fs, &sel, err, sizeof(err)) < 0)
		return;
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), NULL, sel, node_pod, &w);
	sim_selector_free(sel);
}

static int
startup_pod(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;
	json_t *pod;

	if (o->node_name == NULL || o->node_name[0] == '\0' || o->deleting)
		return 0;
	if (o->phase != NULL && strcmp(o->phase, "Pending") != 0)
		return 0;
	if ((pod = sim_obj_json(o)) == NULL)
		return 0;
	if (needs_start(pod))
		schedule_start(c, pod, ctl_hint_delay(pod, "start-delay", START_DELAY_MS), 0);
	json_decref(pod);
	return 0;
}

int
ctl_kubelet_init(struct ctl_ctx *c)
{
	if ((c->kubelet = calloc(1, sizeof(*c->kubelet))) == NULL)
		return -ENOMEM;
	ctl_map_init(&c->kubelet->starting);
	sim_store_foreach(c->s, sim_rt(SIM_RT_POD), NULL, NULL, startup_pod, c);
	return 0;
}

void
ctl_kubelet_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	if (ch->rt->id != SIM_RT_POD)
		return;
	if (ch->type == SIM_CHANGE_DELETED) {
		const char *phase = ctl_jstr(obj, "status.phase");
		const char *cn = ctl_jstr(json_array_get(ctl_jget(obj, "spec.containers"), 0),
		    "name");

		if (phase && strcmp(phase, "Running") == 0 && ctl_jstr(obj, "spec.nodeName"))
			ctl_event(c, sim_rt(SIM_RT_POD), obj, "Normal", "Killing", "kubelet",
			    "Stopping container %s", cn ? cn : "");
		return;
	}
	if (needs_start(obj))
		schedule_start(c, obj, ctl_hint_delay(obj, "start-delay", START_DELAY_MS), 0);
}

void
ctl_kubelet_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_kubelet_fini(struct ctl_ctx *c)
{
	if (c->kubelet == NULL)
		return;
	ctl_map_fini(&c->kubelet->starting, NULL);
	free(c->kubelet);
	c->kubelet = NULL;
}
