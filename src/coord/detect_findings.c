/*
 * Findings: facts with their source.  Each cites the evidence a human would quote —
 * the condition message, the event text, the annotation value — and carries a short
 * stable symptom code (NodeMemoryPressure, CrashLoopBackOff, OperatorDegraded, …).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

size_t
detect_finding_add(struct coord_detect *d, enum detect_layer layer, const char *symptom,
    const char *kind, const char *ns, const char *name, double strength, const char *fmt, ...)
{
	struct detect_finding *f;
	char buf[1024];
	va_list ap;
	size_t i;

	if ((i = detect_vec_push(&d->findings)) == NOIDX)
		return NOIDX;
	f = VEC_AT(&d->findings, struct detect_finding, i);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f->layer = layer;
	f->symptom = symptom;
	f->strength = strength;
	f->owner = f->pod = f->node = f->next_on_node = f->root_mark = NOIDX;
	f->kind = strdup(kind);
	f->ns = strdup(ns ? ns : "");
	f->name = strdup(name ? name : "");
	f->detail = strdup(buf);
	if (f->kind == NULL || f->ns == NULL || f->name == NULL || f->detail == NULL) {
		free(f->kind); free(f->ns); free(f->name); free(f->detail);
		d->findings.len--;
		return NOIDX;
	}
	return i;
}

int
detect_link_add(struct coord_detect *d, size_t cause, size_t effect, double strength,
    const char *fmt, ...)
{
	struct detect_link *l;
	char buf[512];
	va_list ap;
	size_t i;

	if (cause == NOIDX || effect == NOIDX || cause == effect)
		return 0;
	for (i = d->links.len; i-- > 0;) {	/* recent duplicates are common */
		l = VEC_AT(&d->links, struct detect_link, i);
		if (l->cause == cause && l->effect == effect)
			return 0;
		if (d->links.len - i > 64)
			break;
	}
	if ((i = detect_vec_push(&d->links)) == NOIDX)
		return -ENOMEM;
	l = VEC_AT(&d->links, struct detect_link, i);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	l->cause = cause;
	l->effect = effect;
	l->strength = strength;
	if ((l->reason = strdup(buf)) == NULL) {
		d->links.len--;
		return -ENOMEM;
	}
	VEC_AT(&d->findings, struct detect_finding, effect)->ncause++;
	return 0;
}

static time_t
event_anchor(struct coord_detect *d)
{
	if (d->newest_event > 0 && d->newest_event < d->now)
		return d->newest_event;
	return d->now;
}

const struct detect_event *
detect_event_find(struct coord_detect *d, const char *kind, const char *ns,
    const char *name, const char *reason)
{
	const struct detect_event *e;
	char key[600];
	size_t i;

	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s", kind, ns ? ns : "", name, reason);
	if ((i = detect_map_get(&d->event_ix, key)) == NOIDX)
		return NULL;
	e = VEC_AT(&d->events, struct detect_event, i);
	if (e->last != 0 && e->last + (time_t)d->window < event_anchor(d))
		return NULL;	/* outside the recent window */
	return e;
}

const char *
detect_pod_sym_name(enum pod_sym s)
{
	static const char *const names[PS_COUNT] = {
		[PS_NONE] = "Healthy", [PS_CRASHLOOP] = "CrashLoopBackOff",
		[PS_OOM] = "OOMKilled", [PS_IMAGEPULL] = "ImagePullBackOff",
		[PS_CONFIG] = "CreateContainerConfigError", [PS_CREATE_ERR] = "CreateContainerError",
		[PS_EVICTED] = "Evicted", [PS_UNSCHEDULABLE] = "FailedScheduling",
		[PS_READINESS] = "ReadinessProbeFailed", [PS_FAILED] = "PodFailed",
		[PS_PENDING] = "PodPending", [PS_UNKNOWN] = "PodUnknown",
		[PS_TERMINATING] = "PodTerminating", [PS_MOUNT] = "FailedMount",
		[PS_SANDBOX] = "FailedCreatePodSandBox",
	};

	return s < PS_COUNT && names[s] ? names[s] : "Unknown";
}

static enum detect_layer
ns_layer(const char *ns)
{
	return detect_is_platform_ns(ns) ? L_PLATFORM : L_APP;
}

