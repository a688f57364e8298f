#!/usr/bin/env bash
# install-debs.sh PACKAGE... -- install the Debian packages that are
# missing: as root, `apt-get update` then `apt-get install`; otherwise print
# the exact apt-get line and exit 1. `make deps` (what pvsites needs) and
# `make kernel-deps` (what the kernel build needs) call it.
set -euo pipefail
missing=()
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
    echo "missing Debian packages; run:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
fi
