# SPDX-License-Identifier: GPL-2.0
# TAP output for the kselftest-style scripts, sourced.  Each check prints
# "ok N - text" or "not ok N - text"; tap_done prints the plan and the
# closing "N passed, N failed" line and returns non-zero on any failure.

TAP_N=0
TAP_PASS=0
TAP_FAIL=0
echo "TAP version 13"

tap_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_PASS=$((TAP_PASS + 1))
	echo "ok $TAP_N - $*"
}

tap_not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_N - $*"
}

# check TEXT COMMAND...: passes when COMMAND succeeds; its output is shown
# as a TAP comment when it does not.
check() {
	local text=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$text"
	else
		tap_not_ok "$text"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# check_eq TEXT WANT GOT: passes when the strings are equal; shows both
# when they are not.
check_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		printf '# wanted: %s\n# got:    %s\n' "$2" "$3"
	fi
}

# check_fails TEXT PATTERN COMMAND...: passes when COMMAND fails with exit
# status 1 and its standard error matches the extended regex PATTERN.
check_fails() {
	local text=$1 pattern=$2 err rc=0
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" = 1 ] && printf '%s' "$err" | grep -Eq -- "$pattern"; then
		tap_ok "$text"
	else
		tap_not_ok "$text"
		echo "# exit status $rc, wanted 1; stderr: $err"
		echo "# wanted it to match: $pattern"
	fi
}

tap_done() {
	echo "1..$TAP_N"
	echo "$TAP_PASS passed, $TAP_FAIL failed"
	[ "$TAP_FAIL" = 0 ] && [ "$TAP_N" -gt 0 ]
}
