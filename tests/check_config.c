/*
 * check_config.c - gatewayd.conf parsing and validation: every rule with
 * the exact message the user sees, the defaults, and the example file.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "policy/config.h"

#ifndef DOC_DIR
#define DOC_DIR TEST_DATA_DIR "/../../doc"
#endif

/* Lines 1-3 and 4-6. */
#define GW1	"gateway gw1 {\n\taddress 198.51.100.1\n}\n"
#define PEER2	"peer gw2 {\n\taddress 198.51.100.2\n}\n"
#define BASE	GW1 PEER2
/* 32 hex digits; 44 base64 characters (33 bytes) */
#define HEX64	"00112233445566778899aabbccddeeff" \
	"00112233445566778899AABBCCDDEEFF"
#define B64_44	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
#define B64_BAD	"psk 0s... is not valid base64 (use A-Z, a-z, 0-9, '+' " \
	"and '/', padded with '=' to a multiple of 4 characters)"
/* A tunnel t1 from line 7; its psk is on line 12, body from line 13. */
#define TN_PSK(psk, body) "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n" \
	"\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n" \
	"\tpsk " psk "\n" body "}\n"
#define TN(body)	TN_PSK("Secr3t!key", body)
/* An ike or ipsec block opening on line 13 of TN: its body from 14. */
#define IKE(body)	"\tike {\n" body "\t}\n"
#define IPSEC(body)	"\tipsec {\n" body "\t}\n"
#define E		"gatewayd.conf:"

static struct config *
parse(const char *text, char *err, size_t len)
{
	return (config_parse("gatewayd.conf", text, err, len));
}

static struct config *
parse_ok(const char *text)
{
	struct config	*cfg;
	char		 err[512];

	cfg = parse(text, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "refused: %s", err);
	return (cfg);
}

/* A growing text for generated configurations. */
struct text {
	char	*t_s;
	size_t	 t_len;
};

static void	text_add(struct text *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	t->t_s = realloc(t->t_s, t->t_len + n + 1);
	ck_assert_ptr_nonnull(t->t_s);
	va_start(ap, fmt);
	vsnprintf(t->t_s + t->t_len, n + 1, fmt, ap);
	va_end(ap);
	t->t_len += n;
}

static void
expect_err(const char *text, const char *want)
{
	struct config	*cfg;
	char		 err[512];

	cfg = parse(text, err, sizeof(err));
	if (cfg != NULL)
		config_free(cfg);
	ck_assert_msg(cfg == NULL, "accepted:\n%s", text);
	ck_assert_str_eq(err, want);
}

static void
addr_eq(struct in_addr a, const char *want)
{
	char	 s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	ck_assert_str_eq(s, want);
}

static void
prefix_eq(const struct cfg_prefix *p, const char *want)
{
	char	 s[32];

	cfg_prefix_str(p, s, sizeof(s));
	ck_assert_str_eq(s, want);
}

struct err_vec {
	const char	*ev_text;
	const char	*ev_err;
};

/* --- syntax: blocks, names, keywords, comments --- */

static const struct err_vec syntax_vecs[] = {
	{ "foo bar\n",
	  E "1: unknown keyword \"foo\" (expected gateway, peer, tunnel, "
	  "control-socket, log-level, keylog-dir, keylog-chacha20, "
	  "metrics-listen, "
	  "ikev1-half-open, ikev1-half-open-per-source, "
	  "ikev2-cookie-threshold, ikev2-half-open, "
	  "ikev2-half-open-per-source, receive-buffer, "
	  "initiate-half-open-per-peer, user or "
	  "test-short-lifetimes)" },
	{ "keylog-chacha20 maybe\n",
	  E "1: keylog-chacha20 \"maybe\": use yes or no" },
	{ "ikev1-half-open 0\n",
	  E "1: ikev1-half-open: \"0\" is not a number from 1 to 65536" },
	{ "ikev2-half-open 0\n",
	  E "1: ikev2-half-open: \"0\" is not a number from 1 to 65536" },
	{ "receive-buffer 63\n",
	  E "1: receive-buffer: \"63\" is not a number from 64 to 65536" },
	{ "receive-buffer 65537\n",
	  E "1: receive-buffer: \"65537\" is not a number from 64 to "
	  "65536" },
	{ "initiate-half-open-per-peer 0\n",
	  E "1: initiate-half-open-per-peer: \"0\" is not a number from 1 "
	  "to 64" },
	{ "\ninitiate-half-open-per-peer 65\n",
	  E "2: initiate-half-open-per-peer: \"65\" is not a number from 1 "
	  "to 64" },
	{ "ikev2-cookie-threshold -1\n",
	  E "1: ikev2-cookie-threshold: \"-1\" is not a number from 0 to "
	  "65536" },
	{ "log-level info\nikev1-half-open-per-source many\n",
	  E "2: ikev1-half-open-per-source: \"many\" is not a number from 1 "
	  "to 65536" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n\tmtu 1400\n}\n",
	  E "3: unknown keyword \"mtu\" in gateway \"gw1\" (expected address "
	  "or segment)" },
	{ "peer gw2 {\n\tport 500\n}\n",
	  E "2: unknown keyword \"port\" in peer \"gw2\" (expected address)" },
	{ BASE TN("\tfoo bar\n"),
	  E "13: unknown keyword \"foo\" in tunnel \"t1\" (expected gateway, "
	  "peer, local-segment, peer-segment, psk, initiate, dpd-delay, "
	  "dpd-timeout, dpd-action, keyingtries, child-sa, \"ike {\" or "
	  "\"ipsec {\")" },
	{ BASE TN(IKE("\t\tprf sha1\n")),
	  E "14: unknown keyword \"prf\" in the ike block of tunnel \"t1\" "
	  "(expected version, mode, integrity, encryption, dh-group, "
	  "proposals, local-id, peer-id or lifetime)" },
	{ BASE TN(IPSEC("\t\tesn-mode yes\n")),
	  E "14: unknown keyword \"esn-mode\" in the ipsec block of tunnel "
	  "\"t1\" (expected protocol, integrity, encryption, pfs, proposals, "
	  "lifetime, lifetime-bytes, lifetime-packets, replay-window or esn)" },
	/* Missing "}". */
	{ "gateway gw1 {\n\taddress 198.51.100.1\n",
	  E "1: gateway \"gw1\" is missing its closing \"}\" (add \"}\" at the "
	  "end of the block)" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n",
	  E "7: tunnel \"t1\" is missing its closing \"}\" (add \"}\" at the "
	  "end of the block)" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n\tipsec {\n",
	  E "10: ipsec block of tunnel \"t1\" is missing its closing \"}\" "
	  "(add \"}\" at the end of the block)" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n" PEER2,
	  E "3: peer block inside gateway \"gw1\" (is the \"}\" of the block "
	  "opened on line 1 missing?)" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tipsec {\n\t\tpfs 2\n\tike {\n",
	  E "11: ike block inside the ipsec block of tunnel \"t1\" (is the "
	  "\"}\" of the block opened on line 9 missing?)" },
	{ "}\n", E "1: unexpected \"}\" (no block is open)" },
	{ GW1 "}\n", E "4: unexpected \"}\" (no block is open)" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n} peer\n",
	  E "3: \"}\" must be alone on its line" },
	/* Block headers and names. */
	{ "gateway gw1\n",
	  E "1: malformed block header (write \"gateway NAME {\")" },
	{ "tunnel t1{\n",
	  E "1: malformed block header (write \"tunnel NAME {\")" },
	{ "peer {\n", E "1: malformed block header (write \"peer NAME {\")" },
	{ BASE TN("\tike\n"),
	  E "13: malformed block header (write \"ike {\")" },
	{ "gateway gw/1 {\n", E "1: invalid gateway name \"gw/1\" (use 1 to 63 "
	  "letters, digits, '_', '.' or '-')" },
	{ "peer "
	  "a123456789b123456789c123456789d123456789e123456789f123456789g123"
	  " {\n", E "1: invalid peer name \""
	  "a123456789b123456789c123456789d123456789e123456789f123456789g123"
	  "\" (use 1 to 63 letters, digits, '_', '.' or '-')" },
	{ GW1 "gateway gw1 {\n",
	  E "4: duplicate gateway name \"gw1\" (already defined on line 1; "
	  "choose another name)" },
	{ BASE "peer gw2 {\n",
	  E "7: duplicate peer name \"gw2\" (already defined on line 4; choose "
	  "another name)" },
	{ BASE TN("") "tunnel t1 {\n",
	  E "14: duplicate tunnel name \"t1\" (already defined on line 7; "
	  "choose another name)" },
	{ BASE TN(IKE("") IKE("")),
	  E "15: ike block is given twice in tunnel \"t1\" (merge it into the "
	  "one on line 13)" },
	/* Values. */
	{ "gateway gw1 {\n\taddress\n}\n",
	  E "2: missing value for \"address\" (write \"address A.B.C.D\")" },
	{ "gateway gw1 {\n\taddress 192.0.2.1 192.0.2.2\n}\n",
	  E "2: too many values for \"address\" (write \"address A.B.C.D\")" },
	{ "gateway gw1 {\n\taddress 192.0.2.1\n\taddress 192.0.2.2\n}\n",
	  E "3: \"address\" is given twice in gateway \"gw1\" (keep one)" },
	{ "log-level info\n" GW1 "log-level debug\n",
	  E "5: \"log-level\" is given twice in the global settings (keep "
	  "one)" },
	{ BASE TN(IKE("\t\tversion 2\n\t\tversion 1\n")),
	  E "15: \"version\" is given twice in the ike block of tunnel \"t1\" "
	  "(keep one)" },
	{ "a b c d e f g h i\n", E "1: too many words on this line" },
};

START_TEST(test_config_syntax_errors)
{
	expect_err(syntax_vecs[_i].ev_text, syntax_vecs[_i].ev_err);
}
END_TEST

START_TEST(test_config_syntax_trailing_comment)
{
	struct config	*cfg;

	cfg = parse_ok("# a comment\r\n\r\n   \n\t# indented comment\n"
	    "log-level debug # trailing comment\r\n"
	    "gateway gw1 {   # the gateway\n"
	    "  address\t198.51.100.1 # public\r\n"
	    "}");
	ck_assert_int_eq(cfg->cfg_log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(cfg->cfg_ngateways, 1);
	addr_eq(cfg->cfg_gateways[0].gw_addr, "198.51.100.1");
	ck_assert_int_eq(cfg->cfg_gateways[0].gw_line, 6);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_syntax_long_line)
{
	struct text	 t = { NULL, 0 };
	int		 i;

	text_add(&t, "# comment\nkeylog-dir /");
	for (i = 0; i < 8200; i++)
		text_add(&t, "x");
	text_add(&t, "\n");
	expect_err(t.t_s, E "2: line is too long (at most 8191 characters)");
	free(t.t_s);
}
END_TEST

START_TEST(test_config_syntax_empty)
{
	struct config	*cfg;

	cfg = parse_ok("");
	ck_assert_int_eq(cfg->cfg_ngateways, 0);
	ck_assert_int_eq(cfg->cfg_ntunnels, 0);
	ck_assert_ptr_null(cfg->cfg_tunnels);
	config_free(cfg);
	config_free(NULL);
}
END_TEST

/* --- global settings --- */

static const struct err_vec global_vecs[] = {
	{ "control-socket run/gatewayd.sock\n",
	  E "1: control-socket must be an absolute path (start it with "
	  "\"/\")" },
	{ "control-socket /run/"
	  "a123456789b123456789c123456789d123456789e123456789"
	  "f123456789g123456789h123456789i123456789j123456789k12\n",
	  E "1: control-socket path is too long (at most 107 characters)" },
	{ "log-level verbose\n",
	  E "1: unknown log-level \"verbose\" (use error, warning, info or "
	  "debug)" },
	{ "keylog-dir keys\n",
	  E "1: keylog-dir must be an absolute path (start it with \"/\")" },
};

START_TEST(test_config_global_errors)
{
	expect_err(global_vecs[_i].ev_text, global_vecs[_i].ev_err);
}
END_TEST

START_TEST(test_config_global_socket_max)
{
	struct config	*cfg;

	/* 107 characters and the NUL fill sun_path exactly. */
	cfg = parse_ok("control-socket /run/"
	    "a123456789b123456789c123456789d123456789e123456789"
	    "f123456789g123456789h123456789i123456789j123456789k1\n");
	ck_assert_uint_eq(strlen(cfg->cfg_ctl_socket), 107);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_global_defaults)
{
	struct config	*cfg;

	cfg = parse_ok(BASE);
	ck_assert_str_eq(cfg->cfg_path, "gatewayd.conf");
	ck_assert_str_eq(cfg->cfg_ctl_socket, CONFIG_DEFAULT_SOCKET);
	ck_assert_str_eq(cfg->cfg_ctl_socket, "/run/gatewayd.sock");
	ck_assert_str_eq(cfg->cfg_keylog_dir, "");
	ck_assert_int_eq(cfg->cfg_keylog_chacha, 0);
	ck_assert_int_eq(cfg->cfg_log_level, LOG_LVL_INFO);
	ck_assert_int_eq(cfg->cfg_initiate_half_open, 2);
	ck_assert_int_eq(cfg->cfg_rcvbuf_kb, 1024);
	config_free(cfg);
}
END_TEST

static const struct {
	const char	*lv_name;
	int		 lv_level;
} level_vecs[] = {
	{ "error", LOG_LVL_ERR },
	{ "warning", LOG_LVL_WARN },
	{ "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG },
};

START_TEST(test_config_global_values)
{
	struct config	*cfg;
	char		 text[256];

	snprintf(text, sizeof(text), "control-socket /tmp/gw.sock\n"
	    "log-level %s\nkeylog-dir /var/tmp/keys\nkeylog-chacha20 yes\n"
	    "initiate-half-open-per-peer %d\nreceive-buffer %d\n",
	    level_vecs[_i].lv_name, _i == 0 ? 1 : 64, _i == 0 ? 64 : 65536);
	cfg = parse_ok(text);
	ck_assert_int_eq(cfg->cfg_rcvbuf_kb, _i == 0 ? 64 : 65536);
	ck_assert_int_eq(cfg->cfg_initiate_half_open, _i == 0 ? 1 : 64);
	ck_assert_int_eq(cfg->cfg_log_level, level_vecs[_i].lv_level);
	ck_assert_str_eq(cfg->cfg_ctl_socket, "/tmp/gw.sock");
	ck_assert_str_eq(cfg->cfg_keylog_dir, "/var/tmp/keys");
	ck_assert_int_eq(cfg->cfg_keylog_chacha, 1);
	config_free(cfg);
}
END_TEST

/* user NAME: the unprivileged user after start-up. */
static const struct err_vec user_vecs[] = {
	{ "user 1gw\n",
	  E "1: invalid user name \"1gw\" (use a user name such as gatewayd: "
	  "letters, digits, '_', '-' and '.', not starting with a digit or "
	  "'-')" },
	{ "user -gw\n",
	  E "1: invalid user name \"-gw\" (use a user name such as gatewayd: "
	  "letters, digits, '_', '-' and '.', not starting with a digit or "
	  "'-')" },
	{ "user gw/x\n",
	  E "1: invalid user name \"gw/x\" (use a user name such as "
	  "gatewayd: letters, digits, '_', '-' and '.', not starting with a "
	  "digit or '-')" },
	{ "user a23456789b123456789c123456789d123\n",
	  E "1: user name is too long (at most 32 characters)" },
	{ "user gatewayd\nuser nobody\n",
	  E "2: \"user\" is given twice in the global settings (keep one)" },
	{ "user\n",
	  E "1: missing value for \"user\" (write \"user NAME\")" },
	{ "gateway gw1 {\n\tuser gatewayd\n}\n",
	  E "2: unknown keyword \"user\" in gateway \"gw1\" (expected address "
	  "or segment)" },
};

START_TEST(test_config_user_errors)
{
	expect_err(user_vecs[_i].ev_text, user_vecs[_i].ev_err);
}
END_TEST

START_TEST(test_config_user_values)
{
	struct config	*cfg;

	cfg = parse_ok(BASE);
	ck_assert_str_eq(cfg->cfg_user, "");	/* default: stays root */
	config_free(cfg);
	cfg = parse_ok("user gatewayd\n" BASE);
	ck_assert_str_eq(cfg->cfg_user, "gatewayd");
	config_free(cfg);
	cfg = parse_ok("user _gw-1.x\n" BASE);
	ck_assert_str_eq(cfg->cfg_user, "_gw-1.x");
	config_free(cfg);
	cfg = parse_ok("user a23456789b123456789c123456789d12\n" BASE);
	ck_assert_uint_eq(strlen(cfg->cfg_user), 32);
	config_free(cfg);
}
END_TEST

/* --- gateway and peer blocks --- */

static const struct err_vec gwpeer_vecs[] = {
	{ "gateway gw1 {\n\tsegment 172.16.0.0/24\n}\n",
	  E "1: gateway \"gw1\" has no address (add \"address A.B.C.D\")" },
	{ "gateway gw1 {\n\taddress 198.51.100\n}\n",
	  E "2: invalid gateway address \"198.51.100\" (use an IPv4 address "
	  "such as 198.51.100.1)" },
	{ "gateway gw1 {\n\taddress 2001:db8::1\n}\n",
	  E "2: invalid gateway address \"2001:db8::1\" (use an IPv4 address "
	  "such as 198.51.100.1)" },
	{ "gateway gw1 {\n\taddress 0.0.0.0\n}\n",
	  E "2: gateway address 0.0.0.0 is not allowed (use the gateway's "
	  "public IPv4 address)" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n\tsegment 172.16.0.0\n}\n",
	  E "3: invalid segment \"172.16.0.0\" (use a prefix such as "
	  "172.16.0.0/24)" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n\tsegment 172.16.0.0/33\n}\n",
	  E "3: invalid segment \"172.16.0.0/33\" (use a prefix such as "
	  "172.16.0.0/24)" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n\tsegment 172.16.0.0/\n}\n",
	  E "3: invalid segment \"172.16.0.0/\" (use a prefix such as "
	  "172.16.0.0/24)" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n\tsegment 10.0.1.5/24\n}\n",
	  E "3: segment 10.0.1.5/24 has host bits set (use 10.0.1.0/24)" },
	{ "peer gw2 {\n}\n",
	  E "1: peer \"gw2\" has no address (add \"address A.B.C.D\", or "
	  "0.0.0.0 for any peer)" },
	{ "peer gw2 {\n\taddress any\n}\n",
	  E "2: invalid peer address \"any\" (use an IPv4 address, or 0.0.0.0 "
	  "for any peer)" },
};

