#ifndef STRATA_SIM_PRIV_H
#define STRATA_SIM_PRIV_H

/*
 * Private to the API half of strata-sim (store, HTTP, REST handlers, loaders).  Controllers
 * use sim_internal.h only.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim_internal.h"

/* ---- stored objects ------------------------------------------------------------------- */

/*
 * One immutable version of an object: the public view plus a reference count (the store
 * table, the change feed and the watch history each hold references; all under the lock).
 * Strings and JSON live in the same allocation.
 */
struct sobj {
	struct sim_obj	 pub;
	unsigned	 refs;
};

struct sobj *sobj_from_json(const struct sim_rtype *rt, const json_t *obj, const char *json,
	    size_t len);
struct sobj *sobj_from_parts(const struct sim_rtype *rt, const char *ns, const char *name,
	    const char *uid, uint64_t rv, const char *labels, size_t labels_len,
	    const char *node, const char *phase, bool deleting, const char *json, size_t len);
void	sobj_ref(struct sobj *o);
void	sobj_unref(struct sobj *o);

struct stable {
	struct sobj	**v;		/* sorted by (ns, name) */
	size_t		  n, cap;
};

/* Watch history: the last HIST_N writes, in resourceVersion order. */
#define SIM_HIST_N	8192
struct hist_ent {
	enum sim_change_type type;
	struct sobj	*o;
};

#define SIM_FEED_MAX	(256u * 1024u)

struct ctl {
	const struct sim_controller_ops *ops;
	void		*state;
	uint64_t	 next_tick;
};

struct timer {
	uint64_t	 due;
	sim_timer_fn	 fn, drop;
	void		*arg;
	struct timer	*next;
};

struct fault;

struct sim {
	/* configuration (immutable after start) */
	char		*url;
	char		*token;
	char		*tls_cert_pem, *tls_key_pem, *client_ca_pem;
	double		 time_scale;
	unsigned	 continue_ttl_s;
	bool		 tls;

	/* clock */
	uint64_t	 start_mono_ms;
	int64_t		 start_wall_ms;

	/* store, under `mu` */
	pthread_mutex_t	 mu;
	pthread_cond_t	 changed;	/* broadcast on every write (watchers) */
	pthread_cond_t	 ctl_wake;	/* the controller thread */
	uint64_t	 rv;
	struct stable	 tables[SIM_RT_COUNT];
	struct hist_ent	 hist[SIM_HIST_N];
	size_t		 hist_head, hist_len;	/* oldest entry at hist_head */
	struct hist_ent	*feed;			/* change feed for controllers */
	size_t		 feed_n, feed_cap;
	bool		 feed_overflow;
	bool		 loading;		/* no feed, no history */

	/* controllers */
	struct ctl	*ctls;
	size_t		 nctls;
	struct timer	*timers;
	pthread_t	 ctl_thread;
	bool		 ctl_running;
	bool		 stopping;

	/* faults, under `fault_mu` */
	pthread_mutex_t	 fault_mu;
	struct fault	*faults;

	/* HTTP */
	struct MHD_Daemon *mhd;
	uint16_t	 port;
};

/* ---- store internals ------------------------------------------------------------------ */

void	sim_store_init(struct sim *s);
void	sim_store_fini(struct sim *s);
/* Inserts a freshly built object during loading (no feed); steals `o`; -EEXIST if present. */
int	sim_store_load(struct sim *s, struct sobj *o);
/* Sorts all tables after sim_store_load_unsorted() calls (bulk generation). */
void	sim_store_append_unsorted(struct sim *s, struct sobj *o);
void	sim_store_sort(struct sim *s);
/* Index of the first object with key > (ns, name) (ns "" for cluster-scoped). */
size_t	sim_store_upper(const struct stable *t, const char *ns, const char *name);
size_t	sim_store_lower_ns(const struct stable *t, const char *ns);
uint64_t sim_store_next_rv(struct sim *s);

