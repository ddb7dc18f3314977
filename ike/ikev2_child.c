/*
 * ikev2_child.c - CHILD SAs: the one in IKE_AUTH and the CREATE_CHILD_SA
 * exchange (RFC 7296 §1.3.1 new CHILD SA, §1.3.3 CHILD SA rekey).
 *
 *   HDR, SK { [N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr }  -->
 *                                <--  HDR, SK { SA, Nr, [KEr], TSi, TSr }
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/ike_sa.h"
#include "policy/ts.h"

void
ikev2_child_ts(const struct child_sa *cs, int we_init,
    struct ts_list *tsi, struct ts_list *tsr)
{
	struct ts_list	*ours = we_init ? tsi : tsr;
	struct ts_list	*theirs = we_init ? tsr : tsi;
	int			 i;

	memset(tsi, 0, sizeof(*tsi));
	memset(tsr, 0, sizeof(*tsr));
	for (i = 0; i < cs->cs_nlts && i < IKEV2_MAX_TS; i++)
		ts_from_prefix(&cs->cs_lts[i], &ours->tsl_ts[i]);
	ours->tsl_n = i;
	for (i = 0; i < cs->cs_nrts && i < IKEV2_MAX_TS; i++)
		ts_from_prefix(&cs->cs_rts[i], &theirs->tsl_ts[i]);
	theirs->tsl_n = i;
}

/* 1 if the selector list p[n] shares an address with seg. */
static int
ikev2_child_overlaps(const struct cfg_prefix *p, int n,
    const struct cfg_prefix *seg)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (ts_prefix_overlap(&p[i], seg))
			return (1);
	return (0);
}

void
ikev2_child_pairs_set(struct ike_tunnel *t, const struct child_sa *cs,
    int state)
{
	const struct cfg_tunnel	*c = t->t_cfg;
	int			 p, npair;

	if (cs->cs_pair < 0)
		return;
	if (!cs->cs_single) {
		t->t_pair[cs->cs_pair] = state;
		return;
	}
	npair = c->tn_nlocal * c->tn_nremote;
	for (p = 0; p < npair && p < IKE_PAIR_MAX; p++)
		if (ikev2_child_overlaps(cs->cs_lts, cs->cs_nlts,
		    &c->tn_local[p / c->tn_nremote]) &&
		    ikev2_child_overlaps(cs->cs_rts, cs->cs_nrts,
		    &c->tn_remote[p % c->tn_nremote]))
			t->t_pair[p] = state;
}

#define IKEV2_CHILD_JITTER	5	/* % of the lifetime, earlier */
#define IKEV2_CHILD_KE_TRIES	2	/* INVALID_KE_PAYLOAD retries */

/* Common fields of a new CHILD SA of sa. */
static struct child_sa *
ikev2_child_alloc(struct ike_sa *sa, const struct child_sa *old)
{
	struct cfg_tunnel	*c = sa->sa_b.b_tunnel->t_cfg;
	struct child_sa		*cs;

	if ((cs = child_sa_new(c->tn_name, c->tn_ipsec.ips_proto,
	    sa->sa_b.b_local.sin_addr, sa->sa_b.b_remote.sin_addr)) == NULL)
		return (NULL);
	/* a rekeyed CHILD SA keeps its reqid: the policies stay valid */
	if (old != NULL)
		cs->cs_reqid = old->cs_reqid;
	cs->cs_lifetime = c->tn_ipsec.ips_lifetime;
	/* no lifetime negotiation in IKEv2: ours apply here (§2.8) */
	child_sa_volume_set(cs, c->tn_ipsec.ips_life_bytes,
	    c->tn_ipsec.ips_life_packets,
	    sa->sa_b.b_ctx->ctx_rekey_percent > IKEV2_CHILD_JITTER ?
	    sa->sa_b.b_ctx->ctx_rekey_percent - IKEV2_CHILD_JITTER : 0,
	    sa->sa_b.b_ctx->ctx_rekey_percent);
	cs->cs_replay_window = c->tn_ipsec.ips_replay_window;
	cs->cs_owner = sa;
	if (sa->sa_b.b_nat) {
		/* §2.23: ESP in UDP on the ports IKE uses now */
		cs->cs_encap_sport = ntohs(sa->sa_b.b_local.sin_port);
		cs->cs_encap_dport = ntohs(sa->sa_b.b_remote.sin_port);
	}
	if (child_sa_spi_alloc(cs, sa->sa_b.b_ctx->ctx_kernel) == -1) {
		child_sa_free(cs);
		return (NULL);
	}
	return (cs);
}

/*
 * What CREATE_CHILD_SA offers of DH (proposal_child_build's dh_group):
 * a single suite its PFS group (0: none); a list 1 when a suite has a
 * group (each suite then carries its own, RFC 7296 §3.3), else 0.
 */
static int
ikev2_child_offer_dh(const struct cfg_ipsec *ips)
{
	int	 i;

	if (ips->ips_nprops == 0)
		return (ips->ips_pfs);
	for (i = 0; i < ips->ips_nprops; i++)
		if (ips->ips_props[i].cp_dh != 0)
			return (1);
	return (0);
}

/* What a responder asks of the proposals (proposal_child_select's
 * dh_group): a single suite's PFS group, or each suite its own. */
static int
ikev2_child_select_dh(const struct cfg_ipsec *ips)
{
	return (ips->ips_nprops == 0 ? ips->ips_pfs : 0);
}

