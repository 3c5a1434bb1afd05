/*
 * Lists with a raw item hook (kube_opts.item_fn): a page body is scanned with jscan, not
 * loaded as one jansson tree.  Each element of `items` goes to the hook as a slice of
 * the body; the few the hook wants parsed are loaded one by one.  The page callback then
 * runs through the ordinary kube_list_page(), so paging, continue tokens, 410 restarts,
 * cancellation and completion behave exactly as for a parsed page.
 *
 * Why: for 150,000 pods (~390 MB of JSON) building and freeing a tree per page costs
 * seconds in jansson and malloc; a caller that only counts healthy pods needs none of it.
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
 * cancelled meanwhile (stop quietly), or a negative errno with msg set.
 */
static int
raw_items(struct kube_request *req, const struct jscan_val *arr, json_t *items,
    size_t *consumed, char *msg, size_t msglen)
{
	struct jscan_iter it;
	struct jscan_val e;
	json_t *x;
	int rc;

	jscan_iter_init(&it, arr);
	while ((rc = jscan_next_elem(&it, &e)) > 0) {
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
		snprintf(msg, msglen, "malformed items");
	return rc;
}

void
kube_list_raw_page(struct kube_request *req)
{
	struct sbuf body = req->resp;	/* this page's bytes, released below */
	struct jscan_val doc, k, v, arr = { NULL, 0, JSCAN_NONE };
	struct jscan_iter it;
	json_t *page = NULL, *items = NULL;
	size_t errpos = 0, consumed = 0;
	char msg[128];
	int rc;

	sbuf_init(&req->resp, req->client->max_body);
	req->page_bytes = body.len;
	if (body.len > 0 && jscan_doc(body.data, body.len, &doc, &errpos) < 0) {
		kube_request_fail(req, -EBADMSG, "%s %s: response is not JSON (malformed at "
		    "byte %zu)", req->method, req->path, errpos);
		goto done;
	}
	if ((page = json_object()) == NULL)
		goto nomem;
	if (body.len == 0 || doc.type != JSCAN_OBJECT) {
		kube_list_page(req, page);	/* fails it: not a list */
		goto done;
	}
	jscan_iter_init(&it, &doc);
	while ((rc = jscan_next_member(&it, &k, &v)) > 0) {
		if (jscan_str_eq(&k, "items")) {
			arr = v;	/* the last one wins, as in jansson */
		} else if (raw_member(page, &k, &v) < 0) {
			goto nomem;
		}
	}
	if (arr.type == JSCAN_ARRAY) {
		if ((items = json_array()) == NULL)
			goto nomem;
		rc = raw_items(req, &arr, items, &consumed, msg, sizeof(msg));
		if (rc == 1)
			goto done;	/* cancelled: the cancel timer completes it */
		if (rc < 0) {
			kube_request_fail(req, rc, "%s %s: %s", req->method, req->path, msg);
			goto done;
		}
		rc = json_object_set_new(page, "items", items);	/* steals */
		items = NULL;
		if (rc != 0)
			goto nomem;
	} else if (arr.type != JSCAN_NONE) {
		json_object_set_new(page, "items", json_null());	/* not a list */
	}
	sbuf_release(&body);	/* the slices are gone from here on */
	req->items_total += consumed;
	kube_list_page(req, page);
	goto done;
nomem:
	kube_request_fail(req, -ENOMEM, "%s %s: out of memory", req->method, req->path);
done:
	json_decref(items);
	json_decref(page);
	sbuf_release(&body);
}
