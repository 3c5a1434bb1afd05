/*
 * Causal links: effects connected to causes through the cluster's real relations.
 *
 *   MachineConfig change → pool → node MCO state → node facts → pods on those nodes
 *   Machine failed → its node;  eviction message → the node pressure it names
 *   node NotReady / NetworkUnavailable / pressure → pods on that node (co-location
 *     links are refuted when the same workload fails the same way on a clean node)
 *   FailedScheduling message → taints, cordons, capacity, PVCs, or the pod spec itself
 *   ClusterOperator → its operand pods (or operand pods' infra cause → operator) →
 *     pods elsewhere whose errors are that operator's business (DNS, network, storage)
 *   workload whose pods fail with no outside cause → the workload itself (its spec,
 *     a config change, a bad rollout, a low memory limit)
 *   workload → its Service without endpoints, its Argo CD Application
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

#define FINDING(d, i)	VEC_AT(&(d)->findings, struct detect_finding, (i))
#define NODE(d, i)	VEC_AT(&(d)->nodes, struct detect_node, (i))
#define POD(d, i)	VEC_AT(&(d)->pods, struct detect_pod, (i))
#define OWNER(d, i)	VEC_AT(&(d)->owners, struct detect_owner, (i))

/* ---- message classification ---------------------------------------------------------- */

int
detect_msg_is_dns(const char *m)
{
	static const char *const pats[] = { "no such host", "server misbehaving",
	    "name resolution", ":53: ", ":53 ", "could not resolve", "NXDOMAIN",
	    "Name or service not known", "getaddrinfo" };
	size_t i;

	for (i = 0; m && i < STRATA_ARRAY_LEN(pats); i++)
		if (detect_contains_ci(m, pats[i]))
			return 1;
	return 0;
}

int
detect_msg_is_net(const char *m, int *strong)
{
	static const char *const hard[] = { "no route to host", "network is unreachable",
	    "i/o timeout", "failed to setup network", "CNI", "network plugin",
	    "NetworkPluginNotReady", "network is not ready", "ovn", "connection timed out",
	    "failed to create pod network sandbox" };
	static const char *const soft[] = { "connection refused", "context deadline exceeded",
	    "Client.Timeout", "connection reset", "EOF" };
	size_t i;

	*strong = 0;
	for (i = 0; m && i < STRATA_ARRAY_LEN(hard); i++)
		if (detect_contains_ci(m, hard[i])) {
			*strong = 1;
			return 1;
		}
	for (i = 0; m && i < STRATA_ARRAY_LEN(soft); i++)
		if (detect_contains_ci(m, soft[i]))
			return 1;
	return 0;
}

/* ---- helpers -------------------------------------------------------------------------- */

static size_t
node_finding(struct coord_detect *d, size_t ni, const char *sym)
{
	size_t fi;

	if (ni == NOIDX)
		return NOIDX;
	for (fi = NODE(d, ni)->f_first; fi != NOIDX; fi = FINDING(d, fi)->next_on_node)
		if (sym == NULL || strcmp(FINDING(d, fi)->symptom, sym) == 0)
			return fi;
	return NOIDX;
}

static struct detect_mcp *
node_pool(struct coord_detect *d, const struct detect_node *n)
{
	size_t i;

	for (i = 0; i < d->mcps.len; i++) {
		struct detect_mcp *p = VEC_AT(&d->mcps, struct detect_mcp, i);

		if (n->pool ? strcmp(n->pool, p->name) == 0 :
		    (n->roles && detect_list_has(n->roles, p->role) &&
		    !(strcmp(p->role, "worker") == 0 && (n->flags & NF_CONTROLPLANE))))
			return p;
	}
	return NULL;
}

/* The rollout finding a node's trouble goes back to: its MCO state, else its pool. */
static size_t
node_rollout_cause(struct coord_detect *d, size_t ni)
{
	struct detect_node *n = NODE(d, ni);
	struct detect_mcp *p;
	size_t fi;

	if ((fi = node_finding(d, ni, "NodeMCODegraded")) != NOIDX ||
	    (fi = node_finding(d, ni, "NodeMCOUpdating")) != NOIDX)
		return fi;
	if (!(n->flags & NF_TOUCHED) || (p = node_pool(d, n)) == NULL)
		return NOIDX;
	return p->finding;
}

static int
node_is_clean(struct coord_detect *d, size_t ni)
{
	return ni != NOIDX && NODE(d, ni)->f_first == NOIDX &&
	    !(NODE(d, ni)->flags & NF_TOUCHED);
}

static size_t
co_find(struct coord_detect *d, const char *name, int unhealthy_only)
{
	size_t i;

	for (i = 0; i < d->cos.len; i++) {
		struct detect_co *c = VEC_AT(&d->cos, struct detect_co, i);

		if (strcmp(c->name, name) == 0 && (!unhealthy_only ||
		    (c->flags & (CF_DEGRADED | CF_UNAVAILABLE))))
			return c->finding;
	}
	return NOIDX;
}

static size_t
synth_find(struct coord_detect *d, const char *sym, const char *kind, const char *name)
{
	size_t i;

	for (i = 0; i < d->findings.len; i++) {
		struct detect_finding *f = FINDING(d, i);

		if (strcmp(f->symptom, sym) == 0 && strcmp(f->kind, kind) == 0 &&
		    strcmp(f->name, name) == 0)
			return i;
	}
	return NOIDX;
}

