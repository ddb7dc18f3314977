#!/usr/bin/env bash
# t-ha.sh CASE - primary/backup gateways (issue 10): two gatewayd hosts,
# ha1 (A) and ha2 (B), share the gateway's public address 198.51.100.1
# and its inside address 172.16.0.1 as virtual addresses moved by
# keepalived (VRRPv3, advert 0.5 s); their gatewayd sync over a link of
# their own (192.168.77.0/30).  The peer gw2 (strongSwan or gatewayd)
# and the clients c1 (behind the pair) and c2 (behind gw2):
#
#   c1 ==lan== ha1 (.11) / ha2 (.12), VIP .1 ==pub== gw2 198.51.100.2 -- c2
#                \__ sync 192.168.77.1 / .2 __/
#
# Cases:
#   v2-swan   IKEv2 with strongSwan; A, the active node, dies (kill -9 of
#             gatewayd and keepalived, then its links down) while c1
#             pings c2 at 10/s: B becomes active and resumes the synced
#             IKE and CHILD SAs: the ping loses at most 3 s, strongSwan
#             keeps the same IKE SA (same SPIs, no IKE_SA_INIT after the
#             failover in the capture on gw2); strongSwan's own timer
#             then rekeys its CHILD SA against B (rekey_time 40 s), and
#             its forced CHILD and IKE rekeys (swanctl --rekey) succeed;
#   v2-gw     the same with gatewayd as the peer (its rekeys by
#             gatewayctl rekey), and first the hostile datagrams below;
#   v1-swan, v1-gw   v2-swan and v2-gw (without the hostile part) in
#             IKEv1 Main Mode: no Main Mode after the failover, Quick
#             Mode and phase 1 rekeys against B;
#   synclost  the sync link goes down while both nodes live: the active
#             node's tunnel and traffic are untouched, B shows the peer
#             silent; the link back, B holds the state again;
#   nosync    the sync link is cut before A dies: B has nothing to resume
#             and sets the tunnel up anew (INITIAL_CONTACT) within 15 s;
#   v2-nat    v2-swan with strongSwan behind a masquerading router (it
#             initiates to the virtual address; the pair's peer is
#             0.0.0.0, FQDN identities; strongSwan's DPD every 2 s): B's
#             resumed SAs are ESP in UDP to the router's port;
#   failback  v2-swan, then A comes back (reboot: its state gone) and joins
#             as standby: it takes B's state; keepalived on B is stopped
#             (maintenance): B hands its SAs over (gatewayctl ha standby
#             from notify_stop: removed, no DELETE) and A, VRRP master
#             again, resumes them: the same bounds as the failover;
#   upgrade   A runs first without an ha block (standalone, the addresses
#             its own) with its tunnel up; B starts; the ha block added
#             to A's file and gatewayctl reload make A the active node
#             without touching the tunnel (same IKE SA on the peer), B
#             takes A's state (bulk dump), keepalived starts (A as
#             MASTER); then the failover of v2-swan;
#   hostile   forged, truncated and replayed datagrams to B's sync port
#             are dropped and counted, B keeps the state and still takes
#             over.
# The failover times (VRRP: kill to B's "ha active"; takeover: to the
# tunnel Connected on B; the ping's longest gap) are printed as
# "ha-figures:" lines.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
mode=${1:-v2-swan}
peer=swan ver=2 nat=0
case "$mode" in
v2-swan|synclost|nosync|hostile|failback|upgrade) ;;
v2-gw) peer=gw ;;
v1-swan) ver=1 ;;
v1-gw) ver=1 peer=gw ;;
v2-nat) nat=1 ;;
*) fail "unknown case '$mode'" ;;
esac
# the exchanges that set up a new IKE SA: IKE_SA_INIT (34); IKEv1 Main
# Mode (2) or Aggressive Mode (4)
INIT_FILTER="isakmp.exchangetype == 34"
[ "$ver" = 1 ] &&
    INIT_FILTER="isakmp.exchangetype == 2 || isakmp.exchangetype == 4"
command -v keepalived >/dev/null ||
    fail "keepalived is not installed (tools/bootstrap.sh deps)"

