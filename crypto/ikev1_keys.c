/*
 * ikev1_keys.c - IKEv1 key derivation (RFC 2409 §5, §5.5, Appendix B):
 * SKEYID for pre-shared keys, SKEYID_d/_a/_e, cipher key expansion, CBC
 * IVs, the phase 1 authentication hashes, Quick Mode hashes and KEYMAT.
 * Every input is passed to the PRF as pieces, so no concatenation buffer
 * holds g^xy; intermediate key blocks live on the stack and are wiped.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "crypto/crypto.h"

#define IKEV1_CKY_LEN		8
#define IKEV1_HASH_MD5		1	/* RFC 2409 Appendix A */
#define IKEV1_HASH_SHA		2
#define IKEV1_HASH_SHA2_256	4	/* RFC 4868 §2.1 */
#define IKEV1_HASH_SHA2_384	5	/* IANA "IKE Attributes", Hash */
#define IKEV1_HASH_SHA2_512	6
#define IKEV1_KEYMAT_MAX	(255 * CRYPTO_MAX_HASH)

static void
piece(struct prf_piece *p, const uint8_t *data, size_t len)
{
	p->pp_data = data;
	p->pp_len = data == NULL ? 0 : len;
}

static void
msgid_put(uint8_t out[4], uint32_t msgid)
{
	out[0] = (uint8_t)(msgid >> 24);
	out[1] = (uint8_t)(msgid >> 16);
	out[2] = (uint8_t)(msgid >> 8);
	out[3] = (uint8_t)msgid;
}

int
ikev1_prf_from_hash(int ikev1_hash)
{
	switch (ikev1_hash) {
	case IKEV1_HASH_MD5:
		return (PRF_HMAC_MD5);
	case IKEV1_HASH_SHA:
		return (PRF_HMAC_SHA1);
	case IKEV1_HASH_SHA2_256:
		return (PRF_HMAC_SHA2_256);
	case IKEV1_HASH_SHA2_384:
		return (PRF_HMAC_SHA2_384);
	case IKEV1_HASH_SHA2_512:
		return (PRF_HMAC_SHA2_512);
	default:
		return (0);
	}
}

int
ikev1_skeyid_psk(int prf, const uint8_t *psk, size_t psklen,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    uint8_t *out)
{
	struct prf_piece	p[2];

	piece(&p[0], ni, nilen);
	piece(&p[1], nr, nrlen);
	/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
	return (prf_compute_v(prf, psk, psklen, p, 2, out));
}

int
ikev1_key_expand(int prf, const uint8_t *skeyid_e, size_t elen,
    uint8_t *out, size_t outlen)
{
	static const uint8_t	zero[1] = { 0 };
	uint8_t			k[CRYPTO_MAX_HASH];
	size_t			hlen = prf_len(prf), off, take;
	int			ret = -1;

	if (hlen == 0 || elen != hlen || outlen > IKEV1_KEYMAT_MAX)
		return (-1);
	/* Appendix B: a long enough SKEYID_e is used as is (truncated). */
	if (outlen <= elen) {
		memcpy(out, skeyid_e, outlen);
		return (0);
	}
	/* K1 = prf(SKEYID_e, 0) */
	if (prf_compute(prf, skeyid_e, elen, zero, 1, k) == -1)
		goto done;
	for (off = 0; ; ) {
		take = outlen - off < hlen ? outlen - off : hlen;
		memcpy(out + off, k, take);
		off += take;
		if (off == outlen)
			break;
		/* Kn = prf(SKEYID_e, Kn-1) */
		if (prf_compute(prf, skeyid_e, elen, k, hlen, k) == -1)
			goto done;
	}
	ret = 0;
 done:
	OPENSSL_cleanse(k, sizeof(k));
	if (ret == -1)
		OPENSSL_cleanse(out, outlen);
	return (ret);
}

