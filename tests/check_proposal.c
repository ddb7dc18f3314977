/*
 * check_proposal.c - building our proposals, selecting among a peer's
 * (RFC 7296 §2.7, §3.3), checking a responder's answer, and the
 * descriptions used in logs.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "policy/proposal.h"

#define ENCR	PROP_XF_ENCR
#define PRF	PROP_XF_PRF
#define INTEG	PROP_XF_INTEG
#define DH	PROP_XF_DH
#define ESN	PROP_XF_ESN
#define AES	ENCR_AES_CBC
#define GCM16	ENCR_AES_GCM_16
#define CHACHA	ENCR_CHACHA20_POLY1305
#define P_IKE	PROP_PROTO_IKE
#define P_ESP	PROP_PROTO_ESP
#define P_AH	PROP_PROTO_AH
#define MAXTR	12

struct xf {
	uint8_t		 x_type;
	uint16_t	 x_id;
	uint16_t	 x_keylen;
};

/* A proposal as test data: number, protocol, SPI length, transforms. */
struct pspec {
	uint8_t		 ps_num;
	uint8_t		 ps_proto;
	uint8_t		 ps_spi_len;
	struct xf	 ps_xf[MAXTR];	/* ends at x_type 0 */
};

static void
sa_fill(struct prop_offer *sa, const struct pspec *ps, int n)
{
	struct prop_proposal	*p;
	int			 i, j;

	memset(sa, 0, sizeof(*sa));
	for (i = 0; i < n; i++) {
		p = &sa->sa_prop[sa->sa_nprop++];
		p->prop_num = ps[i].ps_num;
		p->prop_proto = ps[i].ps_proto;
		p->prop_spi_len = ps[i].ps_spi_len;
		for (j = 0; j < p->prop_spi_len; j++)
			p->prop_spi[j] = 0xa0 + j;
		for (j = 0; j < MAXTR && ps[i].ps_xf[j].x_type != 0; j++) {
			p->prop_tr[j].tr_type = ps[i].ps_xf[j].x_type;
			p->prop_tr[j].tr_id = ps[i].ps_xf[j].x_id;
			p->prop_tr[j].tr_keylen = ps[i].ps_xf[j].x_keylen;
			p->prop_ntr++;
		}
	}
}

static struct cfg_ike
ike_cfg(int encr, int bits, int integ, int prf, int dh)
{
	struct cfg_ike	 ike;

	memset(&ike, 0, sizeof(ike));
	ike.ike_version = 2;
	ike.ike_encr = encr;
	ike.ike_encr_bits = bits;
	ike.ike_integ = integ;
	ike.ike_prf = prf;
	ike.ike_dh = dh;
	return (ike);
}

static struct cfg_ipsec
ips_cfg(int proto, int encr, int bits, int integ)
{
	struct cfg_ipsec	 ips;

	memset(&ips, 0, sizeof(ips));
	ips.ips_proto = proto;
	ips.ips_encr = encr;
	ips.ips_encr_bits = bits;
	ips.ips_integ = integ;
	ips.ips_pfs = 2;
	return (ips);
}

static void
tr_eq(const struct prop_transform *tr, uint8_t type, uint16_t id,
    uint16_t keylen)
{
	ck_assert_uint_eq(tr->tr_type, type);
	ck_assert_uint_eq(tr->tr_id, id);
	ck_assert_uint_eq(tr->tr_keylen, keylen);
}

/* --- building --- */

START_TEST(test_proposal_ike_build_transforms)
{
	struct cfg_ike	 ike;
	struct prop_offer	 sa;
	static const uint8_t spi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	ike = ike_cfg(AES, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, 14);
	ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &sa), 0);
	ck_assert_int_eq(sa.sa_nprop, 1);
	ck_assert_uint_eq(sa.sa_prop[0].prop_num, 1);
	ck_assert_uint_eq(sa.sa_prop[0].prop_proto, P_IKE);
	ck_assert_uint_eq(sa.sa_prop[0].prop_spi_len, 0);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 4);
	tr_eq(&sa.sa_prop[0].prop_tr[0], ENCR, AES, 256);
	tr_eq(&sa.sa_prop[0].prop_tr[1], PRF, PRF_HMAC_SHA2_256, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[2], INTEG, AUTH_HMAC_SHA2_256_128, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[3], DH, 14, 0);

	/* 3DES has no Key Length attribute; a rekey carries our SPI. */
	ike = ike_cfg(ENCR_3DES, 0, AUTH_HMAC_MD5_96, PRF_HMAC_MD5, 2);
	ck_assert_int_eq(proposal_ike_build(&ike, spi, 8, &sa), 0);
	ck_assert_uint_eq(sa.sa_prop[0].prop_spi_len, 8);
	ck_assert_mem_eq(sa.sa_prop[0].prop_spi, spi, 8);
	tr_eq(&sa.sa_prop[0].prop_tr[0], ENCR, ENCR_3DES, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[1], PRF, PRF_HMAC_MD5, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[2], INTEG, AUTH_HMAC_MD5_96, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[3], DH, 2, 0);

	ck_assert_int_eq(proposal_ike_build(&ike, spi, 4, &sa), -1);
	ck_assert_int_eq(proposal_ike_build(&ike, NULL, 8, &sa), -1);
}
END_TEST

START_TEST(test_proposal_child_build_transforms)
{
	struct cfg_ipsec	 ips;
	struct prop_offer		 sa;
	uint32_t		 spi = htonl(0xc0ffee01);
	static const uint8_t	 spi_bytes[4] = { 0xc0, 0xff, 0xee, 0x01 };

	ips = ips_cfg(IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(proposal_child_build(&ips, spi, 0, &sa), 0);
	ck_assert_int_eq(sa.sa_nprop, 1);
	ck_assert_uint_eq(sa.sa_prop[0].prop_num, 1);
	ck_assert_uint_eq(sa.sa_prop[0].prop_proto, P_ESP);
	ck_assert_uint_eq(sa.sa_prop[0].prop_spi_len, 4);
	ck_assert_mem_eq(sa.sa_prop[0].prop_spi, spi_bytes, 4);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 3);
	tr_eq(&sa.sa_prop[0].prop_tr[0], ENCR, AES, 128);
	tr_eq(&sa.sa_prop[0].prop_tr[1], INTEG, AUTH_HMAC_SHA1_96, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[2], ESN, PROP_ESN_NONE, 0);

	/* PFS adds the DH transform. */
	ips = ips_cfg(IPPROTO_ESP, ENCR_3DES, 0, AUTH_HMAC_MD5_96);
	ck_assert_int_eq(proposal_child_build(&ips, spi, 14, &sa), 0);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 4);
	tr_eq(&sa.sa_prop[0].prop_tr[0], ENCR, ENCR_3DES, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[1], INTEG, AUTH_HMAC_MD5_96, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[2], DH, 14, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[3], ESN, PROP_ESN_NONE, 0);

	/* AH: integrity and ESN only. */
	ips = ips_cfg(IPPROTO_AH, 0, 0, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(proposal_child_build(&ips, spi, 2, &sa), 0);
	ck_assert_uint_eq(sa.sa_prop[0].prop_proto, P_AH);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 3);
	tr_eq(&sa.sa_prop[0].prop_tr[0], INTEG, AUTH_HMAC_SHA1_96, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[1], DH, 2, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[2], ESN, PROP_ESN_NONE, 0);

	ck_assert_int_eq(proposal_child_build(&ips, spi, -1, &sa), -1);
	ips.ips_proto = IPPROTO_UDP;
	ck_assert_int_eq(proposal_child_build(&ips, spi, 0, &sa), -1);
}
END_TEST

/* --- IKE selection --- */

/* strongSwan-like: several alternatives of each type in one proposal. */
#define SWAN_IKE(num) { num, P_IKE, 0, { { ENCR, AES, 128 }, \
	{ ENCR, AES, 256 }, { INTEG, AUTH_HMAC_SHA1_96, 0 }, \
	{ INTEG, AUTH_HMAC_SHA2_256_128, 0 }, { PRF, PRF_HMAC_SHA1, 0 }, \
	{ PRF, PRF_HMAC_SHA2_256, 0 }, { DH, 14, 0 }, { DH, 2, 0 } } }
