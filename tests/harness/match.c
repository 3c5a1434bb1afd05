/*
 * JSON patterns for expected messages.  A pattern is plain JSON where objects match as
 * subsets (extra members in the message are fine), arrays match element by element with
 * the same length, and a few strings starting with '$' are placeholders:
 *
 *   "$any"        any value (the member must exist)      "$absent"   the member must not exist
 *   "$string" "$number" "$integer" "$boolean" "$object" "$array" "$null"
 *   "$nonempty"   a non-empty string, array or object
 *   "$re:REGEX"   a string matching the POSIX extended regex (unanchored)
 *   "$save:NAME"  anything; remembered as NAME       "$var:NAME"  equal to the saved NAME
 *   "$$text"      the literal string "$text"
 *   {"$oneof": [p1, p2]}          any of the patterns
 *   ["$each", p]                  a non-empty array whose every element matches p
 *   ["$contains", p1, p2, …]      an array with distinct elements matching each pattern
 *   ["$unordered", p1, p2, …]     same length, any order
 *
 * Numbers compare by type as well as value: an id sent as 1 must not come back as 1.0.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MATCH_PATH_MAX	256
#define MATCH_DUMP	300

struct mctx {
	json_t	*vars;
	char	 path[MATCH_PATH_MAX];
	char	*why;
	size_t	 whylen;
};

static int match_value(struct mctx *m, const json_t *pat, const json_t *got);

char *
match_dump(const json_t *v, size_t max)
{
	char *s, *cut;

	if (v == NULL)
		return strdup("(absent)");
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		return strdup("(unprintable)");
	if (strlen(s) <= max)
		return s;
	if ((cut = malloc(max + 8)) == NULL)
		return s;
	memcpy(cut, s, max);
	strcpy(cut + max, "…");
	free(s);
	return cut;
}

static int
match_fail(struct mctx *m, const char *expected, const json_t *got)
{
	char *g = match_dump(got, MATCH_DUMP);

	snprintf(m->why, m->whylen, "at %s: expected %s got %s",
	    m->path[0] != '\0' ? m->path : "$", expected, g != NULL ? g : "?");
	free(g);
	return 0;
}

static size_t
match_path_push(struct mctx *m, const char *key, size_t index, int is_index)
{
	size_t len = strlen(m->path);

	if (len == 0)
		strcpy(m->path, "$");
	len = strlen(m->path);
	if (is_index)
		snprintf(m->path + len, sizeof(m->path) - len, "[%zu]", index);
	else
		snprintf(m->path + len, sizeof(m->path) - len, ".%s", key);
	return len;
}

static const char *
match_typename(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static int
match_placeholder(struct mctx *m, const char *p, const json_t *got)
{
	char msg[MATCH_PATH_MAX + 64];
	json_t *saved;
	regex_t re;
	int rc;

	if (got == NULL)
		return strcmp(p, "$absent") == 0 ? 1 : match_fail(m, p, got);
	if (strcmp(p, "$absent") == 0)
		return match_fail(m, "absent", got);
	if (strcmp(p, "$any") == 0)
		return 1;
	if (strcmp(p, "$string") == 0)
		return json_is_string(got) ? 1 : match_fail(m, "a string", got);
	if (strcmp(p, "$number") == 0)
		return json_is_number(got) ? 1 : match_fail(m, "a number", got);
	if (strcmp(p, "$integer") == 0)
		return json_is_integer(got) ? 1 : match_fail(m, "an integer", got);
	if (strcmp(p, "$boolean") == 0)
		return json_is_boolean(got) ? 1 : match_fail(m, "a boolean", got);
	if (strcmp(p, "$object") == 0)
		return json_is_object(got) ? 1 : match_fail(m, "an object", got);
	if (strcmp(p, "$array") == 0)
		return json_is_array(got) ? 1 : match_fail(m, "an array", got);
	if (strcmp(p, "$null") == 0)
		return json_is_null(got) ? 1 : match_fail(m, "null", got);
	if (strcmp(p, "$nonempty") == 0) {
		if ((json_is_string(got) && json_string_length(got) > 0) ||
		    (json_is_array(got) && json_array_size(got) > 0) ||
		    (json_is_object(got) && json_object_size(got) > 0))
			return 1;
		return match_fail(m, "a non-empty string, array or object", got);
	}
	if (strncmp(p, "$re:", 4) == 0) {
		if (!json_is_string(got))
			return match_fail(m, "a string (for a regex)", got);
		if (regcomp(&re, p + 4, REG_EXTENDED | REG_NOSUB) != 0) {
			snprintf(m->why, m->whylen, "bad regex in script: %s", p + 4);
			return 0;
		}
		rc = regexec(&re, json_string_value(got), 0, NULL, 0);
		regfree(&re);
		if (rc != 0) {
			snprintf(msg, sizeof(msg), "a string matching /%s/", p + 4);
			return match_fail(m, msg, got);
		}
		return 1;
	}
	if (strncmp(p, "$save:", 6) == 0) {
		json_object_set(m->vars, p + 6, (json_t *)got);
		return 1;
	}
	if (strncmp(p, "$var:", 5) == 0) {
		if ((saved = json_object_get(m->vars, p + 5)) == NULL) {
			snprintf(m->why, m->whylen, "script uses $var:%s before saving it", p + 5);
			return 0;
		}
		if (json_equal(saved, got) && json_typeof(saved) == json_typeof(got))
			return 1;
		snprintf(msg, sizeof(msg), "the value saved as %s", p + 5);
		return match_fail(m, msg, got);
	}
	snprintf(m->why, m->whylen, "unknown placeholder in script: %s", p);
	return 0;
}

static int
match_object(struct mctx *m, const json_t *pat, const json_t *got)
{
	const char *key;
	json_t *pv, *alts;
	size_t mark;
	int ok;

	if ((alts = json_object_get(pat, "$oneof")) != NULL && json_object_size(pat) == 1) {
		size_t i;
		json_t *alt;

		mark = strlen(m->path);
		json_array_foreach(alts, i, alt) {
			if (match_value(m, alt, got))
				return 1;
			m->path[mark] = '\0';
		}
		return match_fail(m, "one of the $oneof patterns", got);
	}
	if (got == NULL || !json_is_object(got))
		return match_fail(m, "an object", got);
	json_object_foreach((json_t *)pat, key, pv) {
		mark = match_path_push(m, key, 0, 0);
		ok = match_value(m, pv, json_object_get(got, key));
		if (!ok)
			return 0;
		m->path[mark] = '\0';
	}
	return 1;
}

/* Finds distinct elements of `got` for pat[first..]; used by $contains and $unordered. */
static int
match_array_some(struct mctx *m, const json_t *pat, size_t first, const json_t *got)
{
	size_t n = json_array_size(got), i, j, mark = strlen(m->path);
	char *used;
	int ok = 1;

	if ((used = calloc(n + 1, 1)) == NULL)
		return match_fail(m, "memory", got);
	for (i = first; i < json_array_size(pat) && ok; i++) {
		ok = 0;
		for (j = 0; j < n && !ok; j++) {
			if (used[j])
				continue;
			mark = match_path_push(m, NULL, j, 1);
			if (match_value(m, json_array_get(pat, i), json_array_get(got, j))) {
				used[j] = 1;
				ok = 1;
			}
			m->path[mark] = '\0';
		}
		if (!ok) {
			char *pd = match_dump(json_array_get(pat, i), 120);
			char msg[256];

			snprintf(msg, sizeof(msg), "an element matching %s", pd ? pd : "?");
			free(pd);
			match_fail(m, msg, got);
		}
	}
	free(used);
	return ok;
}