struct child_sa *
ikev2_child_prepare(struct ike_sa *sa, int pair, int dh,
    const struct child_sa *old, struct ts_list *tsi,
    struct ts_list *tsr)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct cfg_tunnel	*c = t->t_cfg;
	struct child_sa		*cs;

	if (old == NULL && (c->tn_nlocal == 0 || c->tn_nremote == 0 ||
	    pair < IKEV2_CHILD_ALL || pair >= c->tn_nlocal * c->tn_nremote))
		return (NULL);
	if ((cs = ikev2_child_alloc(sa, old)) == NULL)
		return (NULL);
	if (old != NULL) {
		memcpy(cs->cs_lts, old->cs_lts, sizeof(cs->cs_lts));
		memcpy(cs->cs_rts, old->cs_rts, sizeof(cs->cs_rts));
		cs->cs_nlts = old->cs_nlts;
		cs->cs_nrts = old->cs_nrts;
		cs->cs_pair = old->cs_pair;
		cs->cs_single = old->cs_single;
		cs->cs_rekey_spi = old->cs_spi_in;
	} else if (pair == IKEV2_CHILD_ALL) {
		/* child-sa single: all segments as TSi and TSr (§2.9) */
		memcpy(cs->cs_lts, c->tn_local, sizeof(cs->cs_lts));
		memcpy(cs->cs_rts, c->tn_remote, sizeof(cs->cs_rts));
		cs->cs_nlts = c->tn_nlocal;
		cs->cs_nrts = c->tn_nremote;
		cs->cs_pair = 0;
		cs->cs_single = 1;
		ikev2_child_pairs_set(t, cs, PAIR_PENDING);
	} else {
		cs->cs_lts[0] = c->tn_local[pair / c->tn_nremote];
		cs->cs_rts[0] = c->tn_remote[pair % c->tn_nremote];
		cs->cs_nlts = cs->cs_nrts = 1;
		cs->cs_pair = pair;
		t->t_pair[pair] = PAIR_PENDING;
	}
	cs->cs_dh = dh;
	if (child_sa_offer_new(cs) == NULL ||
	    proposal_child_build(&c->tn_ipsec, cs->cs_spi_in, dh,
	    cs->cs_offer) == -1) {
		child_sa_uninstall(cs, sa->sa_b.b_ctx->ctx_kernel, NULL);
		child_sa_free(cs);
		return (NULL);
	}
	ikev2_child_ts(cs, 1, tsi, tsr);
	TAILQ_INSERT_TAIL(&sa->sa_b.b_children, cs, cs_entry);
	return (cs);
}

/* First DH transform of the first proposal, for logs. */
static int
ikev2_child_offered_dh(const struct prop_offer *sa)
{
	int	i;

	if (sa->sa_nprop < 1)
		return (0);
	for (i = 0; i < sa->sa_prop[0].prop_ntr; i++)
		if (sa->sa_prop[0].prop_tr[i].tr_type == IKEV2_XF_DH)
			return (sa->sa_prop[0].prop_tr[i].tr_id);
	return (0);
}

/* Logs received vs configured proposals side by side. */
static void
ikev2_child_no_proposal(struct ike_sa *sa, const struct prop_offer *rx, int dh)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	const struct cfg_ipsec	*ips = &t->t_cfg->tn_ipsec;
	struct proposal_choice	 pc;
	struct prop_offer		*ours;
	char			 r[256], o[256];

	if ((ours = calloc(1, sizeof(*ours))) == NULL)
		return;
	proposal_describe(rx, r, sizeof(r));
	if (proposal_child_build(ips, 0, dh < 0 ? 0 :
	    ikev2_child_offer_dh(ips), ours) == 0)
		proposal_describe(ours, o, sizeof(o));
	else
		snprintf(o, sizeof(o), "?");
	free(ours);
	if ((ours = calloc(1, sizeof(*ours))) != NULL &&
	    proposal_child_build(ips, 0, dh < 0 ? 0 :
	    ikev2_child_offer_dh(ips), ours) == 0)
		ike_diag_props(t, ours, rx);
	free(ours);
	ike_diag_note(t, dh >= 0 && proposal_child_select(ips, -1, rx,
	    &pc) == 0 ? DIAG_PFS : DIAG_CHILD_PROPOSAL, 2, NULL);
	if (dh >= 0 && proposal_child_select(ips, -1, rx, &pc) == 0)
		snprintf(t->t_last_error, sizeof(t->t_last_error),
		    "PFS group mismatch: peer proposed %s, configured %s",
		    crypto_dh_name(ikev2_child_offered_dh(rx)),
		    ips->ips_pfs ? crypto_dh_name(ips->ips_pfs) : "none");
	else
		snprintf(t->t_last_error, sizeof(t->t_last_error),
		    "no acceptable CHILD SA proposal");
	log_tinfo(ike_tunnel_name(t), "%s: received %s; configured %s",
	    t->t_last_error, r, o);
}

static void
ikev2_child_ts_mismatch(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	char			 a[24], b[24], l[24], r[24];
	struct cfg_prefix	 p[4];

	snprintf(a, sizeof(a), "?");
	snprintf(b, sizeof(b), "?");
	if (m->m_tsi.tsl_n > 0 && ts_to_prefixes(&m->m_tsi.tsl_ts[0], p,
	    4) > 0)
		cfg_prefix_str(&p[0], a, sizeof(a));
	if (m->m_tsr.tsl_n > 0 && ts_to_prefixes(&m->m_tsr.tsl_ts[0], p,
	    4) > 0)
		cfg_prefix_str(&p[0], b, sizeof(b));
	cfg_prefix_str(&t->t_cfg->tn_remote[0], r, sizeof(r));
	cfg_prefix_str(&t->t_cfg->tn_local[0], l, sizeof(l));
	ike_diag_note(t, DIAG_SEGMENTS, 2, NULL);
	ike_diag_ts(t, &m->m_tsr, &m->m_tsi);	/* their TSi: our remote */
	ike_tunnel_error(t, "traffic selectors unacceptable: peer proposed "
	    "%s%s === %s%s, configured %s%s === %s%s", a, m->m_tsi.tsl_n > 1 ? ",..." : "", b,
	    m->m_tsr.tsl_n > 1 ? ",..." : "", r,
	    t->t_cfg->tn_nremote > 1 ? ",..." : "", l,
	    t->t_cfg->tn_nlocal > 1 ? ",..." : "");
	log_tinfo(ike_tunnel_name(t), "%s", t->t_last_error);
}

/* A live CHILD SA of sa's tunnel (any of its IKE SAs) with cs's
 * selectors, or NULL. */
static const struct child_sa *
ikev2_child_sibling(struct ike_sa *sa, const struct child_sa *cs)
{
	struct ike_sa		*o;
	const struct child_sa	*x;

	if (sa->sa_b.b_tunnel == NULL)
		return (NULL);
	IKEV2_TUNNEL_SA_FOREACH(o, sa->sa_b.b_tunnel) {
		if (o->sa_state == IKE_SA_DEAD)
			continue;
		TAILQ_FOREACH(x, &o->sa_b.b_children, cs_entry)
			if (x != cs && x->cs_policies &&
			    (x->cs_state == CHILD_SA_INSTALLED ||
			    x->cs_state == CHILD_SA_REKEYED) &&
			    child_sa_same_ts(x, cs))
				return (x);
	}
	return (NULL);
}

/*
 * Derives, installs and logs a negotiated CHILD SA.  0 or -1.  A new pair
 * (rekey 0) for the selectors of a live one (both sides created one at
 * once, or a re-authentication's) takes its reqid.
 */
