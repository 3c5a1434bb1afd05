/*
 * The Machine API (machine.openshift.io/v1beta1), as the machine and MachineSet
 * controllers behave:
 *  - a deleted Machine (finalizer machine.machine.openshift.io keeps it while deleting)
 *    goes to phase Deleting, its Node is cordoned and drained by eviction (PDBs
 *    respected, retried; skipped with annotation machine.openshift.io/exclude-node-draining),
 *    then the Node is deleted and the finalizer removed;
 *  - a MachineSet keeps spec.replicas Machines: new ones are Provisioning, then after the
 *    provisioning delay (hint sim.strata.dev/provision-delay, default 2m) get a Node —
 *    cloned from a sibling's (labels, capacity, MCO config) — and go Running with
 *    status.nodeRef; status counts follow.
 * Machines created without the finalizer get it, as the real controller adds it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"
#include "ctl_util.h"

#define FINALIZER	"machine.machine.openshift.io"
#define MACHINE_ANN	"machine.openshift.io/machine"
#define MS_LABEL	"machine.openshift.io/cluster-api-machineset"
#define PROVISION_MS	120000u
#define DRAIN_RETRY_MS	5000u

struct ctl_machine {
	struct ctl_queue sets;
	struct ctl_queue machines;
	struct ctl_map	 busy;		/* "ns/machine" → marker: a timer is pending */
};

static const char *
node_of(const json_t *m)
{
	return ctl_jstr(m, "status.nodeRef.name");
}

static void machine_reconcile(struct ctl_ctx *c, const char *ns, const char *name);

static void
machine_retry(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	char key[512];

	(void)arg;
	ctl_key(key, sizeof(key), ns, name);
	ctl_map_del(&c->machine->busy, key);
	machine_reconcile(c, ns, name);
}

/* Deleting: cordon, drain, delete the Node, drop the finalizer.  0 when done. */
static int
machine_teardown(struct ctl_ctx *c, json_t *m, const char *key)
{
	const char *nn = node_of(m);
	json_t *node = nn ? sim_store_get(c->s, sim_rt(SIM_RT_NODE), "", nn) : NULL;
	int left;

	if (node != NULL && ctl_annotation(m, "machine.openshift.io/exclude-node-draining") == NULL) {
		if (!json_is_true(ctl_jget(node, "spec.unschedulable"))) {
			json_object_set_new(ctl_jobj(node, "spec"), "unschedulable", json_true());
			ctl_update(c, sim_rt(SIM_RT_NODE), node);
		}
		left = ctl_drain_node(c, nn);
		if (left != 0) {
			if (ctl_later(c, DRAIN_RETRY_MS, machine_retry, sim_rt(SIM_RT_MACHINE),
			    ctl_jstr(m, "metadata.namespace"), ctl_jstr(m, "metadata.name"), NULL,
			    NULL) == 0)
				ctl_map_put(&c->machine->busy, key, c->machine, NULL);
			ctl_event(c, sim_rt(SIM_RT_MACHINE), m, "Warning", "FailedDrain",
			    "machine-drain-controller", "Drain failed: %d pods blocked by a "
			    "PodDisruptionBudget, will retry", left);
			json_decref(node);
			return -EBUSY;
		}
	}
	if (node != NULL) {
		ctl_delete(c, sim_rt(SIM_RT_NODE), "", nn);
		ctl_event(c, sim_rt(SIM_RT_MACHINE), m, "Normal", "Deleted", "machine-controller",
		    "Node %s deleted", nn);
	}
	json_decref(node);
	return 0;
}

static void
remove_finalizer(struct ctl_ctx *c, json_t *m)
{
	json_t *fins = ctl_jget(m, "metadata.finalizers"), *keep = json_array(), *f;
	size_t i;

	json_array_foreach(fins, i, f)
		if (!json_is_string(f) || strcmp(json_string_value(f), FINALIZER) != 0)
			json_array_append(keep, f);
	json_object_set_new(ctl_jobj(m, "metadata"), "finalizers", keep);
	ctl_update(c, sim_rt(SIM_RT_MACHINE), m);
}

struct sibling {
	const char	*self;
	char		 node[256];
};

