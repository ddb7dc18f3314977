/*
 * check_diag.c - gatewayctl doctor: the report for each cause from a
 * fixture record (policy/diag.c), then records made by two real engines
 * over the mock network (wrong PSK, IKE proposal, segments) and the
 * report they give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/ike.h"
#include "ike/ikev1.h"
#include "policy/diag.h"
#include "policy/proposal.h"
#include "tests/exchange_pair.h"

/* The report as a C string (owned by the caller). */
static char *
report(const struct tunnel_diag *d, const char *state, int connected,
    int json)
{
	struct buf	*b = buf_new(256);
	char		*s;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(diag_report(b, "t1", state, connected, d, json), 0);
	ck_assert_int_eq(buf_add_u8(b, '\0'), 0);
	s = strdup((const char *)b->buf_data);
	buf_free(b);
	return (s);
}

#define HAS(s, x)	ck_assert_msg(strstr((s), (x)) != NULL, \
			    "missing \"%s\" in:\n%s", (x), (s))

struct vec {
	enum diag_cause	 cause;
	int		 phase, version, initiator, received;
	const char	*notify, *ours, *theirs, *peer_id, *exp_id;
	const char	*ts_ours, *ts_theirs, *detail;
	const char	*want[4];	/* lines the report must hold */
};

static const struct vec vecs[] = {
	{ DIAG_PSK_OURS, 1, 2, 1, 1, "AUTHENTICATION_FAILED", "", "", "", "",
	  "", "", "", { "verdict: pre-shared key mismatch: the peer rejected "
	  "our AUTH", "evidence: the peer answered our IKE_AUTH with AUTHENTICATION_FAILED", "fix: change psk in "
	  "gatewayd.conf (tunnel t1, keyword psk)", "attempt: IKEv2 "
	  "initiator, the peer answered" } },
	{ DIAG_PSK_OURS, 1, 1, 1, 1, "", "", "", "", "", "", "", "",
	  { "the peer rejected our HASH", "evidence: no valid Main Mode "
	  "message 6: it did not decrypt or verify with our key", "keyword "
	  "psk", NULL } },
	{ DIAG_PSK_THEIRS, 1, 2, 0, 1, "", "", "", "10.9.9.9", "10.9.9.9",
	  "", "", "", { "the peer's AUTH does not verify with our psk",
	  "the peer's ID 10.9.9.9 matches peer-id", "attempt: IKEv2 "
	  "responder", NULL } },
	{ DIAG_ID, 1, 2, 1, 1, "", "", "", "moon.example", "198.51.100.2",
	  "", "", "", { "verdict: ID mismatch: the peer identifies as "
	  "moon.example, we expect 198.51.100.2", "(tunnel t1, ike block, "
	  "keyword peer-id) to moon.example", "leftid", NULL } },
	{ DIAG_VERSION, 1, 2, 1, 1, "INVALID_MAJOR_VERSION", "", "", "", "",
	  "", "", "", { "verdict: IKE version mismatch: we speak IKEv2, the "
	  "peer refused it", "the peer answered INVALID_MAJOR_VERSION",
	  "(tunnel t1, ike block, keyword version)", "keyexchange=ikev2" } },
	{ DIAG_VERSION, 1, 2, 0, 1, "", "", "", "", "", "", "", "the peer "
	  "sent an IKEv1 Main Mode request", { "verdict: IKE version "
	  "mismatch: we speak IKEv2, the peer uses another version",
	  "evidence: the peer sent an IKEv1 Main Mode request", "attempt: "
	  "IKEv2 responder", NULL } },
	{ DIAG_MODE, 1, 1, 1, 1, "", "", "", "", "", "", "", "peer answered "
	  "Aggressive Mode", { "verdict: IKEv1 mode mismatch", "keyword "
	  "mode", "aggressive=yes|no", NULL } },
	{ DIAG_IKE_PROPOSAL, 1, 2, 0, 1, "", "IKE:aes128-sha1-prfsha1-"
	  "modp1024", "IKE:aes256-sha1-prfsha1-modp1024, IKE:3des-sha1-"
	  "prfsha1-modp1024", "", "", "", "", "", { "verdict: IKE proposal "
	  "mismatch", "  encryption   aes128                   aes256,3des"
	  "              DIFFERS", "  dh-group     modp1024                 "
	  "modp1024", "fix: change encryption in gatewayd.conf (tunnel t1, "
	  "ike block, keyword encryption) or the peer's proposals "
	  "(strongSwan: ike=)" } },
	{ DIAG_IKE_PROPOSAL, 1, 2, 1, 1, "NO_PROPOSAL_CHOSEN", "IKE:aes128-"
	  "sha1-prfsha1-modp1024", "", "", "", "", "", "", { "verdict: IKE "
	  "proposal mismatch: the peer refused ours", "evidence: the peer "
	  "answered NO_PROPOSAL_CHOSEN", "theirs (not seen)", "note: a peer "
	  "with no IKEv2 connection for us (strongSwan: keyexchange=ikev1" } },
	{ DIAG_CHILD_PROPOSAL, 2, 2, 0, 1, "", "ESP:aes128-sha1-noesn",
	  "AH:sha1-noesn", "", "", "", "", "", { "verdict: IPsec proposal "
	  "mismatch", "  protocol     ESP                      AH", "fix: "
	  "change protocol in gatewayd.conf (tunnel t1, ipsec block, "
	  "keyword protocol)", NULL } },
	{ DIAG_CHILD_PROPOSAL, 2, 2, 1, 1, "NO_PROPOSAL_CHOSEN",
	  "ESP:aes128-sha1-noesn", "", "", "", "", "", "", { "verdict: IPsec "
	  "proposal mismatch: the peer refused ours", "fix: change protocol, "
	  "encryption or integrity in gatewayd.conf (tunnel t1, ipsec block)",
	  "esp= or ah=", NULL } },
	/* ESN only: the esn row differs and names the keyword */
	{ DIAG_CHILD_PROPOSAL, 2, 2, 0, 1, "", "ESP:aes128-sha1-esn",
	  "ESP:aes128-sha1-noesn", "", "", "", "", "", { "verdict: IPsec "
	  "proposal mismatch", "  esn          esn                      "
	  "noesn                    DIFFERS", "  encryption   aes128          "
	  "         aes128\n", "fix: change esn in "
	  "gatewayd.conf (tunnel t1, ipsec block, keyword esn) or the peer's "
	  "proposals (strongSwan: esp=)" } },
	/* esn either against a peer with ESN: no difference there */
	{ DIAG_CHILD_PROPOSAL, 2, 2, 0, 1, "", "ESP:aes128-sha1-esn-noesn",
	  "ESP:aes256-sha1-esn", "", "", "", "", "", { "  esn          "
	  "esn,noesn                esn\n", "fix: change "
	  "encryption in gatewayd.conf (tunnel t1, ipsec block, keyword "
	  "encryption)", NULL } },
	{ DIAG_PFS, 2, 2, 0, 1, "", "ESP:aes128-sha1-modp1024-noesn",
	  "ESP:aes128-sha1-modp2048-noesn", "", "", "", "", "PFS group "
	  "mismatch: peer proposed modp2048, configured modp1024", {
	  "verdict: PFS mismatch", "  dh-group     modp1024                 "
	  "modp2048", "keyword pfs", "esp=aes128-sha1-modp1024" } },
	{ DIAG_SEGMENTS, 2, 2, 0, 1, "", "", "", "", "", "172.16.0.0/24 === "
	  "10.0.0.0/16", "172.16.0.0/24 === 10.9.0.0/16", "", { "verdict: "
	  "segment mismatch", "  ours:   172.16.0.0/24 === 10.0.0.0/16",
	  "  theirs: 172.16.0.0/24 === 10.9.0.0/16", "keywords "
	  "local-segment, peer-segment" } },
	{ DIAG_NO_ANSWER, 1, 2, 1, 0, "", "", "", "", "", "", "", "", {
	  "verdict: no answer from the peer", "evidence: 3 transmissions of "
	  "our IKEv2 request, nothing received", "UDP 500 and 4500",
	  "attempt: IKEv2 initiator, nothing received from the peer" } },
	{ DIAG_NAT, 1, 2, 1, 1, "", "", "", "", "", "", "", "no answer to "
	  "IKE_AUTH on 4500", { "verdict: NAT without NAT-T", "no answer to "
	  "IKE_AUTH on 4500", "enable NAT-T on the peer", NULL } },
	{ DIAG_OTHER, 1, 2, 1, 1, "", "", "", "", "", "", "", "invalid "
	  "IKE_SA_INIT response", { "verdict: Phase 1 failed: invalid "
	  "IKE_SA_INIT response", "gatewayctl log t1", NULL } },
};

