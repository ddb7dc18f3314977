#!/usr/bin/env bash
# t-export.sh CASE - "gatewayctl export" proves itself: gatewayd on gw1 has
# tunnel segs with 2 x 2 segments and PFS 14 (topo_segments; the list
# case: the groups of its lists); its export
# is written, unedited, into the peer daemon's configuration on gw2 (only
# the file placement: swanctl.conf as is; Libreswan's text split at its
# "# ---- ipsec.secrets ----" line into ipsec.conf and ipsec.secrets), the
# tunnel comes up, and all 4 segment pairs ping through ESP.
#   v2-swanctl    IKEv2 aes256/sha2-256/DH 14; gw1 does not initiate
#                 (initiate no): the export says start_action = start,
#                 so strongSwan starts all 4 CHILD SAs from the file.
#   v1-swanctl    the same over IKEv1 Main Mode, aes128/sha1/DH 14.
#   v2-libreswan  IKEv2 aes256/sha2-256/DH 14 to Libreswan (leftsubnets=);
#                 gw1 initiates, the export says auto=add.
#   v1-libreswan  the same over IKEv1 Main Mode, aes128/sha1/DH 14.
#   v2-gcm-swanctl, v2-gcm-libreswan  v2-swanctl and v2-libreswan with
#                 AES-GCM-256 for IKE (prfsha384, RFC 5282) and ESP
#                 (RFC 4106): aes256gcm16-prfsha384-modp2048 /
#                 aes_gcm256-sha2_384 and aes_gcm256-null in the export.
#   v1-volume-swanctl, v1-volume-libreswan  v1-swanctl and v1-libreswan
#                 with "lifetime-bytes 4718592000" (Cisco's 4608000 KB):
#                 the export's life_bytes/rekey_bytes and Libreswan's
#                 ipsec-max-bytes are read unedited, the peer proposes
#                 or accepts kilobytes, and gw1's kernel SAs all have a
#                 hard byte limit of at most 4718592000 bytes.
#   v2-esn-swanctl, v2-esn-libreswan  v2-swanctl and v2-libreswan with a
#                 binary PSK (psk 0x..., with a NUL, a quote and bytes
#                 above 0x7f: the export writes it as 0x hex for both) and
#                 esn yes (strongSwan's "-esn", Libreswan's esn=yes); gw1's
#                 kernel SAs carry the esn flag.
#   v2-list-libreswan  v2-libreswan with proposal lists (issue 9): gw1's
#                 ike "proposals aes256gcm16-prfsha384-ecp384,
#                 aes256-sha256-modp2048, aes128-sha256-ecp256" and ipsec
#                 "proposals aes256gcm16-ecp256, aes256-sha512-ecp256,
#                 aes128-sha256-ecp256" are exported as Libreswan lists
#                 (ike=a;dh,b;dh,c;dh and phase2alg=...), which pluto loads
#                 whole (its whack --status lists all three of each); the
#                 first suites come up.  Then gw1's lists become ones of
#                 which only the third suite is in the export (gatewayctl
#                 reload, the exported file unchanged): the tunnel comes
#                 up again with aes128-sha256-ecp256 / aes128-sha256 on
#                 both sides (gatewayctl status, whack --status, gw1's
#                 kernel SAs) and the 4 pairs ping.
#   v2-single-swanctl  v2-swanctl with "child-sa single" on gw1, which
#                 initiates (initiate yes): the export has one child
#                 "segs" with both segments in local_ts and remote_ts;
#                 one CHILD SA on both sides, one SA per direction in
#                 gw1's kernel, and the 4 pairs ping through it.
# Each case also checks that gatewayd logged the export but never its PSK.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

case=${1:-v2-swanctl}
EXPORT_PSK='Exp0rt!Key-2x2'
case "$case" in
v2-swanctl)	fmt=swanctl; ver=2; init=no ;;
v1-swanctl)	fmt=swanctl; ver=1; init=no ;;
v2-libreswan)	fmt=libreswan; ver=2; init=yes; lsw_bin ;;
v1-libreswan)	fmt=libreswan; ver=1; init=yes; lsw_bin ;;
v2-gcm-swanctl)	fmt=swanctl; ver=2; init=no ;;
v2-gcm-libreswan) fmt=libreswan; ver=2; init=yes; lsw_bin ;;
v1-volume-swanctl) fmt=swanctl; ver=1; init=no ;;
v1-volume-libreswan) fmt=libreswan; ver=1; init=yes; lsw_bin ;;
v2-esn-swanctl)	fmt=swanctl; ver=2; init=no ;;
v2-esn-libreswan) fmt=libreswan; ver=2; init=yes; lsw_bin ;;
v2-list-libreswan) fmt=libreswan; ver=2; init=yes; lsw_bin ;;
v2-single-swanctl) fmt=swanctl; ver=2; init=yes ;;
*)		fail "unknown case '$case'" ;;
esac
VOL_BYTES=4718592000
esn=()
if [ "${case#v2-esn-}" != "$case" ]; then
	EXPORT_PSK='0x45787030007274224b6579ff80c3a9'
	esn=(esn=yes)
