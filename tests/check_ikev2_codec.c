/*
 * check_ikev2_codec.c - IKEv2 header/payload codec, rule table and SK
 * payload (RFC 7296 §3).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/rand.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev2.h"

static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t spi_r[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t ke_data[64] = { 0x11, 0x22, 0x33, [63] = 0x44 };
static const uint8_t nonce[32] = { 0xaa, [31] = 0xbb };
static const uint8_t id_i[4] = { 198, 51, 100, 1 };
static const char id_r[] = "right.lab.test";
static const uint8_t auth_data[20] = { 0x55, [19] = 0x66 };
static const uint8_t n_spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
static const uint8_t n_data[20] = { 0x77, [19] = 0x88 };
static const uint8_t d_spis[8] = { 1, 1, 1, 1, 2, 2, 2, 2 };
static const uint8_t vid[16] = "gatewayd-vid-xyz";

/* Offsets of the payloads of the full test message. */
struct offs {
	size_t	o_sa, o_ke, o_no, o_idi, o_idr, o_auth, o_tsi, o_tsr;
	size_t	o_n1, o_n2, o_d, o_v;
};

static void
test_sa_fill(struct prop_offer *sa)
{
	struct prop_proposal	*p;

	memset(sa, 0, sizeof(*sa));
	sa->sa_nprop = 2;
	p = &sa->sa_prop[0];
	p->prop_num = 1;
	p->prop_proto = IKEV2_PROTO_ESP;
	p->prop_spi_len = 4;
	memcpy(p->prop_spi, "\xca\xfe\xba\xbe", 4);
	p->prop_ntr = 3;
	p->prop_tr[0] = (struct prop_transform){ IKEV2_XF_ENCR,
	    ENCR_AES_CBC, 128, 0 };
	p->prop_tr[1] = (struct prop_transform){ IKEV2_XF_INTEG,
	    AUTH_HMAC_SHA1_96, 0, 0 };
	p->prop_tr[2] = (struct prop_transform){ IKEV2_XF_ESN,
	    IKEV2_ESN_NONE, 0, 0 };
	p = &sa->sa_prop[1];
	p->prop_num = 2;
	p->prop_proto = IKEV2_PROTO_ESP;
	p->prop_spi_len = 4;
	memcpy(p->prop_spi, "\xca\xfe\xba\xbe", 4);
	p->prop_ntr = 4;
	p->prop_tr[0] = (struct prop_transform){ IKEV2_XF_ENCR,
	    ENCR_AES_CBC, 256, 0 };
	p->prop_tr[1] = (struct prop_transform){ IKEV2_XF_INTEG,
	    AUTH_HMAC_SHA2_256_128, 0, 0 };
	p->prop_tr[2] = (struct prop_transform){ IKEV2_XF_DH,
	    DH_MODP_2048, 0, 0 };
	p->prop_tr[3] = (struct prop_transform){ IKEV2_XF_ESN,
	    IKEV2_ESN_YES, 0, 0 };
}

static void
test_ts_fill(struct ts_list *tl, int n, const char *net)
{
	int	i;

	memset(tl, 0, sizeof(*tl));
	tl->tsl_n = n;
	for (i = 0; i < n; i++) {
		tl->tsl_ts[i].ts_type = IKEV2_TS_IPV4_RANGE;
		tl->tsl_ts[i].ts_proto = i == 0 ? 0 : 17;
		tl->tsl_ts[i].ts_sport = i == 0 ? 0 : 500;
		tl->tsl_ts[i].ts_eport = i == 0 ? 65535 : 4500;
		inet_pton(AF_INET, net, &tl->tsl_ts[i].ts_saddr);
		tl->tsl_ts[i].ts_eaddr.s_addr = tl->tsl_ts[i].ts_saddr.s_addr |
		    htonl(0xff);
	}
}

static void
test_hdr_fill(struct ikev2_hdr *h, uint8_t exch, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->h_spi_i, spi_i, 8);
	memcpy(h->h_spi_r, spi_r, 8);
	h->h_version = IKEV2_VERSION;
	h->h_exchange = exch;
	h->h_flags = flags;
	h->h_msgid = 0x01020304;
}

/* A cleartext message with one of every codec-supported payload type. */
static struct buf *
test_full_build(struct offs *o)
{
	struct pld_writer	w;
	struct ikev2_hdr	h;
	struct prop_offer		sa;
	struct ts_list	tsi, tsr;
	struct buf		*b = buf_new(0);

	ck_assert_ptr_nonnull(b);
	test_hdr_fill(&h, IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_INITIATOR);
	test_sa_fill(&sa);
	test_ts_fill(&tsi, 2, "10.1.0.0");
	test_ts_fill(&tsr, 1, "10.2.0.0");
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
	o->o_sa = w.w_next_off;
	ck_assert_int_eq(ikev2_add_ke(&w, DH_MODP_2048, ke_data,
	    sizeof(ke_data)), 0);
	o->o_ke = w.w_next_off;
	ck_assert_int_eq(ikev2_add_nonce(&w, nonce, sizeof(nonce)), 0);
	o->o_no = w.w_next_off;
	ck_assert_int_eq(ikev2_add_id(&w, IKEV2_PLD_IDI, IKEV2_ID_IPV4_ADDR,
	    id_i, sizeof(id_i)), 0);
	o->o_idi = w.w_next_off;
	ck_assert_int_eq(ikev2_add_id(&w, IKEV2_PLD_IDR, IKEV2_ID_FQDN,
	    (const uint8_t *)id_r, strlen(id_r)), 0);
	o->o_idr = w.w_next_off;
	ck_assert_int_eq(ikev2_add_auth(&w, IKEV2_AUTH_PSK, auth_data,
	    sizeof(auth_data)), 0);
	o->o_auth = w.w_next_off;
	ck_assert_int_eq(ikev2_add_ts(&w, IKEV2_PLD_TSI, &tsi), 0);
	o->o_tsi = w.w_next_off;
	ck_assert_int_eq(ikev2_add_ts(&w, IKEV2_PLD_TSR, &tsr), 0);
	o->o_tsr = w.w_next_off;
	ck_assert_int_eq(ikev2_add_notify(&w, IKEV2_PROTO_ESP, n_spi, 4,
	    IKEV2_N_REKEY_SA, NULL, 0), 0);
	o->o_n1 = w.w_next_off;
	ck_assert_int_eq(ikev2_add_notify(&w, 0, NULL, 0,
	    IKEV2_N_NAT_DETECTION_SOURCE_IP, n_data, sizeof(n_data)), 0);
	o->o_n2 = w.w_next_off;
	ck_assert_int_eq(ikev2_add_delete(&w, IKEV2_PROTO_ESP, 4, 2, d_spis),
	    0);
	o->o_d = w.w_next_off;
	ck_assert_int_eq(ikev2_add_vendor(&w, vid, sizeof(vid)), 0);
	o->o_v = w.w_next_off;
	ikev2_hdr_set_length(b);
	return (b);
}

static uint16_t
get16(const struct buf *b, size_t off)
{
	return ((uint16_t)(b->buf_data[off] << 8 | b->buf_data[off + 1]));
}

/* Appends a raw payload after the last one, chaining it like a writer. */
static void
test_raw_add(struct buf *b, size_t last_off, uint8_t type, uint8_t crit,
    const uint8_t *body, size_t len)
{
	buf_set_u8(b, last_off, type);
	ck_assert_int_eq(buf_add_u8(b, 0), 0);
	ck_assert_int_eq(buf_add_u8(b, crit), 0);
	ck_assert_int_eq(buf_add_u16(b, (uint16_t)(len + 4)), 0);
	ck_assert_int_eq(buf_add(b, body, len), 0);
	ikev2_hdr_set_length(b);
}

/* --- round trip --- */

/*
 * buf_shrink (issue 11): a kept message's storage is its length, the
 * contents unchanged; an empty buffer and a full one stay as they are;
 * a shrunk buffer still grows.
 */
START_TEST(test_buf_shrink)
{
	struct buf	*b;
	uint8_t		 msg[300];
	size_t		 i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	ck_assert_ptr_nonnull(b = buf_new(1024));
	ck_assert_int_eq(buf_shrink(b), 0);	/* empty: untouched */
	ck_assert_uint_eq(b->buf_cap, 1024);
	ck_assert_int_eq(buf_add(b, msg, sizeof(msg)), 0);
	ck_assert_int_eq(buf_shrink(b), 0);
	ck_assert_uint_eq(b->buf_cap, sizeof(msg));
	ck_assert_uint_eq(b->buf_len, sizeof(msg));
	ck_assert_mem_eq(b->buf_data, msg, sizeof(msg));
	ck_assert_int_eq(buf_shrink(b), 0);	/* full: untouched */
	ck_assert_uint_eq(b->buf_cap, sizeof(msg));
	ck_assert_int_eq(buf_add(b, msg, 10), 0);
	ck_assert_uint_eq(b->buf_len, sizeof(msg) + 10);
	ck_assert_mem_eq(b->buf_data + sizeof(msg), msg, 10);
	ck_assert_mem_eq(b->buf_data, msg, sizeof(msg));
	buf_free(b);
}
END_TEST

