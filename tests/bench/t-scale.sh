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
# A case with an "s" (1x400s) has the other layout: one CHILD SA per
# tunnel whose traffic selectors carry all S local and S peer segments
# (gatewayd child-sa single; charon one child with S local_ts and S
# remote_ts), so 2 x T SAs and 3 x T x P policies (in, out, fwd) per
# kernel; its set-up ends when both kernels have them all.
# For each case and each daemon it measures:
#   setup     from loading the tunnels into the running initiator
#             (gatewayd: SIGHUP with them added to a configuration that
#             had none; charon: swanctl --load-all, start_action start)
#             to every CHILD SA in both kernels (ip xfrm state count:
#             2 x T x P on each side, looked at every LAB_SCALE_POLL_S,
#             0.2 s: one ip in the VM per look);
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
# 8 s, pacing of 2 half-open IKE SAs per peer), charon with its logging
# off, DoS protection off (as harness 1), no DPD (its default).
# (lab.sh passes only LAB_* and GW_* variables into the VM.)
# It also prints the VM's CPU busy over each set-up and each teardown,
# each daemon's user and system time in them, and when each kernel
# became empty in a teardown.  Knobs for profiles: LAB_SCALE_DAEMONS
# (default "gatewayd charon"; DAEMON/hN sets the kernel's XFRM policy
# hash thresholds to N N first, ip xfrm policy set hthresh4;
# gatewayd-main is the gatewayd of GW_MAIN_BUILD, another build),
# LAB_SCALE_GW_TUNNEL (a line added to every gatewayd tunnel, e.g.
# "dpd-delay 0" for the idle CPU without DPD), LAB_SCALE_DEBUG=1
# (gatewayd with -d: debug log lines with timestamps),
# LAB_SCALE_STRACE=1 (strace -c of both daemons over the set-up and the
# teardown), LAB_SCALE_GPROF=1 (GW_BUILD configured with CFLAGS=-pg:
# gprof's flat profile of each gatewayd).
# A benchmark, not a test: it fails only when a set-up does not complete
# within LAB_SCALE_SETUP_MAX (900) s or a daemon does not start.
# shellcheck source=../lab/lib.sh
. "$(dirname "$0")/../lab/lib.sh"
lab_begin
gw_bin

CASES=${LAB_SCALE_CASES:-20x1 1x400 20x400}
DAEMONS=${LAB_SCALE_DAEMONS:-gatewayd charon}
# gatewayd at the file's log-level warning, as charon's logging is off
# (start_gatewayd gives every other test -d); LAB_SCALE_DEBUG=1: debug
# logs with timestamps in gatewayd.log, for a profile
[ "${LAB_SCALE_DEBUG:-0}" = 1 ] || export GW_NODEBUG=1
STRACE=${LAB_SCALE_STRACE:-}
# how often the set-up's end is looked for (s); a fifo nobody writes
# to: read -t on it naps without a sleep process
POLL_S=${LAB_SCALE_POLL_S:-0.2}
mkfifo /tmp/scale.nap
exec {NAP}<>/tmp/scale.nap
# LAB_SCALE_GPROF=1, with GW_BUILD a build configured with CFLAGS=-pg:
# each gatewayd's flat profile (gprof -p) after its run
[ "${LAB_SCALE_GPROF:-0}" = 1 ] && export GMON_OUT_PREFIX=/tmp/gmon
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

