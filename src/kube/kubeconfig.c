/*
 * kubeconfig loading like kubectl: --kubeconfig, else $KUBECONFIG (first definition of a
 * name wins, missing files skipped), else ~/.kube/config, else in-cluster.  The files are
 * parsed with libyaml (YAML or JSON) into jansson trees; the selected context, cluster
 * and user are then resolved into a struct kube_config.  Every error names the file,
 * the context and the field; no error or log line carries a credential.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube_int.h"

#define KC_MAX_FILES	16
#define KC_FILE_CAP	(16u << 20)
#define KC_PEM_CAP	(1u << 20)

struct kc_file {
	char	*path;
	char	*dir;
	json_t	*tree;
};

struct kc_set {
	struct kc_file	 f[KC_MAX_FILES];
	size_t		 n;
	char		 names[1024];	/* for messages */
};

static void
kc_set_free(struct kc_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->f[i].path);
		free(s->f[i].dir);
		kube_json_wipe_decref(s->f[i].tree);
	}
	s->n = 0;
}

/* 0 loaded, 1 missing (ENOENT and allowed), <0 error (err set). */
static int
kc_file_add(struct kc_set *s, const char *path, int missing_ok, char *err, size_t errlen)
{
	struct kube_blob raw = { NULL, 0 };
	struct kc_file *f;
	char yerr[256] = "";
	json_t *tree;
	char *slash;
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->f[i].path, path) == 0)
			return 1;	/* duplicates dropped */
	if (s->n == KC_MAX_FILES) {
		kube_err_set(err, errlen, "kubeconfig: more than %d files", KC_MAX_FILES);
		return -E2BIG;
	}
	if ((rc = kube_file_read(path, KC_FILE_CAP, &raw)) != 0) {
		if (rc == -ENOENT && missing_ok)
			return 1;
		kube_err_set(err, errlen, "kubeconfig %s: %s", path,
		    rc == -EFBIG ? "file larger than 16 MiB" : strerror(-rc));
		return rc;
	}
	tree = kube_yaml_load((const char *)raw.data, raw.len, yerr, sizeof(yerr));
	kube_blob_free(&raw);
	if (tree == NULL) {
		kube_err_set(err, errlen, "kubeconfig %s: %s", path, yerr);
		return -EINVAL;
	}
	if (json_is_null(tree)) {
		json_decref(tree);
		tree = json_object();
	}
	if (!json_is_object(tree)) {
		kube_err_set(err, errlen, "kubeconfig %s: top level is not a mapping", path);
		kube_json_wipe_decref(tree);
		return -EINVAL;
	}
	f = &s->f[s->n];
	f->tree = tree;
	f->path = strdup(path);
	f->dir = strdup(path);
	if (f->path == NULL || f->dir == NULL) {
		free(f->path);
		free(f->dir);
		kube_json_wipe_decref(tree);
		kube_err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((slash = strrchr(f->dir, '/')) != NULL)
		*(slash == f->dir ? slash + 1 : slash) = '\0';
	else
		strcpy(f->dir, ".");
	s->n++;
	if (s->names[0] != '\0')
		strncat(s->names, ", ", sizeof(s->names) - strlen(s->names) - 1);
	strncat(s->names, path, sizeof(s->names) - strlen(s->names) - 1);
	return 0;
}

/* The first entry named `name` in list `kind` over all files; its file in *fi. */
static json_t *
kc_lookup(struct kc_set *s, const char *kind, const char *name, size_t *fi, char *err,
    size_t errlen)
{
	json_t *list, *e, *n;
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		list = json_object_get(s->f[i].tree, kind);
		if (list == NULL || json_is_null(list))
			continue;
		if (!json_is_array(list)) {
			kube_err_set(err, errlen, "kubeconfig %s: \"%s\" is not a list",
			    s->f[i].path, kind);
			return NULL;
		}
		json_array_foreach(list, j, e) {
			n = json_object_get(e, "name");
			if (json_is_string(n) && strcmp(json_string_value(n), name) == 0) {
				*fi = i;
				return e;
			}
		}
	}
	return NULL;
}

