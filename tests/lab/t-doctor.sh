#!/usr/bin/env bash
# t-doctor.sh CASE - gatewayctl doctor names the cause and the field to
# change, against a strongSwan peer on gw2 misconfigured in exactly one
# way per CASE (gatewayd on gw1 is the standard IKEv2 tunnel):
#   psk          strongSwan's PSK differs: the peer rejects our AUTH
#   proposal     strongSwan proposes aes256 only and initiates: we are
#                responder, see its proposal, and name "encryption"
#   ike-version  strongSwan's connection is IKEv1, we speak IKEv2
#   id           strongSwan's local id is moon.example, not our peer-id
#   segments     strongSwan expects 172.16.5.0/24 behind gw1
#   esp-ah       strongSwan wants AH, we ESP
#   no-answer    strongSwan is not started (gatewayd's own retransmission
#                schedule: about a minute)
#   v1-psk       IKEv1 on both sides, strongSwan's PSK differs
#   v1-segments  IKEv1, strongSwan expects 172.16.5.0/24 behind gw1
#   pfs          IKEv1 (IKEv2 negotiates no PFS in IKE_AUTH), strongSwan
#                initiates with PFS modp2048, gatewayd has pfs 2 (modp1024)
#                (the table's encap-mode row: tunnel on both)
#   v1-proposal  IKEv1, strongSwan proposes aes256/sha256 only in Main
#                Mode and initiates: doctor's table has both sides (and
#                the auth-method row, psk on both)
#   v1-mode      IKEv1, strongSwan initiates Aggressive Mode (aggressive=
#                yes), gatewayd's tunnel is Main Mode: refused, and doctor
#                names both modes
#   v1-mode-initiator  IKEv1, gatewayd initiates Main Mode, strongSwan's
#                connection is aggressive=yes: strongSwan picks the PSK by
#                address, decrypts message 5, finds no Main Mode
#                connection for our ID (charon.log: "found 1 matching
#                config, but none allows pre-shared key authentication
#                using Main Mode") and answers AUTHENTICATION-FAILED
#                in an informational protected with the ISAKMP SA's keys;
#                doctor names the mode (not the PSK, which that answer
#                shows to be the same)
#   nat          gw1 behind a NAT (lib.sh: topo_nat), and strongSwan on
#                gw2 takes NAT-T on port 4501 (charon.port_nat_t), not
#                4500, as a peer without NAT-T would: NAT-D shows the
#                NAT, IKE_AUTH on 4500 is never answered (gatewayd's
#                retransmission schedule: about a minute)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
case=${1:-}
lab_begin
gw_bin
if [ "$case" = nat ]; then
	topo_nat
else
	topo_standard
fi

# doctor_has WHAT REGEX: gatewayctl doctor vpc1-vpc2 matches REGEX (the
# report is printed once per case).
DOCTOR=""
doctor_has() {
	if [ -z "$DOCTOR" ]; then
		DOCTOR=$(gwctl gw1 doctor vpc1-vpc2 2>&1)
		printf '%s\n' "$DOCTOR" | sed 's/^/    /'
	fi
	assert_match "$1" "$2" "$DOCTOR"
}

# doctor_wait SECS REGEX: gatewayctl doctor vpc1-vpc2 matches REGEX.
doctor_wait() {
	wait_for "$1" sh -c "'$GW_BUILD/gatewayctl' -s \
	    '$(node_rt gw1)/gatewayd.sock' doctor vpc1-vpc2 | grep -Eq '$2'" ||
	    fail "gatewayctl doctor: no /$2/ after $1 s:"$'\n'"$(gwctl gw1 \
	    doctor vpc1-vpc2 2>&1)"
}

# wait_failed STATE [SECS]: gatewayd on gw1 reaches STATE.
wait_failed() {
	gw_wait_state gw1 vpc1-vpc2 "$1" "${2:-30}"
}

case "$case" in
psk)
	swan_std gw2 psk='Other!key'
	start_charon gw2
	gw_std gw1
	start_gatewayd gw1
	wait_failed "Phase 1 failed"
	doctor_has "verdict" 'verdict: pre-shared key mismatch: the peer rejected our AUTH'
	doctor_has "evidence" 'AUTHENTICATION_FAILED'
	doctor_has "fix" 'keyword psk'
	out=$(gwctl gw1 doctor vpc1-vpc2)
	assert_no_match "no PSK in the report" 'Secr3t|Other!key' "$out"
	;;
