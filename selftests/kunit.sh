#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the KUnit suites inside the VM booting the debug kernel: load the test
# module, read its suites' results from debugfs (the module's own, not all
# of dmesg), report each case as TAP and check that the kernel's kunit.py
# parses the same number of passing tests, above zero.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"

ktap=$(mktemp)
check "module loads" load_module
check "test module loads (suites run)" \
	insmod "$(dirname "$HCX_KO")/hcxrepl_test.ko"

for d in /sys/kernel/debug/kunit/hcxrepl_*; do
	[ -r "$d/results" ] && cat "$d/results" >>"$ktap"
done

cases=0
while read -r verdict name; do
	cases=$((cases + 1))
	if [ "$verdict" = ok ]; then
		tap_ok "kunit: $name"
	else
		tap_not_ok "kunit: $name"
	fi
done < <(sed -nE 's/^ +(not ok|ok) [0-9]+ (- )?/\1 /p' "$ktap" |
	sed -E 's/^not ok /not_ok /')

src=$(source_tree 6.1)
parsed=$(/usr/bin/python3 "$src/tools/testing/kunit/kunit.py" parse "$ktap" 2>&1)
rc=$?
ran=$(printf '%s\n' "$parsed" | sed -nE 's/.*Ran ([0-9]+) tests.*/\1/p' | tail -n 1)
check "kunit.py parses the results (exit $rc)" test "$rc" = 0
check "kunit.py counts the $cases cases we saw, above zero" \
	test "${ran:-0}" = "$cases" -a "$cases" -gt 0
[ "$rc" = 0 ] || printf '%s\n' "$parsed" | sed 's/^/# /'

check "test module unloads" rmmod hcxrepl_test
check "module unloads" rmmod hcxrepl
rm -f "$ktap"
tap_done
