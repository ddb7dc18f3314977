/*
 * ike_takeover.c - HA takeover: a standby that becomes active continues
 * the SAs the old active node synced (its table, ha_store.h) instead of
 * starting its tunnels from scratch.
 *
 * IKEv2 here; IKEv1's ISAKMP SAs and IPsec SAs in ikev1_takeover.c, on
 * the same terms (its records go there from the walks below).  Each IKE
 * SA record of a configured IKEv2 tunnel becomes an
 * established IKE SA with the record's SPIs, role, addresses, NAT state,
 * transforms, SK_* keys and message IDs (exactly the synced ones: RFC
 * 7296 §2.3 has no room for a margin, the peer answers only the next
 * ID), its rekey and expiry timers armed for the time it has left.  Each
 * CHILD SA record of such an SA is installed in the kernel with its
 * SPIs, keys, selectors and reqid; its outbound sequence numbers start
 * IKE_TAKEOVER_SEQ_MARGIN past the record's (RFC 4303 §3.3.3: a number
 * the old node used must never be sent again under the same key), its
 * inbound replay window is fresh.  What is not resumed (no record, a
 * record that does not fit the configuration) is started by
 * ike_start() as at start-up, with INITIAL_CONTACT unless the peer
 * already has a resumed SA with us.
 *
 * Not carried over: the response cache (a request the old node answered
 * but whose answer was lost is not answered again: the peer's
 * retransmissions fail and it deletes the SA), a request of ours in
 * flight, the kernel's byte and packet counters (a volume lifetime
 * counts afresh), and a CHILD SA's time left (its record is sent at
 * installation, so its life restarts here; the peer's timers still
 * rekey it in time).  Of an IKE SA rekeyed just before the crash (the
 * old and the new one both in the table) the one with CHILD SAs stays.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/ha_chan.h"
#include "ike/ha_store.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"

struct ike_takeover {
	struct ike_ctx	*tk_ctx;
	int		 tk_fresh;	/* the engine held no SA before */
	int		 tk_ike;	/* IKE SAs resumed */
	int		 tk_child;	/* CHILD SAs installed */
	int		 tk_failed;	/* records that did not rebuild */
};

/* An IKEv1 part's answer (1 resumed, 0 left, -1 failed) counted. */
static void
ike_takeover_count(struct ike_takeover *tk, int *done, int rc)
{
	if (rc == 1)
		(*done)++;
	else if (rc == -1)
		tk->tk_failed++;
}

/* SK_d, SK_a, SK_e, SK_p (§2.14) from the record: 0, or -1 (lengths that
 * do not pair up or do not fit). */
static int
ike_takeover_keys(struct ike_sa *sa, const struct ha_ike_rec *r)
{
	const struct ha_skey	*k = r->ir_keys;
	struct ikev2_keys	*d = &sa->sa_keys;

	if (r->ir_nkeys != HA_V2_NKEYS || k[HA_V2_SK_D].k_len == 0 ||
	    k[HA_V2_SK_D].k_len > sizeof(d->k_d) ||
	    k[HA_V2_SK_PI].k_len != k[HA_V2_SK_D].k_len ||
	    k[HA_V2_SK_PR].k_len != k[HA_V2_SK_D].k_len ||
	    k[HA_V2_SK_AI].k_len > sizeof(d->k_ai) ||
	    k[HA_V2_SK_AR].k_len != k[HA_V2_SK_AI].k_len ||
	    k[HA_V2_SK_EI].k_len == 0 ||
	    k[HA_V2_SK_EI].k_len > sizeof(d->k_ei) ||
	    k[HA_V2_SK_ER].k_len != k[HA_V2_SK_EI].k_len)
		return (-1);
	d->k_d_len = d->k_p_len = k[HA_V2_SK_D].k_len;
	d->k_a_len = k[HA_V2_SK_AI].k_len;
	d->k_e_len = k[HA_V2_SK_EI].k_len;
	memcpy(d->k_d, k[HA_V2_SK_D].k_data, d->k_d_len);
	memcpy(d->k_pi, k[HA_V2_SK_PI].k_data, d->k_p_len);
	memcpy(d->k_pr, k[HA_V2_SK_PR].k_data, d->k_p_len);
	memcpy(d->k_ai, k[HA_V2_SK_AI].k_data, d->k_a_len);
	memcpy(d->k_ar, k[HA_V2_SK_AR].k_data, d->k_a_len);
	memcpy(d->k_ei, k[HA_V2_SK_EI].k_data, d->k_e_len);
	memcpy(d->k_er, k[HA_V2_SK_ER].k_data, d->k_e_len);
	sa->sa_keys_ok = 1;
	return (0);
}