#define OUR_IKE(num) { num, P_IKE, 0, { { ENCR, AES, 128 }, \
	{ PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 }, \
	{ DH, 2, 0 } } }

static const struct {
	const char	*iv_what;
	int		 iv_encr, iv_bits, iv_integ, iv_prf, iv_dh;
	int		 iv_nprop;
	struct pspec	 iv_prop[3];
	int		 iv_rc;
	int		 iv_num;
} ike_sel_vecs[] = {
	{ "exact single proposal", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  2, 1, { OUR_IKE(1) }, 0, 1 },
	{ "strongSwan multi-transform, first choices", AES, 128,
	  AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2, 1, { SWAN_IKE(1) }, 0, 1 },
	{ "strongSwan multi-transform, second choices", AES, 256,
	  AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, 14, 1, { SWAN_IKE(1) },
	  0, 1 },
	{ "key length not offered", AES, 192, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { SWAN_IKE(1) }, -1, 0 },
	{ "3des not offered", ENCR_3DES, 0, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  2, 1, { SWAN_IKE(1) }, -1, 0 },
	{ "dh group not offered", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  5, 1, { SWAN_IKE(1) }, -1, 0 },
	{ "integrity not offered", AES, 128, AUTH_HMAC_MD5_96, PRF_HMAC_MD5,
	  2, 1, { SWAN_IKE(1) }, -1, 0 },
	{ "the second proposal matches", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 2, { { 1, P_IKE, 0, { { ENCR, AES, 128 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 14, 0 } } }, OUR_IKE(2) }, 0, 2 },
	{ "the first matching proposal wins", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 3, { { 1, P_IKE, 0, { { ENCR, ENCR_3DES, 0 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } }, SWAN_IKE(2), OUR_IKE(3) }, 0, 2 },
	{ "no PRF transform", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2,
	  1, { { 1, P_IKE, 0, { { ENCR, AES, 128 },
	  { INTEG, AUTH_HMAC_SHA1_96, 0 }, { DH, 2, 0 } } } }, -1, 0 },
	{ "no INTEG transform (AEAD style)", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, AES, 128 },
	  { ENCR, 20, 128 }, { PRF, PRF_HMAC_SHA1, 0 }, { DH, 2, 0 } } } },
	  -1, 0 },
	{ "no DH transform", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2, 1,
	  { { 1, P_IKE, 0, { { ENCR, AES, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { INTEG, AUTH_HMAC_SHA1_96, 0 } } } }, -1, 0 },
	{ "our PRF follows our integrity", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, AES, 128 },
	  { PRF, PRF_HMAC_MD5, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } } }, -1, 0 },
	{ "AES without Key Length", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, AES, 0 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } } }, -1, 0 },
	{ "3DES without Key Length", ENCR_3DES, 0, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, ENCR_3DES, 0 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } } }, 0, 1 },
	{ "3DES with a Key Length", ENCR_3DES, 0, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, ENCR_3DES, 192 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } } }, -1, 0 },
	{ "an ESN transform does not belong in IKE", AES, 128,
	  AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, {
	  { ENCR, AES, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { INTEG, AUTH_HMAC_SHA1_96, 0 }, { DH, 2, 0 }, { ESN, 0, 0 } } } },
	  -1, 0 },
	{ "an unknown transform type", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, AES, 128 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 }, { 6, 1, 0 } } } }, -1, 0 },
	{ "an ESP proposal", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2, 1,
	  { { 1, P_ESP, 0, { { ENCR, AES, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { INTEG, AUTH_HMAC_SHA1_96, 0 }, { DH, 2, 0 } } } }, -1, 0 },
	{ "a rekey proposal with an 8-byte SPI", AES, 128, AUTH_HMAC_SHA1_96,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 8, { { ENCR, AES, 128 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } } }, 0, 1 },
	{ "a 4-byte SPI", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2, 1,
	  { { 1, P_IKE, 4, { { ENCR, AES, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { INTEG, AUTH_HMAC_SHA1_96, 0 }, { DH, 2, 0 } } } }, -1, 0 },
	{ "no proposal at all", AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2,
	  0, { { 0, 0, 0, { { 0, 0, 0 } } } }, -1, 0 },
	/* AEAD (RFC 5282 §8, RFC 7634 §4): no integrity transform */
	{ "GCM: strongSwan's AEAD proposal", GCM16, 256, AUTH_NONE,
	  PRF_HMAC_SHA2_384, 20, 1, { { 1, P_IKE, 0, { { ENCR, GCM16, 128 },
	  { ENCR, GCM16, 256 }, { PRF, PRF_HMAC_SHA2_256, 0 },
	  { PRF, PRF_HMAC_SHA2_384, 0 }, { DH, 19, 0 }, { DH, 20, 0 } } } },
	  0, 1 },
	{ "GCM: integrity none offered", GCM16, 128, AUTH_NONE,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, GCM16, 128 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_NONE, 0 },
	  { DH, 2, 0 } } } },
	  0, 1 },
	{ "GCM: a real integrity algorithm only", GCM16, 128, AUTH_NONE,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, GCM16, 128 },
	  { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
	  { DH, 2, 0 } } } }, -1, 0 },
	{ "GCM: another key length", GCM16, 256, AUTH_NONE, PRF_HMAC_SHA1, 2,
	  1, { { 1, P_IKE, 0, { { ENCR, GCM16, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { DH, 2, 0 } } } }, -1, 0 },
	{ "GCM: another ICV length", ENCR_AES_GCM_12, 128, AUTH_NONE,
	  PRF_HMAC_SHA1, 2, 1, { { 1, P_IKE, 0, { { ENCR, GCM16, 128 },
	  { ENCR, ENCR_AES_GCM_8, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { DH, 2, 0 } } } }, -1, 0 },
	{ "GCM wanted, CBC proposal first", GCM16, 128, AUTH_NONE,
	  PRF_HMAC_SHA1, 2, 2, { OUR_IKE(1), { 2, P_IKE, 0, {
	  { ENCR, GCM16, 128 }, { PRF, PRF_HMAC_SHA1, 0 }, { DH, 2, 0 } } } },
	  0, 2 },
	{ "ChaCha20-Poly1305 without Key Length", CHACHA, 0, AUTH_NONE,
	  PRF_HMAC_SHA2_256, 31, 1, { { 1, P_IKE, 0, { { ENCR, CHACHA, 0 },
	  { PRF, PRF_HMAC_SHA2_256, 0 }, { DH, 31, 0 } } } }, 0, 1 },
	{ "ChaCha20-Poly1305 with a Key Length", CHACHA, 0, AUTH_NONE,
	  PRF_HMAC_SHA2_256, 31, 1, { { 1, P_IKE, 0, { { ENCR, CHACHA, 256 },
	  { PRF, PRF_HMAC_SHA2_256, 0 }, { DH, 31, 0 } } } }, -1, 0 },
};

START_TEST(test_proposal_ike_select_table)
{
	struct cfg_ike		 ike;
	struct prop_offer		 sa;
	struct proposal_choice	 pc;
	int			 rc;

	ike = ike_cfg(ike_sel_vecs[_i].iv_encr, ike_sel_vecs[_i].iv_bits,
	    ike_sel_vecs[_i].iv_integ, ike_sel_vecs[_i].iv_prf,
	    ike_sel_vecs[_i].iv_dh);
	sa_fill(&sa, ike_sel_vecs[_i].iv_prop, ike_sel_vecs[_i].iv_nprop);
	rc = proposal_ike_select(&ike, &sa, &pc);
	ck_assert_msg(rc == ike_sel_vecs[_i].iv_rc, "%s: rc %d",
	    ike_sel_vecs[_i].iv_what, rc);
	if (rc != 0)
		return;
	ck_assert_uint_eq(pc.pc_num, ike_sel_vecs[_i].iv_num);
	ck_assert_uint_eq(pc.pc_proto, P_IKE);
	ck_assert_int_eq(pc.pc_encr, ike.ike_encr);
	ck_assert_int_eq(pc.pc_encr_bits, ike.ike_encr_bits);
	ck_assert_int_eq(pc.pc_prf, ike.ike_prf);
	ck_assert_int_eq(pc.pc_integ, ike.ike_integ);
	ck_assert_int_eq(pc.pc_dh, ike.ike_dh);
	ck_assert_uint_eq(pc.pc_spi_len,
	    sa.sa_prop[pc.pc_num - 1].prop_spi_len);
	if (pc.pc_spi_len > 0)
		ck_assert_uint_eq(pc.pc_spi[7], 0xa7);
}
END_TEST

/* --- CHILD selection --- */

#define E_AES	{ ENCR, AES, 128 }
#define E_SHA1	{ INTEG, AUTH_HMAC_SHA1_96, 0 }
#define E_NOESN	{ ESN, PROP_ESN_NONE, 0 }

static const struct {
	const char	*cv_what;
	int		 cv_proto, cv_encr, cv_bits, cv_integ;
	int		 cv_dh;		/* the dh_group argument */
	int		 cv_nprop;
	struct pspec	 cv_prop[2];
	int		 cv_rc;
	int		 cv_num, cv_pc_dh;
} child_sel_vecs[] = {
	{ "exact ESP", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, -1, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 0, 1, 0 },
	{ "strongSwan multi-transform ESP", IPPROTO_ESP, AES, 256,
	  AUTH_HMAC_SHA2_256_128, -1, 1, { { 1, P_ESP, 4, { E_AES,
	  { ENCR, AES, 256 }, E_SHA1, { INTEG, AUTH_HMAC_SHA2_256_128, 0 },
	  E_NOESN } } }, 0, 1, 0 },
	{ "ESP without ESN", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, -1, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1 } } }, -1, 0, 0 },
	{ "ESP with ESN only", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, -1,
	  1, { { 1, P_ESP, 4, { E_AES, E_SHA1, { ESN, PROP_ESN_YES, 0 } } } },
	  -1, 0, 0 },
	{ "ESP with ESN or not", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, -1,
	  1, { { 1, P_ESP, 4, { E_AES, E_SHA1, { ESN, PROP_ESN_YES, 0 },
	  E_NOESN } } }, 0, 1, 0 },
	{ "ESP without integrity", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96,
	  -1, 1, { { 1, P_ESP, 4, { E_AES, E_NOESN } } }, -1, 0, 0 },
	{ "ESP without our key length", IPPROTO_ESP, AES, 128,
	  AUTH_HMAC_SHA1_96, -1, 1, { { 1, P_ESP, 4, { { ENCR, AES, 256 },
	  E_SHA1, E_NOESN } } }, -1, 0, 0 },
	{ "ESP with a PRF", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, -1, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, { PRF, PRF_HMAC_SHA1, 0 },
	  E_NOESN } } }, -1, 0, 0 },
	{ "no PFS: no DH transform", IPPROTO_ESP, AES, 128,
	  AUTH_HMAC_SHA1_96, 0, 1, { { 1, P_ESP, 4, { E_AES, E_SHA1,
	  E_NOESN } } }, 0, 1, 0 },
	{ "no PFS: DH none", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, 0, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, DH_NONE, 0 }, E_NOESN } } },
	  0, 1, 0 },
	{ "no PFS: DH 2 required by the peer", IPPROTO_ESP, AES, 128,
	  AUTH_HMAC_SHA1_96, 0, 1, { { 1, P_ESP, 4, { E_AES, E_SHA1,
	  { DH, 2, 0 }, E_NOESN } } }, -1, 0, 0 },
	{ "no PFS: DH 2 or none", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, 0,
	  1, { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 2, 0 }, { DH, 0, 0 },
	  E_NOESN } } }, 0, 1, 0 },
	{ "PFS 2: among 14 and 2", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96,
	  2, 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 14, 0 }, { DH, 2, 0 },
	  E_NOESN } } }, 0, 1, 2 },
	{ "PFS 2: not offered", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, 2,
	  1, { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 14, 0 }, E_NOESN } } },
	  -1, 0, 0 },
	{ "PFS 2: no DH transform", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96,
	  2, 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, -1, 0, 0 },
	{ "IKE_AUTH ignores DH", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96, -1,
	  1, { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 14, 0 }, E_NOESN } } },
	  0, 1, 0 },
	{ "the second proposal matches", IPPROTO_ESP, ENCR_3DES, 0,
	  AUTH_HMAC_MD5_96, -1, 2, { { 1, P_ESP, 4, { E_AES, E_SHA1,
	  E_NOESN } }, { 2, P_ESP, 4, { { ENCR, ENCR_3DES, 0 },
	  { INTEG, AUTH_HMAC_MD5_96, 0 }, E_NOESN } } }, 0, 2, 0 },
	{ "ESP SPI must be 4 bytes", IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96,
	  -1, 1, { { 1, P_ESP, 0, { E_AES, E_SHA1, E_NOESN } } }, -1, 0, 0 },
	{ "AH exact", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA1_96, 0, 1,
	  { { 1, P_AH, 4, { E_SHA1, E_NOESN } } }, 0, 1, 0 },
	{ "AH with encryption", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA1_96, 0, 1,
	  { { 1, P_AH, 4, { E_AES, E_SHA1, E_NOESN } } }, -1, 0, 0 },
	{ "AH wanted, ESP offered", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA1_96, -1,
	  1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, -1, 0, 0 },
	{ "ESP wanted, AH offered first", IPPROTO_ESP, AES, 128,
	  AUTH_HMAC_SHA1_96, -1, 2, { { 1, P_AH, 4, { E_SHA1, E_NOESN } },
	  { 2, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 0, 2, 0 },
	/* ESP with an AEAD: no integrity transform (RFC 4106 §8.2) */
	{ "ESP GCM, strongSwan style", IPPROTO_ESP, GCM16, 256, AUTH_NONE, 20,
	  1, { { 1, P_ESP, 4, { { ENCR, GCM16, 128 }, { ENCR, GCM16, 256 },
	  { DH, 20, 0 }, E_NOESN } } }, 0, 1, 20 },
	{ "ESP GCM, integrity none", IPPROTO_ESP, GCM16, 128, AUTH_NONE, -1,
	  1, { { 1, P_ESP, 4, { { ENCR, GCM16, 128 }, { INTEG, AUTH_NONE, 0 },
	  E_NOESN } } }, 0, 1, 0 },
	{ "ESP GCM with an integrity algorithm", IPPROTO_ESP, GCM16, 128,
	  AUTH_NONE, -1, 1, { { 1, P_ESP, 4, { { ENCR, GCM16, 128 }, E_SHA1,
	  E_NOESN } } }, -1, 0, 0 },
	{ "ESP GCM-8 against GCM-16", IPPROTO_ESP, ENCR_AES_GCM_8, 128,
	  AUTH_NONE, -1, 1, { { 1, P_ESP, 4, { { ENCR, GCM16, 128 },
	  E_NOESN } } }, -1, 0, 0 },
	{ "ESP ChaCha20-Poly1305", IPPROTO_ESP, CHACHA, 0, AUTH_NONE, 0, 1,
	  { { 1, P_ESP, 4, { { ENCR, CHACHA, 0 }, E_NOESN } } }, 0, 1, 0 },
	{ "ESP sha384 among others", IPPROTO_ESP, AES, 256,
	  AUTH_HMAC_SHA2_384_192, -1, 1, { { 1, P_ESP, 4, { { ENCR, AES, 256 },
	  E_SHA1, { INTEG, AUTH_HMAC_SHA2_384_192, 0 },
	  { INTEG, AUTH_HMAC_SHA2_512_256, 0 }, E_NOESN } } }, 0, 1, 0 },
};

START_TEST(test_proposal_child_select_table)
{
	struct cfg_ipsec	 ips;
	struct prop_offer		 sa;
	struct proposal_choice	 pc;
	int			 rc;

	ips = ips_cfg(child_sel_vecs[_i].cv_proto, child_sel_vecs[_i].cv_encr,
	    child_sel_vecs[_i].cv_bits, child_sel_vecs[_i].cv_integ);
	sa_fill(&sa, child_sel_vecs[_i].cv_prop, child_sel_vecs[_i].cv_nprop);
	rc = proposal_child_select(&ips, child_sel_vecs[_i].cv_dh, &sa, &pc);
	ck_assert_msg(rc == child_sel_vecs[_i].cv_rc, "%s: rc %d",
	    child_sel_vecs[_i].cv_what, rc);
	if (rc != 0)
		return;
	ck_assert_uint_eq(pc.pc_num, child_sel_vecs[_i].cv_num);
	ck_assert_uint_eq(pc.pc_proto, ips.ips_proto == IPPROTO_ESP ? P_ESP :
	    P_AH);
	ck_assert_uint_eq(pc.pc_spi_len, 4);
	ck_assert_uint_eq(pc.pc_spi[0], 0xa0);
	ck_assert_uint_eq(pc.pc_spi[3], 0xa3);
	ck_assert_int_eq(pc.pc_encr, ips.ips_encr);
	ck_assert_int_eq(pc.pc_encr_bits, ips.ips_encr_bits);
	ck_assert_int_eq(pc.pc_integ, ips.ips_integ);
	ck_assert_int_eq(pc.pc_dh, child_sel_vecs[_i].cv_pc_dh);
	ck_assert_int_eq(pc.pc_esn, PROP_ESN_NONE);
}
END_TEST

/*
 * ESN (RFC 7296 §3.3.2 transform type 5): esn no offers "no ESN", yes
 * offers ESN, either both with ESN first.  The responder takes ESN when
 * its setting allows it and the proposal offers it, else no ESN when
 * allowed; none it accepts: no match (NO_PROPOSAL_CHOSEN).
 */
#define E_ESN	{ ESN, PROP_ESN_YES, 0 }

START_TEST(test_proposal_esn_build)
{
	struct cfg_ipsec	 ips;
	struct prop_offer	 sa;

	ips = ips_cfg(IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA2_256_128);
	ips.ips_esn = CFG_ESN_YES;
	ck_assert_int_eq(proposal_child_build(&ips, 7, 0, &sa), 0);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 3);
	tr_eq(&sa.sa_prop[0].prop_tr[2], ESN, PROP_ESN_YES, 0);
	ips.ips_esn = CFG_ESN_EITHER;
	ck_assert_int_eq(proposal_child_build(&ips, 7, 14, &sa), 0);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 5);
	tr_eq(&sa.sa_prop[0].prop_tr[2], DH, 14, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[3], ESN, PROP_ESN_YES, 0);
	tr_eq(&sa.sa_prop[0].prop_tr[4], ESN, PROP_ESN_NONE, 0);
	ips.ips_esn = CFG_ESN_NO;
	ck_assert_int_eq(proposal_child_build(&ips, 7, 0, &sa), 0);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 3);
	tr_eq(&sa.sa_prop[0].prop_tr[2], ESN, PROP_ESN_NONE, 0);
	/* AH carries ESN as well */
	ips = ips_cfg(IPPROTO_AH, 0, 0, AUTH_HMAC_SHA1_96);
	ips.ips_esn = CFG_ESN_YES;
	ck_assert_int_eq(proposal_child_build(&ips, 7, 0, &sa), 0);
	ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 2);
	tr_eq(&sa.sa_prop[0].prop_tr[1], ESN, PROP_ESN_YES, 0);
}
END_TEST