proposal)
	swan_std gw2 proposals=aes256-sha1-modp1024
	start_charon gw2
	gw_std gw1 initiate=no
	start_gatewayd gw1
	swanctl_cmd gw2 --initiate --child vpn --timeout 10 >/dev/null 2>&1 &&
	    fail "strongSwan's initiate succeeded with another proposal"
	doctor_wait 10 'IKE proposal'
	doctor_has "verdict" 'verdict: IKE proposal mismatch'
	doctor_has "table" 'encryption +aes128 +aes256 +DIFFERS'
	doctor_has "fix" 'ike block, keyword encryption'
	;;
ike-version)
	# strongSwan (IKEv1) initiates: we see its Main Mode.  (As
	# initiator we get NO_PROPOSAL_CHOSEN, strongSwan's answer to an
	# IKE_SA_INIT without an IKEv2 connection: the report notes it.)
	swan_std gw2 version=1
	start_charon gw2
	gw_std gw1 initiate=no
	start_gatewayd gw1
	swanctl_cmd gw2 --initiate --child vpn --timeout 8 >/dev/null 2>&1 &&
	    fail "strongSwan's IKEv1 initiate succeeded against IKEv2"
	doctor_has "verdict" 'verdict: IKE version mismatch: we speak IKEv2'
	doctor_has "evidence" 'the peer sent an IKEv1 Main Mode request'
	doctor_has "fix" 'ike block, keyword version'
	;;
id)
	swan_std gw2 lid=moon.example
	start_charon gw2
	gw_std gw1
	start_gatewayd gw1
	wait_failed "Phase 1 failed"
	doctor_has "verdict" 'verdict: ID mismatch: the peer identifies as moon.example'
	doctor_has "fix" 'keyword peer-id'
	;;
segments)
	swan_std gw2 rts=172.16.5.0/24
	start_charon gw2
	gw_std gw1
	start_gatewayd gw1
	wait_failed "Phase 2 failed"
	doctor_has "verdict" 'verdict: segment mismatch'
	doctor_has "evidence" 'TS_UNACCEPTABLE'
	doctor_has "fix" 'local-segment, peer-segment'
	;;
esp-ah)
	# strongSwan initiates: we see its AH proposal
	swan_std gw2 ah=sha1-modp1024
	start_charon gw2
	gw_std gw1 initiate=no
	start_gatewayd gw1
	swanctl_cmd gw2 --initiate --child vpn --timeout 10 >/dev/null 2>&1 &&
	    fail "strongSwan's initiate succeeded with AH against ESP"
	doctor_wait 10 'IPsec proposal'
	doctor_has "verdict" 'verdict: IPsec proposal mismatch'
	doctor_has "table" 'protocol +ESP +AH +DIFFERS'
	doctor_has "fix" 'ipsec block, keyword protocol'
	;;
no-answer)
	gw_std gw1
	start_gatewayd gw1
	# the first attempt's 5 transmissions (2 s, doubling) take a minute
	doctor_wait 80 'verdict: no answer'
	doctor_has "verdict" 'verdict: no answer from the peer'
	doctor_has "fix" 'UDP 500 and 4500'
	;;
v1-psk)
	swan_v1_std gw2 psk='Other!key'
	start_charon gw2
	gw_v1_std gw1
	start_gatewayd gw1
	doctor_wait 40 'verdict: pre-shared key'
	doctor_has "verdict" 'the peer rejected our HASH'
	doctor_has "fix" 'keyword psk'
	;;
v1-segments)
	swan_v1_std gw2 rts=172.16.5.0/24
	start_charon gw2
	gw_v1_std gw1
	start_gatewayd gw1
	doctor_wait 40 'verdict: segment'
	doctor_has "evidence" 'INVALID-ID-INFORMATION'
	doctor_has "fix" 'local-segment, peer-segment'
	;;
pfs)
	swan_v1_std gw2 esp=aes128-sha1-modp2048
	start_charon gw2
	gw_v1_std gw1 initiate=no
	start_gatewayd gw1
	swanctl_cmd gw2 --initiate --child vpn --timeout 10 >/dev/null 2>&1 &&
	    fail "strongSwan's initiate succeeded with another PFS group"
	doctor_wait 10 'verdict: PFS'
	doctor_has "table" 'dh-group +modp1024 +modp2048 +DIFFERS'
	doctor_has "table" 'encap-mode +tunnel +tunnel$'
	doctor_has "fix" 'ipsec block, keyword pfs'
	;;
