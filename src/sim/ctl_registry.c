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

struct ctl_module {
	int	(*init)(struct ctl_ctx *c);
	void	(*change)(struct ctl_ctx *c, const struct sim_change *ch, const json_t *obj);
	void	(*tick)(struct ctl_ctx *c, uint64_t now_ms);
	void	(*fini)(struct ctl_ctx *c);
};

#define MODULE(m)	{ ctl_##m##_init, ctl_##m##_change, ctl_##m##_tick, ctl_##m##_fini }

/* In dependency order: fini runs backwards. */
static const struct ctl_module modules[] = {
	MODULE(sched),
	MODULE(kubelet),
	MODULE(rs),
	MODULE(deploy),
	MODULE(pdb),
	MODULE(nodes),
	MODULE(mco),
	MODULE(machine),
	MODULE(co),
	MODULE(argo),
	MODULE(ds),
};
#define NMODULES	STRATA_ARRAY_LEN(modules)

static void
reg_change(struct sim *s, const struct sim_change *ch, void *state)
{
	struct ctl_ctx *c = state;
	const char *n1 = NULL, *n2 = NULL;
	json_t *obj = NULL;
	size_t i;

	(void)s;
	if (ch->type == SIM_CHANGE_RESYNC) {
		log_warn("sim.ctl", "change feed overflowed: rebuilding indexes");
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
	for (i = 0; i < NMODULES; i++)
		modules[i].change(c, ch, obj);
	json_decref(obj);
}

static void
reg_tick(struct sim *s, uint64_t now_ms, void *state)
{
	struct ctl_ctx *c = state;
	size_t i;

	(void)s;
	for (i = 0; i < NMODULES; i++)
		modules[i].tick(c, now_ms);
}

static void
reg_fini(struct sim *s, void *state)
{
	struct ctl_ctx *c = state;
	size_t i;

	(void)s;
	for (i = NMODULES; i-- > 0; )
		modules[i].fini(c);
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
	size_t i;
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "controllers: out of memory");
		return -ENOMEM;
	}
	c->s = s;
	ctl_map_init(&c->nodes);
	ctl_map_init(&c->pods);
	sim_lock(s);
	for (i = 0; i < NMODULES; i++) {
		if ((rc = modules[i].init(c)) < 0) {
			sim_unlock(s);
			snprintf(err, errlen, "controllers: initialisation failed (%d)", rc);
			reg_fini(s, c);
			return rc;
		}
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