START_TEST(test_config_gwpeer_errors)
{
	expect_err(gwpeer_vecs[_i].ev_text, gwpeer_vecs[_i].ev_err);
}
END_TEST

START_TEST(test_config_gwpeer_segments)
{
	struct config	*cfg;
	struct text	 t = { NULL, 0 };
	int		 i;

	text_add(&t, "gateway gw1 {\n\taddress 198.51.100.1\n");
	for (i = 0; i < CFG_MAX_SEGMENTS; i++)
		text_add(&t, "\tsegment 172.16.%d.0/24\n", i);
	text_add(&t, "}\npeer p {\n\taddress 0.0.0.0\n}\n");
	cfg = parse_ok(t.t_s);
	ck_assert_int_eq(cfg->cfg_gateways[0].gw_nsegments, CFG_MAX_SEGMENTS);
	prefix_eq(&cfg->cfg_gateways[0].gw_segments[19], "172.16.19.0/24");
	ck_assert_int_eq(cfg->cfg_npeers, 1);
	ck_assert_str_eq(cfg->cfg_peers[0].pr_name, "p");
	ck_assert_uint_eq(cfg->cfg_peers[0].pr_addr.s_addr, INADDR_ANY);
	ck_assert_int_eq(cfg->cfg_peers[0].pr_line, 24);
	config_free(cfg);

	/* One more segment line is one too many (line 23). */
	t.t_len = 0;
	text_add(&t, "gateway gw1 {\n\taddress 198.51.100.1\n");
	for (i = 0; i <= CFG_MAX_SEGMENTS; i++)
		text_add(&t, "\tsegment 172.16.%d.0/24\n", i);
	text_add(&t, "}\n");
	expect_err(t.t_s, E "23: too many segment lines (at most 20)");
	free(t.t_s);
}
END_TEST

/* --- tunnel blocks --- */

static const struct err_vec tunnel_vecs[] = {
	{ BASE "tunnel t1 {\n\tgateway gw9\n\tpeer gw2\n"
	  "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	  "\tpsk k\n}\n",
	  E "8: tunnel \"t1\" uses gateway \"gw9\", which is not defined "
	  "(add a \"gateway gw9 { ... }\" block)" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw3\n"
	  "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	  "\tpsk k\n}\n",
	  E "9: tunnel \"t1\" uses peer \"gw3\", which is not defined (add a "
	  "\"peer gw3 { ... }\" block)" },
	{ BASE "tunnel t1 {\n\tgateway gw/1\n",
	  E "8: invalid gateway name \"gw/1\" (use 1 to 63 letters, digits, "
	  "'_', '.' or '-')" },
	{ BASE "tunnel t1 {\n\tpeer gw2\n\tlocal-segment 172.16.0.0/24\n"
	  "\tpeer-segment 10.0.0.0/12\n\tpsk k\n}\n",
	  E "7: tunnel \"t1\" has no gateway (add \"gateway NAME\")" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tlocal-segment 172.16.0.0/24\n"
	  "\tpeer-segment 10.0.0.0/12\n\tpsk k\n}\n",
	  E "7: tunnel \"t1\" has no peer (add \"peer NAME\")" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	  "\tpeer-segment 10.0.0.0/12\n\tpsk k\n}\n",
	  E "7: tunnel \"t1\" has no local-segment (add \"local-segment "
	  "A.B.C.D/N\")" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	  "\tlocal-segment 172.16.0.0/24\n\tpsk k\n}\n",
	  E "7: tunnel \"t1\" has no peer-segment (add \"peer-segment "
	  "A.B.C.D/N\")" },
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	  "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n}\n",
	  E "7: tunnel \"t1\" has no psk (add \"psk KEY\")" },
	{ BASE TN("\tlocal-segment 172.16.1.1/24\n"),
	  E "13: local-segment 172.16.1.1/24 has host bits set (use "
	  "172.16.1.0/24)" },
	{ BASE TN("\tpeer-segment 10.16.0.0/12/1\n"),
	  E "13: invalid peer-segment \"10.16.0.0/12/1\" (use a prefix such as "
	  "172.16.0.0/24)" },
	/* Segments of one tunnel never overlap. */
	{ BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	  "\tlocal-segment 10.0.1.0/24\n\tpsk k\n\tlocal-segment 10.2.0.0/16\n"
	  "\tpeer-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n}\n",
	  E "14: peer segment 10.0.0.0/12 overlaps local segment 10.0.1.0/24" },
	{ BASE TN("\tlocal-segment 10.1.0.0/16\n"),
	  E "13: local segment 10.1.0.0/16 overlaps peer segment 10.0.0.0/12" },
	{ BASE TN("\tlocal-segment 172.16.0.128/25\n"),
	  E "13: local segment 172.16.0.128/25 overlaps local segment "
	  "172.16.0.0/24" },
	{ BASE TN("\tpeer-segment 10.8.0.0/16\n"),
	  E "13: peer segment 10.8.0.0/16 overlaps peer segment 10.0.0.0/12" },
	{ BASE TN("\tpeer-segment 10.0.0.0/12\n"),
	  E "13: peer segment 10.0.0.0/12 overlaps peer segment 10.0.0.0/12" },
	/* Two tunnels of one gateway never claim the same traffic. */
	{ BASE TN("") "tunnel t2 {\n\tgateway gw1\n\tpeer gw2\n"
	  "\tlocal-segment 192.168.0.0/16\n\tlocal-segment 172.16.0.0/16\n"
	  "\tpeer-segment 10.1.0.0/16\n\tpsk k\n}\n",
	  E "14: tunnel \"t2\" (local segment 172.16.0.0/16, peer segment "
	  "10.1.0.0/16) overlaps tunnel \"t1\" (local segment 172.16.0.0/24, "
	  "peer segment 10.0.0.0/12) on gateway \"gw1\" (make the segments of "
	  "the two tunnels disjoint)" },
	/* PSK rules; the messages never show the key. */
	{ BASE TN_PSK("Secr3t?key", ""),
	  E "12: psk must not contain '?' (choose another character)" },
	{ BASE TN_PSK("Secr3t key", ""),
	  E "12: psk must be one word: spaces are not allowed in a PSK" },
	{ BASE TN_PSK("Secr3t\xc3\xa9key", ""),
	  E "12: psk contains a character that is not allowed (use printable "
	  "ASCII letters, digits and specials, except '?', or give the key's "
	  "bytes as 0x hex or 0s base64)" },
	{ BASE TN_PSK("Secr3t\x01key", ""),
	  E "12: psk contains a character that is not allowed (use printable "
	  "ASCII letters, digits and specials, except '?', or give the key's "
	  "bytes as 0x hex or 0s base64)" },
	{ BASE TN_PSK("", ""),
	  E "12: missing value for \"psk\" (write \"psk KEY\")" },
	/* A word starting with '#' is a comment, even after psk. */
	{ BASE TN_PSK("#Secr3t", ""),
	  E "12: missing value for \"psk\" (write \"psk KEY\")" },
	{ BASE TN_PSK(
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "01234567890123456789012345678901234567890123456789012345678901234",
	  ""),
	  E "12: psk is longer than 128 characters (shorten it)" },
	{ BASE TN("\tpsk other\n"),
	  E "13: \"psk\" is given twice in tunnel \"t1\" (keep one)" },
	/* 0x hex and 0s base64 keys */
	{ BASE TN_PSK("0x", ""),
	  E "12: psk 0x has no hex digits (write the key's bytes as hex "
	  "digits after 0x, e.g. 0x3f1a...)" },
	{ BASE TN_PSK("0x0a1b2", ""),
	  E "12: psk 0x... has an odd number of hex digits (each byte takes "
	  "two digits)" },
	{ BASE TN_PSK("0x0a1g", ""),
	  E "12: psk 0x... has a character that is not a hex digit (use only "
	  "0-9, a-f or A-F after 0x)" },
	{ BASE TN_PSK("0x0a:1b", ""),
	  E "12: psk 0x... has a character that is not a hex digit (use only "
	  "0-9, a-f or A-F after 0x)" },
	{ BASE TN_PSK("0x" HEX64 HEX64 HEX64 HEX64 "00", ""),
	  E "12: psk 0x... is longer than 128 bytes (shorten it)" },
	{ BASE TN_PSK("0s", ""),
	  E "12: psk 0s has no base64 characters (write the key's bytes in "
	  "base64 after 0s)" },
	{ BASE TN_PSK("0sAAE", ""), E "12: " B64_BAD },
	{ BASE TN_PSK("0sAA*A", ""), E "12: " B64_BAD },
	{ BASE TN_PSK("0sA=AA", ""), E "12: " B64_BAD },
	{ BASE TN_PSK("0sAAA=AAAA", ""), E "12: " B64_BAD },
	{ BASE TN_PSK("0sA===", ""), E "12: " B64_BAD },
	/* padding bits that are not zero: not canonical */
	{ BASE TN_PSK("0sAB==", ""), E "12: " B64_BAD },
	{ BASE TN_PSK("0sAAB=", ""), E "12: " B64_BAD },
	/* 132 bytes */
	{ BASE TN_PSK("0s" B64_44 B64_44 B64_44 B64_44, ""),
	  E "12: psk 0s... is longer than 128 bytes (shorten it)" },
	/* initiate */
	{ BASE TN("\tinitiate maybe\n"),
	  E "13: invalid initiate value \"maybe\" (use yes or no)" },
	{ GW1 "peer any {\n\taddress 0.0.0.0\n}\n"
	  "tunnel t1 {\n\tgateway gw1\n\tpeer any\n"
	  "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	  "\tpsk k\n\tinitiate yes\n}\n",
	  E "13: tunnel \"t1\" cannot initiate: peer \"any\" has address "
	  "0.0.0.0 (any peer), so there is no address to connect to (use "
	  "\"initiate no\")" },
};

START_TEST(test_config_tunnel_errors)
{
	expect_err(tunnel_vecs[_i].ev_text, tunnel_vecs[_i].ev_err);
}
END_TEST