static const struct {
	const char	*ev_what;
	int		 ev_esn;	/* ours, CFG_ESN_* */
	int		 ev_nprop;
	struct pspec	 ev_prop[2];
	int		 ev_rc, ev_num, ev_pc_esn;
} esn_sel_vecs[] = {
	{ "no, offered none", CFG_ESN_NO, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 0, 1,
	  PROP_ESN_NONE },
	{ "no, offered ESN only", CFG_ESN_NO, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_ESN } } }, -1, 0, 0 },
	{ "no, offered both", CFG_ESN_NO, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_ESN, E_NOESN } } }, 0, 1,
	  PROP_ESN_NONE },
	{ "yes, offered ESN", CFG_ESN_YES, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_ESN } } }, 0, 1, PROP_ESN_YES },
	{ "yes, offered none only", CFG_ESN_YES, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, -1, 0, 0 },
	{ "yes, offered both (none first)", CFG_ESN_YES, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN, E_ESN } } }, 0, 1,
	  PROP_ESN_YES },
	{ "yes, no ESN transform at all", CFG_ESN_YES, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1 } } }, -1, 0, 0 },
	{ "yes, the second proposal has it", CFG_ESN_YES, 2,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } },
	    { 2, P_ESP, 4, { E_AES, E_SHA1, E_ESN } } }, 0, 2, PROP_ESN_YES },
	{ "either, offered none", CFG_ESN_EITHER, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 0, 1,
	  PROP_ESN_NONE },
	{ "either, offered ESN", CFG_ESN_EITHER, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_ESN } } }, 0, 1, PROP_ESN_YES },
	{ "either, offered both (none first): ESN", CFG_ESN_EITHER, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN, E_ESN } } }, 0, 1,
	  PROP_ESN_YES },
	{ "either, AH with ESN", CFG_ESN_EITHER, 1,
	  { { 1, P_AH, 4, { E_SHA1, E_ESN } } }, 0, 1, PROP_ESN_YES },
};

