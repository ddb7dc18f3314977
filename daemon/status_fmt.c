/*
 * status_fmt.c - tunnel status and counters as text for people and as
 * JSON for scripts (gatewayctl status [--json], gatewayctl counters).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "ike/ha_chan.h"
#include "ike/ike.h"
#include "ike/net.h"
#include "daemon/status_fmt.h"

static const char *const status_state_names[] = {
	[TUNNEL_DOWN] = "Down",
	[TUNNEL_CONNECTING] = "Connecting",
	[TUNNEL_CONNECTED] = "Connected",
	[TUNNEL_PHASE1_FAILED] = "Phase 1 failed",
	[TUNNEL_PHASE2_FAILED] = "Phase 2 failed"
};

const char *
status_state_name(enum tunnel_state s)
{
	if ((unsigned)s >= sizeof(status_state_names) /
	    sizeof(status_state_names[0]))
		return ("Unknown");
	return (status_state_names[s]);
}

#define fmt_add buf_addf

/* A fixed-size field of the engine's as a C string, never past its end. */
static void
fmt_field(const char *field, size_t size, char *out, size_t outlen)
{
	size_t	 n = strnlen(field, size);

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, field, n);
	out[n] = '\0';
}

/* Text output: anything but printable ASCII becomes '?'. */
static void
fmt_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static const char *
fmt_proto(uint8_t proto, int upper)
{
	if (proto == IPPROTO_ESP)
		return (upper ? "ESP" : "esp");
	if (proto == IPPROTO_AH)
		return (upper ? "AH" : "ah");
	return (upper ? "?" : "unknown");
}

static void
fmt_time(time_t t, char *out, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

static void
fmt_age(long long age, char *out, size_t len)
{
	long long	 d = age / 86400, h = age / 3600 % 24;
	long long	 m = age / 60 % 60, s = age % 60;

	if (d > 0)
		snprintf(out, len, "%lldd %02lldh %02lldm %02llds", d, h, m, s);
	else if (h > 0)
		snprintf(out, len, "%lldh %02lldm %02llds", h, m, s);
	else if (m > 0)
		snprintf(out, len, "%lldm %02llds", m, s);
	else
		snprintf(out, len, "%llds", s);
}

static long long
fmt_age_secs(time_t established, time_t now)
{
	return (now > established ? (long long)(now - established) : 0);
}

static int
fmt_spi_zero(const uint8_t *spi)
{
	static const uint8_t	 zero[8];

	return (memcmp(spi, zero, sizeof(zero)) == 0);
}

/* Every CHILD SA of ts is shown, however many; none if the array is
 * missing (an engine bug, not a reason to crash). */
static int
fmt_nchild(const struct tunnel_status *ts)
{
	return (ts->ts_child != NULL && ts->ts_nchild > 0 ? ts->ts_nchild :
	    0);
}

static int
fmt_text_child(struct buf *out, int i, const struct child_status *cs)
{
	char	 lts[sizeof(cs->cs_local_ts) + 1];
	char	 rts[sizeof(cs->cs_remote_ts) + 1];
	char	 algs[sizeof(cs->cs_algs) + 1];

	fmt_field(cs->cs_local_ts, sizeof(cs->cs_local_ts), lts, sizeof(lts));
	fmt_field(cs->cs_remote_ts, sizeof(cs->cs_remote_ts), rts,
	    sizeof(rts));
	fmt_field(cs->cs_algs, sizeof(cs->cs_algs), algs, sizeof(algs));
	fmt_printable(lts);
	fmt_printable(rts);
	fmt_printable(algs);
	if (fmt_add(out, "  child %d:     %s SPIs %08" PRIx32 " (in) "
	    "%08" PRIx32 " (out)\n"
	    "    selectors:  %s === %s\n"
	    "    algorithms: %s\n"
	    "    in:         %" PRIu64 " bytes, %" PRIu64 " packets\n"
	    "    out:        %" PRIu64 " bytes, %" PRIu64 " packets\n",
	    i + 1, fmt_proto(cs->cs_proto, 1), ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out), lts, rts, algs, cs->cs_bytes_in,
	    cs->cs_packets_in, cs->cs_bytes_out, cs->cs_packets_out) == -1)
		return (-1);
	/* volume lifetimes, per SA (each direction counts its own) */
	if (cs->cs_life_bytes != 0 && fmt_add(out, "    life bytes: %"
	    PRIu64 " per SA (rekey from %" PRIu64 ")\n", cs->cs_life_bytes,
	    cs->cs_soft_bytes) == -1)
		return (-1);
	if (cs->cs_life_packets != 0 && fmt_add(out, "    life packets: %"
	    PRIu64 " per SA (rekey from %" PRIu64 ")\n", cs->cs_life_packets,
	    cs->cs_soft_packets) == -1)
		return (-1);
	return (0);
}

