#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: install what is missing, build the module for Debian's 6.1 and
# 6.12 kernels and for the debug/KUnit kernel, run the static checks, then
# the tests inside VMs booting each kernel.  Every step's log is kept in
# build/check/; the run ends with one line "N passed, N failed" counting
# every TAP check of every step (a step without TAP counts as one check).
set -uo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

logs=$HCX_TOP/build/check
rm -rf "$logs"
mkdir -p "$logs"
passed=0
failed=0

# report NAME LOG STATUS SECONDS: count the TAP checks in LOG and print
# NAME's line of the summary.
report() {
	local name=$1 log=$2 rc=$3 secs=$4 ok notok
	ok=$(grep -cE '^ok [0-9]+' "$log")
	notok=$(grep -cE '^not ok [0-9]+' "$log")
	if [ $((ok + notok)) = 0 ]; then
		[ "$rc" = 0 ] && ok=1 || notok=1
	elif [ "$rc" != 0 ] && [ "$notok" = 0 ]; then
		notok=1 # the checks passed but the step did not
	fi
	passed=$((passed + ok))
	failed=$((failed + notok))
	if [ "$rc" = 0 ] && [ "$notok" = 0 ]; then
		printf 'ok   %-28s %3d checks %4ds\n' "$name" "$ok" "$secs"
	else
		printf 'FAIL %-28s %3d of %d checks failed, exit %d (%s)\n' \
			"$name" "$notok" $((ok + notok)) "$rc" "${log#"$HCX_TOP"/}"
		grep -E '^not ok|^# ' "$log" | head -n 20 | sed 's/^/     /'
		tail -n 15 "$log" | sed 's/^/     | /'
	fi
}

# step NAME COMMAND...: run COMMAND, log it, report it.
step() {
	local name=$1 log=$logs/$1.log start rc
	shift
	start=$SECONDS
	"$@" >"$log" 2>&1
	rc=$?
	report "$name" "$log" "$rc" $((SECONDS - start))
	return "$rc"
}

