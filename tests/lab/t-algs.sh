#!/usr/bin/env bash
# t-algs.sh CASE - gatewayd <-> strongSwan with non-default algorithms, both
# directions (gatewayd initiates, then strongSwan initiates).  CASE:
#   aes256-sha256-dh14  IKE aes256/sha2-256/DH 14, ESP aes256/sha1, PFS 14
#   3des-md5-dh1        IKE 3des/md5/DH 1, ESP 3des/md5, PFS 1
#   dh5                 IKE aes128/sha1/DH 5, ESP aes128/sha1, PFS 5
#   dh24                IKE aes128/sha1/DH 24, ESP aes128/sha1, PFS 24
#   replay-1024         IKE and ESP defaults with replay-window 1024 and
#                       no ESN: gw1's kernel SAs have the legacy window 0,
#                       a replay_esn bitmap of 32 words (1024 packets) and
#                       no esn flag
#   ah-sha1             IKE defaults, AH sha1, PFS 2
#   ah-sha256-esn       IKE defaults, AH sha2-256 with ESN (esn either
#                       against strongSwan's ah ...-esn), PFS 2; the AH
#                       SAs are 32-bit aligned (align4, RFC 4302: the
#                       128-bit ICV needs no padding over IPv4)
#   ecp256-sha384       IKE aes256/sha2-384/DH 19 (RFC 5903, RFC 4868),
#                       ESP aes256/sha1, PFS 19
#   curve25519-sha512   IKE aes128/sha2-512/DH 31 (RFC 8031), ESP
#                       aes128/sha1, PFS 31
#   ecp384-modp3072     IKE aes192/sha2-256/DH 20, ESP aes192/sha1,
#                       PFS 15
#   ecp521-modp4096     IKE aes256/sha2-512/DH 21, ESP aes256/sha1, PFS 16
#   aes256gcm16-ecp384  IKE aes256gcm16/prfsha384/DH 20 (RFC 5282), ESP
#                       aes256gcm16 (rfc4106), PFS 20
#   chacha20poly1305-x25519  IKE chacha20poly1305/prfsha256/DH 31
#                       (RFC 7634), ESP chacha20poly1305 (rfc7539esp),
#                       PFS 31
#   aes128-sha256-modp3072  IKE aes128/sha2-256/DH 15, ESP aes128/sha2-256
#                       (hmac(sha256), 128-bit ICV, RFC 4868), PFS 15
#   aes128-sha256-esn   aes128-sha256-modp3072 with ESN (esn yes against
#                       strongSwan's esp ...-esn; RFC 4303, RFC 7296
#                       transform type 5) and replay-window 128: gw1's
#                       kernel SAs carry the esn flag and a replay_esn
#                       window of 128 packets (4 bitmap words), strongSwan
#                       shows /ESN, gatewayctl status /esn
#   proposal-list       proposal lists (issue 9): gatewayd lists three IKE
#                       and three ESP suites, strongSwan three others, and
#                       only gatewayd's third (aes128-sha256-ecp256) is
#                       in both; each side's first KE guess (ecp384 /
#                       modp1024) is refused with INVALID_KE_PAYLOAD and
#                       retried with ecp256; gatewayctl status and swanctl
#                       show the third suite, also after CHILD SA and IKE
#                       SA rekeys from either side
#   proposal-list-pfs   ESP suites with their own PFS group and ESN (as
#                       strongSwan's esp_proposals): gatewayd lists
#                       aes256gcm16-ecp384 (noesn) and
#                       aes128-sha256-modp3072-esn, strongSwan only the
#                       second; the CHILD SA is the second suite with ESN
#                       (XFRM esn flag), and each side rekeys it with PFS
#                       (modp3072, the group of the suite in force) in both
#                       directions: new SPIs, MODP_3072/ESN in swanctl,
#                       modp3072/esn in gatewayctl status, pings
# strongSwan is given exactly these proposals (weak groups and algorithms
# only when named: modp768, md5, 3des), so a tunnel comes up only if
# gatewayd proposes / selects them.  Checks: Connected, ping both ways, SAs
# of the right protocol count packets, the kernel SAs use the expected
# algorithms and key sizes, strongSwan reports the expected IKE and CHILD
# algorithms.  The first CHILD SA comes with IKE_AUTH (no DH), so strongSwan
# then rekeys it (CREATE_CHILD_SA with KE): the new CHILD SA must use the
# PFS group, and traffic must flow over it.
# The last three cases also rekey the CHILD SA from gatewayd's side
# (gatewayctl rekey) when strongSwan initiated, so that gatewayd is the
# initiator and the responder of a CREATE_CHILD_SA with PFS, rekey the
# IKE SA (strongSwan in A, gatewayd in B) with the same suite, and capture
# gw1's public link: tshark must dissect every IKE message, and with
# gatewayd's key files (keylog-dir) decrypt IKE_AUTH and the ESP traffic
# of the GCM suite (Wireshark 4.0 has no ChaCha20-Poly1305 decryption).
# proposal-list-pfs (four CHILD SA rekeys, each checked) took 228 s of the
# default 240 on a loaded machine.
# lab-timeout: 360
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

