# SPDX-License-Identifier: GPL-2.0
# What in a kernel log fails a test run, sourced by the VM's init and by
# each.sh.

KLOG_REPORT='BUG:|BUG [^ ]+ [(](Not t|T)ainted|WARNING:|Call Trace:|KASAN|UBSAN|possible recursive locking|possible circular locking|suspicious RCU usage|unreferenced object|leaked reference|ref_tracker|general protection fault|Oops'

# kernel_log_clean FILE: true unless FILE has a report of the kernel's
# checkers (KASAN, lockdep, RCU, kmemleak, reference trackers, oopses).
# Of the first report it prints the 40 lines from its start, which hold
# the locks or the stack that tell what happened, then every other line
# that starts one.
kernel_log_clean() {
	grep -qE "$KLOG_REPORT" "$1" || return 0
	awk -v re="$KLOG_REPORT" '
		$0 ~ re && !first { first = NR }
		first && NR < first + 40 { print; next }
		first && $0 ~ re { print }' "$1"
	return 1
}
