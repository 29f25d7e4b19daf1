#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the main job as far as it goes today.  Builds what it needs,
# boots Debian's 6.1 kernel in a VM and, inside it, loads the module and
# pairs two sites: each gets an interconnect device, its key pair and the
# other site as its peer; then one site pings the other through the
# encrypted interconnect.
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

selftests/vm/deps.sh
kver=$(debian_kver 6.1)
echo "== building the CLI and the module for $kver"
make -s -C userspace
build_module "$kver" "/lib/modules/$kver/build" >/dev/null ||
	die "module build failed: build/$kver/build.log"

cat >build/demo-guest.sh <<'GUEST'
# Two sites, each a network namespace with its underlay address and its
# interconnect device, paired with each other's keys.
. selftests/lib/hcx.sh
say() { printf '\n$ %s\n' "$*"; "$@"; }
load_module
ip netns add site-a
ip netns add site-b
ip link add underlay netns site-a type veth peer name underlay netns site-b
ip -n site-a addr add 192.0.2.1/24 dev underlay
ip -n site-b addr add 192.0.2.2/24 dev underlay
ip -n site-a link set underlay up
ip -n site-b link set underlay up
umask 077
for s in a b; do
	hcxrepl genkey >"/tmp/site-$s.key"
	hcxrepl pubkey <"/tmp/site-$s.key" >"/tmp/site-$s.pub"
done
say ip -n site-a link add hcx0 type hcxrepl
say ip -n site-b link add hcx0 type hcxrepl
say ip netns exec site-a hcxrepl set hcx0 private-key /tmp/site-a.key \
	listen-port 51820 peer "$(cat /tmp/site-b.pub)" endpoint 192.0.2.2:51820
say ip netns exec site-b hcxrepl set hcx0 private-key /tmp/site-b.key \
	listen-port 51820 peer "$(cat /tmp/site-a.pub)" endpoint 192.0.2.1:51820
ip -n site-a addr add 10.9.0.1/24 dev hcx0
ip -n site-b addr add 10.9.0.2/24 dev hcx0
ip -n site-a link set hcx0 up
ip -n site-b link set hcx0 up
say ip netns exec site-a ping -c 3 -w 20 10.9.0.2
say ip netns exec site-a hcxrepl show
say ip netns exec site-b hcxrepl -j show
say ip netns exec site-a hcxrepl showconf hcx0
GUEST
echo "== booting Linux $kver (about 15 s under emulation)"
selftests/vm/vm.sh --kernel 6.1 --name site-a -- bash build/demo-guest.sh
