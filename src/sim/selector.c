/*
 * Label and field selectors, parsed once and matched against stored objects.  Indexed
 * fields (name, namespace, pod nodeName and phase, labels) match without touching JSON;
 * other selectable fields (event involvedObject.*, ...) parse the object once per match.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

enum sel_op { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOTEXISTS };

enum field_src { F_LABEL, F_NAME, F_NS, F_NODE, F_PHASE, F_JSON };

struct req {
	enum field_src	 src;
	enum sel_op	 op;
	char		*key;
	char		**vals;
	size_t		 nvals;
};

struct sim_selector {
	struct req	*r;
	size_t		 n;
};

#define SEL_MAX_REQS	64
#define SEL_MAX_VALS	64

static const char *const pod_fields[] = {
	"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
	"spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName", NULL
};
static const char *const event_fields[] = {
	"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
	"involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
	"involvedObject.fieldPath", "reason", "reportingComponent", "source", "type", NULL
};
static const char *const event_v1_fields[] = {
	"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
	"regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reason",
	"reportingController", "type", NULL
};
static const char *const node_fields[] = { "spec.unschedulable", NULL };
static const char *const ns_fields[] = { "status.phase", NULL };
static const char *const secret_fields[] = { "type", NULL };
static const char *const rs_fields[] = { "status.replicas", NULL };

static bool
in_list(const char *const *l, const char *k)
{
	for (; l && *l; l++)
		if (strcmp(*l, k) == 0)
			return true;
	return false;
}

static int
field_src(const struct sim_rtype *rt, const char *key, enum field_src *src)
{
	if (strcmp(key, "metadata.name") == 0) {
		*src = F_NAME;
		return 0;
	}
	if (strcmp(key, "metadata.namespace") == 0) {
		*src = F_NS;
		return 0;
	}
	*src = F_JSON;
	switch (rt ? rt->id : SIM_RT_COUNT) {
	case SIM_RT_POD:
		if (strcmp(key, "spec.nodeName") == 0)
			*src = F_NODE;
		else if (strcmp(key, "status.phase") == 0)
			*src = F_PHASE;
		return in_list(pod_fields, key) ? 0 : -EINVAL;
	case SIM_RT_EVENT:
		return in_list(event_fields, key) ? 0 : -EINVAL;
	case SIM_RT_EVENT_V1:
		return in_list(event_v1_fields, key) ? 0 : -EINVAL;
	case SIM_RT_NODE:
		return in_list(node_fields, key) ? 0 : -EINVAL;
	case SIM_RT_NAMESPACE:
		return in_list(ns_fields, key) ? 0 : -EINVAL;
	case SIM_RT_SECRET:
		return in_list(secret_fields, key) ? 0 : -EINVAL;
	case SIM_RT_REPLICASET:
		return in_list(rs_fields, key) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

void
sim_selector_free(struct sim_selector *sel)
{
	size_t i, j;

	if (sel == NULL)
		return;
	for (i = 0; i < sel->n; i++) {
		free(sel->r[i].key);
		for (j = 0; j < sel->r[i].nvals; j++)
			free(sel->r[i].vals[j]);
		free(sel->r[i].vals);
	}
	free(sel->r);
	free(sel);
}

static char *
trim_dup(const char *p, size_t n)
{
	char *r;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	r = malloc(n + 1);
	if (r) {
		memcpy(r, p, n);
		r[n] = '\0';
	}
	return r;
}

static int
add_req(struct sim_selector *sel, enum field_src src, enum sel_op op, char *key)
{
	struct req *nr;

	if (sel->n >= SEL_MAX_REQS) {
		free(key);
		return -E2BIG;
	}
	nr = realloc(sel->r, (sel->n + 1) * sizeof(*nr));
	if (nr == NULL) {
		free(key);
		return -ENOMEM;
	}
	sel->r = nr;
	memset(&sel->r[sel->n], 0, sizeof(*nr));
	sel->r[sel->n].src = src;
	sel->r[sel->n].op = op;
	sel->r[sel->n].key = key;
	sel->n++;
	return 0;
}

static int
add_val(struct req *r, char *v)
{
	char **nv;

	if (v == NULL)
		return -ENOMEM;
	if (r->nvals >= SEL_MAX_VALS) {
		free(v);
		return -E2BIG;
	}
	nv = realloc(r->vals, (r->nvals + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(v);
		return -ENOMEM;
	}
	r->vals = nv;
	r->vals[r->nvals++] = v;
	return 0;
}

/* One term of a label (fields=false) or field selector. */
static int
parse_term(struct sim_selector *sel, const struct sim_rtype *rt, bool fields, const char *t,
    size_t n, char *err, size_t errlen)
{
	char *term = trim_dup(t, n), *p, *key;
	enum field_src src = F_LABEL;
	enum sel_op op;
	int rc = -EINVAL;

	if (term == NULL)
		return -ENOMEM;
	if (term[0] == '\0') {
		rc = 0;
		goto out;
	}
	if (!fields && term[0] == '!') {
		rc = add_req(sel, F_LABEL, OP_NOTEXISTS, trim_dup(term + 1, strlen(term + 1)));
		goto out;
	}
	if ((p = strstr(term, "!=")) != NULL) {
		op = OP_NE;
		key = trim_dup(term, (size_t)(p - term));
		p += 2;
	} else if ((p = strstr(term, "==")) != NULL) {
		op = OP_EQ;
		key = trim_dup(term, (size_t)(p - term));
		p += 2;
	} else if ((p = strchr(term, '=')) != NULL) {
		op = OP_EQ;
		key = trim_dup(term, (size_t)(p - term));
		p += 1;
	} else if (!fields && ((p = strstr(term, " notin ")) != NULL ||
	    (p = strstr(term, " in ")) != NULL)) {
		bool notin = strncmp(p, " notin ", 7) == 0;
		char *open = strchr(p, '('), *close = open ? strchr(open, ')') : NULL, *q;

		if (open == NULL || close == NULL) {
			snprintf(err, errlen, "unable to parse requirement: %s", term);
			goto out;
		}
		key = trim_dup(term, (size_t)(p - term));
		if ((rc = add_req(sel, F_LABEL, notin ? OP_NOTIN : OP_IN, key)) < 0)
			goto out;
		for (q = open + 1; q < close;) {
			char *c = memchr(q, ',', (size_t)(close - q));
			char *end = c ? c : close;

			if ((rc = add_val(&sel->r[sel->n - 1], trim_dup(q, (size_t)(end - q)))) < 0)
				goto out;
			q = end + 1;
		}
		rc = 0;
		goto out;
	} else if (!fields) {
		rc = add_req(sel, F_LABEL, OP_EXISTS, trim_dup(term, strlen(term)));
		goto out;
	} else {
		snprintf(err, errlen, "invalid selector: '%s'; can't understand '%s'", term, term);
		goto out;
	}
	if (key == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (key[0] == '\0') {
		free(key);
		snprintf(err, errlen, "unable to parse requirement: %s", term);
		goto out;
	}
	if (fields && field_src(rt, key, &src) < 0) {
		snprintf(err, errlen, "field label not supported: %s", key);
		free(key);
		goto out;
	}
	if ((rc = add_req(sel, src, op, key)) < 0)
		goto out;
	rc = add_val(&sel->r[sel->n - 1], trim_dup(p, strlen(p)));
out:
	if (rc == -E2BIG)
		snprintf(err, errlen, "selector too long");
	free(term);
	return rc;
}

static int
parse_list(struct sim_selector *sel, const struct sim_rtype *rt, bool fields, const char *s,
    char *err, size_t errlen)
{
	const char *p = s, *start = s;
	int depth = 0, rc;

	if (s == NULL)
		return 0;
	for (;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if (*p == '\0' || (*p == ',' && depth == 0)) {
			if ((rc = parse_term(sel, rt, fields, start, (size_t)(p - start), err,
			    errlen)) < 0)
				return rc;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return 0;
}

int
sim_selector_parse(const struct sim_rtype *rt, const char *labels, const char *fields,
    struct sim_selector **out, char *err, size_t errlen)
{
	struct sim_selector *sel = calloc(1, sizeof(*sel));
	int rc;

	*out = NULL;
	if (sel == NULL)
		return -ENOMEM;
	if ((rc = parse_list(sel, rt, false, labels, err, errlen)) < 0 ||
	    (rc = parse_list(sel, rt, true, fields, err, errlen)) < 0) {
		sim_selector_free(sel);
		return rc;
	}
	*out = sel;
	return 0;
}

int
sim_selector_from_json(const json_t *ls, struct sim_selector **out, char *err, size_t errlen)
{
	struct sim_selector *sel = calloc(1, sizeof(*sel));
	const char *k;
	json_t *v, *ex;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (sel == NULL)
		return -ENOMEM;
	json_object_foreach(json_object_get(ls, "matchLabels"), k, v) {
		if (!json_is_string(v))
			continue;
		if ((rc = add_req(sel, F_LABEL, OP_EQ, strdup(k))) < 0 ||
		    (rc = add_val(&sel->r[sel->n - 1], strdup(json_string_value(v)))) < 0)
			goto fail;
	}
	json_array_foreach(json_object_get(ls, "matchExpressions"), i, ex) {
		const char *key = json_string_value(json_object_get(ex, "key"));
		const char *op = json_string_value(json_object_get(ex, "operator"));
		enum sel_op o;
		json_t *val;

		if (key == NULL || op == NULL) {
			snprintf(err, errlen, "matchExpressions[%zu]: key and operator required", i);
			rc = -EINVAL;
			goto fail;
		}
		if (strcmp(op, "In") == 0)
			o = OP_IN;
		else if (strcmp(op, "NotIn") == 0)
			o = OP_NOTIN;
		else if (strcmp(op, "Exists") == 0)
			o = OP_EXISTS;
		else if (strcmp(op, "DoesNotExist") == 0)
			o = OP_NOTEXISTS;
		else {
			snprintf(err, errlen, "\"%s\" is not a valid label selector operator", op);
			rc = -EINVAL;
			goto fail;
		}
		if ((rc = add_req(sel, F_LABEL, o, strdup(key))) < 0)
			goto fail;
		json_array_foreach(json_object_get(ex, "values"), j, val) {
			if (json_is_string(val) && (rc = add_val(&sel->r[sel->n - 1],
			    strdup(json_string_value(val)))) < 0)
				goto fail;
		}
	}
	*out = sel;
	return 0;
fail:
	if (rc == -ENOMEM || rc == -E2BIG)
		snprintf(err, errlen, "label selector too large or out of memory");
	sim_selector_free(sel);
	return rc;
}

/* Value of a dotted path inside the object, as the selector compares it. */
static void
json_field(const json_t *doc, const char *path, char *out, size_t n)
{
	char key[128];
	const char *p = path, *dot;
	const json_t *v = doc;

	out[0] = '\0';
	while (v != NULL && *p) {
		size_t l;

		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		if (l >= sizeof(key))
			return;
		memcpy(key, p, l);
		key[l] = '\0';
		v = json_object_get(v, key);
		p = dot ? dot + 1 : p + l;
	}
	if (json_is_string(v))
		snprintf(out, n, "%s", json_string_value(v));
	else if (json_is_true(v))
		snprintf(out, n, "true");
	else if (json_is_false(v))
		snprintf(out, n, "false");
	else if (json_is_integer(v))
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_object(v) && strcmp(path, "source") == 0)
		snprintf(out, n, "%s", json_string_value(json_object_get(v, "component")) ?
		    json_string_value(json_object_get(v, "component")) : "");
}

bool
sim_selector_match(const struct sim_selector *sel, const struct sim_obj *o)
{
	json_t *doc = NULL;
	char buf[512];
	bool ok = true;
	size_t i, j;

	if (sel == NULL)
		return true;
	for (i = 0; ok && i < sel->n; i++) {
		const struct req *r = &sel->r[i];
		const char *v = NULL;
		bool in = false;

		switch (r->src) {
		case F_LABEL:
			v = sim_obj_label(o, r->key);
			break;
		case F_NAME:
			v = o->name;
			break;
		case F_NS:
			v = o->ns;
			break;
		case F_NODE:
			v = o->node_name ? o->node_name : "";
			break;
		case F_PHASE:
			v = o->phase ? o->phase : "";
			break;
		case F_JSON:
			if (doc == NULL && (doc = sim_obj_json(o)) == NULL)
				return false;
			json_field(doc, r->key, buf, sizeof(buf));
			v = buf;
			break;
		}
		for (j = 0; v != NULL && j < r->nvals; j++)
			if (strcmp(v, r->vals[j]) == 0)
				in = true;
		switch (r->op) {
		case OP_EQ:
		case OP_IN:
			ok = in;
			break;
		case OP_NE:
		case OP_NOTIN:
			ok = !in;
			break;
		case OP_EXISTS:
			ok = v != NULL;
			break;
		case OP_NOTEXISTS:
			ok = v == NULL;
			break;
		}
	}
	json_decref(doc);
	return ok;
}
