/*
 * An allocation-free JSON scanner (see jscan.h): validating skip of a value, member and
 * element iteration, key lookup, string comparison and decoding, integers.
 *
 * The skip is iterative (a bit stack of container types, JSCAN_MAX_DEPTH deep) so that
 * hostile nesting costs 256 bytes of stack, not a stack overflow.  Strings are the bulk
 * of Kubernetes JSON, so their inner loop is a table lookup per byte; only bytes that
 * need a decision (quote, backslash, control, non-ASCII) leave it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/jscan.h"

#ifdef __SSE2__
#include <emmintrin.h>	/* x86-64 baseline: the string loop takes 16 bytes at a time */
#endif

#define KLEN_N	16	/* key lengths computed once per jscan_get_many() */

/* 1 for bytes that may appear in a string as they are: 0x20..0x7f except '"' and '\'. */
static const unsigned char plain[256] = {
	['\x20'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1,
	['/'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1,
	['='] = 1, ['>'] = 1, ['?'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
	['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
	['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
	['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1, ['['] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['{'] = 1, ['|'] = 1,
	['}'] = 1, ['~'] = 1, ['\x7f'] = 1,
};

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (p + 4 <= end checked by the caller): the value or -1. */
static long
hex4(const char *p)
{
	long v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * One UTF-8 sequence starting at p (a byte >= 0x80): its length, or 0 when it is not
 * valid UTF-8 as jansson's utf8_check_first/utf8_check_full define it.
 */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end, long *cp)
{
	unsigned char u = *p;
	size_t n, i;
	long v;

	if (u >= 0xC2 && u <= 0xDF) {
		n = 2;
		v = u & 0x1F;
	} else if (u >= 0xE0 && u <= 0xEF) {
		n = 3;
		v = u & 0x0F;
	} else if (u >= 0xF0 && u <= 0xF4) {
		n = 4;
		v = u & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
	    (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	if (cp != NULL)
		*cp = v;
	return n;
}

/*
 * An escape after the backslash at p[-1]: returns the byte after it, or NULL.  For \u
 * escapes the code point goes to *cp (surrogate pairs combined), else the byte.
 */
static const char *
scan_escape(const char *p, const char *end, long *cp)
{
	long v, lo;

	if (p >= end)
		return NULL;
	switch (*p) {
	case '"':	*cp = '"'; return p + 1;
	case '\\':	*cp = '\\'; return p + 1;
	case '/':	*cp = '/'; return p + 1;
	case 'b':	*cp = '\b'; return p + 1;
	case 'f':	*cp = '\f'; return p + 1;
	case 'n':	*cp = '\n'; return p + 1;
	case 'r':	*cp = '\r'; return p + 1;
	case 't':	*cp = '\t'; return p + 1;
	case 'u':
		break;
	default:
		return NULL;
	}
	if (end - p < 5 || (v = hex4(p + 1)) < 0)
		return NULL;
	p += 5;
	if (v == 0 || (v >= 0xDC00 && v <= 0xDFFF))
		return NULL;	/* NUL is refused (no JSON_ALLOW_NUL); lone low surrogate */
	if (v >= 0xD800 && v <= 0xDBFF) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2)) < 0 ||
		    lo < 0xDC00 || lo > 0xDFFF)
			return NULL;
		v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
		p += 6;
	}
	*cp = v;
	return p;
}

/*
 * Non-zero if any of the 8 bytes in x needs a look: '"', '\\', a control character or a
 * non-ASCII byte (the classic "has zero byte" / "has byte less than" bit tricks).
 */
static uint64_t
swar_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & highs;
}

/* A string whose opening quote is at p: returns the byte after the closing quote. */
static const char *
scan_string(const char *p, const char *end)
{
	const unsigned char *u;
	uint64_t x;
	long cp;
	size_t n;

	p++;
	for (;;) {
#ifdef __SSE2__
		/* Sixteen bytes at a time: '"', '\\', and (signed) < 0x20, which is a control
		 * character or a non-ASCII byte, stop it at the first such byte. */
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			int m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));

			if (m != 0) {
				p += __builtin_ctz((unsigned)m);
				goto special;	/* the narrower loops would find it again */
			}
			p += 16;
		}
#endif
		while (end - p >= 8) {	/* eight plain bytes at a time */
			memcpy(&x, p, 8);
			if (swar_special(x))
				break;
			p += 8;
		}
		while (p < end && plain[(unsigned char)*p])
			p++;
		if (p >= end)
			return NULL;
#ifdef __SSE2__
special:
#endif
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			if ((p = scan_escape(p + 1, end, &cp)) == NULL)
				return NULL;
			continue;
		}
		u = (const unsigned char *)p;
		if (*u < 0x80 || (n = utf8_seq(u, (const unsigned char *)end, NULL)) == 0)
			return NULL;	/* control character or bad UTF-8 */
		p += n;
	}
}

/* Does the real number [s, e) overflow a double?  (jansson refuses those.) */
static int
real_overflows(const char *s, const char *e, const char *end)
{
	char buf[128];
	const char *q;
	long digits = 0, exp = 0;
	int lead = 1, neg = 0;
	double d;

	if (e < end || (size_t)(e - s) < sizeof(buf)) {
		/* Bounded: a validated number is followed by a delimiter inside the buffer. */
		if (e < end) {
			d = strtod(s, NULL);
		} else {
			memcpy(buf, s, (size_t)(e - s));
			buf[e - s] = '\0';
			d = strtod(buf, NULL);
		}
		return isinf(d);
	}
	/* A very long number at the very end of the buffer: judge by its magnitude. */
	for (q = s; q < e && *q != 'e' && *q != 'E' && *q != '.'; q++) {
		if (*q >= '1' && *q <= '9')
			lead = 0;
		if (!lead && *q >= '0' && *q <= '9')
			digits++;
	}
	while (q < e && *q != 'e' && *q != 'E')
		q++;
	if (q < e && ++q < e) {
		if (*q == '-' || *q == '+')
			neg = *q++ == '-';
		for (; q < e && exp < 100000; q++)
			exp = exp * 10 + (*q - '0');
	}
	return digits - 1 + (neg ? -exp : exp) > 308;
}

/* A number starting at p: returns the byte after it, or NULL. */
static const char *
scan_number(const char *p, const char *end)
{
	const char *s = p;
	uint64_t v = 0, lim;
	int neg = 0, real = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end)
		return NULL;
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return NULL;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return NULL;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		real = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		real = 1;
	}
	if (real)
		return real_overflows(s, p, end) ? NULL : p;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (s += neg; s < p; s++) {
		if (v > (lim - (uint64_t)(*s - '0')) / 10)
			return NULL;	/* jansson: "too big integer" */
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return p;
}

