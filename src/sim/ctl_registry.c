/*
 * The controller registry: sim_start() calls sim_controllers_register() once, after the
 * scenario is loaded and before serving starts.
 *
 * All controllers run as modules of one registered controller, so each change-feed entry
 * is parsed once and handed to every module (scheduler, kubelet, ReplicaSet, Deployment,
 * PDB, node lifecycle, MCO, Machine, ClusterOperator, Argo CD).  Modules keep their own
 * state in struct ctl_ctx (ctl_util.h) and do their reconciling from work queues and
 * timers, so one burst of writes costs one reconcile per object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "strata/util.h"
#include "ctl_util.h"

static bool
parsed_type(const struct sim_rtype *rt)
{
	switch (rt->id) {
	case SIM_RT_POD: case SIM_RT_NODE: case SIM_RT_REPLICASET: case SIM_RT_DEPLOYMENT:
	case SIM_RT_PDB: case SIM_RT_MACHINE: case SIM_RT_MACHINESET:
	case SIM_RT_MACHINECONFIG: case SIM_RT_MACHINECONFIGPOOL:
	case SIM_RT_CLUSTEROPERATOR: case SIM_RT_APPLICATION:
		return true;
	default:
		return false;
	}
}

static void
reg_change(struct sim *s, const struct sim_change *ch, void *state)
{
	struct ctl_ctx *c = state;
	const char *n1 = NULL, *n2 = NULL;
	json_t *obj = NULL;

	(void)s;
	if (ch->type == SIM_CHANGE_RESYNC) {
		log_warn("sim.ctl", "msg=\"change feed overflowed: rebuilding indexes\"");
		ctl_index_fini(c);
		ctl_sched_kick(c);
		return;
	}
	if (ch->rt == NULL || !parsed_type(ch->rt))
		return;
	obj = json_loadb(ch->json, ch->len, 0, NULL);
	if (obj == NULL)
		return;
	if (c->indexed) {
		ctl_index_change(c, ch, obj, &n1, &n2);
		if (n1)
			ctl_nodes_enqueue(c, n1);
		if (n2)
			ctl_nodes_enqueue(c, n2);
	}
	ctl_sched_change(c, ch, obj);
	ctl_kubelet_change(c, ch, obj);
	ctl_rs_change(c, ch, obj);
	ctl_deploy_change(c, ch, obj);
	ctl_pdb_change(c, ch, obj);
	ctl_nodes_change(c, ch, obj);
	ctl_mco_change(c, ch, obj);
	ctl_machine_change(c, ch, obj);
	ctl_co_change(c, ch, obj);
	ctl_argo_change(c, ch, obj);
	json_decref(obj);
}

static void
reg_tick(struct sim *s, uint64_t now_ms, void *state)
{
	struct ctl_ctx *c = state;

	(void)s;
	ctl_sched_tick(c, now_ms);
	ctl_kubelet_tick(c, now_ms);
	ctl_rs_tick(c, now_ms);
	ctl_deploy_tick(c, now_ms);
	ctl_pdb_tick(c, now_ms);
	ctl_nodes_tick(c, now_ms);
	ctl_mco_tick(c, now_ms);
	ctl_machine_tick(c, now_ms);
	ctl_co_tick(c, now_ms);
	ctl_argo_tick(c, now_ms);
}

static void
reg_fini(struct sim *s, void *state)
{
	struct ctl_ctx *c = state;

	(void)s;
	ctl_argo_fini(c);
	ctl_co_fini(c);
	ctl_machine_fini(c);
	ctl_mco_fini(c);
	ctl_nodes_fini(c);
	ctl_pdb_fini(c);
	ctl_deploy_fini(c);
	ctl_rs_fini(c);
	ctl_kubelet_fini(c);
	ctl_sched_fini(c);
	ctl_index_fini(c);
	free(c);
}

/* Ticks drive only slow periodic work (retrying unschedulable pods, deadlines). */
static const struct sim_controller_ops reg_ops = {
	.name = "strata-controllers",
	.tick_ms = 5000,
	.on_change = reg_change,
	.on_tick = reg_tick,
	.fini = reg_fini,
};

int
sim_controllers_register(struct sim *s, char *err, size_t errlen)
{
	struct ctl_ctx *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "controllers: out of memory");
		return -ENOMEM;
	}
	c->s = s;
	ctl_map_init(&c->nodes);
	ctl_map_init(&c->pods);
	sim_lock(s);
	if ((rc = ctl_sched_init(c)) < 0 || (rc = ctl_kubelet_init(c)) < 0 ||
	    (rc = ctl_rs_init(c)) < 0 || (rc = ctl_deploy_init(c)) < 0 ||
	    (rc = ctl_pdb_init(c)) < 0 || (rc = ctl_nodes_init(c)) < 0 ||
	    (rc = ctl_mco_init(c)) < 0 || (rc = ctl_machine_init(c)) < 0 ||
	    (rc = ctl_co_init(c)) < 0 || (rc = ctl_argo_init(c)) < 0) {
		sim_unlock(s);
		snprintf(err, errlen, "controllers: initialisation failed (%d)", rc);
		reg_fini(s, c);
		return rc;
	}
	sim_unlock(s);
	if ((rc = sim_controller_add(s, &reg_ops, c)) < 0) {
		snprintf(err, errlen, "controllers: out of memory");
		sim_lock(s);
		reg_fini(s, c);
		sim_unlock(s);
		return rc;
	}
	return 0;
}
