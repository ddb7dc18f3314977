#!/bin/bash
# init.sh - PID 1 of the lab's user-mode Linux VM (started by lab.sh).
#
# The root file system is the host's / over hostfs: everything written
# outside the tmpfs mounted here lands on the host.  The kernel passes the
# unknown KEY=VALUE arguments LAB_RUN (run directory, on the host) and
# LAB_TEST (the test script) as environment variables.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C LC_ALL=C
# UML 6.1 switches only the first 832 bytes of a guest thread's XSAVE state
# (tests/lab/uml_xstate.c): keep glibc and OpenSSL off AVX-512, whose
# registers lie beyond.
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD
export OPENSSL_ia32cap=":~0xdc230000"

# Modules the lab needs, loaded with one modprobe (each exec costs ~0.1 s).
# AEAD for ESP: gcm/ghash_generic for "rfc4106(gcm(aes))", chacha20poly1305
# with chacha_generic and poly1305_generic for
# "rfc7539esp(chacha20,poly1305)" (autoload is off, see below); bridge for
# t-ha.sh's two segments shared by the HA pair.
MODULES="xfrm_user xfrm_algo esp4 ah4 xfrm4_tunnel tunnel4 authenc
authencesn echainiv seqiv ecb cbc ctr gcm ccm ghash_generic cmac xcbc hmac
md5 sha1_generic sha256_generic sha512_generic des_generic aes_generic drbg
chacha20poly1305 chacha_generic poly1305_generic
jitterentropy_rng ipv6 esp6 ah6 veth dummy bridge"

halt() {
	sync
	poweroff -f >/dev/null 2>&1
	echo o >/proc/sysrq-trigger
	sleep 10
}

fail() {
	echo "init: $*"
	[ -n "${LAB_RUN:-}" ] && [ -d "$LAB_RUN" ] && echo 99 >"$LAB_RUN/rc"
	halt
}

if [ -z "${LAB_RUN:-}" ] || [ -z "${LAB_TEST:-}" ]; then
	fail "LAB_RUN/LAB_TEST unset"
fi

mount -t proc proc /proc
read -r t0 _ </proc/uptime
echo "init: started at $t0 s"
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# devtmpfs lacks these; bash's <(...) needs /dev/fd.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr

# Private /run and /tmp.  Host directories below /tmp that the test needs
# (run directory, build directories, source tree) would be hidden by the
# tmpfs: bind them aside first, then back to the same path.
# shellcheck source=/dev/null
. "$LAB_RUN/env.sh" || fail "cannot read $LAB_RUN/env.sh"
mount -t tmpfs -o mode=0755 tmpfs /run
keep=()
for p in "$LAB_RUN" "${GW_BUILD:-}" "${GW_MAIN_BUILD:-}" "${LAB_TOP:-}" \
    "$(dirname "$LAB_TEST")"; do
	case "$p" in
	/tmp/*) [ -d "$p" ] && keep+=("$p") ;;
	esac
done
i=0
for p in "${keep[@]}"; do
	mkdir -p "/run/.keep/$i"
	mount --bind "$p" "/run/.keep/$i"
	i=$((i + 1))
done
mount -t tmpfs -o mode=1777 tmpfs /tmp
i=0
for p in "${keep[@]}"; do
	mkdir -p "$p"
	mount --move "/run/.keep/$i" "$p" 2>/dev/null ||
	    mount --bind "/run/.keep/$i" "$p"
	i=$((i + 1))
done
[ -d "$LAB_RUN" ] || fail "run directory $LAB_RUN not visible"

ip link set lo up
# jitterentropy_rng refuses UML's coarse timer ("Bad address"); drbg
# seeds itself without it.  Check only the modules the lab cannot do
# without.
# shellcheck disable=SC2086
modprobe -a $MODULES 2>/dev/null
for m in xfrm_user esp4 ah4 veth dummy drbg hmac cbc; do
	[ -d "/sys/module/$m" ] || grep -qw "$m" /proc/modules ||
	    fail "module $m did not load"
done
# No module autoloading from now on: the first SA would take 1.6 s.
echo >/proc/sys/kernel/modprobe
read -r t1 _ </proc/uptime
echo "init: modules loaded at $t1 s"

if [ "${LAB_LIVE:-0}" = 1 ] && [ -c /dev/tty1 ]; then
	stty -F /dev/tty1 raw -echo -opost 2>/dev/null
	live=/dev/tty1
else
	live=/dev/null
fi

cd "${LAB_TOP:-/}" || cd /
export LAB_RUN LAB_TEST LAB_IN_VM=1
bash "$LAB_TEST" "${LAB_ARGS[@]}" 2>&1 | tee "$LAB_RUN/test.log" >"$live"
echo "${PIPESTATUS[0]}" >"$LAB_RUN/rc"
halt
