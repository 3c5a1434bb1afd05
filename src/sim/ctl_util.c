/*
 * Controller helpers: string maps, work queues, keyed timers, JSON/condition/quantity
 * helpers and write wrappers (see ctl_util.h).  Lock held everywhere.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

#define CTL_MAP_TOMB	((char *)&ctl_map_tomb)
static char ctl_map_tomb;

/* ---- string map --------------------------------------------------------------------- */

static uint64_t
hash_str(const char *k)
{
	uint64_t h = 1469598103934665603ull;

	while (*k) {
		h ^= (unsigned char)*k++;
		h *= 1099511628211ull;
	}
	return h;
}

void
ctl_map_init(struct ctl_map *m)
{
	memset(m, 0, sizeof(*m));
}

void
ctl_map_fini(struct ctl_map *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL || m->keys[i] == CTL_MAP_TOMB)
			continue;
		free(m->keys[i]);
		if (free_val)
			free_val(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t
slot_find(const struct ctl_map *m, const char *key, bool *found)
{
	size_t mask = m->cap - 1, i = hash_str(key) & mask, tomb = SIZE_MAX;

	for (;;) {
		char *k = m->keys[i];

		if (k == NULL) {
			*found = false;
			return tomb != SIZE_MAX ? tomb : i;
		}
		if (k == CTL_MAP_TOMB) {
			if (tomb == SIZE_MAX)
				tomb = i;
		} else if (strcmp(k, key) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int
map_grow(struct ctl_map *m)
{
	struct ctl_map nm;
	size_t i, nc = m->cap ? m->cap * 2 : 16;
	bool found;

	if (m->n * 2 < m->cap)		/* many tombstones: rehash at the same size */
		nc = m->cap;
	nm.keys = calloc(nc, sizeof(*nm.keys));
	nm.vals = calloc(nc, sizeof(*nm.vals));
	if (nm.keys == NULL || nm.vals == NULL) {
		free(nm.keys);
		free(nm.vals);
		return -ENOMEM;
	}
	nm.cap = nc;
	nm.n = nm.used = 0;
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (m->keys[i] == NULL || m->keys[i] == CTL_MAP_TOMB)
			continue;
		j = slot_find(&nm, m->keys[i], &found);
		nm.keys[j] = m->keys[i];
		nm.vals[j] = m->vals[i];
		nm.n++;
		nm.used++;
	}
	free(m->keys);
	free(m->vals);
	*m = nm;
	return 0;
}

void *
ctl_map_get(const struct ctl_map *m, const char *key)
{
	bool found;
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = slot_find(m, key, &found);
	return found ? m->vals[i] : NULL;
}

int
ctl_map_put(struct ctl_map *m, const char *key, void *val, void **old)
{
	bool found;
	size_t i;
	char *k;

	if (old)
		*old = NULL;
	if ((m->used + 1) * 4 >= m->cap * 3 && map_grow(m) < 0)
		return -ENOMEM;
	i = slot_find(m, key, &found);
	if (found) {
		if (old)
			*old = m->vals[i];
		m->vals[i] = val;
		return 0;
	}
	if ((k = strdup(key)) == NULL)
		return -ENOMEM;
	if (m->keys[i] == NULL)
		m->used++;
	m->keys[i] = k;
	m->vals[i] = val;
	m->n++;
	return 0;
}

void *
ctl_map_del(struct ctl_map *m, const char *key)
{
	bool found;
	size_t i;
	void *v;

	if (m->cap == 0)
		return NULL;
	i = slot_find(m, key, &found);
	if (!found)
		return NULL;
	v = m->vals[i];
	free(m->keys[i]);
	m->keys[i] = CTL_MAP_TOMB;
	m->vals[i] = NULL;
	m->n--;
	return v;
}

bool
ctl_map_next(const struct ctl_map *m, size_t *i, const char **key, void **val)
{
	for (; *i < m->cap; (*i)++) {
		if (m->keys[*i] == NULL || m->keys[*i] == CTL_MAP_TOMB)
			continue;
		*key = m->keys[*i];
		if (val)
			*val = m->vals[*i];
		(*i)++;
		return true;
	}
	return false;
}

bool
ctl_key(char *out, size_t n, const char *ns, const char *name)
{
	int r;

	if (ns && ns[0])
		r = snprintf(out, n, "%s/%s", ns, name);
	else
		r = snprintf(out, n, "%s", name);
	return r >= 0 && (size_t)r < n;
}

void
ctl_key_split(char *buf, const char **ns, const char **name)
{
	char *sl = strchr(buf, '/');

	if (sl) {
		*sl = '\0';
		*ns = buf;
		*name = sl + 1;
	} else {
		*ns = "";
		*name = buf;
	}
}

/* ---- queues and timers -------------------------------------------------------------- */

static void
queue_flush(struct sim *s, void *arg)
{
	struct ctl_queue *q = arg;
	struct ctl_map keys = q->keys;
	const char *k;
	size_t i = 0;

	(void)s;
	ctl_map_init(&q->keys);
	q->armed = false;
	while (ctl_map_next(&keys, &i, &k, NULL)) {
		char buf[512];
		const char *ns, *name;

		snprintf(buf, sizeof(buf), "%s", k);
		ctl_key_split(buf, &ns, &name);
		q->fn(q->ctx, ns, name);
	}
	ctl_map_fini(&keys, NULL);
}

void
ctl_queue_init(struct ctl_queue *q, struct ctl_ctx *c, ctl_reconcile_fn fn)
{
	memset(q, 0, sizeof(*q));
	q->ctx = c;
	q->fn = fn;
	ctl_map_init(&q->keys);
}

void
ctl_queue_fini(struct ctl_queue *q)
{
	ctl_map_fini(&q->keys, NULL);
}

void
ctl_queue_add(struct ctl_queue *q, const char *ns, const char *name)
{
	char key[512];

	if (!ctl_key(key, sizeof(key), ns, name))
		return;
	if (ctl_map_put(&q->keys, key, q, NULL) < 0) {
		log_warn("sim.ctl", "queue: out of memory key=%s", key);
		return;
	}
	if (!q->armed) {
		if (sim_timer_add(q->ctx->s, q->delay_ms, queue_flush, NULL, q) == 0)
			q->armed = true;
	}
}

struct later {
	struct ctl_ctx	*c;
	ctl_later_fn	 fn;
	const struct sim_rtype *rt;
	char		*ns, *name, *uid, *arg;
};

static void
later_free(struct sim *s, void *arg)
{
	struct later *l = arg;

	(void)s;
	free(l->ns);
	free(l->name);
	free(l->uid);
	free(l->arg);
	free(l);
}

static void
later_fire(struct sim *s, void *arg)
{
	struct later *l = arg;
	const struct sim_obj *o = NULL;

	if (l->rt)
		o = sim_store_find(s, l->rt, l->ns, l->name);
	if (l->rt == NULL || (o != NULL && (l->uid == NULL || strcmp(o->uid, l->uid) == 0)))
		l->fn(l->c, l->ns, l->name, l->arg);
	later_free(s, l);
}

static char *
dup_or_null(const char *s, bool *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = true;
	return d;
}

int
ctl_later(struct ctl_ctx *c, uint64_t delay_ms, ctl_later_fn fn, const struct sim_rtype *rt,
    const char *ns, const char *name, const char *uid, const char *arg)
{
	struct later *l = calloc(1, sizeof(*l));
	bool bad = false;

	if (l == NULL)
		return -ENOMEM;
	l->c = c;
	l->fn = fn;
	l->rt = rt;
	l->ns = dup_or_null(ns ? ns : "", &bad);
	l->name = dup_or_null(name ? name : "", &bad);
	l->uid = dup_or_null(uid, &bad);
	l->arg = dup_or_null(arg, &bad);
	if (bad || sim_timer_add(c->s, delay_ms, later_fire, later_free, l) < 0) {
		later_free(c->s, l);
		return -ENOMEM;
	}
	return 0;
}

/* ---- JSON --------------------------------------------------------------------------- */

json_t *
ctl_jget(const json_t *o, const char *path)
{
	char part[128];
	const char *p = path, *dot;
	json_t *cur = (json_t *)o;

	while (cur != NULL && *p) {
		size_t n;

		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		cur = json_object_get(cur, part);
		p = dot ? dot + 1 : p + n;
	}
	return cur;
}

const char *
ctl_jstr(const json_t *o, const char *path)
{
	return json_string_value(ctl_jget(o, path));
}

json_int_t
ctl_jint(const json_t *o, const char *path, json_int_t dflt)
{
	json_t *v = ctl_jget(o, path);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (json_int_t)json_real_value(v);
	return dflt;
}

json_t *
ctl_jobj(json_t *o, const char *path)
{
	char part[128];
	const char *p = path, *dot;
	json_t *cur = o;

	while (cur != NULL && *p) {
		json_t *next;
		size_t n;

		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		next = json_object_get(cur, part);
		if (!json_is_object(next)) {
			next = json_object();
			if (next == NULL || json_object_set_new(cur, part, next) < 0)
				return NULL;
		}
		cur = next;
		p = dot ? dot + 1 : p + n;
	}
	return cur;
}

const char *
ctl_annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(ctl_jget(obj, "metadata.annotations"), key));
}

const char *
ctl_hint(const json_t *obj, const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), SIM_HINT_PREFIX "%s", name);
	return ctl_annotation(obj, key);
}