case_name=${1:-aes256-sha256-dh14}
proto=esp
kern_no_re='' gw_algs='' gw_child_re='' modern=0 decrypt=0
ke_re_a='' ke_re_b='' pfs_list=0
case "$case_name" in
aes256-sha256-dh14)
	gw=(ike_encryption=aes256 ike_integrity=sha2-256 dh=14
	    encryption=aes256 integrity=sha1 pfs=14)
	sw=(proposals=aes256-sha256-modp2048 esp=aes256-sha1-modp2048)
	ike_re='AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048'
	child_re='ESP:AES_CBC-256/HMAC_SHA1_96'
	pfs_group=MODP_2048
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{64}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
3des-md5-dh1)
	gw=(ike_encryption=3des ike_integrity=md5 dh=1
	    encryption=3des integrity=md5 pfs=1)
	sw=(proposals=3des-md5-modp768 esp=3des-md5-modp768)
	ike_re='3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_768'
	child_re='ESP:3DES_CBC/HMAC_MD5_96'
	pfs_group=MODP_768
	kern_re=('enc cbc\(des3_ede\) 0x[0-9a-f]{48}( |$)' 'auth-trunc hmac\(md5\)')
	;;
dh5)
	gw=(dh=5 pfs=5)
	sw=(proposals=aes128-sha1-modp1536 esp=aes128-sha1-modp1536)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96'
	pfs_group=MODP_1536
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
dh24)
	gw=(dh=24 pfs=24)
	sw=(proposals=aes128-sha1-modp2048s256 esp=aes128-sha1-modp2048s256)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048_256'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96'
	pfs_group=MODP_2048_256
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
ecp256-sha384)
	gw=(ike_encryption=aes256 ike_integrity=sha2-384 dh=19
	    encryption=aes256 integrity=sha1 pfs=19)
	sw=(proposals=aes256-sha384-ecp256 esp=aes256-sha1-ecp256)
	ike_re='AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_256'
	child_re='ESP:AES_CBC-256/HMAC_SHA1_96'
	pfs_group=ECP_256
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{64}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
curve25519-sha512)
	gw=(ike_integrity=sha2-512 dh=31 pfs=31)
	sw=(proposals=aes128-sha512-curve25519 esp=aes128-sha1-curve25519)
	ike_re='AES_CBC-128/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/CURVE_25519'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96'
	pfs_group=CURVE_25519
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
ecp384-modp3072)
	gw=(ike_encryption=aes192 ike_integrity=sha2-256 dh=20
	    encryption=aes192 integrity=sha1 pfs=15)
	sw=(proposals=aes192-sha256-ecp384 esp=aes192-sha1-modp3072)
	ike_re='AES_CBC-192/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_384'
	child_re='ESP:AES_CBC-192/HMAC_SHA1_96'
	pfs_group=MODP_3072
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{48}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
ecp521-modp4096)
	gw=(ike_encryption=aes256 ike_integrity=sha2-512 dh=21
	    encryption=aes256 integrity=sha1 pfs=16)
	sw=(proposals=aes256-sha512-ecp521 esp=aes256-sha1-modp4096)
	ike_re='AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/ECP_521'
	child_re='ESP:AES_CBC-256/HMAC_SHA1_96'
	pfs_group=MODP_4096
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{64}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
aes256gcm16-ecp384)
	gw=(ike_encryption=aes256gcm16 ike_integrity=sha2-384 dh=20
	    encryption=aes256gcm16 pfs=20)
	sw=(proposals=aes256gcm16-prfsha384-ecp384 esp=aes256gcm16-ecp384)
	ike_re='AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384'
	child_re='ESP:AES_GCM_16-256'
	pfs_group=ECP_384
	# key | 4-byte salt (288 bits), 128-bit ICV, no integrity
	kern_re=('aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128')
	kern_no_re='auth-trunc|enc cbc'
	gw_algs='aes256gcm16/prfsha384/ecp384'
	modern=1 decrypt=1
	;;
