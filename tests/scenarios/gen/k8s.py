"""Builders for realistic Kubernetes/OpenShift objects, as `kubectl get -o json` prints them.

Used by make_scenarios.py to write the labelled corpus in tests/scenarios/ (the JSON files
are the product; this only keeps them consistent).  Timestamps are relative to T0.
"""
import hashlib
import json
import datetime

T0 = datetime.datetime(2026, 3, 14, 9, 30, 0, tzinfo=datetime.timezone.utc)


def ts(minutes_ago=0, seconds_ago=0):
    t = T0 - datetime.timedelta(minutes=minutes_ago, seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts):
    h = hashlib.sha1("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def h10(*parts):
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:10]


def meta(kind, name, ns=None, labels=None, annotations=None, owners=None, created=600):
    m = {"name": name, "uid": uid(kind, ns or "", name), "resourceVersion": str(10000 + len(name) * 37),
         "creationTimestamp": ts(created)}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    if owners:
        m["ownerReferences"] = owners
    return m


def owner_ref(kind, name, api="apps/v1", ns=""):
    return {"apiVersion": api, "kind": kind, "name": name, "uid": uid(kind, ns, name),
            "controller": True, "blockOwnerDeletion": True}


def cond(type_, status, reason="", message="", ago=30):
    c = {"type": type_, "status": status, "lastTransitionTime": ts(ago)}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


# ---- nodes -------------------------------------------------------------------------------

