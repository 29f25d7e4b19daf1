#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM harness itself: a command's output and exit status come back; a
# run whose command passed still fails when the kernel log has a checker
# report (here an injected one: the guest writes it to /dev/kmsg); a VM
# that outlives its timeout is stopped, and one that is killed dies at once.
. "$(dirname "$0")/lib/tap.sh"
cd "$(dirname "$0")/.." || exit 1

out=$(selftests/vm/vm.sh --kernel 6.12 -- bash -c 'echo "hello from $(uname -r)"; exit 3' 2>/dev/null)
rc=$?
check_eq "the command's exit status comes back" 3 "$rc"
check_eq "the command's output comes back" "hello from $(. selftests/vm/lib.sh; debian_kver 6.12)" "$out"
selftests/vm/vm.sh --kernel 6.12 -- bash -c \
	'echo "WARNING: CPU: 0 PID: 1 injected by selftests/harness.sh" >/dev/kmsg' >/dev/null 2>&1
check_eq "a kernel WARNING fails a run whose command passed" 125 $?
check "a VM that outlives its timeout is stopped (status 124)" bash -c \
	"selftests/vm/vm.sh --kernel 6.12 --timeout 10 -- sleep 600 >/dev/null 2>&1; test \$? = 124"
# Killed once its command runs, which says so in its live output.
out=$(mktemp -d)
selftests/vm/vm.sh --kernel 6.12 --out "$out" -- bash -c 'echo up; sleep 600' \
	>/dev/null 2>&1 &
pid=$!
for i in $(seq 120); do
	grep -qs up "$out/output" && break
	sleep 0.5
done
kill -TERM $pid
wait $pid
check_eq "a killed VM dies at once (status 143)" 143 $?
rm -rf "$out"
tap_done
