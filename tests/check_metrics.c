/*
 * check_metrics.c - the metrics endpoint without the engine: the
 * Prometheus text of a fixture of tunnels (parsed back: every sample has
 * its family's HELP and TYPE, names and labels are well formed, the values
 * are the fixture's), label escaping, the XFRM GETSA dump parser on good
 * and broken messages, metrics-listen in the configuration, and the HTTP
 * server (evhttp) in a forked child over IPv4 and IPv6 loopback.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <linux/xfrm.h>

#include "common/buf.h"
#include "common/log.h"
#include "daemon/metrics.h"
#include "daemon/metrics_fmt.h"
#include "kernel/kernel_msg.h"
#include "policy/config.h"

#define T_ESTABLISHED	1714564800

/* Two tunnels: one Connected with two CHILD SAs, one that failed; the
 * CHILD SAs freed with ike_status_free(ts, 2). */
static void
fixture(struct tunnel_status ts[2])
{
	struct child_status	*cs;

	memset(ts, 0, 2 * sizeof(ts[0]));
	ts[0].ts_child = calloc(2, sizeof(*ts[0].ts_child));
	ck_assert_ptr_nonnull(ts[0].ts_child);
	strcpy(ts[0].ts_name, "vpc1-vpc2");
	strcpy(ts[0].ts_peer_name, "gw2");
	ts[0].ts_state = TUNNEL_CONNECTED;
	ts[0].ts_ike_version = 2;
	ts[0].ts_established = T_ESTABLISHED;
	ts[0].ts_nchild = 2;
	ts[0].ts_bytes_in = 123456789012ULL;
	ts[0].ts_bytes_out = 42;
	ts[0].ts_packets_in = 1000;
	ts[0].ts_packets_out = 7;
	ts[0].ts_child_rekeys = 5;
	ts[0].ts_ike_rekeys = 2;
	ts[0].ts_failures = 1;
	cs = &ts[0].ts_child[0];
	cs->cs_proto = IPPROTO_ESP;
	cs->cs_spi_in = htonl(0xc0ffee01);
	cs->cs_spi_out = htonl(0x0badf00d);
	strcpy(cs->cs_local_ts, "172.16.0.0/24");
	strcpy(cs->cs_remote_ts, "10.0.0.0/12");
	cs->cs_bytes_in = 1234;
	cs->cs_bytes_out = 5678;
	cs->cs_packets_in = 10;
	cs->cs_packets_out = 20;
	cs = &ts[0].ts_child[1];
	cs->cs_proto = IPPROTO_ESP;
	cs->cs_spi_in = htonl(0xc0ffee02);
	cs->cs_spi_out = htonl(0x0badf00e);
	strcpy(cs->cs_local_ts, "172.16.1.0/24");
	strcpy(cs->cs_remote_ts, "10.0.0.0/12");
	strcpy(ts[1].ts_name, "to-any");
	strcpy(ts[1].ts_peer_name, "any");
	ts[1].ts_state = TUNNEL_PHASE1_FAILED;
	ts[1].ts_ike_version = 1;
	ts[1].ts_failures = 3;
}

static void
fixture_snapshot(struct metrics_snapshot *ms, const struct tunnel_status *ts)
{
	memset(ms, 0, sizeof(*ms));
	ms->ms_tunnels = ts;
	ms->ms_ntunnels = 2;
	ms->ms_ike.ic_rx = 11;
	ms->ms_ike.ic_tx = 12;
	ms->ms_ike.ic_retransmits = 3;
	ms->ms_ike.ic_malformed = 4;
	ms->ms_ike.ic_unknown_spi = 5;
	ms->ms_ike.ic_bad_icv = 6;
	ms->ms_ike.ic_dropped = 7;
	ms->ms_ike.ic_dpd_sent = 8;
	ms->ms_ike.ic_dpd_missed = 1;
	ms->ms_ike.ic_v1_drop_half_total = 1748;
	ms->ms_ike.ic_v1_drop_half_source = 6;
	ms->ms_ike.ic_v1_drop_no_tunnel = 13;
	ms->ms_ike.ic_v1_drop_no_proposal = 50;
	ms->ms_ike.ic_v1_half_expired = 256;
	ms->ms_ike.ic_v1_half_evicted = 11967;
	ms->ms_ike.ic_v1_half_retried = 12;
	ms->ms_ike.ic_v1_qm_refused_inflight = 984;
	ms->ms_ike.ic_v1_qm_refused_sas = 17;
	ms->ms_ike.ic_v2_cookies_sent = 30411;
	ms->ms_ike.ic_v2_cookies_wrong = 3;
	ms->ms_ike.ic_v2_drop_half_total = 41;
	ms->ms_net.nc_short = 9;
	ms->ms_net.nc_truncated = 2;
	ms->ms_net.nc_first_shed = 11;
	ms->ms_gauges.ig_ike[IKE_GAUGE_ESTABLISHED] = 1;
	ms->ms_gauges.ig_ike[IKE_GAUGE_HALF_OPEN] = 2;
	ms->ms_gauges.ig_child[IKE_GAUGE_CHILD_INSTALLED] = 2;
}

static char *
buf_str(const struct buf *b)
{
	char	*s = malloc(b->buf_len + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, b->buf_data, b->buf_len);
	s[b->buf_len] = '\0';
	return (s);
}

static char *
render_fixture(void)
{
	struct tunnel_status	 ts[2];
	struct metrics_snapshot	 ms;
	struct buf		*b = buf_new(64);
	char			*s;

	fixture(ts);
	fixture_snapshot(&ms, ts);
	ck_assert_int_eq(metrics_fmt(b, &ms), 0);
	ike_status_free(ts, 2);
	s = buf_str(b);
	buf_free(b);
	return (s);
}

