#ifndef STRATA_KUBE_H
#define STRATA_KUBE_H

/*
 * The cluster client: kubeconfig / in-cluster configuration, credentials (token,
 * tokenFile, client certificates, exec plugins) and asynchronous API calls through one
 * curl multi handle driven by a libuv loop.
 *
 * Threading: everything runs on the loop given to kube_client_new(); no function here
 * may be called from another thread.
 *
 * Secrets: tokens and keys never appear in logs or in error text; key material is wiped
 * (strata_wipe) before it is freed.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

/* ---- configuration ------------------------------------------------------------------ */

struct kube_config;

struct kube_config_options {
	const char	*kubeconfig;	/* --kubeconfig FILE (only that file), or NULL */
	const char	*context;	/* --context NAME, or NULL for current-context */
	int		 in_cluster;	/* 1: use the in-cluster service account only */
};

/*
 * Resolves the configuration like kubectl: --kubeconfig, else $KUBECONFIG (several
 * files separated by ':', the first definition of a name wins, missing files skipped),
 * else ~/.kube/config, else the in-cluster service account when KUBERNETES_SERVICE_HOST
 * is set.  Tests may set STRATA_SA_ROOT to prefix the service-account directory.
 * Returns 0 and a new config in *out (free with kube_config_free), or a negative errno
 * with a message naming the file, context and field in err.
 */
int	kube_config_load(const struct kube_config_options *opt, struct kube_config **out,
	    char *err, size_t errlen);
void	kube_config_free(struct kube_config *cfg);
/* Borrowed strings, valid while cfg (or the client that took it) lives. */
const char *kube_config_server(const struct kube_config *cfg);
const char *kube_config_context(const struct kube_config *cfg);	/* "" in-cluster */
const char *kube_config_namespace(const struct kube_config *cfg);	/* never NULL */
const char *kube_config_user(const struct kube_config *cfg);		/* "" if none */
/* Where the configuration came from: file list, or "in-cluster". */
const char *kube_config_source(const struct kube_config *cfg);

/* ---- client ------------------------------------------------------------------------- */

struct kube_client;

struct kube_client_options {
	size_t		 max_body;	/* response cap in bytes (0: 64 MiB) */
	uint32_t	 timeout_ms;	/* default per-request deadline (0: 30 s) */
	int		 max_retries;	/* default retries (0: 5; -1: none) */
	long		 max_host_connections;	/* 0: 32 */
	uint32_t	 exec_timeout_ms;	/* exec plugin time limit (0: 30 s) */
};

/*
 * Creates a client on `loop`.  Takes ownership of cfg (also on failure).  `opt` may be
 * NULL.  Returns NULL with a message in err.
 */
struct kube_client *kube_client_new(uv_loop_t *loop, struct kube_config *cfg,
	    const struct kube_client_options *opt, char *err, size_t errlen);
/* The configuration the client uses (borrowed). */
const struct kube_config *kube_client_config(const struct kube_client *c);
/*
 * Shuts the client down: every pending request completes at once with -ECANCELED (its
 * callback runs inside this call), a running exec plugin is killed, then
 * curl_multi_cleanup, then the client's handles are closed.  Run the loop afterwards
 * (uv_run) so the close callbacks free the memory; then the loop has no handles of
 * ours left.  It may be called from inside a kube callback (completion or page): the
 * curl teardown then happens when curl's message loop returns.
 */
void	kube_client_close(struct kube_client *c);
/* Number of requests (including lists) not yet completed. */
size_t	kube_client_pending(const struct kube_client *c);

/* ---- addressing --------------------------------------------------------------------- */

/*
 * A resource: (group, version, resource plural, namespace, name, subresource).  group ""
 * is the core group (/api/v1).  namespace NULL or "" means cluster-scoped or, for a
 * list, all namespaces.  All strings borrowed for the duration of the call.
 */
struct kube_ref {
	const char	*group;
	const char	*version;
	const char	*resource;
	const char	*namespace;
	const char	*name;
	const char	*subresource;
};

/* Helpers for common kinds (compound literals). */
#define KUBE_REF_POD(ns, n)	((struct kube_ref){ "", "v1", "pods", (ns), (n), NULL })
#define KUBE_REF_NODE(n)	((struct kube_ref){ "", "v1", "nodes", NULL, (n), NULL })
#define KUBE_REF_NAMESPACE(n)	((struct kube_ref){ "", "v1", "namespaces", NULL, (n), NULL })
#define KUBE_REF_DEPLOYMENT(ns, n) \
	((struct kube_ref){ "apps", "v1", "deployments", (ns), (n), NULL })
#define KUBE_REF_REPLICASET(ns, n) \
	((struct kube_ref){ "apps", "v1", "replicasets", (ns), (n), NULL })
