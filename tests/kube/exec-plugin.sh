#!/bin/sh
# Exec credential plugin for the kube client tests.  It counts its runs in $COUNT_FILE,
# records what it was given ($COUNT_FILE.info: KUBERNETES_EXEC_INFO, $COUNT_FILE.stdin:
# what fd 0 is, $COUNT_FILE.args: its arguments), and prints an ExecCredential whose
# token is the content of $TOKEN_SRC.  EXPIRE_IN=N adds an expirationTimestamp N seconds
# ahead; API_VERSION overrides the apiVersion; MODE=fail exits 3, MODE=garbage prints
# junk, MODE=hang sleeps.
n=$(cat "$COUNT_FILE" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$COUNT_FILE"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$COUNT_FILE.info"
readlink /proc/self/fd/0 > "$COUNT_FILE.stdin" 2>/dev/null
echo "$@" > "$COUNT_FILE.args"
case "${MODE:-}" in
fail) echo "plugin: refusing" >&2; exit 3 ;;
garbage) echo "this is not json"; exit 0 ;;
hang) sleep 30; exit 0 ;;
esac
api=${API_VERSION:-client.authentication.k8s.io/v1}
tok=$(cat "$TOKEN_SRC")
if [ -n "${EXPIRE_IN:-}" ]; then
	exp=$(date -u -d "@$(( $(date +%s) + EXPIRE_IN ))" +%Y-%m-%dT%H:%M:%SZ)
	printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
	    "$api" "$tok" "$exp"
else
	printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s"}}\n' "$api" "$tok"
fi
