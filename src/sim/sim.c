/*
 * The simulator's life cycle (sim_start/sim_stop), its clock, the controller thread
 * (change feed delivery, ticks, timers) and the embedding helpers (URL, token,
 * kubeconfig, faults).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim_priv.h"
#include "strata/util.h"

#define SIM_PEM_MAX	(1024 * 1024)

void
sim_lock(struct sim *s)
{
	pthread_mutex_lock(&s->mu);
}

void
sim_unlock(struct sim *s)
{
	pthread_mutex_unlock(&s->mu);
}

/* ---- clock ------------------------------------------------------------------------------ */

uint64_t
sim_clock_ms(const struct sim *s)
{
	return (uint64_t)((double)(strata_now_ms() - s->start_mono_ms) * s->time_scale);
}

int64_t
sim_wall_ms(const struct sim *s)
{
	return s->start_wall_ms + (int64_t)sim_clock_ms(s);
}

double
sim_time_scale(const struct sim *s)
{
	return s->time_scale;
}

void
sim_time_rfc3339(const struct sim *s, char out[32])
{
	time_t t = (time_t)(sim_wall_ms(s) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
sim_time_micro(const struct sim *s, char out[40])
{
	int64_t ms = sim_wall_ms(s);
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char b[24];

	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%06dZ", b, (int)(ms % 1000) * 1000);
}

/* ---- controllers ---------------------------------------------------------------------- */

int
sim_controller_add(struct sim *s, const struct sim_controller_ops *ops, void *state)
{
	struct ctl *n = realloc(s->ctls, (s->nctls + 1) * sizeof(*n));

	if (n == NULL)
		return -ENOMEM;
	s->ctls = n;
	s->ctls[s->nctls].ops = ops;
	s->ctls[s->nctls].state = state;
	s->ctls[s->nctls].next_tick = ops->tick_ms;
	s->nctls++;
	return 0;
}

int
sim_timer_add(struct sim *s, uint64_t delay_ms, sim_timer_fn fn, sim_timer_fn drop, void *arg)
{
	struct timer *t = calloc(1, sizeof(*t)), **pp;

	if (t == NULL)
		return -ENOMEM;
	t->due = sim_clock_ms(s) + delay_ms;
	t->fn = fn;
	t->drop = drop;
	t->arg = arg;
	for (pp = &s->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	pthread_cond_signal(&s->ctl_wake);
	return 0;
}

/* Delivers one batch of the change feed (lock held; callbacks may write). */
static void
deliver_feed(struct sim *s)
{
	struct hist_ent *batch = s->feed;
	size_t n = s->feed_n, i, j;
	bool overflow = s->feed_overflow;

	s->feed = NULL;
	s->feed_n = s->feed_cap = 0;
	s->feed_overflow = false;
	if (overflow) {
		struct sim_change c = { .type = SIM_CHANGE_RESYNC };

		for (j = 0; j < s->nctls; j++)
			if (s->ctls[j].ops->on_change)
				s->ctls[j].ops->on_change(s, &c, s->ctls[j].state);
	}
	for (i = 0; i < n; i++) {
		struct sim_obj *o = &batch[i].o->pub;
		struct sim_change c = { batch[i].type, o->rt, o->ns, o->name, o->rv, o->json,
		    o->len };

		for (j = 0; !overflow && j < s->nctls; j++)
			if (s->ctls[j].ops->on_change)
				s->ctls[j].ops->on_change(s, &c, s->ctls[j].state);
		sobj_unref(batch[i].o);
	}
	free(batch);
}

static void *
ctl_main(void *arg)
{
	struct sim *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		uint64_t now, next = UINT64_MAX, wait_ms;
		size_t i;

		if (s->feed_n > 0 || s->feed_overflow) {
			deliver_feed(s);
			/* Let HTTP handlers in between rounds. */
			pthread_mutex_unlock(&s->mu);
			pthread_mutex_lock(&s->mu);
			continue;
		}
		now = sim_clock_ms(s);
		while (s->timers != NULL && s->timers->due <= now) {
			struct timer *t = s->timers;

			s->timers = t->next;
			t->fn(s, t->arg);
			free(t);
		}
		for (i = 0; i < s->nctls; i++) {
			struct ctl *c = &s->ctls[i];

			if (c->ops->tick_ms == 0 || c->ops->on_tick == NULL)
				continue;
			if (c->next_tick <= now) {
				c->ops->on_tick(s, now, c->state);
				c->next_tick = now + c->ops->tick_ms;
			}
			if (c->next_tick < next)
				next = c->next_tick;
		}
		if (s->timers != NULL && s->timers->due < next)
			next = s->timers->due;
		if (s->feed_n > 0)
			continue;
		now = sim_clock_ms(s);
		wait_ms = 1000;
		if (next != UINT64_MAX) {
			double real = next > now ? (double)(next - now) / s->time_scale : 0;

			wait_ms = real < 1 ? 1 : real > 1000 ? 1000 : (uint64_t)real;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(wait_ms / 1000);
		ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->ctl_wake, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- events ---------------------------------------------------------------------------- */

int
sim_event_record(struct sim *s, const struct sim_obj_ref *about, const char *type,
    const char *reason, const char *component, const char *fmt, ...)
{
	const struct sim_rtype *ert = sim_rt(SIM_RT_EVENT);
	const char *ns = about->rt->namespaced && about->ns && about->ns[0] ? about->ns :
	    "default";
	char msg[1024], name[320], ts[32], micro[40];
	json_t *ev = NULL, *patch;
	struct sim_err e;
	uint64_t h = 1469598103934665603ULL;
	const char *parts[4];
	va_list ap;
	size_t i;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	parts[0] = about->rt->kind;
	parts[1] = about->name;
	parts[2] = reason;
	parts[3] = msg;
	for (i = 0; i < 4; i++) {
		const char *p;

		for (p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	snprintf(name, sizeof(name), "%.250s.%016llx", about->name, (unsigned long long)h);
	sim_time_rfc3339(s, ts);
	sim_time_micro(s, micro);
	if (sim_store_find(s, ert, ns, name) != NULL) {
		json_t *cur = sim_store_get(s, ert, ns, name);
		json_int_t count = json_integer_value(json_object_get(cur, "count"));

		json_decref(cur);
		patch = json_pack("{s:I,s:s}", "count", (json_int_t)(count + 1), "lastTimestamp",
		    ts);
		rc = sim_store_patch(s, ert, ns, name, SIM_PATCH_MERGE, patch, SIM_WRITE_INTERNAL,
		    NULL, &e);
		json_decref(patch);
		return rc;
	}
	ev = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s?},s:s,s:s,s:s,s:{s:s},"
	    "s:s,s:s,s:i,s:s,s:s}",
	    "apiVersion", "v1", "kind", "Event",
	    "metadata", "name", name, "namespace", ns,
	    "involvedObject", "kind", about->rt->kind, "apiVersion", about->rt->api_version,
	    "name", about->name, "uid", about->uid,
	    "reason", reason, "message", msg, "type", type,
	    "source", "component", component,
	    "firstTimestamp", ts, "lastTimestamp", ts, "count", 1,
	    "reportingComponent", component, "eventTime", micro);
	if (ev == NULL)
		return -ENOMEM;
	if (about->rt->namespaced && about->ns && about->ns[0])
		json_object_set_new(json_object_get(ev, "involvedObject"), "namespace",
		    json_string(about->ns));
	rc = sim_store_create(s, ert, ns, ev, SIM_WRITE_INTERNAL, NULL, &e);
	json_decref(ev);
	return rc;
}

/* ---- start / stop ---------------------------------------------------------------------- */

static char *
read_file(const char *path, size_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct sbuf b = SBUF_INIT(max);
	char chunk[8192];
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (sbuf_append(&b, chunk, n) < 0) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			fclose(f);
			sbuf_release(&b);
			return NULL;
		}
	}
	fclose(f);
	if (b.data == NULL && sbuf_append(&b, "", 0) < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return sbuf_detach(&b, NULL);
}

static int
ensure_namespace(struct sim *s, const char *name)
{
	json_t *ns;
	struct sim_err e;
	int rc;

	if (sim_store_find(s, sim_rt(SIM_RT_NAMESPACE), "", name) != NULL)
		return 0;
	ns = json_pack("{s:s,s:s,s:{s:s},s:{},s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
	    "metadata", "name", name, "spec", "status", "phase", "Active");
	if (ns == NULL)
		return -ENOMEM;
	rc = sim_store_create(s, sim_rt(SIM_RT_NAMESPACE), "", ns, SIM_WRITE_INTERNAL, NULL, &e);
	json_decref(ns);
	return rc;
}

/* Every namespace an object lives in exists (scenarios often omit Namespace objects). */
static int
ensure_namespaces(struct sim *s)
{
	static const char *const base[] = { "default", "kube-system", "kube-public",
	    "kube-node-lease" };
	size_t i, j;
	int rc;

	for (i = 0; i < STRATA_ARRAY_LEN(base); i++)
		if ((rc = ensure_namespace(s, base[i])) < 0)
			return rc;
	for (i = 0; i < SIM_RT_COUNT; i++) {
		const struct stable *t = &s->tables[i];
		const char *last = "";

		if (!sim_rt((enum sim_rt_id)i)->namespaced)
			continue;
		for (j = 0; j < t->n; j++) {
			if (strcmp(t->v[j]->pub.ns, last) == 0)
				continue;
			last = t->v[j]->pub.ns;
			if ((rc = ensure_namespace(s, last)) < 0)
				return rc;
		}
	}
	return 0;
}

struct sim *
sim_start(const struct sim_options *opt, char *err, size_t errlen)
{
	struct sim *s = calloc(1, sizeof(*s));
	unsigned char rnd[24];
	char tok[64];
	size_t i, nodes, pods;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->start_mono_ms = strata_now_ms();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->start_wall_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	s->time_scale = opt->time_scale > 0 ? opt->time_scale : 1.0;
	s->continue_ttl_s = opt->continue_ttl_s ? opt->continue_ttl_s : 300;
	sim_store_init(s);
	pthread_mutex_init(&s->fault_mu, NULL);
	if (opt->token != NULL) {
		s->token = strdup(opt->token);
	} else {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			snprintf(err, errlen, "getrandom failed: %s", strerror(errno));
			goto fail;
		}
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(tok + 2 * i, 3, "%02x", rnd[i]);
		s->token = strdup(tok);
		strata_wipe(tok, sizeof(tok));
	}
	if (s->token == NULL || s->token[0] == '\0') {
		snprintf(err, errlen, "empty token");
		goto fail;
	}
	if ((opt->tls_cert == NULL) != (opt->tls_key == NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		goto fail;
	}
	if (opt->tls_cert != NULL) {
		s->tls = true;
		if ((s->tls_cert_pem = read_file(opt->tls_cert, SIM_PEM_MAX, err, errlen)) == NULL ||
		    (s->tls_key_pem = read_file(opt->tls_key, SIM_PEM_MAX, err, errlen)) == NULL)
			goto fail;
		if (opt->client_ca != NULL &&
		    (s->client_ca_pem = read_file(opt->client_ca, SIM_PEM_MAX, err, errlen)) == NULL)
			goto fail;
	} else if (opt->client_ca != NULL) {
		snprintf(err, errlen, "--client-ca needs --tls-cert/--tls-key");
		goto fail;
	}

	s->loading = true;
	if (opt->scenario_path != NULL &&
	    sim_scenario_load(s, opt->scenario_path, err, errlen) < 0)
		goto fail;
	if (opt->generate != NULL && sim_generate(s, opt->generate, err, errlen) < 0)
		goto fail;
	if (ensure_namespaces(s) < 0) {
		snprintf(err, errlen, "out of memory creating namespaces");
		goto fail;
	}
	s->loading = false;

	if (opt->faults != NULL && sim_faults_add(s, opt->faults, err, errlen) < 0)
		goto fail;
	if (!opt->api_only && sim_controllers_register(s, err, errlen) < 0)
		goto fail;
	/* Counted before the controllers start changing the tables. */
	nodes = s->tables[SIM_RT_NODE].n;
	pods = s->tables[SIM_RT_POD].n;
	if (pthread_create(&s->ctl_thread, NULL, ctl_main, s) != 0) {
		snprintf(err, errlen, "cannot start the controller thread");
		goto fail;
	}
	s->ctl_running = true;
	if (sim_http_start(s, opt->listen ? opt->listen : "127.0.0.1:0", err, errlen) < 0)
		goto fail;
	log_info("sim", "serving %s (time scale %g, %zu nodes, %zu pods)", s->url,
	    s->time_scale, nodes, pods);
	return s;
fail:
	sim_stop(s);
	return NULL;
}

void
sim_stop(struct sim *s)
{
	size_t i;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->changed);
	pthread_cond_broadcast(&s->ctl_wake);
	pthread_mutex_unlock(&s->mu);
	sim_http_stop(s);
	if (s->ctl_running)
		pthread_join(s->ctl_thread, NULL);
	for (i = 0; i < s->nctls; i++)
		if (s->ctls[i].ops->fini)
			s->ctls[i].ops->fini(s, s->ctls[i].state);
	free(s->ctls);
	while (s->timers != NULL) {
		struct timer *t = s->timers;

		s->timers = t->next;
		if (t->drop)
			t->drop(s, t->arg);
		free(t);
	}
	sim_faults_clear(s);
	pthread_mutex_destroy(&s->fault_mu);
	sim_store_fini(s);
	if (s->token) {
		strata_wipe(s->token, strlen(s->token));
		free(s->token);
	}
	if (s->tls_key_pem) {
		strata_wipe(s->tls_key_pem, strlen(s->tls_key_pem));
		free(s->tls_key_pem);
	}
	free(s->tls_cert_pem);
	free(s->client_ca_pem);
	free(s->url);
	free(s);
}

const char *
sim_url(const struct sim *s)
{
	return s->url;
}

const char *
sim_token(const struct sim *s)
{
	return s->token;
}

int
sim_fault_add(struct sim *s, const char *spec, char *err, size_t errlen)
{
	return sim_faults_add(s, spec, err, errlen);
}

void
sim_fault_clear(struct sim *s)
{
	sim_faults_clear(s);
}

static char *
b64(const char *in, size_t n)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc((n + 2) / 3 * 4 + 1), *p = o;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 |
		    (unsigned char)in[i + 2];

		*p++ = t[v >> 18];
		*p++ = t[(v >> 12) & 63];
		*p++ = t[(v >> 6) & 63];
		*p++ = t[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		*p++ = t[v >> 18];
		*p++ = t[(v >> 12) & 63];
		*p++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return o;
}

int
sim_write_kubeconfig(const struct sim *s, const char *path, char *err, size_t errlen)
{
	json_t *kc = NULL, *cluster;
	char *text = NULL, *ca = NULL;
	int fd = -1, rc = -ENOMEM;
	size_t len;

	cluster = json_pack("{s:s}", "server", s->url);
	if (cluster == NULL)
		goto fail;
	if (s->tls) {
		if ((ca = b64(s->tls_cert_pem, strlen(s->tls_cert_pem))) == NULL) {
			json_decref(cluster);
			goto fail;
		}
		json_object_set_new(cluster, "certificate-authority-data", json_string(ca));
	}
	kc = json_pack("{s:s,s:s,s:s,s:[{s:s,s:o}],s:[{s:s,s:{s:s}}],"
	    "s:[{s:s,s:{s:s,s:s,s:s}}],s:{}}",
	    "apiVersion", "v1", "kind", "Config", "current-context", "strata-sim",
	    "clusters", "name", "strata-sim", "cluster", cluster,
	    "users", "name", "strata-sim", "user", "token", s->token,
	    "contexts", "name", "strata-sim", "context", "cluster", "strata-sim", "user",
	    "strata-sim", "namespace", "default", "preferences");
	if (kc == NULL)
		goto fail;
	text = json_dumps(kc, JSON_INDENT(2));
	if (text == NULL)
		goto fail;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		rc = -EIO;
		snprintf(err, errlen, "%s: short write", path);
		goto out;
	}
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "out of memory");
out:
	if (fd >= 0)
		close(fd);
	if (text) {
		strata_wipe(text, strlen(text));
		free(text);
	}
	free(ca);
	json_decref(kc);
	return rc;
}
