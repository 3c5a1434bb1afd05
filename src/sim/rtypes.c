/*
 * The resource types strata-sim serves: one static table, used by discovery, routing,
 * loading and the controllers.
 */
#include <string.h>

#include "sim_internal.h"

#define NS	true
#define CL	false
#define BI	true	/* built-in: strategic merge patch */
#define CR	false	/* custom resource: merge / JSON patch only */

static const struct sim_rtype rtypes[SIM_RT_COUNT] = {
	{ SIM_RT_NAMESPACE, "", "v1", "v1", "namespaces", "namespace", "Namespace",
	  "NamespaceList", CL, BI, SIM_SUB_STATUS, { "ns" }, { NULL } },
	{ SIM_RT_NODE, "", "v1", "v1", "nodes", "node", "Node", "NodeList", CL, BI,
	  SIM_SUB_STATUS, { "no" }, { NULL } },
	{ SIM_RT_POD, "", "v1", "v1", "pods", "pod", "Pod", "PodList", NS, BI,
	  SIM_SUB_STATUS | SIM_SUB_EVICTION, { "po" }, { "all" } },
	{ SIM_RT_SERVICE, "", "v1", "v1", "services", "service", "Service", "ServiceList", NS,
	  BI, SIM_SUB_STATUS, { "svc" }, { "all" } },
	{ SIM_RT_ENDPOINTS, "", "v1", "v1", "endpoints", "endpoints", "Endpoints",
	  "EndpointsList", NS, BI, 0, { "ep" }, { NULL } },
	{ SIM_RT_EVENT, "", "v1", "v1", "events", "event", "Event", "EventList", NS, BI, 0,
	  { "ev" }, { NULL } },
	{ SIM_RT_CONFIGMAP, "", "v1", "v1", "configmaps", "configmap", "ConfigMap",
	  "ConfigMapList", NS, BI, 0, { "cm" }, { NULL } },
	{ SIM_RT_SECRET, "", "v1", "v1", "secrets", "secret", "Secret", "SecretList", NS, BI,
	  0, { NULL }, { NULL } },
	{ SIM_RT_SERVICEACCOUNT, "", "v1", "v1", "serviceaccounts", "serviceaccount",
	  "ServiceAccount", "ServiceAccountList", NS, BI, 0, { "sa" }, { NULL } },
	{ SIM_RT_PVC, "", "v1", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
	  "PersistentVolumeClaim", "PersistentVolumeClaimList", NS, BI, SIM_SUB_STATUS,
	  { "pvc" }, { NULL } },
	{ SIM_RT_PV, "", "v1", "v1", "persistentvolumes", "persistentvolume",
	  "PersistentVolume", "PersistentVolumeList", CL, BI, SIM_SUB_STATUS, { "pv" },
	  { NULL } },
	{ SIM_RT_DEPLOYMENT, "apps", "v1", "apps/v1", "deployments", "deployment",
	  "Deployment", "DeploymentList", NS, BI, SIM_SUB_STATUS | SIM_SUB_SCALE,
	  { "deploy" }, { "all" } },
	{ SIM_RT_REPLICASET, "apps", "v1", "apps/v1", "replicasets", "replicaset",
	  "ReplicaSet", "ReplicaSetList", NS, BI, SIM_SUB_STATUS | SIM_SUB_SCALE, { "rs" },
	  { "all" } },
	{ SIM_RT_DAEMONSET, "apps", "v1", "apps/v1", "daemonsets", "daemonset", "DaemonSet",
	  "DaemonSetList", NS, BI, SIM_SUB_STATUS, { "ds" }, { "all" } },
	{ SIM_RT_STATEFULSET, "apps", "v1", "apps/v1", "statefulsets", "statefulset",
	  "StatefulSet", "StatefulSetList", NS, BI, SIM_SUB_STATUS | SIM_SUB_SCALE, { "sts" },
	  { "all" } },
	{ SIM_RT_PDB, "policy", "v1", "policy/v1", "poddisruptionbudgets",
	  "poddisruptionbudget", "PodDisruptionBudget", "PodDisruptionBudgetList", NS, BI,
	  SIM_SUB_STATUS, { "pdb" }, { NULL } },
	{ SIM_RT_LEASE, "coordination.k8s.io", "v1", "coordination.k8s.io/v1", "leases",
	  "lease", "Lease", "LeaseList", NS, BI, 0, { NULL }, { NULL } },
	{ SIM_RT_EVENT_V1, "events.k8s.io", "v1", "events.k8s.io/v1", "events", "event",
	  "Event", "EventList", NS, BI, 0, { "ev" }, { NULL } },
	{ SIM_RT_ENDPOINTSLICE, "discovery.k8s.io", "v1", "discovery.k8s.io/v1",
	  "endpointslices", "endpointslice", "EndpointSlice", "EndpointSliceList", NS, BI, 0,
	  { NULL }, { NULL } },
	{ SIM_RT_MACHINECONFIG, "machineconfiguration.openshift.io", "v1",
	  "machineconfiguration.openshift.io/v1", "machineconfigs", "machineconfig",
	  "MachineConfig", "MachineConfigList", CL, CR, 0, { "mc" }, { NULL } },
	{ SIM_RT_MACHINECONFIGPOOL, "machineconfiguration.openshift.io", "v1",
	  "machineconfiguration.openshift.io/v1", "machineconfigpools", "machineconfigpool",
	  "MachineConfigPool", "MachineConfigPoolList", CL, CR, SIM_SUB_STATUS, { "mcp" },
	  { NULL } },
	{ SIM_RT_CLUSTEROPERATOR, "config.openshift.io", "v1", "config.openshift.io/v1",
	  "clusteroperators", "clusteroperator", "ClusterOperator", "ClusterOperatorList", CL,
	  CR, SIM_SUB_STATUS, { "co" }, { NULL } },
	{ SIM_RT_CLUSTERVERSION, "config.openshift.io", "v1", "config.openshift.io/v1",
	  "clusterversions", "clusterversion", "ClusterVersion", "ClusterVersionList", CL, CR,
	  SIM_SUB_STATUS, { NULL }, { NULL } },
	{ SIM_RT_NETWORK_CONFIG, "config.openshift.io", "v1", "config.openshift.io/v1",
	  "networks", "network", "Network", "NetworkList", CL, CR, SIM_SUB_STATUS, { NULL },
	  { NULL } },
	{ SIM_RT_MACHINE, "machine.openshift.io", "v1beta1", "machine.openshift.io/v1beta1",
	  "machines", "machine", "Machine", "MachineList", NS, CR, SIM_SUB_STATUS, { "ma" },
	  { NULL } },
	{ SIM_RT_MACHINESET, "machine.openshift.io", "v1beta1",
	  "machine.openshift.io/v1beta1", "machinesets", "machineset", "MachineSet",
	  "MachineSetList", NS, CR, SIM_SUB_STATUS | SIM_SUB_SCALE, { NULL }, { NULL } },
	{ SIM_RT_MACHINEHEALTHCHECK, "machine.openshift.io", "v1beta1",
	  "machine.openshift.io/v1beta1", "machinehealthchecks", "machinehealthcheck",
	  "MachineHealthCheck", "MachineHealthCheckList", NS, CR, SIM_SUB_STATUS,
	  { "mhc", "mhcs" }, { NULL } },
	{ SIM_RT_APPLICATION, "argoproj.io", "v1alpha1", "argoproj.io/v1alpha1",
	  "applications", "application", "Application", "ApplicationList", NS, CR, 0,
	  { "app", "apps" }, { NULL } },
};

