/*
 * reload.h - loading the configuration file again, for SIGHUP and
 * "gatewayctl reload" alike, with a report of what changed.
 */
#ifndef GW_RELOAD_H
#define GW_RELOAD_H

struct buf;
struct config;
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

#endif
