#!/usr/bin/env bash
# t-privs.sh - gatewayd after its privilege drop (issue 8): the file says
# "user gatewayd" (this scenario does not pass --user), gatewayd connects
# to strongSwan on gw2, and then
#   1. /proc/PID/status: the user's uid (real, effective, saved, fs),
#      CapEff and CapPrm exactly CAP_NET_ADMIN|CAP_NET_BIND_SERVICE
#      (0x1400), nothing inheritable or ambient, the bounding set 0x1400,
#      NoNewPrivs 1; the process is not dumpable (the user itself cannot
#      read its /proc/PID/environ);
#   2. pings pass, a CHILD SA rekey and an IKE SA rekey by gatewayctl work
#      (XFRM as the user with CAP_NET_ADMIN), pings pass again;
#   3. key files: a new one has mode 0600 and belongs to the user; a
#      symbolic link planted for another is refused, its target untouched;
#   4. gatewayctl reload and SIGHUP re-read the file as the user; a file
#      with a mistyped "psk=KEY" is refused without showing the key;
#   5. SIGTERM: gatewayd removes its control socket and pid file.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

u=${GW_USER:-gatewayd}
uid=$(id -u "$u") || fail "no user $u on the host: run tests/lab/prepare.sh"
GW_USER_OPT=()		# the file's "user" keyword is what is tested
T=vpc1-vpc2
d=$(node_dir gw1)
# on the VM's tmpfs: files gatewayd creates there are its own (on hostfs
# they would belong to root, see gw_keylog_dir)
keys=$(node_rt gw1)/keys
target=$(node_rt gw1)/target
pidf=$(node_rt gw1)/gatewayd.pid

topo_standard
swan_std gw2 start=none
start_charon gw2
gw_std gw1
mkdir -p "$keys"
chown "$u" "$keys"
echo untouched >"$target"
ln -s "$target" "$keys/esp_sa"
sed -i "1a user $u\nkeylog-dir $keys" "$d/gatewayd.conf"
chown "$u" "$(node_rt gw1)"
"$GW_BUILD/gatewayd" -n -f "$d/gatewayd.conf" >/dev/null ||
    fail "gatewayd -n rejects $d/gatewayd.conf"
lab_spawn gw1 "$d/gatewayd.log" "$GW_BUILD/gatewayd" -F -d \
    -f "$d/gatewayd.conf" --pidfile "$pidf"
echo "$LAB_LAST_PID" >>"$d/pids"
GW_PID[gw1]=$LAB_LAST_PID
pid=$LAB_LAST_PID
wait_for 10 test -S "$(node_rt gw1)/gatewayd.sock" ||
    fail "gatewayd on gw1: no control socket after 10 s"
gw_wait_state gw1 $T Connected 30

step "1: /proc/$pid/status"
status=$(grep -E '^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs):' "/proc/$pid/status")
say "gatewayd (pid $pid):"$'\n'"$status"
field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' <<<"$status"; }
assert_eq "Uid (real, effective, saved, fs)" "$uid $uid $uid $uid" "$(field Uid)"
assert_eq "CapEff (NET_ADMIN 12, NET_BIND_SERVICE 10)" 0000000000001400 \
    "$(field CapEff)"
assert_eq "CapPrm" 0000000000001400 "$(field CapPrm)"
assert_eq "CapInh" 0000000000000000 "$(field CapInh)"
assert_eq "CapAmb" 0000000000000000 "$(field CapAmb)"
assert_eq "CapBnd" 0000000000001400 "$(field CapBnd)"
assert_eq "NoNewPrivs" 1 "$(field NoNewPrivs)"
if out=$(setpriv --reuid="$uid" --regid="$(id -g "$u")" --clear-groups \
    cat "/proc/$pid/environ" 2>&1); then
	fail "user $u can read gatewayd's /proc/$pid/environ (dumpable)"
fi
say "ok: not dumpable: as $u, cat /proc/$pid/environ: $out"
assert_file_match "gatewayd logs the drop" \
    "running as $u \\(uid $uid\\), capabilities cap_net_admin and cap_net_bind_service only" \
    "$d/gatewayd.log" 1

