/*
 * check_ikev1.c - the IKEv1 codec (ike/ikev1_pld.c, ike/ikev1_crypt.c)
 * and IKEv1 key derivation (crypto/ikev1_keys.c).
 *
 * Keys: the NIST CAVP IKEv1 PSK sample; the expansions are checked
 * against OpenSSL's one-shot HMAC.  Codec: round trips, and rejection of
 * every truncation and of bad lengths in every payload.  Captures: real
 * strongSwan traffic (tests/data/captures), where every message must
 * parse, encrypted ones decrypt with Wireshark's key and IVs we derive,
 * and HASH_I/HASH_R verify with the lab PSK.  With GW_CORPUS_DIR set,
 * every message (and each decrypted one with E cleared) is written there
 * for the fuzzer's seed corpus (tests/fuzz/corpus/ikev1).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev1.h"
#include "tests/pcap.h"

#define CAP_DIR		TEST_DATA_DIR "/captures"
#define LAB_PSK		"lab-preshared-key-0123456789"

static size_t
unhex(const char *hex, uint8_t *out, size_t max)
{
	int	n = hex_decode(hex, out, max);

	ck_assert_int_ge(n, 0);
	return ((size_t)n);
}

/* OpenSSL's one-shot HMAC: the reference for the expansions. */
static void
ref_hmac(const char *md, const uint8_t *key, size_t klen,
    const uint8_t *data, size_t dlen, uint8_t *out)
{
	size_t	outl = 0;

	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key,
	    klen, data, dlen, out, CRYPTO_MAX_HASH, &outl));
}

/* --- keys --- */

/* NIST CAVP IKEv1 PSK sample, HMAC-SHA1 (psk is the single byte 0x75). */
START_TEST(test_keys_cavp_psk_sha1)
{
	struct ikev1_keys	k;
	uint8_t			psk[1] = { 0x75 }, ni[8], nr[8], ci[8], cr[8];
	uint8_t			gxy[64], skeyid[CRYPTO_MAX_HASH], want[20];
	size_t			gl;

	unhex("b9a2d0e922dc66dd", ni, 8);
	unhex("2130166863b5ddef", nr, 8);
	unhex("83d374c30b3b5082", ci, 8);
	unhex("5afc0da06c728029", cr, 8);
	gl = unhex("739003ba2c11c982946c65e26acf661fbf8ebb78011a9fead79efa12"
	    "fe3e71cc", gxy, sizeof(gxy));
	ck_assert_uint_eq(gl, 32);
	ck_assert_int_eq(ikev1_skeyid_psk(PRF_HMAC_SHA1, psk, 1, ni, 8, nr, 8,
	    skeyid), 0);
	unhex("62b04d112877e442fc3282fc37c076997718a0b9", want, 20);
	ck_assert_mem_eq(skeyid, want, 20);
	ck_assert_int_eq(ikev1_keys_derive(PRF_HMAC_SHA1, skeyid, gxy, gl, ci,
	    cr, 16, &k), 0);
	ck_assert_uint_eq(k.k_len, 20);
	unhex("369e5aad1bdb5faf6a3d929d500cdc236710a9ab", want, 20);
	ck_assert_mem_eq(k.k_d, want, 20);
	unhex("588e957d8d790d093b3a39f121473473af78e9bb", want, 20);
	ck_assert_mem_eq(k.k_a, want, 20);
	unhex("cd74b0c048219db81384d3fda8f6cda51e398a2b", want, 20);
	ck_assert_mem_eq(k.k_e, want, 20);
	/* aes128: SKEYID_e is long enough, its first 16 bytes are used. */
	ck_assert_uint_eq(k.k_enc_len, 16);
	ck_assert_mem_eq(k.k_enc, want, 16);
	ikev1_keys_clear(&k);
	ck_assert_uint_eq(k.k_len, 0);
}
END_TEST

/* Appendix B expansion: K1 = prf(e, 0x00), K2 = prf(e, K1), ... */
static const struct {
	int		 prf;
	const char	*md;
	size_t		 outlen;
} expand_vec[] = {
	{ PRF_HMAC_SHA1, "SHA1", 32 },		/* aes256 with sha1 */
	{ PRF_HMAC_MD5, "MD5", 24 },		/* 3des with md5 */
	{ PRF_HMAC_MD5, "MD5", 32 },		/* aes256 with md5 */
	{ PRF_HMAC_SHA1, "SHA1", 16 },		/* truncation only */
	{ PRF_HMAC_SHA2_256, "SHA256", 32 },
};

START_TEST(test_keys_expand_appendix_b)
{
	uint8_t	e[CRYPTO_MAX_HASH], out[64], ref[64], k[CRYPTO_MAX_HASH];
	uint8_t	zero = 0;
	size_t	hlen = prf_len(expand_vec[_i].prf), off = 0;

	memset(e, 0xa5, sizeof(e));
	ck_assert_int_eq(ikev1_key_expand(expand_vec[_i].prf, e, hlen, out,
	    expand_vec[_i].outlen), 0);
	if (expand_vec[_i].outlen <= hlen) {
		ck_assert_mem_eq(out, e, expand_vec[_i].outlen);
		return;
	}
	ref_hmac(expand_vec[_i].md, e, hlen, &zero, 1, k);
	while (off < expand_vec[_i].outlen) {
		memcpy(ref + off, k, hlen);
		off += hlen;
		ref_hmac(expand_vec[_i].md, e, hlen, ref + off - hlen, hlen, k);
	}
	ck_assert_mem_eq(out, ref, expand_vec[_i].outlen);
	/* Expanded keys do not start with SKEYID_e. */
	ck_assert_int_ne(memcmp(out, e, hlen), 0);
	/* A wrong SKEYID_e length is refused. */
	ck_assert_int_eq(ikev1_key_expand(expand_vec[_i].prf, e, hlen - 1, out,
	    expand_vec[_i].outlen), -1);
}
END_TEST

START_TEST(test_keys_keymat_expansion)
{
	uint8_t	d[20], gxy[128], ni[16], nr[16], spi[4] = { 1, 2, 3, 4 };
	uint8_t	out[60], seed[1 + 128 + 1 + 4 + 32 + 20], ref[60];
	uint8_t	k[CRYPTO_MAX_HASH];
	size_t	sl, off;
	int	pfs;

	memset(d, 0x11, sizeof(d));
	memset(gxy, 0x22, sizeof(gxy));
	memset(ni, 0x33, sizeof(ni));
	memset(nr, 0x44, sizeof(nr));
	for (pfs = 0; pfs < 2; pfs++) {
		ck_assert_int_eq(ikev1_keymat(PRF_HMAC_SHA1, d, 20,
		    pfs ? gxy : NULL, sizeof(gxy), IKEV1_PROTO_ESP, spi, ni,
		    16, nr, 16, out, sizeof(out)), 0);
		/* K1 = prf(d, [gxy |] proto | SPI | Ni | Nr) */
		for (off = 0; off < sizeof(ref); off += 20) {
			sl = 0;
			if (off > 0) {
				memcpy(seed, ref + off - 20, 20);
				sl = 20;
			}
			if (pfs) {
				memcpy(seed + sl, gxy, sizeof(gxy));
				sl += sizeof(gxy);
			}
			seed[sl++] = IKEV1_PROTO_ESP;
			memcpy(seed + sl, spi, 4);
			sl += 4;
			memcpy(seed + sl, ni, 16);
			memcpy(seed + sl + 16, nr, 16);
			sl += 32;
			ref_hmac("SHA1", d, 20, seed, sl, k);
			memcpy(ref + off, k, 20);
		}
		ck_assert_mem_eq(out, ref, sizeof(out));
	}
	ck_assert_int_eq(ikev1_keymat(PRF_HMAC_SHA1, d, 20, NULL, 0, 3, spi,
	    ni, 16, nr, 16, out, 0), -1);
}
END_TEST

START_TEST(test_keys_iv_and_hashes)
{
	uint8_t	gxi[8] = "ABCDEFGH", gxr[8] = "IJKLMNOP", iv[16], h[32];
	uint8_t	last[16], a[20], ni[8] = "noncei!!", nr[8] = "noncer!!";
	uint8_t	rest[5] = "rest!", buf[64], ref[32];
	unsigned int	hl;

	/* Phase 1 IV = sha1(g^xi | g^xr) truncated to 16 (AES). */
	ck_assert_int_eq(ikev1_iv_phase1(PRF_HMAC_SHA1, gxi, 8, gxr, 8, iv,
	    16), 0);
	memcpy(buf, gxi, 8);
	memcpy(buf + 8, gxr, 8);
	ck_assert_int_eq(EVP_Digest(buf, 16, h, &hl, EVP_sha1(), NULL), 1);
	ck_assert_mem_eq(iv, h, 16);
	/* Phase 2 IV = md5(last block | M-ID) truncated to 8 (3DES). */
	memset(last, 0x5c, sizeof(last));
	ck_assert_int_eq(ikev1_iv_phase2(PRF_HMAC_MD5, last, 8, 0x01020304,
	    iv), 0);
	memcpy(buf, last, 8);
	memcpy(buf + 8, "\x01\x02\x03\x04", 4);
	ck_assert_int_eq(EVP_Digest(buf, 12, h, &hl, EVP_md5(), NULL), 1);
	ck_assert_mem_eq(iv, h, 8);
	ck_assert_int_eq(ikev1_iv_phase2(PRF_HMAC_MD5, last, 17, 1, iv), -1);

	memset(a, 0x77, sizeof(a));
	/* HASH(1) = prf(SKEYID_a, M-ID | rest) */
	ck_assert_int_eq(ikev1_hash_qm1(PRF_HMAC_SHA1, a, 20, 0xdeadbeef,
	    rest, 5, h), 0);
	memcpy(buf, "\xde\xad\xbe\xef", 4);
	memcpy(buf + 4, rest, 5);
	ref_hmac("SHA1", a, 20, buf, 9, ref);
	ck_assert_mem_eq(h, ref, 20);
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest) */
	ck_assert_int_eq(ikev1_hash_qm2(PRF_HMAC_SHA1, a, 20, 0xdeadbeef,
	    ni, 8, rest, 5, h), 0);
	memcpy(buf + 4, ni, 8);
	memcpy(buf + 12, rest, 5);
	ref_hmac("SHA1", a, 20, buf, 17, ref);
	ck_assert_mem_eq(h, ref, 20);
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	ck_assert_int_eq(ikev1_hash_qm3(PRF_HMAC_SHA1, a, 20, 0xdeadbeef,
	    ni, 8, nr, 8, h), 0);
	buf[0] = 0;
	memcpy(buf + 1, "\xde\xad\xbe\xef", 4);
	memcpy(buf + 5, ni, 8);
	memcpy(buf + 13, nr, 8);
	ref_hmac("SHA1", a, 20, buf, 21, ref);
	ck_assert_mem_eq(h, ref, 20);

	ck_assert_int_eq(ikev1_prf_from_hash(IKEV1_HASH_MD5), PRF_HMAC_MD5);
	ck_assert_int_eq(ikev1_prf_from_hash(IKEV1_HASH_SHA), PRF_HMAC_SHA1);
	ck_assert_int_eq(ikev1_prf_from_hash(IKEV1_HASH_SHA2_256),
	    PRF_HMAC_SHA2_256);
	ck_assert_int_eq(ikev1_prf_from_hash(3), 0);
}
END_TEST

