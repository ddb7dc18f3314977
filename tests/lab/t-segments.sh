#!/usr/bin/env bash
# t-segments.sh [pfs14|nopfs|mismatch|one-child|single-initiator|single-narrowed] - a tunnel with two local and two peer
# segments (4 segment pairs, one CHILD SA each: the first with IKE_AUTH, the
# others with CREATE_CHILD_SA), gatewayd on gw1 initiating, strongSwan on
# gw2 with one CHILD config per pair.
#   pfs14     PFS 14 on both sides: every pair pings from its client
#             namespaces; 4 SAs per direction with traffic on both gateways.
#   nopfs     PFS disabled on both sides (no KE in CREATE_CHILD_SA): same.
#   mismatch  gatewayd PFS 14, strongSwan PFS 5 only: the CHILD SA made
#             with IKE_AUTH (no KE) comes up and carries traffic, the extra
#             ones fail (NO_PROPOSAL_CHOSEN) and gatewayd's log says so.
#   one-child strongSwan initiates one CHILD SA for both segments of each
#             side (as strongSwan users write it); gatewayd responds: one
#             CHILD SA with 2 + 2 selectors, all 4 pairs ping, and
#             gatewayctl status (text and JSON) lists every selector.
#   single-initiator  gatewayd has "child-sa single" and initiates to
#             strongSwan, which has one CHILD config for both segments of
#             each side: IKE_AUTH carries TSi and TSr of 2 selectors each,
#             no CREATE_CHILD_SA follows; Connected, all 4 pairs ping,
#             exactly one SA per direction in gw1's kernel and 12 policies
#             (3 per pair); then gatewayd's own CHILD SA rekey (ipsec
#             lifetime 30 s, test-short-lifetimes) replaces the SA pair,
#             the selectors stay, all 4 pairs ping again.
#   single-narrowed  gatewayd "child-sa single" initiates to strongSwan
#             with one child per peer segment (10.1/16 to both of gw1's
#             segments, 10.2/16 to both): strongSwan narrows the
#             IKE_AUTH CHILD SA to one of them, gatewayd sets up the
#             pairs left out one by one (CREATE_CHILD_SA); all 4 pairs
#             ping.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

mode=${1:-pfs14}
case "$mode" in
pfs14)	gw_pfs=14; sw_esp=aes128-sha1-modp2048 ;;
nopfs)	gw_pfs=disable; sw_esp=aes128-sha1 ;;
mismatch) gw_pfs=14; sw_esp=aes128-sha1-modp1536 ;;
one-child) gw_pfs=14; sw_esp=aes128-sha1-modp2048 ;;
single-initiator) gw_pfs=14; sw_esp=aes128-sha1-modp2048 ;;
single-narrowed) gw_pfs=14; sw_esp=aes128-sha1-modp2048 ;;
*)	fail "unknown mode '$mode'" ;;
esac

topo_segments

if [ "$mode" = one-child ]; then
	step "one CHILD SA for 2 + 2 segments, strongSwan initiates"
	swan_conf gw2
	swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" esp="$sw_esp" \
	    child="one|$SEG2A,$SEG2B|$SEG1A,$SEG1B"
	start_charon gw2
	gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
	gw_conf_tunnel gw1 segs lseg="$SEG1A,$SEG1B" pseg="$SEG2A,$SEG2B" \
	    pfs="$gw_pfs" initiate=no
	start_gatewayd gw1
	swan_initiate gw2 one vpn
	gw_wait_state gw1 segs Connected 10
	ping_ok c1 "$C2S_ADDR"
	ping_ok c1 "$C4_ADDR"
	ping_ok c3 "$C2S_ADDR"
	ping_ok c3 "$C4_ADDR"
	st=$(gwctl gw1 status)
	sel=$(grep -E '^ +selectors:' <<<"$st")
	assert_eq "gatewayctl status: CHILD SAs" 1 "$(wc -l <<<"$sel")"
	for seg in "$SEG1A" "$SEG1B" "$SEG2A" "$SEG2B"; do
		assert_match "gatewayctl status: selector $seg" "${seg//./\\.}" \
		    "$sel"
	done
	json=$(gwctl gw1 status --json)
	for seg in "$SEG1A" "$SEG1B"; do
		assert_match "status --json: local selector $seg" \
		    "\"local_ts\":\"[^\"]*${seg//./\\.}" "$json"
	done
	for seg in "$SEG2A" "$SEG2B"; do
		assert_match "status --json: remote selector $seg" \
		    "\"remote_ts\":\"[^\"]*${seg//./\\.}" "$json"
	done
	say "ok: gatewayctl status:$sel"
	gw_alive gw1
	pass "one CHILD SA for 2 + 2 segments, every selector in status"
fi

# all_pairs_ping: every client pair across the tunnel.
all_pairs_ping() {
	ping_ok c1 "$C2S_ADDR"
	ping_ok c1 "$C4_ADDR"
	ping_ok c3 "$C2S_ADDR"
	ping_ok c3 "$C4_ADDR"
}