/* --- a small parser of the exposition format, for the assertions --- */

static int
name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_' || s[0] == ':'))
		return (0);
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == ':'))
			return (0);
	return (1);
}

/* {a="x",b="y\"z"}: 1 if well formed, *end past the '}'. */
static int
labels_ok(const char *p, const char **end)
{
	size_t	 n;

	if (*p != '{')
		return (0);
	p++;
	for (;;) {
		n = strcspn(p, "=");
		if (!name_ok(p, n) || p[n] != '=' || p[n + 1] != '"')
			return (0);
		p += n + 2;
		while (*p != '"') {
			if (*p == '\0' || *p == '\n')
				return (0);
			if (*p == '\\') {
				if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
					return (0);
				p++;
			}
			p++;
		}
		p++;
		if (*p == '}') {
			*end = p + 1;
			return (1);
		}
		if (*p != ',')
			return (0);
		p++;
	}
}

/*
 * Checks every line: "# HELP name text", "# TYPE name gauge|counter",
 * "name[{labels}] value"; a sample's family (its name) has had HELP and
 * TYPE lines, a counter family's name ends in _total, and no family
 * appears twice.  Returns the number of samples.
 */
static int
exposition_check(const char *text)
{
	char		 fam[128] = "", type[16] = "", name[128];
	char		 seen[8192] = " ";
	const char	*p = text, *nl, *end;
	size_t		 n;
	char		*v;
	int		 samples = 0, help = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "last line without newline");
		if (strncmp(p, "# HELP ", 7) == 0) {
			n = strcspn(p + 7, " ");
			ck_assert(name_ok(p + 7, n) && n < sizeof(fam));
			snprintf(fam, sizeof(fam), "%.*s", (int)n, p + 7);
			snprintf(name, sizeof(name), " %s ", fam);
			ck_assert_msg(strstr(seen, name) == NULL,
			    "family %s twice", fam);
			ck_assert_uint_lt(strlen(seen) + strlen(name),
			    sizeof(seen));
			strcat(seen, name + 1);
			ck_assert_uint_gt(nl - (p + 7 + n), 2); /* has text */
			help = 1;
			type[0] = '\0';
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			ck_assert(help);
			n = strlen(fam);
			ck_assert_int_eq(strncmp(p + 7, fam, n), 0);
			ck_assert_int_eq(p[7 + n], ' ');
			snprintf(type, sizeof(type), "%.*s",
			    (int)(nl - (p + 8 + n)), p + 8 + n);
			ck_assert(strcmp(type, "gauge") == 0 ||
			    strcmp(type, "counter") == 0);
			if (strcmp(type, "counter") == 0)
				ck_assert_msg(n > 6 &&
				    strcmp(fam + n - 6, "_total") == 0,
				    "counter %s without _total", fam);
		} else {
			ck_assert_msg(type[0] != '\0', "sample before TYPE: "
			    "%.*s", (int)(nl - p), p);
			n = strcspn(p, "{ ");
			ck_assert_msg(n == strlen(fam) &&
			    strncmp(p, fam, n) == 0, "sample %.*s outside "
			    "its family %s", (int)(nl - p), p, fam);
			end = p + n;
			if (*end == '{')
				ck_assert_msg(labels_ok(end, &end),
				    "bad labels: %.*s", (int)(nl - p), p);
			ck_assert_int_eq(*end, ' ');
			errno = 0;
			(void)strtod(end + 1, &v);
			ck_assert_msg(v == nl && v > end + 1 && errno == 0,
			    "bad value: %.*s", (int)(nl - p), p);
			samples++;
		}
		p = nl + 1;
	}
	return (samples);
}

/* The whole line "sample value" is in text. */
static void
assert_line(const char *text, const char *line)
{
	size_t	 n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p++;
	}
	ck_abort_msg("line not found: %s", line);
}

START_TEST(test_metrics_fmt_well_formed)
{
	char	*s = render_fixture();

	/* 2 tunnels: up 2, state 10, established 1, child_sas 2, 7
	 * counters x 2; 2 children x 4; ike_sas 4 + 1, child_sas 5;
	 * messages 3 + 7 drops, dpd 2; IKEv1 first-message drops 4,
	 * half-open ends 2, first messages retried 1, Aggressive Mode key
	 * pairs 1, Quick Mode drops 2; IKEv2 cookies 2, drops 2;
	 * initiations paced and waiting 2 */
	ck_assert_int_eq(exposition_check(s), 2 + 10 + 1 + 2 + 14 + 8 + 5 +
	    5 + 3 + 7 + 2 + 4 + 2 + 1 + 1 + 2 + 4 + 2);
	free(s);
}
END_TEST

