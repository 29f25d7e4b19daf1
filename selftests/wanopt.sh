#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# WAN optimization between two sites inside one VM (lib/sites.sh).
#
#   wanopt.sh [SIZE_MB [IMAGE]]   the images' size, 48 MiB unless given;
#                                 the realistic image, built here unless
#                                 given (building it is quicker on the host)
#
# Each case replicates a fresh image with a full sync and compares the
# copies byte for byte; what it measures is the source's counters:
#  - a realistic ext4 disk (lib/realistic_image.sh): the underlay carried
#    what the module counted on the wire, give or take the TCP/IP headers;
#    far fewer bytes crossed than the disk holds; the target counted the
#    same zero and referenced bytes as the source; zstd carries no more
#    than LZ4;
#  - files copied twice cost about one copy, against two with deduplication
#    off (compression off for both, so that only deduplication tells);
#  - random data costs its size: nothing compressed, nothing deduplicated;
#  - a stale reference (the target's copy overwritten behind the index's
#    back) is answered stale, the chunk goes again without references and
#    arrives identical; a checksum sync then repairs the overwritten chunk;
#  - a disk of zeroes costs almost nothing, and zeroes a target full of data;
#  - the options (a disk's, and the device's dedup cache): defaults, shown
#    as set, refused with a clear message when wrong or while an operation
#    runs;
#  - an operation that fails for good mid-sync, deduplication turned off the
#    moment it is over, under lanes still using the device's index;
#  - zstd's workspaces, one per CPU at most for two disks of the same
#    options syncing at once, with 1 MiB chunks and 16 streams, and gone
#    with the last disk.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

SIZE_MB=${1:-48}
real_img=${2:-}
CHUNK=65536
work=$(mktemp -d)

check "module loads" load_module
check "sites pair" sites_up "$work" 51820 51821
truncate -s "${SIZE_MB}M" "$work/a.img" "$work/b.img"
loop_a=$(losetup -f --show "$work/a.img")
loop_b=$(losetup -f --show "$work/b.img")

# replicate NAME IMAGE [OPTION...]: a source disk over a copy of IMAGE (a
# file, or /dev/zero) and an empty target (or, with KEEP_TARGET set, the
# target as the last case left it), a full sync with the options, and a
# comparison.  Sets logical, wire, zero, dedup, saved and wan (what the
# underlay carried from the source); the disks stay for the next steps.
replicate() {
	local name=$1 image=$2 wan_before
	shift 2
	nsx site-a hcxrepl disk del vm 2>/dev/null
	nsx site-b hcxrepl disk del vm 2>/dev/null
	dd if="$image" of="$loop_a" bs=1M count="$SIZE_MB" conv=fsync status=none
	[ -n "${KEEP_TARGET:-}" ] || blkdiscard -f "$loop_b"
	check "$name: disks added" bash -c "
		ip netns exec site-a hcxrepl disk add vm dev hcx0 role source \
			backing $loop_a $* &&
		ip netns exec site-b hcxrepl disk add vm dev hcx0 role target \
			backing $loop_b"
	wan_before=$(wan_bytes)
	check "$name: full sync" nsx site-a hcxrepl disk sync vm full
	check "$name: it ends" wait_idle site-a vm 600
	wan=$(($(wan_bytes) - wan_before))
	check "$name: identical" same_bytes "$loop_a" "$loop_b"
	read -r logical wire zero dedup saved < <(counters site-a)
	echo "# $name: logical $logical, wire $wire ($((wire * 100 / logical))%)," \
		"zero $zero, dedup $dedup, compression saved $saved, underlay $wan" \
		"(at ${SECONDS}s)"
}

# counters NS: the disk's logical, wire, zero, dedup and compression-saved
# bytes, in one Python start.
counters() {
	nsx "$1" hcxrepl -j disk show vm | json "' '.join(str(j[0]['stats'][k]) for k in
		('logical_bytes', 'wire_bytes', 'zero_bytes', 'dedup_bytes', 'compress_saved_bytes'))"
}

# ynl_fails ARGS...: YNL in site A, its error on standard error.
ynl_fails() {
	YNL_NETNS=site-a ynl "$@" >&2
}

# The options of a new disk, and their changes.
check "a source disk is added" \
	nsx site-a hcxrepl disk add vm dev hcx0 role source backing "$loop_a"
check_eq "defaults: dedup on, lz4" "True lz4 None" \
	"$(nsx site-a hcxrepl -j disk show vm |
		json "j[0]['dedup'], j[0]['compress'], j[0].get('compress_level')" |
		tr -d '(),')"
check_eq "the device's disks share a 64 MiB index" 67108864 \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['dedup_cache_bytes']")"
check "disk set compress zstd:5 dedup off" \
	nsx site-a hcxrepl disk set vm compress zstd:5 dedup off
