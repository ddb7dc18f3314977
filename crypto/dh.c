/*
 * dh.c - Diffie-Hellman over OpenSSL EVP_PKEY: MODP groups (RFC 2409 §6,
 * RFC 3526, RFC 5114 §2.3), the NIST prime curves (RFC 5903) and
 * Curve25519 (RFC 8031).  The MODP parameters are ours, given explicitly
 * (groups 1 and 2 have no built-in name in OpenSSL 3); the peer's MODP
 * value is range-checked here, which replaces OpenSSL's slower full
 * check.  The curves are OpenSSL's named groups.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"

struct dh_params {
	int		 dp_group;
	size_t		 dp_len;	/* bytes of p = KE data length */
	int		 dp_priv_bits;	/* private exponent length */
	const char	*dp_p;		/* hex */
	const char	*dp_g;		/* hex */
	const char	*dp_q;		/* hex q, or NULL */
};

#define DH_MAX_LEN	512	/* longest prime, bytes */

/* An elliptic-curve group: an OpenSSL named group. */
struct dh_curve {
	int		 dc_group;
	const char	*dc_name;	/* OpenSSL algorithm or group name */
	int		 dc_nid;	/* NID_undef for Curve25519 */
	size_t		 dc_coord;	/* coordinate bytes = g^ir bytes */
};

/*
 * RFC 5903 §7: the KE data is x | y, each coordinate left-padded to the
 * field size, without the point-format octet of SEC1; g^ir is x alone.
 * RFC 8031 §2: Curve25519 public values and g^ir are 32 bytes.
 */
static const struct dh_curve dh_curves[] = {
	{ DH_ECP_256,		"P-256",	NID_X9_62_prime256v1, 32 },
	{ DH_ECP_384,		"P-384",	NID_secp384r1,	48 },
	{ DH_ECP_521,		"P-521",	NID_secp521r1,	66 },
	{ DH_CURVE25519,	"X25519",	NID_undef,	32 },
};
#define DH_EC_MAX_COORD	66
#define DH_EC_POINT_MAX	(1 + 2 * DH_EC_MAX_COORD)	/* 04 | x | y */

struct dh {
	int			 dh_group_id;
	const struct dh_params	*dh_params;	/* MODP, else NULL */
	const struct dh_curve	*dh_curve;	/* ECP/25519, else NULL */
	EVP_PKEY		*dh_key;	/* NULL once derived */
	/* our public value, kept when the key pair goes after the
	 * derivation (a KE payload may still be built from it) */
	struct buf		*dh_pub;
};

/*
 * The primes of groups 1, 2, 5 and 14 are the Oakley/RFC 3526 primes
 * 2^n - 2^(n-64) - 1 + 2^64 * { [2^(n-130) pi] + k } with generator 2.
 * RFC 3526 §1 asks for an exponent of twice the group's strength: we
 * use 256 bits up to 2048-bit groups, 420 for 3072 and 480 for 4096
 * (§8, second estimate).  For the 2048-bit group, §8 estimates 110 or
 * 160 bits of strength, and NIST SP 800-57 Part 1 gives a 2048-bit
 * finite-field group 112 bits (SP 800-56A Rev. 3 §5.6.1.1.1: an
 * exponent of at least 2 x 112 = 224 bits): 256 bits is above both
 * the first estimate's 220 and NIST's 224, and costs a fifth less per
 * exponentiation than 320 (issue 11: the DH is most of a responder's
 * CPU per setup).  Group 24 is the NIST group
 * of RFC 5114 §2.3; its exponent is drawn below the 256-bit q.
 */
