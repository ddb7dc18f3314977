/*
 * check_control.c - gatewayd's control server, status formatting and the
 * IKE sockets' non-ESP marker handling, without the engine: the server
 * runs over a fake status provider in a forked child.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "daemon/control.h"
#include "ike/net.h"
#include "daemon/status_fmt.h"
#include "policy/export.h"

#define T_ESTABLISHED	1714564800	/* 2024-05-01T12:00:00Z */

/* A connected IKEv2 tunnel with one ESP child and a warning (freed with
 * ike_status_free()). */
static void
fixture_connected(struct tunnel_status *ts)
{
	static const uint8_t	 spi_i[8] = { 0x01, 0x23, 0x45, 0x67, 0x89,
				    0xab, 0xcd, 0xef };
	static const uint8_t	 spi_r[8] = { 0xfe, 0xdc, 0xba, 0x98, 0x76,
				    0x54, 0x32, 0x10 };
	struct child_status	*cs;

	memset(ts, 0, sizeof(*ts));
	cs = ts->ts_child = calloc(1, sizeof(*ts->ts_child));
	ck_assert_ptr_nonnull(cs);
	strcpy(ts->ts_name, "vpc1-vpc2");
	inet_pton(AF_INET, "198.51.100.1", &ts->ts_local);
	inet_pton(AF_INET, "198.51.100.2", &ts->ts_remote);
	ts->ts_state = TUNNEL_CONNECTED;
	ts->ts_ike_version = 2;
	strcpy(ts->ts_ike_algs, "aes128/sha1/prfsha1/modp1024");
	memcpy(ts->ts_spi_i, spi_i, 8);
	memcpy(ts->ts_spi_r, spi_r, 8);
	ts->ts_established = T_ESTABLISHED;
	strcpy(ts->ts_warning, "aggressive mode");
	ts->ts_nchild = 1;
	cs->cs_proto = IPPROTO_ESP;
	cs->cs_spi_in = htonl(0xc0ffee01);
	cs->cs_spi_out = htonl(0x0badf00d);
	strcpy(cs->cs_local_ts, "172.16.0.0/24");
	strcpy(cs->cs_remote_ts, "10.0.0.0/12");
	strcpy(cs->cs_algs, "aes128/sha1/modp1024");
	cs->cs_bytes_in = 1234;
	cs->cs_packets_in = 10;
	cs->cs_bytes_out = 5678;
	cs->cs_packets_out = 20;
	/* totals: this child plus CHILD SAs rekeyed away before */
	strcpy(ts->ts_peer_name, "vpc2");
	ts->ts_bytes_in = 91234;
	ts->ts_packets_in = 110;
	ts->ts_bytes_out = 95678;
	ts->ts_packets_out = 120;
	ts->ts_child_rekeys = 3;
	ts->ts_ike_rekeys = 1;
	ts->ts_failures = 2;
}

/*
 * fixture_connected with nchild CHILD SAs instead of one, as a tunnel of
 * 20 x 20 segments has: child i (from 0) has SPIs c1000000 + i (in) and
 * c2000000 + i (out), the local selectors 172.16.(i / 20).0/24 and the 20
 * peer segments 10.0.0.0/16 ... 10.19.0.0/16 (as an IKEv1 peer would, or
 * an IKEv2 peer narrowing to one pair, that is the most text per child).
 */
static void
fixture_many(struct tunnel_status *ts, int nchild)
{
	struct child_status	*cs;
	size_t			 off;
	int			 i, k;

	fixture_connected(ts);
	free(ts->ts_child);
	ts->ts_child = calloc((size_t)nchild, sizeof(*ts->ts_child));
	ck_assert_ptr_nonnull(ts->ts_child);
	ts->ts_nchild = nchild;
	for (i = 0; i < nchild; i++) {
		cs = &ts->ts_child[i];
		cs->cs_proto = IPPROTO_ESP;
		cs->cs_spi_in = htonl(0xc1000000 + (uint32_t)i);
		cs->cs_spi_out = htonl(0xc2000000 + (uint32_t)i);
		snprintf(cs->cs_local_ts, sizeof(cs->cs_local_ts),
		    "172.16.%d.0/24", i / 20);
		for (k = 0, off = 0; k < 20; k++)
			off += (size_t)snprintf(cs->cs_remote_ts + off,
			    sizeof(cs->cs_remote_ts) - off, "%s10.%d.0.0/16",
			    k > 0 ? "," : "", k);
		ck_assert_uint_lt(off, sizeof(cs->cs_remote_ts));
		strcpy(cs->cs_algs, "aes256gcm16/modp2048");
		cs->cs_bytes_in = 1000 + (uint64_t)i;
	}
}

/* How many times needle is in s. */
static int
count_str(const char *s, const char *needle)
{
	int	 n = 0;

	for (; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return (n);
}

/* An IKEv1 tunnel whose phase 1 failed. */
static void
fixture_failed(struct tunnel_status *ts)
{
	memset(ts, 0, sizeof(*ts));
	strcpy(ts->ts_name, "to-any");
	inet_pton(AF_INET, "198.51.100.1", &ts->ts_local);
	ts->ts_state = TUNNEL_PHASE1_FAILED;
	ts->ts_ike_version = 1;
	strcpy(ts->ts_last_error, "no proposal chosen");
	strcpy(ts->ts_peer_name, "any");
	ts->ts_failures = 3;
}

static const char text_connected[] =
    "vpc1-vpc2: 198.51.100.1 -> 198.51.100.2\n"
    "  state:       Connected\n"
    "  IKE:         IKEv2 aes128/sha1/prfsha1/modp1024\n"
    "  IKE SPIs:    0123456789abcdef (initiator) fedcba9876543210 "
    "(responder)\n"
    "  established: 2024-05-01T12:00:00Z (1h 02m 03s ago)\n"
    "  warning:     aggressive mode\n"
    "  traffic:     in 91234 bytes, 110 packets; out 95678 bytes, 120 "
    "packets (all CHILD SAs)\n"
    "  rekeys:      3 CHILD, 1 IKE; 2 failed attempts\n"
    "  child 1:     ESP SPIs c0ffee01 (in) 0badf00d (out)\n"
    "    selectors:  172.16.0.0/24 === 10.0.0.0/12\n"
    "    algorithms: aes128/sha1/modp1024\n"
    "    in:         1234 bytes, 10 packets\n"
    "    out:        5678 bytes, 20 packets\n";

static const char text_failed[] =
    "to-any: 198.51.100.1 -> 0.0.0.0\n"
    "  state:       Phase 1 failed\n"
    "  IKE:         IKEv1\n"
    "  last error:  no proposal chosen\n"
    "  traffic:     in 0 bytes, 0 packets; out 0 bytes, 0 packets (all "
    "CHILD SAs)\n"
    "  rekeys:      0 CHILD, 0 IKE; 3 failed attempts\n";

static const char json_connected[] =
    "{\"name\":\"vpc1-vpc2\",\"gateway\":\"198.51.100.1\","
    "\"peer\":\"198.51.100.2\",\"state\":\"Connected\",\"ike_version\":2,"
    "\"ike_algorithms\":\"aes128/sha1/prfsha1/modp1024\","
    "\"spi_i\":\"0123456789abcdef\",\"spi_r\":\"fedcba9876543210\","
    "\"established\":\"2024-05-01T12:00:00Z\",\"age\":3723,"
    "\"last_error\":\"\",\"warning\":\"aggressive mode\","
    "\"waiting_half_open\":false,"
    "\"peer_name\":\"vpc2\",\"bytes_in\":91234,\"bytes_out\":95678,"
    "\"packets_in\":110,\"packets_out\":120,\"child_rekeys\":3,"
    "\"ike_rekeys\":1,\"failures\":2,\"children\":["
    "{\"protocol\":\"esp\",\"spi_in\":\"c0ffee01\",\"spi_out\":\"0badf00d\","
    "\"local_ts\":\"172.16.0.0/24\",\"remote_ts\":\"10.0.0.0/12\","
    "\"algorithms\":\"aes128/sha1/modp1024\",\"bytes_in\":1234,"
    "\"bytes_out\":5678,\"packets_in\":10,\"packets_out\":20}]}";

static const char json_failed[] =
    "{\"name\":\"to-any\",\"gateway\":\"198.51.100.1\",\"peer\":\"0.0.0.0\","
    "\"state\":\"Phase 1 failed\",\"ike_version\":1,\"ike_algorithms\":\"\","
    "\"spi_i\":\"0000000000000000\",\"spi_r\":\"0000000000000000\","
    "\"established\":null,\"age\":null,"
    "\"last_error\":\"no proposal chosen\",\"warning\":\"\","
    "\"waiting_half_open\":false,"
    "\"peer_name\":\"any\",\"bytes_in\":0,\"bytes_out\":0,"
    "\"packets_in\":0,\"packets_out\":0,\"child_rekeys\":0,"
    "\"ike_rekeys\":0,\"failures\":3,\"children\":[]}";

/* The buffer's contents as a C string (owned by the caller). */
static char *
buf_str(const struct buf *b)
{
	char	*s = malloc(b->buf_len + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, b->buf_data, b->buf_len);
	s[b->buf_len] = '\0';
	return (s);
}

/* state names */

static const struct {
	enum tunnel_state	 state;
	const char		*name;
} state_vectors[] = {
	{ TUNNEL_DOWN,		"Down" },
	{ TUNNEL_CONNECTING,	"Connecting" },
	{ TUNNEL_CONNECTED,	"Connected" },
	{ TUNNEL_PHASE1_FAILED,	"Phase 1 failed" },
	{ TUNNEL_PHASE2_FAILED,	"Phase 2 failed" },
	{ (enum tunnel_state)99, "Unknown" },
};

START_TEST(test_state_name_products_words)
{
	ck_assert_str_eq(status_state_name(state_vectors[_i].state),
	    state_vectors[_i].name);
}
END_TEST

/* status text */

START_TEST(test_status_text_two_tunnels)
{
	struct tunnel_status	 ts[2];
	struct buf		*b = buf_new(64);
	char			*s, want[2048];

	fixture_connected(&ts[0]);
	fixture_failed(&ts[1]);
	ck_assert_int_eq(status_fmt_text(b, ts, 2,
	    T_ESTABLISHED + 3600 + 2 * 60 + 3), 0);
	s = buf_str(b);
	snprintf(want, sizeof(want), "%s\n%s", text_connected, text_failed);
	ck_assert_str_eq(s, want);
	ike_status_free(ts, 2);
	free(s);
	buf_free(b);
}
END_TEST

/* A tunnel waiting for a half-open slot towards its peer (pacing):
 * Connecting, with the detail line in text and the flag in JSON. */
START_TEST(test_status_pace_wait)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s;

	fixture_failed(&ts);
	ts.ts_state = TUNNEL_CONNECTING;
	ts.ts_last_error[0] = '\0';
	ts.ts_pace_wait = 1;
	ck_assert_int_eq(status_fmt_text(b, &ts, 1, T_ESTABLISHED), 0);
	s = buf_str(b);
	ck_assert_ptr_nonnull(strstr(s, "  state:       Connecting\n"));
	ck_assert_ptr_nonnull(strstr(s, "\n  detail:      waiting for a "
	    "half-open slot towards the peer (initiate-half-open-per-peer)\n"));
	free(s);
	buf_free(b);
	b = buf_new(64);
	ck_assert_int_eq(status_fmt_json(b, &ts, 1, T_ESTABLISHED), 0);
	s = buf_str(b);
	ck_assert_ptr_nonnull(strstr(s, ",\"waiting_half_open\":true,"));
	free(s);
	buf_free(b);
	ike_status_free(&ts, 1);
}
END_TEST

