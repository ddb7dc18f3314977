#!/usr/bin/env bash
# t-v1-libreswan-selftest.sh - proves the lab's Libreswan helpers without
# gatewayd: IKEv1 Main Mode PSK between strongSwan (gw1) and Libreswan 4.10
# (gw2, pluto from the package prepare.sh unpacked), aes128/sha1/DH 14 and
# PFS 14 (Libreswan 4.10 has no DH 2), both directions:
#   A. strongSwan on gw1 initiates, Libreswan responds;
#   B. Libreswan on gw2 initiates (whack --initiate), strongSwan responds.
# Checks per direction: both daemons report the SAs (strongSwan: IKEv1,
# MODP_2048 in Quick Mode), the clients ping each other, both gateways'
# ESP SAs count packets in each direction.  The capture of both exchanges
# must be dissected by tshark with no malformed ISAKMP message.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
lsw_bin

topo_standard
capture_start gw1 pub "$LAB_RUN/v1-libreswan.pcap"

# lsw_gw2: Libreswan's config on gw2 and its route to gw1's segment.
lsw_gw2() {
	lsw_conf gw2
	lsw_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" \
	    lnet="$GW2_NET" rnet="$GW1_NET" \
	    ike='aes128-sha1;modp2048' esp='aes128-sha1;modp2048'
	start_pluto gw2
	lsw_route gw2 "$GW1_NET" "$GW1_PUB"
}

# check_sas: both sides agree on IKEv1, DH 14 and PFS 14; traffic flows.
check_sas() {
	swan_show_sas gw1
	assert_match "strongSwan: IKEv1 SA, DH 14" \
	    'ESTABLISHED, IKEv1.*|AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048' \
	    "$SWAN_SAS"
	assert_match "strongSwan: CHILD SA with PFS 14" \
	    'INSTALLED, TUNNEL, ESP:AES_CBC-128/HMAC_SHA1_96/MODP_2048' "$SWAN_SAS"
	lsw_show gw2
	assert_match "Libreswan: IPsec SA established" \
	    'IPsec SA established' "$LSW_STATES"
	traffic_ok esp
}

step "A: strongSwan (gw1) initiates, Libreswan (gw2) responds"
t0=$(lab_now_us)
lsw_gw2
swan_v1_std gw1 proposals=aes128-sha1-modp2048 esp=aes128-sha1-modp2048
start_charon gw1
t1=$(lab_now_us)
swan_initiate gw1 vpn
wait_for 10 lsw_sa_up gw2 vpn || fail "Libreswan on gw2: no IPsec SA"
t2=$(lab_now_us)
check_sas
say "timing: daemons $(((t1 - t0) / 1000)) ms, tunnel $(((t2 - t1) / 1000)) ms"
node_stop gw1
node_stop gw2

step "B: Libreswan (gw2) initiates, strongSwan (gw1) responds"
swan_v1_std gw1 proposals=aes128-sha1-modp2048 esp=aes128-sha1-modp2048
start_charon gw1
lsw_gw2
t1=$(lab_now_us)
lsw_initiate gw2 vpn
wait_for 10 swan_child_up gw1 vpn || fail "strongSwan on gw1: no CHILD SA"
t2=$(lab_now_us)
check_sas
say "timing: tunnel $(((t2 - t1) / 1000)) ms"

capture_stop
tshark_ike_check "$LAB_RUN/v1-libreswan.pcap"
pass "strongSwan <-> Libreswan IKEv1 Main Mode (DH 14, PFS 14), both directions"
