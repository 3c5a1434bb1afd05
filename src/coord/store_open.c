/*
 * Opening the state store: where the directory is, creating it private, the lock file
 * that keeps a second server out, loading every record a previous process left (setting
 * bad ones aside, removing torn temp files) and marking interrupted runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/util.h"
#include "store_int.h"

#define DEF_MAX_ISSUES	256
#define DEF_MAX_PLANS	256
#define DEF_MAX_EXECS	1024
#define DEF_MAX_STEPS	10000
#define DEF_MAX_RECORD	((size_t)32 << 20)
#define DEF_MAX_AUDIT	((size_t)64 << 20)

int
coord_store_default_dir(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/strata", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/.local/state/strata", home);
	else {
		store_err(err, errlen, "no state directory: set --state-dir, XDG_STATE_HOME "
		    "or HOME");
		return -ENOENT;
	}
	if (n < 0 || (size_t)n >= outlen) {
		store_err(err, errlen, "state directory path is too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Takes the lock file; a held lock gives -EBUSY and names the holder's pid. */
static int
store_lock(struct coord_store *st, char *err, size_t errlen)
{
	char pid[32];
	ssize_t r;
	int n;

	st->lockfd = openat(st->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (st->lockfd == -1) {
		int e = errno;

		store_err(err, errlen, "state directory %s is not writable: cannot create %s/lock:"
		    " %s", st->dir, st->dir, strerror(e));
		return -e;
	}
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) == -1) {
		int e = errno;

		if (e != EWOULDBLOCK) {
			store_err(err, errlen, "cannot lock %s/lock: %s", st->dir, strerror(e));
			return -e;
		}
		r = pread(st->lockfd, pid, sizeof(pid) - 1, 0);
		pid[r > 0 ? r : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		store_err(err, errlen, "state directory %s is in use by another strata-mcp "
		    "(pid %s); give each server its own --state-dir", st->dir,
		    pid[0] ? pid : "unknown");
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(st->lockfd, 0) == -1 || pwrite(st->lockfd, pid, (size_t)n, 0) != n) {
		int e = errno;

		store_err(err, errlen, "state directory %s is not writable: %s", st->dir,
		    strerror(e));
		return -e;
	}
	return 0;
}

static int
open_subdir(struct coord_store *st, const char *name, int *fd, char *err, size_t errlen)
{
	if (mkdirat(st->dirfd, name, 0700) == -1 && errno != EEXIST) {
		int e = errno;

		store_err(err, errlen, "cannot create %s/%s: %s", st->dir, name, strerror(e));
		return -e;
	}
	*fd = openat(st->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd == -1) {
		int e = errno;

		store_err(err, errlen, "cannot open %s/%s: %s", st->dir, name, strerror(e));
		return -e;
	}
	return 0;
}

/* True when `name` is "<id>.json" for a valid id of `kind`; copies the id. */
static bool
record_name(enum coord_store_kind kind, const char *name, char id[COORD_STORE_ID_MAX])
{
	size_t len = strlen(name);

	if (len < 6 || len - 5 >= COORD_STORE_ID_MAX || strcmp(name + len - 5, ".json") != 0)
		return false;
	memcpy(id, name, len - 5);
	id[len - 5] = '\0';
	return coord_store_id_valid(kind, id);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct store_rec *x = *(struct store_rec *const *)a;
	const struct store_rec *y = *(struct store_rec *const *)b;
	int c;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	c = strcmp(x->created_at, y->created_at);

	return c ? c : strcmp(x->id, y->id);
}