def node(name, role="worker", ready=True, mem=False, disk=False, pid=False, netunavail=False,
         unknown=False, taints=None, unschedulable=False, current="rendered-worker-0a1b2c",
         desired=None, state="Done", reason="", machine=None, cpu="7500m", memory="31Gi",
         ready_msg=None, net_msg="", mem_msg=None):
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node.kubernetes.io/instance-type": "m6i.2xlarge",
              "topology.kubernetes.io/zone": "us-east-1a", f"node-role.kubernetes.io/{role}": ""}
    if role == "master":
        labels["node-role.kubernetes.io/control-plane"] = ""
        current = current.replace("worker", "master")
    ann = {"machineconfiguration.openshift.io/currentConfig": current,
           "machineconfiguration.openshift.io/desiredConfig": desired or current,
           "machineconfiguration.openshift.io/state": state,
           "machineconfiguration.openshift.io/reason": reason,
           "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
    if machine:
        ann["machine.openshift.io/machine"] = f"openshift-machine-api/{machine}"
    hb = 1 if not unknown else 9
    conds = [
        cond("MemoryPressure", "Unknown" if unknown else ("True" if mem else "False"),
             "KubeletHasInsufficientMemory" if mem else ("NodeStatusUnknown" if unknown else "KubeletHasSufficientMemory"),
             (mem_msg or "kubelet has insufficient memory available") if mem else
             ("Kubelet stopped posting node status." if unknown else "kubelet has sufficient memory available"), 12),
        cond("DiskPressure", "Unknown" if unknown else ("True" if disk else "False"),
             "KubeletHasDiskPressure" if disk else ("NodeStatusUnknown" if unknown else "KubeletHasNoDiskPressure"),
             "kubelet has disk pressure" if disk else ("Kubelet stopped posting node status." if unknown else "kubelet has no disk pressure"), 20),
        cond("PIDPressure", "Unknown" if unknown else ("True" if pid else "False"),
             "KubeletHasInsufficientPID" if pid else ("NodeStatusUnknown" if unknown else "KubeletHasSufficientPID"),
             "kubelet has insufficient PID available" if pid else ("Kubelet stopped posting node status." if unknown else "kubelet has sufficient PID available"), 300),
        cond("Ready", "Unknown" if unknown else ("True" if ready else "False"),
             "NodeStatusUnknown" if unknown else ("KubeletReady" if ready else "KubeletNotReady"),
             ready_msg or ("Kubelet stopped posting node status." if unknown else
                           ("kubelet is posting ready status" if ready else "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: no CNI configuration file in /etc/kubernetes/cni/net.d/. Has your network provider started?")), 8),
    ]
    if netunavail:
        conds.insert(0, cond("NetworkUnavailable", "True", "NoRouteCreated", net_msg or "Node network is not configured", 10))
    for c in conds:
        c["lastHeartbeatTime"] = ts(hb)
    n = {"apiVersion": "v1", "kind": "Node",
         "metadata": meta("Node", name, labels=labels, annotations=ann, created=40000),
         "spec": {"providerID": f"aws:///us-east-1a/i-0{h10(name)}"},
         "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "250", "ephemeral-storage": "125293548Ki"},
                    "allocatable": {"cpu": cpu, "memory": memory, "pods": "250", "ephemeral-storage": "114396791822"},
                    "conditions": conds,
                    "addresses": [{"type": "InternalIP", "address": f"10.0.{len(name)}.{int(h10(name)[:2], 16) % 250 + 2}"},
                                  {"type": "Hostname", "address": name}],
                    "nodeInfo": {"kubeletVersion": "v1.29.8+f10c92d", "osImage": "Red Hat Enterprise Linux CoreOS 416.94.202409040013-0",
                                 "containerRuntimeVersion": "cri-o://1.29.8-5.rhaos4.16.git7d8c5a3.el9", "architecture": "amd64"}}}
    t = list(taints or [])
    if role == "master":
        t.append({"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"})
    if unknown:
        t += [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": ts(8)},
              {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": ts(8)}]
    elif not ready:
        t.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule", "timeAdded": ts(8)})
    if mem:
        t.append({"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule", "timeAdded": ts(12)})
    if disk:
        t.append({"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule", "timeAdded": ts(20)})
    if netunavail:
        t.append({"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule", "timeAdded": ts(10)})
    if unschedulable:
        n["spec"]["unschedulable"] = True
        t.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": ts(25)})
    if t:
        n["spec"]["taints"] = t
    return n


# ---- workloads ---------------------------------------------------------------------------

def container(name, image, mem_limit=None, mem_req="256Mi", cpu_req="100m", env_from=None, probe=True):
    c = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
         "resources": {"requests": {"cpu": cpu_req, "memory": mem_req}},
         "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "FallbackToLogsOnError"}
    if mem_limit:
        c["resources"]["limits"] = {"memory": mem_limit}
    if env_from:
        c["envFrom"] = [{"configMapRef": {"name": env_from}}]
    if probe:
        c["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                               "periodSeconds": 10, "failureThreshold": 3, "timeoutSeconds": 1}
        c["ports"] = [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]
    return c


def deployment(ns, name, replicas, image, labels=None, annotations=None, revision="1", method=None,
               app=None, mem_limit=None, mem_req="256Mi", env_from=None, available=None, owner=None,
               progress_deadline=False, containers=None):
    lab = {"app": name, "app.kubernetes.io/name": name}
    ann = {"deployment.kubernetes.io/revision": revision}
    if method == "argocd":
        ann["argocd.argoproj.io/tracking-id"] = f"{app}:apps/Deployment:{ns}/{name}"
        lab["app.kubernetes.io/instance"] = app
    elif method == "helm":
        ann["meta.helm.sh/release-name"] = app
        ann["meta.helm.sh/release-namespace"] = ns
        lab["app.kubernetes.io/managed-by"] = "Helm"
        lab["app.kubernetes.io/instance"] = app
        lab["helm.sh/chart"] = f"{app}-1.4.2"
    elif method == "olm":
        lab["olm.owner"] = app
        lab["olm.owner.kind"] = "ClusterServiceVersion"
        lab["olm.owner.namespace"] = ns
        lab[f"operators.coreos.com/{app.split('.')[0]}.{ns}"] = ""
    elif method == "kubectl":
        ann["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns}})
    lab.update(labels or {})
    ann.update(annotations or {})
    avail = replicas if available is None else available
    conds = [cond("Available", "True" if avail >= replicas else "False",
                  "MinimumReplicasAvailable" if avail >= replicas else "MinimumReplicasUnavailable",
                  "Deployment has minimum availability." if avail >= replicas else "Deployment does not have minimum availability.", 15)]
    if progress_deadline:
        conds.append(cond("Progressing", "False", "ProgressDeadlineExceeded",
                          f'ReplicaSet "{name}-{h10(ns, name, revision)}" has timed out progressing.', 5))
    else:
        conds.append(cond("Progressing", "True", "NewReplicaSetAvailable",
                          f'ReplicaSet "{name}-{h10(ns, name, revision)}" has successfully progressed.', 60))
    owners = [owner] if owner else None
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta("Deployment", name, ns, lab, ann, owners, created=30000),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, **({"app.kubernetes.io/instance": app} if app and method in ("argocd", "helm") else {})}},
                                  "spec": {"containers": containers or [container(name, image, mem_limit, mem_req, env_from=env_from)]}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                     "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10},
            "status": {"observedGeneration": int(revision), "replicas": replicas, "readyReplicas": avail,
                       "availableReplicas": avail, "updatedReplicas": replicas,
                       **({"unavailableReplicas": replicas - avail} if avail < replicas else {}),
                       "conditions": conds}}


def replicaset(dep, revision, replicas, ready, image=None):
    ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
    rsname = f"{name}-{h10(ns, name, revision)}"
    lab = dict(dep["spec"]["template"]["metadata"]["labels"])
    lab["pod-template-hash"] = h10(ns, name, revision)
    ann = {"deployment.kubernetes.io/revision": revision, "deployment.kubernetes.io/desired-replicas": str(dep["spec"]["replicas"]),
           "deployment.kubernetes.io/max-replicas": str(dep["spec"]["replicas"] + 1)}
    tmpl = json.loads(json.dumps(dep["spec"]["template"]))
    if image:
        tmpl["spec"]["containers"][0]["image"] = image
    tmpl["metadata"]["labels"]["pod-template-hash"] = h10(ns, name, revision)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta("ReplicaSet", rsname, ns, lab, ann, [owner_ref("Deployment", name, ns=ns)], created=20000 - int(revision) * 100),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name, "pod-template-hash": h10(ns, name, revision)}},
                     "template": tmpl},
            "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready,
                       "fullyLabeledReplicas": replicas, "observedGeneration": 1}}


