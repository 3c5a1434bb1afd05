#ifndef STRATA_COORD_PLAN_H
#define STRATA_COORD_PLAN_H

/*
 * coord_plan: the planning engine behind plan_remediation (issue #5).
 *
 * Pure logic: no I/O, no clock, no cluster calls.  The MCP layer gathers the detect_layers
 * result and a "plan context" of live objects, hands both here, and gets a plan back.
 * (This header will be folded into coord.h later.)
 *
 * ------------------------------------------------------------------------------------
 * Input 1 — `detection`: the detect_layers structured result (include/strata/coord.h).
 * Read: issue_id?, affected_layers, root_cause_layer, findings[{id, layer, symptom,
 * resource{kind,namespace,name}, detail, role?}], causal_links[{cause, effect, reason}],
 * impacted_resources{layer:[{kind,namespace,name,status,deployment_method}]}, and when
 * present root_causes[{finding, layer, kind, namespace, name, symptom}] and
 * remediation_hints[{finding, layer, family, targets[{kind,namespace,name,role}],
 * deployment_method, params{}}].  Without root_causes, findings whose role is
 * "root_cause" are used; without roles, findings of root_cause_layer that are no effect
 * of any causal link.
 *
 * ------------------------------------------------------------------------------------
 * Input 2 — `live`: the plan context, Kubernetes objects exactly as the API returns them
 * (the same JSON `kubectl get -o json` prints), grouped by kind under these keys; every
 * key is optional and an absent key means "not known" (preflight says so instead of
 * guessing):
 *
 *   "nodes":               [Node]   spec.unschedulable, spec.taints, metadata.labels
 *                                   (node-role.kubernetes.io/<role>), status.allocatable,
 *                                   status.capacity, status.conditions, annotations
 *                                   (machine.openshift.io/machine, MCO state)
 *   "pods":                [Pod]    at least every pod on every node a step touches:
 *                                   metadata.ownerReferences, annotations
 *                                   (kubernetes.io/config.mirror), labels, spec.nodeName,
 *                                   spec.containers[].resources.requests, spec.volumes
 *                                   (emptyDir), spec.nodeSelector, spec.tolerations,
 *                                   status.phase
 *   "poddisruptionbudgets":[PodDisruptionBudget] spec.selector, status.disruptionsAllowed,
 *                                   status.currentHealthy, status.desiredHealthy
 *   "clusterversions":     [ClusterVersion]  status.conditions (Progressing)
 *   "machineconfigpools":  [MachineConfigPool] spec.paused, spec.maxUnavailable,
 *                                   spec.nodeSelector, spec/status.configuration,
 *                                   status.machineCount
 *   "machineconfigs":      [MachineConfig]   metadata (labels role, creationTimestamp)
 *   "machines":            [Machine]         status.phase, status.nodeRef
 *   "machinesets":         [MachineSet]      spec.replicas, labels
 *   "clusteroperators":    [ClusterOperator]
 *   "applications":        [Application]     spec.syncPolicy.automated, status.history,
 *                                   status.sync, status.health
 *   "deployments":         [Deployment]      spec.replicas, spec.template,
 *                                   spec.progressDeadlineSeconds, annotations (revision)
 *   "replicasets":         [ReplicaSet]      ownerReferences, revision annotation
 *
 * A Kubernetes List ({"items":[...]} with a kind on each item, i.e. a scenario file) is
 * accepted too and grouped by kind.
 *
 * ------------------------------------------------------------------------------------
 * Input 3 — `options` (may be NULL; unknown keys are refused with -EINVAL):
 *
 *   allow_risk               bool    false  accept a plan whose preflight predicts an
 *                                           outage or a blocked drain (PDB, capacity,
 *                                           unmanaged pods)
 *   max_unavailable_nodes    int>=1  1      nodes unschedulable at once (already
 *                                           cordoned/NotReady ones count)
 *   max_unhealthy_node_ratio number  0.3    storm protection: no infrastructure action
 *                                    (0..1] when more than this share of nodes is not Ready
 *   protected_namespaces     [string] ["kube-system","openshift-*"]  no application-level
 *                                           mutation there; a trailing * is a prefix match
 *   node_remediation         "auto"|"drain"|"reboot"|"replace"  "auto"  what to do with a
 *                                           broken node (auto: pressure → drain; NotReady →
 *                                           reboot; Machine Failed → replace)
 *   symptom_restarts         bool    true   optional restarts of Helm/manual workloads
 *                                           still crash-looping after the lower layers
 *                                           are fixed
 *   delete_emptydir_data     bool    false  drain may delete emptyDir data
 *   force_unmanaged          bool    false  drain may delete pods without a controller
 *   delete_unready_pods      bool    false  when a PDB allows no disruption and every pod
 *                                           it blocks on the node is not Ready (serves
 *                                           nothing), the drain deletes those pods instead
 *                                           of evicting them (drain param
 *                                           delete_unready_pods: true)
 *   poll_seconds             int>=1  10     poll interval of every check
 *   mco_seconds_per_node     int>=1  600    MCO drain+reboot time per node (derives the
 *                                           MCO rollout and mco_stable timeouts)
 *   timeouts                 object  {}     per action or check type overrides, in
 *                                           seconds: {"drain":900, "mco_stable":3600}
 *
 * ------------------------------------------------------------------------------------
 * Output — the plan (new reference), the plan_remediation contract plus fields:
 *
 *   plan_id        "plan-<16 hex>", random (OpenSSL RAND_bytes)
 *   issue_id       copied from the detection (null if absent)
 *   hash           hex SHA-256 of the canonical semantic content (see coord_plan_hash)
 *   layers         the layers the plan covers, infrastructure → platform → application
 *   steps[]        {index (1-based), layer, action, target{kind,namespace,name}, params,
 *                   description, required, reversible, mutating, compensation
 *                   ({action, params} or null), irreversible_reason (when not
 *                   reversible), compensation_note?, timeout_seconds, done_condition
 *                   {type, description}, before_state_capture[{kind,namespace,name,
 *                   fields[]}], addresses (finding ids)}
 *   checkpoints[]  {layer, after_step (index of the last step before it; 0 = before any
 *                   step), checks[{type, target?{kind,namespace,name}, timeout_seconds,
 *                   poll_seconds, description}]}
 *   preflight      {feasible, drains[{node, evict[], skipped[], flagged[], pdbs[],
 *                   capacity{}}], cluster{nodes, unhealthy_nodes, upgrading}, notes[]}
 *   risks[]        {severity "info"|"warning"|"outage", code, message, step?}
 *   policy         {settings{}, applied[{rule, detail}], refused[{rule, step?, target?,
 *                   reason}], skipped[{rule, step_action, target, reason}]}
 *   unaddressed[]  {finding, reason}  root causes no automated step can fix
 *   diagram        Mermaid "flowchart TD" of layers (subgraphs), steps and checkpoints
 *   refused        bool; refusal_reasons[] (strings a human can act on)
 *
 * A refused plan keeps its steps (so the user sees what would have been done) and its
 * hash; the executor must not run it.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * Builds a plan.  `detection`, `live` and `options` are borrowed (live and options may be
 * NULL).  Returns a new reference, or NULL with a message in err: -EINVAL cases (bad
 * detection shape, an unknown or ill-typed option) and ENOMEM.  A refused plan is a
 * successful return with "refused": true.
 */
json_t	*coord_plan_build(const json_t *detection, const json_t *live,
	    const json_t *options, char *err, size_t errlen);

/*
 * The canonical hash of a plan: SHA-256 over json_dumps(JSON_SORT_KEYS|JSON_COMPACT) of
 * {issue_id, layers, steps, checkpoints, refused}; plan_id, hash, preflight, risks,
 * policy, diagram and any timestamps are excluded.  Writes 64 hex digits + NUL into out.
 * Returns 0, or -EINVAL / -ENOMEM with a message.
 */
int	coord_plan_hash(const json_t *plan, char out[65], char *err, size_t errlen);

/*
 * Recomputes the hash and compares it with plan["hash"].  Returns 0 when they match,
 * -EBADMSG (with a message) when the plan was modified or carries no hash, other
 * negative errno on failure.
 */
int	coord_plan_verify_hash(const json_t *plan, char *err, size_t errlen);

#endif
