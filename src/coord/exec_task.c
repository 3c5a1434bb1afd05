/*
 * Tasks: resumable functions driven by kube completions and uv timers (exec_int.h).
 *
 * A request's completion may arrive after its task was freed (the run was aborted and
 * kube_request_cancel() only completes the request later), so requests carry a small
 * ticket instead of the task: freeing the task detaches the ticket, and the completion
 * then only frees the ticket.  Every mutating request is audited in the journal when it
 * completes, with its HTTP status (0 when no answer came).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "strata/util.h"

struct ticket {
	struct exec_task *t;
	const char	*method;	/* static; NULL: not a mutation */
	char		 path[512];
	bool		 list;
	uint64_t	 start_ms;
};

static void task_drive(struct exec_task *t);

static void
timer_close_cb(uv_handle_t *h)
{
	free(h);
}

struct exec_task *
task_new(struct coord_run *r, task_fn fn, task_end_fn end, void *arg, long step)
{
	struct exec_task *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->run = r;
	t->fn = fn;
	t->end = end;
	t->arg = arg;
	t->step = step;
	t->dry_run = r->dry_run;
	t->started_ms = strata_now_ms();
	if ((t->timer = malloc(sizeof(*t->timer))) == NULL ||
	    uv_timer_init(r->o.loop, t->timer) != 0 ||
	    (t->scratch = json_object()) == NULL || (t->detail = json_object()) == NULL) {
		free(t->timer);
		json_decref(t->scratch);
		json_decref(t->detail);
		free(t);
		return NULL;
	}
	t->timer->data = t;
	return t;
}

void
task_free(struct exec_task *t)
{
	if (t == NULL)
		return;
	if (t->req != NULL) {
		((struct ticket *)t->ticket)->t = NULL;	/* completion frees the ticket */
		kube_request_cancel(t->req);
		t->req = NULL;
	}
	uv_timer_stop(t->timer);
	uv_close((uv_handle_t *)t->timer, timer_close_cb);
	json_decref(t->params);
	json_decref(t->before);
	json_decref(t->resp);
	json_decref(t->scratch);
	json_decref(t->detail);
	json_decref(t->items);
	free(t);
}

int
task_fail(struct exec_task *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	return TASK_FAIL;
}

int
task_fail_kerr(struct exec_task *t, const char *what)
{
	if (t->kerr.http_status)
		return task_fail(t, "%s: HTTP %ld %s: %s", what, t->kerr.http_status,
		    t->kerr.reason, t->kerr.message);
	return task_fail(t, "%s: %s", what, t->kerr.message[0] ? t->kerr.message :
	    strerror(-t->kerr.code));
}

void
task_set_what(struct exec_task *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->what, sizeof(t->what), fmt, ap);
	va_end(ap);
}

bool
task_timed_out(const struct exec_task *t)
{
	return t->deadline_ms != 0 && strata_now_ms() >= t->deadline_ms;
}

/* ---- completions -------------------------------------------------------------------- */

static void
task_complete(struct ticket *tk, json_t *result, const struct kube_error *err)
{
	struct exec_task *t = tk->t;

	if (t == NULL) {		/* the task is gone */
		free(tk);
		return;
	}
	t->req = NULL;
	t->ticket = NULL;
	t->run->req_count++;
	t->run->req_ms += strata_now_ms() - tk->start_ms;
	if (tk->method != NULL && t->run->ex != NULL) {
		char e[256];
		long status = err ? err->http_status : (tk->method[0] == 'P' &&
		    tk->method[1] == 'O' ? 201 : 200);

		if (coord_exec_audit(t->run->ex, tk->method, tk->path, (int)status,
		    t->dry_run, t->step, e, sizeof(e)) != 0)
			log_warn("exec", "audit %s %s: %s", tk->method, tk->path, e);
		/*
		 * A write the server accepted changed the cluster.  So may one whose outcome
		 * is unknown: no answer (timeout, reset, cancelled in flight) or a 5xx, which
		 * an API server also returns when the write went through but the reply did
		 * not (etcd timeouts).  Count those as applied, so that a rollback restores
		 * the recorded before-state instead of leaving a late-landing write behind;
		 * compensations are restores, harmless when nothing had changed.  Only a 4xx
		 * is a definite refusal.
		 */
		if (!t->dry_run && (err == NULL || err->http_status == 0 ||
		    err->http_status >= 500))
			t->mutated = true;
	}
	json_decref(t->resp);
	t->resp = NULL;
	memset(&t->kerr, 0, sizeof(t->kerr));
	if (err != NULL)
		t->kerr = *err;
	else if (tk->list) {
		t->resp = json_pack("{s:o, s:b}", "items", t->items ? t->items :
		    json_array(), "capped", t->list_capped);
		t->items = NULL;
	} else
		t->resp = json_incref(result);
	json_decref(t->items);
	t->items = NULL;
	free(tk);
	task_drive(t);
}

static void
req_done(struct kube_request *req, json_t *result, const struct kube_error *err, void *arg)
{
	(void)req;
	task_complete(arg, result, err);
}

static int
list_page(struct kube_request *req, const struct kube_page *page, void *arg)
{
	struct ticket *tk = arg;
	struct exec_task *t = tk->t;
	json_t *it;
	size_t i;

	(void)req;
	if (t == NULL)
		return 1;
	if (page->restarted || t->items == NULL) {
		json_decref(t->items);
		t->items = json_array();
	}
	json_array_foreach(json_object_get(page->list, "items"), i, it) {
		if (json_array_size(t->items) >= TASK_LIST_MAX) {
			t->list_capped = true;
			return 1;
		}
		json_array_append(t->items, it);
	}
	return 0;
}

