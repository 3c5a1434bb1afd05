#ifndef STRATA_COORD_DETECT_INT_H
#define STRATA_COORD_DETECT_INT_H

/*
 * Internals of the detect_layers engine (src/coord/detect*.c).
 *
 * Data flow: feed → compact summaries (detect_ingest*.c) → finish: owners resolved
 * (detect_owners.c) → findings (detect_findings.c) → causal links, roots, scope
 * (detect_causal.c) → bounded JSON result (detect_report.c).
 *
 * Ownership: every char * in these structs is owned by the struct (malloc'd copy), and
 * every json_t * is a reference owned by the struct.  Indices (size_t) refer to the
 * vectors in struct coord_detect; NOIDX means "none".
 */

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "strata/coord.h"

#define NOIDX		((size_t)-1)
#define DETECT_MSG_MAX	400	/* evidence text kept per message */

enum detect_layer { L_INFRA = 0, L_PLATFORM = 1, L_APP = 2, L_NONE = 3 };

/* ---- a string → size_t map (open addressing, keys copied) -------------------------- */

struct detect_map {
	char		**keys;
	size_t		 *vals;
	size_t		  cap;
	size_t		  len;
};

int	detect_map_put(struct detect_map *m, const char *key, size_t val);
size_t	detect_map_get(const struct detect_map *m, const char *key);
void	detect_map_free(struct detect_map *m);

/* A vector of fixed-size elements; grows by doubling. */
struct detect_vec {
	void	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 elem;
};

/* Appends one zeroed element; returns its index or NOIDX (ENOMEM). */
size_t	detect_vec_push(struct detect_vec *v);
#define VEC_AT(v, type, i)	(&((type *)(v)->data)[i])

/* ---- helpers (detect_util.c) ------------------------------------------------------- */

char	*detect_strdup(const char *s);		/* NULL-safe; truncates at DETECT_MSG_MAX */
char	*detect_strdup_full(const char *s);	/* NULL-safe, not truncated */
const char *detect_jstr(json_t *o, const char *path);	/* "a.b.c" lookup, NULL if absent */
int64_t	detect_jint(json_t *o, const char *path, int64_t dflt);
int	detect_parse_time(const char *s, time_t *out);
void	detect_fmt_bytes(int64_t b, char *out, size_t n);
int	detect_contains_ci(const char *hay, const char *needle);
/* Builds "a\x1fb\x1fc" into buf; returns buf. */
const char *detect_key3(char *buf, size_t n, const char *a, const char *b, const char *c);
/* Finds condition `type` in obj.status.conditions; returns it (borrowed) or NULL. */
json_t	*detect_condition(json_t *obj, const char *type);
int	detect_cond_true(json_t *cond);
int	detect_is_platform_ns(const char *ns);
/* Appends ", item" to a capped comma list string (re-allocates *list). */
int	detect_list_add(char **list, const char *item, size_t cap);
int	detect_list_has(const char *list, const char *item);

/* ---- summaries --------------------------------------------------------------------- */

enum node_flags {
	NF_SEEN		= 1u << 0,
	NF_NOTREADY	= 1u << 1,
	NF_MEMP		= 1u << 2,
	NF_DISKP	= 1u << 3,
	NF_PIDP		= 1u << 4,
	NF_NETUNAVAIL	= 1u << 5,
	NF_UNSCHED	= 1u << 6,
	NF_MCO_WORKING	= 1u << 7,
	NF_MCO_DEGRADED	= 1u << 8,
	NF_CONTROLPLANE	= 1u << 9,
	NF_TOUCHED	= 1u << 10,	/* targeted by an in-flight MCO rollout */
	NF_EVICT_MEM	= 1u << 11,	/* evictions report memory pressure */
	NF_EVICT_DISK	= 1u << 12,
	NF_UNKNOWN	= 1u << 13,	/* Ready=Unknown (kubelet stopped posting) */
};

