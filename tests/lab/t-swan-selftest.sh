#!/usr/bin/env bash
# t-swan-selftest.sh - proves the lab harness without gatewayd: an IKEv2 PSK
# tunnel between two strongSwan charons (gw1 initiator, gw2 responder) with
# the product's seed defaults (aes128/sha1/modp1024, PFS 2), then a ping
# from client c1 to client c2 through it; both gateways' ESP SAs must count
# packets in each direction, and tshark must dissect the IKE exchange.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin

step "topology"
topo_standard
ping_fails c1 "$C2_ADDR"

step "strongSwan on gw1 and gw2"
swan_conf gw1
swan_conf gw2
swan_conn gw1 vpn local="$GW1_PUB" remote="$GW2_PUB" \
    lts="$GW1_NET" rts="$GW2_NET"
swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" \
    lts="$GW2_NET" rts="$GW1_NET"
capture_start gw1 pub "$LAB_RUN/selftest.pcap"
start_charon gw1
start_charon gw2

step "tunnel"
swan_initiate gw1 vpn
swan_child_up gw2 vpn || fail "gw2: CHILD SA vpn not installed"

step "traffic"
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
xfrm_counters_ok gw1 1 esp
xfrm_counters_ok gw2 1 esp
swan_show_sas gw1
capture_stop
tshark_ike_check "$LAB_RUN/selftest.pcap"

pass "strongSwan <-> strongSwan through the lab"
