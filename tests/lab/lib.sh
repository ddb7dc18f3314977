#!/usr/bin/env bash
# shellcheck disable=SC2034  # variables for the tests that source this
# lib.sh - helpers for lab tests; sourced by a test script that runs inside
# the user-mode Linux VM (tests/lab/lab.sh starts it).
#
#   . "$(dirname "$0")/lib.sh"
#   lab_begin                      # traps, run directory, strict mode
#   topo_standard                  # gw1, gw2, c1, c2 (see below)
#   swan_conf gw1; swan_conn gw1 vpn local=... ; start_charon gw1
#   ping_ok c1 10.0.0.2; xfrm_counters_ok gw1
#   pass
#
# Nodes: a node is a network namespace of the same name with a directory
# $LAB_RUN/NODE (config files and logs, kept on the host after the run) and
# a runtime directory /run/lab/NODE (sockets and pid files, VM-private).
#
# Standard topology (the product demo's addresses):
#   c1 172.16.0.14 --- 172.16.0.1 gw1 198.51.100.1 ==pub== 198.51.100.2 gw2
#   gw2 10.0.0.1/12 --- 10.0.0.2 c2
#
# Traffic rule: only addresses inside namespaces created here are used.

set -uo pipefail

LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=${LAB_TOP:-$(cd "$LAB_LIB_DIR/../.." && pwd)}
GW_BUILD=${GW_BUILD:-$LAB_TOP/build}
LAB_RUN=${LAB_RUN:-/tmp/gw-lab/manual.$$}
LAB_RT=/run/lab
# gatewayd runs as this unprivileged user after start-up (--user; the
# host's user, created by prepare.sh: the VM mounts the host's /).
# GW_USER= (empty) keeps it root, still with the two capabilities only.
GW_USER=${GW_USER-gatewayd}
GW_USER_OPT=()
[ -n "$GW_USER" ] && GW_USER_OPT=(--user "$GW_USER")
CHARON=${LAB_CHARON:-/usr/lib/ipsec/charon}
SWAN_PLUGINDIR=/usr/lib/ipsec/plugins
# Wanted strongSwan plugins; swan_conf keeps those that are installed.
# kdf is required (else "KDF_PRF with PRF_HMAC_SHA1 not supported").
SWAN_PLUGINS="random nonce openssl pem pkcs1 x509 pubkey kernel-netlink
socket-default vici kdf hmac sha1 sha2 md5 aes des gmp curve25519 cmac
xcbc ctr ccm gcm"

LAB_NODES=()		# every node created, in order
LAB_PIDS=()		# background daemons and captures
LAB_T0_US=${EPOCHREALTIME/[.,]/}

# ---------------------------------------------------------------------------
# Output and assertions

# Microseconds since the epoch, without forking (UML forks are slow).
lab_now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%s' "$t"
}

