/*
 * Executor helpers: kind → API address, dotted JSON access, conditions, selectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec_int.h"
#include "strata/util.h"

static const struct {
	const char *kind, *group, *version, *resource;
	bool namespaced;
} kinds[] = {
	{ "Node", "", "v1", "nodes", false },
	{ "Pod", "", "v1", "pods", true },
	{ "Service", "", "v1", "services", true },
	{ "Endpoints", "", "v1", "endpoints", true },
	{ "PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", true },
	{ "Namespace", "", "v1", "namespaces", false },
	{ "Deployment", "apps", "v1", "deployments", true },
	{ "ReplicaSet", "apps", "v1", "replicasets", true },
	{ "StatefulSet", "apps", "v1", "statefulsets", true },
	{ "DaemonSet", "apps", "v1", "daemonsets", true },
	{ "PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", true },
	{ "Lease", "coordination.k8s.io", "v1", "leases", true },
	{ "MachineConfigPool", "machineconfiguration.openshift.io", "v1",
	    "machineconfigpools", false },
	{ "MachineConfig", "machineconfiguration.openshift.io", "v1", "machineconfigs",
	    false },
	{ "Machine", "machine.openshift.io", "v1beta1", "machines", true },
	{ "MachineSet", "machine.openshift.io", "v1beta1", "machinesets", true },
	{ "ClusterOperator", "config.openshift.io", "v1", "clusteroperators", false },
	{ "ClusterVersion", "config.openshift.io", "v1", "clusterversions", false },
	{ "Application", "argoproj.io", "v1alpha1", "applications", true },
};

bool
exec_kind_ref(const char *kind, const char *ns, const char *name, struct kube_ref *ref)
{
	size_t i;

	memset(ref, 0, sizeof(*ref));
	if (kind == NULL)
		return false;
	for (i = 0; i < STRATA_ARRAY_LEN(kinds); i++) {
		if (strcmp(kinds[i].kind, kind) != 0)
			continue;
		ref->group = kinds[i].group;
		ref->version = kinds[i].version;
		ref->resource = kinds[i].resource;
		ref->namespace = kinds[i].namespaced && ns && *ns ? ns : NULL;
		ref->name = name;
		return true;
	}
	return false;
}

/*
 * Keys may hold dots themselves (annotation names such as "strata.dev/execution" or
 * "kubectl.kubernetes.io/restartedAt"): when the part up to the next dot is not a key,
 * the part up to the dot after it is tried, and so on.
 */
json_t *
exec_jget(const json_t *o, const char *dotted)
{
	char key[256];
	const char *p = dotted, *dot;
	json_t *v;
	size_t n;

	while (o != NULL && p != NULL && *p) {
		dot = strchr(p, '.');
		for (;;) {
			n = dot ? (size_t)(dot - p) : strlen(p);
			if (n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			if ((v = json_object_get(o, key)) != NULL || dot == NULL)
				break;
			dot = strchr(dot + 1, '.');
		}
		o = v;
		p = dot ? dot + 1 : NULL;
	}
	return (json_t *)o;
}

const char *
exec_jstr(const json_t *o, const char *dotted)
{
	return json_string_value(exec_jget(o, dotted));
}

long long
exec_jint(const json_t *o, const char *dotted, long long dflt)
{
	json_t *v = exec_jget(o, dotted);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static const json_t *
cond_of(const json_t *obj, const char *type)
{
	json_t *c;
	size_t i;

	json_array_foreach(exec_jget(obj, "status.conditions"), i, c) {
		const char *ty = json_string_value(json_object_get(c, "type"));

		if (ty && strcmp(ty, type) == 0)
			return c;
	}
	return NULL;
}

const char *
exec_cond(const json_t *obj, const char *type)
{
	return json_string_value(json_object_get(cond_of(obj, type), "status"));
}

const char *
exec_cond_reason(const json_t *obj, const char *type)
{
	return json_string_value(json_object_get(cond_of(obj, type), "reason"));
}

bool
exec_selector_string(const json_t *sel, char *out, size_t outlen)
{
	json_t *ml = json_object_get(sel, "matchLabels"), *v;
	const char *k;
	size_t used = 0;
	int n;

	out[0] = '\0';
	if (json_array_size(json_object_get(sel, "matchExpressions")) > 0)
		return false;
	json_object_foreach(ml, k, v) {
		if (!json_is_string(v))
			return false;
		n = snprintf(out + used, outlen - used, "%s%s=%s", used ? "," : "", k,
		    json_string_value(v));
		if (n < 0 || (size_t)n >= outlen - used)
			return false;
		used += (size_t)n;
	}
	return used > 0;
}

void
exec_now_rfc3339(char out[40])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
