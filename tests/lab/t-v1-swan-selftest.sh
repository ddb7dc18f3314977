#!/usr/bin/env bash
# t-v1-swan-selftest.sh [main|aggressive] - proves the lab's IKEv1 helpers
# without gatewayd: an IKEv1 PSK tunnel between two strongSwan charons (gw1
# initiator, gw2 responder) with the seed defaults (aes128/sha1/modp1024,
# PFS 2 in Quick Mode).
#   main        Main Mode, IP address identities; gw1 also runs dead peer
#               detection (dpd_delay 2s): its log must show R-U-THERE sent
#               and R-U-THERE-ACK received (the patterns t-v1-dpd.sh uses).
#   aggressive  Aggressive Mode, FQDN identities left.lab.test and
#               right.lab.test (gw2 needs the Aggressive Mode PSK option).
# Then clients ping each other through the tunnel, both gateways' ESP SAs
# count packets in each direction, and tshark dissects every ISAKMP message
# of the capture with none malformed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin

mode=${1:-main}
case "$mode" in
main)	k1=(dpd_delay=2s); k2=() ;;
aggressive)
	k1=(aggressive=yes lid=left.lab.test rid=right.lab.test)
	k2=(aggressive=yes lid=right.lab.test rid=left.lab.test) ;;
*)	fail "unknown mode '$mode'" ;;
esac

step "topology"
topo_standard
ping_fails c1 "$C2_ADDR"

step "strongSwan IKEv1 ($mode) on gw1 and gw2"
swan_v1_std gw1 "${k1[@]}"
swan_v1_std gw2 "${k2[@]}"
capture_start gw1 pub "$LAB_RUN/v1-selftest.pcap"
start_charon gw1
start_charon gw2

step "tunnel"
swan_initiate gw1 vpn
swan_child_up gw2 vpn || fail "gw2: CHILD SA vpn not installed"
swan_show_sas gw2
assert_match "gw2: IKEv1 SA" '^vpn: #[0-9]+, ESTABLISHED, IKEv1' "$SWAN_SAS"
if [ "$mode" = aggressive ]; then
	assert_match "gw2: local FQDN identity" \
	    "local +'right\.lab\.test'" "$SWAN_SAS"
	assert_match "gw2: remote FQDN identity" \
	    "remote +'left\.lab\.test'" "$SWAN_SAS"
	assert_file_match "gw1: Aggressive Mode" \
	    'generating AGGRESSIVE request' "$(node_dir gw1)/charon.log"
else
	assert_file_match "gw1: Main Mode" \
	    'generating ID_PROT request' "$(node_dir gw1)/charon.log"
fi
assert_match "gw2: PFS group in Quick Mode" \
    'ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1024' "$SWAN_SAS"

step "traffic"
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
xfrm_counters_ok gw1 1 esp
xfrm_counters_ok gw2 1 esp

if [ "$mode" = main ]; then
	step "dead peer detection (gw1, every 2 s)"
	assert_file_match "gw1 sends R-U-THERE" \
	    "$SWAN_V1_DPD_SENT_RE" "$(node_dir gw1)/charon.log" 10
	assert_file_match "gw1 receives R-U-THERE-ACK" \
	    "$SWAN_V1_DPD_ACK_RE" "$(node_dir gw1)/charon.log" 5
	swan_ike_up gw1 vpn || fail "gw1: IKE SA down after DPD"
fi
capture_stop
tshark_ike_check "$LAB_RUN/v1-selftest.pcap"

pass "strongSwan <-> strongSwan IKEv1 $mode through the lab"
