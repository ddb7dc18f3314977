#!/usr/bin/env bash
# t-v1-rekey.sh [swan|gw] - IKEv1 rekeying with a strongSwan peer.
#   swan: strongSwan on gw2 initiates Main Mode with short lifetimes
#         (CHILD rekey_time 12 s, IKE rekey_time 30 s; it proposes them
#         + 10% as the lifetimes, which gatewayd accepts as the shorter
#         ones).  strongSwan rekeys the IPsec SAs with new Quick Modes:
#         the old SPIs leave gw1's kernel, gatewayd logs the rekeys and
#         traffic flows over the new SAs.  Then strongSwan
#         re-authenticates (a new Main Mode): gatewayctl status shows
#         the new ISAKMP cookies, the same as swanctl --list-sas, only
#         one ISAKMP SA is left, the tunnel is still Connected and
#         traffic still flows.
#   gw:   gatewayd on gw1 initiates; `gatewayctl rekey vpc1-vpc2` starts
#         a Quick Mode for the IPsec SA: new SPIs in both kernels, the
#         old ones deleted on both sides, strongSwan's log shows the
#         Quick Mode; `gatewayctl rekey vpc1-vpc2 ike` re-authenticates:
#         new cookies in gatewayctl status and swanctl, the IPsec SAs are
#         kept (same SPIs on both sides); then a Quick Mode over the new
#         ISAKMP SA.  Traffic flows after each step.
#   kbytes: strongSwan on gw2 initiates with a byte lifetime (swanctl
#         life_bytes 4718592000, rekey_bytes 4246732800: Cisco's default
#         of 4608000 KB), which it proposes in Quick Mode as life type
#         kilobytes (RFC 2407 §4.5; strongSwan divides by 1000:
#         4718592 KB); gatewayd (no byte lifetime of its own) accepts
#         it: its kernel SAs get the proposed kilobytes x 1024 as their
#         hard byte limit, a soft one at 95-97% (it did not make the SA),
#         gatewayctl status shows it, traffic flows.
#   kbytes-lower: the same, but gatewayd has "lifetime-bytes 2097152"
#         (2048 KB), lower than strongSwan's: it answers with 2048 KB and
#         a RESPONDER-LIFETIME (seconds and kilobytes); strongSwan takes
#         the answer ("received 2048000 lifebytes": its kilobyte is 1000
#         bytes), gw1's SAs get hard 2097152 bytes.
#   volume: gatewayd on gw1 initiates with "lifetime-bytes 120000"
#         (test-short-lifetimes yes): it proposes 117 KB, its SAs get
#         hard 119808 bytes and a soft limit at 85-90%; about 1 KB pings
#         cross it and the kernel's soft expiry makes gatewayd rekey with
#         a Quick Mode (IKEv1's timers count time only): new SPIs on both
#         gateways, no expiry without a successor, traffic goes on.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
mode=${1:-swan}
case "$mode" in
swan|gw|kbytes|kbytes-lower|volume) ;;
*) fail "unknown mode '$mode' (swan, gw, kbytes, kbytes-lower or volume)" ;;
esac

# vol_limits NS: "HARD SOFT" of every ESP SA's byte limit in NS.
vol_limits() {
	ip -n "$1" -s xfrm state | awk '/limit: soft .*\(bytes\)/ {
	    s = $3; h = $5; sub(/\(bytes\),?$/, "", s); sub(/\(bytes\),?$/, "", h)
	    print h, s }'
}

