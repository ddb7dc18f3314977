#!/usr/bin/env bash
# prepare.sh - host preparation for the lab (idempotent, run as root).
#
# The lab boots Debian's user-mode Linux kernel (linux.uml) with the host's
# / as its root file system.  Its modprobe looks in /lib/modules/$(uname -r),
# but the package installs the modules in /usr/lib/uml/modules/VERSION: a
# symlink fixes that.  Then check that every program the lab runs exists.
#
#   tests/lab/prepare.sh [-q]
set -euo pipefail

quiet=0
[ "${1:-}" = -q ] && quiet=1

say() { [ "$quiet" = 1 ] || printf 'prepare: %s\n' "$*"; }
die() { printf 'prepare: %s\n' "$*" >&2; exit 1; }

UML=${LAB_UML:-linux.uml}
command -v "$UML" >/dev/null 2>&1 ||
    die "$UML not found: apt-get install user-mode-linux"

# "linux.uml --version" prints the kernel release, e.g. 6.1.176.
version=$("$UML" --version 2>/dev/null | head -n1 | tr -d '[:space:]')
[[ "$version" =~ ^[0-9]+\.[0-9]+ ]] ||
    die "cannot read the UML kernel version from '$UML --version'"

src=/usr/lib/uml/modules/$version
[ -f "$src/modules.dep" ] || die "no UML modules in $src"

dst=/lib/modules/$version
if [ -L "$dst" ] && [ "$(readlink "$dst")" = "$src" ]; then
	say "$dst -> $src (present)"
elif [ -e "$dst" ]; then
	# A real kernel of that version is installed: leave it alone, but
	# it must hold the modules the lab needs.
	[ -f "$dst/modules.dep" ] || die "$dst exists and is not usable"
	say "$dst exists (not a symlink); using it"
else
	[ "$(id -u)" = 0 ] || die "run as root to create $dst"
	mkdir -p "$(dirname "$dst")"
	ln -s "$src" "$dst"
	say "created $dst -> $src"
fi

missing=()
for prog in modprobe ip tcpdump tshark timeout setsid stty mount \
    /usr/lib/ipsec/charon swanctl ping; do
	command -v "$prog" >/dev/null 2>&1 || missing+=("$prog")
done
[ ${#missing[@]} -eq 0 ] ||
    die "missing programs: ${missing[*]} (see tools/bootstrap.sh)"

# strongSwan plugins the lab's strongswan.conf loads (lib.sh: SWAN_PLUGINS).
plugdir=/usr/lib/ipsec/plugins
for p in kdf openssl kernel-netlink socket-default vici nonce random; do
	[ -f "$plugdir/libstrongswan-$p.so" ] ||
	    die "strongSwan plugin $p missing in $plugdir"
done
say "ok (UML kernel $version)"
