/*
 * Argo CD's application controller, through the Kubernetes API only (no repo server):
 *  - an `operation.sync` on an Application runs: status.operationState goes Running, then
 *    after the sync delay (hint sim.strata.dev/sync-duration, default 5s) the app's
 *    Deployments get the container images the hint sim.strata.dev/revisions gives for
 *    the synced revision — {"<rev>": {"<ns>/<deployment>": {"<container>": "<image>"}}} —
 *    (HEAD → sim.strata.dev/head-revision, else spec.source.targetRevision), status.sync
 *    becomes Synced at that revision, a status.history entry is added (ids increasing,
 *    kept to spec.revisionHistoryLimit, default 10), operationState Succeeded and the
 *    `operation` field is removed.  A revision the hint does not know fails the operation
 *    as Argo does for an unresolvable revision.
 *  - rollback is the same thing with operation.sync.revision = a history entry's revision;
 *  - status.health follows those Deployments (Healthy / Progressing / Degraded on
 *    ProgressDeadlineExceeded) and status.sync.status turns OutOfSync when their images
 *    drift from the synced revision's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

#define SYNC_MS		5000u

struct ctl_argo {
	struct ctl_queue q;		/* apps: health and sync status */
	struct ctl_map	 by_deploy;	/* "ns/deploy" → "appns/app" (strdup) */
	struct ctl_map	 running;	/* "appns/app" → marker: operation in progress */
};

static json_t *
revisions_of(const json_t *app)
{
	const char *h = ctl_hint(app, "revisions");

	return h ? json_loads(h, 0, NULL) : NULL;
}

static void
index_app(struct ctl_ctx *c, const json_t *app)
{
	json_t *revs = revisions_of(app), *m, *v;
	const char *rev, *dk;
	char key[512];

	if (revs == NULL)
		return;
	ctl_key(key, sizeof(key), ctl_jstr(app, "metadata.namespace"),
	    ctl_jstr(app, "metadata.name"));
	json_object_foreach(revs, rev, m) {
		json_object_foreach(m, dk, v) {
			void *old = NULL;
			char *val = strdup(key);

			if (val == NULL || ctl_map_put(&c->argo->by_deploy, dk, val, &old) < 0)
				free(val);
			free(old);
		}
	}
	json_decref(revs);
}

static const char *
resolve(const json_t *app, const char *rev)
{
	if (rev == NULL || rev[0] == '\0' || strcmp(rev, "HEAD") == 0) {
		const char *h = ctl_hint(app, "head-revision");

		if (h)
			return h;
		rev = ctl_jstr(app, "spec.source.targetRevision");
	}
	return rev ? rev : "HEAD";
}

/* Sets the images of revision map `m` on the Deployments; fills syncResult.resources. */
static void
apply_revision(struct ctl_ctx *c, const json_t *m, json_t *resources)
{
	const char *dk;
	json_t *images;

	json_object_foreach((json_t *)m, dk, images) {
		char buf[512];
		const char *ns, *name, *cn;
		json_t *dep, *orig, *ct, *img;
		size_t i;

		snprintf(buf, sizeof(buf), "%s", dk);
		ctl_key_split(buf, &ns, &name);
		dep = sim_store_get(c->s, sim_rt(SIM_RT_DEPLOYMENT), ns, name);
		if (dep == NULL)
			continue;
		orig = json_deep_copy(dep);
		json_array_foreach(ctl_jget(dep, "spec.template.spec.containers"), i, ct) {
			cn = ctl_jstr(ct, "name");
			img = cn ? json_object_get(images, cn) : NULL;
			if (json_is_string(img))
				json_object_set(ct, "image", img);
		}
		ctl_update_if_changed(c, sim_rt(SIM_RT_DEPLOYMENT), orig, dep);
		json_array_append_new(resources, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
		    "group", "apps", "version", "v1", "kind", "Deployment", "namespace", ns,
		    "name", name, "status", "Synced", "message",
		    json_equal(orig, dep) ? "deployment.apps/unchanged" :
		    "deployment.apps/configured", "hookPhase", "Running", "syncPhase", "Sync"));
		json_decref(orig);
		json_decref(dep);
	}
}

