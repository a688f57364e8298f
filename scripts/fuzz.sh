#!/usr/bin/env bash
# fuzz.sh -- run the libFuzzer target over the whole path (parse -> macro
# -> reloc -> compare) for a given time; `make fuzz` calls it.
#
# usage: scripts/fuzz.sh PVSITES FUZZER SECONDS [LIBFUZZER-OPTION...]
#
# Seeds (rebuilt on every run, in <work>/seeds): corpus objects of two
# variants at -O2 and -Os in both modes, for every compiler present, and
# the smallest annotated linked image, built with `pvsites corpus build`; and, when scripts/fetch-kernels.sh has fetched
# them, a few real modules (6.1 .ko, 6.12 .ko.xz, and one recompressed
# with gzip and zstd). libFuzzer's own corpus (<work>/corpus) is kept
# between runs. Crashes go to <work>/crashes/; replay one with a plain
# build: `swift build --product pvsites-fuzz && .build/debug/pvsites-fuzz FILE`.
#
# <work> is $FUZZ_DIR, default .build-fuzz/fuzz. At the end: the number of
# executions and the coverage libFuzzer reached (cov: edges, ft: features).
set -euo pipefail
pvsites=$1 fuzzer=$2 seconds=$3
shift 3
work=${FUZZ_DIR:-.build-fuzz/fuzz}
seeds=$work/seeds live=$work/corpus crashes=$work/crashes
mkdir -p "$seeds" "$live" "$crashes"
rm -f "$seeds"/*

"$pvsites" corpus build --out "$work/corpus-build" --variant kernel --variant retpoline \
  --opt=-O2 --opt=-Os >/dev/null
n=0
for f in "$work"/corpus-build/obj/*.o; do
  cp "$f" "$seeds/$(basename "$f")"; n=$((n + 1))
done
# The smallest annotated linked image, without its DWARF (objects bring
# DWARF; a 40 KB image keeps executions fast where a 200 KB one would not).
img=$(ls -S "$work"/corpus-build/img/*-annotated-*.elf | tail -n 1)
objcopy --strip-debug "$img" "$seeds/image-$(basename "$img")"; n=$((n + 1))

kernels=${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels
for m in linux-6.1/modules/arch/x86/kernel/cpuid.ko linux-6.1/modules/arch/x86/events/rapl.ko \
         linux-6.12/modules/arch/x86/kernel/cpuid.ko.xz linux-6.12/modules/arch/x86/events/rapl.ko.xz; do
  [ -f "$kernels/$m" ] || continue
  cp "$kernels/$m" "$seeds/$(echo "$m" | tr / _)"; n=$((n + 1))
done
if [ -f "$kernels/linux-6.1/modules/arch/x86/kernel/cpuid.ko" ]; then
  gzip -c "$kernels/linux-6.1/modules/arch/x86/kernel/cpuid.ko" >"$seeds/cpuid.ko.gz"
  zstd -q -c "$kernels/linux-6.1/modules/arch/x86/kernel/cpuid.ko" >"$seeds/cpuid.ko.zst"
  n=$((n + 2))
fi
echo "fuzz: $n seeds in $seeds, corpus $live, ${seconds}s"

log=$work/last.log
set +e
SWIFT_BACKTRACE=enable=no "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
  -artifact_prefix="$crashes/" "$@" "$live" "$seeds" >"$log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^==[0-9]+==|SUMMARY|^stat::|Test unit written' "$log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
final=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
[ -n "$final" ] || final=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
cov=$(echo "$final" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(echo "$final" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
echo "fuzz: ${execs:-?} executions, cov: ${cov:-?} ft: ${ft:-?}, exit $status (log: $log)"
exit $status