check_eq "shown as set" "False zstd 5" \
	"$(nsx site-a hcxrepl -j disk show vm |
		json "j[0]['dedup'], j[0]['compress'], j[0]['compress_level']" |
		tr -d '(),')"
check "set hcx0 dedup-cache 8M" nsx site-a hcxrepl set hcx0 dedup-cache 8M
check_eq "shown as set" 8388608 \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['dedup_cache_bytes']")"
check "and in text" bash -c "ip netns exec site-a hcxrepl show hcx0 |
	grep -qx '  dedup cache: 8M'"
check "showconf says it" bash -c "ip netns exec site-a hcxrepl showconf hcx0 |
	grep -qx 'DedupCache = 8M'"
# The CLI refuses these itself; the module's own checks, through YNL.
check_fails "a dedup cache under 1 MiB is refused" "at least 1 MiB" \
	ynl_fails --do dev-set --json '{"ifname": "hcx0", "dedup-cache-bytes": 1048575}'
check_fails "a dedup cache over 1 GiB is refused" "at most 1 GiB" \
	ynl_fails --do dev-set --json '{"ifname": "hcx0", "dedup-cache-bytes": 1073741825}'
check_fails "so is a huge one, with a limit that would pass" "at most 1 GiB" \
	ynl_fails --do dev-set --json '{"ifname": "hcx0", "rate-bps": 8000000,
		"dedup-cache-bytes": 9007199254740992}'
check_eq "the refused requests changed nothing" "8388608 0" \
	"$(nsx site-a hcxrepl -j show hcx0 |
		json "j[0]['dedup_cache_bytes'], j[0]['rate_bps']" | tr -d '(),')"
# The CLI never sends a level without zstd; another client may.
check_fails "a level with lz4 is refused, with the reason" \
	"goes with zstd only" ynl_fails --do disk-set \
	--json '{"name": "vm", "compress": "lz4", "compress-level": 3}'
check_eq "the refused request changed nothing" "False zstd 5" \
	"$(nsx site-a hcxrepl -j disk show vm |
		json "j[0]['dedup'], j[0]['compress'], j[0]['compress_level']" |
		tr -d '(),')"
check "set hcx0 dedup-cache 64M" nsx site-a hcxrepl set hcx0 dedup-cache 64M
check "a target disk is added" \
	nsx site-b hcxrepl disk add vm dev hcx0 role target backing "$loop_b"
check "replicate on" nsx site-a hcxrepl disk replicate vm on
check_fails "options are refused while an operation runs" "between operations" \
	nsx site-a hcxrepl disk set vm compress none
check "replicate off" nsx site-a hcxrepl disk replicate vm off
check "disks deleted" bash -c "ip netns exec site-a hcxrepl disk del vm &&
	ip netns exec site-b hcxrepl disk del vm"

# A realistic disk, with the default options, then with zstd.
if [ -z "$real_img" ]; then
	real_img=$work/real.img
	check "a realistic image is built" \
		bash "$HCX_TOP/selftests/lib/realistic_image.sh" "$real_img" "$SIZE_MB"
fi
replicate realistic "$real_img"
check "the underlay carried the wire bytes, plus at most a fifth of headers" \
	test "$wan" -ge $((wire * 95 / 100)) -a "$wan" -le $((wire * 6 / 5 + 100000))
check "the wire carried at most half the logical bytes" \
	test $((wire * 2)) -le "$logical"
check "zero blocks and compression both saved bytes" \
	test "$zero" -gt 0 -a "$saved" -gt 0
read -r t_logical _ t_zero t_dedup t_saved < <(counters site-b)
check_eq "the target counted the same bytes" "$logical $zero $dedup $saved" \
	"$t_logical $t_zero $t_dedup $t_saved"
wire_lz4=$wire
replicate "realistic, zstd" "$real_img" compress zstd
check "zstd carried no more than lz4" test "$wire" -le "$wire_lz4"

# The same files twice, with deduplication and without; compression off,
# so that only deduplication tells.  Without it every non-zero block
# crosses; with it, the second copy's blocks should go as references.  One
# stream keeps at most 2 MiB in flight, less than a copy: the second copy's
# blocks find the first's acknowledged.
stage=$(mktemp -d)
mkdir "$stage/one" "$stage/two"
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -size -4M -printf '%s %p\n' |
	sort -k 2 | awk -v budget=$((SIZE_MB * 1048576 / 4)) \
		'sum + $1 <= budget { sum += $1; print $2 }' |
	xargs cp -t "$stage/one"
