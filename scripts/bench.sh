#!/usr/bin/env bash
# bench.sh -- issue 8: how fast pvsites finds the paravirt sites of a real
# Debian kernel, next to the binutils pipelines one would otherwise use.
#
# usage: scripts/bench.sh [PVSITES]        (make bench: builds, then runs this)
#
# 1. Fetches the inputs with scripts/fetch-kernels.sh (apt-get download into
#    the cache; only vmlinux is extracted from the -dbg package):
#      linux-image-6.1.0-NN-amd64      -> <cache>/linux-6.1/modules (~4,000 .ko)
#      linux-image-6.1.0-NN-amd64-dbg  -> <cache>/linux-6.1/vmlinux (~630 MB)
# 2. Warms the page cache, pins every command to BENCH_CPUS CPUs (taskset,
#    when the machine has more), and runs, in turn, BENCH_RUNS rounds of:
#      modules   pvsites compare --no-source --policy decoded
#                find | xargs -P$BENCH_CPUS objdump -dr | grep -c pv_ops    (as one would type it)
#                the same, counted per file (one awk per objdump, line-buffered)
#                find | xargs -P$BENCH_CPUS readelf -rW, counted per file
#      vmlinux   pvsites compare --no-source --policy decoded
#                pvsites reloc --no-source --policy dataflow
#                objdump -dr | grep pv_ops ;  readelf -rW | grep pv_ops
#                pvsites compare --policy decoded (inline chains for every site)
#                addr2line -i -f given the same addresses
#    and prints medians (wall), ratios, peak RSS and what each one counted.
#    eu-addr2line runs once on the same addresses, for reference.
# 3. A scaling run: `pvsites reloc --no-source --policy decoded` over inputs
#    of growing relocation counts against the table (modules, the module
#    tree, vmlinux; vmlinux with a table name it does not have), with a
#    least-squares line through time against references.
# 4. The whole-tree A/B (issue 20), when the 6.1 gcc -O2 retpoline-on trees
#    are built with vmlinux in the kernel cache (pvsites kernel build --full
#    --opt -O2 --retpoline on; skipped, saying so, when not): BENCH_RUNS
#    warm runs of `pvsites kernel study --full --form plain` (every object
#    pair of the two trees, the subset again, and the two vmlinux) beside
#    `objdump -dr | grep -c pv_ops` over the same objects and both vmlinux.
# 5. Checks the targets and exits 1 if one is missed.
#
# Environment: BENCH_RUNS (default 3), BENCH_CPUS (default 2),
# PVSITES_CACHE (as fetch-kernels.sh), BENCH_KEEP=1 keeps the work directory.
# Wall times come from a small C helper (clock_gettime, and the peak RSS of
# the command and its children from getrusage), built with gcc into the cache.
set -euo pipefail

