/*
 * ikev1_rekey.c - IKEv1 lifetimes (RFC 2407 §4.5, RFC 2409 §5.5).
 *
 * IPsec SAs are rekeyed by a new Quick Mode with the same selectors
 * before their lifetime ends; the side that created an SA rekeys it at
 * ~90% of its lifetime, the other side a little later if it still has
 * to.  Who rekeyed deletes the old SA; the other keeps it until that
 * DELETE (or its expiry), as strongSwan and Cisco do.
 *
 * Phase 1 has no rekey in IKEv1: a new Main or Aggressive Mode with the
 * same peer re-authenticates, and the new ISAKMP SA takes over the IPsec
 * SAs of the old one, which is then deleted (strongSwan's IKEv1
 * "reauthentication" behaves alike and adopts our IPsec SAs the same
 * way).  An ISAKMP SA that reaches its lifetime without a successor is
 * deleted together with its IPsec SAs, and the tunnel starts afresh; one
 * that reaches it while a new phase 1 is under way keeps them for it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/ikev1_sa.h"
#include "ike/net.h"

#define V1_REKEY_JITTER		5	/* % of the lifetime, earlier */
#define V1_REKEY_OTHER		97	/* % for the other side ... */
#define V1_REKEY_OTHER_JITTER	2	/* ... minus up to this */
#define V1_CHILD_RETRY_MS	10000	/* no ISAKMP SA to rekey with yet */
/* a replaced ISAKMP SA waits this many retransmission delays at most
 * for a Quick Mode under way on it */
#define V1_REPLACED_WAITS	16
/* the SA a dropped late IPsec SA rekeyed carries on only with this many
 * retransmission delays of life left */
#define V1_LATE_HEIR_RETX	4

void
ikev1_life_unit_set(struct ike_ctx *ctx, unsigned ms)
{
	struct ikev1_ctx	*vc = ikev1_ctx_get(ctx);

	if (vc != NULL)
		vc->vc_life_unit_ms = ms;
}

void
ikev1_reauth_delete_set(struct ike_ctx *ctx, unsigned ms)
{
	struct ikev1_ctx	*vc = ikev1_ctx_get(ctx);

	if (vc != NULL)
		vc->vc_reauth_delete_ms = ms;
}

