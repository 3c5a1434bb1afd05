/*
 * The Machine Config Operator, as far as clients can see it:
 *  - render: when the MachineConfigs a pool selects change, a rendered config
 *    `rendered-<pool>-<hash>` is created and becomes the pool's spec.configuration; the
 *    same content always gives the same name (so deleting a bad MachineConfig rolls back
 *    to the earlier rendered name, the one the scenario started with);
 *  - update controller: sets node annotation desiredConfig on at most maxUnavailable
 *    nodes at a time (never while spec.paused), and keeps the pool's status (counts,
 *    status.configuration, conditions Updated/Updating/Degraded/NodeDegraded);
 *  - daemon (per node): desiredConfig != currentConfig → state Working, cordon, drain by
 *    eviction (PDBs respected, retried), reboot (Ready False, then True after the reboot
 *    delay with transient conditions cleared and a new bootID), currentConfig = desired,
 *    state Done, uncordon.  This is also how a node reboot is triggered, as on OpenShift.
 *    A daemon the scenario caught mid-update (desiredConfig != currentConfig) carries on
 *    at start, as the real one does after the dump was taken.
 * Hints: on MachineConfigs sim.strata.dev/fail-apply (node goes Degraded with that
 * message), sim.strata.dev/pod-failure (+ -selector: pods on nodes running it fail);
 * on nodes sim.strata.dev/reboot-duration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

#define MCO_ANN		"machineconfiguration.openshift.io/"
#define CUR_ANN		MCO_ANN "currentConfig"
#define DES_ANN		MCO_ANN "desiredConfig"
#define STATE_ANN	MCO_ANN "state"
#define REASON_ANN	MCO_ANN "reason"
#define DDRAIN_ANN	MCO_ANN "desiredDrain"
#define LDRAIN_ANN	MCO_ANN "lastAppliedDrain"
#define REBOOT_MS	60000u
#define DRAIN_RETRY_MS	5000u

struct ctl_mco {
	struct ctl_queue pools;
	struct ctl_queue nodes;
	struct ctl_map	 rendered;	/* "pool|contenthash" → rendered name (strdup) */
	struct ctl_map	 busy;		/* node → marker: drain retry or reboot pending */
};

/* ---- render -------------------------------------------------------------------------- */

struct mc_walk {
	struct sbuf	 canon;
	json_t		*sources;
	const json_t	*only;		/* borrowed: [{name}] to restrict to, or NULL */
};

