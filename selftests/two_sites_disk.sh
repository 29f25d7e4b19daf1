#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Disk replication in two-VM mode, through the faults a site can suffer:
# site A (the source) and site B (the target) each boot their own kernel
# with their own disk image, joined by a virtual Ethernet link.  Mid-sync:
#
#   1. site B reloads its module and is configured again;
#   2. site B's VM is killed, as in a power cut, and booted again;
#   3. site A's VM is killed and booted again, then syncs by checksum.
#
# Each ends with the two images byte-identical, and what moved after the
# restart is what the replica still missed (counted here, independently of
# the module, by comparing the images chunk by chunk), plus at most the
# records that were in flight; after a checksum sync, exactly that.
#
# usage: two_sites_disk.sh [KERNEL_A [KERNEL_B]]   (default 6.1 and 6.12)
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/vm/lib.sh"

kernel_a=${1:-6.1}
kernel_b=${2:-6.12}
SIZE_MB=48
CHUNK=65536
STREAMS=2
CHUNKS=$((SIZE_MB * 1048576 / CHUNK))
# Chunks sent and not yet acknowledged: at most 32 records per stream.
WINDOW=$((STREAMS * 32 * CHUNK))
two_sites_work two-sites-disk || exit 1
cd "$HCX_TOP" || exit 1
# Random data: nothing in it is zero or repeats, so every chunk must move.
head -c "${SIZE_MB}M" /dev/urandom >"$work/a.img"

# site.sh SITE WORK MODE: what a site runs.  It reports on its standard
# output, which the host reads as it is written; the host ends a target's
# run by creating "stop" in the VM's output directory.
#   a full        source: a full sync to its end
#   a checksum    source after a crash: a checksum sync to its end
#   b serve       target: serve until stopped
#   b reload      target: once a third of the disk has arrived, reload the
#                 module and set everything up again
#   b rejoin      target after a crash: serve until stopped
# Sites that restart report "missing=BYTES", what their disk lacked of the
# other image, and at the end the replication bytes of their run.
cat >"$work/site.sh" <<EOF
CHUNK=$CHUNK STREAMS=$STREAMS
EOF
cat >>"$work/site.sh" <<'EOF'
site=$1 work=$2 mode=$3
. selftests/lib/hcx.sh
case $site in
a) addr=192.0.2.1 peer=192.0.2.2 other=b role=source ;;
b) addr=192.0.2.2 peer=192.0.2.1 other=a role=target ;;
esac
say() { echo "$site: $*"; }
field() { hcxrepl -j disk show vm1 | json "j[0]['$1']"; }
# logical: chunk bytes this site sent (a source) or wrote (a target).
logical() { hcxrepl -j disk show vm1 | json "j[0]['stats']['logical_bytes']"; }
# pair: the interconnect device, with the fixed MAC address an appliance's
# configuration would give it, and the disk over this site's virtio disk.
pair() {
	ip link add hcx0 address "02:00:00:00:09:0$site" type hcxrepl &&
	hcxrepl set hcx0 private-key "$work/$site.key" listen-port 51820 \
		peer "$(cat "$work/$other.pub")" endpoint "$peer:51820" &&
	ip link set hcx0 up &&
	hcxrepl disk add vm1 dev hcx0 backing /dev/vda role "$role" \
		streams "$STREAMS"
}
# missing: bytes of this site's disk that differ from the other's image.
missing() {
	local n
	n=$(dd if=/dev/vda bs=1M iflag=direct status=none |
		/usr/bin/python3 selftests/lib/chunkdiff.py - "$work/$other.img" "$CHUNK") &&
	echo $((n * CHUNK))
}
wait_idle() {
	while [ "$(field state)" != idle ]; do
		sleep 0.5
	done
}
ip link set eth0 up && ip addr add "$addr/24" dev eth0 || exit 2
# A WAN's rate, which also leaves a sync time to be interrupted.
tc qdisc add dev eth0 root tbf rate 50mbit burst 32kb latency 100ms || exit 2
for i in $(seq 60); do
	ping -c 1 -W 1 "$peer" >/dev/null && break
done
[ "$mode" = rejoin ] || [ "$mode" = checksum ] && say "missing=$(missing)"
load_module && pair || { say "setup failed"; exit 3; }
case $mode in
full | checksum)
	# The target may still be booting: until it has the disk, it refuses
	# the operation (ENOENT), which then ends before it began.
	for i in $(seq 120); do
		hcxrepl disk sync vm1 "$mode" || exit 4
		wait_idle
		[ "$(field last_error)" = 2 ] || break
		sleep 1
	done
	[ "$(field last_error)" = 0 ] || { say "error $(field last_error)"; exit 4; }
	say "moved=$(logical)"
	exit 0
	;;