static void
v1_timer_add(struct event *ev, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

static uint64_t
v1_life_ms(const struct ike_ctx *ctx, uint32_t secs)
{
	unsigned	 unit = ctx->ctx_v1->vc_life_unit_ms;

	return ((uint64_t)secs * (unit != 0 ? unit : 1000));
}

/*
 * When to rekey an SA: at ctx_rekey_percent of its life, up to
 * V1_REKEY_JITTER % earlier at random (SAs made together are not all
 * rekeyed at once), by the side that created it; the other side waits
 * until V1_REKEY_OTHER % (a safety net: strongSwan proposes its
 * rekey time + 10% as the lifetime and rekeys at 82-91% of it, Cisco
 * rekeys its own SAs too).  The range in percent, lo to hi.
 */
static void
v1_rekey_pct(const struct ike_ctx *ctx, int creator, unsigned *lo,
    unsigned *hi)
{
	unsigned	 pct = ctx->ctx_rekey_percent, jitter = V1_REKEY_JITTER;

	if (!creator) {
		pct = V1_REKEY_OTHER;
		jitter = V1_REKEY_OTHER_JITTER;
	}
	*hi = pct;
	*lo = pct > jitter ? pct - jitter : 0;
}

/*
 * The retransmission margin (lifetime_margin()) applies to the creator's
 * rekey only: the other side's is a safety net that must stay behind the
 * creator's (a strongSwan peer rekeys at up to 91% of the lifetime it
 * proposes), and a margin would move it ahead on short lifetimes.
 */
static uint64_t
v1_rekey_margin(const struct ike_ctx *ctx, uint64_t life_ms, int creator)
{
	return (creator ? lifetime_margin(life_ms, ctx->ctx_retx_ms) : 0);
}

/* When to rekey an ISAKMP SA of life_ms: ms after its birth. */
static uint64_t
v1_rekey_ms(const struct ike_ctx *ctx, uint64_t life_ms, int creator)
{
	unsigned	 lo, hi;

	v1_rekey_pct(ctx, creator, &lo, &hi);
	return (lifetime_pick(life_ms, lo, hi, v1_rekey_margin(ctx, life_ms,
	    creator)));
}

/* --- IPsec SAs --- */

/* What an IPsec SA of a tunnel is looked up by. */
struct v1_child_key {
	const struct cfg_prefix	*k_l, *k_r;	/* installed, these selectors */
	uint32_t		 k_spi_in;	/* or this inbound SPI */
};

static int
v1_child_is(const struct child_sa *cs, const struct v1_child_key *k)
{
	if (k->k_l == NULL)
		return (cs->cs_spi_in == k->k_spi_in);
	return (cs->cs_state == CHILD_SA_INSTALLED &&
	    cs->cs_lts[0].pf_addr.s_addr == k->k_l->pf_addr.s_addr &&
	    cs->cs_lts[0].pf_plen == k->k_l->pf_plen &&
	    cs->cs_rts[0].pf_addr.s_addr == k->k_r->pf_addr.s_addr &&
	    cs->cs_rts[0].pf_plen == k->k_r->pf_plen);
}

/* IPsec SAs outlive the ISAKMP SA that made them: look in all of t's. */
static struct child_sa *
v1_child_find(struct ike_tunnel *t, const struct v1_child_key *k)
{
	struct isakmp_sa	*sa;
	struct child_sa		*cs;

	if (t->t_ctx->ctx_v1 == NULL)
		return (NULL);
	ISAKMP_TUNNEL_SA_FOREACH(sa, t) {
		if (sa->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
			if (v1_child_is(cs, k))
				return (cs);
	}
	return (NULL);
}

struct child_sa *
ikev1_child_by_ts(struct ike_tunnel *t, const struct cfg_prefix *l,
    const struct cfg_prefix *r)
{
	struct v1_child_key	 k = { l, r, 0 };

	return (v1_child_find(t, &k));
}

struct child_sa *
ikev1_child_by_spi(struct ike_tunnel *t, uint32_t spi_in)
{
	struct v1_child_key	 k = { NULL, NULL, spi_in };

	return (v1_child_find(t, &k));
}

int
ikev1_child_count(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa;
	struct child_sa		*cs;
	struct ikev1_qm		*qm;
	int			 n = 0;

	if (t->t_ctx->ctx_v1 == NULL)
		return (0);
	ISAKMP_TUNNEL_SA_FOREACH(sa, t) {
		if (sa->is_state == ISAKMP_DEAD)
			continue;
		/* dead and expired ones hold no kernel SA */
		TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
			if (cs->cs_state != CHILD_SA_DEAD &&
			    cs->cs_state != CHILD_SA_EXPIRED)
				n++;
		TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
			if (qm->qm_child != NULL)
				n++;
	}
	return (n);
}

int
ikev1_child_max(const struct ike_tunnel *t)
{
	return (t->t_cfg->tn_nlocal * t->t_cfg->tn_nremote *
	    IKEV1_CHILD_PER_PAIR + IKEV1_CHILD_SLACK);
}

/* No IPsec SA of t covers cs's segment pair any more: set it up again. */
static void
v1_child_pair_lost(struct isakmp_sa *sa, int pair)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct isakmp_sa	*cur;

	if (t == NULL || pair < 0 || pair >= IKE_PAIR_MAX)
		return;
	t->t_pair[pair] = PAIR_NONE;
	if ((cur = ikev1_tunnel_sa(t)) != NULL)
		isakmp_next(cur);
}

/*
 * Hard lifetime (our timer, or the kernel's XFRM_MSG_EXPIRE: the kernel
 * removed the SA gone_spi, 0 none): the IPsec SA goes, and its segment
 * pair is set up again unless a successor has taken it over.
 */
static void
v1_child_expired(struct child_sa *cs, uint32_t gone_spi)
{
	struct isakmp_sa	*sa = cs->cs_owner;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	int			 pair;

	log_tinfo(cs->cs_name, "IPsec SA %08x/%08x expired",
	    ntohl(cs->cs_spi_in), ntohl(cs->cs_spi_out));
	if (gone_spi != 0 && gone_spi == cs->cs_spi_in)
		cs->cs_sa_in = 0;
	if (gone_spi != 0 && gone_spi == cs->cs_spi_out)
		cs->cs_sa_out = 0;
	pair = cs->cs_pair;
	ikev1_info_delete_child_all(sa, cs);
	ikev1_child_remove(cs);
	v1_child_pair_lost(sa, pair);
	if (t != NULL)
		ike_tunnel_update(t);
}

static void	v1_child_rekey_due(struct child_sa *);
static struct child_sa *v1_peer_twin(struct child_sa *);

/* A Quick Mode under way, or an IPsec SA made by one, replaces cs. */
static int
v1_child_rekeying(const struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner, *o;
	struct ikev1_qm		*qm;
	struct child_sa		*x;

	ISAKMP_KIN_FOREACH(o, sa) {
		if (o->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(qm, &o->is_qms, qm_entry)
			if (qm->qm_rekey_spi == cs->cs_spi_in &&
			    (qm->qm_state == QM_I1 || qm->qm_state == QM_R2))
				return (1);
		TAILQ_FOREACH(x, &o->is_b.b_children, cs_entry)
			if (x != cs && x->cs_rekey_spi == cs->cs_spi_in &&
			    x->cs_state == CHILD_SA_INSTALLED)
				return (1);
	}
	return (0);
}

/*
 * The kernel's soft expiry of a byte or packet limit (IKEv1 has no
 * other notice of volume: our timers count time only): the rekey starts
 * now, unless one is under way.  The soft limit was drawn as the time
 * one is (85-90% by the SA's creator, 95-97% by the other side), so the
 * creator usually starts it.
 */
static void
v1_child_soft_volume(struct child_sa *cs)
{
	if (cs->cs_state != CHILD_SA_INSTALLED || cs->cs_rekey_due ||
	    v1_child_rekeying(cs))
		return;
	log_tinfo(cs->cs_name, "IPsec SA %08x/%08x: soft volume lifetime "
	    "(bytes or packets) reached (kernel): rekeying",
	    ntohl(cs->cs_spi_in), ntohl(cs->cs_spi_out));
	v1_child_rekey_due(cs);
}

void
ikev1_child_kernel_expire(struct ike_sa_base *b, struct child_sa *cs,
    uint32_t spi, int hard, int volume)
{
	(void)b;
	/* soft time: our own rekey timers (85-90% by the SA's creator,
	 * 95-97% by the other side) decide */
	if (!hard && volume)
		v1_child_soft_volume(cs);
	if (hard && (cs->cs_state == CHILD_SA_INSTALLED ||
	    cs->cs_state == CHILD_SA_REKEYED))
		v1_child_expired(cs, spi);
}

/* The rekey time: a Quick Mode on the tunnel's current ISAKMP SA. */
static void
v1_child_rekey_due(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner, *cur;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct child_sa		*x;
	uint64_t		 in;

	if (cs->cs_state != CHILD_SA_INSTALLED || t == NULL)
		return;
	if ((x = v1_peer_twin(cs)) != NULL) {
		log_tinfo(cs->cs_name, "simultaneous rekey: the peer sends on "
		    "%08x, not on %08x: %08x carries on", ntohl(x->cs_spi_in),
		    ntohl(cs->cs_spi_in), ntohl(x->cs_spi_in));
		x->cs_pair = cs->cs_pair;
		cs->cs_pair = -1;
		child_sa_set_state(cs, CHILD_SA_REKEYED);
		child_sa_set_state(x, CHILD_SA_INSTALLED);
		/* the peer holds it: our traffic goes there too */
		if (!x->cs_sa_out)
			child_sa_install_outbound(x,
			    sa->is_b.b_ctx->ctx_kernel);
		/* its own rekey time, which passed unheeded if it is due */
		if ((in = lifetime_rekey_in(&x->cs_life, ike_now_ms())) > 0) {
			child_sa_life_rekey_in(x, in);
			return;
		}
		cs = x;
		sa = cs->cs_owner;
	}
	/* the peer's Quick Mode rekeying cs is under way (its message 3
	 * or our wait for its traffic on the new SA is to come): ours now
	 * would make a second SA pair for the segment pair, and strongSwan
	 * takes a Quick Mode that arrives while its own rekey of the same
	 * SA waits for message 2 for a rekey of that SA too and keeps both
	 * new pairs, each rekeyed from then on (two chains); look again
	 * after a retransmission delay */
	if (v1_child_rekeying(cs)) {
		log_tdebug(cs->cs_name, "IPsec SA %08x: rekey time, but a "
		    "Quick Mode rekeying it is under way: waiting",
		    ntohl(cs->cs_spi_in));
		child_sa_life_rekey_in(cs, sa->is_b.b_ctx->ctx_retx_ms);
		return;
	}
	if ((cur = ikev1_tunnel_sa(t)) == NULL) {
		/* phase 1 is being renewed: try again shortly (until the
		 * hard expiry) */
		child_sa_life_rekey_in(cs, V1_CHILD_RETRY_MS);
		return;
	}
	ike_event(t->t_ctx, cs->cs_name, "rekey", "IPsec SA %08x rekey "
	    "started", ntohl(cs->cs_spi_in));
	cs->cs_rekey_due = 1;
	isakmp_next(cur);
}

static void
v1_child_expire_due(struct child_sa *cs)
{
	v1_child_expired(cs, 0);
}

static const struct child_sa_timers v1_child_timers = {
	v1_child_rekey_due, v1_child_expire_due
};

void
ikev1_child_volume_set(struct isakmp_sa *sa, struct child_sa *cs,
    int creator, uint64_t bytes, uint64_t packets)
{
	unsigned	 lo, hi;

	v1_rekey_pct(sa->is_b.b_ctx, creator, &lo, &hi);
	child_sa_volume_set(cs, bytes, packets, lo, hi);
	/*
	 * IKEv1 ignores the kernel's soft time expiry (its timers rekey at
	 * 85-90% or 95-97%), but the kernel sends one soft expiry per SA:
	 * one of time at 90% would silence the byte or packet one that
	 * must start the rekey.  With volume limits: no soft time expiry.
	 */
	cs->cs_no_soft_time = bytes != 0 || packets != 0;
}

void
ikev1_child_timer_arm(struct isakmp_sa *sa, struct child_sa *cs)
{
	unsigned	 lo, hi;
	uint64_t	 life_ms;

	if (cs->cs_lifetime == 0)
		return;
	v1_rekey_pct(sa->is_b.b_ctx, cs->cs_initiated, &lo, &hi);
	life_ms = v1_life_ms(sa->is_b.b_ctx, cs->cs_lifetime);
	if (child_sa_life_start(cs, sa->is_b.b_ctx->ctx_base, ike_now_ms(),
	    life_ms, lo, hi, v1_rekey_margin(sa->is_b.b_ctx, life_ms,
	    cs->cs_initiated),
	    &v1_child_timers) == -1)
		log_twarn(cs->cs_name, "IPsec SA %08x: no rekey timer",
		    ntohl(cs->cs_spi_in));
}

/*
 * Quick Mode message 3 has no answer (RFC 2409 §5.5): the initiator of a
 * rekey cannot know that the peer installed the new SAs, and a peer that
 * never got message 3 does not install them (strongSwan does not always
 * send message 2 again).  So our traffic stays on the old SA (the new
 * outbound SA waits: cs_out_deferred) and the old SA is not deleted until
 * the peer shows it holds the new one by sending on it.  The peer still
 * sending on the old SA only, V1_COMMIT_RETX retransmission delays later
 * (counted again from a message 3 sent again for a repeated message 2,
 * ikev1_rekey_msg3_again): message 3 was lost, the new SA goes and the
 * rekey starts again.  No traffic at all: the new SA is taken.
 */
#define V1_COMMIT_STEP_MS	250
#define V1_COMMIT_RETX		2

/* An installed IPsec SA of cs's tunnel with cs's selectors, not cs nor
 * not_this (NULL: none). */
static struct child_sa *
v1_other_installed(const struct child_sa *cs, const struct child_sa *not_this)
{
	struct isakmp_sa	*sa = cs->cs_owner, *o;
	struct child_sa		*x;

	ISAKMP_KIN_FOREACH(o, sa) {
		if (o->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(x, &o->is_b.b_children, cs_entry)
			if (x != cs && x != not_this &&
			    x->cs_state == CHILD_SA_INSTALLED &&
			    child_sa_same_ts(x, cs))
				return (x);
	}
	return (NULL);
}

/*
 * Our new SA cs goes before the peer used it: a DELETE (which also ends
 * a Quick Mode of the peer's waiting for message 3), and the Quick Mode
 * that made it no longer sends message 3 again.
 */
static void
v1_drop_unused(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner;

	ikev1_quick_given_up(sa->is_b.b_tunnel, cs->cs_spi_in);
	ikev1_info_delete_child_all(sa, cs);
	ikev1_child_remove(cs);
}

static void
v1_commit(struct child_sa *cs, struct child_sa *old, const char *why)
{
	struct isakmp_sa	*sa = cs->cs_owner;

	child_sa_install_outbound(cs, sa->is_b.b_ctx->ctx_kernel);
	if (old == NULL)
		return;
	log_tinfo(isakmp_name(sa), "IPsec SA %08x rekeyed by %08x (%s): "
	    "deleting it", ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in), why);
	ikev1_info_delete_child_all(old->cs_owner, old);
	ikev1_child_remove(old);
}

static void
v1_commit_cb(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner, *cur;
	struct ike_ctx		*ctx = sa->is_b.b_ctx;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct child_sa		*old = NULL;
	uint64_t		 now = ike_now_ms(), limit;

	if (!cs->cs_out_deferred)
		return;
	if (t != NULL)
		old = ikev1_child_by_spi(t, cs->cs_rekey_spi);
	if (child_sa_inbound_bytes(cs, ctx->ctx_kernel) > 0) {
		v1_commit(cs, old, "the peer sends on it");
		return;
	}
	/*
	 * Rekeyed by the peer before the peer sent on it: the peer's own
	 * rekey was taken for one of this one (the peer rekeyed the old
	 * one, maybe without our message 3).  Both the old one and this
	 * one go (a DELETE of this one also ends the peer's Quick Mode that
	 * may still wait for message 3).  The loser of a simultaneous rekey
	 * (cs_twin_spi) stays: the peer may send on it only.
	 */
	if (cs->cs_state != CHILD_SA_INSTALLED && cs->cs_twin_spi == 0) {
		log_tinfo(isakmp_name(sa), "IPsec SA %08x was superseded "
		    "before the peer used it: deleting it%s",
		    ntohl(cs->cs_spi_in), old != NULL ? " and the one it "
		    "rekeyed" : "");
		cs->cs_out_deferred = 0;
		if (old != NULL) {
			ikev1_info_delete_child_all(old->cs_owner, old);
			ikev1_child_remove(old);
		}
		v1_drop_unused(cs);
		return;
	}
	if (old == NULL) {
		v1_commit(cs, NULL, "the old one is gone");
		return;
	}
	limit = (uint64_t)V1_COMMIT_RETX * ctx->ctx_retx_ms;
	if (old->cs_life.lt_life_ms != 0 &&
	    lifetime_hard_in(&old->cs_life, now) / 2 < limit)
		limit = lifetime_hard_in(&old->cs_life, now) / 2;
	if (now - cs->cs_watch_since_ms < limit) {
		child_sa_watch(cs, ctx->ctx_base, V1_COMMIT_STEP_MS <
		    limit / 4 ? V1_COMMIT_STEP_MS : limit / 4 + 1,
		    v1_commit_cb);
		return;
	}
	if (child_sa_inbound_bytes(old, ctx->ctx_kernel) ==
	    cs->cs_watch_old_bytes) {
		v1_commit(cs, old, "no traffic to tell");
		return;
	}
	/* the peer sends on the old SA only: it has not the new one */
	if (v1_other_installed(cs, old) != NULL) {
		/* but a pair of the peer's covers the selectors: no new
		 * rekey of the old one, which the peer replaced */
		log_tinfo(isakmp_name(sa), "IPsec SA %08x: the peer does not "
		    "use its successor %08x, but has another one: dropping "
		    "%08x", ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in),
		    ntohl(cs->cs_spi_in));
		v1_drop_unused(cs);
		return;
	}
	log_tinfo(isakmp_name(sa), "IPsec SA %08x: the peer does not use "
	    "its successor %08x (Quick Mode message 3 lost?): rekeying again",
	    ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in));
	old->cs_pair = cs->cs_pair;
	cs->cs_pair = -1;
	child_sa_set_state(old, CHILD_SA_INSTALLED);
	v1_drop_unused(cs);
	old->cs_rekey_due = 1;
	if (t != NULL && (cur = ikev1_tunnel_sa(t)) != NULL)
		isakmp_next(cur);
}

