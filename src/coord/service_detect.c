/*
 * detect_layers: page through the cluster (gather.c), stream every object through the
 * detection engine (detect*.c), store the result as an issue, answer.
 *
 * Nothing here holds a list: each page's items are fed and dropped, so the memory of a
 * scan depends on what is unhealthy, not on the size of the cluster.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gather.h"
#include "service_int.h"
#include "strata/coord.h"

struct detect_op {
	struct coord_service		*svc;
	struct mcp_call			*call;
	struct coord_detect		*d;
	struct coord_gather		*g;
	json_t				*args;		/* kept: req strings point into it */
	struct coord_resource_ref	*refs;
	const char			*context;
	struct kube_client		*client;
	int				 feed_err;
	uint64_t			 started_ms;
};

static void
detect_op_free(struct detect_op *op)
{
	coord_detect_free(op->d);
	json_decref(op->args);
	free(op->refs);
	free(op);
}

static void
detect_on_item(const char *kind, json_t *item, void *arg)
{
	struct detect_op *op = arg;
	int rc;

	rc = coord_detect_feed(op->d, kind, item);
	if (rc == -ENOMEM && op->feed_err == 0) {
		op->feed_err = rc;
		coord_gather_cancel(op->g);
	}
}

/* Items as text: healthy pods are counted without a tree (coord_detect_feed_raw). */
static int
detect_on_raw(const char *kind, const char *json, size_t len, void *arg)
{
	struct detect_op *op = arg;
	int rc;

	rc = coord_detect_feed_raw(op->d, kind, json, len);
	if (rc == -ENOMEM && op->feed_err == 0) {
		op->feed_err = rc;
		coord_gather_cancel(op->g);
	}
	return 0;
}

static void
detect_on_progress(size_t done, size_t total, const char *kind, void *arg)
{
	struct detect_op *op = arg;

	svc_progress(op->call, (double)done, (double)total + 1, "read %s (%zu of %zu kinds)",
	    kind, done, total);
}

static void
detect_on_cancel(struct mcp_call *call, const char *reason, void *arg)
{
	struct detect_op *op = arg;

	log_info(SVC_LOG, "detect_layers cancelled: %s", reason != NULL ? reason : "");
	if (op->g != NULL)
		coord_gather_cancel(op->g);
}

/* A few lines a person reads first: the summary, the root cause, what to do next. */
static const char *
field(const json_t *o, const char *key, const char *def)
{
	return svc_str(json_string_value(json_object_get(o, key)), def);
}

static char *
detect_text(const json_t *res)
{
	struct sbuf b = SBUF_INIT(16384);
	const json_t *rc, *f;
	size_t i;

	sbuf_printf(&b, "%s\n", field(res, "summary", ""));
	rc = json_object_get(res, "root_causes");
	json_array_foreach(rc, i, f) {
		if (i >= 3)
			break;
		sbuf_printf(&b, "root cause: %s %s%s%s (%s, %s layer)\n", field(f, "kind", "?"),
		    field(f, "namespace", ""),
		    json_object_get(f, "namespace") != NULL &&
		    !json_is_null(json_object_get(f, "namespace")) ? "/" : "",
		    field(f, "name", "?"), field(f, "symptom", "?"), field(f, "layer", "?"));
	}
	sbuf_printf(&b, "affected layers: ");
	json_array_foreach(json_object_get(res, "affected_layers"), i, f)
		sbuf_printf(&b, "%s%s", i > 0 ? ", " : "", json_string_value(f));
	sbuf_printf(&b, "%s; root cause layer: %s; confidence %.2f\n",
	    json_array_size(json_object_get(res, "affected_layers")) == 0 ? "none" : "",
	    field(res, "root_cause_layer", "unknown"),
	    json_number_value(json_object_get(res, "confidence")));
	sbuf_printf(&b, "issue_id: %s. Next: plan_remediation with this issue_id.",
	    field(res, "issue_id", "?"));
	return sbuf_detach(&b, NULL);
}