START_TEST(test_status_text_no_tunnels)
{
	struct buf	*b = buf_new(64);
	char		*s;

	ck_assert_int_eq(status_fmt_text(b, NULL, 0, 0), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, "no tunnels configured\n");
	free(s);
	buf_free(b);
}
END_TEST

/* Age of an established tunnel, as text and as JSON seconds. */
static const struct {
	long long	 age;
	const char	*text;
} age_vectors[] = {
	{ 0,		"(0s ago)" },
	{ 59,		"(59s ago)" },
	{ 61,		"(1m 01s ago)" },
	{ 3600,		"(1h 00m 00s ago)" },
	{ 86400 + 3661,	"(1d 01h 01m 01s ago)" },
	{ -5,		"(0s ago)" },		/* clock went back */
};

START_TEST(test_status_text_established_age)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s;

	fixture_connected(&ts);
	ck_assert_int_eq(status_fmt_text(b, &ts, 1,
	    T_ESTABLISHED + age_vectors[_i].age), 0);
	s = buf_str(b);
	ck_assert_msg(strstr(s, age_vectors[_i].text) != NULL,
	    "%lld: want %s in\n%s", age_vectors[_i].age,
	    age_vectors[_i].text, s);
	ck_assert_ptr_nonnull(strstr(s, "established: 2024-05-01T12:00:00Z"));
	ike_status_free(&ts, 1);
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_status_text_unterminated_and_control_chars)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s;

	fixture_failed(&ts);
	/* An engine bug must not make us read past the field. */
	memset(ts.ts_name, 'x', sizeof(ts.ts_name));
	strcpy(ts.ts_last_error, "bad\n\x1b[31mred");
	ck_assert_int_eq(status_fmt_text(b, &ts, 1, 0), 0);
	s = buf_str(b);
	ck_assert_int_eq(strspn(s, "x"), sizeof(ts.ts_name));
	ck_assert_str_eq(s + sizeof(ts.ts_name), ": 198.51.100.1 -> 0.0.0.0\n"
	    "  state:       Phase 1 failed\n"
	    "  IKE:         IKEv1\n"
	    "  last error:  bad??[31mred\n"
	    "  traffic:     in 0 bytes, 0 packets; out 0 bytes, 0 packets "
	    "(all CHILD SAs)\n"
	    "  rekeys:      0 CHILD, 0 IKE; 3 failed attempts\n");
	free(s);
	buf_free(b);
}
END_TEST

/* Every CHILD SA of a 20 x 20 tunnel (_i: 25 or 400 of them), each with
 * its 20 peer selectors: status once stopped at 16. */
static const int many_vectors[] = { 17, 25, 400 };

START_TEST(test_status_text_every_child)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s, want[1024];
	int			 i, nchild = many_vectors[_i];

	fixture_many(&ts, nchild);
	ck_assert_int_eq(status_fmt_text(b, &ts, 1, T_ESTABLISHED), 0);
	s = buf_str(b);
	ck_assert_int_eq(count_str(s, "\n  child "), nchild);
	for (i = 0; i < nchild; i++) {
		snprintf(want, sizeof(want), "\n  child %d:     ESP SPIs "
		    "%08x (in) %08x (out)\n    selectors:  %s === %s\n"
		    "    algorithms: aes256gcm16/modp2048\n"
		    "    in:         %d bytes, 0 packets\n", i + 1,
		    0xc1000000 + i, 0xc2000000 + i, ts.ts_child[i].cs_local_ts,
		    ts.ts_child[i].cs_remote_ts, 1000 + i);
		ck_assert_msg(strstr(s, want) != NULL, "no child %d", i + 1);
	}
	ck_assert_ptr_nonnull(strstr(s, "    selectors:  172.16.0.0/24 === "
	    "10.0.0.0/16,10.1.0.0/16,"));
	ike_status_free(&ts, 1);
	ck_assert_ptr_null(ts.ts_child);
	ck_assert_int_eq(ts.ts_nchild, 0);
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_status_json_every_child)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s, want[1024];
	int			 i, nchild = many_vectors[_i];

	fixture_many(&ts, nchild);
	ck_assert_int_eq(status_fmt_json(b, &ts, 1, T_ESTABLISHED), 0);
	s = buf_str(b);
	ck_assert_int_eq(count_str(s, "{\"protocol\":"), nchild);
	for (i = 0; i < nchild; i++) {
		snprintf(want, sizeof(want), "%s{\"protocol\":\"esp\","
		    "\"spi_in\":\"%08x\",\"spi_out\":\"%08x\","
		    "\"local_ts\":\"%s\",\"remote_ts\":\"%s\","
		    "\"algorithms\":\"aes256gcm16/modp2048\",\"bytes_in\":%d,"
		    "\"bytes_out\":0,\"packets_in\":0,\"packets_out\":0}%s",
		    i == 0 ? "\"children\":[" : ",", 0xc1000000 + i,
		    0xc2000000 + i, ts.ts_child[i].cs_local_ts,
		    ts.ts_child[i].cs_remote_ts, 1000 + i,
		    i == nchild - 1 ? "]}]}\n" : ",");
		ck_assert_msg(strstr(s, want) != NULL, "no child %d", i + 1);
	}
	ike_status_free(&ts, 1);
	free(s);
	buf_free(b);
}
END_TEST

/* status JSON */

START_TEST(test_status_json_two_tunnels)
{
	struct tunnel_status	 ts[2];
	struct buf		*b = buf_new(64);
	char			*s, want[4096];

	fixture_connected(&ts[0]);
	fixture_failed(&ts[1]);
	ck_assert_int_eq(status_fmt_json(b, ts, 2, T_ESTABLISHED + 3723), 0);
	s = buf_str(b);
	snprintf(want, sizeof(want), "{\"tunnels\":[%s,%s]}\n",
	    json_connected, json_failed);
	ck_assert_str_eq(s, want);
	ike_status_free(ts, 2);
	free(s);
	buf_free(b);
}
END_TEST