lab_elapsed() {
	local us=$(($(lab_now_us) - LAB_T0_US))
	printf '%3d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}

say() {
	printf '[%s] %s\n' "$(lab_elapsed)" "$*"
}

step() {
	printf '[%s] == %s\n' "$(lab_elapsed)" "$*"
}

# fail MSG...: print a clear failure message and end the test (exit 1);
# the EXIT trap prints the nodes' logs.
fail() {
	printf '[%s] FAIL: %s\n' "$(lab_elapsed)" "$*"
	exit 1
}

pass() {
	printf '[%s] PASS: %s\n' "$(lab_elapsed)" "${*:-$(basename "$0")}"
	exit 0
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# assert_ge WHAT MIN ACTUAL (integers)
assert_ge() {
	[[ "$3" =~ ^[0-9]+$ ]] || fail "$1: '$3' is not a number"
	[ "$3" -ge "$2" ] || fail "$1: expected at least $2, got $3"
}

# assert_match WHAT ERE TEXT: TEXT must contain a match of the ERE.
assert_match() {
	grep -qE -- "$2" <<<"$3" ||
	    fail "$1: no match for /$2/ in:"$'\n'"$3"
}

# assert_no_match WHAT ERE TEXT
assert_no_match() {
	local hit
	if hit=$(grep -E -m3 -- "$2" <<<"$3"); then
		fail "$1: unexpected /$2/:"$'\n'"$hit"
	fi
}

# assert_file_match WHAT ERE FILE [TIMEOUT]: FILE contains a line matching
# ERE (case-insensitive), waiting up to TIMEOUT seconds (default 0).
assert_file_match() {
	local what=$1 re=$2 file=$3 t=${4:-0}
	wait_for "$t" grep -qiE -- "$re" "$file" ||
	    fail "$what: no line matching /$re/ in $file"
	say "ok: $what: $(grep -iE -m1 -- "$re" "$file")"
}

# assert_cmd WHAT CMD...: CMD must succeed.
assert_cmd() {
	local what=$1 out
	shift
	out=$("$@" 2>&1) || fail "$what: '$*' failed:"$'\n'"$out"
}

# wait_for TIMEOUT CMD...: run CMD every 0.2 s until it succeeds; 0 if it
# did within TIMEOUT seconds (fractions allowed), 1 if not.
wait_for() {
	local t=$1 end
	shift
	# TIMEOUT in microseconds: "2" or "2.5" (one decimal).
	case "$t" in
	*.*) end=$((${t%.*} * 1000000 + ${t#*.} * 100000)) ;;
	*) end=$((t * 1000000)) ;;
	esac
	end=$(($(lab_now_us) + end))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(lab_now_us)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------------------
# Life cycle

# lab_begin: strict mode, EXIT trap, run directory.  Call first.
lab_begin() {
	mkdir -p "$LAB_RUN" "$LAB_RT" || { echo "no run directory"; exit 1; }
	trap lab_end EXIT
	trap 'exit 130' INT TERM
	step "$(basename "$0") ${LAB_ARGS[*]:-} (run directory $LAB_RUN)"
}

# Print what a failed run left behind: every node's logs and kernel state.
lab_dump() {
	local n f lines=${LAB_LOG_LINES:-400}

	for n in "${LAB_NODES[@]}"; do
		printf '\n======== node %s ========\n' "$n"
		for f in "$LAB_RUN/$n"/*.log "$LAB_RUN/$n"/*.out; do
			[ -s "$f" ] || continue
			printf -- '-------- %s (last %s lines) --------\n' \
			    "${f#"$LAB_RUN"/}" "$lines"
			tail -n "$lines" "$f"
		done
		ip netns list 2>/dev/null | grep -qw "$n" || continue
		printf -- '-------- %s: ip addr / route / xfrm --------\n' "$n"
		ip -n "$n" -br addr 2>&1
		ip -n "$n" route show table all 2>&1 | grep -v '^local\|^broadcast'
		ip -n "$n" -s xfrm state 2>&1
		ip -n "$n" xfrm policy 2>&1
	done
}

lab_end() {
	local rc=$?
	trap - EXIT
	lab_stop_all
	if [ "$rc" != 0 ]; then
		lab_dump
		printf '\n[%s] %s: FAILED (exit %s)\n' "$(lab_elapsed)" \
		    "$(basename "$0")" "$rc"
	fi
	exit "$rc"
}

# Stop every daemon and capture (SIGTERM, then SIGKILL), so logs are flushed.
lab_stop_all() {
	local p
	for p in "${LAB_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${LAB_PIDS[@]}"; do
		wait_for 3 lab_pid_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	LAB_PIDS=()
}

lab_pid_gone() {
	! kill -0 "$1" 2>/dev/null
}

lab_has_node() {
	local n
	for n in "${LAB_NODES[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	return 1
}

node_dir() { printf '%s/%s' "$LAB_RUN" "$1"; }
node_rt() { printf '%s/%s' "$LAB_RT" "$1"; }

# lab_uptime_at_least S: wait until the VM has been up S seconds.  charon
# (5.9.8) rejects every COOKIE it made while its monotonic clock, which
# in the VM starts at boot, is under its 10 s cookie lifetime (its age
# check subtracts the lifetime from the clock in unsigned arithmetic): a
# test in which strongSwan may demand cookies starts after that.
lab_uptime_at_least() {
	local up
	for _ in $(seq 1 60); do
		up=$(cut -d. -f1 /proc/uptime)
		[ "$up" -ge "$1" ] && return 0
		sleep 0.5
	done
	fail "the VM's uptime is not $1 s after 30 s"
}

# ---------------------------------------------------------------------------
# Namespaces and links

# netns_add NAME: a namespace (the node NAME) with lo up and IPv6 off.
netns_add() {
	local n=$1
	ip netns add "$n" || fail "ip netns add $n"
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	mkdir -p "$(node_dir "$n")" "$(node_rt "$n")"
	gw_user_own "$(node_rt "$n")"
	LAB_NODES+=("$n")
}

# veth_add NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between two
# namespaces, addressed and up ("-" for no address).
veth_add() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" \
	    netns "$ns2" || fail "veth $ns1:$if1 - $ns2:$if2"
	link_setup "$ns1" "$if1" "$a1"
	link_setup "$ns2" "$if2" "$a2"
}

# link_setup NS IF ADDR/LEN|- [IP-COMMAND...]: address IF, set it up, then
# the further ip commands (e.g. "route add default via A"), in one exec.
link_setup() {
	local ns=$1 ifname=$2 a=$3 c
	shift 3
	{
		[ "$a" = - ] || echo "addr add $a dev $ifname"
		echo "link set $ifname up"
		for c in "$@"; do echo "$c"; done
	} | ip -n "$ns" -batch - || fail "setting up $ns:$ifname"
}

# dummy_add NS IF ADDR/LEN: an inside subnet without hosts.
dummy_add() {
	ip -n "$1" link add "$2" type dummy || fail "dummy $1:$2"
	link_setup "$1" "$2" "$3"
}

# client_add GW CLIENT IF GWADDR/LEN CLIENTADDR/LEN: a client host behind
# gateway GW: its own namespace and veth (GW side IF, client side eth0),
# default route via the gateway, forwarding on in the gateway.
client_add() {
	local gw=$1 c=$2 ifname=$3 gwa=$4 ca=$5
	lab_has_node "$c" || netns_add "$c"
	ip link add "$ifname" netns "$gw" type veth peer name eth0 \
	    netns "$c" || fail "veth $gw:$ifname - $c:eth0"
	link_setup "$gw" "$ifname" "$gwa"
	link_setup "$c" eth0 "$ca" "route add default via ${gwa%/*}"
	ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
}

# The standard two-gateway topology (see the top of this file).
GW1_PUB=198.51.100.1
GW2_PUB=198.51.100.2
GW1_NET=172.16.0.0/24
GW2_NET=10.0.0.0/12
C1_ADDR=172.16.0.14
C2_ADDR=10.0.0.2
topo_standard() {
	netns_add gw1
	netns_add gw2
	veth_add gw1 pub "$GW1_PUB/24" gw2 pub "$GW2_PUB/24"
	client_add gw1 c1 in0 172.16.0.1/24 "$C1_ADDR/24"
	client_add gw2 c2 in0 10.0.0.1/12 "$C2_ADDR/12"
}

# ---------------------------------------------------------------------------
# Traffic and kernel state

# ping_ok FROM DST [COUNT]: COUNT (default 3) echo replies from DST, waiting
# up to 10 s (an SA being installed may cost the first one).
ping_ok() {
	local from=$1 dst=$2 n=${3:-3} out
	out=$(ip netns exec "$from" ping -n -q -c "$n" -i 0.2 -W 1 -w 10 \
	    "$dst" 2>&1) || fail "ping $from -> $dst:"$'\n'"$out"
	say "ok: ping $from -> $dst: $(grep -o '[0-9]* received' <<<"$out")"
}

# ping_fails FROM DST: no reply (e.g. the tunnel is not up).
ping_fails() {
	local from=$1 dst=$2
	if ip netns exec "$from" ping -n -q -c 1 -W 1 "$dst" \
	    >/dev/null 2>&1; then
		fail "ping $from -> $dst succeeded but should not"
	fi
	say "ok: ping $from -> $dst: no reply, as expected"
}

# xfrm_sa_list NS: one line per SA: "DIR PROTO SPI PACKETS" where DIR is
# out (source is local to NS) or in.
xfrm_sa_list() {
	local ns=$1 locals
	locals=$(ip -n "$ns" -4 -o addr show | awk '{ sub("/.*", "", $4); printf " %s", $4 }')
	ip -n "$ns" -s xfrm state | awk -v locals="$locals " '
	function flush() {
		if (spi != "")
			print (index(locals, " " src " ") ? "out" : "in"),
			    proto, spi, pk
		spi = ""
	}
	/^src / { flush(); src = $2; pk = 0; cur = 0; next }
	/^[ \t]+proto / { proto = $2; spi = $4; sub(/\(.*/, "", spi); next }
	/lifetime current:/ { cur = 1; next }
	cur && /\(packets\)/ {
		for (i = 1; i <= NF; i++)
			if ($i ~ /\(packets\)/) { pk = $i; sub(/\(.*/, "", pk) }
		cur = 0
	}
	END { flush() }'
}

# xfrm_counters_have NS [MIN [PROTO]]: as xfrm_counters_ok, a status only.
xfrm_counters_have() {
	local nin nout
	read -r nin nout < <(xfrm_sa_list "$1" | awk -v w="${3:-}" '
	    $4 > 0 && (w == "" ? ($2 == "esp" || $2 == "ah") : $2 == w) {
		n[$1]++
	    }
	    END { printf "%d %d\n", n["in"], n["out"] }')
	[ "${nin:-0}" -ge "${2:-1}" ] && [ "${nout:-0}" -ge "${2:-1}" ]
}

# xfrm_counters_ok NS [MIN] [esp|ah]: at least MIN (default 1) SAs in each
# direction (ESP or AH, or the one named) with packets > 0.
xfrm_counters_ok() {
	local ns=$1 min=${2:-1} want=${3:-} nin nout
	read -r nin nout < <(xfrm_sa_list "$ns" | awk -v w="$want" '
	    $4 > 0 && (w == "" ? ($2 == "esp" || $2 == "ah") : $2 == w) {
		n[$1]++
	    }
	    END { printf "%d %d\n", n["in"], n["out"] }')
	if [ "${nin:-0}" -lt "$min" ] || [ "${nout:-0}" -lt "$min" ]; then
		fail "xfrm counters in $ns: want $min ${want:-esp/ah} SA(s)" \
		    "with packets in each direction, have in=$nin out=$nout:" \
		    $'\n'"$(ip -n "$ns" -s xfrm state)"
	fi
	say "ok: xfrm $ns: ${want:-esp/ah} SAs with traffic: in=$nin out=$nout"
}

# xfrm_spis NS: the SPIs of the SAs in NS, one a line.
xfrm_spis() {
	xfrm_sa_list "$1" | awk '{ print $3 }' | sort
}

# xfrm_spis_are NS SPIS: the SAs in NS are SPIS (xfrm_spis' format).
xfrm_spis_are() {
	[ "$(xfrm_spis "$1")" = "$2" ]
}

# xfrm_old_gone NS OLD [N]: none of the SPIs OLD (xfrm_spis' format) is
# left in NS, which has N (default 2) SAs: a rekey replaced them.
xfrm_old_gone() {
	local now
	now=$(xfrm_spis "$1")
	[ -z "$(comm -12 <(echo "$2") <(echo "$now"))" ] &&
	    [ "$(wc -l <<<"$now")" -eq "${3:-2}" ]
}

# xfrm_sa_count NS: number of SAs.
xfrm_sa_count() {
	ip -n "$1" xfrm state | grep -c '^src '
}

# capture_start NS IFACE FILE [FILTER...]: tcpdump in the background.
capture_start() {
	local ns=$1 ifname=$2 file=$3 log
	shift 3
	log=$file.tcpdump.out
	ip netns exec "$ns" tcpdump --immediate-mode -Z root -U -n -i "$ifname" \
	    -w "$file" "$@" >"$log" 2>&1 &
	LAB_PIDS+=("$!")
	CAPTURE_PID=$!
	wait_for 10 grep -q 'listening on' "$log" ||
	    fail "tcpdump on $ns:$ifname did not start: $(cat "$log")"
}

# capture_stop: stop the last capture started (its file is complete then).
capture_stop() {
	local p=$CAPTURE_PID
	kill -INT "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# tshark_ike_check FILE...: tshark_ike_ok on the captures.  tshark needs
# ~12 s to start in UML (page faults are slow there) and 0.4 s on the host,
# so inside the VM the check is by default written to $LAB_RUN/host-checks
# and lab.sh runs it on the host as soon as the VM is off (a failure there
# fails the test).  LAB_TSHARK_IN_VM=1 runs it here and now.
tshark_ike_check() {
	local f
	if [ "${LAB_IN_VM:-0}" != 1 ] || [ "${LAB_TSHARK_IN_VM:-0}" = 1 ]; then
		tshark_ike_ok "$@"
		return
	fi
	for f in "$@"; do
		[ -s "$f" ] || fail "capture $f is empty"
		printf 'tshark_ike_ok %q\n' "$f" >>"$LAB_RUN/host-checks"
		say "tshark check of $(basename "$f") runs on the host after the VM"
	done
}

# tshark_after_ok FILE FILTER EPOCH MIN MAX [UNTIL]: FILE has MIN to MAX
# frames that match the display filter FILTER after EPOCH (and before
# UNTIL; seconds since 1970, the capture's clock: the VM's).
# tshark_after_check: the same on the host after the VM (as
# tshark_ike_check).
tshark_after_ok() {
	local f=$1 flt=$2 t=$3 min=$4 max=$5 until=${6:-} n win
	win="frame.time_epoch > $t"
	[ -z "$until" ] || win+=" && frame.time_epoch < $until"
	n=$(tshark -n -r "$f" -Y "($flt) && $win" 2>/dev/null | wc -l)
	if [ "$n" -lt "$min" ] || [ "$n" -gt "$max" ]; then
		fail "tshark: $n frames of $(basename "$f") match '$flt'" \
		    "after $t${until:+ and before $until}, not $min to $max"
	fi
	say "ok: tshark: $n frames of $(basename "$f") match '$flt' after" \
	    "$t${until:+ and before $until}"
}

tshark_after_check() {
	if [ "${LAB_IN_VM:-0}" != 1 ] || [ "${LAB_TSHARK_IN_VM:-0}" = 1 ]; then
		tshark_after_ok "$@"
		return
	fi
	[ -s "$1" ] || fail "capture $1 is empty"
	printf 'tshark_after_ok %q %q %q %q %q %q\n' "$1" "$2" "$3" "$4" \
	    "$5" "${6:-}" >>"$LAB_RUN/host-checks"
	say "tshark count of '$2' in $(basename "$1") runs on the host after the VM"
}

# tshark_decrypt_check FILE KEYDIR [MAIN]: tshark_decrypt_ok on the host
# after the VM (as tshark_ike_check does).
tshark_decrypt_check() {
	if [ "${LAB_IN_VM:-0}" != 1 ] || [ "${LAB_TSHARK_IN_VM:-0}" = 1 ]; then
		tshark_decrypt_ok "$@"
		return
	fi
	[ -s "$1" ] || fail "capture $1 is empty"
	printf 'tshark_decrypt_ok %q %q %q\n' "$1" "$2" "${3:-}" \
	    >>"$LAB_RUN/host-checks"
	say "tshark decryption of $(basename "$1") runs on the host after the VM"
}

# tshark_decrypt_ok FILE KEYDIR [main]: Wireshark, given gatewayd's key
# files of KEYDIR (keylog-dir: ikev1_decryption_table, esp_sa) as its own
# configuration, decrypts the capture: with "main", Main Mode messages 5
# and 6 (their ID payloads), and in any case Quick Mode messages (their SA
# payloads) and ESP packets (the ICMP inside).  Without the keys none of
# these fields appear.
tshark_decrypt_ok() {
	local f=$1 keys=$2 main=${3:-} cfg res n_id n_qm n_icmp
	[ -s "$keys/ikev1_decryption_table" ] ||
	    fail "no ikev1_decryption_table in $keys"
	[ -s "$keys/esp_sa" ] || fail "no esp_sa in $keys"
	cfg=$(mktemp -d "${LAB_RUN:-/tmp}/wireshark-cfg.XXXXXX")
	mkdir -p "$cfg/wireshark"
	cp "$keys/ikev1_decryption_table" "$keys/esp_sa" "$cfg/wireshark/"
	echo "esp.enable_encryption_decode: TRUE" >"$cfg/wireshark/preferences"
	res=$(XDG_CONFIG_HOME=$cfg tshark -n -r "$f" -T fields -E separator='|' \
	    -e isakmp.exchangetype -e isakmp.id.type -e isakmp.typepayload \
	    -e icmp.type -e esp.spi 2>/dev/null)
	rm -rf "$cfg"
	n_id=$(awk -F'|' '$1 == 2 && $2 != ""' <<<"$res" | wc -l)
	n_qm=$(awk -F'|' '$1 == 32 && $3 ~ /(^|,)1(,|$)/' <<<"$res" | wc -l)
	n_icmp=$(awk -F'|' '$4 != "" && $5 != ""' <<<"$res" | wc -l)
	[ "$main" != main ] || [ "$n_id" -ge 2 ] ||
	    fail "tshark decrypted $n_id Main Mode ID messages of $f (want 2)"
	[ "$n_qm" -ge 2 ] ||
	    fail "tshark decrypted $n_qm Quick Mode messages of $f (want 2)"
	[ "$n_icmp" -ge 2 ] ||
	    fail "tshark found $n_icmp ICMP packets inside ESP in $f (want 2)"
	say "ok: tshark with gatewayd's key files decrypts $(basename "$f"):" \
	    "$n_id Main Mode ID messages, $n_qm Quick Mode messages," \
	    "$n_icmp ICMP packets inside ESP"
}

# tshark_decrypt_v2_check FILE KEYDIR: tshark_decrypt_v2_ok on the host
# after the VM (as tshark_ike_check does).
tshark_decrypt_v2_check() {
	if [ "${LAB_IN_VM:-0}" != 1 ] || [ "${LAB_TSHARK_IN_VM:-0}" = 1 ]; then
		tshark_decrypt_v2_ok "$@"
		return
	fi
	[ -s "$1" ] || fail "capture $1 is empty"
	printf 'tshark_decrypt_v2_ok %q %q\n' "$1" "$2" >>"$LAB_RUN/host-checks"
	say "tshark decryption of $(basename "$1") runs on the host after the VM"
}

# tshark_decrypt_v2_ok FILE KEYDIR: Wireshark, given gatewayd's IKEv2 key
# files of KEYDIR (keylog-dir: ikev2_decryption_table, esp_sa) as its own
# configuration, decrypts the capture: the IKE_AUTH request and response
# (their AUTH payloads), CREATE_CHILD_SA messages if CHILD (their SA
# payloads) and ESP packets (the ICMP inside).  Without the keys none of
# these fields appear.
tshark_decrypt_v2_ok() {
	local f=$1 keys=$2 cfg res n_auth n_ccs n_icmp
	[ -s "$keys/ikev2_decryption_table" ] ||
	    fail "no ikev2_decryption_table in $keys"
	[ -s "$keys/esp_sa" ] || fail "no esp_sa in $keys"
	cfg=$(mktemp -d "${LAB_RUN:-/tmp}/wireshark-cfg.XXXXXX")
	mkdir -p "$cfg/wireshark"
	cp "$keys/ikev2_decryption_table" "$keys/esp_sa" "$cfg/wireshark/"
	echo "esp.enable_encryption_decode: TRUE" >"$cfg/wireshark/preferences"
	res=$(XDG_CONFIG_HOME=$cfg tshark -n -r "$f" -T fields -E separator='|' \
	    -e isakmp.exchangetype -e isakmp.auth.method -e isakmp.typepayload \
	    -e icmp.type -e esp.spi 2>/dev/null)
	rm -rf "$cfg"
	n_auth=$(awk -F'|' '$1 == 35 && $2 != ""' <<<"$res" | wc -l)
	n_ccs=$(awk -F'|' '$1 == 36 && $3 ~ /(^|,)33(,|$)/' <<<"$res" | wc -l)
	n_icmp=$(awk -F'|' '$4 != "" && $5 != ""' <<<"$res" | wc -l)
	[ "$n_auth" -ge 2 ] ||
	    fail "tshark decrypted $n_auth IKE_AUTH messages of $f (want 2)"
	[ "$n_icmp" -ge 2 ] ||
	    fail "tshark found $n_icmp ICMP packets inside ESP in $f (want 2)"
	say "ok: tshark with gatewayd's key files decrypts $(basename "$f"):" \
	    "$n_auth IKE_AUTH messages, $n_ccs CREATE_CHILD_SA messages with" \
	    "an SA, $n_icmp ICMP packets inside ESP"
}

# tshark_ike_ok FILE...: tshark dissects every IKE message in the captures
# (at least one) and finds none malformed or with a warning or error (its
# expert info, as "tshark -Y _ws.expert" lists).  One tshark run per file:
# tshark starts slowly in UML.
tshark_ike_ok() {
	local f res n_udp n_ike n_bad
	for f in "$@"; do
		[ -s "$f" ] || fail "capture $f is empty"
		res=$(tshark -n -r "$f" -T fields -E separator='|' \
		    -e frame.number -e frame.protocols -e udp.srcport \
		    -e udp.dstport -e udp.length -e _ws.malformed \
		    -e _ws.expert.severity 2>/dev/null | awk -F'|' '
		function ike_port(p) { return p == 500 || p == 4500 }
		{
			ike = $2 ~ /:isakmp/
			udp = $2 ~ /:udp/ && $2 !~ /:esp/ && $5 > 9 &&
			    (ike_port($3) || ike_port($4))
			n_udp += udp
			n_ike += ike
			bad = $6 != ""
			n = split($7, sev, ",")
			for (i = 1; i <= n; i++)
				if (ike && sev[i] + 0 >= 6291456)   # PI_WARN
					bad = 1
			if (bad)
				frames = frames " " $1
		}
		END { printf "%d %d %s\n", n_udp, n_ike, frames }')
		read -r n_udp n_ike n_bad <<<"$res"
		[ "${n_ike:-0}" -gt 0 ] || fail "tshark: no IKE message in $f"
		[ "$n_ike" = "$n_udp" ] ||
		    fail "tshark dissected $n_ike IKE messages of $n_udp in $f"
		if [ -n "$n_bad" ]; then
			fail "tshark: malformed or suspicious packets in $f" \
			    "(frames $n_bad):"$'\n'"$(tshark -n -r "$f" \
			    -Y _ws.expert -V 2>/dev/null | grep -E \
			    '^Frame|Expert Info|Malformed' | head -n 40)"
		fi
		say "ok: tshark: $n_ike IKE messages dissected, none malformed" \
		    "($(basename "$f"))"
	done
}

# ---------------------------------------------------------------------------
# Daemons

# lab_spawn NODE LOG CMD...: run CMD in NODE's namespace in the background.
lab_spawn() {
	local n=$1 log=$2
	shift 2
	ip netns exec "$n" "$@" >>"$log" 2>&1 &
	LAB_PIDS+=("$!")
	LAB_LAST_PID=$!
}

# node_stop NODE: stop the node's daemon (charon or gatewayd) and flush
# its SAs and policies.
node_stop() {
	local n=$1 d p
	d=$(node_dir "$n")
	while read -r p; do
		kill -TERM "$p" 2>/dev/null
		wait_for 5 lab_pid_gone "$p" || kill -KILL "$p" 2>/dev/null
	done < <(cat "$d/pids" 2>/dev/null)
	rm -f "$d/pids"
	rm -f "$(node_rt "$n")"/*
	ip -n "$n" xfrm state flush
	ip -n "$n" xfrm policy flush
	ip -n "$n" route flush table 220 2>/dev/null
	return 0
}

# ---- strongSwan ------------------------------------------------------------

# swan_conf NODE [EXTRA]: NODE's strongswan.conf (explicit plugin list,
# logs to NODE/charon.log); EXTRA is added to the charon section.
# SWAN_RETRANSMIT_TRIES: strongSwan's retransmissions before it gives up
# (default 3 here, so that failure tests end soon; strongSwan's own is 5).
swan_conf() {
	local n=$1 extra=${2:-} d plugins="" p
	d=$(node_dir "$n")
	for p in $SWAN_PLUGINS; do
		[ -f "$SWAN_PLUGINDIR/libstrongswan-$p.so" ] && plugins+=" $p"
	done
	mkdir -p "$d"/{x509,x509ca,x509aa,x509ocsp,x509crl,x509ac,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12,conf.d}
	mkdir -p "$d/swanctl.d"
	cat >"$d/strongswan.conf" <<EOF
# lab node $n (written by tests/lab/lib.sh)
charon {
	load =$plugins
	port = 500
	port_nat_t = 4500
	install_routes = yes
	retransmit_tries = ${SWAN_RETRANSMIT_TRIES:-3}
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	$extra
	filelog {
		lab {
			path = $d/charon.log
			time_format = %H:%M:%S
			append = no
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
			chd = 2
			knl = 1
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = pem pkcs1 x509 pubkey openssl random
}
EOF
}

# swan_conn NODE NAME KEY=VALUE...: add an IKE connection to NODE's
# swanctl.conf.  Keys (defaults in brackets):
#   local= remote=      addresses (required)
#   version=            1 | 2 [2]
#   proposals=          IKE proposals [aes128-sha1-modp1024]
#   esp=                esp_proposals [aes128-sha1-modp1024]
#   ah=                 ah_proposals (replaces esp=)
#   lts= rts=           traffic selectors, comma-separated
#   child=NAME|LTS|RTS  one CHILD config per child= (default: NAME|lts|rts)
#   psk=                pre-shared key [Secr3t!key]
#   lid= rid=           identities [local / remote address]
#   start=              start_action of the children: none | start | trap [none]
#   ike_rekey=          IKE rekey_time [0 = none]
#   ike_over=           IKE over_time (hard end after the rekey time)
#                       [not written: 10% of rekey_time]
#   child_rekey=        CHILD rekey_time [0 = none]
#   child_life=         CHILD life_time (hard end; strongSwan then rekeys
#                       between rekey_time minus the difference and
#                       rekey_time) [not written: rekey_time + 10%]
#   child_rekey_bytes= child_life_bytes=   CHILD rekey_bytes, life_bytes
#                       [not written: strongSwan's defaults, no limit]
#   aggressive=yes      IKEv1 Aggressive Mode
#   dpd_delay=          dead peer detection interval, e.g. 2s [none]
swan_conn() {
	local n=$1 name=$2 d kv k v
	local local_addr="" remote_addr="" version=2
	local proposals=aes128-sha1-modp1024 esp=aes128-sha1-modp1024 ah=""
	local lts="" rts="" psk='Secr3t!key' lid="" rid="" start=none
	local ike_rekey=0 child_rekey=0 aggressive=no children=() c cn cl cr
	local dpd_delay="" rekey_bytes="" life_bytes="" ike_over="" child_life=""
	shift 2
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		case "$k" in
		local) local_addr=$v ;;
		remote) remote_addr=$v ;;
		version) version=$v ;;
		proposals) proposals=$v ;;
		esp) esp=$v ;;
		ah) ah=$v ;;
		lts) lts=$v ;;
		rts) rts=$v ;;
		child) children+=("$v") ;;
		psk) psk=$v ;;
		lid) lid=$v ;;
		rid) rid=$v ;;
		start) start=$v ;;
		ike_rekey) ike_rekey=$v ;;
		ike_over) ike_over=$v ;;
		child_rekey) child_rekey=$v ;;
		child_life) child_life=$v ;;
		child_rekey_bytes) rekey_bytes=$v ;;
		child_life_bytes) life_bytes=$v ;;
		aggressive) aggressive=$v ;;
		dpd_delay) dpd_delay=$v ;;
		*) fail "swan_conn: unknown key $k" ;;
		esac
	done
	if [ -z "$local_addr" ] || [ -z "$remote_addr" ]; then
		fail "swan_conn $name: local= and remote= are required"
	fi
	[ ${#children[@]} -gt 0 ] || children=("$name|$lts|$rts")
	d=$(node_dir "$n")/swanctl.d
	mkdir -p "$d"
	{
		printf '\t%s {\n' "$name"
		printf '\t\tversion = %s\n' "$version"
		printf '\t\tlocal_addrs = %s\n\t\tremote_addrs = %s\n' \
		    "$local_addr" "$remote_addr"
		printf '\t\tproposals = %s\n' "$proposals"
		printf '\t\trekey_time = %s\n' "$ike_rekey"
		[ -z "$ike_over" ] || printf '\t\tover_time = %s\n' "$ike_over"
		printf '\t\taggressive = %s\n' "$aggressive"
		printf '\t\tencap = no\n\t\tmobike = no\n'
		[ -z "$dpd_delay" ] || printf '\t\tdpd_delay = %s\n' "$dpd_delay"
		printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' \
		    "${lid:-$local_addr}"
		printf '\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' \
		    "${rid:-$remote_addr}"
		printf '\t\tchildren {\n'
		for c in "${children[@]}"; do
			IFS='|' read -r cn cl cr <<<"$c"
			printf '\t\t\t%s {\n' "$cn"
			printf '\t\t\t\tmode = tunnel\n'
			printf '\t\t\t\tlocal_ts = %s\n\t\t\t\tremote_ts = %s\n' \
			    "$cl" "$cr"
			if [ -n "$ah" ]; then
				printf '\t\t\t\tah_proposals = %s\n' "$ah"
			else
				printf '\t\t\t\tesp_proposals = %s\n' "$esp"
			fi
			printf '\t\t\t\tstart_action = %s\n' "$start"
			printf '\t\t\t\trekey_time = %s\n' "$child_rekey"
			[ -z "$child_life" ] ||
			    printf '\t\t\t\tlife_time = %s\n' "$child_life"
			[ -z "$rekey_bytes" ] ||
			    printf '\t\t\t\trekey_bytes = %s\n' "$rekey_bytes"
			[ -z "$life_bytes" ] ||
			    printf '\t\t\t\tlife_bytes = %s\n' "$life_bytes"
			printf '\t\t\t}\n'
		done
		printf '\t\t}\n\t}\n'
	} >"$d/conn-$name"
	{
		printf '\tike-%s {\n' "$name"
		printf '\t\tid-1 = %s\n\t\tid-2 = %s\n' "${lid:-$local_addr}" \
		    "${rid:-$remote_addr}"
		printf '\t\tsecret = "%s"\n\t}\n' "$psk"
	} >"$d/secret-$name"
}

# swan_write NODE: assemble NODE/swanctl.conf from the swan_conn fragments.
swan_write() {
	local d f
	d=$(node_dir "$1")
	{
		echo "# lab node $1 (written by tests/lab/lib.sh)"
		echo "connections {"
		for f in "$d"/swanctl.d/conn-*; do
			[ -f "$f" ] && cat "$f"
		done
		echo "}"
		echo "secrets {"
		for f in "$d"/swanctl.d/secret-*; do
			[ -f "$f" ] && cat "$f"
		done
		echo "}"
	} >"$d/swanctl.conf"
}

# swanctl_cmd NODE COMMAND ARGS...: swanctl against NODE's charon, e.g.
# swanctl_cmd gw2 --rekey --child vpn.
swanctl_cmd() {
	local n=$1 cmd=$2
	shift 2
	STRONGSWAN_CONF=$(node_dir "$n")/strongswan.conf \
	    swanctl "$cmd" --uri "unix://$(node_rt "$n")/charon.vici" "$@"
}

# swan_load NODE: (re)load NODE's swanctl.conf.
swan_load() {
	local d out
	d=$(node_dir "$1")
	swan_write "$1"
	out=$(swanctl_cmd "$1" --load-all --noprompt --file "$d/swanctl.conf" \
	    2>&1) || fail "swanctl --load-all on $1:"$'\n'"$out"
	printf '%s\n' "$out" >>"$d/swanctl.out"
}

# start_charon NODE: charon in NODE's namespace with a private /run (its
# pid file and vici socket land in /run/lab/NODE), then load the config.
start_charon() {
	local n=$1 d rt
	d=$(node_dir "$n")
	rt=$(node_rt "$n")
	[ -f "$d/strongswan.conf" ] || swan_conf "$n"
	mkdir -p "$rt"
	# ip netns exec runs the command in a private mount namespace.
	# shellcheck disable=SC2016  # expanded by that sh
	lab_spawn "$n" "$d/charon.out" env STRONGSWAN_CONF="$d/strongswan.conf" \
	    sh -c 'mount --bind "$1" /run && exec "$2"' \
	    sh "$rt" "$CHARON"
	echo "$LAB_LAST_PID" >>"$d/pids"
	wait_for 15 test -S "$rt/charon.vici" ||
	    fail "charon on $n: no vici socket after 15 s"
	swan_load "$n"
	say "charon started on $n"
}

# swan_initiate NODE CHILD [IKE]: initiate and wait for the result.
swan_initiate() {
	local n=$1 child=$2 ike=${3:-$2} out
	out=$(swanctl_cmd "$n" --initiate --child "$child" --ike "$ike" \
	    --timeout 20 2>&1) ||
	    fail "swanctl --initiate $child on $n:"$'\n'"$(tail -n 20 <<<"$out")"
	printf '%s\n' "$out" >>"$(node_dir "$n")/swanctl.out"
	say "ok: $n initiated $child"
}

# swan_show_sas NODE: print strongSwan's SAs (for the log); the text is
# left in SWAN_SAS.
swan_show_sas() {
	SWAN_SAS=$(swanctl_cmd "$1" --list-sas 2>&1)
	say "strongSwan SAs on $1:"
	printf '%s\n' "$SWAN_SAS" | sed 's/^/    /'
}

# swan_child_up NODE CHILD: CHILD is INSTALLED on NODE.
swan_child_up() {
	swanctl_cmd "$1" --list-sas 2>/dev/null |
	    grep -qE "^ +$2: #[0-9]+, reqid [0-9]+, INSTALLED"
}

# swan_ike_spis NODE IKE: the SPIs (IKEv1: cookies) of NODE's established
# IKE SAs named IKE, "SPI_i SPI_r" a line.
swan_ike_spis() {
	swanctl_cmd "$1" --list-sas 2>/dev/null |
	    awk -v c="$2:" '$1 == c && $3 == "ESTABLISHED," {
		i = $5; r = $6; sub(/_i\*?$/, "", i); sub(/_r\*?$/, "", r)
		print i, r
	    }'
}

# swan_ike_up NODE IKE: the IKE SA IKE is ESTABLISHED on NODE.
swan_ike_up() {
	swanctl_cmd "$1" --list-sas 2>/dev/null |
	    grep -qE "^$2: #[0-9]+, ESTABLISHED"
}

# ---- gatewayd --------------------------------------------------------------

GW_PSK='Secr3t!key'

# gw_user_own DIR...: DIR belongs to GW_USER, so that gatewayd can create
# and remove files there after its privilege drop (the control socket and
# pid file in /run/lab/NODE, keylog-dir).
gw_user_own() {
	[ -n "$GW_USER" ] || return 0
	chown "$GW_USER" "$@" || fail "chown $GW_USER $*"
}

# gw_keylog_dir DIR: DIR ready as gatewayd's keylog-dir.  On the host's
# file system (hostfs) a file the VM creates belongs to the host's user
# of linux.uml (root), whatever user created it, and gatewayd refuses a
# key file that is not its own: so the three files are created here and
# given to GW_USER (a chown from the VM does reach the host).  A key
# directory on the VM's tmpfs (/run/lab) needs none of this.
gw_keylog_dir() {
	local f
	mkdir -p "$1"
	gw_user_own "$1"
	[ -n "$GW_USER" ] || return 0
	for f in ikev2_decryption_table ikev1_decryption_table esp_sa; do
		install -m 0600 -o "$GW_USER" /dev/null "$1/$f" ||
		    fail "cannot create $1/$f"
	done
}

gw_bin() {
	if [ ! -x "$GW_BUILD/gatewayd" ] || [ ! -x "$GW_BUILD/gatewayctl" ]; then
		fail "gatewayd/gatewayctl not built in GW_BUILD=$GW_BUILD" \
		    "(build without AddressSanitizer: ASan aborts in UML)"
	fi
}

# gw_conf_begin NODE GWNAME GWADDR PEERNAME PEERADDR [SEGMENT...]: start
# NODE/gatewayd.conf: globals (control socket in /run/lab/NODE), the
# gateway and one peer block.
gw_conf_begin() {
	local n=$1 gname=$2 gaddr=$3 pname=$4 paddr=$5 d s
	shift 5
	d=$(node_dir "$n")
	{
		echo "# lab node $n (written by tests/lab/lib.sh)"
		echo "control-socket $(node_rt "$n")/gatewayd.sock"
		echo "log-level debug"
		echo
		echo "gateway $gname {"
		printf '\taddress %s\n' "$gaddr"
		for s in "$@"; do
			printf '\tsegment %s\n' "$s"
		done
		echo "}"
		echo
		echo "peer $pname {"
		printf '\taddress %s\n' "$paddr"
		echo "}"
	} >"$d/gatewayd.conf"
	GW_CONF_GATEWAY[$n]=$gname
	GW_CONF_PEER[$n]=$pname
}
declare -A GW_CONF_GATEWAY GW_CONF_PEER

# gw_conf_tunnel NODE NAME KEY=VALUE...: add a tunnel.  Keys (only those
# given are written, so gatewayd's defaults are what is tested otherwise):
#   lseg= pseg=          comma-separated segments (required)
#   psk= [Secr3t!key]    initiate=yes|no
#   version= mode= ike_integrity= ike_encryption= dh= lid= pid= ike_lifetime=
#   protocol= integrity= encryption= pfs= lifetime=    (ipsec block)
#   lifetime_bytes= lifetime_packets=   (ipsec lifetime-bytes/-packets)
gw_conf_tunnel() {
	local n=$1 name=$2 kv k v d s
	local -A ike=() ipsec=() top=()
	local lseg="" pseg="" psk=$GW_PSK
	shift 2
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		case "$k" in
		lseg) lseg=$v ;;
		pseg) pseg=$v ;;
		psk) psk=$v ;;
		initiate) top[initiate]=$v ;;
		child_sa) top[child-sa]=$v ;;
		version|mode|dh) ike[${k/dh/dh-group}]=$v ;;
		ike_integrity) ike[integrity]=$v ;;
		ike_encryption) ike[encryption]=$v ;;
		ike_lifetime) ike[lifetime]=$v ;;
		ike_proposals) ike[proposals]=$v ;;
		esp_proposals) ipsec[proposals]=$v ;;
		lid) ike[local-id]=$v ;;
		pid) ike[peer-id]=$v ;;
		protocol|integrity|encryption|pfs|lifetime|esn) ipsec[$k]=$v ;;
		lifetime_bytes|lifetime_packets) ipsec[${k/_/-}]=$v ;;
		replay_window) ipsec[replay-window]=$v ;;
		*) fail "gw_conf_tunnel: unknown key $k" ;;
		esac
	done
	if [ -z "$lseg" ] || [ -z "$pseg" ]; then
		fail "gw_conf_tunnel $name: lseg= and pseg= are required"
	fi
	d=$(node_dir "$n")
	{
		echo
		echo "tunnel $name {"
		printf '\tgateway %s\n\tpeer %s\n' "${GW_CONF_GATEWAY[$n]}" \
		    "${GW_CONF_PEER[$n]}"
		for s in ${lseg//,/ }; do printf '\tlocal-segment %s\n' "$s"; done
		for s in ${pseg//,/ }; do printf '\tpeer-segment %s\n' "$s"; done
		printf '\tpsk %s\n' "$psk"
		for k in "${!top[@]}"; do printf '\t%s %s\n' "$k" "${top[$k]}"; done
		if [ ${#ike[@]} -gt 0 ]; then
			printf '\tike {\n'
			for k in "${!ike[@]}"; do
				printf '\t\t%s %s\n' "$k" "${ike[$k]}"
			done
			printf '\t}\n'
		fi
		if [ ${#ipsec[@]} -gt 0 ]; then
			printf '\tipsec {\n'
			for k in "${!ipsec[@]}"; do
				printf '\t\t%s %s\n' "$k" "${ipsec[$k]}"
			done
			printf '\t}\n'
		fi
		echo "}"
	} >>"$d/gatewayd.conf"
}

# start_gatewayd NODE [CONFIG]: the built gatewayd in NODE's namespace,
# foreground, debug, log in NODE/gatewayd.log; waits for its control
# socket.  CONFIG defaults to NODE/gatewayd.conf.
start_gatewayd() {
	local n=$1 d conf out
	d=$(node_dir "$n")
	conf=${2:-$d/gatewayd.conf}
	gw_bin
	out=$("$GW_BUILD/gatewayd" -n -f "$conf" "${GW_USER_OPT[@]}" 2>&1) ||
	    fail "gatewayd -n rejects $conf:"$'\n'"$out"$'\n'"$(cat "$conf")"
	# GW_NODEBUG=1: no -d, the file's log-level holds (benchmarks)
	local dbg=(-d)
	[ "${GW_NODEBUG:-}" = 1 ] && dbg=()
	lab_spawn "$n" "$d/gatewayd.log" "$GW_BUILD/gatewayd" -F "${dbg[@]}" \
	    -f "$conf" "${GW_USER_OPT[@]}"
	echo "$LAB_LAST_PID" >>"$d/pids"
	GW_PID[$n]=$LAB_LAST_PID
	if ! wait_for 10 test -S "$(node_rt "$n")/gatewayd.sock"; then
		lab_pid_gone "$LAB_LAST_PID" &&
		    fail "gatewayd on $n exited at start"
		fail "gatewayd on $n: no control socket after 10 s"
	fi
	say "gatewayd started on $n"
}
declare -A GW_PID

# gw_alive NODE: gatewayd on NODE is still running (no crash).
gw_alive() {
	kill -0 "${GW_PID[$1]}" 2>/dev/null ||
	    fail "gatewayd on $1 is not running any more"
}

# gwctl NODE ARGS...: gatewayctl against NODE's gatewayd.
gwctl() {
	local n=$1
	shift
	"$GW_BUILD/gatewayctl" -s "$(node_rt "$n")/gatewayd.sock" "$@"
}

# gw_tunnel_state NODE TUNNEL: the state gatewayctl status shows for TUNNEL.
gw_tunnel_state() {
	gwctl "$1" status 2>/dev/null | awk -v t="$2:" '
	$1 == t { found = 1; next }
	found && $1 == "state:" { sub(/^[ \t]*state:[ \t]*/, ""); print; exit }'
}

gw_state_is() {
	[ "$(gw_tunnel_state "$1" "$2")" = "$3" ]
}

# gw_wait_state NODE TUNNEL STATE [TIMEOUT]: wait until TUNNEL is in STATE
# (e.g. Connected, "Phase 1 failed"); fail with the status output if not.
gw_wait_state() {
	local n=$1 t=$2 st=$3 to=${4:-20}
	wait_for "$to" gw_state_is "$n" "$t" "$st" ||
	    fail "$n: tunnel $t not '$st' after $to s (now" \
		"'$(gw_tunnel_state "$n" "$t")'); status:"$'\n'"$(gwctl "$n" status 2>&1)"
	say "ok: $n: tunnel $t is $st"
}

# gw_status_json_ok NODE TUNNEL STATE: "gatewayctl status --json" says the
# same.  The JSON is kept in NODE/status-TUNNEL.json; python3 (slow to start
# in UML) validates it on the host after the VM (see tshark_ike_check).
gw_status_json_ok() {
	local n=$1 t=$2 st=$3 out f
	out=$(gwctl "$n" status --json 2>&1) ||
	    fail "gatewayctl status --json on $n: $out"
	LAB_JSON_SEQ=$((${LAB_JSON_SEQ:-0} + 1))
	f=$(node_dir "$n")/status-$t.$LAB_JSON_SEQ.json
	printf '%s\n' "$out" >"$f"
	assert_match "$n: status --json: tunnel $t is $st" \
	    "\"name\":\"$t\"[^{}]*\"state\":\"$st\"" "$out"
	if [ "${LAB_IN_VM:-0}" = 1 ]; then
		printf 'json_status_ok %q %q %q\n' "$f" "$t" "$st" \
		    >>"$LAB_RUN/host-checks"
	else
		json_status_ok "$f" "$t" "$st"
	fi
	say "ok: $n: status --json: $t is $st"
}

# json_status_ok FILE TUNNEL STATE: FILE is valid JSON {"tunnels":[...]}
# with TUNNEL in STATE.
json_status_ok() {
	python3 -c '
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
t = [x for x in d["tunnels"] if x["name"] == sys.argv[2]]
sys.exit(0 if t and t[0]["state"] == sys.argv[3] else 1)' "$1" "$2" "$3" ||
	    fail "$1: invalid JSON or tunnel $2 not '$3'"
	say "ok: $(basename "$1"): valid JSON, $2 is $3"
}

# promtool_metrics_ok FILE: FILE (a scrape of gatewayd's /metrics) passes
# "promtool check metrics" (names, types, HELP, units).  On the host.
promtool_metrics_ok() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) ||
	    fail "promtool check metrics $(basename "$1"):"$'\n'"$out"
	say "ok: promtool check metrics $(basename "$1")${out:+: $out}"
}

# metrics_range_ok RUN: Prometheus' query_range answers of t-metrics.sh
# (RUN/range-{up,out_bytes,in_bytes}.json, step 1 s): the tunnel's up
# series goes 0 -> 1 -> 0 -> 1 and its byte counters never go back and
# grow after the reconnection.  On the host.
metrics_range_ok() {
	python3 - "$1" <<'PYEOF' || fail "Prometheus' record of the run is wrong"
import json, sys
run = sys.argv[1]

def series(name):
    with open("%s/range-%s.json" % (run, name)) as f:
        d = json.load(f)
    assert d["status"] == "success", d
    res = d["data"]["result"]
    assert len(res) == 1, "%s: %d series" % (name, len(res))
    return [(float(t), float(v)) for t, v in res[0]["values"]]

up = series("up")
runs = []
for t, v in up:
    if not runs or runs[-1][0] != v:
        runs.append([v, t, t])
    runs[-1][2] = t
print("up: " + " -> ".join("%g (%gs)" % (v, b - a + 1) for v, a, b in runs))
assert [v for v, _, _ in runs] == [0, 1, 0, 1], "up is not 0 -> 1 -> 0 -> 1"
down_at = runs[2][1]
for name in ("out_bytes", "in_bytes"):
    s = series(name)
    vals = [v for _, v in s]
    for (t0, a), (t1, b) in zip(s, s[1:]):
        assert b >= a, "%s went back at %g: %g -> %g" % (name, t1, a, b)
    before = max(v for t, v in s if t <= down_at)
    print("%s: first %g, at the drop %g, last %g" %
          (name, vals[0], before, vals[-1]))
    assert before > 0, name + ": no traffic before the drop"
    assert vals[-1] > before, name + ": no growth after the reconnection"
PYEOF
	say "ok: Prometheus saw up 0 -> 1 -> 0 -> 1 and bytes only rising"
}

# ---- the standard scenario's nodes -------------------------------------------

# gw_std NODE [TUNNEL-KEYS...]: gatewayd's config for gw1 (tunnel vpc1-vpc2)
# or gw2 (tunnel vpc2-vpc1) of the standard topology; KEYS as for
# gw_conf_tunnel (lseg/pseg default to the topology's subnets).
gw_std() {
	local n=$1
	shift
	case "$n" in
	gw1)
		gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "$GW1_NET"
		gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" "$@"
		;;
	gw2)
		gw_conf_begin gw2 gw2 "$GW2_PUB" gw1 "$GW1_PUB" "$GW2_NET"
		gw_conf_tunnel gw2 vpc2-vpc1 lseg="$GW2_NET" pseg="$GW1_NET" "$@"
		;;
	*) fail "gw_std: $n is not gw1 or gw2" ;;
	esac
}