static struct ticket *
ticket_new(struct exec_task *t, const char *method, const struct kube_ref *ref)
{
	struct ticket *tk = calloc(1, sizeof(*tk));

	if (tk == NULL)
		return NULL;
	tk->t = t;
	tk->method = method;
	tk->start_ms = strata_now_ms();
	if (ref != NULL && kube_ref_path(ref, tk->path, sizeof(tk->path)) != 0)
		snprintf(tk->path, sizeof(tk->path), "(unprintable path)");
	return tk;
}

static int
started(struct exec_task *t, struct ticket *tk, struct kube_request *req, const char *err)
{
	if (req == NULL) {
		free(tk);
		return task_fail(t, "cannot start request: %s", err);
	}
	t->req = req;
	t->ticket = tk;
	return TASK_WAIT;
}

static struct kube_opts
mut_opts(const struct exec_task *t)
{
	struct kube_opts o;

	memset(&o, 0, sizeof(o));
	o.dry_run = t->dry_run;
	o.field_manager = "strata";
	return o;
}

int
task_get(struct exec_task *t, const struct kube_ref *ref)
{
	struct ticket *tk = ticket_new(t, NULL, ref);
	char e[256] = "";

	if (tk == NULL)
		return task_fail(t, "out of memory");
	return started(t, tk, kube_get(t->run->o.client, ref, NULL, req_done, tk, e,
	    sizeof(e)), e);
}

int
task_list(struct exec_task *t, const struct kube_ref *ref, const char *label_sel,
    const char *field_sel)
{
	struct ticket *tk = ticket_new(t, NULL, ref);
	struct kube_opts o;
	char e[256] = "";

	if (tk == NULL)
		return task_fail(t, "out of memory");
	memset(&o, 0, sizeof(o));
	o.label_selector = label_sel;
	o.field_selector = field_sel;
	tk->list = true;
	json_decref(t->items);
	t->items = NULL;
	t->list_capped = false;
	return started(t, tk, kube_list(t->run->o.client, ref, &o, list_page, req_done, tk,
	    e, sizeof(e)), e);
}

int
task_patch(struct exec_task *t, const struct kube_ref *ref, enum kube_patch_type ty,
    json_t *body)
{
	struct ticket *tk = ticket_new(t, "PATCH", ref);
	struct kube_opts o = mut_opts(t);
	char e[256] = "";
	int rc;

	if (tk == NULL || body == NULL) {
		free(tk);
		json_decref(body);
		return task_fail(t, "out of memory");
	}
	rc = started(t, tk, kube_patch(t->run->o.client, ref, ty, body, &o, req_done, tk, e,
	    sizeof(e)), e);
	json_decref(body);
	return rc;
}

int
task_create(struct exec_task *t, const struct kube_ref *ref, json_t *body)
{
	struct ticket *tk = ticket_new(t, "POST", ref);
	struct kube_opts o = mut_opts(t);
	char e[256] = "";

	if (tk == NULL)
		return task_fail(t, "out of memory");
	return started(t, tk, kube_create(t->run->o.client, ref, body, &o, req_done, tk, e,
	    sizeof(e)), e);
}

int
task_replace(struct exec_task *t, const struct kube_ref *ref, json_t *body)
{
	struct ticket *tk = ticket_new(t, "PUT", ref);
	struct kube_opts o = mut_opts(t);
	char e[256] = "";

	if (tk == NULL)
		return task_fail(t, "out of memory");
	return started(t, tk, kube_replace(t->run->o.client, ref, body, &o, req_done, tk, e,
	    sizeof(e)), e);
}

int
task_delete(struct exec_task *t, const struct kube_ref *ref, json_t *precond)
{
	struct ticket *tk = ticket_new(t, "DELETE", ref);
	struct kube_opts o = mut_opts(t);
	char e[256] = "";

	if (tk == NULL)
		return task_fail(t, "out of memory");
	return started(t, tk, kube_delete(t->run->o.client, ref, precond, &o, req_done, tk,
	    e, sizeof(e)), e);
}

int
task_evict(struct exec_task *t, const char *ns, const char *pod)
{
	struct kube_ref ref = { "", "v1", "pods", ns, pod, "eviction" };
	struct ticket *tk = ticket_new(t, "POST", &ref);
	struct kube_opts o = mut_opts(t);
	char e[256] = "";

	if (tk == NULL)
		return task_fail(t, "out of memory");
	o.max_retries = -1;	/* a 429 is the drain loop's business */
	return started(t, tk, kube_evict(t->run->o.client, ns, pod, &o, req_done, tk, e,
	    sizeof(e)), e);
}

static void
timer_cb(uv_timer_t *h)
{
	struct exec_task *t = h->data;

	t->timer_on = false;
	memset(&t->kerr, 0, sizeof(t->kerr));
	task_drive(t);
}

int
task_later(struct exec_task *t, uint64_t ms)
{
	t->timer_on = true;
	uv_timer_start(t->timer, timer_cb, ms, 0);
	return TASK_WAIT;
}

void
task_start(struct exec_task *t)
{
	task_later(t, 0);
}

static void
task_drive(struct exec_task *t)
{
	int rc;

	if (t->finished)
		return;
	if (t->run->aborted)
		rc = task_fail(t, "aborted: the server is shutting down");
	else
		rc = t->fn(t);
	if (rc == TASK_WAIT)
		return;
	t->finished = true;
	t->end(t, rc);	/* may free t */
}
