/*
 * detect-tool: runs the detect_layers engine over scenario files (Kubernetes Lists) and
 * prints the result, or times it over a synthetic cluster.  A developer aid and the
 * way the numbers in the report were measured; not part of strata-mcp.
 *
 *   detect-tool [-n NAMESPACE] [-r Kind/namespace/name] FILE.json
 *   detect-tool --synthetic NODES PODS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <jansson.h>

#include "strata/coord.h"
#include "strata/util.h"
#include "../unit/test_coord_detect_synth.h"

static int
run_synthetic(int nodes, int pods)
{
	struct coord_detect_request req = { 0 };
	struct coord_detect *d;
	struct rusage ru;
	uint64_t t0, t1, t2;
	char err[256];
	json_t *out;

	req.now = 1773480600;
	if ((d = coord_detect_new(&req)) == NULL)
		return 1;
	t0 = strata_now_ms();
	if (synth_cluster_feed(d, nodes, pods) < 0) {
		fprintf(stderr, "feed failed\n");
		return 1;
	}
	t1 = strata_now_ms();
	out = coord_detect_finish(d, err, sizeof(err));
	t2 = strata_now_ms();
	getrusage(RUSAGE_SELF, &ru);
	{	/* what building the pod JSON alone costs, to subtract from feed_ms */
		uint64_t b0 = strata_now_ms(), b1;
		int i;

		for (i = 0; i < pods; i++)
			json_decref(synth_pod("team-0", "svc-0", i, "node-1", NULL));
		b1 = strata_now_ms();
		printf("json_build_only_ms=%llu for %d pods\n", (unsigned long long)(b1 - b0), pods);
	}
	printf("nodes=%d pods=%d feed_ms=%llu (includes building each pod's JSON) finish_ms=%llu "
	    "max_rss_mb=%.1f\n", nodes, pods, (unsigned long long)(t1 - t0),
	    (unsigned long long)(t2 - t1), ru.ru_maxrss / 1024.0);
	if (out) {
		printf("summary: %s\n", json_string_value(json_object_get(out, "summary")));
		json_decref(out);
	}
	coord_detect_free(d);
	return out ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct coord_detect_request req = { 0 };
	struct coord_resource_ref ref = { 0 };
	struct coord_detect *d;
	json_error_t jerr;
	json_t *list, *out;
	char err[256], *spec = NULL;
	int i;

	if (argc == 4 && strcmp(argv[1], "--synthetic") == 0)
		return run_synthetic(atoi(argv[2]), atoi(argv[3]));
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-n") == 0)
			req.namespace = argv[++i];
		else if (strcmp(argv[i], "-r") == 0 && (spec = strdup(argv[++i])) != NULL) {
			ref.kind = strtok(spec, "/");
			ref.namespace = strtok(NULL, "/");
			ref.name = strtok(NULL, "/");
			req.resources = &ref;
			req.nresources = 1;
		}
	}
	if (argc < 2 || (list = json_load_file(argv[argc - 1], 0, &jerr)) == NULL) {
		fprintf(stderr, "usage: detect-tool [-n NS] [-r Kind/ns/name] FILE | --synthetic N P\n");
		return 2;
	}
	if ((d = coord_detect_new(&req)) == NULL || coord_detect_feed_list(d, list, err,
	    sizeof(err)) < 0 || (out = coord_detect_finish(d, err, sizeof(err))) == NULL) {
		fprintf(stderr, "detect: %s\n", err);
		return 1;
	}
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
	json_decref(list);
	coord_detect_free(d);
	free(spec);
	return 0;
}