void
ikev1_rekey_msg3_again(struct isakmp_sa *sa, uint32_t spi_in)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct child_sa		*cs, *old;

	if (t == NULL || spi_in == 0 ||
	    (cs = ikev1_child_by_spi(t, spi_in)) == NULL ||
	    !cs->cs_out_deferred || cs->cs_rekey_spi == 0 ||
	    (old = ikev1_child_by_spi(t, cs->cs_rekey_spi)) == NULL)
		return;
	/* the peer did not have the new SA until now: its watch starts
	 * again (else it ends V1_COMMIT_RETX delays after message 3 first
	 * went, maybe just after the peer got it at last, and our DELETE of
	 * the new SA follows strongSwan's of the old one) */
	cs->cs_watch_since_ms = ike_now_ms();
	cs->cs_watch_old_bytes = child_sa_inbound_bytes(old,
	    sa->is_b.b_ctx->ctx_kernel);
	log_tdebug(isakmp_name(sa), "IPsec SA %08x: the peer asked for "
	    "message 3 again: watching for its traffic on %08x from now",
	    ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in));
}

int
ikev1_rekey_defer_ok(struct isakmp_sa *sa, uint32_t old_spi)
{
	struct child_sa	*old;

	if (sa->is_b.b_tunnel == NULL || (old = ikev1_child_by_spi(
	    sa->is_b.b_tunnel, old_spi)) == NULL || !old->cs_sa_out ||
	    (old->cs_state != CHILD_SA_INSTALLED &&
	    old->cs_state != CHILD_SA_REKEYED))
		return (0);
	/* the watch needs a few steps before the old one's end */
	return (old->cs_life.lt_life_ms == 0 || lifetime_hard_in(&old->cs_life,
	    ike_now_ms()) > 4 * V1_COMMIT_STEP_MS);
}