/* --- codec --- */

static const uint8_t cky_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t cky_r[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };

/* Builds a message with every payload type we write; returns it. */
static struct buf *
codec_sample(uint8_t exchange, int phase2, size_t *hash_off)
{
	struct ikev1_p1_params	p1[2] = {
		{ IKEV1_ENCR_AES, 256, IKEV1_HASH_SHA2_256, IKEV1_AUTH_PSK,
		    14, 28800 },
		{ IKEV1_ENCR_3DES, 0, IKEV1_HASH_MD5, IKEV1_AUTH_PSK, 2,
		    100000 },
	};
	struct ikev1_p2_params	p2[1] = {
		{ IKEV1_PROTO_ESP, IKEV1_ESP_AES, 0xc0ffee01, 128,
		    IKEV1_AUTH_HMAC_SHA, 14, IKEV1_ENCAP_UDP_TUNNEL, 3600,
		    4608000, 0 },
	};
	static struct ikev1_sa	sa;
	struct ikev1_hdr	h;
	struct pld_writer	w;
	struct buf		*b = buf_new(512);
	uint8_t			ke[96], nonce[32], subnet[8] = { 10, 1, 0, 0,
				    255, 255, 255, 0 }, spis[8] = "SPI1SPI2";

	memset(ke, 0x4b, sizeof(ke));
	memset(nonce, 0x4e, sizeof(nonce));
	memset(&h, 0, sizeof(h));
	memcpy(h.h_icookie, cky_i, 8);
	memcpy(h.h_rcookie, cky_r, 8);
	h.h_exchange = exchange;
	h.h_msgid = phase2 ? 0x11223344 : 0;
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	if (phase2) {
		ck_assert_int_eq(ikev1_add_hash(&w, NULL, 20, hash_off), 0);
		ck_assert_int_eq(ikev1_sa_p2_build(&sa, p2, 1), 0);
	} else
		ck_assert_int_eq(ikev1_sa_p1_build(&sa, p1, 2), 0);
	ck_assert_int_eq(ikev1_add_sa(&w, &sa), 0);
	ck_assert_int_eq(ikev1_add_ke(&w, ke, sizeof(ke)), 0);
	ck_assert_int_eq(ikev1_add_nonce(&w, nonce, sizeof(nonce)), 0);
	ck_assert_int_eq(ikev1_add_id(&w, IKEV1_ID_IPV4_ADDR_SUBNET, 17, 500,
	    subnet, 8), 0);
	ck_assert_int_eq(ikev1_add_id(&w, IKEV1_ID_FQDN, 0, 0,
	    (const uint8_t *)"right.lab.test", 14), 0);
	if (!phase2)
		ck_assert_int_eq(ikev1_add_hash(&w, NULL, 20, hash_off), 0);
	ck_assert_int_eq(ikev1_add_notify(&w, IKEV1_PROTO_ISAKMP, spis, 8,
	    IKEV1_N_INITIAL_CONTACT, NULL, 0), 0);
	ck_assert_int_eq(ikev1_add_delete(&w, IKEV1_PROTO_ESP, 4, 2, spis), 0);
	ck_assert_int_eq(ikev1_add_vendor(&w, ikev1_vid_dpd, 16), 0);
	ck_assert_int_eq(ikev1_add_vendor(&w, ikev1_vid_natt_rfc3947, 16), 0);
	ck_assert_int_eq(ikev1_add_natd(&w, nonce, 20), 0);
	ck_assert_int_eq(ikev1_add_natd(&w, ke, 20), 0);
	ikev1_hdr_set_length(b);
	return (b);
}

START_TEST(test_codec_roundtrip_phase1)
{
	static struct ikev1_msg	 m;
	const struct ikev1_transform *t;
	struct buf		*b;
	size_t			 hoff;
	char			 desc[256];

	b = codec_sample(IKEV1_EXCH_MAIN, 0, &hoff);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_mem_eq(m.m_hdr.h_icookie, cky_i, 8);
	ck_assert_uint_eq(m.m_hdr.h_version, IKEV1_VERSION);
	ck_assert_uint_eq(m.m_hdr.h_exchange, IKEV1_EXCH_MAIN);
	ck_assert_uint_eq(m.m_hdr.h_next, IKEV1_PLD_SA);
	ck_assert_uint_eq(m.m_sa.sa_doi, IKEV1_DOI_IPSEC);
	ck_assert_int_eq(m.m_sa.sa_nprop, 1);
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_proto, IKEV1_PROTO_ISAKMP);
	ck_assert_int_eq(m.m_sa.sa_prop[0].prop_ntr, 2);
	t = &m.m_sa.sa_prop[0].prop_tr[0];
	ck_assert_uint_eq(t->tr_id, IKEV1_KEY_IKE);
	ck_assert_uint_eq(t->tr_encr, IKEV1_ENCR_AES);
	ck_assert_uint_eq(t->tr_keylen, 256);
	ck_assert_uint_eq(t->tr_hash, IKEV1_HASH_SHA2_256);
	ck_assert_uint_eq(t->tr_auth, IKEV1_AUTH_PSK);
	ck_assert_uint_eq(t->tr_group, 14);
	ck_assert_uint_eq(t->tr_life_secs, 28800);
	ck_assert_uint_eq(t->tr_unknown_attr, 0);
	t = &m.m_sa.sa_prop[0].prop_tr[1];
	ck_assert_uint_eq(t->tr_num, 2);
	ck_assert_uint_eq(t->tr_encr, IKEV1_ENCR_3DES);
	ck_assert_uint_eq(t->tr_keylen, 0);
	ck_assert_uint_eq(t->tr_life_secs, 100000);	/* as a TLV */
	/* SAi_b: the SA body after the generic header. */
	ck_assert_ptr_eq(m.m_sa.sa_body, b->buf_data + IKEV1_HDR_LEN + 4);
	ck_assert_uint_eq(m.m_ke_len, 96);
	ck_assert_uint_eq(m.m_nonce_len, 32);
	ck_assert_int_eq(m.m_nid, 2);
	ck_assert_uint_eq(m.m_id[0].id_type, IKEV1_ID_IPV4_ADDR_SUBNET);
	ck_assert_uint_eq(m.m_id[0].id_proto, 17);
	ck_assert_uint_eq(m.m_id[0].id_port, 500);
	ck_assert_uint_eq(m.m_id[0].id_addr.s_addr, inet_addr("10.1.0.0"));
	ck_assert_uint_eq(m.m_id[0].id_addr2.s_addr,
	    inet_addr("255.255.255.0"));
	ck_assert_uint_eq(m.m_id[0].id_body_len, 12);
	ck_assert_uint_eq(m.m_id[1].id_len, 14);
	ck_assert_ptr_eq(m.m_hash, b->buf_data + hoff);
	ck_assert_uint_eq(m.m_hash_len, 20);
	ck_assert_ptr_eq(m.m_after_hash, b->buf_data + hoff + 20);
	ck_assert_uint_eq(m.m_after_hash_len, b->buf_len - hoff - 20);
	ck_assert_int_eq(m.m_nnotify, 1);
	ck_assert_uint_eq(m.m_notify[0].n_spi_len, 8);
	ck_assert_ptr_nonnull(ikev1_msg_notify(&m, IKEV1_N_INITIAL_CONTACT));
	ck_assert_ptr_null(ikev1_msg_notify(&m, IKEV1_N_R_U_THERE));
	ck_assert_int_eq(m.m_ndelete, 1);
	ck_assert_uint_eq(m.m_delete[0].d_nspi, 2);
	ck_assert_int_eq(m.m_nvid, 2);
	ck_assert(ikev1_msg_has_vid(&m, IKEV1_VID_DPD));
	ck_assert(ikev1_msg_has_vid(&m, IKEV1_VID_NATT_RFC3947));
	ck_assert(!ikev1_msg_has_vid(&m, IKEV1_VID_CISCO_UNITY));
	ck_assert_int_eq(m.m_nnatd, 2);
	ck_assert_uint_eq(m.m_chain_len, b->buf_len - IKEV1_HDR_LEN);
	ck_assert_uint_eq(m.m_pad_len, 0);
	ikev1_msg_describe(&m, desc, sizeof(desc));
	ck_assert_str_eq(desc, "SA KE No ID ID HASH N(INITIAL-CONTACT) D V V "
	    "NAT-D NAT-D");
	buf_free(b);
}
END_TEST

