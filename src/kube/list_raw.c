/*
 * Lists with a raw item hook (kube_opts.item_fn): a page body is walked once with jscan,
 * not loaded as one jansson tree.  Each element of `items` goes to the hook as a slice of
 * the body as the walk reaches it; the few the hook wants parsed are loaded one by one.
 * The page callback then runs through the ordinary kube_list_page(), so paging, continue
 * tokens, 410 restarts, cancellation and completion behave exactly as for a parsed page.
 *
 * Why: for 150,000 pods (~390 MB of JSON) building and freeing a tree per page costs
 * seconds in jansson and malloc; a caller that only counts healthy pods needs none of it.
 *
 * The walk validates as it goes (jscan's rules are json_loadb's), so a malformed page
 * still fails the list with -EBADMSG — but items before the fault have been handed over
 * by then.  A page with two "items" members (jansson would keep the last) is refused
 * with -EBADMSG rather than having its items handed over twice; no apiserver sends one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/jscan.h"
#include "kube_int.h"

/* The page's members other than items (kind, apiVersion, metadata), parsed. */
static int
raw_member(json_t *page, const struct jscan_val *k, const struct jscan_val *v)
{
	json_t *x;
	char *key;

	if ((key = malloc(k->len)) == NULL)
		return -ENOMEM;
	if (jscan_str_copy(k, key, k->len) < 0 ||
	    (x = json_loadb(v->p, v->len, JSON_DECODE_ANY, NULL)) == NULL ||
	    json_object_set_new(page, key, x) != 0) {
		free(key);
		return -ENOMEM;	/* the text was validated: only memory can fail here */
	}
	free(key);
	return 0;
}

/*
 * Hands every element of the items array to the hook.  Returns 0, 1 if the request was
 * cancelled or completed meanwhile (stop quietly), or a negative errno with msg set.
 */
static int
raw_items(struct kube_request *req, struct jscan_iter *arr, json_t *items,
    size_t *consumed, char *msg, size_t msglen)
{
	struct jscan_val e;
	json_t *x;
	int rc;

	while ((rc = jscan_next_elem(arr, &e)) > 0) {
		rc = req->item_fn(req, e.p, e.len, req->arg);
		if (req->done || req->cancelled)
			return 1;
		if (rc < 0) {
			snprintf(msg, msglen, "the item callback failed: %s", strerror(-rc));
			return rc;
		}
		if (rc == 0) {
			(*consumed)++;
			continue;
		}
		if ((x = json_loadb(e.p, e.len, JSON_DECODE_ANY, NULL)) == NULL ||
		    json_array_append_new(items, x) != 0) {
			snprintf(msg, msglen, "out of memory");
			return -ENOMEM;
		}
	}
	if (rc < 0)
		snprintf(msg, msglen, "response is not JSON (malformed near byte %zu)",
		    (size_t)(arr->p - req->resp.data));
	return rc;
}

/* Drops the page's bytes (the slices die with them); the next page starts afresh. */
static void
raw_body_release(struct kube_request *req)
{
	sbuf_release(&req->resp);
	sbuf_init(&req->resp, req->client->max_body);
}

void
kube_list_raw_page(struct kube_request *req)
{
	const char *data = req->resp.data;
	size_t len = req->resp.len, consumed = 0;
	struct jscan_iter top, arr;
	struct jscan_val k, v;
	json_t *page = NULL, *items = NULL;
	int rc, seen_items = 0;
	char msg[128];

	req->page_bytes = len;
	snprintf(msg, sizeof(msg), "response is not JSON");
	if ((page = json_object()) == NULL)
		goto nomem;
	if (len == 0) {
		raw_body_release(req);
		kube_list_page(req, page);	/* fails it: not a list */
		goto done;
	}
	if (jscan_open(&top, data, len) < 0)
		goto bad;
	while ((rc = jscan_next_key(&top, &k)) > 0) {
		if (!jscan_str_eq(&k, "items")) {
			if (jscan_skip(&top, &v) < 0)
				goto bad;
			if (raw_member(page, &k, &v) < 0)
				goto nomem;
			continue;
		}
		if (seen_items++) {
			snprintf(msg, sizeof(msg), "the page has two \"items\" members");
			goto bad;
		}
		if ((rc = jscan_enter(&top, &arr)) < 0)
			goto bad;
		if (rc == 0 || arr.type != JSCAN_ARRAY) {
			if (rc == 1 && jscan_leave(&top, &arr) < 0)
				goto bad;
			if (json_object_set_new(page, "items", json_null()) != 0)
				goto nomem;	/* not a list: kube_list_page says so */
			continue;
		}
		if ((items = json_array()) == NULL)
			goto nomem;
		rc = raw_items(req, &arr, items, &consumed, msg, sizeof(msg));
		if (rc == 1)
			goto done;	/* cancelled: the cancel timer completes it */
		if (rc == -EBADMSG)
			goto bad;
		if (rc < 0) {
			kube_request_fail(req, rc, "%s %s: %s", req->method, req->path, msg);
			goto done;
		}
		rc = json_object_set_new(page, "items", items);	/* steals */
		items = NULL;
		if (rc != 0)
			goto nomem;
		if (jscan_leave(&top, &arr) < 0)
			goto bad;
	}
	if (rc < 0 || jscan_close(&top) < 0)
		goto bad;
	raw_body_release(req);
	req->items_total += consumed;
	kube_list_page(req, page);
	goto done;
bad:
	kube_request_fail(req, -EBADMSG, "%s %s: %s", req->method, req->path, msg);
	goto done;
nomem:
	kube_request_fail(req, -ENOMEM, "%s %s: out of memory", req->method, req->path);
done:
	if (req->resp.data == data && data != NULL)
		raw_body_release(req);
	json_decref(items);
	json_decref(page);
}