# one_sa_pair: gw1 has exactly one SA per direction, strongSwan one CHILD
# SA "one" installed.
one_sa_pair() {
	local n
	assert_eq "SAs in gw1's kernel (one per direction)" 2 \
	    "$(xfrm_sa_count gw1)"
	n=$(swanctl_cmd gw2 --list-sas 2>/dev/null |
	    grep -cE '^ +one: #[0-9]+, reqid [0-9]+, INSTALLED' || true)
	assert_eq "strongSwan: CHILD SAs installed" 1 "$n"
}

if [ "$mode" = single-initiator ]; then
	step "child-sa single: gatewayd initiates one CHILD SA for 2 + 2 segments"
	swan_conf gw2
	swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" esp="$sw_esp" \
	    child="one|$SEG2A,$SEG2B|$SEG1A,$SEG1B"
	start_charon gw2
	gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
	gw_conf_tunnel gw1 segs lseg="$SEG1A,$SEG1B" pseg="$SEG2A,$SEG2B" \
	    pfs="$gw_pfs" child_sa=single lifetime=30
	sed -i '1a test-short-lifetimes yes' "$(node_dir gw1)/gatewayd.conf"
	start_gatewayd gw1
	gw_wait_state gw1 segs Connected 30
	wait_for 10 swan_child_up gw2 one ||
	    fail "strongSwan: CHILD SA one not installed"
	all_pairs_ping
	one_sa_pair
	log=$(node_dir gw1)/gatewayd.log
	assert_eq "CREATE_CHILD_SA requests before the rekey" 0 \
	    "$(grep -cE 'generating CREATE_CHILD_SA request [0-9]+ \[' \
	    "$log" || true)"
	assert_eq "policies in gw1's kernel (3 x 4 pairs)" 12 \
	    "$(ip -n gw1 xfrm policy | grep -cE '^src (172\.16|10\.[12])\.')"
	sel=$(gwctl gw1 status | grep -E '^ +selectors:')
	assert_eq "gatewayctl status: CHILD SAs" 1 "$(wc -l <<<"$sel")"
	for seg in "$SEG1A" "$SEG1B" "$SEG2A" "$SEG2B"; do
		assert_match "gatewayctl status: selector $seg" \
		    "${seg//./\\.}" "$sel"
	done
	say "ok: gatewayctl status:$sel"
	step "CHILD SA rekey by gatewayd (lifetime 30 s)"
	old_spis=$(xfrm_spis gw1)
	wait_for 40 xfrm_old_gone gw1 "$old_spis" 2 ||
	    fail "no rekey within 40 s (or not 2 SAs):"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 xfrm state)"
	say "ok: SAs $(echo "$old_spis" | tr '\n' ' ')replaced by" \
	    "$(xfrm_spis gw1 | tr '\n' ' ')"
	assert_ge "CREATE_CHILD_SA rekey requests" 1 \
	    "$(grep -cE 'generating CREATE_CHILD_SA request [0-9]+ \[.*N\(REKEY_SA\)' \
	    "$log" || true)"
	wait_for 10 swan_child_up gw2 one ||
	    fail "strongSwan: CHILD SA one not installed after the rekey"
	all_pairs_ping
	one_sa_pair
	sel2=$(gwctl gw1 status | grep -E '^ +selectors:')
	assert_eq "gatewayctl status: selectors after the rekey" "$sel" "$sel2"
	assert_eq "policies in gw1's kernel after the rekey" 12 \
	    "$(ip -n gw1 xfrm policy | grep -cE '^src (172\.16|10\.[12])\.')"
	gw_alive gw1
	pass "child-sa single initiator: one CHILD SA for 4 pairs, rekeyed"
fi

if [ "$mode" = single-narrowed ]; then
	step "child-sa single narrowed by strongSwan: the rest per pair"
	swan_conf gw2
	swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" esp="$sw_esp" \
	    child="na|$SEG2A|$SEG1A,$SEG1B" child="nb|$SEG2B|$SEG1A,$SEG1B"
	start_charon gw2
	gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
	gw_conf_tunnel gw1 segs lseg="$SEG1A,$SEG1B" pseg="$SEG2A,$SEG2B" \
	    pfs="$gw_pfs" child_sa=single
	start_gatewayd gw1
	gw_wait_state gw1 segs Connected 30
	log=$(node_dir gw1)/gatewayd.log
	more_children() {
		[ "$(gwctl gw1 status | grep -cE '^ +selectors:')" -ge 2 ]
	}
	wait_for 15 more_children ||
	    fail "gatewayd: not 2 CHILD SAs:"$'\n'"$(gwctl gw1 status 2>&1)"
	all_pairs_ping
	sel=$(gwctl gw1 status | grep -E '^ +selectors:')
	say "ok: gatewayctl status:"$'\n'"$sel"
	assert_match "the IKE_AUTH CHILD SA: both local segments, one peer" \
	    '172\.16\.0\.0/24,172\.16\.1\.0/24 === 10\.[12]\.0\.0/16$' "$sel"
	assert_ge "CREATE_CHILD_SA requests (the pairs left out)" 2 \
	    "$(grep -cE 'generating CREATE_CHILD_SA request [0-9]+ \[' \
	    "$log" || true)"
	assert_eq "policies in gw1's kernel (3 x 4 pairs)" 12 \
	    "$(ip -n gw1 xfrm policy | grep -cE '^src (172\.16|10\.[12])\.')"
	gw_alive gw1
	pass "child-sa single narrowed: the pairs left out set up per pair"
