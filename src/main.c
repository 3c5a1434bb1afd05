/*
 * strata-mcp: the MCP server over stdio.
 *
 * Startup order matters: fds 0-2 must exist before libuv creates its epoll fd (else that
 * fd lands on a closed slot and is mistaken for stdin); stdout is kept as a private
 * protocol fd and fd 1 is pointed at stderr, so nothing else (a library, a child, a stray
 * printf) can put a byte into the protocol stream; SIGPIPE is ignored so a vanished
 * client shows up as a write error.  The process ends when the client closes stdin (or
 * on SIGTERM/SIGINT): running calls are cancelled, queued messages are written, exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/coord_service.h"
#include "strata/kube.h"
#include "strata/mcp.h"
#include "strata/sim.h"
#include "strata/util.h"

#define LOGGER		"main"
#define GRACE_MS	5000	/* how long cancelled calls may take to wind down */

struct config {
	enum strata_log_level	 log_level;
	size_t			 max_message_bytes;
	size_t			 tools_page_size;
	const char		*kubeconfig;
	const char		*context;
	const char		*state_dir;
	const char		*simulate;	/* scenario file for the embedded cluster */
	double			 time_scale;
	bool			 read_only;
	bool			 check_cluster;
};

struct app {
	uv_loop_t		*loop;
	struct mcp_server	*srv;
	struct coord_service	*svc;
	struct sim		*sim;
	char			 simdir[64];	/* temp dir of --simulate: kubeconfig, state */
	struct mcp_stdio	*io;
	uv_signal_t		 sigterm, sigint;
	uv_timer_t		 grace;
	bool			 finishing;
	bool			 stopping;
};

/* ---- options: one line per flag ------------------------------------------------------- */

struct option_def {
	const char	*name;
	const char	*metavar;	/* NULL: takes no value */
	const char	*help;
	int		(*apply)(struct config *cfg, const char *value);
};

static int	opt_help(struct config *, const char *);
static int	opt_version(struct config *, const char *);

static int
parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int
opt_log_level(struct config *cfg, const char *v)
{
	return strata_log_level_parse(v, &cfg->log_level);
}

static int
opt_max_message(struct config *cfg, const char *v)
{
	/* At least room for an initialize request; at most 1 GiB. */
	return parse_size(v, 256, 1024ull * 1024 * 1024, &cfg->max_message_bytes);
}

static int
opt_page_size(struct config *cfg, const char *v)
{
	return parse_size(v, 0, 1000, &cfg->tools_page_size);
}

static int
opt_kubeconfig(struct config *cfg, const char *v)
{
	cfg->kubeconfig = v;
	return v[0] != '\0' ? 0 : -EINVAL;
}

static int
opt_context(struct config *cfg, const char *v)
{
	cfg->context = v;
	return v[0] != '\0' ? 0 : -EINVAL;
}

static int
opt_state_dir(struct config *cfg, const char *v)
{
	cfg->state_dir = v;
	return v[0] != '\0' ? 0 : -EINVAL;
}

static int
opt_simulate(struct config *cfg, const char *v)
{
	cfg->simulate = v;
	return v[0] != '\0' ? 0 : -EINVAL;
}

static int
opt_time_scale(struct config *cfg, const char *v)
{
	char *end;
	double f;

	errno = 0;
	f = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !(f >= 1.0 && f <= 1e6))
		return -EINVAL;
	cfg->time_scale = f;
	return 0;
}

static int
opt_read_only(struct config *cfg, const char *v)
{
	(void)v;
	cfg->read_only = true;
	return 0;
}

static int
opt_check_cluster(struct config *cfg, const char *v)
{
	(void)v;
	cfg->check_cluster = true;
	return 0;
}