/*
 * Findings made on demand (taints, cordons, capacity) are shared by every pod they
 * block: remember each answer, "none" included (stored as 0, a finding as index + 1).
 */
static int
synth_cached(struct coord_detect *d, const char *key, size_t *out)
{
	size_t v = detect_map_get(&d->synth_ix, key);

	if (v == NOIDX)
		return 0;
	*out = v == 0 ? NOIDX : v - 1;
	return 1;
}

static size_t
synth_remember(struct coord_detect *d, const char *key, size_t fi)
{
	(void)detect_map_put(&d->synth_ix, key, fi == NOIDX ? 0 : fi + 1);
	return fi;
}

/* ---- infrastructure-internal links --------------------------------------------------- */

static int
link_infra(struct coord_detect *d)
{
	static const char *const facts[] = { "NodeNotReady", "NodeNetworkUnavailable",
	    "NodeMemoryPressure", "NodeDiskPressure", "NodePIDPressure" };
	size_t i, k, fi, rc;
	int r = 0;

	for (i = 0; i < d->mcps.len && r == 0; i++) {
		struct detect_mcp *p = VEC_AT(&d->mcps, struct detect_mcp, i);

		if (p->finding == NOIDX)
			continue;
		if (p->f_mc != NOIDX)
			r = detect_link_add(d, p->f_mc, p->finding, 0.9, "pool %s is rolling out "
			    "MachineConfig %s", p->name, p->new_mc);
		else if (d->cv_progressing)
			r = detect_link_add(d, synth_find(d, "ClusterUpgrading", "ClusterVersion",
			    "version"), p->finding, 0.6, "the cluster upgrade rolls the pool");
	}
	for (i = 0; i < d->nodes.len && r == 0; i++) {
		struct detect_node *n = NODE(d, i);
		struct detect_mcp *p;
		size_t mco;

		if (!(n->flags & NF_SEEN))
			continue;
		mco = node_finding(d, i, "NodeMCODegraded");
		if (mco == NOIDX)
			mco = node_finding(d, i, "NodeMCOUpdating");
		if (mco != NOIDX && (p = node_pool(d, n)) != NULL && p->finding != NOIDX)
			r = detect_link_add(d, p->finding, mco, 0.9, "node %s belongs to pool %s",
			    n->name, p->name);
		rc = node_rollout_cause(d, i);
		for (k = 0; k < STRATA_ARRAY_LEN(facts) && r == 0 && rc != NOIDX; k++)
			if ((fi = node_finding(d, i, facts[k])) != NOIDX && fi != rc)
				r = detect_link_add(d, rc, fi, 0.8, "%s appeared on node %s after it "
				    "received rendered config %s", facts[k], n->name,
				    n->mco_desired ? n->mco_desired : "(new)");
	}
	for (i = 0; i < d->machines.len && r == 0; i++) {
		struct detect_machine *m = VEC_AT(&d->machines, struct detect_machine, i);
		size_t ni;

		if (m->finding == NOIDX || m->node == NULL ||
		    (ni = detect_map_get(&d->node_ix, m->node)) == NOIDX)
			continue;
		if ((fi = node_finding(d, ni, "NodeNotReady")) != NOIDX)
			r = detect_link_add(d, m->finding, fi, 0.9, "node %s runs on Machine %s",
			    m->node, m->name);
	}
	return r;
}

/* ---- scheduling ----------------------------------------------------------------------- */

struct sched_cause {
	size_t	 finding;
	double	 strength;
	int	 intrinsic;
	char	 reason[200];
};


/* A finding for a scheduling-blocking taint, shared by every pod it blocks. */
static size_t
taint_finding(struct coord_detect *d, const char *tkey)
{
	static const struct { const char *key, *sym; } known[] = {
		{ "node.kubernetes.io/not-ready", "NodeNotReady" },
		{ "node.kubernetes.io/unreachable", "NodeNotReady" },
		{ "node.kubernetes.io/memory-pressure", "NodeMemoryPressure" },
		{ "node.kubernetes.io/disk-pressure", "NodeDiskPressure" },
		{ "node.kubernetes.io/pid-pressure", "NodePIDPressure" },
		{ "node.kubernetes.io/network-unavailable", "NodeNetworkUnavailable" },
	};
	char nodes[300] = "", first[256] = "", ckey[300];
	size_t i, k, fi, cnt = 0;

	snprintf(ckey, sizeof(ckey), "taint\x1f%s", tkey);
	if (synth_cached(d, ckey, &fi))
		return fi;
	for (k = 0; k < STRATA_ARRAY_LEN(known); k++)
		if (strcmp(known[k].key, tkey) == 0) {
			for (i = 0; i < d->nodes.len; i++)
				if ((fi = node_finding(d, i, known[k].sym)) != NOIDX)
					return synth_remember(d, ckey, fi);
			return synth_remember(d, ckey, NOIDX);
		}
	for (i = 0; i < d->nodes.len; i++) {
		struct detect_node *n = NODE(d, i);
		const char *t = n->taints;
		size_t kl = strlen(tkey);

		while (t && (t = strstr(t, tkey)) != NULL) {
			if ((t == n->taints || t[-1] == ' ') && (t[kl] == '=' || t[kl] == ':'))
				break;
			t += kl;
		}
		if (t == NULL)
			continue;
		/* The finding names the first node by name: nodes are indexed in the order
		 * pods and nodes happened to arrive, which must not change the answer. */
		if (cnt++ == 0 || strcmp(n->name, first) < 0)
			snprintf(first, sizeof(first), "%s", n->name);
		if (strlen(nodes) + strlen(n->name) + 3 < sizeof(nodes))
			snprintf(nodes + strlen(nodes), sizeof(nodes) - strlen(nodes), "%s%s",
			    nodes[0] ? ", " : "", n->name);
	}
	if (cnt == 0)
		return synth_remember(d, ckey, NOIDX);
	fi = detect_finding_add(d, L_INFRA, "NodeTainted", "Node", NULL, first, 0.85,
	    "taint %s on %zu node(s) (%s) repels pods that do not tolerate it", tkey, cnt, nodes);
	return synth_remember(d, ckey, fi);
}