static int
match_array(struct mctx *m, const json_t *pat, const json_t *got)
{
	const char *mode = json_string_value(json_array_get(pat, 0));
	size_t i, mark;
	char msg[64];

	if (got == NULL || !json_is_array(got))
		return match_fail(m, "an array", got);
	if (mode != NULL && strcmp(mode, "$each") == 0) {
		if (json_array_size(got) == 0)
			return match_fail(m, "a non-empty array", got);
		for (i = 0; i < json_array_size(got); i++) {
			mark = match_path_push(m, NULL, i, 1);
			if (!match_value(m, json_array_get(pat, 1), json_array_get(got, i)))
				return 0;
			m->path[mark] = '\0';
		}
		return 1;
	}
	if (mode != NULL && strcmp(mode, "$contains") == 0)
		return match_array_some(m, pat, 1, got);
	if (mode != NULL && strcmp(mode, "$unordered") == 0) {
		if (json_array_size(got) != json_array_size(pat) - 1) {
			snprintf(msg, sizeof(msg), "an array of %zu", json_array_size(pat) - 1);
			return match_fail(m, msg, got);
		}
		return match_array_some(m, pat, 1, got);
	}
	if (json_array_size(got) != json_array_size(pat)) {
		snprintf(msg, sizeof(msg), "an array of %zu", json_array_size(pat));
		return match_fail(m, msg, got);
	}
	for (i = 0; i < json_array_size(pat); i++) {
		mark = match_path_push(m, NULL, i, 1);
		if (!match_value(m, json_array_get(pat, i), json_array_get(got, i)))
			return 0;
		m->path[mark] = '\0';
	}
	return 1;
}