START_TEST(test_codec_roundtrip_phase2)
{
	static struct ikev1_msg	 m;
	const struct ikev1_transform *t;
	struct buf		*b;
	size_t			 hoff;

	b = codec_sample(IKEV1_EXCH_QUICK, 1, &hoff);
	ck_assert_uint_eq(hoff, IKEV1_HDR_LEN + 4);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_uint_eq(m.m_hdr.h_msgid, 0x11223344);
	ck_assert_uint_eq(m.m_order[0], IKEV1_PLD_HASH);
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_proto, IKEV1_PROTO_ESP);
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_spi_len, 4);
	ck_assert_mem_eq(m.m_sa.sa_prop[0].prop_spi, "\xc0\xff\xee\x01", 4);
	t = &m.m_sa.sa_prop[0].prop_tr[0];
	ck_assert_uint_eq(t->tr_id, IKEV1_ESP_AES);
	ck_assert_uint_eq(t->tr_keylen, 128);
	ck_assert_uint_eq(t->tr_auth_alg, IKEV1_AUTH_HMAC_SHA);
	ck_assert_uint_eq(t->tr_group, 14);
	ck_assert_uint_eq(t->tr_encap, IKEV1_ENCAP_UDP_TUNNEL);
	ck_assert_uint_eq(t->tr_life_secs, 3600);
	ck_assert_uint_eq(t->tr_life_kbytes, 4608000);
	ck_assert_uint_eq(t->tr_encr, 0);
	/* HASH(1) covers everything after the HASH payload. */
	ck_assert_ptr_eq(m.m_after_hash, b->buf_data + IKEV1_HDR_LEN + 24);
	ck_assert_uint_eq(m.m_after_hash_len, b->buf_len - IKEV1_HDR_LEN - 24);
	buf_free(b);
}
END_TEST

/*
 * Quick Mode transforms of RFC 4106 §8.1 (ESP AES-GCM 18, 19, 20 with a
 * Key Length attribute and no Authentication Algorithm) and RFC 4868
 * §2.1 (Authentication Algorithm 5, 6, 7 for ESP; AH IDs 5, 6, 7)
 * survive encoding and parsing.
 */
static const struct ikev1_p2_params p2_modern[] = {
	{ IKEV1_PROTO_ESP, IKEV1_ESP_AES_GCM_16, 0xc0ffee02, 256, 0, 20,
	    IKEV1_ENCAP_TUNNEL, 3600, 0, 0 },
	{ IKEV1_PROTO_ESP, IKEV1_ESP_AES_GCM_12, 0xc0ffee02, 192, 0, 0,
	    IKEV1_ENCAP_TUNNEL, 3600, 0, 0 },
	{ IKEV1_PROTO_ESP, IKEV1_ESP_AES_GCM_8, 0xc0ffee02, 128, 0, 19,
	    IKEV1_ENCAP_UDP_TUNNEL, 0, 0, IKEV1_ESN_64 },
	{ IKEV1_PROTO_ESP, IKEV1_ESP_AES, 0xc0ffee02, 256,
	    IKEV1_AUTH_HMAC_SHA2_384, 14, IKEV1_ENCAP_TUNNEL, 3600, 0, 0 },
	{ IKEV1_PROTO_ESP, IKEV1_ESP_AES, 0xc0ffee02, 128,
	    IKEV1_AUTH_HMAC_SHA2_512, 14, IKEV1_ENCAP_TUNNEL, 3600, 0, 0 },
	{ IKEV1_PROTO_AH, IKEV1_AH_SHA2_384, 0xc0ffee02, 0,
	    IKEV1_AUTH_HMAC_SHA2_384, 0, IKEV1_ENCAP_TUNNEL, 3600, 0, 0 },
	{ IKEV1_PROTO_AH, IKEV1_AH_SHA2_512, 0xc0ffee02, 0,
	    IKEV1_AUTH_HMAC_SHA2_512, 0, IKEV1_ENCAP_TUNNEL, 3600, 0,
	    IKEV1_ESN_64 },
};

START_TEST(test_codec_roundtrip_phase2_modern)
{
	static struct ikev1_msg		 m;
	const struct ikev1_p2_params	*p = &p2_modern[_i];
	const struct ikev1_transform	*t;
	static struct ikev1_sa		 sa;
	struct ikev1_hdr		 h;
	struct pld_writer		 w;
	struct buf			*b = buf_new(256);
	uint8_t				 nonce[16];
	size_t				 hoff;

	memset(nonce, 0x4e, sizeof(nonce));
	memset(&h, 0, sizeof(h));
	memcpy(h.h_icookie, cky_i, 8);
	memcpy(h.h_rcookie, cky_r, 8);
	h.h_exchange = IKEV1_EXCH_QUICK;
	h.h_msgid = 0x11223344;
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_hash(&w, NULL, 20, &hoff), 0);
	ck_assert_int_eq(ikev1_sa_p2_build(&sa, p, 1), 0);
	ck_assert_int_eq(ikev1_add_sa(&w, &sa), 0);
	ck_assert_int_eq(ikev1_add_nonce(&w, nonce, sizeof(nonce)), 0);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_proto, p->p2_proto);
	ck_assert_int_eq(m.m_sa.sa_prop[0].prop_ntr, 1);
	t = &m.m_sa.sa_prop[0].prop_tr[0];
	ck_assert_uint_eq(t->tr_id, p->p2_id);
	ck_assert_uint_eq(t->tr_keylen, p->p2_keylen);
	ck_assert_uint_eq(t->tr_auth_alg, p->p2_auth_alg);
	ck_assert_uint_eq(t->tr_group, p->p2_group);
	ck_assert_uint_eq(t->tr_encap, p->p2_encap);
	ck_assert_uint_eq(t->tr_life_secs, p->p2_life_secs);
	ck_assert_uint_eq(t->tr_esn, p->p2_esn);
	ck_assert_uint_eq(t->tr_unknown_attr, 0);
	buf_free(b);
}
END_TEST

/*
 * Proposal lists (issue 9): a phase 1 SA of three suites is one ISAKMP
 * proposal with transforms 1..3 (RFC 2409 §5); a Quick Mode SA of three
 * suites is three proposals numbered 1..3 (RFC 2408 §4.2), each with its
 * own transforms and the same SPI.  Both survive encoding and parsing.
 */
START_TEST(test_codec_proposal_lists)
{
	static struct ikev1_msg		 m;
	static struct ikev1_sa		 sa;
	static const struct ikev1_p1_params p1[3] = {
		{ IKEV1_ENCR_AES, 256, IKEV1_HASH_SHA2_256, IKEV1_AUTH_PSK, 14,
		    28800 },
		{ IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, IKEV1_AUTH_PSK, 2,
		    28800 },
		{ IKEV1_ENCR_3DES, 0, IKEV1_HASH_MD5, IKEV1_AUTH_PSK, 5,
		    28800 },
	};
	struct ikev1_p2_params		 p2[2];
	struct ikev1_hdr		 h;
	struct pld_writer		 w;
	struct buf			*b;
	int				 i, k;

	for (k = 0; k < 2; k++) {
		b = buf_new(512);
		memset(&h, 0, sizeof(h));
		memcpy(h.h_icookie, cky_i, 8);
		h.h_exchange = k == 0 ? IKEV1_EXCH_MAIN : IKEV1_EXCH_QUICK;
		ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
		if (k == 0)
			ck_assert_int_eq(ikev1_sa_p1_build(&sa, p1, 3), 0);
		else {
			memset(p2, 0, sizeof(p2));
			p2[0].p2_proto = IKEV1_PROTO_ESP;
			p2[0].p2_spi = 0xc0ffee03;
			p2[0].p2_encap = IKEV1_ENCAP_TUNNEL;
			p2[0].p2_group = 14;
			p2[0].p2_id = IKEV1_ESP_AES;
			p2[0].p2_keylen = 256;
			p2[0].p2_auth_alg = IKEV1_AUTH_HMAC_SHA2_256;
			ck_assert_int_eq(ikev1_sa_p2_build(&sa, p2, 1), 0);
			/* the second suite with esn either: two transforms */
			p2[0].p2_keylen = 128;
			p2[0].p2_auth_alg = IKEV1_AUTH_HMAC_SHA;
			p2[1] = p2[0];
			p2[0].p2_esn = IKEV1_ESN_64;
			ck_assert_int_eq(ikev1_sa_p2_add(&sa, p2, 2), 0);
			p2[0].p2_id = IKEV1_ESP_3DES;
			p2[0].p2_keylen = 0;
			p2[0].p2_esn = 0;
			p2[0].p2_auth_alg = IKEV1_AUTH_HMAC_MD5;
			ck_assert_int_eq(ikev1_sa_p2_add(&sa, p2, 1), 0);
		}
		ck_assert_int_eq(ikev1_add_sa(&w, &sa), 0);
		ikev1_hdr_set_length(b);
		ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m),
		    0);
		buf_free(b);
		if (k == 0) {
			ck_assert_int_eq(m.m_sa.sa_nprop, 1);
			ck_assert_int_eq(m.m_sa.sa_prop[0].prop_ntr, 3);
			for (i = 0; i < 3; i++) {
				ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].
				    tr_num, i + 1);
				ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].
				    tr_group, p1[i].p1_group);
				ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].
				    tr_encr, p1[i].p1_encr);
			}
			continue;
		}
		ck_assert_int_eq(m.m_sa.sa_nprop, 3);
		for (i = 0; i < 3; i++) {
			ck_assert_uint_eq(m.m_sa.sa_prop[i].prop_num, i + 1);
			ck_assert_uint_eq(m.m_sa.sa_prop[i].prop_proto,
			    IKEV1_PROTO_ESP);
			ck_assert_mem_eq(m.m_sa.sa_prop[i].prop_spi,
			    "\xc0\xff\xee\x03", 4);
			ck_assert_int_eq(m.m_sa.sa_prop[i].prop_ntr,
			    i == 1 ? 2 : 1);
		}
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_keylen, 256);
		ck_assert_uint_eq(m.m_sa.sa_prop[1].prop_tr[0].tr_esn,
		    IKEV1_ESN_64);
		ck_assert_uint_eq(m.m_sa.sa_prop[1].prop_tr[1].tr_esn, 0);
		ck_assert_uint_eq(m.m_sa.sa_prop[2].prop_tr[0].tr_id,
		    IKEV1_ESP_3DES);
	}
	/* no more proposals than a payload may hold */
	memset(&sa, 0, sizeof(sa));
	for (i = 0; i < IKEV1_MAX_PROPOSALS; i++)
		ck_assert_int_eq(ikev1_sa_p2_add(&sa, p2, 1), 0);
	ck_assert_int_eq(ikev1_sa_p2_add(&sa, p2, 1), -1);
}
END_TEST

