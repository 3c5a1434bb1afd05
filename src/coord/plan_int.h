#ifndef STRATA_COORD_PLAN_INT_H
#define STRATA_COORD_PLAN_INT_H

/*
 * Internals of the planner (src/coord/plan*.c).
 *
 * Data flow: options + live context parsed (plan_opts.c, plan_live.c) → cluster gates
 * (plan_policy.c) → one remedy per root cause, then what the symptoms still need
 * (plan_remedy.c, steps made by plan_actions.c) → drain preflight (plan_preflight.c) →
 * per-step policy (plan_policy.c) → checkpoints (plan_checks.c) → assembly, hash and
 * diagram (plan.c, plan_hash.c, plan_diagram.c).
 *
 * Ownership: every json_t * in struct plan_ctx is a reference owned by the context,
 * except `det` and the arrays of struct plan_live, which are borrowed from the caller's
 * input (or from live.owned when the input was a List regrouped by kind).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "strata/util.h"

enum plan_layer { PL_INFRA = 0, PL_PLATFORM = 1, PL_APP = 2, PL_NLAYERS = 3 };

enum plan_node_rem { NR_AUTO = 0, NR_DRAIN, NR_REBOOT, NR_REPLACE };

struct plan_opts {
	bool		 allow_risk;
	int		 max_unavailable_nodes;
	double		 max_unhealthy_node_ratio;
	json_t		*protected_ns;		/* array of strings (owned) */
	enum plan_node_rem node_remediation;
	bool		 symptom_restarts;
	bool		 delete_emptydir_data;
	bool		 force_unmanaged;
	bool		 delete_unready_pods;
	int		 poll_seconds;
	int		 mco_seconds_per_node;
	json_t		*timeouts;		/* object, owned */
};

/* The live context, grouped by kind.  Each array is borrowed (never NULL: empty when the
 * kind is unknown; `have_*` say whether the caller provided it). */
struct plan_live {
	json_t		*nodes, *pods, *pdbs, *cvs, *mcps, *mcs, *machines, *machinesets;
	json_t		*cos, *apps, *deployments, *replicasets;
	bool		 have_nodes, have_pods, have_pdbs, have_cvs;
	json_t		*owned;		/* holds regrouped arrays and the empty array */
};

struct plan_ctx {
	const json_t	*det;
	struct plan_live live;
	struct plan_opts opt;

	json_t		*steps[PL_NLAYERS];	/* steps per layer, in order */
	json_t		*checks[PL_NLAYERS];	/* checkpoint checks per layer */
	bool		 layer_on[PL_NLAYERS];	/* layer covered by the plan */
	json_t		*risks;
	json_t		*applied, *refused, *skipped;	/* policy */
	json_t		*refusal_reasons;	/* strings */
	json_t		*unaddressed;
	json_t		*drains;		/* preflight per drained node */
	json_t		*notes;			/* preflight notes */
	json_t		*node_plans;		/* names of nodes with an infra remedy */
	json_t		*done_targets;		/* "kind/ns/name" keys already remedied */
	bool		 infra_blocked;		/* cluster gate refused infra actions */
	bool		 upgrading;
	size_t		 nnodes, unhealthy_nodes;
};

/* ---- plan_opts.c ------------------------------------------------------------------- */
int	plan_opts_parse(struct plan_opts *o, const json_t *options, char *err, size_t n);
void	plan_opts_free(struct plan_opts *o);
/* Option override for an action or check type, else dflt. */
int	plan_timeout(const struct plan_ctx *c, const char *what, int dflt);
bool	plan_ns_protected(const struct plan_ctx *c, const char *ns);

/* ---- plan_live.c ------------------------------------------------------------------- */
int	plan_live_init(struct plan_live *l, const json_t *live, char *err, size_t n);
void	plan_live_free(struct plan_live *l);
const char *plan_str(const json_t *o, const char *path);	/* "a.b.c", NULL if absent */
int64_t	plan_int(const json_t *o, const char *path, int64_t dflt);
json_t	*plan_find(json_t *arr, const char *ns, const char *name);
const char *plan_cond_status(const json_t *obj, const char *type);	/* "True"… or NULL */
bool	plan_node_ready(const json_t *node);
bool	plan_node_pressure(const json_t *node);
bool	plan_node_unschedulable(const json_t *node);
bool	plan_node_control_plane(const json_t *node);
bool	plan_selector_matches(const json_t *selector, const json_t *labels);
const json_t *plan_controller_ref(const json_t *obj);	/* ownerRef controller:true */
json_t	*plan_machine_for_node(struct plan_live *l, const json_t *node);
json_t	*plan_machineset_for_machine(struct plan_live *l, const json_t *machine);
json_t	*plan_pool_for_node(struct plan_live *l, const json_t *node);
json_t	*plan_app_for(struct plan_live *l, const char *kind, const char *ns,
	    const char *name);
