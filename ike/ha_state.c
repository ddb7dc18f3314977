/*
 * ha_state.c - the HA state sync payloads (ha_state.h): IKE SA, CHILD SA
 * and DELETE records, encoded into a bounded writer and decoded with the
 * bounded read cursor of common/buf.h, validate as we parse.
 *
 * IKE SA:	version 1, flags 1, name, SPIi 8, SPIr 8, local address 4
 *		and port 2, peer address 4 and port 2, message IDs 4 + 4
 *		(IKEv1: 0 and its HA_V1_* bits),
 *		encr, encr bits, prf, integ, dh 2 each, life 4, rekey 4,
 *		ID type 1, ID (length byte), key count 1, keys, child
 *		count 2, inbound SPIs 4 each
 * CHILD SA:	version 1, IKE SPIs 16, proto 1, mode 1, flags 1, name,
 *		SPIs in/out 4 + 4, reqid 4, outer addresses 4 + 4, UDP
 *		ports 2 + 2, encr, encr bits, integ, dh 2 each, replay
 *		window 4, life 4, rekey 4, hard and soft bytes and packets
 *		8 each, sequence high-water 8, local then remote selectors
 *		(count 1, then address 4 and prefix length 1 each), keys
 *		ekey_in, akey_in, ekey_out, akey_out
 * DELETE:	kind 1; IKE: SPIs 16; CHILD: proto 1, inbound SPI 4
 */
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/buf.h"
#include "ike/ha_state.h"

/* A bounded writer: a write past the end sets w_err and writes nothing. */
struct ha_w {
	uint8_t		*w_p;
	size_t		 w_len, w_cap;
	int		 w_err;
};

static void
w_bytes(struct ha_w *w, const void *p, size_t n)
{
	if (w->w_err || n > w->w_cap - w->w_len) {
		w->w_err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->w_p + w->w_len, p, n);
	w->w_len += n;
}