static const struct dh_params dh_groups[] = {
	/* RFC 2409 §6.1, First Oakley Group (RFC 7296 Appendix B.1) */
	{ DH_MODP_768, 96, 256,
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	    "E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF",
	    "02", NULL },
	/* RFC 2409 §6.2, Second Oakley Group (RFC 7296 Appendix B.2) */
	{ DH_MODP_1024, 128, 256,
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
	    "FFFFFFFFFFFFFFFF",
	    "02", NULL },
	/* RFC 3526 §2, 1536-bit MODP Group */
	{ DH_MODP_1536, 192, 256,
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	    "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF",
	    "02", NULL },
	/* RFC 3526 §3, 2048-bit MODP Group */
	{ DH_MODP_2048, 256, 256,
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
	    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	    "15728E5A8AACAA68FFFFFFFFFFFFFFFF",
	    "02", NULL },
	/* RFC 3526 §4, 3072-bit MODP Group */
	{ DH_MODP_3072, 384, 420,
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
	    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
	    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
	    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
	    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
	    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
	    "02", NULL },
	/* RFC 3526 §5, 4096-bit MODP Group */
	{ DH_MODP_4096, 512, 480,
	    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
	    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
	    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
	    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
	    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
	    "43DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
	    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA"
	    "2583E9CA2AD44CE8DBBBC2DB04DE8EF92E8EFC141FBECAA6"
	    "287C59474E6BC05D99B2964FA090C3A2233BA186515BE7ED"
	    "1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
	    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199"
	    "FFFFFFFFFFFFFFFF",
	    "02", NULL },
	/* RFC 5114 §2.3, 2048-bit MODP Group with 256-bit q */
	{ DH_MODP_2048_256, 256, 256,
	    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F2"
	    "5D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA30"
	    "16C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD"
	    "5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
	    "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C"
	    "4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0E"
	    "F13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D9"
	    "67E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
	    "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C3"
	    "75F26375D7014103A4B54330C198AF126116D2276E11715F"
	    "693877FAD7EF09CADB094AE91E1A1597",
	    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF2054"
	    "07F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555"
	    "BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18"
	    "A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
	    "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC83"
	    "1D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55"
	    "A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14"
	    "C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
	    "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6"
	    "184B523D1DB246C32F63078490F00EF8D647D148D4795451"
	    "5E2327CFEF98C582664B4C0F6CC41659",
	    "8CF83642A709A097B447997640129DA299B1A47D1EB3750B"
	    "A308B0FE64F5FBD3" },
};

static const struct dh_params *
dh_params_find(int group)
{
	size_t	i;

	for (i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (dh_groups[i].dp_group == group)
			return (&dh_groups[i]);
	return (NULL);
}

static const struct dh_curve *
dh_curve_find(int group)
{
	size_t	i;

	for (i = 0; i < sizeof(dh_curves) / sizeof(dh_curves[0]); i++)
		if (dh_curves[i].dc_group == group)
			return (&dh_curves[i]);
	return (NULL);
}

size_t
dh_group_len(int group)
{
	const struct dh_params	*dp;
	const struct dh_curve	*dc;

	if ((dp = dh_params_find(group)) != NULL)
		return (dp->dp_len);
	if ((dc = dh_curve_find(group)) == NULL)
		return (0);
	return (dc->dc_nid == NID_undef ? dc->dc_coord : 2 * dc->dc_coord);
}

size_t
dh_secret_len(int group)
{
	const struct dh_params	*dp;
	const struct dh_curve	*dc;

	if ((dp = dh_params_find(group)) != NULL)
		return (dp->dp_len);
	if ((dc = dh_curve_find(group)) == NULL)
		return (0);
	return (dc->dc_coord);
}

/*
 * Builds an EVP_PKEY holding the group's p, g (and q), plus the public
 * value pub if it is not NULL.  Returns an owned key or NULL.
 */
static EVP_PKEY *
dh_pkey_build(const struct dh_params *dp, const BIGNUM *pub)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*p = NULL, *g = NULL, *q = NULL;
	int		 selection;

	if (BN_hex2bn(&p, dp->dp_p) == 0 || BN_hex2bn(&g, dp->dp_g) == 0 ||
	    (dp->dp_q != NULL && BN_hex2bn(&q, dp->dp_q) == 0))
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
	    (q != NULL && !OSSL_PARAM_BLD_push_BN(bld,
	    OSSL_PKEY_PARAM_FFC_Q, q)) ||
	    (pub != NULL && !OSSL_PARAM_BLD_push_BN(bld,
	    OSSL_PKEY_PARAM_PUB_KEY, pub)))
		goto done;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0)
		goto done;
	selection = pub != NULL ? EVP_PKEY_PUBLIC_KEY :
	    EVP_PKEY_KEY_PARAMETERS;
	if (EVP_PKEY_fromdata(ctx, &pkey, selection, params) <= 0)
		pkey = NULL;
 done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	BN_free(q);
	return (pkey);
}

