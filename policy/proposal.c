/*
 * proposal.c - our IKEv2 SA proposals and the choice among the peer's
 * (RFC 7296 §2.7, §3.3).
 *
 * A proposal matches when, for every transform type our policy needs, one
 * of the alternatives the peer offers is exactly our algorithm (AES also
 * with our key length), and it offers no transform type that does not
 * belong to its protocol (§3.3.6: such a proposal must be rejected).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "policy/proposal.h"

#define XF_BIT(t)	(1U << (t))
#define XF_IKE_TYPES	(XF_BIT(PROP_XF_ENCR) | XF_BIT(PROP_XF_PRF) | \
			    XF_BIT(PROP_XF_INTEG) | XF_BIT(PROP_XF_DH))
#define XF_ESP_TYPES	(XF_BIT(PROP_XF_ENCR) | XF_BIT(PROP_XF_INTEG) | \
			    XF_BIT(PROP_XF_DH) | XF_BIT(PROP_XF_ESN))
#define XF_AH_TYPES	(XF_BIT(PROP_XF_INTEG) | XF_BIT(PROP_XF_DH) | \
			    XF_BIT(PROP_XF_ESN))

static int	proposal_offers(const struct prop_proposal *, uint8_t, int,
		    int);
static int	proposal_esn_pick(int,
		    const struct prop_proposal *);

static int
proposal_tr_add(struct prop_proposal *prop, uint8_t type, uint16_t id,
    uint16_t keylen)
{
	struct prop_transform	*tr;

	if (prop->prop_ntr >= PROP_MAX_TRANSFORMS)
		return (-1);
	tr = &prop->prop_tr[prop->prop_ntr++];
	tr->tr_type = type;
	tr->tr_id = id;
	tr->tr_keylen = keylen;
	return (0);
}

/*
 * AES (CBC and GCM) carries its Key Length attribute, 3DES and
 * ChaCha20-Poly1305 none (RFC 7296 §3.3.5, RFC 5282 §8, RFC 7634 §4).
 */
static uint16_t
proposal_keylen(int encr, int bits)
{
	return (encr_has_keylen(encr) ? bits : 0);
}

/*
 * Our integrity transform: with an AEAD cipher (integ AUTH_NONE) the
 * proposal may carry no integrity transform or "none" (RFC 7296 §3.3,
 * RFC 5282 §8); otherwise it must offer ours.
 */
static int
proposal_integ_ok(const struct prop_proposal *p, uint32_t types, int integ)
{
	if (integ == AUTH_NONE)
		return ((types & XF_BIT(PROP_XF_INTEG)) == 0 ||
		    proposal_offers(p, PROP_XF_INTEG, AUTH_NONE, 0));
	return (proposal_offers(p, PROP_XF_INTEG, integ, 0));
}

int
proposal_ike_count(const struct cfg_ike *ike)
{
	return (ike->ike_nprops > 0 ? ike->ike_nprops : 1);
}

void
proposal_ike_get(const struct cfg_ike *ike, int i, struct cfg_prop *out)
{
	if (ike->ike_nprops > 0 && i >= 0 && i < ike->ike_nprops) {
		*out = ike->ike_props[i];
		return;
	}
	memset(out, 0, sizeof(*out));
	out->cp_encr = ike->ike_encr;
	out->cp_encr_bits = ike->ike_encr_bits;
	out->cp_integ = ike->ike_integ;
	out->cp_prf = ike->ike_prf;
	out->cp_dh = ike->ike_dh;
}

int
proposal_ike_has_dh(const struct cfg_ike *ike, int group)
{
	struct cfg_prop	 cp;
	int		 i;

	for (i = 0; i < proposal_ike_count(ike); i++) {
		proposal_ike_get(ike, i, &cp);
		if (cp.cp_dh == group)
			return (1);
	}
	return (0);
}

int
proposal_ike_allows(const struct cfg_ike *ike,
    const struct proposal_choice *pc)
{
	struct cfg_prop	 cp;
	int		 i;

	for (i = 0; i < proposal_ike_count(ike); i++) {
		proposal_ike_get(ike, i, &cp);
		if (cp.cp_encr == pc->pc_encr &&
		    (!encr_has_keylen(pc->pc_encr) ||
		    cp.cp_encr_bits == pc->pc_encr_bits) &&
		    cp.cp_integ == pc->pc_integ && cp.cp_prf == pc->pc_prf &&
		    cp.cp_dh == pc->pc_dh)
			return (1);
	}
	return (0);
}

