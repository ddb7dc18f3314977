/*
 * check_captures.c - the IKEv2 codec on real strongSwan and Libreswan
 * traffic (tests/data/captures, see /work/shared/captures/README.md).
 *
 * Every IKEv2 message of each capture must parse and pass the rule
 * table; where Wireshark's ikev2_decryption_table gives the keys, every
 * SK payload's ICV must verify, and it must decrypt to a valid chain.
 * With GW_CORPUS_DIR set, each message is also written there as a file
 * (the fuzzing seed corpus, tests/fuzz/corpus/ikev2).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev2.h"
#include "tests/pcap.h"

#define CAP_DIR		TEST_DATA_DIR "/captures"

struct cap_keys {
	int	ck_valid;
	uint8_t	ck_spii[8], ck_spir[8];
	uint8_t	ck_ei[CRYPTO_MAX_KEY], ck_er[CRYPTO_MAX_KEY];
	uint8_t	ck_ai[CRYPTO_MAX_KEY], ck_ar[CRYPTO_MAX_KEY];
	size_t	ck_elen, ck_alen;
	int	ck_encr, ck_keybits, ck_integ;
};

/* Expected per capture, as tshark shows them (tshark -Y isakmp). */
static const struct {
	const char	*cap;
	int		 nmsg;		/* IKEv2 messages */
	int		 nsk;		/* SK payloads present */
	int		 nopened;	/* SK payloads verified and decrypted */
	const char	*desc[10];	/* ikev2_msg_describe() of each */
} captures[] = {
	{ "a-ikev2-psk", 4, 2, 2, {
	    "SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) "
	    "N(REDIR_SUP)",
	    "SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) "
	    "N(CHDLESS_SUP) N(MULT_AUTH)",
	    "SK{IDi IDr AUTH SA TSi TSr N(INIT_CONTACT) N(MOBIKE_SUP) "
	    "N(ADD_4_ADDR) N(MULT_AUTH) N(EAP_ONLY) N(MSG_ID_SYN_SUP)}",
	    "SK{IDr AUTH SA TSi TSr N(MOBIKE_SUP) N(ADD_4_ADDR)}" } },
	{ "ikev2-aes256-sha256-modp2048", 4, 2, 2, { NULL } },
	{ "d-swan-libreswan-ikev2", 10, 6, 0, {
	    "SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) "
	    "N(REDIR_SUP)",
	    "N(NO_PROP)",
	    "SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) "
	    "N(REDIR_SUP)",
	    "SA KE No N(FRAG_SUP) N(NATD_S_IP) N(NATD_D_IP) N(CHDLESS_SUP)",
	    "SK{}", "SK{}", "SK{}", "SK{}", "SK{}", "SK{}" } },
	{ "e-nat-t", 4, 2, 0, { NULL } },
	/* gatewayd <-> strongSwan 5.9.8 with AES-GCM-256 (RFC 5282): the
	 * SK payloads strongSwan sealed open with gatewayd's key file */
	{ "ikev2-aes256gcm16-ecp384", 10, 8, 8, { NULL } },
};

static int
cap_encr_map(const char *s, int *encr, int *keybits)
{
	if (strncmp(s, "\"AES-CBC-", 9) == 0) {
		*encr = ENCR_AES_CBC;
		*keybits = atoi(s + 9);
		return (0);
	}
	/* "AES-GCM-256 with 16 octet ICV [RFC5282]" */
	if (strncmp(s, "\"AES-GCM-", 9) == 0) {
		*keybits = atoi(s + 9);
		*encr = strstr(s, " 8 octet") != NULL ? ENCR_AES_GCM_8 :
		    strstr(s, " 12 octet") != NULL ? ENCR_AES_GCM_12 :
		    ENCR_AES_GCM_16;
		return (0);
	}
	if (strncmp(s, "\"3DES", 5) == 0) {
		*encr = ENCR_3DES;
		*keybits = 0;
		return (0);
	}
	return (-1);
}

static int
cap_integ_map(const char *s)
{
	if (strncmp(s, "\"HMAC_MD5_96", 12) == 0)
		return (AUTH_HMAC_MD5_96);
	if (strncmp(s, "\"HMAC_SHA1_96", 13) == 0)
		return (AUTH_HMAC_SHA1_96);
	if (strncmp(s, "\"HMAC_SHA2_256_128", 18) == 0)
		return (AUTH_HMAC_SHA2_256_128);
	if (strncmp(s, "\"NONE", 5) == 0)
		return (AUTH_NONE);	/* an AEAD */
	return (-1);
}