START_TEST(test_codec_roundtrip_all)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct prop_offer		 sa;
	struct ts_list	 tsi, tsr;
	struct offs		 o;
	struct buf		*b = test_full_build(&o);
	int			 i, j;

	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_mem_eq(m->m_hdr.h_spi_i, spi_i, 8);
	ck_assert_mem_eq(m->m_hdr.h_spi_r, spi_r, 8);
	ck_assert_uint_eq(m->m_hdr.h_next, IKEV2_PLD_SA);
	ck_assert_uint_eq(m->m_hdr.h_version, IKEV2_VERSION);
	ck_assert_uint_eq(m->m_hdr.h_exchange, IKEV2_EXCH_IKE_AUTH);
	ck_assert_uint_eq(m->m_hdr.h_flags, IKEV2_FLAG_INITIATOR);
	ck_assert_uint_eq(m->m_hdr.h_msgid, 0x01020304);
	ck_assert_uint_eq(m->m_hdr.h_length, b->buf_len);

	test_sa_fill(&sa);
	ck_assert_int_eq(m->m_sa.sa_nprop, sa.sa_nprop);
	for (i = 0; i < sa.sa_nprop; i++) {
		ck_assert_uint_eq(m->m_sa.sa_prop[i].prop_num,
		    sa.sa_prop[i].prop_num);
		ck_assert_uint_eq(m->m_sa.sa_prop[i].prop_proto,
		    sa.sa_prop[i].prop_proto);
		ck_assert_uint_eq(m->m_sa.sa_prop[i].prop_spi_len, 4);
		ck_assert_mem_eq(m->m_sa.sa_prop[i].prop_spi,
		    sa.sa_prop[i].prop_spi, 4);
		ck_assert_int_eq(m->m_sa.sa_prop[i].prop_ntr,
		    sa.sa_prop[i].prop_ntr);
		for (j = 0; j < sa.sa_prop[i].prop_ntr; j++) {
			ck_assert_uint_eq(m->m_sa.sa_prop[i].prop_tr[j].tr_type,
			    sa.sa_prop[i].prop_tr[j].tr_type);
			ck_assert_uint_eq(m->m_sa.sa_prop[i].prop_tr[j].tr_id,
			    sa.sa_prop[i].prop_tr[j].tr_id);
			ck_assert_uint_eq(
			    m->m_sa.sa_prop[i].prop_tr[j].tr_keylen,
			    sa.sa_prop[i].prop_tr[j].tr_keylen);
		}
	}
	ck_assert_uint_eq(m->m_ke_group, DH_MODP_2048);
	ck_assert_uint_eq(m->m_ke_len, sizeof(ke_data));
	ck_assert_mem_eq(m->m_ke_data, ke_data, sizeof(ke_data));
	ck_assert_uint_eq(m->m_nonce_len, sizeof(nonce));
	ck_assert_mem_eq(m->m_nonce, nonce, sizeof(nonce));

	ck_assert_uint_eq(m->m_idi.id_type, IKEV2_ID_IPV4_ADDR);
	ck_assert_uint_eq(m->m_idi.id_len, sizeof(id_i));
	ck_assert_mem_eq(m->m_idi.id_data, id_i, sizeof(id_i));
	ck_assert_uint_eq(m->m_idi.id_body_len, 4 + sizeof(id_i));
	ck_assert_ptr_eq(m->m_idi.id_body, b->buf_data + o.o_idi + 4);
	ck_assert_uint_eq(m->m_idi.id_body[0], IKEV2_ID_IPV4_ADDR);
	ck_assert_uint_eq(m->m_idr.id_type, IKEV2_ID_FQDN);
	ck_assert_uint_eq(m->m_idr.id_len, strlen(id_r));
	ck_assert_mem_eq(m->m_idr.id_data, id_r, strlen(id_r));
	ck_assert_uint_eq(m->m_idr.id_body_len, 4 + strlen(id_r));

	ck_assert_uint_eq(m->m_auth_method, IKEV2_AUTH_PSK);
	ck_assert_uint_eq(m->m_auth_len, sizeof(auth_data));
	ck_assert_mem_eq(m->m_auth_data, auth_data, sizeof(auth_data));

	test_ts_fill(&tsi, 2, "10.1.0.0");
	test_ts_fill(&tsr, 1, "10.2.0.0");
	ck_assert_int_eq(m->m_tsi.tsl_n, 2);
	ck_assert_int_eq(m->m_tsr.tsl_n, 1);
	ck_assert_mem_eq(&m->m_tsi.tsl_ts[0], &tsi.tsl_ts[0],
	    2 * sizeof(tsi.tsl_ts[0]));
	ck_assert_mem_eq(&m->m_tsr.tsl_ts[0], &tsr.tsl_ts[0],
	    sizeof(tsr.tsl_ts[0]));

	ck_assert_int_eq(m->m_nnotify, 2);
	ck_assert_uint_eq(m->m_notify[0].n_type, IKEV2_N_REKEY_SA);
	ck_assert_uint_eq(m->m_notify[0].n_proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(m->m_notify[0].n_spi_len, 4);
	ck_assert_mem_eq(m->m_notify[0].n_spi, n_spi, 4);
	ck_assert_uint_eq(m->m_notify[0].n_len, 0);
	ck_assert_uint_eq(m->m_notify[1].n_type,
	    IKEV2_N_NAT_DETECTION_SOURCE_IP);
	ck_assert_uint_eq(m->m_notify[1].n_spi_len, 0);
	ck_assert_uint_eq(m->m_notify[1].n_len, sizeof(n_data));
	ck_assert_mem_eq(m->m_notify[1].n_data, n_data, sizeof(n_data));
	ck_assert_ptr_eq(ikev2_msg_notify(m, IKEV2_N_REKEY_SA),
	    &m->m_notify[0]);
	ck_assert_ptr_null(ikev2_msg_notify(m, IKEV2_N_COOKIE));

	ck_assert_int_eq(m->m_ndelete, 1);
	ck_assert_uint_eq(m->m_delete[0].d_proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(m->m_delete[0].d_spi_len, 4);
	ck_assert_uint_eq(m->m_delete[0].d_nspi, 2);
	ck_assert_mem_eq(m->m_delete[0].d_spis, d_spis, 8);

	for (i = IKEV2_PLD_SA; i <= IKEV2_PLD_TSR; i++) {
		if (i == IKEV2_PLD_CERT || i == IKEV2_PLD_CERTREQ)
			continue;
		ck_assert_uint_eq(m->m_count[i], i == IKEV2_PLD_NOTIFY ? 2 :
		    1);
		ck_assert_uint_eq(m->m_in_sk[i], 0);
	}
	ck_assert_uint_eq(m->m_count[IKEV2_PLD_SK], 0);
	ck_assert_ptr_null(m->m_sk_body);
	ck_assert_uint_eq(m->m_unsupported_critical, 0);
	buf_free(b);
	free(m);
}
END_TEST

/*
 * The transform IDs of RFC 4868 (PRF 6, 7; integrity 13, 14), RFC 3526
 * (15, 16), RFC 5903 (19-21) and RFC 8031 (31) survive SA encoding and
 * parsing, and a KE payload of each group's length round-trips.
 */
START_TEST(test_codec_roundtrip_modern_ids)
{
	static const int	 groups[] = { DH_MODP_3072, DH_MODP_4096,
	    DH_ECP_256, DH_ECP_384, DH_ECP_521, DH_CURVE25519 };
	static const size_t	 ke_lens[] = { 384, 512, 64, 96, 132, 32 };
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct prop_offer	 sa;
	struct prop_proposal	*p;
	struct buf		*b;
	uint8_t			 ke[512];
	size_t			 g, i;
	int			 j;

	ck_assert_ptr_nonnull(m);
	for (i = 0; i < sizeof(ke); i++)
		ke[i] = (uint8_t)(i * 7 + 1);
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		ck_assert_uint_eq(dh_group_len(groups[g]), ke_lens[g]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_nprop = 1;
		p = &sa.sa_prop[0];
		p->prop_num = 1;
		p->prop_proto = IKEV2_PROTO_IKE;
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_ENCR, ENCR_AES_CBC, 256, 0 };
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_PRF, PRF_HMAC_SHA2_384, 0, 0 };
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_PRF, PRF_HMAC_SHA2_512, 0, 0 };
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_INTEG, AUTH_HMAC_SHA2_384_192, 0, 0 };
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_INTEG, AUTH_HMAC_SHA2_512_256, 0, 0 };
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_DH, (uint16_t)groups[g], 0, 0 };
		b = buf_new(0);
		test_hdr_fill(&h, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR);
		ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
		ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
		ck_assert_int_eq(ikev2_add_ke(&w, (uint16_t)groups[g], ke,
		    ke_lens[g]), 0);
		ck_assert_int_eq(ikev2_add_nonce(&w, nonce, sizeof(nonce)), 0);
		ikev2_hdr_set_length(b);
		memset(m, 0, sizeof(*m));
		ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m),
		    0);
		ck_assert_int_eq(m->m_sa.sa_nprop, 1);
		ck_assert_int_eq(m->m_sa.sa_prop[0].prop_ntr, p->prop_ntr);
		for (j = 0; j < p->prop_ntr; j++) {
			ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_type,
			    p->prop_tr[j].tr_type);
			ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_id,
			    p->prop_tr[j].tr_id);
			ck_assert_uint_eq(
			    m->m_sa.sa_prop[0].prop_tr[j].tr_keylen,
			    p->prop_tr[j].tr_keylen);
		}
		ck_assert_uint_eq(m->m_ke_group, groups[g]);
		ck_assert_uint_eq(m->m_ke_len, ke_lens[g]);
		ck_assert_mem_eq(m->m_ke_data, ke, ke_lens[g]);
		buf_free(b);
	}
	free(m);
}
END_TEST