static void
sync_finish(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	json_t *app = sim_store_get(c->s, sim_rt(SIM_RT_APPLICATION), ns, name);
	json_t *revs = NULL, *m, *os, *res, *hist, *entry;
	const char *rev;
	char key[512], ts[32], msg[300];
	json_int_t maxid = 0;
	size_t i, limit;

	(void)arg;
	ctl_key(key, sizeof(key), ns, name);
	ctl_map_del(&c->argo->running, key);
	if (app == NULL || json_object_get(app, "operation") == NULL)
		goto out;
	sim_time_rfc3339(c->s, ts);
	rev = resolve(app, ctl_jstr(app, "operation.sync.revision"));
	revs = revisions_of(app);
	m = json_object_get(revs, rev);
	os = ctl_jobj(app, "status.operationState");
	json_object_set_new(os, "finishedAt", json_string(ts));
	if (revs != NULL && m == NULL) {
		snprintf(msg, sizeof(msg), "ComparisonError: rpc error: code = Unknown desc = "
		    "unable to resolve '%s' to a commit SHA", rev);
		json_object_set_new(os, "phase", json_string("Failed"));
		json_object_set_new(os, "message", json_string(msg));
		json_object_del(app, "operation");
		ctl_update(c, sim_rt(SIM_RT_APPLICATION), app);
		goto out;
	}
	res = json_array();
	if (m)
		apply_revision(c, m, res);
	json_object_set_new(os, "phase", json_string("Succeeded"));
	json_object_set_new(os, "message", json_string("successfully synced (all tasks run)"));
	json_object_set_new(os, "syncResult", json_pack("{s:s,s:o,s:O*}", "revision", rev,
	    "resources", res, "source", ctl_jget(app, "spec.source")));
	json_object_set_new(ctl_jobj(app, "status.sync"), "status", json_string("Synced"));
	json_object_set_new(ctl_jobj(app, "status.sync"), "revision", json_string(rev));
	hist = json_object_get(ctl_jobj(app, "status"), "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(ctl_jobj(app, "status"), "history", hist);
	}
	json_array_foreach(hist, i, entry)
		if (ctl_jint(entry, "id", 0) > maxid)
			maxid = ctl_jint(entry, "id", 0);
	entry = json_pack("{s:I,s:s,s:s,s:O*,s:O*,s:O*}", "id", maxid + 1, "revision", rev,
	    "deployedAt", ts, "deployStartedAt", ctl_jget(os, "startedAt"),
	    "source", ctl_jget(app, "spec.source"),
	    "initiatedBy", ctl_jget(app, "operation.initiatedBy"));
	json_array_append_new(hist, entry);
	limit = (size_t)ctl_jint(app, "spec.revisionHistoryLimit", 10);
	while (limit > 0 && json_array_size(hist) > limit)
		json_array_remove(hist, 0);
	json_object_set_new(ctl_jobj(app, "status"), "reconciledAt", json_string(ts));
	json_object_del(app, "operation");
	ctl_update(c, sim_rt(SIM_RT_APPLICATION), app);
	ctl_queue_add(&c->argo->q, ns, name);
out:
	json_decref(revs);
	json_decref(app);
}

static void
sync_start(struct ctl_ctx *c, const json_t *obj)
{
	const char *ns = ctl_jstr(obj, "metadata.namespace"), *name = ctl_jstr(obj, "metadata.name");
	const char *phase = ctl_jstr(obj, "status.operationState.phase");
	json_t *app, *os;
	char key[512], ts[32];

	if (!ctl_key(key, sizeof(key), ns, name) || ctl_map_get(&c->argo->running, key))
		return;
	if (phase && strcmp(phase, "Running") == 0)
		return;		/* ours, already started (the timer is pending) */
	if ((app = sim_store_get(c->s, sim_rt(SIM_RT_APPLICATION), ns, name)) == NULL)
		return;
	sim_time_rfc3339(c->s, ts);
	os = json_pack("{s:O,s:s,s:s,s:s}", "operation", json_object_get(app, "operation"),
	    "phase", "Running", "message", "one or more tasks are running", "startedAt", ts);
	json_object_set_new(ctl_jobj(app, "status"), "operationState", os);
	if (ctl_update(c, sim_rt(SIM_RT_APPLICATION), app) == 0 &&
	    ctl_later(c, ctl_hint_delay(app, "sync-duration", SYNC_MS), sync_finish,
	    sim_rt(SIM_RT_APPLICATION), ns, name, ctl_jstr(app, "metadata.uid"), NULL) == 0)
		ctl_map_put(&c->argo->running, key, c->argo, NULL);
	json_decref(app);
}

