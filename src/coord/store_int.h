#ifndef STRATA_COORD_STORE_INT_H
#define STRATA_COORD_STORE_INT_H

/*
 * Internals shared by store.c (registries, open/load, eviction), store_fs.c (atomic
 * files), journal.c (executions) and journal_load.c.  Not a public interface.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "strata/coord_store.h"

#define STORE_LOG	"store"

/* One issue or plan kept in memory.  `doc` is owned (the stored deep copy). */
struct store_rec {
	char		 id[COORD_STORE_ID_MAX];
	char		 issue_id[COORD_STORE_ID_MAX];	/* plans: their issue ("" if none) */
	char		 created_at[32];
	uint64_t	 seq;				/* order of creation (for "oldest") */
	json_t		*doc;
};

struct store_vec {
	struct store_rec **v;
	size_t		   n;
	size_t		   cap;
};

struct coord_exec {
	struct coord_store *st;
	char		 id[COORD_STORE_ID_MAX];
	char		 plan_id[COORD_STORE_ID_MAX];
	uint64_t	 seq;
	enum coord_exec_status status;
	int		 interrupted_from;	/* -1 or enum coord_exec_status */
	bool		 dry_run;
	json_t		*hdr;		/* owned: the execution.json document */
	json_t		*plan;		/* owned: the plan snapshot */
	json_t		**steps;	/* owned: step records by index (NULL = none) */
	size_t		 nsteps;	/* one past the highest index recorded */
	size_t		 steps_cap;
	int		 audit_fd;	/* -1 until the first audit line */
	bool		 audit_dirty;	/* written since the last fsync */
	bool		 audit_full;
	uint64_t	 audit_bytes;
};

struct coord_store {
	char		*dir;		/* owned */
	int		 dirfd;
	int		 lockfd;
	int		 issues_fd;
	int		 plans_fd;
	int		 execs_fd;
	struct coord_store_options opt;	/* state_dir points at `dir` */
	uint64_t	 seq;
	struct store_vec issues;
	struct store_vec plans;
	struct coord_exec **execs;	/* owned */
	size_t		 nexecs;
	size_t		 execs_cap;
	struct coord_locks *locks;	/* owned */
};

/* ---- store_fs.c -------------------------------------------------------------------- */

/* mkdir -p with `mode` for each directory it creates. */
int	store_fs_mkdirs(const char *path, mode_t mode, char *err, size_t errlen);
/*
 * Writes `len` bytes as `name` in the directory `dirfd` atomically (temp file, fsync,
 * rename, fsync directory; no fsync when !durable).  `where` names the directory in
 * messages.
 */
int	store_fs_write(int dirfd, const char *where, const char *name, const char *data,
	    size_t len, bool durable, char *err, size_t errlen);
/* Serializes `v` (compact, sorted keys, newline) and writes it as above; -E2BIG past max. */
int	store_fs_write_json(int dirfd, const char *where, const char *name, const json_t *v,
	    size_t max, bool durable, char *err, size_t errlen);
/* Reads and parses a JSON object file of at most `max` bytes; NULL with a message. */
json_t	*store_fs_read_json(int dirfd, const char *name, size_t max, char *err,
	    size_t errlen);
/* Renames `name` to `name.corrupt` (or .corrupt.N when taken) and logs why. */
int	store_fs_set_aside(int dirfd, const char *where, const char *name, const char *why);
/* Unlinks `name`, or when it is a directory its files and then itself. */
int	store_fs_remove(int dirfd, const char *name);
/* True for names of our temp files (".NAME.tmp.…"). */
bool	store_fs_is_temp(const char *name);
/* fsync a directory or file descriptor, tolerating EINVAL (file systems without it). */
int	store_fs_sync(int fd);

/* ---- store.c ----------------------------------------------------------------------- */

/* Message helper: snprintf into err when there is room. */
void	store_err(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
bool	store_durable(const struct coord_store *st, bool dry_run);
void	store_rec_free(struct store_rec *r);
int	vec_push_rec(struct store_vec *v, struct store_rec *r);
/* Drops the oldest issue (or plan) not used by an active execution; -EBUSY if none. */
int	store_evict(struct coord_store *st, bool plans);
int	store_exec_push(struct coord_store *st, struct coord_exec *ex);
/* Drops the oldest finished, non-interrupted execution; -EBUSY if none. */
int	store_exec_evict(struct coord_store *st);

/* ---- journal.c / journal_load.c ------------------------------------------------------ */

void	journal_exec_free(struct coord_exec *ex);
/* Persists the header (execution.json). */
int	journal_save_header(struct coord_exec *ex, char *err, size_t errlen);
/* Loads exec directory `name`; NULL when it is not a usable record (set aside). */
struct coord_exec *journal_load_exec(struct coord_store *st, const char *name,
	    struct coord_store_stats *stats);
/* Marks a loaded active execution interrupted and persists it; 0 or -errno. */
int	journal_mark_interrupted(struct coord_exec *ex, char *err, size_t errlen);
/* Reads the audit trail's size (journal_audit.c). */
void	journal_audit_stat(struct coord_exec *ex, int dirfd);
/* Sets step slot `index` to `rec` (stolen). */
int	journal_step_slot(struct coord_exec *ex, size_t index, json_t *rec);

#endif
