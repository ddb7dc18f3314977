#!/usr/bin/env bash
# t-rekey.sh [child|ike|gw-child|gw-ike] - rekeying with a strongSwan peer:
# gatewayd on gw1 initiates (defaults, PFS 2), then
#   child:    strongSwan on gw2 rekeys the CHILD SA (swanctl --rekey
#             --child: CREATE_CHILD_SA with KE): the old SAs disappear from
#             gw1's kernel, traffic flows over new SAs, gatewayctl status
#             shows the new SPI;
#   ike:      the same, then strongSwan also rekeys the IKE SA (swanctl
#             --rekey --ike): the tunnel stays Connected with new IKE SPIs
#             and traffic still flows;
#   gw-child: gatewayd rekeys the CHILD SA on request (gatewayctl rekey
#             vpc1-vpc2): new SPIs in both kernels, the old ones deleted,
#             strongSwan's log shows it answered the CREATE_CHILD_SA with
#             a new SA and KE, traffic flows over the new SAs;
#   gw-ike:   gatewayd rekeys the IKE SA on request (gatewayctl rekey
#             vpc1-vpc2 ike): new IKE SPIs, the same in gatewayctl status
#             and swanctl --list-sas, the old IKE SA deleted, the CHILD SAs
#             kept; then a CHILD SA rekey over the new IKE SA.
#   bytes:    gatewayd has "lifetime-bytes 120000" (test-short-lifetimes
#             yes): its kernel SAs show the hard limit and a soft one at
#             85-90% (ip -s xfrm state); about 1 KB pings at 20 a second
#             cross the soft limit, the kernel's soft expiry makes
#             gatewayd rekey the CHILD SA (CREATE_CHILD_SA, answered by
#             strongSwan, whose own SAs have no limit): new SPIs with the
#             same limits, no expiry without a successor, traffic goes on.
#   packets:  the same with "lifetime-packets 200" (a packet count, soft
#             limit at 85-90%): 240 pings at 20 a second cross it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
mode=${1:-child}
case "$mode" in
child|ike|gw-child|gw-ike|bytes|packets) ;;
*) fail "unknown mode '$mode' (child, ike, gw-child, gw-ike, bytes or packets)" ;;
esac

# the volume lifetimes of the bytes and packets cases (a soft limit at
# 85-90% of each)
VOL_BYTES=120000
VOL_PACKETS=200

topo_standard
swan_std gw2
start_charon gw2
if [ "$mode" = bytes ] || [ "$mode" = packets ]; then
	if [ "$mode" = bytes ]; then
		gw_std gw1 lifetime_bytes=$VOL_BYTES
	else
		gw_std gw1 lifetime_packets=$VOL_PACKETS
	fi
	sed -i '1a test-short-lifetimes yes' "$(node_dir gw1)/gatewayd.conf"
else
	gw_std gw1
fi
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
traffic_ok esp

old_gone() {
	xfrm_old_gone gw1 "$old_spis"
}

ike_spis() {
	swan_ike_spis gw2 vpn
}

# swan_log_more NODE ERE N: more than N lines of NODE's charon.log match.
swan_log_more() {
	[ "$(swan_log_count "$1" "$2")" -gt "$3" ]
}

# gw_rekey KIND: gatewayctl rekey vpc1-vpc2 [ike]; must answer "ok".
gw_rekey() {
	local out
	local what="gatewayctl rekey vpc1-vpc2${*:+ $*}"
	out=$(gwctl gw1 rekey vpc1-vpc2 "$@" 2>&1) || fail "$what: $out"
	assert_eq "$what" ok "$out"
	say "ok: $what: $out"
}