static void
w_u8(struct ha_w *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void
w_u16(struct ha_w *w, uint16_t v)
{
	uint8_t	 b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	w_bytes(w, b, 2);
}

static void
w_u32(struct ha_w *w, uint32_t v)
{
	w_u16(w, (uint16_t)(v >> 16));
	w_u16(w, (uint16_t)v);
}

static void
w_u64(struct ha_w *w, uint64_t v)
{
	w_u32(w, (uint32_t)(v >> 32));
	w_u32(w, (uint32_t)v);
}

static void
w_key(struct ha_w *w, const struct ha_skey *k)
{
	if (k->k_len > HA_SKEY_MAX) {
		w->w_err = 1;
		return;
	}
	w_u8(w, k->k_len);
	w_bytes(w, k->k_data, k->k_len);
}

/* A name: 1..HA_NAME_MAX-1 bytes, no NUL. */
static void
w_name(struct ha_w *w, const char *name)
{
	size_t	 n = strnlen(name, HA_NAME_MAX);

	if (n == 0 || n >= HA_NAME_MAX) {
		w->w_err = 1;
		return;
	}
	w_u8(w, (uint8_t)n);
	w_bytes(w, name, n);
}

static int
w_done(struct ha_w *w)
{
	if (w->w_err) {
		OPENSSL_cleanse(w->w_p, w->w_cap);
		return (-1);
	}
	return ((int)w->w_len);
}

static int
get_u64(struct cur *c, uint64_t *v)
{
	uint32_t	 hi, lo;

	if (cur_get_u32(c, &hi) == -1 || cur_get_u32(c, &lo) == -1)
		return (-1);
	*v = (uint64_t)hi << 32 | lo;
	return (0);
}

/* An address or SPI kept in network order: its 4 bytes as they are. */
static int
get_raw32(struct cur *c, uint32_t *v)
{
	return (cur_get_bytes(c, v, 4));
}

static int
get_key(struct cur *c, struct ha_skey *k)
{
	if (cur_get_u8(c, &k->k_len) == -1 || k->k_len > HA_SKEY_MAX)
		return (-1);
	return (cur_get_bytes(c, k->k_data, k->k_len));
}

static int
get_name(struct cur *c, char name[HA_NAME_MAX])
{
	const uint8_t	*p;
	uint8_t		 n;

	if (cur_get_u8(c, &n) == -1 || n == 0 || n >= HA_NAME_MAX ||
	    cur_get_ptr(c, &p, n) == -1 || memchr(p, '\0', n) != NULL)
		return (-1);
	memcpy(name, p, n);
	name[n] = '\0';
	return (0);
}

static int
spi_zero(const uint8_t spi[8])
{
	static const uint8_t	 zero[8];

	return (memcmp(spi, zero, 8) == 0);
}

static int
ha_nkeys(uint8_t version)
{
	return (version == 2 ? HA_V2_NKEYS : version == 1 ? HA_V1_NKEYS : -1);
}

/* IKEv1's message ID fields: 0 and HA_V1_* bits (ha_state.h). */
static int
ha_v1_mids_ok(const struct ha_ike_rec *r)
{
	return (r->ir_version != 1 || (r->ir_mid_next == 0 &&
	    (r->ir_mid_peer & ~HA_V1_BITS) == 0));
}

int
ha_ike_encode(const struct ha_ike_rec *r, uint8_t *out, size_t outlen)
{
	struct ha_w	 w = { out, 0, outlen, 0 };
	int		 i;

	if (ha_nkeys(r->ir_version) != r->ir_nkeys ||
	    (r->ir_flags & ~HA_IKE_FLAGS) != 0 || !ha_v1_mids_ok(r) ||
	    r->ir_nchildren > HA_IKE_CHILDREN_MAX)
		return (-1);
	w_u8(&w, r->ir_version);
	w_u8(&w, r->ir_flags);
	w_name(&w, r->ir_name);
	w_bytes(&w, r->ir_spi_i, 8);
	w_bytes(&w, r->ir_spi_r, 8);
	w_bytes(&w, &r->ir_local, 4);
	w_u16(&w, r->ir_local_port);
	w_bytes(&w, &r->ir_peer, 4);
	w_u16(&w, r->ir_peer_port);
	w_u32(&w, r->ir_mid_next);
	w_u32(&w, r->ir_mid_peer);
	w_u16(&w, r->ir_encr);
	w_u16(&w, r->ir_encr_bits);
	w_u16(&w, r->ir_prf);
	w_u16(&w, r->ir_integ);
	w_u16(&w, r->ir_dh);
	w_u32(&w, r->ir_life_s);
	w_u32(&w, r->ir_rekey_s);
	w_u8(&w, r->ir_id_type);
	w_u8(&w, r->ir_id_len);
	w_bytes(&w, r->ir_id, r->ir_id_len);
	w_u8(&w, r->ir_nkeys);
	for (i = 0; i < r->ir_nkeys; i++)
		w_key(&w, &r->ir_keys[i]);
	w_u16(&w, r->ir_nchildren);
	for (i = 0; i < r->ir_nchildren; i++)
		w_bytes(&w, &r->ir_children[i], 4);
	return (w_done(&w));
}

int
ha_ike_decode(const uint8_t *pl, size_t len, struct ha_ike_rec *r)
{
	struct cur	 c;
	int		 i;

	memset(r, 0, sizeof(*r));
	cur_init(&c, pl, len);
	if (cur_get_u8(&c, &r->ir_version) == -1 ||
	    ha_nkeys(r->ir_version) == -1 ||
	    cur_get_u8(&c, &r->ir_flags) == -1 ||
	    (r->ir_flags & ~HA_IKE_FLAGS) != 0 ||
	    get_name(&c, r->ir_name) == -1 ||
	    cur_get_bytes(&c, r->ir_spi_i, 8) == -1 ||
	    cur_get_bytes(&c, r->ir_spi_r, 8) == -1 ||
	    spi_zero(r->ir_spi_i) || spi_zero(r->ir_spi_r) ||
	    get_raw32(&c, &r->ir_local.s_addr) == -1 ||
	    cur_get_u16(&c, &r->ir_local_port) == -1 ||
	    get_raw32(&c, &r->ir_peer.s_addr) == -1 ||
	    cur_get_u16(&c, &r->ir_peer_port) == -1 ||
	    cur_get_u32(&c, &r->ir_mid_next) == -1 ||
	    cur_get_u32(&c, &r->ir_mid_peer) == -1 || !ha_v1_mids_ok(r) ||
	    cur_get_u16(&c, &r->ir_encr) == -1 ||
	    cur_get_u16(&c, &r->ir_encr_bits) == -1 ||
	    cur_get_u16(&c, &r->ir_prf) == -1 ||
	    cur_get_u16(&c, &r->ir_integ) == -1 ||
	    cur_get_u16(&c, &r->ir_dh) == -1 ||
	    cur_get_u32(&c, &r->ir_life_s) == -1 ||
	    cur_get_u32(&c, &r->ir_rekey_s) == -1 ||
	    cur_get_u8(&c, &r->ir_id_type) == -1 ||
	    cur_get_u8(&c, &r->ir_id_len) == -1 ||
	    cur_get_bytes(&c, r->ir_id, r->ir_id_len) == -1 ||
	    cur_get_u8(&c, &r->ir_nkeys) == -1 ||
	    r->ir_nkeys != ha_nkeys(r->ir_version))
		goto bad;
	for (i = 0; i < r->ir_nkeys; i++)
		if (get_key(&c, &r->ir_keys[i]) == -1)
			goto bad;
	if (cur_get_u16(&c, &r->ir_nchildren) == -1 ||
	    r->ir_nchildren > HA_IKE_CHILDREN_MAX ||
	    cur_left(&c) != (size_t)r->ir_nchildren * 4)
		goto bad;
	for (i = 0; i < r->ir_nchildren; i++)
		if (get_raw32(&c, &r->ir_children[i]) == -1 ||
		    r->ir_children[i] == 0)
			goto bad;
	return (0);
 bad:
	ha_ike_clear(r);
	return (-1);
}

static void
w_prefixes(struct ha_w *w, const struct ha_prefix *p, uint8_t n)
{
	int	 i;

	if (n == 0 || n > HA_TS_MAX) {
		w->w_err = 1;
		return;
	}
	w_u8(w, n);
	for (i = 0; i < n; i++) {
		w_bytes(w, &p[i].p_addr, 4);
		w_u8(w, p[i].p_plen);
	}
}

static int
get_prefixes(struct cur *c, struct ha_prefix *p, uint8_t *n)
{
	int	 i;

	if (cur_get_u8(c, n) == -1 || *n == 0 || *n > HA_TS_MAX)
		return (-1);
	for (i = 0; i < *n; i++)
		if (get_raw32(c, &p[i].p_addr.s_addr) == -1 ||
		    cur_get_u8(c, &p[i].p_plen) == -1 || p[i].p_plen > 32)
			return (-1);
	return (0);
}

/* What the decoder demands of a CHILD SA's fixed fields. */
static int
ha_child_ok(const struct ha_child_rec *r)
{
	return ((r->cr_version == 1 || r->cr_version == 2) &&
	    !spi_zero(r->cr_ike_spi_i) &&
	    (r->cr_proto == IPPROTO_ESP || r->cr_proto == IPPROTO_AH) &&
	    (r->cr_mode == HA_MODE_TUNNEL || r->cr_mode == HA_MODE_TRANSPORT) &&
	    (r->cr_flags & ~HA_CHILD_FLAGS) == 0 &&
	    r->cr_spi_in != 0 && r->cr_spi_out != 0);
}

/* Both directions' keys have one length; AH has no cipher key. */
static int
ha_child_keys_ok(const struct ha_child_rec *r)
{
	return (r->cr_ekey_in.k_len == r->cr_ekey_out.k_len &&
	    r->cr_akey_in.k_len == r->cr_akey_out.k_len &&
	    (r->cr_proto == IPPROTO_ESP || r->cr_ekey_in.k_len == 0));
}

int
ha_child_encode(const struct ha_child_rec *r, uint8_t *out, size_t outlen)
{
	struct ha_w	 w = { out, 0, outlen, 0 };

	if (!ha_child_ok(r) || !ha_child_keys_ok(r))
		return (-1);
	w_u8(&w, r->cr_version);
	w_bytes(&w, r->cr_ike_spi_i, 8);
	w_bytes(&w, r->cr_ike_spi_r, 8);
	w_u8(&w, r->cr_proto);
	w_u8(&w, r->cr_mode);
	w_u8(&w, r->cr_flags);
	w_name(&w, r->cr_name);
	w_bytes(&w, &r->cr_spi_in, 4);
	w_bytes(&w, &r->cr_spi_out, 4);
	w_u32(&w, r->cr_reqid);
	w_bytes(&w, &r->cr_local, 4);
	w_bytes(&w, &r->cr_remote, 4);
	w_u16(&w, r->cr_encap_sport);
	w_u16(&w, r->cr_encap_dport);
	w_u16(&w, r->cr_encr);
	w_u16(&w, r->cr_encr_bits);
	w_u16(&w, r->cr_integ);
	w_u16(&w, r->cr_dh);
	w_u32(&w, r->cr_replay_window);
	w_u32(&w, r->cr_life_s);
	w_u32(&w, r->cr_rekey_s);
	w_u64(&w, r->cr_life_bytes);
	w_u64(&w, r->cr_life_packets);
	w_u64(&w, r->cr_soft_bytes);
	w_u64(&w, r->cr_soft_packets);
	w_u64(&w, r->cr_seq_out);
	w_prefixes(&w, r->cr_lts, r->cr_nlts);
	w_prefixes(&w, r->cr_rts, r->cr_nrts);
	w_key(&w, &r->cr_ekey_in);
	w_key(&w, &r->cr_akey_in);
	w_key(&w, &r->cr_ekey_out);
	w_key(&w, &r->cr_akey_out);
	return (w_done(&w));
}

int
ha_child_decode(const uint8_t *pl, size_t len, struct ha_child_rec *r)
{
	struct cur	 c;

	memset(r, 0, sizeof(*r));
	cur_init(&c, pl, len);
	if (cur_get_u8(&c, &r->cr_version) == -1 ||
	    cur_get_bytes(&c, r->cr_ike_spi_i, 8) == -1 ||
	    cur_get_bytes(&c, r->cr_ike_spi_r, 8) == -1 ||
	    cur_get_u8(&c, &r->cr_proto) == -1 ||
	    cur_get_u8(&c, &r->cr_mode) == -1 ||
	    cur_get_u8(&c, &r->cr_flags) == -1 ||
	    get_name(&c, r->cr_name) == -1 ||
	    get_raw32(&c, &r->cr_spi_in) == -1 ||
	    get_raw32(&c, &r->cr_spi_out) == -1 ||
	    cur_get_u32(&c, &r->cr_reqid) == -1 ||
	    get_raw32(&c, &r->cr_local.s_addr) == -1 ||
	    get_raw32(&c, &r->cr_remote.s_addr) == -1 ||
	    cur_get_u16(&c, &r->cr_encap_sport) == -1 ||
	    cur_get_u16(&c, &r->cr_encap_dport) == -1 ||
	    cur_get_u16(&c, &r->cr_encr) == -1 ||
	    cur_get_u16(&c, &r->cr_encr_bits) == -1 ||
	    cur_get_u16(&c, &r->cr_integ) == -1 ||
	    cur_get_u16(&c, &r->cr_dh) == -1 ||
	    cur_get_u32(&c, &r->cr_replay_window) == -1 ||
	    cur_get_u32(&c, &r->cr_life_s) == -1 ||
	    cur_get_u32(&c, &r->cr_rekey_s) == -1 ||
	    get_u64(&c, &r->cr_life_bytes) == -1 ||
	    get_u64(&c, &r->cr_life_packets) == -1 ||
	    get_u64(&c, &r->cr_soft_bytes) == -1 ||
	    get_u64(&c, &r->cr_soft_packets) == -1 ||
	    get_u64(&c, &r->cr_seq_out) == -1 ||
	    get_prefixes(&c, r->cr_lts, &r->cr_nlts) == -1 ||
	    get_prefixes(&c, r->cr_rts, &r->cr_nrts) == -1 ||
	    get_key(&c, &r->cr_ekey_in) == -1 ||
	    get_key(&c, &r->cr_akey_in) == -1 ||
	    get_key(&c, &r->cr_ekey_out) == -1 ||
	    get_key(&c, &r->cr_akey_out) == -1 ||
	    cur_left(&c) != 0 || !ha_child_ok(r) || !ha_child_keys_ok(r)) {
		ha_child_clear(r);
		return (-1);
	}
	return (0);
}

int
ha_del_encode(const struct ha_del_rec *r, uint8_t *out, size_t outlen)
{
	struct ha_w	 w = { out, 0, outlen, 0 };

	w_u8(&w, r->dr_kind);
	if (r->dr_kind == HA_DEL_IKE && !spi_zero(r->dr_spi_i)) {
		w_bytes(&w, r->dr_spi_i, 8);
		w_bytes(&w, r->dr_spi_r, 8);
	} else if (r->dr_kind == HA_DEL_CHILD && r->dr_spi_in != 0 &&
	    (r->dr_proto == IPPROTO_ESP || r->dr_proto == IPPROTO_AH)) {
		w_u8(&w, r->dr_proto);
		w_bytes(&w, &r->dr_spi_in, 4);
	} else
		return (-1);
	return (w_done(&w));
}

int
ha_del_decode(const uint8_t *pl, size_t len, struct ha_del_rec *r)
{
	struct cur	 c;

	memset(r, 0, sizeof(*r));
	cur_init(&c, pl, len);
	if (cur_get_u8(&c, &r->dr_kind) == -1)
		return (-1);
	switch (r->dr_kind) {
	case HA_DEL_IKE:
		if (cur_get_bytes(&c, r->dr_spi_i, 8) == -1 ||
		    cur_get_bytes(&c, r->dr_spi_r, 8) == -1 ||
		    spi_zero(r->dr_spi_i))
			return (-1);
		break;
	case HA_DEL_CHILD:
		if (cur_get_u8(&c, &r->dr_proto) == -1 ||
		    (r->dr_proto != IPPROTO_ESP &&
		    r->dr_proto != IPPROTO_AH) ||
		    get_raw32(&c, &r->dr_spi_in) == -1 || r->dr_spi_in == 0)
			return (-1);
		break;
	default:
		return (-1);
	}
	return (cur_left(&c) == 0 ? 0 : -1);
}

void
ha_ike_clear(struct ha_ike_rec *r)
{
	if (r != NULL)
		OPENSSL_cleanse(r, sizeof(*r));
}

void
ha_child_clear(struct ha_child_rec *r)
{
	if (r != NULL)
		OPENSSL_cleanse(r, sizeof(*r));
}

int
ha_seq_encode(const struct ha_seq_rec *r, uint8_t *out, size_t outlen)
{
	struct ha_w	 w = { out, 0, outlen, 0 };
	int		 i;

	if (r->sr_n == 0 || r->sr_n > HA_SEQ_ADV_MAX)
		return (-1);
	w_u16(&w, r->sr_n);
	for (i = 0; i < r->sr_n; i++) {
		if ((r->sr_e[i].se_proto != IPPROTO_ESP &&
		    r->sr_e[i].se_proto != IPPROTO_AH) ||
		    r->sr_e[i].se_spi_in == 0)
			return (-1);
		w_u8(&w, r->sr_e[i].se_proto);
		w_bytes(&w, &r->sr_e[i].se_spi_in, 4);
		w_u64(&w, r->sr_e[i].se_seq);
	}
	return (w_done(&w));
}

int
ha_seq_decode(const uint8_t *pl, size_t len, struct ha_seq_rec *r)
{
	struct cur	 c;
	int		 i;

	memset(r, 0, sizeof(*r));
	cur_init(&c, pl, len);
	if (cur_get_u16(&c, &r->sr_n) == -1 || r->sr_n == 0 ||
	    r->sr_n > HA_SEQ_ADV_MAX ||
	    cur_left(&c) != (size_t)r->sr_n * HA_SEQ_ENT_LEN)
		goto bad;
	for (i = 0; i < r->sr_n; i++)
		if (cur_get_u8(&c, &r->sr_e[i].se_proto) == -1 ||
		    (r->sr_e[i].se_proto != IPPROTO_ESP &&
		    r->sr_e[i].se_proto != IPPROTO_AH) ||
		    get_raw32(&c, &r->sr_e[i].se_spi_in) == -1 ||
		    r->sr_e[i].se_spi_in == 0 ||
		    get_u64(&c, &r->sr_e[i].se_seq) == -1)
			goto bad;
	if (cur_left(&c) == 0)
		return (0);
 bad:
	memset(r, 0, sizeof(*r));
	return (-1);
}

int
ha_bulk_encode(const struct ha_bulk_rec *r, uint8_t *out, size_t outlen)
{
	struct ha_w	 w = { out, 0, outlen, 0 };

	if (r->br_id == 0)
		return (-1);
	w_u32(&w, r->br_id);
	w_u32(&w, r->br_count);
	return (w_done(&w));
}

int
ha_bulk_decode(const uint8_t *pl, size_t len, struct ha_bulk_rec *r)
{
	struct cur	 c;

	memset(r, 0, sizeof(*r));
	cur_init(&c, pl, len);
	if (len != HA_BULK_LEN || cur_get_u32(&c, &r->br_id) == -1 ||
	    cur_get_u32(&c, &r->br_count) == -1 || r->br_id == 0) {
		memset(r, 0, sizeof(*r));
		return (-1);
	}
	return (0);
}
