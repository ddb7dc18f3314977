/*
 * ikev2_init.c - the IKE_SA_INIT exchange (RFC 7296 §1.2, §2.6, §2.14,
 * §2.23): proposals, Diffie-Hellman, nonces, cookies, NAT detection and
 * the IKE SA keys.
 *
 *   HDR, SA, KE, Ni, N(NATD_S), N(NATD_D)  -->
 *                                  <--  HDR, SA, KE, Nr, N(NATD_S), N(NATD_D)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/ike_sa.h"
#include "policy/proposal.h"

#define IKE_NATT_PORT		4500
#define IKEV2_COOKIE_MAX	64	/* §2.6: 1..64 bytes */
#define IKEV2_COOKIE_TRIES	3
#define IKEV2_MAX_CANDIDATES	CFG_MAX_TUNNELS
#define IKEV2_KE_TRIES		2	/* INVALID_KE_PAYLOAD retries */
#define IKEV2_COOKIE_LEN	32	/* HMAC-SHA2-256 */

/* §2.23: SHA-1(SPIi | SPIr | IP address | port) */
void
ikev2_natd_hash(const uint8_t spii[8], const uint8_t spir[8],
    struct in_addr addr, uint16_t port, uint8_t out[20])
{
	uint8_t		 data[8 + 8 + 4 + 2];
	unsigned int	 olen = 20;

	memcpy(data, spii, 8);
	memcpy(data + 8, spir, 8);
	memcpy(data + 16, &addr, 4);
	memcpy(data + 20, &port, 2);
	if (EVP_Digest(data, sizeof(data), out, &olen, EVP_sha1(), NULL) != 1)
		memset(out, 0, 20);
}

static int
ikev2_init_add_natd(struct ike_sa *sa, struct pld_writer *w)
{
	uint8_t	 h[20];

	ikev2_natd_hash(sa->sa_b.b_spi_i, sa->sa_b.b_spi_r, sa->sa_b.b_local.sin_addr,
	    sa->sa_b.b_local.sin_port, h);
	if (ikev2_add_notify(w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    h, sizeof(h)) == -1)
		return (-1);
	ikev2_natd_hash(sa->sa_b.b_spi_i, sa->sa_b.b_spi_r, sa->sa_b.b_remote.sin_addr,
	    sa->sa_b.b_remote.sin_port, h);
	return (ikev2_add_notify(w, 0, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h)));
}

/* 1 if one of the notifies of type carries the hash of addr/port. */
static int
ikev2_init_natd_match(const struct ikev2_msg *m, uint16_t type,
    struct in_addr addr, uint16_t port)
{
	uint8_t	 h[20];
	int	 i;

	ikev2_natd_hash(m->m_hdr.h_spi_i, m->m_hdr.h_spi_r, addr, port, h);
	for (i = 0; i < m->m_nnotify; i++)
		if (m->m_notify[i].n_type == type &&
		    m->m_notify[i].n_len == sizeof(h) &&
		    CRYPTO_memcmp(m->m_notify[i].n_data, h, sizeof(h)) == 0)
			return (1);
	return (0);
}

/* §2.23: a NAT between us when a received hash does not match. */
static void
ikev2_init_natd_check(struct ike_sa *sa, const struct ikev2_msg *m)
{
	int	 them, us;

	if (ikev2_msg_notify(m, IKEV2_N_NAT_DETECTION_SOURCE_IP) == NULL ||
	    ikev2_msg_notify(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP) == NULL)
		return;
	them = !ikev2_init_natd_match(m, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    sa->sa_b.b_remote.sin_addr, sa->sa_b.b_remote.sin_port);
	us = !ikev2_init_natd_match(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP,
	    sa->sa_b.b_local.sin_addr, sa->sa_b.b_local.sin_port);
	sa->sa_b.b_nat = them || us;
	sa->sa_b.b_nat_local = us;
	/* IKE_SA_INIT is never authenticated: rate-limited */
	if (sa->sa_b.b_nat)
		ike_rl_log(sa->sa_b.b_ctx, IKE_RL_V2_NAT,
		    sa->sa_b.b_remote.sin_addr, ike_sa_name(sa), "NAT detected "
		    "(%s): ESP in UDP", us ? "in front of us" :
		    "in front of the peer");
}

/*
 * SKEYSEED = prf(Ni | Nr, g^ir)
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)                (§2.14)
 */
