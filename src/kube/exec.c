/*
 * Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1), run without
 * blocking the loop: uv_spawn with stdin ignored (stdin carries the MCP protocol), stdout
 * captured through a pipe (capped), stderr inherited, KUBERNETES_EXEC_INFO in the
 * environment, a time limit.  The credential is cached until its expirationTimestamp
 * (for the process lifetime without one) and dropped after a 401 so that the next
 * attempt re-runs the plugin.  Requests that need a credential while the plugin runs
 * wait in a queue and resume when it finishes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_int.h"

#define EXEC_OUT_CAP	(1u << 20)

extern char **environ;

struct kube_exec_run;
static void run_kill(struct kube_exec_run *r);

struct kube_exec_run;

struct kube_exec {
	struct kube_client		*client;
	const struct kube_exec_conf	*conf;		/* borrowed from the config */
	uint32_t			 timeout_ms;
	int				 have;
	time_t				 expiry;	/* 0: never */
	unsigned			 gen;
	struct kube_blob		 token, cert, key;
	struct kube_exec_run		*run;		/* the running plugin or NULL */
	TAILQ_HEAD(, kube_request)	 waiters;
	unsigned			 runs;
};

struct kube_exec_run {
	struct kube_exec	*x;		/* NULL once the exec object is gone */
	uv_process_t		 proc;
	uv_pipe_t		 out;
	uv_timer_t		 timer;
	int			 open_handles;
	int			 exited, eof, timed_out, too_big;
	int64_t			 status;
	int			 term_signal;
	struct sbuf		 buf;
	char			 rbuf[4096];
};

struct kube_exec *
kube_exec_new(struct kube_client *c, const struct kube_exec_conf *conf, uint32_t timeout_ms)
{
	struct kube_exec *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->client = c;
	x->conf = conf;
	x->timeout_ms = timeout_ms;
	TAILQ_INIT(&x->waiters);
	return x;
}

unsigned
kube_exec_runs(const struct kube_exec *x)
{
	return x != NULL ? x->runs : 0;
}

unsigned
kube_exec_generation(const struct kube_exec *x)
{
	return x->gen;
}

static void
exec_cred_clear(struct kube_exec *x)
{
	kube_blob_free(&x->token);
	kube_blob_free(&x->cert);
	kube_blob_free(&x->key);
	x->have = 0;
	x->expiry = 0;
}

static void
run_handle_closed(uv_handle_t *h)
{
	struct kube_exec_run *r = h->data;

	if (--r->open_handles == 0) {
		sbuf_wipe(&r->buf);
		strata_wipe(r->rbuf, sizeof(r->rbuf));
		free(r);
	}
}

static void
run_close(struct kube_exec_run *r)
{
	uv_timer_stop(&r->timer);
	if (!uv_is_closing((uv_handle_t *)&r->timer))
		uv_close((uv_handle_t *)&r->timer, run_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&r->out))
		uv_close((uv_handle_t *)&r->out, run_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&r->proc))
		uv_close((uv_handle_t *)&r->proc, run_handle_closed);
}