int
proposal_child_count(const struct cfg_ipsec *ips)
{
	return (ips->ips_nprops > 0 ? ips->ips_nprops : 1);
}

void
proposal_child_get(const struct cfg_ipsec *ips, int i, struct cfg_prop *out)
{
	if (ips->ips_nprops > 0 && i >= 0 && i < ips->ips_nprops) {
		*out = ips->ips_props[i];
		return;
	}
	memset(out, 0, sizeof(*out));
	out->cp_encr = ips->ips_encr;
	out->cp_encr_bits = ips->ips_encr_bits;
	out->cp_integ = ips->ips_integ;
	out->cp_dh = ips->ips_pfs;
	out->cp_esn = ips->ips_esn;
}

int
proposal_child_has_dh(const struct cfg_ipsec *ips, int group)
{
	struct cfg_prop	 cp;
	int		 i;

	if (group <= 0)
		return (0);
	for (i = 0; i < proposal_child_count(ips); i++) {
		proposal_child_get(ips, i, &cp);
		if (cp.cp_dh == group)
			return (1);
	}
	return (0);
}

int
proposal_child_suite_dh(const struct cfg_ipsec *ips, int suite)
{
	struct cfg_prop	 cp;

	if (suite < 0 || suite >= proposal_child_count(ips))
		suite = 0;
	proposal_child_get(ips, suite, &cp);
	return (cp.cp_dh);
}

/* The PFS group suite cp carries when DH transforms go out (dh_group
 * > 0): its own in a list, dh_group for a single suite. */
static int
proposal_child_dh_of(const struct cfg_ipsec *ips, const struct cfg_prop *cp,
    int dh_group)
{
	if (dh_group <= 0)
		return (dh_group);
	return (ips->ips_nprops > 0 ? cp->cp_dh : dh_group);
}

/* One IKE proposal's transforms: encr, prf, integ, dh (the seed's
 * order, kept so that a single suite is the same bytes as ever). */
static void
proposal_ike_fill(struct prop_proposal *prop, const struct cfg_prop *cp)
{
	proposal_tr_add(prop, PROP_XF_ENCR, cp->cp_encr,
	    proposal_keylen(cp->cp_encr, cp->cp_encr_bits));
	proposal_tr_add(prop, PROP_XF_PRF, cp->cp_prf, 0);
	/* An AEAD has no integrity transform (RFC 5282 §8). */
	if (cp->cp_integ != AUTH_NONE)
		proposal_tr_add(prop, PROP_XF_INTEG, cp->cp_integ, 0);
	proposal_tr_add(prop, PROP_XF_DH, cp->cp_dh, 0);
}

/*
 * Each suite of the list is a proposal of its own, numbered 1..n in our
 * order of preference (RFC 7296 §3.3.1); a single suite is proposal 1.
 */
int
proposal_ike_build(const struct cfg_ike *ike, const uint8_t *spi,
    uint8_t spi_len, struct prop_offer *out)
{
	struct prop_proposal	*prop;
	struct cfg_prop		 cp;
	int			 i, n = proposal_ike_count(ike);

	memset(out, 0, sizeof(*out));
	if ((spi_len != 0 && spi_len != 8) || (spi_len != 0 && spi == NULL) ||
	    n > PROP_MAX_PROPOSALS)
		return (-1);
	for (i = 0; i < n; i++) {
		prop = &out->sa_prop[i];
		prop->prop_num = i + 1;
		prop->prop_proto = PROP_PROTO_IKE;
		prop->prop_spi_len = spi_len;
		if (spi_len > 0)
			memcpy(prop->prop_spi, spi, spi_len);
		proposal_ike_get(ike, i, &cp);
		proposal_ike_fill(prop, &cp);
	}
	out->sa_nprop = n;
	return (0);
}

