/*
 * The three PATCH flavours: JSON merge patch (RFC 7386), Kubernetes strategic merge patch
 * (map merge, null deletion, list merge by the built-in types' merge keys, $patch
 * directives) and JSON patch (RFC 6902).  Each returns a new document; inputs are borrowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define PATCH_MAX_OPS	10000

json_t *
sim_patch_merge(const json_t *doc, const json_t *patch)
{
	json_t *res, *v;
	const char *k;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	res = json_is_object(doc) ? json_deep_copy(doc) : json_object();
	if (res == NULL)
		return NULL;
	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			json_object_del(res, k);
		} else {
			json_t *m = sim_patch_merge(json_object_get(res, k), v);

			if (m == NULL || json_object_set_new(res, k, m) < 0) {
				json_decref(res);
				return NULL;
			}
		}
	}
	return res;
}

/* ---- strategic merge patch ----------------------------------------------------------- */

/* The merge key of a list field of the built-in types (NULL: the list is replaced). */
static const char *
merge_key(const char *field, const json_t *elem)
{
	static const struct { const char *field, *key; } keys[] = {
		{ "containers", "name" }, { "initContainers", "name" },
		{ "ephemeralContainers", "name" }, { "env", "name" }, { "volumes", "name" },
		{ "volumeMounts", "mountPath" }, { "volumeDevices", "devicePath" },
		{ "conditions", "type" }, { "taints", "key" }, { "ownerReferences", "uid" },
		{ "imagePullSecrets", "name" }, { "hostAliases", "ip" },
		{ "topologySpreadConstraints", "topologyKey" }, { "addresses", "type" },
		{ "containerStatuses", "name" }, { "initContainerStatuses", "name" },
	};
	size_t i;

	if (strcmp(field, "ports") == 0) {
		if (json_object_get(elem, "containerPort"))
			return "containerPort";
		return "port";
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].field, field) == 0)
			return keys[i].key;
	return NULL;
}

static bool
primitive_merge_list(const char *field)
{
	return strcmp(field, "finalizers") == 0;
}

static json_t *smp(const json_t *doc, const json_t *patch, char *err, size_t errlen);

static ssize_t
find_by_key(const json_t *arr, const char *key, const json_t *val)
{
	size_t i;
	json_t *e;

	json_array_foreach((json_t *)arr, i, e) {
		if (json_equal(json_object_get(e, key), val))
			return (ssize_t)i;
	}
	return -1;
}

static json_t *
smp_list(const char *field, const json_t *cur, const json_t *patch, char *err, size_t errlen)
{
	json_t *res, *pe;
	const char *key;
	size_t i;

	if (!json_is_array(cur))
		cur = NULL;
	if (json_array_size(patch) == 0)
		return json_array();
	if (primitive_merge_list(field) && cur != NULL) {
		res = json_deep_copy(cur);
		json_array_foreach((json_t *)patch, i, pe) {
			size_t j;
			json_t *ce;
			bool have = false;

			json_array_foreach(res, j, ce)
				if (json_equal(ce, pe))
					have = true;
			if (!have)
				json_array_append(res, pe);
		}
		return res;
	}
	key = merge_key(field, json_array_get(patch, 0));
	if (key == NULL || cur == NULL || !json_is_object(json_array_get(patch, 0))) {
		/* Replace; drop directive-only elements. */
		res = json_array();
		json_array_foreach((json_t *)patch, i, pe) {
			const char *d = json_string_value(json_object_get(pe, "$patch"));

			if (d != NULL && strcmp(d, "delete") == 0)
				continue;
			if (json_is_object(pe)) {
				json_t *c = json_deep_copy(pe);

				json_object_del(c, "$patch");
				json_array_append_new(res, c);
			} else {
				json_array_append(res, pe);
			}
		}
		return res;
	}
	res = json_deep_copy(cur);
	if (res == NULL)
		return NULL;
	json_array_foreach((json_t *)patch, i, pe) {
		const char *d = json_string_value(json_object_get(pe, "$patch"));
		json_t *kv = json_object_get(pe, key);
		ssize_t at = kv ? find_by_key(res, key, kv) : -1;

		if (d != NULL && strcmp(d, "delete") == 0) {
			if (at >= 0)
				json_array_remove(res, (size_t)at);
			continue;
		}
		if (at >= 0) {
			json_t *m = smp(json_array_get(res, (size_t)at), pe, err, errlen);

			if (m == NULL) {
				json_decref(res);
				return NULL;
			}
			json_array_set_new(res, (size_t)at, m);
		} else {
			json_t *c = json_deep_copy(pe);

			json_object_del(c, "$patch");
			json_array_append_new(res, c);
		}
	}
	return res;
}

