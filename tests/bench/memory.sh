#!/bin/sh
# memory.sh - issue 11, harness 3: memory per held IKE SA + CHILD SA and
# idle RSS, gatewayd against strongSwan's charon in the same run.  Not a
# test: it never fails on a figure, only when setups fail or a daemon
# does not start.
#
# Each responder runs alone in a network namespace made here, with one
# tunnel (charon: one connection) that accepts any peer with the PSK, as
# in handshake.sh.  ikeload -K (tests/bench/ikeload.c) sets up IKE SAs
# with one CHILD SA each and keeps them (no DELETE): every setup has an
# FQDN identity of its own (s<N>.ikeload), so that the responder holds
# them all side by side under that one tunnel (a new IKE SA replaces an
# older one only for the same identity).  BENCH_W setups are in flight,
# each slot from its own source address (127.0.1.x).  The responder's
# memory is read at 0 (idle, after start), BENCH_MEM_N1 (1000) and
# BENCH_MEM_N2 (10000) held SAs, after a settling pause:
#   RSS    VmRSS of /proc/PID/status, kB;
#   dirty  Private_Dirty of /proc/PID/smaps_rollup, kB: the pages the
#          process wrote (heap, stacks, data), what the SAs cost;
# bytes per held IKE SA + CHILD SA = (X_N - X_0) * 1024 / N.
# "CPU us" is the responder's CPU (utime + stime) per setup while it went
# from 0 to N1 held SAs, then from N1 to N2: a cost that grows with the
# number held (a scan, a timer structure that is not O(log n)) shows as a
# larger second figure.  "stop s" is the wall time from SIGTERM to the
# responder's exit with BENCH_MEM_N2 SAs held (each daemon tells its
# peers: one DELETE per IKE SA, unanswered here).
#
# gatewayd runs with --bench-null-kernel (nothing reaches the kernel) and
# DPD off (ikeload does not answer probes); charon with kernel-libipsec
# (its CHILD SAs live in its userspace IPsec stack: ESP in UDP only,
# hence ikeload -N, for both), no DPD (its default).  Group ecp256 and
# aes128-sha256 for IKE and ESP.
#
# Environment: BENCH_MEM_N1 (1000), BENCH_MEM_N2 (10000), BENCH_W (32),
# BENCH_MEM_SETTLE (2 s), BENCH_MEM_CHARON (1; 0: gatewayd only),
# GATEWAYD, IKELOAD (from the build), CHARON (/usr/lib/ipsec/charon),
# SWANCTL (swanctl), BENCH_KEEP (keep the configurations and logs).
# Needs root, a gatewayd configured with --enable-bench, strongSwan with
# the kernel-libipsec plugin, /dev/net/tun (charon only).
set -eu

N1=${BENCH_MEM_N1:-1000}
N2=${BENCH_MEM_N2:-10000}
W=${BENCH_W:-32}
SETTLE=${BENCH_MEM_SETTLE:-2}
WITH_CHARON=${BENCH_MEM_CHARON:-1}
GROUP=19
PIN=
NS=gwmem$$
WORK=
RPID=
ME=memory.sh
. "$(dirname "$0")/lib.sh"

# "RSS_kB Private_Dirty_kB" of $RPID (charon: the process unshare
# exec'd into, the same pid)
mem_of() {
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$RPID/status")
	dirty=$(awk '/^Private_Dirty:/ { print $2 }' \
	    "/proc/$RPID/smaps_rollup")
	echo "$rss $dirty"
}

# hold N FIRST: ikeload -K, N more held SAs numbered from FIRST; the
# count of failed setups on stdout (all N when ikeload did not run)
hold() {
	out=$(ip netns exec "$NS" "$IKELOAD" -K -N -g "$GROUP" -n "$1" \
	    -o "$2" -w "$W" -k "$PSK" 2>>"$WORK/ikeload.err") || true
	if [ -z "$out" ]; then	# in $(...): die would end only that
		echo "$ME: ikeload: $(cat "$WORK/ikeload.err")" >&2
		echo "$1"
		return
	fi
	echo "$out" | sed -n 's/.*fail=\([0-9]*\).*/\1/p'
}

# utime + stime of the responder, in clock ticks
ticks() {
	sed 's/^.*) //' "/proc/$RPID/stat" | awk '{ print $12 + $13 }'
}

