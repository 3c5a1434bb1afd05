#ifndef STRATA_SIM_MHD_DL_H
#define STRATA_SIM_MHD_DL_H

/*
 * libmicrohttpd through a table filled by sim_mhd_load() when a simulator starts, so
 * that strata-mcp — which hosts the simulator only with --simulate — does not load
 * libmicrohttpd and GnuTLS (and their dependencies) on every start.  Call sites use
 * smhd.<name>(…) for MHD_<name>(…).
 */
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include <microhttpd.h>

struct sim_mhd_api {
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback,
	    void *, MHD_AccessHandlerCallback, void *, ...);
	void		 (*stop_daemon)(struct MHD_Daemon *);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *,
	    enum MHD_DaemonInfoType, ...);
	const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *,
	    enum MHD_ConnectionInfoType, ...);
	const char	*(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind,
	    const char *);
	enum MHD_Result	 (*queue_response)(struct MHD_Connection *, unsigned int,
	    struct MHD_Response *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
	    enum MHD_ResponseMemoryMode);
	struct MHD_Response *(*create_response_from_callback)(uint64_t, size_t,
	    MHD_ContentReaderCallback, void *, MHD_ContentReaderFreeCallback);
	struct MHD_Response *(*create_response_from_iovec)(const struct MHD_IoVec *,
	    unsigned int, MHD_ContentReaderFreeCallback, void *);
	enum MHD_Result	 (*add_response_header)(struct MHD_Response *, const char *,
	    const char *);
	void		 (*destroy_response)(struct MHD_Response *);
};

extern struct sim_mhd_api smhd;

/* Loads libmicrohttpd once; 0, or -ENOENT with a message. */
int	sim_mhd_load(char *err, size_t errlen);

#endif
