/*
 * --generate nodes=N,pods=M[,namespaces=K][,replicas=R][,daemonsets=D]: a large,
 * realistic cluster built straight into the store (no jansson tree per pod): control-plane
 * and worker nodes with capacity, allocatable, conditions and addresses; namespaces;
 * Deployments with their ReplicaSets owning Running, Ready pods spread over the workers;
 * DaemonSets with a pod per node; a Service and its Endpoints per Deployment.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

#define GEN_MAX_NODES	100000
#define GEN_MAX_PODS	2000000
#define POD_JSON_MAX	8192

struct gen {
	long	 nodes, pods, namespaces, replicas, daemonsets;
};

static int
parse_spec(const char *spec, struct gen *g, char *err, size_t errlen)
{
	char buf[512], *save = NULL, *tok;

	g->nodes = 3;
	g->pods = 0;
	g->namespaces = 0;
	g->replicas = 10;
	g->daemonsets = 1;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "--generate: spec too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		long v;

		if (eq == NULL)
			goto bad;
		*eq = '\0';
		v = strtol(eq + 1, &end, 10);
		if (*end != '\0' || v < 0)
			goto bad;
		if (strcmp(tok, "nodes") == 0)
			g->nodes = v;
		else if (strcmp(tok, "pods") == 0)
			g->pods = v;
		else if (strcmp(tok, "namespaces") == 0)
			g->namespaces = v;
		else if (strcmp(tok, "replicas") == 0 && v > 0)
			g->replicas = v;
		else if (strcmp(tok, "daemonsets") == 0)
			g->daemonsets = v;
		else
			goto bad;
		continue;
bad:
		snprintf(err, errlen, "--generate: bad item \"%s\" (nodes=N,pods=M,"
		    "namespaces=K,replicas=R,daemonsets=D)", tok);
		return -EINVAL;
	}
	if (g->nodes < 1 || g->nodes > GEN_MAX_NODES || g->pods > GEN_MAX_PODS) {
		snprintf(err, errlen, "--generate: nodes must be 1..%d and pods at most %d",
		    GEN_MAX_NODES, GEN_MAX_PODS);
		return -EINVAL;
	}
	if (g->namespaces == 0)
		g->namespaces = g->pods / 1000 + 1 > 200 ? 200 : g->pods / 1000 + 1;
	return 0;
}

/* UIDs for generated objects: v4-shaped, from a xorshift generator seeded once (a
 * getrandom() call per pod would cost more than formatting the pod). */
static uint64_t rng_state;

static void
gen_uid(char out[37])
{
	uint64_t a, b;

	if (rng_state == 0) {
		char seed[37];

		sim_uid_new(seed);
		rng_state = strtoull(seed + 24, NULL, 16) | 1;
	}
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	a = rng_state;
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	b = rng_state;
	snprintf(out, 37, "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32 "-%012llx",
	    (uint32_t)(a >> 32), (uint32_t)(a >> 16) & 0xffff, (uint32_t)a & 0xfff,
	    ((uint32_t)(b >> 48) & 0x3fff) | 0x8000,
	    (unsigned long long)(b & 0xffffffffffffULL));
}

/* Completes metadata and appends a small object (jansson is fine at this count). */
static int
put(struct sim *s, const struct sim_rtype *rt, json_t *obj, const char *ts)
{
	json_t *md = json_object_get(obj, "metadata");
	char uid[37], rv[24];
	struct sobj *o;

	if (md == NULL)
		return -ENOMEM;
	if (json_object_get(md, "uid") == NULL) {
		gen_uid(uid);
		json_object_set_new(md, "uid", json_string(uid));
	}
	snprintf(rv, sizeof(rv), "%" PRIu64, sim_store_next_rv(s));
	json_object_set_new(md, "resourceVersion", json_string(rv));
	json_object_set_new(md, "creationTimestamp", json_string(ts));
	if (json_object_get(md, "generation") == NULL)
		json_object_set_new(md, "generation", json_integer(1));
	o = sobj_from_json(rt, obj, NULL, 0);
	json_decref(obj);
	if (o == NULL)
		return -ENOMEM;
	sim_store_append_unsorted(s, o);
	return 0;
}

