#!/usr/bin/env bash
# build.sh -- build a subset of a Linux version's objects (or the whole
# kernel) for the pvsites A/B.
#
# usage: Kernels/build.sh --kernel VERSION [--kernels DIR] [--cache DIR] [-j N]
#                         [--config-only] [--plan] [--cc CC]
#                         [--source DIR --tag TAG] [--full] [--progress]
#                         MODE OPT RETPOLINE [SUBDIR/...]
#
#   --kernel VERSION
#              the version: Kernels/linux-VERSION/version.info describes it
#              (Debian package, record section, patches per mode, KCFLAGS
#              per mode, defconfig and fragments, Kconfig names, subset);
#              nothing about a version is written in this script
#   --kernels DIR
#              where the linux-VERSION/ directories are (default: this
#              script's directory)
#   MODE       annotated   the real PVOP_* macros (inline asm + records)
#              plain       KCFLAGS=-DPVOPS_PLAIN: PVOP_* are plain C calls
#                          through the ops table (plain-mode.patch)
#              direct      KCFLAGS=-DPVOPS_DIRECT: PVOP_* are direct calls to
#                          per-op trampolines pv_tramp_<op> (direct-mode.patch,
#                          applied after plain-mode.patch, in a copy of its own)
#              (each mode's patches and KCFLAGS: patches-MODE, kcflags-MODE)
#   OPT        O2 | Os     CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE / _FOR_SIZE
#   RETPOLINE  on | off    CONFIG_RETPOLINE=y / n (kconfig-retpoline)
#   SUBDIR/    directories to build (objects only, no vmlinux); default: the
#              descriptor's subset (6.1: arch/x86/kernel/ arch/x86/mm/
#              arch/x86/xen/ mm/ kernel/sched/)
#   --cc CC    the compiler (gcc, gcc-11, clang, clang-14, ...); part of the
#              build directory's name. gcc*: make CC=CC (GNU binutils).
#              clang-N: make LLVM=-N, the LLVM toolchain as the kernel
#              documents it (Documentation/kbuild/llvm.rst: clang-N,
#              ld.lld-N, llvm-objcopy-N, llvm-ar-N, llvm-nm-N, ...; Debian
#              packages clang-N lld-N llvm-N); clang: LLVM=1
#   --plan     resolve the descriptor and print what would be done, one
#              `key value` per line (tree, copy, patches, fragments, build
#              directory, make variables, targets, checksums), then exit 0;
#              builds nothing, takes no lock, needs no tree
#   --source DIR --tag TAG
#              build a tree the user already has instead of the cache's
#              pristine one; DIR is never written: its hard-link copy
#              <cache>/src/TAG-patched is refreshed with rsync --link-dest on
#              every run (changed files are re-linked, deleted ones removed,
#              the patched files re-patched only when their original changed)
#   --full     build the whole tree and link vmlinux and bzImage
#              (x86_64_defconfig's RANDOMIZE_BASE selects X86_NEED_RELOCS,
#              so arch/x86/Makefile links vmlinux with --emit-relocs: the
#              relocations the scan needs stay in it; bzImage boots it under
#              QEMU)
#   --records FILE.S
#              the boot proof's second link: FILE.S (from `pvsites records`)
#              holds .parainstructions records a scan made for this built
#              (--full) plain or direct tree; they are linked into
#              the tree with make PVSITES_RECORDS=FILE vmlinux bzImage
#              (plain-mode.patch's arch/x86/kernel/pv_records.S includes
#              it); vmlinux, System.map and bzImage are kept in
#              <build>-records-NAME (NAME: FILE without .S), then the tree
#              is relinked without them. Prints that directory.
#   --progress make without -s: Kbuild's "  CC      path.o" lines on stdout
#
# Layout (<cache> = --cache, else ${PVSITES_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pvsites}/kernels,
# the same cache as scripts/fetch-kernels.sh; V = VERSION):
#   <cache>/src/linux-V            pristine tree from the descriptor's package
#                                  (never modified; this script only reads it)
#   <cache>/src/linux-V-patched    hard-link copy (cp -al) with the annotated
#                                  mode's patches applied (6.1: plain-mode.patch);
#                                  annotated and plain build from it (the patch
#                                  is inert without -DPVOPS_PLAIN), so the two
#                                  builds differ only in KCFLAGS
#   <cache>/src/linux-V-direct-patched
#                                  a mode whose patches differ gets its own copy
#                                  (6.1 direct: direct-mode.patch on top, inert
#                                  without -DPVOPS_DIRECT, apart from an empty
#                                  pv_tramp.o), so that adding it left the
#                                  annotated and plain trees' sources, and
#                                  objects, as they were; its DWARF names the
#                                  shared copy's paths (-fdebug-prefix-map), as
#                                  theirs do
#   <cache>/build/<TAG>-<CC>-<OPT>-retpoline-<on|off>-<MODE>
#                                  (TAG V and CC gcc by default)
#                                  the O= build directory; pvsites.info says
#                                  what it is, pvsites-times.txt how long each
#                                  step took (wall and CPU seconds, and the
#                                  load average when it started);
#                                  pvsites.incomplete is there while a run
#                                  has not completed
#
# .config = defconfig + the descriptor's fragments (6.1: config.fragment +
# opt-<OPT>.fragment + retpoline-<on|off>.fragment; scripts/kconfig/merge_config.sh
# -m), then `make olddefconfig`; every line of the fragments is then checked
# against the final .config and the build stops if one did not survive, or if
# the .config's toolchain (CONFIG_CC_IS_CLANG, CONFIG_LD_IS_LLD) is not the
# one asked for.  The .config is regenerated only when a fragment or the
# toolchain changes.
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
# Locks: <cache>/src/<copy>-patched.lock, exclusive while the patched copy is
# made, shared while a build reads it; <cache>/build/<tree>.lock, one run per
# tree. Two trees build at once only when asked to (each -j2, niced).
# Builds run under `nice -n 10` with -j2 unless -j says otherwise.
set -euo pipefail

