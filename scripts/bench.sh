#!/usr/bin/env bash
# Benchmarks (issue 8). Placeholder until the scan lands: times objinfo
# against readelf on the fetched kernel modules, as a ratio.
set -euo pipefail
pvsites=${1:-.build/release/pvsites}
cache=${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels
./scripts/fetch-kernels.sh modules >&2
mods=$cache/linux-6.1/modules
t0=$(date +%s.%N); "$pvsites" objinfo "$mods" >/dev/null; t1=$(date +%s.%N)
find "$mods" -name '*.ko' -print0 | xargs -0 -P2 -n 64 readelf -rW >/dev/null; t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "pvsites objinfo %.2fs, readelf -rW %.2fs, ratio %.1fx\n", b-a, c-b, (c-b)/(b-a) }'
