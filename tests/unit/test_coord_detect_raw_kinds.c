/*
 * The text fast paths for owners (ReplicaSet, Deployment, StatefulSet, DaemonSet, …),
 * Services, Endpoints and Nodes (src/coord/detect_raw_kinds.c) against the tree path: every such
 * object of tests/scenarios and examples/scenarios is fed alone both ways in dozens of
 * variants — each field the engine reads changed, removed, of the wrong type, duplicated,
 * escaped, too long — and the two analyzers must hold equal summaries (every field,
 * test_coord_detect_pair.h) and give equal finish() results.  A synthetic cluster shaped
 * like the simulator's (Nodes, Deployments with conditions, ReplicaSets, Services,
 * Endpoints, pods, a planted rollout, a not-ready node and a not-ready endpoint) must agree with every one of those
 * objects taking the fast path.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/coord.h"
#include "strata/util.h"
#include "testutil.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"	/* the pair helpers not used here */
#include "test_coord_detect_pair.h"
#pragma GCC diagnostic pop

static json_t *
obj_at(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(o, a), *y;

	if (!json_is_object(x)) {
		x = json_object();
		json_object_set_new(o, a, x);
	}
	if (b == NULL)
		return x;
	y = json_object_get(x, b);
	if (!json_is_object(y)) {
		y = json_object();
		json_object_set_new(x, b, y);
	}
	return y;
}

static json_t *
conds_of(json_t *o)
{
	json_t *st = obj_at(o, "status", NULL), *c = json_object_get(st, "conditions");

	if (!json_is_array(c)) {
		c = json_array();
		json_object_set_new(st, "conditions", c);
	}
	return c;
}