const struct sim_rtype *
sim_rt(enum sim_rt_id id)
{
	if ((unsigned)id >= SIM_RT_COUNT)
		return NULL;
	return &rtypes[id];
}

const struct sim_rtype *
sim_rt_find(const char *group, const char *version, const char *plural)
{
	size_t i;

	for (i = 0; i < SIM_RT_COUNT; i++) {
		if (strcmp(rtypes[i].group, group) == 0 &&
		    (version == NULL || strcmp(rtypes[i].version, version) == 0) &&
		    strcmp(rtypes[i].plural, plural) == 0)
			return &rtypes[i];
	}
	return NULL;
}

const struct sim_rtype *
sim_rt_find_kind(const char *api_version, const char *kind)
{
	size_t i;

	for (i = 0; i < SIM_RT_COUNT; i++) {
		if (strcmp(rtypes[i].api_version, api_version) == 0 &&
		    strcmp(rtypes[i].kind, kind) == 0)
			return &rtypes[i];
	}
	/* events.k8s.io/v1beta1 and policy/v1beta1 dumps: map to the served version. */
	if (strcmp(api_version, "policy/v1beta1") == 0 && strcmp(kind, "PodDisruptionBudget") == 0)
		return &rtypes[SIM_RT_PDB];
	return NULL;
}