/* Optional string field; -EINVAL (err set) if present but not a string. */
static int
kc_str(json_t *obj, const char *field, const char **out, const char *what, const char *file,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, field);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: field \"%s\" is not a string",
		    file, what, field);
		return -EINVAL;
	}
	*out = json_string_value(v);
	if ((*out)[0] == '\0')
		*out = NULL;
	return 0;
}

/* Fills dst from field-data (base64) or field (path, relative to dir). */
static int
kc_pem(json_t *obj, const char *field, struct kube_blob *dst, const char *what,
    const struct kc_file *f, char *err, size_t errlen)
{
	char dfield[64];
	const char *data, *path;
	char *full;
	int rc;

	snprintf(dfield, sizeof(dfield), "%s-data", field);
	if ((rc = kc_str(obj, dfield, &data, what, f->path, err, errlen)) != 0 ||
	    (rc = kc_str(obj, field, &path, what, f->path, err, errlen)) != 0)
		return rc;
	if (data != NULL) {
		if (kube_base64_decode(data, dst) != 0 || dst->len == 0) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: %s is not valid base64",
			    f->path, what, dfield);
			return -EINVAL;
		}
		return 0;
	}
	if (path == NULL)
		return 0;
	if ((full = kube_path_resolve(f->dir, path)) == NULL)
		return -ENOMEM;
	rc = kube_file_read(full, KC_PEM_CAP, dst);
	if (rc != 0)
		kube_err_set(err, errlen, "kubeconfig %s: %s: %s %s: %s", f->path, what, field,
		    full, rc == -EFBIG ? "file too large" : strerror(-rc));
	free(full);
	return rc;
}

struct kube_config *
kube_config_alloc(void)
{
	return calloc(1, sizeof(struct kube_config));
}

void
kube_exec_conf_free(struct kube_exec_conf *e)
{
	size_t i;

	if (e == NULL)
		return;
	free(e->api_version);
	free(e->command);
	for (i = 0; e->args != NULL && e->args[i] != NULL; i++)
		free(e->args[i]);
	free(e->args);
	for (i = 0; i < e->nenv; i++) {
		free(e->env[i].name);
		if (e->env[i].value != NULL) {
			strata_wipe(e->env[i].value, strlen(e->env[i].value));
			free(e->env[i].value);
		}
	}
	free(e->env);
	free(e->install_hint);
	free(e->cluster_info);
	free(e);
}

void
kube_config_free(struct kube_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->context);
	free(cfg->cluster_name);
	free(cfg->user_name);
	free(cfg->namespace);
	free(cfg->server);
	kube_blob_free(&cfg->ca);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	kube_blob_free(&cfg->client_cert);
	kube_blob_free(&cfg->client_key);
	kube_blob_free(&cfg->token);
	free(cfg->token_file);
	kube_exec_conf_free(cfg->exec);
	free(cfg->basic_user);
	kube_blob_free(&cfg->basic_pass);
	free(cfg);
}

const char *
kube_config_server(const struct kube_config *cfg)
{
	return cfg->server;
}

const char *
kube_config_context(const struct kube_config *cfg)
{
	return cfg->context != NULL ? cfg->context : "";
}

const char *
kube_config_namespace(const struct kube_config *cfg)
{
	return cfg->namespace != NULL ? cfg->namespace : "default";
}

const char *
kube_config_user(const struct kube_config *cfg)
{
	return cfg->user_name != NULL ? cfg->user_name : "";
}

const char *
kube_config_source(const struct kube_config *cfg)
{
	return cfg->source != NULL ? cfg->source : "";
}

