/*
 * Credentials for each transfer: a static token, a token file re-read at least every
 * minute and after a 401 (kubeconfig tokenFile, in-cluster service account), an exec
 * plugin (exec.c), and the client certificate.  A failed re-read keeps the last good
 * token, as client-go does.
 */
#include <errno.h>
#include <string.h>

#include "kube_int.h"

static void
auth_token_file_refresh(struct kube_client *c)
{
	struct kube_config *cfg = c->cfg;
	struct kube_blob fresh = { NULL, 0 };
	uint64_t now = strata_now_ms();
	int rc;

	if (!c->token_stale && now - c->token_read_ms < cfg->token_file_period_ms)
		return;
	c->token_read_ms = now;
	c->token_stale = 0;
	if ((rc = kube_file_read(cfg->token_file, 64 * 1024, &fresh)) != 0) {
		log_warn(KUBE_LOG, "token file unreadable, keeping the last token file=%s "
		    "error=\"%s\"", cfg->token_file, strerror(-rc));
		return;
	}
	kube_blob_free(&cfg->token);
	cfg->token = fresh;
}

int
kube_auth_get(struct kube_client *c, struct kube_request *req, struct kube_creds *cr,
    struct kube_error *err)
{
	struct kube_config *cfg = c->cfg;

	cr->token = NULL;
	cr->cert = cfg->client_cert.len > 0 ? &cfg->client_cert : NULL;
	cr->key = cfg->client_key.len > 0 ? &cfg->client_key : NULL;
	switch (cfg->auth) {
	case KUBE_AUTH_NONE:
		return 1;
	case KUBE_AUTH_TOKEN:
		cr->token = &cfg->token;
		return 1;
	case KUBE_AUTH_TOKEN_FILE:
		auth_token_file_refresh(c);
		cr->token = cfg->token.len > 0 ? &cfg->token : NULL;
		return 1;
	case KUBE_AUTH_EXEC:
		return kube_exec_get(c->exec, req, cr, err);
	}
	return 1;
}

int
kube_auth_invalidate(struct kube_client *c, struct kube_request *req)
{
	switch (c->cfg->auth) {
	case KUBE_AUTH_TOKEN_FILE:
		c->token_stale = 1;
		return 1;
	case KUBE_AUTH_EXEC:
		kube_exec_invalidate(c->exec, req->exec_gen);
		return 1;
	default:
		return 0;
	}
}