static int
ikev2_child_install(struct ike_sa *sa, struct child_sa *cs,
    const struct buf *gir, const struct buf *ni, const struct buf *nr,
    int we_init, int rekey)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	char		 algs[64], l[24], r[24];

	if (!rekey)
		child_sa_reqid_join(cs, ikev2_child_sibling(sa, cs));
	if (child_sa_keys_derive(cs, sa->sa_prop.pc_prf, sa->sa_keys.k_d,
	    sa->sa_keys.k_d_len, gir, ni, nr, we_init) == -1 ||
	    child_sa_install(cs, ctx->ctx_kernel,
	    &sa->sa_b.b_children) == -1)
		return (-1);
	/* the standby's copy, while the keys are still here */
	ike_ha_child_sa(&sa->sa_b, cs);
	child_sa_keys_done(cs, ctx->ctx_cfg);
	child_sa_algs(cs, algs, sizeof(algs));
	cfg_prefix_str(&cs->cs_lts[0], l, sizeof(l));
	cfg_prefix_str(&cs->cs_rts[0], r, sizeof(r));
	log_tinfo(cs->cs_name, "CHILD SA %s%s === %s%s established, SPIs "
	    "%08x_i %08x_o, %s", l, cs->cs_nlts > 1 ? ",..." : "", r,
	    cs->cs_nrts > 1 ? ",..." : "", ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out), algs);
	ikev2_child_timer_set(sa, cs);
	return (0);
}

struct child_sa *
ikev2_child_respond(struct ike_sa *sa, const struct ikev2_msg *m, int dh,
    const struct child_sa *old, const struct buf *gir, const struct buf *ni,
    const struct buf *nr, struct prop_offer *answer, uint16_t *notify)
{
	struct cfg_tunnel	*c = sa->sa_b.b_tunnel->t_cfg;
	struct proposal_choice	 pc;
	struct child_sa		*cs;

	*notify = IKEV2_N_NO_PROPOSAL_CHOSEN;
	if (proposal_child_select(&c->tn_ipsec, dh, &m->m_sa, &pc) == -1) {
		ikev2_child_no_proposal(sa, &m->m_sa, dh);
		return (NULL);
	}
	if (pc.pc_spi_len != 4)
		return (NULL);
	if ((cs = ikev2_child_alloc(sa, old)) == NULL)
		return (NULL);
	cs->cs_choice = pc;
	cs->cs_dh = pc.pc_dh;
	memcpy(&cs->cs_spi_out, pc.pc_spi, 4);
	/*
	 * Rekey (§2.8): the peer installs its inbound SA only when our
	 * answer reaches it.  Our outbound one waits for its DELETE of old
	 * (ike_sa_child_remove): a lost answer must not black-hole our
	 * traffic until its retransmission.
	 */
	cs->cs_out_deferred = old != NULL;
	/* §2.9: narrow to our configuration */
	if (ts_narrow(c, &m->m_tsi, &m->m_tsr, cs->cs_rts, &cs->cs_nrts,
	    cs->cs_lts, &cs->cs_nlts) == -1) {
		ikev2_child_ts_mismatch(sa, m);
		*notify = IKEV2_N_TS_UNACCEPTABLE;
		goto fail;
	}
	if (ikev2_child_install(sa, cs, gir, ni, nr, 0, old != NULL) == -1 ||
	    proposal_child_answer(&c->tn_ipsec, cs->cs_spi_in, cs->cs_dh,
	    &pc, answer) == -1) {
		snprintf(sa->sa_b.b_tunnel->t_last_error,
		    sizeof(sa->sa_b.b_tunnel->t_last_error),
		    "cannot install the CHILD SA");
		*notify = IKEV2_N_TEMPORARY_FAILURE;
		goto fail;
	}
	answer->sa_prop[0].prop_num = pc.pc_num;
	TAILQ_INSERT_TAIL(&sa->sa_b.b_children, cs, cs_entry);
	return (cs);
fail:
	ike_ha_child_delete(&sa->sa_b, cs);
	child_sa_uninstall(cs, sa->sa_b.b_ctx->ctx_kernel, NULL);
	child_sa_free(cs);
	return (NULL);
}

/* What the peer's refusal of our CHILD SA says (gatewayctl doctor). */
static void
ikev2_child_refused_diag(struct ike_tunnel *t, const struct child_sa *cs,
    uint16_t type)
{
	enum diag_cause	 c = DIAG_OTHER;

	if (type == IKEV2_N_TS_UNACCEPTABLE)
		c = DIAG_SEGMENTS;
	else if (type == IKEV2_N_INVALID_KE_PAYLOAD)
		c = DIAG_PFS;
	else if (type == IKEV2_N_NO_PROPOSAL_CHOSEN)
		c = DIAG_CHILD_PROPOSAL;
	ike_diag_note(t, c, 2, ikev2_notify_name(type));
	ike_diag_props(t, cs->cs_offer, NULL);
	ike_diag_ts(t, NULL, NULL);
}

/* An error notify in the answer to our CHILD SA request. */
static int
ikev2_child_refused(struct ike_sa *sa, struct child_sa *cs,
    const struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	char			 ours[256];
	int			 i;

	for (i = 0; i < m->m_nnotify; i++) {
		if (m->m_notify[i].n_type > IKEV2_N_ERROR_MAX)
			continue;
		if (cs->cs_offer != NULL)
			proposal_describe(cs->cs_offer, ours, sizeof(ours));
		else
			snprintf(ours, sizeof(ours), "(none)");
		ikev2_child_refused_diag(t, cs, m->m_notify[i].n_type);
		snprintf(t->t_last_error, sizeof(t->t_last_error),
		    "peer refused the CHILD SA: %s",
		    ikev2_notify_name(m->m_notify[i].n_type));
		log_tinfo(ike_tunnel_name(t), "%s (we proposed %s)",
		    t->t_last_error, ours);
		return (1);
	}
	return (0);
}

