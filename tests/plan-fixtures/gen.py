#!/usr/bin/env python3
"""Generates the planner's fixture clusters (Kubernetes Lists, strata-sim style).

cluster.json      3 control-plane + 3 worker nodes, MCO pools/configs, Machines, a
                  MachineSet, ClusterVersion/Operators, and four Deployments in `shop`
                  deployed by manual, Helm, Argo CD and an operator, with ReplicaSets,
                  pods, DaemonSet and mirror pods and a PDB.
pressure.json     cluster.json with worker-1 under MemoryPressure and evicted pods.
mco.json          cluster.json where MachineConfig 99-worker-mtu broke worker networking:
                  pool degraded, worker-2 MCO Degraded and NotReady, network operator
                  Degraded, app pods crash-looping.
Run: python3 tests/plan-fixtures/gen.py  (writes next to itself; output is committed).
"""
import copy, json, os

T0 = "2026-11-30T09:00:00Z"
T1 = "2026-11-30T09:40:00Z"

def meta(name, ns=None, labels=None, ann=None, uid=None, owner=None, ts=T0):
    m = {"name": name, "uid": uid or ("uid-" + name), "creationTimestamp": ts}
    if ns: m["namespace"] = ns
    if labels: m["labels"] = labels
    if ann: m["annotations"] = ann
    if owner: m["ownerReferences"] = [owner]
    return m

def own(kind, name, api="apps/v1", uid=None):
    return {"apiVersion": api, "kind": kind, "name": name, "uid": uid or ("uid-" + name),
            "controller": True, "blockOwnerDeletion": True}

def cond(t, s, reason="", msg=""):
    return {"type": t, "status": s, "reason": reason, "message": msg,
            "lastTransitionTime": T0}

def node(name, role):
    labels = {"kubernetes.io/hostname": name, "node-role.kubernetes.io/" + role: ""}
    if role == "master":
        labels["node-role.kubernetes.io/control-plane"] = ""
    taints = [{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}] if role == "master" else []
    pool = "master" if role == "master" else "worker"
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": meta(name, labels=labels, ann={
                "machine.openshift.io/machine": "openshift-machine-api/" + name + "-m",
                "machineconfiguration.openshift.io/currentConfig": "rendered-%s-aaa" % pool,
                "machineconfiguration.openshift.io/desiredConfig": "rendered-%s-aaa" % pool,
                "machineconfiguration.openshift.io/state": "Done"}),
            "spec": {"taints": taints} if taints else {},
            "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                       "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                       "nodeInfo": {"bootID": "boot-" + name, "kubeletVersion": "v1.30.4"},
                       "conditions": [cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                                      cond("MemoryPressure", "False"), cond("DiskPressure", "False"),
                                      cond("PIDPressure", "False")]}}

def pod(name, ns, nodename, owner=None, labels=None, cpu="500m", mem="1Gi", phase="Running",
        ann=None, volumes=None, tolerations=None, status_extra=None):
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": meta(name, ns, labels=labels, ann=ann, owner=owner),
         "spec": {"nodeName": nodename,
                  "containers": [{"name": "main", "image": "registry.example/%s:1" % ns,
                                  "resources": {"requests": {"cpu": cpu, "memory": mem},
                                                "limits": {"memory": "2Gi"}}}]},
         "status": {"phase": phase}}
    if volumes: p["spec"]["volumes"] = volumes
    if tolerations: p["spec"]["tolerations"] = tolerations
    if phase == "Running":
        p["status"]["conditions"] = [cond("Ready", "True")]
        p["status"]["containerStatuses"] = [{"name": "main", "ready": True, "restartCount": 0,
            "image": "registry.example/%s:1" % ns, "state": {"running": {"startedAt": T0}}}]
    if status_extra: p["status"].update(status_extra)
    return p

def deployment(name, ns, replicas, labels=None, ann=None, owner=None, rev=2):
    tmpl = {"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "main", "image": "registry.example/%s:%d" % (name, rev),
                     "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                   "limits": {"memory": "2Gi"}}}]}}
    a = {"deployment.kubernetes.io/revision": str(rev)}
    a.update(ann or {})
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta(name, ns, labels=labels, ann=a, owner=owner),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": tmpl, "progressDeadlineSeconds": 600},
            "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": replicas, "availableReplicas": replicas,
                       "conditions": [cond("Available", "True", "MinimumReplicasAvailable"),
                                      cond("Progressing", "True", "NewReplicaSetAvailable")]}}

def rs(dname, ns, rev, replicas):
    name = "%s-r%d" % (dname, rev)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(name, ns, labels={"app": dname, "pod-template-hash": "r%d" % rev},
                             ann={"deployment.kubernetes.io/revision": str(rev)},
                             owner=own("Deployment", dname)),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": dname}}},
            "status": {"replicas": replicas, "readyReplicas": replicas}}

