/*
 * crypto.h - the crypto layer: MODP Diffie-Hellman, PRFs and prf+, CBC
 * and AEAD ciphers, HMAC integrity, IKEv2 key derivation.  OpenSSL 3 (EVP and
 * OSSL_PARAM only) supplies the primitives; everything above is ours.
 *
 * Algorithms are named by their IKEv2 transform IDs (RFC 7296 §3.3.2,
 * IANA "IKEv2 Parameters"); IKEv1 code maps its own numbers to these.
 * All functions return 0 on success and -1 on error unless noted.
 */
#ifndef GW_CRYPTO_H
#define GW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Transform type 1: encryption */
#define ENCR_3DES		3
#define ENCR_AES_CBC		12
/* Combined-mode (AEAD) ciphers: no integrity transform (RFC 7296 §3.3) */
#define ENCR_AES_GCM_8		18	/* RFC 4106, RFC 5282 */
#define ENCR_AES_GCM_12		19
#define ENCR_AES_GCM_16		20
#define ENCR_CHACHA20_POLY1305	28	/* RFC 7634 */
/* Transform type 2: PRF */
#define PRF_HMAC_MD5		1
#define PRF_HMAC_SHA1		2
#define PRF_HMAC_SHA2_256	5
#define PRF_HMAC_SHA2_384	6
#define PRF_HMAC_SHA2_512	7
/* Transform type 3: integrity */
#define AUTH_NONE		0
#define AUTH_HMAC_MD5_96	1
#define AUTH_HMAC_SHA1_96	2
#define AUTH_HMAC_SHA2_256_128	12
#define AUTH_HMAC_SHA2_384_192	13
#define AUTH_HMAC_SHA2_512_256	14
/* Transform type 4: Diffie-Hellman groups */
#define DH_NONE			0
#define DH_MODP_768		1
#define DH_MODP_1024		2
#define DH_MODP_1536		5
#define DH_MODP_2048		14
#define DH_MODP_3072		15
#define DH_MODP_4096		16
#define DH_ECP_256		19	/* RFC 5903 */
#define DH_ECP_384		20
#define DH_ECP_521		21
#define DH_MODP_2048_256	24
#define DH_CURVE25519		31	/* RFC 8031 */

#define CRYPTO_MAX_KEY		64	/* longest key of any algorithm */
#define CRYPTO_MAX_HASH		64	/* longest PRF/hash output */
#define CRYPTO_MAX_BLOCK	16

/* Short names for logs ("aes128", "sha1", "modp2048"), "?" if unknown. */
const char	*crypto_encr_name(int encr, int keybits);
const char	*crypto_integ_name(int integ);
const char	*crypto_prf_name(int prf);
const char	*crypto_dh_name(int group);

/* --- Diffie-Hellman (dh.c) --- */
struct dh;

/*
 * Length in bytes of the KE data: the prime's length (MODP), 2 * the
 * coordinate length (ECP, x | y, RFC 5903 §7), 32 (Curve25519, RFC 8031
 * §2); 0 if unknown.
 */
size_t		 dh_group_len(int group);
/* Length in bytes of the shared secret g^ir (the x coordinate for ECP). */
size_t		 dh_secret_len(int group);
/* Generates a key pair; returns an owned object or NULL. */
struct dh	*dh_new(int group);
/*
 * Known-answer tests only: the key pair of the given private value (ECP:
 * big-endian scalar of the coordinate length; Curve25519: 32 bytes).
 * MODP groups are refused.  Returns an owned object or NULL.
 */
struct dh	*dh_new_private(int group, const uint8_t *priv, size_t len);
/*
 * Another holder of dh's key pair (not yet derived): each holder derives
 * once and frees its own reference; the private value lives until the
 * last one has (EVP_PKEY reference count).  NULL if dh was derived.
 */
struct dh	*dh_share(const struct dh *dh);
void		 dh_free(struct dh *dh);
int		 dh_group(const struct dh *dh);
/*
 * Tests only: the length in bits of a MODP key pair's private exponent
 * (at most the group's exponent length, dh.c), -1 for curves or once
 * derived.
 */
