/*
 * Kubernetes resource quantities ("250m", "2", "1.5", "64Mi", "1G", "129e6") as integers,
 * rounded up as the API server rounds them.  One parser for the simulator's scheduler,
 * detection (requests vs allocatable) and planning (drain capacity), so that the three
 * never disagree about how much room a node has.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/util.h"

static const struct {
	const char	*suffix;
	double		 mul;
} quantity_suffixes[] = {
	{ "", 1.0 }, { "m", 1e-3 },
	{ "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "T", 1e12 }, { "P", 1e15 }, { "E", 1e18 },
	{ "Ki", 1024.0 }, { "Mi", 1048576.0 }, { "Gi", 1073741824.0 },
	{ "Ti", 1099511627776.0 }, { "Pi", 1125899906842624.0 },
	{ "Ei", 1152921504606846976.0 },
};

/* The quantity in base units (a core, a byte) as a double; -1 when it is not one. */
static double
quantity_value(const char *q)
{
	char *end;
	double v;
	size_t i;

	if (q == NULL || *q == '\0' || *q == '-' || *q == '+')
		return -1;
	v = strtod(q, &end);
	if (end == q || !isfinite(v) || v < 0)
		return -1;
	for (i = 0; i < STRATA_ARRAY_LEN(quantity_suffixes); i++)
		if (strcmp(end, quantity_suffixes[i].suffix) == 0)
			return v * quantity_suffixes[i].mul;
	return -1;
}

int64_t
strata_quantity_milli(const char *q)
{
	double v = quantity_value(q);

	if (v < 0 || v * 1000.0 >= 9.2e18)
		return -1;
	/* ceil after removing float noise: "0.1" is 100m, not 101m */
	return (int64_t)ceil(v * 1000.0 - 1e-9);
}

int64_t
strata_quantity_bytes(const char *q)
{
	double v = quantity_value(q);

	if (v < 0 || v >= 9.2e18)
		return -1;
	return (int64_t)ceil(v - 1e-9);
}
