/*
 * ikev1_quick.c - Quick Mode (RFC 2409 §5.5): one IPsec SA pair per
 * (local segment, peer segment) pair, one Quick Mode each.
 *
 *   HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr -->
 *   <-- HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr [, N(RESPONDER-LIFETIME)]
 *   HDR*, HASH(3) -->
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
#include "ike/ikev1_sa.h"
#include "policy/proposal.h"

#define QM_DEFAULT_LIFE	28800	/* RFC 2407 §4.5: when not proposed */
static void
qm_retx_cb(evutil_socket_t fd, short ev, void *arg);

/* 1 if msgid is the ID of a Quick Mode of sa whose record is freed. */
static int
qm_msgid_done(const struct isakmp_sa *sa, uint32_t msgid)
{
	int	 i;

	for (i = 0; i < IKEV1_QM_DONE_IDS; i++)
		if (sa->is_qm_done[i] == msgid)
			return (1);
	return (0);
}

/*
 * qm's exchange is over (QM_DONE or QM_FAILED): an IPsec SA not
 * installed and the PFS value go now, the record from the event loop
 * (callers still hold it).  Our Quick Mode done keeps its record for our
 * own retransmission span: the peer may lack our message 3 and repeat
 * its message 2, which gets message 3 again (ikev1_sa.c, v1_xmit_dup).
 * So does the peer's, installed without its message 3: the peer may
 * lack our message 2 and repeat its message 1.
 */
static void
qm_end(struct ikev1_qm *qm, enum qm_state s)
{
	struct ike_ctx	*ctx = qm->qm_sa->is_b.b_ctx;
	unsigned	 ms = 0;
	int		 i;

	qm->qm_state = s;
	ike_xmit_stop(&qm->qm_x);
	if (qm->qm_child != NULL) {
		ikev1_child_policies_heir(qm->qm_sa, qm->qm_child);
		child_sa_uninstall(qm->qm_child, ctx->ctx_kernel, NULL);
		child_sa_free(qm->qm_child);
		qm->qm_child = NULL;
	}
	dh_free(qm->qm_dh);
	qm->qm_dh = NULL;
	if (s == QM_DONE && (qm->qm_initiator || qm->qm_no_hash3))
		for (i = 0; i <= ctx->ctx_retx_tries; i++)
			ms += ike_xmit_backoff(ctx->ctx_retx_ms, i);
	ike_xmit_arm(&qm->qm_x, ms);
}

static struct ikev1_qm *
qm_new(struct isakmp_sa *sa, uint32_t msgid, int initiator)
{
	struct ikev1_qm	*qm;

	if ((qm = calloc(1, sizeof(*qm))) == NULL)
		return (NULL);
	qm->qm_sa = sa;
	qm->qm_msgid = msgid;
	qm->qm_initiator = initiator;
	qm->qm_pair = -1;
	/* RFC 2409 Appendix B: IV = hash(last phase 1 block | M-ID) */
	if ((qm->qm_x.x_ev = evtimer_new(sa->is_b.b_ctx->ctx_base, qm_retx_cb,
	    qm)) == NULL || ikev1_iv_phase2(sa->is_prf, sa->is_iv,
	    sa->is_blen, msgid, qm->qm_iv) == -1) {
		if (qm->qm_x.x_ev != NULL)
			event_free(qm->qm_x.x_ev);
		free(qm);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&sa->is_qms, qm, qm_entry);
	return (qm);
}

static const char *
qm_name(const struct ikev1_qm *qm)
{
	return (isakmp_name(qm->qm_sa));
}

/* --- algorithms and selectors --- */

/* Authentication Algorithm attribute (RFC 2407 §4.5, RFC 4868 §2.1); 0
 * for an AEAD, which has none (RFC 4106 §8.1). */
static uint16_t
qm_auth_alg(int integ)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:		return (IKEV1_AUTH_HMAC_MD5);
	case AUTH_HMAC_SHA1_96:		return (IKEV1_AUTH_HMAC_SHA);
	case AUTH_HMAC_SHA2_256_128:	return (IKEV1_AUTH_HMAC_SHA2_256);
	case AUTH_HMAC_SHA2_384_192:	return (IKEV1_AUTH_HMAC_SHA2_384);
	case AUTH_HMAC_SHA2_512_256:	return (IKEV1_AUTH_HMAC_SHA2_512);
	default:			return (0);
	}
}

/* AH transform IDs (RFC 2407 §4.4.3, RFC 4868 §2.1) */
static uint8_t
qm_ah_id(int integ)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:		return (IKEV1_AH_MD5);
	case AUTH_HMAC_SHA2_256_128:	return (IKEV1_AH_SHA2_256);
	case AUTH_HMAC_SHA2_384_192:	return (IKEV1_AH_SHA2_384);
	case AUTH_HMAC_SHA2_512_256:	return (IKEV1_AH_SHA2_512);
	default:			return (IKEV1_AH_SHA);
	}
}

/* ESP transform IDs (RFC 2407 §4.4.4, RFC 3602, RFC 4106 §8.1) */
static uint8_t
qm_esp_id(int encr)
{
	switch (encr) {
	case ENCR_3DES:		return (IKEV1_ESP_3DES);
	case ENCR_AES_GCM_8:	return (IKEV1_ESP_AES_GCM_8);
	case ENCR_AES_GCM_12:	return (IKEV1_ESP_AES_GCM_12);
	case ENCR_AES_GCM_16:	return (IKEV1_ESP_AES_GCM_16);
	default:		return (IKEV1_ESP_AES);
	}
}

/*
 * Volume lifetimes in Quick Mode: life type kilobytes (RFC 2407 §4.5,
 * life type 2), counted in units of 1024 bytes; a proposal may carry
 * seconds and kilobytes together, each SA ends at the first reached.
 * IKEv1 has no packet life type: lifetime-packets applies locally only.
 */
#define QM_KB	1024ULL

/* lifetime-bytes as proposed: whole kilobytes, at least 1; 0 none. */
static uint64_t
qm_kbytes(uint64_t bytes)
{
	if (bytes == 0)
		return (0);
	return (bytes < QM_KB ? 1 : bytes / QM_KB);
}

/* A proposed kilobyte count in bytes (saturating). */
static uint64_t
qm_kb_bytes(uint64_t kb)
{
	return (kb > UINT64_MAX / QM_KB ? UINT64_MAX : kb * QM_KB);
}

/* The lower of two volume limits, 0 meaning none. */
static uint64_t
qm_vol_lower(uint64_t a, uint64_t b)
{
	if (a == 0)
		return (b);
	if (b == 0)
		return (a);
	return (a < b ? a : b);
}

/* Our IPsec suite i (0-based, policy/proposal.h order) as a transform. */
static void
qm_params(const struct isakmp_sa *sa, uint32_t spi, int i,
    struct ikev1_p2_params *p)
{
	const struct cfg_ipsec	*ips = &sa->is_b.b_tunnel->t_cfg->tn_ipsec;
	struct cfg_prop		 cp;

	proposal_child_get(ips, i, &cp);
	memset(p, 0, sizeof(*p));
	p->p2_spi = ntohl(spi);
	p->p2_group = (uint16_t)ips->ips_pfs;
	p->p2_encap = v1_natt_encap(sa);
	p->p2_life_secs = ips->ips_lifetime;
	p->p2_life_kbytes = qm_kbytes(ips->ips_life_bytes);
	p->p2_auth_alg = qm_auth_alg(cp.cp_integ);
	if (ips->ips_proto == IPPROTO_AH) {
		p->p2_proto = IKEV1_PROTO_AH;
		p->p2_id = qm_ah_id(cp.cp_integ);
		return;
	}
	p->p2_proto = IKEV1_PROTO_ESP;
	p->p2_id = qm_esp_id(cp.cp_encr);
	p->p2_keylen = cp.cp_encr == ENCR_3DES ? 0 : (uint16_t)cp.cp_encr_bits;
}

/* Our suite i's esn setting (CFG_ESN_*): RFC 4304's attribute is per
 * transform, so each suite may have its own. */
static int
qm_esn(const struct cfg_ipsec *ips, int i)
{
	struct cfg_prop	 cp;

	proposal_child_get(ips, i, &cp);
	return (cp.cp_esn);
}

/*
 * Our Quick Mode SA with our inbound SPI (network order): one proposal
 * per suite, numbered 1..n in our order of preference (RFC 2408 §4.2).
 * RFC 4304: ESN as an attribute of the transform; with esn either two
 * transforms per proposal, ESN first.  0 or -1.
 */
