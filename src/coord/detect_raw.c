/*
 * detect_layers from JSON text (coord_detect_feed_raw): the fast path for the numerous,
 * mostly boring objects of a big cluster.
 *
 * A healthy pod costs the slow path a jansson tree; all it leaves behind is two counter
 * increments (its node, its owner) and the pod count.  Here the pod's text is walked
 * once (strata/jscan.h) and only the fields pod_evaluate() reads to call a pod healthy
 * are looked at.  The rule is one-sided: a pod is counted here only when the evaluation
 * would certainly find nothing — phase Succeeded, or phase Running with no status.reason,
 * no deletionTimestamp, every container status running and ready (or terminated with
 * reason Completed) and a Ready condition, if any, that is True.  Anything else, and
 * anything unusual (a duplicated key, an over-long name, a field of an unexpected type),
 * goes through json_loadb() and coord_detect_feed(), so the two paths can only disagree
 * if this file counts a pod the engine would not — which is what the corpus test checks.
 *
 * Events: only Warnings are kept, so an Event whose type is anything else is counted.
 *
 * Owners (ReplicaSets, Deployments, …), Services, Endpoints and Nodes: every item is read from
 * its text, the fields the tree path keeps and no others (detect_raw_kinds.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/jscan.h"
#include "strata/util.h"
#include "detect_int.h"

#define RAW_STR_MAX	512	/* longer names (none in Kubernetes) take the slow path */

enum raw_seen {
	SEEN_META	= 1u << 0,
	SEEN_SPEC	= 1u << 1,
	SEEN_STATUS	= 1u << 2,
	SEEN_NAME	= 1u << 3,
	SEEN_NS		= 1u << 4,
	SEEN_OWNERS	= 1u << 5,
	SEEN_NODE	= 1u << 6,
	SEEN_PHASE	= 1u << 7,
	SEEN_INIT	= 1u << 8,
	SEEN_CS		= 1u << 9,
	SEEN_CONDS	= 1u << 10,
	SEEN_TYPE	= 1u << 11,
};

enum raw_phase { PHASE_OTHER = 0, PHASE_RUNNING, PHASE_SUCCEEDED };

/* What a healthy pod leaves behind. */
struct raw_pod {
	unsigned	 seen;
	enum raw_phase	 phase;
	int		 has_name, has_ns, has_node, has_okind, has_oname;
	char		 name[RAW_STR_MAX], ns[RAW_STR_MAX], node[RAW_STR_MAX];
	char		 okind[RAW_STR_MAX], oname[RAW_STR_MAX];
};

/* First sight of a key: 1; a duplicate (jansson keeps the last): 0, be unsure. */
static int
raw_once(struct raw_pod *rp, unsigned bit)
{
	if (rp->seen & bit)
		return 0;
	rp->seen |= bit;
	return 1;
}

/* 1 and the text when v is a string, 0 when it is not, -1 when it does not fit. */
static int
raw_str(const struct jscan_val *v, char out[RAW_STR_MAX])
{
	if (v->type != JSCAN_STRING)
		return 0;
	return jscan_str_copy(v, out, RAW_STR_MAX) < 0 ? -1 : 1;
}

/* The controller ownerReference exactly as detect_ingest_pod() picks it. */
static int
raw_owner(const struct jscan_val *refs, struct raw_pod *rp)
{
	static const char *const keys[] = { "kind", "name" };
	struct jscan_val e, ref = { NULL, 0, JSCAN_NONE }, c, kn[2];
	struct jscan_iter it;
	int rc, have = 0, ctl;

	jscan_iter_init(&it, refs);	/* not an array: no references, as in jansson */
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
		ctl = e.type == JSCAN_OBJECT && jscan_get(&e, "controller", &c) == 1 &&
		    c.type == JSCAN_TRUE;
		if (!have || ctl)
			ref = e;
		have = 1;
	}
	if (rc < 0)
		return 0;
	if (!have || ref.type != JSCAN_OBJECT)
		return 1;
	if (jscan_get_many(&ref, keys, 2, kn) < 0 ||
	    (rp->has_okind = raw_str(&kn[0], rp->okind)) < 0 ||
	    (rp->has_oname = raw_str(&kn[1], rp->oname)) < 0)
		return 0;
	return 1;
}

static int
raw_meta(struct jscan_iter *it, struct raw_pod *rp)
{
	struct jscan_val k, v;
	int rc;

	while ((rc = jscan_next_key(it, &k)) > 0) {
		if (jscan_str_eq(&k, "name")) {
			if (!raw_once(rp, SEEN_NAME) || jscan_skip(it, &v) < 0 ||
			    (rp->has_name = raw_str(&v, rp->name)) < 0)
				return 0;
		} else if (jscan_str_eq(&k, "namespace")) {
			if (!raw_once(rp, SEEN_NS) || jscan_skip(it, &v) < 0 ||
			    (rp->has_ns = raw_str(&v, rp->ns)) < 0)
				return 0;
		} else if (jscan_str_eq(&k, "ownerReferences")) {
			if (!raw_once(rp, SEEN_OWNERS) || jscan_skip(it, &v) < 0 ||
			    !raw_owner(&v, rp))
				return 0;
		} else if (jscan_str_eq(&k, "deletionTimestamp")) {
			return 0;	/* terminating (even when null) */
		}
	}
	return rc == 0;
}