static void
ike_takeover_arm(struct event *ev, uint64_t ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* The rekey and the hard expiry where the old node had them (the
 * record's seconds from now), instead of a whole new life. */
static void
ike_takeover_life(struct ike_sa *sa, const struct ha_ike_rec *r)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	uint64_t	 now = ike_now_ms(), life_ms, rekey_ms;

	if (r->ir_life_s == 0)
		return;			/* no lifetime: as configured */
	life_ms = (uint64_t)r->ir_life_s * 1000;
	rekey_ms = (uint64_t)r->ir_rekey_s * 1000;
	lifetime_init(&sa->sa_life, now, life_ms, 100, 100,
	    lifetime_margin(life_ms, ctx->ctx_retx_ms));
	if (rekey_ms < sa->sa_life.lt_rekey_ms)
		sa->sa_life.lt_rekey_ms = rekey_ms;
	evtimer_del(sa->sa_rekey_ev);
	evtimer_del(sa->sa_expire_ev);
	ike_takeover_arm(sa->sa_rekey_ev, lifetime_rekey_in(&sa->sa_life,
	    now));
	ike_takeover_arm(sa->sa_expire_ev, lifetime_hard_in(&sa->sa_life,
	    now));
}

/* An established IKE SA from r, or NULL (r does not rebuild: logged). */
static struct ike_sa *
ike_takeover_sa(struct ike_ctx *ctx, struct ike_tunnel *t,
    const struct ha_ike_rec *r)
{
	struct sockaddr_in	 local, remote;
	struct ike_sa		*sa;
	int			 init = (r->ir_flags & HA_IKE_INITIATOR) != 0;

	ike_takeover_sin(&local, r->ir_local, r->ir_local_port);
	ike_takeover_sin(&remote, r->ir_peer, r->ir_peer_port);
	if ((sa = ike_sa_new(ctx, t, init, &local, &remote)) == NULL)
		return (NULL);
	memcpy(sa->sa_b.b_spi_r, r->ir_spi_r, 8);
	if (ike_sa_spi_i_set(sa, r->ir_spi_i) == -1 ||
	    ike_takeover_keys(sa, r) == -1) {
		ike_sa_destroy(sa);
		return (NULL);
	}
	sa->sa_prop.pc_encr = r->ir_encr;
	sa->sa_prop.pc_encr_bits = r->ir_encr_bits;
	sa->sa_prop.pc_prf = r->ir_prf;
	sa->sa_prop.pc_integ = r->ir_integ;
	sa->sa_prop.pc_dh = r->ir_dh;
	/* §2.3: the peer expects exactly these */
	sa->sa_msgid_next = r->ir_mid_next;
	sa->sa_msgid_peer = r->ir_mid_peer;
	sa->sa_b.b_nat = (r->ir_flags & HA_IKE_NAT) != 0;
	sa->sa_b.b_nat_local = (r->ir_flags & HA_IKE_NAT_LOCAL) != 0;
	ike_sa_base_ident_set(&sa->sa_b, r->ir_id_type, r->ir_id,
	    r->ir_id_len);
	/* timers (DPD, keepalives, lifetime) and the standby's copy, as
	 * for one just negotiated; then the lifetime it has left */
	ike_sa_set_state(sa, IKE_SA_ESTABLISHED);
	ike_takeover_life(sa, r);
	return (sa);
}

static void
ike_takeover_ike(const struct ha_ike_rec *r, void *arg)
{
	struct ike_takeover	*tk = arg;
	struct ike_tunnel	*t;
	struct ike_sa		*sa;
	char			 spi[17];

	if (r->ir_version == 1) {
		ike_takeover_count(tk, &tk->tk_ike, ikev1_takeover_sa(
		    tk->tk_ctx, r));
		return;
	}
	hex_encode(r->ir_spi_i, 8, spi);
	if ((t = ike_tunnel_find(tk->tk_ctx, r->ir_name)) == NULL ||
	    t->t_removed || t->t_cfg->tn_ike.ike_version != 2) {
		log_info("ha: IKE SA %s of %s: no such IKEv2 tunnel, not taken "
		    "over", spi, r->ir_name);
		tk->tk_failed++;
		return;
	}
	/* a second record of one tunnel (an IKE SA rekey just before the
	 * crash): ike_takeover_prune() keeps the one with CHILD SAs */
	if (!tk->tk_fresh && ike_tunnel_busy(t)) {
		log_tinfo(r->ir_name, "ha: IKE SA %s not taken over: the "
		    "tunnel has one", spi);
		return;
	}
	if ((sa = ike_takeover_sa(tk->tk_ctx, t, r)) == NULL) {
		log_twarn(r->ir_name, "ha: IKE SA %s cannot be taken over: "
		    "the tunnel starts anew", spi);
		tk->tk_failed++;
		return;
	}
	log_tinfo(r->ir_name, "ha: IKE SA %s taken over (%s, message IDs "
	    "%u/%u)", spi, sa->sa_b.b_initiator ? "initiator" : "responder",
	    sa->sa_msgid_next, sa->sa_msgid_peer);
	tk->tk_ike++;
}

/* A CHILD SA of sa from r, not yet installed, or NULL. */
static struct child_sa *
ike_takeover_child_new(struct ike_sa *sa, const struct ha_child_rec *r)
{
	struct cfg_tunnel	*c = sa->sa_b.b_tunnel->t_cfg;
	struct child_sa		*cs;

	if ((cs = ike_takeover_child_make(c, r)) == NULL)
		return (NULL);
	cs->cs_owner = sa;
	/* the pairs it covers: one, or with child-sa single all those its
	 * selectors overlap (ikev2_child_pairs_set) */
	if (sa->sa_pairs) {
		cs->cs_single = c->tn_child_single;
		cs->cs_pair = cs->cs_single ? 0 : ike_takeover_pair(c, cs);
	}
	return (cs);
}

/* The IKE SA ike_takeover_ike() made for r's, or NULL. */
static struct ike_sa *
ike_takeover_owner(struct ike_ctx *ctx, const struct ha_child_rec *r)
{
	struct ike_sa_base	*b;

	for (b = ike_sa_hash_first(&ctx->ctx_v2_hash, r->cr_ike_spi_i);
	    b != NULL; b = TAILQ_NEXT(b, b_hentry))
		if (memcmp(b->b_spi_i, r->cr_ike_spi_i, 8) == 0 &&
		    memcmp(b->b_spi_r, r->cr_ike_spi_r, 8) == 0 &&
		    ike_sa_of(b)->sa_state == IKE_SA_ESTABLISHED)
			return (ike_sa_of(b));
	return (NULL);
}

static void
ike_takeover_child(const struct ha_child_rec *r, void *arg)
{
	struct ike_takeover	*tk = arg;
	struct ike_sa		*sa;
	struct child_sa		*cs;

	if (r->cr_version == 1) {
		ike_takeover_count(tk, &tk->tk_child, ikev1_takeover_child(
		    tk->tk_ctx, r));
		return;
	}
	if ((sa = ike_takeover_owner(tk->tk_ctx, r)) == NULL)
		return;
	if ((cs = ike_takeover_child_new(sa, r)) == NULL ||
	    ikev2_child_adopt(sa, cs, (uint64_t)r->cr_life_s * 1000) == -1) {
		/* its pair stays NONE: the queue negotiates it again if we
		 * set the tunnel's pairs up */
		log_twarn(r->cr_name, "ha: CHILD SA %08x_i cannot be taken "
		    "over", ntohl(r->cr_spi_in));
		if (cs != NULL)
			child_sa_free(cs);
		tk->tk_failed++;
		return;
	}
	ikev2_child_pairs_set(sa->sa_b.b_tunnel, cs, PAIR_UP);
	tk->tk_child++;
}

/*
 * Two SAs resumed for one tunnel: the old node rekeyed the IKE SA just
 * before it failed and the old one was not deleted yet.  Its CHILD SAs
 * went to the new one (RFC 7296 §2.18, the record lists them), so the one
 * without CHILD SAs goes, silently (the peer deletes it or forgets it as
 * the old SA of its rekey).  Two with CHILD SAs both stay, as after a
 * re-authentication.  The number dropped.
 */
static int
ike_takeover_prune(struct ike_ctx *ctx)
{
	struct ike_sa		*sa, *next, *kept;
	struct ike_tunnel	*t;
	int			 n = 0;

	for (sa = ikev2_sa_first(ctx); sa != NULL; sa = next) {
		next = ikev2_sa_after(sa);
		t = sa->sa_b.b_tunnel;
		if ((kept = t->t_takeover) == NULL) {
			t->t_takeover = sa;
			continue;
		}
		if (!TAILQ_EMPTY(&kept->sa_b.b_children) &&
		    !TAILQ_EMPTY(&sa->sa_b.b_children))
			continue;
		if (TAILQ_EMPTY(&sa->sa_b.b_children))
			kept = sa;
		else
			t->t_takeover = sa;
		log_tinfo(ike_tunnel_name(t), "ha: a second IKE SA without "
		    "CHILD SAs dropped");
		ike_sa_destroy(kept);
		n++;
	}
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		t->t_takeover = NULL;
	return (n);
}

int
ike_takeover(struct ike_ctx *ctx)
{
	struct ike_takeover	 tk;
	const struct ha_store	*st;
	struct ike_sa		*sa;

	if (ctx->ctx_passive || ctx->ctx_ha == NULL ||
	    (st = ha_chan_store(ctx->ctx_ha)) == NULL)
		return (0);
	memset(&tk, 0, sizeof(tk));
	tk.tk_ctx = ctx;
	tk.tk_fresh = TAILQ_EMPTY(&ctx->ctx_all);
	ha_store_ike_each(st, ike_takeover_ike, &tk);
	ha_store_child_each(st, ike_takeover_child, &tk);
	if (tk.tk_fresh)
		tk.tk_ike -= ike_takeover_prune(ctx);
	/* Connected, routes; pairs without a CHILD SA are negotiated on
	 * the resumed SA (the queue) */
	IKEV2_SA_FOREACH(sa, ctx) {
		ike_tunnel_update(sa->sa_b.b_tunnel);
		ike_sa_next(sa);
	}
	ikev1_takeover_done(ctx);
	ha_chan_store_clear(ctx->ctx_ha);
	log_info("ha: takeover: %d IKE SAs and %d CHILD SAs resumed, %d "
	    "records not", tk.tk_ike, tk.tk_child, tk.tk_failed);
	return (tk.tk_ike);
}
