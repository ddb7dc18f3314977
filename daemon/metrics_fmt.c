/*
 * metrics_fmt.c - the Prometheus text exposition format (version 0.0.4):
 * one "# HELP" and one "# TYPE" line per family, then its samples
 * "name{label="value",...} value".  Counters end in _total, units are
 * base units (bytes, seconds), as Prometheus' naming practices ask, so
 * that "promtool check metrics" accepts the page.
 *
 * Per tunnel the labels are tunnel (its name) and peer (the peer block's
 * name: stable, unlike a dynamic peer's address); per CHILD SA also
 * child (its SPI pair, in/out), local_ts and remote_ts.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "daemon/metrics_fmt.h"
#include "ike/ha_sync.h"

#define mf_add buf_addf

int
metrics_fmt_label(struct buf *out, const char *s, size_t max)
{
	size_t	 len = strnlen(s, max), i;
	int	 rv = 0;
	uint8_t	 c;

	rv |= buf_add_u8(out, '"');
	for (i = 0; i < len && rv == 0; i++) {
		c = (uint8_t)s[i];
		if (c == '\\' || c == '"') {
			rv |= buf_add_u8(out, '\\');
			rv |= buf_add_u8(out, c);
		} else if (c == '\n')
			rv |= buf_add(out, "\\n", 2);
		else if (c < 0x20 || c > 0x7e)
			rv |= buf_add_u8(out, '?');
		else
			rv |= buf_add_u8(out, c);
	}
	rv |= buf_add_u8(out, '"');
	return (rv == 0 ? 0 : -1);
}

#define MF_LABEL(out, st, f)	metrics_fmt_label((out), (st)->f, \
				    sizeof((st)->f))

static int
mf_family(struct buf *out, const char *name, const char *type,
    const char *help)
{
	return (mf_add(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type));
}

/* "name{tunnel="T",peer="P"" : the caller closes the braces. */
static int
mf_tunnel_start(struct buf *out, const char *name,
    const struct tunnel_status *ts)
{
	int	 rv = 0;

	rv |= mf_add(out, "%s{tunnel=", name);
	rv |= MF_LABEL(out, ts, ts_name);
	rv |= mf_add(out, ",peer=");
	rv |= MF_LABEL(out, ts, ts_peer_name);
	return (rv == 0 ? 0 : -1);
}

/* --- per tunnel --- */

static const char *const mf_states[] = {
	[TUNNEL_DOWN] = "down",
	[TUNNEL_CONNECTING] = "connecting",
	[TUNNEL_CONNECTED] = "connected",
	[TUNNEL_PHASE1_FAILED] = "phase1_failed",
	[TUNNEL_PHASE2_FAILED] = "phase2_failed"
};
#define MF_NSTATES	(sizeof(mf_states) / sizeof(mf_states[0]))

struct mf_counter {
	const char	*c_name;
	const char	*c_help;
	size_t		 c_off;		/* uint64_t in struct tunnel_status */
};

static const struct mf_counter mf_tunnel_ctrs[] = {
	{ "gatewayd_tunnel_in_bytes_total", "Bytes received through the "
	    "tunnel's CHILD SAs (kernel SA counters, summed over rekeys).",
	    offsetof(struct tunnel_status, ts_bytes_in) },
	{ "gatewayd_tunnel_out_bytes_total", "Bytes sent through the "
	    "tunnel's CHILD SAs (kernel SA counters, summed over rekeys).",
	    offsetof(struct tunnel_status, ts_bytes_out) },
	{ "gatewayd_tunnel_in_packets_total", "Packets received through the "
	    "tunnel's CHILD SAs, summed over rekeys.",
	    offsetof(struct tunnel_status, ts_packets_in) },
	{ "gatewayd_tunnel_out_packets_total", "Packets sent through the "
	    "tunnel's CHILD SAs, summed over rekeys.",
	    offsetof(struct tunnel_status, ts_packets_out) },
	{ "gatewayd_tunnel_child_rekeys_total", "CHILD SAs of the tunnel "
	    "replaced by a rekey.",
	    offsetof(struct tunnel_status, ts_child_rekeys) },
	{ "gatewayd_tunnel_ike_rekeys_total", "IKE SA rekeys of the tunnel "
	    "(IKEv1: re-authentications).",
	    offsetof(struct tunnel_status, ts_ike_rekeys) },
	{ "gatewayd_tunnel_failures_total", "Failed attempts to set the "
	    "tunnel up (phase 1 or phase 2).",
	    offsetof(struct tunnel_status, ts_failures) }
};

