/*
 * check_ha.c - primary/backup, first step: the ha block of the
 * configuration, the sync channel's records (sealing, every kind of bad
 * record with its counter), two channels over loopback with real
 * heartbeats, roles through the control path, a passive engine, and
 * IP_FREEBIND on the IKE sockets.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "daemon/control.h"
#include "daemon/status_fmt.h"
#include "ike/ha_chan.h"
#include "ike/ha_sync.h"
#include "ike/ike.h"
#include "ike/net.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/ha_testlib.h"

#define E	"gatewayd.conf:"
#define KEYHEX	"0x00112233445566778899aabbccddeeff"
/* an ha block from line 1; its body from line 2 */
#define HA(body)	"ha {\n" body "}\n"
#define HA_OK_BODY	"\tpriority 100\n\tsync-peer 192.0.2.2\n" \
	"\tsync-key " KEYHEX "\n\tinterface eth0\n"

/* --- configuration --- */

static struct config *
parse(const char *text, char *err, size_t len)
{
	return (config_parse("gatewayd.conf", text, err, len));
}

static void
refused(const char *text, const char *want)
{
	struct config	*cfg;
	char		 err[512];

	cfg = parse(text, err, sizeof(err));
	ck_assert_msg(cfg == NULL, "accepted: %s", text);
	ck_assert_msg(strstr(err, want) != NULL, "got \"%s\", want \"%s\"",
	    err, want);
}

START_TEST(test_config_good)
{
	struct config	*cfg;
	char		 err[512];
	static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

	cfg = parse(HA("\tpriority 150\n\tsync-peer 192.0.2.2:4600\n"
	    "\tsync-local 192.0.2.1:4601\n\tsync-key " KEYHEX "\n"
	    "\tinterface eth0.100\n"), err, sizeof(err));
	ck_assert_msg(cfg != NULL, "refused: %s", err);
	ck_assert_int_eq(cfg->cfg_ha.ha_enabled, 1);
	ck_assert_int_eq(cfg->cfg_ha.ha_line, 1);
	ck_assert_uint_eq(cfg->cfg_ha.ha_priority, 150);
	ck_assert_uint_eq(cfg->cfg_ha.ha_peer_addr.s_addr,
	    inet_addr("192.0.2.2"));
	ck_assert_uint_eq(cfg->cfg_ha.ha_peer_port, 4600);
	ck_assert_uint_eq(cfg->cfg_ha.ha_local_addr.s_addr,
	    inet_addr("192.0.2.1"));
	ck_assert_uint_eq(cfg->cfg_ha.ha_local_port, 4601);
	ck_assert_uint_eq(cfg->cfg_ha.ha_key_len, 16);
	ck_assert_mem_eq(cfg->cfg_ha.ha_key, key, 16);
	ck_assert_str_eq(cfg->cfg_ha.ha_ifname, "eth0.100");
	config_free(cfg);

	/* defaults: any local address, port 4510 both ways; 0s and
	 * printable keys */
	cfg = parse(HA("\tpriority 1\n\tsync-peer 10.0.0.2\n\tsync-key "
	    "0sABEiM0RVZneImaq7zN3u/w==\n\tinterface bond0\n"), err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "refused: %s", err);
	ck_assert_uint_eq(cfg->cfg_ha.ha_peer_port, CFG_HA_PORT_DEFAULT);
	ck_assert_uint_eq(cfg->cfg_ha.ha_local_port, CFG_HA_PORT_DEFAULT);
	ck_assert_uint_eq(cfg->cfg_ha.ha_local_addr.s_addr, INADDR_ANY);
	ck_assert_uint_eq(cfg->cfg_ha.ha_key_len, 16);
	ck_assert_mem_eq(cfg->cfg_ha.ha_key, key, 16);
	config_free(cfg);
	cfg = parse(HA("\tpriority 255\n\tsync-peer 10.0.0.2\n\tsync-key "
	    "Th1s-is-a-l0ng-printable-sync-key!\n\tinterface eth1\n"), err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "refused: %s", err);
	ck_assert_uint_eq(cfg->cfg_ha.ha_key_len, 34);
	config_free(cfg);

	/* no block: nothing of HA */
	cfg = parse("log-level info\n", err, sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->cfg_ha.ha_enabled, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_errors)
{
	refused(HA("\tsync-peer 192.0.2.2\n\tsync-key " KEYHEX "\n"
	    "\tinterface eth0\n"), E "1: ha block has no priority");
	refused(HA("\tpriority 100\n\tsync-key " KEYHEX "\n"
	    "\tinterface eth0\n"), E "1: ha block has no sync-peer");
	refused(HA("\tpriority 100\n\tsync-peer 192.0.2.2\n"
	    "\tinterface eth0\n"), E "1: ha block has no sync-key");
	refused(HA("\tpriority 100\n\tsync-peer 192.0.2.2\n\tsync-key "
	    KEYHEX "\n"), E "1: ha block has no interface");
	refused(HA("\tpriority 0\n"), E "2: invalid ha priority \"0\"");
	refused(HA("\tpriority 256\n"), E "2: invalid ha priority");
	refused(HA("\tpriority high\n"), E "2: invalid ha priority");
	refused(HA("\tpriority 1\n\tpriority 2\n"),
	    E "3: \"priority\" is given twice in the ha block");
	refused(HA("\tsync-peer peer.example\n"),
	    E "2: invalid ha sync-peer \"peer.example\"");
	refused(HA("\tsync-peer 192.0.2.2:0\n"),
	    E "2: invalid port in ha sync-peer");
	refused(HA("\tsync-peer 192.0.2.2:65536\n"),
	    E "2: invalid port in ha sync-peer");
	refused(HA("\tsync-peer 0.0.0.0\n"),
	    E "2: ha sync-peer cannot be 0.0.0.0");
	refused(HA("\tsync-local 192.0.2.300\n"),
	    E "2: invalid ha sync-local");
	refused(HA("\tpriority 1\n\tsync-peer 192.0.2.2\n\tsync-local "
	    "192.0.2.2\n\tsync-key " KEYHEX "\n\tinterface eth0\n"),
	    E "1: ha sync-local and sync-peer are the same");
	refused(HA("\tsync-key 0x00112233445566778899aabbccddee\n"),
	    E "2: sync-key is too short: 15 bytes, at least 16");
	refused(HA("\tsync-key 0sABEiM0RVZneImaq7zN3u\n"),
	    E "2: sync-key is too short: 15 bytes");
	refused(HA("\tsync-key short-printable-key\n"),
	    E "2: sync-key is too short: 19 characters, at least 32");
	refused(HA("\tsync-key 0x0011zz\n"),
	    E "2: sync-key: psk 0x... has a character that is not a hex");
	refused(HA("\tsync-key a b\n"), E "2: sync-key must be one word");
	refused(HA("\tinterface this-name-is-too-long\n"),
	    E "2: invalid ha interface");
	refused(HA("\tinterface eth/0\n"), E "2: invalid ha interface");
	refused(HA("\tvrrp-id 5\n"), E "2: unknown keyword \"vrrp-id\" in "
	    "the ha block (expected priority, sync-peer, sync-local, "
	    "sync-key or interface)");
	refused(HA("\tpriority\n"), E "2: missing value for \"priority\"");
	refused("ha\n", E "1: malformed block header (write \"ha {\")");
	refused(HA(HA_OK_BODY) HA(HA_OK_BODY),
	    E "7: ha block is given twice (merge it into the one on line 1)");
	refused("gateway gw1 {\n\taddress 198.51.100.1\n\tha {\n",
	    E "3: ha block inside gateway \"gw1\"");
	refused("ha {\n\tpriority 1\n", E "1: ha block is missing its "
	    "closing \"}\"");
	refused("\n\nha {\n\tpriority 1\ntunnel t1 {\n", E "5: tunnel block "
	    "inside the ha block (is the \"}\" of the block opened on line 3 "
	    "missing?)");
}
END_TEST

/* A bad sync-key never shows in the message, whole or cut. */
START_TEST(test_config_key_hidden)
{
	static const char *const keys[] = {
		"0x0011223344556677zz99aabbccddeeff",
		"0s!!notbase64secretvalue==",
		"tooshort-SECRETVALUE",
		"secr\x01tvalue-with-a-control-char-in-it"
	};
	char	 text[256], err[512];
	size_t	 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(text, sizeof(text), "ha {\n\tsync-key %s\n}\n",
		    keys[i]);
		ck_assert_ptr_null(parse(text, err, sizeof(err)));
		ck_assert_msg(strstr(err, "sync-key") != NULL, "%s", err);
		ck_assert_msg(strstr(err, keys[i]) == NULL, "%s", err);
		ck_assert_msg(strstr(err, "SECRET") == NULL &&
		    strstr(err, "secr") == NULL && strstr(err, "3344") ==
		    NULL, "%s", err);
	}
	/* a mistyped key word too */
	ck_assert_ptr_null(parse("ha {\n\tsync-key=0x0011223344\n}\n", err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "0011223344") == NULL, "%s", err);
}
END_TEST