static void
v1_commit_watch(struct isakmp_sa *sa, struct child_sa *cs,
    struct child_sa *old)
{
	struct ike_ctx	*ctx = sa->is_b.b_ctx;

	cs->cs_watch_since_ms = ike_now_ms();
	cs->cs_watch_old_bytes = child_sa_inbound_bytes(old, ctx->ctx_kernel);
	log_tdebug(isakmp_name(sa), "IPsec SA %08x: our traffic stays on it "
	    "until the peer uses %08x", ntohl(old->cs_spi_in),
	    ntohl(cs->cs_spi_in));
	if (child_sa_watch(cs, ctx->ctx_base, V1_COMMIT_STEP_MS <
	    ctx->ctx_retx_ms / 4 ? V1_COMMIT_STEP_MS : ctx->ctx_retx_ms / 4 + 1,
	    v1_commit_cb) == -1)
		v1_commit(cs, old, "no timer");
}

/*
 * The peer rekeyed an IPsec SA that its own rekey made not half a
 * lifetime before: it holds another SA for the same selectors, and rekeys
 * each
 * (IKEv1 does not say which SA a Quick Mode rekeys: we take the installed
 * one with its selectors, here the younger chain's head).  strongSwan has
 * no collision rule in IKEv1: when our Quick Mode reaches it while its own
 * rekey of the same SA waits for message 2, both new pairs stay installed
 * there and each is rekeyed from then on, for good (the v1-gw-swan soak
 * ended with two SA pairs so).  The SA the peer has just made is one it
 * holds and sends on (the newest); the one it rekeyed is superseded on
 * our side and, at the peer, either superseded too or the head of its
 * other chain.  Once that one has been silent for V1_SETTLE_RETX
 * retransmission delays, it is deleted on every ISAKMP SA: the peer then
 * keeps one chain.  (A peer that deletes what it rekeyed, like gatewayd
 * after a forced rekey, has done so by then.)  While the peer still sends on it, it stays; after
 * V1_SETTLE_MAX_RETX delays the watch ends and it lives out its lifetime.
 */
#define V1_SETTLE_STEP_MS	250
#define V1_SETTLE_RETX		4
#define V1_SETTLE_MAX_RETX	30

static void	v1_settle_cb(struct child_sa *);

static int
v1_settle_arm(struct child_sa *cs, struct ike_ctx *ctx)
{
	return (child_sa_settle(cs, ctx->ctx_base, V1_SETTLE_STEP_MS <
	    ctx->ctx_retx_ms / 4 ? V1_SETTLE_STEP_MS : ctx->ctx_retx_ms / 4 + 1,
	    v1_settle_cb));
}

static void
v1_settle_cb(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner;
	struct ike_ctx		*ctx = sa->is_b.b_ctx;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct child_sa		*old;
	uint64_t		 now = ike_now_ms(), bytes;

	if (t == NULL || cs->cs_settle_spi == 0 ||
	    cs->cs_state != CHILD_SA_INSTALLED)
		return;
	if ((old = ikev1_child_by_spi(t, cs->cs_settle_spi)) == NULL ||
	    old->cs_state != CHILD_SA_REKEYED) {
		cs->cs_settle_spi = 0;
		return;
	}
	bytes = child_sa_inbound_bytes(old, ctx->ctx_kernel);
	if (bytes != cs->cs_settle_bytes) {
		cs->cs_settle_bytes = bytes;
		cs->cs_settle_grew_ms = now;
	}
	if (now - cs->cs_settle_grew_ms >= (uint64_t)V1_SETTLE_RETX *
	    ctx->ctx_retx_ms) {
		cs->cs_settle_spi = 0;
		log_tinfo(cs->cs_name, "IPsec SA %08x, which the peer rekeyed "
		    "soon after it made it, is unused: deleting it, so that "
		    "the peer keeps one SA for its selectors",
		    ntohl(old->cs_spi_in));
		ikev1_info_delete_child_all(old->cs_owner, old);
		ikev1_child_remove(old);
		ike_tunnel_update(t);
		return;
	}
	if (now - cs->cs_settle_since_ms < (uint64_t)V1_SETTLE_MAX_RETX *
	    ctx->ctx_retx_ms && v1_settle_arm(cs, ctx) == 0)
		return;
	log_tdebug(cs->cs_name, "IPsec SA %08x: the peer still sends on it; "
	    "it lives out its lifetime", ntohl(old->cs_spi_in));
	cs->cs_settle_spi = 0;
}

/* cs, the peer's rekey of old, watches old until it is unused. */
static void
v1_settle_start(struct child_sa *cs, struct child_sa *old)
{
	struct ike_ctx	*ctx = ((struct isakmp_sa *)cs->cs_owner)->is_b.b_ctx;
	uint64_t	 now = ike_now_ms();

	cs->cs_settle_spi = old->cs_spi_in;
	cs->cs_settle_since_ms = now;
	cs->cs_settle_bytes = child_sa_inbound_bytes(old, ctx->ctx_kernel);
	cs->cs_settle_grew_ms = now;
	if (v1_settle_arm(cs, ctx) == -1)
		cs->cs_settle_spi = 0;
}

/*
 * Both sides rekeyed the same IPsec SA at once (RFC 2409 has no rule for
 * it): two new SA pairs for one segment pair.  Each side carries on with
 * the pair whose smaller SPI is the larger one (the same pair on both
 * sides: an SA's inbound SPI here is its outbound SPI there); the other
 * one goes when it expires, so that one pair remains.
 *
 * The loser is not deleted: it is only no longer rekeyed, and lives out
 * its lifetime (the kernel's soft expiry already moves traffic to the
 * winner).  A peer like strongSwan, which has no collision rule in
 * IKEv1, takes our Quick Mode for a rekey of the SA its own Quick Mode
 * has just made, removes that one's outbound SA and sends only on ours:
 * had we deleted ours, it would have had no outbound SA at all (the
 * v1-gw-swan soak lost 10 s so); it rekeys ours in time, and deletes its
 * own when it expires.  Two gatewayds both keep the same winner.
 */
