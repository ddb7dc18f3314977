/*
 * check_ha_takeover.c - HA takeover (issue 10, third step): three engines
 * over the mock network.  A (active) and C (standby, its channel fed by
 * A's over loopback) share the gateway address ADDR_A; B is the peer.
 * A and B establish, C's table fills, A crashes (freed, nothing sent),
 * C becomes active and continues A's IKE SA and CHILD SA: no
 * IKE_SA_INIT, the same SPIs and keys in its kernel, the outbound
 * sequence numbers advanced, and exchanges with B on the synced message
 * IDs.  Without synced state the standby starts the tunnel anew.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "daemon/reload.h"
#include "ike/ha_chan.h"
#include "ike/ha_state.h"
#include "ike/ha_store.h"
#include "ike/ha_sync.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/ha_testlib.h"

static struct side	 C;		/* the standby, ADDR_A too */

static void	pump_bulk(struct ha_chan *c, uint64_t dumps);

/* A crashes: no DELETE, no record; C holds ADDR_A from now on. */
static void
crash_a(struct ha_chan *ca)
{
	ike_ha_set(A.s_ike, NULL);
	ha_chan_close(ca);
	side_free(&A);
	side_a = &C;
}

/* After crash_a: B, C, the base and C's channel go. */
static void
three_free(struct ha_chan *cc)
{
	ike_ha_set(C.s_ike, NULL);
	side_free(&B);
	side_free(&C);
	event_base_free(base);
	ha_chan_close(cc);
}

/* IKE_SA_INIT messages (requests or responses) a side sent, or IKEv1
 * Main or Aggressive Mode ones: the header's version and exchange type,
 * bytes 17 and 18 (RFC 7296 §3.1, RFC 2408 §3.1) */
static int	 nsainit[2];		/* 0: B, 1: ADDR_A's engine */

static enum mock_verdict
count_sa_init(void *arg, const uint8_t *pkt, size_t len)
{
	int	*n = arg;

	if (len >= 28 && ((pkt[17] == 0x20 && pkt[18] == 34) ||
	    (pkt[17] == 0x10 && (pkt[18] == IKEV1_EXCH_MAIN ||
	    pkt[18] == IKEV1_EXCH_AGGRESSIVE))))
		(*n)++;
	return (MOCK_PASS);
}

/* A, B and C (passive: nothing) start; A and B establish; B's
 * IKE_SA_INIT messages are counted in nsainit[0]. */
static void
three_start(void)
{
	memset(nsainit, 0, sizeof(nsainit));
	B.s_net.mn_filter = count_sa_init;
	B.s_net.mn_filter_arg = &nsainit[0];
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	ike_start(C.s_ike);
	pump_children(1, 2000);
}

static const struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1,
	.so_ipsec = "\t\tpfs 2\n"
};
static const struct side_opts opt_b = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0,
	.so_ipsec = "\t\tpfs 2\n"
};

/* The one installed CHILD SA of s's one IKE SA. */
static struct child_sa *
child_of(struct side *s)
{
	struct ike_sa	*sa = ikev2_sa_first(s->s_ike);
	struct child_sa	*cs;

	ck_assert_ptr_nonnull(sa);
	TAILQ_FOREACH(cs, &sa->sa_b.b_children, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED)
			return (cs);
	ck_abort_msg("no installed CHILD SA");
	return (NULL);
}

/* The kernel SA spi of mk has the keys of peer's SA spi. */
static void
assert_same_keys(const struct mock_kernel *mk, const struct mock_kernel *peer,
    uint32_t spi)
{
	const struct mock_sa	*a, *b;

	ck_assert_ptr_nonnull(a = mock_kernel_sa(mk, spi));
	ck_assert_ptr_nonnull(b = mock_kernel_sa(peer, spi));
	ck_assert_uint_eq(a->m_sa.ks_ekey_len, b->m_sa.ks_ekey_len);
	ck_assert_uint_eq(a->m_sa.ks_akey_len, b->m_sa.ks_akey_len);
	ck_assert_mem_eq(a->m_ekey, b->m_ekey, a->m_sa.ks_ekey_len);
	ck_assert_mem_eq(a->m_akey, b->m_akey, a->m_sa.ks_akey_len);
	ck_assert_uint_eq(a->m_sa.ks_encr, b->m_sa.ks_encr);
	ck_assert_uint_eq(a->m_sa.ks_reqid != 0, 1);
}

/*
 * C's kernel holds the taken-over SA pair in, out (C's view) and nothing
 * else: B's keys, the outbound SA past anything A sent, the inbound SA
 * made anew (not a larval one's update), the policies there.
 */
static void
assert_taken_over(uint32_t in, uint32_t out)
{
	const struct mock_sa	*m;

	ck_assert_uint_eq(mock_kernel_nsa(&C.s_kernel), 2);
	assert_same_keys(&C.s_kernel, &B.s_kernel, in);
	assert_same_keys(&C.s_kernel, &B.s_kernel, out);
	ck_assert_ptr_nonnull(m = mock_kernel_sa(&C.s_kernel, out));
	ck_assert_uint_eq(m->m_sa.ks_oseq, 1u << 20);
	ck_assert_ptr_nonnull(m = mock_kernel_sa(&C.s_kernel, in));
	ck_assert_uint_eq(m->m_sa.ks_oseq, 0);
	ck_assert_int_eq(m->m_sa.ks_update, 0);
	ck_assert_int_ge(C.s_kernel.mk_npol, 2);
	ck_assert_int_eq(C.s_kernel.mk_errors, 0);
}

static void
side_standby(struct side *s, struct ha_chan *c)
{
	ike_passive_set(s->s_ike, 1);
	ike_ha_set(s->s_ike, c);
	s->s_net.mn_filter = count_sa_init;
	s->s_net.mn_filter_arg = &nsainit[1];
}

