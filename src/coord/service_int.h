#ifndef STRATA_COORD_SERVICE_INT_H
#define STRATA_COORD_SERVICE_INT_H

/* Private to the coordination service (service*.c). */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <uv.h>

#include "strata/coord_service.h"
#include "strata/coord_store.h"
#include "strata/kube.h"
#include "strata/mcp.h"
#include "strata/util.h"

#define SVC_LOG		"coord"

struct svc_client {
	char			*context;	/* "" = the configured default */
	struct kube_client	*client;
	struct svc_client	*next;
};

struct coord_service {
	uv_loop_t			*loop;
	struct mcp_server		*srv;
	struct coord_service_options	 opt;		/* strings owned (strdup) */
	struct svc_client		*clients;
	struct coord_store		*store;
	char				 store_err[512];	/* why the last open failed */
	bool				 closing;
};

/*
 * The cluster client for `context` (NULL or "" = --context or current-context), made on
 * first use.  Returns NULL with a message naming the kubeconfig problem in err.
 */
struct kube_client *svc_client_get(struct coord_service *svc, const char *context,
	    char *err, size_t errlen);
/* The state store, opened on first use; NULL with a message in err. */
struct coord_store *svc_store(struct coord_service *svc, char *err, size_t errlen);

/* Tool handlers (service_detect.c, service_plan.c). */
void	svc_detect_layers(struct mcp_call *call, json_t *args, void *arg);
void	svc_plan_remediation(struct mcp_call *call, json_t *args, void *arg);
void	svc_execute_plan(struct mcp_call *call, json_t *args, void *arg);
void	svc_rollback_plan(struct mcp_call *call, json_t *args, void *arg);

/* Runs fn(arg) on the next loop iteration (out of the current callback's way).
 * Returns 0 or -ENOMEM. */
int	svc_defer(struct coord_service *svc, void (*fn)(void *arg), void *arg);

/* `s`, or `def` when s is NULL. */
static inline const char *
svc_str(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

/* Sends a progress notification with a formatted message (ignored without a token). */
void	svc_progress(struct mcp_call *call, double progress, double total,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
