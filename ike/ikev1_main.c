/*
 * ikev1_main.c - IKEv1 phase 1 with pre-shared keys: Main Mode (RFC 2409
 * §5, six messages) and Aggressive Mode (§5, three messages), as
 * initiator and responder, with DPD and NAT-T vendor IDs (RFC 3706,
 * RFC 3947) and NAT-D payloads.
 *
 *   Main Mode                         Aggressive Mode
 *   HDR, SA -->                       HDR, SA, KE, Ni, IDii -->
 *   <-- HDR, SA                       <-- HDR, SA, KE, Nr, IDir, HASH_R
 *   HDR, KE, Ni [, NAT-D x2] -->      HDR*, HASH_I -->
 *   <-- HDR, KE, Nr [, NAT-D x2]
 *   HDR*, IDii, HASH_I -->
 *   <-- HDR*, IDir, HASH_R
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/keyfile.h"
#include "common/log.h"
#include "ike/ikev1_sa.h"
#include "policy/proposal.h"

/* Candidate tunnels of a first message looked at on the stack; more
 * (a daemon may hold any number of IKEv1 tunnels of one gateway address
 * to one peer or to any peer) are looked at in a heap copy. */
#define V1_CAND_STACK	32

static const char *const v1_psk_differs =
    "authentication failed: the pre-shared key probably differs "
    "(cannot decrypt/verify message 5)";
static const char *const v1_psk_differs_mm6 =
    "authentication failed: the pre-shared key probably differs "
    "(cannot decrypt/verify the peer's message 6)";
static const char *const v1_psk_differs_am2 =
    "authentication failed: the pre-shared key probably differs "
    "(cannot verify the peer's message 2)";

/* --- algorithms --- */

static uint16_t
v1_hash_from_integ(int integ)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:
		return (IKEV1_HASH_MD5);
	case AUTH_HMAC_SHA1_96:
		return (IKEV1_HASH_SHA);
	case AUTH_HMAC_SHA2_256_128:
		return (IKEV1_HASH_SHA2_256);
	case AUTH_HMAC_SHA2_384_192:
		return (IKEV1_HASH_SHA2_384);
	case AUTH_HMAC_SHA2_512_256:
		return (IKEV1_HASH_SHA2_512);
	}
	return (0);
}

/* Our phase 1 suite i (0-based, policy/proposal.h order) as a transform. */
static void
v1_p1_params(const struct cfg_ike *ike, int i, struct ikev1_p1_params *p)
{
	struct cfg_prop	 cp;

	proposal_ike_get(ike, i, &cp);
	memset(p, 0, sizeof(*p));
	p->p1_encr = cp.cp_encr == ENCR_3DES ? IKEV1_ENCR_3DES :
	    IKEV1_ENCR_AES;
	p->p1_keylen = cp.cp_encr == ENCR_3DES ? 0 : (uint16_t)cp.cp_encr_bits;
	p->p1_hash = v1_hash_from_integ(cp.cp_integ);
	p->p1_auth = IKEV1_AUTH_PSK;
	p->p1_group = (uint16_t)cp.cp_dh;
	p->p1_life_secs = ike->ike_lifetime;
}

/*
 * Our phase 1 SA payload: one ISAKMP proposal holding one transform per
 * suite, numbered 1..n in our order of preference (RFC 2409 §5: the
 * transforms of one proposal are alternatives; RFC 2408 §3.6).
 */
static int
v1_p1_offer(const struct cfg_ike *ike, struct ikev1_sa *sa)
{
	struct ikev1_p1_params	 p[CFG_MAX_PROPOSALS];
	int			 i, n = proposal_ike_count(ike);

	for (i = 0; i < n; i++)
		v1_p1_params(ike, i, &p[i]);
	return (ikev1_sa_p1_build(sa, p, n));
}

/*
 * The transform must be exactly our configuration; any lifetime in
 * seconds (the shorter one wins), kilobytes are ignored.
 */
static int
v1_p1_match(const struct ikev1_p1_params *p, const struct ikev1_transform *tr)
{
	if (tr->tr_id != IKEV1_KEY_IKE || tr->tr_unknown_attr != 0 ||
	    tr->tr_encr != p->p1_encr || tr->tr_hash != p->p1_hash ||
	    tr->tr_auth != p->p1_auth || tr->tr_group != p->p1_group)
		return (0);
	if (p->p1_encr == IKEV1_ENCR_AES)
		return (tr->tr_keylen == p->p1_keylen);
	return (tr->tr_keylen == 0 || tr->tr_keylen == 192);
}

/* Our suite i is the one negotiated: keys, status and logs follow it. */
static void
v1_sa_use(struct isakmp_sa *sa, const struct cfg_ike *ike, int i,
    uint32_t life)
{
	struct cfg_prop	 cp;

	proposal_ike_get(ike, i, &cp);
	sa->is_encr = cp.cp_encr;
	sa->is_encr_bits = cp.cp_encr == ENCR_3DES ? 0 : cp.cp_encr_bits;
	sa->is_integ = cp.cp_integ;
	sa->is_prf = ikev1_prf_from_hash(v1_hash_from_integ(cp.cp_integ));
	sa->is_group = cp.cp_dh;
	sa->is_lifetime = ike->ike_lifetime;
	/* RFC 2409 §5: like Cisco, the shorter lifetime wins */
	if (life != 0 && life < sa->is_lifetime)
		sa->is_lifetime = life;
	sa->is_blen = encr_block_len(sa->is_encr);
}

/* --- payload helpers --- */

static int
v1_add_vids(struct pld_writer *w)
{
	return (ikev1_add_vendor(w, ikev1_vid_dpd, IKEV1_VID_LEN) == 0 &&
	    ikev1_add_vendor(w, ikev1_vid_natt_rfc3947, IKEV1_VID_LEN) == 0 ?
	    0 : -1);
}

static void
v1_peer_vids(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	int	i;

	for (i = 0; i < m->m_nvid; i++)
		switch (m->m_vid[i].v_kind) {
		case IKEV1_VID_DPD:
			sa->is_peer_dpd = 1;
			break;
		case IKEV1_VID_NATT_RFC3947:
			sa->is_natd = 1;
			/* FALLTHROUGH */
		case IKEV1_VID_NATT_DRAFT_02:
		case IKEV1_VID_NATT_DRAFT_03:
			sa->is_peer_natt = 1;
			break;
		case IKEV1_VID_CISCO_UNITY:
			sa->is_peer_unity = 1;
			break;
		default:
			break;	/* unknown vendor IDs are ignored */
		}
}

/* RFC 3947 §3.2: HASH(CKY-I | CKY-R | IP | Port), the negotiated hash. */
static int
v1_natd_hash(const struct isakmp_sa *sa, const struct sockaddr_in *a,
    uint8_t *out)
{
	uint8_t	 data[22];

	memcpy(data, sa->is_b.b_spi_i, 8);
	memcpy(data + 8, sa->is_b.b_spi_r, 8);
	memcpy(data + 16, &a->sin_addr, 4);
	memcpy(data + 20, &a->sin_port, 2);
	return (prf_hash(sa->is_prf, data, sizeof(data), out));
}

/* The first NAT-D names the receiver, the next ones the sender. */
static int
v1_add_natd(struct isakmp_sa *sa, struct pld_writer *w)
{
	uint8_t	 h[CRYPTO_MAX_HASH];
	size_t	 hl = prf_len(sa->is_prf);

	if (!sa->is_natd)
		return (0);
	if (v1_natd_hash(sa, &sa->is_b.b_remote, h) == -1 ||
	    ikev1_add_natd(w, h, hl) == -1 ||
	    v1_natd_hash(sa, &sa->is_b.b_local, h) == -1 ||
	    ikev1_add_natd(w, h, hl) == -1)
		return (-1);
	return (0);
}

/*
 * Main Mode's NAT-D (messages 3 and 4) comes before authentication: any
 * source can have it logged, so it is rate-limited; Aggressive Mode's is
 * checked once the HASH verified.
 */