static int
qm_offer(const struct isakmp_sa *sa, uint32_t spi, struct ikev1_sa *offer)
{
	const struct cfg_ipsec	*ips = &sa->is_b.b_tunnel->t_cfg->tn_ipsec;
	struct ikev1_p2_params	 p[2];
	int			 i;

	memset(offer, 0, sizeof(*offer));
	offer->sa_doi = IKEV1_DOI_IPSEC;
	offer->sa_situation = IKEV1_SIT_IDENTITY_ONLY;
	for (i = 0; i < proposal_child_count(ips); i++) {
		qm_params(sa, spi, i, &p[0]);
		p[1] = p[0];
		if (qm_esn(ips, i) != CFG_ESN_NO)
			p[0].p2_esn = IKEV1_ESN_64;
		if (ikev1_sa_p2_add(offer, p,
		    qm_esn(ips, i) == CFG_ESN_EITHER ? 2 : 1) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Does a transform's Extended Sequence Number attribute (RFC 4304; absent:
 * 32-bit numbers) suit our esn setting (CFG_ESN_*)?
 */
static int
qm_esn_ok(int esn_cfg, const struct ikev1_transform *tr)
{
	switch (esn_cfg) {
	case CFG_ESN_YES:
		return (tr->tr_esn == IKEV1_ESN_64);
	case CFG_ESN_EITHER:
		return (1);
	default:
		return (tr->tr_esn == 0);
	}
}

static int
qm_tr_match(const struct ikev1_p2_params *p, const struct ikev1_transform *tr,
    int esn_cfg)
{
	if (tr->tr_unknown_attr != 0 || tr->tr_id != p->p2_id ||
	    tr->tr_auth_alg != p->p2_auth_alg || tr->tr_group != p->p2_group ||
	    !qm_esn_ok(esn_cfg, tr))
		return (0);
	/* tunnel mode; UDP-encapsulated tunnel when the peer floated */
	if (tr->tr_encap != IKEV1_ENCAP_TUNNEL &&
	    tr->tr_encap != IKEV1_ENCAP_UDP_TUNNEL &&
	    tr->tr_encap != IKEV1_ENCAP_UDP_TUNNEL_DRAFT)
		return (0);
	/* AES and AES-GCM carry their key length (RFC 4106 §8.1) */
	if (p->p2_proto == IKEV1_PROTO_ESP && (p->p2_id == IKEV1_ESP_AES ||
	    p->p2_id == IKEV1_ESP_AES_GCM_8 ||
	    p->p2_id == IKEV1_ESP_AES_GCM_12 ||
	    p->p2_id == IKEV1_ESP_AES_GCM_16))
		return (tr->tr_keylen == p->p2_keylen);
	return (tr->tr_keylen == 0 || (p->p2_id == IKEV1_ESP_3DES &&
	    tr->tr_keylen == 192));
}

/* Our suite i is the one negotiated: keys and the kernel SA follow it. */
static void
qm_choice(const struct cfg_ipsec *ips, int i, struct child_sa *cs)
{
	struct cfg_prop	 cp;

	proposal_child_get(ips, i, &cp);
	cs->cs_choice.pc_encr = ips->ips_proto == IPPROTO_AH ? 0 : cp.cp_encr;
	cs->cs_choice.pc_encr_bits = ips->ips_proto == IPPROTO_AH ||
	    cp.cp_encr == ENCR_3DES ? 0 : cp.cp_encr_bits;
	cs->cs_choice.pc_integ = cp.cp_integ;
	cs->cs_choice.pc_dh = ips->ips_pfs;
	cs->cs_dh = ips->ips_pfs;
	cs->cs_replay_window = ips->ips_replay_window;
}

/* ID payload (RFC 2407 §4.6.2) -> prefix; 0 or -1. */
static int
qm_id_prefix(const struct ikev1_id *id, struct cfg_prefix *pf)
{
	uint32_t	 mask;
	int		 plen = 0;

	if (id->id_proto != 0 || id->id_port != 0)
		return (-1);
	if (id->id_type == IKEV1_ID_IPV4_ADDR) {
		pf->pf_addr = id->id_addr;
		pf->pf_plen = 32;
		return (0);
	}
	if (id->id_type != IKEV1_ID_IPV4_ADDR_SUBNET)
		return (-1);
	mask = ntohl(id->id_addr2.s_addr);
	while (plen < 32 && (mask & (0x80000000u >> plen)))
		plen++;
	if (plen < 32 && (mask << plen) != 0)
		return (-1);	/* not contiguous */
	pf->pf_addr.s_addr = id->id_addr.s_addr & id->id_addr2.s_addr;
	pf->pf_plen = (uint8_t)plen;
	return (0);
}

static int
qm_add_id(struct pld_writer *w, const struct cfg_prefix *pf)
{
	uint8_t		 data[8];
	uint32_t	 mask = pf->pf_plen ? 0xffffffffu << (32 - pf->pf_plen) :
			    0;

	memcpy(data, &pf->pf_addr, 4);
	mask = htonl(mask);
	memcpy(data + 4, &mask, 4);
	return (ikev1_add_id(w, IKEV1_ID_IPV4_ADDR_SUBNET, 0, 0, data, 8));
}

/* Is pf inside one of segs? */
static int
qm_inside(const struct cfg_prefix *pf, const struct cfg_prefix *segs, int n)
{
	uint32_t	 mask;
	int		 i;

	for (i = 0; i < n; i++) {
		if (pf->pf_plen < segs[i].pf_plen)
			continue;
		mask = segs[i].pf_plen ? htonl(0xffffffffu <<
		    (32 - segs[i].pf_plen)) : 0;
		if ((pf->pf_addr.s_addr & mask) == segs[i].pf_addr.s_addr)
			return (1);
	}
	return (0);
}

/*
 * KEYMAT per direction (RFC 2409 §5.5), keyed by that direction's
 * receiving SPI: inbound ours, outbound the peer's.  The encryption key
 * comes first, then the authentication key.
 */
static int
qm_keys(struct ikev1_qm *qm, const struct buf *gxy)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	struct child_sa		*cs = qm->qm_child;
	uint8_t			 km[2 * CRYPTO_MAX_KEY];
	uint8_t			 proto;
	size_t			 elen = 0, alen;
	struct child_sa_keys	*k;
	int			 dir, rc = -1;

	if ((k = child_sa_keys_get(cs)) == NULL)
		return (-1);
	proto = cs->cs_proto == IPPROTO_AH ? IKEV1_PROTO_AH : IKEV1_PROTO_ESP;
	if (cs->cs_choice.pc_encr != 0 && (elen = encr_key_len(
	    cs->cs_choice.pc_encr, cs->cs_choice.pc_encr_bits)) == 0)
		goto done;
	/* AES-GCM: no authentication key; the salt ends the encryption
	 * key's KEYMAT (RFC 4106 §8.1) */
	if (cs->cs_choice.pc_integ == AUTH_NONE &&
	    encr_is_aead(cs->cs_choice.pc_encr))
		alen = 0;
	else if ((alen = integ_key_len(cs->cs_choice.pc_integ)) == 0)
		goto done;
	for (dir = 0; dir < 2; dir++) {
		if (ikev1_keymat(sa->is_prf, sa->is_keys.k_d,
		    sa->is_keys.k_len, gxy ? gxy->buf_data : NULL,
		    gxy ? gxy->buf_len : 0, proto, (const uint8_t *)(dir == 0 ?
		    &cs->cs_spi_in : &cs->cs_spi_out), qm->qm_ni->buf_data,
		    qm->qm_ni->buf_len, qm->qm_nr->buf_data,
		    qm->qm_nr->buf_len, km, elen + alen) == -1)
			goto done;
		memcpy(dir == 0 ? k->ck_ekey_in : k->ck_ekey_out, km, elen);
		memcpy(dir == 0 ? k->ck_akey_in : k->ck_akey_out, km + elen,
		    alen);
	}
	cs->cs_ekey_len = elen;
	cs->cs_akey_len = alen;
	rc = 0;
done:
	OPENSSL_cleanse(km, sizeof(km));
	return (rc);
}

/* Our nonce and (PFS) KE. */
static int
qm_add_nonce_ke(struct ikev1_qm *qm, struct pld_writer *w, int group)
{
	struct buf	**n = qm->qm_initiator ? &qm->qm_ni : &qm->qm_nr;
	struct buf	*ke = NULL;
	int		 rc = -1;

	if ((*n = buf_new(IKEV1_NONCE_LEN)) == NULL ||
	    buf_reserve(*n, IKEV1_NONCE_LEN) == NULL ||
	    RAND_bytes((*n)->buf_data, IKEV1_NONCE_LEN) != 1 ||
	    ikev1_add_nonce(w, (*n)->buf_data, (*n)->buf_len) == -1)
		return (-1);
	if (group == 0)
		return (0);
	if ((qm->qm_dh = dh_new(group)) == NULL ||
	    (ke = buf_new(dh_group_len(group))) == NULL ||
	    dh_public_get(qm->qm_dh, ke) == -1 ||
	    ikev1_add_ke(w, ke->buf_data, ke->buf_len) == -1)
		goto done;
	rc = 0;
done:
	buf_free(ke);
	return (rc);
}

/* The PFS shared secret from the peer's KE (NULL without PFS). */
static int
qm_gxy(struct ikev1_qm *qm, const struct ikev1_msg *m, struct buf **gxy)
{
	*gxy = NULL;
	if (qm->qm_dh == NULL)
		return (m->m_ke == NULL ? 0 : -1);
	if (m->m_ke == NULL ||
	    (*gxy = dh_derive(qm->qm_dh, m->m_ke, m->m_ke_len)) == NULL)
		return (-1);
	return (0);
}

/* Patches the HASH at hoff (hl bytes) and encrypts with the QM IV. */
static int
qm_finish(struct ikev1_qm *qm, struct buf *b, size_t hoff, size_t hl,
    int which)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	const uint8_t		*rest = b->buf_data + hoff + hl;
	size_t			 restlen = b->buf_len - hoff - hl;
	int			 rc;

	if (which == 1)
		rc = ikev1_hash_qm1(sa->is_prf, sa->is_keys.k_a,
		    sa->is_keys.k_len, qm->qm_msgid, rest, restlen,
		    b->buf_data + hoff);
	else if (which == 2)
		rc = ikev1_hash_qm2(sa->is_prf, sa->is_keys.k_a,
		    sa->is_keys.k_len, qm->qm_msgid, qm->qm_ni->buf_data,
		    qm->qm_ni->buf_len, rest, restlen, b->buf_data + hoff);
	else
		rc = ikev1_hash_qm3(sa->is_prf, sa->is_keys.k_a,
		    sa->is_keys.k_len, qm->qm_msgid, qm->qm_ni->buf_data,
		    qm->qm_ni->buf_len, qm->qm_nr->buf_data,
		    qm->qm_nr->buf_len, b->buf_data + hoff);
	if (rc == -1)
		return (-1);
	return (v1_msg_seal(sa, b, qm->qm_iv, qm->qm_iv));
}