# gw_scale_conf NODE T S INITIATE [LAYOUT]: gatewayd.conf of T tunnels of
# S x S (LAYOUT single: child-sa single)
gw_scale_conf() {
	local n=$1 me addr paddr
	me=$(side_of "$n")
	addr=$GW1_PUB paddr=$GW2_PUB
	[ "$me" = 2 ] && addr=$GW2_PUB paddr=$GW1_PUB
	awk -v T="$2" -v S="$3" -v init="$4" -v me="$me" -v addr="$addr" \
	    -v paddr="$paddr" -v psk="$GW_PSK" -v layout="${5:-}" \
	    -v extra="${LAB_SCALE_GW_TUNNEL:-}" -v sock="$(node_rt "$n")/gatewayd.sock" "$SEG_AWK"'
	BEGIN {
		peer = 3 - me
		print "control-socket " sock
		print "log-level warning"
		printf "gateway g {\n\taddress %s\n\tsegment %s\n}\n", addr,
		    me == 1 ? "172.16.0.0/12" : "10.0.0.0/12"
		printf "peer p {\n\taddress %s\n}\n", paddr
		for (t = 0; t < T; t++) {
			printf "tunnel t%d {\n\tgateway g\n\tpeer p\n", t
			if (layout == "single")
				print "\tchild-sa single"
			if (extra != "")
				printf "\t%s\n", extra
			for (j = 0; j < S; j++) {
				printf "\tlocal-segment %s\n", seg(me, t * S + j)
				printf "\tpeer-segment %s\n", seg(peer, t * S + j)
			}
			printf "\tpsk %s\n\tinitiate %s\n}\n", psk, init
		}
	}' >"$(node_dir "$n")/gatewayd.conf"
}

# swan_scale_conf NODE T S START [LAYOUT]: strongswan.conf (logging off,
# no DoS protection) and T connections of S x S children (LAYOUT single:
# one child with S local_ts and S remote_ts), as swan_conn writes them
# (swan_write assembles swanctl.conf)
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
	    -v layout="${5:-}" \
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
			if (layout == "single" && S > 0) {
				lts = seg(me, t * S)
				rts = seg(peer, t * S)
				for (i = 1; i < S; i++) {
					lts = lts "," seg(me, t * S + i)
					rts = rts "," seg(peer, t * S + i)
				}
				printf "\t\t\tc {\n\t\t\t\tmode = tunnel\n" \
				    "\t\t\t\tlocal_ts = %s\n\t\t\t\t" \
				    "remote_ts = %s\n", lts, rts > f
				printf "\t\t\t\tesp_proposals = " \
				    "aes128-sha1-modp1024\n" > f
				printf "\t\t\t\tstart_action = %s\n" \
				    "\t\t\t\trekey_time = 0\n\t\t\t}\n",
				    start > f
				S = -S	# no child per pair
			}
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
			if (S < 0)
				S = -S
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

# spd_count NODE: in + out + fwd policies (ip xfrm policy count's
# "SPD IN n OUT n FWD n")
spd_count() {
	ip -n "$1" xfrm policy count 2>/dev/null |
	    awk '$1 == "SPD" && $2 == "IN" { print $3 + $5 + $7; exit }'
}

# all_up SAS [POLICIES]: both kernels have SAS SAs (and POLICIES
# policies, when given)
all_up() {
	[ "$(sad_count gw1)" = "$1" ] && [ "$(sad_count gw2)" = "$1" ] &&
	    { [ -z "${2:-}" ] ||
	    { [ "$(spd_count gw1)" = "$2" ] && [ "$(spd_count gw2)" = "$2" ]; }; }
}

cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# With LAB_SCALE_STRACE=1 (a profile, not a benchmark: strace slows the
# daemons down), strace -c -f attaches to both daemons for the set-up and
# again for the teardown, and its system call counts are printed for
# each.
STRACE_PIDS=()
strace_start() {
	local p
	STRACE_PIDS=()
	[ -n "$STRACE" ] || return 0
	for p in "$@"; do
		strace -c -f -p "$p" -o "/tmp/strace.$p" 2>/dev/null &
		STRACE_PIDS+=("$!")
	done
	sleep 1
}
strace_stop() {
	local p
	[ -n "$STRACE" ] || return 0
	for p in "${STRACE_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in /tmp/strace.*; do
		say "strace -c of $2 in $1 (${p##*.}):"
		sed 's/^/  /' "$p"
		rm -f "$p"
	done
}