static int
kc_exec_parse(json_t *ex, const struct kc_file *f, const char *what, json_t *cluster_info,
    struct kube_exec_conf **out, char *err, size_t errlen)
{
	struct kube_exec_conf *e;
	const char *s, *mode, *name, *value;
	json_t *args, *env, *it;
	size_t i;
	int b;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	if (kc_str(ex, "apiVersion", &s, what, f->path, err, errlen) != 0)
		goto fail;
	if (s == NULL || (strcmp(s, "client.authentication.k8s.io/v1") != 0 &&
	    strcmp(s, "client.authentication.k8s.io/v1beta1") != 0)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: exec.apiVersion %s%s%s is not "
		    "supported (client.authentication.k8s.io/v1 or v1beta1)", f->path, what,
		    s ? "\"" : "", s ? s : "(missing)", s ? "\"" : "");
		goto fail;
	}
	if ((e->api_version = strdup(s)) == NULL)
		goto nomem;
	if (kc_str(ex, "command", &s, what, f->path, err, errlen) != 0)
		goto fail;
	if (s == NULL) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: exec.command is missing",
		    f->path, what);
		goto fail;
	}
	e->command = strchr(s, '/') != NULL ? kube_path_resolve(f->dir, s) : strdup(s);
	if (e->command == NULL)
		goto nomem;
	args = json_object_get(ex, "args");
	if (args != NULL && !json_is_null(args) && !json_is_array(args)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: exec.args is not a list",
		    f->path, what);
		goto fail;
	}
	if ((e->args = calloc(json_array_size(args) + 1, sizeof(char *))) == NULL)
		goto nomem;
	json_array_foreach(args, i, it) {
		if (!json_is_string(it)) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: exec.args[%zu] is not a "
			    "string", f->path, what, i);
			goto fail;
		}
		if ((e->args[i] = strdup(json_string_value(it))) == NULL)
			goto nomem;
	}
	env = json_object_get(ex, "env");
	if (env != NULL && !json_is_null(env) && !json_is_array(env)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: exec.env is not a list",
		    f->path, what);
		goto fail;
	}
	if (json_array_size(env) > 0 &&
	    (e->env = calloc(json_array_size(env), sizeof(*e->env))) == NULL)
		goto nomem;
	json_array_foreach(env, i, it) {
		if (kc_str(it, "name", &name, what, f->path, err, errlen) != 0 ||
		    kc_str(it, "value", &value, what, f->path, err, errlen) != 0)
			goto fail;
		if (name == NULL) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: exec.env[%zu].name is "
			    "missing", f->path, what, i);
			goto fail;
		}
		e->env[i].name = strdup(name);
		e->env[i].value = strdup(value != NULL ? value : "");
		e->nenv++;
		if (e->env[i].name == NULL || e->env[i].value == NULL)
			goto nomem;
	}
	if (kc_str(ex, "interactiveMode", &mode, what, f->path, err, errlen) != 0)
		goto fail;
	if (mode == NULL && strcmp(e->api_version, "client.authentication.k8s.io/v1") == 0) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: exec.interactiveMode must be set "
		    "for client.authentication.k8s.io/v1 (Never or IfAvailable)", f->path,
		    what);
		goto fail;
	}
	if (mode != NULL && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0) {
		if (strcmp(mode, "Always") != 0) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: exec.interactiveMode "
			    "\"%s\" is not Never, IfAvailable or Always", f->path, what, mode);
			goto fail;
		}
		e->interactive_always = 1;
	}
	if (kc_str(ex, "installHint", &s, what, f->path, err, errlen) != 0)
		goto fail;
	if (s != NULL && (e->install_hint = strdup(s)) == NULL)
		goto nomem;
	it = json_object_get(ex, "provideClusterInfo");
	if (it != NULL && !json_is_null(it)) {
		if (kube_json_bool(it, &b) != 0) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: exec.provideClusterInfo "
			    "is not a boolean", f->path, what);
			goto fail;
		}
		e->provide_cluster_info = b;
		if (b && cluster_info != NULL &&
		    (e->cluster_info = json_dumps(cluster_info, JSON_COMPACT)) == NULL)
			goto nomem;
	}
	*out = e;
	return 0;
nomem:
	kube_err_set(err, errlen, "out of memory");
fail:
	kube_exec_conf_free(e);
	return -EINVAL;
}

