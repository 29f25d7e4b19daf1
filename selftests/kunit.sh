#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the KUnit suites inside the VM booting the debug kernel: load the test
# module, read its suites' results from debugfs (the module's own, not all
# of dmesg), report each case as TAP and check that the kernel's kunit.py
# parses the same number of passing tests, above zero.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"

check "module loads" load_module
check "test module loads (suites run)" \
	insmod "$(dirname "$HCX_KO")/hcxrepl_test.ko"

# Each suite's results are a KTAP document of their own.
src=$(source_tree 6.1)
suites=0 cases=0 ran=0
for d in /sys/kernel/debug/kunit/hcxrepl_*; do
	[ -r "$d/results" ] || continue
	suite=$(basename "$d")
	suites=$((suites + 1))
	while read -r verdict name; do
		cases=$((cases + 1))
		if [ "$verdict" = ok ]; then
			tap_ok "$suite: $name"
		else
			tap_not_ok "$suite: $name"
		fi
	done < <(sed -nE 's/^ +(not ok|ok) [0-9]+ (- )?/\1 /p' "$d/results" |
		sed -E 's/^not ok /not_ok /')
	parsed=$(/usr/bin/python3 "$src/tools/testing/kunit/kunit.py" parse "$d/results" 2>&1)
	rc=$?
	check_eq "kunit.py parses $suite (exit status)" 0 "$rc"
	[ "$rc" = 0 ] || printf '%s\n' "$parsed" | sed 's/^/# /'
	n=$(printf '%s\n' "$parsed" | sed -nE 's/.*Ran ([0-9]+) tests.*/\1/p' | tail -n 1)
	ran=$((ran + ${n:-0}))
done
check_eq "kunit.py counts the cases we saw" "$cases" "$ran"
check "there are suites and cases" test "$suites" -ge 2 -a "$cases" -gt 0

check "test module unloads" rmmod hcxrepl_test
check "module unloads" rmmod hcxrepl
tap_done