/* Every strict prefix of the chain is rejected, padded or not. */
START_TEST(test_codec_truncated_rejected)
{
	static struct ikev1_msg	 m;
	struct buf		*b;
	size_t			 hoff, k, clen;
	uint8_t			 first;

	b = codec_sample(IKEV1_EXCH_QUICK, _i, &hoff);
	first = b->buf_data[16];
	clen = b->buf_len - IKEV1_HDR_LEN;
	for (k = 0; k < clen; k++) {
		memset(&m, 0, sizeof(m));
		ck_assert_msg(ikev1_pld_parse(first, b->buf_data +
		    IKEV1_HDR_LEN, k, 0, &m) == -1, "prefix %zu accepted", k);
		memset(&m, 0, sizeof(m));
		ck_assert_msg(ikev1_pld_parse(first, b->buf_data +
		    IKEV1_HDR_LEN, k, 1, &m) == -1, "prefix %zu accepted", k);
	}
	/* Whole datagrams cut short fail on the header length. */
	for (k = 0; k < b->buf_len; k++)
		ck_assert_int_eq(ikev1_msg_parse(b->buf_data, k, &m), -1);
	buf_free(b);
}
END_TEST

/*
 * Offsets of every generic header in the chain, including proposals and
 * transforms inside the SA, by walking the message we built.
 */
static size_t
codec_headers(const struct buf *b, size_t *offs, size_t max, size_t *sa_off)
{
	size_t	off = IKEV1_HDR_LEN, n = 0, p, t, pend;
	uint8_t	type = b->buf_data[16];

	*sa_off = 0;
	while (type != 0 && n < max) {
		offs[n++] = off;
		if (type == IKEV1_PLD_SA) {
			*sa_off = off;
			p = off + 12;		/* after DOI and situation */
			for (;;) {
				offs[n++] = p;
				pend = p + (b->buf_data[p + 2] << 8 |
				    b->buf_data[p + 3]);
				t = p + 8 + b->buf_data[p + 6];
				while (t < pend) {
					offs[n++] = t;
					t += b->buf_data[t + 2] << 8 |
					    b->buf_data[t + 3];
				}
				if (b->buf_data[p] == 0)
					break;
				p = pend;
			}
		}
		type = b->buf_data[off];
		off += b->buf_data[off + 2] << 8 | b->buf_data[off + 3];
	}
	return (n);
}

/* Every payload, proposal and transform length off by one or more. */
START_TEST(test_codec_bad_lengths_rejected)
{
	static struct ikev1_msg	 m;
	static const int	 delta[] = { -1, 1, -4, 4 };
	struct buf		*b, *c;
	size_t			 offs[64], n, i, j, hoff, sa_off;
	uint16_t		 len;

	b = codec_sample(IKEV1_EXCH_QUICK, _i, &hoff);
	n = codec_headers(b, offs, 60, &sa_off);
	ck_assert_uint_ge(n, 14);
	for (i = 0; i < n; i++) {
		len = (uint16_t)(b->buf_data[offs[i] + 2] << 8 |
		    b->buf_data[offs[i] + 3]);
		for (j = 0; j < sizeof(delta) / sizeof(delta[0]); j++) {
			c = buf_dup(b);
			buf_set_u16(c, offs[i] + 2, (uint16_t)(len + delta[j]));
			ck_assert_msg(ikev1_msg_parse(c->buf_data, c->buf_len,
			    &m) == -1, "length %u%+d at %zu accepted", len,
			    delta[j], offs[i]);
			buf_free(c);
		}
	}
	/* Header lengths smaller than the generic header. */
	for (i = 0; i < n; i++) {
		c = buf_dup(b);
		buf_set_u16(c, offs[i] + 2, 3);
		ck_assert_int_eq(ikev1_msg_parse(c->buf_data, c->buf_len, &m),
		    -1);
		buf_free(c);
	}
	buf_free(b);
}
END_TEST

/* Corruptions inside the SA payload (offsets from the SA header). */
static const struct {
	const char	*what;
	size_t		 off;		/* from the SA payload's start */
	int		 delta;		/* added to the byte */
} sa_bad[] = {
	{ "transform count +1", 4 + 8 + 7, 1 },
	{ "transform count -1", 4 + 8 + 7, -1 },
	{ "transform count 0", 4 + 8 + 7, -2 },
	{ "proposal says more follow", 4 + 8, IKEV1_PLD_P },
	{ "transform next payload bogus", 4 + 8 + 8, 5 },
	{ "DOI 2", 3, 1 },
	{ "situation 3", 11, 2 },
	{ "SPI size 1", 4 + 8 + 6, 1 },
};

START_TEST(test_codec_sa_counts_rejected)
{
	static struct ikev1_msg	 m;
	struct buf		*b;
	size_t			 hoff, offs[64], sa_off;

	b = codec_sample(IKEV1_EXCH_MAIN, 0, &hoff);
	(void)codec_headers(b, offs, 60, &sa_off);
	ck_assert_uint_eq(sa_off, IKEV1_HDR_LEN);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	b->buf_data[sa_off + sa_bad[_i].off] += sa_bad[_i].delta;
	ck_assert_msg(ikev1_msg_parse(b->buf_data, b->buf_len, &m) == -1,
	    "%s accepted", sa_bad[_i].what);
	buf_free(b);
}
END_TEST

/* A transform body from raw attribute bytes, inside a minimal SA. */
static int
codec_attrs_parse(const uint8_t *attrs, size_t alen, uint8_t proto,
    struct ikev1_msg *m)
{
	uint8_t	chain[128];
	size_t	n = 0, tlen = 8 + alen, plen = 8 + (proto == 1 ? 0 : 4) + tlen;

	ck_assert_uint_le(12 + plen, sizeof(chain));
	/* SA generic header, DOI, situation */
	chain[n++] = 0; chain[n++] = 0;
	chain[n++] = (uint8_t)((12 + plen) >> 8);
	chain[n++] = (uint8_t)(12 + plen);
	memcpy(chain + n, "\0\0\0\1\0\0\0\1", 8); n += 8;
	/* proposal */
	chain[n++] = 0; chain[n++] = 0;
	chain[n++] = (uint8_t)(plen >> 8); chain[n++] = (uint8_t)plen;
	chain[n++] = 1; chain[n++] = proto; chain[n++] = proto == 1 ? 0 : 4;
	chain[n++] = 1;
	if (proto != 1) {
		memcpy(chain + n, "SPI!", 4);
		n += 4;
	}
	/* transform */
	chain[n++] = 0; chain[n++] = 0;
	chain[n++] = (uint8_t)(tlen >> 8); chain[n++] = (uint8_t)tlen;
	chain[n++] = 1; chain[n++] = 1; chain[n++] = 0; chain[n++] = 0;
	memcpy(chain + n, attrs, alen);
	n += alen;
	memset(m, 0, sizeof(*m));
	return (ikev1_pld_parse(IKEV1_PLD_SA, chain, n, 0, m));
}

static const struct {
	const char	*what;
	uint8_t		 proto;
	const char	*hex;
	int		 ok;
	uint32_t	 life;		/* expected tr_life_secs */
	uint16_t	 unknown;	/* expected tr_unknown_attr */
} attr_vec[] = {
	{ "TV life", 1, "800b0001800c7080", 1, 28800, 0 },
	{ "TLV life 4", 1, "800b0001000c000400015180", 1, 86400, 0 },
	{ "TLV life 1", 1, "800b0001000c000178", 1, 120, 0 },
	{ "TLV life 8 zeros", 1, "800b0001000c00080000000000000010", 1, 16, 0 },
	{ "TLV life 8 huge", 1, "800b0001000c00080000000100000000", 1,
	    UINT32_MAX, 0 },
	{ "TLV life 0 bytes", 1, "800b0001000c0000", 0, 0, 0 },
	{ "TLV past end", 1, "800b0001000c0005000151", 0, 0, 0 },
	{ "half attribute", 1, "800b", 0, 0, 0 },
	{ "duration without type", 1, "800c7080", 0, 0, 0 },
	{ "TLV encr", 1, "0001000100", 0, 0, 0 },
	{ "unknown class", 1, "80100001", 1, 0, 16 },
	{ "unknown TLV class", 1, "0010000201ff", 1, 0, 16 },
	{ "unknown life type", 1, "800b0003800c0010", 1, 0, 11 },
	{ "p2 life", 3, "80010001800200ff80040001", 1, 255, 0 },
	{ "p2 TLV auth alg", 3, "000500020002", 0, 0, 0 },
	{ "p2 key rounds", 3, "80070001", 1, 0, 7 },
};

START_TEST(test_codec_attributes)
{
	static struct ikev1_msg	m;
	uint8_t			attrs[64];
	size_t			alen;
	int			rc;

	alen = unhex(attr_vec[_i].hex, attrs, sizeof(attrs));
	rc = codec_attrs_parse(attrs, alen, attr_vec[_i].proto, &m);
	ck_assert_msg(rc == (attr_vec[_i].ok ? 0 : -1), "%s: %d",
	    attr_vec[_i].what, rc);
	if (rc == 0) {
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_life_secs,
		    attr_vec[_i].life);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_unknown_attr,
		    attr_vec[_i].unknown);
	}
}
END_TEST