static const char *const fixture_lines[] = {
	"gatewayd_tunnel_up{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} 1",
	"gatewayd_tunnel_up{tunnel=\"to-any\",peer=\"any\"} 0",
	"gatewayd_tunnel_state{tunnel=\"vpc1-vpc2\",peer=\"gw2\","
	    "state=\"connected\"} 1",
	"gatewayd_tunnel_state{tunnel=\"vpc1-vpc2\",peer=\"gw2\","
	    "state=\"connecting\"} 0",
	"gatewayd_tunnel_state{tunnel=\"vpc1-vpc2\",peer=\"gw2\","
	    "state=\"down\"} 0",
	"gatewayd_tunnel_state{tunnel=\"to-any\",peer=\"any\","
	    "state=\"phase1_failed\"} 1",
	"gatewayd_tunnel_state{tunnel=\"to-any\",peer=\"any\","
	    "state=\"phase2_failed\"} 0",
	"gatewayd_tunnel_established_timestamp_seconds{tunnel=\"vpc1-vpc2\","
	    "peer=\"gw2\"} 1714564800",
	"gatewayd_tunnel_child_sas{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} 2",
	"gatewayd_tunnel_in_bytes_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} "
	    "123456789012",
	"gatewayd_tunnel_out_bytes_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} 42",
	"gatewayd_tunnel_in_packets_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} "
	    "1000",
	"gatewayd_tunnel_out_packets_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} "
	    "7",
	"gatewayd_tunnel_child_rekeys_total{tunnel=\"vpc1-vpc2\","
	    "peer=\"gw2\"} 5",
	"gatewayd_tunnel_ike_rekeys_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\"} 2",
	"gatewayd_tunnel_failures_total{tunnel=\"to-any\",peer=\"any\"} 3",
	"gatewayd_child_sa_in_bytes_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\","
	    "child=\"c0ffee01/0badf00d\",local_ts=\"172.16.0.0/24\","
	    "remote_ts=\"10.0.0.0/12\"} 1234",
	"gatewayd_child_sa_out_packets_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\","
	    "child=\"c0ffee01/0badf00d\",local_ts=\"172.16.0.0/24\","
	    "remote_ts=\"10.0.0.0/12\"} 20",
	"gatewayd_child_sa_in_bytes_total{tunnel=\"vpc1-vpc2\",peer=\"gw2\","
	    "child=\"c0ffee02/0badf00e\",local_ts=\"172.16.1.0/24\","
	    "remote_ts=\"10.0.0.0/12\"} 0",
	"gatewayd_ike_sas{state=\"established\"} 1",
	"gatewayd_ike_sas{state=\"half_open\"} 2",
	"gatewayd_ike_sas_half_open 2",
	"gatewayd_child_sas{state=\"installed\"} 2",
	"gatewayd_child_sas{state=\"rekeyed\"} 0",
	"gatewayd_ike_messages_received_total 11",
	"gatewayd_ike_messages_sent_total 12",
	"gatewayd_ike_messages_retransmitted_total 3",
	"gatewayd_ike_messages_dropped_total{cause=\"malformed\"} 4",
	"gatewayd_ike_messages_dropped_total{cause=\"unknown_spi\"} 5",
	"gatewayd_ike_messages_dropped_total{cause=\"bad_icv\"} 6",
	"gatewayd_ike_messages_dropped_total{cause=\"unexpected\"} 7",
	"gatewayd_ike_messages_dropped_total{cause=\"too_short\"} 9",
	"gatewayd_ike_messages_dropped_total{cause=\"truncated\"} 2",
	"gatewayd_ike_messages_dropped_total{cause=\"first_shed\"} 11",
	"gatewayd_dpd_probes_sent_total 8",
	"gatewayd_dpd_probes_missed_total 1",
	"gatewayd_ikev1_first_messages_dropped_total{cause=\"half_open_limit\"} "
	    "1748",
	"gatewayd_ikev1_first_messages_dropped_total{cause=\"per_source_limit\"} "
	    "6",
	"gatewayd_ikev1_first_messages_dropped_total{cause=\"no_tunnel\"} 13",
	"gatewayd_ikev1_first_messages_dropped_total{cause=\"no_proposal\"} 50",
	"gatewayd_ikev1_half_open_ended_total{how=\"expired\"} 256",
	"gatewayd_ikev1_half_open_ended_total{how=\"evicted\"} 11967",
	"gatewayd_ikev1_first_messages_retried_total 12",
	"gatewayd_ikev1_quick_modes_dropped_total{cause=\"in_flight_limit\"} "
	    "984",
	"gatewayd_ikev1_quick_modes_dropped_total{cause=\"ipsec_sa_limit\"} 17",
	"gatewayd_ikev2_cookies_sent_total 30411",
	"gatewayd_ikev2_cookies_wrong_total 3",
	"gatewayd_ikev2_first_messages_dropped_total{cause=\"half_open_limit\"} "
	    "41",
	"# TYPE gatewayd_ikev2_first_messages_dropped_total counter",
	"# TYPE gatewayd_ikev1_quick_modes_dropped_total counter",
	"# TYPE gatewayd_ikev1_first_messages_dropped_total counter",
	"# TYPE gatewayd_tunnel_up gauge",
	"# TYPE gatewayd_tunnel_in_bytes_total counter",
};

START_TEST(test_metrics_fmt_values)
{
	char	*s = render_fixture();

	assert_line(s, fixture_lines[_i]);
	free(s);
}
END_TEST

START_TEST(test_metrics_fmt_no_timestamp_when_down)
{
	char	*s = render_fixture();

	/* the failed tunnel has no established timestamp sample */
	ck_assert_ptr_null(strstr(s, "established_timestamp_seconds{tunnel="
	    "\"to-any\""));
	free(s);
}
END_TEST

START_TEST(test_metrics_fmt_no_tunnels)
{
	struct metrics_snapshot	 ms;
	struct buf		*b = buf_new(16);
	char			*s;

	memset(&ms, 0, sizeof(ms));
	ck_assert_int_eq(metrics_fmt(b, &ms), 0);
	s = buf_str(b);
	/* only the daemon's samples: ike_sas 4 + 1, child_sas 5, messages
	 * 3 + 7, dpd 2, IKEv1 first-message drops 4, half-open ends 2,
	 * first messages retried 1, Aggressive Mode key pairs 1, Quick Mode
	 * drops 2, IKEv2 cookies 2 and drops 2, initiations paced and
	 * waiting 2 */
	ck_assert_int_eq(exposition_check(s), 38);
	assert_line(s, "gatewayd_initiations_paced_total 0");
	assert_line(s, "gatewayd_initiations_waiting 0");
	assert_line(s, "# TYPE gatewayd_tunnel_up gauge");
	ck_assert_ptr_null(strstr(s, "gatewayd_tunnel_up{"));
	ck_assert_ptr_null(strstr(s, "gatewayd_ha_"));
	free(s);
	buf_free(b);
}
END_TEST