START_TEST(test_config_tunnel_psk_not_shown)
{
	struct config	*cfg;
	char		 err[512];
	size_t		 i;
	static const char *const texts[] = {
		BASE TN_PSK("Hunter2?x", ""),
		BASE TN_PSK("Hunter2 x", ""),
		BASE TN_PSK("Hunter2\x7fx", ""),
	};

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		cfg = parse(texts[i], err, sizeof(err));
		ck_assert_ptr_null(cfg);
		ck_assert_ptr_null(strstr(err, "Hunter2"));
	}
}
END_TEST

/*
 * Issue 8: a refused line holding a PSK never shows the key, whether the
 * keyword is mistyped ("psk=KEY", the error SIGHUP used to log) or the
 * line is wrong otherwise.  Each text's key contains "lab-pre"; the
 * message must not, and must say what and where.
 */
#define TN_HEAD "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n" \
	"\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
#define TN_EXPECTED "(expected gateway, peer, local-segment, " \
	"peer-segment, psk, initiate, dpd-delay, dpd-timeout, dpd-action, " \
	"keyingtries, child-sa, \"ike {\" or \"ipsec {\")"
static const struct err_vec psk_vecs[] = {
	/* mistyped keyword: the word itself holds the key */
	{ BASE TN_HEAD "\tpsk=lab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"psk=<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ BASE TN_HEAD "\tPSK:lab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"PSK:<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ BASE TN_HEAD "\tpsklab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"psk<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ BASE TN_HEAD "\tpsk=\"lab-preshared-key-9f3a\"\n}\n",
	  E "12: unknown keyword \"psk=\"<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ BASE TN_HEAD "\tpsk\"\"\"\"lab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"psk\"<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ BASE TN_HEAD "\tsecret=lab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"secret=<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ BASE TN_HEAD "\tpre-shared-key=lab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"pre-shared-key=<hidden>\" in tunnel "
	  "\"t1\" " TN_EXPECTED },
	/* any name=value word loses its value */
	{ BASE TN_HEAD "\tkey=lab-preshared-key-9f3a\n}\n",
	  E "12: unknown keyword \"key=<hidden>\" in tunnel \"t1\" "
	  TN_EXPECTED },
	{ "psk=lab-preshared-key-9f3a\n",
	  E "1: unknown keyword \"psk=<hidden>\" (expected gateway, peer, "
	  "tunnel, control-socket, log-level, keylog-dir, keylog-chacha20, "
	  "metrics-listen, "
	  "ikev1-half-open, ikev1-half-open-per-source, "
	  "ikev2-cookie-threshold, ikev2-half-open, "
	  "ikev2-half-open-per-source, receive-buffer, "
	  "initiate-half-open-per-peer, user or "
	  "test-short-lifetimes)" },
	/* other errors on a psk line */
	{ BASE TN_HEAD "\tpsk lab-preshared-key-9f3a more\n}\n",
	  E "12: psk must be one word: spaces are not allowed in a PSK" },
	{ BASE TN_HEAD "\tpsk lab-pre?shared\n}\n",
	  E "12: psk must not contain '?' (choose another character)" },
	{ BASE TN_HEAD "\tpsk lab-preshared-1\n\tpsk lab-preshared-2\n}\n",
	  E "13: \"psk\" is given twice in tunnel \"t1\" (keep one)" },
	{ BASE TN_HEAD "\tpsk a b c d e f g h lab-preshared-key\n}\n",
	  E "12: too many words on this line" },
	{ "gateway gw1 {\n\taddress 198.51.100.1\n"
	  "\tpsk lab-preshared-key-9f3a\n}\n",
	  E "3: unknown keyword \"psk\" in gateway \"gw1\" (expected address "
	  "or segment)" },
	{ BASE TN_HEAD "\tike {\n\tpsk lab-preshared-key-9f3a\n\t}\n}\n",
	  E "13: unknown keyword \"psk\" in the ike block of tunnel \"t1\" "
	  "(expected version, mode, integrity, encryption, dh-group, "
	  "proposals, local-id, peer-id or lifetime)" },
	/* the key as a block's name: the defence in cfg_err hides it */
	{ BASE "tunnel psk=lab-preshared-key/9f3a {\n}\n",
	  E "7: invalid tunnel name \"psk=<hidden>\" (use 1 to 63 letters, "
	  "digits, '_', '.' or '-')" },
};

START_TEST(test_config_psk_hidden)
{
	struct config	*cfg;
	char		 err[512];

	cfg = parse(psk_vecs[_i].ev_text, err, sizeof(err));
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(err, "lab-pre") == NULL, "key shown: %s", err);
	ck_assert_msg(strstr(err, "9f3a") == NULL, "key shown: %s", err);
	ck_assert_str_eq(err, psk_vecs[_i].ev_err);
}
END_TEST

