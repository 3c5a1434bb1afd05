/*
 * The state store: opening and locking the state directory, loading what a previous
 * process left, the issue and plan registries with their caps, listings and the MCP
 * resource views.  Executions live in journal.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "strata/util.h"
#include "store_int.h"

#define URI_PLANS	"strata://plans/"
#define URI_EXECS	"strata://executions/"

void
store_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool
store_durable(const struct coord_store *st, bool dry_run)
{
	return !st->opt.no_fsync && !dry_run;
}

/* ---- ids ---------------------------------------------------------------------------- */

static const char *const kind_prefix[] = { "iss-", "plan-", "exec-" };

int
coord_store_id_new(enum coord_store_kind kind, char out[COORD_STORE_ID_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[10];
	size_t i;
	char *p;
	int rc;

	if ((unsigned)kind >= STRATA_ARRAY_LEN(kind_prefix))
		return -EINVAL;
	if ((rc = strata_random_bytes(rnd, sizeof(rnd))) != 0)
		return rc;
	p = out + strlen(strcpy(out, kind_prefix[kind]));
	for (i = 0; i < sizeof(rnd); i++) {
		*p++ = hex[rnd[i] >> 4];
		*p++ = hex[rnd[i] & 15];
	}
	*p = '\0';
	return 0;
}

bool
coord_store_id_valid(enum coord_store_kind kind, const char *id)
{
	size_t plen, n = 0;
	const char *p;

	if (id == NULL || (unsigned)kind >= STRATA_ARRAY_LEN(kind_prefix))
		return false;
	plen = strlen(kind_prefix[kind]);
	if (strncmp(id, kind_prefix[kind], plen) != 0)
		return false;
	for (p = id + plen; *p != '\0'; p++, n++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return n >= 1 && plen + n < COORD_STORE_ID_MAX;
}

/* ---- record vectors ------------------------------------------------------------------- */

void
store_rec_free(struct store_rec *r)
{
	if (r == NULL)
		return;
	json_decref(r->doc);
	free(r);
}

int
vec_push_rec(struct store_vec *v, struct store_rec *r)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct store_rec **nv = realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = r;
	return 0;
}

static void
vec_remove(struct store_vec *v, size_t i)
{
	store_rec_free(v->v[i]);
	memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof(*v->v));
	v->n--;
}

static struct store_rec *
vec_find(const struct store_vec *v, const char *id)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i]->id, id) == 0)
			return v->v[i];
	return NULL;
}

static void
copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* ---- pinning and eviction ----------------------------------------------------------- */

static bool
plan_pinned(const struct coord_store *st, const char *plan_id)
{
	size_t i;

	for (i = 0; i < st->nexecs; i++)
		if (coord_exec_status_active(st->execs[i]->status) &&
		    strcmp(st->execs[i]->plan_id, plan_id) == 0)
			return true;
	return false;
}

static bool
issue_pinned(const struct coord_store *st, const char *issue_id)
{
	size_t i;

	for (i = 0; i < st->nexecs; i++) {
		const struct coord_exec *ex = st->execs[i];
		const char *iid;

		if (!coord_exec_status_active(ex->status))
			continue;
		iid = json_string_value(json_object_get(ex->plan, "issue_id"));
		if (iid != NULL && strcmp(iid, issue_id) == 0)
			return true;
	}
	return false;
}

/* Index of the oldest record of `v` no active execution uses, or SIZE_MAX. */
static size_t
evict_candidate(const struct coord_store *st, const struct store_vec *v, bool plans)
{
	size_t i, best = SIZE_MAX;

	for (i = 0; i < v->n; i++) {
		const struct store_rec *r = v->v[i];

		if (plans ? plan_pinned(st, r->id) : issue_pinned(st, r->id))
			continue;
		if (best == SIZE_MAX || r->seq < v->v[best]->seq)
			best = i;
	}
	return best;
}

/* Drops the oldest unpinned record from memory and disk; -EBUSY if none. */
int
store_evict(struct coord_store *st, bool plans)
{
	struct store_vec *v = plans ? &st->plans : &st->issues;
	size_t best = evict_candidate(st, v, plans);
	char name[COORD_STORE_ID_MAX + 8];
	int rc;

	if (best == SIZE_MAX)
		return -EBUSY;
	snprintf(name, sizeof(name), "%s.json", v->v[best]->id);
	if ((rc = store_fs_remove(plans ? st->plans_fd : st->issues_fd, name)) != 0)
		log_warn(STORE_LOG, "cannot remove evicted %s/%s/%s: %s", st->dir,
		    plans ? "plans" : "issues", name, strerror(-rc));
	log_debug(STORE_LOG, "evicted %s %s", plans ? "plan" : "issue", v->v[best]->id);
	vec_remove(v, best);
	return 0;
}

/* ---- issues and plans --------------------------------------------------------------- */