/* gatewayctl ha active, as the daemon does it (gwd_ha_role) */
static int
side_active(struct side *s, struct ha_chan *c)
{
	int	 n;

	ha_chan_role_set(c, HA_ROLE_ACTIVE);
	ike_passive_set(s->s_ike, 0);
	n = ike_takeover(s->s_ike);
	ike_start(s->s_ike);
	return (n);
}

/*
 * A and B as oa and ob, C at A's address as oc, a standby synced from A
 * over *ca and *cc (DPD after 30 ms without traffic: the takeover arms
 * it); the three started and C's bulk dump complete (it would drop what
 * A does not hold).
 */
static void
standby_start(const struct side_opts *oa, const struct side_opts *ob,
    const struct side_opts *oc, struct ha_chan **ca, struct ha_chan **cc)
{
	pair_init(oa, ob);
	side_init(&C, ADDR_A, ADDR_B, oc, 0xc0000001);
	ike_ctx_dpd_set(C.s_ike, 30, 400);
	chans_open(base, ca, cc);
	ike_ha_set(A.s_ike, *ca);
	side_standby(&C, *cc);
	three_start();
	pump_bulk(*cc, 1);
}

/* An IKE SA record of tunnel name, IKE version v; its SK_a and SK_e
 * keys pair up (SK_ai and SK_ar of one length...) unless bad. */
static void
rec_send(struct ha_chan *c, const char *name, int v, uint8_t spi, int bad)
{
	static struct ha_ike_rec r;
	static uint8_t		 pl[HA_PAYLOAD_MAX];
	int			 i, n;

	memset(&r, 0, sizeof(r));
	r.ir_version = (uint8_t)v;
	r.ir_flags = HA_IKE_INITIATOR;
	snprintf(r.ir_name, sizeof(r.ir_name), "%s", name);
	memset(r.ir_spi_i, spi, 8);
	memset(r.ir_spi_r, spi + 1, 8);
	inet_pton(AF_INET, ADDR_A, &r.ir_local);
	r.ir_local_port = 500;
	inet_pton(AF_INET, ADDR_B, &r.ir_peer);
	r.ir_peer_port = 500;
	r.ir_mid_next = v == 2 ? 2 : 0;	/* IKEv1: always 0 */
	r.ir_encr = 12;
	r.ir_encr_bits = 128;
	r.ir_prf = 2;
	r.ir_integ = 2;
	r.ir_dh = 2;
	r.ir_life_s = 3600;
	r.ir_rekey_s = 3000;
	r.ir_nkeys = v == 2 ? HA_V2_NKEYS : HA_V1_NKEYS;
	for (i = 0; i < r.ir_nkeys; i++) {
		r.ir_keys[i].k_len = bad ? (uint8_t)(16 + 4 * i) : 20;
		memset(r.ir_keys[i].k_data, i + 1, r.ir_keys[i].k_len);
	}
	ck_assert_int_gt(n = ha_ike_encode(&r, pl, sizeof(pl)), 0);
	ck_assert_int_eq(ha_chan_send(c, HA_REC_IKE_SA, pl, (size_t)n), 0);
}

/*
 * IKE_SA_INIT, IKE_AUTH  A --> B ; A's records --> C (and a second IKE
 * SA record of the tunnel, without CHILD SAs) ; A crashes ;
 * C active: A's IKE SA and CHILD SA go on at C, no IKE_SA_INIT; then a
 * CHILD SA rekey each way, DPD probes on C's timer and an IKE SA rekey,
 * on the synced message IDs and keys.  Either side may have initiated.
 */