int
ikev2_child_complete(struct ike_sa *sa, struct child_sa *cs,
    const struct ikev2_msg *m, const struct buf *gir, const struct buf *ni,
    const struct buf *nr)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct cfg_prefix	 l[CFG_MAX_SEGMENTS], r[CFG_MAX_SEGMENTS];
	int			 nl, nr_;

	if (ikev2_child_refused(sa, cs, m))
		goto fail;
	snprintf(t->t_last_error, sizeof(t->t_last_error),
	    "invalid CHILD SA answer");
	if (m->m_count[IKEV2_PLD_SA] != 1 || m->m_count[IKEV2_PLD_TSI] != 1 ||
	    m->m_count[IKEV2_PLD_TSR] != 1 ||
	    cs->cs_offer == NULL ||
	    proposal_check_answer(cs->cs_offer, &m->m_sa,
	    &cs->cs_choice) == -1 || cs->cs_choice.pc_spi_len != 4)
		goto fail;
	/* §2.9: the answer must lie within what we proposed */
	if (ts_check_answer(cs->cs_lts, cs->cs_nlts, &m->m_tsi, l, &nl) == -1 ||
	    ts_check_answer(cs->cs_rts, cs->cs_nrts, &m->m_tsr, r,
	    &nr_) == -1) {
		snprintf(t->t_last_error, sizeof(t->t_last_error),
		    "the peer answered traffic selectors we did not propose");
		goto fail;
	}
	/*
	 * A narrowed child-sa single CHILD SA: the pairs its answer leaves
	 * out are set up one by one (PAIR_NONE: ike_sa_queue_run).
	 */
	if (cs->cs_rekey_spi == 0)
		ikev2_child_pairs_set(t, cs, PAIR_NONE);
	memcpy(cs->cs_lts, l, sizeof(l));
	memcpy(cs->cs_rts, r, sizeof(r));
	cs->cs_nlts = nl;
	cs->cs_nrts = nr_;
	memcpy(&cs->cs_spi_out, cs->cs_choice.pc_spi, 4);
	cs->cs_dh = cs->cs_choice.pc_dh;
	/* we number our proposals 1..n in the order of our suites */
	cs->cs_choice.pc_suite = cs->cs_choice.pc_num - 1;
	if (ikev2_child_install(sa, cs, gir, ni, nr, 1,
	    cs->cs_rekey_spi != 0) == -1)
		goto fail;
	ikev2_child_pairs_set(t, cs, PAIR_UP);
	t->t_last_error[0] = '\0';
	return (0);
fail:
	log_tinfo(ike_tunnel_name(t), "CHILD SA failed: %s", t->t_last_error);
	if (cs->cs_rekey_spi == 0)
		ikev2_child_pairs_set(t, cs, PAIR_FAILED);
	/* the IKE_AUTH one: retried with the IKE SA */
	if (cs->cs_pair == 0 && cs->cs_rekey_spi == 0 &&
	    sa->sa_req_kind == IKE_REQ_AUTH)
		ikev2_child_pairs_set(t, cs, PAIR_NONE);
	ike_sa_child_remove(sa, cs);
	return (-1);
}

/*
 * Initiator: CREATE_CHILD_SA for a segment pair, or to rekey old (an
 * INSTALLED one, with N(REKEY_SA)) or to set up an EXPIRED one's
 * selectors again (no REKEY_SA: its SAs are gone, RFC 7296 §1.3.3).
 */
/*
 * Sends cs's CREATE_CHILD_SA request (again after INVALID_KE_PAYLOAD):
 * a fresh nonce, and a KE of group ke (0: none).  0 or -1.
 */
static int
ikev2_child_send(struct ike_sa *sa, struct child_sa *cs,
    const struct child_sa *old, int ke)
{
	struct ts_list		 tsi, tsr;
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	struct buf		*pub = NULL;
	uint32_t		 spi;
	int			 rc = -1;

	ikev2_child_ts(cs, 1, &tsi, &tsr);
	buf_free(cs->cs_nonce);
	dh_free(cs->cs_kedh);
	cs->cs_kedh = NULL;
	if ((cs->cs_nonce = buf_new(IKEV2_NONCE_LEN)) == NULL ||
	    buf_reserve(cs->cs_nonce, IKEV2_NONCE_LEN) == NULL ||
	    RAND_bytes(cs->cs_nonce->buf_data, IKEV2_NONCE_LEN) != 1 ||
	    (pub = buf_new(512)) == NULL)
		goto out;
	if (ke != 0 && ((cs->cs_kedh = dh_new(ke)) == NULL ||
	    dh_public_get(cs->cs_kedh, pub) == -1))
		goto out;
	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_CREATE_CHILD_SA, 0, 0) == -1)
		goto out;
	w = ike_msg_w(&mo);
	spi = old ? old->cs_spi_in : 0;
	/* §1.3.3: REKEY_SA names the SA by our inbound SPI */
	if ((old != NULL && old->cs_state == CHILD_SA_INSTALLED &&
	    ikev2_add_notify(w, cs->cs_proto == IPPROTO_AH ?
	    IKEV2_PROTO_AH : IKEV2_PROTO_ESP, (const uint8_t *)&spi, 4,
	    IKEV2_N_REKEY_SA, NULL, 0) == -1) ||
	    ikev2_add_sa(w, cs->cs_offer) == -1 ||
	    ikev2_add_nonce(w, cs->cs_nonce->buf_data,
	    cs->cs_nonce->buf_len) == -1 ||
	    (ke != 0 && ikev2_add_ke(w, ke, pub->buf_data, pub->buf_len) == -1) ||
	    ikev2_add_ts(w, IKEV2_PLD_TSI, &tsi) == -1 ||
	    ikev2_add_ts(w, IKEV2_PLD_TSR, &tsr) == -1) {
		ike_msg_abort(&mo);
		goto out;
	}
	rc = ike_msg_send(sa, &mo, old ? IKE_REQ_CHILD_REKEY :
	    IKE_REQ_CHILD_NEW, cs);
out:
	buf_free(pub);
	return (rc);
}

/*
 * child-sa single, no pair set up or under way (the IKE_AUTH one failed,
 * or the CHILD SA went): the next one carries all segments again.
 */
static int
ikev2_child_all_none(const struct ike_sa *sa)
{
	const struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	const struct cfg_tunnel	*c = t->t_cfg;
	int			 p, npair;

	if (!c->tn_child_single)
		return (0);
	npair = c->tn_nlocal * c->tn_nremote;
	for (p = 0; p < npair && p < IKE_PAIR_MAX; p++)
		if (t->t_pair[p] != PAIR_NONE)
			return (0);
	return (1);
}

int
ikev2_child_start(struct ike_sa *sa, int pair, struct child_sa *old)
{
	const struct cfg_ipsec	*ips = &sa->sa_b.b_tunnel->t_cfg->tn_ipsec;
	struct ts_list		 tsi, tsr;
	struct child_sa		*cs;
	int			 ke;

	/*
	 * §1.3: the KE is for the group of the suite we expect: a rekey's
	 * is the suite in force, anything else our first suite's.  Every
	 * suite is offered, each with its own group (INVALID_KE_PAYLOAD
	 * asks for another's).
	 */
	ke = proposal_child_suite_dh(ips, old != NULL ?
	    old->cs_choice.pc_suite : 0);
	if (old == NULL && pair >= 0 && ikev2_child_all_none(sa))
		pair = IKEV2_CHILD_ALL;
	if ((cs = ikev2_child_prepare(sa, pair, ikev2_child_offer_dh(ips),
	    old, &tsi, &tsr)) == NULL)
		return (-1);
	if (ikev2_child_send(sa, cs, old, ke) == -1)
		goto fail;
	if (old != NULL)
		ike_event(sa->sa_b.b_ctx, cs->cs_name, "rekey", "CHILD SA %08x_i "
		    "rekey started", ntohl(old->cs_spi_in));
	return (0);
fail:
	if (old == NULL)
		ikev2_child_pairs_set(sa->sa_b.b_tunnel, cs, PAIR_FAILED);
	ike_sa_child_remove(sa, cs);
	return (-1);
}

