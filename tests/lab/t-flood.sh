#!/usr/bin/env bash
# t-flood.sh - gatewayd's IKEv1 responder under a flood of spoofed Main
# Mode first messages (README "Hostile network").
#   gw1: gatewayd, one IKEv1 tunnel to any peer (0.0.0.0), initiate no,
#        info logging (no -d), test-short-lifetimes yes (half-open SAs
#        live 5 s instead of 30).
#   atk: an attacker namespace behind gw1's second link (203.0.113.0/24);
#        gw1 routes 198.18.0.0/16 there.  flood_mm1.py sends FLOOD_RATE/s
#        Main Mode message 1 with random cookies from 256 addresses of
#        198.18.0.0/16 for FLOOD_SECS s through a raw socket: more sources
#        x ikev1-half-open-per-source (16) than ikev1-half-open (1024).
#   gw2: strongSwan, IKEv1 Main Mode, initiates 3 s into the flood.
# Checks: the tunnel is Connected within CONNECT_MAX s of strongSwan's
# initiation and the clients ping through ESP while the flood goes on;
# gatewayd's answers to the flood (tcpdump on gw1's attacker link) are at
# most one per admitted message 1 (sent - dropped), and at least one (the
# flood did arrive); gatewayd's VmRSS stays under RSS_MAX_KB during the
# flood and returns to within RSS_BACK_KB of its start once the half-open
# count has drained to 0 after it; at most LOG_MAX lines
# of gatewayd's log name a flood address (rate-limited summary).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

FLOOD_RATE=${FLOOD_RATE:-1000}
FLOOD_SECS=${FLOOD_SECS:-15}
CONNECT_MAX=5
RSS_MAX_KB=32768	# 1024 half-open SAs take a few MB over a ~6 MB start
LOG_MAX=10
RSS_BACK_KB=2048	# left over once the half-open SAs are gone

counter() {	# counter NODE LABEL: a line of gatewayctl counters
	gwctl "$1" counters 2>/dev/null | awk -v l="$2" '
	index($0, l " ") == 1 { print $NF; exit }'
}

rss_kb() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

cpu_ticks() {	# utime + stime of PID in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}

half_open_zero() { [ "$(counter gw1 'ikev1 half-open')" = 0 ]; }

topo_standard
netns_add atk
veth_add gw1 atk0 203.0.113.1/24 atk eth0 203.0.113.2/24
ip -n atk route add default via 203.0.113.1 || fail "atk default route"
ip -n gw1 route add 198.18.0.0/16 via 203.0.113.2 ||
    fail "route to the flood's subnet"
ip netns exec gw1 sysctl -qw net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.atk0.rp_filter=0 >/dev/null

step "gatewayd (gw1, peer 0.0.0.0) and strongSwan (gw2)"
gw_conf_begin gw1 gw1 "$GW1_PUB" any 0.0.0.0 "$GW1_NET"
sed -i 's/^log-level debug$/log-level info\ntest-short-lifetimes yes/' \
    "$(node_dir gw1)/gatewayd.conf"
gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" version=1 \
    initiate=no
swan_v1_std gw2
start_charon gw2
d=$(node_dir gw1)
"$GW_BUILD/gatewayd" -n -f "$d/gatewayd.conf" >/dev/null 2>&1 ||
    fail "gatewayd -n rejects $d/gatewayd.conf"
lab_spawn gw1 "$d/gatewayd.log" "$GW_BUILD/gatewayd" -F -f "$d/gatewayd.conf" \
    "${GW_USER_OPT[@]}"
echo "$LAB_LAST_PID" >>"$d/pids"
GW_PID[gw1]=$LAB_LAST_PID
wait_for 10 test -S "$(node_rt gw1)/gatewayd.sock" ||
    fail "gatewayd on gw1: no control socket"
pid=${GW_PID[gw1]}
rss0=$(rss_kb "$pid")
cpu0=$(cpu_ticks "$pid")
rx0=$(counter gw1 'ike received')
say "gatewayd pid $pid, VmRSS $rss0 kB before the flood"

step "flood: $FLOOD_RATE/s for $FLOOD_SECS s from 256 addresses of 198.18.0.0/16"
pcap=$LAB_RUN/flood.pcap
capture_start gw1 atk0 "$pcap" udp and src port 500
ip netns exec atk python3 "$(dirname "$0")/flood_mm1.py" "$GW1_PUB" \
    198.18 256 "$FLOOD_RATE" "$FLOOD_SECS" >"$LAB_RUN/flood.out" 2>&1 &
flood=$!
LAB_PIDS+=("$flood")
# python3 starts slowly in UML: wait for the first drops, then 3 s more
flood_going() {	# true when it arrives, or when flood_mm1.py ended
	! kill -0 "$flood" 2>/dev/null ||
	    [ "$(counter gw1 'ikev1 half-open')" -gt 100 ]
}
wait_for 30 flood_going && kill -0 "$flood" 2>/dev/null ||
    fail "the flood did not reach gatewayd: $(cat "$LAB_RUN/flood.out")"
sleep 3
rss_max=$(rss_kb "$pid")
say "half-open now: $(counter gw1 'ikev1 half-open')"

step "strongSwan connects during the flood"
t0=$(lab_now_us)
swan_initiate gw2 vpn
gw_wait_state gw1 vpc1-vpc2 Connected "$CONNECT_MAX"
el=$(( ($(lab_now_us) - t0) / 1000 ))
say "ok: Connected ${el} ms after strongSwan's initiation"
[ "$el" -le $((CONNECT_MAX * 1000)) ] ||
    fail "tunnel took $el ms (more than $CONNECT_MAX s)"
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
xfrm_counters_ok gw1 1 esp
kill -0 "$flood" 2>/dev/null ||
    fail "the flood was over before the tunnel was up (too short a test)"

while kill -0 "$flood" 2>/dev/null; do
	r=$(rss_kb "$pid")
	[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 0.5
done
wait "$flood" || fail "flood_mm1.py failed: $(cat "$LAB_RUN/flood.out")"
sent=$(tail -n 1 "$LAB_RUN/flood.out")
cpu1=$(cpu_ticks "$pid")
rx1=$(counter gw1 'ike received')
hz=$(getconf CLK_TCK)
say "gatewayd CPU during the flood: $(( (cpu1 - cpu0) * 1000000 / hz /
    (rx1 - rx0 > 0 ? rx1 - rx0 : 1) )) us per message received" \
    "($((rx1 - rx0)) messages, $(( (cpu1 - cpu0) * 1000 / hz )) ms)"
