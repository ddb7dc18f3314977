#!/usr/bin/env bash
# t-v1-algs.sh CASE - gatewayd <-> strongSwan over IKEv1 Main Mode with
# non-default algorithms, both directions (gatewayd on gw1 initiates, then
# strongSwan on gw2 initiates).  CASE:
#   3des-md5-dh1            IKE 3des/md5/DH 1, ESP 3des/md5, PFS 1
#   aes256-sha1-dh14-pfs14  IKE aes256/sha1/DH 14, ESP aes256/sha1, PFS 14
#                           (the 32-byte IKE key is longer than SHA1's
#                           output: IKEv1 key expansion, RFC 2409 App. B)
#   aes256-sha256-dh14      IKE aes256/sha2-256/DH 14, ESP aes256/sha1, PFS 14
#   dh5                     IKE aes128/sha1/DH 5, ESP aes128/sha1, PFS 5
#   dh24                    IKE aes128/sha1/DH 24, ESP aes128/sha1, PFS 24
#   ecp256-sha384           IKE aes256/sha2-384/DH 19 (RFC 5903, hash
#                           attribute 5), ESP aes256/sha1, PFS 19
#   ecp521-sha512           IKE aes128/sha2-512/DH 21 (hash attribute 6),
#                           ESP aes128/sha1, PFS 16 (MODP 4096)
#   aes256gcm16-dh14        IKE aes128/sha1/DH 14, ESP aes256gcm16 (RFC 4106
#                           §8.1: transform 20 with a Key Length attribute,
#                           no Authentication Algorithm), PFS 14
#   esp-sha256-dh14         IKE aes128/sha1/DH 14, ESP aes128/sha2-256
#                           (authentication algorithm 5, RFC 4868), PFS 14
#   esn-sha256-dh14         esp-sha256-dh14 with ESN (RFC 4304: Quick Mode
#                           attribute 11) and replay-window 64: gw1's kernel
#                           SAs carry the esn flag and a 64-packet
#                           replay_esn window
#   ah                      IKE defaults, AH sha1, PFS 2
#   nopfs                   IKE defaults, ESP aes128/sha1, PFS disabled
#   segments                two local x two peer segments: four Quick Modes
#                           (strongSwan: one child per segment pair), all
#                           four pairs ping, 4 SAs per direction count
#   proposal-list           proposal lists (issue 9): gatewayd lists three
#                           phase 1 suites of different DH groups and three
#                           ESP suites, strongSwan others; only gatewayd's
#                           third phase 1 suite (aes128-sha256-modp2048)
#                           and second ESP suite (aes128-sha256) are in
#                           both; gatewayctl status and swanctl show them
# strongSwan is given exactly these proposals (weak ones only when named),
# so a tunnel comes up only if gatewayd proposes / selects them.  Checks:
# Connected with IKEv1, ping both ways, SAs of the right protocol count
# packets, the kernel SAs use the expected algorithms and key sizes,
# strongSwan reports the expected IKE and Quick Mode algorithms (with the
# PFS group), and its log shows Quick Mode messages with a KE payload
# exactly when PFS is on.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

case_name=${1:-aes256-sha1-dh14-pfs14}
proto=esp
pfs=yes
gw_algs='' gw_child_re=''
ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024'
aes128=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)' 'auth-trunc hmac\(sha1\)')
case "$case_name" in
3des-md5-dh1)
	gw=(ike_encryption=3des ike_integrity=md5 dh=1
	    encryption=3des integrity=md5 pfs=1)
	sw=(proposals=3des-md5-modp768 esp=3des-md5-modp768)
	ike_re='3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_768'
	child_re='ESP:3DES_CBC/HMAC_MD5_96/MODP_768'
	kern_re=('enc cbc\(des3_ede\) 0x[0-9a-f]{48}( |$)' 'auth-trunc hmac\(md5\)')
	;;
aes256-sha1-dh14-pfs14)
	gw=(ike_encryption=aes256 ike_integrity=sha1 dh=14
	    encryption=aes256 integrity=sha1 pfs=14)
	sw=(proposals=aes256-sha1-modp2048 esp=aes256-sha1-modp2048)
	ike_re='AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048'
	child_re='ESP:AES_CBC-256/HMAC_SHA1_96/MODP_2048'
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{64}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
aes256-sha256-dh14)
	gw=(ike_encryption=aes256 ike_integrity=sha2-256 dh=14
	    encryption=aes256 integrity=sha1 pfs=14)
	sw=(proposals=aes256-sha256-modp2048 esp=aes256-sha1-modp2048)
	ike_re='AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048'
	child_re='ESP:AES_CBC-256/HMAC_SHA1_96/MODP_2048'
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{64}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
dh5)
	gw=(dh=5 pfs=5)
	sw=(proposals=aes128-sha1-modp1536 esp=aes128-sha1-modp1536)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1536'
	kern_re=("${aes128[@]}")
	;;
