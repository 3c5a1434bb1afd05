/*
 * In-process target locks: conflicts name the target and its holder, acquisition is
 * all-or-none, release frees everything of a holder, a holder may re-acquire.
 */
#include "test_coord_store_util.h"

#define NODE(n)		{ "Node", NULL, (n) }
#define DEPLOY(ns, n)	{ "Deployment", (ns), (n) }

START_TEST(conflict_names_target_and_holder)
{
	struct coord_locks *lk = coord_locks_new(0);
	struct coord_target a[] = { NODE("worker-1"), DEPLOY("shop", "web") };
	struct coord_target b[] = { DEPLOY("shop", "web") };
	char err[256];

	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", a, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-b", b, 1, err, sizeof(err)), -EBUSY);
	ck_assert_str_eq(err, "target Deployment/shop/web is locked by execution exec-a");
	ck_assert_str_eq(coord_locks_holder(lk, &b[0]), "exec-a");
	coord_locks_free(lk);
}
END_TEST

START_TEST(acquire_is_all_or_none)
{
	struct coord_locks *lk = coord_locks_new(0);
	struct coord_target held[] = { NODE("worker-2") };
	struct coord_target want[] = { NODE("worker-1"), DEPLOY("shop", "web"),
	    NODE("worker-2"), DEPLOY("shop", "db") };
	char err[256];
	size_t i;

	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", held, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-b", want, 4, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "Node//worker-2"));
	/* Nothing of the refused set was taken. */
	for (i = 0; i < 4; i++)
		if (i != 2)
			ck_assert_ptr_null(coord_locks_holder(lk, &want[i]));
	ck_assert_uint_eq(coord_locks_count(lk), 1);
	coord_locks_free(lk);
}
END_TEST

START_TEST(release_frees_all_of_a_holder)
{
	struct coord_locks *lk = coord_locks_new(0);
	struct coord_target a[] = { NODE("worker-1"), DEPLOY("shop", "web"),
	    DEPLOY("shop", "web") };
	struct coord_target b[] = { NODE("worker-9") };
	char err[256];

	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", a, 3, err, sizeof(err)), 0);
	ck_assert_uint_eq(coord_locks_count(lk), 2);	/* listed twice, held once */
	/* The same holder may take what it holds again, plus more (rollback). */
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", a, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-b", b, 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(coord_locks_release(lk, "exec-a"), 2);
	ck_assert_uint_eq(coord_locks_release(lk, "exec-a"), 0);
	ck_assert_ptr_null(coord_locks_holder(lk, &a[0]));
	ck_assert_str_eq(coord_locks_holder(lk, &b[0]), "exec-b");
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-c", a, 3, err, sizeof(err)), 0);
	coord_locks_free(lk);
}
END_TEST

START_TEST(namespace_and_kind_distinguish_targets)
{
	struct coord_locks *lk = coord_locks_new(0);
	struct coord_target a[] = { DEPLOY("shop", "web") };
	struct coord_target b[] = { DEPLOY("blog", "web"), { "StatefulSet", "shop", "web" } };
	char key[64], err[256];

	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", a, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-b", b, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(coord_lock_key(&b[0], key, sizeof(key)), 0);
	ck_assert_str_eq(key, "Deployment/blog/web");
	ck_assert_int_eq(coord_lock_key(&(struct coord_target)NODE("n"), key, sizeof(key)), 0);
	ck_assert_str_eq(key, "Node//n");
	ck_assert_int_eq(coord_lock_key(&(struct coord_target){ "Node", NULL, "" }, key,
	    sizeof(key)), -EINVAL);
	coord_locks_free(lk);
}
END_TEST

START_TEST(invalid_targets_and_limits)
{
	struct coord_locks *lk = coord_locks_new(3);
	struct coord_target bad[] = { NODE("ok"), { NULL, NULL, "x" } };
	struct coord_target many[] = { NODE("a"), NODE("b"), NODE("c"), NODE("d") };
	char err[256];

	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", bad, 2, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "#1"));
	ck_assert_uint_eq(coord_locks_count(lk), 0);
	ck_assert_int_eq(coord_locks_acquire(lk, "", many, 1, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", many, 4, err, sizeof(err)),
	    -ENOSPC);
	ck_assert_uint_eq(coord_locks_count(lk), 0);
	ck_assert_int_eq(coord_locks_acquire(lk, "exec-a", many, 3, err, sizeof(err)), 0);
	coord_locks_free(lk);
}
END_TEST

START_TEST(many_holders_and_targets)
{
	struct coord_locks *lk = coord_locks_new(0);
	char names[2000][16], holder[32], err[256];
	struct coord_target t[20];
	uint64_t t0 = strata_now_ms();
	int h, i;

	/* 100 plans of 20 targets each: the hash table grows; all stay distinct. */
	for (h = 0; h < 100; h++) {
		for (i = 0; i < 20; i++) {
			snprintf(names[h * 20 + i], sizeof(names[0]), "pod-%d", h * 20 + i);
			t[i] = (struct coord_target){ "Pod", "ns", names[h * 20 + i] };
		}
		snprintf(holder, sizeof(holder), "exec-%d", h);
		ck_assert_int_eq(coord_locks_acquire(lk, holder, t, 20, err, sizeof(err)), 0);
	}
	ck_assert_uint_eq(coord_locks_count(lk), 2000);
	t[0] = (struct coord_target){ "Pod", "ns", "pod-1234" };
	ck_assert_str_eq(coord_locks_holder(lk, &t[0]), "exec-61");
	ck_assert_uint_eq(coord_locks_release(lk, "exec-61"), 20);
	ck_assert_ptr_null(coord_locks_holder(lk, &t[0]));
	ck_assert_uint_eq(coord_locks_count(lk), 1980);
	ck_assert_msg(strata_now_ms() - t0 < 5000, "2000 locks took %llu ms",
	    (unsigned long long)(strata_now_ms() - t0));
	coord_locks_free(lk);
}
END_TEST

START_TEST(store_owns_a_lock_table)
{
	struct coord_store *st;
	struct coord_target a[] = { NODE("worker-1") };
	char err[256];

	tmp_setup();
	st = open_store(NULL, NULL);
	ck_assert_int_eq(coord_locks_acquire(coord_store_locks(st), "exec-x", a, 1, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(coord_locks_holder(coord_store_locks(st), &a[0]), "exec-x");
	coord_store_close(st);
	tmp_teardown();
}
END_TEST

static Suite *
coord_store_lock_suite(void)
{
	Suite *s = suite_create("coord_store_lock");
	TCase *tc = tcase_create("locks");

	tcase_add_test(tc, conflict_names_target_and_holder);
	tcase_add_test(tc, acquire_is_all_or_none);
	tcase_add_test(tc, release_frees_all_of_a_holder);
	tcase_add_test(tc, namespace_and_kind_distinguish_targets);
	tcase_add_test(tc, invalid_targets_and_limits);
	tcase_add_test(tc, many_holders_and_targets);
	tcase_add_test(tc, store_owns_a_lock_table);
	suite_add_tcase(s, tc);
	return s;
}

STRATA_TEST_MAIN(coord_store_lock_suite)