static json_t *
smp(const json_t *doc, const json_t *patch, char *err, size_t errlen)
{
	const char *k, *d;
	json_t *res, *v;

	if (!json_is_object(patch))
		return json_deep_copy(patch);
	d = json_string_value(json_object_get(patch, "$patch"));
	if (d != NULL && strcmp(d, "replace") == 0) {
		res = json_deep_copy(patch);
		json_object_del(res, "$patch");
		return res;
	}
	if (d != NULL && strcmp(d, "delete") == 0)
		return json_null();
	if (d != NULL && strcmp(d, "merge") != 0) {
		snprintf(err, errlen, "unknown patch type: %s", d);
		return NULL;
	}
	res = json_is_object(doc) ? json_deep_copy(doc) : json_object();
	if (res == NULL)
		return NULL;
	json_object_foreach((json_t *)patch, k, v) {
		json_t *m;

		if (k[0] == '$') {
			if (strncmp(k, "$deleteFromPrimitiveList/", 25) == 0) {
				json_t *arr = json_object_get(res, k + 25), *x;
				size_t i;

				json_array_foreach(v, i, x) {
					size_t j;

					for (j = json_array_size(arr); j > 0; j--)
						if (json_equal(json_array_get(arr, j - 1), x))
							json_array_remove(arr, j - 1);
				}
			}
			/* $setElementOrder/, $retainKeys, $patch: ordering/pruning hints. */
			continue;
		}
		if (json_is_null(v)) {
			json_object_del(res, k);
			continue;
		}
		if (json_is_array(v))
			m = smp_list(k, json_object_get(res, k), v, err, errlen);
		else
			m = smp(json_object_get(res, k), v, err, errlen);
		if (m == NULL) {
			json_decref(res);
			return NULL;
		}
		if (json_is_null(m)) {
			json_decref(m);
			json_object_del(res, k);
		} else {
			json_object_set_new(res, k, m);
		}
	}
	return res;
}

json_t *
sim_patch_strategic(const json_t *doc, const json_t *patch, char *err, size_t errlen)
{
	if (!json_is_object(patch)) {
		snprintf(err, errlen, "a strategic merge patch must be a JSON object");
		return NULL;
	}
	return smp(doc, patch, err, errlen);
}

/* ---- JSON patch (RFC 6902) -------------------------------------------------------------- */

/* Splits a JSON pointer into its parent container and last token (unescaped). */
static int
resolve(json_t *root, const char *ptr, json_t **parent, char *last, size_t lastlen)
{
	json_t *cur = root;
	const char *p = ptr;

	if (ptr[0] != '/')
		return -EINVAL;
	for (;;) {
		const char *next = strchr(p + 1, '/');
		size_t l = next ? (size_t)(next - p - 1) : strlen(p + 1), i, o = 0;

		if (l >= lastlen)
			return -EINVAL;
		for (i = 0; i < l; i++) {
			char c = p[1 + i];

			if (c == '~' && i + 1 < l && (p[2 + i] == '0' || p[2 + i] == '1')) {
				c = p[2 + i] == '0' ? '~' : '/';
				i++;
			}
			last[o++] = c;
		}
		last[o] = '\0';
		if (next == NULL) {
			*parent = cur;
			return 0;
		}
		if (json_is_object(cur)) {
			cur = json_object_get(cur, last);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long idx = strtoul(last, &end, 10);

			if (*end != '\0' || last[0] == '\0')
				return -EINVAL;
			cur = json_array_get(cur, idx);
		} else {
			return -ENOENT;
		}
		if (cur == NULL)
			return -ENOENT;
		p = next;
	}
}

static int
arr_index(const json_t *arr, const char *tok, bool allow_end, size_t *out)
{
	char *end;
	unsigned long i;

	if (allow_end && strcmp(tok, "-") == 0) {
		*out = json_array_size(arr);
		return 0;
	}
	if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0'))
		return -EINVAL;
	i = strtoul(tok, &end, 10);
	if (*end != '\0' || i > json_array_size(arr) ||
	    (!allow_end && i == json_array_size(arr)))
		return -EINVAL;
	*out = i;
	return 0;
}

