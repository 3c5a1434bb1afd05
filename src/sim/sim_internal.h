#ifndef STRATA_SIM_INTERNAL_H
#define STRATA_SIM_INTERNAL_H

/*
 * strata-sim internals: the object store, the resource-type table, selectors, the
 * simulated clock, the controller framework (change feed, ticks, timers) and helpers
 * shared by the REST handlers (src/sim/api_*.c) and the controllers (src/sim/ctl_*.c).
 *
 * ---- Locking discipline -----------------------------------------------------------------
 * One mutex guards the whole store (objects, change feed, watch history, events).
 * Every sim_store_* / sim_event_* function below REQUIRES the caller to hold it:
 *
 *	sim_lock(s);
 *	json_t *pod = sim_store_get(s, sim_rt(SIM_RT_POD), "ns", "p");
 *	... modify ...
 *	rc = sim_store_update(s, sim_rt(SIM_RT_POD), pod, SIM_WRITE_INTERNAL, NULL, &e);
 *	sim_unlock(s);
 *
 * A sequence of calls under one sim_lock() is a transaction: nobody else sees the
 * intermediate states.  Controller callbacks (on_change, on_tick, timers) are called WITH
 * the lock already held — do not lock again (the mutex is not recursive), do not block,
 * and do not keep pointers to `struct sim_obj` or change payloads after returning: the next
 * write may free them.  Writes made from a callback are queued on the change feed and
 * delivered in the controller thread's next round (never recursively).
 *
 * ---- Objects -----------------------------------------------------------------------------
 * Each object is stored as its compact JSON bytes plus the few indexed fields (namespace,
 * name, uid, resourceVersion, labels, pod nodeName/phase).  Reading as JSON parses a copy;
 * writing serialises again.  Iterating with sim_store_foreach() touches no JSON at all, so
 * a controller that scans 150,000 pods should filter on the sim_obj fields first and parse
 * (sim_obj_json()) only the objects it cares about.
 *
 * resourceVersion: one cluster-wide counter, bumped on every write; each object's
 * metadata.resourceVersion is the counter value of its last write (decimal string).
 * metadata.generation is bumped when anything outside metadata and status changes.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strata/sim.h"

/* ---- resource types ------------------------------------------------------------------- */

enum sim_rt_id {
	SIM_RT_NAMESPACE = 0,
	SIM_RT_NODE,
	SIM_RT_POD,
	SIM_RT_SERVICE,
	SIM_RT_ENDPOINTS,
	SIM_RT_EVENT,			/* core/v1 Event */
	SIM_RT_CONFIGMAP,
	SIM_RT_SECRET,
	SIM_RT_SERVICEACCOUNT,
	SIM_RT_PVC,
	SIM_RT_PV,
	SIM_RT_DEPLOYMENT,		/* apps/v1 */
	SIM_RT_REPLICASET,
	SIM_RT_DAEMONSET,
	SIM_RT_STATEFULSET,
	SIM_RT_PDB,			/* policy/v1 */
	SIM_RT_LEASE,			/* coordination.k8s.io/v1 */
	SIM_RT_EVENT_V1,		/* events.k8s.io/v1 Event (stored separately) */
	SIM_RT_ENDPOINTSLICE,		/* discovery.k8s.io/v1 */
	SIM_RT_MACHINECONFIG,		/* machineconfiguration.openshift.io/v1 */
	SIM_RT_MACHINECONFIGPOOL,
	SIM_RT_CLUSTEROPERATOR,		/* config.openshift.io/v1 */
	SIM_RT_CLUSTERVERSION,
	SIM_RT_NETWORK_CONFIG,		/* config.openshift.io/v1 networks */
	SIM_RT_MACHINE,			/* machine.openshift.io/v1beta1 */
	SIM_RT_MACHINESET,
	SIM_RT_MACHINEHEALTHCHECK,
	SIM_RT_APPLICATION,		/* argoproj.io/v1alpha1 */
	SIM_RT_COUNT
};

/* Subresources a type serves (bit set in sim_rtype.subresources). */
#define SIM_SUB_STATUS		0x1u
#define SIM_SUB_SCALE		0x2u
#define SIM_SUB_EVICTION	0x4u	/* pods/eviction (policy/v1 Eviction) */

