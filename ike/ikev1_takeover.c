/*
 * ikev1_takeover.c - HA takeover of IKEv1 SAs (ike_takeover.c walks the
 * old active node's records and hands IKEv1's here).
 *
 * An ISAKMP SA record of a configured IKEv1 tunnel without an SA becomes
 * an established ISAKMP SA with the record's cookies, role, addresses and
 * ports, NAT state, phase 1 transform, SKEYID_d, SKEYID_a, SKEYID_e, the
 * cipher key and the last phase 1 IV (the IV of each later Quick Mode and
 * informational exchange is derived from it and the exchange's message
 * ID, RFC 2409 Appendix B, so nothing else of the CBC state is needed),
 * the peer's identity and what it announced (DPD, NAT-T vendor IDs), the
 * lifetime it has left and the time to our re-authentication.  Its DPD
 * and NAT keepalives start as after a phase 1.  The IPsec SA records of a
 * resumed tunnel go into the kernel on it as a Quick Mode's do (policies,
 * timers, the standby's copy) with their SPIs, keys, selectors and reqid,
 * outbound sequence numbers as IKEv2's (from the last SEQ_ADVANCE, else
 * IKE_TAKEOVER_SEQ_MARGIN past the record's), a fresh inbound replay
 * window.  The tunnel is Connected without a new phase 1; segment
 * pairs without an IPsec SA are negotiated on the resumed SA by Quick
 * Mode.
 *
 * DPD's sequence numbers (RFC 3706 §7) are not synced (they move with
 * every probe, the record goes out when the SA is established): ours
 * start again at a random number as after any phase 1.  As we read §7,
 * the number guards the sender of R-U-THERE, which checks that an ACK
 * carries a number it sent; the receiver echoes the number it got (we
 * keep none), so the peer answers our new numbers; its own probes we
 * answer whatever their number.  A peer that refused numbers below those
 * it saw would leave our probes unanswered: DPD declares it dead and the
 * tunnel is set up anew, as without takeover.
 *
 * Not resumed (the tunnel starts anew as at start-up, Main or Aggressive
 * Mode with INITIAL-CONTACT unless the peer has a resumed SA with us):
 * a record of a tunnel that is not IKEv1 in the configuration, whose
 * keys do not fit its transform, or whose lifetime is over.  Not carried
 * over: Quick Modes under way and the reply cache (a message 1 the old
 * node answered is not answered again: the peer's retransmissions fail,
 * its Quick Mode starts again), the peer's DPD number, SKEYID itself
 * (unused after phase 1), the kernel's counters.  An outbound SA the old
 * node still held back (a rekey of ours waiting for the peer's traffic,
 * cs_out_deferred) goes in at once.  Of two ISAKMP SAs of one tunnel (a
 * re-authentication just before the crash) the one whose record lists
 * IPsec SAs is kept, else the first; the tunnel's IPsec SAs all go to it
 * (an IPsec SA does not depend on the ISAKMP SA that made it, RFC 2409
 * §5.5).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/ha_state.h"
#include "ike/ikev1_sa.h"

/* The transform and keys of r into sa: 0, or -1 (a length that does not
 * fit the transform: each SKEYID the PRF's, the cipher key and IV the
 * cipher's). */
static int
v1_tk_keys(struct isakmp_sa *sa, const struct ha_ike_rec *r)
{
	const struct ha_skey	*k = r->ir_keys;
	struct ikev1_keys	*d = &sa->is_keys;
	size_t			 hl, el, bl;

	hl = prf_len(r->ir_prf);
	el = encr_key_len(r->ir_encr, r->ir_encr_bits);
	bl = encr_block_len(r->ir_encr);
	if (r->ir_nkeys != HA_V1_NKEYS || hl == 0 ||
	    hl > sizeof(d->k_d) || el == 0 || el > sizeof(d->k_enc) ||
	    bl == 0 || bl > sizeof(sa->is_iv) ||
	    k[HA_V1_SKEYID_D].k_len != hl || k[HA_V1_SKEYID_A].k_len != hl ||
	    k[HA_V1_SKEYID_E].k_len != hl || k[HA_V1_ENC].k_len != el ||
	    k[HA_V1_IV].k_len != bl)
		return (-1);
	sa->is_encr = r->ir_encr;
	sa->is_encr_bits = r->ir_encr_bits;
	sa->is_prf = r->ir_prf;
	sa->is_integ = r->ir_integ;
	sa->is_group = r->ir_dh;
	sa->is_blen = bl;
	d->k_len = hl;
	d->k_enc_len = el;
	memcpy(d->k_d, k[HA_V1_SKEYID_D].k_data, hl);
	memcpy(d->k_a, k[HA_V1_SKEYID_A].k_data, hl);
	memcpy(d->k_e, k[HA_V1_SKEYID_E].k_data, hl);
	memcpy(d->k_enc, k[HA_V1_ENC].k_data, el);
	memcpy(sa->is_iv, k[HA_V1_IV].k_data, bl);
	sa->is_keys_ok = 1;
	return (0);
}