/* The same through config_load, which SIGHUP and gatewayctl reload use. */
START_TEST(test_config_psk_hidden_load)
{
	struct config	*cfg;
	char		 err[512], path[] = "/tmp/check_config.XXXXXX";
	char		 want[700];
	int		 fd;
	static const char text[] = BASE TN_HEAD
	    "\tpsk=lab-preshared-key-0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef\n}\n";

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1),
	    (int)sizeof(text) - 1);
	close(fd);
	cfg = config_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_null(strstr(err, "lab-pre"));
	ck_assert_ptr_null(strstr(err, "0123"));
	snprintf(want, sizeof(want), "%s:12: unknown keyword \"psk=<hidden>\" "
	    "in tunnel \"t1\" " TN_EXPECTED, path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* 128 characters: 7 * 16 + 16 specials ('#' inside a word is kept). */
#define PSK128	"0123456789abcdef0123456789ABCDEF0123456789abcdef" \
	"0123456789ABCDEF0123456789abcdef0123456789ABCDEF" \
	"0123456789abcdef#!~$%^&*()[]{}<>"

START_TEST(test_config_tunnel_values)
{
	struct config		*cfg;
	struct cfg_tunnel	*t;

	/* The tunnel comes first: names resolve after the whole file. */
	cfg = parse_ok("tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 192.168.0.0/16\n\tlocal-segment 172.16.0.0/24\n"
	    "\tpeer-segment 10.0.0.0/12\n\tpeer-segment 0.0.0.0/32\n"
	    "\tpsk " PSK128 "\n}\n" BASE);
	ck_assert_int_eq(cfg->cfg_ntunnels, 1);
	t = config_tunnel_find(cfg, "t1");
	ck_assert_ptr_eq(t, &cfg->cfg_tunnels[0]);
	ck_assert_ptr_null(config_tunnel_find(cfg, "t2"));
	ck_assert_ptr_eq(t->tn_gw, &cfg->cfg_gateways[0]);
	ck_assert_ptr_eq(t->tn_peer, &cfg->cfg_peers[0]);
	ck_assert_int_eq(t->tn_line, 1);
	/* Local segments need not lie within the gateway's segments. */
	ck_assert_int_eq(t->tn_nlocal, 2);
	prefix_eq(&t->tn_local[0], "192.168.0.0/16");
	prefix_eq(&t->tn_local[1], "172.16.0.0/24");
	ck_assert_int_eq(t->tn_nremote, 2);
	prefix_eq(&t->tn_remote[0], "10.0.0.0/12");
	prefix_eq(&t->tn_remote[1], "0.0.0.0/32");
	ck_assert_uint_eq(t->tn_psk_len, 128);
	ck_assert_str_eq(t->tn_psk, PSK128);
	ck_assert_int_eq(t->tn_initiate, 1);
	config_free(cfg);
}
END_TEST

/*
 * 0x hex and 0s base64 give the key's bytes, NUL and any other byte
 * included (tn_psk_len counts them; tn_psk stays NUL-terminated).
 */
START_TEST(test_config_psk_encoded)
{
	static const struct {
		const char	*pe_word;
		const char	*pe_bytes;
		size_t		 pe_len;
	} vecs[] = {
		{ "0x00ff3F0a", "\x00\xff\x3f\x0a", 4 },
		{ "0x3f", "?", 1 },
		/* only lowercase 0x and 0s: "0X..." is a plain key */
		{ "0X0a1b", "0X0a1b", 6 },
		{ "0sAAEiP/8gQUI=", "\x00\x01\x22\x3f\xff\x20\x41\x42", 8 },
		{ "0sU2VjcjN0IWtleQ==", "Secr3t!key", 10 },
		{ "0s+/+/", "\xfb\xff\xbf", 3 },
		{ "0sAA==", "\x00", 1 },
	};
	struct config		*cfg;
	struct cfg_tunnel	*t;
	char			 text[1024];
	size_t			 i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		snprintf(text, sizeof(text), BASE TN_PSK("%s", ""),
		    vecs[i].pe_word);
		cfg = parse_ok(text);
		t = config_tunnel_find(cfg, "t1");
		ck_assert_uint_eq(t->tn_psk_len, vecs[i].pe_len);
		ck_assert_mem_eq(t->tn_psk, vecs[i].pe_bytes, vecs[i].pe_len);
		ck_assert_int_eq(t->tn_psk[t->tn_psk_len], '\0');
		config_free(cfg);
	}
	/* the longest: 128 bytes either way */
	cfg = parse_ok(BASE TN_PSK("0x" HEX64 HEX64 HEX64 HEX64, ""));
	t = config_tunnel_find(cfg, "t1");
	ck_assert_uint_eq(t->tn_psk_len, 128);
	ck_assert_mem_eq(t->tn_psk + 120, "\x88\x99\xaa\xbb\xcc\xdd\xee"
	    "\xff", 8);
	config_free(cfg);
	cfg = parse_ok(BASE TN_PSK("0s" B64_44 B64_44 B64_44
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=", ""));
	t = config_tunnel_find(cfg, "t1");
	ck_assert_uint_eq(t->tn_psk_len, 128);
	ck_assert_int_eq((unsigned char)t->tn_psk[127], 0x1c);
	config_free(cfg);
}
END_TEST

/* A refused 0x/0s key is never shown, not even in part. */
START_TEST(test_config_psk_encoded_not_shown)
{
	static const char *const texts[] = {
		BASE TN_PSK("0x9e3779b97f4a7c15f", ""),
		BASE TN_PSK("0x9e3779b97f4a7c15fz", ""),
		BASE TN_PSK("0s9e3779b97f4a7c15f", ""),
		BASE TN_PSK("0s9e3779b97f4a7c15f*", ""),
		BASE TN_PSK("0s9e3779b97f4a7c15f= x", ""),
	};
	struct config	*cfg;
	char		 err[512];
	size_t		 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		cfg = parse(texts[i], err, sizeof(err));
		ck_assert_ptr_null(cfg);
		ck_assert_msg(strncmp(err, E "12: psk ", 21) == 0, "%s", err);
		ck_assert_msg(strstr(err, "9e37") == NULL, "shown: %s", err);
		ck_assert_msg(strstr(err, "7c15") == NULL, "shown: %s", err);
	}
}
END_TEST

START_TEST(test_config_tunnel_defaults)
{
	struct config		*cfg;
	struct cfg_tunnel	*t;

	cfg = parse_ok(BASE TN(""));
	t = &cfg->cfg_tunnels[0];
	ck_assert_str_eq(t->tn_name, "t1");
	ck_assert_int_eq(t->tn_initiate, 1);
	ck_assert_int_eq(t->tn_ike.ike_version, 2);
	ck_assert_int_eq(t->tn_ike.ike_mode, CFG_IKE_MAIN);
	ck_assert_int_eq(t->tn_ike.ike_integ, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(t->tn_ike.ike_prf, PRF_HMAC_SHA1);
	ck_assert_int_eq(t->tn_ike.ike_encr, ENCR_AES_CBC);
	ck_assert_int_eq(t->tn_ike.ike_encr_bits, 128);
	ck_assert_int_eq(t->tn_ike.ike_dh, DH_MODP_1024);
	ck_assert_uint_eq(t->tn_ike.ike_lifetime, 86400);
	/* IDs default to the addresses. */
	ck_assert_int_eq(t->tn_ike.ike_local_id.id_type, CFG_ID_IPV4);
	addr_eq(t->tn_ike.ike_local_id.id_addr, "198.51.100.1");
	ck_assert_str_eq(t->tn_ike.ike_local_id.id_value, "198.51.100.1");
	ck_assert_int_eq(t->tn_ike.ike_peer_id.id_type, CFG_ID_IPV4);
	addr_eq(t->tn_ike.ike_peer_id.id_addr, "198.51.100.2");
	ck_assert_str_eq(t->tn_ike.ike_peer_id.id_value, "198.51.100.2");
	ck_assert_int_eq(t->tn_ipsec.ips_proto, IPPROTO_ESP);
	ck_assert_int_eq(t->tn_ipsec.ips_integ, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(t->tn_ipsec.ips_encr, ENCR_AES_CBC);
	ck_assert_int_eq(t->tn_ipsec.ips_encr_bits, 128);
	ck_assert_int_eq(t->tn_ipsec.ips_pfs, DH_MODP_1024);
	ck_assert_uint_eq(t->tn_ipsec.ips_lifetime, 86400);
	/* no volume lifetime unless configured */
	ck_assert_uint_eq(t->tn_ipsec.ips_life_bytes, 0);
	ck_assert_uint_eq(t->tn_ipsec.ips_life_packets, 0);
	ck_assert_uint_eq(t->tn_ipsec.ips_replay_window, 32);
	ck_assert_int_eq(t->tn_ipsec.ips_esn, CFG_ESN_NO);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_tunnel_any_peer)
{
	struct config		*cfg;
	struct cfg_tunnel	*t;

	/* 0.0.0.0: no initiating and any peer ID by default. */
	cfg = parse_ok(GW1 "peer any {\n\taddress 0.0.0.0\n}\n"
	    "tunnel t1 {\n\tgateway gw1\n\tpeer any\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n}\n"
	    "tunnel t2 {\n\tgateway gw1\n\tpeer any\n"
	    "\tlocal-segment 172.16.1.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n\tinitiate no\n\tike {\n\t\tpeer-id vpn.example.com\n"
	    "\t}\n}\n");
	t = &cfg->cfg_tunnels[0];
	ck_assert_int_eq(t->tn_initiate, 0);
	ck_assert_int_eq(t->tn_ike.ike_peer_id.id_type, 0);
	ck_assert_int_eq(t->tn_ike.ike_local_id.id_type, CFG_ID_IPV4);
	addr_eq(t->tn_ike.ike_local_id.id_addr, "198.51.100.1");
	t = &cfg->cfg_tunnels[1];
	ck_assert_int_eq(t->tn_initiate, 0);
	ck_assert_int_eq(t->tn_ike.ike_peer_id.id_type, CFG_ID_FQDN);
	ck_assert_str_eq(t->tn_ike.ike_peer_id.id_value, "vpn.example.com");
	config_free(cfg);

	/* "initiate no" is also fine with a real address. */
	cfg = parse_ok(BASE TN("\tinitiate no\n"));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_initiate, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_tunnel_pairs)
{
	struct config	*cfg;

	/* Same local segment, disjoint peer segments: fine. */
	cfg = parse_ok(BASE TN("") "tunnel t2 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/16\n\tpeer-segment 10.16.0.0/12\n"
	    "\tpsk k\n}\n");
	ck_assert_int_eq(cfg->cfg_ntunnels, 2);
	config_free(cfg);
	/* The same pair on two different gateways: fine. */
	cfg = parse_ok(BASE "gateway gw3 {\n\taddress 198.51.100.3\n}\n"
	    TN("") "tunnel t2 {\n\tgateway gw3\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n}\n");
	ck_assert_ptr_eq(cfg->cfg_tunnels[1].tn_gw, &cfg->cfg_gateways[1]);
	config_free(cfg);
}
END_TEST

static void
add_tunnel(struct text *t, int i, const char *gw)
{
	text_add(t, "tunnel t%d {\n\tgateway %s\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.%d.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n}\n", i, gw, i);
}

START_TEST(test_config_tunnel_limits)
{
	struct config	*cfg;
	struct text	 t = { NULL, 0 };
	int		 i;

	/* 20 tunnels on a gateway are fine, 21 are not. */
	text_add(&t, BASE);
	for (i = 1; i <= CFG_MAX_TUNNELS; i++)
		add_tunnel(&t, i, "gw1");
	cfg = parse_ok(t.t_s);
	ck_assert_int_eq(cfg->cfg_ntunnels, CFG_MAX_TUNNELS);
	ck_assert_str_eq(cfg->cfg_tunnels[19].tn_name, "t20");
	ck_assert_ptr_eq(cfg->cfg_tunnels[19].tn_peer, &cfg->cfg_peers[0]);
	config_free(cfg);
	add_tunnel(&t, 21, "gw1");
	/* t21 starts on line 7 + 20 * 7. */
	expect_err(t.t_s, E "147: gateway \"gw1\" has more than 20 tunnels "
	    "(tunnel \"t21\" is one too many)");

	/* 21 tunnels to one peer through two gateways. */
	t.t_len = 0;
	text_add(&t, BASE "gateway gw3 {\n\taddress 198.51.100.3\n}\n");
	for (i = 1; i <= CFG_MAX_TUNNELS + 1; i++)
		add_tunnel(&t, i, i % 2 ? "gw1" : "gw3");
	expect_err(t.t_s, E "150: peer \"gw2\" has more than 20 tunnels "
	    "(tunnel \"t21\" is one too many)");

	/* 21 local segments in one tunnel. */
	t.t_len = 0;
	text_add(&t, BASE "tunnel t1 {\n");
	for (i = 0; i <= CFG_MAX_SEGMENTS; i++)
		text_add(&t, "\tlocal-segment 172.16.%d.0/24\n", i);
	expect_err(t.t_s, E "28: too many local-segment lines (at most 20)");
	t.t_len = 0;
	text_add(&t, BASE "tunnel t1 {\n");
	for (i = 0; i <= CFG_MAX_SEGMENTS; i++)
		text_add(&t, "\tpeer-segment 10.%d.0.0/16\n", i);
	expect_err(t.t_s, E "28: too many peer-segment lines (at most 20)");
	free(t.t_s);
}
END_TEST

/* --- ike block --- */

static const struct err_vec ike_vecs[] = {
	{ BASE TN(IKE("\t\tversion 3\n")),
	  E "14: unknown ike version \"3\" (use 1 or 2)" },
	{ BASE TN(IKE("\t\tmode quick\n")),
	  E "14: unknown ike mode \"quick\" (use main or aggressive)" },
	{ BASE TN(IKE("\t\tintegrity sha3-256\n")),
	  E "14: unknown ike integrity \"sha3-256\" (use md5, sha1, sha2-256, "
	  "sha2-384 or sha2-512 (or sha256, sha384, sha512))" },
	{ BASE TN(IKE("\t\tencryption aes512\n")),
	  E "14: unknown ike encryption \"aes512\" (use 3des, aes128, aes192, "
	  "aes256, aes128gcm16, aes192gcm16, aes256gcm16 (or gcm12, gcm8) or "
	  "chacha20poly1305)" },
	{ BASE TN(IKE("\t\tencryption aes128gcm64\n")),
	  E "14: unknown ike encryption \"aes128gcm64\" (use 3des, aes128, "
	  "aes192, aes256, aes128gcm16, aes192gcm16, aes256gcm16 (or gcm12, "
	  "gcm8) or chacha20poly1305)" },
	/* IKEv1 phase 1 has no AEAD, in either line order. */
	{ BASE TN(IKE("\t\tversion 1\n\t\tencryption aes128gcm16\n")),
	  E "15: ike encryption aes128gcm16 needs version 2 (IKEv1 phase 1 "
	  "has no AEAD cipher: RFC 5282 and RFC 7634 define them for IKEv2 "
	  "only; use aes128, aes192 or aes256 with version 1)" },
	{ BASE TN(IKE("\t\tencryption chacha20poly1305\n\t\tversion 1\n")),
	  E "14: ike encryption chacha20poly1305 needs version 2 (IKEv1 phase "
	  "1 has no AEAD cipher: RFC 5282 and RFC 7634 define them for IKEv2 "
	  "only; use aes128, aes192 or aes256 with version 1)" },
	{ BASE TN(IPSEC("\t\tencryption chacha20poly1305\n")
	  IKE("\t\tversion 1\n")),
	  E "14: ipsec encryption chacha20poly1305 needs ike version 2 (RFC "
	  "7634 defines it for IKEv2 only; AES-GCM, e.g. aes256gcm16, works "
	  "with version 1)" },
	{ BASE TN(IKE("\t\tdh-group 22\n")),
	  E "14: unknown ike dh-group \"22\" (use 1, 2, 5, 14, 15, 16, 19, 20, "
	  "21, 24 or 31)" },
	{ BASE TN(IKE("\t\tdh-group 02x\n")),
	  E "14: unknown ike dh-group \"02x\" (use 1, 2, 5, 14, 15, 16, 19, "
	  "20, 21, 24 or 31)" },
	{ BASE TN(IKE("\t\tdh-group 32\n")),
	  E "14: unknown ike dh-group \"32\" (use 1, 2, 5, 14, 15, 16, 19, 20, "
	  "21, 24 or 31)" },
	/* RFC 8031: Curve25519 is for IKEv2 only, in either line order. */
	{ BASE TN(IKE("\t\tversion 1\n\t\tdh-group 31\n")),
	  E "15: ike dh-group 31 (curve25519) needs version 2 (RFC 8031 "
	  "defines it for IKEv2 only)" },
	{ BASE TN(IKE("\t\tdh-group 31\n\t\tversion 1\n")),
	  E "14: ike dh-group 31 (curve25519) needs version 2 (RFC 8031 "
	  "defines it for IKEv2 only)" },
	{ BASE TN(IPSEC("\t\tpfs 31\n") IKE("\t\tversion 1\n")),
	  E "14: ipsec pfs 31 (curve25519) needs ike version 2 (RFC 8031 "
	  "defines it for IKEv2 only)" },
	{ BASE TN(IKE("\t\tlocal-id 198.51.100.300\n")),
	  E "14: invalid ike local-id \"198.51.100.300\" (not a valid IPv4 "
	  "address)" },
	{ BASE TN(IKE("\t\tpeer-id gw..example.com\n")),
	  E "14: invalid ike peer-id \"gw..example.com\" (use an IPv4 address "
	  "or an FQDN: letters, digits and '-' in dot-separated labels of 1 "
	  "to 63 characters, 253 at most)" },
	{ BASE TN(IKE("\t\tpeer-id gw_1.example.com\n")),
	  E "14: invalid ike peer-id \"gw_1.example.com\" (use an IPv4 address "
	  "or an FQDN: letters, digits and '-' in dot-separated labels of 1 "
	  "to 63 characters, 253 at most)" },
	{ BASE TN(IKE("\t\tlocal-id "
	  "a123456789b123456789c123456789d123456789e123456789f123456789g123"
	  ".com\n")),
	  E "14: invalid ike local-id \""
	  "a123456789b123456789c123456789d123456789e123456789f123456789g123"
	  "\" (use an IPv4 address or an FQDN: letters, digits and '-' in "
	  "dot-separated labels of 1 to 63 characters, 253 at most)" },
	{ BASE TN(IKE("\t\tlifetime 3599\n")),
	  E "14: invalid ike lifetime \"3599\" (use 3600 to 86400 seconds)" },
	{ BASE TN(IKE("\t\tlifetime 86401\n")),
	  E "14: invalid ike lifetime \"86401\" (use 3600 to 86400 seconds)" },
	{ BASE TN(IKE("\t\tlifetime 1h\n")),
	  E "14: invalid ike lifetime \"1h\" (use 3600 to 86400 seconds)" },
	{ BASE TN(IKE("\t\tlifetime -3600\n")),
	  E "14: invalid ike lifetime \"-3600\" (use 3600 to 86400 seconds)" },
	{ BASE TN(IKE("\t\tmode aggressive\n")),
	  E "14: ike mode aggressive needs version 1 (IKEv2 has no aggressive "
	  "mode; set \"version 1\" or remove the mode line)" },
	{ BASE TN(IKE("\t\tmode aggressive\n\t\tversion 2\n")),
	  E "14: ike mode aggressive needs version 1 (IKEv2 has no aggressive "
	  "mode; set \"version 1\" or remove the mode line)" },
};

START_TEST(test_config_ike_errors)
{
	expect_err(ike_vecs[_i].ev_text, ike_vecs[_i].ev_err);
}
END_TEST

static const struct {
	const char	*iv_line;
	int		 iv_integ, iv_prf, iv_encr, iv_bits, iv_dh;
} ike_value_vecs[] = {
	{ "\t\tintegrity md5\n", AUTH_HMAC_MD5_96, PRF_HMAC_MD5, ENCR_AES_CBC,
	  128, 2 },
	{ "\t\tintegrity sha1\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  ENCR_AES_CBC, 128, 2 },
	{ "\t\tintegrity sha2-256\n", AUTH_HMAC_SHA2_256_128,
	  PRF_HMAC_SHA2_256, ENCR_AES_CBC, 128, 2 },
	{ "\t\tencryption 3des\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  ENCR_3DES, 0, 2 },
	{ "\t\tencryption aes128\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  ENCR_AES_CBC, 128, 2 },
	{ "\t\tencryption aes192\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  ENCR_AES_CBC, 192, 2 },
	{ "\t\tencryption aes256\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1,
	  ENCR_AES_CBC, 256, 2 },
	{ "\t\tdh-group 1\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 1 },
	{ "\t\tdh-group 5\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 5 },
	{ "\t\tdh-group 14\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 14 },
	{ "\t\tdh-group 24\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 24 },
	{ "\t\tintegrity sha2-384\n", AUTH_HMAC_SHA2_384_192,
	  PRF_HMAC_SHA2_384, ENCR_AES_CBC, 128, 2 },
	{ "\t\tintegrity sha2-512\n", AUTH_HMAC_SHA2_512_256,
	  PRF_HMAC_SHA2_512, ENCR_AES_CBC, 128, 2 },
	{ "\t\tdh-group 15\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 15 },
	{ "\t\tdh-group 16\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 16 },
	{ "\t\tdh-group 19\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 19 },
	{ "\t\tdh-group 20\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 20 },
	{ "\t\tdh-group 21\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 21 },
	{ "\t\tdh-group 31\n", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1, ENCR_AES_CBC,
	  128, 31 },
	/* strongSwan's spelling of the same hashes */
	{ "\t\tintegrity sha256\n", AUTH_HMAC_SHA2_256_128,
	  PRF_HMAC_SHA2_256, ENCR_AES_CBC, 128, 2 },
	{ "\t\tintegrity sha384\n", AUTH_HMAC_SHA2_384_192,
	  PRF_HMAC_SHA2_384, ENCR_AES_CBC, 128, 2 },
	{ "\t\tintegrity sha512\n", AUTH_HMAC_SHA2_512_256,
	  PRF_HMAC_SHA2_512, ENCR_AES_CBC, 128, 2 },
	/* AEAD (RFC 5282, RFC 7634): no integrity transform, the integrity
	 * keyword names the PRF, in either line order */
	{ "\t\tencryption aes256gcm16\n\t\tintegrity sha2-384\n"
	  "\t\tdh-group 20\n", AUTH_NONE, PRF_HMAC_SHA2_384, ENCR_AES_GCM_16,
	  256, 20 },
	{ "\t\tintegrity sha256\n\t\tencryption aes128gcm8\n", AUTH_NONE,
	  PRF_HMAC_SHA2_256, ENCR_AES_GCM_8, 128, 2 },
	{ "\t\tencryption aes192gcm12\n", AUTH_NONE, PRF_HMAC_SHA1,
	  ENCR_AES_GCM_12, 192, 2 },
	{ "\t\tencryption chacha20poly1305\n\t\tdh-group 31\n", AUTH_NONE,
	  PRF_HMAC_SHA1, ENCR_CHACHA20_POLY1305, 0, 31 },
	/* IKEv1 takes the RFC 5903 groups and the SHA-2 hashes 5 and 6. */
	{ "\t\tversion 1\n\t\tintegrity sha2-512\n\t\tdh-group 21\n",
	  AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512, ENCR_AES_CBC, 128, 21 },
};

START_TEST(test_config_ike_values)
{
	struct config	*cfg;
	struct cfg_ike	*ike;
	char		 text[1024];

	snprintf(text, sizeof(text), "%s%s%s%s%s", BASE,
	    "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n\tike {\n", ike_value_vecs[_i].iv_line, "\t}\n", "}\n");
	cfg = parse_ok(text);
	ike = &cfg->cfg_tunnels[0].tn_ike;
	ck_assert_int_eq(ike->ike_integ, ike_value_vecs[_i].iv_integ);
	ck_assert_int_eq(ike->ike_prf, ike_value_vecs[_i].iv_prf);
	ck_assert_int_eq(ike->ike_encr, ike_value_vecs[_i].iv_encr);
	ck_assert_int_eq(ike->ike_encr_bits, ike_value_vecs[_i].iv_bits);
	ck_assert_int_eq(ike->ike_dh, ike_value_vecs[_i].iv_dh);
	config_free(cfg);
}
END_TEST

/*
 * test-short-lifetimes yes (lab soak tests): lifetimes from 10 s; it must
 * precede the tunnels; without it 3600 s stays the minimum.
 */
/* DPD settings and keyingtries: defaults (the product's 8 s / 13 s, hold,
 * 3 tries), values, and refusals. */
START_TEST(test_config_dpd)
{
	struct config		*cfg;
	const struct cfg_tunnel	*t;
	char			 err[512];

	cfg = parse_ok(BASE TN(""));
	t = &cfg->cfg_tunnels[0];
	ck_assert_uint_eq(t->tn_dpd_delay, 8);
	ck_assert_uint_eq(t->tn_dpd_timeout, 13);
	ck_assert_int_eq(t->tn_dpd_action, CFG_DPD_HOLD);
	ck_assert_int_eq(t->tn_keyingtries, 3);
	config_free(cfg);
	cfg = parse_ok(BASE TN("\tdpd-delay 30\n\tdpd-timeout 120\n"
	    "\tdpd-action restart\n\tkeyingtries 5\n"));
	t = &cfg->cfg_tunnels[0];
	ck_assert_uint_eq(t->tn_dpd_delay, 30);
	ck_assert_uint_eq(t->tn_dpd_timeout, 120);
	ck_assert_int_eq(t->tn_dpd_action, CFG_DPD_RESTART);
	ck_assert_str_eq(cfg_dpd_action_name(t->tn_dpd_action), "restart");
	ck_assert_int_eq(t->tn_keyingtries, 5);
	config_free(cfg);
	cfg = parse_ok(BASE TN("\tdpd-delay 0\n\tdpd-action clear\n"));
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_dpd_delay, 0);
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_dpd_action, CFG_DPD_CLEAR);
	config_free(cfg);
	ck_assert_ptr_null(parse(BASE TN("\tdpd-action none\n"), err,
	    sizeof(err)));
	ck_assert_str_eq(err, E "13: unknown dpd-action \"none\" (use hold, "
	    "restart or clear)");
	ck_assert_ptr_null(parse(BASE TN("\tdpd-timeout 0\n"), err,
	    sizeof(err)));
	ck_assert_str_eq(err, E "13: invalid dpd-timeout \"0\" (use 1 to "
	    "3600 seconds)");
	ck_assert_ptr_null(parse(BASE TN("\tdpd-delay 8s\n"), err,
	    sizeof(err)));
	ck_assert_str_eq(err, E "13: invalid dpd-delay \"8s\" (use 0 to 3600 "
	    "seconds; 0 turns DPD off)");
	ck_assert_ptr_null(parse(BASE TN("\tkeyingtries 0\n"), err,
	    sizeof(err)));
	ck_assert_str_eq(err, E "13: invalid keyingtries \"0\" (use 1 to "
	    "100)");
}
END_TEST

/*
 * child-sa: one CHILD SA per segment pair (default) or one for all
 * segments; single is refused with IKEv1, on its own line, whichever
 * comes first (a Quick Mode carries one ID pair, RFC 2409 §5.5).
 */
static const struct {
	const char	*cv_text;
	int		 cv_single;	/* -1: refused with cv_err */
	const char	*cv_err;
} child_vecs[] = {
	{ BASE TN(""), 0, NULL },
	{ BASE TN("\tchild-sa per-pair\n"), 0, NULL },
	{ BASE TN("\tchild-sa single\n"), 1, NULL },
	{ BASE TN("\tchild-sa single\n" IKE("\t\tversion 2\n")), 1, NULL },
	{ BASE TN("\tchild-sa per-pair\n" IKE("\t\tversion 1\n")), 0, NULL },
	{ BASE TN("\tchild-sa one\n"), -1,
	  E "13: unknown child-sa \"one\" (use per-pair or single)" },
	{ BASE TN("\tchild-sa single\n" IKE("\t\tversion 1\n")), -1,
	  E "13: child-sa single needs ike version 2 (an IKEv1 Quick Mode "
	  "carries one pair of segments; use child-sa per-pair or set "
	  "\"version 2\")" },
	{ BASE TN(IKE("\t\tversion 1\n") "\tchild-sa single\n"), -1,
	  E "16: child-sa single needs ike version 2 (an IKEv1 Quick Mode "
	  "carries one pair of segments; use child-sa per-pair or set "
	  "\"version 2\")" },
};

START_TEST(test_config_child_sa)
{
	struct config	*cfg;
	char		 err[512];

	if (child_vecs[_i].cv_single >= 0) {
		cfg = parse_ok(child_vecs[_i].cv_text);
		ck_assert_int_eq(cfg->cfg_tunnels[0].tn_child_single,
		    child_vecs[_i].cv_single);
		config_free(cfg);
		return;
	}
	ck_assert_ptr_null(parse(child_vecs[_i].cv_text, err, sizeof(err)));
	ck_assert_str_eq(err, child_vecs[_i].cv_err);
}
END_TEST

START_TEST(test_config_short_lifetimes)
{
	struct config	*cfg;
	char		 err[512];

	cfg = parse_ok("test-short-lifetimes yes\n" BASE
	    TN(IKE("\t\tlifetime 45\n") IPSEC("\t\tlifetime 20\n")));
	ck_assert_int_eq(cfg->cfg_test_short_life, 1);
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ike.ike_lifetime, 45);
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_lifetime, 20);
	config_free(cfg);
	ck_assert_ptr_null(parse("test-short-lifetimes yes\n" BASE
	    TN(IPSEC("\t\tlifetime 9\n")), err, sizeof(err)));
	ck_assert_str_eq(err, E "15: invalid ipsec lifetime \"9\" (use 10 to "
	    "86400 seconds)");
	ck_assert_ptr_null(parse(BASE TN(IPSEC("\t\tlifetime 20\n")), err,
	    sizeof(err)));
	ck_assert_str_eq(err, E "14: invalid ipsec lifetime \"20\" (use 3600 "
	    "to 86400 seconds)");
	ck_assert_ptr_null(parse(BASE TN("") "test-short-lifetimes yes\n",
	    err, sizeof(err)));
	ck_assert_str_eq(err, E "14: test-short-lifetimes must come before "
	    "the first tunnel block");
	ck_assert_ptr_null(parse("test-short-lifetimes maybe\n", err,
	    sizeof(err)));
	ck_assert_str_eq(err, E "1: test-short-lifetimes \"maybe\": use yes "
	    "or no");
}
END_TEST

/*
 * ipsec lifetime-bytes / lifetime-packets: hard volume limits per kernel
 * SA, from 1 MiB / 1000 packets (10240 bytes / 10 packets with
 * test-short-lifetimes yes) to 10^18; anything else is refused with the
 * line, the value and the range.
 */
START_TEST(test_config_volume_lifetimes)
{
	struct config	*cfg;
	char		 err[512];
	static const struct {
		const char	*line;
		const char	*what;
	} bad[] = {
		{ "lifetime-bytes 1048575", "lifetime-bytes \"1048575\"" },
		{ "lifetime-bytes 0", "lifetime-bytes \"0\"" },
		{ "lifetime-bytes 100k", "lifetime-bytes \"100k\"" },
		{ "lifetime-bytes -5000000", "lifetime-bytes \"-5000000\"" },
		{ "lifetime-bytes 1000000000000000001",
		  "lifetime-bytes \"1000000000000000001\"" },
		{ "lifetime-bytes 99999999999999999999",
		  "lifetime-bytes \"99999999999999999999\"" },
		{ "lifetime-bytes 18446744073709551616",
		  "lifetime-bytes \"18446744073709551616\"" },
		{ "lifetime-packets 999", "lifetime-packets \"999\"" },
		{ "lifetime-packets 1e6", "lifetime-packets \"1e6\"" },
	};
	char		 text[1024], want[512];
	size_t		 i;
	int		 bytes;

	cfg = parse_ok(BASE TN(IPSEC("\t\tlifetime-bytes 4718592000\n"
	    "\t\tlifetime-packets 1000000\n")));
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_life_bytes,
	    4718592000ULL);
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_life_packets,
	    1000000);
	config_free(cfg);
	cfg = parse_ok(BASE TN(IPSEC("\t\tlifetime-bytes "
	    "1000000000000000000\n\t\tlifetime-packets 1000\n")));
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_life_bytes,
	    1000000000000000000ULL);
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_life_packets,
	    1000);
	config_free(cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), BASE TN(IPSEC("\t\t%s\n")),
		    bad[i].line);
		ck_assert_ptr_null(parse(text, err, sizeof(err)));
		bytes = strncmp(bad[i].line, "lifetime-bytes", 14) == 0;
		snprintf(want, sizeof(want), E "14: invalid ipsec %s (use a "
		    "number of %s from %s to 1000000000000000000; without the "
		    "line there is no limit; smaller limits only with "
		    "test-short-lifetimes yes)", bad[i].what,
		    bytes ? "bytes" : "packets", bytes ? "1048576" : "1000");
		ck_assert_str_eq(err, want);
	}
	/* given twice */
	ck_assert_ptr_null(parse(BASE TN(IPSEC("\t\tlifetime-bytes 2000000\n"
	    "\t\tlifetime-bytes 3000000\n")), err, sizeof(err)));
	ck_assert_msg(strstr(err, "15: \"lifetime-bytes\" is given twice") !=
	    NULL, "%s", err);
	/* test-short-lifetimes yes: the lab's small limits */
	cfg = parse_ok("test-short-lifetimes yes\n" BASE
	    TN(IPSEC("\t\tlifetime-bytes 10240\n\t\tlifetime-packets 10\n")));
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_life_bytes, 10240);
	ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_life_packets, 10);
	config_free(cfg);
	ck_assert_ptr_null(parse("test-short-lifetimes yes\n" BASE
	    TN(IPSEC("\t\tlifetime-bytes 10239\n")), err, sizeof(err)));
	ck_assert_str_eq(err, E "15: invalid ipsec lifetime-bytes \"10239\" "
	    "(use a number of bytes from 10240 to 1000000000000000000; without "
	    "the line there is no limit)");
	ck_assert_ptr_null(parse("test-short-lifetimes yes\n" BASE
	    TN(IPSEC("\t\tlifetime-packets 9\n")), err, sizeof(err)));
	ck_assert_str_eq(err, E "15: invalid ipsec lifetime-packets \"9\" "
	    "(use a number of packets from 10 to 1000000000000000000; without "
	    "the line there is no limit)");
}
END_TEST

START_TEST(test_config_ike_ids)
{
	struct config	*cfg;
	struct cfg_ike	*ike;

	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n\t\tmode aggressive\n"
	    "\t\tlocal-id 192.0.2.7\n\t\tpeer-id Gw-2.Example.com\n"
	    "\t\tlifetime 3600\n")));
	ike = &cfg->cfg_tunnels[0].tn_ike;
	ck_assert_int_eq(ike->ike_version, 1);
	ck_assert_int_eq(ike->ike_mode, CFG_IKE_AGGRESSIVE);
	ck_assert_int_eq(ike->ike_local_id.id_type, CFG_ID_IPV4);
	addr_eq(ike->ike_local_id.id_addr, "192.0.2.7");
	ck_assert_str_eq(ike->ike_local_id.id_value, "192.0.2.7");
	ck_assert_int_eq(ike->ike_peer_id.id_type, CFG_ID_FQDN);
	ck_assert_str_eq(ike->ike_peer_id.id_value, "Gw-2.Example.com");
	ck_assert_uint_eq(ike->ike_lifetime, 3600);
	config_free(cfg);

	/* One 63-character label and a single-label name are FQDNs. */
	cfg = parse_ok(BASE TN(IKE("\t\tlocal-id "
	    "a123456789b123456789c123456789d123456789e123456789f123456789g12"
	    ".com\n\t\tpeer-id gw2\n")));
	ike = &cfg->cfg_tunnels[0].tn_ike;
	ck_assert_int_eq(ike->ike_local_id.id_type, CFG_ID_FQDN);
	ck_assert_int_eq(ike->ike_peer_id.id_type, CFG_ID_FQDN);
	ck_assert_str_eq(ike->ike_peer_id.id_value, "gw2");
	config_free(cfg);
}
END_TEST

#define LABEL63	"a123456789b123456789c123456789d123456789e123456789" \
	"f123456789g12"

START_TEST(test_config_ike_fqdn_length)
{
	struct text	 t = { NULL, 0 };
	struct config	*cfg;

	/* 3 labels of 63 + 61 + 3 dots = 253: the longest FQDN. */
	text_add(&t, "%s", BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n\tike {\n\t\tpeer-id " LABEL63 "." LABEL63 "." LABEL63
	    "." "b123456789c123456789d123456789e123456789f123456789g123456789x"
	    "\n\t}\n}\n");
	cfg = parse_ok(t.t_s);
	ck_assert_uint_eq(strlen(
	    cfg->cfg_tunnels[0].tn_ike.ike_peer_id.id_value), 253);
	config_free(cfg);
	free(t.t_s);
	t.t_s = NULL;
	t.t_len = 0;
	/* One more character is too long. */
	text_add(&t, "%s", BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n\tike {\n\t\tpeer-id " LABEL63 "." LABEL63 "." LABEL63
	    "." "b123456789c123456789d123456789e123456789f123456789g123456789xy"
	    "\n\t}\n}\n");
	expect_err(t.t_s, E "14: invalid ike peer-id \"" LABEL63 ".\" (use an "
	    "IPv4 address or an FQDN: letters, digits and '-' in dot-separated "
	    "labels of 1 to 63 characters, 253 at most)");
	free(t.t_s);
}
END_TEST

/* --- ipsec block --- */

static const struct err_vec ipsec_vecs[] = {
	{ BASE TN(IPSEC("\t\tprotocol gre\n")),
	  E "14: unknown ipsec protocol \"gre\" (use esp or ah)" },
	{ BASE TN(IPSEC("\t\tintegrity sha2-224\n")),
	  E "14: unknown ipsec integrity \"sha2-224\" (use md5, sha1, "
	  "sha2-256, sha2-384 or sha2-512 (or sha256, sha384, sha512))" },
	{ BASE TN(IPSEC("\t\tencryption blowfish\n")),
	  E "14: unknown ipsec encryption \"blowfish\" (use 3des, aes128, "
	  "aes192, aes256, aes128gcm16, aes192gcm16, aes256gcm16 (or gcm12, "
	  "gcm8) or chacha20poly1305)" },
	/* ESP with an AEAD has no integrity (RFC 4106 §8.2), either order */
	{ BASE TN(IPSEC("\t\tencryption aes128gcm16\n\t\tintegrity sha1\n")),
	  E "15: ipsec integrity cannot be used with encryption aes128gcm16 "
	  "(an AEAD cipher authenticates the packets itself; remove the "
	  "integrity line)" },
	{ BASE TN(IPSEC("\t\tintegrity sha256\n"
	  "\t\tencryption chacha20poly1305\n")),
	  E "14: ipsec integrity cannot be used with encryption "
	  "chacha20poly1305 (an AEAD cipher authenticates the packets itself; "
	  "remove the integrity line)" },
	{ BASE TN(IPSEC("\t\tprotocol ah\n\t\tencryption aes256gcm16\n")),
	  E "15: ipsec encryption cannot be used with protocol ah (AH does not "
	  "encrypt; remove the encryption line or use protocol esp)" },
	{ BASE TN(IPSEC("\t\tpfs 3\n")),
	  E "14: unknown ipsec pfs \"3\" (use 1, 2, 5, 14, 15, 16, 19, 20, 21, "
	  "24, 31 or disable)" },
	{ BASE TN(IPSEC("\t\tpfs no\n")),
	  E "14: unknown ipsec pfs \"no\" (use 1, 2, 5, 14, 15, 16, 19, 20, "
	  "21, 24, 31 or disable)" },
	{ BASE TN(IPSEC("\t\tlifetime 100\n")),
	  E "14: invalid ipsec lifetime \"100\" (use 3600 to 86400 seconds)" },
	{ BASE TN(IPSEC("\t\tprotocol ah\n\t\tencryption aes128\n")),
	  E "15: ipsec encryption cannot be used with protocol ah (AH does not "
	  "encrypt; remove the encryption line or use protocol esp)" },
	{ BASE TN(IPSEC("\t\tencryption 3des\n\t\tprotocol ah\n")),
	  E "14: ipsec encryption cannot be used with protocol ah (AH does not "
	  "encrypt; remove the encryption line or use protocol esp)" },
	/* replay-window and esn */
	{ BASE TN(IPSEC("\t\treplay-window 4097\n")),
	  E "14: invalid replay-window \"4097\" (use 0 to 4096 packets; 0 "
	  "turns the replay check off)" },
	{ BASE TN(IPSEC("\t\treplay-window -1\n")),
	  E "14: invalid replay-window \"-1\" (use 0 to 4096 packets; 0 "
	  "turns the replay check off)" },
	{ BASE TN(IPSEC("\t\treplay-window 64k\n")),
	  E "14: invalid replay-window \"64k\" (use 0 to 4096 packets; 0 "
	  "turns the replay check off)" },
	{ BASE TN(IPSEC("\t\treplay-window 64\n\t\treplay-window 128\n")),
	  E "15: \"replay-window\" is given twice in the ipsec block of "
	  "tunnel \"t1\" (keep one)" },
	{ BASE TN(IPSEC("\t\tesn on\n")),
	  E "14: invalid esn value \"on\" (use yes, no or either)" },
	{ BASE TN(IPSEC("\t\tesn yes\n\t\tesn no\n")),
	  E "15: \"esn\" is given twice in the ipsec block of tunnel \"t1\" "
	  "(keep one)" },
	/* the kernel refuses ESN without a window */
	{ BASE TN(IPSEC("\t\treplay-window 0\n\t\tesn yes\n")),
	  E "14: replay-window 0 cannot be used with esn yes (with extended "
	  "sequence numbers the receiver needs a window to infer the high 32 "
	  "bits; set replay-window 1 to 4096, or esn no)" },
	{ BASE TN(IPSEC("\t\tesn either\n\t\treplay-window 0\n")),
	  E "15: replay-window 0 cannot be used with esn either (with extended "
	  "sequence numbers the receiver needs a window to infer the high 32 "
	  "bits; set replay-window 1 to 4096, or esn no)" },
};

START_TEST(test_config_ipsec_errors)
{
	expect_err(ipsec_vecs[_i].ev_text, ipsec_vecs[_i].ev_err);
}
END_TEST

static const struct {
	const char	*pv_body;
	int		 pv_proto, pv_integ, pv_encr, pv_bits, pv_pfs;
	uint32_t	 pv_life;
} ipsec_value_vecs[] = {
	{ "\t\tprotocol ah\n", IPPROTO_AH, AUTH_HMAC_SHA1_96, 0, 0, 2, 86400 },
	{ "\t\tprotocol ah\n\t\tintegrity md5\n\t\tpfs disable\n", IPPROTO_AH,
	  AUTH_HMAC_MD5_96, 0, 0, 0, 86400 },
	{ "\t\tprotocol esp\n\t\tencryption 3des\n", IPPROTO_ESP,
	  AUTH_HMAC_SHA1_96, ENCR_3DES, 0, 2, 86400 },
	{ "\t\tencryption aes256\n\t\tpfs 14\n\t\tlifetime 28800\n",
	  IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 256, 14, 28800 },
	{ "\t\tencryption aes192\n\t\tintegrity md5\n\t\tpfs 24\n",
	  IPPROTO_ESP, AUTH_HMAC_MD5_96, ENCR_AES_CBC, 192, 24, 86400 },
	{ "\t\tpfs 1\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128, 1,
	  86400 },
	{ "\t\tpfs 5\n\t\tlifetime 86400\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96,
	  ENCR_AES_CBC, 128, 5, 86400 },
	{ "\t\tpfs 15\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128,
	  15, 86400 },
	{ "\t\tpfs 16\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128,
	  16, 86400 },
	{ "\t\tpfs 19\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128,
	  19, 86400 },
	{ "\t\tpfs 20\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128,
	  20, 86400 },
	{ "\t\tpfs 21\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128,
	  21, 86400 },
	{ "\t\tpfs 31\n", IPPROTO_ESP, AUTH_HMAC_SHA1_96, ENCR_AES_CBC, 128,
	  31, 86400 },
	/* RFC 4868 integrity for ESP and AH */
	{ "\t\tintegrity sha2-256\n", IPPROTO_ESP, AUTH_HMAC_SHA2_256_128,
	  ENCR_AES_CBC, 128, 2, 86400 },
	{ "\t\tintegrity sha384\n\t\tencryption aes256\n", IPPROTO_ESP,
	  AUTH_HMAC_SHA2_384_192, ENCR_AES_CBC, 256, 2, 86400 },
	{ "\t\tprotocol ah\n\t\tintegrity sha2-512\n", IPPROTO_AH,
	  AUTH_HMAC_SHA2_512_256, 0, 0, 2, 86400 },
	/* AEAD: no integrity transform */
	{ "\t\tencryption aes256gcm16\n\t\tpfs 20\n", IPPROTO_ESP,
	  AUTH_NONE, ENCR_AES_GCM_16, 256, 20, 86400 },
	{ "\t\tencryption aes128gcm12\n", IPPROTO_ESP, AUTH_NONE,
	  ENCR_AES_GCM_12, 128, 2, 86400 },
	{ "\t\tencryption aes192gcm8\n", IPPROTO_ESP, AUTH_NONE,
	  ENCR_AES_GCM_8, 192, 2, 86400 },
	{ "\t\tencryption chacha20poly1305\n\t\tpfs 31\n", IPPROTO_ESP,
	  AUTH_NONE, ENCR_CHACHA20_POLY1305, 0, 31, 86400 },
};

/* IKEv1 Quick Mode takes AES-GCM (RFC 4106 §8.1) and HMAC-SHA2 for ESP
 * and AH (RFC 4868 §2.1). */
START_TEST(test_config_v1_quick_algs)
{
	struct config		*cfg;
	struct cfg_ipsec	*ips;

	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n")
	    IPSEC("\t\tencryption aes256gcm12\n\t\tpfs 14\n")));
	ips = &cfg->cfg_tunnels[0].tn_ipsec;
	ck_assert_int_eq(ips->ips_encr, ENCR_AES_GCM_12);
	ck_assert_int_eq(ips->ips_encr_bits, 256);
	ck_assert_int_eq(ips->ips_integ, AUTH_NONE);
	config_free(cfg);
	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n")
	    IPSEC("\t\tintegrity sha2-512\n")));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_integ,
	    AUTH_HMAC_SHA2_512_256);
	config_free(cfg);
	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n")
	    IPSEC("\t\tprotocol ah\n\t\tintegrity sha384\n")));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_integ,
	    AUTH_HMAC_SHA2_384_192);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_ipsec_values)
{
	struct config		*cfg;
	struct cfg_ipsec	*ips;
	char			 text[1024];

	snprintf(text, sizeof(text), "%s%s%s%s", BASE,
	    "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk k\n\tipsec {\n", ipsec_value_vecs[_i].pv_body, "\t}\n}\n");
	cfg = parse_ok(text);
	ips = &cfg->cfg_tunnels[0].tn_ipsec;
	ck_assert_int_eq(ips->ips_proto, ipsec_value_vecs[_i].pv_proto);
	ck_assert_int_eq(ips->ips_integ, ipsec_value_vecs[_i].pv_integ);
	ck_assert_int_eq(ips->ips_encr, ipsec_value_vecs[_i].pv_encr);
	ck_assert_int_eq(ips->ips_encr_bits, ipsec_value_vecs[_i].pv_bits);
	ck_assert_int_eq(ips->ips_pfs, ipsec_value_vecs[_i].pv_pfs);
	ck_assert_uint_eq(ips->ips_lifetime, ipsec_value_vecs[_i].pv_life);
	config_free(cfg);
}
END_TEST

