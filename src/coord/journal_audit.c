/*
 * The audit trail of an execution: every mutating request, one JSON line each, written
 * with one write(2) (so a killed process leaves whole lines) and fsync'd at the next
 * step boundary (journal.c).  A torn last line after a power loss is skipped on read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/util.h"
#include "store_int.h"

#define AUDIT_FILE	"audit.jsonl"
#define AUDIT_PATH_MAX	2048
#define AUDIT_LINE_MAX	(AUDIT_PATH_MAX + 512)

static int
audit_open(struct coord_exec *ex, char *err, size_t errlen)
{
	int dfd, e;

	if (ex->audit_fd != -1)
		return 0;
	dfd = openat(ex->st->execs_fd, ex->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		ex->audit_fd = openat(dfd, AUDIT_FILE, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
		e = errno;
		close(dfd);
	} else {
		e = errno;
	}
	if (ex->audit_fd == -1) {
		store_err(err, errlen, "cannot open %s/executions/%s/" AUDIT_FILE ": %s",
		    ex->st->dir, ex->id, strerror(e));
		return -e;
	}
	return 0;
}

int
coord_exec_audit(struct coord_exec *ex, const char *method, const char *path,
    int http_status, bool dry_run, long step, char *err, size_t errlen)
{
	char now[32], pathbuf[AUDIT_PATH_MAX + 1];
	json_t *line;
	char *text;
	size_t len;
	ssize_t w;
	int rc;

	if (method == NULL || method[0] == '\0' || strlen(method) > 16 || path == NULL) {
		store_err(err, errlen, "an audit record needs a method and a path");
		return -EINVAL;
	}
	if (ex->audit_full) {
		store_err(err, errlen, "audit trail of %s is full (%zu bytes)", ex->id,
		    ex->st->opt.max_audit);
		return -E2BIG;
	}
	/* Paths come from plans: keep one line bounded however long they are. */
	snprintf(pathbuf, sizeof(pathbuf), "%s", path);
	strata_time_rfc3339(now);
	line = json_pack("{s:s, s:s, s:s, s:i, s:b}", "time", now, "method", method,
	    "path", pathbuf, "status", http_status, "dry_run", dry_run);
	if (line == NULL)
		return -ENOMEM;
	if (step >= 0)
		json_object_set_new(line, "step", json_integer(step));
	text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(line);
	if (text == NULL)
		return -ENOMEM;
	len = strlen(text);
	text[len++] = '\n';	/* overwrites the NUL: the buffer is used by length */
	if (ex->audit_bytes + len > ex->st->opt.max_audit) {
		free(text);
		ex->audit_full = true;
		json_object_set_new(ex->hdr, "audit_truncated", json_true());
		log_warn(STORE_LOG, "audit trail of %s reached %zu bytes; later requests are "
		    "not recorded", ex->id, ex->st->opt.max_audit);
		rc = journal_save_header(ex, err, errlen);
		if (rc == 0)
			store_err(err, errlen, "audit trail of %s is full (%zu bytes)", ex->id,
			    ex->st->opt.max_audit);
		return rc ? rc : -E2BIG;
	}
	if ((rc = audit_open(ex, err, errlen)) != 0) {
		free(text);
		return rc;
	}
	do {
		w = write(ex->audit_fd, text, len);
	} while (w == -1 && errno == EINTR);
	free(text);
	if (w != (ssize_t)len) {
		rc = w == -1 ? -errno : -EIO;
		store_err(err, errlen, "cannot append to the audit trail of %s: %s", ex->id,
		    w == -1 ? strerror(-rc) : "short write");
		return rc;
	}
	ex->audit_bytes += len;
	ex->audit_dirty = true;
	return 0;
}

json_t *
coord_exec_audit_load(struct coord_exec *ex, char *err, size_t errlen)
{
	struct sbuf b = SBUF_INIT(ex->st->opt.max_audit + 1);
	json_t *a = NULL;
	char chunk[16384], *p, *nl;
	int dfd, fd;

	dfd = openat(ex->st->execs_fd, ex->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		store_err(err, errlen, "cannot open %s/executions/%s: %s", ex->st->dir, ex->id,
		    strerror(errno));
		return NULL;
	}
	fd = openat(dfd, AUDIT_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	close(dfd);
	if (fd == -1) {
		if (errno == ENOENT)
			return json_array();	/* nothing was audited yet */
		store_err(err, errlen, "cannot open the audit trail of %s: %s", ex->id,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (sbuf_append(&b, chunk, (size_t)r) != 0)
			break;		/* longer than the cap: read what fits */
	}
	close(fd);
	a = json_array();
	for (p = b.data; a != NULL && p != NULL && *p != '\0'; p = nl + 1) {
		json_t *v;

		nl = strchr(p, '\n');
		if (nl == NULL)
			break;		/* a torn last line */
		v = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (json_is_object(v))
			json_array_append_new(a, v);
		else
			json_decref(v);
	}
	sbuf_release(&b);
	return a;
}

/* The size of the trail already on disk, so the cap holds across restarts. */
void
journal_audit_stat(struct coord_exec *ex, int dirfd)
{
	struct stat sb;

	if (fstatat(dirfd, AUDIT_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		ex->audit_bytes = (uint64_t)sb.st_size;
	ex->audit_full = json_is_true(json_object_get(ex->hdr, "audit_truncated"));
}