int		 dh_private_bits(const struct dh *dh);
/* Appends our public value, left-padded to dh_group_len(). */
int		 dh_public_get(const struct dh *dh, struct buf *out);
/*
 * Checks the peer value (exact length; MODP: 1 < y < p-1, for group 24
 * also y^q = 1 mod p; ECP: a point on the curve, not the identity;
 * Curve25519: a non-zero result) and returns the owned shared secret of
 * dh_secret_len() bytes (MODP left-padded to the prime's length), or NULL.
 * On success our private value is freed at once (issue 8: ephemeral keys
 * live no longer than needed): a second dh_derive() fails, while
 * dh_public_get() still gives our public value.
 */
struct buf	*dh_derive(struct dh *dh, const uint8_t *peer, size_t len);

/* --- PRF, prf+ and plain hashes (prf.c) --- */
/* Output length in bytes, 0 if unknown. */
size_t		 prf_len(int prf);
/* out receives prf_len(prf) bytes. */
int		 prf_compute(int prf, const uint8_t *key, size_t klen,
		    const uint8_t *data, size_t dlen, uint8_t *out);
/* Same over the concatenation of n (ptr, len) pieces. */
struct prf_piece {
	const uint8_t	*pp_data;
	size_t		 pp_len;
};
int		 prf_compute_v(int prf, const uint8_t *key, size_t klen,
		    const struct prf_piece *pieces, size_t n, uint8_t *out);
/* RFC 7296 §2.13: out = T1 | T2 | ... truncated to outlen (<= 255 T's). */
int		 prf_plus(int prf, const uint8_t *key, size_t klen,
		    const uint8_t *seed, size_t slen, uint8_t *out,
		    size_t outlen);
/* The PRF's underlying hash (IKEv1 IV computation): out gets prf_len(). */
int		 prf_hash(int prf, const uint8_t *data, size_t len,
		    uint8_t *out);

/* --- Encryption (cipher.c): CBC, no padding, len a multiple of block --- */
/* CBC: the block (= IV) length; AEAD: 1 (no alignment); 0 if unknown. */
size_t		 encr_block_len(int encr);
/*
 * Key length in bytes for keybits (0 for 3DES = 24 bytes), 0 if bad.
 * AEAD: the key material, i.e. the cipher key and its 4-byte salt
 * (RFC 4106 §8.1, RFC 5282 §7.1, RFC 7634 §4: 20, 28, 36 bytes for
 * AES-GCM 128, 192, 256; 36 for ChaCha20-Poly1305, whose keybits is 0).
 */
size_t		 encr_key_len(int encr, int keybits);
/*
 * 1 for a combined-mode cipher (AES-GCM, ChaCha20-Poly1305), else 0.
 * Inline: policy/ uses it with the numbers, without linking crypto/.
 */
static inline int
encr_is_aead(int encr)
{
	return (encr == ENCR_AES_GCM_8 || encr == ENCR_AES_GCM_12 ||
	    encr == ENCR_AES_GCM_16 || encr == ENCR_CHACHA20_POLY1305);
}
/* 1 if the transform carries a Key Length attribute (AES-CBC, AES-GCM). */
static inline int
encr_has_keylen(int encr)
{
	return (encr == ENCR_AES_CBC || (encr_is_aead(encr) &&
	    encr != ENCR_CHACHA20_POLY1305));
}
int		 encr_encrypt(int encr, const uint8_t *key, size_t klen,
		    const uint8_t *iv, const uint8_t *in, size_t len,
		    uint8_t *out);
int		 encr_decrypt(int encr, const uint8_t *key, size_t klen,
		    const uint8_t *iv, const uint8_t *in, size_t len,
		    uint8_t *out);

/* --- AEAD (cipher.c): AES-GCM and ChaCha20-Poly1305 --- */
#define AEAD_IV_LEN		8	/* explicit IV on the wire */
#define AEAD_SALT_LEN		4	/* the key material's tail */
/* ICV length in bytes: 8, 12 or 16; 0 if encr is not an AEAD. */
size_t		 aead_icv_len(int encr);
/*
 * key holds encr_key_len() bytes: the cipher key, then the salt; the
 * nonce is salt | iv (RFC 4106 §4, RFC 5282 §4, RFC 7634 §2).  aad may
 * be NULL with aadlen 0; in and out may be the same buffer.  seal
 * writes aead_icv_len() bytes to icv; open returns -1 (out wiped) when
 * the ICV does not verify.
 */
