#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clones.sh [CLONES [SIZE_MB]]: disks cloned from one image cost about one
# copy on the wire, because the disks of a device pair share one
# deduplication index and a reference may name any target disk of the
# device (design.rst, "Waves"); and what a reference names is never taken
# on trust:
#
# - CLONES (8) clones of a template of SIZE_MB (16) MiB of random data
#   (nothing compresses), each with 256 KiB of its own, sync at once from
#   nothing: all identical, and the wire carried at most 1.10 times one
#   copy of the template and their own bytes, where each alone would carry
#   its whole size (1.013 measured, and 1.075 on a loaded host; 1.124
#   without claims, which let younger records wait for an older one's
#   answer instead of sending the same bytes);
# - every target copy is then overwritten behind the module's back: a new
#   clone finds its references stale, sends the bytes, and arrives
#   identical;
# - that clone's target copy is deleted and a disk of another device at
#   site B takes its number, holding the same bytes: the next clone finds
#   every reference to it stale (the target reads only its own device's
#   disks), and arrives identical, the other disk untouched.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

CLONES=${1:-8}
SIZE_MB=${2:-16}
OWN_KB=256
work=$(mktemp -d)

check "module loads" load_module
check "sites pair" sites_up "$work" 51820 51821
head -c "${SIZE_MB}M" /dev/urandom >"$work/template.img"

# disk_pair NAME: a source over a copy of the template with OWN_KB of its
# own at a place of its own, an empty target.
declare -A src dst
disk_pair() {
	local name=$1 n=${1#[a-z]} own
	cp "$work/template.img" "$work/$name-a.img"
	own=$(((n * 7) % (SIZE_MB * 1024 / OWN_KB)))
	head -c $((OWN_KB * 1024)) /dev/urandom |
		dd of="$work/$name-a.img" bs=${OWN_KB}K seek="$own" \
			conv=notrunc status=none
	truncate -s "${SIZE_MB}M" "$work/$name-b.img"
	src[$name]=$(losetup -f --show "$work/$name-a.img")
	dst[$name]=$(losetup -f --show "$work/$name-b.img")
	nsx site-a hcxrepl disk add "$name" dev hcx0 role source \
		backing "${src[$name]}" &&
		nsx site-b hcxrepl disk add "$name" dev hcx0 role target \
			backing "${dst[$name]}"
}
# wire NAME...: the bytes the sources of the disks put on the wire.
wire() {
	local name sum=0
	for name in "$@"; do
		sum=$((sum + $(stat_of site-a "$name" wire_bytes)))
	done
	echo "$sum"
}
# sync_one NAME: a full sync of it, to its end, and the copies compared.
sync_one() {
	nsx site-a hcxrepl disk sync "$1" full && wait_idle site-a "$1" 300 &&
		same_bytes "${src[$1]}" "${dst[$1]}"
}
number() {
	field site-b "$1" device | sed 's|/dev/hcxd||'
}

# The wave of clones, from nothing.
names=()
for ((i = 1; i <= CLONES; i++)); do
	names+=("c$i")
	disk_pair "c$i" || break
done
check_eq "$CLONES clones' disks" "$CLONES" \
	"$(nsx site-b hcxrepl -j disk show | json "len(j)")"
for name in "${names[@]}"; do
	nsx site-a hcxrepl disk sync "$name" full
done
ok=0
for name in "${names[@]}"; do
	wait_idle site-a "$name" 600 && same_bytes "${src[$name]}" "${dst[$name]}" &&
		ok=$((ok + 1))
done
check_eq "every clone synced at once, identical" "$CLONES" "$ok"
logical=$((CLONES * SIZE_MB * 1048576))
unique=$((SIZE_MB * 1048576 + CLONES * OWN_KB * 1024))
wave=$(wire "${names[@]}")
echo "# $CLONES clones: $logical bytes, $unique unique, $wave on the wire" \
	"($((wave * 1000 / unique)) per mille of the unique bytes)"
check "they cost at most 1.10 times one copy and their own bytes" \
	test $((wave * 10)) -le $((unique * 11))

# Every target copy overwritten behind the module's back.
for name in "${names[@]}"; do
	head -c "${SIZE_MB}M" /dev/urandom |
		dd of="${dst[$name]}" bs=1M oflag=direct status=none
done
check "a clone's disks" disk_pair c90
check "it replicates, identical" sync_one c90
check "its references to the overwritten copies were stale" \
	test "$(stat_of site-a c90 dedup_stale)" -ge 1
echo "# that clone: $(wire c90) bytes on the wire," \
	"$(stat_of site-a c90 dedup_stale) stale records"

# Its target copy, now the only one of the template's bytes, goes; a disk
# of another device at site B takes its number and holds the same bytes.
c90_nr=$(number c90)
check "site B's copy of it is deleted" nsx site-b hcxrepl disk del c90
check "a second device at site B" nsx site-b ip link add hcx1 type hcxrepl
other=$(losetup -f --show "$work/c90-a.img")
check "a disk of it over the same bytes" \
	nsx site-b hcxrepl disk add other dev hcx1 role target backing "$other"
check_eq "it took the deleted copy's number" "$c90_nr" "$(number other)"
check "another clone's disks" disk_pair c91
check "it replicates, identical" sync_one c91
check "its references to the other device's disk were stale" \
	test "$(stat_of site-a c91 dedup_stale)" -ge 1
check "that disk is untouched" cmp "$other" "$work/c90-a.img"
echo "# that clone: $(wire c91) bytes on the wire," \
	"$(stat_of site-a c91 dedup_stale) stale records"

for name in c90 c91 "${names[@]}"; do
	nsx site-a hcxrepl disk del "$name"
	nsx site-b hcxrepl disk del "$name" 2>/dev/null
done
nsx site-b hcxrepl disk del other
losetup -D
check "module unloads" rmmod hcxrepl
rm -rf "$work"
tap_done