START_TEST(test_takeover_continues)
{
	struct ha_chan		*ca, *cc;
	struct tunnel_status	 st;
	struct ike_sa		*bsa, *csa;
	struct child_sa		*bcs, *ccs;
	uint8_t			 spi_i[8], spi_r[8];
	struct side_opts	 oa, ob;
	struct ike_counters	 c0, c1;
	uint32_t		 mid_next, mid_peer, old_in, old_out;
	int			 i;

	/* _i 0: A (then C) initiated the tunnel; 1: B did; 2: A did, with
	 * child-sa single over 2 x 2 segments (one CHILD SA for 4 pairs) */
	oa = opt_a;
	ob = opt_b;
	oa.so_initiate = _i != 1;
	ob.so_initiate = _i == 1;
	if (_i == 2) {
		segments_make(&oa, &ob, 2);
		oa.so_tunnel = ob.so_tunnel = "\tchild-sa single\n";
	}
	standby_start(&oa, &ob, &oa, &ca, &cc);
	/* and a second IKE SA of t1 without CHILD SAs, as the old one of
	 * an IKE SA rekey is until its DELETE: dropped at the takeover */
	rec_send(ca, "t1", 2, 0x40, 0);
	pump(150);			/* the records cross the loopback */
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 2);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cc)), 1);
	ck_assert_int_eq(nsainit[0], 1);
	ck_assert_uint_eq(C.s_net.mn_sent, 0);
	bsa = ikev2_sa_first(B.s_ike);
	memcpy(spi_i, bsa->sa_b.b_spi_i, 8);
	memcpy(spi_r, bsa->sa_b.b_spi_r, 8);
	/* A's side of the message IDs, as B numbers them */
	mid_next = bsa->sa_msgid_peer;
	mid_peer = bsa->sa_msgid_next;

	crash_a(ca);			/* no DELETE, no record */
	memset(nsainit, 0, sizeof(nsainit));
	ck_assert_int_eq(side_active(&C, cc), 1);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 0);

	csa = ikev2_sa_first(C.s_ike);
	ck_assert_ptr_nonnull(csa);
	ck_assert_ptr_null(ikev2_sa_after(csa));
	ck_assert_int_eq(csa->sa_state, IKE_SA_ESTABLISHED);
	ck_assert_mem_eq(csa->sa_b.b_spi_i, spi_i, 8);
	ck_assert_mem_eq(csa->sa_b.b_spi_r, spi_r, 8);
	ck_assert_int_eq(csa->sa_b.b_initiator, _i != 1);
	ck_assert_uint_eq(csa->sa_msgid_next, mid_next);
	ck_assert_uint_eq(csa->sa_msgid_peer, mid_peer);
	st = status(&C);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	/* the CHILD SA: B's SPIs crossed, the same keys, C's outbound SA
	 * past anything A sent, its inbound SA made anew (not a larval
	 * one's update), the policies there */
	bcs = child_of(&B);
	ccs = child_of(&C);
	ck_assert_uint_eq(ccs->cs_spi_in, bcs->cs_spi_out);
	ck_assert_uint_eq(ccs->cs_spi_out, bcs->cs_spi_in);
	assert_taken_over(ccs->cs_spi_in, ccs->cs_spi_out);

	/* B sees no new IKE_SA_INIT, keeps its SA; no CREATE_CHILD_SA for
	 * pairs the single CHILD SA covers */
	pump(200);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);
	st = status(&C);
	ck_assert_int_eq(st.ts_nchild, 1);
	ck_assert_int_eq(mock_kernel_nsa(&C.s_kernel), 2);
	ck_assert_ptr_eq(ikev2_sa_first(B.s_ike), bsa);
	ck_assert_ptr_null(ikev2_sa_after(bsa));

	/* CREATE_CHILD_SA rekey from C: request mid_next --> */
	old_in = ccs->cs_spi_in;
	old_out = ccs->cs_spi_out;
	ck_assert_int_eq(ike_tunnel_rekey(C.s_ike, "t1"), 0);
	pump(400);
	ccs = child_of(&C);
	bcs = child_of(&B);
	ck_assert_uint_ne(ccs->cs_spi_in, old_in);
	ck_assert_uint_eq(ccs->cs_spi_in, bcs->cs_spi_out);
	ck_assert_uint_eq(ccs->cs_spi_out, bcs->cs_spi_in);
	ck_assert_ptr_null(mock_kernel_sa(&C.s_kernel, old_in));
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel, old_out));
	assert_same_keys(&C.s_kernel, &B.s_kernel, ccs->cs_spi_out);
	ck_assert_uint_gt(csa->sa_msgid_next, mid_next);
	/* a DPD request of C's may be on the wire as pump() returns */
	ck_assert_uint_le(csa->sa_msgid_next - bsa->sa_msgid_peer, 1);

	/* and from B: its request mid_peer <-- */
	old_in = ccs->cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(400);
	ccs = child_of(&C);
	ck_assert_uint_ne(ccs->cs_spi_in, old_in);
	ck_assert_uint_eq(ccs->cs_spi_in, child_of(&B)->cs_spi_out);
	ck_assert_uint_gt(csa->sa_msgid_peer, mid_peer);
	ck_assert_uint_eq(csa->sa_msgid_peer, bsa->sa_msgid_next);
	ck_assert_uint_le(csa->sa_msgid_next - bsa->sa_msgid_peer, 1);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);
	ck_assert_ptr_eq(ikev2_sa_first(B.s_ike), bsa);
	ck_assert_ptr_eq(ikev2_sa_first(C.s_ike), csa);
	st = status(&C);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(C.s_kernel.mk_errors, 0);
	ck_assert_int_eq(B.s_kernel.mk_errors, 0);

	/* DPD: INFORMATIONAL { } --> <-- on the timer, twice at least */
	ike_counters_get(C.s_ike, &c0);
	mid_next = csa->sa_msgid_next;
	for (i = 0; i < 40 && csa->sa_msgid_next < mid_next + 2; i++)
		pump(50);
	ike_counters_get(C.s_ike, &c1);
	ck_assert_uint_ge(c1.ic_dpd_sent, c0.ic_dpd_sent + 2);
	ck_assert_uint_ge(csa->sa_msgid_next, mid_next + 2);
	ck_assert_uint_eq(c1.ic_dpd_missed, c0.ic_dpd_missed);
	ck_assert_ptr_eq(ikev2_sa_first(C.s_ike), csa);

	/* IKE SA rekey (§2.18): its keys come from the synced SK_d */
	ck_assert_int_eq(ike_tunnel_rekey_ike(C.s_ike, "t1"), 0);
	pump(400);
	st = status(&C);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_mem_ne(st.ts_spi_i, spi_i, 8);
	ck_assert_mem_eq(st.ts_spi_i, status(&B).ts_spi_i, 8);
	ck_assert_uint_eq(child_of(&C)->cs_spi_in, child_of(&B)->cs_spi_out);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);
	ck_assert_int_eq(C.s_kernel.mk_errors, 0);

	three_free(cc);
}
END_TEST

/*
 * A standby with nothing it can resume becomes active: records of a
 * tunnel it does not have, of IKEv1, and one whose keys do not pair up
 * are left; the tunnel starts as at start-up, IKE_SA_INIT --> <-- .
 */
START_TEST(test_takeover_nothing_synced)
{
	struct ha_chan		*ca, *cc;
	struct tunnel_status	 st;

	pair_init(&opt_a, &opt_b);
	chans_open(base, &ca, &cc);
	side_standby(&A, cc);
	memset(nsainit, 0, sizeof(nsainit));
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	if (_i == 1) {
		rec_send(ca, "nope", 2, 0x10, 0);
		rec_send(ca, "t1", 1, 0x20, 0);
		rec_send(ca, "t1", 2, 0x30, 1);
	}
	pump(100);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), _i == 1 ? 3 : 0);
	ck_assert_uint_eq(A.s_net.mn_sent, 0);
	ha_chan_close(ca);
	ck_assert_int_eq(side_active(&A, cc), 0);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 0);
	pump_children(1, 2000);
	st = status(&A);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_ge(nsainit[1], 1);
	ike_ha_set(A.s_ike, NULL);
	pair_free();
	ha_chan_close(cc);
}
END_TEST

/* The record of cs in c's table, or NULL. */
static const struct ha_child_rec *
rec_of(struct ha_chan *c, const struct child_sa *cs)
{
	return (ha_store_child_get(ha_chan_store(c), cs->cs_proto,
	    cs->cs_spi_in));
}