/* Byte-wise, then by length: the smaller of two nonces (§2.8.1). */
static const struct buf *
ikev2_child_min_nonce(const struct buf *a, const struct buf *b)
{
	size_t	 n = a->buf_len < b->buf_len ? a->buf_len : b->buf_len;
	int	 c;

	if ((c = memcmp(a->buf_data, b->buf_data, n)) == 0)
		c = a->buf_len < b->buf_len ? -1 : a->buf_len > b->buf_len;
	return (c <= 0 ? a : b);
}

/*
 * Our CREATE_CHILD_SA for old succeeded with cs (nonces cs_nonce, nr):
 * - old EXPIRED: cs sets its selectors up again; old goes (its policies
 *   stay: cs has the same reqid);
 * - old rekeyed by the peer at the same time (§2.8.1): of the two new
 *   SAs, the one made with the lowest of the four nonces is redundant
 *   and its maker deletes it; the maker of the other deletes old;
 * - otherwise (§1.3.3): the new SAs are in, now delete the old ones.
 */
static void
ikev2_child_replaced(struct ike_sa *sa, struct child_sa *old,
    struct child_sa *cs, const struct buf *nr)
{
	const struct buf	*ours = ikev2_child_min_nonce(cs->cs_nonce, nr);
	struct child_sa		*theirs = NULL;

	lifetime_rekeyed(&old->cs_life);
	ike_event(sa->sa_b.b_ctx, cs->cs_name, "rekey", "CHILD SA %08x_i rekey "
	    "done: %08x_i %08x_o", ntohl(old->cs_spi_in),
	    ntohl(cs->cs_spi_in), ntohl(cs->cs_spi_out));
	if (old->cs_state == CHILD_SA_EXPIRED) {
		log_tinfo(cs->cs_name, "expired CHILD SA %08x_i set up again "
		    "as %08x_i", ntohl(old->cs_spi_in), ntohl(cs->cs_spi_in));
		ike_sa_child_remove(sa, old);
		return;
	}
	if (old->cs_state == CHILD_SA_REKEYED && old->cs_peer_rekey_spi != 0)
		theirs = ike_sa_child_by_spi(sa, old->cs_peer_rekey_spi, 1);
	if (theirs != NULL && theirs->cs_state == CHILD_SA_INSTALLED &&
	    theirs->cs_min_nonce != NULL) {
		if (ikev2_child_min_nonce(ours, theirs->cs_min_nonce) == ours &&
		    ours != theirs->cs_min_nonce) {
			log_tinfo(cs->cs_name, "simultaneous CHILD SA rekey: "
			    "the peer's %08x_i stays, deleting ours %08x_i",
			    ntohl(theirs->cs_spi_in), ntohl(cs->cs_spi_in));
			/* the peer deletes old */
			child_sa_set_state(cs, CHILD_SA_REKEYED);
			cs->cs_delete_due = 1;
			return;
		}
		log_tinfo(cs->cs_name, "simultaneous CHILD SA rekey: ours "
		    "%08x_i stays, the peer deletes its %08x_i",
		    ntohl(cs->cs_spi_in), ntohl(theirs->cs_spi_in));
	}
	child_sa_set_state(old, CHILD_SA_REKEYED);
	old->cs_delete_due = 1;
}

/*
 * Our rekey completed but the SA it rekeyed is gone: the peer rekeyed it
 * at the same time and, having our answer first, settled the collision
 * and deleted it (§2.8.1) while our answer was lost.  If the peer's new
 * SA for the same selectors is here, the same rule as in
 * ikev2_child_replaced() tells which of the two is redundant.
 */
static void
ikev2_child_orphan_rekey(struct ike_sa *sa, struct child_sa *cs,
    const struct buf *nr)
{
	const struct buf	*ours = ikev2_child_min_nonce(cs->cs_nonce, nr);
	struct child_sa		*o;

	TAILQ_FOREACH(o, &sa->sa_b.b_children, cs_entry)
		if (o != cs && o->cs_state == CHILD_SA_INSTALLED &&
		    o->cs_min_nonce != NULL && child_sa_same_ts(o, cs))
			break;
	if (o == NULL)
		return;
	if (ikev2_child_min_nonce(ours, o->cs_min_nonce) == ours &&
	    ours != o->cs_min_nonce) {
		log_tinfo(cs->cs_name, "simultaneous CHILD SA rekey (the old "
		    "SA is gone already): the peer's %08x_i stays, deleting "
		    "ours %08x_i", ntohl(o->cs_spi_in), ntohl(cs->cs_spi_in));
		child_sa_set_state(cs, CHILD_SA_REKEYED);
		cs->cs_delete_due = 1;
		return;
	}
	log_tinfo(cs->cs_name, "simultaneous CHILD SA rekey (the old SA is "
	    "gone already): ours %08x_i stays, the peer deletes its %08x_i",
	    ntohl(cs->cs_spi_in), ntohl(o->cs_spi_in));
}

/*
 * INVALID_KE_PAYLOAD to our CREATE_CHILD_SA (§1.3): when the group the
 * peer asks for is one of our suites' and not the one we sent, the same
 * request again with a KE of that group (at most IKEV2_CHILD_KE_TRIES
 * times).  1 if sent again, 0 if not for us to retry.
 */
static int
ikev2_child_ke_retry(struct ike_sa *sa, struct child_sa *cs,
    struct child_sa *old, const struct ikev2_msg *m)
{
	const struct ikev2_notify	*n;
	int				 grp;

