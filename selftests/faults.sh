#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fault model: continuous replication under random writes and random
# faults, then a final delta and a switchover; each target must then hold
# its source's bytes exactly.
#
#   faults.sh [--disks N] [--rounds R] [--size MB] [--chunk SIZE] [SEED...]
#
#   --disks N     disks replicated at once (default 2)
#   --rounds R    faults injected per seed (default 12)
#   --size MB     each disk's size (default 16)
#   --chunk SIZE  the disks' chunk size (default 64K)
#   SEED...       the seeds to run, one after the other (default: three
#                 drawn from $RANDOM); each is printed as "# seed N"
#
# For each seed, from scratch: two sites (lib/sites.sh), N source disks at
# site-a and their targets at site-b over loop devices on tmpfs, a full
# sync, then continuous replication of every disk.  One writer per disk
# writes 4 to 64 KiB of random data at random 4 KiB-aligned offsets of the
# source's tracking device, half of the time into a few "hot" chunks that
# are rewritten over and over.  Meanwhile R faults, each chosen by the
# seed:
#
#   flap     the underlay of one site down for 1 to 4 s
#   loss     netem drops everything on one site's underlay for 1 to 4 s
#   delay    netem delays one site's underlay by 10 to 50 ms for a while,
#            with replication turned off and on again under it
#   tdel     the target disk deleted and added again over the same backing
#            device
#   devre    the target's interconnect device deleted and created again
#            with the configuration showconf printed
#   offon    continuous replication turned off, then on again
#   pause    the operation paused, then resumed
#   syncmid  replication off, a delta sync, and replication on again while
#            that sync may still run (refused with EBUSY until it ends)
#
# with a short random sleep between them.  A command the fault makes fail
# is not a failure of the test: it is logged as a "#" line, and afterwards
# continuous replication is turned on again wherever it stopped.  Then the
# writers stop, replication is turned off, a delta sync brings the rest and
# "switchover NAME verify" hands each disk over.  Checked for each disk:
# the source was idle with nothing dirty, the switchover succeeded, site-b
# holds the source now, and, the point of it all, the two backing devices
# hold the same bytes (read with O_DIRECT).  On a difference, the number of
# differing chunks is printed, and for a failed seed its faults and a
# command that runs it again.  The seed makes every choice of the test
# repeatable; the timing of writes against faults is not.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

PORT_A=51820
PORT_B=51821
NDISKS=2
ROUNDS=12
SIZE_MB=16
CHUNK=64K
RATE=10
# stall three times: of these faults, the one that most often gets an old
# connection's record written after a newer one (see fault()).
KINDS="flap loss delay tdel devre offon pause syncmid flapoff stall stall stall"
seeds=()
while [ $# -gt 0 ]; do
	case $1 in
	--disks) NDISKS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--size) SIZE_MB=$2; shift 2 ;;
	--chunk) CHUNK=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--faults) KINDS=${2//,/ }; shift 2 ;;
	*[!0-9]* | '') echo "faults.sh: bad argument '$1'" >&2; exit 2 ;;
	*) seeds+=("$1"); shift ;;
	esac
done
[ ${#seeds[@]} -gt 0 ] || seeds=($RANDOM $RANDOM $RANDOM)
case $CHUNK in
*K) chunk_bytes=$((${CHUNK%K} << 10)) ;;
*M) chunk_bytes=$((${CHUNK%M} << 20)) ;;
*) chunk_bytes=$CHUNK ;;
esac
read -ra kinds <<<"$KINDS"
nchunks=$((SIZE_MB * 1048576 / chunk_bytes))
export chunk_bytes RATE

# The kernel series vm.sh names this one by, for the reproduction line.
case $(uname -r) in
6.1.*) series=6.1 ;;
6.12.*) series=6.12 ;;
*) series=debug ;;
esac
repro="selftests/vm/vm.sh --kernel $series --mem 2G --timeout 900 --one-thread --"
repro="$repro selftests/faults.sh --disks $NDISKS --rounds $ROUNDS --size $SIZE_MB"
repro="$repro --chunk $CHUNK --rate $RATE --faults ${KINDS// /,}"

