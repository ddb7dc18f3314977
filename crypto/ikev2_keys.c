/*
 * ikev2_keys.c - IKEv2 key derivation: SKEYSEED and the IKE SA keys
 * (RFC 7296 §2.14), CHILD SA key material (§2.17).  Intermediate key
 * material lives in fixed stack arrays that are wiped on every exit.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "crypto/crypto.h"

#define IKEV2_NONCE_MAX		256	/* RFC 7296 §3.9 */
#define IKEV2_SPI_LEN		8
#define IKEV2_GIR_MAX		1024	/* an 8192-bit MODP value */
/* SK_d + 2 * SK_a + 2 * SK_e + 2 * SK_p */
#define IKEV2_KEYMAT_MAX	(CRYPTO_MAX_HASH * 3 + CRYPTO_MAX_KEY * 4)

static int
ikev2_nonces_check(size_t nilen, size_t nrlen)
{
	if (nilen > IKEV2_NONCE_MAX || nrlen > IKEV2_NONCE_MAX) {
		log_debug("ikev2: nonce too long (%zu, %zu > %d)", nilen,
		    nrlen, IKEV2_NONCE_MAX);
		return (-1);
	}
	return (0);
}

/* Appends src to dst at *off; NULL with len 0 is allowed. */
static void
ikev2_cat(uint8_t *dst, size_t *off, const uint8_t *src, size_t len)
{
	if (len > 0)
		memcpy(dst + *off, src, len);
	*off += len;
}

int
ikev2_skeyseed(int prf, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen, const uint8_t *gir, size_t girlen, uint8_t *out)
{
	uint8_t	key[2 * IKEV2_NONCE_MAX];
	size_t	klen = 0;
	int	ret = -1;

	if (ikev2_nonces_check(nilen, nrlen) == -1)
		return (-1);
	ikev2_cat(key, &klen, ni, nilen);
	ikev2_cat(key, &klen, nr, nrlen);
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	if (prf_compute(prf, key, klen, gir, girlen, out) == -1)
		goto done;
	ret = 0;
 done:
	OPENSSL_cleanse(key, sizeof(key));
	return (ret);
}

int
ikev2_skeyseed_rekey(int prf, const uint8_t *sk_d, size_t dlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out)
{
	struct prf_piece	pc[3];

	if (gir == NULL || girlen == 0 || girlen > IKEV2_GIR_MAX) {
		log_debug("ikev2: bad g^ir length %zu for the IKE SA rekey",
		    gir == NULL ? 0 : girlen);
		return (-1);
	}
	if (ikev2_nonces_check(nilen, nrlen) == -1)
		return (-1);
	pc[0].pp_data = gir;
	pc[0].pp_len = girlen;
	pc[1].pp_data = ni;
	pc[1].pp_len = nilen;
	pc[2].pp_data = nr;
	pc[2].pp_len = nrlen;
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
	return (prf_compute_v(prf, sk_d, dlen, pc, 3, out));
}

int
ikev2_keys_derive(int prf, int integ, int encr, int keybits,
    const uint8_t *skeyseed, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, const uint8_t spii[8],
    const uint8_t spir[8], struct ikev2_keys *out)
{
	uint8_t	seed[2 * IKEV2_NONCE_MAX + 2 * IKEV2_SPI_LEN];
	uint8_t	km[IKEV2_KEYMAT_MAX];
	uint8_t	*p = km;
	size_t	dlen, alen, elen, total, slen;
	int	ret = -1;

	memset(out, 0, sizeof(*out));
	dlen = prf_len(prf);
	/*
	 * Combined-mode ciphers have no integrity transform (§3.3.3): SK_ai
	 * and SK_ar are empty and SK_e holds the key and its 4-byte salt
	 * (RFC 5282 §7.1, RFC 7634 §4), encr_key_len() says how long.
	 */
	alen = integ == AUTH_NONE ? 0 : integ_key_len(integ);
	elen = encr_key_len(encr, keybits);
	/* an AEAD goes without integrity, any other cipher with one */
	if (dlen == 0 || elen == 0 || (integ != AUTH_NONE && alen == 0) ||
	    encr_is_aead(encr) != (integ == AUTH_NONE)) {
		log_debug("ikev2: cannot derive keys for prf %d, integ %d, "
		    "encr %d/%d", prf, integ, encr, keybits);
		return (-1);
	}
	if (ikev2_nonces_check(nilen, nrlen) == -1)
		return (-1);
	total = dlen + 2 * alen + 2 * elen + 2 * dlen;

	slen = 0;
	ikev2_cat(seed, &slen, ni, nilen);
	ikev2_cat(seed, &slen, nr, nrlen);
	ikev2_cat(seed, &slen, spii, IKEV2_SPI_LEN);
	ikev2_cat(seed, &slen, spir, IKEV2_SPI_LEN);
	/*
	 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
	 *   = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
	 */
	if (prf_plus(prf, skeyseed, dlen, seed, slen, km, total) == -1)
		goto done;
	memcpy(out->k_d, p, dlen);
	p += dlen;
	memcpy(out->k_ai, p, alen);	/* alen may be 0 */
	p += alen;
	memcpy(out->k_ar, p, alen);
	p += alen;
	memcpy(out->k_ei, p, elen);
	p += elen;
	memcpy(out->k_er, p, elen);
	p += elen;
	memcpy(out->k_pi, p, dlen);
	p += dlen;
	memcpy(out->k_pr, p, dlen);
	out->k_d_len = dlen;
	out->k_a_len = alen;
	out->k_e_len = elen;
	out->k_p_len = dlen;
	ret = 0;
 done:
	OPENSSL_cleanse(km, sizeof(km));
	OPENSSL_cleanse(seed, sizeof(seed));
	if (ret == -1)
		ikev2_keys_clear(out);
	return (ret);
}

int
ikev2_child_keymat(int prf, const uint8_t *sk_d, size_t dlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t outlen)
{
	uint8_t	seed[IKEV2_GIR_MAX + 2 * IKEV2_NONCE_MAX];
	size_t	slen = 0;
	int	ret = -1;

	if (gir == NULL)
		girlen = 0;
	if (girlen > IKEV2_GIR_MAX) {
		log_debug("ikev2: g^ir too long (%zu > %d)", girlen,
		    IKEV2_GIR_MAX);
		return (-1);
	}
	if (ikev2_nonces_check(nilen, nrlen) == -1)
		return (-1);
	ikev2_cat(seed, &slen, gir, girlen);
	ikev2_cat(seed, &slen, ni, nilen);
	ikev2_cat(seed, &slen, nr, nrlen);
	/*
	 * KEYMAT = prf+(SK_d, Ni | Nr), or with PFS (§2.17)
	 * KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)
	 */
	if (prf_plus(prf, sk_d, dlen, seed, slen, out, outlen) == -1)
		goto done;
	ret = 0;
 done:
	OPENSSL_cleanse(seed, sizeof(seed));
	return (ret);
}

void
ikev2_keys_clear(struct ikev2_keys *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
}
