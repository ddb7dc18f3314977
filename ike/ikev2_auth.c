/*
 * ikev2_auth.c - the IKE_AUTH exchange with pre-shared keys (RFC 7296
 * §1.2, §2.15) and the first CHILD SA.
 *
 *   HDR, SK { IDi, AUTH, [N(INITIAL_CONTACT)], SAi2, TSi, TSr }  -->
 *                               <--  HDR, SK { IDr, AUTH, SAr2, TSi, TSr }
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "ike/ike_sa.h"
#include "policy/ts.h"

#define IKEV2_KEYPAD		"Key Pad for IKEv2"
#define IKEV2_ID_BODY_MAX	(4 + CFG_ID_MAX + 1)
#define IKEV2_MAX_CANDIDATES	CFG_MAX_TUNNELS

/*
 * §2.15, shared secret:
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
 *   MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 * and the responder's with RealMessage2, NonceIData, SK_pr, IDr'.
 * out gets prf_len() bytes.
 */
static int
ikev2_auth_psk(const struct ike_sa *sa, const struct cfg_tunnel *c,
    int by_initiator, const uint8_t *idbody, size_t idlen, uint8_t *out)
{
	const struct ikev2_keys	*k = &sa->sa_keys;
	int			 prf = sa->sa_prop.pc_prf;
	size_t			 plen = prf_len(prf);
	const struct buf	*msg = by_initiator ? sa->sa_msg1 : sa->sa_msg2;
	const struct buf	*nonce = by_initiator ? sa->sa_nr : sa->sa_ni;
	uint8_t			 macid[CRYPTO_MAX_HASH], key[CRYPTO_MAX_HASH];
	struct prf_piece	 pc[3];
	int			 rc = -1;

	if (plen == 0 || msg == NULL || nonce == NULL)
		return (-1);
	/* MACedIDFor[I|R] = prf(SK_p[i|r], RestOf[Init|Resp]IDPayload) */
	if (prf_compute(prf, by_initiator ? k->k_pi : k->k_pr, k->k_p_len,
	    idbody, idlen, macid) == -1)
		goto done;
	/* prf(Shared Secret, "Key Pad for IKEv2") */
	if (prf_compute(prf, (const uint8_t *)c->tn_psk, c->tn_psk_len,
	    (const uint8_t *)IKEV2_KEYPAD, strlen(IKEV2_KEYPAD), key) == -1)
		goto done;
	pc[0].pp_data = msg->buf_data;
	pc[0].pp_len = msg->buf_len;
	pc[1].pp_data = nonce->buf_data;
	pc[1].pp_len = nonce->buf_len;
	pc[2].pp_data = macid;
	pc[2].pp_len = plen;
	rc = prf_compute_v(prf, key, plen, pc, 3, out);
done:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(macid, sizeof(macid));
	return (rc);
}

/* Our ID payload body: type, 3 reserved bytes, data.  Returns length. */
static size_t
ikev2_auth_id_body(const struct ike_tunnel *t, uint8_t *body)
{
	uint8_t	 type;
	size_t	 len;

	len = ike_tunnel_local_id(t, &type, body + 4);
	body[0] = type;
	body[1] = body[2] = body[3] = 0;
	return (4 + len);
}

/* 1 if the peer's AUTH verifies with tunnel c's PSK. */
static int
ikev2_auth_verify(const struct ike_sa *sa, const struct cfg_tunnel *c,
    const struct ikev2_msg *m)
{
	uint8_t			 want[CRYPTO_MAX_HASH];
	const struct ikev2_id	*id = sa->sa_b.b_initiator ? &m->m_idr : &m->m_idi;
	int			 ok = 0;

	if (m->m_auth_method != IKEV2_AUTH_PSK ||
	    m->m_auth_len != prf_len(sa->sa_prop.pc_prf) ||
	    id->id_body == NULL)
		return (0);
	if (ikev2_auth_psk(sa, c, !sa->sa_b.b_initiator, id->id_body,
	    id->id_body_len, want) == 0)
		ok = CRYPTO_memcmp(want, m->m_auth_data, m->m_auth_len) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return (ok);
}

