/*
 * ikev2_rekey.c - rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296
 * §1.3.2, §2.18) and simultaneous rekeys (§2.8.2).
 *
 *   HDR(old SA), SK { SA(IKE, SPIi'), Ni, KEi }  -->
 *                          <--  HDR(old SA), SK { SA(IKE, SPIr'), Nr, KEr }
 *   HDR(old SA), SK { D(IKE) }  -->               (by the rekey initiator)
 *                                            <--  HDR(old SA), SK { }
 *
 * The CHILD SAs move to the new IKE SA, whose original initiator is the
 * rekey initiator and whose message IDs start at 0.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/ike_sa.h"
#include "policy/proposal.h"

#define IKEV2_REKEY_KE_TRIES	2	/* INVALID_KE_PAYLOAD retries */
#define IKEV2_REKEY_JITTER	5	/* % of the lifetime, earlier */

void	ike_sa_rekey_cb(evutil_socket_t, short, void *);
void	ike_sa_expire_cb(evutil_socket_t, short, void *);

static void
ikev2_rekey_arm(struct event *ev, uint64_t ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}


/*
 * The rekey falls between 85 and 90% of the lifetime, at random
 * (§2.8.2: two peers with the same lifetime rarely rekey at once); the
 * hard expiry is the lifetime itself.  Only the hard expiry deletes the
 * SA: a failed rekey is tried again before it (ikev2_rekey_retry).
 */
void
ikev2_rekey_timer_set(struct ike_sa *sa)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	uint64_t	 now = ike_now_ms();
	uint64_t	 life_ms;
	uint32_t	 life;
	unsigned	 pct = ctx->ctx_rekey_percent;

	if (sa->sa_state == IKE_SA_REKEYED) {
		ikev2_rekey_arm(sa->sa_rekey_ev, ctx->ctx_rekeyed_ms);
		return;
	}
	if (ctx->ctx_ike_rekey_ms != 0) {
		/* test hook: rekey then, the hard expiry as long again */
		lifetime_init(&sa->sa_life, now, 2 * (uint64_t)
		    ctx->ctx_ike_rekey_ms, 50, 50, 0);
	} else {
		if (sa->sa_b.b_tunnel == NULL ||
		    (life = sa->sa_b.b_tunnel->t_cfg->tn_ike.ike_lifetime) == 0)
			return;
		life_ms = ikev2_life_ms(ctx, life);
		lifetime_init(&sa->sa_life, now, life_ms,
		    pct > IKEV2_REKEY_JITTER ? pct - IKEV2_REKEY_JITTER : 0,
		    pct, lifetime_margin(life_ms, ctx->ctx_retx_ms));
	}
	ikev2_rekey_arm(sa->sa_rekey_ev, lifetime_rekey_in(&sa->sa_life, now));
	ikev2_rekey_arm(sa->sa_expire_ev, lifetime_hard_in(&sa->sa_life, now));
}

void
ikev2_rekey_retry(struct ike_sa *sa, int temporary)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	uint64_t	 ms;

	if (sa->sa_state != IKE_SA_ESTABLISHED)
		return;
	/* §2.25: TEMPORARY_FAILURE is a "try again soon" */
	ms = lifetime_retry_in(&sa->sa_life, ike_now_ms(), temporary ?
	    ctx->ctx_rekey_retry_ms / 2 : ctx->ctx_rekey_retry_ms,
	    ctx->ctx_rekey_retry_max_ms);
	if (ms == 0) {
		log_twarn(ike_sa_name(sa), "IKE SA rekey failed %d times; "
		    "no time left before its expiry", sa->sa_life.lt_tries);
		ike_event(sa->sa_b.b_ctx, ike_sa_name(sa), "rekey", "IKE SA "
		    "rekey failed %d times, no time left before its expiry",
		    sa->sa_life.lt_tries);
		return;
	}
	log_tinfo(ike_sa_name(sa), "IKE SA rekey: try %d in %llu ms",
	    sa->sa_life.lt_tries + 1, (unsigned long long)ms);
	ike_event(sa->sa_b.b_ctx, ike_sa_name(sa), "rekey", "IKE SA rekey failed, "
	    "try %d in %llu ms", sa->sa_life.lt_tries + 1,
	    (unsigned long long)ms);
	ikev2_rekey_arm(sa->sa_rekey_ev, ms);
}

