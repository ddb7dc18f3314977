#!/usr/bin/env bash
# t-rekey.sh [child|ike] - rekeying with a strongSwan peer: gatewayd on gw1
# initiates (defaults, PFS 2), strongSwan on gw2 then rekeys
#   1. the CHILD SA (swanctl --rekey --child: CREATE_CHILD_SA with KE): the
#      old SAs disappear from gw1's kernel, traffic flows over new SAs,
#      gatewayctl status shows the new SPI;
#   2. only with "ike": also the IKE SA (swanctl --rekey --ike): the tunnel
#      stays Connected with new IKE SPIs and traffic still flows.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
mode=${1:-child}
case "$mode" in
child|ike) ;;
*) fail "unknown mode '$mode'" ;;
esac

topo_standard
swan_std gw2
start_charon gw2
gw_std gw1
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
traffic_ok esp

step "CHILD SA rekey (PFS 2) by strongSwan"
old_spis=$(xfrm_spis gw1)
assert_eq "SAs on gw1 before the rekey" 2 "$(wc -l <<<"$old_spis")"
out=$(swanctl_cmd gw2 --rekey --child vpn 2>&1) ||
    fail "swanctl --rekey --child vpn: $out"
old_gone() {
	local now
	now=$(xfrm_spis gw1)
	[ -z "$(comm -12 <(echo "$old_spis") <(echo "$now"))" ] &&
	    [ "$(wc -l <<<"$now")" -eq 2 ]
}
wait_for 15 old_gone ||
    fail "old SAs still on gw1 (or not 2 SAs) after the rekey:"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 xfrm state)"
say "ok: old SAs ($(echo "$old_spis" | tr '\n' ' ')) gone, new: $(xfrm_spis gw1 | tr '\n' ' ')"
traffic_ok esp
gw_wait_state gw1 vpc1-vpc2 Connected 5
new_in=$(xfrm_sa_list gw1 | awk '$1 == "in" { sub(/^0x/, "", $3); print $3 }')
assert_match "gatewayctl status shows the new inbound SPI" "$new_in" \
    "$(gwctl gw1 status 2>&1)"

[ "$mode" = ike ] || pass "CHILD SA rekeying"

step "IKE SA rekey by strongSwan"
ike_spis() {
	swanctl_cmd gw2 --list-sas 2>/dev/null |
	    awk '/^vpn: #[0-9]+, ESTABLISHED/ { print $5, $6 }'
}
old_ike=$(ike_spis)
[ -n "$old_ike" ] || fail "strongSwan: no established IKE SA"
out=$(swanctl_cmd gw2 --rekey --ike vpn 2>&1) ||
    fail "swanctl --rekey --ike vpn: $out"
ike_rekeyed() {
	local now
	now=$(ike_spis)
	[ -n "$now" ] && [ "$now" != "$old_ike" ] && [ "$(wc -l <<<"$now")" -eq 1 ]
}
wait_for 15 ike_rekeyed ||
    fail "IKE SA not rekeyed: was $old_ike:"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
say "ok: IKE SA rekeyed: $old_ike -> $(ike_spis)"
gw_wait_state gw1 vpc1-vpc2 Connected 5
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
xfrm_counters_ok gw1 1 esp
gw_alive gw1
pass "CHILD and IKE SA rekeying"
