/*
 * cipher.c - the CBC encryption transforms (RFC 2451 3DES, RFC 3602 AES)
 * without padding (IKE pads itself, RFC 7296 §3.14), the combined-mode
 * ciphers AES-GCM (RFC 4106, RFC 5282) and ChaCha20-Poly1305 (RFC 7634)
 * and the truncated HMAC integrity transforms (RFC 2403, RFC 2404,
 * RFC 4868).
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "crypto/crypto.h"

struct encr_alg {
	int		 ea_id;
	size_t		 ea_klen;	/* bytes */
	const char	*ea_cipher;	/* OpenSSL cipher name */
	EVP_CIPHER	*ea_evp;	/* fetched on first use */
};

static struct encr_alg encr_algs[] = {
	{ ENCR_3DES,	24, "DES-EDE3-CBC",	NULL },
	{ ENCR_AES_CBC,	16, "AES-128-CBC",	NULL },
	{ ENCR_AES_CBC,	24, "AES-192-CBC",	NULL },
	{ ENCR_AES_CBC,	32, "AES-256-CBC",	NULL },
};

/* ea_klen is the cipher key without the salt. */
static struct encr_alg aead_algs[] = {
	{ ENCR_AES_GCM_16, 16, "AES-128-GCM",	NULL },
	{ ENCR_AES_GCM_16, 24, "AES-192-GCM",	NULL },
	{ ENCR_AES_GCM_16, 32, "AES-256-GCM",	NULL },
	{ ENCR_CHACHA20_POLY1305, 32, "ChaCha20-Poly1305", NULL },
};

struct integ_alg {
	int	ia_id;
	int	ia_prf;		/* the HMAC behind it */
	size_t	ia_klen;
	size_t	ia_icvlen;
};

/* RFC 2403 §2, RFC 2404 §2, RFC 4868 §2.1: key = hash length. */
static const struct integ_alg integ_algs[] = {
	{ AUTH_HMAC_MD5_96,	  PRF_HMAC_MD5,		16, 12 },
	{ AUTH_HMAC_SHA1_96,	  PRF_HMAC_SHA1,	20, 12 },
	{ AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256,	32, 16 },
	{ AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384,	48, 24 },
	{ AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512,	64, 32 },
};

size_t
encr_block_len(int encr)
{
	switch (encr) {
	case ENCR_3DES:
		return (8);
	case ENCR_AES_CBC:
		return (16);
	default:
		/* RFC 5282 §3, RFC 7634 §3: no alignment beyond 1 octet */
		return (encr_is_aead(encr) ? 1 : 0);
	}
}

size_t
aead_icv_len(int encr)
{
	switch (encr) {
	case ENCR_AES_GCM_8:
		return (8);
	case ENCR_AES_GCM_12:
		return (12);
	case ENCR_AES_GCM_16:
	case ENCR_CHACHA20_POLY1305:
		return (16);
	default:
		return (0);
	}
}

size_t
encr_key_len(int encr, int keybits)
{
	switch (encr) {
	case ENCR_3DES:
		/* RFC 2451 §2.2: fixed 192-bit key, no Key Length attribute */
		return (24);
	case ENCR_AES_CBC:
		/* RFC 3602 §2.5 */
		if (keybits == 128 || keybits == 192 || keybits == 256)
			return ((size_t)keybits / 8);
		return (0);
	case ENCR_AES_GCM_8:
	case ENCR_AES_GCM_12:
	case ENCR_AES_GCM_16:
		/* RFC 4106 §8.1, RFC 5282 §7.1: key | 4-byte salt */
		if (keybits == 128 || keybits == 192 || keybits == 256)
			return ((size_t)keybits / 8 + AEAD_SALT_LEN);
		return (0);
	case ENCR_CHACHA20_POLY1305:
		/* RFC 7634 §2, §4: a 256-bit key, no Key Length attribute */
		return (keybits == 0 ? 32 + AEAD_SALT_LEN : 0);
	default:
		return (0);
	}
}

