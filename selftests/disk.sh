#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Disk replication between two sites inside one VM.
#
#   disk.sh [SIZE_MB]    the disks' size, 256 MiB unless given
#
#   [site-a] hcx0, /dev/hcxdN over loop(a.img) ~~ TCP ~~ [site-b] hcx0, loop(b.img)
#            wan0 ------------- [wan] bridge ------------- wan0
#
# Site A's disk is the source, B's the target; both images live on tmpfs.
# Checks: bad input is refused with a clear error and changes nothing; an
# ext4 file system full of real files replicates while fio writes to it
# with its own verification, and ends byte-identical; the target's copy
# passes e2fsck and fio's verification; a delta sync after writing N chunks
# moves about N chunks, by the module's counters and by the underlay's; a
# checksum sync moves only differing chunks; cutting the underlay mid-sync
# is survived; nothing crosses the underlay in clear.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

PORT_A=51820
PORT_B=51821
SIZE_MB=${1:-256}
CHUNK=65536
work=$(mktemp -d)

check "module loads" load_module
check "sites pair" sites_up "$work" $PORT_A $PORT_B
check "the device listens on TCP on its port" \
	bash -c "ip netns exec site-b ss -Hltn | grep -q ':$PORT_B '"
# A stranger that connects and says nothing costs the target nothing.  It
# is also the VM's first outgoing TCP connection, which flips a static key
# in the TCP stack: under QEMU's TCG, four streams connecting in parallel
# while that code is patched have been seen to hit a stale int3 (6.12).
check "a silent connection to the listener is dropped" \
	nsx site-a bash -c "exec 3<>/dev/tcp/10.0.0.2/$PORT_B && sleep 0.5"

# Backing devices: loop devices over files on tmpfs.
truncate -s "${SIZE_MB}M" "$work/a.img" "$work/b.img"
truncate -s $((SIZE_MB / 2))M "$work/small.img"
loop_a=$(losetup -f --show "$work/a.img")
loop_b=$(losetup -f --show "$work/b.img")
loop_small=$(losetup -f --show "$work/small.img")

# Bad input: a clear error, and nothing changes.
check_fails "a backing path that is not a block device is refused" \
	"not a block device" nsx site-a hcxrepl disk add vm1 dev hcx0 \
	backing "$work/a.img" role source
check_fails "a chunk size out of range is refused" "power of two from 4 KiB to 1 MiB" \
	nsx site-a hcxrepl disk add vm1 dev hcx0 backing "$loop_a" role source chunk 2M
check_fails "a chunk size that is not a power of two is refused" "power of two" \
	nsx site-a hcxrepl disk add vm1 dev hcx0 backing "$loop_a" role source chunk 48K
check_fails "a bad disk name is refused" "disk name" \
	nsx site-a hcxrepl disk add "bad/name" dev hcx0 backing "$loop_a" role source
check_fails "a device that is not hcxrepl is refused" "No hcxrepl device" \
	nsx site-a hcxrepl disk add vm1 dev wan0 backing "$loop_a" role source
check_eq "no disk was added by the refused requests" "[]" \
	"$(nsx site-a hcxrepl -j disk show)"

check "source disk added" nsx site-a hcxrepl disk add vm1 dev hcx0 \
	backing "$loop_a" role source chunk 64K streams 4
check "target disk added" nsx site-b hcxrepl disk add vm1 dev hcx0 \
	backing "$loop_b" role target
check_fails "a disk name in use is refused" "exists" \
	nsx site-a hcxrepl disk add vm1 dev hcx0 backing "$loop_small" role source
check_fails "a backing device held by a disk is refused" "in use" \
	nsx site-a hcxrepl disk add vm2 dev hcx0 backing "$loop_a" role source
check "a third disk can use another backing device" \
	nsx site-a hcxrepl disk add small dev hcx0 backing "$loop_small" role source
dev_a=$(field site-a vm1 device)
dev_b=$(field site-b vm1 device)
check "the source's tracking device exists" test -b "$dev_a"
check_eq "disk show: role" source "$(field site-a vm1 role)"
check_eq "disk show: state" idle "$(field site-a vm1 state)"
check_eq "disk show: chunk bytes" $CHUNK "$(field site-a vm1 chunk_bytes)"
check_eq "disk show: total bytes" $((SIZE_MB << 20)) "$(field site-a vm1 total_bytes)"
check_eq "disk show: backing" "$loop_a" "$(field site-a vm1 backing)"
check_fails "a sync on a target is refused" "Only the source" \
	nsx site-b hcxrepl disk sync vm1 full