static int
fmt_text_tunnel(struct buf *out, const struct tunnel_status *ts, time_t now)
{
	char	 name[sizeof(ts->ts_name) + 1];
	char	 algs[sizeof(ts->ts_ike_algs) + 1];
	char	 msg[sizeof(ts->ts_last_error) + sizeof(ts->ts_warning)];
	char	 local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN];
	char	 spi_i[17], spi_r[17], when[32], age[48];
	int	 i, nchild;

	fmt_field(ts->ts_name, sizeof(ts->ts_name), name, sizeof(name));
	fmt_field(ts->ts_ike_algs, sizeof(ts->ts_ike_algs), algs,
	    sizeof(algs));
	fmt_printable(name);
	fmt_printable(algs);
	inet_ntop(AF_INET, &ts->ts_local, local, sizeof(local));
	inet_ntop(AF_INET, &ts->ts_remote, remote, sizeof(remote));
	if (fmt_add(out, "%s: %s -> %s\n  state:       %s\n"
	    "  IKE:         IKEv%d%s%s\n", name, local, remote,
	    status_state_name(ts->ts_state), ts->ts_ike_version,
	    algs[0] != '\0' ? " " : "", algs) == -1)
		return (-1);
	if (!fmt_spi_zero(ts->ts_spi_i) || !fmt_spi_zero(ts->ts_spi_r)) {
		hex_encode(ts->ts_spi_i, sizeof(ts->ts_spi_i), spi_i);
		hex_encode(ts->ts_spi_r, sizeof(ts->ts_spi_r), spi_r);
		if (fmt_add(out, "  IKE SPIs:    %s (initiator) %s "
		    "(responder)\n", spi_i, spi_r) == -1)
			return (-1);
	}
	if (ts->ts_established != 0) {
		fmt_time(ts->ts_established, when, sizeof(when));
		fmt_age(fmt_age_secs(ts->ts_established, now), age,
		    sizeof(age));
		if (fmt_add(out, "  established: %s (%s ago)\n", when,
		    age) == -1)
			return (-1);
	}
	fmt_field(ts->ts_last_error, sizeof(ts->ts_last_error), msg,
	    sizeof(msg));
	fmt_printable(msg);
	if (msg[0] != '\0' && fmt_add(out, "  last error:  %s\n", msg) == -1)
		return (-1);
	if (ts->ts_pace_wait && fmt_add(out, "  detail:      waiting for a "
	    "half-open slot towards the peer (initiate-half-open-per-peer)\n")
	    == -1)
		return (-1);
	fmt_field(ts->ts_warning, sizeof(ts->ts_warning), msg, sizeof(msg));
	fmt_printable(msg);
	if (msg[0] != '\0' && fmt_add(out, "  warning:     %s\n", msg) == -1)
		return (-1);
	if (fmt_add(out, "  traffic:     in %" PRIu64 " bytes, %" PRIu64
	    " packets; out %" PRIu64 " bytes, %" PRIu64 " packets (all CHILD "
	    "SAs)\n  rekeys:      %" PRIu64 " CHILD, %" PRIu64 " IKE; %" PRIu64
	    " failed attempts\n", ts->ts_bytes_in, ts->ts_packets_in,
	    ts->ts_bytes_out, ts->ts_packets_out, ts->ts_child_rekeys,
	    ts->ts_ike_rekeys, ts->ts_failures) == -1)
		return (-1);
	nchild = fmt_nchild(ts);
	for (i = 0; i < nchild; i++)
		if (fmt_text_child(out, i, &ts->ts_child[i]) == -1)
			return (-1);
	return (0);
}