/*
 * ESTABLISHED: time to rekey (or to try again); the request waits in
 * the SA's queue (ikev2_child_next) while another one is out.
 * REKEYED: the peer never deleted it.
 */
void
ike_sa_rekey_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_sa		*sa = arg;

	switch (sa->sa_state) {
	case IKE_SA_REKEYED:
		log_tdebug(ike_sa_name(sa), "rekeyed IKE SA not deleted by the "
		    "peer: removing it");
		ike_sa_destroy(sa);
		break;
	case IKE_SA_ESTABLISHED:
		if (sa->sa_life.lt_tries == 0)
			log_tinfo(ike_sa_name(sa), "IKE SA lifetime: rekeying");
		sa->sa_b.b_rekey_due = 1;
		ike_sa_next(sa);
		break;
	default:
		break;
	}
}

/* The hard expiry: the IKE SA and its CHILD SAs go, the tunnel connects
 * afresh (instead of keeping a worn-out SA). */
void
ike_sa_expire_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_sa		*sa = arg;
	struct ike_tunnel	*t;

	if (sa->sa_state != IKE_SA_ESTABLISHED)
		return;
	log_twarn(ike_sa_name(sa), "IKE SA lifetime ended without a "
	    "successful rekey (%d tries): deleting it", sa->sa_life.lt_tries);
	t = sa->sa_b.b_tunnel;
	if (t != NULL)
		ike_tunnel_error(t, "IKE SA expired: rekeying failed");
	ike_sa_base_tunnel_set(&sa->sa_b, NULL);
	ike_sa_delete_now(sa);
	if (t != NULL)
		ike_tunnel_sa_gone(t, 0);
}

/*
 * Hands every CHILD SA of from to to (§2.18: they belong to the new SA),
 * but the one a CHILD SA exchange on from is still creating: its answer
 * comes on from, which completes or removes it there (fuzz_pair found
 * it removed from the wrong list once moved).
 */
static void
ikev2_rekey_move(struct ike_sa *from, struct ike_sa *to)
{
	struct child_sa	*cs, *next;

	for (cs = TAILQ_FIRST(&from->sa_b.b_children); cs != NULL; cs = next) {
		next = TAILQ_NEXT(cs, cs_entry);
		if (cs == from->sa_req_child && from->sa_b.b_rq.x_out != NULL &&
		    (from->sa_req_kind == IKE_REQ_CHILD_NEW ||
		    from->sa_req_kind == IKE_REQ_CHILD_REKEY))
			continue;
		TAILQ_REMOVE(&from->sa_b.b_children, cs, cs_entry);
		cs->cs_owner = to;
		TAILQ_INSERT_TAIL(&to->sa_b.b_children, cs, cs_entry);
	}
	ike_ha_ike_sa(&to->sa_b);	/* the standby moves them too */
}

/*
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's
 * PRF (§2.18), then
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)   (new SPIs, new PRF)
 */
