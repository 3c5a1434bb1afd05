/*
 * What must never reach the journal: Secret payloads (and the last-applied annotation
 * that repeats them) and managedFields (large, and useless for a rollback).  The walk
 * covers nested Lists and any object that carries `kind` and `metadata`.
 */
#include <string.h>

#include "strata/coord_store.h"

#define LAST_APPLIED	"kubectl.kubernetes.io/last-applied-configuration"

static size_t
del(json_t *obj, const char *key)
{
	return json_object_del(obj, key) == 0 ? 1 : 0;
}

size_t
coord_store_sanitize(json_t *v)
{
	size_t n = 0, i;
	const char *key, *kind;
	json_t *child, *md;

	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			n += coord_store_sanitize(child);
		return n;
	}
	if (!json_is_object(v))
		return 0;
	md = json_object_get(v, "metadata");
	if (json_is_object(md))
		n += del(md, "managedFields");
	kind = json_string_value(json_object_get(v, "kind"));
	if (kind != NULL && strcmp(kind, "Secret") == 0) {
		n += del(v, "data");
		n += del(v, "stringData");
		if (json_is_object(md))
			n += del(json_object_get(md, "annotations"), LAST_APPLIED);
	}
	json_object_foreach(v, key, child)
		n += coord_store_sanitize(child);
	return n;
}