# gw_child_rekey: a CHILD SA rekey started by gatewayd, checked in both
# kernels, in strongSwan's log and with traffic.
gw_child_rekey() {
	local n_req n_resp n_est old2 new1 new2 spi
	old_spis=$(xfrm_spis gw1)
	old2=$(xfrm_spis gw2)
	assert_eq "SAs on gw1 before the rekey" 2 "$(wc -l <<<"$old_spis")"
	assert_eq "gw1 and gw2 have the same SAs" "$old_spis" "$old2"
	n_req=$(swan_log_count gw2 "$SWAN_CHILD_REKEY_REQ_RE")
	n_resp=$(swan_log_count gw2 "$SWAN_CHILD_REKEY_RESP_RE")
	n_est=$(swan_log_count gw2 'CHILD_SA vpn\{[0-9]+\} established')
	gw_rekey
	wait_for 15 old_gone ||
	    fail "old SAs still on gw1 (or not 2 SAs) after the rekey:"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 xfrm state)"
	new1=$(xfrm_spis gw1)
	wait_for 10 xfrm_spis_are gw2 "$new1" ||
	    fail "gw2's SAs are not gw1's new ones:"$'\n'"gw1: $new1"$'\n'"$(ip -n gw2 xfrm state)"
	new2=$(xfrm_spis gw2)
	say "ok: old SAs ($(echo "$old_spis" | tr '\n' ' ')) gone on both" \
	    "gateways, new: $(echo "$new2" | tr '\n' ' ')"
	wait_for 5 swan_log_more gw2 "$SWAN_CHILD_REKEY_REQ_RE" "$n_req" ||
	    fail "strongSwan's log: no rekey request" \
		"/$SWAN_CHILD_REKEY_REQ_RE/ from gatewayd"
	swan_log_more gw2 "$SWAN_CHILD_REKEY_RESP_RE" "$n_resp" ||
	    fail "strongSwan's log: no answer /$SWAN_CHILD_REKEY_RESP_RE/"
	say "ok: strongSwan accepted the rekey:" \
	    "$(grep -E -- "$SWAN_CHILD_REKEY_RESP_RE" \
	    "$(node_dir gw2)/charon.log" | tail -n 1)"
	assert_ge "strongSwan: CHILD SAs established" $((n_est + 1)) \
	    "$(swan_log_count gw2 'CHILD_SA vpn\{[0-9]+\} established')"
	for spi in $old_spis; do
		spi=${spi#0x}
		assert_file_match "strongSwan deleted old SA $spi" \
		    "(received DELETE for|closing) .*$spi" \
		    "$(node_dir gw2)/charon.log" 5
	done
	wait_for 5 swan_child_up gw2 vpn ||
	    fail "strongSwan: CHILD SA not installed after the rekey"
	gw_wait_state gw1 vpc1-vpc2 Connected 5
	traffic_ok esp
	new_in=$(xfrm_sa_list gw1 | awk '$1 == "in" { sub(/^0x/, "", $3); print $3 }')
	assert_match "gatewayctl status shows the new inbound SPI" "$new_in" \
	    "$(gwctl gw1 status 2>&1)"
}

# strongSwan (ike level 2) parses gatewayd's request and answers it
# (RFC 7296 §1.3.3: REKEY_SA, PFS 2 -> KE; §1.3.2: IKE SA: SA, Nonce, KE).
SWAN_CHILD_REKEY_REQ_RE='parsed CREATE_CHILD_SA request [0-9]+ \[ .*N\(REKEY_SA\).* KE .*TSi TSr.*\]'
SWAN_CHILD_REKEY_RESP_RE='generating CREATE_CHILD_SA response [0-9]+ \[ SA No KE TSi TSr \]'
SWAN_IKE_REKEY_REQ_RE='parsed CREATE_CHILD_SA request [0-9]+ \[ SA No KE \]'
SWAN_IKE_REKEY_RESP_RE='generating CREATE_CHILD_SA response [0-9]+ \[ SA No KE \]'

