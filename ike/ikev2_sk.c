/*
 * ikev2_sk.c - the Encrypted and Authenticated payload (RFC 7296 §3.14).
 *
 *   SK = generic header | IV | E(inner | padding | pad length) | ICV
 *
 * The ICV is computed over the whole message from the first byte of the
 * IKE header to the last byte of the ciphertext, so the header's length
 * field has its final value before the ICV is computed or checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev2.h"

#define SK_GENERIC_LEN	4

int
ikev2_sk_seal(struct buf *b, struct pld_writer *w, uint8_t first,
    const struct buf *inner, const struct ikev2_sk_keys *k)
{
	uint8_t	*plain = NULL, *p;
	size_t	 bl, icvl, padlen, clen, total, off = b->buf_len;
	int	 rv = -1;

	bl = encr_block_len(k->sk_encr);
	icvl = integ_icv_len(k->sk_integ);
	if (bl == 0 || icvl == 0 || w->w_buf != b || off < IKEV2_HDR_LEN) {
		log_debug("ikev2 SK: bad algorithms or buffer");
		return (-1);
	}
	/* RFC 7296 §3.14: pad so that inner | pad | padlen fills whole
	 * blocks; the pad bytes' value is arbitrary, we send zeros. */
	padlen = (bl - (inner->buf_len + 1) % bl) % bl;
	clen = inner->buf_len + padlen + 1;
	total = SK_GENERIC_LEN + bl + clen + icvl;
	if (total > UINT16_MAX || off + total > IKEV2_MSG_MAX) {
		log_debug("ikev2 SK: message too long (%zu)", off + total);
		return (-1);
	}
	if ((plain = calloc(1, clen)) == NULL)
		return (-1);
	if (inner->buf_len > 0)
		memcpy(plain, inner->buf_data, inner->buf_len);
	plain[clen - 1] = (uint8_t)padlen;

	if ((p = buf_reserve(b, total)) == NULL)
		goto done;
	p[0] = first;
	p[1] = 0;
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	if (RAND_bytes(p + SK_GENERIC_LEN, (int)bl) != 1 ||
	    encr_encrypt(k->sk_encr, k->sk_ekey, k->sk_ekey_len,
	    p + SK_GENERIC_LEN, plain, clen, p + SK_GENERIC_LEN + bl) == -1) {
		log_debug("ikev2 SK: encryption failed");
		goto done;
	}
	/* Chain SK after the header (or the last cleartext payload). */
	pld_link(w, IKEV2_PLD_SK, off);
	ikev2_hdr_set_length(b);
	if (integ_compute(k->sk_integ, k->sk_akey, b->buf_data,
	    b->buf_len - icvl, b->buf_data + b->buf_len - icvl) == -1) {
		log_debug("ikev2 SK: ICV computation failed");
		goto done;
	}
	rv = 0;
 done:
	OPENSSL_clear_free(plain, clen);
	if (rv == -1 && b->buf_len > off) {
		OPENSSL_cleanse(b->buf_data + off, b->buf_len - off);
		b->buf_len = off;
	}
	return (rv);
}

int
ikev2_sk_open(const uint8_t *pkt, size_t len, const struct ikev2_msg *m,
    const struct ikev2_sk_keys *k, struct buf *out)
{
	const uint8_t	*iv, *ct;
	uint8_t		*p;
	size_t		 bl, icvl, clen, padlen;

	buf_reset(out);
	bl = encr_block_len(k->sk_encr);
	icvl = integ_icv_len(k->sk_integ);
	if (bl == 0 || icvl == 0) {
		log_debug("ikev2 SK: unknown algorithms");
		return (-1);
	}
	/* The SK payload must be the tail of this very datagram. */
	if (m->m_sk_body == NULL || len < IKEV2_HDR_LEN + SK_GENERIC_LEN ||
	    m->m_sk_offset > len - SK_GENERIC_LEN ||
	    m->m_sk_body != pkt + m->m_sk_offset + SK_GENERIC_LEN ||
	    m->m_sk_len != len - m->m_sk_offset - SK_GENERIC_LEN) {
		log_debug("ikev2 SK: payload does not end the datagram");
		return (-1);
	}
	if (m->m_sk_len < bl + bl + icvl) {
		log_debug("ikev2 SK: payload too short (%zu < %zu)",
		    m->m_sk_len, bl + bl + icvl);
		return (-1);
	}
	clen = m->m_sk_len - bl - icvl;
	if (clen % bl != 0) {
		log_debug("ikev2 SK: ciphertext %zu not a multiple of %zu",
		    clen, bl);
		return (-1);
	}
	/* RFC 7296 §3.14: check the ICV before decrypting anything. */
	if (integ_verify(k->sk_integ, k->sk_akey, pkt, len - icvl,
	    pkt + len - icvl) != 0) {
		log_debug("ikev2 SK: ICV mismatch");
		return (-1);
	}
	iv = m->m_sk_body;
	ct = m->m_sk_body + bl;
	if ((p = buf_reserve(out, clen)) == NULL)
		return (-1);
	if (encr_decrypt(k->sk_encr, k->sk_ekey, k->sk_ekey_len, iv, ct,
	    clen, p) == -1) {
		log_debug("ikev2 SK: decryption failed");
		buf_reset(out);
		return (-1);
	}
	padlen = p[clen - 1];
	if (padlen >= clen) {
		log_debug("ikev2 SK: pad length %zu >= %zu", padlen, clen);
		buf_reset(out);
		return (-1);
	}
	OPENSSL_cleanse(p + clen - padlen - 1, padlen + 1);
	out->buf_len = clen - padlen - 1;
	return (0);
}
