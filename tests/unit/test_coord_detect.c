/*
 * detect_layers engine: one test per causal rule, deployment-method detection, scope,
 * bounded output, the feed API's errors, and a quick scale run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/coord.h"
#include "testutil.h"
#include "test_coord_detect_synth.h"

/* ---- tiny object builders ------------------------------------------------------------ */

static json_t *
node_obj(const char *name, const char *cond_true)
{
	return json_pack("{s:s,s:s,s:{s:s,s:{s:s}},s:{s:{s:s,s:s},s:[{s:s,s:s},{s:s,s:s,s:s}]}}",
	    "apiVersion", "v1", "kind", "Node", "metadata", "name", name, "labels",
	    "node-role.kubernetes.io/worker", "", "status", "allocatable", "cpu", "4",
	    "memory", "16Gi", "conditions", "type", "Ready", "status",
	    cond_true && strcmp(cond_true, "NotReady") == 0 ? "Unknown" : "True",
	    "type", cond_true && strcmp(cond_true, "NotReady") ? cond_true : "MemoryPressure",
	    "status", cond_true && strcmp(cond_true, "NotReady") ? "True" : "False",
	    "message", "reported by kubelet");
}

/* A pod of ReplicaSet `rs` (of Deployment `dep`) on `node`.  state: running, crash,
 * oom, config, evicted, notready, pending. */
static json_t *
pod_obj(const char *ns, const char *dep, int i, const char *node, const char *state,
    const char *msg, const char *limit)
{
	char name[128], rs[96];
	json_t *p, *cs, *c;

	snprintf(rs, sizeof(rs), "%s-5c9d", dep);
	snprintf(name, sizeof(name), "%s-%d", rs, i);
	p = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s},s:[{s:s,s:s,s:s,s:b}]},s:{s:[{s:s,s:s}]},"
	    "s:{s:s}}", "apiVersion", "v1", "kind", "Pod", "metadata", "name", name,
	    "namespace", ns, "labels", "app", dep, "ownerReferences", "apiVersion", "apps/v1",
	    "kind", "ReplicaSet", "name", rs, "controller", 1, "spec", "containers", "name",
	    "app", "image", "img:1", "status", "phase", "Running");
	if (node)
		json_object_set_new(json_object_get(p, "spec"), "nodeName", json_string(node));
	c = json_array_get(json_object_get(json_object_get(p, "spec"), "containers"), 0);
	if (limit)
		json_object_set_new(c, "resources", json_pack("{s:{s:s}}", "limits", "memory",
		    limit));
	if (strcmp(state, "evicted") == 0) {
		json_object_set_new(json_object_get(p, "status"), "phase", json_string("Failed"));
		json_object_set_new(json_object_get(p, "status"), "reason", json_string("Evicted"));
		json_object_set_new(json_object_get(p, "status"), "message", json_string(msg));
		return p;
	}
	if (strcmp(state, "pending") == 0) {
		json_object_set_new(p, "status", json_pack("{s:s,s:[{s:s,s:s,s:s,s:s}]}", "phase",
		    "Pending", "conditions", "type", "PodScheduled", "status", "False", "reason",
		    "Unschedulable", "message", msg));
		return p;
	}
	if (strcmp(state, "running") == 0)
		cs = json_pack("{s:s,s:b,s:{s:{}}}", "name", "app", "ready", 1, "state", "running");
	else if (strcmp(state, "notready") == 0)
		cs = json_pack("{s:s,s:b,s:{s:{}}}", "name", "app", "ready", 0, "state", "running");
	else if (strcmp(state, "config") == 0)
		cs = json_pack("{s:s,s:b,s:{s:{s:s,s:s}}}", "name", "app", "ready", 0, "state",
		    "waiting", "reason", "CreateContainerConfigError", "message", msg);
	else
		cs = json_pack("{s:s,s:b,s:{s:{s:s}},s:{s:{s:s,s:i,s:s}}}", "name", "app", "ready",
		    0, "state", "waiting", "reason", "CrashLoopBackOff", "lastState", "terminated",
		    "reason", strcmp(state, "oom") == 0 ? "OOMKilled" : "Error", "exitCode",
		    strcmp(state, "oom") == 0 ? 137 : 1, "message", msg ? msg : "");
	json_object_set_new(json_object_get(p, "status"), "containerStatuses",
	    json_pack("[o]", cs));
	json_object_set_new(json_object_get(p, "status"), "conditions", json_pack(
	    "[{s:s,s:s}]", "type", "Ready", "status", strcmp(state, "running") ? "False" : "True"));
	return p;
}

