/*
 * One script: a JSON object
 *
 *   { "description": "what rule this shows",
 *     "args": ["--max-message-bytes", "1024"],   extra server arguments
 *     "stdin": "pipe" | "file" | "null",           file: the sends become a regular file
 *     "timeout_ms": 5000,                          default deadline of every waiting step
 *     "skip_notifications": false,                 expect steps pass over notifications
 *     "stdout_json": true,                         every stdout line must be JSON-RPC
 *     "allow_extra": false,                        unexpected responses left at the end pass
 *     "exit": 0,                                   the exit code after the final EOF
 *     "steps": [ … ] }
 *
 * and steps, each an object with one action (plus "comment" and modifiers):
 *
 *   {"send": MESSAGE}                written compact + "\n"; "$var:NAME" strings substituted;
 *                                    with "flush": false only queued (written while pumping)
 *   {"raw": "bytes"}                 as UTF-8; with "latin1": true U+0000…U+00FF are bytes
 *   {"raw": {"prefix": P, "repeat": R, "count": N | "fill_to": N, "suffix": S}}
 *                                    fill_to: length of the line without a final "\n"
 *   {"expect": PATTERN}              the next message matches (see match.c); modifiers
 *                                    "within_ms", "skip_notifications", "unordered", and
 *                                    "count": N (N such messages in a row)
 *   {"expect_none_ms": N}            no message at all arrives for N ms
 *   {"close_stdin": true}
 *   {"close_stdout": true}           the client stops reading: later writes get EPIPE
 *   {"expect_exit": CODE}            the server exits with CODE ("within_ms"); "$any": any
 *                                    exit code, but not killed by a signal
 *   {"expect_stderr": "text"}        stderr contains text (or "$re:REGEX")
 *   {"expect_stdout_text": "text"}   raw stdout contains text (for --help and such)
 *   {"expect_stdout_empty": true}    nothing at all was written to stdout so far
 *   {"signal": "TERM"}               TERM, INT, HUP, KILL
 *   {"sleep_ms": N}
 *   {"stall_ms": N}                  keep writing stdin but leave stdout unread for N ms, so
 *                                    the server's output backs up (backpressure)
 *
 * After the last step the harness closes stdin, waits for the exit ("exit", default 0,
 * unless a step already checked it),
 * checks every stdout line and that no response went unexpected, and fails on any
 * sanitizer report on stderr.
 */
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define SCRIPT_TIMEOUT_MS	5000
#define SCRIPT_RAW_MAX		(64u << 20)

struct script {
	const struct harness_opts *o;
	json_t		*doc;		/* the whole script (owned) */
	json_t		*vars;		/* values saved by "$save:NAME" (owned) */
	struct proc	 p;
	int		 started;
	enum proc_stdin	 mode;
	int		 timeout_ms;
	int		 skip_notes;
	int		 exit_checked;	/* an expect_exit step passed */
	char		*why;
	size_t		 whylen;
};

static uint64_t
script_deadline(struct script *s, const json_t *step)
{
	json_t *w = json_object_get(step, "within_ms");
	double ms = json_is_integer(w) ? (double)json_integer_value(w) : s->timeout_ms;

	return strata_now_ms() + (uint64_t)(ms * s->o->scale);
}

