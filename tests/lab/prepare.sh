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

# Every program and file the lab needs is listed in tests/needs.txt
# (tools/check-deps.sh checks that bootstrap's packages provide them).
needs=$(cd "$(dirname "$0")/.." && pwd)/needs.txt
missing=()
while read -r stage kind what; do
	[ "$stage" = lab ] || continue
	case "$kind" in
	prog) command -v "$what" >/dev/null 2>&1 || missing+=("$what") ;;
	file) [ -e "$what" ] || missing+=("$what") ;;
	esac
done <"$needs"
[ ${#missing[@]} -eq 0 ] ||
    die "missing: ${missing[*]} (tools/bootstrap.sh deps installs them)"

# The lab runs gatewayd as an unprivileged user (lib.sh: GW_USER, default
# gatewayd; t-privs.sh).  The VM mounts the host's / (hostfs), so its
# /etc/passwd is the host's: the system user is created here.
gw_user=${GW_USER-gatewayd}
if [ -n "$gw_user" ] && ! getent passwd "$gw_user" >/dev/null; then
	[ "$(id -u)" = 0 ] || die "run as root to create user $gw_user"
	# two VMs may prepare at once
	exec 8>/run/gatewayd-lab-useradd.lock
	flock 8
	getent passwd "$gw_user" >/dev/null ||
	    useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$gw_user" ||
	    die "cannot create user $gw_user (useradd)"
	exec 8>&-
	say "created system user $gw_user (uid $(id -u "$gw_user"))"
fi

# UML 6.1 cannot restore a guest's FPU state on a host whose XSAVE area
# is larger than 832 bytes (AVX-512, AMX): the VM dies at once with
# "ptrace set fp regs failed, errno = 14".  lab.sh preloads this shim
# into linux.uml (see tests/lab/uml_xstate.c).
lab_cache=${LAB_CACHE:-/var/cache/gatewayd-lab}
shim_src=$(cd "$(dirname "$0")" && pwd)/uml_xstate.c
shim=$lab_cache/uml_xstate.so
if [ ! -f "$shim" ] || [ "$shim_src" -nt "$shim" ]; then
	mkdir -p "$lab_cache"
	gcc -std=c11 -O2 -Wall -Werror -shared -fPIC -o "$shim.new" \
	    "$shim_src" -ldl || die "cannot build $shim from $shim_src"
	mv "$shim.new" "$shim"
	say "built $shim"
fi

# Libreswan for the IKEv1 interoperability tests (lib.sh: start_pluto).
# Its Debian package conflicts with strongSwan's, so it is not installed:
# "apt-get download" puts the .deb in $LAB_LIBRESWAN_CACHE, "dpkg-deb -x"
# unpacks it into $LAB_LIBRESWAN_CACHE/libreswan/root, and its library
# dependencies (those of "dpkg-deb -f DEB Depends", first alternatives)
# are installed with apt-get.  A stamp file lists them, so later runs
# only check that they are still installed.  A failure here is fatal only
# when the IKEv1 scenarios are on (LAB_IKEV1=1, set by run-all.sh).
lsw_cache=${LAB_LIBRESWAN_CACHE:-/var/cache/gatewayd-lab}
lsw_dir=$lsw_cache/libreswan
lsw_stamp=$lsw_dir/stamp

# deps_installed PKG...: every PKG is installed.
deps_installed() {
	local st
	[ $# -gt 0 ] || return 0
	st=$(dpkg-query -W -f='${db:Status-Abbrev}\n' "$@" 2>/dev/null) ||
	    return 1
	! grep -qv '^ii' <<<"$st"
}

libreswan_ready() {
	local deps
	[ -x "$lsw_dir/root/usr/libexec/ipsec/pluto" ] &&
	    [ -s "$lsw_stamp" ] || return 1
	read -r -a deps <"$lsw_stamp"
	deps_installed "${deps[@]}"
}

# apt_retry CMD...: CMD, and if it fails, apt-get update and CMD again.
apt_retry() {
	"$@" && return 0
	say "apt-get update"
	apt-get update -q >/dev/null || return 1
	"$@"
}

libreswan_prepare() {
	local deb deps=() missing=() real=() p
	[ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
	mkdir -p "$lsw_cache"
	deb=$(find "$lsw_cache" -maxdepth 1 -name 'libreswan_*.deb' | sort | tail -n1)
	if [ -z "$deb" ]; then
		say "downloading libreswan into $lsw_cache"
		# shellcheck disable=SC2317  # run by apt_retry
		lsw_download() {
			(cd "$lsw_cache" &&
			    apt-get download -q -o APT::Sandbox::User=root \
			    libreswan)
		}
		apt_retry lsw_download || return 1
		deb=$(find "$lsw_cache" -maxdepth 1 -name 'libreswan_*.deb' | sort | tail -n1)
		[ -n "$deb" ] || return 1
	fi
	# Depends: "a (>= 1), b | c, ..." -> first alternatives, no versions;
	# nothing of strongSwan's or Libreswan's own.  On Debian 12 this
	# installs libldns3 (and with it dns-root-data) among others: they
	# are named here, read from the .deb, not in tools/bootstrap.sh.
	while read -r p; do
		case "$p" in
		''|*strongswan*|*libreswan*) ;;
		*) deps+=("$p") ;;
		esac
	done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
	    sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g')
	# certutil (NSS database) comes from libnss3-tools.
	grep -qw libnss3-tools <<<"${deps[*]}" || deps+=(libnss3-tools)
	for p in "${deps[@]}"; do
		deps_installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing Libreswan's dependencies: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt_retry apt-get install -y -q --no-install-recommends \
		    "${missing[@]}" >/dev/null || return 1
	fi
	rm -rf "$lsw_dir/root.new"
	mkdir -p "$lsw_dir"
	dpkg-deb -x "$deb" "$lsw_dir/root.new" || return 1
	[ -x "$lsw_dir/root.new/usr/libexec/ipsec/pluto" ] || return 1
	rm -rf "$lsw_dir/root"
	mv "$lsw_dir/root.new" "$lsw_dir/root"
	# The stamp lists the real packages (a virtual one such as "host"
	# is never "installed" itself).
	real=()
	for p in "${deps[@]}"; do
		deps_installed "$p" && real+=("$p")
	done
	echo "${real[*]}" >"$lsw_stamp"
	say "Libreswan unpacked: $(basename "$deb") -> $lsw_dir/root"
}

if libreswan_ready; then
	say "Libreswan in $lsw_dir/root (present)"
else
	# One preparation at a time (lab.sh runs prepare.sh for each VM).
	mkdir -p "$lsw_cache"
	exec 9>"$lsw_cache/.lock"
	flock 9
	if ! libreswan_ready && ! libreswan_prepare; then
		if [ "${LAB_IKEV1:-0}" = 1 ]; then
			die "cannot prepare Libreswan in $lsw_dir (IKEv1 tests need it)"
		fi
		printf 'prepare: warning: cannot prepare Libreswan in %s;' "$lsw_dir" >&2
		printf ' the IKEv1 Libreswan tests will fail\n' >&2
	fi
	exec 9>&-
fi

say "ok (UML kernel $version)"
