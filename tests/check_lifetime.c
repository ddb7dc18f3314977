/*
 * check_lifetime.c - rekey time with jitter, retry backoff and hard
 * expiry (ipsec/lifetime.c).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "ipsec/lifetime.h"

#define NVEC(v)	((int)(sizeof(v) / sizeof((v)[0])))

/* The rekey falls within [lo, hi] % of the life, and is not constant. */
static const struct {
	uint64_t	 life;
	unsigned	 lo, hi;
} rekey_vecs[] = {
	{ 86400000, 85, 90 },
	{ 3600000, 85, 90 },
	{ 20000, 80, 90 },
	{ 1000, 90, 90 },	/* no jitter asked: exactly 90 % */
	{ 1000, 95, 90 },	/* lo > hi: hi */
};

START_TEST(test_lifetime_rekey_within_jitter)
{
	struct sa_lifetime	 lt;
	uint64_t		 life = rekey_vecs[_i].life, seen_min = UINT64_MAX;
	uint64_t		 seen_max = 0, lo, hi, r;
	unsigned		 plo = rekey_vecs[_i].lo, phi = rekey_vecs[_i].hi;
	int			 n;

	if (plo > phi)
		plo = phi;
	lo = life * plo / 100;
	hi = life * phi / 100;
	for (n = 0; n < 200; n++) {
		lifetime_init(&lt, 5000, life, rekey_vecs[_i].lo,
		    rekey_vecs[_i].hi, 0);
		r = lifetime_rekey_in(&lt, 5000);
		ck_assert_uint_ge(r, lo);
		ck_assert_uint_le(r, hi);
		ck_assert_uint_eq(lifetime_hard_in(&lt, 5000), life);
		if (r < seen_min)
			seen_min = r;
		if (r > seen_max)
			seen_max = r;
	}
	if (hi - lo >= 100)	/* 200 draws: spread out */
		ck_assert_uint_gt(seen_max - seen_min, (hi - lo) / 4);
	else if (hi == lo)
		ck_assert_uint_eq(seen_max, seen_min);
}
END_TEST

/*
 * The retransmission margin: a 20 s life with 2 s retransmissions (the
 * lab soak) rekeys at 85-90 % of 15 s, leaving at least 6.5 s for the
 * request's 2 retransmissions (after 2 and 6 s); a day-long life keeps
 * its 85-90 % within 8 s.
 */
START_TEST(test_lifetime_margin)
{
	struct sa_lifetime	 lt;
	uint64_t		 r;
	int			 n;

	ck_assert_uint_eq(lifetime_margin(20000, 2000), 5000);
	ck_assert_uint_eq(lifetime_margin(86400000, 2000), 8000);
	ck_assert_uint_eq(lifetime_margin(100, 50), 25);
	for (n = 0; n < 100; n++) {
		lifetime_init(&lt, 0, 20000, 85, 90,
		    lifetime_margin(20000, 2000));
		r = lifetime_rekey_in(&lt, 0);
		ck_assert_uint_ge(r, 12750);
		ck_assert_uint_le(r, 13500);
		ck_assert_uint_ge(lifetime_hard_in(&lt, 0) - r, 6500);
		r = lifetime_pick(86400000, 85, 90, 8000);
		ck_assert_uint_ge(r, 86400000ULL * 85 / 100 - 8000);
		ck_assert_uint_le(r, 86400000ULL * 90 / 100);
	}
	/* the order of two windows is kept (IKEv1: creator first) */
	for (n = 0; n < 100; n++)
		ck_assert_uint_lt(lifetime_pick(20000, 85, 90, 5000),
		    lifetime_pick(20000, 95, 97, 5000));
}
END_TEST

START_TEST(test_lifetime_times_count_down)
{
	struct sa_lifetime	 lt;
	uint64_t		 r;

	lifetime_init(&lt, 1000, 10000, 90, 90, 0);
	r = lifetime_rekey_in(&lt, 1000);
	ck_assert_uint_eq(r, 9000);
	ck_assert_uint_eq(lifetime_rekey_in(&lt, 4000), 6000);
	ck_assert_uint_eq(lifetime_rekey_in(&lt, 20000), 0);
	ck_assert_uint_eq(lifetime_hard_in(&lt, 10999), 1);
	ck_assert_uint_eq(lifetime_hard_in(&lt, 11000), 0);
	ck_assert_uint_eq(lifetime_hard_in(&lt, 50000), 0);
}
END_TEST