int		 aead_seal(int encr, const uint8_t *key, size_t klen,
		    const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
		    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
		    uint8_t *icv);
int		 aead_open(int encr, const uint8_t *key, size_t klen,
		    const uint8_t iv[AEAD_IV_LEN], const uint8_t *aad,
		    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
		    const uint8_t *icv);

/* --- Integrity (cipher.c): truncated HMAC --- */
size_t		 integ_key_len(int integ);	/* 16 .. 64; 0 if bad */
size_t		 integ_icv_len(int integ);	/* 12 .. 32; 0 if bad */
/* The PRF using the same hash (IKEv2 §3.3.2 pairing), 0 if none. */
int		 integ_to_prf(int integ);
int		 integ_compute(int integ, const uint8_t *key,
		    const uint8_t *data, size_t len, uint8_t *icv);
/* Constant-time comparison (CRYPTO_memcmp); 0 if the ICV matches. */
int		 integ_verify(int integ, const uint8_t *key,
		    const uint8_t *data, size_t len, const uint8_t *icv);

/* --- IKEv2 key derivation (ikev2_keys.c), RFC 7296 §2.14, §2.17 --- */
struct ikev2_keys {
	uint8_t	k_d[CRYPTO_MAX_HASH];
	uint8_t	k_ai[CRYPTO_MAX_KEY];
	uint8_t	k_ar[CRYPTO_MAX_KEY];
	uint8_t	k_ei[CRYPTO_MAX_KEY];
	uint8_t	k_er[CRYPTO_MAX_KEY];
	uint8_t	k_pi[CRYPTO_MAX_HASH];
	uint8_t	k_pr[CRYPTO_MAX_HASH];
	size_t	k_d_len;	/* = prf_len */
	size_t	k_a_len;	/* = integ_key_len */
	size_t	k_e_len;	/* = encr_key_len */
	size_t	k_p_len;	/* = prf_len */
};

/* SKEYSEED = prf(Ni | Nr, g^ir); out gets prf_len(prf) bytes. */
int	ikev2_skeyseed(int prf, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
	    uint8_t *out);
/*
 * IKE SA rekey (RFC 7296 §2.18): SKEYSEED = prf(SK_d (old), g^ir (new) |
 * Ni | Nr) with the old IKE SA's PRF; out gets prf_len(prf) bytes.  The
 * keys then come from ikev2_keys_derive() with the new SPIs.
 */
int	ikev2_skeyseed_rekey(int prf, const uint8_t *sk_d, size_t dlen,
	    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, uint8_t *out);
/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * Nonce lengths are not checked here (the KAT uses 8-byte nonces).
 */
int	ikev2_keys_derive(int prf, int integ, int encr, int keybits,
	    const uint8_t *skeyseed, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, const uint8_t spii[8],
	    const uint8_t spir[8], struct ikev2_keys *out);
/*
 * CHILD SA KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), outlen bytes;
 * gir may be NULL (no PFS).
 */
int	ikev2_child_keymat(int prf, const uint8_t *sk_d, size_t dlen,
	    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t outlen);
/* Wipes the keys. */
void	ikev2_keys_clear(struct ikev2_keys *k);

/* --- IKEv1 key derivation (ikev1_keys.c), RFC 2409 §5, Appendix B --- */
/*
 * The PRF is the HMAC of the negotiated phase 1 hash: IKEv1 hash
 * attribute 1 (MD5), 2 (SHA), 4 (SHA2-256), 5 (SHA2-384), 6 (SHA2-512)
 * map to PRF_HMAC_MD5, _SHA1, _SHA2_256, _SHA2_384, _SHA2_512; 0 for
 * anything else.
 */
int	ikev1_prf_from_hash(int ikev1_hash);

