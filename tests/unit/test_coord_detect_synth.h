#ifndef TEST_COORD_DETECT_SYNTH_H
#define TEST_COORD_DETECT_SYNTH_H

/*
 * A synthetic cluster fed object by object into a detect analyzer (never held as one
 * tree): `nodes` workers, `pods` pods in Deployments of 10 replicas spread round-robin,
 * plus a planted incident — node "node-7" under MemoryPressure evicting the 5 pods of
 * deployment shop/cart placed on it, deployment shop/billing failing with
 * CreateContainerConfigError on three healthy nodes, and an unrelated node "node-3"
 * with DiskPressure.  Used by the scale test and by detect-tool --synthetic.
 */
#include <stdio.h>
#include <jansson.h>

#include "strata/coord.h"

static int
synth_feed(struct coord_detect *d, const char *kind, json_t *o)
{
	int rc;

	if (o == NULL)
		return -12;
	rc = coord_detect_feed(d, kind, o);
	json_decref(o);
	return rc;
}

static json_t *
synth_node(const char *name, const char *pressure)
{
	return json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s}},s:{s:{s:s,s:s},s:[{s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]}}",
	    "apiVersion", "v1", "kind", "Node",
	    "metadata", "name", name, "labels", "node-role.kubernetes.io/worker", "",
	    "kubernetes.io/hostname", name,
	    "status", "allocatable", "cpu", "7500m", "memory", "31Gi",
	    "conditions", "type", "Ready", "status", "True", "reason", "KubeletReady",
	    "type", pressure ? pressure : "MemoryPressure", "status", pressure ? "True" : "False",
	    "reason", pressure ? "KubeletHasPressure" : "KubeletHasSufficientMemory",
	    "message", pressure ? "kubelet reports pressure" : "kubelet has sufficient memory");
}

static json_t *
synth_pod(const char *ns, const char *dep, int idx, const char *node, const char *state)
{
	char name[160], rs[128];
	json_t *p, *cs;

	snprintf(rs, sizeof(rs), "%s-7d9f8c6b5", dep);
	snprintf(name, sizeof(name), "%s-%05d", rs, idx);
	if (state && strcmp(state, "evicted") == 0)
		return json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s},s:[{s:s,s:s,s:s,s:s,s:b}]},s:{s:s,s:[{s:s,s:s}]},s:{s:s,s:s,s:s}}",
		    "apiVersion", "v1", "kind", "Pod",
		    "metadata", "name", name, "namespace", ns, "labels", "app", dep,
		    "ownerReferences", "apiVersion", "apps/v1", "kind", "ReplicaSet", "name", rs,
		    "uid", "u", "controller", 1,
		    "spec", "nodeName", node, "containers", "name", dep, "image", "img:1",
		    "status", "phase", "Failed", "reason", "Evicted", "message",
		    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.");
	if (state && strcmp(state, "config") == 0)
		cs = json_pack("{s:s,s:b,s:i,s:{s:{s:s,s:s}}}", "name", dep, "ready", 0,
		    "restartCount", 0, "state", "waiting", "reason", "CreateContainerConfigError",
		    "message", "configmap \"billing-config\" not found");
	else
		cs = json_pack("{s:s,s:b,s:i,s:{s:{s:s}}}", "name", dep, "ready", 1,
		    "restartCount", 0, "state", "running", "startedAt", "2026-03-14T08:00:00Z");
	p = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s},s:[{s:s,s:s,s:s,s:s,s:b}]},"
	    "s:{s:s,s:[{s:s,s:s,s:{s:{s:s,s:s}}}]},s:{s:s,s:[{s:s,s:s},{s:s,s:s}],s:[o]}}",
	    "apiVersion", "v1", "kind", "Pod",
	    "metadata", "name", name, "namespace", ns, "labels", "app", dep,
	    "pod-template-hash", "7d9f8c6b5",
	    "ownerReferences", "apiVersion", "apps/v1", "kind", "ReplicaSet", "name", rs,
	    "uid", "u", "controller", 1,
	    "spec", "nodeName", node, "containers", "name", dep, "image", "img:1",
	    "resources", "requests", "cpu", "100m", "memory", "128Mi",
	    "status", "phase", "Running", "conditions", "type", "Ready", "status",
	    cs && json_is_true(json_object_get(cs, "ready")) ? "True" : "False",
	    "type", "PodScheduled", "status", "True", "containerStatuses", cs);
	return p;
}

static int
synth_owners(struct coord_detect *d, const char *ns, const char *dep, int replicas)
{
	char rs[128];
	int rc;

	snprintf(rs, sizeof(rs), "%s-7d9f8c6b5", dep);
	rc = synth_feed(d, "Deployment", json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:{s:i}}",
	    "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", dep,
	    "namespace", ns, "annotations", "deployment.kubernetes.io/revision", "1",
	    "spec", "replicas", replicas));
	if (rc == 0)
		rc = synth_feed(d, "ReplicaSet", json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s},"
		    "s:[{s:s,s:s,s:s,s:b}]},s:{s:i}}", "apiVersion", "apps/v1", "kind",
		    "ReplicaSet", "metadata", "name", rs, "namespace", ns, "annotations",
		    "deployment.kubernetes.io/revision", "1", "ownerReferences", "apiVersion",
		    "apps/v1", "kind", "Deployment", "name", dep, "controller", 1,
		    "spec", "replicas", replicas));
	return rc;
}

/* Returns 0 or the first feed error. */
static int
synth_cluster_feed(struct coord_detect *d, int nodes, int pods)
{
	char name[64], ns[64], dep[64];
	int i, rc = 0, ndeps = pods / 10;

	for (i = 0; i < nodes && rc == 0; i++) {
		snprintf(name, sizeof(name), "node-%d", i);
		rc = synth_feed(d, "Node", synth_node(name, i == 7 ? "MemoryPressure" :
		    i == 3 ? "DiskPressure" : NULL));
	}
	for (i = 0; i < ndeps && rc == 0; i++) {
		snprintf(ns, sizeof(ns), "team-%d", i % 200);
		snprintf(dep, sizeof(dep), "svc-%d", i);
		rc = synth_owners(d, ns, dep, 10);
	}
	for (i = 0; i < ndeps * 10 && rc == 0; i++) {
		snprintf(ns, sizeof(ns), "team-%d", (i / 10) % 200);
		snprintf(dep, sizeof(dep), "svc-%d", i / 10);
		snprintf(name, sizeof(name), "node-%d", (i * 7 + i / 10) % nodes == 7 ? 8 :
		    (i * 7 + i / 10) % nodes);
		rc = synth_feed(d, "Pod", synth_pod(ns, dep, i, name, NULL));
	}
	if (rc == 0)
		rc = synth_owners(d, "shop", "cart", 6);
	for (i = 0; i < 6 && rc == 0; i++)
		rc = synth_feed(d, "Pod", synth_pod("shop", "cart", i, i < 5 ? "node-7" : "node-1",
		    i < 5 ? "evicted" : NULL));
	if (rc == 0)
		rc = synth_owners(d, "shop", "billing", 3);
	for (i = 0; i < 3 && rc == 0; i++) {
		snprintf(name, sizeof(name), "node-%d", 10 + i);
		rc = synth_feed(d, "Pod", synth_pod("shop", "billing", i, name, "config"));
	}
	return rc;
}

#endif
