/*
 * `strata-mcp --check-cluster`: the first thing a user runs.  Loads the configuration,
 * asks GET /version and GET /api on a private loop, and prints what it found on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kube_int.h"

struct check_state {
	int		 version_done, api_done;
	char		 version[128];
	char		 version_err[600];
	long		 api_status;
	char		 api_err[600];
};

static void
on_version(struct kube_request *req, json_t *res, const struct kube_error *err, void *arg)
{
	struct check_state *st = arg;
	const char *v;

	st->version_done = 1;
	if (err != NULL) {
		snprintf(st->version_err, sizeof(st->version_err), "%s", err->message);
		return;
	}
	v = json_string_value(json_object_get(res, "gitVersion"));
	snprintf(st->version, sizeof(st->version), "%s", v != NULL ? v : "(no gitVersion)");
}

static void
on_api(struct kube_request *req, json_t *res, const struct kube_error *err, void *arg)
{
	struct check_state *st = arg;

	st->api_done = 1;
	if (err == NULL) {
		st->api_status = 200;
		return;
	}
	st->api_status = err->http_status;
	snprintf(st->api_err, sizeof(st->api_err), "%s", err->message);
}

int
kube_check_cluster(const struct kube_config_options *opt, uint32_t timeout_ms)
{
	struct kube_client_options co;
	struct check_state st;
	struct kube_config *cfg = NULL;
	struct kube_client *c = NULL;
	struct kube_opts o;
	uv_loop_t loop;
	char err[1024];
	int ok = 0, rc;

	memset(&st, 0, sizeof(st));
	if ((rc = kube_config_load(opt, &cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "check-cluster: configuration: %s\n", err);
		return 1;
	}
	fprintf(stderr, "check-cluster: configuration: %s\n", kube_config_source(cfg));
	fprintf(stderr, "check-cluster: context: %s\n", cfg->context != NULL &&
	    cfg->context[0] != '\0' ? cfg->context : "(in-cluster)");
	fprintf(stderr, "check-cluster: server: %s\n", kube_config_server(cfg));
	fprintf(stderr, "check-cluster: namespace: %s\n", kube_config_namespace(cfg));
	fprintf(stderr, "check-cluster: user: %s (%s)\n", cfg->user_name != NULL &&
	    cfg->user_name[0] != '\0' ? cfg->user_name : "-",
	    cfg->auth == KUBE_AUTH_EXEC ? "exec plugin" :
	    cfg->auth == KUBE_AUTH_TOKEN ? "token" :
	    cfg->auth == KUBE_AUTH_TOKEN_FILE ? "token file" :
	    cfg->client_cert.len > 0 ? "client certificate" :
	    cfg->basic_user != NULL ? "basic" : "anonymous");
	if ((rc = uv_loop_init(&loop)) != 0) {
		fprintf(stderr, "check-cluster: uv_loop_init: %s\n", uv_strerror(rc));
		kube_config_free(cfg);
		return 1;
	}
	memset(&co, 0, sizeof(co));
	co.timeout_ms = timeout_ms != 0 ? timeout_ms : 15000;
	co.max_retries = 2;
	if ((c = kube_client_new(&loop, cfg, &co, err, sizeof(err))) == NULL) {
		fprintf(stderr, "check-cluster: %s\n", err);
		goto done;
	}
	memset(&o, 0, sizeof(o));
	if (kube_request_raw(c, "GET", "/version", NULL, NULL, &o, on_version, &st, err,
	    sizeof(err)) == NULL ||
	    kube_request_raw(c, "GET", "/api", NULL, NULL, &o, on_api, &st, err,
	    sizeof(err)) == NULL) {
		fprintf(stderr, "check-cluster: %s\n", err);
		kube_client_close(c);
		goto done;
	}
	while (!(st.version_done && st.api_done) && uv_run(&loop, UV_RUN_ONCE) != 0)
		;
	kube_client_close(c);
	if (st.version[0] != '\0')
		fprintf(stderr, "check-cluster: kubernetes version: %s\n", st.version);
	else
		fprintf(stderr, "check-cluster: kubernetes version: unknown (%s)\n",
		    st.version_err);
	if (st.api_status == 200) {
		fprintf(stderr, "check-cluster: credentials: accepted\n");
		ok = 1;
	} else if (st.api_status == 401) {
		fprintf(stderr, "check-cluster: credentials: REJECTED (401 Unauthorized): %s\n",
		    st.api_err);
	} else if (st.api_status == 403) {
		fprintf(stderr, "check-cluster: credentials: authenticated, but not allowed to "
		    "read /api (403): %s\n", st.api_err);
	} else {
		fprintf(stderr, "check-cluster: cluster unreachable: %s\n", st.api_err);
	}
done:
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		fprintf(stderr, "check-cluster: warning: loop still had handles\n");
	return ok ? 0 : 1;
}