int
proposal_ike_answer(const struct proposal_choice *pc, const uint8_t *spi,
    uint8_t spi_len, struct prop_offer *out)
{
	struct prop_proposal	*prop = &out->sa_prop[0];
	struct cfg_prop		 cp;

	memset(out, 0, sizeof(*out));
	if ((spi_len != 0 && spi_len != 8) || (spi_len != 0 && spi == NULL))
		return (-1);
	memset(&cp, 0, sizeof(cp));
	cp.cp_encr = pc->pc_encr;
	cp.cp_encr_bits = pc->pc_encr_bits;
	cp.cp_integ = pc->pc_integ;
	cp.cp_prf = pc->pc_prf;
	cp.cp_dh = pc->pc_dh;
	out->sa_nprop = 1;
	prop->prop_num = pc->pc_num;
	prop->prop_proto = PROP_PROTO_IKE;
	prop->prop_spi_len = spi_len;
	if (spi_len > 0)
		memcpy(prop->prop_spi, spi, spi_len);
	proposal_ike_fill(prop, &cp);
	return (0);
}

/* One ESP or AH proposal's transforms: encr, integ, dh, esn. */
static void
proposal_child_fill(struct prop_proposal *prop, const struct cfg_ipsec *ips,
    const struct cfg_prop *cp, int dh_group, int esn)
{
	if (ips->ips_proto == IPPROTO_ESP)
		proposal_tr_add(prop, PROP_XF_ENCR, cp->cp_encr,
		    proposal_keylen(cp->cp_encr, cp->cp_encr_bits));
	/* ESP with an AEAD has no integrity transform (RFC 4106 §8.2) */
	if (cp->cp_integ != AUTH_NONE)
		proposal_tr_add(prop, PROP_XF_INTEG, cp->cp_integ, 0);
	if (dh_group > 0)
		proposal_tr_add(prop, PROP_XF_DH, dh_group, 0);
	/* RFC 7296 §3.3.2: ESN yes, none, or both (the responder picks;
	 * our preference first) */
	if (esn != CFG_ESN_NO)
		proposal_tr_add(prop, PROP_XF_ESN, PROP_ESN_YES, 0);
	if (esn != CFG_ESN_YES)
		proposal_tr_add(prop, PROP_XF_ESN, PROP_ESN_NONE, 0);
}

static void
proposal_child_head(struct prop_proposal *prop, const struct cfg_ipsec *ips,
    uint8_t num, uint32_t spi)
{
	prop->prop_num = num;
	prop->prop_proto = ips->ips_proto == IPPROTO_ESP ? PROP_PROTO_ESP :
	    PROP_PROTO_AH;
	prop->prop_spi_len = 4;
	memcpy(prop->prop_spi, &spi, 4);
}

int
proposal_child_build(const struct cfg_ipsec *ips, uint32_t spi,
    int dh_group, struct prop_offer *out)
{
	struct cfg_prop		 cp;
	int			 i, n = proposal_child_count(ips);

	memset(out, 0, sizeof(*out));
	if (dh_group < 0 || (ips->ips_proto != IPPROTO_ESP &&
	    ips->ips_proto != IPPROTO_AH) || n > PROP_MAX_PROPOSALS)
		return (-1);
	for (i = 0; i < n; i++) {
		proposal_child_head(&out->sa_prop[i], ips, i + 1, spi);
		proposal_child_get(ips, i, &cp);
		proposal_child_fill(&out->sa_prop[i], ips, &cp,
		    proposal_child_dh_of(ips, &cp, dh_group), cp.cp_esn);
	}
	out->sa_nprop = n;
	return (0);
}

int
proposal_child_answer(const struct cfg_ipsec *ips, uint32_t spi,
    int dh_group, const struct proposal_choice *pc, struct prop_offer *out)
{
	struct cfg_prop		 cp;

	memset(out, 0, sizeof(*out));
	if (dh_group < 0 || (ips->ips_proto != IPPROTO_ESP &&
	    ips->ips_proto != IPPROTO_AH))
		return (-1);
	memset(&cp, 0, sizeof(cp));
	cp.cp_encr = pc->pc_encr;
	cp.cp_encr_bits = pc->pc_encr_bits;
	cp.cp_integ = pc->pc_integ;
	out->sa_nprop = 1;
	proposal_child_head(&out->sa_prop[0], ips, pc->pc_num, spi);
	/* the one ESN value chosen, not our alternatives (§3.3.6) */
	proposal_child_fill(&out->sa_prop[0], ips, &cp, dh_group,
	    pc->pc_esn == PROP_ESN_YES ? CFG_ESN_YES : CFG_ESN_NO);
	return (0);
}

/*
 * The ESN value we take from proposal p: yes when we want it (yes, or
 * either and the peer offers it), none when we accept 32-bit numbers
 * and the peer offers them; -1 if p offers neither that we accept.
 */
