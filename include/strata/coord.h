#ifndef STRATA_COORD_H
#define STRATA_COORD_H

/*
 * coord: the coordination core — detect (issue #5), plan, execute, rollback.
 *
 * Each part keeps its declarations in its own marked section below.
 */

#include <stddef.h>
#include <time.h>

#include <jansson.h>

/* =====================================================================================
 * detect — evidence-based layer detection (detect_layers)
 *
 * A feed-style analyzer independent of how objects are fetched: the gather step calls
 * coord_detect_feed() once per object as list pages arrive (in any order: pods before
 * nodes, ReplicaSets before Deployments are fine), then coord_detect_finish() once.
 * Memory stays bounded: healthy pods are only counted (per node and per owner); compact
 * summaries are kept for unhealthy objects, owners, nodes, operators and pools.
 * ===================================================================================== */

/* One resource of the request's `resources` array. Strings are borrowed. */
struct coord_resource_ref {
	const char	*kind;		/* e.g. "Deployment", "Pod", "Node", "Application" */
	const char	*namespace;	/* NULL for cluster-scoped kinds */
	const char	*name;
};

/*
 * The detect_layers request.  Every pointer is borrowed for the duration of
 * coord_detect_new() only (the analyzer copies what it keeps).
 */
struct coord_detect_request {
	const char	*description;	/* free text, may be NULL (not used for blame) */
	const char	*namespace;	/* focus namespace, may be NULL */
	const struct coord_resource_ref *resources;	/* may be NULL */
	size_t		 nresources;
	/*
	 * Reference time for the event window.  0 = time(NULL).  The window is anchored at
	 * min(now, newest event seen) so that a replayed dump (a scenario file) is read as
	 * of when it was captured.
	 */
	time_t		 now;
	unsigned	 event_window_s;	/* 0 = 3600 */
	size_t		 max_findings;		/* findings returned; 0 = 30 */
	size_t		 max_impacted;		/* impacted resources per layer; 0 = 25 */
	size_t		 max_pods;		/* unhealthy pod summaries kept; 0 = 50000 */
};

struct coord_detect;

/* Returns a new analyzer or NULL (ENOMEM).  Free with coord_detect_free(). */
struct coord_detect *coord_detect_new(const struct coord_detect_request *req);

/*
 * Feeds one object.  `kind` may be NULL (then the object's own "kind" is used).  `obj` is
 * borrowed; nothing of it is retained.  Unknown kinds are counted and ignored.
 * Returns 0, -EINVAL (not an object / no kind), -ENOMEM, or -EALREADY after finish.
 */
int	coord_detect_feed(struct coord_detect *d, const char *kind, json_t *obj);

/*
 * Feeds one object given as JSON text (`len` bytes, borrowed; need not be
 * NUL-terminated).  `kind` as for coord_detect_feed() (NULL: parsed, its own "kind").
 * Healthy Pods and Events that are not Warnings are counted straight from the text,
 * exactly as coord_detect_feed() would count them, without building a tree; every
 * other object — and anything the scanner is unsure about — is parsed and fed through
 * coord_detect_feed().  Returns 1 when counted from the text, 0 when parsed and fed, or
 * a negative errno: those of coord_detect_feed(), or -EBADMSG when it is not JSON.
 */
int	coord_detect_feed_raw(struct coord_detect *d, const char *kind, const char *json,
	    size_t len);

/*
 * Feeds every item of a Kubernetes List (what `kubectl get -A -o json` prints, or a typed
 * list such as PodList whose items carry no kind).  `list` is borrowed.  Returns the
 * number of items fed (>= 0) or a negative errno with a message in err.
 */
int	coord_detect_feed_list(struct coord_detect *d, json_t *list, char *err,
	    size_t errlen);

/*
 * Runs the analysis and returns the detect_layers structured result (new reference):
 * the contract fields (affected_layers, root_cause_layer, confidence, findings,
 * causal_links, impacted_resources, summary) plus:
 *   root_causes       [{finding, layer, kind, namespace, name, symptom, explains}]
 *   unrelated         [finding ids] of findings that explain none of the incident's symptoms
 *   remediation_hints [{finding, layer, family, targets:[{kind,namespace,name,role}],
 *                       deployment_method, params:{...}, follow_up:[...]}] for the planner
 *   omitted           {symptom: count} findings not listed because of max_findings
 *   stats             counts of what was scanned
 * Each finding also carries `role` ∈ root_cause|cause|symptom|unrelated and `related`.
 * `issue_id` is left for the caller (the MCP layer) to add.  Returns NULL with a message
 * in err on failure (ENOMEM).  May be called once.
 */
json_t	*coord_detect_finish(struct coord_detect *d, char *err, size_t errlen);

void	coord_detect_free(struct coord_detect *d);

/*
 * Convenience for the MCP tool: fills `req` from detect_layers arguments
 * ({description?, namespace?, resources?: [{kind, namespace?, name}]}).  `args` is
 * borrowed and must outlive `req` (strings point into it); *refs_out is allocated
 * (free() it).  Returns 0 or -EINVAL with a message.
 */
int	coord_detect_request_from_json(json_t *args, struct coord_detect_request *req,
	    struct coord_resource_ref **refs_out, char *err, size_t errlen);

/* ===================================================================================== */

#endif
