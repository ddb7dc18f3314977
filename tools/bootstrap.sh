#!/usr/bin/env bash
# bootstrap.sh - install gatewayd's dependencies from Debian packages, build
# it and run the demo or the whole test suite.  Run as root on Debian 12.
#
#   tools/bootstrap.sh demo    deps + build + the VPC-to-VPC demo
#   tools/bootstrap.sh test    deps + build + unit, sanitizer, fuzz, lab tests
#   tools/bootstrap.sh deps|build
#   tools/bootstrap.sh packages  print the Debian packages it installs
#
# Environment: BUILD_DIR (default ./build), FUZZ_SECONDS (default 30 per
# fuzz target), LAB_JOBS (parallel lab VMs, default 2), SKIP_DEPS=1.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
asan=${ASAN_BUILD_DIR:-$top/build-asan}

PACKAGES=(
	build-essential autoconf automake pkg-config
	libssl-dev libevent-dev libmnl-dev check
	clang libclang-rt-14-dev
	user-mode-linux kmod iproute2 iputils-ping iptables tcpdump tshark
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins libstrongswan-extra-plugins
	libnss3-tools
	prometheus
	# t-systemd.sh runs systemd as the manager of the shipped unit (a
	# container image may come without it)
	systemd
	# t-valgrind.sh runs gatewayd under valgrind's memcheck
	valgrind
	# t-ha.sh: VRRP for the primary/backup pair
	keepalived
)
# Installed without Recommends: a package that is only recommended (as
# libstrongswan-standard-plugins is by strongSwan) must be listed here.
# tools/check-deps.sh checks every program and file of tests/needs.txt
# against this list and a fresh machine's base image.

step() { printf '\n==> %s\n' "$*"; }

deps() {
	[ "${SKIP_DEPS:-0}" = 1 ] && return 0
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		step "dependencies: all installed"
		return 0
	fi
	step "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# tshark asks whether non-root users may capture: answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
	    debconf-set-selections
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_in() {
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q --enable-werror "$@")
}

build() {
	step "build ($build)"
	(cd "$top" && autoreconf -fi >/dev/null)
	[ -f "$build/Makefile" ] || configure_in "$build"
	make -C "$build" -s -j"$(nproc)"
	make -C "$build" -s -j"$(nproc)" check TESTS=
}

unit() {
	step "unit tests"
	make -C "$build" -s -j"$(nproc)" check ||
	    { cat "$build"/test-suite.log; return 1; }
	step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	[ -f "$asan/Makefile" ] || configure_in "$asan" --enable-sanitizers
	make -C "$asan" -s -j"$(nproc)" check ||
	    { cat "$asan"/test-suite.log; return 1; }
}

fuzz() {
	step "fuzz targets (${FUZZ_SECONDS:-30} s each)"
	bash "$top/tests/fuzz/run.sh"
}

# check_deps: tests/needs.txt against PACKAGES, then proof that the check
# fails when a package it needs is left out of the list.
check_deps() {
	step "dependency check (tests/needs.txt vs bootstrap's packages)"
	bash "$top/tools/check-deps.sh"
	if bash "$top/tools/check-deps.sh" \
	    --without libstrongswan-standard-plugins >/dev/null; then
		echo "check-deps.sh passed without libstrongswan-standard-plugins" >&2
		return 1
	fi
	echo "check-deps: self-test ok (a list without libstrongswan-standard-plugins fails)"
}

lab() {
	step "lab end-to-end tests (user-mode Linux, strongSwan)"
	GW_BUILD=$build bash "$top/tests/lab/run-all.sh"
}

case "${1:-}" in
packages) printf '%s\n' "${PACKAGES[@]}" ;;
deps)	deps ;;
build)	deps; build ;;
demo)	deps; check_deps; build; GW_BUILD=$build bash "$top/tools/demo.sh" ;;
test)	deps; check_deps; build; unit; fuzz; lab; step "all tests passed" ;;
*)	echo "usage: $0 demo|test|deps|build|packages" >&2; exit 2 ;;
esac