int
ctl_set_annotation(json_t *obj, const char *key, const char *value)
{
	json_t *ann;

	if (value == NULL) {
		ann = ctl_jget(obj, "metadata.annotations");
		if (json_is_object(ann))
			json_object_del(ann, key);
		return 0;
	}
	if ((ann = ctl_jobj(obj, "metadata.annotations")) == NULL)
		return -ENOMEM;
	return json_object_set_new(ann, key, json_string(value)) < 0 ? -ENOMEM : 0;
}

json_t *
ctl_cond_get(const json_t *obj, const char *conds_path, const char *type)
{
	json_t *arr = ctl_jget(obj, conds_path), *c;
	size_t i;

	json_array_foreach(arr, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

const char *
ctl_cond_status(const json_t *obj, const char *conds_path, const char *type)
{
	return json_string_value(json_object_get(ctl_cond_get(obj, conds_path, type), "status"));
}

static bool
set_str(json_t *o, const char *key, const char *v)
{
	const char *cur = json_string_value(json_object_get(o, key));

	if (v == NULL) {
		if (json_object_get(o, key) == NULL)
			return false;
		json_object_del(o, key);
		return true;
	}
	if (cur && strcmp(cur, v) == 0)
		return false;
	json_object_set_new(o, key, json_string(v));
	return true;
}

bool
ctl_cond_set(struct sim *s, json_t *obj, const char *conds_path, const char *type,
    const char *status, const char *reason, const char *message, bool update_time)
{
	json_t *cond = ctl_cond_get(obj, conds_path, type), *arr;
	bool changed = false;
	char ts[32];

	sim_time_rfc3339(s, ts);
	if (cond == NULL) {
		const char *dot = strrchr(conds_path, '.');
		json_t *parent;

		if (dot) {
			char ppath[128];

			snprintf(ppath, sizeof(ppath), "%.*s", (int)(dot - conds_path), conds_path);
			parent = ctl_jobj(obj, ppath);
		} else {
			parent = obj;
		}
		if (parent == NULL)
			return false;
		arr = json_object_get(parent, dot ? dot + 1 : conds_path);
		if (!json_is_array(arr)) {
			arr = json_array();
			json_object_set_new(parent, dot ? dot + 1 : conds_path, arr);
		}
		cond = json_object();
		json_object_set_new(cond, "type", json_string(type));
		json_array_append_new(arr, cond);
		changed = true;
	}
	if (set_str(cond, "status", status)) {
		json_object_set_new(cond, "lastTransitionTime", json_string(ts));
		changed = true;
	}
	if (json_object_get(cond, "lastTransitionTime") == NULL)
		json_object_set_new(cond, "lastTransitionTime", json_string(ts));
	changed |= set_str(cond, "reason", reason);
	changed |= set_str(cond, "message", message);
	if (update_time && changed)
		json_object_set_new(cond, "lastUpdateTime", json_string(ts));
	return changed;
}

json_t *
ctl_controller_ref(const json_t *obj)
{
	json_t *refs = ctl_jget(obj, "metadata.ownerReferences"), *r;
	size_t i;

	json_array_foreach(refs, i, r) {
		if (json_is_true(json_object_get(r, "controller")))
			return r;
	}
	return NULL;
}

bool
ctl_controlled_by(const json_t *obj, const char *uid)
{
	const char *u = json_string_value(json_object_get(ctl_controller_ref(obj), "uid"));

	return u && uid && strcmp(u, uid) == 0;
}

json_t *
ctl_owner_ref(const struct sim_rtype *rt, const json_t *owner)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", rt->api_version,
	    "kind", rt->kind, "name", ctl_jstr(owner, "metadata.name"),
	    "uid", ctl_jstr(owner, "metadata.uid") ? ctl_jstr(owner, "metadata.uid") : "",
	    "controller", 1, "blockOwnerDeletion", 1);
}

