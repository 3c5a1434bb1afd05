/*
 * The action catalogue: for every action a plan step may carry, whether it mutates,
 * whether and how it is undone, what verifies it, what the executor records first, and
 * its default timeout.  One table, so executor and planner read the same facts.
 *
 * Compensation params refer to the recorded before-state with {"$capture": REF}, where
 * REF is a JSON Pointer into the step target's captured object ("/spec/replicas") or a
 * named derived value listed in the capture's "values" ("last_history_id").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan_int.h"

struct plan_action {
	const char	*name;
	bool		 mutating;
	bool		 reversible;
	const char	*comp_action;	/* NULL: no compensation */
	const char	*comp_params;	/* JSON text */
	const char	*note;		/* compensation_note or irreversible_reason */
	const char	*done_type;
	const char	*done_fmt;	/* %s = target text */
	const char	*capture;	/* JSON array text of pointers, "" = none */
	const char	*values;	/* JSON array text of derived values, "" = none */
	const char	*desc_fmt;	/* %s = target text */
	int		 timeout;
};

static const struct plan_action actions[] = {
	{ "cordon", true, true, "uncordon",
	  "{\"unschedulable\":{\"$capture\":\"/spec/unschedulable\"}}",
	  "restores spec.unschedulable to the recorded value (a node that was already "
	  "cordoned stays cordoned)",
	  "node_unschedulable", "%s has spec.unschedulable=true",
	  "[\"/spec/unschedulable\"]", "",
	  "Cordon %s so nothing new is scheduled there", 60 },
	{ "uncordon", true, true, "cordon",
	  "{\"unschedulable\":{\"$capture\":\"/spec/unschedulable\"}}",
	  "restores spec.unschedulable to the recorded value",
	  "node_schedulable", "%s has spec.unschedulable unset or false",
	  "[\"/spec/unschedulable\"]", "",
	  "Uncordon %s once it is healthy again", 60 },
	{ "drain", true, true, "uncordon",
	  "{\"unschedulable\":{\"$capture\":\"/spec/unschedulable\"}}",
	  "evicted pods are not restored: their controllers already recreated them on "
	  "other nodes; rollback makes the node schedulable again as recorded",
	  "node_drained", "no evictable pods remain on %s (DaemonSet and mirror pods "
	  "excepted)",
	  "[\"/spec/unschedulable\"]", "[\"pods_on_node\"]",
	  "Drain %s through the Eviction API, honouring PodDisruptionBudgets", 600 },
	{ "reboot_node", true, false, NULL, NULL,
	  "a reboot cannot be undone; the node comes back with the configuration it has",
	  "node_rebooted", "%s reports Ready=True with a status.nodeInfo.bootID different "
	  "from the recorded one",
	  "[\"/status/nodeInfo/bootID\"]", "",
	  "Reboot %s", 900 },
	{ "replace_machine", true, false, NULL, NULL,
	  "deleting a Machine destroys its instance; the MachineSet creates a new one and "
	  "the old machine cannot be brought back",
	  "machine_replaced", "%s is gone and its MachineSet has a replacement Machine "
	  "Running whose Node is Ready",
	  "[\"\"]", "",
	  "Replace %s (delete it; its MachineSet provisions a new one)", 1800 },
	{ "scale_machineset", true, true, "scale_machineset",
	  "{\"replicas\":{\"$capture\":\"/spec/replicas\"}}",
	  "scaling back deletes a Machine (the MachineSet picks which unless one is "
	  "annotated machine.openshift.io/delete-machine)",
	  "machineset_ready", "%s has status.readyReplicas == spec.replicas and the new "
	  "nodes are Ready",
	  "[\"/spec/replicas\"]", "",
	  "Scale %s to add capacity", 1200 },
	{ "pause_mcp", true, true, "unpause_mcp",
	  "{\"paused\":{\"$capture\":\"/spec/paused\"}}",
	  "restores spec.paused to the recorded value",
	  "mcp_paused", "%s has spec.paused=true",
	  "[\"/spec/paused\"]", "",
	  "Pause %s so the MCO rolls no further node", 60 },
	{ "unpause_mcp", true, true, "pause_mcp",
	  "{\"paused\":{\"$capture\":\"/spec/paused\"}}",
	  "restores spec.paused to the recorded value",
	  "mcp_unpaused", "%s has spec.paused=false",
	  "[\"/spec/paused\"]", "",
	  "Unpause %s so the MCO rolls the corrected configuration out", 60 },
	{ "rollback_machineconfig", true, true, "restore_machineconfig",
	  "{\"object\":{\"$capture\":\"\"}}",
	  "recreates the recorded MachineConfig; the MCO then rolls it out again (another "
	  "rolling reboot of the pool)",
	  "machineconfig_rolled_back", "%s is removed and the pool's spec.configuration "
	  "no longer lists it",
	  "[\"\"]", "",
	  "Roll back %s (remove it so the MCO re-renders the previous configuration)",
	  120 },
	{ "wait_mco_rollout", false, true, NULL, NULL, NULL,
	  "mco_rollout_complete", "%s: Updated=True, Updating=False, Degraded=False, "
	  "updated == ready == machineCount, status.configuration == spec.configuration",
	  "", "",
	  "Wait for the MCO to finish rolling out %s", 1800 },
	{ "wait_cluster_operator", false, true, NULL, NULL, NULL,
	  "cluster_operator_ready", "%s: Available=True, Progressing=False, "
	  "Degraded=False",
	  "", "",
	  "Wait for %s to become Available and not Degraded", 600 },
	{ "wait_node_healthy", false, true, NULL, NULL, NULL,
	  "node_healthy", "%s: Ready=True and no MemoryPressure, DiskPressure or "
	  "PIDPressure",
	  "", "",
	  "Wait until %s is Ready and free of pressure", 600 },
	{ "wait_workload", false, true, NULL, NULL, NULL,
	  "workload_available", "%s: available replicas == desired, rollout complete",
	  "", "",
	  "Leave %s to its operator and verify it becomes available", 600 },
	{ "restart_deployment", true, true, "restore_template_annotation",
	  "{\"annotation\":\"kubectl.kubernetes.io/restartedAt\",\"value\":{\"$capture\":"
	  "\"/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt\"}}",
	  "restores the pod template's restartedAt annotation (absent if it was absent), "
	  "which rolls back to the recorded template",
	  "rollout_complete", "%s: observedGeneration >= generation, updated == available "
	  "== replicas, Progressing reason NewReplicaSetAvailable",
	  "[\"/spec/template/metadata/annotations\"]", "",
	  "Restart %s (rollout restart)", 660 },
	{ "rollout_undo", true, true, "restore_template",
	  "{\"template\":{\"$capture\":\"/spec/template\"}}",
	  "restores the recorded pod template (a new rollout of the template that was "
	  "running before)",
	  "rollout_complete", "%s: observedGeneration >= generation, updated == available "
	  "== replicas, Progressing reason NewReplicaSetAvailable",
	  "[\"/spec/template\",\"/metadata/annotations\"]", "",
	  "Roll back %s to its previous revision (rollout undo)", 660 },
	{ "scale_deployment", true, true, "scale_deployment",
	  "{\"replicas\":{\"$capture\":\"/spec/replicas\"}}",
	  "restores the recorded replica count",
	  "replicas_ready", "%s: readyReplicas == spec.replicas",
	  "[\"/spec/replicas\"]", "",
	  "Scale %s", 300 },
	{ "set_memory_limit", true, true, "restore_template",
	  "{\"template\":{\"$capture\":\"/spec/template\"}}",
	  "restores the recorded pod template (the previous limit)",
	  "rollout_complete", "%s: rollout complete with the new limit and no new "
	  "OOMKilled restarts",
	  "[\"/spec/template\"]", "",
	  "Raise the memory limit of %s", 660 },
	{ "argocd_sync", true, true, "argocd_rollback",
	  "{\"id\":{\"$capture\":\"last_history_id\"},\"sync_policy\":{\"$capture\":"
	  "\"/spec/syncPolicy\"}}",
	  "Argo CD rollback to the history id recorded before the sync, then the recorded "
	  "sync policy restored",
	  "argocd_synced_healthy", "%s: operation finished with phase Succeeded, sync "
	  "Synced, health Healthy",
	  "[\"/spec/syncPolicy\",\"/status/sync/revision\"]", "[\"last_history_id\"]",
	  "Sync %s through Argo CD", 600 },
	{ "argocd_rollback", true, true, "argocd_rollback",
	  "{\"id\":{\"$capture\":\"last_history_id\"},\"sync_policy\":{\"$capture\":"
	  "\"/spec/syncPolicy\"}}",
	  "Argo CD rollback to the history id recorded before, then the recorded sync "
	  "policy (automated sync) restored",
	  "argocd_synced_healthy", "%s: operation finished with phase Succeeded, health "
	  "Healthy, deployed history id == the requested one",
	  "[\"/spec/syncPolicy\",\"/status/sync/revision\"]", "[\"last_history_id\"]",
	  "Roll %s back to its previous Argo CD history entry", 600 },
};

