/*
 * strata-sim REST behaviour seen by a client: discovery, auth, selectors, paging and
 * expired continue tokens, conflicts, dryRun, status subresource, eviction with PDBs,
 * Table output and watch.
 */
#include <pthread.h>
#include <unistd.h>

#include "testutil.h"
#include "test_sim_http.h"
#include "../../src/sim/sim_internal.h"

static struct sim *S;
static struct simt_resp R;

static void
setup(void)
{
	S = simt_start(NULL, 0);
	memset(&R, 0, sizeof(R));
}

static void
teardown(void)
{
	simt_free(&R);
	sim_stop(S);
	S = NULL;
}

START_TEST(test_auth)
{
	ck_assert_int_eq(simt_req(S, "GET", "/api/v1/nodes", NULL, NULL, NULL, NULL, &R), 401);
	ck_assert_str_eq(simt_str(R.json, "reason"), "Unauthorized");
	ck_assert_int_eq(simt_req(S, "GET", "/api/v1/nodes", "wrong", NULL, NULL, NULL, &R), 401);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/nodes", &R), 200);
	ck_assert_int_eq(simt_req(S, "GET", "/healthz", NULL, NULL, NULL, NULL, &R), 200);
}
END_TEST

START_TEST(test_discovery)
{
	json_t *res, *e;
	size_t i;
	bool evict = false, scale = false;

	ck_assert_int_eq(SIMT_GET(S, "/api/v1", &R), 200);
	json_array_foreach(json_object_get(R.json, "resources"), i, e) {
		if (strcmp(simt_str(e, "name"), "pods/eviction") == 0) {
			evict = true;
			ck_assert_str_eq(simt_str(e, "group"), "policy");
			ck_assert_str_eq(simt_str(e, "version"), "v1");
			ck_assert_str_eq(simt_str(e, "kind"), "Eviction");
		}
	}
	ck_assert(evict);
	ck_assert_int_eq(SIMT_GET(S, "/apis", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "kind"), "APIGroupList");
	ck_assert_int_ge(json_array_size(json_object_get(R.json, "groups")), 9);
	ck_assert_int_eq(SIMT_GET(S, "/apis/apps/v1", &R), 200);
	res = json_object_get(R.json, "resources");
	json_array_foreach(res, i, e)
		if (strcmp(simt_str(e, "name"), "deployments/scale") == 0)
			scale = true;
	ck_assert(scale);
	ck_assert_int_eq(SIMT_GET(S, "/apis/machineconfiguration.openshift.io/v1", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "resources.0.name"), "machineconfigs");
	ck_assert_int_eq(SIMT_GET(S, "/apis/nope.example.com/v1", &R), 404);
	ck_assert_int_eq(SIMT_GET(S, "/version", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "major"), "1");
}
END_TEST

START_TEST(test_get_list_namespaces)
{
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "kind"), "PodList");
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 6);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/pods", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 3);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/pods/nope", &R), 404);
	ck_assert_str_eq(simt_str(R.json, "reason"), "NotFound");
	ck_assert_str_eq(simt_str(R.json, "details.kind"), "pods");
	ck_assert_int_eq(SIMT_GET(S, "/apis/apps/v1/namespaces/shop/deployments/web", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "metadata.uid"), "d0000000-0000-4000-8000-000000000001");
	ck_assert_ptr_nonnull(simt_str(R.json, "metadata.resourceVersion"));
	/* An unknown kind in the scenario is skipped, a namespace is made for every object. */
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/kube-node-lease", &R), 200);
	ck_assert_int_eq(SIMT_GET(S, "/apis/argoproj.io/v1alpha1/applications", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "items.0.kind"), "Application");
}
END_TEST

START_TEST(test_selectors)
{
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?labelSelector=app%3Dweb", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 3);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?labelSelector=app%20in%20(web,node-agent),"
	    "pod-template-hash", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 3);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?labelSelector=app!%3Dweb", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 3);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?labelSelector=!pod-template-hash", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 3);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1", &R),
	    200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 2);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1,"
	    "metadata.namespace%3Dshop,status.phase%3DRunning", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 1);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?fieldSelector=status.phase!%3DRunning", &R),
	    200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 0);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/events?fieldSelector=involvedObject.kind%3DNode,"
	    "involvedObject.name%3Dworker-1", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 1);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/nodes?fieldSelector=metadata.name%3Dworker-2", &R),
	    200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 1);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?fieldSelector=spec.bogus%3Dx", &R), 400);
	ck_assert_str_eq(simt_str(R.json, "reason"), "BadRequest");
}
END_TEST

