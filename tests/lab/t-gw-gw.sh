#!/usr/bin/env bash
# t-gw-gw.sh - gatewayd <-> gatewayd with the configuration defaults (IKEv2,
# PSK, aes128/sha1/DH 2, ESP aes128/sha1, PFS 2): gw1 initiates, gw2 has
# "initiate no".  Checks: both tunnels Connected (text and JSON status),
# clients ping each other both ways, both gateways' ESP SAs count packets
# in each direction, gw1's route to the peer segment (table 220) has its
# inside address as source and gw1 itself reaches the far client, the
# daemons are still alive.
#
# With LAB_DEMO=1 (tools/demo.sh) it also prints gatewayctl status.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

step "topology: gateway 1 (VPC $GW1_NET, $GW1_PUB)" \
    "and gateway 2 (VPC $GW2_NET, $GW2_PUB)"
topo_standard
ping_fails c1 "$C2_ADDR"

step "gatewayd on both gateways"
gw_std gw1
gw_std gw2 initiate=no
start_gatewayd gw2
start_gatewayd gw1

step "tunnel"
gw_wait_state gw1 vpc1-vpc2 Connected 30
gw_wait_state gw2 vpc2-vpc1 Connected 10

step "traffic: $C1_ADDR <-> $C2_ADDR"
traffic_ok esp
gw_status_json_ok gw1 vpc1-vpc2 Connected

step "routes: table 220 with the gateway's inside address as source"
r1=$(ip netns exec gw1 ip route show table 220)
assert_match "gw1 route to the peer segment" \
    "^$GW2_NET .*src 172\\.16\\.0\\.1" "$r1"
say "ok: gw1 table 220: $r1"
# Traffic from the gateway itself enters the tunnel thanks to that source.
ping_ok gw1 "$C2_ADDR"
gw_status_json_ok gw2 vpc2-vpc1 Connected
gw_alive gw1
gw_alive gw2
if [ "${LAB_DEMO:-0}" = 1 ]; then
	gw_show_status gw1
	gw_show_status gw2
fi
pass "gatewayd <-> gatewayd"
