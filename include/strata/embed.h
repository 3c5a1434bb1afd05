#ifndef STRATA_EMBED_H
#define STRATA_EMBED_H

#include <stddef.h>

/*
 * Files compiled into the binary (the JSON files in schemas/, by tools/embed-schemas.sh), so an
 * installed strata-mcp needs no data directory.  `data` is NUL-terminated; `len`
 * excludes the NUL.  The table ends with an entry whose name is NULL.
 */
struct strata_embedded {
	const char	*name;	/* file name without ".json", e.g. "detect_layers.input" */
	const char	*data;
	size_t		 len;
};

extern const struct strata_embedded strata_schemas[];
extern const size_t strata_schemas_count;

/* Returns the embedded file called `name`, or NULL. */
const struct strata_embedded *strata_embedded_find(const char *name);

#endif
