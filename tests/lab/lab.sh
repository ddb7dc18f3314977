#!/usr/bin/env bash
# lab.sh - run one test script inside a user-mode Linux kernel.
#
#   tests/lab/lab.sh [--keep] TEST_SCRIPT [ARGS...]
#
# The host kernel may lack ESP/AH; Debian's linux.uml has them.  The VM uses
# the host's / (hostfs) as its root, so it runs the host's binaries from the
# same paths.  tests/lab/init.sh is its PID 1: it mounts private tmpfs on
# /run, /tmp and /dev/shm, loads the modules and runs TEST_SCRIPT with ARGS
# (output to test.log in the run directory), then powers off.  lab.sh prints
# the test's log and exits with its exit code.
#
# Several VMs may run at once: each has its own run directory
# ${LAB_RUNDIR:-/tmp/gw-lab}/NAME.PID and UML umid.  The run directory is
# removed after a passing run unless --keep is given; a failing run keeps it
# (logs, captures) and says where it is.
#
# Environment: LAB_RUNDIR, LAB_TIMEOUT (seconds, default 240), LAB_MEM
# (default 384M), LAB_LIVE=1 (also stream the test's output while it runs),
# GW_BUILD (gatewayd build directory, default <repo>/build).  Every GW_* and
# LAB_* variable is passed on to the test.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

usage() {
	echo "usage: $0 [--keep] TEST_SCRIPT [ARGS...]" >&2
	exit 2
}

keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--keep)	keep=1; shift ;;
	--)	shift; break ;;
	-*)	usage ;;
	*)	break ;;
	esac
done
[ $# -ge 1 ] || usage
test_script=$1
shift
[ -f "$test_script" ] || { echo "lab: no such test: $test_script" >&2; exit 2; }
test_script=$(cd "$(dirname "$test_script")" && pwd)/$(basename "$test_script")

"$here/prepare.sh" -q || exit 2

name=$(basename "$test_script" .sh)
base=${LAB_RUNDIR:-/tmp/gw-lab}
mkdir -p "$base"
base=$(cd "$base" && pwd)
run=$base/$name.$$
rm -rf "$run"
mkdir -p "$run"
# The kernel command line splits on blanks: keep the paths plain.
for p in "$run" "$test_script" "$here" "$top"; do
	case "$p" in
	*[[:space:]]*) echo "lab: path with blanks not supported: $p" >&2
		exit 2 ;;
	esac
done

export GW_BUILD=${GW_BUILD:-$top/build}
export LAB_TOP=$top LAB_DIR=$here

# env.sh: what init.sh sources before running the test (values quoted).
{
	echo "# written by lab.sh"
	while IFS= read -r var; do
		printf 'export %s=%q\n' "$var" "${!var}"
	done < <(compgen -e | grep -E '^(GW|LAB)_' | grep -vE '^LAB_(ARGS|RUN|TEST|IN_VM)$')
	printf 'LAB_ARGS=('
	for a in "$@"; do printf ' %q' "$a"; done
	printf ' )\n'
} >"$run/env.sh"

umid=gwlab-$$-${name:0:20}
# A scenario may ask for more time with a "# lab-timeout: SECONDS" line.
want=$(sed -n 's/^# lab-timeout: *\([0-9][0-9]*\)$/\1/p' "$test_script" | head -n1)
timeout_s=${LAB_TIMEOUT:-${want:-240}}
uml=${LAB_UML:-linux.uml}
start=$(date +%s.%N)

vm_pid=
# shellcheck disable=SC2317  # called by the trap
on_signal() {
	if [ -n "$vm_pid" ]; then
		kill -TERM -- "-$vm_pid" 2>/dev/null
		sleep 1
		kill -KILL -- "-$vm_pid" 2>/dev/null
	fi
	echo "lab: interrupted; run directory kept: $run" >&2
	exit 130
}
trap on_signal INT TERM HUP

live=/dev/null
[ "${LAB_LIVE:-0}" = 1 ] && live=/dev/stdout

# timeout(1) puts itself and the VM into a new process group and, on
# expiry, signals the whole group: UML is many host processes.
# con0 (the console: kernel and init messages) goes to console.log;
# tty1 (LAB_LIVE) to our stdout.  Two console lines may not share one input
# fd, hence con1=null,fd:3.
# uml_xstate.so (prepare.sh): lets UML 6.1 run on hosts with AVX-512/AMX.
shim=${LAB_CACHE:-/var/cache/gatewayd-lab}/uml_xstate.so
[ -f "$shim" ] || { echo "lab: $shim missing: run tests/lab/prepare.sh" >&2; exit 1; }
timeout -k 10 "$timeout_s" env LD_PRELOAD="$shim" "$uml" mem="${LAB_MEM:-384M}" \
    root=/dev/root rootfstype=hostfs rootflags=/ rw quiet \
    init="$here/init.sh" uml_dir="$run" umid="$umid" \
    con=null con0=fd:0,fd:4 con1=null,fd:3 ssl=null \
    LAB_RUN="$run" LAB_TEST="$test_script" \
    </dev/null 3>"$live" 4>"$run/console.log" &
vm_pid=$!
wait "$vm_pid"
vm_rc=$?
vm_pid=
end=$(date +%s.%N)
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

[ -f "$run/test.log" ] && cat "$run/test.log"
if [ -s "$run/rc" ]; then
	rc=$(cat "$run/rc")
	[[ "$rc" =~ ^[0-9]+$ ]] || rc=1
else
	rc=1
	if [ "$vm_rc" = 124 ] || [ "$vm_rc" = 137 ]; then
		echo "lab: $name: timed out after ${timeout_s} s" >&2
	else
		echo "lab: $name: the VM ended (status $vm_rc) without" \
		    "a test result" >&2
	fi
	echo "lab: last console lines:" >&2
	tail -n 30 "$run/console.log" >&2
fi

# Checks the test left for the host (tshark is slow in UML): lib.sh's
# functions, one call a line.
if [ "$rc" = 0 ] && [ -s "$run/host-checks" ]; then
	LAB_RUN=$run bash -c 'set -u; . "$1/lib.sh"; . "$2"' lab-host \
	    "$here" "$run/host-checks" 2>&1 | tee -a "$run/test.log"
	rc=${PIPESTATUS[0]}
	end=$(date +%s.%N)
	elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
fi

if [ "$rc" = 0 ]; then
	echo "lab: $name: PASS (${elapsed} s)"
	if [ "$keep" = 1 ]; then
		echo "lab: run directory: $run"
	else
		rm -rf "$run"
	fi
else
	echo "lab: $name: FAIL (exit $rc, ${elapsed} s); run directory: $run"
fi
exit "$rc"
