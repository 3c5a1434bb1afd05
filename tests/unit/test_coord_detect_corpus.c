/*
 * The labelled incident corpus: every tests/scenarios/NAME.json (a Kubernetes List) is
 * run through the detect engine with the request of NAME.expect.json and compared with
 * its labels (affected layers, root-cause layer, root cause object and symptom,
 * deployment methods).  Prints the accuracy; every scenario must be right.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strata/coord.h"
#include "testutil.h"

#define CORPUS_DIR	"tests/scenarios"

static json_t *
run_scenario(const char *path, json_t *request)
{
	struct coord_detect_request req;
	struct coord_resource_ref *refs = NULL;
	struct coord_detect *d;
	json_error_t jerr;
	json_t *list, *out = NULL;
	char err[256];

	list = json_load_file(path, 0, &jerr);
	ck_assert_msg(list != NULL, "%s: %s", path, jerr.text);
	ck_assert_int_eq(coord_detect_request_from_json(request, &req, &refs, err,
	    sizeof(err)), 0);
	req.now = 1773480600;	/* 2026-03-14T09:30:00Z, when the scenarios were captured */
	d = coord_detect_new(&req);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_ge(coord_detect_feed_list(d, list, err, sizeof(err)), 1);
	out = coord_detect_finish(d, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s: %s", path, err);
	coord_detect_free(d);
	free(refs);
	json_decref(list);
	return out;
}

static const char *
str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* Structural promises every result keeps, whatever the scenario. */
static void
check_shape(const char *name, json_t *out)
{
	static const char *const order[] = { "infrastructure", "platform", "application" };
	json_t *f, *l, *layers = json_object_get(out, "affected_layers"), *v;
	size_t i, k = 0, j;
	double c = json_number_value(json_object_get(out, "confidence"));

	ck_assert_msg(c >= 0.0 && c <= 1.0, "%s: confidence %f", name, c);
	json_array_foreach(layers, i, v) {
		while (k < 3 && strcmp(order[k], json_string_value(v)) != 0)
			k++;
		ck_assert_msg(k < 3, "%s: affected_layers out of order", name);
	}
	ck_assert_ptr_nonnull(json_string_value(json_object_get(out, "summary")));
	json_array_foreach(json_object_get(out, "causal_links"), i, l) {
		int cause = 0, effect = 0;

		json_array_foreach(json_object_get(out, "findings"), j, f) {
			cause |= strcmp(str_or(f, "id", ""), str_or(l, "cause", "?")) == 0;
			effect |= strcmp(str_or(f, "id", ""), str_or(l, "effect", "?")) == 0;
		}
		ck_assert_msg(cause && effect, "%s: a causal link names a finding not listed", name);
	}
	json_array_foreach(json_object_get(out, "findings"), i, f) {
		ck_assert_ptr_nonnull(json_string_value(json_object_get(f, "symptom")));
		ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(f,
		    "resource"), "kind")));
		ck_assert_ptr_nonnull(json_string_value(json_object_get(f, "detail")));
	}
}

static const char *
impacted_method(json_t *out, const char *kind, const char *ns, const char *name)
{
	json_t *imp = json_object_get(out, "impacted_resources"), *arr, *r;
	const char *layer;
	size_t i;

	json_object_foreach(imp, layer, arr)
		json_array_foreach(arr, i, r)
			if (strcmp(str_or(r, "kind", ""), kind) == 0 &&
			    strcmp(str_or(r, "namespace", ""), ns) == 0 &&
			    strcmp(str_or(r, "name", ""), name) == 0)
				return str_or(r, "deployment_method", "?");
	return "(not impacted)";
}

