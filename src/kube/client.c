/*
 * The client object: configuration, the curl multi on the loop, the exec plugin runner,
 * and the orderly shutdown (cancel requests → kill the plugin → curl_multi_cleanup →
 * close the timer; the client memory is freed in the timer's close callback).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_int.h"

/*
 * tls-server-name has no libcurl option: address the server by that name in the URL
 * (so SNI and certificate checks use it) and connect to the real host with
 * CURLOPT_CONNECT_TO.
 */
static int
client_urls(struct kube_client *c, char *err, size_t errlen)
{
	const char *srv = c->cfg->server, *hp, *end, *port = NULL, *hend;
	const char *tls = c->cfg->tls_server_name;
	size_t schemelen, hostlen, n;
	char portbuf[8];
	int https;

	https = strncmp(srv, "https://", 8) == 0;
	schemelen = https ? 8 : 7;
	hp = srv + schemelen;
	end = hp + strcspn(hp, "/?#");
	if (*hp == '[') {
		if ((hend = memchr(hp, ']', (size_t)(end - hp))) == NULL)
			goto bad;
		hend++;
	} else {
		hend = memchr(hp, ':', (size_t)(end - hp));
		if (hend == NULL)
			hend = end;
	}
	hostlen = (size_t)(hend - hp);
	if (hostlen == 0)
		goto bad;
	if (hend < end && *hend == ':')
		port = hend + 1;
	if (port != NULL && (size_t)(end - port) < sizeof(portbuf) && end > port) {
		memcpy(portbuf, port, (size_t)(end - port));
		portbuf[end - port] = '\0';
	} else if (port != NULL) {
		goto bad;
	} else {
		snprintf(portbuf, sizeof(portbuf), "%s", https ? "443" : "80");
	}
	/* The base URL never ends with '/' so that paths can be appended. */
	n = strlen(srv);
	while (n > (size_t)(end - srv) && srv[n - 1] == '/')
		n--;
	if (tls == NULL) {
		if ((c->base_url = strndup(srv, n)) == NULL)
			return -ENOMEM;
		return 0;
	}
	c->base_url = kube_strprintf("%.*s%s:%s%.*s", (int)schemelen, srv, tls, portbuf,
	    (int)(n - (size_t)(end - srv)), end);
	c->connect_to = kube_strprintf("%s:%s:%.*s:%s", tls, portbuf, (int)hostlen, hp,
	    portbuf);
	if (c->base_url == NULL || c->connect_to == NULL)
		return -ENOMEM;
	if ((c->connect_to_list = kcurl.slist_append(NULL, c->connect_to)) == NULL)
		return -ENOMEM;
	return 0;
bad:
	kube_err_set(err, errlen, "server URL \"%s\" (context \"%s\") has no valid host:port",
	    srv, kube_config_context(c->cfg));
	return -EINVAL;
}

struct kube_client *
kube_client_new(uv_loop_t *loop, struct kube_config *cfg, const struct kube_client_options *opt,
    char *err, size_t errlen)
{
	static const struct kube_client_options defaults;
	struct kube_client *c;
	int rc;

	if (opt == NULL)
		opt = &defaults;
	if (cfg == NULL) {
		kube_err_set(err, errlen, "no configuration");
		return NULL;
	}
	if (kube_curl_load(err, errlen) != 0) {
		kube_config_free(cfg);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		kube_err_set(err, errlen, "out of memory");
		kube_config_free(cfg);
		return NULL;
	}
	c->loop = loop;
	c->cfg = cfg;
	TAILQ_INIT(&c->reqs);
	c->max_body = opt->max_body != 0 ? opt->max_body : 64u << 20;
	c->timeout_ms = opt->timeout_ms != 0 ? opt->timeout_ms : 30000;
	c->max_retries = opt->max_retries == 0 ? 5 : opt->max_retries < 0 ? 0 :
	    opt->max_retries;
	c->token_read_ms = strata_now_ms();
	if ((rc = client_urls(c, err, errlen)) != 0)
		goto fail_early;
	if (cfg->auth == KUBE_AUTH_EXEC &&
	    (c->exec = kube_exec_new(c, cfg->exec, opt->exec_timeout_ms != 0 ?
	    opt->exec_timeout_ms : 30000)) == NULL) {
		kube_err_set(err, errlen, "out of memory");
		goto fail_early;
	}
	if ((rc = kube_http_init(c, opt->max_host_connections > 0 ?
	    opt->max_host_connections : 32, err, errlen)) != 0) {
		if (c->multi == NULL)
			goto fail_early;
		kube_client_close(c);
		return NULL;
	}
	return c;
fail_early:
	if (c->exec != NULL)
		kube_exec_close(c->exec);
	free(c->base_url);
	free(c->connect_to);
	kcurl.slist_free_all(c->connect_to_list);
	kube_config_free(c->cfg);
	free(c);
	return NULL;
}

const struct kube_config *
kube_client_config(const struct kube_client *c)
{
	return c->cfg;
}

size_t
kube_client_pending(const struct kube_client *c)
{
	return c->npending;
}

void
kube_client_close(struct kube_client *c)
{
	struct kube_request *req;

	if (c == NULL || c->closing)
		return;
	c->closing = 1;
	while ((req = TAILQ_FIRST(&c->reqs)) != NULL)
		kube_request_fail(req, -ECANCELED, "client closed");
	if (c->exec != NULL)
		kube_exec_close(c->exec);
	c->exec = NULL;
	free(c->base_url);
	free(c->connect_to);
	kcurl.slist_free_all(c->connect_to_list);
	c->base_url = NULL;
	c->connect_to = NULL;
	c->connect_to_list = NULL;
	kube_config_free(c->cfg);
	c->cfg = NULL;
	/* Inside curl's message loop the multi must outlive the loop: finish there. */
	if (c->draining > 0) {
		c->close_pending = 1;
		return;
	}
	kube_http_cleanup(c);	/* the client is freed in the timer close callback */
}
