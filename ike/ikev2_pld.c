/*
 * ikev2_pld.c - IKEv2 header and payload chain decoding and encoding
 * (RFC 7296 §3).
 *
 * Decoding is validate-then-parse: each payload body is split off with a
 * bounded cursor, its fixed fields and every inner length are checked,
 * and only then do its fields land in struct ikev2_msg.  Pointers stored
 * in the message borrow the caller's packet buffer.
 */
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/ikev2.h"

/* SA and TS payloads parse into policy/offer.h's types, whose numbers
 * are IKEv2's */
_Static_assert(IKEV2_PROTO_IKE == PROP_PROTO_IKE &&
    IKEV2_PROTO_AH == PROP_PROTO_AH && IKEV2_PROTO_ESP == PROP_PROTO_ESP,
    "protocol IDs");
_Static_assert(IKEV2_XF_ENCR == PROP_XF_ENCR && IKEV2_XF_PRF == PROP_XF_PRF &&
    IKEV2_XF_INTEG == PROP_XF_INTEG && IKEV2_XF_DH == PROP_XF_DH &&
    IKEV2_XF_ESN == PROP_XF_ESN && IKEV2_ESN_NONE == PROP_ESN_NONE &&
    IKEV2_ESN_YES == PROP_ESN_YES, "transform types");
_Static_assert(IKEV2_TS_IPV4_RANGE == TS_IPV4_RANGE &&
    IKEV2_TS_IPV6_RANGE == TS_IPV6_RANGE, "selector types");

#define PROP_HDR_LEN		8	/* RFC 7296 §3.3.1 */
#define XF_HDR_LEN		8	/* RFC 7296 §3.3.2 */
#define ATTR_HDR_LEN		4	/* RFC 7296 §3.3.5 */
#define ATTR_AF			0x8000
#define TS_IPV4_LEN		16	/* RFC 7296 §3.13.1 */
#define TS_IPV6_LEN		40
#define TS_MIN_LEN		8

#define PROP_LAST		0
#define PROP_MORE		2
#define XF_LAST			0
#define XF_MORE			3

/* --- header --- */

int
ikev2_hdr_parse(const uint8_t *pkt, size_t len, struct ikev2_hdr *h)
{
	struct cur	c;

	if (pkt == NULL || len < IKEV2_HDR_LEN) {
		log_debug("ikev2: datagram too short (%zu < %d)", len,
		    IKEV2_HDR_LEN);
		return (-1);
	}
	cur_init(&c, pkt, len);
	if (cur_get_bytes(&c, h->h_spi_i, 8) == -1 ||
	    cur_get_bytes(&c, h->h_spi_r, 8) == -1 ||
	    cur_get_u8(&c, &h->h_next) == -1 ||
	    cur_get_u8(&c, &h->h_version) == -1 ||
	    cur_get_u8(&c, &h->h_exchange) == -1 ||
	    cur_get_u8(&c, &h->h_flags) == -1 ||
	    cur_get_u32(&c, &h->h_msgid) == -1 ||
	    cur_get_u32(&c, &h->h_length) == -1)
		return (-1);
	/* RFC 7296 §3.1: a different major version is not ours to parse. */
	if (h->h_version >> 4 != IKEV2_VERSION >> 4) {
		log_debug("ikev2: major version %u", h->h_version >> 4);
		return (-1);
	}
	if (h->h_length != len) {
		log_debug("ikev2: header length %u != datagram length %zu",
		    h->h_length, len);
		return (-1);
	}
	return (0);
}

/* --- per-payload validate-then-parse --- */

/*
 * One transform (RFC 7296 §3.3.2) and its attributes (§3.3.5).  Only the
 * TV Key Length attribute is understood; other TV attributes and TLV
 * attributes are skipped after their length was checked.
 */
static int
pld_xf_parse(struct cur *c, struct prop_transform *tr)
{
	struct cur	a;
	uint16_t	at, av;
	uint8_t		res;

	memset(tr, 0, sizeof(*tr));
	if (cur_get_u8(c, &tr->tr_type) == -1 || cur_get_u8(c, &res) == -1 ||
	    cur_get_u16(c, &tr->tr_id) == -1)
		return (-1);
	a = *c;
	while (cur_left(&a) > 0) {
		if (cur_get_u16(&a, &at) == -1 || cur_get_u16(&a, &av) == -1) {
			log_debug("ikev2: truncated transform attribute");
			return (-1);
		}
		if (at & ATTR_AF) {
			if ((at & ~ATTR_AF) == IKEV2_ATTR_KEYLEN)
				tr->tr_keylen = av;
			continue;
		}
		if (cur_skip(&a, av) == -1) {
			log_debug("ikev2: TLV attribute length %u > %zu", av,
			    cur_left(&a));
			return (-1);
		}
	}
	return (0);
}