VIP=$GW1_PUB
VIP_IN=172.16.0.1
SYNC_KEY=0x6c61622d68612d73796e632d6b65792d6f6e6c792d666f722d746573747321
ADVERT=0.5

# ---- topology ----------------------------------------------------------------
netns_add sw
ip -n sw link add pubbr type bridge mcast_snooping 0 stp_state 0 ||
    fail "bridge pubbr"
ip -n sw link add lanbr type bridge mcast_snooping 0 stp_state 0 ||
    fail "bridge lanbr"
link_setup sw pubbr -
link_setup sw lanbr -

# sw_port NODE IF BRIDGE ADDR: NODE's interface IF on the switch's BRIDGE.
sw_port() {
	local n=$1 ifname=$2 br=$3 a=$4 p="$1-$2"
	ip link add "$p" netns sw type veth peer name "$ifname" netns "$n" ||
	    fail "veth sw:$p - $n:$ifname"
	ip -n sw link set "$p" master "$br" || fail "$p into $br"
	link_setup sw "$p" -
	link_setup "$n" "$ifname" "$a"
}

netns_add ha1
netns_add ha2
netns_add gw2
netns_add c1
sw_port ha1 pub pubbr 198.51.100.11/24
sw_port ha2 pub pubbr 198.51.100.12/24
if [ "$nat" = 1 ]; then
	# gw2 behind a masquerading router whose outside address is gw2's
	# usual one (UDP source ports 20000-29999, as lib.sh's topo_nat)
	netns_add nat
	# shellcheck disable=SC2086
	out=$(modprobe -a $NAT_MODULES 2>&1) || fail "NAT modules: $out"
	veth_add nat in 10.99.0.1/24 gw2 pub 10.99.0.2/24
	ip -n gw2 route add default via 10.99.0.1 || fail "gw2 default route"
	sw_port nat out pubbr "$GW2_PUB/24"
	ip netns exec nat sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	out=$(ip netns exec nat sh -c "
	    iptables-legacy -t nat -A POSTROUTING -o out -p udp \
		-j MASQUERADE --to-ports $NAT_PORTS &&
	    iptables-legacy -t nat -A POSTROUTING -o out -j MASQUERADE" 2>&1) ||
	    fail "iptables-legacy MASQUERADE: $out"
else
	sw_port gw2 pub pubbr "$GW2_PUB/24"
fi
sw_port ha1 lan lanbr 172.16.0.11/24
sw_port ha2 lan lanbr 172.16.0.12/24
sw_port c1 eth0 lanbr "$C1_ADDR/24"
ip -n c1 route add default via "$VIP_IN" || fail "c1 default route"
veth_add ha1 sync 192.168.77.1/30 ha2 sync 192.168.77.2/30
client_add gw2 c2 in0 10.0.0.1/12 "$C2_ADDR/12"
for n in ha1 ha2; do
	ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
done

# ---- the HA pair ------------------------------------------------------------
# ha_gw_conf NODE PRIO SYNC-LOCAL SYNC-PEER: gatewayd.conf of a node: the
# gateway on the virtual address, the tunnel to gw2 and the ha block.
ha_gw_conf() {
	local n=$1 prio=$2 sl=$3 sp=$4
	if [ "$nat" = 1 ]; then
		# any peer (behind its NAT), FQDN identities
		gw_conf_begin "$n" gw1 "$VIP" gw2 0.0.0.0 "$GW1_NET"
		gw_conf_tunnel "$n" vpc1-vpc2 lseg="$GW1_NET" \
		    pseg="$GW2_NET" version="$ver" lid=left.lab.test \
		    pid=right.lab.test
	else
		gw_conf_begin "$n" gw1 "$VIP" gw2 "$GW2_PUB" "$GW1_NET"
		gw_conf_tunnel "$n" vpc1-vpc2 lseg="$GW1_NET" \
		    pseg="$GW2_NET" version="$ver"
	fi
	# the metrics (HA families) on the node's loopback
	sed -i "/^control-socket /a metrics-listen 127.0.0.1:9587" \
	    "$(node_dir "$n")/gatewayd.conf"
	cat >>"$(node_dir "$n")/gatewayd.conf" <<EOF

ha {
	priority $prio
	sync-local $sl
	sync-peer $sp
	sync-key $SYNC_KEY
	interface pub
}
EOF
}

# ka_start NODE PRIO [STATE]: keepalived (VRRP only) in NODE's namespace:
# one instance holding both virtual addresses, never preempting, its
# notify hooks calling gatewayctl; it starts in STATE (BACKUP).
ka_start() {
	local n=$1 prio=$2 state=${3:-BACKUP} d rt ctl
	d=$(node_dir "$n")
	rt=$(node_rt "$n")
	ctl="$GW_BUILD/gatewayctl -s $rt/gatewayd.sock ha"
	cat >"$d/keepalived.conf" <<EOF
# lab node $n (written by tests/lab/t-ha.sh)
global_defs {
	router_id $n
	vrrp_version 3
	script_user root
	vrrp_garp_master_repeat 3
	vrrp_garp_master_refresh 0
}
vrrp_instance gw {
	state $state
	nopreempt
	interface pub
	virtual_router_id 51
	priority $prio
	advert_int $ADVERT
	virtual_ipaddress {
		$VIP/24 dev pub
		$VIP_IN/24 dev lan
	}
	notify_master "$ctl active"
	notify_backup "$ctl standby"
	notify_fault "$ctl fault"
	notify_stop "$ctl standby"
}
EOF
	lab_spawn "$n" "$d/keepalived.log" keepalived -n -l -D -P \
	    -f "$d/keepalived.conf" -p "$rt/keepalived.pid" \
	    -r "$rt/vrrp.pid" -c "$rt/checkers.pid"
	KA_PID[$n]=$LAB_LAST_PID
	echo "$LAB_LAST_PID" >>"$d/pids"
	say "keepalived started on $n (priority $prio)"
}
declare -A KA_PID

# ha_scrape NODE NAME: NODE's metrics page into RUN/NODE/metrics-NAME.txt
# (promtool checks it on the host after the VM); each further argument
# is a line the page must have.
ha_scrape() {
	local n=$1 f l
	f=$(node_dir "$n")/metrics-$2.txt
	shift 2
	ip netns exec "$n" curl -sS --max-time 5 \
	    http://127.0.0.1:9587/metrics >"$f" 2>&1 ||
	    fail "curl $n's metrics: $(cat "$f")"
	for l in "$@"; do
		grep -qxF "$l" "$f" || fail "$n's metrics lack: $l"
	done
	printf 'promtool_metrics_ok %q\n' "$f" >>"$LAB_RUN/host-checks"
	say "ok: $n's metrics: $# lines as expected"
}

# ha_role NODE: the role gatewayctl status shows (active, standby, fault).
ha_role() {
	gwctl "$1" status 2>/dev/null |
	    awk '$1 == "HA:" && $2 == "role" { sub(/,$/, "", $3); print $3; exit }'
}
ha_role_is() { [ "$(ha_role "$1")" = "$2" ]; }

# ha_holds NODE: "N M", the IKE and CHILD SAs NODE's sync table holds.
ha_holds() {
	gwctl "$1" status 2>/dev/null |
	    sed -n 's/.*state sync: holds \([0-9]*\) IKE SAs\{0,1\}, \([0-9]*\) CHILD SA.*/\1 \2/p' |
	    head -n 1
}
ha_holds_is() { [ "$(ha_holds "$1")" = "$2" ]; }

has_vip() { ip -n "$1" -br addr show dev pub | grep -qw "$VIP"; }

# peer_ike_spis: the IKE SA's SPIs as the peer sees them.
peer_ike_spis() {
	if [ "$peer" = swan ]; then
		swan_ike_spis gw2 vpn
	else
		gw_ike_spis gw2 vpc2-vpc1
	fi
}

peer_up() {
	if [ "$peer" = swan ]; then
		swan_child_up gw2 vpn
	else
		gw_state_is gw2 vpc2-vpc1 Connected
	fi
}

# ping_start SECONDS: c1 pings c2 at 10/s in the background (a count, not
# a deadline: with -w, ping ends at the first ICMP error, such as B's
# "net unreachable" before its routes are in).
ping_start() {
	ip netns exec c1 ping -n -D -i 0.1 -W 1 -c "$(($1 * 10))" "$C2_ADDR" \
	    >"$LAB_RUN/ping.out" 2>&1 &
	PING_PID=$!
	LAB_PIDS+=("$PING_PID")
}

# ping_gap [T0_US]: waits for ping_start's ping to end, then prints the
# longest time without a reply (s, from the reply timestamps), the
# replies, the requests sent, and when the gap began and ended (s after
# T0_US, the kill).
ping_gap() {
	wait "$PING_PID" 2>/dev/null
	awk -v t0="${1:-0}" '/icmp_seq=/ {
		t = substr($1, 2, length($1) - 2) + 0
		if (prev && t - prev > gap) { gap = t - prev; a = prev; b = t }
		prev = t; n++
	    }
	    / packets transmitted/ { sent = $1 }
	    END { printf "%.2f %d %d %.2f %.2f\n", gap, n, sent,
		a - t0 / 1e6, b - t0 / 1e6 }' "$LAB_RUN/ping.out"
}

