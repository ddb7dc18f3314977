#!/usr/bin/env bash
# t-flood.sh [v2|am] - gatewayd's IKEv1 responder under a flood of spoofed
# Main Mode first messages (README "Hostile network"); "t-flood.sh v2": its
# IKEv2 responder under a flood of spoofed IKE_SA_INIT requests; "t-flood.sh
# am": Aggressive Mode (below).  The flood comes from floodgen.c (built
# here, in the VM): spoofed first messages from a raw socket with sendmmsg
# at a bounded rate.  It reaches the 3000/s the issue asks for in UML
# (2,994/s and 3,000/s measured; the Python generators it replaced got
# 1,041/s), but gatewayd shares UML's one CPU with it, tcpdump and charon.
#   gw1: gatewayd, one IKEv1 tunnel to any peer (0.0.0.0), initiate no,
#        info logging (no -d), test-short-lifetimes yes (half-open SAs
#        live 5 s instead of 30).
#   atk: an attacker namespace behind gw1's second link (203.0.113.0/24);
#        gw1 routes 198.18.0.0/16 there.  floodgen sends FLOOD_RATE/s
#        Main Mode message 1 with random cookies from 4096 addresses of
#        198.18.0.0/16 for FLOOD_SECS s through a raw socket: more sources
#        x ikev1-half-open-per-source (16) than ikev1-half-open (1024).
#   gw2: strongSwan, IKEv1 Main Mode, initiates 3 s into the flood.
# Checks: the tunnel is Connected within CONNECT_MAX s of strongSwan's
# initiation (measured on the wire: from strongSwan's first IKE packet in
# a capture on gw1's public link to gatewayd's "-> Connected" log line,
# both on UML's clock; swanctl's and gatewayctl's own start-up, seconds
# in a loaded UML, are not the daemon's), that Connected comes before
# gatewayd's last answer to the flood (the tunnel came up during it), and
# the clients ping through ESP;
# gatewayd's answers to the flood (tcpdump on gw1's attacker link) are at
# most one per admitted message 1 (sent - dropped), and at least one (the
# flood did arrive); gatewayd's VmRSS stays under RSS_MAX_KB during the
# flood and returns to within RSS_BACK_KB of its start once the half-open
# count has drained to 0 after it; at most LOG_MAX lines
# of gatewayd's log name a flood address (rate-limited summary).
#
# v2: the same topology with IKEv2 on both sides (gatewayd's defaults,
# strongSwan aes128-sha1-modp1024), gatewayd at info level with
# metrics-listen 172.16.0.1:9587, no test-short-lifetimes.  floodgen
# sends FLOOD_RATE/s IKE_SA_INIT requests with random SPIi, KE and nonce
# from 4096 addresses (198.18.0.1 .. 198.18.16.96) for FLOOD_SECS s
# (default 30); it prints the rate it achieved, which the test prints too.
# (Before first messages waited apart in gatewayd, net.c, strongSwan's
# requests waited seconds behind the flood in the socket's queue.)
# Past 10 half-open IKE SAs gatewayd answers with a stateless N(COOKIE)
# (RFC 7296 §2.6), which the spoofed sources never return; strongSwan,
# initiating 3 s into the flood, does.  Checks: Connected within
# CONNECT_MAX s and pings through ESP during the flood; tcpdump on the
# attacker link: at least one answer, at most one per request sent, at
# least one N(COOKIE) among them, and as many as gatewayctl's "ikev2
# cookies sent" says, and at most FULL_MAX full
# IKE_SA_INIT responses (10 half-open SAs at a time, each living 30 s);
# VmRSS under RSS_MAX_KB during the flood; the half-open IKE SAs drain to
# 0 within DRAIN_MAX s of its end (gatewayctl counters counts IKEv1's
# only: the metrics gauge gatewayd_ike_sas_half_open, IKEv1 and IKEv2, is
# what shows them) and VmRSS comes back to within RSS_BACK_KB of its
# start; at most LOG_MAX lines of gatewayd's log name a flood address.
#
# am: IKEv1 Aggressive Mode, gatewayd's tunnel to 0.0.0.0 with peer-id
# right.lab.test (local-id left.lab.test), strongSwan aggressive=yes with
# that ID; floodgen sends Aggressive Mode message 1 (SA, KE of MODP-1024,
# Nonce, ID right.lab.test: the tunnel's, so each one reaches the caps)
# from 4096 addresses for 30 s.  An admitted one costs gatewayd no DH:
# its KE is a key pair shared by the half-open SAs of one second
# (ikev1_half_dh) and g^xy waits for message 3, which spoofed sources
# never send.  The checks of the Main Mode case, and: at most one key
# pair made per second of the flood ("ikev1 am key pairs").  At 1000/s the
# default ikev1-half-open (1024) is reached but an SA of 1 s gives way to
# each new message 1, so few or none are dropped; at 3000/s (the default)
# more are, and a dropped strongSwan message 1 gets in when sent again
# ("ikev1 half retried").
# LAB_FLOOD_RATE and LAB_FLOOD_SECS (lab.sh passes LAB_* only) change the
# rate and length of a case.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

