/*
 * The plan hash: SHA-256 (OpenSSL EVP) over a canonical serialisation of what the plan
 * will do — issue, layers, steps, checkpoints, refused — with sorted keys and no
 * whitespace.  plan_id, the hash itself, and descriptive fields (preflight, risks,
 * policy, diagram) are left out, so the same input always gives the same hash and any
 * change to a step, target, parameter or check gives another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "strata/coord_plan.h"

static json_t *
canonical(const json_t *plan)
{
	return json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}",
	    "issue_id", json_object_get(plan, "issue_id"),
	    "layers", json_object_get(plan, "layers"),
	    "steps", json_object_get(plan, "steps"),
	    "checkpoints", json_object_get(plan, "checkpoints"),
	    "refused", json_object_get(plan, "refused"));
}

int
coord_plan_hash(const json_t *plan, char out[65], char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	json_t *canon;
	char *text;
	int ok;

	if (!json_is_object(plan)) {
		snprintf(err, errlen, "a plan must be an object");
		return -EINVAL;
	}
	if ((canon = canonical(plan)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	text = json_dumps(canon, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(canon);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ok = EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
	free(text);
	if (!ok || mdlen != 32) {
		snprintf(err, errlen, "SHA-256 failed");
		return -EIO;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	return 0;
}

int
coord_plan_verify_hash(const json_t *plan, char *err, size_t errlen)
{
	const char *have = json_string_value(json_object_get(plan, "hash"));
	char want[65];
	int rc;

	if ((rc = coord_plan_hash(plan, want, err, errlen)) < 0)
		return rc;
	if (have == NULL) {
		snprintf(err, errlen, "the plan carries no hash");
		return -EBADMSG;
	}
	if (strcmp(have, want) != 0) {
		snprintf(err, errlen, "the plan was modified after it was made (hash %.16s… "
		    "does not match its content %.16s…)", have, want);
		return -EBADMSG;
	}
	return 0;
}
