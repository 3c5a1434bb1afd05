/*
 * The coordination service: cluster clients per context, the state store, the MCP
 * resources for plans and executions, and the registration of the tool handlers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

static char *
svc_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct kube_client *
svc_client_get(struct coord_service *svc, const char *context, char *err, size_t errlen)
{
	struct kube_config_options ko;
	struct kube_config *cfg = NULL;
	struct svc_client *sc;
	char kerr[512];
	const char *key = context != NULL ? context : "";
	int rc;

	if (svc->closing) {
		snprintf(err, errlen, "the server is shutting down");
		return NULL;
	}
	for (sc = svc->clients; sc != NULL; sc = sc->next)
		if (sc->client != NULL && (strcmp(sc->context, key) == 0 ||
		    strcmp(kube_config_context(kube_client_config(sc->client)), key) == 0))
			return sc->client;
	memset(&ko, 0, sizeof(ko));
	ko.kubeconfig = svc->opt.kubeconfig;
	ko.context = key[0] != '\0' ? key : svc->opt.context;
	if ((rc = kube_config_load(&ko, &cfg, kerr, sizeof(kerr))) != 0) {
		snprintf(err, errlen, "no cluster to talk to: %s (strata-mcp --check-cluster "
		    "shows what the server would use)", kerr);
		return NULL;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL || (sc->context = strdup(key)) == NULL) {
		free(sc);
		kube_config_free(cfg);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sc->client = kube_client_new(svc->loop, cfg, NULL, kerr, sizeof(kerr));
	if (sc->client == NULL) {
		free(sc->context);
		free(sc);
		snprintf(err, errlen, "cannot create the cluster client: %s", kerr);
		return NULL;
	}
	log_info(SVC_LOG, "cluster client for %s at %s (context %s)",
	    key[0] != '\0' ? key : "the default context",
	    kube_config_server(kube_client_config(sc->client)),
	    kube_config_context(kube_client_config(sc->client)));
	sc->next = svc->clients;
	svc->clients = sc;
	return sc->client;
}

struct coord_store *
svc_store(struct coord_service *svc, char *err, size_t errlen)
{
	struct coord_store_options so;
	int rc;

	if (svc->store != NULL)
		return svc->store;
	memset(&so, 0, sizeof(so));
	so.state_dir = svc->opt.state_dir;
	so.no_fsync = svc->opt.no_fsync;
	rc = coord_store_open(&so, &svc->store, NULL, svc->store_err,
	    sizeof(svc->store_err));
	if (rc != 0) {
		svc->store = NULL;
		snprintf(err, errlen, "the state directory is not usable: %s", svc->store_err);
		return NULL;
	}
	return svc->store;
}

void
svc_progress(struct mcp_call *call, double progress, double total, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)mcp_call_progress(call, progress, total, msg);
}

struct svc_deferred {
	uv_timer_t	 timer;
	void		(*fn)(void *arg);
	void		*arg;
};

static void
svc_deferred_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
svc_deferred_fire(uv_timer_t *t)
{
	struct svc_deferred *d = t->data;

	d->fn(d->arg);
	uv_close((uv_handle_t *)&d->timer, svc_deferred_closed);
}

int
svc_defer(struct coord_service *svc, void (*fn)(void *arg), void *arg)
{
	struct svc_deferred *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	d->fn = fn;
	d->arg = arg;
	uv_timer_init(svc->loop, &d->timer);
	d->timer.data = d;
	uv_timer_start(&d->timer, svc_deferred_fire, 0, 0);
	return 0;
}

/* ---- resources: strata://plans/{id}, strata://executions/{id} ----------------------- */

static int
svc_resource_list(json_t *out, const char *prefix, void *arg)
{
	struct coord_service *svc = arg;
	struct coord_store *st;
	json_t *all, *r;
	size_t i;
	char err[256];

	if ((st = svc_store(svc, err, sizeof(err))) == NULL) {
		log_warn(SVC_LOG, "resources/list: %s", err);
		return 0;	/* an empty list: nothing can be read either */
	}
	if ((all = coord_store_resource_list(st)) == NULL)
		return -ENOMEM;
	json_array_foreach(all, i, r) {
		const char *uri = json_string_value(json_object_get(r, "uri"));

		if (uri != NULL && strncmp(uri, prefix, strlen(prefix)) == 0)
			json_array_append(out, r);
	}
	json_decref(all);
	return 0;
}

static int
svc_plans_list(json_t *out, void *arg)
{
	return svc_resource_list(out, "strata://plans/", arg);
}