static EVP_CIPHER *
encr_cipher_get(int encr, size_t klen)
{
	struct encr_alg	*ea;
	size_t		 i;

	for (i = 0; i < sizeof(encr_algs) / sizeof(encr_algs[0]); i++) {
		ea = &encr_algs[i];
		if (ea->ea_id != encr || ea->ea_klen != klen)
			continue;
		if (ea->ea_evp == NULL)
			ea->ea_evp = EVP_CIPHER_fetch(NULL, ea->ea_cipher,
			    NULL);
		return (ea->ea_evp);
	}
	log_debug("encr: no cipher %d with a %zu-byte key", encr, klen);
	return (NULL);
}

/* in and out may be the same buffer. */
static int
encr_crypt(int encr, const uint8_t *key, size_t klen, const uint8_t *iv,
    const uint8_t *in, size_t len, uint8_t *out, int enc)
{
	EVP_CIPHER	*cipher;
	EVP_CIPHER_CTX	*ctx = NULL;
	size_t		 blen = encr_block_len(encr);
	int		 outl, ret = -1;

	if (blen == 0 || (cipher = encr_cipher_get(encr, klen)) == NULL)
		return (-1);
	if (len % blen != 0 || len > INT_MAX) {
		log_debug("encr: %zu bytes is not a multiple of %zu", len,
		    blen);
		return (-1);
	}
	if (len == 0)
		return (0);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_CipherUpdate(ctx, out, &outl, in, (int)len) ||
	    (size_t)outl != len)
		goto done;
	ret = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);	/* wipes the key schedule */
	return (ret);
}

int
encr_encrypt(int encr, const uint8_t *key, size_t klen, const uint8_t *iv,
    const uint8_t *in, size_t len, uint8_t *out)
{
	return (encr_crypt(encr, key, klen, iv, in, len, out, 1));
}

int
encr_decrypt(int encr, const uint8_t *key, size_t klen, const uint8_t *iv,
    const uint8_t *in, size_t len, uint8_t *out)
{
	return (encr_crypt(encr, key, klen, iv, in, len, out, 0));
}

/* The OpenSSL cipher for an AEAD whose key (without salt) is klen. */
static EVP_CIPHER *
aead_cipher_get(int encr, size_t klen)
{
	struct encr_alg	*ea;
	size_t		 i;
	int		 id = encr == ENCR_CHACHA20_POLY1305 ? encr :
			    ENCR_AES_GCM_16;	/* one cipher, three ICVs */

	if (!encr_is_aead(encr))
		return (NULL);
	for (i = 0; i < sizeof(aead_algs) / sizeof(aead_algs[0]); i++) {
		ea = &aead_algs[i];
		if (ea->ea_id != id || ea->ea_klen != klen)
			continue;
		if (ea->ea_evp == NULL)
			ea->ea_evp = EVP_CIPHER_fetch(NULL, ea->ea_cipher,
			    NULL);
		return (ea->ea_evp);
	}
	log_debug("aead: no cipher %d with a %zu-byte key", encr, klen);
	return (NULL);
}

/*
 * One AEAD operation.  enc 1: icv is written; enc 0: icv is checked
 * (EVP_CipherFinal_ex fails on a mismatch, in constant time).
 */
static int
aead_crypt(int encr, const uint8_t *key, size_t klen, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t *icv, int enc)
{
	EVP_CIPHER	*cipher;
	EVP_CIPHER_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	uint8_t		 nonce[AEAD_SALT_LEN + AEAD_IV_LEN];
	size_t		 icvlen = aead_icv_len(encr);
	int		 outl, ret = -1;

	if (icvlen == 0 || klen <= AEAD_SALT_LEN ||
	    klen > CRYPTO_MAX_KEY || len > INT_MAX || aadlen > INT_MAX ||
	    (cipher = aead_cipher_get(encr, klen - AEAD_SALT_LEN)) == NULL)
		return (-1);
	/* nonce = salt | IV, the salt being the key material's tail */
	memcpy(nonce, key + klen - AEAD_SALT_LEN, AEAD_SALT_LEN);
	memcpy(nonce + AEAD_SALT_LEN, iv, AEAD_IV_LEN);
	params[1] = OSSL_PARAM_construct_end();
	/* Both ciphers take a 96-bit nonce by default. */
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_CipherInit_ex2(ctx, cipher, key, nonce, enc, NULL) ||
	    (size_t)EVP_CIPHER_CTX_get_iv_length(ctx) != sizeof(nonce))
		goto done;
	if (!enc) {
		params[0] = OSSL_PARAM_construct_octet_string(
		    OSSL_CIPHER_PARAM_AEAD_TAG, icv, icvlen);
		if (!EVP_CIPHER_CTX_set_params(ctx, params))
			goto done;
	}
	if (aadlen > 0 &&
	    !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen))
		goto done;
	if (len > 0 && (!EVP_CipherUpdate(ctx, out, &outl, in, (int)len) ||
	    (size_t)outl != len))
		goto done;
	if (!EVP_CipherFinal_ex(ctx, out + len, &outl) || outl != 0)
		goto done;
	if (enc) {
		/* GCM's ICV is the tag's leftmost octets (RFC 4106 §6) */
		params[0] = OSSL_PARAM_construct_octet_string(
		    OSSL_CIPHER_PARAM_AEAD_TAG, icv, icvlen);
		if (!EVP_CIPHER_CTX_get_params(ctx, params))
			goto done;
	}
	ret = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);	/* wipes the key schedule */
	OPENSSL_cleanse(nonce, sizeof(nonce));
	if (ret == -1 && len > 0)
		OPENSSL_cleanse(out, len);
	return (ret);
}