prog=${0##*/}
die() { echo "$prog: error: $*" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
pvsites=${1:-.build/release/pvsites}
[ -x "$pvsites" ] || die "no pvsites binary at $pvsites (make build)"
pvsites=$(cd "$(dirname "$pvsites")" && pwd)/$(basename "$pvsites")
runs=${BENCH_RUNS:-3}
cpus=${BENCH_CPUS:-2}
for tool in objdump readelf addr2line gcc find xargs awk; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

cache=${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}
kernels=$cache/kernels
"$here/fetch-kernels.sh" modules vmlinux >&2
mods=$kernels/linux-6.1/modules
vmlinux=$kernels/linux-6.1/vmlinux
[ -d "$mods" ] && [ -f "$vmlinux" ] || die "fetch-kernels.sh left no $mods or $vmlinux"

work=$(mktemp -d "${TMPDIR:-/tmp}/pvsites-bench.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

# --- the timing helper --------------------------------------------------------
runstat=$cache/bench/runstat
if [ ! -x "$runstat" ] || [ "$here/bench.sh" -nt "$runstat" ]; then
    mkdir -p "$cache/bench"
    cat > "$work/runstat.c" <<'EOF'
/* runstat LOG CMD...: run CMD, append "<wall seconds> <peak RSS KB>" to LOG.
 * Peak RSS is the largest of CMD and the descendants it waited for. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: runstat LOG CMD...\n"); return 2; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) { execvp(argv[2], argv + 2); perror(argv[2]); _exit(127); }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 2; }
    clock_gettime(CLOCK_MONOTONIC, &b);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    FILE *log = fopen(argv[1], "a");
    if (!log) { perror(argv[1]); return 2; }
    fprintf(log, "%.6f %ld\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, ru.ru_maxrss);
    fclose(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
EOF
    gcc -O2 -o "$runstat.tmp" "$work/runstat.c" && mv "$runstat.tmp" "$runstat"
fi

# Pin to $cpus CPUs when there are more, so the numbers mean "2 cores".
pin=()
online=$(getconf _NPROCESSORS_ONLN)
if [ "$online" -gt "$cpus" ] && command -v taskset >/dev/null; then
    pin=(taskset -c "0-$((cpus - 1))")
fi
export PVSITES_JOBS=$cpus

# measure NAME CMD...: one timed run; stdout goes to $work/NAME.out
measure() {
    local name=$1; shift
    "${pin[@]}" "$runstat" "$work/$name.times" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
        local rc=$?
        # grep -c exits 1 when it counts 0; anything else is a failure.
        [ "$rc" = 1 ] && [ -s "$work/$name.out" ] || { cat "$work/$name.err" >&2; die "$name failed (exit $rc)"; }
    }
}
median() { sort -n "$work/$1.times" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'; }
peak_mb() { awk '$2 > m { m = $2 } END { printf "%.0f", m / 1024 }' "$work/$1.times"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f ms", s * 1000 }'; }
secs() { awk -v s="$1" 'BEGIN { printf (s < 10 ? "%.2f s" : "%.1f s"), s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# --- inputs and the page cache -------------------------------------------------
nko=$(find "$mods" -name '*.ko' | wc -l)
mods_mb=$(du -sm "$mods" | cut -f1)
vm_mb=$(( $(stat -c %s "$vmlinux") / 1000000 ))
cat "$vmlinux" > /dev/null
find "$mods" -name '*.ko' -print0 | xargs -0 cat > /dev/null

# The addresses pvsites attaches inline chains to: every reference and site
# of the scan (the annotated sites are a subset), one per line, in hex.
"$pvsites" reloc --no-source --policy dataflow --format json "$vmlinux" |
    awk '/"address" *:/ { gsub(/[^0-9]/, "", $0); print }' | sort -u |
    while read -r a; do printf '%x\n' "$a"; done > "$work/addresses"
naddr=$(wc -l < "$work/addresses")

# Per-file counting for the binutils pipelines: one awk per objdump/readelf
# (its own pipe, so no interleaving), flushed line by line into the shared
# output; the file names come from the tools' own headers.
cat > "$work/objdump-perfile" <<'EOF'
objdump -dr "$@" | awk '/:[[:space:]]+file format / { f = $1 } /pv_ops/ { c[f]++ } END { for (f in c) { print f, c[f]; fflush() } }'
EOF
cat > "$work/readelf-perfile" <<'EOF'
readelf -rW "$@" | awk '/^File: / { f = $2 } /pv_ops/ { c[f]++ } END { for (f in c) { print f, c[f]; fflush() } }'
EOF

echo "pvsites bench: $runs rounds, $cpus CPUs${pin:+ (taskset)}, warm page cache; $(date -u +%Y-%m-%dT%H:%MZ)" >&2
for ((i = 1; i <= runs; i++)); do
    echo "round $i/$runs" >&2
    # modules
    measure m_pvsites "$pvsites" compare --no-source --policy decoded "$mods"
    measure m_objdump sh -c 'find "$1" -name "*.ko" -print0 | xargs -0 -P"$2" objdump -dr | grep -c pv_ops' sh "$mods" "$cpus"
    measure m_objdump_pf sh -c 'find "$1" -name "*.ko" -print0 | xargs -0 -P"$3" -n 64 sh "$2"' sh "$mods" "$work/objdump-perfile" "$cpus"
    measure m_readelf sh -c 'find "$1" -name "*.ko" -print0 | xargs -0 -P"$3" -n 64 sh "$2"' sh "$mods" "$work/readelf-perfile" "$cpus"
    # vmlinux
    measure v_pvsites "$pvsites" compare --no-source --policy decoded "$vmlinux"
    measure v_dataflow "$pvsites" reloc --no-source --policy dataflow "$vmlinux"
    measure v_objdump sh -c 'objdump -dr "$1" | grep pv_ops' sh "$vmlinux"
    measure v_readelf sh -c 'readelf -rW "$1" | grep -E "^Relocation section|pv_ops"' sh "$vmlinux"
    measure v_source "$pvsites" compare --policy decoded "$vmlinux"
    measure v_addr2line addr2line -i -f -e "$vmlinux" < "$work/addresses"
done
have_eu=0
if command -v eu-addr2line >/dev/null; then
    echo "eu-addr2line (once)" >&2
    measure v_eu eu-addr2line -i -f -e "$vmlinux" < "$work/addresses"
    have_eu=1
fi

# --- counts --------------------------------------------------------------------
total_field() { awk -v k="$2" '/^total:/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ "^" k) { gsub(/,/, "", $i); print $i; exit } }' "$work/$1.out"; }
m_annot=$(total_field m_pvsites annotated); m_match=$(total_field m_pvsites matched)
v_annot=$(total_field v_pvsites annotated); v_match=$(total_field v_pvsites matched)
m_od=$(cat "$work/m_objdump.out")
m_od_pf=$(awk '{ s += $2 } END { print s + 0 }' "$work/m_objdump_pf.out")
m_od_pf_files=$(wc -l < "$work/m_objdump_pf.out")
m_re=$(awk '{ s += $2 } END { print s + 0 }' "$work/m_readelf.out")
v_refs=$(awk '/ references, / { print $3 }' "$work/v_dataflow.out")
v_kinds=$(awk '/ references, / { getline; sub(/^ +/, ""); print }' "$work/v_dataflow.out")
v_extra=$(awk '/ references, / { getline; n = split($0, a, ","); for (i = 1; i <= n; i++) { split(a[i], kv, " "); if (kv[1] == "call-reg" || kv[1] == "thunk-call" || kv[1] == "jmp-reg" || kv[1] == "call-base") s += kv[2] } print s + 0 }' "$work/v_dataflow.out")
v_od_lines=$(wc -l < "$work/v_objdump.out")
v_od_relocs=$(grep -cE 'R_X86_64_[A-Z0-9_]+[[:space:]]+pv_ops' "$work/v_objdump.out" || true)
v_re=$(grep -c pv_ops "$work/v_readelf.out" || true)
v_re_text=$(awk '/^Relocation section/ { s = $3; next } /pv_ops/ && s ~ /text/ { n++ } END { print n + 0 }' "$work/v_readelf.out")
a2l_frames=$(wc -l < "$work/v_addr2line.out")

t_m=$(median m_pvsites); t_mod=$(median m_objdump); t_modpf=$(median m_objdump_pf); t_mre=$(median m_readelf)
t_v=$(median v_pvsites); t_vdf=$(median v_dataflow); t_vod=$(median v_objdump); t_vre=$(median v_readelf)
t_vs=$(median v_source); t_a2l=$(median v_addr2line)

row() { printf '  %-46s %9s %8s %7s  %s\n' "$@"; }
echo
echo "== Linux 6.1 modules: $nko .ko, $mods_mb MB (median of $runs) =="
row "" "wall" "vs pv" "RSS" "found"
row "pvsites compare --no-source --policy decoded" "$(secs "$t_m")" "1x" "$(peak_mb m_pvsites) MB" "$m_annot annotated, $m_match matched (decoded)"
row "xargs -P$cpus objdump -dr | grep -c pv_ops" "$(secs "$t_mod")" "$(ratio "$t_mod" "$t_m")" "$(peak_mb m_objdump) MB" "$m_od lines: $((m_od_pf - m_od)) lost to interleaving"
row "  same, counted per file" "$(secs "$t_modpf")" "$(ratio "$t_modpf" "$t_m")" "$(peak_mb m_objdump_pf) MB" "$m_od_pf references in $m_od_pf_files files"
row "xargs -P$cpus readelf -rW, counted per file" "$(secs "$t_mre")" "$(ratio "$t_mre" "$t_m")" "$(peak_mb m_readelf) MB" "$m_re relocations against pv_ops"
echo "  Counted per file, objdump finds the $m_od_pf relocations readelf lists; the one-grep"
echo "  pipeline loses the lines that the two objdumps' output blocks cut in half. Neither"
echo "  tells a call from a load, or a site from a reference: that takes the decode."
echo
echo "== Linux 6.1 vmlinux: $vm_mb MB, $v_refs references to pv_ops (median of $runs) =="
row "" "wall" "vs pv" "RSS" "found"
row "pvsites compare --no-source --policy decoded" "$(secs "$t_v")" "1x" "$(peak_mb v_pvsites) MB" "$v_annot records, $v_match matched"
row "pvsites reloc --no-source --policy dataflow" "$(secs "$t_vdf")" "" "$(peak_mb v_dataflow) MB" "$v_refs refs: $v_kinds"
row "objdump -dr | grep pv_ops" "$(secs "$t_vod")" "$(ratio "$t_vod" "$t_v")" "$(peak_mb v_objdump) MB" "$v_od_lines lines, $v_od_relocs of them relocations"
row "readelf -rW | grep pv_ops" "$(secs "$t_vre")" "$(ratio "$t_vre" "$t_v")" "$(peak_mb v_readelf) MB" "$v_re relocations, $v_re_text in code"
echo "  grep counts references ($v_od_relocs), not sites: $((v_od_relocs - v_match)) are loads, stores, compares"
echo "  and addresses, and the $v_extra calls through a register or retpoline thunk"
echo "  that dataflow finds carry no pv_ops relocation at all."
echo
echo "== vmlinux with source positions: inline chains for $naddr addresses =="
row "pvsites compare --policy decoded (scan + chains)" "$(secs "$t_vs")" "1x" "$(peak_mb v_source) MB" "$v_annot sites, chains for each"
row "addr2line -i -f (same addresses)" "$(secs "$t_a2l")" "$(ratio "$t_a2l" "$t_vs")" "$(peak_mb v_addr2line) MB" "$a2l_frames lines"
if [ "$have_eu" = 1 ]; then
    t_eu=$(median v_eu)
    row "eu-addr2line -i -f (same addresses, 1 run)" "$(secs "$t_eu")" "$(ratio "$t_eu" "$t_vs")" "$(peak_mb v_eu) MB" "$(wc -l < "$work/v_eu.out") lines; $(awk -v e="$t_eu" -v a="$t_a2l" 'BEGIN { printf "%.1fx", e / a }') addr2line"
fi
if [ -d "$kernels/linux-6.12/modules" ]; then
    measure m612 "$pvsites" compare --no-source --policy decoded "$kernels/linux-6.12/modules"
    echo "  (Linux 6.12 modules, $(find "$kernels/linux-6.12/modules" -name '*.ko.xz' | wc -l) .ko.xz decompressed in memory, one run: $(secs "$(median m612)"), $(total_field m612 annotated) direct-call sites, $(total_field m612 matched) matched)"
fi

# --- scaling -------------------------------------------------------------------
echo
echo "== Scaling: pvsites reloc --no-source --policy decoded, median of 5 =="
# Modules with growing numbers of references (from the scan of the tree).
"$pvsites" reloc --no-source --policy decoded "$mods" |
    awk '/^\// && / references to / { sub(/:$/, "", $1); print $2, $1 }' | sort -n > "$work/mod-refs"
series=()
last=
for want in 1 3 10 30 60 100 240; do
    f=$(awk -v w="$want" '$1 >= w { print $2; exit }' "$work/mod-refs")
    if [ -n "$f" ] && [ "$f" != "$last" ]; then series+=("$f"); last=$f; fi
done
# Sets of the modules with the most references, as directories of links.
nwith=$(wc -l < "$work/mod-refs")
for k in 10 50 "$nwith"; do
    mkdir -p "$work/set-$k"
    tail -n "$k" "$work/mod-refs" | while read -r _ f; do ln -sf "$f" "$work/set-$k/$(basename "$f")"; done
    series+=("$work/set-$k")
done
series+=("$mods" "$vmlinux")
# Relocations in code sections (targets with SHF_EXECINSTR), per readelf -SW.
code_relocs() {
    find -L "$1" -type f \( -name '*.ko' -o -name 'vmlinux*' \) -print0 | xargs -0 readelf -SW 2>/dev/null | awk '
        function hex(s,   i, v) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
        function flush(   n) { for (n in type) if (type[n] == "RELA" && index(flags[target[n]], "X")) total += hex(size[n]) / 24
                               delete type; delete flags; delete target; delete size }
        /^File: / { flush() }
        /^  \[ *[0-9]+\]/ {
            line = $0; sub(/^  \[ */, "", line); sub(/\]/, "", line); m = split(line, f, " ")
            n = f[1]; type[n] = f[3]; size[n] = f[6]
            if (m >= 11) { flags[n] = f[8]; target[n] = f[10] } else { flags[n] = ""; target[n] = f[9] }
        }
        END { flush(); printf "%d\n", total }'
}
size_mb() { du -sbL "$1" | awk '{ printf ($1 < 1e7 ? "%.2f" : "%.0f"), $1 / 1e6 }'; }
printf '  %-30s %8s %10s %8s %9s %9s\n' "input" "MB" "code rel." "pv refs" "wall" "fit"
: > "$work/fit"
: > "$work/scale-rows"
scale_one() {  # LABEL PATH [ARGS...]
    local label=$1 path=$2; shift 2
    rm -f "$work/scale.times"
    for _ in 1 2 3 4 5; do measure scale "$pvsites" reloc --no-source --policy decoded "$@" "$path"; done
    local t refs
    t=$(median scale)
    refs=$(awk '/ references, / { print $3 }' "$work/scale.out")
    printf '%s|%s|%s|%s|%s\n' "$label" "$(size_mb "$path")" "$(code_relocs "$path")" "$refs" "$t" >> "$work/scale-rows"
    [ "$label" = "module tree" ] || echo "$refs $t" >> "$work/fit"
}
scale_one "vmlinux, --symbol no_such_table" "$vmlinux" --symbol no_such_table
t_none=$(median scale)
for f in "${series[@]}"; do
    case $f in
        "$mods") scale_one "module tree" "$f" ;;
        "$vmlinux") scale_one "vmlinux" "$f" ;;
        "$work"/set-*) scale_one "${f##*/set-} modules with most refs" "$f" ;;
        *) scale_one "$(basename "$f")" "$f" ;;
    esac
