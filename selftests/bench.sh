#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the interconnect's TCP throughput next to WireGuard's, both
# measured in one VM run on the same topology, and their ratio; the same
# VM to VM across the bridged extension, next to WireGuard and to ESP with
# hcxrepl's AEAD (routed), and without the MSS clamp; a wave of
# 200 disks against one disk of the same size, and 200 clones' wire bytes
# against their unique bytes (bench_wave.sh); then disk
# replication next to DRBD over WireGuard, on a clean link and on a long
# lossy WAN with an outage (bench_disk.sh).
#
#   site-a [tunnel 10.9.0.1] ~~ veth underlay, MTU 1500 ~~ [10.9.0.2] site-b
#
# Each tunnel keeps its default MTU (hcx0 1500, fragmenting on the underlay;
# wg0 1420).  iperf3 runs one flow, then four, over each tunnel in turn;
# the tunnels alternate twice so that a warm-up or a noisy neighbour does
# not favour one.
#
# usage: bench.sh [6.1|6.12]   (default 6.1)
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

series=${1:-6.1}
selftests/vm/deps.sh
kver=$(debian_kver "$series")
echo "== building the CLI and the module for $kver"
make -s -C userspace
build_module "$kver" "/lib/modules/$kver/build" >/dev/null ||
	die "module build failed: build/$kver/build.log"
echo "== interconnect: booting Linux $kver with 2 vCPUs, then the extension VM to VM (about 8 minutes)"
selftests/vm/vm.sh --kernel "$series" --cpus 2 --mem 2G --timeout 900 \
	--out build/bench -- bash selftests/bench_guest.sh
echo "== a wave: 200 disks of 1 MiB against one disk of 200 MiB, 2 vCPUs"
selftests/vm/vm.sh --kernel "$series" --cpus 2 --mem 2G --timeout 1800 \
	--out build/bench-wave -- bash selftests/bench_wave.sh
echo "== disks: two sites, one vCPU each; then a long lossy WAN"
selftests/bench_disk.sh "$series"
