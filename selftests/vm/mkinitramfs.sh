#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh KVER OUT: build the busybox initramfs that boots KVER far
# enough to mount the host's root over 9p.  Modules that KVER builds in are
# skipped; compressed modules are unpacked, as busybox insmod wants plain ones.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/bin" "$work/modules" "$work/proc" "$work/sys" "$work/dev"
cp /bin/busybox "$work/bin/busybox"
cp "$HCX_TOP/selftests/vm/initramfs-init" "$work/init"
chmod 755 "$work/init"
: >"$work/modules/order"

moddir=/lib/modules/$kver
if [ -f "$moddir/modules.dep" ]; then
	declare -A seen=()
	# add MODNAME: its dependencies first, then itself, each once.
	add() {
		local path deps d
		path=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n 1) || return 0
		[ -n "$path" ] || return 0
		deps=${path#*:}
		path=${path%%:*}
		[ -z "${seen[$path]:-}" ] || return 0
		seen[$path]=1
		for d in $deps; do
			d=$(basename "$d")
			add "${d%%.ko*}"
		done
		local name
		name=$(basename "$path")
		name=${name%%.ko*}.ko
		case $path in
		*.xz) xz -dc "$moddir/$path" >"$work/modules/$name" ;;
		*.zst) zstd -qdc "$moddir/$path" >"$work/modules/$name" ;;
		*.gz) gzip -dc "$moddir/$path" >"$work/modules/$name" ;;
		*) cp "$moddir/$path" "$work/modules/$name" ;;
		esac
		echo "$name" >>"$work/modules/order"
	}
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		add "$m"
	done
fi

(cd "$work" && find . | cpio --quiet -o -H newc) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
