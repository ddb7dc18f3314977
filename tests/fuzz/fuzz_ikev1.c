/*
 * fuzz_ikev1.c - libFuzzer target for the IKEv1 decoder: header and
 * cleartext chain; for E-flagged input the body is parsed as if it were
 * the decrypted chain (padding allowed), then decrypted with a fixed key
 * and the decrypted chain parsed (the header is not parsed again); the
 * describer and lookups run on what parsed, and the SA payload goes
 * through gatewayctl doctor's conversion.
 *
 * FUZZ_SOURCES: ike/ikev1_pld.c ike/ikev1_crypt.c crypto/cipher.c crypto/prf.c policy/proposal.c common/buf.c common/pld.c common/log.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev1.h"
#include "policy/proposal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void
fuzz_inspect(const struct ikev1_msg *m)
{
	static struct prop_offer	 o;
	char				 desc[256];

	(void)ikev1_msg_notify(m, IKEV1_N_R_U_THERE);
	(void)ikev1_msg_has_vid(m, IKEV1_VID_DPD);
	ikev1_msg_describe(m, desc, sizeof(desc));
	if (strlen(desc) >= sizeof(desc))
		__builtin_trap();
	(void)ikev1_sa_offer(&m->m_sa, &o);
	proposal_describe(&o, desc, sizeof(desc));
	if (strlen(desc) >= sizeof(desc))
		__builtin_trap();
	if (m->m_after_hash != NULL && m->m_after_hash_off +
	    m->m_after_hash_len > m->m_chain_len)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ikev1_msg	 m;
	static const uint8_t	 key[16] = "fuzz-fuzz-fuzz!";
	struct buf		*out;
	uint8_t			 iv[16] = { 0 };

	log_set_level(LOG_LVL_ERR);
	if (ikev1_msg_parse(data, len, &m) == -1)
		return (0);
	if (!(m.m_hdr.h_flags & IKEV1_FLAG_ENC)) {
		fuzz_inspect(&m);
		return (0);
	}
	if (ikev1_pld_parse(m.m_hdr.h_next, data + IKEV1_HDR_LEN,
	    len - IKEV1_HDR_LEN, 1, &m) == 0)
		fuzz_inspect(&m);
	if ((out = buf_new(len)) == NULL)
		return (0);
	/* the as-if parse above filled m's payloads: ikev1_msg_open()
	 * clears them, keeping the header */
	if (ikev1_msg_open(&m, data, len, ENCR_AES_CBC, key, sizeof(key), iv,
	    out) == 0)
		fuzz_inspect(&m);
	else if (m.m_npld != 0 || m.m_hdr.h_length != len)
		__builtin_trap();
	buf_free(out);
	return (0);
}