struct detect_node {
	char		*name;
	unsigned	 flags;
	char		*pool;		/* MCO pool (from rendered config name or role) */
	char		*roles;		/* comma list of node-role.kubernetes.io/<r> */
	char		*machine;	/* "ns/name" from machine.openshift.io/machine */
	char		*mco_current, *mco_desired, *mco_state, *mco_reason;
	char		*msg_ready, *msg_mem, *msg_disk, *msg_pid, *msg_net;
	char		*taints;	/* "key=value:Effect, …" NoSchedule/NoExecute only */
	int64_t		 alloc_cpu_m, alloc_mem;
	uint32_t	 pods, failing;
	size_t		 f_first;	/* first node-level finding, NOIDX if none */
};

enum pod_sym {
	PS_NONE = 0, PS_CRASHLOOP, PS_OOM, PS_IMAGEPULL, PS_CONFIG, PS_CREATE_ERR,
	PS_EVICTED, PS_UNSCHEDULABLE, PS_READINESS, PS_FAILED, PS_PENDING, PS_UNKNOWN,
	PS_TERMINATING, PS_MOUNT, PS_SANDBOX, PS_COUNT
};

enum pod_flags {
	PF_HAS_LIMIT	= 1u << 0,
	PF_SCOPE	= 1u << 1,
	PF_OOM_LAST	= 1u << 2,
};

struct detect_pod {
	char		*ns, *name, *node;
	char		*owner_kind, *owner_name;	/* controller ownerRef */
	size_t		 owner;			/* index into owners, NOIDX if none */
	enum pod_sym	 sym;
	unsigned	 flags;
	char		*container;
	char		*msg;		/* the evidence: waiting/terminated/condition message */
	char		*claims;	/* PVC names, comma list */
	char		*volrefs;	/* configmap:/secret: names referenced, comma list */
	json_t		*labels;	/* copy of metadata.labels (for service selectors) */
	int64_t		 mem_limit;
	int64_t		 req_cpu_m, req_mem;
	int64_t		 restarts;
	char		*image;
	size_t		 finding;
	int		 intrinsic;	/* no infrastructure/platform cause found */
	int		 claimed;	/* operand of an unhealthy ClusterOperator */
};

enum owner_method { M_UNKNOWN = 0, M_MANUAL, M_HELM, M_ARGOCD, M_OPERATOR };

enum owner_flags {
	OF_SEEN		= 1u << 0,
	OF_PROGRESS_DEADLINE = 1u << 1,
	OF_CR_OWNER	= 1u << 2,	/* controller owner is a custom resource */
	OF_OLM		= 1u << 3,
	OF_HELM		= 1u << 4,
	OF_RELEASE	= 1u << 5,	/* OpenShift release payload (CVO-managed) */
};

struct detect_owner {
	char		*kind, *ns, *name;
	char		*parent_kind, *parent_name, *parent_api;
	unsigned	 flags;
	char		*argo_tracking;	/* app name from argocd.argoproj.io/tracking-id */
	char		*argo_label;	/* argocd.argoproj.io/instance label */
	char		*instance;	/* app.kubernetes.io/instance label */
	char		*helm_release;
	char		*olm_owner;
	char		*revision;	/* deployment.kubernetes.io/revision */
	char		*images;
	char		*msg;		/* condition message (rollout stuck) */
	int64_t		 replicas, ready, available;
	time_t		 created;
	uint32_t	 pods, failing;	/* direct pods */
	/* resolved at finish: */
	size_t		 top;		/* index of the top workload (self if none above) */
	enum owner_method method;
	char		*method_ref;	/* app / release / operator owning it */
	size_t		 finding;	/* workload aggregate finding, NOIDX if none */
};

struct detect_event {
	char		*kind, *ns, *name, *reason, *msg;
	time_t		 last;
	int64_t		 count;
};

struct detect_service {
	char		*ns, *name;
	json_t		*selector;
	size_t		 finding;
};

struct detect_endpoints {
	char		*ns, *name;
	int64_t		 ready, notready;
	char		*notready_pods;
};

struct detect_pvc {
	char		*ns, *name, *phase, *sclass;
	size_t		 finding;
};