/* Health and drift of the app's Deployments for its synced revision. */
static void
app_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *app = sim_store_get(c->s, sim_rt(SIM_RT_APPLICATION), ns, name), *orig;
	json_t *revs = NULL, *m, *images;
	const char *rev, *dk, *health = "Healthy";
	char hmsg[400] = "", key[512];
	bool drift = false;

	if (app == NULL)
		return;
	ctl_key(key, sizeof(key), ns, name);
	rev = ctl_jstr(app, "status.sync.revision");
	revs = revisions_of(app);
	if (rev == NULL || (m = json_object_get(revs, rev)) == NULL ||
	    json_object_get(app, "operation") != NULL)
		goto out;
	orig = json_deep_copy(app);
	json_object_foreach(m, dk, images) {
		char buf[512];
		const char *dns, *dname, *reason = NULL;
		json_t *dep, *ct;
		size_t i;

		snprintf(buf, sizeof(buf), "%s", dk);
		ctl_key_split(buf, &dns, &dname);
		dep = sim_store_get(c->s, sim_rt(SIM_RT_DEPLOYMENT), dns, dname);
		if (dep == NULL) {
			health = "Missing";
			drift = true;
			continue;
		}
		json_array_foreach(ctl_jget(dep, "spec.template.spec.containers"), i, ct) {
			json_t *want = json_object_get(images, ctl_jstr(ct, "name") ?
			    ctl_jstr(ct, "name") : "");

			if (json_is_string(want) && ctl_jstr(ct, "image") &&
			    strcmp(json_string_value(want), ctl_jstr(ct, "image")) != 0)
				drift = true;
		}
		ctl_cond_status(dep, "status.conditions", "Progressing");
		reason = ctl_jstr(ctl_cond_get(dep, "status.conditions", "Progressing"), "reason");
		if (reason && strcmp(reason, "ProgressDeadlineExceeded") == 0) {
			health = "Degraded";
			snprintf(hmsg, sizeof(hmsg), "Deployment \"%s\" exceeded its progress "
			    "deadline", dname);
		} else if (strcmp(health, "Degraded") != 0 &&
		    (ctl_jint(dep, "status.updatedReplicas", 0) < ctl_jint(dep, "spec.replicas", 1) ||
		    ctl_jint(dep, "status.availableReplicas", 0) < ctl_jint(dep, "spec.replicas", 1) ||
		    ctl_jint(dep, "status.observedGeneration", 0) <
		    ctl_jint(dep, "metadata.generation", 1))) {
			health = "Progressing";
			snprintf(hmsg, sizeof(hmsg), "Waiting for rollout to finish: %lld of %lld "
			    "updated replicas are available...",
			    (long long)ctl_jint(dep, "status.availableReplicas", 0),
			    (long long)ctl_jint(dep, "spec.replicas", 1));
		}
		json_decref(dep);
	}
	if (strcmp(health, ctl_jstr(app, "status.health.status") ?
	    ctl_jstr(app, "status.health.status") : "") != 0) {
		char ts[32];

		sim_time_rfc3339(c->s, ts);
		json_object_set_new(ctl_jobj(app, "status.health"), "lastTransitionTime",
		    json_string(ts));
	}
	json_object_set_new(ctl_jobj(app, "status.health"), "status", json_string(health));
	if (hmsg[0])
		json_object_set_new(ctl_jobj(app, "status.health"), "message", json_string(hmsg));
	else
		json_object_del(ctl_jobj(app, "status.health"), "message");
	json_object_set_new(ctl_jobj(app, "status.sync"), "status",
	    json_string(drift ? "OutOfSync" : "Synced"));
	ctl_update_if_changed(c, sim_rt(SIM_RT_APPLICATION), orig, app);
	json_decref(orig);
out:
	json_decref(revs);
	json_decref(app);
}

static int
startup_app(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;
	json_t *app;

	if (strstr(o->json, SIM_HINT_PREFIX "revisions") == NULL || (app = sim_obj_json(o)) == NULL)
		return 0;
	index_app(c, app);
	json_decref(app);
	return 0;
}

int
ctl_argo_init(struct ctl_ctx *c)
{
	if ((c->argo = calloc(1, sizeof(*c->argo))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->argo->q, c, app_reconcile);
	ctl_map_init(&c->argo->by_deploy);
	ctl_map_init(&c->argo->running);
	sim_store_foreach(c->s, sim_rt(SIM_RT_APPLICATION), NULL, NULL, startup_app, c);
	return 0;
}

void
ctl_argo_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	char key[512];
	const char *app;

	if (ch->rt->id == SIM_RT_APPLICATION) {
		if (ch->type == SIM_CHANGE_DELETED)
			return;
		index_app(c, obj);
		if (json_is_object(json_object_get(obj, "operation")) &&
		    json_object_get(json_object_get(obj, "operation"), "sync"))
			sync_start(c, obj);
		else
			ctl_queue_add(&c->argo->q, ch->ns, ch->name);
		return;
	}
	if (ch->rt->id != SIM_RT_DEPLOYMENT || !ctl_key(key, sizeof(key), ch->ns, ch->name))
		return;
	if ((app = ctl_map_get(&c->argo->by_deploy, key)) != NULL) {
		char buf[512];
		const char *ans, *aname;

		snprintf(buf, sizeof(buf), "%s", app);
		ctl_key_split(buf, &ans, &aname);
		ctl_queue_add(&c->argo->q, ans, aname);
	}
}

void
ctl_argo_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_argo_fini(struct ctl_ctx *c)
{
	if (c->argo == NULL)
		return;
	ctl_queue_fini(&c->argo->q);
	ctl_map_fini(&c->argo->by_deploy, free);
	ctl_map_fini(&c->argo->running, NULL);
	free(c->argo);
	c->argo = NULL;
}