static void
v1_natd_log(struct isakmp_sa *sa, const char *where)
{
	if (sa->is_exchange == IKEV1_EXCH_MAIN)
		ike_rl_log(sa->is_b.b_ctx, IKE_RL_V1_NAT,
		    sa->is_b.b_remote.sin_addr, isakmp_name(sa), "NAT "
		    "detected: %s", where);
	else
		log_tinfo(isakmp_name(sa), "NAT detected: %s", where);
}

static void
v1_natd_check(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	uint8_t	 h[CRYPTO_MAX_HASH];
	size_t	 hl = prf_len(sa->is_prf);
	int	 i, peer_ok = 0;

	if (!sa->is_natd || m->m_nnatd < 2)
		return;
	if (v1_natd_hash(sa, &sa->is_b.b_local, h) == 0 &&
	    (m->m_natd[0].b_len != hl ||
	    CRYPTO_memcmp(h, m->m_natd[0].b_data, hl) != 0)) {
		v1_natd_log(sa, "we are behind NAT");
		sa->is_b.b_nat = 1;
		sa->is_b.b_nat_local = 1;
	}
	if (v1_natd_hash(sa, &sa->is_b.b_remote, h) == 0)
		for (i = 1; i < m->m_nnatd; i++)
			if (m->m_natd[i].b_len == hl &&
			    CRYPTO_memcmp(h, m->m_natd[i].b_data, hl) == 0)
				peer_ok = 1;
	if (!peer_ok) {
		v1_natd_log(sa, "the peer is behind NAT");
		sa->is_b.b_nat = 1;
	}
}

/* KE + nonce of ours into the SA (gx, n) and the writer. */
static int
v1_add_ke_nonce(struct isakmp_sa *sa, struct pld_writer *w)
{
	struct buf	**gx = sa->is_b.b_initiator ? &sa->is_gxi : &sa->is_gxr;
	struct buf	**n = sa->is_b.b_initiator ? &sa->is_ni : &sa->is_nr;

	/* an Aggressive Mode responder's is shared (ikev1_half_dh): a
	 * spoofed message 1 costs no key generation of its own */
	if (sa->is_dh == NULL && (sa->is_dh = !sa->is_b.b_initiator &&
	    sa->is_exchange == IKEV1_EXCH_AGGRESSIVE ? ikev1_half_dh(sa) :
	    dh_new(sa->is_group)) == NULL)
		return (-1);
	buf_free(*gx);
	buf_free(*n);
	if ((*gx = buf_new(dh_group_len(sa->is_group))) == NULL ||
	    dh_public_get(sa->is_dh, *gx) == -1 ||
	    (*n = buf_new(IKEV1_NONCE_LEN)) == NULL ||
	    buf_reserve(*n, IKEV1_NONCE_LEN) == NULL ||
	    RAND_bytes((*n)->buf_data, IKEV1_NONCE_LEN) != 1)
		return (-1);
	if (ikev1_add_ke(w, (*gx)->buf_data, (*gx)->buf_len) == -1 ||
	    ikev1_add_nonce(w, (*n)->buf_data, (*n)->buf_len) == -1)
		return (-1);
	return (0);
}

/* The peer's KE and nonce from m. */
static int
v1_take_ke_nonce(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	struct buf	**gx = sa->is_b.b_initiator ? &sa->is_gxr : &sa->is_gxi;
	struct buf	**n = sa->is_b.b_initiator ? &sa->is_nr : &sa->is_ni;

	if (m->m_ke == NULL || m->m_nonce == NULL) {
		log_tdebug(isakmp_name(sa), "phase 1 message without KE or "
		    "nonce");
		return (-1);
	}
	if (m->m_ke_len != dh_group_len(sa->is_group)) {
		log_tdebug(isakmp_name(sa), "KE of %zu bytes, want %zu",
		    m->m_ke_len, dh_group_len(sa->is_group));
		return (-1);
	}
	if (m->m_nonce_len < IKEV1_NONCE_MIN ||
	    m->m_nonce_len > IKEV1_NONCE_MAX) {
		log_tdebug(isakmp_name(sa), "nonce of %zu bytes",
		    m->m_nonce_len);
		return (-1);
	}
	buf_free(*gx);
	buf_free(*n);
	*gx = buf_new_data(m->m_ke, m->m_ke_len);
	*n = buf_new_data(m->m_nonce, m->m_nonce_len);
	return (*gx == NULL || *n == NULL ? -1 : 0);
}

/*
 * keylog-dir: Wireshark's ISAKMP decryption table (its file
 * ikev1_decryption_table: the initiator's cookie and the encryption key,
 * in hex; Wireshark finds the IVs from the KE payloads it sees).
 */
static void
v1_keylog(const struct isakmp_sa *sa)
{
	const char	*dir = sa->is_b.b_ctx->ctx_cfg->cfg_keylog_dir;
	char		 err[4400], cky[17], key[2 * CRYPTO_MAX_KEY + 1];
	FILE		*f;

	if (dir == NULL || dir[0] == '\0')
		return;
	if ((f = keyfile_open(dir, "ikev1_decryption_table", err,
	    sizeof(err))) == NULL) {
		log_twarn(isakmp_name(sa), "%s", err);
		return;
	}
	hex_encode(sa->is_b.b_spi_i, 8, cky);
	hex_encode(sa->is_keys.k_enc, sa->is_keys.k_enc_len, key);
	fprintf(f, "%s,%s\n", cky, key);
	fclose(f);
	OPENSSL_cleanse(key, sizeof(key));
}

/*
 * RFC 2409 §5: SKEYID = prf(PSK, Ni_b | Nr_b), then SKEYID_d/a/e and the
 * cipher key (Appendix B expansion), and the phase 1 IV = hash(g^xi |
 * g^xr).
 */
static int
v1_keys(struct isakmp_sa *sa)
{
	const struct cfg_tunnel	*c = sa->is_b.b_tunnel->t_cfg;
	uint8_t			 skeyid[CRYPTO_MAX_HASH];
	struct buf		*gxy = NULL;
	const struct buf	*peer = sa->is_b.b_initiator ? sa->is_gxr :
				    sa->is_gxi;
	size_t			 elen;
	int			 rc = -1;

	elen = encr_key_len(sa->is_encr, sa->is_encr_bits);
	if ((gxy = dh_derive(sa->is_dh, peer->buf_data, peer->buf_len)) ==
	    NULL) {
		log_tdebug(isakmp_name(sa), "invalid DH public value");
		goto done;
	}
	if (ikev1_skeyid_psk(sa->is_prf, (const uint8_t *)c->tn_psk,
	    c->tn_psk_len, sa->is_ni->buf_data, sa->is_ni->buf_len,
	    sa->is_nr->buf_data, sa->is_nr->buf_len, skeyid) == -1 ||
	    ikev1_keys_derive(sa->is_prf, skeyid, gxy->buf_data, gxy->buf_len,
	    sa->is_b.b_spi_i, sa->is_b.b_spi_r, elen, &sa->is_keys) == -1 ||
	    ikev1_iv_phase1(sa->is_prf, sa->is_gxi->buf_data,
	    sa->is_gxi->buf_len, sa->is_gxr->buf_data, sa->is_gxr->buf_len,
	    sa->is_iv, sa->is_blen) == -1)
		goto done;
	sa->is_keys_ok = 1;
	v1_keylog(sa);
	rc = 0;
done:
	OPENSSL_cleanse(skeyid, sizeof(skeyid));
	buf_free(gxy);
	dh_free(sa->is_dh);
	sa->is_dh = NULL;
	return (rc);
}

/*
 * SKEYID alone (RFC 2409 §5: prf(pre-shared-key, Ni_b | Nr_b), no g^xy):
 * what HASH_R and HASH_I need.  An Aggressive Mode responder answers
 * message 1 with it and derives g^xy and the other keys only when its
 * initiator's message 3 comes (ikev1_main_keys), so that a spoofed
 * message 1, whose source never answers, costs no DH derivation.
 */