# vol_limits_ok NS HARD [UNIT]: every ESP SA in NS has the UNIT (bytes,
# the default, or packets) limits "soft S(UNIT), hard HARD(UNIT)" with S in
# 85-90% of HARD, and the other unit unlimited.
vol_limits_ok() {
	local ns=$1 hard=$2 unit=${3:-bytes} other out bad
	other=packets
	[ "$unit" = bytes ] || other=bytes
	out=$(ip -n "$ns" -s xfrm state)
	bad=$(awk -v hard="$hard" -v unit="$unit" -v other="$other" '
	    /^src / { n++ }
	    $0 ~ "limit: soft .*\\(" unit "\\)" {
		s = $3; sub(/\(.*/, "", s); h = $5; sub(/\(.*/, "", h)
		if (h != hard || s + 0 < hard * 0.85 - 1 || s + 0 > hard * 0.90)
			printf "SA %d: soft %s hard %s\n", n, s, h
		ok++
	    }
	    $0 ~ "limit: soft .*\\(" other "\\)" &&
	    $0 !~ "soft \\(INF\\)\\(" other "\\), hard \\(INF\\)" {
		printf "SA %d: %s %s\n", n, other, $0
	    }
	    END { if (ok != n || n == 0) printf "%d SAs, %d %s limits\n", n, ok, unit }' <<<"$out")
	[ -z "$bad" ] || fail "$ns: volume limits not as set ($hard $unit):"$'\n'"$bad"$'\n'"$out"
	say "ok: $ns: every SA has hard $hard($unit), soft at 85-90%:" \
	    "$(grep -o "limit: soft [0-9]*($unit)" <<<"$out" | tr '\n' ' ')"
}

case "$mode" in
bytes|packets)
	unit=$mode
	vol=$VOL_BYTES
	[ "$unit" = bytes ] || vol=$VOL_PACKETS
	step "volume lifetime: lifetime-$unit $vol, soft at 85-90%"
	vol_limits_ok gw1 "$vol" "$unit"
	assert_match "gatewayctl status shows the $unit limit" \
	    "life $unit: $vol per SA \\(rekey from [0-9]+\\)" \
	    "$(gwctl gw1 status 2>&1)"
	# strongSwan has no limit: its SAs none
	assert_match "gw2's SAs have no $unit limit" \
	    "limit: soft \\(INF\\)\\($unit\\), hard \\(INF\\)\\($unit\\)" \
	    "$(ip -n gw2 -s xfrm state)"
	old_spis=$(xfrm_spis gw1)
	n_req=$(swan_log_count gw2 "$SWAN_CHILD_REKEY_REQ_RE")
	# 140 pings of about 1 KB cross the byte limit's soft 85-90%; 240
	# the packet limit's
	count=140
	[ "$unit" = bytes ] || count=240
	step "about 1 KB pings, 20 a second, past the soft limit"
	out=$(ip netns exec c1 ping -n -q -s 1000 -i 0.05 -c $count -W 1 \
	    "$C2_ADDR" 2>&1) || true
	say "ping -s 1000 x $count: $(grep -o '[0-9]* received.*loss' <<<"$out")"
	wait_for 15 old_gone ||
	    fail "old SAs still on gw1 (or not 2 SAs) after the traffic:"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 -s xfrm state)"
	new1=$(xfrm_spis gw1)
	wait_for 10 xfrm_spis_are gw2 "$new1" ||
	    fail "gw2's SAs are not gw1's new ones:"$'\n'"gw1: $new1"$'\n'"$(ip -n gw2 xfrm state)"
	say "ok: SAs rekeyed: $(echo "$old_spis" | tr '\n' ' ')->" \
	    "$(echo "$new1" | tr '\n' ' ')"
	assert_file_match "the kernel's soft expiry of the $unit limit" \
	    'soft volume \(bytes or packets\) lifetime reached \(kernel\): rekeying' \
	    "$(node_dir gw1)/gatewayd.log"
	assert_file_match "the kernel reported a volume expiry" \
	    'soft volume lifetime reached' "$(node_dir gw1)/gatewayd.log"
	swan_log_more gw2 "$SWAN_CHILD_REKEY_REQ_RE" "$n_req" ||
	    fail "strongSwan's log: no rekey request from gatewayd"
	if grep -q 'expired without a successor' \
	    "$(node_dir gw1)/gatewayd.log"; then
		fail "a CHILD SA reached its hard limit without a successor:"$'\n'"$(grep 'expired without' "$(node_dir gw1)/gatewayd.log")"
	fi
	assert_eq "ping losses (of $count)" 0 \
	    "$(grep -o '[0-9]*% packet loss' <<<"$out" | cut -d% -f1)"
	vol_limits_ok gw1 "$vol" "$unit"
	gw_wait_state gw1 vpc1-vpc2 Connected 5
	traffic_ok esp
	gw_alive gw1
	pass "CHILD SA rekeyed by its $unit lifetime"
	;;
gw-child)
	step "CHILD SA rekey (PFS 2) by gatewayd: gatewayctl rekey"
	out=$(gwctl gw1 rekey nosuch 2>&1) &&
	    fail "gatewayctl rekey nosuch succeeded: $out"
	assert_eq "gatewayctl rekey of an unknown tunnel" \
	    "error: no tunnel named nosuch" "$out"
	gw_child_rekey
	gw_alive gw1
	pass "CHILD SA rekeying by gatewayctl rekey"
	;;