def base():
    items = []
    masters = ["master-0", "master-1", "master-2"]
    workers = ["worker-0", "worker-1", "worker-2"]
    for n in masters: items.append(node(n, "master"))
    for n in workers: items.append(node(n, "worker"))
    items.append({"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
                  "metadata": meta("version"),
                  "status": {"desired": {"version": "4.16.8"},
                             "conditions": [cond("Available", "True"), cond("Progressing", "False"),
                                            cond("Failing", "False")]}})
    for co in ["network", "dns", "machine-config", "ingress"]:
        items.append({"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator",
                      "metadata": meta(co),
                      "status": {"conditions": [cond("Available", "True"), cond("Progressing", "False"),
                                                cond("Degraded", "False")]}})
    for pool in ["master", "worker"]:
        src = [{"kind": "MachineConfig", "name": "00-" + pool},
               {"kind": "MachineConfig", "name": "01-%s-kubelet" % pool}]
        items.append({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfigPool",
                      "metadata": meta(pool),
                      "spec": {"paused": False, "maxUnavailable": 1,
                               "machineConfigSelector": {"matchLabels": {"machineconfiguration.openshift.io/role": pool}},
                               "nodeSelector": {"matchLabels": {"node-role.kubernetes.io/" + pool: ""}},
                               "configuration": {"name": "rendered-%s-aaa" % pool, "source": src}},
                      "status": {"machineCount": 3, "updatedMachineCount": 3, "readyMachineCount": 3,
                                 "degradedMachineCount": 0,
                                 "configuration": {"name": "rendered-%s-aaa" % pool, "source": copy.deepcopy(src)},
                                 "conditions": [cond("Updated", "True"), cond("Updating", "False"),
                                                cond("Degraded", "False")]}})
        for mc in ["00-" + pool, "01-%s-kubelet" % pool, "rendered-%s-aaa" % pool]:
            items.append({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
                          "metadata": meta(mc, labels={"machineconfiguration.openshift.io/role": pool}),
                          "spec": {"config": {"ignition": {"version": "3.2.0"}}}})
    items.append({"apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineSet",
                  "metadata": meta("worker-a", "openshift-machine-api"),
                  "spec": {"replicas": 3,
                           "selector": {"matchLabels": {"machine.openshift.io/cluster-api-machineset": "worker-a"}},
                           "template": {"metadata": {"labels": {
                               "machine.openshift.io/cluster-api-machineset": "worker-a",
                               "machine.openshift.io/cluster-api-machine-role": "worker"}}}},
                  "status": {"replicas": 3, "readyReplicas": 3}})
    for n in masters + workers:
        labels = {"machine.openshift.io/cluster-api-machine-role": "master" if n in masters else "worker"}
        owner = None
        if n in workers:
            labels["machine.openshift.io/cluster-api-machineset"] = "worker-a"
            owner = own("MachineSet", "worker-a", api="machine.openshift.io/v1beta1")
        items.append({"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
                      "metadata": meta(n + "-m", "openshift-machine-api", labels=labels, owner=owner),
                      "status": {"phase": "Running", "nodeRef": {"kind": "Node", "name": n}}})
    # Platform pods: DNS DaemonSet everywhere, etcd mirror pods on masters.
    for n in masters + workers:
        items.append(pod("dns-default-" + n, "openshift-dns", n, owner=own("DaemonSet", "dns-default"),
                         labels={"dns.operator.openshift.io/daemonset-dns": "default"}, cpu="50m", mem="70Mi",
                         tolerations=[{"operator": "Exists"}]))
    for n in masters:
        items.append(pod("etcd-" + n, "openshift-etcd", n, ann={"kubernetes.io/config.mirror": "abc"},
                         cpu="300m", mem="600Mi", tolerations=[{"operator": "Exists"}]))
    # Applications in `shop`, one per deployment method, each 3 replicas spread over workers.
    apps = [("web", {}, {}, None),
            ("cart", {"app.kubernetes.io/managed-by": "Helm"}, {"meta.helm.sh/release-name": "cart",
                                                               "meta.helm.sh/release-namespace": "shop"}, None),
            ("catalog", {"app.kubernetes.io/instance": "catalog"},
             {"argocd.argoproj.io/tracking-id": "catalog:apps/Deployment:shop/catalog"}, None),
            ("search", {"olm.owner": "search-operator.v1"}, {},
             own("SearchCluster", "search", api="search.example.com/v1"))]
    for name, labels, ann, owner in apps:
        items.append(deployment(name, "shop", 3, labels=dict(labels, app=name), ann=ann, owner=owner))
        items.append(rs(name, "shop", 1, 0))
        items.append(rs(name, "shop", 2, 3))
        for i, w in enumerate(workers):
            items.append(pod("%s-r2-%d" % (name, i), "shop", w, owner=own("ReplicaSet", "%s-r2" % name),
                             labels={"app": name, "pod-template-hash": "r2"}))
    items.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                  "metadata": meta("web-pdb", "shop"),
                  "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
                  "status": {"observedGeneration": 1, "currentHealthy": 3, "desiredHealthy": 2,
                             "disruptionsAllowed": 1, "expectedPods": 3}})
    items.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                  "metadata": meta("catalog", "argocd"),
                  "spec": {"destination": {"namespace": "shop"},
                           "source": {"repoURL": "https://git.example/catalog", "path": "deploy"},
                           "syncPolicy": {"automated": {"selfHeal": True}}},
                  "status": {"sync": {"status": "Synced", "revision": "bbb"},
                             "health": {"status": "Healthy"},
                             "history": [{"id": 1, "revision": "aaa", "deployedAt": T0},
                                         {"id": 2, "revision": "bbb", "deployedAt": T1}],
                             "resources": [{"group": "apps", "kind": "Deployment", "namespace": "shop",
                                            "name": "catalog", "status": "Synced"}]}})
    return items

