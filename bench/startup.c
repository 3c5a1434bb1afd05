/*
 * bench/startup: how fast strata-mcp starts and how much memory it holds (issue #2).
 *
 *   startup [-n RUNS] SERVER [ARGS…]
 *
 * Each run spawns the server with pipes, sends initialize and times the answer (spawn →
 * initialize answered), then sends notifications/initialized and tools/list (following
 * nextCursor to the last page), reads VmRSS and VmHWM from /proc/PID/status, closes stdin
 * and waits for the exit.  Prints the median, minimum and maximum over the runs.
 * A benchmark, not a test: it asserts nothing beyond the server answering at all.
 * Targets from the issue: ≤ 5 ms and ≤ 6 MB.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define BENCH_LINE_MAX	(8u << 20)
#define BENCH_TIMEOUT_MS	10000
#define BENCH_RUNS_MAX	1000

extern char **environ;

struct child {
	pid_t	 pid;
	int	 in, out;
	char	*buf;		/* unread stdout bytes */
	size_t	 len, cap;
};

struct sample {
	double	 init_ms;
	long	 rss_kb, hwm_kb;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
child_start(struct child *c, char **argv)
{
	posix_spawn_file_actions_t fa;
	int in[2], out[2], rc;

	if (pipe(in) != 0 || pipe(out) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc != 0) {
		close(in[1]);
		close(out[0]);
		return -rc;
	}
	c->in = in[1];
	c->out = out[0];
	c->len = 0;
	return 0;
}

static int
child_send(struct child *c, const char *line)
{
	size_t n = strlen(line), off = 0;
	ssize_t w;

	while (off < n) {
		if ((w = write(c->in, line + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	return 0;
}

/* Reads until the response with `id` arrives; returns it (new) or NULL on timeout/EOF. */
static json_t *
child_await(struct child *c, json_int_t id)
{
	double deadline = now_ms() + BENCH_TIMEOUT_MS;
	char *nl;

	for (;;) {
		while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			size_t n = (size_t)(nl - c->buf);
			json_t *m = json_loadb(c->buf, n, 0, NULL);

			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			if (m != NULL && json_integer_value(json_object_get(m, "id")) == id &&
			    json_object_get(m, "id") != NULL)
				return m;
			json_decref(m);
		}
		struct pollfd pfd = { .fd = c->out, .events = POLLIN };
		double left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return NULL;
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			char *p;

			if (cap > BENCH_LINE_MAX || (p = realloc(c->buf, cap)) == NULL)
				return NULL;
			c->buf = p;
			c->cap = cap;
		}
		ssize_t r = read(c->out, c->buf + c->len, c->cap - c->len);
		if (r <= 0)
			return NULL;
		c->len += (size_t)r;
	}
}

static long
proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static int
bench_once(char **argv, struct sample *s)
{
	static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
	    "\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n";
	struct child c = { 0 };
	json_t *m, *cursor;
	json_int_t id = 2;
	char line[512];
	int rc = -1, status;
	double t0;

	t0 = now_ms();
	if (child_start(&c, argv) != 0) {
		fprintf(stderr, "startup: cannot spawn %s\n", argv[0]);
		return -1;
	}
	if (child_send(&c, init) != 0 || (m = child_await(&c, 1)) == NULL) {
		fprintf(stderr, "startup: no answer to initialize\n");
		goto fail;
	}
	s->init_ms = now_ms() - t0;
	json_decref(m);
	child_send(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
	cursor = NULL;
	do {
		char *cur = cursor ? json_dumps(cursor, JSON_ENCODE_ANY) : NULL;

		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%lld,"
		    "\"method\":\"tools/list\"%s%s%s}\n", (long long)id,
		    cur ? ",\"params\":{\"cursor\":" : "", cur ? cur : "", cur ? "}" : "");
		free(cur);
		json_decref(cursor);
		cursor = NULL;
		if (child_send(&c, line) != 0 || (m = child_await(&c, id)) == NULL) {
			fprintf(stderr, "startup: no answer to tools/list\n");
			goto fail;
		}
		cursor = json_incref(json_object_get(json_object_get(m, "result"), "nextCursor"));
		json_decref(m);
	} while (cursor != NULL && id++ < 100);
	json_decref(cursor);
	s->rss_kb = proc_status_kb(c.pid, "VmRSS");
	s->hwm_kb = proc_status_kb(c.pid, "VmHWM");
	rc = 0;
fail:
	close(c.in);
	/* EOF must end the server; give it the time a client would before SIGKILL. */
	for (int i = 0; i < 400 && waitpid(c.pid, &status, WNOHANG) == 0; i++)
		usleep(5000);
	if (waitpid(c.pid, &status, WNOHANG) == 0) {
		fprintf(stderr, "startup: server did not exit on EOF\n");
		kill(c.pid, SIGKILL);
		waitpid(c.pid, &status, 0);
		rc = -1;
	}
	close(c.out);
	free(c.buf);
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
stats(const char *what, const char *unit, double *v, int n, double target)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;

	printf("%-30s median %8.2f %s   min %8.2f   max %8.2f   (target <= %.0f %s: %s)\n",
	    what, med, unit, v[0], v[n - 1], target, unit, med <= target ? "met" : "MISSED");
}

int
main(int argc, char **argv)
{
	int runs = 25, i = 1, n;
	double *init, *rss, *hwm;
	struct sample s;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		runs = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc || runs < 1 || runs > BENCH_RUNS_MAX) {
		fprintf(stderr, "usage: startup [-n RUNS] SERVER [ARGS...]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	init = calloc((size_t)runs, sizeof(double));
	rss = calloc((size_t)runs, sizeof(double));
	hwm = calloc((size_t)runs, sizeof(double));
	if (init == NULL || rss == NULL || hwm == NULL)
		return 1;
	/* One unmeasured run warms the page cache and the dynamic loader's files. */
	if (bench_once(argv + i, &s) != 0)
		return 1;
	for (n = 0; n < runs; n++) {
		if (bench_once(argv + i, &s) != 0)
			return 1;
		init[n] = s.init_ms;
		rss[n] = (double)s.rss_kb / 1024.0;
		hwm[n] = (double)s.hwm_kb / 1024.0;
	}
	printf("bench/startup: %s, %d runs\n", argv[i], runs);
	stats("spawn -> initialize answered", "ms", init, runs, 5);
	stats("VmRSS after tools/list", "MB", rss, runs, 6);
	stats("VmHWM after tools/list", "MB", hwm, runs, 6);
	free(init);
	free(rss);
	free(hwm);
	return 0;
}
