#!/usr/bin/env bash
# fetch-kernels.sh -- fetch the real Debian 12 kernel inputs for pvsites.
#
# usage: scripts/fetch-kernels.sh [modules|vmlinux|6.12|all]...
#                                             (default: modules 6.12)
#
#   modules  linux-6.1: the package linux-image-amd64 depends on
#            (linux-image-6.1.0-NN-amd64, ~70 MB .deb); extracts
#            lib/modules/*/kernel/**/*.ko      -> <cache>/linux-6.1/modules/
#   vmlinux  linux-6.1: the matching linux-image-6.1.0-NN-amd64-dbg
#            (~860 MB .deb, ~5.6 GB unpacked, only vmlinux is extracted);
#            usr/lib/debug/boot/vmlinux-*      -> <cache>/linux-6.1/vmlinux
#   6.12     linux-6.12: newest linux-image-6.12.*+deb12-amd64-unsigned
#            (~107 MB .deb, from bookworm-security); extracts
#            lib/modules/*/kernel/**/*.ko.xz   -> <cache>/linux-6.12/modules/
#   all      modules vmlinux 6.12
#
# The cache lives outside the repository:
#   <cache> = ${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels
# Downloaded .debs are kept in <cache>/debs/ (set PVSITES_KEEP_DEBS=0 to
# delete each one after extraction).  Each <cache>/<name>/VERSION lists
# "<part> <package> <version> <kernel-release>" per extracted part.
# Module trees keep the layout below lib/modules/<release>/kernel/, e.g.
# <cache>/linux-6.1/modules/arch/x86/kvm/kvm.ko.
#
# Overrides (for pinning): PVSITES_LINUX61_PKG=linux-image-6.1.0-NN-amd64,
# PVSITES_LINUX612_PKG=linux-image-6.12.X+deb12-amd64-unsigned.
#
# Idempotent: a part whose VERSION line matches the resolved package and
# version, and whose output exists, is skipped.  Extraction goes to a
# temporary directory and is moved into place, so an interrupted run leaves
# no half-extracted tree.  Progress goes to stderr; the resulting paths are
# printed on stdout, one per line.
#
# Needs: apt-get, apt-cache, dpkg-deb, tar, flock.  Run `apt-get update`
# first if the package lists are missing (done automatically when root).
set -euo pipefail

prog=${0##*/}
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    if [ "$1" = 0 ]; then
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    else
        echo "usage: $prog [modules|vmlinux|6.12|all]...  (default: modules 6.12; -h for help)" >&2
    fi
    exit "$1"
}

cache=${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels
keep_debs=${PVSITES_KEEP_DEBS:-1}

want_modules=0 want_vmlinux=0 want_612=0
[ $# -gt 0 ] || set -- modules 6.12
for arg in "$@"; do
    case $arg in
        modules) want_modules=1 ;;
        vmlinux) want_vmlinux=1 ;;
        6.12) want_612=1 ;;
        all) want_modules=1 want_vmlinux=1 want_612=1 ;;
        -h|--help) usage 0 ;;
        *) log "unknown argument: $arg"; usage 2 ;;
    esac
done

for tool in apt-get apt-cache dpkg-deb tar flock; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian/Ubuntu host needed)"
done