# swan_std NODE [CONN-KEYS...]: strongSwan's config for gw1 or gw2 of the
# standard topology, connection "vpn"; KEYS as for swan_conn.
swan_std() {
	local n=$1
	shift
	swan_conf "$n"
	rm -f "$(node_dir "$n")"/swanctl.d/*
	case "$n" in
	gw1) swan_conn gw1 vpn local="$GW1_PUB" remote="$GW2_PUB" \
		lts="$GW1_NET" rts="$GW2_NET" "$@" ;;
	gw2) swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" \
		lts="$GW2_NET" rts="$GW1_NET" "$@" ;;
	*) fail "swan_std: $n is not gw1 or gw2" ;;
	esac
}

# traffic_ok [PROTO]: clients ping each other through the tunnel and both
# gateways' SAs count packets in each direction.
traffic_ok() {
	# a rekey between the pings and the look (short test lifetimes on a
	# slow VM, where each look takes seconds) leaves new SAs without
	# packets: ping again and look again, each gateway's look once
	for _ in 1 2 3; do
		ping_ok c1 "$C2_ADDR"
		ping_ok c2 "$C1_ADDR"
		if xfrm_counters_have gw1 1 "${1:-}" &&
		    xfrm_counters_have gw2 1 "${1:-}"; then
			say "ok: xfrm gw1 and gw2: ${1:-esp/ah} SAs with traffic" \
			    "in each direction"
			return 0
		fi
		say "note: an SA without packets on a gateway (rekeyed since" \
		    "the pings?): pinging again"
	done
	xfrm_counters_ok gw1 1 "${1:-}"
	xfrm_counters_ok gw2 1 "${1:-}"
}

# gw_show_status NODE: print gatewayctl status (for the log).
gw_show_status() {
	say "gatewayctl status on $1:"
	gwctl "$1" status 2>&1 | sed 's/^/    /'
}

# topo_segments: the standard gateways with two inside segments each and a
# client in every segment:
#   gw1: 172.16.0.0/24 (c1 172.16.0.14), 172.16.1.0/24 (c3 172.16.1.14)
#   gw2: 10.1.0.0/16 (c2 10.1.0.2),      10.2.0.0/16 (c4 10.2.0.2)
SEG1A=172.16.0.0/24
SEG1B=172.16.1.0/24
SEG2A=10.1.0.0/16
SEG2B=10.2.0.0/16
C3_ADDR=172.16.1.14
C2S_ADDR=10.1.0.2
C4_ADDR=10.2.0.2
topo_segments() {
	netns_add gw1
	netns_add gw2
	veth_add gw1 pub "$GW1_PUB/24" gw2 pub "$GW2_PUB/24"
	client_add gw1 c1 in0 172.16.0.1/24 "$C1_ADDR/24"
	client_add gw1 c3 in1 172.16.1.1/24 "$C3_ADDR/24"
	client_add gw2 c2 in0 10.1.0.1/16 "$C2S_ADDR/16"
	client_add gw2 c4 in1 10.2.0.1/16 "$C4_ADDR/16"
}

# ---- IKEv1 -----------------------------------------------------------------
#
# strongSwan speaks IKEv1 with "version = 1" in the connection.  As a
# responder it accepts Aggressive Mode with a PSK only with the option
# below.  It uses only the first traffic selector of a CHILD config in
# IKEv1 (Quick Mode carries one pair of IDs), so segments need one child
# per segment pair.

SWAN_V1_EXTRA='i_dont_care_about_security_and_use_aggressive_mode_psk = yes'

# swan_conf_v1 NODE: strongswan.conf for IKEv1 (Aggressive Mode PSK allowed).
swan_conf_v1() {
	swan_conf "$1" "$SWAN_V1_EXTRA"
}

# swan_v1_std NODE [CONN-KEYS...]: like swan_std, but IKEv1 (version=1 and
# swan_conf_v1); KEYS as for swan_conn, e.g. aggressive=yes lid= rid=.
# In IKEv1 strongSwan proposes its rekey times as the SA lifetimes (0 with
# swan_conn's defaults, which Libreswan takes literally): 86400 s for the
# IKE SA and 3600 s for the CHILD SAs unless KEYS say otherwise.
swan_v1_std() {
	local n=$1
	shift
	swan_std "$n" version=1 ike_rekey=86400 child_rekey=3600 "$@"
	swan_conf_v1 "$n"
}

# gw_v1_std NODE [TUNNEL-KEYS...]: gw_std with "version 1" in the ike block.
gw_v1_std() {
	local n=$1
	shift
	gw_std "$n" version=1 "$@"
}

# gw_tunnel_field NODE TUNNEL FIELD: the value of the line "FIELD: ..." of
# TUNNEL in gatewayctl status (e.g. IKE, warning, "last error").
gw_tunnel_field() {
	gwctl "$1" status 2>/dev/null | awk -v t="$2:" -v f="$3:" '
	/^[^ \t]/ { found = ($1 == t); next }
	found && index($0, "  " f " ") == 1 {
		sub(/^[^:]*:[ \t]*/, ""); print; exit
	}'
}