/*
 * SEQ_ADVANCE: A's CHILD SA sends (the mock kernel's sequence number
 * moves), A looks every 50 ms and advertises it ahead; C's table
 * follows; an idle SA, or one within the first half of its margin, costs
 * no record; after A's crash C's outbound SA starts at the advertised
 * number, past what A really sent.
 */
START_TEST(test_seq_advance)
{
	struct ha_chan			*ca, *cc;
	struct child_sa			*acs, *ccs;
	const struct ha_child_rec	*cr;
	const struct mock_sa		*m;
	struct ha_status		 sa, sc;
	uint64_t			 nrec;

	pair_init(&opt_a, &opt_b);
	side_init(&C, ADDR_A, ADDR_B, &opt_a, 0xc0000001);
	chans_open(base, &ca, &cc);
	ike_ha_set(A.s_ike, ca);
	ike_ha_test_seq_ms(A.s_ike, 50);
	side_standby(&C, cc);
	three_start();
	pump(150);
	acs = child_of(&A);
	ck_assert_ptr_nonnull(cr = rec_of(cc, acs));
	ck_assert_uint_eq(cr->cr_seq_out, 0);
	ck_assert_int_eq(cr->cr_flags & HA_CHILD_SEQ_ADVANCED, 0);
	ha_chan_status(ca, &sa);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_SEQ_ADVANCE], 0);

	/* 1000 packets out: advertised 1000 + the floor (65536) */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, acs->cs_spi_out,
	    150000, 1000), 0);
	pump(150);
	ck_assert_ptr_nonnull(cr = rec_of(cc, acs));
	ck_assert_int_eq(cr->cr_flags & HA_CHILD_SEQ_ADVANCED,
	    HA_CHILD_SEQ_ADVANCED);
	ck_assert_uint_eq(cr->cr_seq_out, 1000 + 65536);
	ha_chan_status(ca, &sa);
	nrec = sa.hs_tx_type[HA_REC_SEQ_ADVANCE];
	ck_assert_uint_eq(nrec, 1);
	/* idle: looks, no record */
	pump(200);
	ha_chan_status(ca, &sa);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_SEQ_ADVANCE], nrec);
	/* 20000: 46536 ahead still, more than half of its margin (4 x
	 * 19000 packets per look): no record */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, acs->cs_spi_out,
	    3000000, 20000), 0);
	pump(150);
	ha_chan_status(ca, &sa);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_SEQ_ADVANCE], nrec);
	ck_assert_uint_eq(rec_of(cc, acs)->cr_seq_out, 1000 + 65536);
	/* 60000, 40000 in one look: 4 x 40000 ahead */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, acs->cs_spi_out,
	    9000000, 60000), 0);
	pump(150);
	ck_assert_uint_eq(rec_of(cc, acs)->cr_seq_out, 60000 + 4 * 40000);
	ha_chan_status(ca, &sa);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_SEQ_ADVANCE], nrec + 1);
	ha_chan_status(cc, &sc);
	ck_assert_uint_eq(sc.hs_seq_moved, 2);
	ck_assert_uint_eq(sc.hs_rx[HA_BAD_TYPE], 0);

	/* A crashes; C's outbound SA goes on past A's 60000 */
	crash_a(ca);
	ck_assert_int_eq(side_active(&C, cc), 1);
	ccs = child_of(&C);
	ck_assert_ptr_nonnull(m = mock_kernel_sa(&C.s_kernel, ccs->cs_spi_out));
	ck_assert_uint_eq(m->m_sa.ks_oseq, 60000 + 4 * 40000);
	ck_assert_uint_ge(m->m_sa.ks_oseq, 60000);
	ck_assert_str_eq(tunnel_state_name(status(&C).ts_state), "Connected");

	three_free(cc);
}
END_TEST

/* c's table holds exactly s's established IKE SAs and installed CHILD
 * SAs, by their SPIs (the CHILD SAs under their IKE SA). */
static void
assert_table_is(struct ha_chan *c, struct side *s)
{
	const struct ha_store		*st = ha_chan_store(c);
	const struct ha_child_rec	*cr;
	struct ike_sa			*sa;
	struct child_sa			*cs;
	size_t				 nike = 0, nchild = 0;

	for (sa = ikev2_sa_first(s->s_ike); sa != NULL;
	    sa = ikev2_sa_after(sa)) {
		ck_assert_int_eq(sa->sa_state, IKE_SA_ESTABLISHED);
		ck_assert_ptr_nonnull(ha_store_ike_get(st, sa->sa_b.b_spi_i,
		    sa->sa_b.b_spi_r));
		nike++;
		TAILQ_FOREACH(cs, &sa->sa_b.b_children, cs_entry) {
			ck_assert_int_eq(cs->cs_state, CHILD_SA_INSTALLED);
			ck_assert_ptr_nonnull(cr = rec_of(c, cs));
			ck_assert_uint_eq(cr->cr_spi_out, cs->cs_spi_out);
			ck_assert_mem_eq(cr->cr_ike_spi_i, sa->sa_b.b_spi_i, 8);
			nchild++;
		}
	}
	ck_assert_uint_gt(nike, 0);
	ck_assert_uint_eq(ha_store_nike(st), nike);
	ck_assert_uint_eq(ha_store_nchild(st), nchild);
}

static void
pump_bulk(struct ha_chan *c, uint64_t dumps)
{
	struct ha_status	 st;
	int			 i;

	for (i = 0; i < 150; i++) {
		ha_chan_status(c, &st);
		if (st.hs_bulk == HA_BULK_COMPLETE && st.hs_bulk_dumps == dumps)
			return;
		pump(20);
	}
	ck_abort_msg("no bulk dump %u: state %d, %u dumps, %u asked again, "
	    "peer %s", (unsigned)dumps, st.hs_bulk, (unsigned)st.hs_bulk_dumps,
	    (unsigned)st.hs_bulk_retries, st.hs_peer_alive ? "alive" :
	    "silent");
}

