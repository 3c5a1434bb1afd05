/*
 * Watch: GET <collection>?watch=true streams newline-delimited watch events
 * ({"type":"ADDED|MODIFIED|DELETED|ERROR","object":...}) as a chunked response.  Without a
 * resourceVersion (or with "0") the current objects come first as ADDED; with one, the
 * writes after it are replayed from the history ring, or an ERROR 410 Expired event says it
 * is too old.  The connection's thread blocks on the store's condition variable.
 */
#define _GNU_SOURCE	/* POLLRDHUP */
#include <errno.h>
#include <inttypes.h>
#include "mhd_dl.h"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_priv.h"
#include "strata/util.h"

#define WATCH_CHUNK		(64 * 1024)
#define WATCH_OUT_MAX		(64u * 1024 * 1024)
#define WATCH_DEFAULT_S		1800

struct watch {
	struct sim	*s;
	const struct sim_rtype *rt;
	char		*ns;
	struct sim_selector *sel;
	uint64_t	 cursor;
	struct sobj	**snap;
	size_t		 nsnap, snap_i;
	struct sbuf	 out;
	size_t		 off;
	uint64_t	 deadline;	/* monotonic ms */
	struct MHD_Connection *conn;
	bool		 ended;
};

static const char *const type_names[] = { "ADDED", "MODIFIED", "DELETED" };

static int
emit(struct watch *w, const char *type, const char *json, size_t len)
{
	if (sbuf_printf(&w->out, "{\"type\":\"%s\",\"object\":", type) < 0 ||
	    sbuf_append(&w->out, json, len) < 0 || sbuf_append(&w->out, "}\n", 2) < 0)
		return -E2BIG;
	return 0;
}

static bool
wanted(struct watch *w, const struct sim_obj *o)
{
	if (o->rt != w->rt)
		return false;
	if (w->ns != NULL && strcmp(o->ns, w->ns) != 0)
		return false;
	return w->sel == NULL || sim_selector_match(w->sel, o);
}

static bool
peer_gone(struct watch *w)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd p;

	ci = smhd.get_connection_info(w->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return false;
	p.fd = ci->connect_fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return true;
	return false;
}

/* Appends pending events to w->out; lock held.  Returns true if anything was added. */
static bool
fill(struct watch *w)
{
	struct sim *s = w->s;
	size_t i;
	bool any = false;

	while (w->snap_i < w->nsnap && w->out.len < WATCH_CHUNK) {
		struct sobj *o = w->snap[w->snap_i++];

		if (emit(w, "ADDED", o->pub.json, o->pub.len) < 0)
			w->ended = true;
		any = true;
	}
	if (w->snap_i < w->nsnap)
		return any;
	if (s->hist_len == SIM_HIST_N && w->cursor + 1 < sim_hist_oldest(s)) {
		char msg[160];
		int n = snprintf(msg, sizeof(msg), "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
		    "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource "
		    "version: %" PRIu64 " (%" PRIu64 ")\",\"reason\":\"Expired\",\"code\":410}",
		    w->cursor, sim_hist_oldest(s));

		emit(w, "ERROR", msg, (size_t)n);
		w->ended = true;
		return true;
	}
	for (i = 0; i < s->hist_len && w->out.len < WATCH_CHUNK; i++) {
		struct hist_ent *h = &s->hist[(s->hist_head + i) % SIM_HIST_N];

		if (h->o->pub.rv <= w->cursor)
			continue;
		w->cursor = h->o->pub.rv;
		if (!wanted(w, &h->o->pub))
			continue;
		if (emit(w, type_names[h->type], h->o->pub.json, h->o->pub.len) < 0)
			w->ended = true;
		any = true;
	}
	return any;
}

static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct watch *w = cls;
	struct sim *s = w->s;

	(void)pos;
	for (;;) {
		struct timespec ts;

		if (w->off < w->out.len) {
			size_t n = w->out.len - w->off;

			if (n > max)
				n = max;
			memcpy(buf, w->out.data + w->off, n);
			w->off += n;
			if (w->off == w->out.len) {
				sbuf_reset(&w->out);
				w->off = 0;
			}
			return (ssize_t)n;
		}
		if (w->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&s->mu);
		if (!fill(w)) {
			if (s->stopping || strata_now_ms() >= w->deadline) {
				w->ended = true;
			} else {
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += 1;
				pthread_cond_timedwait(&s->changed, &s->mu, &ts);
				if (s->stopping)
					w->ended = true;
			}
		}
		pthread_mutex_unlock(&s->mu);
		if (!w->ended && w->out.len == 0 && peer_gone(w))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void
watch_free(void *cls)
{
	struct watch *w = cls;
	size_t i;

	if (w->nsnap > 0) {
		pthread_mutex_lock(&w->s->mu);
		for (i = 0; i < w->nsnap; i++)
			sobj_unref(w->snap[i]);
		pthread_mutex_unlock(&w->s->mu);
	}
	free(w->snap);
	sbuf_release(&w->out);
	sim_selector_free(w->sel);
	free(w->ns);
	free(w);
}

static int
snap_add(const struct sim_obj *o, void *arg)
{
	struct watch *w = arg;
	struct sobj *so = container_of(o, struct sobj, pub);
	struct sobj **n;

	if ((w->nsnap & (w->nsnap - 1)) == 0 || w->nsnap == 0) {
		n = realloc(w->snap, (w->nsnap ? w->nsnap * 2 : 64) * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		w->snap = n;
	}
	sobj_ref(so);
	w->snap[w->nsnap++] = so;
	return 0;
}

void
sim_api_watch(struct sim_req *r, const struct sim_rtype *rt, const char *ns,
    struct sim_selector *sel)
{
	struct sim *s = r->s;
	const char *rvs = sim_req_arg(r, "resourceVersion");
	const char *tos = sim_req_arg(r, "timeoutSeconds");
	struct watch *w = calloc(1, sizeof(*w));
	long to = tos ? strtol(tos, NULL, 10) : 0;
	struct MHD_Response *resp;

	if (w == NULL || (ns != NULL && (w->ns = strdup(ns)) == NULL)) {
		free(w);
		sim_selector_free(sel);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	w->s = s;
	w->rt = rt;
	w->sel = sel;
	w->conn = r->conn;
	sbuf_init(&w->out, WATCH_OUT_MAX);
	w->deadline = strata_now_ms() + (uint64_t)(to > 0 ? to : WATCH_DEFAULT_S) * 1000u;
	pthread_mutex_lock(&s->mu);
	if (rvs == NULL || rvs[0] == '\0' || strcmp(rvs, "0") == 0) {
		w->cursor = s->rv;
		if (sim_store_foreach(s, rt, w->ns, w->sel, snap_add, w) < 0) {
			pthread_mutex_unlock(&s->mu);
			watch_free(w);
			sim_reply_status(r, 500, "InternalError", "out of memory");
			return;
		}
	} else {
		w->cursor = strtoull(rvs, NULL, 10);
	}
	pthread_mutex_unlock(&s->mu);
	resp = smhd.create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, reader, w,
	    watch_free);
	if (resp == NULL) {
		watch_free(w);
		sim_reply_status(r, 500, "InternalError", "out of memory");
		return;
	}
	smhd.add_response_header(resp, "Content-Type", "application/json");
	smhd.add_response_header(resp, "Cache-Control", "no-cache, private");
	r->code = 200;
	r->resp = resp;
}
