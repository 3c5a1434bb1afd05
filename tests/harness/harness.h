#ifndef STRATA_HARNESS_H
#define STRATA_HARNESS_H

/*
 * The scripted JSON-RPC harness: spawns strata-mcp, feeds it the messages of a script
 * (the JSON files in tests/mcp) and checks every answer against a JSON pattern, with deadlines.
 *
 *   proc.c    the child process and its three pipes, pumped with poll(2)
 *   match.c   pattern matching ("$string", "$re:…", "$absent", "$each", …)
 *   script.c  one script: its options and steps
 *   harness.c command line, the loop over scripts, the summary line
 *
 * The script format is described at the top of script.c.
 */

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "strata/util.h"

#define HARNESS_WHY_MAX		1024		/* one failure message */
#define HARNESS_STDOUT_MAX	(64u << 20)	/* bytes of one unfinished stdout line */
#define HARNESS_STDERR_MAX	(1u << 20)	/* stderr kept for expect_stderr */

/* ---- proc.c ------------------------------------------------------------------------- */

enum proc_stdin {
	PROC_STDIN_PIPE = 0,
	PROC_STDIN_FILE,	/* a regular file holding `file_data` */
	PROC_STDIN_NULL		/* /dev/null */
};

/*
 * A running server.  Every complete stdout line is kept in `lines` (a JSON array of
 * strings, owned) and, when it parses, as a message in `queue` (owned; expect steps take
 * messages out of it).  `bad` (owned, may be NULL) describes the first stdout line that is
 * not a JSON-RPC message.
 */
struct proc {
	pid_t		 pid;
	int		 in_fd;		/* write end of the server's stdin, or -1 */
	int		 out_fd;	/* read end of its stdout, or -1 after EOF */
	int		 err_fd;	/* read end of its stderr, or -1 after EOF */
	int		 exited;	/* 1 once waitpid() reported it */
	int		 status;	/* waitpid() status when exited */
	struct sbuf	 tx;		/* bytes still to write to stdin */
	size_t		 tx_off;
	struct sbuf	 rx;		/* the unfinished stdout line */
	struct sbuf	 err;		/* everything read from stderr (capped) */
	size_t		 stdout_bytes;	/* bytes ever read from stdout */
	int		 stall;		/* 1: leave stdout unread (backpressure tests) */
	json_t		*lines;
	json_t		*queue;
	char		*bad;
};

/*
 * Starts `argv` (NULL-terminated; argv[0] is looked up in PATH) with stdin as `mode`
 * says; for PROC_STDIN_FILE, `file_data`/`file_len` become the content of a temporary
 * file.  Returns 0 or a negative errno with a message in `why`.
 */
int	proc_start(struct proc *p, char *const argv[], enum proc_stdin mode,
	    const char *file_data, size_t file_len, char *why, size_t whylen);
/* Queues bytes for stdin.  Bytes for a closed stdin are dropped (returns -EPIPE). */
int	proc_send(struct proc *p, const void *data, size_t len);
/* Runs poll(2) once for at most `timeout_ms`: writes, reads, reaps the child. */
void	proc_pump(struct proc *p, int timeout_ms);
/* Pumps until everything queued is written (or stdin closed) or `deadline` passed. */
int	proc_flush(struct proc *p, uint64_t deadline);
void	proc_close_stdin(struct proc *p);
/* Pumps until the child exited or `deadline` passed; returns 1 if it exited. */
int	proc_wait(struct proc *p, uint64_t deadline);
/* SIGKILLs a child that is still running, reaps it, closes every fd, frees buffers. */
void	proc_release(struct proc *p);

/* ---- match.c ------------------------------------------------------------------------ */

/*
 * Matches `got` (borrowed, may be NULL for "absent") against `pat` (borrowed).  Objects
 * match as subsets; arrays with exact length unless the first element is "$each",
 * "$contains" or "$unordered"; strings "$any", "$string", "$number", "$integer",
 * "$boolean", "$object", "$array", "$nonempty", "$absent", "$re:REGEX", "$save:NAME",
 * "$var:NAME"; "$$x" is the literal "$x"; {"$oneof": [p1, p2, …]} matches any of them.
 * `vars` (borrowed) holds saved values.  Returns 1 on a match; otherwise 0 and a message
 * naming the path into `why`.
 */
int	match_json(const json_t *pat, const json_t *got, json_t *vars, char *why,
	    size_t whylen);
/* A deep copy of `v` with every string "$var:NAME" replaced by the saved value (new). */
json_t	*match_subst(const json_t *v, json_t *vars, char *why, size_t whylen);
/* Compact text of `v` cut to `max` characters with "…" (new; free()). */
char	*match_dump(const json_t *v, size_t max);
/* 1 if `v` is a well-formed JSON-RPC 2.0 message or a non-empty array of them. */
int	match_is_jsonrpc(const json_t *v, char *why, size_t whylen);

/* ---- script.c ----------------------------------------------------------------------- */

struct harness_opts {
	const char	*server;	/* path of strata-mcp */
	char		**wrap;		/* STRATA_WRAP split into words (NULL-terminated) or NULL */
	double		 scale;		/* multiplies every deadline */
	int		 verbose;
};

/*
 * Runs the script in file `path`.  Returns 0 when it passed; otherwise -1 with
 * "step K: expected … got …" in `why`.
 */
int	script_run(const struct harness_opts *o, const char *path, char *why,
	    size_t whylen);

#endif
