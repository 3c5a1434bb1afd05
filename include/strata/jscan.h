#ifndef STRATA_JSCAN_H
#define STRATA_JSCAN_H

/*
 * jscan: an allocation-free JSON scanner over a byte buffer.
 *
 * Values are byte slices of the caller's buffer (struct jscan_val); nothing is copied
 * and nothing is allocated.  Use it where building a tree would cost more than the few
 * fields read: a 1.3 MB list page of 500 pods, of which a healthy pod needs six fields.
 *
 * Validation is that of jansson's json_loadb(buf, len, 0, …), so that a buffer the
 * scanner accepts parses with jansson and the other way round: RFC 8259 grammar, strings
 * in valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), no control
 * characters in strings, escapes \" \\ \/ \b \f \n \r \t \uXXXX with paired surrogates
 * and no \u0000, integers within int64, reals that do not overflow a double, nesting at
 * most JSCAN_MAX_DEPTH.  (Reals are checked with strtod in the C locale.)
 *
 * Bounds: no function reads outside [buf, buf + len), whatever the bytes; a slice handed
 * back always lies inside the buffer it was scanned from.  The buffer need not be
 * NUL-terminated.
 *
 * Duplicate keys: jscan_get() and jscan_get_many() return the LAST member of a given
 * name, which is the member jansson keeps.
 *
 * Errors are -EBADMSG (malformed text), with the offending byte offset where a function
 * takes `errpos`.
 */

#include <stddef.h>
#include <stdint.h>

#define JSCAN_MAX_DEPTH	2048	/* jansson's JSON_PARSER_MAX_DEPTH */

enum jscan_type {
	JSCAN_NONE = 0,		/* absent (a key not found) */
	JSCAN_OBJECT,
	JSCAN_ARRAY,
	JSCAN_STRING,
	JSCAN_NUMBER,
	JSCAN_TRUE,
	JSCAN_FALSE,
	JSCAN_NULL
};

/* A value: `len` bytes at `p` (a string's slice includes its quotes).  Borrowed. */
struct jscan_val {
	const char	*p;
	size_t		 len;
	enum jscan_type	 type;
};

/*
 * Scans one value starting at buf[*pos] (leading whitespace skipped), validating all of
 * it.  On success fills *v, sets *pos just past the value and returns 0; on malformed
 * text returns -EBADMSG with *pos at the offending byte.
 */
int	jscan_value(const char *buf, size_t len, size_t *pos, struct jscan_val *v);

/*
 * A whole document as json_loadb(…, 0, …) takes it: whitespace, one object or array,
 * whitespace, end.  Returns 0 or -EBADMSG (errpos, may be NULL, gets the byte offset).
 */
int	jscan_doc(const char *buf, size_t len, struct jscan_val *v, size_t *errpos);

/*
 * Walks the members of an object or the elements of an array, validating as it goes.
 * Either from a value scanned before (jscan_iter_init), or in a single pass over a whole
 * document (jscan_open … jscan_close): then jscan_next_key() stops before each member's
 * value and the caller either skips it (jscan_skip, or just asks for the next key) or
 * descends into it (jscan_enter, iterate `sub`, jscan_leave), so that every byte is
 * scanned once.  An error is sticky: every later call returns -EBADMSG.
 */
struct jscan_iter {
	const char	*p;		/* next byte */
	const char	*end;		/* end of the scanned region */
	enum jscan_type	 type;		/* JSCAN_OBJECT, JSCAN_ARRAY, or JSCAN_NONE */
	unsigned	 depth;		/* this container's nesting (1: a document's root) */
	int		 first, pending, done, bad;
};

/* A value from jscan_value() or a lookup; any non-container gives an empty iteration. */
void	jscan_iter_init(struct jscan_iter *it, const struct jscan_val *v);
/* A document's root object or array (after whitespace): 0, or -EBADMSG. */
int	jscan_open(struct jscan_iter *it, const char *buf, size_t len);
/* Validates the rest of the document (nothing but whitespace after it): 0 or -EBADMSG. */
int	jscan_close(struct jscan_iter *it);
/* 1 with the next member (key is a JSCAN_STRING slice), 0 at the end, or -EBADMSG. */
int	jscan_next_member(struct jscan_iter *it, struct jscan_val *key, struct jscan_val *val);
/* 1 with the next element, 0 at the end, or -EBADMSG. */
int	jscan_next_elem(struct jscan_iter *it, struct jscan_val *val);
/* 1 with the next key, its value left waiting; 0 at the end, or -EBADMSG. */
int	jscan_next_key(struct jscan_iter *it, struct jscan_val *key);
/* Scans the waiting value into *val: 0, -EBADMSG, or -EINVAL if none is waiting. */
int	jscan_skip(struct jscan_iter *it, struct jscan_val *val);
/*
 * Descends into the waiting value: 1 and `sub` iterates it when it is an object or an
 * array (the caller must then call jscan_leave before using `it` again); 0 when it is
 * not a container (still waiting: skip it); -EBADMSG / -EINVAL.
 */
int	jscan_enter(struct jscan_iter *it, struct jscan_iter *sub);
/* Finishes `sub` (validating what is left of it) and resumes `it` after it. */
int	jscan_leave(struct jscan_iter *it, struct jscan_iter *sub);

/*
 * Looks up key in obj: 1 and *out (the last member of that name), 0 when absent or obj
 * is not an object (out->type = JSCAN_NONE), or -EBADMSG.
 */
int	jscan_get(const struct jscan_val *obj, const char *key, struct jscan_val *out);
/*
 * Looks up n keys in one pass: out[i] is the last member named keys[i], or has type
 * JSCAN_NONE.  Returns how many were found, or -EBADMSG.
 */
int	jscan_get_many(const struct jscan_val *obj, const char *const *keys, size_t n,
	    struct jscan_val *out);

/* 1 if v is a string whose decoded text equals the NUL-terminated `s`, else 0. */
int	jscan_str_eq(const struct jscan_val *v, const char *s);
/*
 * Decodes string v into out (NUL-terminated).  Returns the decoded length, -EINVAL if v
 * is not a string, -ENOSPC if it does not fit in outlen bytes (out is then "").
 */
int	jscan_str_copy(const struct jscan_val *v, char *out, size_t outlen);
/* An integer number: 0 and *out, -EINVAL (not an integer), -ERANGE (outside int64). */
int	jscan_int(const struct jscan_val *v, int64_t *out);

#endif