static char *
long_str(size_t n, char c)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Variant i of owner o (new reference), or NULL past the last. */
static json_t *
owner_variant(json_t *o, int i)
{
	json_t *v = json_deep_copy(o), *meta = obj_at(v, "metadata", NULL);
	char *s;

	switch (i) {
	case 0: break;
	case 1: json_object_set_new(meta, "ownerReferences", json_pack("[{s:s,s:s,s:s},"
	    "{s:s,s:s,s:s,s:b}]", "apiVersion", "apps/v1", "kind", "Deployment", "name",
	    "first", "apiVersion", "example.com/v1", "kind", "Thing", "name", "cr",
	    "controller", 1)); break;
	case 2: json_object_set_new(meta, "ownerReferences", json_pack("[s,{s:s,s:s}]", "x",
	    "kind", "Deployment", "name", "d")); break;
	case 3: json_object_set_new(meta, "ownerReferences", json_pack("{s:s}", "kind",
	    "Deployment")); break;
	case 4: json_object_set_new(meta, "ownerReferences", json_pack("[{s:s,s:i}]", "kind",
	    "Deployment", "name", 3)); break;
	case 5: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "argocd.argoproj.io/instance", json_string("shop-app")); break;
	case 6: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "app.kubernetes.io/instance", json_string("rel")); break;
	case 7: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "app.kubernetes.io/managed-by", json_string("Helm")); break;
	case 8: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "app.kubernetes.io/managed-by", json_string("helm")); break;
	case 9: json_object_set_new(obj_at(v, "metadata", "labels"), "olm.owner",
	    json_string("etcd.v0.9")); break;
	case 10: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "operators.coreos.com/etcd.ns", json_string("")); break;
	case 11: json_object_set_new(meta, "labels", json_string("odd")); break;
	case 12: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "app.kubernetes.io/instance", json_integer(4)); break;
	case 13: json_object_set_new(obj_at(v, "metadata", "annotations"),
	    "argocd.argoproj.io/tracking-id", json_string("shop:apps/Deployment:ns/x")); break;
	case 14: json_object_set_new(obj_at(v, "metadata", "annotations"),
	    "argocd.argoproj.io/tracking-id", json_string("nocolon")); break;
	case 15: json_object_set_new(obj_at(v, "metadata", "annotations"),
	    "meta.helm.sh/release-name", json_string("rel-1")); break;
	case 16: json_object_set_new(obj_at(v, "metadata", "annotations"),
	    "deployment.kubernetes.io/revision", json_string("7")); break;
	case 17: json_object_set_new(obj_at(v, "metadata", "annotations"),
	    "include.release.openshift.io/self-managed-high-availability",
	    json_string("true")); break;
	case 18: json_object_set_new(meta, "annotations", json_array()); break;
	case 19: json_object_set_new(obj_at(v, "spec", NULL), "replicas", json_string("5"));
	    break;
	case 20: json_object_set_new(obj_at(v, "spec", NULL), "replicas", json_real(2.5));
	    break;
	case 21: json_object_set_new(obj_at(v, "spec", NULL), "replicas", json_null()); break;
	case 22: json_object_set_new(v, "spec", json_string("odd")); break;
	case 23: json_object_set_new(obj_at(v, "spec", "template"), "spec", json_pack(
	    "{s:[{s:s},{s:s},{s:s},{s:i},s]}", "containers", "image", "a:1", "image", "b:2",
	    "image", "a:1", "image", 5, "x")); break;
	case 24: json_object_set_new(obj_at(v, "spec", "template"), "spec", json_pack(
	    "{s:{s:s}}", "containers", "image", "a:1")); break;
	case 25: json_object_set_new(obj_at(v, "status", NULL), "readyReplicas",
	    json_string("3")); json_object_set_new(obj_at(v, "status", NULL),
	    "numberReady", json_integer(2)); json_object_set_new(obj_at(v, "status", NULL),
	    "desiredNumberScheduled", json_integer(9)); json_object_set_new(obj_at(v,
	    "status", NULL), "numberAvailable", json_real(1.0)); break;
	case 26: json_array_clear(conds_of(v)); json_array_append_new(conds_of(v), json_pack(
	    "{s:s,s:s,s:s,s:s}", "type", "Progressing", "status", "False", "reason",
	    "ProgressDeadlineExceeded", "message", "ReplicaSet \"x\" has timed out\n"));
	    break;
	case 27: json_array_clear(conds_of(v)); json_array_append_new(conds_of(v), json_pack(
	    "{s:s,s:s,s:s}", "type", "Progressing", "status", "True", "reason",
	    "ProgressDeadlineExceeded")); json_array_append_new(conds_of(v), json_pack(
	    "{s:s,s:s,s:s}", "type", "Available", "status", "False", "message",
	    "Deployment does not have minimum availability.")); break;
	case 28: json_array_clear(conds_of(v)); json_array_append_new(conds_of(v), json_pack(
	    "{s:s,s:s}", "type", "Available", "status", "False")); break;
	case 29: json_array_insert_new(conds_of(v), 0, json_pack("{s:s,s:s,s:s,s:s}", "type",
	    "Progressing", "status", "True", "reason", "NewReplicaSetAvailable", "message",
	    "ok")); json_array_append_new(conds_of(v), json_pack("{s:s,s:s,s:s,s:s}", "type",
	    "Progressing", "status", "False", "reason", "ProgressDeadlineExceeded",
	    "message", "late")); break;
	case 30: json_object_set_new(obj_at(v, "status", NULL), "conditions",
	    json_string("x")); break;
	case 31: s = long_str(600, 'm'); json_array_clear(conds_of(v));
	    json_array_append_new(conds_of(v), json_pack("{s:s,s:s,s:s}", "type",
	    "Available", "status", "Unknown", "message", s)); free(s); break;
	case 32: s = long_str(5000, 'm'); json_array_clear(conds_of(v));
	    json_array_append_new(conds_of(v), json_pack("{s:s,s:s,s:s}", "type",
	    "Available", "status", "False", "message", s)); free(s); break;
	case 33: json_array_insert_new(conds_of(v), 0, json_string("x"));
	    json_array_insert_new(conds_of(v), 0, json_pack("{s:i}", "type", 1)); break;
	case 34: json_object_set_new(meta, "creationTimestamp", json_string("yesterday"));
	    break;
	case 35: json_object_set_new(meta, "creationTimestamp", json_integer(5)); break;
	case 36: json_object_del(meta, "name"); break;
	case 37: json_object_set_new(meta, "name", json_integer(1)); break;
	case 38: json_object_del(meta, "namespace"); break;
	case 39: s = long_str(600, 'n'); json_object_set_new(meta, "name", json_string(s));
	    free(s); break;
	case 40: json_object_set_new(v, "metadata", json_array()); break;
	case 41: json_object_set_new(obj_at(v, "metadata", "labels"),
	    "app.kubernetes.io/instance", json_string("r\xc3\xa9l\"q")); break;
	default:
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Variant i of service o, or NULL. */
static json_t *
service_variant(json_t *o, int i)
{
	json_t *v = json_deep_copy(o), *meta = obj_at(v, "metadata", NULL);

	switch (i) {
	case 0: break;
	case 1: json_object_del(obj_at(v, "spec", NULL), "selector"); break;
	case 2: json_object_set_new(obj_at(v, "spec", NULL), "selector", json_object());
	    break;
	case 3: json_object_set_new(obj_at(v, "spec", NULL), "selector", json_string("a=b"));
	    break;
	case 4: json_object_set_new(obj_at(v, "spec", NULL), "type",
	    json_string("ExternalName")); break;
	case 5: json_object_set_new(obj_at(v, "spec", NULL), "type", json_integer(1)); break;
	case 6: json_object_del(meta, "name"); break;
	case 7: json_object_del(meta, "namespace"); break;
	case 8: json_object_set_new(obj_at(v, "spec", NULL), "selector", json_pack(
	    "{s:s,s:i,s:[s],s:{s:n}}", "app", "x", "n", 1, "l", "y", "o", "z")); break;
	case 9: json_object_set_new(v, "spec", json_null()); break;
	case 10: json_object_set_new(meta, "name", json_string("caf\xc3\xa9")); break;
	default:
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Variant i of endpoints o, or NULL. */
static json_t *
endpoints_variant(json_t *o, int i)
{
	json_t *v = json_deep_copy(o), *meta = obj_at(v, "metadata", NULL), *nr;
	char name[32];
	int k;

	switch (i) {
	case 0: break;
	case 1: json_object_set_new(v, "subsets", json_loads("[{\"addresses\":[{\"ip\":"
	    "\"1\"},{\"ip\":\"2\"}],\"notReadyAddresses\":[{\"ip\":\"3\",\"targetRef\":"
	    "{\"kind\":\"Pod\",\"name\":\"web-1\"}},{\"ip\":\"4\",\"targetRef\":{\"name\":"
	    "\"web-2\"}},{\"targetRef\":{\"name\":\"web-1\"}},{\"ip\":\"6\"},\"x\","
	    "{\"targetRef\":\"odd\"},{\"targetRef\":{\"name\":\"\"}}]}]", 0, NULL));
	    break;
	case 2: json_object_set_new(v, "subsets", json_pack("[{s:{}},s,{s:[{}]},{s:i}]",
	    "addresses", "x", "addresses", "notReadyAddresses", 3)); break;
	case 3: json_object_set_new(v, "subsets", json_object()); break;
	case 4: json_object_del(v, "subsets"); break;
	case 5: json_object_del(meta, "name"); break;
	case 6: json_object_del(meta, "namespace"); break;
	case 7:
		nr = json_array();
		for (k = 0; k < 200; k++) {
			snprintf(name, sizeof(name), "pod-%03d", k);
			json_array_append_new(nr, json_pack("{s:{s:s}}", "targetRef", "name",
			    name));
		}
		json_object_set_new(v, "subsets", json_pack("[{s:o}]", "notReadyAddresses",
		    nr));
		break;
	case 8: json_object_set_new(v, "subsets", json_pack("[{s:[{s:{s:i}}]}]",
	    "notReadyAddresses", "targetRef", "name", 5)); break;
	default:
		json_decref(v);
		return NULL;
	}
	return v;
}

static json_t *
cond(const char *type, const char *status, const char *reason, const char *msg)
{
	json_t *c = json_pack("{s:s,s:s}", "type", type, "status", status);

	if (reason != NULL)
		json_object_set_new(c, "reason", json_string(reason));
	if (msg != NULL)
		json_object_set_new(c, "message", json_string(msg));
	return c;
}

/* Variant i of node o, or NULL. */
static json_t *
node_variant(json_t *o, int i)
{
	json_t *v = json_deep_copy(o), *meta = obj_at(v, "metadata", NULL), *c;
	json_t *labels = obj_at(v, "metadata", "labels");
	json_t *ann = obj_at(v, "metadata", "annotations");
	char *s;

	c = conds_of(v);
	switch (i) {
	case 0: break;
	case 1: json_array_append_new(c, cond("Ready", "False", "KubeletNotReady",
	    "PLEG is not healthy")); break;
	case 2: json_array_clear(c); json_array_append_new(c, cond("Ready", "Unknown",
	    "NodeStatusUnknown", NULL)); break;
	case 3: json_array_clear(c); json_array_append_new(c, cond("Ready", "False", NULL,
	    "")); json_array_append_new(c, cond("Ready", "False", "Second", "two")); break;
	case 4: json_array_append_new(c, cond("MemoryPressure", "True", "Low",
	    "memory is low\n")); break;
	case 5: json_array_append_new(c, cond("DiskPressure", "True", "DiskLow", ""));
	    break;
	case 6: json_array_append_new(c, cond("PIDPressure", "True", NULL, "pids"));
	    json_array_append_new(c, cond("NetworkUnavailable", "True", "NoRoute", NULL));
	    break;
	case 7: json_object_set_new(obj_at(v, "status", NULL), "conditions", json_object());
	    break;
	case 8: json_array_insert_new(c, 0, json_string("x"));
	    json_array_insert_new(c, 0, json_pack("{s:i,s:s}", "type", 1, "status", "True"));
	    json_array_append_new(c, json_pack("{s:s,s:i}", "type", "Ready", "status", 0));
	    break;
	case 9: json_object_set_new(labels, "node-role.kubernetes.io/master", json_string(""));
	    json_object_set_new(labels, "node-role.kubernetes.io/control-plane",
	    json_string("")); json_object_set_new(labels, "node-role.kubernetes.io/",
	    json_string("")); json_object_set_new(labels, "node-role.kubernetes.io/infra",
	    json_integer(1)); break;
	case 10: json_object_set_new(meta, "labels", json_string("x")); break;
	case 11: json_object_set_new(ann, "machineconfiguration.openshift.io/currentConfig",
	    json_string("rendered-worker-aaa")); json_object_set_new(ann,
	    "machineconfiguration.openshift.io/desiredConfig",
	    json_string("rendered-worker-bbb")); break;
	case 12: json_object_set_new(ann, "machineconfiguration.openshift.io/state",
	    json_string("Degraded")); json_object_set_new(ann,
	    "machineconfiguration.openshift.io/reason", json_string("unexpected on-disk "
	    "state")); json_object_set_new(ann,
	    "machineconfiguration.openshift.io/currentConfig", json_string("rendered-infra-1"));
	    json_object_set_new(ann, "machineconfiguration.openshift.io/desiredConfig",
	    json_string("rendered-infra-2")); break;
	case 13: json_object_set_new(ann, "machineconfiguration.openshift.io/state",
	    json_string("Rebooting")); json_object_set_new(ann,
	    "machineconfiguration.openshift.io/currentConfig", json_string("rendered--x"));
	    break;
	case 14: json_object_set_new(ann, "machine.openshift.io/machine",
	    json_string("openshift-machine-api/w-1")); json_object_set_new(ann,
	    "machineconfiguration.openshift.io/state", json_integer(3)); break;
	case 15: json_object_set_new(meta, "annotations", json_array()); break;
	case 16: json_object_set_new(obj_at(v, "spec", NULL), "unschedulable", json_true());
	    break;
	case 17: json_object_set_new(obj_at(v, "spec", NULL), "unschedulable",
	    json_string("true")); break;
	case 18: json_object_set_new(obj_at(v, "spec", NULL), "taints", json_loads("[{\"key\":"
	    "\"a\",\"value\":\"b\",\"effect\":\"NoSchedule\"},{\"key\":\"c\",\"effect\":"
	    "\"NoExecute\"},{\"key\":\"d\",\"value\":\"\",\"effect\":\"NoSchedule\"},"
	    "{\"key\":\"e\",\"effect\":\"PreferNoSchedule\"},{\"key\":\"f\"},\"x\","
	    "{\"key\":\"a\",\"value\":\"b\",\"effect\":\"NoSchedule\"}]", 0, NULL));
	    break;
	case 19: json_object_set_new(obj_at(v, "status", NULL), "allocatable", json_pack(
	    "{s:s,s:s}", "cpu", "2", "memory", "8Gi")); break;
	case 20: json_object_set_new(obj_at(v, "status", NULL), "allocatable", json_pack(
	    "{s:i,s:s}", "cpu", 2, "memory", "lots")); break;
	case 21: json_object_del(meta, "name"); break;
	case 22: s = long_str(600, 'n'); json_object_set_new(meta, "name", json_string(s));
	    free(s); break;
	case 23: json_object_set_new(v, "spec", json_string("odd")); break;
	case 24: s = long_str(450, 'm'); json_array_append_new(c, cond("Ready", "False",
	    "R", s)); free(s); break;
	case 25: s = long_str(700, 'm'); json_array_append_new(c, cond("Ready", "False",
	    "R", s)); free(s); break;
	default:
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Text edits of a compact dump: duplicated and escaped keys. */
static char *
text_variant(const char *s, int i)
{
	static const char *const from[] = { "\"metadata\":", "\"name\":", "\"spec\":",
	    "\"status\":", "\"labels\":{", "\"annotations\":{", "\"selector\":",
	    "\"subsets\":", "\"replicas\":", "\"namespace\":", "\"image\":", "\"type\":",
	    "\"node-role.kubernetes.io/", "\"machineconfiguration.openshift.io/state\":" };
	static const char *const to[] = { "\"metadata\":{},\"metadata\":",
	    "\"n\\u0061me\":", "\"spec\":{\"replicas\":1},\"spec\":", "\"st\\u0061tus\":",
	    "\"labels\":{\"app.kubernetes.io/instance\":\"one\","
	    "\"app.kubernetes.io/instance\":\"two\",\"operators.coreos.com\\/x\":\"\",",
	    "\"annotations\":{\"deployment.kubernetes.io/revision\":\"1\","
	    "\"deployment.kubernetes.io\\/revision\":\"2\",",
	    "\"selector\":{\"a\":\"b\"},\"selector\":", "\"subsets\":[],\"subsets\":",
	    "\"replicas\":7,\"replicas\":", "\"namespace\":\"x\",\"namespace\":",
	    "\"image\":\"first\",\"image\":", "\"type\":\"ExternalName\",\"type\":",
	    "\"node-role.kubernetes.io\\/control-plane\":\"\",\"node-role.kubernetes.io/",
	    "\"machineconfiguration.openshift.io/state\":\"Degraded\","
	    "\"machineconfiguration.openshift.io/state\":" };
	const char *at;
	char *out;
	size_t n;

	if (i >= (int)STRATA_ARRAY_LEN(from))
		return NULL;
	if ((at = strstr(s, from[i])) == NULL)
		return strdup(s);
	n = strlen(s) + strlen(to[i]) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to[i], at + strlen(from[i]));
	return out;
}

struct tally {
	size_t	total, fast;
};

/* One object alone (fed twice: a duplicate item keeps the first) both ways. */
static void
alone_check(const char *kind, const char *text, struct tally *t)
{
	json_t *tree = json_loads(text, 0, NULL);
	struct pair p;

	ck_assert_msg(tree != NULL, "%s", text);
	pair_new(&p, NULL);
	pair_feed(&p, kind, tree, text, strlen(text));
	pair_feed(&p, kind, tree, text, strlen(text));
	t->fast += p.fast;
	t->total += 2;
	pair_check(&p, text);
	json_decref(tree);
}

typedef json_t *(*variant_fn)(json_t *, int);

static void
kind_variants(const char *kind, const char *const *as, size_t nas, variant_fn fn,
    struct tally *t)
{
	json_t *objs = json_array(), *o, *v;
	char *s, *x;
	size_t i, a, stride;
	int k;

	items_collect("tests/scenarios", kind, objs);
	items_collect("examples/scenarios", kind, objs);
	ck_assert_uint_ge(json_array_size(objs), 1);
	stride = json_array_size(objs) / 30 + 1;	/* about 30 of each kind is plenty */
	json_array_foreach(objs, i, o) {
		if (i % stride != 0)
			continue;
		for (k = 0; (v = fn(o, k)) != NULL; k++) {
			s = json_dumps(v, JSON_COMPACT);
			for (a = 0; a < nas; a++)
				alone_check(as[a], s, t);
			free(s);
			json_decref(v);
		}
		s = json_dumps(o, JSON_COMPACT);
		for (k = 0; (x = text_variant(s, k)) != NULL; k++) {
			for (a = 0; a < nas; a++)
				alone_check(as[a], x, t);
			free(x);
		}
		free(s);
	}
	json_decref(objs);
}

START_TEST(owner_variants_agree)
{
	static const char *const kinds[] = { "ReplicaSet", "Deployment", "DaemonSet",
	    "StatefulSet" };
	static const char *const as[] = { "ReplicaSet", "DaemonSet" };
	struct tally t = { 0, 0 };
	size_t k;

	for (k = 0; k < STRATA_ARRAY_LEN(kinds); k++)
		kind_variants(kinds[k], as, 2, owner_variant, &t);
	fprintf(stderr, "detect_raw_kinds: %zu owner feeds, %zu from the text\n", t.total,
	    t.fast);
	ck_assert_uint_gt(t.fast, t.total * 3 / 4);	/* the fast path is really taken */
	ck_assert_uint_lt(t.fast, t.total);		/* and really declines */
}
END_TEST

START_TEST(service_variants_agree)
{
	static const char *const as[] = { "Service" };
	struct tally t = { 0, 0 };

	kind_variants("Service", as, 1, service_variant, &t);
	fprintf(stderr, "detect_raw_kinds: %zu service feeds, %zu from the text\n", t.total,
	    t.fast);
	ck_assert_uint_gt(t.fast, t.total / 2);
	ck_assert_uint_lt(t.fast, t.total);
}
END_TEST

START_TEST(endpoints_variants_agree)
{
	static const char *const as[] = { "Endpoints" };
	struct tally t = { 0, 0 };

	kind_variants("Endpoints", as, 1, endpoints_variant, &t);
	fprintf(stderr, "detect_raw_kinds: %zu endpoints feeds, %zu from the text\n", t.total,
	    t.fast);
	ck_assert_uint_gt(t.fast, t.total / 2);
	ck_assert_uint_lt(t.fast, t.total);
}
END_TEST

START_TEST(node_variants_agree)
{
	static const char *const as[] = { "Node" };
	struct tally t = { 0, 0 };

	kind_variants("Node", as, 1, node_variant, &t);
	fprintf(stderr, "detect_raw_kinds: %zu node feeds, %zu from the text\n", t.total,
	    t.fast);
	ck_assert_uint_gt(t.fast, t.total * 3 / 4);
	ck_assert_uint_lt(t.fast, t.total);
}
END_TEST

/* ---- a cluster shaped like strata-sim's --------------------------------------------- */

static json_t *
sim_deployment(const char *ns, const char *name, int replicas, int ready)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:{s:s},s:{s:s},s:s},"
	    "s:{s:i,s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}}},"
	    "s:{s:i,s:i,s:i,s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]}}",
	    "apiVersion", "apps/v1", "kind", "Deployment",
	    "metadata", "name", name, "namespace", ns, "uid", "u", "labels", "app", name,
	    "annotations", "deployment.kubernetes.io/revision", ready < replicas ? "2" : "1",
	    "creationTimestamp", "2026-03-14T08:00:00Z",
	    "spec", "replicas", replicas, "template", "metadata", "labels", "app", name,
	    "spec", "containers", "name", name, "image", ready < replicas ?
	    "registry.example.com/app:2.0.0" : "registry.example.com/app:1.4.2",
	    "status", "replicas", replicas, "readyReplicas", ready, "availableReplicas", ready,
	    "conditions", "type", "Available", "status", ready < replicas ? "False" : "True",
	    "reason", "MinimumReplicasAvailable", "message", "Deployment has minimum "
	    "availability.", "type", "Progressing", "status", ready < replicas ? "False" :
	    "True", "reason", ready < replicas ? "ProgressDeadlineExceeded" :
	    "NewReplicaSetAvailable", "message", "ReplicaSet has timed out progressing.");
}