START_TEST(test_paging)
{
	char path[2048];
	const char *cont;
	size_t seen = 0, pages = 0;
	char names[16][128];

	snprintf(path, sizeof(path), "/api/v1/pods?limit=2");
	for (;;) {
		json_t *it;
		size_t i;

		ck_assert_int_eq(SIMT_GET(S, path, &R), 200);
		json_array_foreach(json_object_get(R.json, "items"), i, it) {
			size_t j;

			for (j = 0; j < seen; j++)
				ck_assert_str_ne(names[j], simt_str(it, "metadata.name"));
			snprintf(names[seen++], sizeof(names[0]), "%s", simt_str(it, "metadata.name"));
		}
		pages++;
		cont = simt_str(R.json, "metadata.continue");
		if (cont == NULL)
			break;
		ck_assert_int_le(json_array_size(json_object_get(R.json, "items")), 2);
		snprintf(path, sizeof(path), "/api/v1/pods?limit=2&continue=%s", cont);
	}
	ck_assert_uint_eq(seen, 6);
	ck_assert_uint_eq(pages, 3);
	/* A token only works with the query it came from. */
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?limit=1", &R), 200);
	snprintf(path, sizeof(path), "/api/v1/nodes?limit=1&continue=%s",
	    simt_str(R.json, "metadata.continue"));
	ck_assert_int_eq(SIMT_GET(S, path, &R), 400);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/pods?limit=1&continue=zz", &R), 400);
}
END_TEST

START_TEST(test_continue_expired)
{
	struct sim *s2 = simt_start(NULL, 1);
	char path[2048];

	ck_assert_int_eq(SIMT_GET(s2, "/api/v1/pods?limit=2", &R), 200);
	snprintf(path, sizeof(path), "/api/v1/pods?limit=2&continue=%s",
	    simt_str(R.json, "metadata.continue"));
	usleep(1300 * 1000);
	ck_assert_int_eq(SIMT_GET(s2, path, &R), 410);
	ck_assert_str_eq(simt_str(R.json, "reason"), "Expired");
	ck_assert_int_eq((int)json_integer_value(json_object_get(R.json, "code")), 410);
	sim_stop(s2);
}
END_TEST

START_TEST(test_conflicts)
{
	json_t *cm;
	char *body;
	const char *rv;
	char old_rv[32];

	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps/settings", &R), 200);
	rv = simt_str(R.json, "metadata.resourceVersion");
	snprintf(old_rv, sizeof(old_rv), "%s", rv);
	cm = json_deep_copy(R.json);
	json_object_set_new(json_object_get(cm, "data"), "a", json_string("2"));
	body = json_dumps(cm, 0);
	ck_assert_int_eq(simt_req(S, "PUT", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, NULL, body, NULL, &R), 200);
	ck_assert_str_ne(simt_str(R.json, "metadata.resourceVersion"), old_rv);
	ck_assert_str_eq(simt_str(R.json, "data.a"), "2");
	/* The same body again carries the stale resourceVersion. */
	ck_assert_int_eq(simt_req(S, "PUT", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, NULL, body, NULL, &R), 409);
	ck_assert_str_eq(simt_str(R.json, "reason"), "Conflict");
	ck_assert_str_eq(simt_str(R.json, "details.name"), "settings");
	free(body);
	/* Create of an existing name. */
	body = json_dumps(cm, 0);
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps", SIMT_TOKEN,
	    NULL, body, NULL, &R), 409);
	ck_assert_str_eq(simt_str(R.json, "reason"), "AlreadyExists");
	free(body);
	json_decref(cm);
	/* A merge patch with a stale resourceVersion is conditional. */
	snprintf(old_rv + strlen(old_rv), 4, "%s", "");
	{
		char p[256];

		snprintf(p, sizeof(p), "{\"metadata\":{\"resourceVersion\":\"%s\"},"
		    "\"data\":{\"b\":\"x\"}}", old_rv);
		ck_assert_int_eq(simt_req(S, "PATCH", "/api/v1/namespaces/shop/configmaps/settings",
		    SIMT_TOKEN, "application/merge-patch+json", p, NULL, &R), 409);
	}
	/* Delete with a failing precondition. */
	ck_assert_int_eq(simt_req(S, "DELETE", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, NULL, "{\"preconditions\":{\"uid\":\"not-the-uid\"}}", NULL, &R), 409);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps/settings", &R), 200);
	ck_assert_int_eq(simt_req(S, "DELETE", "/api/v1/namespaces/shop/configmaps/settings",
	    SIMT_TOKEN, NULL, NULL, NULL, &R), 200);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps/settings", &R), 404);
}
END_TEST