static const char *
scan_literal(const char *p, const char *end, const char *lit, size_t n)
{
	if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

/*
 * One value at p (no leading whitespace): returns the byte after it, or NULL with *errp
 * at the offending byte.  The type of the outer value goes to *type.
 */
static const char *
scan_value(const char *p, const char *end, enum jscan_type *type, const char **errp,
    size_t maxdepth)
{
	unsigned char stack[JSCAN_MAX_DEPTH / 8];	/* bit set: object */
	size_t depth = 0;
	const char *q;
	int obj;

	*type = JSCAN_NONE;
value:
	p = skip_ws(p, end);
	if (p >= end)
		goto fail;
	switch (*p) {
	case '{':
	case '[':
		if (depth >= maxdepth)
			goto fail;
		obj = *p == '{';
		if (depth == 0)
			*type = obj ? JSCAN_OBJECT : JSCAN_ARRAY;
		if (obj)
			stack[depth / 8] |= (unsigned char)(1u << (depth % 8));
		else
			stack[depth / 8] &= (unsigned char)~(1u << (depth % 8));
		depth++;
		p = skip_ws(p + 1, end);
		if (p < end && *p == (obj ? '}' : ']')) {
			p++;
			depth--;
			goto after;
		}
		if (obj)
			goto key;
		goto value;
	case '"':
		if (depth == 0)
			*type = JSCAN_STRING;
		if ((q = scan_string(p, end)) == NULL)
			goto fail;
		p = q;
		goto after;
	case 't':
		if (depth == 0)
			*type = JSCAN_TRUE;
		q = scan_literal(p, end, "true", 4);
		break;
	case 'f':
		if (depth == 0)
			*type = JSCAN_FALSE;
		q = scan_literal(p, end, "false", 5);
		break;
	case 'n':
		if (depth == 0)
			*type = JSCAN_NULL;
		q = scan_literal(p, end, "null", 4);
		break;
	default:
		if (*p != '-' && (*p < '0' || *p > '9'))
			goto fail;
		if (depth == 0)
			*type = JSCAN_NUMBER;
		q = scan_number(p, end);
		break;
	}
	if (q == NULL)
		goto fail;
	p = q;
after:
	if (depth == 0)
		return p;
	p = skip_ws(p, end);
	if (p >= end)
		goto fail;
	obj = (stack[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;
	if (*p == ',') {
		p++;
		if (obj)
			goto key;
		goto value;
	}
	if (*p == (obj ? '}' : ']')) {
		p++;
		depth--;
		goto after;
	}
	goto fail;
key:
	p = skip_ws(p, end);
	if (p >= end || *p != '"' || (q = scan_string(p, end)) == NULL)
		goto fail;
	p = skip_ws(q, end);
	if (p >= end || *p != ':')
		goto fail;
	p++;
	goto value;
fail:
	*errp = p < end ? p : end;
	*type = JSCAN_NONE;
	return NULL;
}

int
jscan_value(const char *buf, size_t len, size_t *pos, struct jscan_val *v)
{
	const char *end = buf + len, *p, *q, *err = NULL;
	enum jscan_type t;

	if (*pos > len) {
		*pos = len;
		return -EBADMSG;
	}
	p = skip_ws(buf + *pos, end);
	if ((q = scan_value(p, end, &t, &err, JSCAN_MAX_DEPTH)) == NULL) {
		*pos = (size_t)(err - buf);
		v->p = NULL;
		v->len = 0;
		v->type = JSCAN_NONE;
		return -EBADMSG;
	}
	v->p = p;
	v->len = (size_t)(q - p);
	v->type = t;
	*pos = (size_t)(q - buf);
	return 0;
}

int
jscan_doc(const char *buf, size_t len, struct jscan_val *v, size_t *errpos)
{
	size_t pos = 0;
	int rc;

	if ((rc = jscan_value(buf, len, &pos, v)) < 0)
		goto fail;
	if (v->type != JSCAN_OBJECT && v->type != JSCAN_ARRAY) {
		pos = (size_t)(v->p - buf);
		goto bad;
	}
	pos = (size_t)(skip_ws(buf + pos, buf + len) - buf);
	if (pos != len)
		goto bad;
	return 0;
bad:
	rc = -EBADMSG;
	v->type = JSCAN_NONE;
fail:
	if (errpos != NULL)
		*errpos = pos;
	return rc;
}

void
jscan_iter_init(struct jscan_iter *it, const struct jscan_val *v)
{
	memset(it, 0, sizeof(*it));
	if ((v->type == JSCAN_OBJECT || v->type == JSCAN_ARRAY) && v->len >= 2) {
		it->p = v->p + 1;
		it->end = v->p + v->len;
		it->type = v->type;
		it->depth = 1;
		it->first = 1;
	} else {
		it->type = JSCAN_NONE;
		it->done = 1;
	}
}

int
jscan_open(struct jscan_iter *it, const char *buf, size_t len)
{
	const char *end = buf + len, *p = skip_ws(buf, end);

	memset(it, 0, sizeof(*it));
	it->done = 1;
	if (p >= end || (*p != '{' && *p != '['))
		return -EBADMSG;
	it->type = *p == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
	it->p = p + 1;
	it->end = end;
	it->depth = 1;
	it->first = 1;
	it->done = 0;
	return 0;
}

static int
iter_fail(struct jscan_iter *it)
{
	it->done = 1;
	it->pending = 0;
	it->bad = 1;
	return -EBADMSG;
}

/* The value waiting at it->p, validated within the depth left: 0 or -EBADMSG. */
static int
iter_skip(struct jscan_iter *it, struct jscan_val *val)
{
	const char *q, *err;

	it->pending = 0;
	if ((q = scan_value(it->p, it->end, &val->type, &err,
	    JSCAN_MAX_DEPTH - it->depth)) == NULL) {
		it->p = err;	/* where it went wrong, for messages */
		return iter_fail(it);
	}
	val->p = it->p;
	val->len = (size_t)(q - it->p);
	it->p = q;
	return 0;
}

/* To the next entry: 1 if there is one, 0 past the closing bracket, or -EBADMSG. */
static int
iter_step(struct jscan_iter *it)
{
	struct jscan_val skipped;

	if (it->bad)
		return -EBADMSG;
	if (it->done)
		return 0;
	if (it->pending && iter_skip(it, &skipped) < 0)
		return -EBADMSG;
	it->p = skip_ws(it->p, it->end);
	if (it->p >= it->end)
		return iter_fail(it);
	if (*it->p == (it->type == JSCAN_OBJECT ? '}' : ']')) {
		it->p++;
		it->done = 1;
		return 0;
	}
	if (!it->first) {
		if (*it->p != ',')
			return iter_fail(it);
		it->p = skip_ws(it->p + 1, it->end);
		if (it->p >= it->end)
			return iter_fail(it);
	}
	it->first = 0;
	return 1;
}

int
jscan_next_key(struct jscan_iter *it, struct jscan_val *key)
{
	const char *q;
	int rc;

	if (it->type != JSCAN_OBJECT)
		return it->type == JSCAN_NONE ? 0 : -EBADMSG;
	if ((rc = iter_step(it)) <= 0)
		return rc;
	if (*it->p != '"' || (q = scan_string(it->p, it->end)) == NULL)
		return iter_fail(it);
	key->p = it->p;
	key->len = (size_t)(q - it->p);
	key->type = JSCAN_STRING;
	it->p = skip_ws(q, it->end);
	if (it->p >= it->end || *it->p != ':')
		return iter_fail(it);
	it->p = skip_ws(it->p + 1, it->end);
	it->pending = 1;
	return 1;
}

int
jscan_skip(struct jscan_iter *it, struct jscan_val *val)
{
	if (!it->pending)
		return -EINVAL;
	return iter_skip(it, val);
}

int
jscan_enter(struct jscan_iter *it, struct jscan_iter *sub)
{
	if (!it->pending)
		return -EINVAL;
	if (it->p >= it->end || (*it->p != '{' && *it->p != '['))
		return 0;
	if (it->depth + 1 > JSCAN_MAX_DEPTH)
		return iter_fail(it);
	memset(sub, 0, sizeof(*sub));
	sub->type = *it->p == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
	sub->p = it->p + 1;
	sub->end = it->end;
	sub->depth = it->depth + 1;
	sub->first = 1;
	it->pending = 0;	/* it->p stays at the bracket until jscan_leave() */
	return 1;
}

/* Runs an iteration to its end (validating what is left): 0 or -EBADMSG. */
static int
iter_finish(struct jscan_iter *it)
{
	struct jscan_val k, v;
	int rc;

	if (it->type == JSCAN_OBJECT)
		while ((rc = jscan_next_member(it, &k, &v)) > 0)
			;
	else
		while ((rc = jscan_next_elem(it, &v)) > 0)
			;
	return rc;
}

int
jscan_leave(struct jscan_iter *it, struct jscan_iter *sub)
{
	if (iter_finish(sub) < 0)
		return iter_fail(it);
	it->p = sub->p;
	return 0;
}

int
jscan_close(struct jscan_iter *it)
{
	int rc;

	if ((rc = iter_finish(it)) < 0)
		return rc;
	return skip_ws(it->p, it->end) == it->end ? 0 : -EBADMSG;
}

int
jscan_next_member(struct jscan_iter *it, struct jscan_val *key, struct jscan_val *val)
{
	int rc;

	if ((rc = jscan_next_key(it, key)) <= 0)
		return rc;
	return iter_skip(it, val) < 0 ? -EBADMSG : 1;
}

int
jscan_next_elem(struct jscan_iter *it, struct jscan_val *val)
{
	int rc;

	if (it->type != JSCAN_ARRAY)
		return it->type == JSCAN_NONE ? 0 : -EBADMSG;
	if ((rc = iter_step(it)) <= 0)
		return rc;
	return iter_skip(it, val) < 0 ? -EBADMSG : 1;
}

/* Key slice (with quotes) equal to the NUL-terminated s of length n? */
static int
key_eq(const struct jscan_val *k, const char *s, size_t n)
{
	if (k->len == n + 2 && memcmp(k->p + 1, s, n) == 0)
		return 1;
	/* Only an escaped key can be longer than its text and still match. */
	if (k->len > n + 2 && memchr(k->p + 1, '\\', k->len - 2) != NULL)
		return jscan_str_eq(k, s);
	return 0;
}

int
jscan_get_many(const struct jscan_val *obj, const char *const *keys, size_t n,
    struct jscan_val *out)
{
	struct jscan_iter it;
	struct jscan_val k, v;
	size_t i, klen[16];
	int rc, found = 0;

	for (i = 0; i < n; i++) {
		out[i].p = NULL;
		out[i].len = 0;
		out[i].type = JSCAN_NONE;
		if (i < KLEN_N)
			klen[i] = strlen(keys[i]);
	}
	jscan_iter_init(&it, obj);
	if (it.type != JSCAN_OBJECT)
		return 0;
	while ((rc = jscan_next_member(&it, &k, &v)) > 0) {
		for (i = 0; i < n; i++) {
			if (key_eq(&k, keys[i], i < KLEN_N ? klen[i] :
			    strlen(keys[i]))) {
				if (out[i].type == JSCAN_NONE)
					found++;
				out[i] = v;
				break;
			}
		}
	}
	return rc < 0 ? rc : found;
}

int
jscan_get(const struct jscan_val *obj, const char *key, struct jscan_val *out)
{
	return jscan_get_many(obj, &key, 1, out);
}

/*
 * Decodes the next character of string slice [*pp, end) (inside the quotes) into up to
 * four UTF-8 bytes at out; returns how many, or -1 on malformed text.
 */
static int
str_next(const char **pp, const char *end, unsigned char out[4])
{
	const char *p = *pp;
	long cp;
	size_t n;

	if (*p != '\\') {
		if ((unsigned char)*p < 0x80) {
			out[0] = (unsigned char)*p;
			*pp = p + 1;
			return 1;
		}
		if ((n = utf8_seq((const unsigned char *)p, (const unsigned char *)end,
		    NULL)) == 0)
			return -1;
		memcpy(out, p, n);
		*pp = p + n;
		return (int)n;
	}
	if ((p = scan_escape(p + 1, end, &cp)) == NULL)
		return -1;
	*pp = p;
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

int
jscan_str_eq(const struct jscan_val *v, const char *s)
{
	const char *p, *end;
	unsigned char c[4];
	size_t n = strlen(s);
	int k;

	if (v->type != JSCAN_STRING || v->len < 2)
		return 0;
	p = v->p + 1;
	end = v->p + v->len - 1;
	if (memchr(p, '\\', (size_t)(end - p)) == NULL)
		return (size_t)(end - p) == n && memcmp(p, s, n) == 0;
	while (p < end) {
		if ((k = str_next(&p, end, c)) < 0 || (size_t)k > n || memcmp(c, s, (size_t)k))
			return 0;
		s += k;
		n -= (size_t)k;
	}
	return n == 0;
}

int
jscan_str_copy(const struct jscan_val *v, char *out, size_t outlen)
{
	const char *p, *end;
	unsigned char c[4];
	size_t n = 0;
	int k;

	if (outlen > 0)
		out[0] = '\0';
	if (v->type != JSCAN_STRING || v->len < 2)
		return -EINVAL;
	p = v->p + 1;
	end = v->p + v->len - 1;
	while (p < end) {
		if ((k = str_next(&p, end, c)) < 0)
			return -EINVAL;
		if (n + (size_t)k + 1 > outlen || n + (size_t)k > INT32_MAX) {
			if (outlen > 0)
				out[0] = '\0';
			return -ENOSPC;
		}
		memcpy(out + n, c, (size_t)k);
		n += (size_t)k;
	}
	if (n + 1 > outlen)
		return -ENOSPC;
	out[n] = '\0';
	return (int)n;
}

int
jscan_int(const struct jscan_val *v, int64_t *out)
{
	const char *p, *end;
	uint64_t acc = 0, lim;
	int neg = 0;

	if (v->type != JSCAN_NUMBER || v->len == 0)
		return -EINVAL;
	p = v->p;
	end = v->p + v->len;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end)
		return -EINVAL;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;		/* a real */
		if (acc > (lim - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		acc = acc * 10 + (uint64_t)(*p - '0');
	}
	if (neg)
		*out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
	else
		*out = (int64_t)acc;
	return 0;
}
