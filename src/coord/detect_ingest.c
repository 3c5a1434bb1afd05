/*
 * Ingest of the high-volume kinds — Node, Pod, Event — into compact summaries.
 *
 * A healthy pod costs two counter increments (its node, its owner) and nothing else; an
 * unhealthy pod keeps a small summary with the evidence a human would cite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

#define MAX_EVENTS	50000

size_t
detect_node_get(struct coord_detect *d, const char *name)
{
	struct detect_node *n;
	size_t i = detect_map_get(&d->node_ix, name);

	if (i != NOIDX)
		return i;
	if ((i = detect_vec_push(&d->nodes)) == NOIDX)
		return NOIDX;
	n = VEC_AT(&d->nodes, struct detect_node, i);
	n->f_first = NOIDX;
	if ((n->name = strdup(name)) == NULL || detect_map_put(&d->node_ix, name, i) < 0) {
		free(n->name);
		d->nodes.len--;
		return NOIDX;
	}
	return i;
}

size_t
detect_owner_get(struct coord_detect *d, const char *kind, const char *ns, const char *name)
{
	struct detect_owner *w;
	char key[512];
	size_t i;

	detect_key3(key, sizeof(key), kind, ns, name);
	if ((i = detect_map_get(&d->owner_ix, key)) != NOIDX)
		return i;
	if ((i = detect_vec_push(&d->owners)) == NOIDX)
		return NOIDX;
	w = VEC_AT(&d->owners, struct detect_owner, i);
	w->top = NOIDX;
	w->finding = NOIDX;
	w->kind = strdup(kind);
	w->ns = strdup(ns ? ns : "");
	w->name = strdup(name);
	if (w->kind == NULL || w->ns == NULL || w->name == NULL ||
	    detect_map_put(&d->owner_ix, key, i) < 0) {
		free(w->kind);
		free(w->ns);
		free(w->name);
		d->owners.len--;
		return NOIDX;
	}
	return i;
}

/* "rendered-worker-5f3a…" → "worker" */
static char *
pool_from_rendered(const char *rendered)
{
	const char *p, *dash;

	if (rendered == NULL || strncmp(rendered, "rendered-", 9) != 0)
		return NULL;
	p = rendered + 9;
	if ((dash = strrchr(p, '-')) == NULL || dash == p)
		return NULL;
	return strndup(p, (size_t)(dash - p));
}

