#!/bin/sh
# run.sh - build and run every libFuzzer target tests/fuzz/fuzz_NAME.c
# for a bounded time on a copy of its seed corpus tests/fuzz/corpus/NAME.
#
# Each target lists the sources it needs on a "FUZZ_SOURCES:" line in its
# header comment (and libraries beyond libcrypto on a "FUZZ_LIBS:" line).  Usage: tests/fuzz/run.sh [NAME...]   (from any dir)
# Environment: FUZZ_SECONDS (default 30), CC (default clang), FUZZ_KEEP
# (a directory: each target's grown corpus and log are kept there, as
# corpus-NAME and log-NAME, for tests/fuzz/coverage.sh; a later run with
# the same FUZZ_KEEP starts from the kept corpus as well as the seeds, so
# that runs add up).  Each run prints the CPU time it used (user + system
# of the fuzzer, from the shell's "times"), and with FUZZ_KEEP appends
# it to DIR/cpu-NAME: a line "SECONDS RUNS" per run.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cc=${CC:-clang}
secs=${FUZZ_SECONDS:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/gw-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ $# -eq 0 ]; then
	set --
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .c)
		set -- "$@" "${n#fuzz_}"
	done
fi

cflags=$(pkg-config --cflags libcrypto 2>/dev/null || true)
libs=$(pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
# cpu_seconds FILE: the CPU seconds (user + system) in the second line
# of a "times" output ("0m1.50s 0m0.20s")
cpu_seconds() {
	sed -n 2p "$1" | awk '{
		t = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2]
		}
		printf "%.0f\n", t }'
}

status=0
for name in "$@"; do
	src="$top/tests/fuzz/fuzz_$name.c"
	srcs=$(sed -n 's/^.*FUZZ_SOURCES:[[:space:]]*//p' "$src")
	if [ -z "$srcs" ]; then
		echo "fuzz_$name: no FUZZ_SOURCES line" >&2
		exit 2
	fi
	# optional "FUZZ_LIBS:" line: more libraries to link
	xlibs=$(sed -n 's/^.*FUZZ_LIBS:[[:space:]]*//p' "$src")
	bin="$work/fuzz_$name"
	echo "== building fuzz_$name"
	# shellcheck disable=SC2086
	(cd "$top" && $cc -std=c11 -g -O1 -D_GNU_SOURCE -I. $cflags \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined \
	    -o "$bin" "tests/fuzz/fuzz_$name.c" $srcs $libs $xlibs)
	corpus="$work/corpus-$name"
	mkdir -p "$corpus"
	if [ -d "$top/tests/fuzz/corpus/$name" ]; then
		cp "$top/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null ||
		    true
	fi
	if [ -n "${FUZZ_KEEP:-}" ] && [ -d "$FUZZ_KEEP/corpus-$name" ]; then
		cp -R "$FUZZ_KEEP/corpus-$name"/. "$corpus"/
	fi
	echo "== running fuzz_$name for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
	if ! (cd "$work" && "$bin" -max_total_time="$secs" \
	    -print_final_stats=1 -artifact_prefix="$work/crash-$name-" \
	    "$corpus" >"$work/log-$name" 2>&1; rc=$?
	    times >"$work/times-$name"; exit $rc); then
		tail -n 60 "$work/log-$name" >&2
		for a in "$work"/crash-"$name"-*; do
			[ -e "$a" ] || continue
			cp "$a" "$top/tests/fuzz/" && echo "kept $(basename "$a")" >&2
		done
		echo "fuzz_$name: FAILED" >&2
		status=1
	else
		grep -E "stat::number_of_executed_units|Done" "$work/log-$name" || true
		# libFuzzer's last status line: edges covered (cov), features
		# (ft) and corpus size (corp)
		grep -E "^#[0-9]+.*cov: " "$work/log-$name" | tail -n 1 || true
		echo "fuzz_$name: ok"
	fi
	cpu=$(cpu_seconds "$work/times-$name")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$work/log-$name")
	echo "fuzz_$name: ${cpu} CPU seconds, ${runs:-?} runs"
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP"
		echo "$cpu ${runs:-0}" >>"$FUZZ_KEEP/cpu-$name"
		rm -rf "$FUZZ_KEEP/corpus-$name"
		cp -r "$corpus" "$FUZZ_KEEP/corpus-$name"
		cp "$work/log-$name" "$FUZZ_KEEP/log-$name"
	fi
done
exit $status