static uint32_t
v1_rekey_key(const struct child_sa *cs)
{
	uint32_t	 in = ntohl(cs->cs_spi_in), out = ntohl(cs->cs_spi_out);

	return (in < out ? in : out);
}

static void	v1_twins_settle(struct isakmp_sa *, struct child_sa *,
		    struct child_sa *, uint32_t);

static void
v1_rekey_collision(struct isakmp_sa *sa, struct child_sa *cs,
    uint32_t old_spi)
{
	struct isakmp_sa	*o;
	struct child_sa		*twin = NULL, *x;

	ISAKMP_KIN_FOREACH(o, sa) {
		if (o->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(x, &o->is_b.b_children, cs_entry)
			if (x != cs && x->cs_rekey_spi == old_spi &&
			    x->cs_state == CHILD_SA_INSTALLED)
				twin = x;
	}
	/* any other installed pair with the same selectors: two chains
	 * (each side took another Quick Mode for the rekey of another SA
	 * under loss); the same rule keeps one */
	if (twin == NULL && cs->cs_state == CHILD_SA_INSTALLED &&
	    (x = v1_other_installed(cs, NULL)) != NULL &&
	    x->cs_spi_in != old_spi)
		twin = x;
	if (twin != NULL)
		v1_twins_settle(sa, cs, twin, old_spi);
}

/*
 * Two installed pairs of one segment pair, cs and twin: the pair whose
 * smaller SPI is the larger one carries on, the other is superseded
 * (kept until it expires, no longer rekeyed), alike on both sides.
 * old_spi: the SA both rekeyed, 0 when neither is a rekey.
 */
static void
v1_twins_settle(struct isakmp_sa *sa, struct child_sa *cs,
    struct child_sa *twin, uint32_t old_spi)
{
	struct child_sa		*loser, *winner;

	if (v1_rekey_key(cs) > v1_rekey_key(twin)) {
		winner = cs;
		loser = twin;
	} else {
		winner = twin;
		loser = cs;
	}
	if (winner->cs_pair < 0)
		winner->cs_pair = loser->cs_pair;
	loser->cs_pair = -1;
	if (old_spi != 0)
		log_tinfo(isakmp_name(sa), "simultaneous rekey of IPsec SA "
		    "%08x: %08x carries on, %08x is kept until it expires",
		    ntohl(old_spi), ntohl(winner->cs_spi_in),
		    ntohl(loser->cs_spi_in));
	else
		log_tinfo(isakmp_name(sa), "IPsec SAs %08x and %08x both set "
		    "up the same segment pair (crossed Quick Modes): %08x "
		    "carries on, %08x is kept until it expires",
		    ntohl(cs->cs_spi_in), ntohl(twin->cs_spi_in),
		    ntohl(winner->cs_spi_in), ntohl(loser->cs_spi_in));
	/* superseded: not rekeyed, not set up again when it expires */
	child_sa_set_state(loser, CHILD_SA_REKEYED);
	/* the loser, installed last, may hold the policies: with another
	 * reqid, what the peer sends on the winner would fail their check */
	if (winner->cs_reqid != loser->cs_reqid)
		(void)child_sa_policies_claim(winner,
		    sa->is_b.b_ctx->ctx_kernel);
	/* v1_child_rekey_due() looks which one the peer sends on */
	winner->cs_twin_spi = loser->cs_spi_in;
	loser->cs_twin_spi = winner->cs_spi_in;
	winner->cs_collide_bytes = child_sa_inbound_bytes(winner,
	    sa->is_b.b_ctx->ctx_kernel);
	loser->cs_collide_bytes = child_sa_inbound_bytes(loser,
	    sa->is_b.b_ctx->ctx_kernel);
}

/*
 * cs, set up afresh (not a rekey), may share its selectors with another
 * installed pair: both sides set the segment pair up at once (after a
 * re-authentication's late IPsec SA was dropped, say) and the Quick
 * Modes crossed.  Left so, each side rekeyed the pair it had made, each
 * took the other's Quick Mode for a rekey of another SA (Quick Mode
 * does not say which one it rekeys), and one side deleted the pair the
 * other carried on with (the v1-gw-gw soak, 2 s of Connecting).  Both
 * sides settle it at once, by the rule of a simultaneous rekey, so that
 * both rekey the same pair.
 */
void
ikev1_child_crossed(struct isakmp_sa *sa, struct child_sa *cs)
{
	struct child_sa	*twin;

	if (sa->is_b.b_tunnel == NULL || cs->cs_state != CHILD_SA_INSTALLED ||
	    (twin = v1_other_installed(cs, NULL)) == NULL)
		return;
	v1_twins_settle(sa, cs, twin, 0);
}

/*
 * cs won a simultaneous rekey here (v1_rekey_collision), but the peer
 * sends only on the other new pair since, which is still up: the peer
 * took that one (strongSwan keeps the pair it installed last),
 * so it is the one to rekey.  Rekeying cs instead, which the peer holds
 * for superseded, near its end, left the peer without an outbound SA
 * when that Quick Mode's message 3 was lost (the v1-gw-swan soak).
 */
static struct child_sa *
v1_peer_twin(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner, *o;
	struct kernel_ops	*ko = sa->is_b.b_ctx->ctx_kernel;
	struct child_sa		*x;
	uint64_t		 now = ike_now_ms();

	if (cs->cs_twin_spi == 0 || child_sa_inbound_bytes(cs, ko) !=
	    cs->cs_collide_bytes)
		return (NULL);
	ISAKMP_KIN_FOREACH(o, sa) {
		if (o->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(x, &o->is_b.b_children, cs_entry)
			if (x != cs && x->cs_state == CHILD_SA_REKEYED &&
			    x->cs_spi_in == cs->cs_twin_spi && x->cs_sa_in &&
			    lifetime_hard_in(&x->cs_life, now) > 0 &&
			    child_sa_inbound_bytes(x, ko) > x->cs_collide_bytes)
				return (x);
	}
	return (NULL);
}

void
ikev1_child_replaced(struct isakmp_sa *sa, struct child_sa *cs,
    uint32_t old_spi, int delete_now)
{
	struct child_sa		*old;
	struct isakmp_sa	*owner, *home;

	cs->cs_rekey_spi = old_spi;
	if (sa->is_b.b_tunnel == NULL)
		return;
	if ((old = ikev1_child_by_spi(sa->is_b.b_tunnel, old_spi)) == NULL ||
	    old == cs) {
		v1_rekey_collision(sa, cs, old_spi);
		return;
	}
	/* one list holds both: the old one's policies go to cs (whose
	 * ISAKMP SA may be the one that replaced sa meanwhile) */
	owner = old->cs_owner;
	home = cs->cs_owner != NULL ? cs->cs_owner : sa;
	if (owner != home) {
		TAILQ_REMOVE(&owner->is_b.b_children, old, cs_entry);
		TAILQ_INSERT_TAIL(&home->is_b.b_children, old, cs_entry);
		old->cs_owner = home;
	}
	cs->cs_pair = old->cs_pair;
	old->cs_pair = -1;
	ike_event(sa->is_b.b_ctx, isakmp_name(sa), "rekey", "IPsec SA %08x rekey "
	    "done: %08x", ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in));
	if (delete_now && cs->cs_out_deferred) {
		/* ours: the old one goes once the peer uses the new one */
		child_sa_set_state(old, CHILD_SA_REKEYED);
		v1_commit_watch(sa, cs, old);
	} else if (delete_now) {
		log_tinfo(isakmp_name(sa), "IPsec SA %08x rekeyed by %08x: "
		    "deleting it", ntohl(old->cs_spi_in),
		    ntohl(cs->cs_spi_in));
		if (old->cs_state == CHILD_SA_INSTALLED ||
		    old->cs_state == CHILD_SA_REKEYED)
			ikev1_info_delete_child_all(sa, old);
		ikev1_child_remove(old);
	} else {
		log_tinfo(isakmp_name(sa), "IPsec SA %08x rekeyed by the peer "
		    "(%08x): kept until the peer deletes it",
		    ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in));
		child_sa_set_state(old, CHILD_SA_REKEYED);
		/* the peer rekeys one that its own rekey made not half a
		 * life ago: it holds another SA for these selectors
		 * (v1_settle_cb) */
		if (!old->cs_initiated && old->cs_rekey_spi != 0 &&
		    old->cs_life.lt_life_ms != 0 &&
		    ike_now_ms() - old->cs_life.lt_born_ms <
		    old->cs_life.lt_life_ms / 2) {
			log_tinfo(isakmp_name(sa), "the peer rekeyed IPsec SA "
			    "%08x %llu ms after it made it: it may hold two "
			    "SAs for these selectors", ntohl(old->cs_spi_in),
			    (unsigned long long)(ike_now_ms() -
			    old->cs_life.lt_born_ms));
			v1_settle_start(cs, old);
		}
	}
	v1_rekey_collision(sa, cs, old_spi);
}