int64_t
ctl_duration_ms(const char *d)
{
	int64_t total = 0;
	const char *p = d;

	if (d == NULL || *d == '\0')
		return -1;
	while (*p) {
		char *end;
		double v = strtod(p, &end);

		if (end == p || v < 0 || !isfinite(v))
			return -1;
		p = end;
		if (*p == '\0' && total == 0) {
			total += (int64_t)(v * 1000);	/* plain seconds */
			break;
		}
		if (strncmp(p, "ms", 2) == 0) {
			total += (int64_t)v;
			p += 2;
		} else if (*p == 's') {
			total += (int64_t)(v * 1000);
			p++;
		} else if (*p == 'm') {
			total += (int64_t)(v * 60000);
			p++;
		} else if (*p == 'h') {
			total += (int64_t)(v * 3600000);
			p++;
		} else {
			return -1;
		}
	}
	return total;
}

int
ctl_int_or_pct(const json_t *v, int total, bool round_up, int dflt)
{
	const char *s;
	double pct;
	char *end;

	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if ((s = json_string_value(v)) == NULL)
		return dflt;
	pct = strtod(s, &end);
	if (end == s)
		return dflt;
	if (*end != '%')
		return (int)pct;
	pct = pct * total / 100.0;
	return (int)(round_up ? ceil(pct - 1e-9) : floor(pct + 1e-9));
}