static bool
source_listed(const json_t *only, const char *name)
{
	const json_t *e;
	size_t i;

	json_array_foreach(only, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static int
mc_add(const struct sim_obj *o, void *arg)
{
	struct mc_walk *w = arg;
	json_t *mc;
	char *spec;

	if (strncmp(o->name, "rendered-", 9) == 0)
		return 0;
	if (w->only != NULL && !source_listed(w->only, o->name))
		return 0;
	if ((mc = sim_obj_json(o)) == NULL)
		return 0;
	spec = json_dumps(ctl_jget(mc, "spec") ? ctl_jget(mc, "spec") : json_null(),
	    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	sbuf_printf(&w->canon, "%s=%s;", o->name, spec ? spec : "");
	free(spec);
	json_array_append_new(w->sources, json_pack("{s:s,s:s,s:s}", "apiVersion",
	    "machineconfiguration.openshift.io/v1", "kind", "MachineConfig", "name", o->name));
	json_decref(mc);
	return 0;
}

/*
 * Content hash and sources of what `pool` selects (sources: new reference); with `only`
 * (borrowed, a configuration's source list), of the selected MachineConfigs it names.
 */
static int
pool_content(struct ctl_ctx *c, const json_t *pool, const json_t *only, char hash[40],
    json_t **sources)
{
	struct mc_walk w = { SBUF_INIT(8u << 20), json_array(), only };
	struct sim_selector *sel = NULL;
	uint64_t h1 = 1469598103934665603ull, h2 = 7809847782465536322ull;
	char err[128];
	size_t i;

	if (sim_selector_from_json(ctl_jget(pool, "spec.machineConfigSelector"), &sel, err,
	    sizeof(err)) < 0) {
		json_decref(w.sources);
		return -EINVAL;
	}
	sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINECONFIG), NULL, sel, mc_add, &w);
	sim_selector_free(sel);
	for (i = 0; i < w.canon.len; i++) {
		h1 = (h1 ^ (unsigned char)w.canon.data[i]) * 1099511628211ull;
		h2 = (h2 ^ (unsigned char)w.canon.data[i]) * 1099511628211ull + 1;
	}
	snprintf(hash, 40, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
	sbuf_release(&w.canon);
	*sources = w.sources;
	return 0;
}

static void
rendered_put(struct ctl_ctx *c, const char *key, const char *name)
{
	char *v = strdup(name);
	void *old = NULL;

	if (v == NULL || ctl_map_put(&c->mco->rendered, key, v, &old) < 0)
		free(v);
	free(old);
}

static void
pool_render(struct ctl_ctx *c, json_t *pool)
{
	const char *pname = ctl_jstr(pool, "metadata.name");
	const char *cur = ctl_jstr(pool, "spec.configuration.name");
	json_t *sources = NULL, *mc;
	char hash[40], key[300], name[300];
	const char *known;

	if (pool_content(c, pool, NULL, hash, &sources) < 0)
		return;
	snprintf(key, sizeof(key), "%s|%s", pname, hash);
	known = ctl_map_get(&c->mco->rendered, key);
	if (known)
		snprintf(name, sizeof(name), "%s", known);
	else
		snprintf(name, sizeof(name), "rendered-%s-%.32s", pname, hash);
	if (cur == NULL || strcmp(cur, name) != 0) {
		if (!sim_store_find(c->s, sim_rt(SIM_RT_MACHINECONFIG), "", name)) {
			char *names = json_dumps(sources, JSON_COMPACT);

			mc = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s},s:[o]},s:{}}",
			    "apiVersion", "machineconfiguration.openshift.io/v1",
			    "kind", "MachineConfig", "metadata", "name", name, "annotations",
			    MCO_ANN "generated-by-controller-version", "strata-sim",
			    SIM_HINT_PREFIX "sources", names ? names : "[]",
			    "ownerReferences", ctl_owner_ref(sim_rt(SIM_RT_MACHINECONFIGPOOL), pool),
			    "spec");
			free(names);
			if (mc)
				ctl_create(c, sim_rt(SIM_RT_MACHINECONFIG), "", mc, NULL);
			json_decref(mc);
		}
		json_object_set_new(ctl_jobj(pool, "spec"), "configuration",
		    json_pack("{s:s,s:O}", "name", name, "source", sources));
		rendered_put(c, key, name);
	}
	json_decref(sources);
}

/* ---- update controller and pool status ----------------------------------------------- */

struct pnode {
	char	name[256];
	char	cur[160], des[160], state[32], reason[256];
	bool	ready, unsched;
};

struct pool_walk {
	struct pnode	*v;
	size_t		 n, cap;
};

static void
ann_copy(char *dst, size_t n, const json_t *node, const char *key)
{
	const char *v = ctl_annotation(node, key);

	snprintf(dst, n, "%s", v ? v : "");
}

static int
pool_node(const struct sim_obj *o, void *arg)
{
	struct pool_walk *w = arg;
	struct pnode *p;
	json_t *node;
	const char *r;

	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 16;
		struct pnode *nv = realloc(w->v, nc * sizeof(*nv));

		if (nv == NULL)
			return 1;
		w->v = nv;
		w->cap = nc;
	}
	if ((node = sim_obj_json(o)) == NULL)
		return 0;
	p = &w->v[w->n++];
	snprintf(p->name, sizeof(p->name), "%s", o->name);
	ann_copy(p->cur, sizeof(p->cur), node, CUR_ANN);
	ann_copy(p->des, sizeof(p->des), node, DES_ANN);
	ann_copy(p->state, sizeof(p->state), node, STATE_ANN);
	ann_copy(p->reason, sizeof(p->reason), node, REASON_ANN);
	r = ctl_cond_status(node, "status.conditions", "Ready");
	p->ready = r == NULL || strcmp(r, "True") == 0;
	p->unsched = json_is_true(ctl_jget(node, "spec.unschedulable"));
	json_decref(node);
	return 0;
}

static void
set_desired(struct ctl_ctx *c, const char *node, const char *target)
{
	json_t *n = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", node);

	if (n == NULL)
		return;
	ctl_set_annotation(n, DES_ANN, target);
	ctl_update(c, sim_rt(SIM_RT_NODE), n);
	json_decref(n);
}

