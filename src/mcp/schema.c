/*
 * A small JSON Schema validator for the subset that 2020-12 and draft-07 validators read
 * alike (what MCP clients such as the TS SDK's Ajv check).  It reports the first problem
 * with the path of the offending value, e.g. "arguments.resources[0].kind: expected
 * string, got integer", because a model fixes its call from that message.
 *
 * Unknown keywords are annotations ($schema, title, description, default, format, …).
 * Nesting is bounded so a hostile schema or instance cannot exhaust the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/mcp.h"

#define SCHEMA_MAX_DEPTH	64
#define PATH_MAX_LEN		512

struct validator {
	char	*err;
	size_t	 errlen;
	char	 path[PATH_MAX_LEN];
	size_t	 pathlen;
	int	 depth;
};

static int	validate(struct validator *v, const json_t *schema, const json_t *inst);

static int
fail(struct validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct validator *v, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(v->err, v->errlen, "%s: ", v->path);
	if (n >= 0 && (size_t)n < v->errlen) {
		va_start(ap, fmt);
		vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool
is_identifier(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Appends a path element; returns the length to restore with path_pop(). */
static size_t
path_push_key(struct validator *v, const char *key)
{
	size_t old = v->pathlen;
	int n;

	n = snprintf(v->path + old, sizeof(v->path) - old,
	    is_identifier(key) ? ".%s" : "[\"%s\"]", key);
	if (n > 0)
		v->pathlen = old + (size_t)n < sizeof(v->path) ? old + (size_t)n :
		    sizeof(v->path) - 1;
	return old;
}

static size_t
path_push_index(struct validator *v, size_t i)
{
	size_t old = v->pathlen;
	int n;

	n = snprintf(v->path + old, sizeof(v->path) - old, "[%zu]", i);
	if (n > 0)
		v->pathlen = old + (size_t)n < sizeof(v->path) ? old + (size_t)n :
		    sizeof(v->path) - 1;
	return old;
}

static void
path_pop(struct validator *v, size_t old)
{
	v->pathlen = old;
	v->path[old] = '\0';
}

static const char *
type_of(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:	return "object";
	case JSON_ARRAY:	return "array";
	case JSON_STRING:	return "string";
	case JSON_INTEGER:	return "integer";
	case JSON_REAL:		return "number";
	case JSON_TRUE:
	case JSON_FALSE:	return "boolean";
	default:		return "null";
	}
}

static bool
type_matches(const char *type, const json_t *j)
{
	double d;

	if (strcmp(type, "integer") == 0) {
		if (json_is_integer(j))
			return true;
		if (!json_is_real(j))
			return false;
		d = json_real_value(j);
		return d == floor(d);
	}
	if (strcmp(type, "number") == 0)
		return json_is_number(j);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(j);
	return strcmp(type, type_of(j)) == 0;
}

static int
check_type(struct validator *v, const json_t *type, const json_t *inst)
{
	char want[128];
	size_t i, at = 0;
	const json_t *t;

	if (json_is_string(type)) {
		if (type_matches(json_string_value(type), inst))
			return 0;
		return fail(v, "expected %s, got %s", json_string_value(type), type_of(inst));
	}
	if (!json_is_array(type))
		return 0;
	want[0] = '\0';
	json_array_foreach(type, i, t) {
		if (!json_is_string(t))
			continue;
		if (type_matches(json_string_value(t), inst))
			return 0;
		at += (size_t)snprintf(want + at, at < sizeof(want) ? sizeof(want) - at : 0,
		    "%s%s", i > 0 ? " or " : "", json_string_value(t));
		if (at >= sizeof(want))
			at = sizeof(want) - 1;
	}
	return fail(v, "expected %s, got %s", want, type_of(inst));
}

/* Equality as JSON Schema sees it: 1 and 1.0 are the same number. */
static bool
json_same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal((json_t *)a, (json_t *)b);
}

