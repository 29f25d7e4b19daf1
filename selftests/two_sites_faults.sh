#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fault model across two VMs, for the faults one VM cannot play: a
# site's module reloaded under continuous replication.  Site A (the source,
# one kernel) and site B (the target, the other) each have their own disk
# image holding two partitions, one replicated disk each, joined by a
# virtual Ethernet link.
#
# From the seed (printed; the same seed makes the same choices, not the
# same timing): site A fully syncs both disks, turns continuous
# replication on and writes 4 to 64 KiB of random data at random places of
# both tracking devices, while it injects ROUNDS faults of its own:
#
#   reload   its module unloaded and loaded again, the disks added again
#            and a checksum sync run (a source that restarts knows nothing
#            of what its target lacks), then replication on again
#   offon    continuous replication off, then on again
#   pause    the operation paused, then resumed
#   flap     its link down for 1 to 4 s
#
# and site B, on a schedule of its own, reloads its module (the disks and
# the device deleted, rmmod, insmod, all set up again) or takes its link
# down.  Then A's writes stop, B calms down, and on A each disk turns
# replication off, runs a final delta sync and a switchover with verify.
# Checked: every write succeeded, each source was idle with nothing dirty,
# each switchover succeeded, site B reloaded at least once, and the two
# images are byte-identical afterwards (the number of differing chunks of
# each disk is printed if not).
#
# usage: two_sites_faults.sh [SEED [KERNEL_A [KERNEL_B]]]
#        (default: a random seed, 6.1 and 6.12)
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/vm/lib.sh"

seed=${1:-$RANDOM}
kernel_a=${2:-6.1}
kernel_b=${3:-6.12}
PART_MB=16
ROUNDS=8
CHUNK=65536
echo "# seed $seed (rerun: selftests/two_sites_faults.sh $seed $kernel_a $kernel_b)"
two_sites_work two-sites-faults || exit 1
cd "$HCX_TOP" || exit 1

# image FILE: a disk of two PART_MB partitions (an MBR's, from 1 MiB on).
image() {
	/usr/bin/python3 - "$1" "$PART_MB" <<'PY'
import struct, sys
path, part = sys.argv[1], int(sys.argv[2]) * 2048
mbr = bytearray(512)
for i in range(2):
    start = 2048 + i * part
    mbr[446 + 16 * i:462 + 16 * i] = struct.pack(
        "<B3sB3sII", 0, b"\xff\xff\xff", 0x83, b"\xff\xff\xff", start, part)
mbr[510:512] = b"\x55\xaa"
with open(path, "wb") as f:
    f.write(mbr)
    f.truncate((2048 + 2 * part) * 512)
PY
}
image "$work/a.img"
image "$work/b.img"
# Site A's partitions hold random data, so that the full syncs move them.
dd if=/dev/urandom of="$work/a.img" bs=1M seek=1 count=$((2 * PART_MB)) \
	conv=notrunc status=none