static void
pool_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *pool = sim_store_get(c->s, sim_rt(SIM_RT_MACHINECONFIGPOOL), "", name), *orig;
	struct sim_selector *sel = NULL;
	struct pool_walk w = { 0 };
	const char *target;
	char err[128], msg[1024];
	int updated = 0, ready = 0, degraded = 0, unavailable = 0, maxun, total;
	bool paused;
	size_t i;
	json_t *st;

	(void)ns;
	if (pool == NULL)
		return;
	orig = json_deep_copy(pool);
	if (json_object_get(pool, "spec") && ctl_jget(pool, "spec.machineConfigSelector") &&
	    sim_store_count(c->s, sim_rt(SIM_RT_MACHINECONFIG), NULL) > 0)
		pool_render(c, pool);
	target = ctl_jstr(pool, "spec.configuration.name");
	if (sim_selector_from_json(ctl_jget(pool, "spec.nodeSelector"), &sel, err,
	    sizeof(err)) < 0)
		goto out;
	sim_store_foreach(c->s, sim_rt(SIM_RT_NODE), NULL, sel, pool_node, &w);
	sim_selector_free(sel);
	paused = json_is_true(ctl_jget(pool, "spec.paused"));
	total = (int)w.n;
	for (i = 0; i < w.n; i++) {
		struct pnode *p = &w.v[i];
		bool upd = target && strcmp(p->cur, target) == 0 && strcmp(p->des, target) == 0 &&
		    strcmp(p->state, "Done") == 0;

		if (upd)
			updated++;
		if (upd && p->ready && !p->unsched)
			ready++;
		if (strcmp(p->state, "Degraded") == 0 || strcmp(p->state, "Unreconcilable") == 0)
			degraded++;
		if (strcmp(p->cur, p->des) != 0 || (p->state[0] && strcmp(p->state, "Done") != 0) ||
		    !p->ready || p->unsched)
			unavailable++;
	}
	maxun = ctl_int_or_pct(ctl_jget(pool, "spec.maxUnavailable"), total, false, 1);
	if (maxun < 1)
		maxun = 1;
	/* a degraded node is retargeted at once (a fixed or reverted config heals it) */
	for (i = 0; !paused && target && i < w.n; i++) {
		if (strcmp(w.v[i].state, "Degraded") == 0 && strcmp(w.v[i].des, target) != 0)
			set_desired(c, w.v[i].name, target);
	}
	if (!paused && target && degraded == 0) {
		for (i = 0; i < w.n && unavailable < maxun; i++) {
			if (strcmp(w.v[i].des, target) == 0)
				continue;
			set_desired(c, w.v[i].name, target);
			unavailable++;
		}
	}
	st = ctl_jobj(pool, "status");
	json_object_set_new(st, "machineCount", json_integer(total));
	json_object_set_new(st, "updatedMachineCount", json_integer(updated));
	json_object_set_new(st, "readyMachineCount", json_integer(ready));
	json_object_set_new(st, "unavailableMachineCount", json_integer(unavailable));
	json_object_set_new(st, "degradedMachineCount", json_integer(degraded));
	json_object_set_new(st, "observedGeneration",
	    json_integer(ctl_jint(pool, "metadata.generation", 1)));
	if (target && updated == total)
		json_object_set(st, "configuration", ctl_jget(pool, "spec.configuration"));
	if (target && updated == total && degraded == 0) {
		snprintf(msg, sizeof(msg), "All nodes are updated with %s", target);
		ctl_cond_set(c->s, pool, "status.conditions", "Updated", "True", "", msg, false);
		ctl_cond_set(c->s, pool, "status.conditions", "Updating", "False", "", "", false);
	} else {
		ctl_cond_set(c->s, pool, "status.conditions", "Updated", "False", "", "", false);
		snprintf(msg, sizeof(msg), "All nodes are updating to %s", target ? target : "");
		if (paused)
			ctl_cond_set(c->s, pool, "status.conditions", "Updating", "False", "", "",
			    false);
		else
			ctl_cond_set(c->s, pool, "status.conditions", "Updating", "True", "", msg,
			    false);
	}
	if (degraded > 0) {
		const char *why = "";

		for (i = 0; i < w.n; i++)
			if (strcmp(w.v[i].state, "Degraded") == 0) {
				why = w.v[i].reason;
				break;
			}
		snprintf(msg, sizeof(msg), "Node %s is reporting: \"%s\"", i < w.n ?
		    w.v[i].name : "", why);
		ctl_cond_set(c->s, pool, "status.conditions", "NodeDegraded", "True",
		    degraded == 1 ? "1 nodes are reporting degraded status on sync" :
		    "Nodes are reporting degraded status on sync", msg, false);
		ctl_cond_set(c->s, pool, "status.conditions", "Degraded", "True", "", "", false);
	} else {
		ctl_cond_set(c->s, pool, "status.conditions", "NodeDegraded", "False", "", "",
		    false);
		ctl_cond_set(c->s, pool, "status.conditions", "Degraded", "False", "", "", false);
	}
	ctl_cond_set(c->s, pool, "status.conditions", "RenderDegraded", "False", "", "", false);
	ctl_update_if_changed(c, sim_rt(SIM_RT_MACHINECONFIGPOOL), orig, pool);