static int
ikev2_rekey_keys(struct ike_sa *old, struct ike_sa *n, const struct buf *gir)
{
	const struct proposal_choice *p = &n->sa_prop;
	uint8_t		 skeyseed[CRYPTO_MAX_HASH];
	int		 rc = -1;

	/* our IKE policy is one PRF, so the old and new ones are the same */
	if (prf_len(old->sa_prop.pc_prf) != prf_len(p->pc_prf))
		return (-1);
	if (ikev2_skeyseed_rekey(old->sa_prop.pc_prf, old->sa_keys.k_d,
	    old->sa_keys.k_d_len, gir->buf_data, gir->buf_len,
	    n->sa_ni->buf_data, n->sa_ni->buf_len, n->sa_nr->buf_data,
	    n->sa_nr->buf_len, skeyseed) == -1)
		goto done;
	if (ikev2_keys_derive(p->pc_prf, p->pc_integ, p->pc_encr,
	    p->pc_encr_bits, skeyseed, n->sa_ni->buf_data, n->sa_ni->buf_len,
	    n->sa_nr->buf_data, n->sa_nr->buf_len, n->sa_b.b_spi_i, n->sa_b.b_spi_r,
	    &n->sa_keys) == -1)
		goto done;
	n->sa_keys_ok = 1;
	ike_sa_keylog(n);
	rc = 0;
done:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return (rc);
}

static void
ikev2_rekey_log(struct ike_sa *n, const char *how)
{
	char	 si[17], sr[17];

	hex_encode(n->sa_b.b_spi_i, 8, si);
	hex_encode(n->sa_b.b_spi_r, 8, sr);
	log_tinfo(ike_sa_name(n), "IKE SA rekeyed (%s), new SPIs %s_i %s_r",
	    how, si, sr);
	ike_event(n->sa_b.b_ctx, ike_sa_name(n), "rekey", "IKE SA rekey done "
	    "(%s), new SPIs %s_i %s_r", how, si, sr);
}

/*
 * What the new IKE SA n of a rekey of sa takes from it: the NAT state,
 * whether it sets up the pairs, and the peer's authenticated identity
 * (a rekey is not an authentication: RFC 7296 §2.8, the same peer), so
 * that n is the peer's in the peer index and for INITIAL_CONTACT.
 */
static void
ikev2_rekey_inherit(struct ike_sa *n, const struct ike_sa *sa)
{
	const struct ike_peer_ident	*pi = &sa->sa_b.b_peer_ident;

	n->sa_b.b_nat = sa->sa_b.b_nat;
	n->sa_b.b_nat_local = sa->sa_b.b_nat_local;
	n->sa_pairs = sa->sa_pairs;
	ike_sa_base_ident_set(&n->sa_b, pi->pi_type, pi->pi_data, pi->pi_len);
}

/* Sends (or resends after INVALID_KE_PAYLOAD) our rekey request. */
static int
ikev2_rekey_send(struct ike_sa *sa, struct ike_sa *n)
{
	const struct cfg_ike	*ike = &sa->sa_b.b_tunnel->t_cfg->tn_ike;
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	/* the group negotiated for this IKE SA (our first suite's with a
	 * single suite); all our suites are offered */
	int			 grp = sa->sa_prop.pc_dh;

	/* test hook: a first KE the responder must refuse */
	if (n->sa_ke_tries == 0 && sa->sa_b.b_ctx->ctx_test_ke_group != 0)
		grp = sa->sa_b.b_ctx->ctx_test_ke_group;
	if (n->sa_dh == NULL && (n->sa_dh = dh_new(grp)) == NULL)
		return (-1);
	/* §1.3.2: the new initiator SPI goes in the proposal */
	if (ike_sa_offer_get(n) == NULL ||
	    proposal_ike_build(ike, n->sa_b.b_spi_i, 8, n->sa_offer) == -1 ||
	    ike_msg_begin(sa, &mo, IKEV2_EXCH_CREATE_CHILD_SA, 0, 0) == -1)
		return (-1);
	w = ike_msg_w(&mo);
	if (ikev2_add_sa(w, n->sa_offer) == -1 ||
	    ikev2_add_nonce(w, n->sa_ni->buf_data, n->sa_ni->buf_len) == -1 ||
	    ikev2_init_add_ke(n, w) == -1) {
		ike_msg_abort(&mo);
		return (-1);
	}
	return (ike_msg_send(sa, &mo, IKE_REQ_IKE_REKEY, NULL));
}