START_TEST(test_proposal_esn_select)
{
	struct cfg_ipsec	 ips;
	struct prop_offer	 sa;
	struct proposal_choice	 pc;
	int			 rc;

	ips = ips_cfg(esn_sel_vecs[_i].ev_prop[0].ps_proto == P_AH ?
	    IPPROTO_AH : IPPROTO_ESP, esn_sel_vecs[_i].ev_prop[0].ps_proto ==
	    P_AH ? 0 : AES, esn_sel_vecs[_i].ev_prop[0].ps_proto == P_AH ?
	    0 : 128, AUTH_HMAC_SHA1_96);
	ips.ips_esn = esn_sel_vecs[_i].ev_esn;
	sa_fill(&sa, esn_sel_vecs[_i].ev_prop, esn_sel_vecs[_i].ev_nprop);
	rc = proposal_child_select(&ips, -1, &sa, &pc);
	ck_assert_msg(rc == esn_sel_vecs[_i].ev_rc, "%s: rc %d",
	    esn_sel_vecs[_i].ev_what, rc);
	if (rc != 0)
		return;
	ck_assert_uint_eq(pc.pc_num, esn_sel_vecs[_i].ev_num);
	ck_assert_int_eq(pc.pc_esn, esn_sel_vecs[_i].ev_pc_esn);
}
END_TEST

/*
 * Initiator and responder settings against each other: our offer, the
 * peer's choice, its answer (one ESN transform) checked against our
 * offer; yes against no fails on the responder.
 */
START_TEST(test_proposal_esn_pairs)
{
	static const int want[3][3] = {
		/* responder:  no             yes            either */
		/* no */     { PROP_ESN_NONE, -1,            PROP_ESN_NONE },
		/* yes */    { -1,            PROP_ESN_YES,  PROP_ESN_YES },
		/* either */ { PROP_ESN_NONE, PROP_ESN_YES,  PROP_ESN_YES },
	};
	struct cfg_ipsec	 ini, res;
	struct prop_offer	 offer, answer;
	struct proposal_choice	 pc, got;
	int			 i, r, rc;

	for (i = CFG_ESN_NO; i <= CFG_ESN_EITHER; i++)
	for (r = CFG_ESN_NO; r <= CFG_ESN_EITHER; r++) {
		ini = ips_cfg(IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA2_256_128);
		res = ini;
		ini.ips_esn = i;
		res.ips_esn = r;
		ck_assert_int_eq(proposal_child_build(&ini, 7, 0, &offer), 0);
		rc = proposal_child_select(&res, 0, &offer, &pc);
		if (want[i][r] == -1) {
			ck_assert_msg(rc == -1, "%d against %d chosen", i, r);
			continue;
		}
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(pc.pc_esn, want[i][r]);
		/* the responder's answer: our transforms as chosen */
		ck_assert_int_eq(proposal_child_build(&res, 9, 0, &answer), 0);
		answer.sa_prop[0].prop_ntr = 2;
		answer.sa_prop[0].prop_tr[answer.sa_prop[0].prop_ntr].tr_type =
		    ESN;
		answer.sa_prop[0].prop_tr[answer.sa_prop[0].prop_ntr].tr_id =
		    (uint16_t)pc.pc_esn;
		answer.sa_prop[0].prop_tr[answer.sa_prop[0].prop_ntr++].
		    tr_keylen = 0;
		ck_assert_int_eq(proposal_check_answer(&offer, &answer, &got),
		    0);
		ck_assert_int_eq(got.pc_esn, want[i][r]);
	}
	/* an answer with an ESN value we did not offer is refused */
	ini = ips_cfg(IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA2_256_128);
	ck_assert_int_eq(proposal_child_build(&ini, 7, 0, &offer), 0);
	answer = offer;
	answer.sa_prop[0].prop_tr[2].tr_id = PROP_ESN_YES;
	ck_assert_int_eq(proposal_check_answer(&offer, &answer, &got), -1);
	/* and one with both ESN values (a choice must be one) */
	ini.ips_esn = CFG_ESN_EITHER;
	ck_assert_int_eq(proposal_child_build(&ini, 7, 0, &offer), 0);
	ck_assert_int_eq(proposal_check_answer(&offer, &offer, &got), -1);
}
END_TEST