/* replay-window and esn: their values, and their pairs that load. */
START_TEST(test_config_replay_esn)
{
	static const struct {
		const char	*re_body;
		uint32_t	 re_window;
		int		 re_esn;
	} vecs[] = {
		{ "", 32, CFG_ESN_NO },
		{ "\t\treplay-window 0\n", 0, CFG_ESN_NO },
		{ "\t\treplay-window 0\n\t\tesn no\n", 0, CFG_ESN_NO },
		{ "\t\treplay-window 4096\n", 4096, CFG_ESN_NO },
		{ "\t\tesn yes\n", 32, CFG_ESN_YES },
		{ "\t\tesn either\n\t\treplay-window 1\n", 1, CFG_ESN_EITHER },
		{ "\t\tprotocol ah\n\t\tesn yes\n\t\treplay-window 128\n",
		  128, CFG_ESN_YES },
	};
	struct config		*cfg;
	char			 text[1024];
	size_t			 i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		snprintf(text, sizeof(text), "%s%s%s%s", BASE,
		    "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
		    "\tlocal-segment 172.16.0.0/24\n"
		    "\tpeer-segment 10.0.0.0/12\n\tpsk k\n\tipsec {\n",
		    vecs[i].re_body, "\t}\n}\n");
		cfg = parse_ok(text);
		ck_assert_uint_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_replay_window,
		    vecs[i].re_window);
		ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_esn,
		    vecs[i].re_esn);
		config_free(cfg);
	}
	ck_assert_str_eq(cfg_esn_name(CFG_ESN_NO), "no");
	ck_assert_str_eq(cfg_esn_name(CFG_ESN_YES), "yes");
	ck_assert_str_eq(cfg_esn_name(CFG_ESN_EITHER), "either");
}
END_TEST

