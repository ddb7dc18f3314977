/*
 * names.c - short algorithm names for logs and gatewayctl output.
 */
#include "crypto/crypto.h"

/* strongSwan's spelling: aes128gcm16 (key bits, then ICV octets). */
static const char *
crypto_gcm_name(int encr, int keybits)
{
	static const char *const names[3][3] = {
		{ "aes128gcm8", "aes128gcm12", "aes128gcm16" },
		{ "aes192gcm8", "aes192gcm12", "aes192gcm16" },
		{ "aes256gcm8", "aes256gcm12", "aes256gcm16" },
	};
	int	 k;

	switch (keybits) {
	case 128:
		k = 0;
		break;
	case 192:
		k = 1;
		break;
	case 256:
		k = 2;
		break;
	default:
		return ("?");
	}
	return (names[k][encr - ENCR_AES_GCM_8]);
}

const char *
crypto_encr_name(int encr, int keybits)
{
	switch (encr) {
	case ENCR_3DES:
		return ("3des");
	case ENCR_AES_CBC:
		switch (keybits) {
		case 128:
			return ("aes128");
		case 192:
			return ("aes192");
		case 256:
			return ("aes256");
		}
		break;
	case ENCR_AES_GCM_8:
	case ENCR_AES_GCM_12:
	case ENCR_AES_GCM_16:
		return (crypto_gcm_name(encr, keybits));
	case ENCR_CHACHA20_POLY1305:
		return ("chacha20poly1305");
	}
	return ("?");
}

const char *
crypto_integ_name(int integ)
{
	switch (integ) {
	case AUTH_NONE:
		return ("none");
	case AUTH_HMAC_MD5_96:
		return ("md5");
	case AUTH_HMAC_SHA1_96:
		return ("sha1");
	case AUTH_HMAC_SHA2_256_128:
		return ("sha2-256");
	case AUTH_HMAC_SHA2_384_192:
		return ("sha2-384");
	case AUTH_HMAC_SHA2_512_256:
		return ("sha2-512");
	}
	return ("?");
}

const char *
crypto_prf_name(int prf)
{
	switch (prf) {
	case PRF_HMAC_MD5:
		return ("prfmd5");
	case PRF_HMAC_SHA1:
		return ("prfsha1");
	case PRF_HMAC_SHA2_256:
		return ("prfsha256");
	case PRF_HMAC_SHA2_384:
		return ("prfsha384");
	case PRF_HMAC_SHA2_512:
		return ("prfsha512");
	}
	return ("?");
}

const char *
crypto_dh_name(int group)
{
	switch (group) {
	case DH_NONE:
		return ("none");
	case DH_MODP_768:
		return ("modp768");
	case DH_MODP_1024:
		return ("modp1024");
	case DH_MODP_1536:
		return ("modp1536");
	case DH_MODP_2048:
		return ("modp2048");
	case DH_MODP_3072:
		return ("modp3072");
	case DH_MODP_4096:
		return ("modp4096");
	case DH_ECP_256:
		return ("ecp256");
	case DH_ECP_384:
		return ("ecp384");
	case DH_ECP_521:
		return ("ecp521");
	case DH_MODP_2048_256:
		return ("modp2048s256");
	case DH_CURVE25519:
		return ("curve25519");
	}
	return ("?");
}
