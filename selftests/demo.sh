#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the main job as far as it goes today.  Builds what it needs,
# boots Debian's 6.1 kernel in a VM and, inside it, loads the module,
# creates an interconnect device, gives the site its key and shows it.
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

selftests/vm/deps.sh
kver=$(debian_kver 6.1)
echo "== building the CLI and the module for $kver"
make -s -C userspace
rm -rf "build/$kver" && mkdir -p "build/$kver"
cp -rs "$HCX_TOP"/{Kbuild,VERSION,kmod,uapi} "build/$kver/"
make -s -C "/lib/modules/$kver/build" M="$HCX_TOP/build/$kver" modules

cat >build/demo-guest.sh <<'GUEST'
. selftests/lib/hcx.sh
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
load_module
say ip link add hcx0 type hcxrepl
umask 077
hcxrepl genkey >/tmp/site-a.key
say hcxrepl set hcx0 private-key /tmp/site-a.key listen-port 51820
say ip link set hcx0 up
say hcxrepl show
say hcxrepl -j show
say ip -d link show hcx0
GUEST
echo "== booting Linux $kver (about 15 s under emulation)"
selftests/vm/vm.sh --kernel 6.1 --name site-a -- bash build/demo-guest.sh
