#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# each.sh 'SCRIPT [ARG...]'...: run in-VM test scripts (paths from the
# current directory) one after the other in the same VM, so that the VM
# boots once for all of them.  Each prints its own TAP document, framed by
# "# each.sh: SCRIPT [ARG...]" and "# each.sh: ...: status N after T s"
# lines (run.sh cuts the output into one report per script at them).
# After each, the kernel log it caused must be clean: a checker's report
# is a failed check of that script, its exit status 125.  The exit status
# is the first failure's.
. "$(dirname "$0")/lib/klog.sh"

rc=0
dmesg -c >/dev/null
for cmd in "$@"; do
	echo "# each.sh: $cmd"
	start=$SECONDS
	# shellcheck disable=SC2086 # a script and its arguments, split
	$cmd
	status=$?
	if ! report=$(dmesg -c | kernel_log_clean /dev/stdin); then
		echo "not ok 1 - the kernel log after $cmd is clean"
		printf '%s\n' "$report" | head -n 40 | sed 's/^/# /'
		[ "$status" = 0 ] && status=125
	fi
	echo "# each.sh: $cmd: status $status after $((SECONDS - start)) s"
	[ "$rc" = 0 ] && rc=$status
done
exit "$rc"