chacha20poly1305-x25519)
	gw=(ike_encryption=chacha20poly1305 ike_integrity=sha2-256 dh=31
	    encryption=chacha20poly1305 pfs=31)
	sw=(proposals=chacha20poly1305-prfsha256-x25519
	    esp=chacha20poly1305-x25519)
	ike_re='CHACHA20_POLY1305(-256)?/PRF_HMAC_SHA2_256/CURVE_25519'
	child_re='ESP:CHACHA20_POLY1305'
	pfs_group=CURVE_25519
	kern_re=('aead rfc7539esp\(chacha20,poly1305\) 0x[0-9a-f]{72} 128')
	kern_no_re='auth-trunc|enc cbc'
	gw_algs='chacha20poly1305/prfsha256/curve25519'
	modern=1
	;;
aes128-sha256-modp3072)
	gw=(ike_integrity=sha2-256 dh=15 integrity=sha2-256 pfs=15)
	sw=(proposals=aes128-sha256-modp3072 esp=aes128-sha256-modp3072)
	ike_re='AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_3072'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128'
	pfs_group=MODP_3072
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128')
	gw_algs='aes128/sha2-256/prfsha256/modp3072'
	modern=1
	;;
aes128-sha256-esn)
	gw=(ike_integrity=sha2-256 dh=15 integrity=sha2-256 pfs=15 esn=yes
	    replay_window=128)
	sw=(proposals=aes128-sha256-modp3072 esp=aes128-sha256-modp3072-esn)
	ike_re='AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_3072'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128(/MODP_3072)?/ESN'
	pfs_group=MODP_3072
	# XFRM_STATE_ESN and XFRMA_REPLAY_ESN_VAL (legacy replay-window 0)
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128'
	    'replay-window 0 flag ([a-z0-9-]+ )*esn'
	    'replay_window 128, bitmap-length 4')
	gw_algs='aes128/sha2-256/prfsha256/modp3072'
	gw_child_re='aes128/sha2-256(/modp3072)?/esn'
	modern=1
	;;
replay-1024)
	gw=(replay_window=1024)
	sw=()
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96(/MODP_1024)?$'
	pfs_group=MODP_1024
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)' 'auth-trunc hmac\(sha1\)'
	    'replay-window 0 ' 'replay_window 1024, bitmap-length 32')
	kern_no_re='flag ([a-z0-9-]+ )*esn'
	;;
ah-sha1)
	proto=ah
	gw=(protocol=ah integrity=sha1)
	sw=(ah=sha1-modp1024)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024'
	child_re='AH:HMAC_SHA1_96'
	pfs_group=MODP_1024
	kern_re=('proto ah ' 'auth-trunc hmac\(sha1\)')
	;;
