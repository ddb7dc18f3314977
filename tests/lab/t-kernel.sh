#!/usr/bin/env bash
# t-kernel.sh - kernel/ against a kernel with ESP/AH: the live tcases of
# check_kernel (GW_LAB_KERNEL=1) install, read and delete SAs for every
# algorithm, and receive XFRM_MSG_EXPIRE (soft, then hard) for an SA with
# a 10 s lifetime and, as volume expiries, for an SA with packet limits
# 2/3 that UDP through its policy exhausts.  The host kernel lacks esp4, so "make check" there only
# proves that those calls fail cleanly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin

bin=$GW_BUILD/check_kernel
[ -x "$bin" ] || fail "$bin missing: build with 'make check' first"
step "check_kernel with GW_LAB_KERNEL=1"
GW_LAB_KERNEL=1 CK_FORK=yes "$bin" >"$LAB_RUN/check_kernel.log" 2>&1
rc=$?
grep -E '^[0-9]+%|:[EF]:' "$LAB_RUN/check_kernel.log"
[ "$rc" = 0 ] || fail "check_kernel failed in the lab kernel (exit $rc)"
grep -q '^100%' "$LAB_RUN/check_kernel.log" || fail "check_kernel: no 100% line"
pass "kernel/ on a kernel with ESP/AH, with expiry events"