/* What we build, we select: every configuration against itself. */
START_TEST(test_proposal_build_then_select)
{
	static const int encrs[][2] = { { ENCR_3DES, 0 }, { AES, 128 },
	    { AES, 192 }, { AES, 256 } };
	static const int integs[][2] = { { AUTH_HMAC_MD5_96, PRF_HMAC_MD5 },
	    { AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1 },
	    { AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
	    { AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384 },
	    { AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512 } };
	static const int dhs[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21, 24, 31 };
	struct cfg_ike		 ike;
	struct cfg_ipsec	 ips;
	struct prop_offer		 sa;
	struct proposal_choice	 pc;
	size_t			 e, i, d;

	for (e = 0; e < 4; e++)
	for (i = 0; i < sizeof(integs) / sizeof(integs[0]); i++)
	for (d = 0; d < sizeof(dhs) / sizeof(dhs[0]); d++) {
		ike = ike_cfg(encrs[e][0], encrs[e][1], integs[i][0],
		    integs[i][1], dhs[d]);
		ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &sa), 0);
		ck_assert_int_eq(proposal_ike_select(&ike, &sa, &pc), 0);
		ck_assert_int_eq(pc.pc_dh, dhs[d]);
		ck_assert_int_eq(pc.pc_integ, integs[i][0]);
		ck_assert_int_eq(pc.pc_prf, integs[i][1]);
		ips = ips_cfg(IPPROTO_ESP, encrs[e][0], encrs[e][1],
		    integs[i][0]);
		ck_assert_int_eq(proposal_child_build(&ips, 7, dhs[d], &sa), 0);
		ck_assert_int_eq(proposal_child_select(&ips, dhs[d], &sa, &pc),
		    0);
		ck_assert_int_eq(proposal_check_answer(&sa, &sa, &pc), 0);
		/* Without PFS it does not match a DH we require. */
		ck_assert_int_eq(proposal_child_build(&ips, 7, 0, &sa), 0);
		ck_assert_int_eq(proposal_child_select(&ips, 0, &sa, &pc), 0);
		ck_assert_int_eq(proposal_child_select(&ips, dhs[d], &sa, &pc),
		    -1);
	}
}
END_TEST

/*
 * AEAD proposals carry no integrity transform; what we build, we select,
 * and an answer equal to our proposal passes.
 */
START_TEST(test_proposal_aead_build_then_select)
{
	static const int encrs[][2] = { { ENCR_AES_GCM_8, 128 },
	    { ENCR_AES_GCM_12, 192 }, { GCM16, 128 }, { GCM16, 256 },
	    { CHACHA, 0 } };
	struct cfg_ike		 ike;
	struct cfg_ipsec	 ips;
	struct prop_offer	 sa;
	struct proposal_choice	 pc;
	size_t			 e;

	for (e = 0; e < sizeof(encrs) / sizeof(encrs[0]); e++) {
		ike = ike_cfg(encrs[e][0], encrs[e][1], AUTH_NONE,
		    PRF_HMAC_SHA2_384, DH_ECP_384);
		ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &sa), 0);
		ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 3);
		tr_eq(&sa.sa_prop[0].prop_tr[0], ENCR, encrs[e][0],
		    encrs[e][1]);
		tr_eq(&sa.sa_prop[0].prop_tr[1], PRF, PRF_HMAC_SHA2_384, 0);
		tr_eq(&sa.sa_prop[0].prop_tr[2], DH, DH_ECP_384, 0);
		ck_assert_int_eq(proposal_ike_select(&ike, &sa, &pc), 0);
		ck_assert_int_eq(pc.pc_integ, AUTH_NONE);
		ck_assert_int_eq(pc.pc_encr_bits, encrs[e][1]);
		ck_assert_int_eq(proposal_check_answer(&sa, &sa, &pc), 0);
		ck_assert_int_eq(pc.pc_encr, encrs[e][0]);
		ck_assert_int_eq(pc.pc_integ, AUTH_NONE);

		ips = ips_cfg(IPPROTO_ESP, encrs[e][0], encrs[e][1], AUTH_NONE);
		ck_assert_int_eq(proposal_child_build(&ips, 7, DH_ECP_384,
		    &sa), 0);
		ck_assert_int_eq(sa.sa_prop[0].prop_ntr, 3);
		tr_eq(&sa.sa_prop[0].prop_tr[0], ENCR, encrs[e][0],
		    encrs[e][1]);
		tr_eq(&sa.sa_prop[0].prop_tr[1], DH, DH_ECP_384, 0);
		tr_eq(&sa.sa_prop[0].prop_tr[2], ESN, PROP_ESN_NONE, 0);
		ck_assert_int_eq(proposal_child_select(&ips, DH_ECP_384, &sa,
		    &pc), 0);
		ck_assert_int_eq(proposal_check_answer(&sa, &sa, &pc), 0);
		ck_assert_int_eq(pc.pc_integ, AUTH_NONE);
		ck_assert_int_eq(pc.pc_dh, DH_ECP_384);
	}
}
END_TEST

/* --- the responder's answer --- */

static const struct {
	const char	*av_what;
	int		 av_nours;
	struct pspec	 av_ours[2];
	int		 av_nans;
	struct pspec	 av_ans[2];
	int		 av_rc;
} answer_vecs[] = {
	{ "ESP answer equal to ours", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 2, 0 }, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 2, 0 }, E_NOESN } } }, 0 },
	{ "one of our alternatives, in another order", 1,
	  { { 1, P_IKE, 0, { E_AES, { ENCR, AES, 256 }, E_SHA1,
	  { INTEG, AUTH_HMAC_SHA2_256_128, 0 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { PRF, PRF_HMAC_SHA2_256, 0 }, { DH, 14, 0 }, { DH, 2, 0 } } } },
	  1, { { 1, P_IKE, 0, { { DH, 14, 0 }, { INTEG,
	  AUTH_HMAC_SHA2_256_128, 0 }, { PRF, PRF_HMAC_SHA1, 0 },
	  { ENCR, AES, 256 } } } }, 0 },
	{ "two transforms of one type", 1,
	  { { 1, P_ESP, 4, { E_AES, { ENCR, AES, 256 }, E_SHA1, E_NOESN } } },
	  1, { { 1, P_ESP, 4, { E_AES, { ENCR, AES, 256 }, E_SHA1,
	  E_NOESN } } }, -1 },
	{ "a transform we did not offer", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { { ENCR, ENCR_3DES, 0 }, E_SHA1, E_NOESN } } },
	  -1 },
	{ "another key length", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { { ENCR, AES, 256 }, E_SHA1, E_NOESN } } }, -1 },
	{ "ESN missing", 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1 } } }, -1 },
	{ "DH missing though we required it", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 2, 0 }, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, -1 },
	{ "DH we did not offer", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 2, 0 }, E_NOESN } } }, -1 },
	{ "two proposals", 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } },
	  2, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } },
	  { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, -1 },
	{ "no proposal", 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } },
	  0, { { 0, 0, 0, { { 0, 0, 0 } } } }, -1 },
	{ "a proposal number we did not use", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 2, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, -1 },
	{ "the second of our proposals", 2,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } },
	  { 2, P_ESP, 4, { { ENCR, ENCR_3DES, 0 }, E_SHA1, E_NOESN } } }, 1,
	  { { 2, P_ESP, 4, { { ENCR, ENCR_3DES, 0 }, E_SHA1, E_NOESN } } }, 0 },
	{ "another protocol", 1, { { 1, P_ESP, 4, { E_AES, E_SHA1,
	  E_NOESN } } }, 1, { { 1, P_AH, 4, { E_SHA1, E_NOESN } } }, -1 },
	{ "no SPI", 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 1, P_ESP, 0, { E_AES, E_SHA1, E_NOESN } } }, -1 },
	{ "an unknown transform type", 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } }, 1,
	  { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN, { 9, 1, 0 } } } }, -1 },
	{ "no transforms", 1, { { 1, P_ESP, 4, { E_AES, E_SHA1, E_NOESN } } },
	  1, { { 1, P_ESP, 4, { { 0, 0, 0 } } } }, -1 },
};

