#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile control input:
#
#   hostile.sh [SEED [SECONDS]]
#
# Two paired sites with two disks each over loop devices, a full sync and
# continuous replication started, random writes hitting every tracking
# device (the sources' take them) throughout.  SECONDS (60, or 120 on the
# debug kernel, whose checkers slow everything) are split in two phases,
# each of which has the one vCPU to itself:
#
# - 3/7: at each site, selftests/lib/nlfuzz.py fuzzes the family from its
#   YAML spec: every request answered, the policy's refusals EINVAL or
#   ERANGE, every refusal with its reason, every answer well formed;
# - 4/7: at each site, a storm of random hcxrepl commands (devices, peers,
#   disks, every action, monitor, setconf) and of the devices deleted,
#   created, taken down and up: no command may hang or crash.
#
# Afterwards the module answers at both sites, every disk and every device
# deletes, the module unloads, and the kernel log has no report (and, on
# the debug kernel, kmemleak none).  The seed is printed; the same seed
# makes the same requests and commands (their timing, and so what they
# meet, differs).
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

SEED=${1:-$(((RANDOM << 15) | RANDOM))}
kmemleak=/sys/kernel/debug/kmemleak
# The fuzzers run first, then the storms: each phase has the one vCPU.
if [ -w $kmemleak ]; then
	SECONDS_FOR=${2:-120} CMD_TIMEOUT=120
else
	SECONDS_FOR=${2:-60} CMD_TIMEOUT=60
fi
FUZZ_SECONDS=$((SECONDS_FOR * 3 / 7))
STORM_SECONDS=$((SECONDS_FOR - FUZZ_SECONDS))
PORT_A=51820
PORT_B=51821
echo "# seed $SEED"
echo "# rerun: selftests/hostile.sh $SEED $SECONDS_FOR"
work=$(mktemp -d)
log_start=$(dmesg | wc -l)
[ -w $kmemleak ] && echo clear >$kmemleak

check "module loads" load_module
check "sites pair" sites_up "$work" $PORT_A $PORT_B
declare -A loop
for s in a b; do
	nsx "site-$s" hcxrepl showconf hcx0 >"$work/$s.conf"
	for i in 1 2 3; do
		truncate -s 8M "$work/$s$i.img"
		loop[$s$i]=$(losetup -f --show "$work/$s$i.img")
	done
done
setup_disks() {
	nsx site-a hcxrepl disk add vm1 dev hcx0 backing "${loop[a1]}" role source &&
		nsx site-a hcxrepl disk add vm2 dev hcx0 backing "${loop[a2]}" role source chunk 4K &&
		nsx site-b hcxrepl disk add vm1 dev hcx0 backing "${loop[b1]}" role target &&
		nsx site-b hcxrepl disk add vm2 dev hcx0 backing "${loop[b2]}" role target chunk 4K &&
		nsx site-a hcxrepl disk sync vm1 full &&
		nsx site-a hcxrepl disk replicate vm2 on
}
check "disks added, a sync and replication started" setup_disks

# writer: random 4 KiB writes to every tracking device, 50 a second at
# most, until $work/stop; one process (a dd per write costs more than the
# storm under emulation).  Refusals (a target, a switchover's end) are
# expected; each write opens the device anew, so that a disk may delete.
writer() {
	/usr/bin/python3 - "$work" "$SEED" <<'PY'
import glob, mmap, os, random, stat, sys, time
work, rng = sys.argv[1], random.Random(int(sys.argv[2]))
buf = mmap.mmap(-1, 4096)
done = 0
while not os.path.exists(f"{work}/stop"):
    for dev in glob.glob("/dev/hcxd*"):
        try:
            if not stat.S_ISBLK(os.stat(dev).st_mode):
                continue
            fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
        except OSError:
            continue
        try:
            buf[:] = rng.randbytes(4096)
            os.pwritev(fd, [buf], rng.randrange(2048) * 4096)
            done += 1
        except OSError:
            pass
        os.close(fd)
        time.sleep(0.02)
    time.sleep(0.02)
    with open(f"{work}/writes", "w") as f:
        f.write(f"{done}\n")
PY
}

