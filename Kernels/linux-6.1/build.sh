#!/usr/bin/env bash
# build.sh -- build a subset of Linux 6.1 objects for the pvsites A/B.
#
# usage: Kernels/linux-6.1/build.sh [--cache DIR] [-j N] [--config-only]
#                                   [--cc CC] [--source DIR --tag TAG]
#                                   [--full] [--progress]
#                                   MODE OPT RETPOLINE [SUBDIR/...]
#
#   MODE       annotated   the real PVOP_* macros (inline asm + .parainstructions)
#              plain       KCFLAGS=-DPVOPS_PLAIN: PVOP_* are plain C calls
#                          through pv_ops (plain-mode.patch)
#              direct      KCFLAGS=-DPVOPS_DIRECT: PVOP_* are direct calls to
#                          per-op trampolines pv_tramp_<op> (direct-mode.patch,
#                          applied after plain-mode.patch, in a copy of its own)
#   OPT        O2 | Os     CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE / _FOR_SIZE
#   RETPOLINE  on | off    CONFIG_RETPOLINE=y / n
#   SUBDIR/    directories to build (objects only, no vmlinux); default:
#              arch/x86/kernel/ arch/x86/mm/ arch/x86/xen/ mm/ kernel/sched/
#   --cc CC    the compiler (gcc, gcc-11, clang-14, ...), passed as CC=; it is
#              part of the build directory's name
#   --source DIR --tag TAG
#              build a tree the user already has instead of the cache's
#              pristine one; DIR is never written: its hard-link copy
#              <cache>/src/TAG-patched is refreshed with rsync --link-dest on
#              every run (changed files are re-linked, deleted ones removed,
#              the patched files re-patched only when their original changed)
#   --full     also build and link vmlinux (x86_64_defconfig's RANDOMIZE_BASE
#              selects X86_NEED_RELOCS, so arch/x86/Makefile links it with
#              --emit-relocs: the relocations the scan needs stay in it)
#   --progress make without -s: Kbuild's "  CC      path.o" lines on stdout
#
# Layout (<cache> = --cache, else ${PVSITES_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pvsites}/kernels,
# the same cache as scripts/fetch-kernels.sh):
#   <cache>/src/linux-6.1          pristine tree from linux-source-6.1 (never
#                                  modified; this script only reads it)
#   <cache>/src/linux-6.1-patched  hard-link copy (cp -al) with plain-mode.patch
#                                  applied; annotated and plain build from it
#                                  (the patch is inert without -DPVOPS_PLAIN),
#                                  so the two builds differ only in KCFLAGS
#   <cache>/src/linux-6.1-direct-patched
#                                  the same with direct-mode.patch applied on
#                                  top (inert without -DPVOPS_DIRECT, apart from
#                                  an empty pv_tramp.o); the direct build's own
#                                  copy, so that adding it left the annotated and
#                                  plain trees' sources, and objects, as they
#                                  were; its DWARF names linux-6.1-patched's
#                                  paths (-fdebug-prefix-map), as theirs do
#   <cache>/build/<TAG>-<CC>-<OPT>-retpoline-<on|off>-<MODE>
#                                  (TAG 6.1 and CC gcc by default)
#                                  the O= build directory; pvsites.info says
#                                  what it is, pvsites-times.txt how long each
#                                  step took (wall and CPU seconds, and the
#                                  load average when it started);
#                                  pvsites.incomplete is there while a run
#                                  has not completed
#
# .config = x86_64_defconfig + config.fragment + opt-<OPT>.fragment +
# retpoline-<on|off>.fragment (scripts/kconfig/merge_config.sh -m), then
# `make olddefconfig`; every line of the fragments is then checked against the
# final .config and the build stops if one did not survive.  The .config is
# regenerated only when a fragment changes.
#
# Incremental and resumable: it is just make.  Kbuild compiles straight into
# the target (no temp + rename), but deletes the target on error
# (.DELETE_ON_ERROR) and on HUP/INT/QUIT/TERM/PIPE, and writes the .cmd file
# only after the object is complete, so an object left without its .cmd is
# rebuilt.  A SIGKILL in the middle of a *re*build can leave a partial object
# next to the old .cmd that make would trust: when pvsites.incomplete says
# the last run stopped midway, drop-stale.sh first removes every object
# newer than its .cmd.
#
# One kernel build at a time: a lock on <cache>/build/.lock serialises runs.
# Builds run under `nice -n 10` with -j2 unless -j says otherwise.
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() {
    if [ "$1" = 0 ]; then
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    else
        echo "usage: $prog [--cache DIR] [-j N] [--config-only] annotated|plain|direct O2|Os on|off [SUBDIR/...]" >&2
    fi
    exit "$1"
}