# kill_a: A dies, as when its host does: every process in its namespace
# is killed (-9) at once: keepalived's VRRP child too, which would
# otherwise send a last advert of priority 0 when its parent dies, and
# gatewayd (no DELETE; the kernel's SAs keep forwarding for the moment);
# then A's links go down, the inside one first, so that nothing A's kernel
# still holds answers c1.  T_KILL (µs) is the moment of the kill.
kill_a() {
	local pids
	pids=$(ip netns pids ha1)
	T_KILL=$(lab_now_us)
	# stopped first: killing keepalived's parent first would otherwise
	# give its VRRP child a SIGTERM (PDEATHSIG), on which it sends an
	# advert of priority 0 before its own SIGKILL lands
	# shellcheck disable=SC2086  # a list of pids
	kill -STOP $pids 2>/dev/null
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	ip -n ha1 link set lan down
	ip -n ha1 link set pub down
	ip -n ha1 link set sync down
	say "A (ha1) dies: its $(wc -w <<<"$pids") processes killed (-9)," \
	    "links down"
}

ms_since() { echo $((($(lab_now_us) - $1) / 1000)); }

# ---- the peer -----------------------------------------------------------------
step "peer gw2 ($peer), IKEv$ver"
capture_start gw2 pub "$LAB_RUN/ha-gw2.pcap" udp port 500 or udp port 4500
if [ "$nat" = 1 ]; then
	swan_conf gw2
	rm -f "$(node_dir gw2)"/swanctl.d/*
	swan_conn gw2 vpn local=10.99.0.2 remote="$VIP" lts="$GW2_NET" \
	    rts="$GW1_NET" lid=right.lab.test rid=left.lab.test dpd_delay=2s
	start_charon gw2
elif [ "$peer" = swan ]; then
	# its CHILD SA rekeyed by its own timer 36-40 s after it is set up:
	# after the failover, against B
	swan_std gw2 version="$ver" start=none child_rekey=40
	start_charon gw2
else
	gw_std gw2 version="$ver" initiate=no
	start_gatewayd gw2
fi

step "A (ha1, priority 150) and B (ha2, priority 100)"
ha_gw_conf ha1 150 192.168.77.1 192.168.77.2
ha_gw_conf ha2 100 192.168.77.2 192.168.77.1
if [ "$mode" = upgrade ]; then
	step "A first standalone: no ha block, the addresses its own"
	conf=$(node_dir ha1)/gatewayd.conf
	cp "$conf" "$conf.ha"
	awk '/^ha \{/ { skip = 1 } !skip { print } /^\}/ { skip = 0 }' \
	    "$conf.ha" >"$conf"
	grep -q '^ha ' "$conf" && fail "the standalone file has an ha block"
	ip -n ha1 addr add "$VIP/24" dev pub
	ip -n ha1 addr add "$VIP_IN/24" dev lan
	start_gatewayd ha1
	gw_wait_state ha1 vpc1-vpc2 Connected 30
	ping_ok c1 "$C2_ADDR"
	SPIS_UP=$(peer_ike_spis)
	start_gatewayd ha2
	step "the ha block added to A's file, then gatewayctl reload"
	cp "$conf.ha" "$conf"
	out=$(gwctl ha1 reload 2>&1) || fail "gatewayctl reload on A: $out"
	say "reload: $(tr '\n' ' ' <<<"$out")"
	wait_for 5 ha_role_is ha1 active ||
	    fail "A is '$(ha_role ha1)' after the reload, not active"
	gw_state_is ha1 vpc1-vpc2 Connected ||
	    fail "A's tunnel is '$(gw_tunnel_state ha1 vpc1-vpc2)' after the reload"
	assert_eq "the peer's IKE SA after the upgrade" "$SPIS_UP" \
	    "$(peer_ike_spis)"
	ping_ok c1 "$C2_ADDR"
	say "ok: A is active, its tunnel untouched"
	# keepalived takes A's addresses as its own: master at once
	ka_start ha1 150 MASTER
	wait_for 10 grep -q 'Entering MASTER STATE' \
	    "$(node_dir ha1)/keepalived.log" || fail "keepalived on A not MASTER"
else
	start_gatewayd ha1
	start_gatewayd ha2
	if [ "$mode" = nosync ]; then
		ip -n ha1 link set sync down
		say "the sync link is down from the start"
	fi
	ha_role_is ha1 standby ||
	    fail "ha1 starts as '$(ha_role ha1)', not standby"
	ka_start ha1 150
	wait_for 15 ha_role_is ha1 active ||
	    fail "keepalived did not make ha1 active:"$'\n'"$(tail -n 20 "$(node_dir ha1)/keepalived.log")"
fi
has_vip ha1 || fail "ha1 is active without the virtual address"
say "ok: ha1 is VRRP master and active"
ka_start ha2 100
wait_for 10 grep -q 'Entering BACKUP STATE' "$(node_dir ha2)/keepalived.log" ||
    fail "keepalived on ha2 not BACKUP"
ha_role_is ha2 standby || fail "ha2 is '$(ha_role ha2)', not standby"
has_vip ha2 && fail "ha2 holds the virtual address as backup"

# behind its NAT, strongSwan initiates (to the virtual address)
[ "$nat" = 1 ] && swan_initiate gw2 vpn
gw_wait_state ha1 vpc1-vpc2 Connected 30
wait_for 10 peer_up || fail "the peer's CHILD SA is not up"
ping_ok c1 "$C2_ADDR"
if [ "$mode" = nosync ]; then
	sleep 2
	ha_holds_is ha2 "0 0" || fail "B holds '$(ha_holds ha2)' without sync"
	say "ok: B holds nothing"
else
	wait_for 10 ha_holds_is ha2 "1 1" ||
	    fail "B does not hold A's SAs (holds '$(ha_holds ha2)'):"$'\n'"$(gwctl ha2 status)"
	say "ok: B holds 1 IKE SA and 1 CHILD SA of A's"
	ha_scrape ha2 standby 'gatewayd_ha_role{role="standby"} 1' \
	    'gatewayd_ha_synced_sas{kind="ike"} 1' \
	    'gatewayd_ha_synced_sas{kind="child"} 1' \
	    'gatewayd_ha_peer_up 1' 'gatewayd_ha_bulk_sync_complete 1'
fi
SPIS0=$(peer_ike_spis)
[ -n "$SPIS0" ] || fail "no IKE SA on the peer"
[ "$mode" != upgrade ] || assert_eq "the peer's IKE SA, keepalived started" \
    "$SPIS_UP" "$SPIS0"
say "peer's IKE SA: $SPIS0"

# ---- the cases ------------------------------------------------------------------
# ha_counter NODE NAME: a "records:" drop counter of NODE's status
# ("bad length", "bad tag", "replayed", ...), or the accepted count.
ha_counter() {
	gwctl "$1" status 2>/dev/null | awk -v k="$2" '$1 == "records:" {
		line = $0
		if (k == "accepted") { sub(/ accepted.*/, "", line)
			sub(/.*, /, "", line); print line; exit }
		n = split(line, f, ",")
		for (i = 1; i <= n; i++) {
			x = f[i]; sub(/.*: /, "", x); sub(/^ +/, "", x)
			v = x; sub(/ .*/, "", v); sub(/^[0-9]+ /, "", x)
			if (x == k) { print v; exit }
		}
	}'
}