/*
 * Bulk dump: A active with 81 CHILD SAs (more than one step of the
 * dump), C's channel starts later and gets them all with their keys
 * (read from A's kernel: A wiped its own); the link is cut, A rekeys
 * every CHILD SA meanwhile (the records lost), the link comes back: C
 * asks again, drops the deleted ones and holds the new ones.
 */
START_TEST(test_bulk_join)
{
	struct ha_chan		*ca, *cc;
	struct cfg_ha		 ha;
	struct side_opts	 oa = opt_a, ob = opt_b;
	struct ha_status	 sa, sc;
	const struct ha_child_rec *cr;
	const struct mock_sa	*m;
	struct child_sa		*cs;
	uint32_t		 old;
	int			 i;

	segments_make(&oa, &ob, 9);
	pair_init(&oa, &ob);
	chan_cfg(&ha, 200);
	ck_assert_ptr_nonnull(ca = ha_chan_open(base, &ha, HA_ROLE_ACTIVE));
	chan_fast(ca);
	ike_ha_set(A.s_ike, ca);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump_children(81, 8000);
	ck_assert_int_eq(status(&A).ts_nchild, 81);

	/* the standby starts now */
	chan_cfg(&ha, 100);
	ck_assert_ptr_nonnull(cc = ha_chan_open(base, &ha, HA_ROLE_STANDBY));
	chans_pair(ca, cc);
	chan_fast(cc);
	ck_assert_int_eq(ha_chan_bulk_complete(cc), 0);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cc)), 0);
	pump_bulk(cc, 1);
	assert_table_is(cc, &A);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cc)), 81);
	ha_chan_status(cc, &sc);
	ck_assert_uint_eq(sc.hs_bulk_records, 82);
	ck_assert_uint_eq(sc.hs_bulk_retries, 0);
	ha_chan_status(ca, &sa);
	ck_assert_uint_eq(sa.hs_bulk_served, 1);
	ck_assert_uint_eq(sa.hs_tx_errors, 0);
	/* C's HELLO says it holds A's SAs (a switchover may hand over) */
	pump(60);
	ha_chan_status(ca, &sa);
	ck_assert_int_eq(sa.hs_peer_synced, 1);
	/* the keys, from A's kernel */
	ck_assert_int_ge(A.s_kernel.mk_key_reads, 2 * 81);
	cs = child_of(&A);
	ck_assert_ptr_nonnull(cr = rec_of(cc, cs));
	ck_assert_ptr_nonnull(m = mock_kernel_sa(&A.s_kernel, cs->cs_spi_out));
	ck_assert_uint_eq(cr->cr_ekey_out.k_len, m->m_sa.ks_ekey_len);
	ck_assert_mem_eq(cr->cr_ekey_out.k_data, m->m_ekey,
	    m->m_sa.ks_ekey_len);
	ck_assert_mem_eq(cr->cr_akey_out.k_data, m->m_akey,
	    m->m_sa.ks_akey_len);
	ck_assert_ptr_nonnull(m = mock_kernel_sa(&A.s_kernel, cs->cs_spi_in));
	ck_assert_mem_eq(cr->cr_ekey_in.k_data, m->m_ekey,
	    m->m_sa.ks_ekey_len);

	/* the link is cut; every CHILD SA is rekeyed meanwhile */
	ha_chan_test_cut(cc, 1);
	old = cs->cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	for (i = 0; i < 100 && (mock_kernel_sa(&A.s_kernel, old) != NULL ||
	    status(&A).ts_nchild != 81); i++)
		pump(40);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel, old));
	pump(700);		/* C finds A silent */
	ha_chan_status(cc, &sc);
	ck_assert_int_eq(sc.hs_peer_alive, 0);
	ck_assert_ptr_nonnull(ha_store_child_get(ha_chan_store(cc), 0, old));
	ck_assert_ptr_null(rec_of(cc, child_of(&A)));

	/* back: a second dump; the deleted ones go, the new ones come */
	ha_chan_test_cut(cc, 0);
	pump_bulk(cc, 2);
	assert_table_is(cc, &A);
	ck_assert_ptr_null(ha_store_child_get(ha_chan_store(cc), 0, old));
	ha_chan_status(ca, &sa);
	ck_assert_uint_eq(sa.hs_bulk_served, 2);

	/* A's channel starts again (a new node id and epoch): C asks
	 * again, and A's new channel dumps every SA (none skipped as if
	 * an earlier dump had carried it) */
	ike_ha_set(A.s_ike, NULL);
	ha_chan_close(ca);
	chan_cfg(&ha, 200);
	ck_assert_ptr_nonnull(ca = ha_chan_open(base, &ha, HA_ROLE_ACTIVE));
	chan_fast(ca);
	chans_pair(ca, cc);
	ike_ha_set(A.s_ike, ca);
	pump_bulk(cc, 3);
	assert_table_is(cc, &A);
	ha_chan_status(cc, &sc);
	ck_assert_uint_eq(sc.hs_bulk_records, 82);

	ike_ha_set(A.s_ike, NULL);
	pair_free();
	ha_chan_close(ca);
	ha_chan_close(cc);
}
END_TEST

/*
 * A planned switchover: A, active with its tunnel up and C's table
 * full, becomes standby while C is alive, as the daemon does it then
 * (the role first: no sync record; then ike_handover): A's kernel is
 * emptied, B hears nothing (no DELETE) and C's table keeps A's SAs; C
 * becomes active and continues the IKE SA, and a CHILD SA rekey from B
 * succeeds on it.
 */