static int
kc_user(struct kc_set *set, const char *uname, const char *ctxname, struct kube_config *cfg,
    json_t *cluster_info, char *err, size_t errlen)
{
	char what[256];
	const char *tok, *tfile, *s;
	const struct kc_file *f;
	json_t *entry, *u, *ex;
	size_t fi;
	int rc;

	if ((entry = kc_lookup(set, "users", uname, &fi, err, errlen)) == NULL) {
		if (err != NULL && err[0] == '\0')
			kube_err_set(err, errlen, "kubeconfig: user \"%s\" (named by context "
			    "\"%s\") not found in %s", uname, ctxname, set->names);
		return -ENOENT;
	}
	f = &set->f[fi];
	snprintf(what, sizeof(what), "user \"%s\"", uname);
	u = json_object_get(entry, "user");
	if (u == NULL || json_is_null(u))
		return 0;	/* no credentials */
	if (!json_is_object(u)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: \"user\" is not a mapping",
		    f->path, what);
		return -EINVAL;
	}
	if (json_object_get(u, "auth-provider") != NULL &&
	    !json_is_null(json_object_get(u, "auth-provider"))) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: auth-provider is not supported; "
		    "use an exec credential plugin", f->path, what);
		return -ENOTSUP;
	}
	if ((rc = kc_pem(u, "client-certificate", &cfg->client_cert, what, f, err,
	    errlen)) != 0 ||
	    (rc = kc_pem(u, "client-key", &cfg->client_key, what, f, err, errlen)) != 0)
		return rc;
	if ((cfg->client_cert.len == 0) != (cfg->client_key.len == 0)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: client-certificate and client-key "
		    "must be given together", f->path, what);
		return -EINVAL;
	}
	if ((rc = kc_str(u, "token", &tok, what, f->path, err, errlen)) != 0 ||
	    (rc = kc_str(u, "tokenFile", &tfile, what, f->path, err, errlen)) != 0)
		return rc;
	ex = json_object_get(u, "exec");
	if (ex != NULL && !json_is_null(ex)) {
		if (!json_is_object(ex)) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: exec is not a mapping",
			    f->path, what);
			return -EINVAL;
		}
		if ((rc = kc_exec_parse(ex, f, what, cluster_info, &cfg->exec, err,
		    errlen)) != 0)
			return rc;
		cfg->auth = KUBE_AUTH_EXEC;
		return 0;
	}
	if (tok != NULL) {
		if (kube_blob_dup(&cfg->token, tok, strlen(tok)) != 0)
			return -ENOMEM;
		cfg->auth = KUBE_AUTH_TOKEN;
	}
	if (tfile != NULL) {
		if ((cfg->token_file = kube_path_resolve(f->dir, tfile)) == NULL)
			return -ENOMEM;
		cfg->token_file_period_ms = 60000;
		rc = kube_file_read(cfg->token_file, 64 * 1024, &cfg->token);
		if (rc != 0 && tok == NULL) {
			kube_err_set(err, errlen, "kubeconfig %s: %s: tokenFile %s: %s", f->path,
			    what, cfg->token_file, strerror(-rc));
			return rc;
		}
		cfg->auth = KUBE_AUTH_TOKEN_FILE;
	}
	if ((rc = kc_str(u, "username", &s, what, f->path, err, errlen)) != 0)
		return rc;
	if (s != NULL && cfg->auth == KUBE_AUTH_NONE) {
		if ((cfg->basic_user = strdup(s)) == NULL)
			return -ENOMEM;
		if ((rc = kc_str(u, "password", &s, what, f->path, err, errlen)) != 0)
			return rc;
		if (kube_blob_dup(&cfg->basic_pass, s ? s : "", s ? strlen(s) : 0) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
kc_cluster(struct kc_set *set, const char *cname, const char *ctxname, struct kube_config *cfg,
    json_t **cluster_info, char *err, size_t errlen)
{
	char what[256];
	const struct kc_file *f;
	const char *s;
	json_t *entry, *cl, *v;
	size_t fi;
	int rc;

	if ((entry = kc_lookup(set, "clusters", cname, &fi, err, errlen)) == NULL) {
		if (err != NULL && err[0] == '\0')
			kube_err_set(err, errlen, "kubeconfig: cluster \"%s\" (named by context "
			    "\"%s\") not found in %s", cname, ctxname, set->names);
		return -ENOENT;
	}
	f = &set->f[fi];
	snprintf(what, sizeof(what), "cluster \"%s\"", cname);
	cl = json_object_get(entry, "cluster");
	if (!json_is_object(cl)) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: \"cluster\" mapping is missing",
		    f->path, what);
		return -EINVAL;
	}
	if ((rc = kc_str(cl, "server", &s, what, f->path, err, errlen)) != 0)
		return rc;
	if (s == NULL) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: server is missing", f->path, what);
		return -EINVAL;
	}
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: server \"%s\" is not an http(s) "
		    "URL", f->path, what, s);
		return -EINVAL;
	}
	if ((cfg->server = strdup(s)) == NULL)
		return -ENOMEM;
	if ((rc = kc_pem(cl, "certificate-authority", &cfg->ca, what, f, err, errlen)) != 0)
		return rc;
	v = json_object_get(cl, "insecure-skip-tls-verify");
	if (v != NULL && !json_is_null(v) && kube_json_bool(v, &cfg->insecure) != 0) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: insecure-skip-tls-verify is not a "
		    "boolean", f->path, what);
		return -EINVAL;
	}
	if (cfg->insecure && cfg->ca.len > 0) {
		kube_err_set(err, errlen, "kubeconfig %s: %s: certificate-authority together "
		    "with insecure-skip-tls-verify is not allowed", f->path, what);
		return -EINVAL;
	}
	if ((rc = kc_str(cl, "tls-server-name", &s, what, f->path, err, errlen)) != 0)
		return rc;
	if (s != NULL && (cfg->tls_server_name = strdup(s)) == NULL)
		return -ENOMEM;
	if ((rc = kc_str(cl, "proxy-url", &s, what, f->path, err, errlen)) != 0)
		return rc;
	if (s != NULL && (cfg->proxy_url = strdup(s)) == NULL)
		return -ENOMEM;
	/* spec.cluster for exec plugins with provideClusterInfo. */
	*cluster_info = json_pack("{s:s, s:b}", "server", cfg->server,
	    "insecure-skip-tls-verify", cfg->insecure);
	if (*cluster_info != NULL) {
		if ((v = json_object_get(cl, "certificate-authority-data")) != NULL)
			json_object_set(*cluster_info, "certificate-authority-data", v);
		if (cfg->tls_server_name != NULL)
			json_object_set_new(*cluster_info, "tls-server-name",
			    json_string(cfg->tls_server_name));
		if (cfg->proxy_url != NULL)
			json_object_set_new(*cluster_info, "proxy-url",
			    json_string(cfg->proxy_url));
	}
	return 0;
}