static size_t
cordon_finding(struct coord_detect *d)
{
	char nodes[300] = "", first[256] = "";
	size_t i, cnt = 0, fi;

	if (synth_cached(d, "cordon", &fi))
		return fi;
	for (i = 0; i < d->nodes.len; i++) {
		struct detect_node *n = NODE(d, i);

		if (!(n->flags & NF_UNSCHED))
			continue;
		/* The finding names the first node by name: nodes are indexed in the order
		 * pods and nodes happened to arrive, which must not change the answer. */
		if (cnt++ == 0 || strcmp(n->name, first) < 0)
			snprintf(first, sizeof(first), "%s", n->name);
		if (strlen(nodes) + strlen(n->name) + 3 < sizeof(nodes))
			snprintf(nodes + strlen(nodes), sizeof(nodes) - strlen(nodes), "%s%s",
			    nodes[0] ? ", " : "", n->name);
	}
	if (cnt == 0)
		return synth_remember(d, "cordon", NOIDX);
	fi = detect_finding_add(d, L_INFRA, "NodeCordoned", "Node", NULL, first, 0.85,
	    "%zu node(s) are cordoned (spec.unschedulable): %s", cnt, nodes);
	if (synth_remember(d, "cordon", fi) == NOIDX)
		return NOIDX;
	/* A cordon by the MCO during an update goes back to the rollout. */
	for (i = 0; i < d->nodes.len; i++)
		if ((NODE(d, i)->flags & NF_UNSCHED) && node_rollout_cause(d, i) != NOIDX) {
			(void)detect_link_add(d, node_rollout_cause(d, i), fi, 0.8,
			    "the MCO cordons nodes while it updates them");
			break;
		}
	return fi;
}

static size_t
capacity_finding(struct coord_detect *d, const char *what)
{
	const struct detect_machineset *best = NULL;
	size_t i, fi, schedulable = 0;

	if (synth_cached(d, "capacity", &fi))
		return fi;
	for (i = 0; i < d->machinesets.len; i++) {
		const struct detect_machineset *m = VEC_AT(&d->machinesets,
		    struct detect_machineset, i);

		if (m->role && (strcmp(m->role, "master") == 0 || strcmp(m->role, "infra") == 0))
			continue;
		if (best == NULL || m->replicas > best->replicas)
			best = m;
	}
	for (i = 0; i < d->nodes.len; i++)
		if ((NODE(d, i)->flags & NF_SEEN) && !(NODE(d, i)->flags &
		    (NF_UNSCHED | NF_NOTREADY | NF_CONTROLPLANE)))
			schedulable++;
	fi = detect_finding_add(d, L_INFRA, "InsufficientCapacity", best ? "MachineSet" :
	    "Node", best ? best->ns : NULL, best ? best->name : "*", 0.8,
	    "the %zu schedulable worker node(s) lack free %s for pending pods%s%s%s", schedulable,
	    what, best ? " (MachineSet " : "", best ? best->name : "", best ? " can add nodes)" : "");
	return synth_remember(d, "capacity", fi);
}

/* Reads "0/6 nodes are available: 3 Insufficient memory, 2 node(s) had untolerated
 * taint {dedicated: db}, …" and returns the dominant cause. */
