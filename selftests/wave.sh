#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wave.sh [DISKS [SIZE_KB]]: a wave of DISKS (200) small disks of SIZE_KB
# (1024) KiB replicating at once through one device pair (design.rst,
# "Waves"):
#
# - each site applies one plan of DISKS disks (the pairing and every disk)
#   in seconds; site A's with a replication rate limit of 100kbit, so that
#   every full sync has started, and barely moved, when the limit is
#   lifted: the whole wave then goes at once;
# - every sync ends within the deadline, and none waits behind the others
#   for long: the last ends within three times the median;
# - the first disk in the plan has priority 1 and the last 9: the last ends
#   among the first sixteen (the lanes serve it first), the first among the
#   last sixteen, by the end times the module keeps (end_ms);
# - the disk in the middle of the plan syncs nothing by itself: a
#   switchover scheduled a few seconds into the wave moves all of it,
#   succeeds, and ends among the first sixteen: a scheduled switchover's
#   final delta goes before bulk work (scheduled, because under the wave's
#   load a command may wait tens of seconds for the CPU: one did);
# - every copy is byte-identical to its source;
# - hcxrepl monitor shows the wave: every line fits 80 columns, its
#   summary saw disks waiting their turn and ends with all done;
# - the kernel memory the wave takes (slab, vmalloc and per-CPU pages from
#   /proc/meminfo, at the peak of the syncs, against before the disks, both
#   sites in this VM) is at most the pool's fixed budget plus 256 KiB per
#   disk.
#
# The disks are brd RAM disks: DISKS losetup calls would cost minutes under
# emulation.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

DISKS=${1:-200}
SIZE_KB=${2:-1024}
PORT_A=51820
PORT_B=51821
DEADLINE=600		# seconds for the whole wave
PLAN_SECONDS=30		# for each site's plan apply
POOL_BUDGET_KB=$((64 * 1024))	# design.rst, "Waves": the pool at most
PER_DISK_KB=256
SWITCHOVER_IN=5		# seconds from its scheduling, a few into the wave
work=$(mktemp -d)
cd "$work" || exit 1

# kernel_kb: kernel memory that the module's objects live in, KiB.
kernel_kb() {
	awk '/^(Slab|VmallocUsed|Percpu):/ { kb += $2 } END { print kb }' \
		/proc/meminfo
}
name() {
	printf 'w%03d' "$1"
}

check "module loads" load_module
check "sites pair" sites_up "$work" $PORT_A $PORT_B
check "$((2 * DISKS)) RAM disks of $SIZE_KB KiB" \
	modprobe brd rd_nr=$((2 * DISKS)) rd_size="$SIZE_KB"
# Sources at /dev/ram0.., targets at /dev/ram$DISKS..; random data.
for ((i = 0; i < DISKS; i++)); do
	head -c $((SIZE_KB * 1024)) /dev/urandom >"/dev/ram$i"
done
sync

plan() {
	local site=$1 role=$2 base=$3 peer_pub=$4 endpoint=$5 port=$6 i
	cat <<EOF
[Interconnect]
Device = hcx0
PrivateKeyFile = $work/$site.key
ListenPort = $port

EOF
	[ "$role" = source ] && echo "Rate = 100kbit"
	cat <<EOF

[Peer]
PublicKey = $peer_pub
Endpoint = $endpoint
EOF
	for ((i = 0; i < DISKS; i++)); do
		printf '\n[Disk]\nName = %s\nBacking = /dev/ram%d\nRole = %s\n' \
			"$(name "$i")" $((base + i)) "$role"
		[ "$role" = source ] || continue
		[ "$i" = $((DISKS / 2)) ] && echo "Sync = none" ||
			echo "Sync = full"
		[ "$i" = 0 ] && echo "Priority = 1"
		[ "$i" = $((DISKS - 1)) ] && echo "Priority = 9"
	done
	return 0
}
plan b target "$DISKS" "$(cat a.pub)" 10.0.0.1:$PORT_A $PORT_B >b.plan
plan a source 0 "$(cat b.pub)" 10.0.0.2:$PORT_B $PORT_A >a.plan

# The monitor's lines, each after the time it arrived (bash's clock: no
# fork per line).
nsx site-a hcxrepl monitor 2>&1 | while IFS= read -r line; do
	printf '%s %s\n' "$EPOCHREALTIME" "$line"
done >monitor.out &
monitor=$!
before=$(kernel_kb)
start=$SECONDS
check "site B's plan of $DISKS targets applies" \
	bash -c "ip netns exec site-b hcxrepl plan apply b.plan >b.out"
secs=$((SECONDS - start))
echo "# site B's plan: $secs s"
check "in $PLAN_SECONDS s or less" test "$secs" -le $PLAN_SECONDS
start=$SECONDS
check "site A's plan of $DISKS sources applies, every sync started" \
	bash -c "ip netns exec site-a hcxrepl plan apply a.plan >a.out &&
		test \$(grep -c 'full sync started' a.out) = $((DISKS - 1))"
secs=$((SECONDS - start))
echo "# site A's plan: $secs s"
check "in $PLAN_SECONDS s or less" test "$secs" -le $PLAN_SECONDS
check_eq "every sync runs, the switchover's disk alone is idle" 1 \
	"$(nsx site-a hcxrepl disk show | grep -c 'state: idle')"
# The module runs a scheduled switchover at its time, whatever the load.
switchover=$(name $((DISKS / 2)))
check_eq "$switchover synced nothing" 0 \
	"$(field site-a "$switchover" synced_bytes)"
