/*
 * Stored object versions (struct sobj): the compact JSON bytes of an object plus the fields
 * the store indexes, in one allocation, reference-counted under the store lock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sim_priv.h"

static const char *
jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v;
}

struct sobj *
sobj_from_parts(const struct sim_rtype *rt, const char *ns, const char *name,
    const char *uid, uint64_t rv, const char *labels, size_t labels_len, const char *node,
    const char *phase, bool deleting, const char *json, size_t len)
{
	size_t nsl = strlen(ns) + 1, nl = strlen(name) + 1, ul = strlen(uid) + 1;
	size_t nol = node ? strlen(node) + 1 : 0, phl = phase ? strlen(phase) + 1 : 0;
	struct sobj *o;
	char *p;

	if (labels == NULL || labels_len == 0) {
		labels = "\0";
		labels_len = 2;
	}
	o = malloc(sizeof(*o) + nsl + nl + ul + labels_len + nol + phl + len + 1);
	if (o == NULL)
		return NULL;
	memset(o, 0, sizeof(*o));
	p = (char *)(o + 1);
	o->refs = 1;
	o->pub.rt = rt;
	o->pub.rv = rv;
	o->pub.deleting = deleting;
	memcpy(p, ns, nsl);
	o->pub.ns = p;
	p += nsl;
	memcpy(p, name, nl);
	o->pub.name = p;
	p += nl;
	memcpy(p, uid, ul);
	o->pub.uid = p;
	p += ul;
	memcpy(p, labels, labels_len);
	o->pub.labels = p;
	p += labels_len;
	if (node) {
		memcpy(p, node, nol);
		o->pub.node_name = p;
		p += nol;
	}
	if (phase) {
		memcpy(p, phase, phl);
		o->pub.phase = p;
		p += phl;
	}
	memcpy(p, json, len);
	p[len] = '\0';
	o->pub.json = p;
	o->pub.len = len;
	return o;
}

/*
 * Builds a version from a complete object.  `json`/`len` are its compact serialisation if
 * the caller has it already (else NULL: serialised here).
 */
struct sobj *
sobj_from_json(const struct sim_rtype *rt, const json_t *obj, const char *json, size_t len)
{
	const json_t *md = json_object_get(obj, "metadata"), *labels, *v;
	const char *ns, *name, *uid, *rvs, *node = NULL, *phase = NULL, *key;
	char *dumped = NULL, *lab = NULL;
	size_t lab_len = 0, lab_cap = 0;
	struct sobj *o = NULL;

	ns = jstr(md, "namespace");
	name = jstr(md, "name");
	uid = jstr(md, "uid");
	rvs = jstr(md, "resourceVersion");
	if (name == NULL)
		return NULL;
	if (!rt->namespaced || ns == NULL)
		ns = "";
	if (uid == NULL)
		uid = "";
	labels = json_object_get(md, "labels");
	json_object_foreach((json_t *)labels, key, v) {
		const char *val = json_string_value(v);
		size_t need;

		if (val == NULL)
			continue;
		need = strlen(key) + 1 + strlen(val) + 1;
		if (lab_len + need + 1 > lab_cap) {
			size_t nc = (lab_cap ? lab_cap * 2 : 128) + need;
			char *nb = realloc(lab, nc);

			if (nb == NULL)
				goto fail;
			lab = nb;
			lab_cap = nc;
		}
		lab_len += (size_t)snprintf(lab + lab_len, lab_cap - lab_len, "%s=%s", key, val) + 1;
	}
	if (lab != NULL)
		lab[lab_len++] = '\0';
	if (rt->id == SIM_RT_POD) {
		node = jstr(json_object_get(obj, "spec"), "nodeName");
		phase = jstr(json_object_get(obj, "status"), "phase");
	}
	if (json == NULL) {
		dumped = json_dumps(obj, JSON_COMPACT);
		if (dumped == NULL)
			goto fail;
		json = dumped;
		len = strlen(dumped);
	}
	o = sobj_from_parts(rt, ns, name, uid, rvs ? strtoull(rvs, NULL, 10) : 0, lab, lab_len,
	    node, phase, json_object_get(md, "deletionTimestamp") != NULL, json, len);
fail:
	free(dumped);
	free(lab);
	return o;
}

void
sobj_ref(struct sobj *o)
{
	o->refs++;
}

void
sobj_unref(struct sobj *o)
{
	if (o != NULL && --o->refs == 0)
		free(o);
}

json_t *
sim_obj_json(const struct sim_obj *o)
{
	return json_loadb(o->json, o->len, 0, NULL);
}

const char *
sim_obj_label(const struct sim_obj *o, const char *key)
{
	size_t kl = strlen(key);
	const char *p;

	for (p = o->labels; *p != '\0'; p += strlen(p) + 1) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return p + kl + 1;
	}
	return NULL;
}

void
sim_err_set(struct sim_err *e, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->reason = reason;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

void
sim_rt_qualified(const struct sim_rtype *rt, char *out, size_t n)
{
	if (rt->group[0] == '\0')
		snprintf(out, n, "%s", rt->plural);
	else
		snprintf(out, n, "%s.%s", rt->plural, rt->group);
}

void
sim_uid_new(char out[37])
{
	unsigned char b[16];
	ssize_t got = getrandom(b, sizeof(b), 0);
	int i;

	for (i = got > 0 ? (int)got : 0; i < 16; i++)
		b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	    b[13], b[14], b[15]);
}