fi
dhpfs=(dh=14 pfs=14)
# child-sa single: one CHILD SA, every pair through it
layout=()
npairs_sa=4
if [ "${case#v2-single-}" != "$case" ]; then
	layout=(child_sa=single)
	npairs_sa=1
fi
if [ "${case#v2-list-}" != "$case" ]; then
	# the lists carry the groups (PFS ecp256 in each ipsec suite)
	dhpfs=()
	algs=("ike_proposals=aes256gcm16-prfsha384-ecp384, aes256-sha256-modp2048, aes128-sha256-ecp256"
	    "esp_proposals=aes256gcm16-ecp256, aes256-sha512-ecp256, aes128-sha256-ecp256")
elif [ "${case#v2-gcm-}" != "$case" ]; then
	algs=(ike_encryption=aes256gcm16 ike_integrity=sha2-384
	    encryption=aes256gcm16)
elif [ "$ver" = 2 ]; then
	algs=(ike_encryption=aes256 ike_integrity=sha2-256 encryption=aes256)
else
	algs=(ike_encryption=aes128 ike_integrity=sha1 encryption=aes128)
fi
[ "${case#v1-volume-}" = "$case" ] ||
    algs+=(lifetime_bytes=$VOL_BYTES)

topo_segments

if [ ${#dhpfs[@]} -gt 0 ]; then algs_say="DH 14, PFS 14"; else algs_say="proposal lists"; fi
step "$case: gatewayd on gw1 (IKEv$ver, 2 x 2 segments, $algs_say, initiate $init)"
gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
gw_conf_tunnel gw1 segs lseg="$SEG1A,$SEG1B" pseg="$SEG2A,$SEG2B" \
    psk="$EXPORT_PSK" version="$ver" "${dhpfs[@]}" initiate="$init" \
    "${algs[@]}" "${esn[@]}" "${layout[@]}"
start_gatewayd gw1

step "gatewayctl export segs --format $fmt"
d2=$(node_dir gw2)
mkdir -p "$d2"
out=$(gwctl gw1 export segs --format "$fmt" 2>&1) ||
    fail "gatewayctl export segs --format $fmt:"$'\n'"$out"
printf '%s\n' "$out" >"$d2/export.$fmt"
say "export ($(wc -l <"$d2/export.$fmt") lines) in $d2/export.$fmt"
assert_file_match "gatewayd log: the export" \
    "control: export segs \\($fmt\\): ok" "$(node_dir gw1)/gatewayd.log" 5
if grep -qiF -- "${EXPORT_PSK#0x}" "$(node_dir gw1)/gatewayd.log"; then
	fail "gatewayd's log holds the PSK"
fi
say "ok: the PSK is in the export, not in gatewayd's log"

if [ "$fmt" = swanctl ]; then
	step "strongSwan on gw2 loads the export as its swanctl.conf"
	swan_conf gw2
	start_charon gw2
	load=$(swanctl_cmd gw2 --load-all --noprompt --file "$d2/export.$fmt" 2>&1) ||
	    fail "swanctl --load-all of the export:"$'\n'"$load"
	printf '%s\n' "$load" >>"$d2/swanctl.out"
	say "ok: swanctl loaded the export"
	gw_wait_state gw1 segs Connected 30
	children_up() {
		[ "$(swanctl_cmd gw2 --list-sas 2>/dev/null |
		    grep -cE '^ +segs(-[1-4])?: #[0-9]+, reqid [0-9]+, INSTALLED')" -ge "$npairs_sa" ]
	}
	wait_for 20 children_up ||
	    fail "strongSwan: not $npairs_sa CHILD SAs installed:"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	swan_show_sas gw2
	assert_match "strongSwan: IKEv$ver IKE SA" "IKEv$ver" "$SWAN_SAS"
else
	step "Libreswan on gw2 reads the export as its ipsec.conf and ipsec.secrets"
	lsw_conf gw2
	# The lab's pluto runs no updown script (lib.sh); a "conn %default"
	# of the host's own file says so, the export stays as it is.
	printf 'conn %%default\n\tleftupdown=/bin/true\n' \
	    >>"$d2/lsw.d/00-setup"
	sed '/^# ---- ipsec.secrets ----$/,$d' "$d2/export.$fmt" \
	    >"$d2/lsw.d/conn-segs"
	sed -n '/^# ---- ipsec.secrets ----$/,$p' "$d2/export.$fmt" \
	    >"$d2/lsw.d/secret-segs"
	grep -qE ': PSK ("|0x[0-9a-f]+$)' "$d2/lsw.d/secret-segs" ||
	    fail "no PSK line after the ipsec.secrets mark of the export"
	start_pluto gw2
	# pluto runs no updown here (lib.sh): the routes to gw1's segments
	lsw_route gw2 "$SEG1A" "$GW1_PUB"
	lsw_route gw2 "$SEG1B" "$GW1_PUB"
	gw_wait_state gw1 segs Connected 30
	lsw_pairs() {
		[ "$(whack_cmd gw2 --trafficstatus 2>/dev/null |
		    grep -c '"segs/')" -ge 4 ]
	}
	wait_for 20 lsw_pairs ||
	    fail "Libreswan: not 4 IPsec SAs:"$'\n'"$(whack_cmd gw2 --trafficstatus 2>&1)"
	lsw_show gw2
fi

nchild=$(gwctl gw1 status | grep -cE '^ +child [0-9]+:')
assert_ge "gatewayctl status: CHILD SAs of tunnel segs" "$npairs_sa" "$nchild"
ping_ok c1 "$C2S_ADDR"
ping_ok c1 "$C4_ADDR"
ping_ok c3 "$C2S_ADDR"
ping_ok c3 "$C4_ADDR"
xfrm_counters_ok gw1 "$npairs_sa" esp
xfrm_counters_ok gw2 "$npairs_sa" esp
if [ "${case#v2-single-}" != "$case" ]; then
	assert_match "the export: one child with both segments" \
	    'local_ts = 10\.1\.0\.0/16, 10\.2\.0\.0/16' \
	    "$(cat "$d2/export.$fmt")"
	assert_eq "gatewayctl status: CHILD SAs (child-sa single)" 1 "$nchild"
	assert_eq "SAs in gw1's kernel (one per direction)" 2 \
	    "$(xfrm_sa_count gw1)"
	assert_eq "strongSwan: CHILD SAs installed" 1 \
	    "$(swanctl_cmd gw2 --list-sas 2>/dev/null |
	    grep -cE '^ +segs: #[0-9]+, reqid [0-9]+, INSTALLED' || true)"
	say "ok: one CHILD SA for the 4 pairs through the swanctl export"
fi
if [ "${case#v2-gcm-}" != "$case" ]; then
	assert_match "gw1 kernel SAs: AES-GCM-256" \
	    'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128' \
	    "$(ip -n gw1 xfrm state)"
	assert_match "gatewayctl status: IKE algorithms" \
	    'aes256gcm16/prfsha384/modp2048' "$(gwctl gw1 status)"
	say "ok: IKE aes256gcm16/prfsha384 and ESP rfc4106(gcm(aes))"
fi
if [ "${case#v1-volume-}" != "$case" ]; then
	assert_match "the export has the byte lifetime" \
	    'life_bytes = 4718592000|ipsec-max-bytes=4718592000' \
	    "$(cat "$d2/export.$fmt")"
	# every SA of gw1: a hard byte limit, the lower of both sides'
	lims=$(ip -n gw1 -s xfrm state | awk '/limit: soft .*\(bytes\)/ {
	    h = $5; sub(/\(.*/, "", h); print h }')
	say "gw1's hard byte limits: $(tr '\n' ' ' <<<"$lims")"
	say "gw2's: $(ip -n gw2 -s xfrm state | grep -o 'limit: soft [^ ]*(bytes), hard [^ ]*(bytes)' | tr '\n' ';')"
	bad=$(awk -v max="$VOL_BYTES" '$1 == "(INF)" || $1 + 0 > max ||
	    $1 + 0 < max * 0.9 { print }' <<<"$lims")
	[ -n "$lims" ] && [ -z "$bad" ] ||
	    fail "gw1's SAs lack the byte limit:"$'\n'"$(ip -n gw1 -s xfrm state)"
	assert_match "gatewayctl status shows the byte limit" \
	    'life bytes: [0-9]+ per SA' "$(gwctl gw1 status)"
fi
if [ "${case#v2-esn-}" != "$case" ]; then
	assert_match "the export: the binary PSK in hex" \
	    "${EXPORT_PSK}" "$(cat "$d2/export.$fmt")"
	xfrm=$(ip -n gw1 xfrm state)
	nsa=$(grep -c '^src ' <<<"$xfrm")
	assert_ge "gw1 kernel SAs" 8 "$nsa"
	assert_eq "gw1 kernel SAs with ESN (all)" "$nsa" \
	    "$(grep -cE 'replay-window 0 flag ([a-z0-9-]+ )*esn' <<<"$xfrm")"
	assert_match "gatewayctl status: ESN" '/esn' "$(gwctl gw1 status)"
	say "ok: binary PSK (0x) and ESN through the $fmt export"
fi
if [ "${case#v2-list-}" != "$case" ]; then
	assert_match "the export: Libreswan's IKE list" \
	    '	ike=aes_gcm256-sha2_384;dh20,aes256-sha2_256;modp2048,aes128-sha2_256;dh19$' \
	    "$(cat "$d2/export.$fmt")"
	assert_match "the export: Libreswan's ESP list" \
	    '	phase2alg=aes_gcm256-null;dh19,aes256-sha2_512;dh19,aes128-sha2_256;dh19$' \
	    "$(cat "$d2/export.$fmt")"
	lst=$(whack_cmd gw2 --status 2>&1)
	printf '%s\n' "$lst" >"$d2/whack-status.1"
	assert_match "Libreswan loaded the three IKE suites" \
	    'IKE algorithms: AES_GCM_16_256-HMAC_SHA2_384-DH20, AES_CBC_256-HMAC_SHA2_256-MODP2048, AES_CBC_128-HMAC_SHA2_256-DH19' \
	    "$lst"
	assert_match "Libreswan loaded the three ESP suites" \
	    'ESP algorithms: AES_GCM_16_256-NONE-DH19, AES_CBC_256-HMAC_SHA2_512_256-DH19, AES_CBC_128-HMAC_SHA2_256_128-DH19' \
	    "$lst"
	assert_match "gatewayctl status: the first IKE suite" \
	    'IKEv2 aes256gcm16/prfsha384/ecp384' "$(gwctl gw1 status)"
	say "ok: pluto read both lists whole; the first suites are up"

	step "gw1's lists now share only their third suite with the export"
	sed -i -e 's/proposals aes256gcm16-prfsha384-ecp384, .*/proposals aes256-sha512-modp3072, aes192-sha384-ecp521, aes128-sha256-ecp256/' \
	    -e 's/proposals aes256gcm16-ecp256, .*/proposals aes192-sha384-ecp256, aes256-sha1-ecp256, aes128-sha256-ecp256/' \
	    "$(node_dir gw1)/gatewayd.conf"
	grep -n proposals "$(node_dir gw1)/gatewayd.conf" | sed 's/^/    /'
	out=$(gwctl gw1 reload 2>&1) || fail "gatewayctl reload: $out"
	assert_match "gatewayctl reload: the tunnel changed" '1 changed' "$out"
	ike_third() {
		gwctl gw1 status 2>/dev/null |
		    grep -q 'IKEv2 aes128/sha2-256/prfsha256/ecp256' &&
		    gw_state_is gw1 segs Connected &&
		    ! ip -n gw1 xfrm state | grep -q rfc4106
	}
	wait_for 40 ike_third ||
	    fail "not Connected with the third suite after the reload:" \
		$'\n'"$(gwctl gw1 status 2>&1)"$'\n'"$(ip -n gw1 xfrm state)"
	wait_for 20 lsw_pairs ||
	    fail "Libreswan: not 4 IPsec SAs:"$'\n'"$(whack_cmd gw2 --trafficstatus 2>&1)"
	st=$(gwctl gw1 status)
	assert_ge "gatewayctl status: CHILD SAs with aes128/sha2-256" 4 \
	    "$(grep -c 'algorithms: aes128/sha2-256' <<<"$st")"
	lst=$(whack_cmd gw2 --status 2>&1)
	printf '%s\n' "$lst" >"$d2/whack-status.2"
	assert_match "Libreswan: the IKE SA uses its third suite" \
	    'IKEv2 algorithm newest: AES_CBC_128-HMAC_SHA2_256-DH19' "$lst"
	assert_match "Libreswan: the IPsec SAs use its third suite" \
	    'ESP algorithm newest: AES_CBC_128-HMAC_SHA2_256_128' "$lst"
	assert_match "gw1 kernel SAs: AES-CBC-128 with HMAC-SHA2-256" \
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128' \
	    "$(ip -n gw1 xfrm state)"
	ping_ok c1 "$C2S_ADDR"
	ping_ok c1 "$C4_ADDR"
	ping_ok c3 "$C2S_ADDR"
	ping_ok c3 "$C4_ADDR"
	xfrm_counters_ok gw1 4 esp
	say "ok: only the export's third suites in common: they were chosen"
fi
gw_alive gw1
pass "$case: the exported $fmt configuration brings up 4 segment pairs"