/*
 * RFC 5282 and RFC 7634 transform IDs (AES-GCM 18, 19, 20 with a Key
 * Length attribute; ChaCha20-Poly1305 28 without one) and RFC 4868
 * integrity for ESP (12, 13, 14): each proposal survives encoding and
 * parsing; the encoded transform is 12 octets with attribute 0x800e and
 * the key length, or 8 without it.
 */
static const struct {
	uint8_t		 av_proto;
	uint16_t	 av_encr;
	uint16_t	 av_bits;
	uint16_t	 av_integ;	/* 0: no integrity transform */
} aead_ids[] = {
	{ IKEV2_PROTO_IKE, ENCR_AES_GCM_16, 128, 0 },
	{ IKEV2_PROTO_IKE, ENCR_AES_GCM_16, 256, 0 },
	{ IKEV2_PROTO_IKE, ENCR_AES_GCM_12, 192, 0 },
	{ IKEV2_PROTO_IKE, ENCR_AES_GCM_8, 256, 0 },
	{ IKEV2_PROTO_IKE, ENCR_CHACHA20_POLY1305, 0, 0 },
	{ IKEV2_PROTO_ESP, ENCR_AES_GCM_16, 256, 0 },
	{ IKEV2_PROTO_ESP, ENCR_AES_GCM_12, 128, 0 },
	{ IKEV2_PROTO_ESP, ENCR_AES_GCM_8, 128, 0 },
	{ IKEV2_PROTO_ESP, ENCR_CHACHA20_POLY1305, 0, 0 },
	{ IKEV2_PROTO_ESP, ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128 },
	{ IKEV2_PROTO_ESP, ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_384_192 },
	{ IKEV2_PROTO_ESP, ENCR_AES_CBC, 192, AUTH_HMAC_SHA2_512_256 },
};

START_TEST(test_codec_roundtrip_aead_ids)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct prop_offer	 sa;
	struct prop_proposal	*p;
	struct buf		*b;
	const uint8_t		*tr;
	size_t			 off;
	int			 j;

	ck_assert_ptr_nonnull(m);
	memset(&sa, 0, sizeof(sa));
	sa.sa_nprop = 1;
	p = &sa.sa_prop[0];
	p->prop_num = 1;
	p->prop_proto = aead_ids[_i].av_proto;
	if (p->prop_proto == IKEV2_PROTO_ESP) {
		p->prop_spi_len = 4;
		memcpy(p->prop_spi, "\xc1\x02\x03\x04", 4);
	}
	p->prop_tr[p->prop_ntr++] = (struct prop_transform){ IKEV2_XF_ENCR,
	    aead_ids[_i].av_encr, aead_ids[_i].av_bits, 0 };
	if (p->prop_proto == IKEV2_PROTO_IKE)
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_PRF, PRF_HMAC_SHA2_384, 0, 0 };
	if (aead_ids[_i].av_integ != 0)
		p->prop_tr[p->prop_ntr++] = (struct prop_transform){
		    IKEV2_XF_INTEG, aead_ids[_i].av_integ, 0, 0 };
	p->prop_tr[p->prop_ntr++] = (struct prop_transform){ IKEV2_XF_DH,
	    DH_ECP_384, 0, 0 };
	b = buf_new(0);
	test_hdr_fill(&h, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
	ck_assert_int_eq(ikev2_add_nonce(&w, nonce, sizeof(nonce)), 0);
	ikev2_hdr_set_length(b);
	/* header 28, SA generic header 4, proposal header 8 + SPI */
	off = IKEV2_HDR_LEN + 4 + 8 + p->prop_spi_len;
	tr = b->buf_data + off;
	ck_assert_uint_eq(tr[4], IKEV2_XF_ENCR);
	ck_assert_uint_eq(get16(b, off + 6), aead_ids[_i].av_encr);
	if (aead_ids[_i].av_bits != 0) {
		ck_assert_uint_eq(get16(b, off + 2), 12);
		ck_assert_uint_eq(get16(b, off + 8), 0x800e);
		ck_assert_uint_eq(get16(b, off + 10), aead_ids[_i].av_bits);
	} else
		ck_assert_uint_eq(get16(b, off + 2), 8);
	memset(m, 0, sizeof(*m));
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(m->m_sa.sa_nprop, 1);
	ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_proto, p->prop_proto);
	ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_spi_len, p->prop_spi_len);
	ck_assert_int_eq(m->m_sa.sa_prop[0].prop_ntr, p->prop_ntr);
	for (j = 0; j < p->prop_ntr; j++) {
		ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_type,
		    p->prop_tr[j].tr_type);
		ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_id,
		    p->prop_tr[j].tr_id);
		ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_keylen,
		    p->prop_tr[j].tr_keylen);
	}
	buf_free(b);
	free(m);
}
END_TEST

/*
 * ESN transforms (RFC 7296 §3.3.2 type 5, IDs 0 and 1), as esn either
 * offers them: ESN, then no ESN, after the other transforms.  Each is an
 * 8-byte transform without attributes; both survive parsing in order.
 */
START_TEST(test_codec_roundtrip_esn)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct prop_offer	 sa;
	struct prop_proposal	*p;
	struct buf		*b;
	size_t			 off;
	int			 j;

	ck_assert_ptr_nonnull(m);
	memset(&sa, 0, sizeof(sa));
	sa.sa_nprop = 1;
	p = &sa.sa_prop[0];
	p->prop_num = 1;
	p->prop_proto = IKEV2_PROTO_ESP;
	p->prop_spi_len = 4;
	memcpy(p->prop_spi, "\xc1\x02\x03\x04", 4);
	p->prop_tr[p->prop_ntr++] = (struct prop_transform){ IKEV2_XF_ENCR,
	    ENCR_AES_CBC, 128, 0 };
	p->prop_tr[p->prop_ntr++] = (struct prop_transform){ IKEV2_XF_INTEG,
	    AUTH_HMAC_SHA2_256_128, 0, 0 };
	p->prop_tr[p->prop_ntr++] = (struct prop_transform){ IKEV2_XF_ESN,
	    IKEV2_ESN_YES, 0, 0 };
	p->prop_tr[p->prop_ntr++] = (struct prop_transform){ IKEV2_XF_ESN,
	    IKEV2_ESN_NONE, 0, 0 };
	b = buf_new(0);
	test_hdr_fill(&h, IKEV2_EXCH_CREATE_CHILD_SA, IKEV2_FLAG_INITIATOR);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
	ck_assert_int_eq(ikev2_add_nonce(&w, nonce, sizeof(nonce)), 0);
	ikev2_hdr_set_length(b);
	/* header, SA header 4, proposal 8 + SPI 4, ENCR 12, INTEG 8 */
	off = IKEV2_HDR_LEN + 4 + 8 + 4 + 12 + 8;
	ck_assert_uint_eq(b->buf_data[off], 3);		/* more follow */
	ck_assert_uint_eq(get16(b, off + 2), 8);
	ck_assert_uint_eq(b->buf_data[off + 4], IKEV2_XF_ESN);
	ck_assert_uint_eq(get16(b, off + 6), IKEV2_ESN_YES);
	ck_assert_uint_eq(b->buf_data[off + 8], 0);		/* the last */
	ck_assert_uint_eq(get16(b, off + 10), 8);
	ck_assert_uint_eq(b->buf_data[off + 12], IKEV2_XF_ESN);
	ck_assert_uint_eq(get16(b, off + 14), IKEV2_ESN_NONE);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(m->m_sa.sa_nprop, 1);
	ck_assert_int_eq(m->m_sa.sa_prop[0].prop_ntr, 4);
	for (j = 0; j < 4; j++) {
		ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_type,
		    p->prop_tr[j].tr_type);
		ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_id,
		    p->prop_tr[j].tr_id);
		ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_tr[j].tr_keylen,
		    p->prop_tr[j].tr_keylen);
	}
	buf_free(b);
	free(m);
}
END_TEST

/* The writer's bytes at known offsets (RFC 7296 §3.3 layouts). */
START_TEST(test_codec_writer_layout)
{
	struct offs	 o;
	struct buf	*b = test_full_build(&o);
	const uint8_t	*p;

	ck_assert_uint_eq(o.o_sa, IKEV2_HDR_LEN);
	ck_assert_uint_eq(b->buf_data[16], IKEV2_PLD_SA);
	ck_assert_uint_eq(b->buf_data[o.o_sa], IKEV2_PLD_KE);
	ck_assert_uint_eq(b->buf_data[o.o_v], IKEV2_PLD_NONE);
	ck_assert_uint_eq(get16(b, o.o_v), 0);
	ck_assert_uint_eq(get16(b, o.o_v + 2), 4 + sizeof(vid));
	/* First proposal: more (2), then transform with keylen attr. */
	p = b->buf_data + o.o_sa + 4;
	ck_assert_uint_eq(p[0], 2);
	ck_assert_uint_eq(p[4], 1);
	ck_assert_uint_eq(p[7], 3);
	p += 8 + 4;			/* first transform */
	ck_assert_uint_eq(p[0], 3);
	ck_assert_uint_eq(get16(b, p - b->buf_data + 2), 12);
	ck_assert_uint_eq(get16(b, p - b->buf_data + 8), 0x800e);
	ck_assert_uint_eq(get16(b, p - b->buf_data + 10), 128);
	p += 12 + 8;			/* third (last) transform */
	ck_assert_uint_eq(p[0], 0);
	ck_assert_uint_eq(get16(b, p - b->buf_data + 2), 8);
	/* Second proposal is the last. */
	p += 8;
	ck_assert_uint_eq(p[0], 0);
	ck_assert_uint_eq(p[4], 2);
	ck_assert_uint_eq((b->buf_data[24] << 24 | b->buf_data[25] << 16 |
	    b->buf_data[26] << 8 | b->buf_data[27]), b->buf_len);
	buf_free(b);
}
END_TEST