/* Volume lifetimes of a CHILD SA: shown when set, text and JSON. */
START_TEST(test_status_volume_lifetimes)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s, want[4096];
	size_t			 n;

	fixture_connected(&ts);
	ts.ts_child[0].cs_life_bytes = 4718592000ULL;
	ts.ts_child[0].cs_soft_bytes = 4100000000ULL;
	ck_assert_int_eq(status_fmt_text(b, &ts, 1,
	    T_ESTABLISHED + 3600 + 2 * 60 + 3), 0);
	s = buf_str(b);
	snprintf(want, sizeof(want), "%s    life bytes: 4718592000 per SA "
	    "(rekey from 4100000000)\n", text_connected);
	ck_assert_str_eq(s, want);
	free(s);
	buf_free(b);

	ts.ts_child[0].cs_life_packets = 100000;
	ts.ts_child[0].cs_soft_packets = 87000;
	b = buf_new(64);
	ck_assert_int_eq(status_fmt_json(b, &ts, 1, T_ESTABLISHED + 3723), 0);
	s = buf_str(b);
	/* json_connected without its closing "}]}" */
	n = strlen(json_connected) - 3;
	snprintf(want, sizeof(want), "{\"tunnels\":[%.*s,\"life_bytes\":"
	    "4718592000,\"soft_bytes\":4100000000,\"life_packets\":100000,"
	    "\"soft_packets\":87000}]}]}\n", (int)n, json_connected);
	ck_assert_str_eq(s, want);
	free(s);
	buf_free(b);

	b = buf_new(64);
	ck_assert_int_eq(status_fmt_text(b, &ts, 1,
	    T_ESTABLISHED + 3600 + 2 * 60 + 3), 0);
	s = buf_str(b);
	snprintf(want, sizeof(want), "%s    life bytes: 4718592000 per SA "
	    "(rekey from 4100000000)\n    life packets: 100000 per SA (rekey "
	    "from 87000)\n", text_connected);
	ck_assert_str_eq(s, want);
	ike_status_free(&ts, 1);
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_status_json_no_tunnels)
{
	struct buf	*b = buf_new(64);
	char		*s;

	ck_assert_int_eq(status_fmt_json(b, NULL, 0, 0), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, "{\"tunnels\":[]}\n");
	free(s);
	buf_free(b);
}
END_TEST

static const struct {
	const char	*in;
	const char	*out;
} json_vectors[] = {
	{ "plain",		"\"plain\"" },
	{ "",			"\"\"" },
	{ "a\"b",		"\"a\\\"b\"" },
	{ "back\\slash",	"\"back\\\\slash\"" },
	{ "nl\nx",		"\"nl\\nx\"" },
	{ "\x01\x1f\x7f",	"\"\\u0001\\u001f\\u007f\"" },
	{ "caf\xc3\xa9",	"\"caf\xc3\xa9\"" },		/* UTF-8 */
	{ "\xe2\x82\xac",	"\"\xe2\x82\xac\"" },		/* euro sign */
	{ "\xf0\x9f\x98\x80",	"\"\xf0\x9f\x98\x80\"" },	/* U+1F600 */
	{ "bad\xff",		"\"bad\\ufffd\"" },
	{ "\xc0\xaf",		"\"\\ufffd\\ufffd\"" },		/* overlong */
	{ "\xed\xa0\x80",	"\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "cut\xe2\x82",	"\"cut\\ufffd\\ufffd\"" },	/* truncated */
	{ "\xf4\x90\x80\x80",	"\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

START_TEST(test_json_str_escaping)
{
	struct buf	*b = buf_new(16);
	char		*s;

	ck_assert_int_eq(status_json_str(b, json_vectors[_i].in), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, json_vectors[_i].out);
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_status_json_name_escaped)
{
	struct tunnel_status	 ts;
	struct buf		*b = buf_new(64);
	char			*s;

	fixture_failed(&ts);
	strcpy(ts.ts_name, "a\"b\\c");
	strcpy(ts.ts_last_error, "peer said \"no\"\n");
	ck_assert_int_eq(status_fmt_json(b, &ts, 1, 0), 0);
	s = buf_str(b);
	ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"a\\\"b\\\\c\","));
	ck_assert_ptr_nonnull(strstr(s,
	    "\"last_error\":\"peer said \\\"no\\\"\\n\""));
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_status_counters_lines)
{
	struct ike_counters	 ic = { .ic_rx = 7, .ic_bad_icv = 3 };
	struct net_counters	 nc = { .nc_esp = 5, .nc_keepalive = 2 };
	struct buf		*b = buf_new(64);
	char			*s;

	ck_assert_int_eq(status_fmt_counters(b, &ic, &nc), 0);
	s = buf_str(b);
	ck_assert_ptr_nonnull(strstr(s, "ike received          7\n"));
	ck_assert_ptr_nonnull(strstr(s, "ike bad ICV           3\n"));
	ck_assert_ptr_nonnull(strstr(s, "udp ESP in userspace  5\n"));
	ck_assert_ptr_nonnull(strstr(s, "udp NAT keepalives    2\n"));
	ck_assert_ptr_nonnull(strstr(s, "ike dropped           0\n"));
	free(s);
	buf_free(b);
}
END_TEST

/* request parsing */

/* The longest tunnel name, CFG_NAME_MAX - 1 characters. */
#define NAME63	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct {
	const char	*line;
	int		 cmd;
	const char	*name;
} req_ok_vectors[] = {
	{ "status\n",		CONTROL_STATUS,		"" },
	{ "status",		CONTROL_STATUS,		"" },
	{ "status\r\n",		CONTROL_STATUS,		"" },
	{ "  status  \n",	CONTROL_STATUS,		"" },
	{ "status --json\n",	CONTROL_STATUS_JSON,	"" },
	{ "status\t--json",	CONTROL_STATUS_JSON,	"" },
	{ "counters\n",		CONTROL_COUNTERS,	"" },
	{ "up vpc1-vpc2\n",	CONTROL_UP,		"vpc1-vpc2" },
	{ "down a_b.c-9\n",	CONTROL_DOWN,		"a_b.c-9" },
	{ "up " NAME63,		CONTROL_UP,		NAME63 },
};

