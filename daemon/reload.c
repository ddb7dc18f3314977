/*
 * reload.c - a new configuration file replaces the running one as a
 * whole or not at all.  The report names the tunnels the engine sets up
 * again (changed), starts (added) and tears down (removed); unchanged
 * tunnels keep their SAs.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "daemon/reload.h"
#include "ike/ha_chan.h"
#include "ike/ike.h"
#include "policy/config.h"

#define RELOAD_LINE_MAX	4200	/* a path (PATH_MAX) and some words */

/* Appends "WHAT: a b c\n" for the tunnels of one kind; 0 or -1. */
static int
reload_list(struct buf *out, const char *what, const char **names, int n)
{
	int	 i;

	if (n == 0 || out == NULL)
		return (0);
	if (buf_add(out, what, strlen(what)) == -1 ||
	    buf_add_u8(out, ':') == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (buf_add_u8(out, ' ') == -1 ||
		    buf_add(out, names[i], strlen(names[i])) == -1)
			return (-1);
	return (buf_add_u8(out, '\n'));
}

static int
reload_report(struct buf *out, const char *path, struct config *old,
    struct config *cfg)
{
	const char	**added, **removed, **changed;
	struct cfg_tunnel *c;
	char		 line[RELOAD_LINE_MAX];
	int		 i, na = 0, nr = 0, nc = 0, rv = -1;

	added = calloc((size_t)cfg->cfg_ntunnels + 1, sizeof(*added));
	changed = calloc((size_t)cfg->cfg_ntunnels + 1, sizeof(*changed));
	removed = calloc((size_t)old->cfg_ntunnels + 1, sizeof(*removed));
	if (added == NULL || changed == NULL || removed == NULL)
		goto done;
	for (i = 0; i < old->cfg_ntunnels; i++) {
		c = config_tunnel_find(cfg, old->cfg_tunnels[i].tn_name);
		if (c == NULL)
			removed[nr++] = old->cfg_tunnels[i].tn_name;
		else if (!ike_tunnel_cfg_same(c, &old->cfg_tunnels[i]))
			changed[nc++] = c->tn_name;
	}
	for (i = 0; i < cfg->cfg_ntunnels; i++)
		if (config_tunnel_find(old, cfg->cfg_tunnels[i].tn_name) ==
		    NULL)
			added[na++] = cfg->cfg_tunnels[i].tn_name;
	log_info("configuration reloaded: %d tunnels (%d added, %d removed, "
	    "%d changed)", cfg->cfg_ntunnels, na, nr, nc);
	if (out == NULL) {
		rv = 0;
		goto done;
	}
	snprintf(line, sizeof(line), "ok: %s reloaded: %d tunnel%s, %d "
	    "added, %d removed, %d changed, %d unchanged\n", path,
	    cfg->cfg_ntunnels, cfg->cfg_ntunnels == 1 ? "" : "s", na, nr, nc,
	    cfg->cfg_ntunnels - na - nc);
	if (buf_add(out, line, strlen(line)) == -1 ||
	    reload_list(out, "added", added, na) == -1 ||
	    reload_list(out, "removed", removed, nr) == -1 ||
	    reload_list(out, "changed", changed, nc) == -1)
		goto done;
	rv = 0;
 done:
	free(added);
	free(removed);
	free(changed);
	return (rv);
}

int
reload_config(struct ike_ctx *ike, struct config **running,
    const char *path, struct buf *out)
{
	struct config	*cfg;
	char		 err[512], line[RELOAD_LINE_MAX + 640];

	log_info("reloading %s", path);
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		log_err("configuration reload failed, keeping the running "
		    "configuration: %s", err);
		snprintf(line, sizeof(line), "error: %s\nthe file was "
		    "refused and the running configuration stays: fix the "
		    "file (gatewayd -n -f %s checks it), then run gatewayctl "
		    "reload again\n", err, path);
		if (out != NULL && buf_add(out, line, strlen(line)) == -1)
			return (-1);
		return (1);
	}
	/* the report reads the old configuration, which the engine frees */
	if (reload_report(out, path, *running, cfg) == -1) {
		config_free(cfg);
		return (-1);
	}
	ike_config_apply(ike, cfg);
	*running = cfg;
	return (0);
}

/* Does the ha block differ from the channel's? */
static int
reload_ha_changed(const struct cfg_ha *ha, struct ha_chan *c)
{
	struct ha_status	 st;

	ha_chan_status(c, &st);
	return (!ha_chan_key_same(c, ha->ha_key, ha->ha_key_len) ||
	    st.hs_priority != ha->ha_priority ||
	    st.hs_peer.sin_addr.s_addr != ha->ha_peer_addr.s_addr ||
	    ntohs(st.hs_peer.sin_port) != ha->ha_peer_port ||
	    st.hs_local.sin_addr.s_addr != ha->ha_local_addr.s_addr ||
	    ntohs(st.hs_local.sin_port) != ha->ha_local_port ||
	    strcmp(st.hs_ifname, ha->ha_ifname) != 0);
}

int
reload_ha(struct ike_ctx *ike, const struct cfg_ha *ha,
    struct event_base *base, struct ha_chan **chan)
{
	struct ha_chan	*c;

	if (*chan == NULL && ha->ha_enabled) {
		/* this node holds the address and the tunnels: it is the
		 * active one; a standby joining asks for a bulk dump */
		if ((c = ha_chan_open(base, ha, HA_ROLE_ACTIVE)) == NULL) {
			log_err("ha: the ha block was added but the sync "
			    "channel cannot open: gatewayd stays standalone");
			return (-1);
		}
		ike_ha_set(ike, c);
		*chan = c;
		log_info("ha: the ha block was added: this node is active, "
		    "its tunnels go on, a standby gets them by a bulk dump");
		return (1);
	}
	if ((*chan != NULL) != (ha->ha_enabled != 0) ||
	    (*chan != NULL && reload_ha_changed(ha, *chan))) {
		log_warn("the ha block changed or went: gatewayd keeps the ha "
		    "settings it started with until it is restarted");
		return (2);
	}
	return (0);
}
