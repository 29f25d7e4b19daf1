#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Worst cases of the trust between a source and its target, each made to
# happen on purpose (the fault model test, faults.sh, makes them happen at
# random):
#
#   trust.sh [SIZE_MB]    the disks' size, 32 MiB unless given
#
# - a target disk deleted and added again under continuous replication,
#   with chunks of its backing device changed while it was away: every
#   welcome compares generations, so the source compares every chunk again
#   and the copies end identical (a delta would otherwise trust its map);
# - the same while a full sync runs;
# - actions racing "disk del": a sync, replication or a switchover asked
#   for while the disk is being deleted starts nothing on it, and the
#   module unloads.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

PORT_A=51820
PORT_B=51821
SIZE_MB=${1:-32}
work=$(mktemp -d)

check "module loads" load_module
check "sites pair" sites_up "$work" $PORT_A $PORT_B

truncate -s "${SIZE_MB}M" "$work/a.img" "$work/b.img"
loop_a=$(losetup -f --show "$work/a.img")
loop_b=$(losetup -f --show "$work/b.img")
nsx site-a hcxrepl disk add vm1 dev hcx0 backing "$loop_a" role source
nsx site-b hcxrepl disk add vm1 dev hcx0 backing "$loop_b" role target
dev_a=$(field site-a vm1 device)

# scribble DEV CHUNKS...: random bytes over one 4 KiB block of each 64 KiB
# chunk named, written to DEV directly.
scribble() {
	local dev=$1 c
	shift
	for c in "$@"; do
		dd if=/dev/urandom of="$dev" bs=4k seek=$((c * 16 + 3)) count=1 \
			oflag=direct status=none || return 1
	done
}

# readd_target_changed CHUNKS...: delete the target disk, change CHUNKS of
# its backing device behind everybody's back, and add it again.
readd_target_changed() {
	nsx site-b hcxrepl disk del vm1 &&
		scribble "$loop_b" "$@" &&
		nsx site-b hcxrepl disk add vm1 dev hcx0 backing "$loop_b" role target
}

dd if=/dev/urandom of="$dev_a" bs=1M count="$SIZE_MB" oflag=direct status=none
check "a full sync ends" nsx site-a hcxrepl disk sync vm1 full
check "it ends idle" wait_idle site-a vm1 120
check "the copies are the same" same_bytes "$loop_a" "$loop_b"

# Continuous replication; the target goes away, changes, comes back.
check "replication on" nsx site-a hcxrepl disk replicate vm1 on
check "replication catches up" wait_caught_up site-a vm1 60
check "the target is deleted, changed and added again" \
	readd_target_changed 5 17 40
scribble "$dev_a" 100 101
check "replication catches up again" wait_caught_up site-a vm1 120
check "replication off" nsx site-a hcxrepl disk replicate vm1 off
check "a delta ends" nsx site-a hcxrepl disk sync vm1 delta
check "it ends idle" wait_idle site-a vm1 120
check "the copies are the same after a target came back changed" \
	same_bytes "$loop_a" "$loop_b"

# The same in the middle of a full sync, slowed by the underlay's delay so
# that the target comes back before the sweep's end.
nsx site-a tc qdisc add dev wan0 root netem delay 30ms
check "a full sync starts" nsx site-a hcxrepl disk sync vm1 full
sleep 1
check "the target is deleted, changed and added again mid-sync" \
	readd_target_changed 1 2 3 200 300 400
check "the full sync ends" wait_idle site-a vm1 240
nsx site-a tc qdisc del dev wan0 root
check_eq "it ended without error" 0 "$(field site-a vm1 last_error)"
check "the copies are the same after a full sync's target came back changed" \
	same_bytes "$loop_a" "$loop_b"
nsx site-b hcxrepl disk del vm1

# Actions racing "disk del".  A sync towards a peer that cannot be reached
# keeps its streams connecting, so that deletion waits for them while the
# actions, which got their reference before, wait for the disk's lock.
nsx site-a ip link set wan0 down
for i in $(seq 1 12); do
	nsx site-a hcxrepl disk sync vm1 full 2>/dev/null
	sleep 0.$((RANDOM % 5))
	nsx site-a hcxrepl disk del vm1 &
	nsx site-a hcxrepl disk replicate vm1 on 2>/dev/null &
	nsx site-a hcxrepl disk sync vm1 delta 2>/dev/null &
	nsx site-a hcxrepl disk switchover vm1 at +2 2>/dev/null &
	wait
	[ "$(nsx site-a hcxrepl -j disk show)" = "[]" ] || break
	nsx site-a hcxrepl disk add vm1 dev hcx0 backing "$loop_a" role source ||
		break
done
check_eq "every racing deletion deleted the disk ($i rounds)" 12 "$i"
check "the last disk deletes" nsx site-a hcxrepl disk del vm1
sleep 3 # a switchover scheduled by a racing action would fire now
check_eq "no disk is left" "[]" "$(nsx site-a hcxrepl -j disk show)"
nsx site-a ip link set wan0 up

losetup -d "$loop_a" "$loop_b"
ip -all netns delete
check "the module unloads" timeout 60 rmmod hcxrepl
tap_done
