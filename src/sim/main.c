/*
 * strata-sim: a kube-apiserver simulator for kubectl and strata-mcp.  Prints its URL on
 * stdout (one line), logs to stderr, serves until SIGINT/SIGTERM.  See docs/simulator.md.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/sim.h"
#include "strata/util.h"

#define MAX_FAULTS	64

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: strata-sim [--scenario FILE] [--generate nodes=N,pods=M,...]\n"
	    "                  [--listen HOST:PORT] [--token TOKEN] [--kubeconfig-out FILE]\n"
	    "                  [--tls-cert PEM --tls-key PEM [--client-ca PEM]]\n"
	    "                  [--time-scale F] [--fault SPEC]... [--continue-ttl SECONDS]\n"
	    "                  [--log-level LEVEL]\n");
}

int
main(int argc, char **argv)
{
	struct sim_options opt;
	struct sim *s;
	const char *kubeconfig = NULL;
	char faults[MAX_FAULTS * 256] = "", err[512];
	sigset_t set;
	int i, sig;

	memset(&opt, 0, sizeof(opt));
	opt.time_scale = 1.0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			printf("strata-sim %s\n", STRATA_VERSION);
			return 0;
		}
		if (v == NULL) {
			fprintf(stderr, "strata-sim: %s needs a value\n", a);
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--scenario") == 0)
			opt.scenario_path = v;
		else if (strcmp(a, "--generate") == 0)
			opt.generate = v;
		else if (strcmp(a, "--listen") == 0)
			opt.listen = v;
		else if (strcmp(a, "--token") == 0)
			opt.token = v;
		else if (strcmp(a, "--tls-cert") == 0)
			opt.tls_cert = v;
		else if (strcmp(a, "--tls-key") == 0)
			opt.tls_key = v;
		else if (strcmp(a, "--client-ca") == 0)
			opt.client_ca = v;
		else if (strcmp(a, "--kubeconfig-out") == 0)
			kubeconfig = v;
		else if (strcmp(a, "--time-scale") == 0) {
			char *end;

			opt.time_scale = strtod(v, &end);
			if (*end != '\0' || opt.time_scale <= 0 || opt.time_scale > 1e6) {
				fprintf(stderr, "strata-sim: --time-scale must be > 0\n");
				return 2;
			}
		} else if (strcmp(a, "--continue-ttl") == 0) {
			long t = strtol(v, NULL, 10);

			if (t < 1) {
				fprintf(stderr, "strata-sim: --continue-ttl must be >= 1\n");
				return 2;
			}
			opt.continue_ttl_s = (unsigned)t;
		} else if (strcmp(a, "--fault") == 0) {
			size_t l = strlen(faults);

			if (l + strlen(v) + 2 >= sizeof(faults)) {
				fprintf(stderr, "strata-sim: too many --fault specs\n");
				return 2;
			}
			snprintf(faults + l, sizeof(faults) - l, "%s%s", l ? ";" : "", v);
		} else if (strcmp(a, "--log-level") == 0) {
			enum strata_log_level lv;

			if (strata_log_level_parse(v, &lv) < 0) {
				fprintf(stderr, "strata-sim: unknown log level %s\n", v);
				return 2;
			}
			strata_log_set_level(lv);
		} else {
			fprintf(stderr, "strata-sim: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (faults[0])
		opt.faults = faults;

	/* Signals are taken synchronously; every thread started after this inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	s = sim_start(&opt, err, sizeof(err));
	if (s == NULL) {
		log_error("sim", "%s", err);
		return 1;
	}
	if (kubeconfig != NULL && sim_write_kubeconfig(s, kubeconfig, err, sizeof(err)) < 0) {
		log_error("sim", "%s", err);
		sim_stop(s);
		return 1;
	}
	printf("%s\n", sim_url(s));
	fflush(stdout);
	sigwait(&set, &sig);
	log_info("sim", "signal %d: stopping", sig);
	sim_stop(s);
	return 0;
}