START_TEST(test_req_parse_valid)
{
	struct control_req	 req;
	char			 err[512];
	const char		*l = req_ok_vectors[_i].line;

	ck_assert_int_eq(control_req_parse(l, strlen(l), &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(req.cr_cmd, req_ok_vectors[_i].cmd);
	ck_assert_str_eq(req.cr_name, req_ok_vectors[_i].name);
}
END_TEST

static const struct {
	const char	*line;
	const char	*err;		/* prefix of the reply */
} req_bad_vectors[] = {
	{ "",			"error: empty request" },
	{ "\n",			"error: empty request" },
	{ "bogus\n",		"error: unknown command \"bogus\"" },
	{ "STATUS\n",		"error: unknown command \"STATUS\"" },
	{ "status --xml\n",	"error: unknown command \"status --xml\"" },
	{ "status --json x\n",	"error: unknown command" },
	{ "counters now\n",	"error: unknown command" },
	{ "up\n",		"error: unknown command \"up\"" },
	{ "up a b\n",		"error: unknown command \"up a b\"" },
	{ "down\n",		"error: unknown command" },
	{ "up a/b\n",		"error: invalid tunnel name \"a/b\"" },
	{ "rekey\n",		"error: unknown command \"rekey\"" },
	{ "export\n",		"error: unknown command \"export\"" },
	{ "export a swanctl x\n",	"error: unknown command" },
	{ "export a xml\n",	"error: unknown export format \"xml\" "
				    "(expected one of: ipsec.conf, swanctl, "
				    "libreswan, cisco-ios)" },
	{ "export a --format\n",	"error: unknown export format \"--format\"" },
	{ "export a/b swanctl\n",	"error: invalid tunnel name \"a/b\"" },
	{ "rekey   \n",		"error: unknown command \"rekey   \"" },
	{ "rekey a ike now\n",	"error: unknown command \"rekey a ike now\"" },
	{ "rekey a child ike\n",	"error: unknown command" },
	{ "rekey a b\n",		"error: unknown rekey kind \"b\" (expected: "
				    "rekey NAME ike, or rekey NAME child" },
	{ "rekey a IKE\n",	"error: unknown rekey kind \"IKE\"" },
	{ "rekey a --ike\n",	"error: unknown rekey kind \"--ike\"" },
	{ "rekey a/b ike\n",	"error: invalid tunnel name \"a/b\"" },
	{ "REKEY a\n",		"error: unknown command \"REKEY a\"" },
	{ "rekey a\x01 ike\n",	"error: unknown command (control character" },
	{ "up \xc3\xa9\n",	"error: invalid tunnel name" },
	{ "status\x1b\n",	"error: unknown command (control character" },
	{ "up a\rb\n",		"error: unknown command (control character" },
	{ "up aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",		/* 64 chars */
				"error: invalid tunnel name" },
};

START_TEST(test_req_parse_invalid)
{
	struct control_req	 req;
	char			 err[512];
	const char		*l = req_bad_vectors[_i].line;

	ck_assert_int_eq(control_req_parse(l, strlen(l), &req, err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, req_bad_vectors[_i].err,
	    strlen(req_bad_vectors[_i].err)) == 0, "%s: got %s", l, err);
}
END_TEST

/* "rekey NAME [ike|child]": the CHILD SAs unless told "ike". */
static const struct {
	const char	*line;
	const char	*name;
	int		 ike;
} req_rekey_vectors[] = {
	{ "rekey vpc1-vpc2\n",		"vpc1-vpc2",	0 },
	{ "rekey vpc1-vpc2 child\n",	"vpc1-vpc2",	0 },
	{ "rekey vpc1-vpc2 ike\n",	"vpc1-vpc2",	1 },
	{ "\trekey  a_b.c-9\tike \r\n",	"a_b.c-9",	1 },
	{ "rekey ike",			"ike",		0 },	/* a name */
	{ "rekey child ike",		"child",	1 },
	{ "rekey " NAME63 " child",	NAME63,		0 },
};

START_TEST(test_req_parse_rekey)
{
	struct control_req	 req;
	char			 err[512];
	const char		*l = req_rekey_vectors[_i].line;

	/* a stale kind must not survive into the next request */
	memset(&req, 0xff, sizeof(req));
	ck_assert_int_eq(control_req_parse(l, strlen(l), &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(req.cr_cmd, CONTROL_REKEY);
	ck_assert_str_eq(req.cr_name, req_rekey_vectors[_i].name);
	ck_assert_int_eq(req.cr_ike, req_rekey_vectors[_i].ike);
}
END_TEST

/* "export NAME [FORMAT]": ipsec.conf unless told otherwise. */
static const struct {
	const char	*line;
	const char	*name;
	int		 format;
} req_export_vectors[] = {
	{ "export vpc1-vpc2\n",		"vpc1-vpc2",	EXPORT_IPSEC_CONF },
	{ "export vpc1-vpc2 ipsec.conf\n",	"vpc1-vpc2",	EXPORT_IPSEC_CONF },
	{ "export t swanctl",		"t",		EXPORT_SWANCTL },
	{ "export t libreswan\r\n",	"t",		EXPORT_LIBRESWAN },
	{ " export\tswanctl cisco-ios",	"swanctl",	EXPORT_CISCO_IOS },
};

START_TEST(test_req_parse_export)
{
	struct control_req	 req;
	char			 err[512];
	const char		*l = req_export_vectors[_i].line;

	memset(&req, 0xff, sizeof(req));
	ck_assert_int_eq(control_req_parse(l, strlen(l), &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(req.cr_cmd, CONTROL_EXPORT);
	ck_assert_str_eq(req.cr_name, req_export_vectors[_i].name);
	ck_assert_int_eq(req.cr_format, req_export_vectors[_i].format);
}
END_TEST

START_TEST(test_req_parse_nul_byte)
{
	struct control_req	 req;
	char			 err[512];

	ck_assert_int_eq(control_req_parse("up a\0b\n", 7, &req, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "control character"));
}
END_TEST

START_TEST(test_req_parse_too_long)
{
	struct control_req	 req;
	char			 line[CONTROL_REQ_MAX + 2], err[512];

	/* The longest line accepted: CONTROL_REQ_MAX - 1 bytes + "\n". */
	memset(line, ' ', sizeof(line));
	memcpy(line, "status", 6);
	line[CONTROL_REQ_MAX - 1] = '\n';
	ck_assert_int_eq(control_req_parse(line, CONTROL_REQ_MAX, &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(req.cr_cmd, CONTROL_STATUS);
	line[CONTROL_REQ_MAX - 1] = ' ';
	line[CONTROL_REQ_MAX] = '\n';
	ck_assert_int_eq(control_req_parse(line, CONTROL_REQ_MAX + 1, &req,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "error: request too long (at most 255 bytes)");
}
END_TEST

/* non-ESP marker, RFC 3948 §2.2 */

static const struct {
	const char	*name;
	uint16_t	 port;
	const uint8_t	*in;
	size_t		 inlen;
	int		 class;
	size_t		 off;		/* of the IKE message in in */
} marker_vectors[] = {
	{ "ike on 500", 500, (const uint8_t *)"\x11\x22\x33\x44\x55", 5,
	    NET_DGRAM_IKE, 0 },
	{ "zeros on 500 stay", 500, (const uint8_t *)"\0\0\0\0\x55", 5,
	    NET_DGRAM_IKE, 0 },
	{ "empty on 500", 500, (const uint8_t *)"", 0, NET_DGRAM_SHORT, 0 },
	{ "ike on 4500", 4500, (const uint8_t *)"\0\0\0\0\x11\x22", 6,
	    NET_DGRAM_IKE, 4 },
	{ "esp on 4500", 4500, (const uint8_t *)"\0\0\0\x01\x11\x22", 6,
	    NET_DGRAM_ESP, 0 },
	{ "esp spi high", 4500, (const uint8_t *)"\x80\0\0\0\0\0\0\0\0", 9,
	    NET_DGRAM_ESP, 0 },
	{ "keepalive", 4500, (const uint8_t *)"\xff", 1, NET_DGRAM_KEEPALIVE,
	    0 },
	{ "one zero byte", 4500, (const uint8_t *)"\0", 1, NET_DGRAM_SHORT,
	    0 },
	{ "three bytes", 4500, (const uint8_t *)"\0\0\0", 3, NET_DGRAM_SHORT,
	    0 },
	{ "marker only", 4500, (const uint8_t *)"\0\0\0\0", 4,
	    NET_DGRAM_SHORT, 0 },
	{ "empty on 4500", 4500, (const uint8_t *)"", 0, NET_DGRAM_SHORT, 0 },
	{ "ff ff on 4500", 4500, (const uint8_t *)"\xff\xff", 2,
	    NET_DGRAM_SHORT, 0 },
};

START_TEST(test_net_marker_classify)
{
	const uint8_t	*out = (const uint8_t *)"sentinel";
	size_t		 outlen = 99;
	int		 c;

	c = net_strip_marker(marker_vectors[_i].in, marker_vectors[_i].inlen,
	    marker_vectors[_i].port, &out, &outlen);
	ck_assert_msg(c == marker_vectors[_i].class, "%s: class %d",
	    marker_vectors[_i].name, c);
	if (c == NET_DGRAM_IKE) {
		ck_assert_ptr_eq(out, marker_vectors[_i].in +
		    marker_vectors[_i].off);
		ck_assert_uint_eq(outlen, marker_vectors[_i].inlen -
		    marker_vectors[_i].off);
	} else {
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(outlen, 0);
	}
}
END_TEST

/* IKE sockets over loopback, on free ports */

struct net_rx {
	uint8_t			 nr_pkt[64];
	size_t			 nr_len;	/* at most 64 kept */
	size_t			 nr_full_len;
	int			 nr_count;
	struct sockaddr_in	 nr_local;
	struct sockaddr_in	 nr_remote;
};

static void
net_rx_cb(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net_rx	*rx = arg;

	rx->nr_count++;
	rx->nr_full_len = len;
	rx->nr_len = len < sizeof(rx->nr_pkt) ? len : sizeof(rx->nr_pkt);
	memcpy(rx->nr_pkt, pkt, rx->nr_len);
	rx->nr_local = *local;
	rx->nr_remote = *remote;
}

static int
udp_loopback_socket(struct sockaddr_in *sin)
{
	socklen_t	 len = sizeof(*sin);
	int		 fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ne(fd, -1);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return (fd);
}

static void
udp_send_to(int fd, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in	 to;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	ck_assert_int_eq(sendto(fd, p, len, 0, (struct sockaddr *)&to,
	    sizeof(to)), (ssize_t)len);
}

/* Order of what net.c hands on: n-th call, first messages seen, and
 * the call that carried the other message. */
struct net_order {
	int	 no_n, no_firsts, no_other_at;
};

static void
net_order_cb(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net_order	*o = arg;

	o->no_n++;
	if (len >= 28 && pkt[8] == 0)
		o->no_firsts++;
	else
		o->no_other_at = o->no_n;
}

/*
 * First messages (zero responder SPI) wait apart and go 32 per turn;
 * another message read with them is handled at once, before them.
 * Beyond 256 waiting, first messages are dropped and counted.
 */
START_TEST(test_net_first_messages_wait_apart)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_order	 o;
	struct net_counters	 nc;
	struct sockaddr_in	 peer;
	uint8_t			 first[40], other[40];
	int			 fd, i;

	memset(&o, 0, sizeof(o));
	memset(first, 0, sizeof(first));
	memset(other, 0, sizeof(other));
	first[0] = other[0] = 0x11;	/* initiator's SPI */
	other[8] = 0x22;		/* responder's SPI: under way */
	ck_assert_ptr_nonnull(n = net_open(base, 0, 0, NULL, net_order_cb,
	    &o));
	fd = udp_loopback_socket(&peer);
	for (i = 0; i < 100; i++)
		udp_send_to(fd, net_port(n, 0), first, sizeof(first));
	udp_send_to(fd, net_port(n, 0), other, sizeof(other));
	event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(o.no_n, 1);
	ck_assert_int_eq(o.no_other_at, 1);
	for (i = 0; i < 20 && o.no_firsts < 100; i++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(o.no_firsts, 100);
	ck_assert_int_ge(i, 3);		/* 32 per turn */
	/* 150 wait; 150 more: 106 join them, 44 are dropped */
	for (i = 0; i < 150; i++)
		udp_send_to(fd, net_port(n, 0), first, sizeof(first));
	event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(o.no_firsts, 100);
	for (i = 0; i < 150; i++)
		udp_send_to(fd, net_port(n, 0), first, sizeof(first));
	event_base_loop(base, EVLOOP_ONCE);
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_first_shed, 44);
	for (i = 0; i < 40 && o.no_firsts < 356; i++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(o.no_firsts, 356);
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_rx, 357);
	/* some wait when the sockets close: freed (ASan) */
	for (i = 0; i < 10; i++)
		udp_send_to(fd, net_port(n, 1), "\0\0\0\0\x11\0\0\0\0\0\0\0"
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
	event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(o.no_firsts, 356);
	close(fd);
	net_close(n);
	event_base_free(base);
}
END_TEST

/* The initiator SPIs' first bytes of what net.c hands on, in order. */
struct net_spis {
	int		 ns_n;
	uint16_t	 ns_spi[512];
};

static void
net_spis_cb(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net_spis	*o = arg;

	if (o->ns_n < 512)
		o->ns_spi[o->ns_n] = pkt[1] | pkt[2] << 8;
	o->ns_n++;
}

/*
 * A first message shed from a full queue and sent again (a real
 * initiator's retransmission) goes to the head of the queue; the newest
 * waiting one is shed in its place.  One that was never shed waits its
 * turn or is shed as before.
 */
START_TEST(test_net_first_retransmission_goes_first)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_spis		 o;
	struct net_counters	 nc;
	struct sockaddr_in	 local, peer;
	uint8_t			 first[40];
	int			 i;

	memset(&o, 0, sizeof(o));
	memset(first, 0, sizeof(first));
	memset(&local, 0, sizeof(local));
	local.sin_family = peer.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_addr.s_addr = htonl(0xc6120001);	/* 198.18.0.1 */
	peer.sin_port = htons(500);
	first[0] = 0x11;
	ck_assert_ptr_nonnull(n = net_open(base, 0, 0, NULL, net_spis_cb,
	    &o));
	/* SPIs 1..255 and 0 wait; 1..44 again (sent before) are shed */
	for (i = 1; i <= 300; i++) {
		first[1] = (uint8_t)i;
		net_ike_input(n, first, sizeof(first), &local, &peer);
	}
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_first_shed, 44);
	/* 44 again: it goes first, the newest (0) is shed; 0x100 is new */
	first[1] = 44;
	net_ike_input(n, first, sizeof(first), &local, &peer);
	first[1] = 0;
	first[2] = 1;
	net_ike_input(n, first, sizeof(first), &local, &peer);
	first[2] = 0;
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_first_shed, 46);
	/* from another port it is another initiator's: shed */
	first[1] = 43;
	peer.sin_port = htons(4500);
	net_ike_input(n, first, sizeof(first), &local, &peer);
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_first_shed, 47);
	for (i = 0; i < 20 && o.ns_n < 256; i++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(o.ns_n, 256);
	ck_assert_uint_eq(o.ns_spi[0], 44);	/* first */
	ck_assert_uint_eq(o.ns_spi[1], 1);	/* then the oldest */
	ck_assert_uint_eq(o.ns_spi[255], 255);	/* 0 gave way */
	for (i = 0; i < 256; i++)
		ck_assert_uint_ne(o.ns_spi[i], 0x100);
	net_close(n);
	event_base_free(base);
}
END_TEST

/*
 * A datagram of up to 16,384 bytes (a receive slot, net.c) is handed on
 * whole; a longer one is cut by the kernel, dropped and counted.
 */
START_TEST(test_net_socket_long_datagram)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_rx		 rx;
	struct net_counters	 nc;
	struct sockaddr_in	 peer;
	static uint8_t		 big[20000];
	int			 fd;

	memset(&rx, 0, sizeof(rx));
	ck_assert_ptr_nonnull(n = net_open(base, 0, 0, NULL, net_rx_cb, &rx));
	fd = udp_loopback_socket(&peer);
	memset(big, 0x5a, sizeof(big));
	memset(big, 0, 4);
	udp_send_to(fd, net_port(n, 0), big, 16384);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(rx.nr_count, 1);
	ck_assert_uint_eq(rx.nr_full_len, 16384);
	udp_send_to(fd, net_port(n, 0), big, 16385);
	udp_send_to(fd, net_port(n, 0), big, sizeof(big));
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(rx.nr_count, 1);
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_truncated, 2);
	close(fd);
	net_close(n);
	event_base_free(base);
}
END_TEST

START_TEST(test_net_socket_strips_and_adds_marker)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_rx		 rx;
	struct net_counters	 nc;
	struct sockaddr_in	 peer, local;
	uint8_t			 got[64];
	ssize_t			 r;
	int			 fd;

	memset(&rx, 0, sizeof(rx));
	n = net_open(base, 0, 0, NULL, net_rx_cb, &rx);
	ck_assert_ptr_nonnull(n);
	fd = udp_loopback_socket(&peer);

	/* IKE on the IKE port arrives as is, with the local address. */
	udp_send_to(fd, net_port(n, 0), "\0\0\0\0IKE", 7);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(rx.nr_count, 1);
	ck_assert_uint_eq(rx.nr_len, 7);
	ck_assert_mem_eq(rx.nr_pkt, "\0\0\0\0IKE", 7);
	ck_assert_uint_eq(rx.nr_local.sin_addr.s_addr,
	    htonl(INADDR_LOOPBACK));
	ck_assert_uint_eq(ntohs(rx.nr_local.sin_port), net_port(n, 0));
	ck_assert_uint_eq(rx.nr_remote.sin_port, peer.sin_port);

	/* On the NAT-T port the marker is removed. */
	udp_send_to(fd, net_port(n, 1), "\0\0\0\0IKEv2", 9);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(rx.nr_count, 2);
	ck_assert_uint_eq(rx.nr_len, 5);
	ck_assert_mem_eq(rx.nr_pkt, "IKEv2", 5);
	ck_assert_uint_eq(ntohs(rx.nr_local.sin_port), net_port(n, 1));

	/* Too short for a marker: dropped and counted. */
	udp_send_to(fd, net_port(n, 1), "\0\0", 2);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(rx.nr_count, 2);
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_rx, 2);
	ck_assert_uint_eq(nc.nc_short, 1);

	/* Replies from the NAT-T port carry the marker... */
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	local.sin_port = htons(net_port(n, 1));
	ck_assert_int_eq(net_send(n, (const uint8_t *)"resp", 4, &local,
	    &peer), 0);
	r = recv(fd, got, sizeof(got), 0);
	ck_assert_int_eq(r, 8);
	ck_assert_mem_eq(got, "\0\0\0\0resp", 8);
	/* ...and from the IKE port they do not. */
	local.sin_port = htons(net_port(n, 0));
	ck_assert_int_eq(net_send(n, (const uint8_t *)"resp", 4, &local,
	    &peer), 0);
	r = recv(fd, got, sizeof(got), 0);
	ck_assert_int_eq(r, 4);
	ck_assert_mem_eq(got, "resp", 4);
	net_counters_get(n, &nc);
	ck_assert_uint_eq(nc.nc_tx, 2);

	close(fd);
	net_close(n);
	event_base_free(base);
}
END_TEST

/*
 * The sockets ask for a 1 MB receive buffer (more than the 208 KB default
 * either way: SO_RCVBUFFORCE as root, else up to net.core.rmem_max, which
 * the kernel doubles), and a burst queued before the event loop runs is
 * read in one wakeup, not one datagram per wakeup.
 */
START_TEST(test_net_socket_burst)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_rx		 rx;
	struct sockaddr_in	 peer;
	int			 fd, i;

	memset(&rx, 0, sizeof(rx));
	n = net_open(base, 0, 0, NULL, net_rx_cb, &rx);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_gt(net_rcvbuf(n, 0), 212992);
	ck_assert_int_gt(net_rcvbuf(n, 1), 212992);
	if (geteuid() == 0)
		ck_assert_int_ge(net_rcvbuf(n, 0), 2 * 1024 * 1024);
	fd = udp_loopback_socket(&peer);
	for (i = 0; i < 200; i++)
		udp_send_to(fd, net_port(n, 0), "\0\0\0\0burst", 9);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_int_eq(rx.nr_count, 200);
	close(fd);
	net_close(n);
	event_base_free(base);
}
END_TEST

/*
 * receive-buffer: both sockets get what it asks (root: SO_RCVBUFFORCE,
 * past net.core.rmem_max; the kernel reports twice the size), and it
 * can shrink again on a reload.
 */
START_TEST(test_net_rcvbuf_set)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_rx		 rx;
	FILE			*f;
	int			 rmem_max = 0;

	memset(&rx, 0, sizeof(rx));
	ck_assert_ptr_nonnull(n = net_open(base, 0, 0, NULL, net_rx_cb, &rx));
	if (geteuid() != 0) {
		/* without CAP_NET_ADMIN net.core.rmem_max caps it, and
		 * net_rcvbuf_set says so */
		ck_assert_ptr_nonnull(f = fopen("/proc/sys/net/core/rmem_max",
		    "r"));
		ck_assert_int_eq(fscanf(f, "%d", &rmem_max), 1);
		fclose(f);
		ck_assert_int_eq(net_rcvbuf_set(n, 8 * 1024 * 1024),
		    rmem_max >= 8 * 1024 * 1024 ? 0 : 1);
		ck_assert_int_eq(net_rcvbuf(n, 0), 2 *
		    (rmem_max < 8 * 1024 * 1024 ? rmem_max : 8 * 1024 * 1024));
	} else {
		ck_assert_int_eq(net_rcvbuf_set(n, 8 * 1024 * 1024), 0);
		ck_assert_int_eq(net_rcvbuf(n, 0), 16 * 1024 * 1024);
		ck_assert_int_eq(net_rcvbuf(n, 1), 16 * 1024 * 1024);
	}
	ck_assert_int_eq(net_rcvbuf_set(n, 64 * 1024), 0);
	ck_assert_int_eq(net_rcvbuf(n, 0), 128 * 1024);
	ck_assert_int_eq(net_rcvbuf(n, 1), 128 * 1024);
	net_close(n);
	event_base_free(base);
}
END_TEST