static void
vec_fill(const struct vec *v, struct tunnel_diag *d)
{
	diag_begin(d, v->version, v->initiator);
	diag_set(d, v->cause, v->phase);
	d->td_received = v->received;
	d->td_tries = 3;
	snprintf(d->td_notify, sizeof(d->td_notify), "%s", v->notify);
	snprintf(d->td_ours, sizeof(d->td_ours), "%s", v->ours);
	snprintf(d->td_theirs, sizeof(d->td_theirs), "%s", v->theirs);
	snprintf(d->td_peer_id, sizeof(d->td_peer_id), "%s", v->peer_id);
	snprintf(d->td_expected_id, sizeof(d->td_expected_id), "%s",
	    v->exp_id);
	snprintf(d->td_ts_ours, sizeof(d->td_ts_ours), "%s", v->ts_ours);
	snprintf(d->td_ts_theirs, sizeof(d->td_ts_theirs), "%s",
	    v->ts_theirs);
	snprintf(d->td_detail, sizeof(d->td_detail), "%s", v->detail);
}

START_TEST(test_diag_report_cause)
{
	const struct vec	*v = &vecs[_i];
	struct tunnel_diag	 d;
	char			*s;
	int			 k;

	vec_fill(v, &d);
	s = report(&d, v->phase == 1 ? "Phase 1 failed" : "Phase 2 failed",
	    0, 0);
	HAS(s, v->phase == 1 ? "tunnel t1: Phase 1 failed\n" :
	    "tunnel t1: Phase 2 failed\n");
	for (k = 0; k < 4 && v->want[k] != NULL; k++)
		HAS(s, v->want[k]);
	/* one verdict, one fix */
	ck_assert_ptr_null(strstr(strstr(s, "verdict:") + 1, "verdict:"));
	ck_assert_ptr_null(strstr(strstr(s, "fix:") + 1, "fix:"));
	free(s);
	s = report(&d, "Phase 1 failed", 0, 1);
	HAS(s, "\"cause\":\"");
	HAS(s, diag_cause_name(v->cause));
	HAS(s, "\"report\":[\"tunnel t1: Phase 1 failed\"") ;
	free(s);
}
END_TEST

