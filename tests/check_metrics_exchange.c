/*
 * check_metrics_exchange.c - what status and metrics count, with two
 * in-process engines (A initiates, B responds) over the mock network and
 * mock kernels: tunnel traffic totals that never go backwards across
 * CHILD SA rekeys and kernel expiries, one kernel dump per status, rekey
 * counters, SA-state gauges and the DPD counters.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "tests/exchange_pair.h"

#define PFS_2	"\t\tpfs 2\n"

static const struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1, .so_ipsec = PFS_2
};
static const struct side_opts opt_b_resp = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0, .so_ipsec = PFS_2
};

static void
connect_pair(void)
{
	pair_init(&opt_a, &opt_b_resp);
	/* SAs without their own traffic count nothing */
	A.s_kernel.mk_stats_bytes = 0;
	A.s_kernel.mk_stats_packets = 0;
	B.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_packets = 0;
	ike_start(A.s_ike);
	pump(50);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_int_eq(status(&A).ts_nchild, 1);
}

/* Gives A's current CHILD SA its own traffic: in, out bytes (packets
 * = bytes / 100). */
static void
traffic_a(uint64_t in, uint64_t out)
{
	struct tunnel_status	 st = status(&A);

	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel,
	    st.ts_child[0].cs_spi_in, in, in / 100), 0);
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel,
	    st.ts_child[0].cs_spi_out, out, out / 100), 0);
}

static void
assert_totals(const struct tunnel_status *st, uint64_t in, uint64_t out)
{
	ck_assert_uint_eq(st->ts_bytes_in, in);
	ck_assert_uint_eq(st->ts_bytes_out, out);
	ck_assert_uint_eq(st->ts_packets_in, in / 100);
	ck_assert_uint_eq(st->ts_packets_out, out / 100);
}

/* Totals only grow: compared with the previous status, at every step. */
static void
assert_not_back(const struct tunnel_status *prev,
    const struct tunnel_status *st)
{
	ck_assert_uint_ge(st->ts_bytes_in, prev->ts_bytes_in);
	ck_assert_uint_ge(st->ts_bytes_out, prev->ts_bytes_out);
	ck_assert_uint_ge(st->ts_packets_in, prev->ts_packets_in);
	ck_assert_uint_ge(st->ts_packets_out, prev->ts_packets_out);
}

/*
 * CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr } -->  ...
 * INFORMATIONAL { D(ESP, old SPI) } -->: the old SAs' final counters are
 * read before their removal and stay in the tunnel's totals; a status
 * taken after every single datagram never sees them go back, not even
 * while both the old and the new SA are in the kernel.
 */
START_TEST(test_metrics_totals_survive_child_rekey)
{
	struct tunnel_status	 prev, st;
	uint32_t		 old_in;
	int			 i, n;

	connect_pair();
	traffic_a(100000, 200000);
	prev = status(&A);
	assert_totals(&prev, 100000, 200000);
	old_in = prev.ts_child[0].cs_spi_in;
	ck_assert_uint_eq(prev.ts_child_rekeys, 0);

	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	/* one datagram at a time, a status after each */
	for (i = 0; i < 200; i++) {
		n = deliver(&A, &B) + deliver(&B, &A);
		event_base_loop(base, EVLOOP_NONBLOCK);
		st = status(&A);
		assert_not_back(&prev, &st);
		prev = st;
		if (n == 0 && mock_kernel_sa(&A.s_kernel, old_in) == NULL)
			break;
	}
	pump(20);
	st = status(&A);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel, old_in));
	ck_assert_uint_ne(st.ts_child[0].cs_spi_in, old_in);
	/* the old SA's traffic stays; the new SA has carried nothing */
	assert_totals(&st, 100000, 200000);
	ck_assert_uint_eq(st.ts_child[0].cs_bytes_in, 0);
	ck_assert_uint_eq(st.ts_child_rekeys, 1);
	/* the new SA's traffic adds to it */
	traffic_a(3000, 6000);
	st = status(&A);
	assert_totals(&st, 103000, 206000);
	ck_assert_uint_eq(st.ts_child[0].cs_bytes_in, 3000);

	/* and a second rekey, by the responder this time */
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(50);
	st = status(&A);
	assert_totals(&st, 103000, 206000);
	ck_assert_uint_eq(st.ts_child_rekeys, 2);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * The kernel removes an SA by itself (hard expiry, XFRM_MSG_EXPIRE with
 * hard 1): its counters cannot be read any more, so the tunnel keeps the
 * highest ones seen; the totals do not drop.
 */
START_TEST(test_metrics_totals_survive_hard_expiry)
{
	struct tunnel_status	 before, st;

	connect_pair();
	traffic_a(5000, 7000);
	before = status(&A);
	assert_totals(&before, 5000, 7000);
	ck_assert_int_eq(mock_kernel_expire(&A.s_kernel,
	    before.ts_child[0].cs_spi_in, 1), 0);
	pump(100);
	st = status(&A);
	assert_not_back(&before, &st);
	ck_assert_uint_ge(st.ts_bytes_in, 5000);
	ck_assert_uint_ge(st.ts_bytes_out, 7000);
	pair_free();
}
END_TEST

