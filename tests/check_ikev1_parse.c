/*
 * check_ikev1_parse.c - a received IKEv1 datagram is parsed once
 * (performance issue 11): its header and cleartext chain in ikev1_recv(),
 * an encrypted body once after decryption, by whichever layer opens it.
 * Two engines over the mock network; each datagram is handed over on its
 * own and the decoder's counts (ikev1_parse_stats) are read around it.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "common/log.h"
#include "ike/ike.h"
#include "ike/ikev1.h"
#include "ike/ikev1_sa.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

static const struct side_opts opt_a = {
	.so_version = 1, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1
};
static const struct side_opts opt_b = {
	.so_version = 1, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0
};

/* What went over the wire, by kind. */
struct seen {
	int	s_clear;	/* cleartext datagrams */
	int	s_enc;		/* encrypted: phase 1 (M-ID 0) */
	int	s_quick;	/* encrypted Quick Mode */
	int	s_info;		/* encrypted informational */
	/* the message each engine (a, b) parsed its datagrams into */
	const struct ikev1_msg *s_msg[2];
};

/*
 * Hands each datagram queued by from to to, alone, and checks what the
 * decoder did for it: one header parse, and one chain parse (the
 * cleartext chain, or the decrypted body of an E-flagged message; the
 * header parse of an E-flagged one does not parse its chain).  The
 * receiver must accept it: none of its drop counters moves.  And it
 * parsed it into the engine's one message, not an allocation of its own,
 * which is free again after.  Returns the number of datagrams.
 */
static int
relay(struct side *from, struct side *to, struct seen *sn)
{
	struct ikev1_parse_stats before;
	struct ike_counters	 c0, c1;
	struct mock_dgram	 d;
	const struct ikev1_ctx	*vc;
	int			 n = 0, enc, side = to == &B;

	while (mock_net_pop(&from->s_net, &d) == 0) {
		ck_assert_uint_ge(d.d_len, IKEV1_HDR_LEN);
		enc = d.d_data[19] & IKEV1_FLAG_ENC;
		if (!enc)
			sn->s_clear++;
		else if (d.d_data[18] == IKEV1_EXCH_QUICK)
			sn->s_quick++;
		else if (d.d_data[18] == IKEV1_EXCH_INFORMATIONAL)
			sn->s_info++;
		else
			sn->s_enc++;
		ike_counters_get(to->s_ike, &c0);
		before = ikev1_parse_stats;
		ike_recv(to->s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
		ck_assert_msg(ikev1_parse_stats.ps_hdr - before.ps_hdr == 1,
		    "exchange %u flags %#x: header parsed %llu times",
		    d.d_data[18], d.d_data[19], (unsigned long long)
		    (ikev1_parse_stats.ps_hdr - before.ps_hdr));
		ck_assert_msg(ikev1_parse_stats.ps_pld - before.ps_pld == 1,
		    "exchange %u flags %#x: payloads parsed %llu times",
		    d.d_data[18], d.d_data[19], (unsigned long long)
		    (ikev1_parse_stats.ps_pld - before.ps_pld));
		ike_counters_get(to->s_ike, &c1);
		ck_assert_uint_eq(c1.ic_malformed, c0.ic_malformed);
		ck_assert_uint_eq(c1.ic_dropped, c0.ic_dropped);
		ck_assert_uint_eq(c1.ic_bad_icv, c0.ic_bad_icv);
		ck_assert_uint_eq(c1.ic_unknown_spi, c0.ic_unknown_spi);
		ck_assert_ptr_nonnull(vc = to->s_ike->ctx_v1);
		ck_assert_ptr_nonnull(vc->vc_msg);
		ck_assert_int_eq(vc->vc_msg_busy, 0);
		if (sn->s_msg[side] == NULL)
			sn->s_msg[side] = vc->vc_msg;
		ck_assert_ptr_eq(vc->vc_msg, sn->s_msg[side]);
		free(d.d_data);
		n++;
	}
	return (n);
}

/* Relays both ways, running due events in between, until quiet. */
static void
relay_all(struct seen *sn)
{
	int	i, n;

	for (i = 0; i < 200; i++) {
		n = relay(&A, &B, sn) + relay(&B, &A, sn);
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (n == 0 && A.s_net.mn_n == 0 && B.s_net.mn_n == 0)
			return;
	}
	ck_abort_msg("the exchange does not end");
}

static void
assert_no_retransmits(void)
{
	struct ike_counters	 c;

	/* a resent datagram is answered from the cache, not opened: each
	 * one counted above was a new message */
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_eq(c.ic_retransmits, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_retransmits, 0);
}

/*
 * Main Mode or (_i == 1) Aggressive Mode, then Quick Mode, a Quick Mode
 * rekey, and the DELETEs of a's tunnel down: every datagram is parsed
 * once.
 *
 * Main Mode  { SA } -->                 <-- { SA }
 *            { KE, Ni, NAT-D x2 } -->   <-- { KE, Nr, NAT-D x2 }
 *            { IDii, HASH_I, N }* -->   <-- { IDir, HASH_R }*
 * Quick Mode { HASH(1), SA, Ni, KE, IDci, IDcr }* -->
 *            <-- { HASH(2), SA, Nr, KE, IDci, IDcr }*
 *            { HASH(3) }* -->
 * Informational { HASH(1), D }* -->
 */
START_TEST(test_v1_parse_once_exchange)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct seen		 sn;
	int			 nsa;

	memset(&sn, 0, sizeof(sn));
	if (_i == 1) {
		a.so_ike = "\t\tmode aggressive\n\t\tlocal-id a.example.com\n"
		    "\t\tpeer-id b.example.com\n";
		b.so_ike = "\t\tmode aggressive\n\t\tlocal-id b.example.com\n"
		    "\t\tpeer-id a.example.com\n";
	}
	pair_init(&a, &b);
	ike_start(A.s_ike);
	relay_all(&sn);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(status(&B).ts_state), "Connected");
	ck_assert_int_eq(status(&A).ts_nchild, 1);
	/* Main Mode: 4 in the clear, 2 encrypted; Aggressive Mode: 2 and 1 */
	ck_assert_int_eq(sn.s_clear, _i == 1 ? 2 : 4);
	ck_assert_int_eq(sn.s_enc, _i == 1 ? 1 : 2);
	ck_assert_int_eq(sn.s_quick, 3);

	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	relay_all(&sn);
	ck_assert_int_eq(sn.s_quick, 6);

	nsa = mock_kernel_nsa(&B.s_kernel);
	ck_assert_int_eq(ike_tunnel_down(A.s_ike, "t1"), 0);
	relay_all(&sn);
	/* DELETE of the IPsec SA, DELETE of the ISAKMP SA: b opened the
	 * first and removed the pair it names */
	ck_assert_int_eq(sn.s_info, 2);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), nsa - 2);
	assert_no_retransmits();
	pair_free();
}
END_TEST

