/*
 * Reading an execution's journal back after a restart, and marking a run that was going
 * on when the process died as interrupted.  Damage is never silent: an unreadable header
 * sets the whole directory aside; an unreadable step or plan file is set aside and named
 * in the execution's `journal_errors`, so rollback_plan knows what it cannot restore.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/util.h"
#include "store_int.h"

#define INTERRUPTED_STEP_MSG \
	"strata-mcp stopped during this step; it may or may not have been applied"

static void
journal_error(struct coord_exec *ex, const char *fmt, const char *a, const char *b)
{
	json_t *errs = json_object_get(ex->hdr, "journal_errors");
	char msg[512];

	if (!json_is_array(errs)) {
		errs = json_array();
		json_object_set_new(ex->hdr, "journal_errors", errs);
	}
	snprintf(msg, sizeof(msg), fmt, a, b);
	json_array_append_new(errs, json_string(msg));
}

/* "step-000012.json" → 12; -1 for any other name. */
static long
step_file_index(const char *name)
{
	char *end;
	long v;

	if (strncmp(name, "step-", 5) != 0 || name[5] < '0' || name[5] > '9')
		return -1;
	v = strtol(name + 5, &end, 10);
	if (strcmp(end, ".json") != 0 || v < 0 || end - (name + 5) < 6)
		return -1;
	return v;
}

static bool
header_ok(const json_t *hdr, const char *name, enum coord_exec_status *status)
{
	const char *kind = json_string_value(json_object_get(hdr, "kind"));
	const char *id = json_string_value(json_object_get(hdr, "execution_id"));
	const char *plan = json_string_value(json_object_get(hdr, "plan_id"));

	return kind != NULL && strcmp(kind, "execution") == 0 && id != NULL &&
	    strcmp(id, name) == 0 && coord_store_id_valid(COORD_STORE_PLAN, plan) &&
	    json_is_boolean(json_object_get(hdr, "dry_run")) &&
	    coord_exec_status_parse(json_string_value(json_object_get(hdr, "status")),
		status) == 0;
}

/* Loads step files; returns how many journal errors it added. */
static int
load_steps(struct coord_exec *ex, int dfd, const char *where,
    struct coord_store_stats *stats)
{
	struct dirent *de;
	int errors = 0, fd;
	DIR *d;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		journal_error(ex, "cannot list %s: %s", where, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		char why[256];
		long idx;
		json_t *rec;

		if (store_fs_is_temp(name)) {
			if (unlinkat(dfd, name, 0) == 0)
				stats->temp_removed++;
			continue;
		}
		if ((idx = step_file_index(name)) < 0)
			continue;
		if ((size_t)idx >= ex->st->opt.max_steps) {
			snprintf(why, sizeof(why), "step index past the limit of %zu",
			    ex->st->opt.max_steps);
			goto bad;
		}
		rec = store_fs_read_json(dfd, name, ex->st->opt.max_record, why, sizeof(why));
		if (rec == NULL)
			goto bad;
		if (json_integer_value(json_object_get(rec, "index")) != idx ||
		    !json_is_string(json_object_get(rec, "status"))) {
			json_decref(rec);
			snprintf(why, sizeof(why), "not the record of step %ld", idx);
			goto bad;
		}
		if (journal_step_slot(ex, (size_t)idx, rec) != 0) {
			closedir(d);
			return -ENOMEM;
		}
		continue;
bad:
		if (store_fs_set_aside(dfd, where, name, why) == 0)
			stats->corrupt++;
		journal_error(ex, "%s set aside as corrupt: %s", name, why);
		errors++;
	}
	closedir(d);
	return errors;
}