# cpu_mark PID1 PID2 before the set-up, cpu_report after it: the VM's
# CPU (all of it: daemons, kernel, the sampling loop) busy over the
# set-up, and each daemon's user and system time in it (charon: all its
# threads), to tell a set-up that waits from one that computes
CPU_MARK=()
vm_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6; exit }' /proc/stat; }
pid_ut_st() {
	awk '{ print $14, $15 }' "/proc/$1/stat" 2>/dev/null || echo -1 -1
}
cpu_mark() {
	read -ra CPU_MARK <<<"$(vm_ticks) $(pid_ut_st "$1") $(pid_ut_st "$2")"
}
# cpu_report PID1 PID2 [WHAT]: WHAT "the set-up" unless given; a daemon
# that exited since cpu_mark shows as "gone"
cpu_report() {
	local now
	read -ra now <<<"$(vm_ticks) $(pid_ut_st "$1") $(pid_ut_st "$2")"
	awk -v hz="$HZ" -v a="${CPU_MARK[*]}" -v b="${now[*]}" \
	    -v what="${3:-the set-up}" '
	function d(i, n) {
		if (y[i] < 0 || y[i + 1] < 0)
			return n " gone"
		return sprintf("%s user %.2f s sys %.2f s", n,
		    (y[i] - x[i]) / hz, (y[i + 1] - x[i + 1]) / hz)
	}
	BEGIN {
		split(a, x, " "); split(b, y, " ")
		busy = y[1] - x[1]; idle = y[2] - x[2]
		printf "CPU in %s: VM %.0f%% busy (%.2f s of %.2f s); %s, %s\n",
		    what, busy * 100 / (busy + idle + 0.0001), busy / hz,
		    (busy + idle) / hz, d(3, "initiator"), d(5, "responder")
	}' | while read -r l; do say "$l"; done
}