case "$mode" in
v2-gw|hostile)
	step "hostile datagrams to B's sync port, from A's sync address"
	capture_start ha2 sync "$LAB_RUN/ha-sync.pcap" udp port 4510
	sleep 3
	capture_stop
	before_replay=$(ha_counter ha2 replayed)
	before_tag=$(ha_counter ha2 "bad tag")
	before_len=$(ha_counter ha2 "bad length")
	out=$(ip netns exec ha1 python3 "$LAB_LIB_DIR/ha_hostile.py" \
	    "$LAB_RUN/ha-sync.pcap" 192.168.77.1 192.168.77.2 4510 2>&1) ||
	    fail "ha_hostile.py: $out"
	say "$(tr '\n' ' ' <<<"$out")"
	n=$(awk '$2 == "replayed" { print $3 }' <<<"$out")
	sleep 1
	gw_alive ha2
	gwctl ha2 status | grep -E 'records:' | sed 's/^/    /'
	assert_ge "B: replayed records dropped" \
	    "$(($(ha_counter ha2 replayed) - before_replay))" "$n"
	assert_ge "B: tampered records dropped (bad tag)" \
	    "$(($(ha_counter ha2 "bad tag") - before_tag))" "$n"
	assert_ge "B: truncated records dropped (bad length)" \
	    "$(($(ha_counter ha2 "bad length") - before_len))" "$n"
	ha_holds_is ha2 "1 1" ||
	    fail "B lost its state to the hostile records (holds '$(ha_holds ha2)')"
	say "ok: B dropped them all and still holds 1 IKE SA and 1 CHILD SA"
	;;