v1-proposal)
	swan_v1_std gw2 proposals=aes256-sha256-modp1024
	start_charon gw2
	gw_v1_std gw1 initiate=no
	start_gatewayd gw1
	swanctl_cmd gw2 --initiate --child vpn --timeout 8 >/dev/null 2>&1 &&
	    fail "strongSwan's initiate succeeded with another proposal"
	doctor_wait 10 'IKE proposal'
	doctor_has "verdict" 'verdict: IKE proposal mismatch'
	doctor_has "table" 'encryption +aes128 +aes256 +DIFFERS'
	doctor_has "table" 'integrity +sha1 +sha256 +DIFFERS'
	doctor_has "table" 'auth-method +psk +psk$'
	doctor_has "fix" 'ike block, keyword encryption'
	;;
v1-mode)
	swan_v1_std gw2 aggressive=yes
	start_charon gw2
	gw_v1_std gw1 initiate=no
	start_gatewayd gw1
	swanctl_cmd gw2 --initiate --child vpn --timeout 8 >/dev/null 2>&1 &&
	    fail "strongSwan's Aggressive Mode initiate succeeded against Main"
	doctor_wait 10 'verdict: IKEv1 mode'
	doctor_has "verdict" 'verdict: IKEv1 mode mismatch'
	doctor_has "evidence" 'Aggressive Mode; tunnel vpc1-vpc2 is configured for mode main'
	doctor_has "fix" 'keyword mode'
	;;
v1-mode-initiator)
	swan_v1_std gw2 aggressive=yes
	start_charon gw2
	gw_v1_std gw1
	start_gatewayd gw1
	doctor_wait 40 'verdict: IKEv1 mode'
	doctor_has "verdict" 'verdict: IKEv1 mode mismatch \(Main against Aggressive Mode\)'
	doctor_has "evidence" 'our Main Mode message 5 with AUTHENTICATION-FAILED, authenticated with our PSK'
	doctor_has "note" 'the pre-shared key is the same'
	doctor_has "fix" 'keyword mode'
	assert_no_match "no PSK verdict" 'verdict: pre-shared key' "$DOCTOR"
	# what strongSwan did: it decrypted message 5 (our PSK), found no
	# Main Mode config for our ID and sent its refusal encrypted
	say "charon on gw2:"$'\n'"$(grep -E 'Main Mode|peer config|matching config|AUTH_FAILED|INFORMATIONAL_V1|ID_V1|decrypt' \
	    "$(node_dir gw2)/charon.log" | head -20)"
	[ "$(swan_log_count gw2 'no peer config found|none allows .* using Main Mode')" -gt 0 ] ||
	    fail "charon on gw2 did not log that no Main Mode config takes us"
	[ "$(swan_log_count gw2 'generating INFORMATIONAL_V1 request .*N\(AUTH_FAILED\)')" -gt 0 ] ||
	    fail "charon on gw2 did not send N(AUTH_FAILED)"
	;;
nat)
	# FQDN identities: gw1's address is translated
	swan_conf gw2 'port_nat_t = 4501'
	rm -f "$(node_dir gw2)"/swanctl.d/*
	swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" lts="$GW2_NET" \
	    rts="$GW1_NET" lid=right.lab.test rid=left.lab.test
	start_charon gw2
	gw_conf_begin gw1 gw1 "$GW1_PRIV" gw2 "$GW2_PUB" "$GW1_NET"
	gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" \
	    lid=left.lab.test pid=right.lab.test
	start_gatewayd gw1
	doctor_wait 90 'verdict: NAT'
	doctor_has "verdict" 'verdict: NAT without NAT-T'
	doctor_has "fix" 'enable NAT-T on the peer'
	;;
*)
	fail "usage: t-doctor.sh pfs|v1-psk|v1-segments|v1-proposal|v1-mode|v1-mode-initiator|psk|proposal|ike-version|id|segments|esp-ah|no-answer|nat"
	;;
esac
out=$(gwctl gw1 doctor vpc1-vpc2 --json)
assert_match "JSON" '^\{"tunnel":"vpc1-vpc2".*"report":\[' "$out"
gw_alive gw1
pass "gatewayctl doctor: $case"
