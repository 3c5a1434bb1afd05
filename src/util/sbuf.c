/*
 * A growable byte buffer with a hard cap.  Every buffer that grows from input (a line
 * from stdin, an HTTP body, a request from a client) is an sbuf with a max, so that no
 * input can make the process grow without bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"

void
sbuf_init(struct sbuf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int
sbuf_grow(struct sbuf *b, size_t need)
{
	size_t cap;
	char *p;

	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < need + 1) {
		if (cap > ((size_t)-1) / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap > b->max + 1 && need + 1 <= b->max + 1)
		cap = b->max + 1;
	if ((p = realloc(b->data, cap)) == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
sbuf_append(struct sbuf *b, const void *p, size_t n)
{
	int rc;

	if (n > b->max || b->len > b->max - n)
		return -E2BIG;
	if ((rc = sbuf_grow(b, b->len + n)) != 0)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
sbuf_appends(struct sbuf *b, const char *s)
{
	return sbuf_append(b, s, strlen(s));
}

int
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n > b->max || b->len > b->max - (size_t)n)
		return -E2BIG;
	if ((rc = sbuf_grow(b, b->len + (size_t)n)) != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
sbuf_consume(struct sbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		if (b->data != NULL)
			b->data[0] = '\0';
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
sbuf_detach(struct sbuf *b, size_t *len)
{
	char *p;

	if (b->data == NULL) {
		if (sbuf_grow(b, 0) != 0)
			return NULL;
		b->data[0] = '\0';
	}
	p = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void
sbuf_release(struct sbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
sbuf_wipe(struct sbuf *b)
{
	if (b->data != NULL)
		strata_wipe(b->data, b->cap);
	sbuf_release(b);
}