static json_t *
dep_obj(const char *ns, const char *dep, json_t *labels, json_t *annotations, json_t *owner)
{
	json_t *d = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:i}}", "apiVersion", "apps/v1", "kind",
	    "Deployment", "metadata", "name", dep, "namespace", ns, "spec", "replicas", 3);

	if (labels)
		json_object_set_new(json_object_get(d, "metadata"), "labels", labels);
	if (annotations)
		json_object_set_new(json_object_get(d, "metadata"), "annotations", annotations);
	if (owner)
		json_object_set_new(json_object_get(d, "metadata"), "ownerReferences",
		    json_pack("[o]", owner));
	return d;
}

static json_t *
rs_obj(const char *ns, const char *dep)
{
	char rs[96];

	snprintf(rs, sizeof(rs), "%s-5c9d", dep);
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:[{s:s,s:s,s:s,s:b}]}}", "apiVersion", "apps/v1",
	    "kind", "ReplicaSet", "metadata", "name", rs, "namespace", ns, "ownerReferences",
	    "apiVersion", "apps/v1", "kind", "Deployment", "name", dep, "controller", 1);
}

struct fixture {
	struct coord_detect_request req;
	struct coord_resource_ref ref;
	struct coord_detect *d;
};

static void
fx_start(struct fixture *fx, const char *ns)
{
	memset(fx, 0, sizeof(*fx));
	fx->req.namespace = ns;
	fx->req.now = 1773480600;
	fx->d = coord_detect_new(&fx->req);
	ck_assert_ptr_nonnull(fx->d);
}

static void
feed(struct fixture *fx, json_t *o)
{
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(coord_detect_feed(fx->d, NULL, o), 0);
	json_decref(o);
}

static void
app(struct fixture *fx, const char *ns, const char *dep)
{
	feed(fx, dep_obj(ns, dep, NULL, NULL, NULL));
	feed(fx, rs_obj(ns, dep));
}

static json_t *
fx_finish(struct fixture *fx)
{
	char err[128];
	json_t *out = coord_detect_finish(fx->d, err, sizeof(err));

	ck_assert_msg(out != NULL, "%s", err);
	coord_detect_free(fx->d);
	return out;
}

static json_t *
primary(json_t *out)
{
	return json_array_get(json_object_get(out, "root_causes"), 0);
}

static void
assert_root(json_t *out, const char *layer, const char *kind, const char *name,
    const char *symptom)
{
	json_t *p = primary(out);

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(out, "root_cause_layer")), layer);
	ck_assert_str_eq(json_string_value(json_object_get(p, "kind")), kind);
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")), name);
	ck_assert_str_eq(json_string_value(json_object_get(p, "symptom")), symptom);
}

/* Role of the finding about kind/name, or NULL. */
static const char *
role_of(json_t *out, const char *kind, const char *name)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(out, "findings"), i, f) {
		json_t *r = json_object_get(f, "resource");

		if (strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
			return json_string_value(json_object_get(f, "role"));
	}
	return NULL;
}

