/*
 * Small helpers of the detect engine: a string map, vectors, JSON path lookups,
 * Kubernetes quantities and capped comma lists.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strata/util.h"
#include "detect_int.h"

/* ---- map ---------------------------------------------------------------------------- */

static uint64_t
map_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
map_grow(struct detect_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i, j;
	char **nk = calloc(ncap, sizeof(*nk));
	size_t *nv = calloc(ncap, sizeof(*nv));

	if (nk == NULL || nv == NULL) {
		free(nk);
		free(nv);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		j = map_hash(m->keys[i]) & (ncap - 1);
		while (nk[j] != NULL)
			j = (j + 1) & (ncap - 1);
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

int
detect_map_put(struct detect_map *m, const char *key, size_t val)
{
	size_t j;

	if ((m->len + 1) * 4 >= m->cap * 3 && map_grow(m) < 0)
		return -ENOMEM;
	j = map_hash(key) & (m->cap - 1);
	while (m->keys[j] != NULL) {
		if (strcmp(m->keys[j], key) == 0) {
			m->vals[j] = val;
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	if ((m->keys[j] = strdup(key)) == NULL)
		return -ENOMEM;
	m->vals[j] = val;
	m->len++;
	return 0;
}

size_t
detect_map_get(const struct detect_map *m, const char *key)
{
	size_t j;

	if (m->cap == 0 || key == NULL)
		return NOIDX;
	j = map_hash(key) & (m->cap - 1);
	while (m->keys[j] != NULL) {
		if (strcmp(m->keys[j], key) == 0)
			return m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NOIDX;
}

void
detect_map_free(struct detect_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

size_t
detect_vec_push(struct detect_vec *v)
{
	void *p;
	size_t ncap;

	if (v->len == v->cap) {
		ncap = v->cap ? v->cap * 2 : 16;
		if ((p = realloc(v->data, ncap * v->elem)) == NULL)
			return NOIDX;
		v->data = p;
		v->cap = ncap;
	}
	memset((char *)v->data + v->len * v->elem, 0, v->elem);
	return v->len++;
}

/* ---- strings and JSON --------------------------------------------------------------- */

char *
detect_strdup(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n > DETECT_MSG_MAX)
		n = DETECT_MSG_MAX;
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	/* Messages often end in a newline (container termination logs). */
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		p[--n] = '\0';
	return p;
}

char *
detect_strdup_full(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *
detect_jstr(json_t *o, const char *path)
{
	char seg[64];
	const char *p = path, *dot;
	size_t n;

	while (o != NULL && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		o = json_object_get(o, seg);
		p += n + (dot ? 1 : 0);
		if (!dot)
			break;
	}
	return json_is_string(o) ? json_string_value(o) : NULL;
}

int64_t
detect_jint(json_t *o, const char *path, int64_t dflt)
{
	char seg[64];
	const char *p = path, *dot;
	size_t n;

	while (o != NULL && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(seg))
			return dflt;
		memcpy(seg, p, n);
		seg[n] = '\0';
		o = json_object_get(o, seg);
		p += n + (dot ? 1 : 0);
		if (!dot)
			break;
	}
	if (json_is_integer(o))
		return json_integer_value(o);
	if (json_is_string(o))
		return strtoll(json_string_value(o), NULL, 10);
	return dflt;
}

int
detect_parse_time(const char *s, time_t *out)
{
	if (s == NULL || *s == '\0')
		return -EINVAL;
	return strata_time_parse_rfc3339(s, out);
}



void
detect_fmt_bytes(int64_t b, char *out, size_t n)
{
	if (b < 0)
		snprintf(out, n, "none");
	else if (b >= 1073741824LL && b % 1073741824LL == 0)
		snprintf(out, n, "%lldGi", (long long)(b / 1073741824LL));
	else if (b >= 1048576LL)
		snprintf(out, n, "%lldMi", (long long)(b / 1048576LL));
	else if (b >= 1024)
		snprintf(out, n, "%lldKi", (long long)(b / 1024));
	else
		snprintf(out, n, "%lld", (long long)b);
}

int
detect_contains_ci(const char *hay, const char *needle)
{
	size_t n;

	if (hay == NULL || needle == NULL)
		return 0;
	n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

const char *
detect_key3(char *buf, size_t n, const char *a, const char *b, const char *c)
{
	snprintf(buf, n, "%s\x1f%s\x1f%s", a ? a : "", b ? b : "", c ? c : "");
	return buf;
}

json_t *
detect_condition(json_t *obj, const char *type)
{
	json_t *conds = json_object_get(json_object_get(obj, "status"), "conditions");
	json_t *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t != NULL && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

int
detect_cond_true(json_t *cond)
{
	const char *s = json_string_value(json_object_get(cond, "status"));

	return s != NULL && strcmp(s, "True") == 0;
}

int
detect_is_platform_ns(const char *ns)
{
	if (ns == NULL)
		return 0;
	return strncmp(ns, "openshift-", 10) == 0 || strcmp(ns, "openshift") == 0 ||
	    strncmp(ns, "kube-", 5) == 0;
}

int
detect_list_add(char **list, const char *item, size_t cap)
{
	size_t a = *list ? strlen(*list) : 0, b = strlen(item);
	char *p;

	if (item[0] == '\0' || detect_list_has(*list, item))
		return 0;
	if (a + b + 2 > cap)
		return 0;	/* capped: further items are dropped */
	if ((p = realloc(*list, a + b + 3)) == NULL)
		return -ENOMEM;
	if (a == 0)
		memcpy(p, item, b + 1);
	else {
		memcpy(p + a, ", ", 2);
		memcpy(p + a + 2, item, b + 1);
	}
	*list = p;
	return 0;
}

int
detect_list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p != NULL && *p) {
		const char *e = strstr(p, ", ");
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, item, n) == 0)
			return 1;
		p = e ? e + 2 : NULL;
	}
	return 0;
}
