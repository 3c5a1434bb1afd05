/*
 * The requestState of 2026-07-28 input_required rounds (MRTR).  The state passes through
 * the client, so it is attacker-controlled input: it is sealed with HMAC-SHA256 under a
 * key drawn at random when the server starts, and says what it was issued for — the tool,
 * a digest of the call's arguments, an expiry — so that a confirmation given for one call
 * cannot be replayed onto another.  A state that verified once is remembered until it
 * expires and refused a second time: a confirmation of a destructive plan is good for one
 * run.
 *
 * Wire form: base64url(payload JSON) "." base64url(HMAC(key, first part)).  The payload
 * is readable by the client (it holds only the questions and the client's own answers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcp_int.h"

#define LOGGER		"mcp"
#define STATE_VERSION	1

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url of n bytes into a new string. */
static char *
b64_encode(const unsigned char *in, size_t n)
{
	char *out, *o;
	size_t i;
	unsigned v;

	if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
		*o++ = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)in[i] << 16;
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
	}
	*o = '\0';
	return out;
}

static int
b64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64url, c)) == NULL)
		return -1;
	return (int)(p - b64url);
}

/* Decodes n characters of unpadded base64url into out (room for n * 3 / 4 bytes). */
static int
b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen)
{
	size_t i, o = 0;
	unsigned v = 0;
	int bits = 0, d;

	if (n % 4 == 1)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if ((d = b64_value(in[i])) < 0)
			return -EINVAL;
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	if (v != 0)		/* leftover bits must be zero: one encoding per value */
		return -EINVAL;
	*outlen = o;
	return 0;
}

void
mcp_state_init(struct mcp_server *srv)
{
	/* The kernel's CSPRNG: no OpenSSL initialisation on the startup path. */
	if (strata_random_bytes(srv->state_key, sizeof(srv->state_key)) != 0) {
		/* Without a key no state can verify; asking in 2026 mode then fails. */
		log_error(LOGGER, "no random bytes for the requestState key: 2026-07-28 "
		    "confirmations are disabled");
		srv->state_disabled = true;
	}
}

void
mcp_state_release(struct mcp_server *srv)
{
	strata_wipe(srv->state_key, sizeof(srv->state_key));
}

/* Hex SHA-256 of the canonical JSON of the arguments. */
static int
args_digest(const json_t *args, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char *canon;
	size_t i;
	int ok;

	canon = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(17));
	if (canon == NULL)
		return -ENOMEM;
	ok = EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL);
	free(canon);
	if (!ok || mdlen != sizeof(md))
		return -EIO;
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int
state_mac(struct mcp_server *srv, const char *data, size_t n, unsigned char mac[32])
{
	unsigned int len = 0;

	if (HMAC(EVP_sha256(), srv->state_key, (int)sizeof(srv->state_key),
	    (const unsigned char *)data, n, mac, &len) == NULL || len != 32)
		return -EIO;
	return 0;
}

int
mcp_state_seal(struct mcp_server *srv, const char *tool, const json_t *args,
    const json_t *ask, const json_t *answers, char **out)
{
	unsigned char mac[32];
	char hex[65], *payload = NULL, *p64 = NULL, *m64 = NULL;
	json_t *obj;
	size_t n;
	int rc;

	*out = NULL;
	if (srv->state_disabled)
		return -ENOTSUP;
	if ((rc = args_digest(args, hex)) != 0)
		return rc;
	/* "n" makes every state distinct, so using one never blocks another. */
	obj = json_pack("{s:i, s:I, s:s, s:s, s:I, s:O}", "v", STATE_VERSION,
	    "n", (json_int_t)++srv->state_seq, "tool", tool, "args", hex,
	    "exp", (json_int_t)(strata_now_ms() + srv->opt.input_ttl_ms), "ask", ask);
	if (obj == NULL)
		return -ENOMEM;
	if (answers != NULL && json_object_size(answers) > 0)
		json_object_set(obj, "ans", (json_t *)answers);
	payload = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	rc = -ENOMEM;
	if (payload == NULL || (p64 = b64_encode((unsigned char *)payload,
	    strlen(payload))) == NULL)
		goto fail;
	if ((rc = state_mac(srv, p64, strlen(p64), mac)) != 0)
		goto fail;
	rc = -ENOMEM;
	if ((m64 = b64_encode(mac, sizeof(mac))) == NULL)
		goto fail;
	n = strlen(p64) + 1 + strlen(m64);
	rc = -EMSGSIZE;
	if (n > MCP_STATE_MAX)
		goto fail;
	rc = -ENOMEM;
	if ((*out = malloc(n + 1)) == NULL)
		goto fail;
	snprintf(*out, n + 1, "%s.%s", p64, m64);
	rc = 0;
fail:
	free(payload);
	free(p64);
	free(m64);
	return rc;
}