ah-sha256-esn)
	proto=ah
	gw=(protocol=ah integrity=sha2-256 esn=either)
	sw=(ah=sha256-modp1024-esn)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024'
	child_re='AH:HMAC_SHA2_256_128(/MODP_1024)?/ESN'
	pfs_group=MODP_1024
	kern_re=('proto ah ' 'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128'
	    'replay-window 0 flag ([a-z0-9-]+ )*align4 ([a-z0-9-]+ )*esn'
	    'replay_window 32, bitmap-length 1')
	gw_child_re='sha2-256(/modp1024)?/esn'
	;;
proposal-list)
	gw=(ike_proposals="aes256gcm16-prfsha384-ecp384, aes256-sha256-modp2048, aes128-sha256-ecp256"
	    esp_proposals="aes256gcm16-ecp256, aes256-sha512-ecp256, aes128-sha256-ecp256")
	sw=(proposals=3des-md5-modp1024,aes192-sha384-modp3072,aes128-sha256-ecp256
	    esp=3des-md5-ecp256,aes192-sha384-ecp256,aes128-sha256-ecp256)
	ike_re='AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128'
	pfs_group=ECP_256
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128')
	gw_algs='aes128/sha2-256/prfsha256/ecp256'
	gw_child_re='aes128/sha2-256'
	# A: strongSwan wants ecp256, not our first ecp384; B: we want
	# ecp256, not strongSwan's first modp1024
	ke_re_a='peer wants a KE of group ecp256: retrying'
	ke_re_b='peer sent KE of group modp1024, we want ecp256: INVALID_KE'
	modern=1
	;;
proposal-list-pfs)
	gw=(ike_proposals="aes128-sha256-modp3072"
	    esp_proposals="aes256gcm16-ecp384, aes128-sha256-modp3072-esn")
	sw=(proposals=aes128-sha256-modp3072 esp=aes128-sha256-modp3072-esn)
	ike_re='AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_3072'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128(/MODP_3072)?/ESN'
	pfs_group=MODP_3072
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128'
	    'replay-window 0 flag ([a-z0-9-]+ )*esn')
	# never the first suite (GCM)
	kern_no_re='rfc4106'
	gw_algs='aes128/sha2-256/prfsha256/modp3072'
	gw_child_re='aes128/sha2-256(/modp3072)?/esn'
	gw_child_rekeyed='aes128/sha2-256/modp3072/esn'
	modern=1 pfs_list=1
	;;
*)
	fail "unknown case '$case_name'"
	;;
esac

# check_algs: the SAs use the case's algorithms.
check_algs() {
	local re xfrm
	xfrm=$(ip -n gw1 xfrm state)
	for re in "${kern_re[@]}"; do
		assert_match "gw1 kernel SAs" "$re" "$xfrm"
		say "ok: gw1 kernel SA: $(grep -m1 -oE "$re.*" <<<"$xfrm" |
		    sed -E 's/0x[0-9a-f]+/0x<key>/')"
	done
	assert_no_match "gw1 kernel SAs: protocol" \
	    "proto $([ "$proto" = esp ] && echo ah || echo esp) " "$xfrm"
	[ -z "$kern_no_re" ] ||
	    assert_no_match "gw1 kernel SAs: what the case excludes" \
		"$kern_no_re" "$xfrm"
	[ -z "$gw_algs" ] ||
	    assert_match "gatewayctl status: IKE algorithms" "$gw_algs" \
		"$(gwctl gw1 status 2>&1)"
	[ -z "$gw_child_re" ] ||
	    assert_match "gatewayctl status: CHILD SA algorithms" \
		"$gw_child_re" "$(gwctl gw1 status 2>&1)"
	swan_show_sas gw2
	assert_match "strongSwan IKE SA algorithms" "$ike_re" "$SWAN_SAS"
	assert_match "strongSwan CHILD SA algorithms" "$child_re" "$SWAN_SAS"
	say "ok: algorithms as configured ($case_name)"
}