START_TEST(test_diag_report_connected)
{
	struct tunnel_diag	 d;
	char			*s;

	vec_fill(&vecs[0], &d);
	s = report(&d, "Connected", 1, 0);
	ck_assert_str_eq(s, "tunnel t1: Connected\nverdict: connected, "
	    "nothing to fix\n");
	free(s);
	s = report(&d, "Connected", 1, 1);
	HAS(s, "\"cause\":\"none\"");
	free(s);
}
END_TEST

/*
 * IKEv1 Main Mode against a peer for Aggressive Mode only (strongSwan
 * aggressive = yes): its AUTHENTICATION-FAILED after our message 5
 * verified with our PSK's keys.  The report says mode, both modes, that
 * the PSK is the same, and the other cause with the same answer (ID).
 * The unauthenticated hint (Aggressive Mode message 1 refused) names the
 * ID too, not the PSK.
 */
START_TEST(test_diag_report_v1_mode_initiator)
{
	struct tunnel_diag	 d;
	char			*s;

	diag_begin(&d, 1, 1);
	diag_set(&d, DIAG_MODE, 1);
	d.td_received = 1;
	d.td_psk_same = 1;
	snprintf(d.td_notify, sizeof(d.td_notify), "AUTHENTICATION-FAILED");
	snprintf(d.td_detail, sizeof(d.td_detail), "Phase 1 failed: the peer "
	    "answered our Main Mode message 5 with AUTHENTICATION-FAILED, "
	    "authenticated with our PSK's keys");
	s = report(&d, "Phase 1 failed", 0, 0);
	HAS(s, "attempt: IKEv1 initiator, the peer answered\n");
	HAS(s, "verdict: IKEv1 mode mismatch (Main against Aggressive "
	    "Mode)\n");
	HAS(s, "evidence: Phase 1 failed: the peer answered our Main Mode "
	    "message 5 with AUTHENTICATION-FAILED, authenticated with our "
	    "PSK's keys\n");
	HAS(s, "note: that answer verifies with keys from our psk, so the "
	    "pre-shared key is the same");
	HAS(s, "aggressive = yes");
	HAS(s, "keyword local-id");
	HAS(s, "fix: change mode in gatewayd.conf (tunnel t1, ike block, "
	    "keyword mode)");
	ck_assert_ptr_null(strstr(s, "keyword psk"));
	free(s);
	s = report(&d, "Phase 1 failed", 0, 1);
	HAS(s, "\"cause\":\"ike-mode\"");
	HAS(s, "\"psk_same\":true");
	free(s);
	d.td_psk_same = 0;
	s = report(&d, "Phase 1 failed", 0, 0);
	ck_assert_ptr_null(strstr(s, "the pre-shared key is the same"));
	HAS(s, "note: a peer whose connection expects another ID from us");
	free(s);
	s = report(&d, "Phase 1 failed", 0, 1);
	HAS(s, "\"psk_same\":false");
	free(s);
}
END_TEST

/* A hostile ID: control bytes, quotes and length are bounded. */
START_TEST(test_diag_escape)
{
	uint8_t		 id[300];
	char		 out[DIAG_ID_MAX];

	diag_escape(out, sizeof(out), (const uint8_t *)"a\"b\\c\n\x80", 7);
	ck_assert_str_eq(out, "a\\x22b\\x5cc\\x0a\\x80");
	memset(id, 0x01, sizeof(id));
	diag_escape(out, sizeof(out), id, sizeof(id));
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_uint_eq(strlen(out) % 4, 0);
}
END_TEST

/* An IKEv1 SA payload as the table's text: what ikev1_sa_offer makes
 * of it, described. */
static void
v1_describe(const struct ikev1_sa *sa, char *out, size_t len, int *rc)
{
	struct prop_offer	*o = calloc(1, sizeof(*o));

	ck_assert_ptr_nonnull(o);
	*rc = ikev1_sa_offer(sa, o);
	proposal_describe(o, out, len);
	free(o);
}

/* IKEv1 values: known ones by IKEv2 name, others by their IKEv1 number
 * (Blowfish is IKEv1's encryption 3, not IKEv2's 3DES), phase 2 "no PFS"
 * and ESN shown, duplicates once. */