/*
 * Life type kilobytes in a Quick Mode transform (RFC 2407 §4.5: life
 * type 2; the duration a basic or a variable-length attribute of any
 * length the payload holds), alone or with seconds in either order.
 */
static const struct {
	const char	*what;
	const char	*hex;
	int		 ok;
	uint32_t	 secs;
	uint64_t	 kbytes;
} kb_vec[] = {
	{ "KB TV", "8001000280020400", 1, 0, 1024 },
	{ "KB TLV 4 (Cisco's default)", "80010002000200040046500080040001",
	    1, 0, 4608000 },
	{ "KB TLV 8", "80010002000200080000000100000000", 1, 0,
	    4294967296ULL },
	{ "KB TLV 12, leading zeros", "800100020002000c"
	    "000000000000000100000001", 1, 0, 4294967297ULL },
	{ "KB TLV 9, 2^64: saturates", "8001000200020009"
	    "010000000000000000", 1, 0, UINT64_MAX },
	{ "KB TLV 16 huge: saturates", "8001000200020010"
	    "ffffffffffffffffffffffffffffffff", 1, 0, UINT64_MAX },
	{ "seconds then KB", "8001000180020e10800100020002000400465000", 1,
	    3600, 4608000 },
	{ "KB then seconds", "800100020002000400465000800100018002"
	    "7080", 1, 28800, 4608000 },
	{ "KB duration past the end", "800100020002000800000001", 0, 0, 0 },
	{ "KB duration empty", "8001000200020000", 0, 0, 0 },
	{ "KB duration without type", "0002000400465000", 0, 0, 0 },
	{ "KB type as TLV", "0001000200020400", 0, 0, 0 },
};

START_TEST(test_codec_life_kbytes)
{
	static struct ikev1_msg	 m;
	uint8_t			 attrs[64];
	size_t			 alen;
	int			 rc;

	alen = unhex(kb_vec[_i].hex, attrs, sizeof(attrs));
	rc = codec_attrs_parse(attrs, alen, IKEV1_PROTO_ESP, &m);
	ck_assert_msg(rc == (kb_vec[_i].ok ? 0 : -1), "%s: %d",
	    kb_vec[_i].what, rc);
	if (rc == 0) {
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_life_secs,
		    kb_vec[_i].secs);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_life_kbytes,
		    kb_vec[_i].kbytes);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_unknown_attr,
		    0);
	}
}
END_TEST

/*
 * Kilobytes written by ikev1_sa_p2_build/ikev1_add_sa come back the same:
 * basic up to 65535, a 4-byte TLV up to 2^32 - 1, an 8-byte one above;
 * with or without seconds.
 */
START_TEST(test_codec_roundtrip_life_kbytes)
{
	static const struct {
		uint32_t	 secs;
		uint64_t	 kb;
		size_t		 attr_len;	/* both life attributes */
	} v[] = {
		{ 3600, 4608000, 8 + 12 },
		{ 0, 100, 8 },
		{ 86400, 65535, 12 + 8 },
		{ 3600, 65536, 8 + 12 },
		{ 0, 4294967295ULL, 12 },
		{ 3600, 4294967296ULL, 8 + 16 },
		{ 0, 976562500000000ULL, 16 },		/* 10^18 bytes */
	};
	static struct ikev1_msg		 m;
	static struct ikev1_sa		 sa;
	struct ikev1_p2_params		 p;
	const struct ikev1_transform	*t;
	struct ikev1_hdr		 h;
	struct pld_writer		 w;
	struct buf			*b, *attrs;
	uint8_t				 nonce[16];
	uint32_t			 secs;
	uint64_t			 kb;
	size_t				 hoff, i;

	memset(nonce, 0x4e, sizeof(nonce));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.p2_proto = IKEV1_PROTO_ESP;
		p.p2_id = IKEV1_ESP_AES;
		p.p2_spi = 0xc0ffee03;
		p.p2_keylen = 128;
		p.p2_auth_alg = IKEV1_AUTH_HMAC_SHA;
		p.p2_encap = IKEV1_ENCAP_TUNNEL;
		p.p2_life_secs = v[i].secs;
		p.p2_life_kbytes = v[i].kb;
		b = buf_new(256);
		memset(&h, 0, sizeof(h));
		memcpy(h.h_icookie, cky_i, 8);
		memcpy(h.h_rcookie, cky_r, 8);
		h.h_exchange = IKEV1_EXCH_QUICK;
		h.h_msgid = 0x11223344;
		ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
		ck_assert_int_eq(ikev1_add_hash(&w, NULL, 20, &hoff), 0);
		ck_assert_int_eq(ikev1_sa_p2_build(&sa, &p, 1), 0);
		ck_assert_int_eq(ikev1_add_sa(&w, &sa), 0);
		ck_assert_int_eq(ikev1_add_nonce(&w, nonce, sizeof(nonce)), 0);
		ikev1_hdr_set_length(b);
		ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m),
		    0);
		t = &m.m_sa.sa_prop[0].prop_tr[0];
		ck_assert_uint_eq(t->tr_life_secs, v[i].secs);
		ck_assert_uint_eq(t->tr_life_kbytes, v[i].kb);
		ck_assert_uint_eq(t->tr_keylen, 128);
		ck_assert_uint_eq(t->tr_unknown_attr, 0);
		buf_free(b);
		/* the same attributes alone (RESPONDER-LIFETIME data) */
		attrs = buf_new(32);
		ck_assert_int_eq(ikev1_life_attrs_write(attrs, v[i].secs,
		    v[i].kb), 0);
		ck_assert_uint_eq(attrs->buf_len, v[i].attr_len);
		ck_assert_int_eq(ikev1_life_attrs_parse(attrs->buf_data,
		    attrs->buf_len, &secs, &kb), 0);
		ck_assert_uint_eq(secs, v[i].secs);
		ck_assert_uint_eq(kb, v[i].kb);
		/* every strict prefix that cuts an attribute is refused */
		for (hoff = 1; hoff < attrs->buf_len; hoff++) {
			if (ikev1_life_attrs_parse(attrs->buf_data, hoff,
			    &secs, &kb) == 0)
				/* only at an attribute boundary */
				ck_assert(hoff % 4 == 0);
		}
		buf_free(attrs);
	}
}
END_TEST

/* RESPONDER-LIFETIME data that lies: refused, not read past its end. */
START_TEST(test_codec_life_attrs_malformed)
{
	static const char *const bad[] = {
		"8001",					/* half */
		"80010002000200080000",			/* past the end */
		"0002000400465000",			/* no type */
		"000100020002",				/* TLV type */
		"800100020002000000",			/* empty */
	};
	uint8_t		 d[64];
	size_t		 n, i;
	uint32_t	 secs;
	uint64_t	 kb;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = unhex(bad[i], d, sizeof(d));
		ck_assert_msg(ikev1_life_attrs_parse(d, n, &secs, &kb) == -1,
		    "%s accepted", bad[i]);
	}
	/* other attributes are skipped; an unknown life type ignored */
	n = unhex("800400018001000380020010800100028002ffff", d, sizeof(d));
	ck_assert_int_eq(ikev1_life_attrs_parse(d, n, &secs, &kb), 0);
	ck_assert_uint_eq(secs, 0);
	ck_assert_uint_eq(kb, 65535);
	ck_assert_int_eq(ikev1_life_attrs_parse(d, 0, &secs, &kb), 0);
	ck_assert_uint_eq(kb, 0);
}
END_TEST

/*
 * RFC 4304 §2: the Quick Mode attribute Extended (64-bit) Sequence Number,
 * class 11, basic, value 1.  Another value is an attribute we do not
 * understand (the transform is never chosen); a variable-length form is
 * malformed.  In phase 1, class 11 stays the life type.
 */
static const struct {
	const char	*ev_what;
	uint8_t		 ev_proto;
	const char	*ev_hex;
	int		 ev_ok;
	uint16_t	 ev_esn, ev_unknown;
} esn_attr_vec[] = {
	{ "ESN", 3, "800b0001", 1, IKEV1_ESN_64, 0 },
	{ "ESN with others", 3, "80010001800200ff800b000180040001", 1,
	    IKEV1_ESN_64, 0 },
	{ "ESN in AH", 2, "800b0001", 1, IKEV1_ESN_64, 0 },
	{ "ESN 0 (reserved)", 3, "800b0000", 1, 0, IKEV1_P2_ESN },
	{ "ESN 2", 3, "800b0002", 1, 0, IKEV1_P2_ESN },
	{ "ESN as a TLV", 3, "000b00020001", 0, 0, 0 },
	{ "phase 1 class 11 is the life type", 1, "800b0001800c7080", 1, 0,
	    0 },
};

START_TEST(test_codec_esn_attribute)
{
	static struct ikev1_msg	m;
	uint8_t			attrs[64];
	size_t			alen;
	int			rc;

	alen = unhex(esn_attr_vec[_i].ev_hex, attrs, sizeof(attrs));
	rc = codec_attrs_parse(attrs, alen, esn_attr_vec[_i].ev_proto, &m);
	ck_assert_msg(rc == (esn_attr_vec[_i].ev_ok ? 0 : -1), "%s: %d",
	    esn_attr_vec[_i].ev_what, rc);
	if (rc != 0)
		return;
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_esn,
	    esn_attr_vec[_i].ev_esn);
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_unknown_attr,
	    esn_attr_vec[_i].ev_unknown);
}
END_TEST

/* Our Quick Mode offer with esn either: the ESN transform, then the
 * same without, survive writing and parsing; the attribute's bytes. */