# storm SITE PEER_SITE SEED LOOP...: random commands at SITE until the
# deadline, run in SITE's namespace; leaves "commands ok refused hung
# crashed" in $work/storm-SITE.  Choices index arrays with RANDOM in this
# shell (a $(...) would not advance it).
storm() {
	local s=$1 p=$2 end=$((SECONDS + STORM_SECONDS)) cmd rc now start
	local ok=0 failed=0 hung=0 crashed=0 own_port peer_port peer_ip
	local disks=(vm1 vm2 vm3 fz0 nosuch) roles=(source target)
	local add_opts=('' 'chunk 4K' 'chunk 1M' 'streams 16' 'dedup off'
		'compress zstd:22' 'priority 9' 'chunk 3K')
	local set_opts=('streams 1' 'streams 16' 'streams 0' 'dedup on' 'dedup off'
		'compress none' 'compress lz4' 'compress zstd:1' 'priority 1')
	local kinds=(full delta checksum) onoff=(on off) pr=(pause resume)
	local caches=(1M 1G 64M)
	local flags=('' -j -s) bad_devs=(lo wan0 nosuch)
	local bad_paths=(/dev/null /nonexistent /dev/hcxd0 /dev/hcxd1 /tmp)
	local loops pubkey peer_key peer_opts ports link_ops disk bdev
	set -f
	RANDOM=$3
	if [ "$s" = a ]; then
		own_port=$PORT_A peer_port=$PORT_B peer_ip=10.0.0.2
	else
		own_port=$PORT_B peer_port=$PORT_A peer_ip=10.0.0.1
	fi
	loops=("${@:4}")
	pubkey=$(cat "$work/$s.pub")
	peer_key=$(cat "$work/$p.pub")
	peer_opts=(remove 'persistent-keepalive 1' 'persistent-keepalive off'
		"endpoint 127.0.0.1:$own_port" 'endpoint [::1]:9')
	ports=(0 "$own_port" "$peer_port" 40000)
	link_ops=('del hcx0' 'add hcx0 type hcxrepl' 'add hcx0 type hcxrepl'
		'set hcx0 down' 'set hcx0 up' 'set hcx0 up')
	local pair="hcxrepl set hcx0 private-key $work/$s.key listen-port $own_port peer $peer_key endpoint $peer_ip:$peer_port"
	: >"$work/storm-$s.log"
	while [ $SECONDS -lt $end ]; do
		disk=${disks[RANDOM % ${#disks[@]}]}
		bdev=${loops[RANDOM % 3]}
		now=$EPOCHSECONDS
		case $((RANDOM % 33)) in
		0) cmd="hcxrepl show" ;;
		1) cmd="hcxrepl -j -s show hcx0" ;;
		2) cmd="hcxrepl showconf hcx0" ;;
		3) cmd="hcxrepl setconf hcx0 $work/$s.conf" ;;
		4 | 5) cmd=$pair ;;
		6) cmd="hcxrepl set hcx0 listen-port ${ports[RANDOM % 4]}" ;;
		# The index its disks share, emptied and resized under them.
		7) cmd="hcxrepl set hcx0 dedup-cache ${caches[RANDOM % 3]}" ;;
		8) cmd="hcxrepl set hcx0 peer $peer_key ${peer_opts[RANDOM % 5]}" ;;
		9) cmd="hcxrepl set hcx0 private-key $work/$p.key" ;;
		10) cmd="ip link ${link_ops[RANDOM % 6]}" ;;
		11 | 12) cmd="hcxrepl disk add $disk dev hcx0 backing $bdev role ${roles[RANDOM % 2]} ${add_opts[RANDOM % 8]}" ;;
		13) cmd="hcxrepl disk del $disk" ;;
		14) cmd="hcxrepl ${flags[RANDOM % 3]} disk show $disk" ;;
		15) cmd="hcxrepl disk set $disk ${set_opts[RANDOM % 9]}" ;;
		16 | 17) cmd="hcxrepl disk sync $disk ${kinds[RANDOM % 3]}" ;;
		18 | 19) cmd="hcxrepl disk replicate $disk ${onoff[RANDOM % 2]}" ;;
		20) cmd="hcxrepl disk switchover $disk" ;;
		21) cmd="hcxrepl disk switchover $disk verify" ;;
		22) cmd="hcxrepl disk switchover $disk at $((now + RANDOM % 4))" ;;
		23) cmd="hcxrepl disk switchover $disk at $((now + 2)) verify" ;;
		24) cmd="hcxrepl disk verify $disk" ;;
		25) cmd="hcxrepl disk promote $disk" ;;
		26) cmd="hcxrepl disk demote $disk" ;;
		27 | 28) cmd="hcxrepl disk ${pr[RANDOM % 2]} $disk" ;;
		29) cmd="timeout 2 hcxrepl ${flags[RANDOM % 2]} monitor" ;;
		30) cmd="hcxrepl disk add $disk dev ${bad_devs[RANDOM % 3]} backing $bdev role source" ;;
		31) cmd="hcxrepl disk add $disk dev hcx0 backing ${bad_paths[RANDOM % 5]} role source" ;;
		32) cmd="hcxrepl set hcx0 peer $pubkey" ;;
		esac
		start=$SECONDS
		# shellcheck disable=SC2086 # the command and its arguments, split
		timeout -k 5 "$CMD_TIMEOUT" $cmd >/dev/null 2>>"$work/storm-$s.log"
		rc=$?
		[ $((SECONDS - start)) -ge 10 ] &&
			echo "SLOW ($((SECONDS - start)) s, status $rc): $cmd" >>"$work/storm-$s.log"
		case $rc in
		0) ok=$((ok + 1)) ;;
		1 | 2) failed=$((failed + 1)) ;;
		124 | 137)
			# timeout's own status: the monitor's is its expected end.
			if [[ $cmd == "timeout 2 "* ]] && [ $rc = 124 ]; then
				ok=$((ok + 1))
			else
				hung=$((hung + 1))
				echo "HUNG ($rc): $cmd" >>"$work/storm-$s.log"
			fi
			;;
		*)
			crashed=$((crashed + 1))
			echo "CRASHED ($rc): $cmd" >>"$work/storm-$s.log"
			;;
		esac
		echo "$((ok + failed + hung + crashed)) $ok $failed $hung $crashed" >"$work/storm-$s"
	done
}

