#ifndef STRATA_TESTUTIL_H
#define STRATA_TESTUTIL_H

/*
 * Shared by the Check suites in tests/unit/.  Each suite file defines one
 * `Suite *name_suite(void)` and ends with STRATA_TEST_MAIN(name_suite).
 */
#include <check.h>
#include <stdlib.h>

#define STRATA_TEST_MAIN(suite_fn)					\
int									\
main(void)								\
{									\
	SRunner *sr = srunner_create(suite_fn());			\
	int failed;							\
									\
	srunner_run_all(sr, CK_ENV);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;		\
}

#endif
