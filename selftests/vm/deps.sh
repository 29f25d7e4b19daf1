#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages that building and testing hcxrepl needs, if
# any is missing.  Both kernels come from the apt sources as configured:
# Debian 12's 6.1, and the 6.12 that its security suite carries.
set -euo pipefail

packages=(
	# build
	gcc make pkg-config bc bison flex libelf-dev libssl-dev dwarves
	libmnl-dev libsodium-dev sparse perl python3 python3-yaml python3-cryptography
	python3-jsonschema rsync cpio xz-utils zstd kmod
	# the two kernels, their headers and their sources
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	# the VM and what tests run inside it
	qemu-system-x86 busybox-static iproute2 iputils-ping tcpdump fio
	e2fsprogs iperf3 procps xxd wireguard-tools
	# capsh, which runs a command without a capability (selftests/basic.sh),
	# and dmsetup, which makes a device with a bad chunk (selftests/wanopt.sh)
	libcap2-bin dmsetup
	# the benchmark's peer: DRBD 8.4 is in Debian's kernels
	drbd-utils bc
	# packaging: DKMS (selftests/dkms.sh) and openssl, with which it makes
	# its signing key, systemd-analyze, which checks the unit
	# (selftests/packaging.sh), and man, which renders the man page
	# (selftests/manpage.sh)
	dkms openssl systemd man-db groff-base
)

missing=()
for p in "${packages[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
		missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
