#!/usr/bin/env bash
# t-v1-gw-swan.sh [main|aggressive] - gatewayd <-> strongSwan over IKEv1,
# both directions:
#   A. gatewayd on gw1 initiates, strongSwan on gw2 responds;
#   B. strongSwan on gw2 initiates, gatewayd on gw1 ("initiate no") responds.
# Modes:
#   main        Main Mode with the seed's public-cloud example: IKE
#               aes128/sha1/DH 2, ESP aes128/sha1, PFS 2; IP identities.
#   aggressive  Aggressive Mode with FQDN identities (gw1 left.lab.test,
#               gw2 right.lab.test); as responder (B) gatewayctl status
#               must show a warning that names aggressive mode.
# Checks per direction: gatewayctl status Connected with IKEv1 (text and
# JSON), strongSwan's IKEv1 SA with the expected exchange, identities and
# algorithms (PFS group in Quick Mode), clients ping both ways, ESP SAs
# count packets in each direction on both gateways.  Both exchanges are
# captured on gw1's public side: tshark must dissect every ISAKMP message
# and find none malformed (tshark -Y _ws.expert).  In A gatewayd writes its
# keys (keylog-dir): Wireshark, given them, must decrypt that capture's
# Main Mode (main), Quick Mode and ESP.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

mode=${1:-main}
case "$mode" in
main)
	gw=()
	sw=()
	exch_re='(generating|parsed) ID_PROT (request|response)'
	;;
aggressive)
	gw=(mode=aggressive lid=left.lab.test pid=right.lab.test)
	sw=(aggressive=yes lid=right.lab.test rid=left.lab.test)
	exch_re='(generating|parsed) AGGRESSIVE (request|response)'
	;;
*)	fail "unknown mode '$mode'" ;;
esac

# check_swan: strongSwan's view of the SAs.
check_swan() {
	local log
	log=$(node_dir gw2)/charon.log
	swan_show_sas gw2
	assert_match "strongSwan: IKEv1 SA" '^vpn: #[0-9]+, ESTABLISHED, IKEv1' \
	    "$SWAN_SAS"
	assert_match "strongSwan: IKE algorithms" \
	    'AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024' "$SWAN_SAS"
	assert_match "strongSwan: Quick Mode with PFS 2" \
	    'INSTALLED, TUNNEL, ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1024' "$SWAN_SAS"
	assert_file_match "strongSwan: $mode mode exchange" "$exch_re" "$log"
	if [ "$mode" = aggressive ]; then
		assert_match "strongSwan: remote FQDN identity" \
		    "remote +'left\\.lab\\.test'" "$SWAN_SAS"
		assert_match "strongSwan: local FQDN identity" \
		    "local +'right\\.lab\\.test'" "$SWAN_SAS"
	fi
}

topo_standard
capture_start gw1 pub "$LAB_RUN/v1-gw-swan-$mode.pcap"

step "$mode, A: gatewayd (gw1) initiates, strongSwan (gw2) responds"
swan_v1_std gw2 "${sw[@]}"
start_charon gw2
gw_v1_std gw1 "${gw[@]}"
keys=$(node_dir gw1)/keys
gw_keylog_dir "$keys"
sed -i "1a keylog-dir $keys" "$(node_dir gw1)/gatewayd.conf"
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 swan_child_up gw2 vpn || fail "strongSwan on gw2: CHILD SA not installed"
gw_v1_status_ok gw1 vpc1-vpc2
check_swan
traffic_ok esp
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$(node_dir gw2)/charon.log" "$(node_dir gw2)/charon.log.A"
capture_stop
mv "$LAB_RUN/v1-gw-swan-$mode.pcap" "$LAB_RUN/v1-gw-swan-$mode-A.pcap"
tshark_decrypt_check "$LAB_RUN/v1-gw-swan-$mode-A.pcap" "$keys" \
    "$([ "$mode" = main ] && echo main)"
capture_start gw1 pub "$LAB_RUN/v1-gw-swan-$mode.pcap"

step "$mode, B: strongSwan (gw2) initiates, gatewayd (gw1) responds"
swan_v1_std gw2 "${sw[@]}"
start_charon gw2
gw_v1_std gw1 initiate=no "${gw[@]}"
start_gatewayd gw1
swan_initiate gw2 vpn
gw_wait_state gw1 vpc1-vpc2 Connected 10
gw_v1_status_ok gw1 vpc1-vpc2
check_swan
if [ "$mode" = aggressive ]; then
	warning=$(gw_tunnel_field gw1 vpc1-vpc2 warning)
	assert_match "gatewayctl status: warning for aggressive mode" \
	    '[Aa]ggressive' "$warning"
	say "ok: gw1: warning: $warning"
	assert_match "status --json: warning for aggressive mode" \
	    '"name":"vpc1-vpc2"[^{}]*"warning":"[^"]*[Aa]ggressive' \
	    "$(gwctl gw1 status --json 2>&1)"
fi
traffic_ok esp
gw_alive gw1

capture_stop
tshark_ike_check "$LAB_RUN/v1-gw-swan-$mode-A.pcap" \
    "$LAB_RUN/v1-gw-swan-$mode.pcap"
pass "gatewayd <-> strongSwan IKEv1 $mode, both directions"
