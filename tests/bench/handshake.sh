#!/bin/sh
# handshake.sh - issue 11, harness 1: IKEv2 PSK handshake rate and
# responder CPU on the host kernel, gatewayd against strongSwan's charon
# in the same run.  Not a test: it never fails on a timing, only when a
# setup fails or a daemon does not start.
#
# For each DH group, ikeload (tests/bench/ikeload.c) runs N setups
# (IKE_SA_INIT, IKE_AUTH with one CHILD SA, INFORMATIONAL DELETE) with W
# in flight, first against gatewayd (--bench-null-kernel: nothing reaches
# the kernel), then against charon (kernel-libipsec: CHILD SAs go to its
# userspace IPsec stack, which only does ESP in UDP: ikeload -N claims
# to be behind a NAT, for both).  Each responder runs alone in a network
# namespace made here, pinned to one CPU, the generator to another.
# Responder CPU is utime + stime of /proc/PID/stat (all threads) before
# and after the timed run.  "DH us" is the DH work a responder does per
# setup (a key pair and the shared secret, through gatewayd's crypto/dh.c),
# timed by ikeload -D on the responder's CPU; "gw/DH" is gatewayd's CPU
# per setup over it (the issue's target: at most 1.3).
#
# Environment: BENCH_N (2000), BENCH_W (32), BENCH_DH_N (500: DH timed
# by ikeload -D), BENCH_GROUPS ("2 14 19"),
# BENCH_CPU_RESPONDER (1), BENCH_CPU_LOAD (0), GATEWAYD, IKELOAD (from
# the build), CHARON (/usr/lib/ipsec/charon), SWANCTL (swanctl),
# BENCH_CHARON_LOG (charon's log level, -1: none), BENCH_KEEP (keep the
# configurations and logs).
# Needs root, a gatewayd configured with --enable-bench, strongSwan with
# the kernel-libipsec plugin, /dev/net/tun.
set -eu

N=${BENCH_N:-2000}
W=${BENCH_W:-32}
DH_N=${BENCH_DH_N:-500}
GROUPS_LIST=${BENCH_GROUPS:-"2 14 19"}
CPU_R=${BENCH_CPU_RESPONDER:-1}
CPU_L=${BENCH_CPU_LOAD:-0}
PIN="taskset -c $CPU_R"
NS=gwbench$$
WORK=
RPID=
ME=handshake.sh
. "$(dirname "$0")/lib.sh"

group_name() {
	case $1 in
	2) echo modp1024 ;;
	14) echo modp2048 ;;
	19) echo ecp256 ;;
	*) die "group $1: only 2, 14 and 19 are benchmarked" ;;
	esac
}

# utime + stime of a process, in clock ticks (fields 14 and 15 after the
# parenthesised command name)
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# runs the load against the responder $RPID; prints "rate cpu_us fail"
measure() {
	# a short warm-up (not measured): first allocations, thread pools
	ip netns exec "$NS" taskset -c "$CPU_L" "$IKELOAD" -N -g "$1" -n "$W" \
	    -w "$W" -k "$PSK" > /dev/null 2>&1 || true
	c0=$(cpu_ticks "$RPID")
	out=$(ip netns exec "$NS" taskset -c "$CPU_L" "$IKELOAD" -N -g "$1" \
	    -n "$N" -w "$W" -k "$PSK" 2>"$WORK/ikeload.err") || true
	c1=$(cpu_ticks "$RPID")
	[ -n "$out" ] || die "ikeload: $(cat "$WORK/ikeload.err")"
	echo "$out" | awk -v c0="$c0" -v c1="$c1" -v hz="$HZ" '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		cpu = v["ok"] > 0 ? (c1 - c0) * 1e6 / hz / v["ok"] : 0
		printf "%s %.0f %s\n", v["rate"], cpu, v["fail"]
	}'
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
"$GATEWAYD" --help 2>&1 | grep -q -- --bench-null-kernel ||
    die "$GATEWAYD was built without --enable-bench (configure --enable-bench)"
[ -x "$IKELOAD" ] || die "no load generator at $IKELOAD (make bench builds it)"
[ -x "$CHARON" ] || die "no charon at $CHARON"
[ -f "$PLUGINS/libstrongswan-kernel-libipsec.so" ] ||
    die "charon has no kernel-libipsec plugin"
[ -c /dev/net/tun ] || die "no /dev/net/tun (kernel-libipsec needs it)"
[ "$CPU_R" != "$CPU_L" ] || die "responder and generator share CPU $CPU_R"
HZ=$(getconf CLK_TCK)

bench_setup gw-bench

echo "harness 1: IKEv2 PSK setups (aes128-sha256, one CHILD SA, then" \
    "DELETE), N=$N, $W in flight;"
echo "responder on CPU $CPU_R, generator on CPU $CPU_L;" \
    "CPU = responder utime+stime per setup"
echo "gw = gatewayd, ch = charon; failed = gatewayd/charon setups"
printf '%-9s %10s %10s %7s %12s %12s %7s %8s %6s %7s\n' group \
    "gw set/s" "ch set/s" "ch/gw" "gw CPU us" "ch CPU us" "ch/gw" \
    "DH us" "gw/DH" "failed"
status=0
for g in $GROUPS_LIST; do
	name=$(group_name "$g")
	gatewayd_start "$g"
	set -- $(measure "$g")
	[ $# -eq 3 ] || die "gatewayd, $name: no measurement"
	gw_rate=$1 gw_cpu=$2 gw_fail=$3
	stop_responder
	charon_start "$name"
	set -- $(measure "$g")
	[ $# -eq 3 ] || die "charon, $name: no measurement"
	ch_rate=$1 ch_cpu=$2 ch_fail=$3
	stop_responder
	dh=$($PIN "$IKELOAD" -D -g "$g" -n "$DH_N" | sed -n 's/^dh_us=//p')
	[ -n "$dh" ] || die "ikeload -D -g $g: no DH cost"
	awk -v n="$name" -v gr="$gw_rate" -v cr="$ch_rate" -v gc="$gw_cpu" \
	    -v cc="$ch_cpu" -v f="$gw_fail/$ch_fail" -v dh="$dh" 'BEGIN {
		printf "%-9s %10.1f %10.1f %7.2f %12.0f %12.0f %7.2f %8.0f " \
		    "%6.2f %7s\n", n, gr, cr, (gr > 0 ? cr / gr : 0), gc, cc,
		    (gc > 0 ? cc / gc : 0), dh, (dh > 0 ? gc / dh : 0), f }'
	[ "$gw_fail" -eq 0 ] && [ "$ch_fail" -eq 0 ] || status=1
done
[ $status -eq 0 ] || echo "handshake.sh: some setups failed" \
    "(gatewayd or charon); their rows are not comparable" >&2
exit $status
