#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's migration, inside a VM (make demo boots one for it; make check
# runs it in its short form).
#
#   demo_guest.sh IMAGE [--short]
#
# Two sites, network namespaces joined by a WAN (100 Mbit/s with 10 ms each
# way; --short: unshaped, and shorter waits).  Each site applies its half of
# a migration plan: the pairing, the extended segment br-app, the disk.
# The "VM" is a network namespace with its address on that segment and an
# ext4 disk (a copy of IMAGE) that a workload writes to.  It moves from
# site A to site B: a full sync with live progress while the workload
# writes, continuous replication, a switchover scheduled a few seconds
# ahead with verify, the VM powered off just before it and started at site
# B after it.  The checks (TAP) fail the run: the peer answers across the
# segment, the sync and the switchover finish, both disks hold the same
# bytes, no write the workload saw completed is lost, and the VM keeps its
# address and MAC and answers the gateway that stayed at site A.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

image=$1
short=${2:-}
VM_IP=10.20.0.10
VM_MAC=52:54:00:20:00:0a
work=$(mktemp -d)
lead=12 # seconds from scheduling the switchover to its time
[ -z "$short" ] || lead=6

say() { printf '\n== %s\n' "$*"; }
# run SITE COMMAND...: show an operator's command at SITE, then run it.
run() {
	printf '%s# %s\n' "$1" "${*:2}"
	nsx "$@"
}
# shown TEXT COMMAND...: a check whose command's output is shown.
shown() {
	local text=$1

	shift
	if "$@"; then
		tap_ok "$text"
	else
		tap_not_ok "$text"
	fi
}
now() { echo "$EPOCHREALTIME"; }
# secs A B: seconds from A to B, one decimal.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mb() { awk -v n="$1" 'BEGIN { printf "%.1f MB", n / 1e6 }'; }
# jstat SITE KEY: a counter of vm1 at SITE, from the CLI's JSON.
jstat() { stat_of "$1" vm1 "$2"; }
# wait_text SITE PATTERN SECONDS: hcxrepl disk show vm1 at SITE matches.
wait_text() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[[ $(nsx "$1" hcxrepl disk show vm1) =~ $2 ]] && return 0
		sleep 0.1
	done
	nsx "$1" hcxrepl disk show vm1 | sed 's/^/# /'
	return 1
}

# workload DIR: the VM's application, until $work/stop appears: a batch of
# order records, its number appended to a journal, the file system synced,
# and only then the number counted as written in $work/acked.
workload() {
	local dir=$1 seq=0 i
	while [ ! -e "$work/stop" ]; do
		seq=$((seq + 1))
		for ((i = 0; i < 400; i++)); do
			echo "order $seq.$i shipped $EPOCHREALTIME to customer $((RANDOM * RANDOM)) of region $((RANDOM % 16))"
		done >"$dir/orders-$seq.log"
		echo "$seq" >>"$dir/journal"
		sync -f "$dir/journal" || return 1
		echo "$seq" >"$work/acked"
		sleep 0.2
	done
}

# The lines of hcxrepl monitor, indented: each fits 80 columns, the
# summary of the sources first whenever it changes.  A shell loop, not
# sed, whose output buffering would hold the lines back.
indent() {
	local line
	while IFS= read -r line; do
		printf '  %s\n' "$line"
	done
}

say "Two sites, A and B, joined by a WAN"
check "module loads" load_module
wan_up
if [ -z "$short" ]; then
	for s in site-a site-b; do
		nsx wan tc qdisc add dev "to-$s" root netem delay 10ms rate 100mbit limit 2000
	done
	echo "the WAN: 100 Mbit/s, 10 ms each way (netem)"
fi
for s in a b; do
	(umask 077 && hcxrepl genkey >"$work/site-$s.key")
	hcxrepl pubkey <"$work/site-$s.key" >"$work/site-$s.pub"
done

# The VM, at site A: its NIC's other end is a port of site A's segment.
ip netns add vm1
ip link add eth0 netns vm1 address "$VM_MAC" type veth peer name vm1-port netns site-a
nsx vm1 ip link set lo up
nsx vm1 ip addr add "$VM_IP/24" dev eth0
nsx vm1 ip link set eth0 up

size=$(stat -c %s "$image")
cp --sparse=always "$image" "$work/vm1-a.img"
truncate -s "$size" "$work/vm1-b.img"
loop_a=$(losetup -f --show "$work/vm1-a.img")
loop_b=$(losetup -f --show "$work/vm1-b.img")

# plan SITE PEER PEER_IP BACKING ROLE [PORTS]: SITE's half of the plan.
plan() {
	cat <<EOF
# Site ${1^^}'s half of vm1's migration: pair with site ${2^^},
# extend the segment br-app, replicate vm1's disk.
[Interconnect]
Device = hcx0
PrivateKeyFile = $work/site-$1.key
ListenPort = 51820

[Peer]
PublicKey = $(cat "$work/site-$2.pub")
Endpoint = $3:51820

[Network]
Bridge = br-app
${6:+Ports = $6}

[Disk]
Name = vm1
Backing = $4
Role = $5
EOF
}
plan b a 10.0.0.1 "$loop_b" target >"$work/site-b.plan"
{
	plan a b 10.0.0.2 "$loop_a" source vm1-port
	echo "Compress = lz4"
	echo "Sync = full"
} >"$work/site-a.plan"