/* Parses the ExecCredential on stdout into x; 0 or -EACCES with e->message set. */
static int
exec_parse(struct kube_exec *x, struct kube_exec_run *r, struct kube_error *e)
{
	const struct kube_exec_conf *conf = x->conf;
	const char *api, *kind, *tok, *cert, *key, *exp;
	json_error_t jerr;
	json_t *v, *st;
	time_t t = 0;
	int rc = -EACCES;

	v = json_loadb(r->buf.data != NULL ? r->buf.data : "", r->buf.len, 0, &jerr);
	if (!json_is_object(v)) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: output is not an "
		    "ExecCredential JSON object (%s)", conf->command, jerr.text);
		goto done;
	}
	api = json_string_value(json_object_get(v, "apiVersion"));
	kind = json_string_value(json_object_get(v, "kind"));
	if (api == NULL || strcmp(api, conf->api_version) != 0) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: output apiVersion "
		    "\"%s\" does not match the configured %s", conf->command,
		    api != NULL ? api : "", conf->api_version);
		goto done;
	}
	if (kind == NULL || strcmp(kind, "ExecCredential") != 0) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: output kind is not "
		    "ExecCredential", conf->command);
		goto done;
	}
	st = json_object_get(v, "status");
	if (!json_is_object(st)) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: output has no "
		    "status", conf->command);
		goto done;
	}
	tok = json_string_value(json_object_get(st, "token"));
	cert = json_string_value(json_object_get(st, "clientCertificateData"));
	key = json_string_value(json_object_get(st, "clientKeyData"));
	exp = json_string_value(json_object_get(st, "expirationTimestamp"));
	if ((cert == NULL) != (key == NULL)) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: status has only one "
		    "of clientCertificateData and clientKeyData", conf->command);
		goto done;
	}
	if ((tok == NULL || tok[0] == '\0') && cert == NULL) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: status has neither "
		    "token nor clientCertificateData/clientKeyData", conf->command);
		goto done;
	}
	if (exp != NULL && strata_time_parse_rfc3339(exp, &t) != 0) {
		snprintf(e->message, sizeof(e->message), "exec plugin %s: status."
		    "expirationTimestamp \"%s\" is not RFC 3339", conf->command, exp);
		goto done;
	}
	exec_cred_clear(x);
	if ((tok != NULL && tok[0] != '\0' && kube_blob_dup(&x->token, tok, strlen(tok))) ||
	    (cert != NULL && kube_blob_dup(&x->cert, cert, strlen(cert))) ||
	    (key != NULL && kube_blob_dup(&x->key, key, strlen(key)))) {
		exec_cred_clear(x);
		snprintf(e->message, sizeof(e->message), "out of memory");
		rc = -ENOMEM;
		goto done;
	}
	x->have = 1;
	x->expiry = t;
	x->gen++;
	rc = 0;
done:
	kube_json_wipe_decref(v);
	return rc;
}

static void
run_finish(struct kube_exec_run *r)
{
	struct kube_exec *x = r->x;
	const struct kube_exec_conf *conf;
	TAILQ_HEAD(, kube_request) ready;
	struct kube_request *req;
	struct kube_error e, *ep = NULL;

	if (!r->exited || !r->eof || x == NULL)
		return;
	conf = x->conf;
	x->run = NULL;
	r->x = NULL;
	memset(&e, 0, sizeof(e));
	e.code = -EACCES;
	if (r->timed_out)
		snprintf(e.message, sizeof(e.message), "exec plugin %s: no answer within %u ms, "
		    "killed", conf->command, x->timeout_ms);
	else if (r->too_big)
		snprintf(e.message, sizeof(e.message), "exec plugin %s: output larger than %u "
		    "bytes", conf->command, EXEC_OUT_CAP);
	else if (r->term_signal != 0)
		snprintf(e.message, sizeof(e.message), "exec plugin %s: killed by signal %d",
		    conf->command, r->term_signal);
	else if (r->status != 0)
		snprintf(e.message, sizeof(e.message), "exec plugin %s: exited with status "
		    "%lld%s%s", conf->command, (long long)r->status,
		    conf->install_hint != NULL ? "; " : "",
		    conf->install_hint != NULL ? conf->install_hint : "");
	else if (exec_parse(x, r, &e) == 0)
		e.code = 0;
	if (e.code != 0) {
		ep = &e;
		log_warn(KUBE_LOG, "%s", e.message);
	} else {
		log_info(KUBE_LOG, "exec plugin produced a credential command=%s expires=%lld",
		    conf->command, (long long)x->expiry);
	}
	sbuf_wipe(&r->buf);
	run_close(r);
	/* Resume the waiters; new waiters queued meanwhile start a new run. */
	TAILQ_INIT(&ready);
	while ((req = TAILQ_FIRST(&x->waiters)) != NULL) {
		TAILQ_REMOVE(&x->waiters, req, wait_entry);
		TAILQ_INSERT_TAIL(&ready, req, wait_entry);
		req->waiting_exec = 0;	/* no longer on x->waiters */
	}
	/*
	 * A callback may close the client (x is freed then) or cancel requests still in
	 * `ready`; completed requests stay allocated until the loop's close callbacks.
	 */
	while ((req = TAILQ_FIRST(&ready)) != NULL) {
		TAILQ_REMOVE(&ready, req, wait_entry);
		if (!req->done)
			kube_request_resume(req, ep);
	}
}

