/*
 * metrics_fmt.h - gatewayd's metrics in the Prometheus text exposition
 * format (version 0.0.4): pure formatting of a snapshot, so that the
 * HTTP endpoint (metrics.c) and the tests share it.
 */
#ifndef GW_METRICS_FMT_H
#define GW_METRICS_FMT_H

#include "common/buf.h"
#include "ike/ha_chan.h"
#include "ike/ike.h"
#include "ike/net.h"

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* What one scrape shows; the tunnels are borrowed. */
struct metrics_snapshot {
	const struct tunnel_status *ms_tunnels;
	int			 ms_ntunnels;
	struct ike_counters	 ms_ike;
	struct net_counters	 ms_net;
	struct ike_gauges	 ms_gauges;
	const struct ha_status	*ms_ha;		/* NULL: no ha block */
};

/* Appends every metric family (HELP, TYPE, samples) to out; 0 or -1. */
int	metrics_fmt(struct buf *out, const struct metrics_snapshot *ms);
/*
 * Appends s as a label value (quotes included): '\\', '"' and newline
 * escaped, other control bytes and non-ASCII as '?'; at most max bytes
 * of s are read.  0 or -1.
 */
int	metrics_fmt_label(struct buf *out, const char *s, size_t max);

#endif
