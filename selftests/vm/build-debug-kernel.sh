#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the debug/KUnit kernel from Debian's linux-source-6.1 and print
# its build directory.  A second run with the same source and configuration
# finds it in the cache and builds nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(debug_kernel_dir)
if [ -f "$out/.built" ]; then
	echo "$out"
	exit 0
fi

src=$(source_tree 6.1)
rm -rf "$out"
mkdir -p "$out"
log=$out/build.log
echo "building the debug kernel in $out (log: $log)" >&2
{
	make -C "$src" O="$out" x86_64_defconfig
	KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" -m \
		-O "$out" "$out/.config" "$src/kernel/configs/kvm_guest.config" \
		"$HCX_TOP/selftests/vm/debug.config"
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	die "debug kernel configuration failed"
}

# A fragment line the configuration did not take is a silent loss of a
# checker.  "=n" is met when the symbol is off or hidden by its menu.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) ! grep -q "^${line%=n}=" "$out/.config" ;;
	CONFIG_*) grep -qxF "$line" "$out/.config" ;;
	*) true ;;
	esac || {
		echo "debug.config: '$line' not in the final configuration" >&2
		missing=1
	}
done <"$HCX_TOP/selftests/vm/debug.config"
[ "$missing" = 0 ] || die "debug kernel configuration incomplete"

make -C "$src" O="$out" -j"$(nproc)" >>"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	die "debug kernel build failed"
}

touch "$out/.built"
echo "$out"
