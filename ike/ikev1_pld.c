/*
 * ikev1_pld.c - ISAKMP header and payload chain decoding and encoding
 * (RFC 2408 §3, the IPsec DOI RFC 2407 §4, NAT-T RFC 3947).
 *
 * Decoding is validate-then-parse: each payload body is split off with a
 * bounded cursor, its fixed fields and every inner length are checked,
 * and only then do its fields land in struct ikev1_msg.  Pointers stored
 * in the message borrow the caller's buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev1.h"
#include "policy/offer.h"

#define PROP_HDR_LEN		8	/* RFC 2408 §3.5 */
#define XF_HDR_LEN		8	/* RFC 2408 §3.6 */
#define ATTR_AF			0x8000	/* RFC 2408 §3.3 */
#define PAD_MAX			255	/* longest padding we tolerate */

/* RFC 3706 §5.1 */
const uint8_t ikev1_vid_dpd[IKEV1_VID_LEN] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00
};
/* RFC 3947 §3.1: MD5("RFC 3947") */
const uint8_t ikev1_vid_natt_rfc3947[IKEV1_VID_LEN] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f
};
/* MD5("draft-ietf-ipsec-nat-t-ike-02") */
const uint8_t ikev1_vid_natt_draft02[IKEV1_VID_LEN] = {
	0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
	0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48
};
/* MD5("draft-ietf-ipsec-nat-t-ike-02\n"), as many peers send it */
const uint8_t ikev1_vid_natt_draft02n[IKEV1_VID_LEN] = {
	0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
	0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f
};
/* MD5("draft-ietf-ipsec-nat-t-ike-03") */
const uint8_t ikev1_vid_natt_draft03[IKEV1_VID_LEN] = {
	0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
	0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56
};
/* MD5("CISCO-UNITY") with its last two bytes replaced by version 1.0 */
const uint8_t ikev1_vid_cisco_unity[IKEV1_VID_LEN] = {
	0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
	0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00
};
#define CISCO_UNITY_MATCH	14

struct ikev1_parse_stats	ikev1_parse_stats;

/* --- header --- */

int
ikev1_hdr_parse(const uint8_t *pkt, size_t len, struct ikev1_hdr *h)
{
	struct cur	c;

	ikev1_parse_stats.ps_hdr++;
	if (pkt == NULL || len < IKEV1_HDR_LEN) {
		log_debug("ikev1: datagram too short (%zu < %d)", len,
		    IKEV1_HDR_LEN);
		return (-1);
	}
	cur_init(&c, pkt, len);
	if (cur_get_bytes(&c, h->h_icookie, IKEV1_COOKIE_LEN) == -1 ||
	    cur_get_bytes(&c, h->h_rcookie, IKEV1_COOKIE_LEN) == -1 ||
	    cur_get_u8(&c, &h->h_next) == -1 ||
	    cur_get_u8(&c, &h->h_version) == -1 ||
	    cur_get_u8(&c, &h->h_exchange) == -1 ||
	    cur_get_u8(&c, &h->h_flags) == -1 ||
	    cur_get_u32(&c, &h->h_msgid) == -1 ||
	    cur_get_u32(&c, &h->h_length) == -1)
		return (-1);
	/* RFC 2408 §5.2: a major version we do not speak is rejected. */
	if (h->h_version >> 4 != IKEV1_VERSION >> 4) {
		log_debug("ikev1: major version %u", h->h_version >> 4);
		return (-1);
	}
	if (h->h_length != len) {
		log_debug("ikev1: header length %u != datagram length %zu",
		    h->h_length, len);
		return (-1);
	}
	return (0);
}

/* --- SA payload --- */

/*
 * A variable-length attribute value (RFC 2408 §3.3) as a number: any
 * length the payload holds (the caller checked it); values above 64 bits
 * saturate (a life duration: as good as unlimited).
 */
static int
attr_var_value(const uint8_t *p, size_t len, uint64_t *val)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0) {
		log_debug("ikev1: empty variable attribute");
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (v > (UINT64_MAX >> 8)) {
			*val = UINT64_MAX;
			return (0);
		}
		v = (v << 8) | p[i];
	}
	*val = v;
	return (0);
}

/* Stores a life duration under the life type that precedes it. */
static int
attr_life_set(struct ikev1_transform *tr, uint16_t ltype, uint64_t val)
{
	switch (ltype) {
	case IKEV1_LIFE_SECONDS:
		tr->tr_life_secs = val > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)val;
		return (0);
	case IKEV1_LIFE_KILOBYTES:
		tr->tr_life_kbytes = val;
		return (0);
	case 0:
		/* RFC 2407 §4.5: a duration must follow its life type. */
		log_debug("ikev1: life duration without life type");
		return (-1);
	default:
		if (tr->tr_unknown_attr == 0)
			tr->tr_unknown_attr = IKEV1_ATTR_LIFE_TYPE;
		return (0);
	}
}

/* Phase 1 attribute (RFC 2409 Appendix A). */
static int
attr_p1_apply(struct ikev1_transform *tr, uint16_t cls, int basic,
    uint64_t val, uint16_t *ltype)
{
	if (cls != IKEV1_ATTR_LIFE_DUR && !basic &&
	    (cls == IKEV1_ATTR_ENCR || cls == IKEV1_ATTR_HASH ||
	    cls == IKEV1_ATTR_AUTH || cls == IKEV1_ATTR_GROUP ||
	    cls == IKEV1_ATTR_LIFE_TYPE || cls == IKEV1_ATTR_KEYLEN)) {
		log_debug("ikev1: attribute %u must be basic", cls);
		return (-1);
	}
	switch (cls) {
	case IKEV1_ATTR_ENCR:
		tr->tr_encr = (uint16_t)val;
		break;
	case IKEV1_ATTR_HASH:
		tr->tr_hash = (uint16_t)val;
		break;
	case IKEV1_ATTR_AUTH:
		tr->tr_auth = (uint16_t)val;
		break;
	case IKEV1_ATTR_GROUP:
		tr->tr_group = (uint16_t)val;
		break;
	case IKEV1_ATTR_KEYLEN:
		tr->tr_keylen = (uint16_t)val;
		break;
	case IKEV1_ATTR_LIFE_TYPE:
		*ltype = (uint16_t)val;
		break;
	case IKEV1_ATTR_LIFE_DUR:
		return (attr_life_set(tr, *ltype, val));
	default:
		if (tr->tr_unknown_attr == 0)
			tr->tr_unknown_attr = cls;
		break;
	}
	return (0);
}

/* Phase 2 attribute (RFC 2407 §4.5). */
static int
attr_p2_apply(struct ikev1_transform *tr, uint16_t cls, int basic,
    uint64_t val, uint16_t *ltype)
{
	if (cls != IKEV1_P2_LIFE_DUR && !basic &&
	    (cls == IKEV1_P2_LIFE_TYPE || cls == IKEV1_P2_GROUP ||
	    cls == IKEV1_P2_ENCAP || cls == IKEV1_P2_AUTH_ALG ||
	    cls == IKEV1_P2_KEYLEN || cls == IKEV1_P2_ESN)) {
		log_debug("ikev1: attribute %u must be basic", cls);
		return (-1);
	}
	switch (cls) {
	case IKEV1_P2_LIFE_TYPE:
		*ltype = (uint16_t)val;
		break;
	case IKEV1_P2_LIFE_DUR:
		return (attr_life_set(tr, *ltype, val));
	case IKEV1_P2_GROUP:
		tr->tr_group = (uint16_t)val;
		break;
	case IKEV1_P2_ENCAP:
		tr->tr_encap = (uint16_t)val;
		break;
	case IKEV1_P2_AUTH_ALG:
		tr->tr_auth_alg = (uint16_t)val;
		break;
	case IKEV1_P2_KEYLEN:
		tr->tr_keylen = (uint16_t)val;
		break;
	case IKEV1_P2_ESN:
		/* RFC 4304 §2: 1 is the only value; another one is an
		 * attribute we do not understand */
		if (val != IKEV1_ESN_64) {
			if (tr->tr_unknown_attr == 0)
				tr->tr_unknown_attr = cls;
			break;
		}
		tr->tr_esn = (uint16_t)val;
		break;
	default:
		if (tr->tr_unknown_attr == 0)
			tr->tr_unknown_attr = cls;
		break;
	}
	return (0);
}