writer &
writer_pid=$!
phase=$SECONDS
fuzz_args=(--spec "$HCX_SPEC" --seconds "$FUZZ_SECONDS" --timeout "$CMD_TIMEOUT"
	--name vm1 --name vm2 --name vm3 --name fz0)
nsx site-a /usr/bin/python3 "$HCX_TOP/selftests/lib/nlfuzz.py" "${fuzz_args[@]}" \
	--seed "$SEED" --label fuzz-a --backing "${loop[a1]}" --backing "${loop[a2]}" \
	--backing "${loop[a3]}" --backing "${loop[b3]}" \
	>"$work/fuzz-a" 2>&1 &
fuzz_a=$!
nsx site-b /usr/bin/python3 "$HCX_TOP/selftests/lib/nlfuzz.py" "${fuzz_args[@]}" \
	--seed $((SEED + 1)) --label fuzz-b --backing "${loop[b1]}" --backing "${loop[b2]}" \
	--backing "${loop[b3]}" --backing "${loop[a3]}" \
	>"$work/fuzz-b" 2>&1 &
fuzz_b=$!
wait $fuzz_a
rc_a=$?
wait $fuzz_b
rc_b=$?
echo "# fuzzing took $((SECONDS - phase)) s"
phase=$SECONDS
export work SEED STORM_SECONDS CMD_TIMEOUT PORT_A PORT_B
nsx site-a bash -c "$(declare -f storm); storm \"\$@\"" storm a b $((SEED + 2)) \
	"${loop[a1]}" "${loop[a2]}" "${loop[a3]}" &
storm_a=$!
nsx site-b bash -c "$(declare -f storm); storm \"\$@\"" storm b a $((SEED + 3)) \
	"${loop[b1]}" "${loop[b2]}" "${loop[b3]}" &