/* With an ha block: the HA families, well formed, with the status's
 * values; without one (ms_ha NULL, test_metrics_fmt_no_tunnels) none. */
START_TEST(test_metrics_fmt_ha)
{
	struct metrics_snapshot	 ms;
	struct ha_status	 ha;
	struct buf		*b = buf_new(16);
	char			*s;

	memset(&ms, 0, sizeof(ms));
	memset(&ha, 0, sizeof(ha));
	ha.hs_role = HA_ROLE_STANDBY;
	ha.hs_priority = 100;
	ha.hs_peer_alive = 1;
	ha.hs_peer_synced = 1;
	ha.hs_bulk = HA_BULK_COMPLETE;
	ha.hs_sync_ike = 20;
	ha.hs_sync_child = 400;
	ha.hs_tx = 77;
	ha.hs_tx_errors = 1;
	ha.hs_rx[HA_OK] = 500;
	ha.hs_rx[HA_BAD_TAG] = 4;
	ha.hs_rx[HA_REPLAY] = 3;
	ha.hs_bulk_dumps = 2;
	ha.hs_bulk_retries = 1;
	ha.hs_bulk_served = 5;
	ha.hs_seq_moved = 9;
	ms.ms_ha = &ha;
	ck_assert_int_eq(metrics_fmt(b, &ms), 0);
	s = buf_str(b);
	/* the daemon's 38 and the HA ones: role 3, priority, peer up and
	 * synced, bulk complete, synced SAs 2, sent and failed, received
	 * by 8 verdicts, 3 bulk counters, seq advances */
	ck_assert_int_eq(exposition_check(s), 38 + 3 + 1 + 2 + 1 + 2 + 2 +
	    8 + 3 + 1);
	assert_line(s, "# TYPE gatewayd_ha_role gauge");
	assert_line(s, "gatewayd_ha_role{role=\"active\"} 0");
	assert_line(s, "gatewayd_ha_role{role=\"standby\"} 1");
	assert_line(s, "gatewayd_ha_role{role=\"fault\"} 0");
	assert_line(s, "gatewayd_ha_priority 100");
	assert_line(s, "gatewayd_ha_peer_up 1");
	assert_line(s, "gatewayd_ha_peer_synced 1");
	assert_line(s, "gatewayd_ha_bulk_sync_complete 1");
	assert_line(s, "gatewayd_ha_synced_sas{kind=\"ike\"} 20");
	assert_line(s, "gatewayd_ha_synced_sas{kind=\"child\"} 400");
	assert_line(s, "gatewayd_ha_records_sent_total 77");
	assert_line(s, "gatewayd_ha_records_send_failed_total 1");
	assert_line(s, "# TYPE gatewayd_ha_records_received_total counter");
	assert_line(s, "gatewayd_ha_records_received_total"
	    "{verdict=\"accepted\"} 500");
	assert_line(s, "gatewayd_ha_records_received_total"
	    "{verdict=\"bad_tag\"} 4");
	assert_line(s, "gatewayd_ha_records_received_total"
	    "{verdict=\"replayed\"} 3");
	assert_line(s, "gatewayd_ha_records_received_total"
	    "{verdict=\"bad_type\"} 0");
	assert_line(s, "gatewayd_ha_bulk_dumps_received_total 2");
	assert_line(s, "gatewayd_ha_bulk_dumps_retried_total 1");
	assert_line(s, "gatewayd_ha_bulk_dumps_served_total 5");
	assert_line(s, "gatewayd_ha_seq_advances_total 9");
	free(s);
	buf_free(b);
	/* the peer silent: not counted as synced, whatever it said */
	b = buf_new(16);
	ha.hs_peer_alive = 0;
	ha.hs_role = HA_ROLE_ACTIVE;
	ck_assert_int_eq(metrics_fmt(b, &ms), 0);
	s = buf_str(b);
	assert_line(s, "gatewayd_ha_peer_synced 0");
	assert_line(s, "gatewayd_ha_role{role=\"active\"} 1");
	free(s);
	buf_free(b);
}
END_TEST

/* Label values: escapes; control bytes and non-ASCII never pass. */
static const struct {
	const char	*in;
	const char	*out;
} label_vecs[] = {
	{ "plain", "\"plain\"" },
	{ "", "\"\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "a\nb", "\"a\\nb\"" },
	{ "\x1b[31m", "\"?[31m\"" },
	{ "caf\xc3\xa9", "\"caf??\"" },
	{ "\x7f", "\"?\"" },
};

START_TEST(test_metrics_label_escape)
{
	struct buf	*b = buf_new(16);
	char		*s;

	ck_assert_int_eq(metrics_fmt_label(b, label_vecs[_i].in, 64), 0);
	s = buf_str(b);
	ck_assert_str_eq(s, label_vecs[_i].out);
	free(s);
	buf_free(b);
}
END_TEST

/* A tunnel name filling its field, unterminated: never read past it. */
START_TEST(test_metrics_fmt_unterminated_name)
{
	struct tunnel_status	 ts[2];
	struct metrics_snapshot	 ms;
	struct buf		*b = buf_new(64);
	char			*s, want[sizeof(ts[0].ts_name) + 64];

	fixture(ts);
	memset(ts[0].ts_name, 'x', sizeof(ts[0].ts_name));
	fixture_snapshot(&ms, ts);
	ck_assert_int_eq(metrics_fmt(b, &ms), 0);
	s = buf_str(b);
	ck_assert_int_gt(exposition_check(s), 0);
	snprintf(want, sizeof(want), "gatewayd_tunnel_up{tunnel=\"%.*s\","
	    "peer=\"gw2\"} 1", (int)sizeof(ts[0].ts_name), ts[0].ts_name);
	assert_line(s, want);
	ike_status_free(ts, 2);
	free(s);
	buf_free(b);
}
END_TEST

