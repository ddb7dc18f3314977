#!/usr/bin/env bash
# t-spd.sh - run in the lab VM (tests/lab/lab.sh tests/bench/t-spd.sh):
# how long the kernel takes to add XFRM policies (UPDPOLICY, ip -batch)
# as it holds more of them: 8,000 CHILD SAs' worth (3 per pair of /24
# segments) in blocks of 1,000 pairs, with the kernel's default policy
# hash thresholds (32/32: /24 selectors are not hashed) and with
# hthresh4 24 24 (XFRM_MSG_NEWSPDINFO: they are); with the pairs' two
# SAs each (LAB_SPD_SAS=0: policies only); then how long deleting them
# takes, block by block (a teardown's floor).  Not a test: it prints.
# shellcheck source=../lab/lib.sh
. "$(dirname "$0")/../lab/lib.sh"
lab_begin

PAIRS=${LAB_SPD_PAIRS:-8000}
block() {	# block FROM TO: the policies of pairs FROM..TO-1
	awk -v a="$1" -v b="$2" -v sas="$SAS" 'BEGIN {
		for (k = a; k < b; k++) {
			l = sprintf("172.%d.%d.0/24", 16 + int(k / 256), k % 256)
			r = sprintf("10.%d.%d.0/24", int(k / 256), k % 256)
			if (sas) {
				a = " proto esp mode tunnel reqid " k + 1 " enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc hmac(sha1) 0x00112233445566778899aabbccddeeff00112233 96"
				printf "xfrm state add src 192.0.2.2 dst 192.0.2.1 spi %.0f%s\n", 3221225472 + k, a
				printf "xfrm state add src 192.0.2.1 dst 192.0.2.2 spi %.0f%s\n", 3355443200 + k, a
			}
			t = "tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid " k + 1
			printf "xfrm policy update src %s dst %s dir out %s\n", l, r, t
			t = "tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel reqid " k + 1
			printf "xfrm policy update src %s dst %s dir in %s\n", r, l, t
			printf "xfrm policy update src %s dst %s dir fwd %s\n", r, l, t
		}
	}' >/tmp/spd.batch
}
# dblock FROM TO: deletes what block FROM TO added (SA, then policies,
# in the order a teardown removes a CHILD SA's)
dblock() {
	awk -v a="$1" -v b="$2" -v sas="$SAS" 'BEGIN {
		for (k = a; k < b; k++) {
			l = sprintf("172.%d.%d.0/24", 16 + int(k / 256), k % 256)
			r = sprintf("10.%d.%d.0/24", int(k / 256), k % 256)
			if (sas) {
				printf "xfrm state delete src 192.0.2.2 dst 192.0.2.1 proto esp spi %.0f\n", 3221225472 + k
				printf "xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi %.0f\n", 3355443200 + k
			}
			printf "xfrm policy delete src %s dst %s dir out\n", l, r
			printf "xfrm policy delete src %s dst %s dir in\n", r, l
			printf "xfrm policy delete src %s dst %s dir fwd\n", r, l
		}
	}' >/tmp/spd.batch
}
# timed GEN: GEN FROM TO for each block of 1000 pairs, each batch run
# and timed; sets line to the ms of each
timed() {
	local k t0
	line=""
	for ((k = 0; k < PAIRS; k += 1000)); do
		"$1" "$k" $((k + 1000))
		t0=$(lab_now_us)
		ip -n spd -batch /tmp/spd.batch || fail "ip -batch ($1)"
		line+=" $((($(lab_now_us) - t0) / 1000))"
	done
}
SAS=${LAB_SPD_SAS:-1}
for mode in default 24; do
	ip netns add spd
	[ "$mode" = default ] || ip -n spd xfrm policy set hthresh4 24 24
	timed block
	say "hthresh4 $mode: ms per 1000 pairs (3000 policies):$line"
	# and the way back: what deleting them one request at a time costs
	timed dblock
	say "hthresh4 $mode: ms to delete per 1000 pairs:$line"
	ip netns del spd
done
pass "spd"
