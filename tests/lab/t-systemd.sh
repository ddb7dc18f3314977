#!/usr/bin/env bash
# t-systemd.sh - the shipped unit (tools/gatewayd.service.in) under a real
# systemd (252) system manager, against a strongSwan peer on gw2.
#
# The manager: /lib/systemd/systemd as PID 1 of a PID namespace in gw1's
# network namespace (systemd-pid1.sh: the host's / read-only there, tmpfs
# on /var/lib, /var/tmp, /var/log), with a unit directory of its own
# (SYSTEMD_UNIT_PATH, no generators): gatewayd.service, journald's units
# copied from /lib/systemd/system, and minimal lab.target, sysinit.target,
# basic.target, network-online.target and shutdown.target.  The unit is
# the one make writes for "make install" (GW_BUILD/tools/gatewayd.service)
# with two paths changed: the installation's sbindir -> GW_BUILD (or a
# copy of gatewayd on the VM's /run when GW_BUILD is in /tmp, /home or
# /root, which the unit hides), and
# /etc/gatewayd/gatewayd.conf -> /run/lab/gw1/gatewayd.conf (on the VM's
# tmpfs: PrivateTmp= hides /tmp, ProtectHome= /home and /root).
#   1. "systemctl start" returns with the unit active (running), not
#      activating (Type=notify: after READY=1); the main PID is gatewayd,
#      the pid file's pid; /proc/PID/status: CapEff, CapPrm and CapBnd
#      exactly CAP_NET_ADMIN|CAP_NET_BIND_SERVICE (0x1400, as the unit's
#      comment promises), nothing inheritable or ambient, NoNewPrivs 1;
#      the tunnel comes up, pings pass through ESP;
#   2. "systemctl reload": gatewayd's journal says "reloading FILE" and
#      "configuration reloaded", same main PID, active (running) again;
#   3. kill -9 of gatewayd: systemd restarts it (Restart=on-failure,
#      RestartSec=2s): "Main process exited, code=killed, status=9/KILL"
#      and "Scheduled restart job" in the journal, NRestarts 1, a new main
#      PID with the same capabilities, the tunnel up again;
#   4. "systemctl stop": inactive (dead), the manager's "Deactivated
#      successfully" (exit status 0), "SIGTERM received" and "gatewayd
#      stopped" in the journal, no SA or policy left on gw1, the pid
#      file's directory (RuntimeDirectory=) and the control socket gone.
# The file says "user GW_USER" (unless GW_USER is empty), so the unit's
# start-up capabilities are all used.
# LAB_SD_LOG_LEVEL: the manager's log level (default info; its log goes to
# the VM's console, RUN/console.log, then also to the journal).
# lab-timeout: 300
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin

T=vpc1-vpc2
d=$(node_dir gw1)
rt=$(node_rt gw1)
conf=$rt/gatewayd.conf
units=$LAB_RT/systemd/units
unit=gatewayd.service
SD_PID=			# the manager (PID 1 of its namespace) as the VM sees it

# where the unit finds gatewayd: the build, unless the unit's
# PrivateTmp=/ProtectHome= hide it (a clone in /tmp, as CI's may be): a
# copy on the VM's /run tmpfs then
sbin=$GW_BUILD
case "$GW_BUILD" in
/tmp/*|/home/*|/root/*)
	sbin=$LAB_RT/systemd/sbin
	mkdir -p "$sbin" && cp "$GW_BUILD/gatewayd" "$sbin/gatewayd" ||
	    fail "cannot copy $GW_BUILD/gatewayd to $sbin"
	say "GW_BUILD=$GW_BUILD is hidden from the unit (PrivateTmp=," \
	    "ProtectHome=): gatewayd copied to $sbin" ;;
esac

export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0
# systemctl in the manager's PID namespace: its private socket refuses a
# peer whose pid it cannot see ("Incoming private connection from
# unprivileged client, refusing: No data available")
sctl() { in_mgr systemctl --no-pager --no-ask-password "$@"; }
prop() { sctl show -P "$2" "$1"; }
jlog() {
	journalctl -D /run/log/journal --no-pager -o cat -u "$unit" 2>/dev/null
}
# jlog_count ERE: lines of gatewayd's journal that match
jlog_count() { jlog | grep -cE -- "$1"; }
jlog_has() { [ "$(jlog_count "$1")" -ge "${2:-1}" ]; }
# in the manager's mount and PID namespaces (kill and /proc take its PIDs)
in_mgr() { nsenter -t "$SD_PID" -m -p "$@"; }

# sd_state: "ActiveState SubState"
sd_state() { printf '%s %s' "$(prop "$unit" ActiveState)" "$(prop "$unit" SubState)"; }
sd_is() { [ "$(sd_state)" = "$1" ]; }
sd_active_line() { sctl status "$unit" 2>/dev/null | grep -m1 'Active:' | sed 's/^ *//'; }

