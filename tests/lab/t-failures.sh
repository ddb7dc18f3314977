#!/usr/bin/env bash
# t-failures.sh - failures are reported, against a strongSwan peer on gw2:
#   1. wrong PSK, gatewayd initiates: gatewayctl status shows
#      "Phase 1 failed" and gatewayd's log says authentication failed;
#      no SA, no traffic;
#   2. wrong PSK, strongSwan initiates: strongSwan's initiate fails and
#      gatewayd's log says authentication failed;
#   3. mismatched segments (strongSwan expects 172.16.5.0/24 behind gw1),
#      gatewayd initiates: the IKE SA is set up but the CHILD SA is refused:
#      status "Phase 2 failed", TS_UNACCEPTABLE in gatewayd's log, no SA.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

topo_standard
log=$(node_dir gw1)/gatewayd.log

step "1: wrong PSK, gatewayd initiates"
swan_std gw2 psk='Other!key'
start_charon gw2
gw_std gw1
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 "Phase 1 failed" 30
assert_file_match "gatewayd log: authentication failed" \
    'authentication failed|AUTHENTICATION_FAILED' "$log"
assert_eq "SAs on gw1" 0 "$(xfrm_sa_count gw1)"
ping_fails c1 "$C2_ADDR"
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$log" "$log.1"

step "2: wrong PSK, strongSwan initiates"
swan_std gw2 psk='Other!key'
start_charon gw2
gw_std gw1 initiate=no
start_gatewayd gw1
if out=$(swanctl_cmd gw2 --initiate --child vpn --timeout 20 2>&1); then
	fail "strongSwan's initiate succeeded with a wrong PSK:"$'\n'"$out"
fi
say "ok: strongSwan's initiate failed"
assert_file_match "gatewayd log: authentication failed" \
    'authentication failed|AUTHENTICATION_FAILED' "$log" 10
assert_eq "SAs on gw1" 0 "$(xfrm_sa_count gw1)"
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$log" "$log.2"

step "3: mismatched segments, gatewayd initiates"
swan_std gw2 rts=172.16.5.0/24
start_charon gw2
gw_std gw1
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 "Phase 2 failed" 30
assert_file_match "gatewayd log: TS_UNACCEPTABLE" 'TS_UNACCEPTABLE' "$log"
assert_eq "SAs on gw1" 0 "$(xfrm_sa_count gw1)"
ping_fails c1 "$C2_ADDR"
gw_alive gw1
pass "wrong PSK (both directions) and mismatched segments reported"