	if ((n = ikev2_msg_notify(m, IKEV2_N_INVALID_KE_PAYLOAD)) == NULL ||
	    n->n_len != 2)
		return (0);
	grp = n->n_data[0] << 8 | n->n_data[1];
	if (!proposal_child_has_dh(&sa->sa_b.b_tunnel->t_cfg->tn_ipsec,
	    grp) || (cs->cs_kedh != NULL && grp == dh_group(cs->cs_kedh)) ||
	    cs->cs_ke_tries >= IKEV2_CHILD_KE_TRIES ||
	    sa->sa_state != IKE_SA_ESTABLISHED ||
	    (cs->cs_rekey_spi != 0 && old == NULL) || (old != NULL &&
	    old->cs_state != CHILD_SA_INSTALLED &&
	    old->cs_state != CHILD_SA_EXPIRED))
		return (0);
	cs->cs_ke_tries++;
	log_tinfo(ike_tunnel_name(sa->sa_b.b_tunnel), "peer wants a KE of "
	    "group %s for the CHILD SA: retrying", crypto_dh_name(grp));
	return (ikev2_child_send(sa, cs, old, grp) == 0);
}

/* The DH group of the answer's proposal (0: none or no DH transform). */
static int
ikev2_child_answer_dh(const struct ikev2_msg *m)
{
	const struct prop_proposal	*p;
	int				 i;

	if (m->m_sa.sa_nprop != 1)
		return (0);
	p = &m->m_sa.sa_prop[0];
	for (i = 0; i < p->prop_ntr && i < PROP_MAX_TRANSFORMS; i++)
		if (p->prop_tr[i].tr_type == IKEV2_XF_DH)
			return (p->prop_tr[i].tr_id);
	return (0);
}

/* Peer's KE for our PFS CHILD SA: the shared secret, or NULL. */
static struct buf *
ikev2_child_gir(struct dh *dh, const struct ikev2_msg *m)
{
	if (dh == NULL || m->m_count[IKEV2_PLD_KE] != 1 ||
	    m->m_ke_group != dh_group(dh))
		return (NULL);
	return (dh_derive(dh, m->m_ke_data, m->m_ke_len));
}

static int
ikev2_child_has_error(const struct ikev2_msg *m)
{
	int	i;

	for (i = 0; i < m->m_nnotify; i++)
		if (m->m_notify[i].n_type <= IKEV2_N_ERROR_MAX)
			return (1);
	return (0);
}

void
ikev2_child_response(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct child_sa		*cs = sa->sa_req_child, *old = NULL;
	struct buf		*nr = NULL, *gir = NULL;
	int			 temporary, adh;

	if (cs == NULL)
		goto next;
	if (cs->cs_rekey_spi != 0)
		old = ike_sa_child_by_spi(sa, cs->cs_rekey_spi, 1);
	if (ikev2_child_ke_retry(sa, cs, old, m)) {
		ike_tunnel_update(t);
		return;
	}
	if (m->m_nonce != NULL && m->m_nonce_len >= IKEV2_NONCE_MIN &&
	    m->m_nonce_len <= IKEV2_NONCE_MAX)
		nr = buf_new_data(m->m_nonce, m->m_nonce_len);
	/* PFS when the chosen proposal has a DH group (§1.3), which must
	 * be our KE's: a peer choosing another group sends
	 * INVALID_KE_PAYLOAD (ikev2_child_ke_retry) */
	adh = ikev2_child_answer_dh(m);
	if (cs->cs_kedh != NULL && nr != NULL && adh != 0 &&
	    adh == dh_group(cs->cs_kedh))
		gir = ikev2_child_gir(cs->cs_kedh, m);
	temporary = ikev2_msg_notify(m, IKEV2_N_TEMPORARY_FAILURE) != NULL;
	if (!ikev2_child_has_error(m) && (nr == NULL ||
	    (adh != 0 && gir == NULL))) {
		snprintf(t->t_last_error, sizeof(t->t_last_error),
		    "CREATE_CHILD_SA response without a valid nonce or KE");
		log_tinfo(ike_tunnel_name(t), "CHILD SA failed: %s",
		    t->t_last_error);
		if (old == NULL)
			ikev2_child_pairs_set(t, cs, PAIR_FAILED);
		ike_sa_child_remove(sa, cs);
		if (old != NULL)
			ikev2_child_retry(sa, old, 0);
	} else if (ikev2_child_complete(sa, cs, m, gir, cs->cs_nonce,
	    nr) == 0) {
		if (old != NULL)
			ikev2_child_replaced(sa, old, cs, nr);
		else if (cs->cs_rekey_spi != 0)
			ikev2_child_orphan_rekey(sa, cs, nr);
	} else if (old != NULL)
		ikev2_child_retry(sa, old, temporary);
next:
	buf_free(nr);
	buf_free(gir);
	ike_tunnel_update(t);
	ike_sa_next(sa);
}

static int
ikev2_child_reply(struct ike_sa *sa, const struct ikev2_msg *m,
    struct child_sa *cs, const struct prop_offer *ans, const struct buf *nr,
    struct dh *dh, uint16_t notify, const uint8_t *ndata, size_t nlen)
{
	struct ts_list	 tsi, tsr;
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	struct buf		*pub = NULL;

	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_CREATE_CHILD_SA, 1,
	    m->m_hdr.h_msgid) == -1)
		return (-1);
	w = ike_msg_w(&mo);
	if (cs == NULL) {
		if (ikev2_add_notify(w, 0, NULL, 0, notify, ndata, nlen) == -1)
			goto fail;
		return (ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL));
	}
	ikev2_child_ts(cs, 0, &tsi, &tsr);
	if ((pub = buf_new(512)) == NULL ||
	    ikev2_add_sa(w, ans) == -1 ||
	    ikev2_add_nonce(w, nr->buf_data, nr->buf_len) == -1 ||
	    (dh != NULL && (dh_public_get(dh, pub) == -1 ||
	    ikev2_add_ke(w, dh_group(dh), pub->buf_data, pub->buf_len) == -1)) ||
	    ikev2_add_ts(w, IKEV2_PLD_TSI, &tsi) == -1 ||
	    ikev2_add_ts(w, IKEV2_PLD_TSR, &tsr) == -1)
		goto fail;
	buf_free(pub);
	return (ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL));
fail:
	buf_free(pub);
	ike_msg_abort(&mo);
	return (-1);
}

/* Responder checks before any state: what to refuse and with what. */
static uint16_t
ikev2_child_precheck(struct ike_sa *sa, const struct ikev2_msg *m,
    struct child_sa **old, uint8_t grp[2], int *pfs_out)
{
	const struct ikev2_notify	*n;
	struct proposal_choice		 pc;
	const struct cfg_ipsec		*ips = &sa->sa_b.b_tunnel->t_cfg->tn_ipsec;
	int				 pfs;
	uint32_t			 spi;