static void
sched_analyse(struct coord_detect *d, struct detect_pod *p, struct sched_cause *c)
{
	const char *m = p->msg, *s, *pre;
	char seg[300], tkey[256], what[64] = "";
	long best = -1, cnt;
	size_t n, i, fi;
	int64_t max_mem = -1, max_cpu = -1;

	memset(c, 0, sizeof(*c));
	c->finding = NOIDX;
	if (m == NULL)
		return;
	if ((s = strstr(m, "available:")) != NULL)
		s += 10;
	else
		s = m;
	pre = strstr(s, "preemption:");
	while (*s && (pre == NULL || s < pre)) {
		while (*s == ' ' || *s == ',')
			s++;
		n = strcspn(s, ",.");
		/* taints contain no commas; a "{k: v}" block never contains '.' issues here */
		if (n >= sizeof(seg))
			n = sizeof(seg) - 1;
		memcpy(seg, s, n);
		seg[n] = '\0';
		s += n;
		if (*s == '.' && s[1] != ' ' && s[1] != '\0') {
			/* a dot inside a taint key (node-role.kubernetes.io/…): keep reading */
			const char *e = strpbrk(s, ",");
			const char *close = strchr(seg, '{') ? strchr(s, '}') : NULL;

			if (close && (e == NULL || close < e))
				e = close + 1;
			n = e ? (size_t)(e - s) : strlen(s);
			if (strlen(seg) + n < sizeof(seg))
				strncat(seg, s, n);
			s += n;
		}
		if (*s == '.')
			s++;
		cnt = strtol(seg, NULL, 10);
		if (cnt <= 0)
			continue;
		if (strstr(seg, "Insufficient") != NULL) {
			const char *w = strstr(seg, "Insufficient") + 13;

			if (cnt > best) {
				best = cnt;
				snprintf(what, sizeof(what), "%s", w);
				/* Requests larger than any node: the pod spec is the problem. */
				if (!d->alloc_done) {
					d->alloc_done = 1;
					d->max_alloc_mem = d->max_alloc_cpu = -1;
					for (i = 0; i < d->nodes.len; i++) {
						if (NODE(d, i)->alloc_mem > d->max_alloc_mem)
							d->max_alloc_mem = NODE(d, i)->alloc_mem;
						if (NODE(d, i)->alloc_cpu_m > d->max_alloc_cpu)
							d->max_alloc_cpu = NODE(d, i)->alloc_cpu_m;
					}
				}
				max_mem = d->max_alloc_mem;
				max_cpu = d->max_alloc_cpu;
				if ((strncmp(w, "memory", 6) == 0 && max_mem > 0 && p->req_mem > max_mem) ||
				    (strncmp(w, "cpu", 3) == 0 && max_cpu > 0 && p->req_cpu_m > max_cpu)) {
					c->intrinsic = 1;
					c->finding = NOIDX;
					snprintf(c->reason, sizeof(c->reason), "the pod requests more %s "
					    "than any node can allocate", w);
				} else {
					c->intrinsic = 0;
					c->finding = capacity_finding(d, w);
					c->strength = 0.8;
					snprintf(c->reason, sizeof(c->reason), "scheduler: %.180s", seg);
				}
			}
		} else if ((pre = strchr(seg, '{')) != NULL && strstr(seg, "taint")) {
			const char *colon = strchr(pre, ':');
			const char *end = colon ? colon : strchr(pre, '}');

			n = end ? (size_t)(end - pre - 1) : 0;
			if (n == 0 || n >= sizeof(tkey))
				goto next;
			memcpy(tkey, pre + 1, n);
			tkey[n] = '\0';
			if (strcmp(tkey, "node-role.kubernetes.io/master") == 0 ||
			    strcmp(tkey, "node-role.kubernetes.io/control-plane") == 0)
				goto next;	/* control-plane nodes always repel workloads */
			if (cnt >= best && (fi = taint_finding(d, tkey)) != NOIDX) {
				best = cnt;
				c->intrinsic = 0;
				c->finding = fi;
				c->strength = 0.85;
				snprintf(c->reason, sizeof(c->reason), "scheduler: %.180s", seg);
			}
		} else if (strstr(seg, "unschedulable") != NULL) {
			if (cnt >= best && (fi = cordon_finding(d)) != NOIDX) {
				best = cnt;
				c->intrinsic = 0;
				c->finding = fi;
				c->strength = 0.85;
				snprintf(c->reason, sizeof(c->reason), "scheduler: %.180s", seg);
			}
		} else if (strstr(seg, "affinity") != NULL || strstr(seg, "selector") != NULL ||
		    strstr(seg, "free ports") != NULL) {
			if (cnt > best) {
				best = cnt;
				c->intrinsic = 1;
				c->finding = NOIDX;
				snprintf(c->reason, sizeof(c->reason), "scheduler: %.120s (the pod's own "
				    "placement constraints)", seg);
			}
		}
next:
		pre = strstr(s, "preemption:");
	}
	if (strstr(m, "unbound") != NULL || strstr(m, "persistentvolumeclaim") != NULL) {
		char key[512], claim[256];
		const char *cl = p->claims;

		while (cl && *cl) {
			const char *e = strstr(cl, ", ");
			size_t len = e ? (size_t)(e - cl) : strlen(cl);

			if (len < sizeof(claim)) {
				memcpy(claim, cl, len);
				claim[len] = '\0';
				i = detect_map_get(&d->pvc_ix, detect_key3(key, sizeof(key), p->ns,
				    claim, ""));
				if (i != NOIDX && VEC_AT(&d->pvcs, struct detect_pvc, i)->finding !=
				    NOIDX) {
					c->finding = VEC_AT(&d->pvcs, struct detect_pvc, i)->finding;
					c->intrinsic = 0;
					c->strength = 0.9;
					snprintf(c->reason, sizeof(c->reason), "the pod waits for its "
					    "PersistentVolumeClaim %.150s", claim);
					return;
				}
			}
			cl = e ? e + 2 : NULL;
		}
	}
}

/* ---- pods: outside causes ------------------------------------------------------------- */

struct cand {
	size_t	 cause;
	double	 strength;
	int	 local;		/* co-location only: refutable by clean siblings */
	char	 reason[220];
};

#define MAX_CAND 6

static void
cand_add(struct cand *c, size_t *n, size_t cause, double s, int local, const char *fmt,
    const char *arg)
{
	size_t i;

	if (cause == NOIDX || *n >= MAX_CAND)
		return;
	for (i = 0; i < *n; i++)
		if (c[i].cause == cause)
			return;
	c[*n].cause = cause;
	c[*n].strength = s;
	c[*n].local = local;
	snprintf(c[*n].reason, sizeof(c[*n].reason), fmt, arg ? arg : "");
	(*n)++;
}

struct pod_ctx {
	size_t	 net_co, dns_co, storage_co;
	size_t	 net_namespaces;	/* app namespaces with network-looking failures */
	uint32_t *clean_mask;		/* per top owner: symptoms seen on clean nodes */
};