static int
kc_resolve(struct kc_set *set, const char *want, struct kube_config **out, char *err,
    size_t errlen)
{
	struct kube_config *cfg;
	const char *ctxname = want, *cname, *uname, *ns, *s;
	json_t *entry, *ctx, *cluster_info = NULL;
	size_t fi, i;
	int rc = -EINVAL;

	if (ctxname == NULL) {
		for (i = 0; i < set->n && ctxname == NULL; i++)
			if (kc_str(set->f[i].tree, "current-context", &s, "top level",
			    set->f[i].path, err, errlen) == 0 && s != NULL)
				ctxname = s;
		if (ctxname == NULL) {
			kube_err_set(err, errlen, "kubeconfig %s: current-context is not set and "
			    "no --context was given", set->names);
			return -ENOENT;
		}
	}
	if (err != NULL)
		err[0] = '\0';
	if ((entry = kc_lookup(set, "contexts", ctxname, &fi, err, errlen)) == NULL) {
		if (err != NULL && err[0] == '\0')
			kube_err_set(err, errlen, "kubeconfig: context \"%s\" not found in %s",
			    ctxname, set->names);
		return -ENOENT;
	}
	ctx = json_object_get(entry, "context");
	if (!json_is_object(ctx)) {
		kube_err_set(err, errlen, "kubeconfig %s: context \"%s\": \"context\" mapping is "
		    "missing", set->f[fi].path, ctxname);
		return -EINVAL;
	}
	if (kc_str(ctx, "cluster", &cname, "context", set->f[fi].path, err, errlen) != 0 ||
	    kc_str(ctx, "user", &uname, "context", set->f[fi].path, err, errlen) != 0 ||
	    kc_str(ctx, "namespace", &ns, "context", set->f[fi].path, err, errlen) != 0)
		return -EINVAL;
	if (cname == NULL) {
		kube_err_set(err, errlen, "kubeconfig %s: context \"%s\": cluster is missing",
		    set->f[fi].path, ctxname);
		return -EINVAL;
	}
	if ((cfg = kube_config_alloc()) == NULL)
		return -ENOMEM;
	cfg->source = strdup(set->names);
	cfg->context = strdup(ctxname);
	cfg->cluster_name = strdup(cname);
	cfg->user_name = strdup(uname != NULL ? uname : "");
	cfg->namespace = strdup(ns != NULL ? ns : "default");
	if (cfg->source == NULL || cfg->context == NULL || cfg->cluster_name == NULL ||
	    cfg->user_name == NULL || cfg->namespace == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = kc_cluster(set, cname, ctxname, cfg, &cluster_info, err, errlen)) != 0)
		goto fail;
	if (uname != NULL && (rc = kc_user(set, uname, ctxname, cfg, cluster_info, err,
	    errlen)) != 0)
		goto fail;
	json_decref(cluster_info);
	*out = cfg;
	return 0;