cache=${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels
jobs=2
config_only=0
cc=gcc
source= tag=6.1
full=0
quiet=-s
while [ $# -gt 0 ]; do
    case $1 in
        --cache) cache=$2; shift 2 ;;
        --cache=*) cache=${1#*=}; shift ;;
        -j) jobs=$2; shift 2 ;;
        -j*) jobs=${1#-j}; shift ;;
        --config-only) config_only=1; shift ;;
        --cc) cc=$2; shift 2 ;;
        --cc=*) cc=${1#*=}; shift ;;
        --source) source=$2; shift 2 ;;
        --source=*) source=${1#*=}; shift ;;
        --tag) tag=$2; shift 2 ;;
        --tag=*) tag=${1#*=}; shift ;;
        --full) full=1; shift ;;
        --progress) quiet=; shift ;;
        -h|--help) usage 0 ;;
        --) shift; break ;;
        -*) log "unknown option: $1"; usage 2 ;;
        *) break ;;
    esac
done
[ $# -ge 3 ] || usage 2
mode=$1 opt=$2 ret=$3
shift 3
case $mode in annotated|plain|direct) ;; *) log "MODE must be annotated, plain or direct"; usage 2 ;; esac
case $opt in O2|Os) ;; *) log "OPT must be O2 or Os"; usage 2 ;; esac
case $ret in on|off) ;; *) log "RETPOLINE must be on or off"; usage 2 ;; esac
[ $# -gt 0 ] || set -- arch/x86/kernel/ arch/x86/mm/ arch/x86/xen/ mm/ kernel/sched/
subdirs=()
for d in "$@"; do subdirs+=("${d%/}/"); done

# The patches of this mode's source copy, applied in this order; the direct
# mode's copy has its own name (suffix) and pristine checksums.
patches=("$here/plain-mode.patch")
suffix=
if [ "$mode" = direct ]; then patches+=("$here/direct-mode.patch"); suffix=-direct; fi
fragments=("$here/config.fragment" "$here/opt-$opt.fragment" "$here/retpoline-$ret.fragment")
for f in "${patches[@]}" "${fragments[@]}"; do [ -f "$f" ] || die "missing $f"; done

command -v "$cc" >/dev/null || die "compiler $cc is not installed"
case $tag in ''|*/*) die "bad --tag '$tag'" ;; esac
if [ -n "$source" ]; then
    [ "$tag" != 6.1 ] || die "--source needs a --tag of its own"
    pristine=$(cd "$source" && pwd)
    patched=$cache/src/$tag$suffix-patched
    sums=$cache/src/$tag$suffix.pristine.sha256
else
    pristine=$cache/src/linux-6.1
    patched=$cache/src/linux-6.1$suffix-patched
    sums=$cache/src/linux-6.1$suffix.pristine.sha256   # pristine sums of the patched files
fi
build=$cache/build/$tag-$cc-$opt-retpoline-$ret-$mode
[ -f "$pristine/Makefile" ] || die "no kernel tree at $pristine (extract linux-source-6.1 there)"

mkdir -p "$cache/build"
exec 9>"$cache/build/.lock"
flock -n 9 || { log "waiting for another kernel build (lock $cache/build/.lock)"; flock 9; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
# version_of TREE: "Linux X.Y.Z" from the tree's Makefile
version_of() {
    awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 } $1 == "SUBLEVEL" { s = $2 }
        END { printf "Linux %s.%s.%s", v, p, s }' "$1/Makefile"
}
# files the patches touch, relative to the tree root; original_files: those
# the pristine tree has (not the ones a patch creates)
patched_files() { sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "${patches[@]}" | sort -u; }
original_files() { local f; for f in $(patched_files); do [ ! -e "$pristine/$f" ] || echo "$f"; done; }

# --- the patched copy -------------------------------------------------------

# plain-mode.patch's sha256 alone (what the annotated and plain trees have
# always recorded), else that of the patches one after the other
if [ ${#patches[@]} = 1 ]; then patch_sha=$(sha "${patches[0]}")
else patch_sha=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1); fi

check_pristine() {
    # The patched files in the pristine tree must still be the originals and
    # must not share an inode with the patched copy.
    local f
    (cd "$pristine" && sha256sum --quiet -c "$sums") ||
        die "pristine tree $pristine was modified (see $sums)"
    for f in $(original_files); do
        [ "$(stat -c %i "$pristine/$f")" != "$(stat -c %i "$patched/$f")" ] ||
            die "$patched/$f is still hard-linked to the pristine tree"
    done
}

if [ -n "$source" ] && [ -f "$patched/.pvsites-patch.sha256" ]; then
    # A user's tree changes between runs: bring the copy up to date without
    # touching what did not change (make then rebuilds only what did).
    log "refreshing $patched from $pristine"
    excludes=(--exclude=/.pvsites-patch.sha256)
    for f in $(patched_files); do excludes+=(--exclude="/$f"); done
    rsync -a --delete --link-dest="$pristine/" --exclude=/.git "${excludes[@]}" "$pristine/" "$patched/"
    if ! (cd "$pristine" && sha256sum --quiet -c "$sums" >/dev/null 2>&1); then
        log "$pristine changed a file the patch touches: re-patching"
        rm -f "$patched/.pvsites-patch.sha256"
    fi
fi
if [ "$(cat "$patched/.pvsites-patch.sha256" 2>/dev/null)" != "$patch_sha" ]; then
    if [ -n "$source" ]; then
        rm -f "$sums"
        out=$(cd "$pristine" && patch -p1 --dry-run -f < "${patches[0]}" 2>&1) ||
            die "plain-mode.patch (Linux 6.1) does not apply to $pristine ($(version_of "$pristine")): $(printf '%s\n' "$out" | grep -E 'patching file|checking file|FAILED|can.t find file|No file to patch|malformed' | tr '\n' ' ')"
    fi
    [ -f "$sums" ] || (cd "$pristine" && sha256sum $(original_files)) > "$sums"
    (cd "$pristine" && sha256sum --quiet -c "$sums") ||
        die "pristine tree $pristine was modified (see $sums)"
    log "making the patched copy $patched (cp -al + ${patches[*]##*/})"
    rm -rf "$patched.tmp"
    if [ -n "$source" ]; then
        rsync -a --link-dest="$pristine/" --exclude=/.git "$pristine/" "$patched.tmp/"
    else
        cp -al "$pristine" "$patched.tmp"
    fi
    # patch(1) writes each file anew and renames it into place, which breaks
    # the hard link; the pristine inode is left alone.
    for p in "${patches[@]}"; do
        out=$(cd "$patched.tmp" && patch -p1 --no-backup-if-mismatch -s -f < "$p" 2>&1) ||
            die "${p##*/} (Linux 6.1) does not apply to $pristine ($(version_of "$pristine")) after ${patches[0]##*/}: $(printf '%s\n' "$out" | grep -E 'patching file|checking file|FAILED|can.t find file|No file to patch|malformed' | tr '\n' ' ')"
    done
    echo "$patch_sha" > "$patched.tmp/.pvsites-patch.sha256"
    rm -rf "$patched.old"
    [ ! -e "$patched" ] || mv "$patched" "$patched.old"
    mv "$patched.tmp" "$patched"
    rm -rf "$patched.old"
