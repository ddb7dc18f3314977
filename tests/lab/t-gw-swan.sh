#!/usr/bin/env bash
# t-gw-swan.sh - gatewayd <-> strongSwan with the seed defaults (IKEv2 PSK,
# aes128/sha1/DH 2 = modp1024, ESP aes128/sha1, PFS 2), both directions:
#   A. gatewayd on gw1 initiates, strongSwan on gw2 responds;
#   B. strongSwan on gw2 initiates, gatewayd on gw1 ("initiate no") responds.
# Checks per direction: gatewayctl status Connected (text and JSON), the
# CHILD SA installed in strongSwan, clients ping both ways, ESP SAs count
# packets in each direction on both gateways.  Both exchanges are captured
# on gw1's public side (RUN/gw-swan.pcap): tshark must dissect every IKE
# message and find none malformed (tshark -Y _ws.expert).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

topo_standard
capture_start gw1 pub "$LAB_RUN/gw-swan.pcap"

step "A: gatewayd (gw1) initiates, strongSwan (gw2) responds"
swan_std gw2 start=none
start_charon gw2
gw_std gw1
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 swan_child_up gw2 vpn || fail "strongSwan on gw2: CHILD SA not installed"
traffic_ok esp
gw_status_json_ok gw1 vpc1-vpc2 Connected
gw_alive gw1
node_stop gw1
node_stop gw2

step "B: strongSwan (gw2) initiates, gatewayd (gw1) responds"
swan_std gw2 start=none
start_charon gw2
gw_std gw1 initiate=no
start_gatewayd gw1
swan_initiate gw2 vpn
gw_wait_state gw1 vpc1-vpc2 Connected 10
traffic_ok esp
gw_status_json_ok gw1 vpc1-vpc2 Connected
gw_alive gw1

capture_stop
tshark_ike_check "$LAB_RUN/gw-swan.pcap"
pass "gatewayd <-> strongSwan, both directions"