/* An echo: each datagram is answered from the callback, as the engine
 * answers a first message; the 50th to port 0, which the kernel refuses. */
struct net_echo {
	struct net	*ne_net;
	int		 ne_n;
};

static void
net_echo_cb(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net_echo		*e = arg;
	struct sockaddr_in	 to = *remote;

	if (++e->ne_n == 50)
		to.sin_port = 0;
	(void)net_send(e->ne_net, pkt, len, local, &to);
}

/*
 * Answers given while a burst is handled go out together at the end of
 * the turn (sendmmsg), in order, with the NAT-T marker where it belongs;
 * one the kernel refuses is counted and the rest still go.  The burst is
 * read with recvmmsg, more than one batch of it per wakeup.
 */
START_TEST(test_net_socket_answers_batched)
{
	struct event_base	*base = event_base_new();
	struct net		*n;
	struct net_echo		 e;
	struct net_counters	 nc;
	struct sockaddr_in	 peer;
	uint8_t			 msg[12], got[64];
	ssize_t			 r;
	int			 fd, i, natt;

	for (natt = 0; natt < 2; natt++) {
		memset(&e, 0, sizeof(e));
		ck_assert_ptr_nonnull(n = net_open(base, 0, 0, NULL,
		    net_echo_cb, &e));
		e.ne_net = n;
		fd = udp_loopback_socket(&peer);
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < 100; i++) {
			/* not a first message (too short): answered at once */
			msg[natt ? 4 : 0] = 0x11;
			msg[11] = (uint8_t)i;
			udp_send_to(fd, net_port(n, natt), msg, sizeof(msg));
		}
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		ck_assert_int_eq(e.ne_n, 100);
		net_counters_get(n, &nc);
		ck_assert_uint_eq(nc.nc_rx, 100);
		ck_assert_uint_eq(nc.nc_tx, 99);
		ck_assert_uint_eq(nc.nc_tx_errors, 1);
		for (i = 0; i < 100; i++) {
			if (i == 49)
				continue;
			r = recv(fd, got, sizeof(got), MSG_DONTWAIT);
			/* the marker stripped on receipt is added again */
			ck_assert_int_eq(r, 12);
			ck_assert_uint_eq(got[natt ? 4 : 0], 0x11);
			ck_assert_uint_eq(got[11], (uint8_t)i);
			if (natt)
				ck_assert_mem_eq(got, "\0\0\0\0", 4);
		}
		ck_assert_int_eq(recv(fd, got, sizeof(got), MSG_DONTWAIT), -1);
		close(fd);
		net_close(n);
	}
	event_base_free(base);
}
END_TEST

