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

#define SEEN_MAX	64

/* What went over the wire, by kind, not counting retransmissions. */
struct seen {
	int		 s_clear;	/* cleartext datagrams */
	int		 s_enc;		/* encrypted: phase 1 (M-ID 0) */
	int		 s_quick;	/* encrypted Quick Mode */
	int		 s_info;	/* encrypted informational */
	int		 s_resent;	/* retransmissions */
	/* the message each engine (a, b) parsed its datagrams into */
	const struct ikev1_msg *s_msg[2];
	/* a digest of each datagram relayed, to tell a retransmission */
	uint64_t	 s_digest[SEEN_MAX];
	int		 s_n;
};

/* FNV-1a of the bytes: the same datagram sent again has the same. */
static uint64_t
digest(const uint8_t *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (h);
}

/* 1 if d went over before (a retransmission); else remembers it. */
static int
seen_before(struct seen *sn, const struct mock_dgram *d)
{
	uint64_t	 h = digest(d->d_data, d->d_len);
	int		 i;

	for (i = 0; i < sn->s_n; i++)
		if (sn->s_digest[i] == h)
			return (1);
	ck_assert_int_lt(sn->s_n, SEEN_MAX);
	sn->s_digest[sn->s_n++] = h;
	return (0);
}

/*
 * Hands each datagram queued by from to to, alone, and checks what the
 * decoder did for it: one header parse, and one chain parse (the
 * cleartext chain, or the decrypted body of an E-flagged message; the
 * header parse of an E-flagged one does not parse its chain).  The
 * receiver must accept it: none of its drop counters moves.  A
 * retransmission (a loaded machine runs the retransmission timers
 * between two relays) is answered from the cache or dropped: its header
 * is parsed once, its chain at most once.  Every datagram is parsed into
 * the engine's one message, not an allocation of its own, which is free
 * again after.  Returns the number of datagrams.
 */
static int
relay(struct side *from, struct side *to, struct seen *sn)
{
	struct ikev1_parse_stats before;
	struct ike_counters	 c0, c1;
	struct mock_dgram	 d;
	const struct ikev1_ctx	*vc;
	uint64_t		 npld;
	int			 n = 0, enc, again, side = to == &B;

	while (mock_net_pop(&from->s_net, &d) == 0) {
		ck_assert_uint_ge(d.d_len, IKEV1_HDR_LEN);
		enc = d.d_data[19] & IKEV1_FLAG_ENC;
		if ((again = seen_before(sn, &d)))
			sn->s_resent++;
		else if (!enc)
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
		npld = ikev1_parse_stats.ps_pld - before.ps_pld;
		ck_assert_msg(npld == 1 || (again && npld == 0),
		    "exchange %u flags %#x%s: payloads parsed %llu times",
		    d.d_data[18], d.d_data[19], again ? " (resent)" : "",
		    (unsigned long long)npld);
		ike_counters_get(to->s_ike, &c1);
		ck_assert_uint_eq(c1.ic_malformed, c0.ic_malformed);
		ck_assert_uint_eq(c1.ic_bad_icv, c0.ic_bad_icv);
		ck_assert_uint_eq(c1.ic_unknown_spi, c0.ic_unknown_spi);
		if (!again)
			ck_assert_uint_eq(c1.ic_dropped, c0.ic_dropped);
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

/* Each of the engines' retransmissions (on a timer) went over as a
 * copy of a datagram before it: relay() took it for one; the others it
 * took are cached answers to them. */
static void
assert_resent(const struct seen *sn)
{
	struct ike_counters	 a, b;

	ike_counters_get(A.s_ike, &a);
	ike_counters_get(B.s_ike, &b);
	ck_assert_uint_ge((uint64_t)sn->s_resent,
	    a.ic_retransmits + b.ic_retransmits);
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
	/* DELETE of the IPsec SA, DELETE of the ISAKMP SA (and, should
	 * its timer have fired, the DELETE of the rekeyed pair): b opened
	 * them and removed the pair the first names */
	ck_assert_int_ge(sn.s_info, 2);
	ck_assert_int_le(mock_kernel_nsa(&B.s_kernel), nsa - 2);
	assert_resent(&sn);
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
	/* its retransmission, should a timer send it, is one */
	ck_assert_int_eq(seen_before(sn, d), 0);
}

/* s queued n datagrams, and the last one is a Quick Mode message. */
static void
assert_sent_quick(const struct side *s, int n)
{
	const struct mock_net	*mn = &s->s_net;

	ck_assert_int_eq(mn->mn_n, n);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(mn->mn_q[(mn->mn_head + n - 1) %
	    MOCK_NET_QLEN].d_data[18], IKEV1_EXCH_QUICK);
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
	int			 q;

	rekey_message1(&sn, &d);
	q = B.s_net.mn_n;
	d.d_data[d.d_len - 1] ^= 0x01;
	ike_counters_get(B.s_ike, &c0);
	before = ikev1_parse_stats;
	ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
	ck_assert_uint_eq(ikev1_parse_stats.ps_hdr - before.ps_hdr, 1);
	ck_assert_uint_le(ikev1_parse_stats.ps_pld - before.ps_pld, 1);
	ike_counters_get(B.s_ike, &c1);
	ck_assert_uint_eq(c1.ic_malformed + c1.ic_bad_icv,
	    c0.ic_malformed + c0.ic_bad_icv + 1);
	ck_assert_int_eq(B.s_net.mn_n, q);
	/* the genuine one */
	d.d_data[d.d_len - 1] ^= 0x01;
	before = ikev1_parse_stats;
	ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
	ck_assert_uint_eq(ikev1_parse_stats.ps_hdr - before.ps_hdr, 1);
	ck_assert_uint_eq(ikev1_parse_stats.ps_pld - before.ps_pld, 1);
	assert_sent_quick(&B, q + 1);		/* message 2 */
	free(d.d_data);
	relay_all(&sn);
	ck_assert_int_eq(status(&A).ts_nchild, 1);
	ck_assert_int_eq(status(&B).ts_nchild, 1);
	assert_resent(&sn);
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
	int			 q;

	rekey_message1(&sn, &d);
	q = B.s_net.mn_n;
	ck_assert_ptr_nonnull(vc = B.s_ike->ctx_v1);
	own = vc->vc_msg;
	vc->vc_msg_busy = 1;
	ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
	free(d.d_data);
	ck_assert_int_eq(vc->vc_msg_busy, 1);
	ck_assert_ptr_eq(vc->vc_msg, own);
	assert_sent_quick(&B, q + 1);		/* message 2 */
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