# gw_ike_spis NODE TUNNEL: the SPIs (IKEv1: cookies) of TUNNEL's IKE SA
# in gatewayctl status, "SPI_i SPI_r".
gw_ike_spis() {
	gw_tunnel_field "$1" "$2" "IKE SPIs" | awk '{ print $1, $3 }'
}

# gw_v1_status_ok NODE TUNNEL: gatewayctl status shows TUNNEL Connected
# with IKEv1 (text), and status --json the same (ike_version 1).
gw_v1_status_ok() {
	local n=$1 t=$2 ike
	ike=$(gw_tunnel_field "$n" "$t" IKE)
	assert_match "$n: gatewayctl status: IKE of $t" '^IKEv1( |$)' "$ike"
	say "ok: $n: $t uses $ike"
	gw_status_json_ok "$n" "$t" Connected
	assert_match "$n: status --json: $t has ike_version 1" \
	    "\"name\":\"$t\"[^{}]*\"ike_version\":1[,}]" \
	    "$(gwctl "$n" status --json 2>&1)"
}

# swan_log_count NODE ERE: lines of NODE's charon.log matching ERE.
swan_log_count() {
	grep -cE -- "$2" "$(node_dir "$1")/charon.log" 2>/dev/null || true
}

# ---- Libreswan (pluto) -------------------------------------------------------
#
# Libreswan conflicts with strongSwan's packages: prepare.sh unpacks its
# Debian package (dpkg-deb -x) into $LSW_ROOT and installs its libraries.
# pluto execs the hard-coded /usr/libexec/ipsec/addconn, so it runs with
# the unpacked usr/libexec bind-mounted over /usr/libexec in its private
# mount namespace (ip netns exec makes one).  Per node: NODE/ipsec.conf,
# NODE/ipsec.secrets, NODE/nss (NSS database), NODE/pluto.log; pluto.ctl
# and pluto.pid in /run/lab/NODE.  No updown script (leftupdown=/bin/true):
# lsw_conn's caller adds the route to the peer's segments (lsw_route).
# Libreswan 4.10 has no modp1024 (DH 2), modp768 (DH 1) or DH 24; it uses
# PFS with the phase 1 group unless told otherwise.