START_TEST(test_diag_v1_offer_values)
{
	struct ikev1_sa		*sa = calloc(1, sizeof(*sa));
	struct ikev1_p1_params	 p1[3] = {
		{ IKEV1_ENCR_AES, 256, IKEV1_HASH_SHA2_256, IKEV1_AUTH_PSK,
		    14, 0 },
		{ IKEV1_ENCR_3DES, 0, IKEV1_HASH_MD5, IKEV1_AUTH_PSK, 2, 0 },
		{ 3, 0, 3, IKEV1_AUTH_PSK, 7, 0 },	/* Blowfish, Tiger */
	};
	struct ikev1_p2_params	 p2[2] = {
		{ IKEV1_PROTO_ESP, IKEV1_ESP_AES, 1, 128, IKEV1_AUTH_HMAC_SHA,
		    0, 1, 0, 0, IKEV1_ESN_64 },
		{ IKEV1_PROTO_ESP, IKEV1_ESP_3DES, 1, 0, 9, 5, 1, 0, 0, 0 },
	};
	struct tunnel_diag	 d;
	char			 s[DIAG_STR_MAX], *r;
	int			 rc;

	ck_assert_ptr_nonnull(sa);
	ck_assert_int_eq(ikev1_sa_p1_build(sa, p1, 3), 0);
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "IKE:aes256-3des-v1encr3-sha256-md5-v1integ3-"
	    "modp2048-modp1024-dh7-psk");
	/* the same transform twice shows once */
	p1[1] = p1[0];
	ck_assert_int_eq(ikev1_sa_p1_build(sa, p1, 2), 0);
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_str_eq(s, "IKE:aes256-sha256-modp2048-psk");

	ck_assert_int_eq(ikev1_sa_p2_build(sa, p2, 2), 0);
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_str_eq(s, "ESP:aes128-3des-sha1-v1integ9-nodh-modp1536-"
	    "esn-noesn-tunnel");
	/* AH: the algorithm from the transform ID when no attribute */
	p2[0].p2_proto = IKEV1_PROTO_AH;
	p2[0].p2_id = IKEV1_AH_SHA2_256;
	p2[0].p2_keylen = p2[0].p2_auth_alg = 0;
	ck_assert_int_eq(ikev1_sa_p2_build(sa, p2, 1), 0);
	sa->sa_prop[1] = sa->sa_prop[0];
	sa->sa_prop[1].prop_proto = IKEV1_PROTO_IPCOMP;
	sa->sa_nprop = 2;
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_str_eq(s, "AH:sha256-nodh-esn-tunnel, proto4:");

	/* the numbers land in their rows of the table */
	diag_begin(&d, 1, 0);
	diag_set(&d, DIAG_IKE_PROPOSAL, 1);
	snprintf(d.td_ours, sizeof(d.td_ours), "IKE:aes128-sha1-modp1024");
	snprintf(d.td_theirs, sizeof(d.td_theirs), "IKE:v1encr3-v1integ3-"
	    "dh7");
	r = report(&d, "Phase 1 failed", 0, 0);
	HAS(r, "  encryption   aes128                   v1encr3 ");
	HAS(r, "  integrity    sha1                     v1integ3 ");
	HAS(r, "  dh-group     modp1024                 dh7 ");
	free(r);
	free(sa);
}
END_TEST

/* A proposal table of d's cause: ours and theirs as described. */
static char *
v1_table(enum diag_cause c, const char *ours, const char *theirs)
{
	struct tunnel_diag	 d;

	diag_begin(&d, 1, 0);
	diag_set(&d, c, c == DIAG_IKE_PROPOSAL ? 1 : 2);
	d.td_received = 1;
	snprintf(d.td_ours, sizeof(d.td_ours), "%s", ours);
	snprintf(d.td_theirs, sizeof(d.td_theirs), "%s", theirs);
	return (report(&d, "Phase 1 failed", 0, 0));
}

/*
 * The phase 1 authentication method and the Quick Mode encapsulation
 * mode have rows of their own: known values by name, others (private
 * use, absent, 0xffff) by number, none left out.  A UDP-encapsulated
 * tunnel (RFC 3947 or its drafts' number) is no difference from a tunnel:
 * NAT-T picks it by itself.
 */