# site.sh SITE WORK SEED ROUNDS: what a site runs.  It reports "SITE:
# KEY=VALUE" lines and "# SITE: ..." comments on its standard output; the
# host tells site B to calm down and to stop, and site A to go on to the
# final syncs, by creating "calm", "stop" and "go" in their output
# directories.
cat >"$work/site.sh" <<'EOF'
site=$1 work=$2 seed=$3 rounds=$4
. selftests/lib/hcx.sh
RANDOM=$seed
case $site in
a) addr=192.0.2.1 peer=192.0.2.2 other=b role=source ;;
b) addr=192.0.2.2 peer=192.0.2.1 other=a role=target ;;
esac
disks="vm1 vm2"
declare -A backing=([vm1]=/dev/vda1 [vm2]=/dev/vda2)
say() { echo "$site: $*"; }
note() { echo "# $site: $*"; }
field() { hcxrepl -j disk show "$1" | json "j[0]['$2']"; }
# try CMD...: run a command a fault may make fail; its failure is noted.
try() { "$@" 2>/dev/null || note "failed: $*"; }
wait_idle() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(field "$1" state)" = idle ] && return 0
		sleep 0.5
	done
	return 1
}
pair() {
	local d
	ip link add hcx0 address "02:00:00:00:09:0$site" type hcxrepl &&
	hcxrepl set hcx0 private-key "$work/$site.key" listen-port 51820 \
		peer "$(cat "$work/$other.pub")" endpoint "$peer:51820" &&
	ip link set hcx0 up || return 1
	for d in $disks; do
		hcxrepl disk add "$d" dev hcx0 backing "${backing[$d]}" \
			role "$role" || return 1
	done
}
unpair() {
	local d
	for d in $disks; do
		hcxrepl disk del "$d" || return 1
	done
	ip link del hcx0
}
# reload: what an appliance's restart does to the module.
reload() {
	unpair && rmmod hcxrepl && sleep $((RANDOM % 3)) && load_module && pair
}
flap() {
	ip link set eth0 down
	sleep $((RANDOM % 4 + 1))
	ip link set eth0 up
}
# sync_until_there DISK KIND: the target may still be booting, or
# reloading: until it has the disk, it refuses the operation (ENOENT,
# 2), which then ends before it began.
sync_until_there() {
	local i
	for i in $(seq 120); do
		hcxrepl disk sync "$1" "$2" && wait_idle "$1" || return 1
		[ "$(field "$1" last_error)" = 2 ] || break
		sleep 1
	done
	[ "$(field "$1" last_error)" = 0 ] ||
		{ note "$1: $2 sync error $(field "$1" last_error)"; return 1; }
}
# writer: random writes to both tracking devices until /tmp/stop, each
# one under /tmp/wlock, which a reload holds.  Reports writes and
# failures.
writer() {
	local n=0 failed=0 d dev blocks off len
	RANDOM=$((seed * 7 + 1))
	while [ ! -e /tmp/stop ]; do
		d=vm$((RANDOM % 2 + 1))
		len=$((RANDOM % 16 + 1))
		off=$(((RANDOM * 32768 + RANDOM) % (PART_BLOCKS - len)))
		flock /tmp/wlock dd if=/dev/urandom of="$(cat "/tmp/dev-$d")" \
			bs=4k seek="$off" count="$len" oflag=direct conv=notrunc \
			status=none || failed=$((failed + 1))
		n=$((n + 1))
	done
	say "writes=$n"
	say "write_failures=$failed"
}
record_devices() {
	local d
	for d in $disks; do
		field "$d" device >"/tmp/dev-$d" || return 1
	done
}

ip link set eth0 up && ip addr add "$addr/24" dev eth0 || exit 2
tc qdisc add dev eth0 root tbf rate 50mbit burst 32kb latency 100ms || exit 2
for i in $(seq 60); do
	ping -c 1 -W 1 "$peer" >/dev/null && break
done
load_module && pair || { say "setup failed"; exit 3; }

if [ "$site" = b ]; then
	reloads=0
	until [ -e /hcx-out/calm ]; do
		for ((i = RANDOM % 16 + 8; i > 0; i--)); do
			[ -e /hcx-out/calm ] && break 2
			sleep 1
		done
		if [ $((RANDOM % 4)) = 0 ]; then
			note "link down"
			flap
		else
			note "reload"
			reload || { say "reload failed"; exit 5; }
			reloads=$((reloads + 1))
		fi
	done
	say "reloads=$reloads"
	say calm
	until [ -e /hcx-out/stop ]; do
		sleep 0.5
	done
	unpair
	sync
	exit 0
fi

for d in $disks; do
	sync_until_there "$d" full || exit 4
	hcxrepl disk replicate "$d" on || exit 4
done
record_devices || exit 4
PART_BLOCKS=$(($(blockdev --getsize64 "$(cat /tmp/dev-vm1)") / 4096))
writer &
writer_pid=$!
for ((r = 1; r <= rounds; r++)); do
	sleep $((RANDOM % 5 + 2))
	d=vm$((RANDOM % 2 + 1))
	case $((RANDOM % 4)) in
	0)
		note "round $r: reload"
		exec 9>/tmp/wlock
		flock 9
		reload || { say "reload failed"; exit 5; }
		record_devices || exit 5
		flock -u 9
		exec 9>&-
		for d in $disks; do
			sync_until_there "$d" checksum || exit 5
		done
		;;
	1)
		note "round $r: $d off and on"
		try hcxrepl disk replicate "$d" off
		sleep $((RANDOM % 4))
		;;
	2)
		note "round $r: $d paused"
		try hcxrepl disk pause "$d"
		sleep $((RANDOM % 6 + 1))
		try hcxrepl disk resume "$d"
		;;
	3)
		note "round $r: link down"
		flap
		;;
	esac
	# Replication on again wherever it stopped (refused while an
	# operation still runs: then it waits for its end).
	for d in $disks; do
		[ "$(field "$d" state)" = idle ] || continue
		hcxrepl disk replicate "$d" on 2>/dev/null ||
			{ wait_idle "$d"; try hcxrepl disk replicate "$d" on; }
	done
