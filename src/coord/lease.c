/*
 * Cross-process exclusion: one coordination.k8s.io/v1 Lease per plan target, in the
 * run's lease namespace, named "strata-" + the first 20 hex digits of SHA-256 of the
 * target's lock key (coord_lock_key: a stable, DNS-safe name).  client-go's algorithm
 * (reference k8s-api.md §9): GET; 404 → POST (409 AlreadyExists: someone else won);
 * held by another holder and not expired → refuse, naming the holder; expired, ours, or
 * left by an earlier run of the same execution (a rollback after a crash) → PUT the
 * object read, resourceVersion included, so a concurrent taker gets 409.  Renewed by a
 * merge patch carrying the last resourceVersion (a 409 there means the Lease was lost,
 * which is logged: the in-process lock still guards this process).  Released by DELETE
 * with a resourceVersion precondition, so a Lease taken over meanwhile is left alone.
 *
 * Expiry, as client-go judges it, is never read off another machine's clock: a Lease
 * whose renewTime + leaseDurationSeconds lies in our past only makes it a suspect (its
 * holder may be dead, or alive with a clock behind ours).  We then watch it for one full
 * leaseDurationSeconds of our own monotonic time (scaled by --time-scale, like every
 * wait).  If its resourceVersion did not move, nobody renewed it and it is taken over
 * with that resourceVersion as a precondition; if it moved, its holder is alive and the
 * target is refused.  A takeover thus costs one lease duration, paid only after a crash.
 * A renewTime in our future (a holder's clock ahead of ours) just refuses: the safe side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "exec_int.h"
#include "strata/util.h"

#define ANN_TARGET	"strata.dev/target"
#define ANN_EXEC	"strata.dev/execution"

int
lease_name_for(const char *key, char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[41];

	if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -EIO;
	for (i = 0; i < 20 && i < mdlen * 2; i++)
		hex[i] = "0123456789abcdef"[(md[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	hex[i] = '\0';
	snprintf(out, 64, "strata-%s", hex);
	return 0;
}

static void
micro_now(char out[40])
{
	struct timespec ts;
	struct tm tm;
	char b[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%.20s.%06dZ", b, (int)(ts.tv_nsec / 1000) % 1000000);
}

static bool
lease_expired(const json_t *lease)
{
	time_t t;
	long long dur = exec_jint(lease, "spec.leaseDurationSeconds", 0);

	if (strata_time_parse_rfc3339(exec_jstr(lease, "spec.renewTime"), &t) != 0)
		return true;	/* never renewed: nobody holds it */
	return (long long)t + dur < (long long)time(NULL);
}

static void
keep_rv(struct exec_lease *l, const json_t *obj)
{
	const char *rv = exec_jstr(obj, "metadata.resourceVersion");

	snprintf(l->rv, sizeof(l->rv), "%s", rv ? rv : "");
}

/* Held by a live-looking other holder: not ours, not left by this very execution. */
static bool
held_by_other(const struct coord_run *r, const json_t *lease)
{
	const char *holder = exec_jstr(lease, "spec.holderIdentity");
	const char *ex = exec_jstr(lease, "metadata.annotations." ANN_EXEC);

	return holder != NULL && *holder && strcmp(holder, r->holder) != 0 &&
	    (ex == NULL || strcmp(ex, r->exec_id) != 0);
}

/*
 * t->resp is Lease l held by another holder.  Returns TASK_DONE when it may be taken
 * over now (nobody renewed it through a whole lease duration of watching); otherwise
 * the task's refusal, or its wait before the next look.  t->scratch "observed" keeps
 * {name, rv} of the look that started the watch.
 */
