#!/usr/bin/env bash
# scale.sh - benchmark harness 2 (issue 11): tests/bench/t-scale.sh in the
# lab's user-mode Linux VM (tests/lab/lab.sh, as root), then one table:
# per case, gatewayd <-> gatewayd and charon <-> charon, set-up time,
# idle CPU and RSS per daemon, teardown time, and charon's figure over
# gatewayd's (other daemons of LAB_SCALE_DAEMONS on lines after it).
# Environment: GW_BUILD (gatewayd's build directory), GW_MAIN_BUILD,
# LAB_SCALE_DAEMONS,
# LAB_SCALE_CASES, LAB_SCALE_IDLE_S, LAB_SCALE_SETUP_MAX (t-scale.sh),
# LAB_MEM (default here 1G), LAB_TIMEOUT (default here 5400 s).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(mktemp "${TMPDIR:-/tmp}/gw-scale.XXXXXX")
trap 'rm -f "$out"' EXIT

LAB_MEM=${LAB_MEM:-1G} LAB_TIMEOUT=${LAB_TIMEOUT:-5400} \
    "$top/tests/lab/lab.sh" "$here/t-scale.sh" >"$out" 2>&1
rc=$?
grep -E '^\[ *[0-9.]+\] (==|all|first|CPU|teardown|PASS|FAIL|\()' "$out"
# the profiles (LAB_SCALE_GPROF, LAB_SCALE_STRACE), each with its lines
awk '/\] (gprof -p|strace -c) of / { p = 1; print; next } /^\[/ { p = 0 } p' \
    "$out"
[ "$rc" = 0 ] || { echo "scale: the harness failed (exit $rc):"; tail -n 60 "$out"; exit 1; }

echo
echo "harness 2: set-up, idle and teardown in the lab VM (one CPU), gatewayd <-> gatewayd vs charon <-> charon"
sed -n 's/.*BENCH|//p' "$out" | awk -F'|' '
{
	key = $1
	if (!(key in seen)) { seen[key] = 1; order[n++] = key }
	setup[key, $2] = $3; cpu[key, $2] = $4; rss[key, $2] = $5
	td[key, $2] = $6
	if ($2 != "gatewayd" && $2 != "charon")
		other[no++] = key "|" $2
}
function ratio(a, b) { return (a > 0 ? sprintf("%.2f", b / a) : "-") }
END {
	printf "%-8s %9s %9s %6s  %8s %8s  %8s %8s %6s  %8s %8s %6s\n",
	    "case", "gw set s", "ch set s", "ch/gw", "gw idle%", "ch idle%",
	    "gw RSS kB", "ch RSS kB", "ch/gw", "gw td s", "ch td s", "ch/gw"
	for (i = 0; i < n; i++) {
		k = order[i]
		printf "%-8s %9s %9s %6s  %8s %8s  %8s %8s %6s  %8s %8s %6s\n",
		    k, setup[k, "gatewayd"], setup[k, "charon"],
		    ratio(setup[k, "gatewayd"], setup[k, "charon"]),
		    cpu[k, "gatewayd"], cpu[k, "charon"],
		    rss[k, "gatewayd"], rss[k, "charon"],
		    ratio(rss[k, "gatewayd"], rss[k, "charon"]),
		    td[k, "gatewayd"], td[k, "charon"],
		    ratio(td[k, "gatewayd"], td[k, "charon"])
	}
	for (i = 0; i < no; i++) {
		split(other[i], o, "|")
		printf "%-8s %s: set-up %s s, idle %s%%, RSS %s kB, teardown %s s\n",
		    o[1], o[2], setup[o[1], o[2]], cpu[o[1], o[2]],
		    rss[o[1], o[2]], td[o[1], o[2]]
	}
}'
echo "(cases: TxP = T tunnels of P CHILD SAs; idle CPU in % of one CPU and RSS per daemon; td: teardown)"