fi

step "segments ($mode): gatewayd PFS $gw_pfs, strongSwan esp $sw_esp"
swan_conf gw2
swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" esp="$sw_esp" \
    child="aa|$SEG2A|$SEG1A" child="ab|$SEG2B|$SEG1A" \
    child="ba|$SEG2A|$SEG1B" child="bb|$SEG2B|$SEG1B"
start_charon gw2
gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
gw_conf_tunnel gw1 segs lseg="$SEG1A,$SEG1B" pseg="$SEG2A,$SEG2B" \
    pfs="$gw_pfs"
start_gatewayd gw1

if [ "$mode" != mismatch ]; then
	gw_wait_state gw1 segs Connected 30
	children_up() {
		[ "$(swanctl_cmd gw2 --list-sas 2>/dev/null |
		    grep -cE '^ +(aa|ab|ba|bb): #[0-9]+, reqid [0-9]+, INSTALLED')" -ge 4 ]
	}
	wait_for 15 children_up ||
	    fail "strongSwan: not 4 CHILD SAs installed:"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	say "ok: 4 CHILD SAs installed in strongSwan"
	ping_ok c1 "$C2S_ADDR"
	ping_ok c1 "$C4_ADDR"
	ping_ok c3 "$C2S_ADDR"
	ping_ok c3 "$C4_ADDR"
	xfrm_counters_ok gw1 4 esp
	xfrm_counters_ok gw2 4 esp
	nchild=$(gwctl gw1 status | grep -cE '^ +child [0-9]+:')
	assert_ge "gatewayctl status: CHILD SAs of tunnel segs" 4 "$nchild"
	# The extra CHILD SAs: CREATE_CHILD_SA requests with a KE payload
	# when PFS is on, without one when it is off (gatewayd's debug log).
	log=$(node_dir gw1)/gatewayd.log
	nke=$(grep -cE 'generating CREATE_CHILD_SA request [0-9]+ \[ SK\{.*\bKE\b' "$log" || true)
	nall=$(grep -cE 'generating CREATE_CHILD_SA request [0-9]+ \[' "$log" || true)
	assert_ge "CREATE_CHILD_SA requests sent" 3 "$nall"
	if [ "$gw_pfs" = disable ]; then
		assert_eq "CREATE_CHILD_SA requests with KE (PFS off)" 0 "$nke"
	else
		assert_eq "CREATE_CHILD_SA requests with KE (PFS $gw_pfs)" \
		    "$nall" "$nke"
	fi
	say "ok: $nall CREATE_CHILD_SA requests, $nke with a KE payload"
	gw_alive gw1
	pass "4 segment pairs, PFS $gw_pfs"
fi

# mismatch: one pair up (the IKE_AUTH CHILD SA), the others refused.
assert_file_match "gatewayd log: the peer refused the extra CHILD SAs" \
    'peer refused the CHILD SA: NO_PROPOSAL_CHOSEN \(we proposed ESP:aes128-sha1-modp2048' \
    "$(node_dir gw1)/gatewayd.log" 30
wait_for 10 swan_ike_up gw2 vpn || fail "strongSwan: IKE SA not established"
swan_show_sas gw2
n=$(grep -cE '^ +(aa|ab|ba|bb): #[0-9]+, reqid [0-9]+, INSTALLED' <<<"$SWAN_SAS")
assert_eq "CHILD SAs installed in strongSwan (the IKE_AUTH one)" 1 "$n"
up=0
for pair in "c1 $C2S_ADDR" "c1 $C4_ADDR" "c3 $C2S_ADDR" "c3 $C4_ADDR"; do
	read -r from dst <<<"$pair"
	if ip netns exec "$from" ping -n -q -c 1 -W 1 "$dst" >/dev/null 2>&1; then
		say "pair $from -> $dst: up"
		up=$((up + 1))
	else
		say "pair $from -> $dst: down"
	fi
done
assert_eq "segment pairs that carry traffic" 1 "$up"
xfrm_counters_ok gw1 1 esp
gw_alive gw1
pass "mismatched PFS: extra CHILD SAs refused, the first one works"
