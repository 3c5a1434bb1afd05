/*
 * In-process target locks: one holder (an execution id) per kind/namespace/name, taken
 * all-or-none.  A hash table keyed by the target string keeps acquire O(targets) even
 * with a thousand-step plan holding its targets while a hundred small plans come and go.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/coord_store.h"

#define LOCK_KEY_MAX	768
#define LOCK_DEFAULT_MAX 65536

struct lock_ent {
	struct lock_ent	*next;
	char		*holder;	/* owned */
	char		 key[];		/* "kind/namespace/name" */
};

struct coord_locks {
	struct lock_ent	**bucket;
	size_t		  nbucket;	/* power of two */
	size_t		  count;
	size_t		  max;
};

static void __attribute__((format(printf, 3, 4)))
lock_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static uint64_t
lock_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

int
coord_lock_key(const struct coord_target *t, char *out, size_t outlen)
{
	int n;

	if (t == NULL || t->kind == NULL || t->kind[0] == '\0' || t->name == NULL ||
	    t->name[0] == '\0')
		return -EINVAL;
	n = snprintf(out, outlen, "%s/%s/%s", t->kind, t->namespace ? t->namespace : "",
	    t->name);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

struct coord_locks *
coord_locks_new(size_t max_targets)
{
	struct coord_locks *lk = calloc(1, sizeof(*lk));

	if (lk == NULL)
		return NULL;
	lk->nbucket = 256;
	lk->bucket = calloc(lk->nbucket, sizeof(*lk->bucket));
	if (lk->bucket == NULL) {
		free(lk);
		return NULL;
	}
	lk->max = max_targets ? max_targets : LOCK_DEFAULT_MAX;
	return lk;
}

void
coord_locks_free(struct coord_locks *lk)
{
	size_t i;

	if (lk == NULL)
		return;
	for (i = 0; i < lk->nbucket; i++) {
		struct lock_ent *e = lk->bucket[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e->holder);
			free(e);
		}
	}
	free(lk->bucket);
	free(lk);
}

static struct lock_ent *
lock_find(const struct coord_locks *lk, const char *key)
{
	struct lock_ent *e = lk->bucket[lock_hash(key) & (lk->nbucket - 1)];

	for (; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
lock_grow(struct coord_locks *lk)
{
	size_t n = lk->nbucket * 2, i;
	struct lock_ent **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < lk->nbucket; i++) {
		struct lock_ent *e = lk->bucket[i], *next;

		for (; e != NULL; e = next) {
			size_t h = lock_hash(e->key) & (n - 1);

			next = e->next;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(lk->bucket);
	lk->bucket = b;
	lk->nbucket = n;
}

int
coord_locks_acquire(struct coord_locks *lk, const char *holder,
    const struct coord_target *targets, size_t n, char *err, size_t errlen)
{
	struct lock_ent **fresh = NULL;
	char key[LOCK_KEY_MAX];
	size_t i, j, nfresh = 0;
	int rc;

	if (holder == NULL || holder[0] == '\0' || (n > 0 && targets == NULL)) {
		lock_err(err, errlen, "lock holder and targets are required");
		return -EINVAL;
	}
	/* Pass 1: refuse before taking anything. */
	for (i = 0; i < n; i++) {
		struct lock_ent *e;

		if ((rc = coord_lock_key(&targets[i], key, sizeof(key))) != 0) {
			lock_err(err, errlen, "invalid lock target #%zu: kind and name are "
			    "required and must be short", i);
			return rc;
		}
		e = lock_find(lk, key);
		if (e != NULL && strcmp(e->holder, holder) != 0) {
			lock_err(err, errlen, "target %s is locked by execution %s", key,
			    e->holder);
			return -EBUSY;
		}
	}
	/* Pass 2: build the new entries aside, then link them all. */
	fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (fresh == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct lock_ent *e;
		size_t klen;

		coord_lock_key(&targets[i], key, sizeof(key));
		if (lock_find(lk, key) != NULL)
			continue;		/* already ours */
		for (j = 0; j < nfresh; j++)
			if (strcmp(fresh[j]->key, key) == 0)
				break;
		if (j < nfresh)
			continue;		/* listed twice */
		klen = strlen(key);
		e = malloc(sizeof(*e) + klen + 1);
		if (e == NULL)
			goto nomem;
		memcpy(e->key, key, klen + 1);
		e->holder = strdup(holder);
		e->next = NULL;
		fresh[nfresh++] = e;
		if (e->holder == NULL)
			goto nomem;
	}
	if (lk->count + nfresh > lk->max) {
		for (j = 0; j < nfresh; j++) {
			free(fresh[j]->holder);
			free(fresh[j]);
		}
		free(fresh);
		lock_err(err, errlen, "too many locked targets (limit %zu)", lk->max);
		return -ENOSPC;
	}
	for (j = 0; j < nfresh; j++) {
		size_t h = lock_hash(fresh[j]->key) & (lk->nbucket - 1);

		fresh[j]->next = lk->bucket[h];
		lk->bucket[h] = fresh[j];
	}
	lk->count += nfresh;
	free(fresh);
	while (lk->count > lk->nbucket && lk->nbucket < (1u << 20)) {
		size_t before = lk->nbucket;

		lock_grow(lk);
		if (lk->nbucket == before)
			break;
	}
	return 0;
nomem:
	for (j = 0; j < nfresh; j++) {
		free(fresh[j]->holder);
		free(fresh[j]);
	}
	free(fresh);
	lock_err(err, errlen, "out of memory taking target locks");
	return -ENOMEM;
}

size_t
coord_locks_release(struct coord_locks *lk, const char *holder)
{
	size_t i, released = 0;

	if (lk == NULL || holder == NULL)
		return 0;
	for (i = 0; i < lk->nbucket; i++) {
		struct lock_ent **pp = &lk->bucket[i];

		while (*pp != NULL) {
			struct lock_ent *e = *pp;

			if (strcmp(e->holder, holder) == 0) {
				*pp = e->next;
				free(e->holder);
				free(e);
				released++;
			} else {
				pp = &e->next;
			}
		}
	}
	lk->count -= released;
	return released;
}

const char *
coord_locks_holder(const struct coord_locks *lk, const struct coord_target *t)
{
	char key[LOCK_KEY_MAX];
	struct lock_ent *e;

	if (lk == NULL || coord_lock_key(t, key, sizeof(key)) != 0)
		return NULL;
	e = lock_find(lk, key);
	return e ? e->holder : NULL;
}

size_t
coord_locks_count(const struct coord_locks *lk)
{
	return lk ? lk->count : 0;
}
