#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H

/*
 * Small pieces every module uses: logging to stderr (logfmt), a growable byte buffer
 * with a hard cap, and clocks.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STRATA_VERSION	"0.1.0"

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define STRATA_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- logging ------------------------------------------------------------------------ */

/* RFC 5424 severities in the order MCP uses them (debug is the most verbose). */
enum strata_log_level {
	STRATA_LOG_DEBUG = 0,
	STRATA_LOG_INFO,
	STRATA_LOG_NOTICE,
	STRATA_LOG_WARNING,
	STRATA_LOG_ERROR,
	STRATA_LOG_CRITICAL,
	STRATA_LOG_ALERT,
	STRATA_LOG_EMERGENCY
};

/*
 * A hook that receives every record at or above the hook's own level (MCP forwards them
 * as notifications/message).  `msg` is borrowed for the duration of the call.
 */
typedef void (*strata_log_hook_fn)(enum strata_log_level level, const char *logger,
    const char *msg, void *arg);

/* Minimum level written to stderr (default info). */
void	strata_log_set_level(enum strata_log_level level);
enum strata_log_level strata_log_get_level(void);
/* Installs (or with fn == NULL removes) the single hook. */
void	strata_log_set_hook(strata_log_hook_fn fn, void *arg);
/* Parses "debug" … "emergency"; returns 0 and sets *out, or -EINVAL. */
int	strata_log_level_parse(const char *name, enum strata_log_level *out);
const char *strata_log_level_name(enum strata_log_level level);

/*
 * Writes one logfmt record to stderr: `ts=… level=… logger=… msg="…"`.  Never writes to
 * stdout.  Tolerates a non-blocking stderr (waits briefly, then drops the record).
 */
void	strata_log(enum strata_log_level level, const char *logger, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	strata_logv(enum strata_log_level level, const char *logger, const char *fmt,
	    va_list ap);

#define log_debug(logger, ...)	strata_log(STRATA_LOG_DEBUG, logger, __VA_ARGS__)
#define log_info(logger, ...)	strata_log(STRATA_LOG_INFO, logger, __VA_ARGS__)
#define log_notice(logger, ...)	strata_log(STRATA_LOG_NOTICE, logger, __VA_ARGS__)
#define log_warn(logger, ...)	strata_log(STRATA_LOG_WARNING, logger, __VA_ARGS__)
#define log_error(logger, ...)	strata_log(STRATA_LOG_ERROR, logger, __VA_ARGS__)

/* ---- sbuf: a byte buffer with a hard cap (curl's dynbuf, git's strbuf) ---------------- */

/*
 * Invariants: `data` is NULL or NUL-terminated at `len`; `len <= max`.  The buffer owns
 * `data`.  sbuf_detach() hands the storage to the caller (free() it) and resets the
 * buffer; sbuf_release() frees it.  Appending past `max` fails with -E2BIG and leaves the
 * buffer unchanged.
 */
struct sbuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

#define SBUF_INIT(max)	{ NULL, 0, 0, (max) }

void	sbuf_init(struct sbuf *b, size_t max);
int	sbuf_append(struct sbuf *b, const void *p, size_t n);
int	sbuf_appends(struct sbuf *b, const char *s);
int	sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes (n <= len). */
void	sbuf_consume(struct sbuf *b, size_t n);
void	sbuf_reset(struct sbuf *b);
char	*sbuf_detach(struct sbuf *b, size_t *len);
void	sbuf_release(struct sbuf *b);
/* Like sbuf_release() but overwrites the bytes first (for secrets). */
void	sbuf_wipe(struct sbuf *b);

/* ---- time -------------------------------------------------------------------------- */

/* Monotonic milliseconds (for deadlines and durations). */
uint64_t strata_now_ms(void);
/* Wall-clock time as RFC 3339 UTC with milliseconds, e.g. 2026-11-30T10:00:00.123Z. */
void	strata_time_rfc3339(char out[32]);
/* Parses RFC 3339 (Z or ±hh:mm, optional fraction); returns 0 or -EINVAL. */
int	strata_time_parse_rfc3339(const char *s, time_t *out);

/* ---- Kubernetes quantities ------------------------------------------------------------ */

/* "250m", "2", "1.5" → millicores (rounded up); -1 when not a non-negative quantity. */
int64_t	strata_quantity_milli(const char *q);
/* "64Mi", "1G", "129e6", "1.5Gi" → bytes (rounded up); -1 when not a quantity. */
int64_t	strata_quantity_bytes(const char *q);

/* ---- misc -------------------------------------------------------------------------- */

/*
 * Fills buf with n bytes from the kernel's CSPRNG (getrandom(2)).  Returns 0 or a negative
 * errno.  Used for ids and keys: it needs no library initialisation, which keeps
 * startup cheap.
 */
int	strata_random_bytes(void *buf, size_t n);
/* Overwrites memory in a way the compiler may not elide. */
void	strata_wipe(void *p, size_t n);
/* strdup that aborts on allocation failure is deliberately not provided: callers check. */

#endif
