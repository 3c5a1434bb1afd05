#!/bin/sh
# Runs Check suites built with -fsanitize=thread, then the JSON-RPC harness scripts
# against a strata-mcp built so (see check-tsan in the Makefile); the harness fails a
# script whose server reports a race on stderr.
# Usage: run-tsan.sh HARNESS SERVER SUITE...
#
# ThreadSanitizer needs a memory layout some kernels' address randomisation breaks
# ("FATAL: ThreadSanitizer: unexpected memory mapping"): then the suites run under
# `setarch -R`.  If the runtime cannot start at all, that is said loudly and the
# suites are not counted as passed.
set -u
harness=$1 server=$2
shift 2
[ $# -gt 0 ] || { echo "tsan: no suites"; exit 0; }
probe() {
	CK_RUN_SUITE=strata-tsan-probe "$@" >/dev/null 2>"${TMPDIR:-/tmp}/strata-tsan-probe.$$"
}
wrap=""
if ! probe "$1"; then
	if command -v setarch >/dev/null 2>&1 && probe setarch "$(uname -m)" -R "$1"; then
		wrap="setarch $(uname -m) -R"
		echo "tsan: the runtime needs address randomisation off here; using $wrap"
	else
		echo "tsan: SKIPPED: ThreadSanitizer cannot start on this machine:"
		head -3 "${TMPDIR:-/tmp}/strata-tsan-probe.$$"
		rm -f "${TMPDIR:-/tmp}/strata-tsan-probe.$$"
		exit 0
	fi
fi
rm -f "${TMPDIR:-/tmp}/strata-tsan-probe.$$"
# Time runs slower: the simulator-driven suites scale their waits (see run-unit.sh).
here=$(dirname "$0")
STRATA_TEST_SLOW=1 CK_TIMEOUT_MULTIPLIER=10 STRATA_UNIT_WRAP="$wrap" \
    sh "$here/run-unit.sh" "$@" || exit 1
$wrap sh "$here/run-harness.sh" "$harness" "$server" "$here/mcp"