# caps_ok NSPID: the main process is gatewayd with the capabilities the
# unit's comment promises after start-up
caps_ok() {
	local p=$1 status
	status=$(in_mgr cat "/proc/$p/status") ||
	    fail "no /proc/$p/status in the manager's namespace"
	say "/proc/$p/status (manager's PID namespace):"$'\n'"$(grep -E \
	    '^(Name|Pid|Uid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):' <<<"$status")"
	field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    <<<"$status"; }
	assert_eq "main process name" gatewayd "$(field Name)"
	assert_eq "CapEff (CAP_NET_ADMIN 12, CAP_NET_BIND_SERVICE 10)" \
	    0000000000001400 "$(field CapEff)"
	assert_eq "CapPrm" 0000000000001400 "$(field CapPrm)"
	assert_eq "CapBnd" 0000000000001400 "$(field CapBnd)"
	assert_eq "CapInh" 0000000000000000 "$(field CapInh)"
	assert_eq "CapAmb" 0000000000000000 "$(field CapAmb)"
	assert_eq "NoNewPrivs" 1 "$(field NoNewPrivs)"
	if [ -n "$GW_USER" ]; then
		local uid
		uid=$(id -u "$GW_USER") || fail "no user $GW_USER"
		assert_eq "Uid (real, effective, saved, fs)" \
		    "$uid $uid $uid $uid" "$(field Uid)"
	fi
	say "ok: pid $p is gatewayd with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only"
}

# On the way out: the manager's view and gatewayd's journal into gw1's
# directory (printed on failure), then the manager and its namespace end.
sd_exit() {
	local rc=$?
	if [ -n "$SD_PID" ]; then
		{
			sctl status "$unit" systemd-journald.service 2>&1
			echo "---- systemctl list-units --all"
			sctl list-units --all 2>&1
		} >"$d/systemctl-status.out" 2>&1
		journalctl -D /run/log/journal --no-pager -o short-monotonic \
		    >"$d/journal.log" 2>&1
		kill -KILL "$SD_PID" 2>/dev/null
	fi
	if [ "$rc" != 0 ] && [ -f "$LAB_RUN/console.log" ]; then
		tail -n 150 "$LAB_RUN/console.log" >"$d/manager-console.out"
	fi
	(exit "$rc")
	lab_end
}
trap sd_exit EXIT

topo_standard
swan_std gw2
start_charon gw2
gw_std gw1
[ -n "$GW_USER" ] && sed -i "1a user $GW_USER" "$d/gatewayd.conf"
cp "$d/gatewayd.conf" "$conf"
# Under the unit gatewayd starts as root without CAP_DAC_OVERRIDE: the
# control socket's directory must be writable by root itself (as /run
# is), and by the user to remove the socket at exit (netns_add gave it to
# the user alone: "cannot create control socket ...: Permission denied")
if [ -n "$GW_USER" ]; then
	chown "root:$GW_USER" "$rt" || fail "chown root:$GW_USER $rt"
	chmod 0775 "$rt" || fail "chmod 0775 $rt"
fi
"$GW_BUILD/gatewayd" -n -f "$conf" >/dev/null || fail "gatewayd -n rejects $conf"

step "the unit as make install writes it, two paths changed"
made=$GW_BUILD/tools/gatewayd.service
if [ ! -f "$made" ]; then
	make -s -C "$GW_BUILD" tools/gatewayd.service >/dev/null ||
	    fail "make tools/gatewayd.service failed"
fi
sbindir=$(sed -n 's|^ExecStart=\(/.*\)/gatewayd -F .*|\1|p' "$made")
[ -n "$sbindir" ] || fail "no ExecStart=SBINDIR/gatewayd -F in $made"
mkdir -p "$units"
sed -e "s|$sbindir/gatewayd |$sbin/gatewayd |g" \
    -e "s|/etc/gatewayd/gatewayd.conf|$conf|g" "$made" >"$units/$unit"
