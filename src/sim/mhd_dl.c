/*
 * libmicrohttpd, loaded when a simulator starts (see mhd_dl.h).  sim_start() runs on one
 * thread before any serving thread exists; the table is filled once and never changes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "strata/util.h"
#include "mhd_dl.h"

struct sim_mhd_api smhd;

static int	smhd_loaded;		/* 1 loaded, -1 failed */
static char	smhd_error[256];

#define SMHD_SYM(field, name)	{ #name, (void **)&smhd.field }

int
sim_mhd_load(char *err, size_t errlen)
{
	static const char *const libs[] = { "libmicrohttpd.so.12", "libmicrohttpd.so" };
	const struct {
		const char	*name;
		void		**slot;
	} syms[] = {
		SMHD_SYM(start_daemon, MHD_start_daemon),
		SMHD_SYM(stop_daemon, MHD_stop_daemon),
		SMHD_SYM(get_daemon_info, MHD_get_daemon_info),
		SMHD_SYM(get_connection_info, MHD_get_connection_info),
		SMHD_SYM(lookup_connection_value, MHD_lookup_connection_value),
		SMHD_SYM(queue_response, MHD_queue_response),
		SMHD_SYM(create_response_from_buffer, MHD_create_response_from_buffer),
		SMHD_SYM(create_response_from_callback, MHD_create_response_from_callback),
		SMHD_SYM(create_response_from_iovec, MHD_create_response_from_iovec),
		SMHD_SYM(add_response_header, MHD_add_response_header),
		SMHD_SYM(destroy_response, MHD_destroy_response),
	};
	void *h = NULL;
	size_t i;

	if (smhd_loaded == 1)
		return 0;
	if (smhd_loaded == -1)
		goto fail;
	for (i = 0; h == NULL && i < STRATA_ARRAY_LEN(libs); i++)
		h = dlopen(libs[i], RTLD_NOW | RTLD_GLOBAL);
	if (h == NULL) {
		snprintf(smhd_error, sizeof(smhd_error), "cannot load libmicrohttpd (%s); "
		    "install the libmicrohttpd12 package", dlerror());
		smhd_loaded = -1;
		goto fail;
	}
	for (i = 0; i < STRATA_ARRAY_LEN(syms); i++) {
		if ((*syms[i].slot = dlsym(h, syms[i].name)) == NULL) {
			snprintf(smhd_error, sizeof(smhd_error), "libmicrohttpd lacks %s: 0.9.75 "
			    "or later is needed", syms[i].name);
			smhd_loaded = -1;
			goto fail;
		}
	}
	smhd_loaded = 1;
	return 0;
fail:
	snprintf(err, errlen, "%s", smhd_error);
	return -ENOENT;
}