/* A tunnel of 20 x 20 segment pairs: a sample for every CHILD SA (the
 * metrics kept 16 of them once). */
START_TEST(test_metrics_fmt_every_child)
{
	struct tunnel_status	 ts[2];
	struct metrics_snapshot	 ms;
	struct buf		*b = buf_new(64);
	struct child_status	*cs;
	char			*s, *p, want[256];
	int			 i, n = 0, nchild = 400;

	fixture(ts);
	free(ts[0].ts_child);
	ts[0].ts_child = calloc((size_t)nchild, sizeof(*ts[0].ts_child));
	ck_assert_ptr_nonnull(ts[0].ts_child);
	ts[0].ts_nchild = nchild;
	for (i = 0; i < nchild; i++) {
		cs = &ts[0].ts_child[i];
		cs->cs_proto = IPPROTO_ESP;
		cs->cs_spi_in = htonl(0xc1000000 + (uint32_t)i);
		cs->cs_spi_out = htonl(0xc2000000 + (uint32_t)i);
		snprintf(cs->cs_local_ts, sizeof(cs->cs_local_ts),
		    "172.16.%d.0/24", i / 20);
		snprintf(cs->cs_remote_ts, sizeof(cs->cs_remote_ts),
		    "10.%d.0.0/16", i % 20);
		cs->cs_bytes_in = 1000 + (uint64_t)i;
	}
	fixture_snapshot(&ms, ts);
	ck_assert_int_eq(metrics_fmt(b, &ms), 0);
	ike_status_free(ts, 2);
	s = buf_str(b);
	ck_assert_int_gt(exposition_check(s), 0);
	for (p = s; (p = strstr(p, "\ngatewayd_child_sa_in_bytes_total{")) !=
	    NULL; p++)
		n++;
	ck_assert_int_eq(n, nchild);
	/* the last pair, 172.16.19.0/24 === 10.19.0.0/16 */
	snprintf(want, sizeof(want), "gatewayd_child_sa_in_bytes_total{"
	    "tunnel=\"vpc1-vpc2\",peer=\"gw2\",child=\"c100018f/c200018f\","
	    "local_ts=\"172.16.19.0/24\",remote_ts=\"10.19.0.0/16\"} 1399");
	assert_line(s, want);
	free(s);
	buf_free(b);
}
END_TEST

/* --- the XFRM GETSA dump parser --- */

/* An XFRM_MSG_NEWSA as a dump carries it, with XFRMA_LASTUSED. */
static size_t
sa_msg(uint8_t *buf, size_t buflen, uint16_t type, uint16_t family,
    uint8_t proto, int lastused)
{
	struct nlmsghdr		*nlh = (struct nlmsghdr *)buf;
	struct xfrm_usersa_info	 si;
	struct nlattr		*a;
	uint64_t		 lu = 1714564900;

	ck_assert_uint_ge(buflen, NLMSG_SPACE(sizeof(si)) + NLA_HDRLEN + 8);
	memset(buf, 0, buflen);
	memset(&si, 0, sizeof(si));
	si.family = family;
	si.id.proto = proto;
	si.id.spi = htonl(0xc0000123);
	inet_pton(AF_INET, "198.51.100.1", &si.id.daddr.a4);
	si.reqid = 0x67770001;
	si.curlft.bytes = 987654321;
	si.curlft.packets = 4321;
	memcpy(NLMSG_DATA(nlh), &si, sizeof(si));
	nlh->nlmsg_type = type;
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(si));
	if (lastused) {
		a = (struct nlattr *)(buf + NLMSG_ALIGN(nlh->nlmsg_len));
		a->nla_type = XFRMA_LASTUSED;
		a->nla_len = NLA_HDRLEN + 8;
		memcpy((uint8_t *)a + NLA_HDRLEN, &lu, 8);
		nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + a->nla_len;
	}
	return (nlh->nlmsg_len);
}

START_TEST(test_metrics_dump_parse_ok)
{
	uint8_t			 buf[512] __attribute__((aligned(8)));
	struct xfrm_sa_counters	 xc;
	char			 a[INET_ADDRSTRLEN];
	size_t			 len;

	len = sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET, IPPROTO_ESP,
	    1);
	ck_assert_int_eq(xfrm_msg_sa_counters_parse((struct nlmsghdr *)buf,
	    len, &xc), 0);
	ck_assert_uint_eq(xc.xc_proto, IPPROTO_ESP);
	ck_assert_uint_eq(ntohl(xc.xc_spi), 0xc0000123);
	inet_ntop(AF_INET, &xc.xc_dst, a, sizeof(a));
	ck_assert_str_eq(a, "198.51.100.1");
	ck_assert_uint_eq(xc.xc_reqid, 0x67770001);
	ck_assert_uint_eq(xc.xc_bytes, 987654321);
	ck_assert_uint_eq(xc.xc_packets, 4321);
	ck_assert_uint_eq(xc.xc_lastused, 1714564900);
	/* without XFRMA_LASTUSED: 0 */
	len = sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET, IPPROTO_AH, 0);
	ck_assert_int_eq(xfrm_msg_sa_counters_parse((struct nlmsghdr *)buf,
	    len, &xc), 0);
	ck_assert_uint_eq(xc.xc_proto, IPPROTO_AH);
	ck_assert_uint_eq(xc.xc_lastused, 0);
}
END_TEST

