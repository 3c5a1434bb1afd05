/*
 * The allocation-free JSON scanner: a table of malformed inputs all refused (and by
 * jansson too), every input held in a buffer of exactly its size (so that ASan sees any
 * read past the end), agreement with jansson on the scenario corpus (a tree rebuilt from
 * the scanner's slices equals json_loadb's), and on thousands of mutated and truncated
 * documents: the scanner accepts exactly what jansson accepts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/jscan.h"
#include "strata/util.h"
#include "testutil.h"

static uint32_t rng = 2463534242u;

static uint32_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Deterministic (fixed seed): the same mutations every run. */
static int
xorshift_bit(void)
{
	return (int)(xorshift() >> 7) & 1;
}

/* A copy of s[0..n) in a buffer of exactly n bytes (no terminator to lean on). */
static char *
exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	return p;
}

static int
scan_ok(const char *s, size_t n)
{
	struct jscan_val v;
	char *b = exact(s, n);
	size_t pos = 0;
	int rc = jscan_doc(b, n, &v, &pos);

	if (rc == 0)
		ck_assert(v.p >= b && v.p + v.len <= b + n);
	else
		ck_assert_uint_le(pos, n);
	free(b);
	return rc == 0;
}

static int
jansson_ok(const char *s, size_t n)
{
	json_error_t e;
	json_t *j = json_loadb(s, n, 0, &e);

	json_decref(j);
	return j != NULL;
}

static const char *const bad[] = {
	"", " ", "{", "}", "[", "]", "{]", "[}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
	"{a:1}", "{'a':1}", "{\"a\":1,}", "[1,]", "[,1]", "[1 2]", "{\"a\":1 \"b\":2}",
	"[01]", "[-]", "[-01]", "[1.]", "[.5]", "[1e]", "[1e+]", "[+1]", "[0x10]",
	"[1.5e]", "[--1]", "[1-]", "[tru]", "[truex]", "[nul]", "[nulll]", "[False]",
	"[NaN]", "[Infinity]", "[\"abc]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\u12g4\"]",
	"[\"\\u0000\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]",
	"[\"\\ud800x\"]", "[\"a\tb\"]", "[\"a\nb\"]", "[\"\x01\"]",
	"[\"abcdefghijklmnop\x01qr\"]", "[\"abcdefghij\xc3\x28klmnopqrstuv\"]",
	"[\"abcdefghijklmnopqrstuvwxyz", "[\"abcdefgh\\qijklmnopqrstuvwxyz\"]",
	"[\"\xc0\x80\"]", "[\"\xc1\xbf\"]", "[\"\xe0\x80\x80\"]", "[\"\xed\xa0\x80\"]",
	"[\"\xf4\x90\x80\x80\"]", "[\"\xf5\x80\x80\x80\"]", "[\"\x80\"]", "[\"\xc3\"]",
	"[\"\xe2\x82\"]", "[\"\xff\"]", "{\"\xc3\x28\":1}", "[9223372036854775808]",
	"[-9223372036854775809]", "[99999999999999999999999]", "[1e400]", "[-1e400]",
	"{} {}", "{}x", "[] ,", "1", "\"s\"", "true", "null", "{\"a\":1}}", "[[]]]",
	"\xef\xbb\xbf{}", "[\"\\", "[\"\\u", "{\"a\":[1,{\"b\":}]}", "[1,\xc3\xa9]",
	"{\"a\":1,\"a\"}", "[\x7f]", "{\"\\u0000\":1}",
};

START_TEST(malformed_are_refused)
{
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(bad); i++) {
		size_t n = strlen(bad[i]);

		ck_assert_msg(!jansson_ok(bad[i], n), "table entry %zu is valid JSON", i);
		ck_assert_msg(!scan_ok(bad[i], n), "accepted malformed entry %zu: %s", i, bad[i]);
	}
}
END_TEST

