/*
 * ha_testlib.h - HA sync channels over the loopback for the HA tests
 * (check_ha_state, check_ha_takeover): a test ha block, two channels
 * each the other's peer, a peer by port, fast heartbeats.
 */
#ifndef GW_HA_TESTLIB_H
#define GW_HA_TESTLIB_H

#include <stdint.h>

struct cfg_ha;
struct event_base;
struct ha_chan;

/* An ha block on 127.0.0.1 (the peer's port 9 until chan_peer_set) with
 * priority prio and the 16-byte key "0123456789abcdef". */
void	chan_cfg(struct cfg_ha *ha, uint32_t prio);
/* c's peer: 127.0.0.1:port. */
void	chan_peer_set(struct ha_chan *c, uint16_t port);
/* Heartbeats every 50 ms, the peer silent after 600 ms. */
void	chan_fast(struct ha_chan *c);
/* a (active, priority 200) and b (standby, 100) on ev, each the other's
 * peer, fast; fails the test if either cannot open. */
void	chans_open(struct event_base *ev, struct ha_chan **a,
	    struct ha_chan **b);
/* Each of a and b the other's peer. */
void	chans_pair(struct ha_chan *a, struct ha_chan *b);

#endif