/* One transform payload body (RFC 2408 §3.6) and its attributes. */
static int
pld_xf_parse(struct cur *c, uint8_t proto, struct ikev1_transform *tr)
{
	const uint8_t	*vp;
	uint64_t	 val;
	uint16_t	 at, av, ltype = 0, cls;
	int		 basic, rc;

	memset(tr, 0, sizeof(*tr));
	if (cur_get_u8(c, &tr->tr_num) == -1 ||
	    cur_get_u8(c, &tr->tr_id) == -1 || cur_skip(c, 2) == -1) {
		log_debug("ikev1: transform too short");
		return (-1);
	}
	while (cur_left(c) > 0) {
		if (cur_get_u16(c, &at) == -1 || cur_get_u16(c, &av) == -1) {
			log_debug("ikev1: truncated attribute (%zu left)",
			    cur_left(c));
			return (-1);
		}
		basic = (at & ATTR_AF) != 0;
		cls = at & ~ATTR_AF;
		if (basic)
			val = av;
		else if (cur_get_ptr(c, &vp, av) == -1) {
			log_debug("ikev1: attribute %u length %u > %zu", cls,
			    av, cur_left(c));
			return (-1);
		} else if (attr_var_value(vp, av, &val) == -1)
			return (-1);
		if (proto == IKEV1_PROTO_ISAKMP)
			rc = attr_p1_apply(tr, cls, basic, val, &ltype);
		else
			rc = attr_p2_apply(tr, cls, basic, val, &ltype);
		if (rc == -1)
			return (-1);
	}
	return (0);
}

/* Reads a generic header inside SA (proposal or transform). */
static int
pld_sub_get(struct cur *c, uint8_t *next, uint16_t minlen, struct cur *body)
{
	uint16_t	len;
	uint8_t		res;

	if (cur_get_u8(c, next) == -1 || cur_get_u8(c, &res) == -1 ||
	    cur_get_u16(c, &len) == -1) {
		log_debug("ikev1: truncated proposal/transform header");
		return (-1);
	}
	if (len < minlen || cur_get_sub(c, len - PLD_GENERIC_LEN, body) ==
	    -1) {
		log_debug("ikev1: proposal/transform length %u (%zu left)",
		    len, cur_left(c) + PLD_GENERIC_LEN);
		return (-1);
	}
	return (0);
}

/* One proposal body (RFC 2408 §3.5): SPI, then exactly ntr transforms. */
static int
pld_prop_parse(struct cur *c, struct ikev1_proposal *p)
{
	struct cur	x;
	uint8_t		next, ntr;
	int		i;

	memset(p, 0, sizeof(*p));
	if (cur_get_u8(c, &p->prop_num) == -1 ||
	    cur_get_u8(c, &p->prop_proto) == -1 ||
	    cur_get_u8(c, &p->prop_spi_len) == -1 ||
	    cur_get_u8(c, &ntr) == -1)
		return (-1);
	if (p->prop_spi_len > IKEV1_MAX_SPI_LEN ||
	    (p->prop_proto != IKEV1_PROTO_ISAKMP &&
	    p->prop_proto != IKEV1_PROTO_IPCOMP && p->prop_spi_len != 4)) {
		log_debug("ikev1: proposal protocol %u SPI size %u",
		    p->prop_proto, p->prop_spi_len);
		return (-1);
	}
	if (ntr == 0 || ntr > IKEV1_MAX_TRANSFORMS) {
		log_debug("ikev1: %u transforms (1..%d)", ntr,
		    IKEV1_MAX_TRANSFORMS);
		return (-1);
	}
	if (cur_get_bytes(c, p->prop_spi, p->prop_spi_len) == -1) {
		log_debug("ikev1: proposal too short for its SPI");
		return (-1);
	}
	for (i = 0; i < ntr; i++) {
		if (cur_left(c) == 0) {
			log_debug("ikev1: proposal %u: transform %d of %u "
			    "missing", p->prop_num, i + 1, ntr);
			return (-1);
		}
		if (pld_sub_get(c, &next, XF_HDR_LEN, &x) == -1)
			return (-1);
		/* The next payload of a transform is T, or 0 for the
		 * last, and must agree with the count. */
		if (next != (i + 1 == ntr ? IKEV1_PLD_NONE : IKEV1_PLD_T)) {
			log_debug("ikev1: transform %d/%u next payload %u",
			    i + 1, ntr, next);
			return (-1);
		}
		if (pld_xf_parse(&x, p->prop_proto, &p->prop_tr[i]) == -1)
			return (-1);
	}
	if (cur_left(c) != 0) {
		log_debug("ikev1: proposal %u: %zu bytes after %u transforms",
		    p->prop_num, cur_left(c), ntr);
		return (-1);
	}
	p->prop_ntr = ntr;
	return (0);
}

/* SA payload body (RFC 2408 §3.4, RFC 2407 §4.6.1). */
static int
pld_sa_parse(struct cur *c, struct ikev1_sa *sa)
{
	struct cur	p;
	uint8_t		next = IKEV1_PLD_P;

	sa->sa_nprop = 0;
	sa->sa_body = c->cur_p;
	sa->sa_body_len = cur_left(c);
	if (cur_get_u32(c, &sa->sa_doi) == -1) {
		log_debug("ikev1: SA payload too short");
		return (-1);
	}
	if (sa->sa_doi != IKEV1_DOI_IPSEC) {
		log_debug("ikev1: SA DOI %u", sa->sa_doi);
		return (-1);
	}
	if (cur_get_u32(c, &sa->sa_situation) == -1) {
		log_debug("ikev1: SA payload too short for the situation");
		return (-1);
	}
	/* RFC 2407 §4.6.1: secrecy/integrity situations append labels we
	 * do not parse. */
	if (sa->sa_situation != IKEV1_SIT_IDENTITY_ONLY) {
		log_debug("ikev1: SA situation %#x", sa->sa_situation);
		return (-1);
	}
	if (cur_left(c) == 0) {
		log_debug("ikev1: SA without proposals");
		return (-1);
	}
	while (next == IKEV1_PLD_P) {
		if (sa->sa_nprop >= IKEV1_MAX_PROPOSALS) {
			log_debug("ikev1: more than %d proposals",
			    IKEV1_MAX_PROPOSALS);
			return (-1);
		}
		if (pld_sub_get(c, &next, PROP_HDR_LEN, &p) == -1)
			return (-1);
		if (next != IKEV1_PLD_P && next != IKEV1_PLD_NONE) {
			log_debug("ikev1: proposal next payload %u", next);
			return (-1);
		}
		if (pld_prop_parse(&p, &sa->sa_prop[sa->sa_nprop]) == -1)
			return (-1);
		/* RFC 2408 §4.2: numbers do not decrease (equal numbers
		 * form an AND of protocols). */
		if (sa->sa_nprop > 0 && sa->sa_prop[sa->sa_nprop].prop_num <
		    sa->sa_prop[sa->sa_nprop - 1].prop_num) {
			log_debug("ikev1: proposal numbers decrease");
			return (-1);
		}
		sa->sa_nprop++;
	}
	if (cur_left(c) != 0) {
		log_debug("ikev1: %zu bytes after the last proposal",
		    cur_left(c));
		return (-1);
	}
	return (0);
}