CASE=${1:-}
case "$CASE" in
"" | v2 | am) ;;
*) fail "unknown case '$CASE' (none: IKEv1 Main Mode, v2: IKEv2, am:" \
    "IKEv1 Aggressive Mode)" ;;
esac

CONNECT_MAX=5
case "$CASE" in
v2)	msg=init ;;	# floodgen's message: IKE_SA_INIT
am)	msg=am1 ;;	# Aggressive Mode message 1
*)	msg=mm1 ;;	# Main Mode message 1
esac
LOG_MAX=10
RSS_BACK_KB=2048	# left over once the half-open SAs are gone
if [ "$CASE" = v2 ]; then
	# the issue's 3000/s (floodgen reaches it in UML; flood_init.py, the
	# Python generator before it, reached 1041/s).  Before gatewayd read
	# and answered datagrams in batches (recvmmsg, sendmmsg: ike/net.c)
	# it did not keep up there: in one of two runs strongSwan gave up,
	# its requests among 27,003 datagrams gw1's kernel dropped; now it
	# handles nearly all (88,771 of 89,997, 119 us each)
	FLOOD_RATE=${FLOOD_RATE:-3000}
	FLOOD_SECS=${FLOOD_SECS:-30}
	FLOOD_NSRC=4096
	# cookies keep the table at 10 half-open SAs (IKE_COOKIE_HALFOPEN),
	# a few kB each: 16 MB is twice a ~7 MB start, room for the
	# allocator's own pace and nothing like a table that grows
	RSS_MAX_KB=16384
	FULL_MAX=30	# 2 generations of 10 in a 30 s flood, and slack
	DRAIN_MAX=45	# half-open IKEv2 SAs live 30 s (IKE_HALFOPEN_TIMEOUT)
	METRICS=172.16.0.1:9587
else
	# the issue's 3000/s: 1.4 s to Connected (Main Mode), 1.3 s
	# (Aggressive Mode) since datagrams go in batches (ike/net.c); 2.5,
	# 4.2 and 6.3 s (a loaded CI machine) before, when this ran at 1000/s
	FLOOD_RATE=${FLOOD_RATE:-3000}
	# 30 s: on a slow lab machine the steps before strongSwan's
	# connection took 16 s of a 15 s flood (CI, December 5)
	FLOOD_SECS=${FLOOD_SECS:-30}
	FLOOD_NSRC=4096
	RSS_MAX_KB=32768	# 1024 half-open SAs take a few MB over a ~6 MB start
	DRAIN_MAX=12
fi
if [ "$CASE" = am ]; then
	FLOOD_SECS=${FLOOD_SECS_AM:-30}
	FLOOD_NSRC=4096
	# (a DH per admitted message 1, as before, cost 3.2 ms of gatewayd's
	# CPU in UML: at the default table strongSwan's message 1 was shed
	# three times, 5.8 s to Connected at 1000/s)
	AM_ID=right.lab.test	# strongSwan's, gatewayd's peer-id
fi
FLOOD_RATE=${LAB_FLOOD_RATE:-$FLOOD_RATE}	# lab.sh passes LAB_* only
FLOOD_SECS=${LAB_FLOOD_SECS:-$FLOOD_SECS}

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

# half_open: half-open IKE SAs; IKEv2's are only in the metrics gauge
half_open() {
	if [ "$CASE" = v2 ]; then
		ip netns exec gw1 curl -sS --max-time 5 "http://$METRICS/metrics" |
		    awk '$1 == "gatewayd_ike_sas_half_open" { print $2 }'
	else
		counter gw1 'ikev1 half-open'
	fi
}

half_open_zero() { [ "$(half_open)" = 0 ]; }