static int
check_enum(struct validator *v, const json_t *values, const json_t *inst)
{
	char list[256], *s;
	size_t i, at = 0;
	const json_t *e;

	json_array_foreach(values, i, e)
		if (json_same(e, inst))
			return 0;
	list[0] = '\0';
	json_array_foreach(values, i, e) {
		if ((s = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
			continue;
		at += (size_t)snprintf(list + at, at < sizeof(list) ? sizeof(list) - at : 0,
		    "%s%s", i > 0 ? ", " : "", s);
		free(s);
		if (at >= sizeof(list))
			at = sizeof(list) - 1;
	}
	return fail(v, "must be one of %s", list);
}

static int
check_const(struct validator *v, const json_t *value, const json_t *inst)
{
	char *s;
	int rc;

	if (json_same(value, inst))
		return 0;
	s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
	rc = fail(v, "must be %s", s != NULL ? s : "the schema's constant");
	free(s);
	return rc;
}

static size_t
utf8_length(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

static int
check_string(struct validator *v, const json_t *schema, const json_t *inst)
{
	const json_t *k;
	size_t len;
	regex_t re;
	int rc;

	len = utf8_length(json_string_value(inst), json_string_length(inst));
	if (json_is_integer(k = json_object_get(schema, "minLength")) &&
	    (json_int_t)len < json_integer_value(k))
		return fail(v, "must be at least %lld characters long",
		    (long long)json_integer_value(k));
	if (json_is_integer(k = json_object_get(schema, "maxLength")) &&
	    (json_int_t)len > json_integer_value(k))
		return fail(v, "must be at most %lld characters long",
		    (long long)json_integer_value(k));
	if (json_is_string(k = json_object_get(schema, "pattern"))) {
		if (regcomp(&re, json_string_value(k), REG_EXTENDED | REG_NOSUB) != 0)
			return fail(v, "schema pattern %s is not a valid regular expression",
			    json_string_value(k));
		rc = regexec(&re, json_string_value(inst), 0, NULL, 0);
		regfree(&re);
		if (rc != 0)
			return fail(v, "does not match the pattern %s", json_string_value(k));
	}
	return 0;
}

static int
check_number(struct validator *v, const json_t *schema, const json_t *inst)
{
	double x = json_number_value(inst);
	const json_t *k;

	if (json_is_number(k = json_object_get(schema, "minimum")) && x < json_number_value(k))
		return fail(v, "must be >= %g", json_number_value(k));
	if (json_is_number(k = json_object_get(schema, "maximum")) && x > json_number_value(k))
		return fail(v, "must be <= %g", json_number_value(k));
	if (json_is_number(k = json_object_get(schema, "exclusiveMinimum")) &&
	    x <= json_number_value(k))
		return fail(v, "must be > %g", json_number_value(k));
	if (json_is_number(k = json_object_get(schema, "exclusiveMaximum")) &&
	    x >= json_number_value(k))
		return fail(v, "must be < %g", json_number_value(k));
	return 0;
}

static int
check_array(struct validator *v, const json_t *schema, const json_t *inst)
{
	const json_t *k, *items, *e;
	size_t n = json_array_size(inst), i, j, old;
	int rc;

	if (json_is_integer(k = json_object_get(schema, "minItems")) &&
	    (json_int_t)n < json_integer_value(k))
		return fail(v, "must have at least %lld item%s", (long long)json_integer_value(k),
		    json_integer_value(k) == 1 ? "" : "s");
	if (json_is_integer(k = json_object_get(schema, "maxItems")) &&
	    (json_int_t)n > json_integer_value(k))
		return fail(v, "must have at most %lld item%s", (long long)json_integer_value(k),
		    json_integer_value(k) == 1 ? "" : "s");
	if (json_is_true(json_object_get(schema, "uniqueItems"))) {
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (json_same(json_array_get(inst, i), json_array_get(inst, j)))
					return fail(v, "items %zu and %zu are equal; items must be "
					    "unique", i, j);
	}
	items = json_object_get(schema, "items");
	if (json_is_object(items) || json_is_boolean(items)) {
		json_array_foreach(inst, i, e) {
			old = path_push_index(v, i);
			rc = validate(v, items, e);
			path_pop(v, old);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int
list_keys(const json_t *props, char *out, size_t outlen)
{
	const char *key;
	const json_t *val;
	size_t at = 0;

	out[0] = '\0';
	json_object_foreach((json_t *)props, key, val) {
		(void)val;
		at += (size_t)snprintf(out + at, at < outlen ? outlen - at : 0, "%s%s",
		    at > 0 ? ", " : "", key);
		if (at >= outlen)
			at = outlen - 1;
	}
	return 0;
}

static int
check_object(struct validator *v, const json_t *schema, const json_t *inst)
{
	const json_t *props, *req, *addl, *sub, *val;
	const char *key;
	char allowed[256];
	size_t i, old;
	int rc;

	props = json_object_get(schema, "properties");
	req = json_object_get(schema, "required");
	addl = json_object_get(schema, "additionalProperties");
	json_array_foreach(req, i, val) {
		if (json_is_string(val) && json_object_get(inst, json_string_value(val)) == NULL) {
			old = path_push_key(v, json_string_value(val));
			rc = fail(v, "required property is missing");
			path_pop(v, old);
			return rc;
		}
	}
	json_object_foreach((json_t *)inst, key, val) {
		sub = json_object_get(props, key);
		if (sub == NULL)
			sub = addl;
		if (sub == NULL)
			continue;
		old = path_push_key(v, key);
		if (json_is_false(sub) && json_object_get(props, key) == NULL) {
			list_keys(props, allowed, sizeof(allowed));
			rc = fail(v, "unknown property (allowed: %s)",
			    allowed[0] != '\0' ? allowed : "none");
		} else
			rc = validate(v, sub, val);
		path_pop(v, old);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
check_any_of(struct validator *v, const json_t *alts, const json_t *inst)
{
	const json_t *alt;
	size_t i;

	json_array_foreach(alts, i, alt)
		if (validate(v, alt, inst) == 0)
			return 0;
	return fail(v, "matches none of the allowed forms");
}

static int
validate(struct validator *v, const json_t *schema, const json_t *inst)
{
	const json_t *k;
	int rc;

	if (json_is_true(schema))
		return 0;
	if (json_is_false(schema))
		return fail(v, "no value is allowed here");
	if (!json_is_object(schema))
		return 0;
	if (++v->depth > SCHEMA_MAX_DEPTH) {
		v->depth--;
		return fail(v, "nested too deeply (more than %d levels)", SCHEMA_MAX_DEPTH);
	}
	rc = 0;
	if ((k = json_object_get(schema, "type")) != NULL)
		rc = check_type(v, k, inst);
	if (rc == 0 && json_is_array(k = json_object_get(schema, "enum")))
		rc = check_enum(v, k, inst);
	if (rc == 0 && (k = json_object_get(schema, "const")) != NULL)
		rc = check_const(v, k, inst);
	if (rc == 0 && json_is_string(inst))
		rc = check_string(v, schema, inst);
	else if (rc == 0 && json_is_number(inst))
		rc = check_number(v, schema, inst);
	else if (rc == 0 && json_is_array(inst))
		rc = check_array(v, schema, inst);
	else if (rc == 0 && json_is_object(inst))
		rc = check_object(v, schema, inst);
	if (rc == 0 && json_is_array(k = json_object_get(schema, "anyOf")))
		rc = check_any_of(v, k, inst);
	v->depth--;
	return rc;
}

int
mcp_schema_validate(const json_t *schema, const json_t *instance, const char *path,
    char *err, size_t errlen)
{
	struct validator v;
	char dummy[1];

	memset(&v, 0, sizeof(v));
	v.err = err != NULL && errlen > 0 ? err : dummy;
	v.errlen = err != NULL && errlen > 0 ? errlen : sizeof(dummy);
	snprintf(v.path, sizeof(v.path), "%s", path != NULL ? path : "value");
	v.pathlen = strlen(v.path);
	v.err[0] = '\0';
	return validate(&v, schema, instance);
}