/* Reads Wireshark's ikev2_decryption_table (first line); 0 if absent. */
static void
cap_keys_load(const char *cap, struct cap_keys *k)
{
	char	 path[512], line[1024], *f[8], *p, *rest;
	FILE	*fp;
	int	 n;

	memset(k, 0, sizeof(*k));
	snprintf(path, sizeof(path), "%s/%s/ikev2_decryption_table", CAP_DIR,
	    cap);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	/* strsep keeps the empty SK_ai, SK_ar fields of an AEAD */
	for (n = 0, rest = line; (p = strsep(&rest, ",")) != NULL && n < 8;)
		f[n++] = p;
	ck_assert_int_eq(n, 8);
	ck_assert_int_eq(hex_decode(f[0], k->ck_spii, 8), 8);
	ck_assert_int_eq(hex_decode(f[1], k->ck_spir, 8), 8);
	ck_assert_int_eq(cap_encr_map(f[4], &k->ck_encr, &k->ck_keybits), 0);
	ck_assert_int_ne(k->ck_integ = cap_integ_map(f[7]), -1);
	k->ck_elen = encr_key_len(k->ck_encr, k->ck_keybits);
	k->ck_alen = k->ck_integ == AUTH_NONE ? 0 :
	    integ_key_len(k->ck_integ);
	ck_assert_int_eq(hex_decode(f[2], k->ck_ei, CRYPTO_MAX_KEY),
	    (int)k->ck_elen);
	ck_assert_int_eq(hex_decode(f[3], k->ck_er, CRYPTO_MAX_KEY),
	    (int)k->ck_elen);
	ck_assert_int_eq(hex_decode(f[5], k->ck_ai, CRYPTO_MAX_KEY),
	    (int)k->ck_alen);
	ck_assert_int_eq(hex_decode(f[6], k->ck_ar, CRYPTO_MAX_KEY),
	    (int)k->ck_alen);
	k->ck_valid = 1;
}

/* The keys of the message's sender (RFC 7296 §3.1 Initiator flag). */
static void
cap_sk_keys(const struct cap_keys *k, int initiator, struct ikev2_sk_keys *sk)
{
	sk->sk_encr = k->ck_encr;
	sk->sk_integ = k->ck_integ;
	sk->sk_ekey = initiator ? k->ck_ei : k->ck_er;
	sk->sk_ekey_len = k->ck_elen;
	sk->sk_akey = initiator ? k->ck_ai : k->ck_ar;
}