START_TEST(test_metrics_dump_parse_rejects)
{
	uint8_t			 buf[512] __attribute__((aligned(8)));
	struct nlmsghdr		*nlh = (struct nlmsghdr *)buf;
	struct xfrm_sa_counters	 xc;
	size_t			 len, l;

	/* other types, families, protocols */
	len = sa_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET, IPPROTO_ESP,
	    0);
	ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, len, &xc), -1);
	len = sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET6, IPPROTO_ESP,
	    0);
	ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, len, &xc), -1);
	len = sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET, IPPROTO_COMP,
	    0);
	ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, len, &xc), -1);
	/* every truncation of a good message: the datagram is shorter
	 * than nlmsg_len, or nlmsg_len is shorter than the SA info */
	len = sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET, IPPROTO_ESP,
	    1);
	for (l = 0; l < len; l++)
		ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, l, &xc), -1);
	for (l = 0; l < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)); l++) {
		nlh->nlmsg_len = (uint32_t)l;
		ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, len, &xc),
		    -1);
	}
}
END_TEST

/*
 * A datagram that ends 2 bytes after the SA info (nlmsg_len not a
 * multiple of 4), in a buffer of exactly that size: the attribute walk
 * stops at nlmsg_len (fuzz_xfrm_dump found a read past the end).
 */
START_TEST(test_metrics_dump_parse_unaligned_end)
{
	uint8_t			 buf[512] __attribute__((aligned(8)));
	struct xfrm_sa_counters	 xc;
	uint8_t			*exact;
	size_t			 len = NLMSG_LENGTH(sizeof(struct
				    xfrm_usersa_info)) + 2;
	uint16_t		 nla_len = NLA_HDRLEN;

	(void)sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET, IPPROTO_ESP,
	    0);
	memcpy(buf + len - 2, &nla_len, 2);	/* half an attribute header */
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
	ck_assert_ptr_nonnull(exact = malloc(len));
	memcpy(exact, buf, len);
	ck_assert_int_eq(xfrm_msg_sa_counters_parse((struct nlmsghdr *)exact,
	    len, &xc), 0);
	ck_assert_uint_eq(xc.xc_lastused, 0);
	free(exact);
}
END_TEST

/* An attribute whose length overruns the message, or a LASTUSED of the
 * wrong size: the SA is parsed, the attribute ignored. */
START_TEST(test_metrics_dump_parse_bad_attr)
{
	uint8_t			 buf[512] __attribute__((aligned(8)));
	struct nlmsghdr		*nlh = (struct nlmsghdr *)buf;
	struct nlattr		*a;
	struct xfrm_sa_counters	 xc;
	size_t			 len;

	len = sa_msg(buf, sizeof(buf), XFRM_MSG_NEWSA, AF_INET, IPPROTO_ESP,
	    1);
	a = (struct nlattr *)(buf + NLMSG_SPACE(sizeof(struct
	    xfrm_usersa_info)));
	a->nla_len = 200;		/* past the end of the message */
	ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, len, &xc), 0);
	ck_assert_uint_eq(xc.xc_lastused, 0);
	a->nla_len = NLA_HDRLEN + 4;	/* a u32 where a u64 belongs */
	nlh->nlmsg_len = NLMSG_SPACE(sizeof(struct xfrm_usersa_info)) +
	    a->nla_len;
	ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh, nlh->nlmsg_len,
	    &xc), 0);
	ck_assert_uint_eq(xc.xc_lastused, 0);
	ck_assert_uint_eq(xc.xc_bytes, 987654321);
}
END_TEST

/* --- metrics-listen --- */

static const struct {
	const char	*line;
	const char	*addr;
	int		 port;
} listen_ok[] = {
	{ "metrics-listen 127.0.0.1:9587\n", "127.0.0.1", 9587 },
	{ "metrics-listen 0.0.0.0:1\n", "0.0.0.0", 1 },
	{ "metrics-listen [::1]:9587\n", "::1", 9587 },
	{ "metrics-listen [2001:db8::5]:65535\n", "2001:db8::5", 65535 },
};

START_TEST(test_metrics_config_ok)
{
	struct config	*cfg;
	char		 err[512];

	cfg = config_parse("gatewayd.conf", listen_ok[_i].line, err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "refused: %s", err);
	ck_assert_str_eq(cfg->cfg_metrics_addr, listen_ok[_i].addr);
	ck_assert_int_eq(cfg->cfg_metrics_port, listen_ok[_i].port);
	config_free(cfg);
}
END_TEST

START_TEST(test_metrics_config_default_off)
{
	struct config	*cfg;
	char		 err[512];

	cfg = config_parse("gatewayd.conf", "log-level info\n", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->cfg_metrics_port, 0);
	config_free(cfg);
}
END_TEST

