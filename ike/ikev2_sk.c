/*
 * ikev2_sk.c - the Encrypted and Authenticated payload (RFC 7296 §3.14).
 *
 *   SK = generic header | IV | E(inner | padding | pad length) | ICV
 *
 * With a CBC cipher and an HMAC, the ICV is computed over the whole
 * message from the first byte of the IKE header to the last byte of the
 * ciphertext.  With an AEAD (AES-GCM, RFC 5282; ChaCha20-Poly1305,
 * RFC 7634) the IV is 8 octets, the ICV is the cipher's tag and the
 * associated data is the message from the IKE header to the end of the
 * SK payload's generic header (RFC 5282 §5.1).  Either way the header's
 * length field has its final value before the ICV is computed or
 * checked.
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

/*
 * The AEAD half of ikev2_sk_seal: the SK payload's generic header is at
 * off, the IV and ciphertext follow it, the ICV ends the buffer.  The
 * IV is random: 64 bits per message under keys that live one IKE SA
 * (RFC 5282 §3.1 asks only that it never repeat under a key).
 */
static int
ikev2_sk_seal_aead(struct buf *b, struct pld_writer *w, size_t off,
    size_t clen, const uint8_t *plain, const struct ikev2_sk_keys *k)
{
	uint8_t	*iv;
	size_t	 aadlen = off + SK_GENERIC_LEN;

	/* The associated data holds the header: link and size it first. */
	pld_link(w, IKEV2_PLD_SK, off);
	ikev2_hdr_set_length(b);
	iv = b->buf_data + aadlen;
	if (RAND_bytes(iv, AEAD_IV_LEN) != 1 ||
	    aead_seal(k->sk_encr, k->sk_ekey, k->sk_ekey_len, iv, b->buf_data,
	    aadlen, plain, clen, iv + AEAD_IV_LEN,
	    iv + AEAD_IV_LEN + clen) == -1) {
		log_debug("ikev2 SK: AEAD encryption failed");
		return (-1);
	}
	return (0);
}

int
ikev2_sk_seal(struct buf *b, struct pld_writer *w, uint8_t first,
    const struct buf *inner, const struct ikev2_sk_keys *k)
{
	uint8_t	*plain = NULL, *p;
	size_t	 bl, ivl, icvl, padlen, clen, total, off = b->buf_len;
	int	 aead = encr_is_aead(k->sk_encr), rv = -1;

	bl = encr_block_len(k->sk_encr);
	ivl = aead ? AEAD_IV_LEN : bl;
	icvl = aead ? aead_icv_len(k->sk_encr) : integ_icv_len(k->sk_integ);
	if (bl == 0 || icvl == 0 || w->w_buf != b || off < IKEV2_HDR_LEN) {
		log_debug("ikev2 SK: bad algorithms or buffer");
		return (-1);
	}
	/* RFC 7296 §3.14: pad so that inner | pad | padlen fills whole
	 * blocks (an AEAD's "block" is 1 octet: no pad); the pad bytes'
	 * value is arbitrary, we send zeros. */
	padlen = (bl - (inner->buf_len + 1) % bl) % bl;
	clen = inner->buf_len + padlen + 1;
	total = SK_GENERIC_LEN + ivl + clen + icvl;
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
	if (aead) {
		if (ikev2_sk_seal_aead(b, w, off, clen, plain, k) == -1)
			goto done;
		rv = 0;
		goto done;
	}
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

/* The AEAD half of ikev2_sk_open, after the framing checks. */
static int
ikev2_sk_open_aead(const uint8_t *pkt, const struct ikev2_msg *m,
    const struct ikev2_sk_keys *k, uint8_t *p, size_t clen, size_t icvl)
{
	const uint8_t	*iv = m->m_sk_body;

	/* AAD = IKE header .. SK generic header (RFC 5282 §5.1) */
	if (aead_open(k->sk_encr, k->sk_ekey, k->sk_ekey_len, iv, pkt,
	    m->m_sk_offset + SK_GENERIC_LEN, iv + AEAD_IV_LEN, clen, p,
	    iv + AEAD_IV_LEN + clen) == -1) {
		log_debug("ikev2 SK: AEAD ICV mismatch (%zu-octet ICV)", icvl);
		return (-1);
	}
	return (0);
}

int
ikev2_sk_open(const uint8_t *pkt, size_t len, const struct ikev2_msg *m,
    const struct ikev2_sk_keys *k, struct buf *out)
{
	const uint8_t	*iv, *ct;
	uint8_t		*p;
	size_t		 bl, ivl, icvl, clen, padlen;
	int		 aead = encr_is_aead(k->sk_encr);

	buf_reset(out);
	bl = encr_block_len(k->sk_encr);
	ivl = aead ? AEAD_IV_LEN : bl;
	icvl = aead ? aead_icv_len(k->sk_encr) : integ_icv_len(k->sk_integ);
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
		return (-2);
	}
	/* At least one block of ciphertext: the pad length octet. */
	if (m->m_sk_len < ivl + bl + icvl) {
		log_debug("ikev2 SK: payload too short (%zu < %zu: IV %zu, "
		    "ICV %zu)", m->m_sk_len, ivl + bl + icvl, ivl, icvl);
		return (-2);
	}
	clen = m->m_sk_len - ivl - icvl;
	if (clen % bl != 0) {
		log_debug("ikev2 SK: ciphertext %zu not a multiple of %zu",
		    clen, bl);
		return (-2);
	}
	if ((p = buf_reserve(out, clen)) == NULL)
		return (-1);
	if (aead) {
		if (ikev2_sk_open_aead(pkt, m, k, p, clen, icvl) == -1) {
			buf_reset(out);
			return (-1);
		}
		goto unpad;
	}
	/* RFC 7296 §3.14: check the ICV before decrypting anything. */
	if (integ_verify(k->sk_integ, k->sk_akey, pkt, len - icvl,
	    pkt + len - icvl) != 0) {
		log_debug("ikev2 SK: ICV mismatch");
		buf_reset(out);
		return (-1);
	}
	iv = m->m_sk_body;
	ct = m->m_sk_body + bl;
	if (encr_decrypt(k->sk_encr, k->sk_ekey, k->sk_ekey_len, iv, ct,
	    clen, p) == -1) {
		log_debug("ikev2 SK: decryption failed");
		buf_reset(out);
		return (-1);
	}
 unpad:
	padlen = p[clen - 1];
	if (padlen >= clen) {
		log_debug("ikev2 SK: pad length %zu >= %zu", padlen, clen);
		OPENSSL_cleanse(p, clen);
		buf_reset(out);
		return (-1);
	}
	OPENSSL_cleanse(p + clen - padlen - 1, padlen + 1);
	out->buf_len = clen - padlen - 1;
	return (0);
}