/* One proposal (RFC 7296 §3.3.1): SPI, then exactly prop_ntr transforms. */
static int
pld_prop_parse(struct cur *c, struct prop_proposal *p)
{
	struct cur	x;
	uint16_t	xlen;
	uint8_t		more, res, ntr;
	int		i;

	if (cur_get_u8(c, &p->prop_num) == -1 ||
	    cur_get_u8(c, &p->prop_proto) == -1 ||
	    cur_get_u8(c, &p->prop_spi_len) == -1 ||
	    cur_get_u8(c, &ntr) == -1)
		return (-1);
	if (p->prop_proto != IKEV2_PROTO_IKE && p->prop_proto !=
	    IKEV2_PROTO_AH && p->prop_proto != IKEV2_PROTO_ESP) {
		log_debug("ikev2: proposal protocol %u", p->prop_proto);
		return (-1);
	}
	if ((p->prop_spi_len != 0 && p->prop_spi_len != 4 &&
	    p->prop_spi_len != 8) || p->prop_spi_len > IKEV2_MAX_SPI_LEN) {
		log_debug("ikev2: proposal SPI size %u", p->prop_spi_len);
		return (-1);
	}
	if (ntr > IKEV2_MAX_TRANSFORMS) {
		log_debug("ikev2: %u transforms (max %d)", ntr,
		    IKEV2_MAX_TRANSFORMS);
		return (-1);
	}
	if (cur_get_bytes(c, p->prop_spi, p->prop_spi_len) == -1) {
		log_debug("ikev2: proposal too short for its SPI");
		return (-1);
	}
	for (i = 0; i < ntr; i++) {
		if (cur_get_u8(c, &more) == -1 || cur_get_u8(c, &res) == -1 ||
		    cur_get_u16(c, &xlen) == -1) {
			log_debug("ikev2: proposal %u: transform %d of %u "
			    "missing", p->prop_num, i + 1, ntr);
			return (-1);
		}
		if (xlen < XF_HDR_LEN ||
		    cur_get_sub(c, xlen - ATTR_HDR_LEN, &x) == -1) {
			log_debug("ikev2: transform length %u", xlen);
			return (-1);
		}
		/* The "last" byte must agree with the transform count. */
		if (more != (i + 1 == ntr ? XF_LAST : XF_MORE)) {
			log_debug("ikev2: transform %d/%u last byte %u",
			    i + 1, ntr, more);
			return (-1);
		}
		if (pld_xf_parse(&x, &p->prop_tr[i]) == -1)
			return (-1);
	}
	if (cur_left(c) != 0) {
		log_debug("ikev2: proposal %u: %zu bytes after %u transforms",
		    p->prop_num, cur_left(c), ntr);
		return (-1);
	}
	p->prop_ntr = ntr;
	return (0);
}

/* SA payload (RFC 7296 §3.3): one or more proposals. */
static int
pld_sa_parse(struct cur *c, struct prop_offer *sa)
{
	struct cur	p;
	uint16_t	plen;
	uint8_t		more, res;
	int		last = 0, prevnum = 0;

	sa->sa_nprop = 0;
	if (cur_left(c) == 0) {
		log_debug("ikev2: empty SA payload");
		return (-1);
	}
	while (cur_left(c) > 0) {
		if (sa->sa_nprop >= IKEV2_MAX_PROPOSALS) {
			log_debug("ikev2: more than %d proposals",
			    IKEV2_MAX_PROPOSALS);
			return (-1);
		}
		if (cur_get_u8(c, &more) == -1 || cur_get_u8(c, &res) == -1 ||
		    cur_get_u16(c, &plen) == -1) {
			log_debug("ikev2: truncated proposal header");
			return (-1);
		}
		if (plen < PROP_HDR_LEN ||
		    cur_get_sub(c, plen - ATTR_HDR_LEN, &p) == -1) {
			log_debug("ikev2: proposal length %u (%zu left)", plen,
			    cur_left(c) + ATTR_HDR_LEN);
			return (-1);
		}
		last = cur_left(c) == 0;
		if (more != (last ? PROP_LAST : PROP_MORE)) {
			log_debug("ikev2: proposal last byte %u", more);
			return (-1);
		}
		if (pld_prop_parse(&p, &sa->sa_prop[sa->sa_nprop]) == -1)
			return (-1);
		/* RFC 7296 §3.3.1: numbers start at 1 and go up by one. */
		if (sa->sa_prop[sa->sa_nprop].prop_num < prevnum) {
			log_debug("ikev2: proposal number %u after %d",
			    sa->sa_prop[sa->sa_nprop].prop_num, prevnum);
			return (-1);
		}
		prevnum = sa->sa_prop[sa->sa_nprop].prop_num;
		sa->sa_nprop++;
	}
	return (0);
}