static int
ikev2_init_keys(struct ike_sa *sa, const uint8_t *peer_ke, size_t ke_len)
{
	const struct proposal_choice *p = &sa->sa_prop;
	uint8_t		 skeyseed[CRYPTO_MAX_HASH];
	struct buf	*gir;
	int		 rc = -1;

	if ((gir = dh_derive(sa->sa_dh, peer_ke, ke_len)) == NULL) {
		ike_rl_log(sa->sa_b.b_ctx, IKE_RL_V2_BAD_KE,
		    sa->sa_b.b_remote.sin_addr, ike_sa_name(sa), "invalid KE "
		    "payload from the peer");
		return (-1);
	}
	if (ikev2_skeyseed(p->pc_prf, sa->sa_ni->buf_data, sa->sa_ni->buf_len,
	    sa->sa_nr->buf_data, sa->sa_nr->buf_len, gir->buf_data,
	    gir->buf_len, skeyseed) == -1)
		goto done;
	if (ikev2_keys_derive(p->pc_prf, p->pc_integ, p->pc_encr,
	    p->pc_encr_bits, skeyseed, sa->sa_ni->buf_data, sa->sa_ni->buf_len,
	    sa->sa_nr->buf_data, sa->sa_nr->buf_len, sa->sa_b.b_spi_i,
	    sa->sa_b.b_spi_r, &sa->sa_keys) == -1)
		goto done;
	sa->sa_keys_ok = 1;
	ike_sa_keylog(sa);
	rc = 0;
done:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	buf_free(gir);
	return (rc);
}

struct buf *
ikev2_init_nonce(void)
{
	struct buf	*b;
	uint8_t		*p;

	if ((b = buf_new(IKEV2_NONCE_LEN)) == NULL)
		return (NULL);
	if ((p = buf_reserve(b, IKEV2_NONCE_LEN)) == NULL ||
	    RAND_bytes(p, IKEV2_NONCE_LEN) != 1) {
		buf_free(b);
		return (NULL);
	}
	return (b);
}

int
ikev2_init_add_ke(struct ike_sa *sa, struct pld_writer *w)
{
	struct buf	*pub;
	int		 rc = -1;

	if ((pub = buf_new(512)) == NULL)
		return (-1);
	if (dh_public_get(sa->sa_dh, pub) == 0)
		rc = ikev2_add_ke(w, dh_group(sa->sa_dh), pub->buf_data,
		    pub->buf_len);
	buf_free(pub);
	return (rc);
}

/* Initiator: sends (or resends with a cookie) the IKE_SA_INIT request. */
int
ikev2_init_start(struct ike_sa *sa)
{
	const struct cfg_ike	*ike = &sa->sa_b.b_tunnel->t_cfg->tn_ike;
	struct ike_msg_out	 mo;
	struct pld_writer	*w;
	int			 grp = ike->ike_dh;

	/* test hook: a first KE the responder must refuse (§1.2) */
	if (sa->sa_ke_tries == 0 && sa->sa_b.b_ctx->ctx_test_ke_group != 0)
		grp = sa->sa_b.b_ctx->ctx_test_ke_group;
	if (sa->sa_dh == NULL && (sa->sa_dh = dh_new(grp)) == NULL)
		return (-1);
	if (sa->sa_ni == NULL && (sa->sa_ni = ikev2_init_nonce()) == NULL)
		return (-1);
	if (ike_sa_offer_get(sa) == NULL ||
	    proposal_ike_build(ike, NULL, 0, sa->sa_offer) == -1)
		return (-1);
	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_IKE_SA_INIT, 0, 0) == -1)
		return (-1);
	w = ike_msg_w(&mo);
	/* §2.6: the cookie notify comes first */
	if ((sa->sa_cookie != NULL && ikev2_add_notify(w, 0, NULL, 0,
	    IKEV2_N_COOKIE, sa->sa_cookie->buf_data,
	    sa->sa_cookie->buf_len) == -1) ||
	    ikev2_add_sa(w, sa->sa_offer) == -1 ||
	    ikev2_init_add_ke(sa, w) == -1 ||
	    ikev2_add_nonce(w, sa->sa_ni->buf_data, sa->sa_ni->buf_len) == -1 ||
	    ikev2_init_add_natd(sa, w) == -1) {
		ike_msg_abort(&mo);
		return (-1);
	}
	if (ike_msg_send(sa, &mo, IKE_REQ_INIT, NULL) == -1)
		return (-1);
	buf_free(sa->sa_msg1);
	if ((sa->sa_msg1 = buf_dup(sa->sa_b.b_rq.x_out)) == NULL)
		return (-1);
	ike_sa_set_state(sa, IKE_SA_INIT_SENT);
	return (0);
}

