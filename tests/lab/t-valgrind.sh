#!/usr/bin/env bash
# t-valgrind.sh v2|v1 - gatewayd under valgrind (memcheck) over a full
# life cycle against strongSwan (README "Hostile network"):
#   gw1: gatewayd (IKEv2, or IKEv1 Main Mode for v1) under
#        valgrind --leak-check=full, initiating, with
#        test-short-lifetimes yes, CHILD SAs of 20 s and an IKE SA of
#        35 s, so that its own timers rekey both within a minute;
#   gw2: strongSwan, responder, no rekeying of its own.
# Life cycle: up, pings through ESP; a CHILD SA rekey and an IKE SA rekey
# by gatewayd's timers (its log: a new CHILD/IPsec SA, "IKE SA rekeyed" /
# a new ISAKMP SA), pings again; SIGHUP with a file that adds a second
# tunnel to gw2 with a wrong PSK: its attempt fails (status "last error"
# names the key) while vpc1-vpc2 stays Connected; SIGHUP with the first
# file again (the failed tunnel removed); SIGTERM.  Checks: valgrind's
# exit status is not VG_ERR (--error-exitcode), its ERROR SUMMARY is 0
# errors and no block is definitely, indirectly or possibly lost (still
# reachable blocks, OpenSSL's and libevent's tables, are not counted).
# gatewayd still drops to GW_USER: valgrind opens its log file (in the
# node's directory) as root before, and PR_SET_DUMPABLE 0 does not stop
# it from writing there or from scanning the heap at exit.
# Valgrind runs gatewayd 20-50 times slower in UML: timeouts are long.
# lab-timeout: 480
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

CASE=${1:-v2}
case "$CASE" in
v2)
	ver=2
	child_re='CHILD SA .* established'
	ike_re='IKE SA rekeyed'
	;;
v1)
	ver=1
	child_re='IPsec SA established'
	ike_re='ISAKMP SA .* established'
	;;
*) fail "unknown case '$CASE' (v2 or v1)" ;;
esac
VG_ERR=99
PSK_RE='(pre-shared key|PSK)'
command -v valgrind >/dev/null || fail "valgrind is not installed"

topo_standard
d=$(node_dir gw1)
log=$d/gatewayd.log
vglog=$d/valgrind.log

step "strongSwan (gw2) and gatewayd (gw1, IKEv$ver) under valgrind"
if [ "$ver" = 2 ]; then
	swan_std gw2
else
	swan_v1_std gw2
fi
start_charon gw2
gw_std gw1 version="$ver" ike_lifetime=35 lifetime=20
sed -i '1a test-short-lifetimes yes' "$d/gatewayd.conf"
cp "$d/gatewayd.conf" "$d/gatewayd.conf.1"
"$GW_BUILD/gatewayd" -n -f "$d/gatewayd.conf" >/dev/null 2>&1 ||
    fail "gatewayd -n rejects $d/gatewayd.conf"
lab_spawn gw1 "$log" valgrind --log-file="$vglog" \
    --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode="$VG_ERR" --num-callers=30 \
    "$GW_BUILD/gatewayd" -F -d -f "$d/gatewayd.conf" "${GW_USER_OPT[@]}"
vg=$LAB_LAST_PID
echo "$vg" >>"$d/pids"
GW_PID[gw1]=$vg
wait_for 60 test -S "$(node_rt gw1)/gatewayd.sock" || {
	tail -n 20 "$vglog" 2>/dev/null
	fail "gatewayd under valgrind: no control socket after 60 s"
}
say "gatewayd started under valgrind (pid $vg)"
gw_wait_state gw1 vpc1-vpc2 Connected 60
# pings only: with SAs of 20 s the SA whose packets traffic_ok counts may
# be rekeyed between the pings and the count (a run failed so, gw2's new
# SAs at 0); the clients reach each other only through the SAs
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"