def statefulset(ns, name, replicas, image, ready, owner=None, labels=None, claim_template=None, mem_limit=None):
    lab = {"app": name}
    lab.update(labels or {})
    spec = {"replicas": replicas, "serviceName": name, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container(name, image, mem_limit, probe=False)]}},
            "podManagementPolicy": "OrderedReady", "updateStrategy": {"type": "RollingUpdate"}}
    if claim_template:
        spec["volumeClaimTemplates"] = [{"metadata": {"name": claim_template}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}, "storageClassName": "fast-ssd"}}]
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": meta("StatefulSet", name, ns, lab, None, [owner] if owner else None, created=30000),
            "spec": spec,
            "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "currentReplicas": replicas,
                       "updatedReplicas": replicas, "observedGeneration": 1}}


def daemonset(ns, name, image, nodes_n, ready_n, annotations=None):
    ann = {"deprecated.daemonset.template.generation": "3"}
    ann.update(annotations or {"include.release.openshift.io/self-managed-high-availability": "true"})
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": meta("DaemonSet", name, ns, {"app": name}, ann, None, created=40000),
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container(name, image, probe=False)]}}},
            "status": {"desiredNumberScheduled": nodes_n, "currentNumberScheduled": nodes_n, "numberReady": ready_n,
                       "numberAvailable": ready_n, "updatedNumberScheduled": nodes_n,
                       **({"numberUnavailable": nodes_n - ready_n} if ready_n < nodes_n else {})}}


_pod_seq = {}