/* Doubling from base, +-25 %, capped, never past the hard expiry. */
START_TEST(test_lifetime_retry_backoff)
{
	struct sa_lifetime	 lt;
	uint64_t		 r, want;
	int			 i;

	lifetime_init(&lt, 0, 86400000, 90, 90, 0);
	for (i = 0; i < 10; i++) {
		want = 2000ULL << i;
		if (want > 60000)
			want = 60000;
		r = lifetime_retry_in(&lt, 0, 2000, 60000);
		ck_assert_uint_ge(r, want - want / 4);
		ck_assert_uint_le(r, want + want / 4);
	}
	ck_assert_int_eq(lt.lt_tries, 10);
	lifetime_rekeyed(&lt);
	ck_assert_int_eq(lt.lt_tries, 0);
	r = lifetime_retry_in(&lt, 0, 2000, 60000);
	ck_assert_uint_le(r, 2500);
}
END_TEST

START_TEST(test_lifetime_retry_before_expiry)
{
	struct sa_lifetime	 lt;
	uint64_t		 r;

	lifetime_init(&lt, 0, 100000, 90, 90, 0);
	/* 10 s left: the try ends one base delay before the expiry */
	r = lifetime_retry_in(&lt, 90000, 2000, 60000);
	ck_assert_uint_le(r, 2500);
	lt.lt_tries = 8;
	r = lifetime_retry_in(&lt, 90000, 2000, 60000);
	ck_assert_uint_le(r, 8000);
	ck_assert_uint_gt(r, 0);
	/* less than a base delay left: no try, the expiry acts */
	ck_assert_uint_eq(lifetime_retry_in(&lt, 98500, 2000, 60000), 0);
	ck_assert_uint_eq(lifetime_retry_in(&lt, 200000, 2000, 60000), 0);
}
END_TEST
/*
 * Volume lifetimes: the soft limit within [lo, hi] % of the hard one,
 * not constant, always below it (and at least 1), no overflow near
 * 2^64; 0 (unlimited) stays 0.
 */
START_TEST(test_lifetime_volume_soft)
{
	static const struct {
		uint64_t	 hard;
		unsigned	 lo, hi;
	} v[] = {
		{ 4718592000ULL, 85, 90 },
		{ 102400, 95, 97 },
		{ 1000000000000000000ULL, 85, 90 },
		{ UINT64_MAX - 1, 85, 90 },
		{ 1000, 90, 90 },
		{ 1000, 95, 90 },	/* lo > hi: hi */
		{ 10, 100, 100 },	/* never the hard limit itself */
	};
	uint64_t	 s, first = 0, lo, hi;
	int		 i, k, differs;

	for (i = 0; i < NVEC(v); i++) {
		lo = v[i].hard / 100 * (v[i].lo > v[i].hi ? v[i].hi : v[i].lo);
		hi = v[i].hard / 100 * v[i].hi + v[i].hard % 100 * v[i].hi /
		    100;
		differs = 0;
		for (k = 0; k < 200; k++) {
			s = lifetime_volume_soft(v[i].hard, v[i].lo, v[i].hi);
			ck_assert_uint_ge(s, lo < 1 ? 1 : lo);
			ck_assert_uint_le(s, hi);
			ck_assert_uint_lt(s, v[i].hard);
			if (k == 0)
				first = s;
			else if (s != first)
				differs = 1;
		}
		if (v[i].lo < v[i].hi && v[i].hard > 1000)
			ck_assert_msg(differs, "soft of %llu is constant",
			    (unsigned long long)v[i].hard);
	}
	ck_assert_uint_eq(lifetime_volume_soft(0, 85, 90), 0);
	ck_assert_uint_eq(lifetime_volume_soft(1, 85, 90), 1);
}
END_TEST

static Suite *
lifetime_suite(void)
{
	Suite	*s = suite_create("lifetime");
	TCase	*tc = tcase_create("rekey");

	tcase_add_loop_test(tc, test_lifetime_rekey_within_jitter, 0,
	    NVEC(rekey_vecs));
	tcase_add_test(tc, test_lifetime_times_count_down);
	tcase_add_test(tc, test_lifetime_margin);
	tcase_add_test(tc, test_lifetime_volume_soft);
	suite_add_tcase(s, tc);
	tc = tcase_create("retry");
	tcase_add_test(tc, test_lifetime_retry_backoff);
	tcase_add_test(tc, test_lifetime_retry_before_expiry);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(lifetime_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
