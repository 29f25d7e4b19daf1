#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# each.sh 'SCRIPT [ARG...]'...: run in-VM test scripts (paths from the
# current directory) one after the other
# in the same VM, so that a slow kernel boots once for all of them.  Each
# prints its own TAP document; the exit status is the first failure's.
rc=0
for cmd in "$@"; do
	echo "# each.sh: $cmd"
	start=$SECONDS
	# shellcheck disable=SC2086 # a script and its arguments, split
	$cmd
	status=$?
	echo "# each.sh: $cmd: status $status after $((SECONDS - start)) s"
	[ "$rc" = 0 ] && rc=$status
done
exit "$rc"