/* --- initiator --- */

/*
 * Initiator: Quick Mode for segment pair `pair', or (old != NULL) for
 * old's selectors to rekey it: same reqid, so the policies stay.
 */
static int
qm_start(struct isakmp_sa *sa, int pair, const struct child_sa *old)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	const struct cfg_tunnel	*c = t->t_cfg;
	struct ikev1_sa		*offer = NULL;
	struct pld_writer	 w;
	struct ikev1_qm		*qm;
	struct child_sa		*cs;
	struct buf		*b = NULL;
	uint32_t		 msgid;
	size_t			 hoff, hl = prf_len(sa->is_prf);
	int			 li = pair >= 0 ? pair / c->tn_nremote : 0;
	int			 ri = pair >= 0 ? pair % c->tn_nremote : 0;

	do {
		if (RAND_bytes((uint8_t *)&msgid, sizeof(msgid)) != 1)
			return (-1);
	} while (msgid == 0 || ikev1_qm_find(sa, msgid) != NULL ||
	    qm_msgid_done(sa, msgid));
	if ((qm = qm_new(sa, msgid, 1)) == NULL)
		return (-1);
	qm->qm_pair = pair;
	if ((cs = child_sa_new(c->tn_name, (uint8_t)c->tn_ipsec.ips_proto,
	    sa->is_b.b_local.sin_addr, sa->is_b.b_remote.sin_addr)) == NULL)
		goto fail;
	qm->qm_child = cs;
	v1_natt_child(sa, cs);
	cs->cs_pair = pair;
	if (old != NULL) {
		cs->cs_reqid = old->cs_reqid;
		cs->cs_lts[0] = old->cs_lts[0];
		cs->cs_rts[0] = old->cs_rts[0];
		qm->qm_rekey_spi = old->cs_spi_in;
	} else {
		cs->cs_lts[0] = c->tn_local[li];
		cs->cs_rts[0] = c->tn_remote[ri];
	}
	cs->cs_nlts = cs->cs_nrts = 1;
	qm_choice(&c->tn_ipsec, 0, cs);	/* until the answer */
	qm->qm_life = c->tn_ipsec.ips_lifetime;
	qm->qm_life_bytes = c->tn_ipsec.ips_life_bytes;
	if (child_sa_spi_alloc(cs, sa->is_b.b_ctx->ctx_kernel) == -1)
		goto fail;
	if ((offer = calloc(1, sizeof(*offer))) == NULL ||
	    qm_offer(sa, cs->cs_spi_in, offer) == -1 ||
	    v1_msg_begin(sa, &b, &w, IKEV1_EXCH_QUICK, msgid) == -1 ||
	    ikev1_add_hash(&w, NULL, hl, &hoff) == -1 ||
	    ikev1_add_sa(&w, offer) == -1 ||
	    qm_add_nonce_ke(qm, &w, c->tn_ipsec.ips_pfs) == -1 ||
	    qm_add_id(&w, &cs->cs_lts[0]) == -1 ||
	    qm_add_id(&w, &cs->cs_rts[0]) == -1 ||
	    qm_finish(qm, b, hoff, hl, 1) == -1)
		goto fail;
	free(offer);
	qm->qm_state = QM_I1;
	if (old == NULL)
		t->t_pair[pair] = PAIR_PENDING;
	v1_xmit_send(sa, &qm->qm_x, b, 1);
	return (0);
fail:
	free(offer);
	buf_free(b);
	ikev1_qm_free(qm);
	return (-1);
}

/*
 * A rekey of cs may wait for the new ISAKMP SA (ikev1_qm_hold) only if cs
 * outlives the wait: under loss the re-authentication took longer than
 * the SA had left, and it expired unrekeyed (the v1-gw-gw soak: 20 s
 * IPsec SAs whose rekey came with the re-authentication, 6.8 s before
 * the end, and an 8 s hold).  Otherwise the rekey goes on the old SA.
 */
static int
qm_hold_fits(const struct isakmp_sa *sa, const struct child_sa *cs)
{
	const struct sa_lifetime *lt = &cs->cs_life;

	if (lt->lt_life_ms == 0)
		return (1);
	return (ike_now_ms() + (uint64_t)V1_QM_HOLD *
	    sa->is_b.b_ctx->ctx_retx_ms < lt->lt_born_ms + lt->lt_life_ms);
}

/*
 * One exchange from the queue of sa (sa_queue.c): a Quick Mode rekeying
 * an IPsec SA of its tunnel (either role), or (initiator) setting up a
 * segment pair, unless the peer set one up for it already.  IKEv1 queues
 * nothing else: its DELETEs go out at once, a re-authentication is a new
 * ISAKMP SA, an expired IPsec SA waits for the tunnel's next attempt.
 */
void
ikev1_quick_task(struct isakmp_sa *sa, enum ike_task task,
    struct child_sa *cs, int p)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct child_sa		*got;

	switch (task) {
	case IKE_TASK_CHILD_REKEY:
		if (qm_hold_fits(sa, cs) && ikev1_qm_hold(sa)) {
			cs->cs_rekey_due = 1;	/* on the new SA */
			break;
		}
		if (qm_start(sa, cs->cs_pair, cs) == -1)
			log_twarn(isakmp_name(sa), "cannot start the Quick "
			    "Mode rekeying IPsec SA %08x", ntohl(cs->cs_spi_in));
		break;
	case IKE_TASK_PAIR:
		/* an IPsec SA the peer set up (we were the responder) */
		if ((got = ikev1_child_by_ts(t, &t->t_cfg->tn_local[p /
		    t->t_cfg->tn_nremote], &t->t_cfg->tn_remote[p %
		    t->t_cfg->tn_nremote])) != NULL) {
			if (got->cs_pair < 0)
				got->cs_pair = p;
			t->t_pair[p] = PAIR_UP;
			break;
		}
		if (qm_start(sa, p, NULL) == -1) {
			t->t_pair[p] = PAIR_FAILED;
			ike_tunnel_failed(t, 2, "Phase 2 failed: cannot start "
			    "Quick Mode");
		}
		break;
	default:
		break;
	}
}

