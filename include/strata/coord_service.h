#ifndef STRATA_COORD_SERVICE_H
#define STRATA_COORD_SERVICE_H

/*
 * The coordination service: connects the MCP tools (detect_layers, plan_remediation, …)
 * and resources (strata://plans/…, strata://executions/…) to the cluster client, the
 * detection and planning engines and the state store.
 *
 * Cluster clients are made on first use, one per kubeconfig context, so that starting
 * the server costs nothing and a machine without a kubeconfig still answers every
 * protocol request (a tool call then says what is missing).  The state store is opened
 * on first use as well: an MCP client may start a short-lived probe copy of the server,
 * and that copy must not take the state directory's lock.
 */

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "strata/kube.h"
#include "strata/mcp.h"

struct coord_service_options {
	const char	*kubeconfig;	/* --kubeconfig, or NULL */
	const char	*context;	/* --context, or NULL (current-context) */
	const char	*state_dir;	/* --state-dir, or NULL (the default) */
	bool		 read_only;	/* --read-only: no tool may change the cluster */
	bool		 no_fsync;	/* tests and benchmarks only */
	double		 time_scale;	/* --time-scale: divides waits and timeouts (>= 1) */
	unsigned	 page_size;	/* list page size (0: 500) */
	bool		 no_leases;	/* in-process target locks only (one server) */
	const char	*lease_namespace; /* where the per-target Leases live (NULL:
					   kube-system) */
};

struct coord_service;

/*
 * Creates the service and registers its tool handlers and resource providers on `srv`
 * (borrowed; must outlive the service).  `opt` is copied (strings duplicated).
 * Returns 0 or -ENOMEM with a message.
 */
int	coord_service_new(uv_loop_t *loop, struct mcp_server *srv,
	    const struct coord_service_options *opt, struct coord_service **out,
	    char *err, size_t errlen);

/*
 * Cancels what runs and closes the cluster clients.  `done` runs (on the loop) once
 * every handle is closed; then free the service with coord_service_free().
 */
void	coord_service_close(struct coord_service *svc, void (*done)(void *arg), void *arg);
void	coord_service_free(struct coord_service *svc);

#endif
