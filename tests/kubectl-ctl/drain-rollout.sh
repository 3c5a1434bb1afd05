#!/bin/sh
# The real kubectl against strata-sim, through flows that need the controllers:
#   drain --ignore-daemonsets --delete-emptydir-data blocked by a PDB (429 retries until
#   --timeout), PDB relaxed with `kubectl patch`, drain again → completes, pods replaced on
#   other nodes; rollout restart + rollout status; rollout undo; uncordon.
# Every step asserts the simulator's state afterwards (read back through kubectl).
#
# usage: drain-rollout.sh STRATA_SIM FIXTURE [KUBECTL...]
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u

SIM=$1
FIXTURE=$2
shift 2
KUBECTLS=${*:-kubectl}
TMP=$(mktemp -d)
SIM_PID=
PASS=0
FAIL=0

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
	if grep -qF -- "$2" "$3"; then ok "$1"; else bad "$1: [$2] not in output:"; sed 's/^/       /' "$3" | tail -15; fi
}

# kubectl sends bearer tokens only over TLS: serve with a throwaway self-signed cert.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
    -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
    { echo "kubectl-ctl: openssl failed"; exit 1; }

# Runs kubectl; a failing `get` prints a marker so that checks for "" cannot pass by accident.
kget() {
	if [ "$2" = get ] || [ "$2" = "--kubeconfig" ] && echo "$*" | grep -q ' get '; then
		"$@" 2>"$TMP/kget.err" || { echo "<kubectl failed: $(tail -1 "$TMP/kget.err")>"; }
	else
		"$@"
	fi
}

start_sim() {
	rm -f "$TMP/kubeconfig"
	"$SIM" --scenario "$FIXTURE" --time-scale 100 --kubeconfig-out "$TMP/kubeconfig" \
	    --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" \
	    --log-level warning >/dev/null 2>"$TMP/sim.log" &
	SIM_PID=$!
	i=0
	while [ ! -s "$TMP/kubeconfig" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$TMP/kubeconfig" ] || { echo "strata-sim did not start:"; cat "$TMP/sim.log"; exit 1; }
}

stop_sim() {
	kill "$SIM_PID" 2>/dev/null
	wait "$SIM_PID" 2>/dev/null
	SIM_PID=
}

run_flow() {
	K="kget $1 --kubeconfig $TMP/kubeconfig --request-timeout=20s"
	echo "# $1 ($($1 version --client 2>/dev/null | head -1))"
	start_sim

	$K rollout status deployment/web -n shop --timeout=30s >"$TMP/out" 2>&1
	contains "initial rollout completes" "successfully rolled out" "$TMP/out"
	check "web pods ready" "True True" "$($K get pods -n shop -l app=web \
	    -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')"
	check "PDB blocks (disruptionsAllowed)" "0" "$($K get pdb web-pdb -n shop \
	    -o jsonpath='{.status.disruptionsAllowed}')"

	NODE=$($K get pods -n shop -l app=web -o jsonpath='{.items[0].spec.nodeName}')
	[ -n "$NODE" ] || bad "web pod has a node"

	# 1. blocked by the PDB: kubectl retries the 429 every 5 s until --timeout
	$K drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout=7s \
	    >"$TMP/drain1" 2>&1
	rc=$?
	check "drain blocked by PDB fails" "1" "$([ $rc -ne 0 ] && echo 1 || echo 0)"
	contains "429 reported as disruption budget" "disruption budget" "$TMP/drain1"
	contains "DaemonSet pods ignored" "ignoring DaemonSet-managed Pods" "$TMP/drain1"
	check "node cordoned" "true" "$($K get node "$NODE" -o jsonpath='{.spec.unschedulable}')"
	check "unschedulable taint mirrored" "node.kubernetes.io/unschedulable" \
	    "$($K get node "$NODE" -o jsonpath='{.spec.taints[?(@.effect=="NoSchedule")].key}')"
	check "web pod still on the node" "1" "$($K get pods -n shop -l app=web \
	    --field-selector spec.nodeName="$NODE" -o name | wc -l | tr -d ' ')"

	# 2. relax the budget, drain again: completes, pods replaced elsewhere
	$K patch pdb web-pdb -n shop --type merge -p '{"spec":{"minAvailable":1}}' \
	    >"$TMP/out" 2>&1
	contains "PDB patched" "patched" "$TMP/out"
	$K drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout=60s \
	    >"$TMP/drain2" 2>&1
	check "drain after relaxing completes" "0" "$?"
	contains "drained" "node/$NODE drained" "$TMP/drain2"
	check "no web pod left on the node" "0" "$($K get pods -n shop -l app=web \
	    --field-selector spec.nodeName="$NODE" -o name | wc -l | tr -d ' ')"
	$K rollout status deployment/web -n shop --timeout=30s >/dev/null 2>&1
	check "replacements ready elsewhere" "True True" "$($K get pods -n shop -l app=web \
	    -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')"
	check "DaemonSet pod stays" "1" "$($K get pods -n openshift-dns \
	    --field-selector spec.nodeName="$NODE" -o name | wc -l | tr -d ' ')"

	# 3. rollout restart + status
	REV0=$($K get deployment web -n shop \
	    -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
	$K rollout restart deployment/web -n shop >"$TMP/out" 2>&1
	contains "restart accepted" "restarted" "$TMP/out"
	$K rollout status deployment/web -n shop --timeout=60s >"$TMP/out" 2>&1
	contains "restart rolls out" "successfully rolled out" "$TMP/out"
	check "revision bumped" "$((REV0 + 1))" "$($K get deployment web -n shop \
	    -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
	[ -n "$($K get deployment web -n shop \
	    -o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')" ] \
	    && ok "template carries restartedAt" || bad "template carries restartedAt"
	check "two ReplicaSets, one scaled to 0" "0 2" "$($K get rs -n shop -l app=web \
	    -o jsonpath='{.items[*].spec.replicas}' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"

	# 4. rollout undo: back to the previous template
	$K rollout undo deployment/web -n shop >"$TMP/out" 2>&1
	contains "undo accepted" "rolled back" "$TMP/out"
	$K rollout status deployment/web -n shop --timeout=60s >"$TMP/out" 2>&1
	contains "undo rolls out" "successfully rolled out" "$TMP/out"
	check "template restartedAt gone" "" "$($K get deployment web -n shop \
	    -o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')"
	check "revision after undo" "$((REV0 + 2))" "$($K get deployment web -n shop \
	    -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
	$K rollout history deployment/web -n shop >"$TMP/out" 2>&1
	contains "history lists the revisions" "$((REV0 + 2))" "$TMP/out"

	# 5. uncordon
	$K uncordon "$NODE" >"$TMP/out" 2>&1
	contains "uncordoned" "uncordoned" "$TMP/out"
	check "schedulable again" "" "$($K get node "$NODE" -o jsonpath='{.spec.unschedulable}')"
	check "taint removed" "" "$($K get node "$NODE" -o jsonpath='{.spec.taints}')"
	stop_sim
}

for k in $KUBECTLS; do
	run_flow "$k"
done
echo "kubectl-ctl: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