#define KUBE_REF_PDB(ns, n) \
	((struct kube_ref){ "policy", "v1", "poddisruptionbudgets", (ns), (n), NULL })
#define KUBE_REF_LEASE(ns, n) \
	((struct kube_ref){ "coordination.k8s.io", "v1", "leases", (ns), (n), NULL })
#define KUBE_REF_MCP(n) ((struct kube_ref){ "machineconfiguration.openshift.io", "v1", \
	"machineconfigpools", NULL, (n), NULL })
#define KUBE_REF_CLUSTEROPERATOR(n) ((struct kube_ref){ "config.openshift.io", "v1", \
	"clusteroperators", NULL, (n), NULL })
#define KUBE_REF_ARGO_APP(ns, n) \
	((struct kube_ref){ "argoproj.io", "v1alpha1", "applications", (ns), (n), NULL })

/*
 * Writes the API path of ref ("/api/v1/namespaces/ns/pods/p/eviction") into out.
 * Returns 0, -EINVAL (missing version/resource, or a segment with '/' or empty name
 * where one is required) or -ENAMETOOLONG.
 */
int	kube_ref_path(const struct kube_ref *ref, char *out, size_t outlen);

/* ---- requests ----------------------------------------------------------------------- */

struct kube_request;

/*
 * A list's raw item hook.  The page body is scanned (strata/jscan.h), not parsed: each
 * element of its `items` is handed over as JSON text — `item`, `len` bytes, borrowed for
 * the call — with the list's `arg`, in order, before the page callback runs.  Return 0
 * when the item is consumed, 1 to have it parsed and delivered in the page (page->list
 * then holds the page's other members and, in `items`, only those parsed items;
 * page->items_total still counts every item), or a negative errno to fail the list with
 * it.  A body that is not valid JSON fails the list with -EBADMSG as without the hook.
 */
typedef int (*kube_item_fn)(struct kube_request *req, const char *item, size_t len,
    void *arg);

/* Per-request options; NULL means all defaults. */
struct kube_opts {
	const char	*label_selector;	/* labelSelector */
	const char	*field_selector;	/* fieldSelector */
	int		 dry_run;		/* dryRun=All on mutations */
	const char	*field_manager;		/* fieldManager */
	/* Deadline for the request including retries (for a list: for each page). */
	uint32_t	 timeout_ms;
	int		 max_retries;		/* 0: client default; -1: never retry */
	/*
	 * Retry policy.  Jittered exponential backoff (200 ms doubling to 5 s, drawn from
	 * [d/2, d]), never past the deadline, at most max_retries times:
	 *  - connection refused: every method (nothing was sent);
	 *  - 5xx, connection resets, empty replies, timeouts: idempotent requests only —
	 *    GET always, PUT when the body carries metadata.resourceVersion, DELETE with
	 *    preconditions; set `idempotent` to declare another one (e.g. a JSON patch
	 *    with a `test` op);
	 *  - 429 and 503 with Retry-After: every method, after Retry-After (max 60 s);
	 *    429 without Retry-After (a PDB-blocked eviction) is returned at once;
	 *  - 401 with a refreshable credential (exec plugin, token file, in-cluster
	 *    token): the credential is refreshed and the request re-sent once.
	 */
	int		 idempotent;
	unsigned	 limit;			/* lists: page size (0: 500) */
	/*
	 * Lists only: read pages item by item instead of as one tree (see kube_item_fn).
	 * NULL: every page is parsed whole and delivered to the page callback.
	 */
	kube_item_fn	 item_fn;
};

/*
 * A structured error.  `code` is 0 on success, else negative: -EIO (HTTP error, see
 * http_status/reason/message), -ECONNREFUSED/-ECONNRESET/-ETIMEDOUT/-EHOSTUNREACH/
 * -EPROTO (TLS)/-EACCES (credentials) for transport and auth failures with curl_code
 * set, -E2BIG (body over the cap), -EBADMSG (unparseable body), -ECANCELED, -ENOMEM.
 * `message` is for humans and never contains credentials.
 */
struct kube_error {
	int		 code;
	long		 http_status;		/* 0 if no response */
	char		 reason[64];		/* Status.reason, e.g. "NotFound" */
	char		 message[512];
	int		 curl_code;		/* CURLcode or 0 */
	int		 attempts;		/* transfers made */
};

struct kube_request;

/*
 * Completion: exactly once per request.  On success err == NULL and result is the
 * parsed body (an object; for a Status body as well), BORROWED for the duration of the
 * call — json_incref() it to keep it.  On failure result is NULL and err describes it.
 * The request handle is invalid after the callback returns.
 */
typedef void (*kube_done_fn)(struct kube_request *req, json_t *result,
    const struct kube_error *err, void *arg);