static void
on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
	struct kube_exec_run *r = p->data;

	r->exited = 1;
	r->status = status;
	r->term_signal = r->timed_out ? 0 : term_signal;
	run_finish(r);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct kube_exec_run *r = h->data;

	buf->base = r->rbuf;
	buf->len = sizeof(r->rbuf);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct kube_exec_run *r = s->data;

	if (n > 0) {
		if (!r->too_big && sbuf_append(&r->buf, buf->base, (size_t)n) != 0) {
			r->too_big = 1;
			run_kill(r);
		}
		strata_wipe(buf->base, (size_t)n);
		return;
	}
	if (n < 0) {
		uv_read_stop(s);
		r->eof = 1;
		run_finish(r);
	}
}

/* Kills the plugin's whole process group (it runs in its own session). */
static void
run_kill(struct kube_exec_run *r)
{
	if (!r->exited && r->proc.pid > 0)
		kill(-r->proc.pid, SIGKILL);
}

/*
 * The time limit: kill the plugin and anything it started, and stop waiting for EOF
 * (a grandchild may still hold the pipe).
 */
static void
on_timeout(uv_timer_t *t)
{
	struct kube_exec_run *r = t->data;

	r->timed_out = 1;
	run_kill(r);
	if (!r->eof) {
		uv_read_stop((uv_stream_t *)&r->out);
		r->eof = 1;
	}
	run_finish(r);
}

static char *
exec_info(const struct kube_exec_conf *conf)
{
	json_t *spec, *v;
	char *s;

	spec = json_pack("{s:b}", "interactive", 0);
	if (spec != NULL && conf->cluster_info != NULL &&
	    (v = json_loads(conf->cluster_info, 0, NULL)) != NULL)
		json_object_set_new(spec, "cluster", v);
	v = json_pack("{s:s, s:s, s:o}", "apiVersion", conf->api_version, "kind",
	    "ExecCredential", "spec", spec);
	if (v == NULL)
		return NULL;
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return s;
}

