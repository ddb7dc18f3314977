#!/usr/bin/env bash
# t-mixed-versions.sh [v2-first|v1-first|together] - one IKEv2 and one
# IKEv1 tunnel
# from gatewayd (gw1) to the same strongSwan (gw2), same addresses and
# identities, each for its own segment pair:
#   t1 (IKEv2): 172.16.0.0/24 (c1) <-> 10.1.0.0/16 (c2)
#   t2 (IKEv1): 172.16.1.0/24 (c3) <-> 10.2.0.0/16 (c4)
# gatewayd brings them up one after the other in the order given (or
# both at its start: "together", where the two handshakes overlap), then
# rekeys the IKE SA of each (gatewayctl rekey TUNNEL ike).  The second
# tunnel's IKE SA must not carry INITIAL_CONTACT: strongSwan would then
# drop the first ("destroying duplicate IKE_SA ..., received
# INITIAL_CONTACT").  Checks: both tunnels Connected throughout, pings
# through each, no such line in strongSwan's log.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
order=${1:-v2-first}
case "$order" in
v2-first) first=t1 second=t2 ;;
v1-first) first=t2 second=t1 ;;
together) first="" second="" ;;
*) fail "unknown order '$order' (v2-first, v1-first or together)" ;;
esac
init=no
[ "$order" = together ] && init=yes

topo_segments

step "strongSwan on gw2: connection v2 (IKEv2) and v1 (IKEv1)"
swan_conf gw2 "$SWAN_V1_EXTRA"
rm -f "$(node_dir gw2)"/swanctl.d/*
swan_conn gw2 v2 local="$GW2_PUB" remote="$GW1_PUB" lts="$SEG2A" \
    rts="$SEG1A"
swan_conn gw2 v1 version=1 local="$GW2_PUB" remote="$GW1_PUB" \
    lts="$SEG2B" rts="$SEG1B" ike_rekey=86400 child_rekey=3600
start_charon gw2

step "gatewayd on gw1: t1 (IKEv2) and t2 (IKEv1)"
gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
gw_conf_tunnel gw1 t1 lseg="$SEG1A" pseg="$SEG2A" initiate=$init
gw_conf_tunnel gw1 t2 lseg="$SEG1B" pseg="$SEG2B" initiate=$init version=1
start_gatewayd gw1

both_up() {
	gw_wait_state gw1 t1 Connected 20
	gw_wait_state gw1 t2 Connected 20
	ping_ok c1 "$C2S_ADDR"
	ping_ok c3 "$C4_ADDR"
}

no_duplicate() {
	local n
	n=$(swan_log_count gw2 'duplicate IKE_SA|received INITIAL_CONTACT')
	[ "$n" = 0 ] || fail "strongSwan dropped an IKE SA:"$'\n'"$(grep -E \
	    'duplicate IKE_SA|INITIAL_CONTACT' "$(node_dir gw2)/charon.log")"
	say "ok: strongSwan dropped no IKE SA for INITIAL_CONTACT"
}

if [ "$order" = together ]; then
	step "both at gatewayd's start"
else
	step "$first first, then $second"
	out=$(gwctl gw1 up "$first" 2>&1) || fail "gatewayctl up $first: $out"
	gw_wait_state gw1 "$first" Connected 20
	out=$(gwctl gw1 up "$second" 2>&1) ||
	    fail "gatewayctl up $second: $out"
fi
both_up
sleep 2
both_up
no_duplicate

for t in t1 t2; do
	step "rekey ike on $t"
	out=$(gwctl gw1 rekey "$t" ike 2>&1) || fail "rekey $t ike: $out"
	sleep 8
	both_up
	no_duplicate
done
swan_show_sas gw2
assert_match "strongSwan: an IKEv2 SA" 'ESTABLISHED, IKEv2' "$SWAN_SAS"
assert_match "strongSwan: an IKEv1 SA" 'ESTABLISHED, IKEv1' "$SWAN_SAS"
gw_alive gw1
pass "IKEv2 and IKEv1 tunnels to one strongSwan ($order), with IKE rekeys"
