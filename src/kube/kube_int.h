#ifndef STRATA_KUBE_INT_H
#define STRATA_KUBE_INT_H

/* Private to src/kube: the resolved configuration, credentials and the request core. */

#include <sys/queue.h>
#include <stdarg.h>
#include <time.h>

#include <curl/curl.h>

#include "strata/kube.h"
#include "strata/util.h"

#define KUBE_LOG	"kube"

/*
 * libcurl through a table filled by kube_curl_load() (curl_dl.c) when the first client is
 * made, so a process that never talks to a cluster never loads libcurl and its thirty
 * dependencies.  Call sites use kcurl.<name>(…) for curl_<name>(…).
 */
struct kube_curl_api {
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	char		*(*easy_escape)(CURL *, const char *, int);
	void		 (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
	CURLM		*(*multi_init)(void);
	CURLMcode	 (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	 (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_assign)(CURLM *, curl_socket_t, void *);
	CURLMcode	 (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	const char	*(*multi_strerror)(CURLMcode);
	CURLMcode	 (*multi_cleanup)(CURLM *);
};

extern struct kube_curl_api kcurl;

/* Loads libcurl once; 0, or -ENOENT with a message (no libcurl, or one too old). */
int	kube_curl_load(char *err, size_t errlen);

/* A byte blob owned by its holder; secrets are wiped by kube_blob_free(). */
struct kube_blob {
	unsigned char	*data;
	size_t		 len;
};

void	kube_blob_free(struct kube_blob *b);
int	kube_blob_dup(struct kube_blob *dst, const void *p, size_t n);
/* Decodes base64 (standard alphabet, whitespace ignored); -EINVAL on bad input. */
int	kube_base64_decode(const char *in, struct kube_blob *out);
/* Reads a whole file (cap bytes at most): 0, -errno, or -EFBIG. */
int	kube_file_read(const char *path, size_t cap, struct kube_blob *out);
/* Joins dir and a relative path (absolute paths are returned as copies). */
char	*kube_path_resolve(const char *dir, const char *path);
/* A new string (free()), or NULL. */
char	*kube_strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* snprintf into err that tolerates err == NULL. */
void	kube_err_set(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* libyaml → jansson with a depth and node budget; scalars become strings. */
json_t	*kube_yaml_load(const char *buf, size_t len, char *err, size_t errlen);
/* "true"/"false"/"yes"/"no"/"on"/"off" (any case) or a JSON boolean; -EINVAL else. */
int	kube_json_bool(const json_t *v, int *out);
/* Wipes every string of an unshared tree, then releases it. */
void	kube_json_wipe_decref(json_t *v);

/* ---- exec plugin configuration (kubeconfig users[].user.exec) ---- */
struct kube_exec_env {
	char	*name;
	char	*value;
};

struct kube_exec_conf {
	char			*api_version;
	char			*command;	/* resolved path or bare name */
	char			**args;		/* NULL-terminated */
	struct kube_exec_env	*env;
	size_t			 nenv;
	int			 interactive_always;	/* interactiveMode: Always */
	int			 provide_cluster_info;
	char			*install_hint;
	char			*cluster_info;	/* JSON for spec.cluster or NULL */
};

void	kube_exec_conf_free(struct kube_exec_conf *e);

enum kube_auth_kind {
	KUBE_AUTH_NONE,
	KUBE_AUTH_TOKEN,	/* static token */
	KUBE_AUTH_TOKEN_FILE,	/* tokenFile or in-cluster token: re-read */
	KUBE_AUTH_EXEC
};

struct kube_config {
	char			*source;	/* file list or "in-cluster" */
	char			*context;
	char			*cluster_name;
	char			*user_name;
	char			*namespace;
	char			*server;	/* as configured */
	/* TLS */
	struct kube_blob	 ca;		/* PEM, or empty */
	int			 insecure;
	char			*tls_server_name;
	char			*proxy_url;
	struct kube_blob	 client_cert;	/* PEM, or empty */
	struct kube_blob	 client_key;	/* PEM, or empty; wiped */
	/* credentials */
	enum kube_auth_kind	 auth;
	struct kube_blob	 token;		/* static token, or last good read */
	char			*token_file;
	uint32_t		 token_file_period_ms;	/* re-read period */
	struct kube_exec_conf	*exec;
	char			*basic_user;	/* legacy basic auth */
	struct kube_blob	 basic_pass;
};

/* In-cluster configuration (src/kube/incluster.c). */
int	kube_incluster_load(struct kube_config **out, char *err, size_t errlen);
int	kube_incluster_available(void);
struct kube_config *kube_config_alloc(void);

/* ---- credentials at request time (src/kube/auth.c, src/kube/exec.c) ---- */

struct kube_request;
struct kube_exec;

/* What one attempt sends: a bearer token and/or a client certificate (borrowed). */
struct kube_creds {
	const struct kube_blob	*token;
	const struct kube_blob	*cert;
	const struct kube_blob	*key;
};

struct kube_exec *kube_exec_new(struct kube_client *c, const struct kube_exec_conf *conf,
	    uint32_t timeout_ms);
/*
 * Returns 1 and fills creds when cached credentials are valid; 0 when a plugin run has
 * started (or is running) and the request will be resumed with kube_request_resume();
 * negative with err set on failure.
 */
int	kube_exec_get(struct kube_exec *x, struct kube_request *req, struct kube_creds *creds,
	    struct kube_error *err);
/* Forget the cached credential (after a 401) unless it changed since `gen`. */
void	kube_exec_invalidate(struct kube_exec *x, unsigned gen);
unsigned kube_exec_generation(const struct kube_exec *x);
/* Drop a waiting request (cancel). */
void	kube_exec_forget(struct kube_exec *x, struct kube_request *req);
/* Kill a running plugin and free everything (handles closed asynchronously). */
void	kube_exec_close(struct kube_exec *x);
/* Number of plugin runs so far (tests, logs). */
unsigned kube_exec_runs(const struct kube_exec *x);

/* ---- the client and its request core ---- */

TAILQ_HEAD(kube_req_list, kube_request);

struct kube_client {
	uv_loop_t		*loop;
	struct kube_config	*cfg;
	CURLM			*multi;
	uv_timer_t		 timer;		/* curl's timer */
	int			 closing;
	int			 draining;	/* inside http_drain (user callbacks run) */
	int			 close_pending;	/* kube_client_close called while draining */
	struct kube_req_list	 reqs;		/* all live requests */
	size_t			 npending;
	char			*base_url;	/* scheme://host:port[/prefix] (tls-server-name applied) */
	char			*connect_to;	/* CURLOPT_CONNECT_TO entry or NULL */
	struct curl_slist	*connect_to_list;
	size_t			 max_body;
	uint32_t		 timeout_ms;
	int			 max_retries;
	/* token file re-read */
	uint64_t		 token_read_ms;
	int			 token_stale;
	struct kube_exec	*exec;
};

enum kube_req_kind { KUBE_REQ_SINGLE, KUBE_REQ_LIST };

struct kube_request {
	TAILQ_ENTRY(kube_request) entry;
	TAILQ_ENTRY(kube_request) wait_entry;	/* exec waiters */
	struct kube_client	*client;
	enum kube_req_kind	 kind;
	char			 method[8];
	char			*path;		/* path + query without continue */
	char			*body;		/* serialised body or NULL */
	size_t			 body_len;
	const char		*content_type;
	int			 idempotent;
	uint64_t		 deadline_ms;	/* absolute, strata_now_ms() clock */
	uint32_t		 timeout_ms;	/* per request (per page for lists) */
	int			 max_retries;
	int			 retries;	/* retries used */
	int			 attempts;
	int			 auth_retried;	/* 401 refresh already done */
	unsigned		 exec_gen;
	int			 waiting_exec;
	CURL			*easy;
	struct curl_slist	*headers;
	char			 curl_err[CURL_ERROR_SIZE];
	struct sbuf		 resp;
	int			 too_big;
	uv_timer_t		 timer;		/* backoff and deferred work */
	int			 cancelled;
	int			 done;
	kube_done_fn		 cb;
	void			*arg;
	/* lists */
	kube_page_fn		 page_cb;
	kube_item_fn		 item_fn;	/* raw items (list_raw.c) or NULL */
	char			*cont;		/* continue token */
	size_t			 page_index;
	size_t			 items_total;
	size_t			 page_bytes;	/* body size of the page being delivered */
	int			 restarts;
	int			 restarted;
	/* discovery */
	char			*disc_group;
	char			*disc_version;
	int			 disc_stage;
};

/* Create a request (not started). */
struct kube_request *kube_request_new(struct kube_client *c, const char *method,
	    const char *path, json_t *body, const char *content_type,
	    const struct kube_opts *o, kube_done_fn cb, void *arg, char *err, size_t errlen);
/* Start the first attempt from a 0 ms timer (no callback inside the caller). */
void	kube_request_start(struct kube_request *req);
/* Start another transfer now (next page, next discovery step, restart). */
void	kube_request_again(struct kube_request *req);
/* Hooks of verbs.c, called by the core for each 2xx body (borrowed). */
void	kube_list_page(struct kube_request *req, json_t *page);
/* The same for a list with an item hook: scans req->resp (list_raw.c). */
void	kube_list_raw_page(struct kube_request *req);
int	kube_list_expired(struct kube_request *req);
void	kube_discover_step(struct kube_request *req, json_t *result);
/* Continue after credentials became available (or failed: err != NULL). */
void	kube_request_resume(struct kube_request *req, const struct kube_error *err);
/* Complete with an error (callback, then release). */
void	kube_request_fail(struct kube_request *req, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Completion hook used by lists and discovery for each transfer's parsed result. */
void	kube_request_complete(struct kube_request *req, json_t *result,
	    const struct kube_error *err);

/* curl multi ⇄ uv (src/kube/http.c). */
int	kube_http_init(struct kube_client *c, long max_host_conns, char *err, size_t errlen);
int	kube_http_add(struct kube_client *c, CURL *easy);
void	kube_http_remove(struct kube_client *c, CURL *easy);
void	kube_http_cleanup(struct kube_client *c);	/* curl_multi_cleanup + close timer */
/* Called by http.c for each finished transfer. */
void	kube_request_transfer_done(struct kube_request *req, CURLcode result);

/* Credentials for one attempt (src/kube/auth.c): 1 ready, 0 waiting, <0 error. */
int	kube_auth_get(struct kube_client *c, struct kube_request *req, struct kube_creds *cr,
	    struct kube_error *err);
/* After a 401: returns 1 if a refresh may help (then retry once). */
int	kube_auth_invalidate(struct kube_client *c, struct kube_request *req);

#endif