step "a CHILD SA rekey and an IKE SA rekey by gatewayd's timers"
count() { grep -cE -- "$1" "$log" || true; }
rekeyed() {
	[ "$(count "$child_re")" -ge 2 ] &&
	    [ "$(count "$ike_re")" -ge $((ver == 1 ? 2 : 1)) ]
}
t0=$(lab_now_us)
wait_for 120 rekeyed ||
    fail "no CHILD and IKE rekey within 120 s: $(count "$child_re") CHILD" \
	"SAs, $(count "$ike_re") lines /$ike_re/"
say "ok: after $((($(lab_now_us) - t0) / 1000000)) s: $(($(count \
    "$child_re") - 1)) CHILD SA rekey(s), $(count "$ike_re") line(s)" \
    "/$ike_re/"
gw_wait_state gw1 vpc1-vpc2 Connected 30
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"

step "SIGHUP: a second tunnel with a wrong PSK"
gw_conf_tunnel gw1 bad lseg="$GW1_NET" pseg=10.99.0.0/24 psk='Wrong!key' \
    version="$ver"
kill -HUP "$vg" || fail "kill -HUP $vg"
bad_error() {
	gw_tunnel_field gw1 bad "last error" | grep -qiE "$PSK_RE"
}
wait_for 90 bad_error || fail "tunnel bad: no 'last error' about the key" \
    "after 90 s:"$'\n'"$(gwctl gw1 status 2>&1)"
say "ok: bad: last error: $(gw_tunnel_field gw1 bad "last error")"
gw_state_is gw1 vpc1-vpc2 Connected ||
    fail "vpc1-vpc2 left Connected: $(gw_tunnel_state gw1 vpc1-vpc2)"
ping_ok c1 "$C2_ADDR"

step "SIGHUP: the first file again (tunnel bad removed)"
cp "$d/gatewayd.conf.1" "$d/gatewayd.conf"
kill -HUP "$vg" || fail "kill -HUP $vg"
gone() { ! gwctl gw1 status 2>/dev/null | grep -q '^bad:'; }
wait_for 30 gone || fail "tunnel bad still in gatewayctl status"
say "ok: tunnel bad removed"
gw_wait_state gw1 vpc1-vpc2 Connected 30
ping_ok c1 "$C2_ADDR"

step "SIGTERM, valgrind's verdict"
kill -TERM "$vg"
# valgrind's leak search at exit takes a while in UML; the process is
# this shell's child (a zombie until the wait below: kill -0 succeeds)
vg_done() { [ ! -e "/proc/$vg" ] || [ "$(awk '{ print $(NF - 49) }' \
    "/proc/$vg/stat" 2>/dev/null)" = Z ]; }
wait_for 120 vg_done ||
    fail "gatewayd under valgrind still running 120 s after SIGTERM"
wait "$vg"
rc=$?
rm -f "$d/pids"
say "exit status $rc; valgrind:"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|in use at exit' \
    "$vglog" | sed 's/^==[0-9]*== /    /'
[ "$rc" != "$VG_ERR" ] ||
    fail "valgrind found errors (exit $VG_ERR):"$'\n'"$(cat "$vglog")"
[ "$rc" = 0 ] || fail "gatewayd exited with $rc:"$'\n'"$(tail -n 20 "$log")"
assert_file_match "valgrind: 0 errors" 'ERROR SUMMARY: 0 errors' "$vglog"
for k in definitely indirectly possibly; do
	if grep -qE "$k lost: [1-9]" "$vglog"; then
		fail "valgrind: $k lost blocks:"$'\n'"$(cat "$vglog")"
	fi
done
say "ok: no error, no block lost"
assert_file_match "gatewayd stopped" 'gatewayd stopped' "$log"
pass "gatewayd (IKEv$ver) under valgrind: up, pings, CHILD and IKE rekeys," \
    "wrong PSK, SIGHUP, SIGTERM: no error, no lost block"