int
detect_ingest_node(struct coord_detect *d, json_t *o)
{
	json_t *meta = json_object_get(o, "metadata"), *labels, *ann, *v, *t;
	const char *name = detect_jstr(meta, "name"), *key, *s;
	struct detect_node *n;
	char buf[512];
	size_t i;

	if (name == NULL)
		return -EINVAL;
	if ((i = detect_node_get(d, name)) == NOIDX)
		return -ENOMEM;
	n = VEC_AT(&d->nodes, struct detect_node, i);
	if (n->flags & NF_SEEN)
		return 0;	/* duplicate item: first wins */
	n->flags |= NF_SEEN;

	labels = json_object_get(meta, "labels");
	json_object_foreach(labels, key, v) {
		if (strncmp(key, "node-role.kubernetes.io/", 24) == 0 && key[24]) {
			if (detect_list_add(&n->roles, key + 24, 128) < 0)
				return -ENOMEM;
			if (strcmp(key + 24, "master") == 0 ||
			    strcmp(key + 24, "control-plane") == 0)
				n->flags |= NF_CONTROLPLANE;
		}
	}
	ann = json_object_get(meta, "annotations");
	n->mco_current = detect_strdup(json_string_value(json_object_get(ann,
	    "machineconfiguration.openshift.io/currentConfig")));
	n->mco_desired = detect_strdup(json_string_value(json_object_get(ann,
	    "machineconfiguration.openshift.io/desiredConfig")));
	n->mco_state = detect_strdup(json_string_value(json_object_get(ann,
	    "machineconfiguration.openshift.io/state")));
	n->mco_reason = detect_strdup(json_string_value(json_object_get(ann,
	    "machineconfiguration.openshift.io/reason")));
	n->machine = detect_strdup(json_string_value(json_object_get(ann,
	    "machine.openshift.io/machine")));
	n->pool = pool_from_rendered(n->mco_desired ? n->mco_desired : n->mco_current);
	if ((s = n->mco_state) != NULL) {
		if (strcmp(s, "Degraded") == 0 || strcmp(s, "Unreconcilable") == 0)
			n->flags |= NF_MCO_DEGRADED;
		else if (strcmp(s, "Working") == 0 || strcmp(s, "Rebooting") == 0)
			n->flags |= NF_MCO_WORKING;
	}
	if (n->mco_current && n->mco_desired && strcmp(n->mco_current, n->mco_desired) != 0 &&
	    !(n->flags & NF_MCO_DEGRADED))
		n->flags |= NF_MCO_WORKING;

	if (json_is_true(json_object_get(json_object_get(o, "spec"), "unschedulable")))
		n->flags |= NF_UNSCHED;
	json_array_foreach(json_object_get(json_object_get(o, "spec"), "taints"), i, t) {
		const char *k = detect_jstr(t, "key"), *val = detect_jstr(t, "value");
		const char *eff = detect_jstr(t, "effect");

		if (k == NULL || eff == NULL || strcmp(eff, "PreferNoSchedule") == 0)
			continue;
		snprintf(buf, sizeof(buf), "%s%s%s:%s", k, val && *val ? "=" : "",
		    val ? val : "", eff);
		if (detect_list_add(&n->taints, buf, 512) < 0)
			return -ENOMEM;
	}

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, t) {
		const char *type = detect_jstr(t, "type"), *st = detect_jstr(t, "status");
		const char *msg = detect_jstr(t, "message"), *rsn = detect_jstr(t, "reason");

		if (type == NULL || st == NULL)
			continue;
		if (msg == NULL || *msg == '\0')
			msg = rsn;
		if (strcmp(type, "Ready") == 0 && strcmp(st, "True") != 0) {
			n->flags |= NF_NOTREADY | (strcmp(st, "Unknown") == 0 ? NF_UNKNOWN : 0);
			snprintf(buf, sizeof(buf), "%s%s%s", rsn ? rsn : "", rsn && msg &&
			    msg != rsn ? ": " : "", msg && msg != rsn ? msg : "");
			free(n->msg_ready);	/* a repeated condition: the last one counts */
			n->msg_ready = detect_strdup(buf);
		} else if (strcmp(st, "True") != 0) {
			continue;
		} else if (strcmp(type, "MemoryPressure") == 0) {
			n->flags |= NF_MEMP;
			free(n->msg_mem);	/* a repeated condition: the last one counts */
			n->msg_mem = detect_strdup(msg);
		} else if (strcmp(type, "DiskPressure") == 0) {
			n->flags |= NF_DISKP;
			free(n->msg_disk);	/* a repeated condition: the last one counts */
			n->msg_disk = detect_strdup(msg);
		} else if (strcmp(type, "PIDPressure") == 0) {
			n->flags |= NF_PIDP;
			free(n->msg_pid);	/* a repeated condition: the last one counts */
			n->msg_pid = detect_strdup(msg);
		} else if (strcmp(type, "NetworkUnavailable") == 0) {
			n->flags |= NF_NETUNAVAIL;
			free(n->msg_net);	/* a repeated condition: the last one counts */
			n->msg_net = detect_strdup(msg);
		}
	}
	v = json_object_get(json_object_get(o, "status"), "allocatable");
	n->alloc_cpu_m = strata_quantity_milli(detect_jstr(v, "cpu"));
	n->alloc_mem = strata_quantity_bytes(detect_jstr(v, "memory"));
	return 0;
}

/* ---- pods ----------------------------------------------------------------------------- */