udp_rcvbuf_errors() {	# UDP datagrams the kernel dropped in gw1 (buffer full)
	# shellcheck disable=SC2016  # awk's own $
	ip netns exec gw1 awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++)
	    f[$i] = i; h = 1; next } $1 == "Udp:" { print $f["RcvbufErrors"] }' \
	    /proc/net/snmp
}

# After the flood (both cases): MUTATE_COUNT mutated copies of
# strongSwan's real messages of this very test (swan.pcap: its exchange
# with gatewayd), sent at MUTATE_RATE/s from strongSwan's own address
# and port by mutate_ike.py (bits flipped, bytes set, cut short, bytes
# added, IKE header fields and payload lengths rewritten, headers on
# other bodies, replays; MUTATE_SEED, printed, repeats a run).  Checks:
# gatewayd is alive and counted them, the tunnel stayed Connected, at
# most MUTATE_LOG_MAX new log lines; then strongSwan deletes its SAs and
# sets a new tunnel up, and the clients ping through it.
MUTATE_COUNT=${MUTATE_COUNT:-20000}
MUTATE_RATE=${MUTATE_RATE:-2000}
MUTATE_LOG_MAX=50
gw1_not_connected() { ! gw_state_is gw1 vpc1-vpc2 Connected; }
mutate_phase() {
	local rx_a rx_b lines0 lines1 seed=${MUTATE_SEED:-$RANDOM} out
	step "$MUTATE_COUNT mutated copies of strongSwan's real messages" 	    "(seed $seed)"
	rx_a=$(counter gw1 'ike received')
	lines0=$(wc -l <"$d/gatewayd.log")
	ip netns exec atk python3 "$(dirname "$0")/mutate_ike.py" \
	    "$LAB_RUN/swan.pcap" "$GW2_PUB" "$GW1_PUB" "$MUTATE_COUNT" \
	    "$MUTATE_RATE" "$seed" >"$LAB_RUN/mutate.out" 2>&1 ||
	    fail "mutate_ike.py failed:"$'\n'"$(tail -n 5 "$LAB_RUN/mutate.out")"
	sed 's/^/    /' "$LAB_RUN/mutate.out"
	sleep 2
	gw_alive gw1
	rx_b=$(counter gw1 'ike received')
	lines1=$(wc -l <"$d/gatewayd.log")
	say "gatewayd: $((rx_b - rx_a)) IKE datagrams received meanwhile," \
	    "$((lines1 - lines0)) new log lines"
	gwctl gw1 counters | grep -E 'malformed|icv|dropped|drop ' |
	    sed 's/^/    /'
	[ $((rx_b - rx_a)) -ge $((MUTATE_COUNT / 2)) ] ||
	    fail "gatewayd received $((rx_b - rx_a)) of $MUTATE_COUNT"
	[ $((lines1 - lines0)) -le "$MUTATE_LOG_MAX" ] ||
	    fail "$((lines1 - lines0)) log lines (at most $MUTATE_LOG_MAX):" \
		$'\n'"$(tail -n +"$((lines0 + 1))" "$d/gatewayd.log" | head -n 20)"
	gw_state_is gw1 vpc1-vpc2 Connected ||
	    fail "the tunnel left Connected under the mutated messages"
	say "ok: gatewayd alive, the tunnel still Connected"
	ping_ok c1 "$C2_ADDR"
	step "a new tunnel after the mutated messages"
	out=$(swanctl_cmd gw2 --terminate --ike vpn --timeout 10 2>&1) ||
	    fail "swanctl --terminate on gw2:"$'\n'"$out"
	wait_for 10 gw1_not_connected ||
	    fail "gw1 still Connected after strongSwan deleted its SAs"
	say "ok: gw1 took strongSwan's DELETE"
	swan_initiate gw2 vpn
	gw_wait_state gw1 vpc1-vpc2 Connected 20
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	xfrm_counters_ok gw1 1 esp
	gw_alive gw1
}

# floodgen.c, built here with the host's compiler (the VM runs the host's
# /): no build step of its own, the same source in every run
FLOODGEN=$LAB_RUN/floodgen
t0=$(lab_now_us)
gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$FLOODGEN" \
    "$(dirname "$0")/floodgen.c" || fail "cannot build floodgen.c"
say "floodgen built in $((($(lab_now_us) - t0) / 1000)) ms"

topo_standard
netns_add atk
veth_add gw1 atk0 203.0.113.1/24 atk eth0 203.0.113.2/24
ip -n atk route add default via 203.0.113.1 || fail "atk default route"
ip -n gw1 route add 198.18.0.0/16 via 203.0.113.2 ||
    fail "route to the flood's subnet"
