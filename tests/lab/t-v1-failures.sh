#!/usr/bin/env bash
# t-v1-failures.sh [psk-initiator|psk-responder|segments|all] - IKEv1
# failures are reported, against a strongSwan peer on gw2 (Main Mode, seed
# defaults otherwise); the argument picks one case (default: all three):
#   1. wrong PSK, gatewayd initiates: gatewayctl status's last error and
#      gatewayd's log say the pre-shared key probably differs, the state is
#      "Phase 1 failed"; no SA, no traffic.  strongSwan answers message 5
#      with a notify (PAYLOAD-MALFORMED) encrypted with its own key instead
#      of message 6: unauthenticated, so gatewayd waits 2 retransmission
#      delays (4 s; it checks at its next retransmission of message 5, 6 s
#      in) for a valid message 6 before it counts a failed attempt; three
#      attempts (2 s apart) give "Phase 1 failed" within about 25 s;
#   2. wrong PSK, strongSwan initiates (gatewayd "initiate no"): strongSwan's
#      initiate fails, gatewayctl status "Phase 1 failed" and the same log
#      message; no SA;
#   3. mismatched segments (strongSwan expects 172.16.5.0/24 behind gw1),
#      gatewayd initiates: Main Mode completes but strongSwan refuses the
#      Quick Mode: status "Phase 2 failed", INVALID-ID-INFORMATION in
#      gatewayd's log, no SA.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

PSK_RE='(pre-shared key|PSK) probably differs'

which=${1:-all}
case "$which" in
psk-initiator|psk-responder|segments|all) ;;
*)	fail "unknown case '$which'" ;;
esac
want() { [ "$which" = all ] || [ "$which" = "$1" ]; }

topo_standard
log=$(node_dir gw1)/gatewayd.log

if want psk-initiator; then
step "1: wrong PSK, gatewayd initiates"
swan_v1_std gw2 psk='Other!key'
start_charon gw2
gw_v1_std gw1
start_gatewayd gw1
# The first failed attempt puts the cause in status's "last error"; three
# make "Phase 1 failed" (seed rule).  An attempt ends 2 retransmission
# delays after strongSwan's answer to message 5 that does not decrypt (a
# valid message 6 could still have come), not after all retransmissions.
psk_error() {
	gw_tunnel_field gw1 vpc1-vpc2 "last error" | grep -qiE "$PSK_RE"
}
wait_for 30 psk_error ||
    fail "gatewayctl status: no 'last error' about the PSK after 30 s:" \
	$'\n'"$(gwctl gw1 status 2>&1)"
say "ok: gw1: last error: $(gw_tunnel_field gw1 vpc1-vpc2 "last error")"
gw_wait_state gw1 vpc1-vpc2 "Phase 1 failed" 45
assert_file_match "gatewayd log: the PSK probably differs" "$PSK_RE" "$log"
assert_eq "SAs on gw1" 0 "$(xfrm_sa_count gw1)"
ping_fails c1 "$C2_ADDR"
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$log" "$log.1"
fi

if want psk-responder; then
step "2: wrong PSK, strongSwan initiates"
swan_v1_std gw2 psk='Other!key'
start_charon gw2
gw_v1_std gw1 initiate=no
start_gatewayd gw1
if out=$(swanctl_cmd gw2 --initiate --child vpn --timeout 20 2>&1); then
	fail "strongSwan's initiate succeeded with a wrong PSK:"$'\n'"$out"
fi
say "ok: strongSwan's initiate failed"
assert_file_match "gatewayd log: the PSK probably differs" "$PSK_RE" "$log" 10
gw_wait_state gw1 vpc1-vpc2 "Phase 1 failed" 10
assert_eq "SAs on gw1" 0 "$(xfrm_sa_count gw1)"
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$log" "$log.2"
fi

if want segments; then
step "3: mismatched segments, gatewayd initiates"
swan_v1_std gw2 rts=172.16.5.0/24
start_charon gw2
gw_v1_std gw1
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 "Phase 2 failed" 30
assert_file_match "gatewayd log: INVALID-ID-INFORMATION" \
    'INVALID-ID-INFORMATION' "$log"
assert_file_match "strongSwan: Main Mode done" \
    'IKE_SA vpn\[[0-9]+\] established' "$(node_dir gw2)/charon.log"
assert_eq "SAs on gw1" 0 "$(xfrm_sa_count gw1)"
ping_fails c1 "$C2_ADDR"
gw_alive gw1
fi
pass "IKEv1 failures reported ($which)"