START_TEST(test_diag_v1_auth_encap)
{
	struct ikev1_sa		*sa = calloc(1, sizeof(*sa));
	struct ikev1_p1_params	 p1[4] = {
		{ IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, IKEV1_AUTH_RSA_SIG,
		    2, 0 },
		{ IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, 65001, 2, 0 },
		{ IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, 0, 2, 0 },
		{ IKEV1_ENCR_AES, 128, IKEV1_HASH_SHA, 0xffff, 2, 0 },
	};
	struct ikev1_p2_params	 p2[5];
	static const uint16_t	 encap[5] = { IKEV1_ENCAP_TRANSPORT,
	    IKEV1_ENCAP_UDP_TUNNEL, IKEV1_ENCAP_UDP_TUNNEL_DRAFT, 0, 0xffff };
	char			 s[DIAG_STR_MAX], *r;
	int			 i, rc;

	ck_assert_ptr_nonnull(sa);
	ck_assert_int_eq(ikev1_sa_p1_build(sa, p1, 4), 0);
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "IKE:aes128-sha1-modp1024-rsasig-auth65001-"
	    "noauth-auth65535");
	r = v1_table(DIAG_IKE_PROPOSAL, "IKE:aes128-sha1-modp1024-psk", s);
	HAS(r, "  encryption   aes128                   aes128\n");
	HAS(r, "  auth-method  psk                      rsasig,auth65001,"
	    "noauth,auth65535 DIFFERS\n");
	HAS(r, "fix: nothing to change in gatewayd.conf (tunnel t1 "
	    "authenticates with a pre-shared key only, keyword psk)");
	HAS(r, "auth = psk");
	free(r);
	/* the peer offers psk among others: no difference there */
	r = v1_table(DIAG_IKE_PROPOSAL, "IKE:aes128-sha1-modp1024-psk",
	    "IKE:aes256-sha1-modp1024-rsasig-psk");
	HAS(r, "  auth-method  psk                      rsasig,psk\n");
	HAS(r, "fix: change encryption in gatewayd.conf");
	free(r);

	memset(p2, 0, sizeof(p2));
	for (i = 0; i < 5; i++) {
		p2[i].p2_proto = IKEV1_PROTO_ESP;
		p2[i].p2_id = IKEV1_ESP_AES;
		p2[i].p2_keylen = 128;
		p2[i].p2_auth_alg = IKEV1_AUTH_HMAC_SHA;
		p2[i].p2_encap = encap[i];
	}
	ck_assert_int_eq(ikev1_sa_p2_build(sa, p2, 5), 0);
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "ESP:aes128-sha1-nodh-noesn-transport-udptunnel-"
	    "udptunneldraft-noencap-encap65535");
	/* transport against our tunnel */
	r = v1_table(DIAG_CHILD_PROPOSAL, "ESP:aes128-sha1-nodh-noesn-tunnel",
	    "ESP:aes128-sha1-nodh-noesn-transport");
	HAS(r, "  encap-mode   tunnel                   transport"
	    "                DIFFERS\n");
	HAS(r, "fix: nothing to change in gatewayd.conf (tunnel t1 uses "
	    "tunnel mode only); change the peer's encapsulation mode to "
	    "tunnel (strongSwan: mode = tunnel");
	free(r);
	/* UDP-encapsulated tunnels are tunnels (either number) */
	r = v1_table(DIAG_CHILD_PROPOSAL, "ESP:aes128-sha1-nodh-noesn-tunnel",
	    "ESP:aes256-sha1-nodh-noesn-udptunnel-udptunneldraft");
	HAS(r, "  encap-mode   tunnel                   udptunnel,"
	    "udptunneldraft\n");
	HAS(r, "fix: change encryption in gatewayd.conf (tunnel t1, ipsec "
	    "block, keyword encryption)");
	free(r);
	r = v1_table(DIAG_CHILD_PROPOSAL, "ESP:aes128-sha1-nodh-noesn-"
	    "udptunnel", "ESP:aes128-sha1-nodh-noesn-udptransportdraft");
	HAS(r, "udptransportdraft        DIFFERS\n");
	free(r);
	/* unknown and absent modes differ, by number */
	r = v1_table(DIAG_CHILD_PROPOSAL, "ESP:aes128-sha1-nodh-noesn-tunnel",
	    "ESP:aes128-sha1-nodh-noesn-encap65535-noencap");
	HAS(r, "  encap-mode   tunnel                   encap65535,noencap"
	    "       DIFFERS\n");
	free(r);
	free(sa);
}
END_TEST

/*
 * Odd descriptions from the network do not break the rows: names that
 * only look like a mode ("udp", "draft", a long "udp..." one), and an
 * IKEv2 transform of the IKEv1-only types (no tr_v1) is not described.
 */