cp -a "$stage/one/." "$stage/two/"
files=$(du -sb --apparent-size "$stage/one" | cut -f1)
truncate -s "${SIZE_MB}M" "$work/twice.img"
check "an image with files twice" mkfs.ext4 -q -F -b 4096 -d "$stage" "$work/twice.img"
rm -rf "$stage"
echo "# $files bytes of files, twice"
replicate "twice, dedup off" "$work/twice.img" compress none dedup off streams 1
wire_off=$wire
replicate twice "$work/twice.img" compress none streams 1
check "the second copy went as references" test "$dedup" -ge $((files * 9 / 10))
check "files twice cost one copy, plus at most a tenth of one" \
	test "$wire" -le $((wire_off - files + files / 10))

# Random data.
head -c "${SIZE_MB}M" /dev/urandom >"$work/random.img"
replicate random "$work/random.img"
check_eq "random data: nothing compressed, nothing deduplicated" "0 0 0" \
	"$zero $dedup $saved"
check "random data costs its size, plus at most 2%" \
	test "$wire" -ge "$logical" -a "$wire" -le $((logical * 102 / 100))

# A stale reference.  The index knows chunk 10's blocks at chunk 10; the
# target's copy of it is overwritten behind its back, through the image
# file; then the source writes chunk 10's bytes to chunk 20.
dev_a=$(field site-a vm device)
dd if="$loop_a" of="$work/chunk10" bs=$CHUNK skip=10 count=1 status=none
head -c $CHUNK /dev/urandom |
	dd of="$work/b.img" bs=$CHUNK seek=10 conv=notrunc status=none
dd if="$work/chunk10" of="$dev_a" bs=$CHUNK seek=20 oflag=direct status=none
logical_before=$(stat_of site-a vm logical_bytes)
check "delta sync with a stale reference" nsx site-a hcxrepl disk sync vm delta
check "it ends" wait_idle site-a vm 120
check_eq "the target answered stale once" 1 "$(stat_of site-a vm dedup_stale)"
check_eq "the chunk went twice: with references, then without" $((2 * CHUNK)) \
	$(($(stat_of site-a vm logical_bytes) - logical_before))
check "chunk 20 arrived identical" cmp \
	<(dd if="$loop_a" bs=$CHUNK skip=20 count=1 iflag=direct status=none) \
	<(dd if="$loop_b" bs=$CHUNK skip=20 count=1 iflag=direct status=none)
logical_before=$(stat_of site-a vm logical_bytes)
check "checksum sync" nsx site-a hcxrepl disk sync vm checksum
check "it ends" wait_idle site-a vm 300
check_eq "it moved the overwritten chunk alone" $CHUNK \
	$(($(stat_of site-a vm logical_bytes) - logical_before))
check "identical after it" same_bytes "$loop_a" "$loop_b"

# Zeroes over the target the random case filled.
KEEP_TARGET=1 replicate zeroes /dev/zero
check "zeroes cost under 1% of their size" test $((wire * 100)) -lt "$logical"
check_eq "every byte went as a zero block" "$logical" "$zero"

# An operation that fails for good (the target cannot write one chunk) is
# over before its lanes are done with the disk: they still look blocks up
# in the device's index and learn what the target answers into it.  Options
# change the moment it is over, under them.
nsx site-a hcxrepl disk del vm
nsx site-b hcxrepl disk del vm
dd if="$work/random.img" of="$loop_a" bs=1M conv=fsync status=none
modprobe dm-mod 2>/dev/null
sectors=$((SIZE_MB * 2048))
bad=$((sectors / 2))
cs=$((CHUNK / 512))
check "a device whose middle chunk cannot be written" dmsetup create hcxbad \
	--table "0 $bad linear $loop_b 0
$bad $cs error
$((bad + cs)) $((sectors - bad - cs)) linear $loop_b $((bad + cs))"
# No udev here to make /dev/mapper/hcxbad: the kernel's name, in devtmpfs.
bad_dev=/dev/$(dmsetup info -c --noheadings -o blkdevname hcxbad)
check "disks added, the target over it" bash -c "
	ip netns exec site-a hcxrepl disk add vm dev hcx0 role source \
		backing $loop_a &&
	ip netns exec site-b hcxrepl disk add vm dev hcx0 role target \
		backing $bad_dev"
# A WAN's round trip keeps the other streams' answers coming after the
# failure: 8 streams, 100 ms each way.
modprobe sch_netem 2>/dev/null
for s in site-a site-b; do
	nsx wan tc qdisc add dev "to-$s" root netem delay 100ms limit 10000
done
check "8 streams" nsx site-a hcxrepl disk set vm streams 8
check "full sync" nsx site-a hcxrepl disk sync vm full
# disk set is refused while the operation runs, and done the moment it is
# over.
check "dedup off as soon as the failed operation is over" nsx site-a bash -c "
	for ((i = 0; i < 5000; i++)); do
		hcxrepl disk set vm dedup off 2>/dev/null && exit 0
	done
	exit 1"