fi
check_pristine
# the last patch reverses (its context includes the ones before it)
(cd "$patched" && patch -p1 -R --dry-run -s -f < "${patches[-1]}" >/dev/null) ||
    die "$patched does not carry ${patches[-1]##*/}; remove it and rerun"

# --- configuration ----------------------------------------------------------

kcflags=
[ "$mode" = plain ] && kcflags=-DPVOPS_PLAIN
# The direct build compiles its own copy: its DWARF names the plain-patched
# copy's paths instead, so that its source keys (file:line inline chains) are
# those of the annotated build, file for file (the lines are the same: the
# direct patch only adds lines to paravirt_types.h after every macro use).
[ "$mode" = direct ] && kcflags="-DPVOPS_DIRECT -fdebug-prefix-map=$patched=${patched%-direct-patched}-patched"
mk() { nice -n 10 make $quiet -C "$patched" O="$build" -j"$jobs" CC="$cc" KCFLAGS="$kcflags" "$@"; }

times=$build/pvsites-times.txt
# cpu_seconds VAR: CPU seconds (user + sys) used so far by the children of
# this shell, into VAR; `times` must run in this shell, not in a $(...)
# subshell, hence the file.
cpu_seconds() {
    times > "$build/.pvsites-times.tmp"
    printf -v "$1" '%s' "$(awk 'NR == 2 { n = split($1 " " $2, t, /[ ms]+/); s = 0
        for (i = 1; i < n; i += 2) s += t[i] * 60 + t[i + 1]; printf "%.1f", s }' \
        "$build/.pvsites-times.tmp")"
}
timed() {   # timed LABEL CMD... : run, log and record wall and CPU time
    local label=$1 t0=$SECONDS c0 c1 rc=0 load
    shift
    cpu_seconds c0
    load=$(cut -d' ' -f1 /proc/loadavg)
    log "$label ..."
    "$@" || rc=$?
    cpu_seconds c1
    # date label wall-seconds status cpu=user+sys-seconds load=1-min-loadavg-at-start
    printf '%s %s %d %s cpu=%s load=%s\n' "$(date -u +%FT%TZ)" "$label" $((SECONDS - t0)) \
        "$([ $rc = 0 ] && echo ok || echo "failed($rc)")" \
        "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", b - a }')" "$load" >> "$times"
    log "$label: $((SECONDS - t0)) s wall$([ $rc = 0 ] || echo ", FAILED ($rc)")"
    return $rc
}

