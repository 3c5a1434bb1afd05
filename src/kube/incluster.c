/*
 * In-cluster configuration: KUBERNETES_SERVICE_HOST/PORT and the service-account files
 * (token, ca.crt, namespace).  The token is re-read at least every minute and after a
 * 401 (see auth.c), because the kubelet rotates projected tokens.  STRATA_SA_ROOT, for
 * tests only, prefixes the service-account directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_int.h"

#define SA_DIR	"/var/run/secrets/kubernetes.io/serviceaccount"

int
kube_incluster_available(void)
{
	const char *h = getenv("KUBERNETES_SERVICE_HOST");
	const char *p = getenv("KUBERNETES_SERVICE_PORT");

	return h != NULL && h[0] != '\0' && p != NULL && p[0] != '\0';
}

static void
sa_path(char *out, size_t len, const char *file)
{
	const char *root = getenv("STRATA_SA_ROOT");

	snprintf(out, len, "%s%s/%s", root != NULL ? root : "", SA_DIR, file);
}

int
kube_incluster_load(struct kube_config **out, char *err, size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *ns = getenv("POD_NAMESPACE");
	struct kube_blob nsfile = { NULL, 0 };
	struct kube_config *cfg;
	char path[4096], url[512];
	size_t n;
	int rc;

	if (!kube_incluster_available()) {
		kube_err_set(err, errlen, "in-cluster: KUBERNETES_SERVICE_HOST and "
		    "KUBERNETES_SERVICE_PORT must be set");
		return -ENOENT;
	}
	if ((cfg = kube_config_alloc()) == NULL)
		return -ENOMEM;
	if (strchr(host, ':') != NULL)
		snprintf(url, sizeof(url), "https://[%s]:%s", host, port);
	else
		snprintf(url, sizeof(url), "https://%s:%s", host, port);
	cfg->server = strdup(url);
	cfg->source = strdup("in-cluster");
	cfg->context = strdup("");
	cfg->user_name = strdup("serviceaccount");
	if (cfg->server == NULL || cfg->source == NULL || cfg->context == NULL ||
	    cfg->user_name == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	sa_path(path, sizeof(path), "token");
	if ((cfg->token_file = strdup(path)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = kube_file_read(path, 64 * 1024, &cfg->token)) != 0) {
		kube_err_set(err, errlen, "in-cluster: service-account token %s: %s", path,
		    strerror(-rc));
		goto fail;
	}
	cfg->auth = KUBE_AUTH_TOKEN_FILE;
	cfg->token_file_period_ms = 60000;
	sa_path(path, sizeof(path), "ca.crt");
	if ((rc = kube_file_read(path, 1u << 20, &cfg->ca)) != 0) {
		kube_err_set(err, errlen, "in-cluster: service-account CA %s: %s", path,
		    strerror(-rc));
		goto fail;
	}
	if (ns != NULL && ns[0] != '\0') {
		cfg->namespace = strdup(ns);
	} else {
		sa_path(path, sizeof(path), "namespace");
		if (kube_file_read(path, 4096, &nsfile) == 0) {
			n = nsfile.len;
			while (n > 0 && (nsfile.data[n - 1] == '\n' || nsfile.data[n - 1] == ' '))
				n--;
			nsfile.data[n] = '\0';
			cfg->namespace = strdup(n > 0 ? (char *)nsfile.data : "default");
			kube_blob_free(&nsfile);
		} else {
			cfg->namespace = strdup("default");
		}
	}
	if (cfg->namespace == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = cfg;
	return 0;
fail:
	if (rc == -ENOMEM)
		kube_err_set(err, errlen, "out of memory");
	kube_config_free(cfg);
	return rc;
}
