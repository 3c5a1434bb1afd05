/*
 * Fault injection: specs such as "method=GET,path=/api/v1/pods*,status=429,retry_after=2,
 * count=1" (grammar in docs/simulator.md), matched per request on method and path glob,
 * with a rate and/or a count.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sim_priv.h"
#include "strata/util.h"

#define FAULT_MAX	64
#define FAULT_SPEC_MAX	1024

struct fault {
	char		 method[16];	/* "" = any */
	char		 path[512];	/* glob; "" = any */
	double		 rate;		/* 0..1 */
	long		 count;		/* remaining; -1 = unlimited */
	int		 status;
	int		 retry_after_s;
	unsigned	 latency_ms;
	bool		 reset;
	bool		 conflict;
	char		 spec[FAULT_SPEC_MAX];
	struct fault	*next;
};

static int
parse_one(const char *spec, struct fault *f, char *err, size_t errlen)
{
	char buf[FAULT_SPEC_MAX], *save = NULL, *tok;
	int effects = 0;

	memset(f, 0, sizeof(*f));
	f->rate = 1.0;
	f->count = -1;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "fault spec longer than %d bytes", FAULT_SPEC_MAX - 1);
		return -EINVAL;
	}
	snprintf(f->spec, sizeof(f->spec), "%s", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *v = eq ? eq + 1 : NULL, *end = NULL;

		while (*tok == ' ')
			tok++;
		if (eq)
			*eq = '\0';
		if (strcmp(tok, "method") == 0 && v) {
			snprintf(f->method, sizeof(f->method), "%s", v);
		} else if (strcmp(tok, "path") == 0 && v) {
			snprintf(f->path, sizeof(f->path), "%s", v);
		} else if (strcmp(tok, "rate") == 0 && v) {
			f->rate = strtod(v, &end);
			if (*end || f->rate < 0 || f->rate > 1)
				goto bad;
		} else if (strcmp(tok, "count") == 0 && v) {
			f->count = strtol(v, &end, 10);
			if (*end || f->count < 1)
				goto bad;
		} else if (strcmp(tok, "status") == 0 && v) {
			f->status = (int)strtol(v, &end, 10);
			if (*end || f->status < 400 || f->status > 599)
				goto bad;
			effects++;
		} else if (strcmp(tok, "retry_after") == 0 && v) {
			f->retry_after_s = (int)strtol(v, &end, 10);
			if (*end || f->retry_after_s < 0 || f->retry_after_s > 3600)
				goto bad;
		} else if (strcmp(tok, "latency_ms") == 0 && v) {
			long l = strtol(v, &end, 10);

			if (*end || l < 0 || l > 600000)
				goto bad;
			f->latency_ms = (unsigned)l;
		} else if (strcmp(tok, "reset") == 0 && !v) {
			f->reset = true;
			effects++;
		} else if (strcmp(tok, "conflict") == 0 && !v) {
			f->conflict = true;
			effects++;
		} else {
			goto bad;
		}
		continue;
bad:
		snprintf(err, errlen, "fault spec \"%s\": bad item \"%s%s%s\"", spec, tok,
		    v ? "=" : "", v ? v : "");
		return -EINVAL;
	}
	if (effects > 1 || (effects == 0 && f->latency_ms == 0)) {
		snprintf(err, errlen, "fault spec \"%s\": needs exactly one of status=, reset, "
		    "conflict (optionally with latency_ms=), or latency_ms= alone", spec);
		return -EINVAL;
	}
	if (f->retry_after_s > 0 && f->status == 0) {
		snprintf(err, errlen, "fault spec \"%s\": retry_after needs status=", spec);
		return -EINVAL;
	}
	return 0;
}