START_TEST(test_takeover_switchover)
{
	struct ha_chan		*ca, *cc;
	struct ike_sa		*bsa;
	struct tunnel_status	 st;
	uint64_t		 sent;
	uint32_t		 old_in;

	pair_init(&opt_a, &opt_b);
	side_init(&C, ADDR_A, ADDR_B, &opt_a, 0xc0000001);
	chans_open(base, &ca, &cc);
	ike_ha_set(A.s_ike, ca);
	side_standby(&C, cc);
	three_start();
	pump(150);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 1);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cc)), 1);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 2);
	ck_assert_int_ge(A.s_kernel.mk_npol, 2);
	bsa = ikev2_sa_first(B.s_ike);
	ck_assert_ptr_nonnull(bsa);

	sent = A.s_net.mn_sent;
	ha_chan_role_set(ca, HA_ROLE_STANDBY);
	ike_handover(A.s_ike);
	ck_assert_uint_eq(A.s_net.mn_sent, sent);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 0);
	ck_assert_int_eq(A.s_kernel.mk_npol, 0);
	ck_assert_int_eq(A.s_kernel.mk_errors, 0);
	pump(150);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 1);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cc)), 1);
	ck_assert_ptr_eq(ikev2_sa_first(B.s_ike), bsa);
	crash_a(ca);

	ck_assert_int_eq(side_active(&C, cc), 1);
	st = status(&C);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	old_in = child_of(&C)->cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(400);
	ck_assert_uint_ne(child_of(&C)->cs_spi_in, old_in);
	ck_assert_uint_eq(child_of(&C)->cs_spi_in, child_of(&B)->cs_spi_out);
	ck_assert_uint_eq(child_of(&C)->cs_spi_out, child_of(&B)->cs_spi_in);
	ck_assert_ptr_eq(ikev2_sa_first(B.s_ike), bsa);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 1);	/* A's first one */
	ck_assert_int_eq(C.s_kernel.mk_errors, 0);

	three_free(cc);
}
END_TEST

/*
 * A hands over (its standby alive and synced) but is made active again
 * before the other node was (keepalived's init passes through BACKUP):
 * ike_ha_keep_own put A's IKE SA and CHILD SA into A's own table first,
 * so A's next engine (the daemon makes a new one) resumes them: no
 * IKE_SA_INIT, the same IKE SA at B, and B's CHILD SA rekey succeeds.
 */
START_TEST(test_takeover_keep_own)
{
	struct ha_chan		*ca, *cc;
	struct ike_sa		*bsa;
	struct tunnel_status	 st;
	uint32_t		 old_in;

	standby_start(&opt_a, &opt_b, &opt_a, &ca, &cc);
	bsa = ikev2_sa_first(B.s_ike);
	ck_assert_ptr_nonnull(bsa);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(ca)), 0);
	ck_assert_int_eq(ike_ha_keep_own(A.s_ike), 2);
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(ca)), 1);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(ca)), 1);
	ha_chan_role_set(ca, HA_ROLE_STANDBY);
	ck_assert_int_eq(ike_ha_keep_own(A.s_ike), 0);	/* not active */
	ike_handover(A.s_ike);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 0);

	/* the other node stays standby; A's next engine, at ADDR_A */
	ike_ha_set(C.s_ike, NULL);
	side_free(&C);
	ha_chan_close(cc);
	ike_ha_set(A.s_ike, NULL);
	side_free(&A);
	side_init(&C, ADDR_A, ADDR_B, &opt_a, 0xc0000002);
	side_a = &C;
	side_standby(&C, ca);
	memset(nsainit, 0, sizeof(nsainit));
	ck_assert_int_eq(side_active(&C, ca), 1);
	st = status(&C);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(mock_kernel_nsa(&C.s_kernel), 2);
	old_in = child_of(&C)->cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(400);
	ck_assert_uint_ne(child_of(&C)->cs_spi_in, old_in);
	ck_assert_uint_eq(child_of(&C)->cs_spi_in, child_of(&B)->cs_spi_out);
	ck_assert_ptr_eq(ikev2_sa_first(B.s_ike), bsa);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);
	ck_assert_int_eq(C.s_kernel.mk_errors, 0);

	three_free(ca);
}
END_TEST

