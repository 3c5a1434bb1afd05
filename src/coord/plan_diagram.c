/*
 * The plan as a Mermaid flowchart: one subgraph per layer, one node per step (S<index>),
 * one hexagon per checkpoint (C<layer>), chained in execution order.  Optional steps are
 * dashed, irreversible ones marked.  Labels are escaped for Mermaid (#quot; for ").
 */
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "plan_int.h"

#define DIAGRAM_MAX	(1024 * 1024)
#define LABEL_MAX	160
#define CHECKS_SHOWN	6

static int
put_label(struct sbuf *b, const char *s)
{
	size_t n = 0;
	int rc = 0;

	for (; s && *s && rc == 0 && n < LABEL_MAX; s++, n++) {
		switch (*s) {
		case '"': rc = sbuf_appends(b, "#quot;"); break;
		case '\n': case '\r': case '\t': rc = sbuf_appends(b, " "); break;
		case '<': rc = sbuf_appends(b, "#lt;"); break;
		case '>': rc = sbuf_appends(b, "#gt;"); break;
		default: rc = sbuf_append(b, s, 1);
		}
	}
	if (rc == 0 && s && *s)
		rc = sbuf_appends(b, "…");
	return rc;
}

static int
put_target(struct sbuf *b, const json_t *t)
{
	const char *k = json_string_value(json_object_get(t, "kind"));
	const char *ns = json_string_value(json_object_get(t, "namespace"));
	const char *n = json_string_value(json_object_get(t, "name"));
	int rc;

	rc = put_label(b, k ? k : "?");
	if (rc == 0)
		rc = sbuf_appends(b, " ");
	if (rc == 0 && ns) {
		rc = put_label(b, ns);
		if (rc == 0)
			rc = sbuf_appends(b, "/");
	}
	return rc ? rc : put_label(b, n ? n : "?");
}

static int
put_step(struct sbuf *b, const json_t *s)
{
	json_int_t idx = json_integer_value(json_object_get(s, "index"));
	int rc;

	rc = sbuf_printf(b, "    S%lld[\"%lld. ", (long long)idx, (long long)idx);
	if (rc == 0)
		rc = put_label(b, json_string_value(json_object_get(s, "action")));
	if (rc == 0)
		rc = sbuf_appends(b, " ");
	if (rc == 0)
		rc = put_target(b, json_object_get(s, "target"));
	if (rc == 0)
		rc = sbuf_appends(b, "\"]");
	if (rc == 0 && !json_is_true(json_object_get(s, "required")))
		rc = sbuf_appends(b, ":::optional");
	else if (rc == 0 && !json_is_true(json_object_get(s, "reversible")))
		rc = sbuf_appends(b, ":::irreversible");
	return rc ? rc : sbuf_appends(b, "\n");
}

static int
put_checkpoint(struct sbuf *b, const json_t *cp, size_t l)
{
	json_t *checks = json_object_get(cp, "checks"), *c;
	size_t i;
	int rc;

	rc = sbuf_printf(b, "    C%zu{{\"checkpoint ", l);
	if (rc == 0)
		rc = put_label(b, json_string_value(json_object_get(cp, "layer")));
	if (rc == 0)
		rc = sbuf_appends(b, ":");
	json_array_foreach(checks, i, c) {
		if (rc != 0 || i >= CHECKS_SHOWN)
			break;
		rc = sbuf_appends(b, i ? ", " : " ");
		if (rc == 0)
			rc = put_label(b, json_string_value(json_object_get(c, "type")));
		if (rc == 0 && json_string_value(json_object_get(json_object_get(c,
		    "target"), "name"))) {
			rc = sbuf_appends(b, " ");
			if (rc == 0)
				rc = put_label(b, json_string_value(json_object_get(
				    json_object_get(c, "target"), "name")));
		}
	}
	if (rc == 0 && json_array_size(checks) > CHECKS_SHOWN)
		rc = sbuf_printf(b, " +%zu more", json_array_size(checks) - CHECKS_SHOWN);
	return rc ? rc : sbuf_appends(b, "\"}}\n");
}

char *
plan_diagram_build(const json_t *plan)
{
	json_t *steps = json_object_get(plan, "steps");
	json_t *cps = json_object_get(plan, "checkpoints"), *s, *cp;
	char prev[32] = "";
	struct sbuf b, e;
	size_t l, i, j;
	int rc;

	sbuf_init(&b, DIAGRAM_MAX);
	sbuf_init(&e, DIAGRAM_MAX);	/* edges, after the subgraphs so no node moves */
	rc = sbuf_appends(&b, "flowchart TD\n");
	if (rc == 0 && json_is_true(json_object_get(plan, "refused")))
		rc = sbuf_appends(&b, "  %% plan refused: see refusal_reasons\n");
	for (l = 0; l < PL_NLAYERS && rc == 0; l++) {
		const char *ln = plan_layer_names[l];
		bool any = false;

		json_array_foreach(steps, i, s)
			if (json_is_string(json_object_get(s, "layer")) &&
			    strcmp(json_string_value(json_object_get(s, "layer")), ln) == 0)
				any = true;
		cp = NULL;
		json_array_foreach(cps, j, s)
			if (json_is_string(json_object_get(s, "layer")) &&
			    strcmp(json_string_value(json_object_get(s, "layer")), ln) == 0)
				cp = s;
		if (!any && cp == NULL)
			continue;
		rc = sbuf_printf(&b, "  subgraph L%zu[\"%s\"]\n    direction TB\n", l, ln);
		json_array_foreach(steps, i, s) {
			if (rc != 0)
				break;
			if (strcmp(json_string_value(json_object_get(s, "layer")) ?
			    json_string_value(json_object_get(s, "layer")) : "", ln) != 0)
				continue;
			rc = put_step(&b, s);
			if (rc == 0 && prev[0])
				rc = sbuf_printf(&e, "  %s --> S%lld\n", prev, (long long)
				    json_integer_value(json_object_get(s, "index")));
			snprintf(prev, sizeof(prev), "S%lld", (long long)json_integer_value(
			    json_object_get(s, "index")));
		}
		if (rc == 0 && cp) {
			rc = put_checkpoint(&b, cp, l);
			if (rc == 0 && prev[0])
				rc = sbuf_printf(&e, "  %s --> C%zu\n", prev, l);
			snprintf(prev, sizeof(prev), "C%zu", l);
		}
		if (rc == 0)
			rc = sbuf_appends(&b, "  end\n");
	}
	if (rc == 0 && e.data)
		rc = sbuf_appends(&b, e.data);
	sbuf_release(&e);
	if (rc == 0)
		rc = sbuf_appends(&b, "  classDef optional stroke-dasharray: 5 5\n"
		    "  classDef irreversible stroke:#c00,stroke-width:2px\n");
	if (rc != 0) {
		sbuf_release(&b);
		return NULL;
	}
	if (b.data == NULL)
		return NULL;
	return sbuf_detach(&b, NULL);
}