static int
mf_tunnel_state(struct buf *out, const struct metrics_snapshot *ms)
{
	const struct tunnel_status	*ts;
	size_t				 s;
	int				 i, rv = 0;

	rv |= mf_family(out, "gatewayd_tunnel_up", "gauge", "1 when the "
	    "tunnel is Connected, 0 otherwise.");
	for (i = 0; i < ms->ms_ntunnels; i++) {
		ts = &ms->ms_tunnels[i];
		rv |= mf_tunnel_start(out, "gatewayd_tunnel_up", ts);
		rv |= mf_add(out, "} %d\n", ts->ts_state == TUNNEL_CONNECTED);
	}
	rv |= mf_family(out, "gatewayd_tunnel_state", "gauge", "The tunnel's "
	    "state: 1 for the current one, 0 for the others.");
	for (i = 0; i < ms->ms_ntunnels; i++) {
		ts = &ms->ms_tunnels[i];
		for (s = 0; s < MF_NSTATES; s++) {
			rv |= mf_tunnel_start(out, "gatewayd_tunnel_state",
			    ts);
			rv |= mf_add(out, ",state=\"%s\"} %d\n", mf_states[s],
			    (size_t)ts->ts_state == s);
		}
	}
	rv |= mf_family(out, "gatewayd_tunnel_established_timestamp_seconds",
	    "gauge", "When the tunnel's IKE SA was established (Unix time); "
	    "absent when it has none.");
	for (i = 0; i < ms->ms_ntunnels; i++) {
		ts = &ms->ms_tunnels[i];
		if (ts->ts_established == 0)
			continue;
		rv |= mf_tunnel_start(out,
		    "gatewayd_tunnel_established_timestamp_seconds", ts);
		rv |= mf_add(out, "} %lld\n", (long long)ts->ts_established);
	}
	rv |= mf_family(out, "gatewayd_tunnel_child_sas", "gauge",
	    "Installed CHILD SAs of the tunnel.");
	for (i = 0; i < ms->ms_ntunnels; i++) {
		ts = &ms->ms_tunnels[i];
		rv |= mf_tunnel_start(out, "gatewayd_tunnel_child_sas", ts);
		rv |= mf_add(out, "} %d\n", ts->ts_nchild < 0 ? 0 :
		    ts->ts_nchild);
	}
	return (rv == 0 ? 0 : -1);
}

static int
mf_tunnel_counters(struct buf *out, const struct metrics_snapshot *ms)
{
	const struct mf_counter	*c;
	const uint8_t		*ts;
	uint64_t		 v;
	size_t			 k;
	int			 i, rv = 0;

	for (k = 0; k < sizeof(mf_tunnel_ctrs) /
	    sizeof(mf_tunnel_ctrs[0]); k++) {
		c = &mf_tunnel_ctrs[k];
		rv |= mf_family(out, c->c_name, "counter", c->c_help);
		for (i = 0; i < ms->ms_ntunnels; i++) {
			ts = (const uint8_t *)&ms->ms_tunnels[i];
			memcpy(&v, ts + c->c_off, sizeof(v));
			rv |= mf_tunnel_start(out, c->c_name,
			    &ms->ms_tunnels[i]);
			rv |= mf_add(out, "} %" PRIu64 "\n", v);
		}
	}
	return (rv == 0 ? 0 : -1);
}

/* --- per CHILD SA --- */

