#!/bin/sh
# The real kubectl against strata-sim (API flows that need no controllers): get nodes,
# get pods -A, cordon/uncordon, get machineconfigpools / clusteroperators /
# applications.argoproj.io -A, patch --type merge on custom resources, get -w (watch),
# with a kubeconfig written by --kubeconfig-out.  Every change is asserted by reading the
# simulator's state back with curl, not through kubectl.
#
# usage: tests/kubectl/run.sh STRATA_SIM [KUBECTL...]
# Without KUBECTL arguments, the oldest and newest kubectl.1.NN found next to `kubectl`
# (the Cloud SDK layout of these machines) are used, else `kubectl`.
# Prints "kubectl: N passed, N failed"; exits non-zero on any failure.
set -u

SIM=$1
shift
FIXTURE=tests/sim-fixtures/basic.json
TMP=$(mktemp -d)
SIM_PID=
PASS=0
FAIL=0
TOKEN=kubectl-test-token

cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ok() { PASS=$((PASS + 1)); echo "  ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "  FAIL $*"; }
check() {	# check DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi
}
contains() {	# contains DESCRIPTION NEEDLE FILE
	if grep -qF -- "$2" "$3"; then ok "$1"; else
		bad "$1: [$2] not in output:"; sed 's/^/       /' "$3" | tail -10; fi
}

kubectls() {
	if [ $# -gt 0 ]; then echo "$*"; return; fi
	k=$(command -v kubectl) || { echo ""; return; }
	dir=$(dirname "$(readlink -f "$k")")
	found=$(ls "$dir"/kubectl.1.* 2>/dev/null | sort -t. -k3 -n)
	if [ -n "$found" ]; then
		first=$(echo "$found" | head -1)
		last=$(echo "$found" | tail -1)
		if [ "$first" = "$last" ]; then echo "$first"; else echo "$first $last"; fi
	else
		echo "$k"
	fi
}

# The simulator's state, read directly (compact JSON, as stored).
api() {
	p=$1
	shift
	curl -s --cacert "$TMP/cert.pem" -H "Authorization: Bearer $TOKEN" "$@" "$URL$p"
}

KUBECTLS=$(kubectls "$@")
[ -n "$KUBECTLS" ] || { echo "kubectl: not installed"; exit 1; }
command -v jq >/dev/null || { echo "kubectl: jq is required"; exit 1; }

# kubectl sends bearer tokens only over TLS: serve with a throwaway self-signed cert.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
    -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
    { echo "kubectl: openssl failed"; exit 1; }
"$SIM" --scenario "$FIXTURE" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" \
    --token "$TOKEN" --kubeconfig-out "$TMP/kubeconfig" --log-level warning \
    >"$TMP/url" 2>"$TMP/sim.log" &
SIM_PID=$!
i=0
while [ ! -s "$TMP/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -1 "$TMP/url")
case "$URL" in https://*) ;; *) echo "kubectl: strata-sim did not start"; cat "$TMP/sim.log"; exit 1;; esac

for K in $KUBECTLS; do
	V=$(basename "$K")
	echo "$V against $URL"
	k() { "$K" --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache-$V" "$@"; }

	k get nodes >"$TMP/out" 2>&1
	contains "$V get nodes lists worker-2" "worker-2" "$TMP/out"
	contains "$V get nodes prints STATUS from the server's table" "Ready" "$TMP/out"

	k get pods -A >"$TMP/out" 2>&1
	contains "$V get pods -A shows the shop namespace" "shop " "$TMP/out"
	contains "$V get pods -A shows kube-system pods" "node-agent-0" "$TMP/out"

	k cordon worker-1 >"$TMP/out" 2>&1
	contains "$V cordon reports" "node/worker-1 cordoned" "$TMP/out"
	check "$V cordon sets spec.unschedulable" "true" \
	    "$(api /api/v1/nodes/worker-1 | jq -r .spec.unschedulable)"
	k get node worker-1 >"$TMP/out" 2>&1
	contains "$V get node shows SchedulingDisabled" "SchedulingDisabled" "$TMP/out"
	k uncordon worker-1 >"$TMP/out" 2>&1
	contains "$V uncordon reports" "node/worker-1 uncordoned" "$TMP/out"
	check "$V uncordon clears spec.unschedulable" "null" \
	    "$(api /api/v1/nodes/worker-1 | jq -r .spec.unschedulable)"

	k get machineconfigpools >"$TMP/out" 2>&1
	contains "$V get machineconfigpools" "rendered-worker-1" "$TMP/out"
	k get mcp worker >"$TMP/out" 2>&1
	contains "$V get mcp (short name)" "worker" "$TMP/out"
	k get clusteroperators >"$TMP/out" 2>&1
	contains "$V get clusteroperators" "machine-config" "$TMP/out"
	k get co network -o json >"$TMP/out" 2>&1
	check "$V get co -o json" "4.16.3" "$(jq -r '.status.versions[0].version' "$TMP/out")"
	k get applications.argoproj.io -A >"$TMP/out" 2>&1
	contains "$V get applications.argoproj.io -A" "argocd" "$TMP/out"
	contains "$V get applications shows sync status" "Synced" "$TMP/out"

	k patch applications.argoproj.io shop -n argocd --type merge \
	    -p "{\"metadata\":{\"annotations\":{\"strata.test/by\":\"$V\"}}}" >"$TMP/out" 2>&1
	contains "$V patch --type merge application" "patched" "$TMP/out"
	check "$V merge patch stored on the Application" "$V" \
	    "$(api /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop |
	    jq -r '.metadata.annotations["strata.test/by"]')"
	k patch mcp worker --type merge -p '{"spec":{"paused":true}}' >"$TMP/out" 2>&1
	contains "$V patch --type merge machineconfigpool" "patched" "$TMP/out"
	check "$V MCP paused in the simulator" "true" \
	    "$(api /apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker |
	    jq -r .spec.paused)"
	k patch mcp worker --type merge -p '{"spec":{"paused":false}}' >/dev/null 2>&1
	k patch co network -p '{"metadata":{"labels":{"x":"y"}}}' >"$TMP/out" 2>&1
	contains "$V strategic patch on a CR is refused (415)" "accepted media types include" \
	    "$TMP/out"

	# Watch: kubectl get -w sees an object created while it watches.
	name=watched-$(echo "$V" | tr -c 'a-z0-9\n' '-')
	(timeout 4 "$K" --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache-$V" \
	    get configmaps -n shop -w >"$TMP/watch" 2>&1) &
	wpid=$!
	sleep 1.5
	api /api/v1/namespaces/shop/configmaps -X POST -H 'Content-Type: application/json' \
	    -d "{\"metadata\":{\"name\":\"$name\"},\"data\":{\"a\":\"b\"}}" >/dev/null
	wait $wpid
	contains "$V get -w streams a new object" "$name" "$TMP/watch"

	k delete configmap "$name" -n shop >"$TMP/out" 2>&1
	contains "$V delete" "deleted" "$TMP/out"
	check "$V delete removed it" "NotFound" \
	    "$(api /api/v1/namespaces/shop/configmaps/$name | jq -r .reason)"
done

# A clean stop: exit status 0 and no sanitizer report (leaks show up here under ASan).
kill -TERM "$SIM_PID"
wait "$SIM_PID"
st=$?
SIM_PID=
check "strata-sim stops cleanly on SIGTERM" "0" "$st"
if grep -q "Sanitizer" "$TMP/sim.log"; then
	bad "sanitizer report from strata-sim:"; sed 's/^/       /' "$TMP/sim.log" | head -40
fi

echo "kubectl: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