static int
observe_suspect(struct exec_task *t, struct exec_lease *l, const char *holder)
{
	struct coord_run *r = t->run;
	const json_t *ob = json_object_get(t->scratch, "observed");
	const char *rv = exec_jstr(t->resp, "metadata.resourceVersion");
	const char *renewed = exec_jstr(t->resp, "spec.renewTime");
	long long dur = exec_jint(t->resp, "spec.leaseDurationSeconds", 0);
	bool watched = ob != NULL && exec_jstr(ob, "name") != NULL &&
	    strcmp(exec_jstr(ob, "name"), l->name) == 0;

	if (r->cancel)
		return task_fail(t, "cancelled while waiting for a stale Lease");
	if (!lease_expired(t->resp) || (watched && (rv == NULL ||
	    exec_jstr(ob, "rv") == NULL || strcmp(rv, exec_jstr(ob, "rv")) != 0))) {
		json_object_del(t->scratch, "observed");
		if (watched)
			return task_fail(t, "target %s is held by another Strata server "
			    "(Lease %s/%s, holder %s): it looked expired by our clock "
			    "(renewed %s, for %lld s) but was renewed while we watched it, so "
			    "its holder is alive and one of the two clocks is off; wait for "
			    "its run to finish", l->key, r->lease_ns, l->name, holder,
			    renewed ? renewed : "never", dur);
		return task_fail(t, "target %s is held by another Strata server (Lease "
		    "%s/%s, holder %s, renewed %s, for %lld s): wait for its run to "
		    "finish", l->key, r->lease_ns, l->name, holder,
		    renewed ? renewed : "never", dur);
	}
	if (watched || r->dry_run) {
		/*
		 * A whole lease duration without a renewal: its holder is gone.  A dry run
		 * does not wait; its PUT (dryRun=All) shows the takeover would be accepted.
		 */
		snprintf(l->taken_from, sizeof(l->taken_from), "%s", holder);
		json_object_del(t->scratch, "observed");
		if (!r->dry_run)
			log_info("exec", "%s: Lease %s/%s of %s was not renewed by %s in "
			    "%lld s of watching: taking it over", r->exec_id, r->lease_ns,
			    l->name, l->key, holder, dur);
		return TASK_DONE;
	}
	json_object_set_new(t->scratch, "observed", json_pack("{s:s, s:s}", "name",
	    l->name, "rv", rv ? rv : ""));
	log_info("exec", "%s: Lease %s/%s of %s, held by %s, looks expired by our clock "
	    "(renewed %s, for %lld s); watching it for %lld s before taking it over",
	    r->exec_id, r->lease_ns, l->name, l->key, holder, renewed ? renewed : "never",
	    dur, dur);
	task_set_what(t, "waiting %lld s to see whether %s still renews Lease %s/%s",
	    dur, holder, r->lease_ns, l->name);
	t->phase = 0;
	return task_later(t, exec_scaled_ms(r, (double)(dur > 0 ? dur : 1)));
}