LSW_ROOT=${LAB_LIBRESWAN_ROOT:-/var/cache/gatewayd-lab/libreswan/root}
LSW_EXEC=$LSW_ROOT/usr/libexec/ipsec

lsw_bin() {
	local p
	for p in pluto whack addconn; do
		[ -x "$LSW_EXEC/$p" ] || fail "Libreswan not unpacked in" \
		    "$LSW_ROOT (run tests/lab/prepare.sh)"
	done
	command -v certutil >/dev/null 2>&1 ||
	    fail "certutil missing (apt-get install libnss3-tools)"
}

# lsw_conf NODE [SETUP-LINE...]: NODE's ipsec.conf "config setup" (IKEv1
# accepted, log to NODE/pluto.log, all debugging) and an empty secrets
# file; connections come from lsw_conn.
lsw_conf() {
	local n=$1 d l
	shift
	d=$(node_dir "$n")
	mkdir -p "$d/lsw.d"
	rm -f "$d"/lsw.d/*
	{
		echo "# lab node $n (written by tests/lab/lib.sh)"
		echo "config setup"
		echo "	ikev1-policy=accept"
		echo "	logfile=$d/pluto.log"
		echo "	logappend=no"
		echo "	plutodebug=none"
		echo "	uniqueids=no"
		for l in "$@"; do printf '\t%s\n' "$l"; done
	} >"$d/lsw.d/00-setup"
}

# lsw_conn NODE NAME KEY=VALUE...: a PSK tunnel in NODE's ipsec.conf.
# Keys (defaults in brackets):
#   local= remote=      addresses (required)
#   lnet= rnet=         subnets (required)
#   version=            1 | 2 [1]
#   ike=                phase 1 algorithms [aes128-sha1;modp2048]
#   esp=                phase 2 algorithms [aes128-sha1;modp2048]
#   pfs=                yes | no [yes]
#   psk=                [Secr3t!key]
#   lid= rid=           identities [addresses]; FQDNs as @name
#   aggressive=         yes | no [no]
#   dpddelay=           seconds [none]
lsw_conn() {
	local n=$1 name=$2 kv k v d
	local -A o=([version]=1 [ike]='aes128-sha1;modp2048'
	    [esp]='aes128-sha1;modp2048' [pfs]=yes [psk]=$GW_PSK
	    [aggressive]=no [lid]="" [rid]="" [dpddelay]=""
	    [local]="" [remote]="" [lnet]="" [rnet]="")
	shift 2
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		[ -n "${o[$k]+x}" ] || fail "lsw_conn: unknown key $k"
		o[$k]=$v
	done
	for k in local remote lnet rnet; do
		[ -n "${o[$k]}" ] || fail "lsw_conn $name: $k= is required"
	done
	d=$(node_dir "$n")
	{
		printf '\nconn %s\n' "$name"
		printf '\tauthby=secret\n'
		if [ "${o[version]}" = 1 ]; then
			printf '\tikev2=no\n'
		else
			printf '\tikev2=yes\n'
		fi
		printf '\taggressive=%s\n' "${o[aggressive]}"
		printf '\tleft=%s\n\tleftid=%s\n\tleftsubnet=%s\n' \
		    "${o[local]}" "${o[lid]:-${o[local]}}" "${o[lnet]}"
		printf '\tright=%s\n\trightid=%s\n\trightsubnet=%s\n' \
		    "${o[remote]}" "${o[rid]:-${o[remote]}}" "${o[rnet]}"
		printf '\tleftupdown=/bin/true\n'
		printf '\tike=%s\n\tphase2=esp\n\tesp=%s\n\tpfs=%s\n' \
		    "${o[ike]}" "${o[esp]}" "${o[pfs]}"
		printf '\tkeyingtries=1\n\tauto=add\n'
		[ -z "${o[dpddelay]}" ] ||
		    printf '\tdpddelay=%s\n\tdpdtimeout=%s\n\tdpdaction=clear\n' \
			"${o[dpddelay]}" "$((o[dpddelay] * 5))"
	} >"$d/lsw.d/conn-$name"
	printf '%s %s : PSK "%s"\n' "${o[lid]:-${o[local]}}" \
	    "${o[rid]:-${o[remote]}}" "${o[psk]}" >"$d/lsw.d/secret-$name"
}

# lsw_write NODE: assemble NODE/ipsec.conf and NODE/ipsec.secrets.
lsw_write() {
	local d f
	d=$(node_dir "$1")
	cat "$d"/lsw.d/00-setup >"$d/ipsec.conf"
	: >"$d/ipsec.secrets"
	for f in "$d"/lsw.d/conn-*; do
		[ -f "$f" ] && cat "$f" >>"$d/ipsec.conf"
	done
	for f in "$d"/lsw.d/secret-*; do
		[ -f "$f" ] && cat "$f" >>"$d/ipsec.secrets"
	done
	chmod 600 "$d/ipsec.secrets"
}

# whack_cmd NODE ARGS...: Libreswan's whack against NODE's pluto.
whack_cmd() {
	local n=$1
	shift
	"$LSW_EXEC/whack" --ctlsocket "$(node_rt "$n")/pluto.ctl" "$@"
}

# start_pluto NODE: pluto in NODE's namespace (see above), then every
# connection of NODE/ipsec.conf added with addconn.
start_pluto() {
	local n=$1 d rt out c
	lsw_bin
	d=$(node_dir "$n")
	rt=$(node_rt "$n")
	[ -f "$d/lsw.d/00-setup" ] || lsw_conf "$n"
	lsw_write "$n"
	mkdir -p "$rt" "$d/ipsec.d"
	if [ ! -f "$d/nss/cert9.db" ]; then
		mkdir -p "$d/nss"
		out=$(certutil -N -d "sql:$d/nss" --empty-password 2>&1) ||
		    fail "certutil -N on $n: $out"
	fi
	# --config first: its "config setup" would override options before it.
	# shellcheck disable=SC2016  # expanded by that sh
	lab_spawn "$n" "$d/pluto.out" sh -c \
	    'mount --bind "$1" /usr/libexec && shift && exec "$@"' sh \
	    "$LSW_ROOT/usr/libexec" "$LSW_EXEC/pluto" \
	    --config "$d/ipsec.conf" --nofork \
	    --rundir "$rt" --nssdir "$d/nss" --ipsecdir "$d/ipsec.d" \
	    --secretsfile "$d/ipsec.secrets" --logfile "$d/pluto.log" \
	    --no-dnssec
	echo "$LAB_LAST_PID" >>"$d/pids"
	wait_for 15 test -S "$rt/pluto.ctl" ||
	    fail "pluto on $n: no control socket after 15 s"
	while read -r c; do
		out=$("$LSW_EXEC/addconn" --config "$d/ipsec.conf" \
		    --ctlsocket "$rt/pluto.ctl" "$c" 2>&1) ||
		    fail "addconn $c on $n:"$'\n'"$out"
		printf '%s\n' "$out" >>"$d/whack.out"
	done < <(sed -n '/^conn %default$/d; s/^conn //p' "$d/ipsec.conf")
	whack_cmd "$n" --rereadsecrets >>"$d/whack.out" 2>&1
	say "pluto started on $n"
}

# lsw_route NODE NET VIA: route NET via VIA (pluto runs no updown here).
lsw_route() {
	ip -n "$1" route replace "$2" via "$3" ||
	    fail "$1: ip route replace $2 via $3"
}

# lsw_initiate NODE CONN: initiate CONN and wait for the result.
lsw_initiate() {
	local n=$1 c=$2 out
	out=$(timeout 30 "$LSW_EXEC/whack" --ctlsocket \
	    "$(node_rt "$n")/pluto.ctl" --name "$c" --initiate 2>&1)
	printf '%s\n' "$out" >>"$(node_dir "$n")/whack.out"
	lsw_sa_up "$n" "$c" ||
	    fail "Libreswan on $n: $c not up after --initiate:"$'\n'"$(tail -n 20 <<<"$out")"
	say "ok: $n initiated $c"
}

# lsw_sa_up NODE CONN: NODE's pluto has an IPsec SA for CONN.
lsw_sa_up() {
	whack_cmd "$1" --trafficstatus 2>/dev/null | grep -q "\"$2\""
}

# lsw_show NODE: print pluto's states (for the log); text in LSW_STATES.
lsw_show() {
	LSW_STATES=$(whack_cmd "$1" --showstates 2>&1)
	say "Libreswan states on $1:"
	printf '%s\n' "$LSW_STATES" | sed 's/^/    /'
}

# strongSwan's log lines (ike level 2) for IKEv1 dead peer detection: the
# R-U-THERE it sends and the R-U-THERE-ACK it receives.
SWAN_V1_DPD_SENT_RE='generating INFORMATIONAL_V1 request [0-9]+ \[ HASH N\(DPD\) \]'
SWAN_V1_DPD_ACK_RE='parsed INFORMATIONAL_V1 request [0-9]+ \[ HASH N\(DPD_ACK\) \]'

# ---- NAT ---------------------------------------------------------------------
#
# A node behind a NAT router: the router namespace masquerades what leaves
# its outside interface (iptables-legacy: this UML kernel has iptable_nat
# and xt_MASQUERADE but not nft_chain_nat, which nft and iptables-nft need
# for NAT).  init.sh turns module autoloading off, so nat_router_add loads
# the NAT modules itself.  UDP gets source ports from NAT_PORTS, so the
# peer sees both a new address and new ports (500 and 4500 are never kept).

NAT_PORTS=20000-29999
NAT_MODULES="nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack nf_nat x_tables
ip_tables iptable_nat xt_MASQUERADE"

# nat_router_add ROUTER INSIDE-NS INSIDE-IF INSIDE-ADDR/LEN ROUTER-IN/LEN
#     OUTSIDE-NS OUTSIDE-IF OUTSIDE-ADDR/LEN ROUTER-OUT/LEN:
# a router namespace between INSIDE-NS (its interface INSIDE-IF, default
# route via the router) and OUTSIDE-NS (interface OUTSIDE-IF), forwarding
# and masquerading on its outside interface "out".
nat_router_add() {
	local r=$1 ins=$2 inif=$3 ina=$4 rin=$5 outs=$6 outif=$7 outa=$8
	local rout=$9 out
	# shellcheck disable=SC2086
	out=$(modprobe -a $NAT_MODULES 2>&1) ||
	    fail "NAT modules do not load: $out"
	command -v iptables-legacy >/dev/null 2>&1 ||
	    fail "iptables-legacy missing (apt-get install iptables)"
	lab_has_node "$r" || netns_add "$r"
	lab_has_node "$ins" || netns_add "$ins"
	lab_has_node "$outs" || netns_add "$outs"
	ip link add "$inif" netns "$ins" type veth peer name in \
	    netns "$r" || fail "veth $ins:$inif - $r:in"
	link_setup "$r" in "$rin"
	link_setup "$ins" "$inif" "$ina" "route add default via ${rin%/*}"
	ip link add out netns "$r" type veth peer name "$outif" \
	    netns "$outs" || fail "veth $r:out - $outs:$outif"
	link_setup "$r" out "$rout"
	link_setup "$outs" "$outif" "$outa"
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	out=$(ip netns exec "$r" sh -c "
	    iptables-legacy -t nat -A POSTROUTING -o out -p udp \
		-j MASQUERADE --to-ports $NAT_PORTS &&
	    iptables-legacy -t nat -A POSTROUTING -o out -j MASQUERADE" 2>&1) ||
	    fail "iptables-legacy MASQUERADE on $r: $out"
	say "NAT router $r: $ins ${ina%/*} -> ${rout%/*} (UDP ports $NAT_PORTS)"
}

# The NAT topology: gw1 and its client c1 behind the NAT router nat, whose
# outside address is gw1's usual public address:
#   c1 172.16.0.14 --- gw1 192.168.77.2 --- 192.168.77.1 nat 198.51.100.1
#   ==pub== 198.51.100.2 gw2 10.0.0.1/12 --- 10.0.0.2 c2
# gw2 sees gw1 as 198.51.100.1 with NAT_PORTS source ports.
GW1_PRIV=192.168.77.2
NAT_IN=192.168.77.1
topo_nat() {
	netns_add gw1
	netns_add gw2
	netns_add nat
	nat_router_add nat gw1 pub "$GW1_PRIV/24" "$NAT_IN/24" \
	    gw2 pub "$GW2_PUB/24" "$GW1_PUB/24"
	client_add gw1 c1 in0 172.16.0.1/24 "$C1_ADDR/24"
	client_add gw2 c2 in0 10.0.0.1/12 "$C2_ADDR/12"
}

# xfrm_encap_ok NS PORT PEER-ERE: NS has at least two SAs, every one ESP
# in UDP ("encap type espinudp") between local port PORT and a peer port
# matching PEER-ERE (sport PORT on outbound SAs, dport PORT on inbound
# ones).  The distinct encap lines are left in XFRM_ENCAP.
xfrm_encap_ok() {
	local ns=$1 port=$2 pre=$3 out n bad
	out=$(ip -n "$ns" xfrm state)
	n=$(grep -c '^src ' <<<"$out")
	assert_ge "$ns: xfrm states" 2 "$n"
	[ "$(grep -c 'encap type espinudp ' <<<"$out")" = "$n" ] ||
	    fail "$ns: not every SA is ESP in UDP:"$'\n'"$out"
	XFRM_ENCAP=$(grep -oE 'encap type espinudp sport [0-9]+ dport [0-9]+' \
	    <<<"$out" | sort -u)
	if bad=$(grep -vE "sport ($port dport ($pre)|($pre) dport $port)\$" \
	    <<<"$XFRM_ENCAP"); then
		fail "$ns: ESP-in-UDP ports not $port <-> /$pre/:"$'\n'"$bad"
	fi
	say "ok: $ns: ESP in UDP: $(tr '\n' ';' <<<"$XFRM_ENCAP")"
}