/* --- codec --- */

static uint8_t	 prk[32], prk_other[32];

static void
keys_setup(void)
{
	static const uint8_t k1[16] = "0123456789abcdef";
	static const uint8_t k2[16] = "0123456789abcdeg";

	ck_assert_int_eq(ha_kdf_prk(k1, sizeof(k1), prk), 0);
	ck_assert_int_eq(ha_kdf_prk(k2, sizeof(k2), prk_other), 0);
}

static int
seal_hello(struct ha_tx *tx, int role, uint8_t *rec, size_t len)
{
	uint8_t	 pl[HA_HELLO_LEN];

	ha_hello_encode(pl, role, 100, 0);
	return (ha_seal(tx, HA_REC_HELLO, pl, sizeof(pl), rec, len));
}

static enum ha_verdict
open_rec(struct ha_rx *rx, const uint8_t *rec, size_t len)
{
	struct ha_hdr	 h;
	uint8_t		 pt[HA_PAYLOAD_MAX];

	return (ha_open(rx, rec, len, &h, pt, sizeof(pt)));
}

START_TEST(test_codec_roundtrip)
{
	struct ha_tx	 tx;
	struct ha_rx	 rx;
	struct ha_hdr	 h;
	uint8_t		 rec[HA_REC_MAX], pt[HA_PAYLOAD_MAX];
	uint8_t		 big[HA_PAYLOAD_MAX];
	uint32_t	 prio;
	uint8_t		 flags;
	int		 n, role;

	keys_setup();
	ck_assert_int_eq(ha_tx_init(&tx, prk, 0x11111111, 1000), 0);
	ha_rx_init(&rx, prk, 0x22222222);
	n = seal_hello(&tx, HA_ROLE_ACTIVE, rec, sizeof(rec));
	ck_assert_int_eq(n, HA_HDR_LEN + HA_HELLO_LEN + HA_TAG_LEN);
	/* the header in the clear, the payload not */
	ck_assert_uint_eq(rec[0], 'G');
	ck_assert_uint_eq(rec[4], HA_VERSION);
	ck_assert_uint_eq(rec[5], HA_REC_HELLO);
	ck_assert_int_eq(ha_open(&rx, rec, (size_t)n, &h, pt, sizeof(pt)),
	    HA_OK);
	ck_assert_uint_eq(h.h_node, 0x11111111);
	ck_assert_uint_eq(h.h_epoch, 1000);
	ck_assert_uint_eq(h.h_seq, 1);
	ck_assert_uint_eq(h.h_type, HA_REC_HELLO);
	ck_assert_int_eq(ha_hello_decode(pt, h.h_len, &role, &prio, &flags),
	    0);
	ck_assert_int_eq(role, HA_ROLE_ACTIVE);
	ck_assert_uint_eq(prio, 100);
	ck_assert_uint_eq(flags, 0);
	/* the largest payload; sequence numbers go up */
	memset(big, 0xa5, sizeof(big));
	n = ha_seal(&tx, HA_REC_IKE_SA, big, sizeof(big), rec, sizeof(rec));
	ck_assert_int_eq(n, HA_REC_MAX);
	ck_assert_int_eq(ha_open(&rx, rec, (size_t)n, &h, pt, sizeof(pt)),
	    HA_OK);
	ck_assert_uint_eq(h.h_seq, 2);
	ck_assert_mem_eq(pt, big, sizeof(big));
	ck_assert_int_eq(ha_seal(&tx, HA_REC_IKE_SA, big, sizeof(big) + 1,
	    rec, sizeof(rec)), -1);
	ck_assert_int_eq(ha_seal(&tx, HA_REC_HELLO, big, 8, rec, 55), -1);
	ck_assert_uint_eq(rx.rx_count[HA_OK], 2);
	/* the two directions have different keys */
	{
		struct ha_tx	 back;

		ck_assert_int_eq(ha_tx_init(&back, prk, 0x22222222, 1000), 0);
		ck_assert(memcmp(back.tx_key, tx.tx_key, HA_KEY_LEN) != 0);
	}
	ck_assert_int_eq(ha_hello_decode(pt, 7, &role, &prio, &flags), -1);
	/* the flags: SYNCED round trip; unknown bits, reserved bytes and
	 * roles refused */
	ha_hello_encode(pt, HA_ROLE_STANDBY, 7, HA_HELLO_SYNCED);
	ck_assert_int_eq(ha_hello_decode(pt, HA_HELLO_LEN, &role, &prio,
	    &flags), 0);
	ck_assert_uint_eq(flags, HA_HELLO_SYNCED);
	ck_assert_int_eq(role, HA_ROLE_STANDBY);
	pt[1] = 0x02;
	ck_assert_int_eq(ha_hello_decode(pt, HA_HELLO_LEN, &role, &prio,
	    &flags), -1);
	pt[1] = 0;
	pt[2] = 1;
	ck_assert_int_eq(ha_hello_decode(pt, HA_HELLO_LEN, &role, &prio,
	    &flags), -1);
	pt[2] = 0;
	pt[0] = HA_ROLE_FAULT + 1;
	ck_assert_int_eq(ha_hello_decode(pt, HA_HELLO_LEN, &role, &prio,
	    &flags), -1);
}
END_TEST