/*
 * One served resource.  The table is static and immutable: pointers to entries are valid
 * for the life of the process and may be compared for identity.
 */
struct sim_rtype {
	enum sim_rt_id	 id;
	const char	*group;		/* "" for core */
	const char	*version;	/* "v1", "v1beta1", ... */
	const char	*api_version;	/* "v1" or "group/version" */
	const char	*plural;	/* "pods" */
	const char	*singular;	/* "pod" */
	const char	*kind;		/* "Pod" */
	const char	*list_kind;	/* "PodList" */
	bool		 namespaced;
	bool		 builtin;	/* strategic merge patch allowed (else 415) */
	unsigned	 subresources;	/* SIM_SUB_* */
	const char	*short_names[4]; /* NULL-terminated */
	const char	*categories[2];	/* NULL-terminated ("all") */
};

/* The entry for an id (never NULL for a valid id). */
const struct sim_rtype *sim_rt(enum sim_rt_id id);
/* By API group ("" = core) and plural resource name; NULL if not served. */
const struct sim_rtype *sim_rt_find(const char *group, const char *version, const char *plural);
/* By apiVersion ("v1", "apps/v1") and kind ("Pod"); NULL if not served. */
const struct sim_rtype *sim_rt_find_kind(const char *api_version, const char *kind);

/* ---- the simulator object (shared state; defined in sim.c) ---------------------------- */

void	sim_lock(struct sim *s);
void	sim_unlock(struct sim *s);

/* ---- simulated clock ------------------------------------------------------------------ */

/*
 * Simulated time = start + (real elapsed) * time_scale.  Controllers measure every delay in
 * simulated milliseconds.  Timestamps the simulator writes into objects
 * (creationTimestamp, conditions, events) use simulated wall time, so durations inside the
 * cluster agree with controller delays (with time_scale 1 it equals the real clock).
 */
uint64_t sim_clock_ms(const struct sim *s);		/* simulated ms since sim_start() */
int64_t	sim_wall_ms(const struct sim *s);		/* simulated Unix epoch ms */
double	sim_time_scale(const struct sim *s);
/* RFC 3339 UTC "2026-11-30T10:00:00Z" of sim_wall_ms() (seconds precision, as k8s). */
void	sim_time_rfc3339(const struct sim *s, char out[32]);
/* MicroTime "2026-11-30T10:00:00.123456Z" (Lease renewTime, Event eventTime). */
void	sim_time_micro(const struct sim *s, char out[40]);

/* ---- objects -------------------------------------------------------------------------- */

/*
 * A stored object as seen without parsing.  Everything is owned by the store and valid
 * only while the caller holds the lock and until the next write to this object.
 */
struct sim_obj {
	const struct sim_rtype *rt;
	const char	*ns;		/* "" for cluster-scoped */
	const char	*name;
	const char	*uid;
	uint64_t	 rv;		/* metadata.resourceVersion */
	const char	*labels;	/* "k=v\0k2=v2\0\0" (empty: "\0") */
	const char	*node_name;	/* pods: spec.nodeName, else NULL */
	const char	*phase;		/* pods: status.phase, else NULL */
	bool		 deleting;	/* metadata.deletionTimestamp set (finalizers pending) */
	const char	*json;		/* compact JSON of the whole object */
	size_t		 len;
};

/* A parsed copy of the object (new reference), or NULL on allocation failure. */
json_t	*sim_obj_json(const struct sim_obj *o);
/* Value of label `key`, or NULL. */
const char *sim_obj_label(const struct sim_obj *o, const char *key);

/*
 * Store errors: functions return 0 or a negative errno and fill a `struct sim_err` with
 * what the REST layer turns into a Status object.
 *	-ENOENT NotFound 404, -EEXIST AlreadyExists 409, -ESTALE Conflict 409,
 *	-EINVAL Invalid 422 / BadRequest 400, -ENOTSUP UnsupportedMediaType 415,
 *	-EBUSY TooManyRequests 429, -ENOMEM InternalError 500, -E2BIG RequestEntityTooLarge 413.
 */