# show NS DISK KEY: a line of hcxrepl disk show, read from its text: a
# Python start to read the JSON costs seconds on a busy TCG guest.
show() {
	nsx "$1" hcxrepl disk show "$2" | sed -n "s/^  $3: //p"
}
state_of() {
	show "$1" "$2" state
}

# try NS COMMAND...: run an hcxrepl command at site NS; a fault may make
# it fail, which is logged, not counted.
try() {
	local ns=$1 err
	shift
	err=$(nsx "$ns" "$@" 2>&1 >/dev/null) && return 0
	echo "#   $ns: '$*' failed: $err"
	return 1
}

# snooze TENTHS: sleep that many tenths of a second.
snooze() {
	sleep "$(($1 / 10)).$(($1 % 10))"
}

# writer DEVICE SEED HOT...: random writes to DEVICE until $work/stop
# appears, about $RATE a second, half of them into the HOT chunks; and, as
# fast as it can, into the chunks $work/burst.DISK names while that file
# exists (DISK: DEVICE's basename).  Chunks of a burst are left alone
# afterwards, so that an old copy of one, written late at the target, stays
# there to be found; a hot chunk would soon be written and sent again.
# Each write's first block is new (a counter in random bytes), so that an
# old copy cannot pass for the new one; the others come from a pool, so
# that deduplication has something to find.  One Python process, not a dd
# per write: under TCG a process start costs more than a hundred writes.
# Leaves "WRITES FAILED" in $work/writes.DISK.
writer() {
	/usr/bin/python3 - "$@" <<'PY'
import mmap, os, random, struct, sys, time
dev, seed, hot = sys.argv[1], int(sys.argv[2]), [int(c) for c in sys.argv[3:]]
name = os.path.basename(dev)
work = os.environ["work"]
chunk = int(os.environ["chunk_bytes"])
rate = float(os.environ["RATE"])
rnd = random.Random(seed)
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
blocks = os.lseek(fd, 0, os.SEEK_END) // 4096
per_chunk = max(chunk // 4096, 1)
pool = os.urandom(1 << 20)
buf = mmap.mmap(-1, 65536)      # page-aligned, as O_DIRECT wants
left_alone = set()
n = failed = 0
while not os.path.exists(work + "/stop"):
    try:
        with open("%s/burst.%s" % (work, name)) as f:
            burst = [int(c) for c in f.read().split()]
        left_alone.update(burst)
    except (FileNotFoundError, ValueError):
        burst = None
    nblocks = rnd.randint(1, 16)
    if burst:
        off = rnd.choice(burst) * per_chunk + rnd.randrange(per_chunk)
    elif rnd.random() < 0.5:
        off = rnd.choice(hot) * per_chunk + rnd.randrange(per_chunk)
    else:
        for _ in range(20):
            off = rnd.randrange(blocks)
            if off // per_chunk not in left_alone:
                break
    off = min(off, blocks - nblocks)
    for i in range(nblocks):
        at = rnd.randrange(len(pool) // 4096) * 4096
        buf[i * 4096:(i + 1) * 4096] = pool[at:at + 4096]
    buf[:16] = struct.pack("<QQ", seed, n)
    try:
        os.pwrite(fd, memoryview(buf)[:nblocks * 4096], off * 4096)
    except OSError:
        failed += 1
    n += 1
    # A pause after each write, not a rate to keep up: on a slow or busy
    # host a rate would take all the CPU the replication needs.
    if not burst:
        time.sleep(1 / rate)
with open("%s/writes.%s" % (work, name), "w") as f:
    print(n, failed, file=f)
PY
}

# ensure_on: continuous replication runs on every disk again, whatever the
# last fault left; a sync still running is waited for first.
ensure_on() {
	local d s
	for d in "${disks[@]}"; do
		s=$(state_of site-a "$d")
		case $s in
		idle) try site-a hcxrepl disk replicate "$d" on ;;
		paused) try site-a hcxrepl disk resume "$d" ;;
		esac
	done
}

