/*
 * ikev1_sa.c - the ISAKMP SA: lifecycle, state machine, dispatch of
 * IKEv1 datagrams, retransmission and reply cache, tunnel hooks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/ha_state.h"
#include "ike/ikev1_sa.h"
#include "kernel/kernel.h"

#define V1_TRIM_PEAK	64	/* half-open SAs worth a malloc_trim */

static const char *const isakmp_state_names[] = {
	[ISAKMP_NEW] = "NEW",
	[ISAKMP_MM_I1] = "MM_I1",
	[ISAKMP_MM_R2] = "MM_R2",
	[ISAKMP_MM_I3] = "MM_I3",
	[ISAKMP_MM_R4] = "MM_R4",
	[ISAKMP_MM_I5] = "MM_I5",
	[ISAKMP_AM_I1] = "AM_I1",
	[ISAKMP_AM_R2] = "AM_R2",
	[ISAKMP_ESTABLISHED] = "ESTABLISHED",
	[ISAKMP_DEAD] = "DEAD",
};

const char *
isakmp_state_name(enum isakmp_state s)
{
	if ((unsigned)s >= sizeof(isakmp_state_names) /
	    sizeof(isakmp_state_names[0]))
		return ("?");
	return (isakmp_state_names[s]);
}

void
isakmp_set_state(struct isakmp_sa *sa, enum isakmp_state s)
{
	char	 ck[17];

	if (sa->is_state == s)
		return;
	hex_encode(sa->is_b.b_spi_i, 8, ck);
	log_tdebug(isakmp_name(sa), "ISAKMP SA %s (%s) %s -> %s", ck,
	    sa->is_b.b_initiator ? "initiator" : "responder",
	    isakmp_state_name(sa->is_state), isakmp_state_name(s));
	sa->is_state = s;
	if (s == ISAKMP_ESTABLISHED || s == ISAKMP_DEAD)
		v1_half_end(sa);
	if (s == ISAKMP_ESTABLISHED) {
		ike_sa_base_up(&sa->is_b);
		sa->is_up_ms = ike_now_ms();
		ike_ha_ike_sa(&sa->is_b);
	}
}

struct ikev1_ctx *
ikev1_ctx_get(struct ike_ctx *ctx)
{
	struct ikev1_ctx	*vc;
	int			 i;

	if (ctx->ctx_v1 != NULL)
		return (ctx->ctx_v1);
	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return (NULL);
	for (i = 0; i < IKEV1_SRC_BUCKETS; i++)
		LIST_INIT(&vc->vc_src[i]);
	vc->vc_half_ms = IKEV1_HALF_OPEN_MS;
	vc->vc_evict_ms = IKEV1_HALF_EVICT_MS;
	TAILQ_INIT(&vc->vc_half_q);
	vc->vc_life_unit_ms = 1000;
	vc->vc_reauth_delete_ms = IKEV1_REAUTH_DELETE_MS;
	ctx->ctx_v1 = vc;
	return (vc);
}

static void	v1_p1_retx_cb(evutil_socket_t, short, void *);

static enum ike_sa_phase
ikev1_sa_phase(const struct ike_sa_base *b)
{
	const struct isakmp_sa	*sa = isakmp_sa_of((struct ike_sa_base *)b);

	switch (sa->is_state) {
	case ISAKMP_NEW:
		return (IKE_PHASE_NEW);
	case ISAKMP_ESTABLISHED:
		return (sa->is_replaced || sa->is_peer_deleted ||
		    sa->is_expired ? IKE_PHASE_REPLACED : IKE_PHASE_UP);
	case ISAKMP_DEAD:
		return (IKE_PHASE_GONE);
	default:
		return (IKE_PHASE_NEGOTIATING);
	}
}

static int
ikev1_sa_unseen(const struct ike_sa_base *b)
{
	const struct isakmp_sa	*sa = isakmp_sa_of((struct ike_sa_base *)b);

	return (sa->is_b.b_initiator && (sa->is_state == ISAKMP_MM_I1 ||
	    sa->is_state == ISAKMP_MM_I3 || sa->is_state == ISAKMP_AM_I1));
}

/*
 * strongSwan re-authenticates break-before-make: a DELETE of the old
 * ISAKMP SA, then a new Main Mode with INITIAL-CONTACT (it holds no other
 * ISAKMP SA now) while it keeps its IPsec SAs.  Those wait here
 * (is_peer_deleted) for the new SA, which adopts them; the
 * INITIAL-CONTACT must not take them away (the v1-gw-swan soak went
 * Connecting for 23 s).
 */
static int
ikev1_sa_ic_keep(const struct ike_sa_base *b)
{
	const struct isakmp_sa	*sa = isakmp_sa_of((struct ike_sa_base *)b);

	return ((sa->is_peer_deleted || sa->is_expired) &&
	    !TAILQ_EMPTY(&sa->is_b.b_children));
}

/* INITIAL-CONTACT: gone at once, without a DELETE. */
static void
ikev1_sa_drop(struct ike_sa_base *b)
{
	isakmp_destroy(isakmp_sa_of(b));
}

static int	ikev1_sa_dpd_on(const struct ike_sa_base *);
static int	ikev1_sa_dpd_probe(struct ike_sa_base *, int);

/*
 * The queue (sa_queue.c): our Quick Modes in flight per ISAKMP SA.  Each
 * has its own IV (RFC 2409 Appendix B), but peers keep IV state for only
 * a few phase 2 exchanges at once: strongSwan keeps the 3 most recently
 * used (charon.max_ikev1_exchanges), completed exchanges and its own
 * informational ones included, and its worker threads may take our next
 * message 1 before our last message 3.  With 2 in flight that reordering
 * made it forget a live IV and reject every message 3 after (seen in the
 * lab, 2 x 2 segments).  One at a time leaves at most 2 live IVs, in the
 * 2 most recent places.  The rest wait their turn.
 */
#define IKEV1_QM_WINDOW	1

/* Our Quick Modes waiting for message 2. */
static int
ikev1_sa_inflight(const struct ike_sa_base *b)
{
	const struct isakmp_sa	*sa = isakmp_sa_of((struct ike_sa_base *)b);
	const struct ikev1_qm	*qm;
	int			 n = 0;

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (qm->qm_initiator && qm->qm_state == QM_I1)
			n++;
	/* waiting for its re-authentication (ikev1_qm_hold) */
	if (sa->is_qm_hold_ms != 0 && ike_now_ms() < sa->is_qm_hold_ms)
		n = IKEV1_QM_WINDOW;
	return (n);
}

/* The initiator of a tunnel's ISAKMP SA sets up its segment pairs, and
 * the responder those the peer leaves (isakmp_check_cb). */
static int
ikev1_sa_pairs(const struct ike_sa_base *b)
{
	return (b->b_initiator ||
	    isakmp_sa_of((struct ike_sa_base *)b)->is_pairs_ours);
}

static void
ikev1_sa_start(struct ike_sa_base *b, enum ike_task task,
    struct child_sa *cs, int pair)
{
	b->b_ctx->ctx_v1x->x_start(isakmp_sa_of(b), task, cs, pair);
}

static void
ikev1_ha_key(struct ha_skey *k, const uint8_t *data, size_t len)
{
	k->k_len = (uint8_t)len;
	memcpy(k->k_data, data, len);
}

/*
 * HA state sync (ike_ha.c): IKEv1's part of the record.  Its message IDs
 * are random (no counters to carry: the field holds what the peer
 * announced, HA_V1_*, instead); the phase 1 transform (crypto.h
 * numbering), SKEYID_d, SKEYID_a, SKEYID_e, the cipher key and the last
 * phase 1 IV, from which each Quick Mode's and informational exchange's
 * IV is derived again with its message ID (RFC 2409 Appendix B); the
 * time left of the negotiated lifetime and to our re-authentication.
 */
static int
ikev1_sa_ha_export(const struct ike_sa_base *b, struct ha_ike_rec *r)
{
	const struct isakmp_sa	*sa = isakmp_sa_of((struct ike_sa_base *)b);
	const struct ikev1_keys	*k = &sa->is_keys;
	uint64_t		 now = ike_now_ms(), up;

	if (!sa->is_keys_ok || k->k_len > HA_SKEY_MAX ||
	    k->k_enc_len > HA_SKEY_MAX || sa->is_blen > sizeof(sa->is_iv))
		return (-1);
	r->ir_encr = (uint16_t)sa->is_encr;
	r->ir_encr_bits = (uint16_t)sa->is_encr_bits;
	r->ir_prf = (uint16_t)sa->is_prf;
	r->ir_integ = (uint16_t)sa->is_integ;
	r->ir_dh = (uint16_t)sa->is_group;
	up = now > sa->is_up_ms ? (now - sa->is_up_ms) / 1000 : 0;
	r->ir_life_s = sa->is_lifetime > up ? (uint32_t)(sa->is_lifetime -
	    up) : 0;
	r->ir_rekey_s = sa->is_reauth_at_ms > now ?
	    (uint32_t)((sa->is_reauth_at_ms - now) / 1000) : 0;
	r->ir_mid_peer = (sa->is_peer_dpd ? HA_V1_PEER_DPD : 0) |
	    (sa->is_peer_natt ? HA_V1_PEER_NATT : 0) |
	    (sa->is_natd ? HA_V1_NATD : 0) |
	    (sa->is_exchange == IKEV1_EXCH_AGGRESSIVE ? HA_V1_AGGRESSIVE : 0);
	r->ir_nkeys = HA_V1_NKEYS;
	ikev1_ha_key(&r->ir_keys[HA_V1_SKEYID_D], k->k_d, k->k_len);
	ikev1_ha_key(&r->ir_keys[HA_V1_SKEYID_A], k->k_a, k->k_len);
	ikev1_ha_key(&r->ir_keys[HA_V1_SKEYID_E], k->k_e, k->k_len);
	ikev1_ha_key(&r->ir_keys[HA_V1_ENC], k->k_enc, k->k_enc_len);
	ikev1_ha_key(&r->ir_keys[HA_V1_IV], sa->is_iv, sa->is_blen);
	return (0);
}

