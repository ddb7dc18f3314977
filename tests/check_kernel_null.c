/*
 * check_kernel_null.c - the benchmarks' null kernel (kernel/null.c),
 * compiled here with GW_BENCH whatever the build's configuration, so
 * that every `make check` tests it: distinct SPIs outside the reserved
 * 0-255, everything else accepted and forgotten, counters zero.
 * check_kernel tests that a build without --enable-bench refuses it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common/log.h"
#include "kernel/kernel.h"

#define NULL_NSPI	5000

static int
null_spi_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

START_TEST(test_null_spis_distinct)
{
	static uint32_t		 spis[NULL_NSPI];
	struct kernel_ops	 ops;
	struct in_addr		 a = { htonl(0x7f000001) };
	int			 i;

	ck_assert_int_eq(kernel_null_available(), 1);
	ck_assert_int_eq(kernel_null_open(&ops), 0);
	for (i = 0; i < NULL_NSPI; i++) {
		ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, IPPROTO_ESP, a,
		    a, KERNEL_REQID_BASE, &spis[i]), 0);
		spis[i] = ntohl(spis[i]);
		ck_assert_uint_ge(spis[i], 0x100);
	}
	qsort(spis, NULL_NSPI, sizeof(spis[0]), null_spi_cmp);
	for (i = 1; i < NULL_NSPI; i++)
		ck_assert_uint_ne(spis[i - 1], spis[i]);
	kernel_null_close(&ops);
	ck_assert_ptr_null(ops.ko_arg);
}
END_TEST

START_TEST(test_null_accepts_and_forgets)
{
	struct kernel_ops	 ops;
	struct kernel_sa	 sa;
	struct kernel_policy	 pol;
	struct kernel_sa_stats	 st;
	struct in_addr		 a = { htonl(0x7f000001) };

	ck_assert_int_eq(kernel_null_open(&ops), 0);
	memset(&sa, 0, sizeof(sa));
	memset(&pol, 0, sizeof(pol));
	ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &pol), 0);
	ck_assert_int_eq(ops.ko_route_add(ops.ko_arg, a, 32, a, a), 0);
	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_ESP, 0, a, &st),
	    0);
	ck_assert_uint_eq(st.st_bytes + st.st_packets + st.st_use_time, 0);
	ck_assert_int_eq(ops.ko_sa_del(ops.ko_arg, IPPROTO_ESP, 0, a), 0);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &pol), 0);
	ck_assert_int_eq(ops.ko_route_del(ops.ko_arg, a, 32, a, a), 0);
	/* optional hooks stay NULL: the engine and daemon check them */
	ck_assert_ptr_null(ops.ko_local_addr);
	ck_assert_ptr_null(ops.ko_stats_snapshot);
	kernel_null_close(&ops);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kernel_null");
	TCase	*tc = tcase_create("null");
	SRunner	*sr;
	int	 failed;

	log_init(0, LOG_LVL_ERR);
	tcase_add_test(tc, test_null_spis_distinct);
	tcase_add_test(tc, test_null_accepts_and_forgets);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
