#!/usr/bin/env bash
# run-all.sh - run the lab scenarios, each in its own VM (tests/lab/lab.sh),
# LAB_JOBS (default 2) at a time, then print a PASS/FAIL table with
# durations.  Exit status 1 if any scenario failed.
#
#   tests/lab/run-all.sh [-j N] [-l] [PATTERN...]
#
# -l lists the scenarios; PATTERNs (extended regular expressions) select
# the scenarios whose "script args" line matches one of them, e.g.
# tests/lab/run-all.sh t-v1-.  The IKEv1 scenarios (V1_SCENARIOS) are left
# out with LAB_IKEV1=0; the IKEv1 harness self-tests (V1_SELFTESTS) are
# added with LAB_SELFTESTS=1.  Each
# scenario's output is in ${LAB_RUNDIR:-/tmp/gw-lab}/results.PID/; a failing
# one is printed in full at the end.  GW_BUILD names the gatewayd build
# directory (default <repo>/build); it must not be an AddressSanitizer build.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# Scenario list: script and arguments.  The strongSwan self-test first: if
# it fails, the lab itself is broken.
SCENARIOS=(
	"t-swan-selftest.sh"
	"t-kernel.sh"
	"t-gw-gw.sh"
	"t-gw-swan.sh"
	"t-algs.sh aes256-sha256-dh14"
	"t-algs.sh 3des-md5-dh1"
	"t-algs.sh dh5"
	"t-algs.sh dh24"
	"t-algs.sh ah-sha1"
	"t-algs.sh ah-sha256-esn"
	"t-algs.sh ecp256-sha384"
	"t-algs.sh curve25519-sha512"
	"t-algs.sh ecp384-modp3072"
	"t-algs.sh ecp521-modp4096"
	"t-algs.sh proposal-list"
	"t-algs.sh proposal-list-pfs"
	"t-algs.sh aes256gcm16-ecp384"
	"t-algs.sh chacha20poly1305-x25519"
	"t-algs.sh aes128-sha256-modp3072"
	"t-algs.sh aes128-sha256-esn"
	"t-algs.sh replay-1024"
	"t-segments.sh pfs14"
	"t-segments.sh nopfs"
	"t-segments.sh mismatch"
	"t-segments.sh one-child"
	"t-segments.sh single-initiator"
	"t-segments.sh single-narrowed"
	"t-rekey.sh child"
	"t-rekey.sh ike"
	"t-rekey.sh gw-child"
	"t-rekey.sh gw-ike"
	"t-rekey.sh bytes"
	"t-rekey.sh packets"
	"t-two-tunnels.sh"
	"t-many-tunnels.sh"
	"t-failures.sh"
	"t-nat.sh v2-initiator"
	"t-nat.sh v2-any"
	"t-nat.sh v2-rebind"
	"t-soak.sh gw-gw"
	"t-soak.sh gw-swan"
	"t-dpd.sh hold"
	"t-dpd.sh restart"
	"t-dpd.sh clear"
	"t-dpd.sh responder"
	"t-dpd.sh loss"
	"t-export.sh v2-swanctl"
	"t-export.sh v2-gcm-swanctl"
	"t-export.sh v2-esn-swanctl"
	"t-export.sh v2-single-swanctl"
	"t-service.sh"
	"t-systemd.sh"
	"t-privs.sh"
	"t-metrics.sh"
	"t-doctor.sh psk"
	"t-doctor.sh proposal"
	"t-doctor.sh ike-version"
	"t-doctor.sh id"
	"t-doctor.sh segments"
	"t-doctor.sh esp-ah"
	"t-doctor.sh no-answer"
	"t-doctor.sh nat"
	"t-valgrind.sh v2"
	"t-ha.sh failback"
	"t-ha.sh v2-gw"
	"t-ha.sh synclost"
	"t-ha.sh nosync"
	"t-ha.sh upgrade"
	"t-ha.sh v2-nat"
)