static void
pod_candidates(struct coord_detect *d, struct pod_ctx *ctx, size_t pi, struct cand *c,
    size_t *nc, int *intrinsic_hint, char *ireason, size_t irlen)
{
	struct detect_pod *p = POD(d, pi);
	size_t ni = p->node ? detect_map_get(&d->node_ix, p->node) : NOIDX, fi, rc;
	struct detect_node *n = ni != NOIDX ? NODE(d, ni) : NULL;
	const char *m = p->msg;
	int strong = 0, net = detect_msg_is_net(m, &strong), dns = detect_msg_is_dns(m);
	struct sched_cause sc;

	*nc = 0;
	*intrinsic_hint = 0;
	switch (p->sym) {
	case PS_EVICTED:
		if (m && detect_contains_ci(m, "memory"))
			cand_add(c, nc, node_finding(d, ni, "NodeMemoryPressure"), 0.95, 0,
			    "evicted: %s", m);
		else if (m && (detect_contains_ci(m, "storage") || detect_contains_ci(m, "disk") ||
		    detect_contains_ci(m, "nodefs") || detect_contains_ci(m, "imagefs")))
			cand_add(c, nc, node_finding(d, ni, "NodeDiskPressure"), 0.95, 0,
			    "evicted: %s", m);
		else if (m && detect_contains_ci(m, "pid"))
			cand_add(c, nc, node_finding(d, ni, "NodePIDPressure"), 0.95, 0,
			    "evicted: %s", m);
		cand_add(c, nc, node_finding(d, ni, "NodeNotReady"), 0.9, 0,
		    "evicted from a node that is not Ready%s", "");
		break;
	case PS_UNSCHEDULABLE:
		sched_analyse(d, p, &sc);
		if (sc.finding != NOIDX)
			cand_add(c, nc, sc.finding, sc.strength, 0, "%s", sc.reason);
		else if (sc.intrinsic) {
			*intrinsic_hint = 1;
			snprintf(ireason, irlen, "%s", sc.reason);
		}
		return;
	case PS_OOM:
		if (n && (n->flags & (NF_MEMP | NF_EVICT_MEM)) && !(p->flags & PF_HAS_LIMIT))
			cand_add(c, nc, node_finding(d, ni, "NodeMemoryPressure"), 0.85, 0,
			    "killed by the kernel OOM killer on a node under memory pressure "
			    "(container has no memory limit)%s", "");
		else {
			*intrinsic_hint = 1;
			snprintf(ireason, irlen, (p->flags & PF_HAS_LIMIT) ?
			    "OOMKilled at its own memory limit on a node without memory pressure" :
			    "OOMKilled on a node without memory pressure");
		}
		return;
	default:
		break;
	}
	if (n != NULL) {
		int kubelet_side = p->sym == PS_READINESS || p->sym == PS_UNKNOWN ||
		    p->sym == PS_TERMINATING || p->sym == PS_PENDING || p->sym == PS_SANDBOX ||
		    p->sym == PS_FAILED || p->sym == PS_MOUNT;

		if (kubelet_side)
			cand_add(c, nc, node_finding(d, ni, "NodeNotReady"), 0.9, 1,
			    "the pod's node is not Ready%s", "");
		if (kubelet_side || p->sym == PS_CRASHLOOP || p->sym == PS_CREATE_ERR)
			cand_add(c, nc, node_finding(d, ni, "NodeNetworkUnavailable"),
			    net || p->sym == PS_SANDBOX ? 0.9 : 0.7, !(net ||
			    p->sym == PS_SANDBOX), "the pod's node has no network%s", "");
		if (p->sym == PS_CRASHLOOP || p->sym == PS_READINESS || p->sym == PS_FAILED)
			cand_add(c, nc, node_finding(d, ni, "NodeMemoryPressure"), 0.6, 1,
			    "the pod fails on a node under memory pressure%s", "");
		if (m && detect_contains_ci(m, "no space left on device"))
			cand_add(c, nc, node_finding(d, ni, "NodeDiskPressure"), 0.9, 0,
			    "no space left on device on a node with DiskPressure%s", "");
		if (m && (detect_contains_ci(m, "resource temporarily unavailable") ||
		    detect_contains_ci(m, "fork")))
			cand_add(c, nc, node_finding(d, ni, "NodePIDPressure"), 0.85, 0,
			    "cannot fork on a node with PIDPressure%s", "");
		if (*nc == 0 && p->sym != PS_CONFIG && p->sym != PS_IMAGEPULL &&
		    (rc = node_rollout_cause(d, ni)) != NOIDX)
			cand_add(c, nc, rc, 0.7, 1, "the pod fails on node %s, which received the "
			    "new MachineConfig", n->name);
	}
	/* Platform services whose failure shows up in this pod's own words. */
	if (dns && ctx->dns_co != NOIDX)
		cand_add(c, nc, ctx->dns_co, 0.85, 0, "name resolution fails (%s) while the DNS "
		    "operator is unhealthy", "lookup error");
	else if (dns && ctx->net_co != NOIDX)
		cand_add(c, nc, ctx->net_co, 0.65, 0, "name resolution fails while the network "
		    "operator is unhealthy%s", "");
	if (ctx->net_co != NOIDX && (p->sym == PS_SANDBOX || (net && strong) ||
	    (net && ctx->net_namespaces >= 2)))
		cand_add(c, nc, ctx->net_co, strong || p->sym == PS_SANDBOX ? 0.85 : 0.65, 0,
		    "network errors while the network operator is unhealthy%s", "");
	if (ctx->storage_co != NOIDX && (p->sym == PS_MOUNT || (m && (detect_contains_ci(m,
	    "volume") || detect_contains_ci(m, "csi")))))
		cand_add(c, nc, ctx->storage_co, 0.8, 0, "volume errors while the storage "
		    "operator is unhealthy%s", "");
	if (p->sym == PS_MOUNT && p->claims) {
		char key[512], claim[256];
		const char *cl = p->claims;

		while (cl && *cl) {
			const char *e = strstr(cl, ", ");
			size_t len = e ? (size_t)(e - cl) : strlen(cl);

			if (len < sizeof(claim)) {
				memcpy(claim, cl, len);
				claim[len] = '\0';
				fi = detect_map_get(&d->pvc_ix, detect_key3(key, sizeof(key),
				    p->ns, claim, ""));
				if (fi != NOIDX)
					cand_add(c, nc, VEC_AT(&d->pvcs, struct detect_pvc,
					    fi)->finding, 0.9, 0, "the pod mounts unbound "
					    "PersistentVolumeClaim %s", claim);
			}
			cl = e ? e + 2 : NULL;
		}
	}
}

