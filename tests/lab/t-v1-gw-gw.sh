#!/usr/bin/env bash
# t-v1-gw-gw.sh - gatewayd <-> gatewayd over IKEv1 Main Mode with the
# configuration defaults otherwise (PSK, aes128/sha1/DH 2, ESP aes128/sha1,
# PFS 2): gw1 initiates, gw2 has "initiate no".  Checks: both tunnels
# Connected with IKEv1 (text and JSON status), clients ping each other both
# ways, both gateways' ESP SAs count packets in each direction, gw1's log
# shows the Main Mode exchange, the daemons are still alive.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

topo_standard
ping_fails c1 "$C2_ADDR"

step "gatewayd (IKEv1 Main Mode) on both gateways"
gw_v1_std gw1
gw_v1_std gw2 initiate=no
start_gatewayd gw2
start_gatewayd gw1

step "tunnel"
gw_wait_state gw1 vpc1-vpc2 Connected 30
gw_wait_state gw2 vpc2-vpc1 Connected 10
gw_v1_status_ok gw1 vpc1-vpc2
gw_v1_status_ok gw2 vpc2-vpc1
assert_file_match "gw1: Main Mode" 'main mode' "$(node_dir gw1)/gatewayd.log"

step "traffic: $C1_ADDR <-> $C2_ADDR"
traffic_ok esp
gw_alive gw1
gw_alive gw2
pass "gatewayd <-> gatewayd, IKEv1 Main Mode"