/* An established ISAKMP SA of t from r, or NULL (does not fit). */
static struct isakmp_sa *
v1_tk_build(struct ike_ctx *ctx, struct ike_tunnel *t,
    const struct ha_ike_rec *r)
{
	struct sockaddr_in	 local, remote;
	struct isakmp_sa	*sa;
	uint32_t		 bits = r->ir_mid_peer;

	_Static_assert(sizeof(r->ir_id) <= sizeof(
	    sa->is_b.b_peer_ident.pi_data), "the peer's ID fits");
	if (r->ir_life_s == 0)
		return (NULL);
	ike_takeover_sin(&local, r->ir_local, r->ir_local_port);
	ike_takeover_sin(&remote, r->ir_peer, r->ir_peer_port);
	if ((sa = isakmp_new(ctx, t, (r->ir_flags & HA_IKE_INITIATOR) != 0,
	    (bits & HA_V1_AGGRESSIVE) ? IKEV1_EXCH_AGGRESSIVE :
	    IKEV1_EXCH_MAIN, &local, &remote)) == NULL)
		return (NULL);
	/* an initiator's is hashed under its random cookie */
	ike_sa_hash_remove(&sa->is_b);
	memcpy(sa->is_b.b_spi_i, r->ir_spi_i, 8);
	memcpy(sa->is_b.b_spi_r, r->ir_spi_r, 8);
	if (v1_tk_keys(sa, r) == -1 ||
	    ike_sa_hash_insert(&ctx->ctx_v1->vc_hash, &sa->is_b) == -1) {
		isakmp_destroy(sa);
		return (NULL);
	}
	sa->is_peer_dpd = (bits & HA_V1_PEER_DPD) != 0;
	sa->is_peer_natt = (bits & HA_V1_PEER_NATT) != 0;
	sa->is_natd = (bits & HA_V1_NATD) != 0;
	sa->is_b.b_nat = (r->ir_flags & HA_IKE_NAT) != 0;
	sa->is_b.b_nat_local = (r->ir_flags & HA_IKE_NAT_LOCAL) != 0;
	ike_sa_base_ident_set(&sa->is_b, r->ir_id_type, r->ir_id,
	    r->ir_id_len);
	/* what is left of it: the record again says so if this node syncs
	 * it on (is_up_ms is now) */
	sa->is_lifetime = r->ir_life_s;
	sa->is_resumed = 1 + r->ir_nchildren;
	/* its timers first: the record it sends on (a node that becomes
	 * standby again gets it back) has the re-authentication time */
	ikev1_life_resume(sa, r->ir_rekey_s);
	isakmp_set_state(sa, ISAKMP_ESTABLISHED);
	ikev1_dpd_arm(sa);
	ike_sa_base_keepalive_start(&sa->is_b);
	return (sa);
}

/* The ISAKMP SA resumed for t in this takeover, or NULL. */
static struct isakmp_sa *
v1_tk_resumed(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa;

	ISAKMP_TUNNEL_SA_FOREACH(sa, t)
		if (sa->is_resumed != 0 &&
		    sa->is_state == ISAKMP_ESTABLISHED)
			return (sa);
	return (NULL);
}

