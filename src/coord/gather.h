#ifndef STRATA_COORD_GATHER_H
#define STRATA_COORD_GATHER_H

/*
 * Gathering cluster state for detect and plan: many paged lists in parallel on the
 * client's loop, each item handed to a callback as its page arrives, so no caller ever
 * holds a whole cluster in memory.  An API group the cluster does not serve (no Argo CD,
 * no OpenShift) is normal: the list is reported as missing, not as an error.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "strata/kube.h"

/* One kind to list. Strings are static (borrowed for the life of the gather). */
struct coord_gather_spec {
	const char	*kind;		/* "Pod" — handed to the item callback */
	const char	*group;		/* "" for core */
	const char	*version;
	const char	*resource;	/* plural */
	bool		 namespaced;	/* restricted to the gather's namespace, if any */
	bool		 required;	/* a failure (not a missing API) fails the gather */
	const char	*field_selector; /* optional */
};

struct coord_gather;

/* One item of a page. `item` is borrowed for the duration of the call. */
typedef void (*coord_gather_item_fn)(const char *kind, json_t *item, void *arg);

/*
 * The end, once.  status 0: everything required was read.  status < 0: a required list
 * failed (-EIO etc.) or the gather was cancelled (-ECANCELED); `message` says which and
 * why.  `report` (borrowed) is {"lists":N, "items":N, "pages":N, "missing":[kinds],
 * "forbidden":[kinds], "errors":[{kind, message}]}.  The gather frees itself after the
 * callback returns.
 */
typedef void (*coord_gather_done_fn)(int status, const char *message, json_t *report,
    void *arg);

/* Progress: one list finished (done of total). Optional. */
typedef void (*coord_gather_progress_fn)(size_t done, size_t total, const char *kind,
    void *arg);

/*
 * One item as JSON text (`json`, `len` bytes, borrowed for the call), before any tree is
 * built: return 0 when consumed, 1 to have it parsed and handed to `item`, or a negative
 * errno to fail that kind's list with it.
 */
typedef int (*coord_gather_raw_fn)(const char *kind, const char *json, size_t len,
    void *arg);

struct coord_gather_callbacks {
	coord_gather_item_fn	 item;
	coord_gather_done_fn	 done;
	coord_gather_progress_fn progress;	/* may be NULL */
	void			*arg;
	coord_gather_raw_fn	 raw;		/* may be NULL: pages are parsed whole */
};

/*
 * Starts listing every spec (namespace NULL = all namespaces; cluster-scoped kinds ignore
 * it).  `specs` must stay valid until done runs.  Returns the gather, or NULL with a
 * message in err (no callback then).  page_size 0 = 500.
 */
struct coord_gather *coord_gather_start(struct kube_client *client,
	    const struct coord_gather_spec *specs, size_t nspecs, const char *namespace,
	    unsigned page_size, const struct coord_gather_callbacks *cb,
	    char *err, size_t errlen);

/* Cancels every list still running; done runs with -ECANCELED (maybe at once). */
void	coord_gather_cancel(struct coord_gather *g);

/* The kinds detect_layers reads, in the order they are started. */
extern const struct coord_gather_spec coord_gather_detect_specs[];
extern const size_t coord_gather_detect_nspecs;

#endif
