#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench, disk part: replication in two-VM mode, hcxrepl next to DRBD
# 8.4 (Debian's in-kernel module, with drbd-utils) carried by WireGuard,
# both replicating the same source device in the same run.
#
#   [site-a] source ~~ virtual link (UDP on loopback) ~~ [site-b] targets
#
# Two 256 MiB images: random data, and a realistic ext4 disk built from
# this machine's files (selftests/lib/realistic_image.sh).  For each, one
# boot of both sites times the initial sync and a delta sync after the
# same 1024 chunks of 64 KiB were rewritten, for hcxrepl and for DRBD
# (whose delta is the resync after the same writes made while it was
# disconnected), and prints the throughputs and their ratio.  Each site
# has one vCPU, as in the tests' two-VM mode.
#
# usage: bench_disk.sh [6.1|6.12]   (default 6.1, both sites)
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

series=${1:-6.1}
SIZE_MB=256
work=$HCX_TOP/build/bench-disk
rm -rf "$work"
mkdir -p "$work"
read -r port_a port_b < <(free_udp_ports 2)
umask 077
for s in a b; do
	userspace/hcxrepl genkey >"$work/hcx-$s.key"
	userspace/hcxrepl pubkey <"$work/hcx-$s.key" >"$work/hcx-$s.pub"
	wg genkey >"$work/wg-$s.key"
	wg pubkey <"$work/wg-$s.key" >"$work/wg-$s.pub"
done
umask 022
echo "== building the images: random data, and a realistic ext4 disk"
head -c "${SIZE_MB}M" /dev/urandom >"$work/random.img"
selftests/lib/realistic_image.sh "$work/realistic.img" "$SIZE_MB"

# site SITE IMAGE: boot a site in the background.
site() {
	local link=$port_a:$port_b
	[ "$1" = b ] && link=$port_b:$port_a
	selftests/vm/vm.sh --kernel "$series" --cpus 1 --mem 1536M --timeout 1500 \
		--name "site-$1" --out "$work/$2-$1" --link "$link" \
		--mac "52:54:00:00:00:0$1" -- \
		bash selftests/bench_disk_site.sh "$1" "$work" "$2" \
		>"$work/$2-$1.log" 2>&1 &
}

for image in random realistic; do
	echo "== $image: booting both sites (about 4 minutes)"
	site b "$image"
	pid_b=$!
	# Site A times from its first command: site B must be serving by then.
	for i in $(seq 600); do
		grep -qs '^b: ready' "$work/$image-b/output" && break
		kill -0 $pid_b 2>/dev/null || break
		sleep 0.5
	done
	site a "$image"
	pid_a=$!
	rc_a=0 rc_b=0
	wait $pid_a || rc_a=$?
	touch "$work/$image-b/stop"
	wait $pid_b || rc_b=$?
	if [ "$rc_a$rc_b" != 00 ]; then
		cat "$work/$image-a.log" "$work/$image-b.log" >&2
		die "the $image run failed (site A $rc_a, site B $rc_b)"
	fi
	cp "$work/$image-a.log" "$work/$image.results"
done

echo
/usr/bin/python3 - "$work" <<'PY'
import sys

work = sys.argv[1]
links, rates = {}, {}
for image in ("random", "realistic"):
    for line in open(f"{work}/{image}.results"):
        words = line.split()
        if words[:1] == ["link"]:
            links[words[1]] = float(words[2])
        elif words[:1] == ["result"]:
            tool, kind, secs, size = words[1], words[2], float(words[3]), int(words[4])
            rates[image, kind, tool] = size / secs / 2**20
print(f"link between the sites: plain {links.get('192.0.2.2', 0):.0f} Mbit/s, "
      f"WireGuard {links.get('10.9.0.2', 0):.0f} Mbit/s")
print(f"{'':24} {'hcxrepl':>11} {'DRBD/WireGuard':>16} {'ratio':>7}")
for image in ("random", "realistic"):
    for kind in ("full", "delta"):
        ours, theirs = rates[image, kind, "hcxrepl"], rates[image, kind, "drbd"]
        label = f"{image}, {'initial' if kind == 'full' else 'delta'} sync"
        print(f"{label:24} {ours:6.1f} MiB/s {theirs:10.1f} MiB/s {ours / theirs:6.2f}x")
PY