static int
mf_child_start(struct buf *out, const char *name,
    const struct tunnel_status *ts, const struct child_status *cs)
{
	int	 rv = 0;

	rv |= mf_tunnel_start(out, name, ts);
	rv |= mf_add(out, ",child=\"%08" PRIx32 "/%08" PRIx32 "\",local_ts=",
	    ntohl(cs->cs_spi_in), ntohl(cs->cs_spi_out));
	rv |= MF_LABEL(out, cs, cs_local_ts);
	rv |= mf_add(out, ",remote_ts=");
	rv |= MF_LABEL(out, cs, cs_remote_ts);
	return (rv == 0 ? 0 : -1);
}

static int
mf_children(struct buf *out, const struct metrics_snapshot *ms)
{
	static const struct {
		const char	*name, *help;
		size_t		 off;
	} fam[] = {
		{ "gatewayd_child_sa_in_bytes_total", "Bytes received on the "
		    "CHILD SA (its inbound kernel SA).",
		    offsetof(struct child_status, cs_bytes_in) },
		{ "gatewayd_child_sa_out_bytes_total", "Bytes sent on the "
		    "CHILD SA (its outbound kernel SA).",
		    offsetof(struct child_status, cs_bytes_out) },
		{ "gatewayd_child_sa_in_packets_total", "Packets received on "
		    "the CHILD SA.",
		    offsetof(struct child_status, cs_packets_in) },
		{ "gatewayd_child_sa_out_packets_total", "Packets sent on the "
		    "CHILD SA.",
		    offsetof(struct child_status, cs_packets_out) }
	};
	const struct tunnel_status	*ts;
	const struct child_status	*cs;
	uint64_t			 v;
	size_t				 k;
	int				 i, j, n, rv = 0;

	for (k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		rv |= mf_family(out, fam[k].name, "counter", fam[k].help);
		for (i = 0; i < ms->ms_ntunnels; i++) {
			ts = &ms->ms_tunnels[i];
			n = ts->ts_child != NULL ? ts->ts_nchild : 0;
			for (j = 0; j < n; j++) {
				cs = &ts->ts_child[j];
				memcpy(&v, (const uint8_t *)cs + fam[k].off,
				    sizeof(v));
				rv |= mf_child_start(out, fam[k].name, ts, cs);
				rv |= mf_add(out, "} %" PRIu64 "\n", v);
			}
		}
	}
	return (rv == 0 ? 0 : -1);
}

/* --- per daemon --- */

static int
mf_gauges(struct buf *out, const struct ike_gauges *g)
{
	static const char *const ike[IKE_GAUGE_IKE_N] = {
		[IKE_GAUGE_HALF_OPEN] = "half_open",
		[IKE_GAUGE_ESTABLISHED] = "established",
		[IKE_GAUGE_REKEYED] = "rekeyed",
		[IKE_GAUGE_DELETING] = "deleting"
	};
	static const char *const child[IKE_GAUGE_CHILD_N] = {
		[IKE_GAUGE_CHILD_NEGOTIATING] = "negotiating",
		[IKE_GAUGE_CHILD_INSTALLED] = "installed",
		[IKE_GAUGE_CHILD_REKEYED] = "rekeyed",
		[IKE_GAUGE_CHILD_DELETING] = "deleting",
		[IKE_GAUGE_CHILD_EXPIRED] = "expired"
	};
	int	 i, rv = 0;

	rv |= mf_family(out, "gatewayd_ike_sas", "gauge", "IKE SAs (IKEv1 "
	    "and IKEv2) by state.");
	for (i = 0; i < IKE_GAUGE_IKE_N; i++)
		rv |= mf_add(out, "gatewayd_ike_sas{state=\"%s\"} %" PRIu64
		    "\n", ike[i], g->ig_ike[i]);
	rv |= mf_family(out, "gatewayd_ike_sas_half_open", "gauge",
	    "IKE SAs being negotiated, not yet authenticated.");
	rv |= mf_add(out, "gatewayd_ike_sas_half_open %" PRIu64 "\n",
	    g->ig_ike[IKE_GAUGE_HALF_OPEN]);
	rv |= mf_family(out, "gatewayd_child_sas", "gauge", "CHILD SAs "
	    "(IKEv1: IPsec SAs) by state.");
	for (i = 0; i < IKE_GAUGE_CHILD_N; i++)
		rv |= mf_add(out, "gatewayd_child_sas{state=\"%s\"} %" PRIu64
		    "\n", child[i], g->ig_child[i]);
	return (rv == 0 ? 0 : -1);
}