struct sim_err {
	int	 code;			/* HTTP status */
	const char *reason;		/* Status reason, static string */
	char	 message[512];
	int	 retry_after_s;		/* > 0: details.retryAfterSeconds + Retry-After header */
	char	 cause_reason[48];	/* optional details.causes[0] */
	char	 cause_message[256];
};

/* Write flags. */
#define SIM_WRITE_DRY_RUN	0x01u	/* validate and answer, change nothing */
#define SIM_WRITE_STATUS	0x02u	/* the /status subresource: only .status changes */
#define SIM_WRITE_INTERNAL	0x04u	/* controllers: may change spec and status at once,
					   no resourceVersion precondition unless present,
					   create needs no existing Namespace object */
#define SIM_WRITE_NO_FEED	0x08u	/* bulk loading: no change-feed entries */

/* Looks an object up; NULL if absent.  `ns` is ignored ("") for cluster-scoped types. */
const struct sim_obj *sim_store_find(struct sim *s, const struct sim_rtype *rt,
	    const char *ns, const char *name);
/* A parsed copy (new reference) or NULL if absent. */
json_t	*sim_store_get(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const char *name);

/* Label and field selectors (parsed once, matched many times). */
struct sim_selector;
/*
 * Parses `labels` (k=v, k==v, k!=v, k in (a,b), k notin (a), k, !k; comma = AND) and
 * `fields` (metadata.name, metadata.namespace, spec.nodeName, status.phase, ... per type;
 * =, ==, !=).  Either may be NULL/empty.  Returns 0 and *out (free with
 * sim_selector_free), or -EINVAL with a message (unknown field → error, as the server).
 */
int	sim_selector_parse(const struct sim_rtype *rt, const char *labels, const char *fields,
	    struct sim_selector **out, char *err, size_t errlen);
/* A selector from a LabelSelector JSON ({matchLabels, matchExpressions}); borrowed json.
 * An empty selector matches everything, as in a Deployment/PDB. */
int	sim_selector_from_json(const json_t *label_selector, struct sim_selector **out,
	    char *err, size_t errlen);
bool	sim_selector_match(const struct sim_selector *sel, const struct sim_obj *o);
void	sim_selector_free(struct sim_selector *sel);

/*
 * Calls fn for each object of `rt` in key order (namespace, name), restricted to namespace
 * `ns` (NULL = all) and to `sel` (NULL = all).  fn returns 0 to go on, anything else stops
 * the walk and is returned.  fn must not write to the store.
 */
typedef int (*sim_obj_fn)(const struct sim_obj *o, void *arg);
int	sim_store_foreach(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const struct sim_selector *sel, sim_obj_fn fn, void *arg);
size_t	sim_store_count(struct sim *s, const struct sim_rtype *rt, const char *ns);

/*
 * Writes.  `obj` is borrowed (not modified); the stored result is returned in *out as a
 * new reference when out != NULL.  Missing metadata (uid, creationTimestamp, namespace
 * from `ns` of the path, generation) is filled in; resourceVersion is bumped.
 *
 * create:  -EEXIST if present.  metadata.generateName is honoured.
 * update:  whole-object replace (PUT).  If obj carries metadata.resourceVersion and it is
 *          not the stored one → -ESTALE (Conflict).  Without one: 422 for HTTP callers,
 *          accepted for SIM_WRITE_INTERNAL.
 * patch:   applied to the latest object; a resourceVersion inside the result that differs
 *          from the stored one → -ESTALE.
 * delete:  preconditions uid/rv (NULL = none) → -ESTALE on mismatch.  Objects with
 *          metadata.finalizers get deletionTimestamp and go when the last finalizer is
 *          removed by an update; others go at once.  *out gets the last state.
 */
int	sim_store_create(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const json_t *obj, unsigned flags, json_t **out, struct sim_err *e);
int	sim_store_update(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const json_t *obj, unsigned flags, json_t **out, struct sim_err *e);

enum sim_patch_type {
	SIM_PATCH_MERGE = 0,		/* application/merge-patch+json (RFC 7386) */
	SIM_PATCH_STRATEGIC,		/* application/strategic-merge-patch+json */
	SIM_PATCH_JSON			/* application/json-patch+json (RFC 6902) */
};
int	sim_store_patch(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const char *name, enum sim_patch_type type, const json_t *patch, unsigned flags,
	    json_t **out, struct sim_err *e);