#define E	"gatewayd.conf:1: metrics-listen"
static const struct {
	const char	*line;
	const char	*err;
} listen_bad[] = {
	{ "metrics-listen 127.0.0.1\n", E " \"127.0.0.1\": expected "
	  "ADDRESS:PORT, e.g. 127.0.0.1:9587, or [IPV6]:PORT, e.g. "
	  "[::1]:9587" },
	{ "metrics-listen [::1]9587\n", E " \"[::1]9587\": expected "
	  "ADDRESS:PORT, e.g. 127.0.0.1:9587, or [IPV6]:PORT, e.g. "
	  "[::1]:9587" },
	{ "metrics-listen :9587\n", E " \":9587\": expected ADDRESS:PORT, "
	  "e.g. 127.0.0.1:9587, or [IPV6]:PORT, e.g. [::1]:9587" },
	{ "metrics-listen localhost:9587\n", E ": \"localhost\" is not a "
	  "numeric IPv4 address (use e.g. 127.0.0.1:9587 or [::1]:9587)" },
	{ "metrics-listen ::1:9587\n", E ": \"::1\" is not a numeric IPv4 "
	  "address (use e.g. 127.0.0.1:9587 or [::1]:9587)" },
	{ "metrics-listen [127.0.0.1]:9587\n", E ": \"127.0.0.1\" is not a "
	  "numeric IPv6 address (use e.g. 127.0.0.1:9587 or [::1]:9587)" },
	{ "metrics-listen 127.0.0.1:0\n", E ": port \"0\" must be a number "
	  "from 1 to 65535 (e.g. 9587)" },
	{ "metrics-listen 127.0.0.1:65536\n", E ": port \"65536\" must be a "
	  "number from 1 to 65535 (e.g. 9587)" },
	{ "metrics-listen 127.0.0.1:95x\n", E ": port \"95x\" must be a "
	  "number from 1 to 65535 (e.g. 9587)" },
	{ "metrics-listen 127.0.0.1:-1\n", E ": port \"-1\" must be a "
	  "number from 1 to 65535 (e.g. 9587)" },
	{ "metrics-listen 127.0.0.1:\n", E ": port \"\" must be a number "
	  "from 1 to 65535 (e.g. 9587)" },
};
#undef E

START_TEST(test_metrics_config_bad)
{
	struct config	*cfg;
	char		 err[512];

	cfg = config_parse("gatewayd.conf", listen_bad[_i].line, err,
	    sizeof(err));
	if (cfg != NULL)
		config_free(cfg);
	ck_assert_msg(cfg == NULL, "accepted: %s", listen_bad[_i].line);
	ck_assert_str_eq(err, listen_bad[_i].err);
}
END_TEST

/* --- the HTTP server, in a child process --- */

static pid_t	 server_pid = -1;
static int	 server_family;
static uint16_t	 server_port;

static int
srv_status(void *arg, struct tunnel_status *out, int max)
{
	struct tunnel_status	 ts[2];
	int			 i;

	(void)arg;
	fixture(ts);
	for (i = 0; i < 2 && i < max; i++)
		out[i] = ts[i];		/* the server frees their children */
	ike_status_free(ts + i, 2 - i);
	return (2);
}

static void
srv_counters(void *arg, struct ike_counters *ic, struct net_counters *nc)
{
	(void)arg;
	memset(ic, 0, sizeof(*ic));
	memset(nc, 0, sizeof(*nc));
	ic->ic_rx = 77;
}

static void
srv_gauges(void *arg, struct ike_gauges *g)
{
	(void)arg;
	memset(g, 0, sizeof(*g));
	g->ig_ike[IKE_GAUGE_ESTABLISHED] = 1;
}

/* A port that is free now (the kernel's choice) on the loopback. */
static uint16_t
free_port(int family)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	ck_assert_int_ge(fd = socket(family, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	close(fd);
	return (ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->
	    sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port));
}

static void
server_start(int family)
{
	struct metrics_ops	 ops = { NULL, srv_status, srv_counters,
				    srv_gauges, NULL };
	struct event_base	*base;
	struct metrics		*m;
	int			 p[2];
	char			 c;

	server_family = family;
	server_port = free_port(family);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(server_pid = fork(), 0);
	if (server_pid == 0) {
		close(p[0]);
		log_init(0, LOG_LVL_ERR);
		base = event_base_new();
		m = metrics_open(base, family == AF_INET ? "127.0.0.1" : "::1",
		    server_port, &ops);
		c = m != NULL ? 'r' : 'f';
		if (write(p[1], &c, 1) != 1 || m == NULL)
			_exit(1);
		close(p[1]);
		event_base_dispatch(base);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	ck_assert_msg(c == 'r', "metrics_open failed in the child");
}

static void
server_stop(void)
{
	int	 st;

	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, &st, 0);
	}
	server_pid = -1;
}

static void setup4(void) { server_start(AF_INET); }
static void setup6(void) { server_start(AF_INET6); }

/* Sends req (len bytes), half-closes if shut, reads the reply until the
 * server closes. */
static char *
http_ask_shut(const char *req, size_t len, int shut)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 5, 0 };
	char			*r;
	size_t			 n = 0, cap = 65536;
	ssize_t			 k;
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = server_family;
	if (server_family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)&ss)->sin_port = htons(server_port);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(server_port);
	}
	ck_assert_int_ge(fd = socket(server_family, SOCK_STREAM, 0), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss,
	    server_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)), 0);
	if (len > 0)
		(void)send(fd, req, len, MSG_NOSIGNAL);
	if (shut)
		shutdown(fd, SHUT_WR);
	ck_assert_ptr_nonnull(r = malloc(cap + 1));
	while (n < cap && (k = read(fd, r + n, cap - n)) > 0)
		n += (size_t)k;
	r[n] = '\0';
	close(fd);
	return (r);
}


static char *
http_ask(const char *req, size_t len)
{
	return (http_ask_shut(req, len, 0));
}