check_fails "promoting an inconsistent target is refused" "inconsistent" \
	nsx site-b hcxrepl disk promote vm1
check_fails "the target's tracking device refuses writes" "." \
	dd if=/dev/zero of="$dev_b" bs=4k count=1 oflag=direct status=none
check "a disk is deleted" nsx site-a hcxrepl disk del small
check_fails "a deleted disk is gone" "No such disk" nsx site-a hcxrepl disk show small
check "its backing device is free again" \
	bash -c "exec 3<>$loop_small && flock -n 3 || true; mkfs.ext4 -q -F $loop_small"

# A file system full of real files on the source, written through the
# tracking device: every chunk written is dirty.
check "ext4 on the source's tracking device" mkfs.ext4 -q -F "$dev_a"
mkdir -p "$work/mnt"
check "mount it" mount "$dev_a" "$work/mnt"
# Real files, a third of the disk or so, leaving room for fio.
cp -a /usr/lib/x86_64-linux-gnu/perl-base "$work/mnt/" 2>/dev/null
[ "$SIZE_MB" -ge 256 ] && cp -a /usr/share/doc "$work/mnt/" 2>/dev/null
# 40 chunks' worth of a file the delta test overwrites a block of each.
dd if=/dev/urandom of="$work/mnt/chunks.dat" bs=64k count=40 status=none
sync
check "writes marked chunks dirty" test "$(field site-a vm1 dirty_bytes)" -gt 0

# Continuous replication runs until turned off: a second operation meanwhile
# is refused.  (A sync may end before the next command, now that most of
# this disk goes as zero blocks.)
check "continuous replication starts" nsx site-a hcxrepl disk replicate vm1 on
check_fails "a second operation is refused while one runs" "Another operation" \
	nsx site-a hcxrepl disk sync vm1 delta
check "continuous replication stops" nsx site-a hcxrepl disk replicate vm1 off

# Full sync while fio writes with its own verification.
fio_args=(--name=verify --size=16M --bs=4k --rw=randwrite --ioengine=psync
	--verify=crc32c --do_verify=0 --verify_state_save=0 --randseed=1234)
fio "${fio_args[@]}" --filename="$work/mnt/fio.dat" >"$work/fio.log" 2>&1 &
fio_pid=$!
sleep 1
wan_before=$(wan_bytes)
check "full sync starts" nsx site-a hcxrepl disk sync vm1 full
sync_state=$(field site-a vm1 state)
wait $fio_pid
check_eq "fio wrote its file (exit status)" 0 $?
echo "# the sync was $sync_state while fio wrote"
check "the full sync ends" wait_idle site-a vm1 300
check_eq "the target's stream connections are gone after it" idle \
	"$(field site-b vm1 state)"
wan_full=$(($(wan_bytes) - wan_before))
echo "# full sync: $(stat_of site-a vm1 wire_bytes) wire bytes, underlay $wan_full"

# Quiesce, then a delta brings the rest: both copies are identical.
check "unmount the source" umount "$work/mnt"
check_eq "the target never ran an operation: no end time" 0 \
	"$(field site-b vm1 end_ms)"
started_ms=$(date +%s%3N)
check "delta sync after the workload" nsx site-a hcxrepl disk sync vm1 delta
check "the delta sync ends" wait_idle site-a vm1 120
seen_ms=$(date +%s%3N)
end_ms=$(field site-a vm1 end_ms)
echo "# the delta started at $started_ms, ended at $end_ms, seen idle at $seen_ms"
check "its end time lies between its start and when it was seen idle" \
	test "$end_ms" -ge "$started_ms" -a "$end_ms" -le "$seen_ms"
check "disk show says when it ended" \
	bash -c "ip netns exec site-a hcxrepl disk show vm1 | grep -q '^  last operation ended: $(date -d @$((end_ms / 1000)) '+%Y-%m-%d %H:%M:%S')\$'"
check_eq "nothing is dirty after it" 0 "$(field site-a vm1 dirty_bytes)"
check_eq "nothing lags" 0 "$(field site-a vm1 lag_bytes)"
check "the target's bytes equal the source's" same_bytes "$loop_a" "$loop_b"
check "e2fsck on the target's device is clean" e2fsck -fn "$dev_b"
check "the target's device mounts read-only" mount -o ro "$dev_b" "$work/mnt"
# fio opens its file for writing even to verify: check a copy of it.
cp "$work/mnt/fio.dat" "$work/fio-target.dat"
check "fio's verification passes on the target's copy" \
	fio "${fio_args[@]}" --filename="$work/fio-target.dat" --verify_only