# measures the responder $RPID: "rss0 dirty0 rss1 dirty1 rss2 dirty2 fail"
measure() {
	sleep "$SETTLE"
	set -- $(mem_of)
	m0="$1 $2"
	c0=$(ticks)
	f1=$(hold "$N1" 0)
	c1=$(ticks)
	sleep "$SETTLE"
	set -- $(mem_of)
	m1="$1 $2"
	c2=$(ticks)
	f2=$(hold $((N2 - N1)) "$N1")
	c3=$(ticks)
	sleep "$SETTLE"
	set -- $(mem_of)
	echo "$m0 $m1 $1 $2 $((f1 + f2))" \
	    "$(awk -v a=$((c1 - c0)) -v b=$((c3 - c2)) -v hz="$HZ" \
	    -v n1="$N1" -v n2="$N2" 'BEGIN {
		printf "%.0f %.0f", a * 1e6 / hz / n1, b * 1e6 / hz / (n2 - n1) }')"
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
"$GATEWAYD" --help 2>&1 | grep -q -- --bench-null-kernel ||
    die "$GATEWAYD was built without --enable-bench (configure --enable-bench)"
[ -x "$IKELOAD" ] || die "no load generator at $IKELOAD (make bench builds it)"
[ "$N1" -ge 1 ] && [ "$N2" -gt "$N1" ] ||
    die "BENCH_MEM_N1 ($N1) must be at least 1 and below BENCH_MEM_N2 ($N2)"
if [ "$WITH_CHARON" = 1 ]; then
	[ -x "$CHARON" ] || die "no charon at $CHARON (BENCH_MEM_CHARON=0: none)"
	[ -f "$PLUGINS/libstrongswan-kernel-libipsec.so" ] ||
	    die "charon has no kernel-libipsec plugin"
	[ -c /dev/net/tun ] || die "no /dev/net/tun (kernel-libipsec needs it)"
fi

HZ=$(getconf CLK_TCK)
bench_setup gw-mem

echo "harness 3: memory of a responder holding IKEv2 SAs (PSK," \
    "aes128-sha256-ecp256, one CHILD SA each), $W in flight;"
echo "kB of the whole process (RSS: VmRSS, dirty: Private_Dirty);" \
    "B/SA = bytes per held IKE SA + CHILD SA over idle"
echo "CPU us = the responder's CPU per setup up to that row's held SAs"
printf '%-9s %6s %9s %9s %9s %9s %7s %7s %7s\n' daemon held \
    "RSS kB" "dirty kB" "B/SA rss" "B/SA dty" "CPU us" failed "stop s"
status=0
# row DAEMON rss0 dirty0 rss1 dirty1 rss2 dirty2 fail cpu1 cpu2 stop
row() {
	awk -v d="$1" -v r0="$2" -v d0="$3" -v r1="$4" -v d1="$5" \
	    -v r2="$6" -v d2="$7" -v f="$8" -v u1="$9" -v u2="${10}" \
	    -v st="${11}" -v n1="$N1" -v n2="$N2" 'BEGIN {
		printf "%-9s %6d %9d %9d %9s %9s %7s %7s %7s\n", d, 0, r0,
		    d0, "-", "-", "-", "", ""
		printf "%-9s %6d %9d %9d %9.0f %9.0f %7d %7s %7s\n", d, n1,
		    r1, d1, (r1 - r0) * 1024 / n1, (d1 - d0) * 1024 / n1, u1,
		    "", ""
		printf "%-9s %6d %9d %9d %9.0f %9.0f %7d %7d %7.2f\n", d,
		    n2, r2, d2, (r2 - r0) * 1024 / n2, (d2 - d0) * 1024 / n2,
		    u2, f, st }'
}
# now_s: wall clock, seconds with fractions
now_s() {
	date +%s.%N
}
daemons=gatewayd
[ "$WITH_CHARON" != 1 ] || daemons="gatewayd charon"
for d in $daemons; do
	if [ "$d" = gatewayd ]; then
		gatewayd_start "$GROUP" "dpd-delay 0"
	else
		charon_start ecp256
	fi
	set -- $(measure)
	[ $# -eq 9 ] || die "$d: no measurement"
	t0=$(now_s)
	stop_responder
	t1=$(now_s)
	row "$d" "$@" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
	[ "$7" -eq 0 ] || status=1	# failed setups
done
[ $status -eq 0 ] || echo "memory.sh: some setups failed; their rows" \
    "are not comparable" >&2
exit $status