def pod_name(owner_name, ns):
    k = (ns, owner_name)
    _pod_seq[k] = _pod_seq.get(k, 0) + 1
    return f"{owner_name}-{h10(ns, owner_name, str(_pod_seq[k]))[:5]}"


def pod(ns, owner, node, state="running", image=None, name=None, labels=None, restarts=0,
        message="", exit_code=1, mem_limit=None, owner_kind="ReplicaSet", claim=None,
        env_from=None, sched_msg="", evict_msg="", cname=None, ip=None, deleting=False):
    """state: running | crashloop | oomloop | imagepull | configerror | evicted | pending |
    unschedulable | notready | creating | unknown | failed | oom_running"""
    cname = cname or owner.rsplit("-", 1)[0] if owner_kind == "ReplicaSet" else (cname or owner)
    name = name or pod_name(owner, ns)
    lab = {"app": cname}
    if owner_kind == "ReplicaSet":
        lab["pod-template-hash"] = owner.rsplit("-", 1)[-1]
    lab.update(labels or {})
    c = container(cname, image or f"quay.io/example/{cname}:1.0", mem_limit, env_from=env_from,
                  probe=state not in ("crashloop", "oomloop"))
    spec = {"nodeName": node, "containers": [c], "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]}
    if claim:
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
        c["volumeMounts"] = [{"name": "data", "mountPath": "/var/lib/data"}]
    if node is None:
        del spec["nodeName"]
    img = c["image"]
    ip = ip or f"10.128.{int(h10(name)[:2], 16) % 8}.{int(h10(name)[2:4], 16) % 250 + 2}"
    st = {"phase": "Running", "hostIP": "10.0.1.10", "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "Burstable",
          "startTime": ts(240)}
    cs = {"name": cname, "image": img, "imageID": f"{img.split(':')[0]}@sha256:{hashlib.sha256(img.encode()).hexdigest()}",
          "containerID": f"cri-o://{hashlib.sha256(name.encode()).hexdigest()}", "restartCount": restarts, "started": True, "ready": True,
          "state": {"running": {"startedAt": ts(200)}}}
    ready, cready, sched = "True", "True", True
    if state == "crashloop" or state == "oomloop":
        term = {"exitCode": 137 if state == "oomloop" else exit_code, "reason": "OOMKilled" if state == "oomloop" else "Error",
                "startedAt": ts(3), "finishedAt": ts(2), "containerID": cs["containerID"]}
        if message:
            term["message"] = message
        cs.update(ready=False, started=False, restartCount=restarts or 7,
                  state={"waiting": {"reason": "CrashLoopBackOff", "message": f"back-off 5m0s restarting failed container={cname} pod={name}_{ns}({uid('Pod', ns, name)})"}},
                  lastState={"terminated": term})
        ready = cready = "False"
    elif state == "oom_running":
        cs.update(ready=True, restartCount=restarts or 3, lastState={"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": ts(80), "finishedAt": ts(45)}})
    elif state == "imagepull":
        cs.update(ready=False, started=False, imageID="", containerID="",
                  state={"waiting": {"reason": "ImagePullBackOff", "message": message or f'Back-off pulling image "{img}"'}})
        del cs["containerID"]
        ready = cready = "False"
    elif state == "configerror":
        cs.update(ready=False, started=False, imageID="",
                  state={"waiting": {"reason": "CreateContainerConfigError", "message": message}})
        del cs["containerID"]
        ready = cready = "False"
    elif state == "creating":
        cs.update(ready=False, started=False, imageID="", state={"waiting": {"reason": "ContainerCreating"}})
        del cs["containerID"]
        st["phase"] = "Pending"
        st.pop("podIP"); st.pop("podIPs")
        ready = cready = "False"
    elif state == "notready":
        cs.update(ready=False)
        ready = cready = "False"
    elif state == "unknown":
        ready = "False"
    if state in ("pending", "unschedulable"):
        sched = False
        st = {"phase": "Pending", "qosClass": "Burstable",
              "conditions": [cond("PodScheduled", "False", "Unschedulable", sched_msg, 6)]}
    elif state == "evicted":
        st = {"phase": "Failed", "reason": "Evicted", "message": evict_msg, "startTime": ts(300),
              "hostIP": "10.0.1.10",
              "conditions": [cond("DisruptionTarget", "True", "TerminationByKubelet", "The node was low on resource: memory.", 9)],
              "containerStatuses": [{"name": cname, "image": img, "imageID": cs["imageID"], "ready": False, "restartCount": 0, "started": False,
                                     "state": {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown", "message": "The container could not be located when the pod was terminated", "startedAt": ts(300), "finishedAt": ts(9)}}}]}
    elif state == "failed":
        st = {"phase": "Failed", "reason": "NodeShutdown", "message": message, "startTime": ts(300)}
    else:
        st["conditions"] = [cond("PodReadyToStartContainers", "True", ago=230), cond("Initialized", "True", ago=235),
                            cond("Ready", ready, "" if ready == "True" else ("ContainersNotReady" if state != "unknown" else "NodeNotReady"),
                                 "" if ready == "True" else (f"containers with unready status: [{cname}]" if state != "unknown" else ""), 7),
                            cond("ContainersReady", cready, "" if cready == "True" else "ContainersNotReady",
                                 "" if cready == "True" else f"containers with unready status: [{cname}]", 7),
                            cond("PodScheduled", "True", ago=240)]
        st["containerStatuses"] = [cs]
    ref = owner_ref(owner_kind, owner, ns=ns)
    m = meta("Pod", name, ns, lab, {"openshift.io/scc": "restricted-v2", "k8s.ovn.org/pod-networks": json.dumps({"default": {"ip_addresses": [f"{ip}/23"]}})},
             [ref], created=250)
    if deleting:
        m["deletionTimestamp"] = ts(3)
        m["deletionGracePeriodSeconds"] = 30
    return {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": st}


def event(ns, kind, name, reason, message, etype="Warning", count=1, ago=2, component="kubelet", host=None):
    n = f"{name}.{h10(ns, name, reason)[:8]}"
    e = {"apiVersion": "v1", "kind": "Event",
         "metadata": meta("Event", n, ns, created=ago + 5),
         "involvedObject": {"kind": kind, "namespace": ns, "name": name, "uid": uid(kind, ns, name),
                            "apiVersion": "v1" if kind in ("Pod", "Node", "PersistentVolumeClaim", "Service") else "apps/v1"},
         "reason": reason, "message": message, "type": etype, "count": count,
         "firstTimestamp": ts(ago + 10), "lastTimestamp": ts(ago),
         "source": {"component": component, **({"host": host} if host else {})},
         "reportingComponent": component, "reportingInstance": host or ""}
    if kind == "Node":
        e["involvedObject"].pop("namespace")
    return e


def service(ns, name, selector, port=8080):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": meta("Service", name, ns, {"app": name}),
            "spec": {"type": "ClusterIP", "selector": selector, "clusterIP": f"172.30.{len(name)}.{len(ns) + 10}",
                     "ports": [{"name": "http", "port": 80, "targetPort": port, "protocol": "TCP"}]},
            "status": {"loadBalancer": {}}}


def endpoints(ns, name, ready_pods, notready_pods):
    subset = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    if ready_pods:
        subset["addresses"] = [{"ip": p["status"].get("podIP", "10.128.0.9"), "nodeName": p["spec"].get("nodeName"),
                                "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}} for p in ready_pods]
    if notready_pods:
        subset["notReadyAddresses"] = [{"ip": p["status"].get("podIP", "10.128.0.9"), "nodeName": p["spec"].get("nodeName"),
                                        "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}} for p in notready_pods]
    e = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("Endpoints", name, ns, {"app": name})}
    if ready_pods or notready_pods:
        e["subsets"] = [subset]
    return e


def pvc(ns, name, phase="Bound", sclass="gp3-csi", volume=None):
    p = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": meta("PersistentVolumeClaim", name, ns, {"app": name.split("-")[1] if "-" in name else name},
                          {"volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"} if phase == "Bound" else None),
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                  "storageClassName": sclass, "volumeMode": "Filesystem"},
         "status": {"phase": phase}}
    if phase == "Bound":
        p["spec"]["volumeName"] = volume or f"pvc-{uid('pv', ns, name)}"
        p["status"].update(accessModes=["ReadWriteOnce"], capacity={"storage": "20Gi"})
    return p


# ---- OpenShift -----------------------------------------------------------------------------

def mcp(name, spec_cfg, status_cfg, machines, updated, degraded=0, updating=False, degraded_msg="",
        spec_sources=None, status_sources=None, paused=False):
    role = name
    done = spec_cfg == status_cfg and updated == machines and degraded == 0
    conds = [cond("RenderDegraded", "False", ago=3000),
             cond("NodeDegraded", "True" if degraded else "False", "1 nodes are reporting degraded status on sync" if degraded else "", degraded_msg if degraded else "", 6),
             cond("Degraded", "True" if degraded else "False", "", degraded_msg if degraded else "", 6),
             cond("Updated", "True" if done else "False", ago=3000 if done else 40,
                  message=f"All nodes are updated with MachineConfig {spec_cfg}" if done else ""),
             cond("Updating", "True" if (updating or not done) else "False", ago=40,
                  message=f"All nodes are updating to MachineConfig {spec_cfg}" if not done else "")]
    src = lambda names: [{"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "name": n} for n in names]
    base = [f"00-{role}", f"01-{role}-container-runtime", f"01-{role}-kubelet", f"97-{role}-generated-kubelet",
            f"99-{role}-generated-registries", f"99-{role}-ssh"]
    return {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfigPool",
            "metadata": meta("MachineConfigPool", name, labels={f"pools.operator.machineconfiguration.openshift.io/{role}": ""}, created=40000),
            "spec": {"configuration": {"name": spec_cfg, "source": src(spec_sources or base)},
                     "machineConfigSelector": {"matchLabels": {"machineconfiguration.openshift.io/role": role}},
                     "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{role}": ""}},
                     "paused": paused, "maxUnavailable": 1},
            "status": {"configuration": {"name": status_cfg, "source": src(status_sources or base)},
                       "machineCount": machines, "readyMachineCount": machines - degraded - (0 if done else 1) if not done else machines,
                       "updatedMachineCount": updated, "unavailableMachineCount": 0 if done else 1,
                       "degradedMachineCount": degraded, "observedGeneration": 4, "conditions": conds}}


def machineconfig(name, role="worker", created=60, files=None, kargs=None):
    spec = {"config": {"ignition": {"version": "3.2.0"}}}
    if files:
        spec["config"]["storage"] = {"files": files}
    if kargs:
        spec["kernelArguments"] = kargs
    return {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
            "metadata": meta("MachineConfig", name, labels={"machineconfiguration.openshift.io/role": role}, created=created),
            "spec": spec}


def clusteroperator(name, available=True, degraded=False, progressing=False, msg="", related_ns=None):
    version = "4.16.14"
    c = {"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator",
         "metadata": meta("ClusterOperator", name, annotations={"include.release.openshift.io/self-managed-high-availability": "true"}, created=40000),
         "spec": {},
         "status": {"conditions": [
             cond("Available", "True" if available else "False", "AsExpected" if available else "Unavailable", "" if available else msg, 20 if not available else 3000),
             cond("Progressing", "True" if progressing else "False", "Progressing" if progressing else "AsExpected", msg if progressing else "", 15),
             cond("Degraded", "True" if degraded else "False", "Degraded" if degraded else "AsExpected", msg if degraded else "", 14 if degraded else 3000),
             cond("Upgradeable", "True", "AsExpected", ago=3000)],
             "versions": [{"name": "operator", "version": version}],
             "relatedObjects": [{"group": "", "resource": "namespaces", "name": n} for n in (related_ns or [])]}}
    return c


def clusterversion(progressing=False, failing=False, msg=""):
    return {"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
            "metadata": meta("ClusterVersion", "version", created=40000),
            "spec": {"channel": "stable-4.16", "clusterID": uid("cluster")},
            "status": {"desired": {"version": "4.16.14", "image": "quay.io/openshift-release-dev/ocp-release@sha256:" + "a" * 64},
                       "history": [{"state": "Completed", "version": "4.16.14", "startedTime": ts(20000), "completionTime": ts(19000), "verified": True}],
                       "conditions": [cond("Available", "True", ago=19000, message="Done applying 4.16.14"),
                                      cond("Failing", "True" if failing else "False", ago=19000, message=msg if failing else ""),
                                      cond("Progressing", "True" if progressing else "False", ago=19000,
                                           message=msg if progressing else "Cluster version is 4.16.14"),
                                      cond("RetrievedUpdates", "True", ago=100)]}}


def argo_app(name, dest_ns, health="Healthy", sync="Synced", msg="", resources=None, automated=True):
    a = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
         "metadata": meta("Application", name, "openshift-gitops", created=30000),
         "spec": {"project": "default", "destination": {"server": "https://kubernetes.default.svc", "namespace": dest_ns},
                  "source": {"repoURL": f"https://git.example.com/platform/{name}.git", "path": "deploy/overlays/prod", "targetRevision": "main"}},
         "status": {"sync": {"status": sync, "revision": h10(name) + "0" * 30},
                    "health": {"status": health, **({"message": msg} if msg else {})},
                    "history": [{"id": 11, "revision": h10(name, "old") + "0" * 30, "deployedAt": ts(3000)},
                                {"id": 12, "revision": h10(name) + "0" * 30, "deployedAt": ts(600)}],
                    "resources": resources or [],
                    "reconciledAt": ts(1)}}
    if automated:
        a["spec"]["syncPolicy"] = {"automated": {"prune": True, "selfHeal": True}}
    return a


def machine(name, node_name, phase="Running", error=""):
    m = {"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
         "metadata": meta("Machine", name, "openshift-machine-api",
                          {"machine.openshift.io/cluster-api-machine-role": "worker", "machine.openshift.io/cluster-api-machineset": "ocp-prod-7xk2p-worker-us-east-1a"},
                          owners=[owner_ref("MachineSet", "ocp-prod-7xk2p-worker-us-east-1a", "machine.openshift.io/v1beta1", "openshift-machine-api")], created=40000),
         "spec": {"providerID": f"aws:///us-east-1a/i-0{h10(node_name)}"},
         "status": {"phase": phase, "nodeRef": {"kind": "Node", "name": node_name}}}
    if error:
        m["status"]["errorMessage"] = error
        m["status"]["errorReason"] = "InvalidConfiguration"
    return m


def machineset(name, replicas, ready):
    return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineSet",
            "metadata": meta("MachineSet", name, "openshift-machine-api", {"machine.openshift.io/cluster-api-cluster": "ocp-prod-7xk2p"}, created=40000),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"machine.openshift.io/cluster-api-machineset": name}},
                     "template": {"metadata": {"labels": {"machine.openshift.io/cluster-api-machine-role": "worker", "machine.openshift.io/cluster-api-machineset": name}}}},
            "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "fullyLabeledReplicas": replicas}}


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("Namespace", name, labels={"kubernetes.io/metadata.name": name}, created=40000),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def pdb(ns, name, app, min_available, healthy, expected):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": meta("PodDisruptionBudget", name, ns),
            "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": app}}},
            "status": {"currentHealthy": healthy, "desiredHealthy": min_available, "disruptionsAllowed": max(0, healthy - min_available),
                       "expectedPods": expected, "observedGeneration": 1}}


def as_list(items):
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