/* A fresh key pair on a curve (OpenSSL draws the scalar). */
static struct dh *
dh_curve_new(const struct dh_curve *dc)
{
	struct dh	*dh;

	if ((dh = calloc(1, sizeof(*dh))) == NULL)
		return (NULL);
	dh->dh_group_id = dc->dc_group;
	dh->dh_curve = dc;
	if (dc->dc_nid == NID_undef)
		dh->dh_key = EVP_PKEY_Q_keygen(NULL, NULL, dc->dc_name);
	else
		dh->dh_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    dc->dc_name);
	if (dh->dh_key == NULL) {
		log_warn("dh: key generation for group %d failed",
		    dc->dc_group);
		free(dh);
		return (NULL);
	}
	return (dh);
}

struct dh *
dh_new(int group)
{
	const struct dh_params	*dp;
	const struct dh_curve	*dc;
	struct dh		*dh = NULL;
	EVP_PKEY		*params = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	OSSL_PARAM		 kp[2];
	int			 priv_len, ok = 0;

	if ((dc = dh_curve_find(group)) != NULL)
		return (dh_curve_new(dc));
	if ((dp = dh_params_find(group)) == NULL) {
		log_debug("dh: unsupported group %d", group);
		return (NULL);
	}
	if ((dh = calloc(1, sizeof(*dh))) == NULL)
		goto done;
	dh->dh_group_id = group;
	dh->dh_params = dp;
	if ((params = dh_pkey_build(dp, NULL)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0)
		goto done;
	/* A short exponent (RFC 3526 §1); with q set, x also stays < q. */
	priv_len = dp->dp_priv_bits;
	kp[0] = OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_PRIV_LEN,
	    &priv_len);
	kp[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_CTX_set_params(ctx, kp) <= 0 ||
	    EVP_PKEY_keygen(ctx, &dh->dh_key) <= 0)
		goto done;
	ok = 1;
 done:
	if (!ok) {
		log_warn("dh: key generation for group %d failed", group);
		dh_free(dh);
		dh = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return (dh);
}

struct dh *
dh_share(const struct dh *dh)
{
	struct dh	*n;

	if (dh->dh_key == NULL || (n = calloc(1, sizeof(*n))) == NULL)
		return (NULL);
	*n = *dh;
	n->dh_pub = NULL;
	if (EVP_PKEY_up_ref(n->dh_key) != 1) {
		free(n);
		return (NULL);
	}
	return (n);
}

void
dh_free(struct dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->dh_key);	/* clears the private exponent */
	buf_free(dh->dh_pub);
	free(dh);
}

/*
 * Known-answer tests only.  ECP: the public point is priv * G, computed
 * with EC_POINT_mul since EVP_PKEY_fromdata does not derive it.
 */
