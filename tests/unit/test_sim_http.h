#ifndef STRATA_TEST_SIM_HTTP_H
#define STRATA_TEST_SIM_HTTP_H

/*
 * Helpers for the strata-sim Check suites: start an in-process simulator on the fixture
 * scenario and talk to it with libcurl easy, as any client would.
 */
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/sim.h"
#include "strata/util.h"

#define SIMT_FIXTURE	"tests/sim-fixtures/basic.json"
#define SIMT_TOKEN	"test-token-123"

struct simt_resp {
	long	 code;
	CURLcode cc;
	char	*body;
	size_t	 len;
	char	 retry_after[32];
	char	 ctype[128];
	double	 secs;
	json_t	*json;		/* parsed body or NULL */
};

static inline size_t
simt_write(char *p, size_t sz, size_t n, void *arg)
{
	struct simt_resp *r = arg;
	char *nb = realloc(r->body, r->len + sz * n + 1);

	if (nb == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

static inline size_t
simt_header(char *p, size_t sz, size_t n, void *arg)
{
	struct simt_resp *r = arg;
	size_t l = sz * n;

	if (l > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
		snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)(l - 13 - 2), p + 13);
	if (l > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
		snprintf(r->ctype, sizeof(r->ctype), "%.*s", (int)(l - 14 - 2), p + 14);
	return l;
}

static inline void
simt_free(struct simt_resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/*
 * One request.  `path` is appended to the simulator URL; token NULL sends none; ctype
 * NULL means application/json when there is a body.  The previous contents of *r are freed.
 */
static inline long
simt_req(struct sim *s, const char *method, const char *path, const char *token,
    const char *ctype, const char *body, const char *accept, struct simt_resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[1024], hdr[512];

	simt_free(r);
	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "%s%s", sim_url(s), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, simt_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, simt_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (token) {
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, hdr);
	}
	if (body) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype ? ctype : "application/json");
		h = curl_slist_append(h, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (accept) {
		snprintf(hdr, sizeof(hdr), "Accept: %s", accept);
		h = curl_slist_append(h, hdr);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	r->cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->secs);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (r->body)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	return r->code;
}

#define SIMT_GET(s, path, r)	simt_req((s), "GET", (path), SIMT_TOKEN, NULL, NULL, NULL, (r))

static inline struct sim *
simt_start(const char *faults, unsigned continue_ttl_s)
{
	struct sim_options o;
	char err[256];
	struct sim *s;

	strata_log_set_level(STRATA_LOG_ERROR);
	memset(&o, 0, sizeof(o));
	o.scenario_path = SIMT_FIXTURE;
	o.token = SIMT_TOKEN;
	o.time_scale = 1;
	o.faults = faults;
	o.continue_ttl_s = continue_ttl_s;
	o.api_only = 1;
	s = sim_start(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "sim_start: %s", err);
	return s;
}

static inline const char *
simt_str(json_t *j, const char *path)
{
	char key[128];
	const char *p = path;

	while (j && *p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		snprintf(key, sizeof(key), "%.*s", (int)l, p);
		if (json_is_array(j))
			j = json_array_get(j, (size_t)atoi(key));
		else
			j = json_object_get(j, key);
		p = dot ? dot + 1 : p + l;
	}
	return json_string_value(j);
}

static inline json_t *
simt_get(json_t *j, const char *path)
{
	char key[128];
	const char *p = path;

	while (j && *p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		snprintf(key, sizeof(key), "%.*s", (int)l, p);
		if (json_is_array(j))
			j = json_array_get(j, (size_t)atoi(key));
		else
			j = json_object_get(j, key);
		p = dot ? dot + 1 : p + l;
	}
	return j;
}

#endif