/* ---- nodes ---------------------------------------------------------------------------- */

static int
node_add(struct coord_detect *d, size_t ni, const char *sym, double strength,
    const char *detail)
{
	struct detect_node *n = VEC_AT(&d->nodes, struct detect_node, ni);
	struct detect_finding *f;
	size_t fi;

	fi = detect_finding_add(d, L_INFRA, sym, "Node", NULL, n->name, strength, "%s%s%s%s",
	    detail, n->taints ? " (taints: " : "", n->taints ? n->taints : "",
	    n->taints ? ")" : "");
	if (fi == NOIDX)
		return -ENOMEM;
	f = VEC_AT(&d->findings, struct detect_finding, fi);
	f->flags |= FF_NODE;
	f->node = ni;
	f->next_on_node = n->f_first;
	n->f_first = fi;
	return 0;
}

static int
nodes_build(struct coord_detect *d)
{
	char buf[1024];
	size_t i;
	int rc = 0;

	/* Evictions name the resource the kubelet was short of, even after it recovered. */
	for (i = 0; i < d->pods.len; i++) {
		struct detect_pod *p = VEC_AT(&d->pods, struct detect_pod, i);
		size_t ni;

		if (p->sym != PS_EVICTED || p->node == NULL || p->msg == NULL ||
		    (ni = detect_map_get(&d->node_ix, p->node)) == NOIDX)
			continue;
		if (detect_contains_ci(p->msg, "memory"))
			VEC_AT(&d->nodes, struct detect_node, ni)->flags |= NF_EVICT_MEM;
		else if (detect_contains_ci(p->msg, "ephemeral-storage") ||
		    detect_contains_ci(p->msg, "nodefs") || detect_contains_ci(p->msg, "imagefs") ||
		    detect_contains_ci(p->msg, "disk"))
			VEC_AT(&d->nodes, struct detect_node, ni)->flags |= NF_EVICT_DISK;
	}
	for (i = 0; i < d->nodes.len && rc == 0; i++) {
		struct detect_node *n = VEC_AT(&d->nodes, struct detect_node, i);

		if (!(n->flags & NF_SEEN))
			continue;
		if (n->flags & NF_NOTREADY) {
			snprintf(buf, sizeof(buf), "Node %s is not Ready (%s)", n->name,
			    n->msg_ready ? n->msg_ready : "Ready condition not True");
			rc = node_add(d, i, "NodeNotReady", 0.95, buf);
		}
		if (rc == 0 && (n->flags & (NF_MEMP | NF_EVICT_MEM))) {
			snprintf(buf, sizeof(buf), (n->flags & NF_MEMP) ?
			    "Node %s has MemoryPressure=True: %s" :
			    "Node %s evicted pods for memory (MemoryPressure has since cleared)%s",
			    n->name, (n->flags & NF_MEMP) ? (n->msg_mem ? n->msg_mem :
			    "kubelet has insufficient memory available") : "");
			rc = node_add(d, i, "NodeMemoryPressure", (n->flags & NF_MEMP) ? 0.95 :
			    0.7, buf);
		}
		if (rc == 0 && (n->flags & (NF_DISKP | NF_EVICT_DISK))) {
			snprintf(buf, sizeof(buf), (n->flags & NF_DISKP) ?
			    "Node %s has DiskPressure=True: %s" :
			    "Node %s evicted pods for disk (DiskPressure has since cleared)%s",
			    n->name, (n->flags & NF_DISKP) ? (n->msg_disk ? n->msg_disk :
			    "kubelet has disk pressure") : "");
			rc = node_add(d, i, "NodeDiskPressure", (n->flags & NF_DISKP) ? 0.95 : 0.7,
			    buf);
		}
		if (rc == 0 && (n->flags & NF_PIDP)) {
			snprintf(buf, sizeof(buf), "Node %s has PIDPressure=True: %s", n->name,
			    n->msg_pid ? n->msg_pid : "");
			rc = node_add(d, i, "NodePIDPressure", 0.95, buf);
		}
		if (rc == 0 && (n->flags & NF_NETUNAVAIL)) {
			snprintf(buf, sizeof(buf), "Node %s has NetworkUnavailable=True: %s",
			    n->name, n->msg_net ? n->msg_net : "");
			rc = node_add(d, i, "NodeNetworkUnavailable", 0.95, buf);
		}
		if (rc == 0 && (n->flags & NF_MCO_DEGRADED)) {
			snprintf(buf, sizeof(buf), "Node %s: machineconfiguration.openshift.io/state=%s"
			    " (currentConfig %s, desiredConfig %s)%s%s", n->name, n->mco_state,
			    n->mco_current ? n->mco_current : "?",
			    n->mco_desired ? n->mco_desired : "?",
			    n->mco_reason && *n->mco_reason ? ": " : "",
			    n->mco_reason ? n->mco_reason : "");
			rc = node_add(d, i, "NodeMCODegraded", 0.95, buf);
		} else if (rc == 0 && (n->flags & NF_MCO_WORKING)) {
			snprintf(buf, sizeof(buf), "Node %s is being updated by the MCO: state=%s, "
			    "currentConfig %s, desiredConfig %s%s", n->name,
			    n->mco_state ? n->mco_state : "?", n->mco_current ? n->mco_current : "?",
			    n->mco_desired ? n->mco_desired : "?",
			    (n->flags & NF_UNSCHED) ? ", cordoned" : "");
			rc = node_add(d, i, "NodeMCOUpdating", 0.8, buf);
		}
	}
	return rc;
}