/* Drops co-location candidates when the workload fails the same way on a clean node. */
static void
cand_refute(struct coord_detect *d, struct pod_ctx *ctx, size_t pi, struct cand *c, size_t *nc)
{
	struct detect_pod *p = POD(d, pi);
	size_t i, j, top;

	if (p->owner == NOIDX || (top = OWNER(d, p->owner)->top) == NOIDX)
		return;
	if (!(ctx->clean_mask[top] & (1u << p->sym)))
		return;
	for (i = j = 0; i < *nc; i++)
		if (!c[i].local)
			c[j++] = c[i];
	*nc = j;
}

static int
link_pods(struct coord_detect *d, struct pod_ctx *ctx)
{
	struct cand c[MAX_CAND];
	char ireason[220];
	size_t i, k, nc;
	int hint, r;

	for (i = 0; i < d->pods.len; i++) {
		struct detect_pod *p = POD(d, i);

		if (p->finding == NOIDX)
			continue;
		pod_candidates(d, ctx, i, c, &nc, &hint, ireason, sizeof(ireason));
		cand_refute(d, ctx, i, c, &nc);
		p = POD(d, i);	/* findings may have grown: re-read */
		if (nc == 0) {
			p->intrinsic = 1;
			continue;
		}
		for (k = 0; k < nc; k++)
			if ((r = detect_link_add(d, c[k].cause, p->finding, c[k].strength, "%s",
			    c[k].reason)) < 0)
				return r;
	}
	return 0;
}

/* ---- operators ------------------------------------------------------------------------ */

static int
link_operators(struct coord_detect *d)
{
	size_t i, k, n_ext, n_int, fi;
	int r = 0;

	for (i = 0; i < d->cos.len && r == 0; i++) {
		struct detect_co *co = VEC_AT(&d->cos, struct detect_co, i);

		if (co->finding == NOIDX || !(co->flags & (CF_DEGRADED | CF_UNAVAILABLE)))
			continue;
		n_ext = n_int = 0;
		for (k = 0; k < d->pods.len; k++) {
			struct detect_pod *p = POD(d, k);

			if (p->finding == NOIDX || !co->namespaces ||
			    !detect_list_has(co->namespaces, p->ns))
				continue;
			p->claimed = 1;
			if (p->intrinsic)
				n_int++;
			else
				n_ext++;
		}
		for (k = 0; k < d->pods.len && r == 0; k++) {
			struct detect_pod *p = POD(d, k);

			if (p->finding == NOIDX || !co->namespaces ||
			    !detect_list_has(co->namespaces, p->ns))
				continue;
			if (n_int > 0 && p->intrinsic)
				r = detect_link_add(d, co->finding, p->finding, 0.85, "operand of "
				    "ClusterOperator %s", co->name);
			else if (n_int == 0)
				r = detect_link_add(d, p->finding, co->finding, 0.85, "failing operand "
				    "pod degrades ClusterOperator %s", co->name);
		}
		/* The operator names a broken node in its message. */
		for (k = 0; k < d->nodes.len && r == 0 && co->msg; k++) {
			struct detect_node *n = NODE(d, k);

			if (n->f_first == NOIDX || strstr(co->msg, n->name) == NULL)
				continue;
			r = detect_link_add(d, n->f_first, co->finding, 0.7, "ClusterOperator %s "
			    "reports node %s", co->name, n->name);
		}
		if (r == 0 && strcmp(co->name, "machine-config") == 0)
			for (k = 0; k < d->mcps.len && r == 0; k++)
				if ((fi = VEC_AT(&d->mcps, struct detect_mcp, k)->finding) != NOIDX)
					r = detect_link_add(d, fi, co->finding, 0.8, "the machine-config"
					    " operator reports its pools");
	}
	return r;
}

/* ---- workloads ------------------------------------------------------------------------ */

