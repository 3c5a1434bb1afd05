#!/bin/sh
# Runs each Check suite given as an argument and prints its summary.  VALGRIND=1 runs
# them in-process (CK_FORK=no) under valgrind.  Exit status is non-zero if any failed.
set -u
rc=0
failed=""
: "${CK_DEFAULT_TIMEOUT:=20}"
export CK_DEFAULT_TIMEOUT
for t in "$@"; do
	name=$(basename "$t")
	if [ "${VALGRIND:-0}" = 1 ]; then
		STRATA_TEST_SLOW=1 CK_FORK=no CK_TIMEOUT_MULTIPLIER=10 valgrind -q --leak-check=full \
		    --errors-for-leak-kinds=definite --error-exitcode=99 "$t"
	else
		"$t"
	fi
	st=$?
	if [ $st -ne 0 ]; then
		rc=1
		failed="$failed $name"
	fi
done
if [ $rc -ne 0 ]; then
	echo "unit suites FAILED:$failed"
else
	echo "unit suites: all $# passed"
fi
exit $rc
