#!/bin/bash
# systemd-pid1.sh UNITDIR - PID 1 of t-systemd.sh's PID namespace, run as
#
#   ip netns exec NODE unshare --pid --fork --kill-child --mount-proc \
#       --uts bash systemd-pid1.sh UNITDIR
#
# inside the lab VM: it execs systemd as the system manager of that PID
# namespace (systemd refuses system mode unless it is PID 1: "Can't run
# system mode unless PID 1."), with only the units of UNITDIR.
#
# The VM's / is the host's file system (hostfs).  In this mount namespace
# (unshare's, private) it is made read-only, so that neither the manager
# nor a service can write to the host; what they write goes to tmpfs:
# the VM's /run, /tmp, /dev/shm (init.sh) and, mounted here, /var/lib
# (StateDirectory=gatewayd), /var/tmp (PrivateTmp=) and /var/log (journald
# stays in /run/log/journal without /var/log/journal).
set -eu

units=${1:?usage: systemd-pid1.sh UNITDIR}
[ "$$" = 1 ] || { echo "systemd-pid1.sh: not PID 1 (pid $$)" >&2; exit 1; }

mount -t tmpfs -o mode=0755 tmpfs /var/lib
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
mount -t tmpfs -o mode=0755 tmpfs /var/log
mount -o remount,bind,ro /
# no generators (they read the host's /etc/fstab, init.d scripts, ...)
empty=$units.nogen
mkdir -p "$empty"

# container=: systemd's test for "PID 1 of a container" (no kernel
# modules, no console setup).  GLIBC_TUNABLES and OPENSSL_ia32cap as in
# init.sh (UML and AVX-512); the test passes them on to the services with
# "systemctl set-environment".
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C container=gatewayd-lab \
    GLIBC_TUNABLES="${GLIBC_TUNABLES:-}" OPENSSL_ia32cap="${OPENSSL_ia32cap:-}" \
    SYSTEMD_UNIT_PATH="$units" SYSTEMD_GENERATOR_PATH="$empty" \
    SYSTEMD_ENVIRONMENT_GENERATOR_PATH="$empty" \
    /lib/systemd/systemd --unit=lab.target --show-status=no \
    --log-target=console --log-color=no \
    --log-level="${LAB_SD_LOG_LEVEL:-info}"