/* control socket round trip, server in a forked child */

struct fake_engine {
	struct tunnel_status	 fe_ts[3];
	int			 fe_n;
	int			 fe_rekey_child;	/* calls that rekeyed */
	int			 fe_rekey_ike;
};

static int
fake_status(void *arg, struct tunnel_status *out, int max)
{
	struct fake_engine	*fe = arg;
	size_t			 sz;
	int			 i;

	/* as ike_status(): each entry owns a copy of its CHILD SAs */
	for (i = 0; i < fe->fe_n && i < max; i++) {
		out[i] = fe->fe_ts[i];
		if (out[i].ts_nchild == 0) {
			out[i].ts_child = NULL;
			continue;
		}
		sz = (size_t)out[i].ts_nchild * sizeof(*out[i].ts_child);
		if ((out[i].ts_child = malloc(sz)) == NULL) {
			ike_status_free(out, i);
			return (-1);
		}
		memcpy(out[i].ts_child, fe->fe_ts[i].ts_child, sz);
	}
	return (fe->fe_n);
}

static struct tunnel_status *
fake_find(struct fake_engine *fe, const char *name)
{
	int	 i;

	for (i = 0; i < fe->fe_n; i++)
		if (strcmp(fe->fe_ts[i].ts_name, name) == 0)
			return (&fe->fe_ts[i]);
	return (NULL);
}

static int
fake_up(void *arg, const char *name)
{
	struct tunnel_status	*ts = fake_find(arg, name);

	if (ts == NULL)
		return (-1);
	ts->ts_state = TUNNEL_CONNECTING;
	return (0);
}

static int
fake_down(void *arg, const char *name)
{
	struct tunnel_status	*ts = fake_find(arg, name);

	if (ts == NULL)
		return (-1);
	ts->ts_state = TUNNEL_DOWN;
	return (0);
}

/*
 * Like the engine: -1 unknown, -2 not Connected, -3 no CHILD SA; a rekey
 * shows in the status as the next SPI (inbound ESP, or initiator's IKE).
 */
static int
fake_rekey(void *arg, const char *name, int ike)
{
	struct fake_engine	*fe = arg;
	struct tunnel_status	*ts = fake_find(fe, name);
	struct child_status	*cs;

	if (ts == NULL)
		return (-1);
	if (ts->ts_state != TUNNEL_CONNECTED)
		return (-2);
	if (ike) {
		ts->ts_spi_i[7]++;
		fe->fe_rekey_ike++;
		return (0);
	}
	if (ts->ts_nchild == 0)
		return (-3);
	cs = &ts->ts_child[0];
	cs->cs_spi_in = htonl(ntohl(cs->cs_spi_in) + 1);
	fe->fe_rekey_child++;
	return (0);
}

/* The daemon's export over a real configuration (tunnel t1). */
#define EXPORT_CONF	"gateway gw1 {\n\taddress 198.51.100.1\n}\n" \
	"peer gw2 {\n\taddress 198.51.100.2\n}\n" \
	"tunnel t1 {\n\tgateway gw1\n\tpeer gw2\n" \
	"\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.1.0.0/16\n" \
	"\tpsk Secr3t!key\n\tike {\n\t\tdh-group 24\n\t}\n}\n"

static int
fake_export(void *arg, const char *name, int format, struct buf *out,
    char *err, size_t errlen)
{
	struct config		*cfg;
	struct cfg_tunnel	*t;
	int			 rv = -1;

	cfg = config_parse("gatewayd.conf", EXPORT_CONF, err, errlen);
	ck_assert_ptr_nonnull(cfg);
	if ((t = config_tunnel_find(cfg, name)) == NULL)
		snprintf(err, errlen, "no tunnel named %s", name);
	else
		rv = export_tunnel(t, (enum export_format)format, out, err,
		    errlen);
	config_free(cfg);
	return (rv);
}

static void
fake_counters(void *arg, struct ike_counters *ic, struct net_counters *nc)
{
	ic->ic_rx = 42;
	nc->nc_keepalive = 4;
}

static char	 sock_dir[64];
static char	 sock_path[128];
static pid_t	 server_pid;
static int	 server_many;	/* > 0: the first tunnel's CHILD SAs */

