/*
 * fuzz_ikev2_sk.c - libFuzzer target for opening the SK payload of a
 * hostile datagram (RFC 7296 §3.14, RFC 5282, RFC 7634): the framing and
 * length checks before any cryptography (an SK shorter than IV, one
 * octet and ICV; one that does not end the datagram; a partial block),
 * then the ICV check, with AES-GCM-16, GCM-8, ChaCha20-Poly1305 and
 * AES-CBC/HMAC-SHA1 keys.  The first input byte picks the suite.
 *
 * FUZZ_SOURCES: ike/ikev2_sk.c ike/ikev2_pld.c ike/ikev2_rules.c crypto/cipher.c crypto/prf.c common/buf.c common/pld.c common/log.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev2.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const struct {
	int	encr, bits, integ;
} suites[] = {
	{ ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ ENCR_AES_GCM_8, 128, AUTH_NONE },
	{ ENCR_CHACHA20_POLY1305, 0, AUTH_NONE },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ikev2_msg	m;
	static const uint8_t	ekey[CRYPTO_MAX_KEY] = { 0x42 };
	static const uint8_t	akey[CRYPTO_MAX_KEY] = { 0x24 };
	struct ikev2_sk_keys	k;
	struct buf		*out;
	int			rv, s;

	log_set_level(LOG_LVL_ERR);
	if (len < 1)
		return (0);
	s = data[0] % (sizeof(suites) / sizeof(suites[0]));
	data++;
	len--;
	if (ikev2_msg_parse(data, len, &m) == -1 || m.m_sk_body == NULL)
		return (0);
	memset(&k, 0, sizeof(k));
	k.sk_encr = suites[s].encr;
	k.sk_integ = suites[s].integ;
	k.sk_ekey = ekey;
	k.sk_ekey_len = encr_key_len(suites[s].encr, suites[s].bits);
	k.sk_akey = akey;
	if ((out = buf_new(0)) == NULL)
		return (0);
	rv = ikev2_sk_open(data, len, &m, &k, out);
	/* nothing comes out of a failed open; -2 only for the framing */
	if (rv != 0 && out->buf_len != 0)
		__builtin_trap();
	if (rv == -2 && m.m_sk_len >= AEAD_IV_LEN + 16 + 16 + 1 &&
	    m.m_sk_body == data + m.m_sk_offset + 4 &&
	    m.m_sk_len == len - m.m_sk_offset - 4 &&
	    encr_is_aead(k.sk_encr))
		__builtin_trap();
	buf_free(out);
	return (0);
}
