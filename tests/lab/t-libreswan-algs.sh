#!/usr/bin/env bash
# t-libreswan-algs.sh CASE - gatewayd <-> Libreswan 4.10 with the issue 9
# suites Libreswan users run, both directions:
#   A. gatewayd on gw1 initiates, Libreswan (pluto) on gw2 responds;
#   B. Libreswan on gw2 initiates (whack --initiate), gatewayd responds.
# CASE:
#   v2-gcm-dh19   IKEv2, IKE AES-GCM-256 (16-octet ICV, RFC 5282) with
#                 prfsha256 and DH 19 (ecp256, RFC 5903); ESP AES-GCM-256
#                 (rfc4106) with PFS 19.  Libreswan: ike=aes_gcm256-sha2_256;
#                 dh19, esp=aes_gcm256-null;dh19.  The CHILD SA of IKE_AUTH
#                 has no KE, so each direction then rekeys it with PFS 19
#                 (A: gatewayctl rekey, B: whack --rekey-ipsec): new SPIs on
#                 both gateways, DH 19 in both sides' status, pings again.
#   v1-aes256-sha256  IKEv1 Main Mode aes256-sha2_256-modp2048, Quick Mode
#                 ESP aes256-sha2_256 with PFS modp2048 (gatewayctl status
#                 shows the Quick Mode's group).
# Checks per direction: gatewayctl status (the negotiated suite), Libreswan's
# whack --status (its "algorithm newest" lines: the same suite; after a
# rekey pluto's log line of the new CHILD SA, with its DH group) and
# --trafficstatus, gw2's kernel SAs (ip xfrm state: the expected kernel
# algorithm and key length), clients ping both ways and the ESP SAs count
# packets on both gateways.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
lsw_bin

case=${1:-v2-gcm-dh19}
case "$case" in
v2-gcm-dh19)
	ver=2
	GW_ALGS=(ike_encryption=aes256gcm16 ike_integrity=sha2-256 dh=19
	    encryption=aes256gcm16 pfs=19)
	LSW_ALGS=(version=2 ike='aes_gcm256-sha2_256;dh19'
	    esp='aes_gcm256-null;dh19')
	gw_ike_re='^IKEv2 aes256gcm16/prfsha256/ecp256'
	gw_child_re='aes256gcm16'
	gw_rekeyed_re='aes256gcm16/ecp256'
	lsw_ike_re='IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_256-DH19'
	lsw_esp_re='ESP algorithm newest: AES_GCM_16_256-NONE'
	# pluto's log of the rekeyed CHILD SA ("initiator" or "responder
	# rekeyed Child SA #N"), its algorithms with the KE group; whack
	# --status shows only the configured PFS group ("<Phase1>")
	lsw_pfs_re='rekeyed Child SA #[0-9]+ .*xfrm=AES_GCM_16_256-NONE-DH19 '
	# key and 4-byte salt, 128-bit ICV
	kern_re='aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128'
	;;
v1-aes256-sha256)
	ver=1
	GW_ALGS=(version=1 ike_encryption=aes256 ike_integrity=sha2-256 dh=14
	    encryption=aes256 integrity=sha2-256 pfs=14)
	LSW_ALGS=(version=1 ike='aes256-sha2_256;modp2048'
	    esp='aes256-sha2_256;modp2048')
	gw_ike_re='^IKEv1 aes256/sha2-256/prfsha256/modp2048'
	# the Quick Mode's KE group (PFS) in gatewayd's status (pluto's log
	# of an IKEv1 IPsec SA names no group)
	gw_child_re='aes256/sha2-256/modp2048'
	lsw_ike_re='IKEv1 algorithm newest: AES_CBC_256-HMAC_SHA2_256-MODP2048'
	lsw_esp_re='ESP algorithm newest: AES_CBC_256-HMAC_SHA2_256_128'
	kern_re='auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128'
	;;
*)	fail "unknown case '$case'" ;;
esac

# lsw_gw2: Libreswan on gw2 with the case's algorithms, its route to gw1.
lsw_gw2() {
	lsw_conf gw2
	lsw_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" \
	    lnet="$GW2_NET" rnet="$GW1_NET" pfs=yes "${LSW_ALGS[@]}"
	start_pluto gw2
	lsw_route gw2 "$GW1_NET" "$GW1_PUB"
}

# lsw_status_has WHAT ERE: Libreswan's whack --status matches ERE (its
# "vpn" lines are printed).
lsw_status_has() {
	local st
	st=$(whack_cmd gw2 --status 2>&1)
	assert_match "Libreswan on gw2: $1" "$2" "$st"
	grep -E '"vpn":.*algorithm' <<<"$st" | sed 's/^/    /'
}

