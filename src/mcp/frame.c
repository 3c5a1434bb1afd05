/*
 * Newline framing of the client's byte stream (MCP stdio: one JSON-RPC message per line).
 *
 * Lines are split on LF only; a trailing CR is stripped; empty lines are ignored.  A line
 * longer than the cap is reported once (status -E2BIG) and the rest of it, up to the next
 * LF, is dropped, so one oversize message costs the client one error and the stream stays
 * in sync (redis processInlineBuffer does the same with PROTO_INLINE_MAX_SIZE).  When a
 * whole line lies in the incoming chunk it is handed out without copying.
 */
#include <errno.h>
#include <string.h>

#include "mcp_int.h"

#define FRAME_KEEP_BYTES	(64u * 1024)

void
mcp_frame_init(struct mcp_frame *f, size_t max)
{
	/* +1: the CR of a CRLF line of exactly `max` bytes is still in the buffer. */
	sbuf_init(&f->buf, max + 1);
	f->max = max;
	f->skipped = 0;
	f->discarding = false;
	f->stop = false;
}

void
mcp_frame_release(struct mcp_frame *f)
{
	sbuf_release(&f->buf);
}

/* Forgets the partial line; memory of a big line goes back rather than stay resident. */
static void
frame_reset(struct mcp_frame *f)
{
	if (f->buf.cap > FRAME_KEEP_BYTES) {
		sbuf_release(&f->buf);
		sbuf_init(&f->buf, f->max + 1);
	} else
		sbuf_reset(&f->buf);
}

static void
frame_emit(struct mcp_frame *f, const char *p, size_t n, mcp_frame_fn fn, void *arg)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return;
	if (n > f->max) {
		fn(arg, NULL, n, -E2BIG);
		return;
	}
	fn(arg, p, n, 0);
}

static void
frame_overflow(struct mcp_frame *f, size_t seen, mcp_frame_fn fn, void *arg)
{
	frame_reset(f);
	f->discarding = true;
	f->skipped = seen;
	fn(arg, NULL, seen, -E2BIG);
}

void
mcp_frame_feed(struct mcp_frame *f, const char *data, size_t n, mcp_frame_fn fn, void *arg)
{
	const char *nl;
	size_t seg;

	while (n > 0 && !f->stop) {
		nl = memchr(data, '\n', n);
		seg = nl != NULL ? (size_t)(nl - data) : n;

		if (f->discarding) {
			f->skipped += seg;
			if (nl != NULL) {
				f->discarding = false;
				f->skipped = 0;
			}
		} else if (nl != NULL && f->buf.len == 0) {
			frame_emit(f, data, seg, fn, arg);
		} else if (sbuf_append(&f->buf, data, seg) != 0) {
			frame_overflow(f, f->buf.len + seg, fn, arg);
			if (nl != NULL) {
				f->discarding = false;
				f->skipped = 0;
			}
		} else if (nl != NULL) {
			frame_emit(f, f->buf.data, f->buf.len, fn, arg);
			frame_reset(f);
		}
		if (nl == NULL)
			break;
		data += seg + 1;
		n -= seg + 1;
	}
}

void
mcp_frame_finish(struct mcp_frame *f, mcp_frame_fn fn, void *arg)
{
	if (!f->discarding && f->buf.len > 0 && !f->stop)
		frame_emit(f, f->buf.data, f->buf.len, fn, arg);
	frame_reset(f);
	f->discarding = false;
	f->skipped = 0;
}