# burst DISK TENTHS: DISK's writer hammers 16 chunks the seed chooses for
# that long, and goes on until unburst: when a fault then stops their
# connection, records of chunks that changed since they were read are
# still in flight.
burst() {
	local i chunks=()
	for ((i = 0; i < 16; i++)); do
		chunks+=($((RANDOM % nchunks)))
	done
	echo "${chunks[*]}" >"$work/burst.tmp"
	mv "$work/burst.tmp" "$work/burst.$(basename "${device[$1]}")"
	snooze "$2"
}
unburst() {
	rm -f "$work/burst.$(basename "${device[$1]}")"
}

# restream DISK: while replication is off, the operator sets another number
# of streams (1, 2, 4 or 8).  Fewer old streams than new ones means that
# the new connections get through what the old ones had queued sooner
# than they do.
restream() {
	try site-a hcxrepl disk set "$1" streams $((1 << RANDOM % 4))
}

# offon DISK TENTHS: continuous replication off and, that long after, on,
# in a burst of writes.
offon() {
	burst "$1" $((RANDOM % 8 + 3))
	try site-a hcxrepl disk replicate "$1" off
	restream "$1"
	snooze "$2"
	try site-a hcxrepl disk replicate "$1" on
	unburst "$1"
}

# fault N: the seed's next fault, logged and recorded in $faults.
fault() {
	local kind d t i site conf sites=(a b)
	kind=${kinds[RANDOM % ${#kinds[@]}]}
	d=${disks[RANDOM % NDISKS]}
	site=site-${sites[RANDOM % 2]}
	t=$((RANDOM % 31 + 10))
	case $kind in
	flap | loss) kind="$kind $site ${t}ds" ;;
	delay) kind="delay $site $((10 + RANDOM % 41))ms $d" ;;
	tdel | offon | pause | syncmid | stall) kind="$kind $d" ;;
	flapoff) kind="flapoff $site ${t}ds $d" ;;
	esac
	echo "# fault $1: $kind (at ${SECONDS}s)"
	faults="$faults${faults:+, }$kind"
	# shellcheck disable=SC2086 # the words of the fault
	set -- $kind
	case $1 in
	flap)
		nsx "$site" ip link set wan0 down
		snooze "$t"
		nsx "$site" ip link set wan0 up
		;;
	loss)
		nsx "$site" tc qdisc add dev wan0 root netem loss 100%
		snooze "$t"
		nsx "$site" tc qdisc del dev wan0 root
		;;
	delay)
		# Records stay in flight longer: the old connections' records
		# are still on their way when the new ones start.
		nsx "$site" tc qdisc add dev wan0 root netem delay "$3"
		snooze $((RANDOM % 10 + 5))
		offon "$d" $((RANDOM % 5))
		snooze $((RANDOM % 20 + 5))
		nsx "$site" tc qdisc del dev wan0 root
		;;
	flapoff)
		# The underlay fails while records of chunks that change all
		# the time are in flight; replication is turned off and on
		# again meanwhile.  The old connections, closed, still hold
		# records in their retransmission queues, which go out when
		# their backed-off timers fire, after the underlay is back: by
		# then the new connections may have sent newer copies.  The
		# burst ends before the underlay is back, so that nothing
		# sends those chunks again.
		burst "$d" $((RANDOM % 8 + 3))
		nsx "$site" ip link set wan0 down
		snooze $((RANDOM % 5 + 1))
		try site-a hcxrepl disk replicate "$d" off
		unburst "$d"
		restream "$d"
		snooze $((t / 2))
		try site-a hcxrepl disk replicate "$d" on
		snooze $((t / 2))
		nsx "$site" ip link set wan0 up
		;;
	stall)
		# The target's storage stops answering (a path failover of its
		# array) while the source writes and replication is turned off
		# and on twice: the old connections' records and the new ones
		# wait in the target's sockets together, and when the storage
		# is back they are written side by side, in whichever order.
		burst "$d" $((RANDOM % 8 + 3))
		dmsetup suspend "${dm_b[$d]}"
		for i in 1 2; do
			snooze $((RANDOM % 5 + 1))
			try site-a hcxrepl disk replicate "$d" off
			restream "$d"
			try site-a hcxrepl disk replicate "$d" on
		done
		unburst "$d"
		snooze "$t"
		dmsetup resume "${dm_b[$d]}"
		;;
	tdel)
		try site-b hcxrepl disk del "$d"
		snooze $((RANDOM % 10))
		# The target must come back: without it nothing could end.
		for t in 1 2 3 4 5; do
			nsx site-b hcxrepl disk add "$d" dev hcx0 role target \
				backing "/dev/mapper/${dm_b[$d]}" chunk "$CHUNK" && break
			echo "#   site-b: adding $d again failed, attempt $t"
			sleep 1
		done
		;;
	devre)
		conf=$(nsx site-b hcxrepl showconf hcx0)
		nsx site-b ip link del hcx0
		snooze $((RANDOM % 10))
		nsx site-b ip link add hcx0 type hcxrepl
		nsx site-b hcxrepl setconf hcx0 <(printf '%s\n' "$conf") ||
			echo "#   site-b: setconf failed"
		nsx site-b ip link set hcx0 up
		;;
	offon)
		offon "$d" $((RANDOM % 10))
		;;
	pause)
		try site-a hcxrepl disk pause "$d"
		snooze $((RANDOM % 19 + 2))
		try site-a hcxrepl disk resume "$d"
		;;
	syncmid)
		burst "$d" $((RANDOM % 8 + 3))
		try site-a hcxrepl disk replicate "$d" off
		try site-a hcxrepl disk sync "$d" delta
		snooze $((RANDOM % 5))
		# Refused while the sync runs: on again once it ended.
		if try site-a hcxrepl disk replicate "$d" on; then
			unburst "$d"
		else
			unburst "$d"
			wait_idle site-a "$d" 120 >/dev/null
		fi
		;;
	esac
	ensure_on
	snooze $((RANDOM % 14 + 2))
}