int
status_fmt_text(struct buf *out, const struct tunnel_status *ts, int n,
    time_t now)
{
	int	 i;

	if (n <= 0)
		return (fmt_add(out, "no tunnels configured\n"));
	for (i = 0; i < n; i++) {
		if (i > 0 && buf_add_u8(out, '\n') == -1)
			return (-1);
		if (fmt_text_tunnel(out, &ts[i], now) == -1)
			return (-1);
	}
	return (0);
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 §4), 0 if invalid. */
static size_t
json_utf8_len(const uint8_t *p, size_t left)
{
	size_t	 n, i;
	uint8_t	 lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return (0);
	if (p[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;		/* above U+10FFFF */
	if (left < n || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (n);
}

/* RFC 8259 §7: quote, escape '"', '\\' and controls; bad UTF-8 -> U+FFFD. */
static int
json_strn(struct buf *out, const char *s, size_t max)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 len = strnlen(s, max), i = 0, n;
	int		 rv = 0;

	rv |= buf_add_u8(out, '"');
	while (i < len && rv == 0) {
		if (p[i] == '"' || p[i] == '\\') {
			rv |= buf_add_u8(out, '\\');
			rv |= buf_add_u8(out, p[i++]);
		} else if (p[i] == '\n') {
			rv |= buf_add(out, "\\n", 2);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			rv |= fmt_add(out, "\\u%04x", p[i++]);
		} else if (p[i] < 0x80) {
			rv |= buf_add_u8(out, p[i++]);
		} else if ((n = json_utf8_len(p + i, len - i)) > 0) {
			rv |= buf_add(out, p + i, n);
			i += n;
		} else {
			rv |= buf_add(out, "\\ufffd", 6);
			i++;
		}
	}
	rv |= buf_add_u8(out, '"');
	return (rv == 0 ? 0 : -1);
}

int
status_json_str(struct buf *out, const char *s)
{
	return (json_strn(out, s, strlen(s)));
}

#define JSON_FIELD(out, st, f)	json_strn((out), (st)->f, sizeof((st)->f))

static int
fmt_json_child(struct buf *out, const struct child_status *cs)
{
	int	 rv = 0;

	rv |= fmt_add(out, "{\"protocol\":\"%s\",\"spi_in\":\"%08" PRIx32
	    "\",\"spi_out\":\"%08" PRIx32 "\",\"local_ts\":",
	    fmt_proto(cs->cs_proto, 0), ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out));
	rv |= JSON_FIELD(out, cs, cs_local_ts);
	rv |= fmt_add(out, ",\"remote_ts\":");
	rv |= JSON_FIELD(out, cs, cs_remote_ts);
	rv |= fmt_add(out, ",\"algorithms\":");
	rv |= JSON_FIELD(out, cs, cs_algs);
	rv |= fmt_add(out, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
	    ",\"packets_in\":%" PRIu64 ",\"packets_out\":%" PRIu64,
	    cs->cs_bytes_in, cs->cs_bytes_out, cs->cs_packets_in,
	    cs->cs_packets_out);
	/* volume lifetimes only when set (absent: none) */
	if (cs->cs_life_bytes != 0)
		rv |= fmt_add(out, ",\"life_bytes\":%" PRIu64
		    ",\"soft_bytes\":%" PRIu64, cs->cs_life_bytes,
		    cs->cs_soft_bytes);
	if (cs->cs_life_packets != 0)
		rv |= fmt_add(out, ",\"life_packets\":%" PRIu64
		    ",\"soft_packets\":%" PRIu64, cs->cs_life_packets,
		    cs->cs_soft_packets);
	rv |= fmt_add(out, "}");
	return (rv == 0 ? 0 : -1);
}

static int
fmt_json_tunnel(struct buf *out, const struct tunnel_status *ts, time_t now)
{
	char	 local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN];
	char	 spi_i[17], spi_r[17], when[32];
	int	 i, nchild, rv = 0;

	inet_ntop(AF_INET, &ts->ts_local, local, sizeof(local));
	inet_ntop(AF_INET, &ts->ts_remote, remote, sizeof(remote));
	hex_encode(ts->ts_spi_i, sizeof(ts->ts_spi_i), spi_i);
	hex_encode(ts->ts_spi_r, sizeof(ts->ts_spi_r), spi_r);
	rv |= fmt_add(out, "{\"name\":");
	rv |= JSON_FIELD(out, ts, ts_name);
	rv |= fmt_add(out, ",\"gateway\":\"%s\",\"peer\":\"%s\",\"state\":"
	    "\"%s\",\"ike_version\":%d,\"ike_algorithms\":", local, remote,
	    status_state_name(ts->ts_state), ts->ts_ike_version);
	rv |= JSON_FIELD(out, ts, ts_ike_algs);
	rv |= fmt_add(out, ",\"spi_i\":\"%s\",\"spi_r\":\"%s\"", spi_i,
	    spi_r);
	if (ts->ts_established != 0) {
		fmt_time(ts->ts_established, when, sizeof(when));
		rv |= fmt_add(out, ",\"established\":\"%s\",\"age\":%lld",
		    when, fmt_age_secs(ts->ts_established, now));
	} else
		rv |= fmt_add(out, ",\"established\":null,\"age\":null");
	rv |= fmt_add(out, ",\"last_error\":");
	rv |= JSON_FIELD(out, ts, ts_last_error);
	rv |= fmt_add(out, ",\"warning\":");
	rv |= JSON_FIELD(out, ts, ts_warning);
	rv |= fmt_add(out, ",\"waiting_half_open\":%s",
	    ts->ts_pace_wait ? "true" : "false");
	rv |= fmt_add(out, ",\"peer_name\":");
	rv |= JSON_FIELD(out, ts, ts_peer_name);
	rv |= fmt_add(out, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
	    ",\"packets_in\":%" PRIu64 ",\"packets_out\":%" PRIu64
	    ",\"child_rekeys\":%" PRIu64 ",\"ike_rekeys\":%" PRIu64
	    ",\"failures\":%" PRIu64, ts->ts_bytes_in, ts->ts_bytes_out,
	    ts->ts_packets_in, ts->ts_packets_out, ts->ts_child_rekeys,
	    ts->ts_ike_rekeys, ts->ts_failures);
	rv |= fmt_add(out, ",\"children\":[");
	nchild = fmt_nchild(ts);
	for (i = 0; i < nchild && rv == 0; i++) {
		if (i > 0)
			rv |= buf_add_u8(out, ',');
		rv |= fmt_json_child(out, &ts->ts_child[i]);
	}
	rv |= fmt_add(out, "]}");
	return (rv == 0 ? 0 : -1);
}