void
detect_rollout_info(struct coord_detect *d, size_t top, struct detect_rollout *r)
{
	struct detect_owner *w = OWNER(d, top), *o;
	long newest = -1, older = -1, rev;
	size_t i, new_rs = NOIDX, old_rs = NOIDX;
	int fail_old = 0;

	memset(r, 0, sizeof(*r));
	if (strcmp(w->kind, "Deployment") != 0)
		return;
	for (i = 0; i < d->owners.len; i++) {
		o = OWNER(d, i);
		if (o->top != top || i == top || strcmp(o->kind, "ReplicaSet") != 0 || !o->revision)
			continue;
		rev = strtol(o->revision, NULL, 10);
		if (rev > newest) {
			newest = rev;
			new_rs = i;
		}
	}
	if (new_rs == NOIDX)
		return;
	for (i = 0; i < d->owners.len; i++) {
		o = OWNER(d, i);
		if (o->top != top || i == top || i == new_rs || strcmp(o->kind, "ReplicaSet") != 0 ||
		    !o->revision)
			continue;
		rev = strtol(o->revision, NULL, 10);
		if (o->failing > 0)
			fail_old = 1;
		if (rev > older && (o->ready > 0 || o->available > 0 || o->pods > o->failing)) {
			older = rev;
			old_rs = i;
		}
	}
	r->new_rev = OWNER(d, new_rs)->revision;
	r->new_images = OWNER(d, new_rs)->images;
	if (old_rs != NOIDX) {
		r->old_rev = OWNER(d, old_rs)->revision;
		r->old_images = OWNER(d, old_rs)->images;
	}
	r->bad = OWNER(d, new_rs)->failing > 0 && !fail_old && old_rs != NOIDX;
}

struct agg {
	uint32_t n, n_int, counts[PS_COUNT], int_counts[PS_COUNT];
	uint32_t clean_nodes, any_nodes;
};

static int
workload_chain(struct coord_detect *d)
{
	size_t i, top;

	d->top_head = malloc((d->owners.len ? d->owners.len : 1) * sizeof(size_t));
	d->pod_next = malloc((d->pods.len ? d->pods.len : 1) * sizeof(size_t));
	if (d->top_head == NULL || d->pod_next == NULL)
		return -ENOMEM;
	for (i = 0; i < d->owners.len; i++)
		d->top_head[i] = NOIDX;
	for (i = d->pods.len; i-- > 0;) {
		struct detect_pod *p = POD(d, i);

		d->pod_next[i] = NOIDX;
		if (p->finding == NOIDX || p->owner == NOIDX)
			continue;
		top = OWNER(d, p->owner)->top;
		d->pod_next[i] = d->top_head[top];
		d->top_head[top] = i;
	}
	return 0;
}

static int
workload_one(struct coord_detect *d, size_t top)
{
	struct detect_owner *w = OWNER(d, top);
	struct detect_rollout ro;
	struct agg a;
	char extra[600];
	uint32_t *cnt, best = 0;
	enum pod_sym sym = PS_NONE;
	size_t i, s, fi, sample = NOIDX, ni;
	int intrinsic, r = 0;

	memset(&a, 0, sizeof(a));
	for (i = d->top_head[top]; i != NOIDX; i = d->pod_next[i]) {
		struct detect_pod *p = POD(d, i);

		a.n++;
		a.counts[p->sym]++;
		if (p->intrinsic && !p->claimed) {
			a.n_int++;
			a.int_counts[p->sym]++;
		}
		ni = p->node ? detect_map_get(&d->node_ix, p->node) : NOIDX;
		if (node_is_clean(d, ni))
			a.clean_nodes++;
		if (ni != NOIDX)
			a.any_nodes++;
	}
	if (a.n == 0)
		return 0;
	intrinsic = a.n_int > 0;
	cnt = intrinsic ? a.int_counts : a.counts;
	for (s = 1; s < PS_COUNT; s++)
		if (cnt[s] > best) {
			best = cnt[s];
			sym = (enum pod_sym)s;
		}
	for (i = d->top_head[top]; i != NOIDX && sample == NOIDX; i = d->pod_next[i])
		if (POD(d, i)->sym == sym)
			sample = i;
	extra[0] = '\0';
	detect_rollout_info(d, top, &ro);
	if (ro.bad)
		snprintf(extra, sizeof(extra), "; failing since the rollout to revision %s (%s), "
		    "revision %s (%s) still serves", ro.new_rev, ro.new_images ? ro.new_images :
		    "?", ro.old_rev, ro.old_images ? ro.old_images : "?");
	else if (w->flags & OF_PROGRESS_DEADLINE)
		snprintf(extra, sizeof(extra), "; rollout stuck: %s", w->msg ? w->msg : "");
	if ((fi = w->finding) == NOIDX) {
		struct detect_pod *sp = POD(d, sample);
		long long total = w->replicas >= (long long)a.n ? w->replicas : (long long)a.n;

		fi = detect_finding_add(d, detect_is_platform_ns(w->ns) ? L_PLATFORM : L_APP,
		    intrinsic ? detect_pod_sym_name(sym) : "WorkloadDegraded", w->kind, w->ns,
		    w->name, intrinsic ? (a.clean_nodes >= 2 ? 0.9 : 0.8) : 0.85,
		    "%s %s/%s: %u of %lld pod(s) failing (%s%s) on %u node(s)%s; e.g. %s: %s%s",
		    w->kind, w->ns, w->name, a.n, total, detect_pod_sym_name(sym),
		    a.n > best ? ", mixed" : "", a.any_nodes, a.clean_nodes >= 2 ?
		    ", several of them healthy" : "", sp->name, sp->msg ? sp->msg : "", extra);
		if (fi == NOIDX)
			return -ENOMEM;
		w = OWNER(d, top);
		w->finding = fi;
		FINDING(d, fi)->owner = top;
	}
	FINDING(d, fi)->flags |= FF_SYMPTOM | FF_AGG | (intrinsic ? FF_INTRINSIC : 0);
	FINDING(d, fi)->method = w->method;
	for (i = d->top_head[top]; i != NOIDX && r == 0; i = d->pod_next[i]) {
		struct detect_pod *p = POD(d, i);

		if (intrinsic && p->intrinsic && !p->claimed)
			r = detect_link_add(d, fi, p->finding, a.clean_nodes >= 2 ? 0.9 : 0.8,
			    a.clean_nodes >= 2 ? "the same failure on several healthy nodes: the "
			    "workload itself (spec, config or image)" : "no infrastructure or "
			    "platform cause: the workload itself");
		else if (!intrinsic)
			r = detect_link_add(d, p->finding, fi, 0.9, "a failing pod degrades its %s",
			    w->kind);
	}
	return r;
}