storm_b=$!
wait $storm_a
wait $storm_b
touch "$work/stop"
wait $writer_pid
echo "# the storms took $((SECONDS - phase)) s"

sed 's/^/# /' "$work/fuzz-a" "$work/fuzz-b"
check_eq "the fuzzer at site A passes" 0 "$rc_a"
check_eq "the fuzzer at site B passes" 0 "$rc_b"
for s in a b; do
	read -r total ok failed hung crashed <"$work/storm-$s"
	echo "# storm-$s: $total commands, $ok ok, $failed refused, $hung hung, $crashed crashed"
	grep -E '^(HUNG|CRASHED|SLOW)' "$work/storm-$s.log" | sed 's/^/# /'
	check "site $s ran commands" test "$total" -gt 0
	check_eq "no command hung at site $s" 0 "$hung"
	check_eq "no command crashed at site $s" 0 "$crashed"
done
echo "# writes: $(cat "$work/writes" 2>/dev/null || echo 0)"

# bounded CMD...: CMD within the command timeout; when it is not done by
# then, the blocked tasks go to the kernel log (sysrq w) for the report.
bounded() {
	timeout -k 5 "$CMD_TIMEOUT" "$@" && return 0
	local rc=$?
	[ $rc = 124 ] || [ $rc = 137 ] || return $rc
	echo "# $* still running after $CMD_TIMEOUT s; blocked tasks in dmesg"
	echo w >/proc/sysrq-trigger
	return $rc
}

# The module answers.
echo "# cleanup starts at $SECONDS s"
for s in a b; do
	check "the module answers at site $s" bounded ip netns exec "site-$s" hcxrepl disk show
	check "hcxrepl show answers at site $s" bounded ip netns exec "site-$s" hcxrepl show
done

# disks_of NS: the names of its disks.
disks_of() {
	nsx "$1" hcxrepl disk show | sed -n 's/^disk: //p'
}
# delete_all_disks: every disk of both sites; one stacked on another's
# tracking device goes first, so try in rounds.
delete_all_disks() {
	local round s d left
	for ((round = 0; round < 10; round++)); do
		left=0
		for s in site-a site-b; do
			for d in $(disks_of $s); do
				bounded ip netns exec $s hcxrepl disk del "$d" || left=1
			done
		done
		[ $left = 0 ] && break
		sleep 1
	done
	[ -z "$(disks_of site-a)$(disks_of site-b)" ]
}
check "every disk deletes" delete_all_disks
delete_all_devices() {
	local s
	for s in site-a site-b; do
		if nsx $s ip link show hcx0 >/dev/null 2>&1; then
			bounded ip netns exec $s ip link del hcx0 || return 1
		fi
	done
	! ip -all netns exec ip -d link show type hcxrepl 2>/dev/null | grep -q '^[0-9]' &&
		[ -z "$(ip -d link show type hcxrepl)" ]
}
check "every device deletes" delete_all_devices
for s in a b; do
	for i in 1 2 3; do
		losetup -d "${loop[$s$i]}"
	done
done
ip -all netns delete
check "the module unloads" bounded rmmod hcxrepl

# kernel_log_clean FILE: no report of the kernel's checkers.
kernel_log_clean() {
	! grep -E 'BUG:|WARNING:|Call Trace:|KASAN|UBSAN|lockdep|possible recursive locking|possible circular locking|suspicious RCU usage|unreferenced object|leaked reference|ref_tracker|refcount|list_del corruption|list_add corruption|general protection fault|Oops|blocked for more than' "$1"
}
dmesg | tail -n +$((log_start + 1)) >"$work/dmesg"
check "the kernel log has no report" kernel_log_clean "$work/dmesg"
if [ -w $kmemleak ]; then
	echo scan >$kmemleak
	sleep 1
	echo scan >$kmemleak
	cat $kmemleak >"$work/kmemleak"
	check "kmemleak reports nothing" test ! -s "$work/kmemleak"
	head -n 40 "$work/kmemleak" | sed 's/^/# /'
fi
rm -rf "$work"
echo "# hostile.sh took $SECONDS s"
tap_done