/* A chain in its own buffer names its first type in w_first. */
START_TEST(test_codec_writer_inner_chain)
{
	static uint8_t		 big[70000];
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct buf		*b = buf_new(0);

	ikev2_writer_init(&w, b);
	ck_assert_uint_eq(w.w_next_off, SIZE_MAX);
	ck_assert_int_eq(ikev2_add_id(&w, IKEV2_PLD_IDI, IKEV2_ID_FQDN,
	    (const uint8_t *)"a", 1), 0);
	ck_assert_uint_eq(w.w_first, IKEV2_PLD_IDI);
	ck_assert_int_eq(ikev2_add_auth(&w, IKEV2_AUTH_PSK, auth_data, 20), 0);
	ck_assert_uint_eq(w.w_first, IKEV2_PLD_IDI);
	ck_assert_uint_eq(b->buf_data[0], IKEV2_PLD_AUTH);
	ck_assert_int_eq(ikev2_pld_parse(w.w_first, b->buf_data, b->buf_len,
	    1, m), 0);
	ck_assert_uint_eq(m->m_in_sk[IKEV2_PLD_IDI], 1);
	ck_assert_uint_eq(m->m_in_sk[IKEV2_PLD_AUTH], 1);
	ck_assert_uint_eq(m->m_count[IKEV2_PLD_AUTH], 1);
	/* A failed add leaves the chain as it was. */
	ck_assert_int_eq(ikev2_add_id(&w, IKEV2_PLD_SA, 1,
	    (const uint8_t *)"a", 1), -1);
	ck_assert_int_eq(ikev2_add_nonce(&w, big, sizeof(big)), -1);
	ck_assert_uint_eq(b->buf_data[0], IKEV2_PLD_AUTH);
	ck_assert_uint_eq(b->buf_data[5 + 4], IKEV2_PLD_NONE);
	memset(m, 0, sizeof(*m));
	ck_assert_int_eq(ikev2_pld_parse(w.w_first, b->buf_data, b->buf_len,
	    1, m), 0);
	buf_free(b);
	free(m);
}
END_TEST

/* --- rejections --- */

START_TEST(test_codec_truncated_rejected)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct offs		 o;
	struct buf		*b = test_full_build(&o), *t;
	size_t			 len;

	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	for (len = 0; len < b->buf_len; len++) {
		/* As received: the header still claims the full length. */
		ck_assert_int_eq(ikev2_msg_parse(b->buf_data, len, m), -1);
		/* The header agrees: the payload chain itself is cut. */
		if (len < IKEV2_HDR_LEN)
			continue;
		t = buf_new_data(b->buf_data, len);
		ikev2_hdr_set_length(t);
		ck_assert_msg(ikev2_msg_parse(t->buf_data, t->buf_len, m) ==
		    -1, "truncated to %zu accepted", len);
		buf_free(t);
	}
	buf_free(b);
	free(m);
}
END_TEST

typedef void mutate_fn(struct buf *, const struct offs *);

static void
mut_overlong(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, o->o_v + 2, get16(b, o->o_v + 2) + 1);
}

static void
mut_short_pld(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, o->o_ke + 2, 3);
}

/* The first proposal, its first and second transform (SPI of 4). */
#define PROP1(o)	((o)->o_sa + 4)
#define XF1(o)		(PROP1(o) + 8 + 4)
#define XF2(o)		(XF1(o) + 12)

static void
mut_prop_long(struct buf *b, const struct offs *o)
{
	size_t	prop2 = PROP1(o) + get16(b, PROP1(o) + 2);

	buf_set_u16(b, prop2 + 2, get16(b, prop2 + 2) + 1);
}

static void
mut_prop_short(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, PROP1(o) + 2, 7);
}

static void
mut_xf_short(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, XF2(o) + 2, 7);
}

static void
mut_xf_long(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, XF2(o) + 2, 200);
}

static void
mut_xf_count_more(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, PROP1(o) + 7, 4);
}

static void
mut_xf_count_less(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, PROP1(o) + 7, 2);
}

static void
mut_xf_last_byte(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, XF2(o), 0);
}

static void
mut_prop_last_byte(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, PROP1(o), 0);
}

static void
mut_prop_proto(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, PROP1(o) + 5, 9);
}

static void
mut_prop_num_down(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, PROP1(o) + 4, 3);
}

static void
mut_attr_tlv_long(struct buf *b, const struct offs *o)
{
	/* The first transform's Key Length attribute becomes a TLV
	 * claiming more bytes than the transform holds. */
	buf_set_u16(b, XF1(o) + 8, IKEV2_ATTR_KEYLEN);
}

static void
mut_ts_count_more(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, o->o_tsi + 4, 3);
}

static void
mut_ts_count_less(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, o->o_tsi + 4, 1);
}

static void
mut_ts_count_zero(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, o->o_tsr + 4, 0);
}

static void
mut_ts_sel_len(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, o->o_tsr + 8 + 2, 12);
}

static void
mut_ts_sel_len_v6(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, o->o_tsr + 8, IKEV2_TS_IPV6_RANGE);
}

static void
mut_del_count(struct buf *b, const struct offs *o)
{
	buf_set_u16(b, o->o_d + 4 + 2, 3);
}

static void
mut_del_spi_size(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, o->o_d + 4 + 1, 3);
}

static void
mut_notify_spi_size(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, o->o_n1 + 4 + 1, 9);
}

static void
mut_trailing(struct buf *b, const struct offs *o)
{
	ck_assert_int_eq(buf_add_zero(b, 4), 0);
	ikev2_hdr_set_length(b);
}

static void
mut_hdr_len(struct buf *b, const struct offs *o)
{
	buf_set_u32(b, 24, (uint32_t)b->buf_len - 1);
}

static void
mut_version_1(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, 17, 0x10);
}

static void
mut_version_3(struct buf *b, const struct offs *o)
{
	buf_set_u8(b, 17, 0x30);
}

static void
mut_sk_nested(struct buf *b, const struct offs *o)
{
	/* D becomes an SK payload that is not the last payload. */
	buf_set_u8(b, o->o_n2, IKEV2_PLD_SK);
}

static void
mut_id_short(struct buf *b, const struct offs *o)
{
	/* IDi body of 4 bytes: type and reserved, no data. */
	buf_set_u16(b, o->o_idi + 2, 8);
}

static const struct {
	const char	*name;
	mutate_fn	*fn;
} mutations[] = {
	{ "payload length beyond message", mut_overlong },
	{ "payload length < 4", mut_short_pld },
	{ "proposal length beyond SA", mut_prop_long },
	{ "proposal length < 8", mut_prop_short },
	{ "transform length < 8", mut_xf_short },
	{ "transform length beyond proposal", mut_xf_long },
	{ "transform count too high", mut_xf_count_more },
	{ "transform count too low", mut_xf_count_less },
	{ "transform last byte early", mut_xf_last_byte },
	{ "proposal last byte early", mut_prop_last_byte },
	{ "proposal protocol 9", mut_prop_proto },
	{ "proposal numbers decreasing", mut_prop_num_down },
	{ "TLV attribute beyond transform", mut_attr_tlv_long },
	{ "TS count too high", mut_ts_count_more },
	{ "TS count too low", mut_ts_count_less },
	{ "TS count zero", mut_ts_count_zero },
	{ "TS selector length 12", mut_ts_sel_len },
	{ "IPv6 TS of IPv4 length", mut_ts_sel_len_v6 },
	{ "delete SPI count mismatch", mut_del_count },
	{ "delete SPI size mismatch", mut_del_spi_size },
	{ "notify SPI size 9", mut_notify_spi_size },
	{ "trailing bytes", mut_trailing },
	{ "header length mismatch", mut_hdr_len },
	{ "version 1.0", mut_version_1 },
	{ "version 3.0", mut_version_3 },
	{ "SK not last", mut_sk_nested },
	{ "ID without data", mut_id_short },
};

START_TEST(test_codec_mutation_rejected)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct offs		 o;
	struct buf		*b = test_full_build(&o);

	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	mutations[_i].fn(b, &o);
	ck_assert_msg(ikev2_msg_parse(b->buf_data, b->buf_len, m) == -1,
	    "accepted: %s", mutations[_i].name);
	buf_free(b);
	free(m);
}
END_TEST

/* Messages the writer builds from bad input are rejected on parse. */
START_TEST(test_codec_spi_size_3_rejected)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct prop_offer		 sa;
	struct buf		*b = buf_new(0);

	test_hdr_fill(&h, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR);
	test_sa_fill(&sa);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);

	buf_reset(b);
	sa.sa_prop[1].prop_spi_len = 3;
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), -1);
	buf_free(b);
	free(m);
}
END_TEST

