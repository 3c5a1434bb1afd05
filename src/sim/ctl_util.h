#ifndef STRATA_SIM_CTL_UTIL_H
#define STRATA_SIM_CTL_UTIL_H

/*
 * Shared by the strata-sim controllers (src/sim/ctl_*.c): the controller context, string
 * maps used as small indexes, work queues that coalesce reconciles, keyed delay timers,
 * JSON and quantity helpers, and the pod/node index the scheduler and node-pressure logic
 * share.  Everything here runs in the controller thread with the store lock held (see the
 * locking discipline in sim_internal.h); nothing here locks.
 *
 * Hints (annotations under sim.strata.dev/) are documented in docs/simulator-controllers.md.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_internal.h"

/* ---- string map (open addressing; keys copied, values owned by the caller) ---------- */

struct ctl_map {
	char	**keys;		/* NULL = empty slot, CTL_MAP_TOMB = deleted */
	void	**vals;
	size_t	  cap, n, used;
};

void	 ctl_map_init(struct ctl_map *m);
/* Frees the table and the key copies; calls free_val on each value when non-NULL. */
void	 ctl_map_fini(struct ctl_map *m, void (*free_val)(void *));
void	*ctl_map_get(const struct ctl_map *m, const char *key);
/* Inserts or replaces (the old value is returned in *old when old != NULL). 0 or -ENOMEM. */
int	 ctl_map_put(struct ctl_map *m, const char *key, void *val, void **old);
/* Removes and returns the value (NULL if absent). */
void	*ctl_map_del(struct ctl_map *m, const char *key);
/* Iteration: for (i = 0; ctl_map_next(m, &i, &k, &v); ) ...  Do not modify while iterating. */
bool	 ctl_map_next(const struct ctl_map *m, size_t *i, const char **key, void **val);

/* "ns/name" (or "name" for cluster-scoped) into out; returns false if it did not fit. */
bool	 ctl_key(char *out, size_t n, const char *ns, const char *name);
/* Splits a key made by ctl_key into ns ("" when none) and name (pointers into buf). */
void	 ctl_key_split(char *buf, const char **ns, const char **name);

/* ---- the controller context ---------------------------------------------------------- */

struct ctl_ctx;

/*
 * A work queue: keys added during a round are reconciled once, by a timer of delay 0 that
 * fires in the controller thread's next round.  `fn` gets ns ("" for cluster-scoped) and
 * name; it may add keys again (they run in a later round).
 */
typedef void (*ctl_reconcile_fn)(struct ctl_ctx *c, const char *ns, const char *name);
struct ctl_queue {
	struct ctl_ctx	*ctx;
	ctl_reconcile_fn fn;
	struct ctl_map	 keys;		/* values unused (non-NULL marker) */
	bool		 armed;
	uint64_t	 delay_ms;	/* 0 = next round */
};

void	 ctl_queue_init(struct ctl_queue *q, struct ctl_ctx *c, ctl_reconcile_fn fn);
void	 ctl_queue_fini(struct ctl_queue *q);
void	 ctl_queue_add(struct ctl_queue *q, const char *ns, const char *name);

/*
 * Runs fn(c, ns, name) once `delay_ms` of simulated time have passed, but only if the
 * object of type `rt` still exists with uid `uid` (NULL: any).  Strings are copied.
 */
typedef void (*ctl_later_fn)(struct ctl_ctx *c, const char *ns, const char *name,
	    const char *arg);
int	 ctl_later(struct ctl_ctx *c, uint64_t delay_ms, ctl_later_fn fn,
	    const struct sim_rtype *rt, const char *ns, const char *name, const char *uid,
	    const char *arg);

/* ---- JSON helpers -------------------------------------------------------------------- */

