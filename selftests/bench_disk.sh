#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench, disk part: replication in two-VM mode, hcxrepl with its WAN
# optimization, hcxrepl without it, and DRBD 8.4 (Debian's in-kernel
# module, with drbd-utils) carried by WireGuard, all replicating the same
# source image in the same run.
#
#   [site-a] source ~~ virtual link (UDP on loopback) ~~ [site-b] targets
#
# The link is shaped to a WAN's rate, 100 Mbit/s each way (tbf on each
# site's interface).  Two 256 MiB images: random data, and a realistic ext4
# disk built from this machine's files (selftests/lib/realistic_image.sh).
# For each, one boot of both sites times the initial sync and a delta sync
# after the same 1024 chunks of 64 KiB were rewritten with random data, for
# each tool (DRBD's delta is the resync after the same writes made while it
# was disconnected); it prints the throughputs in logical bytes per second,
# their ratios, and hcxrepl's wire bytes per logical byte.  Each site has
# one vCPU, as in the tests' two-VM mode.
#
# usage: bench_disk.sh [6.1|6.12]   (default 6.1, both sites)
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

series=${1:-6.1}
SIZE_MB=256
MBIT=100
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
		bash selftests/bench_disk_site.sh "$1" "$work" "$2" "$MBIT" \
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
/usr/bin/python3 - "$work" "$MBIT" <<'PY'
import sys

work, mbit = sys.argv[1], sys.argv[2]
links, rates, wire = {}, {}, {}
for image in ("random", "realistic"):
    for line in open(f"{work}/{image}.results"):
        words = line.split()
        if words[:1] == ["link"]:
            links[words[1]] = float(words[2])
        elif words[:1] == ["result"]:
            tool, kind, secs, size = words[1], words[2], float(words[3]), int(words[4])
            rates[image, kind, tool] = size / secs / 2**20
            if len(words) > 5:
                wire[image, kind, tool] = int(words[5]) / size
print(f"link between the sites: shaped to {mbit} Mbit/s; iperf3 measured "
      f"{links.get('192.0.2.2', 0):.0f} Mbit/s plain, "
      f"{links.get('10.9.0.2', 0):.0f} Mbit/s in WireGuard")
print("hcxrepl: its defaults (dedup, lz4); plain: hcxrepl with dedup off and"
      " compress none\n(both send zero blocks as markers); throughput in logical"
      " MiB/s; wire: hcxrepl's\nchannel bytes per logical byte")
print(f"{'':24} {'hcxrepl':>8} {'plain':>8} {'DRBD/WG':>8}"
      f" {'vs plain':>9} {'vs DRBD':>8} {'wire':>6} {'plain wire':>11}")
for image in ("random", "realistic"):
    for kind in ("full", "delta"):
        ours = rates[image, kind, "hcxrepl"]
        raw = rates[image, kind, "hcxrepl-raw"]
        drbd = rates[image, kind, "drbd"]
        label = f"{image}, {'initial' if kind == 'full' else 'delta'} sync"
        print(f"{label:24} {ours:8.1f} {raw:8.1f} {drbd:8.1f}"
              f" {ours / raw:8.2f}x {ours / drbd:7.2f}x"
              f" {wire[image, kind, 'hcxrepl']:6.0%}"
              f" {wire[image, kind, 'hcxrepl-raw']:11.0%}")
PY
