/*
 * Scope, root causes and relatedness.
 *
 * The incident's symptoms are the user-visible failures in scope (namespace/resources
 * of the request, or everything).  Walking each symptom up its causes gives the roots
 * that explain it; the primary root explains the most application symptoms (then the
 * most symptoms, then the lowest layer).  Roots explaining application symptoms too are
 * kept as further root causes; everything off those causal paths is "unrelated".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "detect_int.h"

#define FINDING(d, i)	VEC_AT(&(d)->findings, struct detect_finding, (i))

struct graph {
	size_t	*in_off, *in;	/* incoming links per effect: cause finding indices */
	size_t	*out_off, *out;	/* outgoing links per cause */
	size_t	*stack;
};

static int
graph_build(struct coord_detect *d, struct graph *g)
{
	size_t n = d->findings.len, i, *fill_in = NULL, *fill_out = NULL;

	g->in_off = calloc(n + 1, sizeof(size_t));
	g->out_off = calloc(n + 1, sizeof(size_t));
	g->in = malloc((d->links.len + 1) * sizeof(size_t));
	g->out = malloc((d->links.len + 1) * sizeof(size_t));
	g->stack = malloc((n + 1) * sizeof(size_t));
	fill_in = calloc(n + 1, sizeof(size_t));
	fill_out = calloc(n + 1, sizeof(size_t));
	if (!g->in_off || !g->out_off || !g->in || !g->out || !g->stack || !fill_in ||
	    !fill_out) {
		free(fill_in);
		free(fill_out);
		return -ENOMEM;
	}
	for (i = 0; i < d->links.len; i++) {
		struct detect_link *l = VEC_AT(&d->links, struct detect_link, i);

		g->in_off[l->effect + 1]++;
		g->out_off[l->cause + 1]++;
	}
	for (i = 0; i < n; i++) {
		g->in_off[i + 1] += g->in_off[i];
		g->out_off[i + 1] += g->out_off[i];
	}
	for (i = 0; i < d->links.len; i++) {
		struct detect_link *l = VEC_AT(&d->links, struct detect_link, i);

		g->in[g->in_off[l->effect] + fill_in[l->effect]++] = l->cause;
		g->out[g->out_off[l->cause] + fill_out[l->cause]++] = l->effect;
	}
	free(fill_in);
	free(fill_out);
	return 0;
}

static void
graph_free(struct graph *g)
{
	free(g->in_off);
	free(g->in);
	free(g->out_off);
	free(g->out);
	free(g->stack);
}

/* ---- scope ---------------------------------------------------------------------------- */

static int
res_match(const struct coord_resource_ref *r, const char *kind, const char *ns,
    const char *name)
{
	return strcmp(r->kind, kind) == 0 && strcmp(r->name, name) == 0 &&
	    (r->namespace == NULL || (ns && strcmp(r->namespace, ns) == 0));
}

static int
finding_in_scope(struct coord_detect *d, struct detect_finding *f)
{
	size_t i, top = NOIDX;
	struct detect_owner *w = NULL, *direct = NULL;

	if (d->namespace && f->ns[0] && strcmp(d->namespace, f->ns) == 0)
		return 1;
	if (f->owner != NOIDX) {
		direct = VEC_AT(&d->owners, struct detect_owner, f->owner);
		top = direct->top;
		w = VEC_AT(&d->owners, struct detect_owner, top);
	}
	for (i = 0; i < d->nres; i++) {
		const struct coord_resource_ref *r = &d->res[i];

		if (res_match(r, f->kind, f->ns, f->name))
			return 1;
		if (w && (res_match(r, w->kind, w->ns, w->name) ||
		    res_match(r, direct->kind, direct->ns, direct->name)))
			return 1;
		if (w && strcmp(r->kind, "Application") == 0 && w->method == M_ARGOCD &&
		    w->method_ref && strcmp(w->method_ref, r->name) == 0)
			return 1;
		if (strcmp(r->kind, "Node") == 0 && f->pod != NOIDX) {
			const char *node = VEC_AT(&d->pods, struct detect_pod, f->pod)->node;

			if (node && strcmp(node, r->name) == 0)
				return 1;
		}
		if (strcmp(r->kind, "Namespace") == 0 && f->ns[0] && strcmp(r->name, f->ns) == 0)
			return 1;
	}
	return 0;
}

/* ---- roots ---------------------------------------------------------------------------- */