mkdir -p "$cache/debs"
exec 9>"$cache/.lock"
flock -n 9 || { log "waiting for another $prog run (lock $cache/.lock)"; flock 9; }
# Leftovers of an interrupted run (safe: we hold the lock).
rm -rf "$cache"/debs/.dl.* "$cache"/*/.x.*

# --- package resolution -----------------------------------------------------

updated=0
# candidate VERSION of PACKAGE, empty if none
candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Refresh the package lists once if a package cannot be resolved.
refresh_lists() {
    [ "$updated" = 0 ] || return 1
    updated=1
    if [ "$(id -u)" = 0 ]; then
        log "package lists look stale or missing: running apt-get update"
        apt-get update >&2 || return 1
        return 0
    fi
    log "hint: run 'sudo apt-get update' and retry"
    return 1
}

resolve_61() {
    local pkg
    if [ -n "${PVSITES_LINUX61_PKG:-}" ]; then
        echo "$PVSITES_LINUX61_PKG"; return
    fi
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.0-[0-9]+-amd64$/ { print $2; exit }')
    if [ -z "$pkg" ] && refresh_lists; then
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
              awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.0-[0-9]+-amd64$/ { print $2; exit }')
    fi
    [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 -> linux-image-6.1.0-NN-amd64 (is this Debian 12 with bookworm + bookworm-security?)"
    echo "$pkg"
}

resolve_612() {
    local pkg names
    if [ -n "${PVSITES_LINUX612_PKG:-}" ]; then
        echo "$PVSITES_LINUX612_PKG"; return
    fi
    for _ in 1 2; do
        # apt-cache pkgnames lists old versions too; keep the newest one
        # that still has a candidate.
        names=$(apt-cache pkgnames linux-image-6.12. 2>/dev/null |
                grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' | sort -rV || true)
        for pkg in $names; do
            if [ -n "$(candidate "$pkg")" ]; then echo "$pkg"; return; fi
        done
        refresh_lists || break
    done
    die "no linux-image-6.12.*+deb12-amd64-unsigned with a candidate version.
  On Debian 12 it comes from bookworm-security (source package linux-6.12);
  check 'apt-cache policy' lists deb.debian.org/debian-security bookworm-security main."
}

# --- download / extract -----------------------------------------------------

# fetch PACKAGE VERSION -> prints path of the .deb
fetch() {
    local pkg=$1 ver=$2 deb tmp t0 size
    deb="$cache/debs/${pkg}_${ver//:/%3a}_amd64.deb"
    if [ -s "$deb" ]; then
        log "have $deb"
        echo "$deb"; return
    fi
    tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
    log "downloading $pkg=$ver ($(apt-cache show "$pkg=$ver" | awk '$1 == "Size:" { printf "%.0f MB", $2 / 1e6; exit }'))"
    t0=$SECONDS
    # Root: apt's _apt sandbox user cannot write into $HOME, so say so.
    local sandbox=()
    [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
    (cd "$tmp" && apt-get "${sandbox[@]}" -q download "$pkg=$ver") >&2 ||
        { rm -rf "$tmp"; die "apt-get download $pkg=$ver failed"; }
    set -- "$tmp"/*.deb
    [ -s "$1" ] || { rm -rf "$tmp"; die "apt-get download left no .deb"; }
    mv "$1" "$deb"
    rmdir "$tmp"
    size=$(stat -c %s "$deb")
    log "downloaded $((size / 1000000)) MB in $((SECONDS - t0)) s -> $deb"
    echo "$deb"
}

drop_deb() {
    if [ "$keep_debs" = 0 ]; then
        log "removing $1 (PVSITES_KEEP_DEBS=0)"
        rm -f "$1"
    fi
}

# done_already DIR PART PACKAGE VERSION OUTPUT
done_already() {
    [ -e "$5" ] && [ -f "$1/VERSION" ] &&
        awk -v p="$2" -v k="$3" -v v="$4" '$1 == p && $2 == k && $3 == v { f = 1 } END { exit !f }' "$1/VERSION"
}

# record DIR PART PACKAGE VERSION RELEASE
record() {
    local f="$1/VERSION"
    { [ -f "$f" ] && awk -v p="$2" '$1 != p' "$f"; echo "$2 $3 $4 $5"; } | sort > "$f.tmp"
    mv "$f.tmp" "$f"
}

# extract_modules DEB NAME PATTERN -> <cache>/NAME/modules
extract_modules() {
    local deb=$1 name=$2 pattern=$3 pkg=$4 ver=$5
    local dir="$cache/$name" tmp rel n t0
    mkdir -p "$dir"
    tmp=$(mktemp -d "$dir/.x.XXXXXX")
    log "extracting $pattern from ${deb##*/}"
    t0=$SECONDS
    dpkg-deb --fsys-tarfile "$deb" |
        tar -x -C "$tmp" --wildcards --no-same-owner "./lib/modules/*/kernel/$pattern"
    set -- "$tmp"/lib/modules/*/kernel
    [ $# = 1 ] && [ -d "$1" ] || { rm -rf "$tmp"; die "unexpected layout in $deb"; }
    rel=$(basename "$(dirname "$1")")
    rm -rf "$dir/modules.old"
    [ -e "$dir/modules" ] && mv "$dir/modules" "$dir/modules.old"
    mv "$1" "$dir/modules"
    rm -rf "$tmp" "$dir/modules.old"
    n=$(find "$dir/modules" -type f -name "$pattern" | wc -l)
    log "$name: $n $pattern files (release $rel) in $((SECONDS - t0)) s"
    record "$dir" modules "$pkg" "$ver" "$rel"
}

# --- parts ------------------------------------------------------------------

do_modules() {
    local pkg ver dir deb
    pkg=$(resolve_61); ver=$(candidate "$pkg")
    [ -n "$ver" ] || die "$pkg has no candidate version"
    dir="$cache/linux-6.1"
    log "linux-6.1 modules: linux-image-amd64 -> $pkg $ver"
    if done_already "$dir" modules "$pkg" "$ver" "$dir/modules"; then
        log "linux-6.1 modules: up to date"
    else
        deb=$(fetch "$pkg" "$ver")
        extract_modules "$deb" linux-6.1 '*.ko' "$pkg" "$ver"
        drop_deb "$deb"
    fi
    echo "$dir/modules"
}

do_vmlinux() {
    local pkg ver dir deb tmp t0 rel
    pkg=$(resolve_61)-dbg; ver=$(candidate "$pkg")
    [ -n "$ver" ] || die "$pkg has no candidate version"
    dir="$cache/linux-6.1"
    log "linux-6.1 vmlinux: $pkg $ver"
    if done_already "$dir" vmlinux "$pkg" "$ver" "$dir/vmlinux"; then
        log "linux-6.1 vmlinux: up to date"
    else
        deb=$(fetch "$pkg" "$ver")
        mkdir -p "$dir"
        tmp=$(mktemp -d "$dir/.x.XXXXXX")
        log "extracting usr/lib/debug/boot/vmlinux-* from ${deb##*/} (streams the whole 5.6 GB data.tar)"
        t0=$SECONDS
        dpkg-deb --fsys-tarfile "$deb" |
            tar -x -C "$tmp" --wildcards --no-same-owner './usr/lib/debug/boot/vmlinux-*'
        set -- "$tmp"/usr/lib/debug/boot/vmlinux-*
        [ $# = 1 ] && [ -f "$1" ] || { rm -rf "$tmp"; die "expected exactly one vmlinux-* in $deb"; }
        rel=${1##*/vmlinux-}
        mv "$1" "$dir/vmlinux"
        rm -rf "$tmp"
        log "linux-6.1 vmlinux: $(($(stat -c %s "$dir/vmlinux") / 1000000)) MB (release $rel) in $((SECONDS - t0)) s"
        record "$dir" vmlinux "$pkg" "$ver" "$rel"
        drop_deb "$deb"
    fi
    echo "$dir/vmlinux"
}

do_612() {
    local pkg ver dir deb
    pkg=$(resolve_612); ver=$(candidate "$pkg")
    [ -n "$ver" ] || die "$pkg has no candidate version"
    dir="$cache/linux-6.12"
    log "linux-6.12 modules: $pkg $ver"
    if done_already "$dir" modules "$pkg" "$ver" "$dir/modules"; then
        log "linux-6.12 modules: up to date"
    else
        deb=$(fetch "$pkg" "$ver")
        extract_modules "$deb" linux-6.12 '*.ko.xz' "$pkg" "$ver"
        drop_deb "$deb"
    fi
    echo "$dir/modules"
}

[ "$want_modules" = 0 ] || do_modules
[ "$want_vmlinux" = 0 ] || do_vmlinux
[ "$want_612" = 0 ] || do_612
