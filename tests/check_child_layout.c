/*
 * check_child_layout.c - the tunnel's CHILD SA layout (child-sa
 * per-pair|single, issue 11) with two in-process IKEv2 engines, A
 * initiating and B responding, over the mock network and mock kernels.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev2.h"
#include "tests/exchange_pair.h"

#define SINGLE	"\tchild-sa single\n"
#define PFS_OFF	"\t\tpfs disable\n"

/* CREATE_CHILD_SA requests a side sent (the filter counts them). */
static int	create_requests;

static enum mock_verdict
count_create(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	/* IKE header: exchange type at 18, flags at 19 (RFC 7296 §3.1) */
	if (len >= 28 && pkt[18] == IKEV2_EXCH_CREATE_CHILD_SA &&
	    (pkt[19] & IKEV2_FLAG_RESPONSE) == 0)
		create_requests++;
	return (MOCK_PASS);
}

/* s is Connected with one CHILD SA (one SA pair in its kernel). */
static struct tunnel_status
assert_one_child(struct side *s)
{
	struct tunnel_status	 st = status(s);

	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(st.ts_nchild, 1);
	ck_assert_int_eq(mock_kernel_nsa(&s->s_kernel), 2);
	ck_assert_int_eq(s->s_kernel.mk_errors, 0);
	return (st);
}

/* "172.16.0.0/24,...,172.16.(n-1).0/24" or the 10.r.0.0/16 list. */
static void
ts_list_str(char *out, size_t len, int n, int local)
{
	size_t	 o = 0;
	int	 i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		o += snprintf(out + o, len - o, local ? "%s172.16.%d.0/24" :
		    "%s10.%d.0.0/16", i > 0 ? "," : "", i);
}

/*
 * child-sa single, n x n segments, both sides:
 * IKE_AUTH { IDi, AUTH, SA, TSi(n local), TSr(n peer) } -->
 *                              <-- { IDr, AUTH, SA, TSi(n), TSr(n) }
 * and no CREATE_CHILD_SA: one CHILD SA, 2 kernel SAs, the 3 policies
 * (out, in, fwd) of every one of the n * n selector combinations.
 */
static const int	 single_sizes[] = { 2, CFG_MAX_SEGMENTS };

START_TEST(test_layout_single_all_pairs)
{
	struct side_opts	 a = { .so_version = 2, .so_initiate = 1,
	    .so_tunnel = SINGLE, .so_ipsec = PFS_OFF };
	struct side_opts	 b = { .so_version = 2, .so_initiate = 0,
	    .so_tunnel = SINGLE, .so_ipsec = PFS_OFF };
	struct tunnel_status	 sa, sb;
	char			 l[IKE_STATUS_TS_LEN], r[IKE_STATUS_TS_LEN];
	int			 n = single_sizes[_i];

	segments_make(&a, &b, n);
	pair_init(&a, &b);
	A.s_net.mn_filter = count_create;
	create_requests = 0;
	ike_start(A.s_ike);
	pump_children(1, 5000);
	pump(300);
	sa = assert_one_child(&A);
	sb = assert_one_child(&B);
	ck_assert_int_eq(create_requests, 0);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ts_list_str(l, sizeof(l), n, 1);
	ts_list_str(r, sizeof(r), n, 0);
	ck_assert_str_eq(sa.ts_child[0].cs_local_ts, l);
	ck_assert_str_eq(sa.ts_child[0].cs_remote_ts, r);
	ck_assert_str_eq(sb.ts_child[0].cs_local_ts, r);
	ck_assert_str_eq(sb.ts_child[0].cs_remote_ts, l);
	ck_assert_int_eq(A.s_kernel.mk_npol, 3 * n * n);
	ck_assert_int_eq(B.s_kernel.mk_npol, 3 * n * n);
	ck_assert_ptr_nonnull(mock_kernel_policy(&A.s_kernel, KDIR_OUT,
	    "172.16.1.0/24", "10.1.0.0/16"));
	ck_assert_ptr_nonnull(mock_kernel_policy(&B.s_kernel, KDIR_OUT,
	    "10.0.0.0/16", "172.16.1.0/24"));
	/* routes to the peer segments as per-pair has them */
	ck_assert_int_eq(A.s_kernel.mk_nroute, n);
	A.s_net.mn_filter = NULL;
	pair_free();
}
END_TEST