# cleanup: nothing of this seed is left for the next one.
cleanup() {
	local d
	for d in "${disks[@]}"; do
		nsx site-a hcxrepl disk del "$d" 2>/dev/null
		nsx site-b hcxrepl disk del "$d" 2>/dev/null
		dmsetup remove "${dm_b[$d]}"
		losetup -d "${loop_a[$d]}" "${loop_b[$d]}"
	done
	ip netns del site-a
	ip netns del site-b
	ip netns del wan
	rm -rf "$work"
}

# chunks_differ A B: how many chunks of the two devices differ.
chunks_differ() {
	/usr/bin/python3 "$HCX_TOP/selftests/lib/chunkdiff.py" \
		<(dd if="$1" bs=1M iflag=direct status=none) \
		<(dd if="$2" bs=1M iflag=direct status=none) "$chunk_bytes"
}

# run_seed SEED: one run from scratch, every choice drawn from SEED.
run_seed() {
	local seed=$1 d i hot pids=() failed_before=$TAP_FAIL n s dedup=(on off)
	declare -gA loop_a=() loop_b=() dm_b=() device=()
	disks=()
	faults=
	RANDOM=$seed
	echo "# seed $seed"
	work=$(mktemp -d)
	export work
	check "seed $seed: sites pair" sites_up "$work" $PORT_A $PORT_B
	for ((i = 0; i < NDISKS; i++)); do
		d=vm$i
		disks+=("$d")
		truncate -s "${SIZE_MB}M" "$work/$d-a.img" "$work/$d-b.img"
		loop_a[$d]=$(losetup -f --show "$work/$d-a.img")
		loop_b[$d]=$(losetup -f --show "$work/$d-b.img")
		# The target's storage, a linear mapping of its loop device,
		# that the stall fault suspends.
		dm_b[$d]=hcxfaults-$d
		dmsetup create "${dm_b[$d]}" --table \
			"0 $((SIZE_MB * 2048)) linear ${loop_b[$d]} 0"
		# Every other disk without deduplication: with it, the target
		# checks each reference against its own copy, and a late record
		# whose references name blocks changed since is refused as
		# stale, which hides some of the late writes this test is after.
		check "seed $seed: $d added at both sites" bash -c "
			ip netns exec site-a hcxrepl disk add $d dev hcx0 role source \
				backing ${loop_a[$d]} chunk $CHUNK dedup ${dedup[i % 2]} &&
			ip netns exec site-b hcxrepl disk add $d dev hcx0 role target \
				backing /dev/mapper/${dm_b[$d]} chunk $CHUNK"
		device[$d]=$(show site-a "$d" device)
		check "seed $seed: $d: full sync" nsx site-a hcxrepl disk sync "$d" full
	done
	for d in "${disks[@]}"; do
		check "seed $seed: $d: the full sync ends" wait_idle site-a "$d" 120
		check "seed $seed: $d: continuous replication on" \
			nsx site-a hcxrepl disk replicate "$d" on
	done

	# Writers, each with a seed and hot chunks of its own from this seed.
	for d in "${disks[@]}"; do
		hot=()
		for i in 1 2 3 4; do
			hot+=($((RANDOM % nchunks)))
		done
		echo "# $d: hot chunks ${hot[*]}"
		writer "${device[$d]}" "$((seed * 7 + ${#pids[@]} + 1))" "${hot[@]}" &
		pids+=($!)
	done
	sleep 1
	for ((i = 1; i <= ROUNDS; i++)); do
		fault "$i"
	done
	touch "$work/stop"
	wait "${pids[@]}"

	for d in "${disks[@]}"; do
		read -r n s <"$work/writes.$(basename "${device[$d]}")"
		echo "# $d: $n writes, $s failed"
		check_eq "seed $seed: $d: every write to the source succeeded" 0 "$s"
		[ "$(state_of site-a "$d")" = idle ] ||
			try site-a hcxrepl disk replicate "$d" off
		wait_idle site-a "$d" 60
		check "seed $seed: $d: the final delta sync" \
			nsx site-a hcxrepl disk sync "$d" delta
		check "seed $seed: $d: it ends" wait_idle site-a "$d" 300
		check_eq "seed $seed: $d: the source is idle with nothing dirty" "idle 0 B" \
			"$(state_of site-a "$d") $(show site-a "$d" dirty)"
		# The source holds every chunk clean now: whatever differs is
		# lost, and the switchover's verify should say so.
		same_bytes "${loop_a[$d]}" "${loop_b[$d]}" >/dev/null ||
			echo "# seed $seed: $d: $(chunks_differ "${loop_a[$d]}" "${loop_b[$d]}")" \
				"chunks differ after the final delta"
		check "seed $seed: $d: switchover with verify" \
			nsx site-a hcxrepl disk switchover "$d" verify
		check_eq "seed $seed: $d: site-b holds the source" "target source" \
			"$(show site-a "$d" role | cut -d, -f1) $(show site-b "$d" role | cut -d, -f1)"
		if same_bytes "${loop_a[$d]}" "${loop_b[$d]}" >/dev/null; then
			tap_ok "seed $seed: $d: the target equals the source byte for byte"
		else
			tap_not_ok "seed $seed: $d: the target equals the source byte for byte"
			echo "# seed $seed: $d: $(chunks_differ "${loop_a[$d]}" "${loop_b[$d]}")" \
				"of $nchunks chunks differ"
		fi
	done
	if [ "$TAP_FAIL" != "$failed_before" ]; then
		echo "# seed $seed FAILED after the faults: $faults"
		echo "# reproduce: $repro $seed"
	fi
	cleanup
}

# No udev in the VM: dmsetup makes the device nodes itself.
export DM_DISABLE_UDEV=1
modprobe sch_netem
modprobe dm-mod
check "module loads" load_module
for seed in "${seeds[@]}"; do
	run_seed "$seed"
done
# Deleted namespaces go away in the background: retry for a while.
for i in $(seq 20); do
	rmmod hcxrepl 2>/dev/null && break
	sleep 0.5
done
check "module unloads" bash -c "! test -e /sys/module/hcxrepl"
tap_done