static const struct ike_sa_ops ikev1_sa_ops = {
	.so_version = 1,
	.so_kind = "ISAKMP SA",
	.so_phase = ikev1_sa_phase,
	.so_drop = ikev1_sa_drop,
	.so_destroy = ikev1_sa_drop,	/* no DELETE either */
	.so_unseen = ikev1_sa_unseen,
	.so_ic_keep = ikev1_sa_ic_keep,
	.so_probe = "R-U-THERE",
	.so_dpd_resend = 1,
	.so_dpd_on = ikev1_sa_dpd_on,
	.so_dpd_probe = ikev1_sa_dpd_probe,
	.so_window = IKEV1_QM_WINDOW,
	.so_inflight = ikev1_sa_inflight,
	.so_shared_children = 1,
	.so_pairs = ikev1_sa_pairs,
	.so_start = ikev1_sa_start,
	.so_child_expire = ikev1_child_kernel_expire,
	.so_ha_export = ikev1_sa_ha_export,
};
static void	isakmp_check_cb(evutil_socket_t, short, void *);

struct isakmp_sa *
isakmp_new(struct ike_ctx *ctx, struct ike_tunnel *t, int initiator,
    uint8_t exchange, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct ikev1_ctx	*vc;
	struct isakmp_sa	*sa;

	if ((vc = ikev1_ctx_get(ctx)) == NULL ||
	    (sa = calloc(1, sizeof(*sa))) == NULL)
		return (NULL);
	sa->is_b.b_ctx = ctx;
	ike_sa_base_tunnel_set(&sa->is_b, t);
	sa->is_b.b_initiator = initiator;
	sa->is_exchange = exchange;
	sa->is_b.b_local = *local;
	sa->is_b.b_remote = *remote;
	TAILQ_INIT(&sa->is_qms);
	TAILQ_INIT(&sa->is_b.b_children);
	sa->is_b.b_rq.x_ev = evtimer_new(ctx->ctx_base, v1_p1_retx_cb, sa);
	sa->is_b.b_dpd_ev = evtimer_new(ctx->ctx_base, ike_sa_dpd_cb, &sa->is_b);
	sa->is_check_ev = evtimer_new(ctx->ctx_base, isakmp_check_cb, sa);
	/* RFC 2408 §2.5.3: cookies unique per peer; random is enough */
	if (sa->is_b.b_rq.x_ev == NULL || sa->is_b.b_dpd_ev == NULL ||
	    sa->is_check_ev == NULL ||
	    RAND_bytes(initiator ? sa->is_b.b_spi_i : sa->is_b.b_spi_r, 8) != 1) {
		if (sa->is_b.b_rq.x_ev != NULL)
			event_free(sa->is_b.b_rq.x_ev);
		if (sa->is_b.b_dpd_ev != NULL)
			event_free(sa->is_b.b_dpd_ev);
		if (sa->is_check_ev != NULL)
			event_free(sa->is_check_ev);
		free(sa);
		return (NULL);
	}
	ike_sa_base_link(ctx, &sa->is_b, &ikev1_sa_ops);
	/* a responder's initiator cookie comes with message 1: hashed then */
	if (initiator && ike_sa_hash_insert(&ctx->ctx_v1->vc_hash,
	    &sa->is_b) == -1) {
		isakmp_destroy(sa);
		return (NULL);
	}
	return (sa);
}

/* sa, about to go, is a phase 1 that died past its initiator's message 3
 * (a real source), not an established SA nor a half-open one
 * (ikev1_p1_ended) */
static int
isakmp_died(const struct isakmp_sa *sa)
{
	return (sa->is_state != ISAKMP_ESTABLISHED &&
	    sa->is_state != ISAKMP_DEAD && sa->is_state != ISAKMP_NEW &&
	    sa->is_state != ISAKMP_MM_R2 && sa->is_state != ISAKMP_AM_R2);
}

void
isakmp_destroy(struct isakmp_sa *sa)
{
	struct ike_ctx		*ctx = sa->is_b.b_ctx;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct ikev1_qm		*qm;
	struct child_sa		*cs;
	struct isakmp_sa	*cur;
	struct in_addr		 peer = sa->is_b.b_remote.sin_addr;
	int			 had_children = 0, died = isakmp_died(sa);
	int			 snap;

	isakmp_set_state(sa, ISAKMP_DEAD);
	v1_half_end(sa);
	ike_sa_hash_remove(&sa->is_b);
	while ((qm = TAILQ_FIRST(&sa->is_qms)) != NULL)
		ikev1_qm_free(qm);
	snap = ike_sa_base_retire_begin(&sa->is_b);
	while ((cs = TAILQ_FIRST(&sa->is_b.b_children)) != NULL) {
		/* its segment pair is to be set up again */
		if (t != NULL && cs->cs_pair >= 0 && cs->cs_pair < IKE_PAIR_MAX &&
		    cs->cs_state == CHILD_SA_INSTALLED)
			t->t_pair[cs->cs_pair] = PAIR_NONE;
		ikev1_child_remove(cs);
		had_children = 1;
	}
	ike_sa_base_retire_end(&sa->is_b, snap);
	ike_xmit_clear(&sa->is_b.b_rq);
	event_free(sa->is_b.b_dpd_ev);
	event_free(sa->is_check_ev);
	ike_sa_base_free(&sa->is_b);
	if (sa->is_life_ev != NULL)
		event_free(sa->is_life_ev);
	ike_sa_base_unlink(&sa->is_b);
	dh_free(sa->is_dh);
	buf_free(sa->is_sai_b);
	buf_free(sa->is_gxi);
	buf_free(sa->is_gxr);
	buf_free(sa->is_ni);
	buf_free(sa->is_nr);
	buf_free(sa->is_idi_b);
	buf_free(sa->is_idr_b);
	ikev1_keys_clear(&sa->is_keys);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
	if (t != NULL) {
		/* policies shared by selector with a surviving SA */
		if (had_children)
			v1_tunnel_policies_refresh(t);
		ike_tunnel_update(t);
		/* the pairs that went: set up again on the current SA */
		if (had_children && !ctx->ctx_shutdown &&
		    (cur = ikev1_tunnel_sa(t)) != NULL)
			isakmp_next(cur);
		if (died)
			ikev1_p1_ended(t, peer);
	}
}

void
ikev1_p1_ended(struct ike_tunnel *t, struct in_addr addr)
{
	static const struct timeval	 now = { 0, 0 };
	struct isakmp_sa		*o;

	if (t == NULL || t->t_ctx->ctx_v1 == NULL || t->t_ctx->ctx_shutdown)
		return;
	ISAKMP_TUNNEL_SA_FOREACH(o, t)
		if (o->is_state != ISAKMP_ESTABLISHED &&
		    o->is_state != ISAKMP_DEAD)
			return;
	ISAKMP_TUNNEL_SA_FOREACH(o, t) {
		if (o->is_life_ev == NULL ||
		    o->is_state != ISAKMP_ESTABLISHED ||
		    o->is_b.b_remote.sin_addr.s_addr != addr.s_addr ||
		    !((o->is_peer_deleted && !o->is_replaced) || o->is_expired))
			continue;
		log_tinfo(isakmp_name(o), "the new phase 1 with the peer "
		    "failed: the IPsec SAs waiting for it wait no longer");
		evtimer_del(o->is_life_ev);
		evtimer_add(o->is_life_ev, &now);
	}
}

static void
isakmp_vfail(struct isakmp_sa *sa, int unauth, const char *fmt, va_list ap)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct ike_ctx		*ctx = sa->is_b.b_ctx;
	struct in_addr		 peer;
	char			 why[128];
	int			 died;

	vsnprintf(why, sizeof(why), fmt, ap);
	peer = sa->is_b.b_remote.sin_addr;
	died = isakmp_died(sa);
	ike_sa_base_tunnel_set(&sa->is_b, NULL);
	if (t != NULL && sa->is_reauth && ikev1_tunnel_sa(t) != NULL) {
		/* the current ISAKMP SA and its IPsec SAs stay */
		ike_event(ctx, ike_tunnel_name(t), "rekey",
		    "re-authentication failed: %s; the current ISAKMP SA "
		    "stays until it expires", why);
		isakmp_destroy(sa);
		if (died)
			ikev1_p1_ended(t, peer);
		return;
	}
	if (unauth && t != NULL)
		ike_rl_log(ctx, IKE_RL_V1_P1_FAILED, sa->is_b.b_remote.sin_addr,
		    ike_tunnel_name(t), "%s", why);
	else if (unauth)
		ike_rl_log(ctx, IKE_RL_V1_P1_FAILED, sa->is_b.b_remote.sin_addr,
		    NULL, "IKEv1 phase 1 with %s failed: %s",
		    inet_ntoa(sa->is_b.b_remote.sin_addr), why);
	else if (t != NULL)
		log_twarn(ike_tunnel_name(t), "%s", why);
	else
		log_info("IKEv1 phase 1 with %s failed: %s",
		    inet_ntoa(sa->is_b.b_remote.sin_addr), why);
	isakmp_destroy(sa);
	/* a Connected tunnel is not moved by an unauthenticated attempt
	 * (its log line above is rate-limited) */
	if (t != NULL && !(unauth && ike_tunnel_is_up(t)))
		ike_tunnel_failed(t, 1, "%s", why);
	if (t != NULL && died)
		ikev1_p1_ended(t, peer);
}