static void
detect_on_done(int status, const char *message, json_t *report, void *arg)
{
	struct detect_op *op = arg;
	struct coord_store *st;
	json_t *res = NULL, *out = NULL;
	char err[512], id[COORD_STORE_ID_MAX], when[32], *text;

	op->g = NULL;
	if (op->feed_err != 0) {
		mcp_call_fail(op->call, "detect_layers ran out of memory while reading the "
		    "cluster");
		goto done;
	}
	if (status == -ECANCELED) {
		mcp_call_fail(op->call, "detect_layers was cancelled");
		goto done;
	}
	if (status != 0) {
		mcp_call_fail(op->call, "could not read the cluster: %s",
		    message != NULL ? message : "unknown error");
		goto done;
	}
	if ((res = coord_detect_finish(op->d, err, sizeof(err))) == NULL) {
		mcp_call_fail(op->call, "detection failed: %s", err);
		goto done;
	}
	if ((st = svc_store(op->svc, err, sizeof(err))) == NULL) {
		mcp_call_fail(op->call, "the incident was analysed but cannot be stored for "
		    "planning: %s", err);
		goto done;
	}
	coord_store_id_new(COORD_STORE_ISSUE, id);
	strata_time_rfc3339(when);
	out = json_pack("{s:s}", "issue_id", id);
	if (out == NULL || json_object_update(out, res) != 0) {
		mcp_call_fail(op->call, "out of memory");
		goto done;
	}
	json_object_set_new(out, "detected_at", json_string(when));
	json_object_set_new(out, "context", json_string(op->context != NULL ?
	    op->context : kube_config_context(kube_client_config(op->client))));
	json_object_set(out, "sources", report);
	json_object_set_new(out, "scan_ms",
	    json_integer((json_int_t)(strata_now_ms() - op->started_ms)));
	if (coord_store_issue_put(st, out, err, sizeof(err)) != 0) {
		mcp_call_fail(op->call, "the incident was analysed but cannot be stored for "
		    "planning: %s", err);
		goto done;
	}
	log_info(SVC_LOG, "detect_layers: issue %s, %s, %lld ms", id,
	    json_string_value(json_object_get(out, "root_cause_layer")),
	    (long long)(strata_now_ms() - op->started_ms));
	text = detect_text(out);
	mcp_call_finish(op->call, out, text);
	out = NULL;
	free(text);
done:
	json_decref(res);
	json_decref(out);
	detect_op_free(op);
}

void
svc_detect_layers(struct mcp_call *call, json_t *args, void *arg)
{
	struct coord_service *svc = arg;
	struct coord_gather_callbacks cb;
	struct coord_detect_request req;
	struct kube_client *client;
	struct detect_op *op;
	char err[768];

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		mcp_call_fail(call, "out of memory");
		return;
	}
	op->svc = svc;
	op->call = call;
	op->args = json_incref(args);
	op->started_ms = strata_now_ms();
	op->context = json_string_value(json_object_get(args, "context"));
	if (coord_detect_request_from_json(args, &req, &op->refs, err, sizeof(err)) != 0) {
		mcp_call_fail(call, "%s", err);
		detect_op_free(op);
		return;
	}
	if ((client = op->client = svc_client_get(svc, op->context, err,
	    sizeof(err))) == NULL) {
		mcp_call_fail(call, "%s", err);
		detect_op_free(op);
		return;
	}
	if ((op->d = coord_detect_new(&req)) == NULL) {
		mcp_call_fail(call, "out of memory");
		detect_op_free(op);
		return;
	}
	memset(&cb, 0, sizeof(cb));
	cb.item = detect_on_item;
	cb.raw = detect_on_raw;
	cb.done = detect_on_done;
	cb.progress = detect_on_progress;
	cb.arg = op;
	mcp_call_on_cancel(call, detect_on_cancel, op);
	op->g = coord_gather_start(client, coord_gather_detect_specs,
	    coord_gather_detect_nspecs, req.namespace, svc->opt.page_size, &cb, err,
	    sizeof(err));
	if (op->g == NULL) {
		mcp_call_fail(call, "could not read the cluster: %s", err);
		detect_op_free(op);
	}
}
