/*
 * The Deployment controller: Deployment → ReplicaSet `<name>-<pod-template-hash>` with
 * revisions (deployment.kubernetes.io/revision on both, revision-history when an old RS is
 * re-adopted by `rollout undo`), rolling updates honouring maxSurge/maxUnavailable (the
 * upstream reconcileNewReplicaSet/reconcileOldReplicaSets arithmetic), Recreate, paused,
 * revisionHistoryLimit, and the status kubectl's `rollout status` reads: replicas,
 * updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas,
 * observedGeneration, conditions Available and Progressing (NewReplicaSetCreated,
 * FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata/util.h"
#include "ctl_util.h"

#define REV_ANN		"deployment.kubernetes.io/revision"
#define REVHIST_ANN	"deployment.kubernetes.io/revision-history"
#define DESIRED_ANN	"deployment.kubernetes.io/desired-replicas"
#define MAXREP_ANN	"deployment.kubernetes.io/max-replicas"
#define MAX_RS		64

struct ctl_deploy {
	struct ctl_queue q;
	struct ctl_map	 rolling;	/* "ns/name" → marker: not complete (deadline checks) */
};

struct rs_ent {
	json_t	*rs;		/* own reference, modified in place */
	json_t	*orig;		/* as read */
	long	 rev;
};

struct rs_walk {
	const char	*uid;
	struct rs_ent	 v[MAX_RS];
	size_t		 n;
};

static long
rev_of(const json_t *o)
{
	const char *r = ctl_annotation(o, REV_ANN);

	return r ? atol(r) : 0;
}

static int
walk_rs(const struct sim_obj *o, void *arg)
{
	struct rs_walk *w = arg;
	json_t *rs;

	if (strstr(o->json, w->uid) == NULL || w->n == MAX_RS)
		return 0;
	if ((rs = sim_obj_json(o)) == NULL)
		return 0;
	if (!ctl_controlled_by(rs, w->uid) ||
	    json_object_get(ctl_jget(rs, "metadata"), "deletionTimestamp")) {
		json_decref(rs);
		return 0;
	}
	w->v[w->n].rs = rs;
	w->v[w->n].orig = json_deep_copy(rs);
	w->v[w->n].rev = rev_of(rs);
	w->n++;
	return 0;
}

static int
ent_by_rev(const void *a, const void *b)
{
	const struct rs_ent *x = a, *y = b;

	return (x->rev > y->rev) - (x->rev < y->rev);
}

static int
spec_reps(const json_t *rs)
{
	return (int)ctl_jint(rs, "spec.replicas", 1);
}

static int
avail(const json_t *rs)
{
	return (int)ctl_jint(rs, "status.availableReplicas", 0);
}

static void
set_reps(struct ctl_ctx *c, const json_t *dep, json_t *rs, int n, int replicas, int surge)
{
	int from = spec_reps(rs);
	char buf[32];

	json_object_set_new(ctl_jobj(rs, "spec"), "replicas", json_integer(n));
	snprintf(buf, sizeof(buf), "%d", replicas);
	ctl_set_annotation(rs, DESIRED_ANN, buf);
	snprintf(buf, sizeof(buf), "%d", replicas + surge);
	ctl_set_annotation(rs, MAXREP_ANN, buf);
	if (from != n)
		ctl_event(c, sim_rt(SIM_RT_DEPLOYMENT), dep, "Normal", "ScalingReplicaSet",
		    "deployment-controller", "Scaled %s replica set %s to %d from %d",
		    n > from ? "up" : "down", ctl_jstr(rs, "metadata.name"), n, from);
}