/* --- IKEv1 main mode with any peer --- */

#define ANYBASE	GW1 "peer any {\n\taddress 0.0.0.0\n}\n" \
	"peer any2 {\n\taddress 0.0.0.0\n}\n"	/* lines 1-9 */
#define V1TN(name, peer, seg, psk, mode) "tunnel " name " {\n" \
	"\tgateway gw1\n\tpeer " peer "\n\tlocal-segment " seg "\n" \
	"\tpeer-segment 10.0.0.0/12\n\tpsk " psk "\n" \
	"\tike {\n\t\tversion 1\n\t\tmode " mode "\n\t}\n}\n" /* 11 lines */

START_TEST(test_config_v1_any_psk)
{
	struct config	*cfg;

	expect_err(ANYBASE V1TN("a", "any", "172.16.0.0/24", "key1", "main")
	    V1TN("b", "any2", "172.16.1.0/24", "key2", "main"),
	    E "21: tunnels \"a\" and \"b\" on gateway \"gw1\" both accept any "
	    "peer (0.0.0.0) with IKEv1 main mode but have different PSKs; main "
	    "mode can only choose the PSK by the peer's address (use \"mode "
	    "aggressive\" or the same psk)");
	/* Same length, different key. */
	expect_err(ANYBASE V1TN("a", "any", "172.16.0.0/24", "key1", "main")
	    V1TN("b", "any", "172.16.1.0/24", "key2", "main"),
	    E "21: tunnels \"a\" and \"b\" on gateway \"gw1\" both accept any "
	    "peer (0.0.0.0) with IKEv1 main mode but have different PSKs; main "
	    "mode can only choose the PSK by the peer's address (use \"mode "
	    "aggressive\" or the same psk)");
	/* One PSK: fine. */
	cfg = parse_ok(ANYBASE V1TN("a", "any", "172.16.0.0/24", "key1", "main")
	    V1TN("b", "any2", "172.16.1.0/24", "key1", "main"));
	config_free(cfg);
	/* Aggressive mode carries the ID in clear: fine. */
	cfg = parse_ok(ANYBASE V1TN("a", "any", "172.16.0.0/24", "key1", "main")
	    V1TN("b", "any2", "172.16.1.0/24", "key2", "aggressive"));
	config_free(cfg);
	/* A known peer address selects its PSK: fine. */
	cfg = parse_ok(ANYBASE PEER2
	    V1TN("a", "any", "172.16.0.0/24", "key1", "main")
	    V1TN("b", "gw2", "172.16.1.0/24", "key2", "main"));
	config_free(cfg);
	/* IKEv2 is not concerned. */
	cfg = parse_ok(ANYBASE "tunnel a {\n\tgateway gw1\n\tpeer any\n"
	    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk key1\n}\n" "tunnel b {\n\tgateway gw1\n\tpeer any2\n"
	    "\tlocal-segment 172.16.1.0/24\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk key2\n}\n");
	config_free(cfg);
}
END_TEST