cp "$units/$unit" "$d/$unit"
if grep -n '@' "$units/$unit"; then
	fail "unsubstituted @...@ in the unit"
fi
say "installed sbindir $sbindir -> $sbin; the unit's lines that changed:"
diff "$made" "$units/$unit" | sed -n 's/^> /    /p'
# the rest of the manager's world: journald's units and empty targets
for u in systemd-journald.service systemd-journald.socket \
    systemd-journald-dev-log.socket; do
	cp "/lib/systemd/system/$u" "$units/" || fail "no /lib/systemd/system/$u"
done
printf '[Unit]\nDescription=gatewayd lab (t-systemd.sh)\n' >"$units/lab.target"
printf '[Unit]\nDescription=System Initialization (lab: empty)\nDefaultDependencies=no\n' \
    >"$units/sysinit.target"
printf '[Unit]\nDescription=Basic System (lab: empty)\nRequires=sysinit.target\nAfter=sysinit.target\n' \
    >"$units/basic.target"
printf '[Unit]\nDescription=Network is Online (lab: gw1 is set up before the manager)\n' \
    >"$units/network-online.target"
printf '[Unit]\nDescription=System Shutdown\nDefaultDependencies=no\nRefuseManualStart=yes\n' \
    >"$units/shutdown.target"

step "a systemd system manager in gw1"
lab_spawn gw1 "$d/manager.out" unshare --pid --fork --kill-child \
    --mount-proc --uts bash "$LAB_LIB_DIR/systemd-pid1.sh" "$units"
ushare=$LAB_LAST_PID
wait_for 10 pgrep -P "$ushare" || fail "unshare (pid $ushare) has no child"
SD_PID=$(pgrep -P "$ushare" | head -n 1)
mgr_up() {
	case "$(sctl is-system-running 2>/dev/null)" in
	running|degraded) return 0 ;;
	esac
	return 1
}
if ! wait_for 60 mgr_up; then
	fail "the manager is not running after 60 s:" \
	    "$(sctl is-system-running 2>&1)"$'\n'"$(cat "$d/manager.out")"
fi
say "ok: $(sctl --version | head -n 1), pid $SD_PID in the VM;" \
    "its namespace: $(in_mgr ps -o pid=,comm= -p 1 | xargs)"
say "manager: Virtualization=$(sctl show -P Virtualization)," \
    "SystemState=$(sctl show -P SystemState)"
[ "$(sctl is-system-running)" = running ] ||
    say "degraded: $(sctl list-units --failed --plain --no-legend)"
# the services get init.sh's UML work-arounds (AVX-512)
sctl set-environment "GLIBC_TUNABLES=${GLIBC_TUNABLES:-}" \
    "OPENSSL_ia32cap=${OPENSSL_ia32cap:-}" || fail "systemctl set-environment"
sctl start systemd-journald.socket systemd-journald-dev-log.socket \
    systemd-journald.service || fail "journald did not start"
say "ok: journald: $(prop systemd-journald.service ActiveState)"
# the manager's own messages ("Started", "Main process exited", ...) into
# the journal too: after a unit stops, "systemctl show" may give a fresh
# (garbage-collected and reloaded) unit's defaults, not its last result
sctl log-target journal-or-kmsg || fail "systemctl log-target"

step "1: systemctl start $unit"
t0=$(lab_now_us)
out=$(sctl start "$unit" 2>&1) || fail "systemctl start $unit failed: $out"
t1=$(lab_now_us)
st=$(sd_state)
say "systemctl start returned after $(((t1 - t0) / 1000)) ms; $unit: $st"
assert_eq "state when systemctl start returned" "active running" "$st"
active=$(sd_active_line)
say "$active"
assert_match "systemctl status" '^Active: active \(running\)' "$active"
wait_for 5 jlog_has "notified the service manager: READY=1" ||
    fail "no 'notified the service manager: READY=1' in the journal"