/* The bytes of a send or raw step, appended to `out`. */
static int
script_bytes(struct script *s, const json_t *step, struct sbuf *out)
{
	json_t *v, *msg;
	char *text;
	int rc;

	if ((v = json_object_get(step, "send")) != NULL) {
		if ((msg = match_subst(v, s->vars, s->why, s->whylen)) == NULL)
			return -EINVAL;
		text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(msg);
		if (text == NULL) {
			snprintf(s->why, s->whylen, "cannot encode the message");
			return -ENOMEM;
		}
		rc = sbuf_appends(out, text);
		free(text);
		return rc != 0 ? rc : sbuf_append(out, "\n", 1);
	}
	v = json_object_get(step, "raw");
	if (json_is_string(v) && json_is_true(json_object_get(step, "latin1"))) {
		const unsigned char *u = (const unsigned char *)json_string_value(v);
		size_t n = json_string_length(v), i;

		for (i = 0; i < n; i++) {
			unsigned char c = u[i];

			if (c >= 0x80) {	/* U+0080…U+00FF arrive as two UTF-8 bytes */
				if ((c & 0xfe) != 0xc2 || i + 1 >= n) {
					snprintf(s->why, s->whylen, "latin1 raw above U+00FF");
					return -EINVAL;
				}
				c = (unsigned char)(((c & 0x03) << 6) | (u[++i] & 0x3f));
			}
			if ((rc = sbuf_append(out, &c, 1)) != 0)
				return rc;
		}
		return 0;
	}
	if (json_is_string(v))
		return sbuf_append(out, json_string_value(v), json_string_length(v));
	if (json_is_object(v)) {
		const char *pre = json_string_value(json_object_get(v, "prefix"));
		const char *rep = json_string_value(json_object_get(v, "repeat"));
		const char *suf = json_string_value(json_object_get(v, "suffix"));
		json_int_t count = json_integer_value(json_object_get(v, "count"));
		json_int_t fill = json_integer_value(json_object_get(v, "fill_to"));
		size_t pl, sl, rl;

		pre = pre != NULL ? pre : "";
		suf = suf != NULL ? suf : "";
		pl = strlen(pre);
		sl = strlen(suf);
		if (rep == NULL || (rl = strlen(rep)) == 0) {
			snprintf(s->why, s->whylen, "raw repeat needs a non-empty \"repeat\"");
			return -EINVAL;
		}
		if (fill > 0) {
			size_t body = pl + sl - (sl > 0 && suf[sl - 1] == '\n');

			if ((size_t)fill < body || ((size_t)fill - body) % rl != 0) {
				snprintf(s->why, s->whylen, "raw fill_to %lld cannot be reached",
				    (long long)fill);
				return -EINVAL;
			}
			count = (json_int_t)(((size_t)fill - body) / rl);
		}
		if (count < 0 || (size_t)count > SCRIPT_RAW_MAX / rl) {
			snprintf(s->why, s->whylen, "raw repeat count out of range");
			return -EINVAL;
		}
		if ((rc = sbuf_append(out, pre, pl)) != 0)
			return rc;
		for (json_int_t i = 0; i < count; i++)
			if ((rc = sbuf_append(out, rep, rl)) != 0)
				return rc;
		return sbuf_append(out, suf, sl);
	}
	snprintf(s->why, s->whylen, "a step needs \"send\" or \"raw\"");
	return -EINVAL;
}

static void script_status_text(const struct proc *p, char *buf, size_t len);

static int
script_is_note(const json_t *m)
{
	return json_is_object(m) && json_object_get(m, "method") != NULL &&
	    json_object_get(m, "id") == NULL;
}

static int
script_expect(struct script *s, const json_t *step)
{
	const json_t *pat = json_object_get(step, "expect");
	json_t *skipv = json_object_get(step, "skip_notifications");
	int skip = skipv != NULL ? json_is_true(skipv) : s->skip_notes;
	int unordered = json_is_true(json_object_get(step, "unordered"));
	uint64_t deadline = script_deadline(s, step), now;
	char last[HARNESS_WHY_MAX] = "";
	size_t i = 0;

	for (;;) {
		while (i < json_array_size(s->p.queue)) {
			json_t *m = json_array_get(s->p.queue, i);

			if (skip && script_is_note(m)) {
				json_array_remove(s->p.queue, i);
				continue;
			}
			if (match_json(pat, m, s->vars, s->why, s->whylen)) {
				json_array_remove(s->p.queue, i);
				return 0;
			}
			if (!unordered) {
				char *d = match_dump(m, 400);

				snprintf(last, sizeof(last), "%s", s->why);
				snprintf(s->why, s->whylen, "%s (message %s)", last,
				    d != NULL ? d : "?");
				free(d);
				return -1;
			}
			snprintf(last, sizeof(last), "%s", s->why);
			i++;
		}
		if (s->p.bad != NULL) {
			snprintf(s->why, s->whylen, "expected a message, got %s", s->p.bad);
			return -1;
		}
		if ((now = strata_now_ms()) >= deadline || (s->p.out_fd < 0 && s->p.exited))
			break;
		proc_pump(&s->p, (int)(deadline - now));
	}
	{
		char *pd = match_dump(pat, 200), st[128], gone[160];

		script_status_text(&s->p, st, sizeof(st));
		snprintf(gone, sizeof(gone), "the server's exit (%s)", st);
		snprintf(s->why, s->whylen, "expected %s got %s", pd != NULL ? pd : "?",
		    last[0] != '\0' ? last : s->p.exited ? gone : "nothing before the deadline");
		free(pd);
	}
	return -1;
}