int
ikev1_keys_derive(int prf, const uint8_t *skeyid, const uint8_t *gxy,
    size_t gxylen, const uint8_t cky_i[8], const uint8_t cky_r[8],
    size_t enc_len, struct ikev1_keys *out)
{
	struct prf_piece	p[5];
	size_t			hlen = prf_len(prf);
	uint8_t			n;
	int			ret = -1;

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || enc_len == 0 || enc_len > CRYPTO_MAX_KEY) {
		log_debug("ikev1: cannot derive keys for prf %d, key %zu",
		    prf, enc_len);
		return (-1);
	}
	memcpy(out->k_skeyid, skeyid, hlen);
	/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
	n = 0;
	piece(&p[0], gxy, gxylen);
	piece(&p[1], cky_i, IKEV1_CKY_LEN);
	piece(&p[2], cky_r, IKEV1_CKY_LEN);
	piece(&p[3], &n, 1);
	if (prf_compute_v(prf, skeyid, hlen, p, 4, out->k_d) == -1)
		goto done;
	/* SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) */
	n = 1;
	piece(&p[0], out->k_d, hlen);
	piece(&p[1], gxy, gxylen);
	piece(&p[2], cky_i, IKEV1_CKY_LEN);
	piece(&p[3], cky_r, IKEV1_CKY_LEN);
	piece(&p[4], &n, 1);
	if (prf_compute_v(prf, skeyid, hlen, p, 5, out->k_a) == -1)
		goto done;
	/* SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
	n = 2;
	piece(&p[0], out->k_a, hlen);
	if (prf_compute_v(prf, skeyid, hlen, p, 5, out->k_e) == -1)
		goto done;
	/* Appendix B: the cipher key from SKEYID_e. */
	if (ikev1_key_expand(prf, out->k_e, hlen, out->k_enc, enc_len) == -1)
		goto done;
	out->k_len = hlen;
	out->k_enc_len = enc_len;
	ret = 0;
 done:
	if (ret == -1)
		ikev1_keys_clear(out);
	return (ret);
}

int
ikev1_iv_phase1(int prf, const uint8_t *gxi, size_t gxilen,
    const uint8_t *gxr, size_t gxrlen, uint8_t *iv, size_t blen)
{
	uint8_t	h[CRYPTO_MAX_HASH];
	uint8_t	buf[2 * 1024];		/* two 8192-bit MODP values */
	size_t	hlen = prf_len(prf);
	int	ret = -1;

	if (hlen == 0 || blen > hlen || gxilen > sizeof(buf) / 2 ||
	    gxrlen > sizeof(buf) / 2)
		return (-1);
	memcpy(buf, gxi, gxilen);
	memcpy(buf + gxilen, gxr, gxrlen);
	/* IV = hash(g^xi | g^xr), truncated to the block size */
	if (prf_hash(prf, buf, gxilen + gxrlen, h) == -1)
		goto done;
	memcpy(iv, h, blen);
	ret = 0;
 done:
	OPENSSL_cleanse(h, sizeof(h));
	return (ret);
}

int
ikev1_iv_phase2(int prf, const uint8_t *last, size_t blen, uint32_t msgid,
    uint8_t *iv)
{
	uint8_t	h[CRYPTO_MAX_HASH];
	uint8_t	buf[CRYPTO_MAX_BLOCK + 4];
	size_t	hlen = prf_len(prf);

	if (hlen == 0 || blen > hlen || blen > CRYPTO_MAX_BLOCK)
		return (-1);
	memcpy(buf, last, blen);
	msgid_put(buf + blen, msgid);
	/* IV = hash(last phase 1 CBC output block | M-ID) */
	if (prf_hash(prf, buf, blen + 4, h) == -1)
		return (-1);
	memcpy(iv, h, blen);
	return (0);
}