static int
match_value(struct mctx *m, const json_t *pat, const json_t *got)
{
	const char *s;
	char *pd;
	int ok;

	if (json_is_string(pat) && (s = json_string_value(pat))[0] == '$') {
		if (s[1] != '$')
			return match_placeholder(m, s, got);
		if (got != NULL && json_is_string(got) && strcmp(json_string_value(got), s + 1) == 0)
			return 1;
		return match_fail(m, s + 1, got);
	}
	if (json_is_object(pat))
		return match_object(m, pat, got);
	if (json_is_array(pat))
		return match_array(m, pat, got);
	if (got != NULL && json_typeof(pat) == json_typeof(got) && json_equal(pat, got))
		return 1;
	pd = match_dump(pat, 120);
	if (got != NULL && json_is_number(pat) && json_is_number(got) &&
	    json_number_value(pat) == json_number_value(got)) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%s (%s)", pd ? pd : "?", match_typename(pat));
		ok = match_fail(m, msg, got);
	} else {
		ok = match_fail(m, pd ? pd : "?", got);
	}
	free(pd);
	return ok;
}

int
match_json(const json_t *pat, const json_t *got, json_t *vars, char *why, size_t whylen)
{
	struct mctx m = { .vars = vars, .why = why, .whylen = whylen };

	why[0] = '\0';
	return match_value(&m, pat, got);
}

json_t *
match_subst(const json_t *v, json_t *vars, char *why, size_t whylen)
{
	const char *key, *s;
	json_t *out, *x, *c;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		if (strncmp(s, "$var:", 5) != 0)
			return json_copy((json_t *)v);
		if ((x = json_object_get(vars, s + 5)) == NULL) {
			snprintf(why, whylen, "script uses $var:%s before saving it", s + 5);
			return NULL;
		}
		return json_deep_copy(x);
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)v, key, x) {
			if ((c = match_subst(x, vars, why, whylen)) == NULL) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, key, c);
		}
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, x) {
			if ((c = match_subst(x, vars, why, whylen)) == NULL) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, c);
		}
		return out;
	default:
		return json_copy((json_t *)v);
	}
}

static int
match_is_one(const json_t *v, char *why, size_t whylen)
{
	const json_t *id, *err;

	if (!json_is_object(v)) {
		snprintf(why, whylen, "not an object");
		return 0;
	}
	if (!json_is_string(json_object_get(v, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(v, "jsonrpc")), "2.0") != 0) {
		snprintf(why, whylen, "without \"jsonrpc\":\"2.0\"");
		return 0;
	}
	id = json_object_get(v, "id");
	if (json_object_get(v, "method") != NULL) {
		if (!json_is_string(json_object_get(v, "method"))) {
			snprintf(why, whylen, "a message whose method is not a string");
			return 0;
		}
		if (id != NULL && !json_is_string(id) && !json_is_integer(id)) {
			snprintf(why, whylen, "a request whose id is neither string nor integer");
			return 0;
		}
		return 1;
	}
	if (id == NULL || !(json_is_string(id) || json_is_integer(id) || json_is_null(id))) {
		snprintf(why, whylen, "a response without a valid id");
		return 0;
	}
	err = json_object_get(v, "error");
	if ((json_object_get(v, "result") != NULL) == (err != NULL)) {
		snprintf(why, whylen, "a response without exactly one of result and error");
		return 0;
	}
	if (err != NULL && (!json_is_integer(json_object_get(err, "code")) ||
	    !json_is_string(json_object_get(err, "message")))) {
		snprintf(why, whylen, "an error without an integer code and a string message");
		return 0;
	}
	return 1;
}

int
match_is_jsonrpc(const json_t *v, char *why, size_t whylen)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v))
		return match_is_one(v, why, whylen);
	if (json_array_size(v) == 0) {
		snprintf(why, whylen, "an empty batch");
		return 0;
	}
	json_array_foreach(v, i, x) {
		if (!match_is_one(x, why, whylen))
			return 0;
	}
	return 1;
}