static int
v1_skeyid(struct isakmp_sa *sa)
{
	const struct cfg_tunnel	*c = sa->is_b.b_tunnel->t_cfg;

	if (ikev1_skeyid_psk(sa->is_prf, (const uint8_t *)c->tn_psk,
	    c->tn_psk_len, sa->is_ni->buf_data, sa->is_ni->buf_len,
	    sa->is_nr->buf_data, sa->is_nr->buf_len,
	    sa->is_keys.k_skeyid) == -1)
		return (-1);
	sa->is_keys.k_len = prf_len(sa->is_prf);
	return (0);
}

int
ikev1_main_keys(struct isakmp_sa *sa)
{
	if (sa->is_keys_ok)
		return (0);
	if (sa->is_b.b_initiator || sa->is_state != ISAKMP_AM_R2 ||
	    sa->is_dh == NULL || sa->is_b.b_tunnel == NULL)
		return (-1);
	return (v1_keys(sa));
}

/* HASH_I (responder 0) or HASH_R (1) into out; returns its length. */
static size_t
v1_hash_auth(struct isakmp_sa *sa, int responder, uint8_t *out)
{
	const struct buf	*id = responder ? sa->is_idr_b : sa->is_idi_b;

	if (ikev1_hash_auth(sa->is_prf, sa->is_keys.k_skeyid,
	    sa->is_keys.k_len, responder, sa->is_gxi->buf_data,
	    sa->is_gxi->buf_len, sa->is_gxr->buf_data, sa->is_gxr->buf_len,
	    sa->is_b.b_spi_i, sa->is_b.b_spi_r, sa->is_sai_b->buf_data,
	    sa->is_sai_b->buf_len, id->buf_data, id->buf_len, out) == -1)
		return (0);
	return (prf_len(sa->is_prf));
}

static int
v1_add_my_id(struct isakmp_sa *sa, struct pld_writer *w)
{
	struct buf	**id = sa->is_b.b_initiator ? &sa->is_idi_b : &sa->is_idr_b;

	buf_free(*id);
	if ((*id = v1_local_id_body(sa->is_b.b_tunnel)) == NULL)
		return (-1);
	return (ikev1_add_id(w, (*id)->buf_data[0], 0, 0, (*id)->buf_data + 4,
	    (*id)->buf_len - 4));
}

/* Checks and keeps the peer's ID payload body. */
static int
v1_take_peer_id(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	struct buf	**id = sa->is_b.b_initiator ? &sa->is_idr_b : &sa->is_idi_b;

	if (m->m_nid < 1) {
		log_tdebug(isakmp_name(sa), "phase 1 message without ID");
		return (-1);
	}
	if (!v1_peer_id_match(sa->is_b.b_tunnel, &m->m_id[0])) {
		/* before the HASH that authenticates it: rate-limited */
		ike_rl_log(sa->is_b.b_ctx, IKE_RL_V1_PEER_ID,
		    sa->is_b.b_remote.sin_addr, isakmp_name(sa), "the peer's "
		    "ID (type %u, %zu bytes) does not match peer-id",
		    m->m_id[0].id_type, m->m_id[0].id_len);
		return (-1);
	}
	ike_sa_base_ident_set(&sa->is_b, m->m_id[0].id_type,
	    m->m_id[0].id_data, m->m_id[0].id_len);
	buf_free(*id);
	*id = buf_new_data(m->m_id[0].id_body, m->m_id[0].id_body_len);
	return (*id == NULL ? -1 : 0);
}

/* gatewayctl doctor: what phase 1 of sa's tunnel found. */
static void
v1_diag(struct isakmp_sa *sa, enum diag_cause c)
{
	if (sa->is_b.b_tunnel != NULL)
		ike_diag_note(sa->is_b.b_tunnel, c, 1, NULL);
}

/*
 * gatewayctl doctor: a phase 1 proposal mismatch.  Ours is the SA our
 * message 1 offers, theirs the peer's message 1 SA (NULL when the peer
 * refused ours: we never saw its proposals); notify is what it answered.
 * Both go through ikev1_sa_offer so that the table compares like with
 * like.
 */
static void
v1_diag_proposal(struct isakmp_sa *sa, const struct ikev1_sa *theirs,
    const char *notify)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct ikev1_sa		*ours;

	if (t == NULL)
		return;
	ike_diag_note(t, DIAG_IKE_PROPOSAL, 1, notify);
	if ((ours = calloc(1, sizeof(*ours))) == NULL)
		return;
	v1_diag_offers(sa, v1_p1_offer(&t->t_cfg->tn_ike, ours) == 0 ? ours :
	    NULL,
	    theirs, "phase 1");
	free(ours);
}

/* Verifies the peer's HASH_I/HASH_R in m. */
static int
v1_verify_hash(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	uint8_t	 h[CRYPTO_MAX_HASH];
	size_t	 hl;

	if (m->m_hash == NULL)
		return (-1);
	hl = v1_hash_auth(sa, sa->is_b.b_initiator, h);
	if (hl == 0 || m->m_hash_len != hl ||
	    CRYPTO_memcmp(h, m->m_hash, hl) != 0)
		return (-1);
	return (0);
}

/* INITIAL-CONTACT (RFC 2407 §4.6.3.3) on the first SA towards a peer. */
static int
v1_add_initial_contact(struct isakmp_sa *sa, struct pld_writer *w)
{
	uint8_t			 spi[16];

	/* not while we hold another SA with the peer, of either IKE
	 * version: it would go (§4.6.3.3) */
	if (sa->is_reauth || sa->is_b.b_tunnel == NULL ||
	    !ike_initial_contact_ok(sa->is_b.b_ctx, sa->is_b.b_tunnel,
	    &sa->is_b))
		return (0);
	memcpy(spi, sa->is_b.b_spi_i, 8);
	memcpy(spi + 8, sa->is_b.b_spi_r, 8);
	return (ikev1_add_notify(w, IKEV1_PROTO_ISAKMP, spi, 16,
	    IKEV1_N_INITIAL_CONTACT, NULL, 0));
}

/* An authenticated INITIAL-CONTACT: the peer (this identity, not this
 * address: several peers may share one NAT) lost its older SAs, of
 * either IKE version. */
static void
v1_initial_contact_recv(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	if (ikev1_msg_notify(m, IKEV1_N_INITIAL_CONTACT) == NULL)
		return;
	ike_initial_contact_recv(sa->is_b.b_ctx, &sa->is_b.b_peer_ident,
	    &sa->is_b);
}

static int
v1_keep_sai_b(struct isakmp_sa *sa, const struct buf *b, size_t sa_off)
{
	/* the SA payload body after its 4-byte generic header */
	buf_free(sa->is_sai_b);
	sa->is_sai_b = buf_new_data(b->buf_data + sa_off + 4,
	    b->buf_len - sa_off - 4);
	return (sa->is_sai_b == NULL ? -1 : 0);
}

/* --- initiator --- */

int
ikev1_main_start(struct isakmp_sa *sa)
{
	struct ikev1_sa		*offer = NULL;
	struct pld_writer	 w;
	struct buf		*b = NULL;
	size_t			 off;
	int			 aggr = sa->is_exchange == IKEV1_EXCH_AGGRESSIVE;
	int			 rc = -1;

	/* until the answer: our first suite (Aggressive Mode's KE is for
	 * its group, which every suite shares: policy/config.c) */
	v1_sa_use(sa, &sa->is_b.b_tunnel->t_cfg->tn_ike, 0, 0);
	if ((offer = calloc(1, sizeof(*offer))) == NULL ||
	    v1_p1_offer(&sa->is_b.b_tunnel->t_cfg->tn_ike, offer) == -1 ||
	    v1_msg_begin(sa, &b, &w, sa->is_exchange, 0) == -1)
		goto done;
	off = b->buf_len;
	if (ikev1_add_sa(&w, offer) == -1 || v1_keep_sai_b(sa, b, off) == -1)
		goto done;
	if (aggr && (v1_add_ke_nonce(sa, &w) == -1 ||
	    v1_add_my_id(sa, &w) == -1))
		goto done;
	if (v1_add_vids(&w) == -1 || v1_msg_seal(sa, b, NULL, NULL) == -1)
		goto done;
	isakmp_set_state(sa, aggr ? ISAKMP_AM_I1 : ISAKMP_MM_I1);
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 1);
	b = NULL;
	rc = 0;