/* Highest revision below the current one among the Deployment's ReplicaSets, or -1. */
int64_t	plan_deploy_prev_revision(struct plan_live *l, const json_t *deploy);
/* Previous Argo CD history id (the one before the last), or -1. */
int64_t	plan_app_prev_history(const json_t *app);

/* ---- plan_actions.c ---------------------------------------------------------------- */
/*
 * A new step object for `action` on target (kind, ns, name): compensation, reversible,
 * mutating, done_condition, before_state_capture, description and the default timeout
 * come from the action table.  `params` is stolen (may be NULL).  NULL on ENOMEM or an
 * unknown action.
 */
json_t	*plan_step_new(const struct plan_ctx *c, const char *action, const char *kind,
	    const char *ns, const char *name, json_t *params);
/* Appends a step to a layer (steals `step`); sets "required".  Returns 0 or -ENOMEM. */
int	plan_step_add(struct plan_ctx *c, enum plan_layer layer, json_t *step,
	    bool required, json_t *addresses);
bool	plan_action_known(const char *action);

/* ---- plan_remedy.c, plan_remedy_infra.c, plan_remedy_app.c --------------------------- */

/* What a root cause calls for (from the detection's hint family or its evidence). */
enum plan_family {
	F_UNKNOWN = 0, F_NODE_PRESSURE, F_NODE_NOTREADY, F_NODE_MCO, F_MCO_CONFIG,
	F_MCO_ROLLOUT, F_MACHINE, F_CAPACITY, F_OPERATOR, F_UPGRADE, F_APP_ROLLOUT,
	F_APP_CRASH, F_APP_OOM, F_APP_CONFIG, F_ARGO, F_PVC, F_SERVICE, F_NODE_CORDONED
};

/* One root cause being remedied.  Strings borrowed from the detection or live input. */
struct plan_root {
	const json_t	*finding;	/* the finding (may be a synthesized object) */
	const json_t	*hint;		/* remediation hint or NULL */
	json_t		*id;		/* finding id (borrowed) */
	enum plan_family family;
	const char	*kind, *ns, *name, *symptom, *detail;
	const char	*method;	/* argocd|helm|operator|manual|unknown */
};

int	plan_remedy_build(struct plan_ctx *c, char *err, size_t n);
int	plan_remedy_infra(struct plan_ctx *c, const struct plan_root *r);
int	plan_remedy_app(struct plan_ctx *c, const struct plan_root *r);
/* Symptoms the root fixes leave: verification checks, optional restarts. */
int	plan_remedy_symptoms(struct plan_ctx *c);
/* Marks "kind/ns/name" remedied; returns true if it already was. */
bool	plan_target_seen(struct plan_ctx *c, const char *kind, const char *ns,
	    const char *name);
int	plan_unaddressed(struct plan_ctx *c, const struct plan_root *r, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
json_t	*plan_addr(const struct plan_root *r);	/* new [id] array */
/* Deployment method of a workload: detection first, then live markers. */
const char *plan_method_of(struct plan_ctx *c, const char *kind, const char *ns,
	    const char *name, const json_t *hint);
bool	plan_contains_ci(const char *hay, const char *needle);

/* ---- plan_preflight.c -------------------------------------------------------------- */
/* Adds preflight for a drain of `node` to c->drains and risks; returns a summary of the
 * drain's evictable pod count (>= 0) or -ENOMEM.  `drain_step` is the step (borrowed). */
int	plan_preflight_drain(struct plan_ctx *c, const char *node, json_t *drain_step);

/* ---- plan_policy.c ----------------------------------------------------------------- */
/* Cluster gates (upgrade, storm); sets c->infra_blocked.  Returns 0 or -ENOMEM. */
int	plan_policy_cluster(struct plan_ctx *c);
/* Per-step policy over the ordered steps; drops optional steps it refuses. */
int	plan_policy_steps(struct plan_ctx *c);
int	plan_refuse(struct plan_ctx *c, const char *rule, const json_t *step,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	plan_risk(struct plan_ctx *c, const char *severity, const char *code,
	    const json_t *step, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int	plan_applied(struct plan_ctx *c, const char *rule, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* ---- plan_checks.c ----------------------------------------------------------------- */
/* Adds one check (deduplicated by type+target) to a layer's checkpoint. */
int	plan_check_add(struct plan_ctx *c, enum plan_layer layer, const char *type,
	    const char *kind, const char *ns, const char *name, int timeout_s,
	    const char *description);
/* Builds the checkpoints array from the ordered steps (new reference). */
json_t	*plan_checkpoints_build(struct plan_ctx *c, json_t *steps);

/* ---- plan_diagram.c ---------------------------------------------------------------- */
char	*plan_diagram_build(const json_t *plan);	/* malloc'd, NULL on ENOMEM */

extern const char *const plan_layer_names[PL_NLAYERS];
int	plan_layer_parse(const char *s);		/* -1 if unknown */

#endif