static json_t *
node_json(const char *name, bool master, long i, const char *ts)
{
	char ip[32], zone[32];

	snprintf(ip, sizeof(ip), "10.0.%ld.%ld", (i / 250) % 256, i % 250 + 2);
	snprintf(zone, sizeof(zone), "zone-%c", (char)('a' + i % 3));
	return json_pack("{s:s,s:s,"
	    "s:{s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:{s:s,s:s}},"
	    "s:{s:s},"
	    "s:{s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s},"
	    "s:[{s:s,s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s,s:s},"
	    "{s:s,s:s,s:s,s:s,s:s,s:s}],"
	    "s:[{s:s,s:s},{s:s,s:s}],"
	    "s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}}}",
	    "apiVersion", "v1", "kind", "Node",
	    "metadata", "name", name, "labels", "kubernetes.io/hostname", name,
	    "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64",
	    "topology.kubernetes.io/zone", zone, "topology.kubernetes.io/region", "region-1",
	    master ? "node-role.kubernetes.io/master" : "node-role.kubernetes.io/worker", "",
	    "node.openshift.io/os_id", "rhcos",
	    "annotations", "machineconfiguration.openshift.io/state", "Done",
	    "machine.openshift.io/machine", name,
	    "spec", "providerID", "sim://node",
	    "status", "capacity", "cpu", "16", "memory", "65842052Ki", "pods", "250",
	    "ephemeral-storage", "125293548Ki",
	    "allocatable", "cpu", "15500m", "memory", "64215940Ki", "pods", "250",
	    "ephemeral-storage", "114396791822",
	    "conditions",
	    "type", "MemoryPressure", "status", "False", "reason", "KubeletHasSufficientMemory",
	    "message", "kubelet has sufficient memory available", "lastHeartbeatTime", ts,
	    "lastTransitionTime", ts,
	    "type", "DiskPressure", "status", "False", "reason", "KubeletHasNoDiskPressure",
	    "message", "kubelet has no disk pressure", "lastHeartbeatTime", ts,
	    "lastTransitionTime", ts,
	    "type", "PIDPressure", "status", "False", "reason", "KubeletHasSufficientPID",
	    "message", "kubelet has sufficient PID available", "lastHeartbeatTime", ts,
	    "lastTransitionTime", ts,
	    "type", "Ready", "status", "True", "reason", "KubeletReady",
	    "message", "kubelet is posting ready status", "lastHeartbeatTime", ts,
	    "lastTransitionTime", ts,
	    "addresses", "type", "InternalIP", "address", ip, "type", "Hostname", "address", name,
	    "nodeInfo", "kubeletVersion", "v1.30.4", "osImage", "Red Hat Enterprise Linux CoreOS",
	    "kernelVersion", "5.14.0-427.el9.x86_64", "containerRuntimeVersion",
	    "cri-o://1.30.4", "architecture", "amd64", "operatingSystem", "linux",
	    "machineID", name);
}