static const struct plan_action *
action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

bool
plan_action_known(const char *action)
{
	return action_find(action) != NULL;
}

static void
target_text(char *buf, size_t n, const char *kind, const char *ns, const char *name)
{
	if (ns && *ns)
		snprintf(buf, n, "%s %s/%s", kind, ns, name);
	else
		snprintf(buf, n, "%s %s", kind, name);
}

static json_t *
load(const char *text)
{
	return json_loads(text, 0, NULL);
}

json_t *
plan_step_new(const struct plan_ctx *c, const char *action, const char *kind,
    const char *ns, const char *name, json_t *params)
{
	const struct plan_action *a = action_find(action);
	char tgt[600], buf[1400];
	json_t *s = NULL, *comp = json_null(), *cap = NULL, *o;

	if (a == NULL || (s = json_object()) == NULL)
		goto fail;
	if (params == NULL)
		params = json_object();
	target_text(tgt, sizeof(tgt), kind, ns, name);
	if (a->comp_action) {
		comp = json_pack("{s:s, s:o?}", "action", a->comp_action, "params",
		    load(a->comp_params));
		if (comp == NULL)
			goto fail;
	}
	if (a->capture[0]) {
		cap = json_pack("[{s:s, s:s?, s:s, s:o}]", "kind", kind, "namespace",
		    ns && *ns ? ns : NULL, "name", name, "fields", load(a->capture));
		if (cap == NULL)
			goto fail;
		if (a->values[0] && json_object_set_new(json_array_get(cap, 0), "values",
		    load(a->values)) < 0)
			goto fail;
	} else if ((cap = json_array()) == NULL)
		goto fail;
	snprintf(buf, sizeof(buf), a->desc_fmt, tgt);
	if (json_object_set_new(s, "action", json_string(a->name)) < 0 ||
	    json_object_set_new(s, "target", json_pack("{s:s, s:s?, s:s}", "kind", kind,
	    "namespace", ns && *ns ? ns : NULL, "name", name)) < 0 ||
	    json_object_set(s, "params", params) < 0 ||
	    json_object_set_new(s, "description", json_string(buf)) < 0 ||
	    json_object_set_new(s, "mutating", json_boolean(a->mutating)) < 0 ||
	    json_object_set_new(s, "reversible", json_boolean(a->reversible)) < 0 ||
	    json_object_set(s, "compensation", comp) < 0 ||
	    json_object_set_new(s, "timeout_seconds",
	    json_integer(plan_timeout(c, a->name, a->timeout))) < 0 ||
	    json_object_set(s, "before_state_capture", cap) < 0)
		goto fail;
	if (!json_is_string(json_object_get(json_object_get(s, "target"), "kind")))
		goto fail;
	if (a->note) {
		const char *key = a->reversible ? "compensation_note" : "irreversible_reason";

		if (json_object_set_new(s, key, json_string(a->note)) < 0)
			goto fail;
	} else if (!a->mutating && json_object_set_new(s, "compensation_note",
	    json_string("changes nothing; nothing to undo")) < 0)
		goto fail;
	snprintf(buf, sizeof(buf), a->done_fmt, tgt);
	o = json_pack("{s:s, s:s}", "type", a->done_type, "description", buf);
	if (o == NULL || json_object_set_new(s, "done_condition", o) < 0)
		goto fail;
	json_decref(params);
	json_decref(comp);
	json_decref(cap);
	return s;
fail:
	json_decref(params);
	json_decref(comp);
	json_decref(cap);
	json_decref(s);
	return NULL;
}

int
plan_step_add(struct plan_ctx *c, enum plan_layer layer, json_t *step, bool required,
    json_t *addresses)
{
	if (step == NULL) {
		json_decref(addresses);
		return -ENOMEM;
	}
	if (json_object_set_new(step, "layer", json_string(plan_layer_names[layer])) < 0 ||
	    json_object_set_new(step, "required", json_boolean(required)) < 0 ||
	    json_object_set_new(step, "addresses", addresses ? addresses :
	    json_array()) < 0 ||
	    json_array_append_new(c->steps[layer], step) < 0)
		return -ENOMEM;
	c->layer_on[layer] = true;
	return 0;
}
