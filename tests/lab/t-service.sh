#!/usr/bin/env bash
# t-service.sh - gatewayd as a service, against a strongSwan peer on gw2:
#   1. gatewayd runs with --pidfile; a second gatewayd with the same pid
#      file refuses to start and says why;
#   2. the PSKs differ: "gatewayctl log" shows the attempt, Connecting,
#      the failure's cause (as in status) and Phase 1 failed, in time
#      order with ISO 8601 times; --json gives the same events;
#   3. "gatewayctl reload" of a file with the right PSK reports the tunnel
#      as changed, the tunnel comes up, and the log shows
#      Connecting -> Connected; a broken file is refused with FILE:LINE
#      and the tunnel stays up;
#   4. SIGTERM: the pid file is gone.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

topo_standard
d=$(node_dir gw1)
log=$d/gatewayd.log
pidf=$(node_rt gw1)/gatewayd.pid
T=vpc1-vpc2

step "1: --pidfile, a second gatewayd refused"
swan_std gw2 psk='Other!key'
start_charon gw2
gw_std gw1
"$GW_BUILD/gatewayd" -n -f "$d/gatewayd.conf" >/dev/null ||
    fail "gatewayd -n rejects $d/gatewayd.conf"
lab_spawn gw1 "$log" "$GW_BUILD/gatewayd" -F -d -f "$d/gatewayd.conf" \
    --pidfile "$pidf" "${GW_USER_OPT[@]}"
echo "$LAB_LAST_PID" >>"$d/pids"
GW_PID[gw1]=$LAB_LAST_PID
wait_for 10 test -S "$(node_rt gw1)/gatewayd.sock" ||
    fail "gatewayd on gw1: no control socket after 10 s"
assert_eq "pid file" "${GW_PID[gw1]}" "$(cat "$pidf")"
if out=$(ip netns exec gw1 "$GW_BUILD/gatewayd" -F -f "$d/gatewayd.conf" \
    --pidfile "$pidf" 2>&1); then
	fail "a second gatewayd with the same pid file started"
fi
assert_match "second gatewayd's error" \
    "pid file $pidf is locked by another gatewayd \\(pid ${GW_PID[gw1]}\\)" \
    "$out"
gw_alive gw1

step "2: wrong PSK: the connection log"
gw_wait_state gw1 $T "Phase 1 failed" 30
out=$(gwctl gw1 log $T -n 256)
say "gatewayctl log $T:"$'\n'"$out"
iso='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'
assert_match "log: attempt" "^$iso $T attempt IKEv2 initiator to $GW2_PUB" \
    "$out"
assert_match "log: Connecting" "$T state Down -> Connecting" "$out"
cause=$(gwctl gw1 status --json | sed -n 's/.*"last_error": *"\([^"]*\)".*/\1/p' |
    head -n 1)
[ -n "$cause" ] || cause=$(gwctl gw1 status | sed -n \
    's/^[ \t]*last error:[ \t]*//p' | head -n 1)
[ -n "$cause" ] || fail "no last error in gatewayctl status"
assert_match "log: the failure's cause" \
    "$T failure phase 1 \\(attempt [0-9]+\\): .*authentication failed" "$out"
grep -qF -- "$cause" <<<"$out" ||
    fail "the log lacks the status's last error '$cause'"
assert_match "log: Phase 1 failed" "$T state Connecting -> Phase 1 failed" \
    "$out"
# in time order: the attempt, then Connecting, then the failure
order=$(grep -E " (attempt IKEv2|state Down -> Connecting|failure phase 1)" \
    <<<"$out" | head -n 3 | awk '{print $3}' | tr '\n' ' ')
assert_eq "first events in order" "attempt state failure " "$order"
json=$(gwctl gw1 log $T -n 5 --json)
assert_match "log --json" '^\[' "$json"
assert_match "log --json: fields" \
    "\\{\"time\": \"$iso\", \"tunnel\": \"$T\", \"event\": \"[a-z-]+\", \"detail\": " \
    "$json"
assert_eq "log --json: 5 events" 5 "$(grep -c '"time"' <<<"$json")"
# no secret in the log
if gwctl gw1 log -n 256 | grep -qF -- "$GW_PSK"; then
	fail "the PSK is in gatewayctl log"
fi

step "3: gatewayctl reload with the right PSK"
sed -i 's/^\tpsk .*/\tpsk Other!key/' "$d/gatewayd.conf"
out=$(gwctl gw1 reload) || fail "gatewayctl reload failed:"$'\n'"$out"
say "gatewayctl reload:"$'\n'"$out"
assert_match "reload report" "^ok: .* 1 tunnel, 0 added, 0 removed, 1 changed" \
    "$out"
assert_match "reload: changed" "changed: $T" "$out"
gw_wait_state gw1 $T Connected 30
out=$(gwctl gw1 log $T -n 256)
assert_match "log: Connected" "$T state Connecting -> Connected" "$out"
traffic_ok
printf 'tunnel broken {\n' >>"$d/gatewayd.conf"
if out=$(gwctl gw1 reload 2>&1); then
	fail "gatewayctl reload accepted a broken file:"$'\n'"$out"
fi
say "gatewayctl reload (broken file):"$'\n'"$out"
assert_match "reload refused: file:line" "^error: $d/gatewayd.conf:[0-9]+: " \
    "$out"
assert_match "reload refused: the running configuration stays" \
    "running configuration stays" "$out"
gw_state_is gw1 $T Connected || fail "tunnel not Connected after a refused reload"
gw_alive gw1

step "4: SIGTERM removes the pid file"
kill -TERM "${GW_PID[gw1]}"
wait_for 10 lab_pid_gone "${GW_PID[gw1]}" || fail "gatewayd did not stop"
[ ! -e "$pidf" ] || fail "pid file $pidf left after SIGTERM"
say "ok: pid file removed"
pass "pid file, connection log (failure and success), reload report"