static int
mf_counter(struct buf *out, const char *name, const char *help, uint64_t v)
{
	int	 rv = 0;

	rv |= mf_family(out, name, "counter", help);
	rv |= mf_add(out, "%s %" PRIu64 "\n", name, v);
	return (rv == 0 ? 0 : -1);
}

/* The IKEv1 responder under a flood (README "Hostile network"). */
static int
mf_v1_flood(struct buf *out, const struct ike_counters *ic)
{
	const struct {
		const char	*cause;
		uint64_t	 v;
	} drops[] = {
		{ "half_open_limit", ic->ic_v1_drop_half_total },
		{ "per_source_limit", ic->ic_v1_drop_half_source },
		{ "no_tunnel", ic->ic_v1_drop_no_tunnel },
		{ "no_proposal", ic->ic_v1_drop_no_proposal }
	};
	size_t	 i;
	int	 rv = 0;

	rv |= mf_family(out, "gatewayd_ikev1_first_messages_dropped_total",
	    "counter", "IKEv1 first messages that got no ISAKMP SA, by cause "
	    "(no_proposal ones got NO-PROPOSAL-CHOSEN).");
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		rv |= mf_add(out, "gatewayd_ikev1_first_messages_dropped_total"
		    "{cause=\"%s\"} %" PRIu64 "\n", drops[i].cause,
		    drops[i].v);
	rv |= mf_family(out, "gatewayd_ikev1_half_open_ended_total",
	    "counter", "Half-open IKEv1 ISAKMP SAs that expired, or gave way "
	    "to a newer one with the limit reached.");
	rv |= mf_add(out, "gatewayd_ikev1_half_open_ended_total{how="
	    "\"expired\"} %" PRIu64 "\n", ic->ic_v1_half_expired);
	rv |= mf_add(out, "gatewayd_ikev1_half_open_ended_total{how="
	    "\"evicted\"} %" PRIu64 "\n", ic->ic_v1_half_evicted);
	rv |= mf_family(out, "gatewayd_ikev1_first_messages_retried_total",
	    "counter", "IKEv1 first messages dropped at a half-open limit "
	    "and admitted when their initiator sent them again.");
	rv |= mf_add(out, "gatewayd_ikev1_first_messages_retried_total %"
	    PRIu64 "\n", ic->ic_v1_half_retried);
	rv |= mf_counter(out, "gatewayd_ikev1_aggressive_key_pairs_total",
	    "DH key pairs made for IKEv1 Aggressive Mode responders (one a "
	    "second at most, shared by the first messages of that second).",
	    ic->ic_v1_am_keys);
	rv |= mf_family(out, "gatewayd_ikev1_quick_modes_dropped_total",
	    "counter", "IKEv1 Quick Modes of an authenticated peer dropped "
	    "unanswered, by the limit reached.");
	rv |= mf_add(out, "gatewayd_ikev1_quick_modes_dropped_total{cause="
	    "\"in_flight_limit\"} %" PRIu64 "\n",
	    ic->ic_v1_qm_refused_inflight);
	rv |= mf_add(out, "gatewayd_ikev1_quick_modes_dropped_total{cause="
	    "\"ipsec_sa_limit\"} %" PRIu64 "\n", ic->ic_v1_qm_refused_sas);
	return (rv == 0 ? 0 : -1);
}