/* Installs qm's child into the ISAKMP SA. */
static int
qm_install(struct ikev1_qm *qm)
{
	struct isakmp_sa	*sa = qm->qm_sa, *owner = sa, *succ;
	struct child_sa		*cs = qm->qm_child;
	char			 l[20], r[20];

	/*
	 * A Quick Mode that ends on an ISAKMP SA replaced meanwhile (a
	 * re-authentication finished while it ran): its IPsec SA goes to
	 * the new ISAKMP SA with the others, not down with the old one.
	 */
	if (sa->is_replaced && sa->is_b.b_tunnel != NULL &&
	    (succ = ikev1_tunnel_sa(sa->is_b.b_tunnel)) != NULL && succ != sa) {
		log_tdebug(qm_name(qm), "Quick Mode %08x ended on a replaced "
		    "ISAKMP SA: its IPsec SA goes to the new one",
		    ntohl(qm->qm_msgid));
		owner = succ;
	}
	if (qm->qm_in_early) {
		/* inbound in since message 2 (qm_r2_inbound): the rest */
		if (cs->cs_watch_ev != NULL)
			evtimer_del((struct event *)cs->cs_watch_ev);
		cs->cs_policies = 1;
		if (child_sa_install_outbound(cs,
		    sa->is_b.b_ctx->ctx_kernel) == -1)
			return (-1);
	} else {
		cs->cs_lifetime = qm->qm_life;
		ikev1_child_volume_set(owner, cs, qm->qm_initiator,
		    qm->qm_life_bytes, sa->is_b.b_tunnel != NULL ?
		    sa->is_b.b_tunnel->t_cfg->tn_ipsec.ips_life_packets : 0);
		/* not a rekey, but a pair of ours has these selectors (the
		 * peer's Quick Mode crossed ours): one reqid for both */
		if (qm->qm_rekey_spi == 0 && sa->is_b.b_tunnel != NULL)
			child_sa_reqid_join(cs, ikev1_child_by_ts(
			    sa->is_b.b_tunnel, &cs->cs_lts[0],
			    &cs->cs_rts[0]));
		if (child_sa_install(cs, sa->is_b.b_ctx->ctx_kernel,
		    &owner->is_b.b_children) == -1)
			return (-1);
	}
	qm->qm_child = NULL;
	qm->qm_spi_in = cs->cs_spi_in;
	cs->cs_owner = owner;
	cs->cs_initiated = qm->qm_initiator;
	TAILQ_INSERT_TAIL(&owner->is_b.b_children, cs, cs_entry);
	ikev1_child_late(sa, cs);
	ikev1_child_timer_arm(owner, cs);
	if (owner != sa)
		ikev1_life_replaced_keep(sa, cs);
	cfg_prefix_str(&cs->cs_lts[0], l, sizeof(l));
	cfg_prefix_str(&cs->cs_rts[0], r, sizeof(r));
	log_tinfo(qm_name(qm), "IPsec SA established: %s <-> %s, SPIs "
	    "%08x in, %08x out, lifetime %u s", l, r, ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out), cs->cs_lifetime);
	if (qm->qm_rekey_spi == 0)
		ikev1_child_crossed(owner, cs);
	if (cs->cs_life_bytes != 0 || cs->cs_life_packets != 0)
		log_tinfo(qm_name(qm), "IPsec SA %08x: volume lifetime %llu "
		    "bytes, %llu packets (0: none), rekey from %llu bytes, "
		    "%llu packets", ntohl(cs->cs_spi_in),
		    (unsigned long long)cs->cs_life_bytes,
		    (unsigned long long)cs->cs_life_packets,
		    (unsigned long long)cs->cs_soft_bytes,
		    (unsigned long long)cs->cs_soft_packets);
	/* the standby's copy, while the keys are still here; and its
	 * ISAKMP SA's again, whose time left is then fresh (IKEv1 has no
	 * message IDs whose moves would send it, ike_ha.c) */
	ike_ha_child_sa(&owner->is_b, cs);
	ike_ha_ike_sa(&owner->is_b);
	child_sa_keys_done(cs, sa->is_b.b_ctx->ctx_cfg);
	qm_end(qm, QM_DONE);
	return (0);
}

static void
qm_i_fail(struct ikev1_qm *qm, const char *why)
{
	struct ike_tunnel	*t = qm->qm_sa->is_b.b_tunnel;

	qm_end(qm, QM_FAILED);
	if (qm->qm_rekey_spi != 0)
		/* the old SA carries on until it expires */
		ike_event(qm->qm_sa->is_b.b_ctx, qm_name(qm), "rekey", "IPsec SA "
		    "%08x rekey failed: %s", ntohl(qm->qm_rekey_spi), why);
	else if (t != NULL && qm->qm_pair >= 0) {
		t->t_pair[qm->qm_pair] = PAIR_FAILED;
		ike_tunnel_failed(t, 2, "Phase 2 failed: %s", why);
	}
	/* the next waiting pair, then: anything left to wait for? */
	isakmp_next(qm->qm_sa);
	isakmp_check_later(qm->qm_sa);
}


/* Which of our suites (0-based) the answer's one transform is, or -1. */
static int
qm_suite_of(const struct isakmp_sa *sa, uint32_t spi,
    const struct ikev1_proposal *pr)
{
	const struct cfg_ipsec	*ips = &sa->is_b.b_tunnel->t_cfg->tn_ipsec;
	struct ikev1_p2_params	 p;
	int			 i;

	for (i = 0; i < proposal_child_count(ips); i++) {
		qm_params(sa, spi, i, &p);
		if (pr->prop_proto == p.p2_proto &&
		    qm_tr_match(&p, &pr->prop_tr[0], qm_esn(ips, i)))
			return (i);
	}
	return (-1);
}

/* HASH(2) msg --> HASH(3), install */
static void
qm_i2(struct ikev1_qm *qm, const struct ikev1_msg *m)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	struct child_sa		*cs = qm->qm_child;
	const struct ikev1_proposal *pr;
	const struct ikev1_notify *n;
	struct cfg_prefix	 pi, pr2;
	struct pld_writer	 w;
	struct buf		*b = NULL, *gxy = NULL;
	size_t			 hoff, hl = prf_len(sa->is_prf);
	uint32_t		 life;
	uint64_t		 kb;
	int			 i, k;

	/* one proposal, one transform: one of our suites */
	pr = &m->m_sa.sa_prop[0];
	k = m->m_sa.sa_nprop != 1 || pr->prop_ntr != 1 ||
	    pr->prop_spi_len != 4 ? -1 : qm_suite_of(sa, cs->cs_spi_in, pr);
	if (k == -1) {
		qm_i_fail(qm, "the peer answered with a proposal we did not "
		    "offer");
		return;
	}
	qm_choice(&sa->is_b.b_tunnel->t_cfg->tn_ipsec, k, cs);
	cs->cs_choice.pc_esn = pr->prop_tr[0].tr_esn == IKEV1_ESN_64 ?
	    PROP_ESN_YES : PROP_ESN_NONE;
	if (m->m_nonce == NULL || m->m_nonce_len < IKEV1_NONCE_MIN ||
	    m->m_nonce_len > IKEV1_NONCE_MAX ||
	    (qm->qm_nr = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL) {
		qm_i_fail(qm, "bad nonce in Quick Mode message 2");
		return;
	}
	/* the IDs, if echoed, must be ours */
	if (m->m_nid == 2 && (qm_id_prefix(&m->m_id[0], &pi) == -1 ||
	    qm_id_prefix(&m->m_id[1], &pr2) == -1 ||
	    pi.pf_addr.s_addr != cs->cs_lts[0].pf_addr.s_addr ||
	    pi.pf_plen != cs->cs_lts[0].pf_plen ||
	    pr2.pf_addr.s_addr != cs->cs_rts[0].pf_addr.s_addr ||
	    pr2.pf_plen != cs->cs_rts[0].pf_plen)) {
		qm_i_fail(qm, "the peer changed the traffic selectors");
		return;
	}
	memcpy(&cs->cs_spi_out, pr->prop_spi, 4);
	life = pr->prop_tr[0].tr_life_secs;
	if (life != 0 && life < qm->qm_life)
		qm->qm_life = life;
	/* the responder may lower our kilobytes (or add its own) */
	qm->qm_life_bytes = qm_vol_lower(qm->qm_life_bytes,
	    qm_kb_bytes(pr->prop_tr[0].tr_life_kbytes));
	for (i = 0; i < m->m_nnotify; i++) {
		n = &m->m_notify[i];
		if (n->n_type != IKEV1_N_RESPONDER_LIFETIME)
			continue;
		/* RFC 2407 §4.6.3.1: its data are life attributes */
		if (ikev1_life_attrs_parse(n->n_data, n->n_len, &life,
		    &kb) == -1) {
			log_tinfo(qm_name(qm), "malformed RESPONDER-LIFETIME "
			    "ignored");
			continue;
		}
		log_tinfo(qm_name(qm), "RESPONDER-LIFETIME %u s, %llu KB "
		    "(0: none)", life, (unsigned long long)kb);
		if (life != 0 && life < qm->qm_life)
			qm->qm_life = life;
		qm->qm_life_bytes = qm_vol_lower(qm->qm_life_bytes,
		    qm_kb_bytes(kb));
	}
	if (qm_gxy(qm, m, &gxy) == -1) {
		qm_i_fail(qm, "bad or missing PFS KE in Quick Mode message 2");
		return;
	}
	if (qm_keys(qm, gxy) == -1 ||
	    v1_msg_begin(sa, &b, &w, IKEV1_EXCH_QUICK, qm->qm_msgid) == -1 ||
	    ikev1_add_hash(&w, NULL, hl, &hoff) == -1 ||
	    qm_finish(qm, b, hoff, hl, 3) == -1) {
		buf_free(gxy);
		buf_free(b);
		qm_i_fail(qm, "cannot build Quick Mode message 3");
		return;
	}
	buf_free(gxy);
	v1_xmit_send(sa, &qm->qm_x, b, 0);
	/* a rekey: our traffic stays on the old SA until the peer shows it
	 * installed the new one (message 3 has no answer) */
	if (qm->qm_rekey_spi != 0 && ikev1_rekey_defer_ok(sa, qm->qm_rekey_spi))
		cs->cs_out_deferred = 1;
	if (qm_install(qm) == -1) {
		qm_i_fail(qm, "cannot install the IPsec SAs");
		return;
	}
	if (qm->qm_rekey_spi != 0)
		ikev1_child_replaced(sa, cs, qm->qm_rekey_spi, 1);
	else if (sa->is_b.b_tunnel != NULL && qm->qm_pair >= 0 &&
	    qm->qm_pair < IKE_PAIR_MAX)
		sa->is_b.b_tunnel->t_pair[qm->qm_pair] = PAIR_UP;
	if (sa->is_b.b_tunnel != NULL)
		ike_tunnel_update(sa->is_b.b_tunnel);
	isakmp_next(sa);
}