static int
ikev2_auth_add_id_auth(struct ike_sa *sa, struct pld_writer *w)
{
	uint8_t	 body[IKEV2_ID_BODY_MAX], auth[CRYPTO_MAX_HASH];
	size_t	 blen;
	int	 rc = -1;

	blen = ikev2_auth_id_body(sa->sa_b.b_tunnel, body);
	if (ikev2_add_id(w, sa->sa_b.b_initiator ? IKEV2_PLD_IDI : IKEV2_PLD_IDR,
	    body[0], body + 4, blen - 4) == -1)
		return (-1);
	if (ikev2_auth_psk(sa, sa->sa_b.b_tunnel->t_cfg, sa->sa_b.b_initiator, body,
	    blen, auth) == 0)
		rc = ikev2_add_auth(w, IKEV2_AUTH_PSK, auth,
		    prf_len(sa->sa_prop.pc_prf));
	OPENSSL_cleanse(auth, sizeof(auth));
	return (rc);
}

/* Initiator: IKE_AUTH request with the first CHILD SA (segment pair 0,
 * or every segment with child-sa single). */
int
ikev2_auth_start(struct ike_sa *sa)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	struct ts_list	 tsi, tsr;
	struct child_sa		*cs;

	if ((cs = ikev2_child_prepare(sa, t->t_cfg->tn_child_single ?
	    IKEV2_CHILD_ALL : 0, 0, NULL, &tsi, &tsr)) == NULL)
		return (-1);
	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_IKE_AUTH, 0, 0) == -1)
		return (-1);
	w = ike_msg_w(&mo);
	if (ikev2_auth_add_id_auth(sa, w) == -1 ||
	    (ike_initial_contact_ok(sa->sa_b.b_ctx, t, &sa->sa_b) &&
	    ikev2_add_notify(w, 0, NULL, 0, IKEV2_N_INITIAL_CONTACT, NULL,
	    0) == -1) ||
	    ikev2_add_sa(w, cs->cs_offer) == -1 ||
	    ikev2_add_ts(w, IKEV2_PLD_TSI, &tsi) == -1 ||
	    ikev2_add_ts(w, IKEV2_PLD_TSR, &tsr) == -1) {
		ike_msg_abort(&mo);
		return (-1);
	}
	if (ike_msg_send(sa, &mo, IKE_REQ_AUTH, cs) == -1)
		return (-1);
	ike_sa_set_state(sa, IKE_SA_AUTH_SENT);
	log_tinfo(ike_tunnel_name(t), "IKE_SA_INIT done (%s/%s/%s), "
	    "authenticating", crypto_encr_name(sa->sa_prop.pc_encr,
	    sa->sa_prop.pc_encr_bits), crypto_integ_name(sa->sa_prop.pc_integ),
	    crypto_dh_name(sa->sa_prop.pc_dh));
	return (0);
}

/* The candidate's IKE policy is the one negotiated in IKE_SA_INIT. */
static int
ikev2_auth_policy_ok(const struct ike_sa *sa, const struct cfg_tunnel *c)
{
	return (proposal_ike_allows(&c->tn_ike, &sa->sa_prop));
}

/*
 * Responder: the tunnel whose peer-id matches IDi, whose PSK verifies
 * AUTH and (preferably) whose segments fit the proposed TS.
 */
static struct ike_tunnel *
ikev2_auth_find(struct ike_sa *sa, const struct ikev2_msg *m, int *idmatch)
{
	struct ike_tunnel	*cand[IKEV2_MAX_CANDIDATES], *first = NULL;
	struct cfg_prefix	 r[CFG_MAX_SEGMENTS], l[CFG_MAX_SEGMENTS];
	int			 i, n, nr, nl;

	*idmatch = 0;
	n = ike_tunnel_candidates(sa->sa_b.b_ctx, &sa->sa_b.b_local, &sa->sa_b.b_remote,
	    cand, IKEV2_MAX_CANDIDATES);
	for (i = 0; i < n; i++) {
		if (!ikev2_auth_policy_ok(sa, cand[i]->t_cfg) ||
		    !ike_tunnel_peer_id_match(cand[i], &m->m_idi))
			continue;
		(*idmatch)++;
		if (!ikev2_auth_verify(sa, cand[i]->t_cfg, m))
			continue;
		if (first == NULL)
			first = cand[i];
		if (ts_narrow(cand[i]->t_cfg, &m->m_tsi, &m->m_tsr, r, &nr, l,
		    &nl) == 0)
			return (cand[i]);
	}
	return (first);
}

static void
ikev2_auth_fail_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ike_msg_out	 mo;

	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_IKE_AUTH, 1,
	    m->m_hdr.h_msgid) == 0) {
		if (ikev2_add_notify(ike_msg_w(&mo), 0, NULL, 0,
		    IKEV2_N_AUTHENTICATION_FAILED, NULL, 0) == 0)
			ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL);
		else
			ike_msg_abort(&mo);
	}
}