enum kube_patch_type {
	KUBE_PATCH_MERGE,	/* application/merge-patch+json */
	KUBE_PATCH_STRATEGIC,	/* application/strategic-merge-patch+json (built-ins only) */
	KUBE_PATCH_JSON		/* application/json-patch+json */
};

/*
 * Typed verbs.  Each returns a request handle (valid until its callback returns) or
 * NULL with a message in err when the request could not be started (bad ref, no
 * memory); the callback is not called then.  Bodies are BORROWED (serialised at once).
 */
struct kube_request *kube_get(struct kube_client *c, const struct kube_ref *ref,
	    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen);
struct kube_request *kube_create(struct kube_client *c, const struct kube_ref *ref,
	    json_t *body, const struct kube_opts *o, kube_done_fn cb, void *arg,
	    char *err, size_t errlen);
struct kube_request *kube_replace(struct kube_client *c, const struct kube_ref *ref,
	    json_t *body, const struct kube_opts *o, kube_done_fn cb, void *arg,
	    char *err, size_t errlen);
struct kube_request *kube_patch(struct kube_client *c, const struct kube_ref *ref,
	    enum kube_patch_type type, json_t *patch, const struct kube_opts *o,
	    kube_done_fn cb, void *arg, char *err, size_t errlen);
/* preconditions: NULL or {"uid":…,"resourceVersion":…} (borrowed). */
struct kube_request *kube_delete(struct kube_client *c, const struct kube_ref *ref,
	    json_t *preconditions, const struct kube_opts *o, kube_done_fn cb, void *arg,
	    char *err, size_t errlen);
/* POST policy/v1 Eviction for a pod (dry run through o->dry_run). */
struct kube_request *kube_evict(struct kube_client *c, const char *ns, const char *pod,
	    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen);
/* PATCH the scale subresource to `replicas` (merge patch). */
struct kube_request *kube_scale(struct kube_client *c, const struct kube_ref *ref,
	    long replicas, const struct kube_opts *o, kube_done_fn cb, void *arg,
	    char *err, size_t errlen);
/*
 * Any path under the server ("/version", "/apis/apps/v1").  body may be NULL;
 * content_type NULL means application/json.
 */
struct kube_request *kube_request_raw(struct kube_client *c, const char *method,
	    const char *path, json_t *body, const char *content_type,
	    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen);

/*
 * Cancels a request (or a list).  Safe from any callback: the transfer is removed at
 * the next safe point and the callback then runs with code -ECANCELED (unless the
 * request completed first).  Does nothing if the request already completed.
 */
void	kube_request_cancel(struct kube_request *req);

/* Transfers made so far for req (retries and 401 refreshes included). */
int	kube_request_attempts(const struct kube_request *req);

/* ---- lists, page by page ------------------------------------------------------------ */

struct kube_page {
	json_t		*list;		/* the page (a *List object), borrowed */
	size_t		 index;		/* 0-based page number since the (re)start */
	size_t		 items_total;	/* items delivered so far including this page */
	size_t		 bytes;		/* size of this page's body as received */
	int		 restarted;	/* 1 on the first page after a 410 restart: the
					   caller should forget the items seen before */
};

/* Returns 0 to get the next page, non-zero to stop (the list then completes OK). */
typedef int (*kube_page_fn)(struct kube_request *req, const struct kube_page *page,
    void *arg);

/*
 * Lists ref (name must be NULL) with limit/continue, delivering each page to page_cb,
 * restarting from the beginning on 410 Expired (at most 3 times).  done_cb runs once at
 * the end with result NULL and err NULL on success.  Each page is retried like a GET.
 */
struct kube_request *kube_list(struct kube_client *c, const struct kube_ref *ref,
	    const struct kube_opts *o, kube_page_fn page_cb, kube_done_fn done_cb, void *arg,
	    char *err, size_t errlen);

/* ---- discovery and checks ----------------------------------------------------------- */

/*
 * Tells whether an API group (and version, if not NULL) is served: GET /apis (then
 * /apis/G/V).  Completes with result {"group":G,"version":V,"present":true|false,
 * "preferredVersion":…} (borrowed, as for every result).
 */
struct kube_request *kube_discover_group(struct kube_client *c, const char *group,
	    const char *version, kube_done_fn cb, void *arg, char *err, size_t errlen);

/*
 * `strata-mcp --check-cluster`: loads the configuration with `opt`, then prints on
 * stderr the source, server URL, context, namespace, Kubernetes version (GET /version)
 * and whether the credentials are accepted (GET /api: 200 yes, 401 no, 403
 * authenticated but not allowed).  Runs its own private loop; blocks up to timeout_ms
 * (0: 15 s).  Returns 0 if the server answered and accepted the credentials, else 1.
 */
int	kube_check_cluster(const struct kube_config_options *opt, uint32_t timeout_ms);

#endif