START_TEST(test_create_and_dry_run)
{
	const char *cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
	    "{\"name\":\"new\"},\"data\":{\"k\":\"v\"}}";

	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps?dryRun=All",
	    SIMT_TOKEN, NULL, cm, NULL, &R), 201);
	ck_assert_str_eq(simt_str(R.json, "metadata.namespace"), "shop");
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps/new", &R), 404);
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps?dryRun=Yes",
	    SIMT_TOKEN, NULL, cm, NULL, &R), 400);
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/nowhere/configmaps",
	    SIMT_TOKEN, NULL, cm, NULL, &R), 404);
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps", SIMT_TOKEN,
	    NULL, cm, NULL, &R), 201);
	ck_assert_ptr_nonnull(simt_str(R.json, "metadata.uid"));
	ck_assert_ptr_nonnull(simt_str(R.json, "metadata.creationTimestamp"));
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps/new", &R), 200);
	/* dryRun delete and patch leave the object alone. */
	ck_assert_int_eq(simt_req(S, "DELETE", "/api/v1/namespaces/shop/configmaps/new?dryRun=All",
	    SIMT_TOKEN, NULL, NULL, NULL, &R), 200);
	ck_assert_int_eq(simt_req(S, "PATCH", "/api/v1/namespaces/shop/configmaps/new?dryRun=All",
	    SIMT_TOKEN, "application/merge-patch+json", "{\"data\":{\"k\":\"w\"}}", NULL, &R),
	    200);
	ck_assert_str_eq(simt_str(R.json, "data.k"), "w");
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps/new", &R), 200);
	ck_assert_str_eq(simt_str(R.json, "data.k"), "v");
	/* Bodies are JSON only: protobuf is refused as unsupported, not as malformed. */
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps", SIMT_TOKEN,
	    "application/vnd.kubernetes.protobuf", "k8s\x01", NULL, &R), 415);
	ck_assert_str_eq(simt_str(R.json, "reason"), "UnsupportedMediaType");
	/* generateName */
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps", SIMT_TOKEN,
	    NULL, "{\"metadata\":{\"generateName\":\"gen-\"}}", NULL, &R), 201);
	ck_assert_int_eq((int)strlen(simt_str(R.json, "metadata.name")), 9);
}
END_TEST

START_TEST(test_status_subresource_and_generation)
{
	json_int_t gen;

	ck_assert_int_eq(simt_req(S, "PATCH", "/apis/apps/v1/namespaces/shop/deployments/web",
	    SIMT_TOKEN, "application/merge-patch+json",
	    "{\"spec\":{\"replicas\":5},\"status\":{\"replicas\":99}}", NULL, &R), 200);
	gen = json_integer_value(simt_get(R.json, "metadata.generation"));
	ck_assert_int_eq(gen, 2);
	/* The main resource ignores status; /status changes only status. */
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "status.replicas")), 3);
	ck_assert_int_eq(simt_req(S, "PATCH",
	    "/apis/apps/v1/namespaces/shop/deployments/web/status", SIMT_TOKEN,
	    "application/merge-patch+json", "{\"spec\":{\"replicas\":1},"
	    "\"status\":{\"replicas\":5}}", NULL, &R), 200);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "status.replicas")), 5);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "spec.replicas")), 5);
	ck_assert_int_eq(json_integer_value(simt_get(R.json, "metadata.generation")), gen);
	/* scale subresource */
	ck_assert_int_eq(SIMT_GET(S, "/apis/apps/v1/namespaces/shop/deployments/web/scale", &R),
	    200);
	ck_assert_str_eq(simt_str(R.json, "kind"), "Scale");
	ck_assert_str_eq(simt_str(R.json, "status.selector"), "app=web");
	ck_assert_int_eq(simt_req(S, "PATCH",
	    "/apis/apps/v1/namespaces/shop/deployments/web/scale", SIMT_TOKEN,
	    "application/merge-patch+json", "{\"spec\":{\"replicas\":2}}", NULL, &R), 200);
	ck_assert_int_eq(SIMT_GET(S, "/apis/apps/v1/namespaces/shop/deployments/web", &R), 200);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "spec.replicas")), 2);
}
END_TEST