static int
raw_spec(struct jscan_iter *it, struct raw_pod *rp)
{
	struct jscan_val k, v;
	int rc;

	while ((rc = jscan_next_key(it, &k)) > 0) {
		if (jscan_str_eq(&k, "nodeName") && (!raw_once(rp, SEEN_NODE) ||
		    jscan_skip(it, &v) < 0 || (rp->has_node = raw_str(&v, rp->node)) < 0))
			return 0;
	}
	return rc == 0;
}

/* A container status pod_eval_container() certainly finds nothing wrong with. */
static int
raw_container_ok(const struct jscan_val *cs)
{
	static const char *const ck[] = { "state", "ready" };
	static const char *const sk[] = { "waiting", "terminated", "running" };
	struct jscan_val c[2], s[3], r;

	if (cs->type != JSCAN_OBJECT || jscan_get_many(cs, ck, 2, c) < 0 ||
	    c[0].type != JSCAN_OBJECT || jscan_get_many(&c[0], sk, 3, s) < 0 ||
	    s[0].type != JSCAN_NONE)
		return 0;
	if (s[1].type != JSCAN_NONE)
		return s[1].type == JSCAN_OBJECT && jscan_get(&s[1], "reason", &r) == 1 &&
		    jscan_str_eq(&r, "Completed");
	return s[2].type != JSCAN_NONE && c[1].type == JSCAN_TRUE;
}

static int
raw_containers_ok(const struct jscan_val *arr)
{
	struct jscan_iter it;
	struct jscan_val e;
	int rc;

	if (arr->type != JSCAN_ARRAY)
		return 0;
	jscan_iter_init(&it, arr);
	while ((rc = jscan_next_elem(&it, &e)) > 0)
		if (!raw_container_ok(&e))
			return 0;
	return rc == 0;
}

/* The first Ready condition (as detect_condition() finds it) is True, or there is none. */
static int
raw_conditions_ok(const struct jscan_val *arr)
{
	static const char *const keys[] = { "type", "status" };
	struct jscan_iter it;
	struct jscan_val e, ts[2];
	int rc;

	if (arr->type != JSCAN_ARRAY)
		return 0;
	jscan_iter_init(&it, arr);
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
		if (e.type != JSCAN_OBJECT)
			continue;
		if (jscan_get_many(&e, keys, 2, ts) < 0)
			return 0;
		if (jscan_str_eq(&ts[0], "Ready"))
			return jscan_str_eq(&ts[1], "True");
	}
	return rc == 0;
}

static int
raw_status(struct jscan_iter *it, struct raw_pod *rp)
{
	struct jscan_val k, v;
	int rc;

	while ((rc = jscan_next_key(it, &k)) > 0) {
		if (jscan_str_eq(&k, "phase")) {
			if (!raw_once(rp, SEEN_PHASE) || jscan_skip(it, &v) < 0)
				return 0;
			rp->phase = jscan_str_eq(&v, "Running") ? PHASE_RUNNING :
			    jscan_str_eq(&v, "Succeeded") ? PHASE_SUCCEEDED : PHASE_OTHER;
		} else if (jscan_str_eq(&k, "reason")) {
			return 0;	/* Evicted, or something else worth a look */
		} else if (jscan_str_eq(&k, "initContainerStatuses")) {
			if (!raw_once(rp, SEEN_INIT) || jscan_skip(it, &v) < 0 ||
			    !raw_containers_ok(&v))
				return 0;
		} else if (jscan_str_eq(&k, "containerStatuses")) {
			if (!raw_once(rp, SEEN_CS) || jscan_skip(it, &v) < 0 ||
			    !raw_containers_ok(&v))
				return 0;
		} else if (jscan_str_eq(&k, "conditions")) {
			if (!raw_once(rp, SEEN_CONDS) || jscan_skip(it, &v) < 0 ||
			    !raw_conditions_ok(&v))
				return 0;
		}
	}
	return rc == 0;
}

/* Descends into the waiting member value with fn; 0 if unsure. */
static int
raw_enter(struct jscan_iter *it, int (*fn)(struct jscan_iter *, struct raw_pod *),
    struct raw_pod *rp, int must_be_object)
{
	struct jscan_iter sub;
	int rc = jscan_enter(it, &sub);

	if (rc < 0)
		return 0;
	if (rc == 0 || sub.type != JSCAN_OBJECT) {
		if (must_be_object)
			return 0;
		return rc == 0 || jscan_leave(it, &sub) == 0;
	}
	return fn(&sub, rp) && jscan_leave(it, &sub) == 0;
}

