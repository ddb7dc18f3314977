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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ike/ha_chan.h"
#include "ike/ha_state.h"
#include "ike/ha_store.h"
#include "ike/ha_sync.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"

static struct side	 C;		/* the standby, ADDR_A too */

static void
chan_cfg(struct cfg_ha *ha, uint32_t prio)
{
	memset(ha, 0, sizeof(*ha));
	ha->ha_enabled = 1;
	ha->ha_priority = prio;
	ha->ha_local_addr.s_addr = htonl(INADDR_LOOPBACK);
	ha->ha_peer_addr.s_addr = htonl(INADDR_LOOPBACK);
	ha->ha_peer_port = 9;
	memcpy(ha->ha_key, "0123456789abcdef", 16);
	ha->ha_key_len = 16;
	snprintf(ha->ha_ifname, sizeof(ha->ha_ifname), "lo");
}

/* a (active) and b (standby) on base, each the other's peer */
static void
chans_open(struct ha_chan **a, struct ha_chan **b)
{
	struct cfg_ha		 ca, cb;
	struct sockaddr_in	 sin;

	chan_cfg(&ca, 200);
	chan_cfg(&cb, 100);
	ck_assert_ptr_nonnull(*a = ha_chan_open(base, &ca, HA_ROLE_ACTIVE));
	ck_assert_ptr_nonnull(*b = ha_chan_open(base, &cb, HA_ROLE_STANDBY));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(ha_chan_port(*b));
	ha_chan_test_peer(*a, &sin);
	sin.sin_port = htons(ha_chan_port(*a));
	ha_chan_test_peer(*b, &sin);
	ha_chan_test_timing(*a, 50, 600);
	ha_chan_test_timing(*b, 50, 600);
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
 * A and B as oa and ob, C a standby at A's address as oc (DPD after 30
 * ms without traffic: the takeover arms it), A's channel *ca synced to
 * C's *cc; the three started (C, passive, starts nothing), the phase 1
 * messages B sends counted.
 */
static void
trio_start(const struct side_opts *oa, const struct side_opts *ob,
    const struct side_opts *oc, struct ha_chan **ca, struct ha_chan **cc)
{
	pair_init(oa, ob);
	side_init(&C, ADDR_A, ADDR_B, oc, 0xc0000001);
	ike_ctx_dpd_set(C.s_ike, 30, 400);
	chans_open(ca, cc);
	ike_ha_set(A.s_ike, *ca);
	side_standby(&C, *cc);
	memset(nsainit, 0, sizeof(nsainit));
	B.s_net.mn_filter = count_sa_init;
	B.s_net.mn_filter_arg = &nsainit[0];
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	ike_start(C.s_ike);
}

/* A crashes (no DELETE, no record) and C becomes active at its
 * address: what ike_takeover() returned. */
static int
a_crashes(struct ha_chan *ca, struct ha_chan *cc)
{
	ike_ha_set(A.s_ike, NULL);
	ha_chan_close(ca);
	side_free(&A);
	side_a = &C;
	memset(nsainit, 0, sizeof(nsainit));
	return (side_active(&C, cc));
}

static void
trio_free(struct ha_chan *cc)
{
	ike_ha_set(C.s_ike, NULL);
	side_free(&B);
	side_free(&C);
	event_base_free(base);
	ha_chan_close(cc);
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
	trio_start(&oa, &ob, &oa, &ca, &cc);
	pump_children(1, 2000);
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

	ck_assert_int_eq(a_crashes(ca, cc), 1);
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
	/* the CHILD SA: B's SPIs crossed */
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

	trio_free(cc);
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
	chans_open(&ca, &cc);
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
	trio_start(&oa, &ob, &oc, &ca, &cc);
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

	ck_assert_int_eq(a_crashes(ca, cc), (_i == 3 ? 0 : 1));
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
	trio_free(cc);
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
	chans_open(&ca, &cc);
	ike_ha_set(A.s_ike, ca);
	side_standby(&C, cc);
	memset(nsainit, 0, sizeof(nsainit));
	B.s_net.mn_filter = count_sa_init;
	B.s_net.mn_filter_arg = &nsainit[0];
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	ike_start(C.s_ike);
	pump_children(1, 2000);
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
	ike_ha_set(A.s_ike, NULL);
	ha_chan_close(ca);
	side_free(&A);
	side_a = &C;

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

	ike_ha_set(C.s_ike, NULL);
	side_free(&B);
	side_free(&C);
	event_base_free(base);
	ha_chan_close(cc);
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
	tcase_add_loop_test(tc, test_takeover_nothing_synced, 0, 2);
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