say "ok: the journal: $(jlog | grep -m1 'notified the service manager: READY=1')"
say "the manager in the journal: $(jlog | grep -m1 'Started gatewayd.service')"
mpid=$(prop "$unit" MainPID)
assert_eq "MainPID is the pid file's pid" "$mpid" \
    "$(cat /run/gatewayd/gatewayd.pid 2>/dev/null)"
caps_ok "$mpid"
gw_wait_state gw1 $T Connected 30
traffic_ok esp

step "2: systemctl reload $unit"
n_reload=$(jlog_count 'reloading ')
n_done=$(jlog_count 'configuration reloaded: ')
out=$(sctl reload "$unit" 2>&1) || fail "systemctl reload failed: $out"
wait_for 10 jlog_has "configuration reloaded: " $((n_done + 1)) ||
    fail "no 'configuration reloaded' in the journal after systemctl reload"
assert_ge "journal: 'reloading $conf' lines" $((n_reload + 1)) \
    "$(jlog_count "reloading $conf")"
say "ok: the journal: $(jlog | grep -F "reloading $conf" | tail -n 1)"
say "ok: the journal: $(jlog | grep -F 'configuration reloaded: ' | tail -n 1)"
wait_for 5 sd_is "active running" ||
    fail "after the reload: $(sd_state)"
assert_eq "MainPID after the reload" "$mpid" "$(prop "$unit" MainPID)"
gw_state_is gw1 $T Connected || fail "tunnel not Connected after the reload"

step "3: kill -9 of gatewayd: Restart=on-failure"
in_mgr kill -KILL "$mpid" || fail "kill -9 $mpid"
restarted() {
	[ "$(prop "$unit" NRestarts)" = 1 ] &&
	    sd_is "active running" &&
	    [ "$(prop "$unit" MainPID)" != "$mpid" ]
}
wait_for 20 restarted || fail "not restarted 20 s after kill -9:" \
    "$(sd_state), NRestarts $(prop "$unit" NRestarts)," \
    "MainPID $(prop "$unit" MainPID)"
mpid2=$(prop "$unit" MainPID)
say "ok: restarted: NRestarts 1, MainPID $mpid -> $mpid2; $(sd_active_line)"
j=$(jlog)
assert_match "journal: killed" \
    "gatewayd.service: Main process exited, code=killed, status=9/KILL" "$j"
assert_match "journal: restart scheduled" \
    "gatewayd.service: Scheduled restart job, restart counter is at 1" "$j"
say "ok: the journal: $(grep -F 'code=killed' <<<"$j" | tail -n 1)"
say "ok: the journal: $(grep -F 'Scheduled restart job' <<<"$j" | tail -n 1)"
caps_ok "$mpid2"
gw_wait_state gw1 $T Connected 40
traffic_ok esp

step "4: systemctl stop $unit"
n_deact=$(jlog_count 'gatewayd.service: Deactivated successfully')
out=$(sctl stop "$unit" 2>&1) || fail "systemctl stop failed: $out"
st=$(sd_state)
say "$unit: $st; $(sd_active_line)"
assert_eq "state after systemctl stop" "inactive dead" "$st"
# "Deactivated successfully": the main process exited with status 0
wait_for 5 jlog_has 'gatewayd.service: Deactivated successfully' \
    $((n_deact + 1)) ||
    fail "no 'gatewayd.service: Deactivated successfully' in the journal"
say "ok: the journal: $(jlog | grep -F 'Deactivated successfully' | tail -n 1)"
if in_mgr test -e "/proc/$mpid2/status"; then
	fail "pid $mpid2 still there after systemctl stop"
fi
j=$(jlog)
assert_match "journal: SIGTERM" "SIGTERM received, shutting down" "$j"
assert_match "journal: stopped" "gatewayd stopped" "$j"
[ ! -e /run/gatewayd ] || fail "/run/gatewayd (RuntimeDirectory=) left"
[ ! -e "$rt/gatewayd.sock" ] || fail "control socket $rt/gatewayd.sock left"
assert_eq "XFRM states on gw1 after stop" "" "$(ip -n gw1 xfrm state)"
assert_eq "XFRM policies on gw1 after stop" "" "$(ip -n gw1 xfrm policy)"
say "ok: stopped cleanly: no process, SA, policy, pid file or socket left"
pass "the shipped unit under systemd $(sctl --version | awk 'NR == 1 { print $2 }'):" \
    "start after READY=1, capabilities, reload, restart on kill -9, stop"