/* Traffic selector payload (RFC 7296 §3.13). */
static int
pld_ts_parse(struct cur *c, struct ts_list *tl)
{
	struct ts_range	*ts;
	struct cur	 s;
	uint16_t	 slen;
	uint8_t		 n, res[3];
	int		 i;

	if (cur_get_u8(c, &n) == -1 || cur_get_bytes(c, res, 3) == -1) {
		log_debug("ikev2: TS payload too short");
		return (-1);
	}
	if (n == 0 || n > IKEV2_MAX_TS) {
		log_debug("ikev2: TS count %u (1..%d)", n, IKEV2_MAX_TS);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		ts = &tl->tsl_ts[i];
		memset(ts, 0, sizeof(*ts));
		if (cur_get_u8(c, &ts->ts_type) == -1 ||
		    cur_get_u8(c, &ts->ts_proto) == -1 ||
		    cur_get_u16(c, &slen) == -1) {
			log_debug("ikev2: TS %d of %u missing", i + 1, n);
			return (-1);
		}
		if (slen < TS_MIN_LEN || cur_get_sub(c, slen - 4, &s) == -1) {
			log_debug("ikev2: TS length %u", slen);
			return (-1);
		}
		if ((ts->ts_type == IKEV2_TS_IPV4_RANGE && slen !=
		    TS_IPV4_LEN) || (ts->ts_type == IKEV2_TS_IPV6_RANGE &&
		    slen != TS_IPV6_LEN)) {
			log_debug("ikev2: TS type %u length %u", ts->ts_type,
			    slen);
			return (-1);
		}
		if (cur_get_u16(&s, &ts->ts_sport) == -1 ||
		    cur_get_u16(&s, &ts->ts_eport) == -1)
			return (-1);
		/* Other types keep only ts_type: the engine rejects them. */
		if (ts->ts_type == IKEV2_TS_IPV4_RANGE &&
		    (cur_get_bytes(&s, &ts->ts_saddr, 4) == -1 ||
		    cur_get_bytes(&s, &ts->ts_eaddr, 4) == -1))
			return (-1);
	}
	if (cur_left(c) != 0) {
		log_debug("ikev2: %zu bytes after %u selectors", cur_left(c),
		    n);
		return (-1);
	}
	tl->tsl_n = n;
	return (0);
}

/* Notify payload (RFC 7296 §3.10). */
static int
pld_notify_parse(struct cur *c, struct ikev2_notify *n)
{
	if (cur_get_u8(c, &n->n_proto) == -1 ||
	    cur_get_u8(c, &n->n_spi_len) == -1 ||
	    cur_get_u16(c, &n->n_type) == -1) {
		log_debug("ikev2: notify payload too short");
		return (-1);
	}
	if (n->n_spi_len > IKEV2_MAX_SPI_LEN ||
	    cur_get_bytes(c, n->n_spi, n->n_spi_len) == -1) {
		log_debug("ikev2: notify SPI size %u", n->n_spi_len);
		return (-1);
	}
	n->n_len = cur_left(c);
	n->n_data = n->n_len ? c->cur_p : NULL;
	return (0);
}