static int
test_nonce_parse(size_t len)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	uint8_t			 n[300] = { 0 };
	struct buf		*b = buf_new(0);
	int			 rv;

	test_hdr_fill(&h, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_nonce(&w, n, len), 0);
	ikev2_hdr_set_length(b);
	rv = ikev2_msg_parse(b->buf_data, b->buf_len, m);
	if (rv == 0)
		ck_assert_uint_eq(m->m_nonce_len, len);
	buf_free(b);
	free(m);
	return (rv);
}

START_TEST(test_codec_nonce_bounds)
{
	ck_assert_int_eq(test_nonce_parse(15), -1);
	ck_assert_int_eq(test_nonce_parse(16), 0);
	ck_assert_int_eq(test_nonce_parse(256), 0);
	ck_assert_int_eq(test_nonce_parse(257), -1);
}
END_TEST

START_TEST(test_codec_limits_rejected)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct buf		*b = buf_new(0);
	int			 i;

	test_hdr_fill(&h, IKEV2_EXCH_INFORMATIONAL, 0);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	for (i = 0; i < IKEV2_MAX_NOTIFY; i++)
		ck_assert_int_eq(ikev2_add_notify(&w, 0, NULL, 0, 16384 + i,
		    NULL, 0), 0);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(m->m_nnotify, IKEV2_MAX_NOTIFY);
	ck_assert_int_eq(ikev2_add_notify(&w, 0, NULL, 0, 16384, NULL, 0), 0);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), -1);

	buf_reset(b);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	for (i = 0; i <= IKEV2_MAX_DELETE; i++)
		ck_assert_int_eq(ikev2_add_delete(&w, IKEV2_PROTO_IKE, 0, 0,
		    NULL), 0);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), -1);
	buf_free(b);
	free(m);
}
END_TEST

/* RFC 7296 §2.5: unknown payloads are skipped, critical ones noted. */
START_TEST(test_codec_unknown_payloads)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct offs		 o;
	struct buf		*b = test_full_build(&o);
	size_t			 off;
	uint8_t			 body[5] = { 1, 2, 3, 4, 5 };

	off = b->buf_len;
	test_raw_add(b, o.o_v, 99, 0, body, sizeof(body));
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_uint_eq(m->m_unsupported_critical, 0);
	ck_assert_uint_eq(m->m_count[99], 1);
	ck_assert_int_eq(m->m_nnotify, 2);

	test_raw_add(b, off, 120, IKEV2_CRITICAL, body, 0);
	off = b->buf_len - 4;
	test_raw_add(b, off, 121, IKEV2_CRITICAL, body, 2);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_uint_eq(m->m_unsupported_critical, 120);
	ck_assert_uint_eq(m->m_count[121], 1);
	buf_free(b);
	free(m);
}
END_TEST

/* The SK payload: body, first inner type and offset in the datagram. */
START_TEST(test_codec_sk_located)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct buf		*b = buf_new(0);
	uint8_t			 body[40];
	size_t			 off;

	memset(body, 0x5a, sizeof(body));
	test_hdr_fill(&h, IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_INITIATOR);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_vendor(&w, vid, sizeof(vid)), 0);
	off = b->buf_len;
	test_raw_add(b, w.w_next_off, IKEV2_PLD_SK, 0, body, sizeof(body));
	buf_set_u8(b, off, IKEV2_PLD_IDI);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_uint_eq(m->m_sk_offset, off);
	ck_assert_uint_eq(m->m_sk_next, IKEV2_PLD_IDI);
	ck_assert_ptr_eq(m->m_sk_body, b->buf_data + off + 4);
	ck_assert_uint_eq(m->m_sk_len, sizeof(body));
	ck_assert_uint_eq(m->m_count[IKEV2_PLD_SK], 1);
	/* Inside SK, another SK is an error. */
	ck_assert_int_eq(ikev2_pld_parse(IKEV2_PLD_SK, b->buf_data + off,
	    b->buf_len - off, 1, m), -1);
	buf_free(b);
	free(m);
}
END_TEST

/* --- rule table --- */

/* Pseudo payload codes for the rule vectors: notifies of a given type. */
#define T_N_ERR		200	/* N(AUTHENTICATION_FAILED) */
#define T_N_COOKIE	201	/* N(COOKIE) */
#define T_N_INVKE	202	/* N(INVALID_KE_PAYLOAD) */
#define T_N_NPC		203	/* N(NO_PROPOSAL_CHOSEN) */
#define T_UNKNOWN	204	/* unknown non-critical payload 77 */

static void
test_pld_default_add(struct pld_writer *w, uint8_t t)
{
	struct prop_offer		 sa;
	struct ts_list	 ts;
	uint16_t		 nt = 0;
	uint8_t			 cp[8] = { 1, 0, 0, 0, 0, 1, 0, 0 };
	int			 rv;

	switch (t) {
	case IKEV2_PLD_SA:
		test_sa_fill(&sa);
		rv = ikev2_add_sa(w, &sa);
		break;
	case IKEV2_PLD_KE:
		rv = ikev2_add_ke(w, 14, ke_data, sizeof(ke_data));
		break;
	case IKEV2_PLD_NONCE:
		rv = ikev2_add_nonce(w, nonce, sizeof(nonce));
		break;
	case IKEV2_PLD_IDI:
	case IKEV2_PLD_IDR:
		rv = ikev2_add_id(w, t, IKEV2_ID_IPV4_ADDR, id_i, 4);
		break;
	case IKEV2_PLD_AUTH:
		rv = ikev2_add_auth(w, IKEV2_AUTH_PSK, auth_data, 20);
		break;
	case IKEV2_PLD_TSI:
	case IKEV2_PLD_TSR:
		test_ts_fill(&ts, 1, "10.1.0.0");
		rv = ikev2_add_ts(w, t, &ts);
		break;
	case IKEV2_PLD_DELETE:
		rv = ikev2_add_delete(w, IKEV2_PROTO_IKE, 0, 0, NULL);
		break;
	case IKEV2_PLD_VENDOR:
		rv = ikev2_add_vendor(w, vid, sizeof(vid));
		break;
	case IKEV2_PLD_CP:
	case T_UNKNOWN:
		/* No adder for these: chain a raw payload by hand. */
		if (w->w_next_off == SIZE_MAX)
			w->w_first = t == T_UNKNOWN ? 77 : t;
		else
			buf_set_u8(w->w_buf, w->w_next_off,
			    t == T_UNKNOWN ? 77 : t);
		w->w_next_off = w->w_buf->buf_len;
		ck_assert_int_eq(buf_add_u32(w->w_buf, 4 + sizeof(cp)), 0);
		rv = buf_add(w->w_buf, cp, sizeof(cp));
		break;
	case IKEV2_PLD_NOTIFY:
		nt = IKEV2_N_INITIAL_CONTACT;
		break;
	case T_N_ERR:
		nt = IKEV2_N_AUTHENTICATION_FAILED;
		break;
	case T_N_COOKIE:
		nt = IKEV2_N_COOKIE;
		break;
	case T_N_INVKE:
		nt = IKEV2_N_INVALID_KE_PAYLOAD;
		break;
	case T_N_NPC:
		nt = IKEV2_N_NO_PROPOSAL_CHOSEN;
		break;
	default:
		ck_abort_msg("no default payload %u", t);
	}
	if (nt != 0)
		rv = ikev2_add_notify(w, 0, NULL, 0, nt, n_data, 8);
	ck_assert_int_eq(rv, 0);
}

/*
 * Builds and parses a message: outer payloads, then (if inner != NULL)
 * an SK payload whose contents are the inner chain (not encrypted: the
 * rule table only looks at the parse result).
 */
static int
test_rules_run(uint8_t exch, uint8_t flags, const uint8_t *outer,
    const uint8_t *inner)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w, wi;
	struct ikev2_hdr	 h;
	struct buf		*b = buf_new(0), *in = buf_new(0);
	size_t			 off;
	int			 rv;

	test_hdr_fill(&h, exch, flags);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	for (; *outer != 0; outer++)
		test_pld_default_add(&w, *outer);
	if (inner != NULL) {
		ikev2_writer_init(&wi, in);
		for (; *inner != 0; inner++)
			test_pld_default_add(&wi, *inner);
		off = b->buf_len;
		test_raw_add(b, w.w_next_off, IKEV2_PLD_SK, 0, in->buf_data,
		    in->buf_len);
		buf_set_u8(b, off, wi.w_first);
	}
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	if (inner != NULL)
		ck_assert_int_eq(ikev2_pld_parse(m->m_sk_next, m->m_sk_body,
		    m->m_sk_len, 1, m), 0);
	rv = ikev2_rules_check(m);
	buf_free(b);
	buf_free(in);
	free(m);
	return (rv);
}

#define P(...)	((const uint8_t []){ __VA_ARGS__, 0 })
#define NOPLD	((const uint8_t []){ 0 })
#define REQ	IKEV2_FLAG_INITIATOR
#define RSP	IKEV2_FLAG_RESPONSE