done:
	free(offer);
	buf_free(b);
	return (rc);
}

/* The responder's SA answer: one proposal, one transform, one of our
 * suites, which the SA uses from now on. */
static int
v1_check_answer(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	const struct cfg_ike	*ike = &sa->is_b.b_tunnel->t_cfg->tn_ike;
	struct ikev1_p1_params	 p;
	const struct ikev1_transform *tr;
	int			 i;

	if (m->m_count[IKEV1_PLD_SA] != 1 || m->m_sa.sa_nprop != 1 ||
	    m->m_sa.sa_prop[0].prop_ntr != 1 ||
	    m->m_sa.sa_prop[0].prop_proto != IKEV1_PROTO_ISAKMP) {
		log_tdebug(isakmp_name(sa), "phase 1 answer is not one "
		    "proposal with one transform");
		return (-1);
	}
	tr = &m->m_sa.sa_prop[0].prop_tr[0];
	for (i = 0; i < proposal_ike_count(ike); i++) {
		v1_p1_params(ike, i, &p);
		/* Aggressive Mode: our KE went out for the group of our
		 * first suite, which all share (policy/config.c) */
		if (v1_p1_match(&p, tr) && (sa->is_dh == NULL ||
		    p.p1_group == sa->is_group)) {
			v1_sa_use(sa, ike, i, tr->tr_life_secs);
			return (0);
		}
	}
	log_tdebug(isakmp_name(sa), "phase 1 answer is not one of our "
	    "transforms");
	return (-1);
}

/* MM message 2 --> message 3 { KE, Ni [, NAT-D x2] } */
static void
v1_mm_i2(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;

	if (v1_check_answer(sa, m) == -1) {
		isakmp_fail_unauth(sa, "Phase 1 failed: the peer answered "
		    "with a proposal we did not offer");
		return;
	}
	memcpy(sa->is_b.b_spi_r, m->m_hdr.h_rcookie, 8);
	v1_peer_vids(sa, m);
	if (v1_msg_begin(sa, &b, &w, IKEV1_EXCH_MAIN, 0) == -1 ||
	    v1_add_ke_nonce(sa, &w) == -1 || v1_add_natd(sa, &w) == -1 ||
	    v1_msg_seal(sa, b, NULL, NULL) == -1) {
		buf_free(b);
		isakmp_fail(sa, "Phase 1 failed: cannot build message 3");
		return;
	}
	isakmp_set_state(sa, ISAKMP_MM_I3);
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 1);
}

/* Encrypted { ID, HASH [, N(INITIAL-CONTACT)] } with the phase 1 IV. */
static struct buf *
v1_build_auth(struct isakmp_sa *sa, int with_id, int natd)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;
	uint8_t			 h[CRYPTO_MAX_HASH];
	size_t			 hl;

	if (v1_msg_begin(sa, &b, &w, sa->is_exchange, 0) == -1)
		return (NULL);
	if (with_id && v1_add_my_id(sa, &w) == -1)
		goto fail;
	if ((hl = v1_hash_auth(sa, !sa->is_b.b_initiator, h)) == 0 ||
	    ikev1_add_hash(&w, h, hl, NULL) == -1)
		goto fail;
	if (natd && v1_add_natd(sa, &w) == -1)
		goto fail;
	if (sa->is_b.b_initiator && v1_add_initial_contact(sa, &w) == -1)
		goto fail;
	if (v1_msg_seal(sa, b, sa->is_iv, sa->is_iv) == -1)
		goto fail;
	return (b);
fail:
	buf_free(b);
	return (NULL);
}

/* MM message 4 --> message 5 { IDii, HASH_I } encrypted */
static void
v1_mm_i4(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	struct buf	*b;

	if (v1_take_ke_nonce(sa, m) == -1) {
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		return;
	}
	if (v1_keys(sa) == -1) {
		isakmp_fail(sa, "Phase 1 failed: key derivation failed");
		return;
	}
	v1_natd_check(sa, m);
	v1_natt_float(sa);
	if ((b = v1_build_auth(sa, 1, 0)) == NULL) {
		isakmp_fail(sa, "Phase 1 failed: cannot build message 5");
		return;
	}
	isakmp_set_state(sa, ISAKMP_MM_I5);
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 1);
}

/* MM message 6 or AM message 2 from the responder: authenticate it. */
static int
v1_auth_peer(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	if (m->m_nid > 0 && sa->is_b.b_tunnel != NULL)
		ike_diag_id(sa->is_b.b_tunnel, m->m_id[0].id_type,
		    m->m_id[0].id_data, m->m_id[0].id_len);
	if (v1_take_peer_id(sa, m) == -1) {
		v1_diag(sa, DIAG_ID);
		isakmp_fail_unauth(sa, "Phase 1 failed: the peer's ID does not "
		    "match peer-id");
		return (-1);
	}
	if (v1_verify_hash(sa, m) == -1) {
		v1_diag(sa, DIAG_PSK_THEIRS);
		isakmp_fail_unauth(sa, "%s", sa->is_exchange ==
		    IKEV1_EXCH_MAIN ? v1_psk_differs_mm6 : v1_psk_differs_am2);
		return (-1);
	}
	return (0);
}

static void
v1_mm_i6(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	if (v1_auth_peer(sa, m) == -1)
		return;
	ike_xmit_stop(&sa->is_b.b_rq);
	v1_initial_contact_recv(sa, m);
	isakmp_established(sa);
}

/* AM message 2 --> message 3 { HASH_I } encrypted */
static void
v1_am_i2(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	struct buf	*b;

	if (v1_check_answer(sa, m) == -1) {
		isakmp_fail_unauth(sa, "Phase 1 failed: the peer answered "
		    "with a proposal we did not offer");
		return;
	}
	memcpy(sa->is_b.b_spi_r, m->m_hdr.h_rcookie, 8);
	v1_peer_vids(sa, m);
	if (v1_take_ke_nonce(sa, m) == -1) {
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		return;
	}
	if (v1_keys(sa) == -1) {
		isakmp_fail(sa, "Phase 1 failed: key derivation failed");
		return;
	}
	if (v1_auth_peer(sa, m) == -1)
		return;
	v1_natd_check(sa, m);
	v1_natt_float(sa);
	if ((b = v1_build_auth(sa, 0, m->m_nnatd > 0)) == NULL) {
		isakmp_fail(sa, "Phase 1 failed: cannot build message 3");
		return;
	}
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 0);
	isakmp_established(sa);
}

/* --- responder --- */

/*
 * Our answer: the first of OUR suites that the peer offers (strongSwan's
 * rule: our order of preference, not the peer's), with the peer's
 * proposal and transform numbers as received.
 */
static int
v1_select(struct isakmp_sa *sa, const struct ikev1_sa *offer)
{
	const struct cfg_ike	*ike = &sa->is_b.b_tunnel->t_cfg->tn_ike;
	struct ikev1_p1_params	 p;
	const struct ikev1_proposal *pr;
	int			 i, j, k;

	if (offer->sa_doi != IKEV1_DOI_IPSEC ||
	    offer->sa_situation != IKEV1_SIT_IDENTITY_ONLY)
		return (-1);
	for (k = 0; k < proposal_ike_count(ike); k++) {
		v1_p1_params(ike, k, &p);
		for (i = 0; i < offer->sa_nprop; i++) {
			pr = &offer->sa_prop[i];
			if (pr->prop_proto != IKEV1_PROTO_ISAKMP)
				continue;
			for (j = 0; j < pr->prop_ntr; j++) {
				if (!v1_p1_match(&p, &pr->prop_tr[j]))
					continue;
				sa->is_prop_num = pr->prop_num;
				sa->is_chosen = pr->prop_tr[j];
				v1_sa_use(sa, ike, k,
				    pr->prop_tr[j].tr_life_secs);
				return (0);
			}
		}
	}
	return (-1);
}