def find(items, kind, name, ns=None):
    for o in items:
        if o["kind"] == kind and o["metadata"]["name"] == name and (ns is None or o["metadata"].get("namespace") == ns):
            return o
    raise KeyError(name)

def setcond(obj, t, s, reason="", msg=""):
    for c in obj["status"]["conditions"]:
        if c["type"] == t:
            c.update(status=s, reason=reason, message=msg, lastTransitionTime=T1)

def event(name, ns, kind, obj, reason, msg, typ="Warning", count=1):
    return {"apiVersion": "v1", "kind": "Event", "metadata": meta(name, ns, ts=T1),
            "involvedObject": {"kind": kind, "namespace": ns, "name": obj},
            "reason": reason, "message": msg, "type": typ, "count": count,
            "firstTimestamp": T1, "lastTimestamp": T1}

def pressure():
    items = base()
    n = find(items, "Node", "worker-1")
    setcond(n, "MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
    n["spec"]["taints"] = [{"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}]
    msg = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. "
    for i, app in enumerate(["web", "cart"]):
        items.append(pod("%s-r2-ev%d" % (app, i), "shop", "worker-1", owner=own("ReplicaSet", "%s-r2" % app),
                         labels={"app": app}, phase="Failed",
                         status_extra={"reason": "Evicted", "message": msg}))
        items.append(event("ev%d" % i, "shop", "Pod", "%s-r2-ev%d" % (app, i), "Evicted", msg))
    items.append(event("nodemem", "default", "Node", "worker-1", "EvictionThresholdMet",
                       "Attempting to reclaim memory"))
    return items

def mco():
    items = base()
    items.append({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
                  "metadata": meta("99-worker-mtu", labels={"machineconfiguration.openshift.io/role": "worker"}, ts=T1),
                  "spec": {"config": {"ignition": {"version": "3.2.0"}}}})
    p = find(items, "MachineConfigPool", "worker")
    p["spec"]["configuration"] = {"name": "rendered-worker-bbb", "source":
        p["spec"]["configuration"]["source"] + [{"kind": "MachineConfig", "name": "99-worker-mtu"}]}
    p["status"].update(updatedMachineCount=1, readyMachineCount=2, degradedMachineCount=1)
    setcond(p, "Updated", "False")
    setcond(p, "Updating", "True")
    setcond(p, "Degraded", "True", "NodeDegraded", "Node worker-2 is reporting: networking broken after applying 99-worker-mtu")
    n = find(items, "Node", "worker-2")
    n["metadata"]["annotations"].update({
        "machineconfiguration.openshift.io/desiredConfig": "rendered-worker-bbb",
        "machineconfiguration.openshift.io/currentConfig": "rendered-worker-bbb",
        "machineconfiguration.openshift.io/state": "Degraded",
        "machineconfiguration.openshift.io/reason": "ovnkube-node not ready after MTU change"})
    setcond(n, "Ready", "False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false")
    co = find(items, "ClusterOperator", "network")
    setcond(co, "Degraded", "True", "RolloutHung", "DaemonSet openshift-ovn-kubernetes/ovnkube-node is not available (1 of 6 nodes)")
    co["status"]["relatedObjects"] = [{"group": "", "resource": "namespaces", "name": "openshift-ovn-kubernetes"}]
    for app in ["web", "cart"]:
        po = find(items, "Pod", "%s-r2-2" % app)
        po["status"]["phase"] = "Running"
        po["status"]["conditions"] = [cond("Ready", "False")]
        po["status"]["containerStatuses"][0].update(ready=False, restartCount=7, state={"waiting": {
            "reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            lastState={"terminated": {"reason": "Error", "exitCode": 1, "message": "dial tcp 172.30.0.10:5432: i/o timeout"}})
    return items

def dump(name, items):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, name), "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f, indent=1, sort_keys=True)
        f.write("\n")

dump("cluster.json", base())
dump("pressure.json", pressure())
dump("mco.json", mco())