static int
proposal_esn_pick(int esn, const struct prop_proposal *p)
{
	if (esn != CFG_ESN_NO &&
	    proposal_offers(p, PROP_XF_ESN, PROP_ESN_YES, 0))
		return (PROP_ESN_YES);
	if (esn != CFG_ESN_YES &&
	    proposal_offers(p, PROP_XF_ESN, PROP_ESN_NONE, 0))
		return (PROP_ESN_NONE);
	return (-1);
}

/* 1 if the proposal offers transform (type, id, keylen) among its own. */
static int
proposal_offers(const struct prop_proposal *prop, uint8_t type, int id,
    int keylen)
{
	int	 i;

	for (i = 0; i < prop->prop_ntr && i < PROP_MAX_TRANSFORMS; i++)
		if (prop->prop_tr[i].tr_type == type &&
		    prop->prop_tr[i].tr_id == id &&
		    prop->prop_tr[i].tr_keylen == keylen)
			return (1);
	return (0);
}

/* Bit set of the transform types present; 0 if there are none or any
 * has a type outside 1..31. */
static uint32_t
proposal_types(const struct prop_proposal *prop)
{
	uint32_t	 types = 0;
	int		 i;

	if (prop->prop_ntr <= 0 || prop->prop_ntr > PROP_MAX_TRANSFORMS)
		return (0);
	for (i = 0; i < prop->prop_ntr; i++) {
		if (prop->prop_tr[i].tr_type == 0 ||
		    prop->prop_tr[i].tr_type > 31)
			return (0);
		types |= XF_BIT(prop->prop_tr[i].tr_type);
	}
	return (types);
}

static void
proposal_choice_init(const struct prop_proposal *prop,
    struct proposal_choice *out)
{
	memset(out, 0, sizeof(*out));
	out->pc_num = prop->prop_num;
	out->pc_proto = prop->prop_proto;
	out->pc_spi_len = prop->prop_spi_len;
	memcpy(out->pc_spi, prop->prop_spi, prop->prop_spi_len);
}

static int
proposal_ike_match(const struct cfg_prop *cp, const struct prop_proposal *p)
{
	uint32_t	 types = proposal_types(p);

	if (p->prop_proto != PROP_PROTO_IKE ||
	    (p->prop_spi_len != 0 && p->prop_spi_len != 8))
		return (0);
	if (types == 0 || (types & ~XF_IKE_TYPES) != 0)
		return (0);
	return (proposal_offers(p, PROP_XF_ENCR, cp->cp_encr,
	    proposal_keylen(cp->cp_encr, cp->cp_encr_bits)) &&
	    proposal_offers(p, PROP_XF_PRF, cp->cp_prf, 0) &&
	    proposal_integ_ok(p, types, cp->cp_integ) &&
	    proposal_offers(p, PROP_XF_DH, cp->cp_dh, 0));
}

/*
 * strongSwan's rule: the first of OUR suites that any received proposal
 * offers wins, whatever the peer's order (RFC 7296 §2.7 leaves the
 * choice to the responder).
 */
int
proposal_ike_select(const struct cfg_ike *ike,
    const struct prop_offer *received, struct proposal_choice *out)
{
	const struct prop_proposal	*p;
	struct cfg_prop			 cp;
	int				 i, k;

	for (k = 0; k < proposal_ike_count(ike); k++) {
		proposal_ike_get(ike, k, &cp);
		for (i = 0; i < received->sa_nprop && i < PROP_MAX_PROPOSALS;
		    i++) {
			p = &received->sa_prop[i];
			if (!proposal_ike_match(&cp, p))
				continue;
			proposal_choice_init(p, out);
			out->pc_encr = cp.cp_encr;
			out->pc_encr_bits = proposal_keylen(cp.cp_encr,
			    cp.cp_encr_bits);
			out->pc_prf = cp.cp_prf;
			out->pc_integ = cp.cp_integ;
			out->pc_dh = cp.cp_dh;
			return (0);
		}
	}
	log_debug("no IKE proposal matches ours among %d", received->sa_nprop);
	return (-1);
}