# The whole script is one brace group, which bash reads to its end before
# running any of it: editing this file (a git checkout) while a build runs
# cannot change what that build does. (Not indented, to keep it readable.)
{
prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() {
    if [ "$1" = 0 ]; then
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    else
        echo "usage: $prog --kernel VERSION [--cache DIR] [-j N] [--config-only] [--plan] annotated|plain|direct O2|Os on|off [SUBDIR/...]" >&2
    fi
    exit "$1"
}

cache=${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels
kernels=$here
kernel=
jobs=2
config_only=0
plan=0
cc=gcc
source= tag=
full=0
records=
quiet=-s
while [ $# -gt 0 ]; do
    case $1 in
        --kernel) kernel=$2; shift 2 ;;
        --kernel=*) kernel=${1#*=}; shift ;;
        --kernels) kernels=$2; shift 2 ;;
        --kernels=*) kernels=${1#*=}; shift ;;
        --cache) cache=$2; shift 2 ;;
        --cache=*) cache=${1#*=}; shift ;;
        -j) jobs=$2; shift 2 ;;
        -j*) jobs=${1#-j}; shift ;;
        --config-only) config_only=1; shift ;;
        --plan) plan=1; shift ;;
        --cc) cc=$2; shift 2 ;;
        --cc=*) cc=${1#*=}; shift ;;
        --source) source=$2; shift 2 ;;
        --source=*) source=${1#*=}; shift ;;
        --tag) tag=$2; shift 2 ;;
        --tag=*) tag=${1#*=}; shift ;;
        --full) full=1; shift ;;
        --records) records=$2; shift 2 ;;
        --records=*) records=${1#*=}; shift ;;
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
# the versions $kernels describes: 6.1 6.12
known() { (cd "$kernels" && ls -d linux-*/version.info 2>/dev/null | sed 's|^linux-||;s|/version.info$||' | paste -sd' '); }
[ -n "$kernel" ] || { log "--kernel VERSION is required (one of: $(known))"; usage 2; }
case $mode in annotated|plain|direct) ;; *) log "MODE must be annotated, plain or direct"; usage 2 ;; esac
case $opt in O2|Os) ;; *) log "OPT must be O2 or Os"; usage 2 ;; esac
case $ret in on|off) ;; *) log "RETPOLINE must be on or off"; usage 2 ;; esac
case $kernel in */*|.*|'') die "bad --kernel '$kernel'" ;; esac

# --- the version's descriptor -------------------------------------------------

files=$(cd "$kernels" 2>/dev/null && pwd)/linux-$kernel
descriptor=$files/version.info
[ -f "$descriptor" ] || die "no descriptor $descriptor (known: $(known))"
declare -A desc=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    read -r key value <<< "$line" || true
    [ -n "${key:-}" ] || continue
    case $key in *[!a-zA-Z0-9_-]*) die "$descriptor:$lineno: bad key '$key'" ;; esac
    desc[$key]=${value:-}
done < "$descriptor"
# need KEY: the descriptor's value, or stop naming the descriptor and the key
need() { [ -n "${desc[$1]+set}" ] || die "$descriptor: no '$1' line"; printf '%s' "${desc[$1]}"; }
package=$(need package)
record_section=$(need record-section)
table=$(need table)
defconfig=$(need defconfig)
kconfig_retpoline=$(need kconfig-retpoline)
kconfig_opt=$(need "kconfig-opt-$opt")
# (each list into a variable first: a failing $(...) in a here-string
# would not stop the script)
list=$(need "patches-$mode"); read -r -a patch_names <<< "$list"
list=$(need patches-annotated); read -r -a annotated_patch_names <<< "$list"
list=$(need fragments); read -r -a fragment_names <<< "$list"
list=$(need subset); read -r -a default_subset <<< "$list"
kcflags=${desc[kcflags-$mode]:-}
# make-vars: variables on every make command line of this version (6.12's
# postlink strips vmlinux's relocations; the study needs them).
list=${desc[make-vars]:-}; read -r -a make_vars <<< "$list"
[ ${#patch_names[@]} -gt 0 ] || die "$descriptor: 'patches-$mode' names no patch"
[ ${#default_subset[@]} -gt 0 ] || die "$descriptor: 'subset' names no directory"
[ $# -gt 0 ] || set -- "${default_subset[@]}"
subdirs=()
for d in "$@"; do subdirs+=("${d%/}/"); done

# The patches of this mode's source copy, applied in this order. A mode
# with the annotated mode's patches shares its copy; another has its own,
# named after the mode (suffix), with its own pristine checksums.
patches=() fragments=()
for p in "${patch_names[@]}"; do patches+=("$files/$p"); done
suffix=
[ "${patch_names[*]}" = "${annotated_patch_names[*]}" ] || suffix=-$mode
for f in "${fragment_names[@]}"; do f=${f//\{opt\}/$opt}; fragments+=("$files/${f//\{retpoline\}/$ret}"); done
for f in "${patches[@]}" "${fragments[@]}"; do [ -f "$f" ] || die "missing $f (named in $descriptor)"; done

# --- the toolchain ------------------------------------------------------------

# make variables that pick the toolchain, and the commands it needs with
# their Debian packages (tool:package)
case $cc in
    clang-[0-9]*)
        n=${cc#clang-}
        toolchain=("LLVM=-$n")
        tools=("clang-$n:clang-$n" "ld.lld-$n:lld-$n" "llvm-ar-$n:llvm-$n" "llvm-nm-$n:llvm-$n"
               "llvm-objcopy-$n:llvm-$n" "llvm-objdump-$n:llvm-$n" "llvm-readelf-$n:llvm-$n" "llvm-strip-$n:llvm-$n") ;;
    clang)
        toolchain=("LLVM=1")
        tools=("clang:clang" "ld.lld:lld" "llvm-ar:llvm" "llvm-nm:llvm" "llvm-objcopy:llvm"
               "llvm-objdump:llvm" "llvm-readelf:llvm" "llvm-strip:llvm") ;;
    *)
        toolchain=("CC=$cc")
        tools=("$cc:$cc") ;;
esac
is_llvm=0
case $toolchain in LLVM=*) is_llvm=1 ;; esac

case $tag in */*) die "bad --tag '$tag'" ;; esac
if [ -n "$source" ]; then
    [ -n "$tag" ] && [ "$tag" != "$kernel" ] || die "--source needs a --tag of its own"
    pristine=$(cd "$source" && pwd)
    patched=$cache/src/$tag$suffix-patched
    sums=$cache/src/$tag$suffix.pristine.sha256
