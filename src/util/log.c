/*
 * Logging to stderr in logfmt.  stdout belongs to the protocol, so nothing here may ever
 * touch fd 1.  stderr can be non-blocking when it shares an open file description with
 * a pipe libuv opened, so a write that would block waits a little and then gives up
 * rather than stall the loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "strata/util.h"

#define LOG_LINE_MAX	4096

static enum strata_log_level	 log_level = STRATA_LOG_INFO;
static strata_log_hook_fn	 log_hook;
static void			*log_hook_arg;
static int			 log_in_hook;

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
	return log_level;
}

void
strata_log_set_hook(strata_log_hook_fn fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
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
	size_t at;
	int n;

	if (level < log_level && log_hook == NULL)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (log_hook != NULL && !log_in_hook) {
		log_in_hook = 1;	/* a hook that logs must not recurse */
		log_hook(level, logger, msg, log_hook_arg);
		log_in_hook = 0;
	}
	if (level < log_level)
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