static int
svc_execs_list(json_t *out, void *arg)
{
	return svc_resource_list(out, "strata://executions/", arg);
}

static int
svc_resource_read(const char *kind, const char *id, json_t **contents, char *err,
    size_t errlen, void *arg)
{
	struct coord_service *svc = arg;
	struct coord_store *st;
	char uri[256], *text = NULL;
	int rc;

	if ((st = svc_store(svc, err, errlen)) == NULL)
		return -EIO;
	snprintf(uri, sizeof(uri), "strata://%s/%s", kind, id);
	if ((rc = coord_store_resource_read(st, uri, &text, err, errlen)) != 0)
		return rc;
	*contents = json_pack("[{s:s,s:s,s:s}]", "uri", uri, "mimeType", "application/json",
	    "text", text);
	free(text);
	return *contents != NULL ? 0 : -ENOMEM;
}

static int
svc_plans_read(const char *id, json_t **contents, char *err, size_t errlen, void *arg)
{
	return svc_resource_read("plans", id, contents, err, errlen, arg);
}

static int
svc_execs_read(const char *id, json_t **contents, char *err, size_t errlen, void *arg)
{
	return svc_resource_read("executions", id, contents, err, errlen, arg);
}

/* ---- life cycle ------------------------------------------------------------------- */

int
coord_service_new(uv_loop_t *loop, struct mcp_server *srv,
    const struct coord_service_options *opt, struct coord_service **out, char *err,
    size_t errlen)
{
	struct coord_service *svc;

	if ((svc = calloc(1, sizeof(*svc))) == NULL)
		goto nomem;
	svc->loop = loop;
	svc->srv = srv;
	if (opt != NULL)
		svc->opt = *opt;
	svc->opt.kubeconfig = svc_strdup(svc->opt.kubeconfig);
	svc->opt.context = svc_strdup(svc->opt.context);
	svc->opt.state_dir = svc_strdup(svc->opt.state_dir);
	svc->opt.lease_namespace = svc_strdup(svc->opt.lease_namespace);
	if ((opt != NULL && opt->lease_namespace != NULL &&
	    svc->opt.lease_namespace == NULL) || (opt != NULL && opt->kubeconfig != NULL && svc->opt.kubeconfig == NULL) ||
	    (opt != NULL && opt->context != NULL && svc->opt.context == NULL) ||
	    (opt != NULL && opt->state_dir != NULL && svc->opt.state_dir == NULL))
		goto nomem;
	if (svc->opt.time_scale < 1.0)
		svc->opt.time_scale = 1.0;
	if (mcp_tool_set_handler(srv, "detect_layers", svc_detect_layers, svc) != 0 ||
	    mcp_tool_set_handler(srv, "plan_remediation", svc_plan_remediation, svc) != 0 ||
	    mcp_tool_set_handler(srv, "execute_plan", svc_execute_plan, svc) != 0 ||
	    mcp_tool_set_handler(srv, "rollback_plan", svc_rollback_plan, svc) != 0 ||
	    mcp_resource_set_provider(srv, "plans", svc_plans_list, svc_plans_read, svc) != 0 ||
	    mcp_resource_set_provider(srv, "executions", svc_execs_list, svc_execs_read,
	    svc) != 0) {
		snprintf(err, errlen, "cannot register the tools");
		coord_service_free(svc);
		return -EINVAL;
	}
	*out = svc;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	coord_service_free(svc);
	return -ENOMEM;
}

void
coord_service_close(struct coord_service *svc, void (*done)(void *arg), void *arg)
{
	struct svc_client *sc;

	if (svc == NULL)
		return;
	svc->closing = true;
	for (sc = svc->clients; sc != NULL; sc = sc->next) {
		if (sc->client != NULL) {
			kube_client_close(sc->client);
			sc->client = NULL;
		}
	}
	if (done != NULL)
		done(arg);
}

void
coord_service_free(struct coord_service *svc)
{
	struct svc_client *sc, *next;

	if (svc == NULL)
		return;
	for (sc = svc->clients; sc != NULL; sc = next) {
		next = sc->next;
		if (sc->client != NULL)
			kube_client_close(sc->client);
		free(sc->context);
		free(sc);
	}
	coord_store_close(svc->store);
	free((char *)svc->opt.kubeconfig);
	free((char *)svc->opt.context);
	free((char *)svc->opt.state_dir);
	free((char *)svc->opt.lease_namespace);
	free(svc);
}
