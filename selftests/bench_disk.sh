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
# Then a long lossy WAN: a third boot of both sites times full syncs of a
# $WAN_MB MiB random image over a $WAN_MBIT Mbit/s link, clean, then with
# 20 ms and 0.5% loss each way, then the same with a 6 s outage (its time
# taken away), for hcxrepl's transport (no WAN optimization) and DRBD over
# WireGuard, and prints each one's lossy and outage rates against its own
# clean run (bench_wan_site.sh).  The same boot measures a busy source:
# fio's 4 KiB random writes on the raw device, on hcxrepl's tracking
# device alone and replicating, and on DRBD in protocol A
# (bench_fio_site.sh).
#
# usage: bench_disk.sh [6.1|6.12]   (default 6.1, both sites)
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP"

series=${1:-6.1}
SIZE_MB=256
MBIT=100
WAN_MB=96
WAN_MBIT=50
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
head -c "${WAN_MB}M" /dev/urandom >"$work/wan.img"
selftests/lib/realistic_image.sh "$work/realistic.img" "$SIZE_MB"

# site SITE IMAGE MBIT MODE: boot a site in the background.
site() {
	local link=$port_a:$port_b
	[ "$1" = b ] && link=$port_b:$port_a
	selftests/vm/vm.sh --kernel "$series" --cpus 1 --mem 1536M --timeout 1500 \
		--name "site-$1" --out "$work/$2-$1" --link "$link" \
		--mac "52:54:00:00:00:0$1" -- \
		bash selftests/bench_disk_site.sh "$1" "$work" "$2" "$3" "$4" \
		>"$work/$2-$1.log" 2>&1 &
}

for image in random realistic wan; do
	mbit=$MBIT mode=disk
	[ $image != wan ] || mbit=$WAN_MBIT mode=wan
	echo "== $image: booting both sites (about 4 minutes)"
	site b "$image" "$mbit" "$mode"
	pid_b=$!
	# Site A times from its first command: site B must be serving by then.
	for i in $(seq 600); do
		grep -qs '^b: ready' "$work/$image-b/output" && break
		kill -0 $pid_b 2>/dev/null || break
		sleep 0.5
	done
	site a "$image" "$mbit" "$mode"
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
/usr/bin/python3 - "$work" "$MBIT" "$WAN_MBIT" "$WAN_MB" <<'PY'
import sys

work, mbit, wan_mbit, wan_mb = sys.argv[1:5]
links, rates, wire, iops = {}, {}, {}, {}
for image in ("random", "realistic", "wan"):
    for line in open(f"{work}/{image}.results"):
        words = line.split()
        if words[:1] == ["link"]:
            links[words[1]] = float(words[2])
        elif words[:1] == ["fio"]:
            iops[words[1]] = int(words[2])
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
print(f"\nA long lossy WAN, {wan_mbit} Mbit/s; lossy: 20 ms and 0.5% loss each way;"
      " outage: lossy,\nand 6 s without a packet through, not counted.  Full syncs"
      f" of {wan_mb} MiB of random\ndata in MiB/s, then each against its own clean"
      " run; hcxrepl without WAN\noptimization (its transport)")
print(f"{'':10} {'clean':>7} {'lossy':>7} {'outage':>7} {'lossy':>7} {'outage':>7}")
for tool, label in (("hcxrepl", "hcxrepl"), ("drbd", "DRBD/WG")):
    clean, lossy, outage = (rates["wan", p, tool] for p in ("clean", "lossy", "outage"))
    print(f"{label:10} {clean:7.2f} {lossy:7.2f} {outage:7.2f}"
          f" {lossy / clean:6.2f}x {outage / clean:6.2f}x")
print(f"\nA busy source: fio's 4 KiB random direct writes (16 deep) for 15 s"
      f" at site A,\nthe link clean at {wan_mbit} Mbit/s; IOPS, and against"
      " the raw device")
for tool, label in (("raw", "raw device"), ("tracking", "hcxrepl, tracking only"),
                    ("hcxrepl", "hcxrepl, replicating"), ("drbd", "DRBD, protocol A")):
    print(f"{label:24} {iops[tool]:8d} {iops[tool] / iops['raw']:7.2f}x")
print(f"hcxrepl replicating against DRBD: {iops['hcxrepl'] / iops['drbd']:.2f}x")
PY