/* Delete payload (RFC 7296 §3.11). */
static int
pld_delete_parse(struct cur *c, struct ikev2_delete *d)
{
	if (cur_get_u8(c, &d->d_proto) == -1 ||
	    cur_get_u8(c, &d->d_spi_len) == -1 ||
	    cur_get_u16(c, &d->d_nspi) == -1) {
		log_debug("ikev2: delete payload too short");
		return (-1);
	}
	if (d->d_spi_len > IKEV2_MAX_SPI_LEN ||
	    cur_left(c) != (size_t)d->d_nspi * d->d_spi_len) {
		log_debug("ikev2: delete of %u SPIs of %u bytes in %zu bytes",
		    d->d_nspi, d->d_spi_len, cur_left(c));
		return (-1);
	}
	d->d_spis = cur_left(c) ? c->cur_p : NULL;
	return (0);
}

/* IDi/IDr (RFC 7296 §3.5): type, 3 reserved, data. */
static int
pld_id_parse(struct cur *c, struct ikev2_id *id)
{
	id->id_body = c->cur_p;
	id->id_body_len = cur_left(c);
	if (cur_get_u8(c, &id->id_type) == -1 || cur_skip(c, 3) == -1 ||
	    cur_left(c) == 0) {
		log_debug("ikev2: ID payload too short (%zu)",
		    id->id_body_len);
		return (-1);
	}
	id->id_data = c->cur_p;
	id->id_len = cur_left(c);
	return (0);
}

/*
 * Validates one payload body of a known type and stores it in m; store
 * is 0 for a repeated singleton, which is checked but not kept.
 */
static int
pld_body_parse(uint8_t type, struct cur *c, int store, struct ikev2_msg *m)
{
	struct prop_offer		 sa_tmp;
	struct ts_list	 ts_tmp;
	struct ikev2_id		 id_tmp;
	uint16_t		 group;
	uint8_t			 method;

	switch (type) {
	case IKEV2_PLD_SA:
		return (pld_sa_parse(c, store ? &m->m_sa : &sa_tmp));
	case IKEV2_PLD_KE:
		/* RFC 7296 §3.4: group, 2 reserved, public value. */
		if (cur_get_u16(c, &group) == -1 || cur_skip(c, 2) == -1 ||
		    cur_left(c) == 0) {
			log_debug("ikev2: KE payload too short");
			return (-1);
		}
		if (store) {
			m->m_ke_group = group;
			m->m_ke_data = c->cur_p;
			m->m_ke_len = cur_left(c);
		}
		return (0);
	case IKEV2_PLD_NONCE:
		/* RFC 7296 §3.9: 16 to 256 bytes. */
		if (cur_left(c) < IKEV2_NONCE_MIN ||
		    cur_left(c) > IKEV2_NONCE_MAX) {
			log_debug("ikev2: nonce length %zu", cur_left(c));
			return (-1);
		}
		if (store) {
			m->m_nonce = c->cur_p;
			m->m_nonce_len = cur_left(c);
		}
		return (0);
	case IKEV2_PLD_IDI:
		return (pld_id_parse(c, store ? &m->m_idi : &id_tmp));
	case IKEV2_PLD_IDR:
		return (pld_id_parse(c, store ? &m->m_idr : &id_tmp));
	case IKEV2_PLD_AUTH:
		/* RFC 7296 §3.8: method, 3 reserved, data. */
		if (cur_get_u8(c, &method) == -1 || cur_skip(c, 3) == -1 ||
		    cur_left(c) == 0) {
			log_debug("ikev2: AUTH payload too short");
			return (-1);
		}
		if (store) {
			m->m_auth_method = method;
			m->m_auth_data = c->cur_p;
			m->m_auth_len = cur_left(c);
		}
		return (0);
	case IKEV2_PLD_TSI:
		return (pld_ts_parse(c, store ? &m->m_tsi : &ts_tmp));
	case IKEV2_PLD_TSR:
		return (pld_ts_parse(c, store ? &m->m_tsr : &ts_tmp));
	case IKEV2_PLD_NOTIFY:
		if (m->m_nnotify >= IKEV2_MAX_NOTIFY) {
			log_debug("ikev2: more than %d notifies",
			    IKEV2_MAX_NOTIFY);
			return (-1);
		}
		if (pld_notify_parse(c, &m->m_notify[m->m_nnotify]) == -1)
			return (-1);
		m->m_nnotify++;
		return (0);
	case IKEV2_PLD_DELETE:
		if (m->m_ndelete >= IKEV2_MAX_DELETE) {
			log_debug("ikev2: more than %d deletes",
			    IKEV2_MAX_DELETE);
			return (-1);
		}
		if (pld_delete_parse(c, &m->m_delete[m->m_ndelete]) == -1)
			return (-1);
		m->m_ndelete++;
		return (0);
	case IKEV2_PLD_CERT:
	case IKEV2_PLD_CERTREQ:
		/* RFC 7296 §3.6, §3.7: an encoding byte, then data. */
		if (cur_left(c) < 1) {
			log_debug("ikev2: empty CERT/CERTREQ payload");
			return (-1);
		}
		return (0);
	case IKEV2_PLD_CP:
		/* RFC 7296 §3.15: CFG type, 3 reserved, attributes. */
		if (cur_left(c) < 4) {
			log_debug("ikev2: CP payload too short");
			return (-1);
		}
		return (0);
	case IKEV2_PLD_VENDOR:
	case IKEV2_PLD_EAP:
	default:
		return (0);
	}
}