fail:
	if (rc == -ENOMEM)
		kube_err_set(err, errlen, "out of memory");
	json_decref(cluster_info);
	kube_config_free(cfg);
	return rc;
}

int
kube_config_load(const struct kube_config_options *opt, struct kube_config **out, char *err,
    size_t errlen)
{
	static const struct kube_config_options none;
	struct kc_set set;
	const char *env, *home;
	char *list = NULL, *p, *tok, path[4096];
	int rc = 0, loaded = 0;

	if (opt == NULL)
		opt = &none;
	*out = NULL;
	memset(&set, 0, sizeof(set));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (opt->in_cluster)
		return kube_incluster_load(out, err, errlen);
	if (opt->kubeconfig != NULL && opt->kubeconfig[0] != '\0') {
		if ((rc = kc_file_add(&set, opt->kubeconfig, 0, err, errlen)) < 0)
			goto done;
		loaded = 1;
	} else if ((env = getenv("KUBECONFIG")) != NULL && env[0] != '\0') {
		if ((list = strdup(env)) == NULL) {
			rc = -ENOMEM;
			goto done;
		}
		for (tok = strtok_r(list, ":", &p); tok != NULL; tok = strtok_r(NULL, ":", &p)) {
			if ((rc = kc_file_add(&set, tok, 1, err, errlen)) < 0)
				goto done;
			loaded |= rc == 0;
		}
		if (!loaded) {
			if (kube_incluster_available()) {
				rc = kube_incluster_load(out, err, errlen);
				goto done;
			}
			kube_err_set(err, errlen, "kubeconfig: none of the files in $KUBECONFIG "
			    "exist (%s)", env);
			rc = -ENOENT;
			goto done;
		}
	} else {
		home = getenv("HOME");
		snprintf(path, sizeof(path), "%s/.kube/config", home != NULL ? home : "");
		if ((rc = kc_file_add(&set, path, 1, err, errlen)) < 0)
			goto done;
		if (rc == 1) {
			if (kube_incluster_available()) {
				rc = kube_incluster_load(out, err, errlen);
				goto done;
			}
			kube_err_set(err, errlen, "no cluster configuration: --kubeconfig not "
			    "given, $KUBECONFIG unset, %s missing, and not running in a cluster "
			    "(KUBERNETES_SERVICE_HOST unset)", path);
			rc = -ENOENT;
			goto done;
		}
	}
	rc = kc_resolve(&set, opt->context, out, err, errlen);
done:
	free(list);
	kc_set_free(&set);
	if (rc == -ENOMEM && err != NULL && err[0] == '\0')
		kube_err_set(err, errlen, "out of memory");
	return rc < 0 ? rc : 0;
}
