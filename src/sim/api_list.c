/*
 * GET on a collection: selectors, limit/continue paging (tokens bound to the query and
 * expiring after --continue-ttl → 410 Expired), plain lists built by copying the stored
 * bytes, or a meta.k8s.io Table when kubectl asks for one.
 */
#include <errno.h>
#include <inttypes.h>
#include "mhd_dl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "strata/util.h"

#define LIST_MAX_BYTES	(1536ull * 1024 * 1024)
#define TOKEN_MAX	1200
#define LIST_IOV_MAX_OBJS	600
#define LIST_IOV_MAX_BYTES	(3u * 1024 * 1024)

int
sim_api_selector(struct sim_req *r, const struct sim_rtype *rt, struct sim_selector **out)
{
	char err[256] = "";
	int rc;

	rc = sim_selector_parse(rt, sim_req_arg(r, "labelSelector"),
	    sim_req_arg(r, "fieldSelector"), out, err, sizeof(err));
	if (rc < 0) {
		sim_reply_status(r, 400, "BadRequest", "%s", err[0] ? err : "invalid selector");
		return rc;
	}
	return 0;
}

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0x1f) * 1099511628211ULL;
}

static uint64_t
query_hash(struct sim_req *r, const struct sim_rtype *rt, const char *ns)
{
	uint64_t h = 1469598103934665603ULL;

	h = fnv(h, rt->api_version);
	h = fnv(h, rt->plural);
	h = fnv(h, ns ? ns : "*");
	h = fnv(h, sim_req_arg(r, "labelSelector"));
	h = fnv(h, sim_req_arg(r, "fieldSelector"));
	return h;
}