/*
 * strongSwan moves the CHILD SAs of an IKE SA it re-authenticates to the
 * new IKE SA when that one is up, and destroys the old IKE SA with what
 * it holds then: a CHILD SA that a Quick Mode made on the old SA after
 * that goes silently (the v1-gw-swan soak: its own rekey's Quick Mode
 * ended on the old SA; we moved the new IPsec SA on and sent into the
 * void until it expired).  An IPsec SA made on an ISAKMP SA while the
 * peer's new phase 1 was under way is marked; when the peer deletes that
 * ISAKMP SA, the marked ones are deleted here too (a DELETE on another
 * ISAKMP SA, for a peer that kept them) and their segment pairs are set
 * up again at once.  Only when the peer's newest phase 1 then began
 * before the IPsec SA was made, though: strongSwan may hold two ISAKMP
 * SAs of the tunnel at once (after both sides re-authenticated together)
 * and re-authenticate each on its own timer; an IPsec SA made on one of
 * them while the other's re-authentication ran was moved along when its
 * own SA was re-authenticated later, and dropping it left the segment
 * pair without an SA for a second and strongSwan with a second chain
 * (the v1-gw-swan soak).
 */
void
ikev1_child_late(struct isakmp_sa *sa, struct child_sa *cs)
{
	const struct isakmp_sa	*o;

	cs->cs_late_on = 0;
	cs->cs_made_seq = sa->is_b.b_ctx->ctx_sa_seq;
	if (sa->is_b.b_tunnel == NULL || sa->is_b.b_up_seq == 0)
		return;
	ISAKMP_TUNNEL_SA_FOREACH(o, sa->is_b.b_tunnel)
		if (o != sa &&
		    !o->is_b.b_initiator && o->is_state != ISAKMP_DEAD &&
		    o->is_b.b_begin_seq > sa->is_b.b_up_seq) {
			cs->cs_late_on = sa->is_b.b_up_seq;
			log_tdebug(isakmp_name(sa), "IPsec SA %08x made while "
			    "the peer re-authenticates this ISAKMP SA",
			    ntohl(cs->cs_spi_in));
			return;
		}
}

/*
 * The late IPsec SA cs (ikev1_late_drop) rekeyed an SA that is still
 * here, superseded but with both its kernel SAs and some life left: the
 * peer kept it too (strongSwan deletes the SA it rekeyed only once its
 * rekey is done, on the same IKE SA, and here that IKE SA reached its
 * end first: the v1-gw-swan soak).  That SA carries on, and is rekeyed
 * again on the next ISAKMP SA, rather than the segment pair being down
 * (Connecting) until a new Quick Mode is done.  NULL: none.
 */
static struct child_sa *
v1_late_heir(struct ike_tunnel *t, const struct child_sa *cs)
{
	struct child_sa	*old;
	uint64_t	 left;

	if (cs->cs_rekey_spi == 0 || cs->cs_pair < 0 ||
	    (old = ikev1_child_by_spi(t, cs->cs_rekey_spi)) == NULL ||
	    old == cs || old->cs_state != CHILD_SA_REKEYED ||
	    old->cs_pair >= 0 || !old->cs_sa_in || !old->cs_sa_out)
		return (NULL);
	left = old->cs_life.lt_life_ms == 0 ? UINT64_MAX :
	    lifetime_hard_in(&old->cs_life, ike_now_ms());
	/* time left for a Quick Mode with a few retransmissions */
	if (left < (uint64_t)V1_LATE_HEIR_RETX * t->t_ctx->ctx_retx_ms)
		return (NULL);
	return (old);
}

int
ikev1_late_drop(struct isakmp_sa *sa, struct isakmp_sa *via)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct isakmp_sa	*o;
	struct child_sa		*cs, *next, *old;
	uint64_t		 newest = 0;
	int			 n = 0;

	if (t == NULL || sa->is_b.b_up_seq == 0)
		return (0);
	/* the peer's newest phase 1 begun since sa came up */
	ISAKMP_TUNNEL_SA_FOREACH(o, t)
		if (o != sa && !o->is_b.b_initiator &&
		    o->is_state != ISAKMP_DEAD &&
		    o->is_b.b_begin_seq > sa->is_b.b_up_seq &&
		    o->is_b.b_begin_seq > newest)
			newest = o->is_b.b_begin_seq;
	ISAKMP_TUNNEL_SA_FOREACH(o, t) {
		for (cs = TAILQ_FIRST(&o->is_b.b_children); cs != NULL;
		    cs = next) {
			next = TAILQ_NEXT(cs, cs_entry);
			if (cs->cs_late_on != sa->is_b.b_up_seq ||
			    cs->cs_state != CHILD_SA_INSTALLED)
				continue;
			if (newest > cs->cs_made_seq) {
				log_tdebug(isakmp_name(sa), "IPsec SA %08x, made "
				    "on the SA the peer deleted, stays: the "
				    "peer began a phase 1 after it",
				    ntohl(cs->cs_spi_in));
				continue;
			}
			if (via != NULL)
				(void)ikev1_info_delete_child(via, cs);
			if ((old = v1_late_heir(t, cs)) != NULL) {
				ike_event(sa->is_b.b_ctx, isakmp_name(sa),
				    "delete", "IPsec SA %08x/%08x, made during "
				    "the peer's re-authentication on the SA it "
				    "deleted, may be gone with it: deleted; "
				    "%08x, which it rekeyed, carries on and is "
				    "rekeyed again", ntohl(cs->cs_spi_in),
				    ntohl(cs->cs_spi_out),
				    ntohl(old->cs_spi_in));
				old->cs_pair = cs->cs_pair;
				cs->cs_pair = -1;
				child_sa_set_state(old, CHILD_SA_INSTALLED);
				old->cs_rekey_due = 1;
				ikev1_child_remove(cs);
				n++;
				continue;
			}
			ike_event(sa->is_b.b_ctx, isakmp_name(sa), "delete",
			    "IPsec SA %08x/%08x, made during the peer's "
			    "re-authentication on the SA it deleted, may be "
			    "gone with it: deleted, set up again",
			    ntohl(cs->cs_spi_in),
			    ntohl(cs->cs_spi_out));
			if (cs->cs_pair >= 0 && cs->cs_pair < IKE_PAIR_MAX)
				t->t_pair[cs->cs_pair] = PAIR_NONE;
			ikev1_child_remove(cs);
			n++;
		}
	}
	return (n > 0);
}