int
ikev2_rekey_start(struct ike_sa *sa)
{
	struct ike_sa	*n;

	if (sa->sa_state != IKE_SA_ESTABLISHED || sa->sa_b.b_rq.x_out != NULL ||
	    sa->sa_rekey_new != NULL)
		return (-1);
	if ((n = ike_sa_new(sa->sa_b.b_ctx, sa->sa_b.b_tunnel, 1, &sa->sa_b.b_local,
	    &sa->sa_b.b_remote)) == NULL)
		return (-1);
	ikev2_rekey_inherit(n, sa);
	sa->sa_rekey_new = n;
	if ((n->sa_ni = ikev2_init_nonce()) == NULL ||
	    ikev2_rekey_send(sa, n) == -1) {
		log_twarn(ike_sa_name(sa), "cannot start the IKE SA rekey");
		ike_sa_destroy(n);	/* clears sa_rekey_new */
		return (-1);
	}
	log_tinfo(ike_sa_name(sa), "rekeying the IKE SA");
	ike_event(sa->sa_b.b_ctx, ike_sa_name(sa), "rekey", "IKE SA rekey "
	    "started");
	return (0);
}

/* Answers the peer's CREATE_CHILD_SA request with an error notify. */
static int
ikev2_rekey_reply_error(struct ike_sa *sa, const struct ikev2_msg *m,
    uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_msg_out	 mo;

	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_CREATE_CHILD_SA, 1,
	    m->m_hdr.h_msgid) == -1)
		return (-1);
	if (ikev2_add_notify(ike_msg_w(&mo), 0, NULL, 0, type, data,
	    len) == -1) {
		ike_msg_abort(&mo);
		return (-1);
	}
	return (ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL));
}

/* Responder checks; 0 with *pc filled, or the notify to answer. */
static uint16_t
ikev2_rekey_precheck(struct ike_sa *sa, const struct ikev2_msg *m,
    struct proposal_choice *pc, uint8_t grp[2])
{
	static const uint8_t		 zero[8];
	const struct cfg_ike		*ike = &sa->sa_b.b_tunnel->t_cfg->tn_ike;
	char				 rx[256];

	/*
	 * §2.25.2: an SA we are closing or that is already replaced is
	 * not rekeyed; nor while a CHILD SA exchange of ours is in flight
	 * (its CHILD SA would have to move mid-exchange; the peer retries
	 * after TEMPORARY_FAILURE).  Our liveness check or the DELETE of a
	 * CHILD SA may be out: its answer still comes on this SA (the CHILD
	 * SA moves, ikev2_info_response finds it where it is).  Refusing
	 * those let a DELETE lost a few times hold the peer's rekey off
	 * until its IKE SA expired (the 30-minute soak against strongSwan).
	 */
	if (sa->sa_state != IKE_SA_ESTABLISHED || (sa->sa_b.b_rq.x_out != NULL &&
	    sa->sa_req_kind != IKE_REQ_IKE_REKEY &&
	    sa->sa_req_kind != IKE_REQ_LIVENESS &&
	    sa->sa_req_kind != IKE_REQ_CHILD_DELETE))
		return (IKEV2_N_TEMPORARY_FAILURE);
	if (m->m_nonce == NULL || m->m_nonce_len < IKEV2_NONCE_MIN ||
	    m->m_nonce_len > IKEV2_NONCE_MAX)
		return (IKEV2_N_INVALID_SYNTAX);
	if (sa->sa_b.b_ctx->ctx_test_refuse_n > 0) {	/* test hook */
		sa->sa_b.b_ctx->ctx_test_refuse_n--;
		return (sa->sa_b.b_ctx->ctx_test_refuse_notify);
	}
	if (proposal_ike_select(ike, &m->m_sa, pc) == -1 ||
	    pc->pc_spi_len != 8 || memcmp(pc->pc_spi, zero, 8) == 0) {
		proposal_describe(&m->m_sa, rx, sizeof(rx));
		log_tinfo(ike_sa_name(sa), "no acceptable IKE rekey proposal: "
		    "received %s", rx);
		return (IKEV2_N_NO_PROPOSAL_CHOSEN);
	}
	/* §1.3.2: KE is mandatory and of the chosen group */
	if (m->m_count[IKEV2_PLD_KE] != 1 || m->m_ke_group != pc->pc_dh) {
		log_tinfo(ike_sa_name(sa), "IKE rekey with a KE of group %s, "
		    "we want %s: INVALID_KE_PAYLOAD",
		    crypto_dh_name(m->m_ke_group), crypto_dh_name(pc->pc_dh));
		grp[0] = pc->pc_dh >> 8;
		grp[1] = pc->pc_dh & 0xff;
		return (IKEV2_N_INVALID_KE_PAYLOAD);
	}
	return (0);
}