/* --- other payload bodies --- */

/* ID payload (RFC 2407 §4.6.2): type, protocol, port, data. */
static int
pld_id_parse(struct cur *c, struct ikev1_id *id)
{
	size_t	want = 0;

	memset(id, 0, sizeof(*id));
	id->id_body = c->cur_p;
	id->id_body_len = cur_left(c);
	if (cur_get_u8(c, &id->id_type) == -1 ||
	    cur_get_u8(c, &id->id_proto) == -1 ||
	    cur_get_u16(c, &id->id_port) == -1 || cur_left(c) == 0) {
		log_debug("ikev1: ID payload too short (%zu)",
		    id->id_body_len);
		return (-1);
	}
	id->id_data = c->cur_p;
	id->id_len = cur_left(c);
	switch (id->id_type) {
	case IKEV1_ID_IPV4_ADDR:
		want = 4;
		break;
	case IKEV1_ID_IPV4_ADDR_SUBNET:
	case IKEV1_ID_IPV4_ADDR_RANGE:
		want = 8;
		break;
	case IKEV1_ID_IPV6_ADDR:
		want = 16;
		break;
	case IKEV1_ID_IPV6_ADDR_SUBNET:
	case IKEV1_ID_IPV6_ADDR_RANGE:
		want = 32;
		break;
	default:
		return (0);
	}
	if (id->id_len != want) {
		log_debug("ikev1: ID type %u with %zu bytes (want %zu)",
		    id->id_type, id->id_len, want);
		return (-1);
	}
	if (want == 4 || want == 8)
		memcpy(&id->id_addr, id->id_data, 4);
	if (want == 8)
		memcpy(&id->id_addr2, id->id_data + 4, 4);
	return (0);
}

/* Notification payload (RFC 2408 §3.14). */
static int
pld_notify_parse(struct cur *c, struct ikev1_notify *n)
{
	memset(n, 0, sizeof(*n));
	if (cur_get_u32(c, &n->n_doi) == -1 ||
	    cur_get_u8(c, &n->n_proto) == -1 ||
	    cur_get_u8(c, &n->n_spi_len) == -1 ||
	    cur_get_u16(c, &n->n_type) == -1) {
		log_debug("ikev1: notify payload too short");
		return (-1);
	}
	if (n->n_spi_len > IKEV1_MAX_SPI_LEN ||
	    cur_get_bytes(c, n->n_spi, n->n_spi_len) == -1) {
		log_debug("ikev1: notify SPI size %u (%zu left)", n->n_spi_len,
		    cur_left(c));
		return (-1);
	}
	n->n_len = cur_left(c);
	n->n_data = n->n_len ? c->cur_p : NULL;
	return (0);
}

/* Delete payload (RFC 2408 §3.15). */
static int
pld_delete_parse(struct cur *c, struct ikev1_delete *d)
{
	memset(d, 0, sizeof(*d));
	if (cur_get_u32(c, &d->d_doi) == -1 ||
	    cur_get_u8(c, &d->d_proto) == -1 ||
	    cur_get_u8(c, &d->d_spi_len) == -1 ||
	    cur_get_u16(c, &d->d_nspi) == -1) {
		log_debug("ikev1: delete payload too short");
		return (-1);
	}
	if (d->d_spi_len == 0 || d->d_spi_len > IKEV1_MAX_SPI_LEN ||
	    d->d_nspi == 0 ||
	    cur_left(c) != (size_t)d->d_nspi * d->d_spi_len) {
		log_debug("ikev1: delete of %u SPIs of %u bytes in %zu bytes",
		    d->d_nspi, d->d_spi_len, cur_left(c));
		return (-1);
	}
	d->d_spis = c->cur_p;
	return (0);
}

/* NAT-OA payload (RFC 3947 §5.2): ID type, 3 reserved, address. */
static int
pld_natoa_parse(struct cur *c, struct ikev1_natoa *oa)
{
	if (cur_get_u8(c, &oa->oa_type) == -1 || cur_skip(c, 3) == -1) {
		log_debug("ikev1: NAT-OA payload too short");
		return (-1);
	}
	oa->oa_len = cur_left(c);
	oa->oa_addr = c->cur_p;
	if ((oa->oa_type == IKEV1_ID_IPV4_ADDR && oa->oa_len == 4) ||
	    (oa->oa_type == IKEV1_ID_IPV6_ADDR && oa->oa_len == 16))
		return (0);
	log_debug("ikev1: NAT-OA type %u with %zu bytes", oa->oa_type,
	    oa->oa_len);
	return (-1);
}

/* Payloads whose body is opaque data of at least one byte. */
static int
pld_blob_get(struct cur *c, const char *what, const uint8_t **p,
    size_t *len)
{
	if (cur_left(c) == 0) {
		log_debug("ikev1: empty %s payload", what);
		return (-1);
	}
	*p = c->cur_p;
	*len = cur_left(c);
	return (0);
}

/* A counted slot in one of the message's lists, or -1 when full. */
static int
pld_slot(int *n, int max, const char *what)
{
	if (*n >= max) {
		log_debug("ikev1: more than %d %s payloads", max, what);
		return (-1);
	}
	return ((*n)++);
}

/*
 * Validates one payload body and stores it in m; first is 0 for a
 * repeated singleton, which is checked but not kept.
 */