void
isakmp_fail(struct isakmp_sa *sa, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	isakmp_vfail(sa, 0, fmt, ap);
	va_end(ap);
}

void
isakmp_fail_unauth(struct isakmp_sa *sa, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	isakmp_vfail(sa, 1, fmt, ap);
	va_end(ap);
}

void
isakmp_check_later(struct isakmp_sa *sa)
{
	struct timeval	 tv = { 0, 0 };

	evtimer_add(sa->is_check_ev, &tv);
}

void
isakmp_check_at(struct isakmp_sa *sa, uint64_t at_ms)
{
	uint64_t	 now = ike_now_ms(), ms = at_ms > now ? at_ms - now : 0;
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	evtimer_add(sa->is_check_ev, &tv);
}

/*
 * The peer's ISAKMP SA of a tunnel that initiates, V1_PAIRS_WAIT after it
 * came up: segment pairs still without an IPsec SA, and no Quick Mode of
 * the peer under way, are ours to set up.  A peer normally starts its
 * Quick Modes at once; strongSwan, after it dropped its ISAKMP SA for a
 * Quick Mode message that came during its re-authentication, sets up the
 * new one with INITIAL-CONTACT and no Quick Mode at all (the tunnel stayed
 * Connecting until the next retry, 40 s in the v1-gw-swan soak).
 */
static void
isakmp_pairs_check(struct isakmp_sa *sa)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct ikev1_qm		*qm;
	uint64_t		 now = ike_now_ms();
	struct timeval		 tv;
	int			 p, n, missing = 0;

	if (sa->is_pairs_at_ms == 0 || sa->is_pairs_ours || t == NULL ||
	    ike_sa_base_phase(&sa->is_b) != IKE_PHASE_UP)
		return;
	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (!qm->qm_initiator && qm->qm_state == QM_R2)
			sa->is_pairs_at_ms = now + (uint64_t)V1_PAIRS_WAIT *
			    sa->is_b.b_ctx->ctx_retx_ms;
	if (now < sa->is_pairs_at_ms) {
		tv.tv_sec = (sa->is_pairs_at_ms - now) / 1000;
		tv.tv_usec = (sa->is_pairs_at_ms - now) % 1000 * 1000;
		evtimer_add(sa->is_check_ev, &tv);
		return;
	}
	n = t->t_cfg->tn_nlocal * t->t_cfg->tn_nremote;
	for (p = 0; p < n && p < IKE_PAIR_MAX; p++)
		if (t->t_pair[p] == PAIR_NONE)
			missing++;
	if (missing == 0)
		return;
	log_tinfo(isakmp_name(sa), "the peer set up no IPsec SA for %d "
	    "segment pair%s on its ISAKMP SA: setting %s up", missing,
	    missing == 1 ? "" : "s", missing == 1 ? "it" : "them");
	sa->is_pairs_ours = 1;
	isakmp_next(sa);
}

static void
isakmp_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;
	struct ikev1_qm		*qm;

	/* the end of a Quick Mode hold (ikev1_qm_hold) without the new
	 * SA: the queue opens again */
	if (sa->is_qm_hold_ms != 0 && ike_now_ms() >= sa->is_qm_hold_ms &&
	    ike_sa_base_phase(&sa->is_b) == IKE_PHASE_UP)
		isakmp_next(sa);
	if (!sa->is_b.b_initiator) {
		isakmp_pairs_check(sa);
		return;
	}
	if (sa->is_state != ISAKMP_ESTABLISHED ||
	    !TAILQ_EMPTY(&sa->is_b.b_children))
		return;
	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (qm->qm_state == QM_I1)
			return;
	log_tinfo(isakmp_name(sa), "no IPsec SA could be established: "
	    "deleting the ISAKMP SA");
	ikev1_info_delete_isakmp(sa);
	isakmp_destroy(sa);
}

void
isakmp_children_move(struct isakmp_sa *to, struct isakmp_sa *from)
{
	struct child_sa	*cs;
	int		 n = 0;

	while ((cs = TAILQ_FIRST(&from->is_b.b_children)) != NULL) {
		TAILQ_REMOVE(&from->is_b.b_children, cs, cs_entry);
		TAILQ_INSERT_TAIL(&to->is_b.b_children, cs, cs_entry);
		cs->cs_owner = to;
		n++;
	}
	if (n > 0)
		ike_ha_ike_sa(&to->is_b);	/* the standby moves them */
	if (n > 0)
		log_tdebug(isakmp_name(to), "%d IPsec SA(s) move to this ISAKMP "
		    "SA", n);
}

/*
 * Drops a duplicate ISAKMP SA (both are established); its IPsec SAs go
 * to the survivor.
 */
static void
isakmp_drop(struct isakmp_sa *sa, struct isakmp_sa *survivor)
{
	log_tinfo(isakmp_name(sa), "dropping duplicate ISAKMP SA (%s)",
	    sa->is_b.b_initiator ? "ours" : "the peer's");
	if (!TAILQ_EMPTY(&sa->is_b.b_children) &&
	    (sa->is_reauth || survivor->is_reauth))
		sa->is_b.b_ctx->ctx_v1x->x_adopt(survivor, sa);
	else if (!TAILQ_EMPTY(&sa->is_b.b_children))
		/* IPsec SAs belong to the tunnel, not to the phase 1 that
		 * made them (RFC 2409 §5.5): they stay, with the survivor */
		isakmp_children_move(survivor, sa);
	/*
	 * Retired like a replaced SA, not deleted at once: a peer without
	 * this rule (strongSwan keeps its newest established ISAKMP SA) may
	 * still use it for a while, and a DELETE would take its IPsec SAs
	 * down there.  It goes after the grace period unless the peer
	 * deletes it first.
	 */
	sa->is_replaced = 1;
	evtimer_del(sa->is_b.b_dpd_ev);
	sa->is_b.b_ctx->ctx_v1x->x_replaced(sa, IKEV1_REPLACED_GRACE_MS);
}

/*
 * sa, the peer's, replaces o by the order of events, but o is our own
 * re-authentication of an SA that is still here, replaced and about to
 * be deleted: the peer re-authenticated that older SA (its timer fired
 * before our DELETE came), not o.  A peer that moves IPsec SAs with a
 * re-authentication (strongSwan) moved them to o when o came up, so sa
 * holds none there; taking them over to sa here made our Quick Modes go
 * on an ISAKMP SA where strongSwan has no IPsec SA to rekey: it set each
 * up as a second one next to the first (the v1-gw-swan soak).
 */
static int
isakmp_reauth_of_replaced(const struct isakmp_sa *sa, const struct isakmp_sa *o)
{
	const struct isakmp_sa	*r;

	if (sa->is_b.b_initiator || !o->is_b.b_initiator || !o->is_reauth)
		return (0);
	ISAKMP_KIN_FOREACH(r, o)
		if (r != o && r != sa && r->is_state == ISAKMP_ESTABLISHED &&
		    r->is_replaced && !r->is_peer_deleted &&
		    r->is_b.b_up_seq < o->is_b.b_up_seq)
			return (1);
	return (0);
}

/*
 * A new ISAKMP SA with a peer we have an older one with (RFC 2409 has no
 * phase 1 rekey): an older established SA is being replaced, by us or by
 * the peer re-authenticating (or by a restarted peer without
 * INITIAL-CONTACT), and the new one takes over its IPsec SAs.  Both
 * gateways may also initiate at once: keep, on both sides, the ISAKMP SA
 * whose initiator has the lower address.  Returns 0 if sa survives.
 */