static int
pld_known(uint8_t type)
{
	return (type >= IKEV2_PLD_SA && type <= IKEV2_PLD_EAP);
}

static int
pld_is_list(uint8_t type)
{
	return (type == IKEV2_PLD_NOTIFY || type == IKEV2_PLD_DELETE ||
	    type == IKEV2_PLD_VENDOR || type == IKEV2_PLD_CERT ||
	    type == IKEV2_PLD_CERTREQ || type == IKEV2_PLD_CP ||
	    type == IKEV2_PLD_EAP);
}

int
ikev2_pld_parse(uint8_t first, const uint8_t *data, size_t len,
    int inside_sk, struct ikev2_msg *m)
{
	struct cur	c, body;
	size_t		pos;
	uint16_t	plen;
	uint8_t		type = first, next, crit;
	int		seen;

	cur_init(&c, data, len);
	while (type != IKEV2_PLD_NONE) {
		pos = len - cur_left(&c);
		if (cur_get_u8(&c, &next) == -1 ||
		    cur_get_u8(&c, &crit) == -1 ||
		    cur_get_u16(&c, &plen) == -1) {
			log_debug("ikev2: truncated header of payload %u at "
			    "%zu", type, pos);
			return (-1);
		}
		if (plen < PLD_GENERIC_LEN || cur_get_sub(&c,
		    plen - PLD_GENERIC_LEN, &body) == -1) {
			log_debug("ikev2: payload %u length %u (%zu left)",
			    type, plen, cur_left(&c) + PLD_GENERIC_LEN);
			return (-1);
		}
		seen = m->m_count[type];
		if (m->m_count[type] < UINT8_MAX)
			m->m_count[type]++;
		if (inside_sk && m->m_in_sk[type] < UINT8_MAX)
			m->m_in_sk[type]++;

		if (type == IKEV2_PLD_SK) {
			/* RFC 7296 §3.14: SK is the last payload, and never
			 * nested. */
			if (inside_sk) {
				log_debug("ikev2: SK payload inside SK");
				return (-1);
			}
			if (cur_left(&c) != 0) {
				log_debug("ikev2: %zu bytes after SK payload",
				    cur_left(&c));
				return (-1);
			}
			m->m_sk_next = next;
			m->m_sk_body = body.cur_p;
			m->m_sk_len = cur_left(&body);
			/* The outer chain starts right after the header. */
			m->m_sk_offset = IKEV2_HDR_LEN + pos;
			return (0);
		}
		if (!pld_known(type)) {
			/* RFC 7296 §2.5: skip unknown payloads unless
			 * critical; the engine answers those. */
			if ((crit & IKEV2_CRITICAL) &&
			    m->m_unsupported_critical == 0)
				m->m_unsupported_critical = type;
			log_debug("ikev2: %scritical unknown payload %u",
			    (crit & IKEV2_CRITICAL) ? "" : "non-", type);
		} else if (pld_body_parse(type, &body,
		    seen == 0 || pld_is_list(type), m) == -1) {
			log_debug("ikev2: bad payload %u at %zu", type, pos);
			return (-1);
		}
		type = next;
	}
	if (cur_left(&c) != 0) {
		log_debug("ikev2: %zu trailing bytes after payload chain",
		    cur_left(&c));
		return (-1);
	}
	return (0);
}