/*
 * child-sa single: a CHILD SA rekey (§1.3.3) keeps every selector; the
 * policies stay (same reqid) and one SA pair is left on each side.
 * _i 0: A (the initiator) rekeys; _i 1: B (the responder) does.
 */
START_TEST(test_layout_single_rekey)
{
	struct side_opts	 a = { .so_version = 2, .so_initiate = 1,
	    .so_tunnel = SINGLE, .so_ipsec = PFS_OFF };
	struct side_opts	 b = { .so_version = 2, .so_initiate = 0,
	    .so_tunnel = SINGLE, .so_ipsec = PFS_OFF };
	struct tunnel_status	 before, sa, sb;
	char			 l[IKE_STATUS_TS_LEN], r[IKE_STATUS_TS_LEN];
	int			 i;

	segments_make(&a, &b, 3);
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump_children(1, 5000);
	before = assert_one_child(&A);
	ck_assert_int_eq(ike_tunnel_rekey(_i == 0 ? A.s_ike : B.s_ike, "t1"),
	    0);
	for (i = 0; i < 100; i++) {
		pump(20);
		sa = status(&A);
		if (sa.ts_child_rekeys >= 1 &&
		    mock_kernel_nsa(&A.s_kernel) == 2 &&
		    mock_kernel_nsa(&B.s_kernel) == 2)
			break;
	}
	pump(50);
	sa = assert_one_child(&A);
	sb = assert_one_child(&B);
	ck_assert_uint_eq(sa.ts_child_rekeys, 1);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ts_list_str(l, sizeof(l), 3, 1);
	ts_list_str(r, sizeof(r), 3, 0);
	ck_assert_str_eq(sa.ts_child[0].cs_local_ts, l);
	ck_assert_str_eq(sa.ts_child[0].cs_remote_ts, r);
	ck_assert_str_eq(sb.ts_child[0].cs_local_ts, r);
	ck_assert_str_eq(sb.ts_child[0].cs_remote_ts, l);
	ck_assert_int_eq(A.s_kernel.mk_npol, 27);
	ck_assert_int_eq(B.s_kernel.mk_npol, 27);
	/* the policies name the new SA's reqid, the old one's */
	ck_assert_uint_eq(A.s_kernel.mk_pol[0].kp_reqid, mock_kernel_sa(
	    &A.s_kernel, sa.ts_child[0].cs_spi_in)->m_sa.ks_reqid);
	pair_free();
}
END_TEST

/*
 * Mixed layouts, 2 x 2 segments, A initiates:
 *  _i 0: A single, B per-pair: B takes the one multi-selector CHILD SA
 *        (a responder narrows to its segments, all of them here);
 *  _i 1: A per-pair, B single: B answers each pair's CHILD SA.
 */
START_TEST(test_layout_mixed)
{
	struct side_opts	 a = { .so_version = 2, .so_initiate = 1,
	    .so_ipsec = PFS_OFF };
	struct side_opts	 b = { .so_version = 2, .so_initiate = 0,
	    .so_ipsec = PFS_OFF };
	struct tunnel_status	 sa, sb;

	if (_i == 0)
		a.so_tunnel = SINGLE;
	else
		b.so_tunnel = SINGLE;
	segments_make(&a, &b, 2);
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump_children(_i == 0 ? 1 : 4, 5000);
	pump(300);
	sa = status(&A);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	ck_assert_int_eq(sa.ts_nchild, _i == 0 ? 1 : 4);
	ck_assert_int_eq(sb.ts_nchild, _i == 0 ? 1 : 4);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), _i == 0 ? 2 : 8);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), _i == 0 ? 2 : 8);
	ck_assert_int_eq(A.s_kernel.mk_npol, 12);
	ck_assert_int_eq(B.s_kernel.mk_npol, 12);
	if (_i == 1)
		assert_every_pair(&sa, 2);
	pair_free();
}
END_TEST