/* --- ISAKMP SAs --- */

void
ikev1_adopt(struct isakmp_sa *sa, struct isakmp_sa *o)
{
	struct child_sa	*cs;
	int		 n = 0;

	while ((cs = TAILQ_FIRST(&o->is_b.b_children)) != NULL) {
		TAILQ_REMOVE(&o->is_b.b_children, cs, cs_entry);
		TAILQ_INSERT_TAIL(&sa->is_b.b_children, cs, cs_entry);
		cs->cs_owner = sa;
		n++;
	}
	ike_ha_ike_sa(&sa->is_b);	/* the standby moves them too */
	o->is_replaced = 1;
	if (sa->is_b.b_tunnel != NULL)
		sa->is_b.b_tunnel->t_ike_rekeys++;		/* metrics */
	evtimer_del(o->is_b.b_dpd_ev);
	ike_event(sa->is_b.b_ctx, isakmp_name(sa), "rekey", "re-authentication "
	    "done: the new ISAKMP SA takes over %d IPsec SA%s", n,
	    n == 1 ? "" : "s");
}

/* 1 if another phase 1 of sa's tunnel is under way (either role). */
static int
v1_p1_under_way(const struct isakmp_sa *sa)
{
	const struct isakmp_sa	*o;

	if (sa->is_b.b_tunnel == NULL)
		return (0);
	ISAKMP_TUNNEL_SA_FOREACH(o, sa->is_b.b_tunnel)
		if (o != sa && o->is_state != ISAKMP_ESTABLISHED &&
		    o->is_state != ISAKMP_DEAD)
			return (1);
	return (0);
}

/*
 * strongSwan drops its ISAKMP SA, IPsec SAs and all, when a Quick Mode
 * message comes while it re-authenticates that SA (its IKE SA is then
 * REKEYING, "received quick mode request for unestablished IKE_SA"), and
 * sets up a new one with INITIAL-CONTACT: the tunnel went down in the
 * v1-gw-swan soak when our rekey's message 3, delayed by a loss, came
 * just after strongSwan's re-authentication timer fired.  Its timer fires
 * between 75 and 91% of the lifetime, whoever made the SA.  So on an
 * ISAKMP SA past V1_QM_HOLD_PCT of its lifetime (ours re-authenticate
 * before that), or while a new phase 1 with the peer is under way, our
 * Quick Modes wait: we re-authenticate first (the peer moves its IPsec
 * SAs to our new SA, which then carries the Quick Mode; the peer's own
 * timer finds the old SA gone or empty).
 */
int
ikev1_qm_hold(struct isakmp_sa *sa)
{
	struct ike_ctx		*ctx = sa->is_b.b_ctx;
	uint64_t		 now = ike_now_ms(), life;
	int			 under_way;

	if (sa->is_b.b_tunnel == NULL || sa->is_lifetime == 0 ||
	    sa->is_up_ms == 0)
		return (0);
	under_way = v1_p1_under_way(sa);
	life = v1_life_ms(ctx, sa->is_lifetime);
	/* hold before V1_QM_HOLD_PCT too when our own re-authentication
	 * is near: with the retransmission margin (lifetime_margin) it
	 * comes at 70-74% of a short lifetime, and a Quick Mode started
	 * just before it straddled it (below, v1_life_cb) */
	if (!under_way && (now - sa->is_up_ms) * 100 < life * V1_QM_HOLD_PCT &&
	    (sa->is_reauth_at_ms == 0 || now + (uint64_t)V1_QM_HOLD *
	    ctx->ctx_retx_ms < sa->is_reauth_at_ms))
		return (0);
	/* held once already and the new SA did not come: go ahead */
	if (sa->is_qm_hold_ms != 0 && now >= sa->is_qm_hold_ms)
		return (0);
	if (sa->is_qm_hold_ms == 0) {
		if (!under_way && ikev1_reauth_start(sa) != 0)
			return (0);
		sa->is_qm_hold_ms = now + (uint64_t)V1_QM_HOLD *
		    ctx->ctx_retx_ms;
		log_tinfo(isakmp_name(sa), "Quick Mode held: %s",
		    under_way ? "a new ISAKMP SA is under way" :
		    "re-authenticating the ISAKMP SA first (near its end)");
		isakmp_check_at(sa, sa->is_qm_hold_ms);
	}
	return (1);
}

int
ikev1_reauth_start(struct isakmp_sa *old)
{
	struct ike_tunnel	*t = old->is_b.b_tunnel;
	struct isakmp_sa	*sa;
	struct sockaddr_in	 local, remote;
	uint8_t			 exch;

	if (t == NULL || old->is_state != ISAKMP_ESTABLISHED ||
	    old->is_replaced || old->is_expired)
		return (-1);
	if (v1_p1_under_way(old))
		return (0);	/* a phase 1 is under way already */
	local = old->is_b.b_local;
	remote = old->is_b.b_remote;
	local.sin_port = remote.sin_port = htons(NET_PORT_IKE);
	exch = t->t_cfg->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE ?
	    IKEV1_EXCH_AGGRESSIVE : IKEV1_EXCH_MAIN;
	ike_event(old->is_b.b_ctx, isakmp_name(old), "rekey",
	    "re-authentication of the ISAKMP SA started");
	if ((sa = isakmp_new(old->is_b.b_ctx, t, 1, exch, &local,
	    &remote)) == NULL)
		return (-1);
	sa->is_reauth = 1;
	/* counted against the peer's half-open budget, never paced: it
	 * must not wait behind new tunnels (tunnel.c) */
	sa->is_b.b_opening = 1;
	if (ikev1_main_start(sa) == -1) {
		log_twarn(isakmp_name(old), "cannot start re-authentication");
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
		return (-1);
	}
	return (0);
}

/* 1 if a Quick Mode of sa waits for an answer (either role). */
static int
v1_qm_under_way(const struct isakmp_sa *sa)
{
	const struct ikev1_qm	*qm;

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (qm->qm_state == QM_I1 || qm->qm_state == QM_R2)
			return (1);
	return (0);
}