static int
isakmp_collision(struct isakmp_sa *sa)
{
	struct ikev1_ctx	*vc = sa->is_b.b_ctx->ctx_v1;
	struct ike_sa_base	*b;
	struct isakmp_sa	*o;
	uint64_t		 seq = 0;

	/* the SAs of its tunnel that may be the same peer (the peer
	 * index), oldest first */
	while ((b = ike_tunnel_peer_next(&sa->is_b, seq, 1)) != NULL) {
		o = isakmp_sa_of(b);
		seq = b->b_begin_seq;
		if (o->is_state == ISAKMP_DEAD || o->is_replaced)
			continue;
		/*
		 * Not yet established: decided when it is (its own
		 * isakmp_established comes here), if ever.  Until then the
		 * authenticated SA holds the IPsec SAs: the peer may have
		 * forgotten the other one (its half-open lifetime ran out,
		 * it restarted), or it may be a spoofed message 1 on a
		 * 0.0.0.0 tunnel.  Both sides decide once both are up, so
		 * they still agree.
		 */
		if (o->is_state != ISAKMP_ESTABLISHED)
			continue;
		/* (another peer behind the same NAT, on a 0.0.0.0 tunnel,
		 * has another identity: ike_tunnel_peer_next skips it) */
		switch (ike_sa_base_duplicate(&sa->is_b, &o->is_b)) {
		case IKE_DUP_REPLACES:
			if (isakmp_reauth_of_replaced(sa, o)) {
				log_tinfo(isakmp_name(sa), "the peer "
				    "re-authenticated an ISAKMP SA that ours "
				    "replaced already: the IPsec SAs stay on "
				    "ours");
				isakmp_drop(sa, o);
				return (-1);
			}
			sa->is_b.b_ctx->ctx_v1x->x_adopt(sa, o);
			/* we re-authenticated: the old one goes soon */
			sa->is_b.b_ctx->ctx_v1x->x_replaced(o,
			    sa->is_b.b_initiator ? vc->vc_reauth_delete_ms :
			    IKEV1_REPLACED_GRACE_MS);
			break;
		case IKE_DUP_LOSES:
			isakmp_drop(sa, o);
			return (-1);
		case IKE_DUP_WINS:
			isakmp_drop(o, sa);
			break;
		}
	}
	return (0);
}

void
isakmp_established(struct isakmp_sa *sa)
{
	char	ci[17], cr[17];

	isakmp_set_state(sa, ISAKMP_ESTABLISHED);
	hex_encode(sa->is_b.b_spi_i, 8, ci);
	hex_encode(sa->is_b.b_spi_r, 8, cr);
	log_tinfo(isakmp_name(sa), "ISAKMP SA %s_i %s_r established with %s "
	    "(%s mode, %s/%s/%s, lifetime %u s)", ci, cr,
	    inet_ntoa(sa->is_b.b_remote.sin_addr),
	    sa->is_exchange == IKEV1_EXCH_MAIN ? "main" : "aggressive",
	    crypto_encr_name(sa->is_encr, sa->is_encr_bits),
	    crypto_integ_name(sa->is_integ), crypto_dh_name(sa->is_group),
	    sa->is_lifetime);
	if (isakmp_collision(sa) == -1)
		return;
	ike_sa_base_unseen_drop(&sa->is_b);
	sa->is_b.b_ctx->ctx_v1x->x_life_arm(sa);
	ikev1_dpd_arm(sa);
	/* IPsec SAs it holds already (moved from a dropped duplicate) */
	if (sa->is_b.b_tunnel != NULL && !TAILQ_EMPTY(&sa->is_b.b_children))
		ike_tunnel_update(sa->is_b.b_tunnel);
	/* (responder: rekeys held for it, ikev1_qm_hold) */
	isakmp_next(sa);
	if (!sa->is_b.b_initiator && sa->is_b.b_tunnel != NULL &&
	    sa->is_b.b_tunnel->t_cfg->tn_initiate) {
		sa->is_pairs_at_ms = ike_now_ms() + (uint64_t)V1_PAIRS_WAIT *
		    sa->is_b.b_ctx->ctx_retx_ms;
		isakmp_check_later(sa);
	}
}

/* --- NAT traversal: following the peer (RFC 3947, RFC 3948) --- */

void
isakmp_follow(struct isakmp_sa *sa, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	char		 a[INET_ADDRSTRLEN];
	int		 n, moved;

	/*
	 * RFC 3947 §4: the responder answers on the ports the initiator
	 * moved to.  Only a peer that sent the RFC 3947 vendor ID and only
	 * to our 4500: the NAT may give the 4500 flow another port than the
	 * 500 one, or a new one later.  A new address too (the NAT in
	 * front of the peer restarted, or its mapping moved), but only once
	 * the SA is established, so only after an authenticated message
	 * (v1_natt_authenticated), as RFC 7296 §2.23 asks in IKEv2.
	 */
	moved = remote->sin_addr.s_addr != sa->is_b.b_remote.sin_addr.s_addr;
	if (!sa->is_natd || ntohs(local->sin_port) != IKEV1_NATT_PORT ||
	    (moved && sa->is_state != ISAKMP_ESTABLISHED) ||
	    (!moved && remote->sin_port == sa->is_b.b_remote.sin_port &&
	    local->sin_port == sa->is_b.b_local.sin_port))
		return;
	inet_ntop(AF_INET, &remote->sin_addr, a, sizeof(a));
	/* RFC 7296 §2.23 (the same holds here): behind a NAT, one packet
	 * must not move us once the SA is up */
	if (sa->is_b.b_nat_local && sa->is_state == ISAKMP_ESTABLISHED) {
		log_tdebug(isakmp_name(sa), "a message from the peer came from "
		    "%s[%u]: not followed, we are behind a NAT", a,
		    ntohs(remote->sin_port));
		return;
	}
	log_tinfo(isakmp_name(sa), "the peer moved to %s[%u] (our port %u)",
	    a, ntohs(remote->sin_port), ntohs(local->sin_port));
	sa->is_b.b_remote.sin_addr = remote->sin_addr;
	sa->is_b.b_remote.sin_port = remote->sin_port;
	sa->is_b.b_local.sin_port = local->sin_port;
	if (sa->is_b.b_nat_local)
		ike_sa_base_keepalive_start(&sa->is_b);
	/* its ESP in UDP follows the new mapping (RFC 3948) */
	n = ike_sa_base_children_follow(&sa->is_b);
	if (n > 0)
		log_tinfo(isakmp_name(sa), "%d IPsec SA(s) follow the peer to "
		    "%s[%u]", n, a, ntohs(remote->sin_port));
}

static void
isakmp_natt_recv(struct isakmp_sa *sa, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	/* phase 1: the float itself (RFC 3947 §4), before HASH_I */
	if (sa->is_state != ISAKMP_ESTABLISHED) {
		isakmp_follow(sa, local, remote);
		return;
	}
	sa->is_rx_local = *local;
	sa->is_rx_remote = *remote;
	sa->is_rx_remote.sin_family = AF_INET;
}

/* --- messages --- */

int
v1_msg_begin(const struct isakmp_sa *sa, struct buf **b,
    struct pld_writer *w, uint8_t exchange, uint32_t msgid)
{
	struct ikev1_hdr	 h;

	memset(&h, 0, sizeof(h));
	memcpy(h.h_icookie, sa->is_b.b_spi_i, 8);
	memcpy(h.h_rcookie, sa->is_b.b_spi_r, 8);
	h.h_version = IKEV1_VERSION;
	h.h_exchange = exchange;
	h.h_msgid = msgid;
	if ((*b = buf_new(512)) == NULL)
		return (-1);
	if (ikev1_hdr_write(*b, &h, w) == -1) {
		buf_free(*b);
		*b = NULL;
		return (-1);
	}
	return (0);
}

void
v1_msg_log(const char *name, const char *what, const struct ikev1_msg *m)
{
	char	 desc[512];

	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	ikev1_msg_describe(m, desc, sizeof(desc));
	log_tdebug(name, "%s %s %08x%s [ %s ]", what,
	    ikev1_exchange_name(m->m_hdr.h_exchange), m->m_hdr.h_msgid,
	    (m->m_hdr.h_flags & IKEV1_FLAG_ENC) ? " (encrypted)" : "", desc);
}

/*
 * At debug level the message we generated is parsed back for the log
 * line: a second parse, of our own output, only for the log (a received
 * datagram is parsed once, in ikev1_recv).
 */
int
v1_msg_seal(struct isakmp_sa *sa, struct buf *b, const uint8_t *iv_in,
    uint8_t *iv_out)
{
	struct ikev1_msg	*m;
	uint8_t			 iv[CRYPTO_MAX_BLOCK];
	int			 rc;

	ikev1_hdr_set_length(b);
	if (log_get_level() >= LOG_LVL_DEBUG &&
	    (m = calloc(1, sizeof(*m))) != NULL) {
		if (ikev1_hdr_parse(b->buf_data, b->buf_len, &m->m_hdr) == 0 &&
		    ikev1_pld_parse(m->m_hdr.h_next, b->buf_data +
		    IKEV1_HDR_LEN, b->buf_len - IKEV1_HDR_LEN, 0, m) == 0) {
			if (iv_in != NULL)
				m->m_hdr.h_flags |= IKEV1_FLAG_ENC;
			v1_msg_log(isakmp_name(sa), "generating", m);
		}
		free(m);
	}
	if (iv_in == NULL)
		return (0);
	memcpy(iv, iv_in, sa->is_blen);
	rc = ikev1_encrypt(sa->is_encr, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len, iv, b);
	if (rc == 0 && iv_out != NULL)
		memcpy(iv_out, iv, sa->is_blen);
	return (rc);
}

void
v1_send_raw(struct isakmp_sa *sa, const struct buf *b)
{
	ike_net_send(sa->is_b.b_ctx, b, &sa->is_b.b_local, &sa->is_b.b_remote,
	    isakmp_name(sa));
}

