#!/usr/bin/env bash
# make-initramfs.sh OUT.cpio.gz -- the boot test's initramfs: busybox-static,
# Kernels/boot/init as /init, and exercise.c built static as /bin/exercise.
# Written through a temporary file and renamed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && ! readelf -lW "$busybox" 2>/dev/null | grep -q INTERP ||
    { echo "make-initramfs.sh: busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/bin "$root"/proc "$root"/sys "$root"/dev "$root"/tmp
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init" "$root/init"
chmod +x "$root/init"
gcc -static -O2 -o "$root/bin/exercise" "$here/exercise.c"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out.tmp"
mv "$out.tmp" "$out"
