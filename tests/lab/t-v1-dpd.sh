#!/usr/bin/env bash
# t-v1-dpd.sh - IKEv1 dead peer detection (RFC 3706) with strongSwan:
# gatewayd on gw1 initiates Main Mode (announcing DPD with its vendor ID);
# strongSwan on gw2 runs DPD every 2 s (dpd_delay=2s), so with no traffic it
# sends R-U-THERE.  After more than 3 DPD periods without traffic:
# strongSwan's log shows at least 3 R-U-THERE sent and at least 3
# R-U-THERE-ACK received, its IKE SA is still up (no DPD timeout), the
# tunnel is still Connected in gatewayctl status, and the clients still
# ping each other through the same SAs.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

topo_standard
swan_v1_std gw2 dpd_delay=2s
start_charon gw2
gw_v1_std gw1
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 swan_child_up gw2 vpn || fail "strongSwan on gw2: CHILD SA not installed"
traffic_ok esp
spis=$(xfrm_spis gw1)

step "idle for more than 3 DPD periods"
log=$(node_dir gw2)/charon.log
assert_file_match "strongSwan: gatewayd announced DPD" \
    'received DPD vendor ID' "$log"
acks_ok() {
	[ "$(swan_log_count gw2 "$SWAN_V1_DPD_ACK_RE")" -ge 3 ]
}
wait_for 15 acks_ok ||
    fail "strongSwan received $(swan_log_count gw2 "$SWAN_V1_DPD_ACK_RE")" \
	"R-U-THERE-ACKs (want 3) for $(swan_log_count gw2 "$SWAN_V1_DPD_SENT_RE")" \
	"R-U-THEREs"
sent=$(swan_log_count gw2 "$SWAN_V1_DPD_SENT_RE")
acks=$(swan_log_count gw2 "$SWAN_V1_DPD_ACK_RE")
assert_ge "R-U-THERE sent by strongSwan" 3 "$sent"
say "ok: strongSwan sent $sent R-U-THERE, received $acks R-U-THERE-ACK"
assert_file_match "strongSwan: R-U-THERE-ACK" "$SWAN_V1_DPD_ACK_RE" "$log"
if grep -qiE 'DPD check timed out|giving up after|peer not responding' "$log"; then
	fail "strongSwan declared gatewayd dead:"$'\n'"$(grep -iE 'DPD|timed out' "$log" | tail -n 5)"
fi
swan_ike_up gw2 vpn || fail "strongSwan: IKE SA down after DPD"
swan_child_up gw2 vpn || fail "strongSwan: CHILD SA down after DPD"
gw_wait_state gw1 vpc1-vpc2 Connected 2
assert_eq "gw1's SAs after DPD" "$spis" "$(xfrm_spis gw1)"
traffic_ok esp
gw_alive gw1
pass "IKEv1 DPD: gatewayd answers R-U-THERE, the tunnel stays up"