# checkpatch --strict over the module and the UAPI.  Three documented
# exemptions: compat.h exists to compare kernel versions, wanopt.c names
# the fields of zstd's parameters, which are camel case, and the UAPI
# header's spacing is the YNL generator's (a test keeps it generated).
checkpatch() {
	local cp
	cp="$(source_tree 6.12)/scripts/checkpatch.pl --no-tree --strict --terse --show-types -f"
	$cp $(ls kmod/*.[ch] kmod/tests/*.c | grep -v -e compat.h -e wanopt.c) &&
		$cp --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kmod/compat.h &&
		$cp --ignore CAMELCASE kmod/wanopt.c &&
		$cp --ignore LINE_SPACING uapi/linux/hcxrepl.h
}


step deps selftests/vm/deps.sh || exit 1
kver61=$(debian_kver 6.1) && kver612=$(debian_kver 6.12) || exit 1
step cli-build make -C userspace
step cli selftests/cli.sh
step manpage selftests/manpage.sh
step ynl-generated selftests/ynl/regen.sh --check
step noise-vectors /usr/bin/python3 selftests/vectors/noise_ref.py --check kmod/tests/noise_vectors.h
step checkpatch checkpatch
step build-6.1 build_module "$kver61" "/lib/modules/$kver61/build"
step build-6.12 build_module "$kver612" "/lib/modules/$kver612/build"
step packaging selftests/packaging.sh
step dkms-build selftests/dkms.sh build build/dkms
if step debug-kernel selftests/vm/build-debug-kernel.sh; then
	kdebug=$(debug_kernel_dir)
	step build-debug build_module "$(cat "$kdebug/include/config/kernel.release")" "$kdebug"
fi

# batch KERNEL TIMEOUT NAME='SCRIPT [ARG...]'...: one VM booting KERNEL
# runs every SCRIPT (each.sh), so that its boot, half a minute under
# emulation, is paid once; each is then reported as the step NAME-KERNEL,
# from its part of the output.  A script the VM did not finish fails with
# the VM's status (124 on timeout) and its last words.  Two such VMs run
# at a time (see below), each on one host thread: with more threads than
# cores, a guest's spinning vCPU waits for one the host has descheduled,
# and both VMs slow down threefold (measured).
batch() {
	local kernel=$1 timeout=$2 log=$logs/vm-$1.log rc t name status secs
	local cmds=()
	shift 2
	for t in "$@"; do
		cmds+=("${t#*=}")
	done
	selftests/vm/vm.sh --kernel "$kernel" --mem 2G --timeout "$timeout" \
		--one-thread --out "$logs/vm-$kernel" -- \
		selftests/each.sh "${cmds[@]}" >"$log" 2>&1
	rc=$?
	for t in "$@"; do
		name=$logs/${t%%=*}-$kernel.log
		awk -v start="# each.sh: ${t#*=}" '
			$0 == start { on = 1 }
			/^vm.sh:/ { exit }
			on { print }
			on && index($0, start ": status ") == 1 { exit }' \
			"$log" >"$name"
		read -r status secs < <(sed -nE \
			's/^# each.sh: .*: status ([0-9]+) after ([0-9]+) s$/\1 \2/p' "$name")
		if [ -z "$status" ]; then
			status=$rc secs=0
			[ "$rc" != 0 ] || status=1
			[ -s "$name" ] ||
				echo "# not run: the VM ended first (status $rc)" >"$name"
			grep '^vm.sh:' "$log" >>"$name"
		fi
		report "${t%%=*}-$kernel" "$name" "$status" "$secs"
	done
	# A report of the kernel's checkers at the end (kmemleak's scan).
	if [ "$rc" != 0 ] && grep -q '^hcxrepl-vm: the kernel log has a checker report' "$log"; then
		report "vm-$kernel-kernel-log" "$log" "$rc" 0
	fi
}
step harness selftests/harness.sh
# The WAN-optimization tests' realistic disks, built here in seconds (in a
# VM, minutes).
step images bash -c "selftests/lib/realistic_image.sh $logs/realistic-48.img 48 &&
	selftests/lib/realistic_image.sh $logs/realistic-24.img 24"
# The debug kernel's VM runs beside the 6.1 and 6.12 ones, one VM on each
# core; its report comes after theirs.  Its disks are smaller, its
# sanitizers making I/O several times slower.  basic.sh is not among its
# tests: there it spends ten minutes starting Python, a minute for each
# YNL call; its kernel paths get hostile.sh's fuzzer instead.  The
# two-site tests (two VMs of one vCPU each) follow it on its core, while
# the 6.12 VM runs on the other: three threads on two cores for a few
# minutes, which costs less than either waiting (the debug lane ends
# some ten minutes before the 6.12 batch).
(
	passed=0 failed=0
	batch debug 3600 kunit=selftests/kunit.sh \
		interconnect=selftests/interconnect.sh \
		"disk=selftests/disk.sh 32" \
		"wanopt=selftests/wanopt.sh 24 $logs/realistic-24.img" \
		"trust=selftests/trust.sh 16" "hostile=selftests/hostile.sh $RANDOM 40" \
		"wan=selftests/wan.sh 64 30"
	step two-sites selftests/two_sites.sh
	step two-sites-disk selftests/two_sites_disk.sh
	step two-sites-faults selftests/two_sites_faults.sh $RANDOM
	echo "$passed $failed" >"$logs/debug.counts"
) >"$logs/debug.report" 2>&1 &
debug_lane=$!
# The fault model runs three seeds: 6580, which found copies differing
# before connection rounds, and two new ones each run (printed, to be run
# again).  make demo's migration runs short (an unshaped WAN, the 48 MiB
# disk) and applies plans on 6.1; the plans' own tests run on 6.12.
# dkms.sh goes last: it installs the module into the VM's module tree.
batch 6.1 2700 basic=selftests/basic.sh \
	interconnect=selftests/interconnect.sh underlay=selftests/underlay.sh \
	disk=selftests/disk.sh lockout=selftests/lockout.sh \
	"wanopt=selftests/wanopt.sh 48 $logs/realistic-48.img" \
	"demo=selftests/demo_guest.sh $logs/realistic-48.img --short" \
	"faults=selftests/faults.sh --rounds 8 6580 $RANDOM" \
	hostile=selftests/hostile.sh "wan=selftests/wan.sh 24 3 idle" \
	"dkms=selftests/dkms.sh build/dkms"
batch 6.12 2700 basic=selftests/basic.sh \
	interconnect=selftests/interconnect.sh underlay=selftests/underlay.sh \
	disk=selftests/disk.sh trust=selftests/trust.sh \
	lockout=selftests/lockout.sh \
	"wanopt=selftests/wanopt.sh 48 $logs/realistic-48.img" \
	plan=selftests/plan.sh "faults=selftests/faults.sh --rounds 8 $RANDOM" \
	hostile=selftests/hostile.sh rate=selftests/rate.sh wave=selftests/wave.sh \
	clones=selftests/clones.sh
wait $debug_lane
cat "$logs/debug.report"
read -r debug_passed debug_failed <"$logs/debug.counts" || debug_failed=1
passed=$((passed + ${debug_passed:-0}))
failed=$((failed + ${debug_failed:-0}))

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
