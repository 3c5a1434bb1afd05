#!/usr/bin/env python3
"""Writes the labelled incident corpus (tests/scenarios/NN-name.json + .expect.json) and the
demo scenarios (examples/scenarios/).  Run from the repository root:
    python3 tests/scenarios/gen/make_scenarios.py
Each scenario is a plain Kubernetes List; the expect file holds the human label."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from k8s import *  # noqa

OUT = "tests/scenarios"
EX = "examples/scenarios"
WORKERS = ["worker-0", "worker-1", "worker-2", "worker-3"]
MASTERS = ["master-0", "master-1", "master-2"]
RENDERED_OLD = "rendered-worker-0a1b2c"
RENDERED_NEW = "rendered-worker-9f8e7d"


class Cluster:
    def __init__(self, nodes=None, cos=None, worker_pool=None, platform=True, cv=None, skip_ds_on=()):
        self.items = []
        nodes = nodes or {}
        for m in MASTERS:
            self.items.append(node(m, role="master", current="rendered-master-5d6e7f"))
        for i, w in enumerate(WORKERS):
            kw = dict(machine=f"ocp-prod-7xk2p-worker-us-east-1a-{w[-1]}x{i}")
            kw.update(nodes.get(w, {}))
            self.items.append(node(w, **kw))
        self.items.append(mcp("master", "rendered-master-5d6e7f", "rendered-master-5d6e7f", 3, 3))
        self.items.append(worker_pool or mcp("worker", RENDERED_OLD, RENDERED_OLD, 4, 4))
        cos = cos or {}
        for name, ns in [("dns", ["openshift-dns-operator", "openshift-dns"]),
                         ("network", ["openshift-network-operator", "openshift-ovn-kubernetes"]),
                         ("ingress", ["openshift-ingress-operator", "openshift-ingress"]),
                         ("storage", ["openshift-cluster-storage-operator", "openshift-cluster-csi-drivers"]),
                         ("machine-config", ["openshift-machine-config-operator"]),
                         ("image-registry", ["openshift-image-registry"]),
                         ("authentication", ["openshift-authentication"]),
                         ("monitoring", ["openshift-monitoring"]),
                         ("kube-apiserver", ["openshift-kube-apiserver"])]:
            self.items.append(clusteroperator(name, related_ns=ns, **cos.get(name, {})))
        self.items.append(cv or clusterversion())
        for ns in ["default", "openshift-dns", "openshift-ovn-kubernetes", "openshift-ingress", "openshift-gitops",
                   "openshift-machine-api", "openshift-image-registry", "openshift-cluster-csi-drivers"]:
            self.items.append(namespace(ns))
        self.items.append(machineset("ocp-prod-7xk2p-worker-us-east-1a", 4, 4))
        for i, w in enumerate(WORKERS):
            self.items.append(machine(f"ocp-prod-7xk2p-worker-us-east-1a-{w[-1]}x{i}", w))
        self.platform = platform
        self.ds_state = {}
        self.skip_ds_on = skip_ds_on

    def add(self, *objs):
        self.items.extend(objs)

    def platform_pods(self, dns_state=None, ovn_state=None):
        """dns-default and ovnkube-node on every node, router on two workers."""
        dns_state = dns_state or {}
        ovn_state = ovn_state or {}
        all_nodes = MASTERS + WORKERS
        dns_ready = sum(1 for n in all_nodes if dns_state.get(n, ("running", {}))[0] == "running")
        ovn_ready = sum(1 for n in all_nodes if ovn_state.get(n, ("running", {}))[0] == "running")
        self.add(daemonset("openshift-dns", "dns-default", "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:dns", len(all_nodes), dns_ready))
        self.add(daemonset("openshift-ovn-kubernetes", "ovnkube-node", "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:ovn", len(all_nodes), ovn_ready))
        for n in all_nodes:
            st, kw = dns_state.get(n, ("running", {}))
            self.add(pod("openshift-dns", "dns-default", n, st, owner_kind="DaemonSet", cname="dns",
                         image="quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:dns", **kw))
            st, kw = ovn_state.get(n, ("running", {}))
            self.add(pod("openshift-ovn-kubernetes", "ovnkube-node", n, st, owner_kind="DaemonSet", cname="ovnkube-controller",
                         image="quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:ovn", **kw))
        router = deployment("openshift-ingress", "router-default", 2, "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:router",
                            annotations={"include.release.openshift.io/self-managed-high-availability": "true"})
        rs = replicaset(router, "1", 2, 2)
        self.add(router, rs)
        for n in ["worker-0", "worker-1"]:
            self.add(pod("openshift-ingress", rs["metadata"]["name"], n, "running",
                         image="quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:router"))

    def app(self, ns, name, placements, method=None, app=None, revision="1", image=None, mem_limit=None,
            svc=True, env_from=None, extra_rs=None, selector=None, labels=None):
        """placements: list of (node, state, kwargs); returns the pods."""
        image = image or f"image-registry.example.com/{ns}/{name}:2.3.1"
        healthy = sum(1 for p in placements if p[1] == "running")
        dep = deployment(ns, name, len(placements), image, method=method, app=app, revision=revision,
                         mem_limit=mem_limit, env_from=env_from, available=healthy, labels=labels)
        rs = replicaset(dep, revision, len(placements), healthy)
        self.add(namespace(ns)) if not any(i["kind"] == "Namespace" and i["metadata"]["name"] == ns for i in self.items) else None
        self.add(dep, rs)
        for r in extra_rs or []:
            self.add(r)
        pods = []
        for nd, st, kw in placements:
            kw = dict(kw)
            kw.setdefault("image", image)
            kw.setdefault("mem_limit", mem_limit)
            kw.setdefault("env_from", env_from)
            p = pod(ns, rs["metadata"]["name"], nd, st, labels={"app": name, **(labels or {})}, **kw)
            pods.append(p)
            self.add(p)
        if svc:
            self.add(service(ns, name, selector or {"app": name}))
            ready = [p for p in pods if p["status"].get("phase") == "Running" and
                     all(c.get("ready") for c in p["status"].get("containerStatuses", []))]
            notready = [p for p in pods if p not in ready and p["status"].get("podIP")]
            if selector and selector != {"app": name}:
                ready, notready = [], []
            self.add(endpoints(ns, name, ready, notready))
        return dep, rs, pods


def write(name, cluster, expect, example=None):
    lst = as_list(cluster.items)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(lst, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, name + ".expect.json"), "w") as f:
        json.dump(expect, f, indent=2)
        f.write("\n")
    if example:
        with open(os.path.join(EX, example + ".json"), "w") as f:
            json.dump(lst, f, indent=1)
            f.write("\n")


def exp(layers, root_layer, kind=None, name=None, symptom=None, ns=None, notes="", request=None, methods=None):
    e = {"affected_layers": layers, "root_cause_layer": root_layer,
         "root_cause": None if kind is None else {"kind": kind, **({"namespace": ns} if ns else {}), "name": name, "symptom": symptom},
         "notes": notes}
    if request:
        e["request"] = request
    if methods:
        e["deployment_methods"] = methods
    return e


EVICT_MEM = ("The node was low on resource: memory. Threshold quantity: 100Mi, available: 63412Ki. "
             "Container payments was using 1843200Ki, request is 512Mi, has larger consumption of its request. ")


def s01():
    c = Cluster(nodes={"worker-2": dict(mem=True, mem_msg="kubelet has insufficient memory available")})
    c.platform_pods()
    _, rs, pods = c.app("payments", "payments", [
        ("worker-2", "evicted", dict(evict_msg=EVICT_MEM)),
        ("worker-2", "evicted", dict(evict_msg=EVICT_MEM)),
        ("worker-2", "oomloop", dict(message="fatal error: runtime: out of memory")),
        ("worker-0", "running", {})], method="argocd", app="payments")
    c.add(argo_app("payments", "payments", "Degraded", "Synced", "Deployment \"payments\" has 1/4 available replicas",
                   [{"group": "apps", "kind": "Deployment", "namespace": "payments", "name": "payments", "status": "Synced", "health": {"status": "Degraded"}}]))
    c.add(event("payments", "Pod", pods[0]["metadata"]["name"], "Evicted", EVICT_MEM.strip(), ago=9),
          event("", "Node", "worker-2", "EvictionThresholdMet", "Attempting to reclaim memory", ago=9, host="worker-2"),
          pdb("payments", "payments", "payments", 2, 1, 4))
    write("01-node-memory-pressure-argocd", c, exp(["infrastructure", "application"], "infrastructure", "Node", "worker-2", "NodeMemoryPressure",
          notes="Seed example 1: memory pressure on worker-2 evicts and OOM-kills pods of the Argo CD app payments (no container limit); one replica on worker-0 is fine.",
          methods={"Deployment/payments/payments": "argocd"}), "01-node-memory-pressure-argocd")


def s02():
    pool = mcp("worker", RENDERED_NEW, RENDERED_OLD, 4, 2, updating=True,
               spec_sources=["00-worker", "01-worker-container-runtime", "01-worker-kubelet", "97-worker-generated-kubelet",
                             "99-worker-generated-registries", "99-worker-ssh", "99-worker-kernel-rt-tuning"])
    c = Cluster(worker_pool=pool, nodes={
        "worker-0": dict(current=RENDERED_NEW, desired=RENDERED_NEW),
        "worker-1": dict(current=RENDERED_NEW, desired=RENDERED_NEW),
        "worker-2": dict(current=RENDERED_OLD, desired=RENDERED_NEW, state="Working", unschedulable=True)})
    c.add(machineconfig("99-worker-kernel-rt-tuning", created=50, kargs=["skew_tick=1", "isolcpus=managed_irq,2-7", "nohz_full=2-7"]))
    c.platform_pods()
    c.app("orders", "orders", [
        ("worker-0", "crashloop", dict(message="panic: runtime error: timer skew exceeded 500ms; scheduler latency watchdog fired", exit_code=2)),
        ("worker-1", "crashloop", dict(message="panic: runtime error: timer skew exceeded 500ms; scheduler latency watchdog fired", exit_code=2)),
        ("worker-3", "running", {})], method="kubectl")
    write("02-mco-rollout-app-degradation", c, exp(["infrastructure", "application"], "infrastructure", "MachineConfig", "99-worker-kernel-rt-tuning", "MachineConfigChange",
          notes="Seed example 2: the worker pool rolls out 99-worker-kernel-rt-tuning; orders crashes only on the two updated nodes and runs fine on worker-3, still on the old config."),
          "02-mco-rollout-app-degradation")


def network_outage(name, example=None):
    msg = "DaemonSet \"/openshift-ovn-kubernetes/ovnkube-node\" rollout is not making progress - pod ovnkube-node is in CrashLoopBackOff State; 2 nodes unavailable: worker-1, worker-2"
    c = Cluster(nodes={"worker-1": dict(netunavail=True, net_msg="ovn-k8s-cni-overlay: failed to program node routes"),
                       "worker-2": dict(netunavail=True, net_msg="ovn-k8s-cni-overlay: failed to program node routes")},
                cos={"network": dict(degraded=True, progressing=True, msg=msg)})
    ovn_fail = ("crashloop", dict(message="F0314 09:27:01 ovnkube.go:137] failed to start node network controller: failed to get gateway interface br-ex: no route to host"))
    c.platform_pods(ovn_state={"worker-1": ovn_fail, "worker-2": ovn_fail})
    to = lambda ip: dict(ip=ip)
    _, _, fe = c.app("storefront", "frontend", [("worker-1", "notready", to("10.129.2.14")), ("worker-1", "notready", to("10.129.2.15")),
                                                ("worker-2", "notready", to("10.131.0.22"))], method="helm", app="storefront")
    _, _, ck = c.app("checkout", "checkout", [("worker-1", "notready", to("10.129.2.31")), ("worker-0", "running", {})])
    for p in fe:
        c.add(event("storefront", "Pod", p["metadata"]["name"], "Unhealthy",
                    f"Readiness probe failed: Get \"http://{p['status']['podIP']}:8080/healthz\": dial tcp {p['status']['podIP']}:8080: i/o timeout (Client.Timeout exceeded while awaiting headers)", count=40))
    c.add(event("checkout", "Pod", ck[0]["metadata"]["name"], "Unhealthy",
                "Readiness probe failed: Get \"http://10.129.2.31:8080/healthz\": dial tcp 10.129.2.31:8080: i/o timeout", count=35))
    write(name, c, exp(["infrastructure", "platform", "application"], "infrastructure", "Node", "worker-1", "NodeNetworkUnavailable",
          notes="Seed example 3: node networking broke on worker-1/2, OVN node pods crash there, the network operator degrades, and apps on those nodes fail readiness with i/o timeouts (frontend Service has no ready endpoints).",
          methods={"Deployment/storefront/frontend": "helm", "Deployment/checkout/checkout": "manual"}), example)


def s04():
    c = Cluster(nodes={"worker-3": dict(disk=True)})
    c.platform_pods()
    msg = 'configmap "billing-config" not found'
    c.app("billing", "billing", [("worker-0", "configerror", dict(message=msg)), ("worker-1", "configerror", dict(message=msg)),
                                 ("worker-3", "configerror", dict(message=msg))], env_from="billing-config", revision="4")
    c.app("billing", "ledger", [("worker-3", "running", {}), ("worker-2", "running", {})])
    c.add(event("", "Node", "worker-3", "FreeDiskSpaceFailed", "Failed to garbage collect required amount of images. Attempted to free 4270284390 bytes, but only found 0 bytes eligible to free.", host="worker-3"))
    write("04-unrelated-diskpressure-config-error", c, exp(["application"], "application", "Deployment", "billing", "CreateContainerConfigError", ns="billing",
          notes="billing references a missing ConfigMap and fails the same way on three nodes, one of which happens to have DiskPressure; the disk-pressured node is unrelated."))


def s05():
    c = Cluster()
    c.platform_pods()
    c.app("reports", "report-gen", [("worker-0", "oomloop", {}), ("worker-2", "oomloop", {})], mem_limit="64Mi")
    write("05-oomkilled-low-limit", c, exp(["application"], "application", "Deployment", "report-gen", "OOMKilled", ns="reports",
          notes="report-gen is OOMKilled at its own 64Mi limit on nodes without memory pressure: the limit is too low."))


def s06():
    c = Cluster(cos={"image-registry": dict(degraded=True, available=False, msg="Available: The deployment does not have available replicas\nImagePrunerDegraded: Job has reached the specified backoff limit")})
    c.platform_pods()
    reg = deployment("openshift-image-registry", "image-registry", 1, "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:registry", available=0,
                     annotations={"include.release.openshift.io/self-managed-high-availability": "true"})
    rs = replicaset(reg, "1", 1, 0)
    c.add(reg, rs, pod("openshift-image-registry", rs["metadata"]["name"], "worker-3", "crashloop",
                       message="panic: s3aws: NoCredentialProviders: no valid providers in chain"))
    c.app("catalog", "catalog", [("worker-0", "crashloop", dict(message="panic: invalid DATABASE_URL: parse \"postgres//catalog-db:5432\": missing protocol scheme")),
                                 ("worker-1", "crashloop", dict(message="panic: invalid DATABASE_URL: parse \"postgres//catalog-db:5432\": missing protocol scheme"))],
          image="image-registry.example.com/catalog/catalog:5.0.2")
    write("06-unrelated-degraded-operator", c, exp(["application"], "application", "Deployment", "catalog", "CrashLoopBackOff", ns="catalog",
          notes="catalog crashes on a bad DATABASE_URL; the image-registry operator is degraded at the same time (its own storage credentials) but catalog's image is not from it."))


def s07():
    pool = mcp("worker", RENDERED_NEW, RENDERED_OLD, 4, 2, degraded=1, updating=True,
               degraded_msg="Node worker-1 is reporting: \"failed to run nmstatectl: timed out waiting for br-ex\"",
               spec_sources=["00-worker", "01-worker-container-runtime", "01-worker-kubelet", "97-worker-generated-kubelet",
                             "99-worker-generated-registries", "99-worker-ssh", "99-worker-br-ex-mtu"])
    c = Cluster(worker_pool=pool, nodes={
        "worker-0": dict(current=RENDERED_NEW, desired=RENDERED_NEW, netunavail=True, net_msg="br-ex has no IPv4 address"),
        "worker-1": dict(current=RENDERED_OLD, desired=RENDERED_NEW, state="Degraded", unschedulable=True, netunavail=True,
                         reason="failed to run nmstatectl: timed out waiting for br-ex", net_msg="br-ex has no IPv4 address")},
                cos={"network": dict(degraded=True, msg="DaemonSet \"/openshift-ovn-kubernetes/ovnkube-node\" is not available (awaiting 2 nodes)"),
                     "machine-config": dict(degraded=True, msg="Failed to resync 4.16.14 because: error during syncRequiredMachineConfigPools: pool worker has not progressed to latest configuration: 1 nodes are reporting degraded status on sync")})
    c.add(machineconfig("99-worker-br-ex-mtu", created=70, files=[{"path": "/etc/NetworkManager/system-connections/br-ex.nmconnection", "mode": 384,
                                                                   "contents": {"source": "data:,%5Bethernet%5D%0Amtu%3D9216%0A"}}]))
    ovn_fail = ("crashloop", dict(message="failed to get gateway interface br-ex: no IPv4 address on br-ex; connection to sbdb timed out: i/o timeout"))
    c.platform_pods(ovn_state={"worker-0": ovn_fail, "worker-1": ovn_fail})
    _, _, api = c.app("shop", "cart", [("worker-0", "notready", {}), ("worker-1", "notready", {}), ("worker-3", "running", {})])
    _, _, inv = c.app("inventory", "inventory", [("worker-0", "crashloop", dict(message="dial tcp: lookup inventory-db.inventory.svc.cluster.local on 172.30.0.10:53: read udp 10.128.2.9:40123->172.30.0.10:53: i/o timeout")),
                                                 ("worker-2", "running", {})])
    for p in api[:2]:
        c.add(event("shop", "Pod", p["metadata"]["name"], "Unhealthy",
                    f"Readiness probe failed: Get \"http://{p['status']['podIP']}:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", count=22))
    write("07-mco-breaks-networking", c, exp(["infrastructure", "platform", "application"], "infrastructure", "MachineConfig", "99-worker-br-ex-mtu", "MachineConfigChange",
          notes="A MachineConfig changing br-ex breaks node networking on the updated workers; OVN pods crash there, network and machine-config operators degrade, apps on those nodes lose readiness and DNS."))


def s08(name="08-healthy-cluster", example=None):
    c = Cluster()
    c.platform_pods()
    c.app("web", "web", [("worker-0", "running", {}), ("worker-1", "running", {}), ("worker-2", "running", {})], method="argocd", app="web")
    c.app("api", "api", [("worker-1", "oom_running", {}), ("worker-3", "running", {})])
    c.add(argo_app("web", "web", resources=[{"group": "apps", "kind": "Deployment", "namespace": "web", "name": "web", "status": "Synced", "health": {"status": "Healthy"}}]))
    c.add(event("web", "Pod", "web-old", "Normal-Scheduled", "Successfully assigned", etype="Normal"))
    write(name, c, exp([], "unknown", notes="Everything is Ready and available; an old OOM restart of api that has recovered is history, not an incident."), example)


def s09(name="09-app-only-crashloop", example=None):
    c = Cluster()
    c.platform_pods()
    err = "Error: connect ECONNREFUSED 127.0.0.1:6379 - REDIS_HOST defaults to localhost when the variable is unset"
    c.app("tickets", "tickets-api", [("worker-0", "crashloop", dict(message=err)), ("worker-1", "crashloop", dict(message=err)),
                                     ("worker-2", "crashloop", dict(message=err))], method="kubectl", revision="7")
    write(name, c, exp(["application"], "application", "Deployment", "tickets-api", "CrashLoopBackOff", ns="tickets",
          notes="tickets-api crashes on every healthy node with the same error: an application problem.",
          methods={"Deployment/tickets/tickets-api": "manual"}), example)


def s10(name="10-platform-only-dns", example=None):
    c = Cluster(cos={"dns": dict(degraded=True, available=True, msg="DNS default is degraded: 7 of 7 dns-default pods are not ready")})
    bad = ("crashloop", dict(message="plugin/forward: /etc/resolv.conf: no nameservers found"))
    c.platform_pods(dns_state={n: bad for n in MASTERS + WORKERS})
    c.app("web", "web", [("worker-0", "running", {}), ("worker-1", "running", {})])
    write(name, c, exp(["platform"], "platform", "ClusterOperator", "dns", "OperatorDegraded",
          notes="Every dns-default pod crashes and the dns ClusterOperator is Degraded; no application has failed yet."), example)


def s11():
    c = Cluster(cos={"dns": dict(degraded=True, msg="DNS default is degraded: 5 of 7 dns-default pods are not ready")})
    bad = ("crashloop", dict(message="[FATAL] plugin/kubernetes: Failed to watch *v1.Service: Unauthorized"))
    c.platform_pods(dns_state={n: bad for n in ["worker-0", "worker-1", "worker-2", "worker-3", "master-0"]})
    m1 = "Error: getaddrinfo ENOTFOUND orders-db.orders.svc.cluster.local"
    m2 = "dial tcp: lookup redis.cache.svc.cluster.local on 172.30.0.10:53: server misbehaving"
    c.app("orders", "orders-api", [("worker-0", "crashloop", dict(message=m1)), ("worker-2", "crashloop", dict(message=m1))], method="argocd", app="orders")
    c.app("sessions", "sessions", [("worker-1", "crashloop", dict(message=m2)), ("worker-3", "crashloop", dict(message=m2))], method="helm", app="sessions")
    c.add(argo_app("orders", "orders", "Degraded", msg="Deployment \"orders-api\" exceeded its progress deadline"))
    write("11-dns-operator-app-resolution", c, exp(["platform", "application"], "platform", "ClusterOperator", "dns", "OperatorDegraded",
          notes="dns-default pods crash (platform); apps in two namespaces fail name resolution on healthy nodes.",
          methods={"Deployment/orders/orders-api": "argocd", "Deployment/sessions/sessions": "helm"}))


def s12():
    c = Cluster()
    c.platform_pods()
    good, bad = "registry.example.com/shop/web:2.0.3", "registry.example.com/shop/web:2.1.0-rc"
    dep = deployment("web", "web", 3, bad, method="helm", app="web", revision="3", available=3)
    old = replicaset(dep, "2", 3, 3, image=good)
    new = replicaset(dep, "3", 1, 0, image=bad)
    c.add(namespace("web"), dep, old, new)
    pods = []
    for n in ["worker-0", "worker-1", "worker-2"]:
        pods.append(pod("web", old["metadata"]["name"], n, "running", image=good))
    pods.append(pod("web", new["metadata"]["name"], "worker-3", "imagepull", image=bad,
                    message=f'Back-off pulling image "{bad}"'))
    c.add(*pods)
    c.add(event("web", "Pod", pods[-1]["metadata"]["name"], "Failed",
                f'Failed to pull image "{bad}": rpc error: code = Unknown desc = reading manifest 2.1.0-rc in registry.example.com/shop/web: manifest unknown', count=12))
    write("12-imagepull-bad-rollout", c, exp(["application"], "application", "Deployment", "web", "ImagePullBackOff", ns="web",
          notes="Helm upgrade to revision 3 points at a tag that does not exist; revision 2 still serves.", methods={"Deployment/web/web": "helm"}))


def s13():
    c = Cluster()
    c.platform_pods()
    sts = statefulset("db", "postgres", 1, "registry.redhat.io/rhel9/postgresql-15:1", 0, claim_template="data")
    c.add(namespace("db"), sts, pvc("db", "data-postgres-0", "Pending", "fast-ssd"))
    msg = "0/7 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling."
    c.add(pod("db", "postgres", None, "unschedulable", owner_kind="StatefulSet", name="postgres-0", cname="postgres",
              sched_msg=msg, claim="data-postgres-0"))
    c.add(event("db", "PersistentVolumeClaim", "data-postgres-0", "ProvisioningFailed", 'storageclass.storage.k8s.io "fast-ssd" not found',
                count=31, component="persistentvolume-controller"))
    c.add(event("db", "Pod", "postgres-0", "FailedScheduling", msg, component="default-scheduler"))
    write("13-pvc-missing-storageclass", c, exp(["application"], "application", "PersistentVolumeClaim", "data-postgres-0", "PVCPending", ns="db",
          notes="The claim asks for StorageClass fast-ssd, which does not exist; postgres-0 cannot be scheduled until it binds."))


def s14():
    c = Cluster()
    c.platform_pods()
    msg = ("0/7 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }, 4 Insufficient memory. "
           "preemption: 0/7 nodes are available: 3 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.")
    place = [("worker-0", "running", {}), ("worker-1", "running", {}), ("worker-2", "running", {}), ("worker-3", "running", {})]
    place += [(None, "unschedulable", dict(sched_msg=msg)) for _ in range(3)]
    _, rs, pods = c.app("analytics", "spark-exec", place, method="kubectl")
    for p in c.items:
        if p["kind"] == "Pod" and p["metadata"].get("namespace") == "analytics":
            p["spec"]["containers"][0]["resources"]["requests"] = {"cpu": "2", "memory": "12Gi"}
    for p in pods[4:]:
        c.add(event("analytics", "Pod", p["metadata"]["name"], "FailedScheduling", msg, component="default-scheduler"))
    write("14-insufficient-capacity", c, exp(["infrastructure", "application"], "infrastructure", "MachineSet", "ocp-prod-7xk2p-worker-us-east-1a", "InsufficientCapacity",
          notes="Three replicas requesting 12Gi each do not fit on the four 31Gi workers; each fits a node, so the cluster needs capacity (the MachineSet can add it)."))


def s15():
    t = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule", "timeAdded": ts(45)}]
    c = Cluster(nodes={w: dict(taints=t) for w in WORKERS})
    c.platform_pods()
    msg = ("0/7 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }, 4 node(s) had untolerated taint {dedicated: gpu}. "
           "preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.")
    c.app("web", "storefront", [(None, "unschedulable", dict(sched_msg=msg)), (None, "unschedulable", dict(sched_msg=msg))], method="argocd", app="storefront")
    c.add(argo_app("storefront", "web", "Progressing", msg="Waiting for rollout to finish: 0 of 2 updated replicas are available..."))
    write("15-taints-block-scheduling", c, exp(["infrastructure", "application"], "infrastructure", "Node", "worker-0", "NodeTainted",
          notes="Someone tainted every worker dedicated=gpu:NoSchedule; new storefront pods cannot be scheduled anywhere.",
          methods={"Deployment/web/storefront": "argocd"}))


def s16():
    c = Cluster()
    c.platform_pods()
    owner = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka", "name": "events", "uid": uid("Kafka", "streaming", "events"),
             "controller": True, "blockOwnerDeletion": False}
    sts = statefulset("streaming", "events-kafka", 3, "quay.io/strimzi/kafka:0.41.0-kafka-3.7.0", 1, owner=owner,
                      labels={"strimzi.io/cluster": "events", "app.kubernetes.io/managed-by": "strimzi-cluster-operator"}, mem_limit="1Gi")
    c.add(namespace("streaming"), sts)
    msg = "java.lang.OutOfMemoryError: Java heap space"
    for i, (n, st) in enumerate([("worker-0", "oomloop"), ("worker-1", "oomloop"), ("worker-2", "running")]):
        c.add(pod("streaming", "events-kafka", n, st, owner_kind="StatefulSet", name=f"events-kafka-{i}", cname="kafka",
                  mem_limit="1Gi", message=msg if st != "running" else ""))
    write("16-operator-managed-oom", c, exp(["application"], "application", "StatefulSet", "events-kafka", "OOMKilled", ns="streaming",
          notes="Strimzi-managed Kafka brokers hit their 1Gi limit; the StatefulSet is owned by a Kafka custom resource, so it is operator-managed.",
          methods={"StatefulSet/streaming/events-kafka": "operator"}))


def s17():
    c = Cluster(nodes={"worker-2": dict(ready=False, unknown=True)})
    c.platform_pods(dns_state={"worker-2": ("unknown", {})}, ovn_state={"worker-2": ("unknown", {})})
    c.app("payments", "gateway", [("worker-2", "unknown", {}), ("worker-2", "unknown", {}), ("worker-0", "running", {})], method="kubectl")
    c.app("search", "search", [("worker-2", "unknown", dict(deleting=True)), ("worker-1", "running", {})], method="helm", app="search")
    c.add(event("", "Node", "worker-2", "NodeNotReady", "Node worker-2 status is now: NodeNotReady", etype="Normal", component="node-controller"))
    write("17-node-notready-with-pods", c, exp(["infrastructure", "platform", "application"], "infrastructure", "Node", "worker-2", "NodeNotReady",
          notes="worker-2 stopped reporting; every pod on it, platform and application alike, is no longer ready.",
          methods={"Deployment/payments/gateway": "manual", "Deployment/search/search": "helm"}))


def s18():
    c = Cluster(nodes={"worker-3": dict(disk=True)},
                cos={"image-registry": dict(degraded=True, msg="ImagePrunerDegraded: Job has reached the specified backoff limit")})
    c.platform_pods()
    c.app("team-a", "ingest", [("worker-0", "configerror", dict(message='secret "ingest-credentials" not found')),
                               ("worker-1", "configerror", dict(message='secret "ingest-credentials" not found'))])
    c.app("team-b", "resizer", [("worker-1", "oomloop", {}), ("worker-3", "oomloop", {}), ("worker-2", "running", {})], mem_limit="128Mi", method="argocd", app="team-b-resizer")
    c.app("team-b", "frontend", [("worker-0", "running", {}), ("worker-2", "running", {})], method="argocd", app="team-b-frontend")
    c.add(argo_app("team-b-resizer", "team-b", "Degraded", msg="Deployment \"resizer\" has 1/3 available replicas",
                   resources=[{"group": "apps", "kind": "Deployment", "namespace": "team-b", "name": "resizer", "health": {"status": "Degraded"}}]))
    write("18-scoped-namespace-multiple-issues", c, exp(["application"], "application", "Deployment", "resizer", "OOMKilled", ns="team-b",
          request={"namespace": "team-b"},
          notes="Scoped to team-b: resizer OOMs at its 128Mi limit (one replica on the DiskPressure node, which is not why). team-a's missing secret, the disk-pressured node and the degraded image-registry operator are other, unrelated issues.",
          methods={"Deployment/team-b/resizer": "argocd"}))


def s19():
    c = Cluster()
    c.platform_pods()
    c.app("checkout", "checkout", [("worker-0", "running", {}), ("worker-2", "running", {})], selector={"app": "checkout-v2"})
    write("19-service-selector-mismatch", c, exp(["application"], "application", "Service", "checkout", "ServiceNoEndpoints", ns="checkout",
          notes="The checkout Service selects app=checkout-v2 but the pods are labelled app=checkout: healthy pods, no endpoints."))


def s20():
    c = Cluster(nodes={"worker-1": dict(ready=False, unknown=True)})
    for it in c.items:
        if it["kind"] == "Machine" and it["status"]["nodeRef"]["name"] == "worker-1":
            it["status"]["phase"] = "Failed"
            it["status"]["errorMessage"] = "Can't find created instance: instance i-0d1e2f3a4b5c6d7e8 was terminated by the cloud provider"
            it["status"]["errorReason"] = "InvalidConfiguration"
    c.platform_pods(dns_state={"worker-1": ("unknown", {})}, ovn_state={"worker-1": ("unknown", {})})
    c.app("ledger", "ledger", [("worker-1", "unknown", {}), ("worker-3", "running", {})])
    mname = [it for it in c.items if it["kind"] == "Machine" and it["status"]["nodeRef"]["name"] == "worker-1"][0]["metadata"]["name"]
    write("20-machine-failed-node-notready", c, exp(["infrastructure", "platform", "application"], "infrastructure", "Machine", mname, "MachineFailed",
          ns="openshift-machine-api", notes="The cloud instance behind worker-1 was terminated: the Machine is Failed, the node NotReady, its pods lost."))


def s21():
    c = Cluster(nodes={w: dict(unschedulable=True) for w in WORKERS})
    c.platform_pods()
    msg = ("0/7 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }, 4 node(s) were unschedulable. "
           "preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.")
    c.app("jobs", "worker-queue", [(None, "unschedulable", dict(sched_msg=msg)), (None, "unschedulable", dict(sched_msg=msg))])
    write("21-cordoned-nodes-pending", c, exp(["infrastructure", "application"], "infrastructure", "Node", "worker-0", "NodeCordoned",
          notes="All workers were left cordoned after maintenance; nothing new can be scheduled."))


def s22():
    c = Cluster(nodes={"worker-1": dict(mem=True)})
    c.platform_pods()
    err = "FATAL: could not parse /etc/search/config.yaml: line 14: mapping values are not allowed in this context"
    c.app("search", "search", [("worker-0", "crashloop", dict(message=err)), ("worker-1", "crashloop", dict(message=err)),
                               ("worker-2", "crashloop", dict(message=err))], method="argocd", app="search")
    c.add(argo_app("search", "search", "Degraded", msg="Deployment \"search\" has 0/3 available replicas",
                   resources=[{"group": "apps", "kind": "Deployment", "namespace": "search", "name": "search", "health": {"status": "Degraded"}}]))
    write("22-crashloop-app-bug-on-pressured-node", c, exp(["application"], "application", "Deployment", "search", "CrashLoopBackOff", ns="search",
          notes="search crashes with the same config parse error on three nodes; that one of them has MemoryPressure is a coincidence.",
          methods={"Deployment/search/search": "argocd"}))


def s23():
    c = Cluster(nodes={"worker-2": dict(disk=True)}, cos={"monitoring": dict(degraded=True, msg="Failed to rollout the stack. Error: updating prometheus-k8s: waiting for Prometheus object changes failed")})
    c.platform_pods()
    ev = "Pod ephemeral local storage usage exceeds the total limit of containers 1Gi. The node was low on resource: ephemeral-storage. Threshold quantity: 11438679182, available: 9845256Ki."
    c.app("shop", "cart", [("worker-2", "evicted", dict(evict_msg=ev)), ("worker-2", "evicted", dict(evict_msg=ev)), ("worker-0", "running", {})])
    c.app("shop", "catalog", [("worker-1", "crashloop", dict(message="Error: Cannot find module '/app/server.js'"))])
    write("23-resource-scoped-deployment", c, exp(["infrastructure", "application"], "infrastructure", "Node", "worker-2", "NodeDiskPressure", ns=None,
          request={"resources": [{"kind": "Deployment", "namespace": "shop", "name": "cart"}]},
          notes="Scoped to Deployment shop/cart: its pods were evicted for ephemeral storage by DiskPressure on worker-2. catalog in the same namespace and the degraded monitoring operator are other issues."))


def s24():
    c = Cluster(cos={"storage": dict(degraded=True, available=False, msg="AWSEBSCSIDriverOperatorCRDegraded: AWSEBSDriverNodeServiceControllerDegraded: DaemonSet openshift-cluster-csi-drivers/aws-ebs-csi-driver-node is not available")})
    c.platform_pods()
    ds = daemonset("openshift-cluster-csi-drivers", "aws-ebs-csi-driver-node", "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:ebs", 7, 3)
    c.add(ds)
    for n in WORKERS:
        c.add(pod("openshift-cluster-csi-drivers", "aws-ebs-csi-driver-node", n, "crashloop", owner_kind="DaemonSet", cname="csi-driver",
                  message="F0314 09:26:40 driver.go:155] failed to get instance metadata: EC2MetadataRequestError: failed to get EC2 instance identity document"))
    _, _, pods = c.app("orders", "orders-db", [("worker-0", "creating", dict(claim="data-orders-db")), ("worker-2", "creating", dict(claim="data-orders-db-1"))], svc=False)
    c.add(pvc("orders", "data-orders-db"), pvc("orders", "data-orders-db-1"))
    for p in pods:
        c.add(event("orders", "Pod", p["metadata"]["name"], "FailedMount",
                    "MountVolume.MountDevice failed for volume \"pvc-3b1c\" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ebs.csi.aws.com not found in the list of registered CSI drivers", count=9))
    write("24-storage-operator-mount-failures", c, exp(["platform", "application"], "platform", "ClusterOperator", "storage", "OperatorDegraded",
          notes="The EBS CSI node plugin crashes on every worker, the storage operator degrades, and pods cannot mount their volumes."))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(EX, exist_ok=True)
    s01(); s02()
    network_outage("03-network-outage-platform-infra", "03-network-outage-platform-infra")
    s04(); s05(); s06(); s07()
    s08("08-healthy-cluster", "04-healthy-cluster")
    s09("09-app-only-crashloop", "05-app-only-crashloop")
    s10("10-platform-only-dns", "06-platform-only-dns-degraded")
    s11(); s12(); s13(); s14(); s15(); s16(); s17(); s18(); s19(); s20(); s21(); s22(); s23(); s24()


if __name__ == "__main__":
    main()