START_TEST(test_codec_roundtrip_esn)
{
	static struct ikev1_msg		 m;
	static struct ikev1_sa		 sa;
	struct ikev1_p2_params		 p[2];
	struct ikev1_hdr		 h;
	struct pld_writer		 w;
	struct buf			*b = buf_new(256);
	uint8_t				 nonce[16];
	size_t				 hoff;
	int				 i;

	memset(p, 0, sizeof(p));
	p[0].p2_proto = IKEV1_PROTO_ESP;
	p[0].p2_id = IKEV1_ESP_AES;
	p[0].p2_spi = 0xc0ffee03;
	p[0].p2_keylen = 128;
	p[0].p2_auth_alg = IKEV1_AUTH_HMAC_SHA2_256;
	p[0].p2_group = 14;
	p[0].p2_encap = IKEV1_ENCAP_TUNNEL;
	p[0].p2_life_secs = 3600;
	p[1] = p[0];
	p[0].p2_esn = IKEV1_ESN_64;
	memset(nonce, 0x4e, sizeof(nonce));
	memset(&h, 0, sizeof(h));
	memcpy(h.h_icookie, cky_i, 8);
	memcpy(h.h_rcookie, cky_r, 8);
	h.h_exchange = IKEV1_EXCH_QUICK;
	h.h_msgid = 0x11223344;
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_hash(&w, NULL, 20, &hoff), 0);
	ck_assert_int_eq(ikev1_sa_p2_build(&sa, p, 2), 0);
	ck_assert_int_eq(ikev1_add_sa(&w, &sa), 0);
	ck_assert_int_eq(ikev1_add_nonce(&w, nonce, sizeof(nonce)), 0);
	ikev1_hdr_set_length(b);
	/* the attribute once, as a basic one: AF | 11, value 1 */
	ck_assert_ptr_nonnull(memmem(b->buf_data, b->buf_len,
	    "\x80\x0b\x00\x01", 4));
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_int_eq(m.m_sa.sa_prop[0].prop_ntr, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].tr_num, i + 1);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].tr_esn,
		    p[i].p2_esn);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].tr_auth_alg,
		    IKEV1_AUTH_HMAC_SHA2_256);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].tr_group, 14);
		ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[i].tr_unknown_attr,
		    0);
	}
	buf_free(b);
}
END_TEST

START_TEST(test_codec_trailing_and_padding)
{
	static struct ikev1_msg	 m;
	struct buf		*b;
	size_t			 hoff, clen;
	uint8_t			 first;

	b = codec_sample(IKEV1_EXCH_MAIN, 0, &hoff);
	first = b->buf_data[16];
	clen = b->buf_len - IKEV1_HDR_LEN;
	ck_assert_int_eq(buf_add_zero(b, 256), 0);
	/* Cleartext: any trailing byte is an error. */
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ikev1_pld_parse(first, b->buf_data + IKEV1_HDR_LEN,
	    clen + 1, 0, &m), -1);
	/* Decrypted: up to 255 bytes of padding. */
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ikev1_pld_parse(first, b->buf_data + IKEV1_HDR_LEN,
	    clen + 255, 1, &m), 0);
	ck_assert_uint_eq(m.m_chain_len, clen);
	ck_assert_uint_eq(m.m_pad_len, 255);
	ck_assert_uint_eq(m.m_after_hash_len, clen - (hoff + 20 -
	    IKEV1_HDR_LEN));
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ikev1_pld_parse(first, b->buf_data + IKEV1_HDR_LEN,
	    clen + 256, 1, &m), -1);
	/* Datagram with a trailing byte the header does not count. */
	b->buf_len = clen + IKEV1_HDR_LEN + 1;
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	buf_free(b);
}
END_TEST

START_TEST(test_codec_header_rejected)
{
	static struct ikev1_msg	 m;
	struct buf		*b;
	size_t			 hoff;

	b = codec_sample(IKEV1_EXCH_MAIN, 0, &hoff);
	b->buf_data[17] = 0x20;		/* IKEv2 */
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	b->buf_data[17] = 0x10;
	b->buf_data[16] = IKEV1_PLD_P;	/* P outside SA */
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	b->buf_data[16] = 15;		/* unknown type */
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	b->buf_data[16] = IKEV1_PLD_SA;
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	/* E flag: only the header is parsed. */
	b->buf_data[19] = IKEV1_FLAG_ENC;
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_int_eq(m.m_npld, 0);
	buf_free(b);
}
END_TEST

static const struct {
	uint8_t		 id_type;
	size_t		 len;
	int		 ok;
} id_vec[] = {
	{ IKEV1_ID_IPV4_ADDR, 4, 1 }, { IKEV1_ID_IPV4_ADDR, 5, 0 },
	{ IKEV1_ID_IPV4_ADDR_SUBNET, 8, 1 },
	{ IKEV1_ID_IPV4_ADDR_SUBNET, 4, 0 },
	{ IKEV1_ID_IPV4_ADDR_RANGE, 8, 1 }, { IKEV1_ID_IPV6_ADDR, 16, 1 },
	{ IKEV1_ID_IPV6_ADDR, 4, 0 }, { IKEV1_ID_FQDN, 1, 1 },
	{ IKEV1_ID_FQDN, 0, 0 },
};

START_TEST(test_codec_id_lengths)
{
	static struct ikev1_msg	 m;
	struct ikev1_hdr	 h;
	struct pld_writer	 w;
	struct buf		*b = buf_new(64);
	uint8_t			 data[32];

	memset(&h, 0, sizeof(h));
	memset(data, 7, sizeof(data));
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_id(&w, id_vec[_i].id_type, 0, 0, data,
	    id_vec[_i].len), 0);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m),
	    id_vec[_i].ok ? 0 : -1);
	buf_free(b);
}
END_TEST

START_TEST(test_codec_limits)
{
	static struct ikev1_msg	 m;
	struct ikev1_hdr	 h;
	struct pld_writer	 w;
	struct buf		*b = buf_new(64);
	uint8_t			 v[16];
	int			 i;

	memset(&h, 0, sizeof(h));
	memset(v, 1, sizeof(v));
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	for (i = 0; i < IKEV1_MAX_VID; i++)
		ck_assert_int_eq(ikev1_add_vendor(&w, v, 16), 0);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_int_eq(m.m_nvid, IKEV1_MAX_VID);
	ck_assert_int_eq(m.m_vid[0].v_kind, IKEV1_VID_UNKNOWN);
	ck_assert_int_eq(ikev1_add_vendor(&w, v, 16), 0);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	/* Nonces: 8 to 256 bytes (RFC 2409 §5). */
	buf_reset(b);
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_nonce(&w, v, 7), 0);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	/* Delete with an SPI count that disagrees with the length. */
	buf_reset(b);
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_delete(&w, IKEV1_PROTO_ESP, 4, 2, v), 0);
	buf_set_u16(b, IKEV1_HDR_LEN + 4 + 6, 3);
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	/* Notify whose SPI size runs past the payload. */
	buf_reset(b);
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_notify(&w, 1, v, 4, IKEV1_N_R_U_THERE,
	    NULL, 0), 0);
	b->buf_data[IKEV1_HDR_LEN + 4 + 5] = 5;
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), -1);
	buf_free(b);
}
END_TEST

START_TEST(test_codec_vid_classify)
{
	uint8_t	u[16];

	ck_assert_int_eq(ikev1_vid_classify(ikev1_vid_dpd, 16), IKEV1_VID_DPD);
	ck_assert_int_eq(ikev1_vid_classify(ikev1_vid_natt_rfc3947, 16),
	    IKEV1_VID_NATT_RFC3947);
	ck_assert_int_eq(ikev1_vid_classify(ikev1_vid_natt_draft02, 16),
	    IKEV1_VID_NATT_DRAFT_02);
	ck_assert_int_eq(ikev1_vid_classify(ikev1_vid_natt_draft02n, 16),
	    IKEV1_VID_NATT_DRAFT_02);
	ck_assert_int_eq(ikev1_vid_classify(ikev1_vid_natt_draft03, 16),
	    IKEV1_VID_NATT_DRAFT_03);
	memcpy(u, ikev1_vid_cisco_unity, 16);
	u[14] = 7;
	u[15] = 9;
	ck_assert_int_eq(ikev1_vid_classify(u, 16), IKEV1_VID_CISCO_UNITY);
	u[13] ^= 1;
	ck_assert_int_eq(ikev1_vid_classify(u, 16), IKEV1_VID_UNKNOWN);
	ck_assert_int_eq(ikev1_vid_classify(ikev1_vid_dpd, 15),
	    IKEV1_VID_UNKNOWN);
}
END_TEST

