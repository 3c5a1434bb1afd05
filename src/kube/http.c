/*
 * curl multi ⇄ libuv.  One multi handle per client; curl tells us which sockets to
 * watch (CURLMOPT_SOCKETFUNCTION → uv_poll) and when to wake it (CURLMOPT_TIMERFUNCTION
 * → uv_timer).  The fixes over curl's multi-uv.c example (reference §2.1): poll errors
 * go to curl as CURL_CSELECT_ERR, finished transfers are drained after every
 * socket_action, every uv call is checked, REMOVE stops the poll at once and frees its
 * context only in the close callback, and a 0 ms timer is mapped to 1 ms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube_int.h"

struct kube_sock {
	uv_poll_t		 poll;
	curl_socket_t		 fd;
	struct kube_client	*client;
};

/* Must not touch the client: at shutdown it may be freed before this runs. */
static void
sock_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
http_drain(struct kube_client *c)
{
	struct kube_request *req;
	CURLMsg *m;
	CURLcode result;
	CURL *easy;
	int left;

	/* User callbacks run below; one may close the client (see kube_client_close). */
	c->draining++;
	while ((m = kcurl.multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* Copy what we need before the handle is removed. */
		easy = m->easy_handle;
		result = m->data.result;
		req = NULL;
		kcurl.easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
		if (req == NULL) {
			kcurl.multi_remove_handle(c->multi, easy);
			kcurl.easy_cleanup(easy);
			continue;
		}
		kube_request_transfer_done(req, result);
	}
	if (--c->draining == 0 && c->close_pending)
		kube_http_cleanup(c);
}

static void
http_action(struct kube_client *c, curl_socket_t fd, int flags)
{
	CURLMcode mc;
	int running = 0;

	mc = kcurl.multi_socket_action(c->multi, fd, flags, &running);
	if (mc != CURLM_OK)
		log_error(KUBE_LOG, "curl_multi_socket_action: %s", kcurl.multi_strerror(mc));
	http_drain(c);
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct kube_sock *s = h->data;
	int flags = 0;

	if (status < 0) {
		flags = CURL_CSELECT_ERR;
	} else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	http_action(s->client, s->fd, flags);
}

static void
on_timer(uv_timer_t *t)
{
	struct kube_client *c = t->data;

	http_action(c, CURL_SOCKET_TIMEOUT, 0);
}

static int
on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct kube_client *c = userp;
	struct kube_sock *s = socketp;
	int ev = 0, rc;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_close_cb);
			kcurl.multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		s->fd = fd;
		s->client = c;
		if ((rc = uv_poll_init_socket(c->loop, &s->poll, fd)) != 0) {
			log_error(KUBE_LOG, "uv_poll_init_socket fd=%d: %s", (int)fd,
			    uv_strerror(rc));
			free(s);
			return -1;
		}
		s->poll.data = s;
		kcurl.multi_assign(c->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	if ((rc = uv_poll_start(&s->poll, ev, on_poll)) != 0) {
		log_error(KUBE_LOG, "uv_poll_start fd=%d: %s", (int)fd, uv_strerror(rc));
		return -1;
	}
	return 0;
}

static int
on_curl_timer(CURLM *multi, long ms, void *userp)
{
	struct kube_client *c = userp;

	if (ms < 0)
		return uv_timer_stop(&c->timer) == 0 ? 0 : -1;
	/* libuv 1.44 would run a 0 ms timer re-armed in its own callback at once. */
	return uv_timer_start(&c->timer, on_timer, ms > 0 ? (uint64_t)ms : 1, 0) == 0 ?
	    0 : -1;
}

int
kube_http_init(struct kube_client *c, long max_host_conns, char *err, size_t errlen)
{
	CURLMcode mc = CURLM_OK;
	int rc;

	if ((c->multi = kcurl.multi_init()) == NULL) {
		kube_err_set(err, errlen, "curl_multi_init failed");
		return -ENOMEM;
	}
	if ((rc = uv_timer_init(c->loop, &c->timer)) != 0) {
		kube_err_set(err, errlen, "uv_timer_init: %s", uv_strerror(rc));
		kcurl.multi_cleanup(c->multi);
		c->multi = NULL;
		return rc;
	}
	c->timer.data = c;
	if ((mc = kcurl.multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket)) ||
	    (mc = kcurl.multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c)) ||
	    (mc = kcurl.multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer)) ||
	    (mc = kcurl.multi_setopt(c->multi, CURLMOPT_TIMERDATA, c)) ||
	    (mc = kcurl.multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)) ||
	    (mc = kcurl.multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    max_host_conns)) ||
	    (mc = kcurl.multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, max_host_conns))) {
		kube_err_set(err, errlen, "curl_multi_setopt: %s", kcurl.multi_strerror(mc));
		return -EINVAL;	/* the caller runs kube_http_cleanup */
	}
	return 0;
}

int
kube_http_add(struct kube_client *c, CURL *easy)
{
	CURLMcode mc = kcurl.multi_add_handle(c->multi, easy);

	if (mc != CURLM_OK) {
		log_error(KUBE_LOG, "curl_multi_add_handle: %s", kcurl.multi_strerror(mc));
		return -EIO;
	}
	return 0;
}

void
kube_http_remove(struct kube_client *c, CURL *easy)
{
	CURLMcode mc = kcurl.multi_remove_handle(c->multi, easy);

	if (mc != CURLM_OK)
		log_error(KUBE_LOG, "curl_multi_remove_handle: %s", kcurl.multi_strerror(mc));
}

static void
timer_close_cb(uv_handle_t *h)
{
	struct kube_client *c = h->data;

	free(c);
}

/* Order from the reference: multi cleanup (fires REMOVEs), then close the timer. */
void
kube_http_cleanup(struct kube_client *c)
{
	if (c->multi != NULL)
		kcurl.multi_cleanup(c->multi);
	c->multi = NULL;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_close_cb);	/* frees the client */
}