static void
cap_corpus_write(const char *cap, unsigned int frame, const char *tag,
    const uint8_t *data, size_t len)
{
	const char	*dir = getenv("GW_CORPUS_DIR");
	char		 path[512];
	FILE		*fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s-%u%s", dir, cap, frame, tag);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/*
 * A seed for the fuzzer, whose SK bodies are parsed undecrypted: the
 * message with its SK body replaced by the decrypted inner chain.
 */
static void
cap_corpus_plain(const char *cap, const struct pcap_udp *u,
    const struct ikev2_msg *m, const struct buf *inner)
{
	struct buf	*b;

	if (getenv("GW_CORPUS_DIR") == NULL)
		return;
	ck_assert_ptr_nonnull(b = buf_new_data(u->pu_data, m->m_sk_offset));
	ck_assert_int_eq(buf_add_u8(b, m->m_sk_next), 0);
	ck_assert_int_eq(buf_add_u8(b, 0), 0);
	ck_assert_int_eq(buf_add_u16(b, (uint16_t)(inner->buf_len + 4)), 0);
	ck_assert_int_eq(buf_add(b, inner->buf_data, inner->buf_len), 0);
	ikev2_hdr_set_length(b);
	cap_corpus_write(cap, u->pu_frame, "-plain", b->buf_data, b->buf_len);
	buf_free(b);
}

START_TEST(test_captures_parse)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct ikev2_sk_keys	 sk;
	struct pcap_file	*pf;
	struct pcap_udp		 u;
	struct cap_keys		 k;
	struct buf		*out = buf_new(0);
	const char		*cap = captures[_i].cap;
	char			 path[512], desc[512];
	int			 nmsg = 0, nsk = 0, nopened = 0, init;

	cap_keys_load(cap, &k);
	snprintf(path, sizeof(path), "%s/%s/%s.pcap", CAP_DIR, cap, cap);
	ck_assert_msg((pf = pcap_open(path)) != NULL, "cannot read %s", path);
	while (pcap_next_ike(pf, &u) == 1) {
		cap_corpus_write(cap, u.pu_frame, "", u.pu_data, u.pu_len);
		ck_assert_msg(ikev2_msg_parse(u.pu_data, u.pu_len, m) == 0,
		    "%s frame %u does not parse", cap, u.pu_frame);
		init = (m->m_hdr.h_flags & IKEV2_FLAG_INITIATOR) != 0;
		if (m->m_sk_body != NULL) {
			nsk++;
			ck_assert_uint_eq(m->m_sk_offset, IKEV2_HDR_LEN);
		}
		if (m->m_sk_body != NULL && k.ck_valid) {
			ck_assert_mem_eq(m->m_hdr.h_spi_i, k.ck_spii, 8);
			ck_assert_mem_eq(m->m_hdr.h_spi_r, k.ck_spir, 8);
			/* The other direction's keys must not verify. */
			cap_sk_keys(&k, !init, &sk);
			ck_assert_int_eq(ikev2_sk_open(u.pu_data, u.pu_len, m,
			    &sk, out), -1);
			cap_sk_keys(&k, init, &sk);
			ck_assert_msg(ikev2_sk_open(u.pu_data, u.pu_len, m,
			    &sk, out) == 0, "%s frame %u: SK does not open",
			    cap, u.pu_frame);
			ck_assert_msg(ikev2_pld_parse(m->m_sk_next,
			    out->buf_data, out->buf_len, 1, m) == 0,
			    "%s frame %u: inner chain does not parse", cap,
			    u.pu_frame);
			cap_corpus_plain(cap, &u, m, out);
			nopened++;
		}
		ikev2_msg_describe(m, desc, sizeof(desc));
		log_debug("%s frame %u: %s %s %s", cap, u.pu_frame,
		    ikev2_exchange_name(m->m_hdr.h_exchange),
		    init ? "i" : "r", desc);
		if (nmsg < 10 && captures[_i].desc[nmsg] != NULL)
			ck_assert_str_eq(desc, captures[_i].desc[nmsg]);
		/* Without keys only the cleartext messages can be judged. */
		if (m->m_sk_body == NULL || k.ck_valid)
			ck_assert_msg(ikev2_rules_check(m) == 0,
			    "%s frame %u: rules: %s", cap, u.pu_frame, desc);
		nmsg++;
	}
	ck_assert_int_eq(nmsg, captures[_i].nmsg);
	ck_assert_int_eq(nsk, captures[_i].nsk);
	ck_assert_int_eq(nopened, captures[_i].nopened);
	printf("%s: %d IKEv2 messages parsed, %d SK payloads, %d verified "
	    "and decrypted\n", cap, nmsg, nsk, nopened);
	pcap_close(pf);
	buf_free(out);
	free(m);
}
END_TEST