static int
pld_body_parse(uint8_t type, struct cur *c, int first, struct ikev1_msg *m)
{
	struct ikev1_sa		 sa_tmp;
	const uint8_t		*p;
	size_t			 len;
	int			 i;

	switch (type) {
	case IKEV1_PLD_SA:
		return (pld_sa_parse(c, first ? &m->m_sa : &sa_tmp));
	case IKEV1_PLD_KE:
		if (pld_blob_get(c, "KE", &p, &len) == -1)
			return (-1);
		if (first) {
			m->m_ke = p;
			m->m_ke_len = len;
		}
		return (0);
	case IKEV1_PLD_NONCE:
		/* RFC 2409 §5: between 8 and 256 bytes inclusive. */
		if (cur_left(c) < IKEV1_NONCE_MIN ||
		    cur_left(c) > IKEV1_NONCE_MAX) {
			log_debug("ikev1: nonce length %zu", cur_left(c));
			return (-1);
		}
		if (first) {
			m->m_nonce = c->cur_p;
			m->m_nonce_len = cur_left(c);
		}
		return (0);
	case IKEV1_PLD_ID:
		if ((i = pld_slot(&m->m_nid, IKEV1_MAX_ID, "ID")) == -1)
			return (-1);
		return (pld_id_parse(c, &m->m_id[i]));
	case IKEV1_PLD_HASH:
		if (pld_blob_get(c, "HASH", &p, &len) == -1)
			return (-1);
		if (first) {
			m->m_hash = p;
			m->m_hash_len = len;
		}
		return (0);
	case IKEV1_PLD_SIG:
		if (pld_blob_get(c, "SIG", &p, &len) == -1)
			return (-1);
		if (first) {
			m->m_sig = p;
			m->m_sig_len = len;
		}
		return (0);
	case IKEV1_PLD_CERT:
	case IKEV1_PLD_CR:
		/* RFC 2408 §3.9, §3.10: an encoding byte, then data. */
		return (pld_blob_get(c, "CERT/CR", &p, &len));
	case IKEV1_PLD_N:
		if ((i = pld_slot(&m->m_nnotify, IKEV1_MAX_NOTIFY, "notify")) ==
		    -1)
			return (-1);
		return (pld_notify_parse(c, &m->m_notify[i]));
	case IKEV1_PLD_D:
		if ((i = pld_slot(&m->m_ndelete, IKEV1_MAX_DELETE, "delete")) ==
		    -1)
			return (-1);
		return (pld_delete_parse(c, &m->m_delete[i]));
	case IKEV1_PLD_VID:
		if ((i = pld_slot(&m->m_nvid, IKEV1_MAX_VID, "vendor ID")) ==
		    -1 || pld_blob_get(c, "VID", &p, &len) == -1)
			return (-1);
		m->m_vid[i].v_data = p;
		m->m_vid[i].v_len = len;
		m->m_vid[i].v_kind = ikev1_vid_classify(p, len);
		return (0);
	case IKEV1_PLD_NATD:
	case IKEV1_PLD_NATD_DRAFT:
		if ((i = pld_slot(&m->m_nnatd, IKEV1_MAX_NATD, "NAT-D")) ==
		    -1 || pld_blob_get(c, "NAT-D", &p, &len) == -1)
			return (-1);
		m->m_natd[i].b_data = p;
		m->m_natd[i].b_len = len;
		return (0);
	case IKEV1_PLD_NATOA:
	case IKEV1_PLD_NATOA_DRAFT:
		if ((i = pld_slot(&m->m_nnatoa, IKEV1_MAX_NATOA, "NAT-OA")) ==
		    -1)
			return (-1);
		return (pld_natoa_parse(c, &m->m_natoa[i]));
	case IKEV1_PLD_ATTR:
		/* Mode config (draft-dukes-ike-mode-cfg): type, reserved,
		 * identifier, attributes; not used, only checked. */
		if (cur_left(c) < 4) {
			log_debug("ikev1: ATTR payload too short");
			return (-1);
		}
		return (0);
	default:
		/* Private use (RFC 2408 §3.1: 128-255): skipped. */
		return (0);
	}
}

static int
pld_known(uint8_t type)
{
	if (type == IKEV1_PLD_P || type == IKEV1_PLD_T)
		return (0);	/* only inside an SA payload */
	return ((type >= IKEV1_PLD_SA && type <= IKEV1_PLD_ATTR) ||
	    type == IKEV1_PLD_NATD || type == IKEV1_PLD_NATOA || type >= 128);
}

int
ikev1_pld_parse(uint8_t first, const uint8_t *data, size_t len,
    int decrypted, struct ikev1_msg *m)
{
	struct cur	c, body;
	size_t		pos, hash_end = 0;
	uint16_t	plen;
	uint8_t		type = first, next, res;
	int		seen;

	ikev1_parse_stats.ps_pld++;
	if (data == NULL)
		len = 0;
	cur_init(&c, data, len);
	while (type != IKEV1_PLD_NONE) {
		pos = len - cur_left(&c);
		if (cur_get_u8(&c, &next) == -1 ||
		    cur_get_u8(&c, &res) == -1 ||
		    cur_get_u16(&c, &plen) == -1) {
			log_debug("ikev1: truncated header of payload %u at "
			    "%zu", type, pos);
			return (-1);
		}
		if (plen < PLD_GENERIC_LEN || cur_get_sub(&c,
		    plen - PLD_GENERIC_LEN, &body) == -1) {
			log_debug("ikev1: payload %u length %u (%zu left)",
			    type, plen, cur_left(&c) + PLD_GENERIC_LEN);
			return (-1);
		}
		if (!pld_known(type)) {
			/* RFC 2408 §5.2: INVALID-PAYLOAD-TYPE. */
			log_debug("ikev1: unknown payload type %u at %zu", type,
			    pos);
			return (-1);
		}
		if (m->m_npld < IKEV1_MAX_PAYLOADS)
			m->m_order[m->m_npld] = type;
		else {
			log_debug("ikev1: more than %d payloads",
			    IKEV1_MAX_PAYLOADS);
			return (-1);
		}
		m->m_npld++;
		seen = m->m_count[type];
		if (m->m_count[type] < UINT8_MAX)
			m->m_count[type]++;
		if (type == IKEV1_PLD_HASH && seen == 0)
			hash_end = pos + plen;
		if (pld_body_parse(type, &body, seen == 0, m) == -1) {
			log_debug("ikev1: bad payload %u at %zu", type, pos);
			return (-1);
		}
		type = next;
	}
	m->m_chain_len = len - cur_left(&c);
	m->m_pad_len = cur_left(&c);
	/* RFC 2409 §5.3: padding is only found in encrypted messages. */
	if (m->m_pad_len != 0 && (!decrypted || m->m_pad_len > PAD_MAX)) {
		log_debug("ikev1: %zu trailing bytes after payload chain",
		    m->m_pad_len);
		return (-1);
	}
	if (hash_end != 0) {
		m->m_after_hash_off = hash_end;
		m->m_after_hash = data + hash_end;
		m->m_after_hash_len = m->m_chain_len - hash_end;
	}
	return (0);
}

int
ikev1_msg_parse(const uint8_t *pkt, size_t len, struct ikev1_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (ikev1_hdr_parse(pkt, len, &m->m_hdr) == -1)
		return (-1);
	if (m->m_hdr.h_flags & IKEV1_FLAG_ENC)
		return (0);
	return (ikev1_pld_parse(m->m_hdr.h_next, pkt + IKEV1_HDR_LEN,
	    len - IKEV1_HDR_LEN, 0, m));
}

void
ikev1_msg_body_clear(struct ikev1_msg *m)
{
	struct ikev1_hdr	h = m->m_hdr;

	memset(m, 0, sizeof(*m));
	m->m_hdr = h;
}

enum ikev1_vid_kind
ikev1_vid_classify(const uint8_t *vid, size_t len)
{
	if (vid == NULL)
		return (IKEV1_VID_UNKNOWN);
	if (len == IKEV1_VID_LEN) {
		if (memcmp(vid, ikev1_vid_dpd, len) == 0)
			return (IKEV1_VID_DPD);
		if (memcmp(vid, ikev1_vid_natt_rfc3947, len) == 0)
			return (IKEV1_VID_NATT_RFC3947);
		if (memcmp(vid, ikev1_vid_natt_draft02, len) == 0 ||
		    memcmp(vid, ikev1_vid_natt_draft02n, len) == 0)
			return (IKEV1_VID_NATT_DRAFT_02);
		if (memcmp(vid, ikev1_vid_natt_draft03, len) == 0)
			return (IKEV1_VID_NATT_DRAFT_03);
	}
	/* The last two bytes of Cisco Unity carry a version. */
	if (len == IKEV1_VID_LEN &&
	    memcmp(vid, ikev1_vid_cisco_unity, CISCO_UNITY_MATCH) == 0)
		return (IKEV1_VID_CISCO_UNITY);
	return (IKEV1_VID_UNKNOWN);
}