void
v1_xmit_send(struct isakmp_sa *sa, struct ike_xmit *x, struct buf *b,
    int waiting)
{
	ike_xmit_take(x, b, waiting);
	v1_send_raw(sa, b);
	if (waiting)
		ike_xmit_arm(x, sa->is_b.b_ctx->ctx_retx_ms);
}

int
v1_xmit_retx(struct isakmp_sa *sa, struct ike_xmit *x)
{
	switch (ike_xmit_due(x, sa->is_b.b_ctx->ctx_retx_tries)) {
	case IKE_XMIT_IDLE:
		return (0);
	case IKE_XMIT_GIVE_UP:
		return (1);
	case IKE_XMIT_RESEND:
		break;
	}
	log_tdebug(isakmp_name(sa), "retransmitting (%d/%d)", x->x_tries,
	    sa->is_b.b_ctx->ctx_retx_tries);
	sa->is_b.b_ctx->ctx_counters.ic_retransmits++;
	v1_send_raw(sa, x->x_out);
	ike_xmit_arm(x, ike_xmit_backoff(sa->is_b.b_ctx->ctx_retx_ms, x->x_tries));
	return (0);
}

/*
 * The wait that a phase 1 message which did not verify began is over.
 * As initiator, after an encrypted informational that did not decrypt,
 * the peer must also have answered a retransmission of message 5 with
 * such a message again (a peer with another key does), or
 * V1_BAD_RESENDS of them must have gone without a valid answer: that
 * informational may be the peer's first one on the SA it has (strongSwan
 * sends one right after a re-authentication), which cannot be decrypted
 * without message 6 (its IV follows it), and a peer that has the SA
 * answers each retransmission with its cached message 6, of which one or
 * two may be lost on a lossy link.  A notify in the clear or a message 6
 * that does not verify is no such doubt (is_bad_clear).
 */
int
isakmp_bad_over(const struct isakmp_sa *sa)
{
	if (sa->is_bad_ms == 0 || sa->is_state == ISAKMP_ESTABLISHED ||
	    ike_now_ms() < sa->is_bad_ms +
	    (uint64_t)V1_BAD_WAIT * sa->is_b.b_ctx->ctx_retx_ms)
		return (0);
	return (!sa->is_b.b_initiator || sa->is_bad_clear ||
	    sa->is_bad_again ||
	    sa->is_b.b_rq.x_tries - sa->is_bad_tries >= V1_BAD_RESENDS);
}

static void
v1_p1_retx_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;

	/* a phase 1 message that did not verify: its wait may be over */
	if (isakmp_bad_over(sa)) {
		sa->is_b.b_ctx->ctx_v1x->x_phase1_bad(sa);
		return;
	}
	if (v1_xmit_retx(sa, &sa->is_b.b_rq))
		sa->is_b.b_ctx->ctx_v1x->x_phase1_timeout(sa);
}

/*
 * A retransmitted peer message (byte for byte the last one) gets our
 * cached answer (RFC 2408 §5: the exchange is not processed again).
 * Returns 1 if it was one.
 */
static int
v1_xmit_dup(struct isakmp_sa *sa, struct ike_xmit *x, const uint8_t *pkt,
    size_t len)
{
	const struct buf	*answer = ike_xmit_answer(x);

	if (!ike_xmit_repeat(x, pkt, len))
		return (0);
	log_tdebug(isakmp_name(sa), "retransmitted message (%zu bytes)%s",
	    len, answer != NULL ? ": resending our answer" : "");
	sa->is_b.b_ctx->ctx_counters.ic_dropped++;
	if (answer != NULL)
		v1_send_raw(sa, answer);
	return (1);
}

/*
 * gatewayctl doctor's proposal table of sa's tunnel: ours (NULL: none)
 * and the peer's SA (NULL: it refused ours), both through
 * ikev1_sa_offer so that like is compared with like; what names the
 * phase in the debug line.
 */
void
v1_diag_offers(struct isakmp_sa *sa, const struct ikev1_sa *ours,
    const struct ikev1_sa *theirs, const char *what)
{
	struct prop_offer	*o;

	if (sa->is_b.b_tunnel == NULL)
		return;
	if ((o = calloc(2, sizeof(*o))) == NULL) {
		ike_diag_props(sa->is_b.b_tunnel, NULL, NULL);
		return;
	}
	if (ours != NULL)
		(void)ikev1_sa_offer(ours, &o[0]);
	/* a hostile SA with more than a table holds: what fits shows */
	if (theirs != NULL && ikev1_sa_offer(theirs, &o[1]) == -1)
		log_tdebug(isakmp_name(sa), "the peer's %s proposals are too "
		    "many to show them all", what);
	ike_diag_props(sa->is_b.b_tunnel, &o[0], theirs != NULL ? &o[1] :
	    NULL);
	free(o);
}

/* --- identities and tunnels --- */

struct buf *
v1_local_id_body(const struct ike_tunnel *t)
{
	uint8_t		 data[256], type;
	size_t		 len;
	struct buf	*b;

	len = ike_tunnel_local_id(t, &type, data);
	/* IKEv2 ID_IPV4_ADDR/ID_FQDN have the IKEv1 DOI numbers */
	if ((b = buf_new(len + 4)) == NULL)
		return (NULL);
	if (buf_add_u8(b, type == IKEV2_ID_FQDN ? IKEV1_ID_FQDN :
	    IKEV1_ID_IPV4_ADDR) == -1 || buf_add_u8(b, 0) == -1 ||
	    buf_add_u16(b, 0) == -1 || buf_add(b, data, len) == -1) {
		buf_free(b);
		return (NULL);
	}
	return (b);
}

int
v1_peer_id_match(const struct ike_tunnel *t, const struct ikev1_id *id)
{
	struct ikev2_id	 v2;

	memset(&v2, 0, sizeof(v2));
	if (id->id_type == IKEV1_ID_FQDN)
		v2.id_type = IKEV2_ID_FQDN;
	else if (id->id_type == IKEV1_ID_IPV4_ADDR)
		v2.id_type = IKEV2_ID_IPV4_ADDR;
	else
		return (0);
	v2.id_data = id->id_data;
	v2.id_len = id->id_len;
	return (ike_tunnel_peer_id_match(t, &v2));
}

int
v1_candidates(struct ike_ctx *ctx, const struct sockaddr_in *local,
    const struct sockaddr_in *remote, struct ike_tunnel **out, int max)
{
	struct ike_tunnel	*t;
	int			 n = 0, pass;

	for (pass = 0; pass < 2; pass++)
		TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
			if (t->t_removed || t->t_cfg->tn_ike.ike_version != 1 ||
			    t->t_cfg->tn_gw->gw_addr.s_addr !=
			    local->sin_addr.s_addr)
				continue;
			if (pass == 0 && t->t_cfg->tn_peer->pr_addr.s_addr !=
			    remote->sin_addr.s_addr)
				continue;
			if (pass == 1 && t->t_cfg->tn_peer->pr_addr.s_addr !=
			    INADDR_ANY)
				continue;
			if (n < max)
				out[n] = t;
			n++;
		}
	return (n);
}

void
v1_tunnel_policies_refresh(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa;
	struct child_sa		*cs;

	if (t->t_ctx->ctx_v1 == NULL)
		return;
	ISAKMP_TUNNEL_SA_FOREACH(sa, t)
		TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED)
				child_sa_policies_refresh(cs,
				    t->t_ctx->ctx_kernel);
}

struct isakmp_sa *
ikev1_tunnel_sa(struct ike_tunnel *t)
{
	struct ike_sa_base	*b;
	struct isakmp_sa	*sa;

	if (t->t_ctx->ctx_v1 == NULL)
		return (NULL);
	/* the newest: from the end */
	TAILQ_FOREACH_REVERSE(b, &t->t_sas, ike_sa_base_list, b_tentry) {
		if (b->b_ops->so_version != 1)
			continue;
		sa = isakmp_sa_of(b);
		if (sa->is_state == ISAKMP_ESTABLISHED && !sa->is_replaced &&
		    !sa->is_peer_deleted && !sa->is_expired)
			return (sa);
	}
	return (NULL);
}

void
ikev1_tunnel_teardown(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa;

	if (t->t_ctx->ctx_v1 == NULL)
		return;
	/* each leaves t's list */
	while ((sa = isakmp_sa_of(ike_tunnel_sa_next(t, NULL, 1))) != NULL) {
		if (sa->is_state == ISAKMP_ESTABLISHED)
			ikev1_info_delete_isakmp(sa);
		/* no failure accounting */
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
	}
}

int
ikev1_status(struct ike_tunnel *t, struct tunnel_status *st)
{
	struct isakmp_sa	*sa = ikev1_tunnel_sa(t);

	st->ts_ike_version = 1;
	if (t->t_cfg->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE)
		snprintf(st->ts_warning, sizeof(st->ts_warning), "%s",
		    ikev1_aggr_warning());
	if (sa == NULL)
		return (0);
	snprintf(st->ts_ike_algs, sizeof(st->ts_ike_algs), "%s/%s/%s/%s",
	    crypto_encr_name(sa->is_encr, sa->is_encr_bits),
	    crypto_integ_name(sa->is_integ), crypto_prf_name(sa->is_prf),
	    crypto_dh_name(sa->is_group));
	return (ike_status_sa(&sa->is_b, st));
}