/* A new RS for the deployment's current template (not stored yet). */
static json_t *
new_rs(const json_t *dep, long revision, const char *hash)
{
	json_t *rs = json_object(), *md = json_object(), *tmpl, *sel, *ann, *dann, *v;
	const char *k;
	char name[300], rev[32];

	snprintf(name, sizeof(name), "%s-%s", ctl_jstr(dep, "metadata.name"), hash);
	snprintf(rev, sizeof(rev), "%ld", revision);
	json_object_set_new(rs, "apiVersion", json_string("apps/v1"));
	json_object_set_new(rs, "kind", json_string("ReplicaSet"));
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "namespace", json_string(ctl_jstr(dep, "metadata.namespace")));
	tmpl = json_deep_copy(ctl_jget(dep, "spec.template"));
	if (tmpl == NULL)
		tmpl = json_object();
	json_object_set_new(ctl_jobj(tmpl, "metadata.labels"), "pod-template-hash",
	    json_string(hash));
	v = ctl_jget(tmpl, "metadata.labels");
	json_object_set_new(md, "labels", json_deep_copy(v));
	ann = json_object();
	dann = ctl_jget(dep, "metadata.annotations");
	json_object_foreach(dann, k, v) {
		if (strcmp(k, "kubectl.kubernetes.io/last-applied-configuration") == 0 ||
		    strcmp(k, REV_ANN) == 0 || strcmp(k, REVHIST_ANN) == 0)
			continue;
		json_object_set(ann, k, v);
	}
	json_object_set_new(ann, REV_ANN, json_string(rev));
	json_object_set_new(md, "annotations", ann);
	json_object_set_new(md, "ownerReferences",
	    json_pack("[o]", ctl_owner_ref(sim_rt(SIM_RT_DEPLOYMENT), dep)));
	json_object_set_new(rs, "metadata", md);
	sel = json_deep_copy(ctl_jget(dep, "spec.selector"));
	if (sel == NULL)
		sel = json_object();
	json_object_set_new(ctl_jobj(sel, "matchLabels"), "pod-template-hash", json_string(hash));
	json_object_set_new(rs, "spec", json_pack("{s:i, s:o, s:o}", "replicas", 0,
	    "selector", sel, "template", tmpl));
	if ((v = ctl_jget(dep, "spec.minReadySeconds")) != NULL)
		json_object_set(ctl_jget(rs, "spec"), "minReadySeconds", v);
	return rs;
}

static bool
is_complete(const json_t *dep, int replicas)
{
	return ctl_jint(dep, "status.updatedReplicas", -1) == replicas &&
	    ctl_jint(dep, "status.replicas", -1) == replicas &&
	    ctl_jint(dep, "status.availableReplicas", -1) == replicas &&
	    ctl_jint(dep, "status.observedGeneration", -1) >=
	    ctl_jint(dep, "metadata.generation", 1);
}