/* --- responder --- */

/*
 * Selects the first of OUR suites that a proposal of the peer offers
 * (strongSwan's rule: our order of preference, not the peer's); fills
 * the transform we answer with and *suite (0-based).
 */
static const struct ikev1_proposal *
qm_select(struct isakmp_sa *sa, const struct ikev1_msg *m,
    struct ikev1_transform *tr, int *suite)
{
	const struct cfg_ipsec	*ips = &sa->is_b.b_tunnel->t_cfg->tn_ipsec;
	struct ikev1_p2_params	 p;
	const struct ikev1_proposal *pr;
	int			 i, j, k, pass, esn;

	for (k = 0; k < proposal_child_count(ips); k++) {
		qm_params(sa, 0, k, &p);
		esn = qm_esn(ips, k);
		/* esn either: a transform with ESN first, then one
		 * without (with yes or no both passes ask the same) */
		for (pass = 0; pass < 2; pass++)
		for (i = 0; i < m->m_sa.sa_nprop; i++) {
			pr = &m->m_sa.sa_prop[i];
			if (pr->prop_proto != p.p2_proto ||
			    pr->prop_spi_len != 4)
				continue;
			for (j = 0; j < pr->prop_ntr; j++)
				if (qm_tr_match(&p, &pr->prop_tr[j],
				    esn != CFG_ESN_EITHER ? esn :
				    pass == 0 ? CFG_ESN_YES : CFG_ESN_NO)) {
					*tr = pr->prop_tr[j];
					*suite = k;
					return (pr);
				}
		}
	}
	return (NULL);
}

/*
 * gatewayctl doctor's table: our Quick Mode offer (as our message 1
 * sends it) and theirs, the peer's SA (NULL: it refused ours, we never
 * saw its proposals), both through ikev1_sa_offer.
 */
static void
qm_diag_props(struct isakmp_sa *sa, const struct ikev1_sa *theirs)
{
	struct ikev1_sa		*ours;

	if ((ours = calloc(1, sizeof(*ours))) == NULL) {
		ike_diag_props(sa->is_b.b_tunnel, NULL, NULL);
		return;
	}
	v1_diag_offers(sa, qm_offer(sa, 0, ours) == 0 ? ours : NULL, theirs,
	    "Quick Mode");
	free(ours);
}

/*
 * gatewayctl doctor: why no proposal of the peer's Quick Mode fits: no
 * proposal of our protocol (ESP against AH), one that fits but for its
 * PFS group (or KE presence), else the algorithms.  The table holds our
 * offer (as our Quick Mode message 1 sends it) and all of the peer's.
 */
static void
qm_diag_proposal(struct isakmp_sa *sa, const struct ikev1_msg *m)
{
	struct ike_tunnel		*t = sa->is_b.b_tunnel;
	struct ikev1_p2_params		 p;
	const struct ikev1_proposal	*pr;
	int				 i, j, k, pfs = 0;

	if (t == NULL)
		return;
	for (k = 0; k < proposal_child_count(&t->t_cfg->tn_ipsec); k++)
	for (i = 0; i < m->m_sa.sa_nprop && !pfs; i++) {
		qm_params(sa, 0, k, &p);
		pr = &m->m_sa.sa_prop[i];
		if (pr->prop_proto != p.p2_proto)
			continue;
		for (j = 0; j < pr->prop_ntr && !pfs; j++) {
			p.p2_group = pr->prop_tr[j].tr_group;
			if (qm_tr_match(&p, &pr->prop_tr[j],
			    qm_esn(&t->t_cfg->tn_ipsec, k)))
				pfs = 1;
		}
	}
	if (!pfs && (m->m_ke != NULL) != (t->t_cfg->tn_ipsec.ips_pfs != 0))
		pfs = 1;
	ike_diag_note(t, pfs ? DIAG_PFS : DIAG_CHILD_PROPOSAL, 2, NULL);
	qm_diag_props(sa, &m->m_sa);
}

/* RESPONDER-LIFETIME (RFC 2407 §4.6.3.1): seconds, kilobytes (0: not
 * sent) as life attributes. */
static int
qm_add_life_notify(struct pld_writer *w, uint8_t proto, uint32_t spi,
    uint32_t life, uint64_t kbytes)
{
	struct buf	*d;
	int		 rc = -1;

	if ((d = buf_new(32)) == NULL)
		return (-1);
	if (ikev1_life_attrs_write(d, life, kbytes) == 0)
		rc = ikev1_add_notify(w, proto, (const uint8_t *)&spi, 4,
		    IKEV1_N_RESPONDER_LIFETIME, d->buf_data, d->buf_len);
	buf_free(d);
	return (rc);
}

static void
qm_r_fail(struct ikev1_qm *qm, uint8_t proto, const uint8_t *spi,
    uint16_t notify, const char *fmt, const char *a, const char *b)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	char			 why[128];

	snprintf(why, sizeof(why), fmt, a, b);
	/* NO-PROPOSAL-CHOSEN: qm_diag_proposal() said why */
	if (sa->is_b.b_tunnel != NULL && notify != IKEV1_N_NO_PROPOSAL_CHOSEN) {
		ike_diag_note(sa->is_b.b_tunnel, notify ==
		    IKEV1_N_INVALID_ID_INFORMATION ? DIAG_SEGMENTS :
		    DIAG_OTHER, 2, NULL);
		ike_diag_ts(sa->is_b.b_tunnel, NULL, NULL);
		if (notify == IKEV1_N_INVALID_ID_INFORMATION)
			snprintf(sa->is_b.b_tunnel->t_diag.td_ts_theirs,
			    sizeof(sa->is_b.b_tunnel->t_diag.td_ts_theirs),
			    "%s === %s", a, b);
	}
	ikev1_info_notify(sa, proto, spi, spi ? 4 : 0, notify, NULL, 0);
	qm_end(qm, QM_FAILED);
	if (sa->is_b.b_tunnel != NULL)
		ike_tunnel_failed(sa->is_b.b_tunnel, 2, "Phase 2 failed (%s "
		    "sent): %s", ikev1_notify_name(notify), why);
}

/* HASH(1) msg --> HASH(2) answer */
static void	qm_r3(struct ikev1_qm *);

/* The Quick Mode of sa's tunnel whose IPsec SA (not installed yet) is
 * cs, or NULL. */