gw-ike)
	step "IKE SA rekey by gatewayd: gatewayctl rekey ike"
	old_ike=$(ike_spis)
	old_gw=$(gw_ike_spis gw1 vpc1-vpc2)
	[ -n "$old_ike" ] || fail "strongSwan: no established IKE SA"
	assert_eq "IKE SPIs in gatewayctl status and swanctl" "$old_ike" \
	    "$old_gw"
	old_spis=$(xfrm_spis gw1)
	n_req=$(swan_log_count gw2 "$SWAN_IKE_REKEY_REQ_RE")
	n_resp=$(swan_log_count gw2 "$SWAN_IKE_REKEY_RESP_RE")
	gw_rekey ike
	ike_rekeyed() {
		local now
		now=$(ike_spis)
		[ -n "$now" ] && [ "$now" != "$old_ike" ] &&
		    [ "$(wc -l <<<"$now")" -eq 1 ] &&
		    [ "$(gw_ike_spis gw1 vpc1-vpc2)" = "$now" ]
	}
	wait_for 15 ike_rekeyed ||
	    fail "IKE SA not rekeyed: was $old_ike, gatewayd shows" \
		"'$(gw_ike_spis gw1 vpc1-vpc2)':"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	new_ike=$(ike_spis)
	say "ok: IKE SA rekeyed: $old_ike -> $new_ike (gatewayctl and swanctl)"
	assert_ge "strongSwan: IKE rekey requests parsed" $((n_req + 1)) \
	    "$(swan_log_count gw2 "$SWAN_IKE_REKEY_REQ_RE")"
	swan_log_more gw2 "$SWAN_IKE_REKEY_RESP_RE" "$n_resp" ||
	    fail "strongSwan's log: no answer /$SWAN_IKE_REKEY_RESP_RE/"
	say "ok: strongSwan accepted the IKE SA rekey:" \
	    "$(grep -E -- "$SWAN_IKE_REKEY_RESP_RE" \
	    "$(node_dir gw2)/charon.log" | tail -n 1)"
	assert_file_match "strongSwan deleted the old IKE SA" \
	    'received DELETE for IKE_SA vpn\[[0-9]+\]' \
	    "$(node_dir gw2)/charon.log" 10
	gw_wait_state gw1 vpc1-vpc2 Connected 5
	assert_eq "CHILD SAs kept across the IKE SA rekey" "$old_spis" \
	    "$(xfrm_spis gw1)"
	# ESP still flows over the kept CHILD SAs; their counters go on
	# growing (the new CHILD SAs' counters are checked below).
	pk_before=$(xfrm_sa_list gw1 | awk '$1 == "in" { print $4 }')
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	pk_after=$(xfrm_sa_list gw1 | awk '$1 == "in" { print $4 }')
	assert_ge "gw1: ESP packets in after the IKE SA rekey" \
	    $((pk_before + 6)) "$pk_after"
	say "ok: gw1: ESP packets in: $pk_before -> $pk_after"

	step "CHILD SA rekey by gatewayd over the new IKE SA"
	gw_child_rekey
	assert_eq "IKE SA unchanged by the CHILD SA rekey" "$new_ike" \
	    "$(ike_spis)"
	gw_alive gw1
	pass "IKE SA rekeying by gatewayctl rekey ike"
	;;
esac

step "CHILD SA rekey (PFS 2) by strongSwan"
old_spis=$(xfrm_spis gw1)
assert_eq "SAs on gw1 before the rekey" 2 "$(wc -l <<<"$old_spis")"
out=$(swanctl_cmd gw2 --rekey --child vpn 2>&1) ||
    fail "swanctl --rekey --child vpn: $out"
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