/* Every byte of a record changed: never accepted, counted right. */
START_TEST(test_codec_tampered)
{
	struct ha_tx	 tx;
	struct ha_rx	 rx;
	uint8_t		 rec[128], bad[128];
	size_t		 i;
	int		 n;
	enum ha_verdict	 v, want;

	keys_setup();
	ck_assert_int_eq(ha_tx_init(&tx, prk, 7, 1000), 0);
	n = seal_hello(&tx, HA_ROLE_STANDBY, rec, sizeof(rec));
	for (i = 0; i < (size_t)n; i++) {
		ha_rx_init(&rx, prk, 9);
		memcpy(bad, rec, (size_t)n);
		bad[i] ^= 0x01;
		v = open_rec(&rx, bad, (size_t)n);
		if (i < 8 && i != 5)
			want = HA_BAD_VERSION;	/* magic, version, reserved */
		else if (i == 5)
			want = HA_BAD_TAG;	/* type 1 -> 0: unknown */
		else if (i >= 28 && i < 32)
			want = HA_BAD_LENGTH;
		else
			want = HA_BAD_TAG;	/* node, epoch, seq, data, tag */
		if (i == 5)
			want = HA_BAD_TYPE;
		if (i == 27)
			want = HA_REPLAY;	/* sequence 1 -> 0: never sent */
		ck_assert_msg(v == want, "byte %zu: %s, want %s", i,
		    ha_verdict_name(v), ha_verdict_name(want));
		ck_assert_uint_eq(rx.rx_count[want], 1);
		ck_assert_uint_eq(rx.rx_count[HA_OK], 0);
	}
	/* type changed to another known type: the tag */
	ha_rx_init(&rx, prk, 9);
	memcpy(bad, rec, (size_t)n);
	bad[5] = HA_REC_DELETE;
	ck_assert_int_eq(open_rec(&rx, bad, (size_t)n), HA_BAD_TAG);
	/* and the original still passes */
	ck_assert_int_eq(open_rec(&rx, rec, (size_t)n), HA_OK);
}
END_TEST