static const char *const good[] = {
	"{}", "[]", " \t\r\n{ } \n", "[0]", "[-0]", "[1.5e-3]", "[1E+2]", "[-12.0e10]",
	"[9223372036854775807]", "[-9223372036854775808]", "[1e308]", "[1e-400]",
	"[true,false,null]", "{\"a\":{\"b\":[1,{\"c\":\"d\"}]}}", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
	"[\"\\u00e9\\uD83D\\uDE00\"]", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"]",
	"{\"\":\"\"}", "[\"abcdefghijklmnopqrstuvwxyz0123456789\\\"abcdefgh\xc3\xa9ijklmnop\"]", "[\"\xef\xbf\xbf\"]", "[\"\xf4\x8f\xbf\xbf\"]",
};

START_TEST(valid_are_accepted)
{
	size_t i;

	for (i = 0; i < STRATA_ARRAY_LEN(good); i++) {
		size_t n = strlen(good[i]);

		ck_assert_msg(jansson_ok(good[i], n), "table entry %zu is not valid JSON", i);
		ck_assert_msg(scan_ok(good[i], n), "refused valid entry %zu: %s", i, good[i]);
	}
}
END_TEST

static int
nested_ok(size_t depth, int (*ok)(const char *, size_t))
{
	char *s = malloc(depth * 2);
	int r;

	ck_assert_ptr_nonnull(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	r = ok(s, depth * 2);
	free(s);
	return r;
}

START_TEST(depth_limit_is_jansson_s)
{
	ck_assert(nested_ok(JSCAN_MAX_DEPTH, jansson_ok));
	ck_assert(nested_ok(JSCAN_MAX_DEPTH, scan_ok));
	ck_assert(!nested_ok(JSCAN_MAX_DEPTH + 1, jansson_ok));
	ck_assert(!nested_ok(JSCAN_MAX_DEPTH + 1, scan_ok));
	ck_assert(!nested_ok(100000, scan_ok));
}
END_TEST

/* Rebuilds a jansson tree from the scanner's slices (decoding strings and numbers). */
static json_t *
to_json(const struct jscan_val *v)
{
	struct jscan_iter it;
	struct jscan_val k, e;
	json_t *o = NULL, *c;
	char *buf;
	int64_t n;
	int rc;

	switch (v->type) {
	case JSCAN_OBJECT:
		o = json_object();
		jscan_iter_init(&it, v);
		while ((rc = jscan_next_member(&it, &k, &e)) > 0) {
			buf = malloc(k.len);
			ck_assert_int_ge(jscan_str_copy(&k, buf, k.len), 0);
			ck_assert(jscan_str_eq(&k, buf));
			c = to_json(&e);
			ck_assert_ptr_nonnull(c);
			json_object_set_new(o, buf, c);
			free(buf);
		}
		ck_assert_int_eq(rc, 0);
		return o;
	case JSCAN_ARRAY:
		o = json_array();
		jscan_iter_init(&it, v);
		while ((rc = jscan_next_elem(&it, &e)) > 0)
			json_array_append_new(o, to_json(&e));
		ck_assert_int_eq(rc, 0);
		return o;
	case JSCAN_STRING:
		buf = malloc(v->len);
		ck_assert_int_ge(jscan_str_copy(v, buf, v->len), 0);
		o = json_string(buf);
		free(buf);
		return o;
	case JSCAN_NUMBER:
		if (jscan_int(v, &n) == 0)
			return json_integer(n);
		buf = malloc(v->len + 1);
		memcpy(buf, v->p, v->len);
		buf[v->len] = '\0';
		o = json_real(strtod(buf, NULL));
		free(buf);
		return o;
	case JSCAN_TRUE:
		return json_true();
	case JSCAN_FALSE:
		return json_false();
	case JSCAN_NULL:
		return json_null();
	default:
		return NULL;
	}
}

/*
 * The same through the single-pass API: members' values are entered (jscan_enter …
 * jscan_leave) when they are containers, skipped otherwise.  NULL on any error.
 */
static int dive_exact;	/* 1: always jscan_skip (so the tree can be compared) */

static json_t *
dive(struct jscan_iter *it)
{
	struct jscan_iter sub;
	struct jscan_val k, v;
	json_t *o, *c;
	char *buf;
	int rc;

	if (it->type == JSCAN_ARRAY) {
		o = json_array();
		while ((rc = jscan_next_elem(it, &v)) > 0)
			json_array_append_new(o, to_json(&v));
		if (rc < 0) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	o = json_object();
	while ((rc = jscan_next_key(it, &k)) > 0) {
		buf = malloc(k.len);
		ck_assert_int_ge(jscan_str_copy(&k, buf, k.len), 0);
		if ((rc = jscan_enter(it, &sub)) == 1) {
			c = dive(&sub);
			if (jscan_leave(it, &sub) < 0) {
				json_decref(c);
				c = NULL;
			}
		} else if (rc == 0 && (dive_exact || xorshift_bit() ? jscan_skip(it, &v) == 0 :
		    (v.type = JSCAN_NONE, 1))) {
			/* sometimes leave the value for jscan_next_key to skip */
			c = v.type != JSCAN_NONE ? to_json(&v) : json_string("(skipped)");
		} else {
			c = NULL;
		}
		if (c == NULL) {
			free(buf);
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, buf, c);
		free(buf);
	}
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
dive_doc(const char *b, size_t n)
{
	struct jscan_iter it;
	json_t *o;

	if (jscan_open(&it, b, n) < 0)
		return NULL;
	if ((o = dive(&it)) != NULL && jscan_close(&it) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static char *
file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n > 0 ? (size_t)n : 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static size_t
corpus_agree(const char *dir)
{
	struct dirent *de;
	size_t count = 0;
	DIR *dp = opendir(dir);

	ck_assert_ptr_nonnull(dp);
	while ((de = readdir(dp)) != NULL) {
		char path[512];
		struct jscan_val v;
		json_error_t jerr;
		json_t *ref, *mine;
		size_t len, n = strlen(de->d_name);
		char *buf;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = file_read(path, &len);
		ref = json_loadb(buf, len, 0, &jerr);
		ck_assert_msg(ref != NULL, "%s: %s", path, jerr.text);
		ck_assert_msg(jscan_doc(buf, len, &v, NULL) == 0, "%s refused", path);
		mine = to_json(&v);
		ck_assert_msg(json_equal(ref, mine), "%s: the scanner reads it differently",
		    path);
		json_decref(mine);
		dive_exact = 1;
		mine = dive_doc(buf, len);
		dive_exact = 0;
		ck_assert_msg(mine != NULL, "%s refused by the single-pass walk", path);
		ck_assert_msg(json_equal(ref, mine), "%s: the single-pass walk reads it "
		    "differently", path);
		json_decref(ref);
		json_decref(mine);
		free(buf);
		count++;
	}
	closedir(dp);
	return count;
}

START_TEST(corpus_agrees_with_jansson)
{
	ck_assert_uint_ge(corpus_agree("tests/scenarios"), 40);
	ck_assert_uint_ge(corpus_agree("examples/scenarios"), 6);
}
END_TEST

START_TEST(lookup_keeps_the_last_duplicate)
{
	static const char doc[] = "{\"a\":1, \"b\":{\"c\":\"x\"}, \"a\":[2], \"k\\u0065y\":\"v\"}";
	static const char *const keys[] = { "a", "b", "key", "missing" };
	struct jscan_val v, out[4], sub;
	char *b = exact(doc, sizeof(doc) - 1);
	json_t *j = json_loadb(doc, sizeof(doc) - 1, 0, NULL);

	ck_assert_int_eq(jscan_doc(b, sizeof(doc) - 1, &v, NULL), 0);
	ck_assert_int_eq(jscan_get_many(&v, keys, 4, out), 3);
	ck_assert_int_eq(out[0].type, JSCAN_ARRAY);	/* the second "a", as in jansson */
	ck_assert(json_is_array(json_object_get(j, "a")));
	ck_assert_int_eq(out[1].type, JSCAN_OBJECT);
	ck_assert(jscan_str_eq(&out[2], "v"));		/* escaped key matched */
	ck_assert_int_eq(out[3].type, JSCAN_NONE);
	ck_assert_int_eq(jscan_get(&out[1], "c", &sub), 1);
	ck_assert(jscan_str_eq(&sub, "x"));
	ck_assert(!jscan_str_eq(&sub, "xy"));
	ck_assert_int_eq(jscan_get(&out[0], "c", &sub), 0);	/* an array: nothing */
	json_decref(j);
	free(b);
}
END_TEST

START_TEST(strings_and_integers_decode)
{
	static const char doc[] = "[\"a\\\"b\\u00e9\\ud83d\\ude00\\n\", 42, -9223372036854775808, "
	    "1.5, 123456789012]";
	struct jscan_val v, e;
	struct jscan_iter it;
	char out[32], tiny[4];
	int64_t n;

	ck_assert_int_eq(jscan_doc(doc, sizeof(doc) - 1, &v, NULL), 0);
	jscan_iter_init(&it, &v);
	ck_assert_int_eq(jscan_next_elem(&it, &e), 1);
	ck_assert_int_eq(jscan_str_copy(&e, out, sizeof(out)), 10);
	ck_assert_str_eq(out, "a\"b\xc3\xa9\xf0\x9f\x98\x80\n");
	ck_assert(jscan_str_eq(&e, "a\"b\xc3\xa9\xf0\x9f\x98\x80\n"));
	ck_assert(!jscan_str_eq(&e, "a\"b"));
	ck_assert_int_eq(jscan_str_copy(&e, tiny, sizeof(tiny)), -ENOSPC);
	ck_assert_str_eq(tiny, "");
	ck_assert_int_eq(jscan_int(&e, &n), -EINVAL);
	ck_assert_int_eq(jscan_next_elem(&it, &e), 1);
	ck_assert_int_eq(jscan_int(&e, &n), 0);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(jscan_str_copy(&e, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(jscan_next_elem(&it, &e), 1);
	ck_assert_int_eq(jscan_int(&e, &n), 0);
	ck_assert(n == INT64_MIN);
	ck_assert_int_eq(jscan_next_elem(&it, &e), 1);
	ck_assert_int_eq(jscan_int(&e, &n), -EINVAL);
	ck_assert_int_eq(jscan_next_elem(&it, &e), 1);
	ck_assert_int_eq(jscan_int(&e, &n), 0);
	ck_assert(n == 123456789012LL);
	ck_assert_int_eq(jscan_next_elem(&it, &e), 0);
}
END_TEST

START_TEST(value_scans_inside_a_larger_buffer)
{
	static const char buf[] = "  {\"a\":[1,2]} , \"next\"";
	struct jscan_val v;
	size_t pos = 0;

	ck_assert_int_eq(jscan_value(buf, sizeof(buf) - 1, &pos, &v), 0);
	ck_assert_int_eq(v.type, JSCAN_OBJECT);
	ck_assert_uint_eq(v.len, 11);
	ck_assert_uint_eq(pos, 13);
	pos++;
	ck_assert_int_eq(jscan_value(buf, sizeof(buf) - 1, &pos, &v), -EBADMSG);
	ck_assert_uint_eq(pos, 14);	/* the comma */
	pos = 1000;
	ck_assert_int_eq(jscan_value(buf, sizeof(buf) - 1, &pos, &v), -EBADMSG);
}
END_TEST


static void
agree(const char *s, size_t n, const char *what)
{
	int j = jansson_ok(s, n), m = scan_ok(s, n);
	char *b = exact(s, n);
	json_t *w = dive_doc(b, n);

	ck_assert_msg(j == (w != NULL), "%s: jansson %s, single-pass walk %s: %.*s", what,
	    j ? "accepts" : "refuses", w ? "accepts" : "refuses", (int)(n < 200 ? n : 200), s);
	json_decref(w);
	free(b);
	ck_assert_msg(j == m, "%s: jansson %s, scanner %s: %.*s", what,
	    j ? "accepts" : "refuses", m ? "accepts" : "refuses", (int)(n < 200 ? n : 200), s);
}

START_TEST(mutations_agree_with_jansson)
{
	static const char *const seeds[] = {
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"labels\":{\"a\":\"b\"}},"
		    "\"spec\":{\"n\":[1,-2.5e3,true,false,null]},\"s\":\"\\u00e9\\ud83d\\ude00\"}",
		"[{\"a\":\"\xc3\xa9\xe2\x82\xac\"},[[],{}],\"\\\"\\\\\\/\",0,-0.0,1E5]",
	};
	static const char alphabet[] = "{}[]\",:\\/ 0123456789-+.eEtrufalsn\x80\xc3\xa9\xed"
	    "\xf0\x01u";
	char buf[512];
	size_t s, i, n, k, pos;

	for (s = 0; s < STRATA_ARRAY_LEN(seeds); s++) {
		n = strlen(seeds[s]);
		for (i = 0; i <= n; i++)
			agree(seeds[s], i, "truncated");
		for (i = 0; i < 5000; i++) {
			memcpy(buf, seeds[s], n);
			for (k = 1 + xorshift() % 3; k > 0; k--) {
				pos = xorshift() % n;
				switch (xorshift() % 3) {
				case 0:		/* replace */
					buf[pos] = alphabet[xorshift() % (sizeof(alphabet) - 1)];
					break;
				case 1:		/* delete */
					memmove(buf + pos, buf + pos + 1, n - pos - 1);
					buf[n - 1] = ' ';
					break;
				default:	/* duplicate */
					memmove(buf + pos + 1, buf + pos, n - pos - 1);
					break;
				}
			}
			agree(buf, n, "mutated");
		}
	}
}
END_TEST

/*
 * Every byte class at every offset of strings 0..48 bytes long (the string loop takes 16
 * and 8 bytes at a time: a special byte must stop it wherever it falls), also with the
 * document cut right after the string, so a block never reads past the buffer.
 */
START_TEST(string_bytes_at_every_offset)
{
	static const char *const ins[] = { "\x01", "\x1f", "\x7f", "\x80", "\xff",
	    "\xc3\xa9", "\xc3", "\xe2\x82\xac", "\xed\xa0\x80", "\\n", "\\q",
	    "\\u00e9", "\\u0000", "\"", " ", "\t" };
	char buf[128];
	size_t len, at, k, n, il;

	for (len = 0; len <= 48; len++)
		for (at = 0; at <= len; at++)
			for (k = 0; k < STRATA_ARRAY_LEN(ins); k++) {
				il = strlen(ins[k]);
				buf[0] = '[';
				buf[1] = '"';
				memset(buf + 2, 'a', len);
				memcpy(buf + 2 + at, ins[k], il);
				n = 2 + len + il;
				buf[n++] = '"';
				agree(buf, n, "cut after the string");
				buf[n++] = ']';
				agree(buf, n, "string at every offset");
			}
}
END_TEST

static Suite *
jscan_suite(void)
{
	Suite *s = suite_create("jscan");
	TCase *tc = tcase_create("scan");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, malformed_are_refused);
	tcase_add_test(tc, valid_are_accepted);
	tcase_add_test(tc, depth_limit_is_jansson_s);
	tcase_add_test(tc, corpus_agrees_with_jansson);
	tcase_add_test(tc, lookup_keeps_the_last_duplicate);
	tcase_add_test(tc, strings_and_integers_decode);
	tcase_add_test(tc, value_scans_inside_a_larger_buffer);
	tcase_add_test(tc, mutations_agree_with_jansson);
	tcase_add_test(tc, string_bytes_at_every_offset);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(jscan_suite)