/* Severity order when containers disagree: the most specific evidence wins. */
static int
sym_rank(enum pod_sym s)
{
	switch (s) {
	case PS_CONFIG:		return 10;
	case PS_IMAGEPULL:	return 9;
	case PS_OOM:		return 8;
	case PS_CREATE_ERR:	return 7;
	case PS_CRASHLOOP:	return 6;
	case PS_READINESS:	return 3;
	case PS_PENDING:	return 2;
	default:		return s == PS_NONE ? 0 : 1;
	}
}

struct pod_eval {
	enum pod_sym	 sym;
	const char	*msg;
	const char	*container;
	const char	*image;
	char		 msgbuf[DETECT_MSG_MAX + 1];
	json_t		*cspec;		/* the failing container's spec (borrowed) */
};

static json_t *
container_spec(json_t *pod, const char *cname)
{
	static const char *const arrays[] = { "containers", "initContainers" };
	json_t *spec = json_object_get(pod, "spec"), *c;
	size_t a, i;

	for (a = 0; a < 2; a++)
		json_array_foreach(json_object_get(spec, arrays[a]), i, c) {
			const char *n = detect_jstr(c, "name");

			if (n && cname && strcmp(n, cname) == 0)
				return c;
		}
	return NULL;
}

static void
pod_eval_container(json_t *pod, json_t *cs, struct pod_eval *ev)
{
	json_t *st = json_object_get(cs, "state"), *last = json_object_get(cs, "lastState");
	const char *wr = detect_jstr(st, "waiting.reason");
	const char *tr = detect_jstr(st, "terminated.reason");
	const char *lr = detect_jstr(last, "terminated.reason");
	const char *cname = detect_jstr(cs, "name");
	enum pod_sym s = PS_NONE;
	const char *msg = NULL;
	char tmp[DETECT_MSG_MAX + 1];

	tmp[0] = '\0';
	if (wr != NULL) {
		msg = detect_jstr(st, "waiting.message");
		if (strcmp(wr, "CrashLoopBackOff") == 0) {
			const char *lm = detect_jstr(last, "terminated.message");

			s = PS_CRASHLOOP;
			if (lr && strcmp(lr, "OOMKilled") == 0)
				s = PS_OOM;
			snprintf(tmp, sizeof(tmp), "%s%s (exit code %lld)%s%s",
			    lr ? "last terminated: " : "back-off restarting failed container",
			    lr ? lr : "", (long long)detect_jint(last, "terminated.exitCode", 0),
			    lm ? ": " : "", lm ? lm : "");
			msg = tmp;
		} else if (strcmp(wr, "ImagePullBackOff") == 0 ||
		    strcmp(wr, "ErrImagePull") == 0 || strcmp(wr, "InvalidImageName") == 0 ||
		    strcmp(wr, "ErrImageNeverPull") == 0)
			s = PS_IMAGEPULL;
		else if (strcmp(wr, "CreateContainerConfigError") == 0)
			s = PS_CONFIG;
		else if (strcmp(wr, "CreateContainerError") == 0 ||
		    strcmp(wr, "RunContainerError") == 0)
			s = PS_CREATE_ERR;
		else if (strcmp(wr, "ContainerCreating") == 0 ||
		    strcmp(wr, "PodInitializing") == 0)
			s = PS_PENDING;
		else
			s = PS_CREATE_ERR;
		if (msg == NULL)
			msg = wr;
	} else if (tr != NULL) {
		if (strcmp(tr, "OOMKilled") == 0)
			s = PS_OOM;
		else if (strcmp(tr, "Completed") != 0 &&
		    detect_jint(st, "terminated.exitCode", 0) != 0)
			s = PS_CRASHLOOP;
		if (s != PS_NONE) {
			const char *tm = detect_jstr(st, "terminated.message");

			snprintf(tmp, sizeof(tmp), "terminated: %s (exit code %lld)%s%s", tr,
			    (long long)detect_jint(st, "terminated.exitCode", 0),
			    tm ? ": " : "", tm ? tm : "");
			msg = tmp;
		}
	} else if (json_object_get(st, "running") && !json_is_true(json_object_get(cs,
	    "ready"))) {
		s = PS_READINESS;
		msg = "container is running but not ready";
		if (lr && strcmp(lr, "OOMKilled") == 0) {
			s = PS_OOM;
			msg = "restarted after OOMKilled (exit code 137), not ready";
		}
	}
	if (s != PS_NONE && sym_rank(s) > sym_rank(ev->sym)) {
		ev->sym = s;
		snprintf(ev->msgbuf, sizeof(ev->msgbuf), "%s", msg ? msg : "");
		ev->msg = ev->msgbuf;
		ev->container = cname;
		ev->image = detect_jstr(cs, "image");
		ev->cspec = container_spec(pod, cname);
	}
}