static void
v1_life_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;

	if (sa->is_peer_deleted && !sa->is_replaced) {
		log_tinfo(isakmp_name(sa), "no new ISAKMP SA took over the "
		    "IPsec SAs of the one the peer deleted: they go");
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
		if (t != NULL)
			ike_tunnel_sa_gone(t, 0);
		return;
	}
	if (sa->is_replaced) {
		/* a Quick Mode still under way on it ends first: its IPsec
		 * SA then goes to the new ISAKMP SA (qm_install) */
		if (v1_qm_under_way(sa) &&
		    sa->is_replaced_waits++ < V1_REPLACED_WAITS) {
			log_tdebug(isakmp_name(sa), "replaced ISAKMP SA: a "
			    "Quick Mode is under way, deleting it later");
			v1_timer_add(sa->is_life_ev, sa->is_b.b_ctx->ctx_retx_ms);
			return;
		}
		log_tinfo(isakmp_name(sa), "replaced ISAKMP SA: deleting it");
		/* twice: nothing answers a DELETE, and a peer that missed it
		 * re-authenticates the old SA itself (strongSwan then holds
		 * two ISAKMP SAs, each with its own chain of IPsec SAs) */
		if (!sa->is_peer_deleted && ikev1_info_delete_isakmp(sa) == 0)
			(void)ikev1_info_delete_isakmp(sa);
		isakmp_destroy(sa);
		return;
	}
	if (sa->is_life_hard && !sa->is_expired && v1_p1_under_way(sa)) {
		/*
		 * The end came while a new phase 1 with the peer is under way
		 * (ours, with message 6 lost; or the peer's): the new SA
		 * takes the IPsec SAs over when it is up, as in any
		 * re-authentication (isakmp_collision).  They do not depend
		 * on this SA (RFC 2409 §5.5); deleting them took the v1-gw-gw
		 * soak's tunnel down for 8 s.  Nothing more is sent on it.
		 */
		log_tinfo(isakmp_name(sa), "ISAKMP SA expired while a new one "
		    "is under way: its IPsec SAs wait for that one");
		sa->is_expired = 1;
		evtimer_del(sa->is_b.b_dpd_ev);
		v1_timer_add(sa->is_life_ev, IKEV1_REPLACED_GRACE_MS);
		return;
	}
	if (sa->is_life_hard) {
		log_tinfo(isakmp_name(sa), "ISAKMP SA expired without a "
		    "successor: deleting it and its IPsec SAs");
		ikev1_info_delete_isakmp(sa);
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
		if (t != NULL)
			ike_tunnel_sa_gone(t, 0);
		return;
	}
	/*
	 * A peer behind a NAT can only be reached through the mapping it
	 * keeps open: it re-authenticates, not us.
	 */
	if (sa->is_b.b_initiator || !sa->is_b.b_nat) {
		/*
		 * Not while a Quick Mode (either side's) is under way on it:
		 * the peer would take its IPsec SA as made on this SA after
		 * it moved the others to the new one (strongSwan keeps each
		 * CHILD SA with its IKE SA), and our rekey of it on the new
		 * SA then makes a second one there, a second chain for good
		 * (the v1-gw-swan soak).  It waits a retransmission delay
		 * at a time, while the rest of the life leaves room for the
		 * re-authentication's own retransmissions (a Quick Mode
		 * ends within its retransmission span anyway).
		 */
		uint64_t retx = sa->is_b.b_ctx->ctx_retx_ms;

		if (v1_qm_under_way(sa) && sa->is_life_left_ms >
		    lifetime_margin(v1_life_ms(sa->is_b.b_ctx,
		    sa->is_lifetime), retx) + retx) {
			log_tdebug(isakmp_name(sa), "re-authentication waits "
			    "for the Quick Mode under way");
			sa->is_life_left_ms -= retx;
			sa->is_reauth_at_ms += retx;
			v1_timer_add(sa->is_life_ev, retx);
			return;
		}
		(void)ikev1_reauth_start(sa);
	}
	sa->is_life_hard = 1;
	v1_timer_add(sa->is_life_ev, sa->is_life_left_ms);
}

void
ikev1_life_arm(struct isakmp_sa *sa)
{
	uint64_t	 life, soft;

	if (sa->is_lifetime == 0)
		return;
	if (sa->is_life_ev == NULL && (sa->is_life_ev = evtimer_new(
	    sa->is_b.b_ctx->ctx_base, v1_life_cb, sa)) == NULL)
		return;
	life = v1_life_ms(sa->is_b.b_ctx, sa->is_lifetime);
	soft = v1_rekey_ms(sa->is_b.b_ctx, life, sa->is_b.b_initiator);
	sa->is_life_hard = 0;
	sa->is_life_left_ms = life - soft;
	sa->is_reauth_at_ms = ike_now_ms() + soft;
	v1_timer_add(sa->is_life_ev, soft);
}

void
ikev1_life_resume(struct isakmp_sa *sa, uint32_t rekey_s)
{
	uint64_t	 life, soft;

	ikev1_life_arm(sa);
	if (sa->is_life_ev == NULL || rekey_s == 0)
		return;
	life = v1_life_ms(sa->is_b.b_ctx, sa->is_lifetime);
	soft = v1_life_ms(sa->is_b.b_ctx, rekey_s);
	if (soft >= life - sa->is_life_left_ms)
		return;
	evtimer_del(sa->is_life_ev);
	sa->is_life_left_ms = life - soft;
	sa->is_reauth_at_ms = ike_now_ms() + soft;
	v1_timer_add(sa->is_life_ev, soft);
}

/*
 * cs came from a Quick Mode on the replaced ISAKMP SA o: the peer may
 * keep cs with o (strongSwan does; its CHILD SAs go with the IKE SA they
 * were made on), so o's DELETE waits until cs's hard expiry, by when cs
 * has been rekeyed on the new ISAKMP SA.
 */
void
ikev1_life_replaced_keep(struct isakmp_sa *o, const struct child_sa *cs)
{
	uint64_t	 ms;

	if (o->is_life_ev == NULL || cs->cs_lifetime == 0)
		return;
	ms = v1_life_ms(o->is_b.b_ctx, cs->cs_lifetime) + 1000;
	evtimer_del(o->is_life_ev);
	v1_timer_add(o->is_life_ev, ms);
}

/* A replaced SA the peer should delete; ours if it does not. */
void
ikev1_life_replaced(struct isakmp_sa *o, unsigned ms)
{
	if (o->is_life_ev == NULL && (o->is_life_ev = evtimer_new(
	    o->is_b.b_ctx->ctx_base, v1_life_cb, o)) == NULL)
		return;
	evtimer_del(o->is_life_ev);
	v1_timer_add(o->is_life_ev, ms);
}

int
ikev1_tunnel_rekey(struct ike_tunnel *t, int ike)
{
	struct isakmp_sa	*sa, *o;
	struct child_sa		*cs;

	if ((sa = ikev1_tunnel_sa(t)) == NULL)
		return (-1);
	if (ike)
		return (ikev1_reauth_start(sa));
	ISAKMP_TUNNEL_SA_FOREACH(o, t) {
		if (o->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(cs, &o->is_b.b_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED)
				cs->cs_rekey_due = 1;
	}
	isakmp_next(sa);
	return (0);
}
