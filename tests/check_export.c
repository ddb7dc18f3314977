/*
 * check_export.c - "gatewayctl export": the peer's configuration for a
 * tunnel in every format, compared with golden files in
 * tests/data/export/CASE.FORMAT (the text, or "error: MESSAGE" for a
 * tunnel the format cannot express).  The golden files were checked by
 * hand against each target's documentation (strongSwan ipsec.conf(5),
 * swanctl.conf(5), Libreswan's algparse and ipsec.conf(5), Cisco's IOS
 * command reference); the lab (tests/lab/t-export.sh) feeds the output
 * to real strongSwan and Libreswan.
 *
 * EXPORT_GOLDEN_WRITE=1 rewrites the golden files from the current code;
 * review the diff before committing it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "policy/config.h"
#include "policy/export.h"

#define GW1	"gateway gw1 {\n\taddress 198.51.100.1\n" \
	"\tsegment 172.16.0.0/23\n}\n"
#define PEER2	"peer gw2 {\n\taddress 198.51.100.2\n}\n"
#define PEERANY	"peer gw2 {\n\taddress 0.0.0.0\n}\n"
#define TN(segs, psk, body) "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n" \
	segs "\tpsk " psk "\n" body "}\n"
#define SEG1	"\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.1.0.0/16\n"
#define SEG2	"\tlocal-segment 172.16.0.0/24\n" \
	"\tlocal-segment 172.16.1.0/24\n\tpeer-segment 10.1.0.0/16\n" \
	"\tpeer-segment 10.2.0.0/16\n"
#define PSK	"Secr3t!key"

struct export_case {
	const char	*ec_name;
	const char	*ec_conf;
};

static const struct export_case cases[] = {
	/* IKEv2, 2 x 2 segments, aes256/sha2-256/DH 14, PFS 14 */
	{ "v2-segments", GW1 PEER2 TN(SEG2, PSK,
	    "\tike {\n\t\tencryption aes256\n\t\tintegrity sha2-256\n"
	    "\t\tdh-group 14\n\t\tlifetime 28800\n\t}\n"
	    "\tipsec {\n\t\tencryption aes256\n\t\tpfs 14\n"
	    "\t\tlifetime 3600\n\t}\n") },
	/* IKEv1 Main Mode, 3des/md5/DH 2, ESP 3des/md5, PFS 2 */
	{ "v1-main-3des", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tencryption 3des\n"
	    "\t\tintegrity md5\n\t\tdh-group 2\n\t}\n"
	    "\tipsec {\n\t\tencryption 3des\n\t\tintegrity md5\n"
	    "\t\tpfs 2\n\t}\n") },
	/* IKEv1 Aggressive Mode, DH 14, PFS 14 */
	{ "v1-aggressive", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tmode aggressive\n"
	    "\t\tdh-group 14\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n") },
	/* AH sha1, DH 5 and PFS 5, dpd-action restart */
	{ "ah", GW1 PEER2 TN(SEG1, PSK,
	    "\tdpd-action restart\n"
	    "\tike {\n\t\tdh-group 5\n\t}\n"
	    "\tipsec {\n\t\tprotocol ah\n\t\tpfs 5\n\t}\n") },
	/* PFS disabled, aes192, no DPD */
	{ "nopfs", GW1 PEER2 TN(SEG1, PSK,
	    "\tdpd-delay 0\n"
	    "\tike {\n\t\tencryption aes192\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tencryption aes192\n\t\tpfs disable\n\t}\n") },
	/* FQDN identities on both sides, dpd-action clear */
	{ "fqdn", GW1 PEER2 TN(SEG1, PSK,
	    "\tdpd-action clear\n"
	    "\tike {\n\t\tdh-group 14\n\t\tlocal-id gw1.example.net\n"
	    "\t\tpeer-id gw2.example.net\n\t}\n"
	    "\tipsec {\n\t\tpfs 14\n\t}\n") },
	/* any peer (0.0.0.0): gatewayd only responds, the peer starts */
	{ "any-peer", GW1 PEERANY TN(SEG1, PSK,
	    "\tike {\n\t\tdh-group 14\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n") },
	/* IKEv1 with FQDN IDs (Cisco: an ISAKMP profile); refusals: DH 24
	 * (Libreswan), a
	 * PSK with quote, backslash and dollar (hex for strongSwan and
	 * Libreswan) */
	{ "v1-fqdn", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tdh-group 14\n"
	    "\t\tlocal-id gw1.example.net\n\t\tpeer-id gw2.example.net\n"
	    "\t}\n\tipsec {\n\t\tpfs 14\n\t}\n") },
	{ "dh24", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tdh-group 24\n\t}\n\tipsec {\n\t\tpfs 24\n\t}\n") },
	/* IKEv2 ecp256/sha2-384, PFS ecp384 (RFC 5903, RFC 4868) */
	{ "ecp-sha384", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tencryption aes256\n\t\tintegrity sha2-384\n"
	    "\t\tdh-group 19\n\t}\n\tipsec {\n\t\tpfs 20\n\t}\n") },
	/* IKEv2 curve25519/sha2-512, PFS curve25519 (refused by IOS) */
	{ "x25519-sha512", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tintegrity sha2-512\n\t\tdh-group 31\n\t}\n"
	    "\tipsec {\n\t\tpfs 31\n\t}\n") },
	/* IKEv1 Main Mode, sha2-512 and ecp521, PFS modp4096 */
	{ "v1-ecp521", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tintegrity sha2-512\n"
	    "\t\tdh-group 21\n\t}\n\tipsec {\n\t\tpfs 16\n\t}\n") },
	/* AEAD (RFC 5282, RFC 4106): AES-GCM-256 with prfsha384 and
	 * ecp384, ESP AES-GCM-256 with PFS ecp384 */
	{ "gcm-ecp384", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tencryption aes256gcm16\n\t\tintegrity sha2-384\n"
	    "\t\tdh-group 20\n\t}\n\tipsec {\n\t\tencryption aes256gcm16\n"
	    "\t\tpfs 20\n\t}\n") },
	/* ChaCha20-Poly1305 (RFC 7634) with x25519 (refused by IOS) */
	{ "chacha-x25519", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tencryption chacha20poly1305\n"
	    "\t\tintegrity sha2-256\n\t\tdh-group 31\n\t}\n"
	    "\tipsec {\n\t\tencryption chacha20poly1305\n\t\tpfs 31\n"
	    "\t}\n") },
	/* ESP HMAC-SHA2-256 (RFC 4868), IKE sha2-256, MODP 3072 */
	{ "esp-sha256", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tintegrity sha2-256\n\t\tdh-group 15\n\t}\n"
	    "\tipsec {\n\t\tintegrity sha2-256\n\t\tpfs 15\n\t}\n") },
	/* GCM with 8 and 12-octet ICVs (refused by Libreswan and IOS) */
	{ "gcm8-sha512", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tencryption aes128gcm8\n\t\tdh-group 19\n\t}\n"
	    "\tipsec {\n\t\tencryption aes192gcm12\n\t\tpfs 19\n\t}\n") },
	/* IKEv1 Quick Mode with ESP AES-GCM-256 (RFC 4106 §8.1) and PFS 14
	 * (refused by IOS: esp-gcm with IKEv2 only) */
	{ "v1-gcm", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tencryption aes256gcm16\n\t\tpfs 14\n\t}\n") },
	/* ESP aes256/sha2-512 */
	{ "esp-sha512", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tencryption aes256\n\t\tintegrity sha2-512\n"
	    "\t\tpfs 14\n\t}\n") },
	/* volume lifetimes, IKEv2: bytes (Cisco's 4608000 KB) and packets
	 * (no IOS packet lifetime: a comment) */
	{ "volume", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tpfs 14\n\t\tlifetime-bytes 4718592000\n"
	    "\t\tlifetime-packets 100000000\n\t}\n") },
	/* IKEv1 with a byte lifetime (Quick Mode kilobytes) */
	{ "v1-volume", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tpfs 14\n\t\tlifetime-bytes 1048576\n\t}\n") },
	{ "psk-special", GW1 PEER2 TN(SEG1, "a\"b\\c$d!",
	    "\tike {\n\t\tdh-group 14\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n") },
	/* a binary key (NUL, quote, '?', 0xff, space): 0x hex for
	 * strongSwan and Libreswan, refused for Cisco */
	{ "psk-hex", GW1 PEER2 TN(SEG1, "0x0001223fff20414243",
	    "\tike {\n\t\tdh-group 14\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n") },
	/* ESN: strongSwan's "-esn" (both keywords for either),
	 * Libreswan's esn=; refused for IOS with esn yes */
	{ "esn-yes", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tintegrity sha2-256\n\t\tdh-group 15\n\t}\n"
	    "\tipsec {\n\t\tintegrity sha2-256\n\t\tpfs 15\n"
	    "\t\tesn yes\n\t\treplay-window 256\n\t}\n") },
	{ "v1-esn-either", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tpfs 14\n\t\tesn either\n\t}\n") },
	/* proposal lists (issue 9): written whole for strongSwan, in our
	 * order; refused for IOS (IKEv2) and for Libreswan (a PRF other
	 * than the integrity's hash, DH 2) */
	{ "v2-lists", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tproposals aes256gcm16-prfsha384-ecp384, "
	    "aes256-sha256-prfsha384-modp2048, aes128-sha1-modp2048\n\t}\n"
	    "\tipsec {\n\t\tproposals aes256gcm16-modp2048-esn-noesn, "
	    "aes128-sha256-modp2048-esn-noesn\n\t}\n") },
	{ "v2-list-keywords", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tencryption aes256 aes128\n\t\tdh-group 14 2\n"
	    "\t}\n\tipsec {\n\t\tencryption aes256 aes128\n"
	    "\t\tintegrity sha256 sha1\n\t\tpfs 14\n\t}\n") },
	/* ESP suites with their own PFS group (one none) and ESN, as
	 * strongSwan's esp_proposals; refused for Libreswan and IOS */
	{ "v2-list-pfs", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tdh-group 14\n\t}\n\tipsec {\n\t\tproposals aes256gcm16-ecp384, "
	    "aes128-sha256-modp3072-esn, aes128-sha1\n\t}\n") },
	/* IKEv1 lists (Main Mode suites of different groups) */
	{ "v1-lists", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tproposals aes256-sha256-modp2048, "
	    "aes128-sha1-modp1024, 3des-sha1-modp1024\n\t}\n"
	    "\tipsec {\n\t\tproposals aes256-sha256-modp2048, "
	    "aes128-sha1-modp2048\n\t}\n") },
	/* an IKEv1 ESP list with AES-GCM: IOS has esp-gcm with IKEv2 only */
	{ "v1-list-gcm", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tproposals aes128-sha1-modp2048, "
	    "aes256gcm16-modp2048\n\t}\n") },
	/* Libreswan's list syntax (ike=a,b and phase2alg=a,b, the PFS
	 * group in each ESP suite): IKEv2 with an AEAD, a CBC and an ECP
	 * suite; IKEv1 Main Mode suites of different groups; an AH list */
	{ "v2-list-lsw", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tproposals aes256gcm16-prfsha384-ecp384, "
	    "aes256-sha256-modp2048, aes128-sha256-ecp256\n\t}\n"
	    "\tipsec {\n\t\tproposals aes256gcm16-ecp256, "
	    "aes256-sha512-ecp256, aes128-sha256-ecp256\n\t}\n") },
	{ "v1-list-lsw", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tproposals aes256-sha256-modp2048, "
	    "aes128-sha1-ecp256, aes256-sha512-modp4096\n\t}\n"
	    "\tipsec {\n\t\tproposals aes256-sha256-modp2048, "
	    "aes128-sha1-modp2048\n\t}\n") },
	{ "ah-list", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tprotocol ah\n\t\tintegrity sha2-256 sha1\n"
	    "\t\tpfs 14\n\t}\n") },
	/* IKEv1 with an ECP PFS group: Libreswan 4 has none in Quick Mode */
	{ "v1-pfs-ecp", GW1 PEER2 TN(SEG1, PSK,
	    "\tike {\n\t\tversion 1\n\t\tdh-group 14\n\t}\n"
	    "\tipsec {\n\t\tpfs 19\n\t}\n") },
	/* base64 of plain "Secr3t!key": written as the plain key */
	{ "psk-b64", GW1 PEER2 TN(SEG1, "0sU2VjcjN0IWtleQ==",
	    "\tike {\n\t\tdh-group 14\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n") },
	/* v2-segments with child-sa single: one child (conn) for every
	 * segment */
	{ "v2-single", GW1 PEER2 TN(SEG2, PSK,
	    "\tchild-sa single\n"
	    "\tike {\n\t\tencryption aes256\n\t\tintegrity sha2-256\n"
	    "\t\tdh-group 14\n\t\tlifetime 28800\n\t}\n"
	    "\tipsec {\n\t\tencryption aes256\n\t\tpfs 14\n"
	    "\t\tlifetime 3600\n\t}\n") },
};
#define NCASES	((int)(sizeof(cases) / sizeof(cases[0])))