int
sim_faults_add(struct sim *s, const char *specs, char *err, size_t errlen)
{
	struct fault *head = NULL, **tail = &head, *f, **pp;
	const char *p = specs;
	size_t n = 0;

	while (p && *p) {
		const char *semi = strchr(p, ';');
		size_t l = semi ? (size_t)(semi - p) : strlen(p);
		char one[FAULT_SPEC_MAX];

		while (l > 0 && (p[l - 1] == '\n' || p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (l >= sizeof(one)) {
			snprintf(err, errlen, "fault spec longer than %d bytes", FAULT_SPEC_MAX - 1);
			goto fail;
		}
		memcpy(one, p, l);
		one[l] = '\0';
		if (l > 0) {
			if ((f = malloc(sizeof(*f))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			if (parse_one(one, f, err, errlen) < 0) {
				free(f);
				goto fail;
			}
			f->next = NULL;
			*tail = f;
			tail = &f->next;
			n++;
		}
		p = semi ? semi + 1 : NULL;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty fault spec");
		return -EINVAL;
	}
	pthread_mutex_lock(&s->fault_mu);
	for (pp = &s->faults, n = 0; *pp; pp = &(*pp)->next)
		n++;
	for (f = head; f; f = f->next)
		n++;
	if (n > FAULT_MAX) {
		pthread_mutex_unlock(&s->fault_mu);
		snprintf(err, errlen, "more than %d faults", FAULT_MAX);
		goto fail;
	}
	*pp = head;
	pthread_mutex_unlock(&s->fault_mu);
	for (f = head; f; f = f->next)
		log_info("sim", "fault added: %s", f->spec);
	return 0;
fail:
	while (head) {
		f = head->next;
		free(head);
		head = f;
	}
	return -EINVAL;
}

void
sim_faults_clear(struct sim *s)
{
	struct fault *f;

	pthread_mutex_lock(&s->fault_mu);
	while ((f = s->faults) != NULL) {
		s->faults = f->next;
		free(f);
	}
	pthread_mutex_unlock(&s->fault_mu);
}

static double
rnd01(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint32_t)rand();
	return (double)v / 4294967296.0;
}

void
sim_faults_match(struct sim *s, const char *method, const char *path,
    struct fault_hit *latency, struct fault_hit *other)
{
	struct fault **pp, *f;

	memset(latency, 0, sizeof(*latency));
	memset(other, 0, sizeof(*other));
	pthread_mutex_lock(&s->fault_mu);
	for (pp = &s->faults; (f = *pp) != NULL;) {
		bool hit = (f->method[0] == '\0' || strcmp(f->method, "*") == 0 ||
		    strcasecmp(f->method, method) == 0) &&
		    (f->path[0] == '\0' || fnmatch(f->path, path, 0) == 0) &&
		    !(f->conflict && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) &&
		    !((f->status || f->reset || f->conflict) && other->effect != FAULT_NONE) &&
		    (f->rate >= 1.0 || rnd01() < f->rate);

		if (!hit) {
			pp = &f->next;
			continue;
		}
		if (f->latency_ms > latency->latency_ms) {
			latency->effect = FAULT_LATENCY;
			latency->latency_ms = f->latency_ms;
		}
		if (f->status) {
			other->effect = FAULT_STATUS;
			other->status = f->status;
			other->retry_after_s = f->retry_after_s;
		} else if (f->reset) {
			other->effect = FAULT_RESET;
		} else if (f->conflict) {
			other->effect = FAULT_CONFLICT;
		}
		if (f->count > 0 && --f->count == 0) {
			*pp = f->next;
			free(f);
			continue;
		}
		pp = &f->next;
	}
	pthread_mutex_unlock(&s->fault_mu);
}

json_t *
sim_faults_json(struct sim *s)
{
	json_t *arr = json_array();
	struct fault *f;

	pthread_mutex_lock(&s->fault_mu);
	for (f = s->faults; f; f = f->next)
		json_array_append_new(arr, json_pack("{s:s,s:I}", "spec", f->spec, "remaining",
		    (json_int_t)f->count));
	pthread_mutex_unlock(&s->fault_mu);
	return json_pack("{s:o}", "faults", arr);
}