gw_alive gw1
say "flood over: $sent sent; VmRSS at most $rss_max kB (start $rss0 kB)"
[ "$rss_max" -le "$RSS_MAX_KB" ] ||
    fail "gatewayd's VmRSS reached $rss_max kB (bound $RSS_MAX_KB kB)"

step "the half-open SAs drain"
wait_for 12 half_open_zero ||
    fail "half-open SAs left: $(counter gw1 'ikev1 half-open')"
capture_stop
rss_end=$(rss_kb "$pid")
say "VmRSS after the table drained: $rss_end kB (start $rss0 kB)"
[ "$rss_end" -le $((rss0 + RSS_BACK_KB)) ] ||
    fail "gatewayd kept $((rss_end - rss0)) kB after the flood (at most" \
	"$RSS_BACK_KB kB)"
gwctl gw1 counters | sed 's/^/    /'
full=$(counter gw1 'ikev1 drop full')
persrc=$(counter gw1 'ikev1 drop per-src')
malformed=$(counter gw1 'ike malformed')
answers=$(tcpdump -n -r "$pcap" 'dst net 198.18.0.0/16' 2>/dev/null | wc -l)
admitted=$((sent - full - persrc - malformed))
say "answers to the flood: $answers; admitted: at most $admitted"
[ "$answers" -ge 1 ] || fail "no answer to the flood at all (did it arrive?)"
[ "$answers" -le "$admitted" ] ||
    fail "$answers answers for $admitted admitted first messages"
[ "$full" -gt 0 ] || [ "$(counter gw1 'ikev1 half evicted')" -gt 0 ] ||
    fail "the flood never reached ikev1-half-open"
lines=$(grep -c '198\.18\.[01]\.' "$d/gatewayd.log" || true)
say "gatewayd log lines naming a flood address: $lines"
[ "$lines" -le "$LOG_MAX" ] ||
    fail "$lines log lines about the flood (at most $LOG_MAX)"
ping_ok c1 "$C2_ADDR"
gw_alive gw1
pass "IKEv1 flood: one answer at most per admitted message 1, bounded" \
    "memory, a peer connects during it, the table drains"