/* --- files --- */

START_TEST(test_config_load_example)
{
	struct config		*cfg;
	struct cfg_tunnel	*t;
	char			 err[512];

	cfg = config_load(DOC_DIR "/gatewayd.conf.example", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->cfg_path, DOC_DIR "/gatewayd.conf.example");
	ck_assert_str_eq(cfg->cfg_ctl_socket, "/run/gatewayd.sock");
	ck_assert_int_eq(cfg->cfg_log_level, LOG_LVL_INFO);
	ck_assert_str_eq(cfg->cfg_keylog_dir, "/var/lib/gatewayd/keys");
	ck_assert_int_eq(cfg->cfg_ngateways, 1);
	ck_assert_str_eq(cfg->cfg_gateways[0].gw_name, "gw1");
	addr_eq(cfg->cfg_gateways[0].gw_addr, "198.51.100.1");
	ck_assert_int_eq(cfg->cfg_gateways[0].gw_nsegments, 1);
	prefix_eq(&cfg->cfg_gateways[0].gw_segments[0], "172.16.0.0/24");
	ck_assert_int_eq(cfg->cfg_npeers, 1);
	addr_eq(cfg->cfg_peers[0].pr_addr, "198.51.100.2");
	ck_assert_int_eq(cfg->cfg_ntunnels, 1);
	t = config_tunnel_find(cfg, "vpc1-vpc2");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_eq(t->tn_gw, &cfg->cfg_gateways[0]);
	ck_assert_ptr_eq(t->tn_peer, &cfg->cfg_peers[0]);
	ck_assert_int_eq(t->tn_nlocal, 1);
	prefix_eq(&t->tn_local[0], "172.16.0.0/24");
	ck_assert_int_eq(t->tn_nremote, 1);
	prefix_eq(&t->tn_remote[0], "10.0.0.0/12");
	ck_assert_str_eq(t->tn_psk, "Secr3t!key");
	ck_assert_uint_eq(t->tn_psk_len, 10);
	ck_assert_int_eq(t->tn_initiate, 1);
	ck_assert_int_eq(t->tn_ike.ike_version, 2);
	ck_assert_int_eq(t->tn_ike.ike_mode, CFG_IKE_MAIN);
	ck_assert_int_eq(t->tn_ike.ike_integ, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(t->tn_ike.ike_prf, PRF_HMAC_SHA1);
	ck_assert_int_eq(t->tn_ike.ike_encr, ENCR_AES_CBC);
	ck_assert_int_eq(t->tn_ike.ike_encr_bits, 128);
	ck_assert_int_eq(t->tn_ike.ike_dh, DH_MODP_1024);
	ck_assert_int_eq(t->tn_ike.ike_local_id.id_type, CFG_ID_IPV4);
	addr_eq(t->tn_ike.ike_local_id.id_addr, "198.51.100.1");
	ck_assert_int_eq(t->tn_ike.ike_peer_id.id_type, CFG_ID_IPV4);
	addr_eq(t->tn_ike.ike_peer_id.id_addr, "198.51.100.2");
	ck_assert_uint_eq(t->tn_ike.ike_lifetime, 86400);
	ck_assert_int_eq(t->tn_ipsec.ips_proto, IPPROTO_ESP);
	ck_assert_int_eq(t->tn_ipsec.ips_integ, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(t->tn_ipsec.ips_encr, ENCR_AES_CBC);
	ck_assert_int_eq(t->tn_ipsec.ips_encr_bits, 128);
	ck_assert_int_eq(t->tn_ipsec.ips_pfs, DH_MODP_1024);
	ck_assert_uint_eq(t->tn_ipsec.ips_lifetime, 86400);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_load_errors)
{
	struct config	*cfg;
	char		 err[512], path[] = "/tmp/check_config.XXXXXX";
	char		 want[600];
	int		 fd;
	static const char text[] = GW1 "peer gw2 {\n\taddress 300.1.1.1\n}\n";

	cfg = config_load("/nonexistent/gatewayd.conf", err, sizeof(err));
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(err, "/nonexistent/gatewayd.conf: cannot read: No "
	    "such file or directory");
	cfg = config_load("/", err, sizeof(err));
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(err, "/: cannot read: Is a directory");

	/* Errors name the file as given. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1),
	    (int)sizeof(text) - 1);
	close(fd);
	cfg = config_load(path, err, sizeof(err));
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "%s:5: invalid peer address \"300.1.1.1\" "
	    "(use an IPv4 address, or 0.0.0.0 for any peer)", path);
	ck_assert_str_eq(err, want);

	/* A NUL byte is not text. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "log-level info\n\0\n", 17), 17);
	close(fd);
	cfg = config_load(path, err, sizeof(err));
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "%s: contains a NUL byte (is it a text "
	    "file?)", path);
	ck_assert_str_eq(err, want);
	unlink(path);

	/* A short error buffer truncates without overflowing. */
	cfg = parse("foo\n", err, 12);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(err, "gatewayd.co");
}
END_TEST

/*
 * Issue 11: the kernel's policy hash thresholds follow the most common
 * prefix length of each side's segments (ties: the shorter); below 16
 * bits, or without tunnels, the kernel's default 32.
 */
START_TEST(test_config_hash_bits)
{
	struct config	*cfg;
	int		 l, r;

	cfg = parse_ok(GW1 PEER2);
	config_hash_bits(cfg, &l, &r);
	ck_assert_int_eq(l, 32);
	ck_assert_int_eq(r, 32);
	config_free(cfg);
	/* local: /24 x 2, /16 x 1; peer: /12 (below 16) */
	cfg = parse_ok(BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/24\n\tlocal-segment 172.16.1.0/24\n"
	    "\tlocal-segment 172.17.0.0/16\n\tpeer-segment 10.0.0.0/12\n"
	    "\tpsk Secr3t!key\n}\n");
	config_hash_bits(cfg, &l, &r);
	ck_assert_int_eq(l, 24);
	ck_assert_int_eq(r, 32);
	config_free(cfg);
	/* over two tunnels; a tie (/20 and /24 once each) takes /20 */
	cfg = parse_ok(BASE "tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.0.0/28\n\tpeer-segment 10.0.0.0/20\n"
	    "\tpsk Secr3t!key\n}\n"
	    "tunnel t2 {\n\tgateway gw1\n\tpeer gw2\n"
	    "\tlocal-segment 172.16.1.0/28\n\tpeer-segment 10.1.0.0/24\n"
	    "\tpsk Secr3t!key\n}\n");
	config_hash_bits(cfg, &l, &r);
	ck_assert_int_eq(l, 28);
	ck_assert_int_eq(r, 20);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_prefix_str)
{
	struct cfg_prefix	 p;
	char			 s[32];

	inet_pton(AF_INET, "255.255.255.255", &p.pf_addr);
	p.pf_plen = 32;
	cfg_prefix_str(&p, s, sizeof(s));
	ck_assert_str_eq(s, "255.255.255.255/32");
	ck_assert_uint_lt(strlen(s), 19);
	inet_pton(AF_INET, "0.0.0.0", &p.pf_addr);
	p.pf_plen = 0;
	cfg_prefix_str(&p, s, sizeof(s));
	ck_assert_str_eq(s, "0.0.0.0/0");
}
END_TEST

#define NVEC(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* --- proposal lists (issue 9) --- */

/* A suite as "encr/bits/integ/prf/dh" for comparisons. */
static void
prop_str(const struct cfg_prop *cp, char *out, size_t len)
{
	snprintf(out, len, "%d/%d/%d/%d/%d", cp->cp_encr, cp->cp_encr_bits,
	    cp->cp_integ, cp->cp_prf, cp->cp_dh);
}

static const struct {
	const char	*lv_ike;	/* ike block body */
	const char	*lv_want;	/* the suites, ";"-joined */
} ike_list_vecs[] = {
	/* strongSwan's syntax: one suite each */
	{ "\t\tproposals aes256gcm16-prfsha384-ecp384, aes128-sha1-modp2048\n",
	  "20/256/0/6/20;12/128/2/2/14;" },
	/* several algorithms in one proposal: every combination, in the
	 * order written; the PRF follows each integrity algorithm */
	{ "\t\tproposals aes256-aes128-sha256-sha1-modp2048\n",
	  "12/256/12/5/14;12/256/2/2/14;12/128/12/5/14;12/128/2/2/14;" },
	/* an explicit PRF; x25519 and curve25519 are the same group */
	{ "\t\tproposals aes128-sha256-prfsha512-x25519,"
	  "chacha20poly1305-prfsha256-curve25519\n",
	  "12/128/12/7/31;28/0/0/5/31;" },
	/* multi-valued keywords: encryption x integrity x dh-group */
	{ "\t\tencryption aes256 aes128\n\t\tdh-group 14 2\n",
	  "12/256/2/2/14;12/256/2/2/2;12/128/2/2/14;12/128/2/2/2;" },
	/* with an AEAD, integrity names the PRF only (RFC 5282 §8) */
	{ "\t\tencryption aes256gcm16 aes128\n\t\tintegrity sha256\n"
	  "\t\tdh-group 19\n",
	  "20/256/0/5/19;12/128/12/5/19;" },
	/* a repeated suite is sent once */
	{ "\t\tproposals aes128-sha1-modp1024, aes128-sha1-modp1024\n",
	  "12/128/2/2/2;" },
};

START_TEST(test_config_ike_lists)
{
	struct config	*cfg;
	struct cfg_ike	*ike;
	char		 text[2048], got[512], one[64];
	int		 i;

	snprintf(text, sizeof(text), BASE "tunnel t1 {\n\tgateway gw1\n"
	    "\tpeer gw2\n\tlocal-segment 172.16.0.0/24\n"
	    "\tpeer-segment 10.0.0.0/12\n\tpsk k\n\tike {\n%s\t}\n}\n",
	    ike_list_vecs[_i].lv_ike);
	cfg = parse_ok(text);
	ike = &cfg->cfg_tunnels[0].tn_ike;
	got[0] = '\0';
	for (i = 0; i < ike->ike_nprops; i++) {
		prop_str(&ike->ike_props[i], one, sizeof(one));
		strncat(got, one, sizeof(got) - strlen(got) - 1);
		strncat(got, ";", sizeof(got) - strlen(got) - 1);
	}
	ck_assert_str_eq(got, ike_list_vecs[_i].lv_want);
	/* the single fields hold the first suite */
	ck_assert_int_eq(ike->ike_encr, ike->ike_props[0].cp_encr);
	ck_assert_int_eq(ike->ike_encr_bits, ike->ike_props[0].cp_encr_bits);
	ck_assert_int_eq(ike->ike_integ, ike->ike_props[0].cp_integ);
	ck_assert_int_eq(ike->ike_prf, ike->ike_props[0].cp_prf);
	ck_assert_int_eq(ike->ike_dh, ike->ike_props[0].cp_dh);
	config_free(cfg);
}
END_TEST

/* The seed's keywords, one value each: no list, the fields as ever. */
START_TEST(test_config_single_no_list)
{
	struct config	*cfg;

	cfg = parse_ok(BASE TN(IKE("\t\tencryption aes256\n"
	    "\t\tintegrity sha256\n\t\tdh-group 14\n")
	    IPSEC("\t\tencryption aes128\n\t\tintegrity sha1\n")));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ike.ike_nprops, 0);
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_nprops, 0);
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ike.ike_encr_bits, 256);
	config_free(cfg);
}
END_TEST

/* IKEv1 takes lists in both blocks; Main Mode suites may differ in
 * group, Aggressive Mode ones sharing a group are accepted too. */
