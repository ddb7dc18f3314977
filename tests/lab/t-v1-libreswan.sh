#!/usr/bin/env bash
# t-v1-libreswan.sh - gatewayd <-> Libreswan 4.10 over IKEv1 Main Mode,
# aes128/sha1/DH 14 and PFS 14 (Libreswan 4.10 has no DH 2), both
# directions:
#   A. gatewayd on gw1 initiates, Libreswan (pluto) on gw2 responds;
#   B. Libreswan on gw2 initiates (whack --initiate), gatewayd responds.
# Checks per direction: gatewayctl status Connected with IKEv1 (text and
# JSON), Libreswan's IKE and IPsec SAs established, clients ping both ways,
# ESP SAs count packets in each direction on both gateways.  Both exchanges
# are captured on gw1's public side and must dissect cleanly in tshark.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
lsw_bin

GW_ALGS=(dh=14 pfs=14)

# lsw_gw2: Libreswan on gw2 (DH 14, PFS 14) and its route to gw1's segment.
lsw_gw2() {
	lsw_conf gw2
	lsw_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" \
	    lnet="$GW2_NET" rnet="$GW1_NET" \
	    ike='aes128-sha1;modp2048' esp='aes128-sha1;modp2048' pfs=yes
	start_pluto gw2
	lsw_route gw2 "$GW1_NET" "$GW1_PUB"
}

check_all() {
	gw_v1_status_ok gw1 vpc1-vpc2
	assert_match "gatewayctl status: IKE algorithms with DH 14" \
	    'modp2048' "$(gw_tunnel_field gw1 vpc1-vpc2 IKE)"
	lsw_show gw2
	assert_match "Libreswan: IKE SA established" 'IKE SA established' \
	    "$LSW_STATES"
	assert_match "Libreswan: IPsec SA established" \
	    'IPsec SA established' "$LSW_STATES"
	traffic_ok esp
}

topo_standard
capture_start gw1 pub "$LAB_RUN/v1-libreswan.pcap"

step "A: gatewayd (gw1) initiates, Libreswan (gw2) responds"
lsw_gw2
gw_v1_std gw1 "${GW_ALGS[@]}"
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 lsw_sa_up gw2 vpn || fail "Libreswan on gw2: no IPsec SA"
check_all
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$(node_dir gw2)/pluto.log" "$(node_dir gw2)/pluto.log.A"

step "B: Libreswan (gw2) initiates, gatewayd (gw1) responds"
gw_v1_std gw1 initiate=no "${GW_ALGS[@]}"
start_gatewayd gw1
lsw_gw2
lsw_initiate gw2 vpn
gw_wait_state gw1 vpc1-vpc2 Connected 10
check_all
gw_alive gw1

capture_stop
tshark_ike_check "$LAB_RUN/v1-libreswan.pcap"
pass "gatewayd <-> Libreswan IKEv1 Main Mode (DH 14, PFS 14), both directions"