# pfs_rekey_ok: strongSwan on gw2 rekeys the CHILD SA; the new one has the
# PFS group and carries traffic.
pfs_child_up() {
	swanctl_cmd gw2 --list-sas 2>/dev/null | grep -qE \
	    "^ +vpn: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL.*/$pfs_group(/ESN)?\$"
}
pfs_rekey_ok() {
	local out
	out=$(swanctl_cmd gw2 --rekey --child vpn 2>&1) ||
	    fail "swanctl --rekey --child vpn: $out"
	wait_for 10 pfs_child_up ||
	    fail "no CHILD SA with PFS group $pfs_group after the rekey:" \
		$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	say "ok: rekeyed CHILD SA uses PFS group $pfs_group"
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	gw_wait_state gw1 vpc1-vpc2 Connected 5
}

# gw_pfs_rekey_ok: gatewayd on gw1 rekeys the CHILD SA (it initiates the
# CREATE_CHILD_SA with KE); strongSwan then has a CHILD SA with the PFS
# group, and traffic flows over the new SAs.
gw_pfs_rekey_ok() {
	local out
	out=$(gwctl gw1 rekey vpc1-vpc2 2>&1) ||
	    fail "gatewayctl rekey vpc1-vpc2: $out"
	wait_for 10 pfs_child_up ||
	    fail "no CHILD SA with PFS group $pfs_group after gatewayd's" \
		"rekey:"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	say "ok: CHILD SA rekeyed by gatewayd uses PFS group $pfs_group"
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	gw_wait_state gw1 vpc1-vpc2 Connected 5
}

# ike_rekeyed OLD: strongSwan on gw2 has one established IKE SA, not OLD.
ike_rekeyed() {
	local spis
	spis=$(swan_ike_spis gw2 vpn)
	[ -n "$spis" ] && [ "$spis" != "$1" ] && [ "$(wc -l <<<"$spis")" = 1 ]
}

# child_rekey_ok WHO: the CHILD SA is rekeyed (WHO: swan, swanctl --rekey
# --child; gw, gatewayctl rekey) with PFS: gw1's kernel SAs are replaced,
# strongSwan's new CHILD SA has the PFS group (and ESN), gatewayctl status
# shows the group, the new SAs keep the esn flag and carry the pings.
child_rekey_ok() {
	local old out
	old=$(xfrm_spis gw1)
	if [ "$1" = swan ]; then
		out=$(swanctl_cmd gw2 --rekey --child vpn 2>&1) ||
		    fail "swanctl --rekey --child vpn: $out"
	else
		out=$(gwctl gw1 rekey vpc1-vpc2 2>&1) ||
		    fail "gatewayctl rekey vpc1-vpc2: $out"
	fi
	wait_for 15 xfrm_old_gone gw1 "$old" ||
	    fail "CHILD SA not rekeyed ($1): gw1 SAs $(xfrm_spis gw1 |
		tr '\n' ' '), before $(tr '\n' ' ' <<<"$old")"
	wait_for 10 pfs_child_up ||
	    fail "no CHILD SA with PFS group $pfs_group after the rekey" \
		"($1):"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	assert_match "gatewayctl status: rekeyed CHILD SA ($1)" \
	    "$gw_child_rekeyed" "$(gwctl gw1 status 2>&1)"
	out=$(ip -n gw1 xfrm state)
	assert_match "gw1 kernel SAs after the rekey ($1): esn" \
	    'replay-window 0 flag ([a-z0-9-]+ )*esn' "$out"
	assert_no_match "gw1 kernel SAs after the rekey ($1): the first suite" \
	    "$kern_no_re" "$out"
	say "ok: CHILD SA rekeyed ($1) with PFS group $pfs_group and ESN"
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	gw_wait_state gw1 vpc1-vpc2 Connected 5
}

