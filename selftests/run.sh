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

# step NAME COMMAND...: run COMMAND, log it, count its checks.
step() {
	local name=$1 log=$logs/$1.log start rc ok notok
	shift
	start=$SECONDS
	"$@" >"$log" 2>&1
	rc=$?
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
		printf 'ok   %-28s %3d checks %4ds\n' "$name" "$ok" $((SECONDS - start))
	else
		printf 'FAIL %-28s %3d of %d checks failed, exit %d (%s)\n' \
			"$name" "$notok" $((ok + notok)) "$rc" "${log#"$HCX_TOP"/}"
		grep -E '^not ok|^# ' "$log" | head -n 20 | sed 's/^/     /'
		tail -n 15 "$log" | sed 's/^/     | /'
	fi
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

# vm KERNEL TIMEOUT SCRIPT [ARG...]: run SCRIPT in a VM booting KERNEL.  Two
# such VMs run at a time (see below), each on one host thread: with more
# threads than cores, a guest's spinning vCPU waits for one the host has
# descheduled, and both VMs slow down threefold (measured).
vm() {
	selftests/vm/vm.sh --kernel "$1" --mem 2G --timeout "$2" --one-thread \
		--out "$logs/vm-$1-$(basename "$3" .sh)" -- "${@:3}"
}
step harness selftests/harness.sh
# The WAN-optimization tests' realistic disks, built here in seconds (in a
# VM, minutes).
step images bash -c "selftests/lib/realistic_image.sh $logs/realistic-48.img 48 &&
	selftests/lib/realistic_image.sh $logs/realistic-24.img 24"
# The debug kernel boots slowly: one boot for all its tests.  Its disks are
# smaller, its sanitizers making I/O several times slower.  It runs beside
# the 6.1 and 6.12 steps, one VM on each core; its report comes after
# theirs.
(
	passed=0 failed=0
	step debug vm debug 2400 selftests/each.sh selftests/basic.sh \
		selftests/kunit.sh selftests/interconnect.sh "selftests/disk.sh 32" \
		"selftests/wanopt.sh 24 $logs/realistic-24.img" \
		"selftests/trust.sh 16" selftests/hostile.sh
	echo "$passed $failed" >"$logs/debug.counts"
) >"$logs/debug.report" 2>&1 &
debug_lane=$!
step basic-6.1 vm 6.1 300 selftests/basic.sh
step basic-6.12 vm 6.12 300 selftests/basic.sh
step interconnect-6.1 vm 6.1 600 selftests/interconnect.sh
step interconnect-6.12 vm 6.12 600 selftests/interconnect.sh
step underlay-6.1 vm 6.1 600 selftests/underlay.sh
step underlay-6.12 vm 6.12 600 selftests/underlay.sh
step disk-6.1 vm 6.1 600 selftests/disk.sh
step disk-6.12 vm 6.12 600 selftests/disk.sh
step trust-6.12 vm 6.12 600 selftests/trust.sh
step hostile-6.1 vm 6.1 300 selftests/hostile.sh
step hostile-6.12 vm 6.12 300 selftests/hostile.sh
step wanopt-6.1 vm 6.1 600 selftests/wanopt.sh 48 "$logs/realistic-48.img"
step wanopt-6.12 vm 6.12 600 selftests/wanopt.sh 48 "$logs/realistic-48.img"
# make demo's migration, short: an unshaped WAN and the 48 MiB disk.
step demo-6.1 vm 6.1 600 selftests/demo_guest.sh "$logs/realistic-48.img" --short
# The demo applies plans on 6.1; their own tests run on 6.12.
step plan-6.12 vm 6.12 300 selftests/plan.sh
step dkms-6.1 vm 6.1 300 selftests/dkms.sh build/dkms
# Two VMs of one vCPU each, while the debug lane ends: three threads on two
# cores for a few minutes, which costs the debug lane less than waiting.
step two-sites selftests/two_sites.sh
step two-sites-disk selftests/two_sites_disk.sh
wait $debug_lane
cat "$logs/debug.report"
read -r debug_passed debug_failed <"$logs/debug.counts" || debug_failed=1
passed=$((passed + ${debug_passed:-0}))
failed=$((failed + ${debug_failed:-0}))

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
