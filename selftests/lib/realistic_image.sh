#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# realistic_image.sh OUT SIZE_MB: an ext4 image of SIZE_MB MiB that looks
# like a VM's disk: about 60% of it real files of this machine (binaries,
# libraries, Python sources and bytecode, documentation and man pages, part
# of them already compressed), the rest free space.  The same machine
# always gives the same files.
set -euo pipefail

out=$1
size_mb=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# take DIR SHARE: copy DIR's files, in name order, while they fit in SHARE
# percent of the image; files over 8 MiB are left out so that no one file
# dominates.
take() {
	local budget=$((size_mb * 1048576 * $2 / 100))
	find "$1" -xdev -type f -size -8M -printf '%s %p\n' |
		sort -k 2 |
		awk -v budget="$budget" 'sum + $1 <= budget { sum += $1; print $2 }' |
		while read -r f; do
			cp --parents -p "$f" "$stage/" 2>/dev/null || true
		done
}
take /usr/bin 18
take /usr/lib/x86_64-linux-gnu 16
take /usr/lib/python3.11 12
take /usr/share/doc 8
take /usr/share/man 6

rm -f "$out"
truncate -s "${size_mb}M" "$out"
mkfs.ext4 -q -F -b 4096 -L realistic -d "$stage" "$out"