/* Fills `e` (code, reason, printf message). */
void	sim_err_set(struct sim_err *e, int code, const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* "pods", "deployments.apps" as the server spells a resource in messages. */
void	sim_rt_qualified(const struct sim_rtype *rt, char *out, size_t n);

/* Watch history access for the watch handler (lock held).  Returns the oldest rv kept. */
uint64_t sim_hist_oldest(const struct sim *s);

/* ---- faults (fault.c) ---------------------------------------------------------------- */

enum fault_effect {
	FAULT_NONE = 0,
	FAULT_STATUS,		/* status=N [retry_after=S] */
	FAULT_LATENCY,		/* latency_ms=N (then served normally) */
	FAULT_RESET,		/* drop the connection */
	FAULT_CONFLICT		/* 409 on writes */
};
struct fault_hit {
	enum fault_effect effect;
	int		 status;
	int		 retry_after_s;
	unsigned	 latency_ms;
};
int	sim_faults_add(struct sim *s, const char *specs, char *err, size_t errlen);
void	sim_faults_clear(struct sim *s);
/* Decides the faults for one request; several may apply (latency plus one other). */
void	sim_faults_match(struct sim *s, const char *method, const char *path,
	    struct fault_hit *latency, struct fault_hit *other);
/* A JSON list of the active faults (new reference). */
json_t	*sim_faults_json(struct sim *s);

/* ---- loaders (scenario.c, generate.c) ------------------------------------------------- */

int	sim_scenario_load(struct sim *s, const char *path, char *err, size_t errlen);
int	sim_generate(struct sim *s, const char *spec, char *err, size_t errlen);
/* Completes a loaded object (uid, creationTimestamp, rv) and stores it; steals nothing. */
int	sim_store_load_json(struct sim *s, const struct sim_rtype *rt, json_t *obj,
	    char *err, size_t errlen);

/* ---- HTTP (http.c) and handlers (api_*.c) ---------------------------------------------- */

int	sim_http_start(struct sim *s, const char *listen, char *err, size_t errlen);
void	sim_http_stop(struct sim *s);

struct MHD_Connection;
struct MHD_Response;

/* One request, complete (body read), as the handlers see it. */
struct sim_req {
	struct sim	*s;
	struct MHD_Connection *conn;
	const char	*method;
	const char	*path;		/* URL path without the query, decoded */
	const char	*body;		/* NUL-terminated; "" when none */
	size_t		 body_len;
	const char	*accept;	/* "" when absent */
	const char	*content_type;	/* "" when absent */
	/* the answer */
	int		 code;
	struct MHD_Response *resp;
};

#define SIM_BODY_MAX	(16u * 1024 * 1024)

/* A query parameter (decoded) or NULL. */
const char *sim_req_arg(struct sim_req *r, const char *key);
/* Answers JSON: steals `body`. */
void	sim_reply_json(struct sim_req *r, int code, json_t *body);
/* Answers with a malloc'd buffer (stolen). */
void	sim_reply_buf(struct sim_req *r, int code, char *buf, size_t len);
/* Answers a Status for a store error about `name` of type `rt` (either may be NULL). */
void	sim_reply_err(struct sim_req *r, const struct sim_err *e, const struct sim_rtype *rt,
	    const char *name);
void	sim_reply_status(struct sim_req *r, int code, const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* api_discovery.c: /version, /api, /apis, group versions, openapi.  Returns false when
 * the path is not a discovery path. */
bool	sim_api_discovery(struct sim_req *r);
/* api_rest.c: resource paths. */
void	sim_api_resource(struct sim_req *r);
/* api_watch.c: GET ...?watch=true; takes ownership of `sel`. */
void	sim_api_watch(struct sim_req *r, const struct sim_rtype *rt, const char *ns,
	    struct sim_selector *sel);
/* api_list.c: GET on a collection (list, paging, Table).  ns NULL = all namespaces. */
void	sim_api_list(struct sim_req *r, const struct sim_rtype *rt, const char *ns);
/* Parses labelSelector/fieldSelector of the request; on error answers 400, returns < 0. */
int	sim_api_selector(struct sim_req *r, const struct sim_rtype *rt,
	    struct sim_selector **out);
/* api_gc.c: deletes the dependents of a deleted object (ownerReferences.uid), or the
 * contents of a deleted namespace.  Lock held. */
void	sim_api_gc(struct sim *s, const struct sim_rtype *rt, const char *ns,
	    const char *name, const char *uid);
/* api_evict.c: POST pods/NAME/eviction with PodDisruptionBudget checks. */
void	sim_api_evict(struct sim_req *r, const struct sim_rtype *rt, const char *ns,
	    const char *name, unsigned flags);
/* api_table.c: a meta.k8s.io/v1 Table for a list of objects (lock held); new reference. */
json_t	*sim_table_build(struct sim *s, const struct sim_rtype *rt,
	    const struct sim_obj *const *objs, size_t n, bool include_object);
bool	sim_table_wanted(const char *accept);

#endif