static int
v1_add_answer(struct isakmp_sa *sa, struct pld_writer *w)
{
	struct ikev1_sa	*ans;
	int		 rc;

	if ((ans = calloc(1, sizeof(*ans))) == NULL)
		return (-1);
	ans->sa_doi = IKEV1_DOI_IPSEC;
	ans->sa_situation = IKEV1_SIT_IDENTITY_ONLY;
	ans->sa_nprop = 1;
	ans->sa_prop[0].prop_num = sa->is_prop_num;
	ans->sa_prop[0].prop_proto = IKEV1_PROTO_ISAKMP;
	ans->sa_prop[0].prop_ntr = 1;
	ans->sa_prop[0].prop_tr[0] = sa->is_chosen;
	rc = ikev1_add_sa(w, ans);
	free(ans);
	return (rc);
}

/* Unencrypted NO-PROPOSAL-CHOSEN (no keys yet, RFC 2408 §5.6). */
static void
v1_plain_notify(struct ike_ctx *ctx, const struct ikev1_hdr *h,
    const struct sockaddr_in *local, const struct sockaddr_in *remote,
    uint16_t type)
{
	struct ikev1_hdr	 oh;
	struct pld_writer	 w;
	struct buf		*b;
	uint8_t			 spi[16];

	memset(&oh, 0, sizeof(oh));
	memcpy(oh.h_icookie, h->h_icookie, 8);
	oh.h_exchange = IKEV1_EXCH_INFORMATIONAL;
	memcpy(spi, h->h_icookie, 8);
	memcpy(spi + 8, h->h_rcookie, 8);
	if ((b = buf_new(128)) == NULL)
		return;
	if (ikev1_hdr_write(b, &oh, &w) == 0 && ikev1_add_notify(&w,
	    IKEV1_PROTO_ISAKMP, spi, 16, type, NULL, 0) == 0) {
		ikev1_hdr_set_length(b);
		log_debug("sending unprotected %s to %s",
		    ikev1_notify_name(type), inet_ntoa(remote->sin_addr));
		ike_net_send(ctx, b, local, remote, NULL);
	}
	buf_free(b);
}

/* Aggressive Mode: the tunnel whose peer-id matches IDii. */
static struct ike_tunnel *
v1_aggr_tunnel(struct ike_tunnel **cand, int n, const struct ikev1_msg *m)
{
	int	i;

	if (m->m_nid < 1)
		return (NULL);
	for (i = 0; i < n; i++)
		if (v1_peer_id_match(cand[i], &m->m_id[0]))
			return (cand[i]);
	return (NULL);
}

/*
 * Moves the candidates configured for the other mode than the first
 * message's out of cand (order kept) into other; returns their number.
 * A tunnel answers only the mode it is configured for: a Main Mode
 * tunnel that answered Aggressive Mode would send a hash of its PSK
 * (HASH_R) to whoever asks, which its configuration meant to avoid.
 */
static int
v1_mode_split(struct ike_tunnel **cand, int n, int aggr,
    struct ike_tunnel **other)
{
	int	 i, k = 0, no = 0;
	int	 want = aggr ? CFG_IKE_AGGRESSIVE : CFG_IKE_MAIN;

	for (i = 0; i < n; i++) {
		if (cand[i]->t_cfg->tn_ike.ike_mode == want)
			cand[k++] = cand[i];
		else
			other[no++] = cand[i];
	}
	return (no);
}

/*
 * The tunnel of the other mode that the first message was meant for, if
 * one is plain enough to name: for Aggressive Mode one whose peer-id is
 * IDii, else one configured for exactly this peer address (never a
 * 0.0.0.0 tunnel by address alone: any host could name it).
 */
static struct ike_tunnel *
v1_mode_other(struct ike_tunnel **other, int n, const struct ikev1_msg *m,
    const struct sockaddr_in *remote, int aggr)
{
	struct ike_tunnel	*t;
	int			 i;

	if (aggr && (t = v1_aggr_tunnel(other, n, m)) != NULL)
		return (t);
	for (i = 0; i < n; i++)
		if (other[i]->t_cfg->tn_peer->pr_addr.s_addr ==
		    remote->sin_addr.s_addr)
			return (other[i]);
	return (NULL);
}

/*
 * A first message of the other mode for t: refused like one without a
 * tunnel (counted and logged through the rate limit, no state; the
 * source may be spoofed, so t's state and last error stay), with one
 * short INVALID-EXCHANGE-TYPE in the clear so that the initiator can
 * tell this from silence (no larger than message 1: no amplification).
 * gatewayctl doctor of t names both modes, as the version check does for
 * a first message of the other IKE version (ike_diag_version_seen).
 */
static void
v1_mode_refuse(struct ike_ctx *ctx, struct ike_tunnel *t,
    const struct ikev1_msg *m, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	int	 aggr = m->m_hdr.h_exchange == IKEV1_EXCH_AGGRESSIVE;

	log_tdebug(ike_tunnel_name(t), "IKEv1 %s from %s refused: the "
	    "tunnel is configured for %s", aggr ? "aggressive mode" :
	    "main mode", inet_ntoa(remote->sin_addr), aggr ? "main mode" :
	    "aggressive mode");
	ike_diag_begin(t, 0);
	ike_diag_note(t, DIAG_MODE, 1, NULL);
	snprintf(t->t_diag.td_detail, sizeof(t->t_diag.td_detail),
	    "the peer started %s; tunnel %.40s is configured for mode %s",
	    aggr ? "Aggressive Mode" : "Main Mode", ike_tunnel_name(t),
	    aggr ? "main" : "aggressive");
	v1_plain_notify(ctx, &m->m_hdr, local, remote,
	    IKEV1_N_INVALID_EXCHANGE_TYPE);
	v1_drop_note(ctx, V1_DROP_NO_TUNNEL, remote->sin_addr);
}

/* MM message 2 { SA } or AM message 2 { SA, KE, Nr, IDir, HASH_R } */
static int
v1_r2(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;
	uint8_t			 h[CRYPTO_MAX_HASH];
	size_t			 hl;
	int			 aggr = sa->is_exchange == IKEV1_EXCH_AGGRESSIVE;

	if (v1_msg_begin(sa, &b, &w, sa->is_exchange, 0) == -1 ||
	    v1_add_answer(sa, &w) == -1)
		goto fail;
	if (aggr) {
		if (v1_add_ke_nonce(sa, &w) == -1 || v1_skeyid(sa) == -1 ||
		    v1_add_my_id(sa, &w) == -1 ||
		    (hl = v1_hash_auth(sa, 1, h)) == 0 ||
		    ikev1_add_hash(&w, h, hl, NULL) == -1)
			goto fail;
	}
	if (v1_add_vids(&w) == -1)
		goto fail;
	if (aggr && v1_add_natd(sa, &w) == -1)
		goto fail;
	if (v1_msg_seal(sa, b, NULL, NULL) == -1)
		goto fail;
	isakmp_set_state(sa, aggr ? ISAKMP_AM_R2 : ISAKMP_MM_R2);
	/*
	 * Not retransmitted on a timer: message 1 may come from a spoofed
	 * address, and each one must get at most one answer (no
	 * amplification).  A real initiator retransmits its message 1 and
	 * gets this one again from the reply cache (RFC 2408 §5, RFC 2409
	 * §5); the half-open lifetime (ikev1_half.c) ends the SA.
	 */
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 0);
	return (0);
fail:
	buf_free(b);
	return (-1);
}

/*
 * The tunnel that answers a first message (Main or Aggressive Mode), or
 * NULL after refusing it (a tunnel of the other mode: v1_mode_refuse)
 * or logging that none fits.  Every candidate is looked at, however
 * many tunnels of the gateway may answer the peer.
 */
