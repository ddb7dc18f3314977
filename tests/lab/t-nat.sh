#!/usr/bin/env bash
# t-nat.sh CASE - NAT traversal (RFC 7296 §2.23, RFC 3947, RFC 3948) with
# gw1 behind a masquerading router (lib.sh: topo_nat; the router gives
# UDP new source ports, so 500 and 4500 are never kept):
#   v2-initiator  gatewayd on gw1 (behind NAT) initiates IKEv2 to strongSwan
#                 on gw2
#   v2-any        strongSwan on gw1 (behind NAT) initiates IKEv2 to
#                 gatewayd on gw2, whose peer is 0.0.0.0 (any peer)
#   v1-initiator  the same as v2-initiator with IKEv1 Main Mode
#   v1-any        the same as v2-any with IKEv1 Main Mode
#   v2-rebind, v1-rebind
#                 v2-any/v1-any, then the router forgets its mappings and
#                 gives new ports (30000-39999), as a NAT whose mappings
#                 expired does: strongSwan's next DPD (every 2 s) reaches
#                 gatewayd from the new port; gatewayd, not behind the
#                 NAT, follows it with its ESP-in-UDP SAs (RFC 7296
#                 §2.23, RFC 3948), and pings pass both ways again
# Identities are FQDNs (gw1 left.lab.test, gw2 right.lab.test).  Checks:
# the tunnel is Connected; strongSwan's IKE SA runs between port 4500 on
# gw2 and a translated port of the router; every ESP SA on both gateways
# is ESP in UDP (ip xfrm state: encap espinudp, gw1 4500 <-> 4500, gw2
# 4500 <-> the router's port); clients ping each other through the tunnel,
# the SAs count packets both ways and gatewayctl status shows packets in
# and out; the capture on the outside link has IKE on 4500 and ESP in UDP
# but no plain ESP; in the *-initiator cases gatewayd, behind the NAT,
# sends NAT keepalives (one 0xFF byte, RFC 3948 §2.3) within 30 s.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

case=${1:-v2-initiator}
case "$case" in
v2-initiator|v2-any|v2-rebind) ver=2 ;;
v1-initiator|v1-any|v1-rebind) ver=1 ;;
*)	fail "unknown case '$case'" ;;
esac
LID=left.lab.test
RID=right.lab.test
NAT_PORT_RE='2[0-9]{4}'