uint64_t
ctl_hint_delay(const json_t *obj, const char *name, uint64_t dflt)
{
	int64_t ms = ctl_duration_ms(ctl_hint(obj, name));

	return ms >= 0 ? (uint64_t)ms : dflt;
}

/* ---- pods --------------------------------------------------------------------------- */

bool
ctl_pod_ready(const json_t *pod)
{
	const char *st = ctl_cond_status(pod, "status.conditions", "Ready");

	return st && strcmp(st, "True") == 0 &&
	    json_object_get(ctl_jget(pod, "metadata"), "deletionTimestamp") == NULL;
}

bool
ctl_pod_terminal(const char *phase)
{
	return phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

void
ctl_pod_requests(const json_t *pod, int64_t *cpu_m, int64_t *mem_b)
{
	json_t *cs = ctl_jget(pod, "spec.containers"), *ct;
	size_t i;

	*cpu_m = *mem_b = 0;
	json_array_foreach(cs, i, ct) {
		json_t *req = ctl_jget(ct, "resources.requests");
		int64_t v;

		if ((v = strata_quantity_milli(ctl_jstr(req, "cpu"))) > 0)
			*cpu_m += v;
		if ((v = strata_quantity_bytes(ctl_jstr(req, "memory"))) > 0)
			*mem_b += v;
	}
}

char *
ctl_template_canon(const json_t *tmpl)
{
	json_t *t = json_deep_copy(tmpl);
	json_t *labels;
	char *out;

	if (t == NULL)
		return NULL;
	labels = ctl_jget(t, "metadata.labels");
	if (json_is_object(labels))
		json_object_del(labels, "pod-template-hash");
	if (json_is_object(labels) && json_object_size(labels) == 0)
		json_object_del(ctl_jget(t, "metadata"), "labels");
	if (json_is_object(ctl_jget(t, "metadata")) && json_object_size(ctl_jget(t, "metadata")) == 0)
		json_object_del(t, "metadata");
	out = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(t);
	return out;
}

void
ctl_template_hash(const json_t *tmpl, char out[16])
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	char *canon = ctl_template_canon(tmpl);
	uint32_t h = 2166136261u;
	const char *p;
	int i;

	for (p = canon ? canon : ""; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	free(canon);
	/* kubernetes: rand.SafeEncodeString(fmt.Sprint(hash)): each byte b → alphanums[b % 27] */
	snprintf(out, 16, "%u", h);
	for (i = 0; out[i]; i++)
		out[i] = alpha[(unsigned char)out[i] % 27];
}

/* ---- writes ------------------------------------------------------------------------- */

static void
write_failed(const char *what, const struct sim_rtype *rt, const json_t *obj, int rc,
    const struct sim_err *e)
{
	if (rc == -ESTALE || rc == -ENOENT)	/* raced with a client: next round retries */
		log_debug("sim.ctl", "%s %s %s: %s", what, rt->kind,
		    ctl_jstr(obj, "metadata.name") ? ctl_jstr(obj, "metadata.name") : "?",
		    e->message);
	else
		log_warn("sim.ctl", "%s %s %s failed: %s", what, rt->kind,
		    ctl_jstr(obj, "metadata.name") ? ctl_jstr(obj, "metadata.name") : "?",
		    e->message);
}

int
ctl_update(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *obj)
{
	struct sim_err e = { 0 };
	int rc = sim_store_update(c->s, rt, ctl_jstr(obj, "metadata.namespace"), obj,
	    SIM_WRITE_INTERNAL, NULL, &e);

	if (rc < 0)
		write_failed("update", rt, obj, rc, &e);
	return rc;
}

int
ctl_update_status(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *obj)
{
	return ctl_update(c, rt, obj);
}

int
ctl_update_if_changed(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *orig,
    const json_t *obj)
{
	if (json_equal((json_t *)orig, (json_t *)obj))
		return 0;
	return ctl_update(c, rt, obj);
}

int
ctl_create(struct ctl_ctx *c, const struct sim_rtype *rt, const char *ns, const json_t *obj,
    json_t **out)
{
	struct sim_err e = { 0 };
	int rc = sim_store_create(c->s, rt, ns, obj, SIM_WRITE_INTERNAL, out, &e);

	if (rc < 0)
		write_failed("create", rt, obj, rc, &e);
	return rc;
}

int
ctl_delete(struct ctl_ctx *c, const struct sim_rtype *rt, const char *ns, const char *name)
{
	struct sim_err e = { 0 };
	int rc = sim_store_delete(c->s, rt, ns, name, NULL, NULL, SIM_WRITE_INTERNAL, NULL, &e);

	if (rc < 0 && rc != -ENOENT)
		log_warn("sim.ctl", "delete %s %s/%s failed: %s", rt->kind, ns, name,
		    e.message);
	return rc;
}

void
ctl_event(struct ctl_ctx *c, const struct sim_rtype *rt, const json_t *obj, const char *type,
    const char *reason, const char *component, const char *fmt, ...)
{
	struct sim_obj_ref ref = {
		.rt = rt,
		.ns = ctl_jstr(obj, "metadata.namespace"),
		.name = ctl_jstr(obj, "metadata.name"),
		.uid = ctl_jstr(obj, "metadata.uid"),
	};
	char msg[1024];
	va_list ap;

	if (ref.name == NULL)
		return;
	if (ref.ns == NULL)
		ref.ns = "";
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sim_event_record(c->s, &ref, type, reason, component, "%s", msg) < 0)
		log_debug("sim.ctl", "event %s not recorded", reason);
}
