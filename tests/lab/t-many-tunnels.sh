#!/usr/bin/env bash
# t-many-tunnels.sh - 20 tunnels from gatewayd (gw1) to one stock
# strongSwan (gw2, charon's default DoS protection: block_threshold 5
# half-open IKE SAs per peer address, cookie_threshold 10), IKEv2 PSK, each
# tunnel its own segment pair:
#   tN: 172.16.(N-1).0/24 (gw1) <-> 10.N.0.0/16 (gw2), N = 1 ... 20
# strongSwan has one connection "vpn" with 20 children, one per pair, and
# answers only (start_action none).  gatewayd initiates all 20 at start;
# its pacing (initiate-half-open-per-peer, default 2) keeps at most 2 of
# them half-open towards gw2 at a time, so charon never ignores one nor
# asks for a cookie (cookie_threshold_ip 3).
# Timing: from gatewayd's first log line to the last "-> Connected" of the
# 20 (its log); the issue's target, 2 s, is printed, the test asserts
# < 10 s only (without pacing it took 14-23 s).  Then pings through t1,
# t2 and t20, and the counters show the paced initiations.
# LAB_PACE_BUDGET=N writes "initiate-half-open-per-peer N" (64: all 20 at
# once, as before pacing; the < 10 s and counter checks then may fail).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

N=20
topo_segments
client_add gw1 c5 in2 172.16.19.1/24 172.16.19.14/24
client_add gw2 c6 in2 10.20.0.1/16 10.20.0.2/16

step "strongSwan on gw2: one connection, $N children"
swan_conf gw2
rm -f "$(node_dir gw2)"/swanctl.d/*
children=()
for i in $(seq 1 "$N"); do
	children+=("child=t$i|10.$i.0.0/16|172.16.$((i - 1)).0/24")
done
swan_conn gw2 vpn local="$GW2_PUB" remote="$GW1_PUB" "${children[@]}"
start_charon gw2

# charon may demand cookies (3 half-open IKE SAs from one address,
# cookie_threshold_ip): it can check them only once the VM is up 10 s
lab_uptime_at_least 11
step "gatewayd on gw1: $N tunnels to gw2"
segs=()
for i in $(seq 1 "$N"); do
	segs+=("172.16.$((i - 1)).0/24")
done
gw_conf_begin gw1 gw1 "$GW1_PUB" gw2 "$GW2_PUB" "${segs[@]}"
for i in $(seq 1 "$N"); do
	gw_conf_tunnel gw1 "t$i" lseg="172.16.$((i - 1)).0/24" \
	    pseg="10.$i.0.0/16"
done
if [ -n "${LAB_PACE_BUDGET:-}" ]; then
	echo "initiate-half-open-per-peer $LAB_PACE_BUDGET" \
	    >>"$(node_dir gw1)/gatewayd.conf"
	say "initiate-half-open-per-peer $LAB_PACE_BUDGET"
fi
start_gatewayd gw1

# one status call per look (each costs about 1 s in UML, and competes
# with the set-up being timed)
connected_count() {
	gwctl gw1 status 2>/dev/null | grep -c '^  state: *Connected$'
}
all_connected() {
	[ "$(connected_count)" -eq "$N" ]
}

step "all $N Connected"
wait_for 30 all_connected ||
    fail "only $(connected_count) of $N tunnels Connected after 30 s:"$'\n'"$(gwctl gw1 status 2>&1)"
say "ok: gw1: all $N tunnels are Connected"

# HH:MM:SS.mmm at the start of gatewayd's log lines -> ms of the day
log=$(node_dir gw1)/gatewayd.log
ms=$(awk -v n="$N" '
function ms(s,   a) {
	split(s, a, /[:.]/)
	return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4]
}
$1 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9]$/ {
	if (first == "") first = ms($1)
	if (/-> Connected/) { up++; last = ms($1) }
}
END {
	if (up < n || first == "") { print -1; exit }
	d = last - first
	if (d < 0) d += 86400000
	print d
}' "$log")
# each Connected, in ms from the first log line, for the record
say "Connected at (ms): $(awk '
function ms(s,   a) {
	split(s, a, /[:.]/)
	return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4]
}
$1 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9]$/ {
	if (first == "") first = ms($1)
	if (/-> Connected/) { d = ms($1) - first; if (d < 0) d += 86400000
		printf "%s%d", sep, d; sep = " " }
}' "$log")"
[ "$ms" -ge 0 ] ||
    fail "gatewayd's log does not show $N tunnels Connected (timestamps?)"
say "TIMING: $N tunnels to a stock strongSwan Connected in $ms ms from" \
    "gatewayd's start (target < 2000 ms; asserted < 10000 ms)"
[ "$ms" -lt 10000 ] || fail "$N tunnels took $ms ms (>= 10 s)"

step "traffic through t1, t2 and t$N"
ping_ok c1 "$C2S_ADDR"
ping_ok c3 "$C4_ADDR"
ping_ok c5 10.20.0.2
ping_ok c6 172.16.19.14
gwctl gw1 counters >"$(node_dir gw1)/counters.txt" 2>&1
paced=$(awk '/^initiations paced/ { print $3 }' \
    "$(node_dir gw1)/counters.txt")
say "gatewayctl counters: initiations paced ${paced:-?}"
budget=${LAB_PACE_BUDGET:-2}
[ "${paced:-0}" -ge $((N - budget)) ] ||
    fail "only ${paced:-0} initiations paced (expected $((N - budget)) at least)"
gw_alive gw1
pass "$N tunnels to one strongSwan in $ms ms"
