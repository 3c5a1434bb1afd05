#!/bin/sh
# Runs bench/kube-list against strata-sim generated clusters of increasing size, so the
# peak RSS can be compared across sizes (it should stay flat).  Usage:
#   bench/kube-list.sh BUILD_DIR [PODS...]      (default: 15000 150000)
set -eu
build=$1
shift
sizes=${*:-"15000 150000"}
out=$(mktemp -d /tmp/strata-bench-XXXXXX)
trap 'kill $simpid 2>/dev/null || true; rm -rf "$out"' EXIT
simpid=
for pods in $sizes; do
	nodes=$(( pods / 100 < 1 ? 1 : (pods / 100 > 2000 ? 2000 : pods / 100) ))
	rm -f "$out/kubeconfig"
	"$build/bin/strata-sim" --generate "nodes=$nodes,pods=$pods" \
	    --kubeconfig-out "$out/kubeconfig" --log-level warning >/dev/null 2>"$out/sim.log" &
	simpid=$!
	i=0
	while [ ! -s "$out/kubeconfig" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $simpid 2>/dev/null; then
			echo "kube-list: strata-sim did not start:" >&2
			cat "$out/sim.log" >&2
			exit 1
		fi
		sleep 0.2
	done
	sleep 0.3
	printf 'cluster_pods=%s ' "$pods"
	"$build/bin/kube-list-bench" --kubeconfig "$out/kubeconfig" --limit 500
	kill $simpid
	wait $simpid 2>/dev/null || true
	simpid=
done
