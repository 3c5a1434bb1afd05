/*
 * Small helpers of the kube module: byte blobs (wiped on free), base64, whole-file
 * reads with a cap, path resolution, and the libyaml → jansson conversion used for
 * kubeconfig files (YAML or JSON).
 *
 * libyaml resolves aliases to node indices, so `&a [ *a ]` is a cycle and a few nested
 * aliases expand exponentially; the walker therefore has a depth limit and a budget of
 * nodes it will emit.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "kube_int.h"

#define YAML_MAX_DEPTH	64
#define YAML_MAX_NODES	200000

void
kube_err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
kube_blob_free(struct kube_blob *b)
{
	if (b->data != NULL) {
		strata_wipe(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

int
kube_blob_dup(struct kube_blob *dst, const void *p, size_t n)
{
	unsigned char *d;

	if ((d = malloc(n + 1)) == NULL)
		return -ENOMEM;
	memcpy(d, p, n);
	d[n] = '\0';
	kube_blob_free(dst);
	dst->data = d;
	dst->len = n;
	return 0;
}

static int
b64_val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

int
kube_base64_decode(const char *in, struct kube_blob *out)
{
	size_t n = strlen(in), o = 0;
	unsigned char *d;
	unsigned acc = 0;
	int bits = 0, pad = 0, v;

	if ((d = malloc(n / 4 * 3 + 4)) == NULL)
		return -ENOMEM;
	for (; *in != '\0'; in++) {
		if (isspace((unsigned char)*in))
			continue;
		if (*in == '=') {
			pad++;
			continue;
		}
		if (pad != 0 || (v = b64_val((unsigned char)*in)) < 0)
			goto fail;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (bits >= 6 || pad > 2)
		goto fail;
	d[o] = '\0';
	kube_blob_free(out);
	out->data = d;
	out->len = o;
	return 0;
fail:
	strata_wipe(d, n / 4 * 3 + 4);
	free(d);
	return -EINVAL;
}

int
kube_file_read(const char *path, size_t cap, struct kube_blob *out)
{
	struct sbuf b = SBUF_INIT(cap);
	char chunk[4096];
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		if ((rc = sbuf_append(&b, chunk, (size_t)n)) != 0) {
			if (rc == -E2BIG)
				rc = -EFBIG;
			break;
		}
	}
	close(fd);
	strata_wipe(chunk, sizeof(chunk));
	if (rc != 0) {
		sbuf_wipe(&b);
		return rc;
	}
	kube_blob_free(out);
	if (b.data == NULL && (b.data = calloc(1, 1)) == NULL)
		return -ENOMEM;
	out->len = b.len;
	out->data = (unsigned char *)sbuf_detach(&b, NULL);
	return 0;
}

char *
kube_path_resolve(const char *dir, const char *path)
{
	char *p;
	size_t n;

	if (path[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(path);
	n = strlen(dir) + strlen(path) + 2;
	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%s/%s", dir, path);
	return p;
}

int
kube_json_bool(const json_t *v, int *out)
{
	const char *s;

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off") ||
	    s[0] == '\0')
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

struct yconv {
	yaml_document_t	*doc;
	size_t		 budget;
	char		*err;
	size_t		 errlen;
};

static json_t *
yaml_node_to_json(struct yconv *y, yaml_node_t *node, int depth)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	json_t *out = NULL, *child;

	if (node == NULL) {
		kube_err_set(y->err, y->errlen, "dangling YAML node");
		return NULL;
	}
	if (depth > YAML_MAX_DEPTH) {
		kube_err_set(y->err, y->errlen,
		    "nested deeper than %d levels (alias cycle?) at line %lu", YAML_MAX_DEPTH,
		    (unsigned long)node->start_mark.line + 1);
		return NULL;
	}
	if (y->budget == 0) {
		kube_err_set(y->err, y->errlen, "more than %d nodes (alias expansion?)",
		    YAML_MAX_NODES);
		return NULL;
	}
	y->budget--;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    ((node->data.scalar.length == 1 && node->data.scalar.value[0] == '~') ||
		    (node->data.scalar.length == 4 &&
		    !memcmp(node->data.scalar.value, "null", 4)) ||
		    node->data.scalar.length == 0))
			return json_null();
		out = json_stringn((const char *)node->data.scalar.value,
		    node->data.scalar.length);
		if (out == NULL)
			kube_err_set(y->err, y->errlen, "invalid UTF-8 at line %lu",
			    (unsigned long)node->start_mark.line + 1);
		return out;
	case YAML_SEQUENCE_NODE:
		if ((out = json_array()) == NULL)
			goto nomem;
		for (it = node->data.sequence.items.start; it < node->data.sequence.items.top;
		    it++) {
			child = yaml_node_to_json(y, yaml_document_get_node(y->doc, *it),
			    depth + 1);
			if (child == NULL || json_array_append_new(out, child) != 0)
				goto fail;
		}
		return out;
	case YAML_MAPPING_NODE:
		if ((out = json_object()) == NULL)
			goto nomem;
		for (pair = node->data.mapping.pairs.start;
		    pair < node->data.mapping.pairs.top; pair++) {
			k = yaml_document_get_node(y->doc, pair->key);
			v = yaml_document_get_node(y->doc, pair->value);
			if (k == NULL || k->type != YAML_SCALAR_NODE) {
				kube_err_set(y->err, y->errlen,
				    "mapping key is not a scalar at line %lu",
				    (unsigned long)node->start_mark.line + 1);
				goto fail;
			}
			if ((child = yaml_node_to_json(y, v, depth + 1)) == NULL)
				goto fail;
			if (json_object_setn_new(out, (const char *)k->data.scalar.value,
			    k->data.scalar.length, child) != 0) {
				kube_err_set(y->err, y->errlen, "bad key at line %lu",
				    (unsigned long)k->start_mark.line + 1);
				goto fail;
			}
		}
		return out;
	default:
		kube_err_set(y->err, y->errlen, "empty YAML node");
		return NULL;
	}
nomem:
	kube_err_set(y->err, y->errlen, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

json_t *
kube_yaml_load(const char *buf, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct yconv y;
	json_t *out = NULL;

	if (!yaml_parser_initialize(&parser)) {
		kube_err_set(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		kube_err_set(err, errlen, "YAML syntax error at line %lu column %lu: %s",
		    (unsigned long)parser.problem_mark.line + 1,
		    (unsigned long)parser.problem_mark.column + 1,
		    parser.problem != NULL ? parser.problem : "unknown");
		yaml_parser_delete(&parser);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		out = json_object();	/* an empty file is an empty config */
	} else {
		y.doc = &doc;
		y.budget = YAML_MAX_NODES;
		y.err = err;
		y.errlen = errlen;
		out = yaml_node_to_json(&y, root, 0);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return out;
}

static void
json_wipe_strings(json_t *v, int depth)
{
	const char *key;
	json_t *child;
	size_t i;

	if (depth > YAML_MAX_DEPTH + 2)
		return;
	if (json_is_string(v)) {
		strata_wipe((char *)(uintptr_t)json_string_value(v), json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, child)
			json_wipe_strings(child, depth + 1);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			json_wipe_strings(child, depth + 1);
	}
}

/*
 * Overwrites every string in a tree parsed from a kubeconfig (tokens, key data) and
 * releases it.  The tree must not be shared.
 */
void
kube_json_wipe_decref(json_t *v)
{
	if (v == NULL)
		return;
	if (v->refcount == 1)
		json_wipe_strings(v, 0);
	json_decref(v);
}

char *
kube_strprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