static int
rec_put(struct coord_store *st, bool plans, const json_t *doc, char *err, size_t errlen)
{
	struct store_vec *v = plans ? &st->plans : &st->issues;
	const char *what = plans ? "plan" : "issue";
	const char *idkey = plans ? "plan_id" : "issue_id";
	const char *id = json_string_value(json_object_get(doc, idkey));
	const char *iid = json_string_value(json_object_get(doc, "issue_id"));
	size_t max = plans ? st->opt.max_plans : st->opt.max_issues;
	struct store_rec *r = NULL;
	json_t *file = NULL;
	char name[COORD_STORE_ID_MAX + 8];
	int rc;

	if (!json_is_object(doc) ||
	    !coord_store_id_valid(plans ? COORD_STORE_PLAN : COORD_STORE_ISSUE, id)) {
		store_err(err, errlen, "%s has no valid %s", what, idkey);
		return -EINVAL;
	}
	if (vec_find(v, id) != NULL) {
		store_err(err, errlen, "%s %s already exists", what, id);
		return -EEXIST;
	}
	/* Refuse before writing anything when nothing can make room; evict only once the
	 * new record is safely on disk. */
	if (v->n >= max && evict_candidate(st, v, plans) == SIZE_MAX) {
		store_err(err, errlen, "cannot keep %s %s: all %zu stored %ss are in use by "
		    "running executions", what, id, v->n, what);
		return -EBUSY;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	copy_str(r->id, sizeof(r->id), id);
	copy_str(r->issue_id, sizeof(r->issue_id), iid);
	strata_time_rfc3339(r->created_at);
	r->seq = ++st->seq;
	r->doc = json_deep_copy(doc);
	file = json_pack("{s:s, s:s, s:s, s:I, s:O}", "kind", what, idkey, id,
	    "created_at", r->created_at, "seq", (json_int_t)r->seq,
	    plans ? "plan" : "issue", r->doc);
	if (r->doc == NULL || file == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(name, sizeof(name), "%s.json", id);
	rc = store_fs_write_json(plans ? st->plans_fd : st->issues_fd,
	    plans ? "plans" : "issues", name, file, st->opt.max_record,
	    store_durable(st, false), err, errlen);
	if (rc != 0)
		goto fail;
	while (v->n >= max && store_evict(st, plans) == 0)
		;
	if ((rc = vec_push_rec(v, r)) != 0) {
		unlinkat(plans ? st->plans_fd : st->issues_fd, name, 0);
		goto fail;
	}
	json_decref(file);
	return 0;
fail:
	json_decref(file);
	store_rec_free(r);
	return rc;
}

int
coord_store_issue_put(struct coord_store *st, const json_t *issue, char *err, size_t errlen)
{
	return rec_put(st, false, issue, err, errlen);
}

int
coord_store_plan_put(struct coord_store *st, const json_t *plan, char *err, size_t errlen)
{
	return rec_put(st, true, plan, err, errlen);
}

json_t *
coord_store_issue_get(struct coord_store *st, const char *issue_id)
{
	struct store_rec *r;

	if (!coord_store_id_valid(COORD_STORE_ISSUE, issue_id))
		return NULL;
	r = vec_find(&st->issues, issue_id);
	return r ? json_incref(r->doc) : NULL;
}

json_t *
coord_store_plan_get(struct coord_store *st, const char *plan_id)
{
	struct store_rec *r;

	if (!coord_store_id_valid(COORD_STORE_PLAN, plan_id))
		return NULL;
	r = vec_find(&st->plans, plan_id);
	return r ? json_incref(r->doc) : NULL;
}

/* Newest first. */
static json_t *
rec_list(const struct store_vec *v, bool plans)
{
	json_t *a = json_array();
	size_t i;

	for (i = v->n; a != NULL && i-- > 0;) {
		const struct store_rec *r = v->v[i];
		json_t *o;

		if (plans)
			o = json_pack("{s:s, s:s, s:O?, s:s}", "plan_id", r->id, "issue_id",
			    r->issue_id, "hash", json_object_get(r->doc, "hash"),
			    "created_at", r->created_at);
		else
			o = json_pack("{s:s, s:O?, s:s}", "issue_id", r->id, "summary",
			    json_object_get(r->doc, "summary"), "created_at", r->created_at);
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
coord_store_issue_list(struct coord_store *st)
{
	return rec_list(&st->issues, false);
}

json_t *
coord_store_plan_list(struct coord_store *st)
{
	return rec_list(&st->plans, true);
}

json_t *
coord_store_exec_list(struct coord_store *st)
{
	json_t *a = json_array();
	size_t i;

	for (i = st->nexecs; a != NULL && i-- > 0;) {
		const struct coord_exec *ex = st->execs[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:O?, s:O?}",
		    "execution_id", ex->id, "plan_id", ex->plan_id,
		    "status", coord_exec_status_name(ex->status), "dry_run", ex->dry_run,
		    "created_at", json_object_get(ex->hdr, "created_at"),
		    "updated_at", json_object_get(ex->hdr, "updated_at")));
	}
	return a;
}

json_t *
coord_store_resource_list(struct coord_store *st)
{
	json_t *a = json_array();
	char uri[128];
	size_t i;

	for (i = st->plans.n; a != NULL && i-- > 0;) {
		const struct store_rec *r = st->plans.v[i];

		snprintf(uri, sizeof(uri), URI_PLANS "%s", r->id);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "uri", uri,
		    "name", r->id, "mimeType", "application/json", "description",
		    "Remediation plan"));
	}
	for (i = st->nexecs; a != NULL && i-- > 0;) {
		const struct coord_exec *ex = st->execs[i];
		char desc[96];

		snprintf(uri, sizeof(uri), URI_EXECS "%s", ex->id);
		snprintf(desc, sizeof(desc), "Execution of %s (%s)", ex->plan_id,
		    coord_exec_status_name(ex->status));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "uri", uri,
		    "name", ex->id, "mimeType", "application/json", "description", desc));
	}
	return a;
}