synclost)
	step "the sync link goes down while both nodes live"
	ip -n ha1 link set sync down
	wait_for 10 sh -c "'$GW_BUILD/gatewayctl' -s '$(node_rt ha2)/gatewayd.sock' status |
	    grep -q 'sync peer: .* silent'" ||
	    fail "B does not see A silent:"$'\n'"$(gwctl ha2 status)"
	say "ok: B sees A silent"
	ping_ok c1 "$C2_ADDR" 10
	gw_state_is ha1 vpc1-vpc2 Connected || fail "A's tunnel is not Connected"
	ha_role_is ha1 active || fail "A is '$(ha_role ha1)', not active"
	ha_role_is ha2 standby || fail "B is '$(ha_role ha2)', not standby"
	say "ok: A active and Connected, traffic flows, B standby"
	step "A rekeys its CHILD SA while the sync link is down"
	old=$(xfrm_spis ha1)
	gwctl ha1 rekey vpc1-vpc2 child >/dev/null || fail "gatewayctl rekey child"
	wait_for 10 xfrm_old_gone ha1 "$old" || fail "A's old CHILD SA is still there"
	ping_ok c1 "$C2_ADDR"
	step "the sync link is back: B resynchronises"
	ip -n ha1 link set sync up
	wait_for 10 sh -c "'$GW_BUILD/gatewayctl' -s '$(node_rt ha2)/gatewayd.sock' status |
	    grep -q 'sync peer: .* alive'" ||
	    fail "B does not see A alive again:"$'\n'"$(gwctl ha2 status)"
	wait_for 10 ha_holds_is ha2 "1 1" ||
	    fail "B holds '$(ha_holds ha2)' after the link came back"
	;;