/* Returns 1 when the result matches the label; explains the difference otherwise. */
static int
judge(const char *name, json_t *out, json_t *exp)
{
	json_t *rc = json_object_get(exp, "root_cause"), *got_rc, *m;
	const char *key, *want, *got;
	char buf[512];
	int ok = 1;

	if (!json_equal(json_object_get(out, "affected_layers"),
	    json_object_get(exp, "affected_layers"))) {
		char *a = json_dumps(json_object_get(out, "affected_layers"), JSON_COMPACT);

		printf("  %s: affected_layers %s\n", name, a);
		free(a);
		ok = 0;
	}
	if (strcmp(str_or(out, "root_cause_layer", ""), str_or(exp, "root_cause_layer", "")) != 0) {
		printf("  %s: root_cause_layer %s, want %s\n", name,
		    str_or(out, "root_cause_layer", ""), str_or(exp, "root_cause_layer", ""));
		ok = 0;
	}
	got_rc = json_array_get(json_object_get(out, "root_causes"), 0);
	if (json_is_object(rc)) {
		if (got_rc == NULL || strcmp(str_or(got_rc, "kind", ""), str_or(rc, "kind", "")) ||
		    strcmp(str_or(got_rc, "name", ""), str_or(rc, "name", "")) ||
		    strcmp(str_or(got_rc, "symptom", ""), str_or(rc, "symptom", "")) ||
		    (json_object_get(rc, "namespace") && strcmp(str_or(got_rc, "namespace", ""),
		    str_or(rc, "namespace", "")))) {
			printf("  %s: root cause %s %s/%s %s, want %s %s/%s %s\n", name,
			    str_or(got_rc, "kind", "-"), str_or(got_rc, "namespace", ""),
			    str_or(got_rc, "name", "-"), str_or(got_rc, "symptom", "-"),
			    str_or(rc, "kind", ""), str_or(rc, "namespace", ""), str_or(rc, "name", ""),
			    str_or(rc, "symptom", ""));
			ok = 0;
		}
	} else if (got_rc != NULL) {
		printf("  %s: root cause %s/%s, want none\n", name, str_or(got_rc, "kind", ""),
		    str_or(got_rc, "name", ""));
		ok = 0;
	}
	json_object_foreach(json_object_get(exp, "deployment_methods"), key, m) {
		char kind[64], ns[128], nm[256];

		snprintf(buf, sizeof(buf), "%s", key);
		if (sscanf(buf, "%63[^/]/%127[^/]/%255s", kind, ns, nm) != 3)
			continue;
		want = json_string_value(m);
		got = impacted_method(out, kind, ns, nm);
		if (want == NULL || strcmp(want, got) != 0) {
			printf("  %s: %s deployment_method %s, want %s\n", name, key, got, want);
			ok = 0;
		}
	}
	fflush(stdout);
	return ok;
}

static int
is_scenario(const char *n)
{
	size_t len = strlen(n);

	return len > 5 && strcmp(n + len - 5, ".json") == 0 &&
	    !(len > 12 && strcmp(n + len - 12, ".expect.json") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(corpus_labels_hold)
{
	DIR *dir = opendir(CORPUS_DIR);
	struct dirent *de;
	char *names[256], path[512], epath[512];
	size_t n = 0, i, right = 0;
	json_error_t jerr;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir)) != NULL && n < 256)
		if (is_scenario(de->d_name))
			names[n++] = strdup(de->d_name);
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_str);
	ck_assert_uint_ge(n, 20);
	for (i = 0; i < n; i++) {
		json_t *exp, *out;
		size_t len = strlen(names[i]);

		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, names[i]);
		snprintf(epath, sizeof(epath), "%s/%.*s.expect.json", CORPUS_DIR, (int)(len - 5),
		    names[i]);
		exp = json_load_file(epath, 0, &jerr);
		ck_assert_msg(exp != NULL, "%s: %s", epath, jerr.text);
		out = run_scenario(path, json_object_get(exp, "request"));
		check_shape(names[i], out);
		right += judge(names[i], out, exp);
		json_decref(out);
		json_decref(exp);
		free(names[i]);
	}
	printf("detect corpus: %zu/%zu scenarios labelled correctly (%.1f%%)\n", right, n,
	    100.0 * (double)right / (double)n);
	fflush(stdout);
	ck_assert_uint_eq(right, n);
}
END_TEST

/* The demo scenarios shipped for strata-sim are valid Lists the engine reads too. */
START_TEST(examples_are_valid_lists)
{
	DIR *dir = opendir("examples/scenarios");
	struct dirent *de;
	char path[512];
	size_t n = 0, i;
	json_error_t jerr;
	json_t *list, *it;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir)) != NULL) {
		if (!is_scenario(de->d_name))
			continue;
		snprintf(path, sizeof(path), "examples/scenarios/%s", de->d_name);
		list = json_load_file(path, 0, &jerr);
		ck_assert_msg(list != NULL, "%s: %s", path, jerr.text);
		ck_assert_str_eq(str_or(list, "kind", ""), "List");
		json_array_foreach(json_object_get(list, "items"), i, it) {
			ck_assert_msg(json_string_value(json_object_get(it, "apiVersion")) &&
			    json_string_value(json_object_get(it, "kind")) &&
			    json_string_value(json_object_get(json_object_get(it, "metadata"), "name")),
			    "%s: item %zu lacks apiVersion/kind/metadata.name", path, i);
		}
		json_decref(list);
		n++;
	}
	closedir(dir);
	ck_assert_uint_ge(n, 6);
}
END_TEST

static Suite *
coord_detect_corpus_suite(void)
{
	Suite *s = suite_create("coord_detect_corpus");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, corpus_labels_hold);
	tcase_add_test(tc, examples_are_valid_lists);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_detect_corpus_suite)