/* A stateless error answer to an IKE_SA_INIT request (§1.2, §2.6). */
static void
ikev2_init_notify_reply(struct ike_ctx *ctx, const struct ikev2_msg *m,
    const struct sockaddr_in *local, const struct sockaddr_in *remote,
    uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_sa		*tmp;
	struct ike_msg_out	 mo;

	if ((tmp = calloc(1, sizeof(*tmp))) == NULL)
		return;
	memcpy(tmp->sa_b.b_spi_i, m->m_hdr.h_spi_i, 8);
	if (ike_msg_begin(tmp, &mo, IKEV2_EXCH_IKE_SA_INIT, 1, 0) == 0) {
		if (ikev2_add_notify(&mo.mo_w, 0, NULL, 0, type, data,
		    len) == 0) {
			ikev2_hdr_set_length(mo.mo_buf);
			log_debug("generating IKE_SA_INIT response 0 [ N(%s) ]",
			    ikev2_notify_name(type));
			ike_net_send(ctx, mo.mo_buf, local, remote, NULL);
		}
		ike_msg_abort(&mo);
	}
	free(tmp);
}

/* Half-open responder IKE SAs (IKE_SA_INIT answered, no IKE_AUTH yet). */
int
ikev2_half_open_count(struct ike_ctx *ctx)
{
	return ((int)ctx->ctx_v2_half_open);
}

/*
 * §2.6: Cookie = VersionIDofSecret | prf(secret, Ni | IPi | SPIi) (its
 * first byte replaced by the version), stateless.  The secret is random,
 * replaced every IKE_COOKIE_ROTATE_MS; a cookie made with the previous
 * secret is still good (slot 1), so an initiator in the middle of the
 * exchange is not sent back.  Cookies do not survive a restart (the
 * initiator then gets a fresh one).
 */
static int
ikev2_init_cookie(struct ike_ctx *ctx, int slot, const struct ikev2_msg *m,
    const struct sockaddr_in *remote, uint8_t out[IKEV2_COOKIE_LEN])
{
	struct prf_piece	 pc[3];

	pc[0].pp_data = m->m_nonce;
	pc[0].pp_len = m->m_nonce_len;
	pc[1].pp_data = (const uint8_t *)&remote->sin_addr;
	pc[1].pp_len = 4;
	pc[2].pp_data = m->m_hdr.h_spi_i;
	pc[2].pp_len = 8;
	if (prf_compute_v(PRF_HMAC_SHA2_256, ctx->ctx_cookie_secret[slot],
	    sizeof(ctx->ctx_cookie_secret[slot]), pc, 3, out) == -1)
		return (-1);
	out[0] = slot == 0 ? ctx->ctx_cookie_version :
	    (uint8_t)(ctx->ctx_cookie_version - 1);
	return (0);
}

/*
 * Responder, before any DH work: with many half-open SAs, only requests
 * returning our cookie go on; the others get N(COOKIE).  0: go on.
 */