START_TEST(test_diag_v1_auth_encap_odd)
{
	struct prop_offer	*o = calloc(1, sizeof(*o));
	char			 s[DIAG_STR_MAX], *r;
	char			 big[DIAG_STR_MAX];

	ck_assert_ptr_nonnull(o);
	o->sa_nprop = 1;
	o->sa_prop[0].prop_proto = PROP_PROTO_IKE;
	o->sa_prop[0].prop_ntr = 3;
	o->sa_prop[0].prop_tr[0].tr_type = PROP_XF_V1_AUTH;
	o->sa_prop[0].prop_tr[0].tr_id = 1;
	o->sa_prop[0].prop_tr[1].tr_type = PROP_XF_ENCR;
	o->sa_prop[0].prop_tr[1].tr_id = 12;	/* AES-CBC */
	o->sa_prop[0].prop_tr[1].tr_keylen = 128;
	o->sa_prop[0].prop_tr[2].tr_type = PROP_XF_V1_ENCAP;
	o->sa_prop[0].prop_tr[2].tr_id = 2;
	proposal_describe(o, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes128");
	o->sa_prop[0].prop_tr[0].tr_v1 = o->sa_prop[0].prop_tr[2].tr_v1 = 1;
	proposal_describe(o, s, sizeof(s));
	ck_assert_str_eq(s, "IKE:aes128-psk-transport");
	free(o);

	r = v1_table(DIAG_CHILD_PROPOSAL, "ESP:aes128-tunnel",
	    "ESP:aes128-udp-draft-udpdraft-encap");
	HAS(r, "  encap-mode   tunnel                   udp,udpdraft,encap"
	    "       DIFFERS\n");
	HAS(r, "  encryption   aes128                   aes128,draft\n");
	free(r);
	memset(big, 'x', sizeof(big));
	memcpy(big, "ESP:udp", 7);
	memcpy(big + sizeof(big) - 6, "draft", 6);
	r = v1_table(DIAG_CHILD_PROPOSAL, "ESP:aes128-tunnel", big);
	HAS(r, "  encap-mode   tunnel                   udpxxxxxxxx");
	free(r);
}
END_TEST

/* A hostile SA: counts beyond the parser's limits are not trusted, every
 * transform different overflows a proposal without harm. */
START_TEST(test_diag_v1_offer_hostile)
{
	struct ikev1_sa		*sa = calloc(1, sizeof(*sa));
	struct ikev1_transform	*tr;
	char			 s[DIAG_STR_MAX];
	int			 i, j, rc;

	ck_assert_ptr_nonnull(sa);
	sa->sa_nprop = IKEV1_MAX_PROPOSALS;
	for (i = 0; i < IKEV1_MAX_PROPOSALS; i++) {
		sa->sa_prop[i].prop_proto = i % 2 ? IKEV1_PROTO_ESP :
		    IKEV1_PROTO_ISAKMP;
		sa->sa_prop[i].prop_ntr = IKEV1_MAX_TRANSFORMS;
		for (j = 0; j < IKEV1_MAX_TRANSFORMS; j++) {
			tr = &sa->sa_prop[i].prop_tr[j];
			tr->tr_id = (uint8_t)(200 + j);
			tr->tr_encr = tr->tr_hash = (uint16_t)(1000 + j);
			tr->tr_auth_alg = (uint16_t)(2000 + j);
			tr->tr_group = (uint16_t)(3000 + j);
			tr->tr_auth = tr->tr_encap = (uint16_t)(4000 + j);
			tr->tr_keylen = 0xffff;
		}
	}
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_lt(strlen(s), sizeof(s));
	ck_assert_ptr_nonnull(strstr(s, "IKE:v1encr1000-"));
	sa->sa_nprop = 1000;
	sa->sa_prop[0].prop_ntr = 1000;
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_int_eq(rc, -1);
	sa->sa_nprop = -5;
	v1_describe(sa, s, sizeof(s), &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "");
	free(sa);
}
END_TEST

/* Two engines: A initiates to B. */
static const struct side_opts opt_a = { .so_version = 2,
    .so_local = { "172.16.0.0/24" }, .so_remote = { "10.0.0.0/16" },
    .so_initiate = 1 };
static const struct side_opts opt_b = { .so_version = 2,
    .so_local = { "10.0.0.0/16" }, .so_remote = { "172.16.0.0/24" } };

static char *
doctor(struct side *s, struct tunnel_diag *d)
{
	enum tunnel_state	 st;

	ck_assert_int_eq(ike_tunnel_doctor(s->s_ike, "t1", d, &st), 0);
	return (report(d, tunnel_state_name(st), st == TUNNEL_CONNECTED, 0));
}

/* IKE_AUTH { AUTH with another key } --> <-- AUTHENTICATION_FAILED */
START_TEST(test_diag_exchange_psk)
{
	struct side_opts	 b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	b.so_psk = "other-key";
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(400);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PSK_OURS);
	ck_assert_str_eq(d.td_notify, "AUTHENTICATION_FAILED");
	ck_assert_int_eq(d.td_initiator, 1);
	HAS(s, "tunnel t1: Phase 1 failed");
	HAS(s, "the peer rejected our AUTH");
	HAS(s, "keyword psk");
	ck_assert_ptr_null(strstr(s, "Secr3t"));
	ck_assert_ptr_null(strstr(s, "other-key"));
	free(s);
	/* a new attempt, nothing answered yet: the failed one shows */
	ck_assert_int_eq(ike_tunnel_up(A.s_ike, "t1"), 0);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PSK_OURS);
	free(s);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PSK_THEIRS);
	ck_assert_int_eq(d.td_initiator, 0);
	ck_assert_str_eq(d.td_peer_id, ADDR_A);
	HAS(s, "the peer's AUTH does not verify with our psk");
	free(s);
	pair_free();
}
END_TEST

/* IKE_SA_INIT { SA aes128 } --> <-- NO_PROPOSAL_CHOSEN (B: aes256) */
START_TEST(test_diag_exchange_proposal)
{
	struct side_opts	 b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	b.so_ike = "\t\tencryption aes256\n";
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(400);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_IKE_PROPOSAL);
	ck_assert_str_eq(d.td_notify, "NO_PROPOSAL_CHOSEN");
	HAS(s, "the peer refused ours");
	HAS(s, "IKE proposal mismatch");
	free(s);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_IKE_PROPOSAL);
	HAS(s, "  encryption   aes256                   aes128");
	HAS(s, "DIFFERS");
	HAS(s, "fix: change encryption in gatewayd.conf (tunnel t1, ike "
	    "block, keyword encryption)");
	free(s);
	pair_free();
}
END_TEST

/* IKE_SA_INIT { SA aes128-sha1 } --> <-- NO_PROPOSAL_CHOSEN (B:
 * aes256gcm16, prfsha384, no integrity transform) */