step "2: traffic, CHILD SA and IKE SA rekeys as $u"
traffic_ok esp
old_spis=$(xfrm_spis gw1)
out=$(gwctl gw1 rekey $T 2>&1) || fail "gatewayctl rekey: $out"
child_rekeyed() {
	local now
	now=$(xfrm_spis gw1)
	[ "$(wc -l <<<"$now")" -eq 2 ] && ! grep -qxF -f <(echo "$old_spis") <<<"$now"
}
wait_for 15 child_rekeyed ||
    fail "CHILD SA not rekeyed:"$'\n'"old: $old_spis"$'\n'"$(ip -n gw1 xfrm state)"
say "ok: CHILD SA rekeyed: $(xfrm_spis gw1 | tr '\n' ' ')"
old_ike=$(swan_ike_spis gw2 vpn)
out=$(gwctl gw1 rekey $T ike 2>&1) || fail "gatewayctl rekey ike: $out"
ike_rekeyed() {
	local now
	now=$(swan_ike_spis gw2 vpn)
	[ -n "$now" ] && [ "$now" != "$old_ike" ] && [ "$(wc -l <<<"$now")" -eq 1 ]
}
wait_for 15 ike_rekeyed || fail "IKE SA not rekeyed (still $old_ike)"
say "ok: IKE SA rekeyed: $(swan_ike_spis gw2 vpn | tr '\n' ' ')"
gw_wait_state gw1 $T Connected 5
traffic_ok esp

step "3: key files"
f=$keys/ikev2_decryption_table
[ -f "$f" ] || fail "no $f"
assert_eq "$f: mode and owner" "600 $u" "$(stat -c '%a %U' "$f")"
assert_eq "symlink target untouched" untouched "$(cat "$target")"
assert_file_match "the planted link is refused" \
    "key file $keys/esp_sa is a symbolic link: keys not written" \
    "$d/gatewayd.log" 1

step "4: reload and SIGHUP as $u; a psk=KEY line is refused, key hidden"
out=$(gwctl gw1 reload 2>&1) || fail "gatewayctl reload: $out"
assert_match "gatewayctl reload" "^ok: .* reloaded" "$out"
n0=$(grep -c "configuration reloaded" "$d/gatewayd.log")
kill -HUP "$pid"
hup_done() { [ "$(grep -c "configuration reloaded" "$d/gatewayd.log")" -gt "$n0" ]; }
wait_for 5 hup_done || fail "SIGHUP: no 'configuration reloaded' in the log"
say "ok: SIGHUP: $(grep "configuration reloaded" "$d/gatewayd.log" | tail -n 1)"
cp "$d/gatewayd.conf" "$d/good.conf"
sed -i 's/^\tpsk .*/\tpsk=lab-hidden-key-4711/' "$d/gatewayd.conf"
out=$(gwctl gw1 reload 2>&1) && fail "a broken file was accepted: $out"
say "gatewayctl reload: $out"
assert_match "the error names the line" \
    "unknown keyword \"psk=<hidden>\" in tunnel \"$T\"" "$out"
kill -HUP "$pid"
sleep 1
if grep -n "lab-hidden-key" "$d/gatewayd.log"; then
	fail "the key of the refused line is in gatewayd's log"
fi
say "ok: the refused key is neither in the reply nor in the log"
cp "$d/good.conf" "$d/gatewayd.conf"
gw_state_is gw1 $T Connected || fail "tunnel not Connected after the reloads"
gw_alive gw1

step "5: SIGTERM as $u"
[ -f "$pidf" ] || fail "no pid file $pidf"
kill -TERM "$pid"
wait_for 10 lab_pid_gone "$pid" || fail "gatewayd did not exit"
[ -e "$(node_rt gw1)/gatewayd.sock" ] && fail "control socket left behind"
[ -e "$pidf" ] && fail "pid file left behind"
say "ok: control socket and pid file removed by $u"
pass "gatewayd as $u with CAP_NET_ADMIN|CAP_NET_BIND_SERVICE only"