int
ikev2_msg_parse(const uint8_t *pkt, size_t len, struct ikev2_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (ikev2_hdr_parse(pkt, len, &m->m_hdr) == -1)
		return (-1);
	return (ikev2_pld_parse(m->m_hdr.h_next, pkt + IKEV2_HDR_LEN,
	    len - IKEV2_HDR_LEN, 0, m));
}

const struct ikev2_notify *
ikev2_msg_notify(const struct ikev2_msg *m, uint16_t type)
{
	int	i;

	for (i = 0; i < m->m_nnotify; i++)
		if (m->m_notify[i].n_type == type)
			return (&m->m_notify[i]);
	return (NULL);
}

/* --- encoding --- */

int
ikev2_hdr_write(struct buf *b, const struct ikev2_hdr *h,
    struct pld_writer *w)
{
	size_t	start = b->buf_len;

	if (buf_add(b, h->h_spi_i, 8) == -1 ||
	    buf_add(b, h->h_spi_r, 8) == -1 ||
	    buf_add_u8(b, IKEV2_PLD_NONE) == -1 ||
	    buf_add_u8(b, h->h_version ? h->h_version : IKEV2_VERSION) ==
	    -1 || buf_add_u8(b, h->h_exchange) == -1 ||
	    buf_add_u8(b, h->h_flags) == -1 ||
	    buf_add_u32(b, h->h_msgid) == -1 ||
	    buf_add_u32(b, 0) == -1) {
		b->buf_len = start;
		return (-1);
	}
	w->w_buf = b;
	w->w_next_off = start + 16;
	w->w_first = IKEV2_PLD_NONE;
	return (0);
}

void
ikev2_writer_init(struct pld_writer *w, struct buf *b)
{
	pld_writer_init(w, b);
}

