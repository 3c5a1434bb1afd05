#!/bin/sh
# Runs each Check suite given as an argument and prints its summary.  VALGRIND=1 runs
# them in-process (CK_FORK=no) under valgrind.  Exit status is non-zero if any failed.
#
# Each suite's output goes to the terminal as it runs and to a log; when a suite fails,
# its failure lines are printed again at the very end, so that a CI log that keeps only
# its tail still says which test failed and why.
set -u
rc=0
failed=""
: "${CK_DEFAULT_TIMEOUT:=20}"
export CK_DEFAULT_TIMEOUT
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for t in "$@"; do
	name=$(basename "$t")
	if [ "${VALGRIND:-0}" = 1 ]; then
		STRATA_TEST_SLOW=1 CK_FORK=no CK_TIMEOUT_MULTIPLIER=10 valgrind -q --leak-check=full \
		    --errors-for-leak-kinds=definite --error-exitcode=99 "$t" \
		    >"$logs/$name.log" 2>&1
	else
		${STRATA_UNIT_WRAP:-} "$t" >"$logs/$name.log" 2>&1
	fi
	st=$?
	cat "$logs/$name.log"
	if [ $st -ne 0 ]; then
		rc=1
		failed="$failed $name"
		{
			echo "---- $name exited with status $st; its failures:"
			grep -E ':[FE]:|Assertion|ERROR: AddressSanitizer|runtime error:|==[0-9]+==' \
			    "$logs/$name.log" | head -40
			grep -A14 'WARNING: ThreadSanitizer' "$logs/$name.log" | head -45
			echo "---- end of $name"
		} >"$logs/$name.fail"
	fi
done
if [ $rc -ne 0 ]; then
	cat "$logs"/*.fail
	echo "unit suites FAILED:$failed"
else
	echo "unit suites: all $# passed"
fi
exit $rc