static struct ikev1_qm *
qm_of_child(struct isakmp_sa *sa, const struct child_sa *cs)
{
	struct isakmp_sa	*o;
	struct ikev1_qm		*qm;

	ISAKMP_KIN_FOREACH(o, sa) {
		TAILQ_FOREACH(qm, &o->is_qms, qm_entry)
			if (qm->qm_child == cs)
				return (qm);
	}
	return (NULL);
}

/* Traffic on the inbound SA of a Quick Mode still waiting for HASH(3):
 * the peer has the SA, its message 3 was lost. */
static void
qm_r2_watch_cb(struct child_sa *cs)
{
	struct isakmp_sa	*sa = cs->cs_owner;
	struct ikev1_qm		*qm;

	if ((qm = qm_of_child(sa, cs)) == NULL || qm->qm_state != QM_R2)
		return;
	if (child_sa_inbound_bytes(cs, sa->is_b.b_ctx->ctx_kernel) == 0) {
		(void)child_sa_watch(cs, sa->is_b.b_ctx->ctx_base,
		    QM_R2_WATCH_MS, qm_r2_watch_cb);
		return;
	}
	log_tinfo(qm_name(qm), "Quick Mode %08x: the peer sends on IPsec SA "
	    "%08x, its HASH(3) was lost: installing", qm->qm_msgid,
	    ntohl(cs->cs_spi_in));
	qm_r3(qm);
}

/*
 * Our message 2 of a Quick Mode rekeying an IPsec SA is out: its inbound
 * SA goes in now (as Libreswan does), the outbound one with HASH(3).  The
 * peer sends on the new SA as soon as it has sent HASH(3); if that is
 * lost, strongSwan does not send it again (it ignores our retransmitted
 * message 2: "received retransmit of response ..., but next request
 * already sent"), and what it sent us on the SA was dropped until the SA
 * was rekeyed again (the v1-gw-swan soak lost 12 s so).  Traffic seen on
 * it completes the Quick Mode.  Only for a rekey: its predecessor's
 * policies (the same reqid) are in place, so nothing new is exposed.
 */
static void
qm_r2_inbound(struct ikev1_qm *qm)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct child_sa		*cs = qm->qm_child, *old;

	if (t == NULL || cs == NULL || qm->qm_rekey_spi == 0)
		return;
	/* the SA it rekeys; or, when the peer's rekey crossed ours and we
	 * deleted their predecessor already, our new SA for the selectors
	 * (the v1-gw-swan soak: strongSwan sent on this one from its
	 * message 3 on, which was lost, and we dropped it all for 6 s) */
	if ((old = ikev1_child_by_spi(t, qm->qm_rekey_spi)) == NULL)
		old = ikev1_child_by_ts(t, &cs->cs_lts[0], &cs->cs_rts[0]);
	if (old == NULL || old->cs_reqid != cs->cs_reqid ||
	    !old->cs_policies || old->cs_owner == NULL)
		return;
	cs->cs_lifetime = qm->qm_life;
	ikev1_child_volume_set(sa, cs, 0, qm->qm_life_bytes,
	    t->t_cfg->tn_ipsec.ips_life_packets);
	cs->cs_out_deferred = 1;
	if (child_sa_install(cs, sa->is_b.b_ctx->ctx_kernel,
	    &((struct isakmp_sa *)old->cs_owner)->is_b.b_children) == -1) {
		/* HASH(3) tries again */
		cs->cs_out_deferred = 0;
		cs->cs_sa_in = 0;
		child_sa_set_state(cs, CHILD_SA_NEW);
		return;
	}
	/* the policies are its predecessor's until it is complete */
	cs->cs_policies = 0;
	cs->cs_owner = sa;
	qm->qm_in_early = 1;
	log_tdebug(qm_name(qm), "Quick Mode %08x: inbound SA %08x in before "
	    "HASH(3)", qm->qm_msgid, ntohl(cs->cs_spi_in));
	(void)child_sa_watch(cs, sa->is_b.b_ctx->ctx_base, QM_R2_WATCH_MS,
	    qm_r2_watch_cb);
}

static void
qm_r1(struct ikev1_qm *qm, const struct ikev1_msg *m)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	const struct cfg_tunnel	*c = sa->is_b.b_tunnel->t_cfg;
	const struct ikev1_proposal *pr;
	struct ikev1_transform	 tr;
	struct ikev1_sa		*ans = NULL;
	struct cfg_prefix	 rp, lp;
	struct child_sa		*cs, *old;
	struct pld_writer	 w;
	struct buf		*b = NULL, *gxy = NULL;
	char			 ls[20], rs[20];
	size_t			 hoff, hl = prf_len(sa->is_prf);
	uint32_t		 theirs, spi_in;
	uint64_t		 ours_kb, kb_notify = 0;
	uint8_t			 proto;
	int			 suite;

	if (m->m_nonce == NULL || m->m_nonce_len < IKEV1_NONCE_MIN ||
	    m->m_nonce_len > IKEV1_NONCE_MAX || m->m_sa.sa_nprop == 0) {
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		qm_r_fail(qm, IKEV1_PROTO_ISAKMP, NULL,
		    IKEV1_N_PAYLOAD_MALFORMED, "%s%s", "malformed Quick Mode "
		    "message 1", "");
		return;
	}
	proto = m->m_sa.sa_prop[0].prop_proto;
	/* IDci is the peer's side, IDcr ours (RFC 2409 §5.5) */
	if (m->m_nid != 2 || qm_id_prefix(&m->m_id[0], &rp) == -1 ||
	    qm_id_prefix(&m->m_id[1], &lp) == -1) {
		qm_r_fail(qm, proto, m->m_sa.sa_prop[0].prop_spi,
		    IKEV1_N_INVALID_ID_INFORMATION, "%s%s", "the peer sent no "
		    "or unsupported Quick Mode IDs", "");
		return;
	}
	cfg_prefix_str(&lp, ls, sizeof(ls));
	cfg_prefix_str(&rp, rs, sizeof(rs));
	if (!qm_inside(&lp, c->tn_local, c->tn_nlocal) ||
	    !qm_inside(&rp, c->tn_remote, c->tn_nremote)) {
		qm_r_fail(qm, proto, m->m_sa.sa_prop[0].prop_spi,
		    IKEV1_N_INVALID_ID_INFORMATION, "the peer's selectors "
		    "%s <-> %s match no segment pair",
		    ls, rs);
		return;
	}
	if ((pr = qm_select(sa, m, &tr, &suite)) == NULL ||
	    (c->tn_ipsec.ips_pfs != 0) != (m->m_ke != NULL)) {
		qm_diag_proposal(sa, m);
		qm_r_fail(qm, proto, m->m_sa.sa_prop[0].prop_spi,
		    IKEV1_N_NO_PROPOSAL_CHOSEN, "no acceptable Quick Mode "
		    "proposal for %s <-> %s", ls, rs);
		return;
	}
	if ((cs = child_sa_new(c->tn_name, (uint8_t)c->tn_ipsec.ips_proto,
	    sa->is_b.b_local.sin_addr, sa->is_b.b_remote.sin_addr)) == NULL)
		goto fail;
	qm->qm_child = cs;
	v1_natt_child(sa, cs);
	cs->cs_lts[0] = lp;
	cs->cs_rts[0] = rp;
	cs->cs_nlts = cs->cs_nrts = 1;
	/* the same selectors as an IPsec SA we have: the peer rekeys it;
	 * or, when that is our own fresh rekey of an SA, the peer's Quick
	 * Mode crossed ours and rekeys the same SA, which we deleted when
	 * the peer used our new one (strongSwan sent its Quick Mode before
	 * our DELETE came): a collision, which
	 * ikev1_child_replaced settles, instead of two chains for good */
	if ((old = ikev1_child_by_ts(sa->is_b.b_tunnel, &lp, &rp)) != NULL) {
		cs->cs_reqid = old->cs_reqid;
		qm->qm_rekey_spi = old->cs_spi_in;
		if (old->cs_initiated && old->cs_rekey_spi != 0 &&
		    time(NULL) - old->cs_installed_at <= V1_CROSSED_REKEY_S &&
		    ikev1_child_by_spi(sa->is_b.b_tunnel,
		    old->cs_rekey_spi) == NULL) {
			log_tdebug(qm_name(qm), "Quick Mode %08x: the peer's "
			    "rekey crossed ours, %08x, of the same SA",
			    qm->qm_msgid, ntohl(old->cs_spi_in));
			qm->qm_rekey_spi = old->cs_rekey_spi;
		}
		log_tdebug(qm_name(qm), "Quick Mode %08x rekeys IPsec SA %08x",
		    qm->qm_msgid, ntohl(qm->qm_rekey_spi));
	}
	qm_choice(&c->tn_ipsec, suite, cs);
	cs->cs_choice.pc_esn = tr.tr_esn == IKEV1_ESN_64 ? PROP_ESN_YES :
	    PROP_ESN_NONE;
	memcpy(&cs->cs_spi_out, pr->prop_spi, 4);
	if (child_sa_spi_alloc(cs, sa->is_b.b_ctx->ctx_kernel) == -1)
		goto fail;
	log_tdebug(qm_name(qm), "Quick Mode %08x: the peer proposes a life of "
	    "%u s, %llu KB (0: none)", qm->qm_msgid, tr.tr_life_secs,
	    (unsigned long long)tr.tr_life_kbytes);
	/* lifetimes: the shorter wins; ours shorter -> RESPONDER-LIFETIME */
	theirs = tr.tr_life_secs ? tr.tr_life_secs : QM_DEFAULT_LIFE;
	qm->qm_life = c->tn_ipsec.ips_lifetime < theirs ?
	    c->tn_ipsec.ips_lifetime : theirs;
	if (qm->qm_life < theirs && tr.tr_life_secs != 0)
		tr.tr_life_secs = qm->qm_life;
	/*
	 * Kilobytes (Cisco proposes 4608000 by default): accepted, the
	 * lower of theirs and our lifetime-bytes applies; ours lower ->
	 * the answer carries it, and RESPONDER-LIFETIME says so (also
	 * when they proposed none).
	 */
	qm->qm_life_bytes = qm_vol_lower(c->tn_ipsec.ips_life_bytes,
	    qm_kb_bytes(tr.tr_life_kbytes));
	ours_kb = qm_kbytes(c->tn_ipsec.ips_life_bytes);
	if (ours_kb != 0 && (tr.tr_life_kbytes == 0 ||
	    ours_kb < tr.tr_life_kbytes)) {
		kb_notify = ours_kb;
		if (tr.tr_life_kbytes != 0)
			tr.tr_life_kbytes = ours_kb;
	}
	if ((qm->qm_ni = buf_new_data(m->m_nonce, m->m_nonce_len)) == NULL)
		goto fail;
	if ((ans = calloc(1, sizeof(*ans))) == NULL)
		goto fail;
	ans->sa_doi = IKEV1_DOI_IPSEC;
	ans->sa_situation = IKEV1_SIT_IDENTITY_ONLY;
	ans->sa_nprop = 1;
	ans->sa_prop[0].prop_num = pr->prop_num;
	ans->sa_prop[0].prop_proto = pr->prop_proto;
	ans->sa_prop[0].prop_spi_len = 4;
	memcpy(ans->sa_prop[0].prop_spi, &cs->cs_spi_in, 4);
	ans->sa_prop[0].prop_ntr = 1;
	ans->sa_prop[0].prop_tr[0] = tr;
	spi_in = cs->cs_spi_in;
	if (v1_msg_begin(sa, &b, &w, IKEV1_EXCH_QUICK, qm->qm_msgid) == -1 ||
	    ikev1_add_hash(&w, NULL, hl, &hoff) == -1 ||
	    ikev1_add_sa(&w, ans) == -1 ||
	    qm_add_nonce_ke(qm, &w, c->tn_ipsec.ips_pfs) == -1 ||
	    ikev1_add_id(&w, m->m_id[0].id_type, 0, 0, m->m_id[0].id_data,
	    m->m_id[0].id_len) == -1 ||
	    ikev1_add_id(&w, m->m_id[1].id_type, 0, 0, m->m_id[1].id_data,
	    m->m_id[1].id_len) == -1)
		goto fail;
	if ((qm->qm_life < theirs || kb_notify != 0) &&
	    qm_add_life_notify(&w, pr->prop_proto, spi_in, qm->qm_life,
	    kb_notify) == -1)
		goto fail;
	if (qm_gxy(qm, m, &gxy) == -1 || qm_keys(qm, gxy) == -1 ||
	    qm_finish(qm, b, hoff, hl, 2) == -1)
		goto fail;
	buf_free(gxy);
	free(ans);
	qm->qm_state = QM_R2;
	v1_xmit_send(sa, &qm->qm_x, b, 1);
	qm_r2_inbound(qm);
	return;