/* ---- MachineConfigPools and MachineConfigs ------------------------------------------- */

static int
mcp_rolling(const struct detect_mcp *p)
{
	return (p->flags & (CF_UPDATING | CF_DEGRADED)) || (p->spec_config && p->status_config &&
	    strcmp(p->spec_config, p->status_config) != 0) ||
	    (p->machines > 0 && p->updated < p->machines);
}

/* The MachineConfig being rolled out: in the target's sources but not the current's. */
static const char *
mcp_new_mc(struct coord_detect *d, struct detect_mcp *p, time_t *created)
{
	const char *s = p->spec_sources, *best = NULL;
	time_t bt = 0;
	size_t i;
	char item[256];

	while (s != NULL && *s) {
		const char *e = strstr(s, ", ");
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len < sizeof(item)) {
			memcpy(item, s, len);
			item[len] = '\0';
			if (!detect_list_has(p->status_sources, item) && p->status_sources) {
				for (i = 0; i < d->mcs.len; i++)
					if (strcmp(VEC_AT(&d->mcs, struct detect_mc, i)->name, item) == 0)
						bt = VEC_AT(&d->mcs, struct detect_mc, i)->created;
				free(p->new_mc);
				p->new_mc = strdup(item);
				*created = bt;
				return p->new_mc;
			}
		}
		s = e ? e + 2 : NULL;
	}
	/* No source lists: the newest non-rendered MachineConfig for the pool's role. */
	for (i = 0; i < d->mcs.len; i++) {
		struct detect_mc *m = VEC_AT(&d->mcs, struct detect_mc, i);

		if (strncmp(m->name, "rendered-", 9) == 0 || m->role == NULL ||
		    strcmp(m->role, p->role) != 0)
			continue;
		if (best == NULL || m->created > bt) {
			best = m->name;
			bt = m->created;
		}
	}
	if (best == NULL)
		return NULL;
	free(p->new_mc);
	p->new_mc = strdup(best);
	*created = bt;
	return p->new_mc;
}

static int
node_in_pool(const struct detect_node *n, const struct detect_mcp *p)
{
	if (n->pool)
		return strcmp(n->pool, p->name) == 0;
	return n->roles && detect_list_has(n->roles, p->role) &&
	    !(strcmp(p->role, "worker") == 0 && (n->flags & NF_CONTROLPLANE));
}