out:
	free(w.v);
	json_decref(orig);
	json_decref(pool);
}

/* ---- daemon ------------------------------------------------------------------------- */

struct sources_find {
	const char	*rendered;
	json_t		*src;		/* new reference once found */
};

static int
pool_sources(const struct sim_obj *o, void *arg)
{
	struct sources_find *f = arg;
	json_t *pool = sim_obj_json(o);
	const char *paths[] = { "spec.configuration", "status.configuration" };
	size_t i;

	for (i = 0; pool != NULL && f->src == NULL && i < STRATA_ARRAY_LEN(paths); i++) {
		const json_t *cfg = ctl_jget(pool, paths[i]);
		const char *nm = json_string_value(json_object_get(cfg, "name"));

		if (nm != NULL && strcmp(nm, f->rendered) == 0 &&
		    json_is_array(json_object_get(cfg, "source")))
			f->src = json_deep_copy(json_object_get(cfg, "source"));
	}
	json_decref(pool);
	return f->src != NULL;
}

/*
 * Hints of the MachineConfigs a rendered config is made of (first one wins).  A rendered
 * config this simulator made lists its sources in a hint; one a scenario only names (a
 * dump without the rendered MachineConfigs) is known by a pool's configuration.source.
 */
static const char *
config_hint(struct ctl_ctx *c, const char *rendered, const char *hint, char *out, size_t n,
    char *sel_out, size_t seln)
{
	json_t *r = sim_store_get(c->s, sim_rt(SIM_RT_MACHINECONFIG), "", rendered);
	json_t *src = NULL, *e;
	const char *names = ctl_hint(r, "sources");
	struct sources_find f = { rendered, NULL };
	size_t i;

	out[0] = sel_out[0] = '\0';
	if (names)
		src = json_loads(names, 0, NULL);
	if (src == NULL) {
		sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINECONFIGPOOL), NULL, NULL,
		    pool_sources, &f);
		src = f.src;
	}
	json_array_foreach(src, i, e) {
		json_t *mc = sim_store_get(c->s, sim_rt(SIM_RT_MACHINECONFIG), "",
		    ctl_jstr(e, "name") ? ctl_jstr(e, "name") : "");
		char sh[96];
		const char *v = ctl_hint(mc, hint);

		if (v && out[0] == '\0') {
			snprintf(out, n, "%s", v);
			snprintf(sh, sizeof(sh), "%s-selector", hint);
			snprintf(sel_out, seln, "%s", ctl_hint(mc, sh) ? ctl_hint(mc, sh) : "");
		}
		json_decref(mc);
	}
	json_decref(src);
	json_decref(r);
	return out[0] ? out : NULL;
}

static void daemon_reconcile(struct ctl_ctx *c, const char *ns, const char *name);

static void
daemon_retry(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	(void)arg;
	ctl_map_del(&c->mco->busy, name);
	daemon_reconcile(c, ns, name);
}

