#!/usr/bin/env bash
# The default study on the built-in corpus. Until `pvsites study` lands,
# compile one corpus object and show what ObjectFile sees in it.
set -euo pipefail
pvsites=${1:-.build/release/pvsites}
if "$pvsites" study --help >/dev/null 2>&1; then
  exec "$pvsites" study
fi
out=.build/pvsites-study
mkdir -p "$out"
src=$(ls Corpus/src/*.c | head -n 1)
gcc -O2 -g -ICorpus/include -DPVOPS_ANNOTATE -c "$src" -o "$out/annotated.o"
gcc -O2 -g -ICorpus/include -c "$src" -o "$out/plain.o"
"$pvsites" objinfo "$out/annotated.o" "$out/plain.o"