int
status_fmt_json(struct buf *out, const struct tunnel_status *ts, int n,
    time_t now)
{
	return (status_fmt_json_ha(out, ts, n, NULL, now));
}

/* "10.0.0.2:4510" */
static void
fmt_ha_peer(const struct ha_status *ha, char *out, size_t len)
{
	char	 a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ha->hs_peer.sin_addr, a, sizeof(a));
	snprintf(out, len, "%s:%u", a, ntohs(ha->hs_peer.sin_port));
}

static long long
fmt_ha_age(const struct ha_status *ha, time_t now)
{
	return (now > ha->hs_peer_last ? (long long)(now - ha->hs_peer_last) :
	    0);
}

int
status_fmt_ha_text(struct buf *out, const struct ha_status *ha, time_t now)
{
	char	 peer[INET_ADDRSTRLEN + 8];

	if (ha == NULL)
		return (0);
	fmt_ha_peer(ha, peer, sizeof(peer));
	if (fmt_add(out, "HA: role %s, priority %u, interface %s, node id "
	    "%08x\n", ha_role_name(ha->hs_role), ha->hs_priority,
	    ha->hs_ifname, ha->hs_node) == -1)
		return (-1);
	if (!ha->hs_peer_seen) {
		if (fmt_add(out, "  sync peer:  %s never seen\n", peer) == -1)
			return (-1);
	} else if (fmt_add(out, "  sync peer:  %s %s, last seen %lld s ago, "
	    "role %s, priority %u%s\n", peer, ha->hs_peer_alive ? "alive" :
	    "silent", fmt_ha_age(ha, now), ha_role_name(ha->hs_peer_role),
	    ha->hs_peer_priority, ha->hs_peer_synced ? ", holds our SAs" :
	    "") == -1)
		return (-1);
	if (fmt_add(out, "  records:    %" PRIu64 " sent (%" PRIu64
	    " failed), %" PRIu64 " accepted; dropped: %" PRIu64 " bad "
	    "length, %" PRIu64 " bad version, %" PRIu64 " bad tag, %" PRIu64
	    " replayed, %" PRIu64 " old epoch, %" PRIu64 " reflected, %"
	    PRIu64 " bad type\n", ha->hs_tx, ha->hs_tx_errors,
	    ha->hs_rx[HA_OK], ha->hs_rx[HA_BAD_LENGTH],
	    ha->hs_rx[HA_BAD_VERSION], ha->hs_rx[HA_BAD_TAG],
	    ha->hs_rx[HA_REPLAY], ha->hs_rx[HA_OLD_EPOCH],
	    ha->hs_rx[HA_REFLECTED], ha->hs_rx[HA_BAD_TYPE]) == -1)
		return (-1);
	if (fmt_add(out, "  state sync: holds %" PRIu64 " IKE SAs, %"
	    PRIu64 " CHILD SAs; sent %" PRIu64 " IKE SA, %" PRIu64 " CHILD "
	    "SA, %" PRIu64 " delete, %" PRIu64 " sequence advance records\n",
	    ha->hs_sync_ike, ha->hs_sync_child,
	    ha->hs_tx_type[HA_REC_IKE_SA], ha->hs_tx_type[HA_REC_CHILD_SA],
	    ha->hs_tx_type[HA_REC_DELETE],
	    ha->hs_tx_type[HA_REC_SEQ_ADVANCE]) == -1)
		return (-1);
	/* the active node serves dumps; the others take them */
	if (ha->hs_role == HA_ROLE_ACTIVE)
		return (fmt_add(out, "  bulk sync:  active node, %" PRIu64
		    " dumps served\n\n", ha->hs_bulk_served));
	if (ha->hs_bulk == HA_BULK_COMPLETE && fmt_add(out, "  bulk sync:  "
	    "complete (%u records)", ha->hs_bulk_records) == -1)
		return (-1);
	if (ha->hs_bulk != HA_BULK_COMPLETE && fmt_add(out, "  bulk sync:  "
	    "pending%s", ha->hs_bulk == HA_BULK_RECEIVING ? " (receiving)" :
	    "") == -1)
		return (-1);
	return (fmt_add(out, "; %" PRIu64 " dumps taken, %" PRIu64 " asked "
	    "again, %" PRIu64 " served\n\n", ha->hs_bulk_dumps,
	    ha->hs_bulk_retries, ha->hs_bulk_served));
}