static int
sibling_fn(const struct sim_obj *o, void *arg)
{
	struct sibling *sb = arg;
	json_t *m;
	const char *nn;

	if (o->deleting || strcmp(o->name, sb->self) == 0 || (m = sim_obj_json(o)) == NULL)
		return 0;
	nn = node_of(m);
	if (nn)
		snprintf(sb->node, sizeof(sb->node), "%s", nn);
	json_decref(m);
	return nn ? 1 : 0;
}

/* A Node for machine `m`, cloned from a sibling of the same MachineSet when one exists. */
static void
provision_node(struct ctl_ctx *c, json_t *m)
{
	const char *ns = ctl_jstr(m, "metadata.namespace"), *name = ctl_jstr(m, "metadata.name");
	const char *ms = json_string_value(json_object_get(ctl_jget(m, "metadata.labels"),
	    MS_LABEL));
	json_t *node = NULL, *md, *out = NULL, *tmpl_labels;
	char ref[600], boot[40];
	const char *k;
	json_t *v;

	snprintf(ref, sizeof(ref), "%s/%s", ns, name);
	if (ms) {		/* clone a sibling's node: same set, already running */
		struct sim_selector *sel = NULL;
		struct sibling sib = { name, "" };
		char ls[400], err[128];

		snprintf(ls, sizeof(ls), "%s=%s", MS_LABEL, ms);
		if (sim_selector_parse(sim_rt(SIM_RT_MACHINE), ls, NULL, &sel, err,
		    sizeof(err)) == 0) {
			sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINE), ns, sel, sibling_fn, &sib);
			sim_selector_free(sel);
		}
		if (sib.node[0] && (node = sim_store_get(c->s, sim_rt(SIM_RT_NODE), "",
		    sib.node)) != NULL) {
			json_t *keep = json_pack("{s:O*}", "labels",
			    ctl_jget(node, "metadata.labels"));

			json_object_set_new(node, "metadata", keep ? keep : json_object());
			json_object_set_new(node, "spec", json_object());
			json_object_del(ctl_jobj(node, "status"), "conditions");
		}
	}
	if (node == NULL) {
		json_t *labels = json_pack("{s:s,s:s,s:s}", "kubernetes.io/hostname", name,
		    "node-role.kubernetes.io/worker", "", "kubernetes.io/os", "linux");

		node = json_pack("{s:s,s:s,s:{s:o},s:{},s:{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}}}",
		    "apiVersion", "v1", "kind", "Node", "metadata", "labels", labels, "spec",
		    "status", "allocatable", "cpu", "4", "memory", "16Gi", "pods", "250",
		    "capacity", "cpu", "4", "memory", "16Gi", "pods", "250");
	}
	md = ctl_jobj(node, "metadata");
	json_object_set_new(md, "name", json_string(name));
	tmpl_labels = ctl_jget(m, "spec.metadata.labels");
	json_object_foreach(tmpl_labels, k, v)
		json_object_set(ctl_jobj(node, "metadata.labels"), k, v);
	json_object_set_new(ctl_jobj(node, "metadata.labels"), "kubernetes.io/hostname",
	    json_string(name));
	ctl_set_annotation(node, MACHINE_ANN, ref);
	{
		/* MCO: a new node boots the pool's current config */
		json_t *pool = sim_store_get(c->s, sim_rt(SIM_RT_MACHINECONFIGPOOL), "", "worker");
		const char *cfg = ctl_jstr(pool, "spec.configuration.name");

		if (cfg) {
			ctl_set_annotation(node, "machineconfiguration.openshift.io/currentConfig",
			    cfg);
			ctl_set_annotation(node, "machineconfiguration.openshift.io/desiredConfig",
			    cfg);
			ctl_set_annotation(node, "machineconfiguration.openshift.io/state", "Done");
		}
		json_decref(pool);
	}
	if (ctl_jstr(m, "spec.providerID"))
		json_object_set_new(ctl_jobj(node, "spec"), "providerID",
		    json_string(ctl_jstr(m, "spec.providerID")));
	sim_uid_new(boot);
	json_object_set_new(ctl_jobj(node, "status.nodeInfo"), "bootID", json_string(boot));
	ctl_cond_set(c->s, node, "status.conditions", "Ready", "True", "KubeletReady",
	    "kubelet is posting ready status", false);
	ctl_cond_set(c->s, node, "status.conditions", "MemoryPressure", "False",
	    "KubeletHasSufficientMemory", "kubelet has sufficient memory available", false);
	ctl_cond_set(c->s, node, "status.conditions", "DiskPressure", "False",
	    "KubeletHasNoDiskPressure", "kubelet has no disk pressure", false);
	if (ctl_create(c, sim_rt(SIM_RT_NODE), "", node, &out) == 0) {
		json_object_set_new(ctl_jobj(m, "status"), "nodeRef", json_pack("{s:s,s:s,s:s}",
		    "kind", "Node", "name", name, "uid", ctl_jstr(out, "metadata.uid")));
		json_object_set_new(ctl_jobj(m, "status"), "phase", json_string("Running"));
		ctl_update(c, sim_rt(SIM_RT_MACHINE), m);
		ctl_event(c, sim_rt(SIM_RT_NODE), out, "Normal", "NodeReady", "kubelet",
		    "Node %s status is now: NodeReady", name);
	}
	json_decref(out);
	json_decref(node);
}