/* Acquires r->leases[r->lease_i …]: phase 0 GET, 1 after GET, 2 after POST/PUT. */
int
lease_acquire_fn(struct exec_task *t)
{
	struct coord_run *r = t->run;
	struct exec_lease *l;
	struct kube_ref ref;
	char now[40];
	json_t *body;
	const char *holder;

	for (;;) {
		if (r->lease_i >= r->nleases)
			return TASK_DONE;
		l = &r->leases[r->lease_i];
		ref = KUBE_REF_LEASE(r->lease_ns, l->name);
		micro_now(now);
		switch (t->phase) {
		case 0:
			t->phase = 1;
			return task_get(t, &ref);
		case 1:
			if (t->kerr.code != 0 && t->kerr.http_status != 404)
				return task_fail_kerr(t, "reading the Lease of a target");
			if (t->kerr.code != 0) {
				body = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s, "
				    "s:i, s:s, s:s, s:i}}", "apiVersion", "coordination.k8s.io/v1",
				    "kind", "Lease", "metadata", "name", l->name, "namespace",
				    r->lease_ns, "annotations", ANN_TARGET, l->key, ANN_EXEC,
				    r->exec_id, "spec", "holderIdentity", r->holder,
				    "leaseDurationSeconds", (int)r->o.lease_duration_s,
				    "acquireTime", now, "renewTime", now, "leaseTransitions", 0);
				t->phase = 2;
				json_object_set_new(t->scratch, "verb", json_string("POST"));
				{
					int rc;

					ref.name = NULL;	/* POST to the collection */
					rc = task_create(t, &ref, body);

					json_decref(body);
					return rc;
				}
			}
			holder = exec_jstr(t->resp, "spec.holderIdentity");
			if (held_by_other(r, t->resp)) {
				int rc = observe_suspect(t, l, holder);

				if (rc != TASK_DONE)
					return rc;	/* failed, or watching it */
			}
			body = json_deep_copy(t->resp);
			if (body == NULL)
				return task_fail(t, "out of memory");
			if (holder == NULL || strcmp(holder, r->holder) != 0) {
				json_object_set_new(json_object_get(body, "spec"),
				    "acquireTime", json_string(now));
				json_object_set_new(json_object_get(body, "spec"),
				    "leaseTransitions", json_integer(exec_jint(body,
				    "spec.leaseTransitions", 0) + 1));
			}
			json_object_set_new(json_object_get(body, "spec"), "holderIdentity",
			    json_string(r->holder));
			json_object_set_new(json_object_get(body, "spec"), "renewTime",
			    json_string(now));
			json_object_set_new(json_object_get(body, "spec"),
			    "leaseDurationSeconds", json_integer(r->o.lease_duration_s));
			if (!json_is_object(exec_jget(body, "metadata.annotations")))
				json_object_set_new(json_object_get(body, "metadata"),
				    "annotations", json_object());
			json_object_set_new(exec_jget(body, "metadata.annotations"), ANN_TARGET,
			    json_string(l->key));
			json_object_set_new(exec_jget(body, "metadata.annotations"), ANN_EXEC,
			    json_string(r->exec_id));
			t->phase = 2;
			json_object_set_new(t->scratch, "verb", json_string("PUT"));
			{
				int rc = task_replace(t, &ref, body);

				json_decref(body);
				return rc;
			}
		case 2:
			if (t->kerr.code != 0 && t->kerr.http_status == 409)
				return task_fail(t, "target %s: another Strata server took Lease "
				    "%s/%s at the same moment; try again when its run is over",
				    l->key, r->lease_ns, l->name);
			if (t->kerr.code != 0 && t->kerr.http_status == 404)
				return task_fail(t, "cannot create Lease %s/%s: namespace %s does "
				    "not exist (choose an existing lease namespace)", r->lease_ns,
				    l->name, r->lease_ns);
			if (t->kerr.code != 0)
				return task_fail_kerr(t, "taking the Lease of a target");
			keep_rv(l, t->resp);
			l->held = true;
			l->taken = true;
			r->lease_i++;
			t->phase = 0;
			continue;
		default:
			return task_fail(t, "lease: bad state");
		}
	}
}

/*
 * Phase 1: the DELETE answered.  A 409 means the resourceVersion moved: a renewal of
 * ours that was in flight, or a takeover.  Phase 2 re-reads: still ours → delete again
 * with the new resourceVersion (a few times); someone else's → leave it alone.
 */
int
lease_release_fn(struct exec_task *t)
{
	struct coord_run *r = t->run;

	if (t->phase == 1 && t->kerr.http_status == 409 && t->conflicts < 3) {
		struct kube_ref ref = KUBE_REF_LEASE(r->lease_ns, r->leases[r->lease_i].name);

		t->conflicts++;
		t->phase = 2;
		return task_get(t, &ref);
	}
	if (t->phase == 2) {
		const char *h = exec_jstr(t->resp, "spec.holderIdentity");

		if (t->kerr.code == 0 && h != NULL && strcmp(h, r->holder) == 0) {
			keep_rv(&r->leases[r->lease_i], t->resp);
			t->phase = 0;
			return lease_release_fn(t);
		}
		r->leases[r->lease_i].held = false;	/* gone, or not ours any more */
		r->lease_i++;
		t->conflicts = 0;
		t->phase = 0;
		return lease_release_fn(t);
	}
	if (t->phase == 1) {
		if (t->kerr.code != 0 && t->kerr.http_status != 404 &&
		    t->kerr.http_status != 409)
			log_warn("exec", "%s: Lease %s/%s not released (%s); it expires in "
			    "%u s", r->exec_id, r->lease_ns, r->leases[r->lease_i].name,
			    t->kerr.message, r->o.lease_duration_s);
		r->leases[r->lease_i].held = t->kerr.code != 0 &&
		    t->kerr.http_status != 404 && t->kerr.http_status != 409;
		r->lease_i++;
		t->conflicts = 0;
		t->phase = 0;
	}
	while (r->lease_i < r->nleases && !r->leases[r->lease_i].held)
		r->lease_i++;
	if (r->lease_i >= r->nleases)
		return TASK_DONE;
	{
		struct exec_lease *l = &r->leases[r->lease_i];
		struct kube_ref ref = KUBE_REF_LEASE(r->lease_ns, l->name);
		json_t *pre = json_pack("{s:s}", "resourceVersion", l->rv);
		int rc;

		t->phase = 1;
		rc = task_delete(t, &ref, pre);
		json_decref(pre);
		/* what the result reports: the Lease was ours and is given back */
		return rc;
	}
}