reload)
	total=$(field total_bytes)
	while [ "$(logical)" -lt $((total / 3)) ]; do
		sleep 0.2
	done
	hcxrepl disk del vm1 && ip link del hcx0 && rmmod hcxrepl ||
		{ say "unload failed"; exit 5; }
	say "missing=$(missing)"
	load_module && pair || { say "setup after the reload failed"; exit 6; }
	;;
esac
while [ ! -e /hcx-out/stop ]; do
	sleep 0.5
done
say "written=$(logical)"
EOF

declare -A pid
# boot NAME SITE MODE: boot a site in the background; it keeps its files
# in $work/NAME.
boot() {
	local name=$1 site=$2 mode=$3 kernel=$kernel_a link=$port_a:$port_b
	[ "$site" = b ] && kernel=$kernel_b link=$port_b:$port_a
	selftests/vm/vm.sh --kernel "$kernel" --cpus 1 --name "site-$site" \
		--append "$HCX_SITE_ARGS" \
		--out "$work/$name" --timeout 300 --disk "$work/$site.img" \
		--link "$link" --mac "52:54:00:00:00:0$site" -- \
		bash "$work/site.sh" "$site" "$work" "$mode" >"$work/$name.log" 2>&1 &
	pid[$name]=$!
}
# finish NAME: wait for the site's end; its exit status.
finish() {
	wait "${pid[$1]}"
}
# report NAME KEY: a number the site reported.
report() {
	sed -n "s/^[ab]: $2=\([0-9]*\)$/\1/p" "$work/$1/output" | tail -n 1
}
# arrived: chunks of site A's image that site B's already holds.
arrived() {
	echo $((CHUNKS - $(/usr/bin/python3 selftests/lib/chunkdiff.py \
		"$work/a.img" "$work/b.img" "$CHUNK")))
}
# kill_mid_sync NAME: once a third of the disk arrived, pull the plug.
kill_mid_sync() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(arrived)" -ge $((CHUNKS / 3)) ] && break
		sleep 0.5
	done
	kill -TERM "${pid[$1]}"
	finish "$1"
}
# show_failed NAME...: the output of sites that failed, as TAP comments.
show_failed() {
	local name
	for name in "$@"; do
		sed "s/^/# $name: /" "$work/$name.log"
	done
}
identical() {
	cmp "$work/a.img" "$work/b.img"
}
# empty_target: site B's image, all zeroes.
empty_target() {
	rm -f "$work/b.img"
	truncate -s "${SIZE_MB}M" "$work/b.img"
}
# check_ends TEXT SOURCE TARGET: the source's run ends, then the target's,
# which is told to stop; both succeed.  Their output is shown if not.
check_ends() {
	local rc_a=0 rc_b=0
	finish "$2" || rc_a=$?
	touch "$work/$3/stop"
	finish "$3" || rc_b=$?
	check "$1" test "$rc_a$rc_b" = 00
	[ "$rc_a$rc_b" = 00 ] || show_failed "$2" "$3"
}
# check_resent TEXT MISSING MOVED: MOVED is MISSING plus at most the
# records that were in flight, and MISSING was neither nothing nor all.
check_resent() {
	echo "# $2 bytes missing at the restart, $3 moved after it"
	check "$1" test -n "$2" -a -n "$3" -a "${2:-0}" -gt 0 \
		-a "${2:-0}" -lt $((CHUNKS * CHUNK)) -a "${3:-0}" -ge "${2:-0}" \
		-a "${3:-0}" -le $((${2:-0} + WINDOW))
}

# 1. The target reloads its module mid-sync.
empty_target
boot b1 b reload
boot a1 a full
check_ends "target reloads its module mid-sync, the sync goes on to its end" a1 b1
check "after the reload the images are identical" identical
check_resent "after the reload the target got what it missed, plus what was in flight" \
	"$(report b1 missing)" "$(report b1 written)"

# 2. The target's VM is killed mid-sync and boots again.
empty_target
boot b2 b serve
boot a2 a full
kill_mid_sync b2
check_eq "the target's VM is killed mid-sync (status 143)" 143 $?
boot b3 b rejoin
check_ends "the target boots again, the sync goes on to its end" a2 b3
check "after the target's restart the images are identical" identical
check_resent "after its restart the target got what it missed, plus what was in flight" \
	"$(report b3 missing)" "$(report b3 written)"

# 3. The source's VM is killed mid-sync, boots again and syncs by checksum.
empty_target
boot b4 b serve
boot a3 a full
kill_mid_sync a3
check_eq "the source's VM is killed mid-sync (status 143)" 143 $?
boot a4 a checksum
check_ends "the source boots again and its checksum sync ends" a4 b4
check "after the source's restart the images are identical" identical
missing=$(report a4 missing)
moved=$(report a4 moved)
echo "# source restart: $missing bytes missing, $moved moved by the checksum sync"
check "the checksum sync moved exactly what the target missed" \
	test -n "$missing" -a "$missing" -gt 0 -a "$missing" = "$moved"
tap_done