static void
machine_provisioned(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	json_t *m = sim_store_get(c->s, sim_rt(SIM_RT_MACHINE), ns, name);
	char key[512];

	(void)arg;
	ctl_key(key, sizeof(key), ns, name);
	ctl_map_del(&c->machine->busy, key);
	if (m && !json_object_get(ctl_jget(m, "metadata"), "deletionTimestamp") &&
	    node_of(m) == NULL)
		provision_node(c, m);
	json_decref(m);
}

static void
machine_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *m = sim_store_get(c->s, sim_rt(SIM_RT_MACHINE), ns, name), *fins;
	const char *phase;
	char key[512];
	bool has_fin = false;
	size_t i;
	json_t *f;

	ctl_key(key, sizeof(key), ns, name);
	if (m == NULL || ctl_map_get(&c->machine->busy, key))
		goto out;
	phase = ctl_jstr(m, "status.phase");
	fins = ctl_jget(m, "metadata.finalizers");
	json_array_foreach(fins, i, f)
		has_fin = has_fin || (json_is_string(f) && strcmp(json_string_value(f),
		    FINALIZER) == 0);
	if (json_object_get(ctl_jget(m, "metadata"), "deletionTimestamp")) {
		if (phase == NULL || strcmp(phase, "Deleting") != 0) {
			json_object_set_new(ctl_jobj(m, "status"), "phase", json_string("Deleting"));
			ctl_update(c, sim_rt(SIM_RT_MACHINE), m);
			goto out;
		}
		if (machine_teardown(c, m, key) == 0 && has_fin)
			remove_finalizer(c, m);
		goto out;
	}
	if (!has_fin) {
		if (!json_is_array(fins)) {
			fins = json_array();
			json_object_set_new(ctl_jobj(m, "metadata"), "finalizers", fins);
		}
		json_array_append_new(fins, json_string(FINALIZER));
		ctl_update(c, sim_rt(SIM_RT_MACHINE), m);
		goto out;
	}
	if (node_of(m) == NULL && (phase == NULL || strcmp(phase, "Provisioning") == 0 ||
	    strcmp(phase, "Provisioned") == 0)) {
		json_t *ms = NULL;
		json_t *ref = ctl_controller_ref(m);

		if (phase == NULL) {
			json_object_set_new(ctl_jobj(m, "status"), "phase",
			    json_string("Provisioning"));
			ctl_update(c, sim_rt(SIM_RT_MACHINE), m);
		}
		if (ref && ctl_jstr(ref, "name"))
			ms = sim_store_get(c->s, sim_rt(SIM_RT_MACHINESET), ns, ctl_jstr(ref, "name"));
		if (ctl_later(c, ctl_hint_delay(ms ? ms : m, "provision-delay", PROVISION_MS),
		    machine_provisioned, sim_rt(SIM_RT_MACHINE), ns, name,
		    ctl_jstr(m, "metadata.uid"), NULL) == 0)
			ctl_map_put(&c->machine->busy, key, c->machine, NULL);
		json_decref(ms);
	}