static void
server_start(void)
{
	static struct fake_engine fe;
	struct control_ops	 ops = {
		.co_arg = &fe,
		.co_status = fake_status,
		.co_up = fake_up,
		.co_down = fake_down,
		.co_rekey = fake_rekey,
		.co_counters = fake_counters,
		.co_export = fake_export
	};
	struct event_base	*base;
	struct control		*ctl;
	int			 p[2];
	char			 c;

	strcpy(sock_dir, "/tmp/check_control.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sock_dir));
	snprintf(sock_path, sizeof(sock_path), "%s/gatewayd.sock", sock_dir);
	ck_assert_int_eq(pipe(p), 0);
	server_pid = fork();
	ck_assert_int_ne(server_pid, -1);
	if (server_pid == 0) {
		close(p[0]);
		if (server_many > 0)
			fixture_many(&fe.fe_ts[0], server_many);
		else
			fixture_connected(&fe.fe_ts[0]);
		fixture_failed(&fe.fe_ts[1]);
		fe.fe_n = 2;
		base = event_base_new();
		if ((ctl = control_open(base, sock_path, &ops)) == NULL)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		event_base_dispatch(base);
		control_close(ctl);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
}

/* The server with a 20 x 20 tunnel: 400 CHILD SAs, 20 selectors each. */
static void
server_start_many(void)
{
	server_many = 400;
	server_start();
}

static void
server_stop(void)
{
	int	 status;

	kill(server_pid, SIGKILL);
	waitpid(server_pid, &status, 0);
	server_many = 0;
	unlink(sock_path);
	rmdir(sock_dir);
}

static int
client_connect(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return (fd);
}

/* Sends req (len bytes), optionally half-closes, returns the reply,
 * however long. */
static char *
client_ask(const char *req, size_t len, int shut)
{
	char	*reply = malloc(65536);
	size_t	 got = 0, cap = 65536;
	ssize_t	 r;
	int	 fd = client_connect();

	ck_assert_ptr_nonnull(reply);
	ck_assert_int_eq(write(fd, req, len), (ssize_t)len);
	if (shut)
		shutdown(fd, SHUT_WR);
	while ((r = read(fd, reply + got, cap - 1 - got)) > 0) {
		got += (size_t)r;
		if (got == cap - 1) {
			reply = realloc(reply, cap *= 2);
			ck_assert_ptr_nonnull(reply);
		}
	}
	ck_assert_int_ge(r, 0);
	reply[got] = '\0';
	close(fd);
	return (reply);
}

/* control_reply for rekey, in process, over three tunnels */

#define REPLY_DOWN	"error: tunnel to-any has no established IKE SA to " \
			"rekey: start it with gatewayctl up to-any, then " \
			"wait for gatewayctl status to show Connected\n"
#define REPLY_NOCHILD	"error: tunnel no-child has no installed CHILD SA " \
			"to rekey: see its last error in gatewayctl status; " \
			"gatewayctl rekey no-child ike, or down no-child and " \
			"up no-child, negotiates again\n"

static const struct {
	const char	*name;
	int		 ike;
	const char	*reply;
	int		 child_calls;	/* rekeys done by the engine */
	int		 ike_calls;
} rekey_reply_vectors[] = {
	{ "vpc1-vpc2",	0,	"ok\n",				1, 0 },
	{ "vpc1-vpc2",	1,	"ok\n",				0, 1 },
	{ "to-any",	0,	REPLY_DOWN,			0, 0 },
	{ "to-any",	1,	REPLY_DOWN,			0, 0 },
	{ "no-child",	0,	REPLY_NOCHILD,			0, 0 },
	{ "no-child",	1,	"ok\n",				0, 1 },
	{ "nosuch",	0,	"error: no tunnel named nosuch\n", 0, 0 },
	{ "nosuch",	1,	"error: no tunnel named nosuch\n", 0, 0 },
	{ NAME63,	1,	"error: no tunnel named " NAME63 "\n", 0, 0 },
};

START_TEST(test_control_reply_rekey)
{
	struct fake_engine	 fe;
	struct control_ops	 ops = {
		.co_arg = &fe,
		.co_rekey = fake_rekey,
	};
	struct control_req	 req;
	struct buf		*b = buf_new(64);
	char			*s;

	memset(&fe, 0, sizeof(fe));
	fixture_connected(&fe.fe_ts[0]);
	fixture_failed(&fe.fe_ts[1]);
	fixture_connected(&fe.fe_ts[2]);
	strcpy(fe.fe_ts[2].ts_name, "no-child");
	fe.fe_ts[2].ts_nchild = 0;
	fe.fe_n = 3;
	memset(&req, 0, sizeof(req));
	req.cr_cmd = CONTROL_REKEY;
	strcpy(req.cr_name, rekey_reply_vectors[_i].name);
	req.cr_ike = rekey_reply_vectors[_i].ike;
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, rekey_reply_vectors[_i].reply);
	ck_assert_int_eq(fe.fe_rekey_child,
	    rekey_reply_vectors[_i].child_calls);
	ck_assert_int_eq(fe.fe_rekey_ike, rekey_reply_vectors[_i].ike_calls);
	ike_status_free(fe.fe_ts, 3);
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_control_reply_rekey_unsupported)
{
	struct control_ops	 ops;
	struct control_req	 req;
	struct buf		*b = buf_new(64);
	char			*s;

	memset(&ops, 0, sizeof(ops));
	memset(&req, 0, sizeof(req));
	req.cr_cmd = CONTROL_REKEY;
	strcpy(req.cr_name, "vpc1-vpc2");
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, "error: this gatewayd cannot rekey on request\n");
	free(s);
	buf_free(b);
}
END_TEST

/* "doctor NAME [--json]": parsed, then answered from co_doctor. */
static int
fake_doctor(void *arg, const char *name, struct tunnel_diag *d,
    const char **state, int *connected)
{
	if (strcmp(name, "t1") != 0)
		return (-1);
	diag_begin(d, 2, 1);
	diag_set(d, DIAG_NO_ANSWER, 1);
	d->td_tries = 5;
	*state = "Phase 1 failed";
	*connected = 0;
	return (0);
}