static EVP_PKEY *
dh_ecp_from_private(const struct dh_curve *dc, const uint8_t *priv)
{
	EC_GROUP	*grp = NULL;
	EC_POINT	*pt = NULL;
	BN_CTX		*bnctx = NULL;
	BIGNUM		*d = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	uint8_t		 oct[DH_EC_POINT_MAX];
	size_t		 olen;

	if ((grp = EC_GROUP_new_by_curve_name(dc->dc_nid)) == NULL ||
	    (pt = EC_POINT_new(grp)) == NULL ||
	    (bnctx = BN_CTX_new()) == NULL ||
	    (d = BN_secure_new()) == NULL ||
	    BN_bin2bn(priv, (int)dc->dc_coord, d) == NULL ||
	    !EC_POINT_mul(grp, pt, d, NULL, NULL, bnctx))
		goto done;
	olen = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
	    oct, sizeof(oct), bnctx);
	if (olen != 1 + 2 * dc->dc_coord)
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld,
	    OSSL_PKEY_PARAM_GROUP_NAME, dc->dc_name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    oct, olen) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		pkey = NULL;
 done:
	EVP_PKEY_CTX_free(ctx);
	/* d is a secure BIGNUM, so the builder keeps its copy in the
	 * secure block, which OSSL_PARAM_free clears (known test keys). */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return (pkey);
}

struct dh *
dh_new_private(int group, const uint8_t *priv, size_t len)
{
	const struct dh_curve	*dc;
	struct dh		*dh;

	if ((dc = dh_curve_find(group)) == NULL || len != dc->dc_coord)
		return (NULL);
	if ((dh = calloc(1, sizeof(*dh))) == NULL)
		return (NULL);
	dh->dh_group_id = group;
	dh->dh_curve = dc;
	if (dc->dc_nid == NID_undef)
		dh->dh_key = EVP_PKEY_new_raw_private_key_ex(NULL, dc->dc_name,
		    NULL, priv, len);
	else
		dh->dh_key = dh_ecp_from_private(dc, priv);
	if (dh->dh_key == NULL) {
		free(dh);
		return (NULL);
	}
	return (dh);
}

int
dh_group(const struct dh *dh)
{
	return (dh->dh_group_id);
}

int
dh_private_bits(const struct dh *dh)
{
	BIGNUM	*x = NULL;
	int	 bits;

	if (dh->dh_params == NULL || dh->dh_key == NULL ||
	    !EVP_PKEY_get_bn_param(dh->dh_key, OSSL_PKEY_PARAM_PRIV_KEY, &x))
		return (-1);
	bits = BN_num_bits(x);
	BN_clear_free(x);
	return (bits);
}

/* ECP: x | y without the SEC1 04 octet (RFC 5903 §7); 25519: raw. */
static int
dh_curve_public_get(const struct dh *dh, struct buf *out)
{
	const struct dh_curve	*dc = dh->dh_curve;
	uint8_t			 oct[DH_EC_POINT_MAX];
	size_t			 olen = 0;

	if (dc->dc_nid == NID_undef) {
		olen = sizeof(oct);
		if (!EVP_PKEY_get_raw_public_key(dh->dh_key, oct, &olen) ||
		    olen != dc->dc_coord)
			return (-1);
		return (buf_add(out, oct, olen));
	}
	if (!EVP_PKEY_get_octet_string_param(dh->dh_key,
	    OSSL_PKEY_PARAM_PUB_KEY, oct, sizeof(oct), &olen) ||
	    olen != 1 + 2 * dc->dc_coord || oct[0] != 0x04) {
		log_warn("dh: group %d public value not uncompressed",
		    dc->dc_group);
		return (-1);
	}
	return (buf_add(out, oct + 1, olen - 1));
}

int
dh_public_get(const struct dh *dh, struct buf *out)
{
	BIGNUM	*pub = NULL;
	uint8_t	 val[DH_MAX_LEN];
	int	 ret = -1;
	int	 len;

	if (dh->dh_key == NULL)
		return (dh->dh_pub == NULL ? -1 :
		    buf_add(out, dh->dh_pub->buf_data, dh->dh_pub->buf_len));
	if (dh->dh_curve != NULL)
		return (dh_curve_public_get(dh, out));
	len = (int)dh->dh_params->dp_len;
	if (!EVP_PKEY_get_bn_param(dh->dh_key, OSSL_PKEY_PARAM_PUB_KEY, &pub))
		goto done;
	/* RFC 7296 §3.4: the KE data is left-padded to the prime's length. */
	if (BN_bn2binpad(pub, val, len) != len)
		goto done;
	ret = buf_add(out, val, (size_t)len);
 done:
	BN_free(pub);
	return (ret);
}