void
ikev1_shutdown(struct ike_ctx *ctx)
{
	struct isakmp_sa	*sa;

	if (ctx->ctx_v1 == NULL)
		return;
	while ((sa = isakmp_first(ctx)) != NULL) {
		if (sa->is_state == ISAKMP_ESTABLISHED && !ctx->ctx_handover)
			ikev1_info_delete_isakmp(sa);
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
	}
}

void
ikev1_free(struct ike_ctx *ctx)
{
	struct isakmp_sa	*sa;

	if (ctx->ctx_v1 == NULL)
		return;
	while ((sa = isakmp_first(ctx)) != NULL) {
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
	}
	ike_sa_hash_free(&ctx->ctx_v1->vc_hash);
	dh_free(ctx->ctx_v1->vc_am_dh);
	free(ctx->ctx_v1->vc_dropped[0]);
	free(ctx->ctx_v1->vc_dropped[1]);
	free(ctx->ctx_v1->vc_msg);
	free(ctx->ctx_v1);
	ctx->ctx_v1 = NULL;
}

/* --- receiving --- */

/*
 * The SA a message with these cookies is for, or NULL.  first_answer:
 * only our SA still waiting for the first answer to our message 1 with
 * this initiator cookie, from the address we sent it to (a responder that
 * refuses message 1 may name a cookie of its own and a message ID in its
 * notify, as strongSwan does).
 */
static struct isakmp_sa *
isakmp_lookup(struct ike_ctx *ctx, const struct ikev1_hdr *h,
    const struct sockaddr_in *remote, int first_answer)
{
	static const uint8_t	 zero[8];
	struct ike_sa_base	*b;
	struct isakmp_sa	*sa;
	int			 from_peer, unanswered;

	if (ctx->ctx_v1 == NULL)
		return (NULL);
	/* the chain of this initiator cookie, oldest SA first */
	for (b = ike_sa_hash_first(&ctx->ctx_v1->vc_hash, h->h_icookie);
	    b != NULL; b = TAILQ_NEXT(b, b_hentry)) {
		sa = isakmp_sa_of(b);
		if (sa->is_state == ISAKMP_DEAD ||
		    memcmp(sa->is_b.b_spi_i, h->h_icookie, 8) != 0)
			continue;
		from_peer = sa->is_b.b_remote.sin_addr.s_addr ==
		    remote->sin_addr.s_addr;
		unanswered = sa->is_b.b_initiator &&
		    memcmp(sa->is_b.b_spi_r, zero, 8) == 0;
		if (first_answer) {
			if (unanswered && from_peer)
				return (sa);
			continue;
		}
		if (memcmp(sa->is_b.b_spi_r, h->h_rcookie, 8) == 0)
			return (sa);
		/* initiator: the responder's first answer names its cookie */
		if (unanswered && h->h_msgid == 0)
			return (sa);
		/* responder: the initiator retransmits its first message */
		if (!sa->is_b.b_initiator && memcmp(h->h_rcookie, zero, 8) == 0 &&
		    from_peer)
			return (sa);
	}
	return (NULL);
}

/* Phase 1 message (M-ID 0) for sa. */
static void
ikev1_recv_phase1(struct isakmp_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev1_msg *m)
{
	struct buf	*out = NULL;
	uint8_t		 iv[CRYPTO_MAX_BLOCK];

	if (!sa->is_b.b_initiator && sa->is_state != ISAKMP_ESTABLISHED)
		v1_half_touch(sa);
	if (v1_xmit_dup(sa, &sa->is_b.b_rq, pkt, len))
		return;
	if (m->m_hdr.h_flags & IKEV1_FLAG_ENC) {
		if ((!sa->is_keys_ok &&
		    sa->is_b.b_ctx->ctx_v1x->x_phase1_keys(sa) == -1) ||
		    (out = buf_new(len)) == NULL) {
			log_tdebug(isakmp_name(sa), "encrypted phase 1 message "
			    "before the keys: dropped");
			sa->is_b.b_ctx->ctx_counters.ic_dropped++;
			goto done;
		}
		memcpy(iv, sa->is_iv, sizeof(iv));
		if (ikev1_msg_open(m, pkt, len, sa->is_encr,
		    sa->is_keys.k_enc, sa->is_keys.k_enc_len, iv, out) == -1) {
			sa->is_bad_clear = 1;	/* the message itself */
			sa->is_b.b_ctx->ctx_v1x->x_phase1_bad(sa);
			goto done;
		}
		/*
		 * Once established, is_iv is the last phase 1 block that every
		 * phase 2 IV starts from (RFC 2409 Appendix B): a stray phase
		 * 1 message (dropped below) must not move it.
		 */
		if (sa->is_state != ISAKMP_ESTABLISHED)
			memcpy(sa->is_iv, iv, sizeof(iv));
	}
	sa->is_b.b_ctx->ctx_v1x->x_phase1(sa, m, pkt, len);
done:
	buf_free(out);
}

static void
ikev1_recv_sa(struct isakmp_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev1_msg *m)
{
	const struct ikev1_hdr	*h = &m->m_hdr;
	struct ikev1_qm		*qm;

	if (h->h_exchange == sa->is_exchange && h->h_msgid == 0) {
		ikev1_recv_phase1(sa, pkt, len, m);
		return;
	}
	if (sa->is_state != ISAKMP_ESTABLISHED) {
		if (h->h_exchange == IKEV1_EXCH_INFORMATIONAL) {
			sa->is_b.b_ctx->ctx_v1x->x_phase1_info(sa, m, pkt,
			    len);
			return;
		}
		log_tdebug(isakmp_name(sa), "%s %08x in state %s dropped",
		    ikev1_exchange_name(h->h_exchange), h->h_msgid,
		    isakmp_state_name(sa->is_state));
		sa->is_b.b_ctx->ctx_v1->vc_wrong_state++;
		sa->is_b.b_ctx->ctx_counters.ic_dropped++;
		return;
	}
	if (!(h->h_flags & IKEV1_FLAG_ENC)) {
		if (h->h_exchange == IKEV1_EXCH_INFORMATIONAL)
			ikev1_info_plain(sa->is_b.b_ctx, m,
			    sa->is_b.b_remote.sin_addr);
		else {
			log_tdebug(isakmp_name(sa), "unencrypted %s after "
			    "phase 1 dropped", ikev1_exchange_name(
			    h->h_exchange));
			sa->is_b.b_ctx->ctx_counters.ic_dropped++;
		}
		return;
	}
	switch (h->h_exchange) {
	case IKEV1_EXCH_QUICK:
		if (h->h_msgid == 0) {
			sa->is_b.b_ctx->ctx_counters.ic_malformed++;
			return;
		}
		if ((qm = ikev1_qm_find(sa, h->h_msgid)) != NULL &&
		    v1_xmit_dup(sa, &qm->qm_x, pkt, len)) {
			if (qm->qm_initiator && qm->qm_state == QM_DONE)
				sa->is_b.b_ctx->ctx_v1x->x_msg3_again(sa,
				    qm->qm_spi_in);
			return;
		}
		sa->is_b.b_ctx->ctx_v1x->x_quick(sa, m, pkt, len);
		break;
	case IKEV1_EXCH_INFORMATIONAL:
		sa->is_b.b_ctx->ctx_v1x->x_info(sa, m, pkt, len);
		break;
	default:
		log_tdebug(isakmp_name(sa), "unsupported exchange %s dropped",
		    ikev1_exchange_name(h->h_exchange));
		sa->is_b.b_ctx->ctx_counters.ic_dropped++;
		break;
	}
}

/*
 * The message a datagram is parsed into: the engine's own (no allocation
 * per datagram), unless a datagram is being handled already, should one
 * ever be received from below ikev1_recv(): then one of its own.
 */
static struct ikev1_msg *
v1_msg_take(struct ike_ctx *ctx)
{
	struct ikev1_ctx	*vc = ikev1_ctx_get(ctx);

	if (vc == NULL || vc->vc_msg_busy)
		return (calloc(1, sizeof(struct ikev1_msg)));
	if (vc->vc_msg == NULL &&
	    (vc->vc_msg = calloc(1, sizeof(*vc->vc_msg))) == NULL)
		return (NULL);
	vc->vc_msg_busy = 1;
	return (vc->vc_msg);
}

static void
v1_msg_give(struct ike_ctx *ctx, struct ikev1_msg *m)
{
	if (ctx->ctx_v1 != NULL && m == ctx->ctx_v1->vc_msg) {
		ctx->ctx_v1->vc_msg_busy = 0;
		return;
	}
	free(m);
}

/*
 * The one parse of a received datagram (RFC 2408 §3.1 header, and the
 * cleartext chain unless the E flag is set): every layer below reads m,
 * and an encrypted body is only decrypted and parsed into it
 * (ikev1_msg_open).
 */
