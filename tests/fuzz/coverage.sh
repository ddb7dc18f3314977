#!/bin/sh
# coverage.sh DIR [NAME...] - source coverage of the fuzz targets over
# the corpora a long run kept (FUZZ_KEEP=DIR tests/fuzz/run.sh): each
# target is built again with clang's source-based coverage, runs every
# input of DIR/corpus-NAME once, and llvm-cov reports the lines and
# branches of gatewayd's own sources that the inputs reached (all the
# targets together, then each target's total).  Not part of CI.
# Needs llvm-profdata and llvm-cov (Debian: apt-get install llvm).
#
#   FUZZ_SECONDS=360 FUZZ_KEEP=/tmp/fz tests/fuzz/run.sh
#   tests/fuzz/coverage.sh /tmp/fz
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: coverage.sh DIR [NAME...]}
shift
cc=${CC:-clang}
for t in llvm-profdata llvm-cov; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "coverage.sh: $t not found (apt-get install llvm)" >&2; exit 2; }
done
if [ $# -eq 0 ]; then
	for c in "$dir"/corpus-*; do
		[ -d "$c" ] && set -- "$@" "${c##*/corpus-}"
	done
fi
[ $# -gt 0 ] || { echo "coverage.sh: no corpus-NAME in $dir" >&2; exit 2; }
cflags=$(pkg-config --cflags libcrypto 2>/dev/null || true)
libs=$(pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
cov="$dir/coverage"
rm -rf "$cov"
mkdir -p "$cov"
objs=""
for name in "$@"; do
	src="$top/tests/fuzz/fuzz_$name.c"
	srcs=$(sed -n 's/^.*FUZZ_SOURCES:[[:space:]]*//p' "$src")
	xlibs=$(sed -n 's/^.*FUZZ_LIBS:[[:space:]]*//p' "$src")
	bin="$cov/fuzz_$name"
	# shellcheck disable=SC2086
	(cd "$top" && $cc -std=c11 -g -O0 -D_GNU_SOURCE -I. $cflags \
	    -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	    -o "$bin" "tests/fuzz/fuzz_$name.c" $srcs $libs $xlibs)
	n=$(ls "$dir/corpus-$name" | wc -l)
	# every input once (-runs=0: no mutation)
	(cd "$cov" && LLVM_PROFILE_FILE="$cov/$name.profraw" "$bin" -runs=0 \
	    "$dir/corpus-$name" >"$cov/run-$name.log" 2>&1) ||
	    { tail -n 20 "$cov/run-$name.log" >&2; exit 1; }
	llvm-profdata merge -sparse -o "$cov/$name.profdata" \
	    "$cov/$name.profraw"
	printf '%-14s %6s inputs  ' "$name" "$n"
	# this target's total over the project's sources it links
	# shellcheck disable=SC2086
	llvm-cov report "$bin" -instr-profile="$cov/$name.profdata" \
	    -ignore-filename-regex='tests/' | awk '/^TOTAL/ {
		printf "lines %s, branches %s\n", $10, $13 }'
	objs="$objs -object=$bin"
done
llvm-profdata merge -sparse -o "$cov/all.profdata" "$cov"/*.profraw
echo "== all targets together, by source file"
# shellcheck disable=SC2086
first=${objs#" -object="}
first=${first%% *}
# shellcheck disable=SC2086
llvm-cov report $first ${objs#" -object=$first"} \
    -instr-profile="$cov/all.profdata" -ignore-filename-regex='tests/'