nosync) ;;
esac

step "failover: A dies while c1 pings c2 at 10/s"
n_ic0=0
[ "$peer" = swan ] && n_ic0=$(grep -c 'IKE_AUTH request .*N(INIT_CONTACT)' \
    "$(node_dir gw2)/charon.log")
ping_start 24
sleep 4
kill_a
wait_for 15 ha_role_is ha2 active ||
    fail "B not active after A died:"$'\n'"$(tail -n 20 "$(node_dir ha2)/keepalived.log")"
t_active=$(ms_since "$T_KILL")
t_epoch=$((T_KILL / 1000000))
if [ "$mode" = nosync ]; then
	gw_wait_state ha2 vpc1-vpc2 Connected 15
else
	gw_wait_state ha2 vpc1-vpc2 Connected 10
fi
t_conn=$(ms_since "$T_KILL")
say "ha-figures: $mode: B active ${t_active} ms after the kill," \
    "tunnel Connected on B after ${t_conn} ms"
ping_gap "$T_KILL" >"$LAB_RUN/ping.gap"
read -r gap got sent g0 g1 <"$LAB_RUN/ping.gap"
say "ha-figures: $mode: ping: longest gap ${gap} s (${g0} to ${g1} s" \
    "after the kill), $got of $sent replies"
SPIS1=$(peer_ike_spis)
tshark_after_check "$LAB_RUN/ha-gw2.pcap" "$INIT_FILTER" 0 2 1000
if [ "$mode" = nosync ]; then
	[ "$t_conn" -le 15000 ] ||
	    fail "B took $t_conn ms to set the tunnel up again (at most 15 s)"
	[ "$SPIS1" != "$SPIS0" ] || fail "the peer kept the old IKE SA"
	[ "$(wc -l <<<"$SPIS1")" = 1 ] ||
	    fail "the peer holds more than one IKE SA:"$'\n'"$SPIS1"
	n_ic1=$(grep -c 'IKE_AUTH request .*N(INIT_CONTACT)' \
	    "$(node_dir gw2)/charon.log")
	[ "$n_ic1" -gt "$n_ic0" ] ||
	    fail "strongSwan got no IKE_AUTH with INITIAL_CONTACT from B"
	say "ok: B set up a new IKE SA with INITIAL_CONTACT, the peer" \
	    "holds only it: $SPIS1"
	tshark_after_check "$LAB_RUN/ha-gw2.pcap" "$INIT_FILTER" \
	    "$t_epoch" 2 100