else
    tag=$kernel
    pristine=$cache/src/linux-$kernel
    patched=$cache/src/linux-$kernel$suffix-patched
    sums=$cache/src/linux-$kernel$suffix.pristine.sha256   # pristine sums of the patched files
fi
shared=${patched%"$suffix-patched"}-patched   # the annotated mode's copy
build=$cache/build/$tag-$cc-$opt-retpoline-$ret-$mode

sha() { sha256sum "$1" | cut -d' ' -f1; }
# The patches' sha256, one after the other (one patch: that file's sha256,
# what the annotated and plain trees have always recorded)
patch_sha=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)
config_sha=$(cat "${fragments[@]}" | sha256sum | cut -d' ' -f1)
# The direct build compiles its own copy: its DWARF names the shared copy's
# paths instead, so that its source keys (file:line inline chains) are those
# of the annotated build, file for file (the lines are the same: the direct
# patch only adds lines to paravirt_types.h after every macro use).
[ -z "$suffix" ] || kcflags="${kcflags:+$kcflags }-fdebug-prefix-map=$patched=$shared"
targets=(prepare "${subdirs[@]}")
[ "$full" = 0 ] || targets+=(vmlinux bzImage)

# The fragments must set the option the descriptor names for the opt level
# and the retpoline setting (a Kconfig rename the fragments missed).
grep -qxF "$kconfig_opt=y" "${fragments[@]}" ||
    die "no fragment sets $kconfig_opt=y (kconfig-opt-$opt in $descriptor): ${fragments[*]##*/}"