static int
mcps_build(struct coord_detect *d)
{
	char when[64];
	size_t i, k, fi;

	for (i = 0; i < d->mcps.len; i++) {
		struct detect_mcp *p = VEC_AT(&d->mcps, struct detect_mcp, i);
		time_t created = 0;
		const char *mc;

		if (!mcp_rolling(p))
			continue;
		fi = detect_finding_add(d, L_INFRA, (p->flags & CF_DEGRADED) ? "MCPDegraded" :
		    "MCPUpdating", "MachineConfigPool", NULL, p->name, 0.9,
		    "MachineConfigPool %s is %s: %lld/%lld machines updated, %lld degraded; "
		    "rendering %s (current %s)%s%s%s", p->name, (p->flags & CF_DEGRADED) ?
		    "Degraded" : "Updating", (long long)p->updated, (long long)p->machines,
		    (long long)p->degraded, p->spec_config ? p->spec_config : "?",
		    p->status_config ? p->status_config : "?", p->msg ? ": " : "",
		    p->msg ? p->msg : "", (p->flags & CF_PAUSED) ? " (paused)" : "");
		if (fi == NOIDX)
			return -ENOMEM;
		p->finding = fi;
		/* Nodes the rollout has reached: desired = the target rendered config. */
		for (k = 0; k < d->nodes.len; k++) {
			struct detect_node *n = VEC_AT(&d->nodes, struct detect_node, k);

			if (!(n->flags & NF_SEEN) || !node_in_pool(n, p))
				continue;
			if ((p->spec_config && n->mco_desired && strcmp(n->mco_desired,
			    p->spec_config) == 0 && (!p->status_config ||
			    strcmp(p->spec_config, p->status_config) != 0)) ||
			    (n->flags & (NF_MCO_WORKING | NF_MCO_DEGRADED)))
				n->flags |= NF_TOUCHED;
		}
		if ((mc = mcp_new_mc(d, p, &created)) == NULL)
			continue;
		when[0] = '\0';
		if (created) {
			struct tm tm;

			gmtime_r(&created, &tm);
			strftime(when, sizeof(when), " (created %Y-%m-%dT%H:%M:%SZ)", &tm);
		}
		p->f_mc = detect_finding_add(d, L_INFRA, "MachineConfigChange", "MachineConfig",
		    NULL, mc, 0.85, "MachineConfig %s%s is being rolled out to pool %s "
		    "(%s → %s); %lld/%lld nodes updated", mc, when, p->name,
		    p->status_config ? p->status_config : "?",
		    p->spec_config ? p->spec_config : "?", (long long)p->updated,
		    (long long)p->machines);
		if (p->f_mc == NOIDX)
			return -ENOMEM;
	}
	return 0;
}

/* ---- operators, cluster version, machines ------------------------------------------- */

static int
platform_build(struct coord_detect *d)
{
	size_t i;

	for (i = 0; i < d->cos.len; i++) {
		struct detect_co *c = VEC_AT(&d->cos, struct detect_co, i);
		const char *sym;
		double s;

		if (c->flags & CF_DEGRADED) {
			sym = "OperatorDegraded";
			s = 0.9;
		} else if (c->flags & CF_UNAVAILABLE) {
			sym = "OperatorUnavailable";
			s = 0.9;
		} else if (c->flags & CF_PROGRESSING) {
			sym = "OperatorProgressing";
			s = 0.3;
		} else
			continue;
		c->finding = detect_finding_add(d, L_PLATFORM, sym, "ClusterOperator", NULL,
		    c->name, s, "ClusterOperator %s %s", c->name, c->msg ? c->msg : "");
		if (c->finding == NOIDX)
			return -ENOMEM;
	}
	if (d->cv_failing || d->cv_progressing) {
		if (detect_finding_add(d, L_PLATFORM, d->cv_failing ? "ClusterVersionFailing" :
		    "ClusterUpgrading", "ClusterVersion", NULL, "version", 0.5,
		    "ClusterVersion %s%s: %s", d->cv_failing ? "is Failing" :
		    "is Progressing (an upgrade is in flight)", d->cv_version ? d->cv_version : "",
		    d->cv_msg ? d->cv_msg : "") == NOIDX)
			return -ENOMEM;
	}
	for (i = 0; i < d->machines.len; i++) {
		struct detect_machine *m = VEC_AT(&d->machines, struct detect_machine, i);

		if (!(m->phase && strcmp(m->phase, "Failed") == 0) && m->msg == NULL)
			continue;
		m->finding = detect_finding_add(d, L_INFRA, "MachineFailed", "Machine", m->ns,
		    m->name, 0.9, "Machine %s/%s phase %s%s%s (node %s)", m->ns, m->name,
		    m->phase ? m->phase : "?", m->msg ? ": " : "", m->msg ? m->msg : "",
		    m->node ? m->node : "none");
		if (m->finding == NOIDX)
			return -ENOMEM;
	}
	return 0;
}