static int
fmt_json_ha(struct buf *out, const struct ha_status *ha, time_t now)
{
	char	 peer[INET_ADDRSTRLEN + 8];
	int	 i, rv = 0;

	fmt_ha_peer(ha, peer, sizeof(peer));
	rv |= fmt_add(out, ",\"ha\":{\"role\":\"%s\",\"priority\":%u,"
	    "\"interface\":", ha_role_name(ha->hs_role), ha->hs_priority);
	rv |= status_json_str(out, ha->hs_ifname);
	rv |= fmt_add(out, ",\"node_id\":\"%08x\",\"sync_peer\":{"
	    "\"address\":\"%s\",\"seen\":%s,\"alive\":%s", ha->hs_node, peer,
	    ha->hs_peer_seen ? "true" : "false",
	    ha->hs_peer_alive ? "true" : "false");
	if (ha->hs_peer_seen)
		rv |= fmt_add(out, ",\"last_seen\":%lld,\"last_seen_ago\":"
		    "%lld,\"role\":\"%s\",\"priority\":%u,\"synced\":%s",
		    (long long)ha->hs_peer_last, fmt_ha_age(ha, now),
		    ha_role_name(ha->hs_peer_role), ha->hs_peer_priority,
		    ha->hs_peer_synced ? "true" : "false");
	rv |= fmt_add(out, "},\"records\":{\"sent\":%" PRIu64 ",\"send_failed\":%"
	    PRIu64, ha->hs_tx, ha->hs_tx_errors);
	for (i = 0; i < HA_NVERDICTS; i++)
		rv |= fmt_add(out, ",\"%s\":%" PRIu64, ha_verdict_key(i),
		    ha->hs_rx[i]);
	rv |= fmt_add(out, "},\"sync\":{\"ike_sas\":%" PRIu64 ",\"child_sas\":%"
	    PRIu64 ",\"table_full\":%" PRIu64 ",\"sent\":{\"ike_sa\":%" PRIu64
	    ",\"child_sa\":%" PRIu64 ",\"delete\":%" PRIu64 ",\"seq_advance\":%"
	    PRIu64 "},\"seq_advanced\":%" PRIu64 ",\"bulk\":{\"state\":\"%s\","
	    "\"records\":%u,\"dumps\":%" PRIu64 ",\"asked_again\":%" PRIu64
	    ",\"served\":%" PRIu64 "}}}",
	    ha->hs_sync_ike, ha->hs_sync_child, ha->hs_store_full,
	    ha->hs_tx_type[HA_REC_IKE_SA], ha->hs_tx_type[HA_REC_CHILD_SA],
	    ha->hs_tx_type[HA_REC_DELETE], ha->hs_tx_type[HA_REC_SEQ_ADVANCE],
	    ha->hs_seq_moved, ha->hs_bulk == HA_BULK_COMPLETE ? "complete" :
	    ha->hs_bulk == HA_BULK_RECEIVING ? "receiving" : "pending",
	    ha->hs_bulk_records, ha->hs_bulk_dumps, ha->hs_bulk_retries,
	    ha->hs_bulk_served);
	return (rv == 0 ? 0 : -1);
}