enum cond_flags {
	CF_DEGRADED	= 1u << 0,
	CF_UNAVAILABLE	= 1u << 1,
	CF_PROGRESSING	= 1u << 2,
	CF_UPDATING	= 1u << 3,
	CF_PAUSED	= 1u << 4,
	CF_FAILING	= 1u << 5,
	CF_OUTOFSYNC	= 1u << 6,
	CF_SYNCFAILED	= 1u << 7,
	CF_AUTOSYNC	= 1u << 8,
};

struct detect_mcp {
	char		*name;
	unsigned	 flags;
	char		*msg;
	char		*spec_config, *status_config;
	char		*spec_sources, *status_sources;
	char		*role;		/* from nodeSelector node-role.kubernetes.io/<r> */
	int64_t		 machines, updated, degraded;
	char		*new_mc;	/* the MachineConfig being rolled out, if identified */
	size_t		 finding, f_mc;
};

struct detect_mc {
	char		*name, *role;
	time_t		 created;
};

struct detect_co {
	char		*name;
	unsigned	 flags;
	char		*msg;
	char		*namespaces;	/* relatedObjects namespaces, comma list */
	size_t		 finding;
};

struct detect_app {
	char		*ns, *name;
	unsigned	 flags;
	char		*sync, *health, *msg, *dest_ns, *revision;
	char		*resources;	/* "Kind/ns/name" comma list (capped) */
	int64_t		 history;
	size_t		 finding;
};

struct detect_machine {
	char		*ns, *name, *phase, *msg, *node;
	size_t		 finding;
};

struct detect_machineset {
	char		*ns, *name, *role;
	int64_t		 replicas, ready;
};

/* ---- findings and links ------------------------------------------------------------ */

enum finding_role { R_NONE = 0, R_ROOT, R_CAUSE, R_SYMPTOM, R_UNRELATED };

enum finding_flags {
	FF_SYMPTOM	= 1u << 0,	/* user-visible symptom (candidate incident) */
	FF_SCOPE	= 1u << 1,	/* matches the request's scope */
	FF_INTRINSIC	= 1u << 2,	/* aggregate that is the cause of its members */
	FF_AGG		= 1u << 3,	/* workload / operator aggregate */
	FF_NODE		= 1u << 4,	/* node-level fact */
	FF_UNEXPLAINED	= 1u << 5,	/* symptom whose causes reach no root (a cycle) */
};

struct detect_finding {
	enum detect_layer layer;
	const char	*symptom;	/* static string */
	char		*kind, *ns, *name;
	char		*detail;
	unsigned	 flags;
	double		 strength;	/* evidence strength 0..1 */
	enum owner_method method;	/* for workload findings */
	size_t		 owner;		/* workload aggregate: owner index */
	size_t		 pod;		/* pod finding: pod index */
	size_t		 node;		/* node-level: node index */
	size_t		 next_on_node;	/* chain of node-level findings on one node */
	/* analysis state */
	enum finding_role role;
	size_t		 ncause;
	int		 related;
	uint32_t	 explains, explains_app;
	size_t		 root_mark;	/* last symptom that visited (walk dedup) */
	size_t		 out_id;	/* 1-based id in the output, 0 if omitted */
	double		 score;
};

struct detect_link {
	size_t		 cause, effect;
	char		*reason;
	double		 strength;
};

/* ---- the analyzer ------------------------------------------------------------------ */

struct coord_detect {
	/* request */
	char		*description, *namespace;
	struct coord_resource_ref *res;		/* strings owned */
	size_t		 nres;
	time_t		 now;
	unsigned	 window;
	size_t		 max_findings, max_impacted, max_pods;
	int		 finished;

	/* summaries */
	struct detect_vec nodes, pods, owners, events, services, endpoints, pvcs;
	struct detect_vec mcps, mcs, cos, apps, machines, machinesets;
	struct detect_map node_ix, owner_ix, event_ix, ep_ix, pod_ix, pvc_ix, app_ix;
	struct detect_map app_res_ix;	/* "Kind\x1fns\x1fname" → app index */
	int		 cv_progressing, cv_failing, have_cv;
	char		*cv_msg, *cv_version;
	int		 saw_endpoints, saw_apps;
	time_t		 newest_event;

	/* counters */
	uint64_t	 n_pods, n_pods_healthy, n_pods_dropped, n_events, n_events_kept;
	uint64_t	 n_pdbs, n_namespaces, n_ignored;