	*old = NULL;
	*pfs_out = 0;
	if ((n = ikev2_msg_notify(m, IKEV2_N_REKEY_SA)) != NULL) {
		if (n->n_spi_len != 4)
			return (IKEV2_N_INVALID_SYNTAX);
		memcpy(&spi, n->n_spi, 4);
		if ((*old = ike_sa_child_by_spi(sa, spi, 0)) == NULL)
			return (IKEV2_N_CHILD_SA_NOT_FOUND);
		/* §2.25.1: being deleted, already rekeyed or expired */
		if ((*old)->cs_state != CHILD_SA_INSTALLED) {
			log_tdebug(ike_sa_name(sa), "rekey of CHILD SA %08x_i "
			    "in state %s: TEMPORARY_FAILURE",
			    ntohl((*old)->cs_spi_in),
			    child_sa_state_name((*old)->cs_state));
			*old = NULL;
			return (IKEV2_N_TEMPORARY_FAILURE);
		}
		if (sa->sa_b.b_ctx->ctx_test_refuse_n > 0) {	/* test hook */
			sa->sa_b.b_ctx->ctx_test_refuse_n--;
			*old = NULL;
			return (sa->sa_b.b_ctx->ctx_test_refuse_notify);
		}
	}
	if (m->m_nonce == NULL || m->m_nonce_len < IKEV2_NONCE_MIN ||
	    m->m_nonce_len > IKEV2_NONCE_MAX)
		return (IKEV2_N_INVALID_SYNTAX);
	if (proposal_child_select(ips, ikev2_child_select_dh(ips), &m->m_sa,
	    &pc) == -1)
		return (IKEV2_N_NO_PROPOSAL_CHOSEN);
	/* §1.3: the KE must be of the selected suite's group (a suite
	 * without one: no PFS, a KE sent is not used) */
	*pfs_out = pfs = pc.pc_dh;
	if (pfs != 0 && (m->m_count[IKEV2_PLD_KE] != 1 ||
	    m->m_ke_group != pfs)) {
		grp[0] = pfs >> 8;
		grp[1] = pfs & 0xff;
		return (IKEV2_N_INVALID_KE_PAYLOAD);
	}
	return (0);
}

void
ikev2_child_request(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	int			 pfs = 0;
	struct child_sa		*old, *cs = NULL;
	struct buf		*ni = NULL, *nr = NULL, *gir = NULL;
	struct prop_offer		*ans = NULL;
	struct dh		*dh = NULL;
	uint16_t		 notify;
	uint8_t			 grp[2];

	/* §2.25: this IKE SA is going away; the peer retries on the new one */
	if (sa->sa_state != IKE_SA_ESTABLISHED) {
		ikev2_child_reply(sa, m, NULL, NULL, NULL, NULL,
		    IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if ((notify = ikev2_child_precheck(sa, m, &old, grp, &pfs)) != 0) {
		if (notify == IKEV2_N_NO_PROPOSAL_CHOSEN)
			ikev2_child_no_proposal(sa, &m->m_sa, 0);
		ikev2_child_reply(sa, m, NULL, NULL, NULL, NULL, notify, grp,
		    notify == IKEV2_N_INVALID_KE_PAYLOAD ? 2 : 0);
		goto done;
	}
	if ((ans = calloc(1, sizeof(*ans))) == NULL ||
	    (ni = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL ||
	    (nr = buf_new(IKEV2_NONCE_LEN)) == NULL ||
	    buf_reserve(nr, IKEV2_NONCE_LEN) == NULL ||
	    RAND_bytes(nr->buf_data, IKEV2_NONCE_LEN) != 1)
		goto done;
	if (pfs != 0 && ((dh = dh_new(pfs)) == NULL ||
	    (gir = ikev2_child_gir(dh, m)) == NULL)) {
		ikev2_child_reply(sa, m, NULL, NULL, NULL, NULL,
		    IKEV2_N_INVALID_SYNTAX, NULL, 0);
		goto done;
	}
	cs = ikev2_child_respond(sa, m, ikev2_child_select_dh(&t->t_cfg->tn_ipsec),
	    old, gir, ni, nr, ans, &notify);
	ikev2_child_reply(sa, m, cs, ans, nr, dh, notify, NULL, 0);
	if (cs != NULL && old != NULL) {
		cs->cs_pair = old->cs_pair;
		cs->cs_single = old->cs_single;
		/*
		 * §1.3.3: the old SAs stay until the peer deletes them.
		 * §2.8.1: if our own rekey of old is out, the answer to it
		 * decides which new SA stays: keep this exchange's nonce.
		 */
		cs->cs_min_nonce = buf_new_data(ikev2_child_min_nonce(ni,
		    nr)->buf_data, ikev2_child_min_nonce(ni, nr)->buf_len);
		old->cs_peer_rekey_spi = cs->cs_spi_in;
		child_sa_set_state(old, CHILD_SA_REKEYED);
		ike_event(sa->sa_b.b_ctx, cs->cs_name, "rekey", "CHILD SA "
		    "%08x_i rekeyed by the peer: %08x_i", ntohl(old->cs_spi_in),
		    ntohl(cs->cs_spi_in));
	}
done:
	free(ans);
	buf_free(ni);
	buf_free(nr);
	buf_free(gir);
	dh_free(dh);
	ike_tunnel_update(t);
	ike_sa_next(sa);
}

/* Rekey time, or the next try of a failed rekey or re-creation. */
static void
ikev2_child_rekey_due(struct child_sa *cs)
{
	struct ike_sa	*sa = cs->cs_owner;

	switch (cs->cs_state) {
	case CHILD_SA_INSTALLED:
		if (cs->cs_life.lt_tries == 0)
			log_tinfo(cs->cs_name, "CHILD SA %08x_i: rekeying",
			    ntohl(cs->cs_spi_in));
		cs->cs_rekey_due = 1;
		break;
	case CHILD_SA_EXPIRED:
		cs->cs_recreate_due = 1;
		break;
	default:
		return;
	}
	ike_sa_next(sa);
}

static void
ikev2_child_expire_due(struct child_sa *cs)
{
	ikev2_child_expired(cs->cs_owner, cs, 0);
}

static const struct child_sa_timers ikev2_child_timers = {
	ikev2_child_rekey_due, ikev2_child_expire_due
};

/*
 * Rekey at 85-90% of the lifetime, at random: two peers with the same
 * lifetime rarely rekey at once (§2.8.1), and SAs made together are not
 * all rekeyed at once.  Either side may rekey; collisions are settled by
 * ikev2_child_replaced().  The hard expiry is our safety net behind the
 * kernel's own (XFRM_MSG_EXPIRE).  Volume lifetimes have no timer: the
 * kernel's soft expiry starts their rekey (ikev2_child_soft_expired).
 */
void
ikev2_child_timer_set(struct ike_sa *sa, struct child_sa *cs)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	unsigned	 pct = ctx->ctx_rekey_percent;
	uint64_t	 life_ms;

	if (cs->cs_lifetime == 0)
		return;
	life_ms = ikev2_life_ms(ctx, cs->cs_lifetime);
	if (child_sa_life_start(cs, ctx->ctx_base, ike_now_ms(), life_ms,
	    pct > IKEV2_CHILD_JITTER ? pct - IKEV2_CHILD_JITTER : 0, pct,
	    lifetime_margin(life_ms, ctx->ctx_retx_ms),
	    &ikev2_child_timers) == -1)
		log_twarn(cs->cs_name, "CHILD SA %08x_i: no rekey timer",
		    ntohl(cs->cs_spi_in));
}

int
ikev2_child_adopt(struct ike_sa *sa, struct child_sa *cs, uint64_t life_ms)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	unsigned	 pct = ctx->ctx_rekey_percent;

	TAILQ_INSERT_TAIL(&sa->sa_b.b_children, cs, cs_entry);
	if (child_sa_install(cs, ctx->ctx_kernel, &sa->sa_b.b_children) == -1) {
		TAILQ_REMOVE(&sa->sa_b.b_children, cs, cs_entry);
		return (-1);
	}
	/* a node that becomes standby again gets it back */
	ike_ha_child_sa(&sa->sa_b, cs);
	child_sa_keys_done(cs, ctx->ctx_cfg);
	log_tinfo(cs->cs_name, "CHILD SA %08x_i %08x_o taken over, outbound "
	    "sequence numbers from %llu", ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out), (unsigned long long)cs->cs_oseq + 1);
	if (life_ms != 0 && child_sa_life_start(cs, ctx->ctx_base,
	    ike_now_ms(), life_ms, pct > IKEV2_CHILD_JITTER ? pct -
	    IKEV2_CHILD_JITTER : 0, pct, lifetime_margin(life_ms,
	    ctx->ctx_retx_ms), &ikev2_child_timers) == -1)
		log_twarn(cs->cs_name, "CHILD SA %08x_i: no rekey timer",
		    ntohl(cs->cs_spi_in));
	return (0);
}

