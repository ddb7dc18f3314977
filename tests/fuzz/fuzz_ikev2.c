/*
 * fuzz_ikev2.c - libFuzzer target for the IKEv2 decoder: header and
 * cleartext chain, the SK contents as an inner chain (undecrypted bytes
 * stand in for a decrypted payload), the rule table and the describer.
 *
 * FUZZ_SOURCES: ike/ikev2_pld.c ike/ikev2_rules.c common/buf.c common/pld.c common/log.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "ike/ikev2.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct ikev2_msg	m;
	char			desc[256];

	log_set_level(LOG_LVL_ERR);
	if (ikev2_msg_parse(data, len, &m) == -1)
		return (0);
	if (m.m_sk_body != NULL &&
	    ikev2_pld_parse(m.m_sk_next, m.m_sk_body, m.m_sk_len, 1, &m) == -1)
		return (0);
	(void)ikev2_rules_check(&m);
	(void)ikev2_msg_notify(&m, IKEV2_N_COOKIE);
	ikev2_msg_describe(&m, desc, sizeof(desc));
	if (strlen(desc) >= sizeof(desc))
		__builtin_trap();
	return (0);
}
