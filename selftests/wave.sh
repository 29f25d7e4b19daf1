#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wave.sh [DISKS [SIZE_KB]]: a wave of DISKS (200) small disks of SIZE_KB
# (1024) KiB replicating at once through one device pair (design.rst,
# "Waves"):
#
# - each site applies one plan of DISKS disks (the pairing and every disk):
#   in seconds, not minutes; the sources' full syncs all start at once;
# - every sync ends within the deadline, with no disk waiting behind the
#   others for long: the last ends at most a few times later than the
#   median;
# - every copy is byte-identical to its source;
# - the kernel memory the wave takes (slab, vmalloc and per-CPU pages from
#   /proc/meminfo, at the peak of the syncs, against before the disks) is
#   at most the pool's fixed budget plus 256 KiB per disk.
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

[Peer]
PublicKey = $peer_pub
Endpoint = $endpoint
EOF
	for ((i = 0; i < DISKS; i++)); do
		printf '\n[Disk]\nName = %s\nBacking = /dev/ram%d\nRole = %s\n' \
			"$(name "$i")" $((base + i)) "$role"
		[ "$role" = source ] && echo "Sync = full"
	done
}
plan b target "$DISKS" "$(cat b.pub)" 10.0.0.1:$PORT_A $PORT_B >b.plan
plan a source 0 "$(cat a.pub)" 10.0.0.2:$PORT_B $PORT_A >a.plan

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
		test \$(grep -c 'full sync started' a.out) = $DISKS"
secs=$((SECONDS - start))
echo "# site A's plan: $secs s"
check "in $PLAN_SECONDS s or less" test "$secs" -le $PLAN_SECONDS

# Until every disk is idle: the peak of kernel memory, and when each ended.
peak=$(kernel_kb)
declare -A ended
while [ "${#ended[@]}" -lt "$DISKS" ] && [ $((SECONDS - start)) -lt $DEADLINE ]; do
	kb=$(kernel_kb)
	[ "$kb" -le "$peak" ] || peak=$kb
	while read -r n state; do
		[ "$state" = idle ] && [ -z "${ended[$n]}" ] &&
			ended[$n]=$((SECONDS - start))
	done < <(nsx site-a hcxrepl -j disk show |
		json "'\n'.join(d['name'] + ' ' + d['state'] for d in j)")
	sleep 1
done
check_eq "every sync ended within $DEADLINE s" "$DISKS" "${#ended[@]}"
times=$(printf '%s\n' "${ended[@]}" | sort -n)
median=$(sed -n "$(((${#ended[@]} + 1) / 2))p" <<<"$times")
last=$(tail -n 1 <<<"$times")
echo "# syncs ended: median at ${median:-?} s, last at ${last:-?} s"
check "no disk starved: the last ended within three times the median (+10 s)" \
	test "${last:-999999}" -le $((3 * ${median:-0} + 10))
check_eq "without an error" "" \
	"$(nsx site-a hcxrepl -j disk show |
		json "' '.join(d['name'] for d in j if d['last_error'])")"
differ=()
for ((i = 0; i < DISKS; i++)); do
	cmp -s "/dev/ram$i" "/dev/ram$((DISKS + i))" || differ+=("$(name "$i")")
done
check_eq "every copy is identical" "" "${differ[*]}"

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
