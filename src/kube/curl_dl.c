/*
 * libcurl, loaded when the first cluster client is made rather than when the process
 * starts.  libcurl (OpenSSL build) pulls in some thirty shared libraries — Kerberos, LDAP,
 * SSH, RTMP, … — and loading them costs about 6 ms and several MB before main() runs.
 * An MCP client starts a server to ask it what it can do (and the 2026 client may start
 * a short-lived probe copy); such a process never talks to a cluster and should not pay
 * for it.  Everything in src/kube calls libcurl through the table below.
 *
 * Runs on the loop thread (kube_client_new); the table is filled once and never changes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kube_int.h"

struct kube_curl_api kcurl;

static int	kcurl_loaded;		/* 1 loaded, -1 failed (message kept) */
static char	kcurl_error[256];

#define KCURL_SYM(field, name)	{ #name, (void **)&kcurl.field }

int
kube_curl_load(char *err, size_t errlen)
{
	static const char *const libs[] = { "libcurl.so.4", "libcurl.so" };
	const struct {
		const char	*name;
		void		**slot;
	} syms[] = {
		KCURL_SYM(easy_init, curl_easy_init),
		KCURL_SYM(easy_setopt, curl_easy_setopt),
		KCURL_SYM(easy_getinfo, curl_easy_getinfo),
		KCURL_SYM(easy_cleanup, curl_easy_cleanup),
		KCURL_SYM(easy_strerror, curl_easy_strerror),
		KCURL_SYM(easy_escape, curl_easy_escape),
		KCURL_SYM(free, curl_free),
		KCURL_SYM(slist_append, curl_slist_append),
		KCURL_SYM(slist_free_all, curl_slist_free_all),
		KCURL_SYM(multi_init, curl_multi_init),
		KCURL_SYM(multi_setopt, curl_multi_setopt),
		KCURL_SYM(multi_add_handle, curl_multi_add_handle),
		KCURL_SYM(multi_remove_handle, curl_multi_remove_handle),
		KCURL_SYM(multi_assign, curl_multi_assign),
		KCURL_SYM(multi_socket_action, curl_multi_socket_action),
		KCURL_SYM(multi_info_read, curl_multi_info_read),
		KCURL_SYM(multi_strerror, curl_multi_strerror),
		KCURL_SYM(multi_cleanup, curl_multi_cleanup),
	};
	void *h = NULL;
	size_t i;

	if (kcurl_loaded == 1)
		return 0;
	if (kcurl_loaded == -1)
		goto fail;
	for (i = 0; h == NULL && i < STRATA_ARRAY_LEN(libs); i++)
		h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(kcurl_error, sizeof(kcurl_error), "cannot load libcurl (%s); install "
		    "the libcurl4 package", dlerror());
		kcurl_loaded = -1;
		goto fail;
	}
	for (i = 0; i < STRATA_ARRAY_LEN(syms); i++) {
		if ((*syms[i].slot = dlsym(h, syms[i].name)) == NULL) {
			snprintf(kcurl_error, sizeof(kcurl_error), "libcurl lacks %s: too old a "
			    "libcurl (7.77 or later is needed)", syms[i].name);
			kcurl_loaded = -1;
			goto fail;
		}
	}
	/* The handle stays open for the life of the process: curl keeps global state. */
	kcurl_loaded = 1;
	return 0;
fail:
	snprintf(err, errlen, "%s", kcurl_error);
	return -ENOENT;
}