int
ikev1_hash_auth(int prf, const uint8_t *skeyid, size_t slen, int responder,
    const uint8_t *gxi, size_t gxilen, const uint8_t *gxr, size_t gxrlen,
    const uint8_t cky_i[8], const uint8_t cky_r[8], const uint8_t *sai_b,
    size_t sailen, const uint8_t *id_b, size_t idlen, uint8_t *out)
{
	struct prf_piece	p[6];

	if (!responder) {
		/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R |
		 *     SAi_b | IDii_b) */
		piece(&p[0], gxi, gxilen);
		piece(&p[1], gxr, gxrlen);
		piece(&p[2], cky_i, IKEV1_CKY_LEN);
		piece(&p[3], cky_r, IKEV1_CKY_LEN);
	} else {
		/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I |
		 *     SAi_b | IDir_b) */
		piece(&p[0], gxr, gxrlen);
		piece(&p[1], gxi, gxilen);
		piece(&p[2], cky_r, IKEV1_CKY_LEN);
		piece(&p[3], cky_i, IKEV1_CKY_LEN);
	}
	piece(&p[4], sai_b, sailen);
	piece(&p[5], id_b, idlen);
	return (prf_compute_v(prf, skeyid, slen, p, 6, out));
}

int
ikev1_hash_qm1(int prf, const uint8_t *skeyid_a, size_t alen,
    uint32_t msgid, const uint8_t *rest, size_t restlen, uint8_t *out)
{
	struct prf_piece	p[2];
	uint8_t			mid[4];

	msgid_put(mid, msgid);
	/* HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr]) */
	piece(&p[0], mid, sizeof(mid));
	piece(&p[1], rest, restlen);
	return (prf_compute_v(prf, skeyid_a, alen, p, 2, out));
}

int
ikev1_hash_qm2(int prf, const uint8_t *skeyid_a, size_t alen,
    uint32_t msgid, const uint8_t *ni, size_t nilen, const uint8_t *rest,
    size_t restlen, uint8_t *out)
{
	struct prf_piece	p[3];
	uint8_t			mid[4];

	msgid_put(mid, msgid);
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE]
	 *     [| IDci | IDcr]) */
	piece(&p[0], mid, sizeof(mid));
	piece(&p[1], ni, nilen);
	piece(&p[2], rest, restlen);
	return (prf_compute_v(prf, skeyid_a, alen, p, 3, out));
}

int
ikev1_hash_qm3(int prf, const uint8_t *skeyid_a, size_t alen,
    uint32_t msgid, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen, uint8_t *out)
{
	struct prf_piece	p[4];
	uint8_t			zero = 0, mid[4];

	msgid_put(mid, msgid);
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	piece(&p[0], &zero, 1);
	piece(&p[1], mid, sizeof(mid));
	piece(&p[2], ni, nilen);
	piece(&p[3], nr, nrlen);
	return (prf_compute_v(prf, skeyid_a, alen, p, 4, out));
}

int
ikev1_keymat(int prf, const uint8_t *skeyid_d, size_t dlen,
    const uint8_t *gxy, size_t gxylen, uint8_t proto, const uint8_t spi[4],
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    uint8_t *out, size_t outlen)
{
	struct prf_piece	p[6];
	uint8_t			k[CRYPTO_MAX_HASH], prev[CRYPTO_MAX_HASH];
	size_t			hlen = prf_len(prf), off, take;
	int			ret = -1;

	if (hlen == 0 || outlen == 0 || outlen > IKEV1_KEYMAT_MAX)
		return (-1);
	/* p[0] is Kn-1, empty for K1. */
	piece(&p[0], NULL, 0);
	piece(&p[1], gxy, gxylen);
	piece(&p[2], &proto, 1);
	piece(&p[3], spi, 4);
	piece(&p[4], ni, nilen);
	piece(&p[5], nr, nrlen);
	for (off = 0; off < outlen; off += take) {
		/* K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b |
		 *     Nr_b); Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] ...) */
		if (prf_compute_v(prf, skeyid_d, dlen, p, 6, k) == -1)
			goto done;
		take = outlen - off < hlen ? outlen - off : hlen;
		memcpy(out + off, k, take);
		memcpy(prev, k, hlen);
		piece(&p[0], prev, hlen);
	}
	ret = 0;
 done:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(prev, sizeof(prev));
	if (ret == -1)
		OPENSSL_cleanse(out, outlen);
	return (ret);
}

void
ikev1_keys_clear(struct ikev1_keys *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(k[0]));
}