/* A status asks the kernel once (a dump), never once per SA. */
START_TEST(test_metrics_status_one_dump)
{
	struct tunnel_status	 st[2];
	int			 dumps;
	uint64_t		 live;

	connect_pair();
	traffic_a(1234, 5678);
	dumps = A.s_kernel.mk_ndumps;
	live = A.s_kernel.mk_stats_live;
	ck_assert_int_eq(ike_status(A.s_ike, st, 2), 1);
	ck_assert_int_eq(A.s_kernel.mk_ndumps, dumps + 1);
	ck_assert_uint_eq(A.s_kernel.mk_stats_live, live);
	ck_assert_uint_ge(A.s_kernel.mk_stats_snap, 2);
	ck_assert_int_eq(A.s_kernel.mk_snap_on, 0);	/* released */
	ck_assert_uint_eq(st[0].ts_child[0].cs_bytes_in, 1234);
	ck_assert_uint_eq(st[0].ts_child[0].cs_bytes_out, 5678);
	assert_totals(&st[0], 1234, 5678);
	ck_assert_str_eq(st[0].ts_peer_name, "p");
	ike_status_free(st, 1);
	pair_free();
}
END_TEST

/* IKE SA rekeys and failed attempts are counted per tunnel. */
START_TEST(test_metrics_ike_rekeys_and_failures)
{
	struct side_opts	 ob = opt_b_resp;
	struct tunnel_status	 st;

	connect_pair();
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(50);
	ck_assert_uint_eq(status(&A).ts_ike_rekeys, 1);
	ck_assert_uint_eq(status(&A).ts_failures, 0);
	pair_free();

	/* a wrong PSK: phase 1 fails, and is counted */
	ob.so_psk = "An0ther!key";
	pair_init(&opt_a, &ob);
	ike_start(A.s_ike);
	pump(100);
	st = status(&A);
	ck_assert_str_ne(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_uint_ge(st.ts_failures, 1);
	pair_free();
}
END_TEST

START_TEST(test_metrics_gauges)
{
	struct ike_gauges	 g;
	int			 i;

	connect_pair();
	ike_gauges_get(A.s_ike, &g);
	ck_assert_uint_eq(g.ig_ike[IKE_GAUGE_ESTABLISHED], 1);
	ck_assert_uint_eq(g.ig_ike[IKE_GAUGE_HALF_OPEN], 0);
	ck_assert_uint_eq(g.ig_child[IKE_GAUGE_CHILD_INSTALLED], 1);
	for (i = 0; i < IKE_GAUGE_CHILD_N; i++)
		if (i != IKE_GAUGE_CHILD_INSTALLED)
			ck_assert_uint_eq(g.ig_child[i], 0);
	pair_free();

	/* IKE_SA_INIT sent, never answered: one half-open IKE SA */
	pair_init(&opt_a, &opt_b_resp);
	ike_start(A.s_ike);
	ike_gauges_get(A.s_ike, &g);
	ck_assert_uint_eq(g.ig_ike[IKE_GAUGE_HALF_OPEN], 1);
	ck_assert_uint_eq(g.ig_ike[IKE_GAUGE_ESTABLISHED], 0);
	pair_free();
}
END_TEST

static enum mock_verdict
drop_all(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	(void)pkt;
	(void)len;
	return (MOCK_DROP);
}

/* b goes silent: a's liveness check is sent, then missed. */
START_TEST(test_metrics_dpd_counters)
{
	struct ike_counters	 c;

	pair_init(&opt_a, &opt_b_resp);
	ike_ctx_dpd_set(A.s_ike, 30, 60);
	ike_ctx_dpd_set(B.s_ike, 0, 0);
	ike_start(A.s_ike);
	pump(20);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_eq(c.ic_dpd_sent, 0);
	ck_assert_uint_eq(c.ic_dpd_missed, 0);
	B.s_net.mn_filter = drop_all;
	pump(200);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_ge(c.ic_dpd_sent, 1);
	ck_assert_uint_eq(c.ic_dpd_missed, 1);
	B.s_net.mn_filter = NULL;
	pair_free();
}
END_TEST

static Suite *
metrics_exchange_suite(void)
{
	Suite	*s = suite_create("metrics_exchange");
	TCase	*tc;

	tc = tcase_create("totals");
	tcase_add_test(tc, test_metrics_totals_survive_child_rekey);
	tcase_add_test(tc, test_metrics_totals_survive_hard_expiry);
	tcase_add_test(tc, test_metrics_status_one_dump);
	tcase_add_test(tc, test_metrics_ike_rekeys_and_failures);
	suite_add_tcase(s, tc);
	tc = tcase_create("daemon");
	tcase_add_test(tc, test_metrics_gauges);
	tcase_add_test(tc, test_metrics_dpd_counters);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(metrics_exchange_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