/*
 * RFC 7296 §5 and NIST SP 800-56A §5.6.2.3: the peer's value must be the
 * prime's length and satisfy 1 < y < p-1; in a group with a prime-order
 * subgroup also y^q = 1 mod p (RFC 6989 §2.2), else a small-subgroup
 * value could leak bits of our exponent.
 */
static int
dh_peer_check(const struct dh_params *dp, const BIGNUM *y)
{
	BN_CTX	*bnctx = NULL;
	BIGNUM	*p = NULL, *q = NULL, *t = NULL;
	int	 ret = -1;

	if ((bnctx = BN_CTX_new()) == NULL || (t = BN_new()) == NULL ||
	    BN_hex2bn(&p, dp->dp_p) == 0 || !BN_sub(t, p, BN_value_one()))
		goto done;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, t) >= 0) {
		log_debug("dh: peer value out of range (1 < y < p-1)");
		goto done;
	}
	if (dp->dp_q != NULL) {
		if (BN_hex2bn(&q, dp->dp_q) == 0 ||
		    !BN_mod_exp(t, y, q, p, bnctx))
			goto done;
		if (!BN_is_one(t)) {
			log_debug("dh: peer value not in the prime-order "
			    "subgroup of group %d", dp->dp_group);
			goto done;
		}
	}
	ret = 0;
 done:
	BN_CTX_free(bnctx);
	BN_free(p);
	BN_free(q);
	BN_free(t);
	return (ret);
}

/*
 * The peer's ECP point as an EVP_PKEY, checked: x and y below the field
 * prime and on the curve (EC_POINT_oct2point inside fromdata), then
 * EVP_PKEY_public_check (not the point at infinity, n * Q = O), as RFC
 * 5903 §9 and NIST SP 800-56A §5.6.2.3.3 ask.  x | y cannot even encode
 * the identity, but the check costs little next to the derivation.
 */
static EVP_PKEY *
dh_ecp_peer(const struct dh_curve *dc, const uint8_t *peer, size_t len)
{
	EVP_PKEY_CTX	*ctx = NULL, *chk = NULL;
	EVP_PKEY	*pkey = NULL;
	OSSL_PARAM	 params[3];
	uint8_t		 oct[DH_EC_POINT_MAX];

	oct[0] = 0x04;		/* SEC1 uncompressed point */
	memcpy(oct + 1, peer, len);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)dc->dc_name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    oct, len + 1);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		log_debug("dh: group %d peer value is not a point on the "
		    "curve", dc->dc_group);
		pkey = NULL;
		goto done;
	}
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1) {
		log_debug("dh: group %d peer point fails the public key "
		    "check", dc->dc_group);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
 done:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return (pkey);
}