/* A UDP port free on the loopback now. */
static uint16_t
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	ck_assert_int_ge(fd = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

static void
file_put(const char *path, const struct side_opts *o)
{
	char	 text[16384];
	size_t	 n;
	int	 fd;

	n = cfg_text(ADDR_A, ADDR_B, o, text, sizeof(text));
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/*
 * Upgrade in place: A runs standalone with its tunnel up; an ha block
 * added to its file and reloaded makes it the active node (not standby)
 * with the tunnel untouched; C, a standby, gets its SAs by a bulk dump
 * and takes over after A's crash with the same SPIs.  Removing the block
 * again is refused until a restart (2).
 */
START_TEST(test_upgrade_by_reload)
{
	char			 path[] = "/tmp/gw-ha-upgradeXXXXXX";
	char			 extra[512];
	struct ha_chan		*ca = NULL, *cc;
	struct cfg_ha		 ha;
	struct side_opts	 oa = opt_a;
	struct buf		*out;
	struct child_sa		*cs;
	struct ike_sa		*sa;
	uint8_t			 spi_i[8];
	uint32_t		 spi_in, spi_out;
	uint16_t		 port = free_port();
	int			 fd;

	pair_init(&opt_a, &opt_b);
	side_init(&C, ADDR_A, ADDR_B, &opt_a, 0xc0000001);
	chan_cfg(&ha, 100);
	ck_assert_ptr_nonnull(cc = ha_chan_open(base, &ha, HA_ROLE_STANDBY));
	chan_fast(cc);
	side_standby(&C, cc);
	three_start();
	cs = child_of(&A);
	spi_in = cs->cs_spi_in;
	spi_out = cs->cs_spi_out;
	sa = ikev2_sa_first(A.s_ike);
	memcpy(spi_i, sa->sa_b.b_spi_i, 8);
	ck_assert_int_eq(nsainit[0], 1);

	/* the same file plus an ha block (C's key, C as its peer) */
	snprintf(extra, sizeof(extra), "ha {\n\tpriority 200\n\tsync-peer "
	    "127.0.0.1:%u\n\tsync-local 127.0.0.1:%u\n\tsync-key "
	    "0x30313233343536373839616263646566\n\tinterface lo\n}\n",
	    ha_chan_port(cc), port);
	oa.so_extra = extra;
	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
	file_put(path, &oa);
	ck_assert_ptr_nonnull(out = buf_new(256));
	ck_assert_int_eq(reload_config(A.s_ike, &A.s_cfg, path, out), 0);
	ck_assert_int_eq(reload_ha(A.s_ike, &A.s_cfg->cfg_ha, base, &ca), 1);
	ck_assert_ptr_nonnull(ca);
	ck_assert_int_eq(ha_chan_role(ca), HA_ROLE_ACTIVE);
	ck_assert_uint_eq(ha_chan_port(ca), port);
	chan_fast(ca);
	chan_peer_set(cc, port);
	/* the same file again: nothing to do */
	ck_assert_int_eq(reload_config(A.s_ike, &A.s_cfg, path, out), 0);
	ck_assert_int_eq(reload_ha(A.s_ike, &A.s_cfg->cfg_ha, base, &ca), 0);

	pump_bulk(cc, 1);
	/* A's tunnel went on: the same SAs, no new IKE_SA_INIT */
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_ptr_eq(ikev2_sa_first(A.s_ike), sa);
	ck_assert_uint_eq(child_of(&A)->cs_spi_in, spi_in);
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel, spi_out));
	ck_assert_int_eq(nsainit[0], 1);
	assert_table_is(cc, &A);

	/* the ha block removed: kept until a restart */
	file_put(path, &opt_a);
	ck_assert_int_eq(reload_config(A.s_ike, &A.s_cfg, path, out), 0);
	ck_assert_int_eq(reload_ha(A.s_ike, &A.s_cfg->cfg_ha, base, &ca), 2);
	ck_assert_int_eq(ha_chan_role(ca), HA_ROLE_ACTIVE);
	unlink(path);
	buf_free(out);

	/* A crashes; C goes on with A's SAs */
	crash_a(ca);
	memset(nsainit, 0, sizeof(nsainit));
	ck_assert_int_eq(side_active(&C, cc), 1);
	ck_assert_mem_eq(ikev2_sa_first(C.s_ike)->sa_b.b_spi_i, spi_i, 8);
	ck_assert_uint_eq(child_of(&C)->cs_spi_in, spi_in);
	assert_same_keys(&C.s_kernel, &B.s_kernel, spi_out);
	pump(200);
	ck_assert_str_eq(tunnel_state_name(status(&C).ts_state), "Connected");
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);

	three_free(cc);
}
END_TEST

static const struct side_opts opt_a1 = {
	.so_version = 1, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1
};
static const struct side_opts opt_b1 = {
	.so_version = 1, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0
};

/* The one established ISAKMP SA of s, or NULL; fails if it has two. */
static struct isakmp_sa *
v1_sa(struct side *s)
{
	struct isakmp_sa	*sa, *one = NULL;

	ISAKMP_SA_FOREACH(sa, s->s_ike)
		if (sa->is_state == ISAKMP_ESTABLISHED) {
			ck_assert_ptr_null(one);
			one = sa;
		}
	return (one);
}

/* An installed IPsec SA of s's tunnel whose inbound SPI is not spi. */
static struct child_sa *
v1_child_not(struct side *s, uint32_t spi)
{
	struct isakmp_sa	*sa;
	struct child_sa		*cs;

	ISAKMP_SA_FOREACH(sa, s->s_ike)
		TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED &&
			    cs->cs_spi_in != spi)
				return (cs);
	ck_abort_msg("no other installed IPsec SA");
	return (NULL);
}

/* A Quick Mode rekey by x: C and B hold a new IPsec SA, crossed SPIs,
 * the same keys; C's new inbound SPI. */
