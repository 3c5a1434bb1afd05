/*
 * The controller registry: sim_start() calls sim_controllers_register() once, after the
 * scenario is loaded and before serving starts.  Each controller (src/sim/ctl_*.c) is
 * added here with sim_controller_add().  The controllers engineer owns this file.
 */
#include <stddef.h>

#include "sim_internal.h"

int
sim_controllers_register(struct sim *s, char *err, size_t errlen)
{
	(void)s;
	(void)err;
	(void)errlen;
	return 0;
}