/* The IKEv2 responder under a flood: cookies and the half-open cap. */
static int
mf_v2_flood(struct buf *out, const struct ike_counters *ic)
{
	int	 rv = 0;

	rv |= mf_counter(out, "gatewayd_ikev2_cookies_sent_total",
	    "N(COOKIE) demands sent (past ikev2-cookie-threshold half-open "
	    "IKE SAs).", ic->ic_v2_cookies_sent);
	rv |= mf_counter(out, "gatewayd_ikev2_cookies_wrong_total",
	    "IKE_SA_INIT requests with a wrong or stale cookie.",
	    ic->ic_v2_cookies_wrong);
	rv |= mf_family(out, "gatewayd_ikev2_first_messages_dropped_total",
	    "counter", "IKE_SA_INIT requests with our cookie dropped "
	    "unanswered, by cause.");
	rv |= mf_add(out, "gatewayd_ikev2_first_messages_dropped_total{cause="
	    "\"half_open_limit\"} %" PRIu64 "\n", ic->ic_v2_drop_half_total);
	rv |= mf_add(out, "gatewayd_ikev2_first_messages_dropped_total{cause="
	    "\"per_source_limit\"} %" PRIu64 "\n",
	    ic->ic_v2_drop_half_source);
	return (rv == 0 ? 0 : -1);
}

/* Our own initiations paced per peer (initiate-half-open-per-peer). */
static int
mf_pace(struct buf *out, const struct ike_counters *ic)
{
	int	 rv = 0;

	rv |= mf_counter(out, "gatewayd_initiations_paced_total",
	    "Initiations that waited for a half-open slot towards their peer "
	    "(initiate-half-open-per-peer).", ic->ic_paced);
	rv |= mf_family(out, "gatewayd_initiations_waiting", "gauge",
	    "Tunnels waiting now for a half-open slot towards their peer.");
	rv |= mf_add(out, "gatewayd_initiations_waiting %" PRIu64 "\n",
	    ic->ic_pace_waiting);
	return (rv == 0 ? 0 : -1);
}

static int
mf_messages(struct buf *out, const struct ike_counters *ic,
    const struct net_counters *nc)
{
	const struct {
		const char	*cause;
		uint64_t	 v;
	} drops[] = {
		{ "malformed", ic->ic_malformed },
		{ "unknown_spi", ic->ic_unknown_spi },
		{ "bad_icv", ic->ic_bad_icv },
		{ "unexpected", ic->ic_dropped },
		{ "too_short", nc->nc_short },
		{ "truncated", nc->nc_truncated },
		{ "first_shed", nc->nc_first_shed }
	};
	size_t	 i;
	int	 rv = 0;

	rv |= mf_counter(out, "gatewayd_ike_messages_received_total",
	    "IKE messages received and passed to the engine.", ic->ic_rx);
	rv |= mf_counter(out, "gatewayd_ike_messages_sent_total",
	    "IKE messages sent, retransmissions included.", ic->ic_tx);
	rv |= mf_counter(out, "gatewayd_ike_messages_retransmitted_total",
	    "IKE requests retransmitted and responses resent.",
	    ic->ic_retransmits);
	rv |= mf_family(out, "gatewayd_ike_messages_dropped_total", "counter",
	    "IKE datagrams dropped, by cause.");
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		rv |= mf_add(out, "gatewayd_ike_messages_dropped_total{cause="
		    "\"%s\"} %" PRIu64 "\n", drops[i].cause, drops[i].v);
	rv |= mf_counter(out, "gatewayd_dpd_probes_sent_total",
	    "Dead peer detection liveness checks started.", ic->ic_dpd_sent);
	rv |= mf_counter(out, "gatewayd_dpd_probes_missed_total",
	    "Liveness checks without an answer within dpd-timeout (the peer "
	    "was declared dead).", ic->ic_dpd_missed);
	rv |= mf_v1_flood(out, ic);
	rv |= mf_v2_flood(out, ic);
	rv |= mf_pace(out, ic);
	return (rv == 0 ? 0 : -1);
}

/* --- HA (an ha block only) --- */

