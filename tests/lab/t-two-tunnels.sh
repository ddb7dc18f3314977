#!/usr/bin/env bash
# t-two-tunnels.sh - two tunnels between the same two gatewayd, each for its
# own segment pair (same peer address and identities, so the responder must
# tell them apart by their traffic selectors):
#   t1: 172.16.0.0/24 (c1) <-> 10.1.0.0/16 (c2)
#   t2: 172.16.1.0/24 (c3) <-> 10.2.0.0/16 (c4)
# gw1 initiates both, gw2 has "initiate no".  Checks: both tunnels Connected
# on both gateways (text and JSON), each pair pings, the crossed pairs
# (no tunnel for them) do not, 2 SAs per direction with traffic on both.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

topo_segments

step "gatewayd with two tunnels on each gateway"
gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
gw_conf_tunnel gw1 t1 lseg="$SEG1A" pseg="$SEG2A"
gw_conf_tunnel gw1 t2 lseg="$SEG1B" pseg="$SEG2B"
gw_conf_begin gw2 gw2 "$GW2_PUB" gw1 "$GW1_PUB" "$SEG2A" "$SEG2B"
gw_conf_tunnel gw2 t1 lseg="$SEG2A" pseg="$SEG1A" initiate=no
gw_conf_tunnel gw2 t2 lseg="$SEG2B" pseg="$SEG1B" initiate=no
start_gatewayd gw2
start_gatewayd gw1

step "tunnels"
for n in gw1 gw2; do
	for t in t1 t2; do
		gw_wait_state "$n" "$t" Connected 30
	done
done

step "traffic"
ping_ok c1 "$C2S_ADDR"
ping_ok c3 "$C4_ADDR"
ping_ok c2 "$C1_ADDR"
ping_ok c4 "$C3_ADDR"
ping_fails c1 "$C4_ADDR"
ping_fails c3 "$C2S_ADDR"
xfrm_counters_ok gw1 2 esp
xfrm_counters_ok gw2 2 esp
for n in gw1 gw2; do
	gw_status_json_ok "$n" t1 Connected
	gw_status_json_ok "$n" t2 Connected
	gw_alive "$n"
done
pass "two tunnels between the same gateways"