fail:
	buf_free(gxy);
	free(ans);
	buf_free(b);
	/* its larval inbound SA goes at once */
	qm_end(qm, QM_FAILED);
	if (sa->is_b.b_tunnel != NULL)
		ike_tunnel_failed(sa->is_b.b_tunnel, 2, "Phase 2 failed: cannot "
		    "answer Quick Mode for %s <-> %s", ls, rs);
}

/* HASH(3): install */
static void
qm_r3(struct ikev1_qm *qm)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	struct child_sa		*cs = qm->qm_child;

	ike_xmit_stop(&qm->qm_x);
	if (qm_install(qm) == -1) {
		qm_end(qm, QM_FAILED);
		if (sa->is_b.b_tunnel != NULL)
			ike_tunnel_failed(sa->is_b.b_tunnel, 2, "Phase 2 failed: "
			    "cannot install the IPsec SAs");
		return;
	}
	/* the peer rekeyed: it deletes the old SA (or it expires) */
	if (qm->qm_rekey_spi != 0)
		ikev1_child_replaced(sa, cs, qm->qm_rekey_spi, 0);
	if (sa->is_b.b_tunnel != NULL)
		ike_tunnel_update(sa->is_b.b_tunnel);
}

/* An IPsec SA the peer made, installed, that rekeys old_spi_in. */
static struct child_sa *
qm_peer_successor(struct isakmp_sa *sa, uint32_t old_spi_in)
{
	struct isakmp_sa	*o;
	struct child_sa		*cs;

	ISAKMP_KIN_FOREACH(o, sa) {
		TAILQ_FOREACH(cs, &o->is_b.b_children, cs_entry)
			if (!cs->cs_initiated && cs->cs_rekey_spi == old_spi_in &&
			    cs->cs_state == CHILD_SA_INSTALLED)
				return (cs);
	}
	return (NULL);
}

int
ikev1_quick_commit_lost(struct isakmp_sa *sa, uint32_t old_spi_in)
{
	struct ikev1_qm	*qm;
	struct child_sa	*cs;

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (!qm->qm_initiator && qm->qm_state == QM_R2 &&
		    qm->qm_rekey_spi == old_spi_in && old_spi_in != 0)
			break;
	if (qm == NULL)
		return (0);
	/*
	 * The peer rekeyed the same SA again since, and that Quick Mode
	 * completed: it gave this one up (no HASH(3) came, it saw no
	 * traffic on it) and deleted its side.  Installing it now would
	 * put a dead outbound SA in front of the live one.
	 */
	if ((cs = qm_peer_successor(sa, old_spi_in)) != NULL) {
		log_tinfo(qm_name(qm), "the peer rekeyed IPsec SA %08x again "
		    "(%08x) after Quick Mode %08x, whose HASH(3) never came: "
		    "dropping it", ntohl(old_spi_in), ntohl(cs->cs_spi_in),
		    qm->qm_msgid);
		ikev1_qm_free(qm);
		return (0);
	}
	log_tinfo(qm_name(qm), "the peer deleted the IPsec SA %08x that "
	    "Quick Mode %08x replaces: its HASH(3) was lost; installing",
	    ntohl(old_spi_in), qm->qm_msgid);
	/* or our message 2 was: its message 1 again gets it again */
	qm->qm_no_hash3 = 1;
	qm_r3(qm);
	return (1);
}

int
ikev1_quick_peer_gave_up(struct isakmp_sa *sa, uint32_t spi)
{
	struct ikev1_qm	*qm;

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (!qm->qm_initiator && qm->qm_state == QM_R2 &&
		    qm->qm_child != NULL && qm->qm_child->cs_spi_out == spi &&
		    spi != 0)
			break;
	if (qm == NULL)
		return (0);
	log_tinfo(qm_name(qm), "the peer deleted the IPsec SA %08x that "
	    "Quick Mode %08x was making (its HASH(3) never came): dropping it",
	    ntohl(spi), qm->qm_msgid);
	ikev1_qm_forget(qm);
	return (1);
}

/*
 * The peer's new Quick Mode msgid (HASH(1) verified) would pass a cap
 * (IKEV1_QM_RESPONDER_MAX, ikev1_child_max): counted, logged at debug
 * and at most once per IKEV1_QM_LOG_MS per ISAKMP SA at info.
 */