void
ikev2_child_timer_clear(struct child_sa *cs)
{
	child_sa_life_free(cs);
}

void
ikev2_child_retry(struct ike_sa *sa, struct child_sa *cs, int temporary)
{
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	uint64_t	 base = ctx->ctx_rekey_retry_ms, ms;

	if (cs->cs_timer == NULL)
		return;
	/* §2.25: TEMPORARY_FAILURE is a "try again soon" */
	if (temporary)
		base /= 2;
	if (cs->cs_state == CHILD_SA_EXPIRED) {
		/* nothing left to lose: keep trying, at most every
		 * ctx_retry_slow_ms (the product's 12 s) */
		ms = lifetime_backoff(cs->cs_life.lt_tries++, base,
		    ctx->ctx_retry_slow_ms);
		log_tinfo(cs->cs_name, "setting up the expired CHILD SA "
		    "again: try %d in %llu ms", cs->cs_life.lt_tries + 1,
		    (unsigned long long)ms);
	} else if (cs->cs_state == CHILD_SA_INSTALLED) {
		ms = lifetime_retry_in(&cs->cs_life, ike_now_ms(), base,
		    ctx->ctx_rekey_retry_max_ms);
		if (ms == 0) {
			ike_event(ctx, cs->cs_name, "rekey", "CHILD SA "
			    "%08x_i rekey failed %d times, no time left before "
			    "its expiry", ntohl(cs->cs_spi_in),
			    cs->cs_life.lt_tries);
			return;
		}
		ike_event(ctx, cs->cs_name, "rekey", "CHILD SA %08x_i rekey "
		    "failed, try %d in %llu ms", ntohl(cs->cs_spi_in),
		    cs->cs_life.lt_tries + 1, (unsigned long long)ms);
	} else
		return;
	child_sa_life_rekey_in(cs, ms);
}

void
ikev2_child_expired(struct ike_sa *sa, struct child_sa *cs,
    uint32_t kernel_gone)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;

	switch (cs->cs_state) {
	case CHILD_SA_INSTALLED:
		break;
	case CHILD_SA_REKEYED:
	case CHILD_SA_DELETING:
		/* replaced already: its successor carries the traffic */
		log_tdebug(cs->cs_name, "replaced CHILD SA %08x_i expired",
		    ntohl(cs->cs_spi_in));
		if (kernel_gone == cs->cs_spi_in)
			cs->cs_sa_in = 0;
		if (kernel_gone == cs->cs_spi_out)
			cs->cs_sa_out = 0;
		if (cs->cs_state == CHILD_SA_REKEYED)
			ike_sa_child_remove(sa, cs);
		return;
	default:
		return;
	}
	log_twarn(cs->cs_name, "CHILD SA %08x_i %08x_o expired without a "
	    "successor (rekey tries: %d): setting it up again",
	    ntohl(cs->cs_spi_in), ntohl(cs->cs_spi_out),
	    cs->cs_life.lt_tries);
	if (t != NULL)
		ike_tunnel_error(t, "CHILD SA expired: rekeying failed");
	child_sa_sas_remove(cs, sa->sa_b.b_ctx->ctx_kernel, kernel_gone);
	ike_ha_child_delete(&sa->sa_b, cs);
	child_sa_set_state(cs, CHILD_SA_EXPIRED);
	child_sa_life_stop(cs);
	cs->cs_life.lt_tries = 0;
	cs->cs_rekey_due = 0;
	/* tell the peer (its copy may live on), then negotiate again */
	cs->cs_delete_due = sa->sa_state == IKE_SA_ESTABLISHED;
	cs->cs_recreate_due = 1;
	if (t != NULL)
		ike_tunnel_update(t);
	ike_sa_next(sa);
}

void
ikev2_child_soft_expired(struct ike_sa *sa, struct child_sa *cs, int volume)
{
	if (cs->cs_state != CHILD_SA_INSTALLED || cs->cs_rekey_due ||
	    (sa->sa_req_child != NULL &&
	    sa->sa_req_child->cs_rekey_spi == cs->cs_spi_in))
		return;
	log_tinfo(cs->cs_name, "CHILD SA %08x_i: soft %s lifetime reached "
	    "(kernel): rekeying", ntohl(cs->cs_spi_in), volume ?
	    "volume (bytes or packets)" : "time");
	cs->cs_rekey_due = 1;
	ike_sa_next(sa);
}