static uint32_t
v1_rekeyed(struct side *x, uint32_t old_in)
{
	struct child_sa	*ccs;

	ck_assert_int_eq(ike_tunnel_rekey(x->s_ike, "t1"), 0);
	pump(400);
	ccs = v1_child_not(&C, old_in);
	ck_assert_ptr_nonnull(mock_kernel_sa(&B.s_kernel, ccs->cs_spi_in));
	assert_same_keys(&C.s_kernel, &B.s_kernel, ccs->cs_spi_in);
	assert_same_keys(&C.s_kernel, &B.s_kernel, ccs->cs_spi_out);
	ck_assert_int_eq(C.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	return (ccs->cs_spi_in);
}

/*
 * IKEv1: Main Mode (or Aggressive Mode) and Quick Mode A --> B ; A's
 * records --> C ; A crashes ; C active: A's ISAKMP SA and IPsec SA go on
 * at C without a phase 1 message from either side; then Quick Mode
 * rekeys each way and R-U-THERE on C's timer (their IVs come from the
 * synced last phase 1 IV, RFC 2409 Appendix B), and B's DELETEs, which C
 * takes.  _i 0: A initiated; 1: B did; 2: A did, Aggressive Mode with
 * FQDN identities; 3: C holds t1 as an IKEv2 tunnel, so the IKEv1
 * records are not resumed: C starts t1 anew (IKE_SA_INIT), nothing in
 * its kernel.
 */
START_TEST(test_takeover_v1)
{
	struct ha_chan		*ca, *cc;
	struct side_opts	 oa = opt_a1, ob = opt_b1, oc;
	struct isakmp_sa	*bsa, *csa;
	struct child_sa		*bcs, *ccs;
	struct tunnel_status	 st;
	struct ike_counters	 c0, c1;
	uint8_t			 ck_i[8], ck_r[8];
	uint32_t		 in, out, spi;
	int			 i;

	oa.so_initiate = _i != 1;
	ob.so_initiate = _i == 1;
	if (_i == 2) {
		oa.so_ike = "\t\tmode aggressive\n\t\tlocal-id a.example.com\n"
		    "\t\tpeer-id b.example.com\n";
		ob.so_ike = "\t\tmode aggressive\n\t\tlocal-id b.example.com\n"
		    "\t\tpeer-id a.example.com\n";
	}
	oc = oa;
	if (_i == 3)
		oc.so_version = 2;
	standby_start(&oa, &ob, &oc, &ca, &cc);
	pump(150);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 1);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cc)), 1);
	ck_assert_int_ge(nsainit[0], 1);
	ck_assert_uint_eq(C.s_net.mn_sent, 0);
	ck_assert_ptr_nonnull(bsa = v1_sa(&B));
	memcpy(ck_i, bsa->is_b.b_spi_i, 8);
	memcpy(ck_r, bsa->is_b.b_spi_r, 8);
	bcs = TAILQ_FIRST(&bsa->is_b.b_children);
	ck_assert_ptr_nonnull(bcs);
	in = bcs->cs_spi_out;		/* C's inbound SA */
	out = bcs->cs_spi_in;

	crash_a(ca);			/* no DELETE, no record */
	memset(nsainit, 0, sizeof(nsainit));
	ck_assert_int_eq(side_active(&C, cc), (_i == 3 ? 0 : 1));
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cc)), 0);
	if (_i == 3) {
		/* not resumed as IKEv1: no ISAKMP SA, no IPsec SA, and t1
		 * starts as the IKEv2 tunnel it is */
		ck_assert_ptr_null(v1_sa(&C));
		ck_assert_int_eq(mock_kernel_nsa(&C.s_kernel), 0);
		pump(100);
		ck_assert_int_ge(nsainit[1], 1);
		ck_assert_ptr_null(v1_sa(&C));
		ck_assert_ptr_null(mock_kernel_sa(&C.s_kernel, in));
		goto done;
	}

	ck_assert_ptr_nonnull(csa = v1_sa(&C));
	ck_assert_mem_eq(csa->is_b.b_spi_i, ck_i, 8);
	ck_assert_mem_eq(csa->is_b.b_spi_r, ck_r, 8);
	ck_assert_int_eq(csa->is_b.b_initiator, _i != 1);
	ck_assert_int_eq(csa->is_exchange, _i == 2 ? IKEV1_EXCH_AGGRESSIVE :
	    IKEV1_EXCH_MAIN);
	ck_assert_int_eq(csa->is_peer_dpd, 1);
	ck_assert_uint_eq(csa->is_b.b_peer_ident.pi_len,
	    _i == 2 ? strlen("b.example.com") : 4);
	st = status(&C);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(st.ts_nchild, 1);
	/* the IPsec SA: B's SPIs crossed */
	ccs = TAILQ_FIRST(&csa->is_b.b_children);
	ck_assert_ptr_nonnull(ccs);
	ck_assert_uint_eq(ccs->cs_spi_in, in);
	ck_assert_uint_eq(ccs->cs_spi_out, out);
	assert_taken_over(in, out);

	/* no phase 1 from either side, B keeps its ISAKMP SA */
	pump(200);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);
	ck_assert_ptr_eq(v1_sa(&B), bsa);
	ck_assert_ptr_eq(v1_sa(&C), csa);

	/* Quick Mode rekeys: C's, then B's */
	spi = v1_rekeyed(&C, in);
	spi = v1_rekeyed(&B, spi);
	ck_assert_uint_ne(spi, in);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);
	ck_assert_ptr_eq(v1_sa(&B), bsa);
	ck_assert_ptr_eq(v1_sa(&C), csa);
	ck_assert_str_eq(tunnel_state_name(status(&C).ts_state), "Connected");

	/* DPD: R-U-THERE --> <-- R-U-THERE-ACK on C's timer, twice at
	 * least, each ACK taken (none missed) */
	ike_counters_get(C.s_ike, &c0);
	for (i = 0; i < 40; i++) {
		pump(50);
		ike_counters_get(C.s_ike, &c1);
		if (c1.ic_dpd_sent >= c0.ic_dpd_sent + 2)
			break;
	}
	pump(50);
	ike_counters_get(C.s_ike, &c1);
	ck_assert_uint_ge(c1.ic_dpd_sent, c0.ic_dpd_sent + 2);
	ck_assert_uint_eq(c1.ic_dpd_missed, c0.ic_dpd_missed);
	ck_assert_ptr_eq(v1_sa(&C), csa);
	ck_assert_int_eq(nsainit[0] + nsainit[1], 0);

	/* B's DELETEs (informational, IV from the synced one): C removes
	 * the IPsec SA and the ISAKMP SA */
	ccs = v1_child_not(&C, 0);
	in = ccs->cs_spi_in;
	out = ccs->cs_spi_out;
	ck_assert_int_eq(ike_tunnel_down(B.s_ike, "t1"), 0);
	pump(20);
	ck_assert_ptr_null(mock_kernel_sa(&C.s_kernel, in));
	ck_assert_ptr_null(mock_kernel_sa(&C.s_kernel, out));
	ISAKMP_SA_FOREACH(csa, C.s_ike)
		ck_assert(memcmp(csa->is_b.b_spi_i, ck_i, 8) != 0 ||
		    csa->is_state != ISAKMP_ESTABLISHED);
 done:
	three_free(cc);
}
END_TEST

static Suite *
ha_takeover_suite(void)
{
	Suite	*s = suite_create("ha_takeover");
	TCase	*tc;

	tc = tcase_create("takeover");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_takeover_continues, 0, 3);
	tcase_add_test(tc, test_takeover_switchover);
	tcase_add_test(tc, test_takeover_keep_own);
	tcase_add_loop_test(tc, test_takeover_nothing_synced, 0, 2);
	tcase_add_test(tc, test_seq_advance);
	tcase_add_test(tc, test_bulk_join);
	tcase_add_test(tc, test_upgrade_by_reload);
	tcase_add_loop_test(tc, test_takeover_v1, 0, 4);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ha_takeover_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
