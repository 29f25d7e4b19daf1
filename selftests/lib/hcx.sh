# SPDX-License-Identifier: GPL-2.0
# Helpers of the in-VM tests, sourced after tap.sh.

. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
HCX_KO=$HCX_TOP/build/$(uname -r)/hcxrepl.ko
HCX_SPEC=$HCX_TOP/Documentation/netlink/specs/hcxrepl.yaml
export PATH=$HCX_TOP/userspace:$PATH

# load_module: insmod the module built for the running kernel, after the
# kernel modules it depends on (none on the debug kernel, where they are
# built in), as the README and the administrator's guide say, and after
# those it would rather have (its soft dependencies, tcp_bbr: absent from
# the debug kernel, where the module does without), as modprobe does.
load_module() {
	local deps soft
	deps=$(modinfo -F depends "$HCX_KO" | tr , ' ')
	if [ -n "$deps" ]; then
		# shellcheck disable=SC2086 # a list of modules
		modprobe -a $deps || return 1
	fi
	soft=$(modinfo -F softdep "$HCX_KO" | sed -n 's/^pre: *//p')
	# shellcheck disable=SC2086 # a list of modules
	[ -z "$soft" ] || modprobe -a -q $soft 2>/dev/null || true
	insmod "$HCX_KO"
}

# ynl ARGS...: the kernel's YNL CLI, driven by our spec alone; in the
# network namespace $YNL_NETNS when that is set.
ynl() {
	local src
	src=$(source_tree 6.12)
	# The spec is validated against the schema where it is generated
	# (selftests/ynl/regen.sh); here that would cost seconds a call.
	${YNL_NETNS:+ip netns exec "$YNL_NETNS"} /usr/bin/python3 \
		"$src/tools/net/ynl/cli.py" --spec "$HCX_SPEC" --no-schema "$@"
}

# ynl_rt ARGS...: the same client over rtnetlink, with the kernel's spec.
ynl_rt() {
	local src
	src=$(source_tree 6.12)
	/usr/bin/python3 "$src/tools/net/ynl/cli.py" \
		--spec "$src/Documentation/netlink/specs/rt_link.yaml" \
		--no-schema "$@"
}

nlraw() {
	/usr/bin/python3 "$HCX_TOP/selftests/lib/nlraw.py" "$@"
}

# json EXPR: evaluate a Python expression over the JSON on standard input
# (bound to j) and print the result.
json() {
	/usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"
}

# uapi_vars: NAME=VALUE for every enumerator of the UAPI header, to eval,
# so that raw requests follow the header instead of repeating its numbers.
uapi_vars() {
	/usr/bin/python3 - "$HCX_TOP/uapi/linux/hcxrepl.h" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for body in re.findall(r"enum[^{]*\{([^}]*)\}", text):
    value = -1
    for name, explicit in re.findall(r"\b([A-Z0-9_]+)\s*(?:=\s*(\d+))?\s*,", body):
        value = int(explicit) if explicit else value + 1
        print(f"{name}={value}")
PY
}