static const char GET_METRICS[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
    "Connection: close\r\n\r\n";

START_TEST(test_metrics_http_get)
{
	char	*r = http_ask(GET_METRICS, sizeof(GET_METRICS) - 1), *body;

	ck_assert_int_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Type: text/plain; "
	    "version=0.0.4; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(body = strstr(r, "\r\n\r\n"));
	body += 4;
	/* ... + 4 IKEv1 first-message drop causes, 2 half-open ends, 1
	 * retried, 1 Aggressive Mode key pairs, 2 Quick Mode drop causes,
	 * IKEv2 cookies 2 and drops 2, 2 pacing */
	ck_assert_int_eq(exposition_check(body), 2 + 10 + 1 + 2 + 14 + 8 + 5 +
	    5 + 3 + 7 + 2 + 4 + 2 + 1 + 1 + 2 + 4 + 2);
	assert_line(body, "gatewayd_tunnel_up{tunnel=\"vpc1-vpc2\","
	    "peer=\"gw2\"} 1");
	assert_line(body, "gatewayd_ike_messages_received_total 77");
	assert_line(body, "gatewayd_ike_sas{state=\"established\"} 1");
	free(r);
	/* a query string is still /metrics; HEAD has no body */
	r = http_ask("GET /metrics?x=1 HTTP/1.0\r\n\r\n", 29);
	ck_assert_int_eq(strncmp(r, "HTTP/1.0 200 ", 13), 0);
	free(r);
	r = http_ask("HEAD /metrics HTTP/1.0\r\n\r\n", 26);
	ck_assert_int_eq(strncmp(r, "HTTP/1.0 200 ", 13), 0);
	ck_assert_ptr_null(strstr(r, "gatewayd_"));
	free(r);
}
END_TEST

static const char *const not_found[] = {
	"GET / HTTP/1.0\r\n\r\n",
	"GET /metrics/ HTTP/1.0\r\n\r\n",
	"GET /metricsx HTTP/1.0\r\n\r\n",
	"GET /../metrics HTTP/1.0\r\n\r\n",
};

START_TEST(test_metrics_http_404)
{
	char	*r = http_ask(not_found[_i], strlen(not_found[_i]));

	ck_assert_msg(strncmp(r, "HTTP/1.0 404 ", 13) == 0 ||
	    strncmp(r, "HTTP/1.0 400 ", 13) == 0, "%s: %.40s", not_found[_i],
	    r);
	ck_assert_ptr_null(strstr(r, "gatewayd_"));
	free(r);
}
END_TEST

/* Hostile requests: no metrics, and the server keeps serving. */
START_TEST(test_metrics_http_hostile)
{
	char	*big, *r;
	size_t	 n = 20000;

	r = http_ask("POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
	    48);
	ck_assert_ptr_null(strstr(r, "gatewayd_"));
	ck_assert_int_eq(strncmp(r, "HTTP/1.", 7), 0);
	free(r);
	/* headers beyond the limit */
	ck_assert_ptr_nonnull(big = malloc(n));
	memcpy(big, "GET /metrics HTTP/1.0\r\nX: ", 26);
	memset(big + 26, 'a', n - 26 - 4);
	memcpy(big + n - 4, "\r\n\r\n", 4);
	r = http_ask(big, n);
	ck_assert_ptr_null(strstr(r, "gatewayd_"));
	free(r);
	free(big);
	/* garbage, and a client that closes at once */
	r = http_ask("\x01\x02\x03\r\n\r\n", 7);
	ck_assert_ptr_null(strstr(r, "gatewayd_"));
	free(r);
	r = http_ask_shut("", 0, 1);
	free(r);
	r = http_ask(GET_METRICS, sizeof(GET_METRICS) - 1);
	ck_assert_int_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0);
	free(r);
}
END_TEST

/* A port in use: metrics_open says so and returns NULL. */
START_TEST(test_metrics_open_in_use)
{
	struct metrics_ops	 ops = { NULL, srv_status, srv_counters,
				    srv_gauges, NULL };
	struct event_base	*base = event_base_new();

	log_init(0, LOG_LVL_ERR + 0);
	ck_assert_ptr_null(metrics_open(base, "127.0.0.1", server_port,
	    &ops));
	/* not an address of this host */
	ck_assert_ptr_null(metrics_open(base, "192.0.2.77", 9587, &ops));
	event_base_free(base);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc;

	tc = tcase_create("format");
	tcase_add_test(tc, test_metrics_fmt_well_formed);
	tcase_add_loop_test(tc, test_metrics_fmt_values, 0,
	    sizeof(fixture_lines) / sizeof(fixture_lines[0]));
	tcase_add_test(tc, test_metrics_fmt_no_timestamp_when_down);
	tcase_add_test(tc, test_metrics_fmt_no_tunnels);
	tcase_add_test(tc, test_metrics_fmt_ha);
	tcase_add_loop_test(tc, test_metrics_label_escape, 0,
	    sizeof(label_vecs) / sizeof(label_vecs[0]));
	tcase_add_test(tc, test_metrics_fmt_unterminated_name);
	tcase_add_test(tc, test_metrics_fmt_every_child);
	suite_add_tcase(s, tc);

	tc = tcase_create("dump");
	tcase_add_test(tc, test_metrics_dump_parse_ok);
	tcase_add_test(tc, test_metrics_dump_parse_rejects);
	tcase_add_test(tc, test_metrics_dump_parse_unaligned_end);
	tcase_add_test(tc, test_metrics_dump_parse_bad_attr);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_loop_test(tc, test_metrics_config_ok, 0,
	    sizeof(listen_ok) / sizeof(listen_ok[0]));
	tcase_add_test(tc, test_metrics_config_default_off);
	tcase_add_loop_test(tc, test_metrics_config_bad, 0,
	    sizeof(listen_bad) / sizeof(listen_bad[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("http_ipv4");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup4, server_stop);
	tcase_add_test(tc, test_metrics_http_get);
	tcase_add_loop_test(tc, test_metrics_http_404, 0,
	    sizeof(not_found) / sizeof(not_found[0]));
	tcase_add_test(tc, test_metrics_http_hostile);
	tcase_add_test(tc, test_metrics_open_in_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("http_ipv6");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup6, server_stop);
	tcase_add_test(tc, test_metrics_http_get);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(metrics_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
