/*
 * ha_testlib.c - HA sync channels over the loopback (ha_testlib.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ike/ha_chan.h"
#include "policy/config.h"
#include "tests/ha_testlib.h"

void
chan_cfg(struct cfg_ha *ha, uint32_t prio)
{
	memset(ha, 0, sizeof(*ha));
	ha->ha_enabled = 1;
	ha->ha_priority = prio;
	ha->ha_local_addr.s_addr = htonl(INADDR_LOOPBACK);
	ha->ha_peer_addr.s_addr = htonl(INADDR_LOOPBACK);
	ha->ha_peer_port = 9;
	memcpy(ha->ha_key, "0123456789abcdef", 16);
	ha->ha_key_len = 16;
	snprintf(ha->ha_ifname, sizeof(ha->ha_ifname), "lo");
}

void
chan_peer_set(struct ha_chan *c, uint16_t port)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	ha_chan_test_peer(c, &sin);
}

void
chan_fast(struct ha_chan *c)
{
	ha_chan_test_timing(c, 50, 600);
}

void
chans_pair(struct ha_chan *a, struct ha_chan *b)
{
	chan_peer_set(a, ha_chan_port(b));
	chan_peer_set(b, ha_chan_port(a));
}

void
chans_open(struct event_base *ev, struct ha_chan **a, struct ha_chan **b)
{
	struct cfg_ha	 ca, cb;

	chan_cfg(&ca, 200);
	chan_cfg(&cb, 100);
	ck_assert_ptr_nonnull(*a = ha_chan_open(ev, &ca, HA_ROLE_ACTIVE));
	ck_assert_ptr_nonnull(*b = ha_chan_open(ev, &cb, HA_ROLE_STANDBY));
	chans_pair(*a, *b);
	chan_fast(*a);
	chan_fast(*b);
}