int
status_fmt_json_ha(struct buf *out, const struct tunnel_status *ts, int n,
    const struct ha_status *ha, time_t now)
{
	int	 i;

	if (fmt_add(out, "{\"tunnels\":[") == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (i > 0 && buf_add_u8(out, ',') == -1)
			return (-1);
		if (fmt_json_tunnel(out, &ts[i], now) == -1)
			return (-1);
	}
	if (fmt_add(out, "]") == -1)
		return (-1);
	if (ha != NULL && fmt_json_ha(out, ha, now) == -1)
		return (-1);
	return (fmt_add(out, "}\n"));
}

int
status_fmt_counters(struct buf *out, const struct ike_counters *ic,
    const struct net_counters *nc)
{
	return (fmt_add(out,
	    "ike received          %" PRIu64 "\n"
	    "ike sent              %" PRIu64 "\n"
	    "ike malformed         %" PRIu64 "\n"
	    "ike unknown SPI       %" PRIu64 "\n"
	    "ike bad ICV           %" PRIu64 "\n"
	    "ike retransmits       %" PRIu64 "\n"
	    "ike dropped           %" PRIu64 "\n"
	    "ikev1 half-open       %" PRIu64 "\n"
	    "ikev1 drop full       %" PRIu64 "\n"
	    "ikev1 drop per-src    %" PRIu64 "\n"
	    "ikev1 drop no tunnel  %" PRIu64 "\n"
	    "ikev1 drop proposal   %" PRIu64 "\n"
	    "ikev1 half expired    %" PRIu64 "\n"
	    "ikev1 half evicted    %" PRIu64 "\n"
	    "ikev1 half retried    %" PRIu64 "\n"
	    "ikev1 am key pairs    %" PRIu64 "\n"
	    "ikev1 qm drop flight  %" PRIu64 "\n"
	    "ikev1 qm drop SAs     %" PRIu64 "\n"
	    "ikev2 half-open       %" PRIu64 "\n"
	    "ikev2 cookies sent    %" PRIu64 "\n"
	    "ikev2 cookies wrong   %" PRIu64 "\n"
	    "ikev2 drop full       %" PRIu64 "\n"
	    "ikev2 drop per-src    %" PRIu64 "\n"
	    "initiations paced     %" PRIu64 "\n"
	    "initiations waiting   %" PRIu64 "\n"
	    "udp received          %" PRIu64 "\n"
	    "udp sent              %" PRIu64 "\n"
	    "udp send errors       %" PRIu64 "\n"
	    "udp too short         %" PRIu64 "\n"
	    "udp ESP in userspace  %" PRIu64 "\n"
	    "udp NAT keepalives    %" PRIu64 "\n"
	    "udp truncated         %" PRIu64 "\n"
	    "udp first shed        %" PRIu64 "\n",
	    ic->ic_rx, ic->ic_tx, ic->ic_malformed, ic->ic_unknown_spi,
	    ic->ic_bad_icv, ic->ic_retransmits, ic->ic_dropped,
	    ic->ic_v1_half_open, ic->ic_v1_drop_half_total,
	    ic->ic_v1_drop_half_source, ic->ic_v1_drop_no_tunnel,
	    ic->ic_v1_drop_no_proposal,
	    ic->ic_v1_half_expired, ic->ic_v1_half_evicted,
	    ic->ic_v1_half_retried,
	    ic->ic_v1_am_keys, ic->ic_v1_qm_refused_inflight, ic->ic_v1_qm_refused_sas,
	    ic->ic_v2_half_open, ic->ic_v2_cookies_sent,
	    ic->ic_v2_cookies_wrong, ic->ic_v2_drop_half_total,
	    ic->ic_v2_drop_half_source,
	    ic->ic_paced, ic->ic_pace_waiting,
	    nc->nc_rx, nc->nc_tx, nc->nc_tx_errors, nc->nc_short, nc->nc_esp,
	    nc->nc_keepalive, nc->nc_truncated, nc->nc_first_shed));
}