int
ikev1_takeover_sa(struct ike_ctx *ctx, const struct ha_ike_rec *r)
{
	struct ike_tunnel	*t;
	struct isakmp_sa	*sa, *o;
	char			 ck[17];

	hex_encode(r->ir_spi_i, 8, ck);
	if ((t = ike_tunnel_find(ctx, r->ir_name)) == NULL || t->t_removed ||
	    t->t_cfg->tn_ike.ike_version != 1) {
		log_info("ha: ISAKMP SA %s of %s: no such IKEv1 tunnel, not "
		    "taken over", ck, r->ir_name);
		return (-1);
	}
	if ((o = ikev1_tunnel_sa(t)) != NULL) {
		/* a second one of the tunnel: the one with IPsec SAs */
		if (o->is_resumed != 1 || r->ir_nchildren == 0) {
			log_tinfo(r->ir_name, "ha: ISAKMP SA %s not taken "
			    "over: the tunnel has one", ck);
			return (0);
		}
	}
	if ((sa = v1_tk_build(ctx, t, r)) == NULL) {
		log_twarn(r->ir_name, "ha: ISAKMP SA %s cannot be taken over%s",
		    ck, o != NULL ? "" : ": the tunnel starts anew");
		return (o != NULL ? 0 : -1);
	}
	if (o != NULL) {
		log_tinfo(r->ir_name, "ha: a second ISAKMP SA without IPsec "
		    "SAs dropped");
		ike_sa_base_tunnel_set(&o->is_b, NULL);
		isakmp_destroy(o);
	}
	log_tinfo(r->ir_name, "ha: ISAKMP SA %s taken over (%s, %s mode, "
	    "%u s left)", ck, sa->is_b.b_initiator ? "initiator" :
	    "responder", sa->is_exchange == IKEV1_EXCH_MAIN ? "main" :
	    "aggressive", sa->is_lifetime);
	return (o != NULL ? 0 : 1);
}

int
ikev1_takeover_child(struct ike_ctx *ctx, const struct ha_child_rec *r)
{
	struct ike_tunnel	*t;
	struct isakmp_sa	*sa;
	struct child_sa		*cs;

	if ((t = ike_tunnel_find(ctx, r->cr_name)) == NULL ||
	    t->t_cfg->tn_ike.ike_version != 1 ||
	    (sa = v1_tk_resumed(t)) == NULL)
		return (0);
	if ((cs = ike_takeover_child_make(t->t_cfg, r)) == NULL)
		goto fail;
	cs->cs_owner = sa;
	cs->cs_out_deferred = 0;
	cs->cs_pair = ike_takeover_pair(t->t_cfg, cs);
	if (child_sa_install(cs, ctx->ctx_kernel, &sa->is_b.b_children) ==
	    -1) {
		child_sa_free(cs);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&sa->is_b.b_children, cs, cs_entry);
	ikev1_child_timer_arm(sa, cs);
	if (cs->cs_pair >= 0)
		t->t_pair[cs->cs_pair] = PAIR_UP;
	/* a node that becomes standby again gets it back */
	ike_ha_child_sa(&sa->is_b, cs);
	child_sa_keys_done(cs, ctx->ctx_cfg);
	log_tinfo(cs->cs_name, "IPsec SA %08x_i %08x_o taken over, outbound "
	    "sequence numbers from %llu", ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out), (unsigned long long)cs->cs_oseq + 1);
	return (1);
 fail:
	log_twarn(r->cr_name, "ha: IPsec SA %08x_i cannot be taken over",
	    ntohl(r->cr_spi_in));
	return (-1);
}

void
ikev1_takeover_done(struct ike_ctx *ctx)
{
	struct isakmp_sa	*sa;
	struct ike_tunnel	*t;

	if (ctx->ctx_v1 == NULL)
		return;
	ISAKMP_SA_FOREACH(sa, ctx) {
		if (sa->is_resumed == 0 || (t = sa->is_b.b_tunnel) == NULL)
			continue;
		sa->is_resumed = 0;
		ike_tunnel_update(t);
		/* the pairs without an IPsec SA, as after a phase 1
		 * (isakmp_established) */
		isakmp_next(sa);
		if (!sa->is_b.b_initiator && t->t_cfg->tn_initiate) {
			sa->is_pairs_at_ms = ike_now_ms() +
			    (uint64_t)V1_PAIRS_WAIT * ctx->ctx_retx_ms;
			isakmp_check_later(sa);
		}
	}
}