static const enum export_format formats[] = {
	EXPORT_IPSEC_CONF, EXPORT_SWANCTL, EXPORT_LIBRESWAN, EXPORT_CISCO_IOS
};
#define NFORMATS	((int)(sizeof(formats) / sizeof(formats[0])))

static char *
file_read(const char *path)
{
	FILE	*fp;
	char	*s;
	long	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return (s);
}

static struct config *
load(const char *text)
{
	struct config	*cfg;
	char		 err[512];

	cfg = config_parse("gatewayd.conf", text, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "config refused: %s", err);
	return (cfg);
}

/* The export (or "error: ...\n") of case c in format f, NUL-terminated. */
static char *
export_text(const struct export_case *c, enum export_format f)
{
	struct config	*cfg = load(c->ec_conf);
	struct buf	*out = buf_new(64);
	char		 err[512], *s;
	int		 rv;

	ck_assert_ptr_nonnull(out);
	rv = export_tunnel(config_tunnel_find(cfg, "t1"), f, out, err,
	    sizeof(err));
	if (rv == -1) {
		ck_assert_int_eq(out->buf_len, 0);
		buf_add(out, "error: ", 7);
		buf_add(out, err, strlen(err));
		buf_add(out, "\n", 1);
	}
	buf_add_u8(out, '\0');
	s = strdup((char *)out->buf_data);
	buf_free(out);
	config_free(cfg);
	return (s);
}