# vol_limits_ok NS HARD LO HI: NS has 2 SAs, each with hard byte limit
# HARD and a soft one within LO-HI % of it.
vol_limits_ok() {
	local ns=$1 hard=$2 lo=$3 hi=$4 got bad
	got=$(vol_limits "$ns")
	bad=$(awk -v hard="$hard" -v lo="$lo" -v hi="$hi" '
	    { n++; if ($1 != hard || $2 + 0 < hard * lo / 100 - 1 ||
		$2 + 0 > hard * hi / 100) print "bad: " $0 }
	    END { if (n != 2) print n " SAs" }' <<<"$got")
	[ -z "$bad" ] || fail "$ns: byte limits are not hard $hard, soft" \
	    "$lo-$hi%:"$'\n'"$bad"$'\n'"$(ip -n "$ns" -s xfrm state)"
	say "ok: $ns: byte limits (hard soft): $(tr '\n' ';' <<<"$got")"
}

ike_cookies_swan() {
	swan_ike_spis gw2 vpn
}
ike_cookies_gw() {
	gw_ike_spis gw1 vpc1-vpc2
}
old_gone() {
	xfrm_old_gone gw1 "$old_spis"
}

# reauthed: gatewayd's cookies changed and are strongSwan's only IKE SA.
reauthed() {
	local g s
	g=$(ike_cookies_gw)
	s=$(ike_cookies_swan)
	[ -n "$g" ] && [ "$g" != "$old_ike" ] && [ "$g" = "$s" ]
}

# pings_counted: a ping each way, then both gateways have ESP SAs with
# packets in each direction.  With 12 s rekeys a check can fall between a
# rekey and the first packet over the new SAs: callers retry it.
pings_counted() {
	local g nin nout
	ip netns exec c1 ping -n -q -c 2 -i 0.2 -W 1 "$C2_ADDR" >/dev/null 2>&1 ||
	    return 1
	ip netns exec c2 ping -n -q -c 2 -i 0.2 -W 1 "$C1_ADDR" >/dev/null 2>&1 ||
	    return 1
	for g in gw1 gw2; do
		read -r nin nout < <(xfrm_sa_list "$g" | awk '
		    $4 > 0 && $2 == "esp" { n[$1]++ }
		    END { printf "%d %d\n", n["in"], n["out"] }')
		[ "${nin:-0}" -ge 1 ] && [ "${nout:-0}" -ge 1 ] || return 1
	done
}

traffic_rekeying_ok() {
	wait_for 20 pings_counted ||
	    fail "no ping through fresh ESP SAs in 20 s:"$'\n'"$(ip -n gw1 -s xfrm state)"
	say "ok: pings both ways, ESP SAs with packets in and out on gw1 and gw2"
}

gw_rekey() {
	local out
	out=$(gwctl gw1 rekey vpc1-vpc2 "$@" 2>&1) ||
	    fail "gatewayctl rekey vpc1-vpc2 $*: $out"
	assert_eq "gatewayctl rekey vpc1-vpc2 $*" ok "$out"
	say "ok: gatewayctl rekey vpc1-vpc2${*:+ $*}: $out"
}

# check_reauth ERE: after a re-authentication by either side; ERE: how
# gatewayd's log says the old ISAKMP SA went.
check_reauth() {
	local g old_i
	g=$(ike_cookies_gw)
	assert_eq "one IKE SA on strongSwan, gatewayd's" "$g" \
	    "$(ike_cookies_swan)"
	say "ok: ISAKMP SA re-authenticated: $old_ike -> $g"
	old_i=${old_ike%% *}
	# after our re-authentication the old SA is deleted 5 s later
	# (IKEV1_REAUTH_DELETE_MS), after the peer's at once (or 15 s)
	wait_for 20 grep -qE "ISAKMP SA $old_i .*ESTABLISHED -> DEAD" \
	    "$(node_dir gw1)/gatewayd.log" ||
	    fail "gatewayd: the old ISAKMP SA ($old_i) is still there"
	# (a connection-log event is logged as "event KIND: ...")
	assert_file_match "gatewayd: the old ISAKMP SA was deleted" \
	    "\\[vpc1-vpc2\\] (event [a-z-]+: )?($1)" \
	    "$(node_dir gw1)/gatewayd.log"
	assert_file_match "gatewayd: the old ISAKMP SA ($old_i) is gone" \
	    "ISAKMP SA $old_i .*ESTABLISHED -> DEAD" \
	    "$(node_dir gw1)/gatewayd.log"
	assert_eq "one IKE SA on strongSwan after the DELETE, gatewayd's" \
	    "$g" "$(ike_cookies_swan)"
	gw_wait_state gw1 vpc1-vpc2 Connected 5
	swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
}

topo_standard
case "$mode" in
swan)
	step "strongSwan (gw2) initiates: CHILD rekey_time 12 s, IKE 30 s"
	swan_v1_std gw2 child_rekey=12s ike_rekey=30s
	start_charon gw2
	gw_v1_std gw1 initiate=no
	start_gatewayd gw1
	swan_initiate gw2 vpn
	gw_wait_state gw1 vpc1-vpc2 Connected 10
	traffic_ok esp
	old_spis=$(xfrm_spis gw1)
	old_ike=$(ike_cookies_gw)
	assert_eq "IKE cookies in gatewayctl status and swanctl" \
	    "$(ike_cookies_swan)" "$old_ike"
	assert_file_match "gatewayd took strongSwan's IPsec lifetime" \
	    'IPsec SA established: .*lifetime 13 s' \
	    "$(node_dir gw1)/gatewayd.log"

	step "strongSwan rekeys the IPsec SA (Quick Mode)"
	wait_for 25 old_gone ||
	    fail "old SAs still on gw1 (or not 2 SAs):"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 xfrm state)"
	say "ok: old SAs ($(echo "$old_spis" | tr '\n' ' ')) gone, new:" \
	    "$(xfrm_spis gw1 | tr '\n' ' ')"
	assert_file_match "gatewayd: the peer rekeyed" \
	    'rekeyed by the peer' "$(node_dir gw1)/gatewayd.log"
	gw_wait_state gw1 vpc1-vpc2 Connected 2
	traffic_rekeying_ok

	step "strongSwan re-authenticates the ISAKMP SA (new Main Mode)"
	wait_for 40 reauthed ||
	    fail "no re-authentication: gatewayd $(ike_cookies_gw), strongSwan $(ike_cookies_swan | tr '\n' ';') (before: $old_ike)"
	sleep 2
	check_reauth 'peer deleted the ISAKMP SA|replaced ISAKMP SA: deleting'
	traffic_rekeying_ok
	;;