static json_t *
sim_replicaset(const char *ns, const char *dep, const char *hash, int replicas, int ready,
    const char *rev, const char *image)
{
	char name[128];

	snprintf(name, sizeof(name), "%s-%s", dep, hash);
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},"
	    "s:[{s:s,s:s,s:s,s:s,s:b}],s:s},s:{s:i,s:{s:{s:[{s:s,s:s}]}}},s:{s:i,s:i,s:i}}",
	    "apiVersion", "apps/v1", "kind", "ReplicaSet",
	    "metadata", "name", name, "namespace", ns, "labels", "app", dep,
	    "pod-template-hash", hash, "annotations", "deployment.kubernetes.io/revision", rev,
	    "deployment.kubernetes.io/desired-replicas", "1", "ownerReferences", "apiVersion",
	    "apps/v1", "kind", "Deployment", "name", dep, "uid", "u", "controller", 1,
	    "creationTimestamp", "2026-03-14T08:00:00Z",
	    "spec", "replicas", replicas, "template", "spec", "containers", "name", dep,
	    "image", image,
	    "status", "replicas", replicas, "readyReplicas", ready, "availableReplicas", ready);
}

static json_t *
sim_pod(const char *ns, const char *dep, const char *hash, int i, int nodes, int bad)
{
	char name[160], rs[128], node[32];

	snprintf(rs, sizeof(rs), "%s-%s", dep, hash);
	snprintf(name, sizeof(name), "%s-%05d", rs, i);
	snprintf(node, sizeof(node), "worker-%05d", i % nodes);
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s},s:[{s:s,s:s,s:s,s:b}]},"
	    "s:{s:s,s:[{s:s,s:s}]},s:{s:s,s:[{s:s,s:s}],s:[{s:s,s:b,s:i,s:s,s:o}]}}",
	    "apiVersion", "v1", "kind", "Pod",
	    "metadata", "name", name, "namespace", ns, "labels", "app", dep, "ownerReferences",
	    "apiVersion", "apps/v1", "kind", "ReplicaSet", "name", rs, "controller", 1,
	    "spec", "nodeName", node, "containers", "name", dep, "image", "img",
	    "status", "phase", "Running", "conditions", "type", "Ready", "status",
	    bad ? "False" : "True", "containerStatuses", "name", dep, "ready", !bad,
	    "restartCount", bad ? 7 : 0, "image", "img", "state", bad ?
	    json_pack("{s:{s:s,s:s}}", "waiting", "reason", "ImagePullBackOff", "message",
	    "Back-off pulling image") : json_pack("{s:{}}", "running"));
}