static void
daemon_booted(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	json_t *node = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", name);
	const char *des;
	char boot[40], drain[200], fail[128], fsel[256];

	(void)ns;
	(void)arg;
	ctl_map_del(&c->mco->busy, name);
	if (node == NULL || (des = ctl_annotation(node, DES_ANN)) == NULL)
		goto out;
	ctl_cond_set(c->s, node, "status.conditions", "Ready", "True", "KubeletReady",
	    "kubelet is posting ready status", false);
	ctl_cond_set(c->s, node, "status.conditions", "MemoryPressure", "False",
	    "KubeletHasSufficientMemory", "kubelet has sufficient memory available", false);
	ctl_cond_set(c->s, node, "status.conditions", "DiskPressure", "False",
	    "KubeletHasNoDiskPressure", "kubelet has no disk pressure", false);
	ctl_cond_set(c->s, node, "status.conditions", "PIDPressure", "False",
	    "KubeletHasSufficientPID", "kubelet has sufficient PID available", false);
	sim_uid_new(boot);
	json_object_set_new(ctl_jobj(node, "status.nodeInfo"), "bootID", json_string(boot));
	if (config_hint(c, des, "pod-failure", fail, sizeof(fail), fsel, sizeof(fsel))) {
		ctl_set_annotation(node, SIM_HINT_PREFIX "pod-failure", fail);
		ctl_set_annotation(node, SIM_HINT_PREFIX "pod-failure-selector",
		    fsel[0] ? fsel : NULL);
	} else {
		ctl_set_annotation(node, SIM_HINT_PREFIX "pod-failure", NULL);
		ctl_set_annotation(node, SIM_HINT_PREFIX "pod-failure-selector", NULL);
	}
	ctl_set_annotation(node, CUR_ANN, des);
	ctl_set_annotation(node, STATE_ANN, "Done");
	ctl_set_annotation(node, REASON_ANN, "");
	snprintf(drain, sizeof(drain), "uncordon-%s", des);
	ctl_set_annotation(node, DDRAIN_ANN, drain);
	ctl_set_annotation(node, LDRAIN_ANN, drain);
	json_object_del(ctl_jobj(node, "spec"), "unschedulable");
	if (ctl_update(c, sim_rt(SIM_RT_NODE), node) == 0) {
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Warning", "Rebooted", "kubelet",
		    "Node %s has been rebooted, boot id: %s", name, boot);
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "NodeReady", "kubelet",
		    "Node %s status is now: NodeReady", name);
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "Uncordon",
		    "machineconfigdaemon", "Update completed for config %s and node has been "
		    "uncordoned", des);
	}
out:
	json_decref(node);
}

static void
daemon_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *node = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", name);
	const char *cur, *des, *state;
	char drain[200], fail[256], fsel[16];
	int left;

	(void)ns;
	if (node == NULL || ctl_map_get(&c->mco->busy, name))
		goto out;
	cur = ctl_annotation(node, CUR_ANN);
	des = ctl_annotation(node, DES_ANN);
	state = ctl_annotation(node, STATE_ANN);
	if (des == NULL || des[0] == '\0' || (cur && strcmp(cur, des) == 0 &&
	    (state == NULL || strcmp(state, "Degraded") != 0)))
		goto out;
	if (state && strcmp(state, "Degraded") == 0 && cur && strcmp(cur, des) == 0) {
		/* rolled back to what it runs: recovered without a reboot */
		ctl_set_annotation(node, STATE_ANN, "Done");
		ctl_set_annotation(node, REASON_ANN, "");
		ctl_update(c, sim_rt(SIM_RT_NODE), node);
		goto out;
	}
	if (config_hint(c, des, "fail-apply", fail, sizeof(fail), fsel, sizeof(fsel))) {
		if (state == NULL || strcmp(state, "Degraded") != 0) {
			ctl_set_annotation(node, STATE_ANN, "Degraded");
			ctl_set_annotation(node, REASON_ANN, fail);
			ctl_update(c, sim_rt(SIM_RT_NODE), node);
		}
		goto out;
	}
	snprintf(drain, sizeof(drain), "drain-%s", des);
	if (state == NULL || strcmp(state, "Working") != 0 ||
	    !json_is_true(ctl_jget(node, "spec.unschedulable"))) {
		ctl_set_annotation(node, STATE_ANN, "Working");
		ctl_set_annotation(node, DDRAIN_ANN, drain);
		json_object_set_new(ctl_jobj(node, "spec"), "unschedulable", json_true());
		if (ctl_update(c, sim_rt(SIM_RT_NODE), node) == 0)
			ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "Cordon",
			    "machineconfigdaemon", "Cordoned node to apply update");
		goto out;	/* the write brings us back */
	}
	left = ctl_drain_node(c, name);
	if (left != 0) {
		if (ctl_later(c, DRAIN_RETRY_MS, daemon_retry, sim_rt(SIM_RT_NODE), "", name,
		    NULL, NULL) == 0)
			ctl_map_put(&c->mco->busy, name, c->mco, NULL);
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Warning", "Drain", "machineconfigdaemon",
		    "Drain failed, but overall timeout has not been reached, will retry: "
		    "Cannot evict pod as it would violate the pod's disruption budget.");
		goto out;
	}
	ctl_set_annotation(node, LDRAIN_ANN, drain);
	ctl_cond_set(c->s, node, "status.conditions", "Ready", "False", "KubeletNotReady",
	    "node is rebooting", false);
	if (ctl_update(c, sim_rt(SIM_RT_NODE), node) == 0) {
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "Reboot", "machineconfigdaemon",
		    "Node will reboot into config %s", des);
		ctl_event(c, sim_rt(SIM_RT_NODE), node, "Normal", "NodeNotReady",
		    "node-controller", "Node %s status is now: NodeNotReady", name);
		if (ctl_later(c, ctl_hint_delay(node, "reboot-duration", REBOOT_MS), daemon_booted,
		    sim_rt(SIM_RT_NODE), "", name, NULL, NULL) == 0)
			ctl_map_put(&c->mco->busy, name, c->mco, NULL);
	}
