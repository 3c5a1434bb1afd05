/*
 * Logging to stderr in logfmt.  stdout belongs to the protocol, so nothing here may ever
 * touch fd 1.  stderr can be non-blocking when it shares an open file description with
 * a pipe libuv opened, so a write that would block waits a little and then gives up
 * rather than stall the loop.
 *
 * Any thread may log (the in-process simulator's threads do).  The hook, though, runs
 * only on the thread that installed it: the MCP server's hook writes to the client
 * through the event loop, which no other thread may touch, so records from other
 * threads go to stderr alone.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "strata/util.h"

#define LOG_LINE_MAX	4096

static _Atomic int			 log_level = STRATA_LOG_INFO;
static _Atomic(strata_log_hook_fn)	 log_hook;
static void *_Atomic			 log_hook_arg;
static _Thread_local int		 log_hook_here;	/* this thread installed it */
static _Thread_local int		 log_in_hook;

static const char *const level_names[] = {
	"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"
};

void
strata_log_set_level(enum strata_log_level level)
{
	log_level = level;
}

enum strata_log_level
strata_log_get_level(void)
{
	return (enum strata_log_level)atomic_load(&log_level);
}

void
strata_log_set_hook(strata_log_hook_fn fn, void *arg)
{
	atomic_store(&log_hook, NULL);
	atomic_store(&log_hook_arg, arg);
	atomic_store(&log_hook, fn);
	log_hook_here = fn != NULL;
}

int
strata_log_level_parse(const char *name, enum strata_log_level *out)
{
	size_t i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < STRATA_ARRAY_LEN(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum strata_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
strata_log_level_name(enum strata_log_level level)
{
	if ((size_t)level >= STRATA_ARRAY_LEN(level_names))
		return "unknown";
	return level_names[level];
}

static void
log_write_all(const char *p, size_t n)
{
	struct pollfd pfd;
	ssize_t w;
	int waits = 0;

	while (n > 0) {
		w = write(STDERR_FILENO, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waits++ < 5) {
			pfd.fd = STDERR_FILENO;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 20);
			continue;
		}
		return;	/* stderr gone or stuck: drop the record */
	}
}

/* Appends `s` quoted for logfmt, escaping quotes, backslashes and control bytes. */
static size_t
log_quote(char *out, size_t cap, size_t at, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	if (at < cap)
		out[at++] = '"';
	for (; *s != '\0' && at + 6 < cap; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[at++] = '\\';
			out[at++] = (char)c;
		} else if (c == '\n') {
			out[at++] = '\\';
			out[at++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			out[at++] = '\\';
			out[at++] = 'x';
			out[at++] = hex[c >> 4];
			out[at++] = hex[c & 15];
		} else
			out[at++] = (char)c;
	}
	if (at < cap)
		out[at++] = '"';
	return at;
}

void
strata_logv(enum strata_log_level level, const char *logger, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 128], ts[32];
	strata_log_hook_fn hook = log_hook_here ? atomic_load(&log_hook) : NULL;
	int below = (int)level < atomic_load(&log_level);
	size_t at;
	int n;

	if (below && hook == NULL)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (hook != NULL && !log_in_hook) {
		log_in_hook = 1;	/* a hook that logs must not recurse */
		hook(level, logger, msg, atomic_load(&log_hook_arg));
		log_in_hook = 0;
	}
	if (below)
		return;
	strata_time_rfc3339(ts);
	n = snprintf(line, sizeof(line), "ts=%s level=%s logger=%s msg=", ts,
	    strata_log_level_name(level), logger != NULL ? logger : "strata");
	if (n < 0)
		return;
	at = log_quote(line, sizeof(line) - 1, (size_t)n, msg);
	line[at++] = '\n';
	log_write_all(line, at);
}

void
strata_log(enum strata_log_level level, const char *logger, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_logv(level, logger, fmt, ap);
	va_end(ap);
}