check_all() {
	local ike st
	gw_wait_state gw1 vpc1-vpc2 Connected 10
	ike=$(gw_tunnel_field gw1 vpc1-vpc2 IKE)
	assert_match "gatewayctl status: IKE suite" "$gw_ike_re" "$ike"
	st=$(gwctl gw1 status 2>&1)
	assert_match "gatewayctl status: CHILD suite" \
	    "algorithms: $gw_child_re" "$st"
	say "ok: gatewayd: $ike, CHILD $(grep -m1 'algorithms:' <<<"$st")"
	lsw_show gw2
	lsw_status_has "IKE suite" "$lsw_ike_re"
	lsw_status_has "ESP suite" "$lsw_esp_re"
	assert_match "Libreswan: IPsec SA in --trafficstatus" '"vpn"' \
	    "$(whack_cmd gw2 --trafficstatus 2>&1)"
	assert_match "gw2 kernel SAs (Libreswan's)" "$kern_re" \
	    "$(ip -n gw2 xfrm state)"
	assert_match "gw1 kernel SAs (gatewayd's)" "$kern_re" \
	    "$(ip -n gw1 xfrm state)"
	say "ok: both sides report the suite; kernel: $kern_re"
	traffic_ok esp
}

# rekey_ok WHO: the CHILD SA is rekeyed (gw: gatewayctl rekey; lsw: whack
# --rekey-ipsec) with a KE of group 19: new SPIs on both gateways, both
# sides show DH 19 for the new CHILD SA, traffic flows over it.
rekey_ok() {
	local old1 old2 out
	old1=$(xfrm_spis gw1)
	old2=$(xfrm_spis gw2)
	if [ "$1" = gw ]; then
		out=$(gwctl gw1 rekey vpc1-vpc2 2>&1) ||
		    fail "gatewayctl rekey vpc1-vpc2: $out"
	else
		out=$(whack_cmd gw2 --name vpn --rekey-ipsec 2>&1) ||
		    fail "whack --rekey-ipsec: $out"
		printf '%s\n' "$out" >>"$(node_dir gw2)/whack.out"
	fi
	wait_for 15 xfrm_old_gone gw1 "$old1" ||
	    fail "gw1: the old CHILD SA is still there after the rekey:" \
		$'\n'"$(ip -n gw1 xfrm state)"
	wait_for 10 xfrm_old_gone gw2 "$old2" ||
	    fail "gw2: the old CHILD SA is still there after the rekey:" \
		$'\n'"$(ip -n gw2 xfrm state)"
	say "ok: new SPIs on gw1 ($(xfrm_spis gw1 | tr '\n' ' ')) and gw2"
	# shellcheck disable=SC2016  # expanded by eval
	wait_for 5 eval 'gwctl gw1 status | grep -qE "algorithms: $gw_rekeyed_re"' ||
	    fail "gatewayctl status: the rekeyed CHILD SA lacks" \
		"$gw_rekeyed_re:"$'\n'"$(gwctl gw1 status 2>&1)"
	assert_file_match "Libreswan's log: the rekeyed CHILD SA has DH 19" \
	    "$lsw_pfs_re" "$(node_dir gw2)/pluto.log" 5
	lsw_status_has "ESP suite after the rekey" "$lsw_esp_re"
	assert_match "gw2 kernel SAs after the rekey" "$kern_re" \
	    "$(ip -n gw2 xfrm state)"
	say "ok: CHILD SA rekeyed ($1) with PFS group 19 on both sides"
	traffic_ok esp
}

topo_standard

step "$case A: gatewayd (gw1) initiates, Libreswan (gw2) responds"
lsw_gw2
gw_std gw1 "${GW_ALGS[@]}"
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 lsw_sa_up gw2 vpn || fail "Libreswan on gw2: no IPsec SA"
check_all
[ "$ver" = 1 ] || rekey_ok gw
gw_alive gw1
node_stop gw1
node_stop gw2
mv "$(node_dir gw2)/pluto.log" "$(node_dir gw2)/pluto.log.A"

step "$case B: Libreswan (gw2) initiates, gatewayd (gw1) responds"
gw_std gw1 initiate=no "${GW_ALGS[@]}"
start_gatewayd gw1
lsw_gw2
lsw_initiate gw2 vpn
check_all
[ "$ver" = 1 ] || rekey_ok lsw
gw_alive gw1
pass "$case: gatewayd <-> Libreswan, both directions"