	/* analysis */
	struct detect_vec findings, links;
	struct detect_map synth_ix;	/* on-demand findings, see detect_causal.c */
	int		 alloc_done;
	int64_t		 max_alloc_mem, max_alloc_cpu;
	size_t		*pod_next, *top_head;	/* failing pods chained by top owner */
};

/* detect_ingest.c / detect_ingest2.c */
size_t	detect_node_get(struct coord_detect *d, const char *name);
size_t	detect_owner_get(struct coord_detect *d, const char *kind, const char *ns,
	    const char *name);
int	detect_ingest_node(struct coord_detect *d, json_t *o);
int	detect_ingest_pod(struct coord_detect *d, json_t *o);
int	detect_ingest_event(struct coord_detect *d, json_t *o);
int	detect_ingest_owner(struct coord_detect *d, const char *kind, json_t *o);
int	detect_ingest_service(struct coord_detect *d, json_t *o);
int	detect_ingest_endpoints(struct coord_detect *d, json_t *o);
int	detect_ingest_pvc(struct coord_detect *d, json_t *o);
int	detect_ingest_mcp(struct coord_detect *d, json_t *o);
int	detect_ingest_mc(struct coord_detect *d, json_t *o);
int	detect_ingest_co(struct coord_detect *d, json_t *o);
int	detect_ingest_cv(struct coord_detect *d, json_t *o);
int	detect_ingest_app(struct coord_detect *d, json_t *o);
int	detect_ingest_machine(struct coord_detect *d, json_t *o);
int	detect_ingest_machineset(struct coord_detect *d, json_t *o);
void	detect_summaries_free(struct coord_detect *d);

/* detect_raw_kinds.c: the text fast paths of coord_detect_feed_raw() for owners,
 * Services, Endpoints and Nodes; 1 stored (as the tree path would), 0 declined (nothing
 * changed: feed the tree), -ENOMEM. */
int	detect_raw_owner(struct coord_detect *d, const char *kind, const char *json,
	    size_t len);
int	detect_raw_service(struct coord_detect *d, const char *json, size_t len);
int	detect_raw_endpoints(struct coord_detect *d, const char *json, size_t len);
int	detect_raw_node(struct coord_detect *d, const char *json, size_t len);

/* detect_owners.c */
void	detect_owners_resolve(struct coord_detect *d);
const char *detect_method_name(enum owner_method m);

/* detect_findings.c */
size_t	detect_finding_add(struct coord_detect *d, enum detect_layer layer,
	    const char *symptom, const char *kind, const char *ns, const char *name,
	    double strength, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
int	detect_link_add(struct coord_detect *d, size_t cause, size_t effect,
	    double strength, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
const struct detect_event *detect_event_find(struct coord_detect *d, const char *kind,
	    const char *ns, const char *name, const char *reason);
int	detect_findings_build(struct coord_detect *d);
const char *detect_pod_sym_name(enum pod_sym s);

/* detect_causal.c */
int	detect_causal_link(struct coord_detect *d);

/* What a Deployment's ReplicaSets say about a rollout: failing pods only in the newest
 * revision while an older one still serves → a bad rollout (strings borrowed). */
struct detect_rollout {
	int		 bad;
	const char	*new_rev, *old_rev, *new_images, *old_images;
};
void	detect_rollout_info(struct coord_detect *d, size_t top, struct detect_rollout *r);
int	detect_msg_is_dns(const char *m);
int	detect_msg_is_net(const char *m, int *strong);

/* detect_roots.c */
struct detect_verdict {
	size_t		 primary;	/* finding index of the primary root, NOIDX if none */
	size_t		*roots;		/* related root findings, primary first */
	size_t		 nroots;
	uint32_t	 nsymptoms;	/* incident symptoms (in scope) */
	uint32_t	 explained;	/* symptoms explained by the primary root */
	double		 confidence;
	int		 layers[3];
};

int	detect_roots_choose(struct coord_detect *d, struct detect_verdict *v);

/* detect_report.c */
json_t	*detect_report_build(struct coord_detect *d, const struct detect_verdict *v);

#endif