static const struct {
	const char	*name;
	uint8_t		 exch;
	uint8_t		 flags;
	const uint8_t	*outer;
	const uint8_t	*inner;		/* NULL: no SK payload */
	int		 expect;
} rule_vectors[] = {
	{ "INIT request", 34, REQ, P(33, 34, 40, 41, 41, 43), NULL, 0 },
	{ "INIT request with cookie", 34, REQ, P(T_N_COOKIE, 33, 34, 40),
	    NULL, 0 },
	{ "INIT request, unknown payload", 34, REQ,
	    P(33, 34, 40, T_UNKNOWN), NULL, 0 },
	{ "INIT request without KE", 34, REQ, P(33, 40), NULL, -1 },
	{ "INIT request without SA", 34, REQ, P(34, 40), NULL, -1 },
	{ "INIT request, two nonces", 34, REQ, P(33, 34, 40, 40), NULL, -1 },
	{ "INIT request with IDi", 34, REQ, P(33, 34, 40, 35), NULL, -1 },
	{ "INIT request with SK", 34, REQ, P(33, 34, 40), P(41), -1 },
	{ "INIT response", 34, RSP, P(33, 34, 40, 41, 43), NULL, 0 },
	{ "INIT response cookie", 34, RSP, P(T_N_COOKIE), NULL, 0 },
	{ "INIT response INVALID_KE", 34, RSP, P(T_N_INVKE), NULL, 0 },
	{ "INIT response NO_PROPOSAL", 34, RSP, P(T_N_NPC), NULL, 0 },
	{ "INIT response status notify only", 34, RSP, P(41), NULL, -1 },
	{ "INIT response empty", 34, RSP, NOPLD, NULL, -1 },
	{ "AUTH request", 35, REQ, NOPLD, P(35, 41, 39, 33, 44, 45), 0 },
	{ "AUTH request with IDr, CP", 35, REQ, NOPLD,
	    P(35, 36, 39, 47, 33, 44, 45, 41), 0 },
	{ "AUTH request without AUTH", 35, REQ, NOPLD, P(35, 33, 44, 45),
	    -1 },
	{ "AUTH request without TSr", 35, REQ, NOPLD, P(35, 39, 33, 44), -1 },
	{ "AUTH request, two IDi", 35, REQ, NOPLD,
	    P(35, 35, 39, 33, 44, 45), -1 },
	{ "AUTH request, IDi outside SK", 35, REQ, P(35),
	    P(39, 33, 44, 45), -1 },
	{ "AUTH request, N outside SK", 35, REQ, P(41),
	    P(35, 39, 33, 44, 45), -1 },
	{ "AUTH request without SK", 35, REQ, P(35, 39, 33, 44, 45), NULL,
	    -1 },
	{ "AUTH request with KE", 35, REQ, NOPLD,
	    P(35, 39, 33, 44, 45, 34), -1 },
	{ "AUTH response", 35, RSP, NOPLD, P(36, 39, 33, 44, 45, 41), 0 },
	{ "AUTH response, auth failed", 35, RSP, NOPLD, P(T_N_ERR), 0 },
	{ "AUTH response, child failed", 35, RSP, NOPLD,
	    P(36, 39, T_N_NPC), 0 },
	{ "AUTH response, status only", 35, RSP, NOPLD, P(41), -1 },
	{ "AUTH response without AUTH", 35, RSP, NOPLD, P(36, 33, 44, 45),
	    -1 },
	{ "AUTH response with IDi", 35, RSP, NOPLD,
	    P(35, 36, 39, 33, 44, 45), -1 },
	{ "CHILD request", 36, REQ, NOPLD, P(33, 40, 34, 44, 45), 0 },
	{ "CHILD request, IKE rekey", 36, REQ, NOPLD, P(33, 40, 34), 0 },
	{ "CHILD request, rekey child", 36, REQ, NOPLD,
	    P(41, 33, 40, 44, 45), 0 },
	{ "CHILD request, TSi alone", 36, REQ, NOPLD, P(33, 40, 44), -1 },
	{ "CHILD request without nonce", 36, REQ, NOPLD, P(33, 44, 45), -1 },
	{ "CHILD request, two KE", 36, REQ, NOPLD, P(33, 40, 34, 34), -1 },
	{ "CHILD response", 36, RSP, NOPLD, P(33, 40, 44, 45), 0 },
	{ "CHILD response error", 36, RSP, NOPLD, P(T_N_NPC), 0 },
	{ "CHILD response status only", 36, RSP, NOPLD, P(41), -1 },
	{ "INFO request empty", 37, REQ, NOPLD, NOPLD, 0 },
	{ "INFO request delete", 37, REQ, NOPLD, P(42), 0 },
	{ "INFO response notify", 37, RSP, NOPLD, P(41, 41), 0 },
	{ "INFO request with SA", 37, REQ, NOPLD, P(33), -1 },
	{ "INFO request, D outside SK", 37, REQ, P(42), NOPLD, -1 },
	{ "INFO request without SK", 37, REQ, NOPLD, NULL, -1 },
	{ "unknown exchange", 99, REQ, NOPLD, NOPLD, -1 },
};

/*
 * §3.3.1: the proposals of an offer (a request's SA) are numbered 1, 2...;
 * a response names the chosen one by its number, any number.
 */
START_TEST(test_rules_proposal_numbers)
{
	static const struct {
		uint8_t	 flags;
		uint8_t	 n1, n2;	/* n2 0: one proposal */
		int	 expect;
	} v[] = {
		{ REQ, 1, 2, 0 },
		{ REQ, 1, 0, 0 },
		{ REQ, 1, 1, -1 },	/* duplicate */
		{ REQ, 2, 1, -1 },	/* out of order */
		{ REQ, 1, 3, -1 },	/* a gap */
		{ REQ, 0, 0, -1 },
		{ REQ, 2, 0, -1 },
		{ RSP, 2, 0, 0 },	/* the chosen one: proposal 2 */
	};
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct prop_offer	 sa;
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct buf		*b;
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		test_sa_fill(&sa);
		sa.sa_prop[0].prop_num = v[i].n1;
		sa.sa_prop[1].prop_num = v[i].n2;
		if (v[i].n2 == 0)
			sa.sa_nprop = 1;
		b = buf_new(0);
		test_hdr_fill(&h, IKEV2_EXCH_IKE_SA_INIT, v[i].flags);
		ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
		ck_assert_int_eq(ikev2_add_sa(&w, &sa), 0);
		test_pld_default_add(&w, IKEV2_PLD_KE);
		test_pld_default_add(&w, IKEV2_PLD_NONCE);
		ikev2_hdr_set_length(b);
		memset(m, 0, sizeof(*m));
		/* the parser may refuse it already (a zero number) */
		rv = ikev2_msg_parse(b->buf_data, b->buf_len, m) == 0 ?
		    ikev2_rules_check(m) : -2;
		ck_assert_msg(rv == v[i].expect || (rv == -2 &&
		    v[i].expect == -1), "vector %zu: %d", i, rv);
		buf_free(b);
	}
	free(m);
}
END_TEST

START_TEST(test_rules_table)
{
	ck_assert_msg(test_rules_run(rule_vectors[_i].exch,
	    rule_vectors[_i].flags, rule_vectors[_i].outer,
	    rule_vectors[_i].inner) == rule_vectors[_i].expect,
	    "%s: expected %d", rule_vectors[_i].name,
	    rule_vectors[_i].expect);
}
END_TEST

/* --- names and describe --- */

START_TEST(test_names_describe)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct pld_writer	 w, wi;
	struct ikev2_hdr	 h;
	struct buf		*b = buf_new(0), *in = buf_new(0);
	char			 s[256], tiny[8];
	size_t			 off;

	ck_assert_str_eq(ikev2_exchange_name(34), "IKE_SA_INIT");
	ck_assert_str_eq(ikev2_exchange_name(37), "INFORMATIONAL");
	ck_assert_str_eq(ikev2_exchange_name(99), "99");
	ck_assert_str_eq(ikev2_notify_name(IKEV2_N_TS_UNACCEPTABLE),
	    "TS_UNACCEPTABLE");
	ck_assert_str_eq(ikev2_notify_name(16388), "NAT_DETECTION_SOURCE_IP");
	ck_assert_str_eq(ikev2_notify_name(12345), "12345");

	test_hdr_fill(&h, IKEV2_EXCH_IKE_SA_INIT, REQ);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	test_pld_default_add(&w, IKEV2_PLD_SA);
	test_pld_default_add(&w, IKEV2_PLD_KE);
	test_pld_default_add(&w, IKEV2_PLD_NONCE);
	ck_assert_int_eq(ikev2_add_notify(&w, 0, NULL, 0, 16388, n_data, 20),
	    0);
	ck_assert_int_eq(ikev2_add_notify(&w, 0, NULL, 0, 16389, n_data, 20),
	    0);
	test_pld_default_add(&w, IKEV2_PLD_VENDOR);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ikev2_msg_describe(m, s, sizeof(s));
	ck_assert_str_eq(s, "SA KE No N(NATD_S_IP) N(NATD_D_IP) V");
	ikev2_msg_describe(m, tiny, sizeof(tiny));
	ck_assert_uint_lt(strlen(tiny), sizeof(tiny));
	ck_assert_int_eq(strncmp(tiny, "SA KE N", 7), 0);

	/* IKE_AUTH: N(51234) outside, the rest inside SK. */
	buf_reset(b);
	test_hdr_fill(&h, IKEV2_EXCH_IKE_AUTH, REQ);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_add_notify(&w, 0, NULL, 0, 51234, NULL, 0), 0);
	ikev2_writer_init(&wi, in);
	test_pld_default_add(&wi, IKEV2_PLD_IDI);
	ck_assert_int_eq(ikev2_add_notify(&wi, 0, NULL, 0,
	    IKEV2_N_INITIAL_CONTACT, NULL, 0), 0);
	test_pld_default_add(&wi, IKEV2_PLD_AUTH);
	test_pld_default_add(&wi, IKEV2_PLD_SA);
	test_pld_default_add(&wi, IKEV2_PLD_TSI);
	test_pld_default_add(&wi, IKEV2_PLD_TSR);
	off = b->buf_len;
	test_raw_add(b, w.w_next_off, IKEV2_PLD_SK, 0, in->buf_data,
	    in->buf_len);
	buf_set_u8(b, off, wi.w_first);
	memset(m, 0, sizeof(*m));
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(ikev2_pld_parse(m->m_sk_next, m->m_sk_body,
	    m->m_sk_len, 1, m), 0);
	ikev2_msg_describe(m, s, sizeof(s));
	ck_assert_str_eq(s,
	    "N(51234) SK{IDi AUTH SA TSi TSr N(INIT_CONTACT)}");
	buf_free(b);
	buf_free(in);
	free(m);
}
END_TEST