static void
pod_evaluate(json_t *o, struct pod_eval *ev)
{
	json_t *status = json_object_get(o, "status"), *cs, *c;
	const char *phase = detect_jstr(status, "phase"), *reason = detect_jstr(status,
	    "reason");
	size_t i;

	memset(ev, 0, sizeof(*ev));
	if (phase && strcmp(phase, "Succeeded") == 0)
		return;
	if (reason && strcmp(reason, "Evicted") == 0) {
		ev->sym = PS_EVICTED;
		ev->msg = detect_jstr(status, "message");
		return;
	}
	json_array_foreach(json_object_get(status, "initContainerStatuses"), i, cs)
		pod_eval_container(o, cs, ev);
	if (ev->sym == PS_READINESS)
		ev->sym = PS_NONE;	/* init containers are never "ready" while running */
	json_array_foreach(json_object_get(status, "containerStatuses"), i, cs)
		pod_eval_container(o, cs, ev);
	if (phase && strcmp(phase, "Failed") == 0 && sym_rank(ev->sym) < sym_rank(PS_CRASHLOOP)) {
		ev->sym = PS_FAILED;
		ev->msg = detect_jstr(status, "message");
		if (ev->msg == NULL)
			ev->msg = reason ? reason : "pod failed";
		return;
	}
	if (ev->sym != PS_NONE && ev->sym != PS_READINESS && ev->sym != PS_PENDING)
		return;
	if (phase && strcmp(phase, "Pending") == 0) {
		c = detect_condition(o, "PodScheduled");
		if (c && !detect_cond_true(c)) {
			ev->sym = PS_UNSCHEDULABLE;
			ev->msg = detect_jstr(c, "message");
			return;
		}
		if (ev->sym == PS_NONE) {
			ev->sym = PS_PENDING;
			ev->msg = "pod is pending";
		}
		return;
	}
	if (phase && strcmp(phase, "Unknown") == 0) {
		ev->sym = PS_UNKNOWN;
		ev->msg = reason ? reason : "pod status is Unknown";
		return;
	}
	c = detect_condition(o, "Ready");
	if (ev->sym == PS_NONE && c && !detect_cond_true(c)) {
		ev->sym = PS_READINESS;
		ev->msg = detect_jstr(c, "message");
		if (ev->msg == NULL)
			ev->msg = detect_jstr(c, "reason");
	}
	if (json_object_get(json_object_get(o, "metadata"), "deletionTimestamp") &&
	    (ev->sym == PS_NONE || ev->sym == PS_READINESS)) {
		ev->sym = PS_TERMINATING;
		ev->msg = "pod is terminating";
	}
}

