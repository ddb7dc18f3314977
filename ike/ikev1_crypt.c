/*
 * ikev1_crypt.c - ISAKMP message encryption (RFC 2408 §3.1 E flag,
 * RFC 2409 §5.3 and Appendix B).
 *
 * Everything after the 28-byte header is CBC-encrypted with SKEYID_e
 * (expanded).  IVs chain: the first phase 1 IV is hash(g^xi | g^xr), each
 * later message of the exchange uses the last ciphertext block of the
 * previous one, and phase 2 / informational exchanges start from
 * hash(last phase 1 block | M-ID) (crypto/ikev1_keys.c).  The caller owns
 * that state; these functions take the IV in and hand the next one out.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev1.h"

int
ikev1_decrypt(int encr, const uint8_t *key, size_t klen, uint8_t *iv,
    const uint8_t *pkt, size_t len, struct buf *out)
{
	const uint8_t	*body;
	uint8_t		*p;
	size_t		 blen, bs = encr_block_len(encr);

	buf_reset(out);
	if (bs == 0 || pkt == NULL || len <= IKEV1_HDR_LEN) {
		log_debug("ikev1: nothing to decrypt (%zu bytes)", len);
		return (-1);
	}
	body = pkt + IKEV1_HDR_LEN;
	blen = len - IKEV1_HDR_LEN;
	if (blen % bs != 0) {
		log_debug("ikev1: encrypted body %zu not a multiple of %zu",
		    blen, bs);
		return (-1);
	}
	if ((p = buf_reserve(out, blen)) == NULL)
		return (-1);
	if (encr_decrypt(encr, key, klen, iv, body, blen, p) == -1) {
		buf_reset(out);
		return (-1);
	}
	/* RFC 2409 Appendix B: the next IV is the last ciphertext block. */
	memcpy(iv, body + blen - bs, bs);
	return (0);
}

int
ikev1_encrypt(int encr, const uint8_t *key, size_t klen, uint8_t *iv,
    struct buf *b)
{
	uint8_t	*body;
	size_t	 blen, bs = encr_block_len(encr);

	if (bs == 0 || b->buf_len <= IKEV1_HDR_LEN)
		return (-1);
	/* RFC 2409 §5.3: pad to the block size; we pad with zeros. */
	blen = b->buf_len - IKEV1_HDR_LEN;
	if (blen % bs != 0 && buf_add_zero(b, bs - blen % bs) == -1)
		return (-1);
	blen = b->buf_len - IKEV1_HDR_LEN;
	buf_set_u8(b, 19, b->buf_data[19] | IKEV1_FLAG_ENC);
	ikev1_hdr_set_length(b);
	body = b->buf_data + IKEV1_HDR_LEN;
	/* In place: the cipher layer processes one EVP update. */
	if (encr_encrypt(encr, key, klen, iv, body, blen, body) == -1)
		return (-1);
	memcpy(iv, body + blen - bs, bs);
	return (0);
}

int
ikev1_msg_open(struct ikev1_msg *m, const uint8_t *pkt, size_t len,
    int encr, const uint8_t *key, size_t klen, uint8_t *iv, struct buf *out)
{
	uint8_t	saved[CRYPTO_MAX_BLOCK];
	size_t	bs = encr_block_len(encr);

	if (!(m->m_hdr.h_flags & IKEV1_FLAG_ENC))
		return (0);
	buf_reset(out);
	ikev1_msg_body_clear(m);
	/* m's header came from this datagram (ikev1_msg_parse) */
	if (m->m_hdr.h_length != len || bs == 0 || bs > sizeof(saved))
		return (-1);
	memcpy(saved, iv, bs);
	if (ikev1_decrypt(encr, key, klen, iv, pkt, len, out) == -1)
		return (-1);
	if (ikev1_pld_parse(m->m_hdr.h_next, out->buf_data, out->buf_len, 1,
	    m) == -1) {
		/* A message we drop does not advance the IV chain. */
		memcpy(iv, saved, bs);
		ikev1_msg_body_clear(m);
		return (-1);
	}
	return (0);
}