START_TEST(test_control_doctor)
{
	struct control_ops	 ops;
	struct control_req	 req;
	struct buf		*b = buf_new(64);
	char			 err[256], *s;

	ck_assert_int_eq(control_req_parse("doctor t1 --json\n", 17, &req,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(req.cr_cmd, CONTROL_DOCTOR);
	ck_assert_int_eq(req.cr_json, 1);
	ck_assert_str_eq(req.cr_name, "t1");
	ck_assert_int_eq(control_req_parse("doctor t1 --xml", 15, &req, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(control_req_parse("doctor a/b", 10, &req, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "error: invalid tunnel name \"a/b\"");
	memset(&ops, 0, sizeof(ops));
	ck_assert_int_eq(control_req_parse("doctor t1", 9, &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, "error: this gatewayd has no doctor\n");
	free(s);
	buf_reset(b);
	ops.co_doctor = fake_doctor;
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, "tunnel t1: Phase 1 failed\n"
	    "attempt: IKEv2 initiator, nothing received from the peer\n"
	    "verdict: no answer from the peer\n"
	    "evidence: 5 transmissions of our IKEv2 request, nothing "
	    "received\n"
	    "fix: check address in gatewayd.conf (tunnel t1, peer block, "
	    "keyword address), that UDP 500 and 4500 pass both ways, and that "
	    "the peer's IKE daemon runs (strongSwan: ipsec statusall, swanctl "
	    "--list-conns)\n");
	free(s);
	buf_reset(b);
	strcpy(req.cr_name, "t2");
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, "error: no tunnel named t2\n");
	free(s);
	buf_free(b);
}
END_TEST

START_TEST(test_control_status_roundtrip)
{
	struct group	*gr;
	struct stat	 st;
	char		*r;

	ck_assert_int_eq(stat(sock_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	/* root only, or root and group gatewayd where the host has it */
	if ((gr = getgrnam(CONTROL_GROUP)) != NULL) {
		ck_assert_uint_eq(st.st_mode & 0777, 0660);
		ck_assert_uint_eq(st.st_gid, gr->gr_gid);
	} else
		ck_assert_uint_eq(st.st_mode & 0777, 0600);

	r = client_ask("status\n", 7, 0);
	ck_assert_ptr_nonnull(strstr(r, "vpc1-vpc2: 198.51.100.1 -> "
	    "198.51.100.2\n  state:       Connected\n"));
	ck_assert_ptr_nonnull(strstr(r, "\nto-any: 198.51.100.1 -> 0.0.0.0\n"
	    "  state:       Phase 1 failed\n"));
	free(r);

	r = client_ask("status --json\n", 14, 1);
	ck_assert_int_eq(strncmp(r, "{\"tunnels\":[{\"name\":\"vpc1-vpc2\"",
	    31), 0);
	/* The last tunnel closes the object; ages vary, this one has none. */
	ck_assert_uint_gt(strlen(r), strlen(json_failed) + 4);
	ck_assert_int_eq(strncmp(r + strlen(r) - strlen(json_failed) - 4,
	    ",", 1), 0);
	ck_assert_ptr_eq(strstr(r, json_failed),
	    r + strlen(r) - strlen(json_failed) - 3);
	ck_assert_str_eq(r + strlen(r) - 3, "]}\n");
	free(r);
}
END_TEST

/* 400 CHILD SAs of 20 peer selectors each (~400 KB of text): all of
 * them reach the client, text and JSON, and the other tunnel after. */
START_TEST(test_control_status_roundtrip_every_child)
{
	char	*r;

	r = client_ask("status\n", 7, 0);
	ck_assert_int_eq(count_str(r, "\n  child "), 400);
	ck_assert_ptr_nonnull(strstr(r, "\n  child 400:     ESP SPIs c100018f "
	    "(in) c200018f (out)\n    selectors:  172.16.19.0/24 === "
	    "10.0.0.0/16,"));
	ck_assert_ptr_nonnull(strstr(r, "\nto-any: 198.51.100.1 -> 0.0.0.0\n"
	    "  state:       Phase 1 failed\n"));
	free(r);

	r = client_ask("status --json\n", 14, 1);
	ck_assert_int_eq(count_str(r, "{\"protocol\":\"esp\""), 400);
	ck_assert_ptr_nonnull(strstr(r, "\"spi_in\":\"c100018f\""));
	ck_assert_ptr_nonnull(strstr(r, json_failed));
	ck_assert_str_eq(r + strlen(r) - 3, "]}\n");
	free(r);
}
END_TEST

START_TEST(test_control_up_down_roundtrip)
{
	char	*r;

	r = client_ask("up to-any\n", 10, 0);
	ck_assert_str_eq(r, "ok\n");
	free(r);
	r = client_ask("status\n", 7, 0);
	ck_assert_ptr_nonnull(strstr(r, "to-any: 198.51.100.1 -> 0.0.0.0\n"
	    "  state:       Connecting\n"));
	free(r);
	r = client_ask("down vpc1-vpc2\n", 15, 0);
	ck_assert_str_eq(r, "ok\n");
	free(r);
	r = client_ask("status\n", 7, 0);
	ck_assert_ptr_nonnull(strstr(r, "vpc1-vpc2: 198.51.100.1 -> "
	    "198.51.100.2\n  state:       Down\n"));
	free(r);
	r = client_ask("up nosuch\n", 10, 0);
	ck_assert_str_eq(r, "error: no tunnel named nosuch\n");
	free(r);
}
END_TEST

/* export: the reply is export_tunnel()'s text, or its refusal. */
START_TEST(test_control_export_roundtrip)
{
	struct config	*cfg;
	struct buf	*want = buf_new(64);
	char		 err[512], *r;

	cfg = config_parse("gatewayd.conf", EXPORT_CONF, err, sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(export_tunnel(config_tunnel_find(cfg, "t1"),
	    EXPORT_SWANCTL, want, err, sizeof(err)), 0);
	buf_add_u8(want, '\0');
	config_free(cfg);
	r = client_ask("export t1 swanctl\n", 18, 0);
	ck_assert_str_eq(r, (char *)want->buf_data);
	ck_assert_ptr_nonnull(strstr(r, "proposals = aes128-sha1-modp2048s256\n"));
	ck_assert_ptr_nonnull(strstr(r, "secret = \"Secr3t!key\""));
	free(r);
	buf_free(want);

	r = client_ask("export t1", 9, 1);	/* ipsec.conf by default */
	ck_assert_ptr_nonnull(strstr(r, "\tike=aes128-sha1-modp2048s256!\n"));
	free(r);
	r = client_ask("export t1 libreswan\n", 20, 0);
	ck_assert_str_eq(r, "error: tunnel t1: cannot export to libreswan: "
	    "Libreswan 4 has no DH group 24 (modp2048s256) for the IKE SA "
	    "(set dh-group 5, 14, 15, 16, 19, 20, 21 or 31 in the tunnel's "
	    "ike block on both sides)\n");
	free(r);
	r = client_ask("export nosuch cisco-ios\n", 24, 0);
	ck_assert_str_eq(r, "error: no tunnel named nosuch\n");
	free(r);
}
END_TEST

START_TEST(test_control_rekey_roundtrip)
{
	char	*r;

	/* CHILD SA by default: the next inbound SPI shows in the status */
	r = client_ask("rekey vpc1-vpc2\n", 16, 0);
	ck_assert_str_eq(r, "ok\n");
	free(r);
	r = client_ask("status\n", 7, 0);
	ck_assert_ptr_nonnull(strstr(r, "ESP SPIs c0ffee02 (in) 0badf00d "
	    "(out)\n"));
	ck_assert_ptr_nonnull(strstr(r, "IKE SPIs:    0123456789abcdef "));
	free(r);

	r = client_ask("rekey vpc1-vpc2 ike", 19, 1);
	ck_assert_str_eq(r, "ok\n");
	free(r);
	r = client_ask("status\n", 7, 0);
	ck_assert_ptr_nonnull(strstr(r, "IKE SPIs:    0123456789abcdf0 "));
	ck_assert_ptr_nonnull(strstr(r, "ESP SPIs c0ffee02 (in)"));
	free(r);

	r = client_ask("rekey to-any ike\n", 17, 0);
	ck_assert_str_eq(r, REPLY_DOWN);
	free(r);
	r = client_ask("rekey nosuch child\n", 19, 0);
	ck_assert_str_eq(r, "error: no tunnel named nosuch\n");
	free(r);
	r = client_ask("rekey vpc1-vpc2 both\n", 21, 0);
	ck_assert_int_eq(strncmp(r, "error: unknown rekey kind \"both\" ",
	    strlen("error: unknown rekey kind \"both\" ")), 0);
	ck_assert_int_eq(r[strlen(r) - 1], '\n');
	free(r);
	/* the refused requests rekeyed nothing */
	r = client_ask("status\n", 7, 0);
	ck_assert_ptr_nonnull(strstr(r, "IKE SPIs:    0123456789abcdf0 "));
	ck_assert_ptr_nonnull(strstr(r, "ESP SPIs c0ffee02 (in)"));
	free(r);
}
END_TEST

START_TEST(test_control_bad_requests_roundtrip)
{
	char	 big[1000];
	char	*r;

	r = client_ask("reboot\n", 7, 0);
	ck_assert_int_eq(strncmp(r, "error: unknown command \"reboot\"", 31),
	    0);
	ck_assert_int_eq(r[strlen(r) - 1], '\n');
	free(r);

	/* No newline, but the client half-closes: still one request. */
	r = client_ask("counters", 8, 1);
	ck_assert_ptr_nonnull(strstr(r, "ike received          42\n"));
	ck_assert_ptr_nonnull(strstr(r, "udp NAT keepalives    4\n"));
	free(r);

	/* An over-long line is refused without waiting for its end. */
	memset(big, 'a', sizeof(big));
	r = client_ask(big, sizeof(big), 0);
	ck_assert_str_eq(r, "error: request too long (at most 255 bytes)\n");
	free(r);

	/* The server is still serving. */
	r = client_ask("up vpc1-vpc2\n", 13, 0);
	ck_assert_str_eq(r, "ok\n");
	free(r);
}
END_TEST

START_TEST(test_control_open_stale_and_live)
{
	struct event_base	*base = event_base_new();
	struct control_ops	 ops;
	struct sockaddr_un	 sun;
	char			 path[160];
	int			 fd;

	memset(&ops, 0, sizeof(ops));
	/* A live gatewayd answers on sock_path: refuse to take it over. */
	ck_assert_ptr_null(control_open(base, sock_path, &ops));
	ck_assert_int_eq(access(sock_path, F_OK), 0);

	/* A stale socket (nobody listening) is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", sock_dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	{
		struct control	*ctl = control_open(base, path, &ops);

		ck_assert_ptr_nonnull(ctl);
		control_close(ctl);
	}
	ck_assert_int_eq(access(path, F_OK), -1);

	/* A regular file in the way is not removed. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ne(fd, -1);
	close(fd);
	ck_assert_ptr_null(control_open(base, path, &ops));
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
	event_base_free(base);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc;

#define NVEC(v)	((int)(sizeof(v) / sizeof((v)[0])))
	tc = tcase_create("state_name");
	tcase_add_loop_test(tc, test_state_name_products_words, 0,
	    NVEC(state_vectors));
	suite_add_tcase(s, tc);

	tc = tcase_create("status_text");
	tcase_add_test(tc, test_status_text_two_tunnels);
	tcase_add_test(tc, test_status_text_no_tunnels);
	tcase_add_test(tc, test_status_pace_wait);
	tcase_add_loop_test(tc, test_status_text_established_age, 0,
	    NVEC(age_vectors));
	tcase_add_test(tc, test_status_text_unterminated_and_control_chars);
	tcase_add_loop_test(tc, test_status_text_every_child, 0,
	    NVEC(many_vectors));
	tcase_add_loop_test(tc, test_status_json_every_child, 0,
	    NVEC(many_vectors));
	suite_add_tcase(s, tc);

	tc = tcase_create("status_json");
	tcase_add_test(tc, test_status_json_two_tunnels);
	tcase_add_test(tc, test_status_volume_lifetimes);
	tcase_add_test(tc, test_status_json_no_tunnels);
	tcase_add_loop_test(tc, test_json_str_escaping, 0, NVEC(json_vectors));
	tcase_add_test(tc, test_status_json_name_escaped);
	tcase_add_test(tc, test_status_counters_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("req_parse");
	tcase_add_loop_test(tc, test_req_parse_valid, 0, NVEC(req_ok_vectors));
	tcase_add_loop_test(tc, test_req_parse_invalid, 0,
	    NVEC(req_bad_vectors));
	tcase_add_loop_test(tc, test_req_parse_rekey, 0,
	    NVEC(req_rekey_vectors));
	tcase_add_loop_test(tc, test_req_parse_export, 0,
	    NVEC(req_export_vectors));
	tcase_add_test(tc, test_req_parse_nul_byte);
	tcase_add_test(tc, test_req_parse_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("net_marker");
	tcase_add_loop_test(tc, test_net_marker_classify, 0,
	    NVEC(marker_vectors));
	tcase_add_test(tc, test_net_socket_strips_and_adds_marker);
	tcase_add_test(tc, test_net_socket_long_datagram);
	tcase_add_test(tc, test_net_first_messages_wait_apart);
	tcase_add_test(tc, test_net_first_retransmission_goes_first);
	tcase_add_test(tc, test_net_socket_burst);
	tcase_add_test(tc, test_net_rcvbuf_set);
	tcase_add_test(tc, test_net_socket_answers_batched);
	suite_add_tcase(s, tc);

	tc = tcase_create("control_rekey");
	tcase_add_loop_test(tc, test_control_reply_rekey, 0,
	    NVEC(rekey_reply_vectors));
	tcase_add_test(tc, test_control_reply_rekey_unsupported);
	tcase_add_test(tc, test_control_doctor);
	suite_add_tcase(s, tc);

	tc = tcase_create("control_socket");
	tcase_add_checked_fixture(tc, server_start, server_stop);
	tcase_add_test(tc, test_control_status_roundtrip);
	tcase_add_test(tc, test_control_up_down_roundtrip);
	tcase_add_test(tc, test_control_rekey_roundtrip);
	tcase_add_test(tc, test_control_export_roundtrip);
	tcase_add_test(tc, test_control_bad_requests_roundtrip);
	tcase_add_test(tc, test_control_open_stale_and_live);
	suite_add_tcase(s, tc);

	tc = tcase_create("control_socket_every_child");
	tcase_add_checked_fixture(tc, server_start_many, server_stop);
	tcase_add_test(tc, test_control_status_roundtrip_every_child);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failed;

	log_init(0, LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
