#!/usr/bin/env bash
# t-scale.sh - benchmark harness 2 (issue 11), run inside the lab's
# user-mode Linux VM by tests/bench/scale.sh (tests/lab/lab.sh): the same
# tunnels set up between two gatewayd (gw1 initiating, gw2 answering) and
# then between two charon, in one VM, one pair of daemons at a time.
#
# Cases (LAB_SCALE_CASES, default "20x1 1x400 20x400"): TxP is T tunnels
# (strongSwan: T connections) of P segment pairs each, P = S x S with S
# local and S peer segments, one CHILD SA per pair on both sides
# (gatewayd's default layout; charon: one child per pair):
#   20x1    20 tunnels from cold
#   1x400   one tunnel of 20 x 20 segments: 400 CHILD SAs
#   20x400  20 of them: 8,000 CHILD SAs
# For each case and each daemon it measures:
#   setup     from loading the tunnels into the running initiator
#             (gatewayd: SIGHUP with them added to a configuration that
#             had none; charon: swanctl --load-all, start_action start)
#             to every CHILD SA in both kernels (ip xfrm state count:
#             2 x T x P on each side);
#   idle CPU  both daemons' utime + stime over LAB_SCALE_IDLE_S (20) seconds
#             with everything up and no traffic, in % of one CPU;
#   RSS       both daemons' VmRSS then (charon: all its threads);
#   teardown  from SIGTERM to the initiator to no SA left in either
#             kernel (each daemon deletes its SAs and tells the peer).
# With 4,000 CHILD SAs or more it also prints how long the first and the
# last 1,000 took (from gw2's count every 0.5 s): a cost per CHILD SA
# that grows with the number installed shows there.
# Each line "BENCH|case|daemon|setup_s|idle_cpu_pct|rss_kb|teardown_s" is
# for scale.sh, which prints the table.  Settings: IKEv2, PSK, the
# defaults of both (aes128-sha1-modp1024, PFS modp1024 for the extra
# CHILD SAs), gatewayd at log-level warning with its defaults (DPD every
# 8 s, pacing of 3 half-open IKE SAs per peer), charon with its logging
# off, DoS protection off (as harness 1), no DPD (its default).
# (lab.sh passes only LAB_* and GW_* variables into the VM.)
# A benchmark, not a test: it fails only when a set-up does not complete
# within LAB_SCALE_SETUP_MAX (900) s or a daemon does not start.
# shellcheck source=../lab/lib.sh
. "$(dirname "$0")/../lab/lib.sh"
lab_begin
gw_bin

CASES=${LAB_SCALE_CASES:-20x1 1x400 20x400}
IDLE_S=${LAB_SCALE_IDLE_S:-20}
SETUP_MAX=${LAB_SCALE_SETUP_MAX:-900}
HZ=$(getconf CLK_TCK)

topo_standard

# The configurations are written by one awk each: a subshell per line
# costs tens of ms in UML, minutes for 8,000 children.  Segment K (0 ...
# 4095) of gw1 is the K-th /24 of 172.16.0.0/12, of gw2 of 10.0.0.0/12;
# tunnel t's segments are K = t x S ... t x S + S - 1 on both sides.
SEG_AWK='function seg(side, k) {
	if (side == 1)
		return sprintf("172.%d.%d.0/24", 16 + int(k / 256), k % 256)
	return sprintf("10.%d.%d.0/24", int(k / 256), k % 256)
}'

# side_of NODE: 1 for gw1, 2 for gw2
side_of() { [ "$1" = gw1 ] && echo 1 || echo 2; }

# gw_scale_conf NODE T S INITIATE: gatewayd.conf of T tunnels of S x S
gw_scale_conf() {
	local n=$1 me addr paddr
	me=$(side_of "$n")
	addr=$GW1_PUB paddr=$GW2_PUB
	[ "$me" = 2 ] && addr=$GW2_PUB paddr=$GW1_PUB
	awk -v T="$2" -v S="$3" -v init="$4" -v me="$me" -v addr="$addr" \
	    -v paddr="$paddr" -v psk="$GW_PSK" \
	    -v sock="$(node_rt "$n")/gatewayd.sock" "$SEG_AWK"'
	BEGIN {
		peer = 3 - me
		print "control-socket " sock
		print "log-level warning"
		printf "gateway g {\n\taddress %s\n\tsegment %s\n}\n", addr,
		    me == 1 ? "172.16.0.0/12" : "10.0.0.0/12"
		printf "peer p {\n\taddress %s\n}\n", paddr
		for (t = 0; t < T; t++) {
			printf "tunnel t%d {\n\tgateway g\n\tpeer p\n", t
			for (j = 0; j < S; j++) {
				printf "\tlocal-segment %s\n", seg(me, t * S + j)
				printf "\tpeer-segment %s\n", seg(peer, t * S + j)
			}
			printf "\tpsk %s\n\tinitiate %s\n}\n", psk, init
		}
	}' >"$(node_dir "$n")/gatewayd.conf"
}