static const char *
method_of(json_t *out, const char *kind, const char *name)
{
	json_t *arr, *r;
	const char *layer;
	size_t i;

	json_object_foreach(json_object_get(out, "impacted_resources"), layer, arr)
		json_array_foreach(arr, i, r)
			if (strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0 &&
			    strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
				return json_string_value(json_object_get(r, "deployment_method"));
	return NULL;
}

#define EVICT_MEM "The node was low on resource: memory. Threshold quantity: 100Mi."

/* ---- causal rules -------------------------------------------------------------------- */

START_TEST(eviction_message_blames_node_pressure)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", "MemoryPressure"));
	feed(&fx, node_obj("n2", NULL));
	app(&fx, "shop", "cart");
	feed(&fx, pod_obj("shop", "cart", 0, "n1", "evicted", EVICT_MEM, NULL));
	feed(&fx, pod_obj("shop", "cart", 1, "n1", "evicted", EVICT_MEM, NULL));
	feed(&fx, pod_obj("shop", "cart", 2, "n2", "running", NULL, NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "Node", "n1", "NodeMemoryPressure");
	ck_assert_uint_eq(json_array_size(json_object_get(out, "affected_layers")), 2);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(
	    json_object_get(out, "findings"), 0), "detail")), "MemoryPressure"));
	ck_assert_uint_ge(json_array_size(json_object_get(out, "causal_links")), 2);
	ck_assert_double_ge(json_number_value(json_object_get(out, "confidence")), 0.8);
	json_decref(out);
}
END_TEST

START_TEST(oom_at_own_limit_blames_the_workload)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", NULL));
	app(&fx, "rep", "gen");
	feed(&fx, pod_obj("rep", "gen", 0, "n1", "oom", "", "64Mi"));
	out = fx_finish(&fx);
	assert_root(out, "application", "Deployment", "gen", "OOMKilled");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(out, "remediation_hints"), 0), "params"), "current_limit")), "64Mi");
	json_decref(out);
}
END_TEST

START_TEST(oom_without_limit_on_pressured_node_blames_node)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", "MemoryPressure"));
	app(&fx, "rep", "gen");
	feed(&fx, pod_obj("rep", "gen", 0, "n1", "oom", "", NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "Node", "n1", "NodeMemoryPressure");
	json_decref(out);
}
END_TEST

START_TEST(same_error_on_clean_nodes_refutes_colocated_pressure)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", "MemoryPressure"));
	feed(&fx, node_obj("n2", NULL));
	feed(&fx, node_obj("n3", NULL));
	feed(&fx, node_obj("n4", "DiskPressure"));
	app(&fx, "s", "search");
	feed(&fx, pod_obj("s", "search", 0, "n1", "crash", "parse error line 14", NULL));
	feed(&fx, pod_obj("s", "search", 1, "n2", "crash", "parse error line 14", NULL));
	feed(&fx, pod_obj("s", "search", 2, "n3", "crash", "parse error line 14", NULL));
	out = fx_finish(&fx);
	assert_root(out, "application", "Deployment", "search", "CrashLoopBackOff");
	ck_assert_str_eq(role_of(out, "Node", "n1"), "unrelated");
	ck_assert_str_eq(role_of(out, "Node", "n4"), "unrelated");
	ck_assert_uint_eq(json_array_size(json_object_get(out, "affected_layers")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "unrelated")), 2);
	json_decref(out);
}
END_TEST

START_TEST(crash_only_on_pressured_node_blames_node)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", "MemoryPressure"));
	feed(&fx, node_obj("n2", NULL));
	app(&fx, "s", "api");
	feed(&fx, pod_obj("s", "api", 0, "n1", "crash", "killed", NULL));
	feed(&fx, pod_obj("s", "api", 1, "n2", "running", NULL, NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "Node", "n1", "NodeMemoryPressure");
	json_decref(out);
}
END_TEST

START_TEST(notready_node_explains_its_pods)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", "NotReady"));
	feed(&fx, node_obj("n2", NULL));
	app(&fx, "a", "web");
	app(&fx, "b", "db");
	feed(&fx, pod_obj("a", "web", 0, "n1", "notready", NULL, NULL));
	feed(&fx, pod_obj("b", "db", 0, "n1", "notready", NULL, NULL));
	feed(&fx, pod_obj("a", "web", 1, "n2", "running", NULL, NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "Node", "n1", "NodeNotReady");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(out,
	    "remediation_hints"), 0), "family")), "recover_node");
	json_decref(out);
}
END_TEST