static void
both(struct pair *p, const char *kind, json_t *o)
{
	ck_assert_ptr_nonnull(o);
	pair_feed_tree(p, kind, o);
	json_decref(o);
}

START_TEST(sim_shaped_cluster_agrees)
{
	struct pair p;
	char ns[32], dep[32];
	int d, i, ndeps = 300, nodes = 40;
	size_t fast0;

	pair_new(&p, NULL);
	for (i = 0; i < nodes; i++) {
		snprintf(dep, sizeof(dep), "worker-%05d", i);
		both(&p, "Node", json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s},s:{s:s,s:s}},s:{s:s},"
		    "s:{s:{s:s,s:s},s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]}}",
		    "apiVersion", "v1", "kind", "Node", "metadata", "name", dep, "labels",
		    "kubernetes.io/hostname", dep, "node-role.kubernetes.io/worker", "",
		    "annotations", "machineconfiguration.openshift.io/state", "Done",
		    "machine.openshift.io/machine", dep, "spec", "providerID", "sim://node",
		    "status", "allocatable", "cpu", "15500m", "memory", "64215940Ki",
		    "conditions", "type", "MemoryPressure", "status", "False", "reason",
		    "KubeletHasSufficientMemory", "message", "ok", "type", "Ready", "status",
		    i == 9 ? "False" : "True", "reason", i == 9 ? "KubeletNotReady" :
		    "KubeletReady", "message", "kubelet is posting ready status"));
	}
	ck_assert_uint_eq(p.fast, (size_t)nodes);
	for (d = 0; d < ndeps; d++) {
		int bad = d == 17, reps = 5;

		snprintf(ns, sizeof(ns), "app-%03d", d % 30);
		snprintf(dep, sizeof(dep), "svc-%d", d);
		fast0 = p.fast;
		both(&p, "Deployment", sim_deployment(ns, dep, reps, bad ? 2 : reps));
		both(&p, "ReplicaSet", sim_replicaset(ns, dep, "5f7c9d", bad ? 0 : reps,
		    bad ? 2 : reps, "1", "registry.example.com/app:1.4.2"));
		if (bad)
			both(&p, "ReplicaSet", sim_replicaset(ns, dep, "8e2a41", reps, 0, "2",
			    "registry.example.com/app:2.0.0"));
		both(&p, "Service", json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:{s:s},s:[{s:i}]}}",
		    "apiVersion", "v1", "kind", "Service", "metadata", "name", dep, "namespace",
		    ns, "spec", "type", "ClusterIP", "selector", "app", dep, "ports", "port",
		    80));
		both(&p, "Endpoints", json_pack("{s:s,s:s,s:{s:s,s:s},s:[{s:[{s:s},{s:s}],s:[{s:s,"
		    "s:{s:s,s:s}}]}]}", "apiVersion", "v1", "kind", "Endpoints", "metadata",
		    "name", dep, "namespace", ns, "subsets", "addresses", "ip", "10.0.0.1", "ip",
		    "10.0.0.2", "notReadyAddresses", "ip", "10.0.0.3", "targetRef", "kind", "Pod",
		    "name", bad ? "svc-17-8e2a41-00000" : "warming-up"));
		ck_assert_uint_eq(p.fast, fast0 + (bad ? 5 : 4));	/* all from the text */
		for (i = 0; i < reps; i++)
			both(&p, "Pod", sim_pod(ns, dep, bad && i < 3 ? "8e2a41" : "5f7c9d",
			    d * reps + i, nodes, bad && i < 3));
	}
	fprintf(stderr, "detect_raw_kinds: sim-shaped cluster %zu from the text, %zu parsed\n",
	    p.fast, p.slow);
	ck_assert_uint_eq(p.slow, 3);	/* the three failing pods */
	pair_check(&p, "sim-shaped cluster");
}
END_TEST