/* Borrowed node at a dotted path ("spec.template.metadata"); NULL if absent. */
json_t	*ctl_jget(const json_t *o, const char *path);
const char *ctl_jstr(const json_t *o, const char *path);
json_int_t ctl_jint(const json_t *o, const char *path, json_int_t dflt);
/* The object at `path`, created (as {}) if absent; NULL on allocation failure. */
json_t	*ctl_jobj(json_t *o, const char *path);
/* metadata.annotations[key], or NULL. */
const char *ctl_annotation(const json_t *obj, const char *key);
/* A hint annotation: sim.strata.dev/<name>. */
const char *ctl_hint(const json_t *obj, const char *name);
/* Sets (value != NULL) or removes an annotation. */
int	 ctl_set_annotation(json_t *obj, const char *key, const char *value);

/*
 * Sets the condition `type` in the array at `conds_path` (created if absent): status,
 * reason, message; lastTransitionTime changes only when the status changes.  When
 * `update_time` is true, also lastUpdateTime (Deployments) is set.  Returns true when
 * anything changed.
 */
bool	 ctl_cond_set(struct sim *s, json_t *obj, const char *conds_path, const char *type,
	    const char *status, const char *reason, const char *message, bool update_time);
/* The condition object of `type` (borrowed) or NULL. */
json_t	*ctl_cond_get(const json_t *obj, const char *conds_path, const char *type);
/* Status string ("True"...) of a condition, or NULL. */
const char *ctl_cond_status(const json_t *obj, const char *conds_path, const char *type);

/* The controller ownerReference (controller: true), borrowed, or NULL. */
json_t	*ctl_controller_ref(const json_t *obj);
/* True when `obj` has a controller ownerReference with that uid. */
bool	 ctl_controlled_by(const json_t *obj, const char *uid);
/* A new ownerReference object for `owner`. */
json_t	*ctl_owner_ref(const struct sim_rtype *rt, const json_t *owner);

/* ---- quantities and durations --------------------------------------------------------- */

/* CPU in millicores ("100m", "2", "0.5"); memory/storage in bytes ("128Mi", "1G", "1e3").
 * Return -1 when unparsable. */
/* "30s", "5m", "1h", "250ms", "2m30s" or a plain number of seconds → ms; -1 if invalid. */
int64_t	 ctl_duration_ms(const char *d);
/* An int-or-percent (e.g. maxSurge "25%") resolved against `total`, rounding up or down. */
int	 ctl_int_or_pct(const json_t *v, int total, bool round_up, int dflt);

/* Pod helpers. */
bool	 ctl_pod_ready(const json_t *pod);
bool	 ctl_pod_terminal(const char *phase);
/* Sum of container requests (cpu millicores, memory bytes). */
void	 ctl_pod_requests(const json_t *pod, int64_t *cpu_m, int64_t *mem_b);
/* A pod template's hash as kubernetes spells pod-template-hash (10 chars, safe alphabet). */
void	 ctl_template_hash(const json_t *tmpl, char out[16]);
/* A canonical string of a template without the pod-template-hash label (new; free()). */
char	*ctl_template_canon(const json_t *tmpl);

/* ---- the shared pod/node index -------------------------------------------------------- */

struct ctl_node {
	char	*name;
	int64_t	 cpu_alloc, mem_alloc, pods_alloc;	/* from status.allocatable */
	int64_t	 cpu_used, mem_used, pods_used;		/* non-terminal pods bound here */
	bool	 unschedulable;
	bool	 ready;
	json_t	*taints;				/* spec.taints (own reference) or NULL */
};

struct ctl_pod_rec {
	char	*node;		/* spec.nodeName or NULL */
	int64_t	 cpu_m, mem_b;
	bool	 counted;	/* non-terminal: counts against the node */
};

/* ---- controller modules --------------------------------------------------------------- */

struct ctl_sched;
struct ctl_kubelet;
struct ctl_rs;
struct ctl_deploy;
struct ctl_pdb;
struct ctl_nodes;
struct ctl_mco;
struct ctl_machine;
struct ctl_co;
struct ctl_argo;