START_TEST(scheduling_rules_taint_capacity_and_oversized_request)
{
	struct fixture fx;
	json_t *out, *n;

	/* a user taint on every worker */
	fx_start(&fx, NULL);
	n = node_obj("n1", NULL);
	json_object_set_new(n, "spec", json_pack("{s:[{s:s,s:s,s:s}]}", "taints", "key",
	    "dedicated", "value", "gpu", "effect", "NoSchedule"));
	feed(&fx, n);
	app(&fx, "w", "web");
	feed(&fx, pod_obj("w", "web", 0, NULL, "pending", "0/1 nodes are available: 1 node(s) "
	    "had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available.", NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "Node", "n1", "NodeTainted");
	json_decref(out);

	/* not enough room, though the pod fits a node */
	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", NULL));
	app(&fx, "w", "web");
	feed(&fx, pod_obj("w", "web", 0, NULL, "pending", "0/1 nodes are available: 1 "
	    "Insufficient memory. preemption: 0/1 nodes are available.", NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "Node", "*", "InsufficientCapacity");
	json_decref(out);

	/* the pod asks for more than any node has: the spec is wrong */
	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", NULL));
	app(&fx, "w", "web");
	n = pod_obj("w", "web", 0, NULL, "pending", "0/1 nodes are available: 1 Insufficient "
	    "memory.", NULL);
	json_object_set_new(json_array_get(json_object_get(json_object_get(n, "spec"),
	    "containers"), 0), "resources", json_pack("{s:{s:s}}", "requests", "memory", "64Gi"));
	feed(&fx, n);
	out = fx_finish(&fx);
	assert_root(out, "application", "Deployment", "web", "FailedScheduling");
	json_decref(out);
}
END_TEST

START_TEST(dns_operator_explains_resolution_failures_elsewhere)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", NULL));
	feed(&fx, node_obj("n2", NULL));
	feed(&fx, json_pack("{s:s,s:s,s:{s:s},s:{s:[{s:s,s:s,s:s}]}}", "apiVersion",
	    "config.openshift.io/v1", "kind", "ClusterOperator", "metadata", "name", "dns",
	    "status", "conditions", "type", "Degraded", "status", "True", "message",
	    "DNS default is degraded"));
	app(&fx, "a", "orders");
	app(&fx, "b", "carts");
	feed(&fx, pod_obj("a", "orders", 0, "n1", "crash", "dial tcp: lookup db on "
	    "172.30.0.10:53: server misbehaving", NULL));
	feed(&fx, pod_obj("b", "carts", 0, "n2", "crash", "getaddrinfo ENOTFOUND redis", NULL));
	out = fx_finish(&fx);
	assert_root(out, "platform", "ClusterOperator", "dns", "OperatorDegraded");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(out,
	    "affected_layers"), 1)), "application");
	json_decref(out);
}
END_TEST

START_TEST(mco_rollout_is_traced_to_the_machineconfig)
{
	struct fixture fx;
	json_t *out, *n;
	const char *ann = "machineconfiguration.openshift.io/";
	char k1[96], k2[96], k3[96];

	snprintf(k1, sizeof(k1), "%scurrentConfig", ann);
	snprintf(k2, sizeof(k2), "%sdesiredConfig", ann);
	snprintf(k3, sizeof(k3), "%sstate", ann);
	fx_start(&fx, NULL);
	n = node_obj("n1", NULL);
	json_object_set_new(json_object_get(n, "metadata"), "annotations", json_pack(
	    "{s:s,s:s,s:s}", k1, "rendered-worker-new", k2, "rendered-worker-new", k3, "Done"));
	feed(&fx, n);
	n = node_obj("n2", NULL);
	json_object_set_new(json_object_get(n, "metadata"), "annotations", json_pack(
	    "{s:s,s:s,s:s}", k1, "rendered-worker-old", k2, "rendered-worker-old", k3, "Done"));
	feed(&fx, n);
	feed(&fx, json_pack("{s:s,s:s,s:{s:s},s:{s:{s:s,s:{s:{s:s}},s:[{s:s},{s:s}]}},"
	    "s:{s:{s:s,s:[{s:s}]},s:i,s:i,s:[{s:s,s:s}]}}", "apiVersion",
	    "machineconfiguration.openshift.io/v1", "kind", "MachineConfigPool", "metadata",
	    "name", "worker", "spec", "configuration", "name", "rendered-worker-new",
	    "nodeSelector", "matchLabels", "node-role.kubernetes.io/worker", "", "source",
	    "name", "00-worker", "name", "99-worker-sysctl", "status", "configuration", "name",
	    "rendered-worker-old", "source", "name", "00-worker", "machineCount", 2,
	    "updatedMachineCount", 1, "conditions", "type", "Updating", "status", "True"));
	app(&fx, "o", "orders");
	feed(&fx, pod_obj("o", "orders", 0, "n1", "crash", "segfault", NULL));
	feed(&fx, pod_obj("o", "orders", 1, "n2", "running", NULL, NULL));
	out = fx_finish(&fx);
	assert_root(out, "infrastructure", "MachineConfig", "99-worker-sysctl",
	    "MachineConfigChange");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(out,
	    "remediation_hints"), 0), "family")), "rollback_machineconfig");
	json_decref(out);
}
END_TEST