done
t_floor=$(awk 'NR == 2 { print $2 }' "$work/fit")
read -r fit_a fit_b fit_r2 < <(awk '{ n++; x += $1; y += $2; xx += $1 * $1; xy += $1 * $2; yy += $2 * $2 }
    END { b = (n * xy - x * y) / (n * xx - x * x); a = (y - b * x) / n
          r = (n * xy - x * y) / sqrt((n * xx - x * x) * (n * yy - y * y)); print a, b, r * r }' "$work/fit")
while IFS='|' read -r label mb relocs refs t; do
    printf '  %-30s %8s %10s %8s %9s %9s\n' "$label" "$mb" "$relocs" "$refs" "$(ms "$t")" \
        "$(if [ "$label" = "module tree" ]; then echo "-"; else ms "$(awk -v a="$fit_a" -v b="$fit_b" -v r="$refs" 'BEGIN { print a + b * r }')"; fi)"
done < "$work/scale-rows"
echo "  least squares (all but the module tree): wall = $(ms "$fit_a") + $(awk -v b="$fit_b" 'BEGIN { printf "%.1f us", b * 1e6 }') x references (r^2 = $(awk -v r="$fit_r2" 'BEGIN { printf "%.3f", r }'))"
echo "  (module tree: $nko files, most without the table, left out of the fit.) Time follows the"
echo "  references to the table, not the file's size or its relocation count: vmlinux asked"
echo "  for a table it does not have is dismissed after reading its symbol table."

# --- whole tree -----------------------------------------------------------------
# The trees `pvsites kernel build --full --opt -O2 --retpoline on` leaves.
tree_a=$kernels/build/6.1-gcc-O2-retpoline-on-annotated
tree_p=$kernels/build/6.1-gcc-O2-retpoline-on-plain
# Built as kernel study wants them (vmlinux, every default-subset directory,
# the current patches), so that the study below never starts a build:
# `kernel list --full` says so for the annotated and the plain tree.
have_tree=1
if "$pvsites" kernel list --cache "$kernels" --full --opt -O2 --retpoline on --format json > "$work/tree-list.json" 2>/dev/null \
    && [ "$(awk '/"(annotated|plain)" : \{/ { want = 1 } want && /"built" : true/ { n++; want = 0 } /"direct" : \{/ { want = 0 } END { print n + 0 }' "$work/tree-list.json")" = 2 ]; then
    have_tree=0
fi
echo
if [ "$have_tree" = 0 ]; then
    # What kernel study pairs (KernelPairs.treeObjects): every .o but these.
    tree_objects() {
        (cd "$1" && find . -name '*.o' ! -name '*.mod.o' ! -path ./vmlinux.o \
            ! -path './arch/x86/boot/*' ! -path './arch/x86/realmode/rm/*' ! -path './arch/x86/entry/vdso/*' \
            ! -path './arch/x86/tools/*' ! -path './scripts/*' ! -path './tools/*' | sed "s|^\.|$1|")
    }
    { tree_objects "$tree_a"; tree_objects "$tree_p"; echo "$tree_a/vmlinux"; echo "$tree_p/vmlinux"; } > "$work/tree-files"
    ntree=$(($(wc -l < "$work/tree-files") / 2 - 1))
    xargs cat < "$work/tree-files" > /dev/null
    study=("$pvsites" kernel study --cache "$kernels" --full --opt -O2 --retpoline on --form plain --format json -o "$work/tree.json")
    "${study[@]}" 2> "$work/tree-warm.err" || true   # warm (and say what fails)
    rm -f "$work/t_tree.times"
    for ((i = 1; i <= runs; i++)); do
        echo "whole tree, round $i/$runs" >&2
        measure t_tree "${study[@]}"
        measure t_objdump sh -c 'xargs -P"$2" -n 64 objdump -dr < "$1" | grep -c pv_ops' sh "$work/tree-files" "$cpus"
    done
    t_t=$(median t_tree); t_tod=$(median t_objdump)
    echo "== Linux 6.1 whole tree, gcc -O2 retpoline on: $ntree object pairs and vmlinux (median of $runs) =="
    row "" "wall" "vs pv" "RSS" "found"
    row "pvsites kernel study --full --form plain" "$(secs "$t_t")" "1x" "$(peak_mb t_tree) MB" "every pair, every policy, control"
    row "xargs -P$cpus objdump -dr | grep -c pv_ops" "$(secs "$t_tod")" "$(ratio "$t_tod" "$t_t")" "$(peak_mb t_objdump) MB" "$(cat "$work/t_objdump.out") lines (references, not sites)"
    # Per scope: objects, annotated, found by decoded and dataflow.
    if command -v jq >/dev/null; then
        jq -r '.configs[] | "  \(.scope): \(.objects) pairs, \(.policies.decoded.annotated) annotated, decoded \(.policies.decoded.found), dataflow \(.policies.dataflow.found)"' "$work/tree.json"
    fi
else
    echo "== Whole tree: skipped: $tree_a and $tree_p are not built with vmlinux"
    echo "   (pvsites kernel build --full --opt -O2 --retpoline on --form plain) =="
fi

# --- targets -------------------------------------------------------------------
echo
echo "== Targets ($cpus CPUs, warm page cache, same run) =="
missed=0
check() {  # OK? TEXT
    if [ "$1" = 1 ]; then echo "  [met]    $2"; else echo "  [MISSED] $2"; missed=$((missed + 1)); fi
}
ok() { if "$@"; then echo 1; else echo 0; fi; }
check "$(ok le "$t_m" 0.6)" "module tree, compare --no-source decoded: $(secs "$t_m") <= 0.6 s"
check "$(ok le 15 "$(awk -v a="$t_mod" -v b="$t_m" 'BEGIN { print a / b }')")" \
    "module tree: $(ratio "$t_mod" "$t_m") faster than xargs -P$cpus objdump -dr | grep pv_ops (>= 15x)"
check "$(ok le "$t_v" 0.5)" "vmlinux, compare --no-source decoded: $(secs "$t_v") <= 0.5 s"
check "$(ok le "$t_vs" "$t_a2l")" "vmlinux with inline chains for $naddr addresses: $(secs "$t_vs") <= addr2line -i -f $(secs "$t_a2l")"
check "$(ok le "$(peak_mb v_pvsites)" 300)" "vmlinux peak RSS without source positions: $(peak_mb v_pvsites) MB <= 300 MB"
check "$(ok le "$t_none" "$(awk -v t="$t_floor" 'BEGIN { print 2 * t }')")" \
    "a file without the table costs its symbol table: vmlinux $(ms "$t_none") ($vm_mb MB), a 1-reference module $(ms "$t_floor")"
check "$( [ "$m_match" = "$m_annot" ] && [ "$v_match" = "$v_annot" ] && [ "$v_refs" = "$v_od_relocs" ] && [ "$m_od_pf" = "$m_re" ] && echo 1 || echo 0)" \
    "counts agree: modules $m_match/$m_annot and vmlinux $v_match/$v_annot annotated sites matched; $v_refs references = objdump's $v_od_relocs; modules: objdump $m_od_pf = readelf $m_re per file"
if [ "$have_tree" = 0 ]; then
    check "$(ok le "$t_t" 15)" "whole tree and vmlinux, warm kernel study of one configuration: $(secs "$t_t") <= 15 s"
fi
if [ "$missed" = 0 ]; then echo "all targets met"; else echo "$missed target(s) missed"; exit 1; fi