int
coord_store_resource_read(struct coord_store *st, const char *uri, char **text, char *err,
    size_t errlen)
{
	json_t *v = NULL;

	*text = NULL;
	if (uri != NULL && strncmp(uri, URI_PLANS, strlen(URI_PLANS)) == 0) {
		v = coord_store_plan_get(st, uri + strlen(URI_PLANS));
	} else if (uri != NULL && strncmp(uri, URI_EXECS, strlen(URI_EXECS)) == 0) {
		struct coord_exec *ex = coord_store_exec_get(st, uri + strlen(URI_EXECS));

		if (ex != NULL)
			v = coord_exec_to_json(ex, false);
	}
	if (v == NULL) {
		store_err(err, errlen, "no such resource: %s", uri ? uri : "(null)");
		return -ENOENT;
	}
	*text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(v);
	return *text ? 0 : -ENOMEM;
}

/* ---- executions registry (records themselves: journal.c) ---------------------------- */

struct coord_exec *
coord_store_exec_get(struct coord_store *st, const char *exec_id)
{
	size_t i;

	if (!coord_store_id_valid(COORD_STORE_EXEC, exec_id))
		return NULL;
	for (i = 0; i < st->nexecs; i++)
		if (strcmp(st->execs[i]->id, exec_id) == 0)
			return st->execs[i];
	return NULL;
}

int
store_exec_push(struct coord_store *st, struct coord_exec *ex)
{
	if (st->nexecs == st->execs_cap) {
		size_t cap = st->execs_cap ? st->execs_cap * 2 : 16;
		struct coord_exec **nv = realloc(st->execs, cap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		st->execs = nv;
		st->execs_cap = cap;
	}
	st->execs[st->nexecs++] = ex;
	return 0;
}

/*
 * Drops the oldest execution that can no longer change the cluster and needs nothing
 * more: not running, not rolling back, not interrupted (rollback_plan may still want
 * it).  -EBUSY if there is none.
 */
int
store_exec_evict(struct coord_store *st)
{
	size_t i, best = SIZE_MAX;
	struct coord_exec *ex;

	for (i = 0; i < st->nexecs; i++) {
		ex = st->execs[i];
		if (coord_exec_status_active(ex->status) ||
		    ex->status == COORD_EXEC_INTERRUPTED)
			continue;
		if (best == SIZE_MAX || ex->seq < st->execs[best]->seq)
			best = i;
	}
	if (best == SIZE_MAX)
		return -EBUSY;
	ex = st->execs[best];
	if (store_fs_remove(st->execs_fd, ex->id) != 0)
		log_warn(STORE_LOG, "cannot remove evicted %s/executions/%s", st->dir, ex->id);
	log_debug(STORE_LOG, "evicted execution %s", ex->id);
	journal_exec_free(ex);
	memmove(&st->execs[best], &st->execs[best + 1],
	    (st->nexecs - best - 1) * sizeof(*st->execs));
	st->nexecs--;
	return 0;
}

struct coord_exec *
coord_store_exec_latest(struct coord_store *st, const char *plan_id)
{
	struct coord_exec *best = NULL;
	size_t i;

	if (plan_id == NULL)
		return NULL;
	for (i = 0; i < st->nexecs; i++) {
		struct coord_exec *ex = st->execs[i];

		if (strcmp(ex->plan_id, plan_id) == 0 && (best == NULL || ex->seq > best->seq))
			best = ex;
	}
	return best;
}

const char *
coord_store_dir(const struct coord_store *st)
{
	return st->dir;
}

struct coord_locks *
coord_store_locks(struct coord_store *st)
{
	return st->locks;
}