gprof_print() {
	local f
	for f in /tmp/gmon.*; do
		[ -f "$f" ] || continue
		say "gprof -p of $2 in $1 (${f##*.}):"
		gprof -b -p "$GW_BUILD/gatewayd" "$f" | head -n 30 | sed 's/^/  /'
		rm -f "$f"
	done
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
	local td_ms layout="" pol="" e1 e2
	T=${c%x*}
	P=${c#*x}
	if [ "${P%s}" != "$P" ]; then
		layout=single
		P=${P%s}
	fi
	S=$(awk -v p="$P" 'BEGIN { s = int(sqrt(p) + 0.5); print s }')
	[ $((S * S)) = "$P" ] || fail "case $c: $P pairs is not a square"
	want=$((2 * T * P))
	if [ -n "$layout" ]; then
		want=$((2 * T))
		pol=$((3 * T * P))
		step "$c with $dm: $T tunnels of one CHILD SA with $S x $S" \
		    "segments ($want SAs and $pol policies per kernel)"
	else
		step "$c with $dm: $T tunnels x $P CHILD SAs ($want SAs per kernel)"
	fi
	# DAEMON/hN: the kernel's XFRM policy hash thresholds set to N N in
	# both namespaces first (ip xfrm policy set hthresh4), 32 32 after
	if [ "$dm" != "${dm%/h*}" ]; then
		ip -n gw1 xfrm policy set hthresh4 "${dm#*/h}" "${dm#*/h}"
		ip -n gw2 xfrm policy set hthresh4 "${dm#*/h}" "${dm#*/h}"
	fi
	# gatewayd-main: the gatewayd of GW_MAIN_BUILD (another build, to
	# compare two versions in one run)
	local gw_build=$GW_BUILD
	[ "${dm%/h*}" = gatewayd-main ] && GW_BUILD=${GW_MAIN_BUILD:?}
	if [ "${dm#gatewayd}" != "$dm" ]; then
		gw_scale_conf gw2 "$T" "$S" no "$layout"
		start_gatewayd gw2
		pid2=${GW_PID[gw2]}
		gw_scale_conf gw1 0 0 yes
		start_gatewayd gw1
		pid1=${GW_PID[gw1]}
		gw_scale_conf gw1 "$T" "$S" yes "$layout"
		strace_start "$pid1" "$pid2"
		cpu_mark "$pid1" "$pid2"
		t0=$(lab_now_us)
		kill -HUP "$pid1"
	else
		swan_scale_conf gw2 "$T" "$S" none "$layout"
		start_charon gw2
		pid2=$(tail -n 1 "$(node_dir gw2)/pids")
		swan_scale_conf gw1 0 0 start
		start_charon gw1
		pid1=$(tail -n 1 "$(node_dir gw1)/pids")
		swan_scale_conf gw1 "$T" "$S" start "$layout"
		strace_start "$pid1" "$pid2"
		cpu_mark "$pid1" "$pid2"
		t0=$(lab_now_us)
		swan_load gw1
	fi
	# every POLL_S, gw2's count (the responder installs last): when
	# the first and the last 1,000 CHILD SAs (2,000 SAs) were in.  The
	# loop shares the VM's one CPU with the daemons: one ip per round
	# (gw1's count only once gw2 has all), no other fork or exec (the
	# nap is read's timeout, the clock bash's EPOCHREALTIME)
	local n2 first_ms="" last_from_ms="" k=2000 now_ms
	while :; do
		# single layout: gw1's policies (the initiator installs
		# last), one ip per round too
		if [ -n "$pol" ]; then
			[ "$(spd_count gw1)" = "$pol" ] && all_up "$want" "$pol" &&
			    break
			now_ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
			[ "$now_ms" -lt $((SETUP_MAX * 1000)) ] ||
			    fail "$c with $dm: policies $(spd_count gw1), $(spd_count gw2) of $pol after $SETUP_MAX s"
			read -r -t "$POLL_S" -u "$NAP" || :
			continue
		fi
		n2=$(sad_count gw2)
		now_ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
		if [ -z "$first_ms" ] && [ "${n2:-0}" -ge "$k" ]; then
			first_ms=$now_ms
		fi
		if [ -z "$last_from_ms" ] && [ "${n2:-0}" -ge $((want - k)) ]; then
			last_from_ms=$now_ms
		fi
		[ "${n2:-0}" = "$want" ] && [ "$(sad_count gw1)" = "$want" ] &&
		    break
		[ "$now_ms" -lt $((SETUP_MAX * 1000)) ] ||
		    fail "$c with $dm: $(sad_count gw1) and $(sad_count gw2) of $want SAs after $SETUP_MAX s"
		read -r -t "$POLL_S" -u "$NAP" || :
	done
	setup_ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
	say "all $want SAs${pol:+ and $pol policies} in both kernels after $setup_ms ms"
	cpu_report "$pid1" "$pid2"
	strace_stop "$c" "$dm"
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
	all_up "$want" "$pol" || say "(some SAs went while idle: $(sad_count gw1), $(sad_count gw2))"
	strace_start "$pid1" "$pid2"
	cpu_mark "$pid1" "$pid2"
	t0=$(lab_now_us)
	kill -TERM "$pid1"
	# when each kernel became empty (a poll every 0.2 s, as wait_for)
	e1="" e2=""
	while :; do
		[ -n "$e1" ] || [ "$(sad_count gw1)" != 0 ] ||
		    e1=$(ms_since "$t0")
		[ -n "$e2" ] || [ "$(sad_count gw2)" != 0 ] ||
		    e2=$(ms_since "$t0")
		[ -n "$e1" ] && [ -n "$e2" ] && break
		[ "$(ms_since "$t0")" -lt 300000 ] || {
			say "teardown: $(sad_count gw1) and" \
			    "$(sad_count gw2) SAs left after 300 s"
			break
		}
		sleep 0.2
	done
	td_ms=$(ms_since "$t0")
	say "teardown: initiator's kernel without SAs after ${e1:-?} ms," \
	    "responder's after ${e2:-?} ms"
	cpu_report "$pid1" "$pid2" "the teardown"
	wait_for 60 lab_pid_gone "$pid1" || kill -KILL "$pid1" 2>/dev/null
	kill -TERM "$pid2" 2>/dev/null
	wait_for 60 lab_pid_gone "$pid2" || kill -KILL "$pid2" 2>/dev/null
	strace_stop "$c teardown" "$dm"
	reset_nodes
	ip -n gw1 xfrm policy set hthresh4 32 32
	ip -n gw2 xfrm policy set hthresh4 32 32
	GW_BUILD=$gw_build
	gprof_print "$c" "$dm"
	say "BENCH|$c|$dm|$(awk -v m="$setup_ms" 'BEGIN { printf "%.2f", m / 1000 }')|$cpu|$rss|$(awk -v m="$td_ms" 'BEGIN { printf "%.2f", m / 1000 }')"
}

for c in $CASES; do
	for dm in $DAEMONS; do
		run_one "$c" "$dm"
	done
done
pass "harness 2: $CASES"