check "unmount the target" umount "$work/mnt"

# A delta after writing N chunks moves about N chunks.
n=40
mount "$dev_a" "$work/mnt"
for ((i = 0; i < n; i++)); do
	dd if=/dev/urandom of="$work/mnt/fio.dat" bs=4k count=1 seek=$((i * 16)) \
		conv=notrunc oflag=direct status=none
done
umount "$work/mnt"
dirty=$(field site-a vm1 dirty_bytes)
logical_before=$(stat_of site-a vm1 logical_bytes)
wire_before=$(stat_of site-a vm1 wire_bytes)
wan_before=$(wan_bytes)
check "delta sync after writing $n chunks" nsx site-a hcxrepl disk sync vm1 delta
check "it ends" wait_idle site-a vm1 120
moved=$(($(stat_of site-a vm1 logical_bytes) - logical_before))
wire=$(($(stat_of site-a vm1 wire_bytes) - wire_before))
wan_delta=$(($(wan_bytes) - wan_before))
echo "# $n chunks written: $dirty dirty bytes, $moved moved, wire $wire, underlay $wan_delta bytes"
check "the delta moved what was dirty, at least $n chunks" \
	test "$moved" = "$dirty" -a "$moved" -ge $((n * CHUNK))
check "the delta moved few more than $n chunks (metadata)" \
	test "$moved" -le $(((n + 16) * CHUNK))
# Of each chunk, one block changed: the rest the target holds already.
check "the unchanged blocks of those chunks travelled as references" \
	test "$wire" -le $((moved / 4))
check "the underlay carried the wire bytes, plus at most a fifth of headers" \
	test "$wan_delta" -ge $((wire * 95 / 100)) -a "$wan_delta" -le $((wire * 6 / 5 + 100000))
check "identical after the delta" same_bytes "$loop_a" "$loop_b"

# A checksum sync moves only what differs: change the target behind the
# source's back (the test's own write), then compare.
nsx site-b hcxrepl disk del vm1
dd if=/dev/urandom of="$loop_b" bs=$CHUNK count=3 seek=100 conv=notrunc status=none
check "target disk added again" nsx site-b hcxrepl disk add vm1 dev hcx0 \
	backing "$loop_b" role target
logical_before=$(stat_of site-a vm1 logical_bytes)
check "checksum sync" nsx site-a hcxrepl disk sync vm1 checksum
check "it ends" wait_idle site-a vm1 300
moved=$(($(stat_of site-a vm1 logical_bytes) - logical_before))
check_eq "the checksum sync moved exactly the 3 differing chunks" \
	$((3 * CHUNK)) "$moved"
check "identical after the checksum sync" same_bytes "$loop_a" "$loop_b"

# A delta that the target cannot vouch for (it was re-added: a new
# generation) becomes a checksum sync.
nsx site-b hcxrepl disk del vm1
nsx site-b hcxrepl disk add vm1 dev hcx0 backing "$loop_b" role target
logical_before=$(stat_of site-a vm1 logical_bytes)
check "a delta to a target that lost the generation" nsx site-a hcxrepl disk sync vm1 delta
check "it ends" wait_idle site-a vm1 300
check_eq "it compared hashes and moved nothing" 0 \
	$(($(stat_of site-a vm1 logical_bytes) - logical_before))

# Cut the underlay in the middle of a sync: it resumes and ends identical.
# Meanwhile, hcxrepl monitor prints a JSON object per event.
ip netns exec site-a hcxrepl -j monitor vm1 >"$work/monitor.json" 2>&1 &
monitor_pid=$!
sleep 0.5
check "full sync again" nsx site-a hcxrepl disk sync vm1 full
sleep 2
nsx site-a ip link set wan0 down
sleep 3
nsx site-a ip link set wan0 up
check "the sync survives the cut and ends" wait_idle site-a vm1 300
check "identical after the cut" same_bytes "$loop_a" "$loop_b"
sleep 1.5
kill "$monitor_pid"
wait "$monitor_pid" 2>/dev/null
check "monitor: progress events while syncing, then idle" /usr/bin/python3 -c "
import json, sys
events = [json.loads(line) for line in open('$work/monitor.json')]
states = [e['state'] for e in events]
assert all(e['name'] == 'vm1' for e in events), 'another disk'
assert states.count('syncing') >= 2, states
assert states[-1] == 'idle', states
print('# %d events: %s' % (len(events), ' '.join(states)))
"