struct coord_exec *
journal_load_exec(struct coord_store *st, const char *name, struct coord_store_stats *stats)
{
	enum coord_exec_status status;
	struct coord_exec *ex = NULL;
	char where[4200], why[256];
	const char *from;
	json_t *hdr = NULL;
	int dfd, errors, rc;

	snprintf(where, sizeof(where), "%s/executions/%s", st->dir, name);
	dfd = openat(st->execs_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd == -1) {
		snprintf(why, sizeof(why), "not an execution directory: %s", strerror(errno));
		goto aside;
	}
	hdr = store_fs_read_json(dfd, "execution.json", st->opt.max_record, why, sizeof(why));
	if (hdr == NULL) {
		/* Without its header nothing can be trusted; a run whose begin never
		 * returned also ends here (it had not touched the cluster). */
		size_t n = strlen("execution.json: ");

		memmove(why + n, why, sizeof(why) - n - 1);
		memcpy(why, "execution.json: ", n);
		why[sizeof(why) - 1] = '\0';
		goto aside;
	}
	if (!header_ok(hdr, name, &status)) {
		snprintf(why, sizeof(why), "execution.json is not the header of %s", name);
		goto aside;
	}
	ex = calloc(1, sizeof(*ex));
	if (ex == NULL)
		goto fail;
	ex->st = st;
	ex->audit_fd = -1;
	ex->hdr = hdr;
	hdr = NULL;
	ex->status = status;
	if (json_integer_value(json_object_get(ex->hdr, "seq")) > 0)
		ex->seq = (uint64_t)json_integer_value(json_object_get(ex->hdr, "seq"));
	ex->dry_run = json_is_true(json_object_get(ex->hdr, "dry_run"));
	ex->interrupted_from = -1;
	from = json_string_value(json_object_get(ex->hdr, "interrupted_from"));
	if (from != NULL) {
		enum coord_exec_status f;

		if (coord_exec_status_parse(from, &f) == 0)
			ex->interrupted_from = (int)f;
	}
	snprintf(ex->id, sizeof(ex->id), "%s", name);
	snprintf(ex->plan_id, sizeof(ex->plan_id), "%s",
	    json_string_value(json_object_get(ex->hdr, "plan_id")));

	errors = 0;
	ex->plan = store_fs_read_json(dfd, "plan.json", st->opt.max_record, why, sizeof(why));
	if (ex->plan == NULL) {
		if (store_fs_set_aside(dfd, where, "plan.json", why) == 0)
			stats->corrupt++;
		journal_error(ex, "plan.json set aside as corrupt: %s%s", why, "");
		errors++;
	}
	if ((rc = load_steps(ex, dfd, where, stats)) < 0)
		goto fail;
	errors += rc;
	journal_audit_stat(ex, dfd);
	close(dfd);
	dfd = -1;
	if (errors > 0 && !coord_exec_status_active(ex->status)) {
		/* Record the damage now; an active run is saved when marked interrupted. */
		if (journal_save_header(ex, why, sizeof(why)) != 0)
			log_error(STORE_LOG, "%s", why);
	}
	return ex;
aside:
	if (dfd != -1)
		close(dfd);
	json_decref(hdr);
	if (store_fs_set_aside(st->execs_fd, "executions", name, why) == 0)
		stats->corrupt++;
	return NULL;
fail:
	if (dfd != -1)
		close(dfd);
	json_decref(hdr);
	journal_exec_free(ex);
	log_error(STORE_LOG, "out of memory loading %s", where);
	return NULL;
}

int
journal_mark_interrupted(struct coord_exec *ex, char *err, size_t errlen)
{
	char now[32], name[32];
	size_t i;
	int rc;

	strata_time_rfc3339(now);
	ex->interrupted_from = (int)ex->status;
	json_object_set_new(ex->hdr, "interrupted_from",
	    json_string(coord_exec_status_name(ex->status)));
	json_object_set_new(ex->hdr, "interrupted_at", json_string(now));
	json_object_set_new(ex->hdr, "updated_at", json_string(now));
	json_object_set_new(ex->hdr, "ended_at", json_string(now));
	json_object_set_new(ex->hdr, "status",
	    json_string(coord_exec_status_name(COORD_EXEC_INTERRUPTED)));
	ex->status = COORD_EXEC_INTERRUPTED;
	/* Steps caught half-way: their before-state is recorded, their effect unknown. */
	for (i = 0; i < ex->nsteps; i++) {
		json_t *rec = ex->steps[i];
		const char *s = json_string_value(json_object_get(rec, "status"));
		int dfd;
		char where[4200];

		if (s == NULL || strcmp(s, "running") != 0)
			continue;
		json_object_set_new(rec, "status", json_string("interrupted"));
		json_object_set_new(rec, "error", json_string(INTERRUPTED_STEP_MSG));
		dfd = openat(ex->st->execs_fd, ex->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd == -1) {
			rc = -errno;
			store_err(err, errlen, "cannot open %s/executions/%s: %s", ex->st->dir,
			    ex->id, strerror(-rc));
			return rc;
		}
		snprintf(name, sizeof(name), "step-%06zu.json", i);
		snprintf(where, sizeof(where), "%s/executions/%s", ex->st->dir, ex->id);
		rc = store_fs_write_json(dfd, where, name, rec, ex->st->opt.max_record,
		    store_durable(ex->st, ex->dry_run), err, errlen);
		close(dfd);
		if (rc != 0)
			return rc;
	}
	log_warn(STORE_LOG, "execution %s of plan %s was %s when strata-mcp stopped; marked "
	    "interrupted", ex->id, ex->plan_id, coord_exec_status_name(
	    (enum coord_exec_status)ex->interrupted_from));
	return journal_save_header(ex, err, errlen);
}