struct ikev1_keys {
	uint8_t	k_skeyid[CRYPTO_MAX_HASH];
	uint8_t	k_d[CRYPTO_MAX_HASH];	/* SKEYID_d */
	uint8_t	k_a[CRYPTO_MAX_HASH];	/* SKEYID_a */
	uint8_t	k_e[CRYPTO_MAX_HASH];	/* SKEYID_e */
	uint8_t	k_enc[CRYPTO_MAX_KEY];	/* cipher key from SKEYID_e */
	size_t	k_len;			/* = prf_len: all SKEYIDs */
	size_t	k_enc_len;
};

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) (RFC 2409 §5); out gets
 * prf_len(prf) bytes. */
int	ikev1_skeyid_psk(int prf, const uint8_t *psk, size_t psklen,
	    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
	    uint8_t *out);
/*
 * From SKEYID (prf_len bytes): SKEYID_d, SKEYID_a, SKEYID_e (RFC 2409 §5)
 * and the cipher key of enc_len bytes (<= CRYPTO_MAX_KEY), expanded per
 * Appendix B when prf_len < enc_len.  out is wiped on error.
 */
int	ikev1_keys_derive(int prf, const uint8_t *skeyid, const uint8_t *gxy,
	    size_t gxylen, const uint8_t cky_i[8], const uint8_t cky_r[8],
	    size_t enc_len, struct ikev1_keys *out);
/* RFC 2409 Appendix B: the first outlen bytes of SKEYID_e if long
 * enough, else K1 | K2 | ... with K1 = prf(SKEYID_e, 0x00), Kn =
 * prf(SKEYID_e, Kn-1). */
int	ikev1_key_expand(int prf, const uint8_t *skeyid_e, size_t elen,
	    uint8_t *out, size_t outlen);
/* Phase 1 IV = hash(g^xi | g^xr), first blen bytes (RFC 2409 App. B). */
int	ikev1_iv_phase1(int prf, const uint8_t *gxi, size_t gxilen,
	    const uint8_t *gxr, size_t gxrlen, uint8_t *iv, size_t blen);
/* Phase 2 / informational IV = hash(last phase 1 CBC block | M-ID),
 * first blen bytes; last holds blen bytes, msgid in host order. */
int	ikev1_iv_phase2(int prf, const uint8_t *last, size_t blen,
	    uint32_t msgid, uint8_t *iv);
/*
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * (RFC 2409 §5).  responder selects HASH_R; id_b is then IDir_b.  The
 * arguments are always given in initiator/responder order.
 */
int	ikev1_hash_auth(int prf, const uint8_t *skeyid, size_t slen,
	    int responder, const uint8_t *gxi, size_t gxilen,
	    const uint8_t *gxr, size_t gxrlen, const uint8_t cky_i[8],
	    const uint8_t cky_r[8], const uint8_t *sai_b, size_t sailen,
	    const uint8_t *id_b, size_t idlen, uint8_t *out);
/*
 * Quick Mode (RFC 2409 §5.5) and informational (§5.7) hashes; msgid in
 * host order, rest = the message after the HASH payload:
 *   HASH(1) = prf(SKEYID_a, M-ID | rest)         (also informational)
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest)
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
 */
int	ikev1_hash_qm1(int prf, const uint8_t *skeyid_a, size_t alen,
	    uint32_t msgid, const uint8_t *rest, size_t restlen, uint8_t *out);
int	ikev1_hash_qm2(int prf, const uint8_t *skeyid_a, size_t alen,
	    uint32_t msgid, const uint8_t *ni, size_t nilen,
	    const uint8_t *rest, size_t restlen, uint8_t *out);
int	ikev1_hash_qm3(int prf, const uint8_t *skeyid_a, size_t alen,
	    uint32_t msgid, const uint8_t *ni, size_t nilen, const uint8_t *nr,
	    size_t nrlen, uint8_t *out);
/*
 * Quick Mode KEYMAT (RFC 2409 §5.5) for one direction, outlen bytes:
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * gxy NULL without PFS; spi is the receiving side's SPI (4 bytes, wire
 * order).
 */
int	ikev1_keymat(int prf, const uint8_t *skeyid_d, size_t dlen,
	    const uint8_t *gxy, size_t gxylen, uint8_t proto,
	    const uint8_t spi[4], const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t outlen);
/* Wipes the keys. */
void	ikev1_keys_clear(struct ikev1_keys *k);

#endif