START_TEST(test_proposal_check_answer_table)
{
	struct prop_offer		 ours, ans;
	struct proposal_choice	 pc;
	int			 rc;

	sa_fill(&ours, answer_vecs[_i].av_ours, answer_vecs[_i].av_nours);
	sa_fill(&ans, answer_vecs[_i].av_ans, answer_vecs[_i].av_nans);
	rc = proposal_check_answer(&ours, &ans, &pc);
	ck_assert_msg(rc == answer_vecs[_i].av_rc, "%s: rc %d",
	    answer_vecs[_i].av_what, rc);
}
END_TEST

START_TEST(test_proposal_check_answer_choice)
{
	struct cfg_ike		 ike;
	struct cfg_ipsec	 ips;
	struct prop_offer		 ours, ans;
	struct proposal_choice	 pc;
	static const struct pspec ike_ans = { 1, P_IKE, 0, { { ENCR, AES, 256 },
	    { PRF, PRF_HMAC_SHA2_256, 0 }, { INTEG, AUTH_HMAC_SHA2_256_128, 0 },
	    { DH, 14, 0 } } };
	static const struct pspec esp_ans = { 1, P_ESP, 4, { { ENCR,
	    ENCR_3DES, 0 }, { INTEG, AUTH_HMAC_MD5_96, 0 }, { DH, 5, 0 },
	    E_NOESN } };

	ike = ike_cfg(AES, 256, AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, 14);
	ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &ours), 0);
	sa_fill(&ans, &ike_ans, 1);
	ck_assert_int_eq(proposal_check_answer(&ours, &ans, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 1);
	ck_assert_uint_eq(pc.pc_proto, P_IKE);
	ck_assert_int_eq(pc.pc_encr, AES);
	ck_assert_int_eq(pc.pc_encr_bits, 256);
	ck_assert_int_eq(pc.pc_prf, PRF_HMAC_SHA2_256);
	ck_assert_int_eq(pc.pc_integ, AUTH_HMAC_SHA2_256_128);
	ck_assert_int_eq(pc.pc_dh, 14);

	ips = ips_cfg(IPPROTO_ESP, ENCR_3DES, 0, AUTH_HMAC_MD5_96);
	ck_assert_int_eq(proposal_child_build(&ips, 1, 5, &ours), 0);
	sa_fill(&ans, &esp_ans, 1);
	ck_assert_int_eq(proposal_check_answer(&ours, &ans, &pc), 0);
	ck_assert_uint_eq(pc.pc_proto, P_ESP);
	ck_assert_uint_eq(pc.pc_spi_len, 4);
	/* The peer's SPI, not ours. */
	ck_assert_uint_eq(pc.pc_spi[0], 0xa0);
	ck_assert_uint_eq(pc.pc_spi[3], 0xa3);
	ck_assert_int_eq(pc.pc_encr, ENCR_3DES);
	ck_assert_int_eq(pc.pc_encr_bits, 0);
	ck_assert_int_eq(pc.pc_prf, 0);
	ck_assert_int_eq(pc.pc_integ, AUTH_HMAC_MD5_96);
	ck_assert_int_eq(pc.pc_dh, 5);
	ck_assert_int_eq(pc.pc_esn, PROP_ESN_NONE);
}
END_TEST

/* --- descriptions --- */

START_TEST(test_proposal_describe_strings)
{
	struct cfg_ike		 ike;
	struct cfg_ipsec	 ips;
	struct prop_offer		 sa;
	char			 s[256];
	static const struct pspec swan[] = { SWAN_IKE(1) };
	static const struct pspec two[] = {
		{ 1, P_ESP, 4, { E_AES, E_SHA1, { DH, 2, 0 }, E_NOESN } },
		{ 2, P_ESP, 4, { { ENCR, ENCR_3DES, 0 },
		    { INTEG, AUTH_HMAC_MD5_96, 0 } } },
	};
	static const struct pspec odd[] = {
		{ 1, 9, 4, { { ENCR, 99, 0 }, { ENCR, AES, 0 },
		    { INTEG, 77, 0 }, { PRF, 66, 0 }, { DH, 19, 0 },
		    { DH, 55, 0 }, { ESN, PROP_ESN_YES, 0 }, { 8, 3, 0 } } },
	};

	ike = ike_cfg(AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, 2);
	proposal_ike_build(&ike, NULL, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes128-sha1-prfsha1-modp1024");

	ike = ike_cfg(AES, 256, AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384,
	    DH_ECP_384);
	proposal_ike_build(&ike, NULL, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes256-sha384-prfsha384-ecp384");
	ike = ike_cfg(AES, 128, AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512,
	    DH_CURVE25519);
	proposal_ike_build(&ike, NULL, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes128-sha512-prfsha512-curve25519");

	ips = ips_cfg(IPPROTO_ESP, AES, 128, AUTH_HMAC_SHA1_96);
	proposal_child_build(&ips, 1, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "ESP:aes128-sha1-noesn");

	ike = ike_cfg(GCM16, 256, AUTH_NONE, PRF_HMAC_SHA2_384, DH_ECP_384);
	proposal_ike_build(&ike, NULL, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes256gcm16-prfsha384-ecp384");
	ike = ike_cfg(CHACHA, 0, AUTH_NONE, PRF_HMAC_SHA2_256, DH_CURVE25519);
	proposal_ike_build(&ike, NULL, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:chacha20poly1305-prfsha256-curve25519");
	ips = ips_cfg(IPPROTO_ESP, ENCR_AES_GCM_8, 128, AUTH_NONE);
	proposal_child_build(&ips, 1, DH_ECP_384, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "ESP:aes128gcm8-ecp384-noesn");
	ips = ips_cfg(IPPROTO_ESP, ENCR_AES_GCM_12, 192, AUTH_NONE);
	proposal_child_build(&ips, 1, 0, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "ESP:aes192gcm12-noesn");

	ips = ips_cfg(IPPROTO_AH, 0, 0, AUTH_HMAC_MD5_96);
	proposal_child_build(&ips, 1, 14, &sa);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "AH:md5-modp2048-noesn");

	sa_fill(&sa, swan, 1);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes128-aes256-sha1-sha256-prfsha1-prfsha256-"
	    "modp2048-modp1024");

	sa_fill(&sa, two, 2);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "ESP:aes128-sha1-modp1024-noesn, ESP:3des-md5");

	sa_fill(&sa, odd, 1);
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "proto9:encr99-aes-integ77-prf66-ecp256-dh55-"
	    "esn");

	/* Truncated, still terminated. */
	sa_fill(&sa, two, 2);
	proposal_describe(&sa, s, 12);
	ck_assert_str_eq(s, "ESP:aes128-");
	proposal_describe(&sa, s, 1);
	ck_assert_str_eq(s, "");
	sa.sa_nprop = 0;
	proposal_describe(&sa, s, sizeof(s));
	ck_assert_str_eq(s, "");
}
END_TEST

#define NVEC(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* --- proposal lists (issue 9) --- */

static void
cp_set(struct cfg_prop *cp, int encr, int bits, int integ, int prf, int dh)
{
	memset(cp, 0, sizeof(*cp));
	cp->cp_encr = encr;
	cp->cp_encr_bits = bits;
	cp->cp_integ = integ;
	cp->cp_prf = prf;
	cp->cp_dh = dh;
}

/* Ours: A = aes256-sha256-modp2048, B = aes128gcm16-prfsha256-ecp256,
 * C = aes128-sha1-modp1024, in this order. */
static struct cfg_ike
ike_list3(void)
{
	struct cfg_ike	 ike = ike_cfg(AES, 256, AUTH_HMAC_SHA2_256_128,
	    PRF_HMAC_SHA2_256, DH_MODP_2048);

	cp_set(&ike.ike_props[0], AES, 256, AUTH_HMAC_SHA2_256_128,
	    PRF_HMAC_SHA2_256, DH_MODP_2048);
	cp_set(&ike.ike_props[1], GCM16, 128, AUTH_NONE, PRF_HMAC_SHA2_256,
	    DH_ECP_256);
	cp_set(&ike.ike_props[2], AES, 128, AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	    DH_MODP_1024);
	ike.ike_nprops = 3;
	return (ike);
}

/* Every suite is a proposal of its own, numbered 1..n, in our order. */
START_TEST(test_proposal_ike_build_list)
{
	struct cfg_ike		 ike = ike_list3();
	struct prop_offer	 sa;
	char			 d[256];

	ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &sa), 0);
	ck_assert_int_eq(sa.sa_nprop, 3);
	ck_assert_uint_eq(sa.sa_prop[0].prop_num, 1);
	ck_assert_uint_eq(sa.sa_prop[1].prop_num, 2);
	ck_assert_uint_eq(sa.sa_prop[2].prop_num, 3);
	ck_assert_int_eq(sa.sa_prop[1].prop_ntr, 3);	/* no integrity */
	proposal_describe(&sa, d, sizeof(d));
	ck_assert_str_eq(d, "IKE:aes256-sha256-prfsha256-modp2048, "
	    "IKE:aes128gcm16-prfsha256-ecp256, "
	    "IKE:aes128-sha1-prfsha1-modp1024");
	ck_assert_int_eq(proposal_ike_has_dh(&ike, DH_ECP_256), 1);
	ck_assert_int_eq(proposal_ike_has_dh(&ike, DH_MODP_1536), 0);
}
END_TEST