/* ---- pods ----------------------------------------------------------------------------- */

static int
pods_build(struct coord_detect *d)
{
	const struct detect_event *e;
	char lim[32], extra[600];
	size_t i;

	for (i = 0; i < d->pods.len; i++) {
		struct detect_pod *p = VEC_AT(&d->pods, struct detect_pod, i);
		const char *msg = p->msg ? p->msg : "";
		struct detect_finding *f;
		size_t ni = p->node ? detect_map_get(&d->node_ix, p->node) : NOIDX;
		double s = 0.9;

		extra[0] = '\0';
		if (p->sym == PS_PENDING || p->sym == PS_UNSCHEDULABLE) {
			if ((e = detect_event_find(d, "Pod", p->ns, p->name, "FailedMount")) ||
			    (e = detect_event_find(d, "Pod", p->ns, p->name, "FailedAttachVolume")))
				p->sym = PS_MOUNT;
			else if ((e = detect_event_find(d, "Pod", p->ns, p->name,
			    "FailedCreatePodSandBox")))
				p->sym = PS_SANDBOX;
			else if ((e = detect_event_find(d, "Pod", p->ns, p->name,
			    "FailedScheduling")))
				p->sym = PS_UNSCHEDULABLE;
			if (e) {
				free(p->msg);
				p->msg = detect_strdup(e->msg);
				msg = p->msg ? p->msg : "";
			} else if (p->sym == PS_PENDING)
				s = 0.3;
		} else if (p->sym == PS_READINESS &&
		    (e = detect_event_find(d, "Pod", p->ns, p->name, "Unhealthy"))) {
			free(p->msg);
			p->msg = detect_strdup(e->msg);
			msg = p->msg ? p->msg : "";
		} else if (p->sym == PS_IMAGEPULL &&
		    (e = detect_event_find(d, "Pod", p->ns, p->name, "Failed"))) {
			snprintf(extra, sizeof(extra), "; event Failed: %s", e->msg);
		}
		if (p->sym == PS_TERMINATING && (ni == NOIDX ||
		    !(VEC_AT(&d->nodes, struct detect_node, ni)->flags & NF_NOTREADY)))
			continue;	/* a normal, transient state */
		if (p->sym == PS_OOM) {
			detect_fmt_bytes(p->mem_limit, lim, sizeof(lim));
			snprintf(extra, sizeof(extra), "; memory limit %s", lim);
		}
		p->finding = detect_finding_add(d, ns_layer(p->ns), detect_pod_sym_name(p->sym),
		    "Pod", p->ns, p->name, s, "Pod %s/%s%s%s: %s: %s%s%s%s%s", p->ns, p->name,
		    p->node ? " on node " : "", p->node ? p->node : "",
		    detect_pod_sym_name(p->sym), msg, extra, p->container ? " (container " : "",
		    p->container ? p->container : "", p->container ? ")" : "");
		if (p->finding == NOIDX)
			return -ENOMEM;
		f = VEC_AT(&d->findings, struct detect_finding, p->finding);
		f->flags |= FF_SYMPTOM;
		f->pod = i;
		f->owner = p->owner;
	}
	return 0;
}

/* ---- PVCs, services, Argo CD applications, owners' own failures ---------------------- */