/* Returns a borrowed pointer to the value at ptr, or NULL. */
static json_t *
ptr_get(json_t *root, const char *ptr)
{
	char last[512];
	json_t *parent;
	size_t i;

	if (ptr[0] == '\0')
		return root;
	if (resolve(root, ptr, &parent, last, sizeof(last)) < 0)
		return NULL;
	if (json_is_object(parent))
		return json_object_get(parent, last);
	if (json_is_array(parent) && arr_index(parent, last, false, &i) == 0)
		return json_array_get(parent, i);
	return NULL;
}

static int
ptr_remove(json_t *root, const char *ptr)
{
	char last[512];
	json_t *parent;
	size_t i;

	if (resolve(root, ptr, &parent, last, sizeof(last)) < 0)
		return -ENOENT;
	if (json_is_object(parent))
		return json_object_del(parent, last) == 0 ? 0 : -ENOENT;
	if (json_is_array(parent) && arr_index(parent, last, false, &i) == 0)
		return json_array_remove(parent, i) == 0 ? 0 : -ENOENT;
	return -ENOENT;
}

/* add (replace=false) or replace; steals `val`. */
static int
ptr_put(json_t *root, const char *ptr, json_t *val, bool replace)
{
	char last[512];
	json_t *parent;
	size_t i;

	if (resolve(root, ptr, &parent, last, sizeof(last)) < 0) {
		json_decref(val);
		return -ENOENT;
	}
	if (json_is_object(parent)) {
		if (replace && json_object_get(parent, last) == NULL) {
			json_decref(val);
			return -ENOENT;
		}
		return json_object_set_new(parent, last, val) == 0 ? 0 : -ENOMEM;
	}
	if (json_is_array(parent) && arr_index(parent, last, !replace, &i) == 0) {
		if (replace)
			return json_array_set_new(parent, i, val) == 0 ? 0 : -ENOMEM;
		return json_array_insert_new(parent, i, val) == 0 ? 0 : -ENOMEM;
	}
	json_decref(val);
	return -ENOENT;
}

json_t *
sim_patch_json(const json_t *doc, const json_t *ops, char *err, size_t errlen)
{
	json_t *res, *op;
	size_t i;

	if (!json_is_array(ops)) {
		snprintf(err, errlen, "a JSON patch must be an array of operations");
		return NULL;
	}
	if (json_array_size(ops) > PATCH_MAX_OPS) {
		snprintf(err, errlen, "too many JSON patch operations (max %d)", PATCH_MAX_OPS);
		return NULL;
	}
	res = json_deep_copy(doc);
	if (res == NULL)
		return NULL;
	json_array_foreach((json_t *)ops, i, op) {
		const char *o = json_string_value(json_object_get(op, "op"));
		const char *path = json_string_value(json_object_get(op, "path"));
		const char *from = json_string_value(json_object_get(op, "from"));
		json_t *val = json_object_get(op, "value"), *src;
		int rc = 0;

		if (o == NULL || path == NULL) {
			snprintf(err, errlen, "operation %zu: missing op or path", i);
			goto fail;
		}
		if (path[0] == '\0' && strcmp(o, "test") != 0) {
			snprintf(err, errlen, "operation %zu: the whole document cannot be "
			    "replaced", i);
			goto fail;
		}
		if (strcmp(o, "add") == 0 || strcmp(o, "replace") == 0) {
			if (val == NULL) {
				snprintf(err, errlen, "operation %zu: missing value", i);
				goto fail;
			}
			rc = ptr_put(res, path, json_deep_copy(val), o[0] == 'r');
		} else if (strcmp(o, "remove") == 0) {
			rc = ptr_remove(res, path);
		} else if (strcmp(o, "move") == 0 || strcmp(o, "copy") == 0) {
			if (from == NULL || (src = ptr_get(res, from)) == NULL) {
				snprintf(err, errlen, "operation %zu: from path %s not found", i,
				    from ? from : "(missing)");
				goto fail;
			}
			src = json_deep_copy(src);
			if (o[0] == 'm' && ptr_remove(res, from) < 0) {
				json_decref(src);
				rc = -ENOENT;
			} else {
				rc = ptr_put(res, path, src, false);
			}
		} else if (strcmp(o, "test") == 0) {
			if (!json_equal(ptr_get(res, path), val)) {
				snprintf(err, errlen, "testing value %s failed", path);
				goto fail;
			}
		} else {
			snprintf(err, errlen, "operation %zu: unknown op \"%s\"", i, o);
			goto fail;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s operation does not apply: doc is missing path: "
			    "\"%s\": missing value", o, path);
			goto fail;
		}
	}
	return res;
fail:
	json_decref(res);
	return NULL;
}