static int
exec_start(struct kube_exec *x, struct kube_error *e)
{
	const struct kube_exec_conf *conf = x->conf;
	uv_process_options_t po;
	uv_stdio_container_t stdio[3];
	struct kube_exec_run *r;
	char **env = NULL, **args = NULL, *info = NULL;
	size_t nenv = 0, nargs = 0, i, k, base = 0;
	int rc;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	sbuf_init(&r->buf, EXEC_OUT_CAP);
	while (environ[nenv] != NULL)
		nenv++;
	while (conf->args != NULL && conf->args[nargs] != NULL)
		nargs++;
	if ((env = calloc(nenv + conf->nenv + 2, sizeof(char *))) == NULL ||
	    (args = calloc(nargs + 2, sizeof(char *))) == NULL ||
	    (info = exec_info(conf)) == NULL)
		goto nomem;
	for (i = 0, k = 0; i < nenv; i++)
		if (strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) != 0)
			env[k++] = environ[i];
	base = k;	/* env[base..] are ours */
	for (i = 0; i < conf->nenv; i++)
		if ((env[k++] = kube_strprintf("%s=%s", conf->env[i].name,
		    conf->env[i].value)) == NULL)
			goto nomem_env;
	if ((env[k++] = kube_strprintf("KUBERNETES_EXEC_INFO=%s", info)) == NULL)
		goto nomem_env;
	args[0] = conf->command;
	for (i = 0; i < nargs; i++)
		args[i + 1] = conf->args[i];
	memset(&po, 0, sizeof(po));
	memset(stdio, 0, sizeof(stdio));
	po.file = conf->command;
	po.args = args;
	po.env = env;
	po.exit_cb = on_exit_cb;
	po.flags = UV_PROCESS_DETACHED;	/* own process group: the time limit kills all */
	po.stdio_count = 3;
	po.stdio = stdio;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&r->out;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	uv_pipe_init(x->client->loop, &r->out, 0);
	uv_timer_init(x->client->loop, &r->timer);
	r->out.data = r;
	r->timer.data = r;
	r->proc.data = r;
	r->open_handles = 3;
	r->x = x;
	rc = uv_spawn(x->client->loop, &r->proc, &po);
	for (i = base; env[i] != NULL; i++) {
		strata_wipe(env[i], strlen(env[i]));	/* values may hold secrets */
		free(env[i]);
	}
	free(env);
	free(args);
	free(info);
	if (rc != 0) {
		r->x = NULL;
		run_close(r);
		e->code = -EACCES;
		snprintf(e->message, sizeof(e->message), "exec plugin %s: cannot start: %s%s%s",
		    conf->command, uv_strerror(rc), conf->install_hint != NULL ? "; " : "",
		    conf->install_hint != NULL ? conf->install_hint : "");
		return -EACCES;
	}
	x->runs++;
	x->run = r;
	log_debug(KUBE_LOG, "exec plugin started command=%s pid=%d", conf->command,
	    r->proc.pid);
	if ((rc = uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read)) != 0) {
		r->eof = 1;
		run_kill(r);
	}
	uv_timer_start(&r->timer, on_timeout, x->timeout_ms, 0);
	return 0;
nomem_env:
	for (i = base; env[i] != NULL; i++)
		free(env[i]);
nomem:
	free(env);
	free(args);
	free(info);
	if (r != NULL)
		sbuf_release(&r->buf);
	free(r);
	e->code = -ENOMEM;
	snprintf(e->message, sizeof(e->message), "out of memory");
	return -ENOMEM;
}

int
kube_exec_get(struct kube_exec *x, struct kube_request *req, struct kube_creds *cr,
    struct kube_error *e)
{
	int rc;

	if (x->have && (x->expiry == 0 || time(NULL) < x->expiry)) {
		if (x->token.len > 0)
			cr->token = &x->token;
		if (x->cert.len > 0) {
			cr->cert = &x->cert;
			cr->key = &x->key;
		}
		req->exec_gen = x->gen;
		return 1;
	}
	if (x->have)
		exec_cred_clear(x);	/* expired */
	if (x->conf->interactive_always) {
		e->code = -EACCES;
		snprintf(e->message, sizeof(e->message), "exec plugin %s needs interactiveMode "
		    "Always, but strata has no terminal (stdin carries the protocol)",
		    x->conf->command);
		return -EACCES;
	}
	if (x->run == NULL && (rc = exec_start(x, e)) != 0)
		return rc;
	TAILQ_INSERT_TAIL(&x->waiters, req, wait_entry);
	req->waiting_exec = 1;
	return 0;
}

void
kube_exec_invalidate(struct kube_exec *x, unsigned gen)
{
	if (x->have && x->gen == gen)
		exec_cred_clear(x);
}

void
kube_exec_forget(struct kube_exec *x, struct kube_request *req)
{
	TAILQ_REMOVE(&x->waiters, req, wait_entry);
}

void
kube_exec_close(struct kube_exec *x)
{
	struct kube_exec_run *r = x->run;

	if (r != NULL) {
		r->x = NULL;
		run_kill(r);
		run_close(r);
	}
	exec_cred_clear(x);
	free(x);
}