static int
app_objects_build(struct coord_detect *d)
{
	const struct detect_event *e;
	struct detect_finding *f;
	char key[512];
	size_t i;

	for (i = 0; i < d->pvcs.len; i++) {
		struct detect_pvc *p = VEC_AT(&d->pvcs, struct detect_pvc, i);

		e = detect_event_find(d, "PersistentVolumeClaim", p->ns, p->name,
		    "ProvisioningFailed");
		p->finding = detect_finding_add(d, ns_layer(p->ns), strcmp(p->phase, "Lost") == 0 ?
		    "PVCLost" : "PVCPending", "PersistentVolumeClaim", p->ns, p->name, 0.9,
		    "PersistentVolumeClaim %s/%s is %s (storageClassName %s)%s%s", p->ns, p->name,
		    p->phase, p->sclass ? p->sclass : "default", e ? ": ProvisioningFailed: " : "",
		    e ? e->msg : "");
		if (p->finding == NOIDX)
			return -ENOMEM;
		VEC_AT(&d->findings, struct detect_finding, p->finding)->flags |= FF_SYMPTOM;
	}
	for (i = 0; i < d->services.len; i++) {
		struct detect_service *s = VEC_AT(&d->services, struct detect_service, i);
		size_t ei = detect_map_get(&d->ep_ix, detect_key3(key, sizeof(key), s->ns,
		    s->name, ""));
		struct detect_endpoints *ep = ei == NOIDX ? NULL :
		    VEC_AT(&d->endpoints, struct detect_endpoints, ei);

		if ((ep && ep->ready > 0) || (ep == NULL && !d->saw_endpoints))
			continue;
		s->finding = detect_finding_add(d, ns_layer(s->ns), "ServiceNoEndpoints",
		    "Service", s->ns, s->name, 0.85, "Service %s/%s has no ready endpoints%s%s%s",
		    s->ns, s->name, ep && ep->notready ? " (not ready: " : "",
		    ep && ep->notready_pods ? ep->notready_pods : "",
		    ep && ep->notready ? ")" : "");
		if (s->finding == NOIDX)
			return -ENOMEM;
		VEC_AT(&d->findings, struct detect_finding, s->finding)->flags |= FF_SYMPTOM;
	}
	for (i = 0; i < d->apps.len; i++) {
		struct detect_app *a = VEC_AT(&d->apps, struct detect_app, i);
		const char *sym;

		if (a->flags & CF_DEGRADED)
			sym = "ArgoAppDegraded";
		else if (a->flags & CF_SYNCFAILED)
			sym = "ArgoSyncFailed";
		else if (a->flags & CF_UNAVAILABLE)
			sym = "ArgoAppMissing";
		else if (a->flags & CF_OUTOFSYNC)
			sym = "ArgoAppOutOfSync";
		else
			continue;
		a->finding = detect_finding_add(d, L_APP, sym, "Application", a->ns, a->name,
		    0.8, "Argo CD Application %s/%s: sync %s, health %s%s%s", a->ns, a->name,
		    a->sync ? a->sync : "?", a->health ? a->health : "?", a->msg ? ": " : "",
		    a->msg ? a->msg : "");
		if (a->finding == NOIDX)
			return -ENOMEM;
		f = VEC_AT(&d->findings, struct detect_finding, a->finding);
		f->flags |= FF_SYMPTOM;
		f->method = M_ARGOCD;
	}
	/* Controllers that cannot create their pods (quota, admission) leave no pod behind. */
	for (i = 0; i < d->owners.len; i++) {
		struct detect_owner *w = VEC_AT(&d->owners, struct detect_owner, i);
		struct detect_owner *top;

		if (!(w->flags & OF_SEEN) ||
		    (e = detect_event_find(d, w->kind, w->ns, w->name, "FailedCreate")) == NULL)
			continue;
		top = VEC_AT(&d->owners, struct detect_owner, w->top);
		if (top->finding != NOIDX)
			continue;
		top->finding = detect_finding_add(d, ns_layer(w->ns), "FailedCreate", top->kind,
		    top->ns, top->name, 0.9, "%s %s/%s cannot create pods: %s", w->kind, w->ns,
		    w->name, e->msg);
		if (top->finding == NOIDX)
			return -ENOMEM;
		f = VEC_AT(&d->findings, struct detect_finding, top->finding);
		f->flags |= FF_SYMPTOM | FF_AGG | FF_INTRINSIC;
		f->owner = w->top;
		f->method = top->method;
	}
	return 0;
}

int
detect_findings_build(struct coord_detect *d)
{
	if (nodes_build(d) < 0 || mcps_build(d) < 0 || platform_build(d) < 0 ||
	    pods_build(d) < 0 || app_objects_build(d) < 0)
		return -ENOMEM;
	return 0;
}