START_TEST(test_eviction_pdb)
{
	const char *ev = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":"
	    "{\"name\":\"web-5d8f7c9b4-abcde\",\"namespace\":\"shop\"}}";
	const char *path = "/api/v1/namespaces/shop/pods/web-5d8f7c9b4-abcde/eviction";

	/* minAvailable 3 with 3 healthy pods: blocked, 429 without Retry-After. */
	ck_assert_int_eq(simt_req(S, "POST", path, SIMT_TOKEN, NULL, ev, NULL, &R), 429);
	ck_assert_str_eq(simt_str(R.json, "reason"), "TooManyRequests");
	ck_assert_str_eq(simt_str(R.json, "details.causes.0.reason"), "DisruptionBudget");
	ck_assert_str_eq(R.retry_after, "");
	ck_assert_int_eq(SIMT_GET(S, "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/"
	    "web-pdb", &R), 200);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "status.disruptionsAllowed")),
	    0);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "status.currentHealthy")), 3);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/pods/web-5d8f7c9b4-abcde", &R),
	    200);
	/* Relax the budget; the eviction goes through and the pod is gone. */
	ck_assert_int_eq(simt_req(S, "PATCH", "/apis/policy/v1/namespaces/shop/"
	    "poddisruptionbudgets/web-pdb", SIMT_TOKEN, "application/merge-patch+json",
	    "{\"spec\":{\"minAvailable\":2}}", NULL, &R), 200);
	ck_assert_int_eq(simt_req(S, "POST", path, SIMT_TOKEN, NULL, "{\"apiVersion\":"
	    "\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"web-5d8f7c9b4-abcde\"},"
	    "\"deleteOptions\":{\"dryRun\":[\"All\"]}}", NULL, &R), 201);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/pods/web-5d8f7c9b4-abcde", &R),
	    200);
	ck_assert_int_eq(simt_req(S, "POST", path, SIMT_TOKEN, NULL, ev, NULL, &R), 201);
	ck_assert_str_eq(simt_str(R.json, "status"), "Success");
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/pods/web-5d8f7c9b4-abcde", &R),
	    404);
	ck_assert_int_eq(SIMT_GET(S, "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/"
	    "web-pdb", &R), 200);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "status.disruptionsAllowed")),
	    0);
	ck_assert_ptr_nonnull(simt_get(R.json, "status.disruptedPods.web-5d8f7c9b4-abcde"));
	/* The next pod is blocked again (2 healthy, 2 needed). */
	ck_assert_int_eq(simt_req(S, "POST",
	    "/api/v1/namespaces/shop/pods/web-5d8f7c9b4-bcdea/eviction", SIMT_TOKEN, NULL,
	    "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\"}", NULL, &R), 429);
	/* A pod without a PDB goes at once; a missing pod is 404. */
	ck_assert_int_eq(simt_req(S, "POST",
	    "/api/v1/namespaces/kube-system/pods/node-agent-0/eviction", SIMT_TOKEN, NULL,
	    "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\"}", NULL, &R), 201);
	ck_assert_int_eq(simt_req(S, "POST",
	    "/api/v1/namespaces/kube-system/pods/node-agent-0/eviction", SIMT_TOKEN, NULL,
	    "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\"}", NULL, &R), 404);
}
END_TEST

START_TEST(test_finalizers)
{
	const char *p = "/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/"
	    "machines/cluster-worker-a-1";

	ck_assert_int_eq(simt_req(S, "DELETE", p, SIMT_TOKEN, NULL, NULL, NULL, &R), 200);
	ck_assert_ptr_nonnull(simt_str(R.json, "metadata.deletionTimestamp"));
	ck_assert_int_eq(SIMT_GET(S, p, &R), 200);
	ck_assert_int_eq(simt_req(S, "PATCH", p, SIMT_TOKEN, "application/merge-patch+json",
	    "{\"metadata\":{\"finalizers\":null}}", NULL, &R), 200);
	ck_assert_int_eq(SIMT_GET(S, p, &R), 404);
}
END_TEST