/* Responder: no tunnel authenticated the peer. */
static void
ikev2_auth_failed(struct ike_sa *sa, const struct ikev2_msg *m, int idmatch)
{
	struct ike_tunnel	*cand[IKEV2_MAX_CANDIDATES];
	char			 addr[INET_ADDRSTRLEN];
	int			 i, n;

	inet_ntop(AF_INET, &sa->sa_b.b_remote.sin_addr, addr, sizeof(addr));
	n = ike_tunnel_candidates(sa->sa_b.b_ctx, &sa->sa_b.b_local, &sa->sa_b.b_remote,
	    cand, IKEV2_MAX_CANDIDATES);
	for (i = 0; i < n; i++) {
		if (idmatch && !ike_tunnel_peer_id_match(cand[i], &m->m_idi))
			continue;
		ike_diag_begin(cand[i], 0);
		ike_diag_note(cand[i], idmatch ? DIAG_PSK_THEIRS : DIAG_ID, 1,
		    NULL);
		ike_diag_id(cand[i], m->m_idi.id_type, m->m_idi.id_data,
		    m->m_idi.id_len);
		/* the peer is not authenticated: anyone who completes an
		 * IKE_SA_INIT can come here, as often as it likes */
		ike_rl_log(sa->sa_b.b_ctx, IKE_RL_V2_AUTH_FAILED,
		    sa->sa_b.b_remote.sin_addr, ike_tunnel_name(cand[i]),
		    "authentication failed: %s", idmatch ? "the pre-shared "
		    "key probably differs" : "the peer's ID does not match "
		    "peer-id");
		if (ike_tunnel_is_up(cand[i]))
			continue;	/* not moved by the unauthenticated */
		if (cand[i]->t_want)
			snprintf(cand[i]->t_last_error,
			    sizeof(cand[i]->t_last_error), "authentication "
			    "failed: the pre-shared key probably differs");
		else
			ike_tunnel_failed(cand[i], 1, "authentication failed: "
			    "the pre-shared key probably differs");
	}
	if (n == 0)
		ike_rl_log(sa->sa_b.b_ctx, IKE_RL_V2_AUTH_NO_TUNNEL,
		    sa->sa_b.b_remote.sin_addr, NULL, "IKE_AUTH from %s: no "
		    "tunnel", addr);
	ikev2_auth_fail_reply(sa, m);
	ike_sa_destroy(sa);
}

/* Responder: answer with IDr, AUTH and the CHILD SA (or its error). */
static int
ikev2_auth_answer(struct ike_sa *sa, const struct ikev2_msg *m,
    struct child_sa **csp, struct prop_offer *ans, uint16_t *notify)
{
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	struct ts_list	 tsi, tsr;
	struct child_sa		*cs;

	/* §1.2: no DH in IKE_AUTH's SA, whatever PFS says */
	cs = *csp = ikev2_child_respond(sa, m, -1, NULL, NULL, sa->sa_ni,
	    sa->sa_nr, ans, notify);
	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_IKE_AUTH, 1,
	    m->m_hdr.h_msgid) == -1)
		return (-1);
	w = ike_msg_w(&mo);
	if (ikev2_auth_add_id_auth(sa, w) == -1)
		goto fail;
	if (cs != NULL) {
		ikev2_child_ts(cs, 0, &tsi, &tsr);
		if (ikev2_add_sa(w, ans) == -1 ||
		    ikev2_add_ts(w, IKEV2_PLD_TSI, &tsi) == -1 ||
		    ikev2_add_ts(w, IKEV2_PLD_TSR, &tsr) == -1)
			goto fail;
	} else if (ikev2_add_notify(w, 0, NULL, 0, *notify, NULL, 0) == -1)
		goto fail;
	return (ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL));
fail:
	ike_msg_abort(&mo);
	return (-1);
}