ip netns exec gw1 sysctl -qw net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.atk0.rp_filter=0 >/dev/null

step "gatewayd (gw1, peer 0.0.0.0) and strongSwan (gw2)${CASE:+, $CASE}"
gw_conf_begin gw1 gw1 "$GW1_PUB" any 0.0.0.0 "$GW1_NET"
if [ "$CASE" = am ]; then
	sed -i "s/^log-level debug\$/log-level info\ntest-short-lifetimes yes/" \
	    "$(node_dir gw1)/gatewayd.conf"
	gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" version=1 \
	    mode=aggressive lid=left.lab.test pid="$AM_ID" initiate=no
	swan_v1_std gw2 aggressive=yes lid="$AM_ID" rid=left.lab.test
elif [ "$CASE" = v2 ]; then
	sed -i "s/^log-level debug\$/log-level info\nmetrics-listen $METRICS/" \
	    "$(node_dir gw1)/gatewayd.conf"
	gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" \
	    initiate=no
	swan_std gw2
else
	sed -i 's/^log-level debug$/log-level info\ntest-short-lifetimes yes/' \
	    "$(node_dir gw1)/gatewayd.conf"
	gw_conf_tunnel gw1 vpc1-vpc2 lseg="$GW1_NET" pseg="$GW2_NET" version=1 \
	    initiate=no
	swan_v1_std gw2
fi
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
drops0=$(udp_rcvbuf_errors)

step "flood: $FLOOD_RATE/s for $FLOOD_SECS s from $FLOOD_NSRC addresses of" \
    "198.18.0.0/16 ($msg)"
pcap=$LAB_RUN/flood.pcap
# strongSwan <-> gatewayd on the public link, to tell afterwards which of
# strongSwan's messages were answered when, and when it began
capture_start gw1 pub "$LAB_RUN/swan.pcap" udp port 500 or udp port 4500
swan_cap=$CAPTURE_PID
gen="floodgen $msg"
# only gatewayd's answers: the requests would double tcpdump's work
capture_start gw1 atk0 "$pcap" udp and src port 500 and \
    dst net 198.18.0.0/16
ip netns exec atk "$FLOODGEN" "$msg" "$GW1_PUB" 198.18 "$FLOOD_NSRC" \
    "$FLOOD_RATE" "$FLOOD_SECS" ${AM_ID:+"$AM_ID"} >"$LAB_RUN/flood.out" 2>&1 &
flood=$!
LAB_PIDS+=("$flood")
# strongSwan starts 3 s into the flood (floodgen starts at once); the
# answers to the flood, counted afterwards, show it arrived.  (Waiting on
# gatewayctl counters instead took 20-26 s at 1000-3000/s in a loaded
# UML: gatewayd answers its control socket between floods of reads.)
sleep 3
kill -0 "$flood" 2>/dev/null ||
    fail "floodgen ended early: $(cat "$LAB_RUN/flood.out")"
rss_max=$(rss_kb "$pid")
say "half-open now: $(half_open)"

step "strongSwan connects during the flood"
# v2: what gatewayd received and dropped, and when strongSwan's messages
# were answered (also when strongSwan gives up)
connect_diag() {
	say "so far: $(($(counter gw1 'ike received') - rx0)) IKE messages" \
	    "received by gatewayd, $(($(udp_rcvbuf_errors) - drops0)) UDP" \
	    "datagrams dropped by gw1's kernel (receive buffer full);" \
	    "strongSwan <-> gatewayd:"
	tcpdump -n -tttt -r "$LAB_RUN/swan.pcap" 2>/dev/null | head -n 20 |
	    sed 's/^/    /'
}
# wire_connect_ms: ms from strongSwan's first IKE packet on gw1's public
# link (the capture) to gatewayd's first "-> Connected" (its log, local
# time of day), or nothing; WIRE_CONN_US: that Connected, epoch us
wire_connect_ms() {
	local first conn day c_us f_us
	first=$(tcpdump -n -tt -r "$LAB_RUN/swan.pcap" "src host $GW2_PUB" \
	    2>/dev/null | head -n 1 | cut -d' ' -f1)
	conn=$(grep -m 1 'event state: .* -> Connected' "$d/gatewayd.log" |
	    cut -d' ' -f1)
	[ -n "$first" ] && [ -n "$conn" ] || return 0
	day=$(date -d "@${first%.*}" +%F)
	c_us=$(date -d "$day $conn" +%s%6N)
	f_us=${first/./}
	# a Connected just past midnight
	[ "$c_us" -ge "$f_us" ] || c_us=$((c_us + 86400000000))
	WIRE_CONN_US=$c_us
	echo $(( (c_us - f_us) / 1000 ))
}
CONNECT_WAIT=20	# for the tools; CONNECT_MAX is checked on the wire
t0=$(lab_now_us)
if [ "$CASE" = v2 ]; then
	out=$(swanctl_cmd gw2 --initiate --child vpn --ike vpn --timeout 20 \
	    2>&1) || { connect_diag; fail "swanctl --initiate vpn on" \
	    "gw2:"$'\n'"$(tail -n 20 <<<"$out")"; }
	say "ok: gw2 initiated vpn"
	wait_for "$CONNECT_WAIT" gw_state_is gw1 vpc1-vpc2 Connected || {
		connect_diag; fail "gw1: tunnel vpc1-vpc2 not Connected" \
		    "after $CONNECT_WAIT s"; }
	say "ok: gw1: tunnel vpc1-vpc2 is Connected"