# A switchover with the peer down fails within seconds and changes nothing.
nsx site-b ip link set wan0 down
check_fails "a switchover with the peer down is refused" "cannot be reached" \
	nsx site-a hcxrepl disk switchover vm1
nsx site-b ip link set wan0 up
check_eq "the source is still the source" source "$(field site-a vm1 role)"
check "and still takes writes (a block written back as it is)" \
	dd if="$dev_a" of="$dev_a" bs=4k count=1 skip=7 seek=7 iflag=direct \
	oflag=direct conv=notrunc status=none
check_eq "its last error says why" 113 "$(field site-a vm1 last_error)"

# Continuous replication while the file system changes, then a switchover
# that verifies: the target takes over, the source turns read-only.
check "continuous replication on" nsx site-a hcxrepl disk replicate vm1 on
mount "$dev_a" "$work/mnt"
cp -a /usr/share/common-licenses "$work/mnt/"
sync
umount "$work/mnt"
check "replication catches up" wait_caught_up site-a vm1 60
check_eq "replicating, with no lag" replicating "$(field site-a vm1 state)"
check "switchover with verify" nsx site-a hcxrepl disk switchover vm1 verify
check_eq "the old source is a target now" target "$(field site-a vm1 role)"
check_eq "the old target is a source now" source "$(field site-b vm1 role)"
check_eq "the old source holds a consistent copy" True \
	"$(field site-a vm1 consistent)"
check_eq "both sides hold the same generation" \
	"$(field site-a vm1 generation_id):$(field site-a vm1 generation_counter)" \
	"$(field site-b vm1 generation_id):$(field site-b vm1 generation_counter)"
check "the copies are identical after the switchover" same_bytes "$loop_a" "$loop_b"
check_fails "the old source's device rejects writes" "." \
	dd if=/dev/zero of="$dev_a" bs=4k count=1 oflag=direct status=none
check "e2fsck on the new source is clean" e2fsck -fn "$dev_b"
check "the new source's device mounts read-write" mount "$dev_b" "$work/mnt"
check "fio's verification passes on the new source" \
	fio "${fio_args[@]}" --filename="$work/mnt/fio.dat" --verify_only
# Failback: what changed at B since the switchover, and only that, goes back.
cp -a /usr/share/doc/bash "$work/mnt/failback"
umount "$work/mnt"
dirty=$(field site-b vm1 dirty_bytes)
check "writes at the new source are tracked" test "$dirty" -gt 0
# B's counter already holds what it wrote as the target.
logical_before=$(stat_of site-b vm1 logical_bytes)
check "failback: a delta from the new source" nsx site-b hcxrepl disk sync vm1 delta
check "it ends" wait_idle site-b vm1 120
check_eq "it sent what changed since the switchover, not the disk" "$dirty" \
	"$(($(stat_of site-b vm1 logical_bytes) - logical_before))"
check "identical after the failback delta" same_bytes "$loop_a" "$loop_b"
check_fails "promoting a source is refused" "source already" \
	nsx site-b hcxrepl disk promote vm1
check_fails "promoting a target a sync wrote since the switchover is refused" \
	"inconsistent" nsx site-a hcxrepl disk promote vm1
check "switch back" nsx site-b hcxrepl disk switchover vm1
check_eq "roles are back" "source target" \
	"$(field site-a vm1 role) $(field site-b vm1 role)"
check "identical after switching back" same_bytes "$loop_a" "$loop_b"
check "demote the source by hand" nsx site-a hcxrepl disk demote vm1
check "promote it again by hand: it holds a consistent copy" \
	nsx site-a hcxrepl disk promote vm1
check_eq "it is a source with a new generation" "source 3" \
	"$(field site-a vm1 role) $(field site-a vm1 generation_counter)"

check "disks are deleted" bash -c "ip netns exec site-a hcxrepl disk del vm1 &&
	ip netns exec site-b hcxrepl disk del vm1"
losetup -d "$loop_a" "$loop_b" "$loop_small"
check "module unloads" rmmod hcxrepl
tap_done