static struct ike_tunnel *
v1_first_tunnel(struct ike_ctx *ctx, const struct ikev1_msg *m,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct ike_tunnel	*sc[2][V1_CAND_STACK], **cand = sc[0];
	struct ike_tunnel	**other = sc[1], **heap = NULL, *t;
	int			 n, nother, aggr;

	aggr = m->m_hdr.h_exchange == IKEV1_EXCH_AGGRESSIVE;
	n = v1_candidates(ctx, local, remote, cand, V1_CAND_STACK);
	if (n > V1_CAND_STACK) {
		if ((heap = calloc(2 * (size_t)n, sizeof(*heap))) == NULL) {
			log_debug("IKEv1 message 1 from %s: out of memory",
			    inet_ntoa(remote->sin_addr));
			return (NULL);
		}
		cand = heap;
		other = heap + n;
		n = v1_candidates(ctx, local, remote, cand, n);
	}
	/* only a tunnel of this mode: see v1_mode_split */
	nother = v1_mode_split(cand, n, aggr, other);
	n -= nother;
	/* RFC 2409 §5.4: Main Mode can only go by the peer's address */
	t = aggr ? v1_aggr_tunnel(cand, n, m) : n > 0 ? cand[0] : NULL;
	if (t == NULL && (t = v1_mode_other(other, nother, m, remote,
	    aggr)) != NULL) {
		v1_mode_refuse(ctx, t, m, local, remote);
		t = NULL;
	} else if (t == NULL) {
		log_debug("IKEv1 %s from %s: no tunnel for this peer%s",
		    aggr ? "aggressive mode" : "main mode",
		    inet_ntoa(remote->sin_addr), aggr ? " and ID" : "");
		v1_drop_note(ctx, V1_DROP_NO_TUNNEL, remote->sin_addr);
	}
	free(heap);
	return (t);
}

void
ikev1_main_first(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    struct ikev1_msg *m, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct ike_tunnel	*t;
	struct isakmp_sa	*sa;
	int			 aggr, anon;

	aggr = m->m_hdr.h_exchange == IKEV1_EXCH_AGGRESSIVE;
	if (m->m_count[IKEV1_PLD_SA] != 1 || (aggr && (m->m_ke == NULL ||
	    m->m_nonce == NULL || m->m_nid != 1))) {
		log_debug("IKEv1 %s message 1 from %s lacks payloads",
		    ikev1_exchange_name(m->m_hdr.h_exchange),
		    inet_ntoa(remote->sin_addr));
		ctx->ctx_counters.ic_malformed++;
		return;
	}
	if ((t = v1_first_tunnel(ctx, m, local, remote)) == NULL)
		return;
	/* within the caps, before any state or DH (Aggressive Mode) */
	anon = t->t_cfg->tn_peer->pr_addr.s_addr == htonl(INADDR_ANY);
	if (v1_half_admit(ctx, remote, m->m_hdr.h_icookie, anon) == -1)
		return;
	if ((sa = isakmp_new(ctx, t, 0, m->m_hdr.h_exchange, local,
	    remote)) == NULL)
		return;
	memcpy(sa->is_b.b_spi_i, m->m_hdr.h_icookie, 8);
	if (ike_sa_hash_insert(&sa->is_b.b_ctx->ctx_v1->vc_hash,
	    &sa->is_b) == -1 || v1_half_start(sa, anon) == -1) {
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
		return;
	}
	/* the "attempt" event waits for message 3: the source may be
	 * spoofed until then (v1_responder_attempt) */
	log_tdebug(ike_tunnel_name(t), "IKEv1 %s responder to %s",
	    aggr ? "aggressive mode" : "main mode",
	    inet_ntoa(remote->sin_addr));
	v1_msg_log(isakmp_name(sa), "parsed", m);
	ike_diag_begin(t, 0);
	if (v1_select(sa, &m->m_sa) == -1) {
		/*
		 * One (short) answer, and a summarised log: the source is
		 * not known to be real, so the tunnel's state stays.
		 */
		v1_diag_proposal(sa, &m->m_sa, NULL);
		v1_plain_notify(ctx, &m->m_hdr, local, remote,
		    IKEV1_N_NO_PROPOSAL_CHOSEN);
		log_tdebug(ike_tunnel_name(t), "IKEv1 message 1 from %s: no "
		    "acceptable proposal: received %s; configured %s",
		    inet_ntoa(remote->sin_addr), t->t_diag.td_theirs,
		    t->t_diag.td_ours);
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
		v1_drop_note(ctx, V1_DROP_NO_PROPOSAL, remote->sin_addr);
		return;
	}
	v1_peer_vids(sa, m);
	if ((sa->is_sai_b = buf_new_data(m->m_sa.sa_body,
	    m->m_sa.sa_body_len)) == NULL)
		goto fail;
	if (aggr) {
		if (v1_take_ke_nonce(sa, m) == -1 ||
		    v1_take_peer_id(sa, m) == -1) {
			ctx->ctx_counters.ic_malformed++;
			isakmp_fail_unauth(sa, "Phase 1 failed: bad aggressive "
			    "mode message 1");
			return;
		}
	}
	ike_xmit_heard(&sa->is_b.b_rq, pkt, len);
	if (v1_r2(sa, m) == -1)
		goto fail;
	return;
fail:
	isakmp_fail(sa, "Phase 1 failed: cannot answer message 1");
}

/* MM message 3 --> message 4 { KE, Nr [, NAT-D x2] } */
static void
v1_mm_r3(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;

	if (v1_take_ke_nonce(sa, m) == -1) {
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		return;
	}
	if (m->m_nnatd == 0)
		sa->is_natd = 0;
	if (v1_msg_begin(sa, &b, &w, IKEV1_EXCH_MAIN, 0) == -1 ||
	    v1_add_ke_nonce(sa, &w) == -1 || v1_add_natd(sa, &w) == -1 ||
	    v1_msg_seal(sa, b, NULL, NULL) == -1 || v1_keys(sa) == -1) {
		buf_free(b);
		isakmp_fail(sa, "Phase 1 failed: cannot answer message 3");
		return;
	}
	v1_natd_check(sa, m);
	isakmp_set_state(sa, ISAKMP_MM_R4);
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 1);
}

/*
 * Message 5 does not decrypt or verify: an unprotected
 * AUTHENTICATION-FAILED (we have no key the peer shares, RFC 2408 §5.5)
 * so that the initiator need not wait for its retransmissions to end.
 */
static void
v1_auth_failed_notify(struct isakmp_sa *sa)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;
	uint8_t			 spi[16];
	uint32_t		 msgid;

	memcpy(spi, sa->is_b.b_spi_i, 8);
	memcpy(spi + 8, sa->is_b.b_spi_r, 8);
	do {
		if (RAND_bytes((uint8_t *)&msgid, sizeof(msgid)) != 1)
			return;
	} while (msgid == 0);
	if (v1_msg_begin(sa, &b, &w, IKEV1_EXCH_INFORMATIONAL, msgid) == 0 &&
	    ikev1_add_notify(&w, IKEV1_PROTO_ISAKMP, spi, 16,
	    IKEV1_N_AUTHENTICATION_FAILED, NULL, 0) == 0 &&
	    v1_msg_seal(sa, b, NULL, NULL) == 0)
		v1_send_raw(sa, b);
	buf_free(b);
}

/* MM message 5 --> message 6 { IDir, HASH_R } encrypted */
static void
v1_mm_r5(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	struct buf	*b;

	if (m->m_nid < 1 || m->m_hash == NULL) {
		v1_auth_failed_notify(sa);
		isakmp_fail_unauth(sa, "%s", v1_psk_differs);
		return;
	}
	if (v1_take_peer_id(sa, m) == -1) {
		isakmp_fail_unauth(sa, "Phase 1 failed: the peer's ID does not "
		    "match peer-id");
		return;
	}
	if (v1_verify_hash(sa, m) == -1) {
		v1_auth_failed_notify(sa);
		isakmp_fail_unauth(sa, "%s", v1_psk_differs);
		return;
	}
	v1_initial_contact_recv(sa, m);
	if ((b = v1_build_auth(sa, 1, 0)) == NULL) {
		isakmp_fail(sa, "Phase 1 failed: cannot build message 6");
		return;
	}
	v1_xmit_send(sa, &sa->is_b.b_rq, b, 0);
	isakmp_established(sa);
}