/* --- SK payload --- */

static const struct {
	int	encr;
	int	keybits;
} sk_encrs[] = {
	{ ENCR_3DES, 0 }, { ENCR_AES_CBC, 128 }, { ENCR_AES_CBC, 192 },
	{ ENCR_AES_CBC, 256 },
};
static const int sk_integs[] = { AUTH_HMAC_MD5_96, AUTH_HMAC_SHA1_96,
	AUTH_HMAC_SHA2_256_128, AUTH_HMAC_SHA2_384_192,
	AUTH_HMAC_SHA2_512_256 };
#define SK_NCOMBO	((int)(sizeof(sk_encrs) / sizeof(sk_encrs[0]) * \
			    sizeof(sk_integs) / sizeof(sk_integs[0])))

struct sk_ctx {
	uint8_t			ekey[CRYPTO_MAX_KEY];
	uint8_t			akey[CRYPTO_MAX_KEY];
	struct ikev2_sk_keys	keys;
};

static void
sk_ctx_init(struct sk_ctx *c, int combo)
{
	int	n = (int)(sizeof(sk_integs) / sizeof(sk_integs[0]));
	int	e = combo / n, i = combo % n;

	ck_assert_int_eq(RAND_bytes(c->ekey, sizeof(c->ekey)), 1);
	ck_assert_int_eq(RAND_bytes(c->akey, sizeof(c->akey)), 1);
	c->keys.sk_encr = sk_encrs[e].encr;
	c->keys.sk_integ = sk_integs[i];
	c->keys.sk_ekey = c->ekey;
	c->keys.sk_ekey_len = encr_key_len(sk_encrs[e].encr,
	    sk_encrs[e].keybits);
	c->keys.sk_akey = c->akey;
	ck_assert_uint_gt(c->keys.sk_ekey_len, 0);
}

/* Seals an IKE_AUTH request whose SK holds the inner chain. */
static struct buf *
sk_msg_build(const struct sk_ctx *c, struct buf *inner, size_t vlen)
{
	struct pld_writer	 w, wi;
	struct ikev2_hdr	 h;
	struct buf		*b = buf_new(0);
	uint8_t			 v[64] = { 0 };

	buf_reset(inner);
	ikev2_writer_init(&wi, inner);
	test_pld_default_add(&wi, IKEV2_PLD_IDI);
	test_pld_default_add(&wi, IKEV2_PLD_AUTH);
	test_pld_default_add(&wi, IKEV2_PLD_SA);
	test_pld_default_add(&wi, IKEV2_PLD_TSI);
	test_pld_default_add(&wi, IKEV2_PLD_TSR);
	ck_assert_int_eq(ikev2_add_vendor(&wi, v, vlen), 0);
	test_hdr_fill(&h, IKEV2_EXCH_IKE_AUTH, REQ);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev2_sk_seal(b, &w, wi.w_first, inner, &c->keys),
	    0);
	return (b);
}

START_TEST(test_sk_roundtrip)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct sk_ctx		 c;
	struct buf		*b, *inner = buf_new(0), *out = buf_new(0);
	size_t			 vlen, bl, icvl;

	sk_ctx_init(&c, _i);
	bl = encr_block_len(c.keys.sk_encr);
	icvl = integ_icv_len(c.keys.sk_integ);
	/* Every padding length, 0 .. block - 1. */
	for (vlen = 0; vlen < 2 * bl + 1; vlen++) {
		b = sk_msg_build(&c, inner, vlen);
		ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m),
		    0);
		ck_assert_uint_eq(b->buf_data[16], IKEV2_PLD_SK);
		ck_assert_uint_eq(m->m_sk_offset, IKEV2_HDR_LEN);
		ck_assert_uint_eq(m->m_sk_next, IKEV2_PLD_IDI);
		ck_assert_uint_eq((m->m_sk_len - bl - icvl) % bl, 0);
		ck_assert_uint_eq(m->m_sk_len - bl - icvl,
		    (inner->buf_len / bl + 1) * bl);
		ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m,
		    &c.keys, out), 0);
		ck_assert_uint_eq(out->buf_len, inner->buf_len);
		ck_assert_mem_eq(out->buf_data, inner->buf_data,
		    inner->buf_len);
		ck_assert_int_eq(ikev2_pld_parse(m->m_sk_next, out->buf_data,
		    out->buf_len, 1, m), 0);
		ck_assert_int_eq(ikev2_rules_check(m), 0);
		ck_assert_uint_eq(m->m_in_sk[IKEV2_PLD_AUTH], 1);
		buf_free(b);
	}
	buf_free(inner);
	buf_free(out);
	free(m);
}
END_TEST

START_TEST(test_sk_tamper_rejected)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct sk_ctx		 c;
	struct buf		*b, *inner = buf_new(0), *out = buf_new(0);
	size_t			 icvl;

	sk_ctx_init(&c, _i);
	icvl = integ_icv_len(c.keys.sk_integ);
	b = sk_msg_build(&c, inner, 5);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);

	/* A flipped ICV bit. */
	b->buf_data[b->buf_len - 1] ^= 0x01;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	b->buf_data[b->buf_len - 1] ^= 0x01;
	/* A flipped ciphertext bit, IV bit, header bit. */
	b->buf_data[b->buf_len - icvl - 1] ^= 0x80;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	b->buf_data[b->buf_len - icvl - 1] ^= 0x80;
	b->buf_data[IKEV2_HDR_LEN + 4] ^= 0x01;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	b->buf_data[IKEV2_HDR_LEN + 4] ^= 0x01;
	b->buf_data[20] ^= 0x01;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	b->buf_data[20] ^= 0x01;
	/* A wrong integrity key. */
	c.akey[0] ^= 1;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	c.akey[0] ^= 1;
	/* Untouched, it still opens. */
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), 0);
	/* An SK that does not end the datagram. */
	m->m_sk_len--;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -2);
	buf_free(b);
	buf_free(inner);
	buf_free(out);
	free(m);
}
END_TEST

/*
 * Seals plain (already block aligned, its last byte the pad length)
 * without the codec, so the pad length can be wrong with a good ICV.
 */
static struct buf *
sk_raw_build(const struct sk_ctx *c, const uint8_t *plain, size_t len)
{
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct buf		*b = buf_new(0);
	size_t			 bl = encr_block_len(c->keys.sk_encr);
	size_t			 icvl = integ_icv_len(c->keys.sk_integ);
	uint8_t			*p;

	test_hdr_fill(&h, IKEV2_EXCH_INFORMATIONAL, REQ);
	ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
	buf_set_u8(b, 16, IKEV2_PLD_SK);
	ck_assert_int_eq(buf_add_u8(b, IKEV2_PLD_NONE), 0);
	ck_assert_int_eq(buf_add_u8(b, 0), 0);
	ck_assert_int_eq(buf_add_u16(b, 4 + bl + len + icvl), 0);
	p = buf_reserve(b, bl + len + icvl);
	ck_assert_ptr_nonnull(p);
	memset(p, 0x42, bl);
	ck_assert_int_eq(encr_encrypt(c->keys.sk_encr, c->keys.sk_ekey,
	    c->keys.sk_ekey_len, p, plain, len, p + bl), 0);
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(integ_compute(c->keys.sk_integ, c->keys.sk_akey,
	    b->buf_data, b->buf_len - icvl, b->buf_data + b->buf_len - icvl),
	    0);
	return (b);
}

START_TEST(test_sk_padding)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct sk_ctx		 c;
	struct buf		*b, *out = buf_new(0);
	uint8_t			 plain[32];
	size_t			 bl;

	sk_ctx_init(&c, _i);
	bl = encr_block_len(c.keys.sk_encr);
	memset(plain, 0xee, sizeof(plain));
	/* Pad length = whole ciphertext length: rejected. */
	plain[2 * bl - 1] = (uint8_t)(2 * bl);
	b = sk_raw_build(&c, plain, 2 * bl);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	ck_assert_uint_eq(out->buf_len, 0);
	buf_free(b);
	plain[2 * bl - 1] = 0xff;
	b = sk_raw_build(&c, plain, 2 * bl);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	buf_free(b);
	/* Pad length = ciphertext length - 1: an empty inner chain. */
	plain[2 * bl - 1] = (uint8_t)(2 * bl - 1);
	b = sk_raw_build(&c, plain, 2 * bl);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), 0);
	ck_assert_uint_eq(out->buf_len, 0);
	ck_assert_int_eq(ikev2_pld_parse(m->m_sk_next, out->buf_data,
	    out->buf_len, 1, m), 0);
	ck_assert_int_eq(ikev2_rules_check(m), 0);
	buf_free(b);
	/* Ciphertext not a multiple of the block length. */
	b = sk_raw_build(&c, plain, 2 * bl);
	buf_set_u16(b, IKEV2_HDR_LEN + 2, get16(b, IKEV2_HDR_LEN + 2) - 1);
	b->buf_len--;
	ikev2_hdr_set_length(b);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out),-2);
	buf_free(b);
	buf_free(out);
	free(m);
}
END_TEST