/* Details of a-ikev2-psk that tshark shows: proposals, IDs, TS. */
START_TEST(test_captures_fields)
{
	struct ikev2_msg	*m = calloc(1, sizeof(*m));
	struct ikev2_sk_keys	 sk;
	struct pcap_file	*pf;
	struct pcap_udp		 u;
	struct cap_keys		 k;
	struct buf		*out = buf_new(0);
	char			 path[512], a[INET_ADDRSTRLEN];
	const struct prop_proposal *p;

	cap_keys_load("a-ikev2-psk", &k);
	ck_assert_int_eq(k.ck_valid, 1);
	snprintf(path, sizeof(path), "%s/a-ikev2-psk/a-ikev2-psk.pcap",
	    CAP_DIR);
	ck_assert_ptr_nonnull(pf = pcap_open(path));
	/* IKE_SA_INIT request: aes128-sha1-modp1024 (README). */
	ck_assert_int_eq(pcap_next_ike(pf, &u), 1);
	ck_assert_uint_eq(u.pu_sport, 500);
	ck_assert_int_eq(ikev2_msg_parse(u.pu_data, u.pu_len, m), 0);
	ck_assert_uint_eq(m->m_hdr.h_exchange, IKEV2_EXCH_IKE_SA_INIT);
	ck_assert_int_eq(m->m_sa.sa_nprop, 1);
	p = &m->m_sa.sa_prop[0];
	ck_assert_uint_eq(p->prop_proto, IKEV2_PROTO_IKE);
	ck_assert_int_eq(p->prop_ntr, 4);
	ck_assert_uint_eq(p->prop_tr[0].tr_type, IKEV2_XF_ENCR);
	ck_assert_uint_eq(p->prop_tr[0].tr_id, ENCR_AES_CBC);
	ck_assert_uint_eq(p->prop_tr[0].tr_keylen, 128);
	ck_assert_uint_eq(m->m_ke_group, DH_MODP_1024);
	ck_assert_uint_eq(m->m_ke_len, 128);
	ck_assert_uint_eq(m->m_nonce_len, 32);
	/* IKE_AUTH request. */
	ck_assert_int_eq(pcap_next_ike(pf, &u), 1);
	ck_assert_int_eq(pcap_next_ike(pf, &u), 1);
	ck_assert_int_eq(ikev2_msg_parse(u.pu_data, u.pu_len, m), 0);
	cap_sk_keys(&k, 1, &sk);
	ck_assert_int_eq(ikev2_sk_open(u.pu_data, u.pu_len, m, &sk, out), 0);
	ck_assert_int_eq(ikev2_pld_parse(m->m_sk_next, out->buf_data,
	    out->buf_len, 1, m), 0);
	ck_assert_uint_eq(m->m_idi.id_type, IKEV2_ID_IPV4_ADDR);
	ck_assert_uint_eq(m->m_idi.id_len, 4);
	ck_assert_str_eq(inet_ntop(AF_INET, m->m_idi.id_data, a, sizeof(a)),
	    "198.51.100.1");
	ck_assert_uint_eq(m->m_auth_method, IKEV2_AUTH_PSK);
	ck_assert_uint_eq(m->m_auth_len, 20);	/* prf-hmac-sha1 */
	ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(m->m_sa.sa_prop[0].prop_spi_len, 4);
	ck_assert_int_eq(m->m_tsi.tsl_n, 1);
	ck_assert_uint_eq(m->m_tsi.tsl_ts[0].ts_type, IKEV2_TS_IPV4_RANGE);
	ck_assert_str_eq(inet_ntop(AF_INET, &m->m_tsi.tsl_ts[0].ts_saddr, a,
	    sizeof(a)), "10.1.0.0");
	ck_assert_str_eq(inet_ntop(AF_INET, &m->m_tsi.tsl_ts[0].ts_eaddr, a,
	    sizeof(a)), "10.1.0.255");
	ck_assert_str_eq(inet_ntop(AF_INET, &m->m_tsr.tsl_ts[0].ts_saddr, a,
	    sizeof(a)), "10.2.0.0");
	ck_assert_uint_eq(m->m_tsr.tsl_ts[0].ts_eport, 65535);
	pcap_close(pf);
	buf_free(out);
	free(m);
}
END_TEST

/* NAT-T: IKE moves to UDP 4500 behind the non-ESP marker; ESP there is
 * not IKE. */
START_TEST(test_captures_natt_ports)
{
	struct pcap_file	*pf;
	struct pcap_udp		 u;
	char			 path[512];
	int			 n4500 = 0, nudp = 0, nike = 0;

	snprintf(path, sizeof(path), "%s/e-nat-t/e-nat-t.pcap", CAP_DIR);
	ck_assert_ptr_nonnull(pf = pcap_open(path));
	while (pcap_next_udp(pf, &u) == 1)
		nudp++;
	pcap_close(pf);
	ck_assert_ptr_nonnull(pf = pcap_open(path));
	while (pcap_next_ike(pf, &u) == 1) {
		nike++;
		if (u.pu_dport == 4500 || u.pu_sport == 4500) {
			n4500++;
			ck_assert_uint_eq(u.pu_data[16], IKEV2_PLD_SK);
		}
	}
	pcap_close(pf);
	/* 4 IKE messages + 6 ESP-in-UDP packets (tshark). */
	ck_assert_int_eq(nudp, 10);
	ck_assert_int_eq(nike, 4);
	ck_assert_int_eq(n4500, 2);
}
END_TEST

static Suite *
captures_suite(void)
{
	Suite	*s = suite_create("captures");
	TCase	*tc;

	tc = tcase_create("ikev2");
	tcase_add_loop_test(tc, test_captures_parse, 0,
	    (int)(sizeof(captures) / sizeof(captures[0])));
	tcase_add_test(tc, test_captures_fields);
	tcase_add_test(tc, test_captures_natt_ports);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(captures_suite());
	int	 failed;

	log_init(0, getenv("GW_TEST_DEBUG") != NULL ? LOG_LVL_DEBUG :
	    LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
