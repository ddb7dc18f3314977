#!/usr/bin/env bash
# check-deps.sh - every program and file the build and the tests need
# (tests/needs.txt) must come from a Debian package that a fresh machine
# gets: one that tools/bootstrap.sh installs, one of their dependencies
# (Depends and Pre-Depends: bootstrap installs without Recommends), or one
# of the base image (tools/base-image.txt).  A file that is present only
# because somebody installed its package by hand fails here, before it
# fails on a user's fresh machine.
#
#   tools/check-deps.sh [-v] [--without PKG]...
#
# -v prints the package of every entry.  --without PKG checks as if PKG
# were not in bootstrap's list (the self-test of "bootstrap.sh test" uses
# it to prove that the check catches a missing package).  Exit 0 when every
# entry is covered, 1 otherwise, 2 on a usage or environment error.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
needs=$top/tests/needs.txt
base=$top/tools/base-image.txt
# The lab's init and the README's commands use the system's PATH, not a
# user's (pyenv shims and /usr/local copies come from no package).
SYSPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

verbose=0
without=()
while [ $# -gt 0 ]; do
	case "$1" in
	-v) verbose=1 ;;
	--without) [ $# -ge 2 ] || { echo "usage: $0 [-v] [--without PKG]..." >&2; exit 2; }
		without+=("$2"); shift ;;
	*) echo "usage: $0 [-v] [--without PKG]..." >&2; exit 2 ;;
	esac
	shift
done

command -v dpkg-query >/dev/null || { echo "check-deps: dpkg-query not found (Debian only)" >&2; exit 2; }

declare -A in_base=() closure=() why=() deps_of=() provider=()

while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	in_base[$p]=1
done <"$base"

# Every installed package: its dependencies and what it provides.
# (Fields are split on \x1f: tab is white space to read, and empty
# fields would collapse.)
while IFS=$'\x1f' read -r pkg pre dep prov; do
	deps_of[$pkg]="$pre${pre:+, }$dep"
	IFS=',' read -r -a vs <<<"$prov"
	for v in "${vs[@]}"; do
		v=${v%%(*}; v=${v// /}
		[ -n "$v" ] && provider[$v]="${provider[$v]:-}${provider[$v]:+ }$pkg"
	done
done < <(dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Pre-Depends}\t${Depends}\t${Provides}\n' |
    awk -F'\t' -v OFS='\037' '$1 ~ /^ii/ { print $2, $3, $4, $5 }')

# installed_as NAME: the installed package that satisfies NAME (itself, or
# a provider of the virtual package NAME); empty if none.
installed_as() {
	local n=$1
	if [ -n "${deps_of[$n]+x}" ]; then
		echo "$n"
	elif [ -n "${provider[$n]:-}" ]; then
		echo "${provider[$n]%% *}"
	fi
}

# The packages bootstrap installs and, recursively, what they depend on.
# An alternative group ("a | b") is satisfied by the base image if one of
# its members is there; otherwise apt takes the first installable member,
# which is the first one installed here.
mapfile -t boot < <(bash "$top/tools/bootstrap.sh" packages)
queue=()
for p in "${boot[@]}"; do
	skip=0
	for w in "${without[@]}"; do [ "$p" = "$w" ] && skip=1; done
	[ "$skip" = 1 ] && continue
	closure[$p]=1; why[$p]="bootstrap"; queue+=("$p")
done
missing_dep=()
while [ ${#queue[@]} -gt 0 ]; do
	p=${queue[0]}; queue=("${queue[@]:1}")
	IFS=',' read -r -a groups <<<"${deps_of[$p]:-}"
	for g in "${groups[@]}"; do
		g=$(sed -e 's/([^)]*)//g' -e 's/:any//g' -e 's/[[:space:]]//g' <<<"$g")
		[ -n "$g" ] || continue
		IFS='|' read -r -a alts <<<"$g"
		chosen=
		for a in "${alts[@]}"; do
			if [ -n "${in_base[$a]:-}" ] || [ -n "${closure[$a]:-}" ]; then
				chosen=-; break
			fi
		done
		[ -z "$chosen" ] || continue
		for a in "${alts[@]}"; do
			chosen=$(installed_as "$a")
			[ -n "$chosen" ] && break
		done
		if [ -z "$chosen" ]; then
			missing_dep+=("$p: $g")
			continue
		fi
		[ -n "${closure[$chosen]:-}" ] && continue
		closure[$chosen]=1; why[$chosen]="dependency of $p"; queue+=("$chosen")
	done
done
for m in "${missing_dep[@]}"; do
	echo "check-deps: note: dependency not installed here: $m"
done

# owner PATH: the package that holds PATH (dpkg -S), trying the path as
# given, its target, and the other side of the /usr merge.
owner() {
	local f=$1 c out
	for c in "$f" "$(readlink -f "$f")" "${f#/usr}" "/usr$f"; do
		out=$(dpkg-query -S "$c" 2>/dev/null | grep -v '^diversion' | head -n1) || continue
		[ -n "$out" ] && { echo "${out%%:*}"; return 0; }
	done
	return 1
}

bad=0 n=0
while read -r stage kind what; do
	case "$stage" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	case "$kind" in
	prog) f=$(PATH=$SYSPATH command -v "$what" || true) ;;
	file) f=$what; [ -e "$f" ] || f= ;;
	*) echo "check-deps: $needs: bad line '$stage $kind $what'" >&2; exit 2 ;;
	esac
	if [ -z "$f" ]; then
		echo "check-deps: FAIL $stage $kind $what: not on this machine (install its package through tools/bootstrap.sh)"
		bad=$((bad + 1)); continue
	fi
	if ! pkg=$(owner "$f"); then
		echo "check-deps: FAIL $stage $what ($f): no Debian package holds it"
		bad=$((bad + 1)); continue
	fi
	pkg=${pkg%%,*}; pkg=${pkg%%:*}
	if [ -n "${closure[$pkg]:-}" ]; then
		src=${why[$pkg]}
	elif [ -n "${in_base[$pkg]:-}" ]; then
		src="base image"
	else
		echo "check-deps: FAIL $stage $what ($f): package $pkg is neither installed by tools/bootstrap.sh (PACKAGES) nor in a fresh machine's base image: add $pkg to PACKAGES"
		bad=$((bad + 1)); continue
	fi
	[ "$verbose" = 1 ] && printf 'check-deps: ok %-5s %-60s %s (%s)\n' "$stage" "$what" "$pkg" "$src"
done <"$needs"

if [ "$bad" -gt 0 ]; then
	echo "check-deps: $bad of $n entries of tests/needs.txt would be missing on a fresh machine"
	exit 1
fi
echo "check-deps: all $n entries of tests/needs.txt come from bootstrap's packages or the base image"