else
	awk -v g="$gap" 'BEGIN { exit !(g <= 3.0) }' ||
	    fail "the ping lost more than 3 s (longest gap $gap s)"
	assert_eq "the peer's IKE SA after the failover" "$SPIS0" "$SPIS1"
	# until now: the peer's IKE rekey below is a new Main Mode in IKEv1
	tshark_after_check "$LAB_RUN/ha-gw2.pcap" "$INIT_FILTER" \
	    "$t_epoch" 0 0 "$(($(lab_now_us) / 1000000 + 1))"
fi
ping_ok c1 "$C2_ADDR"
ping_ok c2 "$C1_ADDR"
if [ "$nat" = 1 ]; then
	# B's SAs are ESP in UDP to the router's port, as A's were; the
	# peer's DPD (every 2 s) went on through the NAT mapping
	xfrm_encap_ok ha2 4500 '2[0-9]{4}'
	swan_ike_up gw2 vpn || fail "strongSwan lost its IKE SA (DPD?)"
fi
CH1=$(xfrm_spis gw2)
ha_scrape ha2 active 'gatewayd_ha_role{role="active"} 1' \
    'gatewayd_ha_peer_up 0' 'gatewayd_tunnel_up{tunnel="vpc1-vpc2",peer="gw2"} 1'

# peer_rekeys NODE WHO: the peer rekeys its CHILD SA, then its IKE SA,
# against the active NODE (WHO names it in the log); traffic flows after.
peer_rekeys() {
	local n=$1 who=$2 before after
	step "the peer rekeys against $who"
	before=$(peer_ike_spis)
	if [ "$peer" = swan ]; then
		swanctl_cmd gw2 --rekey --child vpn >/dev/null ||
		    fail "swanctl --rekey --child on gw2"
		sleep 2
		ping_ok c1 "$C2_ADDR"
		swanctl_cmd gw2 --rekey --ike vpn >/dev/null ||
		    fail "swanctl --rekey --ike on gw2"
		wait_for 10 swan_ike_up gw2 vpn ||
		    fail "no IKE SA on gw2 after its rekey"
	else
		gwctl gw2 rekey vpc2-vpc1 child >/dev/null ||
		    fail "gatewayctl rekey child"
		sleep 2
		ping_ok c1 "$C2_ADDR"
		gwctl gw2 rekey vpc2-vpc1 ike >/dev/null ||
		    fail "gatewayctl rekey ike"
		wait_for 10 gw_state_is gw2 vpc2-vpc1 Connected ||
		    fail "gw2 not Connected"
		sleep 2
	fi
	after=$(peer_ike_spis)
	[ "$after" != "$before" ] || fail "the peer's IKE rekey did not happen"
	say "ok: the peer's IKE SA rekeyed against $who: $after"
	gw_wait_state "$n" vpc1-vpc2 Connected 10
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	gw_alive "$n"
}