void
ikev2_auth_request(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t;
	struct child_sa		*cs;
	struct prop_offer		*ans;
	uint16_t		 notify = 0;
	int			 idmatch;

	if ((t = ikev2_auth_find(sa, m, &idmatch)) == NULL) {
		ikev2_auth_failed(sa, m, idmatch);
		return;
	}
	ike_sa_base_tunnel_set(&sa->sa_b, t);
	ike_diag_begin(t, 0);
	ike_event(sa->sa_b.b_ctx, ike_tunnel_name(t), "attempt", "IKEv2 "
	    "responder to %s", inet_ntoa(sa->sa_b.b_remote.sin_addr));
	ike_sa_base_ident_set(&sa->sa_b, m->m_idi.id_type,
	    m->m_idi.id_data, m->m_idi.id_len);
	if ((ans = calloc(1, sizeof(*ans))) == NULL ||
	    ikev2_auth_answer(sa, m, &cs, ans, &notify) == -1) {
		free(ans);
		ike_sa_destroy(sa);
		return;
	}
	free(ans);
	/* the IKE_AUTH CHILD SA's keys are made: Ni and Nr served their
	 * purpose (an SA made by a rekey keeps its own, §2.8.2) */
	ike_sa_nonces_free(sa);
	ike_sa_set_state(sa, IKE_SA_ESTABLISHED);
	log_tinfo(ike_tunnel_name(t), "IKE SA established with %s (responder)",
	    inet_ntoa(sa->sa_b.b_remote.sin_addr));
	/* §2.4: the peer lost every other IKE SA it had with us */
	if (ikev2_msg_notify(m, IKEV2_N_INITIAL_CONTACT) != NULL)
		ike_initial_contact_recv(sa->sa_b.b_ctx,
		    &sa->sa_b.b_peer_ident, &sa->sa_b);
	if (cs == NULL) {
		if (!t->t_want)
			ike_tunnel_failed(t, 2, "%s", t->t_last_error);
		ike_tunnel_update(t);
		return;
	}
	ike_tunnel_collision(t, sa);
}

/* Initiator: checks the responder's IDr and AUTH.  0 or -1 (failed). */
static int
ikev2_auth_check_peer(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;

	if (ikev2_msg_notify(m, IKEV2_N_AUTHENTICATION_FAILED) != NULL) {
		log_tinfo(ike_tunnel_name(t), "peer answered "
		    "AUTHENTICATION_FAILED");
		ike_diag_note(t, DIAG_PSK_OURS, 1, "AUTHENTICATION_FAILED");
		return (-1);
	}
	if (m->m_count[IKEV2_PLD_IDR] != 1 || m->m_count[IKEV2_PLD_AUTH] != 1) {
		log_tinfo(ike_tunnel_name(t), "IKE_AUTH response without IDr "
		    "or AUTH");
		return (-1);
	}
	ike_diag_id(t, m->m_idr.id_type, m->m_idr.id_data, m->m_idr.id_len);
	if (!ike_tunnel_peer_id_match(t, &m->m_idr)) {
		ike_diag_note(t, DIAG_ID, 1, NULL);
		log_tinfo(ike_tunnel_name(t), "the peer's ID does not match "
		    "peer-id");
		return (-1);
	}
	if (!ikev2_auth_verify(sa, t->t_cfg, m)) {
		log_tinfo(ike_tunnel_name(t), "the peer's AUTH does not "
		    "verify");
		ike_diag_note(t, DIAG_PSK_THEIRS, 1, NULL);
		return (-1);
	}
	return (0);
}

void
ikev2_auth_response(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct child_sa		*cs = sa->sa_req_child;
	int			 rc;

	if (ikev2_auth_check_peer(sa, m) == -1) {
		ike_sa_destroy(sa);
		ike_tunnel_failed(t, 1, "authentication failed: the "
		    "pre-shared key probably differs");
		return;
	}
	ike_sa_base_ident_set(&sa->sa_b, m->m_idr.id_type,
	    m->m_idr.id_data, m->m_idr.id_len);
	ike_sa_set_state(sa, IKE_SA_ESTABLISHED);
	log_tinfo(ike_tunnel_name(t), "IKE SA established with %s (initiator)",
	    inet_ntoa(sa->sa_b.b_remote.sin_addr));
	/* §2.4: the peer holds no other IKE SA with us */
	if (ikev2_msg_notify(m, IKEV2_N_INITIAL_CONTACT) != NULL)
		ike_initial_contact_recv(sa->sa_b.b_ctx,
		    &sa->sa_b.b_peer_ident, &sa->sa_b);
	rc = cs == NULL ? -1 : ikev2_child_complete(sa, cs, m, NULL,
	    sa->sa_ni, sa->sa_nr);
	ike_sa_nonces_free(sa);		/* as the responder's */
	if (rc == -1) {
		/* the IKE SA is up but useless: start over later */
		ike_sa_delete_now(sa);
		ike_tunnel_failed(t, 2, "%s", t->t_last_error);
		return;
	}
	ike_tunnel_collision(t, sa);
	if ((sa = ike_tunnel_sa(t)) != NULL)
		ike_sa_next(sa);
}
