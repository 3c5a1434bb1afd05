/*
 * The server under test as a child process with three pipes.  Plain fork/exec and one
 * poll(2) loop: writes to stdin are non-blocking and interleaved with reads, so a 16 MiB
 * line can be fed while the server already answers, without either side blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define PROC_TX_MAX	(128u << 20)	/* bytes queued for stdin at once */
#define PROC_CHUNK	65536

static int
proc_tmpfile(const char *data, size_t len, char *why, size_t whylen)
{
	char path[256];
	const char *dir;
	size_t off;
	ssize_t n;
	int fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/strata-harness-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		snprintf(why, whylen, "mkstemp %s: %s", path, strerror(errno));
		return -errno;
	}
	unlink(path);
	for (off = 0; off < len; off += (size_t)n) {
		if ((n = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			snprintf(why, whylen, "write %s: %s", path, strerror(errno));
			close(fd);
			return -EIO;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(why, whylen, "lseek: %s", strerror(errno));
		close(fd);
		return -EIO;
	}
	return fd;
}

int
proc_start(struct proc *p, char *const argv[], enum proc_stdin mode,
    const char *file_data, size_t file_len, char *why, size_t whylen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int child_in = -1;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->in_fd = p->out_fd = p->err_fd = -1;
	sbuf_init(&p->tx, PROC_TX_MAX);
	sbuf_init(&p->rx, HARNESS_STDOUT_MAX);
	sbuf_init(&p->err, HARNESS_STDERR_MAX);
	p->lines = json_array();
	p->queue = json_array();
	if (p->lines == NULL || p->queue == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}

	switch (mode) {
	case PROC_STDIN_PIPE:
		if (pipe(in) != 0)
			goto fail_errno;
		child_in = in[0];
		break;
	case PROC_STDIN_FILE:
		if ((child_in = proc_tmpfile(file_data, file_len, why, whylen)) < 0)
			goto fail;
		break;
	case PROC_STDIN_NULL:
		if ((child_in = open("/dev/null", O_RDONLY)) < 0)
			goto fail_errno;
		break;
	}
	if (pipe(out) != 0 || pipe(err) != 0)
		goto fail_errno;

	if ((pid = fork()) < 0)
		goto fail_errno;
	if (pid == 0) {
		dup2(child_in, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		for (int fd = 3; fd < 256; fd++)
			close(fd);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	close(child_in);
	if (in[0] == child_in)
		in[0] = -1;
	child_in = -1;
	close(out[1]);
	close(err[1]);
	p->in_fd = in[1];
	p->out_fd = out[0];
	p->err_fd = err[0];
	if (p->in_fd >= 0)
		fcntl(p->in_fd, F_SETFL, fcntl(p->in_fd, F_GETFL) | O_NONBLOCK);
	fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, fcntl(p->err_fd, F_GETFL) | O_NONBLOCK);
	return 0;

fail_errno:
	snprintf(why, whylen, "cannot start %s: %s", argv[0], strerror(errno));
fail:
	if (child_in >= 0 && child_in != in[0])
		close(child_in);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	proc_release(p);
	return -1;
}

int
proc_send(struct proc *p, const void *data, size_t len)
{
	if (p->in_fd < 0)
		return -EPIPE;
	if (p->tx_off > 0) {
		sbuf_consume(&p->tx, p->tx_off);
		p->tx_off = 0;
	}
	return sbuf_append(&p->tx, data, len);
}

/* One complete stdout line: keep the text, queue the message, note the first bad line. */
static void
proc_line(struct proc *p, const char *s, size_t n)
{
	char why[HARNESS_WHY_MAX];
	json_error_t jerr;
	json_t *v;

	json_array_append_new(p->lines, json_stringn_nocheck(s, n));
	v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL || !match_is_jsonrpc(v, why, sizeof(why))) {
		if (v == NULL)
			snprintf(why, sizeof(why), "not JSON (%s)", jerr.text);
		if (p->bad == NULL) {
			size_t cut = n > 200 ? 200 : n;
			size_t blen = cut + strlen(why) + 64;

			if ((p->bad = malloc(blen)) != NULL)
				snprintf(p->bad, blen, "stdout line %zu is %s: %.*s%s",
				    json_array_size(p->lines), why, (int)cut, s,
				    cut < n ? "…" : "");
		}
		json_decref(v);
		return;
	}
	json_array_append_new(p->queue, v);
}

static void
proc_read_out(struct proc *p)
{
	char buf[PROC_CHUNK];
	ssize_t n;
	char *nl;

	while ((n = read(p->out_fd, buf, sizeof(buf))) > 0) {
		p->stdout_bytes += (size_t)n;
		if (sbuf_append(&p->rx, buf, (size_t)n) != 0) {
			if (p->bad == NULL)
				p->bad = strdup("a stdout line longer than 64 MiB");
			sbuf_reset(&p->rx);
		}
		while (p->rx.len > 0 && (nl = memchr(p->rx.data, '\n', p->rx.len)) != NULL) {
			size_t len = (size_t)(nl - p->rx.data);

			proc_line(p, p->rx.data, len);
			sbuf_consume(&p->rx, len + 1);
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (p->rx.len > 0) {
			/* An unterminated last line is still a protocol error: say so. */
			if (p->bad == NULL)
				p->bad = strdup("the last stdout line has no newline");
			proc_line(p, p->rx.data, p->rx.len);
			sbuf_reset(&p->rx);
		}
		close(p->out_fd);
		p->out_fd = -1;
	}
}

static void
proc_read_err(struct proc *p)
{
	char buf[PROC_CHUNK];
	ssize_t n;

	while ((n = read(p->err_fd, buf, sizeof(buf))) > 0) {
		size_t room = p->err.max - p->err.len;

		sbuf_append(&p->err, buf, (size_t)n < room ? (size_t)n : room);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(p->err_fd);
		p->err_fd = -1;
	}
}

static void
proc_write_in(struct proc *p)
{
	ssize_t n;

	while (p->tx_off < p->tx.len) {
		n = write(p->in_fd, p->tx.data + p->tx_off, p->tx.len - p->tx_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* EPIPE: the server no longer reads; later steps will notice. */
			proc_close_stdin(p);
			return;
		}
		p->tx_off += (size_t)n;
	}
	sbuf_reset(&p->tx);
	p->tx_off = 0;
}

static void
proc_reap(struct proc *p)
{
	pid_t r;

	if (p->exited || p->pid <= 0)
		return;
	do
		r = waitpid(p->pid, &p->status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == p->pid)
		p->exited = 1;
}

void
proc_pump(struct proc *p, int timeout_ms)
{
	struct pollfd fds[3];
	int nfds = 0, iw = -1, io = -1, ie = -1;

	if (p->in_fd >= 0 && p->tx_off < p->tx.len) {
		fds[nfds] = (struct pollfd){ .fd = p->in_fd, .events = POLLOUT };
		iw = nfds++;
	}
	if (p->out_fd >= 0 && !p->stall) {
		fds[nfds] = (struct pollfd){ .fd = p->out_fd, .events = POLLIN };
		io = nfds++;
	}
	if (p->err_fd >= 0) {
		fds[nfds] = (struct pollfd){ .fd = p->err_fd, .events = POLLIN };
		ie = nfds++;
	}
	/* With every pipe at EOF only the exit is left to see: poll waitpid() briefly. */
	if (nfds == 0 || (io < 0 && ie < 0 && iw < 0))
		timeout_ms = timeout_ms > 5 ? 5 : timeout_ms;
	if (poll(fds, (nfds_t)nfds, timeout_ms < 0 ? 0 : timeout_ms) > 0) {
		if (iw >= 0 && fds[iw].revents != 0)
			proc_write_in(p);
		if (io >= 0 && fds[io].revents != 0)
			proc_read_out(p);
		if (ie >= 0 && fds[ie].revents != 0)
			proc_read_err(p);
	}
	proc_reap(p);
}

int
proc_flush(struct proc *p, uint64_t deadline)
{
	while (p->in_fd >= 0 && p->tx_off < p->tx.len) {
		uint64_t now = strata_now_ms();

		if (now >= deadline)
			return -ETIMEDOUT;
		proc_pump(p, (int)(deadline - now));
	}
	return p->in_fd >= 0 ? 0 : -EPIPE;
}

void
proc_close_stdin(struct proc *p)
{
	if (p->in_fd >= 0) {
		close(p->in_fd);
		p->in_fd = -1;
	}
	sbuf_reset(&p->tx);
	p->tx_off = 0;
}

int
proc_wait(struct proc *p, uint64_t deadline)
{
	uint64_t now, exited_at = 0;

	/* Read to EOF as well, so that everything the server wrote before exiting counts. */
	while (!p->exited || p->out_fd >= 0 || p->err_fd >= 0) {
		if ((now = strata_now_ms()) >= deadline)
			break;
		if (p->exited) {
			/* A grandchild may hold the pipes open: the exit is what matters. */
			if (exited_at == 0)
				exited_at = now;
			else if (now - exited_at > 500)
				break;
			proc_pump(p, 50);
			continue;
		}
		proc_pump(p, (int)(deadline - now));
	}
	return p->exited;
}

void
proc_release(struct proc *p)
{
	if (p->pid > 0 && !p->exited) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
			;
		p->exited = 1;
	}
	if (p->in_fd >= 0)
		close(p->in_fd);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->in_fd = p->out_fd = p->err_fd = -1;
	sbuf_release(&p->tx);
	sbuf_release(&p->rx);
	sbuf_release(&p->err);
	json_decref(p->lines);
	json_decref(p->queue);
	p->lines = p->queue = NULL;
	free(p->bad);
	p->bad = NULL;
}