void
ikev1_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[8];
	struct ikev1_msg	*m;
	struct isakmp_sa	*sa;
	const struct ikev1_hdr	*h;

	if ((m = v1_msg_take(ctx)) == NULL)
		return;
	h = &m->m_hdr;
	/* an E-flagged message: only the header is parsed here */
	if (ikev1_msg_parse(pkt, len, m) == -1) {
		log_debug("malformed IKEv1 datagram (%zu bytes) from %s "
		    "dropped", len, inet_ntoa(remote->sin_addr));
		ctx->ctx_counters.ic_malformed++;
		goto done;
	}
	if (!(h->h_flags & IKEV1_FLAG_ENC))
		v1_msg_log(NULL, "received", m);
	else
		log_debug("received %s %08x (encrypted, %zu bytes) from %s",
		    ikev1_exchange_name(h->h_exchange), h->h_msgid, len,
		    inet_ntoa(remote->sin_addr));
	if ((sa = isakmp_lookup(ctx, h, remote, 0)) != NULL) {
		isakmp_natt_recv(sa, local, remote);
		ikev1_recv_sa(sa, pkt, len, m);
	} else if ((h->h_exchange == IKEV1_EXCH_MAIN ||
	    h->h_exchange == IKEV1_EXCH_AGGRESSIVE) && h->h_msgid == 0 &&
	    memcmp(h->h_rcookie, zero, 8) == 0 &&
	    !(h->h_flags & IKEV1_FLAG_ENC)) {
		ctx->ctx_v1x->x_first(ctx, pkt, len, m, local, remote);
	} else if (h->h_exchange == IKEV1_EXCH_INFORMATIONAL &&
	    !(h->h_flags & IKEV1_FLAG_ENC)) {
		/* a refusal of our message 1 is read as a hint only
		 * (ikev1_main_info): it changes nothing of the SA */
		if ((sa = isakmp_lookup(ctx, h, remote, 1)) != NULL)
			ctx->ctx_v1x->x_phase1_info(sa, m, pkt, len);
		else
			ikev1_info_plain(ctx, m, remote->sin_addr);
	} else {
		log_debug("IKEv1 %s %08x with unknown cookies from %s dropped",
		    ikev1_exchange_name(h->h_exchange), h->h_msgid,
		    inet_ntoa(remote->sin_addr));
		ctx->ctx_counters.ic_unknown_spi++;
	}
done:
	v1_msg_give(ctx, m);
}

/* --- half-open counts --- */

unsigned
v1_half_ms(const struct isakmp_sa *sa)
{
	unsigned	 ms = sa->is_b.b_ctx->ctx_v1->vc_half_ms;

	/* lab tests see the table drain in seconds */
	if (ms == IKEV1_HALF_OPEN_MS &&
	    sa->is_b.b_ctx->ctx_cfg->cfg_test_short_life)
		ms = IKEV1_HALF_OPEN_TEST_MS;
	return (ms);
}

/*
 * Another message of the initiator came (its message 1 again, or the
 * next one): the half-open lifetime starts again from now, up to
 * V1_HALF_EXTEND lifetimes in all.  A real initiator whose message 2 or
 * 3 got lost retransmits on a doubling timer, and its message 3 can come
 * after one lifetime (the v1-gw-gw soak: at 6.0 s, 1 s after a 5 s
 * lifetime had dropped the SA); a spoofed flood still ends by the cap.
 */
void
v1_half_touch(struct isakmp_sa *sa)
{
	uint64_t	 now = ike_now_ms(), end, cap;
	unsigned	 ms;
	struct timeval	 tv;

	if (!sa->is_halfopen || sa->is_half_ev == NULL)
		return;
	ms = v1_half_ms(sa);
	end = now + ms;
	cap = sa->is_half_ms + (uint64_t)V1_HALF_EXTEND * ms;
	if (end > cap)
		end = cap;
	if (end <= now)
		return;
	tv.tv_sec = (time_t)((end - now) / 1000);
	tv.tv_usec = (suseconds_t)((end - now) % 1000) * 1000;
	evtimer_add(sa->is_half_ev, &tv);
}

void
v1_half_end(struct isakmp_sa *sa)
{
	if (sa->is_half_ev != NULL) {
		event_free(sa->is_half_ev);
		sa->is_half_ev = NULL;
	}
	if (!sa->is_halfopen)
		return;
	LIST_REMOVE(sa, is_sentry);
	if (sa->is_halfopen == 2) {
		sa->is_b.b_ctx->ctx_v1->vc_half_anon--;
		TAILQ_REMOVE(&sa->is_b.b_ctx->ctx_v1->vc_half_q, sa, is_qentry);
	}
	sa->is_halfopen = 0;
	if (--sa->is_b.b_ctx->ctx_v1->vc_halfopen == 0 &&
	    sa->is_b.b_ctx->ctx_v1->vc_half_peak >= V1_TRIM_PEAK) {
		sa->is_b.b_ctx->ctx_v1->vc_half_peak = 0;
#ifdef __GLIBC__
		/* a flood is over: its SAs' freed memory goes back to the
		 * system instead of staying in the heap */
		malloc_trim(0);
#endif
	}
}

void
isakmp_next(struct isakmp_sa *sa)
{
	ike_sa_queue_run(&sa->is_b);
}

/* --- Quick Mode records, IPsec SAs --- */

struct ikev1_qm *
ikev1_qm_find(struct isakmp_sa *sa, uint32_t msgid)
{
	struct ikev1_qm	*qm;

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (qm->qm_msgid == msgid)
			return (qm);
	return (NULL);
}

void
ikev1_qm_free(struct ikev1_qm *qm)
{
	struct isakmp_sa	*sa = qm->qm_sa;

	TAILQ_REMOVE(&sa->is_qms, qm, qm_entry);
	if (qm->qm_child != NULL) {
		/* not installed: remove the larval inbound SA (and the
		 * policies it took over, unless another holds them) */
		ikev1_child_policies_heir(sa, qm->qm_child);
		child_sa_uninstall(qm->qm_child, sa->is_b.b_ctx->ctx_kernel, NULL);
		child_sa_free(qm->qm_child);
	}
	dh_free(qm->qm_dh);
	buf_free(qm->qm_ni);
	buf_free(qm->qm_nr);
	ike_xmit_clear(&qm->qm_x);
	OPENSSL_cleanse(qm, sizeof(*qm));
	free(qm);
}

void
ikev1_qm_forget(struct ikev1_qm *qm)
{
	struct isakmp_sa	*sa = qm->qm_sa;

	sa->is_qm_done[sa->is_qm_done_next++ % IKEV1_QM_DONE_IDS] =
	    qm->qm_msgid;
	ikev1_qm_free(qm);
}

void
ikev1_quick_given_up(struct ike_tunnel *t, uint32_t spi_in)
{
	struct isakmp_sa	*sa;
	struct ikev1_qm		*qm, *next;

	if (t == NULL || spi_in == 0)
		return;
	ISAKMP_TUNNEL_SA_FOREACH(sa, t) {
		for (qm = TAILQ_FIRST(&sa->is_qms); qm != NULL; qm = next) {
			next = TAILQ_NEXT(qm, qm_entry);
			if (!qm->qm_initiator || qm->qm_state != QM_DONE ||
			    qm->qm_spi_in != spi_in)
				continue;
			log_tdebug(isakmp_name(sa), "Quick Mode %08x: its IPsec "
			    "SA was given up, message 3 is not sent again",
			    qm->qm_msgid);
			ikev1_qm_forget(qm);
		}
	}
}

/* x, not cs, holds the policies of cs's reqid and selectors. */
static int
v1_policies_holder(const struct child_sa *x, const struct child_sa *cs)
{
	return (x != NULL && x != cs && x->cs_policies &&
	    x->cs_reqid == cs->cs_reqid && child_sa_same_ts(x, cs));
}

void
ikev1_child_policies_heir(struct isakmp_sa *sa, struct child_sa *cs)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct isakmp_sa	*o;
	struct ikev1_qm		*qm;
	struct child_sa		*x;

	if (!cs->cs_policies || t == NULL)
		return;
	/* another one holds them already: they stay */
	ISAKMP_TUNNEL_SA_FOREACH(o, t) {
		TAILQ_FOREACH(x, &o->is_b.b_children, cs_entry)
			if (v1_policies_holder(x, cs)) {
				cs->cs_policies = 0;
				return;
			}
		TAILQ_FOREACH(qm, &o->is_qms, qm_entry)
			if (v1_policies_holder(qm->qm_child, cs)) {
				cs->cs_policies = 0;
				return;
			}
	}
	/* the peer's Quick Mode rekeying cs, its inbound SA in: it takes
	 * them over */
	ISAKMP_TUNNEL_SA_FOREACH(o, t) {
		TAILQ_FOREACH(qm, &o->is_qms, qm_entry) {
			x = qm->qm_child;
			if (!qm->qm_in_early || x == NULL || x == cs ||
			    qm->qm_rekey_spi != cs->cs_spi_in ||
			    x->cs_reqid != cs->cs_reqid)
				continue;
			log_tdebug(cs->cs_name, "CHILD SA %08x_i: its policies "
			    "stay for %08x_i, which rekeys it", ntohl(
			    cs->cs_spi_in), ntohl(x->cs_spi_in));
			x->cs_policies = 1;
			cs->cs_policies = 0;
			return;
		}
	}
}

