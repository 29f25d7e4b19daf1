#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench, wave part, in the VM: a wave of DISKS (200) disks of SIZE_KB
# (1024) KiB against one disk of the same total size, both full syncs of
# random data between two sites of this VM, measured in the same run.
# Each is started under a replication rate limit of 100kbit that is then
# lifted, so that every disk of the wave goes at once; the time runs from
# the lift to the last disk idle.  Prints the aggregate rates and their
# ratio, and the kernel memory at the wave's peak per disk (slab, vmalloc
# and per-CPU pages, both sites, against before the disks).  Then a wave of
# DISKS clones of one image of SIZE_KB of random data, each with 64 KiB of
# its own: the bytes on the wire against the unique bytes (one copy of the
# image and each clone's own).
#
# usage: bench_wave.sh [DISKS [SIZE_KB]]
. "$(dirname "$0")/lib/tap.sh" >/dev/null
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

DISKS=${1:-200}
SIZE_KB=${2:-1024}
work=$(mktemp -d)
cd "$work" || exit 1

kernel_kb() {
	awk '/^(Slab|VmallocUsed|Percpu):/ { kb += $2 } END { print kb }' \
		/proc/meminfo
}
now() {
	date +%s.%N
}
# all_idle: no disk at site A is anything but idle.
all_idle() {
	! nsx site-a hcxrepl disk show | grep 'state: ' | grep -qv 'state: idle'
}
# run NAME COUNT KB: add COUNT source/target pairs of KB KiB on RAM disks
# from FIRST, start their full syncs under the 100kbit limit, lift it and
# time them; prints "NAME SECONDS PEAK_KB".
run() {
	local name=$1 count=$2 kb=$3 first=$4 i t0 t1 peak before
	before=$(kernel_kb)
	nsx site-a hcxrepl set hcx0 rate 100kbit
	for ((i = 0; i < count; i++)); do
		nsx site-b hcxrepl disk add "$name$i" dev hcx0 role target \
			backing "/dev/ram$((first + count + i))"
		nsx site-a hcxrepl disk add "$name$i" dev hcx0 role source \
			backing "/dev/ram$((first + i))"
		nsx site-a hcxrepl disk sync "$name$i" full
	done
	peak=$(kernel_kb)
	t0=$(now)
	nsx site-a hcxrepl set hcx0 rate off
	until all_idle; do
		kb=$(kernel_kb)
		[ "$kb" -le "$peak" ] || peak=$kb
		sleep 0.5
	done
	t1=$(now)
	for ((i = 0; i < count; i++)); do
		cmp -s "/dev/ram$((first + i))" "/dev/ram$((first + count + i))" ||
			echo "bench_wave: $name$i differs" >&2
		nsx site-a hcxrepl disk del "$name$i"
		nsx site-b hcxrepl disk del "$name$i"
	done
	echo "$name $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') $((peak - before))"
}
# clones COUNT KB: COUNT clones of a random image of KB KiB, each with
# 64 KiB of its own, synced at once; prints "WIRE_BYTES UNIQUE_BYTES".
clones() {
	local count=$1 kb=$2 i wire=0
	head -c $((kb * 1024)) /dev/urandom >"$work/template"
	for ((i = 0; i < count; i++)); do
		cp "$work/template" "/dev/ram$i"
		head -c 65536 /dev/urandom | dd of="/dev/ram$i" bs=64K \
			seek=$((i % (kb / 64))) conv=notrunc status=none
		nsx site-b hcxrepl disk add "c$i" dev hcx0 role target \
			backing "/dev/ram$((count + i))"
		nsx site-a hcxrepl disk add "c$i" dev hcx0 role source \
			backing "/dev/ram$i"
	done
	for ((i = 0; i < count; i++)); do
		nsx site-a hcxrepl disk sync "c$i" full
	done
	until all_idle; do
		sleep 0.5
	done
	for ((i = 0; i < count; i++)); do
		cmp -s "/dev/ram$i" "/dev/ram$((count + i))" ||
			echo "bench_wave: c$i differs" >&2
		wire=$((wire + $(stat_of site-a "c$i" wire_bytes)))
	done
	echo "$wire $((kb * 1024 + count * 65536))"
}

load_module || exit 1
sites_up "$work" 51820 51821 || exit 1
# RAM disks: the wave's DISKS pairs, then one pair of DISKS times the size.
modprobe brd rd_nr=$((2 * DISKS)) rd_size="$SIZE_KB" || exit 1
for ((i = 0; i < DISKS; i++)); do
	head -c $((SIZE_KB * 1024)) /dev/urandom >"/dev/ram$i"
done
read -r _ wave_secs wave_kb < <(run w "$DISKS" "$SIZE_KB" 0)
read -r clones_wire clones_unique < <(clones "$DISKS" "$SIZE_KB")
ip -all netns delete
rmmod hcxrepl
rmmod brd
load_module || exit 1
sites_up "$work" 51820 51821 || exit 1
modprobe brd rd_nr=2 rd_size=$((DISKS * SIZE_KB)) || exit 1
head -c $((DISKS * SIZE_KB * 1024)) /dev/urandom >/dev/ram0
read -r _ one_secs _ < <(run one 1 $((DISKS * SIZE_KB)) 0)
ip -all netns delete
rmmod hcxrepl
rmmod brd
awk -v n="$DISKS" -v kb="$SIZE_KB" -v w="$wave_secs" -v o="$one_secs" \
	-v mem="$wave_kb" -v cw="$clones_wire" -v cu="$clones_unique" 'BEGIN {
	mib = n * kb / 1024
	printf "wave: %d disks of %d KiB, %.0f MiB in %.1f s (%.1f Mbit/s); one disk of %.0f MiB in %.1f s (%.1f Mbit/s)\n",
		n, kb, mib, w, mib * 8.388608 / w, mib, o, mib * 8.388608 / o
	printf "wave vs one disk: %.2fx the rate; kernel memory at the peak %.0f KiB per disk (both sites)\n",
		o / w, mem / n
	printf "%d clones of %d KiB with 64 KiB of their own: %.1f MiB on the wire for %.1f MiB unique: %.2fx unique\n",
		n, kb, cw / 1048576, cu / 1048576, cw / cu
}'
cd / && rm -rf "$work"