START_TEST(namespace_scope_keeps_other_failures_unrelated)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, "team-b");
	feed(&fx, node_obj("n1", NULL));
	feed(&fx, node_obj("n2", NULL));
	app(&fx, "team-a", "ingest");
	app(&fx, "team-b", "resizer");
	feed(&fx, pod_obj("team-a", "ingest", 0, "n1", "config", "secret \"x\" not found", NULL));
	feed(&fx, pod_obj("team-a", "ingest", 1, "n2", "config", "secret \"x\" not found", NULL));
	feed(&fx, pod_obj("team-b", "resizer", 0, "n1", "oom", "", "128Mi"));
	out = fx_finish(&fx);
	assert_root(out, "application", "Deployment", "resizer", "OOMKilled");
	ck_assert_str_eq(role_of(out, "Deployment", "ingest"), "unrelated");
	ck_assert_uint_eq(json_array_size(json_object_get(out, "root_causes")), 1);
	json_decref(out);
}
END_TEST

START_TEST(healthy_cluster_says_so)
{
	struct fixture fx;
	json_t *out;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", NULL));
	app(&fx, "a", "web");
	feed(&fx, pod_obj("a", "web", 0, "n1", "running", NULL, NULL));
	out = fx_finish(&fx);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "findings")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "affected_layers")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(out, "root_cause_layer")), "unknown");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(out, "summary")),
	    "Healthy"));
	json_decref(out);
}
END_TEST

/* ---- deployment methods ------------------------------------------------------------- */

static const char *
method_for(json_t *labels, json_t *annotations, json_t *owner, int with_app, int with_rs_owner)
{
	static char buf[32];
	struct fixture fx;
	json_t *out;
	const char *m;

	fx_start(&fx, NULL);
	feed(&fx, node_obj("n1", NULL));
	if (with_rs_owner)
		feed(&fx, dep_obj("a", "web", labels, annotations, owner));
	else {
		json_decref(labels);
		json_decref(annotations);
		json_decref(owner);
	}
	feed(&fx, rs_obj("a", "web"));
	if (with_app)
		feed(&fx, json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s}}}", "apiVersion",
		    "argoproj.io/v1alpha1", "kind", "Application", "metadata", "name", "web-prod",
		    "namespace", "openshift-gitops", "status", "health", "status", "Healthy"));
	feed(&fx, pod_obj("a", "web", 0, "n1", "crash", "boom", NULL));
	out = fx_finish(&fx);
	m = method_of(out, with_rs_owner ? "Deployment" : "ReplicaSet", with_rs_owner ? "web" :
	    "web-5c9d");
	snprintf(buf, sizeof(buf), "%s", m ? m : "(none)");
	json_decref(out);
	return buf;
}