START_TEST(test_codec_truncated)
{
	struct ha_tx	 tx;
	struct ha_rx	 rx;
	uint8_t		 rec[128], *copy;
	size_t		 i;
	int		 n;

	keys_setup();
	ck_assert_int_eq(ha_tx_init(&tx, prk, 7, 1000), 0);
	ha_rx_init(&rx, prk, 9);
	n = seal_hello(&tx, HA_ROLE_STANDBY, rec, sizeof(rec));
	for (i = 0; i < (size_t)n; i++) {
		/* exactly i bytes on the heap: ASan sees any overread */
		copy = malloc(i > 0 ? i : 1);
		memcpy(copy, rec, i);
		ck_assert_int_eq(open_rec(&rx, copy, i), HA_BAD_LENGTH);
		free(copy);
	}
	ck_assert_uint_eq(rx.rx_count[HA_BAD_LENGTH], (uint64_t)n);
	/* one byte more than the header says */
	rec[n] = 0;
	ck_assert_int_eq(open_rec(&rx, rec, (size_t)n + 1), HA_BAD_LENGTH);
	ck_assert_int_eq(open_rec(&rx, rec, (size_t)n), HA_OK);
}
END_TEST

START_TEST(test_codec_wrong_key)
{
	struct ha_tx	 tx;
	struct ha_rx	 rx;
	uint8_t		 rec[128];
	int		 n;

	keys_setup();
	ck_assert_int_eq(ha_tx_init(&tx, prk_other, 7, 1000), 0);
	ha_rx_init(&rx, prk, 9);
	n = seal_hello(&tx, HA_ROLE_ACTIVE, rec, sizeof(rec));
	ck_assert_int_eq(open_rec(&rx, rec, (size_t)n), HA_BAD_TAG);
	ck_assert_uint_eq(rx.rx_count[HA_BAD_TAG], 1);
	/* it did not become the peer's epoch */
	ck_assert_int_eq(rx.rx_have, 0);
}
END_TEST

START_TEST(test_codec_replay)
{
	struct ha_tx	 tx;
	struct ha_rx	 rx;
	uint8_t		 recs[HA_WINDOW + 10][64];
	int		 n = 0, i;

	keys_setup();
	ck_assert_int_eq(ha_tx_init(&tx, prk, 7, 1000), 0);
	ha_rx_init(&rx, prk, 9);
	for (i = 0; i < HA_WINDOW + 10; i++)
		n = seal_hello(&tx, HA_ROLE_ACTIVE, recs[i], sizeof(recs[i]));
	ck_assert_int_eq(open_rec(&rx, recs[0], (size_t)n), HA_OK);
	ck_assert_int_eq(open_rec(&rx, recs[0], (size_t)n), HA_REPLAY);
	/* out of order within the window: once each */
	ck_assert_int_eq(open_rec(&rx, recs[5], (size_t)n), HA_OK);
	ck_assert_int_eq(open_rec(&rx, recs[3], (size_t)n), HA_OK);
	ck_assert_int_eq(open_rec(&rx, recs[3], (size_t)n), HA_REPLAY);
	ck_assert_int_eq(open_rec(&rx, recs[5], (size_t)n), HA_REPLAY);
	/* far ahead: what fell off the window's left edge is a replay */
	ck_assert_int_eq(open_rec(&rx, recs[HA_WINDOW + 9], (size_t)n),
	    HA_OK);
	ck_assert_int_eq(open_rec(&rx, recs[4], (size_t)n), HA_REPLAY);
	ck_assert_int_eq(open_rec(&rx, recs[9], (size_t)n), HA_REPLAY);
	ck_assert_int_eq(open_rec(&rx, recs[10], (size_t)n), HA_OK);
	ck_assert_int_eq(open_rec(&rx, recs[HA_WINDOW + 8], (size_t)n),
	    HA_OK);
	ck_assert_int_eq(open_rec(&rx, recs[HA_WINDOW + 8], (size_t)n),
	    HA_REPLAY);
	ck_assert_uint_eq(rx.rx_count[HA_REPLAY], 6);
	ck_assert_uint_eq(rx.rx_count[HA_OK], 6);
}
END_TEST