START_TEST(test_diag_exchange_proposal_aead)
{
	struct side_opts	 b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	b.so_ike = "\t\tencryption aes256gcm16\n\t\tintegrity sha2-384\n";
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(400);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_IKE_PROPOSAL);
	HAS(s, "  encryption   aes256gcm16              aes128");
	HAS(s, "  prf          prfsha384                prfsha1");
	HAS(s, "fix: change encryption in gatewayd.conf (tunnel t1, ike "
	    "block, keyword encryption)");
	free(s);
	pair_free();
}
END_TEST

/* IKE_AUTH { TSi 172.16.0.0/24, TSr 10.0.0.0/16 } --> B wants 10.9/16:
 * <-- TS_UNACCEPTABLE */
START_TEST(test_diag_exchange_segments)
{
	struct side_opts	 b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	b.so_local[0] = "10.9.0.0/16";
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(400);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_SEGMENTS);
	ck_assert_str_eq(d.td_notify, "TS_UNACCEPTABLE");
	ck_assert_int_eq(d.td_phase, 2);
	HAS(s, "ours:   172.16.0.0/24 === 10.0.0.0/16");
	HAS(s, "keywords local-segment, peer-segment");
	free(s);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_SEGMENTS);
	HAS(s, "ours:   10.9.0.0/16 === 172.16.0.0/24");
	HAS(s, "theirs: 10.0.0.0/16 === 172.16.0.0/24");
	free(s);
	pair_free();
}
END_TEST

/* IKEv1 Main Mode: B cannot verify message 5 (another PSK): B's HASH
 * check fails, A gets no valid message 6. */
START_TEST(test_diag_exchange_v1_psk)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	a.so_version = b.so_version = 1;
	b.so_psk = "other-key";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(2000);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PSK_THEIRS);
	ck_assert_int_eq(d.td_version, 1);
	HAS(s, "the peer's HASH does not verify with our psk");
	free(s);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PSK_OURS);
	HAS(s, "the peer rejected our HASH");
	HAS(s, "keyword psk");
	free(s);
	pair_free();
}
END_TEST

/* IKEv1 Quick Mode: B has another segment: INVALID_ID_INFORMATION */
START_TEST(test_diag_exchange_v1_segments)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	a.so_version = b.so_version = 1;
	b.so_local[0] = "10.9.0.0/16";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(2000);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_SEGMENTS);
	ck_assert_str_eq(d.td_notify, "INVALID-ID-INFORMATION");
	HAS(s, "ours:   172.16.0.0/24 === 10.0.0.0/16");
	free(s);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_SEGMENTS);
	HAS(s, "verdict: segment mismatch");
	free(s);
	pair_free();
}
END_TEST

/* IKEv1 Quick Mode { SA ESP pfs modp2048, KE } --> B (pfs 2) refuses:
 * B names the PFS group, A the refusal. */
START_TEST(test_diag_exchange_v1_pfs)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	a.so_version = b.so_version = 1;
	a.so_ipsec = "\t\tpfs 14\n";
	b.so_ipsec = "\t\tpfs 2\n";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(2000);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PFS);
	HAS(s, "verdict: PFS mismatch");
	HAS(s, "  dh-group     modp1024                 modp2048");
	HAS(s, "keyword pfs");
	free(s);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_CHILD_PROPOSAL);
	ck_assert_str_eq(d.td_notify, "NO-PROPOSAL-CHOSEN");
	free(s);
	pair_free();
}
END_TEST

/* IKEv1 Quick Mode { SA AH } --> B (ESP) refuses: protocol differs */
START_TEST(test_diag_exchange_v1_esp_ah)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	a.so_version = b.so_version = 1;
	a.so_ipsec = "\t\tprotocol ah\n";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(2000);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_CHILD_PROPOSAL);
	HAS(s, "  protocol     ESP                      AH");
	HAS(s, "ipsec block, keyword protocol");
	free(s);
	pair_free();
}
END_TEST

/* IKEv2: the second segment pair's CREATE_CHILD_SA { SA modp2048, KE }
 * --> B (pfs 2) <-- NO_PROPOSAL_CHOSEN: B records the PFS group. */
START_TEST(test_diag_exchange_pfs)
{
	struct side_opts	 a = { .so_version = 2,
	    .so_local = { "172.16.0.0/24" },
	    .so_remote = { "10.0.0.0/16", "10.1.0.0/16" }, .so_initiate = 1,
	    .so_ipsec = "\t\tpfs 14\n" };
	struct side_opts	 b = { .so_version = 2,
	    .so_local = { "10.0.0.0/16", "10.1.0.0/16" },
	    .so_remote = { "172.16.0.0/24" }, .so_ipsec = "\t\tpfs 2\n" };
	struct tunnel_diag	 d;
	char			*s;

	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(400);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_PFS);
	ck_assert_int_eq(d.td_phase, 2);
	HAS(d.td_theirs, "modp2048");
	HAS(d.td_ours, "modp1024");
	free(s);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_CHILD_PROPOSAL);
	ck_assert_str_eq(d.td_notify, "NO_PROPOSAL_CHOSEN");
	free(s);
	pair_free();
}
END_TEST

/* IKEv1 Main Mode { SA aes128 } --> B (aes256) <-- NO-PROPOSAL-CHOSEN:
 * B's table has both sides, A's its own. */