START_TEST(deployment_method_from_the_owning_workload)
{
	ck_assert_str_eq(method_for(NULL, json_pack("{s:s}", "argocd.argoproj.io/tracking-id",
	    "web-prod:apps/Deployment:a/web"), NULL, 0, 1), "argocd");
	ck_assert_str_eq(method_for(json_pack("{s:s}", "app.kubernetes.io/instance", "web-prod"),
	    NULL, NULL, 1, 1), "argocd");
	/* an instance label alone (Helm and kustomize set it too) is not Argo CD */
	ck_assert_str_eq(method_for(json_pack("{s:s}", "app.kubernetes.io/instance", "web-prod"),
	    NULL, NULL, 0, 1), "manual");
	ck_assert_str_eq(method_for(NULL, json_pack("{s:s}", "meta.helm.sh/release-name", "web"),
	    NULL, 0, 1), "helm");
	ck_assert_str_eq(method_for(json_pack("{s:s}", "app.kubernetes.io/managed-by", "Helm"),
	    NULL, NULL, 0, 1), "helm");
	ck_assert_str_eq(method_for(NULL, NULL, json_pack("{s:s,s:s,s:s,s:b}", "apiVersion",
	    "example.com/v1", "kind", "WebApp", "name", "web", "controller", 1), 0, 1), "operator");
	ck_assert_str_eq(method_for(json_pack("{s:s}", "olm.owner", "web-operator.v1.2.0"), NULL,
	    NULL, 0, 1), "operator");
	ck_assert_str_eq(method_for(NULL, NULL, NULL, 0, 1), "manual");
	/* the ReplicaSet's Deployment was never gathered: do not guess */
	ck_assert_str_eq(method_for(NULL, NULL, NULL, 0, 0), "unknown");
}
END_TEST

/* ---- bounded output, API errors ------------------------------------------------------ */

START_TEST(output_is_bounded_with_counts_of_the_rest)
{
	struct coord_detect_request req = { 0 };
	struct coord_detect *d;
	char dep[32], err[128];
	json_t *out, *v, *arr;
	const char *k;
	json_int_t omitted = 0;
	int i;

	req.max_findings = 10;
	req.max_impacted = 5;
	req.now = 1773480600;
	d = coord_detect_new(&req);
	v = node_obj("n1", NULL);
	ck_assert_int_eq(coord_detect_feed(d, "Node", v), 0);
	json_decref(v);
	for (i = 0; i < 60; i++) {
		json_t *o;

		snprintf(dep, sizeof(dep), "app%d", i);
		o = dep_obj("ns", dep, NULL, NULL, NULL);
		ck_assert_int_eq(coord_detect_feed(d, NULL, o), 0);
		json_decref(o);
		o = rs_obj("ns", dep);
		ck_assert_int_eq(coord_detect_feed(d, NULL, o), 0);
		json_decref(o);
		o = pod_obj("ns", dep, 0, "n1", "crash", "boom", NULL);
		ck_assert_int_eq(coord_detect_feed(d, NULL, o), 0);
		json_decref(o);
	}
	out = coord_detect_finish(d, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(coord_detect_finish(d, err, sizeof(err)) == NULL, 1);
	v = json_object();
	ck_assert_int_eq(coord_detect_feed(d, "Node", v), -EALREADY);
	json_decref(v);
	coord_detect_free(d);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "findings")), 10);
	json_object_foreach(json_object_get(out, "omitted"), k, v)
		omitted += json_integer_value(v);
	ck_assert_int_eq(omitted, 120 - 10);	/* 60 workloads + 60 pods */
	json_object_foreach(json_object_get(out, "impacted_resources"), k, arr)
		ck_assert_uint_le(json_array_size(arr), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(out,
	    "impacted_omitted"), "application")), 55);
	ck_assert_uint_le(json_array_size(json_object_get(out, "causal_links")), 30);
	json_decref(out);
}
END_TEST