static int
script_expect_none(struct script *s, const json_t *step)
{
	json_int_t ms = json_integer_value(json_object_get(step, "expect_none_ms"));
	uint64_t deadline = strata_now_ms() + (uint64_t)((double)ms * s->o->scale), now;
	char *d;

	while ((now = strata_now_ms()) < deadline && json_array_size(s->p.queue) == 0 &&
	    s->p.bad == NULL && !(s->p.exited && s->p.out_fd < 0))
		proc_pump(&s->p, (int)(deadline - now));
	if (s->p.bad != NULL) {
		snprintf(s->why, s->whylen, "expected no message got %s", s->p.bad);
		return -1;
	}
	if (json_array_size(s->p.queue) == 0)
		return 0;
	d = match_dump(json_array_get(s->p.queue, 0), 300);
	snprintf(s->why, s->whylen, "expected no message for %lld ms got %s",
	    (long long)ms, d != NULL ? d : "?");
	free(d);
	return -1;
}

static void
script_status_text(const struct proc *p, char *buf, size_t len)
{
	if (!p->exited)
		snprintf(buf, len, "still running");
	else if (WIFEXITED(p->status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(p->status),
		    strsignal(WTERMSIG(p->status)));
	else
		snprintf(buf, len, "status 0x%x", p->status);
}

static int
script_expect_exit(struct script *s, const json_t *step, json_int_t code)
{
	char st[128];

	proc_wait(&s->p, script_deadline(s, step));
	if (s->p.exited && WIFEXITED(s->p.status) &&
	    (code < 0 || WEXITSTATUS(s->p.status) == code))
		return 0;
	script_status_text(&s->p, st, sizeof(st));
	if (code < 0)
		snprintf(s->why, s->whylen, "expected an exit (not a signal) got %s", st);
	else
		snprintf(s->why, s->whylen, "expected exit %lld got %s", (long long)code, st);
	return -1;
}

static int
script_text_has(const char *hay, const char *needle)
{
	regex_t re;
	int rc;

	if (strncmp(needle, "$re:", 4) != 0)
		return strstr(hay, needle) != NULL;
	if (regcomp(&re, needle + 4, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
		return 0;
	rc = regexec(&re, hay, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

static int
script_expect_stderr(struct script *s, const json_t *step)
{
	const char *want = json_string_value(json_object_get(step, "expect_stderr"));
	uint64_t deadline = script_deadline(s, step), now;

	while (!script_text_has(s->p.err.data != NULL ? s->p.err.data : "", want)) {
		if ((now = strata_now_ms()) >= deadline || s->p.err_fd < 0) {
			snprintf(s->why, s->whylen, "expected stderr to contain \"%s\" got \"%.300s\"",
			    want, s->p.err.data != NULL ? s->p.err.data : "");
			return -1;
		}
		proc_pump(&s->p, (int)(deadline - now));
	}
	return 0;
}

/* The raw stdout lines joined with "\n" (new; free()). */
static char *
script_stdout_text(struct script *s)
{
	struct sbuf b = SBUF_INIT(HARNESS_STDOUT_MAX);
	size_t i;
	json_t *l;

	json_array_foreach(s->p.lines, i, l) {
		sbuf_append(&b, json_string_value(l), json_string_length(l));
		sbuf_append(&b, "\n", 1);
	}
	if (s->p.rx.len > 0)
		sbuf_append(&b, s->p.rx.data, s->p.rx.len);
	sbuf_append(&b, "", 0);
	return b.data != NULL ? sbuf_detach(&b, NULL) : strdup("");
}

static int
script_expect_stdout_text(struct script *s, const json_t *step)
{
	const char *want = json_string_value(json_object_get(step, "expect_stdout_text"));
	uint64_t deadline = script_deadline(s, step), now;
	char *text;

	for (;;) {
		if ((text = script_stdout_text(s)) != NULL && script_text_has(text, want)) {
			free(text);
			return 0;
		}
		if ((now = strata_now_ms()) >= deadline || s->p.out_fd < 0) {
			snprintf(s->why, s->whylen, "expected stdout to contain \"%s\" got \"%.300s\"",
			    want, text != NULL ? text : "");
			free(text);
			return -1;
		}
		free(text);
		proc_pump(&s->p, (int)(deadline - now));
	}
}

static int
script_signal(struct script *s, const json_t *step)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP }, { "KILL", SIGKILL },
	};
	const char *name = json_string_value(json_object_get(step, "signal"));

	for (size_t i = 0; name != NULL && i < STRATA_ARRAY_LEN(sigs); i++) {
		if (strcmp(name, sigs[i].name) == 0) {
			if (!s->p.exited)
				kill(s->p.pid, sigs[i].sig);
			return 0;
		}
	}
	snprintf(s->why, s->whylen, "unknown signal \"%s\" in script", name ? name : "?");
	return -1;
}

static int
script_step(struct script *s, const json_t *step)
{
	struct sbuf b = SBUF_INIT(SCRIPT_RAW_MAX);
	json_t *v;
	int rc;

	if (json_object_get(step, "send") != NULL || json_object_get(step, "raw") != NULL) {
		if (s->mode != PROC_STDIN_PIPE)
			return 0;	/* already in the stdin file */
		if ((rc = script_bytes(s, step, &b)) == 0) {
			proc_send(&s->p, b.data, b.len);
			if (!json_is_false(json_object_get(step, "flush")))
				proc_flush(&s->p, script_deadline(s, step));
		}
		sbuf_release(&b);
		return rc == 0 ? 0 : -1;
	}
	if ((v = json_object_get(step, "expect")) != NULL) {
		json_int_t n = json_integer_value(json_object_get(step, "count"));

		for (json_int_t k = 0; k < (n > 0 ? n : 1); k++) {
			if (script_expect(s, step) != 0) {
				if (n > 1) {
					char msg[HARNESS_WHY_MAX];

					snprintf(msg, sizeof(msg), "%s", s->why);
					snprintf(s->why, s->whylen, "message %lld of %lld: %s",
					    (long long)k + 1, (long long)n, msg);
				}
				return -1;
			}
		}
		return 0;
	}
	if (json_object_get(step, "expect_none_ms") != NULL)
		return script_expect_none(s, step);
	if (json_object_get(step, "close_stdin") != NULL) {
		proc_close_stdin(&s->p);
		return 0;
	}
	if (json_object_get(step, "close_stdout") != NULL) {
		if (s->p.out_fd >= 0) {
			close(s->p.out_fd);
			s->p.out_fd = -1;
		}
		return 0;
	}
	if ((v = json_object_get(step, "expect_exit")) != NULL) {
		if ((rc = script_expect_exit(s, step, json_is_string(v) ? -1 :
		    json_integer_value(v))) == 0)
			s->exit_checked = 1;
		return rc;
	}
	if (json_object_get(step, "expect_stderr") != NULL)
		return script_expect_stderr(s, step);
	if (json_object_get(step, "expect_stdout_text") != NULL)
		return script_expect_stdout_text(s, step);
	if (json_object_get(step, "expect_stdout_empty") != NULL) {
		proc_pump(&s->p, 0);
		if (s->p.stdout_bytes == 0)
			return 0;
		snprintf(s->why, s->whylen, "expected nothing on stdout got %zu bytes",
		    s->p.stdout_bytes);
		return -1;
	}
	if (json_object_get(step, "signal") != NULL)
		return script_signal(s, step);
	if ((v = json_object_get(step, "stall_ms")) != NULL) {
		uint64_t deadline = strata_now_ms() + (uint64_t)json_integer_value(v), now;

		s->p.stall = 1;
		while ((now = strata_now_ms()) < deadline)
			proc_pump(&s->p, (int)(deadline - now));
		s->p.stall = 0;
		return 0;
	}
	if ((v = json_object_get(step, "sleep_ms")) != NULL) {
		uint64_t deadline = strata_now_ms() + (uint64_t)json_integer_value(v), now;

		while ((now = strata_now_ms()) < deadline)
			proc_pump(&s->p, (int)(deadline - now));
		return 0;
	}
	snprintf(s->why, s->whylen, "unknown step in script");
	return -1;
}

/* After the steps: EOF, exit status, stdout hygiene, leftovers, sanitizer reports. */
static int
script_finish(struct script *s, int nsteps)
{
	json_t *exitv = json_object_get(s->doc, "exit");
	json_int_t code = json_is_integer(exitv) ? json_integer_value(exitv) : 0;
	size_t i;
	json_t *m;
	char st[128];

	proc_close_stdin(&s->p);
	if (!proc_wait(&s->p, strata_now_ms() + (uint64_t)(s->timeout_ms * s->o->scale))) {
		snprintf(s->why, s->whylen, "after the steps: expected the server to exit "
		    "once stdin closed got it still running");
		return -1;
	}
	if (!s->exit_checked &&
	    (!WIFEXITED(s->p.status) || WEXITSTATUS(s->p.status) != code)) {
		script_status_text(&s->p, st, sizeof(st));
		snprintf(s->why, s->whylen, "after the steps: expected exit %lld got %s",
		    (long long)code, st);
		return -1;
	}
	if (s->p.bad != NULL && !json_is_false(json_object_get(s->doc, "stdout_json"))) {
		snprintf(s->why, s->whylen, "after the steps: expected only JSON-RPC lines "
		    "on stdout got %s", s->p.bad);
		return -1;
	}
	if (!json_is_true(json_object_get(s->doc, "allow_extra"))) {
		json_array_foreach(s->p.queue, i, m) {
			char *d;

			if (script_is_note(m))
				continue;
			d = match_dump(m, 300);
			snprintf(s->why, s->whylen, "after step %d: expected no further "
			    "response got %s", nsteps, d != NULL ? d : "?");
			free(d);
			return -1;
		}
	}
	if (s->p.err.data != NULL && (strstr(s->p.err.data, "Sanitizer") != NULL ||
	    strstr(s->p.err.data, "runtime error:") != NULL)) {
		const char *at = strstr(s->p.err.data, "Sanitizer");

		at = at != NULL ? at : strstr(s->p.err.data, "runtime error:");
		snprintf(s->why, s->whylen, "sanitizer report on stderr: %.300s", at);
		return -1;
	}
	return 0;
}

static int
script_load(struct script *s, const char *path)
{
	json_error_t jerr;
	json_t *t;

	s->doc = json_load_file(path, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (s->doc == NULL) {
		snprintf(s->why, s->whylen, "bad script: %s line %d: %s", path, jerr.line,
		    jerr.text);
		return -1;
	}
	if (!json_is_array(json_object_get(s->doc, "steps"))) {
		snprintf(s->why, s->whylen, "bad script: no \"steps\" array");
		return -1;
	}
	t = json_object_get(s->doc, "timeout_ms");
	s->timeout_ms = json_is_integer(t) ? (int)json_integer_value(t) : SCRIPT_TIMEOUT_MS;
	s->skip_notes = json_is_true(json_object_get(s->doc, "skip_notifications"));
	t = json_object_get(s->doc, "stdin");
	if (t == NULL || strcmp(json_string_value(t) ? json_string_value(t) : "", "pipe") == 0)
		s->mode = PROC_STDIN_PIPE;
	else if (strcmp(json_string_value(t) ? json_string_value(t) : "", "file") == 0)
		s->mode = PROC_STDIN_FILE;
	else if (strcmp(json_string_value(t) ? json_string_value(t) : "", "null") == 0)
		s->mode = PROC_STDIN_NULL;
	else {
		snprintf(s->why, s->whylen, "bad script: stdin must be pipe, file or null");
		return -1;
	}
	return 0;
}

/* argv: the wrapper's words, the server, the script's args (new array of borrowed strings). */
static char **
script_argv(struct script *s)
{
	json_t *args = json_object_get(s->doc, "args");
	size_t n = 0, i, k = 0;
	char **argv;

	while (s->o->wrap != NULL && s->o->wrap[n] != NULL)
		n++;
	if ((argv = calloc(n + json_array_size(args) + 2, sizeof(*argv))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		argv[k++] = s->o->wrap[i];
	argv[k++] = (char *)s->o->server;
	for (i = 0; i < json_array_size(args); i++)
		argv[k++] = (char *)json_string_value(json_array_get(args, i));
	return argv;
}

int
script_run(const struct harness_opts *o, const char *path, char *why, size_t whylen)
{
	struct script s = { .o = o, .why = why, .whylen = whylen };
	struct sbuf file = SBUF_INIT(SCRIPT_RAW_MAX);
	char msg[HARNESS_WHY_MAX];
	json_t *steps, *step;
	char **argv = NULL;
	size_t i;
	int rc = -1;

	why[0] = '\0';
	if ((s.vars = json_object()) == NULL || script_load(&s, path) != 0)
		goto fail;
	steps = json_object_get(s.doc, "steps");
	if (s.mode == PROC_STDIN_FILE) {
		json_array_foreach(steps, i, step) {
			if ((json_object_get(step, "send") != NULL ||
			    json_object_get(step, "raw") != NULL) &&
			    script_bytes(&s, step, &file) != 0)
				goto fail;
		}
	}
	if ((argv = script_argv(&s)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	if (proc_start(&s.p, argv, s.mode, file.data, file.len, why, whylen) != 0)
		goto fail;
	s.started = 1;
	json_array_foreach(steps, i, step) {
		if (script_step(&s, step) != 0) {
			snprintf(msg, sizeof(msg), "%s", why);
			snprintf(why, whylen, "step %zu: %s", i + 1, msg);
			goto fail;
		}
	}
	if (script_finish(&s, (int)json_array_size(steps)) != 0)
		goto fail;
	rc = 0;
fail:
	if (rc != 0 && o->verbose && s.started && s.p.err.data != NULL)
		fprintf(stderr, "--- server stderr (%s) ---\n%.4000s\n---\n", path,
		    s.p.err.data);
	if (s.started)
		proc_release(&s.p);
	sbuf_release(&file);
	free(argv);
	json_decref(s.vars);
	json_decref(s.doc);
	return rc;
}