static int
pod_collect_refs(json_t *o, struct detect_pod *p)
{
	json_t *spec = json_object_get(o, "spec"), *v, *c, *e;
	char buf[300];
	size_t i, j;
	const char *s;

	json_array_foreach(json_object_get(spec, "volumes"), i, v) {
		if ((s = detect_jstr(v, "persistentVolumeClaim.claimName")) != NULL &&
		    detect_list_add(&p->claims, s, 512) < 0)
			return -ENOMEM;
		if ((s = detect_jstr(v, "configMap.name")) != NULL) {
			snprintf(buf, sizeof(buf), "configmap:%s", s);
			if (detect_list_add(&p->volrefs, buf, 512) < 0)
				return -ENOMEM;
		}
		if ((s = detect_jstr(v, "secret.secretName")) != NULL) {
			snprintf(buf, sizeof(buf), "secret:%s", s);
			if (detect_list_add(&p->volrefs, buf, 512) < 0)
				return -ENOMEM;
		}
	}
	json_array_foreach(json_object_get(spec, "containers"), i, c) {
		const char *rc = detect_jstr(c, "resources.requests.cpu");
		const char *rm = detect_jstr(c, "resources.requests.memory");

		if (rc && strata_quantity_milli(rc) > 0)
			p->req_cpu_m += strata_quantity_milli(rc);
		if (rm && strata_quantity_bytes(rm) > 0)
			p->req_mem += strata_quantity_bytes(rm);
		json_array_foreach(json_object_get(c, "envFrom"), j, e) {
			if ((s = detect_jstr(e, "configMapRef.name")) != NULL) {
				snprintf(buf, sizeof(buf), "configmap:%s", s);
				if (detect_list_add(&p->volrefs, buf, 512) < 0)
					return -ENOMEM;
			}
			if ((s = detect_jstr(e, "secretRef.name")) != NULL) {
				snprintf(buf, sizeof(buf), "secret:%s", s);
				if (detect_list_add(&p->volrefs, buf, 512) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int
pod_in_scope(struct coord_detect *d, const char *ns, const char *name)
{
	size_t i;

	if (d->namespace && ns && strcmp(d->namespace, ns) == 0)
		return 1;
	for (i = 0; i < d->nres; i++)
		if (d->res[i].kind && strcmp(d->res[i].kind, "Pod") == 0 &&
		    d->res[i].name && strcmp(d->res[i].name, name) == 0 &&
		    (d->res[i].namespace == NULL || (ns && strcmp(d->res[i].namespace, ns) == 0)))
			return 1;
	return 0;
}

int
detect_ingest_pod(struct coord_detect *d, json_t *o)
{
	json_t *meta = json_object_get(o, "metadata"), *ref, *r;
	const char *ns = detect_jstr(meta, "namespace"), *name = detect_jstr(meta, "name");
	const char *node = detect_jstr(o, "spec.nodeName");
	const char *okind = NULL, *oname = NULL;
	struct pod_eval ev;
	struct detect_pod *p;
	size_t ni = NOIDX, oi = NOIDX, pi, i;
	char key[512];

	if (name == NULL)
		return -EINVAL;
	if (ns == NULL)
		ns = "default";
	d->n_pods++;
	ref = NULL;
	json_array_foreach(json_object_get(meta, "ownerReferences"), i, r) {
		if (ref == NULL || json_is_true(json_object_get(r, "controller")))
			ref = r;
	}
	if (ref) {
		okind = detect_jstr(ref, "kind");
		oname = detect_jstr(ref, "name");
		if (okind && oname && (oi = detect_owner_get(d, okind, ns, oname)) == NOIDX)
			return -ENOMEM;
	}
	if (node && *node && (ni = detect_node_get(d, node)) == NOIDX)
		return -ENOMEM;
	pod_evaluate(o, &ev);
	if (ni != NOIDX)
		VEC_AT(&d->nodes, struct detect_node, ni)->pods++;
	if (oi != NOIDX)
		VEC_AT(&d->owners, struct detect_owner, oi)->pods++;
	if (ev.sym == PS_NONE) {
		d->n_pods_healthy++;
		return 0;
	}
	if (ni != NOIDX)
		VEC_AT(&d->nodes, struct detect_node, ni)->failing++;
	if (oi != NOIDX)
		VEC_AT(&d->owners, struct detect_owner, oi)->failing++;
	detect_key3(key, sizeof(key), ns, name, "");
	if (detect_map_get(&d->pod_ix, key) != NOIDX)
		return 0;
	if (d->pods.len >= d->max_pods) {
		d->n_pods_dropped++;
		return 0;
	}
	if ((pi = detect_vec_push(&d->pods)) == NOIDX || detect_map_put(&d->pod_ix, key, pi) < 0)
		return -ENOMEM;
	p = VEC_AT(&d->pods, struct detect_pod, pi);
	p->owner = oi;
	p->finding = NOIDX;
	p->sym = ev.sym;
	p->mem_limit = -1;
	p->ns = strdup(ns);
	p->name = strdup(name);
	p->node = detect_strdup(node);
	p->owner_kind = detect_strdup(okind);
	p->owner_name = detect_strdup(oname);
	p->container = detect_strdup(ev.container);
	p->image = detect_strdup(ev.image);
	p->msg = detect_strdup(ev.msg);
	if (ev.cspec) {
		const char *lim = detect_jstr(ev.cspec, "resources.limits.memory");

		if (lim && (p->mem_limit = strata_quantity_bytes(lim)) > 0)
			p->flags |= PF_HAS_LIMIT;
	}
	if (json_is_object(json_object_get(meta, "labels")))
		p->labels = json_deep_copy(json_object_get(meta, "labels"));
	if (pod_in_scope(d, ns, name))
		p->flags |= PF_SCOPE;
	if (p->ns == NULL || p->name == NULL)
		return -ENOMEM;
	return pod_collect_refs(o, p);
}

/* ---- events --------------------------------------------------------------------------- */

int
detect_ingest_event(struct coord_detect *d, json_t *o)
{
	json_t *io = json_object_get(o, "involvedObject");
	const char *type = detect_jstr(o, "type"), *reason = detect_jstr(o, "reason");
	const char *msg = detect_jstr(o, "message"), *ts;
	const char *kind, *ns, *name;
	struct detect_event *e;
	char key[600];
	time_t t = 0;
	size_t i;

	d->n_events++;
	if (io == NULL) {	/* events.k8s.io/v1 */
		io = json_object_get(o, "regarding");
		if (msg == NULL)
			msg = detect_jstr(o, "note");
	}
	if (type == NULL || strcmp(type, "Warning") != 0 || reason == NULL || io == NULL)
		return 0;
	kind = detect_jstr(io, "kind");
	ns = detect_jstr(io, "namespace");
	name = detect_jstr(io, "name");
	if (kind == NULL || name == NULL)
		return 0;
	if ((ts = detect_jstr(o, "lastTimestamp")) == NULL &&
	    (ts = detect_jstr(o, "series.lastObservedTime")) == NULL &&
	    (ts = detect_jstr(o, "eventTime")) == NULL &&
	    (ts = detect_jstr(o, "deprecatedLastTimestamp")) == NULL &&
	    (ts = detect_jstr(o, "firstTimestamp")) == NULL)
		ts = detect_jstr(o, "metadata.creationTimestamp");
	(void)detect_parse_time(ts, &t);
	if (t > d->newest_event)
		d->newest_event = t;
	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s", kind, ns ? ns : "", name, reason);
	if ((i = detect_map_get(&d->event_ix, key)) != NOIDX) {
		e = VEC_AT(&d->events, struct detect_event, i);
		if (t < e->last)
			return 0;
		free(e->msg);
		e->msg = detect_strdup(msg);
		e->last = t;
		e->count += detect_jint(o, "count", 1);
		return 0;
	}
	if (d->events.len >= MAX_EVENTS)
		return 0;
	if ((i = detect_vec_push(&d->events)) == NOIDX || detect_map_put(&d->event_ix, key, i) < 0)
		return -ENOMEM;
	d->n_events_kept++;
	e = VEC_AT(&d->events, struct detect_event, i);
	e->kind = strdup(kind);
	e->ns = strdup(ns ? ns : "");
	e->name = strdup(name);
	e->reason = strdup(reason);
	e->msg = detect_strdup(msg ? msg : "");
	e->last = t;
	e->count = detect_jint(o, "count", 1);
	if (e->kind == NULL || e->ns == NULL || e->name == NULL || e->reason == NULL ||
	    e->msg == NULL)
		return -ENOMEM;
	return 0;
}
