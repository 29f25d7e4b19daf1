#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Generate the UAPI header and the kernel policy/ops tables from the YNL spec
# with the generator of Debian's linux-source-6.12.
#
#   selftests/ynl/regen.sh          rewrite the committed files
#   selftests/ynl/regen.sh --check  fail if regenerating would change them
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

ynl=$(source_tree 6.12)/tools/net/ynl
spec=Documentation/netlink/specs/hcxrepl.yaml

# The generator validates the spec against the schema beside specs/ and
# names files relative to the directory holding MAINTAINERS: give it a tree
# with both, holding our spec and the kernel's schema.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Documentation/netlink/specs"
cp "$(source_tree 6.12)/Documentation/netlink/genetlink-legacy.yaml" "$work/Documentation/netlink/"
cp "$HCX_TOP/$spec" "$work/$spec"
cp "$HCX_TOP/MAINTAINERS" "$work/"

gen() {
	/usr/bin/python3 "$ynl/ynl-gen-c.py" --spec "$work/$spec" "$@"
}
mkdir -p "$work/out"
gen --mode uapi --header -o "$work/out/hcxrepl.h"
gen --mode kernel --header -o "$work/out/netlink_gen.h"
gen --mode kernel --source -o "$work/out/netlink_gen.c"

# The generator of 6.12 leaves out the flags of multicast groups: a group
# the spec marks admin-perm gets GENL_MCAST_CAP_NET_ADMIN here.  Fail if
# the table is not as expected, rather than drop the flag.
/usr/bin/python3 - "$work/$spec" "$work/out/netlink_gen.c" <<'PY'
import re, sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
path = sys.argv[2]
src = open(path).read()
for grp in spec.get("mcast-groups", {}).get("list", []):
    if "admin-perm" not in grp.get("flags", []):
        continue
    entry = re.compile(r'(\[[A-Z0-9_]+\] = \{ "%s",) \},' % re.escape(grp["name"]))
    src, n = entry.subn(r"\1 .flags = GENL_MCAST_CAP_NET_ADMIN, },", src)
    if n != 1:
        sys.exit(f"regen.sh: multicast group {grp['name']} not found once in {path}")
open(path, "w").write(src)
PY

status=0
for pair in hcxrepl.h:uapi/linux/hcxrepl.h netlink_gen.h:kmod/netlink_gen.h \
	    netlink_gen.c:kmod/netlink_gen.c; do
	new=$work/out/${pair%%:*}
	old=$HCX_TOP/${pair#*:}
	if [ "${1:-}" = --check ]; then
		diff -u "$old" "$new" >&2 || {
			echo "${pair#*:} differs from what $spec generates; run $0" >&2
			status=1
		}
	else
		cp "$new" "$old"
	fi
done
exit $status