/* Visits the ancestors of `s`; calls back on each root reached (a finding without causes). */
static void
walk_up(struct coord_detect *d, struct graph *g, size_t s, uint32_t app,
    void (*on_root)(struct coord_detect *, size_t, uint32_t, void *), void *arg)
{
	size_t sp = 0, cur, k, c;

	FINDING(d, s)->root_mark = s;
	g->stack[sp++] = s;
	while (sp > 0) {
		cur = g->stack[--sp];
		if (g->in_off[cur] == g->in_off[cur + 1]) {
			on_root(d, cur, app, arg);
			continue;
		}
		for (k = g->in_off[cur]; k < g->in_off[cur + 1]; k++) {
			c = g->in[k];
			if (FINDING(d, c)->root_mark == s)
				continue;
			FINDING(d, c)->root_mark = s;
			g->stack[sp++] = c;
		}
	}
}

static void
count_root(struct coord_detect *d, size_t r, uint32_t app, void *arg)
{
	(*(uint32_t *)arg)++;
	FINDING(d, r)->explains++;
	FINDING(d, r)->explains_app += app;
}

struct group_arg {
	size_t	 primary;
	int	 hit;
};

/* Roots of the same kind of fact as the primary (e.g. several NotReady nodes) count
 * together when measuring how much of the incident it explains. */
static int
same_group(struct coord_detect *d, size_t a, size_t b)
{
	struct detect_finding *fa = FINDING(d, a), *fb = FINDING(d, b);

	return a == b || (strcmp(fa->symptom, fb->symptom) == 0 && strcmp(fa->kind,
	    fb->kind) == 0 && strcmp(fa->kind, "Node") == 0);
}

static void
group_root(struct coord_detect *d, size_t r, uint32_t app, void *arg)
{
	struct group_arg *ga = arg;

	(void)app;
	if (same_group(d, ga->primary, r))
		ga->hit = 1;
}

static void
noop_root(struct coord_detect *d, size_t r, uint32_t app, void *arg)
{
	(void)d; (void)r; (void)app; (void)arg;
}

static int
better_root(struct coord_detect *d, size_t a, size_t b)
{
	struct detect_finding *fa = FINDING(d, a), *fb = FINDING(d, b);
	int c;

	if (fa->explains_app != fb->explains_app)
		return fa->explains_app > fb->explains_app;
	if (fa->explains != fb->explains)
		return fa->explains > fb->explains;
	if (fa->layer != fb->layer)
		return fa->layer < fb->layer;
	if (fa->strength != fb->strength)
		return fa->strength > fb->strength;
	/* Equal evidence: order by name, not by the order lists happened to arrive in,
	 * so the same cluster always gets the same answer. */
	c = strcmp(fa->kind != NULL ? fa->kind : "", fb->kind != NULL ? fb->kind : "");
	if (c == 0)
		c = strcmp(fa->ns != NULL ? fa->ns : "", fb->ns != NULL ? fb->ns : "");
	if (c == 0)
		c = strcmp(fa->name != NULL ? fa->name : "", fb->name != NULL ? fb->name : "");
	return c != 0 ? c < 0 : a < b;
}

static int
cmp_root_desc(const void *pa, const void *pb, void *arg)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return better_root(arg, a, b) ? -1 : (better_root(arg, b, a) ? 1 : 0);
}