struct ctl_ctx {
	struct sim	*s;
	/* index shared by scheduler and node pressure (ctl_index.c) */
	struct ctl_map	 nodes;		/* name → struct ctl_node */
	struct ctl_map	 pods;		/* "ns/name" → struct ctl_pod_rec */
	bool		 indexed;
	struct ctl_sched	*sched;
	struct ctl_kubelet	*kubelet;
	struct ctl_rs		*rs;
	struct ctl_deploy	*deploy;
	struct ctl_pdb		*pdb;
	struct ctl_nodes	*nodectl;
	struct ctl_mco		*mco;
	struct ctl_machine	*machine;
	struct ctl_co		*co;
	struct ctl_argo		*argo;
	struct ctl_ds		*ds;
};

/* Index (ctl_index.c): built on first use, then kept current from the change feed. */
int	 ctl_index_build(struct ctl_ctx *c);
struct ctl_node *ctl_index_node(struct ctl_ctx *c, const char *name);
/* Feeds one change; returns the node names whose usage changed (up to 2) in n1/n2. */
void	 ctl_index_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj,
	    const char **n1, const char **n2);
void	 ctl_index_fini(struct ctl_ctx *c);

/*
 * Every module: init (allocate state, startup pass), change (one feed entry; `obj` is the
 * parsed object, borrowed, NULL for types nobody parses), tick, fini.
 */
#define CTL_MODULE(m)							\
	int  ctl_##m##_init(struct ctl_ctx *c);				\
	void ctl_##m##_change(struct ctl_ctx *c, const struct sim_change *ch,	\
		const json_t *obj);					\
	void ctl_##m##_tick(struct ctl_ctx *c, uint64_t now_ms);	\
	void ctl_##m##_fini(struct ctl_ctx *c)

CTL_MODULE(sched);
CTL_MODULE(kubelet);
CTL_MODULE(rs);
CTL_MODULE(deploy);
CTL_MODULE(pdb);
CTL_MODULE(nodes);
CTL_MODULE(mco);
CTL_MODULE(machine);
CTL_MODULE(co);
CTL_MODULE(argo);
CTL_MODULE(ds);

/* Cross-module requests. */
void	 ctl_sched_kick(struct ctl_ctx *c);			/* retry unschedulable pods */
void	 ctl_rs_enqueue(struct ctl_ctx *c, const char *ns, const char *name);
void	 ctl_deploy_enqueue(struct ctl_ctx *c, const char *ns, const char *name);
void	 ctl_nodes_enqueue(struct ctl_ctx *c, const char *name);
void	 ctl_kubelet_node_ready(struct ctl_ctx *c, const char *node, bool ready);

/*
 * Evicts a pod as the eviction API would (ctl_pdb.c): terminal/pending pods go at once;
 * otherwise the matching PDB must allow a disruption (its disruptionsAllowed is then
 * decremented).  Returns 0 when the pod was deleted, -EBUSY when a PDB blocks it,
 * -ENOENT when it is gone, other negative errno on failure.
 */
int	 ctl_pdb_evict(struct ctl_ctx *c, const char *ns, const char *name);

/*
 * Evicts every pod of `node` except DaemonSet and mirror pods (what an MCO daemon or the
 * machine controller does after cordoning).  Returns how many pods are still blocked
 * (by a PDB) — 0 when the node is drained — or a negative errno.
 */
int	 ctl_drain_node(struct ctl_ctx *c, const char *node);

/* Small shared write helpers: update/patch with internal flags; log on failure. */
int	 ctl_update(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *obj);
int	 ctl_update_status(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *obj);
int	 ctl_create(struct ctl_ctx *c, const struct sim_rtype *rt, const char *ns,
	    const json_t *obj, json_t **out);
int	 ctl_delete(struct ctl_ctx *c, const struct sim_rtype *rt, const char *ns,
	    const char *name);
/* Writes `obj` only when it differs from `orig` (both borrowed). */
int	 ctl_update_if_changed(struct ctl_ctx *c, const struct sim_rtype *rt,
	    const json_t *orig, const json_t *obj);
/* Event about an object given as JSON. */
void	 ctl_event(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *obj,
	    const char *type, const char *reason, const char *component, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));

/* Hint: delay in simulated ms from annotation `name` of obj (or dflt). */
uint64_t ctl_hint_delay(const json_t *obj, const char *name, uint64_t dflt);

#endif