const struct ikev1_notify *
ikev1_msg_notify(const struct ikev1_msg *m, uint16_t type)
{
	int	i;

	for (i = 0; i < m->m_nnotify; i++)
		if (m->m_notify[i].n_type == type)
			return (&m->m_notify[i]);
	return (NULL);
}

int
ikev1_msg_has_vid(const struct ikev1_msg *m, enum ikev1_vid_kind k)
{
	int	i;

	for (i = 0; i < m->m_nvid; i++)
		if (m->m_vid[i].v_kind == k)
			return (1);
	return (0);
}

/* --- names --- */

const char *
ikev1_exchange_name(uint8_t exchange)
{
	switch (exchange) {
	case IKEV1_EXCH_BASE:
		return ("Base");
	case IKEV1_EXCH_MAIN:
		return ("Main");
	case IKEV1_EXCH_AUTH_ONLY:
		return ("Authentication Only");
	case IKEV1_EXCH_AGGRESSIVE:
		return ("Aggressive");
	case IKEV1_EXCH_INFORMATIONAL:
		return ("Informational");
	case IKEV1_EXCH_QUICK:
		return ("Quick");
	case IKEV1_EXCH_NEW_GROUP:
		return ("New Group");
	default:
		return ("?");
	}
}

static const struct {
	uint16_t	 nn_type;
	const char	*nn_name;
} notify_names[] = {
	{ IKEV1_N_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE" },
	{ IKEV1_N_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED" },
	{ IKEV1_N_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED" },
	{ IKEV1_N_INVALID_COOKIE, "INVALID-COOKIE" },
	{ IKEV1_N_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION" },
	{ IKEV1_N_INVALID_MINOR_VERSION, "INVALID-MINOR-VERSION" },
	{ IKEV1_N_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE" },
	{ IKEV1_N_INVALID_FLAGS, "INVALID-FLAGS" },
	{ IKEV1_N_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID" },
	{ IKEV1_N_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID" },
	{ IKEV1_N_INVALID_SPI, "INVALID-SPI" },
	{ IKEV1_N_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID" },
	{ IKEV1_N_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED" },
	{ IKEV1_N_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN" },
	{ IKEV1_N_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX" },
	{ IKEV1_N_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED" },
	{ IKEV1_N_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION" },
	{ IKEV1_N_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION" },
	{ IKEV1_N_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION" },
	{ IKEV1_N_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED" },
	{ IKEV1_N_INVALID_SIGNATURE, "INVALID-SIGNATURE" },
	{ IKEV1_N_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE" },
	{ IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS, "UNEQUAL-PAYLOAD-LENGTHS" },
	{ IKEV1_N_CONNECTED, "CONNECTED" },
	{ IKEV1_N_RESPONDER_LIFETIME, "RESPONDER-LIFETIME" },
	{ IKEV1_N_REPLAY_STATUS, "REPLAY-STATUS" },
	{ IKEV1_N_INITIAL_CONTACT, "INITIAL-CONTACT" },
	{ IKEV1_N_R_U_THERE, "R-U-THERE" },
	{ IKEV1_N_R_U_THERE_ACK, "R-U-THERE-ACK" },
};

const char *
ikev1_notify_name(uint16_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(notify_names) / sizeof(notify_names[0]); i++)
		if (notify_names[i].nn_type == type)
			return (notify_names[i].nn_name);
	return ("?");
}

static const char *
pld_name(uint8_t type)
{
	switch (type) {
	case IKEV1_PLD_SA:
		return ("SA");
	case IKEV1_PLD_KE:
		return ("KE");
	case IKEV1_PLD_ID:
		return ("ID");
	case IKEV1_PLD_CERT:
		return ("CERT");
	case IKEV1_PLD_CR:
		return ("CR");
	case IKEV1_PLD_HASH:
		return ("HASH");
	case IKEV1_PLD_SIG:
		return ("SIG");
	case IKEV1_PLD_NONCE:
		return ("No");
	case IKEV1_PLD_N:
		return ("N");
	case IKEV1_PLD_D:
		return ("D");
	case IKEV1_PLD_VID:
		return ("V");
	case IKEV1_PLD_ATTR:
		return ("ATTR");
	case IKEV1_PLD_NATD:
	case IKEV1_PLD_NATD_DRAFT:
		return ("NAT-D");
	case IKEV1_PLD_NATOA:
	case IKEV1_PLD_NATOA_DRAFT:
		return ("NAT-OA");
	default:
		return ("?");
	}
}

void
ikev1_msg_describe(const struct ikev1_msg *m, char *out, size_t len)
{
	size_t	used = 0;
	int	i, n, k = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < m->m_npld && i < IKEV1_MAX_PAYLOADS; i++) {
		if (m->m_order[i] == IKEV1_PLD_N && k < m->m_nnotify)
			n = snprintf(out + used, len - used, "%sN(%s)",
			    i ? " " : "",
			    ikev1_notify_name(m->m_notify[k++].n_type));
		else
			n = snprintf(out + used, len - used, "%s%s",
			    i ? " " : "", pld_name(m->m_order[i]));
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/* --- encoding --- */

int
ikev1_hdr_write(struct buf *b, const struct ikev1_hdr *h,
    struct pld_writer *w)
{
	size_t	start = b->buf_len;

	if (buf_add(b, h->h_icookie, IKEV1_COOKIE_LEN) == -1 ||
	    buf_add(b, h->h_rcookie, IKEV1_COOKIE_LEN) == -1 ||
	    buf_add_u8(b, IKEV1_PLD_NONE) == -1 ||
	    buf_add_u8(b, h->h_version ? h->h_version : IKEV1_VERSION) ==
	    -1 || buf_add_u8(b, h->h_exchange) == -1 ||
	    buf_add_u8(b, h->h_flags) == -1 ||
	    buf_add_u32(b, h->h_msgid) == -1 ||
	    buf_add_u32(b, 0) == -1) {
		b->buf_len = start;
		return (-1);
	}
	w->w_buf = b;
	w->w_next_off = start + 2 * IKEV1_COOKIE_LEN;
	w->w_first = 0;
	return (0);
}

void
ikev1_hdr_set_length(struct buf *b)
{
	pld_msg_set_length(b, IKEV1_HDR_LEN);
}

static int
pld_add_simple(struct pld_writer *w, uint8_t type, const uint8_t *hdr,
    size_t hlen, const uint8_t *data, size_t len)
{
	size_t	off;
	int	ok;

	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add(w->w_buf, hdr, hlen) == 0 &&
	    buf_add(w->w_buf, data, len) == 0;
	return (pld_end(w, type, off, ok));
}

static int
attr_add_tv(struct buf *b, uint16_t cls, uint16_t v)
{
	return (buf_add_u16(b, ATTR_AF | cls) == 0 && buf_add_u16(b, v) == 0 ?
	    0 : -1);
}

/*
 * Life type + duration; durations above 16 bits as a 4-byte TLV, above
 * 32 bits (kilobytes) as an 8-byte one.
 */
static int
attr_add_life(struct buf *b, uint16_t tcls, uint16_t dcls, uint16_t ltype,
    uint64_t v)
{
	if (v == 0)
		return (0);
	if (attr_add_tv(b, tcls, ltype) == -1)
		return (-1);
	if (v <= UINT16_MAX)
		return (attr_add_tv(b, dcls, (uint16_t)v));
	if (v <= UINT32_MAX)
		return (buf_add_u16(b, dcls) == 0 && buf_add_u16(b, 4) == 0 &&
		    buf_add_u32(b, (uint32_t)v) == 0 ? 0 : -1);
	return (buf_add_u16(b, dcls) == 0 && buf_add_u16(b, 8) == 0 &&
	    buf_add_u32(b, (uint32_t)(v >> 32)) == 0 &&
	    buf_add_u32(b, (uint32_t)v) == 0 ? 0 : -1);
}

int
ikev1_life_attrs_parse(const uint8_t *p, size_t len, uint32_t *secs,
    uint64_t *kbytes)
{
	struct cur		 c;
	struct ikev1_transform	 tr;
	const uint8_t		*vp;
	uint64_t		 val;
	uint16_t		 at, av, ltype = 0, cls;

	memset(&tr, 0, sizeof(tr));
	cur_init(&c, p, len);
	while (cur_left(&c) > 0) {
		if (cur_get_u16(&c, &at) == -1 || cur_get_u16(&c, &av) == -1)
			return (-1);
		cls = at & ~ATTR_AF;
		if (at & ATTR_AF)
			val = av;
		else if (cur_get_ptr(&c, &vp, av) == -1 ||
		    attr_var_value(vp, av, &val) == -1)
			return (-1);
		if (cls == IKEV1_P2_LIFE_TYPE) {
			if (!(at & ATTR_AF))
				return (-1);
			ltype = (uint16_t)val;
		} else if (cls == IKEV1_P2_LIFE_DUR &&
		    attr_life_set(&tr, ltype, val) == -1)
			return (-1);
	}
	*secs = tr.tr_life_secs;
	*kbytes = tr.tr_life_kbytes;
	return (0);
}

int
ikev1_life_attrs_write(struct buf *b, uint32_t secs, uint64_t kbytes)
{
	return (attr_add_life(b, IKEV1_P2_LIFE_TYPE, IKEV1_P2_LIFE_DUR,
	    IKEV1_LIFE_SECONDS, secs) == 0 && attr_add_life(b,
	    IKEV1_P2_LIFE_TYPE, IKEV1_P2_LIFE_DUR, IKEV1_LIFE_KILOBYTES,
	    kbytes) == 0 ? 0 : -1);
}

static int
attr_add_opt(struct buf *b, uint16_t cls, uint16_t v)
{
	return (v == 0 ? 0 : attr_add_tv(b, cls, v));
}

static int
xf_attrs_write(struct buf *b, uint8_t proto, const struct ikev1_transform *t)
{
	if (proto == IKEV1_PROTO_ISAKMP)
		return (attr_add_opt(b, IKEV1_ATTR_ENCR, t->tr_encr) == 0 &&
		    attr_add_opt(b, IKEV1_ATTR_KEYLEN, t->tr_keylen) == 0 &&
		    attr_add_opt(b, IKEV1_ATTR_HASH, t->tr_hash) == 0 &&
		    attr_add_opt(b, IKEV1_ATTR_AUTH, t->tr_auth) == 0 &&
		    attr_add_opt(b, IKEV1_ATTR_GROUP, t->tr_group) == 0 &&
		    attr_add_life(b, IKEV1_ATTR_LIFE_TYPE, IKEV1_ATTR_LIFE_DUR,
		    IKEV1_LIFE_SECONDS, t->tr_life_secs) == 0 &&
		    attr_add_life(b, IKEV1_ATTR_LIFE_TYPE, IKEV1_ATTR_LIFE_DUR,
		    IKEV1_LIFE_KILOBYTES, t->tr_life_kbytes) == 0 ? 0 : -1);
	return (attr_add_life(b, IKEV1_P2_LIFE_TYPE, IKEV1_P2_LIFE_DUR,
	    IKEV1_LIFE_SECONDS, t->tr_life_secs) == 0 &&
	    attr_add_life(b, IKEV1_P2_LIFE_TYPE, IKEV1_P2_LIFE_DUR,
	    IKEV1_LIFE_KILOBYTES, t->tr_life_kbytes) == 0 &&
	    attr_add_opt(b, IKEV1_P2_GROUP, t->tr_group) == 0 &&
	    attr_add_opt(b, IKEV1_P2_ENCAP, t->tr_encap) == 0 &&
	    attr_add_opt(b, IKEV1_P2_AUTH_ALG, t->tr_auth_alg) == 0 &&
	    attr_add_opt(b, IKEV1_P2_KEYLEN, t->tr_keylen) == 0 &&
	    attr_add_opt(b, IKEV1_P2_ESN, t->tr_esn) == 0 ? 0 : -1);
}

static int
prop_write(struct buf *b, const struct ikev1_proposal *p, int last)
{
	size_t	off = b->buf_len, xoff;
	int	i;

	if (p->prop_spi_len > IKEV1_MAX_SPI_LEN || p->prop_ntr < 1 ||
	    p->prop_ntr > IKEV1_MAX_TRANSFORMS)
		return (-1);
	if (buf_add_u8(b, last ? IKEV1_PLD_NONE : IKEV1_PLD_P) == -1 ||
	    buf_add_u8(b, 0) == -1 || buf_add_u16(b, 0) == -1 ||
	    buf_add_u8(b, p->prop_num) == -1 ||
	    buf_add_u8(b, p->prop_proto) == -1 ||
	    buf_add_u8(b, p->prop_spi_len) == -1 ||
	    buf_add_u8(b, (uint8_t)p->prop_ntr) == -1 ||
	    buf_add(b, p->prop_spi, p->prop_spi_len) == -1)
		return (-1);
	for (i = 0; i < p->prop_ntr; i++) {
		xoff = b->buf_len;
		if (buf_add_u8(b, i + 1 == p->prop_ntr ? IKEV1_PLD_NONE :
		    IKEV1_PLD_T) == -1 || buf_add_u8(b, 0) == -1 ||
		    buf_add_u16(b, 0) == -1 ||
		    buf_add_u8(b, p->prop_tr[i].tr_num) == -1 ||
		    buf_add_u8(b, p->prop_tr[i].tr_id) == -1 ||
		    buf_add_u16(b, 0) == -1 ||
		    xf_attrs_write(b, p->prop_proto, &p->prop_tr[i]) == -1 ||
		    b->buf_len - xoff > UINT16_MAX)
			return (-1);
		buf_set_u16(b, xoff + 2, (uint16_t)(b->buf_len - xoff));
	}
	if (b->buf_len - off > UINT16_MAX)
		return (-1);
	buf_set_u16(b, off + 2, (uint16_t)(b->buf_len - off));
	return (0);
}

int
ikev1_add_sa(struct pld_writer *w, const struct ikev1_sa *sa)
{
	size_t	off;
	int	i, ok;

	if (sa->sa_nprop < 1 || sa->sa_nprop > IKEV1_MAX_PROPOSALS)
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add_u32(w->w_buf, sa->sa_doi) == 0 &&
	    buf_add_u32(w->w_buf, sa->sa_situation) == 0;
	for (i = 0; i < sa->sa_nprop && ok; i++)
		ok = prop_write(w->w_buf, &sa->sa_prop[i],
		    i + 1 == sa->sa_nprop) == 0;
	return (pld_end(w, IKEV1_PLD_SA, off, ok));
}

int
ikev1_sa_p1_build(struct ikev1_sa *sa, const struct ikev1_p1_params *p,
    int n)
{
	struct ikev1_proposal	*pr = &sa->sa_prop[0];
	struct ikev1_transform	*t;
	int			 i;

	memset(sa, 0, sizeof(*sa));
	if (n < 1 || n > IKEV1_MAX_TRANSFORMS)
		return (-1);
	sa->sa_doi = IKEV1_DOI_IPSEC;
	sa->sa_situation = IKEV1_SIT_IDENTITY_ONLY;
	sa->sa_nprop = 1;
	pr->prop_num = 1;
	pr->prop_proto = IKEV1_PROTO_ISAKMP;
	pr->prop_ntr = n;
	for (i = 0; i < n; i++) {
		t = &pr->prop_tr[i];
		t->tr_num = (uint8_t)(i + 1);
		t->tr_id = IKEV1_KEY_IKE;
		t->tr_encr = p[i].p1_encr;
		t->tr_keylen = p[i].p1_keylen;
		t->tr_hash = p[i].p1_hash;
		t->tr_auth = p[i].p1_auth;
		t->tr_group = p[i].p1_group;
		t->tr_life_secs = p[i].p1_life_secs;
	}
	return (0);
}

int
ikev1_sa_p2_build(struct ikev1_sa *sa, const struct ikev1_p2_params *p,
    int n)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_doi = IKEV1_DOI_IPSEC;
	sa->sa_situation = IKEV1_SIT_IDENTITY_ONLY;
	return (ikev1_sa_p2_add(sa, p, n));
}

int
ikev1_sa_p2_add(struct ikev1_sa *sa, const struct ikev1_p2_params *p,
    int n)
{
	struct ikev1_proposal	*pr;
	struct ikev1_transform	*t;
	int			 i;

	if (n < 1 || n > IKEV1_MAX_TRANSFORMS ||
	    sa->sa_nprop >= IKEV1_MAX_PROPOSALS)
		return (-1);
	for (i = 1; i < n; i++)
		if (p[i].p2_proto != p[0].p2_proto ||
		    p[i].p2_spi != p[0].p2_spi)
			return (-1);
	pr = &sa->sa_prop[sa->sa_nprop];
	memset(pr, 0, sizeof(*pr));
	pr->prop_num = (uint8_t)(sa->sa_nprop + 1);
	pr->prop_proto = p[0].p2_proto;
	pr->prop_spi_len = 4;
	pr->prop_spi[0] = (uint8_t)(p[0].p2_spi >> 24);
	pr->prop_spi[1] = (uint8_t)(p[0].p2_spi >> 16);
	pr->prop_spi[2] = (uint8_t)(p[0].p2_spi >> 8);
	pr->prop_spi[3] = (uint8_t)p[0].p2_spi;
	pr->prop_ntr = n;
	for (i = 0; i < n; i++) {
		t = &pr->prop_tr[i];
		t->tr_num = (uint8_t)(i + 1);
		t->tr_id = p[i].p2_id;
		t->tr_keylen = p[i].p2_keylen;
		t->tr_auth_alg = p[i].p2_auth_alg;
		t->tr_group = p[i].p2_group;
		t->tr_encap = p[i].p2_encap;
		t->tr_esn = p[i].p2_esn;
		t->tr_life_secs = p[i].p2_life_secs;
		t->tr_life_kbytes = p[i].p2_life_kbytes;
	}
	sa->sa_nprop++;
	return (0);
}

int
ikev1_add_ke(struct pld_writer *w, const uint8_t *data, size_t len)
{
	return (pld_add_simple(w, IKEV1_PLD_KE, NULL, 0, data, len));
}

int
ikev1_add_nonce(struct pld_writer *w, const uint8_t *n, size_t len)
{
	return (pld_add_simple(w, IKEV1_PLD_NONCE, NULL, 0, n, len));
}

int
ikev1_add_id(struct pld_writer *w, uint8_t id_type, uint8_t proto,
    uint16_t port, const uint8_t *data, size_t len)
{
	uint8_t	hdr[4] = { id_type, proto, port >> 8, port & 0xff };

	return (pld_add_simple(w, IKEV1_PLD_ID, hdr, sizeof(hdr), data, len));
}

int
ikev1_add_hash(struct pld_writer *w, const uint8_t *data, size_t len,
    size_t *off)
{
	size_t	start;
	int	ok;

	if (len == 0 || pld_begin(w, &start) == -1)
		return (-1);
	ok = data != NULL ? buf_add(w->w_buf, data, len) == 0 :
	    buf_add_zero(w->w_buf, len) == 0;
	if (pld_end(w, IKEV1_PLD_HASH, start, ok) == -1)
		return (-1);
	if (off != NULL)
		*off = start + PLD_GENERIC_LEN;
	return (0);
}

int
ikev1_add_notify(struct pld_writer *w, uint8_t proto, const uint8_t *spi,
    uint8_t spi_len, uint16_t type, const uint8_t *data, size_t len)
{
	struct buf	*b = w->w_buf;
	size_t		 off;
	int		 ok;

	if (spi_len > IKEV1_MAX_SPI_LEN || (spi_len > 0 && spi == NULL))
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add_u32(b, IKEV1_DOI_IPSEC) == 0 &&
	    buf_add_u8(b, proto) == 0 && buf_add_u8(b, spi_len) == 0 &&
	    buf_add_u16(b, type) == 0 && buf_add(b, spi, spi_len) == 0 &&
	    buf_add(b, data, len) == 0;
	return (pld_end(w, IKEV1_PLD_N, off, ok));
}

int
ikev1_add_delete(struct pld_writer *w, uint8_t proto, uint8_t spi_len,
    uint16_t nspi, const uint8_t *spis)
{
	struct buf	*b = w->w_buf;
	size_t		 off;
	int		 ok;

	if (spi_len == 0 || spi_len > IKEV1_MAX_SPI_LEN || nspi == 0 ||
	    spis == NULL)
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add_u32(b, IKEV1_DOI_IPSEC) == 0 &&
	    buf_add_u8(b, proto) == 0 && buf_add_u8(b, spi_len) == 0 &&
	    buf_add_u16(b, nspi) == 0 &&
	    buf_add(b, spis, (size_t)nspi * spi_len) == 0;
	return (pld_end(w, IKEV1_PLD_D, off, ok));
}

int
ikev1_add_vendor(struct pld_writer *w, const uint8_t *vid, size_t len)
{
	return (pld_add_simple(w, IKEV1_PLD_VID, NULL, 0, vid, len));
}

int
ikev1_add_natd(struct pld_writer *w, const uint8_t *hash, size_t len)
{
	return (pld_add_simple(w, IKEV1_PLD_NATD, NULL, 0, hash, len));
}

/* --- descriptions for gatewayctl doctor --- */

_Static_assert(IKEV1_MAX_PROPOSALS <= PROP_MAX_PROPOSALS,
    "every IKEv1 proposal gets a described one");
_Static_assert(IKEV1_PROTO_ISAKMP == PROP_PROTO_IKE &&
    IKEV1_PROTO_AH == PROP_PROTO_AH && IKEV1_PROTO_ESP == PROP_PROTO_ESP,
    "IKEv1 and IKEv2 number the protocols alike");

/* Phase 1 encryption (RFC 2409 Appendix A, RFC 3602 §5.1); -1 none. */
static int
offer_p1_encr(uint16_t v)
{
	switch (v) {
	case IKEV1_ENCR_3DES:		return (ENCR_3DES);
	case IKEV1_ENCR_AES:		return (ENCR_AES_CBC);
	default:			return (-1);
	}
}

/* Phase 1 hash (RFC 2409 Appendix A, RFC 4868 §2.1) as the HMAC
 * integrity transform it keys; -1 none. */
static int
offer_p1_hash(uint16_t v)
{
	switch (v) {
	case IKEV1_HASH_MD5:		return (AUTH_HMAC_MD5_96);
	case IKEV1_HASH_SHA:		return (AUTH_HMAC_SHA1_96);
	case IKEV1_HASH_SHA2_256:	return (AUTH_HMAC_SHA2_256_128);
	case IKEV1_HASH_SHA2_384:	return (AUTH_HMAC_SHA2_384_192);
	case IKEV1_HASH_SHA2_512:	return (AUTH_HMAC_SHA2_512_256);
	default:			return (-1);
	}
}

/* Phase 2 Authentication Algorithm (RFC 2407 §4.5, RFC 4868 §2.1). */
static int
offer_p2_auth(uint16_t v)
{
	switch (v) {
	case IKEV1_AUTH_HMAC_MD5:	return (AUTH_HMAC_MD5_96);
	case IKEV1_AUTH_HMAC_SHA:	return (AUTH_HMAC_SHA1_96);
	case IKEV1_AUTH_HMAC_SHA2_256:	return (AUTH_HMAC_SHA2_256_128);
	case IKEV1_AUTH_HMAC_SHA2_384:	return (AUTH_HMAC_SHA2_384_192);
	case IKEV1_AUTH_HMAC_SHA2_512:	return (AUTH_HMAC_SHA2_512_256);
	default:			return (-1);
	}
}

/* AH transform ID (RFC 2407 §4.4.3, RFC 4868 §2.1). */
static int
offer_ah_id(uint8_t v)
{
	switch (v) {
	case IKEV1_AH_MD5:		return (AUTH_HMAC_MD5_96);
	case IKEV1_AH_SHA:		return (AUTH_HMAC_SHA1_96);
	case IKEV1_AH_SHA2_256:		return (AUTH_HMAC_SHA2_256_128);
	case IKEV1_AH_SHA2_384:		return (AUTH_HMAC_SHA2_384_192);
	case IKEV1_AH_SHA2_512:		return (AUTH_HMAC_SHA2_512_256);
	default:			return (-1);
	}
}

/*
 * Adds a transform of type to p unless p has it: id, or (id -1) the
 * IKEv1 value v1 kept as a number.  0, or -1 if p is full.
 */
static int
offer_add(struct prop_proposal *p, uint8_t type, int id, uint16_t v1,
    uint16_t keylen)
{
	struct prop_transform	 tr;
	int			 i;

	memset(&tr, 0, sizeof(tr));
	tr.tr_type = type;
	tr.tr_id = id >= 0 ? (uint16_t)id : v1;
	tr.tr_v1 = id < 0;
	tr.tr_keylen = keylen;
	for (i = 0; i < p->prop_ntr; i++)
		if (p->prop_tr[i].tr_type == tr.tr_type &&
		    p->prop_tr[i].tr_id == tr.tr_id &&
		    p->prop_tr[i].tr_v1 == tr.tr_v1 &&
		    p->prop_tr[i].tr_keylen == tr.tr_keylen)
			return (0);
	if (p->prop_ntr >= PROP_MAX_TRANSFORMS)
		return (-1);
	p->prop_tr[p->prop_ntr++] = tr;
	return (0);
}

/* An ISAKMP transform's algorithms; 0 or -1 (p full). */
static int
offer_p1(struct prop_proposal *p, const struct ikev1_transform *t)
{
	int	 rc = 0, e;

	/* absent attributes (0) are no value to show */
	if (t->tr_encr != 0) {
		e = offer_p1_encr(t->tr_encr);
		rc |= offer_add(p, PROP_XF_ENCR, e, t->tr_encr,
		    e == ENCR_AES_CBC ? t->tr_keylen : 0);
	}
	if (t->tr_hash != 0)
		rc |= offer_add(p, PROP_XF_INTEG, offer_p1_hash(t->tr_hash),
		    t->tr_hash, 0);
	/* IKEv2 took IKEv1's group numbers (RFC 7296 §3.3.2) */
	if (t->tr_group != 0)
		rc |= offer_add(p, PROP_XF_DH, t->tr_group, 0, 0);
	/* the method has no IKEv2 transform: its number, 0 if absent */
	rc |= offer_add(p, PROP_XF_V1_AUTH, -1, t->tr_auth, 0);
	return (rc);
}

/* An ESP or AH transform's algorithms; 0 or -1 (p full). */
static int
offer_p2(struct prop_proposal *p, uint8_t proto,
    const struct ikev1_transform *t)
{
	int	 rc = 0;

	if (proto == IKEV1_PROTO_ESP)
		/* IKEv2's ENCR numbers are the ESP transform IDs (RFC 7296
		 * §3.3.2); 3DES carries no key length there */
		rc |= offer_add(p, PROP_XF_ENCR, t->tr_id, 0,
		    t->tr_id == IKEV1_ESP_3DES ? 0 : t->tr_keylen);
	if (t->tr_auth_alg != 0)
		rc |= offer_add(p, PROP_XF_INTEG, offer_p2_auth(t->tr_auth_alg),
		    t->tr_auth_alg, 0);
	else if (proto == IKEV1_PROTO_AH)
		rc |= offer_add(p, PROP_XF_INTEG, offer_ah_id(t->tr_id),
		    t->tr_id, 0);
	/* no group: no PFS, which must show against a PFS group */
	rc |= offer_add(p, PROP_XF_DH, t->tr_group, 0, 0);
	/* RFC 4304: absent means 32-bit sequence numbers */
	rc |= offer_add(p, PROP_XF_ESN, t->tr_esn == IKEV1_ESN_64 ?
	    PROP_ESN_YES : PROP_ESN_NONE, 0, 0);
	/* tunnel, transport, UDP-encapsulated (RFC 3947); 0 if absent */
	rc |= offer_add(p, PROP_XF_V1_ENCAP, -1, t->tr_encap, 0);
	return (rc);
}

int
ikev1_sa_offer(const struct ikev1_sa *sa, struct prop_offer *out)
{
	const struct ikev1_proposal	*pr;
	struct prop_proposal		*p;
	int				 i, j, n, rc = 0;

	memset(out, 0, sizeof(*out));
	/* the parser's limits hold for what it filled; a count beyond
	 * them is not trusted */
	n = sa->sa_nprop < 0 ? 0 : sa->sa_nprop > IKEV1_MAX_PROPOSALS ?
	    IKEV1_MAX_PROPOSALS : sa->sa_nprop;
	for (i = 0; i < n; i++) {
		pr = &sa->sa_prop[i];
		p = &out->sa_prop[out->sa_nprop++];
		p->prop_num = pr->prop_num;
		p->prop_proto = pr->prop_proto;
		for (j = 0; j < pr->prop_ntr && j < IKEV1_MAX_TRANSFORMS;
		    j++) {
			if (pr->prop_proto == IKEV1_PROTO_ISAKMP)
				rc |= offer_p1(p, &pr->prop_tr[j]);
			else if (pr->prop_proto == IKEV1_PROTO_ESP ||
			    pr->prop_proto == IKEV1_PROTO_AH)
				rc |= offer_p2(p, pr->prop_proto,
				    &pr->prop_tr[j]);
			/* other protocols (IPCOMP): shown by number,
			 * their transforms mean nothing to the table */
		}
	}
	return (rc ? -1 : 0);
}