out:
	json_decref(node);
}

/* ---- module ------------------------------------------------------------------------- */

/*
 * The rendered names a scenario starts with.  spec.configuration is what the pool's
 * MachineConfigs render to now; status.configuration, when a rollout is under way, is
 * the earlier content (its source list) — as on the MCO, where the name is a hash of the
 * content, rendering that content again (the new MachineConfig deleted) gives that name.
 */
static int
baseline(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;
	json_t *pool = sim_obj_json(o), *src = NULL;
	const char *cur = ctl_jstr(pool, "spec.configuration.name");
	const char *old = ctl_jstr(pool, "status.configuration.name");
	const json_t *old_src = ctl_jget(pool, "status.configuration.source");
	char hash[40], key[300];

	if (old && (cur == NULL || strcmp(old, cur) != 0) && json_is_array(old_src) &&
	    json_array_size(old_src) > 0 && pool_content(c, pool, old_src, hash, &src) == 0) {
		snprintf(key, sizeof(key), "%s|%s", o->name, hash);
		rendered_put(c, key, old);
	}
	json_decref(src);
	src = NULL;
	if (cur && pool_content(c, pool, NULL, hash, &src) == 0) {
		snprintf(key, sizeof(key), "%s|%s", o->name, hash);
		rendered_put(c, key, cur);
	}
	json_decref(src);
	json_decref(pool);
	return 0;
}

/* A machine-config daemon that was mid-update when the dump was taken carries on. */
static int
resume_daemon(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;
	json_t *node = sim_obj_json(o);
	const char *cur = ctl_annotation(node, CUR_ANN);
	const char *des = ctl_annotation(node, DES_ANN);

	if (des != NULL && des[0] != '\0' && (cur == NULL || strcmp(cur, des) != 0))
		ctl_queue_add(&c->mco->nodes, "", o->name);
	json_decref(node);
	return 0;
}

static int
enqueue_pool(const struct sim_obj *o, void *arg)
{
	struct ctl_ctx *c = arg;

	ctl_queue_add(&c->mco->pools, "", o->name);
	return 0;
}

int
ctl_mco_init(struct ctl_ctx *c)
{
	if ((c->mco = calloc(1, sizeof(*c->mco))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->mco->pools, c, pool_reconcile);
	ctl_queue_init(&c->mco->nodes, c, daemon_reconcile);
	ctl_map_init(&c->mco->rendered);
	ctl_map_init(&c->mco->busy);
	sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINECONFIGPOOL), NULL, NULL, baseline, c);
	sim_store_foreach(c->s, sim_rt(SIM_RT_NODE), NULL, NULL, resume_daemon, c);
	return 0;
}

void
ctl_mco_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	switch (ch->rt->id) {
	case SIM_RT_MACHINECONFIG:
		if (strncmp(ch->name, "rendered-", 9) != 0)
			sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINECONFIGPOOL), NULL, NULL,
			    enqueue_pool, c);
		break;
	case SIM_RT_MACHINECONFIGPOOL:
		if (ch->type != SIM_CHANGE_DELETED)
			ctl_queue_add(&c->mco->pools, "", ch->name);
		break;
	case SIM_RT_NODE:
		if (ch->type == SIM_CHANGE_DELETED)
			break;
		if (ctl_annotation(obj, DES_ANN) || ctl_annotation(obj, CUR_ANN)) {
			ctl_queue_add(&c->mco->nodes, "", ch->name);
			sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINECONFIGPOOL), NULL, NULL,
			    enqueue_pool, c);
		}
		break;
	default:
		break;
	}
}

void
ctl_mco_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_mco_fini(struct ctl_ctx *c)
{
	if (c->mco == NULL)
		return;
	ctl_queue_fini(&c->mco->pools);
	ctl_queue_fini(&c->mco->nodes);
	ctl_map_fini(&c->mco->rendered, free);
	ctl_map_fini(&c->mco->busy, NULL);
	free(c->mco);
	c->mco = NULL;
}
