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
# - a switchover under a steady read load (it waits for writes only);
# - an action racing "disk del": a switchover scheduled by a request that
#   got its reference before the deletion starts nothing, and the module
#   unloads;
# - a map of a billion chunks marked whole, by a full sync and by a
#   discard, without holding a CPU;
# - a source cannot name a target disk of another device of the peer.
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

# The same in the middle of a full sync, which must still run when the
# target comes back (checked: on a slow kernel the commands around it take
# seconds).  Without deduplication and compression, against a copy that
# holds the same bytes, every chunk travels, and the underlay's rate makes
# the sweep last about 30 s.
check "deduplication and compression off" \
	nsx site-a hcxrepl disk set vm1 dedup off compress none
nsx site-a tc qdisc add dev wan0 root netem delay 30ms \
	rate $((SIZE_MB * 8192 / 30))kbit
check "a full sync starts" nsx site-a hcxrepl disk sync vm1 full
sleep 1
chunks=$((SIZE_MB * 16))
check "the target is deleted, changed and added again mid-sync" \
	readd_target_changed 1 2 3 $((chunks / 2)) $((chunks * 3 / 4)) $((chunks - 1))
# Still running: syncing, or connecting again (its streams lost the
# deleted target and retry).
state=$(field site-a vm1 state)
echo "# the full sync's state when the target came back: $state"
check "the full sync still ran when the target came back" \
	test "$state" = syncing -o "$state" = connecting
check "the full sync ends" wait_idle site-a vm1 240
nsx site-a tc qdisc del dev wan0 root
check_eq "it ended without error" 0 "$(field site-a vm1 last_error)"
check "the copies are the same after a full sync's target came back changed" \
	same_bytes "$loop_a" "$loop_b"

# A switchover under a steady read load: it waits for the writes in
# flight, not for reads, which never pause long enough.
fio --name=readers --filename="$dev_a" --rw=randread --bs=4k --direct=1 \
	--ioengine=libaio --iodepth=16 --numjobs=4 --time_based --runtime=120 \
	--group_reporting >/dev/null 2>&1 &
readers=$!
sleep 2
check "a switchover under a steady read load ends within 60 s" \
	timeout 60 ip netns exec site-a hcxrepl disk switchover vm1
kill $readers 2>/dev/null
wait $readers 2>/dev/null
check_eq "the old target is the source" source "$(field site-b vm1 role)"
check "and switches back" nsx site-b hcxrepl disk switchover vm1
nsx site-b hcxrepl disk del vm1

# An action racing "disk del": it took its reference before the disk was
# unlisted and waits for the disk's lock, which a switchover towards an
# unreachable peer holds for 15 s, and gets it before the deletion does
# (a mutex hands over in order).  It must find the disk deleting and
# schedule nothing: a switchover armed then would fire on a freed disk.
nsx site-a ip link set wan0 down
nsx site-a hcxrepl disk switchover vm1 2>/dev/null &
sleep 2
nsx site-a hcxrepl disk switchover vm1 at +25 2>"$work/late.err" &
late=$!
sleep 1
check "a disk deletes while actions wait for it" nsx site-a hcxrepl disk del vm1
wait $late
check_eq "the action that waited is refused" 1 $?
check "because the disk is being deleted" grep -q "being deleted" "$work/late.err"
wait
check_eq "no disk is left" "[]" "$(nsx site-a hcxrepl -j disk show)"
armed=$SECONDS

# A map of a billion chunks: 4 TiB (a sparse file) in 4 KiB chunks.  A
# full sync marks it whole in one command, under the sync's spinlock, and
# a discard of the whole disk marks it from its bios' completions.  Word
# by word that costs a memset; one atomic operation per chunk held a CPU
# for a minute or more, which the kernel's lockup detectors report (and
# each.sh fails a test whose kernel log has a report).  The peer is still
# unreachable: nothing is sent, every chunk stays marked.
huge=$((4 << 40))
truncate -s $huge "$work/huge.img"
loop_huge=$(losetup -f --show "$work/huge.img")
check "a 4 TiB disk of 4 KiB chunks is added" nsx site-a hcxrepl disk add huge \
	dev hcx0 backing "$loop_huge" role source chunk 4K
check "its full sync starts" nsx site-a hcxrepl disk sync huge full
check_eq "the full sync marks every chunk" $huge \
	"$(field site-a huge dirty_bytes)"
check "the disk deletes" nsx site-a hcxrepl disk del huge
nsx site-a hcxrepl disk add huge dev hcx0 backing "$loop_huge" role source \
	chunk 4K
check "the whole disk is discarded" blkdiscard "$(field site-a huge device)"
check_eq "the discard marks every chunk" $huge \
	"$(field site-a huge dirty_bytes)"
check "the disk deletes again" nsx site-a hcxrepl disk del huge
losetup -d "$loop_huge"
rm "$work/huge.img"

# When the refused switchover would have fired.
[ $((SECONDS - armed)) -ge 27 ] || sleep $((27 - (SECONDS - armed)))
nsx site-a ip link set wan0 up

# A disk of another device at the target: site B's hcx1, paired with no
# one, holds a target disk vmx.  Site A's source vmx, through hcx0, must
# not reach it: a hello names a disk of the device that accepted the
# connection only, and the first welcome's ENOENT fails the sync.
nsx site-b ip link add hcx1 type hcxrepl
nsx site-b ip link set hcx1 up
truncate -s 4M "$work/x-a.img" "$work/x-b.img"
loop_xa=$(losetup -f --show "$work/x-a.img")
loop_xb=$(losetup -f --show "$work/x-b.img")
dd if=/dev/urandom of="$loop_xa" bs=1M count=4 status=none
check "a target disk of another device at site B" nsx site-b hcxrepl \
	disk add vmx dev hcx1 backing "$loop_xb" role target
check "a source of that name at site A" nsx site-a hcxrepl disk add vmx \
	dev hcx0 backing "$loop_xa" role source
check "its full sync starts" nsx site-a hcxrepl disk sync vmx full
check "and ends" wait_idle site-a vmx 60
check_eq "with ENOENT: no disk of that name on the peer's device" 2 \
	"$(field site-a vmx last_error)"
check "the other device's disk was not written" \
	cmp -s "$loop_xb" <(head -c 4M /dev/zero)
nsx site-a hcxrepl disk del vmx
nsx site-b hcxrepl disk del vmx
losetup -d "$loop_xa" "$loop_xb"

losetup -d "$loop_a" "$loop_b"
ip -all netns delete
check "the module unloads" timeout 60 rmmod hcxrepl
tap_done