int
aead_seal(int encr, const uint8_t *key, size_t klen,
    const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad, size_t aadlen,
    const uint8_t *in, size_t len, uint8_t *out, uint8_t *icv)
{
	return (aead_crypt(encr, key, klen, iv, aad, aadlen, in, len, out,
	    icv, 1));
}

int
aead_open(int encr, const uint8_t *key, size_t klen,
    const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad, size_t aadlen,
    const uint8_t *in, size_t len, uint8_t *out, const uint8_t *icv)
{
	uint8_t	tag[16];
	size_t	icvlen = aead_icv_len(encr);

	if (icvlen == 0 || icvlen > sizeof(tag))
		return (-1);
	memcpy(tag, icv, icvlen);
	if (aead_crypt(encr, key, klen, iv, aad, aadlen, in, len, out, tag,
	    0) == -1) {
		log_debug("aead: ICV mismatch");
		return (-1);
	}
	return (0);
}

static const struct integ_alg *
integ_alg_find(int integ)
{
	size_t	i;

	for (i = 0; i < sizeof(integ_algs) / sizeof(integ_algs[0]); i++)
		if (integ_algs[i].ia_id == integ)
			return (&integ_algs[i]);
	return (NULL);
}

size_t
integ_key_len(int integ)
{
	const struct integ_alg	*ia;

	return ((ia = integ_alg_find(integ)) == NULL ? 0 : ia->ia_klen);
}

size_t
integ_icv_len(int integ)
{
	const struct integ_alg	*ia;

	return ((ia = integ_alg_find(integ)) == NULL ? 0 : ia->ia_icvlen);
}

int
integ_to_prf(int integ)
{
	const struct integ_alg	*ia;

	return ((ia = integ_alg_find(integ)) == NULL ? 0 : ia->ia_prf);
}

/* The ICV is the HMAC truncated to its leftmost icvlen bytes. */
int
integ_compute(int integ, const uint8_t *key, const uint8_t *data,
    size_t len, uint8_t *icv)
{
	const struct integ_alg	*ia;
	uint8_t			 mac[CRYPTO_MAX_HASH];
	int			 ret = -1;

	if ((ia = integ_alg_find(integ)) == NULL) {
		log_debug("integ: unsupported transform %d", integ);
		return (-1);
	}
	if (prf_compute(ia->ia_prf, key, ia->ia_klen, data, len, mac) == -1)
		goto done;
	memcpy(icv, mac, ia->ia_icvlen);
	ret = 0;
 done:
	OPENSSL_cleanse(mac, sizeof(mac));
	return (ret);
}

int
integ_verify(int integ, const uint8_t *key, const uint8_t *data,
    size_t len, const uint8_t *icv)
{
	uint8_t	calc[CRYPTO_MAX_HASH];
	int	ret = -1;

	if (integ_compute(integ, key, data, len, calc) == -1)
		goto done;
	if (CRYPTO_memcmp(calc, icv, integ_icv_len(integ)) != 0) {
		log_debug("integ: ICV mismatch");
		goto done;
	}
	ret = 0;
 done:
	OPENSSL_cleanse(calc, sizeof(calc));
	return (ret);
}