dh24)
	gw=(dh=24 pfs=24)
	sw=(proposals=aes128-sha1-modp2048s256 esp=aes128-sha1-modp2048s256)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048_256'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96/MODP_2048_256'
	kern_re=("${aes128[@]}")
	;;
ecp256-sha384)
	gw=(ike_encryption=aes256 ike_integrity=sha2-384 dh=19
	    encryption=aes256 integrity=sha1 pfs=19)
	sw=(proposals=aes256-sha384-ecp256 esp=aes256-sha1-ecp256)
	ike_re='AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_256'
	child_re='ESP:AES_CBC-256/HMAC_SHA1_96/ECP_256'
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{64}( |$)' 'auth-trunc hmac\(sha1\)')
	;;
ecp521-sha512)
	gw=(ike_integrity=sha2-512 dh=21 pfs=16)
	sw=(proposals=aes128-sha512-ecp521 esp=aes128-sha1-modp4096)
	ike_re='AES_CBC-128/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/ECP_521'
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96/MODP_4096'
	kern_re=("${aes128[@]}")
	;;
aes256gcm16-dh14)
	gw=(dh=14 encryption=aes256gcm16 pfs=14)
	sw=(proposals=aes128-sha1-modp2048 esp=aes256gcm16-modp2048)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048'
	child_re='ESP:AES_GCM_16-256/MODP_2048'
	# key | 4-byte salt (288 bits), 128-bit ICV
	kern_re=('aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128')
	;;
esp-sha256-dh14)
	gw=(dh=14 integrity=sha2-256 pfs=14)
	sw=(proposals=aes128-sha1-modp2048 esp=aes128-sha256-modp2048)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128/MODP_2048'
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128')
	;;
esn-sha256-dh14)
	gw=(dh=14 integrity=sha2-256 pfs=14 esn=yes replay_window=64)
	sw=(proposals=aes128-sha1-modp2048 esp=aes128-sha256-modp2048-esn)
	ike_re='AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128/MODP_2048/ESN'
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128'
	    'replay-window 0 flag ([a-z0-9-]+ )*esn'
	    'replay_window 64, bitmap-length 2')
	;;
ah)
	proto=ah
	gw=(protocol=ah integrity=sha1)
	sw=(ah=sha1-modp1024)
	child_re='AH:HMAC_SHA1_96/MODP_1024'
	kern_re=('proto ah ' 'auth-trunc hmac\(sha1\)')
	;;
nopfs)
	pfs=no
	gw=(pfs=disable)
	sw=(esp=aes128-sha1)
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96$'
	kern_re=("${aes128[@]}")
	;;
segments)
	gw=()
	sw=()
	child_re='ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1024'
	kern_re=("${aes128[@]}")
	;;
proposal-list)
	gw=(ike_proposals="aes256-sha256-modp3072, aes256-sha1-modp1536, aes128-sha256-modp2048"
	    esp_proposals="aes256-sha512-modp2048, aes128-sha256-modp2048, 3des-sha1-modp2048")
	sw=(proposals=3des-md5-modp1024,aes192-sha384-modp3072,aes128-sha256-modp2048
	    esp=aes192-sha384-modp2048,aes128-sha256-modp2048)
	ike_re='AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048'
	child_re='ESP:AES_CBC-128/HMAC_SHA2_256_128/MODP_2048'
	kern_re=('enc cbc\(aes\) 0x[0-9a-f]{32}( |$)'
	    'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128')
	gw_algs='aes128/sha2-256/prfsha256/modp2048'
	gw_child_re='aes128/sha2-256/modp2048'
	;;
*)
	fail "unknown case '$case_name'"
	;;
esac

# The segment case's four children on strongSwan (one per pair) and the
# client pairs that must reach each other.
CHILDREN=(vpn)
PAIRS=("c1 $C2_ADDR" "c2 $C1_ADDR")
if [ "$case_name" = segments ]; then
	CHILDREN=(aa ab ba bb)
	PAIRS=("c1 $C2S_ADDR" "c1 $C4_ADDR" "c3 $C2S_ADDR" "c3 $C4_ADDR"
	    "c2 $C1_ADDR" "c4 $C3_ADDR")