int	sim_store_delete(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const char *name, const char *pre_uid, const char *pre_rv, unsigned flags,
	    json_t **out, struct sim_err *e);

/* Patch primitives (no store involved): return a new document or NULL with a message. */
json_t	*sim_patch_merge(const json_t *doc, const json_t *patch);
json_t	*sim_patch_strategic(const json_t *doc, const json_t *patch, char *err, size_t errlen);
json_t	*sim_patch_json(const json_t *doc, const json_t *ops, char *err, size_t errlen);

/* The current cluster-wide resourceVersion. */
uint64_t sim_store_rv(struct sim *s);

/* ---- change feed and controllers ----------------------------------------------------- */

enum sim_change_type {
	SIM_CHANGE_ADDED = 0,
	SIM_CHANGE_MODIFIED,
	SIM_CHANGE_DELETED,
	SIM_CHANGE_RESYNC		/* the feed overflowed: rescan everything (rt == NULL) */
};

/* One write, as delivered to controllers.  All fields borrowed for the callback only. */
struct sim_change {
	enum sim_change_type type;
	const struct sim_rtype *rt;
	const char	*ns;
	const char	*name;
	uint64_t	 rv;
	const char	*json;		/* object after the write (DELETED: last state) */
	size_t		 len;
};

/*
 * A controller.  The controller thread calls, with the store lock held:
 *   on_change for every write since the previous round (in order, including the
 *   controller's own writes), then on_tick when tick_ms of simulated time have passed.
 * `state` is the controller's own pointer given to sim_controller_add.
 */
struct sim_controller_ops {
	const char	*name;
	uint64_t	 tick_ms;	/* simulated ms between on_tick calls; 0 = never */
	void		(*on_change)(struct sim *s, const struct sim_change *c, void *state);
	void		(*on_tick)(struct sim *s, uint64_t now_ms, void *state);
	void		(*fini)(struct sim *s, void *state);	/* at sim_stop(); may be NULL */
};

/*
 * Registers a controller (ops is borrowed: keep it static).  Call only from
 * sim_controllers_register(), before the controller thread starts.  Returns 0 or -ENOMEM.
 */
int	sim_controller_add(struct sim *s, const struct sim_controller_ops *ops, void *state);

/*
 * Defined in src/sim/ctl_registry.c (owned by the controllers): adds every controller.
 * Called once by sim_start() after the scenario is loaded, before serving starts.
 * Returns 0 or a negative errno with a message.
 */
int	sim_controllers_register(struct sim *s, char *err, size_t errlen);

/*
 * One-shot timer: fn(s, arg) runs in the controller thread, lock held, once `delay_ms` of
 * simulated time have passed.  Returns 0 or -ENOMEM.  Pending timers are dropped (without
 * a call; `arg` is then passed to `drop` if non-NULL) at sim_stop().
 */
typedef void (*sim_timer_fn)(struct sim *s, void *arg);
int	sim_timer_add(struct sim *s, uint64_t delay_ms, sim_timer_fn fn, sim_timer_fn drop,
	    void *arg);

/* ---- events -------------------------------------------------------------------------- */

/* What an Event is about. */
struct sim_obj_ref {
	const struct sim_rtype *rt;
	const char	*ns;
	const char	*name;
	const char	*uid;		/* may be NULL */
};

/*
 * Records a core/v1 Event in the object's namespace ("default" for cluster-scoped
 * objects): type "Normal"/"Warning", reason, message, source.component.  A repeat of the
 * same (object, reason, message) bumps count and lastTimestamp instead of adding an
 * object.  Lock held.  Returns 0 or a negative errno.
 */
int	sim_event_record(struct sim *s, const struct sim_obj_ref *about, const char *type,
	    const char *reason, const char *component, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* ---- misc helpers -------------------------------------------------------------------- */

/* A random RFC 4122 v4 uid into out[37]. */
void	sim_uid_new(char out[37]);
/* Annotation prefix for simulation hints (documented in docs/simulator.md). */
#define SIM_HINT_PREFIX		"sim.strata.dev/"

#endif
