#!/usr/bin/env bash
# soak-long.sh [MODE] [MINUTES] - the soak of t-soak.sh for longer than CI
# affords (default: gw-swan for 30 minutes), in one lab VM.  Not part of
# run-all.sh; run it by hand before a release and quote its last lines.
#
#   GW_BUILD=build tests/lab/soak-long.sh gw-gw 30
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-gw-swan}
mins=${2:-30}
secs=$((mins * 60))
LAB_TIMEOUT=$((secs + 300)) exec "$here/lab.sh" "$here/t-soak.sh" "$mode" "$secs"
