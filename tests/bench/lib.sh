# lib.sh - what handshake.sh and memory.sh share (sourced, not run): the
# network namespace, the two responders' configurations, their start and
# stop, and the programs' defaults.  The sourcing script sets ME (its
# name, for messages), NS (the namespace), PIN (a command prefix that
# pins the responder to a CPU, "taskset -c N", or empty), and WORK and
# RPID empty; it calls bench_setup.

GATEWAYD=${GATEWAYD:-./gatewayd}
IKELOAD=${IKELOAD:-./ikeload}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
SWANCTL=${SWANCTL:-swanctl}
PLUGINS=${STRONGSWAN_PLUGINS:-/usr/lib/ipsec/plugins}
PSK=bench-psk-0123456789

# kernel-libipsec before kernel-netlink: its CHILD SAs, not the kernel's
CHARON_PLUGINS="random nonce openssl aes sha2 hmac kdf kernel-libipsec"
CHARON_PLUGINS="$CHARON_PLUGINS kernel-netlink socket-default vici"

die() {
	echo "$ME: $*" >&2
	exit 1
}

# a failed run (or BENCH_KEEP=1) keeps the configurations and logs
cleanup() {
	rc=$?
	if [ -n "$RPID" ]; then
		kill "$RPID" 2>/dev/null || true
		wait "$RPID" 2>/dev/null || true
	fi
	ip netns del "$NS" 2>/dev/null || true
	[ -n "$WORK" ] || return 0
	if [ $rc -ne 0 ] || [ -n "${BENCH_KEEP:-}" ]; then
		echo "$ME: logs and configurations kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}

# The work directory and the namespace: loopback, and the local segment
# as behind a real gateway (charon's kernel-libipsec routes the peer
# segment through its TUN device with a source address inside it).
bench_setup() {
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" addr add 10.2.0.1/32 dev lo
}

# waits until something in the namespace listens on UDP 500
wait_udp500() {
	i=0
	while ! ip netns exec "$NS" ss -Hlun 'sport = :500' | grep -q .; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "$1 does not listen on UDP 500"
		kill -0 "$RPID" 2>/dev/null || die "$1 exited"
		sleep 0.1
	done
}

stop_responder() {
	kill "$RPID"
	wait "$RPID" 2>/dev/null || true
	RPID=
}

# gatewayd_start GROUP [TUNNEL-LINE]: one tunnel that answers any peer
# with the PSK, aes128-sha256 and DH group GROUP; TUNNEL-LINE goes into
# the tunnel block.
gatewayd_start() {
	cat > "$WORK/gatewayd.conf" <<EOF
control-socket $WORK/gatewayd.sock
log-level warning
# no cookies and no half-open limit: every IKE_SA_INIT is answered
ikev2-cookie-threshold 65536
ikev2-half-open 65536
gateway gw {
	address 127.0.0.1
	segment 10.2.0.0/16
}
peer any {
	address 0.0.0.0
}
tunnel bench {
	gateway gw
	peer any
	local-segment 10.2.0.0/16
	peer-segment 10.1.0.0/16
	psk $PSK
	initiate no
	${2:-}
	ike {
		version 2
		encryption aes128
		integrity sha2-256
		dh-group $1
	}
	ipsec {
		encryption aes128
		integrity sha2-256
		pfs disable
	}
}
EOF
	# ip netns exec and taskset exec: $! is gatewayd
	ip netns exec "$NS" $PIN "$GATEWAYD" -F -f "$WORK/gatewayd.conf" \
	    --bench-null-kernel > "$WORK/gatewayd.log" 2>&1 &
	RPID=$!
	wait_udp500 gatewayd
}

# charon_start GROUP-NAME (modp1024, ecp256 ...): the same tunnel as a
# connection; log level BENCH_CHARON_LOG (-1: none)
charon_start() {
	cat > "$WORK/strongswan.conf" <<EOF
charon {
	load = $CHARON_PLUGINS
	# the load-tester plugin's advice: no DoS protection, large tables
	dos_protection = no
	init_limit_half_open = 0
	init_limit_job_load = 0
	block_threshold = 1000000
	cookie_threshold = 1000000
	ikesa_table_size = 4096
	ikesa_table_segments = 16
	install_routes = no
	plugins {
		vici {
			socket = unix://$WORK/charon.vici
		}
	}
	syslog {
		identifier = charon-bench
		daemon {
			default = -1
		}
	}
	filelog {
		bench {
			path = $WORK/charon.log
			default = ${BENCH_CHARON_LOG:--1}
		}
	}
}
EOF
	cat > "$WORK/swanctl.conf" <<EOF
connections {
	bench {
		version = 2
		local_addrs = 127.0.0.1
		proposals = aes128-sha256-$1
		mobike = no
		unique = never
		local {
			auth = psk
			id = 127.0.0.1
		}
		remote {
			auth = psk
		}
		children {
			bench {
				local_ts = 10.2.0.0/16
				remote_ts = 10.1.0.0/16
				esp_proposals = aes128-sha256
			}
		}
	}
}
secrets {
	ike-bench {
		secret = $PSK
	}
}
EOF
	rm -f "$WORK/charon.vici"
	# a private /run: charon's pid file must not meet a system charon's;
	# every command execs the next, so $! is charon
	STRONGSWAN_CONF=$WORK/strongswan.conf ip netns exec "$NS" \
	    unshare -m --propagation private sh -c \
	    'mount -t tmpfs bench /run && exec "$@"' sh $PIN "$CHARON" \
	    > "$WORK/charon.log.out" 2>&1 &
	RPID=$!
	i=0
	while [ ! -S "$WORK/charon.vici" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "charon: no vici socket"
		kill -0 "$RPID" 2>/dev/null || die "charon exited"
		sleep 0.1
	done
	"$SWANCTL" --load-all --noprompt --file "$WORK/swanctl.conf" \
	    --uri "unix://$WORK/charon.vici" > "$WORK/swanctl.out" 2>&1 ||
	    die "swanctl --load-all failed: $(cat "$WORK/swanctl.out")"
	wait_udp500 charon
}