/* ikev1_encrypt -> ikev1_msg_open, with IV chaining on both sides. */
START_TEST(test_codec_encrypt_roundtrip)
{
	static struct ikev1_msg	 m;
	static const int	 encr[2] = { ENCR_AES_CBC, ENCR_3DES };
	struct buf		*b, *out = buf_new(0), *plain;
	uint8_t			 key[32], ivs[16], ivr[16];
	size_t			 hoff, bs, klen;

	memset(key, 0x3c, sizeof(key));
	memset(ivs, 0x11, sizeof(ivs));
	memcpy(ivr, ivs, sizeof(ivr));
	bs = encr_block_len(encr[_i]);
	klen = encr_key_len(encr[_i], _i == 0 ? 256 : 0);
	b = codec_sample(IKEV1_EXCH_QUICK, 1, &hoff);
	plain = buf_dup(b);
	ck_assert_int_eq(ikev1_encrypt(encr[_i], key, klen, ivs, b), 0);
	ck_assert_uint_eq((b->buf_len - IKEV1_HDR_LEN) % bs, 0);
	ck_assert(b->buf_data[19] & IKEV1_FLAG_ENC);
	ck_assert_mem_eq(ivs, b->buf_data + b->buf_len - bs, bs);
	ck_assert_int_ne(memcmp(b->buf_data + IKEV1_HDR_LEN, plain->buf_data +
	    IKEV1_HDR_LEN, 16), 0);
	ck_assert_int_eq(ikev1_msg_parse(b->buf_data, b->buf_len, &m), 0);
	ck_assert_int_eq(m.m_npld, 0);		/* E: the header only */
	ck_assert_int_eq(ikev1_msg_open(&m, b->buf_data, b->buf_len, encr[_i],
	    key, klen, ivr, out), 0);
	ck_assert_mem_eq(ivr, ivs, bs);
	ck_assert_mem_eq(out->buf_data, plain->buf_data + IKEV1_HDR_LEN,
	    plain->buf_len - IKEV1_HDR_LEN);
	ck_assert_uint_eq(m.m_pad_len, out->buf_len - (plain->buf_len -
	    IKEV1_HDR_LEN));
	ck_assert_uint_eq(m.m_sa.sa_prop[0].prop_tr[0].tr_life_kbytes,
	    4608000);
	/* A wrong key garbles the chain: no parse, IV left as it was. */
	memcpy(ivr, "0123456789abcdef", 16);
	key[0] ^= 1;
	ck_assert_int_eq(ikev1_msg_open(&m, b->buf_data, b->buf_len, encr[_i],
	    key, klen, ivr, out), -1);
	ck_assert_mem_eq(ivr, "0123456789abcdef", bs);
	/* m keeps its header, none of the garbled chain */
	ck_assert_int_eq(m.m_npld, 0);
	ck_assert_int_eq(m.m_nnotify, 0);
	ck_assert_ptr_null(m.m_sa.sa_body);
	ck_assert(m.m_hdr.h_flags & IKEV1_FLAG_ENC);
	ck_assert_uint_eq(m.m_hdr.h_length, b->buf_len);
	/* a header that is not this datagram's is refused */
	memcpy(ivr, ivs, bs);
	key[0] ^= 1;
	m.m_hdr.h_length--;
	ck_assert_int_eq(ikev1_msg_open(&m, b->buf_data, b->buf_len, encr[_i],
	    key, klen, ivr, out), -1);
	ck_assert_mem_eq(ivr, ivs, bs);
	m.m_hdr.h_length++;
	/* A body that is not a block multiple is refused. */
	b->buf_len--;
	ikev1_hdr_set_length(b);
	ck_assert_int_eq(ikev1_decrypt(encr[_i], key, klen, ivr, b->buf_data,
	    b->buf_len, out), -1);
	buf_free(plain);
	buf_free(b);
	buf_free(out);
}
END_TEST

/* --- captures --- */

/* Expected per capture, checked against tshark's decryption. */
static const struct {
	const char	*cap;
	int		 nmsg;
	int		 nenc;
	uint16_t	 encr;		/* IKEv1 phase 1 values */
	uint16_t	 keylen;
	uint16_t	 hash;
	uint16_t	 group;
	int		 nhash_auth;	/* HASH_I/HASH_R verified */
	const char	*desc[9];
} captures[] = {
	{ "b-ikev1-main-psk", 9, 5, IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, 2,
	    2, {
	    "SA V V V V V", "SA V V V V", "KE No NAT-D NAT-D",
	    "KE No NAT-D NAT-D", "ID HASH N(INITIAL-CONTACT)", "ID HASH",
	    "HASH SA No KE ID ID", "HASH SA No KE ID ID", "HASH" } },
	{ "c-ikev1-aggr-psk", 6, 4, IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, 2,
	    2, {
	    "SA KE No ID V V V V V", "SA KE No ID V V V V NAT-D NAT-D HASH",
	    "HASH NAT-D NAT-D", "HASH SA No KE ID ID",
	    "HASH SA No KE ID ID", "HASH" } },
	{ "ikev1-main-aes256-sha1-modp2048", 9, 5, IKEV1_ENCR_AES, 256,
	    IKEV1_HASH_SHA, 14, 2, {
	    "SA V V V V V", "SA V V V V", "KE No NAT-D NAT-D",
	    "KE No NAT-D NAT-D", "ID HASH N(INITIAL-CONTACT)", "ID HASH",
	    "HASH SA No KE ID ID", "HASH SA No KE ID ID", "HASH" } },
	{ "ikev1-main-3des-md5-modp1024", 9, 5, IKEV1_ENCR_3DES, 0,
	    IKEV1_HASH_MD5, 2, 2, {
	    "SA V V V V V", "SA V V V V", "KE No NAT-D NAT-D",
	    "KE No NAT-D NAT-D", "ID HASH N(INITIAL-CONTACT)", "ID HASH",
	    "HASH SA No KE ID ID", "HASH SA No KE ID ID", "HASH" } },
};

/* Reads Wireshark's ikev1_decryption_table: icookie,key. */
static size_t
cap_key_load(const char *cap, uint8_t icky[8], uint8_t *key)
{
	char	 path[512], line[256], *comma;
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s/ikev1_decryption_table", CAP_DIR,
	    cap);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	ck_assert_ptr_nonnull(comma = strchr(line, ','));
	*comma = '\0';
	ck_assert_uint_eq(unhex(line, icky, 8), 8);
	return (unhex(comma + 1, key, CRYPTO_MAX_KEY));
}

/* The SPIs of esp_sa (one per direction), host order. */
static int
cap_esp_spis(const char *cap, uint32_t *spis, int max)
{
	char	 path[512], line[512], *p;
	FILE	*fp;
	int	 n = 0;

	snprintf(path, sizeof(path), "%s/%s/esp_sa", CAP_DIR, cap);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		ck_assert_ptr_nonnull(p = strstr(line, "\"0x"));
		spis[n++] = (uint32_t)strtoul(p + 1, NULL, 16);
	}
	fclose(fp);
	return (n);
}