if [ "$peer" = swan ] && [ "$nat" = 0 ]; then
	step "strongSwan's timer rekeys its CHILD SA against B"
	wait_for 45 xfrm_old_gone gw2 "$CH1" ||
	    fail "strongSwan's CHILD SA not rekeyed by its timer:"$'\n'"$(ip -n gw2 xfrm state)"
	ping_ok c1 "$C2_ADDR"
	ping_ok c2 "$C1_ADDR"
	gw_state_is ha2 vpc1-vpc2 Connected || fail "B's tunnel is not Connected"
	say "ok: strongSwan's CHILD SA rekeyed by its timer against B: $(xfrm_spis gw2 | tr '\n' ' ')"
fi
peer_rekeys ha2 B

if [ "$mode" = failback ]; then
	step "A comes back (as after a reboot) and joins as standby"
	ip -n ha1 addr del "$VIP/24" dev pub 2>/dev/null
	ip -n ha1 addr del "$VIP_IN/24" dev lan 2>/dev/null
	ip -n ha1 xfrm state flush
	ip -n ha1 xfrm policy flush
	ip -n ha1 route flush table 220 2>/dev/null
	rm -f "$(node_rt ha1)"/*
	for l in sync pub lan; do ip -n ha1 link set "$l" up; done
	start_gatewayd ha1
	ka_start ha1 150
	wait_for 10 grep -q 'Entering BACKUP STATE' "$(node_dir ha1)/keepalived.log" ||
	    fail "keepalived on A not BACKUP"
	ha_role_is ha1 standby || fail "A is '$(ha_role ha1)', not standby"
	wait_for 15 ha_holds_is ha1 "1 1" ||
	    fail "A did not take B's state (holds '$(ha_holds ha1)'):"$'\n'"$(gwctl ha1 status)"
	say "ok: A is standby and holds B's IKE SA and CHILD SA"

	step "switch back: keepalived on B stopped (maintenance) while c1 pings"
	SPIS3=$(peer_ike_spis)
	ping_start 16
	sleep 3
	T_KILL=$(lab_now_us)
	kill -TERM "${KA_PID[ha2]}"
	wait_for 15 ha_role_is ha1 active ||
	    fail "A not active after B's keepalived stopped"
	t_active=$(ms_since "$T_KILL")
	gw_wait_state ha1 vpc1-vpc2 Connected 10
	t_conn=$(ms_since "$T_KILL")
	wait_for 10 ha_role_is ha2 standby || fail "B is '$(ha_role ha2)'"
	grep -q 'handed over' "$(node_dir ha2)/gatewayd.log" ||
	    fail "B did not hand its SAs over (gatewayd.log)"
	say "ha-figures: switchback: A active ${t_active} ms after B's" \
	    "keepalived stopped, tunnel Connected on A after ${t_conn} ms"
	ping_gap "$T_KILL" >"$LAB_RUN/ping.gap"
	read -r gap got sent g0 g1 <"$LAB_RUN/ping.gap"
	say "ha-figures: switchback: ping: longest gap ${gap} s (${g0} to" \
	    "${g1} s after keepalived's stop), $got of $sent replies"
	awk -v g="$gap" 'BEGIN { exit !(g <= 3.0) }' ||
	    fail "the ping lost more than 3 s (longest gap $gap s)"
	assert_eq "the peer's IKE SA after the switch back" "$SPIS3" \
	    "$(peer_ike_spis)"
	tshark_after_check "$LAB_RUN/ha-gw2.pcap" "$INIT_FILTER" \
	    "$((T_KILL / 1000000))" 0 0 "$(($(lab_now_us) / 1000000 + 1))"
	peer_rekeys ha1 A
fi

capture_stop
case "$mode" in
nosync) pass "HA $mode: B set the tunnel up anew within 15 s" ;;
failback) pass "HA $mode: failover to B and back to A without renegotiation" ;;
upgrade) pass "HA $mode: standalone to active by reload, then failover without renegotiation" ;;
*) pass "HA $mode: failover without renegotiation" ;;
esac
