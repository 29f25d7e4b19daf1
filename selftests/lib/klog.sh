# SPDX-License-Identifier: GPL-2.0
# What in a kernel log fails a test run, sourced by the VM's init and by
# each.sh.

# kernel_log_clean FILE: true unless FILE has a report of the kernel's
# checkers (KASAN, lockdep, RCU, kmemleak, reference trackers, oopses),
# which it prints.
kernel_log_clean() {
	! grep -E 'BUG:|WARNING:|Call Trace:|KASAN|UBSAN|possible recursive locking|possible circular locking|suspicious RCU usage|unreferenced object|leaked reference|ref_tracker|general protection fault|Oops' "$1"
}