# IKEv1 scenarios: they run after the list above unless LAB_IKEV1=0 in the
# environment (IKEV1_READY below is the default).  prepare.sh unpacks
# Libreswan for them.
IKEV1_READY=1
V1_SCENARIOS=(
	"t-v1-gw-gw.sh"
	"t-v1-gw-swan.sh main"
	"t-v1-gw-swan.sh aggressive"
	"t-v1-algs.sh 3des-md5-dh1"
	"t-v1-algs.sh aes256-sha1-dh14-pfs14"
	"t-v1-algs.sh aes256-sha256-dh14"
	"t-v1-algs.sh dh5"
	"t-v1-algs.sh dh24"
	"t-v1-algs.sh ecp256-sha384"
	"t-v1-algs.sh ecp521-sha512"
	"t-v1-algs.sh aes256gcm16-dh14"
	"t-v1-algs.sh esp-sha256-dh14"
	"t-v1-algs.sh esn-sha256-dh14"
	"t-v1-algs.sh ah"
	"t-v1-algs.sh nopfs"
	"t-v1-algs.sh segments"
	"t-v1-algs.sh proposal-list"
	"t-v1-libreswan.sh"
	"t-doctor.sh v1-psk"
	"t-doctor.sh v1-segments"
	"t-doctor.sh v1-mode"
	"t-doctor.sh v1-mode-initiator"
	"t-doctor.sh v1-proposal"
	"t-doctor.sh pfs"
	"t-v1-failures.sh psk-initiator"
	"t-v1-failures.sh psk-responder"
	"t-v1-failures.sh segments"
	"t-v1-dpd.sh"
	"t-nat.sh v1-initiator"
	"t-nat.sh v1-any"
	"t-nat.sh v1-rebind"
	"t-v1-rekey.sh gw"
	"t-v1-rekey.sh swan"
	"t-v1-rekey.sh kbytes"
	"t-v1-rekey.sh kbytes-lower"
	"t-v1-rekey.sh volume"
	"t-export.sh v1-volume-swanctl"
	"t-export.sh v1-volume-libreswan"
	"t-soak.sh v1-gw-gw"
	"t-soak.sh v1-gw-swan"
	"t-dpd.sh v1-hold"
	"t-mixed-versions.sh v2-first"
	"t-mixed-versions.sh v1-first"
	"t-mixed-versions.sh together"
	"t-export.sh v1-swanctl"
	"t-flood.sh"
	"t-flood.sh v2"
	"t-flood.sh am"
	"t-valgrind.sh v1"
	# needs the Libreswan that prepare.sh unpacks for the IKEv1 runs
	"t-export.sh v2-libreswan"
	"t-export.sh v2-gcm-libreswan"
	"t-export.sh v2-esn-libreswan"
	"t-export.sh v1-libreswan"
	"t-export.sh v2-list-libreswan"
	"t-libreswan-algs.sh v2-gcm-dh19"
	"t-libreswan-algs.sh v1-aes256-sha256"
	"t-ha.sh v1-swan"
	"t-ha.sh v1-gw"
)
# Self-tests of the IKEv1 harness (strongSwan <-> strongSwan, Libreswan <->
# strongSwan; no gatewayd): only with LAB_SELFTESTS=1, e.g. after changing
# lib.sh or a strongSwan/Libreswan upgrade.  t-swan-selftest.sh above stays
# in every run: if it fails, the lab itself is broken.
V1_SELFTESTS=(
	"t-v1-swan-selftest.sh main"
	"t-v1-swan-selftest.sh aggressive"
	"t-v1-libreswan-selftest.sh"
)
export LAB_IKEV1=${LAB_IKEV1:-$IKEV1_READY}
if [ "${LAB_SELFTESTS:-0}" = 1 ]; then
	SCENARIOS+=("${V1_SELFTESTS[@]}")
fi
if [ "$LAB_IKEV1" = 1 ]; then
	SCENARIOS+=("${V1_SCENARIOS[@]}")
fi

jobs=${LAB_JOBS:-2}
list=0
while getopts j:l opt; do
	case "$opt" in
	j)	jobs=$OPTARG ;;
	l)	list=1 ;;
	*)	echo "usage: $0 [-j N] [-l] [PATTERN...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