static int
ikev2_init_cookie_check(struct ike_ctx *ctx, const struct ikev2_msg *m,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	const struct ikev2_notify	*n;
	uint8_t				 want[IKEV2_COOKIE_LEN];
	int				 ok = 0, slot = 0, threshold, half;
	int				 per;
	unsigned			 from;

	/* one source holds at most ikev2-half-open-per-source, cookie or
	 * not: a spoofer of one address, or a real one, cannot take the
	 * table (a retransmission of one of them found its SA before) */
	per = ctx->ctx_cfg->cfg_v2_half_open_per_source;
	if (per > 0 && (from = ike_sa_half_src_count(ctx,
	    remote->sin_addr)) >= (unsigned)per) {
		ctx->ctx_counters.ic_v2_drop_half_source++;
		ctx->ctx_counters.ic_dropped++;
		ike_rl_log(ctx, IKE_RL_V2_HALF_SRC, remote->sin_addr, NULL,
		    "IKE_SA_INIT from %s dropped (%u half-open IKE SAs from "
		    "it, the ikev2-half-open-per-source limit)",
		    inet_ntoa(remote->sin_addr), from);
		return (-1);
	}
	threshold = ctx->ctx_cookie_threshold >= 0 ?
	    ctx->ctx_cookie_threshold : ctx->ctx_cfg->cfg_v2_cookie_threshold;
	if ((half = ikev2_half_open_count(ctx)) < threshold)
		return (0);
	if (ike_now_ms() - ctx->ctx_cookie_born_ms >= IKE_COOKIE_ROTATE_MS &&
	    ike_ctx_cookie_rotate(ctx) == -1)
		return (-1);
	n = ikev2_msg_notify(m, IKEV2_N_COOKIE);
	/* which secret the cookie names (its first byte) */
	if (n != NULL && n->n_len == sizeof(want) && ctx->ctx_cookie_prev_ok &&
	    n->n_data[0] == (uint8_t)(ctx->ctx_cookie_version - 1))
		slot = 1;
	if (n != NULL && n->n_len == sizeof(want)) {
		if (ikev2_init_cookie(ctx, slot, m, remote, want) == -1)
			return (-1);
		ok = CRYPTO_memcmp(n->n_data, want, sizeof(want)) == 0;
	}
	/* a new cookie is always made with the current secret */
	if (!ok && ikev2_init_cookie(ctx, 0, m, remote, want) == -1)
		return (-1);
	if (!ok) {
		log_debug("IKE_SA_INIT from %s %s: demanding a cookie",
		    inet_ntoa(remote->sin_addr),
		    n == NULL ? "without a cookie" : "with a wrong cookie");
		if (n != NULL)
			ctx->ctx_counters.ic_v2_cookies_wrong++;
		ctx->ctx_counters.ic_v2_cookies_sent++;
		ikev2_init_notify_reply(ctx, m, local, remote, IKEV2_N_COOKIE,
		    want, sizeof(want));
	}
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok)
		return (-1);
	/* our cookie: a real source, but the table has a cap */
	if (half >= ctx->ctx_cfg->cfg_v2_half_open_max) {
		ctx->ctx_counters.ic_v2_drop_half_total++;
		ctx->ctx_counters.ic_dropped++;
		ike_rl_log(ctx, IKE_RL_V2_HALF_TOTAL, remote->sin_addr, NULL,
		    "IKE_SA_INIT from %s dropped (%d half-open IKE SAs, the "
		    "ikev2-half-open limit)", inet_ntoa(remote->sin_addr),
		    half);
		return (-1);
	}
	return (0);
}

/* Responder: which candidate tunnel's IKE policy accepts the offer. */
static struct ike_tunnel *
ikev2_init_select(struct ike_ctx *ctx, const struct ikev2_msg *m,
    const struct sockaddr_in *local, const struct sockaddr_in *remote,
    struct proposal_choice *pc)
{
	struct ike_tunnel	*cand[IKEV2_MAX_CANDIDATES];
	struct prop_offer		*ours;
	char			 rx[256], cf[256], addr[INET_ADDRSTRLEN];
	int			 i, n;