static int
mf_ha(struct buf *out, const struct ha_status *ha)
{
	static const int roles[] = { HA_ROLE_ACTIVE, HA_ROLE_STANDBY,
	    HA_ROLE_FAULT };
	size_t	 i;
	int	 rv = 0;

	rv |= mf_family(out, "gatewayd_ha_role", "gauge", "1 for this "
	    "node's HA role (gatewayctl ha, keepalived's hooks), else 0.");
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		rv |= mf_add(out, "gatewayd_ha_role{role=\"%s\"} %d\n",
		    ha_role_name(roles[i]), ha->hs_role == roles[i]);
	rv |= mf_family(out, "gatewayd_ha_priority", "gauge", "This node's "
	    "priority (the ha block's).");
	rv |= mf_add(out, "gatewayd_ha_priority %u\n", ha->hs_priority);
	rv |= mf_family(out, "gatewayd_ha_peer_up", "gauge", "1 while a "
	    "heartbeat of the other node arrived within 3 s.");
	rv |= mf_add(out, "gatewayd_ha_peer_up %d\n", ha->hs_peer_alive);
	rv |= mf_family(out, "gatewayd_ha_peer_synced", "gauge", "1 when "
	    "the other node's heartbeat says it holds a whole bulk dump of "
	    "our SAs (a switchover hands them over).");
	rv |= mf_add(out, "gatewayd_ha_peer_synced %d\n",
	    ha->hs_peer_alive && ha->hs_peer_synced);
	rv |= mf_family(out, "gatewayd_ha_bulk_sync_complete", "gauge", "1 "
	    "when this node's table holds the last bulk dump of the other "
	    "node whole.");
	rv |= mf_add(out, "gatewayd_ha_bulk_sync_complete %d\n",
	    ha->hs_bulk == HA_BULK_COMPLETE);
	rv |= mf_family(out, "gatewayd_ha_synced_sas", "gauge", "SAs of the "
	    "other node this node's table holds, to take over.");
	rv |= mf_add(out, "gatewayd_ha_synced_sas{kind=\"ike\"} %" PRIu64
	    "\n", ha->hs_sync_ike);
	rv |= mf_add(out, "gatewayd_ha_synced_sas{kind=\"child\"} %" PRIu64
	    "\n", ha->hs_sync_child);
	rv |= mf_counter(out, "gatewayd_ha_records_sent_total", "Sync "
	    "records sent (heartbeats included).", ha->hs_tx);
	rv |= mf_counter(out, "gatewayd_ha_records_send_failed_total",
	    "Sync records the socket refused.", ha->hs_tx_errors);
	rv |= mf_family(out, "gatewayd_ha_records_received_total", "counter",
	    "Sync records received, by verdict: accepted or why dropped.");
	for (i = 0; i < HA_NVERDICTS; i++)
		rv |= mf_add(out, "gatewayd_ha_records_received_total{verdict="
		    "\"%s\"} %" PRIu64 "\n", ha_verdict_key((int)i),
		    ha->hs_rx[i]);
	rv |= mf_counter(out, "gatewayd_ha_bulk_dumps_received_total",
	    "Bulk dumps of the other node taken whole.", ha->hs_bulk_dumps);
	rv |= mf_counter(out, "gatewayd_ha_bulk_dumps_retried_total",
	    "Bulk dumps asked again (a record lost or malformed).",
	    ha->hs_bulk_retries);
	rv |= mf_counter(out, "gatewayd_ha_bulk_dumps_served_total",
	    "Bulk dumps this node sent.", ha->hs_bulk_served);
	rv |= mf_counter(out, "gatewayd_ha_seq_advances_total", "SEQ_ADVANCE "
	    "entries that moved this node's table.", ha->hs_seq_moved);
	return (rv == 0 ? 0 : -1);
}

int
metrics_fmt(struct buf *out, const struct metrics_snapshot *ms)
{
	if (mf_tunnel_state(out, ms) == -1 ||
	    mf_tunnel_counters(out, ms) == -1 ||
	    mf_children(out, ms) == -1 ||
	    mf_gauges(out, &ms->ms_gauges) == -1 ||
	    mf_messages(out, &ms->ms_ike, &ms->ms_net) == -1 ||
	    (ms->ms_ha != NULL && mf_ha(out, ms->ms_ha) == -1))
		return (-1);
	return (0);
}