if [ "$ret" = on ]; then want_ret="$kconfig_retpoline=y"; else want_ret="# $kconfig_retpoline is not set"; fi
grep -qxF "$want_ret" "${fragments[@]}" ||
    die "no fragment says '$want_ret' (kconfig-retpoline in $descriptor): ${fragments[*]##*/}"

if [ "$plan" = 1 ]; then
    cat <<PLAN
kernel $kernel
descriptor $descriptor
package $package
record-section $record_section
record-layout ${desc[record-layout]:-}
table $table
mode $mode
opt $opt
retpoline $ret
pristine $pristine$([ -f "$pristine/Makefile" ] || echo " (not there)")
copy $patched
patches ${patches[*]}
patch-sha256 $patch_sha
defconfig $defconfig
fragments ${fragments[*]}
config-sha256 $config_sha
kconfig $kconfig_opt=y $want_ret
build $build
make -C $patched O=$build -j$jobs ${toolchain[*]}${make_vars[*]:+ ${make_vars[*]}} KCFLAGS=$kcflags
targets ${targets[*]}
tools ${tools[*]%%:*}
PLAN
    exit 0
fi

# Every command of the toolchain, before anything is done.
missing=() packages=()
for t in "${tools[@]}"; do
    command -v "${t%%:*}" >/dev/null || { missing+=("${t%%:*}"); packages+=("${t#*:}"); }