verify_config() {
    local f line sym val bad=0
    for f in "${fragments[@]}"; do
        while IFS= read -r line; do
            case $line in
                CONFIG_*=*)
                    grep -qxF "$line" "$build/.config" || {
                        log "${f##*/}: '$line' did not survive: $(grep -E "(^|# )${line%%=*}[= ]" "$build/.config" || echo absent)"
                        bad=1; } ;;
                '# CONFIG_'*' is not set')
                    sym=${line#\# }; sym=${sym%% *}
                    if val=$(grep -E "^$sym=" "$build/.config"); then
                        log "${f##*/}: '$line' did not survive: $val"; bad=1
                    fi ;;
            esac
        done < "$f"
    done
    return $bad
}

# (called from timed, where set -e does not apply: hence the &&)
make_config() {
    nice -n 10 make -s -C "$patched" O="$build" CC="$cc" x86_64_defconfig &&
    "$patched/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
        "${fragments[@]}" > "$build/pvsites-merge_config.log" &&
    nice -n 10 make -s -C "$patched" O="$build" CC="$cc" olddefconfig
}

mkdir -p "$build"
config_sha=$(cat "${fragments[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$build/pvsites.incomplete" ]; then
    # The last run stopped midway: trust no object it may have been writing.
    if [ "$full" = 1 ]; then stale=$("$here/drop-stale.sh" "$build" .)
    else stale=$("$here/drop-stale.sh" "$build" "${subdirs[@]}"); fi
    log "resuming an interrupted build$([ "$stale" = 0 ] || echo " ($stale half-written objects removed)")"
fi
touch "$build/pvsites.incomplete"
if [ ! -f "$build/.config" ] || [ "$(cat "$build/.pvsites-config.sha256" 2>/dev/null)" != "$config_sha" ]; then
    rm -f "$build/.pvsites-config.sha256"
    timed config make_config
    verify_config || die "$build/.config lost options of the fragments (see above)"
    echo "$config_sha" > "$build/.pvsites-config.sha256"
else
    verify_config || die "$build/.config lost options of the fragments (see above)"
fi
log "$build/.config: all fragment options present"

cat > "$build/pvsites.info" <<EOF
mode $mode
opt $opt
retpoline $ret
kcflags $kcflags
source $patched
pristine $pristine
source-version $( ([ -z "$source" ] && cat "$cache/src/linux-6.1.VERSION" 2>/dev/null) || version_of "$pristine")
patch-sha256 $patch_sha
config-sha256 $config_sha
cc $("$cc" --version | head -1)
subdirs ${subdirs[*]}
full $full
EOF

[ "$config_only" = 0 ] || exit 0

# --- build ------------------------------------------------------------------

timed prepare mk prepare
for d in "${subdirs[@]}"; do
    timed "build $d" mk "$d"
done
[ "$full" = 0 ] || timed "build vmlinux" mk vmlinux
rm -f "$build/pvsites.incomplete"
n=$(find "$build" -name '*.o' | wc -l)
log "done: $build ($n objects)"
echo "$build"