check_eq "the operation failed with EIO" "5 False" \
	"$(nsx site-a hcxrepl -j disk show vm | json "j[0]['last_error'], j[0]['dedup']" |
		tr -d '(),')"
for s in site-a site-b; do
	nsx wan tc qdisc del dev "to-$s" root
done
nsx site-b hcxrepl disk del vm
dmsetup remove hcxbad
check "the target over its whole device again" \
	nsx site-b hcxrepl disk add vm dev hcx0 role target backing "$loop_b"
check "dedup on again" nsx site-a hcxrepl disk set vm dedup on
check "a full sync" nsx site-a hcxrepl disk sync vm full
check "it ends" wait_idle site-a vm 600
check_eq "without an error" 0 "$(field site-a vm last_error)"
check "identical after it" same_bytes "$loop_a" "$loop_b"

# Compression workspaces: the preparers of every disk with the same
# options share one per CPU, since no more can compress at once.  zstd at
# level 9 with 1 MiB chunks needs 12.5 MiB for each, allocated whole with
# vmalloc(): while two such disks sync at once with 16 streams (the
# pool's 64 preparers), the module's vmalloc() areas of 8 MiB or more
# (/proc/vmallocinfo) are their workspaces, and there may be no more of
# them than CPUs.  When every preparer had its own, there were 64; when
# every disk had its own set, twice the CPUs.  (The fall of free memory is
# too noisy to tell: socket buffers alone move it by a hundred MiB.)
dd if=/dev/urandom of="$loop_a" bs=1M count="$SIZE_MB" conv=fsync status=none
head -c $((SIZE_MB / 2))M /dev/urandom >"$work/c.img"
truncate -s $((SIZE_MB / 2))M "$work/d.img"
loop_c=$(losetup -f --show "$work/c.img")
loop_d=$(losetup -f --show "$work/d.img")
nsx site-a hcxrepl disk del vm 2>/dev/null
nsx site-b hcxrepl disk del vm 2>/dev/null
check "two disks of 1 MiB chunks, zstd:9, 16 streams" bash -c "
	ip netns exec site-a hcxrepl disk add vm dev hcx0 role source \
		backing $loop_a chunk 1M compress zstd:9 streams 16 dedup off &&
	ip netns exec site-b hcxrepl disk add vm dev hcx0 role target \
		backing $loop_b chunk 1M &&
	ip netns exec site-a hcxrepl disk add vm2 dev hcx0 role source \
		backing $loop_c chunk 1M compress zstd:9 streams 16 dedup off &&
	ip netns exec site-b hcxrepl disk add vm2 dev hcx0 role target \
		backing $loop_d chunk 1M"
big_areas() {
	awk '/\[hcxrepl\]/ && $2 >= 8388608 { n++ } END { print n + 0 }' \
		/proc/vmallocinfo
}
# The encoder frees its workspaces only when the last operation using it
# is reaped (the next starts, or the disk goes): a last count after the
# syncs end sees them even when they ended before the first poll (as one
# did once in make check).
most=0
check "two full syncs at once" bash -c "
	ip netns exec site-a hcxrepl disk sync vm full &&
	ip netns exec site-a hcxrepl disk sync vm2 full"
while :; do
	idle=$(nsx site-a hcxrepl disk show | grep -c "state: idle")
	n=$(big_areas)
	[ "$n" -le "$most" ] || most=$n
	[ "$idle" != 2 ] || break
	sleep 0.2
done
echo "# at most $most workspaces at once, on $(nproc) CPUs"
check "at least one workspace was made" test "$most" -ge 1
check "at most one workspace per CPU, for both disks" test "$most" -le "$(nproc)"
check_eq "they ended without an error" "0 0" \
	"$(field site-a vm last_error) $(field site-a vm2 last_error)"
check "identical after it" same_bytes "$loop_a" "$loop_b"
check "the other too" same_bytes "$loop_c" "$loop_d"
check "one disk goes" bash -c "ip netns exec site-a hcxrepl disk del vm2 &&
	ip netns exec site-b hcxrepl disk del vm2"
check "the other still holds the workspaces they shared" \
	test "$(big_areas)" -ge 1
check "it goes" bash -c "ip netns exec site-a hcxrepl disk del vm &&
	ip netns exec site-b hcxrepl disk del vm"
check_eq "and the workspaces with it" 0 "$(big_areas)"
losetup -d "$loop_a" "$loop_b" "$loop_c" "$loop_d"
check "module unloads" rmmod hcxrepl
rm -rf "$work"
tap_done