out:
	json_decref(m);
}

/* A Machine deleted without the finalizer: its Node still has to go (drained first). */
static void
orphan_node(struct ctl_ctx *c, const char *ns, const char *name, const char *arg)
{
	json_t *m = json_pack("{s:{s:s,s:s},s:{s:{s:s}}}", "metadata", "namespace", ns, "name",
	    name, "status", "nodeRef", "name", arg);
	char key[512];

	ctl_key(key, sizeof(key), ns, name);
	ctl_map_del(&c->machine->busy, key);
	if (m && machine_teardown(c, m, key) == -EBUSY) {
		ctl_map_del(&c->machine->busy, key);	/* retry through this path instead */
		ctl_later(c, DRAIN_RETRY_MS, orphan_node, NULL, ns, name, NULL, arg);
	}
	json_decref(m);
}

struct set_walk {
	const char	*uid;
	char		 (*names)[256];
	char		 (*created)[32];
	bool		*doomed;
	size_t		 n, cap;
	int		 ready;
};

static int
set_machine(const struct sim_obj *o, void *arg)
{
	struct set_walk *w = arg;
	json_t *m;
	const char *ph;

	if (o->deleting || strstr(o->json, w->uid) == NULL)
		return 0;
	if ((m = sim_obj_json(o)) == NULL)
		return 0;
	if (!ctl_controlled_by(m, w->uid) || w->n == 64) {
		json_decref(m);
		return 0;
	}
	if (w->n == w->cap) {
		w->cap = 64;
		w->names = calloc(w->cap, sizeof(*w->names));
		w->created = calloc(w->cap, sizeof(*w->created));
		w->doomed = calloc(w->cap, sizeof(*w->doomed));
		if (!w->names || !w->created || !w->doomed) {
			json_decref(m);
			return 1;
		}
	}
	snprintf(w->names[w->n], 256, "%s", o->name);
	snprintf(w->created[w->n], 32, "%s", ctl_jstr(m, "metadata.creationTimestamp") ?
	    ctl_jstr(m, "metadata.creationTimestamp") : "");
	w->doomed[w->n] = ctl_annotation(m, "machine.openshift.io/delete-machine") != NULL;
	ph = ctl_jstr(m, "status.phase");
	if (ph && strcmp(ph, "Running") == 0)
		w->ready++;
	w->n++;
	json_decref(m);
	return 0;
}