/* ECP (shared secret = x, RFC 5903 §7) and Curve25519 (RFC 8031 §2). */
static struct buf *
dh_curve_derive(struct dh *dh, const uint8_t *peer, size_t len)
{
	const struct dh_curve	*dc = dh->dh_curve;
	EVP_PKEY		*peerkey = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	struct buf		*secret = NULL;
	uint8_t			*p, acc = 0;
	size_t			 i, outlen;
	int			 ok = 0;

	if (peer == NULL || len != dh_group_len(dc->dc_group)) {
		log_debug("dh: peer value has %zu bytes, group %d needs %zu",
		    len, dc->dc_group, dh_group_len(dc->dc_group));
		return (NULL);
	}
	if (dc->dc_nid == NID_undef)
		peerkey = EVP_PKEY_new_raw_public_key_ex(NULL, dc->dc_name,
		    NULL, peer, len);
	else
		peerkey = dh_ecp_peer(dc, peer, len);
	if (peerkey == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->dh_key, NULL)) ==
	    NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peerkey, 0) <= 0)
		goto done;
	if ((secret = buf_new(dc->dc_coord)) == NULL ||
	    (p = buf_reserve(secret, dc->dc_coord)) == NULL)
		goto done;
	outlen = dc->dc_coord;
	if (EVP_PKEY_derive(ctx, p, &outlen) <= 0 || outlen != dc->dc_coord)
		goto done;
	/*
	 * RFC 8031 §2.3 (RFC 7748 §6.1): a low-order peer value gives an
	 * all-zero result, which MUST be refused.  OpenSSL refuses it too;
	 * the check here does not depend on that.
	 */
	for (i = 0; i < outlen; i++)
		acc |= p[i];
	if (acc == 0) {
		log_debug("dh: group %d shared secret is all zero",
		    dc->dc_group);
		goto done;
	}
	ok = 1;
 done:
	if (!ok) {
		log_debug("dh: no shared secret for group %d", dc->dc_group);
		buf_free(secret);
		secret = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peerkey);
	return (secret);
}

/*
 * Ephemeral: once the shared secret exists, the private value has done
 * its work and goes (EVP_PKEY_free clears it); the public value stays
 * for dh_public_get.  Returns the secret (or NULL, freed).
 */
static struct buf	*dh_derive_key(struct dh *, const uint8_t *, size_t);

static struct buf *
dh_forget(struct dh *dh, struct buf *secret)
{
	if (secret == NULL)
		return (NULL);
	if ((dh->dh_pub = buf_new(DH_MAX_LEN)) == NULL ||
	    dh_public_get(dh, dh->dh_pub) == -1) {
		buf_free(secret);
		return (NULL);
	}
	EVP_PKEY_free(dh->dh_key);
	dh->dh_key = NULL;
	return (secret);
}

struct buf *
dh_derive(struct dh *dh, const uint8_t *peer, size_t len)
{
	if (dh->dh_key == NULL) {
		log_debug("dh: group %d private value already used and freed",
		    dh->dh_group_id);
		return (NULL);
	}
	return (dh_forget(dh, dh_derive_key(dh, peer, len)));
}

static struct buf *
dh_derive_key(struct dh *dh, const uint8_t *peer, size_t len)
{
	const struct dh_params	*dp = dh->dh_params;
	EVP_PKEY		*peerkey = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	BIGNUM			*y = NULL;
	struct buf		*secret = NULL;
	uint8_t			*p;
	size_t			 outlen;
	int			 ok = 0;

	if (dh->dh_curve != NULL)
		return (dh_curve_derive(dh, peer, len));
	if (peer == NULL || len != dp->dp_len) {
		log_debug("dh: peer value has %zu bytes, group %d needs %zu",
		    len, dp->dp_group, dp->dp_len);
		return (NULL);
	}
	if ((y = BN_bin2bn(peer, (int)len, NULL)) == NULL ||
	    dh_peer_check(dp, y) == -1)
		goto done;
	if ((peerkey = dh_pkey_build(dp, y)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->dh_key, NULL)) ==
	    NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peerkey, 0) <= 0)
		goto done;
	/* RFC 7296 §2.14: g^ir is left-padded to the prime's length. */
	if ((secret = buf_new(dp->dp_len)) == NULL ||
	    (p = buf_reserve(secret, dp->dp_len)) == NULL)
		goto done;
	outlen = dp->dp_len;
	if (EVP_PKEY_derive(ctx, p, &outlen) <= 0 || outlen != dp->dp_len)
		goto done;
	ok = 1;
 done:
	if (!ok) {
		log_debug("dh: no shared secret for group %d", dp->dp_group);
		buf_free(secret);
		secret = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peerkey);
	BN_free(y);
	return (secret);
}