/* AM message 3 { HASH_I }, encrypted (strongSwan) or in the clear. */
static void
v1_am_r3(struct isakmp_sa *sa, struct ikev1_msg *m)
{
	if (v1_verify_hash(sa, m) == -1) {
		isakmp_fail_unauth(sa, "authentication failed: the pre-shared "
		    "key probably differs (cannot verify message 3)");
		return;
	}
	/* a message 3 in the clear: g^xy now (an encrypted one had it
	 * derived to be decrypted) */
	if (ikev1_main_keys(sa) == -1) {
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		isakmp_fail(sa, "Phase 1 failed: the initiator's KE of "
		    "message 1 does not give a shared secret");
		return;
	}
	ike_xmit_stop(&sa->is_b.b_rq);
	v1_natd_check(sa, m);
	v1_initial_contact_recv(sa, m);
	isakmp_established(sa);
}

/*
 * A responder's message 3 arrived: the initiator got our message 2, so
 * its address is real.  Logged now rather than at message 1, so that a
 * flood of spoofed first messages does not flood the log.
 */
static void
v1_responder_attempt(struct isakmp_sa *sa)
{
	int	aggr = sa->is_exchange == IKEV1_EXCH_AGGRESSIVE;

	ike_event(sa->is_b.b_ctx, isakmp_name(sa), "attempt", "IKEv1 %s "
	    "responder to %s", aggr ? "aggressive mode" : "main mode",
	    inet_ntoa(sa->is_b.b_remote.sin_addr));
	if (aggr)
		ike_rl_log(sa->is_b.b_ctx, IKE_RL_V1_AGGR,
		    sa->is_b.b_remote.sin_addr, isakmp_name(sa), "%s",
		    ikev1_aggr_warning());
}

void
ikev1_main_recv(struct isakmp_sa *sa, struct ikev1_msg *m,
    const uint8_t *pkt, size_t len)
{
	int	enc = (m->m_hdr.h_flags & IKEV1_FLAG_ENC) != 0;
	int	ok;

	v1_msg_log(isakmp_name(sa), "parsed", m);
	/* which message fits the state (the encryption is part of it) */
	switch (sa->is_state) {
	case ISAKMP_MM_I1:
	case ISAKMP_AM_I1:
		ok = !enc && m->m_sa.sa_nprop > 0;
		break;
	case ISAKMP_MM_R2:
	case ISAKMP_MM_I3:
		ok = !enc && m->m_ke != NULL;
		break;
	case ISAKMP_MM_R4:
	case ISAKMP_MM_I5:
		ok = enc;
		break;
	case ISAKMP_AM_R2:
		ok = m->m_hash != NULL;
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok) {
		log_tdebug(isakmp_name(sa), "phase 1 message in state %s "
		    "dropped", isakmp_state_name(sa->is_state));
		sa->is_b.b_ctx->ctx_v1->vc_wrong_state++;
		sa->is_b.b_ctx->ctx_counters.ic_dropped++;
		return;
	}
	ike_xmit_heard(&sa->is_b.b_rq, pkt, len);
	if (sa->is_state == ISAKMP_MM_R2 || sa->is_state == ISAKMP_AM_R2)
		v1_responder_attempt(sa);
	switch (sa->is_state) {
	case ISAKMP_MM_I1:
		v1_mm_i2(sa, m);
		break;
	case ISAKMP_MM_R2:
		v1_mm_r3(sa, m);
		break;
	case ISAKMP_MM_I3:
		v1_mm_i4(sa, m);
		break;
	case ISAKMP_MM_R4:
		v1_mm_r5(sa, m);
		break;
	case ISAKMP_MM_I5:
		v1_mm_i6(sa, m);
		break;
	case ISAKMP_AM_I1:
		v1_am_i2(sa, m);
		break;
	case ISAKMP_AM_R2:
		v1_am_r3(sa, m);
		break;
	default:
		break;
	}
}

/*
 * Phase 1: message 5 (we respond), message 6 (we initiate) or Aggressive
 * Mode message 3 does not decrypt or verify, or a notify came instead of
 * message 6.  Nothing of it is authenticated: a forgery (with the
 * cookies, which travel in the clear) must not end the exchange while the
 * real message may still come.  So the first such message only starts a
 * wait of V1_BAD_WAIT retransmission delays and, as initiator,
 * V1_BAD_RESENDS retransmissions of message 5 (isakmp_bad_over); a valid
 * message meanwhile goes on as usual, and at the end of the wait
 * (v1_p1_retx_cb calls here again) the pre-shared keys differ: the
 * exchange fails.
 */
void
ikev1_main_bad(struct isakmp_sa *sa)
{
	struct ike_ctx	*ctx = sa->is_b.b_ctx;
	uint64_t	 now = ike_now_ms();
	uint64_t	 wait = (uint64_t)V1_BAD_WAIT * ctx->ctx_retx_ms;

	if (sa->is_state != ISAKMP_MM_R4 && sa->is_state != ISAKMP_MM_I5 &&
	    sa->is_state != ISAKMP_AM_R2) {
		log_tdebug(isakmp_name(sa), "encrypted phase 1 message does "
		    "not decrypt in state %s: dropped",
		    isakmp_state_name(sa->is_state));
		ctx->ctx_counters.ic_bad_icv++;
		return;
	}
	/* another one, after we sent message 5 again: it answers that */
	if (sa->is_bad_ms != 0 && sa->is_b.b_rq.x_tries > sa->is_bad_tries)
		sa->is_bad_again = 1;
	if (sa->is_bad_ms == 0 || !isakmp_bad_over(sa)) {
		ctx->ctx_counters.ic_bad_icv++;
		if (sa->is_bad_ms == 0) {
			sa->is_bad_ms = now;
			sa->is_bad_tries = sa->is_b.b_rq.x_tries;
			log_tdebug(isakmp_name(sa), "phase 1 message that does "
			    "not verify in state %s (unauthenticated): "
			    "waiting %llu ms for a valid one",
			    isakmp_state_name(sa->is_state),
			    (unsigned long long)wait);
			/* a responder has no retransmission timer running:
			 * it fires at the deadline (an initiator's checks
			 * it at each retransmission of message 5) */
			if (!sa->is_b.b_initiator)
				ike_xmit_arm(&sa->is_b.b_rq,
				    (unsigned)wait + 1);
		}
		return;
	}
	/* the end of a wait that a message which does not verify began
	 * (it or our timer ends it): rate-limited */
	if (sa->is_state == ISAKMP_MM_R4) {
		v1_auth_failed_notify(sa);
		v1_diag(sa, DIAG_PSK_THEIRS);
		isakmp_fail_unauth(sa, "%s", v1_psk_differs);
		return;
	}
	/*
	 * Message 6 is the first the responder encrypts: if it does not
	 * decrypt, its key differs (a different PSK gives a different
	 * SKEYID_e).  Retransmitting message 5 cannot help.
	 */
	if (sa->is_state == ISAKMP_MM_I5) {
		v1_diag(sa, DIAG_PSK_OURS);
		isakmp_fail_unauth(sa, "%s", v1_psk_differs_mm6);
		return;
	}
	v1_diag(sa, DIAG_PSK_THEIRS);
	isakmp_fail_unauth(sa, "authentication failed: the pre-shared key "
	    "probably differs (cannot decrypt message 3)");
}

void
ikev1_main_timeout(struct isakmp_sa *sa)
{
	switch (sa->is_state) {
	case ISAKMP_MM_I5:
		v1_diag(sa, DIAG_PSK_OURS);
		isakmp_fail(sa, "Phase 1 failed: no valid answer to message "
		    "5, the pre-shared key probably differs");
		break;
	case ISAKMP_MM_I1:
	case ISAKMP_AM_I1:
		/* only a refusal that names the mode or the proposal came
		 * (v1_first_refused): that is the hint to keep, not "no
		 * answer" */
		if (sa->is_b.b_tunnel != NULL &&
		    (sa->is_b.b_tunnel->t_diag.td_cause == DIAG_MODE ||
		    sa->is_b.b_tunnel->t_diag.td_cause == DIAG_IKE_PROPOSAL) &&
		    sa->is_b.b_tunnel->t_diag.td_initiator) {
			isakmp_fail(sa, "Phase 1 failed: %s",
			    sa->is_b.b_tunnel->t_diag.td_detail);
			break;
		}
		v1_diag(sa, DIAG_NO_ANSWER);
		if (sa->is_b.b_tunnel != NULL)
			sa->is_b.b_tunnel->t_diag.td_tries = sa->is_b.b_rq.x_tries;
		isakmp_fail(sa, "Phase 1 failed: no answer to message 1 "
		    "(peer unreachable or not answering)");
		break;
	case ISAKMP_MM_I3:
		isakmp_fail(sa, "Phase 1 failed: no answer to message 3");
		break;
	default:
		isakmp_fail(sa, "Phase 1 failed: the peer stopped answering "
		    "(state %s)", isakmp_state_name(sa->is_state));
		break;
	}
}