# ike_rekey_ok WHO: the IKE SA is rekeyed (WHO: swan, strongSwan's
# swanctl --rekey --ike; gw, gatewayctl rekey ike) with the same
# algorithms: new SPIs, the same in gatewayctl status and swanctl, the
# old IKE SA gone, traffic still flowing.
ike_rekey_ok() {
	local old new out
	old=$(swan_ike_spis gw2 vpn)
	[ -n "$old" ] || fail "strongSwan: no established IKE SA"
	if [ "$1" = swan ]; then
		out=$(swanctl_cmd gw2 --rekey --ike vpn 2>&1) ||
		    fail "swanctl --rekey --ike vpn: $out"
	else
		out=$(gwctl gw1 rekey vpc1-vpc2 ike 2>&1) ||
		    fail "gatewayctl rekey vpc1-vpc2 ike: $out"
	fi
	wait_for 10 ike_rekeyed "$old" ||
	    fail "IKE SA not rekeyed ($1):"$'\n'"$(swanctl_cmd gw2 \
		--list-sas 2>&1)"
	new=$(swan_ike_spis gw2 vpn)
	wait_for 5 eval '[ "$(gw_ike_spis gw1 vpc1-vpc2)" = "$new" ]' ||
	    fail "gatewayctl status IKE SPIs $(gw_ike_spis gw1 vpc1-vpc2)," \
		"strongSwan $new"
	swan_show_sas gw2
	assert_match "strongSwan rekeyed IKE SA algorithms" "$ike_re" \
	    "$SWAN_SAS"
	say "ok: IKE SA rekeyed ($1): $old -> $new"
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
}

topo_standard
[ "$modern" = 0 ] || capture_start gw1 pub "$LAB_RUN/algs-$case_name-A.pcap"

step "$case_name, A: gatewayd (gw1) initiates, strongSwan (gw2) responds"
swan_std gw2 "${sw[@]}"
start_charon gw2
gw_std gw1 "${gw[@]}"
keys=$(node_dir gw1)/keys
if [ "$decrypt" = 1 ]; then
	gw_keylog_dir "$keys"	# (owned by the user gatewayd runs as)
	sed -i "1a keylog-dir $keys" "$(node_dir gw1)/gatewayd.conf"
fi
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Connected 30
wait_for 5 swan_child_up gw2 vpn || fail "strongSwan on gw2: CHILD SA not installed"
traffic_ok "$proto"
check_algs
[ -z "$ke_re_a" ] || assert_file_match "gatewayd (initiator) KE retry" \
    "$ke_re_a" "$(node_dir gw1)/gatewayd.log"
if [ "$pfs_list" = 1 ]; then
	child_rekey_ok swan
	child_rekey_ok gw
else
	pfs_rekey_ok
	[ "$modern" = 0 ] || ike_rekey_ok swan
fi
gw_alive gw1
node_stop gw1
node_stop gw2
if [ "$modern" = 1 ]; then
	capture_stop
	tshark_ike_check "$LAB_RUN/algs-$case_name-A.pcap"
	[ "$decrypt" = 0 ] ||
	    tshark_decrypt_v2_check "$LAB_RUN/algs-$case_name-A.pcap" "$keys"
	capture_start gw1 pub "$LAB_RUN/algs-$case_name-B.pcap"
fi

step "$case_name, B: strongSwan (gw2) initiates, gatewayd (gw1) responds"
swan_std gw2 "${sw[@]}"
start_charon gw2
gw_std gw1 initiate=no "${gw[@]}"
start_gatewayd gw1
swan_initiate gw2 vpn
gw_wait_state gw1 vpc1-vpc2 Connected 10
traffic_ok "$proto"
check_algs
[ -z "$ke_re_b" ] || assert_file_match "gatewayd (responder) INVALID_KE" \
    "$ke_re_b" "$(node_dir gw1)/gatewayd.log"
if [ "$pfs_list" = 1 ]; then
	child_rekey_ok gw
	child_rekey_ok swan
elif [ "$modern" = 1 ]; then
	gw_pfs_rekey_ok
	ike_rekey_ok gw
fi
gw_alive gw1
if [ "$modern" = 1 ]; then
	capture_stop
	tshark_ike_check "$LAB_RUN/algs-$case_name-B.pcap"
fi
pass "algorithms $case_name, both directions"
