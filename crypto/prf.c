/*
 * prf.c - the IKE pseudo-random functions (HMAC, RFC 2104, via EVP_MAC),
 * prf+ (RFC 7296 §2.13) and the PRF's plain hash (IKEv1 IVs, RFC 2409
 * Appendix B).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "crypto/crypto.h"

struct prf_alg {
	int		 pa_id;
	const char	*pa_digest;	/* OpenSSL digest name */
	size_t		 pa_len;	/* output bytes */
};

/* RFC 7296 §3.3.2 transform type 2; RFC 2104, RFC 4868 §2.1. */
static const struct prf_alg prf_algs[] = {
	{ PRF_HMAC_MD5,		"MD5",		16 },
	{ PRF_HMAC_SHA1,	"SHA1",		20 },
	{ PRF_HMAC_SHA2_256,	"SHA2-256",	32 },
	{ PRF_HMAC_SHA2_384,	"SHA2-384",	48 },
	{ PRF_HMAC_SHA2_512,	"SHA2-512",	64 },
};
#define PRF_NALGS	(sizeof(prf_algs) / sizeof(prf_algs[0]))

/* Fetched once: the daemon calls these for every message it protects. */
static EVP_MAC	*prf_mac;
static EVP_MD	*prf_mds[PRF_NALGS];

static const struct prf_alg *
prf_alg_find(int prf, size_t *idx)
{
	size_t	i;

	for (i = 0; i < PRF_NALGS; i++)
		if (prf_algs[i].pa_id == prf) {
			if (idx != NULL)
				*idx = i;
			return (&prf_algs[i]);
		}
	return (NULL);
}

size_t
prf_len(int prf)
{
	const struct prf_alg	*pa;

	if ((pa = prf_alg_find(prf, NULL)) == NULL)
		return (0);
	return (pa->pa_len);
}

int
prf_compute_v(int prf, const uint8_t *key, size_t klen,
    const struct prf_piece *pieces, size_t n, uint8_t *out)
{
	static const uint8_t	 nokey[1];
	const struct prf_alg	*pa;
	EVP_MAC_CTX		*ctx = NULL;
	OSSL_PARAM		 params[2];
	size_t			 i, outl = 0;
	int			 ret = -1;

	if ((pa = prf_alg_find(prf, NULL)) == NULL) {
		log_debug("prf: unsupported PRF %d", prf);
		return (-1);
	}
	if (prf_mac == NULL &&
	    (prf_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
		return (-1);
	/* An empty key is a valid HMAC key; EVP_MAC needs a non-NULL one. */
	if (key == NULL || klen == 0) {
		key = nokey;
		klen = 0;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)pa->pa_digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(prf_mac)) == NULL ||
	    !EVP_MAC_init(ctx, key, klen, params))
		goto done;
	for (i = 0; i < n; i++)
		if (pieces[i].pp_len > 0 &&
		    !EVP_MAC_update(ctx, pieces[i].pp_data, pieces[i].pp_len))
			goto done;
	if (!EVP_MAC_final(ctx, out, &outl, pa->pa_len) ||
	    outl != pa->pa_len)
		goto done;
	ret = 0;
 done:
	EVP_MAC_CTX_free(ctx);	/* wipes the keyed state */
	return (ret);
}

int
prf_compute(int prf, const uint8_t *key, size_t klen, const uint8_t *data,
    size_t dlen, uint8_t *out)
{
	struct prf_piece	piece = { data, dlen };

	return (prf_compute_v(prf, key, klen, &piece, 1, out));
}

/*
 * RFC 7296 §2.13:
 *   prf+ (K,S) = T1 | T2 | T3 | T4 | ...
 *   T1 = prf (K, S | 0x01), Tn = prf (K, Tn-1 | S | n)
 * n is a single octet, so at most 255 blocks can be produced.
 */
int
prf_plus(int prf, const uint8_t *key, size_t klen, const uint8_t *seed,
    size_t slen, uint8_t *out, size_t outlen)
{
	uint8_t			 t[CRYPTO_MAX_HASH];
	uint8_t			 n;
	struct prf_piece	 pieces[3];
	size_t			 hlen, off, take;
	int			 ret = -1;

	if ((hlen = prf_len(prf)) == 0)
		return (-1);
	if (outlen > 255 * hlen) {
		log_debug("prf+: %zu bytes asked, at most %zu", outlen,
		    255 * hlen);
		return (-1);
	}
	for (off = 0, n = 1; off < outlen; off += take, n++) {
		/* T0 is empty: the first piece has length 0 for T1. */
		pieces[0].pp_data = t;
		pieces[0].pp_len = n == 1 ? 0 : hlen;
		pieces[1].pp_data = seed;
		pieces[1].pp_len = slen;
		pieces[2].pp_data = &n;
		pieces[2].pp_len = 1;
		if (prf_compute_v(prf, key, klen, pieces, 3, t) == -1)
			goto done;
		take = outlen - off < hlen ? outlen - off : hlen;
		memcpy(out + off, t, take);
	}
	ret = 0;
 done:
	OPENSSL_cleanse(t, sizeof(t));
	if (ret == -1)
		OPENSSL_cleanse(out, outlen);
	return (ret);
}

int
prf_hash(int prf, const uint8_t *data, size_t len, uint8_t *out)
{
	const struct prf_alg	*pa;
	size_t			 idx;
	unsigned int		 outl = 0;

	if ((pa = prf_alg_find(prf, &idx)) == NULL)
		return (-1);
	if (prf_mds[idx] == NULL &&
	    (prf_mds[idx] = EVP_MD_fetch(NULL, pa->pa_digest, NULL)) == NULL)
		return (-1);
	if (!EVP_Digest(data, len, out, &outl, prf_mds[idx], NULL) ||
	    outl != pa->pa_len)
		return (-1);
	return (0);
}