/* Loads issues/ or plans/ into `v`, oldest first. */
static int
load_records(struct coord_store *st, bool plans, struct coord_store_stats *stats)
{
	const char *sub = plans ? "plans" : "issues", *what = plans ? "plan" : "issue";
	const char *idkey = plans ? "plan_id" : "issue_id";
	struct store_vec *v = plans ? &st->plans : &st->issues;
	int fd = plans ? st->plans_fd : st->issues_fd, dfd;
	struct dirent *de;
	DIR *d;
	size_t i;

	if ((dfd = dup(fd)) == -1 || (d = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		char id[COORD_STORE_ID_MAX], why[256];
		const char *name = de->d_name, *cat;
		struct store_rec *r;
		json_t *file, *doc;

		if (name[0] == '.' && !store_fs_is_temp(name))
			continue;
		if (store_fs_is_temp(name)) {
			/* An unfinished write: the record it was replacing is intact. */
			if (unlinkat(fd, name, 0) == 0)
				stats->temp_removed++;
			continue;
		}
		if (strstr(name, ".corrupt") != NULL)
			continue;
		if (!record_name(plans ? COORD_STORE_PLAN : COORD_STORE_ISSUE, name, id)) {
			log_warn(STORE_LOG, "ignoring unknown file %s/%s/%s", st->dir, sub, name);
			continue;
		}
		file = store_fs_read_json(fd, name, st->opt.max_record, why, sizeof(why));
		if (file == NULL)
			goto corrupt;
		doc = json_object_get(file, plans ? "plan" : "issue");
		cat = json_string_value(json_object_get(file, "created_at"));
		if (!json_is_object(doc) || cat == NULL ||
		    !json_is_string(json_object_get(file, "kind")) ||
		    strcmp(json_string_value(json_object_get(file, "kind")), what) != 0 ||
		    json_string_value(json_object_get(file, idkey)) == NULL ||
		    strcmp(json_string_value(json_object_get(file, idkey)), id) != 0 ||
		    json_string_value(json_object_get(doc, idkey)) == NULL ||
		    strcmp(json_string_value(json_object_get(doc, idkey)), id) != 0) {
			snprintf(why, sizeof(why), "not a %s record named %s", what, id);
			json_decref(file);
			goto corrupt;
		}
		r = calloc(1, sizeof(*r));
		if (r == NULL || vec_push_rec(v, r) != 0) {
			free(r);
			json_decref(file);
			closedir(d);
			return -ENOMEM;
		}
		snprintf(r->id, sizeof(r->id), "%s", id);
		snprintf(r->issue_id, sizeof(r->issue_id), "%s",
		    json_string_value(json_object_get(doc, "issue_id")) ?
		    json_string_value(json_object_get(doc, "issue_id")) : "");
		snprintf(r->created_at, sizeof(r->created_at), "%s", cat);
		if (json_integer_value(json_object_get(file, "seq")) > 0)
			r->seq = (uint64_t)json_integer_value(json_object_get(file, "seq"));
		r->doc = json_incref(doc);
		json_decref(file);
		continue;
corrupt:
		if (store_fs_set_aside(fd, sub, name, why) == 0)
			stats->corrupt++;
	}
	closedir(d);
	/* Creation order (seq, written in each record) survives restarts; new records
	 * continue after the highest one found. */
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), rec_cmp);
	for (i = 0; i < v->n; i++)
		if (v->v[i]->seq > st->seq)
			st->seq = v->v[i]->seq;
	return 0;
}

static int
exec_cmp(const void *a, const void *b)
{
	const struct coord_exec *x = *(struct coord_exec *const *)a;
	const struct coord_exec *y = *(struct coord_exec *const *)b;
	const char *cx, *cy;
	int c;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	cx = json_string_value(json_object_get(x->hdr, "created_at"));
	cy = json_string_value(json_object_get(y->hdr, "created_at"));
	c = strcmp(cx ? cx : "", cy ? cy : "");
	return c ? c : strcmp(x->id, y->id);
}