gw)
	step "gatewayd (gw1) initiates"
	swan_v1_std gw2
	start_charon gw2
	gw_v1_std gw1
	start_gatewayd gw1
	gw_wait_state gw1 vpc1-vpc2 Connected 30
	wait_for 5 swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
	traffic_ok esp

	for round in 1 2; do
		step "gatewayctl rekey vpc1-vpc2 (Quick Mode, round $round)"
		old_spis=$(xfrm_spis gw1)
		assert_eq "gw1 and gw2 have the same SAs" "$old_spis" \
		    "$(xfrm_spis gw2)"
		n_qm=$(swan_log_count gw2 'parsed QUICK_MODE request')
		gw_rekey
		wait_for 15 old_gone ||
		    fail "old SAs still on gw1 (or not 2 SAs):"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 xfrm state)"
		new=$(xfrm_spis gw1)
		wait_for 10 xfrm_spis_are gw2 "$new" ||
		    fail "gw2's SAs are not gw1's new ones:"$'\n'"gw1: $new"$'\n'"$(ip -n gw2 xfrm state)"
		say "ok: old SAs ($(echo "$old_spis" | tr '\n' ' ')) gone on" \
		    "both gateways, new: $(echo "$new" | tr '\n' ' ')"
		assert_ge "strongSwan: Quick Mode requests" $((n_qm + 1)) \
		    "$(swan_log_count gw2 'parsed QUICK_MODE request')"
		swan_child_up gw2 vpn ||
		    fail "strongSwan: CHILD SA not installed after the rekey"
		gw_wait_state gw1 vpc1-vpc2 Connected 2
		traffic_ok esp
		[ "$round" = 2 ] && break

		step "gatewayctl rekey vpc1-vpc2 ike (re-authentication)"
		old_ike=$(ike_cookies_gw)
		assert_eq "IKE cookies in gatewayctl status and swanctl" \
		    "$(ike_cookies_swan)" "$old_ike"
		sas=$(xfrm_spis gw1)
		gw_rekey ike
		wait_for 15 reauthed ||
		    fail "no re-authentication: gatewayd $(ike_cookies_gw), strongSwan $(ike_cookies_swan | tr '\n' ';') (before: $old_ike)"
		sleep 2
		check_reauth 'replaced ISAKMP SA: deleting it'
		assert_eq "gw1 keeps its IPsec SAs" "$sas" "$(xfrm_spis gw1)"
		assert_eq "gw2 keeps its IPsec SAs" "$sas" "$(xfrm_spis gw2)"
		assert_file_match "gatewayd: new ISAKMP SA took the IPsec SAs" \
		    'takes over 1 IPsec SA' "$(node_dir gw1)/gatewayd.log"
		traffic_ok esp
	done
	;;
kbytes)
	step "strongSwan (gw2) initiates with life_bytes 4718592000"
	swan_v1_std gw2 child_rekey_bytes=4246732800 \
	    child_life_bytes=4718592000
	start_charon gw2
	gw_v1_std gw1 initiate=no
	start_gatewayd gw1
	swan_initiate gw2 vpn
	gw_wait_state gw1 vpc1-vpc2 Connected 10
	traffic_ok esp
	log=$(node_dir gw1)/gatewayd.log
	kb=$(grep -oE 'the peer proposes a life of [0-9]+ s, [0-9]+ KB' \
	    "$log" | tail -n 1 | awk '{ print $(NF - 1) }')
	say "strongSwan proposed ${kb:-no} kilobytes"
	# strongSwan counts 1000 bytes to its kilobyte: life_bytes / 1000
	assert_eq "strongSwan's life type kilobytes" 4718592 "$kb"
	hard=$((kb * 1024))
	vol_limits_ok gw1 "$hard" 95 97
	assert_file_match "gatewayd: volume lifetime of the IPsec SA" \
	    "volume lifetime $hard bytes" "$log"
	assert_match "gatewayctl status shows the byte limit" \
	    "life bytes: $hard per SA" "$(gwctl gw1 status 2>&1)"
	swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
	say "strongSwan's own limits: $(vol_limits gw2 | tr '\n' ';')"
	;;