selected=()
for s in "${SCENARIOS[@]}"; do
	if [ $# -eq 0 ]; then
		selected+=("$s")
		continue
	fi
	for p in "$@"; do
		if grep -qE -- "$p" <<<"$s"; then
			selected+=("$s")
			break
		fi
	done
done
if [ "$list" = 1 ]; then
	printf '%s\n' "${selected[@]}"
	exit 0
fi
[ ${#selected[@]} -gt 0 ] || { echo "run-all: no scenario selected" >&2; exit 2; }

"$here/prepare.sh" || exit 2

base=${LAB_RUNDIR:-/tmp/gw-lab}
out=$base/results.$$
mkdir -p "$out"
export LAB_RUNDIR=$base

declare -A pid_of rc_of time_of start_of

# shellcheck disable=SC2317  # called by the trap
on_signal() {
	local s
	for s in "${!pid_of[@]}"; do
		[ -n "${rc_of[$s]:-}" ] || kill -TERM "${pid_of[$s]}" 2>/dev/null
	done
	wait
	echo "run-all: interrupted" >&2
	exit 130
}
trap on_signal INT TERM

now() { date +%s.%N; }

start_one() {
	local s=$1 log script args
	log=$out/$(tr ' /' '__' <<<"$s").log
	read -r script args <<<"$s"
	start_of[$s]=$(now)
	# shellcheck disable=SC2086  # args: words of the scenario line
	"$here/lab.sh" "$here/$script" $args >"$log" 2>&1 &
	pid_of[$s]=$!
	printf 'run-all: started  %s\n' "$s"
}

# Reap whichever scenario ends first (bash >= 5.1: wait -n -p).
reap_one() {
	local s p rc
	wait -n -p p
	rc=$?
	for s in "${selected[@]}"; do
		[ "${pid_of[$s]:-}" = "$p" ] || continue
		# a later scenario may get the same PID: forget this one
		unset "pid_of[$s]"
		rc_of[$s]=$rc
		time_of[$s]=$(awk -v a="${start_of[$s]}" -v b="$(now)" \
		    'BEGIN { printf "%.1f", b - a }')
		printf 'run-all: %-5s %s (%s s)\n' \
		    "$([ "$rc" = 0 ] && echo PASS || echo FAIL)" "$s" "${time_of[$s]}"
		nrun=$((nrun - 1))
		break
	done
}

t0=$(now)
nrun=0
for s in "${selected[@]}"; do
	while [ "$nrun" -ge "$jobs" ]; do
		reap_one
	done
	start_one "$s"
	nrun=$((nrun + 1))
done
while [ "$nrun" -gt 0 ]; do
	reap_one
done
total=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')

failed=0
for s in "${selected[@]}"; do
	if [ "${rc_of[$s]:-1}" != 0 ]; then
		failed=$((failed + 1))
		printf '\n==================== %s (FAIL) ====================\n' "$s"
		cat "$out/$(tr ' /' '__' <<<"$s").log"
	fi
done

printf '\n%-36s %-6s %8s\n' SCENARIO RESULT SECONDS
printf '%-36s %-6s %8s\n' -------- ------ -------
for s in "${selected[@]}"; do
	printf '%-36s %-6s %8s\n' "$s" \
	    "$([ "${rc_of[$s]:-1}" = 0 ] && echo PASS || echo FAIL)" \
	    "${time_of[$s]:--}"
done
printf '%-36s %-6s %8s\n' "total (${#selected[@]} scenarios, $jobs at a time)" \
    "$([ "$failed" = 0 ] && echo PASS || echo "$failed FAIL")" "$total"
echo "logs: $out"
# Last, each failed scenario's own steps and its FAIL line without the
# dumps of the nodes: the end of a long CI log says why.
for s in "${selected[@]}"; do
	[ "${rc_of[$s]:-1}" != 0 ] || continue
	printf '\n---- %s: its last steps (the whole log is above) ----\n' "$s"
	grep -E '^\[ *[0-9.]+\] ' "$out/$(tr ' /' '__' <<<"$s").log" |
	    tail -n 45
done
[ "$failed" = 0 ]