static const struct option_def options[] = {
	{ "help", NULL, "print this help and exit", opt_help },
	{ "version", NULL, "print the version and exit", opt_version },
	{ "log-level", "LEVEL", "stderr log level: debug, info, notice, warning, error, "
	  "critical, alert, emergency (default info)", opt_log_level },
	{ "max-message-bytes", "N", "longest accepted message line (default 16777216)",
	  opt_max_message },
	{ "tools-page-size", "N", "tools per tools/list page, 0 = all (default 2)",
	  opt_page_size },
	{ "kubeconfig", "FILE", "kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, "
	  "or the in-cluster service account)", opt_kubeconfig },
	{ "context", "NAME", "kubeconfig context (default: its current-context)",
	  opt_context },
	{ "state-dir", "DIR", "where issues, plans and the execution journal live "
	  "(default $XDG_STATE_HOME/strata)", opt_state_dir },
	{ "read-only", NULL, "never change the cluster: execute and rollback refuse",
	  opt_read_only },
	{ "simulate", "SCENARIO", "host the strata-sim cluster in-process, loaded with "
	  "SCENARIO (a Kubernetes List file), and work on it", opt_simulate },
	{ "time-scale", "F", "with --simulate: simulated time runs F times faster, and "
	  "waits shrink with it (default 1)", opt_time_scale },
	{ "check-cluster", NULL, "print which cluster and credentials would be used, "
	  "test them, and exit 0 (usable) or 1", opt_check_cluster },
};

static void
usage(FILE *f)
{
	char left[64];
	size_t i;

	fprintf(f, "usage: strata-mcp [options]\n\n"
	    "An MCP server (stdio) that detects, plans, executes and rolls back repairs of\n"
	    "multi-layer OpenShift/Kubernetes incidents.  Speaks MCP 2024-11-05 through\n"
	    "2025-11-25 and the stateless 2026-07-28 on stdin/stdout; logs go to stderr.\n\n"
	    "options:\n");
	for (i = 0; i < STRATA_ARRAY_LEN(options); i++) {
		snprintf(left, sizeof(left), "--%s%s%s", options[i].name,
		    options[i].metavar != NULL ? " " : "",
		    options[i].metavar != NULL ? options[i].metavar : "");
		fprintf(f, "  %-26s %s\n", left, options[i].help);
	}
}

static int
opt_help(struct config *cfg, const char *v)
{
	(void)cfg;
	(void)v;
	usage(stdout);
	exit(0);
}

static int
opt_version(struct config *cfg, const char *v)
{
	(void)cfg;
	(void)v;
	printf("strata-mcp %s\n", STRATA_VERSION);
	exit(0);
}

static void
bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "strata-mcp: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n");
	usage(stderr);
	exit(2);
}

static void
parse_args(int argc, char **argv, struct config *cfg)
{
	const struct option_def *o;
	const char *arg, *value, *eq;
	size_t i, namelen;
	int k;

	for (k = 1; k < argc; k++) {
		arg = argv[k];
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			bad_usage("unexpected argument: %s", arg);
		arg += 2;
		eq = strchr(arg, '=');
		namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		o = NULL;
		for (i = 0; i < STRATA_ARRAY_LEN(options); i++) {
			if (strlen(options[i].name) == namelen &&
			    strncmp(options[i].name, arg, namelen) == 0)
				o = &options[i];
		}
		if (o == NULL)
			bad_usage("unknown option: %s", argv[k]);
		value = NULL;
		if (o->metavar != NULL) {
			if (eq != NULL)
				value = eq + 1;
			else if (k + 1 < argc)
				value = argv[++k];
			else
				bad_usage("option --%s needs a value", o->name);
		} else if (eq != NULL)
			bad_usage("option %s takes no value", argv[k]);
		if (o->apply(cfg, value) != 0) {
			fprintf(stderr, "strata-mcp: invalid value for --%s: %s\n\n", o->name,
			    value);
			usage(stderr);
			exit(2);
		}
	}
}

/* ---- process hygiene ------------------------------------------------------------------ */