static void
deploy_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *dep = sim_store_get(c->s, sim_rt(SIM_RT_DEPLOYMENT), ns, name), *orig = NULL;
	struct rs_walk w = { 0 };
	struct sim_selector *sel = NULL;
	struct rs_ent *nrs = NULL;
	const char *strategy, *prog_reason = NULL;
	char err[256], *canon = NULL, key[512], msg[400];
	int replicas, surge, unav, i, tot_spec, tot_status, tot_ready, tot_avail;
	long maxrev = 0;
	bool paused, created = false, adopted = false, progressed = false;
	size_t k;
	json_t *st;

	if (dep == NULL || json_object_get(ctl_jget(dep, "metadata"), "deletionTimestamp"))
		goto done;
	orig = json_deep_copy(dep);
	ctl_key(key, sizeof(key), ns, name);
	w.uid = ctl_jstr(dep, "metadata.uid");
	if (w.uid == NULL ||
	    sim_selector_from_json(ctl_jget(dep, "spec.selector"), &sel, err, sizeof(err)) < 0)
		goto done;
	sim_store_foreach(c->s, sim_rt(SIM_RT_REPLICASET), ns, sel, walk_rs, &w);
	qsort(w.v, w.n, sizeof(w.v[0]), ent_by_rev);
	replicas = (int)ctl_jint(dep, "spec.replicas", 1);
	paused = json_is_true(ctl_jget(dep, "spec.paused"));
	strategy = ctl_jstr(dep, "spec.strategy.type");
	surge = ctl_int_or_pct(ctl_jget(dep, "spec.strategy.rollingUpdate.maxSurge"), replicas,
	    true, -1);
	if (surge < 0)
		surge = (replicas * 25 + 99) / 100;		/* default 25%, rounded up */
	unav = ctl_int_or_pct(ctl_jget(dep, "spec.strategy.rollingUpdate.maxUnavailable"),
	    replicas, false, -1);
	if (unav < 0)
		unav = replicas * 25 / 100;			/* default 25%, rounded down */
	if (surge == 0 && unav == 0)
		unav = 1;
	if (unav > replicas)
		unav = replicas;

	/* the RS serving the current template */
	canon = ctl_template_canon(ctl_jget(dep, "spec.template"));
	for (k = 0; k < w.n; k++) {
		char *rc = ctl_template_canon(ctl_jget(w.v[k].rs, "spec.template"));

		if (w.v[k].rev > maxrev)
			maxrev = w.v[k].rev;
		if (rc && canon && strcmp(rc, canon) == 0 && nrs == NULL)
			nrs = &w.v[k];
		free(rc);
	}
	if (nrs == NULL && !paused && w.n < MAX_RS) {
		char hash[16];
		json_t *rs, *out = NULL;

		ctl_template_hash(ctl_jget(dep, "spec.template"), hash);
		rs = new_rs(dep, maxrev + 1, hash);
		if (ctl_create(c, sim_rt(SIM_RT_REPLICASET), ns, rs, &out) == 0) {
			nrs = &w.v[w.n++];
			nrs->rs = out;
			nrs->orig = json_deep_copy(out);
			nrs->rev = maxrev + 1;
			maxrev++;
			created = true;
		}
		json_decref(rs);
	} else if (nrs != NULL && nrs->rev < maxrev && !paused) {
		/* re-adopted (rollout undo): a new revision, the old one remembered */
		const char *hist = ctl_annotation(nrs->rs, REVHIST_ANN);
		char rev[32], h[512];

		if (hist && hist[0])
			snprintf(h, sizeof(h), "%s,%ld", hist, nrs->rev);
		else
			snprintf(h, sizeof(h), "%ld", nrs->rev);
		snprintf(rev, sizeof(rev), "%ld", maxrev + 1);
		ctl_set_annotation(nrs->rs, REV_ANN, rev);
		ctl_set_annotation(nrs->rs, REVHIST_ANN, h);
		nrs->rev = ++maxrev;
		adopted = true;
	}
	if (nrs != NULL) {
		char rev[32];

		snprintf(rev, sizeof(rev), "%ld", nrs->rev);
		ctl_set_annotation(dep, REV_ANN, rev);
	}

	/* scaling */
	if (!paused && nrs != NULL) {
		bool recreate = strategy && strcmp(strategy, "Recreate") == 0;
		int old_pods = 0;

		for (k = 0; k < w.n; k++)
			if (&w.v[k] != nrs)
				old_pods += (int)ctl_jint(w.v[k].rs, "status.replicas", 0) +
				    spec_reps(w.v[k].rs);
		if (recreate) {
			for (k = 0; k < w.n; k++)
				if (&w.v[k] != nrs && spec_reps(w.v[k].rs) > 0)
					set_reps(c, dep, w.v[k].rs, 0, replicas, 0);
			if (old_pods == 0 && spec_reps(nrs->rs) != replicas)
				set_reps(c, dep, nrs->rs, replicas, replicas, 0);
		} else {
			int nspec = spec_reps(nrs->rs), all = 0, min_avail, new_unav, down;
			int tot_av = 0;

			for (k = 0; k < w.n; k++)
				all += spec_reps(w.v[k].rs);
			if (nspec > replicas) {
				set_reps(c, dep, nrs->rs, replicas, replicas, surge);
			} else if (nspec < replicas) {
				int up = replicas + surge - all;

				if (up > replicas - nspec)
					up = replicas - nspec;
				if (up > 0)
					set_reps(c, dep, nrs->rs, nspec + up, replicas, surge);
			}
			all = 0;
			for (k = 0; k < w.n; k++) {
				all += spec_reps(w.v[k].rs);
				tot_av += avail(w.v[k].rs);
			}
			min_avail = replicas - unav;
			new_unav = spec_reps(nrs->rs) - avail(nrs->rs);
			if (new_unav < 0)
				new_unav = 0;
			down = all - min_avail - new_unav;
			/* unhealthy old replicas first, then healthy ones above minAvailable */
			for (k = 0; k < w.n && down > 0; k++) {
				int sp = spec_reps(w.v[k].rs), bad = sp - avail(w.v[k].rs), cut;

				if (&w.v[k] == nrs || sp == 0 || bad <= 0)
					continue;
				cut = bad < down ? bad : down;
				set_reps(c, dep, w.v[k].rs, sp - cut, replicas, surge);
				down -= cut;
			}
			{
				int can = tot_av - min_avail;

				for (k = 0; k < w.n && down > 0 && can > 0; k++) {
					int sp = spec_reps(w.v[k].rs), cut;

					if (&w.v[k] == nrs || sp == 0)
						continue;
					cut = sp;
					if (cut > can)
						cut = can;
					if (cut > down)
						cut = down;
					set_reps(c, dep, w.v[k].rs, sp - cut, replicas, surge);
					can -= cut;
					down -= cut;
				}
			}
		}
	}
	for (k = 0; k < w.n; k++) {
		if (!json_equal(w.v[k].rs, w.v[k].orig) &&
		    ctl_update(c, sim_rt(SIM_RT_REPLICASET), w.v[k].rs) == 0)
			progressed = true;
	}
	/* revisionHistoryLimit: delete the oldest idle old RSes beyond it */
	{
		int limit = (int)ctl_jint(dep, "spec.revisionHistoryLimit", 10), idle = 0;

		for (k = 0; k < w.n; k++)
			if (&w.v[k] != nrs && spec_reps(w.v[k].rs) == 0 &&
			    ctl_jint(w.v[k].rs, "status.replicas", 0) == 0)
				idle++;
		for (k = 0; k < w.n && idle > limit; k++) {
			if (&w.v[k] == nrs || spec_reps(w.v[k].rs) != 0 ||
			    ctl_jint(w.v[k].rs, "status.replicas", 0) != 0)
				continue;
			ctl_delete(c, sim_rt(SIM_RT_REPLICASET), ns,
			    ctl_jstr(w.v[k].rs, "metadata.name"));
			idle--;
		}
	}

	/* status */
	tot_spec = tot_status = tot_ready = tot_avail = 0;
	for (k = 0; k < w.n; k++) {
		tot_spec += spec_reps(w.v[k].rs);
		tot_status += (int)ctl_jint(w.v[k].rs, "status.replicas", 0);
		tot_ready += (int)ctl_jint(w.v[k].rs, "status.readyReplicas", 0);
		tot_avail += avail(w.v[k].rs);
	}
	st = ctl_jobj(dep, "status");
	if (ctl_jint(orig, "status.updatedReplicas", -1) !=
	    (nrs ? ctl_jint(nrs->rs, "status.replicas", 0) : 0) ||
	    ctl_jint(orig, "status.availableReplicas", -1) != tot_avail ||
	    ctl_jint(orig, "status.replicas", -1) != tot_status)
		progressed = true;
	json_object_set_new(st, "observedGeneration",
	    json_integer(ctl_jint(dep, "metadata.generation", 1)));
	json_object_set_new(st, "replicas", json_integer(tot_status));
	json_object_set_new(st, "updatedReplicas",
	    json_integer(nrs ? ctl_jint(nrs->rs, "status.replicas", 0) : 0));
	json_object_set_new(st, "readyReplicas", json_integer(tot_ready));
	json_object_set_new(st, "availableReplicas", json_integer(tot_avail));
	i = tot_spec - tot_avail;
	if (i < replicas - tot_avail)
		i = replicas - tot_avail;
	json_object_set_new(st, "unavailableReplicas", json_integer(i > 0 ? i : 0));
	if (tot_avail >= replicas - unav)
		ctl_cond_set(c->s, dep, "status.conditions", "Available", "True",
		    "MinimumReplicasAvailable", "Deployment has minimum availability.", true);
	else
		ctl_cond_set(c->s, dep, "status.conditions", "Available", "False",
		    "MinimumReplicasUnavailable", "Deployment does not have minimum availability.",
		    true);
	if (paused) {
		ctl_cond_set(c->s, dep, "status.conditions", "Progressing", "Unknown",
		    "DeploymentPaused", "Deployment is paused", true);
		ctl_map_del(&c->deploy->rolling, key);
	} else if (nrs != NULL) {
		const char *rsname = ctl_jstr(nrs->rs, "metadata.name");
		json_t *pc = ctl_cond_get(dep, "status.conditions", "Progressing");
		const char *cur = ctl_jstr(pc, "reason");

		if (is_complete(dep, replicas)) {
			prog_reason = "NewReplicaSetAvailable";
			snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.",
			    rsname);
			ctl_map_del(&c->deploy->rolling, key);
		} else if (created) {
			prog_reason = "NewReplicaSetCreated";
			snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", rsname);
		} else if (adopted) {
			prog_reason = "FoundNewReplicaSet";
			snprintf(msg, sizeof(msg), "Found new replica set \"%s\"", rsname);
		} else if (progressed || cur == NULL ||
		    strcmp(cur, "NewReplicaSetAvailable") == 0) {
			prog_reason = "ReplicaSetUpdated";
			snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", rsname);
		} else if (cur && strcmp(cur, "ProgressDeadlineExceeded") != 0) {
			time_t last = 0;
			int64_t deadline = ctl_jint(dep, "spec.progressDeadlineSeconds", 600);

			if (strata_time_parse_rfc3339(ctl_jstr(pc, "lastUpdateTime") ?
			    ctl_jstr(pc, "lastUpdateTime") : "", &last) == 0 &&
			    sim_wall_ms(c->s) / 1000 - (int64_t)last > deadline) {
				snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out "
				    "progressing.", rsname);
				ctl_cond_set(c->s, dep, "status.conditions", "Progressing", "False",
				    "ProgressDeadlineExceeded", msg, true);
			}
		}
		if (prog_reason) {
			ctl_cond_set(c->s, dep, "status.conditions", "Progressing", "True",
			    prog_reason, msg, true);
			if (progressed) {	/* progress refreshes the deadline clock */
				char ts[32];

				sim_time_rfc3339(c->s, ts);
				pc = ctl_cond_get(dep, "status.conditions", "Progressing");
				json_object_set_new(pc, "lastUpdateTime", json_string(ts));
			}
		}
		if (!is_complete(dep, replicas))
			ctl_map_put(&c->deploy->rolling, key, c->deploy, NULL);
	}
	ctl_update_if_changed(c, sim_rt(SIM_RT_DEPLOYMENT), orig, dep);
