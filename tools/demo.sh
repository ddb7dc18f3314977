#!/usr/bin/env bash
# demo.sh - the README's VPC-to-VPC demo, in a user-mode Linux VM (the host
# kernel may lack ESP/AH): gateway 1 (VPC 172.16.0.0/24, public
# 198.51.100.1) and gateway 2 (VPC 10.0.0.0/12, public 198.51.100.2), each
# a network namespace running gatewayd with IKEv2, PSK, aes128/sha1/DH 2 and
# PFS 2, forwarding for a client host behind it (172.16.0.14, 10.0.0.2).
# Client 1 pings client 2 through the tunnel, then gatewayctl status is
# printed for both gateways.  Exit status 0 on success.
#
#   tools/demo.sh [--keep]
#
# GW_BUILD: the gatewayd build directory (default ./build; not an
# AddressSanitizer build: ASan aborts in UML).  Run as root; the first run
# creates /lib/modules/VERSION for UML's modules (tests/lab/prepare.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export GW_BUILD=${GW_BUILD:-$top/build}
export LAB_DEMO=1
for f in gatewayd gatewayctl; do
	if [ ! -x "$GW_BUILD/$f" ]; then
		echo "demo: $GW_BUILD/$f not found: build first" \
		    "(tools/bootstrap.sh build)" >&2
		exit 1
	fi
done
exec "$top/tests/lab/lab.sh" "$@" "$top/tests/lab/t-gw-gw.sh"
