/*
 * reload.h - loading the configuration file again, for SIGHUP and
 * "gatewayctl reload" alike, with a report of what changed.
 */
#ifndef GW_RELOAD_H
#define GW_RELOAD_H

struct buf;
struct cfg_ha;
struct config;
struct event_base;
struct ha_chan;
struct ike_ctx;

/*
 * Loads path; if it is valid, hands it to the engine (ike_config_apply)
 * and sets *running to it, else the running configuration stays.
 * Appends the report to out (may be NULL): "ok: ..." then "added:",
 * "removed:", "changed:" lines, or "error: FILE:LINE: what ..." with what
 * to do.  0 reloaded, 1 refused, -1 out of memory (nothing applied).
 */
int	reload_config(struct ike_ctx *ike, struct config **running,
	    const char *path, struct buf *out);

/*
 * The ha block of a configuration just reloaded, against the channel
 * running (*chan, NULL without one).  Added to a gateway that ran
 * without one (upgrade in place): the sync channel opens on base with
 * this node ACTIVE, the engine's SAs stay as they are and go to the
 * standby by its bulk request; 1, or -1 if the channel cannot open (the
 * node stays standalone).  Changed or removed: gatewayd keeps the
 * settings it started with (warned, a restart applies them); 2.  The
 * same: 0.
 */
int	reload_ha(struct ike_ctx *ike, const struct cfg_ha *ha,
	    struct event_base *base, struct ha_chan **chan);

#endif