done:
	for (k = 0; k < w.n; k++) {
		json_decref(w.v[k].rs);
		json_decref(w.v[k].orig);
	}
	free(canon);
	sim_selector_free(sel);
	json_decref(orig);
	json_decref(dep);
}

void
ctl_deploy_enqueue(struct ctl_ctx *c, const char *ns, const char *name)
{
	ctl_queue_add(&c->deploy->q, ns, name);
}

/*
 * Loaded objects are the scenario's truth: only Deployments no controller has observed
 * yet (no status.observedGeneration, e.g. hand-written scenarios) are reconciled at start.
 */
static int
startup_deploy(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;

	if (strstr(o->json, "\"observedGeneration\"") == NULL)
		ctl_deploy_enqueue(c, o->ns, o->name);
	return 0;
}

int
ctl_deploy_init(struct ctl_ctx *c)
{
	if ((c->deploy = calloc(1, sizeof(*c->deploy))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->deploy->q, c, deploy_reconcile);
	ctl_map_init(&c->deploy->rolling);
	sim_store_foreach(c->s, sim_rt(SIM_RT_DEPLOYMENT), NULL, NULL, startup_deploy, c);
	return 0;
}

void
ctl_deploy_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	json_t *ref;
	const char *kind;

	if (ch->rt->id == SIM_RT_DEPLOYMENT) {
		if (ch->type != SIM_CHANGE_DELETED)
			ctl_deploy_enqueue(c, ch->ns, ch->name);
		return;
	}
	if (ch->rt->id != SIM_RT_REPLICASET || (ref = ctl_controller_ref(obj)) == NULL)
		return;
	kind = ctl_jstr(ref, "kind");
	if (kind && strcmp(kind, "Deployment") == 0 && ctl_jstr(ref, "name"))
		ctl_deploy_enqueue(c, ch->ns, ctl_jstr(ref, "name"));
}

void
ctl_deploy_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	const char *k;
	size_t i = 0;

	(void)now_ms;
	while (ctl_map_next(&c->deploy->rolling, &i, &k, NULL)) {
		char buf[512];
		const char *ns, *name;

		snprintf(buf, sizeof(buf), "%s", k);
		ctl_key_split(buf, &ns, &name);
		ctl_queue_add(&c->deploy->q, ns, name);
	}
}

void
ctl_deploy_fini(struct ctl_ctx *c)
{
	if (c->deploy == NULL)
		return;
	ctl_queue_fini(&c->deploy->q);
	ctl_map_fini(&c->deploy->rolling, NULL);
	free(c->deploy);
	c->deploy = NULL;
}