# Nothing slow between it and the lift: the limit would hold it back.
switchover_at=$((${EPOCHREALTIME%.*} + SWITCHOVER_IN))
check "a switchover of $switchover is scheduled in $SWITCHOVER_IN s" \
	nsx site-a hcxrepl disk switchover "$switchover" at "@$switchover_at"
lifted=$EPOCHREALTIME
check "the limit is lifted: the wave goes" nsx site-a hcxrepl set hcx0 rate off
start=$SECONDS

# Until every disk is idle (or none is there: the plan failed): the peak
# of kernel memory, and which disks were seen idle (the text of disk show,
# read by awk).
peak=$(kernel_kb)
declare -A ended
while [ $((SECONDS - start)) -lt $DEADLINE ]; do
	kb=$(kernel_kb)
	[ "$kb" -le "$peak" ] || peak=$kb
	seen=0
	while read -r n state; do
		seen=$((seen + 1))
		[ "$state" = idle ] && ended[$n]=seen
	done < <(nsx site-a hcxrepl disk show |
		awk '$1 == "disk:" { n = $2 } $1 == "state:" { print n, $2 }')
	[ "$seen" -gt 0 ] && [ "${#ended[@]}" -lt "$DISKS" ] || break
	sleep 0.2
done
check_eq "every sync ended within $DEADLINE s" "$DISKS" "${#ended[@]}"
# When each one ended, by the module's clock: a poll under the wave's load
# may take many seconds (one took 28), too coarse to order the disks.
lifted_ms=$((${lifted/./} / 1000))
while read -r n ms; do
	ended[$n]=$(awk -v e="$ms" -v l="$lifted_ms" \
		'BEGIN { printf "%.2f", (e - l) / 1000 }')
done < <(nsx site-a hcxrepl -j disk show | json "'\\n'.join('%s %d' %
	(d['name'], d['end_ms']) for d in j)")
times=$(printf '%s\n' "${ended[@]}" | sort -n)
median=$(sed -n "$(((${#ended[@]} + 1) / 2))p" <<<"$times")
last=$(tail -n 1 <<<"$times")
first=$(sed -n 16p <<<"$times")
echo "# syncs ended after the lift: the 16th at ${first:-?} s, median ${median:-?} s, last ${last:-?} s"
check "no disk starved: the last ended within three times the median" \
	awk -v l="${last:-999999}" -v m="${median:-0}" 'BEGIN { exit !(l <= 3 * m) }'
echo "# $(name $((DISKS - 1))) (priority 9) ended at ${ended[$(name $((DISKS - 1)))]:-?} s, $(name 0) (priority 1) at ${ended[$(name 0)]:-?} s"
check "the disk of priority 9 ended among the first sixteen" \
	awk -v t="${ended[$(name $((DISKS - 1)))]:-999999}" -v f="${first:-0}" \
	'BEGIN { exit !(t <= f) }'
late=$(sed -n "$((${#ended[@]} - 15))p" <<<"$times")
check "the disk of priority 1 ended among the last sixteen" \
	awk -v t="${ended[$(name 0)]:-0}" -v l="${late:-999999}" \
	'BEGIN { exit !(t >= l) }'
begun=$(awk -v e="$switchover_at" -v l="$lifted" 'BEGIN { printf "%.2f", e - l }')
echo "# $switchover switched over at $begun s after the lift, ended at ${ended[$switchover]:-?} s"
check_eq "$switchover is a target at site A now" target \
	"$(field site-a "$switchover" role)"
check "it ended among the first sixteen: its final delta went first" \
	awk -v t="${ended[$switchover]:-999999}" -v f="${first:-0}" \
	'BEGIN { exit !(t <= f) }'
check_eq "without an error" "" \
	"$(nsx site-a hcxrepl -j disk show |
		json "' '.join(d['name'] for d in j if d['last_error'])")"
differ=()
for ((i = 0; i < DISKS; i++)); do
	cmp -s "/dev/ram$i" "/dev/ram$((DISKS + i))" || differ+=("$(name "$i")")
done
check_eq "every copy is identical" "" "${differ[*]}"

sleep 2
kill "$monitor"
pkill -f 'hcxrepl monitor'
wait "$monitor" 2>/dev/null
cut -d' ' -f2- monitor.out >monitor.lines
check_eq "every line of hcxrepl monitor fits 80 columns" "" \
	"$(awk 'length($0) > 80' monitor.lines | head -n 3)"
last=$(grep '^disks ' monitor.lines | tail -n 1)
echo "# monitor's last summary: $last"
# Site A holds one source less: the disk switched over.
check "its summary ends with every source done" \
	grep -q "^disks $((DISKS - 1)): done $((DISKS - 1)), running 0, waiting 0, failed 0; " <<<"$last"
check "it saw disks waiting their turn" \
	grep -Eq '^disks [0-9]+: done [0-9]+, running [0-9]+, waiting [1-9]' monitor.lines

used=$((peak - before))
echo "# kernel memory at the peak: $((used / 1024)) MiB over before the disks, $((used / DISKS)) KiB per disk"
check "at most the pool's $((POOL_BUDGET_KB / 1024)) MiB and $PER_DISK_KB KiB per disk" \
	test "$used" -le $((POOL_BUDGET_KB + DISKS * PER_DISK_KB))

for ((i = 0; i < DISKS; i++)); do
	nsx site-a hcxrepl disk del "$(name "$i")"
	nsx site-b hcxrepl disk del "$(name "$i")"
done
ip -all netns delete
check "module unloads" rmmod hcxrepl
check "the RAM disks go" rmmod brd
cd / && rm -rf "$work"
tap_done