done
touch /tmp/stop
wait $writer_pid
say final
until [ -e /hcx-out/go ]; do
	sleep 0.5
done
for d in $disks; do
	try hcxrepl disk replicate "$d" off
	wait_idle "$d"
	hcxrepl disk sync "$d" delta && wait_idle "$d" ||
		note "$d: the final delta failed"
	say "$d-final=$(hcxrepl -j disk show "$d" | json "'%s %d %d' % (
		j[0]['state'], j[0]['dirty_bytes'], j[0]['last_error'])")"
	hcxrepl disk switchover "$d" verify && say "$d-switched=yes"
	say "$d-roles=$(field "$d" role)"
done
unpair
sync
EOF

declare -A pid
# boot NAME SITE: boot a site in the background; it keeps its files in
# $work/NAME.
boot() {
	local name=$1 site=$2 kernel=$kernel_a link=$port_a:$port_b s=$seed
	[ "$site" = b ] && kernel=$kernel_b link=$port_b:$port_a s=$((seed + 1))
	selftests/vm/vm.sh --kernel "$kernel" --cpus 1 --name "site-$site" \
		--append "$HCX_SITE_ARGS" \
		--out "$work/$name" --timeout 900 --disk "$work/$site.img" \
		--link "$link" --mac "52:54:00:00:00:0$site" --live -- \
		bash "$work/site.sh" "$site" "$work" "$s" "$ROUNDS" \
		>"$work/$name.log" 2>&1 &
	pid[$name]=$!
}
# said NAME LINE: the site printed LINE.
said() {
	grep -qx "$2" "$work/$1.log"
}
# await NAME LINE SECONDS: wait until the site printed LINE, or ended.
await() {
	local end=$((SECONDS + $3))
	until said "$1" "$2"; do
		kill -0 "${pid[$1]}" 2>/dev/null && [ $SECONDS -lt $end ] ||
			return 1
		sleep 1
	done
}
# value NAME KEY: what the site reported as KEY=VALUE.
value() {
	sed -n "s/^[ab]: $2=//p" "$work/$1.log" | tail -n 1
}

boot b b
boot a a
check "site A's writes and faults end" await a "a: final" 800
touch "$work/b/calm"
check "site B calms down" await b "b: calm" 120
touch "$work/a/go"
wait "${pid[a]}"
check_eq "site A's run ends" 0 $?
touch "$work/b/stop"
wait "${pid[b]}"
check_eq "site B's run ends" 0 $?
grep -h '^# [ab]: ' "$work/a.log" "$work/b.log"
check "site B reloaded its module under replication" \
	test "$(value b reloads)" -gt 0
check "site A wrote" test "$(value a writes)" -gt 0
check_eq "every write at site A succeeded" 0 "$(value a write_failures)"
for i in 1 2; do
	d=vm$i
	check_eq "$d: the source was idle with nothing dirty, without error" \
		"idle 0 0" "$(value a "$d-final")"
	check_eq "$d: the switchover with verify succeeded" yes \
		"$(value a "$d-switched")"
	check_eq "$d: site A is the target now" target \
		"$(value a "$d-roles" | cut -d, -f1)"
	skip=$((1048576 + (i - 1) * PART_MB * 1048576))
	if cmp -s -i "$skip:$skip" -n $((PART_MB * 1048576)) \
		"$work/a.img" "$work/b.img"; then
		tap_ok "$d: the target equals the source byte for byte"
	else
		tap_not_ok "$d: the target equals the source byte for byte"
		echo "# $d: $(/usr/bin/python3 selftests/lib/chunkdiff.py \
			<(tail -c +$((skip + 1)) "$work/a.img" | head -c $((PART_MB << 20))) \
			<(tail -c +$((skip + 1)) "$work/b.img" | head -c $((PART_MB << 20))) \
			"$CHUNK") chunks differ; seed $seed"
	fi
done
[ "$TAP_FAIL" = 0 ] || sed 's/^/# /' "$work/a.log" "$work/b.log" | tail -n 80
tap_done
