#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the main job, end to end.  Installs what is missing, builds
# the CLI and the module for Debian's 6.1 kernel and a realistic 256 MiB
# disk, then boots the kernel in a VM and, inside it, migrates a VM's disk
# and network from one site to the other (selftests/demo_guest.sh says
# how), printing its progress as it goes and a summary at the end.
#
#   demo.sh [SIZE_MB]    the disk's size, 256 MiB unless given
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

size_mb=${1:-256}
start=$SECONDS
selftests/vm/deps.sh
kver=$(debian_kver 6.1)
echo "== building the CLI and the module for $kver"
make -s -C userspace
build_module "$kver" "/lib/modules/$kver/build" >/dev/null ||
	die "module build failed: build/$kver/build.log"
image=build/demo/vm1-${size_mb}M.img
if [ ! -f "$image" ]; then
	echo "== building the VM's disk: $size_mb MiB of ext4 holding this machine's files"
	mkdir -p build/demo
	selftests/lib/realistic_image.sh "$image.tmp" "$size_mb"
	mv "$image.tmp" "$image"
fi
echo "== booting Linux $kver (under emulation: the demo takes a few minutes)"
status=0
selftests/vm/vm.sh --kernel 6.1 --mem 3G --timeout 1200 --live --name demo \
	--out build/demo/vm -- bash selftests/demo_guest.sh "$image" || status=$?
echo "== make demo: $((SECONDS - start)) s, $([ "$status" = 0 ] && echo "every check passed" ||
	echo "FAILED (exit $status; the VM's logs are in build/demo/vm)")"
exit "$status"