/*
 * A single with 2 x 2 segments; B has only the peer segment 10.0.0.0/16
 * besides another one A does not know (10.9.0.0/16): B narrows TSr to
 * 10.0.0.0/16.  The CHILD SA covers two of A's four pairs; A then asks
 * for the two left out one by one (CREATE_CHILD_SA), which B refuses
 * (TS_UNACCEPTABLE): A keeps its one CHILD SA and tries no more.
 */
START_TEST(test_layout_single_narrowed)
{
	struct side_opts	 a = { .so_version = 2, .so_initiate = 1,
	    .so_tunnel = SINGLE, .so_ipsec = PFS_OFF,
	    .so_local = { "172.16.0.0/24", "172.16.1.0/24" },
	    .so_remote = { "10.0.0.0/16", "10.1.0.0/16" } };
	struct side_opts	 b = { .so_version = 2, .so_initiate = 0,
	    .so_ipsec = PFS_OFF,
	    .so_local = { "10.0.0.0/16", "10.9.0.0/16" },
	    .so_remote = { "172.16.0.0/24", "172.16.1.0/24" } };
	struct tunnel_status	 sa;

	pair_init(&a, &b);
	A.s_net.mn_filter = count_create;
	create_requests = 0;
	ike_start(A.s_ike);
	pump_children(1, 5000);
	pump(500);
	sa = assert_one_child(&A);
	ck_assert_str_eq(sa.ts_child[0].cs_local_ts,
	    "172.16.0.0/24,172.16.1.0/24");
	ck_assert_str_eq(sa.ts_child[0].cs_remote_ts, "10.0.0.0/16");
	ck_assert_int_eq(A.s_kernel.mk_npol, 6);
	ck_assert_int_eq(create_requests, 2);
	pump(500);
	ck_assert_int_eq(create_requests, 2);
	A.s_net.mn_filter = NULL;
	pair_free();
}
END_TEST

/*
 * A reload that turns per-pair into single changes the tunnel: it is set
 * up again, now with one CHILD SA (4 before).
 */
START_TEST(test_layout_reload)
{
	struct side_opts	 a = { .so_version = 2, .so_initiate = 1,
	    .so_ipsec = PFS_OFF };
	struct side_opts	 b = { .so_version = 2, .so_initiate = 0,
	    .so_ipsec = PFS_OFF };
	struct config		*cfg;
	int			 i;

	segments_make(&a, &b, 2);
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump_children(4, 5000);
	ck_assert_int_eq(status(&A).ts_nchild, 4);
	a.so_tunnel = SINGLE;
	cfg = cfg_make(ADDR_A, ADDR_B, &a);
	ike_config_apply(A.s_ike, cfg);
	A.s_cfg = cfg;
	for (i = 0; i < 100; i++) {
		pump(20);
		if (status(&A).ts_nchild == 1 && status(&B).ts_nchild == 1 &&
		    mock_kernel_nsa(&A.s_kernel) == 2 &&
		    mock_kernel_nsa(&B.s_kernel) == 2)
			break;
	}
	assert_one_child(&A);
	assert_one_child(&B);
	ck_assert_int_eq(A.s_kernel.mk_npol, 12);
	pair_free();
}
END_TEST

static Suite *
child_layout_suite(void)
{
	Suite	*s = suite_create("child_layout");
	TCase	*tc;

	tc = tcase_create("single");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_layout_single_all_pairs, 0,
	    sizeof(single_sizes) / sizeof(single_sizes[0]));
	tcase_add_loop_test(tc, test_layout_single_rekey, 0, 2);
	tcase_add_test(tc, test_layout_single_narrowed);
	suite_add_tcase(s, tc);
	tc = tcase_create("mixed");
	tcase_add_loop_test(tc, test_layout_mixed, 0, 2);
	tcase_add_test(tc, test_layout_reload);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(child_layout_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