else
	out=$(swanctl_cmd gw2 --initiate --child vpn --ike vpn --timeout 20 \
	    2>&1) || { connect_diag; say "$(gwctl gw1 counters 2>&1 |
	    grep -E 'ikev1|received|shed|dropped|malformed|ICV')"
	    fail "swanctl --initiate vpn on gw2:"$'\n'"$(tail -n 20 <<<"$out")"; }
	say "ok: gw2 initiated vpn"
	gw_wait_state gw1 vpc1-vpc2 Connected "$CONNECT_WAIT"
fi
el=$(( ($(lab_now_us) - t0) / 1000 ))
wire_connect_ms >"$LAB_RUN/wire-ms"
wire=$(cat "$LAB_RUN/wire-ms")
[ -n "$wire" ] || fail "no strongSwan packet in swan.pcap or no" \
    "Connected in gatewayd's log"
say "ok: Connected $wire ms after strongSwan's first packet ($el ms" \
    "after the test started swanctl)"
say "gatewayd so far: $(($(counter gw1 'ike received') - rx0)) received," \
    "$(counter gw1 'udp first shed') first messages shed, CPU" \
    "$(( ($(cpu_ticks "$pid") - cpu0) * 1000 / $(getconf CLK_TCK) )) ms;" \
    "strongSwan <-> gatewayd:"
tcpdump -n -tttt -r "$LAB_RUN/swan.pcap" 2>/dev/null | head -n 12 |
    sed 's/^/    /'
gwctl gw1 counters | grep -E 'ikev1|shed' | sed 's/^/    /'
[ "$CASE" = v2 ] && connect_diag
[ "$wire" -le $((CONNECT_MAX * 1000)) ] ||
    fail "tunnel took $wire ms (more than $CONNECT_MAX s)"
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
xfrm_counters_ok gw1 1 esp