/*
 * The peer offers C, B (and one we do not know), in its order; we take
 * B, the first of OURS it offers, not C, the first of its own
 * (strongSwan's rule).  Without A or B, C.
 */
START_TEST(test_proposal_ike_select_our_order)
{
	struct cfg_ike		 ike = ike_list3();
	struct proposal_choice	 pc;
	struct prop_offer	 rx;
	const struct pspec	 peer[] = {
		{ 1, P_IKE, 0, { { ENCR, AES, 128 }, { PRF, PRF_HMAC_SHA1, 0 },
		    { INTEG, AUTH_HMAC_SHA1_96, 0 },
		    { DH, DH_MODP_1024, 0 } } },
		{ 2, P_IKE, 0, { { ENCR, ENCR_3DES, 0 },
		    { PRF, PRF_HMAC_SHA1, 0 }, { INTEG, AUTH_HMAC_SHA1_96, 0 },
		    { DH, DH_MODP_1024, 0 } } },
		{ 3, P_IKE, 0, { { ENCR, GCM16, 128 },
		    { PRF, PRF_HMAC_SHA2_256, 0 }, { DH, DH_ECP_256, 0 } } },
	};

	sa_fill(&rx, peer, 3);
	ck_assert_int_eq(proposal_ike_select(&ike, &rx, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 3);
	ck_assert_int_eq(pc.pc_encr, GCM16);
	ck_assert_int_eq(pc.pc_integ, AUTH_NONE);
	ck_assert_int_eq(pc.pc_dh, DH_ECP_256);
	ck_assert_int_eq(proposal_ike_allows(&ike, &pc), 1);

	sa_fill(&rx, peer, 2);
	ck_assert_int_eq(proposal_ike_select(&ike, &rx, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 1);
	ck_assert_int_eq(pc.pc_encr_bits, 128);
	ck_assert_int_eq(pc.pc_dh, DH_MODP_1024);

	sa_fill(&rx, &peer[1], 1);
	ck_assert_int_eq(proposal_ike_select(&ike, &rx, &pc), -1);
}
END_TEST

/* The answer is the one suite chosen, with the peer's number. */
START_TEST(test_proposal_ike_answer_choice)
{
	struct cfg_ike		 ike = ike_list3();
	struct proposal_choice	 pc, back;
	struct prop_offer	 ours, ans;

	ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &ours), 0);
	ck_assert_int_eq(proposal_ike_select(&ike, &ours, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 1);
	memmove(&ours.sa_prop[0], &ours.sa_prop[2], sizeof(ours.sa_prop[0]));
	ours.sa_nprop = 1;	/* the peer offers our third only */
	ck_assert_int_eq(proposal_ike_select(&ike, &ours, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 3);
	ck_assert_int_eq(proposal_ike_answer(&pc, NULL, 0, &ans), 0);
	ck_assert_int_eq(ans.sa_nprop, 1);
	ck_assert_uint_eq(ans.sa_prop[0].prop_num, 3);
	ck_assert_int_eq(proposal_ike_build(&ike, NULL, 0, &ours), 0);
	ck_assert_int_eq(proposal_check_answer(&ours, &ans, &back), 0);
	ck_assert_int_eq(back.pc_encr, AES);
	ck_assert_int_eq(back.pc_encr_bits, 128);
	ck_assert_int_eq(back.pc_integ, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(back.pc_dh, DH_MODP_1024);
}
END_TEST

/* CHILD: ours aes256gcm16, then aes128-sha256; the peer offers
 * aes128-sha256 first and aes256gcm16 second: we take the GCM one. */
START_TEST(test_proposal_child_list)
{
	struct cfg_ipsec	 ips = ips_cfg(IPPROTO_ESP, GCM16, 256,
	    AUTH_NONE);
	struct proposal_choice	 pc;
	struct prop_offer	 ours, rx, ans;
	const struct pspec	 peer[] = {
		{ 1, P_ESP, 4, { { ENCR, AES, 128 },
		    { INTEG, AUTH_HMAC_SHA2_256_128, 0 }, { DH, 2, 0 },
		    { ESN, PROP_ESN_NONE, 0 } } },
		{ 2, P_ESP, 4, { { ENCR, GCM16, 256 }, { DH, 2, 0 },
		    { ESN, PROP_ESN_NONE, 0 } } },
	};

	cp_set(&ips.ips_props[0], GCM16, 256, AUTH_NONE, 0, 2);
	cp_set(&ips.ips_props[1], AES, 128, AUTH_HMAC_SHA2_256_128, 0, 2);
	ips.ips_nprops = 2;
	ck_assert_int_eq(proposal_child_build(&ips, htonl(0x1234), 2, &ours),
	    0);
	ck_assert_int_eq(ours.sa_nprop, 2);
	ck_assert_uint_eq(ours.sa_prop[1].prop_num, 2);
	sa_fill(&rx, peer, 2);
	ck_assert_int_eq(proposal_child_select(&ips, 2, &rx, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 2);
	ck_assert_int_eq(pc.pc_encr, GCM16);
	sa_fill(&rx, peer, 1);
	ck_assert_int_eq(proposal_child_select(&ips, 2, &rx, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 1);
	ck_assert_int_eq(pc.pc_integ, AUTH_HMAC_SHA2_256_128);
	/* the answer carries the chosen suite, not our first */
	ck_assert_int_eq(proposal_child_answer(&ips, htonl(0x99), 2, &pc,
	    &ans), 0);
	ck_assert_int_eq(ans.sa_nprop, 1);
	tr_eq(&ans.sa_prop[0].prop_tr[0], ENCR, AES, 128);
	tr_eq(&ans.sa_prop[0].prop_tr[1], INTEG, AUTH_HMAC_SHA2_256_128, 0);
}
END_TEST

/*
 * Suites that differ in PFS group and ESN (strongSwan's esp_proposals
 * "aes256gcm16-ecp384, aes128-sha256-modp3072-esn, aes128-sha1"): in
 * CREATE_CHILD_SA each proposal carries its own DH transform (none for
 * the suite without PFS) and ESN; IKE_AUTH's carry none.  The
 * responder takes its first suite offered with that suite's group and
 * ESN, and tells the group (pc_dh) and the suite (pc_suite).
 */
START_TEST(test_proposal_child_list_pfs_esn)
{
	struct cfg_ipsec	 ips = ips_cfg(IPPROTO_ESP, GCM16, 256,
	    AUTH_NONE);
	struct proposal_choice	 pc;
	struct prop_offer	 ours, rx, ans;
	const struct pspec	 peer[] = {
		/* suite 1's algorithms with another group */
		{ 1, P_ESP, 4, { { ENCR, GCM16, 256 }, { DH, DH_ECP_256, 0 },
		    { ESN, PROP_ESN_NONE, 0 } } },
		/* suite 2, ESN only */
		{ 2, P_ESP, 4, { { ENCR, AES, 128 },
		    { INTEG, AUTH_HMAC_SHA2_256_128, 0 },
		    { DH, DH_MODP_3072, 0 }, { ESN, PROP_ESN_YES, 0 } } },
	};
	const struct pspec	 noesn[] = {
		{ 1, P_ESP, 4, { { ENCR, AES, 128 },
		    { INTEG, AUTH_HMAC_SHA2_256_128, 0 },
		    { DH, DH_MODP_3072, 0 }, { ESN, PROP_ESN_NONE, 0 } } },
	};
	const struct pspec	 nodh[] = {
		{ 1, P_ESP, 4, { { ENCR, AES, 128 },
		    { INTEG, AUTH_HMAC_SHA1_96, 0 }, { ESN, PROP_ESN_NONE, 0 } } },
	};

	cp_set(&ips.ips_props[0], GCM16, 256, AUTH_NONE, 0, DH_ECP_384);
	cp_set(&ips.ips_props[1], AES, 128, AUTH_HMAC_SHA2_256_128, 0,
	    DH_MODP_3072);
	ips.ips_props[1].cp_esn = CFG_ESN_YES;
	cp_set(&ips.ips_props[2], AES, 128, AUTH_HMAC_SHA1_96, 0, 0);
	ips.ips_nprops = 3;
	ips.ips_pfs = DH_ECP_384;

	ck_assert_int_eq(proposal_child_build(&ips, htonl(0x1234), 1, &ours),
	    0);
	ck_assert_int_eq(ours.sa_nprop, 3);
	ck_assert_int_eq(ours.sa_prop[0].prop_ntr, 3);
	tr_eq(&ours.sa_prop[0].prop_tr[1], DH, DH_ECP_384, 0);
	tr_eq(&ours.sa_prop[0].prop_tr[2], ESN, PROP_ESN_NONE, 0);
	ck_assert_int_eq(ours.sa_prop[1].prop_ntr, 4);
	tr_eq(&ours.sa_prop[1].prop_tr[2], DH, DH_MODP_3072, 0);
	tr_eq(&ours.sa_prop[1].prop_tr[3], ESN, PROP_ESN_YES, 0);
	/* PFS off in suite 3: no DH transform (RFC 7296 §3.3.2) */
	ck_assert_int_eq(ours.sa_prop[2].prop_ntr, 3);
	tr_eq(&ours.sa_prop[2].prop_tr[2], ESN, PROP_ESN_NONE, 0);
	/* IKE_AUTH: no DH transform at all, ESN per suite still */
	ck_assert_int_eq(proposal_child_build(&ips, htonl(0x1234), 0, &ours),
	    0);
	ck_assert_int_eq(ours.sa_prop[0].prop_ntr, 2);
	ck_assert_int_eq(ours.sa_prop[1].prop_ntr, 3);
	tr_eq(&ours.sa_prop[1].prop_tr[2], ESN, PROP_ESN_YES, 0);
	ck_assert_int_eq(proposal_child_suite_dh(&ips, 1), DH_MODP_3072);
	ck_assert_int_eq(proposal_child_suite_dh(&ips, 2), 0);
	ck_assert_int_eq(proposal_child_suite_dh(&ips, 9), DH_ECP_384);
	ck_assert(proposal_child_has_dh(&ips, DH_MODP_3072));
	ck_assert(!proposal_child_has_dh(&ips, DH_ECP_256));
	ck_assert(!proposal_child_has_dh(&ips, 0));

	/* the GCM proposal's group is not suite 1's: suite 2 wins, with
	 * its group and ESN */
	sa_fill(&rx, peer, 2);
	ck_assert_int_eq(proposal_child_select(&ips, 0, &rx, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 2);
	ck_assert_int_eq(pc.pc_suite, 1);
	ck_assert_int_eq(pc.pc_dh, DH_MODP_3072);
	ck_assert_int_eq(pc.pc_esn, PROP_ESN_YES);
	ck_assert_int_eq(proposal_child_answer(&ips, htonl(0x99), pc.pc_dh,
	    &pc, &ans), 0);
	ck_assert_int_eq(ans.sa_prop[0].prop_ntr, 4);
	tr_eq(&ans.sa_prop[0].prop_tr[2], DH, DH_MODP_3072, 0);
	tr_eq(&ans.sa_prop[0].prop_tr[3], ESN, PROP_ESN_YES, 0);
	/* IKE_AUTH (-1): DH ignored, suite 1 */
	ck_assert_int_eq(proposal_child_select(&ips, -1, &rx, &pc), 0);
	ck_assert_uint_eq(pc.pc_num, 1);
	ck_assert_int_eq(pc.pc_dh, 0);
	/* suite 2 wants ESN: a proposal without it does not match */
	sa_fill(&rx, noesn, 1);
	ck_assert_int_eq(proposal_child_select(&ips, 0, &rx, &pc), -1);
	/* suite 3 has no PFS: a proposal without DH, no group */
	sa_fill(&rx, nodh, 1);
	ck_assert_int_eq(proposal_child_select(&ips, 0, &rx, &pc), 0);
	ck_assert_int_eq(pc.pc_suite, 2);
	ck_assert_int_eq(pc.pc_dh, 0);
	ck_assert_int_eq(pc.pc_esn, PROP_ESN_NONE);
}
END_TEST

static Suite *
proposal_suite(void)
{
	Suite	*s = suite_create("proposal");
	TCase	*tc;

	tc = tcase_create("build");
	tcase_add_test(tc, test_proposal_ike_build_transforms);
	tcase_add_test(tc, test_proposal_child_build_transforms);
	tcase_add_test(tc, test_proposal_build_then_select);
	tcase_add_test(tc, test_proposal_aead_build_then_select);
	suite_add_tcase(s, tc);

	tc = tcase_create("ike_select");
	tcase_add_loop_test(tc, test_proposal_ike_select_table, 0,
	    NVEC(ike_sel_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("child_select");
	tcase_add_test(tc, test_proposal_esn_build);
	tcase_add_loop_test(tc, test_proposal_esn_select, 0,
	    (int)(sizeof(esn_sel_vecs) / sizeof(esn_sel_vecs[0])));
	tcase_add_test(tc, test_proposal_esn_pairs);
	tcase_add_loop_test(tc, test_proposal_child_select_table, 0,
	    NVEC(child_sel_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("check_answer");
	tcase_add_loop_test(tc, test_proposal_check_answer_table, 0,
	    NVEC(answer_vecs));
	tcase_add_test(tc, test_proposal_check_answer_choice);
	suite_add_tcase(s, tc);

	tc = tcase_create("lists");
	tcase_add_test(tc, test_proposal_ike_build_list);
	tcase_add_test(tc, test_proposal_ike_select_our_order);
	tcase_add_test(tc, test_proposal_ike_answer_choice);
	tcase_add_test(tc, test_proposal_child_list);
	tcase_add_test(tc, test_proposal_child_list_pfs_esn);
	suite_add_tcase(s, tc);

	tc = tcase_create("describe");
	tcase_add_test(tc, test_proposal_describe_strings);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(proposal_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