static int
proposal_child_match(const struct cfg_ipsec *ips, const struct cfg_prop *cp,
    int dh_group, const struct prop_proposal *p)
{
	uint32_t	 types = proposal_types(p);
	int		 esp = ips->ips_proto == IPPROTO_ESP;

	if (p->prop_proto != (esp ? PROP_PROTO_ESP : PROP_PROTO_AH) ||
	    p->prop_spi_len != 4)
		return (0);
	if (types == 0 || (types & ~(esp ? XF_ESP_TYPES : XF_AH_TYPES)) != 0)
		return (0);
	if (esp && !proposal_offers(p, PROP_XF_ENCR, cp->cp_encr,
	    proposal_keylen(cp->cp_encr, cp->cp_encr_bits)))
		return (0);
	if (!proposal_integ_ok(p, types, cp->cp_integ) ||
	    proposal_esn_pick(cp->cp_esn, p) == -1)
		return (0);
	/* RFC 7296 §3.3.2: DH "none" and no DH transform mean the same. */
	if (dh_group == 0 && (types & XF_BIT(PROP_XF_DH)) &&
	    !proposal_offers(p, PROP_XF_DH, DH_NONE, 0))
		return (0);
	if (dh_group > 0 && !proposal_offers(p, PROP_XF_DH, dh_group, 0))
		return (0);
	return (1);
}

/* As proposal_ike_select: the first of our suites the peer offers. */
int
proposal_child_select(const struct cfg_ipsec *ips, int dh_group,
    const struct prop_offer *received, struct proposal_choice *out)
{
	const struct prop_proposal	*p;
	struct cfg_prop			 cp;
	int				 i, k, g;

	if (ips->ips_proto != IPPROTO_ESP && ips->ips_proto != IPPROTO_AH)
		return (-1);
	for (k = 0; k < proposal_child_count(ips); k++) {
		proposal_child_get(ips, k, &cp);
		/* a list: each suite's own PFS group */
		g = dh_group >= 0 && ips->ips_nprops > 0 ? cp.cp_dh : dh_group;
		for (i = 0; i < received->sa_nprop && i < PROP_MAX_PROPOSALS;
		    i++) {
			p = &received->sa_prop[i];
			if (!proposal_child_match(ips, &cp, g, p))
				continue;
			proposal_choice_init(p, out);
			if (ips->ips_proto == IPPROTO_ESP) {
				out->pc_encr = cp.cp_encr;
				out->pc_encr_bits = proposal_keylen(cp.cp_encr,
				    cp.cp_encr_bits);
			}
			out->pc_integ = cp.cp_integ;
			out->pc_dh = g > 0 ? g : 0;
			out->pc_esn = proposal_esn_pick(cp.cp_esn, p);
			out->pc_suite = k;
			return (0);
		}
	}
	log_debug("no %s proposal matches ours among %d",
	    ips->ips_proto == IPPROTO_ESP ? "ESP" : "AH", received->sa_nprop);
	return (-1);
}

int
proposal_check_answer(const struct prop_offer *ours,
    const struct prop_offer *answer, struct proposal_choice *out)
{
	const struct prop_proposal	*a, *o = NULL;
	const struct prop_transform	*tr;
	uint32_t			 seen = 0;
	int				 i;

	if (answer->sa_nprop != 1) {
		log_debug("answer has %d proposals, not 1", answer->sa_nprop);
		return (-1);
	}
	a = &answer->sa_prop[0];
	/* §3.3.1: the answer keeps the number of the proposal chosen. */
	for (i = 0; i < ours->sa_nprop && i < PROP_MAX_PROPOSALS; i++)
		if (ours->sa_prop[i].prop_num == a->prop_num &&
		    ours->sa_prop[i].prop_proto == a->prop_proto)
			o = &ours->sa_prop[i];
	if (o == NULL || a->prop_spi_len != o->prop_spi_len ||
	    a->prop_ntr <= 0 || a->prop_ntr > PROP_MAX_TRANSFORMS) {
		log_debug("answer proposal %u does not fit ours", a->prop_num);
		return (-1);
	}
	proposal_choice_init(a, out);
	for (i = 0; i < a->prop_ntr; i++) {
		tr = &a->prop_tr[i];
		if (tr->tr_type == 0 || tr->tr_type > 31 ||
		    (seen & XF_BIT(tr->tr_type)) ||
		    !proposal_offers(o, tr->tr_type, tr->tr_id,
		    tr->tr_keylen)) {
			log_debug("answer transform type %u id %u was not "
			    "offered once", tr->tr_type, tr->tr_id);
			return (-1);
		}
		seen |= XF_BIT(tr->tr_type);
		switch (tr->tr_type) {
		case PROP_XF_ENCR:
			out->pc_encr = tr->tr_id;
			out->pc_encr_bits = tr->tr_keylen;
			break;
		case PROP_XF_PRF:
			out->pc_prf = tr->tr_id;
			break;
		case PROP_XF_INTEG:
			out->pc_integ = tr->tr_id;
			break;
		case PROP_XF_DH:
			out->pc_dh = tr->tr_id;
			break;
		case PROP_XF_ESN:
			out->pc_esn = tr->tr_id;
			break;
		}
	}
	if (seen != proposal_types(o)) {
		log_debug("answer lacks a transform type we offered");
		return (-1);
	}
	return (0);
}