/* 1 when the pod text is certainly a healthy pod (rp filled), else 0. */
static int
raw_pod_scan(const char *json, size_t len, struct raw_pod *rp)
{
	struct jscan_iter top;
	struct jscan_val k;
	int rc;

	if (jscan_open(&top, json, len) < 0 || top.type != JSCAN_OBJECT)
		return 0;
	while ((rc = jscan_next_key(&top, &k)) > 0) {
		if (jscan_str_eq(&k, "metadata")) {
			if (!raw_once(rp, SEEN_META) || !raw_enter(&top, raw_meta, rp, 1))
				return 0;
		} else if (jscan_str_eq(&k, "spec")) {
			if (!raw_once(rp, SEEN_SPEC) || !raw_enter(&top, raw_spec, rp, 0))
				return 0;
		} else if (jscan_str_eq(&k, "status")) {
			if (!raw_once(rp, SEEN_STATUS) || !raw_enter(&top, raw_status, rp, 1))
				return 0;
		}
	}
	if (rc < 0 || jscan_close(&top) < 0 || rp->has_name != 1)
		return 0;
	return rp->phase == PHASE_RUNNING || rp->phase == PHASE_SUCCEEDED;
}

/* Exactly what detect_ingest_pod() records for a pod it finds healthy. */
static int
raw_pod_count(struct coord_detect *d, const struct raw_pod *rp)
{
	const char *ns = rp->has_ns == 1 ? rp->ns : "default";
	size_t ni = NOIDX, oi = NOIDX;

	d->n_pods++;
	if (rp->has_okind == 1 && rp->has_oname == 1 &&
	    (oi = detect_owner_get(d, rp->okind, ns, rp->oname)) == NOIDX)
		return -ENOMEM;
	if (rp->has_node == 1 && rp->node[0] != '\0' &&
	    (ni = detect_node_get(d, rp->node)) == NOIDX)
		return -ENOMEM;
	if (ni != NOIDX)
		VEC_AT(&d->nodes, struct detect_node, ni)->pods++;
	if (oi != NOIDX)
		VEC_AT(&d->owners, struct detect_owner, oi)->pods++;
	d->n_pods_healthy++;
	return 1;
}

/* 1 when the event text is certainly not a Warning (the engine only counts those). */
static int
raw_event_scan(const char *json, size_t len)
{
	struct jscan_iter top;
	struct jscan_val k, v;
	int rc, seen = 0, warning = 0;

	if (jscan_open(&top, json, len) < 0 || top.type != JSCAN_OBJECT)
		return 0;
	while ((rc = jscan_next_key(&top, &k)) > 0) {
		if (!jscan_str_eq(&k, "type"))
			continue;
		if (seen++ || jscan_skip(&top, &v) < 0)
			return 0;
		warning = jscan_str_eq(&v, "Warning");
	}
	return rc == 0 && jscan_close(&top) == 0 && !warning;
}

/* The kinds coord_detect_feed() hands to detect_ingest_owner(). */
static int
raw_is_owner_kind(const char *kind)
{
	static const char *const owners[] = { "ReplicaSet", "Deployment", "StatefulSet",
	    "DaemonSet", "Job", "CronJob", "ReplicationController" };
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(owners); i++)
		if (strcmp(kind, owners[i]) == 0)
			return 1;
	return 0;
}

int
coord_detect_feed_raw(struct coord_detect *d, const char *kind, const char *json,
    size_t len)
{
	struct raw_pod rp;
	json_t *o;
	int rc;

	if (d->finished)
		return -EALREADY;
	if (kind != NULL && strcmp(kind, "Pod") == 0) {
		rp.seen = 0;
		rp.phase = PHASE_OTHER;
		rp.has_name = rp.has_ns = rp.has_node = rp.has_okind = rp.has_oname = 0;
		if (raw_pod_scan(json, len, &rp))
			return raw_pod_count(d, &rp);
	} else if (kind != NULL && strcmp(kind, "Event") == 0) {
		if (raw_event_scan(json, len)) {
			d->n_events++;
			return 1;
		}
	} else if (kind != NULL && raw_is_owner_kind(kind)) {
		if ((rc = detect_raw_owner(d, kind, json, len)) != 0)
			return rc;
	} else if (kind != NULL && strcmp(kind, "Service") == 0) {
		if ((rc = detect_raw_service(d, json, len)) != 0)
			return rc;
	} else if (kind != NULL && strcmp(kind, "Endpoints") == 0) {
		if ((rc = detect_raw_endpoints(d, json, len)) != 0)
			return rc;
	} else if (kind != NULL && strcmp(kind, "Node") == 0) {
		if ((rc = detect_raw_node(d, json, len)) != 0)
			return rc;
	}
	if ((o = json_loadb(json, len, 0, NULL)) == NULL)
		return -EBADMSG;
	rc = coord_detect_feed(d, kind, o);
	json_decref(o);
	return rc;
}
