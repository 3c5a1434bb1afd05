/*
 * bench/kube-list: lists every pod of a cluster page by page through the kube client
 * and reports seconds, MB/s and peak RSS.  The point is that the peak RSS does not grow
 * with the cluster: only one page is ever held.
 *
 *	kube-list-bench --kubeconfig FILE [--limit N]
 *
 * Prints one logfmt line on stdout: pods=… pages=… bytes=… seconds=… mb_per_s=…
 * peak_rss_mb=…; exits 1 on error.  Not a test: run it with `make bench-kube-list`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "strata/kube.h"
#include "strata/util.h"

struct state {
	size_t	 pods, pages, bytes;
	int	 done, failed;
	char	 msg[600];
};

static int
on_page(struct kube_request *req, const struct kube_page *p, void *arg)
{
	struct state *st = arg;

	st->pods = p->items_total;
	st->pages++;
	st->bytes += p->bytes;
	return 0;
}

static void
on_done(struct kube_request *req, json_t *res, const struct kube_error *err, void *arg)
{
	struct state *st = arg;

	st->done = 1;
	if (err != NULL) {
		st->failed = 1;
		snprintf(st->msg, sizeof(st->msg), "%s", err->message);
	}
}

int
main(int argc, char **argv)
{
	struct kube_config_options co = { NULL, NULL, 0 };
	struct kube_client_options cl;
	struct kube_ref pods = KUBE_REF_POD(NULL, NULL);
	struct kube_config *cfg;
	struct kube_client *c;
	struct kube_opts o;
	struct rusage ru;
	struct state st;
	uv_loop_t loop;
	uint64_t t0, t1;
	char err[1024];
	double secs;
	int i;

	memset(&o, 0, sizeof(o));
	o.limit = 500;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--kubeconfig") == 0 && i + 1 < argc)
			co.kubeconfig = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			o.limit = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s --kubeconfig FILE [--limit N]\n", argv[0]);
			return 2;
		}
	}
	if (kube_config_load(&co, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "kube-list: %s\n", err);
		return 1;
	}
	uv_loop_init(&loop);
	memset(&cl, 0, sizeof(cl));
	cl.timeout_ms = 120000;
	if ((c = kube_client_new(&loop, cfg, &cl, err, sizeof(err))) == NULL) {
		fprintf(stderr, "kube-list: %s\n", err);
		return 1;
	}
	memset(&st, 0, sizeof(st));
	t0 = strata_now_ms();
	if (kube_list(c, &pods, &o, on_page, on_done, &st, err, sizeof(err)) == NULL) {
		fprintf(stderr, "kube-list: %s\n", err);
		return 1;
	}
	while (!st.done && uv_run(&loop, UV_RUN_ONCE) != 0)
		;
	t1 = strata_now_ms();
	kube_client_close(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (st.failed) {
		fprintf(stderr, "kube-list: %s\n", st.msg);
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	secs = (double)(t1 - t0) / 1000.0;
	printf("pods=%zu pages=%zu limit=%u bytes=%zu seconds=%.2f mb_per_s=%.1f "
	    "pods_per_s=%.0f peak_rss_mb=%.1f\n", st.pods, st.pages, o.limit, st.bytes, secs,
	    secs > 0 ? (double)st.bytes / 1e6 / secs : 0.0,
	    secs > 0 ? (double)st.pods / secs : 0.0, (double)ru.ru_maxrss / 1024.0);
	return 0;
}
