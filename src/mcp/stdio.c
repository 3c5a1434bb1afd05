/*
 * The stdio transport: bytes from fd 0 into the server, messages from the server to the
 * protocol fd, on the libuv loop.
 *
 * Input is whatever the client gave us: a pipe or socket (uv_pipe), a terminal (uv_tty),
 * or a regular file or character device such as /dev/null (a chain of uv_fs_read on the
 * threadpool, because uv_pipe_open(0) + uv_read_start aborts on those).  Each outgoing
 * message is one uv_write of the payload and "\n" so lines never interleave; the payload
 * is freed in the write callback.  When too many bytes are queued (a client that does not
 * read), reading stops until the queue drains below the low-water mark.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"

#define LOGGER		"stdio"
#define READ_CHUNK	(64u * 1024)

enum input_kind { IN_STREAM, IN_FILE };

struct mcp_stdio {
	uv_loop_t		*loop;
	struct mcp_server	*srv;
	enum input_kind		 kind;
	union {
		uv_handle_t	 handle;
		uv_stream_t	 stream;
		uv_pipe_t	 pipe;
		uv_tty_t	 tty;
	} in;
	union {
		uv_handle_t	 handle;
		uv_stream_t	 stream;
		uv_pipe_t	 pipe;
		uv_tty_t	 tty;
	} out;
	int			 in_fd;
	bool			 in_open, out_open;
	uv_fs_t			 fs_req;
	bool			 fs_busy;
	char			*buf;		/* READ_CHUNK bytes, reused for every read */
	size_t			 queued;	/* bytes handed to uv_write, not yet written */
	size_t			 high, low;
	bool			 paused;	/* by backpressure */
	bool			 input_done;	/* EOF, error, or stopped */
	bool			 out_failed;
	bool			 closing;
	unsigned		 open_handles;
	void			(*drained_fn)(void *arg);
	void			*drained_arg;
	void			(*done_fn)(void *arg);
	void			*done_arg;
};

struct out_req {
	uv_write_t		 req;
	struct mcp_stdio	*io;
	char			*payload;
	size_t			 len;
};

static void	input_resume(struct mcp_stdio *io);
static void	close_maybe_done(struct mcp_stdio *io);

static int
stream_init(uv_loop_t *loop, int fd, bool readable, uv_handle_t *h)
{
	uv_handle_type t = uv_guess_handle(fd);
	int rc;

	if (t == UV_TTY)
		return uv_tty_init(loop, (uv_tty_t *)h, fd, readable);
	if ((rc = uv_pipe_init(loop, (uv_pipe_t *)h, 0)) != 0)
		return rc;
	if ((rc = uv_pipe_open((uv_pipe_t *)h, fd)) != 0)
		uv_close(h, NULL);	/* no callback needed: nothing was allocated */
	return rc;
}

int
mcp_stdio_new(uv_loop_t *loop, const struct mcp_stdio_options *opt, struct mcp_stdio **out)
{
	struct mcp_stdio *io;
	uv_handle_type t;
	int rc;

	*out = NULL;
	if ((io = calloc(1, sizeof(*io))) == NULL || (io->buf = malloc(READ_CHUNK)) == NULL) {
		free(io);
		return UV_ENOMEM;
	}
	io->loop = loop;
	io->in_fd = opt->in_fd;
	io->high = opt->high_water != 0 ? opt->high_water : 8u * 1024 * 1024;
	io->low = opt->low_water != 0 ? opt->low_water : io->high / 4;
	io->fs_req.data = io;

	rc = 0;
	t = uv_guess_handle(opt->in_fd);
	switch (t) {
	case UV_NAMED_PIPE:
	case UV_TCP:
	case UV_TTY:
		io->kind = IN_STREAM;
		if ((rc = stream_init(loop, opt->in_fd, true, &io->in.handle)) != 0) {
			log_error(LOGGER, "cannot use stdin: %s", uv_strerror(rc));
			goto fail;
		}
		io->in_open = true;
		io->in.handle.data = io;
		break;
	case UV_FILE:
		io->kind = IN_FILE;	/* regular files and /dev/null: read on the threadpool */
		break;
	default:
		log_error(LOGGER, "stdin is neither a pipe, a terminal nor a file");
		rc = UV_EINVAL;
		goto fail;
	}
	if ((rc = stream_init(loop, opt->out_fd, false, &io->out.handle)) != 0) {
		log_error(LOGGER, "cannot use the protocol output: %s", uv_strerror(rc));
		goto fail;
	}
	io->out_open = true;
	io->out.handle.data = io;
fail:
	*out = io;	/* even on failure: mcp_stdio_close() releases it */
	return rc;
}

/* ---- input -------------------------------------------------------------------------- */

static void
input_finished(struct mcp_stdio *io)
{
	if (io->input_done)
		return;
	io->input_done = true;
	if (io->kind == IN_STREAM && io->in_open)
		uv_read_stop(&io->in.stream);
	if (io->srv != NULL)
		mcp_server_feed_eof(io->srv);
	if (mcp_stdio_drained(io) && io->drained_fn != NULL)
		io->drained_fn(io->drained_arg);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct mcp_stdio *io = h->data;

	(void)suggested;
	*buf = uv_buf_init(io->buf, READ_CHUNK);
}

static void
on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct mcp_stdio *io = s->data;

	(void)buf;
	if (nread > 0) {
		mcp_server_feed(io->srv, io->buf, (size_t)nread);
		return;
	}
	if (nread == 0)
		return;		/* EAGAIN */
	if (nread != UV_EOF)
		log_warn(LOGGER, "reading stdin: %s", uv_strerror((int)nread));
	input_finished(io);
}