kbytes-lower)
	step "strongSwan proposes 4718592 KB, gatewayd has 2048 KB"
	swan_v1_std gw2 child_rekey_bytes=4246732800 \
	    child_life_bytes=4718592000
	start_charon gw2
	gw_v1_std gw1 initiate=no lifetime_bytes=2097152
	start_gatewayd gw1
	swan_initiate gw2 vpn
	gw_wait_state gw1 vpc1-vpc2 Connected 10
	wait_for 5 swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
	traffic_ok esp
	vol_limits_ok gw1 2097152 95 97
	# strongSwan names notify 24576 (RESPONDER-LIFETIME) by number and
	# takes the answer's 2048 KB (x 1000, its kilobyte)
	assert_file_match "strongSwan got the RESPONDER-LIFETIME" \
	    'parsed QUICK_MODE response .*N\(\(24576\)\)' \
	    "$(node_dir gw2)/charon.log"
	assert_file_match "strongSwan took gatewayd's lower kilobytes" \
	    'received 2048000 lifebytes, configured 4718592000' \
	    "$(node_dir gw2)/charon.log"
	say "strongSwan's own limits: $(vol_limits gw2 | tr '\n' ';')"
	;;
volume)
	step "gatewayd (gw1) initiates with lifetime-bytes 120000"
	swan_v1_std gw2
	start_charon gw2
	gw_v1_std gw1 lifetime_bytes=120000
	sed -i '1a test-short-lifetimes yes' "$(node_dir gw1)/gatewayd.conf"
	start_gatewayd gw1
	gw_wait_state gw1 vpc1-vpc2 Connected 30
	wait_for 5 swan_child_up gw2 vpn || fail "strongSwan: CHILD SA not installed"
	log=$(node_dir gw1)/gatewayd.log
	# 120000 bytes are proposed as 117 KB: 119808 bytes
	vol_limits_ok gw1 119808 85 90
	# no soft time expiry: it would silence the byte one
	assert_eq "gw1's SAs without a soft time expiry" 2 \
	    "$(ip -n gw1 -s xfrm state | grep -c 'expire add: soft 0(sec)')"
	say "strongSwan's limits: $(vol_limits gw2 | tr '\n' ';')"
	ping_ok c1 "$C2_ADDR"
	old_spis=$(xfrm_spis gw1)
	n_qm=$(swan_log_count gw2 'parsed QUICK_MODE request')
	step "about 1 KB pings, 20 a second, past the soft limit"
	out=$(ip netns exec c1 ping -n -q -s 1000 -i 0.05 -c 140 -W 1 \
	    "$C2_ADDR" 2>&1) || true
	say "ping -s 1000 x 140: $(grep -o '[0-9]* received.*loss' <<<"$out")"
	wait_for 15 old_gone ||
	    fail "old SAs still on gw1 (or not 2 SAs):"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 -s xfrm state)"
	new=$(xfrm_spis gw1)
	wait_for 10 xfrm_spis_are gw2 "$new" ||
	    fail "gw2's SAs are not gw1's new ones:"$'\n'"gw1: $new"$'\n'"$(ip -n gw2 xfrm state)"
	say "ok: SAs rekeyed: $(echo "$old_spis" | tr '\n' ' ')->" \
	    "$(echo "$new" | tr '\n' ' ')"
	assert_file_match "gatewayd: the kernel's soft byte expiry" \
	    'soft volume lifetime \(bytes or packets\) reached \(kernel\): rekeying' \
	    "$log"
	assert_ge "strongSwan: Quick Mode requests" $((n_qm + 1)) \
	    "$(swan_log_count gw2 'parsed QUICK_MODE request')"
	if grep -q 'IPsec SA [0-9a-f/]* expired' "$log"; then
		fail "an IPsec SA expired:"$'\n'"$(grep 'expired' "$log")"
	fi
	say "ping losses: $(grep -o '[0-9]*% packet loss' <<<"$out")"
	vol_limits_ok gw1 119808 85 90
	gw_wait_state gw1 vpc1-vpc2 Connected 5
	traffic_rekeying_ok
	;;
esac
gw_alive gw1
pass "IKEv1 rekeying ($mode)"