static void
set_reconcile(struct ctl_ctx *c, const char *ns, const char *name)
{
	json_t *ms = sim_store_get(c->s, sim_rt(SIM_RT_MACHINESET), ns, name), *orig = NULL, *st;
	struct sim_selector *sel = NULL;
	struct set_walk w = { 0 };
	char err[128], gen[300];
	int want, i;

	if (ms == NULL || (w.uid = ctl_jstr(ms, "metadata.uid")) == NULL ||
	    sim_selector_from_json(ctl_jget(ms, "spec.selector"), &sel, err, sizeof(err)) < 0)
		goto out;
	sim_store_foreach(c->s, sim_rt(SIM_RT_MACHINE), ns, sel, set_machine, &w);
	want = (int)ctl_jint(ms, "spec.replicas", 1);
	snprintf(gen, sizeof(gen), "%s-", name);
	for (i = (int)w.n; i < want; i++) {
		/* "o" steals: pass new references (a fresh {} when the template has none). */
		json_t *m = json_pack("{s:s,s:s,s:{s:s,s:s,s:o,s:[o],s:[s]},s:o}",
		    "apiVersion", "machine.openshift.io/v1beta1", "kind", "Machine",
		    "metadata", "generateName", gen, "namespace", ns,
		    "labels", ctl_jget(ms, "spec.template.metadata.labels") ?
		    json_deep_copy(ctl_jget(ms, "spec.template.metadata.labels")) : json_object(),
		    "ownerReferences", ctl_owner_ref(sim_rt(SIM_RT_MACHINESET), ms),
		    "finalizers", FINALIZER,
		    "spec", ctl_jget(ms, "spec.template.spec") ?
		    json_deep_copy(ctl_jget(ms, "spec.template.spec")) : json_object());
		json_t *out = NULL;

		if (m && ctl_create(c, sim_rt(SIM_RT_MACHINE), ns, m, &out) == 0) {
			ctl_event(c, sim_rt(SIM_RT_MACHINESET), ms, "Normal", "SuccessfulCreate",
			    "machineset-controller", "Created machine %s",
			    ctl_jstr(out, "metadata.name"));
			json_decref(out);
		}
		json_decref(m);
	}
	for (i = want; i < (int)w.n; i++) {	/* scale down: marked first, then newest */
		size_t k, pick = 0;
		bool found = false;

		for (k = 0; k < w.n; k++) {
			if (w.names[k][0] == '\0')
				continue;
			if (!found || (w.doomed[k] && !w.doomed[pick]) ||
			    (w.doomed[k] == w.doomed[pick] && strcmp(w.created[k],
			    w.created[pick]) > 0)) {
				pick = k;
				found = true;
			}
		}
		if (!found)
			break;
		ctl_delete(c, sim_rt(SIM_RT_MACHINE), ns, w.names[pick]);
		w.names[pick][0] = '\0';
	}
	orig = json_deep_copy(ms);
	st = ctl_jobj(ms, "status");
	json_object_set_new(st, "replicas", json_integer((json_int_t)w.n));
	json_object_set_new(st, "fullyLabeledReplicas", json_integer((json_int_t)w.n));
	json_object_set_new(st, "readyReplicas", json_integer(w.ready));
	json_object_set_new(st, "availableReplicas", json_integer(w.ready));
	json_object_set_new(st, "observedGeneration",
	    json_integer(ctl_jint(ms, "metadata.generation", 1)));
	ctl_update_if_changed(c, sim_rt(SIM_RT_MACHINESET), orig, ms);
out:
	free(w.names);
	free(w.created);
	free(w.doomed);
	sim_selector_free(sel);
	json_decref(orig);
	json_decref(ms);
}

int
ctl_machine_init(struct ctl_ctx *c)
{
	if ((c->machine = calloc(1, sizeof(*c->machine))) == NULL)
		return -ENOMEM;
	ctl_queue_init(&c->machine->sets, c, set_reconcile);
	ctl_queue_init(&c->machine->machines, c, machine_reconcile);
	ctl_map_init(&c->machine->busy);
	return 0;
}

void
ctl_machine_change(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj)
{
	json_t *ref;

	if (ch->rt->id == SIM_RT_MACHINESET) {
		if (ch->type != SIM_CHANGE_DELETED)
			ctl_queue_add(&c->machine->sets, ch->ns, ch->name);
		return;
	}
	if (ch->rt->id != SIM_RT_MACHINE)
		return;
	if (ch->type == SIM_CHANGE_DELETED) {
		json_t *fins = ctl_jget(obj, "metadata.finalizers");
		bool had = false;
		size_t i;
		json_t *f;

		json_array_foreach(fins, i, f)
			had = had || (json_is_string(f) &&
			    strcmp(json_string_value(f), FINALIZER) == 0);
		if (!had && node_of(obj) && sim_store_find(c->s, sim_rt(SIM_RT_NODE), "",
		    node_of(obj)))
			ctl_later(c, 0, orphan_node, NULL, ch->ns, ch->name, NULL,
			    node_of(obj));
	} else {
		ctl_queue_add(&c->machine->machines, ch->ns, ch->name);
	}
	ref = ctl_controller_ref(obj);
	if (ref && ctl_jstr(ref, "kind") && strcmp(ctl_jstr(ref, "kind"), "MachineSet") == 0)
		ctl_queue_add(&c->machine->sets, ch->ns, ctl_jstr(ref, "name"));
}

void
ctl_machine_tick(struct ctl_ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

void
ctl_machine_fini(struct ctl_ctx *c)
{
	if (c->machine == NULL)
		return;
	ctl_queue_fini(&c->machine->sets);
	ctl_queue_fini(&c->machine->machines);
	ctl_map_fini(&c->machine->busy, NULL);
	free(c->machine);
	c->machine = NULL;
}