static void
qm_refuse(struct isakmp_sa *sa, uint32_t msgid, int sas, int n, int max)
{
	struct ike_counters	*ic = &sa->is_b.b_ctx->ctx_counters;
	const char		*why = sas ? "IPsec SAs of the tunnel" :
				    "Quick Modes waiting for message 3";
	uint64_t		 now = ike_now_ms();

	if (sas)
		ic->ic_v1_qm_refused_sas++;
	else
		ic->ic_v1_qm_refused_inflight++;
	ic->ic_dropped++;
	sa->is_qm_refused++;
	log_tdebug(isakmp_name(sa), "Quick Mode %08x dropped: %d %s, at most "
	    "%d", msgid, n, why, max);
	if (sa->is_qm_log_ms != 0 &&
	    now - sa->is_qm_log_ms < IKEV1_QM_LOG_MS)
		return;
	log_tinfo(isakmp_name(sa), "the peer's Quick Mode %08x dropped: %d "
	    "%s, at most %d (%llu dropped since the last such line, which "
	    "comes at most every %d s)", msgid, n, why, max,
	    (unsigned long long)sa->is_qm_refused, IKEV1_QM_LOG_MS / 1000);
	sa->is_qm_log_ms = now;
	sa->is_qm_refused = 0;
}

/* 0 if the peer's new Quick Mode msgid fits the caps, else -1 (refused:
 * dropped unanswered; see IKEV1_QM_RESPONDER_MAX). */
static int
qm_admit(struct isakmp_sa *sa, uint32_t msgid)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	const struct ikev1_qm	*qm;
	int			 n = 0, max;

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (!qm->qm_initiator && qm->qm_state == QM_R2)
			n++;
	if (n >= IKEV1_QM_RESPONDER_MAX) {
		qm_refuse(sa, msgid, 0, n, IKEV1_QM_RESPONDER_MAX);
		return (-1);
	}
	if (t != NULL && (n = ikev1_child_count(t)) >= (max =
	    ikev1_child_max(t))) {
		qm_refuse(sa, msgid, 1, n, max);
		return (-1);
	}
	return (0);
}

/* Verifies HASH(n) of m: the first payload, over the rest. */
static int
qm_verify(struct ikev1_qm *qm, const struct ikev1_msg *m, int which)
{
	struct isakmp_sa	*sa = qm->qm_sa;
	uint8_t			 h[CRYPTO_MAX_HASH];
	size_t			 hl = prf_len(sa->is_prf);
	int			 rc;

	if (m->m_npld < 1 || m->m_order[0] != IKEV1_PLD_HASH ||
	    m->m_hash_len != hl)
		return (-1);
	if (which == 1)
		rc = ikev1_hash_qm1(sa->is_prf, sa->is_keys.k_a,
		    sa->is_keys.k_len, qm->qm_msgid, m->m_after_hash,
		    m->m_after_hash_len, h);
	else if (which == 2)
		rc = ikev1_hash_qm2(sa->is_prf, sa->is_keys.k_a,
		    sa->is_keys.k_len, qm->qm_msgid, qm->qm_ni->buf_data,
		    qm->qm_ni->buf_len, m->m_after_hash, m->m_after_hash_len,
		    h);
	else
		rc = (qm->qm_nr == NULL) ? -1 : ikev1_hash_qm3(sa->is_prf,
		    sa->is_keys.k_a, sa->is_keys.k_len, qm->qm_msgid,
		    qm->qm_ni->buf_data, qm->qm_ni->buf_len,
		    qm->qm_nr->buf_data, qm->qm_nr->buf_len, h);
	if (rc == -1 || CRYPTO_memcmp(h, m->m_hash, hl) != 0)
		return (-1);
	return (0);
}

void
ikev1_quick_recv(struct isakmp_sa *sa, struct ikev1_msg *m,
    const uint8_t *pkt, size_t len)
{
	struct ikev1_qm		*qm;
	struct buf		*out = NULL;
	uint8_t			 iv[CRYPTO_MAX_BLOCK];
	uint32_t		 msgid = m->m_hdr.h_msgid;
	int			 fresh = 0, which;

	if ((out = buf_new(len)) == NULL)
		goto done;
	if ((qm = ikev1_qm_find(sa, msgid)) == NULL) {
		if (qm_msgid_done(sa, msgid)) {
			log_tdebug(isakmp_name(sa), "Quick Mode %08x message "
			    "in a finished exchange dropped", msgid);
			sa->is_b.b_ctx->ctx_v1->vc_wrong_state++;
			sa->is_b.b_ctx->ctx_counters.ic_dropped++;
			goto done;
		}
		if ((qm = qm_new(sa, msgid, 0)) == NULL)
			goto done;
		fresh = 1;
	}
	memcpy(iv, qm->qm_iv, sizeof(iv));
	if (ikev1_msg_open(m, pkt, len, sa->is_encr, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len, iv, out) == -1) {
		log_tdebug(isakmp_name(sa), "Quick Mode %08x does not "
		    "decrypt/parse: dropped", msgid);
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		goto drop;
	}
	v1_msg_log(isakmp_name(sa), "parsed", m);
	which = fresh ? 1 : qm->qm_state == QM_I1 ? 2 :
	    qm->qm_state == QM_R2 ? 3 : 0;
	if (which == 0) {
		log_tdebug(isakmp_name(sa), "Quick Mode %08x message in a "
		    "finished exchange dropped", msgid);
		sa->is_b.b_ctx->ctx_v1->vc_wrong_state++;
		sa->is_b.b_ctx->ctx_counters.ic_dropped++;
		goto done;
	}
	if (qm_verify(qm, m, which) == -1) {
		log_tdebug(isakmp_name(sa), "Quick Mode %08x HASH(%d) does "
		    "not verify: dropped", msgid, which);
		sa->is_b.b_ctx->ctx_counters.ic_bad_icv++;
		goto drop;
	}
	memcpy(qm->qm_iv, iv, sizeof(iv));
	ike_xmit_heard(&qm->qm_x, pkt, len);
	v1_natt_authenticated(sa);
	ikev1_dpd_arm(sa);
	if (which == 1 && qm_admit(sa, msgid) == -1)
		goto drop;
	if (which == 1)
		qm_r1(qm, m);
	else if (which == 2)
		qm_i2(qm, m);
	else
		qm_r3(qm);
	goto done;
drop:
	if (fresh)
		ikev1_qm_free(qm);
done:
	buf_free(out);
}

void
ikev1_quick_refused(struct isakmp_sa *sa, uint8_t proto, const uint8_t *spi,
    size_t spilen, uint16_t type)
{
	struct ikev1_qm	*qm, *pick = NULL;
	char		 why[96];

	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry) {
		if (qm->qm_state != QM_I1 || qm->qm_child == NULL)
			continue;
		if (spilen == 4 && memcmp(spi, &qm->qm_child->cs_spi_in,
		    4) == 0) {
			pick = qm;
			break;
		}
		if (pick == NULL)
			pick = qm;
	}
	if (pick == NULL)
		return;
	snprintf(why, sizeof(why), "the peer refused Quick Mode: %s",
	    ikev1_notify_name(type));
	if (sa->is_b.b_tunnel != NULL) {
		ike_diag_note(sa->is_b.b_tunnel, type ==
		    IKEV1_N_INVALID_ID_INFORMATION ? DIAG_SEGMENTS : type ==
		    IKEV1_N_NO_PROPOSAL_CHOSEN ? DIAG_CHILD_PROPOSAL :
		    DIAG_OTHER, 2, ikev1_notify_name(type));
		ike_diag_ts(sa->is_b.b_tunnel, NULL, NULL);
		/* as IKEv2 does: our side of the table */
		if (type == IKEV1_N_NO_PROPOSAL_CHOSEN)
			qm_diag_props(sa, NULL);
	}
	qm_i_fail(pick, why);
}

static void
qm_retx_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ikev1_qm	*qm = arg;

	/* qm_end(): the exchange is over, the record goes */
	if (qm->qm_state == QM_DONE || qm->qm_state == QM_FAILED) {
		ikev1_qm_forget(qm);
		return;
	}
	if (!v1_xmit_retx(qm->qm_sa, &qm->qm_x))
		return;
	if (qm->qm_initiator)
		qm_i_fail(qm, "no answer to Quick Mode message 1");
	else {
		log_tinfo(qm_name(qm), "Quick Mode %08x: no message 3 from "
		    "the peer", qm->qm_msgid);
		/* the record and its larval inbound SA go now, not with
		 * the ISAKMP SA */
		ikev1_qm_forget(qm);
	}
}