void
ikev2_hdr_set_length(struct buf *b)
{
	pld_msg_set_length(b, IKEV2_HDR_LEN);
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
pld_prop_write(struct buf *b, const struct prop_proposal *p, int last)
{
	const struct prop_transform	*tr;
	size_t				 off = b->buf_len;
	int				 i;

	if (p->prop_spi_len > IKEV2_MAX_SPI_LEN || p->prop_ntr < 0 ||
	    p->prop_ntr > IKEV2_MAX_TRANSFORMS)
		return (-1);
	if (buf_add_u8(b, last ? PROP_LAST : PROP_MORE) == -1 ||
	    buf_add_u8(b, 0) == -1 || buf_add_u16(b, 0) == -1 ||
	    buf_add_u8(b, p->prop_num) == -1 ||
	    buf_add_u8(b, p->prop_proto) == -1 ||
	    buf_add_u8(b, p->prop_spi_len) == -1 ||
	    buf_add_u8(b, (uint8_t)p->prop_ntr) == -1 ||
	    buf_add(b, p->prop_spi, p->prop_spi_len) == -1)
		return (-1);
	for (i = 0; i < p->prop_ntr; i++) {
		tr = &p->prop_tr[i];
		if (buf_add_u8(b, i + 1 == p->prop_ntr ? XF_LAST : XF_MORE) ==
		    -1 || buf_add_u8(b, 0) == -1 ||
		    buf_add_u16(b, tr->tr_keylen ? 12 : 8) == -1 ||
		    buf_add_u8(b, tr->tr_type) == -1 ||
		    buf_add_u8(b, 0) == -1 || buf_add_u16(b, tr->tr_id) == -1)
			return (-1);
		if (tr->tr_keylen != 0 &&
		    (buf_add_u16(b, ATTR_AF | IKEV2_ATTR_KEYLEN) == -1 ||
		    buf_add_u16(b, tr->tr_keylen) == -1))
			return (-1);
	}
	if (b->buf_len - off > UINT16_MAX)
		return (-1);
	buf_set_u16(b, off + 2, (uint16_t)(b->buf_len - off));
	return (0);
}

int
ikev2_add_sa(struct pld_writer *w, const struct prop_offer *sa)
{
	size_t	off;
	int	i, ok = 1;

	if (sa->sa_nprop < 1 || sa->sa_nprop > IKEV2_MAX_PROPOSALS)
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	for (i = 0; i < sa->sa_nprop && ok; i++)
		ok = pld_prop_write(w->w_buf, &sa->sa_prop[i],
		    i + 1 == sa->sa_nprop) == 0;
	return (pld_end(w, IKEV2_PLD_SA, off, ok));
}

int
ikev2_add_ke(struct pld_writer *w, uint16_t group, const uint8_t *data,
    size_t len)
{
	uint8_t	hdr[4] = { group >> 8, group & 0xff, 0, 0 };

	return (pld_add_simple(w, IKEV2_PLD_KE, hdr, sizeof(hdr), data, len));
}

int
ikev2_add_nonce(struct pld_writer *w, const uint8_t *n, size_t len)
{
	return (pld_add_simple(w, IKEV2_PLD_NONCE, NULL, 0, n, len));
}

int
ikev2_add_id(struct pld_writer *w, uint8_t pld, uint8_t id_type,
    const uint8_t *data, size_t len)
{
	uint8_t	hdr[4] = { id_type, 0, 0, 0 };

	if (pld != IKEV2_PLD_IDI && pld != IKEV2_PLD_IDR)
		return (-1);
	return (pld_add_simple(w, pld, hdr, sizeof(hdr), data, len));
}

int
ikev2_add_auth(struct pld_writer *w, uint8_t method, const uint8_t *data,
    size_t len)
{
	uint8_t	hdr[4] = { method, 0, 0, 0 };

	return (pld_add_simple(w, IKEV2_PLD_AUTH, hdr, sizeof(hdr), data,
	    len));
}

int
ikev2_add_ts(struct pld_writer *w, uint8_t pld,
    const struct ts_list *tl)
{
	const struct ts_range	*ts;
	struct buf		*b = w->w_buf;
	size_t			 off;
	int			 i, ok;

	if ((pld != IKEV2_PLD_TSI && pld != IKEV2_PLD_TSR) ||
	    tl->tsl_n < 1 || tl->tsl_n > IKEV2_MAX_TS)
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add_u8(b, (uint8_t)tl->tsl_n) == 0 &&
	    buf_add_zero(b, 3) == 0;
	for (i = 0; i < tl->tsl_n && ok; i++) {
		ts = &tl->tsl_ts[i];
		/* Only IPv4 address ranges (RFC 7296 §3.13.1). */
		ok = ts->ts_type == IKEV2_TS_IPV4_RANGE &&
		    buf_add_u8(b, ts->ts_type) == 0 &&
		    buf_add_u8(b, ts->ts_proto) == 0 &&
		    buf_add_u16(b, TS_IPV4_LEN) == 0 &&
		    buf_add_u16(b, ts->ts_sport) == 0 &&
		    buf_add_u16(b, ts->ts_eport) == 0 &&
		    buf_add(b, &ts->ts_saddr, 4) == 0 &&
		    buf_add(b, &ts->ts_eaddr, 4) == 0;
	}
	return (pld_end(w, pld, off, ok));
}

int
ikev2_add_notify(struct pld_writer *w, uint8_t proto, const uint8_t *spi,
    uint8_t spi_len, uint16_t type, const uint8_t *data, size_t len)
{
	struct buf	*b = w->w_buf;
	size_t		 off;
	int		 ok;

	if (spi_len > IKEV2_MAX_SPI_LEN || (spi_len > 0 && spi == NULL))
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add_u8(b, proto) == 0 && buf_add_u8(b, spi_len) == 0 &&
	    buf_add_u16(b, type) == 0 && buf_add(b, spi, spi_len) == 0 &&
	    buf_add(b, data, len) == 0;
	return (pld_end(w, IKEV2_PLD_NOTIFY, off, ok));
}

int
ikev2_add_delete(struct pld_writer *w, uint8_t proto, uint8_t spi_len,
    uint16_t nspi, const uint8_t *spis)
{
	struct buf	*b = w->w_buf;
	size_t		 off;
	int		 ok;

	if (spi_len > IKEV2_MAX_SPI_LEN ||
	    (nspi * spi_len > 0 && spis == NULL))
		return (-1);
	if (pld_begin(w, &off) == -1)
		return (-1);
	ok = buf_add_u8(b, proto) == 0 && buf_add_u8(b, spi_len) == 0 &&
	    buf_add_u16(b, nspi) == 0 &&
	    buf_add(b, spis, (size_t)nspi * spi_len) == 0;
	return (pld_end(w, IKEV2_PLD_DELETE, off, ok));
}

int
ikev2_add_vendor(struct pld_writer *w, const uint8_t *vid, size_t len)
{
	return (pld_add_simple(w, IKEV2_PLD_VENDOR, NULL, 0, vid, len));
}