START_TEST(test_codec_epochs)
{
	struct ha_tx	 old, cur, again;
	struct ha_rx	 rx;
	uint8_t		 r_old[64], r_cur[64], r_cur2[64], r_fake[64];
	uint8_t		 r_again[64];
	int		 n;

	keys_setup();
	ha_rx_init(&rx, prk, 9);
	ck_assert_int_eq(ha_tx_init(&old, prk, 7, 1000), 0);
	ck_assert_int_eq(ha_tx_init(&cur, prk, 8, 2000), 0);
	n = seal_hello(&old, HA_ROLE_ACTIVE, r_old, sizeof(r_old));
	seal_hello(&cur, HA_ROLE_ACTIVE, r_cur, sizeof(r_cur));
	seal_hello(&cur, HA_ROLE_ACTIVE, r_cur2, sizeof(r_cur2));
	/* the peer restarted: its new epoch, then the old one is dead */
	ck_assert_int_eq(open_rec(&rx, r_old, (size_t)n), HA_OK);
	ck_assert_int_eq(open_rec(&rx, r_cur, (size_t)n), HA_OK);
	ck_assert_uint_eq(rx.rx_epoch, 2000);
	seal_hello(&old, HA_ROLE_ACTIVE, r_old, sizeof(r_old));
	ck_assert_int_eq(open_rec(&rx, r_old, (size_t)n), HA_OLD_EPOCH);
	/* a forged newer epoch does not move the receiver */
	memcpy(r_fake, r_cur2, (size_t)n);
	r_fake[18] ^= 0x10;			/* epoch 2000 + 4096 */
	ck_assert_int_eq(open_rec(&rx, r_fake, (size_t)n), HA_BAD_TAG);
	ck_assert_uint_eq(rx.rx_epoch, 2000);
	ck_assert_int_eq(open_rec(&rx, r_cur2, (size_t)n), HA_OK);
	/* the same epoch from another node id is not our peer */
	ck_assert_int_eq(ha_tx_init(&again, prk, 6, 2000), 0);
	seal_hello(&again, HA_ROLE_ACTIVE, r_again, sizeof(r_again));
	ck_assert_int_eq(open_rec(&rx, r_again, (size_t)n), HA_OLD_EPOCH);
	ck_assert_uint_eq(rx.rx_count[HA_OLD_EPOCH], 2);
	/* our own records sent back to us */
	ha_rx_init(&rx, prk, 8);
	ck_assert_int_eq(open_rec(&rx, r_cur, (size_t)n), HA_REFLECTED);
	ck_assert_uint_eq(rx.rx_count[HA_REFLECTED], 1);
}
END_TEST

START_TEST(test_codec_bad_type)
{
	struct ha_tx	 tx;
	struct ha_rx	 rx;
	uint8_t		 rec[64], pl[4] = { 0 };
	int		 n;

	keys_setup();
	ck_assert_int_eq(ha_tx_init(&tx, prk, 7, 1000), 0);
	ha_rx_init(&rx, prk, 9);
	n = ha_seal(&tx, 99, pl, sizeof(pl), rec, sizeof(rec));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(open_rec(&rx, rec, (size_t)n), HA_BAD_TYPE);
	/* a header with version 2 */
	n = ha_seal(&tx, HA_REC_HELLO, pl, sizeof(pl), rec, sizeof(rec));
	rec[4] = 2;
	ck_assert_int_eq(open_rec(&rx, rec, (size_t)n), HA_BAD_VERSION);
	ck_assert_uint_eq(rx.rx_count[HA_BAD_VERSION], 1);
}
END_TEST

/* --- two channels over loopback --- */

static struct event_base	*ha_base;

static void
run_ms(int ms)
{
	struct timespec	 t0, t;
	long		 el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		event_base_loop(ha_base, EVLOOP_NONBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= ms)
			break;
		usleep(2000);
	}
}

static void
pair_open(struct ha_chan **a, struct ha_chan **b, const char *keyb)
{
	struct cfg_ha		 ca, cb;

	ha_base = event_base_new();
	chan_cfg(&ca, 200);
	chan_cfg(&cb, 100);
	if (keyb != NULL)
		memcpy(cb.ha_key, keyb, 16);
	ck_assert_ptr_nonnull(*a = ha_chan_open(ha_base, &ca,
	    HA_ROLE_ACTIVE));
	ck_assert_ptr_nonnull(*b = ha_chan_open(ha_base, &cb,
	    HA_ROLE_STANDBY));
	chans_pair(*a, *b);
	chan_fast(*a);
	chan_fast(*b);
}

START_TEST(test_chan_heartbeats)
{
	struct ha_chan		*a, *b;
	struct ha_status	 sa, sb;

	pair_open(&a, &b, NULL);
	ha_chan_status(a, &sa);
	ck_assert_int_eq(sa.hs_peer_seen, 0);
	ck_assert_int_eq(sa.hs_peer_alive, 0);
	run_ms(250);
	ha_chan_status(a, &sa);
	ha_chan_status(b, &sb);
	ck_assert_int_eq(sa.hs_peer_alive, 1);
	ck_assert_int_eq(sb.hs_peer_alive, 1);
	ck_assert_int_eq(sa.hs_peer_role, HA_ROLE_STANDBY);
	ck_assert_uint_eq(sa.hs_peer_priority, 100);
	ck_assert_int_eq(sb.hs_peer_role, HA_ROLE_ACTIVE);
	ck_assert_uint_eq(sb.hs_peer_priority, 200);
	/* the timer really fires: several heartbeats each way */
	ck_assert_uint_ge(sa.hs_tx, 3);
	ck_assert_uint_ge(sb.hs_rx[HA_OK], 3);
	ck_assert_uint_eq(sb.hs_rx[HA_BAD_TAG], 0);
	ck_assert_uint_eq(sb.hs_rx[HA_REPLAY], 0);
	ck_assert(labs((long)(sa.hs_peer_last - time(NULL))) <= 1);
	/* the key it runs with, compared through its derived secret */
	ck_assert_int_eq(ha_chan_key_same(a, (const uint8_t *)
	    "0123456789abcdef", 16), 1);
	ck_assert_int_eq(ha_chan_key_same(a, (const uint8_t *)
	    "0123456789abcdeX", 16), 0);
	ck_assert_int_eq(ha_chan_key_same(a, (const uint8_t *)
	    "0123456789abcde", 15), 0);
	/* a role change reaches the peer */
	ha_chan_role_set(a, HA_ROLE_FAULT);
	run_ms(30);
	ha_chan_status(b, &sb);
	ck_assert_int_eq(sb.hs_peer_role, HA_ROLE_FAULT);
	/* b stops: a sees it silent once the dead interval is over */
	ha_chan_close(b);
	run_ms(100);
	ha_chan_status(a, &sa);
	ck_assert_int_eq(sa.hs_peer_alive, 1);
	run_ms(650);
	ha_chan_status(a, &sa);
	ck_assert_int_eq(sa.hs_peer_alive, 0);
	ck_assert_int_eq(sa.hs_peer_seen, 1);
	ha_chan_close(a);
	event_base_free(ha_base);
}
END_TEST