START_TEST(kinds_refuse_what_is_not_json)
{
	struct coord_detect *d = coord_detect_new(NULL);
	char err[128];
	json_t *out;

	ck_assert_int_eq(coord_detect_feed_raw(d, "ReplicaSet",
	    "{\"metadata\":{\"name\":\"a\"}", 24), -EBADMSG);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Service", "[1]", 3), -EINVAL);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Endpoints",
	    "{\"metadata\":{\"name\":\"a\"}} x", 27), -EBADMSG);
	ck_assert_int_eq(coord_detect_feed_raw(d, "Deployment",
	    "{\"metadata\":{\"name\":\"a\"}}", 25), 1);
	out = coord_detect_finish(d, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	json_decref(out);
	coord_detect_free(d);
}
END_TEST

static Suite *
detect_raw_kinds_suite(void)
{
	Suite *s = suite_create("coord_detect_raw_kinds");
	TCase *tc = tcase_create("kinds");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, owner_variants_agree);
	tcase_add_test(tc, service_variants_agree);
	tcase_add_test(tc, endpoints_variants_agree);
	tcase_add_test(tc, node_variants_agree);
	tcase_add_test(tc, sim_shaped_cluster_agrees);
	tcase_add_test(tc, kinds_refuse_what_is_not_json);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(detect_raw_kinds_suite)