static bool
state_used(const struct mcp_server *srv, const unsigned char mac[32])
{
	size_t i;

	for (i = 0; i < srv->nstate_used; i++)
		if (memcmp(srv->state_used[i].mac, mac, 32) == 0)
			return true;
	return false;
}

int
mcp_state_open(struct mcp_server *srv, const char *state, const char *tool,
    const json_t *args, json_t **ask, json_t **answers, unsigned char mac[32],
    uint64_t *expires_ms, char *err, size_t errlen)
{
	unsigned char want[32], got[32], *payload = NULL;
	const char *dot;
	char hex[65];
	json_t *obj = NULL, *a;
	json_int_t exp;
	size_t len = strlen(state), n, plen;
	int rc = -EINVAL;

	*ask = *answers = NULL;
	if (len > MCP_STATE_MAX || (dot = strchr(state, '.')) == NULL) {
		snprintf(err, errlen, "requestState is not one this server issued");
		return -EINVAL;
	}
	/* The MAC first: nothing of an unverified payload is parsed. */
	if (b64_decode(dot + 1, len - (size_t)(dot + 1 - state), got, &n) != 0 ||
	    n != sizeof(got) || state_mac(srv, state, (size_t)(dot - state), want) != 0 ||
	    CRYPTO_memcmp(want, got, sizeof(want)) != 0) {
		snprintf(err, errlen, "requestState failed verification (altered, or issued by "
		    "another server process): call the tool again without it");
		return -EINVAL;
	}
	if ((payload = malloc((size_t)(dot - state) * 3 / 4 + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (b64_decode(state, (size_t)(dot - state), payload, &plen) != 0 ||
	    (obj = json_loadb((char *)payload, plen, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    json_integer_value(json_object_get(obj, "v")) != STATE_VERSION ||
	    !json_is_object(json_object_get(obj, "ask")) ||
	    !json_is_integer(json_object_get(obj, "exp"))) {
		snprintf(err, errlen, "requestState is malformed");
		goto fail;
	}
	if (!json_is_string(json_object_get(obj, "tool")) ||
	    strcmp(json_string_value(json_object_get(obj, "tool")), tool) != 0) {
		snprintf(err, errlen, "requestState was issued for another tool");
		goto fail;
	}
	if ((rc = args_digest(args, hex)) != 0) {
		snprintf(err, errlen, "cannot digest the arguments");
		goto fail;
	}
	rc = -EINVAL;
	if (!json_is_string(json_object_get(obj, "args")) ||
	    strcmp(json_string_value(json_object_get(obj, "args")), hex) != 0) {
		snprintf(err, errlen, "requestState was issued for other arguments: retry "
		    "with exactly the arguments of the call that asked");
		goto fail;
	}
	exp = json_integer_value(json_object_get(obj, "exp"));
	if (exp < 0 || (uint64_t)exp <= strata_now_ms()) {
		snprintf(err, errlen, "requestState has expired: call the tool again without "
		    "it to be asked again");
		goto fail;
	}
	if (state_used(srv, got)) {
		snprintf(err, errlen, "requestState was already used: call the tool again "
		    "without it to be asked again");
		goto fail;
	}
	a = json_object_get(obj, "ans");
	*ask = json_incref(json_object_get(obj, "ask"));
	*answers = json_is_object(a) ? json_incref(a) : json_object();
	memcpy(mac, got, 32);
	*expires_ms = (uint64_t)exp;
	rc = 0;
fail:
	json_decref(obj);
	free(payload);
	return rc;
}

void
mcp_state_consume(struct mcp_server *srv, const unsigned char mac[32], uint64_t expires_ms)
{
	uint64_t now = strata_now_ms();
	size_t i, oldest = 0;

	/* Expired states fail on their expiry already: forget them. */
	for (i = 0; i < srv->nstate_used; ) {
		if (srv->state_used[i].expires_ms <= now)
			srv->state_used[i] = srv->state_used[--srv->nstate_used];
		else
			i++;
	}
	if (srv->nstate_used == MCP_STATE_USED_MAX) {
		for (i = 1; i < srv->nstate_used; i++)
			if (srv->state_used[i].expires_ms < srv->state_used[oldest].expires_ms)
				oldest = i;
		log_warn(LOGGER, "more than %d requestStates in use at once: the oldest "
		    "could be presented again", MCP_STATE_USED_MAX);
		srv->state_used[oldest] = srv->state_used[--srv->nstate_used];
	}
	memcpy(srv->state_used[srv->nstate_used].mac, mac, 32);
	srv->state_used[srv->nstate_used].expires_ms = expires_ms;
	srv->nstate_used++;
}