static void
cap_corpus_write(const char *cap, unsigned int frame, const char *tag,
    const uint8_t *data, size_t len)
{
	const char	*dir = getenv("GW_CORPUS_DIR");
	char		 path[512];
	FILE		*fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s-%u%s", dir, cap, frame, tag);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* The decrypted message with E cleared and the padding dropped. */
static void
cap_corpus_plain(const char *cap, const struct pcap_udp *u,
    const struct ikev1_msg *m, const struct buf *out)
{
	struct buf	*b;

	if (getenv("GW_CORPUS_DIR") == NULL)
		return;
	ck_assert_ptr_nonnull(b = buf_new_data(u->pu_data, IKEV1_HDR_LEN));
	ck_assert_int_eq(buf_add(b, out->buf_data, m->m_chain_len), 0);
	buf_set_u8(b, 19, b->buf_data[19] & ~IKEV1_FLAG_ENC);
	ikev1_hdr_set_length(b);
	cap_corpus_write(cap, u->pu_frame, "-plain", b->buf_data, b->buf_len);
	buf_free(b);
}

struct cap_state {
	int		 prf, encr;
	size_t		 bs, klen;
	uint8_t		 key[CRYPTO_MAX_KEY], icky[8], rcky[8];
	uint8_t		 iv[CRYPTO_MAX_BLOCK], last_p1[CRYPTO_MAX_BLOCK];
	int		 p1_iv_set;
	uint32_t	 qm_msgid;
	struct buf	*sai_b, *gxi, *gxr, *ni, *nr, *idi, *idr;
	uint32_t	 qm_spis[4];
	int		 nqm_spis;
	int		 nhash_auth;
};

static void
cap_keep(struct buf **dst, const uint8_t *p, size_t len)
{
	if (p == NULL || *dst != NULL)
		return;
	ck_assert_ptr_nonnull(*dst = buf_new_data(p, len));
}

/* Phase 1 HASH_I/HASH_R (RFC 2409 §5) with the lab PSK. */
static void
cap_hash_auth_check(struct cap_state *st, int from_init,
    const struct ikev1_msg *m)
{
	uint8_t		 skeyid[CRYPTO_MAX_HASH], h[CRYPTO_MAX_HASH];
	struct buf	*id = from_init ? st->idi : st->idr;

	ck_assert_ptr_nonnull(st->ni);
	ck_assert_ptr_nonnull(st->nr);
	ck_assert_ptr_nonnull(st->gxi);
	ck_assert_ptr_nonnull(st->gxr);
	ck_assert_ptr_nonnull(id);
	ck_assert_int_eq(ikev1_skeyid_psk(st->prf, (const uint8_t *)LAB_PSK,
	    strlen(LAB_PSK), st->ni->buf_data, st->ni->buf_len,
	    st->nr->buf_data, st->nr->buf_len, skeyid), 0);
	ck_assert_int_eq(ikev1_hash_auth(st->prf, skeyid, prf_len(st->prf),
	    !from_init, st->gxi->buf_data, st->gxi->buf_len, st->gxr->buf_data,
	    st->gxr->buf_len, st->icky, st->rcky, st->sai_b->buf_data,
	    st->sai_b->buf_len, id->buf_data, id->buf_len, h), 0);
	ck_assert_uint_eq(m->m_hash_len, prf_len(st->prf));
	ck_assert_mem_eq(h, m->m_hash, m->m_hash_len);
	st->nhash_auth++;
}

/* Quick Mode: IDs are the lab subnets, ESP with PFS, tunnel mode. */
static void
cap_qm_check(struct cap_state *st, const struct ikev1_msg *m, int group)
{
	const struct ikev1_proposal	*p;
	const struct ikev1_transform	*t;

	ck_assert_int_eq(m->m_nid, 2);
	ck_assert_uint_eq(m->m_id[0].id_type, IKEV1_ID_IPV4_ADDR_SUBNET);
	ck_assert_uint_eq(m->m_id[0].id_addr.s_addr, inet_addr("10.1.0.0"));
	ck_assert_uint_eq(m->m_id[0].id_addr2.s_addr,
	    inet_addr("255.255.255.0"));
	ck_assert_uint_eq(m->m_id[1].id_addr.s_addr, inet_addr("10.2.0.0"));
	p = &m->m_sa.sa_prop[0];
	ck_assert_uint_eq(p->prop_proto, IKEV1_PROTO_ESP);
	ck_assert_uint_eq(p->prop_spi_len, 4);
	t = &p->prop_tr[0];
	ck_assert_uint_eq(t->tr_encap, IKEV1_ENCAP_TUNNEL);
	ck_assert_uint_eq(t->tr_group, group);
	ck_assert_uint_ne(t->tr_auth_alg, 0);
	ck_assert_uint_eq(t->tr_unknown_attr, 0);
	ck_assert_int_lt(st->nqm_spis, 4);
	st->qm_spis[st->nqm_spis++] = (uint32_t)p->prop_spi[0] << 24 |
	    (uint32_t)p->prop_spi[1] << 16 | (uint32_t)p->prop_spi[2] << 8 |
	    p->prop_spi[3];
	/* HASH(1)/(2) cover the rest of the chain, without padding. */
	ck_assert_ptr_eq(m->m_after_hash, m->m_hash + m->m_hash_len);
	ck_assert_uint_eq(m->m_after_hash_len, m->m_chain_len - 4 -
	    m->m_hash_len);
}

/* The cipher and key: from the responder's chosen phase 1 transform. */
static void
cap_cipher_setup(struct cap_state *st, const char *cap, int i,
    const struct ikev1_msg *m)
{
	const struct ikev1_transform	*t = &m->m_sa.sa_prop[0].prop_tr[0];
	uint8_t				 icky[8];

	ck_assert_int_eq(m->m_sa.sa_nprop, 1);
	ck_assert_int_eq(m->m_sa.sa_prop[0].prop_ntr, 1);
	ck_assert_uint_eq(t->tr_encr, captures[i].encr);
	ck_assert_uint_eq(t->tr_keylen, captures[i].keylen);
	ck_assert_uint_eq(t->tr_hash, captures[i].hash);
	ck_assert_uint_eq(t->tr_group, captures[i].group);
	ck_assert_uint_eq(t->tr_auth, IKEV1_AUTH_PSK);
	ck_assert_uint_ne(t->tr_life_secs, 0);
	st->encr = t->tr_encr == IKEV1_ENCR_AES ? ENCR_AES_CBC : ENCR_3DES;
	st->prf = ikev1_prf_from_hash(t->tr_hash);
	ck_assert_int_ne(st->prf, 0);
	st->bs = encr_block_len(st->encr);
	st->klen = cap_key_load(cap, icky, st->key);
	ck_assert_mem_eq(icky, st->icky, 8);
	/* The table holds the expanded key: as long as the cipher's. */
	ck_assert_uint_eq(st->klen, encr_key_len(st->encr, t->tr_keylen));
	if (st->klen > prf_len(st->prf))
		ck_assert_str_ne(cap, "b-ikev1-main-psk");
}

START_TEST(test_captures_ikev1)
{
	static struct ikev1_msg	 m;
	struct cap_state	 st;
	struct pcap_file	*pf;
	struct pcap_udp		 u;
	struct in_addr		 init_addr = { 0 };
	struct buf		*out = buf_new(0);
	const char		*cap = captures[_i].cap;
	char			 path[512], desc[256];
	uint32_t		 esp[2];
	uint8_t			*ivp;
	int			 nmsg = 0, nenc = 0, from_init, j, k, found;

	memset(&st, 0, sizeof(st));
	snprintf(path, sizeof(path), "%s/%s/%s.pcap", CAP_DIR, cap, cap);
	ck_assert_msg((pf = pcap_open(path)) != NULL, "cannot read %s", path);
	while (pcap_next_ike(pf, &u) == 1) {
		ck_assert_int_lt(nmsg, captures[_i].nmsg);
		cap_corpus_write(cap, u.pu_frame, "", u.pu_data, u.pu_len);
		if (nmsg == 0) {
			init_addr = u.pu_src;
			memcpy(st.icky, u.pu_data, 8);
		}
		from_init = u.pu_src.s_addr == init_addr.s_addr;
		ck_assert_msg(ikev1_msg_parse(u.pu_data, u.pu_len, &m) == 0,
		    "%s frame %u does not parse", cap, u.pu_frame);
		if (nmsg == 1)
			memcpy(st.rcky, m.m_hdr.h_rcookie, 8);
		if (m.m_hdr.h_flags & IKEV1_FLAG_ENC) {
			nenc++;
			if (m.m_hdr.h_exchange == IKEV1_EXCH_QUICK) {
				/* App. B: hash(last p1 block | M-ID) */
				if (m.m_hdr.h_msgid != st.qm_msgid) {
					st.qm_msgid = m.m_hdr.h_msgid;
					ck_assert_int_eq(ikev1_iv_phase2(st.prf,
					    st.last_p1, st.bs, st.qm_msgid,
					    st.iv), 0);
				}
				ivp = st.iv;
			} else {
				/* The first phase 1 IV: hash(g^xi | g^xr). */
				if (!st.p1_iv_set) {
					ck_assert_int_eq(ikev1_iv_phase1(
					    st.prf, st.gxi->buf_data,
					    st.gxi->buf_len, st.gxr->buf_data,
					    st.gxr->buf_len, st.last_p1,
					    st.bs), 0);
					st.p1_iv_set = 1;
				}
				ivp = st.last_p1;
			}
			ck_assert_msg(ikev1_msg_open(&m, u.pu_data,
			    u.pu_len, st.encr, st.key, st.klen, ivp,
			    out) == 0,
			    "%s frame %u does not decrypt", cap, u.pu_frame);
			ck_assert_uint_le(m.m_pad_len, st.bs);
			cap_corpus_plain(cap, &u, &m, out);
		}
		ikev1_msg_describe(&m, desc, sizeof(desc));
		ck_assert_msg(strcmp(desc, captures[_i].desc[nmsg]) == 0,
		    "%s frame %u: \"%s\"", cap, u.pu_frame, desc);
		/* Material for the phase 1 hashes. */
		if (from_init && m.m_sa.sa_body != NULL)
			cap_keep(&st.sai_b, m.m_sa.sa_body,
			    m.m_sa.sa_body_len);
		if (m.m_hdr.h_exchange != IKEV1_EXCH_QUICK) {
			cap_keep(from_init ? &st.gxi : &st.gxr, m.m_ke,
			    m.m_ke_len);
			cap_keep(from_init ? &st.ni : &st.nr, m.m_nonce,
			    m.m_nonce_len);
			if (m.m_nid > 0)
				cap_keep(from_init ? &st.idi : &st.idr,
				    m.m_id[0].id_body, m.m_id[0].id_body_len);
			if (nmsg == 1)
				cap_cipher_setup(&st, cap, _i, &m);
			if (m.m_hash != NULL)
				cap_hash_auth_check(&st, from_init, &m);
		} else if (m.m_sa.sa_nprop > 0)
			cap_qm_check(&st, &m, captures[_i].group);
		nmsg++;
	}
	pcap_close(pf);
	ck_assert_int_eq(nmsg, captures[_i].nmsg);
	ck_assert_int_eq(nenc, captures[_i].nenc);
	ck_assert_int_eq(st.nhash_auth, captures[_i].nhash_auth);
	/* The Quick Mode SPIs are the ones the kernel used (esp_sa). */
	ck_assert_int_eq(st.nqm_spis, 2);
	ck_assert_int_eq(cap_esp_spis(cap, esp, 2), 2);
	for (j = 0; j < 2; j++) {
		for (k = 0, found = 0; k < 2; k++)
			found |= st.qm_spis[k] == esp[j];
		ck_assert_msg(found, "%s: ESP SPI %08x not negotiated", cap,
		    esp[j]);
	}
	buf_free(st.sai_b);
	buf_free(st.gxi);
	buf_free(st.gxr);
	buf_free(st.ni);
	buf_free(st.nr);
	buf_free(st.idi);
	buf_free(st.idr);
	buf_free(out);
}
END_TEST

static Suite *
ikev1_suite(void)
{
	Suite	*s = suite_create("ikev1");
	TCase	*tc;

	tc = tcase_create("keys");
	tcase_add_test(tc, test_keys_cavp_psk_sha1);
	tcase_add_loop_test(tc, test_keys_expand_appendix_b, 0,
	    sizeof(expand_vec) / sizeof(expand_vec[0]));
	tcase_add_test(tc, test_keys_keymat_expansion);
	tcase_add_test(tc, test_keys_iv_and_hashes);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_add_test(tc, test_codec_roundtrip_phase1);
	tcase_add_test(tc, test_codec_roundtrip_phase2);
	tcase_add_test(tc, test_codec_proposal_lists);
	tcase_add_loop_test(tc, test_codec_roundtrip_phase2_modern, 0,
	    (int)(sizeof(p2_modern) / sizeof(p2_modern[0])));
	tcase_add_loop_test(tc, test_codec_esn_attribute, 0,
	    (int)(sizeof(esn_attr_vec) / sizeof(esn_attr_vec[0])));
	tcase_add_test(tc, test_codec_roundtrip_esn);
	tcase_add_loop_test(tc, test_codec_truncated_rejected, 0, 2);
	tcase_add_loop_test(tc, test_codec_bad_lengths_rejected, 0, 2);
	tcase_add_loop_test(tc, test_codec_sa_counts_rejected, 0,
	    sizeof(sa_bad) / sizeof(sa_bad[0]));
	tcase_add_loop_test(tc, test_codec_attributes, 0,
	    sizeof(attr_vec) / sizeof(attr_vec[0]));
	tcase_add_loop_test(tc, test_codec_life_kbytes, 0,
	    sizeof(kb_vec) / sizeof(kb_vec[0]));
	tcase_add_test(tc, test_codec_roundtrip_life_kbytes);
	tcase_add_test(tc, test_codec_life_attrs_malformed);
	tcase_add_test(tc, test_codec_trailing_and_padding);
	tcase_add_test(tc, test_codec_header_rejected);
	tcase_add_loop_test(tc, test_codec_id_lengths, 0,
	    sizeof(id_vec) / sizeof(id_vec[0]));
	tcase_add_test(tc, test_codec_limits);
	tcase_add_test(tc, test_codec_vid_classify);
	tcase_add_loop_test(tc, test_codec_encrypt_roundtrip, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("captures");
	tcase_add_loop_test(tc, test_captures_ikev1, 0,
	    sizeof(captures) / sizeof(captures[0]));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ikev1_suite());
	int	 failed;

	log_init(0, getenv("GW_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