START_TEST(test_config_v1_lists)
{
	struct config	*cfg;

	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n\t\tencryption "
	    "aes256 aes128\n\t\tdh-group 14 2\n")
	    IPSEC("\t\tproposals aes256-sha256, aes128gcm16, 3des-md5\n")));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ike.ike_nprops, 4);
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ike.ike_props[1].cp_dh,
	    DH_MODP_1024);
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_nprops, 3);
	config_free(cfg);
	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n\t\tmode aggressive\n"
	    "\t\tproposals aes256-sha256-modp2048, aes128-sha1-modp2048\n")));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ike.ike_nprops, 2);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_ipsec_lists)
{
	struct config		*cfg;
	struct cfg_ipsec	*ips;

	cfg = parse_ok(BASE TN(IPSEC("\t\tproposals aes256gcm16-modp2048-"
	    "esn-noesn, aes128-sha256-modp2048-esn-noesn\n")));
	ips = &cfg->cfg_tunnels[0].tn_ipsec;
	ck_assert_int_eq(ips->ips_nprops, 2);
	ck_assert_int_eq(ips->ips_props[0].cp_encr, ENCR_AES_GCM_16);
	ck_assert_int_eq(ips->ips_props[0].cp_integ, AUTH_NONE);
	ck_assert_int_eq(ips->ips_props[1].cp_encr, ENCR_AES_CBC);
	ck_assert_int_eq(ips->ips_props[1].cp_integ, AUTH_HMAC_SHA2_256_128);
	ck_assert_int_eq(ips->ips_encr, ENCR_AES_GCM_16);
	ck_assert_int_eq(ips->ips_integ, AUTH_NONE);
	ck_assert_int_eq(ips->ips_pfs, DH_MODP_2048);
	ck_assert_int_eq(ips->ips_esn, CFG_ESN_EITHER);
	config_free(cfg);

	/* no DH in the proposals: no PFS, as in strongSwan */
	cfg = parse_ok(BASE TN(IPSEC("\t\tproposals aes128-sha1\n")));
	ck_assert_int_eq(cfg->cfg_tunnels[0].tn_ipsec.ips_pfs, 0);
	config_free(cfg);

	/* multi-valued keywords; integrity goes with the CBC cipher */
	cfg = parse_ok(BASE TN(IPSEC("\t\tencryption aes256gcm16 aes128\n"
	    "\t\tintegrity sha256 sha1\n")));
	ips = &cfg->cfg_tunnels[0].tn_ipsec;
	ck_assert_int_eq(ips->ips_nprops, 3);
	ck_assert_int_eq(ips->ips_props[0].cp_integ, AUTH_NONE);
	ck_assert_int_eq(ips->ips_props[1].cp_integ, AUTH_HMAC_SHA2_256_128);
	ck_assert_int_eq(ips->ips_props[2].cp_integ, AUTH_HMAC_SHA1_96);
	ck_assert_int_eq(ips->ips_pfs, DH_MODP_1024);
	ck_assert_int_eq(ips->ips_props[1].cp_dh, DH_MODP_1024);
	config_free(cfg);

	/* strongSwan's esp_proposals: each suite its own PFS group (none
	 * too) and esn setting; ips_pfs and ips_esn are the first's */
	cfg = parse_ok(BASE TN(IPSEC("\t\tproposals aes256gcm16-ecp384, "
	    "aes128-sha256-modp3072-esn, aes128-sha1-noesn-esn, "
	    "aes256-sha256-modp2048-ecp256\n")));
	ips = &cfg->cfg_tunnels[0].tn_ipsec;
	ck_assert_int_eq(ips->ips_nprops, 5);
	ck_assert_int_eq(ips->ips_props[0].cp_dh, DH_ECP_384);
	ck_assert_int_eq(ips->ips_props[0].cp_esn, CFG_ESN_NO);
	ck_assert_int_eq(ips->ips_props[1].cp_dh, DH_MODP_3072);
	ck_assert_int_eq(ips->ips_props[1].cp_esn, CFG_ESN_YES);
	ck_assert_int_eq(ips->ips_props[2].cp_dh, 0);
	ck_assert_int_eq(ips->ips_props[2].cp_esn, CFG_ESN_EITHER);
	/* several groups in one proposal: one suite each, in order */
	ck_assert_int_eq(ips->ips_props[3].cp_dh, DH_MODP_2048);
	ck_assert_int_eq(ips->ips_props[4].cp_dh, DH_ECP_256);
	ck_assert_int_eq(ips->ips_props[4].cp_encr_bits, 256);
	ck_assert_int_eq(ips->ips_pfs, DH_ECP_384);
	ck_assert_int_eq(ips->ips_esn, CFG_ESN_NO);
	config_free(cfg);

	/* IKEv1: per-suite esn (RFC 4304 is a transform attribute), one
	 * PFS group */
	cfg = parse_ok(BASE TN(IKE("\t\tversion 1\n") IPSEC("\t\tproposals "
	    "aes256-sha256-modp2048-esn, aes128-sha1-modp2048\n")));
	ips = &cfg->cfg_tunnels[0].tn_ipsec;
	ck_assert_int_eq(ips->ips_props[0].cp_esn, CFG_ESN_YES);
	ck_assert_int_eq(ips->ips_props[1].cp_esn, CFG_ESN_NO);
	ck_assert_int_eq(ips->ips_pfs, DH_MODP_2048);
	config_free(cfg);
}
END_TEST

static const struct err_vec list_vecs[] = {
	/* GCM for IKEv1 phase 1, in either line order */
	{ BASE TN(IKE("\t\tversion 1\n\t\tproposals aes128-sha1-modp2048, "
	  "aes256gcm16-prfsha384-ecp384\n")),
	  E "15: ike proposal 2 (aes256gcm16) needs version 2 (IKEv1 phase 1 "
	  "has no AEAD cipher: RFC 5282 and RFC 7634 define them for IKEv2 "
	  "only)" },
	{ BASE TN(IKE("\t\tproposals aes256gcm16-prfsha384-ecp384\n"
	  "\t\tversion 1\n")),
	  E "14: ike proposal 1 (aes256gcm16) needs version 2 (IKEv1 phase 1 "
	  "has no AEAD cipher: RFC 5282 and RFC 7634 define them for IKEv2 "
	  "only)" },
	{ BASE TN(IKE("\t\tversion 1\n\t\tproposals aes128-sha1-x25519\n")),
	  E "15: ike proposal 1: curve25519 needs version 2 (RFC 8031 defines "
	  "it for IKEv2 only)" },
	/* IKEv1 Aggressive Mode: one DH group for every suite */
	{ BASE TN(IKE("\t\tversion 1\n\t\tmode aggressive\n"
	  "\t\tproposals aes256-sha256-modp2048, aes128-sha1-modp1024\n")),
	  E "16: ike proposal 2: DH group 2 differs from proposal 1's group "
	  "14: Aggressive Mode sends its KE in message 1, for one group, so "
	  "all its suites must share it" },
	{ BASE TN(IKE("\t\tversion 1\n\t\tencryption aes256 aes128\n"
	  "\t\tdh-group 14 2\n\t\tmode aggressive\n")),
	  E "16: ike proposal 2: DH group 2 differs from proposal 1's group "
	  "14: Aggressive Mode sends its KE in message 1, for one group, so "
	  "all its suites must share it" },
	{ BASE TN(IPSEC("\t\tproposals chacha20poly1305\n")
	  IKE("\t\tversion 1\n")),
	  E "14: ipsec proposal 1: chacha20poly1305 needs ike version 2 (RFC "
	  "7634 defines it for IKEv2 only)" },
	/* contradictory, empty, incomplete */
	{ BASE TN(IKE("\t\tproposals aes128-sha1-modp2048\n"
	  "\t\tdh-group 14\n")),
	  E "15: ike encryption, integrity and dh-group cannot be used with "
	  "proposals (line 14): write every algorithm in the proposals line" },
	{ BASE TN(IPSEC("\t\tpfs 14\n\t\tproposals aes128-sha1-modp2048\n")),
	  E "14: ipsec encryption, integrity, pfs and esn cannot be used with "
	  "proposals (line 15): write every algorithm in the proposals line "
	  "(the PFS group as e.g. -modp2048, and esn or noesn)" },
	{ BASE TN(IKE("\t\tproposals aes128-sha1-modp2048,, "
	  "aes256-sha1-modp2048\n")),
	  E "14: ike proposal 2 is empty (separate the proposals with one "
	  "',')" },
	{ BASE TN(IKE("\t\tproposals aes128-sha1-modp2048,\n")),
	  E "14: ike proposal 2 is empty (separate the proposals with one "
	  "',')" },
	{ BASE TN(IKE("\t\tproposals aes128 sha1 modp2048\n")),
	  E "14: ike proposal 1 \"aes128 sha1 modp2048\" has a space (join its "
	  "algorithms with '-' and separate the proposals with ',')" },
	{ BASE TN(IKE("\t\tproposals aes128-sha1-modp2047\n")),
	  E "14: unknown algorithm \"modp2047\" in ike proposal 1 (use "
	  "strongSwan's keywords: aes128, aes256, 3des, aes256gcm16, "
	  "chacha20poly1305, sha1, sha256, prfsha256, modp2048, ecp256, "
	  "x25519, esn, ...)" },
	{ BASE TN(IKE("\t\tproposals aes128-sha1\n")),
	  E "14: ike proposal 1 has no DH group (e.g. modp2048 or ecp256)" },
	{ BASE TN(IKE("\t\tproposals sha1-modp2048\n")),
	  E "14: ike proposal 1 has no encryption algorithm (e.g. aes256)" },
	{ BASE TN(IKE("\t\tproposals aes128-modp2048\n")),
	  E "14: ike proposal 1 has no integrity algorithm (e.g. sha256)" },
	{ BASE TN(IKE("\t\tproposals aes128gcm16-ecp256\n")),
	  E "14: ike proposal 1: an AEAD cipher needs a PRF (e.g. "
	  "prfsha256)" },
	{ BASE TN(IKE("\t\tproposals aes128gcm16-sha256-prfsha256-ecp256\n")),
	  E "14: ike proposal 1: an AEAD cipher takes no integrity algorithm "
	  "(name the PRF, e.g. prfsha256)" },
	{ BASE TN(IKE("\t\tproposals "
	  "aes128gcm16-aes128-sha1-prfsha1-ecp256\n")),
	  E "14: ike proposal 1 mixes AEAD and other ciphers (write them as "
	  "two proposals)" },
	/* IKEv1 Quick Mode: one KE payload, one PFS group for all */
	{ BASE TN(IKE("\t\tversion 1\n") IPSEC("\t\tproposals "
	  "aes128-sha1-modp2048, aes256-sha1-modp1024\n")),
	  E "17: ipsec proposal 2: PFS group modp1024 differs from proposal "
	  "1's modp2048: IKEv1 Quick Mode sends one KE payload, so all its "
	  "suites must share one PFS group (or all have none); use one group, "
	  "or ike version 2" },
	{ BASE TN(IKE("\t\tversion 1\n") IPSEC("\t\tproposals "
	  "aes128-sha1, aes256-sha1-ecp256-esn\n")),
	  E "17: ipsec proposal 2: PFS group ecp256 differs from proposal "
	  "1's none: IKEv1 Quick Mode sends one KE payload, so all its "
	  "suites must share one PFS group (or all have none); use one group, "
	  "or ike version 2" },
	{ BASE TN(IPSEC("\t\tproposals aes128-sha1-esn, aes256-sha1\n"
	  "\t\treplay-window 0\n")),
	  E "15: replay-window 0 cannot be used with esn yes (with extended "
	  "sequence numbers the receiver needs a window to infer the high 32 "
	  "bits; set replay-window 1 to 4096, or esn no)" },
	{ BASE TN(IPSEC("\t\tproposals aes128-sha1-prfsha1\n")),
	  E "14: ipsec proposal 1: a PRF has no place in an ipsec proposal" },
	{ BASE TN(IPSEC("\t\tproposals aes128gcm16-sha1\n")),
	  E "14: ipsec proposal 1: an AEAD cipher authenticates the packets "
	  "itself (remove the integrity algorithm)" },
	{ BASE TN(IPSEC("\t\tprotocol ah\n\t\tproposals aes128-sha1\n")),
	  E "15: ipsec proposal 1 has an encryption algorithm (protocol ah "
	  "does not encrypt)" },
	{ BASE TN(IKE("\t\tencryption aes128 aes128\n")),
	  E "14: ike encryption \"aes128\" is listed twice (keep one)" },
	{ BASE TN(IKE("\t\tdh-group 14 22\n")),
	  E "14: unknown ike dh-group \"22\" (use 1, 2, 5, 14, 15, 16, 19, 20, "
	  "21, 24 or 31)" },
	{ BASE TN(IKE("\t\tproposals aes128-aes192-aes256-sha1-sha256-md5-"
	  "modp1024-modp2048\n")),
	  E "14: too many ike proposals (at most 16, counting every "
	  "combination of the algorithms listed)" },
};

START_TEST(test_config_list_errors)
{
	expect_err(list_vecs[_i].ev_text, list_vecs[_i].ev_err);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("syntax");
	tcase_add_loop_test(tc, test_config_syntax_errors, 0,
	    NVEC(syntax_vecs));
	tcase_add_test(tc, test_config_syntax_trailing_comment);
	tcase_add_test(tc, test_config_syntax_long_line);
	tcase_add_test(tc, test_config_syntax_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("global");
	tcase_add_loop_test(tc, test_config_global_errors, 0,
	    NVEC(global_vecs));
	tcase_add_test(tc, test_config_global_defaults);
	tcase_add_test(tc, test_config_global_socket_max);
	tcase_add_loop_test(tc, test_config_user_errors, 0, NVEC(user_vecs));
	tcase_add_test(tc, test_config_user_values);
	tcase_add_loop_test(tc, test_config_global_values, 0,
	    NVEC(level_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("gateway_peer");
	tcase_add_loop_test(tc, test_config_gwpeer_errors, 0,
	    NVEC(gwpeer_vecs));
	tcase_add_test(tc, test_config_gwpeer_segments);
	suite_add_tcase(s, tc);

	tc = tcase_create("tunnel");
	tcase_add_loop_test(tc, test_config_tunnel_errors, 0,
	    NVEC(tunnel_vecs));
	tcase_add_test(tc, test_config_tunnel_psk_not_shown);
	tcase_add_loop_test(tc, test_config_psk_hidden, 0, NVEC(psk_vecs));
	tcase_add_test(tc, test_config_psk_hidden_load);
	tcase_add_test(tc, test_config_tunnel_values);
	tcase_add_test(tc, test_config_psk_encoded);
	tcase_add_test(tc, test_config_psk_encoded_not_shown);
	tcase_add_test(tc, test_config_tunnel_defaults);
	tcase_add_test(tc, test_config_tunnel_any_peer);
	tcase_add_test(tc, test_config_tunnel_pairs);
	tcase_add_test(tc, test_config_tunnel_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("ike");
	tcase_add_loop_test(tc, test_config_ike_errors, 0, NVEC(ike_vecs));
	tcase_add_loop_test(tc, test_config_ike_values, 0,
	    NVEC(ike_value_vecs));
	tcase_add_test(tc, test_config_short_lifetimes);
	tcase_add_test(tc, test_config_volume_lifetimes);
	tcase_add_test(tc, test_config_dpd);
	tcase_add_loop_test(tc, test_config_child_sa, 0,
	    sizeof(child_vecs) / sizeof(child_vecs[0]));
	tcase_add_test(tc, test_config_ike_ids);
	tcase_add_test(tc, test_config_ike_fqdn_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipsec");
	tcase_add_loop_test(tc, test_config_ipsec_errors, 0,
	    NVEC(ipsec_vecs));
	tcase_add_test(tc, test_config_v1_quick_algs);
	tcase_add_test(tc, test_config_replay_esn);
	tcase_add_loop_test(tc, test_config_ipsec_values, 0,
	    NVEC(ipsec_value_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("proposal_lists");
	tcase_add_loop_test(tc, test_config_ike_lists, 0,
	    NVEC(ike_list_vecs));
	tcase_add_test(tc, test_config_single_no_list);
	tcase_add_test(tc, test_config_ipsec_lists);
	tcase_add_test(tc, test_config_v1_lists);
	tcase_add_loop_test(tc, test_config_list_errors, 0, NVEC(list_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("ikev1_any_peer");
	tcase_add_test(tc, test_config_v1_any_psk);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_config_load_example);
	tcase_add_test(tc, test_config_load_errors);
	tcase_add_test(tc, test_config_prefix_str);
	tcase_add_test(tc, test_config_hash_bits);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
