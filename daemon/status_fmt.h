/*
 * status_fmt.h - the text and JSON that gatewayctl shows: tunnel status,
 * counters.  Pure formatting (no engine, no sockets), so gatewayd's control
 * server and the tests share it.
 */
#ifndef GW_STATUS_FMT_H
#define GW_STATUS_FMT_H

#include <time.h>

#include "common/buf.h"
#include "ike/ike.h"

struct net_counters;
struct ha_status;

/* The product's name of a state ("Connected"); "Unknown" if out of range. */
const char	*status_state_name(enum tunnel_state s);
/*
 * Append the status of n tunnels to out, as text or as one JSON object
 * {"tunnels":[...]}; now is the time ages are computed against.  0 or -1
 * (out of memory).
 */
int		 status_fmt_text(struct buf *out,
		    const struct tunnel_status *ts, int n, time_t now);
int		 status_fmt_json(struct buf *out,
		    const struct tunnel_status *ts, int n, time_t now);
/*
 * HA (ha may be NULL: nothing appended): the role and the sync peer's
 * state, a paragraph before the tunnels; in JSON, status_fmt_json with
 * an "ha" object after "tunnels".
 */
int		 status_fmt_ha_text(struct buf *out, const struct ha_status *ha,
		    time_t now);
int		 status_fmt_json_ha(struct buf *out,
		    const struct tunnel_status *ts, int n,
		    const struct ha_status *ha, time_t now);
/* Append the engine's and the sockets' counters, one "name value" a line. */
int		 status_fmt_counters(struct buf *out,
		    const struct ike_counters *ic,
		    const struct net_counters *nc);
/* Append s as a JSON string (quotes included); 0 or -1. */
int		 status_json_str(struct buf *out, const char *s);

#endif