while kill -0 "$flood" 2>/dev/null; do
	r=$(rss_kb "$pid")
	[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 0.5
done
wait "$flood" || fail "$gen failed: $(cat "$LAB_RUN/flood.out")"
# the tunnel came up during the flood: its Connected (UML's clock, as the
# capture's) before gatewayd's last answer to a flood address; the tools
# may only see it later (seconds of start-up in a loaded UML)
last=$(tcpdump -n -tt -r "$pcap" 2>/dev/null | tail -n 1 | cut -d' ' -f1)
[ -n "$last" ] || fail "no answer to the flood in $pcap"
last_us=${last/./}
[ "$WIRE_CONN_US" -lt "$last_us" ] ||
    fail "the flood was over before the tunnel was up (too short a test)"
say "ok: Connected $(( (last_us - WIRE_CONN_US) / 1000 )) ms before" \
    "gatewayd's last answer to the flood"
sent=$(tail -n 1 "$LAB_RUN/flood.out")
say "$gen: $(grep '^rate ' "$LAB_RUN/flood.out")" \
    "(asked for $FLOOD_RATE/s)"
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
t1=$(lab_now_us)
wait_for "$DRAIN_MAX" half_open_zero ||
    fail "half-open SAs left after $DRAIN_MAX s: $(half_open)"
say "half-open: 0, $((($(lab_now_us) - t1) / 1000)) ms after the flood"
capture_stop
rss_end=$(rss_kb "$pid")
say "VmRSS after the table drained: $rss_end kB (start $rss0 kB)"
[ "$rss_end" -le $((rss0 + RSS_BACK_KB)) ] ||
    fail "gatewayd kept $((rss_end - rss0)) kB after the flood (at most" \
	"$RSS_BACK_KB kB)"
gwctl gw1 counters | sed 's/^/    /'
kill -INT "$swan_cap" 2>/dev/null
wait "$swan_cap" 2>/dev/null
if [ "$CASE" = v2 ]; then
	drops=$(($(udp_rcvbuf_errors) - drops0))
	say "gw1 kernel: $drops UDP datagrams dropped (receive buffer full);" \
	    "tcpdump: $(grep -h 'dropped\|captured' "$pcap.tcpdump.out" |
	    tr '\n' ' ')"
	answers=$(tcpdump -n -r "$pcap" 'dst net 198.18.0.0/16' 2>/dev/null |
	    wc -l)
	# N(COOKIE): the first payload (IKE header byte 16) is a Notify (41)
	# of type COOKIE (16390) at UDP offset 8 + 28 + 6
	cookies=$(tcpdump -n -r "$pcap" 'dst net 198.18.0.0/16 and' \
	    'udp[24] = 41 and udp[42:2] = 16390' 2>/dev/null | wc -l)
	# a full IKE_SA_INIT response starts with its SA payload (33)
	fulls=$(tcpdump -n -r "$pcap" 'dst net 198.18.0.0/16 and' \
	    'udp[24] = 33' 2>/dev/null | wc -l)
	say "answers to the flood: $answers ($cookies N(COOKIE), $fulls" \
	    "IKE_SA_INIT responses) for $sent requests sent"
	[ "$answers" -ge 1 ] ||
	    fail "no answer to the flood at all (did it arrive?)"
	[ "$answers" -le "$sent" ] ||
	    fail "$answers answers for $sent requests"
	[ "$cookies" -ge 1 ] || fail "no N(COOKIE) among the answers"
	# (the capture may miss some, the counter also has strongSwan's)
	csent=$(counter gw1 'ikev2 cookies sent')
	say "gatewayctl counters: ikev2 cookies sent $csent"
	[ "$csent" -ge "$cookies" ] ||
	    fail "ikev2 cookies sent $csent, fewer than the $cookies captured"
	[ "$fulls" -le "$FULL_MAX" ] ||
	    fail "$fulls full IKE_SA_INIT responses (at most $FULL_MAX)"
	lines=$(grep -c '198\.18\.' "$d/gatewayd.log" || true)
	say "gatewayd log lines naming a flood address: $lines"
	[ "$lines" -le "$LOG_MAX" ] ||
	    fail "$lines log lines about the flood (at most $LOG_MAX)"
	ping_ok c1 "$C2_ADDR"
	gw_alive gw1
	mutate_phase
	pass "IKEv2 flood: one answer at most per request, cookies, bounded" \
	    "memory, a peer connects during it, the half-open SAs drain;" \
	    "$MUTATE_COUNT mutated real messages change nothing"
fi
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
if [ "$CASE" = am ]; then
	# one key pair a second whatever the flood (strongSwan's SA among
	# them), no g^xy for a message 1 whose source never answers
	keys=$(counter gw1 'ikev1 am key pairs')
	keys_max=$((FLOOD_SECS + 3))
	say "Aggressive Mode: $keys key pairs made for the flood (at most" \
	    "$keys_max: one a second), $full message 1 dropped at the cap," \
	    "$(counter gw1 'ikev1 half evicted') evicted," \
	    "$(counter gw1 'ikev1 half retried') retried," \
	    "$(counter gw1 'udp first shed') shed unread"
	[ "${keys:-0}" -ge 1 ] || fail "no Aggressive Mode key pair counted"
	[ "$keys" -le "$keys_max" ] ||
	    fail "$keys key pairs, more than $keys_max"
fi
lines=$(grep -c '198\.18\.' "$d/gatewayd.log" || true)
say "gatewayd log lines naming a flood address: $lines"
[ "$lines" -le "$LOG_MAX" ] ||
    fail "$lines log lines about the flood (at most $LOG_MAX)"
ping_ok c1 "$C2_ADDR"
gw_alive gw1
mutate_phase
pass "IKEv1 flood: one answer at most per admitted message 1, bounded" \
    "memory, a peer connects during it, the table drains;" \
    "$MUTATE_COUNT mutated real messages change nothing"
