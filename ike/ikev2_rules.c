/*
 * ikev2_rules.c - the per-exchange payload rule table, and the names used
 * in logs (exchange and notify types, payload lists).
 *
 * The table says, for each exchange and direction, which payloads may
 * appear, how often, and whether they travel inside SK.  A message must
 * satisfy one rule set of its exchange and direction before the state
 * machine looks at it, so the exchanges never meet a missing payload.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "ike/ikev2.h"

#define NOTIFY_ANY	IKEV2_MAX_NOTIFY
#define MANY		UINT8_MAX

struct rule {
	uint8_t		 r_type;	/* payload type, 0 ends the list */
	uint8_t		 r_min;
	uint8_t		 r_max;
};

struct ruleset {
	uint8_t		 rs_exchange;
	int		 rs_response;
	const char	*rs_name;
	/* RFC 7296 §1.2: everything after IKE_SA_INIT travels in SK. */
	int		 rs_in_sk;
	/* The message must carry an error notify (or, for IKE_SA_INIT,
	 * a COOKIE request, RFC 7296 §2.6). */
	int		 rs_need_error;
	struct rule	 rs_rules[13];
};

static const struct ruleset rulesets[] = {
	/* RFC 7296 §1.2: HDR, SAi1, KEi, Ni --> */
	{ IKEV2_EXCH_IKE_SA_INIT, 0, "IKE_SA_INIT request", 0, 0, {
	    { IKEV2_PLD_SA, 1, 1 }, { IKEV2_PLD_KE, 1, 1 },
	    { IKEV2_PLD_NONCE, 1, 1 }, { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { IKEV2_PLD_CERTREQ, 0, MANY },
	    { 0, 0, 0 } } },
	/* <-- HDR, SAr1, KEr, Nr, [CERTREQ] */
	{ IKEV2_EXCH_IKE_SA_INIT, 1, "IKE_SA_INIT response", 0, 0, {
	    { IKEV2_PLD_SA, 1, 1 }, { IKEV2_PLD_KE, 1, 1 },
	    { IKEV2_PLD_NONCE, 1, 1 }, { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { IKEV2_PLD_CERTREQ, 0, MANY },
	    { 0, 0, 0 } } },
	/* <-- HDR, N(COOKIE) or N(INVALID_KE_PAYLOAD) or N(error) */
	{ IKEV2_EXCH_IKE_SA_INIT, 1, "IKE_SA_INIT notify response", 0, 1, {
	    { IKEV2_PLD_NOTIFY, 1, NOTIFY_ANY }, { IKEV2_PLD_VENDOR, 0, MANY },
	    { 0, 0, 0 } } },
	/* HDR, SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr} --> */
	{ IKEV2_EXCH_IKE_AUTH, 0, "IKE_AUTH request", 1, 0, {
	    { IKEV2_PLD_IDI, 1, 1 }, { IKEV2_PLD_IDR, 0, 1 },
	    { IKEV2_PLD_CERT, 0, MANY }, { IKEV2_PLD_CERTREQ, 0, MANY },
	    { IKEV2_PLD_AUTH, 1, 1 }, { IKEV2_PLD_SA, 1, 1 },
	    { IKEV2_PLD_TSI, 1, 1 }, { IKEV2_PLD_TSR, 1, 1 },
	    { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY }, { IKEV2_PLD_CP, 0, 1 },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
	/* <-- HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr} */
	{ IKEV2_EXCH_IKE_AUTH, 1, "IKE_AUTH response", 1, 0, {
	    { IKEV2_PLD_IDR, 1, 1 }, { IKEV2_PLD_CERT, 0, MANY },
	    { IKEV2_PLD_AUTH, 1, 1 }, { IKEV2_PLD_SA, 1, 1 },
	    { IKEV2_PLD_TSI, 1, 1 }, { IKEV2_PLD_TSR, 1, 1 },
	    { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY }, { IKEV2_PLD_CP, 0, 1 },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
	/* <-- HDR, SK {IDr, AUTH, N(error)}: IKE SA up, CHILD SA failed
	 * (RFC 7296 §1.2, last paragraphs). */
	{ IKEV2_EXCH_IKE_AUTH, 1, "IKE_AUTH response without CHILD SA", 1, 1,
	    { { IKEV2_PLD_IDR, 1, 1 }, { IKEV2_PLD_CERT, 0, MANY },
	    { IKEV2_PLD_AUTH, 1, 1 }, { IKEV2_PLD_NOTIFY, 1, NOTIFY_ANY },
	    { IKEV2_PLD_CP, 0, 1 }, { IKEV2_PLD_VENDOR, 0, MANY },
	    { 0, 0, 0 } } },
	/* <-- HDR, SK {N(AUTHENTICATION_FAILED)} and other errors */
	{ IKEV2_EXCH_IKE_AUTH, 1, "IKE_AUTH error response", 1, 1, {
	    { IKEV2_PLD_NOTIFY, 1, NOTIFY_ANY }, { IKEV2_PLD_VENDOR, 0, MANY },
	    { 0, 0, 0 } } },
	/* RFC 7296 §1.3: HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], [TSi, TSr]}
	 * (no TS when rekeying the IKE SA) --> */
	{ IKEV2_EXCH_CREATE_CHILD_SA, 0, "CREATE_CHILD_SA request", 1, 0, {
	    { IKEV2_PLD_SA, 1, 1 }, { IKEV2_PLD_NONCE, 1, 1 },
	    { IKEV2_PLD_KE, 0, 1 }, { IKEV2_PLD_TSI, 0, 1 },
	    { IKEV2_PLD_TSR, 0, 1 }, { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
	/* <-- HDR, SK {SA, Nr, [KEr], [TSi, TSr]} */
	{ IKEV2_EXCH_CREATE_CHILD_SA, 1, "CREATE_CHILD_SA response", 1, 0, {
	    { IKEV2_PLD_SA, 1, 1 }, { IKEV2_PLD_NONCE, 1, 1 },
	    { IKEV2_PLD_KE, 0, 1 }, { IKEV2_PLD_TSI, 0, 1 },
	    { IKEV2_PLD_TSR, 0, 1 }, { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
	/* <-- HDR, SK {N(NO_PROPOSAL_CHOSEN)} etc. */
	{ IKEV2_EXCH_CREATE_CHILD_SA, 1, "CREATE_CHILD_SA error response", 1,
	    1, { { IKEV2_PLD_NOTIFY, 1, NOTIFY_ANY },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
	/* RFC 7296 §1.4: HDR, SK {[N,] [D,] [CP,] ...}, possibly empty */
	{ IKEV2_EXCH_INFORMATIONAL, 0, "INFORMATIONAL request", 1, 0, {
	    { IKEV2_PLD_DELETE, 0, IKEV2_MAX_DELETE },
	    { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY }, { IKEV2_PLD_CP, 0, 1 },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
	{ IKEV2_EXCH_INFORMATIONAL, 1, "INFORMATIONAL response", 1, 0, {
	    { IKEV2_PLD_DELETE, 0, IKEV2_MAX_DELETE },
	    { IKEV2_PLD_NOTIFY, 0, NOTIFY_ANY }, { IKEV2_PLD_CP, 0, 1 },
	    { IKEV2_PLD_VENDOR, 0, MANY }, { 0, 0, 0 } } },
};

static const char *const pld_names[] = {
	[IKEV2_PLD_SA] = "SA",		[IKEV2_PLD_KE] = "KE",
	[IKEV2_PLD_IDI] = "IDi",	[IKEV2_PLD_IDR] = "IDr",
	[IKEV2_PLD_CERT] = "CERT",	[IKEV2_PLD_CERTREQ] = "CERTREQ",
	[IKEV2_PLD_AUTH] = "AUTH",	[IKEV2_PLD_NONCE] = "No",
	[IKEV2_PLD_NOTIFY] = "N",	[IKEV2_PLD_DELETE] = "D",
	[IKEV2_PLD_VENDOR] = "V",	[IKEV2_PLD_TSI] = "TSi",
	[IKEV2_PLD_TSR] = "TSr",	[IKEV2_PLD_SK] = "SK",
	[IKEV2_PLD_CP] = "CP",		[IKEV2_PLD_EAP] = "EAP",
};

static const char *
pld_name(uint8_t type)
{
	if (type < sizeof(pld_names) / sizeof(pld_names[0]) &&
	    pld_names[type] != NULL)
		return (pld_names[type]);
	return (NULL);
}

/* Checks m against one rule set; returns 0 or -1 and logs why. */
static int
rules_match(const struct ikev2_msg *m, const struct ruleset *rs)
{
	const struct rule	*r;
	int			 t, min, max, i, err;

	for (t = IKEV2_PLD_SA; t <= IKEV2_PLD_EAP; t++) {
		if (t == IKEV2_PLD_SK)
			continue;
		min = max = 0;
		for (r = rs->rs_rules; r->r_type != 0; r++)
			if (r->r_type == t) {
				min = r->r_min;
				max = r->r_max;
			}
		if (m->m_count[t] < min || m->m_count[t] > max) {
			log_debug("ikev2 rules: %s: %d %s payload(s), want "
			    "%d..%d", rs->rs_name, m->m_count[t], pld_name(t),
			    min, max);
			return (-1);
		}
		if (m->m_in_sk[t] != (rs->rs_in_sk ? m->m_count[t] : 0)) {
			log_debug("ikev2 rules: %s: %s must be %s SK",
			    rs->rs_name, pld_name(t),
			    rs->rs_in_sk ? "inside" : "outside");
			return (-1);
		}
	}
	/* RFC 7296 §3.13: TSi and TSr come as a pair. */
	if (m->m_count[IKEV2_PLD_TSI] != m->m_count[IKEV2_PLD_TSR]) {
		log_debug("ikev2 rules: %s: TSi without TSr", rs->rs_name);
		return (-1);
	}
	if (rs->rs_need_error) {
		for (i = 0, err = 0; i < m->m_nnotify && !err; i++)
			err = m->m_notify[i].n_type <= IKEV2_N_ERROR_MAX ||
			    (rs->rs_exchange == IKEV2_EXCH_IKE_SA_INIT &&
			    m->m_notify[i].n_type == IKEV2_N_COOKIE);
		if (!err) {
			log_debug("ikev2 rules: %s: no error notify",
			    rs->rs_name);
			return (-1);
		}
	}
	return (0);
}

int
ikev2_rules_check(const struct ikev2_msg *m)
{
	const struct ruleset	*rs;
	size_t			 i;
	int			 resp, found = 0, sk;

	resp = (m->m_hdr.h_flags & IKEV2_FLAG_RESPONSE) != 0;
	/* RFC 7296 §3.14: exactly one SK, except in IKE_SA_INIT. */
	sk = m->m_hdr.h_exchange == IKEV2_EXCH_IKE_SA_INIT ? 0 : 1;
	if (m->m_count[IKEV2_PLD_SK] != sk || m->m_in_sk[IKEV2_PLD_SK] != 0) {
		log_debug("ikev2 rules: %s: %d SK payloads, want %d",
		    ikev2_exchange_name(m->m_hdr.h_exchange),
		    m->m_count[IKEV2_PLD_SK], sk);
		return (-1);
	}
	/*
	 * §3.3.1: an offer's proposals are numbered 1, 2, 3... (a response
	 * names the one chosen by its number, so only requests are held to
	 * it); §3.3.1 also makes two proposals with one number one offer,
	 * which we never make: duplicates are malformed too.
	 */
	if (!resp && m->m_count[IKEV2_PLD_SA] == 1)
		for (i = 0; i < (size_t)m->m_sa.sa_nprop; i++)
			if (m->m_sa.sa_prop[i].prop_num != i + 1) {
				log_debug("ikev2 rules: %s request: proposal "
				    "%zu numbered %u", ikev2_exchange_name(
				    m->m_hdr.h_exchange), i + 1,
				    m->m_sa.sa_prop[i].prop_num);
				return (-1);
			}
	for (i = 0; i < sizeof(rulesets) / sizeof(rulesets[0]); i++) {
		rs = &rulesets[i];
		if (rs->rs_exchange != m->m_hdr.h_exchange ||
		    rs->rs_response != resp)
			continue;
		found = 1;
		if (rules_match(m, rs) == 0)
			return (0);
	}
	if (!found)
		log_debug("ikev2 rules: no rules for exchange %s %s",
		    ikev2_exchange_name(m->m_hdr.h_exchange),
		    resp ? "response" : "request");
	return (-1);
}

/* --- names --- */

const char *
ikev2_exchange_name(uint8_t exchange)
{
	static _Thread_local char	unknown[8];

	switch (exchange) {
	case IKEV2_EXCH_IKE_SA_INIT:
		return ("IKE_SA_INIT");
	case IKEV2_EXCH_IKE_AUTH:
		return ("IKE_AUTH");
	case IKEV2_EXCH_CREATE_CHILD_SA:
		return ("CREATE_CHILD_SA");
	case IKEV2_EXCH_INFORMATIONAL:
		return ("INFORMATIONAL");
	}
	snprintf(unknown, sizeof(unknown), "%u", exchange);
	return (unknown);
}

/* IANA "IKEv2 Notify Message Types": full name and a short log form. */
static const struct {
	uint16_t	 nn_type;
	const char	*nn_name;
	const char	*nn_short;
} notify_names[] = {
	{ 1, "UNSUPPORTED_CRITICAL_PAYLOAD", "UNSUPP_CRIT" },
	{ 4, "INVALID_IKE_SPI", "INVAL_IKE_SPI" },
	{ 5, "INVALID_MAJOR_VERSION", "INVAL_MAJOR" },
	{ 7, "INVALID_SYNTAX", "INVAL_SYN" },
	{ 9, "INVALID_MESSAGE_ID", "INVAL_MID" },
	{ 11, "INVALID_SPI", "INVAL_SPI" },
	{ 14, "NO_PROPOSAL_CHOSEN", "NO_PROP" },
	{ 17, "INVALID_KE_PAYLOAD", "INVAL_KE" },
	{ 24, "AUTHENTICATION_FAILED", "AUTH_FAILED" },
	{ 34, "SINGLE_PAIR_REQUIRED", "SINGLE_PAIR" },
	{ 35, "NO_ADDITIONAL_SAS", "NO_ADD_SAS" },
	{ 36, "INTERNAL_ADDRESS_FAILURE", "INT_ADDR_FAIL" },
	{ 37, "FAILED_CP_REQUIRED", "CP_REQUIRED" },
	{ 38, "TS_UNACCEPTABLE", "TS_UNACCEPT" },
	{ 39, "INVALID_SELECTORS", "INVAL_SEL" },
	{ 43, "TEMPORARY_FAILURE", "TEMP_FAIL" },
	{ 44, "CHILD_SA_NOT_FOUND", "NO_CHILD_SA" },
	{ 16384, "INITIAL_CONTACT", "INIT_CONTACT" },
	{ 16385, "SET_WINDOW_SIZE", "WINDOW_SIZE" },
	{ 16386, "ADDITIONAL_TS_POSSIBLE", "ADD_TS_POSS" },
	{ 16387, "IPCOMP_SUPPORTED", "IPCOMP_SUP" },
	{ 16388, "NAT_DETECTION_SOURCE_IP", "NATD_S_IP" },
	{ 16389, "NAT_DETECTION_DESTINATION_IP", "NATD_D_IP" },
	{ 16390, "COOKIE", "COOKIE" },
	{ 16391, "USE_TRANSPORT_MODE", "USE_TRANSP" },
	{ 16392, "HTTP_CERT_LOOKUP_SUPPORTED", "HTTP_CERT_LOOK" },
	{ 16393, "REKEY_SA", "REKEY_SA" },
	{ 16394, "ESP_TFC_PADDING_NOT_SUPPORTED", "ESP_TFC_PAD_N" },
	{ 16395, "NON_FIRST_FRAGMENTS_ALSO", "NON_FIRST_FRAG" },
	{ 16396, "MOBIKE_SUPPORTED", "MOBIKE_SUP" },
	{ 16397, "ADDITIONAL_IP4_ADDRESS", "ADD_4_ADDR" },
	{ 16398, "ADDITIONAL_IP6_ADDRESS", "ADD_6_ADDR" },
	{ 16399, "NO_ADDITIONAL_ADDRESSES", "NO_ADD_ADDR" },
	{ 16400, "UPDATE_SA_ADDRESSES", "UPD_SA_ADDR" },
	{ 16401, "COOKIE2", "COOKIE2" },
	{ 16402, "NO_NATS_ALLOWED", "NO_NATS" },
	{ 16404, "MULTIPLE_AUTH_SUPPORTED", "MULT_AUTH" },
	{ 16405, "ANOTHER_AUTH_FOLLOWS", "AUTH_FOLLOWS" },
	{ 16406, "REDIRECT_SUPPORTED", "REDIR_SUP" },
	{ 16417, "EAP_ONLY_AUTHENTICATION", "EAP_ONLY" },
	{ 16418, "CHILDLESS_IKEV2_SUPPORTED", "CHDLESS_SUP" },
	{ 16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", "MSG_ID_SYN_SUP" },
	{ 16430, "IKEV2_FRAGMENTATION_SUPPORTED", "FRAG_SUP" },
	{ 16431, "SIGNATURE_HASH_ALGORITHMS", "HASH_ALG" },
};

static int
notify_find(uint16_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(notify_names) / sizeof(notify_names[0]); i++)
		if (notify_names[i].nn_type == type)
			return ((int)i);
	return (-1);
}

const char *
ikev2_notify_name(uint16_t type)
{
	static _Thread_local char	unknown[8];
	int				i;

	if ((i = notify_find(type)) >= 0)
		return (notify_names[i].nn_name);
	snprintf(unknown, sizeof(unknown), "%u", type);
	return (unknown);
}

/* --- describe --- */

struct desc {
	char	*d_out;
	size_t	 d_len;
	size_t	 d_pos;
};

/* Appends one word, separated by a space unless it follows '{'. */
static void __attribute__((format(printf, 2, 3)))
desc_word(struct desc *d, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	if (d->d_pos + 1 >= d->d_len)
		return;
	if (d->d_pos > 0 && d->d_out[d->d_pos - 1] != '{' && fmt[0] != '}') {
		d->d_out[d->d_pos++] = ' ';
		d->d_out[d->d_pos] = '\0';
	}
	va_start(ap, fmt);
	r = vsnprintf(d->d_out + d->d_pos, d->d_len - d->d_pos, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	d->d_pos += (size_t)r;
	if (d->d_pos >= d->d_len)
		d->d_pos = d->d_len - 1;
}

/*
 * One chain's payloads in a fixed order.  The cleartext chain is parsed
 * first, so its notifies precede those found inside SK in m_notify.
 */
static void
desc_chain(struct desc *d, const struct ikev2_msg *m, int in_sk)
{
	static const uint8_t	 order[] = { IKEV2_PLD_IDI, IKEV2_PLD_IDR,
	    IKEV2_PLD_CERT, IKEV2_PLD_CERTREQ, IKEV2_PLD_AUTH, IKEV2_PLD_SA,
	    IKEV2_PLD_KE, IKEV2_PLD_NONCE, IKEV2_PLD_TSI, IKEV2_PLD_TSR,
	    IKEV2_PLD_NOTIFY, IKEV2_PLD_DELETE, IKEV2_PLD_CP, IKEV2_PLD_EAP,
	    IKEV2_PLD_VENDOR };
	size_t			 i;
	int			 t, n, k, nfirst, idx;

	for (i = 0; i < sizeof(order); i++) {
		t = order[i];
		n = in_sk ? m->m_in_sk[t] : m->m_count[t] - m->m_in_sk[t];
		if (t != IKEV2_PLD_NOTIFY) {
			for (k = 0; k < n; k++)
				desc_word(d, "%s", pld_name(t));
			continue;
		}
		nfirst = in_sk ? m->m_count[t] - m->m_in_sk[t] : 0;
		for (k = nfirst; k < nfirst + n && k < m->m_nnotify; k++) {
			if ((idx = notify_find(m->m_notify[k].n_type)) >= 0)
				desc_word(d, "N(%s)",
				    notify_names[idx].nn_short);
			else
				desc_word(d, "N(%u)", m->m_notify[k].n_type);
		}
	}
	/* Unknown payload types, by number. */
	for (t = 1; t < 256; t++) {
		if (pld_name(t) != NULL)
			continue;
		n = in_sk ? m->m_in_sk[t] : m->m_count[t] - m->m_in_sk[t];
		for (k = 0; k < n; k++)
			desc_word(d, "U(%d)", t);
	}
}

void
ikev2_msg_describe(const struct ikev2_msg *m, char *out, size_t len)
{
	struct desc	d = { out, len, 0 };

	if (out == NULL || len == 0)
		return;
	out[0] = '\0';
	desc_chain(&d, m, 0);
	if (m->m_count[IKEV2_PLD_SK] > 0) {
		desc_word(&d, "SK{");
		desc_chain(&d, m, 1);
		desc_word(&d, "}");
	}
}