/* One pod, formatted directly (the bulk of a generated cluster). */
static int
put_pod(struct sim *s, const char *ns, const char *app, const char *hash, const char *owner_kind,
    const char *owner, const char *owner_uid, const char *node, const char *host_ip,
    long idx, const char *ts, char *buf)
{
	char uid[37], name[200], labels[200], pip[32], cid[40];
	uint64_t rv = sim_store_next_rv(s);
	size_t ll;
	int n;
	struct sobj *o;

	gen_uid(uid);
	gen_uid(cid);
	snprintf(name, sizeof(name), "%s-%.10s", owner, uid + 24);
	snprintf(pip, sizeof(pip), "10.%ld.%ld.%ld", 128 + (idx >> 16) % 64, (idx >> 8) & 255,
	    idx & 255);
	ll = (size_t)snprintf(labels, sizeof(labels), "app=%s", app) + 1;
	ll += (size_t)snprintf(labels + ll, sizeof(labels) - ll, "%s=%s",
	    hash[0] ? "pod-template-hash" : "controller-revision-hash", hash[0] ? hash : "1") + 1;
	labels[ll++] = '\0';
	n = snprintf(buf, POD_JSON_MAX,
	    "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
	    "\"generateName\":\"%s-\",\"namespace\":\"%s\",\"uid\":\"%s\","
	    "\"resourceVersion\":\"%" PRIu64 "\",\"creationTimestamp\":\"%s\",\"labels\":"
	    "{\"app\":\"%s\",\"%s\":\"%s\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
	    "\"kind\":\"%s\",\"name\":\"%s\",\"uid\":\"%s\",\"controller\":true,"
	    "\"blockOwnerDeletion\":true}]},\"spec\":{\"volumes\":[{\"name\":\"kube-api-access\","
	    "\"projected\":{\"defaultMode\":420,\"sources\":[{\"serviceAccountToken\":"
	    "{\"expirationSeconds\":3607,\"path\":\"token\"}}]}}],\"containers\":[{\"name\":"
	    "\"%s\",\"image\":\"registry.example.com/%s/%s:1.4.2\",\"ports\":[{\"containerPort\":"
	    "8080,\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\","
	    "\"memory\":\"512Mi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}},"
	    "\"volumeMounts\":[{\"name\":\"kube-api-access\",\"readOnly\":true,\"mountPath\":"
	    "\"/var/run/secrets/kubernetes.io/serviceaccount\"}],\"terminationMessagePath\":"
	    "\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\","
	    "\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
	    "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
	    "\"serviceAccountName\":\"default\",\"serviceAccount\":\"default\",\"nodeName\":"
	    "\"%s\",\"securityContext\":{},\"schedulerName\":\"default-scheduler\","
	    "\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
	    "\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":"
	    "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
	    "\"tolerationSeconds\":300}],\"priority\":0,\"enableServiceLinks\":true,"
	    "\"preemptionPolicy\":\"PreemptLowerPriority\"},\"status\":{\"phase\":\"Running\","
	    "\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\","
	    "\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"},{\"type\":\"Ready\","
	    "\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"},"
	    "{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastProbeTime\":null,"
	    "\"lastTransitionTime\":\"%s\"},{\"type\":\"PodScheduled\",\"status\":\"True\","
	    "\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"}],\"hostIP\":\"%s\","
	    "\"podIP\":\"%s\",\"podIPs\":[{\"ip\":\"%s\"}],\"startTime\":\"%s\","
	    "\"containerStatuses\":[{\"name\":\"%s\",\"state\":{\"running\":{\"startedAt\":"
	    "\"%s\"}},\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\":"
	    "\"registry.example.com/%s/%s:1.4.2\",\"imageID\":\"registry.example.com/%s/%s@"
	    "sha256:%.32s\",\"containerID\":\"cri-o://%s\",\"started\":true}],"
	    "\"qosClass\":\"Burstable\"}}",
	    name, owner, ns, uid, rv, ts, app, hash[0] ? "pod-template-hash" :
	    "controller-revision-hash", hash[0] ? hash : "1", owner_kind, owner, owner_uid,
	    app, ns, app, node, ts, ts, ts, ts, host_ip, pip, pip, ts, app, ts, ns, app, ns,
	    app, cid, cid);
	if (n < 0 || n >= POD_JSON_MAX)
		return -ENOMEM;
	o = sobj_from_parts(sim_rt(SIM_RT_POD), ns, name, uid, rv, labels, ll, node, "Running",
	    false, buf, (size_t)n);
	if (o == NULL)
		return -ENOMEM;
	sim_store_append_unsorted(s, o);
	return 0;
}

static const char *const app_names[] = { "web", "api", "cart", "checkout", "search",
    "auth", "billing", "catalog", "orders", "payments", "inventory", "gateway" };