/*
 * Our message 1 drew a notify in the clear: unauthenticated, so it ends
 * nothing (the retransmissions go on, ikev1_main_timeout), but two
 * answers point at the mode and are kept for gatewayctl doctor as a
 * hint.  INVALID-EXCHANGE-TYPE: the peer does not do this exchange with
 * us (gatewayd answers so for a tunnel of the other mode).
 * AUTHENTICATION-FAILED to Aggressive Mode message 1, before any HASH of
 * ours could be checked: the peer has no Aggressive Mode connection for
 * our ID (strongSwan with aggressive=no answers so).  NO-PROPOSAL-CHOSEN
 * is kept as a proposal mismatch with our side of the table only: the
 * peer does not say what it would take.
 */
static void
v1_first_refused(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	int			 aggr = sa->is_exchange == IKEV1_EXCH_AGGRESSIVE;
	uint16_t		 type;
	int			 i;

	/* a re-authentication runs while the tunnel is up: nothing for
	 * doctor to explain, and a forged notify must not make it so */
	if (t == NULL || !sa->is_b.b_initiator || sa->is_reauth)
		return;
	for (i = 0; i < m->m_nnotify; i++) {
		type = m->m_notify[i].n_type;
		if (type == IKEV1_N_NO_PROPOSAL_CHOSEN) {
			v1_diag_proposal(sa, NULL, ikev1_notify_name(type));
			snprintf(t->t_diag.td_detail,
			    sizeof(t->t_diag.td_detail), "the peer answered "
			    "our %s message 1 with %s: none of its phase 1 "
			    "proposals is ours", aggr ? "Aggressive Mode" :
			    "Main Mode", ikev1_notify_name(type));
			return;
		}
		if (type != IKEV1_N_INVALID_EXCHANGE_TYPE && (!aggr ||
		    type != IKEV1_N_AUTHENTICATION_FAILED))
			continue;
		ike_diag_note(t, DIAG_MODE, 1, ikev1_notify_name(type));
		snprintf(t->t_diag.td_detail, sizeof(t->t_diag.td_detail),
		    "we sent %s, the peer answered %s (%s)", aggr ?
		    "Aggressive Mode" : "Main Mode", ikev1_notify_name(type),
		    type == IKEV1_N_AUTHENTICATION_FAILED ? "no "
		    "Aggressive Mode connection for our ID" : aggr ?
		    "it expects Main Mode" : "it expects Aggressive Mode");
		return;
	}
}

/*
 * An encrypted informational instead of message 6.  If it opens with our
 * keys and its HASH(1) verifies, the peer derived the same keys from its
 * PSK, so the PSK is the same and an error notify in it is the peer's own
 * refusal of our message 5.  strongSwan picks the PSK by our address
 * before message 5, decrypts it, and then finds no connection that takes
 * our ID in Main Mode: one with aggressive = yes does not (nor one for
 * another ID); it answers AUTHENTICATION-FAILED so.  Returns 1 if it was
 * such a refusal (sa has failed), 0 if not (nothing changed).
 */
static int
v1_mm5_refused(struct isakmp_sa *sa, const struct ikev1_hdr *h,
    const uint8_t *pkt, size_t len)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct ikev1_msg	*m;
	struct buf		*out = NULL;
	char			 why[128];
	uint16_t		 type = 0;
	int			 i, rc = -1;

	/* a message of its own, not the caller's: that one must still read
	 * as the unauthenticated one it is if this does not verify */
	if ((m = calloc(1, sizeof(*m))) != NULL &&
	    (out = buf_new(len)) != NULL) {
		m->m_hdr = *h;
		rc = ikev1_info_open(sa, m, pkt, len, out);
	}
	for (i = 0; rc == 0 && i < m->m_nnotify && type == 0; i++)
		if (m->m_notify[i].n_type <= IKEV1_N_ERROR_MAX)
			type = m->m_notify[i].n_type;
	if (rc == 0)
		v1_msg_log(isakmp_name(sa), "parsed", m);
	buf_free(out);
	free(m);
	if (type == 0)
		return (0);
	snprintf(why, sizeof(why), "Phase 1 failed: the peer answered our "
	    "Main Mode message 5 with %s, authenticated with our PSK's keys",
	    ikev1_notify_name(type));
	if (t != NULL && !sa->is_reauth) {
		ike_diag_note(t, type == IKEV1_N_AUTHENTICATION_FAILED ?
		    DIAG_MODE : DIAG_OTHER, 1, ikev1_notify_name(type));
		t->t_diag.td_psk_same = 1;
	}
	isakmp_fail(sa, "%s", why);
	return (1);
}

void
ikev1_main_info(struct isakmp_sa *sa, const struct ikev1_msg *m,
    const uint8_t *pkt, size_t len)
{
	int	i;

	if (sa->is_state != ISAKMP_MM_I5) {
		if (!(m->m_hdr.h_flags & IKEV1_FLAG_ENC)) {
			ikev1_info_plain(sa->is_b.b_ctx, m,
			    sa->is_b.b_remote.sin_addr);
			if (sa->is_state == ISAKMP_MM_I1 ||
			    sa->is_state == ISAKMP_AM_I1)
				v1_first_refused(sa, m);
			return;
		}
		log_tdebug(isakmp_name(sa), "encrypted informational %08x in "
		    "state %s dropped", m->m_hdr.h_msgid,
		    isakmp_state_name(sa->is_state));
		sa->is_b.b_ctx->ctx_v1->vc_wrong_state++;
		sa->is_b.b_ctx->ctx_counters.ic_dropped++;
		return;
	}
	/*
	 * After message 5 the responder answers with message 6 only if it
	 * could decrypt and verify message 5.  A notify instead (strongSwan:
	 * PAYLOAD-MALFORMED or AUTHENTICATION-FAILED, encrypted with its own
	 * key, or in the clear) means the attempt failed.  Unless it is
	 * authenticated with our keys (v1_mm5_refused), nothing in it is: it
	 * is logged, its content is not acted on, and it ends the exchange
	 * only if no valid message 6 follows (ikev1_main_bad).
	 */
	if ((m->m_hdr.h_flags & IKEV1_FLAG_ENC) &&
	    v1_mm5_refused(sa, &m->m_hdr, pkt, len))
		return;
	if (m->m_hdr.h_flags & IKEV1_FLAG_ENC)
		ike_rl_log(sa->is_b.b_ctx, IKE_RL_V1_NOT_MM6,
		    sa->is_b.b_remote.sin_addr, isakmp_name(sa),
		    "informational %08x instead of message 6 does not decrypt "
		    "with our key", m->m_hdr.h_msgid);
	for (i = 0; i < m->m_nnotify; i++)
		ike_rl_log(sa->is_b.b_ctx, IKE_RL_V1_NOT_MM6,
		    sa->is_b.b_remote.sin_addr, isakmp_name(sa),
		    "unauthenticated notify %s instead of message 6",
		    ikev1_notify_name(m->m_notify[i].n_type));
	if (!(m->m_hdr.h_flags & IKEV1_FLAG_ENC) && m->m_nnotify == 0) {
		ikev1_info_plain(sa->is_b.b_ctx, m,
		    sa->is_b.b_remote.sin_addr);
		return;
	}
	if (!(m->m_hdr.h_flags & IKEV1_FLAG_ENC))
		sa->is_bad_clear = 1;
	ikev1_main_bad(sa);
}
