/*
 * Server-side printing: the meta.k8s.io/v1 Table kubectl asks for in `kubectl get`
 * (Accept: application/json;as=Table;...).  Columns follow kube-apiserver's printers for
 * the built-in types and the CRDs' additionalPrinterColumns for OpenShift and Argo CD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_priv.h"
#include "strata/util.h"

enum col_type { C_STR, C_INT, C_AGE };

struct col {
	const char	*name;
	enum col_type	 type;
	int		 priority;
	const char	*src;	/* dotted path, or "@name" for a computed cell */
};

#define END { NULL, C_STR, 0, NULL }

static const struct col cols_default[] = { { "Name", C_STR, 0, "@name" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_pod[] = { { "Name", C_STR, 0, "@name" },
    { "Ready", C_STR, 0, "@pod_ready" }, { "Status", C_STR, 0, "@pod_status" },
    { "Restarts", C_INT, 0, "@pod_restarts" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" },
    { "IP", C_STR, 1, "status.podIP" }, { "Node", C_STR, 1, "spec.nodeName" },
    { "Nominated Node", C_STR, 1, "status.nominatedNodeName" },
    { "Readiness Gates", C_STR, 1, "@none" }, END };
static const struct col cols_node[] = { { "Name", C_STR, 0, "@name" },
    { "Status", C_STR, 0, "@node_status" }, { "Roles", C_STR, 0, "@node_roles" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" },
    { "Version", C_STR, 0, "status.nodeInfo.kubeletVersion" },
    { "Internal-IP", C_STR, 1, "@node_ip" }, { "External-IP", C_STR, 1, "@none" },
    { "OS-Image", C_STR, 1, "status.nodeInfo.osImage" },
    { "Kernel-Version", C_STR, 1, "status.nodeInfo.kernelVersion" },
    { "Container-Runtime", C_STR, 1, "status.nodeInfo.containerRuntimeVersion" }, END };
static const struct col cols_deploy[] = { { "Name", C_STR, 0, "@name" },
    { "Ready", C_STR, 0, "@deploy_ready" }, { "Up-to-date", C_INT, 0, "status.updatedReplicas" },
    { "Available", C_INT, 0, "status.availableReplicas" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_rs[] = { { "Name", C_STR, 0, "@name" },
    { "Desired", C_INT, 0, "spec.replicas" }, { "Current", C_INT, 0, "status.replicas" },
    { "Ready", C_INT, 0, "status.readyReplicas" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_ds[] = { { "Name", C_STR, 0, "@name" },
    { "Desired", C_INT, 0, "status.desiredNumberScheduled" },
    { "Current", C_INT, 0, "status.currentNumberScheduled" },
    { "Ready", C_INT, 0, "status.numberReady" },
    { "Up-to-date", C_INT, 0, "status.updatedNumberScheduled" },
    { "Available", C_INT, 0, "status.numberAvailable" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_svc[] = { { "Name", C_STR, 0, "@name" },
    { "Type", C_STR, 0, "spec.type" }, { "Cluster-IP", C_STR, 0, "spec.clusterIP" },
    { "External-IP", C_STR, 0, "@none" }, { "Port(s)", C_STR, 0, "@svc_ports" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_ns[] = { { "Name", C_STR, 0, "@name" },
    { "Status", C_STR, 0, "status.phase" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_event[] = { { "Last Seen", C_AGE, 0, "lastTimestamp" },
    { "Type", C_STR, 0, "type" }, { "Reason", C_STR, 0, "reason" },
    { "Object", C_STR, 0, "@event_object" }, { "Message", C_STR, 0, "message" }, END };
static const struct col cols_pdb[] = { { "Name", C_STR, 0, "@name" },
    { "Min Available", C_STR, 0, "spec.minAvailable" },
    { "Max Unavailable", C_STR, 0, "spec.maxUnavailable" },
    { "Allowed Disruptions", C_INT, 0, "status.disruptionsAllowed" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_lease[] = { { "Name", C_STR, 0, "@name" },
    { "Holder", C_STR, 0, "spec.holderIdentity" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_mcp[] = { { "Name", C_STR, 0, "@name" },
    { "Config", C_STR, 0, "status.configuration.name" },
    { "Updated", C_STR, 0, "@cond:Updated" }, { "Updating", C_STR, 0, "@cond:Updating" },
    { "Degraded", C_STR, 0, "@cond:Degraded" },
    { "MachineCount", C_INT, 0, "status.machineCount" },
    { "ReadyMachineCount", C_INT, 0, "status.readyMachineCount" },
    { "UpdatedMachineCount", C_INT, 0, "status.updatedMachineCount" },
    { "DegradedMachineCount", C_INT, 0, "status.degradedMachineCount" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };
static const struct col cols_co[] = { { "Name", C_STR, 0, "@name" },
    { "Version", C_STR, 0, "@co_version" }, { "Available", C_STR, 0, "@cond:Available" },
    { "Progressing", C_STR, 0, "@cond:Progressing" },
    { "Degraded", C_STR, 0, "@cond:Degraded" }, { "Since", C_AGE, 0, "@co_since" },
    { "Message", C_STR, 1, "@co_message" }, END };
static const struct col cols_cv[] = { { "Name", C_STR, 0, "@name" },
    { "Version", C_STR, 0, "status.desired.version" },
    { "Available", C_STR, 0, "@cond:Available" },
    { "Progressing", C_STR, 0, "@cond:Progressing" }, { "Since", C_AGE, 0, "@co_since" },
    { "Status", C_STR, 0, "@cv_message" }, END };
static const struct col cols_app[] = { { "Name", C_STR, 0, "@name" },
    { "Sync Status", C_STR, 0, "status.sync.status" },
    { "Health Status", C_STR, 0, "status.health.status" },
    { "Revision", C_STR, 1, "status.sync.revision" },
    { "Project", C_STR, 1, "spec.project" }, END };
static const struct col cols_machine[] = { { "Name", C_STR, 0, "@name" },
    { "Phase", C_STR, 0, "status.phase" },
    { "Type", C_STR, 0, "@label:machine.openshift.io/instance-type" },
    { "Region", C_STR, 0, "@label:machine.openshift.io/region" },
    { "Zone", C_STR, 0, "@label:machine.openshift.io/zone" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" },
    { "Node", C_STR, 1, "status.nodeRef.name" }, END };
static const struct col cols_ms[] = { { "Name", C_STR, 0, "@name" },
    { "Desired", C_INT, 0, "spec.replicas" }, { "Current", C_INT, 0, "status.replicas" },
    { "Ready", C_INT, 0, "status.readyReplicas" },
    { "Available", C_INT, 0, "status.availableReplicas" },
    { "Age", C_AGE, 0, "metadata.creationTimestamp" }, END };

static const struct col *
columns(const struct sim_rtype *rt)
{
	switch (rt->id) {
	case SIM_RT_POD: return cols_pod;
	case SIM_RT_NODE: return cols_node;
	case SIM_RT_DEPLOYMENT: case SIM_RT_STATEFULSET: return cols_deploy;
	case SIM_RT_REPLICASET: return cols_rs;
	case SIM_RT_DAEMONSET: return cols_ds;
	case SIM_RT_SERVICE: return cols_svc;
	case SIM_RT_NAMESPACE: return cols_ns;
	case SIM_RT_EVENT: return cols_event;
	case SIM_RT_PDB: return cols_pdb;
	case SIM_RT_LEASE: return cols_lease;
	case SIM_RT_MACHINECONFIGPOOL: return cols_mcp;
	case SIM_RT_CLUSTEROPERATOR: return cols_co;
	case SIM_RT_CLUSTERVERSION: return cols_cv;
	case SIM_RT_APPLICATION: return cols_app;
	case SIM_RT_MACHINE: return cols_machine;
	case SIM_RT_MACHINESET: return cols_ms;
	default: return cols_default;
	}
}

bool
sim_table_wanted(const char *accept)
{
	return accept != NULL && strstr(accept, "as=Table") != NULL;
}

static json_t *
jpath(json_t *doc, const char *path)
{
	char key[128];
	const char *p = path;

	while (doc != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l >= sizeof(key))
			return NULL;
		memcpy(key, p, l);
		key[l] = '\0';
		doc = json_object_get(doc, key);
		p = dot ? dot + 1 : p + l;
	}
	return doc;
}

static json_t *
condition(json_t *doc, const char *type)
{
	json_t *c;
	size_t i;

	json_array_foreach(jpath(doc, "status.conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

/* kubectl's duration.HumanDuration. */
static void
human_age(int64_t secs, char *out, size_t n)
{
	int64_t m = secs / 60, h = secs / 3600, d = secs / 86400, y = d / 365;

	if (secs < -1)
		snprintf(out, n, "<invalid>");
	else if (secs < 0)
		snprintf(out, n, "0s");
	else if (secs < 120)
		snprintf(out, n, "%llds", (long long)secs);
	else if (m < 10)
		secs % 60 ? snprintf(out, n, "%lldm%llds", (long long)m, (long long)(secs % 60)) :
		    snprintf(out, n, "%lldm", (long long)m);
	else if (m < 180)
		snprintf(out, n, "%lldm", (long long)m);
	else if (h < 8)
		m % 60 ? snprintf(out, n, "%lldh%lldm", (long long)h, (long long)(m % 60)) :
		    snprintf(out, n, "%lldh", (long long)h);
	else if (h < 48)
		snprintf(out, n, "%lldh", (long long)h);
	else if (h < 192)
		h % 24 ? snprintf(out, n, "%lldd%lldh", (long long)d, (long long)(h % 24)) :
		    snprintf(out, n, "%lldd", (long long)d);
	else if (y < 2)
		snprintf(out, n, "%lldd", (long long)d);
	else if (y < 8)
		snprintf(out, n, "%lldy%lldd", (long long)y, (long long)(d % 365));
	else
		snprintf(out, n, "%lldy", (long long)y);
}

static json_t *
age_cell(struct sim *s, const char *ts)
{
	time_t t;
	char b[32];

	if (ts == NULL || strata_time_parse_rfc3339(ts, &t) < 0)
		return json_string("<unknown>");
	human_age((int64_t)(sim_wall_ms(s) / 1000) - (int64_t)t, b, sizeof(b));
	return json_string(b);
}

static json_t *
scalar_cell(json_t *v, enum col_type type)
{
	if (v == NULL || json_is_null(v))
		return type == C_INT ? json_integer(0) : json_string("<none>");
	if (json_is_string(v) || json_is_integer(v) || json_is_boolean(v) || json_is_real(v))
		return json_incref(v);
	return json_string("<none>");
}

static json_t *
pod_status(json_t *doc)
{
	const char *reason = json_string_value(jpath(doc, "status.reason"));
	const char *phase = json_string_value(jpath(doc, "status.phase"));
	json_t *cs;
	size_t i;

	if (jpath(doc, "metadata.deletionTimestamp"))
		return json_string("Terminating");
	json_array_foreach(jpath(doc, "status.containerStatuses"), i, cs) {
		const char *w = json_string_value(jpath(cs, "state.waiting.reason"));
		const char *t = json_string_value(jpath(cs, "state.terminated.reason"));

		if (w && w[0])
			return json_string(w);
		if (t && t[0] && !(phase && strcmp(phase, "Succeeded") == 0))
			return json_string(t);
	}
	if (reason && reason[0])
		return json_string(reason);
	return json_string(phase ? phase : "Unknown");
}

static json_t *
computed(struct sim *s, const char *what, json_t *doc)
{
	char b[512];
	json_t *c, *v;
	size_t i;

	b[0] = '\0';
	if (strcmp(what, "name") == 0)
		return json_incref(jpath(doc, "metadata.name"));
	if (strcmp(what, "none") == 0)
		return json_string("<none>");
	if (strncmp(what, "cond:", 5) == 0) {
		c = condition(doc, what + 5);
		return json_string(c ? json_string_value(json_object_get(c, "status")) : "");
	}
	if (strncmp(what, "label:", 6) == 0) {
		v = json_object_get(jpath(doc, "metadata.labels"), what + 6);
		return json_string(json_is_string(v) ? json_string_value(v) : "");
	}
	if (strcmp(what, "pod_ready") == 0) {
		int ready = 0, total = (int)json_array_size(jpath(doc, "spec.containers"));

		json_array_foreach(jpath(doc, "status.containerStatuses"), i, c)
			ready += json_is_true(json_object_get(c, "ready"));
		snprintf(b, sizeof(b), "%d/%d", ready, total);
		return json_string(b);
	}
	if (strcmp(what, "pod_status") == 0)
		return pod_status(doc);
	if (strcmp(what, "pod_restarts") == 0) {
		json_int_t n = 0;

		json_array_foreach(jpath(doc, "status.containerStatuses"), i, c)
			n += json_integer_value(json_object_get(c, "restartCount"));
		return json_integer(n);
	}
	if (strcmp(what, "node_status") == 0) {
		c = condition(doc, "Ready");
		v = c ? json_object_get(c, "status") : NULL;
		snprintf(b, sizeof(b), "%s%s", !c ? "Unknown" :
		    strcmp(json_string_value(v) ? json_string_value(v) : "", "True") == 0 ?
		    "Ready" : "NotReady",
		    json_is_true(jpath(doc, "spec.unschedulable")) ? ",SchedulingDisabled" : "");
		return json_string(b);
	}
	if (strcmp(what, "node_roles") == 0) {
		const char *k;
		size_t off = 0;

		json_object_foreach(jpath(doc, "metadata.labels"), k, v) {
			if (strncmp(k, "node-role.kubernetes.io/", 24) == 0 && off < sizeof(b) - 2)
				off += (size_t)snprintf(b + off, sizeof(b) - off, "%s%s",
				    off ? "," : "", k + 24);
		}
		return json_string(off ? b : "<none>");
	}
	if (strcmp(what, "node_ip") == 0) {
		json_array_foreach(jpath(doc, "status.addresses"), i, c) {
			const char *t = json_string_value(json_object_get(c, "type"));

			if (t && strcmp(t, "InternalIP") == 0)
				return json_incref(json_object_get(c, "address"));
		}
		return json_string("<none>");
	}
	if (strcmp(what, "deploy_ready") == 0) {
		snprintf(b, sizeof(b), "%lld/%lld",
		    (long long)json_integer_value(jpath(doc, "status.readyReplicas")),
		    (long long)json_integer_value(jpath(doc, "spec.replicas")));
		return json_string(b);
	}
	if (strcmp(what, "svc_ports") == 0) {
		size_t off = 0;

		json_array_foreach(jpath(doc, "spec.ports"), i, c) {
			const char *proto = json_string_value(json_object_get(c, "protocol"));

			if (off < sizeof(b) - 32)
				off += (size_t)snprintf(b + off, sizeof(b) - off, "%s%lld/%s",
				    off ? "," : "",
				    (long long)json_integer_value(json_object_get(c, "port")),
				    proto ? proto : "TCP");
		}
		return json_string(off ? b : "<none>");
	}
	if (strcmp(what, "event_object") == 0) {
		const char *k = json_string_value(jpath(doc, "involvedObject.kind"));
		const char *n = json_string_value(jpath(doc, "involvedObject.name"));
		size_t j;

		snprintf(b, sizeof(b), "%s/%s", k ? k : "", n ? n : "");
		for (j = 0; b[j] && b[j] != '/'; j++)
			if (b[j] >= 'A' && b[j] <= 'Z')
				b[j] = (char)(b[j] - 'A' + 'a');
		return json_string(b);
	}
	if (strcmp(what, "co_version") == 0) {
		json_array_foreach(jpath(doc, "status.versions"), i, c) {
			const char *n = json_string_value(json_object_get(c, "name"));

			if (n && strcmp(n, "operator") == 0)
				return json_incref(json_object_get(c, "version"));
		}
		return json_string("");
	}
	if (strcmp(what, "co_since") == 0) {
		c = condition(doc, "Available");
		return age_cell(s, json_string_value(json_object_get(c, "lastTransitionTime")));
	}
	if (strcmp(what, "co_message") == 0 || strcmp(what, "cv_message") == 0) {
		c = condition(doc, strcmp(what, "co_message") == 0 ? "Degraded" : "Progressing");
		v = json_object_get(c, "message");
		return json_string(json_is_string(v) ? json_string_value(v) : "");
	}
	return json_string("");
}

json_t *
sim_table_build(struct sim *s, const struct sim_rtype *rt, const struct sim_obj *const *objs,
    size_t n, bool include_object)
{
	const struct col *cols = columns(rt), *c;
	json_t *defs = json_array(), *rows = json_array();
	size_t i;

	for (c = cols; c->name; c++)
		json_array_append_new(defs, json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", c->name,
		    "type", c->type == C_INT ? "integer" : "string", "format",
		    strcmp(c->name, "Name") == 0 ? "name" : "", "description", "", "priority",
		    c->priority));
	for (i = 0; i < n; i++) {
		json_t *doc = sim_obj_json(objs[i]), *cells, *obj;

		if (doc == NULL)
			continue;
		cells = json_array();
		for (c = cols; c->name; c++) {
			json_t *v;

			if (c->src[0] == '@')
				v = computed(s, c->src + 1, doc);
			else if (c->type == C_AGE)
				v = age_cell(s, json_string_value(jpath(doc, c->src)));
			else
				v = scalar_cell(jpath(doc, c->src), c->type);
			json_array_append_new(cells, v ? v : json_string(""));
		}
		if (include_object) {
			obj = json_incref(doc);
		} else {
			obj = json_pack("{s:s,s:s,s:O}", "kind", "PartialObjectMetadata",
			    "apiVersion", "meta.k8s.io/v1", "metadata", json_object_get(doc,
			    "metadata"));
		}
		json_array_append_new(rows, json_pack("{s:o,s:o}", "cells", cells, "object", obj));
		json_decref(doc);
	}
	return json_pack("{s:s,s:s,s:{},s:o,s:o}", "kind", "Table", "apiVersion",
	    "meta.k8s.io/v1", "metadata", "columnDefinitions", defs, "rows", rows);
}
