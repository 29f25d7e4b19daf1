#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# each.sh 'SCRIPT [ARG...]'...: run in-VM test scripts (paths from the
# current directory) one after the other in the same VM, so that the VM
# boots once for all of them.  Each prints its own TAP document, framed by
# "# each.sh: SCRIPT [ARG...]" and "# each.sh: ...: status N after T s"
# lines (run.sh cuts the output into one report per script at them).
# After each, the kernel log it caused must be clean: a checker's report
# is a failed check of that script, its exit status 125.  Then what it
# left (namespaces, disks, the module) goes, so that the next one starts
# as in a fresh VM.  The exit status is the first failure's.
. "$(dirname "$0")/lib/klog.sh"

# reset SCRIPT: delete what SCRIPT left and unload the module.
reset() {
	local name i
	ip -all netns delete 2>/dev/null
	[ -e /sys/module/hcxrepl ] || return 0
	# A disk may stack on another's tracking device: in rounds.
	for i in 1 2 3; do
		for name in $(hcxrepl -j disk show 2>/dev/null |
			      grep -o '"name": *"[^"]*"' | cut -d'"' -f4); do
			hcxrepl disk del "$name" 2>/dev/null
		done
	done
	for i in $(seq 50); do
		rmmod hcxrepl 2>/dev/null && return 0
		sleep 0.2
	done
	echo "# each.sh: the module stays loaded after $1"
}

rc=0
log=$(mktemp)
dmesg -c >/dev/null
for cmd in "$@"; do
	echo "# each.sh: $cmd"
	start=$SECONDS
	# shellcheck disable=SC2086 # a script and its arguments, split
	$cmd
	status=$?
	dmesg -c >"$log"
	if ! report=$(kernel_log_clean "$log"); then
		echo "not ok 1 - the kernel log after $cmd is clean"
		printf '%s\n' "$report" | head -n 40 | sed 's/^/# /'
		[ "$status" = 0 ] && status=125
	fi
	reset "$cmd"
	echo "# each.sh: $cmd: status $status after $((SECONDS - start)) s"
	[ "$rc" = 0 ] && rc=$status
done
rm -f "$log"
exit "$rc"
