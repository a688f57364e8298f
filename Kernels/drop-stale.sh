#!/usr/bin/env bash
# drop-stale.sh BUILD_DIR SUBDIR/... -- remove objects an interrupted build
# may have left half-written.
#
# Kbuild writes an object straight into place and its .cmd file (.NAME.o.cmd)
# only once the object is complete (after objtool), so a complete object is
# never newer than its .cmd.  A make killed outright (SIGKILL, a crash, a
# power cut) while *re*building an object leaves the new, partial object
# next to the old .cmd: make would trust it (it is newer than its sources and
# the command line did not change).  This removes every object under the
# subset directories that is newer than its .cmd, so make rebuilds it; an
# object with no .cmd at all is rebuilt by Kbuild anyway.  build.sh runs it
# when the previous run left pvsites.incomplete behind.  Prints the number
# of objects removed.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: ${0##*/} BUILD_DIR [SUBDIR/...]" >&2; exit 2; }
build=$1
shift
[ $# -gt 0 ] || set -- .
n=0
for d in "$@"; do
    [ -d "$build/$d" ] || continue
    while IFS= read -r -d '' o; do
        c=$(dirname "$o")/.$(basename "$o").cmd
        if [ -f "$c" ] && [ "$o" -nt "$c" ]; then
            rm -f "$o"
            n=$((n + 1))
        fi
    done < <(find "$build/$d" -name '*.o' -type f -print0)
done
echo "$n"