int
sim_generate(struct sim *s, const char *spec, char *err, size_t errlen)
{
	struct gen g;
	char *pbuf = NULL;
	char ts[32], name[128], ns[64], hash[16], uid[37], ip[32];
	long masters, workers, i, d, ds_pods, dep_pods, ndeps, p, podidx = 0;
	char **node_names = NULL, **node_ips = NULL;
	int rc = -ENOMEM;

	if ((rc = parse_spec(spec, &g, err, errlen)) < 0)
		return rc;
	rc = -ENOMEM;
	sim_time_rfc3339(s, ts);
	masters = g.nodes >= 6 ? 3 : 0;
	workers = g.nodes - masters;
	if ((pbuf = malloc(POD_JSON_MAX)) == NULL)
		goto fail;
	node_names = calloc((size_t)g.nodes, sizeof(char *));
	node_ips = calloc((size_t)g.nodes, sizeof(char *));
	if (node_names == NULL || node_ips == NULL)
		goto fail;
	for (i = 0; i < g.nodes; i++) {
		bool m = i < masters;

		snprintf(name, sizeof(name), m ? "master-%ld" : "worker-%05ld",
		    m ? i : i - masters);
		snprintf(ip, sizeof(ip), "10.0.%ld.%ld", (i / 250) % 256, i % 250 + 2);
		if ((node_names[i] = strdup(name)) == NULL || (node_ips[i] = strdup(ip)) == NULL)
			goto fail;
		if (put(s, sim_rt(SIM_RT_NODE), node_json(name, m, i, ts), ts) < 0)
			goto fail;
	}
	for (i = 0; i < g.namespaces; i++) {
		snprintf(ns, sizeof(ns), "app-%03ld", i);
		if (put(s, sim_rt(SIM_RT_NAMESPACE), json_pack("{s:s,s:s,s:{s:s},s:{},s:{s:s}}",
		    "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns, "spec",
		    "status", "phase", "Active"), ts) < 0)
			goto fail;
	}
	/* DaemonSets: one pod per node each, in openshift-dns style system namespaces. */
	ds_pods = g.daemonsets * g.nodes <= g.pods ? g.daemonsets * g.nodes : 0;
	for (d = 0; ds_pods > 0 && d < g.daemonsets; d++) {
		snprintf(name, sizeof(name), "node-agent-%ld", d);
		gen_uid(uid);
		if (put(s, sim_rt(SIM_RT_DAEMONSET), json_pack("{s:s,s:s,s:{s:s,s:s,s:s},"
		    "s:{s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}}},"
		    "s:{s:I,s:I,s:I,s:I,s:I,s:i}}",
		    "apiVersion", "apps/v1", "kind", "DaemonSet", "metadata", "name", name,
		    "namespace", "kube-system", "uid", uid,
		    "spec", "selector", "matchLabels", "app", name, "template", "metadata",
		    "labels", "app", name, "spec", "containers", "name", name, "image",
		    "registry.example.com/node-agent:2.1",
		    "status", "desiredNumberScheduled", (json_int_t)g.nodes,
		    "currentNumberScheduled", (json_int_t)g.nodes, "numberReady",
		    (json_int_t)g.nodes, "updatedNumberScheduled", (json_int_t)g.nodes,
		    "numberAvailable", (json_int_t)g.nodes, "observedGeneration", 1), ts) < 0)
			goto fail;
		for (i = 0; i < g.nodes; i++)
			if (put_pod(s, "kube-system", name, "", "DaemonSet", name, uid,
			    node_names[i], node_ips[i], podidx++, ts, pbuf) < 0)
				goto fail;
	}
	dep_pods = g.pods - ds_pods;
	ndeps = (dep_pods + g.replicas - 1) / g.replicas;
	for (d = 0, p = 0; d < ndeps; d++) {
		long reps = dep_pods - p < g.replicas ? dep_pods - p : g.replicas;
		char rs[160], dep_uid[37], rs_uid[37], app[96];
		json_t *addrs;

		snprintf(ns, sizeof(ns), "app-%03ld", d % g.namespaces);
		snprintf(app, sizeof(app), "%s-%ld", app_names[d % STRATA_ARRAY_LEN(app_names)],
		    d / (long)g.namespaces);
		gen_uid(dep_uid);
		gen_uid(rs_uid);
		snprintf(hash, sizeof(hash), "%.10s", rs_uid + 26);
		snprintf(rs, sizeof(rs), "%s-%s", app, hash);
		if (put(s, sim_rt(SIM_RT_DEPLOYMENT), json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:{s:s},"
		    "s:{s:s}},s:{s:I,s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}},"
		    "s:{s:s,s:{s:s,s:s}},s:i,s:i},"
		    "s:{s:i,s:I,s:I,s:I,s:I,s:[{s:s,s:s,s:s,s:s,s:s,s:s},"
		    "{s:s,s:s,s:s,s:s,s:s,s:s}]}}",
		    "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", app,
		    "namespace", ns, "uid", dep_uid, "labels", "app", app, "annotations",
		    "deployment.kubernetes.io/revision", "1",
		    "spec", "replicas", (json_int_t)reps, "selector", "matchLabels", "app", app,
		    "template", "metadata", "labels", "app", app, "spec", "containers", "name",
		    app, "image", "registry.example.com/app:1.4.2", "strategy", "type",
		    "RollingUpdate", "rollingUpdate", "maxUnavailable", "25%", "maxSurge", "25%",
		    "revisionHistoryLimit", 10, "progressDeadlineSeconds", 600,
		    "status", "observedGeneration", 1, "replicas", (json_int_t)reps,
		    "updatedReplicas", (json_int_t)reps, "readyReplicas", (json_int_t)reps,
		    "availableReplicas", (json_int_t)reps, "conditions",
		    "type", "Available", "status", "True", "reason", "MinimumReplicasAvailable",
		    "message", "Deployment has minimum availability.", "lastUpdateTime", ts,
		    "lastTransitionTime", ts,
		    "type", "Progressing", "status", "True", "reason", "NewReplicaSetAvailable",
		    "message", "ReplicaSet has successfully progressed.", "lastUpdateTime", ts,
		    "lastTransitionTime", ts), ts) < 0)
			goto fail;
		if (put(s, sim_rt(SIM_RT_REPLICASET), json_pack("{s:s,s:s,s:{s:s,s:s,s:s,"
		    "s:{s:s,s:s},s:{s:s,s:s,s:s},s:[{s:s,s:s,s:s,s:s,s:b,s:b}]},"
		    "s:{s:I,s:{s:{s:s,s:s}},s:{s:{s:{s:s,s:s}},s:{s:[{s:s,s:s}]}}},"
		    "s:{s:I,s:I,s:I,s:I,s:i}}",
		    "apiVersion", "apps/v1", "kind", "ReplicaSet", "metadata", "name", rs,
		    "namespace", ns, "uid", rs_uid, "labels", "app", app, "pod-template-hash", hash,
		    "annotations", "deployment.kubernetes.io/revision", "1",
		    "deployment.kubernetes.io/desired-replicas", "1",
		    "deployment.kubernetes.io/max-replicas", "2",
		    "ownerReferences", "apiVersion", "apps/v1", "kind", "Deployment", "name", app,
		    "uid", dep_uid, "controller", 1, "blockOwnerDeletion", 1,
		    "spec", "replicas", (json_int_t)reps, "selector", "matchLabels", "app", app,
		    "pod-template-hash", hash, "template", "metadata", "labels", "app", app,
		    "pod-template-hash", hash, "spec", "containers", "name", app, "image",
		    "registry.example.com/app:1.4.2",
		    "status", "replicas", (json_int_t)reps, "fullyLabeledReplicas", (json_int_t)reps,
		    "readyReplicas", (json_int_t)reps, "availableReplicas", (json_int_t)reps,
		    "observedGeneration", 1), ts) < 0)
			goto fail;
		if (put(s, sim_rt(SIM_RT_SERVICE), json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},"
		    "s:{s:s,s:s,s:{s:s},s:[{s:s,s:s,s:i,s:i}]},s:{s:{}}}",
		    "apiVersion", "v1", "kind", "Service", "metadata", "name", app, "namespace", ns,
		    "labels", "app", app, "spec", "type", "ClusterIP", "clusterIP", "172.30.0.1",
		    "selector", "app", app, "ports", "name", "http", "protocol", "TCP", "port", 80,
		    "targetPort", 8080, "status", "loadBalancer"), ts) < 0)
			goto fail;
		addrs = json_array();
		for (i = 0; i < reps; i++, p++) {
			long nidx = masters + (workers > 0 ? podidx % workers : 0);

			snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", 128 + (podidx >> 16) % 64,
			    (podidx >> 8) & 255, podidx & 255);
			json_array_append_new(addrs, json_pack("{s:s,s:s}", "ip", ip, "nodeName",
			    node_names[nidx]));
			if (put_pod(s, ns, app, hash, "ReplicaSet", rs, rs_uid, node_names[nidx],
			    node_ips[nidx], podidx++, ts, pbuf) < 0) {
				json_decref(addrs);
				goto fail;
			}
		}
		if (put(s, sim_rt(SIM_RT_ENDPOINTS), json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},"
		    "s:[{s:o,s:[{s:s,s:i,s:s}]}]}",
		    "apiVersion", "v1", "kind", "Endpoints", "metadata", "name", app, "namespace",
		    ns, "labels", "app", app, "subsets", "addresses", addrs, "ports", "name", "http",
		    "port", 8080, "protocol", "TCP"), ts) < 0)
			goto fail;
	}
	sim_store_sort(s);
	log_info("sim", "generated %ld nodes, %ld namespaces, %ld deployments, %ld pods",
	    g.nodes, g.namespaces, ndeps, podidx);
	rc = 0;
fail:
	if (rc < 0)
		snprintf(err, errlen, "--generate: out of memory");
	for (i = 0; node_names && i < g.nodes; i++) {
		free(node_names[i]);
		free(node_ips[i]);
	}
	free(node_names);
	free(node_ips);
	free(pbuf);
	return rc;
}