static int
load_execs(struct coord_store *st, struct coord_store_stats *stats)
{
	struct dirent *de;
	DIR *d;
	size_t i;
	int dfd;

	if ((dfd = dup(st->execs_fd)) == -1 || (d = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		struct coord_exec *ex;

		if (store_fs_is_temp(name)) {
			if (unlinkat(st->execs_fd, name, 0) == 0)
				stats->temp_removed++;
			continue;
		}
		if (name[0] == '.' || strstr(name, ".corrupt") != NULL)
			continue;
		if (!coord_store_id_valid(COORD_STORE_EXEC, name)) {
			log_warn(STORE_LOG, "ignoring unknown file %s/executions/%s", st->dir, name);
			continue;
		}
		ex = journal_load_exec(st, name, stats);
		if (ex == NULL)
			continue;
		if (store_exec_push(st, ex) != 0) {
			journal_exec_free(ex);
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	if (st->nexecs > 1)
		qsort(st->execs, st->nexecs, sizeof(*st->execs), exec_cmp);
	for (i = 0; i < st->nexecs; i++)
		if (st->execs[i]->seq > st->seq)
			st->seq = st->execs[i]->seq;
	return 0;
}

int
coord_store_open(const struct coord_store_options *opt, struct coord_store **out,
    struct coord_store_stats *stats, char *err, size_t errlen)
{
	struct coord_store_options none = { 0 };
	struct coord_store_stats dummy;
	struct coord_store *st;
	char path[4096];
	struct stat sb;
	size_t i;
	int rc;

	*out = NULL;
	if (opt == NULL)
		opt = &none;
	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (opt->state_dir != NULL && opt->state_dir[0] != '\0')
		snprintf(path, sizeof(path), "%s", opt->state_dir);
	else if ((rc = coord_store_default_dir(path, sizeof(path), err, errlen)) != 0)
		return rc;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->dirfd = st->lockfd = st->issues_fd = st->plans_fd = st->execs_fd = -1;
	st->opt = *opt;
	st->dir = strdup(path);
	st->locks = coord_locks_new(0);
	if (st->dir == NULL || st->locks == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	st->opt.state_dir = st->dir;
	if (!st->opt.max_issues) st->opt.max_issues = DEF_MAX_ISSUES;
	if (!st->opt.max_plans) st->opt.max_plans = DEF_MAX_PLANS;
	if (!st->opt.max_execs) st->opt.max_execs = DEF_MAX_EXECS;
	if (!st->opt.max_steps) st->opt.max_steps = DEF_MAX_STEPS;
	if (!st->opt.max_record) st->opt.max_record = DEF_MAX_RECORD;
	if (!st->opt.max_audit) st->opt.max_audit = DEF_MAX_AUDIT;

	if ((rc = store_fs_mkdirs(st->dir, 0700, err, errlen)) != 0)
		goto fail;
	st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd == -1 || fstat(st->dirfd, &sb) == -1) {
		rc = -errno;
		store_err(err, errlen, "cannot open state directory %s: %s", st->dir,
		    strerror(-rc));
		goto fail;
	}
	if ((sb.st_mode & 077) != 0) {
		/* It holds cluster object snapshots: nobody else may read it. */
		if (fchmod(st->dirfd, 0700) == -1) {
			rc = -errno;
			store_err(err, errlen, "state directory %s is accessible to others (mode "
			    "%03o) and cannot be made private: %s", st->dir,
			    (unsigned)(sb.st_mode & 0777), strerror(-rc));
			goto fail;
		}
		log_warn(STORE_LOG, "state directory %s had mode %03o; changed to 700", st->dir,
		    (unsigned)(sb.st_mode & 0777));
	}
	if ((rc = store_lock(st, err, errlen)) != 0)
		goto fail;
	if ((rc = open_subdir(st, "issues", &st->issues_fd, err, errlen)) != 0 ||
	    (rc = open_subdir(st, "plans", &st->plans_fd, err, errlen)) != 0 ||
	    (rc = open_subdir(st, "executions", &st->execs_fd, err, errlen)) != 0)
		goto fail;
	if ((rc = load_records(st, false, stats)) != 0 ||
	    (rc = load_records(st, true, stats)) != 0 ||
	    (rc = load_execs(st, stats)) != 0) {
		store_err(err, errlen, "cannot read state directory %s: %s", st->dir,
		    strerror(-rc));
		goto fail;
	}
	for (i = 0; i < st->nexecs; i++) {
		struct coord_exec *ex = st->execs[i];
		char why[256];

		if (!coord_exec_status_active(ex->status))
			continue;
		if ((rc = journal_mark_interrupted(ex, why, sizeof(why))) != 0) {
			store_err(err, errlen, "cannot mark execution %s interrupted: %s", ex->id,
			    why);
			goto fail;
		}
		stats->interrupted++;
	}
	/* Caps may have been lowered since the records were written. */
	while (st->issues.n > st->opt.max_issues && store_evict(st, false) == 0)
		;
	while (st->plans.n > st->opt.max_plans && store_evict(st, true) == 0)
		;
	while (st->nexecs > st->opt.max_execs && store_exec_evict(st) == 0)
		;
	stats->issues = st->issues.n;
	stats->plans = st->plans.n;
	stats->execs = st->nexecs;
	log_info(STORE_LOG, "state directory %s: %zu issues, %zu plans, %zu executions, "
	    "%zu interrupted, %zu corrupt set aside, %zu temp files removed", st->dir,
	    stats->issues, stats->plans, stats->execs, stats->interrupted, stats->corrupt,
	    stats->temp_removed);
	*out = st;
	return 0;
fail:
	coord_store_close(st);
	return rc;
}

void
coord_store_close(struct coord_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->issues.n; i++)
		store_rec_free(st->issues.v[i]);
	for (i = 0; i < st->plans.n; i++)
		store_rec_free(st->plans.v[i]);
	free(st->issues.v);
	free(st->plans.v);
	for (i = 0; i < st->nexecs; i++)
		journal_exec_free(st->execs[i]);
	free(st->execs);
	coord_locks_free(st->locks);
	if (st->issues_fd != -1)
		close(st->issues_fd);
	if (st->plans_fd != -1)
		close(st->plans_fd);
	if (st->execs_fd != -1)
		close(st->execs_fd);
	if (st->lockfd != -1)
		close(st->lockfd);	/* releases the flock */
	if (st->dirfd != -1)
		close(st->dirfd);
	free(st->dir);
	free(st);
}