static int
link_workloads(struct coord_detect *d)
{
	size_t top;
	int r;

	if ((r = workload_chain(d)) < 0)
		return r;
	for (top = 0; top < d->owners.len; top++)
		if (d->top_head[top] != NOIDX && (r = workload_one(d, top)) < 0)
			return r;
	return 0;
}

/* Services and Argo CD Applications are effects of the workloads behind them. */
static int
link_app_objects(struct coord_detect *d)
{
	const char *key;
	json_t *v;
	size_t i, k;
	int r = 0, match;

	for (i = 0; i < d->services.len && r == 0; i++) {
		struct detect_service *s = VEC_AT(&d->services, struct detect_service, i);

		if (s->finding == NOIDX)
			continue;
		for (k = 0; k < d->pods.len && r == 0; k++) {
			struct detect_pod *p = POD(d, k);
			size_t cause;

			if (p->finding == NOIDX || strcmp(p->ns, s->ns) != 0 || p->labels == NULL)
				continue;
			match = 1;
			json_object_foreach(s->selector, key, v) {
				json_t *lv = json_object_get(p->labels, key);

				if (!json_is_string(lv) || !json_equal(lv, v)) {
					match = 0;
					break;
				}
			}
			if (!match)
				continue;
			cause = p->owner != NOIDX && OWNER(d, OWNER(d, p->owner)->top)->finding !=
			    NOIDX ? OWNER(d, OWNER(d, p->owner)->top)->finding : p->finding;
			r = detect_link_add(d, cause, s->finding, 0.85, "Service %s selects the "
			    "failing pods", s->name);
		}
	}
	for (i = 0; i < d->owners.len && r == 0; i++) {
		struct detect_owner *w = OWNER(d, i);
		size_t ai;

		if (w->finding == NOIDX || w->method != M_ARGOCD || w->method_ref == NULL ||
		    (ai = detect_map_get(&d->app_ix, w->method_ref)) == NOIDX ||
		    VEC_AT(&d->apps, struct detect_app, ai)->finding == NOIDX)
			continue;
		r = detect_link_add(d, w->finding, VEC_AT(&d->apps, struct detect_app, ai)->finding,
		    0.85, "Argo CD Application %s manages %s %s", w->method_ref, w->kind, w->name);
	}
	for (i = 0; i < d->pvcs.len && r == 0; i++) {
		struct detect_pvc *p = VEC_AT(&d->pvcs, struct detect_pvc, i);
		size_t co = co_find(d, "storage", 1);

		if (p->finding != NOIDX && co != NOIDX)
			r = detect_link_add(d, co, p->finding, 0.7, "volumes are provisioned by the "
			    "storage operator, which is unhealthy");
	}
	return r;
}

int
detect_causal_link(struct coord_detect *d)
{
	struct pod_ctx ctx;
	char *nsl = NULL;
	size_t i, ni, top;
	int r, strong;

	memset(&ctx, 0, sizeof(ctx));
	/* an operator that is only Progressing (an SDN reconfiguration) still counts */
	if ((ctx.net_co = co_find(d, "network", 1)) == NOIDX)
		ctx.net_co = co_find(d, "network", 0);
	if ((ctx.dns_co = co_find(d, "dns", 1)) == NOIDX)
		ctx.dns_co = co_find(d, "dns", 0);
	ctx.storage_co = co_find(d, "storage", 1);
	if ((ctx.clean_mask = calloc(d->owners.len ? d->owners.len : 1,
	    sizeof(uint32_t))) == NULL)
		return -ENOMEM;
	for (i = 0; i < d->pods.len; i++) {
		struct detect_pod *p = POD(d, i);

		if (p->finding == NOIDX)
			continue;
		ni = p->node ? detect_map_get(&d->node_ix, p->node) : NOIDX;
		if (p->owner != NOIDX && node_is_clean(d, ni) &&
		    (top = OWNER(d, p->owner)->top) != NOIDX)
			ctx.clean_mask[top] |= 1u << p->sym;
		if (!detect_is_platform_ns(p->ns) && (detect_msg_is_net(p->msg, &strong) ||
		    detect_msg_is_dns(p->msg)) && !detect_list_has(nsl, p->ns)) {
			if (detect_list_add(&nsl, p->ns, 4096) < 0)
				break;
			ctx.net_namespaces++;
		}
	}
	free(nsl);
	r = link_infra(d);
	if (r == 0)
		r = link_pods(d, &ctx);
	if (r == 0)
		r = link_operators(d);
	if (r == 0)
		r = link_workloads(d);
	if (r == 0)
		r = link_app_objects(d);
	free(ctx.clean_mask);
	return r;
}