	n = ike_tunnel_candidates(ctx, local, remote, cand,
	    IKEV2_MAX_CANDIDATES);
	for (i = 0; i < n; i++)
		if (proposal_ike_select(&cand[i]->t_cfg->tn_ike, &m->m_sa,
		    pc) == 0)
			return (cand[i]);
	inet_ntop(AF_INET, &remote->sin_addr, addr, sizeof(addr));
	if (n == 0) {
		ike_rl_log(ctx, IKE_RL_V2_NO_TUNNEL, remote->sin_addr, NULL,
		    "IKE_SA_INIT from %s: no tunnel with this peer", addr);
		return (NULL);
	}
	proposal_describe(&m->m_sa, rx, sizeof(rx));
	if ((ours = calloc(1, sizeof(*ours))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		if (proposal_ike_build(&cand[i]->t_cfg->tn_ike, NULL, 0,
		    ours) == -1)
			continue;
		proposal_describe(ours, cf, sizeof(cf));
		ike_diag_begin(cand[i], 0);
		ike_diag_note(cand[i], DIAG_IKE_PROPOSAL, 1, NULL);
		ike_diag_props(cand[i], ours, &m->m_sa);
		ike_rl_log(ctx, IKE_RL_V2_NO_PROPOSAL, remote->sin_addr,
		    ike_tunnel_name(cand[i]), "no acceptable IKE proposal from "
		    "%s: received %s; configured %s", addr, rx, cf);
		/* an IKE_SA_INIT is not authenticated: a Connected tunnel's
		 * last error stays */
		if (!ike_tunnel_is_up(cand[i]))
			ike_tunnel_error(cand[i], "IKE proposal mismatch: peer "
			    "%.50s, ours %.50s", rx, cf);
	}
	free(ours);
	return (NULL);
}

static int
ikev2_init_answer(struct ike_sa *sa, uint32_t msgid)
{
	struct ike_msg_out	 mo;
	struct prop_offer		*ans;
	int			 rc = -1;

	if ((ans = calloc(1, sizeof(*ans))) == NULL)
		return (-1);
	/* the suite chosen, with the peer's proposal number (§3.3.1) */
	if (proposal_ike_answer(&sa->sa_prop, NULL, 0, ans) == -1 ||
	    ike_msg_begin(sa, &mo, IKEV2_EXCH_IKE_SA_INIT, 1, msgid) == -1)
		goto done;
	if (ikev2_add_sa(&mo.mo_w, ans) == -1 ||
	    ikev2_init_add_ke(sa, &mo.mo_w) == -1 ||
	    ikev2_add_nonce(&mo.mo_w, sa->sa_nr->buf_data,
	    sa->sa_nr->buf_len) == -1 ||
	    ikev2_init_add_natd(sa, &mo.mo_w) == -1) {
		ike_msg_abort(&mo);
		goto done;
	}
	if (ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL) == -1)
		goto done;
	rc = (sa->sa_msg2 = buf_dup(sa->sa_rsp.x_out)) == NULL ? -1 : 0;
done:
	free(ans);
	return (rc);
}

static int
ikev2_init_nonce_ok(const struct ikev2_msg *m)
{
	return (m->m_nonce_len >= IKEV2_NONCE_MIN &&
	    m->m_nonce_len <= IKEV2_NONCE_MAX);
}