/* Another sync key: nothing is accepted, both stay silent. */
START_TEST(test_chan_wrong_key)
{
	struct ha_chan		*a, *b;
	struct ha_status	 sa, sb;

	pair_open(&a, &b, "0123456789abcdeX");
	run_ms(250);
	ha_chan_status(a, &sa);
	ha_chan_status(b, &sb);
	ck_assert_int_eq(sa.hs_peer_seen, 0);
	ck_assert_int_eq(sb.hs_peer_seen, 0);
	ck_assert_uint_ge(sa.hs_rx[HA_BAD_TAG], 2);
	ck_assert_uint_eq(sa.hs_rx[HA_OK], 0);
	ha_chan_close(a);
	ha_chan_close(b);
	event_base_free(ha_base);
}
END_TEST

/* Hostile datagrams on the sync port: dropped and counted. */
START_TEST(test_chan_garbage)
{
	struct ha_chan		*a, *b;
	struct ha_status	 sa;
	struct sockaddr_in	 sin;
	uint8_t			 junk[HA_REC_MAX + 100];
	int			 fd, i;

	pair_open(&a, &b, NULL);
	ha_chan_close(b);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(ha_chan_port(a));
	memset(junk, 0, sizeof(junk));
	for (i = 0; i < 20; i++)
		sendto(fd, junk, (size_t)(i * 7), 0, (struct sockaddr *)&sin,
		    sizeof(sin));
	sendto(fd, junk, sizeof(junk), 0, (struct sockaddr *)&sin,
	    sizeof(sin));
	run_ms(50);
	ha_chan_status(a, &sa);
	ck_assert_uint_eq(sa.hs_rx[HA_BAD_LENGTH] + sa.hs_rx[HA_BAD_VERSION],
	    21);
	ck_assert_uint_eq(sa.hs_rx[HA_OK], 0);
	close(fd);
	ha_chan_close(a);
	event_base_free(ha_base);
}
END_TEST

/* --- roles through the control path --- */

static struct ha_chan	*ctl_chan;

static int
ctl_ha_role(void *arg, int role)
{
	if (ctl_chan == NULL)
		return (-1);
	ha_chan_role_set(ctl_chan, role);
	return (0);
}

static int
ctl_ha_status(void *arg, struct ha_status *st)
{
	if (ctl_chan == NULL)
		return (-1);
	ha_chan_status(ctl_chan, st);
	return (0);
}

static int
ctl_status0(void *arg, struct tunnel_status *out, int max)
{
	return (0);
}

static char *
ctl_ask(const char *line)
{
	struct control_ops	 ops;
	struct control_req	 req;
	struct buf		*b = buf_new(256);
	char			 err[256], *s;

	memset(&ops, 0, sizeof(ops));
	ops.co_status = ctl_status0;
	ops.co_ha_role = ctl_ha_role;
	ops.co_ha_status = ctl_ha_status;
	if (control_req_parse(line, strlen(line), &req, err,
	    sizeof(err)) == -1) {
		buf_free(b);
		return (strdup(err));
	}
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	s = strndup((const char *)b->buf_data, b->buf_len);
	buf_free(b);
	return (s);
}

/* A BULK_REQUEST's answer without an engine: BEGIN, END, nothing in
 * between. */
static void
empty_dump(void *arg, uint32_t id)
{
	ck_assert_int_eq(ha_chan_bulk_mark(arg, HA_REC_BULK_BEGIN, id, 0), 0);
	ck_assert_int_eq(ha_chan_bulk_mark(arg, HA_REC_BULK_END, id, 0), 0);
}

/* Dumps with a hole: 0, a record lost on the way (sent while the peer
 * address is the discard port); 1, a malformed one (counted bad-type);
 * 2 and after, whole. */
static int	 dump_kind;

static void
holed_dump(void *arg, uint32_t id)
{
	struct ha_chan	*c = arg;
	struct ha_status st;
	uint8_t		 junk[12];

	memset(junk, 0x5a, sizeof(junk));
	ck_assert_int_eq(ha_chan_bulk_mark(c, HA_REC_BULK_BEGIN, id, 0), 0);
	if (dump_kind == 0) {
		ha_chan_status(c, &st);
		chan_peer_set(c, 9);
		ck_assert_int_eq(ha_chan_send(c, HA_REC_DELETE, junk, 6), 0);
		ha_chan_test_peer(c, &st.hs_peer);
	} else if (dump_kind == 1)
		ck_assert_int_eq(ha_chan_send(c, HA_REC_IKE_SA, junk,
		    sizeof(junk)), 0);
	ck_assert_int_eq(ha_chan_bulk_mark(c, HA_REC_BULK_END, id,
	    dump_kind < 2 ? 1 : 0), 0);
	dump_kind++;
}