fi
nchild=${#CHILDREN[@]}

# Node configurations.
swan_node() {
	if [ "$case_name" = segments ]; then
		swan_conf_v1 gw2
		rm -f "$(node_dir gw2)"/swanctl.d/*
		swan_conn gw2 vpn version=1 ike_rekey=86400 child_rekey=3600 \
		    local="$GW2_PUB" remote="$GW1_PUB" \
		    child="aa|$SEG2A|$SEG1A" child="ab|$SEG2B|$SEG1A" \
		    child="ba|$SEG2A|$SEG1B" child="bb|$SEG2B|$SEG1B"
	else
		swan_v1_std gw2 "${sw[@]}"
	fi
	start_charon gw2
}
gw_node() {
	if [ "$case_name" = segments ]; then
		gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$SEG1A" "$SEG1B"
		gw_conf_tunnel gw1 vpc1-vpc2 lseg="$SEG1A,$SEG1B" \
		    pseg="$SEG2A,$SEG2B" version=1 "$@"
	else
		gw_v1_std gw1 "${gw[@]}" "$@"
	fi
	start_gatewayd gw1
}

children_up() {
	[ "$(swanctl_cmd gw2 --list-sas 2>/dev/null | grep -cE \
	    "^ +($(IFS='|'; echo "${CHILDREN[*]}")): #[0-9]+, reqid [0-9]+, INSTALLED")" \
	    -ge "$nchild" ]
}

# check_case: traffic and algorithms as the case says.
check_case() {
	local re xfrm pair from dst log nqm nke
	wait_for 15 children_up ||
	    fail "strongSwan: not $nchild CHILD SA(s) installed:"$'\n'"$(swanctl_cmd gw2 --list-sas 2>&1)"
	gw_v1_status_ok gw1 vpc1-vpc2
	for pair in "${PAIRS[@]}"; do
		read -r from dst <<<"$pair"
		ping_ok "$from" "$dst"
	done
	xfrm_counters_ok gw1 "$nchild" "$proto"
	xfrm_counters_ok gw2 "$nchild" "$proto"
	xfrm=$(ip -n gw1 xfrm state)
	for re in "${kern_re[@]}"; do
		assert_match "gw1 kernel SAs" "$re" "$xfrm"
	done
	assert_no_match "gw1 kernel SAs: protocol" \
	    "proto $([ "$proto" = esp ] && echo ah || echo esp) " "$xfrm"
	[ -z "$gw_algs" ] ||
	    assert_match "gatewayctl status: IKE algorithms" "$gw_algs" \
		"$(gwctl gw1 status 2>&1)"
	[ -z "$gw_child_re" ] ||
	    assert_match "gatewayctl status: IPsec SA algorithms" \
		"$gw_child_re" "$(gwctl gw1 status 2>&1)"
	swan_show_sas gw2
	assert_match "strongSwan: IKEv1 SA" '^vpn: #[0-9]+, ESTABLISHED, IKEv1' \
	    "$SWAN_SAS"
	assert_match "strongSwan IKE SA algorithms" "$ike_re" "$SWAN_SAS"
	assert_ge "strongSwan CHILD SAs with $child_re" "$nchild" \
	    "$(grep -cE "INSTALLED, TUNNEL, $child_re" <<<"$SWAN_SAS")"
	# Quick Mode messages 1 and 2 carry KE exactly when PFS is on.
	log=$(node_dir gw2)/charon.log
	nqm=$(grep -cE '(generating|parsed) QUICK_MODE (request|response) [0-9]+ \[ HASH SA No' "$log")
	nke=$(grep -cE '(generating|parsed) QUICK_MODE (request|response) [0-9]+ \[ HASH SA No KE ' "$log")
	assert_ge "Quick Mode messages 1 and 2 in strongSwan's log" \
	    $((2 * nchild)) "$nqm"
	if [ "$pfs" = yes ]; then
		assert_eq "Quick Mode messages with KE (PFS on)" "$nqm" "$nke"
	else
		assert_eq "Quick Mode messages with KE (PFS off)" 0 "$nke"
	fi
	say "ok: algorithms as configured ($case_name), $nqm Quick Mode" \
	    "messages, $nke with KE"
}

if [ "$case_name" = segments ]; then
	topo_segments
else
	topo_standard
fi

step "$case_name, A: gatewayd (gw1) initiates, strongSwan (gw2) responds"
swan_node
gw_node
gw_wait_state gw1 vpc1-vpc2 Connected 30
check_case
gw_alive gw1
node_stop gw1
node_stop gw2

step "$case_name, B: strongSwan (gw2) initiates, gatewayd (gw1) responds"
swan_node
gw_node initiate=no
for c in "${CHILDREN[@]}"; do
	swan_initiate gw2 "$c" vpn
done
gw_wait_state gw1 vpc1-vpc2 Connected 10
check_case
gw_alive gw1
pass "IKEv1 algorithms $case_name, both directions"