START_TEST(test_table)
{
	const char *acc = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

	ck_assert_int_eq(simt_req(S, "GET", "/api/v1/nodes?limit=500", SIMT_TOKEN, NULL, NULL,
	    acc, &R), 200);
	ck_assert_str_eq(simt_str(R.json, "kind"), "Table");
	ck_assert_str_eq(simt_str(R.json, "columnDefinitions.1.name"), "Status");
	ck_assert_str_eq(simt_str(R.json, "rows.1.cells.0"), "worker-0");
	ck_assert_str_eq(simt_str(R.json, "rows.1.cells.1"), "Ready");
	ck_assert_int_eq(simt_req(S, "GET",
	    "/apis/machineconfiguration.openshift.io/v1/machineconfigpools", SIMT_TOKEN, NULL,
	    NULL, acc, &R), 200);
	ck_assert_str_eq(simt_str(R.json, "rows.1.cells.1"), "rendered-worker-1");
	ck_assert_str_eq(simt_str(R.json, "rows.1.cells.2"), "True");
}
END_TEST

START_TEST(test_watch)
{
	char path[256], rv[32];
	const char *cm = "{\"metadata\":{\"name\":\"watched\"},\"data\":{\"k\":\"v\"}}";

	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps", &R), 200);
	snprintf(rv, sizeof(rv), "%s", simt_str(R.json, "metadata.resourceVersion"));
	ck_assert_int_eq(simt_req(S, "POST", "/api/v1/namespaces/shop/configmaps", SIMT_TOKEN,
	    NULL, cm, NULL, &R), 201);
	ck_assert_int_eq(simt_req(S, "DELETE", "/api/v1/namespaces/shop/configmaps/watched",
	    SIMT_TOKEN, NULL, NULL, NULL, &R), 200);
	snprintf(path, sizeof(path), "/api/v1/namespaces/shop/configmaps?watch=true&"
	    "resourceVersion=%s&timeoutSeconds=1", rv);
	ck_assert_int_eq(SIMT_GET(S, path, &R), 200);
	ck_assert_ptr_nonnull(strstr(R.body, "{\"type\":\"ADDED\",\"object\":{"));
	ck_assert_ptr_nonnull(strstr(R.body, "\"type\":\"DELETED\""));
	ck_assert_ptr_nonnull(strstr(R.body, "\"name\":\"watched\""));
	ck_assert_ptr_null(strstr(R.body, "\"name\":\"settings\""));
	/* Without a resourceVersion the current objects come first. */
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/configmaps?watch=1&"
	    "timeoutSeconds=1&fieldSelector=metadata.name%3Dsettings", &R), 200);
	ck_assert_ptr_nonnull(strstr(R.body, "\"name\":\"settings\""));
}
END_TEST