void
ikev1_child_remove(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner;

	struct child_sa		*succ;

	TAILQ_REMOVE(&sa->is_b.b_children, cs, cs_entry);
	ike_ha_child_delete(&sa->is_b, cs);
	child_sa_life_free(cs);
	ikev1_child_policies_heir(sa, cs);
	/* a successor with the same reqid keeps the policies */
	child_sa_uninstall(cs, sa->is_b.b_ctx->ctx_kernel, &sa->is_b.b_children);
	/* our rekey's new SA, waiting to send until the peer used it: with
	 * the old one gone, it sends now */
	TAILQ_FOREACH(succ, &sa->is_b.b_children, cs_entry)
		if (succ->cs_out_deferred && succ->cs_rekey_spi != 0 &&
		    succ->cs_rekey_spi == cs->cs_spi_in)
			child_sa_install_outbound(succ, sa->is_b.b_ctx->ctx_kernel);
	child_sa_free(cs);
}

/* --- informational messages we send (RFC 2409 §5.7) --- */

enum info_kind { INFO_NOTIFY, INFO_DELETE };

/* Builds, protects and sends one informational message. */
static int
info_send(struct isakmp_sa *sa, enum info_kind kind, uint8_t proto,
    const uint8_t *spi, uint8_t spilen, uint16_t type, const uint8_t *data,
    size_t len)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;
	uint8_t			 iv[CRYPTO_MAX_BLOCK];
	uint32_t		 msgid;
	size_t			 hoff, hl = prf_len(sa->is_prf);
	int			 rc = -1;

	if (!sa->is_keys_ok || sa->is_state != ISAKMP_ESTABLISHED)
		return (-1);
	do {
		if (RAND_bytes((uint8_t *)&msgid, sizeof(msgid)) != 1)
			return (-1);
	} while (msgid == 0);
	if (ikev1_iv_phase2(sa->is_prf, sa->is_iv, sa->is_blen, msgid,
	    iv) == -1 ||
	    v1_msg_begin(sa, &b, &w, IKEV1_EXCH_INFORMATIONAL, msgid) == -1 ||
	    ikev1_add_hash(&w, NULL, hl, &hoff) == -1)
		goto done;
	if (kind == INFO_NOTIFY ? ikev1_add_notify(&w, proto, spi, spilen,
	    type, data, len) == -1 : ikev1_add_delete(&w, proto, spilen, 1,
	    spi) == -1)
		goto done;
	/* HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 §5.7) */
	if (ikev1_hash_qm1(sa->is_prf, sa->is_keys.k_a, sa->is_keys.k_len,
	    msgid, b->buf_data + hoff + hl, b->buf_len - hoff - hl,
	    b->buf_data + hoff) == -1 || v1_msg_seal(sa, b, iv, NULL) == -1)
		goto done;
	v1_send_raw(sa, b);
	rc = 0;
done:
	buf_free(b);
	return (rc);
}

int
ikev1_info_notify(struct isakmp_sa *sa, uint8_t proto, const uint8_t *spi,
    uint8_t spilen, uint16_t type, const uint8_t *data, size_t len)
{
	return (info_send(sa, INFO_NOTIFY, proto, spi, spilen, type, data,
	    len));
}

int
ikev1_info_delete_child(struct isakmp_sa *sa, struct child_sa *cs)
{
	/* RFC 2408 §3.15: the SPI of our inbound SA */
	return (info_send(sa, INFO_DELETE, cs->cs_proto == IPPROTO_AH ?
	    IKEV1_PROTO_AH : IKEV1_PROTO_ESP, (const uint8_t *)&cs->cs_spi_in,
	    4, 0, NULL, 0));
}

int
ikev1_info_delete_child_all(struct isakmp_sa *sa, struct child_sa *cs)
{
	struct isakmp_sa	*o;
	int			 rc;

	rc = ikev1_info_delete_child(sa, cs);
	if (sa->is_b.b_tunnel == NULL)
		return (rc);
	ISAKMP_TUNNEL_SA_FOREACH(o, sa->is_b.b_tunnel)
		if (o != sa &&
		    o->is_state == ISAKMP_ESTABLISHED && !o->is_peer_deleted &&
		    ikev1_info_delete_child(o, cs) == 0)
			rc = 0;
	return (rc);
}

int
ikev1_info_delete_isakmp(struct isakmp_sa *sa)
{
	struct child_sa	*cs;
	uint8_t		 spi[16];

	TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED)
			ikev1_info_delete_child(sa, cs);
	memcpy(spi, sa->is_b.b_spi_i, 8);
	memcpy(spi + 8, sa->is_b.b_spi_r, 8);
	log_tinfo(isakmp_name(sa), "sending DELETE of the ISAKMP SA");
	return (info_send(sa, INFO_DELETE, IKEV1_PROTO_ISAKMP, spi, 16, 0,
	    NULL, 0));
}

void
ikev1_info_plain(struct ike_ctx *ctx, const struct ikev1_msg *m,
    struct in_addr from)
{
	char	 a[INET_ADDRSTRLEN];
	int	 i;

	ctx->ctx_counters.ic_dropped++;
	inet_ntop(AF_INET, &from, a, sizeof(a));
	/* anyone can send these, as fast as they like: rate-limited */
	for (i = 0; i < m->m_nnotify; i++)
		ike_rl_log(ctx, IKE_RL_V1_PLAIN_INFO, from, NULL,
		    "unauthenticated IKEv1 notify %s from %s ignored",
		    ikev1_notify_name(m->m_notify[i].n_type), a);
	if (m->m_ndelete > 0)
		ike_rl_log(ctx, IKE_RL_V1_PLAIN_INFO, from, NULL,
		    "unauthenticated IKEv1 DELETE from %s ignored", a);
}

const char *
ikev1_aggr_warning(void)
{
	return ("aggressive mode with PSK exposes a hash of the PSK to "
	    "offline cracking");
}

/* --- DPD (RFC 3706): sa_common.c drives it, R-U-THERE is the probe --- */

void
ikev1_dpd_arm(struct isakmp_sa *sa)
{
	ike_sa_heard(&sa->is_b);
	ike_sa_dpd_start(&sa->is_b);
}

/* The peer announced DPD and the SA is the tunnel's current one. */
static int
ikev1_sa_dpd_on(const struct ike_sa_base *b)
{
	const struct isakmp_sa	*sa = isakmp_sa_of((struct ike_sa_base *)b);

	return (sa->is_peer_dpd && !sa->is_replaced &&
	    sa->is_state == ISAKMP_ESTABLISHED &&
	    ike_dpd_delay_ms(b->b_ctx, b->b_tunnel) != 0);
}

/* Each R-U-THERE, a retransmission too, has the next sequence number
 * (RFC 3706 §7); an ACK of any of this probe's is an answer. */
static int
ikev1_sa_dpd_probe(struct ike_sa_base *b, int again)
{
	struct isakmp_sa	*sa = isakmp_sa_of(b);
	uint8_t			 spi[16];
	uint32_t		 seq;

	if (sa->is_dpd_seq == 0 && RAND_bytes((uint8_t *)&sa->is_dpd_seq,
	    sizeof(sa->is_dpd_seq)) != 1)
		return (-1);
	/* sequence numbers start random, then increment */
	sa->is_dpd_seq = (sa->is_dpd_seq & 0x7fffffffu) + 1;
	if (!again)
		sa->is_dpd_first = sa->is_dpd_seq;
	seq = htonl(sa->is_dpd_seq);
	memcpy(spi, sa->is_b.b_spi_i, 8);
	memcpy(spi + 8, sa->is_b.b_spi_r, 8);
	log_tdebug(isakmp_name(sa), "DPD: sending R-U-THERE %u",
	    sa->is_dpd_seq);
	ikev1_info_notify(sa, IKEV1_PROTO_ISAKMP, spi, 16, IKEV1_N_R_U_THERE,
	    (const uint8_t *)&seq, 4);
	return (0);
}

/* --- protected informationals (ikev1_info.c, and the doctor's look at
 * one that answers our message 5, ikev1_main.c) --- */

int
ikev1_info_open(struct isakmp_sa *sa, struct ikev1_msg *m,
    const uint8_t *pkt, size_t len, struct buf *out)
{
	uint8_t		 iv[CRYPTO_MAX_BLOCK], h[CRYPTO_MAX_HASH];
	size_t		 hl = prf_len(sa->is_prf);

	/* an E-flagged message: ikev1_msg_open() would take a cleartext
	 * one as opened, and its HASH(1) would be checked in the clear */
	if (!(m->m_hdr.h_flags & IKEV1_FLAG_ENC) || (!sa->is_keys_ok &&
	    sa->is_b.b_ctx->ctx_v1x->x_phase1_keys(sa) == -1) ||
	    ikev1_iv_phase2(sa->is_prf, sa->is_iv, sa->is_blen,
	    m->m_hdr.h_msgid, iv) == -1 ||
	    ikev1_msg_open(m, pkt, len, sa->is_encr, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len, iv, out) == -1)
		return (-1);
	if (m->m_npld < 1 || m->m_order[0] != IKEV1_PLD_HASH ||
	    m->m_hash_len != hl || ikev1_hash_qm1(sa->is_prf,
	    sa->is_keys.k_a, sa->is_keys.k_len, m->m_hdr.h_msgid,
	    m->m_after_hash, m->m_after_hash_len, h) == -1 ||
	    CRYPTO_memcmp(h, m->m_hash, hl) != 0)
		return (-2);
	return (0);
}