say "Site B applies its plan: the target side"
shown "site B's plan applies" run site-b hcxrepl plan apply "$work/site-b.plan"
nsx site-b ip addr add 10.20.0.2/24 dev br-app

say "Site A applies its plan: the VM's disk, whose full sync starts"
cat "$work/site-a.plan"
# The monitor shows the disk from when the plan adds it.
nsx site-a hcxrepl monitor vm1 > >(indent) &
monitor=$! # the monitor, whose end ends indent
t_sync=$(now)
shown "site A's plan applies" run site-a hcxrepl plan apply "$work/site-a.plan"
nsx site-a ip addr add 10.20.0.1/24 dev br-app
dev_a=$(field site-a vm1 device)
dev_b=$(field site-b vm1 device)
mkdir -p /run/vm1
check "the VM's disk mounts at site A ($dev_a)" mount "$dev_a" /run/vm1
workload /run/vm1 &
vm_workload=$!
check "site B reaches the VM across the extended segment" \
	nsx site-b ping -c 2 -W 5 "$VM_IP"

check "the full sync finishes" wait_idle site-a vm1 900
t_synced=$(now)
sync_logical=$(jstat site-a logical_bytes)
sync_wire=$(jstat site-a wire_bytes)
shown "continuous replication starts" \
	run site-a hcxrepl disk replicate vm1 on
sleep 2
at=$(date -d "+$lead seconds" +%H:%M:%S)
shown "the switchover is scheduled" \
	run site-a hcxrepl disk switchover vm1 at "$at" verify
check "hcxrepl disk show says when" wait_text site-a "switchover at: [0-9-]+ $at" 5

# Power the VM off a second before the switchover, as HCX does at its
# switchover: the workload stops and its file system is unmounted.
sleep "$(awk -v t="$(date -d "$at" +%s)" -v n="$(now)" 'BEGIN { d = t - n - 1; print (d > 0 ? d : 0) }')"
touch "$work/stop"
wait "$vm_workload"
umount /run/vm1
t_off=$(now)
say "The VM powers off at site A (after write $(cat "$work/acked")); the switchover is at $at"
check "site B takes over" wait_text site-b "role: source" 120
t_over=$(now)
kill "$monitor"
wait "$monitor" 2>/dev/null
check "site A is a consistent target" wait_text site-a "role: target, consistent" 10
check "the switchover's verify found no difference" \
	test "$(jstat site-a verify_mismatches)" = 0
t_cmp=$(now)
if same_bytes "$loop_a" "$loop_b"; then
	tap_ok "both disks hold the same bytes"
	verified="identical (by hash, then byte for byte)"
else
	tap_not_ok "both disks hold the same bytes"
	verified="THE DISKS DIFFER"
fi

t_cmp=$(secs "$t_cmp" "$(now)")
say "The VM starts at site B"
ip -n site-a link set vm1-port netns site-b
ip -n site-b link set vm1-port master br-app up
check "the VM's disk mounts at site B ($dev_b)" mount "$dev_b" /run/vm1
acked=$(cat "$work/acked")
check_eq "no completed write is lost: the journal ends at write $acked" \
	"$acked" "$(tail -n 1 /run/vm1/journal)"
rm -f "$work/stop"
workload /run/vm1 &
vm_workload=$!
for ((i = 0; i < 100; i++)); do
	nsx site-a ping -c 1 -W 1 "$VM_IP" >/dev/null && break
done
t_up=$(now)
check "the gateway at site A reaches the VM at site B" \
	nsx site-a ping -c 2 -W 5 "$VM_IP"
check_eq "the VM kept its address and MAC" "$VM_IP $VM_MAC" \
	"$(nsx vm1 ip -br addr show eth0 | awk '{ print $3 }' | cut -d/ -f1) $(nsx vm1 cat /sys/class/net/eth0/address)"
touch "$work/stop"
wait "$vm_workload"
umount /run/vm1
run site-b hcxrepl disk show vm1

logical=$(jstat site-a logical_bytes)
wire=$(jstat site-a wire_bytes)
say "Summary: vm1 moved from site A to site B"
{
	row() { printf '%-20s %s\n' "$@"; }
	row "disk" "$((size >> 20)) MiB ext4 ($(basename "$image"))"
	row "initial sync" "$(awk -v l="$sync_logical" -v w="$sync_wire" \
		-v s="$(secs "$t_sync" "$t_synced")" \
		'BEGIN { printf "%.1f MB in %.1f s: %.1f MB/s, %.1f Mbit/s on the wire", l / 1e6, s, l / s / 1e6, w * 8 / s / 1e6 }')"
	row "whole migration" "$(mb "$logical") logical, $(mb "$wire") on the wire"
	row "reduction" "$(awk -v l="$logical" -v w="$wire" \
		-v z="$(jstat site-a zero_bytes)" -v d="$(jstat site-a dedup_bytes)" \
		-v c="$(jstat site-a compress_saved_bytes)" \
		'BEGIN { printf "%.2fx (zero blocks %.0f%%, dedup %.0f%%, compression %.0f%%)", l / w, 100 * z / l, 100 * d / l, 100 * c / l }')"
	row "switchover downtime" "$(secs "$t_off" "$t_over") s, VM off at A to B writable (verify on)"
	row "VM back at site B" "$(secs "$t_off" "$t_up") s after power-off ($t_cmp s comparing disks)"
	row "verification" "$verified"
} | sed 's/^/  /'
tap_done