/* Responder: our SA { IKE, SPIr' }, Nr, KEr. */
static int
ikev2_rekey_answer(struct ike_sa *sa, struct ike_sa *n,
    const struct ikev2_msg *m)
{
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	struct prop_offer		*ans;
	int			 rc = -1;

	if ((ans = calloc(1, sizeof(*ans))) == NULL)
		return (-1);
	/* the suite chosen, with the peer's proposal number (§3.3.1) */
	if (proposal_ike_answer(&n->sa_prop, n->sa_b.b_spi_r, 8, ans) == -1 ||
	    ike_msg_begin(sa, &mo, IKEV2_EXCH_CREATE_CHILD_SA, 1,
	    m->m_hdr.h_msgid) == -1)
		goto done;
	w = ike_msg_w(&mo);
	if (ikev2_add_sa(w, ans) == -1 ||
	    ikev2_add_nonce(w, n->sa_nr->buf_data, n->sa_nr->buf_len) == -1 ||
	    ikev2_init_add_ke(n, w) == -1) {
		ike_msg_abort(&mo);
		goto done;
	}
	rc = ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL);
done:
	free(ans);
	return (rc);
}

void
ikev2_rekey_request(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct proposal_choice	 pc;
	struct ike_sa		*n = NULL;
	struct buf		*gir = NULL;
	uint16_t		 notify;
	uint8_t			 grp[2];

	if ((notify = ikev2_rekey_precheck(sa, m, &pc, grp)) != 0) {
		ikev2_rekey_reply_error(sa, m, notify, grp,
		    notify == IKEV2_N_INVALID_KE_PAYLOAD ? 2 : 0);
		return;
	}
	/* the peer is the new SA's original initiator (§2.18) */
	if ((n = ike_sa_new(sa->sa_b.b_ctx, t, 0, &sa->sa_b.b_local,
	    &sa->sa_b.b_remote)) == NULL)
		goto fail;
	if (ike_sa_spi_i_set(n, pc.pc_spi) == -1)
		goto fail;
	n->sa_prop = pc;
	ikev2_rekey_inherit(n, sa);
	if ((n->sa_dh = dh_new(pc.pc_dh)) == NULL ||
	    (n->sa_ni = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL ||
	    (n->sa_nr = ikev2_init_nonce()) == NULL)
		goto fail;
	if ((gir = dh_derive(n->sa_dh, m->m_ke_data, m->m_ke_len)) == NULL) {
		log_tinfo(ike_sa_name(sa), "invalid KE in the IKE rekey");
		ike_sa_destroy(n);
		ikev2_rekey_reply_error(sa, m, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ikev2_rekey_keys(sa, n, gir) == -1 ||
	    ikev2_rekey_answer(sa, n, m) == -1)
		goto fail;
	buf_free(gir);
	ike_sa_set_state(n, IKE_SA_ESTABLISHED);
	ikev2_rekey_log(n, "by the peer");
	if (t != NULL)
		t->t_ike_rekeys++;		/* metrics */
	/*
	 * §2.8.2: if our own rekey is in flight, which new SA survives is
	 * decided when its answer comes; the children move now, and back
	 * if ours wins.
	 */
	if (sa->sa_rekey_new != NULL)
		sa->sa_rekey_peer = n;
	ikev2_rekey_move(sa, n);
	/* §2.18: the peer deletes the old SA */
	ike_sa_set_state(sa, IKE_SA_REKEYED);
	ike_tunnel_update(t);
	ike_sa_next(n);
	return;
fail:
	buf_free(gir);
	ike_sa_destroy(n);
	ikev2_rekey_reply_error(sa, m, IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
}

/* Byte-wise, then by length: the smaller nonce. */
static int
ikev2_rekey_nonce_cmp(const struct buf *a, const struct buf *b)
{
	size_t	 n = a->buf_len < b->buf_len ? a->buf_len : b->buf_len;
	int	 c;

	if ((c = memcmp(a->buf_data, b->buf_data, n)) != 0)
		return (c);
	return (a->buf_len < b->buf_len ? -1 : a->buf_len > b->buf_len);
}

static const struct buf *
ikev2_rekey_min_nonce(const struct ike_sa *n)
{
	return (ikev2_rekey_nonce_cmp(n->sa_ni, n->sa_nr) <= 0 ? n->sa_ni :
	    n->sa_nr);
}

/*
 * §2.8.2: both rekeyed at once.  The new SA with the lowest of the four
 * nonces is redundant and deleted by its initiator; the other one gets
 * the children and its initiator deletes the old SA.
 */
static void
ikev2_rekey_collision(struct ike_sa *old, struct ike_sa *ours,
    struct ike_sa *theirs)
{
	if (ikev2_rekey_nonce_cmp(ikev2_rekey_min_nonce(ours),
	    ikev2_rekey_min_nonce(theirs)) < 0) {
		log_tinfo(ike_sa_name(old), "simultaneous IKE SA rekey: the "
		    "peer's new SA stays, deleting ours");
		ikev2_rekey_move(ours, theirs);
		if (ikev2_info_delete_wait(ours) == -1)
			ike_sa_destroy(ours);
		/* old stays REKEYED until the peer deletes it */
		return;
	}
	log_tinfo(ike_sa_name(old), "simultaneous IKE SA rekey: our new SA "
	    "stays");
	ikev2_rekey_move(theirs, ours);
	/* the peer deletes theirs */
	ike_sa_set_state(theirs, IKE_SA_REKEYED);
	if (old->sa_b.b_rq.x_out != NULL || ikev2_info_delete_wait(old) == -1)
		ike_sa_destroy(old);
}

/* An error notify instead of the answer.  1 if handled (resent), -1
 * refused (*temporary: with TEMPORARY_FAILURE), 0 no error. */
static int
ikev2_rekey_refused(struct ike_sa *sa, struct ike_sa *n,
    const struct ikev2_msg *m, int *temporary)
{
	const struct ikev2_notify	*nt;
	int				 grp, i;

	if ((nt = ikev2_msg_notify(m, IKEV2_N_INVALID_KE_PAYLOAD)) != NULL) {
		grp = nt->n_len == 2 ? (nt->n_data[0] << 8 | nt->n_data[1]) : 0;
		/* §1.3: retry with the group we proposed, if that was it */
		if (sa->sa_state == IKE_SA_ESTABLISHED &&
		    proposal_ike_has_dh(&sa->sa_b.b_tunnel->t_cfg->tn_ike,
		    grp) &&
		    grp != dh_group(n->sa_dh) &&
		    ++n->sa_ke_tries <= IKEV2_REKEY_KE_TRIES) {
			log_tinfo(ike_sa_name(sa), "peer wants a KE of group "
			    "%s for the IKE rekey: retrying",
			    crypto_dh_name(grp));
			dh_free(n->sa_dh);
			n->sa_dh = NULL;
			if (ikev2_rekey_send(sa, n) == 0) {
				sa->sa_rekey_new = n;
				return (1);
			}
			return (-1);
		}
	}
	for (i = 0; i < m->m_nnotify; i++)
		if (m->m_notify[i].n_type <= IKEV2_N_ERROR_MAX) {
			log_tinfo(ike_sa_name(sa), "peer refused the IKE SA "
			    "rekey: %s",
			    ikev2_notify_name(m->m_notify[i].n_type));
			*temporary = m->m_notify[i].n_type ==
			    IKEV2_N_TEMPORARY_FAILURE;
			return (-1);
		}
	return (0);
}

/* Initiator: checks the answer and derives the new SA's keys.  0 or -1. */
static int
ikev2_rekey_complete(struct ike_sa *sa, struct ike_sa *n,
    const struct ikev2_msg *m)
{
	static const uint8_t	 zero[8];
	struct proposal_choice	 pc;
	struct buf		*gir = NULL;
	int			 rc = -1;

	if (m->m_count[IKEV2_PLD_SA] != 1 || m->m_count[IKEV2_PLD_KE] != 1 ||
	    m->m_nonce == NULL || m->m_nonce_len < IKEV2_NONCE_MIN ||
	    m->m_nonce_len > IKEV2_NONCE_MAX ||
	    n->sa_offer == NULL ||
	    proposal_check_answer(n->sa_offer, &m->m_sa, &pc) == -1 ||
	    pc.pc_proto != IKEV2_PROTO_IKE || pc.pc_spi_len != 8 ||
	    memcmp(pc.pc_spi, zero, 8) == 0 ||
	    m->m_ke_group != dh_group(n->sa_dh) || pc.pc_dh != m->m_ke_group) {
		log_tinfo(ike_sa_name(sa), "invalid answer to our IKE SA "
		    "rekey");
		return (-1);
	}
	memcpy(n->sa_b.b_spi_r, pc.pc_spi, 8);
	n->sa_prop = pc;
	if ((n->sa_nr = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL)
		return (-1);
	if ((gir = dh_derive(n->sa_dh, m->m_ke_data, m->m_ke_len)) == NULL) {
		log_tinfo(ike_sa_name(sa), "invalid KE in the IKE rekey "
		    "answer");
		return (-1);
	}
	rc = ikev2_rekey_keys(sa, n, gir);
	buf_free(gir);
	return (rc);
}

void
ikev2_rekey_response(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct ike_sa		*n = sa->sa_rekey_new;
	struct ike_sa		*peer = sa->sa_rekey_peer;
	int			 rc, temporary = 0;

	sa->sa_rekey_new = NULL;
	sa->sa_rekey_peer = NULL;
	if (n == NULL)
		goto next;
	if ((rc = ikev2_rekey_refused(sa, n, m, &temporary)) == 1) {
		sa->sa_rekey_peer = peer;
		return;
	}
	if (rc == -1 || ikev2_rekey_complete(sa, n, m) == -1) {
		ike_sa_destroy(n);
		/* still ours to rekey (not rekeyed by the peer meanwhile):
		 * try again, before the hard expiry */
		ikev2_rekey_retry(sa, temporary);
		goto next;
	}
	ike_sa_set_state(n, IKE_SA_ESTABLISHED);
	ikev2_rekey_log(n, "by us");
	if (t != NULL && peer == NULL)	/* a collision counted it above */
		t->t_ike_rekeys++;		/* metrics */
	if (peer != NULL) {
		ikev2_rekey_collision(sa, n, peer);
	} else {
		ikev2_rekey_move(sa, n);
		/* §2.18: the rekey initiator deletes the old IKE SA */
		if (ikev2_info_delete_wait(sa) == -1)
			ike_sa_destroy(sa);
	}
	ike_tunnel_update(t);
	IKEV2_TUNNEL_SA_FOREACH(n, t)
		if (n->sa_state == IKE_SA_ESTABLISHED)
			ike_sa_next(n);
	return;
next:
	ike_tunnel_update(t);
	ike_sa_next(sa);
}