/* Responder: a new IKE_SA_INIT request (no IKE SA yet). */
void
ikev2_init_request(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    struct ikev2_msg *m, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct proposal_choice	 pc;
	struct ike_tunnel	*t;
	struct ike_sa		*sa;
	uint8_t			 grp[2];

	ike_msg_log(NULL, "parsed", m);
	/* §3.1: the initiator's SPI is never zero */
	if (memcmp(m->m_hdr.h_spi_i, "\0\0\0\0\0\0\0\0", 8) == 0 ||
	    ikev2_rules_check(m) == -1 || !ikev2_init_nonce_ok(m)) {
		ctx->ctx_counters.ic_malformed++;
		return;
	}
	if (ikev2_init_cookie_check(ctx, m, local, remote) == -1)
		return;
	/* §2.5: a critical payload we do not know: rejected, and said */
	if (m->m_unsupported_critical != 0) {
		log_debug("IKE_SA_INIT request with the unsupported critical "
		    "payload %u: UNSUPPORTED_CRITICAL_PAYLOAD",
		    m->m_unsupported_critical);
		ctx->ctx_counters.ic_malformed++;
		ikev2_init_notify_reply(ctx, m, local, remote,
		    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD,
		    &m->m_unsupported_critical, 1);
		return;
	}
	if ((t = ikev2_init_select(ctx, m, local, remote, &pc)) == NULL) {
		ctx->ctx_counters.ic_dropped++;
		ikev2_init_notify_reply(ctx, m, local, remote,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	/* §1.3: the KE must be of the chosen group, tell which one we want */
	if (m->m_ke_group != pc.pc_dh) {
		ike_rl_log(ctx, IKE_RL_V2_INVALID_KE, remote->sin_addr,
		    ike_tunnel_name(t), "peer sent KE of group %s, we want %s: "
		    "INVALID_KE_PAYLOAD", crypto_dh_name(m->m_ke_group),
		    crypto_dh_name(pc.pc_dh));
		grp[0] = pc.pc_dh >> 8;
		grp[1] = pc.pc_dh & 0xff;
		ikev2_init_notify_reply(ctx, m, local, remote,
		    IKEV2_N_INVALID_KE_PAYLOAD, grp, sizeof(grp));
		return;
	}
	if ((sa = ike_sa_new(ctx, NULL, 0, local, remote)) == NULL)
		return;
	if (ike_sa_spi_i_set(sa, m->m_hdr.h_spi_i) == -1)
		goto fail;
	sa->sa_prop = pc;
	sa->sa_msgid_peer = 1;
	/* our answer goes again only for this very request (§2.1) */
	ike_xmit_heard(&sa->sa_rsp, pkt, len);
	if ((sa->sa_dh = dh_new(pc.pc_dh)) == NULL ||
	    (sa->sa_ni = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL ||
	    (sa->sa_nr = ikev2_init_nonce()) == NULL ||
	    (sa->sa_msg1 = buf_new_data(pkt, len)) == NULL ||
	    ikev2_init_keys(sa, m->m_ke_data, m->m_ke_len) == -1)
		goto fail;
	ikev2_init_natd_check(sa, m);
	if (ikev2_init_answer(sa, m->m_hdr.h_msgid) == -1)
		goto fail;
	ike_sa_set_state(sa, IKE_SA_INIT_DONE);
	ike_sa_halfopen_timer(sa);
	return;
fail:
	ctx->ctx_counters.ic_dropped++;
	ike_sa_destroy(sa);
}

/* Initiator: COOKIE, INVALID_KE_PAYLOAD or an error instead of SA/KE. */
static int
ikev2_init_notified(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ike_tunnel		*t = sa->sa_b.b_tunnel;
	const struct ikev2_notify	*n;
	int				 i, grp;

	if ((n = ikev2_msg_notify(m, IKEV2_N_COOKIE)) != NULL) {
		if (n->n_len < 1 || n->n_len > IKEV2_COOKIE_MAX ||
		    ++sa->sa_cookie_tries > IKEV2_COOKIE_TRIES)
			return (-1);
		buf_free(sa->sa_cookie);
		sa->sa_cookie = buf_new_data(n->n_data, n->n_len);
		log_tdebug(ike_sa_name(sa), "peer demands a cookie");
		if (sa->sa_cookie == NULL || ikev2_init_start(sa) == -1)
			return (-1);
		return (1);
	}
	if ((n = ikev2_msg_notify(m, IKEV2_N_INVALID_KE_PAYLOAD)) != NULL) {
		grp = n->n_len == 2 ? (n->n_data[0] << 8 | n->n_data[1]) : 0;
		/*
		 * §1.2: retry with the group the responder wants, if it is
		 * one we proposed (our KE carries our first suite's).
		 */
		if (proposal_ike_has_dh(&t->t_cfg->tn_ike, grp) &&
		    grp != dh_group(sa->sa_dh) &&
		    ++sa->sa_ke_tries <= IKEV2_KE_TRIES) {
			ike_rl_log(sa->sa_b.b_ctx, IKE_RL_V2_KE_RETRY,
			    sa->sa_b.b_remote.sin_addr, ike_sa_name(sa),
			    "peer wants a KE of group %s: retrying",
			    crypto_dh_name(grp));
			dh_free(sa->sa_dh);
			sa->sa_dh = NULL;
			if ((sa->sa_dh = dh_new(grp)) == NULL ||
			    ikev2_init_start(sa) == -1)
				return (-1);
			return (1);
		}
		/* a group we did not offer: the peer cannot want it;
		 * unauthenticated, so a valid answer may still come */
		if (ike_sa_init_error_wait(sa, IKEV2_N_INVALID_KE_PAYLOAD) ==
		    0)
			return (1);
		ike_diag_note(t, DIAG_IKE_PROPOSAL, 1, "INVALID_KE_PAYLOAD");
		ike_diag_props(t, sa->sa_offer, NULL);
		ike_sa_destroy(sa);
		ike_tunnel_failed(t, 1, "peer wants DH group %s, configured %s",
		    crypto_dh_name(grp), crypto_dh_name(t->t_cfg->tn_ike.ike_dh));
		return (1);
	}
	for (i = 0; i < m->m_nnotify; i++) {
		if (m->m_notify[i].n_type > IKEV2_N_ERROR_MAX)
			continue;
		/* unauthenticated: a valid answer may still come */
		if (ike_sa_init_error_wait(sa, m->m_notify[i].n_type) == 0) {
			log_tdebug(ike_sa_name(sa), "IKE_SA_INIT answered with "
			    "%s (unauthenticated): still waiting for a valid "
			    "answer", ikev2_notify_name(m->m_notify[i].n_type));
			return (1);
		}
		ikev2_init_error(sa);
		return (1);
	}
	return (0);
}

void
ikev2_init_error(struct ike_sa *sa)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	uint16_t		 type = sa->sa_init_err;
	char			 ours[256];

	if (sa->sa_offer != NULL)
		proposal_describe(sa->sa_offer, ours, sizeof(ours));
	else
		snprintf(ours, sizeof(ours), "(none)");
	if (t != NULL) {
		ike_diag_note(t, type == IKEV2_N_NO_PROPOSAL_CHOSEN ?
		    DIAG_IKE_PROPOSAL : type == IKEV2_N_INVALID_MAJOR_VERSION ?
		    DIAG_VERSION : DIAG_OTHER, 1, ikev2_notify_name(type));
		ike_diag_props(t, sa->sa_offer, NULL);
	}
	ike_sa_destroy(sa);
	ike_tunnel_failed(t, 1, "peer answered IKE_SA_INIT with %s "
	    "(we proposed %.100s)", ikev2_notify_name(type), ours);
}

/* Initiator: the IKE_SA_INIT response. */
void
ikev2_init_response(struct ike_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev2_msg *m)
{
	static const uint8_t	 zero[8];
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	const char		*why = "invalid IKE_SA_INIT response";
	int			 rc;

	/*
	 * Only while our IKE_SA_INIT request is out: an "answer" that
	 * matches another request's message ID is no answer (and an
	 * established SA keeps no proposal or DH value to check it with).
	 */
	if (sa->sa_state != IKE_SA_INIT_SENT) {
		log_tdebug(ike_sa_name(sa), "IKE_SA_INIT response in state "
		    "%s: dropped", ike_sa_state_name(sa->sa_state));
		sa->sa_b.b_ctx->ctx_counters.ic_dropped++;
		return;
	}
	if ((rc = ikev2_init_notified(sa, m)) != 0) {
		if (rc == -1) {
			ike_sa_destroy(sa);
			ike_tunnel_failed(t, 1, "bad COOKIE exchange");
		}
		return;
	}
	if (m->m_count[IKEV2_PLD_SA] != 1 || m->m_count[IKEV2_PLD_KE] != 1 ||
	    !ikev2_init_nonce_ok(m) || memcmp(m->m_hdr.h_spi_r, zero, 8) == 0)
		goto fail;
	if (sa->sa_offer == NULL ||
	    proposal_check_answer(sa->sa_offer, &m->m_sa, &sa->sa_prop) == -1) {
		why = "the peer's IKE proposal answer is not one we offered";
		goto fail;
	}
	if (m->m_ke_group != dh_group(sa->sa_dh) ||
	    sa->sa_prop.pc_dh != m->m_ke_group)
		goto fail;
	memcpy(sa->sa_b.b_spi_r, m->m_hdr.h_spi_r, 8);
	if ((sa->sa_nr = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL ||
	    (sa->sa_msg2 = buf_new_data(pkt, len)) == NULL ||
	    ikev2_init_keys(sa, m->m_ke_data, m->m_ke_len) == -1)
		goto fail;
	ikev2_init_natd_check(sa, m);
	/* Float to 4500 as strongSwan does once both sent NAT-D (§2.23) */
	if (ikev2_msg_notify(m, IKEV2_N_NAT_DETECTION_SOURCE_IP) != NULL) {
		sa->sa_b.b_local.sin_port = htons(IKE_NATT_PORT);
		sa->sa_b.b_remote.sin_port = htons(IKE_NATT_PORT);
	}
	if (ikev2_auth_start(sa) == -1) {
		why = "cannot build IKE_AUTH";
		goto fail;
	}
	return;
fail:
	ike_sa_destroy(sa);
	ike_tunnel_failed(t, 1, "%s", why);
}

int
ike_ctx_cookie_rotate(struct ike_ctx *ctx)
{
	memcpy(ctx->ctx_cookie_secret[1], ctx->ctx_cookie_secret[0],
	    sizeof(ctx->ctx_cookie_secret[0]));
	if (RAND_bytes(ctx->ctx_cookie_secret[0],
	    sizeof(ctx->ctx_cookie_secret[0])) != 1)
		return (-1);
	ctx->ctx_cookie_version++;
	ctx->ctx_cookie_prev_ok = 1;
	ctx->ctx_cookie_born_ms = ike_now_ms();
	return (0);
}