/*
 * The standby asks for a dump while its peer is active, and again
 * after a dump with a lost record and after one with a malformed record;
 * a whole dump completes the sync (the malformed record would have
 * passed for a whole one had it been counted) and the requests stop.
 */
START_TEST(test_bulk_holes)
{
	struct ha_chan		*a, *b;
	struct ha_status	 sa, sb;
	int			 i;

	pair_open(&a, &b, NULL);
	dump_kind = 0;
	ha_chan_bulk_cb_set(a, holed_dump, a);
	for (i = 0; i < 60 && dump_kind < 3; i++)
		run_ms(20);
	run_ms(60);
	ha_chan_status(b, &sb);
	ck_assert_int_eq(sb.hs_bulk, HA_BULK_COMPLETE);
	ck_assert_uint_eq(sb.hs_bulk_dumps, 1);
	ck_assert_uint_eq(sb.hs_bulk_retries, 2);
	ck_assert_uint_eq(sb.hs_rx[HA_BAD_TYPE], 1);
	ck_assert_int_eq(ha_chan_bulk_complete(b), 1);
	ha_chan_status(a, &sa);
	ck_assert_uint_eq(sa.hs_bulk_served, 3);
	ck_assert_int_eq(sa.hs_peer_synced, 1);
	/* a stays quiet: no more requests once complete */
	run_ms(200);
	ha_chan_status(a, &sa);
	ck_assert_uint_eq(sa.hs_bulk_served, 3);
	ha_chan_close(a);
	ha_chan_close(b);
	event_base_free(ha_base);
}
END_TEST

START_TEST(test_control_roles)
{
	struct ha_chan		*a, *b;
	struct ha_status	 sb;
	char			*r;

	pair_open(&a, &b, NULL);
	ha_chan_role_set(a, HA_ROLE_STANDBY);
	ctl_chan = a;
	r = ctl_ask("ha active\n");
	ck_assert_str_eq(r, "ok\n");
	free(r);
	ck_assert_int_eq(ha_chan_role(a), HA_ROLE_ACTIVE);
	run_ms(120);
	ha_chan_status(b, &sb);
	ck_assert_int_eq(sb.hs_peer_role, HA_ROLE_ACTIVE);
	r = ctl_ask("status");
	ck_assert_msg(strncmp(r, "HA: role active, priority 200, interface "
	    "lo, node id ", 41) == 0, "%s", r);
	ck_assert_msg(strstr(r, "  sync peer:  127.0.0.1:") != NULL &&
	    strstr(r, " alive, last seen ") != NULL &&
	    /* 0 s, or 1 s when a second began since the last heartbeat */
	    strstr(r, " s ago, role standby, priority 100\n") != NULL, "%s",
	    r);
	ck_assert_msg(strstr(r, "  records:    ") != NULL && strstr(r,
	    " accepted; dropped: 0 bad length, 0 bad version, 0 bad tag, 0 "
	    "replayed, 0 old epoch, 0 reflected, 0 bad type\n") != NULL,
	    "%s", r);
	ck_assert_msg(strstr(r, "  state sync: holds 0 IKE SAs, 0 CHILD SAs; "
	    "sent 0 IKE SA, 0 CHILD SA, 0 delete, 0 sequence advance "
	    "records\n  bulk sync:  active node, 0 dumps served\n\n") != NULL,
	    "%s", r);
	ck_assert_msg(strstr(r, "no tunnels configured") != NULL, "%s", r);
	free(r);
	r = ctl_ask("status --json");
	ck_assert_msg(strncmp(r, "{\"tunnels\":[],\"ha\":{\"role\":\"active\","
	    "\"priority\":200,\"interface\":\"lo\",\"node_id\":\"", 78) == 0,
	    "%s", r);
	ck_assert_msg(strstr(r, "\"seen\":true,\"alive\":true,\"last_seen\":")
	    != NULL && strstr(r, "\"role\":\"standby\",\"priority\":100,"
	    "\"synced\":false},\"records\":{\"sent\":") != NULL && strstr(r, ",\"bad_length\":0,"
	    "\"bad_version\":0,\"bad_tag\":0,\"replayed\":0,\"old_epoch\":0,"
	    "\"reflected\":0,\"bad_type\":0},\"sync\":{\"ike_sas\":0,"
	    "\"child_sas\":0,\"table_full\":0,\"sent\":{\"ike_sa\":0,"
	    "\"child_sa\":0,\"delete\":0,\"seq_advance\":0},\"seq_advanced\":0,"
	    "\"bulk\":{\"state\":\"pending\",\"records\":0,\"dumps\":0,"
	    "\"asked_again\":0,\"served\":0}}}}\n") != NULL, "%s", r);
	free(r);
	r = ctl_ask("ha fault");
	ck_assert_str_eq(r, "ok\n");
	free(r);
	ck_assert_int_eq(ha_chan_role(a), HA_ROLE_FAULT);
	r = ctl_ask("ha standby");
	ck_assert_str_eq(r, "ok\n");
	free(r);
	ck_assert_int_eq(ha_chan_role(a), HA_ROLE_STANDBY);
	/* a standby whose peer is no active node: no dump to ask for */
	run_ms(120);
	r = ctl_ask("status");
	ck_assert_msg(strstr(r, "  bulk sync:  pending; 0 dumps taken, 0 asked "
	    "again, 0 served\n\n") != NULL, "%s", r);
	free(r);
	/* the peer active with an (empty) dump to serve: complete */
	ha_chan_bulk_cb_set(b, empty_dump, b);
	ha_chan_role_set(b, HA_ROLE_ACTIVE);
	run_ms(200);
	r = ctl_ask("status");
	ck_assert_msg(strstr(r, "  bulk sync:  complete (0 records); 1 dumps "
	    "taken, 0 asked again, 0 served\n\n") != NULL, "%s", r);
	free(r);
	/* and its HELLO tells the active node so */
	ha_chan_status(b, &sb);
	ck_assert_int_eq(sb.hs_peer_synced, 1);
	ha_chan_role_set(b, HA_ROLE_STANDBY);
	r = ctl_ask("ha master");
	ck_assert_str_eq(r, "error: usage: ha active|standby|fault");
	free(r);
	r = ctl_ask("ha");
	ck_assert_str_eq(r, "error: usage: ha active|standby|fault");
	free(r);
	/* without an ha block: no HA in status, roles refused */
	ctl_chan = NULL;
	r = ctl_ask("status");
	ck_assert_str_eq(r, "no tunnels configured\n");
	free(r);
	r = ctl_ask("status --json");
	ck_assert_str_eq(r, "{\"tunnels\":[]}\n");
	free(r);
	r = ctl_ask("ha active");
	ck_assert_msg(strncmp(r, "error: no ha block", 18) == 0, "%s", r);
	free(r);
	ha_chan_close(a);
	ha_chan_close(b);
	event_base_free(ha_base);
}
END_TEST