/* ---- renewal ---------------------------------------------------------------------- */

struct renew_ticket {
	struct coord_run	*r;
	size_t			 i;
};

static void
renew_done(struct kube_request *req, json_t *result, const struct kube_error *err,
    void *arg)
{
	struct renew_ticket *tk = arg;
	struct coord_run *r = tk->r;
	char path[300], e[200];

	(void)req;
	if (r != NULL) {
		struct exec_lease *l = &r->leases[tk->i];
		struct kube_ref ref = KUBE_REF_LEASE(r->lease_ns, l->name);

		l->renewing = NULL;
		kube_ref_path(&ref, path, sizeof(path));
		coord_exec_audit(r->ex, "PATCH", path, err ? (int)err->http_status : 200,
		    false, -1, e, sizeof(e));
		if (err == NULL)
			keep_rv(l, result);
		else if (err->http_status == 409 || err->http_status == 404)
			log_error("exec", "%s: Lease %s/%s for %s was lost (%s); the "
			    "in-process lock still guards this server", r->exec_id,
			    r->lease_ns, l->name, l->key, err->message);
		else
			log_warn("exec", "%s: renewing Lease %s/%s: %s", r->exec_id,
			    r->lease_ns, l->name, err->message);
	}
	free(tk);
}

static void
renew_cb(uv_timer_t *h)
{
	struct coord_run *r = h->data;
	char now[40], e[200];
	size_t i;

	micro_now(now);
	for (i = 0; i < r->nleases; i++) {
		struct exec_lease *l = &r->leases[i];
		struct kube_ref ref = KUBE_REF_LEASE(r->lease_ns, l->name);
		struct renew_ticket *tk;
		json_t *patch;
		struct kube_request *req;

		if (!l->held || l->renewing != NULL ||
		    (tk = calloc(1, sizeof(*tk))) == NULL)
			continue;
		tk->r = r;
		tk->i = i;
		patch = json_pack("{s:{s:s}, s:{s:s, s:s}}", "metadata", "resourceVersion",
		    l->rv, "spec", "renewTime", now, "holderIdentity", r->holder);
		req = kube_patch(r->o.client, &ref, KUBE_PATCH_MERGE, patch, NULL,
		    renew_done, tk, e, sizeof(e));
		json_decref(patch);
		if (req == NULL) {
			free(tk);
			continue;
		}
		l->renewing = tk;
	}
}

void
lease_renew_start(struct coord_run *r)
{
	uint64_t iv = (uint64_t)r->o.lease_duration_s * 1000 / 3;

	if (r->renew != NULL && r->nleases > 0)
		uv_timer_start(r->renew, renew_cb, iv ? iv : 1, iv ? iv : 1);
}

void
lease_renew_stop(struct coord_run *r)
{
	size_t i;

	if (r->renew != NULL)
		uv_timer_stop(r->renew);
	for (i = 0; i < r->nleases; i++) {
		if (r->leases[i].renewing != NULL) {
			((struct renew_ticket *)r->leases[i].renewing)->r = NULL;
			r->leases[i].renewing = NULL;
		}
	}
}