static void	file_read_next(struct mcp_stdio *io);

static void
on_file_read(uv_fs_t *req)
{
	struct mcp_stdio *io = req->data;
	ssize_t n = req->result;

	uv_fs_req_cleanup(req);
	io->fs_busy = false;
	if (io->closing) {
		close_maybe_done(io);
		return;
	}
	if (n > 0 && !io->input_done) {
		mcp_server_feed(io->srv, io->buf, (size_t)n);
		file_read_next(io);
		return;
	}
	if (n < 0 && n != UV_ECANCELED)
		log_warn(LOGGER, "reading stdin: %s", uv_strerror((int)n));
	input_finished(io);
}

static void
file_read_next(struct mcp_stdio *io)
{
	uv_buf_t b = uv_buf_init(io->buf, READ_CHUNK);
	int rc;

	if (io->fs_busy || io->paused || io->input_done || io->closing)
		return;
	rc = uv_fs_read(io->loop, &io->fs_req, io->in_fd, &b, 1, -1, on_file_read);
	if (rc != 0) {
		log_warn(LOGGER, "reading stdin: %s", uv_strerror(rc));
		input_finished(io);
		return;
	}
	io->fs_busy = true;
}

static void
input_resume(struct mcp_stdio *io)
{
	int rc;

	if (io->input_done || io->closing)
		return;
	if (io->kind == IN_FILE) {
		file_read_next(io);
		return;
	}
	if ((rc = uv_read_start(&io->in.stream, on_alloc, on_read)) != 0) {
		log_warn(LOGGER, "reading stdin: %s", uv_strerror(rc));
		input_finished(io);
	}
}

int
mcp_stdio_start(struct mcp_stdio *io, struct mcp_server *srv)
{
	io->srv = srv;
	input_resume(io);
	return 0;
}

void
mcp_stdio_stop_reading(struct mcp_stdio *io)
{
	input_finished(io);
}

/* ---- output --------------------------------------------------------------------------- */

bool
mcp_stdio_drained(const struct mcp_stdio *io)
{
	return io->input_done && (io->queued == 0 || io->out_failed);
}

void
mcp_stdio_on_drained(struct mcp_stdio *io, void (*fn)(void *arg), void *arg)
{
	io->drained_fn = fn;
	io->drained_arg = arg;
}

static void
output_failed(struct mcp_stdio *io, int status)
{
	if (io->out_failed)
		return;
	io->out_failed = true;
	log_warn(LOGGER, "writing to the client failed (%s): shutting down",
	    uv_strerror(status));
	if (io->srv != NULL)
		mcp_server_shutdown(io->srv, "the client stopped reading");
	input_finished(io);
}

static void
on_write(uv_write_t *req, int status)
{
	struct out_req *w = container_of(req, struct out_req, req);
	struct mcp_stdio *io = w->io;

	io->queued -= w->len + 1;
	free(w->payload);
	free(w);
	if (status != 0 && status != UV_ECANCELED)
		output_failed(io, status);
	if (io->paused && io->queued <= io->low) {
		io->paused = false;
		input_resume(io);
	}
	if (io->closing)
		return;
	if (mcp_stdio_drained(io) && io->drained_fn != NULL)
		io->drained_fn(io->drained_arg);
}

void
mcp_stdio_send(char *line, size_t len, void *arg)
{
	static char nl[] = "\n";
	struct mcp_stdio *io = arg;
	struct out_req *w;
	uv_buf_t bufs[2];
	int rc;

	if (io->out_failed || io->closing || !io->out_open ||
	    (w = malloc(sizeof(*w))) == NULL) {
		free(line);
		return;
	}
	w->io = io;
	w->payload = line;
	w->len = len;
	bufs[0] = uv_buf_init(line, (unsigned int)len);
	bufs[1] = uv_buf_init(nl, 1);
	if ((rc = uv_write(&w->req, &io->out.stream, bufs, 2, on_write)) != 0) {
		free(line);
		free(w);
		output_failed(io, rc);
		return;
	}
	io->queued += len + 1;
	if (!io->paused && io->queued > io->high) {
		io->paused = true;
		if (io->kind == IN_STREAM && io->in_open && !io->input_done)
			uv_read_stop(&io->in.stream);
		log_debug(LOGGER, "%zu bytes queued for the client: pausing input", io->queued);
	}
}

/* ---- close ------------------------------------------------------------------------------ */

static void
close_maybe_done(struct mcp_stdio *io)
{
	if (io->open_handles > 0 || io->fs_busy)
		return;
	if (io->done_fn != NULL)
		io->done_fn(io->done_arg);
	free(io->buf);
	free(io);
}

static void
on_close(uv_handle_t *h)
{
	struct mcp_stdio *io = h->data;

	io->open_handles--;
	close_maybe_done(io);
}

void
mcp_stdio_close(struct mcp_stdio *io, void (*done)(void *arg), void *arg)
{
	io->closing = true;
	io->done_fn = done;
	io->done_arg = arg;
	if (io->fs_busy)
		(void)uv_cancel((uv_req_t *)&io->fs_req);
	if (io->in_open) {
		io->open_handles++;
		uv_close(&io->in.handle, on_close);
		io->in_open = false;
	}
	if (io->out_open) {
		io->open_handles++;
		uv_close(&io->out.handle, on_close);
		io->out_open = false;
	}
	if (io->open_handles == 0)
		close_maybe_done(io);
}