/* A tunnel up, then a's Quick Mode message 1 of its rekey, taken off
 * the wire into d (the caller frees d->d_data). */
static void
rekey_message1(struct seen *sn, struct mock_dgram *d)
{
	memset(sn, 0, sizeof(*sn));
	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	relay_all(sn);
	ck_assert_int_eq(status(&A).ts_nchild, 1);
	ck_assert_int_eq(status(&B).ts_nchild, 1);
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(mock_net_pop(&A.s_net, d), 0);
	ck_assert_uint_eq(d->d_data[18], IKEV1_EXCH_QUICK);
	ck_assert(d->d_data[19] & IKEV1_FLAG_ENC);
}

/*
 * A Quick Mode message 1 with a flipped bit in its last block: it
 * decrypts to garbage that does not parse (or, by chance, whose HASH(1)
 * does not verify).  Its header is parsed once and its body at most once;
 * it is dropped without an answer, and the genuine message 1 after it
 * opens, is parsed once and is answered.
 */
START_TEST(test_v1_parse_once_garbled)
{
	struct ikev1_parse_stats before;
	struct mock_dgram	 d;
	struct ike_counters	 c0, c1;
	struct seen		 sn;

	rekey_message1(&sn, &d);
	d.d_data[d.d_len - 1] ^= 0x01;
	ike_counters_get(B.s_ike, &c0);
	before = ikev1_parse_stats;
	ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
	ck_assert_uint_eq(ikev1_parse_stats.ps_hdr - before.ps_hdr, 1);
	ck_assert_uint_le(ikev1_parse_stats.ps_pld - before.ps_pld, 1);
	ike_counters_get(B.s_ike, &c1);
	ck_assert_uint_eq(c1.ic_malformed + c1.ic_bad_icv,
	    c0.ic_malformed + c0.ic_bad_icv + 1);
	ck_assert_int_eq(B.s_net.mn_n, 0);
	/* the genuine one */
	d.d_data[d.d_len - 1] ^= 0x01;
	before = ikev1_parse_stats;
	ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
	ck_assert_uint_eq(ikev1_parse_stats.ps_hdr - before.ps_hdr, 1);
	ck_assert_uint_eq(ikev1_parse_stats.ps_pld - before.ps_pld, 1);
	ck_assert_int_eq(B.s_net.mn_n, 1);	/* message 2 */
	free(d.d_data);
	relay_all(&sn);
	ck_assert_int_eq(status(&A).ts_nchild, 1);
	ck_assert_int_eq(status(&B).ts_nchild, 1);
	pair_free();
}
END_TEST

/*
 * A datagram that comes while the engine's message is in use (were one
 * ever received from below ikev1_recv) gets a message of its own: it is
 * handled all the same, and the engine's message is left alone.
 */
START_TEST(test_v1_parse_msg_busy)
{
	struct mock_dgram	 d;
	struct ikev1_ctx	*vc;
	const struct ikev1_msg	*own;
	struct seen		 sn;

	rekey_message1(&sn, &d);
	ck_assert_ptr_nonnull(vc = B.s_ike->ctx_v1);
	own = vc->vc_msg;
	vc->vc_msg_busy = 1;
	ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
	free(d.d_data);
	ck_assert_int_eq(vc->vc_msg_busy, 1);
	ck_assert_ptr_eq(vc->vc_msg, own);
	ck_assert_int_eq(B.s_net.mn_n, 1);	/* message 2 */
	vc->vc_msg_busy = 0;
	relay_all(&sn);
	ck_assert_int_eq(status(&A).ts_nchild, 1);
	ck_assert_int_eq(status(&B).ts_nchild, 1);
	pair_free();
}
END_TEST

static Suite *
ikev1_parse_suite(void)
{
	Suite	*s = suite_create("ikev1_parse");
	TCase	*tc;

	tc = tcase_create("once");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_v1_parse_once_exchange, 0, 2);
	tcase_add_test(tc, test_v1_parse_once_garbled);
	tcase_add_test(tc, test_v1_parse_msg_busy);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nfail;

	/* not debug: v1_msg_seal() parses our own messages back for its
	 * debug log, which these counts would see */
	log_init(0, LOG_LVL_WARN);
	sr = srunner_create(ikev1_parse_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? 0 : 1);
}