START_TEST(feed_rejects_what_it_cannot_read)
{
	struct coord_detect *d = coord_detect_new(NULL);
	json_t *o = json_pack("{s:s}", "metadata", "x"), *list;
	struct coord_detect_request req;
	struct coord_resource_ref *refs;
	char err[128];

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(coord_detect_feed(d, NULL, o), -EINVAL);	/* no kind */
	ck_assert_int_eq(coord_detect_feed(d, "Pod", NULL), -EINVAL);
	list = json_pack("{s:s}", "kind", "List");
	ck_assert_int_eq(coord_detect_feed_list(d, list, err, sizeof(err)), -EINVAL);
	json_decref(list);
	/* typed lists: items without kind take it from the list kind */
	list = json_pack("{s:s,s:[{s:{s:s}}]}", "kind", "NodeList", "items", "metadata", "name",
	    "n1");
	ck_assert_int_eq(coord_detect_feed_list(d, list, err, sizeof(err)), 1);
	json_decref(list);
	json_decref(o);
	coord_detect_free(d);

	o = json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "namespace", "a", "resources", "kind",
	    "Deployment", "namespace", "a", "name", "web");
	ck_assert_int_eq(coord_detect_request_from_json(o, &req, &refs, err, sizeof(err)), 0);
	ck_assert_str_eq(req.namespace, "a");
	ck_assert_uint_eq(req.nresources, 1);
	ck_assert_str_eq(req.resources[0].name, "web");
	free(refs);
	json_decref(o);
	o = json_pack("{s:[{s:s}]}", "resources", "kind", "Deployment");
	ck_assert_int_eq(coord_detect_request_from_json(o, &req, &refs, err, sizeof(err)),
	    -EINVAL);
	json_decref(o);
}
END_TEST

/* 2,000 nodes / 60,000 healthy pods with a planted incident: the answer holds at scale. */
START_TEST(scale_answer_holds)
{
	struct coord_detect_request req = { 0 };
	struct coord_detect *d;
	char err[128];
	json_t *out, *r;
	size_t i;
	int billing = 0;

	req.now = 1773480600;
	d = coord_detect_new(&req);
	ck_assert_int_eq(synth_cluster_feed(d, 2000, 60000), 0);
	out = coord_detect_finish(d, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	coord_detect_free(d);
	assert_root(out, "infrastructure", "Node", "node-7", "NodeMemoryPressure");
	json_array_foreach(json_object_get(out, "root_causes"), i, r)
		billing |= strcmp(json_string_value(json_object_get(r, "name")), "billing") == 0;
	ck_assert_int_eq(billing, 1);
	ck_assert_str_eq(role_of(out, "Node", "node-3"), "unrelated");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(out, "stats"),
	    "pods")), 60009);
	json_decref(out);
}
END_TEST

static Suite *
coord_detect_suite(void)
{
	Suite *s = suite_create("coord_detect");
	TCase *rules = tcase_create("rules"), *api = tcase_create("api"), *scale;

	tcase_add_test(rules, eviction_message_blames_node_pressure);
	tcase_add_test(rules, oom_at_own_limit_blames_the_workload);
	tcase_add_test(rules, oom_without_limit_on_pressured_node_blames_node);
	tcase_add_test(rules, same_error_on_clean_nodes_refutes_colocated_pressure);
	tcase_add_test(rules, crash_only_on_pressured_node_blames_node);
	tcase_add_test(rules, notready_node_explains_its_pods);
	tcase_add_test(rules, scheduling_rules_taint_capacity_and_oversized_request);
	tcase_add_test(rules, dns_operator_explains_resolution_failures_elsewhere);
	tcase_add_test(rules, mco_rollout_is_traced_to_the_machineconfig);
	tcase_add_test(rules, namespace_scope_keeps_other_failures_unrelated);
	tcase_add_test(rules, healthy_cluster_says_so);
	tcase_add_test(rules, deployment_method_from_the_owning_workload);
	suite_add_tcase(s, rules);
	tcase_add_test(api, output_is_bounded_with_counts_of_the_rest);
	tcase_add_test(api, feed_rejects_what_it_cannot_read);
	suite_add_tcase(s, api);
	scale = tcase_create("scale");
	tcase_set_timeout(scale, 120);
	tcase_add_test(scale, scale_answer_holds);
	suite_add_tcase(s, scale);
	return s;
}

STRATA_TEST_MAIN(coord_detect_suite)
