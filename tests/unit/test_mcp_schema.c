/* The JSON Schema validator: each keyword, and messages that name the offending field. */
#include "test_mcp_common.h"

struct schema_case {
	const char	*schema;
	const char	*instance;
	const char	*error;		/* NULL: valid; else the exact message */
};

static const struct schema_case cases[] = {
	/* type */
	{ "{\"type\":\"string\"}", "\"a\"", NULL },
	{ "{\"type\":\"string\"}", "1", "arguments: expected string, got integer" },
	{ "{\"type\":\"integer\"}", "2.0", NULL },
	{ "{\"type\":\"integer\"}", "2.5", "arguments: expected integer, got number" },
	{ "{\"type\":\"number\"}", "2", NULL },
	{ "{\"type\":\"boolean\"}", "null", "arguments: expected boolean, got null" },
	{ "{\"type\":[\"string\",\"null\"]}", "null", NULL },
	{ "{\"type\":[\"string\",\"null\"]}", "true",
	  "arguments: expected string or null, got boolean" },
	{ "{\"type\":\"object\"}", "[]", "arguments: expected object, got array" },
	/* properties, required, additionalProperties */
	{ "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"a\":1}",
	  "arguments.a: expected string, got integer" },
	{ "{\"type\":\"object\",\"required\":[\"issue_id\"]}", "{}",
	  "arguments.issue_id: required property is missing" },
	{ "{\"properties\":{\"a\":{},\"b\":{}},\"additionalProperties\":false}", "{\"c\":1}",
	  "arguments.c: unknown property (allowed: a, b)" },
	{ "{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x-y\":\"s\"}",
	  "arguments[\"x-y\"]: expected integer, got string" },
	{ "{\"properties\":{\"a\":{}},\"additionalProperties\":false}", "{\"a\":[1,{}]}", NULL },
	/* enum, const */
	{ "{\"enum\":[\"infrastructure\",\"platform\"]}", "\"platform\"", NULL },
	{ "{\"enum\":[\"infrastructure\",\"platform\"]}", "\"app\"",
	  "arguments: must be one of \"infrastructure\", \"platform\"" },
	{ "{\"enum\":[1,2]}", "2.0", NULL },
	{ "{\"const\":\"x\"}", "\"x\"", NULL },
	{ "{\"const\":\"x\"}", "\"y\"", "arguments: must be \"x\"" },
	/* items, minItems, maxItems, uniqueItems */
	{ "{\"type\":\"object\",\"properties\":{\"resources\":{\"type\":\"array\",\"items\":"
	  "{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\"}}}}}}",
	  "{\"resources\":[{\"kind\":\"Pod\"},{\"kind\":7}]}",
	  "arguments.resources[1].kind: expected string, got integer" },
	{ "{\"minItems\":1}", "[]", "arguments: must have at least 1 item" },
	{ "{\"maxItems\":2}", "[1,2,3]", "arguments: must have at most 2 items" },
	{ "{\"uniqueItems\":true}", "[1,2,1]",
	  "arguments: items 0 and 2 are equal; items must be unique" },
	{ "{\"uniqueItems\":true}", "[1,\"1\"]", NULL },
	/* numbers */
	{ "{\"minimum\":0,\"maximum\":1}", "0.5", NULL },
	{ "{\"minimum\":0,\"maximum\":1}", "1.5", "arguments: must be <= 1" },
	{ "{\"minimum\":0}", "-1", "arguments: must be >= 0" },
	{ "{\"exclusiveMinimum\":0}", "0", "arguments: must be > 0" },
	{ "{\"exclusiveMaximum\":10}", "10", "arguments: must be < 10" },
	/* strings: lengths count characters, not bytes */
	{ "{\"minLength\":2}", "\"\\u00e9\\u00e9\"", NULL },
	{ "{\"maxLength\":1}", "\"\\u00e9\"", NULL },
	{ "{\"minLength\":1}", "\"\"", "arguments: must be at least 1 characters long" },
	{ "{\"maxLength\":3}", "\"abcd\"", "arguments: must be at most 3 characters long" },
	{ "{\"pattern\":\"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\"}", "\"my-ns\"", NULL },
	{ "{\"pattern\":\"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\"}", "\"My_ns\"",
	  "arguments: does not match the pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
	{ "{\"pattern\":\"(\"}", "\"x\"",
	  "arguments: schema pattern ( is not a valid regular expression" },
	/* keywords for other types do not apply */
	{ "{\"minLength\":5,\"minimum\":3}", "[]", NULL },
	/* anyOf, boolean schemas, annotations */
	{ "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "3", NULL },
	{ "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "true",
	  "arguments: matches none of the allowed forms" },
	{ "true", "{\"anything\":1}", NULL },
	{ "{\"properties\":{\"a\":false}}", "{\"a\":1}", "arguments.a: no value is allowed here" },
	{ "{\"description\":\"x\",\"default\":1,\"title\":\"t\",\"format\":\"uri\"}", "5", NULL },
};

START_TEST(schema_table)
{
	const struct schema_case *tc = &cases[_i];
	json_t *schema, *inst;
	char err[512];
	int rc;

	schema = json_loads(tc->schema, JSON_DECODE_ANY, NULL);
	inst = json_loads(tc->instance, JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(schema);
	ck_assert_ptr_nonnull(inst);
	rc = mcp_schema_validate(schema, inst, "arguments", err, sizeof(err));
	if (tc->error == NULL)
		ck_assert_msg(rc == 0, "%s rejected %s: %s", tc->schema, tc->instance, err);
	else {
		ck_assert_msg(rc != 0, "%s accepted %s", tc->schema, tc->instance);
		ck_assert_str_eq(err, tc->error);
	}
	json_decref(schema);
	json_decref(inst);
}
END_TEST

START_TEST(deep_nesting_is_bounded)
{
	json_t *schema = json_object(), *inst, *s = schema;
	char err[256];
	int i;

	/* {"items": {"items": …}} 200 deep, and an instance as deep. */
	for (i = 0; i < 200; i++) {
		json_t *sub = json_object();

		json_object_set_new(s, "items", sub);
		s = sub;
	}
	inst = json_array();
	{
		json_t *a = inst;

		for (i = 0; i < 200; i++) {
			json_t *sub = json_array();

			json_array_append_new(a, sub);
			a = sub;
		}
	}
	ck_assert_int_ne(mcp_schema_validate(schema, inst, "arguments", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	json_decref(schema);
	json_decref(inst);
}
END_TEST

static Suite *
schema_suite(void)
{
	Suite *s = suite_create("mcp_schema");
	TCase *tc = tcase_create("keywords");

	tcase_add_loop_test(tc, schema_table, 0, (int)STRATA_ARRAY_LEN(cases));
	tcase_add_test(tc, deep_nesting_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(schema_suite)
