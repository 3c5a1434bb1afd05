#ifndef STRATA_SIM_H
#define STRATA_SIM_H

/*
 * strata-sim embedded: a kube-apiserver simulator (with its controllers) served on a
 * loopback port from threads of its own, so a process (strata-mcp --simulate, the tests)
 * can host a cluster and talk to it through its ordinary HTTP client.
 *
 *	struct sim_options opt = { .scenario_path = "examples/scenarios/healthy.json",
 *	                           .time_scale = 60 };
 *	char err[256];
 *	struct sim *s = sim_start(&opt, err, sizeof(err));
 *	if (s == NULL) { log_error("sim", "%s", err); ... }
 *	... talk to sim_url(s) with "Authorization: Bearer <sim_token(s)>" ...
 *	sim_stop(s);
 *
 * Threads: libmicrohttpd serves requests from its own threads; the controllers run in one
 * simulator thread driven by writes and a tick.  All the functions below are safe to call
 * from any thread, except sim_stop() which must not race with other calls on the same sim.
 * Behaviour, flags and fault specs are documented in docs/simulator.md.
 */

#include <stddef.h>

struct sim_options {
	const char *scenario_path;   /* a Kubernetes List file (kubectl get -A -o json output), or NULL */
	const char *generate;        /* "nodes=N,pods=M,..." or NULL */
	const char *listen;          /* "127.0.0.1:0" default: a free loopback port */
	const char *token;           /* bearer token required; NULL → a random one is made */
	const char *tls_cert, *tls_key, *client_ca;  /* PEM paths; NULL → plain HTTP */
	double time_scale;           /* 1.0 = real time; 60 = a minute passes in a second; 0 → 1.0 */
	const char *faults;          /* initial fault specs, ';'-separated, or NULL */
	/* Additions (zero = default; callers that zero-initialise keep working): */
	unsigned continue_ttl_s;     /* lifetime of list continue tokens; 0 → 300 s (then 410 Expired) */
	int api_only;                /* non-zero: no controllers (tests of the API alone) */
};

struct sim;

/*
 * Loads the scenario and/or generated objects, binds the listener and starts serving.
 * All strings of `opt` are copied.  Returns a new simulator (release it with sim_stop())
 * or NULL with a human message in `err`.
 */
struct sim *sim_start(const struct sim_options *opt, char *err, size_t errlen);

/* "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT"; borrowed, valid until sim_stop(). */
const char *sim_url(const struct sim *s);
/* The bearer token clients must send; borrowed, valid until sim_stop(). */
const char *sim_token(const struct sim *s);

/*
 * Writes a kubeconfig (mode 0600) with one cluster/user/context "strata-sim" pointing at
 * the simulator: server URL, the token, and for TLS the serving certificate as
 * certificate-authority-data.  Returns 0 or a negative errno with a message.
 */
int	sim_write_kubeconfig(const struct sim *s, const char *path, char *err, size_t errlen);

/*
 * Adds one fault spec (or several, ';'-separated), e.g.
 * "method=GET,path=/api/v1/pods*,status=429,retry_after=2,count=1".
 * Returns 0, or -EINVAL with a message (nothing added then).
 */
int	sim_fault_add(struct sim *s, const char *spec, char *err, size_t errlen);
/* Removes every fault. */
void	sim_fault_clear(struct sim *s);

/* Stops serving, joins every thread and frees everything.  NULL is ignored. */
void	sim_stop(struct sim *s);

#endif