/* git's sanitize_stdfds(): make sure 0, 1 and 2 are open before anything else gets an fd. */
static void
sanitize_stdfds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Returns the private protocol fd (close-on-exec); fd 1 then points at stderr. */
static int
protect_stdout(void)
{
	int proto;

	if ((proto = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		close(proto);
		return -errno;
	}
	return proto;
}

/* ---- shutdown ------------------------------------------------------------------------- */

static void
on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void
on_stdio_closed(void *arg)
{
	struct app *app = arg;

	app->io = NULL;
	coord_service_close(app->svc, NULL, NULL);	/* closes cluster clients */
	mcp_server_free(app->srv);	/* its send function pointed at the stdio */
	app->srv = NULL;
	uv_close((uv_handle_t *)&app->sigterm, on_handle_closed);
	uv_close((uv_handle_t *)&app->sigint, on_handle_closed);
	uv_close((uv_handle_t *)&app->grace, on_handle_closed);
}

/* Ends the process once input is over, every call is done and every message written. */
static void
maybe_finish(void *arg)
{
	struct app *app = arg;

	if (app->finishing || app->io == NULL || !mcp_stdio_drained(app->io) ||
	    !mcp_server_idle(app->srv))
		return;
	app->finishing = true;
	log_debug(LOGGER, "input closed and output drained: exiting");
	mcp_stdio_close(app->io, on_stdio_closed, app);
}

static void
on_grace(uv_timer_t *t)
{
	struct app *app = t->data;

	log_warn(LOGGER, "calls did not finish within %d ms of shutdown: exiting anyway",
	    GRACE_MS);
	uv_stop(app->loop);
}

static void
begin_shutdown(struct app *app, const char *why)
{
	if (!app->stopping) {
		app->stopping = true;
		log_info(LOGGER, "shutting down: %s", why);
		uv_timer_start(&app->grace, on_grace, GRACE_MS, 0);
		uv_unref((uv_handle_t *)&app->grace);
	}
	mcp_stdio_stop_reading(app->io);
	maybe_finish(app);
}

static void
on_server_idle(void *arg)
{
	struct app *app = arg;

	begin_shutdown(app, "input closed");
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct app *app = s->data;

	if (app->stopping && app->io != NULL && !app->finishing) {
		log_warn(LOGGER, "second signal: exiting now");
		uv_stop(app->loop);
		return;
	}
	if (app->io != NULL)
		begin_shutdown(app, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/*
 * --simulate: the embedded strata-sim on a loopback port, a private kubeconfig that
 * points at it, and (unless --state-dir is given) a private state directory, both in a
 * temp directory removed at exit.  The server then talks to the simulated cluster over
 * HTTP through the same client it uses for a real one.
 */
static int
start_simulation(struct app *app, struct config *cfg, char *kubeconfig, size_t klen,
    char *state, size_t slen)
{
	struct sim_options so;
	char err[512];

	snprintf(app->simdir, sizeof(app->simdir), "%s/strata-sim-XXXXXX",
	    getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 32 ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(app->simdir) == NULL) {
		log_error(LOGGER, "--simulate: cannot create a temp directory: %s",
		    strerror(errno));
		app->simdir[0] = '\0';
		return -1;
	}
	memset(&so, 0, sizeof(so));
	so.scenario_path = cfg->simulate;
	so.time_scale = cfg->time_scale;
	if ((app->sim = sim_start(&so, err, sizeof(err))) == NULL) {
		log_error(LOGGER, "--simulate %s: %s", cfg->simulate, err);
		return -1;
	}
	snprintf(kubeconfig, klen, "%s/kubeconfig", app->simdir);
	snprintf(state, slen, "%s/state", app->simdir);
	if (sim_write_kubeconfig(app->sim, kubeconfig, err, sizeof(err)) != 0) {
		log_error(LOGGER, "--simulate: %s", err);
		return -1;
	}
	cfg->kubeconfig = kubeconfig;
	cfg->context = NULL;
	if (cfg->state_dir == NULL)
		cfg->state_dir = state;
	log_info(LOGGER, "simulated cluster from %s at %s (time scale %g)", cfg->simulate,
	    sim_url(app->sim), cfg->time_scale);
	return 0;
}

static void
stop_simulation(struct app *app)
{
	char cmd[128];

	if (app->sim != NULL) {
		sim_stop(app->sim);
		app->sim = NULL;
	}
	if (app->simdir[0] != '\0') {
		/* The name is ours (mkdtemp) and has no quote in it. */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", app->simdir);
		if (system(cmd) != 0)
			log_warn(LOGGER, "could not remove %s", app->simdir);
		app->simdir[0] = '\0';
	}
}

static int
start_service(struct app *app, struct config *cfg)
{
	static char kubeconfig[128], state[128];
	struct coord_service_options co;
	char err[512];

	if (cfg->simulate != NULL &&
	    start_simulation(app, cfg, kubeconfig, sizeof(kubeconfig), state,
	    sizeof(state)) != 0)
		return -1;
	memset(&co, 0, sizeof(co));
	co.kubeconfig = cfg->kubeconfig;
	co.context = cfg->context;
	co.state_dir = cfg->state_dir;
	co.read_only = cfg->read_only;
	co.time_scale = cfg->time_scale;
	if (coord_service_new(app->loop, app->srv, &co, &app->svc, err, sizeof(err)) != 0) {
		log_error(LOGGER, "%s", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg = { STRATA_LOG_INFO, MCP_DEFAULT_MAX_MESSAGE, MCP_DEFAULT_TOOLS_PAGE,
	    NULL, NULL, NULL, NULL, 1.0, false, false };
	struct mcp_server_options sopt;
	struct mcp_stdio_options iopt;
	struct app app;
	int proto, rc;

	sanitize_stdfds();
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &cfg);
	strata_log_set_level(cfg.log_level);
	if (cfg.check_cluster) {
		struct kube_config_options ko = { cfg.kubeconfig, cfg.context, 0 };

		return kube_check_cluster(&ko, 0);
	}
	if ((proto = protect_stdout()) < 0) {
		log_error(LOGGER, "cannot set up the protocol fd: %s", strerror(-proto));
		return 1;
	}

	memset(&app, 0, sizeof(app));
	app.loop = uv_default_loop();
	memset(&iopt, 0, sizeof(iopt));
	iopt.in_fd = STDIN_FILENO;
	iopt.out_fd = proto;
	if ((rc = mcp_stdio_new(app.loop, &iopt, &app.io)) != 0) {
		log_error(LOGGER, "cannot start the stdio transport: %s", uv_strerror(rc));
		return 1;
	}
	memset(&sopt, 0, sizeof(sopt));
	sopt.max_message_bytes = cfg.max_message_bytes;
	sopt.tools_page_size = cfg.tools_page_size;
	sopt.validate_output = -1;
	if ((app.srv = mcp_server_new(app.loop, &sopt, mcp_stdio_send, app.io)) == NULL) {
		log_error(LOGGER, "out of memory");
		return 1;
	}
	if (start_service(&app, &cfg) != 0)
		return 1;
	mcp_server_on_idle(app.srv, on_server_idle, &app);
	mcp_stdio_on_drained(app.io, maybe_finish, &app);

	uv_timer_init(app.loop, &app.grace);
	app.grace.data = &app;
	uv_signal_init(app.loop, &app.sigterm);
	uv_signal_init(app.loop, &app.sigint);
	app.sigterm.data = app.sigint.data = &app;
	uv_signal_start(&app.sigterm, on_signal, SIGTERM);
	uv_signal_start(&app.sigint, on_signal, SIGINT);
	/* Signals must not keep the loop alive once the transport is gone. */
	uv_unref((uv_handle_t *)&app.sigterm);
	uv_unref((uv_handle_t *)&app.sigint);

	log_debug(LOGGER, "strata-mcp %s starting (max message %zu bytes)", STRATA_VERSION,
	    cfg.max_message_bytes);
	mcp_stdio_start(app.io, app.srv);
	uv_run(app.loop, UV_RUN_DEFAULT);

	if (app.srv != NULL) {
		/* Forced exit (grace timeout or second signal): nothing more is written. */
		mcp_server_free(app.srv);
		stop_simulation(&app);
		return 0;
	}
	uv_run(app.loop, UV_RUN_DEFAULT);	/* the clients' close callbacks */
	coord_service_free(app.svc);
	stop_simulation(&app);
	rc = uv_loop_close(app.loop);
	if (rc != 0)
		log_debug(LOGGER, "loop closed with handles open: %s", uv_strerror(rc));
	return 0;
}