START_TEST(test_cascading_delete)
{
	/* Deleting the Deployment takes its ReplicaSet and their pods (Background GC). */
	ck_assert_int_eq(simt_req(S, "DELETE", "/apis/apps/v1/namespaces/shop/deployments/web",
	    SIMT_TOKEN, NULL, NULL, NULL, &R), 200);
	ck_assert_int_eq(SIMT_GET(S, "/apis/apps/v1/namespaces/shop/replicasets", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 0);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/shop/pods", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 0);
	/* Orphan keeps the dependents. */
	ck_assert_int_eq(simt_req(S, "DELETE", "/apis/apps/v1/namespaces/kube-system/daemonsets/"
	    "node-agent?propagationPolicy=Orphan", SIMT_TOKEN, NULL, NULL, NULL, &R), 200);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/kube-system/pods", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 3);
	/* A namespace goes with its contents. */
	ck_assert_int_eq(simt_req(S, "DELETE", "/api/v1/namespaces/kube-system", SIMT_TOKEN,
	    NULL, NULL, NULL, &R), 200);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/namespaces/kube-system/pods", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 0);
	ck_assert_int_eq(SIMT_GET(S, "/api/v1/nodes", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 4);
}
END_TEST

START_TEST(test_generate)
{
	struct sim_options o;
	struct sim *s;
	char err[256], path[256];
	json_t *it, *rs;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.generate = "nodes=8,pods=60,replicas=5";
	o.token = SIMT_TOKEN;
	o.api_only = 1;
	s = sim_start(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/nodes", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 8);
	ck_assert_str_eq(simt_str(R.json, "items.0.status.conditions.3.type"), "Ready");
	ck_assert_str_eq(simt_str(R.json, "items.0.status.allocatable.pods"), "250");
	/* 8 DaemonSet pods (one per node) + 52 in Deployments of 5. */
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/pods?fieldSelector=status.phase%3DRunning", &R),
	    200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 60);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/namespaces/kube-system/pods", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 8);
	ck_assert_int_eq(SIMT_GET(s, "/apis/apps/v1/deployments", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 11);
	/* Every ReplicaSet owns its pods by uid, and its Deployment by uid. */
	ck_assert_int_eq(SIMT_GET(s, "/apis/apps/v1/replicasets", &R), 200);
	rs = json_incref(json_object_get(R.json, "items"));
	json_array_foreach(rs, i, it) {
		const char *uid = simt_str(it, "metadata.uid");

		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector="
		    "pod-template-hash%%3D%s", simt_str(it, "metadata.namespace"),
		    simt_str(it, "metadata.labels.pod-template-hash"));
		ck_assert_int_eq(SIMT_GET(s, path, &R), 200);
		ck_assert_int_ge(json_array_size(json_object_get(R.json, "items")), 1);
		ck_assert_str_eq(simt_str(R.json, "items.0.metadata.ownerReferences.0.uid"), uid);
		ck_assert_str_eq(simt_str(it, "metadata.ownerReferences.0.kind"), "Deployment");
	}
	json_decref(rs);
	ck_assert_int_eq(SIMT_GET(s, "/api/v1/endpoints", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 11);
	sim_stop(s);
}
END_TEST

static int fired, dropped;

static void
on_timer(struct sim *s, void *arg)
{
	(void)s;
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

START_TEST(test_clock_timers_events)
{
	struct sim_options o;
	struct sim *s;
	char err[256];
	struct sim_obj_ref ref;
	uint64_t c0, c1;
	int i;

	memset(&o, 0, sizeof(o));
	o.scenario_path = SIMT_FIXTURE;
	o.token = SIMT_TOKEN;
	o.time_scale = 100;
	o.api_only = 1;
	s = sim_start(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	c0 = sim_clock_ms(s);
	usleep(200 * 1000);
	c1 = sim_clock_ms(s);
	/* 200 ms real at x100 is 20 s of cluster time (generous bounds for slow machines). */
	ck_assert_msg(c1 - c0 >= 15000 && c1 - c0 < 600000, "advanced %llu ms",
	    (unsigned long long)(c1 - c0));

	sim_lock(s);
	ck_assert_int_eq(sim_timer_add(s, 3000, on_timer, NULL, &fired), 0);
	ck_assert_int_eq(sim_timer_add(s, 3600u * 1000 * 1000, on_timer, on_timer, &dropped),
	    0);
	ref.rt = sim_rt(SIM_RT_POD);
	ref.ns = "shop";
	ref.name = "web-5d8f7c9b4-abcde";
	ref.uid = NULL;
	ck_assert_int_eq(sim_event_record(s, &ref, "Warning", "BackOff", "kubelet",
	    "Back-off restarting failed container %s", "web"), 0);
	ck_assert_int_eq(sim_event_record(s, &ref, "Warning", "BackOff", "kubelet",
	    "Back-off restarting failed container %s", "web"), 0);
	sim_unlock(s);
	/* 3 s of cluster time = 30 ms real; allow seconds. */
	for (i = 0; i < 300 && __atomic_load_n(&fired, __ATOMIC_SEQ_CST) == 0; i++)
		usleep(10 * 1000);
	ck_assert_int_eq(__atomic_load_n(&fired, __ATOMIC_SEQ_CST), 1);

	ck_assert_int_eq(SIMT_GET(s, "/api/v1/namespaces/shop/events?fieldSelector="
	    "involvedObject.name%3Dweb-5d8f7c9b4-abcde,reason%3DBackOff", &R), 200);
	ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 1);
	ck_assert_int_eq((int)json_integer_value(simt_get(R.json, "items.0.count")), 2);
	ck_assert_str_eq(simt_str(R.json, "items.0.type"), "Warning");
	ck_assert_str_eq(simt_str(R.json, "items.0.involvedObject.kind"), "Pod");
	ck_assert_str_eq(simt_str(R.json, "items.0.source.component"), "kubelet");
	sim_stop(s);
	ck_assert_int_eq(dropped, 1);
}
END_TEST

/*
 * Several clients at once, each on its own keep-alive connection, asking for objects by
 * paths of every shape: the simulator serves connections on threads of their own, so
 * anything it shares between requests without a lock (path splitting once used strtok)
 * answers 404 or the wrong object here.
 */
#define CC_THREADS	6
#define CC_REQUESTS	400

static const struct {
	const char *path, *name;
} cc_paths[] = {
	{ "/api/v1/nodes/worker-1", "worker-1" },
	{ "/api/v1/namespaces/shop", "shop" },
	{ "/api/v1/namespaces/shop/pods/web-5d8f7c9b4-abcde", "web-5d8f7c9b4-abcde" },
	{ "/apis/apps/v1/namespaces/shop/deployments/web", "web" },
	{ "/apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker", "worker" },
	{ "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop", "shop" },
	{ "/apis/apps/v1/namespaces/shop/deployments/web/scale", "web" },
	{ "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-0",
	    "worker-0" },
	{ "/api/v1/namespaces/kube-system/pods/node-agent-2", "node-agent-2" },
};
#define CC_NPATHS	(sizeof(cc_paths) / sizeof(cc_paths[0]))

struct cc_thread {
	pthread_t	tid;
	int		id, ok, bad;
	char		first[256];
};

static void *
cc_run(void *arg)
{
	struct cc_thread *th = arg;
	struct simt_resp r;
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer " SIMT_TOKEN);
	CURL *c = curl_easy_init();
	char url[1024];
	const char *got;
	size_t k;
	int i;

	memset(&r, 0, sizeof(r));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, simt_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	for (i = 0; i < CC_REQUESTS; i++) {
		k = ((size_t)i + (size_t)th->id * 5) % CC_NPATHS;
		snprintf(url, sizeof(url), "%s%s", sim_url(S), cc_paths[k].path);
		curl_easy_setopt(c, CURLOPT_URL, url);
		simt_free(&r);
		if (curl_easy_perform(c) == CURLE_OK && r.body != NULL)
			r.json = json_loadb(r.body, r.len, 0, NULL);
		got = simt_str(r.json, "metadata.name");
		if (got != NULL && strcmp(got, cc_paths[k].name) == 0) {
			th->ok++;
		} else if (th->bad++ == 0) {
			snprintf(th->first, sizeof(th->first), "%s: %.120s", cc_paths[k].path,
			    r.body ? r.body : "(no answer)");
		}
	}
	simt_free(&r);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return NULL;
}

START_TEST(test_concurrent_clients)
{
	struct cc_thread th[CC_THREADS];
	int i, ok = 0;

	memset(th, 0, sizeof(th));
	for (i = 0; i < CC_THREADS; i++) {
		th[i].id = i;
		ck_assert_int_eq(pthread_create(&th[i].tid, NULL, cc_run, &th[i]), 0);
	}
	for (i = 0; i < CC_THREADS; i++)
		pthread_join(th[i].tid, NULL);
	for (i = 0; i < CC_THREADS; i++) {
		ck_assert_msg(th[i].bad == 0, "client %d: %d wrong answers, first %s", i,
		    th[i].bad, th[i].first);
		ok += th[i].ok;
	}
	ck_assert_int_eq(ok, CC_THREADS * CC_REQUESTS);
}
END_TEST

static Suite *
sim_api_suite(void)
{
	Suite *s = suite_create("sim_api");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_discovery);
	tcase_add_test(tc, test_get_list_namespaces);
	tcase_add_test(tc, test_selectors);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_continue_expired);
	tcase_add_test(tc, test_conflicts);
	tcase_add_test(tc, test_create_and_dry_run);
	tcase_add_test(tc, test_status_subresource_and_generation);
	tcase_add_test(tc, test_eviction_pdb);
	tcase_add_test(tc, test_finalizers);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_clock_timers_events);
	tcase_add_test(tc, test_cascading_delete);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_concurrent_clients);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(sim_api_suite)