/* token = hex("<issued mono ms>\x1f<query hash>\x1f<ns>\x1f<name>") */
static char *
token_make(uint64_t qh, const char *ns, const char *name)
{
	char raw[600], *tok;
	int n = snprintf(raw, sizeof(raw), "%" PRIu64 "\x1f%016" PRIx64 "\x1f%s\x1f%s",
	    strata_now_ms(), qh, ns, name);
	int i;

	if (n < 0 || (size_t)n >= sizeof(raw))
		return NULL;
	tok = malloc((size_t)n * 2 + 1);
	if (tok == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(tok + 2 * i, 3, "%02x", (unsigned char)raw[i]);
	return tok;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes into buf; fields point inside it.  Returns 0 or -EINVAL. */
static int
token_parse(const char *tok, char *buf, size_t buflen, uint64_t *issued, uint64_t *qh,
    const char **ns, const char **name)
{
	size_t l = strlen(tok), i;
	char *p, *f[4];
	int k;

	if (l % 2 != 0 || l / 2 >= buflen || l > TOKEN_MAX)
		return -EINVAL;
	for (i = 0; i < l / 2; i++) {
		int hi = hexval(tok[2 * i]), lo = hexval(tok[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		buf[i] = (char)(hi << 4 | lo);
	}
	buf[l / 2] = '\0';
	p = buf;
	for (k = 0; k < 4; k++) {
		f[k] = p;
		p = strchr(p, '\x1f');
		if (k < 3) {
			if (p == NULL)
				return -EINVAL;
			*p++ = '\0';
		}
	}
	*issued = strtoull(f[0], NULL, 10);
	*qh = strtoull(f[1], NULL, 16);
	*ns = f[2];
	*name = f[3];
	return 0;
}

/*
 * A plain list is answered without copying the objects: an I/O vector points at the stored
 * bytes of each object version, which stays referenced until libmicrohttpd has sent it.
 */
struct list_body {
	struct sim	*s;
	struct sobj	**objs;
	size_t		  n;
	char		 *head;
};

static void
list_body_free(void *cls)
{
	struct list_body *lb = cls;
	size_t i;

	if (lb->n > 0) {
		sim_lock(lb->s);
		for (i = 0; i < lb->n; i++)
			sobj_unref(lb->objs[i]);
		sim_unlock(lb->s);
	}
	free(lb->objs);
	free(lb->head);
	free(lb);
}

static void
reply_iov(struct sim_req *r, struct list_body *lb, size_t head_len)
{
	static const char comma[] = ",", tail[] = "]}";
	struct MHD_IoVec *iov;
	size_t i, k = 0;

	if (lb->n * 2 + 2 > UINT32_MAX ||
	    (iov = malloc((lb->n * 2 + 2) * sizeof(*iov))) == NULL) {
		list_body_free(lb);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	iov[k].iov_base = lb->head;
	iov[k++].iov_len = head_len;
	for (i = 0; i < lb->n; i++) {
		if (i > 0) {
			iov[k].iov_base = comma;
			iov[k++].iov_len = 1;
		}
		iov[k].iov_base = lb->objs[i]->pub.json;
		iov[k++].iov_len = lb->objs[i]->pub.len;
	}
	iov[k].iov_base = tail;
	iov[k++].iov_len = 2;
	r->resp = smhd.create_response_from_iovec(iov, (unsigned)k, list_body_free, lb);
	free(iov);
	if (r->resp == NULL) {
		list_body_free(lb);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	smhd.add_response_header(r->resp, "Content-Type", "application/json");
	smhd.add_response_header(r->resp, "Cache-Control", "no-cache, private");
	r->code = 200;
}

/*
 * Large pages (no limit) are copied into one buffer of the exact size: libmicrohttpd
 * 0.9.75 answers an empty body and then aborts for I/O vectors of a few thousand entries.
 */
static void
reply_copy(struct sim_req *r, struct list_body *lb, size_t head_len, size_t bytes)
{
	char *buf = malloc(head_len + bytes + 3), *p;
	size_t i;

	if (buf == NULL) {
		list_body_free(lb);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	memcpy(buf, lb->head, head_len);
	p = buf + head_len;
	for (i = 0; i < lb->n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, lb->objs[i]->pub.json, lb->objs[i]->pub.len);
		p += lb->objs[i]->pub.len;
	}
	memcpy(p, "]}", 3);
	p += 2;
	list_body_free(lb);
	sim_reply_buf(r, 200, buf, (size_t)(p - buf));
}

void
sim_api_list(struct sim_req *r, const struct sim_rtype *rt, const char *ns)
{
	struct sim *s = r->s;
	struct sim_selector *sel = NULL;
	const char *lim = sim_req_arg(r, "limit"), *cont = sim_req_arg(r, "continue");
	const struct sim_obj **rows = NULL;
	struct list_body *lb = NULL;
	struct sbuf head = SBUF_INIT(4096);
	size_t bytes = 0;
	size_t limit = 0, n = 0, i, end, nrows = 0;
	uint64_t qh = query_hash(r, rt, ns);
	char *tok = NULL;
	bool table = sim_table_wanted(r->accept), more = false;
	long long remaining = -1;
	struct stable *t;

	if (!rt->namespaced)
		ns = NULL;
	if (sim_api_selector(r, rt, &sel) < 0)
		return;
	if (lim != NULL && lim[0] != '\0') {
		char *e;
		long long v = strtoll(lim, &e, 10);

		if (*e != '\0' || v < 0) {
			sim_reply_status(r, 400, "BadRequest", "invalid limit: %s", lim);
			goto out;
		}
		limit = (size_t)v;
	}
	sim_lock(s);
	t = &s->tables[rt->id];
	end = t->n;
	i = ns ? sim_store_lower_ns(t, ns) : 0;
	if (cont != NULL && cont[0] != '\0') {
		char buf[TOKEN_MAX];
		const char *cns, *cname;
		uint64_t issued, cqh;

		if (token_parse(cont, buf, sizeof(buf), &issued, &cqh, &cns, &cname) < 0 ||
		    cqh != qh) {
			sim_unlock(s);
			sim_reply_status(r, 400, "BadRequest", "continue key is not valid for "
			    "this list request");
			goto out;
		}
		if (strata_now_ms() - issued > (uint64_t)s->continue_ttl_s * 1000u) {
			sim_unlock(s);
			sim_reply_status(r, 410, "Expired", "The provided continue parameter is "
			    "too old to display a consistent list result. You can start a new list "
			    "without the continue parameter, or use the continue token in this "
			    "response to retrieve the remainder of the results. Continuing with "
			    "the provided token results in an inconsistent list - objects that "
			    "were created, modified, or deleted between the time the first chunk "
			    "was returned and now may show up in the list.");
			goto out;
		}
		i = sim_store_upper(t, cns, cname);
	}
	if ((rows = calloc(limit ? limit : t->n + 1, sizeof(*rows))) == NULL) {
		sim_unlock(s);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		goto out;
	}
	for (; i < end; i++) {
		const struct sim_obj *o = &t->v[i]->pub;

		if (ns && strcmp(o->ns, ns) != 0)
			break;
		if (limit && n == limit) {
			more = true;
			break;
		}
		if (sel && !sim_selector_match(sel, o))
			continue;
		if ((bytes += o->len + 1) > LIST_MAX_BYTES) {
			sim_unlock(s);
			sim_reply_status(r, 500, "InternalError", "the list is larger than %llu "
			    "bytes; use limit", (unsigned long long)LIST_MAX_BYTES);
			goto out;
		}
		rows[nrows++] = o;
		n++;
	}
	if (more && n > 0) {
		const struct sim_obj *last = &t->v[i - 1]->pub;

		tok = token_make(qh, last->ns, last->name);
		if (sel == NULL && ns == NULL)
			remaining = (long long)(end - i);
	} else if (more) {
		more = false;
	}
	if (table) {
		json_t *tb = sim_table_build(s, rt, rows, nrows,
		    strstr(sim_req_arg(r, "includeObject") ? sim_req_arg(r, "includeObject") :
		    "", "Object") != NULL);
		char rvb[24];

		snprintf(rvb, sizeof(rvb), "%" PRIu64, s->rv);
		sim_unlock(s);
		if (tb == NULL) {
			sim_reply_status(r, 500, "InternalError", "out of memory");
			goto out;
		}
		json_object_set_new(json_object_get(tb, "metadata"), "resourceVersion",
		    json_string(rvb));
		if (tok)
			json_object_set_new(json_object_get(tb, "metadata"), "continue",
			    json_string(tok));
		if (remaining >= 0)
			json_object_set_new(json_object_get(tb, "metadata"), "remainingItemCount",
			    json_integer(remaining));
		sim_reply_json(r, 200, tb);
		goto out;
	}
	sbuf_printf(&head, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":"
	    "{\"resourceVersion\":\"%" PRIu64 "\"", rt->list_kind, rt->api_version, s->rv);
	if (tok)
		sbuf_printf(&head, ",\"continue\":\"%s\"", tok);
	if (remaining >= 0)
		sbuf_printf(&head, ",\"remainingItemCount\":%lld", remaining);
	lb = calloc(1, sizeof(*lb));
	if (sbuf_appends(&head, "},\"items\":[") < 0 || lb == NULL) {
		sim_unlock(s);
		free(lb);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		goto out;
	}
	/* The page keeps its object versions alive until sent (references, lock held). */
	lb->s = s;
	lb->objs = (struct sobj **)rows;
	lb->n = nrows;
	for (i = 0; i < nrows; i++) {
		lb->objs[i] = container_of(rows[i], struct sobj, pub);
		sobj_ref(lb->objs[i]);
	}
	sim_unlock(s);
	rows = NULL;
	{
		size_t hl = head.len;

		lb->head = sbuf_detach(&head, NULL);
		if (lb->n <= LIST_IOV_MAX_OBJS && bytes <= LIST_IOV_MAX_BYTES)
			reply_iov(r, lb, hl);
		else
			reply_copy(r, lb, hl, bytes);
	}
out:
	free(rows);
	free(tok);
	sbuf_release(&head);
	sim_selector_free(sel);
}