# swan_scale_conf NODE T S START: strongswan.conf (logging off, no DoS
# protection) and T connections of S x S children, as swan_conn writes
# them (swan_write assembles swanctl.conf)
swan_scale_conf() {
	local n=$1 me addr paddr d
	me=$(side_of "$n")
	addr=$GW1_PUB paddr=$GW2_PUB
	[ "$me" = 2 ] && addr=$GW2_PUB paddr=$GW1_PUB
	d=$(node_dir "$n")
	swan_conf "$n" "dos_protection = no
	init_limit_half_open = 0
	init_limit_job_load = 0
	block_threshold = 1000000
	cookie_threshold = 1000000
	ikesa_table_size = 4096
	ikesa_table_segments = 16"
	sed -i -E 's/^(\t+)(default|ike|cfg|chd|knl) = [0-9]+$/\1\2 = -1/' \
	    "$d/strongswan.conf"
	rm -f "$d"/swanctl.d/*
	mkdir -p "$d/swanctl.d"
	awk -v T="$2" -v S="$3" -v start="$4" -v me="$me" -v addr="$addr" \
	    -v paddr="$paddr" -v psk="$GW_PSK" -v dir="$d/swanctl.d" \
	    "$SEG_AWK"'
	BEGIN {
		peer = 3 - me
		for (t = 0; t < T; t++) {
			f = dir "/conn-t" t
			lid = "t" t ".gw" me ".lab"
			rid = "t" t ".gw" peer ".lab"
			printf "\tt%d {\n\t\tversion = 2\n", t > f
			printf "\t\tlocal_addrs = %s\n\t\tremote_addrs = %s\n",
			    addr, paddr > f
			printf "\t\tproposals = aes128-sha1-modp1024\n" > f
			printf "\t\trekey_time = 0\n\t\tencap = no\n" > f
			printf "\t\tmobike = no\n" > f
			printf "\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n" \
			    "\t\t}\n", lid > f
			printf "\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n" \
			    "\t\t}\n", rid > f
			printf "\t\tchildren {\n" > f
			for (i = 0; i < S; i++)
				for (j = 0; j < S; j++) {
					printf "\t\t\tc%d-%d {\n\t\t\t\tmode = " \
					    "tunnel\n", i, j > f
					printf "\t\t\t\tlocal_ts = %s\n", \
					    seg(me, t * S + i) > f
					printf "\t\t\t\tremote_ts = %s\n", \
					    seg(peer, t * S + j) > f
					printf "\t\t\t\tesp_proposals = " \
					    "aes128-sha1-modp1024\n" > f
					printf "\t\t\t\tstart_action = %s\n" \
					    "\t\t\t\trekey_time = 0\n\t\t\t}\n",
					    start > f
				}
			printf "\t\t}\n\t}\n" > f
			close(f)
			f = dir "/secret-t" t
			printf "\tike-t%d {\n\t\tid-1 = %s\n\t\tid-2 = %s\n" \
			    "\t\tsecret = \"%s\"\n\t}\n", t, lid, rid, psk > f
			close(f)
		}
	}'
}

sad_count() {
	ip -n "$1" xfrm state count 2>/dev/null | awk '{ print $NF }'
}

all_up() {
	[ "$(sad_count gw1)" = "$1" ] && [ "$(sad_count gw2)" = "$1" ]
}

none_left() {
	[ "$(sad_count gw1)" = 0 ] && [ "$(sad_count gw2)" = 0 ]
}

cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# ms since an epoch in us
ms_since() { echo $((($(lab_now_us) - $1) / 1000)); }

# flush both kernels and forget the daemons' run files between runs
reset_nodes() {
	local n
	for n in gw1 gw2; do
		ip -n "$n" xfrm state flush
		ip -n "$n" xfrm policy flush
		rm -rf "$(node_rt "$n")"/* "$(node_dir "$n")"/pids
	done
}

# run_one CASE DAEMON: one measurement; prints the BENCH line
run_one() {
	local c=$1 dm=$2 T P S want t0 setup_ms pid1 pid2 c1 c2 cpu rss
	local td_ms
	T=${c%x*}
	P=${c#*x}
	S=$(awk -v p="$P" 'BEGIN { s = int(sqrt(p) + 0.5); print s }')
	[ $((S * S)) = "$P" ] || fail "case $c: $P pairs is not a square"
	want=$((2 * T * P))
	step "$c with $dm: $T tunnels x $P CHILD SAs ($want SAs per kernel)"
	if [ "$dm" = gatewayd ]; then
		gw_scale_conf gw2 "$T" "$S" no
		start_gatewayd gw2
		pid2=${GW_PID[gw2]}
		gw_scale_conf gw1 0 0 yes
		start_gatewayd gw1
		pid1=${GW_PID[gw1]}
		gw_scale_conf gw1 "$T" "$S" yes
		t0=$(lab_now_us)
		kill -HUP "$pid1"
	else
		swan_scale_conf gw2 "$T" "$S" none
		start_charon gw2
		pid2=$(tail -n 1 "$(node_dir gw2)/pids")
		swan_scale_conf gw1 0 0 start
		start_charon gw1
		pid1=$(tail -n 1 "$(node_dir gw1)/pids")
		swan_scale_conf gw1 "$T" "$S" start
		t0=$(lab_now_us)
		swan_load gw1
	fi
	# every 0.5 s, gw2's count (the responder installs last): when
	# the first and the last 1,000 CHILD SAs (2,000 SAs) were in
	local n2 first_ms="" last_from_ms="" k=2000
	while :; do
		n2=$(sad_count gw2)
		if [ -z "$first_ms" ] && [ "${n2:-0}" -ge "$k" ]; then
			first_ms=$(ms_since "$t0")
		fi
		if [ -z "$last_from_ms" ] && [ "${n2:-0}" -ge $((want - k)) ]; then
			last_from_ms=$(ms_since "$t0")
		fi
		all_up "$want" && break
		[ "$(ms_since "$t0")" -lt $((SETUP_MAX * 1000)) ] ||
		    fail "$c with $dm: $(sad_count gw1) and $(sad_count gw2) of $want SAs after $SETUP_MAX s"
		sleep 0.5
	done
	setup_ms=$(ms_since "$t0")
	say "all $want SAs in both kernels after $setup_ms ms"
	if [ "$want" -ge $((4 * k)) ]; then
		say "first 1000 CHILD SAs in $first_ms ms, last 1000 in" \
		    "$((setup_ms - last_from_ms)) ms"
	fi
	c1=$(( $(cpu_ticks "$pid1") + $(cpu_ticks "$pid2") ))
	sleep "$IDLE_S"
	c2=$(( $(cpu_ticks "$pid1") + $(cpu_ticks "$pid2") ))
	cpu=$(awk -v d=$((c2 - c1)) -v hz="$HZ" -v s="$IDLE_S" \
	    'BEGIN { printf "%.2f", d * 100 / hz / s / 2 }')
	rss=$(( ($(rss_kb "$pid1") + $(rss_kb "$pid2")) / 2 ))
	all_up "$want" || say "(some SAs went while idle: $(sad_count gw1), $(sad_count gw2))"
	t0=$(lab_now_us)
	kill -TERM "$pid1"
	wait_for 300 none_left ||
	    say "teardown: $(sad_count gw1) and $(sad_count gw2) SAs left after 300 s"
	td_ms=$(ms_since "$t0")
	wait_for 60 lab_pid_gone "$pid1" || kill -KILL "$pid1" 2>/dev/null
	kill -TERM "$pid2" 2>/dev/null
	wait_for 60 lab_pid_gone "$pid2" || kill -KILL "$pid2" 2>/dev/null
	reset_nodes
	say "BENCH|$c|$dm|$(awk -v m="$setup_ms" 'BEGIN { printf "%.2f", m / 1000 }')|$cpu|$rss|$(awk -v m="$td_ms" 'BEGIN { printf "%.2f", m / 1000 }')"
}

for c in $CASES; do
	run_one "$c" gatewayd
	run_one "$c" charon
done
pass "harness 2: $CASES"