# swan_nat NODE LOCAL REMOTE LTS RTS LID RID: strongSwan's connection "vpn"
# of the case's IKE version.
swan_nat() {
	local n=$1 v=()
	[ "$ver" = 1 ] && v=(version=1 ike_rekey=86400 child_rekey=3600)
	[[ $case == *-rebind ]] && v+=(dpd_delay=2s)
	swan_conf "$n"
	[ "$ver" = 1 ] && swan_conf_v1 "$n"
	rm -f "$(node_dir "$n")"/swanctl.d/*
	swan_conn "$n" vpn local="$2" remote="$3" lts="$4" rts="$5" \
	    lid="$6" rid="$7" "${v[@]}"
}

# gw_packets_ok NODE: gatewayctl status counts packets in and out.
gw_packets_in_out() {
	local st
	st=$(gwctl "$1" status 2>/dev/null)
	grep -qE '^ +in: +[0-9]+ bytes, [1-9][0-9]* packets' <<<"$st" &&
	    grep -qE '^ +out: +[0-9]+ bytes, [1-9][0-9]* packets' <<<"$st"
}
gw_packets_ok() {
	wait_for 10 gw_packets_in_out "$1" ||
	    fail "$1: gatewayctl status shows no packets in and out:" \
		$'\n'"$(gwctl "$1" status 2>&1)"
	say "ok: $1: gatewayctl status: $(gwctl "$1" status |
	    grep -E '^ +(in|out):' | head -n 2 | tr -s ' \n' ' ')"
}

# check_swan NODE: strongSwan's IKE SA between 4500 on gw2's side and a
# translated port of the router.
check_swan() {
	local n=$1 ike
	swan_show_sas "$n"
	if [ "$ver" = 1 ]; then
		ike='^vpn: #[0-9]+, ESTABLISHED, IKEv1'
	else
		ike='^vpn: #[0-9]+, ESTABLISHED, IKEv2'
	fi
	assert_match "strongSwan on $n: IKE SA" "$ike" "$SWAN_SAS"
	if [ "$n" = gw2 ]; then
		assert_match "strongSwan on gw2: local port 4500" \
		    "local +'$RID' @ $GW2_PUB\\[4500\\]" "$SWAN_SAS"
		assert_match "strongSwan on gw2: the peer behind NAT" \
		    "remote +'$LID' @ $GW1_PUB\\[$NAT_PORT_RE\\]" "$SWAN_SAS"
	else
		assert_match "strongSwan on gw1: local port 4500 behind NAT" \
		    "local +'$LID' @ $GW1_PRIV\\[4500\\]" "$SWAN_SAS"
		assert_match "strongSwan on gw1: the peer on 4500" \
		    "remote +'$RID' @ $GW2_PUB\\[4500\\]" "$SWAN_SAS"
	fi
	assert_match "strongSwan on $n: CHILD SA in UDP" \
	    'INSTALLED, TUNNEL-in-UDP' "$SWAN_SAS"
}

# check_capture FILE: IKE on 4500 and ESP in UDP on the outside link, no
# plain ESP (tcpdump reads it: tshark is slow in UML).
check_capture() {
	local f=$1 esp_udp esp ike4500
	capture_stop
	esp=$(tcpdump -n -r "$f" esp 2>/dev/null | wc -l)
	esp_udp=$(tcpdump -n -r "$f" 'udp port 4500 and udp[8:4] != 0' \
	    2>/dev/null | wc -l)
	ike4500=$(tcpdump -n -r "$f" 'udp port 4500 and udp[8:4] = 0' \
	    2>/dev/null | wc -l)
	assert_eq "plain ESP packets on the outside link" 0 "$esp"
	assert_ge "IKE messages on port 4500" 2 "$ike4500"
	assert_ge "ESP-in-UDP packets" 4 "$esp_udp"
	say "ok: capture: $ike4500 IKE messages on 4500, $esp_udp ESP in UDP," \
	    "no plain ESP"
}

# A NAT keepalive from gw1 as gw2 sees it.
NAT_KA_FILTER="src host $GW1_PUB and dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff"
nat_keepalive_seen() {
	[ -n "$(tcpdump -n -r "$1" "$NAT_KA_FILTER" 2>/dev/null | head -n 1)" ]
}

# gw2's ESP in UDP goes to one of the router's new ports.
encap_moved() {
	ip -n gw2 xfrm state | grep -qE 'dport 3[0-9]{4}( |$)'
}

topo_nat
capture_start gw2 pub "$LAB_RUN/nat-$case.pcap"

case "$case" in
*-initiator)
	step "$case: gatewayd on gw1 (behind NAT) initiates IKEv$ver to" \
	    "strongSwan on gw2"
	swan_nat gw2 "$GW2_PUB" "$GW1_PUB" "$GW2_NET" "$GW1_NET" "$RID" "$LID"
	start_charon gw2
	gw_conf_begin gw1 gw1 "$GW1_PRIV" gw2 "$GW2_PUB" "$GW1_NET"
	gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" \
	    version="$ver" lid="$LID" pid="$RID"
	start_gatewayd gw1
	gw_wait_state gw1 vpc1-vpc2 Connected 30
	wait_for 5 swan_child_up gw2 vpn ||
	    fail "strongSwan on gw2: CHILD SA not installed"
	check_swan gw2
	gw=gw1
	;;
*-any|*-rebind)
	step "$case: strongSwan on gw1 (behind NAT) initiates IKEv$ver to" \
	    "gatewayd on gw2 (peer 0.0.0.0)"
	swan_nat gw1 "$GW1_PRIV" "$GW2_PUB" "$GW1_NET" "$GW2_NET" "$LID" "$RID"
	start_charon gw1
	gw_conf_begin gw2 gw2 "$GW2_PUB" gw1 0.0.0.0 "$GW2_NET"
	gw_conf_tunnel gw2 vpc2-vpc1 lseg="$GW2_NET" pseg="$GW1_NET" \
	    version="$ver" lid="$RID" pid="$LID"
	start_gatewayd gw2
	swan_initiate gw1 vpn
	gw_wait_state gw2 vpc2-vpc1 Connected 10
	check_swan gw1
	gw=gw2
	;;
esac

ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
xfrm_counters_ok gw1 1 esp
xfrm_counters_ok gw2 1 esp
xfrm_encap_ok gw1 4500 4500
xfrm_encap_ok gw2 4500 "$NAT_PORT_RE"
gw_packets_ok "$gw"
if [ "$case" = v1-initiator ]; then
	assert_file_match "gw1: IKEv1 floats to 4500" "IKE moves to port 4500" \
	    "$(node_dir gw1)/gatewayd.log"
fi
if [ "$gw" = gw1 ]; then
	# RFC 3948 §2.3: one 0xFF byte (UDP length 9) every 20 s from gw1
	wait_for 30 nat_keepalive_seen "$LAB_RUN/nat-$case.pcap" ||
	    fail "no NAT keepalive from gw1 in 30 s"
	say "ok: NAT keepalive from gw1:" \
	    "$(tcpdump -n -r "$LAB_RUN/nat-$case.pcap" "$NAT_KA_FILTER" \
	    2>/dev/null | head -n 1)"
elif [ "$case" = v1-any ]; then
	assert_file_match "gw2: follows the peer to 4500" \
	    "the peer moved to $GW1_PUB\\[$NAT_PORT_RE\\] \\(our port 4500\\)" \
	    "$(node_dir gw2)/gatewayd.log"
fi
if [[ $case == *-rebind ]]; then
	step "the NAT forgets gw1's mappings and gives new ports (30000-39999)"
	out=$(ip netns exec nat iptables-legacy -t nat -R POSTROUTING 1 -o out \
	    -p udp -j MASQUERADE --to-ports 30000-39999 2>&1) ||
	    fail "nat: iptables-legacy -R: $out"
	# MASQUERADE drops its connections when the address goes
	ip -n nat addr del "$GW1_PUB/24" dev out || fail "nat: addr del"
	ip -n nat addr add "$GW1_PUB/24" dev out || fail "nat: addr add"
	wait_for 15 grep -q "the peer moved" "$(node_dir gw2)/gatewayd.log" ||
	    fail "gw2: gatewayd did not follow gw1's new NAT mapping in 15 s"
	say "ok: gw2: $(grep "the peer moved" "$(node_dir gw2)/gatewayd.log" |
	    tail -n 1 | cut -d' ' -f3-)"
	wait_for 5 encap_moved
	xfrm_encap_ok gw2 4500 '3[0-9]{4}'
	ping_ok c2 "$C1_ADDR"
	ping_ok c1 "$C2_ADDR"
	gw_wait_state gw2 vpc2-vpc1 Connected 5
fi
gw_show_status "$gw"
gw_alive "$gw"
check_capture "$LAB_RUN/nat-$case.pcap"
pass "NAT traversal: $case"