static void
v1_proposal(const char *mode)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	a.so_version = b.so_version = 1;
	a.so_ike = mode;
	b.so_ike = mode[0] == '\0' ? "\t\tencryption aes256\n" :
	    "\t\tmode aggressive\n\t\tencryption aes256\n";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(2000);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_IKE_PROPOSAL);
	ck_assert_int_eq(d.td_initiator, 0);
	ck_assert_str_eq(d.td_ours, "IKE:aes256-sha1-modp1024-psk");
	ck_assert_str_eq(d.td_theirs, "IKE:aes128-sha1-modp1024-psk");
	HAS(s, "verdict: IKE proposal mismatch\n");
	HAS(s, "  encryption   aes256                   aes128"
	    "                   DIFFERS");
	HAS(s, "  integrity    sha1                     sha1\n");
	HAS(s, "  auth-method  psk                      psk\n");
	HAS(s, "fix: change encryption in gatewayd.conf (tunnel t1, ike "
	    "block, keyword encryption)");
	free(s);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_IKE_PROPOSAL);
	ck_assert_int_eq(d.td_initiator, 1);
	ck_assert_str_eq(d.td_notify, "NO-PROPOSAL-CHOSEN");
	ck_assert_str_eq(d.td_ours, "IKE:aes128-sha1-modp1024-psk");
	ck_assert_str_eq(d.td_theirs, "");
	HAS(s, "the peer refused ours");
	HAS(s, "  encryption   aes128                   -");
	HAS(s, "  auth-method  psk                      -\n");
	free(s);
	pair_free();
}

START_TEST(test_diag_exchange_v1_proposal)
{
	v1_proposal("");
}
END_TEST

START_TEST(test_diag_exchange_v1_proposal_aggr)
{
	v1_proposal("\t\tmode aggressive\n");
}
END_TEST

/* IKEv1 Quick Mode { SA ESP aes256-sha2-256 } --> B (aes128-sha1)
 * refuses: B's table has every field of both. */
START_TEST(test_diag_exchange_v1_qm_proposal)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_diag	 d;
	char			*s;

	a.so_version = b.so_version = 1;
	a.so_ipsec = "\t\tencryption aes256\n\t\tintegrity sha2-256\n";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(2000);
	s = doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_CHILD_PROPOSAL);
	ck_assert_int_eq(d.td_phase, 2);
	ck_assert_str_eq(d.td_ours, "ESP:aes128-sha1-modp1024-noesn-tunnel");
	ck_assert_str_eq(d.td_theirs, "ESP:aes256-sha256-modp1024-noesn-"
	    "tunnel");
	HAS(s, "verdict: IPsec proposal mismatch\n");
	HAS(s, "  encryption   aes128                   aes256"
	    "                   DIFFERS");
	HAS(s, "  integrity    sha1                     sha256"
	    "                   DIFFERS");
	HAS(s, "  dh-group     modp1024                 modp1024\n");
	HAS(s, "  encap-mode   tunnel                   tunnel\n");
	HAS(s, "fix: change encryption in gatewayd.conf (tunnel t1, ipsec "
	    "block, keyword encryption)");
	free(s);
	s = doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_CHILD_PROPOSAL);
	ck_assert_str_eq(d.td_notify, "NO-PROPOSAL-CHOSEN");
	ck_assert_str_eq(d.td_ours, "ESP:aes256-sha256-modp1024-noesn-tunnel");
	ck_assert_str_eq(d.td_theirs, "");
	HAS(s, "the peer refused ours");
	free(s);
	pair_free();
}
END_TEST

static Suite *
diag_suite(void)
{
	Suite	*s = suite_create("diag");
	TCase	*tc;

	tc = tcase_create("report");
	tcase_add_loop_test(tc, test_diag_report_cause, 0,
	    sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_test(tc, test_diag_report_connected);
	tcase_add_test(tc, test_diag_report_v1_mode_initiator);
	tcase_add_test(tc, test_diag_escape);
	tcase_add_test(tc, test_diag_v1_offer_values);
	tcase_add_test(tc, test_diag_v1_offer_hostile);
	tcase_add_test(tc, test_diag_v1_auth_encap);
	tcase_add_test(tc, test_diag_v1_auth_encap_odd);
	suite_add_tcase(s, tc);
	tc = tcase_create("exchange");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_diag_exchange_psk);
	tcase_add_test(tc, test_diag_exchange_proposal);
	tcase_add_test(tc, test_diag_exchange_proposal_aead);
	tcase_add_test(tc, test_diag_exchange_segments);
	tcase_add_test(tc, test_diag_exchange_pfs);
	tcase_add_test(tc, test_diag_exchange_v1_psk);
	tcase_add_test(tc, test_diag_exchange_v1_segments);
	tcase_add_test(tc, test_diag_exchange_v1_pfs);
	tcase_add_test(tc, test_diag_exchange_v1_esp_ah);
	tcase_add_test(tc, test_diag_exchange_v1_proposal);
	tcase_add_test(tc, test_diag_exchange_v1_proposal_aggr);
	tcase_add_test(tc, test_diag_exchange_v1_qm_proposal);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(diag_suite());
	int	 failed;

	log_init(0, LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