START_TEST(test_export_golden)
{
	const struct export_case *c = &cases[_i / NFORMATS];
	enum export_format	 f = formats[_i % NFORMATS];
	char			 path[512], *got, *want;
	FILE			*fp;

	snprintf(path, sizeof(path), "%s/export/%s.%s", TEST_DATA_DIR,
	    c->ec_name, export_format_name(f));
	got = export_text(c, f);
	if (getenv("EXPORT_GOLDEN_WRITE") != NULL) {
		fp = fopen(path, "w");
		ck_assert_msg(fp != NULL, "cannot write %s", path);
		fputs(got, fp);
		fclose(fp);
	}
	want = file_read(path);
	ck_assert_msg(want != NULL, "missing golden file %s", path);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got:\n%s\n--- want:\n%s",
	    path, got, want);
	free(got);
	free(want);
}
END_TEST

/* What each refusal says: the format, the reason and what to do. */
static const struct {
	const char		*r_case;
	enum export_format	 r_fmt;
	const char		*r_err;
} refusals[] = {
	{ "v1-main-3des", EXPORT_LIBRESWAN, "tunnel t1: cannot export to "
	    "libreswan: Libreswan 4 has no DH group 2 (modp1024) for the IKE "
	    "SA (set dh-group 5, 14, 15, 16, 19, 20, 21 or 31 in the "
	    "tunnel's ike block on both sides)" },
	{ "dh24", EXPORT_LIBRESWAN, "tunnel t1: cannot export to libreswan: "
	    "Libreswan 4 has no DH group 24 (modp2048s256) for the IKE SA" },
	{ "esn-yes", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: gatewayd writes no extended sequence numbers for IOS, "
	    "and with esn yes a peer without them is refused (use esn either "
	    "or no in the tunnel's ipsec block)" },
	{ "psk-hex", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: the psk holds bytes that are not printable "
	    "characters (it is given as 0x hex or 0s base64), and IOS takes "
	    "a pre-shared key as printable text only (choose a psk of "
	    "printable characters without spaces and '?')" },
	{ "x25519-sha512", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: IOS has no DH group 31 (curve25519)" },
	{ "chacha-x25519", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: IOS has no ChaCha20-Poly1305 (use aes128gcm16 or "
	    "aes256gcm16)" },
	{ "gcm8-sha512", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: IOS has AES-GCM with 128 and 256-bit keys and a "
	    "16-octet ICV only" },
	{ "v1-gcm", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: IOS offers esp-gcm with IKEv2 only" },
	{ "gcm8-sha512", EXPORT_LIBRESWAN, "tunnel t1: cannot export to "
	    "libreswan: gatewayd writes Libreswan's AES-GCM names for the "
	    "16-octet ICV only" },
	{ "v2-lists", EXPORT_LIBRESWAN, "tunnel t1: cannot export to "
	    "libreswan: Libreswan uses the integrity algorithm's hash as the "
	    "PRF, and IKE suite 2 of 3 (aes256-sha256-prfsha384-modp2048) "
	    "has another PRF (drop its prf part)" },
	{ "v2-list-keywords", EXPORT_LIBRESWAN, "tunnel t1: cannot export "
	    "to libreswan: Libreswan 4 has no DH group 2 (modp1024) for the "
	    "IKE SA, and IKE suite 2 of 4 (aes256-sha1-modp1024) has it "
	    "(drop that suite, or use DH group 5, 14, 15, 16, 19, 20, 21 or "
	    "31 in it)" },
	{ "v1-lists", EXPORT_LIBRESWAN, "tunnel t1: cannot export to "
	    "libreswan: Libreswan 4 has no DH group 2 (modp1024) for the IKE "
	    "SA, and IKE suite 2 of 3 (aes128-sha1-modp1024) has it" },
	{ "v1-pfs-ecp", EXPORT_LIBRESWAN, "tunnel t1: cannot export to "
	    "libreswan: Libreswan 4 has no DH group 19 (ecp256) for PFS in "
	    "IKEv1 Quick Mode (set pfs 5, 14, 15, 16 or disable in the "
	    "tunnel's ipsec block)" },
	{ "v1-list-gcm", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: IOS offers esp-gcm with IKEv2 only (use version 2, "
	    "or aes128, aes192 or aes256 for ESP)" },
	{ "v2-list-keywords", EXPORT_CISCO_IOS, "tunnel t1: cannot export to "
	    "cisco-ios: gatewayd does not yet write a proposal list for IOS "
	    "(the tunnel lists 4 IKE and 4 IPsec suites; export to swanctl "
	    "or ipsec-conf, or keep one suite)" },
};

START_TEST(test_export_refusal)
{
	const struct export_case *c = NULL;
	char			*got;
	int			 i;

	for (i = 0; i < NCASES; i++)
		if (strcmp(cases[i].ec_name, refusals[_i].r_case) == 0)
			c = &cases[i];
	ck_assert_ptr_nonnull(c);
	got = export_text(c, refusals[_i].r_fmt);
	ck_assert_msg(strncmp(got, "error: ", 7) == 0 &&
	    strncmp(got + 7, refusals[_i].r_err,
	    strlen(refusals[_i].r_err)) == 0, "%s: got %s", c->ec_name, got);
	free(got);
}
END_TEST

/* A refused export appends nothing: what out held stays as it was. */
START_TEST(test_export_refusal_keeps_out)
{
	struct config	*cfg = load(cases[8].ec_conf);	/* dh24 */
	struct buf	*out = buf_new(16);
	char		 err[512];

	ck_assert_str_eq(cases[8].ec_name, "dh24");
	buf_add(out, "kept", 4);
	ck_assert_int_eq(export_tunnel(config_tunnel_find(cfg, "t1"),
	    EXPORT_LIBRESWAN, out, err, sizeof(err)), -1);
	ck_assert_int_eq(out->buf_len, 4);
	ck_assert_int_eq(memcmp(out->buf_data, "kept", 4), 0);
	/* and the same tunnel exports to a format that has DH 24 */
	ck_assert_int_eq(export_tunnel(config_tunnel_find(cfg, "t1"),
	    EXPORT_SWANCTL, out, err, sizeof(err)), 0);
	ck_assert_int_gt(out->buf_len, 4);
	ck_assert_int_eq(memcmp(out->buf_data, "kept", 4), 0);
	buf_free(out);
	config_free(cfg);
}
END_TEST

/* Swapped sides: the peer's local side carries our peer's segments. */
START_TEST(test_export_sides_swapped)
{
	char	*s = export_text(&cases[0], EXPORT_SWANCTL);

	ck_assert_ptr_nonnull(strstr(s, "\t\t\t\tlocal_ts = 10.1.0.0/16\n"
	    "\t\t\t\tremote_ts = 172.16.0.0/24\n"));
	ck_assert_ptr_nonnull(strstr(s, "remote_addrs = 198.51.100.1\n"));
	ck_assert_ptr_null(strstr(s, "local_ts = 172.16."));
	free(s);
	s = export_text(&cases[0], EXPORT_IPSEC_CONF);
	ck_assert_ptr_nonnull(strstr(s, "\tleft=198.51.100.2\n"));
	ck_assert_ptr_nonnull(strstr(s, "\tright=198.51.100.1\n"));
	free(s);
}
END_TEST

START_TEST(test_export_format_names)
{
	enum export_format	 f;
	int			 i;

	for (i = 0; i < NFORMATS; i++) {
		ck_assert_int_eq(export_format_parse(
		    export_format_name(formats[i]), &f), 0);
		ck_assert_int_eq(f, formats[i]);
	}
	ck_assert_int_eq(export_format_parse("ipsec", &f), -1);
	ck_assert_int_eq(export_format_parse("", &f), -1);
	ck_assert_int_eq(export_format_parse("CISCO-IOS", &f), -1);
}
END_TEST

static Suite *
export_suite(void)
{
	Suite	*s = suite_create("export");
	TCase	*tc = tcase_create("export");

	tcase_add_loop_test(tc, test_export_golden, 0, NCASES * NFORMATS);
	tcase_add_loop_test(tc, test_export_refusal, 0,
	    (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, test_export_refusal_keeps_out);
	tcase_add_test(tc, test_export_sides_swapped);
	tcase_add_test(tc, test_export_format_names);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(export_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