done
[ ${#missing[@]} = 0 ] ||
    die "compiler $cc is not installed: no ${missing[*]} (Debian: apt-get install $(printf '%s\n' "${packages[@]}" | awk '!seen[$0]++' | paste -sd' '))"
# The rest of what this script and Kbuild run (Kconfig's parser needs flex
# and bison, kernel/time/timeconst.bc bc), named now rather than by make
# deep in its output; `make kernel-deps` installs them.
needed=(make:make patch:patch flex:flex bison:bison bc:bc)
[ -z "$source" ] || needed+=(rsync:rsync)
missing=() packages=()
for t in "${needed[@]}"; do
    command -v "${t%%:*}" >/dev/null || { missing+=("${t%%:*}"); packages+=("${t#*:}"); }
done
[ ${#missing[@]} = 0 ] ||
    die "the kernel build needs ${missing[*]} (Debian: apt-get install ${packages[*]}; or make kernel-deps)"
[ -f "$pristine/Makefile" ] || die "no kernel tree at $pristine (extract $package there)"

mkdir -p "$cache/build" "$cache/src"
# The patched copy is locked exclusively while it is checked and (re)made,
# then shared for as long as this build reads it; the tree is locked for
# the build. So a records link (--records) waits only for a build of its
# own tree, not for every other tree in the cache.
exec 8>"$patched.lock"
# Exclusive only when the copy is to be made or refreshed (a user's tree is
# refreshed on every run); a copy that is up to date is read under a shared
# lock at once, even while other trees build from it.
stale_copy() { [ -n "$source" ] || [ "$(cat "$patched/.pvsites-patch.sha256" 2>/dev/null)" != "$patch_sha" ]; }
if stale_copy; then
    flock -n -x 8 || { log "waiting for the builds that read $patched (lock $patched.lock)"; flock -x 8; }
else
    flock -n -s 8 || { log "waiting while $patched is made (lock $patched.lock)"; flock -s 8; }
    # made again for other patches while this run waited
    if stale_copy; then flock -u 8; flock -x 8; fi
fi

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
            die "${patches[0]##*/} (Linux $kernel) does not apply to $pristine ($(version_of "$pristine")): $(printf '%s\n' "$out" | grep -E 'patching file|checking file|FAILED|can.t find file|No file to patch|malformed' | tr '\n' ' ')"
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
            die "${p##*/} (Linux $kernel) does not apply to $pristine ($(version_of "$pristine")) after ${patches[0]##*/}: $(printf '%s\n' "$out" | grep -E 'patching file|checking file|FAILED|can.t find file|No file to patch|malformed' | tr '\n' ' ')"
    done
    # A file whose patched text is what the previous copy had keeps that
    # copy's timestamp, so a change to one patch rebuilds what it changed,
    # not every object that includes a header the patches touch.
    if [ -d "$patched" ]; then
        for f in $(patched_files); do
            if [ -f "$patched/$f" ] && cmp -s "$patched/$f" "$patched.tmp/$f"; then
                touch -r "$patched/$f" "$patched.tmp/$f"
            fi
        done
    fi
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
flock -s 8
exec 9>"$build.lock"
flock -n 9 || { log "waiting for another build of this tree (lock $build.lock)"; flock 9; }

# --- configuration ----------------------------------------------------------

mk() { nice -n 10 make $quiet -C "$patched" O="$build" -j"$jobs" "${toolchain[@]}" ${make_vars[@]+"${make_vars[@]}"} KCFLAGS="$kcflags" "$@"; }

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

# The .config was made by the toolchain asked for (Kconfig records what it
# found: a tree configured with CC=clang alone has CONFIG_LD_IS_BFD).
toolchain_ok() {
    if [ "$is_llvm" = 1 ]; then
        grep -qx CONFIG_CC_IS_CLANG=y "$build/.config" && grep -qx CONFIG_LD_IS_LLD=y "$build/.config"
    else
        grep -qx CONFIG_CC_IS_GCC=y "$build/.config" && ! grep -qx CONFIG_LD_IS_LLD=y "$build/.config"
    fi
}

# (called from timed, where set -e does not apply: hence the &&)
make_config() {
    nice -n 10 make -s -C "$patched" O="$build" "${toolchain[@]}" "$defconfig" &&
    "$patched/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
        "${fragments[@]}" > "$build/pvsites-merge_config.log" &&
    nice -n 10 make -s -C "$patched" O="$build" "${toolchain[@]}" olddefconfig
}

if [ -n "$records" ]; then
    [ "$mode" != annotated ] || die "--records links a scan's records into a plain or direct tree, not the annotated one"
    [ -f "$records" ] || die "--records $records: no such file"
    [ -f "$build/vmlinux" ] && [ ! -f "$build/pvsites.incomplete" ] ||
        die "--records: $build is not a complete --full build (build it first)"
    records=$(cd "$(dirname "$records")" && pwd)/$(basename "$records")
    name=$(basename "$records" .S)
    rbuild=$build-records-$name
    # Linked in the tree itself, under the lock: make relinks only
    # pv_records.o and vmlinux (a copy of the tree, made elsewhere, was
    # rebuilt whole by Kbuild); the images are kept in $rbuild, then the
    # tree is relinked without the records, so it is what it was.
    # The same records into the same tree (its pvsites.info: patches,
    # config, compiler) were linked before: the kept images are reused, and
    # the boot's layout check still compares them with the tree's vmlinux.
    records_sum=$(sha "$records") tree_sum=$(sha "$build/pvsites.info")
    if [ -f "$rbuild/arch/x86/boot/bzImage" ] && [ -f "$rbuild/vmlinux" ] &&
       grep -qxF "records-sha256 $records_sum" "$rbuild/pvsites.info" 2>/dev/null &&
       grep -qxF "tree-info-sha256 $tree_sum" "$rbuild/pvsites.info" 2>/dev/null; then
        log "reusing $rbuild (the same records, linked into the same tree)"
        echo "$rbuild"
        exit 0
    fi
    mkdir -p "$rbuild"
    times=$rbuild/pvsites-times.txt
    restore() { mk vmlinux bzImage; }
    trap 'restore >/dev/null 2>&1 || true' EXIT
    timed "link records $name" mk PVSITES_RECORDS="$records" vmlinux bzImage
    mkdir -p "$rbuild/arch/x86/boot"
    cp "$build/vmlinux" "$build/System.map" "$rbuild/"
    cp "$build/arch/x86/boot/bzImage" "$rbuild/arch/x86/boot/"
    printf 'records %s\nbuild %s\nrecords-sha256 %s\ntree-info-sha256 %s\n' "$records" "$build" \
        "$records_sum" "$tree_sum" > "$rbuild/pvsites.info"
    trap - EXIT
    timed "relink without records" restore
    echo "$rbuild"
    exit 0
fi

mkdir -p "$build"
if [ -f "$build/pvsites.incomplete" ]; then
    # The last run stopped midway: trust no object it may have been writing.
    if [ "$full" = 1 ]; then stale=$("$here/drop-stale.sh" "$build" .)
    else stale=$("$here/drop-stale.sh" "$build" "${subdirs[@]}"); fi
    log "resuming an interrupted build$([ "$stale" = 0 ] || echo " ($stale half-written objects removed)")"
fi
touch "$build/pvsites.incomplete"
if [ ! -f "$build/.config" ] || [ "$(cat "$build/.pvsites-config.sha256" 2>/dev/null)" != "$config_sha" ] ||
   ! toolchain_ok; then
    rm -f "$build/.pvsites-config.sha256"
    timed config make_config
    verify_config || die "$build/.config lost options of the fragments (see above)"
    toolchain_ok || die "$build/.config is not configured for ${toolchain[*]}: $(grep -E '^CONFIG_(CC|LD)_IS_' "$build/.config" | tr '\n' ' ')"
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
source-version $( ([ -z "$source" ] && cat "$cache/src/linux-$kernel.VERSION" 2>/dev/null) || version_of "$pristine")
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
# An image linked without its relocations (before make-vars kept them) is
# linked again; nothing is recompiled.
if [ "$full" = 1 ] && [ -f "$build/vmlinux" ] && ! readelf -S "$build/vmlinux" | grep -q '\.rela\.text'; then
    log "$build/vmlinux has no relocations (--emit-relocs): linking it again"
    rm -f "$build/vmlinux"
fi
[ "$full" = 0 ] || timed "build vmlinux bzImage" mk vmlinux bzImage
rm -f "$build/pvsites.incomplete"
n=$(find "$build" -name '*.o' | wc -l)
log "done: $build ($n objects)"
echo "$build"
exit 0
}