/* --- SK with an AEAD (RFC 5282, RFC 7634) --- */

static const struct { int encr, keybits; } sk_aeads[] = {
	{ ENCR_AES_GCM_16, 128 }, { ENCR_AES_GCM_16, 256 },
	{ ENCR_AES_GCM_12, 192 }, { ENCR_AES_GCM_8, 128 },
	{ ENCR_CHACHA20_POLY1305, 0 },
};
#define SK_NAEAD	((int)(sizeof(sk_aeads) / sizeof(sk_aeads[0])))

static void
sk_ctx_init_aead(struct sk_ctx *c, int i)
{
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(RAND_bytes(c->ekey, sizeof(c->ekey)), 1);
	c->keys.sk_encr = sk_aeads[i].encr;
	c->keys.sk_integ = AUTH_NONE;
	c->keys.sk_ekey = c->ekey;
	c->keys.sk_ekey_len = encr_key_len(sk_aeads[i].encr,
	    sk_aeads[i].keybits);
	c->keys.sk_akey = c->akey;
	ck_assert_uint_gt(c->keys.sk_ekey_len, 4);
}

/*
 * SK = header | IV (8) | ciphertext (no pad: inner | 0) | ICV, the
 * ciphertext exactly as aead_seal() makes it over header .. SK header.
 */
START_TEST(test_sk_aead_roundtrip)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct sk_ctx		 c;
	struct buf		*b, *inner = buf_new(0), *out = buf_new(0);
	uint8_t			 ct[512], icv[16];
	size_t			 vlen, icvl, clen;

	sk_ctx_init_aead(&c, _i);
	icvl = aead_icv_len(c.keys.sk_encr);
	for (vlen = 0; vlen < 5; vlen++) {
		b = sk_msg_build(&c, inner, vlen);
		ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m),
		    0);
		ck_assert_uint_eq(m->m_sk_next, IKEV2_PLD_IDI);
		clen = inner->buf_len + 1;
		ck_assert_uint_eq(m->m_sk_len, AEAD_IV_LEN + clen + icvl);
		ck_assert_uint_eq(get16(b, 26), b->buf_len);	/* length */
		/* recompute with the primitive: AAD = header | SK header */
		ck_assert_uint_le(clen, sizeof(ct));
		memcpy(ct, inner->buf_data, inner->buf_len);
		ct[inner->buf_len] = 0;		/* pad length */
		ck_assert_int_eq(aead_seal(c.keys.sk_encr, c.ekey,
		    c.keys.sk_ekey_len, m->m_sk_body, b->buf_data,
		    IKEV2_HDR_LEN + 4, ct, clen, ct, icv), 0);
		ck_assert_mem_eq(m->m_sk_body + AEAD_IV_LEN, ct, clen);
		ck_assert_mem_eq(b->buf_data + b->buf_len - icvl, icv, icvl);
		ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m,
		    &c.keys, out), 0);
		ck_assert_uint_eq(out->buf_len, inner->buf_len);
		ck_assert_mem_eq(out->buf_data, inner->buf_data,
		    inner->buf_len);
		ck_assert_int_eq(ikev2_pld_parse(m->m_sk_next, out->buf_data,
		    out->buf_len, 1, m), 0);
		ck_assert_int_eq(ikev2_rules_check(m), 0);
		buf_free(b);
	}
	buf_free(inner);
	buf_free(out);
	free(m);
}
END_TEST

START_TEST(test_sk_aead_tamper_rejected)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct sk_ctx		 c;
	struct buf		*b, *inner = buf_new(0), *out = buf_new(0);
	size_t			 icvl, at[4];
	int			 k;

	sk_ctx_init_aead(&c, _i);
	icvl = aead_icv_len(c.keys.sk_encr);
	b = sk_msg_build(&c, inner, 5);
	ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m), 0);
	at[0] = b->buf_len - 1;			/* ICV */
	at[1] = b->buf_len - icvl - 1;		/* ciphertext */
	at[2] = IKEV2_HDR_LEN + 4;		/* IV */
	at[3] = 20;				/* header: AAD */
	for (k = 0; k < 4; k++) {
		b->buf_data[at[k]] ^= 0x01;
		ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m,
		    &c.keys, out), -1);
		ck_assert_uint_eq(out->buf_len, 0);
		b->buf_data[at[k]] ^= 0x01;
	}
	/* the salt is part of the key material */
	c.ekey[c.keys.sk_ekey_len - 1] ^= 0x01;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), -1);
	c.ekey[c.keys.sk_ekey_len - 1] ^= 0x01;
	ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m, &c.keys,
	    out), 0);
	buf_free(b);
	buf_free(inner);
	buf_free(out);
	free(m);
}
END_TEST

/*
 * An SK payload shorter than IV + 1 octet (the pad length) + ICV is
 * malformed (-2), before any cryptography; one octet more gets as far
 * as the ICV check.
 */
START_TEST(test_sk_aead_too_short)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct sk_ctx		 c;
	struct pld_writer	 w;
	struct ikev2_hdr	 h;
	struct buf		*b, *out = buf_new(0);
	size_t			 icvl, body;

	sk_ctx_init_aead(&c, _i);
	icvl = aead_icv_len(c.keys.sk_encr);
	for (body = 0; body <= AEAD_IV_LEN + icvl + 1; body++) {
		b = buf_new(0);
		test_hdr_fill(&h, IKEV2_EXCH_INFORMATIONAL, REQ);
		ck_assert_int_eq(ikev2_hdr_write(b, &h, &w), 0);
		buf_set_u8(b, 16, IKEV2_PLD_SK);
		ck_assert_int_eq(buf_add_u8(b, IKEV2_PLD_NONE), 0);
		ck_assert_int_eq(buf_add_u8(b, 0), 0);
		ck_assert_int_eq(buf_add_u16(b, 4 + body), 0);
		if (body > 0)
			ck_assert_ptr_nonnull(memset(buf_reserve(b, body),
			    0x42, body));
		ikev2_hdr_set_length(b);
		memset(m, 0, sizeof(*m));
		ck_assert_int_eq(ikev2_msg_parse(b->buf_data, b->buf_len, m),
		    0);
		ck_assert_int_eq(ikev2_sk_open(b->buf_data, b->buf_len, m,
		    &c.keys, out), body < AEAD_IV_LEN + icvl + 1 ? -2 : -1);
		buf_free(b);
	}
	buf_free(out);
	free(m);
}
END_TEST

static Suite *
ikev2_codec_suite(void)
{
	Suite	*s = suite_create("ikev2_codec");
	TCase	*tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_codec_roundtrip_all);
	tcase_add_test(tc, test_codec_roundtrip_modern_ids);
	tcase_add_loop_test(tc, test_codec_roundtrip_aead_ids, 0,
	    (int)(sizeof(aead_ids) / sizeof(aead_ids[0])));
	tcase_add_test(tc, test_codec_roundtrip_esn);
	tcase_add_test(tc, test_codec_writer_layout);
	tcase_add_test(tc, test_codec_writer_inner_chain);
	tcase_add_test(tc, test_codec_sk_located);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_test(tc, test_codec_truncated_rejected);
	tcase_add_loop_test(tc, test_codec_mutation_rejected, 0,
	    (int)(sizeof(mutations) / sizeof(mutations[0])));
	tcase_add_test(tc, test_codec_spi_size_3_rejected);
	tcase_add_test(tc, test_codec_nonce_bounds);
	tcase_add_test(tc, test_codec_limits_rejected);
	tcase_add_test(tc, test_codec_unknown_payloads);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_rules_table, 0,
	    (int)(sizeof(rule_vectors) / sizeof(rule_vectors[0])));
	tcase_add_test(tc, test_rules_proposal_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_names_describe);
	suite_add_tcase(s, tc);

	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf_shrink);
	suite_add_tcase(s, tc);

	tc = tcase_create("sk");
	tcase_add_loop_test(tc, test_sk_roundtrip, 0, SK_NCOMBO);
	tcase_add_loop_test(tc, test_sk_tamper_rejected, 0, SK_NCOMBO);
	tcase_add_loop_test(tc, test_sk_padding, 0, SK_NCOMBO);
	tcase_add_loop_test(tc, test_sk_aead_roundtrip, 0, SK_NAEAD);
	tcase_add_loop_test(tc, test_sk_aead_tamper_rejected, 0, SK_NAEAD);
	tcase_add_loop_test(tc, test_sk_aead_too_short, 0, SK_NAEAD);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ikev2_codec_suite());
	int	 failed;

	if (getenv("GW_TEST_DEBUG") != NULL)
		log_init(0, LOG_LVL_DEBUG);
	else
		log_init(0, LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
