#ifndef STRATA_TEST_MCP_COMMON_H
#define STRATA_TEST_MCP_COMMON_H

/*
 * Shared by the test_mcp_*.c suites: a server whose output is collected in memory, so the
 * protocol is tested without a process — feed bytes, look at the messages that come out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/mcp.h"
#include "testutil.h"

struct collector {
	json_t	*msgs;		/* array of messages not yet taken */
	size_t	 total;		/* every message ever sent */
};

static inline void
collect(char *line, size_t len, void *arg)
{
	struct collector *c = arg;
	json_error_t err;
	json_t *m;

	/* Every output line must be one valid JSON text without a raw newline. */
	ck_assert_msg(memchr(line, '\n', len) == NULL, "newline inside a message: %s", line);
	ck_assert_uint_eq(strlen(line), len);
	m = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(m != NULL, "server sent invalid JSON: %s (%s)", line, err.text);
	json_array_append_new(c->msgs, m);
	c->total++;
	free(line);
}

static inline struct mcp_server *
test_server(struct collector *c, size_t max, size_t page)
{
	struct mcp_server_options o;
	struct mcp_server *srv;

	strata_log_set_level(STRATA_LOG_CRITICAL);	/* keep test output readable */
	memset(&o, 0, sizeof(o));
	o.max_message_bytes = max;
	o.tools_page_size = page;
	o.validate_output = 1;
	c->msgs = json_array();
	c->total = 0;
	srv = mcp_server_new(NULL, &o, collect, c);
	ck_assert_ptr_nonnull(srv);
	return srv;
}

static inline void
test_server_free(struct mcp_server *srv, struct collector *c)
{
	mcp_server_free(srv);
	json_decref(c->msgs);
	c->msgs = NULL;
}

/* Feeds a printf-formatted line plus "\n". */
static inline void
feedf(struct mcp_server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void
feedf(struct mcp_server *srv, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(buf) - 1);
	buf[n++] = '\n';
	mcp_server_feed(srv, buf, (size_t)n);
}

static inline size_t
pending(const struct collector *c)
{
	return json_array_size(c->msgs);
}

/* Removes and returns the oldest message (new reference), failing if there is none. */
static inline json_t *
take(struct collector *c)
{
	json_t *m;

	ck_assert_msg(json_array_size(c->msgs) > 0, "expected a message, got none");
	m = json_incref(json_array_get(c->msgs, 0));
	json_array_remove(c->msgs, 0);
	return m;
}

/* The error code of a response (0 if it is a result). */
static inline int
error_code(const json_t *m)
{
	const json_t *e = json_object_get(m, "error");

	return e != NULL ? (int)json_integer_value(json_object_get(e, "code")) : 0;
}

/* Takes the next message and checks it is an error with `code` for integer id `id`
 * (id < 0: null id). */
static inline void
expect_error(struct collector *c, long long id, int code)
{
	json_t *m = take(c), *mid = json_object_get(m, "id");
	char *s = json_dumps(m, JSON_COMPACT);

	ck_assert_msg(error_code(m) == code, "expected error %d, got %s", code, s);
	if (id < 0)
		ck_assert_msg(json_is_null(mid), "expected id null: %s", s);
	else
		ck_assert_msg(json_is_integer(mid) && json_integer_value(mid) == id,
		    "expected id %lld: %s", id, s);
	free(s);
	json_decref(m);
}

/* Takes the next message, checks it is a result for integer id `id`, returns the result
 * (new reference). */
static inline json_t *
expect_result(struct collector *c, long long id)
{
	json_t *m = take(c), *r;
	char *s = json_dumps(m, JSON_COMPACT);

	ck_assert_msg(json_is_integer(json_object_get(m, "id")) &&
	    json_integer_value(json_object_get(m, "id")) == id, "expected id %lld: %s", id, s);
	r = json_object_get(m, "result");
	ck_assert_msg(json_is_object(r), "expected a result: %s", s);
	free(s);
	json_incref(r);
	json_decref(m);
	return r;
}

static inline void
legacy_init(struct mcp_server *srv, struct collector *c, const char *version, const char *caps)
{
	json_t *r;

	feedf(srv, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":{\"name\":\"t\","
	    "\"version\":\"1\"}}}", version, caps != NULL ? caps : "{}");
	r = expect_result(c, 0);
	json_decref(r);
	feedf(srv, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	ck_assert_uint_eq(pending(c), 0);
}

#define MODERN_META \
	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
	"\"io.modelcontextprotocol/clientCapabilities\":{}," \
	"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}"

#endif