/* Insertion sort with a context (qsort_r is not in C11/POSIX). */
static void
sort_roots(struct coord_detect *d, size_t *v, size_t n)
{
	size_t i, j, x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && cmp_root_desc(&x, &v[j - 1], d) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int
detect_roots_choose(struct coord_detect *d, struct detect_verdict *v)
{
	struct graph g;
	size_t n = d->findings.len, i, k, nroots = 0, sp, cur, c;
	uint8_t *desc = NULL, *anc = NULL;
	int scoped = d->namespace != NULL || d->nres > 0, any_sym = 0, r = -ENOMEM;
	double link_sum = 0;
	size_t link_n = 0;

	memset(v, 0, sizeof(*v));
	v->primary = NOIDX;
	memset(&g, 0, sizeof(g));
	if (n == 0)
		return 0;
	if (graph_build(d, &g) < 0)
		goto fail;
	/* 1. symptoms of this incident */
	for (i = 0; i < n; i++) {
		struct detect_finding *f = FINDING(d, i);

		if (!scoped || finding_in_scope(d, f))
			f->flags |= FF_SCOPE;
		if ((f->flags & FF_SCOPE) && (f->flags & FF_SYMPTOM))
			any_sym = 1;
	}
	for (i = 0; i < n; i++) {
		struct detect_finding *f = FINDING(d, i);

		if (!(f->flags & FF_SCOPE))
			f->flags &= ~FF_SYMPTOM;
		else if (!any_sym && f->strength >= 0.5)
			f->flags |= FF_SYMPTOM;	/* infra/platform-only incident */
		if (f->flags & FF_SYMPTOM)
			v->nsymptoms++;
	}
	/* 2. which roots explain which symptoms */
	for (i = 0; i < n; i++) {
		uint32_t reached = 0;

		if (!(FINDING(d, i)->flags & FF_SYMPTOM))
			continue;
		walk_up(d, &g, i, FINDING(d, i)->layer == L_APP, count_root, &reached);
		if (reached == 0)	/* only causes in a cycle: keep it visible */
			FINDING(d, i)->flags |= FF_UNEXPLAINED;
	}
	if ((v->roots = malloc(n * sizeof(size_t))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (FINDING(d, i)->explains > 0 && g.in_off[i] == g.in_off[i + 1])
			v->roots[nroots++] = i;
	sort_roots(d, v->roots, nroots);
	if (nroots > 0) {
		v->primary = v->roots[0];
		/* further roots: those that also explain application symptoms (or, when the
		 * incident has none, any symptom) */
		for (i = k = 1; i < nroots; i++) {
			struct detect_finding *f = FINDING(d, v->roots[i]);

			if (FINDING(d, v->primary)->explains_app > 0 ? f->explains_app > 0 :
			    f->explains > 0)
				v->roots[k++] = v->roots[i];
		}
		nroots = k;
	}
	v->nroots = nroots;

	/* 3. related = descendants of the chosen roots that lead to a symptom */
	desc = calloc(n, 1);
	anc = calloc(n, 1);
	if (desc == NULL || anc == NULL)
		goto fail;
	for (i = 0; i < nroots; i++) {
		sp = 0;
		if (desc[v->roots[i]])
			continue;
		desc[v->roots[i]] = 1;
		g.stack[sp++] = v->roots[i];
		while (sp > 0) {
			cur = g.stack[--sp];
			for (k = g.out_off[cur]; k < g.out_off[cur + 1]; k++)
				if (!desc[c = g.out[k]]) {
					desc[c] = 1;
					g.stack[sp++] = c;
				}
		}
	}
	for (i = 0; i < n; i++) {
		if (!(FINDING(d, i)->flags & FF_SYMPTOM) || anc[i])
			continue;
		sp = 0;
		anc[i] = 1;
		g.stack[sp++] = i;
		while (sp > 0) {
			cur = g.stack[--sp];
			for (k = g.in_off[cur]; k < g.in_off[cur + 1]; k++)
				if (!anc[c = g.in[k]]) {
					anc[c] = 1;
					g.stack[sp++] = c;
				}
		}
	}
	for (i = 0; i < n; i++) {
		struct detect_finding *f = FINDING(d, i);
		int unexplained = (f->flags & FF_UNEXPLAINED) != 0;

		f->related = (desc[i] && anc[i]) || unexplained;
		if (!f->related)
			f->role = R_UNRELATED;
		else if (g.in_off[i] == g.in_off[i + 1] && f->explains > 0)
			f->role = R_ROOT;
		else if (f->flags & FF_SYMPTOM)
			f->role = R_SYMPTOM;
		else
			f->role = R_CAUSE;
		if (f->related && f->layer < L_NONE)
			v->layers[f->layer] = 1;
	}
	/* the incident's symptoms are the related ones: an unrelated operator's own failing
	 * operands do not dilute the confidence in the cause of this incident */
	v->nsymptoms = 0;
	/* roots not chosen (e.g. an unrelated operator's own operands) are unrelated */
	for (i = 0; i < n; i++) {
		struct detect_finding *f = FINDING(d, i);
		int chosen = 0;

		for (k = 0; k < nroots; k++)
			chosen |= v->roots[k] == i;
		if (f->role == R_ROOT && !chosen) {
			f->role = R_UNRELATED;
			f->related = 0;
		}
		if ((f->flags & FF_SYMPTOM) && f->related)
			v->nsymptoms++;
	}
	/* 4. confidence: the share of symptoms the primary (with its kin) explains,
	 * tempered by the strength of the evidence on its causal paths */
	if (v->primary != NOIDX) {
		struct group_arg ga = { v->primary, 0 };

		for (i = 0; i < n; i++) {
			if (!(FINDING(d, i)->flags & FF_SYMPTOM) || !FINDING(d, i)->related)
				continue;
			ga.hit = 0;
			walk_up(d, &g, i, 0, group_root, &ga);
			v->explained += ga.hit;
		}
		for (i = 0; i < d->links.len; i++) {
			struct detect_link *l = VEC_AT(&d->links, struct detect_link, i);

			if (FINDING(d, l->cause)->related && FINDING(d, l->effect)->related) {
				link_sum += l->strength;
				link_n++;
			}
		}
		v->confidence = (double)v->explained / (double)(v->nsymptoms ? v->nsymptoms : 1) *
		    (link_n ? 0.5 + 0.5 * (link_sum / (double)link_n) : 0.7) *
		    (0.6 + 0.4 * FINDING(d, v->primary)->strength);
		if (v->confidence > 1.0)
			v->confidence = 1.0;
	}
	(void)noop_root;
	r = 0;
fail:
	free(desc);
	free(anc);
	graph_free(&g);
	return r;
}