/* --- names for logs (kept here so policy needs no crypto code) --- */

/* The name of a transform the table here knows, or NULL. */
static const char *
proposal_known_name(const struct prop_transform *tr)
{
	static const struct { uint8_t type; uint16_t id; const char *name; }
	    names[] = {
		{ PROP_XF_ENCR, ENCR_3DES, "3des" },
		{ PROP_XF_ENCR, ENCR_CHACHA20_POLY1305, "chacha20poly1305" },
		{ PROP_XF_INTEG, AUTH_NONE, "nointeg" },
		{ PROP_XF_INTEG, AUTH_HMAC_MD5_96, "md5" },
		{ PROP_XF_INTEG, AUTH_HMAC_SHA1_96, "sha1" },
		{ PROP_XF_INTEG, AUTH_HMAC_SHA2_256_128, "sha256" },
		{ PROP_XF_INTEG, 13, "sha384" },
		{ PROP_XF_INTEG, 14, "sha512" },
		{ PROP_XF_PRF, PRF_HMAC_MD5, "prfmd5" },
		{ PROP_XF_PRF, PRF_HMAC_SHA1, "prfsha1" },
		{ PROP_XF_PRF, PRF_HMAC_SHA2_256, "prfsha256" },
		{ PROP_XF_PRF, PRF_HMAC_SHA2_384, "prfsha384" },
		{ PROP_XF_PRF, PRF_HMAC_SHA2_512, "prfsha512" },
		{ PROP_XF_DH, DH_NONE, "nodh" },
		{ PROP_XF_DH, DH_MODP_768, "modp768" },
		{ PROP_XF_DH, DH_MODP_1024, "modp1024" },
		{ PROP_XF_DH, DH_MODP_1536, "modp1536" },
		{ PROP_XF_DH, DH_MODP_2048, "modp2048" },
		{ PROP_XF_DH, 15, "modp3072" },
		{ PROP_XF_DH, 16, "modp4096" },
		{ PROP_XF_DH, 19, "ecp256" },
		{ PROP_XF_DH, 20, "ecp384" },
		{ PROP_XF_DH, 21, "ecp521" },
		{ PROP_XF_DH, DH_MODP_2048_256, "modp2048s256" },
		{ PROP_XF_DH, 31, "curve25519" },
		{ PROP_XF_ESN, PROP_ESN_NONE, "noesn" },
		{ PROP_XF_ESN, PROP_ESN_YES, "esn" },
		/* IKEv1 numbers (tr_v1): RFC 2409 Appendix A, RFC 4754 */
		{ PROP_XF_V1_AUTH, 0, "noauth" },
		{ PROP_XF_V1_AUTH, 1, "psk" },
		{ PROP_XF_V1_AUTH, 2, "dss" },
		{ PROP_XF_V1_AUTH, 3, "rsasig" },
		{ PROP_XF_V1_AUTH, 4, "rsaenc" },
		{ PROP_XF_V1_AUTH, 5, "rsaencrev" },
		{ PROP_XF_V1_AUTH, 9, "ecdsa256" },
		{ PROP_XF_V1_AUTH, 10, "ecdsa384" },
		{ PROP_XF_V1_AUTH, 11, "ecdsa521" },
		/* RFC 2407 §4.5, RFC 3947 §5.1, its drafts' numbers */
		{ PROP_XF_V1_ENCAP, 0, "noencap" },
		{ PROP_XF_V1_ENCAP, 1, "tunnel" },
		{ PROP_XF_V1_ENCAP, 2, "transport" },
		{ PROP_XF_V1_ENCAP, 3, "udptunnel" },
		{ PROP_XF_V1_ENCAP, 4, "udptransport" },
		{ PROP_XF_V1_ENCAP, 61443, "udptunneldraft" },
		{ PROP_XF_V1_ENCAP, 61444, "udptransportdraft" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == tr->tr_type && names[i].id == tr->tr_id)
			return (names[i].name);
	return (NULL);
}

static void
proposal_tr_name(const struct prop_transform *tr, char *out, size_t len)
{
	static const char *const unknown[] = { "?", "encr", "prf", "integ",
	    "dh", "esn" };
	const char	*n;

	/* IKEv1's own kinds: by name, else "auth65001", "encap7" */
	if (tr->tr_type == PROP_XF_V1_AUTH || tr->tr_type == PROP_XF_V1_ENCAP) {
		if ((n = proposal_known_name(tr)) != NULL)
			snprintf(out, len, "%s", n);
		else
			snprintf(out, len, "%s%u", tr->tr_type ==
			    PROP_XF_V1_AUTH ? "auth" : "encap", tr->tr_id);
		return;
	}
	/* "v1encr3": IKEv1's number, not IKEv2's 3DES */
	if (tr->tr_v1) {
		snprintf(out, len, "v1%s%u", unknown[tr->tr_type <=
		    PROP_XF_ESN ? tr->tr_type : 0], tr->tr_id);
		return;
	}
	if (tr->tr_type == PROP_XF_ENCR && tr->tr_id == ENCR_AES_CBC) {
		if (tr->tr_keylen != 0)
			snprintf(out, len, "aes%u", tr->tr_keylen);
		else
			snprintf(out, len, "aes");
		return;
	}
	/* strongSwan's aes128gcm16: key bits, then ICV octets */
	if (tr->tr_type == PROP_XF_ENCR && tr->tr_id >= ENCR_AES_GCM_8 &&
	    tr->tr_id <= ENCR_AES_GCM_16) {
		snprintf(out, len, "aes%ugcm%u", tr->tr_keylen,
		    8 + 4 * (tr->tr_id - ENCR_AES_GCM_8));
		return;
	}
	if ((n = proposal_known_name(tr)) != NULL)
		snprintf(out, len, "%s", n);
	else
		snprintf(out, len, "%s%u", unknown[tr->tr_type <= PROP_XF_ESN ?
		    tr->tr_type : 0], tr->tr_id);
}

void
proposal_describe(const struct prop_offer *sa, char *out, size_t len)
{
	/* The order of the names: encr-integ-prf-dh-esn, then IKEv1's
	 * authentication method and encapsulation mode. */
	static const uint8_t order[] = { PROP_XF_ENCR, PROP_XF_INTEG,
	    PROP_XF_PRF, PROP_XF_DH, PROP_XF_ESN, PROP_XF_V1_AUTH,
	    PROP_XF_V1_ENCAP };
	const struct prop_proposal	*p;
	char				 proto[16];
	char				 name[32];
	size_t				 off = 0, k;
	int				 i, j, n, first;

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < sa->sa_nprop && i < PROP_MAX_PROPOSALS; i++) {
		p = &sa->sa_prop[i];
		if (p->prop_proto >= PROP_PROTO_IKE &&
		    p->prop_proto <= PROP_PROTO_ESP)
			snprintf(proto, sizeof(proto), "%s",
			    p->prop_proto == PROP_PROTO_IKE ? "IKE" :
			    p->prop_proto == PROP_PROTO_ESP ? "ESP" : "AH");
		else	/* e.g. IKEv1's IPCOMP: shown, by number */
			snprintf(proto, sizeof(proto), "proto%u",
			    p->prop_proto);
		n = snprintf(out + off, len - off, "%s%s:", i ? ", " : "",
		    proto);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += n;
		first = 1;
		for (k = 0; k < sizeof(order); k++)
		for (j = 0; j < p->prop_ntr && j < PROP_MAX_TRANSFORMS; j++) {
			if (p->prop_tr[j].tr_type != order[k])
				continue;
			/* only IKEv1's (an IKEv2 transform of these types
			 * from the network is not one) */
			if (order[k] > PROP_XF_ESN && !p->prop_tr[j].tr_v1)
				continue;
			proposal_tr_name(&p->prop_tr[j], name, sizeof(name));
			n = snprintf(out + off, len - off, "%s%s",
			    first ? "" : "-", name);
			if (n < 0 || (size_t)n >= len - off)
				return;
			off += n;
			first = 0;
		}
	}
}