/* --- a passive engine (standby, fault) --- */

static const struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1,
	.so_ipsec = "\t\tpfs 2\n"
};
static const struct side_opts opt_b = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0,
	.so_ipsec = "\t\tpfs 2\n"
};

START_TEST(test_engine_passive)
{
	struct tunnel_status	 st;

	pair_init(&opt_a, &opt_b);
	/* a passive initiator starts nothing */
	ike_passive_set(A.s_ike, 1);
	ike_start(A.s_ike);
	ck_assert_int_eq(ike_tunnel_up(A.s_ike, "t1"), 0);
	pump(100);
	ck_assert_uint_eq(A.s_net.mn_sent, 0);
	/* an active one against a passive responder: no answer, no SA */
	ike_passive_set(A.s_ike, 0);
	ike_passive_set(B.s_ike, 1);
	ike_start(A.s_ike);
	pump(100);
	ck_assert_uint_gt(A.s_net.mn_sent, 0);
	ck_assert_uint_eq(B.s_net.mn_sent, 0);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 0);
	st = status(&B);
	ck_assert_str_ne(tunnel_state_name(st.ts_state), "Connected");
	/* B becomes active: the retry connects */
	ike_passive_set(B.s_ike, 0);
	ike_start(B.s_ike);
	ike_tunnel_down(A.s_ike, "t1");
	ike_tunnel_up(A.s_ike, "t1");
	pump(300);
	st = status(&B);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 2);
	pair_free();
}
END_TEST

/* --- IP_FREEBIND on the IKE sockets with an ha block --- */

static void
net_nop(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
}

START_TEST(test_net_freebind)
{
	struct event_base	*b = event_base_new();
	struct net		*n;

	ck_assert_ptr_nonnull(n = net_open_freebind(b, 0, 0, NULL, net_nop,
	    NULL, 1));
	ck_assert_int_eq(net_freebind(n, 0), 1);
	ck_assert_int_eq(net_freebind(n, 1), 1);
	net_close(n);
	ck_assert_ptr_nonnull(n = net_open(b, 0, 0, NULL, net_nop, NULL));
	ck_assert_int_eq(net_freebind(n, 0), 0);
	ck_assert_int_eq(net_freebind(n, 1), 0);
	net_close(n);
	event_base_free(b);
}
END_TEST

static Suite *
ha_suite(void)
{
	Suite	*s = suite_create("ha");
	TCase	*tc;

	tc = tcase_create("config");
	tcase_add_test(tc, test_config_good);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_config_key_hidden);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_add_test(tc, test_codec_roundtrip);
	tcase_add_test(tc, test_codec_tampered);
	tcase_add_test(tc, test_codec_truncated);
	tcase_add_test(tc, test_codec_wrong_key);
	tcase_add_test(tc, test_codec_replay);
	tcase_add_test(tc, test_codec_epochs);
	tcase_add_test(tc, test_codec_bad_type);
	suite_add_tcase(s, tc);

	tc = tcase_create("channel");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_chan_heartbeats);
	tcase_add_test(tc, test_chan_wrong_key);
	tcase_add_test(tc, test_chan_garbage);
	tcase_add_test(tc, test_control_roles);
	tcase_add_test(tc, test_bulk_holes);
	suite_add_tcase(s, tc);

	tc = tcase_create("roles");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_engine_passive);
	tcase_add_test(tc, test_net_freebind);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ha_suite());
	int	 failed;

	log_init(0, LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
